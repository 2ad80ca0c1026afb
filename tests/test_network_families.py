"""Compiled model families: contraction equals forward; tensor counts; the CP cut min(n, K)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from rac_tn import RAC, compile_rac, network_cut_bound, start_end
from rac_tn.models import CP2RNN, MIRNN, LinearRNN, SecondOrderRNN
from rac_tn.network import compile_network

FAMILIES = {
    "cp2rnn": lambda L, bias, C: CP2RNN.random(2, 3, 2, depth=L, bias=bias, num_classes=C, seed=3),
    "2rnn": lambda L, bias, C: SecondOrderRNN.random(
        2, 3, depth=L, bias=bias, num_classes=C, seed=3
    ),
    "mirnn": lambda L, bias, C: MIRNN.random(2, 3, depth=L, bias=bias, num_classes=C, seed=3),
    "linear": lambda L, bias, C: LinearRNN.random(2, 3, depth=L, bias=bias, num_classes=C, seed=3),
}


def _loop(model, X):
    """An independent per-step loop over the model's layers (augmented vectors)."""
    x = np.asarray(X, float)
    if model.augmented_input:
        x = np.concatenate([x, np.ones(x.shape[:-1] + (1,))], axis=-1)
    for layer in model.layers:
        h = np.broadcast_to(np.asarray(layer.initial_state, float), (x.shape[0], layer.state_dim))
        states = []
        for t in range(x.shape[1]):
            if layer.core == "cp":
                A, B, C = (np.asarray(m, float) for m in (layer.A, layer.B, layer.C))
                h = ((h @ A) * (x[:, t] @ B)) @ C.T
            else:
                h = np.einsum("za,zb,abc->zc", h, x[:, t], np.asarray(layer.W, float))
            states.append(h)
        x = np.stack(states, axis=1)
    return x[:, -1] @ np.asarray(model.readout, float).T


def _expected_count(model, T):
    """Copies of cell (l, t): paths from it to (L, T) in the grid, counted by brute force."""
    L = model.depth

    def copies(layer, t):
        return comb(T - t + L - layer, L - layer)

    total = 1  # the readout
    for layer_index, layer in enumerate(model.layers, 1):
        per = 4 if layer.core == "cp" else 1
        total += per * sum(copies(layer_index, t) for t in range(1, T + 1))
        total += copies(layer_index, 1)  # one H0 per copy of (l, 1)
    return total


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("bias", [False, True])
def test_contraction_equals_forward(family, depth, bias):
    """Contracting the compiled network (structured path) equals the per-step recurrence."""
    model = FAMILIES[family](depth, bias, 2)
    T = 3
    net = compile_rac(model, T)
    X = np.random.default_rng(depth).normal(size=(5, T, 2))
    reference = _loop(model, X)
    assert np.allclose(model.forward(X), reference)
    assert np.allclose(net.evaluate(X, optimize="structured"), reference)
    grid = net.grid_tensor(method="network")
    F = np.eye(2)
    seqs = F[np.array(np.meshgrid(*[range(2)] * T, indexing="ij")).reshape(T, -1).T]
    assert np.allclose(grid.reshape(-1, 2), _loop(model, seqs))
    assert net.num_tensors == _expected_count(model, T)
    assert net.kind == ("mps" if depth == 1 else "tree")
    assert net.family == family


def test_grid_tensor_of_a_family():
    """grid_tensor(model, T) by 'network' and 'brute' equals the loop; affine reads [F, 1]."""
    from rac_tn import grid_tensor

    model = CP2RNN.random(2, 3, 2, depth=2, bias=True, seed=5)
    F = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]])
    T = 3
    seqs = F[np.array(np.meshgrid(*[range(3)] * T, indexing="ij")).reshape(T, -1).T]
    expected = _loop(model, seqs)[:, 0].reshape((3,) * T)
    for method in ("network", "brute", "auto"):
        assert np.allclose(grid_tensor(model, T, F, method=method), expected)


def test_tags_and_shapes():
    """A CP core is a COPY tensor of dimension K between A, B, C; a dense core one tensor."""
    cp = compile_rac(CP2RNN.random(2, 3, 2, depth=2, seed=0), T=3)
    deltas = cp.tn.select_tensors(["DELTA"])
    assert deltas and all(t.shape == (2, 2, 2) for t in deltas)
    for role, shape in (("A", (3, 2)), ("C", (3, 2))):
        assert all(t.shape == shape for t in cp.tn.select_tensors([role]))
    assert all(t.shape == (2, 2) for t in cp.tn.select_tensors(["B", "L1"]))
    dense = compile_rac(SecondOrderRNN.random(2, 3, bias=True, seed=0), T=4)
    cores = dense.tn.select_tensors(["CORE3"])
    assert len(cores) == 4 and all(t.shape == (4, 3, 4) for t in cores)
    assert dense.augmented_input and dense.index_info("d1").dim == 3
    assert dense.index_info("d1").symbol == "d+1"
    assert cp.index_info("k2_3.R").role == "term"


def test_rac_unchanged_and_alias():
    """A RAC compiles as before (same tags, counts, values); compile_network is compile_rac."""
    rac = RAC.random(2, 3, depth=2, seed=0)
    net = compile_network(rac, 4)
    assert compile_network is compile_rac
    assert net.family == "rac" and not net.augmented_input
    assert net.num_tensors == 3 * (comb(6, 2) - 1) + comb(5, 1) + 1
    X = np.eye(2)[[0, 1, 1, 0]]
    assert np.allclose(net.evaluate(X, optimize="structured"), rac.forward(X))


@pytest.mark.parametrize(("n", "K"), [(3, 2), (2, 3), (4, 4), (5, 1)])
def test_cp_network_cut_is_min_n_k(n, K):
    """Shallow CP-2RNN, Start-End: the flow finds min(n, K), or d^{T/2} when smaller."""
    d, T = 5, 4
    model = CP2RNN.random(d, n, K, seed=0)
    bound = network_cut_bound(compile_rac(model, T), start_end(T))
    assert bound.value == min(n, K, d ** (T // 2))
    small = CP2RNN.random(2, 6, 6, seed=0)  # d^{T/2} = 2 < min(n, K) = 6: the input side
    assert network_cut_bound(compile_rac(small, 2), start_end(2)).value == 2


def test_cp_network_cut_bounds_grid_rank():
    """The network cut of a compiled family bounds the rank of its matricized grid tensor."""
    for model in (CP2RNN.random(3, 3, 2, depth=2, seed=1), SecondOrderRNN.random(2, 2, seed=1)):
        T = 4
        net = compile_rac(model, T)
        grid = net.grid_tensor(method="network")
        N = grid.shape[0]
        rank = np.linalg.matrix_rank(grid.reshape(N ** (T // 2), -1))
        assert rank <= network_cut_bound(net, start_end(T)).value


def test_bad_model():
    with pytest.raises(TypeError, match="must be a model"):
        compile_rac(object(), 3)


def test_compiled_network_with_index_sides():
    """A compiled network also takes two lists of its input indices (no partition then)."""
    net = compile_rac(CP2RNN.random(3, 4, 2, depth=2, seed=2), T=4)
    by_partition = network_cut_bound(net, start_end(4))
    by_indices = network_cut_bound(net, (["d1", "d2"], ["d3", "d4"]))
    assert by_indices.value == by_partition.value
    assert by_indices.partition is None and by_partition.index_sides == (("d1", "d2"), ("d3", "d4"))
    assert "indices={d1, d2} | {d3, d4}" in repr(by_indices)
