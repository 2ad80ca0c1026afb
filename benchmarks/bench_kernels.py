"""Row 7: the exact-arithmetic kernels a default ``separation_rank`` call runs, against GEMM.

Run alone: ``python benchmarks/bench_kernels.py [--quick]`` (prints the row's markdown).

Everything runs in this one process; each line states its thread count (BLAS by threadpoolctl,
numba by ``numba.set_num_threads``, FLINT alike: :mod:`_threads`). The repetitions of the
methods compared on a line are interleaved (A, B, A, B, ...) and the median is kept, so load
from other processes hits all alike.

- floors: this machine's float64 matrix-product rate (GEMM, multiply-adds a second) on one
  thread and on every core, the element-wise modular product rate ("mulmod") and the plain
  ``uint64`` multiply-add rate of one core;
- kernels of a default call: a default ``separation_rank`` call is run once with the compiled
  kernels of :mod:`rac_tn.arith.pair_kernels` and the rank (each round's
  ``elimination.GrowingRank.grow``, which factors only what the round adds, and any
  ``elimination.rank_mod_p``) wrapped, so the table lists the kernels that call used (with their
  arithmetic: float64 for the first attempt's primes below 2^21, Montgomery for a later attempt's
  62-bit primes), the share of the call's time each took, and the largest call of each replayed at
  one thread and at the default thread count; its rate is stated against the one-core GEMM rate;
- serial vs parallel pair kernel (float64, the default first attempt's): the work size where
  threads start to pay (compare ``rac_tn.arith.modular.PARALLEL_MIN_WORK``);
- rank of a random matrix by prime size: FLINT at 2^20 + 7, 2^31 - 1, 2^61 - 1 and the float64
  BLAS elimination (primes below 2^21), one thread each, at K^3 / 3 multiply-adds (one LU);
- FLINT rank: python-flint's list constructor vs the direct ``nmod_mat`` path, 1 and all threads;
- ``grid_tensor_mod`` (L = 1) against the float ``grid_tensor``.
"""

from __future__ import annotations

import argparse
import copy
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS pinned (effective when imported first)

import numpy as np  # noqa: E402
from _suite import RowResult, Table, Target, ratio_text, seconds_text  # noqa: E402
from _threads import default_threads, gemm_rate, thread_count  # noqa: E402
from _threads import interleaved as interleaved_timings  # noqa: E402

from rac_tn import RAC, start_end  # noqa: E402
from rac_tn import interleaved as interleaved_partition  # noqa: E402
from rac_tn.arith import elimination, flint_matrices, modular, pair_kernels  # noqa: E402
from rac_tn.exact.rank import separation_rank  # noqa: E402
from rac_tn.network.grid_tensor import grid_tensor, grid_tensor_mod  # noqa: E402

SMALL_P = 2**31 - 1
BIG_P = 2**61 - 1
FLOAT_P = 2**21 - 9  # the first attempts' primes (2^20, 2^21): float64 pair kernels
CROSSOVER_SPEEDUP = 1.2  # parallel "pays" from the first work size it is this much faster
KERNELS = ("scan_layer", "matmul", "matmul_lanes", "layer1_maps", "pair_lanes")
# default calls traced: (M, R, L, partition, T); (2, 2, 3) start-end needs a second, 62-bit prime
TRACE_CASES = [(4, 4, 2, "start-end", 28), (2, 2, 3, "start-end", 16), (2, 2, 2, "interleaved", 8)]
QUICK_TRACE_CASES = [(4, 4, 2, "start-end", 12), (2, 2, 3, "start-end", 12),
                     (2, 2, 2, "interleaved", 6)]  # fmt: skip
ARITH = {pair_kernels.FLOAT: "float64", pair_kernels.SMALL: "uint64 (p < 2^31)",
         pair_kernels.MONT: "Montgomery (uint64)"}  # fmt: skip


def interleaved(fns: dict, reps: int) -> dict[str, float]:
    """Median seconds of each callable on one thread, repetitions interleaved (warm-up first)."""
    timings, _ = interleaved_timings({k: (fn, 1) for k, fn in fns.items()}, reps)
    return {k: t.value for k, t in timings.items()}


