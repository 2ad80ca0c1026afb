"""Compiled (numba) kernels for grid tensors: the prefix-tree walk, exact split products.

:func:`grid_walk` is the block walk of the prefix tree for deep RACs (L >= 2), in ``float64``
(:func:`grid_deep`) or modulo a prime (:func:`rac_tn.arith.grid_mod.grid_deep_mod`), from one
source. :func:`matmul_mod_split` multiplies residue matrices modulo ``p < 2**31`` exactly on
float64 BLAS (L = 1). How both work, and why every float sum is exact, is on the
documentation's "Exact arithmetic" page.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from rac_tn.arith.numba_setup import parallel_and_serial
from rac_tn.arith.pair_kernels import MONT, SMALL, _mul, _reduce_small

#: Inner dimension of one exact split product: 256 * 2**45 = 2**53.
SPLIT_MAX_INNER = 256
SPLIT_SHIFT = 15
#: Prefixes per block level (``N**k <= BLOCK_PREFIXES``): L * R * 3 doubles each stay in L2.
BLOCK_PREFIXES = 512
# fused multiply-adds only: NaN and inf still propagate (the float range checks read them)
_MATH = {"contract"}
_ONE = np.uint64(1)

# In the walk, ``a`` is None for float64 states, else ``(p, ninv, pinv, mode)`` for residues
# (Montgomery forms in MONT); every ``a is None`` branch is chosen at compile time.


@njit(cache=True, inline="always")
def _matrows(out, w, x, inner, n, a):
    """``out[i, :n] = sum_m w[i, m] x[m, :n]`` (mod p), one contiguous row at a time."""
    for i in range(out.shape[0]):
        row = out[i]
        for q in range(n):
            row[q] = 0
        for m in range(inner):
            wm, xm = w[i, m], x[m]
            if a is None:
                for q in range(n):
                    row[q] += wm * xm[q]
            else:
                p, ninv, pinv, mode = a
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
    """``x * y`` (mod p)."""
    if a is None:
        return x * y
    p, ninv, pinv, mode = a
    return _mul(x, y, p, ninv, pinv, mode)


@njit(cache=True, fastmath=_MATH)
def _expand(h, P, wh, wi, drive, rec, new, a):
    """States of the ``P * N`` children of ``P`` prefixes (columns of ``h``), into ``new``."""
    L, R = h.shape[0], h.shape[1]
    N = drive.shape[0]
    Q = P * N
    for layer in range(L):
        _matrows(rec, wh[layer], h[layer], R, P, a)  # rec = W^H h, once per prefix
        nl = new[layer]
        if layer == 0:
            for i in range(R):
                row, rr = nl[i], rec[i]
                for d in range(N):
                    dv = drive[d, i]
                    for q in range(P):
                        row[d * P + q] = _prod(rr[q], dv, a)
            continue
        _matrows(nl, wi[layer], new[layer - 1], R, Q, a)  # inp = W^{I,l} h^{l-1} of each child
        for i in range(R):  # times rec of its parent
            row, rr = nl[i], rec[i]
            for d in range(N):
                for q in range(P):
                    row[d * P + q] = _prod(row[d * P + q], rr[q], a)


@njit(cache=True, fastmath=_MATH)
def _fold(h, P, wh, wi, fold, drive, order, out, base, rec, v, u, a):
    """Outputs of the ``N`` children of each of ``P`` prefixes (the last step, folded)."""
    L, R = h.shape[0], h.shape[1]
    N, C = drive.shape[0], fold.shape[0]
    for layer in range(L - 1):
        _matrows(rec[layer], wh[layer], h[layer], R, P, a)
    for c in range(C):
        _matrows(u, fold[c], h[L - 1], R, P, a)
        for layer in range(L - 2, -1, -1):  # v_l = u diag(a_l); u <- v_l W^{I,l}
            for i in range(R):
                vi, ui, ri = v[i], u[i], rec[layer, i]
                for q in range(P):
                    vi[q] = _prod(ui[q], ri[q], a)
            if layer > 0:
                _matrows(u, wi[layer].T, v, R, P, a)
        y = u[0]
        for n in range(N):
            _matrows(u[:1], drive[n : n + 1], v, R, P, a)
            for q in range(P):
                val = y[q]
                if a is not None:
                    if a[3] == MONT:  # back from the Montgomery form (times 1/B)
                        val = _prod(val, _ONE, a)
                out[(base + order[q] * N + n) * C + c] = val


@njit(cache=True)
def _reversed_digits(N, k):
    """``order[c]``: the prefix (most significant digit first) stored at column ``c``."""
    order = np.zeros(N**k, dtype=np.int64)
    size = 1
    for _ in range(k):  # children d * size + c of column c: digit d goes last
        for d in range(1, N):
            for c in range(size):
                order[d * size + c] = order[c] * N + d
        for c in range(size):
            order[c] = order[c] * N
        size *= N
    return order


@njit(cache=True)
def _blocks(top, b0, b1, k, wh, wi, fold, drive, order_top, order_k, out, a):
    """Top prefixes ``b0 .. b1 - 1``, each expanded ``k`` levels in one set of block buffers."""
    L, R = top.shape[0], top.shape[1]
    N = drive.shape[0]
    width = N**k
    span = N ** (k + 1)
    buf = np.empty((2, L, R, width), dtype=top.dtype)
    rec = np.empty((L, R, width), dtype=top.dtype)
    v = np.empty((R, width), dtype=top.dtype)
    u = np.empty((R, width), dtype=top.dtype)
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
    top = np.empty((L, R, 1), dtype=h0.dtype)
    top[:, :, 0] = h0
    P = 1
    for _ in range(t0):
        nxt = np.empty((L, R, P * N), dtype=h0.dtype)
        rec = np.empty((R, P), dtype=h0.dtype)
        _expand(top, P, wh, wi, drive, rec, nxt, a)
        top = nxt
        P *= N
    return top


def _walk_py(top, k, wh, wi, fold, drive, order_top, order_k, out, a, chunks):
    """Every top prefix's block, in ``chunks`` runs (buffers allocated once per chunk)."""
    count = top.shape[2]
    chunks = min(count, chunks)
    for c in prange(chunks):
        b0, b1 = c * count // chunks, (c + 1) * count // chunks
        _blocks(top, b0, b1, k, wh, wi, fold, drive, order_top, order_k, out, a)


