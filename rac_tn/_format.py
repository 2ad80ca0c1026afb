r"""Formatting of exact big integers and sizes: one home for every printed number's shape.

Examples
--------
>>> short_int(2**10), short_int(3**1000, 12)
('1024', '1.3221e477')
>>> human_bytes(3 * 2**30)
'3.0 GiB'
>>> format_bound(2**40)
'2^{40}'
>>> print(printable("name\x1b[2J"))
name\x1b[2J
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
    """``value`` in full up to ``digits`` digits, else as ``1.234e5678`` (any size).

    Parameters
    ----------
    value
        A non-negative Python integer (of any size).
    digits
        The most digits printed in full.

    Returns
    -------
    str
        The decimal digits, or a mantissa with four decimals and an exponent.

    Examples
    --------
    >>> short_int(123456, 4), short_int(123456)
    ('1.2346e5', '123456')
    """
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
    """A byte count with a binary unit (B, KiB, ..., PiB).

    Parameters
    ----------
    n
        A number of bytes.

    Returns
    -------
    str
        Bytes in full below 1 KiB, else one decimal and the unit.

    Examples
    --------
    >>> human_bytes(512), human_bytes(1536)
    ('512 B', '1.5 KiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024:
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


def format_bound(value: int, log2: float | None = None) -> str:
    """A bound's value for a figure label (TeX math): ``10``, ``2^{40}`` or ``2^{43.2}``.

    Parameters
    ----------
    value
        The exact value (a positive integer).
    log2
        ``log2(value)`` when the caller has it (saves recomputing it for a huge value).

    Returns
    -------
    str
        The value in full below 10**6, an exact power of two as ``2^{k}``, else ``2^{x.x}``.

    Examples
    --------
    >>> format_bound(10), format_bound(3**30)
    ('10', '2^{47.5}')
    """
    if value < 10**6:
        return f"{value}"
    if value & (value - 1) == 0:
        return f"2^{{{value.bit_length() - 1}}}"
    lg = math.log2(value) if log2 is None else log2
    return f"2^{{{lg:.1f}}}"


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
    r"""``text`` safe for a terminal line: control characters escaped, at most ``limit`` chars.

    Control, format and unassigned characters (newlines, ESC, bidirectional overrides, ...)
    become Python escapes, so a name read from a file cannot clear the screen, forge a line or
    reorder the text; text beyond ``limit`` characters is cut, saying how much was cut.

    Parameters
    ----------
    text
        Any string.
    limit
        The most characters kept (before escaping).

    Returns
    -------
    str
        The escaped, bounded text.

    Examples
    --------
    >>> print(printable("a\nb"), printable("x" * 10, 4))
    a\nb xxxx... (6 more characters)
    """
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
    r"""A bounded, printable repr of any value, for an error message.

    Containers show a few items at a few levels, big numbers are cut, objects other than
    builtins show their type only; the result is :func:`printable`. Cheap for any value,
    even one whose full repr would be terabytes (a shared structure nested deep).

    Examples
    --------
    >>> print(shown("w\x1b"), shown(list(range(100))), shown(((((((1,),),),),),)))
    'w\x1b' [0, 1, 2, 3, ...] (((...),),)
    """
    try:
        text = _SHORT_REPR.repr(value)
    except Exception:  # a repr that fails: say what it is
        text = f"<{type(value).__name__}>"
    return printable(text, limit)


def message_text(exc: BaseException | str, limit: int = MESSAGE_CHARS) -> str:
    """An exception's message as one bounded, printable line (for ``rac-tn``'s errors)."""
    return printable(exc if isinstance(exc, str) else str(exc), limit)
