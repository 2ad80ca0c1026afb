"""The float grid tensor of a model by one of three routes, given its network when it has one.

``'network'`` contracts the compiled (hyper-)network, templates attached to every ``W^{I,1}``
copy (:func:`~rac_tn.network.contract.contract_grid`); ``'prefix'`` shares recurrent states over
the prefix tree of template sequences (:func:`grid_prefix`: each prefix computed once, the
last step folded into a backward functional); ``'brute'`` runs batched
``forward`` over all ``N^T`` sequences (the reference). ``'auto'`` uses ``'prefix'``, measured
fastest on every shape tried (``benchmarks/bench_grid.py``). Nothing here compiles: the public
:func:`~rac_tn.grid_tensor` compiles when asked for ``'network'`` of a model.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import quimb.tensor as qtn

from rac_tn._checks import (
    check_choice,
    check_class_index,
    check_fits_in_memory,
    check_float_range,
    check_max_entries,
    check_templates,
)
from rac_tn._format import human_bytes
from rac_tn.arith import tree_kernels
from rac_tn.arith.scaled import check_underflow
from rac_tn.models.protocol import RecurrentModel, rac_form
from rac_tn.models.rac import RAC
from rac_tn.network.contract import Optimize, RacNetwork, contract_grid, require_values

GridMethod = Literal["auto", "network", "prefix", "brute"]
METHODS: tuple[GridMethod, ...] = ("auto", "network", "prefix", "brute")
_BRUTE_ROWS = 1 << 14  # sequences per batched forward in 'brute'


def grid_from(
    rac: RecurrentModel,
    T: int,
    templates: object,
    net: RacNetwork | None,
    method: str,
    optimize: Optimize,
    max_entries: int | None,
) -> np.ndarray:
    """The grid tensor of ``rac`` (its network ``net`` for ``'network'``); see ``grid_tensor``."""
    check_choice(method, "method", METHODS)
    F = check_templates(templates, rac.M)
    N, C = F.shape[0], rac.num_classes
    _check_output_size(N, T, C, max_entries)
    if method == "auto":
        method = _auto_method(rac, T, N, net)
    if method == "prefix" and not rac_form(rac):
        method = "brute"  # a family's forward is its own recurrence ('prefix' is the RAC's)
    if method != "network" and optimize is not None:
        raise ValueError(f"optimize= applies to method='network' only, got method={method!r}")
    if method == "network" and net is None:
        raise ValueError("method='network' needs the compiled network (grid_tensor compiles it)")
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        # a result that left float64's range raises below, with the route that works
        if method == "network":
            assert net is not None  # checked above
            out = contract_grid(net, F, optimize)
        elif method == "prefix":
            # the prefix walk reads RAC weights (a RAC is its own equivalent)
            out = grid_prefix(cast(RAC, rac.to_rac()), T, F)
        else:
            out = _grid_brute(rac, T, F)
    _check_range(rac, T, F, out.reshape(N**T, C))
    shape = (N,) * T + ((C,) if C > 1 else ())
    return out.reshape(shape)


_UNDERFLOW_PROBES = 16  # zero or subnormal entries re-evaluated in the scaled representation


def _check_range(rac: RecurrentModel, T: int, F: np.ndarray, out: np.ndarray) -> None:
    """Raise FloatRangeError when the grid tensor left float64's range (never NaN/inf/0)."""
    advice = (
        "grid_tensor_mod(rac, T, p) gives it exactly modulo a prime; rac.forward_scaled gives "
        "single entries with their power of two."
    )
    # one pass (the kernel reads a contiguous array: a cotengra path may return a strided one)
    finite, tiny = tree_kernels.range_flags(np.ascontiguousarray(out))
    if not finite:
        check_float_range(out, f"the grid tensor (T = {T}, depth {rac.L})", advice)
    if not tiny:
        return
    N = F.shape[0]

    def sequences(rows: np.ndarray) -> np.ndarray:
        probes = rows[:_UNDERFLOW_PROBES]
        return F[(probes[:, None] // N ** np.arange(T - 1, -1, -1)) % N]

    check_underflow(rac, out, sequences, f"the grid tensor (T = {T}, depth {rac.L})")


def _grid_brute(rac: RecurrentModel, T: int, F: np.ndarray) -> np.ndarray:
    N = F.shape[0]
    total = N**T
    out = np.empty((total, rac.num_classes))
    powers = N ** np.arange(T - 1, -1, -1, dtype=np.int64)
    rows = max(1, _BRUTE_ROWS // max(1, T))
    for start in range(0, total, rows):
        idx = np.arange(start, min(total, start + rows), dtype=np.int64)
        digits = (idx[:, None] // powers[None, :]) % N  # (batch, T), d_1 most significant
        out[start : start + idx.size] = rac.forward(F[digits])
    return out


# -- choosing a method ------------------------------------------------------------------------


def _auto_method(rac: RecurrentModel, T: int, N: int, net: RacNetwork | None) -> GridMethod:
    # Measured (benchmarks/bench_grid.py and a sweep over M, R, L, T): 'prefix' was fastest on
    # every shape, from N^T = 2 upward; 'brute' repeats each prefix's work T times, and the
    # network repeats every cell C(T-t+L-l, L-l) times.
    return "prefix"


def _check_output_size(N: int, T: int, C: int, max_entries: int | None) -> None:
    limit = check_max_entries(max_entries)
    entries = N**T * C
    shape = f"{N}^{T}" + (f" x {C}" if C > 1 else "")
    if entries > limit:
        raise ValueError(
            f"the grid tensor would have {shape} = {entries:,} entries "
            f"({human_bytes(8 * entries)} as 8-byte numbers), above max_entries={limit:,}. "
            "Pass a larger max_entries=, or use fewer steps or templates; "
            "rac_tn.separation_rank(..., method='sampled') and the cut bounds never form the "
            "grid tensor."
        )
    check_fits_in_memory(8 * entries, f"the grid tensor ({shape} entries)")


def to_mps(
    net: RacNetwork, templates: object = None, *, class_index: int | None = None
) -> qtn.MatrixProductState:
    """The grid tensor as a quimb :class:`~quimb.tensor.MatrixProductState` (L = 1 only).

    ``h^{1,0}`` is absorbed into the first site and ``W^O`` into the last, so site ``i``
    (quimb's 0-based ``k{i}`` / ``I{i}``) is time ``t = i + 1`` and ``mps.to_dense()`` is the
    flattened grid tensor. Bound as :meth:`RacNetwork.to_mps`.

    Parameters
    ----------
    net
        A network compiled from a shallow RAC.
    templates
        ``N x M`` templates; the physical dimension is then N (identity by default).
    class_index
        Which output ``y_c`` when C > 1 (required then).

    Returns
    -------
    quimb.tensor.MatrixProductState

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac
    >>> mps = compile_rac(RAC.random(2, 3, seed=0), T=5).to_mps()
    >>> mps.L, mps.max_bond()
    (5, 3)
    """
    require_values(net, "to_mps")
    rac = net.model
    if not rac_form(rac):
        raise TypeError(
            f"to_mps needs a network compiled from a RAC, got one from a {net.family!r} model; "
            "its compiled chain (net.tn) is already the tensor train"
        )
    if rac.L != 1:
        raise ValueError(
            f"to_mps needs a shallow RAC (L = 1); this one has depth L = {rac.L}, "
            "whose network is a copy tree, not a tensor train"
        )
    F = check_templates(templates, rac.M)
    if rac.num_classes == 1:
        if class_index not in (None, 0):
            raise ValueError(
                f"class_index must be None or 0 for a single-output RAC, got {class_index!r}"
            )
        out = np.asarray(rac.readout[0], dtype=np.float64)
    else:
        if class_index is None:
            raise ValueError(
                f"this model has {rac.num_classes} classes: pass class_index= an integer in "
                f"0..{rac.num_classes - 1}"
            )
        out = np.asarray(
            rac.readout[check_class_index(class_index, rac.num_classes)], dtype=np.float64
        )
    layer = rac.layers[0]
    assert layer.A is not None and layer.B is not None  # an 'mi' layer (the RAC's form)
    wh = np.asarray(layer.A.T, dtype=np.float64)
    drive = np.asarray(layer.B.T, dtype=np.float64) @ F.T  # (R, N)
    core = np.einsum("ba,bn->abn", wh, drive)  # G[a, b, n], the 'lrp' layout
    h0 = np.asarray(layer.initial_state, dtype=np.float64)
    T = net.T
    if T == 1:
        return qtn.MatrixProductState([np.einsum("a,abn,b->n", h0, core, out)])
    arrays = [np.einsum("a,abn->bn", h0, core)]
    arrays += [core] * (T - 2)
    arrays.append(np.einsum("abn,b->an", core, out))
    return qtn.MatrixProductState(arrays, shape="lrp")


# -- the prefix route: states shared over the prefix tree of template sequences ----------------
# At L = 1 prefix states of the first half meet suffix functionals of the second half in one
# matrix product; at L >= 2 a compiled kernel walks the tree in cache-sized blocks.

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
