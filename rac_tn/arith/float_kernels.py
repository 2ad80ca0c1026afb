"""Pair kernels in float64 for primes below ``2**21`` (the first attempt's primes).

A residue of such a prime is below ``2**21``, a product of two below ``2**42``, so a float64 sum
of up to ``2**11`` products is an exact integer (below ``2**53``): a dot product of R terms
(``R <= 2048``) is a run of float64 fused multiply-adds reduced once, by a floating quotient
(:func:`rac_tn.arith.elimination._mod`). Float64 multiply-adds vectorise to twice the width of the
``uint64`` products of :mod:`rac_tn.arith.pair_kernels` (which have no 64-bit SIMD multiply before
AVX-512). Same layout and results as :func:`rac_tn.arith.pair_kernels._pair_outputs_linear_lanes`,
with
plain residues (``B = 1``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn.arith.elimination import _mod
from rac_tn.arith.numba_setup import parallel_and_serial

#: Primes below this (and widths R up to :data:`MAX_WIDTH`) may use these kernels.
FLOAT_PRIME_LIMIT = 1 << 21
MAX_WIDTH = 2048
_LANES = 64


@njit(cache=True, inline="always")
def _dot2(acc_a, acc_b, wa, wa0, ha, wb, wb0, hb, n, lanes, p, pinv):
    # acc_a[b] = sum_k wa[wa0 + k] ha[k, b] mod p, and likewise acc_b (both exact sums)
    for b in range(lanes):
        acc_a[b] = 0.0
        acc_b[b] = 0.0
    for k in range(n):
        x = wa[wa0 + k]
        y = wb[wb0 + k]
        for b in range(lanes):
            acc_a[b] += x * ha[k, b]
            acc_b[b] += y * hb[k, b]
    for b in range(lanes):
        acc_a[b] = _mod(_mod(acc_a[b], p, pinv) * _mod(acc_b[b], p, pinv), p, pinv)


def _pair_linear_float(start, maps_t, hidden, inputw, readout, p, pinv):
    # start (Kr, L*R); maps_t (S, R*R, Kc): layer 2's input map per step and column part;
    # hidden (L, R*R), inputw (L, R*R) (layer 0 unused), readout (R,): float64 residues
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    steps, cols = maps_t.shape[0], maps_t.shape[2]
    out = np.empty((rows, cols))
    nblocks = (cols + _LANES - 1) // _LANES
    for task in prange(rows * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, cols - j0)
        h = np.empty((flat, _LANES))
        rec = np.empty((width, _LANES))
        other = np.empty(_LANES)
        for q in range(flat):
            for b in range(lanes):
                h[q, b] = start[i, q]
        for s in range(steps):
            # layer 2: rec = W^H h2, inp = maps[j, s] @ h1 (h1: the row part's start)
            for r in range(width):
                for b in range(lanes):
                    rec[r, b] = 0.0
                    other[b] = 0.0
                for k in range(width):
                    x = hidden[1, r * width + k]
                    y = start[i, k]
                    for b in range(lanes):
                        rec[r, b] += x * h[width + k, b]
                        other[b] += y * maps_t[s, r * width + k, j0 + b]
                for b in range(lanes):
                    rec[r, b] = _mod(_mod(rec[r, b], p, pinv) * _mod(other[b], p, pinv), p, pinv)
            for r in range(width):
                for b in range(lanes):
                    h[width + r, b] = rec[r, b]
            for layer in range(2, depth):
                base = layer * width
                for r in range(width):
                    _dot2(rec[r], other, hidden[layer], r * width, h[base : base + width],
                          inputw[layer], r * width, h[base - width : base], width, lanes, p,
                          pinv)  # fmt: skip
                for r in range(width):
                    for b in range(lanes):
                        h[base + r, b] = rec[r, b]
        last = (depth - 1) * width
        for b in range(lanes):
            other[b] = 0.0
        for k in range(width):
            x = readout[k]
            for b in range(lanes):
                other[b] += x * h[last + k, b]
        for b in range(lanes):
            out[i, j0 + b] = _mod(other[b], p, pinv)
    return out


# (parallel, serial)
def _pair_general_float(start, drive_rows, drive_cols_t, from_cols, hidden, inputw, readout, p,
                        pinv):  # fmt: skip
    # As _kernels._pair_outputs_lanes: drive_rows (Kr, S, R), drive_cols_t (S, R, Kc) are
    # layer 1's input drives W^I x; step s reads the column part where from_cols[s]
    rows, flat = start.shape
    depth = hidden.shape[0]
    width = flat // depth
    steps, cols = drive_cols_t.shape[0], drive_cols_t.shape[2]
    out = np.empty((rows, cols))
    nblocks = (cols + _LANES - 1) // _LANES
    for task in prange(rows * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, cols - j0)
        h = np.empty((flat, _LANES))
        rec = np.empty((width, _LANES))
        other = np.empty(_LANES)
        for q in range(flat):
            for b in range(lanes):
                h[q, b] = start[i, q]
        for s in range(steps):
            for r in range(width):
                for b in range(lanes):
                    rec[r, b] = 0.0
                for k in range(width):
                    x = hidden[0, r * width + k]
                    for b in range(lanes):
                        rec[r, b] += x * h[k, b]
                if from_cols[s]:
                    for b in range(lanes):
                        d = drive_cols_t[s, r, j0 + b]
                        rec[r, b] = _mod(_mod(rec[r, b], p, pinv) * d, p, pinv)
                else:
                    d = drive_rows[i, s, r]
                    for b in range(lanes):
                        rec[r, b] = _mod(_mod(rec[r, b], p, pinv) * d, p, pinv)
            for r in range(width):
                for b in range(lanes):
                    h[r, b] = rec[r, b]
            for layer in range(1, depth):
                base = layer * width
                for r in range(width):
                    _dot2(rec[r], other, hidden[layer], r * width, h[base : base + width],
                          inputw[layer], r * width, h[base - width : base], width, lanes, p,
                          pinv)  # fmt: skip
                for r in range(width):
                    for b in range(lanes):
                        h[base + r, b] = rec[r, b]
        last = (depth - 1) * width
        for b in range(lanes):
            other[b] = 0.0
        for k in range(width):
            x = readout[k]
            for b in range(lanes):
                other[b] += x * h[last + k, b]
        for b in range(lanes):
            out[i, j0 + b] = _mod(other[b], p, pinv)
    return out


# fastmath: every sum and product here is an exact integer below 2**53, so reordering and
# fusing them changes nothing (the quotient in _mod is an estimate, corrected either way)
pair_linear_float = parallel_and_serial(_pair_linear_float, fastmath=True)
pair_general_float = parallel_and_serial(_pair_general_float, fastmath=True)


__all__ = ["FLOAT_PRIME_LIMIT", "MAX_WIDTH", "pair_general_float", "pair_linear_float"]
