"""The sampled rank's pairs for the second-order families, on their own layers (native kernels).

The sampled separation rank (:mod:`rac_tn.exact.attempts`) evaluates ``y`` on every (row part,
column part) pair. A family's exact RAC equivalent computes the same polynomial, but its width
is the layer's CP term count (``n d`` for a dense 2RNN core, ``K + n + min(d, n) + 1`` for an
affine CP-2RNN), and a RAC step costs its width squared. :class:`FamilyOps` runs the family's
own layers instead: every layer ``h~' = C[(A^T h~) * (B^T u)]`` (:meth:`BilinearLayer.factors`)
with its factors stored sparse (:mod:`rac_tn.arith.family_kernels`), so a dense core costs its
``n d n`` entries, the affine terms their unit vectors, and a CP core never forms its
``n x d x n`` tensor. The inputs and the polynomial are those of the RAC equivalent (``x~``,
homogeneous in each ``x~_t``), so the matrix ranked is entry for entry the same: the
Schwartz-Zippel degree and the coefficient bound of the RAC equivalent stay right.

Examples
--------
>>> from rac_tn.models import CP2RNN
>>> model = CP2RNN.random(2, 3, 2, depth=2, bias=True, seed=0, integer=True)
>>> ops, p = FamilyOps(model, 1_000_003), 1_000_003
>>> rng = np.random.default_rng(0)
>>> x = rng.integers(0, p, size=(2, 4, 3), dtype=np.uint64)
>>> y = ops.pairs(ops.prefix(x[:, :2]), x[:, 2:], x[:, 2:], np.array([False, True]), 0)
>>> sequence = np.concatenate([x[1, :2], x[1, 2:3], x[0, 3:]])  # row 1, column 0
>>> rac = model.to_rac().modular(p)
>>> from rac_tn.arith import modular
>>> int(y[1, 0]) == int(modular.readout(rac, modular.scan_mod(rac, sequence[None])[-1])[0, 0])
True
"""

from __future__ import annotations

import numpy as np

from rac_tn.arith import modular, pair_kernels
from rac_tn.arith.family_kernels import family_pairs
from rac_tn.models.base import BilinearModel
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC
from rac_tn.network.layered import LayeredMod

#: The families whose sampled rank runs on :class:`FamilyOps`.
NATIVE_FAMILIES = ("2rnn", "cp2rnn", "mirnn")

#: The most entries of the layer-1 drive maps (8 bytes each) kept for one block of pairs.
_MAPS_MAX_ENTRIES = 1 << 25


def runs_native(model: RecurrentModel) -> bool:
    """True when the sampled rank of ``model`` runs on its own layers (:class:`FamilyOps`)."""
    # the family names a BilinearModel (asked by name: no layer tests a model's class)
    return getattr(model, "family", None) in NATIVE_FAMILIES and all(k == 1 for k in model.arities)


def native_pays(model: BilinearModel, rac: RAC) -> bool:
    """True when ``model``'s sparse steps cost under 2/3 of its RAC equivalent ``rac``'s.

    A step of the native kernel costs about the factors' nonzeros plus one product per term; a
    RAC step ``2 R^2`` per layer. A homogeneous CP-2RNN or MIRNN has an equivalent of width
    ``K + 1``, as cheap as its own layers (and its compiled route has less overhead).
    """
    native = sum(
        layer.num_terms + sum(np.count_nonzero(f) for f in layer.factors())
        for layer in model.layers
    )
    return bool(3 * native < 2 * (2 * rac.R**2 * rac.L))


