"""One bilinear layer on augmented vectors: the form every family reduces to.

With identity activations, one layer of any family in :mod:`rac_tn.models` is a bilinear map
of its previous state and its input, once the affine terms are written through augmented
vectors ``h~ = (h, 1)`` and ``x~ = (x, 1)``::

    h~_t = W(h~_{t-1}, x~_t)      W[a, b, c]: state_dim x input_dim x state_dim

The constant coordinate is itself produced by one term, ``h~_t[-1] = h~_{t-1}[-1] x~_t[-1]``,
so the recurrence on augmented vectors is homogeneous (a product of a state and an input at
every step, as in a RAC): powers of two can be factored out, and a layer is priced by the
dimension of the vector it passes on.

The core is stored either as a dense order-3 tensor (the second-order RNN) or as CP factors
``W = sum_k A[:, k] o B[:, k] o C[:, k]`` (a COPY tensor of dimension K with three factor
matrices). Every factor entry is a copy of a model parameter (or 0 / 1): building a layer does
no arithmetic, so integer models stay integer and float models stay the exact dyadic
rationals they store.

A CP layer may read its input more than once: with ``arity`` k it has k input factors
``B_1 .. B_k`` and computes ``h~' = C[(A^T h~) * (B_1^T x~) * ... * (B_k^T x~)]``, linear in
the state and of degree k in the input (linear attention's key-value update is such a layer
with k = 3, :mod:`rac_tn.models.attention`). Every degree below such a layer is multiplied by
k (:func:`rac_tn.counting.degree_scales`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rac_tn._arrays import frozen, normalised
from rac_tn.arith import modular

#: ``'mi'``: Multiplicative Integration, the RAC's cell (a CP core whose ``C`` is the identity).
Core = Literal["cp", "dense", "mi"]


@dataclass(frozen=True, eq=False)
class BilinearLayer:
    """One layer ``h~' = W(h~, x~)`` on augmented vectors (read-only arrays).

    Attributes
    ----------
    core
        ``'cp'`` (factors ``A``, ``B``, ``C``), ``'mi'`` (``A``, ``B``; ``C`` the identity: the
        RAC's ``(W^H h) * (W^I x)`` with ``A = (W^H)^T``, ``B = (W^I)^T``) or ``'dense'``
        (tensor ``W``).
    affine
        True when the last coordinate of the state and of the input is the constant 1.
    initial_state
        ``h~_0`` (``state_dim``), the constant 1 appended when ``affine``.
    A, B, C
        CP factors: ``A`` is ``state_dim x K`` (reads the state), ``B`` is
        ``input_dim x K`` (reads the input), ``C`` is ``state_dim x K`` (writes the new
        state). None for a dense core.
    W
        The dense core, ``state_dim x input_dim x state_dim``; None for a CP core.
    const_term
        The index of the CP term that carries the constant (``A = B = e_last``, ``C``'s last
        row ``e_const``), when ``affine`` and ``core == 'cp'``; None otherwise.
    extra
        A CP layer's further input factors ``B_2 .. B_k`` (each ``input_dim x K``): the layer
        reads its input ``arity = 1 + len(extra)`` times. Empty for a bilinear layer.

    Examples
    --------
    >>> layer = BilinearLayer.cp(np.eye(2), np.eye(2), np.eye(2), np.ones(2))
    >>> layer.apply(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])).tolist()
    [[3.0, 8.0]]
    """

    core: Core
    affine: bool
    initial_state: np.ndarray
    A: np.ndarray | None = None
    B: np.ndarray | None = None
    C: np.ndarray | None = None
    W: np.ndarray | None = None
    const_term: int | None = None
    extra: tuple[np.ndarray, ...] = ()

    @classmethod
    def cp(
        cls,
        A: np.ndarray,
        B: np.ndarray,
        C: np.ndarray,
        initial_state: np.ndarray,
        *,
        affine: bool = False,
        const_term: int | None = None,
        extra: Sequence[np.ndarray] = (),
    ) -> BilinearLayer:
        """A CP layer from its factors (``A``, ``C``: state x K; ``B``, ``extra``: input x K)."""
        legs = tuple(_ro(e) for e in extra)
        for leg in legs:
            if leg.shape != np.shape(B):
                raise ValueError(f"every input factor must have B's shape {np.shape(B)}")
        return cls("cp", affine, _ro(initial_state), _ro(A), _ro(B), _ro(C), None, const_term, legs)

    @classmethod
    def mi(cls, hidden: np.ndarray, inputs: np.ndarray, initial_state: np.ndarray) -> BilinearLayer:
        """The RAC's cell ``h' = (W^H h) * (W^I x)`` from ``W^H`` (R x R) and ``W^I`` (R x M)."""
        A, B = _ro(np.asarray(hidden).T), _ro(np.asarray(inputs).T)
        return cls("mi", False, _ro(initial_state), A, B)

    @classmethod
    def dense(cls, W: np.ndarray, initial_state: np.ndarray, *, affine: bool) -> BilinearLayer:
        """A dense layer ``h~'[c] = sum_ab W[a, b, c] h~[a] x~[b]``."""
        return cls("dense", affine, _ro(initial_state), W=_ro(W))

    @property
    def state_dim(self) -> int:
        """The dimension of ``h~`` (n, or n + 1 when affine)."""
        return self.initial_state.shape[0]

    @property
    def input_dim(self) -> int:
        """The dimension of ``x~`` this layer reads."""
        if self.core == "dense":
            assert self.W is not None  # a dense core has W, a CP core A, B (and C)
            return self.W.shape[1]
        assert self.B is not None
        return self.B.shape[0]

    @property
    def arity(self) -> int:
        """How many times a cell reads its input (1 for a bilinear layer)."""
        return 1 + len(self.extra)

    @property
    def input_factors(self) -> tuple[np.ndarray, ...]:
        """The input legs' factors ``(B_1, ..., B_k)`` (a dense core's expanded ``B``)."""
        if self.core == "dense":
            return (self.factors()[1],)
        assert self.B is not None  # a CP core has B
        return (self.B, *self.extra)

    @property
    def num_terms(self) -> int:
        """K, the CP terms of :meth:`factors` (the width of this layer in a RAC)."""
        return self.factors()[0].shape[1]

    def factors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CP factors ``(A, B, C)`` of this layer, every entry a copy of a weight, 0 or 1.

        A layer of arity k > 1 has further input factors (:attr:`extra`). A dense core ``W``
        (``a x b x c``) is expanded along its smallest two-mode unfolding:
        one term per ``(a, b)`` (``A = e_a, B = e_b, C = W[a, b, :]``), per ``(a, c)`` or per
        ``(b, c)``, whichever has the fewest terms.
        """
        if self.core == "cp":
            assert self.A is not None and self.B is not None and self.C is not None
            return self.A, self.B, self.C
        if self.core == "mi":
            assert self.A is not None and self.B is not None
            return self.A, self.B, _ro(np.eye(self.A.shape[0], dtype=self.A.dtype))
        W = self.W
        assert W is not None
        a, b, c = W.shape
        dtype = W.dtype
        options = {"ab": a * b, "ac": a * c, "bc": b * c}
        pick = min(options, key=options.__getitem__)
        K = options[pick]
        A = np.zeros((a, K), dtype=dtype)
        B = np.zeros((b, K), dtype=dtype)
        C = np.zeros((c, K), dtype=dtype)
        if pick == "ab":
            for i in range(a):
                for j in range(b):
                    k = i * b + j
                    A[i, k], B[j, k], C[:, k] = 1, 1, W[i, j, :]
        elif pick == "ac":
            for i in range(a):
                for j in range(c):
                    k = i * c + j
                    A[i, k], C[j, k], B[:, k] = 1, 1, W[i, :, j]
        else:
            for i in range(b):
                for j in range(c):
                    k = i * c + j
                    B[i, k], C[j, k], A[:, k] = 1, 1, W[:, i, j]
        return _ro(A), _ro(B), _ro(C)

    def apply(self, state: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """One step in float64: ``(batch, state_dim), (batch, input_dim) -> (batch, state_dim)``."""
        if self.core != "dense":
            z = state @ np.asarray(self.A, float)
            for B in self.input_factors:
                z = z * (inputs @ np.asarray(B, float))
            return z if self.core == "mi" else z @ np.asarray(self.C, float).T
        return np.einsum("za,zb,abc->zc", state, inputs, np.asarray(self.W, float))

    def apply_mod(self, state: np.ndarray, inputs: np.ndarray, res: dict, p: int) -> np.ndarray:
        """One step on residues (object arrays of Python ints), with ``res`` the residues."""
        if self.core != "dense":
            z = (state @ res["A"]) % p
            for B in (res["B"], *res.get("extra", ())):
                z = z * ((inputs @ B) % p) % p
            return z if self.core == "mi" else (z @ res["C"].T) % p
        a, b, c = res["W"].shape
        partial = ((state @ res["W"].reshape(a, b * c)) % p).reshape(-1, b, c)
        return (inputs[:, :, None] * partial).sum(axis=1) % p


def _ro(arr: np.ndarray) -> np.ndarray:
    """A read-only copy of ``arr``, or ``arr`` itself when nothing can write to it."""
    if arr is None:
        return None
    return frozen(arr)  # a model's frozen weights are shared: a copy would double a wide model


class Terms:
    """Collects CP terms ``(a, b, c)`` of one layer; every entry a copy, 0 or 1.

    Parameters
    ----------
    n, d
        The hidden size and the layer's input size (before augmentation).
    affine
        Whether state and input carry the constant coordinate (index n, resp. d).
    dtype
        int64 or float64.
    arity
        How many times a term reads the input (its input legs). A term given one input vector
        reads the input's constant on its other legs (so ``arity > 1`` needs ``affine``).
    """

    def __init__(self, n: int, d: int, affine: bool, dtype: np.dtype, arity: int = 1) -> None:
        if arity > 1 and not affine:
            raise ValueError("a layer of arity > 1 needs affine (augmented) vectors")
        self.n, self.d, self.affine, self.dtype, self.arity = n, d, affine, dtype, arity
        self.state_dim, self.input_dim = n + affine, d + affine
        # blocks of columns (one term per column), joined once by ``layer``
        self.a: list[np.ndarray] = []
        self.b: list[list[np.ndarray]] = [[] for _ in range(arity)]
        self.c: list[np.ndarray] = []
        self.const_term: int | None = None

    def _vec(self, size: int, head: np.ndarray | None = None, at: int | None = None):
        out = np.zeros(size, dtype=self.dtype)
        if head is not None:
            out[: head.shape[0]] = head
        if at is not None:
            out[at] = 1
        return out

    def add(self, a: np.ndarray, b: np.ndarray | Sequence[np.ndarray], c: np.ndarray) -> None:
        """One term from full-length vectors (``b``: one per leg, or one for the first leg)."""
        legs = [b] if isinstance(b, np.ndarray) else list(b)
        while len(legs) < self.arity:
            legs.append(self._vec(self.input_dim, at=self.d))
        if len(legs) != self.arity:
            raise ValueError(f"a term reads the input {self.arity} times, got {len(legs)} legs")
        self.a.append(a[:, None])
        for store, leg in zip(self.b, legs, strict=True):
            store.append(leg[:, None])
        self.c.append(c[:, None])

    def term(self, a: np.ndarray | int, b: np.ndarray | int, c: np.ndarray | int) -> None:
        """One term; each part a vector (padded with zeros) or an index (a unit vector)."""
        self.add(*(
            self._vec(size, at=part) if isinstance(part, int) else self._vec(size, part)
            for part, size in ((a, self.state_dim), (b, self.input_dim), (c, self.state_dim))
        ))  # fmt: skip

    def bilinear(self, A: np.ndarray, B: np.ndarray, C: np.ndarray) -> None:
        """``C[(A^T h) * (B^T x)]``: one term per column of the factors."""
        self.a.append(self._block(self.state_dim, A))
        self.b[0].append(self._block(self.input_dim, B))
        for store in self.b[1:]:
            store.append(self._block(self.input_dim, None, B.shape[1], at=self.d))
        self.c.append(self._block(self.state_dim, C))

    def _block(
        self, size: int, head: np.ndarray | None, count: int = 0, at: int | None = None
    ) -> np.ndarray:
        """``head`` (rows x K) as ``size`` rows: itself when it fits, else zero-padded."""
        if head is not None and head.shape[0] == size and head.dtype == self.dtype:
            return head  # no padding: keep the caller's (frozen) array, no copy
        width = count if head is None else head.shape[1]
        out = np.zeros((size, width), dtype=self.dtype)
        if head is not None:
            out[: head.shape[0]] = head
        if at is not None:
            out[at] = 1
        return out

    def state_linear(self, V: np.ndarray) -> None:
        """``h @ V`` (V: n x n): term i reads ``h_i`` and the input's constant."""
        for i in range(self.n):
            self.add(
                self._vec(self.state_dim, at=i),
                self._vec(self.input_dim, at=self.d),
                self._vec(self.state_dim, V[i]),
            )

    def input_linear(self, U: np.ndarray) -> None:
        """``x @ U`` (U: d x n), in min(d, n) terms (per input row, or per output column)."""
        if self.d <= self.n:
            for j in range(self.d):
                self.add(
                    self._vec(self.state_dim, at=self.n),
                    self._vec(self.input_dim, at=j),
                    self._vec(self.state_dim, U[j]),
                )
        else:
            for j in range(self.n):
                self.add(
                    self._vec(self.state_dim, at=self.n),
                    self._vec(self.input_dim, U[:, j]),
                    self._vec(self.state_dim, at=j),
                )

    def constant(self, bias: np.ndarray | None) -> None:
        """The constant coordinate (``1 * 1``), writing ``bias`` to the state as well."""
        c = self._vec(self.state_dim, bias, at=self.n)
        self.const_term = sum(block.shape[1] for block in self.a)
        self.add(self._vec(self.state_dim, at=self.n), self._vec(self.input_dim, at=self.d), c)

    def layer(self, h0: np.ndarray) -> BilinearLayer:
        """The CP layer of the collected terms, started at ``h0`` (length n)."""
        state = self._vec(self.state_dim, h0, at=self.n if self.affine else None)
        first, *extra = (_join(leg) for leg in self.b)
        return BilinearLayer.cp(
            _join(self.a),
            first,
            _join(self.c),
            state,
            affine=self.affine,
            const_term=self.const_term,
            extra=extra,
        )