_walk = parallel_and_serial(_walk_py)

#: Output entries from which the deep walk runs on all numba threads (smaller: serial).
#: Measured on 2 cores under load from other processes: a parallel call cost 6-14 ms more
#: than its work at 2^14 and 2^17 entries (threads wait for a core) and was 1.0-1.3x faster
#: at 2^20 (20-40 ms of work); never run threads where that fixed cost can dominate.
PARALLEL_MIN_ENTRIES = 1 << 20


def runs_parallel(entries: int) -> bool:
    """Whether a grid kernel writing ``entries`` outputs should run on all numba threads."""
    return entries >= PARALLEL_MIN_ENTRIES and numba.get_num_threads() > 1


def grid_walk(h0, wh, wi, fold, drive, T: int, a, *, parallel: bool) -> np.ndarray:
    """Grid tensor ``(N**T * C,)`` of a deep RAC by the block walk (row-major ``(N,)*T + (C,)``).

    Arguments as for :func:`grid_deep`, except ``fold`` ``(C, R, R)``
    (``W^{I,L}^T diag(W^O_c) W^{H,L}`` per class) and ``a``: None for ``float64`` arrays, or
    ``(p, ninv, pinv, mode)`` for ``uint64`` residues (Montgomery forms in MONT).
    """
    N = drive.shape[0]
    k = 0
    while k < T - 1 and N ** (k + 1) <= BLOCK_PREFIXES:
        k += 1
    out = np.empty(N**T * fold.shape[0], dtype=h0.dtype)
    top = _top_states(h0, T - 1 - k, wh, wi, drive, a)
    orders = _reversed_digits(N, T - 1 - k), _reversed_digits(N, k)
    chunks = 8 * numba.get_num_threads() if parallel else 1
    _walk[0 if parallel else 1](top, k, wh, wi, fold, drive, *orders, out, a, chunks)
    return out


def grid_deep(
    h0: np.ndarray,
    wh: np.ndarray,
    wi: np.ndarray,
    wo: np.ndarray,
    drive: np.ndarray,
    T: int,
    *,
    parallel: bool,
) -> np.ndarray:
    """Float grid tensor ``(N**T * C,)`` of a deep RAC (row-major ``(N,) * T + (C,)``).

    ``h0`` ``(L, R)`` initial states; ``wh`` ``(L, R, R)`` hidden weights; ``wi`` ``(L, R, R)``
    input weights of layers 2..L (slot 0 unused); ``wo`` ``(C, R)``; ``drive`` ``(N, R)`` the
    first layer's input ``W^{I,1} f`` for each template.
    """
    fold = np.ascontiguousarray(np.einsum("mi,cm,mj->cij", wi[-1], wo, wh[-1]))
    return grid_walk(h0, wh, wi, fold, drive, T, None, parallel=parallel)


