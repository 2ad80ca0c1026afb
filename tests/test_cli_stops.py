"""Every way a ``rac-tn`` run can end keeps its finished work: done, Ctrl-C or SIGTERM at any
moment (pool shutdown and workers still starting included), a failing row, an output folder
that disappears mid-run."""

from __future__ import annotations

import csv
import io
import os
import pty
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from _processes import alive, cmdline, cores, descendants, drain, read_until, signal_masks

import rac_tn.analysis.reports
import rac_tn.analysis.sweeps
import rac_tn.cli.commands
from rac_tn.analysis.interrupt import Terminated, terminate_workers
from rac_tn.analysis.sweeps import SweepInterrupted, process_pool, sweep, sweep_configs
from rac_tn.cli import main

REPO = Path(__file__).resolve().parents[1]
TABLE = ["table", "--depth", "1", "2", "--length", "2:6:2", "--format", "csv"]


def _csv_rows(path):
    return list(csv.DictReader(io.StringIO(Path(path).read_text())))


class _StopWhileShuttingDown(ThreadPoolExecutor):
    """A pool whose wait for its workers at the end of the ``with`` block is interrupted."""

    signal = KeyboardInterrupt

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        raise self.signal()


@pytest.mark.parametrize("stop,status", [(KeyboardInterrupt, 130), (Terminated, 143)])
def test_a_signal_during_the_pool_shutdown_writes_every_row(
    stop, status, tmp_path, capsys, monkeypatch
):
    """The rows are all finished when the pool shuts down: a Ctrl-C or SIGTERM then still
    writes them (the issue: 8 of 8 trials lost the file)."""
    pool = type("Pool", (_StopWhileShuttingDown,), {"signal": stop})
    monkeypatch.setattr(rac_tn.analysis.sweeps, "process_pool", lambda n: pool(n))
    monkeypatch.setattr(rac_tn.cli.commands, "usable_cores", lambda: 2)  # --jobs 2 on any machine
    out = tmp_path / "t.csv"
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert main([*TABLE, "--jobs", "2", "-o", str(out)]) == status
    # called from Python, main leaves the caller's handlers as it found them
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    rows = _csv_rows(out)
    assert [(r["L"], r["T"]) for r in rows] == [(L, T) for L in "12" for T in "246"]
    assert all(row["separation_rank"] for row in rows)
    err = capsys.readouterr().err
    assert "interrupted: 6 of 6 rows finished; wrote 6 rows to" in err and "Traceback" not in err


def test_an_interrupted_pool_shutdown_stops_the_workers(monkeypatch):
    """SpawnPool: an interrupt while ``__exit__`` waits for the workers terminates them."""

    def interrupted(self, wait=True, **kwargs):
        if wait:
            raise KeyboardInterrupt
        return original(self, wait=wait, **kwargs)

    original = ProcessPoolExecutor.shutdown
    with pytest.raises(KeyboardInterrupt):
        with process_pool(1) as pool:
            pool.submit(time.sleep, 60)
            time.sleep(0.2)  # the worker starts
            workers = list(pool._processes.values())
            monkeypatch.setattr(ProcessPoolExecutor, "shutdown", interrupted)
    monkeypatch.undo()
    deadline = time.monotonic() + 10
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(w.is_alive() for w in workers)


def test_terminated_workers_leave_no_wakeup_pipe_for_the_exit_handler():
    """terminate_workers returns only once the pool's manager thread has closed its wake-up
    pipe: Python's exit handler writes to every open one without the pool's lock, and a pipe
    closed under it printed an OSError traceback after a Ctrl-C (seen in CI)."""
    with pytest.raises(KeyboardInterrupt):
        with process_pool(1) as pool:
            pool.submit(time.sleep, 60)
            time.sleep(0.2)  # the worker starts
            manager, wakeup = pool._executor_manager_thread, pool._executor_manager_thread_wakeup
            raise KeyboardInterrupt
    assert not manager.is_alive() and wakeup._closed
    terminate_workers(pool)  # a second call on a shut pool is harmless


def test_an_interrupt_while_the_progress_bar_closes_keeps_every_row(monkeypatch):
    """The progress display is closed inside the sweep's guard: its rows are not lost."""
    import rac_tn._progress

    def closing(self, *exc_info):
        raise KeyboardInterrupt

    monkeypatch.setattr(rac_tn._progress.ProgressBar, "__exit__", closing)
    configs = sweep_configs(depths=[1], lengths=[2, 4], hidden=2, inputs=2)
    with pytest.raises(SweepInterrupted) as info:
        sweep(configs, progress=True)
    assert info.value.done == info.value.total == 2


def test_a_failing_row_is_one_line_exit_2_and_the_finished_rows_are_kept(
    tmp_path, capsys, monkeypatch
):
    real = rac_tn.analysis.sweeps.sweep_row

    def fails_at_length_4(config, **kwargs):
        if config.length == 4:
            raise MemoryError("cannot allocate\n\x1b[2Jforged line")
        return real(config, **kwargs)

    monkeypatch.setattr(rac_tn.analysis.sweeps, "sweep_row", fails_at_length_4)
    out = tmp_path / "t.csv"
    assert main([*TABLE, "-o", str(out), "--quiet"]) == 2  # no status lines: the error only
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "\x1b" not in err, err
    assert err.startswith("rac-tn table: error: configuration 1 failed")
    assert "MemoryError: cannot allocate\\n\\x1b[2Jforged line" in err
    assert "1 of 6 rows finished; wrote 1 row to" in err
    assert [(r["L"], r["T"]) for r in _csv_rows(out)] == [("1", "2")]


