"""Compile a RAC into a quimb tensor network.

``compile_rac(rac, T)`` builds the network of the output ``y(f_1, ..., f_T)``:

- ``kind='mps'`` (the default for L = 1): a tensor train, one core per step,
  ``G_t[a, b, d] = W^H[b, a] * W^I[b, d]``, closed by ``h^{1,0}`` on the left and ``W^O`` on
  the right.
- ``kind='tree'`` (L >= 2, also available for L = 1): the copy tree. A network cannot copy a
  vector, so every use of ``h^{l,t}`` gets its own copy of the sub-network that computes it.
  A copy of cell ``(l, t)`` is three tensors, ``W^{H,l}``, ``W^{I,l}`` and an order-3 COPY
  (delta) tensor for the elementwise product, plus the initial state ``h^{l,0}`` it reads when
  ``t = 1``. Cell ``(l, t)`` has ``C(T-t+L-l, L-l)`` copies and input ``t`` appears
  ``n_t = C(T-t+L-1, L-1)`` times.

Index names (all stable; ``route`` is the copy id defined below):

====================  =====  ==================================================================
index                 size   meaning
====================  =====  ==================================================================
``d{t}``              M      input ``t`` (1-based), open. In the tree one hyperedge shared by
                             every ``W^{I,1}`` copy of input ``t`` (COPY semantics); in the MPS
                             on core ``t`` only.
``c``                 C      class index on ``W^O``, open; present only when C > 1.
``h{l}_{t}.R{route}`` R      state ``h^{l,t}`` of copy ``route`` (``t = 0``: the initial state
                             read by copy ``route`` of cell ``(l, 1)``). MPS: ``h1_{t}.R``.
``a{l}_{t}.R{route}`` R      ``W^{H,l} h^{l,t-1}``, from ``WH`` into the ``DELTA`` of the copy.
``b{l}_{t}.R{route}`` R      ``W^{I,l} h^{l-1,t}``, from ``WI`` into the ``DELTA`` of the copy.
====================  =====  ==================================================================

Routes and tags. The ``route`` of a copy of cell ``(l, t)`` is the path from the output down to
it, a string over ``{'h', 'i'}``: ``'h'`` steps to the previous time of the same layer (through
``W^H``), ``'i'`` one layer down (through ``W^I``). The root copy ``(L, T)`` has route ``''``;
its previous-time child is ``'h'``, the child below it ``'i'``. Every tensor carries four tags:
its kind (``'WH'``, ``'WI'``, ``'DELTA'``, ``'H0'``, ``'WO'``; MPS: ``'CORE'``, ``'H0'``,
``'WO'``), ``L{l}``, ``T{t}`` and ``R{route}`` (``'R'`` for the root). ``H0`` of layer ``l``
is ``L{l}``/``T0``, ``W^O`` is ``L{L+1}``/``T{T}``; the tensors of one copy (and the ``H0`` it
reads) share its route. ``net.places[tid]`` holds the same as a :class:`TensorPlace`.

Examples
--------
>>> from rac_tn import RAC, compile_rac
>>> net = compile_rac(RAC.random(2, 3, depth=2, seed=0), T=3)
>>> net.kind, net.input_inds, net.num_tensors == count_tensors(2, 3)
('tree', ('d1', 'd2', 'd3'), True)
>>> len(net.tn.select_tensors(["WI", "L1", "T1"]))   # n_1 = C(3-1+1, 1) = 3 copies of input 1
3
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from math import comb
from typing import TYPE_CHECKING, Any

import numpy as np
import quimb.tensor as qtn

from rac_tn.model import RAC

if TYPE_CHECKING:  # pragma: no cover
    from rac_tn.contract import ContractionCost

DEFAULT_MAX_TENSORS = 200_000
KINDS = ("mps", "tree")


@dataclass(frozen=True)
class TensorPlace:
    """Where a tensor sits: its kind, layer, time and copy route (see the module docstring)."""

    kind: str
    layer: int
    time: int
    route: str


def count_tensors(L: int, T: int, kind: str | None = None) -> int:
    """Number of tensors ``compile_rac`` builds, in closed form.

    The tree has ``C(T+L, L) - 1`` cell copies (3 tensors each), one ``H0`` per copy of a
    ``t = 1`` cell (``C(T+L-1, L-1)`` of them) and ``W^O``; the MPS has ``T + 2`` tensors.

    >>> count_tensors(1, 10), count_tensors(1, 10, kind="tree"), count_tensors(2, 4)
    (12, 32, 48)
    """
    L, T = _positive_int(L, "L"), _positive_int(T, "T")
    kind = _resolve_kind(L, kind)
    if kind == "mps":
        return T + 2
    return 3 * (comb(T + L, L) - 1) + comb(T + L - 1, L - 1) + 1


def cell_copies(L: int, T: int, layer: int, time: int) -> int:
    """Copies of cell ``(layer, time)`` in the copy tree: ``C(T-time+L-layer, L-layer)``."""
    if not (1 <= layer <= L and 1 <= time <= T):
        raise ValueError(f"cell (layer, time) must lie in 1..{L} x 1..{T}, got ({layer}, {time})")
    return comb(T - time + L - layer, L - layer)


def input_copies(L: int, T: int, time: int) -> int:
    """``n_t = C(T-t+L-1, L-1)``: how many ``W^{I,1}`` copies read input ``t``."""
    return cell_copies(L, T, 1, time)


class RacNetwork:
    """A RAC compiled into a quimb :class:`~quimb.tensor.TensorNetwork` for ``T`` steps.

    Attributes
    ----------
    tn : quimb.tensor.TensorNetwork
        The network; its open indices are ``input_inds`` (and ``'c'`` when C > 1).
    T, rac, kind
        Sequence length, the source :class:`~rac_tn.RAC`, and ``'mps'`` or ``'tree'``.
    input_inds : tuple[str, ...]
        ``('d1', ..., 'dT')``.
    output_inds : tuple[str, ...]
        ``('c',)`` when C > 1, else ``()``.
    places : dict[int, TensorPlace]
        The kind, layer, time and route of every tensor id of ``tn.tensor_map``.
    path : tuple[tuple[int, int], ...]
        The structured contraction order emitted by the compiler, as an SSA path over the
        tensors in ``tids`` order (MPS: left-to-right sweep; tree: bottom-up, each copy after
        its two children). Contracting along it needs no search.
    tids : tuple[int, ...]
        The tensor ids in the order ``path`` refers to.

    Contraction lives in :mod:`rac_tn.contract` and is bound here as methods:
    :meth:`evaluate`, :meth:`grid_tensor`, :meth:`contraction_cost`.
    """

    def __init__(
        self,
        tn: qtn.TensorNetwork,
        T: int,
        rac: RAC,
        kind: str,
        places: dict[int, TensorPlace],
        path: tuple[tuple[int, int], ...],
    ) -> None:
        self.tn = tn
        self.T = T
        self.rac = rac
        self.kind = kind
        self.places = places
        self.path = path
        self.tids = tuple(tn.tensor_map)
        self.input_inds = tuple(f"d{t}" for t in range(1, T + 1))
        self.output_inds = ("c",) if rac.C > 1 else ()

    # -- sizes --------------------------------------------------------------------------------

    @property
    def L(self) -> int:
        """Depth of the RAC."""
        return self.rac.L

    @property
    def num_tensors(self) -> int:
        """Number of tensors in ``tn``."""
        return self.tn.num_tensors

    @property
    def signature(self) -> tuple[Any, ...]:
        """``(kind, M, R, L, C, T)``: everything the network's structure depends on."""
        rac = self.rac
        return (self.kind, rac.M, rac.R, rac.L, rac.C, self.T)

    def __repr__(self) -> str:
        rac = self.rac
        return (
            f"RacNetwork(kind={self.kind!r}, T={self.T}, M={rac.M}, R={rac.R}, L={rac.L}, "
            f"C={rac.C}, tensors={self.num_tensors})"
        )

    # -- contraction, bound from rac_tn.contract ------------------------------------------------

    def evaluate(self, X: object, *, optimize: Any = None) -> np.ndarray:
        """``y`` for inputs ``X``, by contraction; see :func:`rac_tn.contract.evaluate`."""
        from rac_tn.contract import evaluate

        return evaluate(self, X, optimize=optimize)

    def grid_tensor(
        self,
        templates: object = None,
        *,
        method: str = "network",
        optimize: Any = None,
        max_bytes: int | None = None,
    ) -> np.ndarray:
        """The grid tensor, by default by contracting this network.

        See :func:`rac_tn.contract.grid_tensor` (``method='auto'`` picks the fastest way).
        """
        from rac_tn.contract import grid_tensor

        return grid_tensor(
            self, templates=templates, method=method, optimize=optimize, max_bytes=max_bytes
        )

    def contraction_cost(
        self, optimize: Any = None, *, templates: object = None
    ) -> ContractionCost:
        """Flops and width of contracting the grid tensor; see
        :func:`rac_tn.contract.contraction_cost`."""
        from rac_tn.contract import contraction_cost

        return contraction_cost(self, optimize=optimize, templates=templates)

    def contraction_tree(self, optimize: Any = None, *, templates: object = None) -> Any:
        """The cotengra ``ContractionTree`` for the grid tensor (cached per shape)."""
        return self.contraction_cost(optimize, templates=templates).tree

    def to_mps(self, templates: object = None, *, cls: int | None = None) -> qtn.MatrixProductState:
        """The grid tensor as a quimb :class:`~quimb.tensor.MatrixProductState` (L = 1 only).

        ``h^{1,0}`` is absorbed into the first site and ``W^O`` into the last, so site ``i``
        (quimb's 0-based ``k{i}`` / ``I{i}``) is time ``t = i + 1`` and
        ``mps.to_dense()`` is the flattened grid tensor. With templates (``N x M``) the
        physical dimension is N. For C > 1 choose the class with ``cls``.

        >>> from rac_tn import RAC, compile_rac
        >>> mps = compile_rac(RAC.random(2, 3, seed=0), T=5).to_mps()
        >>> mps.L, mps.max_bond()
        (5, 3)
        """
        if self.rac.L != 1:
            raise ValueError(
                f"to_mps needs a shallow RAC (L = 1); this one has depth L = {self.rac.L}, "
                "whose network is a copy tree, not a tensor train"
            )
        from rac_tn.contract import _check_templates

        rac = self.rac
        F = _check_templates(templates, rac.M)
        if rac.C == 1:
            if cls not in (None, 0):
                raise ValueError(f"cls must be None or 0 for a single-output RAC, got {cls!r}")
            out = np.asarray(rac.output_weights[0], dtype=np.float64)
        else:
            if isinstance(cls, bool) or not isinstance(cls, (int, np.integer)):
                raise ValueError(
                    f"this RAC has C = {rac.C} classes: pass cls= an integer in 0..{rac.C - 1}"
                )
            if not 0 <= cls < rac.C:
                raise ValueError(f"cls must be in 0..{rac.C - 1}, got {cls}")
            out = np.asarray(rac.output_weights[cls], dtype=np.float64)
        wh = np.asarray(rac.hidden_weights[0], dtype=np.float64)
        drive = np.asarray(rac.input_weights[0], dtype=np.float64) @ F.T  # (R, N)
        core = np.einsum("ba,bn->abn", wh, drive)  # G[a, b, n], the 'lrp' layout
        h0 = np.asarray(rac.initial_states[0], dtype=np.float64)
        T = self.T
        if T == 1:
            return qtn.MatrixProductState([np.einsum("a,abn,b->n", h0, core, out)])
        arrays = [np.einsum("a,abn->bn", h0, core)]
        arrays += [core] * (T - 2)
        arrays.append(np.einsum("abn,b->an", core, out))
        return qtn.MatrixProductState(arrays, shape="lrp")


