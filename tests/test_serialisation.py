"""Every result type round-trips through JSON and pickle; DataFrames and the HTML repr.

JSON is how results are saved; pickle is how they cross process and cluster boundaries
(process pools, dask, ray). Each check compares against the original object with ``==``.
"""

from __future__ import annotations

import html
import json
import pickle
import sys

import pytest

from rac_tn import RAC, compile_rac, network_cut_bound, start_end, symmetric_bound
from rac_tn.analysis import Report, analyze
from rac_tn.analysis.sweeps import (
    SWEEP_COLUMNS,
    SweepConfig,
    SweepRow,
    sweep,
    sweep_row,
    to_dataframe,
)
from rac_tn.bounds import CutBound
from rac_tn.bounds.theorems import TheoremBounds, theorem_bounds
from rac_tn.exact.rank import RankResult, separation_rank
from rac_tn.exact.spectrum import Spectrum, spectrum
from rac_tn.partition import Partition

RAC2 = RAC.random(2, 2, depth=2, seed=0, integer=True)


def _results():
    part = start_end(6)
    return {
        "CutBound (symmetric)": (CutBound, symmetric_bound(RAC2, part)),
        "CutBound (network)": (CutBound, network_cut_bound(compile_rac(RAC2, 6), part)),
        "RankResult": (RankResult, separation_rank(RAC2, part, seed=0)),
        "TheoremBounds": (TheoremBounds, theorem_bounds(2, 2, 2, 6)),
        "Report": (Report, analyze(RAC2, Partition(6, [1, 2, 5]))),
        "Report (Start-End, 2 classes)": (
            Report,
            analyze(RAC.random(2, 2, depth=2, num_classes=2, seed=1, integer=True), part),
        ),
        "SweepRow": (SweepRow, sweep_row(SweepConfig(2, 2, 3, 6, "interleaved"))),
        "SweepRow (huge ints)": (
            SweepRow,
            SweepRow(2, 2, 9, 400, "start-end", symmetric_bound=3**200),
        ),
        "SweepConfig": (SweepConfig, SweepConfig(3, 2, 1, 6, "1,2,5", seed=4, integer=False)),
        "Spectrum": (Spectrum, spectrum(RAC.random(2, 2, depth=2, seed=0), start_end(4))),
    }


RESULTS = _results()


def _same(kind, a, b):
    return a == b


@pytest.mark.parametrize("name", list(RESULTS))
def test_every_result_round_trips_through_json(name):
    kind, result = RESULTS[name]
    text = json.dumps(result.to_dict())  # JSON-safe: no numpy scalars, no tuples needed
    back = kind.from_dict(json.loads(text))
    assert type(back) is kind and _same(kind, back, result)
    assert json.dumps(back.to_dict()) == text


@pytest.mark.parametrize("name", list(RESULTS))
def test_every_result_pickles(name):
    kind, result = RESULTS[name]
    assert _same(kind, pickle.loads(pickle.dumps(result)), result)


def test_report_json_keeps_what_the_rows_say():
    kind, report = RESULTS["Report"]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["start"] == [1, 2, 5] and data["rac"]["L"] == 2
    assert [row["value"] for row in data["rows"]] == [row.value for row in report.rows]
    assert Report.from_dict(data).rank.rank == report.rank.rank


# -- DataFrames -------------------------------------------------------------------------------


def test_sweep_dataframe_keeps_exact_ints_and_missing_values():
    pd = pytest.importorskip("pandas")
    rows = sweep([SweepConfig(2, 2, 1, 4), SweepConfig(2, 2, 2, 4)]) + [
        SweepRow(2, 2, 9, 400, "start-end", symmetric_bound=3**200, rank_exact=False)
    ]
    df = to_dataframe(rows)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(SWEEP_COLUMNS)
    assert df["L"].tolist() == [1, 2, 9] and str(df["L"].dtype) == "Int64"
    assert df["symmetric_bound"].tolist()[2] == 3**200  # past int64: an exact Python int
    assert df["theorem_lower"].isna().tolist() == [True, False, True]
    assert df["rank_exact"].tolist() == [True, True, False]
    for row, record in zip(rows, df.to_dict("records")):
        for column in ("M", "R", "L", "T", "partition", "separation_rank"):
            value = record[column]
            assert (getattr(row, column) is None and pd.isna(value)) or value == getattr(
                row, column
            )


def test_report_dataframe_has_one_line_per_row():
    pd = pytest.importorskip("pandas")
    _, report = RESULTS["Report"]
    df = report.to_dataframe()
    assert list(df.columns) == [
        "quantity",
        "value",
        "log2",
        "claim",
        "origin",
        "method",
        "seconds",
        "note",
    ]
    assert df["claim"].tolist() == [row.claim for row in report.rows]
    values = [None if pd.isna(v) else v for v in df["value"].tolist()]
    assert values == [row.value for row in report.rows]


def test_to_dataframe_without_pandas_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"rac_tn\[dataframe\]"):
        to_dataframe([SweepRow(2, 2, 1, 4, "start-end")])


# -- the notebook view ------------------------------------------------------------------------


def test_report_html_repr_is_a_table_of_every_row_escaped():
    _, report = RESULTS["Report"]
    text = report._repr_html_()
    assert text.startswith("<table>") and text.endswith("</table>")
    assert text.count("<tr>") == len(report.rows) + 1  # the header and one per row
    assert html.escape(str(report.partition)) in text
    for row in report.rows:
        assert html.escape(row.origin) in text
    assert "<script" not in text
