"""Row 5 (and half of row 6): exact separation rank, sampled + FLINT vs dense grid + numpy SVD.

Run alone: ``python benchmarks/bench_rank.py [--quick]`` (prints the row's markdown).

Both routes run on the same float model, ``RAC.random(M, R, depth=L, seed=0)`` (the package's
well-scaled default; floats are read exactly as dyadic rationals by the exact route), Start-End:

- *sampled + FLINT*: ``separation_rank(rac, start_end(T), seed=2, max_samples=2**15)``, the
  exact separation rank of the function (K x K evaluations modulo p, rank by FLINT);
- *dense + SVD*: ``grid_tensor(rac, T)`` (float64, identity templates, ``method='auto'``),
  matricized ``M^(T/2) x M^(T/2)``, then ``np.linalg.matrix_rank`` (SVD, numpy's default
  tolerance): what a researcher without the exact route would run.

Tables: the time ratio at one T per configuration (median of 5, each route in its own fresh
process, which also gives row 6 its peak memory); the reach, the largest T each route finishes
within 60 s (single runs, T stepped upward while the time predicted from the growth so far stays
under 60 s and within this row's share of the suite's time budget), with the runs themselves;
and the ranks, where the SVD count is compared with the exact rank of the same grid tensor.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _suite import RowResult, Table, Target, ratio_text, run_child, seconds_text, timed

from rac_tn import RAC, start_end
from rac_tn.gridtensor import grid_tensor
from rac_tn.rank import separation_rank

LIMIT = 60.0  # seconds: "the largest T each reaches in 60 s"
CONFIGS = [(4, 4, 2), (2, 2, 3)]  # (M, R, L)
RATIO_T = {(4, 4, 2): 10, (2, 2, 3): 20}
QUICK_RATIO_T = {(4, 4, 2): 6, (2, 2, 3): 10}
# reach ladders: (first T, step); a route stops at the first T predicted over the limit
LADDER = {
    "sampled": {(4, 4, 2): (16, 4), (2, 2, 3): (16, 4)},
    "svd": {(4, 4, 2): (8, 2), (2, 2, 3): (18, 2)},
}
QUICK_LADDER = {
    "sampled": {(4, 4, 2): (6, 2), (2, 2, 3): (8, 2)},
    "svd": {(4, 4, 2): (4, 2), (2, 2, 3): (8, 2)},
}
# this row's time budget for the reach runs, per configuration and route (seconds)
BUDGET = {"sampled": 80.0, "svd": 30.0}
QUICK_BUDGET = {"sampled": 1.0, "svd": 1.0}
MEMORY_AT = [(4, 4, 2, 12)]  # extra peak-memory pair at the dense route's reach (one call each)


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


def sampled_rank(rac: RAC, T: int) -> dict:
    result = separation_rank(rac, start_end(T), seed=2, max_samples=1 << 15)
    return {
        "rank": result.rank,
        "exact": result.exact,
        "certified": result.certified,
        "samples": result.samples,
    }


def svd_rank(rac: RAC, T: int) -> dict:
    A = grid_tensor(rac, T, max_entries=1 << 26).reshape(rac.M ** (T // 2), -1)
    return {"rank": int(np.linalg.matrix_rank(A))}


def make_call(M: int, R: int, L: int, T: int, route: str):
    """Set-up for one (configuration, route); the callable to time (run in the child)."""
    rac = model(M, R, L)
    separation_rank(rac, start_end(4), seed=0)  # numba kernels: compile or load, untimed
    if route == "sampled":
        return lambda: sampled_rank(rac, T)
    if route == "svd":
        return lambda: svd_rank(rac, T)
    raise ValueError(f"route must be 'sampled' or 'svd', got {route!r}")


def _predict(history: list[tuple[int, float]], T: int, route: str, M: int) -> float | None:
    """Time of the next run from the last ones: the larger of the observed growth per step and
    the model's (sampled ~ T^7: K ~ T^3 parts, K^2 T evaluations and a K^3 rank; SVD ~ n^3 with
    n = M^(T/2))."""
    if not history:
        return None
    T1, t1 = history[-1]
    model_factor = (T / T1) ** 7 if route == "sampled" else float(M) ** (1.5 * (T - T1))
    factor = model_factor
    if len(history) >= 2:
        T0, t0 = history[-2]
        observed = (t1 / t0) ** ((T - T1) / (T1 - T0))
        factor = max(factor, observed)
    return t1 * factor


def _reach(
    rac: RAC, M: int, route: str, start: int, step: int, budget: float
) -> tuple[list[list[str]], str]:
    """Single runs at growing T; returns table rows and the reach statement."""
    history: list[tuple[int, float]] = []
    rows, spent, T = [], 0.0, start
    fn = sampled_rank if route == "sampled" else svd_rank
    while True:
        predicted = _predict(history, T, route, M)
        if predicted is not None and predicted > LIMIT:
            last = history[-1][0]
            return rows, f"{last} (T = {T} predicted {predicted:.0f} s > {LIMIT:.0f} s, not run)"
        if predicted is not None and spent + predicted > budget:
            last = history[-1][0]
            return rows, (
                f">= {last} (not tried beyond: T = {T} predicted {predicted:.0f} s, over this "
                "row's share of the 10-minute suite budget)"
            )
        out, seconds = timed(lambda T=T: fn(rac, T))
        spent += seconds
        rank = out["rank"]
        text = str(rank) if out.get("exact", True) else f">= {rank}"
        rows.append([str(T), text, seconds_text(seconds)])
        if seconds > LIMIT:
            last = history[-1][0] if history else None
            return rows, f"{last} (T = {T} took {seconds:.0f} s)"
        history.append((T, seconds))
        T += step


def run(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    ratio_Ts = QUICK_RATIO_T if quick else RATIO_T
    ladder = QUICK_LADDER if quick else LADDER
    budget = QUICK_BUDGET if quick else BUDGET
    ratio_rows, rank_rows, reach_rows, summary_rows, targets, memory = [], [], [], [], [], []
    for M, R, L in CONFIGS:
        rac = model(M, R, L)
        config = f"M=R={M}, L={L}" if M == R else f"M={M}, R={R}, L={L}"
        T = ratio_Ts[(M, R, L)]
        kwargs = {"M": M, "R": R, "L": L, "T": T}
        res = {
            route: run_child("bench_rank", "make_call", {**kwargs, "route": route}, reps=reps)
            for route in ("sampled", "svd")
        }
        t_s, t_d = res["sampled"].timing, res["svd"].timing
        ratio = t_d.value / t_s.value
        sep, svd = res["sampled"].info, res["svd"].info
        ratio_rows.append(
            [
                f"{config}, T={T}",
                f"{M ** (T // 2):,} x {M ** (T // 2):,}",
                str(t_s),
                str(t_d),
                ratio_text(ratio),
                str(sep["rank"]),
                str(svd["rank"]),
            ]
        )
        memory.append((f"{config}, T={T}", "sampled + FLINT", res["sampled"]))
        memory.append((f"{config}, T={T}", "dense grid + SVD", res["svd"]))
        # the ranks: SVD count against the exact rank of the very same grid tensor
        for name, m in (("default float", rac), ("Gaussian", gaussian_model(M, R, L))):
            grid = separation_rank(m, start_end(T), method="grid", max_entries=1 << 24)
            exact = sampled_rank(m, T) if name == "Gaussian" else sep
            A = grid_tensor(m, T).reshape(M ** (T // 2), -1)
            nonzero = np.abs(A[A != 0])
            span = np.log10(nonzero.max() / nonzero.min()) if nonzero.size else 0.0
            count = svd["rank"] if name == "default float" else int(np.linalg.matrix_rank(A))
            rank_rows.append(
                [
                    f"{config}, T={T}",
                    name,
                    f"{span:.1f}",
                    str(count),
                    str(grid.rank),
                    str(exact["rank"]) + ("" if exact["certified"] else " (not certified)"),
                    "**differs**" if count != grid.rank else "equal",
                ]
            )
        # reach within 60 s
        reach = {}
        for route, label in (("sampled", "sampled + FLINT"), ("svd", "dense grid + SVD")):
            start, step = ladder[route][(M, R, L)]
            rows, statement = _reach(rac, M, route, start, step, budget[route])
            reach[route] = statement
            for row in rows:
                reach_rows.append([config, label, *row])
        summary_rows.append([config, reach["sampled"], reach["svd"]])
        targets.append(
            Target(
                f"exact sep. rank {config}: largest T in 60 s, sampled vs dense SVD",
                f"sampled {reach['sampled'].split(' (')[0]}, SVD {reach['svd'].split(' (')[0]}",
                "report (no numeric target)",
                None,
            )
        )
        targets.append(
            Target(
                f"exact sep. rank {config}, T={T}: dense SVD time / sampled time",
                ratio_text(ratio),
                "report (no numeric target)",
                None,
            )
        )
    if not quick:
        for M, R, L, T in MEMORY_AT:
            config = f"M=R={M}, L={L}, T={T}" if M == R else f"M={M}, R={R}, L={L}, T={T}"
            for route, label in (("sampled", "sampled + FLINT"), ("svd", "dense grid + SVD")):
                child = run_child(
                    "bench_rank",
                    "make_call",
                    {"M": M, "R": R, "L": L, "T": T, "route": route},
                    reps=1,
                    warmup=False,
                )
                memory.append((config + " (1 call)", label, child))
    differs = [r for r in rank_rows if r[-1] == "**differs**"]
    notes = [
        "Reach runs are single runs (one per T; a median of 5 at every T would not fit the "
        "budget). T grows in the steps shown; before each run its time is predicted from the "
        "last two runs (the larger of the observed growth and the model's: sampled ~ T^7, SVD "
        "~ (M^(T/2))^3), and the route stops at the first T predicted over 60 s or over its "
        f"share of the suite budget ({budget['sampled']:.0f} s sampled, {budget['svd']:.0f} s "
        "SVD, per configuration).",
        "'sep. rank' is of the function (exact, sampled); the grid-tensor rank (identity "
        "templates) can be smaller: evaluating on one-hot inputs loses the monomials of degree "
        "> 1 in one input (L >= 2). The SVD route estimates the grid-tensor rank, so it is "
        "compared with the exact grid-tensor rank (FLINT, `separation_rank(method='grid')`).",
    ]
    if differs:
        notes.append(
            f"numpy's SVD rank differs from the exact rank in {len(differs)} of "
            f"{len(rank_rows)} cases above: roundoff hides all but a few singular values "
            "(entries of the default model are all close to 1, those of the Gaussian one span "
            "hundreds of decades)."
        )
    return RowResult(
        5,
        "exact separation rank: sampled + FLINT vs dense grid tensor + numpy SVD",
        "Start-End partition, model `RAC.random(M, R, depth=L, seed=0)` (float weights, read "
        "exactly by the sampled route).",
        [
            Table(
                [
                    "configuration",
                    "matrix (dense)",
                    "sampled + FLINT",
                    "dense grid + SVD",
                    "SVD time / sampled time",
                    "exact sep. rank",
                    "SVD rank",
                ],
                ratio_rows,
                f"**Time at one T** (median of {reps}, each route in a fresh process):",
            ),
            Table(
                ["configuration", "sampled + FLINT", "dense grid + SVD"],
                summary_rows,
                "**Reach: largest T within 60 s** (single runs; the runs are listed below):",
            ),
            Table(
                ["configuration", "route", "T", "rank found", "time"],
                reach_rows,
                "Reach runs ('rank found': sampled, the exact separation rank; SVD, numpy's "
                "count):",
            ),
            Table(
                [
                    "configuration",
                    "model",
                    "decades spanned by |entries|",
                    "np.linalg.matrix_rank",
                    "exact grid-tensor rank (FLINT)",
                    "exact sep. rank (sampled)",
                    "SVD vs exact",
                ],
                rank_rows,
                "**Ranks: numpy's SVD count against the exact rank of the same grid tensor**:",
            ),
        ],
        targets,
        notes,
        time.perf_counter() - begin,
        {"memory": memory},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small T, 2 repetitions")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    main()
