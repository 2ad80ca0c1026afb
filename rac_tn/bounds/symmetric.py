"""Upper bounds on separation ranks by minimum cuts.

Two cut bounds (design §1, "Bounds by cuts"):

- :func:`network_cut_bound` (in :mod:`rac_tn.bounds.network_cut`, re-exported here): a weighted
  minimum cut of a tensor network (a compiled model's, or any quimb network) separating two
  sets of its open indices. It bounds the rank of the matricized (grid) tensor.
- :func:`symmetric_bound`: the symmetric cut on the computation grid (one node per value,
  no copies). It bounds the separation rank of the function itself and runs for T in the
  thousands.

Every bound is a :class:`CutBound` (defined in :mod:`rac_tn.bounds.cut_bound`) whose ``value`` is
an exact Python integer. The closed forms live in :mod:`rac_tn.bounds.theorems`, the max-flow
plumbing in :mod:`rac_tn.bounds.flow`.

Examples
--------
>>> from rac_tn import RAC, start_end
>>> rac = RAC.random(3, 3, depth=2, seed=0)
>>> symmetric_bound(rac, start_end(8)).value        # R * ((R, T/2)) = 3 * 15
45
"""

from __future__ import annotations

import time

import numpy as np

from rac_tn._checks import template_count
from rac_tn.bounds.cut_bound import CutBound, CutCategory, CutElement, CutMethod, Side, make_bound
from rac_tn.bounds.network_cut import network_cut_bound
from rac_tn.bounds.staircase import cheapest_candidate, cheapest_staircase, log2_cost
from rac_tn.counting import degree_scales
from rac_tn.models.protocol import RecurrentModel, check_model
from rac_tn.network.compiled import RacNetwork
from rac_tn.partition import Partition
from rac_tn.results import GRID_TENSOR_RANK, SEPARATION_RANK

# -- symmetric cut on the computation grid ------------------------------------------------------


def _sizes(rac: RecurrentModel | RacNetwork) -> tuple[int, int, int, int, tuple[int, ...]]:
    """``(input price, cell price, L, input width, degree scales)`` of a model or network."""
    model = rac.model if isinstance(rac, RacNetwork) else check_model(rac, "rac")
    scales = degree_scales(model.arities, model.depth)
    return model.input_cut_dim, model.node_dim, model.depth, model.input_dim, scales


