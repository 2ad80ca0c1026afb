"""The compiler: structure of the MPS and of the copy tree, checked against independent counts."""

from __future__ import annotations

import doctest
import itertools
from collections import Counter
from functools import cache
from math import comb

import numpy as np
import pytest
import quimb.tensor as qtn
from _helpers import gaussian_rac

import rac_tn.network
from rac_tn import RAC
from rac_tn.counting import paths as grid_paths
from rac_tn.network import (
    RacNetwork,
    TensorPlace,
    compile_rac,
    count_tensors,
)

TREE_SHAPES = [(1, 1), (1, 4), (2, 1), (2, 5), (3, 4), (4, 3)]  # (L, T)


def lattice_paths(L, T):
    """paths[(l, t)]: monotone lattice paths from cell (l, t) to (L, T), by recurrence."""

    @cache
    def paths(layer, time):
        if (layer, time) == (L, T):
            return 1
        total = 0
        if time < T:
            total += paths(layer, time + 1)
        if layer < L:
            total += paths(layer + 1, time)
        return total

    return {(k, t): paths(k, t) for k in range(1, L + 1) for t in range(1, T + 1)}


def brute_grid(rac, T, F=None):
    """y on every template sequence, one forward call per sequence."""
    F = np.eye(rac.M) if F is None else F
    N = F.shape[0]
    out = np.array([rac.forward(F[list(s)]) for s in itertools.product(range(N), repeat=T)])
    return out.reshape((N,) * T + ((rac.C,) if rac.C > 1 else ()))


# -- sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("L, T", TREE_SHAPES)
def test_copy_counts_are_lattice_path_counts(L, T):
    # Cell (l,t) is rebuilt once per use-path to the output: C(T-t+L-l, L-l) copies (counted
    # on the DELTA tags); input t is read by n_t = C(T-t+L-1, L-1) W^{I,1} copies.
    net = compile_rac(gaussian_rac(2, 2, L, 1), T, kind="tree")
    paths = lattice_paths(L, T)
    for (layer, t), n in paths.items():
        assert len(net.tn.select_tensors(["DELTA", f"L{layer}", f"T{t}"])) == n
        assert grid_paths(L, T, layer, t) == n
    for t in range(1, T + 1):
        copies = net.tn.select_tensors(["WI", "L1", f"T{t}"])
        assert len(copies) == paths[(1, t)] == comb(T - t + L - 1, L - 1) == grid_paths(L, T, 0, t)
        assert all(f"d{t}" in c.inds for c in copies)
        assert len(net.tn.ind_map[f"d{t}"]) == paths[(1, t)]  # one hyperedge for all copies
    legs = sum(len(net.tn.ind_map[d]) for d in net.input_inds)
    assert legs == comb(T + L - 1, L)


@pytest.mark.parametrize("L, T", TREE_SHAPES)
def test_tensor_count_formula_matches_built_network(L, T):
    net = compile_rac(gaussian_rac(2, 3, L, 2), T, kind="tree")
    kinds = Counter(p.role for p in net.places.values())
    copies = sum(lattice_paths(L, T).values())
    h0s = sum(lattice_paths(L, T)[(layer, 1)] for layer in range(1, L + 1))
    assert kinds == {"WH": copies, "WI": copies, "DELTA": copies, "H0": h0s, "WO": 1}
    assert net.num_tensors == count_tensors(L, T, kind="tree") == 3 * copies + h0s + 1
    if L == 1:
        mps = compile_rac(gaussian_rac(2, 3, L, 2), T)
        assert mps.kind == "mps" and mps.num_tensors == count_tensors(1, T) == T + 2


# -- structure --------------------------------------------------------------------------------


