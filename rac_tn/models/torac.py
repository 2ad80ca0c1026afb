"""The exact RAC equivalent of a stack of bilinear layers (:meth:`to_rac` of every family).

A CP layer ``h~_t = C[(A^T h~_{t-1}) * (B^T x~_t)]`` is, with ``z_t = (A^T h~_{t-1}) *
(B^T x~_t)`` in ``R^K``, the RAC step ``z_t = (W^H z_{t-1}) * (W^I x~_t)`` with
``W^H = A^T C`` and ``W^I = B^T``; a deeper layer reads ``h~^{l-1} = C_{l-1} z^{l-1}``, so
``W^{I,l} = B_l^T C_{l-1}``; the readout is ``W^O C_L``. The initial state: when ``h~_0`` is
``C z_0`` for an obvious ``z_0`` (``0`` for a zero state, ``e_const`` for the zero state of an
affine layer) that ``z_0`` is used; otherwise one extra coordinate ``s`` with ``W^H[:, s] =
A^T h~_0``, ``z_0 = e_s`` and zero rows for ``s`` (so ``s`` is 0 after the first step). Layers
are padded with zero coordinates to one width, as a RAC has one ``R``.

A layer of arity k (:attr:`BilinearLayer.arity`: it reads its input k times) is
``z_t = (W^H z_{t-1}) * prod_j (B_j^T u_t)``, a RAC step on the Kronecker power ``u^{(x)k}``
of its input, with ``W^I`` the row-wise Kronecker product of the ``B_j^T`` (``B_j^T C_{l-1}``
above layer 1). A RAC's state is linear in the layer below, so the layer below must then run on
the Kronecker power of its own state: ``(a * b)^{(x)k} = a^{(x)k} * b^{(x)k}``, so layer l
runs as the Kronecker power ``pi_l = k_{l+1} ... k_L`` of itself (``W^H``, ``W^I`` and
``z_0`` powered), and the RAC reads ``x~^{(x) pi_0}`` (:meth:`rac_inputs`). Its width grows
like ``K^{pi_l}``: :func:`rac_from_layers` refuses a RAC above :data:`MAX_RAC_ENTRIES`
weights, naming its width (the model's own exact routes never need it).

The composite weights (``A^T C`` ...) are sums of products: they are computed exactly (Python
integers, floats as dyadic rationals). Integer models give an integer RAC (int64, checked).
Float models give a float RAC when every composite is a float64 exactly; otherwise a
:class:`DyadicRAC`, whose float weights are the correctly rounded composites and whose residues
(:meth:`DyadicRAC.modular`, used by every exact route: ``forward_mod``, exact ranks) are those
of the exact composites, so exact ranks are the ranks of the model's own circuit.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from rac_tn._arrays import is_integer_array
from rac_tn.arith import modular as _modular
from rac_tn.models.layers import BilinearLayer
from rac_tn.models.rac import RAC

_INT64_MAX = (1 << 63) - 1


class _Exact:
    """An exact array ``numer / 2**shift`` (``numer``: object array of Python ints)."""

    def __init__(self, numer: np.ndarray, shift: int) -> None:
        self.numer, self.shift = numer, shift

    @classmethod
    def of(cls, values: np.ndarray) -> _Exact:
        arr = np.asarray(values)
        if is_integer_array(arr):
            return cls(np.vectorize(int, otypes=[object])(arr), 0)
        mantissa, exponent = np.frexp(arr.astype(np.float64))
        numer = np.ldexp(mantissa, 53).astype(np.int64)
        exponent = exponent.astype(np.int64) - 53
        # each entry is m * 2**e exactly; strip m's trailing zeros for the least common shift
        pairs = {}
        for idx in np.ndindex(arr.shape):
            m, e = int(numer[idx]), int(exponent[idx])
            if m:
                zeros = (m & -m).bit_length() - 1
                pairs[idx] = (m >> zeros, e + zeros)
        shift = max([0] + [-e for _, e in pairs.values()])
        out = np.zeros(arr.shape, dtype=object)
        for idx, (m, e) in pairs.items():
            out[idx] = m << (e + shift)
        return cls(out, shift)

    def __matmul__(self, other: _Exact) -> _Exact:
        return _Exact(self.numer @ other.numer, self.shift + other.shift)

    @property
    def T(self) -> _Exact:  # noqa: N802 - the transpose, as numpy spells it
        return _Exact(self.numer.T, self.shift)

    def to_int64(self, what: str) -> np.ndarray:
        """int64 entries, or Python ints (an object array) when some do not fit in int64."""
        flat = [int(v) for v in self.numer.ravel()]
        if any(abs(v) > _INT64_MAX for v in flat):
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
            return out.reshape(self.numer.shape)
        return np.array(flat, dtype=np.int64).reshape(self.numer.shape)

    def to_float(self) -> tuple[np.ndarray, bool]:
        """Correctly rounded float64 values, and whether every one is exact."""
        denom = 1 << self.shift
        out = np.empty(self.numer.shape, dtype=np.float64)
        exact = True
        for idx in np.ndindex(self.numer.shape):
            value = Fraction(int(self.numer[idx]), denom)
            out[idx] = float(value)
            exact = exact and Fraction(float(out[idx])) == value
        return out, exact

    def residues(self, p: int) -> np.ndarray:
        inverse = pow(pow(2, self.shift, p), -1, p)
        flat = [int(v) % p * inverse % p for v in self.numer.ravel()]
        return np.array(flat, dtype=np.uint64).reshape(self.numer.shape)


class DyadicRAC(RAC):
    """A RAC whose exact weights are dyadic rationals that float64 cannot hold.

    The float weights (``input_weights`` ...) are the correctly rounded values, used by the
    float routes (``forward``); :meth:`modular` gives the residues of the exact values, so
    ``forward_mod`` and the exact ranks are those of the exact circuit. :meth:`replace` gives a
    plain :class:`~rac_tn.RAC` of the rounded weights.
    """

    _exact: dict[str, list[_Exact]]  # set once in __init__

    def __init__(self, exact: dict[str, list[_Exact]], **floats: Any) -> None:
        super().__init__(**floats)
        object.__setattr__(self, "_exact", exact)

    def integral_abs_weights(self) -> tuple[list[np.ndarray], ...]:
        """``|numerators|`` of the exact weights, as floats: an integer model of the circuit.

        Each weight group is an exact ``numer / 2**shift``; the numerators form an integer
        model whose coefficients are those of this circuit times one power of two (the rank
        is the same). Floats round each entry by at most 2**-53, relatively.
        """
        ex = self._exact

        def magnitudes(arr: _Exact) -> np.ndarray:
            return np.vectorize(lambda v: float(abs(v)), otypes=[np.float64])(arr.numer)

        return tuple(
            [magnitudes(a) for a in ex[name]]
            for name in ("input_weights", "hidden_weights", "output_weights", "initial_states")
        )

    def modular(self, p: int) -> _modular.ModularWeights:
        """The exact composites' residues modulo the prime ``p`` (cached per prime)."""
        p = _modular.check_prime(p)
        cache = self._modular_cache
        if p not in cache:
            ex = self._exact
            cache[p] = _modular.ModularWeights(
                p=p,
                input_weights=tuple(w.residues(p) for w in ex["input_weights"]),
                hidden_weights=tuple(w.residues(p) for w in ex["hidden_weights"]),
                output_weights=ex["output_weights"][0].residues(p),
                initial_states=tuple(w.residues(p) for w in ex["initial_states"]),
            )
        return cache[p]


