"""The rank of a residue matrix modulo a prime: column-recursive LU on float64 BLAS, or FLINT.

Primes below :data:`BLAS_PRIME_LIMIT` are eliminated with exact float64 matrix products (several
times faster than FLINT there); larger primes and small matrices go to FLINT. The
documentation's "Exact arithmetic" page says why the float64 products are exact.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn.arith import flint_matrices
from rac_tn.arith.numba_setup import parallel_and_serial
from rac_tn.arith.pair_kernels import _mod

#: Primes below this are ranked here (above it: FLINT).
BLAS_PRIME_LIMIT = 1 << 21
_EXACT = float(1 << 53)
_BASE_WIDTH = 32
_TRSM_BASE = 64
# smaller reductions run serially: a parallel call can wait milliseconds for threads under load
_PARALLEL_MIN_ENTRIES = 1 << 20


#: Below this many rows or columns FLINT is as fast.
_MIN_SIZE = 32


def rank_mod_p(matrix: np.ndarray, p: int) -> int:
    """The rank over ``F_p`` of a residue matrix: elimination on BLAS for small primes, else FLINT.

    Parameters
    ----------
    matrix
        A 2-D array of nonnegative integers below ``p`` (``uint64`` ideally).
    p
        An odd prime below ``2**63`` (checked by the callers).

    Returns
    -------
    int

    Examples
    --------
    >>> rank_mod_p(np.array([[1, 2], [2, 4]], dtype=np.uint64), 101)
    1
    """
    arr = np.asarray(matrix)
    if p < BLAS_PRIME_LIMIT and arr.ndim == 2 and min(arr.shape) >= _MIN_SIZE:
        return rank_mod_small_prime(arr, p)
    return flint_matrices.rank_mod_p(arr, p)


def exact_chunk(p: int) -> int:
    """Terms of a float64 dot product of residues mod ``p`` that stay exact (below ``2**53``)."""
    return max(1, int((_EXACT - p) // float((p - 1) ** 2)))


def rank_mod_small_prime(matrix: np.ndarray, p: int) -> int:
    """The rank over ``F_p`` of a matrix of residues, ``p`` an odd prime below the limit.

    Parameters
    ----------
    matrix
        A 2-D array of nonnegative integers below ``p``.
    p
        An odd prime below :data:`BLAS_PRIME_LIMIT`.

    Returns
    -------
    int

    Examples
    --------
    >>> rank_mod_small_prime(np.array([[1, 2], [2, 4]], dtype=np.uint64), 101)
    1
    """
    if not 2 < p < BLAS_PRIME_LIMIT:
        raise ValueError(f"p must be an odd prime below {BLAS_PRIME_LIMIT}, got {p}")
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {arr.shape}")
    if arr.size and arr.max() >= p:  # reduce as integers: float64 holds them exactly below p
        arr = np.mod(arr, p)
    A = np.array(arr, dtype=np.float64, order="C")  # a copy: eliminated in place
    rows, cols = A.shape
    if rows == 0 or cols == 0:
        return 0
    if cols > rows:  # fewer columns to recurse over, same rank
        A = np.ascontiguousarray(A.T)
    L = np.zeros((A.shape[0], A.shape[1]))  # multipliers: column k for the k-th pivot
    return _factor(A, L, 0, 0, A.shape[1], p)


def _factor(A: np.ndarray, L: np.ndarray, r0: int, c0: int, c1: int, p: int) -> int:
    """Eliminate columns ``[c0, c1)`` in rows ``r0:`` (multipliers into ``L``); return s pivots."""
    # Rows of A and L are swapped in place (all columns). Afterwards rows r0: of the block
    # A[:, c0:c1] as it was, permuted, equal L[r0:, r0:r0+s] @ U (U: the s pivot rows, left in
    # A), column k of L holding the k-th pivot's multipliers. Columns >= c1 are left alone
    # apart from the swaps: the caller applies the block's row operations to them.
    if c1 - c0 <= _BASE_WIDTH:
        return _base(A, L, r0, c0, c1, p, 1.0 / p)
    mid = (c0 + c1) // 2
    s1 = _factor(A, L, r0, c0, mid, p)
    if s1:
        X = _trsm_unit_lower(L[r0 : r0 + s1, r0 : r0 + s1], A[r0 : r0 + s1, mid:c1], p)
        # the rows below lose L21 times the pivot rows: bottom - L21 @ X
        _sub_product(A[r0 + s1 :, mid:c1], L[r0 + s1 :, r0 : r0 + s1], X, p)
    return s1 + _factor(A, L, r0 + s1, mid, c1, p)


def _sub_product(out: np.ndarray, a: np.ndarray, b: np.ndarray, p: int) -> None:
    """``out = (out - a @ b) mod p`` in place, exact (inner products chunked to stay exact)."""
    chunk = exact_chunk(p) - 1  # room for the residue subtracted from
    reduce = _sub_reduce[0] if out.size >= _PARALLEL_MIN_ENTRIES else _sub_reduce[1]
    for k in range(0, a.shape[1], chunk):
        reduce(out, a[:, k : k + chunk] @ b[k : k + chunk], float(p), 1.0 / p)


def _trsm_unit_lower(L: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``L^-1 B mod p`` for a unit lower triangular ``L`` (its strict lower part is read)."""
    n = L.shape[0]
    if n <= _TRSM_BASE:
        return _trsm_base(np.ascontiguousarray(L), np.array(B, dtype=np.float64), p, 1.0 / p)
    h = n // 2
    X1 = _trsm_unit_lower(L[:h, :h], B[:h], p)
    B2 = np.array(B[h:], dtype=np.float64)
    _sub_product(B2, L[h:, :h], X1, p)
    X2 = _trsm_unit_lower(L[h:, h:], B2, p)
    return np.concatenate([X1, X2])


