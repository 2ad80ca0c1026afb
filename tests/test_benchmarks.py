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