# -- compiler ---------------------------------------------------------------------------------


def compile_rac(
    rac: RAC, T: int, *, kind: str | None = None, max_tensors: int = DEFAULT_MAX_TENSORS
) -> RacNetwork:
    """Compile ``rac`` for sequences of length ``T`` into a :class:`RacNetwork`.

    Parameters
    ----------
    rac
        The model.
    T
        Number of time steps.
    kind
        ``'mps'`` (L = 1 only; the default there) or ``'tree'`` (the default for L >= 2; for
        L = 1 it shows ``W^H``, ``W^I`` and the COPY tensors explicitly).
    max_tensors
        Refuse to build more tensors than this (the copy tree grows like ``C(T+L, L)``).

    Examples
    --------
    >>> from rac_tn import RAC
    >>> net = compile_rac(RAC.random(3, 2, depth=2, seed=1), T=4)
    >>> net
    RacNetwork(kind='tree', T=4, M=3, R=2, L=2, C=1, tensors=48)
    """
    if not isinstance(rac, RAC):
        raise TypeError(f"rac must be a rac_tn.RAC, got {type(rac).__name__}")
    T = _positive_int(T, "T")
    kind = _resolve_kind(rac.L, kind)
    max_tensors = _positive_int(max_tensors, "max_tensors")
    count = count_tensors(rac.L, T, kind)
    if count > max_tensors:
        raise ValueError(
            f"compile_rac: a depth-{rac.L} RAC over T = {T} steps compiles to {count:,} tensors "
            f"(cell (l,t) is copied C(T-t+L-l, L-l) times; {comb(T + rac.L - 1, rac.L):,} input "
            f"legs), above max_tensors={max_tensors:,}. Pass max_tensors= to build it anyway, "
            "or use the computation-grid analysis, which never duplicates: "
            "rac_tn.grid.computation_grid(rac, T) and rac_tn.bounds.symmetric_bound(rac, "
            "partition); rac_tn.grid_tensor(rac, T, method='prefix') gives the grid tensor "
            "without building the network."
        )
    # The build allocates several objects per tensor; the cyclic garbage collector's passes
    # over them took half the build time (measured), and nothing here needs collecting.
    collecting = gc.isenabled()
    gc.disable()
    try:
        builder = _Builder(rac, T)
        if kind == "mps":
            builder.build_mps()
        else:
            builder.build_tree()
        return builder.finish(kind)
    finally:
        if collecting:
            gc.enable()


