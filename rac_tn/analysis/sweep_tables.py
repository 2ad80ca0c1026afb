"""Sweep rows as text: markdown and CSV tables, JSON, and :func:`format_rows` choosing one.

These are re-exported by :mod:`rac_tn.analysis.sweeps`, where they are documented.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from rac_tn._checks import check_choice
from rac_tn.analysis.sweep_rows import SWEEP_COLUMNS, SweepRow

__all__ = ["OutputFormat", "format_rows", "rows_to_csv", "rows_to_json", "rows_to_markdown"]

#: The output formats of :func:`format_rows` (and of ``rac-tn table --format``).
OutputFormat = Literal["md", "csv", "json"]


# -- tables -----------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def rows_to_markdown(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as a markdown table (empty cells where a value was not computed).

    Examples
    --------
    >>> row = SweepRow(2, 2, 1, 4, "start-end", separation_rank=2, rank_exact=True)
    >>> rows_to_markdown([row]).splitlines()[2]
    '| 2 | 2 | 1 | 4 | start-end | rac |  | no |  |  |  |  |  | 2 | yes |  |  |  |  |  |  | 0 |'
    """
    lines = ["| " + " | ".join(SWEEP_COLUMNS) + " |", "|" + "---|" * len(SWEEP_COLUMNS)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in SWEEP_COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as CSV with a header line (empty fields where a value was not computed).

    Examples
    --------
    >>> rows_to_csv([SweepRow(2, 2, 1, 4, "start-end")]).splitlines()[1]
    '2,2,1,4,start-end,rac,,False,,,,,,,,,,,,,,0.0'
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SWEEP_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in SWEEP_COLUMNS})
    return buffer.getvalue()


def rows_to_json(rows: Iterable[SweepRow]) -> str:
    """Format sweep rows as a JSON list of objects (read back with :meth:`SweepRow.from_dict`).

    Examples
    --------
    >>> row = SweepRow(2, 2, 1, 4, "start-end", separation_rank=2)
    >>> [SweepRow.from_dict(d) for d in json.loads(rows_to_json([row]))] == [row]
    True
    """
    return json.dumps([row.to_dict() for row in rows], indent=1)


def format_rows(rows: Iterable[SweepRow], fmt: OutputFormat) -> str:
    """Format sweep rows as text in the format ``fmt``, ending with a newline.

    Examples
    --------
    >>> format_rows([SweepRow(2, 2, 1, 4, "start-end")], "csv").startswith("M,R,L,T,")
    True
    """
    check_choice(fmt, "fmt", get_args(OutputFormat))
    rows = list(rows)
    if fmt == "json":
        return rows_to_json(rows) + "\n"
    if fmt == "csv":
        return rows_to_csv(rows)
    return rows_to_markdown(rows) + "\n"
