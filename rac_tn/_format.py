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
    """A bound's value for a figure label (TeX math), never below the value: ``10``, ``2^{40}``.

    Below 10**6 the value in full, an exact power of two as ``2^{k}``, else ``2^{x.x}`` with
    ``x`` rounded UP to one decimal (checked exactly: ``value**10 <= 2**(10 x)``), so a label
    ``<= 2^{x.x}`` states at least the proven bound. ``log2`` is accepted for compatibility and
    not needed.

    Examples
    --------
    >>> format_bound(10), format_bound(3**30), format_bound(2**40)
    ('10', '2^{47.6}', '2^{40}')
    """
    value = int(value)
    if value < 10**6:
        return f"{value}"
    if value & (value - 1) == 0:
        return f"2^{{{value.bit_length() - 1}}}"
    tenth = 10 * value.bit_length()  # 2**(tenth / 10) >= value; lower it while that still holds
    power = value**10
    tenth = max(10 * (value.bit_length() - 1), tenth - 10)
    while power > 1 << tenth:
        tenth += 1
    return f"2^{{{tenth // 10}.{tenth % 10}}}"
