"""Drawn cuts: exactly the CutBound's elements highlighted, the curve through them, U shaded.

The bounds are computed by rac_tn.bounds; shaded sides are checked by point-in-polygon tests.
"""

from __future__ import annotations

import pytest
from _drawing import dist_to_curves, inside, midpoint

from rac_tn import RAC, compile_rac
from rac_tn.bounds import network_cut_bound, symmetric_bound
from rac_tn.diagram import build_scene
from rac_tn.drawing.cuts import legend_texts
from rac_tn.drawing.scene import Region
from rac_tn.partition import interleaved, start_end

NETWORK_CASES = [
    (1, 6, 2, 2, "start-end"),  # one bond of the tensor train
    (1, 6, 3, 2, "interleaved"),
    (2, 4, 4, 2, "start-end"),  # COPY tensors
    (2, 4, 2, 2, "start-end"),  # input hyperedges
    (3, 4, 3, 2, "start-end"),
    (2, 4, 3, 2, "interleaved"),
]


@pytest.mark.parametrize("hyperedges", [False, True])
@pytest.mark.parametrize("depth,T,M,R,part", NETWORK_CASES)
def test_network_cut_highlights_exactly_its_bonds(depth, T, M, R, part, hyperedges):
    net = compile_rac(RAC.random(M, R, depth=depth, seed=0), T)
    partition = start_end(T) if part == "start-end" else interleaved(T)
    bound = network_cut_bound(net, partition)
    scene = build_scene(net, cut=bound, hyperedges=hyperedges)
    bonds = {e.name for e in bound.cut if e.category == "bond"}
    deltas = {e.name for e in bound.cut if e.category == "delta"}
    inputs = {e.name for e in bound.cut if e.category == "hyperedge"}
    dots = hyperedges and depth > 1  # one dot per input: a cut input is that dot, ringed
    highlighted = {e.ref for e in scene.edges if e.highlight}
    assert {n.ref for n in scene.nodes if n.highlight} == deltas | (inputs if dots else set())
    if dots:
        assert highlighted == bonds
    else:
        # a cut input index is drawn as the legs it cuts: those of its copies held by a
        # tensor on the other side than the input's part
        legs = {
            ind
            for ind in inputs
            for tid in net.tn.ind_map[ind]
            if (tid in bound.side)
            != (partition.side_of(net.input_inds.index(ind) + 1) == bound.upstream)
        }
        assert legs == inputs  # every cut input has a leg that crosses
        assert highlighted == bonds | legs
    # the dashed curve runs through every cut bond (at its middle) and every cut vertex
    for e in scene.edges:
        if e.highlight:
            assert dist_to_curves(scene, midpoint(e.points)) < 0.06
    for n in scene.nodes:
        if n.highlight:
            assert dist_to_curves(scene, (n.x, n.y)) < 0.08
    # both sides shaded, and the value written, saying which rank it bounds
    assert len(scene.regions) == 2
    (legend,) = [t.text for t in scene.texts if t.role == "legend"]
    assert legend.startswith("\\mathrm{grid\\text{-}tensor\\ rank} \\leq ")
    assert legend.split(r"\ \mathrm{(")[0].endswith(f" {bound.value}")


def test_the_cut_is_closed_curves_around_the_upstream_side():
    """The cut is drawn as closed curves (one for a Start-End cut of an MPS or a grid) that
    hold every upstream input, its label included, and no other input."""
    for depth, T, M in ((1, 6, 2), (2, 4, 4), (2, 6, 3), (3, 8, 2)):
        rac = RAC.random(M, 2, depth=depth, seed=0)
        for view in ("network", "grid"):
            if view == "network" and depth == 3:
                continue
            scene = build_scene(rac, T=T, view=view, cut="start-end")
            bound = scene.meta["cut"]
            rings = [c.points for c in scene.curves if c.closed]
            assert rings and all(c.closed for c in scene.curves[: len(rings)])
            if depth == 1 or view == "grid":
                assert len(rings) == 1, (depth, T, view)
            region = Region(rings, "#000000", smooth=True)
            for n in scene.nodes:
                if n.role in ("input", "terminal", "hyperedge") and isinstance(n.key[1], int):
                    upstream = bound.partition.side_of(n.key[1]) == bound.upstream
                    assert inside(region, (n.x, n.y)) == upstream, (view, n.key)
            for text in scene.texts:
                if text.role == "input":
                    x0, y0, x1, y1 = text.extent()
                    t = int(text.text.split("{")[1].rstrip("}"))
                    upstream = bound.partition.side_of(t) == bound.upstream
                    assert inside(region, ((x0 + x1) / 2, (y0 + y1) / 2)) == upstream


def test_legend_only_with_a_drawn_cut():
    rac = RAC.random(2, 2, depth=2, seed=0)
    for style in ({}, {"hyperedges": True}, {"hyperedges": False}):
        scene = build_scene(rac, T=4, **style)
        assert not scene.curves and not any(t.role == "legend" for t in scene.texts)
        cut = build_scene(rac, T=4, cut="start-end", **style)
        assert [t.role for t in cut.texts].count("legend") == 1
    grid = build_scene(rac, T=4, view="grid", cut="start-end")
    (legend,) = [t.text for t in grid.texts if t.role == "legend"]
    assert legend.startswith("\\mathrm{separation\\ rank} \\leq ")
    assert legend.endswith(f" {grid.meta['cut'].value}")


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
    # each cut node carries its factor, and the legend spells its degree in ((dim, degree))
    texts = [t.text for t in scene.texts]
    (legend,) = [t for t in texts if "leq" in t]
    full = legend_texts(bound)[0]  # drawn when the figure is wide enough
    assert legend in legend_texts(bound)
    for element in bound.cut:
        assert str(element.factor) in texts
        assert f"({element.dim},{element.degree})" in full


def test_a_cut_of_index_lists_is_refused_with_a_reason():
    net = compile_rac(RAC.random(2, 2, seed=0), 4)
    inds = list(net.input_inds)
    bound = network_cut_bound(net, (inds[:2], inds[2:]))
    assert bound.partition is None
    with pytest.raises(ValueError, match="not a partition of the times"):
        build_scene(net, cut=bound)


def test_a_report_without_its_model_is_refused_with_a_reason():
    from rac_tn import Report, analyze

    report = analyze(RAC.random(2, 2, seed=0, integer=True), "start-end", T=4, exact=False)
    rebuilt = Report.from_dict(report.to_dict())
    assert rebuilt.rac is None
    with pytest.raises(ValueError, match="without its model"):
        build_scene(rebuilt)
