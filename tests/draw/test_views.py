"""Scenes of both views: every tensor once, inputs grouped and coloured, readable sizes.

Counts come from the compiled network (its tensor and index maps) and from n_t = C(T-t+L-1, L-1).
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from _drawing import rac_of

from rac_tn import compile_rac
from rac_tn.diagram import build_scene
from rac_tn.draw.cuts import TENSOR_ROLES
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
    them, which widens the depth-3 tree to about 9 cm.)"""
    cases = [
        (rac_of(1), 6, "network"),
        (rac_of(2, M=4), 4, "network"),
        (rac_of(3), 4, "network"),
        (rac_of(3), 8, "grid"),
    ]
    for rac, T, view in cases:
        scene = build_scene(rac, T=T, view=view, cut="start-end", dims=True, degrees=True)
        sizes = [t.size for t in scene.texts] + [n.label_size for n in scene.nodes if n.label]
        sizes += [e.label_size for e in scene.edges if e.label]
        assert min(sizes) >= 7
        assert 5.0 < scene.width < 9.4, (view, T, scene.width)
    # and they grow with T instead of shrinking their labels
    assert build_scene(rac_of(1), T=12).width > build_scene(rac_of(1), T=6).width
