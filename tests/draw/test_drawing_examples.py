"""The worked examples of the drawing internals (formerly their doctests), checked by hand."""

from __future__ import annotations

import pytest

from rac_tn import RAC, compile_rac, network_cut_bound, start_end, symmetric_bound
from rac_tn.drawing._curves import (
    arrow_head,
    polyline_length,
    sample_smooth_cycle,
    smooth_cycle,
    split_polyline,
)
from rac_tn.drawing._geometry import (
    GridGeometry,
    cell_drawing,
    fit_mps_geometry,
    fit_tree_geometry,
    min_network_width,
    scaled,
    tree_geometry,
)
from rac_tn.drawing._shapes import tensor_name
from rac_tn.drawing._tikz_text import escape_math, escape_text, font_command
from rac_tn.drawing.cuts import check_cut, legend_text
from rac_tn.drawing.grid_view import grid_view
from rac_tn.drawing.layout import grid_layout, mps_layout, tree_layout
from rac_tn.drawing.network_view import check_legible, input_letter, network_view
from rac_tn.drawing.scene import Edge, Node, Scene, add_title, bond_width, style_meta, text_size
from rac_tn.drawing.shading import shade_cut, simplify
from rac_tn.drawing.style import Style
from rac_tn.models import LinearRNN, SecondOrderRNN
from rac_tn.network import TensorPlace

# -- geometry and layout ------------------------------------------------------------------------


def test_geometry_examples():
    assert scaled(GridGeometry(), 2.0).dx == 2 * GridGeometry().dx == 1.72
    assert fit_tree_geometry(10, 4).c_rise == 0.0  # a RAC copy has no C above its COPY dot
    assert fit_tree_geometry(10, 4, cell="cp").c_rise > 0
    # roomy trees put h^{l,0} left of its chain, dense ones above its W^H
    assert not fit_tree_geometry(10, 4).h0_above and fit_tree_geometry(20, 10).h0_above
    assert fit_tree_geometry(3, 1).labels == "full" and fit_tree_geometry(10, 4).labels == "short"
    # C(T+L-1, L) columns at least 0.42 cm apart: C(9, 2) = 36 at L = 2, T = 8
    assert round(min_network_width(2, 8), 1) == 15.4
    assert round(min_network_width(3, 6), 1) == 23.8
    assert round(min_network_width(1, 8, cell="cp"), 1) == 4.5  # the chain of 8 CP cells
    assert fit_mps_geometry(6, width=16).mps_spacing == 0.95  # the natural spacing fits
    assert fit_mps_geometry(16, width=16).mps_spacing == 0.84  # reduced to fit
    assert tree_geometry(compile_rac(RAC.random(2, 2, depth=3, seed=0), T=8)).h0_above
    assert cell_drawing(compile_rac(SecondOrderRNN.random(2, 2, seed=0), T=2)) == "dense"


def test_layout_examples():
    lay = tree_layout(compile_rac(RAC.random(2, 2, depth=2, seed=0), T=3))
    assert len(lay.columns) == 6  # one column per input leg: C(T+L-1, L) = C(4, 2)
    lay = mps_layout(compile_rac(RAC.random(2, 2, seed=0), T=3))
    assert sorted(lay.pos[("terminal", t)] for t in (1, 2, 3))[0] == (0.95, -0.55)
    lay = tree_layout(compile_rac(RAC.random(2, 2, depth=2, seed=0), T=2))
    assert lay.pos[("input", 1)][0] < lay.pos[("input", 2)][0]  # time runs left to right
    lay = grid_layout(2, 3)
    assert lay.pos[("fan", 1, 2)][0] == lay.pos[("h", 2, 2)][0]  # fan-out under the cell above


# -- curves and TikZ text -----------------------------------------------------------------------


def test_curves_examples():
    segs = smooth_cycle([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])
    assert len(segs) == 4 and segs[0][0] == (0.0, 0.0) and segs[0][3] == (1.0, 0.0)
    # 3 segments of 4 samples each, and the closing point
    assert len(sample_smooth_cycle([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)], per_segment=4)) == 13
    assert arrow_head((0.0, 0.0), (1.0, 0.0), 0.5, 0.25) == [(1.0, 0.0), (0.5, 0.25), (0.5, -0.25)]
    assert polyline_length([(0, 0), (3, 4), (3, 5)]) == 6.0  # 5 + 1
    assert split_polyline([(0.0, 0.0), (2.0, 0.0)]) == (
        [(0.0, 0.0), (1.0, 0.0)],
        [(1.0, 0.0), (2.0, 0.0)],
    )


