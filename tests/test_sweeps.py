"""Sweeps: rows against direct computations, executors, serialisation and tables."""

from __future__ import annotations

import csv
import inspect
import io
import json
import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from math import comb

import numpy as np
import pytest

import rac_tn.analysis.reports as analysis
from rac_tn import RAC, separation_rank, symmetric_bound
from rac_tn.analysis.sweeps import (
    SWEEP_COLUMNS,
    SweepConfig,
    SweepError,
    SweepInterrupted,
    SweepRow,
    format_rows,
    process_pool,
    rows_to_csv,
    rows_to_markdown,
    sweep,
    sweep_configs,
    sweep_row,
)
from rac_tn.partition import start_end


def _strip_time(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_sweep_rows_match_direct_computations():
    configs = sweep_configs(depths=[1, 2], lengths=[4, 6], hidden=2, inputs=3)
    rows = sweep(configs)
    assert [(r["L"], r["T"]) for r in rows] == [(1, 4), (1, 6), (2, 4), (2, 6)]
    for config, row in zip(configs, rows):
        rac = RAC.random(3, 2, depth=config.depth, seed=config.seed, integer=True)
        part = start_end(config.length)
        assert row["symmetric_bound"] == symmetric_bound(rac, part).value
        assert row["separation_rank"] == separation_rank(rac, part, seed=config.seed).rank
        assert set(row) == set(SWEEP_COLUMNS)


def test_sweep_row_values_are_the_closed_forms():
    """M = R = 2, Start-End: Theorem 1.1's R at depth 1; at depth 2 Theorem 1.2's ((2, T/2))
    and the rank R ((R, T/2)), computed here from binomials."""
    shallow, deep = sweep(sweep_configs(depths=[1, 2], lengths=[8], hidden=2, inputs=2))
    assert (shallow.shallow_upper, shallow.theorem_lower, shallow.separation_rank) == (2, None, 2)
    assert deep.theorem_lower == comb(2 + 4 - 1, 4) == 5
    assert deep.shallow_upper is None
    assert deep.separation_rank == deep.multihomogeneous_upper == 2 * comb(2 + 4 - 1, 4)
    assert deep.rank_exact is True and deep.grid_rank == 10


def test_sweep_row_reuses_the_reports_theorem_values(monkeypatch):
    calls = []
    real = analysis.theorem_bounds

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis, "theorem_bounds", counted)
    row = sweep_row(SweepConfig(2, 2, 2, 4))
    assert calls == [(2, 2, 2, 4)]
    assert row.theorem_lower == 3


def test_off_start_end_there_are_no_theorem_values():
    (row,) = sweep([SweepConfig(2, 2, 2, 4, "interleaved")])
    assert row.theorem_lower is row.shallow_upper is row.multihomogeneous_upper is None
    assert row.partition == "interleaved" and row.separation_rank >= 1


def test_rows_are_frozen_mappings_that_round_trip_through_json():
    (row,) = sweep(sweep_configs(depths=[2], lengths=[4], hidden=2, inputs=2))
    with pytest.raises(AttributeError):
        row.L = 3
    assert row["L"] == row.L == 2 and row.get("grid_rank") == row.grid_rank
    assert row.get("nope") is None and "T" in row and "nope" not in row
    assert list(row) == list(SWEEP_COLUMNS) and len(row) == len(SWEEP_COLUMNS)
    assert dict(row) == row.to_dict()
    with pytest.raises(KeyError):
        row["nope"]
    assert SweepRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row
    big = SweepRow(2, 2, 9, 400, "start-end", symmetric_bound=3**200)
    assert SweepRow.from_dict(json.loads(json.dumps(big.to_dict()))).symmetric_bound == 3**200
    config = SweepConfig(3, 2, 1, 6, "1,2,5", seed=4, integer=False)
    assert SweepConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_tables():
    rows = [
        SweepRow(2, 2, 1, 4, "start-end", separation_rank=2, rank_exact=True, seconds=0.5),
        SweepRow(2, 2, 2, 4, "1,3", failure_probability=1.5e-14, rank_exact=False),
    ]
    table = rows_to_markdown(rows).splitlines()
    assert table[0] == "| " + " | ".join(SWEEP_COLUMNS) + " |"
    assert table[2].startswith("| 2 | 2 | 1 | 4 | start-end |") and "| yes |" in table[2]
    assert "| 1,3 |" in table[3] and "| no |" in table[3] and "| 1.5e-14 |" in table[3]
    parsed = list(csv.DictReader(io.StringIO(rows_to_csv(rows))))
    assert parsed[0]["separation_rank"] == "2" and parsed[0]["theorem_lower"] == ""
    assert parsed[1]["partition"] == "1,3"
    assert [SweepRow.from_dict(d) for d in json.loads(format_rows(rows, "json"))] == rows
    assert format_rows(rows, "md") == rows_to_markdown(rows) + "\n"
    with pytest.raises(ValueError, match="fmt"):
        format_rows(rows, "xml")