def _pad(arr: _Exact, rows: int, cols: int | None = None) -> _Exact:
    numer = arr.numer
    shape: tuple[Any, ...] = (rows,) if numer.ndim == 1 else (rows, cols)
    out = np.zeros(shape, dtype=object)
    out[tuple(slice(0, s) for s in numer.shape)] = numer
    return _Exact(out, arr.shift)


def _hstack(left: _Exact, column: _Exact) -> _Exact:
    shift = max(left.shift, column.shift)
    a = left.numer * (1 << (shift - left.shift))
    b = column.numer * (1 << (shift - column.shift))
    return _Exact(np.concatenate([a, b.reshape(-1, 1)], axis=1), shift)


#: The most weight entries :func:`rac_from_layers` builds (the Kronecker powers of a model
#: whose cells read their input several times grow fast).
MAX_RAC_ENTRIES = 1 << 22


def _row_kron(parts: Sequence[_Exact]) -> _Exact:
    """Row-wise Kronecker product: row r is ``kron(parts[0][r], parts[1][r], ...)``."""
    out = parts[0]
    for part in parts[1:]:
        numer = out.numer[:, :, None] * part.numer[:, None, :]
        out = _Exact(numer.reshape(numer.shape[0], -1), out.shift + part.shift)
    return out


def _kron_power(arr: _Exact, power: int) -> _Exact:
    """``arr (x) arr (x) ... (x) arr`` (``power`` factors; vectors and matrices)."""
    out = arr
    for _ in range(power - 1):
        out = _Exact(np.kron(out.numer, arr.numer), out.shift + arr.shift)
    return out


