"""Run the whole benchmark suite; print the results, or write them to ``--out``.

From the repository root::

    python benchmarks/run_all.py --out benchmarks/RESULTS.md   # every row, ~15 min on 2 cores
    python benchmarks/run_all.py --quick        # small sizes, 2 repetitions: a smoke test
    python benchmarks/run_all.py --out /tmp/R.md --rows 3,4

The committed ``benchmarks/RESULTS.md`` is rewritten only when ``--out`` names it: without
``--out`` the results go to stdout.

Rows (one module each; every module also runs alone):

1. grid tensor, ``method='auto'`` vs the strongest short numpy code (a meet-in-the-middle at
   L = 1, the prefix sweep above), a plain vectorised numpy brute force and quimb
   (``bench_gridtensor.py``);
2. structured contraction path vs cotengra's best tree with a fixed search budget
   (``bench_paths.py``);
3. symmetric cut bound at L = 8, T up to 4096, its growth exponent, and L = 32 at T = 10^5
   (``bench_cuts.py``);
4. network cut bound on copy trees of 10^4 and 10^5 tensors (``bench_cuts.py``);
5. exact separation rank: the largest exact rank in 60 s against the K^3/3 floor (one LU), the
   default call against a prefix-shared naive numpy + python-flint route at the same prime,
   threads and process, and numpy's SVD count as a correctness check (``bench_rank.py``);
6. peak memory of the methods of rows 1 and 5, from the OS (``bench_memory.py``);
7. the kernels a default ``separation_rank`` call runs, against the one-core float64 GEMM
   rate (``bench_kernels.py``);
8. the depth-3 Start-End rank, certified by the End span, against one K x K float64 product
   and the K^3/3 LU floor, and (2, 2, 3) certified at T = 32 (``bench_depth3.py``).
9. the thread count a large exact rank chooses, on a quiet and on a loaded machine, against one
   thread and every core, each call in a fresh process (``bench_threads.py``).
10. the second-order families' sampled rank on their own layers, with and without affine terms,
    against their RAC equivalent's route and a RAC of the same sizes at the same sample count
    (``bench_families.py``).

BLAS is pinned to one thread by the environment (``OPENBLAS_NUM_THREADS=1`` etc., set before
numpy loads and inherited by every child process). Rows that time the library set the thread
count per measurement instead (``_threads.py``: BLAS by threadpoolctl, numba, FLINT) and show
one thread and the default count (every core) side by side, a baseline always on the same
threads as the library call it is compared with; row 5's reach runs are default calls in
fresh processes on every core. Each row states its floor (what the machine cannot beat, and
which operation count it uses) and how far each method is from it. Every baseline's result is
checked against the library's in the benchmark (it fails otherwise).

Every timing is the median of 5 repetitions (2 with ``--quick``), except: a call longer than
20 s ends the repetitions (the table shows '(1 run)' or the runs made), quimb's first call is
stopped after 30 s (a lower bound), and row 5's reach runs are single runs (stated there).
Ratios are measured side by side in the same run. Timings depend on the machine and its load:
the load average is recorded at the start, after each row and at the end (it includes this
suite's own processes: cotengra searches on 2 workers). No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path

# pin BLAS threads before numpy loads (children inherit it): ratios stop swinging with load
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cuts  # noqa: E402
import bench_depth3  # noqa: E402
import bench_families  # noqa: E402
import bench_gridtensor  # noqa: E402
import bench_kernels  # noqa: E402
import bench_memory  # noqa: E402
import bench_paths  # noqa: E402
import bench_rank  # noqa: E402
import bench_threads  # noqa: E402
from _suite import BENCH_DIR, RowResult, floors_table, targets_table  # noqa: E402

PACKAGES = [
    ("numpy", "numpy"),
    ("quimb", "quimb"),
    ("cotengra", "cotengra"),
    ("networkx", "networkx"),
    ("scipy", "scipy"),
    ("python-flint", "python-flint"),
    ("numba", "numba"),
]


def machine() -> list[str]:
    """Date, CPU, cores, RAM, load, Python and package versions, as markdown bullet lines."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    versions = []
    for label, dist in PACKAGES:
        try:
            versions.append(f"{label} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{label} (not installed)")
    try:
        import numpy as np

        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_text = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - numpy's config layout varies across versions
        blas_text = "unknown"
    commit = _git_commit()
    return [
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {cpu}, {os.cpu_count()} cores, {ram} RAM, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); "
        + ", ".join(versions)
        + f"; BLAS: {blas_text}",
        f"- rac_tn: {commit}",
    ]


