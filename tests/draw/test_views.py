"""Scenes of both views: every tensor once, inputs grouped and coloured, readable sizes.

Counts come from the compiled network (its tensor and index maps) and from n_t = C(T-t+L-1, L-1).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from _drawing import rac_of

from rac_tn import compile_rac
from rac_tn.diagram import build_scene
from rac_tn.drawing.cuts import TENSOR_ROLES
from rac_tn.drawing.scene import text_size
from rac_tn.partition import Partition


@pytest.mark.parametrize("depth,T,C", [(1, 6, 1), (1, 3, 3), (2, 4, 1), (3, 4, 2), (2, 3, 2)])
def test_every_tensor_appears_exactly_once(depth, T, C):
    net = compile_rac(rac_of(depth, C=C), T)
    scene = build_scene(net)
    refs = Counter(n.ref for n in scene.nodes if n.role in TENSOR_ROLES)
    assert set(refs) == set(net.tn.tensor_map)
    assert set(refs.values()) == {1}
    # and every bond between two tensors is exactly one edge
    inputs = set(net.input_inds)
    bonds = [ind for ind, tids in net.tn.ind_map.items() if len(tids) == 2 and ind not in inputs]
    edges = Counter(e.ref for e in scene.edges if e.role == "bond")
    assert set(edges) == set(bonds) and set(edges.values()) == {1}
    # every copy of input t is joined to it: n_t legs in all
    legs = Counter(e.ref for e in scene.edges if e.role in ("hyperleg", "leg"))
    for ind in net.input_inds:
        assert legs[ind] >= len(net.tn.ind_map[ind])


def test_inputs_grouped_one_hyperedge_dot_each():
    net = compile_rac(rac_of(2), 4)
    scene = build_scene(net, hyperedges=True)  # the hyperedge view is an option now
    dots = [n for n in scene.nodes if n.role == "hyperedge"]
    assert sorted(n.ref for n in dots) == list(net.input_inds)
    legs = Counter(e.ends[1] for e in scene.edges if e.role == "hyperleg")
    # n_t = C(T-t+L-1, L-1) legs reach the dot of input t
    assert [legs[("input", t)] for t in range(1, 5)] == [
        math.comb(4 - t + 1, 1) for t in range(1, 5)
    ]
    separate = build_scene(net)  # default: every copy of x_t its own leg, with its label
    assert not [n for n in separate.nodes if n.role == "hyperedge"]
    labels = Counter(t.text for t in separate.texts if t.role == "input")
    assert [labels[f"x_{{{t}}}"] for t in range(1, 5)] == [
        math.comb(4 - t + 1, 1) for t in range(1, 5)
    ]


def test_inputs_coloured_by_partition_side():
    part = Partition(6, [1, 2, 5])
    scene = build_scene(rac_of(1), T=6, partition=part, start_color="#112233", end_color="#445566")
    colours = {n.key[1]: n.fill for n in scene.nodes if n.role == "terminal"}
    assert colours == {t: "#112233" if t in part.start else "#445566" for t in range(1, 7)}


def test_bond_width_grows_with_dimension():
    scene = build_scene(rac_of(1, M=2, R=8), T=3)
    width = {e.ref: e.width for e in scene.edges}
    assert width["h1_1.R"] > width["d1"]  # R = 8 > M = 2


def test_fonts_are_readable_and_figures_fit_a_column():
    """Labels >= 7 pt; the four reference figures are about a column (8-9 cm) wide.

    (The bound was 8.6 cm; the H and I circles grew so that their letters no longer touch
    them, which widens the depth-3 tree to about 9 cm.) With short labels: at the page width
    'auto' gives the depth-2 tree at T = 4 its full labels, a figure about 11 cm wide."""
    cases = [
        (rac_of(1), 6, "network"),
        (rac_of(2, M=4), 4, "network"),
        (rac_of(3), 4, "network"),
        (rac_of(3), 8, "grid"),
    ]
    for rac, T, view in cases:
        labels = "short" if view == "network" else "auto"
        scene = build_scene(
            rac, T=T, view=view, cut="start-end", dims=True, degrees=True, labels=labels
        )
        sizes = [t.size for t in scene.texts] + [n.label_size for n in scene.nodes if n.label]
        sizes += [e.label_size for e in scene.edges if e.label]
        assert min(sizes) >= 7
        assert 5.0 < scene.width < 9.4, (view, T, scene.width)
    # and they grow with T instead of shrinking their labels
    assert build_scene(rac_of(1), T=12).width > build_scene(rac_of(1), T=6).width


def _label_corners_inside(node, margin):
    """The label's box, as matplotlib typesets it, lies inside the node with a margin."""
    w, h = text_size(node.label, node.label_size)
    if node.shape == "box":
        return w / 2 + margin <= node.size and h / 2 + margin <= node.half_height + 0.02
    return math.hypot(w / 2, h / 2) + margin <= node.size


