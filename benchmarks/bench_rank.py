"""Exact ranks: how far each route reaches (issue 4). Run: ``python benchmarks/bench_rank.py``.

Prints markdown tables:

1. the target: the sampled exact separation rank of (M=4, R=4, L=2, T=20, Start-End), whose
   rank is R ((R, T/2)) = 1144, in under 10 s;
2. for M = R = 4, L = 2, Start-End, by T: the sampled exact separation rank against the dense
   routes (the float grid tensor + numpy SVD, whose count of singular values is only a
   numerical estimate, and the exact grid rank by FLINT), and the largest T each reaches in 60 s;
3. the cut bounds at scale: the symmetric cut for (L=8, T=4096) (target < 2 s) and the network
   cut on a copy tree of about 10^5 tensors.

Times are wall-clock on this machine and include everything (sampling, evaluation, FLINT).
Larger T is attempted only while the predicted time stays within budget, so the whole run
takes a few minutes.
"""

from __future__ import annotations

import argparse
import time
from math import comb

import numpy as np

from rac_tn import RAC, compile_rac, network_cut_bound, start_end, symmetric_bound
from rac_tn.contract import grid_tensor
from rac_tn.rank import separation_rank

LIMIT = 60.0


def expected_rank(R: int, T: int) -> int:
    return R * comb(R + T // 2 - 1, T // 2)


def timed(fn):
    begin = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - begin


def dense_svd(rac: RAC, T: int) -> tuple[int, float]:
    """Float grid tensor + SVD; numerical rank with numpy's default tolerance."""

    def run():
        A = grid_tensor(rac, T)
        matrix = A.reshape(rac.M ** (T // 2), -1)
        values = np.linalg.svd(matrix, compute_uv=False)
        tol = values[0] * max(matrix.shape) * np.finfo(np.float64).eps
        return int(np.sum(values > tol))

    return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=LIMIT, help="seconds per run (60)")
    args = parser.parse_args()
    limit = args.limit

    rac = RAC.random(4, 4, depth=2, seed=0, integer=True)
    float_rac = RAC.random(4, 4, depth=2, seed=0)
    separation_rank(rac, start_end(6), seed=0)  # compile (or load) the numba kernels
    separation_rank(rac, start_end(4), method="grid")

    print("## Target: sampled exact separation rank, M=4, R=4, L=2, T=20, Start-End\n")
    result, seconds = timed(lambda: separation_rank(rac, start_end(20), seed=1))
    print("| rank | expected R((R,T/2)) | K | certified | seconds | target < 10 s |")
    print("|---:|---:|---:|---|---:|---|")
    ok = "met" if seconds < 10 and result.rank == 1144 else "MISSED"
    print(
        f"| {result.rank} | 1144 | {result.samples} | {result.certified} | {seconds:.2f} | {ok} |"
    )

    print(f"\n## Reach in {limit:.0f} s: M=R=4, L=2, Start-End\n")
    print(
        "Separation rank of the function: exact value R((R,T/2)), computed by the sampled "
        "route. Grid-tensor rank (identity templates; at most M^(T/2)): exact by FLINT on the "
        "grid tensor mod p, and the count of float singular values above numpy's default "
        "tolerance (the dense SVD route; run on a well-scaled float model, since the integer "
        "model's entries overflow float64, and compared with that float model's exact grid "
        "rank: the float count is far off).\n"
    )
    print(
        "| T | R((R,T/2)) | sampled exact sep. rank | s | exact grid rank (FLINT) | s "
        "| float model: exact grid rank | float SVD count | SVD s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    reach = {"sampled": 0, "svd": 0, "grid": 0}
    last = {"sampled": None, "svd": None, "grid": None}  # (T, seconds) of the last run
    power = 7.0  # sampled time ~ T^7: K ~ T^3 parts, K^2 T evaluations plus a K^3 rank
    for T in [4, 6, 8, 10, 12, 16, 20, 24, *range(26, 66, 2)]:
        part = start_end(T)
        blank = ("—", "—")
        sampled = grid = svd = float_rank = blank
        if _worth(last["sampled"], T, power, limit):
            r, s = timed(lambda part=part: separation_rank(rac, part, seed=2, max_samples=1 << 15))
            sampled = (f"{r.rank}" if r.exact else f">= {r.rank}", f"{s:.2f}")
            last["sampled"] = (T, s)
            if s <= limit and r.exact and r.rank == expected_rank(4, T):
                reach["sampled"] = T
        # the dense routes hold all 4^T entries: attempted up to 4^12 (a 4096 x 4096 matrix)
        dense = 4**T <= 1 << 24
        if dense and (last["grid"] is None or last["grid"][1] <= limit):
            r, s = timed(
                lambda part=part: separation_rank(rac, part, method="grid", max_entries=1 << 24)
            )
            grid = (f"{r.rank}", f"{s:.2f}")
            last["grid"] = (T, s)
            if s <= limit:
                reach["grid"] = T
        if dense and (last["svd"] is None or last["svd"][1] <= limit):
            n, s = dense_svd(float_rac, T)
            svd = (f"{n}", f"{s:.2f}")
            last["svd"] = (T, s)
            if s <= limit:
                reach["svd"] = T
            exact_float = separation_rank(float_rac, part, method="grid", max_entries=1 << 24)
            float_rank = (f"{exact_float.rank}",)
        if sampled is blank and grid is blank and svd is blank:
            break
        print(
            f"| {T} | {expected_rank(4, T)} | {sampled[0]} | {sampled[1]} | {grid[0]} "
            f"| {grid[1]} | {float_rank[0]} | {svd[0]} | {svd[1]} |",
            flush=True,
        )
    print(
        f"\nLargest T within {limit:.0f} s: sampled exact separation rank T = "
        f"{reach['sampled']}; exact grid rank (FLINT) T = {reach['grid']}; dense float SVD "
        f"T = {reach['svd']} (a numerical count, not a rank). '—': not attempted (predicted "
        "over the limit, or the grid tensor too large to hold)."
    )

    print("\n## Cut bounds at scale\n")
    print("| bound | size | log2 value | seconds |")
    print("|---|---|---:|---:|")
    deep = RAC.random(4, 4, depth=8, seed=0)
    bound, s = timed(lambda: symmetric_bound(deep, start_end(4096)))
    print(f"| symmetric cut (target < 2 s) | L=8, T=4096 | {bound.log2:.1f} | {s:.2f} |")
    tree_rac = RAC.random(3, 2, depth=2, seed=0)
    net, build = timed(lambda: compile_rac(tree_rac, 250))
    bound, s = timed(lambda: network_cut_bound(net, start_end(250)))
    print(
        f"| network cut (compile {build:.1f} s not included) | L=2, T=250, "
        f"{net.num_tensors:,} tensors | {bound.log2:.1f} | {s:.2f} |"
    )


def _worth(last, T, power, limit) -> bool:
    """Run T unless the previous time, extrapolated, is over the limit (20% slack)."""
    if last is None:
        return True
    T0, seconds = last
    return seconds <= limit and seconds * (T / T0) ** power <= 1.2 * limit


if __name__ == "__main__":
    main()
