"""Compiled walk of the prefix tree modulo a prime (deep ``grid_tensor_mod``).

The same block walk as the float kernel :func:`rac_tn.arith.tree_kernels.grid_deep` (read its module
docstring: blocks of prefixes held "structure of arrays", children symbol-major, the last step
folded), on residues, in the two arithmetic modes of :mod:`rac_tn.arith.pair_kernels`:

- ``SMALL`` (``p < 2**31``): every residue is below ``p``, so a product is below ``p**2`` and a
  ``uint64`` holds a reduced value plus three products (``p + 3 (p-1)**2 < 4 p**2 < 2**64``):
  sums reduce once every three terms, by :func:`rac_tn.arith.pair_kernels._reduce_small` (a float
  quotient, exact for ``x < 4 p**2``).
- ``MONT`` (any odd ``p < 2**63``): every value is held in Montgomery form ``x B mod p``
  (``B = 2**64``), so :func:`rac_tn.arith.pair_kernels._mul` (``a b / B``) of two forms is the form
  of the product and sums of forms are forms; each product pays one reduction, each sum one
  compare (``a + b < 2 p < 2**64``). The outputs are mapped back (times ``1/B``) as written.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from rac_tn.arith import modular, tree_kernels
from rac_tn.arith.pair_kernels import SMALL, _mul, _reduce_small

_ZERO = np.uint64(0)
_ONE = np.uint64(1)


@njit(cache=True, inline="always")
def _matrows(out, w, x, inner, n, a):
    """``out[i, :n] = sum_m w[i, m] x[m, :n] mod p`` (``a = (p, ninv, pinv, mode)``)."""
    p, ninv, pinv, mode = a
    for i in range(out.shape[0]):
        row = out[i]
        for q in range(n):
            row[q] = _ZERO
        for m in range(inner):
            wm, xm = w[i, m], x[m]
            if mode == SMALL:  # lazy: reduced once every three terms
                for q in range(n):
                    row[q] += wm * xm[q]
                if m % 3 == 2 or m == inner - 1:
                    for q in range(n):
                        row[q] = _reduce_small(row[q], p, pinv)
            else:
                for q in range(n):
                    s = row[q] + _mul(wm, xm[q], p, ninv, pinv, mode)
                    row[q] = s - p if s >= p else s


@njit(cache=True, inline="always")
def _prod(x, y, a):
    p, ninv, pinv, mode = a
    return _mul(x, y, p, ninv, pinv, mode)


@njit(cache=True)
def _expand(h, P, wh, wi, drive, rec, new, a):
    """States of the ``P * N`` children of ``P`` prefixes, modulo ``p``."""
    L, R = h.shape[0], h.shape[1]
    N = drive.shape[0]
    Q = P * N
    for layer in range(L):
        _matrows(rec, wh[layer], h[layer], R, P, a)
        nl = new[layer]
        if layer > 0:
            _matrows(nl, wi[layer], new[layer - 1], R, Q, a)
        for i in range(R):
            row, rr = nl[i], rec[i]
            for d in range(N):
                if layer == 0:
                    dv = drive[d, i]
                    for q in range(P):
                        row[d * P + q] = _prod(rr[q], dv, a)
                else:
                    for q in range(P):
                        row[d * P + q] = _prod(row[d * P + q], rr[q], a)


@njit(cache=True)
def _fold(h, P, wh, wi, fold, drive, order, out, base, rec, v, u, a):
    """Outputs of the ``N`` children of each of ``P`` prefixes, modulo ``p``."""
    L, R = h.shape[0], h.shape[1]
    N, C = drive.shape[0], fold.shape[0]
    for layer in range(L - 1):
        _matrows(rec[layer], wh[layer], h[layer], R, P, a)
    for c in range(C):
        _matrows(u, fold[c], h[L - 1], R, P, a)
        for layer in range(L - 2, -1, -1):
            for i in range(R):
                vi, ui, ri = v[i], u[i], rec[layer, i]
                for q in range(P):
                    vi[q] = _prod(ui[q], ri[q], a)
            if layer > 0:
                _matrows(u, wi[layer].T, v, R, P, a)
        y = u[0]
        for n in range(N):
            _matrows(u[:1], drive[n : n + 1], v, R, P, a)
            for q in range(P):  # MONT: back from the Montgomery form (times 1/B)
                val = y[q] if a[3] == SMALL else _prod(y[q], _ONE, a)
                out[(base + order[q] * N + n) * C + c] = val


@njit(cache=True)
def _blocks(top, b0, b1, k, wh, wi, fold, drive, order_top, order_k, out, a):
    """Top prefixes ``b0 .. b1 - 1``, each expanded ``k`` levels in one set of block buffers."""
    L, R = top.shape[0], top.shape[1]
    N = drive.shape[0]
    width = N**k
    span = N ** (k + 1)
    buf = np.empty((2, L, R, width), dtype=np.uint64)
    rec = np.empty((L, R, width), dtype=np.uint64)
    v = np.empty((R, width), dtype=np.uint64)
    u = np.empty((R, width), dtype=np.uint64)
    for b in range(b0, b1):
        cur, nxt = buf[0], buf[1]
        for layer in range(L):
            for i in range(R):
                cur[layer, i, 0] = top[layer, i, b]
        P = 1
        for _ in range(k):
            _expand(cur, P, wh, wi, drive, rec[0], nxt, a)
            cur, nxt = nxt, cur
            P *= N
        _fold(cur, P, wh, wi, fold, drive, order_k, out, order_top[b] * span, rec, v, u, a)


@njit(cache=True)
def _top_states(h0, t0, wh, wi, drive, a):
    """States ``(L, R, N**t0)`` of the top prefixes (columns symbol-major), level by level."""
    L, R = h0.shape
    N = drive.shape[0]
    top = np.empty((L, R, 1), dtype=np.uint64)
    top[:, :, 0] = h0
    P = 1
    for _ in range(t0):
        nxt = np.empty((L, R, P * N), dtype=np.uint64)
        rec = np.empty((R, P), dtype=np.uint64)
        _expand(top, P, wh, wi, drive, rec, nxt, a)
        top = nxt
        P *= N
    return top


# Two functions, not one compiled twice: numba's cache keys on the function, not on
# parallel=, so one source compiled both ways would load whichever was cached first.
@njit(cache=True, parallel=True)
def _walk_parallel(top, k, wh, wi, fold, drive, order_top, order_k, out, a, chunks):
    count = top.shape[2]
    chunks = min(count, chunks)  # buffers allocated once per chunk
    for c in prange(chunks):
        b0, b1 = c * count // chunks, (c + 1) * count // chunks
        _blocks(top, b0, b1, k, wh, wi, fold, drive, order_top, order_k, out, a)


@njit(cache=True)
def _walk_serial(top, k, wh, wi, fold, drive, order_top, order_k, out, a, chunks):  # chunks unused
    _blocks(top, 0, top.shape[2], k, wh, wi, fold, drive, order_top, order_k, out, a)


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
    """Grid tensor ``(N**T * C,)`` of a deep RAC modulo an odd prime ``p < 2**63`` (``uint64``).

    Arguments as for :func:`rac_tn.arith.tree_kernels.grid_deep` (plain residues), except ``fold``
    ``(C, R, R)``: ``W^{I,L}^T diag(W^O_c) W^{H,L}`` modulo ``p`` for each class ``c``.
    """
    arith = modular.kernel_arith(p)
    N = drive.shape[0]
    k = 0
    while k < T - 1 and N ** (k + 1) <= tree_kernels.BLOCK_PREFIXES:
        k += 1
    out = np.empty(N**T * fold.shape[0], dtype=np.uint64)
    # Montgomery forms x B mod p (B = 1 below 2**31: unchanged)
    args = [modular.scale(np.asarray(x), arith, 1) for x in (h0, wh, wi, fold, drive)]
    h0, wh, wi, fold, drive = args
    a = arith.args
    top = _top_states(h0, T - 1 - k, wh, wi, drive, a)
    walk = _walk_parallel if parallel else _walk_serial
    orders = tree_kernels._reversed_digits(N, T - 1 - k), tree_kernels._reversed_digits(N, k)
    walk(top, k, wh, wi, fold, drive, *orders, out, a, 8 * numba.get_num_threads())
    return out
