"""Grid tensors ``A[d_1..d_T] = y(F[d_1], ..., F[d_T])``, in floats and exactly modulo p.

Three ways to the float grid tensor: ``'network'`` (contract the compiled network),
``'prefix'`` (share recurrent states over the prefix tree of template sequences; the
``'auto'`` choice, measured fastest on every shape tried) and ``'brute'`` (batched
``rac.forward``, the reference). :func:`grid_tensor` is bound as ``net.grid_tensor``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import quimb.tensor as qtn

from rac_tn._checks import (
    check_choice,
    check_class_index,
    check_fits_in_memory,
    check_float_range,
    check_max_entries,
    check_templates,
    positive_int,
)
from rac_tn._format import human_bytes
from rac_tn.arith import grid_mod, mersenne, modular, tree_kernels
from rac_tn.arith.scaled import check_underflow
from rac_tn.models import BilinearModel, RACModel
from rac_tn.models.rac import RAC
from rac_tn.network.compiled import DEFAULT_MAX_TENSORS, RacNetwork, compile_rac
from rac_tn.network.contract import Optimize, contract_grid
from rac_tn.network.prefix import grid_prefix

GridMethod = Literal["auto", "network", "prefix", "brute"]
METHODS: tuple[GridMethod, ...] = ("auto", "network", "prefix", "brute")
_BRUTE_ROWS = 1 << 14  # sequences per batched forward in 'brute'


def grid_tensor(
    rac: RAC | RacNetwork,
    T: int | None = None,
    templates: object = None,
    method: GridMethod = "auto",
    *,
    optimize: Optimize = None,
    max_entries: int | None = None,
) -> np.ndarray:
    """The order-``T`` grid tensor ``A[d_1..d_T] = y(F[d_1], ..., F[d_T])``.

    Parameters
    ----------
    rac
        A :class:`~rac_tn.RAC` or a model family of :mod:`rac_tn.models` (then ``T`` is
        required), or a compiled :class:`RacNetwork`. A family's grid tensor is by
        ``'network'`` or ``'brute'`` (``'auto'`` and ``'prefix'`` run ``'brute'``, its own
        recurrence); with affine terms the templates are the rows of ``F`` and the network's
        input legs read ``[F, 1]``.
    T
        Sequence length.
    templates
        ``F``, an ``N x M`` array of template representations; the identity ``I_M`` by default.
    method
        ``'auto'`` (the fastest, see the module docstring), ``'network'``, ``'prefix'`` or
        ``'brute'``.
    optimize
        Contraction path for ``method='network'`` (``None``: the compiler's structured path).
    max_entries
        Refuse outputs with more entries than this (default
        :data:`rac_tn._checks.DEFAULT_MAX_ENTRIES`, 4 Mi entries = 32 MiB as float64).

    Returns
    -------
    numpy.ndarray
        Shape ``(N,) * T``, with a last class axis of size C only when C > 1.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> rac = RAC.random(2, 3, depth=2, seed=0)
    >>> A = grid_tensor(rac, 4)
    >>> A.shape, bool(np.isclose(A[0, 1, 1, 0], rac.forward(np.eye(2)[[0, 1, 1, 0]])[0]))
    ((2, 2, 2, 2), True)
    """
    rac, T, net = _resolve_source(rac, T)
    check_choice(method, "method", METHODS)
    F = check_templates(templates, rac.M)
    N, C = F.shape[0], rac.num_classes
    _check_output_size(N, T, C, max_entries)
    if method == "auto":
        method = _auto_method(rac, T, N, net)
    if method == "prefix" and not isinstance(rac, RAC):
        method = "brute"  # a family's forward is its own recurrence ('prefix' is the RAC's)
    if method != "network" and optimize is not None:
        raise ValueError(f"optimize= applies to method='network' only, got method={method!r}")
    if method == "network" and net is None:
        net = compile_rac(rac, T, max_tensors=DEFAULT_MAX_TENSORS)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        # a result that left float64's range raises below, with the route that works
        if method == "network":
            out = contract_grid(net, F, optimize)
        elif method == "prefix":
            out = grid_prefix(rac, T, F)
        else:
            out = _grid_brute(rac, T, F)
    _check_range(rac, T, F, out.reshape(N**T, C))
    shape = (N,) * T + ((C,) if C > 1 else ())
    return out.reshape(shape)


_UNDERFLOW_PROBES = 16  # zero or subnormal entries re-evaluated in the scaled representation


def _check_range(rac: RAC, T: int, F: np.ndarray, out: np.ndarray) -> None:
    """Raise FloatRangeError when the grid tensor left float64's range (never NaN/inf/0)."""
    advice = (
        "grid_tensor_mod(rac, T, p) gives it exactly modulo a prime; rac.forward_scaled gives "
        "single entries with their power of two."
    )
    finite, tiny = tree_kernels.range_flags(out)  # one pass; the checks below only if needed
    if not finite:
        check_float_range(out, f"the grid tensor (T = {T}, depth {rac.L})", advice)
    if not tiny:
        return
    N = F.shape[0]

    def sequences(rows: np.ndarray) -> np.ndarray:
        probes = rows[:_UNDERFLOW_PROBES]
        return F[(probes[:, None] // N ** np.arange(T - 1, -1, -1)) % N]

    check_underflow(rac, out, sequences, f"the grid tensor (T = {T}, depth {rac.L})")


def grid_tensor_mod(
    rac: RAC,
    T: int,
    p: int = modular.MERSENNE61,
    templates: object = None,
    *,
    max_entries: int | None = None,
) -> np.ndarray:
    """The grid tensor exactly modulo the prime ``p``: ``uint64`` residues, shaped as a grid tensor.

    Weights and templates may be integers or floats (read as exact dyadic rationals).

    >>> from rac_tn import RAC
    >>> rac = RAC.random(2, 3, depth=2, seed=0, integer=True)
    >>> A = grid_tensor_mod(rac, 3, p=1_000_003)
    >>> int(A[1, 0, 1]) == int(rac.forward_mod(np.eye(2, dtype=int)[[1, 0, 1]], p=1_000_003)[0])
    True
    """
    rac, T, _ = _resolve_source(rac, T)
    if not isinstance(rac, RAC):
        raise TypeError(
            "grid_tensor_mod needs a RAC (or a network compiled from one); for a model family "
            "use model.forward_mod, or grid_tensor_mod(model.to_rac(), T, ...) on "
            "model.rac_inputs templates"
        )
    weights = rac.modular(p)
    F = check_templates(templates, rac.M, allow_int=True)
    N, C, L = F.shape[0], rac.C, rac.L
    _check_output_size(N, T, C, max_entries)
    F_res = modular.to_residues(F, weights.p)
    # working sets: the output (checked above) and, at L = 1, the states of the N^(T/2)
    # prefixes and suffixes of the two halves; at L >= 2 only cache-sized blocks
    if L == 1:
        out = _mod_shallow(weights, T, F_res)
    else:
        out = _mod_deep_walk(weights, T, F_res)
    return out.reshape((N,) * T + ((C,) if C > 1 else ()))


def _mod_prefix_states(
    weights: modular.ModularWeights, steps: int, F_res: np.ndarray, states: list[np.ndarray]
) -> list[np.ndarray]:
    """Every layer's state after each of the ``N^steps`` continuations of ``states`` (mod p)."""
    N = F_res.shape[0]
    for _ in range(steps):
        P = states[0].shape[0]
        start = [np.ascontiguousarray(np.repeat(s, N, axis=0)) for s in states]
        inputs = np.ascontiguousarray(np.tile(F_res, (P, 1))[:, None, :])
        states = modular.scan_mod(weights, inputs, start_states=start)
    return states


def _mod_deep_walk(weights: modular.ModularWeights, T: int, F_res: np.ndarray) -> np.ndarray:
    """L >= 2 modulo ``p``: the compiled block walk (:mod:`rac_tn.arith.grid_mod`)."""
    p = weights.p
    wh = np.stack(weights.hidden_weights)
    wi = np.zeros_like(wh)
    for layer in range(1, len(wh)):
        wi[layer] = weights.input_weights[layer]
    drive = modular.matmul_mod(F_res, np.ascontiguousarray(weights.input_weights[0].T), p)
    # W^{I,L}^T diag(W^O_c) W^{H,L} per class: the readout folded into the last input weights
    if p < 1 << 32:  # products of residues fit in uint64
        scaled = [(wi[-1].T * wo[None, :]) % np.uint64(p) for wo in weights.output_weights]
    else:
        scaled = [
            np.array((wi[-1].T.astype(object) * wo.astype(object)[None, :]) % p, dtype=np.uint64)
            for wo in weights.output_weights
        ]
    fold = np.stack([modular.matmul_mod(s, wh[-1], p) for s in scaled])
    N, C = F_res.shape[0], weights.output_weights.shape[0]
    parallel = tree_kernels.runs_parallel(N**T * C)
    h0 = np.stack(weights.initial_states)
    return grid_mod.grid_deep_mod(h0, wh, wi, fold, drive, T, p, parallel=parallel)


def _mod_shallow(weights: modular.ModularWeights, T: int, F_res: np.ndarray) -> np.ndarray:
    """L = 1 modulo p: prefix states of the first half meet suffix functionals in one product."""
    p = weights.p
    (wh,), (wi,) = weights.hidden_weights, weights.input_weights
    N, R, C = F_res.shape[0], wh.shape[0], weights.output_weights.shape[0]
    s = T // 2
    left = _mod_prefix_states(weights, s, F_res, [weights.initial_states[0][None, :]])[0]
    drive = modular.matmul_mod(F_res, np.ascontiguousarray(wi.T), p)  # (N, R)
    # G_d = diag(drive_d) W^H, stacked side by side: right @ [G_1 .. G_N] in one product
    times_wh = modular.right_multiplier(wh, p)
    blocks = np.concatenate([times_wh(np.diag(drive[d])) for d in range(N)], axis=1)  # (R, N R)
    times_blocks = modular.right_multiplier(blocks, p)
    right = np.ascontiguousarray(weights.output_weights, dtype=np.uint64)  # (Q C, R), Q = 1
    for _ in range(T - s):
        QC = right.shape[0]
        nxt = times_blocks(right).reshape(QC, N, R)  # [(q, c), d, k]
        right = np.ascontiguousarray(nxt.transpose(1, 0, 2)).reshape(N * QC, R)  # (d, q, c)
    if p < modular.SMALL_PRIME_LIMIT:  # exact float64 products through BLAS (the float speed)
        return tree_kernels.matmul_mod_split(left, right.T, p).reshape(-1, C)
    if p == mersenne.MERSENNE61:  # the default prime: fused float64 limb products, rotations
        return mersenne.matmul_mod_mersenne61(left, right.T).reshape(-1, C)
    return modular.matmul_mod(left, np.ascontiguousarray(right.T), p).reshape(-1, C)


def network_grid_tensor(
    net: RacNetwork,
    templates: object = None,
    *,
    method: GridMethod = "network",
    optimize: Optimize = None,
    max_entries: int | None = None,
) -> np.ndarray:
    """The grid tensor of a compiled network, by default by contracting it.

    Bound as ``net.grid_tensor(templates=None, *, method='network', ...)``; see
    :func:`grid_tensor` (``method='auto'`` picks the fastest way).

    >>> from rac_tn import RAC, compile_rac
    >>> compile_rac(RAC.random(2, 2, seed=0), T=3).grid_tensor().shape
    (2, 2, 2)
    """
    return grid_tensor(
        net, templates=templates, method=method, optimize=optimize, max_entries=max_entries
    )


RacNetwork.grid_tensor = network_grid_tensor


def to_mps(
    net: RacNetwork, templates: object = None, *, class_index: int | None = None
) -> qtn.MatrixProductState:
    """The grid tensor of a shallow RAC as a quimb :class:`~quimb.tensor.MatrixProductState`.

    ``h^{1,0}`` is absorbed into the first site and ``W^O`` into the last, so site ``i`` is time
    ``i + 1`` and ``mps.to_dense()`` is the flattened grid tensor; ``templates`` set the physical
    dimension N; ``class_index`` is required when C > 1. Bound as ``net.to_mps``.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac
    >>> mps = compile_rac(RAC.random(2, 3, seed=0), T=5).to_mps()
    >>> mps.L, mps.max_bond()
    (5, 3)
    """
    rac = net.rac
    if not isinstance(rac, RAC):
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
    if rac.C == 1:
        if class_index not in (None, 0):
            raise ValueError(
                f"class_index must be None or 0 for a single-output RAC, got {class_index!r}"
            )
        out = np.asarray(rac.output_weights[0], dtype=np.float64)
    else:
        if class_index is None:
            raise ValueError(
                f"this RAC has C = {rac.C} classes: pass class_index= an integer in 0..{rac.C - 1}"
            )
        out = np.asarray(
            rac.output_weights[check_class_index(class_index, rac.C)], dtype=np.float64
        )
    wh = np.asarray(rac.hidden_weights[0], dtype=np.float64)
    drive = np.asarray(rac.input_weights[0], dtype=np.float64) @ F.T  # (R, N)
    core = np.einsum("ba,bn->abn", wh, drive)  # G[a, b, n], the 'lrp' layout
    h0 = np.asarray(rac.initial_states[0], dtype=np.float64)
    T = net.T
    if T == 1:
        return qtn.MatrixProductState([np.einsum("a,abn,b->n", h0, core, out)])
    arrays = [np.einsum("a,abn->bn", h0, core)]
    arrays += [core] * (T - 2)
    arrays.append(np.einsum("abn,b->an", core, out))
    return qtn.MatrixProductState(arrays, shape="lrp")


RacNetwork.to_mps = to_mps


# -- method: brute ----------------------------------------------------------------------------


def _grid_brute(rac: RAC, T: int, F: np.ndarray) -> np.ndarray:
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


def _auto_method(rac: RAC, T: int, N: int, net: RacNetwork | None) -> GridMethod:
    # Measured (benchmarks/bench_grid.py and a sweep over M, R, L, T): 'prefix' was fastest on
    # every shape, from N^T = 2 upward; 'brute' repeats each prefix's work T times, and the
    # network repeats every cell C(T-t+L-l, L-l) times.
    return "prefix"


# -- validation -------------------------------------------------------------------------------


def _resolve_source(source: object, T: object) -> tuple[RAC, int, RacNetwork | None]:
    # a model family (or a network compiled from one, which carries the family as ``rac``)
    # gets 'network' and 'brute' (its own forward); 'prefix' is the RAC's
    if isinstance(source, RacNetwork):
        if T is not None and T != source.T:
            raise ValueError(f"T = {T} does not match the network's T = {source.T}")
        return source.rac, source.T, source
    if isinstance(source, RACModel):
        source = source.rac
    if not isinstance(source, (RAC, BilinearModel)):
        raise TypeError(
            "rac must be a rac_tn.RAC or a RacNetwork (or a model family of rac_tn.models), "
            f"got {type(source).__name__}"
        )
    if T is None:
        raise TypeError("T (the sequence length) is required when passing a model")
    return source, positive_int(T, "T"), None


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


__all__ = [
    "METHODS",
    "GridMethod",
    "grid_tensor",
    "grid_tensor_mod",
    "network_grid_tensor",
    "to_mps",
]
