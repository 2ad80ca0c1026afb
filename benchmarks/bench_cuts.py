"""Rows 3 and 4: the cut bounds at scale.

Run alone: ``python benchmarks/bench_cuts.py [--quick]`` (prints both rows' markdown).

- Row 3: ``symmetric_bound(rac, partition)`` on the computation grid of an L = 8 RAC, Start-End
  and interleaved, for T = 256 .. 4096 (doubling); target under 2 s at T = 4096, and the
  exponent a of time ~ T^a fitted by least squares on log-log over those T (the grid has
  L T nodes, so near-linear is expected). Then L = 32, T = 10^5 (3.2 million cells), target
  under 5 s, against a floor: one pass of numpy over 3 L T float64 values (the grid's edges
  written once).
- Row 4: ``network_cut_bound(net, start_end(T))`` on copy trees (M=3, R=2, L=2) of about 10^4
  and 10^5 tensors; target under 10 s for 10^5. ``compile_rac`` is timed separately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _suite import RowResult, Table, Target, measure, seconds_text

from rac_tn import RAC, compile_rac, interleaved, network_cut_bound, start_end, symmetric_bound

SYMMETRIC_TS = [256, 512, 1024, 2048, 4096]
QUICK_SYMMETRIC_TS = [64, 128, 256]
SYMMETRIC_TARGET = 2.0
TREE_TS = [80, 256]  # count_tensors(2, T): 10,042 and 99,714
QUICK_TREE_TS = [20, 40]
NETWORK_TARGET = 10.0
LARGE = (32, 100_000)  # (L, T) of the large symmetric bound
QUICK_LARGE = (32, 1000)
LARGE_TARGET = 5.0


def fit_exponent(Ts: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(T)."""
    slope, _ = np.polyfit(np.log(Ts), np.log(seconds), 1)
    return float(slope)


