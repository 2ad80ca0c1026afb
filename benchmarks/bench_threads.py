"""Row 9: the thread count a large exact rank chooses, on a quiet and on a loaded machine.

Run alone: ``python benchmarks/bench_threads.py [--quick]`` (prints the row's markdown).

- *the call*: ``separation_rank(RAC.random(4, 4, depth=2, seed=0, integer=True),
  start_end(T), seed=2, max_samples=K, certificates=False)`` with the rank reaching K (the
  cap): K x K pairs and the eliminations of every round, K = 4096 (512 with ``--quick``).
- *columns*: the default call (it watches the cores for 0.1 s and runs on the free ones),
  ``RAC_TN_THREADS=1`` (one thread) and ``RAC_TN_THREADS`` = every core (what the default was
  before). Each call runs in a fresh process whose environment sets no other thread variable;
  the time is the call's own (after a warm-up call that compiles the kernels).
- *loaded*: one process spinning on a core for the whole measurement, as a second job on a
  shared node or CI runner would.

Calls alternate default, one, all; medians of ``reps`` (3 at most) per column and condition.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _suite import RowResult, Table, Target, ratio_text, seconds_text
from _threads import default_threads

HERE = Path(__file__).resolve().parent
LOADED_TARGET = 1.1  # loaded: the default at most 1.1x one thread
QUIET_TARGET = 1.5  # quiet, K >= 4096: the default at least 1.5x faster than one thread

_CALL = """
import json, sys, time
from rac_tn import RAC, start_end
from rac_tn.exact.rank import separation_rank
from rac_tn._threads import free_core_threads
T, K = int(sys.argv[1]), int(sys.argv[2])
rac = RAC.random(4, 4, depth=2, seed=0, integer=True)
separation_rank(rac, start_end(8), seed=1, certificates=False)  # compile the kernels
chosen = []
import rac_tn.exact.rank as rank_module
real = rank_module.free_core_threads
def watched(enabled=True):
    context = real(enabled)
    class Spy:
        def __enter__(self):
            chosen.append(context.__enter__())
            return chosen[-1]
        def __exit__(self, *exc):
            return context.__exit__(*exc)
    return Spy()
rank_module.free_core_threads = watched
begin = time.perf_counter()
result = separation_rank(rac, start_end(T), seed=2, max_samples=K, certificates=False)
print(json.dumps({"seconds": time.perf_counter() - begin, "rank": result.rank,
                  "samples": result.samples, "threads": chosen[-1]}))
"""


def _call(T: int, K: int, threads: int | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env.pop("RAC_TN_THREADS", None)
    env.pop("RAC_TN_FLINT_THREADS", None)
    if threads is not None:
        env["RAC_TN_THREADS"] = str(threads)
    out = subprocess.run(
        [sys.executable, "-c", _CALL, str(T), str(K)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure(T: int, K: int, reps: int) -> dict[str, list[dict]]:
    columns = {"default": None, "one": 1, "all": default_threads()}
    runs: dict[str, list[dict]] = {name: [] for name in columns}
    for _ in range(reps):
        for name, threads in columns.items():
            run = _call(T, K, threads)
            if run["samples"] != K or run["rank"] != K:
                raise AssertionError(f"the rank did not reach the cap K = {K}: {run}")
            runs[name].append(run)
    return runs


def run(*, quick: bool = False, reps: int = 3) -> RowResult:
    begin = time.perf_counter()
    T, K = (20, 512) if quick else (34, 4096)
    reps = min(reps, 3)
    quiet = _measure(T, K, reps)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)  # the spinner is running before the first call watches the cores
        loaded = _measure(T, K, reps)
    finally:
        spinner.kill()
        spinner.wait()
    cores = default_threads()

    def median(runs: list[dict]) -> float:
        return statistics.median(r["seconds"] for r in runs)

    rows = []
    for label, runs in (("quiet", quiet), ("loaded (1 core spinning)", loaded)):
        chosen = sorted({str(r["threads"] or "unchanged") for r in runs["default"]})
        rows.append(
            [
                label,
                seconds_text(median(runs["default"])) + f" (threads: {'/'.join(chosen)})",
                seconds_text(median(runs["one"])),
                seconds_text(median(runs["all"])),
                ratio_text(median(runs["one"]) / median(runs["default"])),
            ]
        )
    quiet_gain = median(quiet["one"]) / median(quiet["default"])
    loaded_cost = median(loaded["default"]) / median(loaded["one"])
    targets = [
        Target(
            f"threads, loaded: default / one thread (K = {K})",
            ratio_text(loaded_cost),
            f"<= {LOADED_TARGET:g}x",
            loaded_cost <= LOADED_TARGET,
        ),
        Target(
            f"threads, quiet: one thread / default (K = {K})",
            ratio_text(quiet_gain),
            f">= {QUIET_TARGET:g}x" + ("" if K >= 4096 else " (at K >= 4096; quick run)"),
            quiet_gain >= QUIET_TARGET if K >= 4096 else None,
        ),
    ]
    every = {
        f"{condition} {name}": [round(r["seconds"], 2) for r in runs]
        for condition, measured in (("quiet", quiet), ("loaded", loaded))
        for name, runs in measured.items()
    }
    return RowResult(
        9,
        "threads chosen by what is free",
        __doc__.split("\n\n", 2)[2].split("\n\nCalls alternate")[0],
        [
            Table(
                ["machine", "default", "1 thread", f"{cores} threads", "1 thread / default"],
                rows,
            )
        ],
        targets,
        notes=[
            f"Every call's seconds: {json.dumps(every)}.",
            "'quiet' is the machine as the run found it: the row's load average says how quiet.",
        ],
        seconds=time.perf_counter() - begin,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(run(quick=args.quick).markdown())


if __name__ == "__main__":
    main()
