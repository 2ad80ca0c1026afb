"""Building a model's tensor network tensor by tensor, with its structured contraction path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import quimb.tensor as qtn

from rac_tn._arrays import frozen
from rac_tn._checks import positive_int
from rac_tn.counting import LEG_LETTERS, copy_tree_tensor_count, copy_tree_walk
from rac_tn.models.protocol import RecurrentModel, rac_form

#: ``'A'``, ``'B'``, ``'C'`` (CP factors) and ``'CORE3'`` (a dense core) are the families' roles.
#: The network shapes :func:`compile_rac` builds: a tensor train or the copy tree.
NetworkKind = Literal["mps", "tree"]
KINDS: tuple[NetworkKind, ...] = ("mps", "tree")
#: The role tag of a tensor (see :mod:`rac_tn.network`).
TensorRole = Literal["WH", "WI", "DELTA", "H0", "WO", "CORE", "A", "B", "C", "CORE3"]


@dataclass(frozen=True)
class TensorPlace:
    """Where a tensor sits in a compiled network.

    Attributes
    ----------
    role
        ``'WH'``, ``'WI'``, ``'DELTA'``, ``'H0'``, ``'WO'`` (copy tree) or ``'CORE'`` (MPS) of a
        RAC; a family's ``'A'``, ``'B'``, ``'C'``, ``'DELTA'`` (CP core) or ``'CORE3'`` (dense
        core), ``'H0'`` and ``'WO'``.
    layer, time
        The cell it belongs to (``H0``: time 0; ``W^O``: layer L+1, time T).
    route
        The copy it belongs to (``''`` for the root copy and in an MPS).
    """

    role: TensorRole
    layer: int
    time: int
    route: str


def copy_data(size: int, values: bool = True) -> np.ndarray:
    """The order-3 COPY tensor of dimension ``size`` (read-only), or a zero-byte placeholder."""
    if not values:
        return np.broadcast_to(np.float64(0.0), (size,) * 3)
    delta = np.zeros((size,) * 3)
    delta[np.arange(size), np.arange(size), np.arange(size)] = 1.0
    delta.flags.writeable = False
    return delta


def copy_sizes(model: RecurrentModel) -> tuple[int, ...]:
    """The dimension of each COPY tensor a copy tree of ``model`` holds (the MPS holds none).

    A model in the RAC's form shares one COPY tensor of its width across layers; a family
    holds one per CP layer, of its CP rank K (a dense core holds none).
    """
    if rac_form(model):
        return (model.hidden_dim,)
    return tuple(layer.factors()[0].shape[1] for layer in model.layers if layer.core != "dense")


def tensor_data(weights: np.ndarray, values: bool = True) -> np.ndarray:
    """A tensor's data: read-only float64, or a zero-byte placeholder of its shape.

    The model's own array is used when it is read-only float64. ``values=False`` gives the
    placeholder: a structure for cuts, drawings and costs, never contracted.
    """
    if not values:
        return np.broadcast_to(np.float64(0.0), np.shape(weights))
    # one read-only array shared by every copy of a weight: cheap, and safe to alias
    return frozen(weights, np.float64)


class Builder:
    """Collects the tensors, their places and the structured path of a RAC's MPS or copy tree."""

    def __init__(self, model: RecurrentModel, T: int, values: bool = True) -> None:
        """Read-only float64 copies of the weights of a model in the RAC's form (``'mi'``)."""
        self.model = model
        self.L, self.num_classes = model.depth, model.num_classes
        self.T = T
        self.tensors: list[qtn.Tensor] = []
        self.places: list[TensorPlace] = []
        self.steps: list[tuple[tuple[str, int], tuple[str, int]]] = []

        # every layer is 'mi' (the RAC's form), so has A and B
        self.wh = [tensor_data(layer.A.T, values) for layer in model.layers]  # type: ignore[union-attr]
        self.wi = [tensor_data(layer.B.T, values) for layer in model.layers]  # type: ignore[union-attr]
        self.h0 = [tensor_data(layer.initial_state, values) for layer in model.layers]
        readout = model.readout
        self.wo = tensor_data(readout if self.num_classes > 1 else readout[0], values)
        self.values = values  # the COPY tensor is made by build_tree (the MPS has none)

    def add(
        self,
        data: np.ndarray,
        inds: tuple[str, ...],
        role: TensorRole,
        layer: int,
        time: int,
        route: str,
    ) -> tuple[str, int]:
        """Add one tensor with its four tags and place; returns its reference ``('t', i)``."""
        tags = (role, f"L{layer}", f"T{time}", f"R{route}")
        self.tensors.append(qtn.Tensor(data, inds=inds, tags=tags))
        self.places.append(TensorPlace(role, layer, time, route))
        return ("t", len(self.tensors) - 1)

    def contract(self, x: tuple[str, int], y: tuple[str, int]) -> tuple[str, int]:
        """Record the contraction of ``x`` and ``y``; returns its reference ``('s', k)``."""
        self.steps.append((x, y))
        return ("s", len(self.steps) - 1)

    def add_output(self, state: tuple[str, int], state_ind: str) -> None:
        """Close the network with ``W^O`` on the final state (and the class index when C > 1)."""
        L, T = self.L, self.T
        inds = ("c", state_ind) if self.num_classes > 1 else (state_ind,)
        wo = self.add(self.wo, inds, "WO", L + 1, T, "")
        self.contract(state, wo)

    def build_mps(self) -> None:
        """The tensor train: ``h^{1,0}``, one core ``G_t[a, b, d]`` per step, ``W^O``."""
        T = self.T
        wh, wi = self.wh[0], self.wi[0]
        if self.values:
            core = np.einsum("ba,bd->abd", wh, wi)
            core.flags.writeable = False
        else:
            core = np.broadcast_to(np.float64(0.0), (wh.shape[1], wh.shape[0], wi.shape[1]))
        state = self.add(self.h0[0], ("h1_0.R",), "H0", 1, 0, "")
        for t in range(1, T + 1):
            inds = (f"h1_{t - 1}.R", f"h1_{t}.R", f"d{t}")
            state = self.contract(state, self.add(core, inds, "CORE", 1, t, ""))
        self.add_output(state, f"h1_{T}.R")

    def build_tree(self) -> None:
        """The copy tree, copy by copy in post-order (:func:`rac_tn.counting.copy_tree_walk`)."""
        L, T = self.L, self.T
        # post-order: a copy is emitted after its previous-time child, then its child below,
        # so both children's contracted results sit on top of the stack
        done: list[tuple[str, int]] = []
        (size,) = copy_sizes(self.model)
        delta_data = copy_data(size, self.values)
        for layer, t, r in copy_tree_walk(L, T):
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
            delta = self.add(delta_data, (f"h{layer}_{t}.R{r}", a_ind, b_ind), "DELTA", layer, t, r)
            done.append(self.contract(self.contract(delta, a), b))
        self.add_output(done.pop(), f"h{L}_{T}.R")

    def finish(self) -> tuple[qtn.TensorNetwork, dict[int, TensorPlace], tuple]:
        """The network, the place of each tensor id, and the recorded steps as an SSA path."""
        tn = qtn.TensorNetwork(self.tensors, virtual=True, check_collisions=False)
        n = len(self.tensors)

        def ssa(ref: tuple[str, int]) -> int:
            return ref[1] if ref[0] == "t" else n + ref[1]

        path = tuple((ssa(x), ssa(y)) for x, y in self.steps)
        tids = list(tn.tensor_map)
        places = dict(zip(tids, self.places, strict=True))
        return tn, places, path