def run_symmetric(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    Ts = QUICK_SYMMETRIC_TS if quick else SYMMETRIC_TS
    rac = RAC.random(4, 4, depth=8, seed=0)
    symmetric_bound(rac, start_end(16))  # imports (scipy.sparse.csgraph) outside the timing
    rows, targets, fits = [], [], []
    for name, make in (("Start-End", start_end), ("interleaved", interleaved)):
        medians = []
        for T in Ts:
            part = make(T)
            timing, bound = measure(lambda part=part: symmetric_bound(rac, part), reps)
            medians.append(timing.value)
            rows.append([name, str(T), f"{8 * T:,}", f"{bound.log2:,.1f}", str(timing)])
        a = fit_exponent(Ts, medians)
        fits.append([name, f"{Ts[0]}..{Ts[-1]}", f"{a:.2f}"])
        T = Ts[-1]
        targets.append(
            Target(
                f"symmetric bound L=8, T={T}, {name}",
                seconds_text(medians[-1]),
                "< 2 s",
                medians[-1] < SYMMETRIC_TARGET,
            )
        )
        targets.append(
            Target(f"symmetric bound time ~ T^a, {name}", f"a = {a:.2f}", "report", None)
        )
    L_big, T_big = QUICK_LARGE if quick else LARGE
    large_rows = _large_symmetric(L_big, T_big, max(2, reps // 2), targets)
    far = ", ".join(f"{row[0]} {row[-1]}" for row in large_rows)
    floor = (
        f"one linear pass over the L x T grid's edges (3 L T float64 values written and summed "
        f"by numpy, measured in the L = {L_big} table). At L = {L_big}, T = {T_big:,} the bound "
        f"takes {far} that floor (a max-flow on the grid, solved in both orientations)."
    )
    return RowResult(
        3,
        "symmetric cut bound at scale (L = 8, and L = 32 at T = 10^5)",
        f"`symmetric_bound(RAC.random(4, 4, depth=8), partition)`, median of {reps} calls after "
        "a warm-up. The bound is solved in both orientations (start side upstream, then end "
        "side) and the smaller kept; 'log2 bound' is the bound's binary logarithm.",
        [
            Table(["partition", "T", "cells L*T", "log2 bound", "time"], rows),
            Table(
                ["partition", "T range", "fitted exponent a (time ~ T^a)"],
                fits,
                "Least squares on log(time) against log(T) over the T above:",
            ),
            Table(
                ["partition", "L", "T", "cells L*T", "log2 bound", "time", "floor", "time / floor"],
                large_rows,
                "**L = 32** (`RAC.random(4, 4, depth=32)`; floor: one numpy pass writing and "
                "summing 3 L T float64 values, the grid's edges touched once):",
            ),
        ],
        targets,
        [],
        time.perf_counter() - begin,
        floor=floor,
    )


def _large_symmetric(L: int, T: int, reps: int, targets: list[Target]) -> list[list[str]]:
    """The symmetric bound at depth L and length T, both partitions, against a linear floor."""
    rac = RAC.random(4, 4, depth=L, seed=0)
    floor, _ = measure(lambda: float(np.ones(3 * L * T).sum()), reps)
    rows = []
    for name, make in (("Start-End", start_end), ("interleaved", interleaved)):
        part = make(T)
        timing, bound = measure(lambda part=part: symmetric_bound(rac, part), reps)
        rows.append([name, str(L), f"{T:,}", f"{L * T:,}", f"{bound.log2:,.1f}", str(timing),
                     str(floor), f"{timing.value / floor.value:,.0f}x"])  # fmt: skip
        targets.append(Target(f"symmetric bound L={L}, T={T:,}, {name}", str(timing),
                              f"< {LARGE_TARGET:.0f} s", timing.value < LARGE_TARGET))  # fmt: skip
    return rows


def run_network(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    Ts = QUICK_TREE_TS if quick else TREE_TS
    rac = RAC.random(3, 2, depth=2, seed=0)
    network_cut_bound(compile_rac(rac, 4), start_end(4))  # imports outside the timing
    rows, targets, per_compile = [], [], []
    for T in Ts:
        t_compile, net = measure(lambda T=T: compile_rac(rac, T), reps)
        part = start_end(T)
        t_cut, bound = measure(lambda net=net, part=part: network_cut_bound(net, part), reps)
        per_compile.append(f"{t_cut.value / t_compile.value:.2f}x")
        rows.append(
            [
                f"M=3, R=2, L=2, T={T}",
                f"{net.num_tensors:,}",
                str(t_compile),
                str(t_cut),
                f"{bound.log2:,.1f}",
                str(len(bound.cut)),
            ]
        )
        size = f"{net.num_tensors:,} tensors"
        if T == Ts[-1]:
            targets.append(
                Target(
                    f"network cut bound, copy tree of {size}, Start-End",
                    seconds_text(t_cut.value),
                    "< 10 s",
                    t_cut.value < NETWORK_TARGET,
                )
            )
        else:
            targets.append(
                Target(
                    f"network cut bound, copy tree of {size}",
                    seconds_text(t_cut.value),
                    "report",
                    None,
                )
            )
    return RowResult(
        4,
        "network cut bound on large copy trees",
        f"`network_cut_bound(compile_rac(RAC.random(3, 2, depth=2), T), start_end(T))`, median "
        f"of {reps} calls after a warm-up; compiling (`compile_rac`) is timed on its own and not "
        "included in the bound's time.",
        [
            Table(
                ["network", "tensors", "compile time", "cut bound time", "log2 bound", "cut size"],
                rows,
            )
        ],
        targets,
        [],
        time.perf_counter() - begin,
        floor="one pass over the network's tensors and indices; building them (`compile_rac`, "
        "timed in the table) is such a pass, so compile time stands in for the floor. The cut "
        f"bound takes {', '.join(per_compile)} the compile time at the sizes above.",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repetitions")
    args = parser.parse_args()
    reps = 2 if args.quick else 5
    print(run_symmetric(quick=args.quick, reps=reps).markdown(), "\n")
    print(run_network(quick=args.quick, reps=reps).markdown())


if __name__ == "__main__":
    main()
