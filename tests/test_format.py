"""Formatting of exact numbers."""

from __future__ import annotations

import random
from fractions import Fraction

from rac_tn._format import (
    SHOWN_CHARS,
    bounded_int,
    bounded_log2,
    format_bound,
    human_bytes,
    message_text,
    printable,
    short_int,
    shown,
)


def test_short_int_keeps_digits_then_switches_to_an_exponent():
    assert short_int(10**23) == str(10**23)
    assert short_int(10**24) == "1.0000e24"
    assert short_int(3**10000, 6).endswith("e4771")  # 10000 * log10(3) = 4771.2
    assert short_int(10**30 - 1, 12) == "1.0000e30"  # rounding up carries into the exponent


def test_human_bytes_and_bounds():
    assert human_bytes(0) == "0 B" and human_bytes(2**20) == "1.0 MiB"
    assert human_bytes(5 * 2**50) == "5.0 PiB"
    assert format_bound(999_999) == "999999"
    assert format_bound(2**64) == "2^{64}"
    assert format_bound(3 * 2**64) == "2^{65.6}"


def test_a_bound_label_is_never_below_the_bound_and_at_most_one_tenth_above():
    """``2^{x.x}`` labels round up: value <= 2^x exactly (value**10 <= 2**(10 x)), and x is the
    least tenth with that property; checked on random and adversarial values."""
    import random

    rng = random.Random(0)
    values = [3**30, 194_946_752, 2_636_832, 10**6 + 1, 2**64 + 1, 2**64 - 1, 5**200]
    values += [rng.randrange(10**6, 10**40) for _ in range(2000)]
    for value in values:
        label = format_bound(value)
        assert label.startswith("2^{") and label.endswith("}"), label
        tenths = round(10 * float(label[3:-1]))
        assert value**10 <= 2**tenths, (value, label)
        assert value**10 > 2 ** (tenths - 1), (value, label)


# -- shortened numbers never cross the side their claim needs ---------------------------------


def _read(text):
    """A shortened integer's printed value as an exact Fraction (mantissa x 10^exponent)."""
    number = text.split(" ")[0]
    mantissa, exponent = number.split("e")
    return Fraction(mantissa) * 10 ** int(exponent)


def _cases():
    rng = random.Random(0)
    values = [10**40, 10**41 + 1, 99999 * 10**50, 999995 * 10**50, 999995 * 10**50 + 1]
    values += [3**k for k in range(80, 400, 7)] + [5**k * 7 for k in range(60, 200, 11)]
    values += [rng.randrange(10**40, 10 ** rng.randrange(41, 300)) for _ in range(300)]
    return [value for value in values if value >= 10**40]  # shorter ones print in full


def test_bounded_int_prints_short_values_in_full():
    for value in (0, 1, 5 * 10**32 + 123, 10**40 - 1):
        assert bounded_int(value) == bounded_int(value, "down") == str(value)
    assert bounded_int(123456, digits=3) == "1.2346e5 (rounded up)"
    assert bounded_int(123456, "down", digits=3) == "1.2345e5 (rounded down)"
    assert bounded_int(123450, "down", digits=3) == "1.2345e5"  # exact: no note


def test_bounded_int_is_never_below_an_upper_bound_nor_above_a_lower_bound():
    for value in _cases():
        up, down = bounded_int(value, "up"), bounded_int(value, "down")
        above, below = _read(up), _read(down)
        assert below <= value <= above
        # five significant digits: one unit of the fifth digit apart at most
        unit = 10 ** (len(str(value)) - 5)
        assert above - value < unit and value - below < unit
        assert up.endswith("(rounded up)") == (above != value)
        assert down.endswith("(rounded down)") == (below != value)
        assert all(1 <= Fraction(t.split("e")[0]) < 10 for t in (up, down))  # normalised


def test_bounded_log2_brackets_the_logarithm_exactly():
    for value in [3, 10, 1000, 2**61 - 1, 3**100, *_cases()[::7]]:
        for rounding in ("up", "down"):
            text = bounded_log2(value, rounding)
            d = Fraction(text)  # log2 printed as a decimal n / 10^k
            n, k = d.numerator, d.denominator
            # 2^(n/k) >= value  <=>  2^n >= value^k (exact integers, no logarithm computed)
            if rounding == "up":
                assert 2**n >= value**k
            else:
                assert 2**n <= value**k
            assert len(text.replace(".", "").lstrip("0")) >= 4 or "." not in text
    assert bounded_log2(2**100) == bounded_log2(2**100, "down") == "100"


# -- text put into messages: escaped and bounded ----------------------------------------------


def test_printable_escapes_every_control_and_format_character():
    hostile = "w\x1b[2J\r\nall checks passed\u202eabc\x00\t"
    text = printable(hostile)
    assert text == "w\\x1b[2J\\r\\nall checks passed\\u202eabc\\x00\\t"
    assert all(c.isprintable() for c in text)
    assert printable("plain name.with spaces") == "plain name.with spaces"


def test_printable_and_shown_are_bounded_and_cheap():
    import time

    assert printable("x" * 10**6, 10) == "x" * 10 + f"... ({10**6 - 10} more characters)"
    shared = ()
    for _ in range(200):  # a full repr would be 2**200 items long
        shared = (shared, shared)
    deep = 0
    for _ in range(100_000):
        deep = (deep,)
    start = time.perf_counter()
    texts = [shown(shared), shown(deep), shown(10**100_000), shown(b"\x1b" * 10**6)]
    assert time.perf_counter() - start < 1.0
    assert all(len(t) <= SHOWN_CHARS + 40 and t.isprintable() for t in texts), texts
    assert message_text(ValueError("a\nb")) == "a\\nb"
