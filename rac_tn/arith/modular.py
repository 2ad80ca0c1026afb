"""Exact arithmetic modulo a prime for the RAC recurrence: residues, scans, products, pairs.

:func:`to_residues` maps integer or float arrays to exact residues, :func:`scan_mod` runs the
recurrence on them and :func:`pair_outputs` evaluates the sampled rank's pairs, on the compiled
kernels of :mod:`rac_tn.arith.pair_kernels` (every odd prime below ``2**63``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, partial

import numpy as np
from numba import njit

from rac_tn.arith import pair_kernels

MERSENNE61 = (1 << 61) - 1
#: Primes below this use the SMALL kernels (lazy uint64 sums); larger ones Montgomery.
SMALL_PRIME_LIMIT = 1 << 31
#: Multiply-adds per call below which the serial kernels run (measured by
#: ``benchmarks/bench_kernels.py``, row 7: threads did not pay below it on 2 busy cores).
PARALLEL_MIN_WORK = 1 << 25
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
    """Whether arithmetic modulo ``p`` runs in the compiled kernels (every odd ``p < 2**63``)."""
    return 2 < p < _MAX_MODULUS and p % 2 == 1


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


def _scalar_residue(value: int | float | Fraction, p: int) -> int:
    """The residue of one int, float or Fraction."""
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

    @cached_property
    def arith(self) -> Arith:
        """Kernel constants for ``p`` (computed once)."""
        return kernel_arith(self.p)

    @cached_property
    def scaled(self) -> ScaledWeights:
        """The weights scaled for the kernels' convention (computed once)."""
        a = self.arith
        width = self.hidden_weights[0].shape[0]
        depth = len(self.hidden_weights)
        inputw = np.zeros((depth, width * width), dtype=np.uint64)
        for layer in range(1, depth):
            inputw[layer] = scale(self.input_weights[layer], a, 2).ravel()
        return ScaledWeights(
            hidden=np.stack([scale(w, a, 1).ravel() for w in self.hidden_weights]),
            input1=scale(self.input_weights[0], a, 2),
            inputw=inputw,
            output=scale(self.output_weights, a, 1),
            output2=scale(self.output_weights, a, 2),
        )


@dataclass(frozen=True)
class ScaledWeights:
    """Weights times ``B`` or ``B**2`` modulo p, flattened for the kernels."""

    hidden: np.ndarray  # (L, R*R), times B
    input1: np.ndarray  # (R, M), times B**2
    inputw: np.ndarray  # (L, R*R), times B**2 (layer 0 unused)
    output: np.ndarray  # (C, R), times B
    output2: np.ndarray  # (C, R), times B**2


@dataclass(frozen=True)
class Arith:
    """What the kernels need to know about ``p``: ``(p, ninv, pinv, mode)`` and ``B mod p``."""

    p: int
    mode: int
    ninv: int  # -1/p mod 2**64 (Montgomery)
    pinv: float  # 1/p (SMALL)
    b_mod_p: int  # B = 2**64 (Montgomery) or 1, modulo p

    @property
    def args(self) -> tuple[np.uint64, np.uint64, float, int]:
        """The kernels' prime arguments: ``(p, ninv, pinv, mode)``."""
        return np.uint64(self.p), np.uint64(self.ninv), self.pinv, self.mode


def kernel_arith(p: int) -> Arith:
    """Kernel constants for the odd prime ``p < 2**63``: SMALL below 2**31, else Montgomery."""
    if not has_fast_kernel(p):
        raise ValueError(f"no compiled kernel for p = {p}: need an odd prime below 2**63")
    if p < SMALL_PRIME_LIMIT:
        return Arith(p, pair_kernels.SMALL, 0, 1.0 / p, 1)
    ninv = (-pow(p, -1, 1 << 64)) % (1 << 64)
    return Arith(p, pair_kernels.MONT, ninv, 0.0, (1 << 64) % p)


#: Arrays with more entries than this are scaled by the compiled elementwise product.
_SCALE_KERNEL_MIN = 256


