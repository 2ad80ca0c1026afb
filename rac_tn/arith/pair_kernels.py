"""Compiled (numba) kernels for residues modulo a prime: scans, products and the pair kernel.

Modes ``SMALL`` (``uint64``, ``p < 2**31``), ``MONT`` (``uint64``, Montgomery, ``p < 2**63``) and
``FLOAT`` (``float64``, ``p <`` :data:`FLOAT_PRIME_LIMIT`); products return ``a b / B``. The
documentation's "Exact arithmetic" page explains both.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn.arith.numba_setup import parallel_and_serial

SMALL = 0
MONT = 1
FLOAT = 2
#: Primes below this (and widths R up to :data:`MAX_WIDTH`) may use the float64 pair kernel.
FLOAT_PRIME_LIMIT = 1 << 21
MAX_WIDTH = 2048
_LANES = 64
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S63 = np.uint64(63)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)


@njit(cache=True, inline="always")
def _mulhi(a, b):
    """High 64 bits of the 128-bit product ``a * b`` (from 32-bit halves)."""
    a0, a1 = a & _M32, a >> _S32
    b0, b1 = b & _M32, b >> _S32
    lo = a0 * b0
    m1 = a1 * b0
    m2 = a0 * b1
    mid = (lo >> _S32) + (m1 & _M32) + (m2 & _M32)
    return a1 * b1 + (m1 >> _S32) + (m2 >> _S32) + (mid >> _S32)


@njit(cache=True, inline="always")
def _redc(hi, lo, p, ninv):
    """``(hi 2**64 + lo) / 2**64 mod p`` for ``hi < p`` (``ninv = -1/p mod 2**64``)."""
    m = lo * ninv
    t = hi + _mulhi(m, p) + (_ONE if lo != _ZERO else _ZERO)
    if t >= p:
        t -= p
    return t


@njit(cache=True, inline="always")
def _reduce_small(acc, p, pinv):
    """``acc mod p`` for ``acc < 4 p**2`` (``p < 2**31``): a float quotient, one fix-up."""
    q = np.uint64(np.float64(acc) * pinv)
    r = acc - q * p
    r += p & (_ZERO - (r >> _S63))  # wrapped below zero: q was one too large
    return r - (p & (_ZERO - np.uint64(r >= p)))


@njit(cache=True, inline="always")
def _mod(x, p, pinv):
    """``x mod p`` for an integer float64 ``|x| < 2**53`` (a float quotient, two fix-ups)."""
    r = x - np.floor(x * pinv) * p
    r += p * (r < 0.0)  # branch-free, so loops over it vectorise
    r -= p * (r >= p)
    return r


@njit(cache=True, inline="always")
def _mul(a, b, p, ninv, pinv, mode):
    """``a * b / B mod p`` (``B = 1`` in SMALL, ``2**64`` in MONT)."""
    if mode == SMALL:
        return _reduce_small(a * b, p, pinv)
    return _redc(_mulhi(a, b), a * b, p, ninv)


@njit(cache=True, inline="always")
def _dot(w, wi, h, hi_, n, p, ninv, pinv, mode):
    """``sum_k w[wi + k] h[hi_ + k] / B mod p`` over ``k < n`` (flat arrays and offsets)."""
    if mode == SMALL:
        acc = _ZERO
        for k in range(n):
            acc += w[wi + k] * h[hi_ + k]
            if (k & 3) == 3:
                acc = _reduce_small(acc, p, pinv)
        return _reduce_small(acc, p, pinv)
    hi = _ZERO
    lo = _ZERO
    for k in range(n):
        a = w[wi + k]
        b = h[hi_ + k]
        pl = a * b
        lo += pl
        hi += _mulhi(a, b) + (_ONE if lo < pl else _ZERO)
        if hi >= p:
            hi -= p
    return _redc(hi, lo, p, ninv)


def _scan_layer(hidden, inputw, start, inputs, p, ninv, pinv, mode):
    """All states ``(batch, S, R)`` of one layer (``hidden`` B-, ``inputw`` B**2-scaled)."""
    batch, steps, in_dim = inputs.shape
    width = start.shape[1]
    out = np.empty((batch, steps, width), dtype=np.uint64)
    for b in prange(batch):
        h = start[b].copy()
        new = np.empty(width, dtype=np.uint64)
        x = np.empty(in_dim, dtype=np.uint64)
        for t in range(steps):
            for k in range(in_dim):
                x[k] = inputs[b, t, k]
            for r in range(width):
                rec = _dot(hidden, r * width, h, 0, width, p, ninv, pinv, mode)
                inp = _dot(inputw, r * in_dim, x, 0, in_dim, p, ninv, pinv, mode)
                new[r] = _mul(rec, inp, p, ninv, pinv, mode)
            for r in range(width):
                h[r] = new[r]
                out[b, t, r] = new[r]
    return out


def _matmul(a, b_t, p, ninv, pinv, mode):
    """``a @ b_t.T / B mod p`` by dot products (``b_t`` is ``(m, k)``)."""
    n, inner = a.shape
    m = b_t.shape[0]
    out = np.empty((n, m), dtype=np.uint64)
    flat_b = b_t.ravel()
    for i in prange(n):
        row = a[i].copy()
        for j in range(m):
            out[i, j] = _dot(flat_b, j * inner, row, 0, inner, p, ninv, pinv, mode)
    return out


def _layer1_maps(drive, hidden, after, p, ninv, pinv, mode):
    """``after @ A_s`` for every column part and step, ``A_s = diag(d_s) W^H A_{s-1}``."""
    cols, steps, width = drive.shape
    rows = after.shape[0] // width
    out = np.empty((cols, steps, rows, width), dtype=np.uint64)
    for j in prange(cols):
        a_t = np.zeros(width * width, dtype=np.uint64)  # A transposed: a_t[c*R + k] = A[k, c]
        for r in range(width):
            a_t[r * width + r] = np.uint64(1)
        tmp = np.empty(width * width, dtype=np.uint64)
        for s in range(steps):
            for c in range(width):
                for r in range(width):
                    acc = _dot(hidden, r * width, a_t, c * width, width, p, ninv, pinv, mode)
                    tmp[c * width + r] = _mul(drive[j, s, r], acc, p, ninv, pinv, mode)
            for q in range(width * width):
                a_t[q] = tmp[q]
            for r in range(rows):
                for c in range(width):
                    out[j, s, r, c] = _dot(after, r * width, a_t, c * width, width, p, ninv,
                                           pinv, mode)  # fmt: skip
    return out


# (parallel, serial) pairs
scan_layer = parallel_and_serial(_scan_layer)
matmul = parallel_and_serial(_matmul)
layer1_maps = parallel_and_serial(_layer1_maps)


@njit(cache=True)
def mulmod_floor(x, y, reps, p, ninv, pinv, mode):
    """The machine's mulmod rate: ``reps`` passes of ``x[b] = x[b] * y[b] / B mod p``.

    Independent element-wise modular products over ``x`` (vectorised by LLVM like the lane
    kernels): the rate the pair kernels are measured against (``benchmarks/bench_kernels.py``).
    Returns ``x`` (the products, so nothing is optimised away).
    """
    n = x.shape[0]
    for _ in range(reps):
        for b in range(n):
            x[b] = _mul(x[b], y[b], p, ninv, pinv, mode)
    return x


@njit(cache=True)
def multiply_add_floor(x, y, reps):
    """Plain wrapping ``uint64`` multiply-adds (no reduction): the physical floor."""
    n = x.shape[0]
    acc = np.zeros(n, dtype=np.uint64)
    for _ in range(reps):
        for b in range(n):
            acc[b] += x[b] * y[b]
        y[0] += acc[0]
    return acc


# -- lane kernels: one row part against a block of column parts, vectorised over the block ----


@njit(cache=True, inline="always")
def _madd(acc, hi, w, x, lanes, p, mode):
    """``acc[b] += w * x[b]`` (MONT: the exact 128-bit sum, high words in ``hi``)."""
    if mode == SMALL:
        for b in range(lanes):
            acc[b] += w * x[b]
    else:
        for b in range(lanes):
            a = x[b]
            pl = w * a
            lo = acc[b] + pl
            h = hi[b] + _mulhi(w, a) + np.uint64(lo < pl)
            hi[b] = h - (p & (_ZERO - np.uint64(h >= p)))
            acc[b] = lo


@njit(cache=True, inline="always")
def _settle(acc, lanes, p, pinv, mode):
    """SMALL: reduce ``acc`` in place (room for four more products); MONT: nothing."""
    if mode == SMALL:
        for b in range(lanes):
            acc[b] = _reduce_small(acc[b], p, pinv)


@njit(cache=True, inline="always")
def _finish(out, acc, hi, lanes, p, ninv, pinv, mode):
    """``out[b] = acc[b] / B mod p``, clearing ``acc`` and ``hi``."""
    if mode == SMALL:
        for b in range(lanes):
            out[b] = _reduce_small(acc[b], p, pinv)
            acc[b] = _ZERO
    else:
        for b in range(lanes):
            out[b] = _redc(hi[b], acc[b], p, ninv)
            acc[b] = _ZERO
            hi[b] = _ZERO


@njit(cache=True, inline="always")
def _dot_lanes(out, w, w0, x, x0, j0, n, lanes, work, ar):
    """``out[b] = sum_k w[w0 + k] x[x0 + k, j0 + b] / B mod p`` for ``b < lanes``."""
    p, ninv, pinv, mode = ar
    if isinstance(p, float):  # FLOAT (a compile-time branch): an exact sum, reduced once
        for b in range(lanes):
            out[b] = 0.0
        for k in range(n):
            c = w[w0 + k]
            row = x[x0 + k]
            for b in range(lanes):
                out[b] += c * row[j0 + b]
        for b in range(lanes):
            out[b] = _mod(out[b], p, pinv)
    else:  # work[0], work[1]: the zeroed sums
        acc, hi = work[0], work[1]
        for k in range(n):
            _madd(acc, hi, w[w0 + k], x[x0 + k, j0:], lanes, p, mode)
            if (k & 3) == 3:
                _settle(acc, lanes, p, pinv, mode)
        _finish(out, acc, hi, lanes, p, ninv, pinv, mode)


@njit(cache=True, inline="always")
def _mul_lanes(out, x, lanes, ar):
    """``out[b] = out[b] x[b] / B mod p`` for ``b < lanes``."""
    p, ninv, pinv, mode = ar
    if isinstance(p, float):
        for b in range(lanes):
            out[b] = _mod(out[b] * x[b], p, pinv)
    else:
        for b in range(lanes):
            out[b] = _mul(out[b], x[b], p, ninv, pinv, mode)


def _pair_lanes(start, drive_rows, cols_t, from_cols, first, hidden, inputw, readout, p, ninv,
                pinv, mode):  # fmt: skip
    """``y`` of every (row part, column part) pair: see :data:`pair_lanes`."""
    ar = (p, ninv, pinv, mode)
    dtype = start.dtype
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    steps, cols = cols_t.shape[0], cols_t.shape[2]
    out = np.empty((rows, cols), dtype=dtype)
    nblocks = (cols + _LANES - 1) // _LANES
    for task in prange(rows * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, cols - j0)
        h = np.empty((flat, _LANES), dtype=dtype)  # every layer's state, one column per lane
        rec = np.empty((width, _LANES), dtype=dtype)
        work = np.zeros((3, _LANES), dtype=dtype)  # two sums (uint64) and the input
        inp = work[2]
        for q in range(flat):
            for b in range(lanes):
                h[q, b] = start[i, q]
        for s in range(steps):
            for layer in range(first, depth):
                base = layer * width
                for r in range(width):
                    row = r * width
                    _dot_lanes(rec[r], hidden[layer], row, h, base, 0, width, lanes, work, ar)
                    if layer > first:  # the new state of the layer below
                        _dot_lanes(inp, inputw[layer], row, h, base - width, 0, width, lanes,
                                   work, ar)  # fmt: skip
                        _mul_lanes(rec[r], inp, lanes, ar)
                    elif first == 1:  # maps[j, s] @ h^{1,start}
                        _dot_lanes(inp, start[i], 0, cols_t[s], row, j0, width, lanes, work, ar)
                        _mul_lanes(rec[r], inp, lanes, ar)
                    elif from_cols[s]:  # layer 1's drive from the column part
                        _mul_lanes(rec[r], cols_t[s, r, j0:], lanes, ar)
                    else:  # ... or from the row part
                        inp[:lanes] = drive_rows[i, s, r]
                        _mul_lanes(rec[r], inp, lanes, ar)
                for r in range(width):
                    for b in range(lanes):
                        h[base + r, b] = rec[r, b]
        _dot_lanes(inp, readout, 0, h, (depth - 1) * width, 0, width, lanes, work, ar)
        for b in range(lanes):
            out[i, j0 + b] = inp[b]
    return out


#: ``(parallel, serial)`` pair kernel: ``y`` for every (row part ``i``, column part ``j``).
#:
#: ``start`` ``(Kr, L*R)``: the states after the shared prefix; ``hidden`` ``(L, R*R)``,
#: ``inputw`` ``(L, R*R)`` (layer 0 unused), ``readout`` ``(R,)``; ``cols_t`` ``(S, X, Kc)``.
#: ``first = 0``: ``cols_t[s, r, j]`` (``X = R``) and ``drive_rows[i, s, r]`` are layer 1's
#: input drives, read from the columns where ``from_cols[s]``. ``first = 1`` (L >= 2, every
#: step reads the columns): ``cols_t[s, :, j]`` (``X = R*R``) is layer 2's input map, layer 1
#: is not stepped. ``uint64`` arrays (scaled as :class:`~rac_tn.arith.modular.ScaledWeights`)
#: with ``Arith.args``, or ``float64`` plain residues with ``(p, 0, 1/p, FLOAT)``.
#: fastmath: the float64 sums are exact integers below ``2**53``, in any order.
pair_lanes = parallel_and_serial(_pair_lanes, fastmath=True)


def _matmul_lanes(a, b, p, ninv, pinv, mode):
    """``a @ b / B mod p``, the columns of ``b`` as SIMD lanes."""
    ar = (p, ninv, pinv, mode)
    n, inner = a.shape
    m = b.shape[1]
    out = np.empty((n, m), dtype=np.uint64)
    nblocks = (m + _LANES - 1) // _LANES
    for task in prange(n * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, m - j0)
        work = np.zeros((3, _LANES), dtype=np.uint64)
        _dot_lanes(work[2], a[i], 0, b, 0, j0, inner, lanes, work, ar)
        for q in range(lanes):
            out[i, j0 + q] = work[2, q]
    return out


matmul_lanes = parallel_and_serial(_matmul_lanes)