def test_sweep_configs_skip_odd_lengths_for_start_end():
    configs = sweep_configs(depths=[1], lengths=[3, 4, 5], hidden=[2, 3], inputs=2)
    assert [(c.hidden_dim, c.length) for c in configs] == [(2, 4), (3, 4)]
    odd = sweep_configs(depths=[1], lengths=[3], hidden=2, inputs=2, partition="interleaved")
    assert [c.length for c in odd] == [3]


def test_sweep_reports_progress_in_order():
    seen = []
    sweep(
        sweep_configs(depths=[1], lengths=[2, 4], hidden=2, inputs=2),
        progress=lambda *a: seen.append(a),
    )
    assert seen == [(1, 2), (2, 2)]


@pytest.mark.slow
def test_sweep_on_a_process_pool_equals_serial():
    configs = sweep_configs(
        depths=[1, 2, 3], lengths=[4, 6], hidden=2, inputs=2, partition="interleaved"
    )
    with process_pool(2) as pool:
        parallel = sweep(configs, executor=pool)
    assert _strip_time(parallel) == _strip_time(sweep(configs))


def test_forking_pool_is_refused_with_a_clear_error():
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=fork) as pool:
        with pytest.raises(ValueError, match="spawn"):
            sweep(sweep_configs(depths=[1], lengths=[2], hidden=2, inputs=2), executor=pool)
    with pytest.raises(TypeError, match="executor"):
        sweep([], executor="pool")


def test_sweep_rejects_non_configs():
    with pytest.raises(TypeError, match=r"configs\[0\] must be a SweepConfig"):
        sweep([(2, 2, 2, 4)])
    assert SweepConfig(2, 2, 2, 4).build()[1] == start_end(4)
    with pytest.raises(ValueError, match="max_samples"):
        sweep([], max_samples=0)


# -- interrupted and failed sweeps keep their finished rows -----------------------------------


def _stop_after(n):
    """A progress callback that presses Ctrl-C once ``n`` rows are done."""

    def progress(done, total):
        if done >= n:
            raise KeyboardInterrupt

    return progress


def test_an_interrupted_sweep_keeps_its_finished_rows_in_order():
    configs = sweep_configs(depths=[1, 2], lengths=[2, 4, 6], hidden=2, inputs=2)
    with pytest.raises(SweepInterrupted) as info:
        sweep(configs, progress=_stop_after(2))
    stop = info.value
    assert isinstance(stop, KeyboardInterrupt) and stop.signum == signal.SIGINT
    assert stop.rows[2:] == [None] * 4 and (stop.done, stop.total) == (2, 6)
    assert _strip_time(stop.finished) == _strip_time(sweep(configs[:2]))
    assert "2 of 6 rows finished" in str(stop)