def scale(residues: np.ndarray, arith: Arith, power: int) -> np.ndarray:
    """``residues * B**power mod p``, exact (large arrays by :func:`multiply_mod`)."""
    factor = pow(arith.b_mod_p, power, arith.p)
    if factor == 1:
        return np.ascontiguousarray(residues, dtype=np.uint64)
    arr = np.asarray(residues)
    if arr.size > _SCALE_KERNEL_MIN:
        reduced = np.ascontiguousarray(arr, dtype=np.uint64) % np.uint64(arith.p)
        return multiply_mod(reduced, np.full(arr.shape, factor, dtype=np.uint64), arith.p)
    flat = [int(v) * factor % arith.p for v in arr.ravel()]
    return np.array(flat, dtype=np.uint64).reshape(np.shape(residues))


def _pick(kernel: tuple, work: float):
    """The parallel kernel above :data:`PARALLEL_MIN_WORK` multiply-adds, else the serial one."""
    return kernel[0] if work >= PARALLEL_MIN_WORK else kernel[1]


def scan_layer(hidden, inputw, start, inputs, p: int) -> np.ndarray:
    """All states ``(batch, steps, R)`` of one layer, from start states ``(batch, R)``.

    ``hidden`` (R x R) and ``inputw`` (R x M) are plain residues modulo ``p``.
    """
    a = kernel_arith(p)
    hid = scale(hidden, a, 1).ravel()
    inw = scale(inputw, a, 2).ravel()
    return _scan(hid, inw, start, inputs, a)


def _scan(hid, inw, start, inputs, a: Arith) -> np.ndarray:
    """:func:`scan_layer` on weights already scaled for the kernels."""
    batch, steps, m = inputs.shape
    width = start.shape[1]
    kernel = _pick(pair_kernels.scan_layer, batch * steps * width * (width + m))
    return kernel(
        hid,
        inw,
        np.ascontiguousarray(start, dtype=np.uint64),
        np.ascontiguousarray(inputs, dtype=np.uint64),
        *a.args,
    )


def matvec(weights: np.ndarray, states: np.ndarray, p: int) -> np.ndarray:
    """``states @ weights.T`` modulo ``p`` for residue arrays (plain residues in and out)."""
    a = kernel_arith(p)
    return _matmul(states, scale(weights, a, 1), a)


def matmul_mod(left: np.ndarray, right: np.ndarray, p: int) -> np.ndarray:
    """``left @ right`` modulo ``p`` for ``uint64`` residue matrices (exact).

    >>> a = np.array([[1, 2], [3, 4]], dtype=np.uint64)
    >>> matmul_mod(a, a, 5).tolist()
    [[2, 0], [0, 2]]
    """
    return right_multiplier(right, p)(left)


def right_multiplier(right: np.ndarray, p: int) -> Callable[[np.ndarray], np.ndarray]:
    """``left -> left @ right mod p``, with ``right`` put in the kernels' form once.

    For loops that multiply many left factors by one right factor: converting ``right``
    (Python integers, a few microseconds an entry) is paid once instead of at every call.

    >>> times_a = right_multiplier(np.array([[1, 2], [3, 4]], dtype=np.uint64), 5)
    >>> times_a(np.array([[1, 0]], dtype=np.uint64)).tolist()
    [[1, 2]]
    """
    a = kernel_arith(p)
    scaled = scale(np.ascontiguousarray(np.asarray(right).T), a, 1)
    return partial(_matmul, right_t_scaled=scaled, a=a)


def _matmul(left: np.ndarray, right_t_scaled: np.ndarray, a: Arith) -> np.ndarray:
    """``left @ right_t_scaled.T / B``: short rows by dot products, long ones by lanes."""
    n, inner = left.shape
    m = right_t_scaled.shape[0]
    left = np.ascontiguousarray(left, dtype=np.uint64)
    if m >= 16:  # enough output columns to fill SIMD lanes
        kernel = _pick(pair_kernels.matmul_lanes, n * inner * m)
        return kernel(left, np.ascontiguousarray(right_t_scaled.T, dtype=np.uint64), *a.args)
    kernel = _pick(pair_kernels.matmul, n * inner * m)
    return kernel(left, np.ascontiguousarray(right_t_scaled, dtype=np.uint64), *a.args)


@njit(cache=True)
def _multiply(x, y, b2, p, ninv, pinv, mode):  # pragma: no cover - compiled
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        r = pair_kernels._mul(x[i], y[i], p, ninv, pinv, mode)
        out[i] = pair_kernels._mul(r, b2, p, ninv, pinv, mode)
    return out


