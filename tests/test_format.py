"""Formatting of exact numbers."""

from __future__ import annotations

from rac_tn._format import format_bound, human_bytes, short_int


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