@njit(cache=True, inline="always")
def _reduce(x, p, pinv):
    """``x mod p`` for an ``int64`` ``|x| <= 2**53``: a float quotient, one fix-up each way."""
    r = x - np.int64(np.floor(np.float64(x) * pinv)) * p
    r = r + p if r < 0 else r
    return r - p if r >= p else r


@njit(cache=True)
def _combine(sums, p, acc, out):
    """``out = (sums[:, :m] 2**15 + sums[:, m:]) mod p`` (``+ out`` when ``acc``)."""
    pinv = 1.0 / p
    shift = np.int64(1 << SPLIT_SHIFT)
    m = out.shape[1]
    for i in range(out.shape[0]):
        s, o = sums[i], out[i]
        for j in range(m):
            # each sum reduced on its own: the last sum is then below 2**47, the fix-up's range
            hi, lo = _reduce(np.int64(s[j]), p, pinv), _reduce(np.int64(s[m + j]), p, pinv)
            val = _reduce(hi * shift + lo, p, pinv)
            if acc:
                val += o[j]
                val = val - p if val >= p else val
            o[j] = val


#: Output entries per block of the split products (two float64 temporaries stay in L2).
_SPLIT_BLOCK = 1 << 16


def matmul_mod_split(left: np.ndarray, right: np.ndarray, p: int) -> np.ndarray:
    """``left @ right`` modulo a prime ``p < 2**31`` (``uint64`` residues), by float64 BLAS.

    Exact: balanced residues, ``right`` split in two 15-bit halves (side by side, so each row
    block is one BLAS call), the inner dimension in chunks of :data:`SPLIT_MAX_INNER`.

    >>> a = np.array([[1, 2], [3, 4]], dtype=np.uint64)
    >>> matmul_mod_split(a, a, 5).tolist()
    [[2, 0], [0, 2]]
    """
    if not 2 < p < 1 << 31:
        raise ValueError(f"p must be an odd prime below 2**31 for the split product, got {p}")
    n, inner = left.shape
    m = right.shape[1]
    a = balanced_residues(left, p).astype(np.float64)
    low, high = balanced_limbs(balanced_residues(right, p), SPLIT_SHIFT, 2)
    halves = np.concatenate([high, low], axis=1).astype(np.float64)  # (inner, 2 m)
    out = np.zeros((n, m), dtype=np.int64)
    rows = max(1, _SPLIT_BLOCK // max(1, m))
    sums = np.empty((min(rows, n), 2 * m))
    for k0 in range(0, inner, SPLIT_MAX_INNER):
        k1 = min(inner, k0 + SPLIT_MAX_INNER)
        ak, bk = a[:, k0:k1], np.ascontiguousarray(halves[k0:k1])
        for i0 in range(0, n, rows):
            i1 = min(n, i0 + rows)
            s = sums[: i1 - i0]
            np.matmul(ak[i0:i1], bk, out=s)
            _combine(s, np.int64(p), k0 > 0, out[i0:i1])
    return out.view(np.uint64)


def balanced_residues(residues: np.ndarray, p: int) -> np.ndarray:
    """Residues in ``(-p/2, p/2]`` as ``int64`` (magnitudes below ``2**30`` for ``p < 2**31``)."""
    x = np.asarray(residues, dtype=np.uint64).astype(np.int64)
    return np.where(x > p // 2, x - p, x)


def balanced_limbs(x: np.ndarray, bits: int, count: int) -> list[np.ndarray]:
    """``count`` limbs of the ``int64`` array ``x``, lowest first: ``x = sum_i limb_i 2**(bits i)``.

    Every limb but the last is balanced, in ``[-2**(bits-1), 2**(bits-1))``; the last holds what
    remains (``|x| / 2**(bits (count-1))``, plus one at most).
    """
    half, mask = 1 << (bits - 1), (1 << bits) - 1
    limbs = []
    for _ in range(count - 1):
        low = ((x + half) & mask) - half
        limbs.append(low)
        x = (x - low) >> bits  # exact: x - low is a multiple of 2**bits
    limbs.append(x)
    return limbs


@njit(cache=True)
def range_flags(values):
    """``(all finite, any below float64's smallest normal in absolute value)``, one pass.

    A pre-screen for the float range checks: they run (and raise, with their messages) only
    when a flag says they have something to find.
    """
    tiny = np.finfo(np.float64).tiny
    bad: int | np.int64 = 0  # counted in int64 (the loop vectorises)
    small: int | np.int64 = 0
    flat = values.reshape(-1)
    for i in range(flat.size):  # counts, not branches: the loop vectorises
        a = abs(flat[i])
        bad += np.int64(not a <= 1.7976931348623157e308)  # inf or NaN (NaN compares false)
        small += np.int64(a < tiny)
    return bad == 0, small > 0
