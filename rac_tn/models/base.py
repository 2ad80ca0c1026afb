"""The frozen base class of the second-order families (a :class:`RecurrentModel` each).

Every family (:class:`~rac_tn.models.CP2RNN`, :class:`~rac_tn.models.SecondOrderRNN`,
:class:`~rac_tn.models.MIRNN`, :class:`~rac_tn.models.LinearRNN`) reduces, with identity
activations, to a stack of :class:`~rac_tn.models.BilinearLayer` on augmented vectors and a
readout; the base class derives everything else from those two: float evaluation with a
power-of-two exponent per sequence (no silent overflow), exact evaluation modulo a prime, the
exact RAC equivalent, equality, hashing and the sizes the bounds need.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from rac_tn._arrays import array_key, check_sequences, is_integer_array, to_numpy
from rac_tn.arith import modular
from rac_tn.arith.scaled import to_float64
from rac_tn.counting import degree_scales
from rac_tn.models.layers import BilinearLayer, forward_mod, forward_scaled
from rac_tn.models.protocol import ModelCommon
from rac_tn.models.rac import RAC
from rac_tn.models.torac import rac_from_layers

#: What every analysis of a family is about (also the ``circuit`` attribute of each model).
ACTIVATION_NOTE = (
    "the identity-activation circuit: every activation (the seed code's tanh, sigmoid or relu "
    "gate, and any activation between layers) is replaced by the identity, so the model is a "
    "polynomial of its inputs; a trained model's own activation is not polynomial, and its "
    "ranks are not these"
)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BilinearModel(ModelCommon, ABC):
    """Base of the families: frozen, read-only arrays, everything derived from :attr:`layers`.

    Subclasses are frozen dataclasses whose fields are the model's parameters (per-layer
    tuples of read-only arrays); they define :attr:`family`, :meth:`_build_layers`,
    :attr:`readout` and the sizes.
    """

    family: ClassVar[str]
    multiplicative: ClassVar[bool] = True
    #: See :data:`ACTIVATION_NOTE`.
    circuit: ClassVar[str] = ACTIVATION_NOTE
    if TYPE_CHECKING:  # fields every family defines (not fields here: they follow its own)

        @property
        def decoder_weight(self) -> np.ndarray:
            """``num_classes x n``."""

        @property
        def decoder_bias(self) -> np.ndarray | None:
            """Length ``num_classes``, or None."""

    # -- what a family defines ---------------------------------------------------------------

    @abstractmethod
    def _build_layers(self) -> tuple[BilinearLayer, ...]:
        """The layers, bottom first."""

    @property
    def readout(self) -> np.ndarray:
        """``C x state_dims[-1]``: the decoder, its bias in the constant column if any.

        ``[decoder_weight, decoder_bias]`` when the last layer's state is augmented (a zero
        bias column when the model has none), else ``decoder_weight``.
        """
        weight, bias = self.decoder_weight, self.decoder_bias
        if not self.layers[-1].affine:
            return weight
        column = np.zeros((weight.shape[0], 1), weight.dtype) if bias is None else bias[:, None]
        dtype = np.result_type(weight.dtype, column.dtype)
        out = np.concatenate([weight.astype(dtype), column.astype(dtype)], axis=1)
        out.flags.writeable = False
        return out

    @property
    @abstractmethod
    def input_dim(self) -> int:
        """The input size d (M) of ``x_t``."""

    @property
    @abstractmethod
    def hidden_dim(self) -> int:
        """The hidden size n (R) of every layer."""

    @property
    @abstractmethod
    def depth(self) -> int:
        """L, the number of stacked layers."""

    @property
    @abstractmethod
    def bias(self) -> bool:
        """True when the cells have first-order terms and biases (augmented vectors)."""

    @property
    def rank(self) -> int | None:
        """K for a CP core; None for the other families."""
        return None

    @property
    def num_classes(self) -> int:
        """The number of outputs (rows of the decoder)."""
        return self.readout.shape[0]

    @property
    def node_dim(self) -> int:
        """The dimension the symmetric cut prices a cell at: n, min(n, K) for CP, n + 1 affine."""
        if self.bias or not self.multiplicative:
            return self.hidden_dim + 1
        return min(self.hidden_dim, self.rank or self.hidden_dim)

    @property
    def input_node_dim(self) -> int:
        """The dimension of an input node: d, or d + 1 with affine terms (``x~ = (x, 1)``)."""
        return self.input_dim + (1 if self.augmented_input else 0)

    @property
    def input_cut_dim(self) -> int:
        """The dimension the symmetric cut prices an input at.

        An input of a homogeneous CP core reaches the cell only through ``B^T x`` (K values),
        so any function of it is a polynomial in K variables: ``min(d, K)``. Otherwise the
        input node's own dimension.
        """
        if self.rank is not None and not self.augmented_input:
            return min(self.input_dim, self.rank)
        return self.input_node_dim

    @property
    def augmented_input(self) -> bool:
        """True when layer 1 reads ``x~ = (x, 1)`` (so does the RAC equivalent)."""
        return self.layers[0].affine

    @property
    def state_dims(self) -> tuple[int, ...]:
        """Per layer, the dimension of the state vector (n, or n + 1 when augmented)."""
        return tuple(layer.state_dim for layer in self.layers)

    @cached_property
    def layers(self) -> tuple[BilinearLayer, ...]:
        """The model as bilinear layers on augmented vectors (bottom first)."""
        return self._build_layers()

    @property
    def initial_state_vectors(self) -> tuple[np.ndarray, ...]:
        """Per layer, ``h_0`` (without the constant coordinate)."""
        return tuple(
            layer.initial_state[:-1] if layer.affine else layer.initial_state
            for layer in self.layers
        )

    @property
    def is_integer(self) -> bool:
        """True when every parameter has an integer dtype (exact integer arithmetic)."""
        return all(is_integer_array(a) for a in self._arrays())

    @property
    def num_parameters(self) -> int:
        """The number of entries of every parameter array (initial states included)."""
        return sum(a.size for a in self._arrays())

    # -- identity --------------------------------------------------------------------------

    def _arrays(self) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                out.extend(v for v in value if isinstance(v, np.ndarray))
            elif isinstance(value, np.ndarray):
                out.append(value)
        return out

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            _same(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self)
        )

    def __hash__(self) -> int:
        return hash((self.family, *(array_key(a) for a in self._arrays())))

    def __repr__(self) -> str:
        rank = f", rank={self.rank}" if self.rank is not None else ""
        return (
            f"{type(self).__name__}(input_dim={self.input_dim}, hidden_dim={self.hidden_dim}"
            f"{rank}, depth={self.depth}, num_classes={self.num_classes}, bias={self.bias}, "
            f"weights={'integer' if self.is_integer else 'float'})"
        )

    def replace(self, **changes: Any) -> BilinearModel:
        """A copy with some parameters replaced (checked like a new model)."""
        return dataclasses.replace(self, **changes)

    # -- evaluation --------------------------------------------------------------------------

    def _check_inputs(self, X: object) -> tuple[np.ndarray, bool]:
        """``X`` as ``(batch, T, d)`` and whether it was one sequence (see ``check_sequences``)."""
        return check_sequences(to_numpy(X), self.input_dim, "d")

    def layer_inputs(self, batch: np.ndarray) -> np.ndarray:
        """``(batch, T, d)`` inputs as layer 1 reads them: ``(x, 1)`` when augmented."""
        if self.augmented_input:
            batch = np.concatenate([batch, np.ones(batch.shape[:-1] + (1,), batch.dtype)], -1)
        return batch

    def rac_inputs(self, X: object) -> np.ndarray:
        """``X`` as the RAC equivalent reads it: ``x~ = (x, 1)`` when :attr:`augmented_input`.

        When cells read their input several times (:attr:`arities`), the RAC equivalent reads
        the Kronecker power ``x~ (x) ... (x) x~`` (``g_0 = k_1 ... k_L`` factors, see
        :mod:`rac_tn.models.torac`).

        Examples
        --------
        >>> from rac_tn.models import LinearRNN
        >>> LinearRNN.random(2, 2, seed=0).rac_inputs(np.zeros((3, 2))).shape
        (3, 3)
        """
        batch, single = self._check_inputs(X)
        batch = self.layer_inputs(batch)
        power = degree_scales(self.arities, self.depth)[0]
        if power > 1:
            if np.issubdtype(batch.dtype, np.integer) and batch.size:
                top = int(np.max(np.abs(batch)))
                if top > 1 and power * top.bit_length() > 62:
                    raise ValueError(
                        f"rac_inputs: the Kronecker power {power} of inputs up to {top} "
                        "leaves int64; pass smaller integers (or floats)"
                    )
            lifted = batch
            for _ in range(power - 1):
                lifted = (lifted[..., :, None] * batch[..., None, :]).reshape(
                    batch.shape[:-1] + (-1,)
                )
            batch = lifted
        return batch[0] if single else batch

    def forward_scaled(
        self, X: object, *, every_step: bool = False
    ) -> tuple[np.ndarray, np.ndarray | int]:
        """``y = mantissa * 2**exponent``, never overflowing (states renormalised each step).

        Parameters
        ----------
        X
            ``(T, d)`` or ``(batch, T, d)``.
        every_step
            Read out after every step (the seed code's sequence-to-sequence decoder).

        Returns
        -------
        tuple
            ``mantissa`` (``(C,)``, ``(batch, C)``, or with a ``T`` axis before ``C`` when
            ``every_step``) and ``exponent`` (int or int64 array, without the ``C`` axis).
        """
        batch, single = self._check_inputs(X)
        inputs = self.layer_inputs(batch)
        out, exponent = forward_scaled(self.layers, self.readout, inputs, every_step)
        if single:
            return out[0], (int(exponent[0]) if not every_step else exponent[0])
        return out, exponent

    def forward(self, X: object, *, every_step: bool = False) -> np.ndarray:
        """Evaluate ``y`` in float64 (``every_step``: after every step, as the seed code).

        Parameters
        ----------
        X
            ``(T, d)`` for one sequence or ``(batch, T, d)``.
        every_step
            Return ``(T, C)`` / ``(batch, T, C)``: the decoder read after every step.

        Returns
        -------
        numpy.ndarray
            ``(C,)`` or ``(batch, C)`` (a ``T`` axis before ``C`` with ``every_step``).

        Raises
        ------
        FloatRangeError
            When an output does not fit in float64 (:meth:`forward_scaled` and
            :meth:`forward_mod` still work).
        """
        mantissa, exponent = self.forward_scaled(X, every_step=every_step)
        # np.shape reads any object (X passed the checks above); its stubs want array-likes
        where = f"T = {np.shape(X)[-2]}, depth {self.depth}"  # type: ignore[call-overload]
        return to_float64(mantissa, exponent, where)

    __call__ = forward

    def forward_mod(
        self, X: object, p: int = modular.MERSENNE61, *, every_step: bool = False
    ) -> np.ndarray:
        """Evaluate ``y`` exactly modulo the prime ``p`` (floats read as dyadic rationals).

        Runs the model's own layers on Python integers (independent of :meth:`to_rac`).
        Returns ``uint64`` residues shaped as :meth:`forward`'s output.

        Examples
        --------
        >>> from rac_tn.models import CP2RNN
        >>> model = CP2RNN.random(2, 3, 2, seed=0, integer=True)
        >>> X = np.eye(2, dtype=int)[[0, 1, 1]]
        >>> bool(model.forward_mod(X, 101)[0] == model.to_rac().forward_mod(X, 101)[0])
        True
        """
        p = modular.check_prime(p)
        batch, single = self._check_inputs(X)
        out = forward_mod(self.layers, self.readout, self.layer_inputs(batch), p, every_step)
        return out[0] if single else out

    @cached_property
    def _rac(self) -> RAC:
        return rac_from_layers(self.layers, self.readout)

    def to_rac(self) -> RAC:
        """The exact RAC equivalent: ``to_rac()(rac_inputs(X)) == forward(X)`` exactly.

        Its inputs are :meth:`rac_inputs` (``x~ = (x, 1)`` with affine terms), its width the
        largest layer's CP term count (+ 1 for a nonzero initial state that no single term
        writes). Integer models give an integer RAC; float models a float RAC, or a
        :class:`~rac_tn.models.DyadicRAC` whose residues are exact where float64 cannot hold
        a composite weight. See :mod:`rac_tn.models.torac`.
        """
        return self._rac


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    return a is b or a == b
