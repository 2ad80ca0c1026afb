"""Row 7: the exact-arithmetic kernels against this machine's floors (issue 14).

Run alone: ``python benchmarks/bench_kernels.py [--quick]`` (prints the row's markdown).

Everything runs in this one process with numba pinned to one thread (``numba.set_num_threads``)
and BLAS to one thread (``OPENBLAS_NUM_THREADS=1`` etc., set before numpy is
imported) unless a line says otherwise; the repetitions of the
methods compared on a line are interleaved (A, B, A, B, ...), and the median is kept, so load
from other processes hits all alike.

- floors: the element-wise modular product rate ("mulmod rate") for a prime below 2**31 and
  for 2**61 - 1 (Montgomery), and the plain ``uint64`` multiply-add rate (no reduction);
- pair kernel (the sampled rank's inner loop) before issue 14 (``_baseline_modular.py``, a
  frozen copy of the old module, p = 2**61 - 1) and now (float64 for p < 2**21, uint64 for
  p < 2**31, Montgomery for 2**61 - 1), in multiply-adds per second;
- serial vs parallel pair kernel (float64, the default first attempt's): the work size where
  threads start to pay (compare ``rac_tn.arith.modular.PARALLEL_MIN_WORK``);
- rank of a random matrix by prime size: FLINT at 2^20 + 7, 2^31 - 1, 2^61 - 1 and the float64
  BLAS elimination (primes below 2^21), one thread each;
- FLINT rank: python-flint's list constructor vs the direct ``nmod_mat`` path, 1 and all threads;
- ``grid_tensor_mod`` (L = 1) against the float ``grid_tensor``;
- ``net.evaluate`` (default: the recurrence) against contracting the network and ``rac.forward``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS pinned (effective when imported first)

import numba  # noqa: E402
import numpy as np  # noqa: E402
from _suite import RowResult, Table, Target, ratio_text, seconds_text  # noqa: E402

from rac_tn import RAC, compile_rac  # noqa: E402
from rac_tn.arith import elimination, flint_matrices, modular, pair_kernels  # noqa: E402
from rac_tn.network.grid_tensor import grid_tensor, grid_tensor_mod  # noqa: E402

SMALL_P = 2**31 - 1
BIG_P = 2**61 - 1
FLOAT_P = 2**21 - 9  # the first attempts' primes (2^20, 2^21): float64 pair kernels
CROSSOVER_SPEEDUP = 1.2  # parallel "pays" from the first work size it is this much faster


def interleaved(fns: dict, reps: int) -> dict[str, float]:
    """Median seconds of each callable, repetitions interleaved (after one warm-up each)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            begin = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - begin)
    return {name: statistics.median(ts) for name, ts in times.items()}


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