def symmetric_bound(
    rac: RecurrentModel | RacNetwork, partition: Partition, templates: object = None
) -> CutBound:
    """The symmetric cut bound on the computation grid (design §1, "Bounds by cuts" item 2).

    Over node sets U of the computation grid that are closed under predecessors and hold every
    input of one side and none of the other,
    ``sep <= min_U prod_v ((dim v, deg_U(v)))`` with
    ``deg_U(v) = sum_{u in succ(v) - U} paths(u -> output)`` (dim R for a cell, M for an input),
    each path counted as many times as the cells along it read their input (a cell of arity k
    reads the node below it k times: :func:`~rac_tn.counting.degree_scales`).
    Both orientations (U upstream of the start inputs, then of the end inputs) are minimised
    and the smaller value is kept. The copy tree is never built.

    Parameters
    ----------
    rac
        A :class:`rac_tn.RAC` (only M, R, L are used), a RacNetwork, or a model family
        (:class:`rac_tn.CP2RNN`, ...): its nodes are then priced at the family's dimensions
        (``node_dim``: n dense, min(n, K) CP, n + 1 affine; ``input_cut_dim``: d, min(d, K) for
        a homogeneous CP core, d + 1 affine).
    partition
        The partition (P, Q).
    templates
        ``None`` bounds the separation rank of the function; a count N (or an ``N x M``
        template array, M or d wide) bounds the rank of the grid tensor with N templates: an
        input then costs ``min(N, ((M, deg)))``.

    Returns
    -------
    CutBound
        ``method='symmetric-cut'``; ``side`` is U; ``cut`` lists the nodes of U that feed nodes
        outside U, with their degrees and exact factors. ``quantity`` is
        ``'separation rank'`` without templates, ``'grid-tensor rank'`` with them.

    Raises
    ------
    TypeError
        When ``rac`` is not a RAC or RacNetwork, or ``partition`` not a :class:`Partition`
        (a name such as ``'start-end'`` is not accepted here).
    ValueError
        For an invalid template count or array.

    Notes
    -----
    *Why the bound holds.* The nodes of U depend on the inputs of U's side only; the rest of the
    circuit computes y from the values of U's boundary nodes and the other inputs, and is
    homogeneous of degree ``deg_U(v)`` in the value of boundary node v (each cell is bilinear in
    its two predecessors). Expanding in monomials of the boundary values writes y as a sum of
    ``prod_v ((dim v, deg_U(v)))`` separable terms.

    *The flow network.* U is the source side of an s-t cut. Predecessor closure (``v in U``
    implies every predecessor of v is in U) is an infinite arc from v to each predecessor. The
    inputs of U's side are merged into the source, and cells at or after the first time of the
    other side can never be in U (their layer-1 ancestor at that time reads an input of the
    other side), so they are merged into the sink. The cost of node v depends on the set S of
    its successors outside U (S is empty when v is not in U):

    - one successor a: ``f({a}) = A`` is the arc ``v -> a`` of capacity A;
    - two successors a, b, with ``f({a}) = A``, ``f({b}) = B``, ``f({a, b}) = C``: one
      auxiliary node w and three arcs ``v -> w`` (capacity C), ``w -> a`` (A), ``w -> b`` (B).

    The gadget is exact, i.e. the cheapest placement of w reproduces f, because
    ``max(A, B) <= C <= A + B``. Monotone: ``((n, k))`` grows with k. Submodular:
    ``((n, i+j)) <= ((n, i)) ((n, j))``, as every monomial of degree i+j is a product of one of
    degree i and one of degree j. Case by case, with v in U (source side):

    - a, b in U: w on the source side cuts nothing: cost 0 = f(empty);
    - a out, b in: w on the source side cuts ``w -> a`` (A), on the sink side ``v -> w`` (C);
      the minimum is A (A <= C) = f({a}); symmetrically B = f({b});
    - a, b out: w source side cuts ``w -> a`` and ``w -> b`` (A + B), sink side cuts
      ``v -> w`` (C); the minimum is C (C <= A + B) = f({a, b}).

    With v outside U, closure keeps a and b outside too and w on the sink side cuts nothing.
    So the minimum cut equals ``min_U sum_v log f_v``. (The same cost splits as
    ``(A+B-C)[v in U, S nonempty] + (C-B)[a in S] + (C-A)[b in S]``, the design's three
    numbers; that form needs two extra infinite arcs, the one above does not.)

    *The search.* A closed U is a staircase of widths ``w_1 >= ... >= w_L`` (cells ``(l,
    1..w_l)``) plus the inputs of its side (:mod:`rac_tn.bounds.staircase`), and the minimum of the
    cost above over staircases is found by a dynamic programme over the layers
    (:func:`~rac_tn.bounds.staircase.cheapest_staircase`), which minimises the same objective over
    the same sets as the max-flow of this network (:func:`~rac_tn.bounds.staircase.min_staircase`;
    the tests check that they agree) in ``O(L * T)`` array operations.

    *Round-off.* The search compares costs in floating-point bits (``gammaln``). The staircase
    it finds and two explicit closed sets (the inputs alone, and every cell before the other
    side's first time), for both orientations, are candidates; those within a relative
    ``1e-6`` of the cheapest in bits are re-costed exactly as integer products of multiset
    coefficients and the exactly smallest is kept. So ``value`` is always the exact cost of a
    closed set, a valid bound; it can miss the true minimum only when another closed set is
    cheaper by less than the floating-point error of the costs in bits.

    Examples
    --------
    >>> from rac_tn import RAC, start_end
    >>> symmetric_bound(RAC.random(2, 2, depth=2, seed=0), start_end(8)).value
    10
    >>> symmetric_bound(RAC.random(4, 3, depth=1, seed=0), start_end(6)).value
    3
    """
    begin = time.perf_counter()
    M, R, L, input_width, scales = _sizes(rac)
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    N = template_count(templates, input_width)
    T = partition.T
    candidates = []
    for side_name, upstream in (("start", partition.start), ("end", partition.end)):
        # two explicit closed sets (the inputs alone; every cell before the other side's first
        # time) give the flow its scale and guard its rounded optimum
        times = np.array(upstream, dtype=np.int64)
        inside = set(upstream)
        width = min(t for t in range(1, T + 1) if t not in inside) - 1
        shapes = {(0,) * L, (width,) * L}
        shapes.add(cheapest_staircase(M, R, L, T, width, N, scales))
        candidates += [
            (log2_cost(M, R, L, T, w, times, N, scales), w, upstream, side_name) for w in shapes
        ]
    factors, widths, upstream, side_name = cheapest_candidate(M, R, L, T, N, candidates, scales)
    elements = [CutElement("node", *factor) for factor in factors]
    side = [("x", t) for t in upstream]
    side += [("h", layer, t) for layer, w in enumerate(widths, 1) for t in range(1, w + 1)]
    quantity = SEPARATION_RANK if N is None else GRID_TENSOR_RANK
    return make_bound(
        elements,
        "symmetric-cut",
        frozenset(side),
        side_name,
        partition,
        quantity,
        time.perf_counter() - begin,
    )


__all__ = [
    "CutBound",
    "CutCategory",
    "CutElement",
    "CutMethod",
    "Side",
    "network_cut_bound",
    "symmetric_bound",
]
