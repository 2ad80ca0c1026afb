"""The closed forms for the Start-End partition, each labelled with where it comes from.

:func:`theorem_bounds` gathers Levine, Sharir & Shashua's theorems (arXiv 1710.09431: Theorem
1.1 for depth 1, Theorem 1.2 for depth 2), the multi-homogeneous bound, the network cut in
closed form and the trivial bounds; :func:`family_theorem_bounds` evaluates them at a model
family's width, labelled *derived*. Arguments: [Theory: closed forms][theory-closed-forms].

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

from rac_tn._checks import positive_int
from rac_tn.counting import input_degrees, multiset, multisets, product
from rac_tn.results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity, Serialisable

_QUANTITY: dict[str, Quantity] = {
    "separation-rank": SEPARATION_RANK,
    "grid-rank": GRID_TENSOR_RANK,
}


@dataclass(frozen=True)
class TheoremBound(Serialisable):
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
        ``'paper, Theorem 1.1'``, ``'derived (multi-homogeneous)'``, ``'network cut, closed
        form'``, ``'trivial'``, ...
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


@dataclass(frozen=True)
class TheoremBounds(Mapping[str, TheoremBound], Serialisable):
    """The closed forms for one ``(M, R, L, T)``: a read-only mapping name -> TheoremBound.

    Only the entries that apply to the depth are present; ``M, R, L, T`` and ``entries`` are its
    fields.

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
        """The value of entry ``name``, or None when it does not apply to these sizes.

        Examples
        --------
        >>> bounds = theorem_bounds(2, 3, 1, 6)
        >>> bounds.value("shallow_upper"), bounds.value("depth2_lower")
        (3, None)
        """
        entry = self.get(name)
        return None if entry is None else entry.value

    def __repr__(self) -> str:
        body = ", ".join(f"{e.name}={e.value}" for e in self.entries)
        return f"TheoremBounds(M={self.M}, R={self.R}, L={self.L}, T={self.T}: {body})"


def theorem_bounds(M: int, R: int, L: int, T: int) -> TheoremBounds:
    """Closed-form bounds for the Start-End partition of ``T`` steps, each with its source.

    Parameters
    ----------
    M, R, L, T
        Input size, hidden size, depth and sequence length (positive integers; T even).

    Returns
    -------
    TheoremBounds
        The entries that apply to the depth: ``shallow_upper`` (L = 1, ``sep <= R``, Theorem
        1.1), ``depth2_lower`` (L = 2, ``sep >= ((min(M, R), T/2))`` for all weights but a null
        set, Theorem 1.2), ``multi_homogeneous`` (``sep <= prod_l ((R, C(T/2-1+L-l, L-l)))``),
        ``network_cut`` (:func:`network_cut_closed_form`, a bound on the grid rank),
        ``trivial_function`` and ``trivial_grid`` (``M^{T/2}``). Each is explained in
        [Theory: closed forms][theory-closed-forms].

    Raises
    ------
    TypeError, ValueError
        When a size is not a positive integer, or ``T`` is odd.

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
    add(
        "multi_homogeneous",
        _multi_homogeneous(R, L, half),
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
    add(
        "trivial_function",
        _trivial_function(M, L, T),
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


def _multi_homogeneous(width: int, L: int, half: int) -> int:
    """``prod_l ((width, C(half-1+L-l, L-l)))``: monomials in the boundary states."""
    out = 1
    for layer in range(1, L + 1):
        out *= multiset(width, comb(half - 1 + L - layer, L - layer))
    return out


def _trivial_function(variables: int, L: int, T: int) -> int:
    """The smaller side's ``prod_t ((variables, n_t))``: monomials of that multi-degree."""
    degrees, half = input_degrees(L, T), T // 2
    start = product(multisets(variables, degrees[:half]))
    end = product(multisets(variables, degrees[half:]))
    return min(start, end)


#: The families :func:`family_theorem_bounds` knows (the RAC goes to :func:`theorem_bounds`).
#: The families whose closed forms :func:`family_theorem_bounds` knows.
THEOREM_FAMILIES = ("2rnn", "cp2rnn", "mirnn", "linear")