def test_an_interrupted_sweep_on_an_executor_keeps_what_finished():
    configs = sweep_configs(depths=[1, 2], lengths=[2, 4, 6], hidden=2, inputs=2)
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(SweepInterrupted) as info:
            sweep(configs, executor=pool, progress=_stop_after(1))
    stop = info.value
    expected = sweep(configs)
    assert stop.rows[0] is not None and stop.done < len(configs)
    for row, want in zip(stop.rows, expected):  # finished rows sit at their config's place
        assert row is None or _strip_time([row]) == _strip_time([want])


@pytest.mark.slow
def test_an_interrupted_process_pool_sweep_stops_its_workers():
    configs = sweep_configs(depths=[3], lengths=range(4, 41, 2), hidden=2, inputs=2)
    workers = []

    def interrupt(done, total):
        workers.extend(pool._processes.values())  # busy with the next rows
        raise KeyboardInterrupt

    with process_pool(2) as pool:
        with pytest.raises(SweepInterrupted) as info:
            sweep(configs, executor=pool, progress=interrupt)
    assert info.value.done >= 1 and len(workers) == 2
    # ask the OS, not Process.is_alive(): the pool's own thread may reap a worker first, and
    # is_alive() then reports True for a process that no longer exists
    deadline = time.monotonic() + 5.0  # stopped within a few seconds, even on a loaded machine
    while any(_exists(w.pid) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [_exists(worker.pid) for worker in workers] == [False, False]


def _exists(pid):
    """True while a process with this pid exists and has not exited (a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_failed_configuration_is_named_and_the_other_rows_are_kept():
    good = SweepConfig(2, 2, 1, 4)
    bad = SweepConfig(2, 2, 1, 4, partition="1,9")  # 9 is outside 1..4
    for executor in (None, ThreadPoolExecutor(1)):
        with pytest.raises(SweepError) as info:
            sweep([good, bad], executor=executor)
        error = info.value
        assert "configuration 1 failed" in str(error) and "'1,9'" in str(error)
        assert "outside 1..4" in str(error) and isinstance(error.__cause__, ValueError)
        assert (error.index, error.config) == (1, bad)
        assert error.rows[0].separation_rank == 2 and error.rows[1] is None
        if executor is not None:
            executor.shutdown()


def test_sweep_submits_the_top_level_row_function():
    """ray.remote(fn) takes a function, not a functools.partial: what the README adapter
    needs."""
    submitted = []

    class FunctionsOnly(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            if not inspect.isfunction(fn):
                raise TypeError(f"not a function: {fn!r}")
            submitted.append(fn)
            return super().submit(fn, *args, **kwargs)

    with FunctionsOnly(1) as pool:
        (row,) = sweep([SweepConfig(2, 2, 1, 4)], executor=pool, max_samples=64)
    assert submitted == [sweep_row] and row.separation_rank == 2


def test_progress_is_quiet_by_default_and_checked(capsys):
    configs = sweep_configs(depths=[1], lengths=[2], hidden=2, inputs=2)
    sweep(configs)
    assert capsys.readouterr() == ("", "")
    assert sweep(configs, progress=True)[0].separation_rank == 2
    with pytest.raises(TypeError, match="progress must be"):
        sweep(configs, progress="yes")


def test_sweep_configs_accept_numpy_integers_and_name_bad_arguments():
    configs = sweep_configs(
        depths=np.array([1, 2]), lengths=[np.int64(4)], hidden=np.int64(2), inputs=np.int32(3)
    )
    assert [(c.input_dim, c.hidden_dim, c.depth, c.length) for c in configs] == [
        (3, 2, 1, 4),
        (3, 2, 2, 4),
    ]
    assert all(type(c.hidden_dim) is int and type(c.depth) is int for c in configs)
    with pytest.raises(ValueError, match=r"hidden must be a positive integer, got 0"):
        sweep_configs(depths=[1], lengths=[4], hidden=0, inputs=2)
    with pytest.raises(ValueError, match=r"depths\[1\] must be a positive integer"):
        sweep_configs(depths=[1, 0], lengths=[4], hidden=2, inputs=2)
    with pytest.raises(TypeError, match=r"inputs must be a positive integer or several"):
        sweep_configs(depths=[1], lengths=[4], hidden=2, inputs="2")
