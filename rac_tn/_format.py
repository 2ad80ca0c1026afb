"""Formatting of exact big integers and sizes: one home for every printed number's shape."""

from __future__ import annotations

import math


def short_int(value: int, digits: int = 24) -> str:
    """``value`` in full up to ``digits`` digits, else as ``1.2346e5678`` (any size)."""
    if value < 10**digits:
        return str(value)
    # log10 of a big int is exact enough for four digits, and avoids str() (which refuses
    # ints beyond 4300 digits)
    exponent = math.floor(math.log10(value))
    mantissa = 10 ** (math.log10(value) - exponent)
    if mantissa >= 9.99995:  # rounding would print 10.0000
        mantissa, exponent = 1.0, exponent + 1
    return f"{mantissa:.4f}e{exponent}"


def human_bytes(n: float) -> str:
    """A byte count with a binary unit: ``'512 B'``, ``'1.5 KiB'``, ... up to PiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024:
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


def format_bound(value: int, log2: float | None = None) -> str:
    """A bound's value for a figure label (TeX math): ``10``, ``2^{40}`` or ``2^{43.2}``."""
    if value < 10**6:
        return f"{value}"
    if value & (value - 1) == 0:
        return f"2^{{{value.bit_length() - 1}}}"
    lg = math.log2(value) if log2 is None else log2
    return f"2^{{{lg:.1f}}}"