def _pair_case(M: int, R: int, L: int, T: int, K: int, reps: int):
    import _baseline_modular as old

    rac = RAC.random(M, R, depth=L, seed=0, integer=True)
    rng = np.random.default_rng(0)
    S = T // 2
    fns, outs = {}, {}
    for label, p in (("p < 2^21 (float64)", FLOAT_P), ("p < 2^31", SMALL_P), ("2^61-1", BIG_P)):
        w = rac.modular(p)
        pre = rng.integers(0, p, size=(K, S, M), dtype=np.uint64)
        rows = rng.integers(0, p, size=(K, S, M), dtype=np.uint64)
        cols = rng.integers(0, p, size=(K, S, M), dtype=np.uint64)
        starts = modular.scan_mod(w, pre)
        fc = np.ones(S, dtype=np.bool_)
        fns[f"now, {label}"] = lambda w=w, s=starts, r=rows, c=cols, fc=fc: modular.pair_outputs(
            w, s, r, c, fc
        )
        if p == BIG_P:
            ow = old.ModularWeights(
                p, w.input_weights, w.hidden_weights, w.output_weights, w.initial_states
            )
            fns["before, 2^61-1"] = lambda ow=ow, s=starts, r=rows, c=cols, fc=fc: old.pair_outputs(
                ow, s, r, c, fc
            )
            outs = (fns["before, 2^61-1"](), fns[f"now, {label}"]())
    if not np.array_equal(*outs):
        raise AssertionError("new pair kernel differs from the old one")
    work = K * K * S * (L - 1) * 2 * R * R  # multiply-adds (the linear kernel's)
    return {k: work / v for k, v in interleaved(fns, reps).items()}


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
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for K in (8, 16, 32, 64, 128, 256, 512):
        start = rng.integers(0, FLOAT_P, size=(K, 8)).astype(float)
        maps_t = rng.integers(0, FLOAT_P, size=(steps, 16, K)).astype(float)
        # first = 1: every step reads the column part (layer 2's input maps)
        args = (start, no_rows, maps_t, from_cols, 1, *weights, p, 0, 1.0 / p, pair_kernels.FLOAT)
        t = interleaved(
            {"parallel": lambda a=args: par(*a), "serial": lambda a=args: ser(*a)}, 3 * reps
        )
        work = K * K * steps * 2 * 16
        speedup = t["serial"] / t["parallel"]
        if crossover is None and speedup >= CROSSOVER_SPEEDUP:
            crossover = work
        rows.append([f"{work:,}", seconds_text(t["serial"]), seconds_text(t["parallel"]),
                     ratio_text(speedup)])  # fmt: skip
    numba.set_num_threads(1)
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
    work = 2 * K**3 / 3
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
    numba.set_num_threads(1)
    if True:  # BLAS threads: pinned by the environment (run_all.py sets it first)
        floors = _floors(reps)
        K = 128 if quick else 512
        pairs = {cfg: _pair_case(*cfg, K, reps) for cfg in ((4, 4, 2, 28), (2, 2, 3, 28))}
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
        deep = RAC.random(2, 4, depth=2, seed=0)
        net = compile_rac(deep, 10)
        X = np.random.default_rng(3).random((256, 10, 2))
        ev = interleaved(
            {
                "rac.forward": lambda: deep.forward(X),
                "net.evaluate (default)": lambda: net.evaluate(X),
                "net.evaluate(optimize='structured')": lambda: net.evaluate(
                    X, optimize="structured"
                ),
            },
            reps,
        )
    crossover, crossover_work = _crossover(reps)
    flint_rows = _flint_rows(256 if quick else 1024, max(2, reps // 2))
    prime_rows = _prime_size_rows(256 if quick else 2048, max(2, reps // 2))
    floor_rows = [[k, f"{v / 1e9:.2f} G/s"] for k, v in floors.items()]
    pair_rows, targets = [], []
    for cfg, rates in pairs.items():
        for label, rate in rates.items():
            small = "2^31" in label or "2^21" in label
            floor = floors["mulmod p < 2^31" if small else "mulmod 2^61-1 (Montgomery)"]
            pair_rows.append([str(cfg), label, f"{rate / 1e9:.2f} G/s", ratio_text(floor / rate)])
        best = rates["now, p < 2^31"]
        ratio = floors["mulmod p < 2^31"] / best
        targets.append(
            Target(
                f"pair kernel {cfg}, p < 2^31: mulmod floor / kernel rate",
                ratio_text(ratio),
                "<= 2x",
                ratio <= 2.0,
            )  # fmt: skip
        )
        speed = best / rates["before, 2^61-1"]
        targets.append(
            Target(
                f"pair kernel {cfg}: now (p < 2^31) / before (2^61-1)",
                ratio_text(speed),
                "report",
                None,
            )  # fmt: skip
        )
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
    e = ev["net.evaluate (default)"] / ev["rac.forward"]
    targets.append(Target("net.evaluate / rac.forward (batch 256)", ratio_text(e), "<= 1x (+noise)",
                          e <= 1.2))  # fmt: skip
    tables = [
        Table(["floor (1 thread)", "rate"], floor_rows, "**Floors** (element-wise, one core):"),
        Table(
            ["(M, R, L, T)", "kernel", "multiply-adds / s", "floor / rate"],
            pair_rows,
            f"**Pair kernel**, K = {K} row and column parts, Start-End, 1 thread:",
        ),  # fmt: skip
        Table(
            [
                "work (multiply-adds)",
                "serial",
                f"parallel ({numba.config.NUMBA_NUM_THREADS} threads)",
                "serial / parallel",
            ],
            crossover,
            "**Serial vs parallel** (float64 pair kernel, M = R = 4, L = 2, 4 steps, p < 2^21; "
            f"`PARALLEL_MIN_WORK` = {modular.PARALLEL_MIN_WORK:,}):",
        ),  # fmt: skip
        Table(
            ["rank of a random K x K matrix (1 thread)", "time", "(2/3) K^3 / time"],
            prime_rows,
            "**Rank by prime size** (K = " + ("256" if quick else "2048") + "):",
        ),  # fmt: skip
        Table(
            ["FLINT rank", "time", "speed-up vs list"],
            flint_rows,
            "**FLINT rank of a random K x K matrix** (conversion included):",
        ),  # fmt: skip
        Table(
            ["grid tensor (M=2, R=8, L=1)", "time"],
            [[k, seconds_text(v)] for k, v in grid.items()],
            f"**Grid tensor, T = {T}:**",
        ),  # fmt: skip
        Table(
            ["evaluate (M=2, R=4, L=2, T=10, batch 256)", "time"],
            [[k, seconds_text(v)] for k, v in ev.items()],
            "**Evaluate:**",
        ),  # fmt: skip
    ]
    notes = [
        "The pair kernel's rate counts the multiply-adds of the layer-2 recurrence (2 R^2 per "
        "pair, step and layer above 1); each dot product of R terms is reduced once (p < 2^31) "
        "or Montgomery-reduced once (2^61-1), plus one modular product per state entry, so "
        "its floor is between the mulmod rate and the multiply-add rate.",
        f"Threads: numba 1 and BLAS 1 except the serial/parallel table and the FLINT line with "
        f"{flint_matrices.flint_threads()} threads; machine cores: {os.cpu_count()}.",
    ]
    floor = (
        "the element-wise modular product rate (mulmod) and the plain multiply-add rate of "
        "one core (the floors table); each pair kernel's distance is its 'floor / rate' column "
        "(below 1x: faster than one modular product per multiply-add, as the float64 kernel "
        "reduces once per dot product). The rank's floor is (2/3) K^3 multiply-adds at the "
        "rates of the prime-size table."
    )
    return RowResult(7, "exact-arithmetic kernels vs the machine's floors", "One process, "
                     "repetitions interleaved, median kept.", tables, targets, notes,
                     time.perf_counter() - begin, floor=floor)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repetitions")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    main()
