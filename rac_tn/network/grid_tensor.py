"""Grid tensors ``A[d_1..d_T] = y(F[d_1], ..., F[d_T])``, in floats and exactly modulo p.

Three ways to the float grid tensor: ``'network'`` (contract the compiled network),
``'prefix'`` (share recurrent states over the prefix tree of template sequences; the
``'auto'`` choice, measured fastest on every shape tried) and ``'brute'`` (batched
``rac.forward``, the reference). :func:`grid_tensor` is bound as ``net.grid_tensor``.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from rac_tn._checks import check_templates, positive_int
from rac_tn.arith import grid_mod, mersenne, modular, tree_kernels
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC
from rac_tn.network.compiled import DEFAULT_MAX_TENSORS, RacNetwork, compile_rac
from rac_tn.network.contract import Optimize
from rac_tn.network.grid_routes import (
    METHODS,
    GridMethod,
    _check_output_size,
    grid_from,
    to_mps,
)
from rac_tn.network.layered import grid_mod_layered, runs_own_layers


def grid_tensor(
    rac: RecurrentModel | RacNetwork,
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
    if method == "network" and net is None:
        net = compile_rac(rac, T, max_tensors=DEFAULT_MAX_TENSORS)
    return grid_from(rac, T, templates, net, method, optimize, max_entries)


def grid_tensor_mod(
    rac: RecurrentModel | RacNetwork,
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
    model, T, _ = _resolve_source(rac, T)
    F = check_templates(templates, model.input_dim, allow_int=True)
    if runs_own_layers(model):  # cells that read their input twice+: the model's own layers
        N, C = F.shape[0], model.num_classes
        _check_output_size(N, T, C, max_entries)
        if model.augmented_input:  # layer 1 reads x~ = (x, 1)
            F = np.hstack([F, np.ones((N, 1), dtype=F.dtype)])
        out = grid_mod_layered(model, T, modular.check_prime(p), F)
        return out.reshape((N,) * T + ((C,) if C > 1 else ()))
    # any model through its exact RAC equivalent, reading x~ = (x, 1) with affine terms
    rac = cast(RAC, model.to_rac())  # to_rac() is a RAC (or a DyadicRAC)
    F = model.rac_inputs(F)
    weights = rac.modular(p)
    N, C, L = F.shape[0], rac.num_classes, rac.depth
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


# -- validation -------------------------------------------------------------------------------


def _resolve_source(source: object, T: object) -> tuple[RecurrentModel, int, RacNetwork | None]:
    # a model family (or a network compiled from one, which carries the family as ``rac``)
    # gets 'network' and 'brute' (its own forward); 'prefix' is the RAC's
    if isinstance(source, RacNetwork):
        if T is not None and T != source.T:
            raise ValueError(f"T = {T} does not match the network's T = {source.T}")
        return source.model, source.T, source
    if not isinstance(source, RecurrentModel):
        raise TypeError(
            "rac must be a model (a rac_tn.RAC or a family such as rac_tn.CP2RNN) or a "
            f"RacNetwork from compile_rac, got {type(source).__name__}"
        )
    if T is None:
        raise TypeError("T (the sequence length) is required when passing a model")
    return source, positive_int(T, "T"), None


__all__ = [
    "METHODS",
    "GridMethod",
    "grid_tensor",
    "grid_tensor_mod",
    "to_mps",
]