def _by_row(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(counts, columns, values)`` of the nonzeros of ``matrix``, row by row."""
    rows, columns = np.nonzero(matrix)
    counts = np.bincount(rows, minlength=matrix.shape[0]).astype(np.int64)
    return counts, columns.astype(np.int64), matrix[rows, columns]


def _joined(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """``(ptr, idx, val)``: per-layer compressed rows, one after the other."""
    counts = np.concatenate([part[0] for part in parts])
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    idx = np.concatenate([part[1] for part in parts]).astype(np.int64)
    val = np.concatenate([part[2] for part in parts]).astype(np.uint64)
    return ptr, idx, val


class FamilyOps:
    """The sampled rank's four questions, answered by a family's own layers modulo ``p``.

    Parameters
    ----------
    model
        A family of :data:`NATIVE_FAMILIES` (cells reading their input once).
    p
        An odd prime below ``2**63``.
    """

    def __init__(self, model: BilinearModel, p: int) -> None:
        if not runs_native(model):
            raise TypeError(f"model must be one of the families {NATIVE_FAMILIES}, got {model!r}")
        self.p = modular.check_prime(p)
        self.arith = modular.kernel_arith(self.p)
        self.ev = LayeredMod(model, self.p)
        self.state_dims = list(model.state_dims)
        self.s_off = np.concatenate([[0], np.cumsum(self.state_dims)]).astype(np.int64)
        A, B, C, terms = [], [], [], [0]
        for index, layer in enumerate(model.layers):
            a, b, c = (modular.to_residues(f, self.p) for f in layer.factors())
            terms.append(terms[-1] + a.shape[1])
            A.append(_by_row(a.T))
            C.append(_by_row(c))
            if index == 0:
                self.B1 = b
                b = np.zeros_like(b)  # layer 1's drive is computed outside the kernel
            B.append(_by_row(b.T))
        self.B2 = modular.to_residues(model.layers[1].factors()[1], self.p) if len(A) > 1 else None
        # layer 2's drive per pair: from maps B_2^T Phi (K_2 s_1), or from Phi (s_1^2 + nnz B_2)
        s1 = self.state_dims[0]
        self.state_maps = self.B2 is not None and (
            s1 * s1 + np.count_nonzero(self.B2) < self.B2.shape[1] * s1
        )
        self.t_off = np.array(terms, dtype=np.int64)
        self.sparse = [_joined(A), _joined(B), _joined(C)]
        self.readout = modular.to_residues(model.readout, self.p)
        longest = max(int(np.max(np.diff(ptr), initial=0)) for ptr, _, _ in self.sparse)
        longest = max(longest, *self.state_dims)
        self.fits_float = modular.p_fits_float(self.p, longest)

    def initial(self, count: int) -> list[np.ndarray]:
        """Every layer's initial state, ``count`` times."""
        return self.ev.initial(count)

    def prefix(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Every layer's state after ``inputs`` (``(count, steps, M)`` residues)."""
        return self.ev.scan(self.ev.initial(inputs.shape[0]), inputs)

    def _maps(self, cols: np.ndarray) -> np.ndarray:
        """Layer 1's state after every step, as rows ``Phi_{j,s} e_q``: ``(kc, S, s1, s1)``."""
        kc, steps, _ = cols.shape
        s1 = self.state_dims[0]
        states = np.tile(np.eye(s1, dtype=np.uint64), (kc, 1))
        out = np.empty((kc, steps, s1, s1), dtype=np.uint64)
        for s in range(steps):
            states = self.ev.step_layer(0, states, np.repeat(cols[:, s], s1, axis=0))
            out[:, s] = states.reshape(kc, s1, s1)
        return out

    def pairs(
        self,
        starts: list[np.ndarray],
        rows: np.ndarray,
        cols: np.ndarray,
        from_cols: np.ndarray,
        class_index: int,
    ) -> np.ndarray:
        """``y_c`` of every (row part, column part) pair from the row parts' states: ``(Kr, Kc)``.

        Step ``s`` of the remaining steps reads ``cols`` where ``from_cols[s]``, else ``rows``
        (as :func:`rac_tn.arith.modular.pair_outputs`). When every step reads the columns,
        layer 1 is linear in its start state: its maps are computed once per column part (a
        depth-1 model's pair is then one dot product).
        """
        p, a = self.p, self.arith
        kr, steps, m = rows.shape
        kc = cols.shape[0]
        from_cols = np.asarray(from_cols, dtype=np.bool_)
        start = np.ascontiguousarray(np.concatenate(starts, axis=1), dtype=np.uint64)
        readout = self.readout[class_index]
        depth, s1 = len(self.state_dims), self.state_dims[0]
        first, drive_rows = 0, np.zeros((0, 0, 0), dtype=np.uint64)
        K2 = 0 if self.B2 is None else self.B2.shape[1]
        if from_cols.all() and kc * steps * s1 * max(s1, K2) <= _MAPS_MAX_ENTRIES:
            maps = self._maps(cols)
            if depth == 1:  # y = (Phi_{j,S}^T readout) . h^{1,start}
                v = modular.matmul_mod(maps[:, -1].reshape(kc * s1, s1), readout[:, None], p)
                return modular.matmul_mod(start, v.reshape(kc, s1).T, p)
            if self.state_maps:  # Phi_{j,s}[q, r] = maps[j, s, r, q]
                Phi = maps.transpose(1, 3, 2, 0).reshape(steps, s1 * s1, kc)
                first, cols_t = 2, modular.scale(Phi, a, 1)
            else:
                first, cols_t = 1, self._drive_maps(maps)
        else:
            drive = modular.matmul_mod(cols.reshape(kc * steps, m), self.B1, p)
            cols_t = modular.scale(drive.reshape(kc, steps, -1).transpose(1, 2, 0), a, 1)
            drive = modular.matmul_mod(rows.reshape(kr * steps, m), self.B1, p)
            drive_rows = modular.scale(drive.reshape(kr, steps, -1), a, 1)
        return self._run(start, drive_rows, cols_t, from_cols, first, readout)

    def _drive_maps(self, maps: np.ndarray) -> np.ndarray:
        """``B_2^T Phi_{j,s}`` as ``(S, K_2 s_1, kc)``, times ``B**2``."""
        assert self.B2 is not None  # depth >= 2
        kc, steps, s1, _ = maps.shape
        K2 = self.B2.shape[1]
        G = modular.matmul_mod(maps.reshape(-1, s1), self.B2, self.p)  # rows (j, s, q), cols k
        G = G.reshape(kc, steps, s1, K2).transpose(1, 3, 2, 0).reshape(steps, K2 * s1, kc)
        return modular.scale(G, self.arith, 2)

    def _run(self, start, drive_rows, cols_t, from_cols, first, readout) -> np.ndarray:
        """The pair kernel (float64 when exact, else ``uint64``) on prepared arrays."""
        p, a = self.p, self.arith
        kr, kc = start.shape[0], cols_t.shape[2]
        steps = cols_t.shape[0]
        (a_ptr, a_idx, a_val), (b_ptr, b_idx, b_val), (c_ptr, c_idx, c_val) = self.sparse
        work = kr * kc * steps * int(a_val.size + b_val.size + c_val.size)
        kernel = family_pairs[0] if work >= modular.PARALLEL_MIN_WORK else family_pairs[1]
        offsets = (self.s_off, self.t_off)
        if self.fits_float:  # plain residues (SMALL: B = 1) as float64
            f64 = [np.ascontiguousarray(x, dtype=np.float64) for x in (start, drive_rows, cols_t)]
            vals = [v.astype(np.float64) for v in (a_val, b_val, c_val, readout)]
            return kernel(
                *f64, from_cols, first, *offsets, a_ptr, a_idx, vals[0], b_ptr, b_idx, vals[1],
                c_ptr, c_idx, vals[2], vals[3], float(p), 0, 1.0 / p, pair_kernels.FLOAT,
            ).astype(np.uint64)  # fmt: skip
        u64 = [np.ascontiguousarray(x, dtype=np.uint64) for x in (start, drive_rows, cols_t)]
        sa, sb, sc = (
            modular.scale(a_val, a, 1),
            modular.scale(b_val, a, 2),
            modular.scale(c_val, a, 1),
        )
        return kernel(
            *u64, from_cols, first, *offsets, a_ptr, a_idx, sa, b_ptr, b_idx, sb, c_ptr, c_idx,
            sc, modular.scale(readout, a, 1), *a.args,
        )  # fmt: skip


__all__ = ["NATIVE_FAMILIES", "FamilyOps", "native_pays", "runs_native"]
