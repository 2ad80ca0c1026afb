"""The network cut: a minimum cut of any tensor network between two sets of its open indices.

Any set of bonds whose removal disconnects the left indices from the right ones bounds the
rank of the network's tensor (left indices as rows) by the product of their dimensions.
:func:`network_cut_bound` finds the cheapest such set by max-flow, on a compiled model (sides
from a :class:`~rac_tn.partition.Partition`) or on any quimb
:class:`~quimb.tensor.TensorNetwork` (an MPS, a tree, a PEPS, ...; sides as two lists of index
names). A hyperedge or COPY tensor of dimension d costs ``log2 d`` once, however many legs
the cut separates: [Theory: the network cut][theory-network-cut].

Examples
--------
A random MPS of 6 sites with bond dimension 3, cut between its first three and last three
sites: one bond, so the rank is at most 3.

>>> import quimb.tensor as qtn
>>> mps = qtn.MPS_rand_state(6, bond_dim=3, phys_dim=2, seed=0)
>>> bound = network_cut_bound(mps, (["k0", "k1", "k2"], ["k3", "k4", "k5"]))
>>> bound.value, [(e.category, e.name) for e in bound.cut]
(3, [('bond', ...)])
"""

from __future__ import annotations

import time
from collections.abc import Collection, Hashable, Sequence
from typing import Literal

import numpy as np
import quimb.tensor as qtn

from rac_tn.bounds.cut_bound import CutBound, CutCategory, CutElement, make_bound
from rac_tn.bounds.flow import tensor_network_min_cut
from rac_tn.network.compiled import RacNetwork
from rac_tn.partition import Partition, as_partition
from rac_tn.results import GRID_TENSOR_RANK

#: Tensors with more entries than this are not inspected for a diagonal (COPY) structure.
MAX_CHECKED_ENTRIES = 1 << 20

#: The two sides of a cut between index sets: ``(left indices, right indices)``.
IndexSides = tuple[Sequence[str], Sequence[str]]
#: Which tensors :func:`network_cut_bound` prices as COPY tensors (see the module docstring).
CopyChoice = Literal["tagged", "detect"]


def network_cut_bound(
    net: RacNetwork | qtn.TensorNetwork,
    partition: Partition | str | IndexSides,
    *,
    copies: CopyChoice | Collection[int] = "tagged",
) -> CutBound:
    """The minimum cut of a tensor network separating two sets of its open indices.

    It bounds the rank of the network's tensor, matricized with the left indices as rows and the
    right ones as columns, by the product of the cut's dimensions. Hyperedges and COPY (diagonal)
    tensors are single vertices of capacity ``log2 d``
    ([Theory: COPY tensors and hyperedges cost once][theory-copy-capacity]).

    Parameters
    ----------
    net
        A compiled model (:class:`~rac_tn.network.RacNetwork` from :func:`rac_tn.compile_rac`, or
        any object with its ``tn``, ``input_inds`` and ``T``), or any quimb
        :class:`~quimb.tensor.TensorNetwork`.
    partition
        For a compiled model: a partition of ``1..net.T`` or a name for
        :func:`~rac_tn.partition.as_partition` (``'start-end'``, ``'1,2,5'``); its inputs
        ``d{t}`` are the sides. For any network: a pair ``(left_inds, right_inds)`` of disjoint
        lists of index names, normally open indices (``tn.outer_inds()``; a shared index listed
        here is an open hyperedge). An open index in neither list is a free leg: the bound then
        holds for every slice at a fixed value of it.
    copies
        Which tensors are priced as COPY tensors: ``'tagged'`` (default: tag ``'DELTA'``, as the
        compiler tags them), ``'detect'`` (also every exactly diagonal tensor:
        :func:`copy_tensors`), or a collection of tensor ids. Any choice gives a valid bound.

    Returns
    -------
    CutBound
        ``method='network-cut'``, ``quantity='grid-tensor rank'``; ``cut`` lists the cut bonds,
        COPY tensors and hyperedges with their dimensions as factors; ``side`` the tensor ids and
        hyperedge names on the left side. ``partition`` is None for index sides; ``index_sides``
        holds the two index lists in either case.

    Raises
    ------
    TypeError
        When ``net`` is not a quimb network or RacNetwork, or a Partition or name is given for a
        plain network, or ``partition`` is not a pair of index lists.
    ValueError
        When the partition's T differs from the network's, an index is not in the network, or the
        sides overlap.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac, start_end
    >>> net = compile_rac(RAC.random(2, 3, depth=1, seed=0), T=6)
    >>> bound = network_cut_bound(net, start_end(6))
    >>> bound.value, [e.category for e in bound.cut]        # one bond of the tensor train
    (3, ['bond'])

    A 2 x 3 PEPS with bond dimension 2, left column against the rest: two bonds cross.

    >>> import quimb.tensor as qtn
    >>> peps = qtn.PEPS.rand(2, 3, bond_dim=2, phys_dim=2, seed=0)
    >>> network_cut_bound(peps, (["k0,0", "k1,0"], ["k0,1", "k1,1", "k0,2", "k1,2"])).value
    4
    """
    begin = time.perf_counter()
    compiled = isinstance(net, RacNetwork) or (
        isinstance(getattr(net, "tn", None), qtn.TensorNetwork) and hasattr(net, "input_inds")
    )
    if compiled:
        tn = net.tn
    elif isinstance(net, qtn.TensorNetwork):
        tn = net
    else:
        raise TypeError(
            "net must be a quimb TensorNetwork or a RacNetwork (from compile_rac), "
            f"got {type(net).__name__}"
        )
    if isinstance(partition, (Partition, str)):
        if not compiled:
            raise TypeError(
                "a partition of 1..T applies to a compiled model (compile_rac); for a quimb "
                "network pass partition=(left_inds, right_inds), two lists of its open indices"
            )
        partition, start, end = _partition_sides(net, partition)
    else:
        start, end = _index_sides(tn, partition)
        partition = None
    if isinstance(copies, str):
        if copies not in ("tagged", "detect"):
            raise ValueError(f"copies must be 'tagged', 'detect' or tensor ids, got {copies!r}")
        copies = copy_tensors(tn) if copies == "detect" else set(tn.tag_map.get("DELTA", ()))
    else:
        copies = set(copies)
        unknown = [tid for tid in copies if tid not in tn.tensor_map]
        if unknown:
            raise ValueError(f"copies: {unknown[0]!r} is not a tensor id of the network")
    elements, side = tensor_network_min_cut(tn, start, end, copies, _network_element)
    return make_bound(
        elements,
        "network-cut",
        side,
        "start",
        partition,
        GRID_TENSOR_RANK,
        time.perf_counter() - begin,
        index_sides=(tuple(start), tuple(end)),
    )


