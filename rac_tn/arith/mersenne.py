"""Exact products modulo the Mersenne prime ``2**61 - 1`` (``grid_tensor_mod``'s default).

Balanced 21-bit limbs of the left factor times 31-bit limbs of the right one, summed exactly in
float64 and folded by 61-bit rotations in one compiled kernel; the documentation's "Exact
arithmetic" page derives the bounds.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn.arith.modular import MERSENNE61
from rac_tn.arith.numba_setup import parallel_and_serial
from rac_tn.arith.tree_kernels import balanced_limbs, balanced_residues, runs_parallel

__all__ = ["INNER_CHUNK", "MERSENNE61", "matmul_mod_mersenne61"]

#: Inner terms per exact sum: 8 products of at most 2**20 * 2**30 sum to at most 2**53.
INNER_CHUNK = 8
#: Rotation of sum ``S_ij``, in the order ``(i, j)`` = 00, 01, 10, 11, 20, 21.
_SHIFTS = tuple((21 * i + 31 * j) % 61 for i in range(3) for j in range(2))
_BIAS = 1 << 53
#: ``-sum_ij 2**53 2**k_ij mod p``: added once per output to cancel the six biases.
_UNBIAS = np.uint64(-sum(pow(2, 53 + k, MERSENNE61) for k in _SHIFTS) % MERSENNE61)


@njit(cache=True, inline="always")
def _rotated(s, k):
    """``(s + 2**53) 2**k mod (2**61 - 1)``, below ``2**61``, for an exact ``|s| <= 2**53``."""
    u = np.uint64(np.int64(s) + _BIAS)  # in [0, 2**54]
    if k == 0:
        return u
    return ((u << np.uint64(k)) & np.uint64(MERSENNE61)) | (u >> np.uint64(61 - k))


@njit(cache=True, inline="always")
def _fold(s00, s01, s10, s11, s20, s21, previous):
    """``sum_ij S_ij 2**k_ij + previous mod p`` (``previous < p``), fully reduced."""
    p = np.uint64(MERSENNE61)
    s61 = np.uint64(61)
    # eight terms below 2**61 each: the sum stays below 2**64
    total = (
        _rotated(s00, _SHIFTS[0])
        + _rotated(s01, _SHIFTS[1])
        + _rotated(s10, _SHIFTS[2])
        + _rotated(s11, _SHIFTS[3])
        + _rotated(s20, _SHIFTS[4])
        + _rotated(s21, _SHIFTS[5])
        + _UNBIAS
        + previous
    )
    total = (total & p) + (total >> s61)
    total = (total & p) + (total >> s61)
    return total - p if total >= p else total


def _products_py(a, b0, b1, out):
    """``out = A @ B mod p`` from the limbs ``a[i, c, l, t]``, ``bj[c, t, q]`` (see the callers)."""
    n, chunks = a.shape[0], a.shape[1]
    m = out.shape[1]
    zero = np.uint64(0)
    for i in prange(n):
        for c in range(chunks):
            x = a[i, c]
            y0 = b0[c]
            y1 = b1[c]
            for q in range(m):  # the loop LLVM vectorises
                s00 = s01 = s10 = s11 = s20 = s21 = 0.0
                for t in range(8):  # INNER_CHUNK, a literal so that it unrolls
                    u0 = y0[t, q]
                    u1 = y1[t, q]
                    s00 += x[0, t] * u0
                    s01 += x[0, t] * u1
                    s10 += x[1, t] * u0
                    s11 += x[1, t] * u1
                    s20 += x[2, t] * u0
                    s21 += x[2, t] * u1
                out[i, q] = _fold(s00, s01, s10, s11, s20, s21, out[i, q] if c > 0 else zero)


# partial sums are exact integers, so reassociating and fusing them changes nothing
_products = parallel_and_serial(_products_py, fastmath={"contract", "reassoc"})


def _left_limbs(left: np.ndarray, chunks: int) -> np.ndarray:
    """``(n, chunks, 3, 8)`` float64: the three 21-bit limbs of each chunk of each row."""
    n, inner = left.shape
    limbs = balanced_limbs(balanced_residues(left, MERSENNE61), 21, 3)
    out = np.zeros((n, chunks * INNER_CHUNK, 3))
    for index, limb in enumerate(limbs):
        out[:, :inner, index] = limb
    return np.ascontiguousarray(out.reshape(n, chunks, INNER_CHUNK, 3).transpose(0, 1, 3, 2))


def _right_limbs(right: np.ndarray, chunks: int) -> list[np.ndarray]:
    """The two 31-bit limbs of ``right``, each ``(chunks, 8, m)`` float64, zero-padded."""
    inner, m = right.shape
    limbs = balanced_limbs(balanced_residues(right, MERSENNE61), 31, 2)
    padded = []
    for limb in limbs:
        full = np.zeros((chunks * INNER_CHUNK, m))
        full[:inner] = limb
        padded.append(full.reshape(chunks, INNER_CHUNK, m))
    return padded


def matmul_mod_mersenne61(
    left: np.ndarray, right: np.ndarray, *, parallel: bool | None = None
) -> np.ndarray:
    """``left @ right`` modulo ``2**61 - 1`` (``uint64`` residues), exactly.

    Parameters
    ----------
    left, right
        ``(n, k)`` and ``(k, m)`` arrays of residues below ``2**61 - 1``.
    parallel
        Run on all numba threads; by default as the grid walks
        (:func:`rac_tn.arith.tree_kernels.runs_parallel` of the ``n m`` outputs).

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` ``uint64`` residues.

    Examples
    --------
    >>> a = np.array([[MERSENNE61 - 1, 2]], dtype=np.uint64)
    >>> matmul_mod_mersenne61(a, np.array([[MERSENNE61 - 1], [3]], dtype=np.uint64)).tolist()
    [[7]]
    """
    n, inner = left.shape
    m = right.shape[1]
    chunks = max(1, -(-inner // INNER_CHUNK))
    b0, b1 = _right_limbs(right, chunks)
    out = np.empty((n, m), dtype=np.uint64)
    if parallel is None:
        parallel = runs_parallel(n * m)
    _products[0 if parallel else 1](_left_limbs(left, chunks), b0, b1, out)
    return out
