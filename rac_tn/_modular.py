"""Exact arithmetic modulo a prime for the RAC recurrence.

Every finite float is a dyadic rational ``m * 2**e``, so it has an exact residue modulo any odd
prime ``p``. :func:`to_residues` maps arrays (integer or float) to those residues and
:func:`scan_mod` runs the Multiplicative-Integration recurrence on residues.

Two moduli have compiled (numba) kernels: any prime below ``2**32`` (products fit in 64 bits) and
the Mersenne prime ``2**61 - 1`` (products reduced by shifts). Any other prime below ``2**63``
runs on Python integers in numpy object arrays: exact, but much slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numba import njit, prange

MERSENNE61 = (1 << 61) - 1
_LOW32 = (1 << 32) - 1
_LOW29 = (1 << 29) - 1
_MAX_MODULUS = 1 << 63


def check_prime(p: object, name: str = "p") -> int:
    """Return ``p`` as an int after checking it is an odd prime below ``2**63``."""
    import flint

    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"{name} must be an integer prime, got {type(p).__name__}")
    p = int(p)
    if not 2 < p < _MAX_MODULUS:
        raise ValueError(f"{name} must be an odd prime in (2, 2**63), got {p}")
    if not flint.fmpz(p).is_prime():
        raise ValueError(f"{name} must be prime, got {p} (composite)")
    return p


def has_fast_kernel(p: int) -> bool:
    """Whether arithmetic modulo ``p`` runs in the compiled kernels."""
    return p < (1 << 32) or p == MERSENNE61


def to_residues(values: np.ndarray, p: int) -> np.ndarray:
    """Exact residues modulo ``p`` of an integer or float array.

    Floats are read as the dyadic rationals they are: ``x = m * 2**e`` maps to
    ``m * (2**e mod p)``, with ``2**-1`` the inverse of 2 modulo ``p``. Returns ``uint64``.
    """
    arr = np.asarray(values)
    if arr.dtype == object:
        flat = [_scalar_residue(v, p) for v in arr.ravel()]
        return np.array(flat, dtype=np.uint64).reshape(arr.shape)
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        if arr.dtype == np.uint64:
            return (arr % np.uint64(p)).astype(np.uint64)
        return np.mod(arr.astype(np.int64), p).astype(np.uint64)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"cannot take residues of dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("cannot take residues of NaN or infinite values")
    mantissa, exponent = np.frexp(arr)
    numer = np.ldexp(mantissa, 53).astype(np.int64)  # exact: 53-bit significand
    exponent = exponent.astype(np.int64) - 53
    numer_res = np.mod(numer, p).astype(object)
    scale = {int(e): pow(2, int(e), p) for e in np.unique(exponent)}
    scale_res = np.vectorize(scale.__getitem__, otypes=[object])(exponent)
    return np.asarray((numer_res * scale_res) % p, dtype=np.uint64).reshape(arr.shape)


def _scalar_residue(value: object, p: int) -> int:
    frac = Fraction(value)  # exact for ints, floats and Fractions
    return frac.numerator % p * pow(frac.denominator, -1, p) % p


@dataclass(frozen=True)
class ModularWeights:
    """Residues of a RAC's weights modulo a prime (see :meth:`rac_tn.RAC.modular`)."""

    p: int
    input_weights: tuple[np.ndarray, ...]
    hidden_weights: tuple[np.ndarray, ...]
    output_weights: np.ndarray
    initial_states: tuple[np.ndarray, ...]


@njit(cache=True, inline="always")
def _mulmod(a, b, p):
    if p == np.uint64(MERSENNE61):
        # a, b < 2**61: split into 32-bit halves, fold 2**61 = 1 (mod p).
        a_hi = a >> np.uint64(32)
        a_lo = a & np.uint64(_LOW32)
        b_hi = b >> np.uint64(32)
        b_lo = b & np.uint64(_LOW32)
        lo = a_lo * b_lo
        mid = a_hi * b_lo + a_lo * b_hi
        hi = a_hi * b_hi
        r = (
            (hi << np.uint64(3))
            + (mid >> np.uint64(29))
            + ((mid & np.uint64(_LOW29)) << np.uint64(32))
            + (lo >> np.uint64(61))
            + (lo & np.uint64(MERSENNE61))
        )
        r = (r & np.uint64(MERSENNE61)) + (r >> np.uint64(61))
        if r >= p:
            r -= p
        return r
    return (a * b) % p