@pytest.mark.parametrize("depth,T", [(1, 6), (1, 16), (2, 4), (2, 8), (3, 4)])
def test_labels_never_touch_their_circles_or_boxes(depth, T):
    for labels in ("auto", "short", "full"):
        scene = build_scene(rac_of(depth), T=T, labels=labels, width=100)
        for node in scene.nodes:
            if node.label:
                assert _label_corners_inside(node, 0.015), (labels, node.key, node.label)


def _boxes_overlap(a, b, pad=0.0):
    return not (
        a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1]
    )


@pytest.mark.parametrize(
    "depth,T,view,style",
    [
        (2, 4, "network", {"labels": "full", "dims": "symbolic"}),
        (2, 4, "network", {"labels": "full", "dims": True, "cut": "start-end"}),
        (1, 6, "network", {"dims": True, "cut": "start-end"}),
        (3, 8, "grid", {"dims": "symbolic", "degrees": True, "cut": "start-end"}),
        (4, 16, "grid", {"degrees": True, "cut": "start-end"}),
    ],
)
def test_no_label_covers_a_node_or_another_label(depth, T, view, style):
    """Dimension labels, degrees and input labels sit clear of every node and of each other
    (at L = 4, T = 16 too), and the dashed cut runs around them, not through them."""
    from _drawing import drawn_points

    scene = build_scene(rac_of(depth), T=T, view=view, **style)
    texts = [(t.text, t.extent()) for t in scene.texts if t.role not in ("legend", "title")]
    for e in scene.edges:
        if e.label:
            (x, y), (w, h) = e.label_pos, text_size(e.label, e.label_size)
            texts.append((e.label, (x - w / 2, y - h / 2, x + w / 2, y + h / 2)))
    nodes = [n for n in scene.nodes if n.shape != "none"]
    for text, box in texts:
        for n in nodes:
            assert not _boxes_overlap(box, n.extent()), (text, n.key)
        x0, y0, x1, y1 = box
        for curve in scene.curves:  # the cut curve passes beside a label, never through it
            for px, py in drawn_points(curve.points, curve.smooth, curve.closed, 40):
                assert not (x0 < px < x1 and y0 < py < y1), (text, (px, py))
    for (t1, b1), (t2, b2) in itertools.combinations(texts, 2):
        assert not _boxes_overlap(b1, b2), (t1, t2)
    # one dimension label per kind (M, R, C), not one on every bond
    labels = [e.label for e in scene.edges if e.label]
    assert len(labels) == len(set(labels)) or style.get("dims") is True


@pytest.mark.parametrize("depth,T", [(1, 16), (1, 20), (2, 8), (3, 4), (2, 6)])
def test_figures_fit_the_page_width(depth, T):
    """Drawn by default, a figure is at most a page's text width (16 cm), or width=."""
    for cut in (None, "start-end"):
        assert build_scene(rac_of(depth), T=T, cut=cut).width <= 16.0
    assert build_scene(rac_of(depth), T=T, view="grid", width=30).width <= 30.0


@pytest.mark.parametrize("depth,T", [(3, 6), (2, 12), (4, 8), (1, 40)])
def test_illegible_networks_are_refused_with_a_message(depth, T):
    """No more 52-cm figures: past the page width the network view is refused, saying how
    wide it would be and what to do; a wider width= draws it."""
    with pytest.raises(ValueError, match=r"needs at least .* cm.*view='grid'.*width="):
        build_scene(rac_of(depth), T=T)
    if depth <= 3 and T <= 6:
        assert build_scene(rac_of(depth), T=T, width=30).width <= 30


def test_inputs_are_x_t_in_every_view():
    for view in ("network", "grid"):
        for depth in (1, 2):
            scene = build_scene(rac_of(depth), T=4, view=view)
            inputs = {t.text for t in scene.texts if t.role == "input"}
            assert inputs == {f"x_{{{t}}}" for t in range(1, 5)}, (view, depth)


def test_degrees_are_not_repeated():
    """An input's degree n_t equals its layer-1 cell's path count: shown once, beside x_t."""
    scene = build_scene(rac_of(3), T=6, view="grid", degrees=True)
    owners = Counter(t.owner for t in scene.texts if t.role == "degree")
    assert set(owners.values()) == {1}
    assert not any(o[0] == "h" and o[1] == 1 for o in owners)
    assert {o for o in owners if o[0] == "x"} == {("x", t) for t in range(1, 7)}
