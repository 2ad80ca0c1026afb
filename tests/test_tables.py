"""The one table writer: a report's HTML (parsed), markdown and CSV, and sweep tables."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from fractions import Fraction
from html.parser import HTMLParser

import pytest

from rac_tn import RAC, start_end
from rac_tn.analysis import Report, ReportRow, analyze
from rac_tn.analysis.sweep_rows import SWEEP_TABLE
from rac_tn.analysis.sweeps import SWEEP_COLUMNS, SweepRow, rows_to_markdown
from rac_tn.analysis.tables import REPORT_COLUMNS, Column, format_report, write_table


class _Table(HTMLParser):
    """The cells of an HTML table: (tag, attributes, text) per cell, one list per row."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.caption, self._cell, self._in_caption = [], "", None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = (tag, dict(attrs), [])
        elif tag == "caption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            tag, attrs, parts = self._cell
            self.rows[-1].append((tag, attrs, "".join(parts)))
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2].append(data)
        elif self._in_caption:
            self.caption += data


def _align(attrs):
    style = dict(part.split(":", 1) for part in attrs.get("style", "").split(";") if ":" in part)
    return style.get("text-align")


def _big_report() -> Report:
    """Bounds only at M = R = 5, L = 3, T = 60: values from 15 to 194 digits."""
    return analyze(RAC.random(5, 5, depth=3, seed=0, integer=True), start_end(60), exact=False)


def _with_lower_bound(report: Report, value: int) -> Report:
    row = ReportRow("separation rank", value, "certified lower bound", "test", "test")
    return dataclasses.replace(report, rows=(*report.rows, row))


def _printed(text: str) -> Fraction:
    """The number a value cell prints, exactly."""
    number = text.split(" ")[0]
    if "e" not in number:
        return Fraction(int(number))
    mantissa, exponent = number.split("e")
    return Fraction(mantissa) * 10 ** int(exponent)


def _log2_holds(text: str, value: int, rounding: str) -> bool:
    """2^printed >= value (up) or <= value (down), decided in exact integers."""
    d = Fraction(text)
    n, k = d.numerator, d.denominator
    return 2**n >= value**k if rounding == "up" else 2**n <= value**k


def test_report_html_parses_with_aligned_columns_exact_ints_and_a_log2_column():
    report = _with_lower_bound(_big_report(), 3**150 + 1)
    table = _Table(report._repr_html_())
    header, *rows = table.rows
    assert [text for _, _, text in header] == list(REPORT_COLUMNS)
    assert "log2" in REPORT_COLUMNS and len(rows) == len(report.rows)
    assert table.caption == f"{report.model}, T = 60, partition {report.partition}"
    numeric = {"value", "log2", "seconds"}
    for row in [header, *rows]:
        for name, (_, attrs, _) in zip(REPORT_COLUMNS, row, strict=True):
            assert _align(attrs) == ("right" if name in numeric else "left"), name
    seen_exact = seen_up = seen_down = 0
    for result, cells in zip(report.rows, rows, strict=True):
        cell = dict(zip(REPORT_COLUMNS, (text for _, _, text in cells), strict=True))
        assert cell["claim"] == result.claim and cell["note"] == result.note
        if result.value is None:
            assert cell["value"] == cell["log2"] == "—"
            continue
        value, lower = result.value, result.claim == "certified lower bound"
        if value < 10**40:  # printed exactly: all digits, no exponent
            assert cell["value"] == str(value)
            seen_exact += value > 10**14  # past where the old table wrote 4.6150e14
        else:  # shortened on the side that keeps the claim true, and saying so
            printed = _printed(cell["value"])
            title = dict(cells[1][1])["title"]
            assert title == f"exactly {value}"
            if lower:
                assert printed <= value and cell["value"].endswith("(rounded down)")
                seen_down += 1
            else:
                assert printed >= value and cell["value"].endswith("(rounded up)")
                seen_up += 1
            assert abs(printed - value) < 10 ** (len(str(value)) - 5)
        rounding = "down" if lower else "up"
        assert _log2_holds(cell["log2"], value, rounding)
        places = len(cell["log2"].partition(".")[2])  # four significant digits
        assert abs(float(cell["log2"]) - math.log2(value)) < 10**-places
    assert seen_exact >= 3 and seen_up >= 1 and seen_down == 1