def copy_tensors(tn: qtn.TensorNetwork) -> set[int]:
    """Tensor ids of the COPY tensors of ``tn``: tagged ``'DELTA'``, or exactly diagonal.

    A tensor counts as diagonal when it has order >= 3, equal dimensions, at most
    :data:`MAX_CHECKED_ENTRIES` entries, and no nonzero entry off the superdiagonal (the diagonal
    values may be anything).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> delta = qtn.COPY_tensor(3, inds=("a", "b", "c"))
    >>> other = qtn.Tensor(np.ones((3, 3, 3)), inds=("a", "d", "e"))
    >>> sorted(copy_tensors(qtn.TensorNetwork([delta, other])))
    [0]
    """
    out = set(tn.tag_map.get("DELTA", ()))
    for tid, tensor in tn.tensor_map.items():
        if tid not in out and _is_diagonal(tensor):
            out.add(tid)
    return out


def _is_diagonal(tensor: qtn.Tensor) -> bool:
    shape = tensor.shape
    if len(shape) < 3 or len(set(shape)) != 1 or tensor.size > MAX_CHECKED_ENTRIES:
        return False
    try:
        data = np.asarray(tensor.data)
    except (TypeError, ValueError):  # a lazy or foreign array: not inspected
        return False
    d = shape[0]
    diagonal = np.arange(d)
    off = data.copy()
    off[(diagonal,) * len(shape)] = 0
    return not np.any(off)


def _partition_sides(net: RacNetwork, partition: Partition | str) -> tuple[Partition, list, list]:
    """The partition and its start / end input indices of a compiled network."""
    tn = net.tn
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
    return partition, start, end


def _index_sides(tn: qtn.TensorNetwork, sides: object) -> tuple[list[str], list[str]]:
    """``(left, right)`` checked: two disjoint lists of index names of ``tn``."""
    if (
        isinstance(sides, (str, bytes))
        or not isinstance(sides, Sequence)
        or len(sides) != 2
        or any(isinstance(side, (str, bytes)) for side in sides)
    ):
        raise TypeError(
            "partition must be a Partition or a name (compiled models), or a pair "
            f"(left_inds, right_inds) of lists of index names; got {sides!r}"
        )
    left, right = (list(side) for side in sides)
    for name, side in (("left", left), ("right", right)):
        for ind in side:
            if ind not in tn.ind_map:
                raise ValueError(
                    f"partition: {name} index {ind!r} is not an index of the network "
                    f"(its open indices: {sorted(tn.outer_inds())[:8]})"
                )
        if len(set(side)) != len(side):
            raise ValueError(f"partition: the {name} indices repeat an index: {side}")
    both = set(left) & set(right)
    if both:
        raise ValueError(f"partition: index {sorted(both)[0]!r} is on both sides")
    return left, right


def _network_element(category: CutCategory, name: Hashable, dim: int) -> CutElement:
    """A network-cut element: its factor is its dimension."""
    return CutElement(category, name, dim, 1, dim)


__all__ = ["MAX_CHECKED_ENTRIES", "CopyChoice", "IndexSides", "copy_tensors", "network_cut_bound"]