def _floors(reps: int) -> dict[str, float]:
    n, passes = 1024, 2000
    x = np.random.default_rng(0).integers(0, SMALL_P, size=n, dtype=np.uint64)
    small, big = modular.kernel_arith(SMALL_P), modular.kernel_arith(BIG_P)
    xs, ys = x.copy(), x.copy()
    fns = {
        "mulmod p < 2^31": lambda: pair_kernels.mulmod_floor(xs, ys, passes, *small.args),
        "mulmod 2^61-1 (Montgomery)": lambda: pair_kernels.mulmod_floor(xs, ys, passes, *big.args),
        "uint64 multiply-add": lambda: pair_kernels.multiply_add_floor(xs, ys, passes),
    }
    return {k: n * passes / v for k, v in interleaved(fns, reps).items()}


def kernel_work(name: str, args: tuple) -> int:
    """Multiply-adds of one kernel call (``name`` in :data:`KERNELS`, or ``'rank'``)."""
    if name == "pair_lanes":  # per pair and step: R^2 per recurrence, R^2 per input map
        start, _, cols_t, _, first, hidden = args[:6]
        depth = hidden.shape[0]
        width = start.shape[1] // depth
        per_step = width * width * (2 * (depth - first) - 1 + first)
        return start.shape[0] * cols_t.shape[2] * (cols_t.shape[0] * per_step + width)
    if name == "layer1_maps":
        drive, _, after = args[:3]
        cols, steps, width = drive.shape
        return cols * steps * (width**3 + after.shape[0] * width)
    if name == "matmul_lanes":
        return args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
    if name == "matmul":
        return args[0].shape[0] * args[0].shape[1] * args[1].shape[0]
    if name == "scan_layer":
        _, _, start, inputs = args[:4]
        width = start.shape[1]
        return inputs.shape[0] * inputs.shape[1] * width * (width + inputs.shape[2])
    if name == "rank" and isinstance(args[0], elimination.GrowingRank):
        K = args[0].size  # the block LU's added part: S^3 / 3 - K^3 / 3
        S = K + args[2].shape[0]
        return S**3 // 3 - K**3 // 3
    if name == "rank":  # LU of an m x n matrix, m <= n: m^2 n / 2 - m^3 / 6 (K^3 / 3 if square)
        m, n = sorted(args[0].shape)
        return m * m * n // 2 - m**3 // 6
    raise ValueError(f"unknown kernel {name!r}")


def _arith(name: str, args: tuple) -> str:
    if name == "rank" and isinstance(args[0], elimination.GrowingRank):
        return "float64 BLAS elimination" if args[0].p < elimination.BLAS_PRIME_LIMIT else "FLINT"
    if name == "rank":
        p = args[1]
        small = p < elimination.BLAS_PRIME_LIMIT and min(args[0].shape) >= elimination._MIN_SIZE
        return "float64 BLAS elimination" if small else "FLINT"
    return ARITH[int(args[-1])]


def trace_default_call(rac: RAC, part) -> tuple[float, list[tuple[str, str, tuple, float]]]:
    """One default ``separation_rank`` call with the kernels and the rank wrapped.

    Returns its wall time and every wrapped call: ``(name, variant, args, seconds)``, variant
    'parallel' or 'serial' for the kernels (chosen by the library), 'grow' for a round of the
    rank, '-' for a whole rank.
    """
    calls: list[tuple[str, str, tuple, float]] = []
    saved = {name: getattr(pair_kernels, name) for name in KERNELS}
    saved_rank, saved_grow = elimination.rank_mod_p, elimination.GrowingRank.grow

    def wrap(name, variant, fn):
        def call(*args):
            # grow changes its object's state but no array in place: a shallow copy is the
            # state before the call, to replay it from
            recorded = (copy.copy(args[0]), *args[1:]) if variant == "grow" else args
            begin = time.perf_counter()
            out = fn(*args)
            calls.append((name, variant, recorded, time.perf_counter() - begin))
            return out

        return call

    for name, (par, ser) in saved.items():
        setattr(pair_kernels, name, (wrap(name, "parallel", par), wrap(name, "serial", ser)))
    elimination.rank_mod_p = wrap("rank", "-", saved_rank)
    elimination.GrowingRank.grow = wrap("rank", "grow", saved_grow)
    try:
        begin = time.perf_counter()
        separation_rank(rac, part, seed=2)
        total = time.perf_counter() - begin
    finally:
        for name, pair in saved.items():
            setattr(pair_kernels, name, pair)
        elimination.rank_mod_p = saved_rank
        elimination.GrowingRank.grow = saved_grow
    return total, calls


