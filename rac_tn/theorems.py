"""The closed forms for the Start-End partition, each labelled with where it comes from.

:func:`theorem_bounds` gathers the paper's theorems (Levine, Sharir & Shashua, arXiv
1710.09431: Theorem 1.1 for depth 1, Theorem 1.2 for depth 2), the multi-homogeneous bound
derived here, the network cut in closed form and the trivial bounds.

Examples
--------
>>> theorem_bounds(3, 3, 2, 8)["depth2_lower"].value   # ((min(M, R), T/2)) = C(6, 4)
15
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from math import comb
from typing import Any

from rac_tn._checks import positive_int
from rac_tn._flow import product
from rac_tn._results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity
from rac_tn.grid import input_degrees, multiset, multisets

_QUANTITY: dict[str, Quantity] = {
    "separation-rank": SEPARATION_RANK,
    "grid-rank": GRID_TENSOR_RANK,
}


@dataclass(frozen=True)
class TheoremBound:
    """A closed-form value for the Start-End partition, labelled with where it comes from.

    Attributes
    ----------
    name
        The key in :class:`TheoremBounds` (``'depth2_lower'``, ...).
    value
        The exact value.
    claim
        ``'upper bound'`` or ``'lower bound'``.
    quantity
        ``'separation rank'`` or ``'grid-tensor rank'``.
    origin
        Where it comes from: ``'paper, Theorem 1.1'``, ``'derived (multi-homogeneous)'``,
        ``'network cut, closed form'``, ``'trivial'``.
    statement
        The formula and its conditions.

    Examples
    --------
    >>> entry = theorem_bounds(3, 3, 2, 8)["depth2_lower"]
    >>> entry.value, entry.claim, entry.origin
    (15, 'lower bound', 'paper, Theorem 1.2')
    """

    name: str
    value: int
    claim: Claim
    quantity: Quantity
    origin: str
    statement: str

    def __int__(self) -> int:
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (the value stays an exact int).

        Returns
        -------
        dict
            The six fields; :meth:`from_dict` rebuilds an equal entry.
        """
        return {
            "name": self.name,
            "value": self.value,
            "claim": self.claim,
            "quantity": self.quantity,
            "origin": self.origin,
            "statement": self.statement,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TheoremBound:
        """Rebuild from :meth:`to_dict`.

        Parameters
        ----------
        data
            The output of :meth:`to_dict`.

        Returns
        -------
        TheoremBound
        """
        return cls(**dict(data))


@dataclass(frozen=True)
class TheoremBounds(Mapping[str, TheoremBound]):
    """The closed forms for one ``(M, R, L, T)``: a read-only mapping name -> TheoremBound.

    Built by :func:`theorem_bounds`; only the entries that apply to the depth are present.

    Attributes
    ----------
    M, R, L, T
        The sizes.
    entries
        The :class:`TheoremBound` values, in the order of :func:`theorem_bounds`.

    Examples
    --------
    >>> bounds = theorem_bounds(2, 3, 1, 6)
    >>> "shallow_upper" in bounds, int(bounds["shallow_upper"])
    (True, 3)
    """

    M: int
    R: int
    L: int
    T: int
    entries: tuple[TheoremBound, ...]

    def __getitem__(self, name: str) -> TheoremBound:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (entry.name for entry in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def value(self, name: str) -> int | None:
        """The value of ``name``, or None when it does not apply to these sizes.

        Parameters
        ----------
        name
            An entry name (``'shallow_upper'``, ``'depth2_lower'``, ...).

        Returns
        -------
        int or None

        Examples
        --------
        >>> bounds = theorem_bounds(2, 3, 1, 6)
        >>> bounds.value("shallow_upper"), bounds.value("depth2_lower")
        (3, None)
        """
        entry = self.get(name)
        return None if entry is None else entry.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the sizes and every entry.

        Returns
        -------
        dict
            ``M``, ``R``, ``L``, ``T`` and ``entries`` (a list of :meth:`TheoremBound.to_dict`).

        Examples
        --------
        >>> bounds = theorem_bounds(2, 3, 1, 6)
        >>> TheoremBounds.from_dict(bounds.to_dict()) == bounds
        True
        """
        return {
            "M": self.M,
            "R": self.R,
            "L": self.L,
            "T": self.T,
            "entries": [entry.to_dict() for entry in self.entries],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TheoremBounds:
        """Rebuild from :meth:`to_dict`.

        Parameters
        ----------
        data
            The output of :meth:`to_dict`.

        Returns
        -------
        TheoremBounds
        """
        entries = tuple(TheoremBound.from_dict(e) for e in data["entries"])
        return cls(int(data["M"]), int(data["R"]), int(data["L"]), int(data["T"]), entries)

    def __repr__(self) -> str:
        body = ", ".join(f"{e.name}={e.value}" for e in self.entries)
        return f"TheoremBounds(M={self.M}, R={self.R}, L={self.L}, T={self.T}: {body})"


def network_cut_closed_form(M: int, R: int, L: int, T: int) -> int:
    """The Start-End minimum cut of the compiled network (MPS for L = 1, copy tree for L >= 2).

    Parameters
    ----------
    M, R, L, T
        Input size, hidden size, depth and an even sequence length (not checked: the caller,
        :func:`theorem_bounds`, checks them).

    Returns
    -------
    int
        The exact value of the cheapest cut of the two families below.

    Notes
    -----
    The cheapest of two explicit families of cuts:

    - every start input hyperedge: ``M^{T/2}``;
    - for a boundary time b in ``T/2..T``: each end input t in ``T/2+1..b`` is cut off for
      ``min(M, R^{n_t})`` (its hyperedge, or the bond above each of its ``n_t`` copies), and,
      if b < T, the ``C(T-b-1+L, L-1)`` bonds of dimension R from the copies of cells (l, b)
      into the copies of cells (l, b+1) (one per copy of (l, b+1), summed over l).

    Each member is a valid cut, so the value bounds the grid rank. That it is the *minimum*
    cut is checked, not proved: it equals an exhaustive minimum (every subset of input
    hyperedges, then an exact tree dynamic programme over the copies) for L <= 4, T <= 10, and
    max-flow on the compiled networks (tests/test_bounds.py).

    Examples
    --------
    >>> network_cut_closed_form(2, 3, 1, 8), network_cut_closed_form(3, 2, 3, 8)
    (3, 54)
    """
    half = T // 2
    degrees = input_degrees(L, T)
    log_m, log_r = math.log2(M), math.log2(R)
    # candidates M^a R^e, compared in bits and formed exactly only once: the loop runs over T/2
    # boundaries, and a big-integer product per boundary would be quadratic in T
    best = (half, 0)  # every start input hyperedge: M^{T/2}
    a = e = 0  # the end inputs cut off so far: M^a R^e
    for b in range(half, T + 1):
        if b > half:
            n_b = degrees[b - 1]
            if n_b * log_r < log_m:  # min(M, R^n): the bonds above its copies are cheaper
                e += n_b
            else:
                a += 1
        best_bits = _bits(*best, log_m, log_r)
        prefix_bits = _bits(a, e, log_m, log_r)
        if prefix_bits >= best_bits + 1:
            break  # the prefix alone costs more than the best cut: later b only add to it
        bonds = comb(T - b - 1 + L, L - 1) if b < T else 0
        if _smaller(M, R, (a, e + bonds), best, prefix_bits + bonds * log_r - best_bits):
            best = (a, e + bonds)
    return M ** best[0] * R ** best[1]


def _bits(a: int, e: int, log_m: float, log_r: float) -> float:
    """``log2(M^a R^e)`` from ``log2 M`` and ``log2 R``."""
    return a * log_m + e * log_r


def _smaller(M: int, R: int, x: tuple[int, int], y: tuple[int, int], gap: float) -> bool:
    """``M^x0 R^x1 < M^y0 R^y1``, exactly.

    ``gap`` is their difference in bits, trusted unless it is too small to call.
    """
    if abs(gap) > 1e-6 * (1 + abs(gap)):
        return gap < 0
    return M ** x[0] * R ** x[1] < M ** y[0] * R ** y[1]


def theorem_bounds(M: int, R: int, L: int, T: int) -> TheoremBounds:
    """Closed-form bounds for the Start-End partition of ``T`` steps, each with its source.

    Parameters
    ----------
    M, R, L, T
        Input size, hidden size, depth and sequence length (positive integers; T even).

    Returns
    -------
    TheoremBounds
        A read-only mapping from the entry names below to :class:`TheoremBound` values.

    Raises
    ------
    TypeError, ValueError
        When a size is not a positive integer, or ``T`` is odd.

    Notes
    -----
    Entries (only those that apply to the given depth are present):

    ``shallow_upper`` (L = 1)
        ``sep <= R``: paper, Theorem 1.1 (the MPS cut crosses one bond).
    ``depth2_lower`` (L = 2)
        ``sep >= ((min(M, R), T/2))`` for all weights outside a null set: paper, Theorem 1.2.
    ``multi_homogeneous``
        ``sep <= prod_{l=1..L} ((R, C(T/2-1+L-l, L-l)))``: derived here (the end depends on the
        start only through ``h^{l,T/2}``, in which y is homogeneous of those degrees); equals
        ``R ((R, T/2))`` for L = 2 and R for L = 1.
    ``network_cut``
        the minimum network cut in closed form (:func:`network_cut_closed_form`), an upper
        bound on the grid rank with the identity templates.
    ``trivial_function``
        ``sep <= min(prod_{t<=T/2} ((M, n_t)), prod_{t>T/2} ((M, n_t)))``: the dimension of the
        polynomials of one side's multi-degree.
    ``trivial_grid``
        ``rank <= M^{T/2}``: the side of the square matricization (identity templates).

    Examples
    --------
    >>> {k: v.value for k, v in theorem_bounds(2, 2, 2, 8).items()}
    {'depth2_lower': 5, 'multi_homogeneous': 10, 'network_cut': 16, 'trivial_function': 120, \
'trivial_grid': 16}
    """
    M, R = positive_int(M, "M"), positive_int(R, "R")
    L, T = positive_int(L, "L"), positive_int(T, "T")
    if T % 2:
        raise ValueError(f"theorem_bounds is for the Start-End partition: T must be even, got {T}")
    half = T // 2
    out: list[TheoremBound] = []

    def add(
        name: str, value: int, claim: Claim, quantity: str, origin: str, statement: str
    ) -> None:
        out.append(TheoremBound(name, int(value), claim, _QUANTITY[quantity], origin, statement))

    if L == 1:
        add(
            "shallow_upper",
            R,
            "upper bound",
            "separation-rank",
            "paper, Theorem 1.1",
            "shallow RAC: sep_(S,E) <= R",
        )
    if L == 2:
        add(
            "depth2_lower",
            multiset(min(M, R), half),
            "lower bound",
            "separation-rank",
            "paper, Theorem 1.2",
            "depth 2: sep_(S,E) >= ((min(M,R), T/2)) for all weights but a null set",
        )
    multi = 1
    for layer in range(1, L + 1):
        multi *= multiset(R, comb(half - 1 + L - layer, L - layer))
    add(
        "multi_homogeneous",
        multi,
        "upper bound",
        "separation-rank",
        "derived (multi-homogeneous)",
        "sep_(S,E) <= prod_l ((R, C(T/2-1+L-l, L-l))) (y depends on the start only through "
        "h^{l,T/2}, homogeneous of those degrees)",
    )
    add(
        "network_cut",
        network_cut_closed_form(M, R, L, T),
        "upper bound",
        "grid-rank",
        "network cut, closed form",
        "minimum cut of the compiled network (MPS / copy tree), identity templates",
    )
    degrees = input_degrees(L, T)
    start = product(multisets(M, degrees[:half]))
    end = product(multisets(M, degrees[half:]))
    add(
        "trivial_function",
        min(start, end),
        "upper bound",
        "separation-rank",
        "trivial",
        "sep <= min over sides of prod_t ((M, n_t)) (polynomials of that multi-degree)",
    )
    add(
        "trivial_grid",
        M**half,
        "upper bound",
        "grid-rank",
        "trivial",
        "rank <= M^{T/2} (the matricization is M^{T/2} x M^{T/2})",
    )
    return TheoremBounds(M, R, L, T, tuple(out))


__all__ = ["TheoremBound", "TheoremBounds", "network_cut_closed_form", "theorem_bounds"]
