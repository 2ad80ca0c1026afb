"""Contract compiled RACs: evaluation, grid tensors, contraction paths and their costs.

Three ways to the grid tensor ``A[d_1..d_T] = y(F[d_1], ..., F[d_T])``:

- ``'network'``: contract the compiled (hyper-)network, templates attached to every
  ``W^{I,1}`` copy, along the compiler's structured path or a cotengra optimiser.
- ``'prefix'``: share recurrent states over the prefix tree of template sequences, so each
  prefix is computed once (vectorised numpy, one matrix product per layer and step). The last
  step is linear in ``f_T``, so it is folded into a backward functional instead of forming the
  ``N^T x R`` final states; for L = 1 the output is also linear in the state, so prefix states
  of the first half meet suffix functionals of the second half in one matrix product.
- ``'brute'``: batched ``rac.forward`` over all ``N^T`` sequences (the reference).

``'auto'`` uses ``'prefix'``: measured fastest on every shape we tried (see
``benchmarks/bench_grid.py``), by 1-3 orders of magnitude once ``N^T`` exceeds a few hundred.

Paths: ``optimize=None`` (or ``'structured'``) contracts along the order the compiler emits
(MPS: left-to-right sweep; tree: bottom-up), with no search. Any cotengra ``optimize`` works
too (``'auto'``, ``'auto-hq'``, a ``HyperOptimizer``, an explicit path or tree). Trees are
cached per (network shape, output, ``optimize``), so a second call does no search.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import cotengra as ctg
import numpy as np

from rac_tn import _modular
from rac_tn.model import RAC
from rac_tn.network import DEFAULT_MAX_TENSORS, RacNetwork, compile_rac

DEFAULT_MAX_BYTES = 1 << 31  # refuse grid tensors above 2 GiB (float64)
METHODS = ("auto", "network", "prefix", "brute")
_WORK_BYTES = 1 << 21  # working set of one prefix block: cache-sized blocks measured fastest
_BLAS_BLOCK = 1 << 18  # multiply-adds per matrix product in the L = 1 meet-in-the-middle
_BRUTE_ROWS = 1 << 14  # sequences per batched forward in 'brute'
_TREE_CACHE_SIZE = 128
_TREE_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, ctg.ContractionTree]] = OrderedDict()
_BATCH = "batch"  # the batch hyperedge of evaluate(); not a name the compiler uses


@dataclass(frozen=True)
class ContractionCost:
    """Cost of a contraction: a thin view of a cotengra ``ContractionTree``.

    ``flops`` is ``tree.total_flops()`` (scalar operations), ``width`` is
    ``tree.contraction_width()`` (log2 of the largest intermediate's size). The tree's
    indices are single characters; ``symbols`` maps the network's index names to them.
    """

    flops: float
    width: float
    tree: ctg.ContractionTree
    optimize: str
    symbols: dict[str, str]

    @property
    def log10_flops(self) -> float:
        return float(np.log10(max(self.flops, 1)))

    def __repr__(self) -> str:
        return (
            f"ContractionCost(flops={self.flops:.4g}, width={self.width:.3g}, "
            f"optimize={self.optimize!r})"
        )


# -- evaluation -------------------------------------------------------------------------------


def evaluate(net: RacNetwork, X: object, *, optimize: Any = None) -> np.ndarray:
    """Contract ``net`` with inputs ``X`` attached to every copy: equals ``net.rac.forward(X)``.

    ``X`` is ``(T, M)`` (returns ``(C,)``) or ``(batch, T, M)`` (returns ``(batch, C)``). Each
    ``W^{I,1}`` copy of input ``t`` reads its own copy of ``f_t`` (the polynomial is not
    multilinear for L >= 2, so ``f_t`` cannot sit once on the hyperedge ``d{t}``); the batch
    index is a hyperedge shared by all of them.

    >>> from rac_tn import RAC, compile_rac
    >>> rac = RAC.random(2, 3, depth=2, seed=0)
    >>> X = np.eye(2)[[0, 1, 1, 0]]
    >>> bool(np.allclose(compile_rac(rac, 4).evaluate(X), rac.forward(X)))
    True
    """
    net = _check_network(net)
    batch, single = net.rac._check_inputs(X)
    if batch.shape[1] != net.T:
        raise ValueError(
            f"X must have T = {net.T} steps (the network was compiled for T = {net.T}), "
            f"got shape {np.shape(X)}"
        )
    batch = batch.astype(np.float64)
    inputs, arrays = _attached(net, batch, per_step=True)
    output = (_BATCH, *net.output_inds)
    tree, _ = _tree(net, inputs, output, arrays, optimize, ("evaluate", batch.shape[0]))
    out = np.asarray(tree.contract(arrays)).reshape(batch.shape[0], net.rac.C)
    return out[0] if single else out


# -- grid tensor ------------------------------------------------------------------------------


def grid_tensor(
    rac: RAC | RacNetwork,
    T: int | None = None,
    templates: object = None,
    method: str = "auto",
    *,
    optimize: Any = None,
    max_bytes: int | None = None,
) -> np.ndarray:
    """The order-``T`` grid tensor ``A[d_1..d_T] = y(F[d_1], ..., F[d_T])``.

    Parameters
    ----------
    rac
        A :class:`~rac_tn.RAC` (then ``T`` is required) or a compiled :class:`RacNetwork`.
    T
        Sequence length.
    templates
        ``F``, an ``N x M`` array of template representations; the identity ``I_M`` by default.
    method
        ``'auto'`` (the fastest, see the module docstring), ``'network'``, ``'prefix'`` or
        ``'brute'``.
    optimize
        Contraction path for ``method='network'`` (``None``: the compiler's structured path).
    max_bytes
        Refuse outputs larger than this many bytes (float64); default 2 GiB.

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
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    F = _check_templates(templates, rac.M)
    N, C = F.shape[0], rac.C
    _check_output_size(N, T, C, max_bytes, what="grid tensor")
    if method == "auto":
        method = _auto_method(rac, T, N, net)
    if method != "network" and optimize is not None:
        raise ValueError(f"optimize= applies to method='network' only, got method={method!r}")
    if method == "network":
        if net is None:
            net = compile_rac(rac, T, max_tensors=DEFAULT_MAX_TENSORS)
        out = _grid_network(net, F, optimize)
    elif method == "prefix":
        out = _grid_prefix(rac, T, F)
    else:
        out = _grid_brute(rac, T, F)
    shape = (N,) * T + ((C,) if C > 1 else ())
    return out.reshape(shape)


def grid_tensor_mod(
    rac: RAC,
    T: int,
    p: int = _modular.MERSENNE61,
    templates: object = None,
    *,
    max_bytes: int | None = None,
) -> np.ndarray:
    """The grid tensor exactly modulo the prime ``p`` (``uint64`` residues).

    Weights and templates may be integers or floats (read as the exact dyadic rationals they
    store). Uses the prefix method on residues (the compiled kernels of
    :mod:`rac_tn._modular`). Shape as for :func:`grid_tensor`.

    >>> from rac_tn import RAC
    >>> rac = RAC.random(2, 3, depth=2, seed=0, integer=True)
    >>> A = grid_tensor_mod(rac, 3, p=1_000_003)
    >>> int(A[1, 0, 1]) == int(rac.forward_mod(np.eye(2, dtype=int)[[1, 0, 1]], p=1_000_003)[0])
    True
    """
    rac, T, _ = _resolve_source(rac, T)
    weights = rac.modular(p)
    F = _check_templates(templates, rac.M, allow_int=True)
    N, C, R, L = F.shape[0], rac.C, rac.R, rac.L
    _check_output_size(N, T, C, max_bytes, what="grid tensor")
    # the states of every prefix are held at once: L arrays of N^T x R residues at the end
    _check_output_size(N, T, L * R, max_bytes, what="working set (prefix states)")
    F_res = _modular.to_residues(F, weights.p)
    states = [np.asarray(h, dtype=np.uint64)[None, :] for h in weights.initial_states]
    for _ in range(T):
        P = states[0].shape[0]
        start = [np.ascontiguousarray(np.repeat(s, N, axis=0)) for s in states]
        inputs = np.ascontiguousarray(np.tile(F_res, (P, 1))[:, None, :])
        states = _modular.scan_mod(weights, inputs, start_states=start)
    out = _modular.matvec(weights.output_weights, np.ascontiguousarray(states[-1]), weights.p)
    return out.reshape((N,) * T + ((C,) if C > 1 else ()))


# -- costs ------------------------------------------------------------------------------------


def contraction_cost(
    net: RacNetwork, optimize: Any = None, *, templates: object = None
) -> ContractionCost:
    """Flops and width of contracting ``net`` into its grid tensor.

    ``optimize=None`` (or ``'structured'``) measures the compiler's path; otherwise the tree
    cotengra finds (cached per shape, so a repeated call does no search). ``templates`` (or
    an int N) sets the size of the open indices; M by default.

    >>> from rac_tn import RAC, compile_rac
    >>> cost = compile_rac(RAC.random(2, 4, seed=0), T=6).contraction_cost()
    >>> cost.width  # log2 of the largest intermediate, R * 2**6
    8.0
    """
    net = _check_network(net)
    if isinstance(templates, (int, np.integer)) and not isinstance(templates, bool):
        if templates < 1:
            raise ValueError(f"templates as a count N must be positive, got {templates}")
        F = np.zeros((int(templates), net.rac.M))
    else:
        F = _check_templates(templates, net.rac.M)
    inputs, arrays = _attached(net, F, per_step=False)
    output = (*net.input_inds, *net.output_inds)
    tree, symbols = _tree(net, inputs, output, arrays, optimize, ("grid", F.shape[0]))
    return ContractionCost(
        flops=float(tree.total_flops()),
        width=float(tree.contraction_width()),
        tree=tree,
        optimize=_describe(optimize),
        symbols=symbols,
    )


def clear_path_cache() -> None:
    """Forget every cached contraction tree."""
    _TREE_CACHE.clear()


# -- method: network --------------------------------------------------------------------------


def _grid_network(net: RacNetwork, F: np.ndarray, optimize: Any) -> np.ndarray:
    inputs, arrays = _attached(net, F, per_step=False)
    output = (*net.input_inds, *net.output_inds)
    tree, _ = _tree(net, inputs, output, arrays, optimize, ("grid", F.shape[0]))
    return np.asarray(tree.contract(arrays))


def _attached(
    net: RacNetwork, data: np.ndarray, *, per_step: bool
) -> tuple[list[tuple[str, ...]], list[np.ndarray]]:
    """Inputs and arrays of ``net`` with inputs attached at every ``W^{I,1}`` copy / MPS core.

    ``per_step=False``: ``data`` is ``F`` (N x M); index ``d{t}`` stays, now of size N.
    ``per_step=True``: ``data`` is ``X`` (batch x T x M); copy of input t reads ``X[:, t]``,
    and ``d{t}`` becomes the batch hyperedge.
    """
    tensors = net.tn.tensor_map
    inputs, arrays = [], []
    for tid in net.tids:
        tensor, place = tensors[tid], net.places[tid]
        inds, array = tuple(tensor.inds), tensor.data
        if place.layer == 1 and place.kind in ("WI", "CORE"):
            leg = f"d{place.time}"
            axis = inds.index(leg)
            if per_step:
                x = data[:, place.time - 1, :]  # (batch, M)
                inds = inds[:axis] + (_BATCH,) + inds[axis + 1 :]
            else:
                x = data  # (N, M)
            array = np.moveaxis(np.tensordot(array, x, axes=([axis], [1])), -1, axis)
        inputs.append(inds)
        arrays.append(array)
    return inputs, arrays


def _tree(
    net: RacNetwork,
    inputs: list[tuple[str, ...]],
    output: tuple[str, ...],
    arrays: list[np.ndarray],
    optimize: Any,
    purpose: tuple[Any, ...],
) -> tuple[ctg.ContractionTree, dict[str, str]]:
    """The contraction tree for ``optimize`` and the index-name -> symbol map it uses.

    cotengra contracts single-character indices, so names are mapped to symbols in order of
    appearance (deterministic for a network shape, hence cacheable). Trees are cached per
    (network shape, purpose, optimize).
    """
    if tuple(net.tn.tensor_map) != net.tids:
        raise ValueError(
            "net.tn was modified after compile_rac (tensors added or removed): recompile it"
        )
    symbols: dict[str, str] = {}
    for inds in inputs:
        for ind in inds:
            if ind not in symbols:
                symbols[ind] = ctg.get_symbol(len(symbols))
    if isinstance(optimize, ctg.ContractionTree):
        return optimize, symbols  # e.g. from contraction_cost(...).tree: same symbols
    structured = optimize is None or (isinstance(optimize, str) and optimize == "structured")
    if structured:
        key = (net.signature, purpose, "structured", None)
    elif isinstance(optimize, str):
        key = (net.signature, purpose, "preset", optimize)
    elif isinstance(optimize, (list, tuple)):
        key = (net.signature, purpose, "path", tuple(map(tuple, optimize)))
    else:  # an optimiser object: keyed on identity, the object is kept alive by the entry
        key = (net.signature, purpose, "object", id(optimize))
    hit = _TREE_CACHE.get(key)
    if hit is not None and (key[2] != "object" or hit[0] is optimize):
        _TREE_CACHE.move_to_end(key)
        return hit[1], symbols
    sym_inputs = ["".join(symbols[i] for i in inds) for inds in inputs]
    sym_output = "".join(symbols[i] for i in output)
    size_dict: dict[str, int] = {}
    for term, array in zip(sym_inputs, arrays, strict=True):
        size_dict.update(zip(term, array.shape, strict=True))
    if structured:
        tree = ctg.ContractionTree.from_path(sym_inputs, sym_output, size_dict, ssa_path=net.path)
    else:
        try:
            tree = ctg.array_contract_tree(
                sym_inputs, sym_output, size_dict=size_dict, optimize=optimize, canonicalize=False
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(
                "optimize must be None/'structured', a cotengra preset name ('auto', "
                "'auto-hq', 'greedy', ...), a cotengra/opt_einsum optimiser, a path or a "
                f"ContractionTree; got {optimize!r} ({exc})"
            ) from exc
    _TREE_CACHE[key] = (optimize, tree)
    if len(_TREE_CACHE) > _TREE_CACHE_SIZE:
        _TREE_CACHE.popitem(last=False)
    return tree, symbols


def _describe(optimize: Any) -> str:
    if optimize is None:
        return "structured"
    if isinstance(optimize, str):
        return optimize
    return type(optimize).__name__


# -- method: prefix ---------------------------------------------------------------------------


class _Weights:
    """Float64 weights laid out for row-vector products (``h @ wh_t[l]`` = ``(W^H h)^T``)."""

    def __init__(self, rac: RAC) -> None:
        self.wh_t = [np.ascontiguousarray(np.asarray(w, float).T) for w in rac.hidden_weights]
        self.wi = [np.asarray(w, dtype=np.float64) for w in rac.input_weights]
        self.wi_t = [np.ascontiguousarray(w.T) for w in self.wi]
        self.wo = np.asarray(rac.output_weights, dtype=np.float64)
        self.h0 = [np.asarray(h, dtype=np.float64) for h in rac.initial_states]


def _grid_prefix(rac: RAC, T: int, F: np.ndarray) -> np.ndarray:
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


# -- method: brute ----------------------------------------------------------------------------


def _grid_brute(rac: RAC, T: int, F: np.ndarray) -> np.ndarray:
    N = F.shape[0]
    total = N**T
    out = np.empty((total, rac.C))
    powers = N ** np.arange(T - 1, -1, -1, dtype=np.int64)
    rows = max(1, _BRUTE_ROWS // max(1, T))
    for start in range(0, total, rows):
        idx = np.arange(start, min(total, start + rows), dtype=np.int64)
        digits = (idx[:, None] // powers[None, :]) % N  # (batch, T), d_1 most significant
        out[start : start + idx.size] = rac.forward(F[digits])
    return out


# -- choosing a method ------------------------------------------------------------------------


def _auto_method(rac: RAC, T: int, N: int, net: RacNetwork | None) -> str:
    # Measured (benchmarks/bench_grid.py and a sweep over M, R, L, T): 'prefix' was fastest on
    # every shape, from N^T = 2 upward; 'brute' repeats each prefix's work T times, and the
    # network repeats every cell C(T-t+L-l, L-l) times.
    return "prefix"


# -- validation -------------------------------------------------------------------------------


def _check_network(net: object) -> RacNetwork:
    if not isinstance(net, RacNetwork):
        raise TypeError(f"net must be a RacNetwork (from compile_rac), got {type(net).__name__}")
    return net


def _resolve_source(source: object, T: object) -> tuple[RAC, int, RacNetwork | None]:
    if isinstance(source, RacNetwork):
        if T is not None and T != source.T:
            raise ValueError(f"T = {T} does not match the network's T = {source.T}")
        return source.rac, source.T, source
    if not isinstance(source, RAC):
        raise TypeError(f"rac must be a rac_tn.RAC or a RacNetwork, got {type(source).__name__}")
    if T is None:
        raise TypeError("T (the sequence length) is required when passing a RAC")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)):
        raise TypeError(f"T must be a positive integer, got {T!r}")
    if T < 1:
        raise ValueError(f"T must be a positive integer, got {T}")
    return source, int(T), None


def _check_templates(templates: object, M: int, *, allow_int: bool = False) -> np.ndarray:
    """``templates`` as an ``(N, M)`` array (float64 unless ``allow_int``); ``I_M`` if None."""
    if templates is None:
        return np.eye(M, dtype=np.int64 if allow_int else np.float64)
    arr = np.asarray(templates)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"templates must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != M or arr.shape[0] < 1:
        raise ValueError(
            f"templates must be an N x M array with M = {M} (one template per row, N >= 1), "
            f"got shape {arr.shape}"
        )
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError("templates contain NaN or infinite entries")
    if allow_int and np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    return arr.astype(np.float64)


def _check_output_size(N: int, T: int, C: int, max_bytes: int | None, *, what: str) -> None:
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    entries = N**T * C
    size = 8 * entries
    if size > limit:
        shape = f"{N}^{T}" + (f" x {C}" if C > 1 else "")
        raise ValueError(
            f"the {what} would have {shape} = {entries:,} entries ({_human(size)} as 8-byte "
            f"numbers), above max_bytes={limit:,} ({_human(limit)}). Pass a larger max_bytes=, "
            "or use fewer steps or templates; rac_tn.separation_rank(..., method='sampled') "
            "and the cut bounds never form the grid tensor."
        )


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"  # pragma: no cover


__all__ = [
    "DEFAULT_MAX_BYTES",
    "ContractionCost",
    "clear_path_cache",
    "contraction_cost",
    "evaluate",
    "grid_tensor",
    "grid_tensor_mod",
]
