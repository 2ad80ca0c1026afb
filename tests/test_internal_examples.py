"""The worked examples of internal helpers (formerly their doctests), each checked by hand.

Internal modules keep one-line docstrings; the small cases that illustrated them live here,
with the arithmetic that makes each value right written next to it.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import quimb.tensor as qtn

from rac_tn.bounds.flow import (
    SINK,
    SOURCE,
    CutGraph,
    bits,
    min_cut_arrays,
    min_cut_source_side,
    product,
    tensor_network_min_cut,
)
from rac_tn.bounds.staircase import (
    boundary,
    cheapest_staircase,
    exact_factors,
    log2_cost,
    min_staircase,
)
from rac_tn.exact.certify import _integral_abs

# -- bounds.staircase ---------------------------------------------------------------------------


def test_staircase_boundary_examples():
    # L = 2, T = 6, widths (3, 1), start inputs 1..3: cell (1, 3) feeds (1, 4) [paths C(3, 1)
    # = 3] and (2, 3) [C(3, 0) = 1]; (1, 2) feeds (2, 2) only; (2, 1) feeds (2, 2)
    assert boundary(2, 6, (3, 1), [1, 2, 3]) == [
        (("h", 1, 3), "R", 4),
        (("h", 1, 2), "R", 1),
        (("h", 2, 1), "R", 1),
    ]
    # the MPS (L = 1): one bond, the state h^{1,2}
    assert boundary(1, 4, (2,), [1, 2]) == [(("h", 1, 2), "R", 1)]


def test_staircase_costs_examples():
    # the boundary above priced at R = 2: ((2, 4)) * ((2, 1)) * ((2, 1)) = 5 * 2 * 2
    cost = log2_cost(2, 2, 2, 6, (3, 1), np.array([1, 2, 3]), None)
    assert math.isclose(cost, math.log2(20), abs_tol=1e-9)
    # the cheapest closed set at M = R = 2, L = 2, T = 6 is every cell of times 1..3
    assert cheapest_staircase(2, 2, 2, 6, 3, None) == (3, 3)
    assert min_staircase(2, 2, 2, 6, 3, None, bound=10.0) == (3, 3)
    # L = 1, T = 4, no cells: the two start inputs, degree 1 each, ((2, 1)) = 2
    assert exact_factors(2, 2, 1, 4, [1, 2], (0,), None) == [
        (("x", 1), 2, 1, 2),
        (("x", 2), 2, 1, 2),
    ]


# -- bounds.flow --------------------------------------------------------------------------------


def test_flow_arithmetic_examples():
    assert (bits(8), bits(1)) == (3.0, 0.0)
    assert product([2, 3, 7]) == 42
    assert product([]) == 1


def test_min_cut_examples():
    # two paths source -> 2 -> sink (1 and 3 bits) and source -> 3 -> sink (2 and 0.5 bits):
    # the cheapest cut crosses 0 -> 2 and 3 -> 1 (1.5 bits)
    mask = min_cut_arrays(
        4,
        np.array([0, 2, 0, 3]),
        np.array([2, 1, 3, 1]),
        np.array([1.0, 3.0, 2.0, 0.5]),
        bound=1.5,
    )
    assert mask.tolist() == [True, False, False, True]
    arcs = [(SOURCE, "a", 1.0), ("a", SINK, 3.0), (SOURCE, "b", 2.0), ("b", SINK, 0.5)]
    assert sorted(min_cut_source_side(arcs, bound=1.5)) == ["b", "source"]


def test_cut_graph_merges_a_series_tensor_at_the_cheaper_cost():
    graph = CutGraph()
    graph.add_edge("x", "t", 1.0, ("bond 1",))
    graph.add_edge("t", "y", 2.0, ("bond 2",))
    graph.reduce({"t"})
    assert graph.arcs() == [("x", "y", 1.0), ("y", "x", 1.0)]
    assert graph.cut_elements({"x"}) == ["bond 1"]


def test_tensor_network_min_cut_of_two_tensors_is_their_bond():
    Element = namedtuple("Element", "category name dim")
    tn = qtn.TensorNetwork(
        [
            qtn.Tensor(np.ones((3, 2)), inds=("d1", "k")),
            qtn.Tensor(np.ones((2, 3)), inds=("k", "d2")),
        ]
    )
    cut, side = tensor_network_min_cut(tn, ["d1"], ["d2"], (), Element)
    assert cut == [Element(category="bond", name="k", dim=2)]
    assert sorted(side, key=str) == [0, "d1"]


# -- exact.certify ------------------------------------------------------------------------------


def test_integral_abs_scales_by_the_least_power_of_two():
    # 0.75 = 3/4 needs 2**2; |-2.0| * 4 = 8
    assert _integral_abs(np.array([0.75, -2.0])).tolist() == [3.0, 8.0]
    assert _integral_abs(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
