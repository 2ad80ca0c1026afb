"""Upper bounds on separation ranks by minimum cuts.

Two cut bounds (design §1, "Bounds by cuts"):

- :func:`network_cut_bound`: a weighted minimum cut of the compiled tensor network separating
  the start inputs from the end inputs. It bounds the rank of the matricized grid tensor.
- :func:`symmetric_bound`: the symmetric cut on the computation grid (one node per value,
  no copies). It bounds the separation rank of the function itself and runs for T in the
  thousands.

Every bound is a :class:`CutBound` whose ``value`` is an exact Python integer. The closed forms
live in :mod:`rac_tn.theorems`, the max-flow plumbing in :mod:`rac_tn._flow`.

Examples
--------
>>> from rac_tn import RAC, start_end
>>> rac = RAC.random(3, 3, depth=2, seed=0)
>>> symmetric_bound(rac, start_end(8)).value        # R * ((R, T/2)) = 3 * 15
45
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rac_tn._checks import template_count
from rac_tn._flow import product, tensor_network_min_cut
from rac_tn._format import short_int
from rac_tn._results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity, jsonable, tuples
from rac_tn._staircase import cheapest_candidate, cheapest_staircase, log2_cost
from rac_tn.cells import BilinearModel
from rac_tn.model import RAC
from rac_tn.network import RacNetwork
from rac_tn.partition import Partition, as_partition

#: What a cut element is: a bond, COPY tensor or hyperedge of a network, or a grid node.
CutCategory = Literal["bond", "delta", "hyperedge", "node"]
#: Which cut a :class:`CutBound` comes from.
CutMethod = Literal["symmetric-cut", "network-cut"]
#: A side of a partition.
Side = Literal["start", "end"]


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CutElement:
    """One element of a cut.

    Attributes
    ----------
    category
        ``'bond'``, ``'delta'`` or ``'hyperedge'`` (network cut) or ``'node'`` (symmetric
        cut).
    name
        The index name of a bond or hyperedge, the tensor id of a COPY tensor, or the grid
        node (``("h", l, t)`` or ``("x", t)``).
    dim
        The dimension of the element (M or R for a grid node).
    degree
        Symmetric cut: ``deg_U(v)``, the paths to the output through successors outside U.
        Network cut: 1.
    factor
        Its exact contribution to the bound: ``dim`` in a network cut; ``((dim, degree))``
        (or ``min(N, ((M, degree)))`` for an input with N templates) in a symmetric cut.

    Examples
    --------
    >>> CutElement("node", ("h", 1, 4), dim=3, degree=2, factor=6).to_dict()["name"]
    ['h', 1, 4]
    """

    category: CutCategory
    name: Hashable
    dim: int
    degree: int = 1
    factor: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (a grid node name becomes a list).

        Returns
        -------
        dict
            The five fields; :meth:`from_dict` rebuilds an equal element.
        """
        return {
            "category": self.category,
            "name": jsonable(self.name),
            "dim": self.dim,
            "degree": self.degree,
            "factor": self.factor,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CutElement:
        """Rebuild from :meth:`to_dict` (a list name becomes a tuple again).

        Parameters
        ----------
        data
            The output of :meth:`to_dict`, possibly through JSON.

        Returns
        -------
        CutElement
        """
        return cls(
            data["category"], tuples(data["name"]), data["dim"], data["degree"], data["factor"]
        )


@dataclass(frozen=True)
class CutBound:
    """An upper bound from a cut: ``value`` is the exact product of the cut's factors.

    Attributes
    ----------
    value
        The bound, an exact int.
    log2
        ``log2(value)``.
    cut
        The cut's elements with their exact factors.
    method
        ``'symmetric-cut'`` or ``'network-cut'``.
    side
        The upstream side of the cut (network: tensor ids and hyperedge names; symmetric: the
        node set U).
    upstream
        Which part of the partition sits on that side: ``'start'`` or ``'end'``.
    partition
        The partition.
    quantity
        What it bounds: ``'separation rank'`` (of the function) or ``'grid-tensor rank'``
        (the rank of the matricized grid tensor).
    seconds
        Wall time (not compared).

    See Also
    --------
    symmetric_bound, network_cut_bound

    Examples
    --------
    >>> from rac_tn import RAC, start_end
    >>> bound = symmetric_bound(RAC.random(2, 2, depth=2, seed=0), start_end(8))
    >>> bound.value, bound.claim, bound.quantity, int(bound)
    (10, 'upper bound', 'separation rank', 10)
    >>> CutBound.from_dict(bound.to_dict()) == bound
    True
    """

    value: int
    log2: float
    cut: tuple[CutElement, ...]
    method: CutMethod
    side: frozenset
    upstream: Side
    partition: Partition
    quantity: Quantity
    seconds: float = field(default=0.0, compare=False)

    @property
    def claim(self) -> Claim:
        """Always ``'upper bound'``."""
        return "upper bound"

    def __int__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return (
            f"CutBound({self.method}, value={short_int(self.value)}, log2={self.log2:.4g}, "
            f"quantity={self.quantity!r}, cut={len(self.cut)} elements, "
            f"upstream={self.upstream!r}, partition={self.partition})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields: exact ints, the cut, the side and the partition as lists.

        Returns
        -------
        dict
            Every field; ``value`` stays an exact Python int (JSON keeps it exactly).
        """
        return {
            "value": self.value,
            "log2": self.log2,
            "cut": [element.to_dict() for element in self.cut],
            "method": self.method,
            "side": jsonable(self.side),
            "upstream": self.upstream,
            "partition": self.partition.to_dict(),
            "quantity": self.quantity,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CutBound:
        """Rebuild from :meth:`to_dict` (``from_dict(to_dict(b)) == b``).

        Parameters
        ----------
        data
            The output of :meth:`to_dict`, possibly through JSON.

        Returns
        -------
        CutBound
        """
        return cls(
            value=int(data["value"]),
            log2=float(data["log2"]),
            cut=tuple(CutElement.from_dict(e) for e in data["cut"]),
            method=data["method"],
            side=frozenset(tuples(item) for item in data["side"]),
            upstream=data["upstream"],
            partition=Partition.from_dict(data["partition"]),
            quantity=data["quantity"],
            seconds=float(data.get("seconds", 0.0)),
        )


def _make_bound(
    elements: list[CutElement],
    method: CutMethod,
    side: frozenset,
    upstream: Side,
    partition: Partition,
    quantity: Quantity,
    seconds: float,
) -> CutBound:
    """The :class:`CutBound` whose value is the exact product of the elements' factors."""
    value = product(element.factor for element in elements)
    return CutBound(
        value=value,
        log2=math.log2(value),
        cut=tuple(elements),
        method=method,
        side=side,
        upstream=upstream,
        partition=partition,
        quantity=quantity,
        seconds=seconds,
    )


# -- symmetric cut on the computation grid ------------------------------------------------------


def _sizes(rac: RAC | RacNetwork | BilinearModel) -> tuple[int, int, int]:
    """``(input node dim, cell node dim, L)`` of a model; TypeError for anything else.

    A RAC's nodes are M and R; a family's are its ``input_node_dim`` and ``node_dim`` (n for a
    dense core, min(n, K) for a CP core, n + 1 with affine terms: design §5).
    """
    model = rac.rac if isinstance(rac, RacNetwork) else rac
    if isinstance(model, BilinearModel):
        return model.input_node_dim, model.node_dim, model.depth
    if not isinstance(model, RAC):
        raise TypeError(
            f"rac must be a rac_tn.RAC, a model family (rac_tn.CP2RNN, ...) or a RacNetwork, "
            f"got {type(rac).__name__}"
        )
    return model.M, model.R, model.L


def symmetric_bound(
    rac: RAC | RacNetwork | BilinearModel, partition: Partition, templates: object = None
) -> CutBound:
    """The symmetric cut bound on the computation grid (design §1, "Bounds by cuts" item 2).

    Over node sets U of the computation grid that are closed under predecessors and hold every
    input of one side and none of the other,
    ``sep <= min_U prod_v ((dim v, deg_U(v)))`` with
    ``deg_U(v) = sum_{u in succ(v) - U} paths(u -> output)`` (dim R for a cell, M for an input).
    Both orientations (U upstream of the start inputs, then of the end inputs) are minimised
    and the smaller value is kept. The copy tree is never built.

    Parameters
    ----------
    rac
        A :class:`rac_tn.RAC` (only M, R, L are used), a RacNetwork, or a model family
        (:class:`rac_tn.CP2RNN`, ...): its nodes are then priced at the family's dimensions
        (``node_dim``: n dense, min(n, K) CP, n + 1 affine; ``input_node_dim``: d or d + 1).
    partition
        The partition (P, Q).
    templates
        ``None`` bounds the separation rank of the function; a count N (or an ``N x M``
        template array) bounds the rank of the grid tensor with N templates: an input then
        costs ``min(N, ((M, deg)))``.

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
    1..w_l)``) plus the inputs of its side (:mod:`rac_tn._staircase`), and the minimum of the
    cost above over staircases is found by a dynamic programme over the layers
    (:func:`~rac_tn._staircase.cheapest_staircase`), which minimises the same objective over
    the same sets as the max-flow of this network (:func:`~rac_tn._staircase.min_staircase`;
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
    M, R, L = _sizes(rac)
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    N = template_count(templates, M)
    T = partition.T
    candidates = []
    for side_name, upstream in (("start", partition.start), ("end", partition.end)):
        # two explicit closed sets (the inputs alone; every cell before the other side's first
        # time) give the flow its scale and guard its rounded optimum
        times = np.array(upstream, dtype=np.int64)
        inside = set(upstream)
        width = min(t for t in range(1, T + 1) if t not in inside) - 1
        shapes = {(0,) * L, (width,) * L}
        shapes.add(cheapest_staircase(M, R, L, T, width, N))
        candidates += [(log2_cost(M, R, L, T, w, times, N), w, upstream, side_name) for w in shapes]
    factors, widths, upstream, side_name = cheapest_candidate(M, R, L, T, N, candidates)
    elements = [CutElement("node", *factor) for factor in factors]
    side = [("x", t) for t in upstream]
    side += [("h", layer, t) for layer, w in enumerate(widths, 1) for t in range(1, w + 1)]
    quantity = SEPARATION_RANK if N is None else GRID_TENSOR_RANK
    return _make_bound(
        elements,
        "symmetric-cut",
        frozenset(side),
        side_name,
        partition,
        quantity,
        time.perf_counter() - begin,
    )


def network_cut_bound(net: RacNetwork, partition: Partition | str) -> CutBound:
    """The minimum cut of a compiled network separating the start inputs from the end inputs.

    Any set of bonds whose removal disconnects the open indices of P from those of Q bounds
    ``rank [A]_(P,Q)`` by the product of their dimensions. A COPY tensor (tag ``'DELTA'``) or a
    hyperedge (an index on more than two tensors, or an open input index) of dimension d has
    rank at most d across any split of its legs, so it is one vertex of capacity ``log d``
    (node splitting), never ``log d`` per leg. The legs of a hyperedge are uncapacitated:
    cutting the hyperedge vertex costs d and dominates cutting any of its legs.

    Parameters
    ----------
    net
        A :class:`rac_tn.network.RacNetwork` (uses ``net.tn``, ``net.input_inds``, ``net.T``).
    partition
        The partition (P, Q) of ``1..net.T``, or a name for :func:`~rac_tn.partition.as_partition`
        (``'start-end'``, ``'interleaved'``, ``'1,2,5'``).

    Returns
    -------
    CutBound
        ``method='network-cut'``, ``quantity='grid-tensor rank'``; ``cut`` lists the cut bonds
        (index names), COPY tensors (tensor ids) and hyperedges (index names); ``side`` holds
        the tensor ids and hyperedge names on the source (start) side, a cut COPY tensor or
        hyperedge included.

    Raises
    ------
    TypeError
        When ``net`` is not a RacNetwork, or ``partition`` neither a Partition nor a string.
    ValueError
        When the partition's T differs from the network's, or an input index is missing.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac, start_end
    >>> net = compile_rac(RAC.random(2, 3, depth=1, seed=0), T=6)
    >>> bound = network_cut_bound(net, start_end(6))
    >>> bound.value, [e.category for e in bound.cut]        # one bond of the tensor train
    (3, ['bond'])
    """
    begin = time.perf_counter()
    tn = getattr(net, "tn", None)
    if tn is None or not hasattr(net, "input_inds"):
        raise TypeError(f"net must be a RacNetwork (from compile_rac), got {type(net).__name__}")
    partition = as_partition(partition, net.T if isinstance(partition, str) else None)
    inputs = tuple(net.input_inds)
    if partition.T != len(inputs):
        raise ValueError(
            f"partition is over T = {partition.T} steps but the network has {len(inputs)} inputs"
        )
    missing = [ind for ind in inputs if ind not in tn.ind_map]
    if missing:
        raise ValueError(f"the network has no index {missing[0]!r} for an input")
    start = [inputs[t - 1] for t in partition.start]
    end = [inputs[t - 1] for t in partition.end]
    copies = set(tn.tag_map.get("DELTA", ()))
    elements, side = tensor_network_min_cut(tn, start, end, copies, _network_element)
    return _make_bound(
        elements,
        "network-cut",
        side,
        "start",
        partition,
        GRID_TENSOR_RANK,
        time.perf_counter() - begin,
    )


def _network_element(category: CutCategory, name: Hashable, dim: int) -> CutElement:
    """A network-cut element: its factor is its dimension."""
    return CutElement(category, name, dim, 1, dim)


__all__ = ["CutBound", "CutElement", "network_cut_bound", "symmetric_bound"]
