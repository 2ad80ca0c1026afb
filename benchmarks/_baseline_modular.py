"""Frozen copy of rac_tn/arith/modular.py before issue 14 (the "today" baseline of
bench_kernels.py).

Not used by the package. Kept so the benchmark measures the old pair kernel side by side with
the new one, in the same process.


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


# -- pair evaluation for the sampled separation rank (rac_tn.exact.rank)
# ----------------------------


@njit(cache=True, parallel=True)
def _pair_outputs_kernel(start, drive_rows, drive_cols, from_cols, hidden, inputw, readout, p):
    # start (Kr, L, R): every layer's state after the shared prefix, one per row part;
    # drive_* (K, S, R): W^{I,1} f_t of the row / column parts for the S remaining steps;
    # from_cols (S,): step s reads the column part. Output (Kr, Kc): y for every pair.
    rows, depth, width = start.shape
    cols = drive_cols.shape[0]
    steps = from_cols.shape[0]
    out = np.empty((rows, cols), dtype=np.uint64)
    for i in prange(rows):
        h = np.empty((depth, width), dtype=np.uint64)
        new = np.empty(width, dtype=np.uint64)
        for j in range(cols):
            for layer in range(depth):
                for r in range(width):
                    h[layer, r] = start[i, layer, r]
            for s in range(steps):
                for layer in range(depth):
                    for r in range(width):
                        rec = np.uint64(0)
                        for k in range(width):
                            rec = _addmod(rec, _mulmod(hidden[layer, r, k], h[layer, k], p), p)
                        if layer == 0:
                            inp = drive_cols[j, s, r] if from_cols[s] else drive_rows[i, s, r]
                        else:
                            inp = np.uint64(0)
                            for k in range(width):
                                inp = _addmod(
                                    inp, _mulmod(inputw[layer, r, k], h[layer - 1, k], p), p
                                )
                        new[r] = _mulmod(rec, inp, p)
                    for r in range(width):
                        h[layer, r] = new[r]
            acc = np.uint64(0)
            for k in range(width):
                acc = _addmod(acc, _mulmod(readout[k], h[depth - 1, k], p), p)
            out[i, j] = acc
    return out


@njit(cache=True, parallel=True)
def _layer1_maps_kernel(drive, hidden, after, p):
    # Layer 1 is linear in its start state while only column inputs are read:
    # h^{1,s} = A_s h^{1,start} with A_s = diag(d_s) W^H A_{s-1}, A_0 = I. Returns after @ A_s
    # for every column part j and step s, shape (Kc, S, rows of after, R).
    cols, steps, width = drive.shape
    rows = after.shape[0]
    out = np.empty((cols, steps, rows, width), dtype=np.uint64)
    for j in prange(cols):
        A = np.zeros((width, width), dtype=np.uint64)
        for r in range(width):
            A[r, r] = np.uint64(1)
        tmp = np.empty((width, width), dtype=np.uint64)
        for s in range(steps):
            for r in range(width):
                for c in range(width):
                    acc = np.uint64(0)
                    for k in range(width):
                        acc = _addmod(acc, _mulmod(hidden[r, k], A[k, c], p), p)
                    tmp[r, c] = _mulmod(drive[j, s, r], acc, p)
            for r in range(width):
                for c in range(width):
                    A[r, c] = tmp[r, c]
            for r in range(rows):
                for c in range(width):
                    acc = np.uint64(0)
                    for k in range(width):
                        acc = _addmod(acc, _mulmod(after[r, k], A[k, c], p), p)
                    out[j, s, r, c] = acc
    return out


@njit(cache=True, parallel=True)
def _pair_outputs_linear_kernel(start, maps, hidden, inputw, readout, p):
    # As _pair_outputs_kernel when every remaining step reads the column part (L >= 2):
    # layer 2's input W^{I,2} h^{1,s} is maps[j, s] @ h^{1,start}, so layer 1 costs nothing
    # per pair.
    rows, depth, width = start.shape
    cols, steps = maps.shape[0], maps.shape[1]
    out = np.empty((rows, cols), dtype=np.uint64)
    for i in prange(rows):
        h = np.empty((depth, width), dtype=np.uint64)
        new = np.empty(width, dtype=np.uint64)
        for j in range(cols):
            for layer in range(depth):
                for r in range(width):
                    h[layer, r] = start[i, layer, r]
            for s in range(steps):
                for r in range(width):
                    rec = np.uint64(0)
                    inp = np.uint64(0)
                    for k in range(width):
                        rec = _addmod(rec, _mulmod(hidden[1, r, k], h[1, k], p), p)
                        inp = _addmod(inp, _mulmod(maps[j, s, r, k], h[0, k], p), p)
                    new[r] = _mulmod(rec, inp, p)
                for r in range(width):
                    h[1, r] = new[r]
                for layer in range(2, depth):
                    for r in range(width):
                        rec = np.uint64(0)
                        inp = np.uint64(0)
                        for k in range(width):
                            rec = _addmod(rec, _mulmod(hidden[layer, r, k], h[layer, k], p), p)
                            inp = _addmod(inp, _mulmod(inputw[layer, r, k], h[layer - 1, k], p), p)
                        new[r] = _mulmod(rec, inp, p)
                    for r in range(width):
                        h[layer, r] = new[r]
            acc = np.uint64(0)
            for k in range(width):
                acc = _addmod(acc, _mulmod(readout[k], h[depth - 1, k], p), p)
            out[i, j] = acc
    return out


_LINEAR_MAPS_MAX_ENTRIES = 1 << 25  # memory cap for the layer-1 maps (8 bytes each)


def pair_outputs(
    weights: ModularWeights,
    start: list[np.ndarray],
    rows: np.ndarray,
    cols: np.ndarray,
    from_cols: np.ndarray,
    class_index: int = 0,
) -> np.ndarray:
    """``y`` (one class) for every (row part, column part) pair, modulo ``weights.p``.

    ``start[l]`` (``(Kr, R)``) is layer l's state after a prefix shared by each row part;
    ``rows`` (``(Kr, S, M)``) and ``cols`` (``(Kc, S, M)``) hold input residues for the ``S``
    remaining steps, and step ``s`` reads ``cols`` where ``from_cols[s]``, else ``rows``.
    Returns ``(Kr, Kc)`` residues. Each pair costs ``S`` steps; the prefix is not recomputed.
    When every remaining step reads the column part (P a prefix of the times), layer 1 is
    linear in its start state: its maps are computed once per column part, and a pair costs
    only layers 2..L (L = 1: one dot product).
    """
    p = weights.p
    kr, steps, m = rows.shape
    kc = cols.shape[0]
    from_cols = np.asarray(from_cols, dtype=np.bool_)
    readout = np.ascontiguousarray(weights.output_weights[class_index])
    if not has_fast_kernel(p):
        return _pair_outputs_object(weights, start, rows, cols, from_cols, readout)
    inputw1 = weights.input_weights[0]
    width = inputw1.shape[0]
    depth = len(weights.hidden_weights)
    hidden = np.ascontiguousarray(np.stack(weights.hidden_weights))
    drive_cols = matvec(inputw1, np.ascontiguousarray(cols.reshape(kc * steps, m)), p)
    drive_cols = drive_cols.reshape(kc, steps, width)
    if from_cols.all() and kc * steps * width * width <= _LINEAR_MAPS_MAX_ENTRIES:
        if depth == 1:
            maps = _layer1_maps_kernel(drive_cols, hidden[0], readout[None, :], np.uint64(p))
            return matvec(np.ascontiguousarray(maps[:, -1, 0, :]), start[0], p)
        maps = _layer1_maps_kernel(drive_cols, hidden[0], weights.input_weights[1], np.uint64(p))
        inputw = np.zeros((depth, width, width), dtype=np.uint64)
        for layer in range(1, depth):
            inputw[layer] = weights.input_weights[layer]
        return _pair_outputs_linear_kernel(
            np.ascontiguousarray(np.stack(start, axis=1)),
            maps,
            hidden,
            inputw,
            readout,
            np.uint64(p),
        )
    drive_rows = matvec(inputw1, np.ascontiguousarray(rows.reshape(kr * steps, m)), p)
    inputw = np.zeros((depth, width, width), dtype=np.uint64)
    for layer in range(1, depth):
        inputw[layer] = weights.input_weights[layer]
    return _pair_outputs_kernel(
        np.ascontiguousarray(np.stack(start, axis=1)),
        drive_rows.reshape(kr, steps, width),
        drive_cols,
        from_cols,
        hidden,
        inputw,
        readout,
        np.uint64(p),
    )


def _pair_outputs_object(weights, start, rows, cols, from_cols, readout):
    # any prime: one batched scan per row part over all column parts (Python integers)
    kc = cols.shape[0]
    out = np.empty((rows.shape[0], kc), dtype=np.uint64)
    for i in range(rows.shape[0]):
        inputs = np.where(from_cols[None, :, None], cols, rows[i][None])
        starts = [np.repeat(s[i][None], kc, axis=0) for s in start]
        finals = scan_mod(weights, inputs, starts)
        out[i] = matvec(readout[None, :], finals[-1], weights.p)[:, 0]
    return out