class _Builder:
    """Collects tensors and the structured path; contraction steps refer to tensors by position
    (``('t', i)``) or to earlier steps (``('s', k)``), turned into an SSA path at the end."""

    def __init__(self, rac: RAC, T: int) -> None:
        self.rac = rac
        self.T = T
        self.tensors: list[qtn.Tensor] = []
        self.places: list[TensorPlace] = []
        self.steps: list[tuple[tuple[str, int], tuple[str, int]]] = []

        def frozen(a: np.ndarray) -> np.ndarray:
            # one read-only float64 array shared by every copy: cheap, and safe to alias
            out = np.array(a, dtype=np.float64)
            out.flags.writeable = False
            return out

        self.wh = [frozen(w) for w in rac.hidden_weights]
        self.wi = [frozen(w) for w in rac.input_weights]
        self.h0 = [frozen(h) for h in rac.initial_states]
        self.wo = frozen(rac.output_weights if rac.C > 1 else rac.output_weights[0])
        delta = np.zeros((rac.R,) * 3)
        delta[np.arange(rac.R), np.arange(rac.R), np.arange(rac.R)] = 1.0
        self.delta = frozen(delta)

    def add(
        self, data: np.ndarray, inds: tuple[str, ...], kind: str, layer: int, time: int, route: str
    ) -> tuple[str, int]:
        tags = (kind, f"L{layer}", f"T{time}", f"R{route}")
        self.tensors.append(qtn.Tensor(data, inds=inds, tags=tags))
        self.places.append(TensorPlace(kind, layer, time, route))
        return ("t", len(self.tensors) - 1)

    def contract(self, x: tuple[str, int], y: tuple[str, int]) -> tuple[str, int]:
        self.steps.append((x, y))
        return ("s", len(self.steps) - 1)

    def add_output(self, state: tuple[str, int], state_ind: str) -> None:
        L, T = self.rac.L, self.T
        inds = ("c", state_ind) if self.rac.C > 1 else (state_ind,)
        wo = self.add(self.wo, inds, "WO", L + 1, T, "")
        self.contract(state, wo)

    def build_mps(self) -> None:
        rac, T = self.rac, self.T
        core = np.einsum("ba,bd->abd", rac.hidden_weights[0], rac.input_weights[0]).astype(float)
        core.flags.writeable = False
        state = self.add(self.h0[0], ("h1_0.R",), "H0", 1, 0, "")
        for t in range(1, T + 1):
            inds = (f"h1_{t - 1}.R", f"h1_{t}.R", f"d{t}")
            state = self.contract(state, self.add(core, inds, "CORE", 1, t, ""))
        self.add_output(state, f"h1_{T}.R")

    def build_tree(self) -> None:
        L, T = self.rac.L, self.T
        # Iterative post-order walk of the copy tree (recursion would hit Python's limit for
        # long sequences): a copy is emitted after its previous-time child, then its child below.
        todo: list[tuple[bool, int, int, str]] = [(False, L, T, "")]
        done: list[tuple[str, int]] = []
        while todo:
            leaving, layer, t, r = todo.pop()
            if not leaving:
                todo.append((True, layer, t, r))
                if layer > 1:
                    todo.append((False, layer - 1, t, r + "i"))
                if t > 1:
                    todo.append((False, layer, t - 1, r + "h"))
                continue
            below = done.pop() if layer > 1 else None
            if t > 1:
                prev = done.pop()
            else:
                prev = self.add(self.h0[layer - 1], (f"h{layer}_0.R{r}",), "H0", layer, 0, r)
            a_ind, b_ind = f"a{layer}_{t}.R{r}", f"b{layer}_{t}.R{r}"
            prev_ind = f"h{layer}_{t - 1}.R{r}h" if t > 1 else f"h{layer}_0.R{r}"
            below_ind = f"h{layer - 1}_{t}.R{r}i" if layer > 1 else f"d{t}"
            wh = self.add(self.wh[layer - 1], (a_ind, prev_ind), "WH", layer, t, r)
            a = self.contract(wh, prev)
            wi = self.add(self.wi[layer - 1], (b_ind, below_ind), "WI", layer, t, r)
            b = wi if below is None else self.contract(wi, below)
            delta = self.add(self.delta, (f"h{layer}_{t}.R{r}", a_ind, b_ind), "DELTA", layer, t, r)
            done.append(self.contract(self.contract(delta, a), b))
        self.add_output(done.pop(), f"h{L}_{T}.R")

    def finish(self, kind: str) -> RacNetwork:
        tn = qtn.TensorNetwork(self.tensors, virtual=True, check_collisions=False)
        n = len(self.tensors)

        def ssa(ref: tuple[str, int]) -> int:
            return ref[1] if ref[0] == "t" else n + ref[1]

        path = tuple((ssa(x), ssa(y)) for x, y in self.steps)
        tids = list(tn.tensor_map)
        places = dict(zip(tids, self.places, strict=True))
        return RacNetwork(tn, self.T, self.rac, kind, places, path)


# -- validation -------------------------------------------------------------------------------


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _resolve_kind(L: int, kind: str | None) -> str:
    if kind is None:
        return "mps" if L == 1 else "tree"
    if kind not in KINDS:
        raise ValueError(f"kind must be 'mps' or 'tree' (or None for the default), got {kind!r}")
    if kind == "mps" and L != 1:
        raise ValueError(
            f"kind='mps' needs a shallow RAC (L = 1), got depth L = {L}: a deep RAC's network "
            "is the copy tree (kind='tree')"
        )
    return kind


__all__ = [
    "DEFAULT_MAX_TENSORS",
    "RacNetwork",
    "TensorPlace",
    "cell_copies",
    "compile_rac",
    "count_tensors",
    "input_copies",
]
