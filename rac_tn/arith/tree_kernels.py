"""Compiled (numba) kernels for grid tensors: the deep float prefix walk, exact L = 1 products.

**Deep float grid tensor** (:func:`grid_deep`, L >= 2). The prefix tree of template sequences
is walked in blocks: the states of the ``N**t0`` prefixes of length ``t0 = T - 1 - k`` are
computed level by level, then each of those prefixes is expanded ``k`` more levels inside a
cache-sized block and its ``N**(k+1)`` outputs are written. Inside a block the states are held
"structure of arrays", ``(L, R, P)`` with the ``P`` prefixes of a level contiguous, so every
inner loop runs over prefixes and vectorises; no level's states ever leave the cache, and the
only large write is the output itself. Children are stored symbol-major (child ``d * P + p``
of prefix ``p``), which keeps the loops contiguous and numbers a level's prefixes with their
digits reversed; :func:`_reversed_digits` maps them back when the outputs are written.

The last step is linear in ``f_T``: with ``a_l = W^{H,l} h^{l,T-1}``, ``y_c = v_1 . drive_n``
where ``v_L = W^O_c diag(a_L)`` and ``v_{l-1} = (v_l W^{I,l}) diag(a_{l-1})``, so the ``N``
children of a prefix cost one backward pass, whose first product ``v_L W^{I,L}`` is one
precomputed matrix applied to ``h^{L,T-1}``.

**Exact L = 1 products** (:func:`matmul_mod_split`). ``grid_tensor_mod`` at L = 1 meets prefix
states and suffix functionals in one product of residue matrices. For ``p < 2**31`` it runs as
float64 matrix products (BLAS), exactly: residues are taken balanced (``|a| <= p / 2 < 2**30``)
and the right factor split as ``b = b_1 2**15 + b_0`` with ``|b_0| <= 2**14``, ``|b_1| <=
2**15``, so every product is below ``2**45`` in absolute value and a sum of at most
:data:`SPLIT_MAX_INNER` of them below ``2**53``: every partial sum is an integer float64
represents exactly, in any summation order. :func:`_combine` reduces the two sums modulo
``p`` in ``int64``.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

#: Inner dimension of one exact split product: 256 * 2**45 = 2**53.
SPLIT_MAX_INNER = 256
SPLIT_SHIFT = 15
#: Prefixes per block level (``N**k <= BLOCK_PREFIXES``): L * R * 3 doubles each stay in L2.
BLOCK_PREFIXES = 512
# fused multiply-adds only: NaN and inf still propagate (the float range checks read them)
_MATH = {"contract"}


@njit(cache=True, inline="always")
def _axpy(y, w, x, n):
    """``y[:n] += w * x[:n]`` on contiguous rows (the loop LLVM vectorises)."""
    for p in range(n):
        y[p] += w * x[p]


@njit(cache=True, inline="always")
def _matrows(out, w, x, inner, n):
    """``out[i, :n] = sum_m w[i, m] x[m, :n]``, one contiguous row at a time."""
    for i in range(out.shape[0]):
        row = out[i]
        for p in range(n):
            row[p] = 0.0
        for m in range(inner):
            _axpy(row, w[i, m], x[m], n)


@njit(cache=True, fastmath=_MATH)
def _expand(h, P, wh, wi, drive, rec, new):
    """States of the ``P * N`` children of ``P`` prefixes (columns of ``h``), into ``new``."""
    L, R = h.shape[0], h.shape[1]
    N = drive.shape[0]
    Q = P * N
    for layer in range(L):
        _matrows(rec, wh[layer], h[layer], R, P)  # rec = W^H h, once per prefix
        nl = new[layer]
        if layer == 0:
            for i in range(R):
                row, rr = nl[i], rec[i]
                for d in range(N):
                    dv = drive[d, i]
                    for p in range(P):
                        row[d * P + p] = rr[p] * dv
            continue
        _matrows(nl, wi[layer], new[layer - 1], R, Q)  # inp = W^{I,l} h^{l-1} of each child
        for i in range(R):  # times rec of its parent
            row, rr = nl[i], rec[i]
            for d in range(N):
                for p in range(P):
                    row[d * P + p] *= rr[p]


@njit(cache=True, fastmath=_MATH)
def _fold(h, P, wh, wi, fold, drive, order, out, base, rec, v, u):
    """Outputs of the ``N`` children of each of ``P`` prefixes (the last step, folded).

    ``fold[c]`` is ``W^{I,L}^T diag(W^O_c) W^{H,L}``: ``v_L W^{I,L} = fold[c] h^L`` in one
    product, so the last layer's ``a_L`` is never formed.
    """
    L, R = h.shape[0], h.shape[1]
    N, C = drive.shape[0], fold.shape[0]
    for layer in range(L - 1):
        _matrows(rec[layer], wh[layer], h[layer], R, P)
    for c in range(C):
        _matrows(u, fold[c], h[L - 1], R, P)
        for layer in range(L - 2, -1, -1):  # v_l = u diag(a_l); u <- v_l W^{I,l}
            for i in range(R):
                vi, ui, ri = v[i], u[i], rec[layer, i]
                for p in range(P):
                    vi[p] = ui[p] * ri[p]
            if layer > 0:
                _matrows(u, wi[layer].T, v, R, P)
        y = u[0]
        for n in range(N):
            _matrows(u[:1], drive[n : n + 1], v, R, P)
            for p in range(P):
                out[(base + order[p] * N + n) * C + c] = y[p]


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
def _blocks(top, b0, b1, k, wh, wi, fold, drive, order_top, order_k, out):
    """Top prefixes ``b0 .. b1 - 1``, each expanded ``k`` levels in one set of block buffers."""
    L, R = top.shape[0], top.shape[1]
    N = drive.shape[0]
    width = N**k
    span = N ** (k + 1)
    buf = np.empty((2, L, R, width))
    rec = np.empty((L, R, width))
    v = np.empty((R, width))
    u = np.empty((R, width))
    for b in range(b0, b1):
        cur, nxt = buf[0], buf[1]
        for layer in range(L):
            for i in range(R):
                cur[layer, i, 0] = top[layer, i, b]
        P = 1
        for _ in range(k):
            _expand(cur, P, wh, wi, drive, rec[0], nxt)
            cur, nxt = nxt, cur
            P *= N
        _fold(cur, P, wh, wi, fold, drive, order_k, out, order_top[b] * span, rec, v, u)


@njit(cache=True)
def _top_states(h0, t0, wh, wi, drive):
    """States ``(L, R, N**t0)`` of the top prefixes (columns symbol-major), level by level."""
    L, R = h0.shape
    N = drive.shape[0]
    top = np.empty((L, R, 1))
    top[:, :, 0] = h0
    P = 1
    for _ in range(t0):
        nxt = np.empty((L, R, P * N))
        rec = np.empty((R, P))
        _expand(top, P, wh, wi, drive, rec, nxt)
        top = nxt
        P *= N
    return top


# Two functions, not one compiled twice: numba's cache keys on the function, not on
# parallel=, so one source compiled both ways would load whichever was cached first.
@njit(cache=True, parallel=True)
def _walk_parallel(top, k, wh, wi, fold, drive, order_top, order_k, out, chunks):
    count = top.shape[2]
    chunks = min(count, chunks)  # buffers allocated once per chunk
    for c in prange(chunks):
        b0, b1 = c * count // chunks, (c + 1) * count // chunks
        _blocks(top, b0, b1, k, wh, wi, fold, drive, order_top, order_k, out)


@njit(cache=True)
def _walk_serial(top, k, wh, wi, fold, drive, order_top, order_k, out, chunks):  # chunks unused
    _blocks(top, 0, top.shape[2], k, wh, wi, fold, drive, order_top, order_k, out)


#: Output entries from which the deep walk runs on all numba threads (smaller: serial).
#: Measured on 2 cores under load from other processes: a parallel call cost 6-14 ms more
#: than its work at 2^14 and 2^17 entries (threads wait for a core) and was 1.0-1.3x faster
#: at 2^20 (20-40 ms of work); never run threads where that fixed cost can dominate.
PARALLEL_MIN_ENTRIES = 1 << 20


def runs_parallel(entries: int) -> bool:
    """Whether a grid kernel writing ``entries`` outputs should run on all numba threads."""
    return entries >= PARALLEL_MIN_ENTRIES and numba.get_num_threads() > 1


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
    N = drive.shape[0]
    k = 0
    while k < T - 1 and N ** (k + 1) <= BLOCK_PREFIXES:
        k += 1
    out = np.empty(N**T * wo.shape[0])
    # W^{I,L}^T diag(W^O_c) W^{H,L} per class (see _fold)
    fold = np.ascontiguousarray(np.einsum("mi,cm,mj->cij", wi[-1], wo, wh[-1]))
    top = _top_states(h0, T - 1 - k, wh, wi, drive)
    walk = _walk_parallel if parallel else _walk_serial
    orders = _reversed_digits(N, T - 1 - k), _reversed_digits(N, k)
    walk(top, k, wh, wi, fold, drive, *orders, out, 8 * numba.get_num_threads())
    return out


@njit(cache=True, inline="always")
def _reduce(x, p, pinv):
    """``x mod p`` for an integer ``|x| <= 2**53`` (``int64``): a float quotient, one fix-up.

    No 64-bit division (tens of cycles), no loop (the caller's loop vectorises): ``x`` and
    ``pinv = 1/p`` are within ``2**-53`` of exact, so ``x * pinv`` is within
    ``|x / p| 2**-52 < 1`` of ``x / p`` (``|x / p| < 2**52`` as ``p >= 3``); its floor is the
    true quotient or one away, and ``r`` lands in ``[-p, 2p)``.
    """
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

    Exact: see the module docstring (balanced residues, one factor split in two 15-bit
    halves, inner dimension in chunks of :data:`SPLIT_MAX_INNER`). The halves of ``right``
    sit side by side, so each row block is one BLAS call.

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
