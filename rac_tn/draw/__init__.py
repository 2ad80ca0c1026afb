r"""Publication-quality diagrams of tensor networks and computation grids: drawing only.

The networks are those :func:`rac_tn.compile_rac` builds, of a RAC or of any model family of
:mod:`rac_tn.cells`: a CP core is drawn as its factor matrices ``A``, ``B``, ``C`` around a
COPY diamond of dimension K (as the second-order RNN paper draws a CP decomposition), a dense
core as one order-3 tensor (:mod:`~rac_tn.draw._shapes`).

Layout (:mod:`~rac_tn.draw.layout`, deterministic positions from the structure) → scene
(:mod:`~rac_tn.draw.scene` primitives, :mod:`~rac_tn.draw.style` options; one module per view,
:mod:`~rac_tn.draw.network_view` and :mod:`~rac_tn.draw.grid_view`; a computed cut drawn by
:mod:`~rac_tn.draw.cuts` and :mod:`~rac_tn.draw.shading`) → backends (:mod:`~rac_tn.draw.mpl`,
:mod:`~rac_tn.draw.tikz`). Figures are sized for a journal column (about 8 cm wide at T = 4-8)
with 7 pt labels, grow with T up to a page's text width (16 cm, or ``width=``), and are refused
with a message past it.

This package never computes: it is handed a compiled network (or the grid's sizes) and a
computed :class:`~rac_tn.bounds.CutBound`. The public :func:`rac_tn.draw` and
:func:`rac_tn.to_tikz` (:mod:`rac_tn.diagram`) take a RAC, a network or a report and a
partition, compute what is needed, and call the views here.

Examples
--------
>>> from rac_tn import RAC, compile_rac, network_cut_bound, start_end
>>> net = compile_rac(RAC.random(2, 2, depth=2, seed=0), T=4)
>>> scene = network_view(net, Style(), cut=network_cut_bound(net, start_end(4)))
>>> fig = mpl.render(scene)
>>> tikz.render(scene).startswith("\\documentclass")
True
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from rac_tn.draw import mpl, tikz
from rac_tn.draw.grid_view import grid_view
from rac_tn.draw.network_view import network_view
from rac_tn.draw.scene import Scene
from rac_tn.draw.style import VIEWS, Style, View

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class _CallableModule(types.ModuleType):
    """``rac_tn.draw`` is both this package and the function :func:`rac_tn.draw`.

    ``rac_tn`` exports ``draw`` lazily (from :mod:`rac_tn.diagram`), but once this package is
    imported (say by ``import rac_tn.draw.mpl``) Python binds the attribute ``rac_tn.draw`` to
    the package itself, so ``from rac_tn import draw`` may give the package: calling it draws,
    through ``rac_tn``'s lazy loader.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Figure:
        return sys.modules["rac_tn"].__getattr__("draw")(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["VIEWS", "Scene", "Style", "View", "grid_view", "mpl", "network_view", "tikz"]


def __getattr__(name: str) -> Any:
    # Compatibility: ``from rac_tn.draw import draw, to_tikz`` (the facade's functions, which
    # moved to rac_tn.diagram) still works, through rac_tn's lazy loader.
    if name in ("draw", "to_tikz"):
        return sys.modules["rac_tn"].__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