def _replay(name: str, variant: str, args: tuple):
    """The call to time again: the same kernel variant (or the rank) on the same arrays."""
    if name == "rank" and variant == "grow":
        return lambda: copy.copy(args[0]).grow(*args[1:])
    if name == "rank":
        return lambda: elimination.rank_mod_p(*args)
    kernel = getattr(pair_kernels, name)[0 if variant == "parallel" else 1]
    return lambda: kernel(*args)


def _kernel_rows(cases, reps: int, gemm1: float) -> tuple[list[list[str]], list[Target]]:
    """Per traced default call: each kernel it used, its share, its largest call's rates."""
    rows, targets = [], []
    for M, R, L, part_name, T in cases:
        rac = RAC.random(M, R, depth=L, seed=0)
        part = start_end(T) if part_name == "start-end" else interleaved_partition(T)
        case = f"M=R={M}, L={L}, {part_name}, T={T}" if M == R else f"{(M, R, L, T)}"
        with thread_count(None):
            separation_rank(rac, part, seed=2)  # kernels compiled or loaded, untimed
            total, calls = trace_default_call(rac, part)
        groups: dict[tuple[str, str], list] = {}
        for name, variant, args, seconds in calls:
            groups.setdefault((name, _arith(name, args)), []).append((variant, args, seconds))
        for (name, arith), group in sorted(groups.items(), key=lambda kv: -sum(
                g[2] for g in kv[1])):  # fmt: skip
            variant, args, _ = max(group, key=lambda g: kernel_work(name, g[1]))
            work = kernel_work(name, args)
            fn = _replay(name, variant, args)
            t, _ = interleaved_timings({"1": (fn, 1), "all": (fn, None)}, reps)
            rate1, rate_all = work / t["1"].value, work / t["all"].value
            share = sum(g[2] for g in group) / total
            rows.append([case, name, arith, str(len(group)), f"{share:.0%}", f"{work:,}",
                         variant, f"{rate1 / 1e9:.2f} G/s", f"{rate_all / 1e9:.2f} G/s",
                         ratio_text(gemm1 / rate1)])  # fmt: skip
            if name == "pair_lanes":
                targets.append(Target(f"pair kernel in a default call, {case}, {arith}: "
                                      "1-core GEMM rate / kernel rate (1 thread)",
                                      ratio_text(gemm1 / rate1), "report", None))  # fmt: skip
        rows.append([case, "whole default call", "", "1", f"100% ({seconds_text(total)})",
                     "", "", "", "", ""])  # fmt: skip
    return rows, targets


def _crossover(reps: int) -> tuple[list[list[str]], int | None]:
    """Serial vs parallel pair kernel (float64, Start-End, M = R = 4, L = 2) by work size.

    Returns the table rows and the first work size (multiply-adds) where the parallel kernel
    is :data:`CROSSOVER_SPEEDUP` times faster, or None.
    """
    rac = RAC.random(4, 4, depth=2, seed=0, integer=True)
    sw, p, steps = rac.modular(FLOAT_P).scaled, float(FLOAT_P), 4
    weights = [sw.hidden.astype(float), sw.inputw.astype(float), sw.output[0].astype(float)]
    rng = np.random.default_rng(1)
    rows, crossover = [], None
    par, ser = pair_kernels.pair_lanes
    no_rows, from_cols = np.zeros((0, 0, 0)), np.ones(steps, dtype=np.bool_)
    for K in (8, 16, 32, 64, 128, 256, 512):
        start = rng.integers(0, FLOAT_P, size=(K, 8)).astype(float)
        maps_t = rng.integers(0, FLOAT_P, size=(steps, 16, K)).astype(float)
        # first = 1: every step reads the column part (layer 2's input maps)
        args = (start, no_rows, maps_t, from_cols, 1, *weights, p, 0, 1.0 / p, pair_kernels.FLOAT)
        timings, _ = interleaved_timings(
            {"parallel": (lambda a=args: par(*a), None), "serial": (lambda a=args: ser(*a), 1)},
            3 * reps,
        )
        t = {k: v.value for k, v in timings.items()}
        work = K * K * steps * 2 * 16
        speedup = t["serial"] / t["parallel"]
        if crossover is None and speedup >= CROSSOVER_SPEEDUP:
            crossover = work
        rows.append([f"{work:,}", seconds_text(t["serial"]), seconds_text(t["parallel"]),
                     ratio_text(speedup)])  # fmt: skip
    return rows, crossover


