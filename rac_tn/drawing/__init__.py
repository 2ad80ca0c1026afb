r"""Publication-quality diagrams of tensor networks and computation grids: drawing only.

Layout (:mod:`~rac_tn.drawing.layout`) → scene (:mod:`~rac_tn.drawing.scene`, options in
:mod:`~rac_tn.drawing.style`; one module per view, a computed cut drawn by
:mod:`~rac_tn.drawing.cuts`) → backends (:mod:`~rac_tn.drawing.mpl`,
:mod:`~rac_tn.drawing.tikz`). Any quimb network has its own view
(:mod:`~rac_tn.drawing.tn_view`: a layout from its structure, :mod:`~rac_tn.drawing.tn_layout`;
its computed cut, :mod:`~rac_tn.drawing.tn_cut`). Figures are sized for a journal column
(about 8 cm at T = 4-8) with 7 pt labels, grow with T up to a page's text width (16 cm, or
``width=``), and are refused with a message past it. This package never computes:
:func:`rac_tn.draw` and :func:`rac_tn.to_tikz` compute the network and the cut and call the
views here.

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
from rac_tn.drawing.tn_view import tn_view

__all__ = [
    "VIEWS",
    "Scene",
    "Style",
    "View",
    "grid_view",
    "mpl",
    "network_view",
    "tikz",
    "tn_view",
]
