"""Formatting of exact big integers and sizes: one home for every printed number's shape.

Examples
--------
>>> short_int(2**10), short_int(3**1000, 12)
('1024', '1.3221e477')
>>> human_bytes(3 * 2**30)
'3.0 GiB'
>>> format_bound(2**40)
'2^{40}'
>>> bounded_int(3**100, digits=20)
'5.1538e47 (rounded up)'
"""

from __future__ import annotations

import math
import reprlib
import unicodedata

#: The most characters of a user's value (a name, a path, a file's key) put into a message.
SHOWN_CHARS = 200
#: The most characters of a whole one-line error message.
MESSAGE_CHARS = 2000


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


#: Tables print exact integers in full up to this many digits (2^132 has 40).
EXACT_DIGITS = 40


def bounded_int(value: int, rounding: str = "up", digits: int = EXACT_DIGITS) -> str:
    """``value`` in full up to ``digits`` digits, else five digits rounded toward ``rounding``.

    A shortened value is rounded up (never below the true value: right for an upper bound) or
    down (never above it: right for a lower bound), and says so.

    Parameters
    ----------
    value
        A non-negative Python integer (of any size).
    rounding
        ``'up'`` or ``'down'``: the side a shortened value may not cross.
    digits
        The most digits printed in full.

    Returns
    -------
    str
        The decimal digits, or ``'1.2346e32 (rounded up)'`` (no note when the five digits are
        exact).

    Examples
    --------
    >>> bounded_int(547440000000000000000000000000123, digits=20)
    '5.4745e32 (rounded up)'
    >>> bounded_int(547440000000000000000000000000123, "down", 20), bounded_int(10**40, digits=6)
    ('5.4744e32 (rounded down)', '1.0000e40')
    """
    if rounding not in ("up", "down"):
        raise ValueError(f"rounding must be 'up' or 'down', got {rounding!r}")
    if value < 0:
        raise ValueError(f"value must be a non-negative integer, got {value}")
    if value < 10**digits:
        return str(value)
    exponent = int(value.bit_length() * _LOG10_2)  # within one of the true exponent
    while 10 ** (exponent + 1) <= value:
        exponent += 1
    while 10**exponent > value:
        exponent -= 1
    mantissa, rest = divmod(value, 10 ** (exponent - 4))  # five digits, exactly
    if rounding == "up" and rest:
        mantissa += 1
    if mantissa == 10**5:  # 9.99995e32 rounded up to 10.0000e32
        mantissa, exponent = 10**4, exponent + 1
    text = f"{mantissa // 10**4}.{mantissa % 10**4:04d}e{exponent}"
    return f"{text} (rounded {rounding})" if rest else text


def bounded_log2(value: int, rounding: str = "up", significant: int = 4) -> str:
    """``log2(value)`` to ``significant`` digits, rounded toward ``rounding`` (exact for 2^k).

    Parameters
    ----------
    value
        A positive Python integer (of any size).
    rounding
        ``'up'`` (never below the true logarithm) or ``'down'`` (never above it).
    significant
        Significant digits (all the integer digits are kept when there are more).

    Returns
    -------
    str

    Examples
    --------
    >>> bounded_log2(10), bounded_log2(10, "down"), bounded_log2(2**40), bounded_log2(3**1000)
    ('3.322', '3.321', '40', '1585')
    """
    if rounding not in ("up", "down"):
        raise ValueError(f"rounding must be 'up' or 'down', got {rounding!r}")
    if value < 1:
        raise ValueError(f"value must be a positive integer, got {value}")
    if value & (value - 1) == 0:
        return str(value.bit_length() - 1)
    x = math.log2(value)
    margin = 1e-14 * x  # far above the float error of log2, so the rounding is on its side
    places = max(significant - len(str(int(x))), 0)
    scale = 10**places
    n = math.ceil((x + margin) * scale) if rounding == "up" else math.floor((x - margin) * scale)
    return f"{n // scale}.{n % scale:0{places}d}" if places else str(n)


_LOG10_2 = math.log10(2)


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


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    r"""A control or format character as a Python escape (``\x1b``, ``\u202e``)."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` for a terminal line: control and format characters escaped, cut at ``limit``."""
    cut = len(text) - limit
    text = text[:limit] if cut > 0 else text
    text = "".join(
        _escape(c) if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text
    )
    return text + f"... ({cut} more characters)" if cut > 0 else text


class _ShortRepr(reprlib.Repr):
    """reprlib with small limits: a few items per container, a few levels."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxdict, self.maxlist, self.maxtuple = 3, 4, 4, 4
        self.maxset = self.maxfrozenset = self.maxdeque = self.maxarray = 4
        self.maxstring, self.maxlong, self.maxother = 80, 40, 60

    def repr_instance(self, x: object, level: int) -> str:
        """Objects other than builtins: their type only (their repr could be anything)."""
        return f"<{type(x).__name__}>"


_SHORT_REPR = _ShortRepr()


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A bounded, printable repr of any value, cheap even where the full repr is terabytes."""
    try:
        text = _SHORT_REPR.repr(value)
    except Exception:  # a repr that fails: say what it is
        text = f"<{type(value).__name__}>"
    return printable(text, limit)


def message_text(exc: BaseException | str, limit: int = MESSAGE_CHARS) -> str:
    """An exception's message as one bounded, printable line (for ``rac-tn``'s errors)."""
    return printable(exc if isinstance(exc, str) else str(exc), limit)
