"""The analysis report: every number labelled, and its values checked against closed forms."""

from __future__ import annotations

import json
from math import comb

import pytest

from rac_tn import RAC, Partition, analyze, start_end
from rac_tn.analysis import KINDS


@pytest.mark.parametrize(("M", "R", "T"), [(2, 3, 4), (3, 2, 6), (2, 2, 2)])
def test_shallow_start_end_every_bound_and_rank_is_min_R_M_half(M, R, T):
    """L = 1: the theorem value, both cut bounds, the network closed form and both exact ranks
    all equal min(R, M^{T/2}) (here R <= M^{T/2}, so Theorem 1.1's R is tight)."""
    expected = min(R, M ** (T // 2))
    assert expected == R
    report = analyze(RAC.random(M, R, seed=0, integer=True), start_end(T))
    trivial = {"trivial"}
    values = [row.value for row in report.rows if row.source not in trivial]
    # Theorem 1.1, multi-homogeneous, network closed form, symmetric cut (function and grid),
    # network cut, exact separation rank, exact grid rank
    assert values == [expected] * 8
    assert report.rank.rank == report.grid_rank.rank == expected
    assert report.network_bound.value == report.symmetric_bound.value == expected


def test_shallow_with_small_M_every_bound_is_M_half():
    """R > M^{T/2}: the cuts pick the inputs, all bounds and ranks equal M^{T/2} = 4."""
    report = analyze(RAC.random(2, 5, seed=0, integer=True), start_end(4))
    cut_rows = [row for row in report.rows if row.source.startswith(("symmetric", "network"))]
    assert {row.value for row in cut_rows} == {4}
    assert report.rank.rank == report.grid_rank.rank == 4


def test_depth2_report():
    report = analyze(RAC.random(3, 3, depth=2, seed=0, integer=True), start_end(8))
    by_source = {row.source: row for row in report.rows}
    assert by_source["paper, Theorem 1.2"].value == comb(3 + 4 - 1, 4) == 15
    assert by_source["paper, Theorem 1.2"].kind == "theorem value"
    assert by_source["derived (multi-homogeneous)"].value == 45
    assert report.symmetric_bound.value == report.rank.rank == 45
    assert report.rank.claim == "exact rank" and report.rank.certified
    assert report.grid_rank.rank == 45
    assert report.network_bound.value == 81  # the network cuts the 4 start inputs: 3^4


def test_rows_are_labelled_and_serialisable():
    report = analyze(RAC.random(2, 2, depth=2, seed=0, integer=True), Partition(5, [1, 3, 4]))
    assert all(row.kind in KINDS for row in report.rows)
    assert all(row.seconds >= 0 and row.source and row.method for row in report.rows)
    assert not any(row.source.startswith("paper") for row in report.rows)  # not Start-End
    data = report.to_dict()
    assert json.loads(json.dumps(data))["partition"] == "{1,3,4 | 2,5}"
    assert len(data["rows"]) == len(report.rows)
    table = report.to_markdown()
    assert table.count("\n|") == len(report.rows) + 2  # header, separator, rows
    assert "| quantity | value |" in table
    text = repr(report)
    assert "Report for RAC(M=2, R=2, L=2, C=1), T=5" in text
    assert "exact rank" in text and "upper bound" in text


def test_large_sizes_are_skipped_with_a_reason():
    report = analyze(
        RAC.random(4, 4, depth=3, seed=0, integer=True), "start-end", T=40, max_samples=64
    )
    network = next(row for row in report.rows if row.source == "network cut")
    assert network.value is None and "tensors" in network.note
    grid = [
        row for row in report.rows if row.quantity == "grid-tensor rank" and "skipped" in row.note
    ]
    assert grid and grid[0].value is None
    assert report.rank.claim == "certified lower bound" and report.rank.rank == 64
    assert report.symmetric_bound.value > 64


def test_without_exact_ranks():
    report = analyze(RAC.random(2, 2, seed=0), start_end(6), exact=False)
    assert report.rank is None and report.grid_rank is None
    assert all(row.kind != "exact rank" for row in report.rows)


def test_bad_partition():
    with pytest.raises(ValueError, match="even T"):
        analyze(RAC.random(2, 2, seed=0), "start-end", T=5)
    with pytest.raises(ValueError, match="needs T"):
        analyze(RAC.random(2, 2, seed=0), "interleaved")
