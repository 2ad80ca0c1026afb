"""Float evaluation that never overflows or underflows silently.

:func:`scaled_recurrence` keeps every state's power of two aside, so y is represented whatever
its size; :func:`to_float64` converts it or raises :class:`~rac_tn._checks.FloatRangeError`
with the size reached (never inf, NaN or a silent 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rac_tn._arrays import normalised
from rac_tn._checks import FloatRangeError

# float64 holds normal numbers 2**-1022 <= |x| < 2**1024
_MAX_EXPONENT = 1024
_MIN_EXPONENT = -1021
_ADVICE = (
    "Use rac.forward_scaled(X) (mantissa and power-of-two exponent) or rac.forward_mod(X, p) "
    "(exact residues)."
)


def scaled_recurrence(
    input_weights: Sequence[np.ndarray],
    hidden_weights: Sequence[np.ndarray],
    output_weights: np.ndarray,
    initial_states: Sequence[np.ndarray],
    batch: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``y = mantissa * 2**exponent`` for a batch ``(b, T, M)`` of input sequences.

    Returns
    -------
    tuple of numpy.ndarray
        ``mantissa`` ``(b, C)`` (largest entry of each row in [0.5, 1), or a zero row) and
        ``exponent`` ``(b,)`` int64.
    """
    layer_input, scales = normalised(batch.astype(np.float64))  # (b, T, M), (b, T)
    for hidden, inputw, h0 in zip(hidden_weights, input_weights, initial_states, strict=True):
        drive = layer_input @ np.asarray(inputw, dtype=np.float64).T  # (b, T, R)
        hidden_t = np.asarray(hidden, dtype=np.float64).T
        h, scale = normalised(np.broadcast_to(np.asarray(h0, float), drive[:, 0].shape))
        states = np.empty_like(drive)
        new_scales = np.empty_like(scales)
        for t in range(drive.shape[1]):
            h, step = normalised((h @ hidden_t) * drive[:, t])
            scale = scale + scales[:, t] + step
            states[:, t], new_scales[:, t] = h, scale
        layer_input, scales = states, new_scales
    out = layer_input[:, -1] @ np.asarray(output_weights, dtype=np.float64).T
    out, step = normalised(out)
    exponent = scales[:, -1] + step
    return out, exponent


def to_float64(mantissa: np.ndarray, exponent: np.ndarray | int, where: str) -> np.ndarray:
    """``mantissa * 2**exponent`` in float64, or FloatRangeError when it does not fit.

    Parameters
    ----------
    mantissa, exponent
        ``(..., C)`` mantissas and one exponent per leading index (an int for ``(C,)``).
    where
        The sizes, for the message (``"T = 8, depth 2"``).

    Examples
    --------
    >>> mantissa, exponent = np.array([[0.75]]), np.array([2000])
    >>> to_float64(mantissa, exponent, "T = 8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rac_tn._checks.FloatRangeError: y overflows float64 (|y| ~ 2^2000 at T = 8). Use ...
    """
    mantissa = np.asarray(mantissa)
    batch = mantissa.reshape(-1, mantissa.shape[-1])
    exps = np.asarray(exponent).reshape(-1)
    nonzero = np.any(batch != 0, axis=1)
    if nonzero.any():
        _, top = np.frexp(np.max(np.abs(batch), axis=1))
        size = np.where(nonzero, exps + top, 0)
        if size.max() > _MAX_EXPONENT:
            raise FloatRangeError(
                f"y overflows float64 (|y| ~ 2^{int(size.max())} at {where}). {_ADVICE}"
            )
        if size[nonzero].min() < _MIN_EXPONENT:
            raise FloatRangeError(
                f"y underflows float64 (|y| ~ 2^{int(size[nonzero].min())} at {where}). {_ADVICE}"
            )
    return np.ldexp(mantissa, np.asarray(exponent)[..., None])


def check_underflow(
    model: Any,
    out: np.ndarray,
    sequences: np.ndarray | Callable[[np.ndarray], np.ndarray],
    what: str,
) -> None:
    """FloatRangeError when an output that came out 0 or subnormal in float64 underflowed.

    A true 0 is possible (cancellation, zero weights), so the rows of ``out`` (``(batch, C)``)
    below float64's smallest normal number are evaluated again by ``model.forward``, which
    computes in the scaled representation and raises when y does not fit; ``sequences`` gives
    the input sequences of those rows (a callable ``rows -> (k, T, M)`` array, or the array).

    Parameters
    ----------
    model
        The model (anything with ``forward``).
    out
        The float outputs, one row per sequence.
    sequences
        ``(batch, T, M)`` inputs, or a callable returning those of the given row indices.
    what
        What ``out`` is, for the message.
    """
    tiny = np.flatnonzero(np.any(np.abs(out) < np.finfo(np.float64).tiny, axis=1))
    if tiny.size == 0:
        return
    rows = sequences(tiny) if callable(sequences) else sequences[tiny]
    try:
        model.forward(rows)
    except FloatRangeError as exc:
        raise FloatRangeError(f"{what}: {exc}") from None
