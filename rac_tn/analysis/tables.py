"""One table writer: records as markdown, CSV, HTML or a pandas DataFrame.

A table is a list of records (mappings from column key to value) and the :class:`Column` specs
that say what each column holds. Reports (:meth:`rac_tn.analysis.Report.to_markdown`, their
notebook HTML, :func:`format_report`) and sweep rows
(:func:`rac_tn.analysis.sweeps.rows_to_markdown`, ...) are written here.

Numbers keep what they claim. In markdown and HTML, numbers are right-aligned and text
left-aligned; an exact integer prints in full up to 40 digits, beyond that as five digits
rounded in the direction that keeps the row's claim true (up for an upper bound, down for a
lower bound; the cell says which), and a log2 column is rounded the same way. CSV and
DataFrames keep the exact values.

pandas is an optional dependency (``pip install "rac_tn[dataframe]"``); it is imported only when
a DataFrame is asked for. Exact integers are kept exact: a column of ints that fit in int64
becomes pandas' nullable ``Int64`` (None where a value was not computed), a column holding a
larger int (``3**200``) stays an ``object`` column of Python ints.

Examples
--------
>>> rows = [{"T": 4, "rank": 6, "note": "a"}, {"T": 8, "rank": None, "note": "b"}]
>>> df = frame(rows, ["T", "rank", "note"])
>>> str(df["rank"].dtype), df["rank"].isna().tolist()
('Int64', [False, True])
>>> columns = [Column("T", "int"), Column("rank", "int"), Column("note")]
>>> print(write_table(rows, columns, "md"))
| T | rank | note |
|---:|---:|---|
| 4 | 6 | a |
| 8 |  | b |
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from rac_tn._checks import check_choice
from rac_tn._format import EXACT_DIGITS, bounded_int, bounded_log2

__all__ = [
    "REPORT_COLUMNS",
    "REPORT_TABLE",
    "Column",
    "ReportLike",
    "TableFormat",
    "format_report",
    "frame",
    "report_records",
    "report_rounding",
    "write_table",
]

_INT64 = (-(2**63), 2**63 - 1)

#: The text formats of :func:`write_table`.
TableFormat = Literal["md", "csv", "html"]
#: What a column holds: text, exact integers, floats, booleans, or the log2 of an int column.
ColumnKind = Literal["text", "int", "float", "bool", "log2"]
#: Which way a shortened number may be rounded: ``'up'`` (an upper bound) or ``'down'``.
Rounding = Literal["up", "down"]


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    key
        The record key, also the header.
    kind
        ``'text'`` (left-aligned), ``'int'``, ``'float'``, ``'log2'`` (right-aligned) or
        ``'bool'`` (``yes``/``no``).
    rounding
        For a long int or a log2: ``'up'`` or ``'down'``, or a function of the record that
        says which.
    of
        For ``'log2'``: the key of the int column it is the logarithm of.
    spec
        The format of a float (``'.3g'``).

    Examples
    --------
    >>> Column("value", "int").numeric, Column("note").numeric
    (True, False)
    """

    key: str
    kind: ColumnKind = "text"
    rounding: Rounding | Callable[[Mapping[str, Any]], Rounding] = "up"
    of: str | None = None
    spec: str = ".3g"

    @property
    def numeric(self) -> bool:
        """True for the right-aligned columns (ints, floats, logarithms)."""
        return self.kind in ("int", "float", "log2")

    def text(self, record: Mapping[str, Any], missing: str = "") -> str:
        """The cell of ``record`` in this column, as printed in markdown and HTML."""
        key = self.of if self.kind == "log2" and self.of is not None else self.key
        value = record.get(key)
        if value is None:
            return missing
        rounding = self.rounding(record) if callable(self.rounding) else self.rounding
        if self.kind == "log2":
            return bounded_log2(value, rounding) if value > 0 else missing
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int) and self.kind == "int":
            return bounded_int(value, rounding)
        if isinstance(value, float):
            return format(value, self.spec)
        return str(value)


def write_table(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[Column],
    fmt: TableFormat,
    *,
    missing: str = "",
    caption: str | None = None,
) -> str:
    """Records as a markdown, CSV or HTML table (no final newline in markdown and HTML).

    Parameters
    ----------
    records
        Mappings from column key to value (missing keys read as None).
    columns
        The columns, in order.
    fmt
        ``'md'``, ``'csv'`` (exact values, empty fields for None) or ``'html'`` (for
        notebooks; a shortened int cell's ``title`` holds its exact value).
    missing
        What markdown and HTML print for None.
    caption
        The HTML table's caption.

    Returns
    -------
    str

    Examples
    --------
    >>> rows, columns = [{"bound": 3**100}], [Column("bound", "int")]
    >>> write_table(rows, columns, "csv").splitlines() == ["bound", str(3**100)]
    True
    >>> write_table(rows, columns, "md").splitlines()[2]     # 48 digits: shortened, never below
    '| 5.1538e47 (rounded up) |'
    """
    check_choice(fmt, "fmt", ("md", "csv", "html"))
    records = list(records)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([c.key for c in columns])
        for record in records:
            values = (record.get(c.key) for c in columns)
            writer.writerow(["" if value is None else value for value in values])
        return buffer.getvalue()
    if fmt == "md":
        lines = [
            "| " + " | ".join(c.key for c in columns) + " |",
            "|" + "".join("---:|" if c.numeric else "---|" for c in columns),
        ]
        for record in records:
            cells = (c.text(record, missing).replace("|", "\\|") for c in columns)
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    head = "".join(_html_cell("th", c.key, c) for c in columns)
    body = "".join(
        "<tr>"
        + "".join(_html_cell("td", c.text(r, missing), c, _exact(r, c)) for c in columns)
        + "</tr>"
        for r in records
    )
    top = "" if caption is None else f"<caption>{html.escape(caption)}</caption>"
    return f"<table>{top}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_cell(tag: str, text: str, column: Column, title: str | None = None) -> str:
    """One HTML cell: numbers right-aligned (tabular figures), text left-aligned."""
    style = "right;font-variant-numeric:tabular-nums" if column.numeric else "left"
    title = "" if title is None else f' title="{html.escape(title)}"'
    return f'<{tag} style="text-align:{style}"{title}>{html.escape(text)}</{tag}>'


