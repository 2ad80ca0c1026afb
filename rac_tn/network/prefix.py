"""The float grid tensor by sharing recurrent states over the prefix tree of template sequences.

Each prefix is computed once; the last step is folded into a backward functional. At L = 1
prefix states of the first half meet suffix functionals of the second half in one matrix
product; at L >= 2 a compiled kernel walks the tree in cache-sized blocks.
"""

from __future__ import annotations

import numpy as np

from rac_tn.arith import tree_kernels
from rac_tn.models.rac import RAC

_BLAS_BLOCK = 1 << 18  # multiply-adds per matrix product in the L = 1 meet-in-the-middle


class _Weights:
    """Float64 weights laid out for row-vector products (``h @ wh_t[l]`` = ``(W^H h)^T``)."""

    def __init__(self, rac: RAC) -> None:
        self.wh_t = [np.ascontiguousarray(np.asarray(w, float).T) for w in rac.hidden_weights]
        self.wi = [np.asarray(w, dtype=np.float64) for w in rac.input_weights]
        self.wi_t = [np.ascontiguousarray(w.T) for w in self.wi]
        self.wo = np.asarray(rac.output_weights, dtype=np.float64)
        self.h0 = [np.asarray(h, dtype=np.float64) for h in rac.initial_states]


def grid_prefix(rac: RAC, T: int, F: np.ndarray) -> np.ndarray:
    """Grid tensor as an ``(N^T, C)`` array by sharing states over the prefix tree."""
    w = _Weights(rac)
    drive = F @ w.wi_t[0]  # (N, R): W^{I,1} f for each template
    if rac.L == 1:
        return _prefix_shallow(w, T, F.shape[0], drive)
    return _prefix_deep(w, T, F, drive)


def _prefix_shallow(w: _Weights, T: int, N: int, drive: np.ndarray) -> np.ndarray:
    """L = 1: y = <state after s steps, suffix functional>, one matrix product for all pairs."""
    R, C = drive.shape[1], w.wo.shape[0]
    s = T // 2
    left = w.h0[0][None, :]  # states of all prefixes of length s, (N^s, R)
    for _ in range(s):
        left = ((left @ w.wh_t[0])[:, None, :] * drive[None, :, :]).reshape(-1, R)
    # right[q, c, k]: y = sum_k h_s[k] right[q, c, k] for suffix q = (d_{s+1}..d_T); prepending
    # symbol d maps it to sum_r W^H[r, k] drive[d, r] right[q, c, r]
    right = w.wo[None, :, :]
    wh = w.wh_t[0].T
    for _ in range(T - s):
        right = ((drive[:, None, None, :] * right[None]).reshape(-1, R) @ wh).reshape(-1, C, R)
    out = np.empty((left.shape[0], right.shape[0] * C))
    right_t = np.ascontiguousarray(right.reshape(-1, R).T)
    # Row blocks below OpenBLAS's threading threshold: one big product spawns BLAS threads,
    # which measured 20x slower on a busy 2-core machine and no faster on an idle one.
    rows = max(1, _BLAS_BLOCK // (right_t.shape[1] * R))
    for i0 in range(0, left.shape[0], rows):
        np.matmul(left[i0 : i0 + rows], right_t, out=out[i0 : i0 + rows])
    return out.reshape(-1, C)


def _prefix_deep(w: _Weights, T: int, F: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """L >= 2: the compiled block walk of the prefix tree (``tree_kernels.grid_deep``)."""
    L, R = len(w.wh_t), drive.shape[1]
    wh = np.ascontiguousarray(np.stack([wt.T for wt in w.wh_t]))  # (L, R, R): rec = wh[l] @ h
    wi = np.zeros((L, R, R))
    for layer in range(1, L):
        wi[layer] = w.wi[layer]
    h0 = np.ascontiguousarray(np.stack(w.h0))
    N, C = F.shape[0], w.wo.shape[0]
    out = tree_kernels.grid_deep(
        h0,
        wh,
        wi,
        np.ascontiguousarray(w.wo),
        np.ascontiguousarray(drive),
        T,
        parallel=tree_kernels.runs_parallel(N**T * C),
    )
    return out.reshape(-1, C)
