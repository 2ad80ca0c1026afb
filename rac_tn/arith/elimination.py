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


def _float_residues(values: np.ndarray, p: int) -> np.ndarray:
    """A C-ordered float64 copy of integer ``values`` reduced modulo ``p`` (exact below p)."""
    arr = np.asarray(values)
    if arr.size and arr.max() >= p:  # reduce as integers: float64 holds them exactly below p
        arr = np.mod(arr, p)
    return np.array(arr, dtype=np.float64, order="C")


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
    A = _float_residues(arr, p)  # a copy: eliminated in place
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
        A[r0 : r0 + s1, mid:c1] = X  # the pivot rows' U block (GrowingRank keeps U)
        # the rows below lose L21 times the pivot rows: bottom - L21 @ X
        _sub_product(A[r0 + s1 :, mid:c1], L[r0 + s1 :, r0 : r0 + s1], X, p)
    return s1 + _factor(A, L, r0 + s1, mid, c1, p)


class GrowingRank:
    """The rank modulo ``p`` of a square matrix grown by a block of rows and columns at a time.

    While the matrix has full rank its factorisation ``P A = L U`` is kept, so growing it to
    ``[[A, B], [C, D]]`` eliminates only the Schur complement ``D - C A^-1 B`` (block LU: the
    rank is ``size(A)`` plus the complement's rank) instead of the whole matrix again. Primes at
    or above :data:`BLAS_PRIME_LIMIT` keep the matrix and rank it whole (FLINT).

    Examples
    --------
    >>> g = GrowingRank(101)
    >>> g.grow(np.empty((0, 1), np.uint64), np.array([[2]], np.uint64))
    1
    >>> g.grow(np.array([[4]], np.uint64), np.array([[1, 2]], np.uint64))
    1
    """

    def __init__(self, p: int) -> None:
        self.p = p
        self.size = 0
        self.full_rank = True
        self._matrix = np.empty((0, 0), dtype=np.uint64)  # FLINT primes: the matrix itself
        self._factors = np.empty((0, 0))  # strict lower part: L; upper part: U
        self._order = np.empty(0, dtype=np.intp)  # row k of L U is row _order[k] of the matrix
        self._pending: tuple | None = None  # the last block's factors, merged when it grows

    def grow(self, right: np.ndarray, below: np.ndarray) -> int:
        """The rank after adding columns and rows.

        ``right`` (``size x n``): the existing rows in the new columns; ``below``
        (``n x (size + n)``): the new rows in every column. Residues below ``p``. A matrix
        that lost full rank cannot grow further (its factorisation was not kept).
        """
        K, n = self.size, below.shape[0]
        if not self.full_rank:
            raise ValueError("the matrix is no longer of full rank; it cannot grow further")
        if right.shape != (K, n) or below.shape != (n, K + n):
            raise ValueError(
                f"right must be {(K, n)} and below {(n, K + n)}, got {right.shape} and "
                f"{below.shape}"
            )
        self.size = K + n
        if self.p >= BLAS_PRIME_LIMIT:
            # a first block is kept as given (no copy): grow's callers do not reuse it
            self._matrix = np.block([[self._matrix, right], [below]]) if K else below
            rank = flint_matrices.rank_mod_p(self._matrix, self.p)
            self.full_rank = rank == self.size
            return rank
        self._merge_pending()
        complement = _float_residues(below[:, K:], self.p)
        U_new, Z = np.empty((0, n)), np.empty((n, 0))
        if K:
            U_new, Z = self._solve(
                _float_residues(right, self.p), _float_residues(below[:, :K], self.p)
            )
            _sub_product(complement, Z, U_new, self.p)
        s, block, multipliers, order = self._factor_block(complement)
        self.full_rank = s == n
        if self.full_rank:
            self._pending = (U_new, Z[order], block, multipliers, order)
        return K + s

    def _solve(self, right: np.ndarray, left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``U12 = L^-1 P right`` and ``Z = left U^-1`` (``D - Z U12``: the complement)."""
        p, F = self.p, self._factors
        U_new = _trsm_unit_lower(F, right[self._order], p)
        # Z U = left  <=>  U^T Z^T = left^T: a lower triangular solve with U's diagonal
        inv = _inverses(np.ascontiguousarray(np.diagonal(F)), p)
        return U_new, _trsm_lower(F.T, left.T, p, inv).T

    def _factor_block(self, block: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Factor a first or complement block; returns its pivots, U, L and row order."""
        n = block.shape[0]
        work = np.empty((n, n + 1))
        work[:, :n] = block
        work[:, n] = np.arange(n)  # swapped with the rows: the row order
        multipliers = np.zeros((n, n))
        s = _factor(work, multipliers, 0, 0, n, self.p)
        return s, work[:, :n], multipliers, work[:, n].astype(np.intp)

    def _merge_pending(self) -> None:
        """Put the last block's factors into the kept ``L``, ``U`` and row order."""
        if self._pending is None:
            return
        U_new, Z, block, multipliers, order = self._pending
        K, n = self._factors.shape[0], block.shape[0]
        F = np.empty((K + n, K + n))
        F[:K, :K] = self._factors
        F[:K, K:] = U_new
        F[K:, :K] = Z
        F[K:, K:] = np.triu(block) + np.tril(multipliers, -1)
        self._factors, self._order = F, np.concatenate([self._order, K + order])
        self._pending = None


def _sub_product(out: np.ndarray, a: np.ndarray, b: np.ndarray, p: int) -> None:
    """``out = (out - a @ b) mod p`` in place, exact (inner products chunked to stay exact)."""
    chunk = exact_chunk(p) - 1  # room for the residue subtracted from
    reduce = _sub_reduce[0] if out.size >= _PARALLEL_MIN_ENTRIES else _sub_reduce[1]
    for k in range(0, a.shape[1], chunk):
        reduce(out, a[:, k : k + chunk] @ b[k : k + chunk], float(p), 1.0 / p)


def _trsm_unit_lower(L: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``L^-1 B mod p`` for a unit lower triangular ``L`` (its strict lower part is read)."""
    return _trsm_lower(L, B, p, np.empty(0))


def _trsm_lower(L: np.ndarray, B: np.ndarray, p: int, inv_diagonal: np.ndarray) -> np.ndarray:
    """``L^-1 B mod p``, ``L`` lower triangular with the given diagonal inverses (none: unit)."""
    X = np.array(B, dtype=np.float64, order="C")
    _trsm_in_place(L, X, p, inv_diagonal)
    return X


def _trsm_in_place(L: np.ndarray, X: np.ndarray, p: int, inv_diagonal: np.ndarray) -> None:
    n = L.shape[0]
    if n <= _TRSM_BASE:
        _trsm_base(np.ascontiguousarray(L), X, p, 1.0 / p, inv_diagonal)
        return
    h = n // 2
    unit = inv_diagonal.shape[0] == 0
    _trsm_in_place(L[:h, :h], X[:h], p, inv_diagonal if unit else inv_diagonal[:h])
    _sub_product(X[h:], L[h:, :h], X[:h], p)
    _trsm_in_place(L[h:, h:], X[h:], p, inv_diagonal if unit else inv_diagonal[h:])


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
    # from 0) goes to L[i, k]. Only the pivot rows are written back (U, for GrowingRank).
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
    for i in range(s):
        for k in range(width):
            A[r0 + i, c0 + k] = P[i, k]
    return s


@njit(cache=True)
def _inverses(values, p):
    """``values**-1 mod p`` elementwise (nonzero residues, as floats)."""
    out = np.empty_like(values)
    for i in range(values.shape[0]):
        out[i] = _inverse(values[i], p)
    return out


@njit(cache=True)
def _trsm_base(L, B, p, pinv, inv_diagonal):
    """Forward substitution with a lower triangular ``L``, in place on ``B``.

    Each row's sum is reduced once: fewer than ``_TRSM_BASE`` products below ``p**2`` stay
    below ``2**53`` for ``p <`` :data:`BLAS_PRIME_LIMIT`.
    """
    n = L.shape[0]
    fp = float(p)
    scaled = inv_diagonal.shape[0] > 0
    for i in range(n):
        for k in range(i):
            g = fp - L[i, k]
            if g != fp:
                for j in range(B.shape[1]):
                    B[i, j] += g * B[k, j]
        for j in range(B.shape[1]):
            B[i, j] = _mod(B[i, j], fp, pinv)
        if scaled:
            for j in range(B.shape[1]):
                B[i, j] = _mod(B[i, j] * inv_diagonal[i], fp, pinv)
    return B


__all__ = ["BLAS_PRIME_LIMIT", "GrowingRank", "exact_chunk", "rank_mod_p", "rank_mod_small_prime"]