class FamilyBuilder(Builder):
    """A family's copy tree: per copy, CP factors around a COPY tensor, or one dense core.

    A CP layer of arity k reads its input through k factors ``B_1 .. B_k`` (each tagged
    ``'B'``) joined to ``A`` and ``C`` by a chain of k order-3 COPY tensors; at layer 1 every
    leg reads the input hyperedge ``d{t}``, above, leg j reads its own copy of the layer below
    (route letter ``LEG_LETTERS[j]``).
    """

    def __init__(self, model: RecurrentModel, T: int, values: bool = True) -> None:
        """Read-only float64 copies of every layer's arrays, shared by every copy."""
        self.model = model
        self.L = model.depth
        self.T = T
        self.tensors = []
        self.places = []
        self.steps = []
        self.layers = model.layers
        self.num_classes = model.readout.shape[0]

        self.arrays: list[dict[str, Any]] = []  # per layer: tensors by role ('B': the legs')
        sizes = iter(copy_sizes(model))
        for layer in self.layers:
            if layer.core != "dense":
                A, _, C = layer.factors()
                delta = copy_data(next(sizes), values)
                parts: dict[str, Any] = {
                    "A": tensor_data(A, values),
                    "C": tensor_data(C, values),
                    "DELTA": delta,
                }
                parts["B"] = [tensor_data(B, values) for B in layer.input_factors]
            else:
                assert layer.W is not None  # a dense core
                parts = {"CORE3": tensor_data(layer.W, values)}
            parts["H0"] = tensor_data(layer.initial_state, values)
            self.arrays.append(parts)
        readout = model.readout
        self.wo = tensor_data(readout if self.num_classes > 1 else readout[0], values)

    def add_output(self, state: tuple[str, int], state_ind: str) -> None:
        """Close the network with the readout (and the class index when C > 1)."""
        L, T = len(self.layers), self.T
        inds = ("c", state_ind) if self.num_classes > 1 else (state_ind,)
        self.contract(state, self.add(self.wo, inds, "WO", L + 1, T, ""))

    def build_tree(self) -> None:
        """The copy tree (the chain for L = 1), copy by copy in post-order."""
        L, T = len(self.layers), self.T
        arities = tuple(layer.arity for layer in self.layers)
        done: list[tuple[str, int]] = []
        for layer, t, r in copy_tree_walk(L, T, arities):
            parts = self.arrays[layer - 1]
            legs = arities[layer - 1]
            belows = [done.pop() for _ in range(legs)][::-1] if layer > 1 else [None] * legs
            if t > 1:
                prev = done.pop()
            else:
                prev = self.add(parts["H0"], (f"h{layer}_0.R{r}",), "H0", layer, 0, r)
            prev_ind = f"h{layer}_{t - 1}.R{r}h" if t > 1 else f"h{layer}_0.R{r}"
            below_inds = [
                f"h{layer - 1}_{t}.R{r}{LEG_LETTERS[j]}" if layer > 1 else f"d{t}"
                for j in range(legs)
            ]
            out_ind = f"h{layer}_{t}.R{r}"
            if "CORE3" in parts:
                core = self.add(
                    parts["CORE3"], (prev_ind, below_inds[0], out_ind), "CORE3", layer, t, r
                )
                x = self.contract(core, prev)
                done.append(x if belows[0] is None else self.contract(x, belows[0]))
                continue
            a_ind, k_ind = f"a{layer}_{t}.R{r}", f"k{layer}_{t}.R{r}"
            x = self.contract(self.add(parts["A"], (prev_ind, a_ind), "A", layer, t, r), prev)
            chain = a_ind
            for j, (B, below, below_ind) in enumerate(
                zip(parts["B"], belows, below_inds, strict=True)
            ):
                suffix = "" if j == 0 else f"~{j}"
                b_ind = f"b{layer}_{t}.R{r}{suffix}"
                nxt = k_ind if j == legs - 1 else f"k{layer}_{t}.R{r}~{j + 1}"
                b = self.add(B, (below_ind, b_ind), "B", layer, t, r)
                if below is not None:
                    b = self.contract(b, below)
                delta = self.add(parts["DELTA"], (chain, b_ind, nxt), "DELTA", layer, t, r)
                x = self.contract(self.contract(delta, x), b)
                chain = nxt
            done.append(self.contract(self.add(parts["C"], (out_ind, k_ind), "C", layer, t, r), x))
        self.add_output(done.pop(), f"h{L}_{T}.R")


