"""Row 1 (and half of row 6): the grid tensor, ``method='auto'`` against the alternatives.

Run alone: ``python benchmarks/bench_gridtensor.py [--quick]`` (prints the row's markdown).

**Timing** (one process, this one): for each case the repetitions of the methods below are
interleaved (auto, sweep, quimb cached, brute, floor, auto, ...; one untimed warm-up each
first), so load from other processes hits all alike; the median is kept. Threads are pinned:
BLAS to one (``OPENBLAS_NUM_THREADS=1`` etc., set before numpy is imported) and numba to one
(``numba.set_num_threads(1)``), except the "auto, all threads" column (numba's default thread
count for that call).

- ``auto``: ``rac_tn.grid_tensor(rac, T, method='auto')`` (checks of the float range included);
- ``numpy sweep`` (:func:`numpy_prefix_sweep`) and ``quimb cached`` (a cotengra tree found
  in set-up, reused): the strongest alternatives a researcher would write;
- ``brute``: ``method='brute'``, batched ``rac.forward`` over all ``N^T`` sequences;
- ``floor``: ``np.ones(N^T * C)``, a fresh float64 array of the output's size written once
  (allocation and page faults included, as every method pays them): the physical floor;
- ``quimb auto-hq``: ``net.tn.contract(all, optimize='auto-hq', output_inds=...)`` on the
  compiled network (compiled during set-up, not timed), a *first* call every time, in its own
  fresh process (:func:`_suite.run_child`): cotengra's path and expression caches and the
  auto-hq optimiser are cleared before each call, as in ``benchmarks/bench_grid.py``, so the
  time includes the path search; after each call (untimed) the search pool's workers are
  killed (:func:`_suite.stop_cotengra_pool`).

**Memory** (row 6): every other method also runs once (after a warm-up) in its own fresh
process, whose peak resident set is its own.

The outputs of each case are compared in the timing process, case by case (largest deviation
from brute force relative to brute force's largest entry).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS pinned (effective when imported first)

import numba  # noqa: E402
import numpy as np  # noqa: E402
from _suite import (  # noqa: E402
    ChildResult,
    RowResult,
    Table,
    Target,
    Timing,
    clear_quimb_path_caches,
    ratio_text,
    run_child,
    stop_cotengra_pool,
)

from rac_tn import RAC  # noqa: E402
from rac_tn.network import compile_rac, count_tensors  # noqa: E402
from rac_tn.network.grid_tensor import grid_tensor  # noqa: E402

CASES = [(2, 8, 1, 20), (2, 4, 2, 16), (2, 3, 3, 16)]  # (M, R, L, T), the network issue's shapes
QUICK_CASES = [(2, 8, 1, 12), (2, 4, 2, 10), (2, 3, 3, 8)]
TIMED = ("auto", "numpy sweep", "quimb cached", "brute", "floor", "auto, all threads")
CHILD_METHODS = ("auto", "numpy sweep", "quimb cached", "brute")  # memory only (row 6)
BRUTE_TARGET = 10.0
SWEEP_TARGET = 5.0  # issue 14: against the strongest short alternative
QUIMB_TARGET = 5.0
QUIMB_CAP = 30.0  # seconds: a quimb call still running then is stopped (a lower bound)


def make_call(M: int, R: int, L: int, T: int, method: str):
    """Set-up for one (shape, method); returns the callable to time (set-up not timed)."""
    rac = RAC.random(M, R, depth=L, seed=0)
    if method in ("auto", "brute"):
        return lambda: grid_tensor(rac, T, method=method)
    if method == "auto, all threads":
        return _all_threads(lambda: grid_tensor(rac, T))
    if method == "numpy sweep":
        return lambda: numpy_prefix_sweep(rac, T)
    if method == "floor":
        return lambda: np.ones(M**T * rac.num_classes)
    if method == "quimb cached":
        net = compile_rac(rac, T)
        tree = net.contraction_tree("greedy")  # path search (greedy, in-process): set-up

        def quimb_cached() -> np.ndarray:
            return np.asarray(net.grid_tensor(optimize=tree))

        return quimb_cached
    if method != "quimb":
        raise ValueError(f"method must be one of {TIMED + ('quimb',)}, got {method!r}")
    net = compile_rac(rac, T)
    output_inds = net.input_inds + net.output_inds

    def quimb_first_call() -> np.ndarray:
        clear_quimb_path_caches()
        out = net.tn.contract(all, optimize="auto-hq", output_inds=output_inds)
        return np.asarray(out.data if hasattr(out, "data") else out)

    quimb_first_call.cleanup = stop_cotengra_pool  # the child runs it after each call, untimed
    return quimb_first_call


def _all_threads(fn):
    """``fn`` run with numba's full thread count (the rest of the row runs on one thread)."""

    def call():
        pinned = numba.get_num_threads()
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        try:
            return fn()
        finally:
            numba.set_num_threads(pinned)

    return call