@pytest.mark.parametrize("L, T", [(2, 4), (3, 3)])
def test_tree_tags_places_and_indices(L, T):
    M, R, C = 3, 2, 2
    net = compile_rac(gaussian_rac(M, R, L, C), T)
    assert (
        net.kind == "tree"
        and net.T == T
        and net.input_inds == tuple(f"d{t}" for t in range(1, T + 1))
    )
    assert set(net.places) == set(net.tn.tensor_map)
    delta = np.zeros((R,) * 3)
    for i in range(R):
        delta[i, i, i] = 1
    for tid, place in net.places.items():
        tensor = net.tn.tensor_map[tid]
        assert isinstance(place, TensorPlace)
        assert set(tensor.tags) == {
            place.role,
            f"L{place.layer}",
            f"T{place.time}",
            f"R{place.route}",
        }
        if place.role == "WO":
            assert (place.layer, place.time, place.route) == (L + 1, T, "")
            continue
        # a route steps 'h' back in time and 'i' down a layer from the root cell (L, T);
        # H0 sits at time 0 but belongs to (its layer, time 1)
        time = max(place.time, 1)
        assert place.route.count("h") == T - time and place.route.count("i") == L - place.layer
        if place.role == "DELTA":
            assert tensor.shape == (R, R, R) and np.array_equal(tensor.data, delta)
    # each (kind, layer, time, route) occurs once: the route identifies the copy
    assert len(set(net.places.values())) == net.num_tensors
    # every bond joins exactly two tensors; d{t} joins n_t; the class index is open
    for ind, tids in net.tn.ind_map.items():
        if ind in net.input_inds:
            assert len(tids) == comb(T - int(ind[1:]) + L - 1, L - 1)
        elif ind == "c":
            assert len(tids) == 1 and net.output_inds == ("c",)
        else:
            assert len(tids) == 2, ind


def test_tree_weights_are_the_models():
    rac = gaussian_rac(3, 2, 2, 1)
    net = compile_rac(rac, 3)
    for tid, place in net.places.items():
        data = net.tn.tensor_map[tid].data
        if place.role == "WH":
            assert np.array_equal(data, rac.hidden_weights[place.layer - 1])
        elif place.role == "WI":
            assert np.array_equal(data, rac.input_weights[place.layer - 1])
        elif place.role == "H0":
            assert np.array_equal(data, rac.initial_states[place.layer - 1])
        elif place.role == "WO":
            assert np.array_equal(data, rac.output_weights[0])
    root = net.tn.select_tensors(["DELTA", "L2", "T3", "R"])
    assert len(root) == 1 and root[0].inds[0] == "h2_3.R"


def test_mps_cores_are_the_design_cores():
    # G_t[a, b, d] = W^H[b, a] W^I[b, d], written out entry by entry
    rac = gaussian_rac(3, 2, 1, 1)
    net = compile_rac(rac, 4)
    wh, wi = rac.hidden_weights[0], rac.input_weights[0]
    cores = net.tn.select_tensors("CORE")
    assert len(cores) == 4
    for t, core in enumerate(sorted(cores, key=lambda c: c.inds[-1]), start=1):
        assert core.inds == (f"h1_{t - 1}.R", f"h1_{t}.R", f"d{t}")
        for a, b, d in itertools.product(range(2), range(2), range(3)):
            assert core.data[a, b, d] == pytest.approx(wh[b, a] * wi[b, d])
    assert {p.route for p in net.places.values()} == {""}
    assert net.tn.outer_inds() == net.input_inds


def test_to_mps_is_the_grid_tensor():
    rac = gaussian_rac(2, 3, 1, 1, seed=3)
    T = 5
    mps = compile_rac(rac, T).to_mps()
    assert isinstance(mps, qtn.MatrixProductState) and mps.L == T and mps.max_bond() == 3
    np.testing.assert_allclose(mps.to_dense().reshape((2,) * T), brute_grid(rac, T), rtol=1e-10)
    # quimb's MPS tools apply: an exact compression to bond R changes nothing
    squeezed = mps.copy()
    squeezed.compress(max_bond=3, cutoff=0.0)
    np.testing.assert_allclose(squeezed.to_dense(), mps.to_dense(), rtol=1e-8, atol=1e-12)
    # templates (N = 4 != M) and a chosen class
    rac2 = gaussian_rac(2, 2, 1, 3, seed=4)
    F = np.random.default_rng(0).standard_normal((4, 2))
    mps2 = compile_rac(rac2, 3).to_mps(F, class_index=2)
    np.testing.assert_allclose(
        mps2.to_dense().reshape((4,) * 3), brute_grid(rac2, 3, F)[..., 2], rtol=1e-10
    )
    single = compile_rac(rac, 1).to_mps()
    np.testing.assert_allclose(single.to_dense().ravel(), brute_grid(rac, 1), rtol=1e-12)


