"""Contract compiled networks: evaluation, contraction paths and trees, and their costs.

``optimize=None`` (or ``'structured'``) contracts along the order the compiler emits, with no
search; any cotengra ``optimize`` works too (a preset, an optimiser, a path or a tree). Trees
are cached per (network shape, output, ``optimize``). The functions are bound as methods of
:class:`~rac_tn.network.RacNetwork`: ``net.evaluate(X)``, ``net.contraction_cost()``,
``net.contraction_tree()``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

import cotengra as ctg
import numpy as np

from rac_tn._checks import (
    check_float_range,
    check_templates,
    is_int,
    positive_int,
)
from rac_tn.arith.scaled import check_underflow
from rac_tn.models.protocol import RecurrentModel

if TYPE_CHECKING:
    import quimb.tensor as qtn


class RacNetwork(Protocol):
    """What contraction reads of a compiled network (:class:`rac_tn.network.RacNetwork`)."""

    @property
    def tn(self) -> qtn.TensorNetwork: ...  # noqa: D102
    @property
    def T(self) -> int: ...  # noqa: D102, N802
    @property
    def L(self) -> int: ...  # noqa: D102, N802
    @property
    def model(self) -> RecurrentModel: ...  # noqa: D102
    @property
    def rac(self) -> RecurrentModel: ...  # noqa: D102
    @property
    def family(self) -> str: ...  # noqa: D102
    @property
    def augmented_input(self) -> bool: ...  # noqa: D102
    @property
    def places(self) -> dict[int, Any]: ...  # noqa: D102
    @property
    def path(self) -> tuple[tuple[int, int], ...]: ...  # noqa: D102
    @property
    def tids(self) -> tuple[int, ...]: ...  # noqa: D102
    @property
    def input_inds(self) -> tuple[str, ...]: ...  # noqa: D102
    @property
    def output_inds(self) -> tuple[str, ...]: ...  # noqa: D102
    @property
    def signature(self) -> tuple[Any, ...]: ...  # noqa: D102


#: ``optimize=``: None / 'structured' (the compiler's path), a cotengra preset name, an
#: optimiser object, an explicit path or a ``ContractionTree``.
Optimize = Any

_TREE_CACHE_SIZE = 128
_TREE_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, ctg.ContractionTree]] = OrderedDict()
_BATCH = "batch"  # the batch hyperedge of evaluate(); not a name the compiler uses


@dataclass(frozen=True)
class ContractionCost:
    """Cost of a contraction: a thin view of a cotengra ``ContractionTree``.

    ``flops`` is ``tree.total_flops()``, ``width`` is ``tree.contraction_width()`` (log2 of the
    largest intermediate); ``symbols`` maps the network's index names to the tree's characters.
    """

    flops: float
    width: float
    tree: ctg.ContractionTree
    optimize: str
    symbols: dict[str, str]

    @property
    def log10_flops(self) -> float:
        """``log10(flops)`` (0 for fewer than 2 flops)."""
        return float(np.log10(max(self.flops, 1)))

    def __repr__(self) -> str:
        return (
            f"ContractionCost(flops={self.flops:.4g}, width={self.width:.3g}, "
            f"optimize={self.optimize!r})"
        )


# -- evaluation -------------------------------------------------------------------------------


def evaluate(net: RacNetwork, X: object, *, optimize: Any = None) -> np.ndarray:
    """The network's value on ``X`` (``(T, M)`` or ``(batch, T, M)``), equal to ``rac.forward(X)``.

    With ``optimize=None`` the value comes from the recurrence, which shares every copy of a cell
    the copy tree rebuilds (measured 2-18x faster than contracting). Pass ``optimize``
    (``'structured'``, a cotengra preset, a path or a tree) to contract the network itself: every
    ``W^{I,1}`` copy of input t then reads its own copy of ``f_t``, and the batch index is a
    hyperedge shared by all of them.

    >>> from rac_tn import RAC, compile_rac
    >>> rac = RAC.random(2, 3, depth=2, seed=0)
    >>> X = np.eye(2)[[0, 1, 1, 0]]
    >>> net = compile_rac(rac, 4)
    >>> bool(np.allclose(net.evaluate(X, optimize="structured"), rac.forward(X)))
    True
    """
    net = _check_network(net)
    batch, single = net.rac._check_inputs(X)  # type: ignore[attr-defined]  # RAC, BilinearModel
    if batch.shape[1] != net.T:
        raise ValueError(
            f"X must have T = {net.T} steps (the network was compiled for T = {net.T}), "
            f"got shape {np.shape(X)}"  # type: ignore[call-overload]  # any object at run time
        )
    if optimize is None:
        out = net.rac.forward(batch)
        return out[0] if single else out
    require_values(net, "evaluate(..., optimize=...)")
    batch = batch.astype(np.float64)
    inputs, arrays = _attached(net, batch, per_step=True)
    output = (_BATCH, *net.output_inds)
    tree, _ = _tree(net, inputs, output, arrays, optimize, ("evaluate", batch.shape[0]))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        out = np.asarray(tree.contract(arrays)).reshape(batch.shape[0], net.rac.num_classes)
    check_float_range(
        out,
        f"y (T = {net.T}, depth {net.L})",
        "rac.forward_scaled(X) represents any size; rac.forward_mod(X, p) is exact.",
    )
    check_underflow(net.rac, out, batch, f"y (T = {net.T}, depth {net.L})")
    return out[0] if single else out


# -- costs ------------------------------------------------------------------------------------


def contraction_cost(
    net: RacNetwork, optimize: Any = None, *, templates: object = None
) -> ContractionCost:
    """Flops and width of contracting ``net`` into its grid tensor (N templates, M by default).

    >>> from rac_tn import RAC, compile_rac
    >>> cost = compile_rac(RAC.random(2, 4, seed=0), T=6).contraction_cost()
    >>> cost.width  # log2 of the largest intermediate, R * 2**6
    8.0
    """
    net = _check_network(net)
    if is_int(templates):
        F = np.zeros((positive_int(templates, "templates"), net.rac.M))
    else:
        F = check_templates(templates, net.rac.M)
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


def contraction_tree(
    net: RacNetwork, optimize: Optimize = None, *, templates: object = None
) -> ctg.ContractionTree:
    """The cotengra ``ContractionTree`` for the grid tensor (cached per shape).

    >>> from rac_tn import RAC, compile_rac
    >>> contraction_tree(compile_rac(RAC.random(2, 2, seed=0), T=3)).contraction_width()
    4.0
    """
    return contraction_cost(net, optimize, templates=templates).tree


# -- the network's own grid tensor --------------------------------------------------------------


def contract_grid(net: RacNetwork, F: np.ndarray, optimize: Optimize = None) -> np.ndarray:
    """The grid tensor of ``net`` with templates ``F`` by contraction, flat ``(N^T, C)``."""
    require_values(net, "the 'network' grid tensor")
    inputs, arrays = _attached(net, F, per_step=False)
    output = (*net.input_inds, *net.output_inds)
    tree, _ = _tree(net, inputs, output, arrays, optimize, ("grid", F.shape[0]))
    return np.asarray(tree.contract(arrays))


def _attached(
    net: RacNetwork, data: np.ndarray, *, per_step: bool
) -> tuple[list[tuple[str, ...]], list[np.ndarray]]:
    """Inputs and arrays of ``net`` with ``F`` (or each step of ``X``) at every input copy."""
    tensors = net.tn.tensor_map
    if net.augmented_input:
        data = np.concatenate([data, np.ones(data.shape[:-1] + (1,), data.dtype)], axis=-1)
    inputs, arrays = [], []
    for tid in net.tids:
        tensor, place = tensors[tid], net.places[tid]
        inds, array = tuple(tensor.inds), tensor.data
        if place.layer == 1 and place.role in ("WI", "CORE", "B", "CORE3"):
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
    """The contraction tree for ``optimize`` (cached) and the index-name -> symbol map it uses."""
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


def require_values(net: object, what: str) -> None:
    """A ValueError when ``net`` was compiled with ``values=False`` (placeholders, no values)."""
    if not getattr(net, "has_values", True):
        raise ValueError(
            f"{what} contracts the network, but it was compiled with values=False (its COPY "
            "tensors are placeholders); compile it with values=True, or use rac.forward / "
            "grid_tensor(method='prefix'), which never build it"
        )


def _check_network(net: object) -> RacNetwork:
    if not all(hasattr(net, name) for name in ("tn", "path", "places", "model", "input_inds")):
        raise TypeError(f"net must be a RacNetwork (from compile_rac), got {type(net).__name__}")
    return cast("RacNetwork", net)  # duck-typed: it has a RacNetwork's attributes


__all__ = [
    "ContractionCost",
    "Optimize",
    "clear_path_cache",
    "contract_grid",
    "contraction_cost",
    "contraction_tree",
    "evaluate",
    "require_values",
]