def test_a_failing_row_with_nothing_finished_says_so(capsys, monkeypatch):
    def fails(config, **kwargs):
        raise ValueError("no")

    monkeypatch.setattr(rac_tn.analysis.sweeps, "sweep_row", fails)
    assert main(TABLE) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "0 of 6 rows finished; nothing written" in err


def test_analyze_keeps_the_report_when_its_folder_disappears(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "results"
    folder.mkdir()
    real = rac_tn.analysis.reports.analyze

    def analyze_then_remove_the_folder(*args, **kwargs):
        report = real(*args, **kwargs)
        folder.rmdir()
        return report

    monkeypatch.setattr(rac_tn.analysis.reports, "analyze", analyze_then_remove_the_folder)
    args = ["analyze", "--length", "4", "--format", "json", "-o", str(folder / "r.json"), "-q"]
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "cannot write" in err, err
    saved = Path(err.split("the report is in ")[1].strip())
    try:
        assert '"separation rank"' in saved.read_text() or '"ranks"' in saved.read_text()
    finally:
        saved.unlink()


def test_a_table_whose_folder_disappears_goes_to_a_temporary_file(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "results"
    folder.mkdir()
    real = rac_tn.analysis.sweeps.sweep

    def sweep_then_remove_the_folder(*args, **kwargs):
        rows = real(*args, **kwargs)
        folder.rmdir()
        return rows

    monkeypatch.setattr(rac_tn.analysis.sweeps, "sweep", sweep_then_remove_the_folder)
    assert main([*TABLE, "-o", str(folder / "t.csv")]) == 1
    err = capsys.readouterr().err
    saved = Path(err.split("the table is in ")[1].splitlines()[0].strip())
    try:
        assert len(_csv_rows(saved)) == 6
    finally:
        saved.unlink()


# -- in a real process on a terminal ----------------------------------------------------------


def _start(command, tmp_path):
    """``python -m rac_tn COMMAND`` in a new session, stderr on a pty: (process, pty fd)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rac_tn", *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
        start_new_session=True,
        cwd=tmp_path,
    )
    os.close(slave)
    return proc, master


def _finish(proc, master, text):
    """Wait for ``proc``; everything it and its workers printed; kill it if it hangs."""
    try:
        status = proc.wait(timeout=20)
        return status, drain(master, text)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)


def _starting_worker(pid):
    """A worker of ``pid`` whose Python catches SIGINT and does not ignore it yet: up and
    importing, before any initializer ran (the window of the old bug), or None."""
    bit = 1 << (signal.SIGINT - 1)
    for child in descendants(pid):
        if "spawn_main" in cmdline(child):
            masks = signal_masks(child)
            if masks.get("SigCgt", 0) & bit and not masks.get("SigIgn", 0) & bit:
                return child
    return None


@pytest.mark.slow
def test_ctrl_c_while_the_workers_start_prints_no_traceback(tmp_path):
    """A terminal's Ctrl-C reaches every process of the group, workers still importing their
    modules included (before any initializer runs). They start with SIGINT blocked, so none
    prints a KeyboardInterrupt traceback; the command stops, exit 130, no process left.

    The signal is sent exactly in that window: once a worker's Python has installed its
    KeyboardInterrupt handler (SigCgt) and before it ignores SIGINT (SigIgn); to the worker
    alone first (without the fix it dies there with a traceback, every time), then to the
    whole group."""
    if cores() < 2:
        pytest.skip("one core: rac-tn table --jobs 2 runs serially, without workers")
    out = tmp_path / "t.csv"
    proc, master = _start([*TABLE, "--depth", "3", "--jobs", "2", "-o", str(out)], tmp_path)
    worker = None
    deadline = time.monotonic() + 60
    try:
        while worker is None and time.monotonic() < deadline and proc.poll() is None:
            worker = _starting_worker(proc.pid)
            time.sleep(0.002)
        assert worker is not None, "no starting worker seen"
        os.kill(worker, signal.SIGINT)  # the worker alone first: it must not notice
        time.sleep(1.0)
        assert alive([worker]) == [worker], "a starting worker died of Ctrl-C"
        children = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # then the whole group, as a terminal sends it
    finally:
        status, text = _finish(proc, master, "")
    assert status == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert "rac-tn table: interrupted" in text
    deadline = time.monotonic() + 5
    while alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(children) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_right_after_the_last_row_keeps_every_row(tmp_path, signum):
    """The signal is sent as soon as the bar shows N/N (the pool is shutting down; in the
    issue 8 of 8 such runs lost the file), then once more: every row is written, no
    traceback, and the command exits 128 + signal (or 0 if it had finished)."""
    out = tmp_path / "t.csv"
    proc, master = _start([*TABLE, "--jobs", "2", "-o", str(out)], tmp_path)
    try:
        text, match = read_until(master, r"(?<!\d)6/6\b", "", timeout=120)
        assert match, text
        os.killpg(proc.pid, signum)
        time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signum)  # the second Ctrl-C: quiet
    finally:
        status, text = _finish(proc, master, text)
    assert status in (0, 128 + signum), text
    assert "Traceback" not in text and "Exception ignored" not in text, text
    rows = _csv_rows(out)
    assert len(rows) == 6 and all(row["separation_rank"] for row in rows)
