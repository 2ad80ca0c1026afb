"""Exact ranks say what they will cost before they run, show progress on any stream (a status
line per stage and per round when stderr is not a terminal), and accept a time budget."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

import rac_tn._progress as progress_module
from rac_tn import RAC, analyze, rank_cost, separation_rank, start_end, symmetric_bound
from rac_tn.cli import main
from rac_tn.exact.attempts import SAMPLE_BYTES_PER_ENTRY
from rac_tn.exact.certify import sample_schedule
from rac_tn.exact.estimate import rank_cost_from_rates


def test_the_cost_of_a_schedule_is_the_sum_of_its_rounds():
    schedule = sample_schedule(3000)
    cost = rank_cost_from_rates(schedule, 2.0e6, (512, 0.25), 2.4)
    pairs = seconds = multiply_adds = 0.0
    before = 0
    for S in schedule:  # each round: its new pairs, then what they add to the factorisation
        pairs += S * S - before * before
        seconds += (S * S - before * before) / 2.0e6
        seconds += 0.25 * ((S / 512) ** 2.4 - (before / 512) ** 2.4)
        multiply_adds += S**3 / 3 - before**3 / 3
        before = S
    assert cost.pairs == pairs == 3000**2
    assert cost.elimination_multiply_adds == math.ceil(multiply_adds) == math.ceil(3000**3 / 3)
    assert cost.seconds == pytest.approx(seconds, rel=1e-12)
    assert cost.peak_bytes == SAMPLE_BYTES_PER_ENTRY * 3000 * 3000
    assert cost.samples == 3000 and cost.schedule == tuple(schedule)
    assert type(cost).from_dict(cost.to_dict()) == cost


@pytest.mark.parametrize(
    "args,match",
    [
        (((16, 16), 1.0, (8, 1.0)), "increasing"),
        (((0, 16), 1.0, (8, 1.0)), "increasing"),
        (((16,), 0.0, (8, 1.0)), "pair_rate"),
        (((16,), float("nan"), (8, 1.0)), "pair_rate"),
        (((16,), 1.0, (8, -1.0)), "elimination seconds"),
        (((16,), 1.0, (8, 1.0), 3.5), "elimination_exponent"),
    ],
)
def test_a_cost_from_bad_rates_is_refused(args, match):
    with pytest.raises(ValueError, match=match):
        rank_cost_from_rates(*args)


def test_rank_cost_caps_at_the_symmetric_bound_and_max_samples():
    rac = RAC.random(2, 3, depth=2, seed=0, integer=True)
    partition = start_end(12)
    bound = symmetric_bound(rac, partition).value
    assert rank_cost(rac, partition).samples == bound
    assert rank_cost(rac, partition, max_samples=40).schedule == tuple(sample_schedule(40))
    with pytest.raises(ValueError, match="max_samples"):
        rank_cost(rac, partition, max_samples=0)


def test_lines_print_the_estimate_and_a_line_per_round_and_change_nothing(capsys):
    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    partition = start_end(16)
    quiet = separation_rank(rac, partition, seed=3)
    capsys.readouterr()
    loud = separation_rank(rac, partition, seed=3, progress="lines")
    err = capsys.readouterr().err.splitlines()
    assert (loud.rank, loud.samples, loud.primes) == (quiet.rank, quiet.samples, quiet.primes)
    cap = min(symmetric_bound(rac, partition).value, 8192)
    rounds = sample_schedule(cap)
    assert err[0].startswith(f"rank {partition}: up to S = {cap:,} samples per side")
    assert f"({len(rounds)} rounds)" in err[0]
    ran = rounds.index(quiet.samples) + 1  # the rounds the first prime ran
    expected = [f"rank {partition}: {k} of {len(rounds)} rounds, " for k in range(1, ran + 1)]
    assert [line.rsplit(", ", 1)[0] + ", " for line in err[1 : ran + 1]] == expected


def test_status_lines_beyond_fifty_steps_come_every_five_seconds(capsys, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: clock[0])
    lines = progress_module.StatusLines(200, "sweep", "rows")
    for done in range(1, 201):
        clock[0] += 0.5  # a row every half second: a line every ten rows, and the last
        lines.update(done, 200)
    err = capsys.readouterr().err.splitlines()
    shown = [int(line.split(": ")[1].split(" of ")[0]) for line in err]
    assert shown == [1, *range(11, 200, 10), 200]
    assert err[-1] == "sweep: 200 of 200 rows, 100.0 s"


def test_analyze_names_each_stage_on_lines(capsys):
    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    analyze(rac, start_end(8), progress="lines")
    stages = [line.split(" (")[0] for line in capsys.readouterr().err.splitlines()]
    assert [s for s in stages if s.startswith("analyze:")] == [
        "analyze: symmetric cuts",
        "analyze: network cut",
        "analyze: exact separation rank, class 0",
        "analyze: exact grid-tensor rank, class 0",
        "analyze: bracket on the generic rank",
    ]
    with pytest.raises(TypeError, match="progress must be True, False, 'lines'"):
        analyze(rac, start_end(8), progress="bar")


def test_the_cli_on_a_pipe_shows_lines_and_quiet_shows_none():
    command = [sys.executable, "-m", "rac_tn", "analyze", "--hidden", "2", "--length", "12"]
    loud = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    assert "analyze: exact separation rank, class 0" in loud.stderr
    assert "up to S = " in loud.stderr and " rounds, " in loud.stderr
    quiet = subprocess.run(
        [*command, "--quiet"], capture_output=True, text=True, timeout=300, check=True
    )
    assert quiet.stderr == ""

    def values(report: str) -> list[str]:  # every column but the seconds
        return [row.rsplit("|", 3)[0] for row in report.splitlines()]

    assert values(quiet.stdout) == values(loud.stdout)


def test_the_cli_time_budget_stops_the_rank_as_a_certified_lower_bound(capsys):
    # (4, 4, 2) at T = 24: rank 1820 needs seconds; a 0.05 s budget ends after the first round
    args = ["analyze", "--hidden", "4", "--inputs", "4", "--length", "24", "--quiet"]
    assert main([*args, "--max-seconds", "0.05", "--format", "json"]) == 0
    out = capsys.readouterr().out
    import json

    rows = json.loads(out)["rows"]
    sampled = next(r for r in rows if r["method"].startswith("sampled"))
    assert sampled["claim"] == "certified lower bound" and sampled["value"] < 1820
    for bad in ("0", "-1", "nan", "inf"):
        assert main([*args, "--max-seconds", bad]) == 2
        err = capsys.readouterr().err
        assert "--max-seconds must be a positive number of seconds" in err, err


@pytest.mark.slow
def test_the_memory_estimate_is_within_ten_percent_of_the_measured_peak():
    code = """
import numpy as np
from rac_tn import RAC, rank_cost, separation_rank, start_end
rac = RAC.random(4, 4, depth=2, seed=0, integer=True)
separation_rank(rac, start_end(8), seed=1, certificates=False)  # compile, warm up
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key))
open("/proc/self/clear_refs", "w").write("5")  # reset the peak to the current resident set
base = status("VmRSS")
result = separation_rank(rac, start_end(30), seed=2, max_samples=2048, certificates=False)
peak = status("VmHWM") - base
print(result.samples, peak, rank_cost(rac, start_end(30), max_samples=2048).peak_bytes)
"""
    # two threads, as a default call on an idle 2-core machine: the BLAS and numba keep
    # buffers per thread (one thread peaks about 3 bytes an entry lower, 32 B at S = 2048)
    env = {**os.environ, "RAC_TN_THREADS": "2"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True,
        env=env,
    )  # fmt: skip
    samples, peak, estimate = map(int, out.stdout.split())
    assert samples == 2048  # the rank reached the cap: the estimate's worst case happened
    assert 0.9 * peak <= estimate <= 1.1 * peak, (peak, estimate)
