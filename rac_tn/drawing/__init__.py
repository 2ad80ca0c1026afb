r"""Publication-quality diagrams of tensor networks and computation grids: drawing only.

The networks are those :func:`rac_tn.compile_rac` builds, of a RAC or of any model family of
:mod:`rac_tn.models`: a CP core is drawn as its factor matrices ``A``, ``B``, ``C`` around a
COPY diamond of dimension K (as the second-order RNN paper draws a CP decomposition), a dense
core as one order-3 tensor (:mod:`~rac_tn.drawing._shapes`).

Layout (:mod:`~rac_tn.drawing.layout`, deterministic positions from the structure) → scene
(:mod:`~rac_tn.drawing.scene` primitives, :mod:`~rac_tn.drawing.style` options; one module per view,
:mod:`~rac_tn.drawing.network_view` and :mod:`~rac_tn.drawing.grid_view`; a computed cut drawn by
:mod:`~rac_tn.drawing.cuts` and :mod:`~rac_tn.drawing.shading`) → backends
(:mod:`~rac_tn.drawing.mpl`,
:mod:`~rac_tn.drawing.tikz`). Figures are sized for a journal column (about 8 cm wide at T = 4-8)
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

from rac_tn.drawing import mpl, tikz
from rac_tn.drawing.grid_view import grid_view
from rac_tn.drawing.network_view import network_view
from rac_tn.drawing.scene import Scene
from rac_tn.drawing.style import VIEWS, Style, View

__all__ = ["VIEWS", "Scene", "Style", "View", "grid_view", "mpl", "network_view", "tikz"]