# -- sizes (re-exported by rac_tn.network) --------------------------------------------------


def count_tensors(
    L: int, T: int, kind: NetworkKind | None = None, *, per_copy: int | None = None
) -> int:
    """Number of tensors ``compile_rac`` builds, in closed form (no network is built).

    A RAC's copy tree has 3 tensors per cell copy, one ``H0`` per copy of a cell at ``t = 1`` and
    ``W^O``; its MPS has ``T + 2``. A family's network has ``per_copy`` tensors per cell copy (4
    for a CP core, 1 for a dense core). The counts: [Theory: copy counts][theory-copy-tree].

    Parameters
    ----------
    L, T
        Depth and sequence length.
    kind
        ``'mps'``, ``'tree'``, or None for the default of the depth (as :func:`compile_rac`).
    per_copy
        Tensors per cell copy of a model family; None for a RAC.

    Raises
    ------
    ValueError
        For an unknown ``kind``, or ``kind='mps'`` with ``L > 1``.

    Examples
    --------
    >>> count_tensors(1, 10), count_tensors(1, 10, kind="tree"), count_tensors(2, 4)
    (12, 32, 48)
    >>> count_tensors(1, 10, per_copy=4), count_tensors(2, 4, per_copy=1)   # CP, dense
    (42, 20)
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    kind = _resolve_kind(L, kind)
    if per_copy is None and kind == "mps":
        return T + 2
    per_copy = 3 if per_copy is None else positive_int(per_copy, "per_copy")
    return copy_tree_tensor_count(L, T, [per_copy] * L)


# -- validation -------------------------------------------------------------------------------


def _resolve_kind(L: int, kind: str | None) -> NetworkKind:
    """``kind``, or the default for depth ``L`` (``'mps'`` at L = 1, else ``'tree'``)."""
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
