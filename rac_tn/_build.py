"""Building a RAC's tensor network tensor by tensor, with its structured contraction path.

:class:`Builder` emits the MPS (L = 1) or the copy tree, tags every tensor with its role,
layer, time and route (:class:`TensorPlace`), and records the contraction order as it goes, so
the compiled network can be contracted along it with no search. :func:`rac_tn.compile_rac`
wraps the result in a :class:`~rac_tn.network.RacNetwork`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import quimb.tensor as qtn

from rac_tn.grid import copy_tree_walk
from rac_tn.model import RAC

TensorRole = Literal["WH", "WI", "DELTA", "H0", "WO", "CORE"]


@dataclass(frozen=True)
class TensorPlace:
    """Where a tensor sits: its role, layer, time and copy route (see the module docstring).

    Attributes
    ----------
    role
        ``'WH'``, ``'WI'``, ``'DELTA'``, ``'H0'``, ``'WO'`` (copy tree) or ``'CORE'`` (MPS).
    layer, time
        The cell it belongs to (``H0``: time 0; ``W^O``: layer L+1, time T).
    route
        The copy it belongs to (``''`` for the root copy and in an MPS).
    """

    role: TensorRole
    layer: int
    time: int
    route: str


class Builder:
    """Collects tensors and the structured path.

    Contraction steps refer to tensors by position (``('t', i)``) or to earlier steps
    (``('s', k)``), turned into an SSA path at the end.
    """

    def __init__(self, rac: RAC, T: int) -> None:
        """Read-only float64 copies of the weights, shared by every copy of a cell."""
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
        L, T = self.rac.L, self.T
        inds = ("c", state_ind) if self.rac.C > 1 else (state_ind,)
        wo = self.add(self.wo, inds, "WO", L + 1, T, "")
        self.contract(state, wo)

    def build_mps(self) -> None:
        """The tensor train: ``h^{1,0}``, one core ``G_t[a, b, d]`` per step, ``W^O``."""
        rac, T = self.rac, self.T
        core = np.einsum("ba,bd->abd", rac.hidden_weights[0], rac.input_weights[0]).astype(float)
        core.flags.writeable = False
        state = self.add(self.h0[0], ("h1_0.R",), "H0", 1, 0, "")
        for t in range(1, T + 1):
            inds = (f"h1_{t - 1}.R", f"h1_{t}.R", f"d{t}")
            state = self.contract(state, self.add(core, inds, "CORE", 1, t, ""))
        self.add_output(state, f"h1_{T}.R")

    def build_tree(self) -> None:
        """The copy tree, copy by copy in post-order (:func:`rac_tn.grid.copy_tree_walk`)."""
        L, T = self.rac.L, self.T
        # post-order: a copy is emitted after its previous-time child, then its child below,
        # so both children's contracted results sit on top of the stack
        done: list[tuple[str, int]] = []
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
            delta = self.add(self.delta, (f"h{layer}_{t}.R{r}", a_ind, b_ind), "DELTA", layer, t, r)
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