def _exact(record: Mapping[str, Any], column: Column) -> str | None:
    """The exact digits of a shortened int cell, for its HTML ``title`` (else None)."""
    value = record.get(column.key)
    if column.kind != "int" or not isinstance(value, int) or value < 10**EXACT_DIGITS:
        return None
    try:
        return f"exactly {value}"
    except ValueError:  # more digits than int -> str allows (sys.set_int_max_str_digits)
        return None


# -- DataFrames -------------------------------------------------------------------------------


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - exercised where pandas is missing
        raise ImportError(
            'to_dataframe needs pandas: pip install pandas (or pip install "rac_tn[dataframe]")'
        ) from exc
    return pandas


def _dtype(values: Sequence[Any]) -> str | None:
    """The pandas dtype that keeps ``values`` exact (None: let pandas infer it)."""
    present = [v for v in values if v is not None]
    if not present:
        return "object"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        inside = all(_INT64[0] <= v <= _INT64[1] for v in present)
        return "Int64" if inside else "object"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float64"
    return None


def frame(records: Iterable[Mapping[str, Any]], columns: Sequence[str | Column]) -> Any:
    """A pandas DataFrame with one row per record and the given columns, in order.

    Parameters
    ----------
    records
        Mappings from column name to a JSON-like value (missing keys read as None).
    columns
        The columns (keys or :class:`Column` specs), in order.

    Returns
    -------
    pandas.DataFrame
        Integer columns are ``Int64`` (nullable) or, beyond int64, ``object`` columns of exact
        Python ints; boolean columns are ``boolean``.

    Raises
    ------
    ImportError
        When pandas is not installed.
    """
    pd = _pandas()
    records = list(records)
    names = [c.key if isinstance(c, Column) else c for c in columns]
    data = {}
    for name in names:
        values = [record.get(name) for record in records]
        dtype = _dtype(values)
        data[name] = pd.Series(values, dtype=dtype) if dtype else pd.Series(values)
    return pd.DataFrame(data, columns=names)


# -- reports ----------------------------------------------------------------------------------


class _Row(Protocol):
    @property
    def log2(self) -> float | None: ...

    def to_dict(self) -> dict[str, Any]: ...


class ReportLike(Protocol):
    """What :func:`format_report` reads of a :class:`rac_tn.analysis.Report`."""

    @property
    def rows(self) -> Sequence[_Row]: ...  # noqa: D102

    def to_dict(self) -> dict[str, Any]: ...  # noqa: D102

    def to_markdown(self) -> str: ...  # noqa: D102


def report_rounding(record: Mapping[str, Any]) -> Rounding:
    """``'down'`` for a row whose claim is a lower bound, else ``'up'``."""
    return "down" if record.get("claim") in ("lower bound", "certified lower bound") else "up"


#: The columns of a report's table, in order.
REPORT_TABLE: tuple[Column, ...] = (
    Column("quantity"),
    Column("value", "int", report_rounding),
    Column("log2", "log2", report_rounding, of="value"),
    Column("claim"),
    Column("origin"),
    Column("method"),
    Column("seconds", "float"),
    Column("note"),
)
#: Their keys (the CSV header, the DataFrame's columns).
REPORT_COLUMNS: tuple[str, ...] = tuple(c.key for c in REPORT_TABLE)


def report_records(report: ReportLike) -> list[dict[str, Any]]:
    """One dict per row of a report, with the columns :data:`REPORT_COLUMNS`."""
    records = []
    for row in report.rows:
        record = row.to_dict()
        record["log2"] = row.log2
        records.append({name: record.get(name) for name in REPORT_COLUMNS})
    return records


def format_report(report: ReportLike, fmt: str) -> str:
    """A report as text, ending with a newline.

    Parameters
    ----------
    report
        A :class:`rac_tn.analysis.Report`.
    fmt
        ``'md'`` (its markdown table), ``'json'`` (its ``to_dict()``, which
        ``Report.from_dict`` reads back) or ``'csv'`` (one line per row, the columns
        :data:`REPORT_COLUMNS`; exact integers in full).

    Returns
    -------
    str
    """
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=1) + "\n"
    if fmt == "csv":
        return write_table(report_records(report), REPORT_TABLE, "csv")
    if fmt == "md":
        return report.to_markdown() + "\n"
    raise ValueError(f"fmt must be one of 'md', 'csv', 'json', got {fmt!r}")
