"""Shared pieces of the benchmark suite: timing, peak memory in a fresh process, tables.

- :func:`measure`: median wall time of ``reps`` calls (after an untimed warm-up call), or a
  single run when one call takes longer than ``SINGLE_RUN_SECONDS`` (the table then says so).
- :func:`run_child`: run one measured callable in a fresh Python process (this file, invoked as
  ``python benchmarks/_suite.py child SPEC``). The child times it with :func:`measure` and reads
  its own peak resident set size from the OS (``VmHWM`` in ``/proc/self/status``) before the
  first call (imports and set-up only) and after the last, so each method's peak is its own,
  never a maximum over earlier measurements. (``getrusage(RUSAGE_SELF).ru_maxrss`` would not
  do: Linux carries it across fork and exec, so a child started by a large parent starts with
  the parent's peak.) Helper processes the call leaves running (cotengra's search pool) are
  read the same way (``/proc/PID/status``).
- :class:`Table` / :class:`RowResult`: what a row hands to ``run_all.py`` for RESULTS.md.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import InvalidStateError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SINGLE_RUN_SECONDS = 20.0  # a call longer than this is measured once (and reported as such)
_MARKER = "BENCH-RESULT:"


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Timing:
    """Wall times of the timed calls and how the measurement ended.

    ``value`` is what the tables and ratios use. When every repetition ran, it is their median;
    a run stopped at the time cap counts as its elapsed time, a lower bound, so the median is
    exact unless it falls on a stopped run (then ``lower_bound``). When a run took over
    ``SINGLE_RUN_SECONDS`` before the last repetition and no more were made (``cut_short``), it
    is the fastest completed run (the conservative choice when this is the alternative we
    compare against), or the cap if every run was stopped (``lower_bound``).
    """

    times: list[float]
    warmup: float | None = None  # the untimed warm-up call, if any
    stopped: list[bool] = field(default_factory=list)  # run stopped at the time cap
    cut_short: bool = False  # a run went over SINGLE_RUN_SECONDS: no further runs

    def __post_init__(self) -> None:
        if not self.stopped:
            self.stopped = [False] * len(self.times)

    @property
    def completed(self) -> list[float]:
        return [t for t, s in zip(self.times, self.stopped) if not s]

    def _middle(self) -> list[tuple[float, bool]]:
        ordered = sorted(zip(self.times, self.stopped))
        n = len(ordered)
        return ordered[(n - 1) // 2 : n // 2 + 1]

    @property
    def lower_bound(self) -> bool:
        """True when ``value`` is only a lower bound (it comes from a stopped run)."""
        if self.cut_short:
            return not self.completed
        return any(stopped for _, stopped in self._middle())

    @property
    def value(self) -> float:
        if self.cut_short:
            return min(self.completed) if self.completed else min(self.times)
        return statistics.median(self.times)

    def __str__(self) -> str:
        head = ("> " if self.lower_bound else "") + seconds_text(self.value)
        if not self.cut_short and not any(self.stopped):
            return head
        runs = ", ".join(
            f"> {seconds_text(t)} (stopped)" if s else seconds_text(t)
            for t, s in zip(self.times, self.stopped)
        )
        if len(self.times) == 1:
            return f"{runs} (1 run)"
        how = "fastest of" if self.cut_short else "median of"
        return f"{head} ({how} {len(self.times)} runs: {runs})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "times": self.times,
            "warmup": self.warmup,
            "stopped": self.stopped,
            "cut_short": self.cut_short,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timing:
        return cls(
            list(data["times"]),
            data.get("warmup"),
            list(data.get("stopped", [])),
            bool(data.get("cut_short", False)),
        )


class _CallStopped(Exception):
    """Raised in the measured call by the time cap's alarm."""


def _stop_call(signum: int, frame: object) -> None:
    raise _CallStopped


def measure(
    fn: Callable[[], object],
    reps: int,
    *,
    warmup: bool = True,
    single_over: float = SINGLE_RUN_SECONDS,
    after: Callable[[], object] | None = None,
    cap: float | None = None,
) -> tuple[Timing, object]:
    """Time ``reps`` calls of ``fn``; returns the :class:`Timing` and the last result.

    With ``warmup`` one untimed call comes first (JIT, caches, page faults). A call longer than
    ``single_over`` seconds ends the measurement (``cut_short``; a long warm-up is then kept as
    the single measurement). ``cap`` (seconds, main thread only) stops a call by SIGALRM: the
    run counts as "over cap". ``after`` runs after every call, untimed.
    """
    times: list[float] = []
    stopped: list[bool] = []
    result = None

    def call() -> tuple[float, bool]:
        nonlocal result
        if cap is not None:
            previous = signal.signal(signal.SIGALRM, _stop_call)
            signal.setitimer(signal.ITIMER_REAL, cap)
        begin = time.perf_counter()
        halted = False
        try:
            result = fn()
        except _CallStopped:
            halted = True
        finally:
            elapsed = time.perf_counter() - begin
            if cap is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        if after is not None:
            after()
        return elapsed, halted

    first = None
    if warmup:
        first, halted = call()
        if first > single_over or halted:
            return Timing([first], None, [halted], True), result
    for rep in range(reps):
        elapsed, halted = call()
        times.append(elapsed)
        stopped.append(halted)
        if (elapsed > single_over or halted) and rep < reps - 1:
            return Timing(times, first, stopped, True), result
    return Timing(times, first, stopped, False), result


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    """One call: ``(result, seconds)``."""
    begin = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - begin