def _prime_size_rows(K: int, reps: int) -> list[list[str]]:
    """Rank of a random K x K matrix, one thread each: FLINT by prime size, BLAS elimination."""
    rng = np.random.default_rng(5)
    fns = {}
    for label, p in (("FLINT, p = 2^20 + 7", 1_048_583), ("FLINT, p = 2^31 - 1", SMALL_P),
                     ("FLINT, p = 2^61 - 1", BIG_P)):  # fmt: skip
        A = rng.integers(0, p, size=(K, K), dtype=np.uint64)
        fns[label] = lambda A=A, p=p: flint_matrices.rank_mod_p(A, p, threads=1)
    A = rng.integers(0, FLOAT_P, size=(K, K), dtype=np.uint64)
    fns["float64 BLAS elimination, p = 2^21 - 9"] = lambda: elimination.rank_mod_small_prime(
        A, FLOAT_P
    )
    t = interleaved(fns, reps)
    work = K**3 / 3  # multiply-adds of one LU
    return [[k, seconds_text(v), f"{work / v / 1e9:.2f} G/s"] for k, v in t.items()]


def _flint_rows(K: int, reps: int) -> list[list[str]]:
    p = BIG_P
    M = np.random.default_rng(2).integers(0, p, size=(K, K), dtype=np.uint64)
    cores = flint_matrices.flint_threads()
    fns = {
        "python-flint list, 1 thread": lambda: flint_matrices._rank_python_flint(M, p),
        "direct, 1 thread": lambda: flint_matrices.rank_mod_p(M, p, threads=1),
        f"direct, {cores} threads": lambda: flint_matrices.rank_mod_p(M, p, threads=cores),
    }
    t = interleaved(fns, reps)
    base = t["python-flint list, 1 thread"]
    return [[k, seconds_text(v), ratio_text(base / v)] for k, v in t.items()]