def interleaved_case(M: int, R: int, L: int, T: int, reps: int) -> tuple[dict[str, Timing], float]:
    """Timings of every method in :data:`TIMED`, repetitions interleaved, numba on one thread.

    Returns the timings and the largest deviation of any method's output from brute force's,
    relative to its largest entry (this case's outputs only).
    """
    pinned = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        fns = {method: make_call(M, R, L, T, method) for method in TIMED}
        outputs = {method: fn() for method, fn in fns.items()}  # warm-up, and the outputs
        times: dict[str, list[float]] = {method: [] for method in fns}
        for _ in range(reps):
            for method, fn in fns.items():
                start = time.perf_counter()
                fn()
                times[method].append(time.perf_counter() - start)
    finally:
        numba.set_num_threads(pinned)
    ref = outputs.pop("brute").reshape(-1)
    outputs.pop("floor")
    scale = np.max(np.abs(ref))
    diff = max(float(np.max(np.abs(out.reshape(-1) - ref))) for out in outputs.values()) / scale
    return {method: Timing(ts) for method, ts in times.items()}, diff


def numpy_prefix_sweep(rac, T: int) -> np.ndarray:
    """The strongest short alternative: every prefix's states, one numpy step at a time."""
    F = np.eye(rac.M)  # templates: the identity
    states = [h[None, :].astype(float) for h in rac.initial_states]
    for _ in range(T):
        below = F
        for layer, (wh, wi) in enumerate(zip(rac.hidden_weights, rac.input_weights)):
            rec = states[layer] @ wh.T  # (P, R)
            inp = below @ wi.T  # (N, R) for layer 1, (P*N, R) above
            P = rec.shape[0]
            new = rec[:, None, :] * inp.reshape(-1 if layer else 1, F.shape[0], rec.shape[1])
            states[layer] = below = new.reshape(P * F.shape[0], -1)
    return states[-1] @ rac.output_weights.T


def _quimb_first_calls(M: int, R: int, L: int, T: int, reps: int) -> ChildResult | None:
    """quimb auto-hq's first calls, capped; None when the child hung past its caps.

    The cap stops a call by SIGALRM inside cotengra's search; its process pool has hung a
    child once (a queue feeder thread blocked on a pipe to killed workers), so the child also
    gets a wall-clock timeout, after which the case counts as stopped at the cap.
    """
    try:
        return run_child(
            "bench_gridtensor",
            "make_call",
            {"M": M, "R": R, "L": L, "T": T, "method": "quimb"},
            reps=reps,
            warmup=False,
            cap=QUIMB_CAP,
            timeout=QUIMB_CAP * (reps + 1) + 120,
        )
    except subprocess.TimeoutExpired:
        return None