@njit(cache=True, inline="always")
def _addmod(a, b, p):
    s = a + b
    if s >= p:
        s -= p
    return s


@njit(cache=True, parallel=True)
def _scan_layer_kernel(hidden, inputw, start, inputs, p):
    batch, steps, in_dim = inputs.shape
    width = hidden.shape[0]
    out = np.empty((batch, steps, width), dtype=np.uint64)
    for b in prange(batch):
        h = start[b].copy()
        new = np.empty(width, dtype=np.uint64)
        for t in range(steps):
            for r in range(width):
                rec = np.uint64(0)
                for k in range(width):
                    rec = _addmod(rec, _mulmod(hidden[r, k], h[k], p), p)
                inp = np.uint64(0)
                for k in range(in_dim):
                    inp = _addmod(inp, _mulmod(inputw[r, k], inputs[b, t, k], p), p)
                new[r] = _mulmod(rec, inp, p)
            for r in range(width):
                h[r] = new[r]
                out[b, t, r] = new[r]
    return out


@njit(cache=True, parallel=True)
def _matvec_kernel(weights, states, p):
    batch, width = states.shape
    rows = weights.shape[0]
    out = np.empty((batch, rows), dtype=np.uint64)
    for b in prange(batch):
        for c in range(rows):
            acc = np.uint64(0)
            for k in range(width):
                acc = _addmod(acc, _mulmod(weights[c, k], states[b, k], p), p)
            out[b, c] = acc
    return out


def _scan_layer_object(hidden, inputw, start, inputs, p):
    hidden, inputw = hidden.astype(object), inputw.astype(object)
    h = start.astype(object)
    inputs = inputs.astype(object)
    out = np.empty(inputs.shape[:2] + (hidden.shape[0],), dtype=object)
    for t in range(inputs.shape[1]):
        h = ((h @ hidden.T) % p) * ((inputs[:, t] @ inputw.T) % p) % p
        out[:, t] = h
    return out.astype(np.uint64)


def scan_layer(hidden, inputw, start, inputs, p: int) -> np.ndarray:
    """All states ``(batch, steps, R)`` of one layer, from start states ``(batch, R)``."""
    if has_fast_kernel(p):
        return _scan_layer_kernel(hidden, inputw, start, inputs, np.uint64(p))
    return _scan_layer_object(hidden, inputw, start, inputs, p)


def matvec(weights: np.ndarray, states: np.ndarray, p: int) -> np.ndarray:
    """``states @ weights.T`` modulo ``p`` for residue arrays."""
    if has_fast_kernel(p):
        return _matvec_kernel(weights, states, np.uint64(p))
    return ((states.astype(object) @ weights.T.astype(object)) % p).astype(np.uint64)


def scan_mod(
    weights: ModularWeights,
    inputs: np.ndarray,
    start_states: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Run every layer over ``inputs`` (residues, ``(batch, steps, M)``).

    ``start_states[l]`` (``(batch, R)``) is the state of layer ``l`` before the first step;
    by default the model's initial states. Returns the last state of every layer.
    """
    batch, steps = inputs.shape[:2]
    if start_states is None:
        start_states = [np.broadcast_to(h0, (batch, h0.shape[0])) for h0 in weights.initial_states]
    if steps == 0:
        return [np.array(start, dtype=np.uint64) for start in start_states]
    layer_input = np.ascontiguousarray(inputs, dtype=np.uint64)
    finals = []
    for hidden, inputw, start in zip(
        weights.hidden_weights, weights.input_weights, start_states, strict=True
    ):
        states = scan_layer(hidden, inputw, np.ascontiguousarray(start), layer_input, weights.p)
        finals.append(states[:, -1, :])
        layer_input = states
    return finals
