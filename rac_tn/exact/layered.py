"""Exact ranks of a model through its own layers, for models without a usable RAC equivalent.

A model whose cells read their input several times (linear attention) has an exact RAC
equivalent only as a Kronecker power of its layers (:mod:`rac_tn.models.torac`), and that RAC
reads ``x~^{(x) g_0}``, whose random points are not lifts of random inputs. So its ranks are
computed on the model itself: :class:`RankTarget` answers what the rank attempts
(:mod:`rac_tn.exact.attempts`) ask of a RAC — the sampled pairs, the grid tensor modulo p, the
total degree of one entry in the random coordinates (``sum_t deg_t``, for Schwartz-Zippel) and
a bound on the coefficients (for the chance that the prime divides a minor) — from its
:class:`~rac_tn.network.layered.LayeredMod` evaluation on the inputs ``x~`` layer 1 reads.

Random points are drawn uniformly in ``F_p^{d+1}`` for ``x~ = (x, 1)`` (its last coordinate
too): the output is homogeneous in each ``x~_t`` (every term of every layer is a product of one
state and k input coordinates), and homogenising a polynomial in each ``x_t`` separately maps
its monomials one to one, so the coefficient matrix, hence every rank, is the same.
"""

from __future__ import annotations

import math

import numpy as np

from rac_tn.exact.certify import _integral_abs
from rac_tn.models.layers import BilinearLayer, forward_scaled
from rac_tn.models.protocol import RecurrentModel
from rac_tn.network.layered import LayeredMod, grid_mod_layered

#: Pairs evaluated at once by the sampled rank (rows x columns of one block).
PAIR_BLOCK = 1 << 14


class RankTarget:
    """A model ranked through its own layers (see the module docstring).

    Attributes
    ----------
    model
        The model.
    C, M, L
        Its number of outputs, the width of the inputs layer 1 reads (``d`` or ``d + 1``) and
        its depth: the attributes of a RAC the rank code reads.
    """

    def __init__(self, model: RecurrentModel) -> None:
        self.model = model
        self.C, self.M, self.L = model.num_classes, model.input_node_dim, model.depth

    def pair_ops(self, p: int) -> _LayeredOps:
        """The sampled rank's operations modulo ``p``."""
        return _LayeredOps(LayeredMod(self.model, p))

    def grid_mod(self, T: int, p: int, templates: np.ndarray) -> np.ndarray:
        """The grid tensor modulo ``p`` for ``N x M`` templates: ``(N^T, C)`` residues."""
        return grid_mod_layered(self.model, T, p, templates)

    def total_degree(self, T: int) -> int:
        """``sum_t deg_t``: the degree of one entry in the random coordinates."""
        return sum(self.model.input_degrees(T))

    def log2_coefficient_bound(self, T: int, templates: np.ndarray | None) -> float:
        """``log2`` of a bound on every entry of the matrix ranked (as the RAC's).

        Every factor, initial state and readout array is made integral by its own power of
        two (the output is homogeneous in each array, so its rank is unchanged), every entry
        replaced by its absolute value, and the model evaluated at all-ones inputs (or the
        largest absolute template entries): the sum of the absolute coefficients bounds every
        coefficient and every grid-tensor entry. Evaluated in the scaled float representation,
        plus one bit for its rounding.
        """
        layers = []
        for layer in self.model.layers:
            A, _, C = layer.factors()
            B, *extra = (_integral_abs(f) for f in layer.input_factors)
            layers.append(
                BilinearLayer.cp(
                    _integral_abs(A),
                    B,
                    _integral_abs(C),
                    _integral_abs(layer.initial_state),
                    affine=layer.affine,
                    extra=extra,
                )
            )
        readout = _integral_abs(self.model.readout)
        if templates is None:
            x = np.ones(self.M)
        else:
            x = np.max(_integral_abs(np.asarray(templates, dtype=np.float64)), axis=0)
            if not np.any(x):
                return 0.0
        mantissa, exponent = forward_scaled(layers, readout, np.tile(x, (1, T, 1)), False)
        top = float(np.max(np.abs(mantissa)))
        if top == 0.0:
            return 0.0
        return float(exponent[0]) + math.log2(top) + 1.0


class _LayeredOps:
    """The sampled rank's four questions, answered by the model's own layers modulo p."""

    def __init__(self, ev: LayeredMod) -> None:
        self.ev = ev
        self.state_dims = list(ev.state_dims)

    def initial(self, count: int) -> list[np.ndarray]:
        """Every layer's initial state, ``count`` times."""
        return self.ev.initial(count)

    def prefix(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Every layer's state after ``inputs`` (``(count, steps, M)`` residues)."""
        return self.ev.scan(self.ev.initial(inputs.shape[0]), inputs)

    def pairs(
        self,
        starts: list[np.ndarray],
        rows: np.ndarray,
        cols: np.ndarray,
        from_cols: np.ndarray,
        class_index: int,
    ) -> np.ndarray:
        """``y_c`` of every (row part, column part) pair from the row parts' states: ``(Kr, Kc)``.

        Step ``s`` of the remaining steps reads ``cols`` where ``from_cols[s]``, else ``rows``.
        """
        Kr, Kc = rows.shape[0], cols.shape[0]
        out = np.empty((Kr, Kc), dtype=np.uint64)
        if Kr == 0 or Kc == 0:
            return out
        block = max(1, PAIR_BLOCK // Kc)
        for r0 in range(0, Kr, block):
            r1 = min(Kr, r0 + block)
            size = r1 - r0
            states = [np.repeat(s[r0:r1], Kc, axis=0) for s in starts]
            for step, from_col in enumerate(from_cols):
                if from_col:
                    x = np.tile(cols[:, step], (size, 1))
                else:
                    x = np.repeat(rows[r0:r1, step], Kc, axis=0)
                states = self.ev.step(states, x)
            out[r0:r1] = self.ev.outputs(states)[:, class_index].reshape(size, Kc)
        return out


__all__ = ["PAIR_BLOCK", "RankTarget"]