def run(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    cases = QUICK_CASES if quick else CASES
    rows, targets, memory = [], [], []
    any_single = False
    for M, R, L, T in cases:
        shape = f"M={M}, R={R}, L={L}, T={T}"
        t, diff = interleaved_case(M, R, L, T, reps)
        children = {
            method: run_child(
                "bench_gridtensor",
                "make_call",
                {"M": M, "R": R, "L": L, "T": T, "method": method},
                reps=1,
                warmup=True,
            )
            for method in CHILD_METHODS
        }
        quimb = _quimb_first_calls(M, R, L, T, reps)
        if quimb is not None:
            children["quimb"] = quimb
        t["quimb"] = quimb.timing if quimb else Timing([QUIMB_CAP], stopped=[True], cut_short=True)
        auto = t["auto"].value
        ratio = {method: t[method].value / auto for method in t}
        any_single = any_single or t["quimb"].cut_short or any(t["quimb"].stopped)
        quimb_text = ("> " if t["quimb"].lower_bound else "") + ratio_text(ratio["quimb"])
        floor = t["floor"].value
        rows.append(
            [
                shape,
                f"{M**T:,}",
                f"{count_tensors(L, T):,}",
                f"{t['floor']} ({8 * M**T / floor / 1e9:.1f} GB/s)",
                *(
                    f"{t[m]} ({ratio_text(t[m].value / floor)})"
                    for m in ("auto", "auto, all threads", "numpy sweep", "quimb cached", "brute")
                ),
                str(t["quimb"]),
                ratio_text(ratio["numpy sweep"]),
                ratio_text(ratio["quimb cached"]),
                ratio_text(ratio["brute"]),
                quimb_text,
                f"{diff:.1e}",
            ]
        )
        for label, key, goal in (
            ("numpy prefix sweep / auto", "numpy sweep", SWEEP_TARGET),
            ("quimb cached path / auto", "quimb cached", None),
            ("brute / auto", "brute", BRUTE_TARGET),
            ("quimb auto-hq 1st call / auto", "quimb", QUIMB_TARGET),
            ("auto / floor (write N^T float64)", "floor", None),
        ):
            value = 1 / ratio[key] if key == "floor" else ratio[key]
            text = quimb_text if key == "quimb" else ratio_text(value)
            targets.append(
                Target(
                    f"grid tensor {shape}: {label}",
                    text,
                    "report" if goal is None else f">= {goal:.0f}x",
                    None if goal is None else value >= goal,
                )
            )
        labels = {"numpy sweep": "numpy sweep", "quimb cached": "quimb cached path"}
        labels.update({"auto": "auto", "brute": "brute", "quimb": "quimb auto-hq (1st call)"})
        memory += [(shape, labels[m], children[m]) for m in children]
    headers = [
        "shape",
        "N^T",
        "tensors",
        "floor: write N^T float64",
        "auto (/ floor)",
        "auto, all threads (/ floor)",
        "numpy prefix sweep (/ floor)",
        "quimb cached path (/ floor)",
        "brute (/ floor)",
        "quimb auto-hq (1st call)",
        "sweep / auto (target >= 5x)",
        "quimb cached / auto",
        "brute / auto (target >= 10x)",
        "quimb / auto (target >= 5x)",
        "max rel. diff",
    ]
    return RowResult(
        1,
        "grid tensor: `method='auto'` vs the numpy sweep, quimb and brute force",
        f"Median wall time of {reps} calls, the methods' calls interleaved in one process "
        "(one warm-up call each first), BLAS and numba on one thread except 'auto, all "
        "threads'; quimb auto-hq in its own process, a first call every time (path caches "
        "cleared, path search included). In brackets: time / floor.",
        [Table(headers, rows)],
        targets,
        _notes(any_single),
        time.perf_counter() - begin,
        {"memory": memory},
    )


def _notes(any_single: bool) -> list[str]:
    notes = [
        "Templates: the identity (N = M). Weights: `RAC.random(M, R, depth=L, seed=0)`.",
        "Floor: `np.ones(N^T)`, a fresh float64 array of the output's size written once "
        "(allocation and page faults included, as every method pays them); the bandwidth "
        "next to it is 8 N^T bytes / time. No method can write its output faster.",
        "numpy prefix sweep: `numpy_prefix_sweep` in this file, the 12-line numpy loop a "
        "researcher would write (all prefixes' states, one step at a time). quimb cached path: "
        "`net.grid_tensor(optimize=tree)` with the cotengra 'greedy' tree found during set-up "
        "(not timed). auto at L = 1 meets the two halves in one BLAS product (BLAS on one "
        "thread here, so 'all threads' changes nothing there); at L >= 2 it walks the prefix "
        "tree in a compiled kernel, on all numba threads from 2^20 output entries.",
        "'tensors' is the size of the compiled network quimb contracts (`count_tensors(L, T)`); "
        "compiling it is set-up, not timed.",
    ]
    if any_single:
        notes.append(
            "quimb auto-hq: '(1 run)' or 'fastest of' a list of runs: a run took over 20 s, so "
            "no further runs were made; the value used is the fastest completed run, the choice "
            "most favourable to the alternative. 'median of' a list: all runs made, one or more "
            "stopped at the cap. quimb's first call varies widely from run to run: cotengra's "
            "auto-hq runs up to 128 trials and stops once the time spent exceeds the best "
            "tree's flops / 1e8, so a poor early tree makes it search long. A call still "
            f"running after {QUIMB_CAP:.0f} s is stopped ('> {QUIMB_CAP:.0f} s', a lower bound)."
        )
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes, 2 repetitions")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    main()
