"""The symmetric cut bound on the computation grid (:func:`symmetric_bound`).

:func:`network_cut_bound` is re-exported here; both return a :class:`CutBound` whose
``value`` is an exact integer.

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
from rac_tn.counting import Node, degree_scales
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
    """The symmetric cut bound on the separation rank (or a grid-tensor rank) of a model.

    Minimises ``prod_v ((dim v, deg_U(v)))`` over the node sets U of the computation grid that
    are closed under predecessors and hold every input of one side and none of the other, in
    both orientations, without building the copy tree. Each path is counted as many times as
    the cells along it read their input (a cell of arity k reads the node below it k times:
    :func:`~rac_tn.counting.degree_scales`). Why this bounds the separation rank and how the
    minimum is found exactly: [Theory: the symmetric cut][theory-symmetric-cut].

    Parameters
    ----------
    rac
        A :class:`rac_tn.RAC`, a :class:`~rac_tn.network.RacNetwork`, or a model family
        (:class:`rac_tn.CP2RNN`, ...), whose nodes are priced at its ``node_dim`` and
        ``input_cut_dim``.
    partition
        The partition (P, Q).
    templates
        ``None`` bounds the separation rank of the function; a count N, or an ``N x M`` template
        array, bounds the rank of the grid tensor with N templates (an input then costs
        ``min(N, ((M, deg)))``).

    Returns
    -------
    CutBound
        ``method='symmetric-cut'``; ``side`` is U and ``cut`` its boundary nodes with their
        degrees and exact factors; ``quantity`` is ``'separation rank'`` without templates,
        ``'grid-tensor rank'`` with them.

    Raises
    ------
    TypeError
        When ``rac`` is not a model or network, or ``partition`` not a :class:`Partition` (a
        name such as ``'start-end'`` is not accepted here).
    ValueError
        For an invalid template count or array.

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
    side: list[Node] = [("x", t) for t in upstream]
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
