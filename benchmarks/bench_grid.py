"""Grid-tensor benchmark: ``grid_tensor(method='auto')`` against ``'brute'`` and quimb.

Run from the repository root::

    python benchmarks/bench_grid.py            # median of 5 repetitions
    python benchmarks/bench_grid.py --reps 9
    python benchmarks/bench_grid.py --no-quimb  # seconds instead of many minutes

Most of the run time is quimb's auto-hq path search on the 3,058-tensor L = 3 network (minutes
per first call on a 2-core machine).

For each shape it times (median of ``--reps`` runs, wall clock; every method but quimb gets
one untimed warm-up call first):

- ``auto``: ``rac_tn.grid_tensor(rac, T, method='auto')``;
- ``brute``: ``method='brute'``, batched ``rac.forward`` over all ``N^T`` sequences;
- ``network``: ``method='network'`` on a compiled network, the compiler's structured path;
- ``quimb auto-hq``: ``net.tn.contract(all, optimize='auto-hq', output_inds=...)`` on the
  compiled network, a *first* call every time: cotengra's path and expression caches and the
  auto-hq optimiser (with its reusable tree cache) are cleared before each run, so the time
  includes the path search.

It prints a markdown table (and the largest relative deviation between the methods). No
asserts: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable

import cotengra as ctg
import cotengra.interface
import cotengra.presets
import numpy as np
import quimb.tensor.contraction

from rac_tn import RAC
from rac_tn.network import compile_rac
from rac_tn.network.grid_tensor import grid_tensor

CASES = [  # (M, R, L, T)
    (2, 8, 1, 20),
    (2, 4, 2, 16),
    (2, 3, 3, 16),
]


def median_time(
    fn: Callable[[], object], reps: int, *, warmup: bool = True
) -> tuple[float, object]:
    """Median wall time of ``reps`` calls (after one untimed call when ``warmup``)."""
    if warmup:
        fn()
    times, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def clear_quimb_path_caches() -> None:
    """Make the next ``optimize='auto-hq'`` contraction a first call (path search included)."""
    cotengra.interface._PATH_CACHE.clear()
    cotengra.interface._CONTRACT_EXPR_CACHE.clear()
    cotengra.presets.get_auto_hq_optimizer.cache_clear()  # drops its ReusableHyperOptimizer
    quimb.tensor.contraction.inds_to_eq.cache_clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per timing (>= 5)")
    parser.add_argument("--no-quimb", action="store_true", help="skip quimb's auto-hq column")
    args = parser.parse_args(argv)
    reps = max(5, args.reps)
    warnings.filterwarnings("ignore", message=".*kahypar.*")  # optional cotengra extra

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, cotengra "
        f"{ctg.__version__}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"median of {reps} runs (after one warm-up, except quimb), milliseconds\n"
    )
    header = (
        "| M | R | L | T | N^T | tensors | auto | brute | network | quimb auto-hq (1st call) "
        "| brute / auto | quimb / auto | max rel. diff |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for M, R, L, T in CASES:
        rac = RAC.random(M, R, depth=L, seed=0)
        t_auto, A = median_time(lambda: grid_tensor(rac, T, method="auto"), reps)  # noqa: B023
        t_brute, B = median_time(lambda: grid_tensor(rac, T, method="brute"), reps)  # noqa: B023
        net = compile_rac(rac, T)
        t_net, Nw = median_time(lambda: grid_tensor(net, method="network"), reps)  # noqa: B023
        output_inds = net.input_inds + net.output_inds

        def quimb_first_call():
            clear_quimb_path_caches()
            return net.tn.contract(all, optimize="auto-hq", output_inds=output_inds)  # noqa: B023

        results = [A, Nw]
        if args.no_quimb:
            t_quimb = float("nan")
        else:
            t_quimb, Q = median_time(quimb_first_call, reps, warmup=False)
            results.append(np.asarray(Q.data if hasattr(Q, "data") else Q).reshape(A.shape))
        diff = max(np.max(np.abs(X - B)) for X in results) / np.max(np.abs(B))
        skipped = args.no_quimb
        quimb_ms = "skipped" if skipped else f"{1e3 * t_quimb:.0f}"
        quimb_ratio = "-" if skipped else f"{t_quimb / t_auto:.0f}x"
        print(
            f"| {M} | {R} | {L} | {T} | {M**T:,} | {net.num_tensors:,} | "
            f"{1e3 * t_auto:.2f} | {1e3 * t_brute:.1f} | {1e3 * t_net:.1f} | "
            f"{quimb_ms} | {t_brute / t_auto:.0f}x | {quimb_ratio} | "
            f"{diff:.1e} |"
        )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other processes skew timings)")


if __name__ == "__main__":
    main()
