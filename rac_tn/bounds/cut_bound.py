"""Cut bounds as results: :class:`CutElement` and :class:`CutBound` (re-exported by bounds)."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

from rac_tn._format import short_int
from rac_tn.counting import product
from rac_tn.partition import Partition
from rac_tn.results import Claim, Quantity, Serialisable

#: What a cut element is: a bond, COPY tensor or hyperedge of a network, or a grid node.
CutCategory = Literal["bond", "delta", "hyperedge", "node"]
#: Which cut a :class:`CutBound` comes from.
CutMethod = Literal["symmetric-cut", "network-cut"]
#: A side of a partition.
Side = Literal["start", "end"]


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CutElement(Serialisable):
    """One element of a cut, with its exact factor.

    Attributes
    ----------
    category
        ``'bond'``, ``'delta'`` (a COPY tensor) or ``'hyperedge'`` (network cut), ``'node'``
        (symmetric cut).
    name
        The index name of a bond or hyperedge, the tensor id of a COPY tensor, or the grid node
        (``("h", l, t)`` or ``("x", t)``).
    dim
        Its dimension (M or R for a grid node).
    degree
        Symmetric cut: ``deg_U(v)``; network cut: 1.
    factor
        Its exact contribution to the bound: ``dim`` in a network cut, ``((dim, degree))`` (or
        ``min(N, ((M, degree)))`` for an input with N templates) in a symmetric cut.

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


@dataclass(frozen=True)
class CutBound(Serialisable):
    """An upper bound from a cut: ``value`` is the exact product of the cut's factors.

    Attributes
    ----------
    value, log2
        The bound (an exact int) and its ``log2``.
    cut
        The cut's elements with their exact factors.
    method
        ``'symmetric-cut'`` or ``'network-cut'``.
    side
        The upstream side of the cut (network: tensor ids and hyperedge names; symmetric: the
        node set U).
    upstream
        Which part sits on that side: ``'start'`` or ``'end'`` (``'start'`` is
        ``index_sides[0]`` for a cut between index sets).
    partition
        The partition of ``1..T``; None for a cut between two sets of indices.
    quantity
        What it bounds: ``'separation rank'`` (of the function) or ``'grid-tensor rank'`` (of
        the matricized grid tensor, or of a plain network's tensor with ``index_sides[0]`` as
        rows).
    index_sides
        The two sets of open indices a network cut separates (None for a symmetric cut).
    seconds
        Wall time (not compared).

    See Also
    --------
    symmetric_bound, network_cut_bound

    Examples
    --------
    >>> from rac_tn import RAC, start_end, symmetric_bound
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
    partition: Partition | None
    quantity: Quantity
    index_sides: tuple[tuple[str, ...], tuple[str, ...]] | None = None
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
            f"upstream={self.upstream!r}, {self._where()})"
        )

    def _where(self) -> str:
        if self.partition is not None:
            return f"partition={self.partition}"
        left, right = self.index_sides or ((), ())
        return f"indices={_short(left)} | {_short(right)}"


def make_bound(
    elements: list[CutElement],
    method: CutMethod,
    side: frozenset,
    upstream: Side,
    partition: Partition | None,
    quantity: Quantity,
    seconds: float,
    index_sides: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
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
        index_sides=index_sides,
        seconds=seconds,
    )


def _short(inds: tuple[str, ...]) -> str:
    shown = ", ".join(map(str, inds[:4]))
    return "{" + (shown + ", ..." if len(inds) > 4 else shown) + "}"


__all__ = ["CutBound", "CutCategory", "CutElement", "CutMethod", "Side", "make_bound"]
