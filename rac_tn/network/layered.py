"""A model's own layers run on residues modulo a prime, in the compiled kernels.

The exact routes of most models go through their exact RAC equivalent (:meth:`to_rac`). A model
whose cells read their input several times (linear attention: :attr:`arities` above 1) has one
whose width grows like a Kronecker power of its layers, so its exact routes run its own layers
instead: :class:`LayeredMod` steps every layer on ``uint64`` residues (the CP form
``h~' = C[(A^T h~) * prod_j (B_j^T u)]`` of :meth:`BilinearLayer.factors`, dense cores expanded),
with the products of :func:`rac_tn.arith.modular.matmul_mod` and
:func:`~rac_tn.arith.modular.multiply_mod`. :func:`grid_mod_layered` is the grid tensor modulo
p on the prefix tree of template sequences.

Examples
--------
>>> from rac_tn.models import LinearAttention
>>> model = LinearAttention.random(2, 1, depth=2, seed=0, integer=True)
>>> X = np.array([[[1, 2], [0, -1], [3, 1]]])
>>> ev = LayeredMod(model, 1_000_003)
>>> out = ev.outputs(ev.scan(ev.initial(1), ev.residues(model.layer_inputs(X))))
>>> out.tolist() == model.forward_mod(X, 1_000_003).tolist()
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rac_tn.arith import modular
from rac_tn.models.protocol import RecurrentModel


def runs_own_layers(model: RecurrentModel) -> bool:
    """True when the exact routes run ``model``'s own layers (a cell reads its input twice+)."""
    return any(k > 1 for k in model.arities)


class LayeredMod:
    """Every layer of ``model`` modulo the prime ``p`` (weights read exactly).

    Parameters
    ----------
    model
        Any model (its :attr:`layers` and :attr:`readout`).
    p
        An odd prime below ``2**63``.

    Attributes
    ----------
    p, state_dims, input_width
        The prime, each layer's state size, and the width of layer 1's input (``d`` or
        ``d + 1``).
    """

    def __init__(self, model: RecurrentModel, p: int) -> None:
        self.p = modular.check_prime(p)
        self.state_dims = tuple(model.state_dims)
        self.input_width = model.input_node_dim
        self._steps: list[tuple[Callable, list[Callable], Callable]] = []
        self._h0: list[np.ndarray] = []
        for layer in model.layers:
            A, _, C = layer.factors()
            legs = [self._times(B) for B in layer.input_factors]
            self._steps.append((self._times(A), legs, self._times(np.asarray(C).T)))
            self._h0.append(modular.to_residues(layer.initial_state, self.p))
        self._readout = self._times(np.asarray(model.readout).T)

    def _times(self, right: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """``left -> left @ right mod p``."""
        res = np.ascontiguousarray(modular.to_residues(np.asarray(right), self.p))
        return modular.right_multiplier(res, self.p)

    def residues(self, values: np.ndarray) -> np.ndarray:
        """Exact residues of integer or float inputs."""
        return modular.to_residues(values, self.p)

    def initial(self, count: int) -> list[np.ndarray]:
        """Every layer's initial state, ``count`` times: ``[(count, state_dim)]``."""
        return [np.repeat(h0[None, :], count, axis=0) for h0 in self._h0]

    def step(self, states: Sequence[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
        """One time step of every layer: states ``[(batch, s_l)]``, inputs ``(batch, d~)``."""
        below, out = np.ascontiguousarray(x, dtype=np.uint64), []
        for index, h in enumerate(states):
            below = self.step_layer(index, h, below)
            out.append(below)
        return out

    def step_layer(self, index: int, h: np.ndarray, x: np.ndarray) -> np.ndarray:
        """One time step of layer ``index`` alone: state ``(batch, s)``, input ``(batch, u)``."""
        times_a, legs, times_c = self._steps[index]
        z = times_a(np.ascontiguousarray(h, dtype=np.uint64))
        for times_b in legs:
            z = modular.multiply_mod(z, times_b(np.ascontiguousarray(x, dtype=np.uint64)), self.p)
        return times_c(z)

    def scan(self, states: Sequence[np.ndarray], inputs: np.ndarray) -> list[np.ndarray]:
        """The states after ``inputs`` (``(batch, steps, d~)`` residues)."""
        states = list(states)
        for t in range(inputs.shape[1]):
            states = self.step(states, inputs[:, t])
        return states

    def outputs(self, states: Sequence[np.ndarray]) -> np.ndarray:
        """``y`` modulo p from every layer's states: ``(batch, C)`` residues."""
        return self._readout(np.ascontiguousarray(states[-1], dtype=np.uint64))


def grid_mod_layered(model: RecurrentModel, T: int, p: int, F: np.ndarray) -> np.ndarray:
    """The grid tensor modulo ``p`` of templates ``F`` (``N x d~``, as layer 1 reads them).

    Shares states over the prefix tree of template sequences (``N + N^2 + ... + N^T`` steps).
    Returns ``(N^T, C)`` residues, sequences in row-major order of ``(d_1, ..., d_T)``.
    """
    ev = LayeredMod(model, p)
    F_res = ev.residues(F)
    N = F_res.shape[0]
    states = ev.initial(1)
    for _ in range(T):
        count = states[0].shape[0]
        states = [np.repeat(s, N, axis=0) for s in states]
        states = ev.step(states, np.tile(F_res, (count, 1)))
    return ev.outputs(states)


__all__ = ["LayeredMod", "grid_mod_layered", "runs_own_layers"]
