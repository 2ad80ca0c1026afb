"""One object of every result type, from real computations on small models (not tests).

Shared by tests/test_results.py and the writer of tests/data/results_before_schema.json (the
same calls, run by the version of rac_tn before the ``"schema"`` key, to keep its payloads).
Only the public API is used, so both versions build the same objects.
"""

from __future__ import annotations

import dataclasses

from rac_tn import RAC, compile_rac, interleaved, network_cut_bound, start_end, symmetric_bound
from rac_tn.analysis import Report, analyze
from rac_tn.analysis.report_rows import ModelSizes, ReportRow
from rac_tn.analysis.sweeps import SweepConfig, SweepRow, sweep_row
from rac_tn.bounds import CutBound, CutElement
from rac_tn.bounds.theorems import TheoremBound, TheoremBounds, theorem_bounds
from rac_tn.exact.hankel import HankelRank, hankel_rank
from rac_tn.exact.rank import RankResult, separation_rank
from rac_tn.exact.spectrum import Spectrum, spectrum
from rac_tn.models import random_model
from rac_tn.partition import Partition


def result_cases() -> dict[str, tuple[type, object]]:
    """Name -> (class, object) for every serialisable result type, some in several shapes."""
    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    part = start_end(6)
    sym = symmetric_bound(rac, part)
    shallow = compile_rac(RAC.random(2, 2, depth=1, seed=0, integer=True), 4)
    linear = random_model("linear", 2, 3, 2, seed=0, integer=True)
    cp = random_model("cp2rnn", 3, 3, 1, rank=2, seed=0, integer=True)
    report = analyze(rac, Partition(6, [1, 2, 5]))
    theorems = theorem_bounds(2, 2, 2, 6)
    return {
        "Partition": (Partition, interleaved(6)),
        "CutElement": (CutElement, sym.cut[0]),
        "CutBound (symmetric)": (CutBound, sym),
        "CutBound (network)": (CutBound, network_cut_bound(compile_rac(rac, 6), part)),
        "CutBound (index sets)": (
            CutBound,
            network_cut_bound(shallow.tn, (("d1", "d3"), ("d2", "d4"))),
        ),
        "CutBound (huge)": (
            CutBound,
            symmetric_bound(RAC.random(3, 3, depth=3, seed=0), interleaved(40)),
        ),
        "RankResult (sampled)": (RankResult, separation_rank(rac, part, seed=0)),
        "RankResult (grid)": (RankResult, separation_rank(rac, part, method="grid", seed=0)),
        "TheoremBound": (TheoremBound, theorems["depth2_lower"]),
        "TheoremBounds": (TheoremBounds, theorems),
        "HankelRank": (HankelRank, hankel_rank(linear, 6, seed=0)),
        "Spectrum": (Spectrum, spectrum(RAC.random(2, 2, depth=2, seed=0), start_end(4))),
        "ReportRow": (ReportRow, report.rows[0]),
        "ModelSizes (RAC)": (ModelSizes, report.model),
        "ModelSizes (cp2rnn)": (ModelSizes, ModelSizes.of(cp)),
        "Report": (Report, report),
        "Report (notes)": (Report, dataclasses.replace(report, notes=("a note", "another"))),
        "Report (Start-End, 2 classes)": (
            Report,
            analyze(RAC.random(2, 2, depth=2, num_classes=2, seed=1, integer=True), part),
        ),
        "Report (cp2rnn)": (Report, analyze(cp, start_end(4))),
        "Report (linear, Hankel row)": (Report, analyze(linear, start_end(6))),
        "Report (bounds only)": (Report, analyze(rac, Partition(5, [1, 3]), exact=False)),
        "SweepConfig": (SweepConfig, SweepConfig(3, 2, 1, 6, "1,2,5", seed=4, integer=False)),
        "SweepConfig (cp2rnn)": (SweepConfig, SweepConfig(2, 3, 2, 4, model="cp2rnn", rank=2)),
        "SweepRow": (SweepRow, sweep_row(SweepConfig(2, 2, 3, 6, "interleaved"))),
        "SweepRow (mirnn)": (
            SweepRow,
            sweep_row(SweepConfig(2, 2, 2, 4, model="mirnn", bias=True)),
        ),
        "SweepRow (huge)": (SweepRow, SweepRow(2, 2, 9, 400, "start-end", symmetric_bound=3**200)),
    }


def later_cases() -> dict[str, tuple[type, object]]:
    """Result types and shapes added after the payloads without a schema key were written."""
    from rac_tn.exact.end_span import EndSpanBound, end_span_bound
    from rac_tn.exact.estimate import RankCost, rank_cost_from_rates

    deep = RAC.random(2, 2, depth=3, seed=0, integer=True)
    rank = separation_rank(deep, start_end(6), seed=0)
    assert rank.end_span is not None  # depth 3: the End span certifies the rank
    return {
        "EndSpanBound": (EndSpanBound, end_span_bound(deep, start_end(6), seed=0)),
        "RankResult (End span)": (RankResult, rank),
        "Report (depth 3, End-span and dead-point rows)": (Report, analyze(deep, start_end(6))),
        "SweepRow (depth 3, End span)": (SweepRow, sweep_row(SweepConfig(2, 2, 3, 6))),
        "RankCost": (RankCost, rank_cost_from_rates((16, 32, 40), 1.5e6, (40, 0.01), 2.5)),
    }
