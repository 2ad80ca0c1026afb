"""Row 10: the second-order families' sampled rank on their own layers, against the RAC.

Run alone: ``python benchmarks/bench_families.py [--quick]`` (prints the row's markdown).

- *call, default*: ``separation_rank(model, start_end(T), seed=2, certificates=False)``
  (the End span, which certifies some of these ranks, is not timed): the pairs run on the
  family's own layers (:class:`rac_tn.exact.family_ops.FamilyOps`) where that is cheaper than
  its RAC equivalent (``native_pays``; a homogeneous CP-2RNN's or MIRNN's equivalent has width
  K + 1 and stays).
- *family, equivalent*: the same call with the pairs on the exact RAC equivalent's kernels
  (the route before the native kernels), one run.
- *equal-K work*: the sampled rank's work at the family's final sample count K, for three evaluators
  on the same schedule (K doubling, each round's new pairs, then the elimination of what the round
  adds, as ``GrowingRank`` does): the family's native kernels, its RAC equivalent's, and a RAC with
  the family's sizes (M = d, R = n, L, the same partition). The elimination is of uniform random
  blocks of the round's sizes, the same for the three (a full-rank matrix, as the family's rounds
  are). The target: the family's native work within 2x the RAC's.

Models: d = n = 4 (CP rank 4), depth 2, integer weights (seed 0), with and without affine
terms; one thread (BLAS, numba, FLINT); repetitions interleaved, medians.
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
from _threads import interleaved, thread_count  # noqa: E402

import rac_tn.exact.rank as rank_module  # noqa: E402
from rac_tn import CP2RNN, MIRNN, RAC, SecondOrderRNN, start_end  # noqa: E402
from rac_tn.arith import elimination  # noqa: E402
from rac_tn.exact import attempts, certify  # noqa: E402
from rac_tn.exact.family_ops import FamilyOps, runs_native  # noqa: E402
from rac_tn.exact.rank import separation_rank  # noqa: E402

RATIO_TARGET = 2.0  # native family work within 2x the RAC's at the same K
#: The calls: the sampled rank alone (a certificate's time, the End span's, is not the pairs')
CALL = dict(seed=2, certificates=False)
P = 1_048_573  # a prime below 2**21 (the first attempt's range: float64 kernels)


def _models(bias: bool) -> dict[str, object]:
    kw = dict(depth=2, bias=bias, seed=0, integer=True)
    return {
        "2rnn": SecondOrderRNN.random(4, 4, **kw),
        "cp2rnn": CP2RNN.random(4, 4, 4, **kw),
        "mirnn": MIRNN.random(4, 4, **kw),
    }


def _equivalent_rank(model, partition):
    """``separation_rank`` with the pairs on the RAC equivalent (the route before)."""
    saved = rank_module.runs_native
    rank_module.runs_native = lambda m: False
    try:
        return separation_rank(model, partition, **CALL)
    finally:
        rank_module.runs_native = saved


def route(model) -> str:
    """Which pairs a default call evaluates: the family's own layers or its RAC equivalent's."""
    return "native" if rank_module._native(model, model.to_rac()) is model else "equivalent"


def equal_k_work(ops, M: int, partition, K: int, seed: int = 0) -> int:
    """The sampled rank's pairs and eliminations up to K samples with ``ops`` (see the module)."""
    rng = np.random.default_rng(seed)
    shared, from_cols = attempts._shared_prefix(partition)
    steps = len(from_cols)
    done = 0
    rows = np.empty((0, steps, M), dtype=np.uint64)
    cols = np.empty((0, steps, M), dtype=np.uint64)
    starts = [np.empty((0, s), dtype=np.uint64) for s in ops.state_dims]
    growing = elimination.GrowingRank(P)
    for target in certify.sample_schedule(K):
        new = target - done
        prefix = rng.integers(0, P, (new, shared, M), dtype=np.uint64)
        rows = np.concatenate([rows, rng.integers(0, P, (new, steps, M), dtype=np.uint64)])
        cols = np.concatenate([cols, rng.integers(0, P, (new, steps, M), dtype=np.uint64)])
        fresh = ops.prefix(prefix) if shared else ops.initial(new)
        starts = [np.concatenate([a, b]) for a, b in zip(starts, fresh, strict=True)]
        if done:
            ops.pairs([s[:done] for s in starts], rows[:done], cols[done:], from_cols, 0)
        ops.pairs([s[done:] for s in starts], rows[done:], cols, from_cols, 0)
        growing.grow(rng.integers(0, P, (done, new), dtype=np.uint64),
                     rng.integers(0, P, (new, target), dtype=np.uint64))  # fmt: skip
        done = target
    return done


