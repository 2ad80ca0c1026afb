"""The Start-End minimum cut of a compiled RAC network in closed form (re-exported by theorems)."""

from __future__ import annotations

import math
from math import comb

from rac_tn.counting import input_degrees

__all__ = ["network_cut_closed_form"]


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
