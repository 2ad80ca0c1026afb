"""Layouts: deterministic, no overlaps, no crossings, time left to right, layers up.

Overlaps and crossings are checked by plane geometry written independently of the scene module.
"""

from __future__ import annotations

import itertools
import math

import pytest
from _drawing import crossings, min_gap, rac_of

from rac_tn import compile_rac
from rac_tn.diagram import build_scene, to_tikz
from rac_tn.drawing.layout import grid_layout, tree_layout


@pytest.mark.parametrize("view", ["network", "grid"])
@pytest.mark.parametrize("depth,T", [(1, 6), (2, 4), (3, 4)])
def test_layout_is_deterministic(view, depth, T):
    # two independent compilations of the same model give the very same picture
    a = to_tikz(rac_of(depth), T=T, view=view, cut="start-end")
    b = to_tikz(rac_of(depth), T=T, view=view, cut="start-end")
    assert a == b
    s1 = build_scene(rac_of(depth), T=T, view=view)
    s2 = build_scene(
        compile_rac(rac_of(depth), T) if view == "network" else rac_of(depth), T=T, view=view
    )
    assert [(n.key, n.x, n.y) for n in s1.nodes] == [(n.key, n.x, n.y) for n in s2.nodes]


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("T", range(1, 9))
def test_no_two_nodes_overlap(depth, T):
    """For L <= 3, T <= 8 no two drawn nodes touch, in both views."""
    rac = rac_of(depth)
    assert min_gap(build_scene(rac, T=T, view="grid")) > 0.02
    net = compile_rac(rac, T)
    wide = {"width": 100}  # past a page's width the network view refuses (tested elsewhere)
    assert min_gap(build_scene(net, **wide)) > 0.01
    assert min_gap(build_scene(net, hyperedges=True, **wide)) > 0.01
    if depth == 1:  # the copy tree of a shallow RAC (W^H, W^I and COPY drawn separately)
        assert min_gap(build_scene(compile_rac(rac, T, kind="tree"), **wide)) > 0.01


@pytest.mark.parametrize("depth,T", [(1, 5), (2, 5), (3, 4), (2, 8)])
def test_tree_bonds_never_cross(depth, T):
    """The tidy copy-tree drawing is planar: no two bonds cross (only hyperedge legs do)."""
    scene = build_scene(compile_rac(rac_of(depth), T, kind="tree"))
    bonds = [e for e in scene.edges if e.role in ("bond", "leg")]
    assert crossings(bonds) == []


@pytest.mark.parametrize("depth,T", [(1, 8), (2, 8), (3, 8)])
def test_grid_wires_never_cross(depth, T):
    scene = build_scene(rac_of(depth), T=T, view="grid")
    assert crossings([e for e in scene.edges if e.role == "wire"]) == []


def test_tree_layout_puts_time_left_to_right_and_layers_up():
    net = compile_rac(rac_of(3), 4)
    lay = tree_layout(net)
    by_copy = {}
    for tid, p in net.places.items():
        by_copy.setdefault((p.layer, p.time if p.role != "H0" else 1, p.route), {})[p.role] = (
            lay.pos[tid]
        )
    for (layer, t, route), parts in by_copy.items():
        if "DELTA" not in parts:
            continue
        dx, dy = parts["DELTA"]
        assert parts["WI"][0] == dx and parts["WI"][1] < dy  # W^I straight below
        assert parts["WH"][1] == dy and parts["WH"][0] < dx  # W^H on the left
        if t > 1:  # the previous time step of the same layer is further left, same height
            px, py = by_copy[(layer, t - 1, route + "h")]["DELTA"]
            assert px < parts["WH"][0] and py == dy
        if layer > 1:  # the layer below is below
            assert by_copy[(layer - 1, t, route + "i")]["DELTA"][1] < parts["WI"][1]
    # one column per input leg: C(T+L-1, L) of them
    assert len(lay.columns) == math.comb(4 + 3 - 1, 3)
    # input dots in time order on one row
    dots = [lay.pos[("input", t)] for t in range(1, 5)]
    assert all(a[0] < b[0] for a, b in itertools.pairwise(dots))
    assert len({y for _, y in dots}) == 1


def test_grid_layout_fan_out_points_lie_under_the_next_layer():
    lay = grid_layout(3, 5)
    for layer in (1, 2):
        for t in range(1, 6):
            fx, fy = lay.pos[("fan", layer, t)]
            assert fx == pytest.approx(lay.pos[("h", layer + 1, t)][0])
            assert fy == pytest.approx(lay.pos[("h", layer, t)][1])
    assert lay.pos[("y",)][1] > lay.pos[("h", 3, 5)][1]
    assert all(lay.pos[("x", t)][1] < lay.pos[("h", 1, t)][1] for t in range(1, 6))
