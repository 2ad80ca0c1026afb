"""Formatting of exact numbers."""

from __future__ import annotations

from rac_tn._format import (
    SHOWN_CHARS,
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