def run(*, quick: bool = False, reps: int = 5) -> RowResult:
    begin = time.perf_counter()
    T = 8 if quick else 10
    partition = start_end(T)
    rows, targets, worst = [], [], 0.0
    rac = RAC.random(4, 4, depth=2, seed=0, integer=True)
    rac_ops = attempts._RacOps(rac.modular(P))
    for bias in (False, True):
        for family, model in _models(bias).items():
            assert runs_native(model)
            with thread_count(1):
                native = separation_rank(model, partition, **CALL)
                start = time.perf_counter()
                before = _equivalent_rank(model, partition)
                before_seconds = time.perf_counter() - start
            if (before.rank, before.samples) != (native.rank, native.samples):
                raise AssertionError(f"{family}: the native route changed the rank")
            K, M = native.samples, model.input_node_dim
            fam_ops = FamilyOps(model, P)
            eq_ops = attempts._RacOps(model.to_rac().modular(P))
            fns = {
                "call": (lambda m=model: separation_rank(m, partition, **CALL), 1),
                "native": (lambda o=fam_ops, m=M, k=K: equal_k_work(o, m, partition, k), 1),
                "rac": (lambda k=K: equal_k_work(rac_ops, rac.M, partition, k), 1),
            }
            t, _ = interleaved(fns, min(reps, 3))
            with thread_count(1):
                equal_k_work(eq_ops, M, partition, min(K, 64))  # kernels loaded
                start = time.perf_counter()
                equal_k_work(eq_ops, M, partition, K)  # one run (slow)
                eq_seconds = time.perf_counter() - start
            ratio = t["native"].value / t["rac"].value
            worst = max(worst, ratio)
            rows.append([
                family, "yes" if bias else "no", f"{native.rank} ({native.status})",
                str(model.to_rac().R), route(model), str(t["call"]), seconds_text(before_seconds),
                ratio_text(before_seconds / t["call"].value), str(t["native"]),
                seconds_text(eq_seconds), str(t["rac"]), ratio_text(ratio),
            ])  # fmt: skip
            targets.append(
                Target(
                    f"{family}{' + bias' if bias else ''}, T = {T}, K = {K}: native work / RAC's",
                    ratio_text(ratio),
                    f"<= {RATIO_TARGET:g}x",
                    ratio <= RATIO_TARGET,
                )
            )
    headers = ["family", "bias", "rank", "equivalent width", "default route", "call, default",
               "call, equivalent (1 run)", "speed-up", "equal-K work, native",
               "equal-K work, equivalent (1 run)", "equal-K work, RAC (4, 4, 2)",
               "native / RAC"]  # fmt: skip
    return RowResult(
        10,
        "second-order families' sampled rank on their own layers",
        __doc__.split("\n\n", 2)[2],
        [Table(headers, rows, caption=f"d = n = 4, L = 2, Start-End T = {T}, one thread")],
        targets,
        notes=[f"Worst native / RAC ratio at equal K: {ratio_text(worst)}."],
        seconds=time.perf_counter() - begin,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(run(quick=args.quick, reps=2 if args.quick else 5).markdown())


if __name__ == "__main__":
    sys.exit(main())
