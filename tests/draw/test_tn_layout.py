"""The pieces of the layout of any network, checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import quimb.tensor as qtn
from scipy.optimize import minimize

from rac_tn.drawing._tn_graph import read_network, tag_text
from rac_tn.drawing._tn_parts import bow, clearance, free_directions, route
from rac_tn.drawing.tn_layout import network_layout, spread


@pytest.mark.parametrize("seed", range(6))
def test_spread_is_the_least_squares_placement(seed):
    """``spread`` keeps the order, keeps neighbours a gap apart, and is the least-squares
    optimum: compared with a general constrained solver."""
    rng = np.random.default_rng(seed)
    desired = np.sort(rng.normal(scale=1.5, size=7)) + rng.normal(scale=0.4, size=7)
    gap = 1.0
    got = np.array(spread(list(desired), gap))
    assert np.all(np.diff(got) >= gap - 1e-9)
    cons = [{"type": "ineq", "fun": lambda x, i=i: x[i + 1] - x[i] - gap} for i in range(6)]
    start = np.arange(7) * gap + desired.mean()
    ref = minimize(lambda x: np.sum((x - desired) ** 2), start, constraints=cons, method="SLSQP")
    assert ref.success
    assert np.sum((got - desired) ** 2) <= ref.fun + 1e-6
    assert np.allclose(got, ref.x, atol=1e-3)


def test_free_directions_go_in_the_widest_gaps():
    # bonds right and left: two legs go down and up (down first)
    assert free_directions([0.0, 180.0], 2) == [-90.0, 90.0]
    # a lattice site with four bonds: one leg in the quarter nearest the preferred direction
    assert free_directions([0.0, 90.0, 180.0, 270.0], 1, prefer=-135.0) == [-135.0]
    # no bond: straight along the preferred direction
    assert free_directions([], 1, prefer=-90.0) == [-90.0]
    # three legs around one bond (up): evenly in the one gap, 90 degrees apart
    assert sorted(free_directions([90.0], 3)) == [-90.0, 0.0, 180.0]


def test_a_bond_bows_around_a_tensor_in_its_way():
    a, b = (0.0, 0.0), (2.0, 0.0)
    blocker = [(1.0, 0.0, 0.2)]
    pts = route(a, b, blocker)
    assert len(pts) > 2 and clearance(pts, blocker) >= 0.06
    assert route(a, b, [(1.0, 1.0, 0.2)]) == [a, b]  # nothing in the way: straight
    # the apex of a bow is its height from the chord, on the left of a -> b
    apex = max(bow(a, b, 0.4), key=lambda p: p[1])
    assert apex == pytest.approx((1.0, 0.4))


def test_tags_read_as_math():
    assert [tag_text(t) for t in ("A3", "I1,2", "W", "k_12", "site-A")] == [
        "A_{3}",
        "I_{1,2}",
        "W",
        "k_{12}",
        "\\mathrm{site-A}",
    ]


def test_periodic_bonds_wrap_the_short_way_round():
    """In a cyclic MERA every bond drawn across the figure is marked to wrap, and its ends'
    images are then at most half a period apart."""
    for n in (8, 16):
        graph = read_network(qtn.MERA.rand(n))
        lay = network_layout(graph)
        period = float(n)
        for bond in graph.bonds:
            xa, xb = lay.pos[bond.a][0], lay.pos[bond.b][0]
            off = lay.wraps.get(bond, (0.0, 0.0))
            assert abs(xb + off[0] - xa) <= period / 2 + 1e-9, bond
            assert (bond in lay.wraps) == (abs(xb - xa) > period / 2 + 1e-9)


def test_layout_of_a_cyclic_lattice_wraps_its_closing_bonds():
    peps = qtn.PEPS.rand(3, 4, bond_dim=2, cyclic=True, seed=0)
    graph = read_network(peps)
    lay = network_layout(graph)
    assert lay.kind == "lattice" and graph.cyclic == (True, True)
    wrapped = {(graph.site_of(b.a), graph.site_of(b.b)) for b in lay.wraps}
    # one closing bond per row (4 columns) and per column (3 rows)
    assert len(wrapped) == 3 + 4
    for sa, sb in wrapped:
        assert {abs(sa[0] - sb[0]), abs(sa[1] - sb[1])} in ({0, 2}, {0, 3})
    assert math.isclose(min(p[0] for p in lay.pos.values()), 0.0)
