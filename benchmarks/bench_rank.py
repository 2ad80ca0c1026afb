"""Row 5 (and half of row 6): exact separation ranks, their reach in 60 s, the K^3/3 floor.

Run alone: ``python benchmarks/bench_rank.py [--quick]`` (prints the row's markdown).

- *exact rank*: ``separation_rank(rac, partition, seed=2)``, the default call (K x K
  evaluations modulo a random prime, K doubling up to the proven bound; certified when the rank
  meets it).
- *naive, prefix-shared*: the strongest simple route a user would write (:func:`naive_rank`):
  draw K random start and end parts, run the shared prefix once per row part, then the
  remaining steps for all K^2 pairs in numpy (residues in float64, exact below 2^53, so the
  products go through BLAS), then ``flint.nmod_mat(...).rank()``. It runs at the prime the
  library used (read from the RankResult), with K the library's final K (the same matrix
  size, known in advance: the library grows K by doubling), in the same process, at the same
  thread count (:mod:`_threads`), timed interleaved with the library call; its rank must
  equal the library's (asserted).
- *dense grid + SVD*: ``np.linalg.matrix_rank`` of the matricized float grid tensor, kept only as
  a correctness demonstration: its count is compared with the exact rank of the same tensor.

The one-T table times both routes at one thread and at the default thread count (every core).
The reach runs are default calls in fresh processes with BLAS and numba on every core. The
floor of a rank K is one LU of the K x K matrix, K^3 / 3 multiply-adds, at this machine's
float64 matrix-product rate (the fastest exact rate: the first attempt's primes are below 2^21)
measured in this run at the same thread count.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from fractions import Fraction

import flint
import numpy as np
from _suite import RowResult, Table, Target, ratio_text, run_child, seconds_text
from _threads import gemm_rate, interleaved, lu_floor_seconds

import rac_tn
from rac_tn import RAC, start_end
from rac_tn._checks import FloatRangeError
from rac_tn.exact.rank import separation_rank
from rac_tn.network.grid_tensor import grid_tensor

LIMIT = 60.0  # seconds: "the largest certified rank reached in 60 s"
REACH_TIMEOUT = 2 * LIMIT  # a reach run still going then is stopped (its process killed)
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
# (M, R, L, partition, T): exact rank vs naive forward + FLINT, each in fresh processes
TIME_CASES = [(4, 4, 2, "start-end", 16), (2, 2, 2, "interleaved", 8)]
QUICK_TIME_CASES = [(4, 4, 2, "start-end", 6), (2, 2, 3, "interleaved", 6)]
# reach: T ladders per (M, R, L, partition); a case stops at the first T predicted over 60 s
REACH = {
    (4, 4, 2, "start-end"): [16, 24, 28, 32, 36, 38, 40, 42],
    (2, 2, 2, "start-end"): [256, 512, 1024, 1536, 2048],
    (2, 2, 3, "start-end"): [16, 24, 28, 32, 36, 40],
    (2, 2, 4, "start-end"): [8, 12, 14, 16, 18, 20, 22],
    (2, 2, 2, "interleaved"): [6, 8, 10, 12],
    (2, 2, 3, "interleaved"): [4, 6, 8, 10],
    (2, 2, 4, "interleaved"): [4, 6, 8, 10],
}
QUICK_REACH = {(4, 4, 2, "start-end"): [6, 8], (2, 2, 2, "interleaved"): [4, 6]}
BUDGET, QUICK_BUDGET = 100.0, 2.0  # seconds of reach runs per case
SVD_CASES = [(4, 4, 2, 10), (2, 2, 3, 20)]  # dense 1024 x 1024
QUICK_SVD_CASES = [(4, 4, 2, 6)]


def partition(name: str, T: int):
    return start_end(T) if name == "start-end" else rac_tn.interleaved(T)


def model(M: int, R: int, L: int) -> RAC:
    return RAC.random(M, R, depth=L, seed=0)


def gaussian_model(M: int, R: int, L: int) -> RAC:
    """Standard normal weights: entries of the grid tensor then span hundreds of decades."""
    rng = np.random.default_rng(0)
    return RAC(
        [rng.standard_normal((R, M))] + [rng.standard_normal((R, R)) for _ in range(L - 1)],
        [rng.standard_normal((R, R)) for _ in range(L)],
        rng.standard_normal((1, R)),
    )


def exact_rank(rac: RAC, part) -> dict:
    result = separation_rank(rac, part, seed=2)
    return {
        "rank": result.rank,
        "exact": result.exact,
        "certified": result.certified,
        "samples": result.samples,
        "prime": result.prime,
        "primes": len(result.primes),
    }


def _residues(weights: np.ndarray, p: int) -> np.ndarray:
    """Exact residues modulo p of float weights (each a dyadic rational), as float64."""

    def one(x: float) -> int:
        q = Fraction(float(x))
        return q.numerator % p * pow(q.denominator, -1, p) % p

    return np.vectorize(one, otypes=[np.float64])(np.asarray(weights, dtype=np.float64))


def naive_rank(rac: RAC, part, K: int, p: int, seed: int = 2) -> dict:
    """The prefix-shared naive route: K x K evaluations in numpy modulo p, then python-flint.

    Rows hold time 1; the prefix up to the first column time is run once per row part, then
    every pair runs the remaining steps from its row part's states (all K^2 pairs at once).
    Residues are held in float64: exact while every dot product stays below 2^53.
    """
    width = max(rac.R, rac.M)
    if width * (p - 1) ** 2 >= 2**53:
        raise ValueError(f"p = {p} too large for exact float64 products of width {width}")
    rng = np.random.default_rng(seed)
    wi = [_residues(w, p) for w in rac.input_weights]
    wh = [_residues(w, p) for w in rac.hidden_weights]
    wo = _residues(rac.output_weights, p)
    row_times = set(part.start if 1 in part.start else part.end)
    shared = min(t for t in range(1, part.T + 2) if t not in row_times) - 1
    from_cols = [t not in row_times for t in range(shared + 1, part.T + 1)]
    M, S = rac.M, len(from_cols)
    prefix = rng.integers(0, p, size=(K, shared, M)).astype(np.float64)
    row_rest = rng.integers(0, p, size=(K, S, M)).astype(np.float64)
    col_rest = rng.integers(0, p, size=(K, S, M)).astype(np.float64)

    def step(h: list[np.ndarray], x: np.ndarray) -> None:
        for layer in range(len(h)):
            h[layer] = x = (h[layer] @ wh[layer].T % p) * (x @ wi[layer].T % p) % p

    h = [np.tile(_residues(h0, p), (K, 1)) for h0 in rac.initial_states]
    for t in range(shared):  # once per row part
        step(h, prefix[:, t])
    h = [np.repeat(state, K, axis=0) for state in h]  # pair (i, j) at row i * K + j
    for s in range(S):
        x = np.tile(col_rest[:, s], (K, 1)) if from_cols[s] else np.repeat(row_rest[:, s], K, 0)
        step(h, x)
    Y = (h[-1] @ wo[0] % p).astype(np.int64).reshape(K, K)
    rank = int(flint.nmod_mat(K, K, Y.ravel().tolist(), p).rank())
    return {"rank": rank, "Y": Y, "parts": (prefix, row_rest, col_rest)}


def check_naive(rac: RAC, part, out: dict, p: int, pairs: int = 32) -> None:
    """Raise AssertionError unless ``pairs`` random entries of the naive matrix equal
    ``rac.forward_mod`` of the same whole sequences (a wrong matrix is full rank too)."""
    prefix, row_rest, col_rest = out["parts"]
    K, shared = prefix.shape[0], prefix.shape[1]
    row_times = set(part.start if 1 in part.start else part.end)
    rest = [t for t in range(shared + 1, part.T + 1)]
    rng = np.random.default_rng(7)
    i, j = rng.integers(0, K, size=pairs), rng.integers(0, K, size=pairs)
    X = np.empty((pairs, part.T, rac.M), dtype=np.uint64)
    X[:, :shared] = prefix[i]
    for s, t in enumerate(rest):
        X[:, t - 1] = row_rest[i, s] if t in row_times else col_rest[j, s]
    expected = rac.forward_mod(X, p)[:, 0].astype(np.int64)
    if not np.array_equal(out["Y"][i, j], expected):
        raise AssertionError("the naive route's evaluations differ from rac.forward_mod")


def make_call(M: int, R: int, L: int, part: str, T: int, route: str, K: int = 0, p: int = 0):
    """Set-up for one (case, route) in a child process (row 6's memory); the callable to time."""
    rac = model(M, R, L)
    separation_rank(rac, start_end(4), seed=0)  # numba kernels: compile or load, untimed
    P = partition(part, T)
    if route == "exact":
        return lambda: exact_rank(rac, P)
    if route == "naive":
        return lambda: naive_rank(rac, P, K, p)
    raise ValueError(f"route must be 'exact' or 'naive', got {route!r}")


def _all_cores(fn):
    """Run ``fn`` with children that use every core for BLAS and numba (restored after)."""
    saved = {v: os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")}
    os.environ.update({v: str(CORES) for v in saved})
    try:
        return fn()
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _reach(case: tuple, Ts: list[int], budget: float, rate: float) -> tuple[list, list | None]:
    """Single runs at growing T: table rows, and the best run within 60 s (exact ranks)."""
    M, R, L, part = case
    rows, history, best, spent = [], [], None, 0.0
    for T in Ts:
        if len(history) >= 2:
            (T0, t0), (T1, t1) = history[-2:]
            predicted = t1 * (t1 / max(t0, 1e-3)) ** ((T - T1) / (T1 - T0))
        elif history:
            predicted = history[-1][1] * 8
        else:
            predicted = 0.0
        if history and (predicted > LIMIT or spent + predicted > budget):
            rows.append([str(T), "not run", "", "", f"predicted {predicted:.0f} s", "", ""])
            break
        try:
            child = _all_cores(
                lambda T=T: run_child(
                    "bench_rank",
                    "make_call",
                    {"M": M, "R": R, "L": L, "part": part, "T": T, "route": "exact"},
                    reps=1,
                    warmup=False,
                    timeout=REACH_TIMEOUT,
                )
            )
        except subprocess.TimeoutExpired:  # the child is killed: the ladder ends here
            rows.append([str(T), "stopped", "", "", f"> {REACH_TIMEOUT:.0f} s", "", ""])
            break
        seconds, info = child.timing.value, child.info
        spent += seconds
        status = "certified" if info["certified"] else "exact" if info["exact"] else "lower bound"
        floor = lu_floor_seconds(info["samples"], rate)
        rows.append(
            [
                str(T),
                f"{info['rank']:,}",
                status,
                f"{info['samples']:,}",
                seconds_text(seconds),
                seconds_text(floor),
                ratio_text(seconds / floor),
            ]  # fmt: skip
        )
        if not info["exact"] or seconds > LIMIT:
            break
        best = [T, info["rank"], status, seconds, floor]
        history.append((T, seconds))
    return rows, best


def _case_name(M, R, L, part=None, T=None) -> str:
    text = f"M=R={M}, L={L}" if M == R else f"M={M}, R={R}, L={L}"
    text += f", {part}" if part else ""
    return text + (f", T={T}" if T is not None else "")


def _time_rows(cases, reps, rates, memory_children=True):
    """Library vs the prefix-shared naive route, interleaved, at 1 thread and the default."""
    rows, targets, memory = [], [], []
    for M, R, L, part, T in cases:
        rac, P = model(M, R, L), partition(part, T)
        separation_rank(rac, start_end(4), seed=0)  # numba kernels: compile or load, untimed
        first = exact_rank(rac, P)
        K, prime = first["samples"], first["prime"]

        def library(rac=rac, P=P):
            return exact_rank(rac, P)

        def naive(rac=rac, P=P, K=K, prime=prime):
            return naive_rank(rac, P, K, prime)

        fns = {(route, n): (fn, n) for n in (1, None) for route, fn in
               (("exact", library), ("naive", naive))}  # fmt: skip
        timings, outputs = interleaved(fns, reps)
        check_naive(rac, P, outputs[("naive", 1)], prime)
        for (route, threads), out in outputs.items():
            if out["rank"] != first["rank"]:
                raise AssertionError(f"{route} rank {out['rank']} ({threads} threads) differs "
                                     f"from the library's ({first['rank']})")  # fmt: skip
        name = _case_name(M, R, L, part, T)
        cells, texts = [], []
        for threads in (1, None):
            exact, naive = timings[("exact", threads)], timings[("naive", threads)]
            floor = lu_floor_seconds(K, rates[threads])
            ratio = naive.value / exact.value
            cells += [str(exact), str(naive), ratio_text(ratio),
                      ratio_text(exact.value / floor)]  # fmt: skip
            texts.append(ratio_text(ratio))
        rows.append([name, f"{K:,}", f"{prime:,}" + ("" if first["primes"] == 1 else
                     f" (best of {first['primes']} primes)"), *cells,
                     f"{first['rank']:,}"])  # fmt: skip
        targets.append(Target(f"exact rank {name}: naive prefix-shared (same prime, threads, "
                              f"process) / exact, 1 / {CORES} threads",
                              " / ".join(texts), "report", None))  # fmt: skip
        if not memory_children:
            continue
        spec = {"M": M, "R": R, "L": L, "part": part, "T": T}
        exact_child = run_child("bench_rank", "make_call", {**spec, "route": "exact"}, reps=1)
        naive_child = run_child("bench_rank", "make_call",
                                {**spec, "route": "naive", "K": K, "p": prime}, reps=1)  # fmt: skip
        memory += [(name, "exact rank", exact_child),
                   (name, "naive prefix-shared + FLINT", naive_child)]  # fmt: skip
    return rows, targets, memory


def _svd_rows(cases):
    rows = []
    for M, R, L, T in cases:
        for name, m in (("default float", model(M, R, L)), ("Gaussian", gaussian_model(M, R, L))):
            grid = separation_rank(m, start_end(T), method="grid", max_entries=1 << 24)
            sep = exact_rank(m, start_end(T))
            try:
                A = grid_tensor(m, T).reshape(M ** (T // 2), -1)
            except FloatRangeError:  # the float route cannot even form the tensor
                rows.append([_case_name(M, R, L, None, T), name, "over 307 (underflow)",
                             "no float64 tensor", str(grid.rank), str(sep["rank"]),
                             "**no float answer**"])  # fmt: skip
                continue
            nonzero = np.abs(A[A != 0])
            span = np.log10(nonzero.max() / nonzero.min()) if nonzero.size else 0.0
            count = int(np.linalg.matrix_rank(A))
            sep_text = f"{sep['rank']}" + ("" if sep["certified"] else " (not certified)")
            verdict = "**differs**" if count != grid.rank else "equal"
            rows.append([_case_name(M, R, L, None, T), name, f"{span:.1f}", str(count),
                         str(grid.rank), sep_text, verdict])  # fmt: skip
    return rows


def run(*, quick: bool = False, reps: int = 5, memory_children: bool = True) -> RowResult:
    """Row 5; ``memory_children``: also run each route in a fresh process (row 6's memory)."""
    begin = time.perf_counter()
    n = 512 if quick else 2048
    rates = {threads: gemm_rate(n, reps, threads) for threads in (1, None)}
    rate = rates[None]  # reach runs: default calls on every core
    svd_rows = _svd_rows(QUICK_SVD_CASES if quick else SVD_CASES)
    time_rows, targets, memory = _time_rows(
        QUICK_TIME_CASES if quick else TIME_CASES, reps, rates, memory_children
    )
    print(f"row 5 time cases: {time_rows}", file=sys.stderr, flush=True)
    reach_rows, summary = [], []
    for case, Ts in (QUICK_REACH if quick else REACH).items():
        rows, best = _reach(case, Ts, QUICK_BUDGET if quick else BUDGET, rate)
        name = _case_name(*case)
        reach_rows += [[name, *row] for row in rows]
        print(f"row 5 reach {name}: {rows}", file=sys.stderr, flush=True)
        if best is None:
            summary.append([name, "none", "", "", "", ""])
            continue
        T, rank, status, seconds, floor = best
        summary.append([name, f"{rank:,} ({status})", str(T), seconds_text(seconds),
                        seconds_text(floor), ratio_text(seconds / floor)])  # fmt: skip
        targets.append(Target(f"largest exact rank in 60 s, {name}",
                              f"{rank:,} at T={T} ({status}), {ratio_text(seconds / floor)} "
                              "the K^3/3 floor", "report", None))  # fmt: skip
    for row in reach_rows:
        if row[0] == _case_name(4, 4, 2, "start-end") and row[1] == "38" and row[3] == "certified":
            seconds = float(row[5].split()[0]) * (1e-3 if row[5].endswith("ms") else 1.0)
            what = "certified exact rank 6160, M=R=4, L=2, Start-End, T=38 (default call)"
            targets.insert(0, Target(what, row[5], "< 60 s", seconds < LIMIT))
    differs = sum(r[-1] != "equal" for r in svd_rows)
    notes = [
        "Floor: one LU of the K x K matrix, K^3 / 3 multiply-adds, at this machine's float64 "
        f"matrix-product rate measured in this run: {rates[1] / 1e9:.1f} G multiply-adds a "
        f"second on 1 thread, {rates[None] / 1e9:.1f} G on {CORES} (exact for the first "
        "attempt's primes below 2^21). The exact route also evaluates the K^2 pairs and, K "
        "doubling, ranks the smaller matrices on the way.",
        "Naive prefix-shared route (`naive_rank`): numpy with residues in float64 (BLAS "
        "products), the shared prefix run once per row part, every pair's remaining steps "
        "batched, python-flint's `nmod_mat` rank from a list; at the library's prime and final "
        "K, in this process, threads set alike for both (BLAS by threadpoolctl, numba, FLINT), "
        "repetitions interleaved with the library call. Its rank is asserted equal to the "
        "library's. Memory (row 6) is measured in separate fresh processes.",
        "Reach runs are single runs, each a default call in a fresh process (BLAS and numba "
        f"on {CORES} cores, not repeated at 1 thread); T climbs its ladder while the time "
        f"predicted from the last two runs stays under 60 s and within {BUDGET:.0f} s of runs "
        "per case. 'certified': the rank meets the symmetric cut bound; 'exact': below it, "
        "with failure probability <= 1e-9; a run that hits the sample cap (a lower bound) "
        f"ends the ladder, as does a run stopped after {REACH_TIMEOUT:.0f} s ('stopped').",
        f"numpy's SVD gives no correct rank in {differs} of {len(svd_rows)} cases: roundoff "
        "hides all but a few singular values, or float64 cannot hold the tensor (underflow). "
        "The SVD route estimates the grid-tensor rank (identity templates), so it is compared "
        "with the exact grid-tensor rank.",
    ]
    ratios = ", ".join(f"{row[0]}: {row[-1]}" for row in summary if row[-1])
    floor = (
        f"one LU of the K x K matrix, K^3 / 3 multiply-adds, at {rates[None] / 1e9:.1f} G a "
        f"second (float64 matrix products on {CORES} cores; {rates[1] / 1e9:.1f} G on 1, "
        "measured in this run). Time of the largest exact rank in 60 s over that floor: "
        f"{ratios}."
    )
    cores = f"{CORES} threads"
    return RowResult(
        5,
        "exact separation rank: reach in 60 s, the K^3/3 floor, a prefix-shared naive route",
        "Model `RAC.random(M, R, depth=L, seed=0)` (float weights, read exactly).",
        [
            Table(
                [
                    "case",
                    "K",
                    "prime",
                    "exact rank, 1 thread",
                    "naive, 1 thread",
                    "naive / exact, 1 thread",
                    "exact / K^3/3 floor, 1 thread",
                    f"exact rank, {cores}",
                    f"naive, {cores}",
                    f"naive / exact, {cores}",
                    f"exact / K^3/3 floor, {cores}",
                    "rank (both)",
                ],
                time_rows,
                f"**Time at one T** (median of {reps}, both routes in this process, "
                "repetitions interleaved):",
            ),
            Table(
                ["case", "largest exact rank in 60 s", "T", "time", "K^3/3 floor", "time / floor"],
                summary,
                "**Reach in 60 s** (runs below):",
            ),
            Table(
                ["case", "T", "rank", "status", "K", "time", "K^3/3 floor", "time / floor"],
                reach_rows,
                "Reach runs:",
            ),
            Table(
                [
                    "case",
                    "model",
                    "decades spanned by |entries|",
                    "np.linalg.matrix_rank",
                    "exact grid-tensor rank",
                    "exact sep. rank",
                    "SVD vs exact",
                ],
                svd_rows,
                "**Correctness: numpy's SVD count against the exact rank of the same grid "
                "tensor** (Start-End):",
            ),
        ],  # fmt: skip
        targets,
        notes,
        time.perf_counter() - begin,
        {"memory": memory},
        floor=floor,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small T, 2 repetitions")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    main()
