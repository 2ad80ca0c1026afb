"""Benchmark suite plumbing: the measurements it relies on, checked against known answers.

No timing is asserted: only that the machinery measures what it says (a known allocation, a
known power law, a contraction path that gives the right tensor) and that the quick suite
writes its tables.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cotengra as ctg
import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import _suite  # noqa: E402
import bench_cuts  # noqa: E402
import bench_paths  # noqa: E402
import run_all  # noqa: E402

from rac_tn import RAC, compile_rac  # noqa: E402
from rac_tn.network.grid_tensor import grid_tensor  # noqa: E402


def test_child_process_peak_memory_sees_a_known_allocation():
    # a fresh process that fills a 64 MiB array per call raises its peak RSS by 64 MiB
    child = _suite.run_child("_suite", "allocate", {"mib": 64}, reps=2, warmup=False)
    assert 60 <= child.call_mib <= 72
    assert len(child.timing.times) == 2


def test_measure_keeps_a_single_run_when_a_call_is_long():
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.02)

    timing, _ = _suite.measure(slow, 5, warmup=True, single_over=0.01)
    assert timing.cut_short and len(calls) == 1  # the warm-up itself was over the limit
    timing, _ = _suite.measure(lambda: None, 5, warmup=True)
    assert len(timing.times) == 5 and not timing.cut_short


def test_measure_stops_a_call_at_the_cap():
    timing, result = _suite.measure(lambda: time.sleep(30), 5, warmup=False, cap=0.05)
    assert timing.stopped == [True] and timing.lower_bound and result is None
    assert 0.05 <= timing.value < 5  # stopped well before the call would have returned
    assert str(timing).startswith("> ")


def test_fitted_exponent_recovers_a_power_law():
    Ts = [256, 512, 1024, 2048, 4096]
    assert bench_cuts.fit_exponent(Ts, [3e-7 * T**1.5 for T in Ts]) == pytest.approx(1.5)


def test_meet_in_the_middle_path_contracts_to_the_grid_tensor():
    # the path bench_paths proposes for the MPS gives the brute-force grid tensor, in fewer
    # flops than the compiler's sweep (about 2R+1 times fewer for long T; > R times here)
    M, R, T = 2, 4, 8
    rac = RAC.random(M, R, seed=3)
    net = compile_rac(rac, T)
    terms, output, size_dict = bench_paths._grid_terms(net)
    tree = ctg.ContractionTree.from_path(
        terms, output, size_dict, ssa_path=bench_paths.mps_meet_in_the_middle(T)
    )
    A = net.grid_tensor(optimize=tree)
    np.testing.assert_allclose(A, grid_tensor(rac, T, method="brute"), rtol=1e-12)
    sweep = net.contraction_cost().flops
    assert tree.total_flops() < sweep / R


def test_scalar_network_contracts_to_forward():
    rac = RAC.random(2, 3, depth=2, seed=4)
    net = compile_rac(rac, 5)
    X = np.random.default_rng(0).random((5, 2))
    terms, output, size_dict, arrays = bench_paths.scalar_network(net, X)
    tree = ctg.ContractionTree.from_path(terms, output, size_dict, ssa_path=net.path)
    assert float(tree.contract(arrays)) == pytest.approx(float(rac.forward(X)[0]), rel=1e-12)


@pytest.mark.filterwarnings("ignore:Couldn't import `kahypar`")
def test_quick_suite_writes_the_tables(tmp_path):
    out = run_all.main(["--quick", "--rows", "2,3,4", "--out", str(tmp_path / "R.md")])
    text = out.read_text()
    for heading in ("## Targets", "## Row 2", "## Row 3", "## Row 4", "Machine:", "numba"):
        assert heading in text
    assert "## Row 1" not in text and "n/a (quick)" in text


@pytest.mark.filterwarnings("ignore:Couldn't import `kahypar`")
def test_a_run_without_out_prints_and_leaves_the_committed_results_alone(capsys):
    committed = run_all.BENCH_DIR / "RESULTS.md"
    before = committed.read_bytes() if committed.exists() else None
    assert run_all.main(["--quick", "--rows", "3"]) is None
    assert "## Row 3" in capsys.readouterr().out
    assert (committed.read_bytes() if committed.exists() else None) == before


def test_numpy_prefix_sweep_baseline_is_the_grid_tensor():
    # the alternative row 1 times must compute the same tensor as a plain forward loop
    import bench_gridtensor

    for L in (1, 2, 3):
        rac = RAC.random(2, 3, depth=L, seed=L)
        T = 5
        X = np.eye(2)[np.array(np.unravel_index(np.arange(2**T), (2,) * T)).T]
        np.testing.assert_allclose(
            bench_gridtensor.numpy_prefix_sweep(rac, T).reshape(-1),
            rac.forward(X)[:, 0],
            rtol=1e-12,
        )


def test_numpy_meet_in_the_middle_and_brute_force_are_the_grid_tensor():
    # row 1's baselines must compute the same tensor as a plain forward loop
    import bench_gridtensor

    for M, R, L, T in ((2, 3, 1, 6), (3, 2, 1, 5), (2, 3, 2, 5), (2, 2, 3, 4)):
        rac = RAC.random(M, R, depth=L, seed=L + T)
        X = np.eye(M)[np.array(np.unravel_index(np.arange(M**T), (M,) * T)).T]
        expected = rac.forward(X)[:, 0]
        np.testing.assert_allclose(
            bench_gridtensor.numpy_brute(rac, T).reshape(-1), expected, rtol=1e-12
        )
        if L == 1:
            np.testing.assert_allclose(
                bench_gridtensor.numpy_meet_in_the_middle(rac, T).reshape(-1), expected, rtol=1e-12
            )
    with pytest.raises(ValueError, match="depth 1"):
        bench_gridtensor.numpy_meet_in_the_middle(RAC.random(2, 2, depth=2, seed=0), 4)


@pytest.mark.parametrize(
    ("M", "R", "L", "part", "T"), [(4, 4, 2, "start-end", 6), (2, 2, 3, "interleaved", 5)]
)
def test_naive_prefix_shared_rank_matches_the_library_and_its_check_catches_a_wrong_entry(
    M, R, L, part, T
):
    import bench_rank

    rac, P = bench_rank.model(M, R, L), bench_rank.partition(part, T)
    exact = bench_rank.exact_rank(rac, P)
    naive = bench_rank.naive_rank(rac, P, exact["samples"], exact["prime"])
    assert naive["rank"] == exact["rank"]
    bench_rank.check_naive(rac, P, naive, exact["prime"])  # entries equal rac.forward_mod
    K = exact["samples"]
    naive["Y"][np.arange(K), np.arange(K)] += 1  # a wrong matrix can be full rank too
    with pytest.raises(AssertionError, match="forward_mod"):
        bench_rank.check_naive(rac, P, naive, exact["prime"], pairs=4 * K * K)


def test_kernel_trace_sees_the_default_calls_kernels_and_restores_them():
    import bench_kernels

    from rac_tn import start_end
    from rac_tn.arith import elimination, pair_kernels

    before = (pair_kernels.pair_lanes, elimination.rank_mod_p)
    total, calls = bench_kernels.trace_default_call(RAC.random(4, 4, depth=2, seed=0), start_end(8))
    assert (pair_kernels.pair_lanes, elimination.rank_mod_p) == before
    names = {name for name, *_ in calls}
    assert {"pair_lanes", "layer1_maps", "rank"} <= names
    for name, _, args, seconds in calls:
        assert bench_kernels.kernel_work(name, args) > 0 and 0 <= seconds <= total
    # the pair kernel's count: (4 * 4) pairs of start parts ... checked on one call by hand
    name, _, args, _ = next(c for c in calls if c[0] == "pair_lanes")
    start, _, cols_t, _, first = args[:5]
    R, steps = 4, cols_t.shape[0]
    assert first == 1  # start-end, L = 2: layer 1 is linear in its start state
    assert bench_kernels.kernel_work(name, args) == start.shape[0] * cols_t.shape[2] * (
        steps * 2 * R * R + R
    )


def test_thread_count_sets_and_restores_numba_and_flint():
    import flint
    import numba
    from _threads import thread_count

    saved = (numba.get_num_threads(), flint.ctx.threads)
    with thread_count(1) as n:
        assert n == 1 and numba.get_num_threads() == 1 and flint.ctx.threads == 1
    assert (numba.get_num_threads(), flint.ctx.threads) == saved