def rac_from_layers(layers: Sequence[BilinearLayer], readout: np.ndarray) -> RAC:
    """The RAC (exact, see the module) computing ``readout @ h~^L_T`` of ``layers``.

    Parameters
    ----------
    layers
        The layers, bottom first (layer 1 reads ``x~``, layer l the state of layer l - 1).
    readout
        ``C x state_dim`` of the last layer (the decoder's bias in the constant column).

    Returns
    -------
    RAC
        Inputs ``x~`` (the constant appended when layer 1 is affine; its Kronecker power
        ``x~^{(x) pi_0}`` when cells read their input several times); width the largest
        ``K^{pi_l}`` (K + 1 where the initial state needs its own coordinate).

    Raises
    ------
    ValueError
        When the RAC would have more than :data:`MAX_RAC_ENTRIES` weight entries.
    """
    parts = []
    for layer in layers:
        A, _, C = (_Exact.of(f) for f in layer.factors())
        legs = [_Exact.of(f) for f in layer.input_factors]
        K = A.numer.shape[1]
        hidden = A.T @ C
        start = np.zeros(K, dtype=object)
        column = _column_equal_to(C, _Exact.of(layer.initial_state))
        if column is not None:
            start[column] = 1
        elif any(layer.initial_state.ravel()):
            # one more coordinate s: W^H[:, s] = A^T h~_0, z_0 = e_s, row s zero
            h0 = _Exact.of(layer.initial_state)
            hidden = _hstack(hidden, A.T @ _Exact(h0.numer[:, None], h0.shift))
            hidden = _pad(hidden, K + 1, K + 1)
            start = np.append(start, 1)
        parts.append((legs, C, hidden, _Exact(start, 0)))
    powers = [1] * len(layers)
    for j in range(len(layers) - 2, -1, -1):
        powers[j] = powers[j + 1] * layers[j + 1].arity
    sizes = [part[3].numer.shape[0] ** power for part, power in zip(parts, powers, strict=True)]
    width = max(sizes)
    entries = width * (width * len(layers) + layers[0].input_dim ** (powers[0] * layers[0].arity))
    if entries > MAX_RAC_ENTRIES:
        raise ValueError(
            f"the exact RAC equivalent of this model would have width {width:,} and "
            f"{entries:,} weight entries (above {MAX_RAC_ENTRIES:,}): its cells read their input "
            f"{[layer.arity for layer in layers]} times per layer, so layer l runs as a "
            f"Kronecker power {powers} of itself. The model's own exact routes (forward_mod, "
            "separation_rank, grid_tensor, function_dimension) do not need it"
        )
    hiddens, inputs, starts = [], [], []
    previous_C, previous_size = None, None
    for (legs, C, hidden, start), power in zip(parts, powers, strict=True):
        size = start.numer.shape[0]
        if previous_C is None:
            drives = [_pad(B.T, size, B.numer.shape[0]) for B in legs]
        else:
            drives = [_pad(B.T @ previous_C, size, previous_size) for B in legs]
        drive = _kron_power(_row_kron(drives), power)
        hiddens.append(_pad(_kron_power(hidden, power), width, width))
        cols = drive.numer.shape[1] if previous_C is None else width
        inputs.append(_pad(drive, width, cols))
        starts.append(_pad(_kron_power(start, power), width))
        previous_C, previous_size = C, size
    assert previous_C is not None  # a model has at least one layer
    output = _pad(_Exact.of(readout) @ previous_C, readout.shape[0], width)
    groups = {
        "input_weights": inputs,
        "hidden_weights": hiddens,
        "output_weights": [output],
        "initial_states": starts,
    }
    flat = [w for ws in groups.values() for w in ws]
    if all(is_integer_array(np.asarray(a)) for a in _arrays(layers, readout)):
        ints: dict[str, Any] = {k: [w.to_int64(k) for w in ws] for k, ws in groups.items()}
        ints["output_weights"] = ints["output_weights"][0]
        return RAC(**ints)
    converted = [w.to_float() for w in flat]
    floats: dict[str, Any]  # lists of arrays, one array for output_weights
    floats, i = {}, 0
    for key, ws in groups.items():
        floats[key] = [converted[i + j][0] for j in range(len(ws))]
        i += len(ws)
    floats["output_weights"] = floats["output_weights"][0]
    if all(exact for _, exact in converted):
        return RAC(**floats)
    return DyadicRAC(groups, **floats)


def _column_equal_to(C: _Exact, h0: _Exact) -> int | None:
    """A column k of ``C`` equal to a nonzero ``h~_0`` (then ``z_0 = e_k`` suffices)."""
    target = [Fraction(int(v), 1 << h0.shift) for v in h0.numer]
    if not any(target):
        return None
    denom = 1 << C.shift
    for k in range(C.numer.shape[1]):
        if all(Fraction(int(v), denom) == t for v, t in zip(C.numer[:, k], target, strict=True)):
            return k
    return None


def _arrays(layers: Sequence[BilinearLayer], readout: np.ndarray) -> list[np.ndarray]:
    out = [np.asarray(readout)]
    for layer in layers:
        out.extend(np.asarray(f) for f in (*layer.factors(), *layer.extra))
        out.append(np.asarray(layer.initial_state))
    return out
