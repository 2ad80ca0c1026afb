"""Row 8: the depth-3 Start-End rank against one K x K float64 product, and (2, 2, 3) at T = 32.

Run alone: ``python benchmarks/bench_depth3.py [--quick]`` (prints the row's markdown).

- *depth-3 rank*: ``separation_rank(RAC.random(2, 2, depth=3, seed=0, integer=True),
  start_end(28), seed=2)``, the default call: sampled K x K evaluations modulo a random prime,
  certified by the End-span bound of these weights (relations among the End polynomials found
  modulo primes, lifted to Q and verified exactly), so no second attempt with a 62-bit prime.
- *one K x K float64 product*: ``A @ B`` with K the rank found, in the same process and run.
- *T = 32*: the same model at ``start_end(32)``, one call (a certified rank is required).

Every thread count is pinned to one (BLAS and OpenMP by the environment, numba by
``numba.set_num_threads(1)`` for the row), so the ratio compares one core with one core.
Medians of ``reps`` calls after one untimed call (kernels compiled).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS pinned (effective when imported first)

import numba  # noqa: E402
import numpy as np  # noqa: E402
from _suite import RowResult, Table, Target, measure, ratio_text, seconds_text  # noqa: E402

from rac_tn import RAC, start_end  # noqa: E402
from rac_tn.exact.rank import separation_rank  # noqa: E402

RATIO_TARGET = 5.0  # the depth-3 rank within 5x one K x K float64 product
LIMIT = 60.0  # seconds: (2, 2, 3) certified at T = 32


def _model() -> RAC:
    return RAC.random(2, 2, depth=3, seed=0, integer=True)


def run(*, quick: bool = False, reps: int = 5) -> RowResult:
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return _run(quick, reps)
    finally:
        numba.set_num_threads(threads)


def _run(quick: bool, reps: int) -> RowResult:
    begin = time.perf_counter()
    rac = _model()
    T, T_big = (12, 16) if quick else (28, 32)
    rank_timing, result = measure(lambda: separation_rank(rac, start_end(T), seed=2), reps)
    K = result.rank
    rng = np.random.default_rng(0)
    A, B = rng.random((K, K)), rng.random((K, K))
    gemm_timing, _ = measure(lambda: A @ B, reps)
    ratio = rank_timing.value / gemm_timing.value
    start = time.perf_counter()
    big = separation_rank(rac, start_end(T_big), seed=2)
    big_seconds = time.perf_counter() - start
    rows = [
        [f"rank, M = R = 2, L = 3, T = {T}", f"{K} ({result.status})", str(rank_timing)],
        [f"one {K} x {K} float64 product", "", str(gemm_timing)],
        [f"rank, T = {T_big} (1 run)", f"{big.rank} ({big.status})", seconds_text(big_seconds)],
    ]
    targets = [
        Target(
            f"depth-3 Start-End rank (2, 2, 3, T = {T}) / one K x K float64 product (K = {K})",
            ratio_text(ratio),
            f"<= {RATIO_TARGET:g}x",
            ratio <= RATIO_TARGET and result.certified,
        ),
        Target(
            f"(2, 2, 3) certified at T = {T_big}",
            seconds_text(big_seconds) + ("" if big.certified else " (not certified)"),
            f"< {LIMIT:g} s, certified",
            big.certified and big_seconds < LIMIT,
        ),
    ]
    return RowResult(
        8,
        "depth-3 exact ranks, certified by the End span",
        __doc__.split("\n\n", 2)[2].split("\n\nEvery thread")[0],
        [Table(["what", "rank", "time"], rows)],
        targets,
        notes=[
            "Threads pinned to one: OMP, MKL and OPENBLAS_NUM_THREADS = 1, numba 1 thread.",
            f"End span of the T = {T} rank: "
            + (
                "none"
                if result.end_span is None
                else f"{result.end_span.monomials} monomials - {result.end_span.relations} "
                f"relations ({result.end_span.note})"
            ),
        ],
        seconds=time.perf_counter() - begin,
        floor=f"one {K} x {K} float64 product on one core: {gemm_timing}; the rank takes "
        f"{ratio_text(ratio)} that",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    sys.exit(main())
