"""The analysis report: every number labelled, and its values checked against closed forms."""

from __future__ import annotations

import json
from math import comb

import pytest

import rac_tn.analysis.reports as analysis
import rac_tn.exact.rank_inputs as rank_inputs
from rac_tn import RAC, Partition, analyze, start_end
from rac_tn.analysis import Report, ReportRow
from rac_tn.results import CLAIMS


@pytest.mark.parametrize(("M", "R", "T"), [(2, 3, 4), (3, 2, 6), (2, 2, 2)])
def test_shallow_start_end_every_bound_and_rank_is_min_R_M_half(M, R, T):
    """L = 1: the theorem value, both cut bounds, the network closed form and both exact ranks
    all equal min(R, M^{T/2}) (here R <= M^{T/2}, so Theorem 1.1's R is tight)."""
    expected = min(R, M ** (T // 2))  # = R for these sizes
    report = analyze(RAC.random(M, R, seed=0, integer=True), start_end(T))
    trivial = {"trivial"}
    values = [row.value for row in report.rows if row.origin not in trivial]
    # Theorem 1.1, multi-homogeneous, network closed form, symmetric cut (function and grid),
    # network cut, exact separation rank, exact grid rank, generic rank (proven)
    assert values == [expected] * 9
    assert report.generic_proven and report.rows[-1].note == f"generic rank proven = {R}"
    assert report.rank.rank == report.grid_rank.rank == expected
    assert report.network_bound.value == report.symmetric_bound.value == expected


def test_shallow_with_small_M_every_bound_is_M_half():
    """R > M^{T/2}: the cuts pick the inputs, all bounds and ranks equal M^{T/2} = 4."""
    report = analyze(RAC.random(2, 5, seed=0, integer=True), start_end(4))
    cut_rows = [row for row in report.rows if row.origin.startswith(("symmetric", "network"))]
    assert {row.value for row in cut_rows} == {4}
    assert report.rank.rank == report.grid_rank.rank == 4


def test_depth2_report():
    report = analyze(RAC.random(3, 3, depth=2, seed=0, integer=True), start_end(8))
    by_origin = {row.origin: row for row in report.rows}
    assert by_origin["paper, Theorem 1.2"].value == comb(3 + 4 - 1, 4) == 15
    assert by_origin["paper, Theorem 1.2"].claim == "theorem value"
    assert by_origin["derived (multi-homogeneous)"].value == 45
    assert report.symmetric_bound.value == report.rank.rank == 45
    assert report.rank.claim == "exact rank" and report.rank.certified
    assert report.grid_rank.rank == 45
    assert report.network_bound.value == 81  # the network cuts the 4 start inputs: 3^4


def test_rows_are_labelled_and_serialisable():
    report = analyze(RAC.random(2, 2, depth=2, seed=0, integer=True), Partition(5, [1, 3, 4]))
    assert all(row.claim in CLAIMS for row in report.rows)
    assert all(row.seconds >= 0 and row.origin and row.method for row in report.rows)
    assert not any(row.origin.startswith("paper") for row in report.rows)  # not Start-End
    data = report.to_dict()
    assert json.loads(json.dumps(data))["partition"] == "{1,3,4 | 2,5}"
    assert len(data["rows"]) == len(report.rows)
    table = report.to_markdown()
    assert table.count("\n|") == len(report.rows) + 2  # header, separator, rows
    assert "| quantity | value |" in table
    text = repr(report)
    assert "Report for RAC(M=2, R=2, L=2, Y=1), T=5" in text
    assert "exact rank" in text and "upper bound" in text


def test_large_sizes_are_skipped_with_a_reason():
    report = analyze(
        RAC.random(4, 4, depth=3, seed=0, integer=True), "start-end", T=40, max_samples=64
    )
    network = next(row for row in report.rows if row.origin == "network cut")
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
    assert all(row.claim != "exact rank" for row in report.rows)


def test_bad_partition():
    with pytest.raises(ValueError, match="even T"):
        analyze(RAC.random(2, 2, seed=0), "start-end", T=5)
    with pytest.raises(ValueError, match="needs T"):
        analyze(RAC.random(2, 2, seed=0), "interleaved")


def test_report_is_frozen_and_round_trips_through_json():
    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    report = analyze(rac, start_end(6))
    with pytest.raises(AttributeError):
        report.rank = None
    assert isinstance(report.rows, tuple)
    text = json.dumps(report.to_dict())
    back = Report.from_dict(json.loads(text))
    assert back == report and back.rac is None and report.rac is rac
    assert back.to_dict() == report.to_dict()
    assert back.to_markdown() == report.to_markdown()
    data = json.loads(text)
    assert data["rac"] == {"M": 2, "R": 2, "L": 2, "C": 1, "integer": True}
    assert type(data["ranks"][0]["rank"]) is int and data["ranks"][0]["rank"] == 8  # 2 ((2, 3))
    # a rank beyond float precision stays an exact int through JSON
    row = ReportRow("separation rank", 3**100 + 1, "upper bound", "test", "test")
    assert ReportRow.from_dict(json.loads(json.dumps(row.to_dict()))).value == 3**100 + 1


def test_report_without_optional_parts_round_trips():
    report = analyze(RAC.random(2, 2, seed=0), Partition(5, [1, 3]), exact=False)
    assert report.theorems is None and report.rank is None
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_each_bound_is_computed_once(monkeypatch):
    """One analysis computes the theorem values once and each symmetric cut once; the exact
    ranks reuse the cuts as their caps instead of recomputing them."""
    calls = {"theorems": 0, "symmetric": 0}
    real_theorems, real_symmetric = analysis.theorem_bounds, analysis.symmetric_bound

    def theorems(*args, **kwargs):
        calls["theorems"] += 1
        return real_theorems(*args, **kwargs)

    def symmetric(*args, **kwargs):
        calls["symmetric"] += 1
        return real_symmetric(*args, **kwargs)

    def refuse(rac, partition, templates=None):
        # the grid rank certifies with the grid-tensor cut (templates=N), computed in rank.py
        if templates is None:
            raise AssertionError("the sampled rank recomputed the symmetric bound it was given")
        return real_symmetric(rac, partition, templates=templates)

    monkeypatch.setattr(analysis, "theorem_bounds", theorems)
    monkeypatch.setattr(analysis, "symmetric_bound", symmetric)
    monkeypatch.setattr(rank_inputs, "symmetric_bound", refuse)
    report = analyze(RAC.random(2, 2, depth=2, seed=0, integer=True), start_end(6))
    assert calls == {"theorems": 1, "symmetric": 2}
    assert report.rank.upper_bound == report.symmetric_bound.value == 8
    assert report.grid_rank.rank == 8


def test_size_limits_are_checked():
    rac = RAC.random(2, 2, seed=0)
    for name in ("max_tensors", "max_entries", "max_samples"):
        with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
            analyze(rac, start_end(4), **{name: 0})
    report = analyze(rac, start_end(4), max_entries=15)
    grid_rows = [row for row in report.rows if row.quantity == "grid-tensor rank"]
    assert report.grid_rank is None and "max_entries=15" in grid_rows[-1].note


def test_every_class_is_reported_and_says_which():
    """C = 2 with class 0 identically zero: the report must not call the model rank 0."""
    import numpy as np

    base = RAC.random(2, 2, depth=2, seed=0, integer=True)
    wo = np.array([[0, 0], list(base.output_weights[0])])
    rac = base.replace(output_weights=wo)
    report = analyze(rac, start_end(6))
    assert report.classes == (0, 1) and report.rank is None
    # class 0 is y_0 = 0; class 1 is the single-class model's output: R ((R, T/2)) = 2 * 4
    assert [r.rank for r in report.ranks] == [0, 8]
    assert [r.class_index for r in report.ranks] == [0, 1]
    methods = [row.method for row in report.rows if row.origin == "exact computation mod p"]
    assert any(m.startswith("class 0:") for m in methods)
    assert any(m.startswith("class 1:") for m in methods)
    assert report.generic_lower == 8 and report.generic_proven
    one = analyze(rac, start_end(6), class_index=1)
    assert one.classes == (1,) and one.rank.rank == 8


def test_generic_rank_at_depth_3():
    """Depth 3, M = R = 2, T = 6: the symmetric cut is 56 and the rank 52 (grid rank with
    random templates confirms 52). The symmetric cut alone only brackets the generic rank in
    [52, 56]; the four dead boundary points (relations that hold for every weight) bring the
    upper bound to 56 - 4 = 52, so the generic rank is proven. The rank itself is certified by
    the End span of these weights (its own row)."""
    report = analyze(RAC.random(2, 2, depth=3, seed=0, integer=True), start_end(6))
    assert report.symmetric_bound.value == 56
    assert report.generic_lower == report.rank.rank == 52
    assert report.rank.certified and report.rank.end_span.value == 52
    dead = [row for row in report.rows if row.origin.startswith("dead boundary points")]
    assert [row.value for row in dead] == [56 - 4]
    assert report.generic_upper == 52 and report.generic_proven
    assert report.rows[-1].note == "generic rank proven = 52"
    assert report.rows[-1].claim == "exact rank"
    spans = [row for row in report.rows if row.origin.startswith("End span")]
    assert [row.value for row in spans] == [52]


def test_analyze_takes_a_model_family():
    """The families go through analyze: the known deep CP value, and for the linear RNN the
    separation rank 2 (degree 1) beside the rank of its past-to-future map (here min(L n,
    tau d, (T - tau) C) = min(6, 8, 4) = 4)."""
    from rac_tn import CP2RNN, LinearRNN

    cp = analyze(CP2RNN.random(3, 3, 2, depth=2, seed=0, integer=True), start_end(6))
    # Levine et al.'s theorems are about RACs: for a family the same formulas at its width
    # m = min(n, K) = 2, labelled derived, none cited to a paper
    assert {k: e.value for k, e in cp.theorems.items() if k != "trivial_function"} == {
        "depth2_lower": comb(2 + 3 - 1, 3),
        "multi_homogeneous": 2 * comb(2 + 3 - 1, 3),
        "trivial_grid": 3**3,
    }
    assert not any(e.origin.startswith("paper") for e in cp.theorems.values())
    assert cp.rank.rank == 8 and cp.rank.certified and cp.generic_proven
    assert (
        str(cp.model) == "cp2rnn(d=3, n=3, K=2, L=2, Y=1)"
    )  # the papers' symbols, with K; Y classes
    assert cp.model.to_dict()["K"] == 2 and str(cp).startswith("Report for cp2rnn(d=3, n=3, K=2")
    assert Report.from_dict(json.loads(json.dumps(cp.to_dict()))) == cp
    linear = analyze(LinearRNN.random(2, 3, depth=2, seed=0, integer=True), start_end(8))
    assert linear.rank.rank == 2 and linear.rank.certified
    hankel = linear.rows[-1]
    assert hankel.quantity == "Hankel rank" and hankel.value == 4 and hankel.claim == "exact rank"
    assert "Start-End rank does not measure its memory" in hankel.note