def test_report_html_escapes_text_and_has_no_script():
    report = _big_report()
    text = report._repr_html_()
    assert text.startswith("<table>") and text.endswith("</table>") and "<script" not in text
    assert "&lt;=" in text  # the notes' "<=" is escaped
    notes = [cells[-1][2] for cells in _Table(text).rows[1:]]
    assert notes == [row.note for row in report.rows]


def test_markdown_csv_and_html_show_the_same_numbers():
    report = _with_lower_bound(_big_report(), 3**150 + 1)
    html_rows = [[text for _, _, text in cells] for cells in _Table(report._repr_html_()).rows]
    md = report.to_markdown().splitlines()
    start = md.index("| " + " | ".join(REPORT_COLUMNS) + " |")
    assert md[start + 1] == "|---|---:|---:|---|---|---|---:|---|"
    md_rows = [line[2:-2].split(" | ") for line in md[start + 2 :]]
    for md_row, html_row in zip(md_rows, html_rows[1:], strict=True):
        assert md_row[:6] == html_row[:6] and md_row[-1] == html_row[-1]
    records = list(csv.DictReader(io.StringIO(format_report(report, "csv"))))
    for record, row in zip(records, report.rows, strict=True):
        assert record["value"] == ("" if row.value is None else str(row.value))  # exact digits


def test_a_34_digit_bound_prints_exactly():
    """R ((R, T/2)) at R = 60, T = 100 has 34 digits (the old table wrote such as 2.0539e33)."""
    rac = RAC.random(2, 60, depth=2, seed=0, integer=True)
    report = analyze(rac, start_end(100), exact=False, max_tensors=1)
    expected = 60 * math.comb(60 + 50 - 1, 50)  # R ((R, T/2)), ((n, k)) = C(n + k - 1, k)
    assert len(str(expected)) == 34
    cells = [
        dict(zip(REPORT_COLUMNS, (t for _, _, t in cells), strict=True))
        for cells in _Table(report._repr_html_()).rows[1:]
    ]
    exact = [cell for cell in cells if cell["value"] == str(expected)]
    assert len(exact) == 2  # the multi-homogeneous row and the symmetric cut
    assert all(_log2_holds(cell["log2"], expected, "up") for cell in exact)
    assert f"| {expected} |" in report.to_markdown() and str(expected) in repr(report)


def test_sweep_tables_use_the_same_writer():
    rows = [
        SweepRow(2, 2, 1, 4, "start-end", separation_rank=2, rank_exact=True, seconds=0.5),
        SweepRow(2, 2, 9, 400, "start-end", symmetric_bound=3**200, theorem_lower=3**100),
    ]
    md = rows_to_markdown(rows).splitlines()
    kinds = {c.key: c.kind for c in SWEEP_TABLE}
    assert [c.key for c in SWEEP_TABLE] == list(SWEEP_COLUMNS)
    assert kinds["M"] == kinds["symmetric_bound"] == "int" and kinds["rank_exact"] == "bool"
    assert kinds["partition"] == kinds["generic_rank"] == "text"
    assert kinds["failure_probability"] == kinds["seconds"] == "float"
    rule = md[1].strip("|").split("|")
    assert rule == ["---:" if kinds[c] != "text" and kinds[c] != "bool" else "---" for c in kinds]
    cell = dict(zip(SWEEP_COLUMNS, md[3][2:-2].split(" | "), strict=True))
    assert _printed(cell["symmetric_bound"]) >= 3**200  # an upper bound: rounded up
    assert _printed(cell["theorem_lower"]) <= 3**100  # a lower bound: rounded down
    assert cell["theorem_lower"].endswith("(rounded down)")
    parsed = _Table(write_table(rows, SWEEP_TABLE, "html")).rows
    assert [t for _, _, t in parsed[1]] == md[2][2:-2].split(" | ")


def test_write_table_checks_its_format():
    with pytest.raises(ValueError, match="fmt"):
        write_table([], [Column("a")], "tex")
