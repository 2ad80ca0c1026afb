"""Compiled pair kernel for stacks of sparse CP layers (the second-order families' own steps).

A family layer (:class:`~rac_tn.models.BilinearLayer`) is ``h~' = C[(A^T h~) * (B^T u)]`` with
factors that are mostly zeros: a dense 2RNN core expands to unit columns in two factors, and the
affine terms of a CP-2RNN or MIRNN are unit vectors and single rows. :func:`family_pairs` steps
such layers with the factors stored sparse (compressed by term for ``A`` and ``B``, by output
row for ``C``), so a step costs the nonzeros of the factors, never the width of the RAC
equivalent. The arithmetic is that of :mod:`rac_tn.arith.pair_kernels` (``SMALL``, ``MONT``
or ``FLOAT``; products return ``a b / B``), vectorised over a block of column parts.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rac_tn.arith.numba_setup import parallel_and_serial
from rac_tn.arith.pair_kernels import (
    _LANES,
    _dot_lanes,
    _finish,
    _madd,
    _mod,
    _mul_lanes,
    _settle,
)


@njit(cache=True, inline="always")
def _sparse_lanes(out, ptr, idx, val, j, x, x0, lanes, work, ar):
    """``out[b] = sum_q val[q] x[x0 + idx[q], b] / B mod p`` over ``q`` in ``ptr[j]:ptr[j+1]``."""
    p, ninv, pinv, mode = ar
    if isinstance(p, float):  # FLOAT (a compile-time branch): an exact sum, reduced once
        q0 = ptr[j]
        if ptr[j + 1] == q0 + 1 and val[q0] == 1.0:  # a unit vector (dense cores, affine terms)
            row = x[x0 + idx[q0]]
            for b in range(lanes):
                out[b] = row[b]  # a residue already
            return
        for b in range(lanes):
            out[b] = 0.0
        for q in range(ptr[j], ptr[j + 1]):
            c = val[q]
            row = x[x0 + idx[q]]
            for b in range(lanes):
                out[b] += c * row[b]
        for b in range(lanes):
            out[b] = _mod(out[b], p, pinv)
    else:  # work[0], work[1]: the zeroed sums
        acc, hi = work[0], work[1]
        count = 0
        for q in range(ptr[j], ptr[j + 1]):
            _madd(acc, hi, val[q], x[x0 + idx[q]], lanes, p, mode)
            if (count & 3) == 3:
                _settle(acc, lanes, p, pinv, mode)
            count += 1
        _finish(out, acc, hi, lanes, p, ninv, pinv, mode)


def _family_pairs(start, drive_rows, cols_t, from_cols, first, s_off, t_off, a_ptr, a_idx,
                  a_val, b_ptr, b_idx, b_val, c_ptr, c_idx, c_val, readout, p, ninv, pinv,
                  mode):  # fmt: skip
    """``y`` of every (row part, column part) pair: see :data:`family_pairs`."""
    ar = (p, ninv, pinv, mode)
    dtype = start.dtype
    rows, flat = start.shape
    depth = s_off.shape[0] - 1
    steps, cols = cols_t.shape[0], cols_t.shape[2]
    kmax = 1
    for layer in range(depth):
        kmax = max(kmax, t_off[layer + 1] - t_off[layer])
    s1 = s_off[1]
    last, width = s_off[depth - 1], s_off[depth] - s_off[depth - 1]
    out = np.empty((rows, cols), dtype=dtype)
    nblocks = (cols + _LANES - 1) // _LANES
    for task in prange(rows * nblocks):
        i = task // nblocks
        j0 = (task % nblocks) * _LANES
        lanes = min(_LANES, cols - j0)
        h = np.empty((flat, _LANES), dtype=dtype)  # every layer's state, one column per lane
        z = np.empty((kmax, _LANES), dtype=dtype)  # one layer's CP terms
        work = np.zeros((3, _LANES), dtype=dtype)  # two sums (uint64) and the input
        inp = work[2]
        for q in range(flat):
            for b in range(lanes):
                h[q, b] = start[i, q]
        for s in range(steps):
            if first == 2:  # layer 1's state: Phi_{j,s} @ h^{1,start}
                for q in range(s1):
                    _dot_lanes(h[q], start[i], 0, cols_t[s], q * s1, j0, s1, lanes, work, ar)
            for layer in range(min(first, 1), depth):
                base, t0 = s_off[layer], t_off[layer]
                for k in range(t_off[layer + 1] - t0):
                    _sparse_lanes(z[k], a_ptr, a_idx, a_val, t0 + k, h, base, lanes, work, ar)
                    if layer > 1 or (layer == 1 and first != 1):  # B^T of the layer below
                        _sparse_lanes(inp, b_ptr, b_idx, b_val, t0 + k, h, s_off[layer - 1],
                                      lanes, work, ar)  # fmt: skip
                    elif first == 1:  # maps[j, s] @ h^{1,start}
                        _dot_lanes(inp, start[i], 0, cols_t[s], k * s1, j0, s1, lanes, work, ar)
                    elif from_cols[s]:  # layer 1's drive from the column part
                        for b in range(lanes):
                            inp[b] = cols_t[s, k, j0 + b]
                    else:  # ... or from the row part
                        inp[:lanes] = drive_rows[i, s, k]
                    _mul_lanes(z[k], inp, lanes, ar)
                for c in range(s_off[layer + 1] - base):
                    _sparse_lanes(h[base + c], c_ptr, c_idx, c_val, base + c, z, 0, lanes, work,
                                  ar)  # fmt: skip
        _dot_lanes(inp, readout, 0, h, last, 0, width, lanes, work, ar)
        for b in range(lanes):
            out[i, j0 + b] = inp[b]
    return out


#: ``(parallel, serial)`` pair kernel of sparse CP layers: ``y`` for every (row ``i``, column
#: ``j``).
#:
#: ``start`` ``(Kr, sum s_l)``: every layer's state after the shared prefix (layer l at
#: ``s_off[l]:s_off[l+1]``); layer l's terms are the global terms ``t_off[l]:t_off[l+1]``.
#: ``a_ptr/a_idx/a_val``: ``A`` by global term (state indices local to the layer);
#: ``b_ptr/b_idx/b_val``: ``B`` by global term (indices into the layer below's state; layer 1's
#: unused); ``c_ptr/c_idx/c_val``: ``C`` by global state row (local term indices). ``readout``
#: ``(s_L,)``. ``first = 0``: ``cols_t[s, k, j]`` and ``drive_rows[i, s, k]`` are layer 1's
#: ``B^T x`` drives, read from the columns where ``from_cols[s]``. ``first = 1`` (L >= 2, every
#: step reads the columns): ``cols_t[s, k * s_1 + q, j]`` is layer 2's drive map
#: ``B_2^T Phi_{j,s}`` (``Phi`` layer 1's state as a linear map of its start), layer 1 is not
#: stepped. ``first = 2`` (likewise): ``cols_t[s, q * s_1 + r, j]`` is ``Phi_{j,s}[q, r]``
#: itself, cheaper when ``B_2`` is sparse. ``uint64`` arrays (``A``, ``C``, readout, drives and
#: ``Phi`` times ``B``; ``B`` factors and drive maps times ``B**2``) with ``Arith.args``, or
#: ``float64`` plain residues with ``(p, 0, 1/p, FLOAT)``. fastmath: the float64 sums are exact
#: integers below ``2**53``.
family_pairs = parallel_and_serial(_family_pairs, fastmath=True)

__all__ = ["family_pairs"]