def _git_commit() -> str:
    """The checked-out commit (read only), and whether the tree has local changes."""
    root = BENCH_DIR.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown commit"
    return f"commit {head}" + (" with uncommitted changes" if dirty else "")


def main(argv: list[str] | None = None) -> Path | None:
    """Run the rows asked for; write the markdown to ``--out`` (return it) or print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repetitions")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="markdown file to write (benchmarks/RESULTS.md to rewrite the committed "
        "results); default: print to stdout",
    )
    parser.add_argument(
        "--rows", default="1,2,3,4,5,6,7,8,9,10", help="comma-separated rows to run (default: all)"
    )
    args = parser.parse_args(argv)
    wanted = {int(r) for r in args.rows.split(",") if r.strip()}
    if not wanted <= set(range(1, 11)):
        parser.error(f"--rows must list numbers among 1..10, got {args.rows!r}")
    warnings.filterwarnings("ignore", message=".*kahypar.*")  # optional cotengra extra
    quick, reps = args.quick, 2 if args.quick else 5
    load_start = os.getloadavg()
    begin = time.perf_counter()
    header = machine()
    runners = [
        (1, lambda: bench_gridtensor.run(quick=quick, reps=reps, memory_children=6 in wanted)),
        (2, lambda: bench_paths.run(quick=quick, reps=reps)),
        (3, lambda: bench_cuts.run_symmetric(quick=quick, reps=reps)),
        (4, lambda: bench_cuts.run_network(quick=quick, reps=reps)),
        (5, lambda: bench_rank.run(quick=quick, reps=reps, memory_children=6 in wanted)),
        (7, lambda: bench_kernels.run(quick=quick, reps=reps)),
        (8, lambda: bench_depth3.run(quick=quick, reps=reps)),
        (9, lambda: bench_threads.run(quick=quick, reps=reps)),
        (10, lambda: bench_families.run(quick=quick, reps=reps)),
    ]
    results: dict[int, RowResult] = {}
    for number, runner in runners:
        if number in wanted or (number in (1, 5) and 6 in wanted):
            print(f"row {number} ...", file=sys.stderr, flush=True)
            results[number] = runner()
            results[number].load = os.getloadavg()[0]
            print(f"row {number}: {results[number].seconds:.0f} s", file=sys.stderr, flush=True)
    if 6 in wanted:
        memory = [
            (number, case, method, child)
            for number in (1, 5)
            for case, method, child in results[number].data["memory"]
        ]
        results[6] = bench_memory.run(memory)
    rows = [results[n] for n in sorted(results) if n in wanted]
    total = time.perf_counter() - begin
    load_end = os.getloadavg()
    mode = "quick (smoke test: small sizes, 2 repetitions)" if quick else "full"
    lines = [
        "# rac_tn benchmark results",
        "",
        "Written by `python benchmarks/run_all.py"
        + (" --quick" if quick else "")
        + " --out ...`; do not edit by hand.",
        "",
        *header,
        f"- Run: {mode}; rows {', '.join(str(r.number) for r in rows)}; total wall time "
        f"{total:.0f} s; load average (1 min) {load_start[0]:.2f} at the start, "
        f"{load_end[0]:.2f} at the end (other processes skew timings).",
        "",
        f"Timings: wall clock, median of {reps} repetitions, except where a call took over "
        "20 s: no further repetitions were made, and the table says so ('(1 run)', or the "
        "list of runs made). Row 5's reach runs are single runs (stated there). Ratios are "
        "measured side by side in this run. Each row ends with the load average at its end.",
        "",
        "## Targets",
        "",
        targets_table(rows, quick=quick).markdown(),
        "",
        "## Floors",
        "",
        floors_table(rows).markdown(),
        "",
    ]
    for row in rows:
        lines += [row.markdown(), ""]
    if args.out is None:
        sys.stdout.write("\n".join(lines))
        print(f"printed the results in {total:.0f} s (--out FILE writes them)", file=sys.stderr)
        return None
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out} in {total:.0f} s", file=sys.stderr)
    return args.out


if __name__ == "__main__":
    main()
