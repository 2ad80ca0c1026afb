"""Compiled walk of the prefix tree modulo a prime ``p < 2**31`` (deep ``grid_tensor_mod``).

The same block walk as the float kernel :func:`rac_tn._gridkernels.grid_deep` (read its module
docstring: blocks of prefixes held "structure of arrays", children symbol-major, the last step
folded), on residues. Every residue is below ``p < 2**31``, so a product is below ``p**2`` and
a ``uint64`` holds a reduced value plus three products (``p + 3 (p-1)**2 < 4 p**2 < 2**64``):
sums reduce once every three terms, by :func:`rac_tn._kernels._reduce_small` (a float
quotient, exact for ``x < 4 p**2``). Larger primes use the prefix method of
:mod:`rac_tn._modular`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn import _gridkernels
from rac_tn._kernels import _reduce_small

_ZERO = np.uint64(0)


@njit(cache=True, inline="always")
def _matrows(out, w, x, inner, n, p, pinv):
    """``out[i, :n] = sum_m w[i, m] x[m, :n] mod p``, reduced once every three terms."""
    for i in range(out.shape[0]):
        row = out[i]
        for q in range(n):
            row[q] = _ZERO
        for m in range(inner):
            wm, xm = w[i, m], x[m]
            for q in range(n):
                row[q] += wm * xm[q]
            if m % 3 == 2 or m == inner - 1:
                for q in range(n):
                    row[q] = _reduce_small(row[q], p, pinv)


@njit(cache=True)
def _expand(h, P, wh, wi, drive, rec, new, p, pinv):
    """States of the ``P * N`` children of ``P`` prefixes, modulo ``p``."""
    L, R = h.shape[0], h.shape[1]
    N = drive.shape[0]
    Q = P * N
    for layer in range(L):
        _matrows(rec, wh[layer], h[layer], R, P, p, pinv)
        nl = new[layer]
        if layer > 0:
            _matrows(nl, wi[layer], new[layer - 1], R, Q, p, pinv)
        for i in range(R):
            row, rr = nl[i], rec[i]
            for d in range(N):
                if layer == 0:
                    dv = drive[d, i]
                    for q in range(P):
                        row[d * P + q] = _reduce_small(rr[q] * dv, p, pinv)
                else:
                    for q in range(P):
                        row[d * P + q] = _reduce_small(row[d * P + q] * rr[q], p, pinv)


@njit(cache=True)
def _fold(h, P, wh, wi, fold, drive, order, out, base, rec, v, u, p, pinv):
    """Outputs of the ``N`` children of each of ``P`` prefixes, modulo ``p``."""
    L, R = h.shape[0], h.shape[1]
    N, C = drive.shape[0], fold.shape[0]
    for layer in range(L - 1):
        _matrows(rec[layer], wh[layer], h[layer], R, P, p, pinv)
    for c in range(C):
        _matrows(u, fold[c], h[L - 1], R, P, p, pinv)
        for layer in range(L - 2, -1, -1):
            for i in range(R):
                vi, ui, ri = v[i], u[i], rec[layer, i]
                for q in range(P):
                    vi[q] = _reduce_small(ui[q] * ri[q], p, pinv)
            if layer > 0:
                _matrows(u, wi[layer].T, v, R, P, p, pinv)
        y = u[0]
        for n in range(N):
            _matrows(u[:1], drive[n : n + 1], v, R, P, p, pinv)
            for q in range(P):
                out[(base + order[q] * N + n) * C + c] = y[q]


@njit(cache=True)
def _block(top, b, k, wh, wi, fold, drive, order_k, out, base, p, pinv):
    L, R = top.shape[0], top.shape[1]
    width = drive.shape[0] ** k
    cur = np.empty((L, R, width), dtype=np.uint64)
    nxt = np.empty((L, R, width), dtype=np.uint64)
    rec = np.empty((L, R, width), dtype=np.uint64)
    v = np.empty((R, width), dtype=np.uint64)
    u = np.empty((R, width), dtype=np.uint64)
    for layer in range(L):
        for i in range(R):
            cur[layer, i, 0] = top[layer, i, b]
    P = 1
    for _ in range(k):
        _expand(cur, P, wh, wi, drive, rec[0], nxt, p, pinv)
        cur, nxt = nxt, cur
        P *= drive.shape[0]
    _fold(cur, P, wh, wi, fold, drive, order_k, out, base, rec, v, u, p, pinv)


def _deep(h0, t0, k, wh, wi, fold, drive, out, p):
    L, R = h0.shape
    N = drive.shape[0]
    pinv = 1.0 / np.float64(p)
    top = np.empty((L, R, 1), dtype=np.uint64)
    top[:, :, 0] = h0
    P = 1
    for _ in range(t0):
        nxt = np.empty((L, R, P * N), dtype=np.uint64)
        rec = np.empty((R, P), dtype=np.uint64)
        _expand(top, P, wh, wi, drive, rec, nxt, p, pinv)
        top = nxt
        P *= N
    order_top = _gridkernels._reversed_digits(N, t0)
    order_k = _gridkernels._reversed_digits(N, k)
    span = N ** (k + 1)
    for b in prange(P):
        _block(top, b, k, wh, wi, fold, drive, order_k, out, order_top[b] * span, p, pinv)


_deep_parallel = njit(cache=True, parallel=True)(_deep)
_deep_serial = njit(cache=True)(_deep)


def grid_deep_mod(
    h0: np.ndarray,
    wh: np.ndarray,
    wi: np.ndarray,
    fold: np.ndarray,
    drive: np.ndarray,
    T: int,
    p: int,
    *,
    parallel: bool,
) -> np.ndarray:
    """Grid tensor ``(N**T * C,)`` of a deep RAC modulo ``p < 2**31`` (``uint64`` residues).

    Arguments as for :func:`rac_tn._gridkernels.grid_deep` (residues), except ``fold``
    ``(C, R, R)``: ``W^{I,L}^T diag(W^O_c) W^{H,L}`` modulo ``p`` for each class ``c``.
    """
    if not 2 < p < 1 << 31:
        raise ValueError(f"p must be an odd prime below 2**31 for this kernel, got {p}")
    N = drive.shape[0]
    k = 0
    while k < T - 1 and N ** (k + 1) <= _gridkernels.BLOCK_PREFIXES:
        k += 1
    out = np.empty(N**T * fold.shape[0], dtype=np.uint64)
    args = [np.ascontiguousarray(a, dtype=np.uint64) for a in (h0, wh, wi, fold, drive)]
    kernel = _deep_parallel if parallel else _deep_serial
    kernel(*args[:1], T - 1 - k, k, *args[1:], out, np.uint64(p))
    return out
