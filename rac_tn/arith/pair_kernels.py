"""Compiled (numba) kernels for arithmetic modulo a prime, with lazy reduction.

Two arithmetic modes, chosen per prime by :func:`rac_tn.arith.modular.kernel_arith`:

- ``SMALL`` (``p < 2**31``): a product of residues is below ``2**62``, so four products add up
  in a ``uint64`` without overflow; a dot product pays one reduction per four terms. The
  reduction divides by a float64 reciprocal (the quotient is below ``2**33``, so the float
  estimate is off by at most one, fixed by one compare) instead of a 64-bit division.
- ``MONT`` (any odd ``p < 2**63``, including ``2**61 - 1``): Montgomery arithmetic with
  ``B = 2**64``. Products are accumulated exactly as 128-bit (hi, lo) pairs (32-bit halves,
  no 128-bit integers in numba), ``hi`` kept below ``p`` by subtracting ``p * 2**64``; a dot
  product pays one Montgomery reduction ``REDC(x) = x / B mod p``.

One convention makes both modes share every kernel: :func:`_dot` and :func:`_mul` return the
plain sum / product divided by ``B`` (``B = 1`` in ``SMALL``), so in every product one factor
is pre-scaled by ``B``: weights are passed times ``B`` (``hidden``, ``readout``) or ``B**2``
(input weights, whose results ``inp`` are then themselves ``B``-scaled for ``rec * inp``).
:class:`rac_tn.arith.modular.KernelWeights` prepares those arrays.

Every kernel is compiled twice from the same source: parallel (``prange`` over the outer
loop) and serial; the caller picks serial below a work size where threads cost more than they
save (:data:`rac_tn.arith.modular.PARALLEL_MIN_WORK`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn.arith.numba_setup import parallel_and_serial

SMALL = 0
MONT = 1
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S63 = np.uint64(63)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)


@njit(cache=True, inline="always")
def _mulhi(a, b):
    # high 64 bits of the 128-bit product a * b (32-bit halves)
    a0, a1 = a & _M32, a >> _S32
    b0, b1 = b & _M32, b >> _S32
    lo = a0 * b0
    m1 = a1 * b0
    m2 = a0 * b1
    mid = (lo >> _S32) + (m1 & _M32) + (m2 & _M32)
    return a1 * b1 + (m1 >> _S32) + (m2 >> _S32) + (mid >> _S32)


@njit(cache=True, inline="always")
def _redc(hi, lo, p, ninv):
    # (hi * 2**64 + lo) / 2**64 mod p, for hi < p; ninv = -1/p mod 2**64
    m = lo * ninv
    t = hi + _mulhi(m, p) + (_ONE if lo != _ZERO else _ZERO)
    if t >= p:
        t -= p
    return t


@njit(cache=True, inline="always")
def _reduce_small(acc, p, pinv):
    # acc mod p for acc < 4 p**2 (p < 2**31): float quotient, off by at most one
    q = np.uint64(np.float64(acc) * pinv)
    r = acc - q * p
    r += p & (_ZERO - (r >> _S63))  # wrapped below zero: q was one too large
    return r - (p & (_ZERO - np.uint64(r >= p)))


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
    # hidden (R*R, B-scaled), inputw (R*M, B^2-scaled), start (batch, R), inputs (batch, S, M)
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
    # a (n, k) @ b_t.T (b_t: (m, k)) / B mod p -> (n, m)
    n, inner = a.shape
    m = b_t.shape[0]
    out = np.empty((n, m), dtype=np.uint64)
    flat_b = b_t.ravel()
    for i in prange(n):
        row = a[i].copy()
        for j in range(m):
            out[i, j] = _dot(flat_b, j * inner, row, 0, inner, p, ninv, pinv, mode)
    return out


def _pair_outputs(start, drive_rows, drive_cols, from_cols, hidden, inputw, readout, p, ninv,
                  pinv, mode):  # fmt: skip
    # start (Kr, L*R); drive_* (K, S, R) B-scaled; hidden (L, R*R) B-scaled; inputw (L, R*R)
    # B^2-scaled (layer 0 unused); readout (R,) B-scaled. Output (Kr, Kc).
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    cols = drive_cols.shape[0]
    steps = from_cols.shape[0]
    out = np.empty((rows, cols), dtype=np.uint64)
    for i in prange(rows):
        h = np.empty(flat, dtype=np.uint64)
        new = np.empty(width, dtype=np.uint64)
        for j in range(cols):
            for q in range(flat):
                h[q] = start[i, q]
            for s in range(steps):
                for layer in range(depth):
                    base = layer * width
                    wh = hidden[layer]
                    wi = inputw[layer]
                    for r in range(width):
                        rec = _dot(wh, r * width, h, base, width, p, ninv, pinv, mode)
                        if layer == 0:
                            inp = drive_cols[j, s, r] if from_cols[s] else drive_rows[i, s, r]
                        else:
                            inp = _dot(wi, r * width, h, base - width, width, p, ninv, pinv, mode)
                        new[r] = _mul(rec, inp, p, ninv, pinv, mode)
                    for r in range(width):
                        h[base + r] = new[r]
            out[i, j] = _dot(readout, 0, h, (depth - 1) * width, width, p, ninv, pinv, mode)
    return out


def _layer1_maps(drive, hidden, after, p, ninv, pinv, mode):
    # Layer 1 is linear in its start state while only column inputs are read:
    # h^{1,s} = A_s h^{1,start}, A_s = diag(d_s) W^H A_{s-1}, A_0 = I. Returns after @ A_s for
    # every column part j and step s, (Kc, S, rows of after, R). drive B-scaled, hidden
    # (R*R) B-scaled; the output carries after's scaling divided by B.
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


def _pair_outputs_linear(start, maps, hidden, inputw, readout, p, ninv, pinv, mode):
    # As _pair_outputs when every remaining step reads the column part (L >= 2): layer 2's
    # input is maps[j, s] @ h^{1,start} (maps B-scaled), so layer 1 costs nothing per pair.
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    cols, steps = maps.shape[0], maps.shape[1]
    out = np.empty((rows, cols), dtype=np.uint64)
    for i in prange(rows):
        h = np.empty(flat, dtype=np.uint64)
        new = np.empty(width, dtype=np.uint64)
        for j in range(cols):
            for q in range(flat):
                h[q] = start[i, q]
            for s in range(steps):
                m = maps[j, s].ravel()
                for r in range(width):
                    rec = _dot(hidden[1], r * width, h, width, width, p, ninv, pinv, mode)
                    inp = _dot(m, r * width, h, 0, width, p, ninv, pinv, mode)
                    new[r] = _mul(rec, inp, p, ninv, pinv, mode)
                for r in range(width):
                    h[width + r] = new[r]
                for layer in range(2, depth):
                    base = layer * width
                    for r in range(width):
                        rec = _dot(hidden[layer], r * width, h, base, width, p, ninv, pinv, mode)
                        inp = _dot(inputw[layer], r * width, h, base - width, width, p, ninv,
                                   pinv, mode)  # fmt: skip
                        new[r] = _mul(rec, inp, p, ninv, pinv, mode)
                    for r in range(width):
                        h[base + r] = new[r]
            out[i, j] = _dot(readout, 0, h, (depth - 1) * width, width, p, ninv, pinv, mode)
    return out


# (parallel, serial) pairs
scan_layer = parallel_and_serial(_scan_layer)
matmul = parallel_and_serial(_matmul)
pair_outputs = parallel_and_serial(_pair_outputs)
layer1_maps = parallel_and_serial(_layer1_maps)
pair_outputs_linear = parallel_and_serial(_pair_outputs_linear)


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

_LANES = 64


@njit(cache=True, inline="always")
def _madd(acc, hi, w, x, lanes, p, mode):
    # acc[b] (with hi[b], MONT) += w * x[b]
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
def _settle(acc, hi, lanes, p, ninv, pinv, mode):
    # SMALL: reduce acc in place (allows four more products); MONT: nothing to do
    if mode == SMALL:
        for b in range(lanes):
            acc[b] = _reduce_small(acc[b], p, pinv)


@njit(cache=True, inline="always")
def _finish(out, acc, hi, lanes, p, ninv, pinv, mode):
    # out[b] = acc / B mod p; clears acc, hi
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
def _dot_lanes(out, acc, hi, w, wi, h, n, lanes, p, ninv, pinv, mode):
    # out[b] = sum_k w[wi + k] h[k, b] / B for a (n, lanes) block h
    for k in range(n):
        _madd(acc, hi, w[wi + k], h[k], lanes, p, mode)
        if (k & 3) == 3:
            _settle(acc, hi, lanes, p, ninv, pinv, mode)
    _finish(out, acc, hi, lanes, p, ninv, pinv, mode)


@njit(cache=True, inline="always")
def _mul_lanes(out, a, b_, lanes, p, ninv, pinv, mode):
    for b in range(lanes):
        out[b] = _mul(a[b], b_[b], p, ninv, pinv, mode)


@njit(cache=True, inline="always")
def _layer_lanes(h, base, wh, wi, below, rec, inp, acc, hi, width, lanes, p, ninv, pinv, mode):
    # one step of layer `base` (states h[base + r, :]) with input rows below[k, :]
    for r in range(width):
        _dot_lanes(rec[r], acc, hi, wh, r * width, h[base : base + width], width, lanes, p,
                   ninv, pinv, mode)  # fmt: skip
        _dot_lanes(inp, acc, hi, wi, r * width, below, width, lanes, p, ninv, pinv, mode)
        _mul_lanes(rec[r], rec[r], inp, lanes, p, ninv, pinv, mode)
    for r in range(width):
        for b in range(lanes):
            h[base + r, b] = rec[r, b]


def _pair_outputs_linear_lanes(start, maps_t, hidden, inputw, readout, p, ninv, pinv, mode):
    # _pair_outputs_linear with the column parts as SIMD lanes: maps_t (S, R*R, Kc)
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    steps, cols = maps_t.shape[0], maps_t.shape[2]
    out = np.empty((rows, cols), dtype=np.uint64)
    nblocks = (cols + _LANES - 1) // _LANES
    for task in prange(rows * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, cols - j0)
        h = np.empty((flat, _LANES), dtype=np.uint64)
        rec = np.empty((width, _LANES), dtype=np.uint64)
        inp = np.empty(_LANES, dtype=np.uint64)
        acc = np.zeros(_LANES, dtype=np.uint64)
        hi = np.zeros(_LANES, dtype=np.uint64)
        res = np.empty(_LANES, dtype=np.uint64)
        for q in range(flat):
            for b in range(lanes):
                h[q, b] = start[i, q]
        for s in range(steps):
            # layer 2: inp = maps[j, s] @ h^{1,start}[i] (a scalar row per k), rec = W^H h
            for r in range(width):
                _dot_lanes(rec[r], acc, hi, hidden[1], r * width, h[width : 2 * width], width,
                           lanes, p, ninv, pinv, mode)  # fmt: skip
                for k in range(width):
                    _madd(acc, hi, start[i, k], maps_t[s, r * width + k, j0:], lanes, p, mode)
                    if (k & 3) == 3:
                        _settle(acc, hi, lanes, p, ninv, pinv, mode)
                _finish(inp, acc, hi, lanes, p, ninv, pinv, mode)
                _mul_lanes(rec[r], rec[r], inp, lanes, p, ninv, pinv, mode)
            for r in range(width):
                for b in range(lanes):
                    h[width + r, b] = rec[r, b]
            for layer in range(2, depth):
                base = layer * width
                _layer_lanes(h, base, hidden[layer], inputw[layer], h[base - width : base], rec,
                             inp, acc, hi, width, lanes, p, ninv, pinv, mode)  # fmt: skip
        _dot_lanes(res, acc, hi, readout, 0, h[(depth - 1) * width :], width, lanes, p, ninv,
                   pinv, mode)  # fmt: skip
        for b in range(lanes):
            out[i, j0 + b] = res[b]
    return out


def _pair_outputs_lanes(start, drive_rows, drive_cols_t, from_cols, hidden, inputw, readout, p,
                        ninv, pinv, mode):  # fmt: skip
    # _pair_outputs with the column parts as SIMD lanes: drive_cols_t (S, R, Kc)
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    steps, cols = drive_cols_t.shape[0], drive_cols_t.shape[2]
    out = np.empty((rows, cols), dtype=np.uint64)
    nblocks = (cols + _LANES - 1) // _LANES
    for task in prange(rows * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, cols - j0)
        h = np.empty((flat, _LANES), dtype=np.uint64)
        rec = np.empty((width, _LANES), dtype=np.uint64)
        inp = np.empty(_LANES, dtype=np.uint64)
        acc = np.zeros(_LANES, dtype=np.uint64)
        hi = np.zeros(_LANES, dtype=np.uint64)
        res = np.empty(_LANES, dtype=np.uint64)
        for q in range(flat):
            for b in range(lanes):
                h[q, b] = start[i, q]
        for s in range(steps):
            for r in range(width):
                _dot_lanes(rec[r], acc, hi, hidden[0], r * width, h[:width], width, lanes, p,
                           ninv, pinv, mode)  # fmt: skip
                if from_cols[s]:
                    _mul_lanes(rec[r], rec[r], drive_cols_t[s, r, j0:], lanes, p, ninv, pinv,
                               mode)  # fmt: skip
                else:
                    d = drive_rows[i, s, r]
                    for b in range(lanes):
                        rec[r, b] = _mul(rec[r, b], d, p, ninv, pinv, mode)
            for r in range(width):
                for b in range(lanes):
                    h[r, b] = rec[r, b]
            for layer in range(1, depth):
                base = layer * width
                _layer_lanes(h, base, hidden[layer], inputw[layer], h[base - width : base], rec,
                             inp, acc, hi, width, lanes, p, ninv, pinv, mode)  # fmt: skip
        _dot_lanes(res, acc, hi, readout, 0, h[(depth - 1) * width :], width, lanes, p, ninv,
                   pinv, mode)  # fmt: skip
        for b in range(lanes):
            out[i, j0 + b] = res[b]
    return out


pair_outputs_lanes = parallel_and_serial(_pair_outputs_lanes)
pair_outputs_linear_lanes = parallel_and_serial(_pair_outputs_linear_lanes)


def _matmul_lanes(a, b, p, ninv, pinv, mode):
    # a (n, k) @ b (k, m) / B mod p, the columns of b as SIMD lanes
    n, inner = a.shape
    m = b.shape[1]
    out = np.empty((n, m), dtype=np.uint64)
    nblocks = (m + _LANES - 1) // _LANES
    for task in prange(n * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, m - j0)
        acc = np.zeros(_LANES, dtype=np.uint64)
        hi = np.zeros(_LANES, dtype=np.uint64)
        res = np.empty(_LANES, dtype=np.uint64)
        for k in range(inner):
            _madd(acc, hi, a[i, k], b[k, j0:], lanes, p, mode)
            if (k & 3) == 3:
                _settle(acc, hi, lanes, p, ninv, pinv, mode)
        _finish(res, acc, hi, lanes, p, ninv, pinv, mode)
        for q in range(lanes):
            out[i, j0 + q] = res[q]
    return out


matmul_lanes = parallel_and_serial(_matmul_lanes)