def _sub_reduce_py(out, prod, p, pinv):
    """``out = (out - prod) mod p`` in place (``|out - prod| < 2**53``: exact)."""
    rows, cols = out.shape
    for i in prange(rows):
        for j in range(cols):
            out[i, j] = _mod(out[i, j] - prod[i, j], p, pinv)


_sub_reduce = parallel_and_serial(_sub_reduce_py)


@njit(cache=True)
def _inverse(a, p):
    """``a**-1 mod p`` for ``0 < a < p`` (Fermat: ``a**(p-2)``), as a float."""
    result, base, e = 1, int(a), p - 2
    while e:
        if e & 1:
            result = result * base % p
        base = base * base % p
        e >>= 1
    return float(result)


@njit(cache=True)
def _base(A, L, r0, c0, c1, p, pinv):
    """:func:`_factor` for a narrow block: Gaussian elimination on a contiguous copy."""
    # Rows of A and L are swapped whole; the multiplier of row i by the k-th pivot (k counted
    # from 0) goes to L[i, k]. The eliminated entries are not written back: no caller reads them.
    rows, width = A.shape[0] - r0, c1 - c0
    P = A[r0:, c0:c1].copy()
    Lp = np.zeros((rows, width))
    fp = float(p)
    s = 0
    for c in range(width):
        piv = -1
        for i in range(s, rows):
            if P[i, c] != 0.0:
                piv = i
                break
        if piv < 0:
            continue
        if piv != s:
            for k in range(width):
                P[piv, k], P[s, k] = P[s, k], P[piv, k]
                Lp[piv, k], Lp[s, k] = Lp[s, k], Lp[piv, k]
            for k in range(A.shape[1]):
                A[r0 + piv, k], A[r0 + s, k] = A[r0 + s, k], A[r0 + piv, k]
            for k in range(r0):
                L[r0 + piv, k], L[r0 + s, k] = L[r0 + s, k], L[r0 + piv, k]
        Lp[s, s] = 1.0
        inv = _inverse(P[s, c], p)
        for i in range(s + 1, rows):
            v = P[i, c]
            if v != 0.0:
                f = _mod(v * inv, fp, pinv)
                Lp[i, s] = f
                g = fp - f
                for k in range(c, width):
                    P[i, k] = _mod(P[i, k] + g * P[s, k], fp, pinv)
        s += 1
    for i in range(rows):
        for k in range(s):
            L[r0 + i, r0 + k] = Lp[i, k]
    return s


@njit(cache=True)
def _trsm_base(L, B, p, pinv):
    """Forward substitution with a unit lower triangular ``L``, in place on ``B``."""
    n = L.shape[0]
    fp = float(p)
    for i in range(n):
        for k in range(i):
            g = fp - L[i, k]
            if g != fp:
                for j in range(B.shape[1]):
                    B[i, j] = _mod(B[i, j] + g * B[k, j], fp, pinv)
    return B


__all__ = ["BLAS_PRIME_LIMIT", "exact_chunk", "rank_mod_p", "rank_mod_small_prime"]