def _join(blocks: list[np.ndarray]) -> np.ndarray:
    """The blocks side by side, read-only (one block is kept as it is)."""
    if len(blocks) == 1:
        return _ro(blocks[0])
    out = np.concatenate(blocks, axis=1)
    out.flags.writeable = False
    return out


def forward_scaled(
    layers: Sequence[BilinearLayer], readout: np.ndarray, inputs: np.ndarray, every_step: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``y = mantissa * 2**exponent`` of ``(batch, T, d~)`` inputs, states renormalised each step.

    Returns ``(batch, C)`` mantissas and ``(batch,)`` exponents (a ``T`` axis after ``batch``
    when ``every_step``: the readout after every step).
    """
    layer_input, scales = normalised(np.asarray(inputs, dtype=np.float64))
    size, steps = layer_input.shape[:2]
    for layer in layers:
        h0 = np.broadcast_to(layer.initial_state.astype(np.float64), (size, layer.state_dim))
        h, scale = normalised(h0)
        states = np.empty((size, steps, layer.state_dim))
        new_scales = np.empty_like(scales)
        for t in range(steps):
            h, step = normalised(layer.apply(h, layer_input[:, t]))
            scale = scale + layer.arity * scales[:, t] + step
            states[:, t], new_scales[:, t] = h, scale
        layer_input, scales = states, new_scales
    if not every_step:
        layer_input, scales = layer_input[:, -1], scales[:, -1]
    out, step = normalised(layer_input @ np.asarray(readout, dtype=np.float64).T)
    return out, scales + step


def forward_mod(
    layers: Sequence[BilinearLayer],
    readout: np.ndarray,
    inputs: np.ndarray,
    p: int,
    every_step: bool,
) -> np.ndarray:
    """``y`` modulo ``p`` of ``(batch, T, d~)`` inputs on Python integers, as ``uint64``."""
    layer_input = modular.to_residues(inputs, p).astype(object)
    size, steps = layer_input.shape[:2]
    for layer in layers:
        res: dict[str, Any] = {
            name: modular.to_residues(getattr(layer, name), p).astype(object)
            for name in ("A", "B", "C", "W")
            if getattr(layer, name) is not None
        }
        res["extra"] = [modular.to_residues(e, p).astype(object) for e in layer.extra]
        h = np.repeat(modular.to_residues(layer.initial_state, p).astype(object)[None], size, 0)
        states = []
        for t in range(steps):
            h = layer.apply_mod(h, layer_input[:, t], res, p)
            states.append(h)
        layer_input = np.stack(states, axis=1)
    final = layer_input if every_step else layer_input[:, -1]
    return ((final @ modular.to_residues(readout, p).astype(object).T) % p).astype(np.uint64)
