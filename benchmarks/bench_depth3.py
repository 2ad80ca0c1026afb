"""Row 8: the depth-3 Start-End rank against one K x K float64 product, and (2, 2, 3) at T = 32.

Run alone: ``python benchmarks/bench_depth3.py [--quick]`` (prints the row's markdown).

- *depth-3 rank*: ``separation_rank(RAC.random(2, 2, depth=3, seed=0, integer=True),
  start_end(28), seed=2)``, the default call: sampled K x K evaluations modulo a random prime,
  certified by the End-span bound of these weights (relations among the End polynomials found
  modulo primes, lifted to Q and verified exactly), so no second attempt with a 62-bit prime.
- *one K x K float64 product*: ``A @ B`` with K the rank found (K^3 multiply-adds), in the
  same process and run; and the LU floor, K^3 / 3 multiply-adds at that product's rate.
- *T = 32*: the same model at ``start_end(32)``, one call (a certified rank is required).

The rank and the product are timed on one thread (BLAS by threadpoolctl, numba, FLINT: the
target compares one core with one core) and at the default thread count (every core), side by
side, repetitions interleaved (:mod:`_threads`). Medians of ``min(reps, 3)`` calls after one
untimed call (kernels compiled).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS pinned (effective when imported first)

import numpy as np  # noqa: E402
from _suite import RowResult, Table, Target, ratio_text, seconds_text  # noqa: E402
from _threads import default_threads, interleaved, thread_count  # noqa: E402

from rac_tn import RAC, start_end  # noqa: E402
from rac_tn.exact.rank import separation_rank  # noqa: E402

RATIO_TARGET = 5.0  # the depth-3 rank within 5x one K x K float64 product
LIMIT = 60.0  # seconds: (2, 2, 3) certified at T = 32


def _model() -> RAC:
    return RAC.random(2, 2, depth=3, seed=0, integer=True)


def run(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    rac = _model()
    T, T_big = (12, 16) if quick else (28, 32)
    with thread_count(1):
        result = separation_rank(rac, start_end(T), seed=2)  # kernels compiled; K
    K = result.rank
    rng = np.random.default_rng(0)
    A, B = rng.random((K, K)), rng.random((K, K))
    fns = {}
    for n in (1, None):
        fns[("rank", n)] = (lambda: separation_rank(rac, start_end(T), seed=2), n)
        fns[("gemm", n)] = (lambda: A @ B, n)
    t, outputs = interleaved(fns, min(reps, 3))  # 12 calls of seconds each at most
    for n in (1, None):
        if outputs[("rank", n)].rank != K:
            raise AssertionError("the rank changed with the thread count")
    ratio = {n: t[("rank", n)].value / t[("gemm", n)].value for n in (1, None)}
    lu = {n: t[("gemm", n)].value / 3 for n in (1, None)}  # K^3 / 3 at the product's rate
    with thread_count(1):
        start = time.perf_counter()
        big = separation_rank(rac, start_end(T_big), seed=2)
        big_seconds = time.perf_counter() - start
    cores = default_threads()
    rows = [
        [f"rank, M = R = 2, L = 3, T = {T}", f"{K} ({result.status})", str(t[("rank", 1)]),
         str(t[("rank", None)])],
        [f"one {K} x {K} float64 product (K^3 multiply-adds)", "", str(t[("gemm", 1)]),
         str(t[("gemm", None)])],
        ["LU floor: K^3 / 3 multiply-adds at the product's rate", "", seconds_text(lu[1]),
         seconds_text(lu[None])],
        ["rank / one product", "", ratio_text(ratio[1]), ratio_text(ratio[None])],
        ["rank / LU floor", "", ratio_text(t[("rank", 1)].value / lu[1]),
         ratio_text(t[("rank", None)].value / lu[None])],
        [f"rank, T = {T_big} (1 run)", f"{big.rank} ({big.status})", seconds_text(big_seconds),
         "not run"],
    ]  # fmt: skip
    targets = [
        Target(
            f"depth-3 Start-End rank (2, 2, 3, T = {T}) / one K x K float64 product (K = {K}), "
            f"1 thread ({cores} threads: {ratio_text(ratio[None])})",
            ratio_text(ratio[1]),
            f"<= {RATIO_TARGET:g}x",
            ratio[1] <= RATIO_TARGET and result.certified,
        ),
        Target(
            f"(2, 2, 3) certified at T = {T_big}, 1 thread",
            seconds_text(big_seconds) + ("" if big.certified else " (not certified)"),
            f"< {LIMIT:g} s, certified",
            big.certified and big_seconds < LIMIT,
        ),
    ]
    return RowResult(
        8,
        "depth-3 exact ranks, certified by the End span",
        __doc__.split("\n\n", 2)[2].split("\n\nThe rank and the product")[0],
        [Table(["what", "rank", "1 thread", f"{cores} threads"], rows)],
        targets,
        notes=[
            "Threads: each column's count set for BLAS (threadpoolctl), numba and FLINT alike.",
            f"End span of the T = {T} rank: "
            + (
                "none"
                if result.end_span is None
                else f"{result.end_span.monomials} monomials - {result.end_span.relations} "
                f"relations ({result.end_span.note})"
            ),
        ],
        seconds=time.perf_counter() - begin,
        floor=f"one LU of a {K} x {K} matrix, K^3 / 3 multiply-adds at the float64 product's "
        f"rate: {seconds_text(lu[1])} on one core; the rank takes "
        f"{ratio_text(t[('rank', 1)].value / lu[1])} that (and {ratio_text(ratio[1])} one "
        f"K x K product, K^3 multiply-adds)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    sys.exit(main())