def test_tikz_text_examples():
    assert escape_text("50% of {a_b} ≤ $3") == r"50\% of \{a\_b\} $\leq$ \$3"
    assert escape_math("W^{H,1}") == "W^{H,1}"
    assert escape_math("a}{b") == r"a\}\{b"
    assert escape_math("50%") == r"50\%"
    assert (font_command(7), font_command(8)) == (r"\scriptsize", r"\footnotesize")


def test_tensor_names():
    assert tensor_name(TensorPlace("WH", 2, 3, "hi"), 2) == "WH-2-3-hi"
    assert tensor_name(TensorPlace("CORE", 1, 4, ""), 1) == "G-4"
    assert tensor_name(TensorPlace("CORE3", 1, 2, "h"), 1) == "core-1-2-h"


# -- scene ----------------------------------------------------------------------------------------


def test_scene_examples():
    scene = Scene()
    scene.add_node(Node("a", 0.0, 0.0, shape="circle", size=0.2, label="W^{H}"))
    scene.add_node(Node("b", 1.0, 0.0, shape="dot", size=0.04))
    scene.add_edge(Edge([(0.0, 0.0), (1.0, 0.0)], ends=("a", "b"), ref="i0", dim=2))
    assert scene.width > 1.0
    assert Node("a", 0.0, 0.0, shape="box", size=0.3, height=0.1).extent() == (
        -0.3,
        -0.1,
        0.3,
        0.1,
    )
    assert Node("a", 0.0, 0.0, size=0.5).boundary_point((2.0, 0.0)) == (0.5, 0.0)
    assert (bond_width(1), bond_width(4)) == (0.45, 1.05)
    w, h = text_size("W^{O}", 7.0)
    assert 0.1 < w < 0.5 and 0.1 < h < 0.5
    assert style_meta(Style())["font_size"] == 7.0
    scene = Scene()
    add_title(scene, Style(title="A RAC"))
    assert scene.texts[0].text == "A RAC"


# -- views and cuts -----------------------------------------------------------------------------


def test_view_examples():
    net = compile_rac(RAC.random(2, 2, depth=2, seed=0), T=3)
    scene = network_view(net, Style())
    assert sum(n.role == "terminal" for n in scene.nodes) == 6  # one leg per copy: C(4, 2)
    scene = network_view(net, Style(hyperedges=True))
    assert sum(n.role == "hyperedge" for n in scene.nodes) == 3  # one dot per input
    with pytest.raises(ValueError, match="depth-3 RAC over T = 6 steps needs at least 23.8 cm"):
        check_legible(3, 6, Style())
    assert input_letter(compile_rac(LinearRNN.random(2, 2, seed=0), T=2)) == r"\tilde{x}"
    scene = grid_view(2, 3, Style(degrees=True), M=2, R=3, C=1)
    roles = sorted(n.role for n in scene.nodes if n.role in ("input", "output"))
    assert roles == ["input", "input", "input", "output"]


def test_cut_examples():
    net = compile_rac(RAC.random(2, 3, seed=0), T=4)
    scene = network_view(net, Style(), cut=network_cut_bound(net, start_end(4)))
    assert [e.ref for e in scene.edges if e.highlight] == ["h1_2.R"]  # one bond of the train
    bound = symmetric_bound(RAC.random(2, 2, depth=2, seed=0), start_end(4))
    with pytest.raises(ValueError, match="symmetric-cut bound, drawn on the computation grid"):
        check_cut(bound, "network", 4)
    # R ((R, 2)) = 2 * 3
    assert legend_text(bound) == (
        r"\mathrm{separation\ rank} \leq (\!(2,2)\!) \cdot (\!(2,1)\!) = 3 \cdot 2 = 6"
    )


def test_shading_examples():
    scene = Scene()
    for key, x in (("a", 0.0), ("b", 1.0)):
        scene.add_node(Node(key, x, 0.0, size=0.1))
    scene.add_edge(Edge([(0.0, 0.0), (1.0, 0.0)], ends=("a", "b")))
    shade_cut(
        scene,
        {"a": "source", "b": "sink"},
        source_fill="#DDDDFF",
        sink_fill="#FFDDDD",
        curve_color="#C62828",
    )
    assert (len(scene.regions), len(scene.curves)) == (2, 1)
    # Douglas-Peucker drops the middle point 0.01 off the straight stretch
    line = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (2.0, 1.0)]
    assert simplify(line, 0.05) == [(0.0, 0.0), (2.0, 0.0), (2.0, 1.0)]
