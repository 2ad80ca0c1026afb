"""The Recurrent Arithmetic Circuit (RAC) model.

Layer ``l = 1..L`` keeps a state ``h^{l,t}`` in ``R^R`` and updates it by Multiplicative
Integration::

    h^{0,t} = f_t
    h^{l,t} = (W^{H,l} h^{l,t-1}) * (W^{I,l} h^{l-1,t})      (elementwise product)
    y = W^O h^{L,T}

There are no biases and no nonlinearity, so every state is a homogeneous polynomial of the
inputs; the output has degree ``n_t = C(T-t+L-1, L-1)`` in ``f_t``.

A :class:`RAC` is immutable (read-only arrays, so nothing computed from it can go stale) and
never overflows silently: :meth:`RAC.forward` raises :class:`FloatRangeError` where float64
cannot hold y, and :meth:`RAC.forward_scaled` / :meth:`RAC.forward_mod` still work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rac_tn._arrays import (
    array_key,
    as_layer_list,
    as_weight,
    check_sequences,
    frozen,
    is_integer_array,
    random_weights,
    same_arrays,
)
from rac_tn._checks import check_seed, positive_int
from rac_tn.arith import modular as _modular
from rac_tn.arith.scaled import scaled_recurrence, to_float64
from rac_tn.models import layers as _layers
from rac_tn.models.layers import BilinearLayer
from rac_tn.models.params import as_state_dict, check_unused, writable
from rac_tn.models.params import initial_states as initial_state_fill
from rac_tn.models.protocol import ModelCommon
from rac_tn.models.sizes import Size

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_FORWARD_MOD_CHUNK = 1 << 15


class RAC(ModelCommon):
    """A Recurrent Arithmetic Circuit of any depth (a :class:`~rac_tn.models.RecurrentModel`).

    Parameters
    ----------
    input_weights
        ``[W^{I,1}, ..., W^{I,L}]``: ``W^{I,1}`` is ``R x M``, the others ``R x R``.
    hidden_weights
        ``[W^{H,1}, ..., W^{H,L}]``, each ``R x R``.
    output_weights
        ``W^O``, ``C x R``.
    initial_states
        ``[h^{1,0}, ..., h^{L,0}]``, each of length ``R``, or ``"ones"`` (the default, as
        for every family) or ``"zeros"`` (the model is then identically zero).

    Attributes
    ----------
    input_weights, hidden_weights, initial_states : tuple of numpy.ndarray
        Read-only per-layer arrays (int64 or float64).
    output_weights : numpy.ndarray
        Read-only ``W^O``.
    M, R, L, C : int
        Aliases of :attr:`input_dim`, :attr:`hidden_dim`, :attr:`depth` and
        :attr:`num_classes`.

    Raises
    ------
    TypeError
        When a weight group is not a list of arrays, or an array does not hold real numbers.
    ValueError
        When the shapes do not fit together (the message names the array and the expected
        shape), a list is empty, or an entry is NaN or infinite.

    Examples
    --------
    A shallow RAC with ``M = 2``, ``R = 1``: ``y = prod_t 2 (x_{t,1} + x_{t,2})``.

    >>> RAC([[[1, 1]]], [[[2]]], [[1]]).forward([[1, 0], [1, 1]])
    array([8.])
    >>> rac = RAC.random(input_dim=3, hidden_dim=2, depth=2, seed=0)
    >>> rac.forward(np.eye(3)[[0, 1, 2, 0]]).shape
    (1,)
    >>> rac.hidden_weights[0][0, 0] = 5.0
    Traceback (most recent call last):
    ...
    ValueError: assignment destination is read-only
    """

    _FIELDS = ("input_weights", "hidden_weights", "output_weights", "initial_states")
    # set once in __init__ (through object.__setattr__: the model is immutable)
    input_weights: tuple[np.ndarray, ...]
    hidden_weights: tuple[np.ndarray, ...]
    output_weights: np.ndarray
    initial_states: tuple[np.ndarray, ...]
    _modular_cache: dict[int, _modular.ModularWeights]
    family = "rac"
    rank = None
    bias = False
    multiplicative = True
    augmented_input = False
    #: What an analysis of this model is about: the RAC is its own circuit (no activations).
    circuit = None

    def __init__(
        self,
        input_weights: Sequence[ArrayLike],
        hidden_weights: Sequence[ArrayLike],
        output_weights: ArrayLike,
        initial_states: Sequence[ArrayLike] | str | None = None,
    ) -> None:
        inputs = as_layer_list(input_weights, "input_weights")
        hiddens = as_layer_list(hidden_weights, "hidden_weights")
        if len(inputs) != len(hiddens):
            raise ValueError(
                f"input_weights has {len(inputs)} layers but hidden_weights has {len(hiddens)}"
            )
        depth = len(inputs)
        input_ws = tuple(as_weight(w, f"input_weights[{i}]", 2) for i, w in enumerate(inputs))
        hidden_ws = tuple(as_weight(w, f"hidden_weights[{i}]", 2) for i, w in enumerate(hiddens))
        output_w = as_weight(output_weights, "output_weights", 2)
        width = input_ws[0].shape[0]
        for i, w in enumerate(hidden_ws):
            if w.shape != (width, width):
                raise ValueError(
                    f"hidden_weights[{i}] must be R x R = {width} x {width} "
                    f"(R from input_weights[0].shape[0]), got shape {w.shape}"
                )
        for i, w in enumerate(input_ws[1:], start=1):
            if w.shape != (width, width):
                raise ValueError(
                    f"input_weights[{i}] must be R x R = {width} x {width} (layer {i + 1} reads "
                    f"layer {i}'s R-dimensional state), got shape {w.shape}"
                )
        if output_w.shape[1] != width:
            raise ValueError(
                f"output_weights must be C x R with R = {width}, got shape {output_w.shape}"
            )
        if initial_states is None or isinstance(initial_states, str):
            h0s = tuple(
                frozen(h.astype(np.int64))
                for h in initial_state_fill(initial_states, depth, width, np.dtype(np.int64))
            )
        else:
            states = as_layer_list(initial_states, "initial_states")
            if len(states) != depth:
                raise ValueError(
                    f"initial_states must hold {depth} vectors (one per layer), got {len(states)}"
                )
            h0s = tuple(as_weight(h, f"initial_states[{i}]", 1) for i, h in enumerate(states))
            for i, h in enumerate(h0s):
                if h.shape != (width,):
                    raise ValueError(
                        f"initial_states[{i}] must have length R = {width}, got shape {h.shape}"
                    )
        for name, value in zip(self._FIELDS, (input_ws, hidden_ws, output_w, h0s), strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_modular_cache", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"a RAC is immutable (cannot set {name!r}); use rac.replace({name}=...) for a "
            "changed copy"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a RAC is immutable (cannot delete {name!r})")

    def replace(self, **changes: Any) -> RAC:
        """A copy with some of the four weight groups replaced (checked like a new RAC).

        Raises TypeError for a name that is not ``input_weights``, ``hidden_weights``,
        ``output_weights`` or ``initial_states``.

        >>> rac = RAC.random(2, 2, seed=0, integer=True)
        >>> rac.replace(output_weights=[[1, 0]]).output_weights.tolist()
        [[1, 0]]
        """
        unknown = sorted(set(changes) - set(self._FIELDS))
        if unknown:
            raise TypeError(f"replace() takes {self._FIELDS}, got {unknown}")
        fields = {name: getattr(self, name) for name in self._FIELDS}
        fields.update(changes)
        return RAC(**fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RAC):
            return NotImplemented
        return all(same_arrays(getattr(self, name), getattr(other, name)) for name in self._FIELDS)

    def __hash__(self) -> int:
        return hash(tuple(array_key(np.asarray(w)) for w in self._arrays()))

    def _arrays(self) -> list[np.ndarray]:
        """Every weight array and initial state, in a fixed order."""
        weights = [*self.input_weights, *self.hidden_weights, self.output_weights]
        return weights + list(self.initial_states)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def random(
        cls,
        input_dim: int,
        hidden_dim: int,
        depth: int = 1,
        num_classes: int = 1,
        *,
        seed: int | np.random.Generator | None = None,
        integer: bool = False,
    ) -> RAC:
        """A RAC with random weights.

        Parameters
        ----------
        input_dim
            M, the size of each input ``f_t``.
        hidden_dim
            R, the hidden channels per layer.
        depth
            L, the number of recurrent layers.
        num_classes
            C, the number of outputs.
        seed
            Seed (a non-negative int) or a ``numpy.random.Generator``; None draws fresh
            entropy.
        integer
            Draw int64 weights instead of floats (see Notes).

        Returns
        -------
        RAC
            The initial states are all ones.

        Raises
        ------
        TypeError, ValueError
            When a size is not a positive integer, or the seed is not a valid seed.

        Notes
        -----
        Float weights (the default) are positive and normalised so that, for inputs in the
        probability simplex (one-hot templates included), outputs stay O(1) for sequences of a
        few hundred steps: ``W^H`` and ``W^{I,l>=2}`` are doubly stochastic, ``W^O`` is
        row-stochastic, and the columns of ``W^{I,1}`` are log-normal with mean 1 and a spread
        that shrinks with depth (the output's degree ``C(T+L-1, L)`` amplifies any wobble).
        ``integer=True`` draws integers uniformly from
        ``(-2**20, 2**20)``: the generic weights for exact ranks modulo a large prime.

        Examples
        --------
        >>> RAC.random(3, 2, depth=2, seed=0)
        RAC(input_dim=3, hidden_dim=2, depth=2, num_classes=1, weights=float)
        >>> RAC.random(3, 2, seed=0, integer=True).is_integer
        True
        """
        M, R = positive_int(input_dim, "input_dim"), positive_int(hidden_dim, "hidden_dim")
        L, C = positive_int(depth, "depth"), positive_int(num_classes, "num_classes")
        rng = np.random.default_rng(check_seed(seed))
        return cls(*random_weights(M, R, L, C, rng, integer=integer))

    # -- sizes --------------------------------------------------------------------------------

    input_dim = Size("input_weights", 1)
    """M, the size of the input representation ``f_t``."""
    hidden_dim = Size("input_weights", 0)
    """R, the hidden channels per layer."""
    depth = Size("input_weights")
    """L, the number of recurrent layers."""
    num_classes = Size("output_weights", 0, layer=None)
    """C, the number of outputs."""

    M = input_dim
    R = hidden_dim
    L = depth
    C = num_classes

    @property
    def node_dim(self) -> int:
        """R: what the symmetric cut prices a cell at."""
        return self.hidden_dim

    @property
    def input_node_dim(self) -> int:
        """M: an input node's dimension."""
        return self.input_dim

    @property
    def input_cut_dim(self) -> int:
        """M: what the symmetric cut prices an input at."""
        return self.input_dim

    @property
    def state_dims(self) -> tuple[int, ...]:
        """R for every layer."""
        return (self.hidden_dim,) * self.depth

    @property
    def layers(self) -> tuple[BilinearLayer, ...]:
        """The layers as Multiplicative Integration cells (``'mi'``: A = (W^H)^T, B = (W^I)^T)."""
        return tuple(
            BilinearLayer.mi(wh, wi, h0)
            for wh, wi, h0 in zip(
                self.hidden_weights, self.input_weights, self.initial_states, strict=True
            )
        )

    @property
    def readout(self) -> np.ndarray:
        """``W^O``."""
        return self.output_weights

    @property
    def initial_state_vectors(self) -> tuple[np.ndarray, ...]:
        """Per layer, ``h^{l,0}``."""
        return self.initial_states

    def to_rac(self) -> RAC:
        """The RAC itself (its own exact RAC equivalent)."""
        return self

    def rac_inputs(self, X: object) -> np.ndarray:
        """``X`` checked as ``(T, M)`` or ``(batch, T, M)`` (a RAC reads its inputs as given)."""
        batch, single = self._check_inputs(X)
        return batch[0] if single else batch

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """The weights under ``input_weights.<i>``, ``hidden_weights.<i>``, ``initial_states.<i>``.

        And ``output_weights``; read back by :meth:`from_state_dict`.
        """
        out = {"output_weights": writable(self.output_weights)}
        for i in range(self.depth):
            out[f"input_weights.{i}"] = writable(self.input_weights[i])
            out[f"hidden_weights.{i}"] = writable(self.hidden_weights[i])
            out[f"initial_states.{i}"] = writable(self.initial_states[i])
        return out

    @classmethod
    def from_state_dict(cls, state_dict: object, *, strict: bool = True) -> RAC:
        """The inverse of :meth:`to_state_dict`."""
        sd = as_state_dict(state_dict)
        groups = {}
        for name in ("input_weights", "hidden_weights", "initial_states"):
            count = sum(1 for key in sd if key.startswith(name + "."))
            groups[name] = [sd[f"{name}.{i}"] for i in range(count)]
        used = {k for k in sd if k.split(".")[0] in (*groups, "output_weights")}
        check_unused(sd, used, strict)
        if "output_weights" not in sd:
            raise ValueError("state dict has no 'output_weights'")
        return cls(output_weights=sd["output_weights"], **groups)

    @property
    def num_parameters(self) -> int:
        """Entries of ``W^I``, ``W^H`` and ``W^O`` (the fixed initial states are not counted)."""
        weights = [*self.input_weights, *self.hidden_weights, self.output_weights]
        return sum(w.size for w in weights)

    @property
    def is_integer(self) -> bool:
        """True when every weight and initial state has an integer dtype."""
        return all(is_integer_array(a) for a in self._arrays())

    def __repr__(self) -> str:
        kind = "integer" if self.is_integer else "float"
        return (
            f"RAC(input_dim={self.M}, hidden_dim={self.R}, depth={self.L}, "
            f"num_classes={self.C}, weights={kind})"
        )

    # -- evaluation ---------------------------------------------------------------------------

    def _check_inputs(self, X: object) -> tuple[np.ndarray, bool]:
        """``X`` as ``(batch, T, M)`` and whether it was one sequence (see ``check_sequences``)."""
        return check_sequences(X, self.M)

    def forward(self, X: object, *, every_step: bool = False) -> np.ndarray:
        """Evaluate ``y`` in float64: ``(C,)`` for ``(T, M)`` inputs, ``(batch, C)`` for a batch.

        ``rac(X)`` is the same call; ``every_step=True`` reads ``W^O h^{L,t}`` after every step (a
        ``T`` axis before ``C``). Raises :class:`FloatRangeError` when an output does not fit in
        float64 (the message gives its size; :meth:`forward_scaled` and :meth:`forward_mod` still
        work), TypeError/ValueError for inputs that are not finite reals of shape ``(T, M)`` or
        ``(batch, T, M)``.

        >>> rac = RAC([[[1, 1]]], [[[2]]], [[1]])     # y = prod_t 2 (x_{t,1} + x_{t,2})
        >>> rac.forward([[1, 0], [1, 1]])
        array([8.])
        >>> rac(np.ones((3, 2, 2))).ravel().tolist()   # a batch of 3 sequences
        [16.0, 16.0, 16.0]
        """
        mantissa, exponent = self.forward_scaled(X, every_step=every_step)
        # np.shape reads any object (X passed the checks above); its stubs want array-likes
        where = f"T = {np.shape(X)[-2]}, depth {self.L}"  # type: ignore[call-overload]
        return to_float64(mantissa, exponent, where)

    __call__ = forward

    def forward_scaled(
        self, X: object, *, every_step: bool = False
    ) -> tuple[np.ndarray, np.ndarray | int]:
        """Evaluate ``y = mantissa * 2**exponent`` without overflow or underflow.

        Every state is renormalised after each step and its power of two kept aside (an int per
        sequence, an int64 array for a batch), so y is represented whatever its size.

        >>> rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
        >>> mantissa, exponent = rac.forward_scaled(np.eye(2)[[0, 1, 1, 0, 1, 0, 0, 1]])
        >>> exponent        # |y| ~ 2**1677: inf in plain float64
        1677
        """
        batch, single = self._check_inputs(X)
        if every_step:
            mantissa, exponent = _layers.forward_scaled(self.layers, self.readout, batch, True)
            return (mantissa[0], exponent[0]) if single else (mantissa, exponent)
        mantissa, exponent = scaled_recurrence(
            self.input_weights,
            self.hidden_weights,
            self.output_weights,
            self.initial_states,
            batch,
        )
        if single:
            return mantissa[0], int(exponent[0])
        return mantissa, exponent

    def modular(self, p: int) -> _modular.ModularWeights:
        """The weights' exact residues modulo the prime ``p`` (floats as dyadic rationals).

        Cached per prime (the model is immutable, so the residues cannot go stale). A float is the
        dyadic rational it stores: ``0.5 = 1/2 = 3 (mod 5)``.

        >>> RAC([[[1, 1]]], [[[2]]], [[0.5]]).modular(5).output_weights.tolist()
        [[3]]
        """
        p = _modular.check_prime(p)
        cache = self._modular_cache
        if p not in cache:
            cache[p] = _modular.ModularWeights(
                p=p,
                input_weights=tuple(_modular.to_residues(w, p) for w in self.input_weights),
                hidden_weights=tuple(_modular.to_residues(w, p) for w in self.hidden_weights),
                output_weights=_modular.to_residues(self.output_weights, p),
                initial_states=tuple(_modular.to_residues(h, p) for h in self.initial_states),
            )
        return cache[p]

    def forward_mod(
        self, X: object, p: int = _modular.MERSENNE61, *, every_step: bool = False
    ) -> np.ndarray:
        """Evaluate ``y`` exactly modulo the odd prime ``p < 2**63`` (default ``2**61 - 1``).

        Weights and inputs may be integers or floats (a float is the dyadic rational it stores).
        Returns ``uint64`` residues shaped as :meth:`forward`'s output.

        >>> rac = RAC([[[1, 1]]], [[[2]]], [[1]])     # y = 8 at these inputs
        >>> rac.forward_mod([[1, 0], [1, 1]], 5).tolist()
        [3]
        """
        batch, single = self._check_inputs(X)
        if every_step:
            p = _modular.check_prime(p)
            out = _layers.forward_mod(self.layers, self.readout, batch, p, True)
            return out[0] if single else out
        weights = self.modular(p)
        residues = _modular.to_residues(batch, weights.p)
        chunks = []
        for start in range(0, residues.shape[0], _FORWARD_MOD_CHUNK):
            finals = _modular.scan_mod(weights, residues[start : start + _FORWARD_MOD_CHUNK])
            chunks.append(_modular.matvec(weights.output_weights, finals[-1], weights.p))
        out = np.concatenate(chunks, axis=0)
        return out[0] if single else out
