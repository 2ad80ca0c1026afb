"""The Recurrent Arithmetic Circuit (RAC) model.

Layer ``l = 1..L`` keeps a state ``h^{l,t}`` in ``R^R`` and updates it by Multiplicative
Integration::

    h^{0,t} = f_t
    h^{l,t} = (W^{H,l} h^{l,t-1}) * (W^{I,l} h^{l-1,t})      (elementwise product)
    y = W^O h^{L,T}

There are no biases and no nonlinearity, so every state is a homogeneous polynomial of the
inputs; the output has degree ``n_t = C(T-t+L-1, L-1)`` in ``f_t``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rac_tn import _modular

_FORWARD_MOD_CHUNK = 1 << 15


def _as_weight(value: object, name: str, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - numpy raises many types here
        raise TypeError(f"{name} must be array-like, got {type(value).__name__}") from exc
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must have positive sizes, got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.unsignedinteger) and arr.max() >= 2**63:
            raise ValueError(f"{name} has entries too large for int64")
        return arr.astype(np.int64)
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return arr


def _as_layer_list(value: object, name: str) -> list[object]:
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(
            f"{name} must be a list of per-layer 2-D arrays, got {type(value).__name__}"
        )
    if len(value) == 0:
        raise ValueError(f"{name} must hold one array per layer (depth >= 1), got an empty list")
    return list(value)


class RAC:
    """A Recurrent Arithmetic Circuit of any depth.

    Parameters
    ----------
    input_weights
        ``[W^{I,1}, ..., W^{I,L}]``: ``W^{I,1}`` is ``R x M``, the others ``R x R``.
    hidden_weights
        ``[W^{H,1}, ..., W^{H,L}]``, each ``R x R``.
    output_weights
        ``W^O``, ``C x R``.
    initial_states
        ``[h^{1,0}, ..., h^{L,0}]``, each of length ``R``; all ones by default.

    Examples
    --------
    >>> rac = RAC.random(input_dim=3, hidden_dim=2, depth=2, seed=0)
    >>> rac.forward(np.eye(3)[[0, 1, 2, 0]]).shape
    (1,)
    """

    def __init__(
        self,
        input_weights: Sequence[np.ndarray],
        hidden_weights: Sequence[np.ndarray],
        output_weights: np.ndarray,
        initial_states: Sequence[np.ndarray] | None = None,
    ) -> None:
        inputs = _as_layer_list(input_weights, "input_weights")
        hiddens = _as_layer_list(hidden_weights, "hidden_weights")
        if len(inputs) != len(hiddens):
            raise ValueError(
                f"input_weights has {len(inputs)} layers but hidden_weights has {len(hiddens)}"
            )
        depth = len(inputs)
        self.input_weights = [_as_weight(w, f"input_weights[{i}]", 2) for i, w in enumerate(inputs)]
        self.hidden_weights = [
            _as_weight(w, f"hidden_weights[{i}]", 2) for i, w in enumerate(hiddens)
        ]
        self.output_weights = _as_weight(output_weights, "output_weights", 2)
        width = self.input_weights[0].shape[0]
        for i, w in enumerate(self.hidden_weights):
            if w.shape != (width, width):
                raise ValueError(
                    f"hidden_weights[{i}] must be R x R = {width} x {width} "
                    f"(R from input_weights[0].shape[0]), got shape {w.shape}"
                )
        for i, w in enumerate(self.input_weights[1:], start=1):
            if w.shape != (width, width):
                raise ValueError(
                    f"input_weights[{i}] must be R x R = {width} x {width} (layer {i + 1} reads "
                    f"layer {i}'s R-dimensional state), got shape {w.shape}"
                )
        if self.output_weights.shape[1] != width:
            raise ValueError(
                f"output_weights must be C x R with R = {width}, got shape "
                f"{self.output_weights.shape}"
            )
        if initial_states is None:
            self.initial_states = [np.ones(width, dtype=np.int64) for _ in range(depth)]
        else:
            states = _as_layer_list(initial_states, "initial_states")
            if len(states) != depth:
                raise ValueError(
                    f"initial_states must hold {depth} vectors (one per layer), got {len(states)}"
                )
            self.initial_states = [
                _as_weight(h, f"initial_states[{i}]", 1) for i, h in enumerate(states)
            ]
            for i, h in enumerate(self.initial_states):
                if h.shape != (width,):
                    raise ValueError(
                        f"initial_states[{i}] must have length R = {width}, got shape {h.shape}"
                    )

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

        Float weights (the default) are positive and normalised so that, for inputs in the
        probability simplex (one-hot templates included), outputs stay O(1) for sequences of a
        few hundred steps: ``W^H`` and ``W^{I,l>=2}`` are doubly stochastic, ``W^O`` is
        row-stochastic, and the columns of ``W^{I,1}`` are log-normal with mean 1 and a spread
        that shrinks with depth (the output's degree ``C(T+L-1, L)`` amplifies any wobble).
        ``integer=True`` draws integers uniformly from
        ``(-2**20, 2**20)``: the generic weights for exact ranks modulo a large prime.
        """
        for name, value in (
            ("input_dim", input_dim),
            ("hidden_dim", hidden_dim),
            ("depth", depth),
            ("num_classes", num_classes),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be a positive integer, got {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        rng = np.random.default_rng(seed)
        M, R, L, C = int(input_dim), int(hidden_dim), int(depth), int(num_classes)
        if integer:
            bound = 1 << 20

            def draw(shape):
                return rng.integers(-bound + 1, bound, size=shape, dtype=np.int64)

            return cls(
                [draw((R, M))] + [draw((R, R)) for _ in range(L - 1)],
                [draw((R, R)) for _ in range(L)],
                draw((C, R)),
            )

        # y has degree C(T+L-1, L) in the inputs, so a relative wobble of the per-step factor is
        # raised to huge powers at depth: the spread of W^{I,1} shrinks with L to keep outputs
        # near 1 (one-hot inputs, T <= 300: within ~1 decade at L <= 2, ~3 decades at L = 3).
        spread = {1: 0.1, 2: 0.03, 3: 0.003}.get(L, 0.003 / 3 ** (L - 3))

        def doubly_stochastic(shape):
            w = np.exp(0.5 * rng.standard_normal(shape))
            for _ in range(50):  # Sinkhorn: the common scale of the state then does not drift
                w = w / w.sum(axis=1, keepdims=True)
                w = w / w.sum(axis=0, keepdims=True)
            return w / w.sum(axis=1, keepdims=True)

        first = np.exp(spread * rng.standard_normal((R, M)))
        first /= first.mean(axis=0, keepdims=True)
        readout = np.exp(0.5 * rng.standard_normal((C, R)))
        readout /= readout.sum(axis=1, keepdims=True)
        return cls(
            [first] + [doubly_stochastic((R, R)) for _ in range(L - 1)],
            [doubly_stochastic((R, R)) for _ in range(L)],
            readout,
        )

    # -- sizes --------------------------------------------------------------------------------

    @property
    def input_dim(self) -> int:
        """M, the size of the input representation ``f_t``."""
        return self.input_weights[0].shape[1]

    @property
    def hidden_dim(self) -> int:
        """R, the hidden channels per layer."""
        return self.input_weights[0].shape[0]

    @property
    def depth(self) -> int:
        """L, the number of recurrent layers."""
        return len(self.input_weights)

    @property
    def num_classes(self) -> int:
        """C, the number of outputs."""
        return self.output_weights.shape[0]

    M = input_dim
    R = hidden_dim
    L = depth
    C = num_classes

    @property
    def num_parameters(self) -> int:
        """Entries of ``W^I``, ``W^H`` and ``W^O`` (the fixed initial states are not counted)."""
        weights = [*self.input_weights, *self.hidden_weights, self.output_weights]
        return sum(w.size for w in weights)

    @property
    def is_integer(self) -> bool:
        """True when every weight and initial state has an integer dtype."""
        arrays = [*self.input_weights, *self.hidden_weights, self.output_weights]
        arrays += self.initial_states
        return all(np.issubdtype(a.dtype, np.integer) for a in arrays)

    def __repr__(self) -> str:
        kind = "integer" if self.is_integer else "float"
        return (
            f"RAC(input_dim={self.M}, hidden_dim={self.R}, depth={self.L}, "
            f"num_classes={self.C}, weights={kind})"
        )

    # -- evaluation ---------------------------------------------------------------------------

    def _check_inputs(self, X: object) -> tuple[np.ndarray, bool]:
        arr = np.asarray(X)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.integer)
            or np.issubdtype(arr.dtype, np.floating)
            or arr.dtype == np.bool_
        ):
            raise TypeError(f"X must hold real numbers, got dtype {arr.dtype}")
        if arr.ndim not in (2, 3):
            raise ValueError(
                f"X must have shape (T, M) or (batch, T, M) with M = {self.M}, got {arr.shape}"
            )
        if arr.shape[-1] != self.M:
            raise ValueError(
                f"X's last dimension must be the input size M = {self.M}, got shape {arr.shape}"
            )
        if arr.shape[-2] == 0:
            raise ValueError("X holds an empty sequence (T = 0); a RAC needs T >= 1 steps")
        if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
            raise ValueError("X contains NaN or infinite entries")
        single = arr.ndim == 2
        return (arr[None] if single else arr), single

    def forward(self, X: object) -> np.ndarray:
        """Evaluate ``y`` in float64.

        ``X`` of shape ``(T, M)`` gives ``(C,)``; ``(batch, T, M)`` gives ``(batch, C)``.
        """
        batch, single = self._check_inputs(X)
        layer_input = batch.astype(np.float64)
        for hidden, inputw, h0 in zip(
            self.hidden_weights, self.input_weights, self.initial_states, strict=True
        ):
            drive = layer_input @ inputw.T.astype(np.float64)  # (batch, T, R)
            h = np.broadcast_to(h0.astype(np.float64), drive[:, 0].shape)
            states = np.empty_like(drive)
            hidden_t = hidden.T.astype(np.float64)
            for t in range(drive.shape[1]):
                h = (h @ hidden_t) * drive[:, t]
                states[:, t] = h
            layer_input = states
        out = layer_input[:, -1] @ self.output_weights.T.astype(np.float64)
        return out[0] if single else out

    __call__ = forward

    def modular(self, p: int) -> _modular.ModularWeights:
        """The weights' exact residues modulo the prime ``p`` (floats as dyadic rationals)."""
        p = _modular.check_prime(p)
        cache = self.__dict__.setdefault("_modular_cache", {})
        if p not in cache:
            cache[p] = _modular.ModularWeights(
                p=p,
                input_weights=tuple(_modular.to_residues(w, p) for w in self.input_weights),
                hidden_weights=tuple(_modular.to_residues(w, p) for w in self.hidden_weights),
                output_weights=_modular.to_residues(self.output_weights, p),
                initial_states=tuple(_modular.to_residues(h, p) for h in self.initial_states),
            )
        return cache[p]

    def forward_mod(self, X: object, p: int = _modular.MERSENNE61) -> np.ndarray:
        """Evaluate ``y`` exactly modulo the prime ``p`` (default ``2**61 - 1``).

        Weights and inputs may be integers or floats; a float is taken as the exact dyadic
        rational it stores. Returns ``uint64`` residues, shape ``(C,)`` or ``(batch, C)``.
        """
        batch, single = self._check_inputs(X)
        weights = self.modular(p)
        residues = _modular.to_residues(batch, weights.p)
        chunks = []
        for start in range(0, residues.shape[0], _FORWARD_MOD_CHUNK):
            finals = _modular.scan_mod(weights, residues[start : start + _FORWARD_MOD_CHUNK])
            chunks.append(_modular.matvec(weights.output_weights, finals[-1], weights.p))
        out = np.concatenate(chunks, axis=0)
        return out[0] if single else out

    # invalidate the residue cache if weights are replaced wholesale
    def __setattr__(self, name: str, value: object) -> None:
        if name in {"input_weights", "hidden_weights", "output_weights", "initial_states"}:
            self.__dict__.pop("_modular_cache", None)
        super().__setattr__(name, value)