def test_to_mps_refuses_deep_rac_and_missing_class():
    with pytest.raises(ValueError, match="L = 1"):
        compile_rac(gaussian_rac(2, 2, 2, 1), 3).to_mps()
    with pytest.raises(ValueError, match="class_index"):
        compile_rac(gaussian_rac(2, 2, 1, 3), 3).to_mps()
    with pytest.raises(ValueError, match="class_index"):
        compile_rac(gaussian_rac(2, 2, 1, 3), 3).to_mps(class_index=3)


def test_structured_path_contracts_everything():
    # the compiler's SSA path uses every tensor and every intermediate exactly once
    for net in (compile_rac(gaussian_rac(2, 2, 3, 1), 4), compile_rac(gaussian_rac(2, 2, 1, 1), 6)):
        n = net.num_tensors
        used = [i for pair in net.path for i in pair]
        assert len(net.path) == n - 1
        assert sorted(used) == list(range(2 * n - 2))
        assert net.tids == tuple(net.tn.tensor_map)


# -- guards and bad input ---------------------------------------------------------------------


def test_size_guard_states_the_count_and_points_to_the_grid():
    rac = RAC.random(2, 2, depth=4, seed=0)
    expected = count_tensors(4, 60)
    assert expected > 200_000
    with pytest.raises(ValueError, match=f"{expected:,} tensors") as info:
        compile_rac(rac, 60)
    assert "computation-grid" in str(info.value) and "max_tensors" in str(info.value)
    small = count_tensors(2, 5)
    with pytest.raises(ValueError, match=f"{small:,} tensors"):
        compile_rac(RAC.random(2, 2, depth=2, seed=0), 5, max_tensors=small - 1)
    assert compile_rac(RAC.random(2, 2, depth=2, seed=0), 5, max_tensors=small).num_tensors == small


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"T": 0}, ValueError, "T must be a positive integer"),
        ({"T": 2.0}, TypeError, "T must be a positive integer"),
        ({"T": True}, TypeError, "T must be a positive integer"),
        ({"T": 3, "kind": "ring"}, ValueError, "kind must be"),
        ({"T": 3, "kind": "mps"}, ValueError, "L = 1"),
        ({"T": 3, "max_tensors": 0}, ValueError, "max_tensors"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        compile_rac(RAC.random(2, 2, depth=2, seed=0), **kwargs)


def test_rejects_non_rac():
    with pytest.raises(TypeError, match="rac must be a model"):
        compile_rac(np.eye(2), 3)
    with pytest.raises(ValueError, match="must lie in"):
        grid_paths(2, 3, 3, 1)


def test_weights_are_shared_read_only():
    rac = RAC.random(2, 2, depth=2, seed=0)
    net = compile_rac(rac, 4)
    wh = [t.data for t in net.tn.select_tensors(["WH", "L1"])]
    assert all(a is wh[0] for a in wh) and not wh[0].flags.writeable
    assert isinstance(net, RacNetwork) and "tree" in repr(net)


def test_docstring_examples():
    assert doctest.testmod(rac_tn.network, optionflags=doctest.ELLIPSIS).failed == 0


def test_a_network_that_cannot_fit_is_refused_before_building():
    """max_tensors=10**15 once grew to 6.7 GB: the size is checked against memory first."""
    rac = RAC.random(2, 2, depth=3, seed=0)
    with pytest.raises(MemoryError, match="tensors"):
        compile_rac(rac, 2000, max_tensors=10**15)  # C(2003, 3) copies: ~4e9 tensors


@pytest.mark.parametrize(
    "build",
    [
        lambda: RAC.random(2, 3, depth=1, seed=0),
        lambda: RAC.random(3, 2, depth=2, seed=1),
        lambda: __import__("rac_tn").CP2RNN.random(3, 2, 4, depth=2, seed=2),
        lambda: __import__("rac_tn").LinearRNN.random(2, 3, depth=2, seed=3),
    ],
)
def test_a_network_of_its_structure_only_has_the_same_cut_and_refuses_contraction(build):
    from rac_tn import network_cut_bound, start_end

    model = build()
    full, shape_only = compile_rac(model, 6), compile_rac(model, 6, values=False)
    assert shape_only.has_values is False and full.has_values is True
    # the same tensors, indices and sizes; every COPY tensor a zero-stride placeholder
    for a, b in zip(full.tn.tensors, shape_only.tn.tensors, strict=True):
        assert (a.inds, a.shape, a.tags) == (b.inds, b.shape, b.tags)
        if "DELTA" in b.tags:
            assert set(b.data.strides) == {0}
    for partition in (start_end(6), "interleaved"):
        assert network_cut_bound(shape_only, partition) == network_cut_bound(full, partition)
    X = np.random.default_rng(0).standard_normal((6, model.input_dim))
    np.testing.assert_allclose(shape_only.evaluate(X), full.evaluate(X, optimize="structured"))
    with pytest.raises(ValueError, match="compiled with values=False"):
        shape_only.evaluate(X, optimize="structured")
    with pytest.raises(ValueError, match="compiled with values=False"):
        shape_only.grid_tensor(method="network")
    with pytest.raises(TypeError, match="values must be True or False"):
        compile_rac(model, 6, values="no")


def test_bounds_of_a_width_1024_model_need_no_dense_copy_tensor():
    import subprocess
    import sys

    code = """
import resource, rac_tn
from rac_tn.analysis.reports import analyze
report = analyze(rac_tn.RAC.random(4, 1024, depth=2, seed=0), "start-end", T=8, exact=False)
row = [r for r in report.rows if r.origin == "network cut"][0]
print(row.value, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    value, peak_kb = map(int, out.stdout.split())
    assert value == 4**4  # every start input cut: M^{T/2}, far below the R-wide bonds
    # under 4 GiB with numba compiling cold (0.3 GB warm); a dense 1024^3 COPY tensor is 8 GiB
    assert peak_kb < 4 << 20


def test_bounds_of_a_seed_size_cp2rnn_hold_its_weights_once():
    # the cprnn configs' largest model: hidden 1024, CP rank 2550, here at depth 2
    import tracemalloc

    from rac_tn import CP2RNN
    from rac_tn.analysis.reports import analyze

    tracemalloc.start()
    try:
        model = CP2RNN.random(2, 1024, 2550, depth=2, seed=0)
        weights = sum(a.nbytes for group in (model.A, model.B, model.C) for a in group)
        built, built_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        report = analyze(model, "start-end", T=8, exact=False)
        _, analysis_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert weights == 8 * 2550 * (1024 + 2 + 1024) + 8 * 2550 * 3 * 1024  # layer 1, layer 2
    # the random draw is the model's weights: no second, private copy while building
    assert built_peak < 1.05 * weights + (1 << 20)
    # the layers, the symmetric cuts and the structure-only network share them: no copy
    assert analysis_peak - built < 0.05 * weights
    row = [r for r in report.rows if r.origin == "network cut"][0]
    assert row.value == 2**4  # every start input cut: M^{T/2}, far below the K-wide bonds


def test_weights_are_shared_only_when_nothing_can_write_them():
    from rac_tn import CP2RNN
    from rac_tn._arrays import frozen

    mine = np.arange(6.0).reshape(3, 2)
    assert not np.shares_memory(frozen(mine), mine)  # the caller can still write it
    view = mine[:]
    view.flags.writeable = False
    assert not np.shares_memory(frozen(view), mine)  # read-only, but its base is not
    fixed = np.arange(6.0).reshape(3, 2).copy()  # owns its memory (a reshape is a view)
    fixed.flags.writeable = False
    assert frozen(fixed) is fixed
    assert frozen(fixed.T).base is fixed  # a view of a frozen array is frozen too
    assert frozen(np.arange(6).reshape(3, 2), np.float64).dtype == np.float64

    A, B, C = (np.ones((3, 2)), np.ones((2, 2)), np.ones((3, 2)))
    model = CP2RNN(A=A, B=B, C=C, decoder_weight=np.ones((1, 3)))
    A[:] = 7.0  # the caller's array changes; the model and its layers do not
    assert np.all(model.A[0] == 1.0) and np.all(model.layers[0].A == 1.0)
    twin = CP2RNN(A=model.A, B=model.B, C=model.C, decoder_weight=model.decoder_weight)
    assert twin.A[0] is model.A[0]  # frozen weights are held once
    with pytest.raises(ValueError, match="read-only"):
        twin.layers[0].A[0, 0] = 2.0