def seconds_text(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def ratio_text(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}x"
    if value >= 10:
        return f"{value:.1f}x"
    return f"{value:.2f}x"


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


# -- cotengra: first calls ----------------------------------------------------------------------


def clear_quimb_path_caches() -> None:
    """Make the next ``optimize='auto-hq'`` contraction a first call (as bench_grid.py does)."""
    import cotengra.interface
    import cotengra.presets
    import quimb.tensor.contraction

    cotengra.interface._PATH_CACHE.clear()
    cotengra.interface._CONTRACT_EXPR_CACHE.clear()
    cotengra.presets.get_auto_hq_optimizer.cache_clear()  # drops its ReusableHyperOptimizer
    quimb.tensor.contraction.inds_to_eq.cache_clear()


def stop_cotengra_pool() -> None:
    """Kill the worker processes of cotengra's search pool (untimed, after a search).

    auto-hq searches in a process pool (``parallel='auto'``: concurrent.futures here, as loky
    is not installed). When the search stops it cancels the queued trials, but trials already
    running in the workers go on, for minutes on the 3,058-tensor network: they would slow the
    next repetition and hold the process at exit. Killing the pool's own workers (by their
    process objects) makes every search start from a fresh forked pool, as in a new session.
    """
    from cotengra import parallel

    handler = getattr(parallel, "ProcessPoolHandler", None)
    pool = getattr(handler, "_pool", None)
    if pool is None:
        return
    if threading.excepthook is not _quiet_cancelled_futures:
        threading.excepthook = _quiet_cancelled_futures
    workers = list(getattr(pool, "_processes", {}).values())
    for proc in workers:
        proc.kill()
    for proc in workers:
        proc.join()
    pool.shutdown(wait=True, cancel_futures=True)
    handler._pool, handler._n_workers, handler._pid = None, -1, None


_default_excepthook = threading.excepthook


def _quiet_cancelled_futures(args: threading.ExceptHookArgs) -> None:
    # Python 3.11's pool manager thread, finding its workers gone, sets an exception on every
    # pending future, and raises InvalidStateError on those cotengra had cancelled: harmless
    # here (nothing waits on them), so not printed.
    if isinstance(args.exc_value, InvalidStateError):
        return
    _default_excepthook(args)


# -- peak memory in a fresh process ----------------------------------------------------------


def _own_peak_mib() -> float:
    """Peak RSS of this process image (VmHWM: reset by exec, unlike ``ru_maxrss``)."""
    peak = _peak_mib(os.getpid())
    if peak is None:  # not Linux: fall back on getrusage (kB on Linux, bytes on macOS)
        import resource

        scale = 1024.0**2 if sys.platform == "darwin" else 1024.0
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    return peak


def _descendants(pid: int) -> list[int]:
    """Live descendant processes, from ``/proc/PID/task/*/children`` (Linux)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.append(kid)
                    todo.append(kid)
    return found


def _peak_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


@dataclass
class ChildResult:
    """What a measured child process reports."""

    timing: Timing
    baseline_mib: float  # peak RSS after imports and set-up, before the first call
    peak_mib: float  # peak RSS at the end (every call included)
    helpers_mib: list[float] = field(default_factory=list)  # peak RSS of helper processes
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def call_mib(self) -> float:
        """Peak growth caused by the calls: ``peak - baseline``."""
        return self.peak_mib - self.baseline_mib


def run_child(
    module: str,
    factory: str,
    kwargs: dict[str, Any],
    *,
    reps: int,
    warmup: bool = True,
    save: str | None = None,
    cap: float | None = None,
    timeout: float = 900.0,
) -> ChildResult:
    """Time ``benchmarks/<module>.<factory>(**kwargs)()`` in a fresh process.

    ``factory`` does the set-up and returns the zero-argument callable to measure (set-up is
    outside the timing and inside the baseline memory). With ``save``, the child writes the
    last result (a numpy array) to that ``.npy`` path; a dict result comes back as ``info``.
    ``cap`` stops any call after that many seconds (see :func:`measure`).
    """
    spec = {
        "module": module,
        "factory": factory,
        "kwargs": kwargs,
        "reps": reps,
        "warmup": warmup,
        "save": save,
        "cap": cap,
    }
    proc = subprocess.run(
        [sys.executable, str(BENCH_DIR / "_suite.py"), "child", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=BENCH_DIR.parent,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith(_MARKER)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"benchmark child {module}.{factory}({kwargs}) failed (exit {proc.returncode}):\n"
            f"{proc.stderr[-3000:]}"
        )
    data = json.loads(lines[-1][len(_MARKER) :])
    return ChildResult(
        timing=Timing.from_dict(data["timing"]),
        baseline_mib=data["baseline_mib"],
        peak_mib=data["peak_mib"],
        helpers_mib=data["helpers_mib"],
        info=data["info"],
    )


def allocate(mib: int) -> Callable[[], float]:
    """Calibration task for :func:`run_child`: each call fills a fresh ``mib`` MiB array, so the
    measured growth of the peak should be ``mib`` MiB."""
    import numpy as np

    def fill() -> float:
        block = np.ones(mib << 17)  # 2**17 float64 = 1 MiB, every page written
        return float(block[-1])

    return fill


def _child_main(spec_json: str) -> None:
    import warnings

    import numpy as np

    warnings.filterwarnings("ignore", message=".*kahypar.*")  # optional cotengra extra
    spec = json.loads(spec_json)
    sys.path.insert(0, str(BENCH_DIR))
    fn = getattr(importlib.import_module(spec["module"]), spec["factory"])(**spec["kwargs"])
    baseline = _own_peak_mib()
    helpers: list[float] = []

    def after() -> None:
        # read the helper processes' peaks before the call's clean-up ends them
        nonlocal helpers
        found = [p for p in map(_peak_mib, _descendants(os.getpid())) if p is not None]
        if sum(found) > sum(helpers):
            helpers = found
        cleanup = getattr(fn, "cleanup", None)
        if cleanup is not None:
            cleanup()

    timing, result = measure(
        fn, spec["reps"], warmup=spec["warmup"], after=after, cap=spec.get("cap")
    )
    peak = _own_peak_mib()
    for pid in _descendants(os.getpid()):  # anything the call left running (started by us)
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    info: dict[str, Any] = {}
    if isinstance(result, dict):
        info = {k: v for k, v in result.items() if isinstance(v, (int, float, str, bool))}
    save = spec.get("save")
    if save and isinstance(result, np.ndarray):
        np.save(save, result)
    payload = {
        "timing": timing.to_dict(),
        "baseline_mib": baseline,
        "peak_mib": peak,
        "helpers_mib": helpers,
        "info": info,
    }
    print(_MARKER + json.dumps(payload), flush=True)
    sys.stderr.flush()
    # exit now: a search pool's queue feeder thread, its workers killed, can block the
    # interpreter's exit (joining it) forever once the result is out
    os._exit(0)


# -- results and markdown ---------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""

    def markdown(self) -> str:
        lines = []
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Target:
    """One target of a row: what was measured against what was asked."""

    what: str
    measured: str
    target: str
    met: bool | None


@dataclass
class RowResult:
    number: int
    title: str
    intro: str
    tables: list[Table]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float | None = 0.0  # None: measured inside other rows
    data: dict[str, Any] = field(default_factory=dict)  # raw numbers for other rows (memory)
    load: float | None = None  # 1-minute load average when the row ended
    floor: str = ""  # the physical floor of the row and how far the methods are from it

    def markdown(self) -> str:
        parts = [f"## Row {self.number}: {self.title}", "", self.intro.strip(), ""]
        if self.floor:
            parts += [f"**Floor.** {self.floor}", ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        parts += [f"- {note}" for note in self.notes]
        if self.notes:
            parts.append("")
        if self.seconds is None:
            parts.append("Measured inside the rows above (no time of its own).")
        else:
            load = "" if self.load is None else f"; load average at its end {self.load:.2f}"
            parts.append(
                f"Row wall time (set-up and child processes included): {self.seconds:.0f} s{load}."
            )
        return "\n".join(parts)


def floors_table(rows: list[RowResult]) -> Table:
    """One line per row: its physical floor and how far each method is from it."""
    body = [[str(row.number), row.floor or "stated in the row's notes"] for row in rows]
    return Table(["row", "floor, and how far the methods are from it"], body)


def targets_table(rows: list[RowResult], *, quick: bool = False) -> Table:
    """One line per target; with ``quick`` (smaller sizes than the targets') no verdict."""
    body = [
        [str(row.number), t.what, t.measured, t.target, "n/a (quick)" if quick else verdict(t.met)]
        for row in rows
        for t in row.targets
    ]
    return Table(["row", "what", "measured", "target", "verdict"], body)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        _child_main(sys.argv[2])
    else:
        raise SystemExit("usage: python benchmarks/_suite.py child SPEC_JSON (used by run_all)")