def family_theorem_bounds(
    family: str, M: int, n: int, L: int, T: int, *, rank: int | None = None, bias: bool = False
) -> TheoremBounds:
    """Start-End closed forms for a model family at its width, each labelled with its derivation.

    Parameters
    ----------
    family
        ``'2rnn'``, ``'cp2rnn'``, ``'mirnn'`` or ``'linear'``.
    M, n, L, T
        Input size d, hidden size n, depth and sequence length (T even).
    rank
        The CP rank K (``'cp2rnn'`` only, and required there).
    bias
        First-order terms and biases (the cell is affine: width n + 1).

    Returns
    -------
    TheoremBounds
        ``R`` is n. With w the width a boundary state costs (n; min(n, K) for CP; n + 1 affine)
        and m the homogeneous width (n, or min(n, K)): ``shallow_upper`` (L = 1, ``sep <= w``),
        ``depth2_lower`` (L = 2, ``sep >= ((min(M, m), T/2))`` for all weights but a null set),
        ``multi_homogeneous`` (at width w), ``degree_one`` (linear RNN: ``sep <= 2``),
        ``trivial_function`` and ``trivial_grid``. Derivations:
        [Theory: the families][theory-family-bounds].

    Raises
    ------
    TypeError, ValueError
        A size that is not a positive integer, odd T, an unknown family, a missing or stray
        ``rank``.

    Examples
    --------
    >>> {k: v.value for k, v in family_theorem_bounds("cp2rnn", 2, 3, 2, 6, rank=2).items()}
    {'depth2_lower': 4, 'multi_homogeneous': 8, 'trivial_function': 24, 'trivial_grid': 8}
    """
    if family not in THEOREM_FAMILIES:
        raise ValueError(f"family must be one of {THEOREM_FAMILIES}, got {family!r}")
    M, n = positive_int(M, "M"), positive_int(n, "n")
    L, T = positive_int(L, "L"), positive_int(T, "T")
    if T % 2:
        raise ValueError(f"family_theorem_bounds is for Start-End: T must be even, got {T}")
    if (family == "cp2rnn") != (rank is not None):
        raise ValueError(f"rank is the CP rank K, given exactly for cp2rnn (family {family!r})")
    m = min(n, positive_int(rank, "rank")) if family == "cp2rnn" else n
    affine = bool(bias) or family == "linear"
    w = n + 1 if affine else m
    half = T // 2
    where = f"at width {w}" + (" (n + 1: affine)" if affine else "")
    upper: Claim
    sep, upper = SEPARATION_RANK, "upper bound"
    # fmt: off
    rows: list[tuple[str, int, Claim, Quantity, str, str]] = []
    if family == "linear":
        rows.append(("degree_one", 2, upper, sep, "derived (degree 1)", "linear RNN: y = "
                     "a(x_P) + b(x_Q) + c, so sep <= 2 for every partition and depth"))
    if family != "linear" and L == 1:
        rows.append(("shallow_upper", w, upper, sep, f"derived: Levine et al. Theorem 1.1 {where}",
                     f"{family}: y is linear in the {w} numbers carrying the start"))
    if family != "linear" and L == 2:
        rows.append(("depth2_lower", multiset(min(M, m), half), "lower bound", sep,
                     f"derived: Levine et al. Theorem 1.2 at width {m}", f"{family} contains "
                     f"the RAC of width {m}; for all weights but a null set"))
    if family != "linear":
        rows.append(("multi_homogeneous", _multi_homogeneous(w, L, half), upper, sep,
                     f"derived (multi-homogeneous) {where}", f"prod_l (({w}, C(T/2-1+L-l, "
                     f"L-l))): one width-{w} vector per layer carries the start"))
        rows.append(("trivial_function", _trivial_function(M + affine, L, T), upper, sep,
                     "trivial", "monomials of one side's multi-degree" + (" (M + 1 variables: "
                     "degree <= n_t, affine)" if affine else "")))
    rows.append(("trivial_grid", M**half, upper, GRID_TENSOR_RANK, "trivial",
                 "rank <= M^{T/2} (the matricization is M^{T/2} x M^{T/2})"))
    # fmt: on
    out = [TheoremBound(*row) for row in rows]
    return TheoremBounds(M, n, L, T, tuple(out))


def network_cut_closed_form(M: int, R: int, L: int, T: int) -> int:
    """The Start-End minimum cut of the compiled network (MPS for L = 1, copy tree for L >= 2).

    The cheapest of two explicit families of cuts (every start input; or end inputs up to a
    boundary time plus the bonds into the next time), so a valid bound on the grid rank with the
    identity templates; that it is the minimum is checked, not proven:
    [Theory: the closed form][theory-network-closed-form].

    Parameters
    ----------
    M, R, L, T
        Input size, hidden size, depth and an even sequence length (not checked here:
        :func:`theorem_bounds` checks them).

    Returns
    -------
    int
        The exact value of the cut.

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
    """Exactly ``M^x0 R^x1 < M^y0 R^y1``, trusting ``gap`` (their difference in bits) when clear."""
    if abs(gap) > 1e-6 * (1 + abs(gap)):
        return gap < 0
    return M ** x[0] * R ** x[1] < M ** y[0] * R ** y[1]


__all__ = [
    "THEOREM_FAMILIES",
    "TheoremBound",
    "TheoremBounds",
    "family_theorem_bounds",
    "network_cut_closed_form",
    "theorem_bounds",
]