def run(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    n = 512 if quick else 2048
    gemm = {threads: gemm_rate(n, reps, threads) for threads in (1, None)}
    floors = _floors(reps)
    kernel_rows, targets = _kernel_rows(QUICK_TRACE_CASES if quick else TRACE_CASES, reps,
                                        gemm[1])  # fmt: skip
    rac = RAC.random(2, 8, depth=1, seed=0)
    T = 12 if quick else 20
    grid = interleaved(
        {
            "float": lambda: grid_tensor(rac, T),
            "mod p < 2^31": lambda: grid_tensor_mod(rac, T, SMALL_P),
            "mod 2^61-1": lambda: grid_tensor_mod(rac, T, BIG_P),
        },
        reps,
    )
    crossover, crossover_work = _crossover(reps)
    flint_rows = _flint_rows(256 if quick else 1024, max(2, reps // 2))
    with thread_count(1):
        prime_rows = _prime_size_rows(256 if quick else 2048, max(2, reps // 2))
    cores = default_threads()
    floor_rows = [
        ["float64 GEMM, 1 thread (multiply-adds)", f"{gemm[1] / 1e9:.2f} G/s"],
        [f"float64 GEMM, {cores} threads (multiply-adds)", f"{gemm[None] / 1e9:.2f} G/s"],
        *([f"{k}, 1 thread", f"{v / 1e9:.2f} G/s"] for k, v in floors.items()),
    ]
    pays = "none measured" if crossover_work is None else f"{crossover_work:,} multiply-adds"
    targets.append(
        Target(
            f"parallel pair kernel {CROSSOVER_SPEEDUP}x serial from",
            pays,
            f"report (PARALLEL_MIN_WORK = {modular.PARALLEL_MIN_WORK:,})",
            None,
        )
    )
    g = grid["mod p < 2^31"] / grid["float"]
    targets.append(Target(f"grid_tensor_mod L=1 T={T}, p < 2^31 / float", ratio_text(g), "<= 5x",
                          g <= 5.0))  # fmt: skip
    g = grid["mod 2^61-1"] / grid["float"]
    targets.append(Target(f"grid_tensor_mod L=1 T={T}, p = 2^61-1 (default) / float",
                          ratio_text(g), "<= 5x", g <= 5.0))  # fmt: skip
    tables = [
        Table(["floor", "rate"], floor_rows, f"**Floors** (GEMM: one float64 {n} x {n} product):"),
        Table(
            [
                "default call",
                "kernel",
                "arithmetic",
                "calls",
                "share of the call's time",
                "largest call: multiply-adds",
                "variant used",
                "rate, 1 thread",
                f"rate, {cores} threads",
                "1-core GEMM rate / rate (1 thread)",
            ],
            kernel_rows,
            "**Kernels of a default `separation_rank` call** (`RAC.random(M, R, depth=L, "
            f"seed=0)`, seed=2; traced at {cores} threads; the largest call of each kernel "
            "replayed on its own arrays):",
        ),  # fmt: skip
        Table(
            ["work (multiply-adds)", "serial", f"parallel ({cores} threads)", "serial / parallel"],
            crossover,
            "**Serial vs parallel** (float64 pair kernel, M = R = 4, L = 2, 4 steps, p < 2^21; "
            f"`PARALLEL_MIN_WORK` = {modular.PARALLEL_MIN_WORK:,}):",
        ),  # fmt: skip
        Table(
            ["rank of a random K x K matrix (1 thread)", "time", "K^3 / 3 multiply-adds / time"],
            prime_rows,
            "**Rank by prime size** (K = " + ("256" if quick else "2048") + "):",
        ),  # fmt: skip
        Table(
            ["FLINT rank", "time", "speed-up vs list"],
            flint_rows,
            "**FLINT rank of a random K x K matrix** (conversion included):",
        ),  # fmt: skip
        Table(
            ["grid tensor (M=2, R=8, L=1), 1 thread", "time"],
            [[k, seconds_text(v)] for k, v in grid.items()],
            f"**Grid tensor, T = {T}:**",
        ),  # fmt: skip
    ]
    notes = [
        "Multiply-adds counted per kernel: pair_lanes R^2 per recurrence and per input map, "
        "per pair and step (layer 1 not stepped when every remaining step reads the column "
        "part), plus R for the readout; layer1_maps R^3 + (rows of the map) R per column part "
        "and step; matmul and matmul_lanes n k m; scan_layer R (R + inputs) per sequence and "
        "step; the rank m^2 n / 2 - m^3 / 6 for an m x n matrix, m <= n (K^3 / 3 when "
        "square: one LU), and a round of the sampled rank (variant 'grow': the kept "
        "factorisation grown from K to S rows) S^3 / 3 - K^3 / 3, what the round adds to one "
        "LU. GEMM counts n^3 per n x n product.",
        "'1-core GEMM rate / rate': how many times fewer multiply-adds a second the kernel "
        "does than one core's float64 matrix product (the modular kernels also reduce; the "
        "float64 pair kernel once per dot product).",
        f"Threads: as each table says; the other tables on 1 thread; machine cores: {cores}.",
    ]
    floor = (
        "one core's float64 GEMM rate (multiply-adds a second, the floors table); each kernel "
        "of a default call is stated against it ('1-core GEMM rate / rate'). A rank's floor "
        "is K^3 / 3 multiply-adds (one LU) at that rate."
    )
    return RowResult(7, "exact-arithmetic kernels of a default call vs the GEMM rate",
                     "One process, repetitions interleaved, median kept.", tables, targets,
                     notes, time.perf_counter() - begin, floor=floor)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repetitions")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    main()
