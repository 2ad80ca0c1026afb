"""Weight arrays of the models: checked, frozen (private read-only copies), compared, rescaled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def as_weight(value: object, name: str, ndim: int) -> np.ndarray:
    """``value`` as a private read-only ``ndim``-D int64 or float64 array, or an error."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - numpy raises many types here
        raise TypeError(f"{name} must be array-like, got {type(value).__name__}") from exc
    if arr.dtype == object or (arr.dtype == np.uint64 and arr.size and arr.max() >= 2**63):
        wide = wide_integers(arr)
        if wide is None:
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        arr = wide
    if arr.dtype == object:  # integers beyond int64, kept exact as Python ints
        if arr.ndim != ndim:
            raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"{name} must have positive sizes, got shape {arr.shape}")
        return frozen(arr)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must have positive sizes, got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        return frozen(arr, np.int64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return frozen(arr, np.float64)


def frozen(arr: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """A private read-only copy (as ``dtype``): the caller's array can change, the model cannot.

    An array that nothing can write to (another model's weights) is shared, not copied: a
    wide model's weights are then held once.
    """
    if is_immutable(arr) and (dtype is None or arr.dtype == dtype):
        return arr
    out = np.array(arr, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def is_immutable(arr: object) -> bool:
    """True for an ndarray that neither it nor any array it views can write to."""
    while isinstance(arr, np.ndarray):
        if arr.flags.writeable:
            return False
        arr = arr.base
    return arr is None


def as_layer_list(value: object, name: str) -> list[object]:
    """The per-layer list of a weight group (a single 2-D array is one layer), or an error."""
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(
            f"{name} must be a list of per-layer 2-D arrays, got {type(value).__name__}"
        )
    if len(value) == 0:
        raise ValueError(f"{name} must hold one array per layer (depth >= 1), got an empty list")
    return list(value)


def normalised(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (last axis) scaled into [0.5, 1) and their powers of two: ``values = s * 2**e``."""
    top = np.max(np.abs(values), axis=-1)
    _, exponent = np.frexp(top)
    exponent = exponent.astype(np.int64)
    return np.ldexp(values, -exponent[..., None]), exponent


def same_arrays(a: Any, b: Any) -> bool:
    """Equal dtype, shape and entries (elementwise for tuples of arrays)."""
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same_arrays(x, y) for x, y in zip(a, b, strict=True))
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))


def random_weights(
    M: int, R: int, L: int, C: int, rng: np.random.Generator, *, integer: bool
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Random ``(input_weights, hidden_weights, output_weights)`` for ``RAC.random``."""
    if integer:
        bound = 1 << 20

        def draw(shape):
            return rng.integers(-bound + 1, bound, size=shape, dtype=np.int64)

        return (
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
    return (
        [first] + [doubly_stochastic((R, R)) for _ in range(L - 1)],
        [doubly_stochastic((R, R)) for _ in range(L)],
        readout,
    )


def check_sequences(X: object, size: int, symbol: str = "M") -> tuple[np.ndarray, bool]:
    """``X`` as a ``(batch, T, size)`` array and whether it was one sequence, or an error."""
    arr = np.asarray(X)
    if arr.dtype == object or arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"X must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError("X must hold real numbers, got complex values")
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"X must have shape (T, {symbol}) or (batch, T, {symbol}) with {symbol} = {size}, "
            f"got {arr.shape}"
        )
    if arr.shape[-1] != size:
        raise ValueError(
            f"X's last dimension must be the input size {symbol} = {size}, got shape {arr.shape}"
        )
    if arr.shape[-2] == 0:
        raise ValueError("X holds an empty sequence (T = 0); a model needs T >= 1 steps")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError("X contains NaN or infinite entries")
    if np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.int64)
    single = arr.ndim == 2
    return (arr[None] if single else arr), single


def to_numpy(value: object) -> np.ndarray:
    """A torch tensor (``.detach().cpu().numpy()``) or array-like as a numpy array."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu()
        if hasattr(value, "numpy"):
            return value.numpy()
    return np.asarray(value)


def wide_integers(arr: np.ndarray) -> np.ndarray | None:
    """Integer entries as int64 when they fit, else as Python ints (an object array).

    None when an entry is not an integer (bools excluded).
    """
    flat = arr.ravel().tolist()
    integral = (isinstance(v, int | np.integer) and not isinstance(v, bool) for v in flat)
    if not all(integral):
        return None
    values = [int(v) for v in flat]
    if all(-(2**63) <= v < 2**63 for v in values):
        return np.array(values, dtype=np.int64).reshape(arr.shape)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out.reshape(arr.shape)


def is_integer_array(arr: np.ndarray) -> bool:
    """True for int64 arrays and object arrays of Python ints (integers beyond int64)."""
    return np.issubdtype(arr.dtype, np.integer) or (
        arr.dtype == object and all(isinstance(v, int) for v in arr.ravel().tolist())
    )


def array_key(arr: np.ndarray) -> object:
    """A hashable key equal for equal arrays (an object array's bytes are pointers)."""
    if arr.dtype == object:
        return (arr.shape, tuple(arr.ravel().tolist()))
    return (arr.dtype.str, arr.shape, arr.tobytes())
