"""Sweep rows as text: markdown and CSV tables, JSON, and :func:`format_rows` choosing one.

These are re-exported by :mod:`rac_tn.analysis.sweeps`, where they are documented.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args, get_type_hints

from rac_tn._checks import check_choice
from rac_tn.analysis.sweep_rows import SWEEP_COLUMNS, SweepRow
from rac_tn.analysis.tables import Column, ColumnKind, write_table

__all__ = ["OutputFormat", "format_rows", "rows_to_csv", "rows_to_json", "rows_to_markdown"]

#: The output formats of :func:`format_rows` (and of ``rac-tn table --format``).
OutputFormat = Literal["md", "csv", "json"]

#: Columns whose values are lower bounds (a shortened one is rounded down); the others' round up.
_LOWER = frozenset({"theorem_lower", "separation_rank", "grid_rank", "hankel_rank"})


def _column(name: str, hint: Any) -> Column:
    """The table column of a :class:`SweepRow` field, from its type hint."""
    kinds: dict[Any, ColumnKind] = {int: "int", float: "float", bool: "bool"}
    kind: ColumnKind = next((kinds[t] for t in (hint, *get_args(hint)) if t in kinds), "text")
    return Column(name, kind, "down" if name in _LOWER else "up")


_HINTS = get_type_hints(SweepRow)
#: The table of sweep rows: one column per :data:`SWEEP_COLUMNS` entry.
SWEEP_TABLE: tuple[Column, ...] = tuple(_column(name, _HINTS[name]) for name in SWEEP_COLUMNS)


def rows_to_markdown(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as a markdown table (empty cells where a value was not computed).

    Examples
    --------
    >>> row = SweepRow(2, 2, 1, 4, "start-end", separation_rank=2, rank_exact=True)
    >>> rows_to_markdown([row]).splitlines()[2]
    '| 2 | 2 | 1 | 4 | start-end | rac |  | no |  |  |  |  |  |  | 2 | yes |  |  |  |  |  |  | 0 |'
    """
    return write_table(rows, SWEEP_TABLE, "md")


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as CSV with a header line (empty fields where a value was not computed).

    Examples
    --------
    >>> rows_to_csv([SweepRow(2, 2, 1, 4, "start-end")]).splitlines()[1]
    '2,2,1,4,start-end,rac,,False,,,,,,,,,,,,,,,0.0'
    """
    return write_table(rows, SWEEP_TABLE, "csv")


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