def multiply_mod(x: np.ndarray, y: np.ndarray, p: int) -> np.ndarray:
    """The elementwise product ``x * y`` modulo ``p`` of ``uint64`` residue arrays (one shape).

    >>> multiply_mod(np.array([3, 4], dtype=np.uint64), np.array([5, 6], dtype=np.uint64), 7)
    array([1, 3], dtype=uint64)
    """
    a = kernel_arith(p)
    if np.shape(x) != np.shape(y):
        raise ValueError(f"x and y must have one shape, got {np.shape(x)} and {np.shape(y)}")
    b2 = np.uint64(pow(a.b_mod_p, 2, p))
    flat_x = np.ascontiguousarray(x, dtype=np.uint64).ravel()
    flat_y = np.ascontiguousarray(y, dtype=np.uint64).ravel()
    return _multiply(flat_x, flat_y, b2, *a.args).reshape(np.shape(x))


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
    a, sw = weights.arith, weights.scaled
    layer_input = np.ascontiguousarray(inputs, dtype=np.uint64)
    finals = []
    for layer, start in enumerate(start_states):
        inw = sw.input1.ravel() if layer == 0 else sw.inputw[layer]
        states = _scan(sw.hidden[layer], inw, start, layer_input, a)
        finals.append(states[:, -1, :])
        layer_input = states
    return finals


def readout(weights: ModularWeights, states: np.ndarray) -> np.ndarray:
    """``y = W^O h`` modulo p for final states ``(batch, R)``: ``(batch, C)`` residues."""
    return _matmul(states, weights.scaled.output, weights.arith)


# -- pair evaluation for the sampled separation rank (rac_tn.exact.rank) ---------------------


def p_fits_float(p: int, width: int) -> bool:
    """Whether the (faster) float64 pair kernel is exact for ``p`` and width R."""
    return p < pair_kernels.FLOAT_PRIME_LIMIT and width <= pair_kernels.MAX_WIDTH


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
    a, sw = weights.arith, weights.scaled
    kr, steps, m = rows.shape
    kc = cols.shape[0]
    from_cols = np.asarray(from_cols, dtype=np.bool_)
    width, depth = weights.hidden_weights[0].shape[0], len(weights.hidden_weights)
    start_flat = np.concatenate(start, axis=1)
    # drives are B-scaled (the `inp` of layer 1)
    drive_cols = _matmul(cols.reshape(kc * steps, m), sw.input1, a).reshape(kc, steps, width)
    if from_cols.all() and kc * steps * width * width <= _LINEAR_MAPS_MAX_ENTRIES:
        # maps = after A_s / B are the `inp` of layer 2 (B-scaled: after times B**3), or for
        # L = 1 the readout of y (times B**2, then one product with the start states)
        if depth == 1:
            after = sw.output2[class_index]
        else:
            after = scale(weights.input_weights[1], a, 3).ravel()
        maps_work = kc * steps * width * width * (width + after.size // width)
        maps = _pick(pair_kernels.layer1_maps, maps_work)(
            drive_cols, sw.hidden[0], np.ascontiguousarray(after), *a.args
        )
        if depth == 1:  # y = maps[j, -1] @ h^{1,start}: one product
            last = np.ascontiguousarray(maps[:, -1, 0, :])
            return _matmul(np.ascontiguousarray(start_flat, dtype=np.uint64), last, a)
        first, drive_rows = 1, np.zeros((0, 0, 0), dtype=np.uint64)  # layer 1: not stepped
        cols_t = maps.reshape(kc, steps, width * width).transpose(1, 2, 0)
    else:
        first, cols_t = 0, drive_cols.transpose(1, 2, 0)
        drive_rows = _matmul(rows.reshape(kr * steps, m), sw.input1, a).reshape(kr, steps, width)
    kernel = _pick(pair_kernels.pair_lanes, kr * kc * steps * (depth - first) * 2 * width * width)
    arrays = (start_flat, drive_rows, cols_t)
    weight_arrays = (sw.hidden, sw.inputw, sw.output[class_index])
    if p_fits_float(a.p, width):  # plain residues (SMALL: B = 1) as float64
        f64 = partial(np.ascontiguousarray, dtype=np.float64)
        return kernel(
            *map(f64, arrays), from_cols, first, *map(f64, weight_arrays), float(a.p), 0,
            1.0 / a.p, pair_kernels.FLOAT,
        ).astype(np.uint64)  # fmt: skip
    u64 = partial(np.ascontiguousarray, dtype=np.uint64)
    return kernel(*map(u64, arrays), from_cols, first, *map(u64, weight_arrays), *a.args)
