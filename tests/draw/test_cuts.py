"""Drawn cuts: exactly the CutBound's elements highlighted, the curve through them, U shaded.

The bounds are computed by rac_tn.bounds; shaded sides are checked by point-in-polygon tests.
"""

from __future__ import annotations

import pytest
from _drawing import dist_to_curves, inside, midpoint

from rac_tn import RAC, compile_rac
from rac_tn.bounds import network_cut_bound, symmetric_bound
from rac_tn.diagram import build_scene
from rac_tn.partition import interleaved, start_end

NETWORK_CASES = [
    (1, 6, 2, 2, "start-end"),  # one bond of the tensor train
    (1, 6, 3, 2, "interleaved"),
    (2, 4, 4, 2, "start-end"),  # COPY tensors
    (2, 4, 2, 2, "start-end"),  # input hyperedges
    (3, 4, 3, 2, "start-end"),
    (2, 4, 3, 2, "interleaved"),
]


@pytest.mark.parametrize("depth,T,M,R,part", NETWORK_CASES)
def test_network_cut_highlights_exactly_its_bonds(depth, T, M, R, part):
    net = compile_rac(RAC.random(M, R, depth=depth, seed=0), T)
    partition = start_end(T) if part == "start-end" else interleaved(T)
    bound = network_cut_bound(net, partition)
    scene = build_scene(net, cut=bound)
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    vertices = {e.name for e in bound.cut if e.category != "bond"}
    assert {e.ref for e in scene.edges if e.highlight} == bonds
    assert {n.ref for n in scene.nodes if n.highlight} == vertices
    # the dashed curve runs through every cut bond (at its middle) and every cut vertex
    for e in scene.edges:
        if e.highlight:
            assert dist_to_curves(scene, midpoint(e.points)) < 0.06
    for n in scene.nodes:
        if n.highlight:
            assert dist_to_curves(scene, (n.x, n.y)) < 0.08
    # both sides shaded, and the value written
    assert len(scene.regions) == 2
    assert any(str(bound.value) in t.text for t in scene.texts)


@pytest.mark.parametrize("depth,T,M,R", [(3, 8, 2, 2), (2, 6, 2, 3), (2, 8, 3, 2), (1, 4, 2, 2)])
def test_symmetric_cut_shades_U_and_rings_its_cut_nodes(depth, T, M, R):
    rac = RAC.random(M, R, depth=depth, seed=0)
    bound = symmetric_bound(rac, start_end(T))
    scene = build_scene(rac, T=T, view="grid", cut=bound)
    cut_nodes = {e.name: e.degree for e in bound.cut}
    assert {n.ref for n in scene.nodes if n.highlight} == set(cut_nodes)
    # U is shaded in the colour of the side it holds, the rest in the other one
    u_region, rest_region = scene.regions  # source (U) first
    for n in scene.nodes:
        if n.role in ("cell", "input", "output"):
            region = u_region if n.ref in bound.side else rest_region
            assert inside(region, (n.x, n.y)), n.ref
    # each cut node carries its degree
    texts = [t.text for t in scene.texts]
    for degree in cut_nodes.values():
        assert str(degree) in texts
