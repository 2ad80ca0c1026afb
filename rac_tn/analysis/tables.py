"""Tabular output of results: pandas DataFrames (optional) and a report as text.

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
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

__all__ = ["REPORT_COLUMNS", "ReportLike", "format_report", "frame", "report_records"]

_INT64 = (-(2**63), 2**63 - 1)

#: The columns of a report's table (:func:`report_records`), in order.
REPORT_COLUMNS: tuple[str, ...] = (
    "quantity",
    "value",
    "log2",
    "claim",
    "origin",
    "method",
    "seconds",
    "note",
)


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


def frame(records: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Any:
    """A pandas DataFrame with one row per record and the given columns, in order.

    Parameters
    ----------
    records
        Mappings from column name to a JSON-like value (missing keys read as None).
    columns
        The columns, in order.

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
    data = {}
    for name in columns:
        values = [record.get(name) for record in records]
        dtype = _dtype(values)
        data[name] = pd.Series(values, dtype=dtype) if dtype else pd.Series(values)
    return pd.DataFrame(data, columns=list(columns))


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
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        for record in report_records(report):
            writer.writerow({k: "" if v is None else v for k, v in record.items()})
        return buffer.getvalue()
    if fmt == "md":
        return report.to_markdown() + "\n"
    raise ValueError(f"fmt must be one of 'md', 'csv', 'json', got {fmt!r}")
