"""The float grid tensor by sharing recurrent states over the prefix tree of template sequences.

Each prefix is computed once (vectorised numpy, one matrix product per layer and step). The last
step is linear in ``f_T``, so it is folded into a backward functional instead of forming the
``N^T x R`` final states; for L = 1 the output is also linear in the state, so prefix states of
the first half meet suffix functionals of the second half in one matrix product. Used by
:func:`rac_tn.grid_tensor` (``method='prefix'``, the ``'auto'`` choice).
"""

from __future__ import annotations

import numpy as np

from rac_tn.model import RAC

_WORK_BYTES = 1 << 21  # working set of one prefix block: cache-sized blocks measured fastest
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
    """L >= 2: advance all prefixes to T-1 steps, then fold the (linear) last step."""
    N, R, L, C = F.shape[0], drive.shape[1], len(w.wh_t), w.wo.shape[0]
    out = np.empty((N**T, C))
    # bytes per prefix row while advancing: L states, their W^H images and temporaries
    row_bytes = 8 * R * (3 * L + 2) * N
    states = [h[None, :] for h in w.h0]
    t = 0
    while t < T - 1 and states[0].shape[0] * row_bytes <= _WORK_BYTES:
        states = _advance(w, states, drive)
        t += 1
    if t == T - 1:
        out[:] = _last_step(w, states, F)
        return out
    # too big to hold at once: continue block by block (each block is a contiguous slab of
    # the output, since prefixes are ordered most-significant-first)
    span = N ** (T - 1 - t) * N  # output rows per current prefix
    block = max(1, _WORK_BYTES // (row_bytes * N ** (T - 1 - t)))
    P = states[0].shape[0]
    for i0 in range(0, P, block):
        i1 = min(P, i0 + block)
        sub = [s[i0:i1] for s in states]
        for _ in range(T - 1 - t):
            sub = _advance(w, sub, drive)
        out[i0 * span : i1 * span] = _last_step(w, sub, F)
    return out


def _advance(w: _Weights, states: list[np.ndarray], drive: np.ndarray) -> list[np.ndarray]:
    """One step for every prefix: ``P`` rows per layer become ``P * N`` (new symbol last)."""
    P, (N, R) = states[0].shape[0], drive.shape
    new = []
    below = None
    for layer, h in enumerate(states):
        rec = h @ w.wh_t[layer]  # (P, R): once per prefix, not per child
        if below is None:
            nxt = rec[:, None, :] * drive[None, :, :]
        else:
            nxt = rec[:, None, :] * (below @ w.wi_t[layer]).reshape(P, N, R)
        below = nxt.reshape(P * N, R)
        new.append(below)
    return new


def _last_step(w: _Weights, states: list[np.ndarray], F: np.ndarray) -> np.ndarray:
    """Outputs ``(P * N, C)`` of the last step from the states after ``T - 1`` steps.

    ``y`` is linear in ``f_T``: with ``a_l = W^{H,l} h^{l,T-1}``, ``y = v_1 . f_T`` where
    ``v_L = W^O diag(a_L)`` and ``v_{l-1} = (v_l W^{I,l}) diag(a_{l-1})``, ``v_1 <- v_1
    W^{I,1}``; so the N children of a prefix cost one small matrix product, not L.
    """
    P, R, C = states[0].shape[0], states[0].shape[1], w.wo.shape[0]
    rec = [h @ wh_t for h, wh_t in zip(states, w.wh_t, strict=True)]  # a_l, (P, R)
    v = w.wo[None, :, :] * rec[-1][:, None, :]  # (P, C, R)
    for layer in range(len(rec) - 1, 0, -1):
        # 2-D products: numpy runs a 3-D matmul as P tiny ones
        v = (v.reshape(P * C, R) @ w.wi[layer]).reshape(P, C, R) * rec[layer - 1][:, None, :]
    y = (v.reshape(P * C, R) @ (w.wi[0] @ F.T)).reshape(P, C, -1)  # (P, C, N)
    return y.transpose(0, 2, 1).reshape(-1, C)
