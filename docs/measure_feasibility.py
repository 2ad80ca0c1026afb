"""Measure which sequence lengths T each computation reaches, per depth (docs/feasibility.md).

For M = R = 2 and depths 1-4, each computation runs at growing Start-End lengths T until one
call takes longer than the budget (default 10 s), hits a limit of the library (the default
``max_entries`` of a grid tensor, the default ``max_tensors`` of a compiled network, the sample
cap of the sampled rank), or reaches the largest T tried. Prints a markdown table. Run it with
``python docs/measure_feasibility.py [--budget SECONDS]``; it takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from rac_tn import (
    RAC,
    compile_rac,
    grid_tensor,
    network_cut_bound,
    separation_rank,
    start_end,
    symmetric_bound,
)
from rac_tn._checks import DEFAULT_MAX_ENTRIES
from rac_tn.exact.rank import DEFAULT_MAX_SAMPLES
from rac_tn.network import DEFAULT_MAX_TENSORS, count_tensors


def _doubling(start, stop):
    T = start
    while T <= stop:
        yield T
        T *= 2


def _grid(rac, T):
    if rac.M**T > DEFAULT_MAX_ENTRIES:
        return "max_entries"
    grid_tensor(rac, T)
    return None


def _grid_rank(rac, T):
    if rac.M**T > DEFAULT_MAX_ENTRIES:
        return "max_entries"
    separation_rank(rac, start_end(T), method="grid", seed=0)
    return None


def _sampled(rac, T):
    result = separation_rank(rac, start_end(T), seed=0)
    return None if result.exact else f"sample cap {DEFAULT_MAX_SAMPLES}"


def _network(rac, T):
    if count_tensors(rac.L, T) > DEFAULT_MAX_TENSORS:
        return f"> {DEFAULT_MAX_TENSORS:,} tensors"
    network_cut_bound(compile_rac(rac, T), start_end(T))
    return None


def _symmetric(rac, T):
    symmetric_bound(rac, start_end(T))
    return None


COMPUTATIONS = [
    ("grid tensor (float, `grid_tensor`)", _grid, "float", range(2, 64, 2)),
    ("exact grid rank (`method='grid'`)", _grid_rank, "integer", range(2, 64, 2)),
    ("exact sampled rank (`separation_rank`)", _sampled, "integer", None),
    ("network cut (`network_cut_bound`)", _network, "integer", None),
    ("symmetric bound (`symmetric_bound`)", _symmetric, "integer", None),
]


def reach(fn, rac, lengths, budget):
    """The largest T finished within ``budget`` seconds, and what stopped the search."""
    best, why = None, "largest T tried"
    for T in lengths:
        begin = time.perf_counter()
        stop = fn(rac, T)
        seconds = time.perf_counter() - begin
        if stop is not None:
            why = stop
            break
        if seconds > budget:
            why = f"{seconds:.0f} s at T = {T}"
            break
        best = (T, seconds)
    return best, why


def main():
    """Measure every computation at every depth and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per call")
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--max-length", type=int, default=2**20, help="largest T tried")
    args = parser.parse_args()
    # compile the numba kernels first, so that no timing includes them
    separation_rank(RAC.random(2, 2, depth=2, seed=0, integer=True), start_end(4), seed=0)
    header = "| computation | " + " | ".join(f"L = {L}" for L in args.depths) + " |"
    lines = [header, "|---|" + "---|" * len(args.depths)]
    for name, fn, weights, lengths in COMPUTATIONS:
        cells = []
        for L in args.depths:
            rac = RAC.random(2, 2, depth=L, seed=0, integer=weights == "integer")
            tried = lengths or _doubling(4, args.max_length)
            best, why = reach(fn, rac, tried, args.budget)
            cell = "—" if best is None else f"{best[0]:,} ({best[1]:.2g} s)"
            cells.append(f"{cell}; then {why}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    print()
    print(
        f"M = R = 2, Start-End, budget {args.budget:g} s per call; {platform.processor() or '?'}"
        f", {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
