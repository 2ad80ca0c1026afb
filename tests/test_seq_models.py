"""Linear attention, the gated SSM and the TT-RNN against the sources' own formulas.

Every number is checked against ``_seq_reference.py`` (loops and polynomial expansions written
from the papers' formulas on the public weight arrays) or against a brute force written here.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest
from _reference import grid_rank, rational_rank
from _seq_reference import degree_in, expand, loop

import rac_tn
from rac_tn import (
    TTRNN,
    GatedSSM,
    LinearAttention,
    Partition,
    compile_rac,
    network_cut_bound,
    separation_rank,
    start_end,
    symmetric_bound,
)

P61 = (1 << 61) - 1

MODELS = {
    "attention-1": lambda **kw: LinearAttention.random(2, 2, **kw),
    "attention-2": lambda **kw: LinearAttention.random(2, 1, depth=2, **kw),
    "attention-3": lambda **kw: LinearAttention.random(1, 1, depth=3, **kw),
    "attention-dec": lambda **kw: LinearAttention.random(2, 1, value_dim=3, num_classes=2, **kw),
    "ssm-1": lambda **kw: GatedSSM.random(2, 3, **kw),
    "ssm-2": lambda **kw: GatedSSM.random(2, 2, depth=2, num_classes=2, **kw),
    "ttrnn-1": lambda **kw: TTRNN.random(2, 2, **kw),
    "ttrnn-2": lambda **kw: TTRNN.random(2, 2, depth=2, bias=True, **kw),
}


def small_ints(model, seed=0, low=-4, high=5):
    """The same architecture with small nonzero integer weights (exact references stay small)."""
    rng = np.random.default_rng(seed)

    def draw(low, high, size):
        out = rng.integers(low, high, size=size)
        return np.where(out == 0, 1, out)

    fields = {}
    for name in ("Q", "K", "V", "gate_weight", "gate_bias", "input_weight", "W", "E", "b",
                 "E_bias"):  # fmt: skip
        value = getattr(model, name, None)
        if value is not None:
            fields[name] = [draw(low, high, a.shape) for a in value]
    for name in ("decoder_weight", "decoder_bias"):
        value = getattr(model, name, None)
        if value is not None:
            fields[name] = draw(low, high, value.shape)
    return model.replace(**fields)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_and_forward_mod_follow_the_sources_loop(name):
    """forward_mod (every step) is the exact loop mod p; forward is it in float64."""
    model = small_ints(MODELS[name](seed=0))
    T, d = 4, model.input_dim
    X = np.random.default_rng(1).integers(-3, 4, size=(3, T, d))
    expected = [loop(model, x) for x in X]
    got = model.forward_mod(X, P61, every_step=True)
    assert [[[int(v) for v in row] for row in seq] for seq in got.tolist()] == [
        [[int(v) % P61 for v in row] for row in seq] for seq in expected
    ]
    floats = MODELS[name](seed=2)
    Xf = np.random.default_rng(3).normal(size=(2, T, d))
    reference = np.array([loop(floats, x) for x in Xf], dtype=float)
    np.testing.assert_allclose(floats.forward(Xf, every_step=True), reference, rtol=1e-9)
    np.testing.assert_allclose(floats.forward(Xf), reference[:, -1], rtol=1e-9)


@pytest.mark.parametrize("name", ["attention-1", "attention-2-tiny", "ssm-2", "ttrnn-2"])
def test_rac_equivalent_is_exact(name):
    """to_rac() reads rac_inputs(X) (x~ and its Kronecker power) and gives forward_mod(X)."""
    make = MODELS.get(name, lambda **kw: LinearAttention.random(1, 1, depth=2, **kw))
    model = small_ints(make(seed=0), low=-2, high=3)
    X = np.random.default_rng(4).integers(-2, 3, size=(3, 4, model.input_dim))
    rac = model.to_rac()
    assert rac.forward_mod(model.rac_inputs(X)).tolist() == model.forward_mod(X).tolist()
    if model.family == "attention":
        assert rac.M == (model.input_dim + 1) ** (3**model.depth)


def test_rac_equivalent_refuses_a_huge_kronecker_power():
    with pytest.raises(ValueError, match="Kronecker power"):
        LinearAttention.random(2, 2, depth=3, seed=0, integer=True).to_rac()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_compiled_network_evaluates_the_model(name):
    """Contracting the compiled network equals forward; its size is the closed form."""
    model = MODELS[name](seed=5)
    T = 3
    net = compile_rac(model, T)
    X = np.random.default_rng(6).normal(size=(4, T, model.input_dim))
    out = net.evaluate(X, optimize="structured").reshape(4, -1)
    np.testing.assert_allclose(out, model.forward(X), rtol=1e-8, atol=1e-12)
    # copies of cell (l, t): paths to (L, T), each path counted per input leg it climbs
    L, k = model.depth, model.arities
    per_copy = [2 * a + 2 for a in k]
    scale = [int(np.prod(k[layer:])) for layer in range(1, L + 1)]
    copies = [comb(T - t + L - layer, L - layer) * scale[layer - 1] for layer in range(1, L + 1)
              for t in range(1, T + 1)]  # fmt: skip
    expected = 1 + sum(
        per_copy[layer - 1] * comb(T - t + L - layer, L - layer) * scale[layer - 1]
        + (comb(T - 1 + L - layer, L - layer) * scale[layer - 1] if t == 1 else 0)
        for layer in range(1, L + 1)
        for t in range(1, T + 1)
    )
    assert sum(copies) == sum(model.layer_copies(T))
    assert net.num_tensors == model.count_tensors(T) == expected


@pytest.mark.parametrize("name", sorted(MODELS))
def test_input_degrees_bound_the_true_degrees(name):
    """input_degrees(T) (3^L paths for attention) is the homogenised degree: at least the
    degree of the expanded output in each x_t, equal at t = T (cubic per attention layer)."""
    model = small_ints(MODELS[name](seed=0))
    T = 3
    expansion = expand(model, T)
    degrees = model.input_degrees(T)
    true = [degree_in(expansion, t) for t in range(1, T + 1)]
    assert all(a <= b for a, b in zip(true, degrees, strict=True)), (true, degrees)
    assert true[-1] == degrees[-1]


PARTITIONS = [start_end(4), Partition(4, (1, 3)), Partition(4, (2,)), Partition(4, (1,))]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_ranks_are_the_coefficient_matrix_ranks(name):
    """The sampled separation rank and the grid rank equal the exact ranks over Q of the
    expanded polynomial's coefficient matrix and matricized grid tensor, for four partitions;
    both cut bounds are above them."""
    model = small_ints(MODELS[name](seed=0))
    T = 4
    expansion = expand(model, T)
    net = compile_rac(model, T)
    for partition in PARTITIONS:
        matrix, _, _ = expansion.coefficient_matrix(partition.start)
        expected = rational_rank(matrix)
        result = separation_rank(model, partition, seed=0)
        assert result.rank == expected and result.exact, (partition, result, expected)
        bound = symmetric_bound(model, partition)
        assert expected <= bound.value
        # certified: meets the symmetric bound, or the End span of these weights, or over Q
        met = result.end_span is not None and expected == result.end_span.value
        assert result.certified == (
            expected == bound.value or met or result.certificate == "exact grids"
        )
        grid = separation_rank(model, partition, method="grid", seed=0)
        assert grid.rank == grid_rank(expansion, partition.start)
        assert grid.rank <= network_cut_bound(net, partition).value


def _brute_symmetric(model, partition):
    """min over every closed set U of prod ((dim v, deg_U v)), degrees by an explicit DP."""
    L, T, k = model.depth, partition.T, model.arities
    deg = {}
    for layer in range(L, 0, -1):
        for t in range(T, 0, -1):
            right = deg.get((layer, t + 1), 0) if t < T else 0
            up = k[layer] * deg[(layer + 1, t)] if layer < L else (1 if t == T else 0)
            deg[(layer, t)] = right + up
    best = None
    for side in (partition.start, partition.end):
        width = min(t for t in range(1, T + 1) if t not in side) - 1
        for widths in itertools.product(range(width + 1), repeat=L):
            if any(widths[i] < widths[i + 1] for i in range(L - 1)):
                continue
            inside = {
                (layer, t) for layer in range(1, L + 1) for t in range(1, widths[layer - 1] + 1)
            }
            cost = 1
            for t in side:
                if (1, t) not in inside:
                    cost *= comb(model.input_cut_dim + k[0] * deg[(1, t)] - 1, k[0] * deg[(1, t)])
            for layer, t in inside:
                d = 0 if (layer, t + 1) in inside or t == T else deg[(layer, t + 1)]
                if layer < L and (layer + 1, t) not in inside:
                    d += k[layer] * deg[(layer + 1, t)]
                if layer == L and t == T:
                    d = 1
                cost *= comb(model.node_dim + d - 1, d)
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("start", [(1, 2), (1, 3), (2,), (1, 2, 3)])
def test_symmetric_bound_is_the_brute_force_minimum(name, start):
    """symmetric_bound's value is the exact minimum over closed sets, with the arities'
    degrees (cell (l, t) of an attention stack: paths times 3^(L-l))."""
    model = MODELS[name](seed=0)
    partition = Partition(4, start)
    assert symmetric_bound(model, partition).value == _brute_symmetric(model, partition)


def test_shallow_attention_rank_is_key_dim_plus_one():
    """y = sum_i (S_P w)_i (Q x_T)_i + g(x_Q): Start-End rank a + 1 for a < d, at every T."""
    for a in (1, 2):
        model = LinearAttention.random(3, a, num_classes=1, seed=a, integer=True)
        for T in (4, 8):
            assert separation_rank(model, start_end(T), seed=0).rank == a + 1


def test_registry_and_random_model():
    for family, cls in (("attention", LinearAttention), ("ssm", GatedSSM), ("ttrnn", TTRNN)):
        assert rac_tn.models.get_family(family).model_class is cls
        model = rac_tn.models.random_model(family, 2, 2, depth=2, seed=0, integer=True)
        assert isinstance(model, cls) and model.family == family and model.num_classes == 1


def test_computation_grid_carries_the_arities():
    """paths = the output's degree in each node (3^(L-l) C(T-t+L-l, L-l) for attention), and
    the edges into a layer carry its arity; summed over the successors it is the degree."""
    model = LinearAttention.random(2, 1, depth=2, seed=0)
    T = 3
    graph = rac_tn.computation_grid(model, T)
    for node, data in graph.nodes(data=True):
        if data["role"] == "output":
            continue
        below = sum(
            graph.edges[node, succ]["multiplicity"] * graph.nodes[succ]["paths"]
            for succ in graph.successors(node)
        )
        assert data["paths"] == below, node
    assert graph.nodes["x", 1]["paths"] == model.input_degrees(T)[0] == 9 * 3


@pytest.mark.parametrize("name", sorted(MODELS))
def test_state_dict_round_trip_and_weight_files(name, tmp_path):
    """to_state_dict / from_state_dict give the same model; an .npz file loads it, the family
    found from the array names."""
    from rac_tn.models.weights import load_weights

    model = MODELS[name](seed=0, integer=True)
    again = type(model).from_state_dict(model.to_state_dict())
    assert again == model
    path = tmp_path / "weights.npz"
    np.savez(path, **model.to_state_dict())
    assert load_weights(path) == model


def test_neurodim_and_tensortrainlm_keys():
    """NeuroDim's deep_attn stores Q, K, V as 1 x 1 x rows x cols under net.<i>.; the TT-LM
    classifier's cell is tnn.cell.wih / whh and its decoder out_fc."""
    rng = np.random.default_rng(0)
    d, a, layers = 3, 2, 2
    sd = {}
    for i in range(layers):
        sd[f"net.{i}.Q"] = rng.integers(-3, 4, size=(1, 1, a, d))
        sd[f"net.{i}.K"] = rng.integers(-3, 4, size=(1, 1, a, d))
        sd[f"net.{i}.V"] = rng.integers(-3, 4, size=(1, 1, d, d))
    model = LinearAttention.from_state_dict(sd)
    assert model.depth == layers and model.Q[1].tolist() == sd["net.1.Q"][0, 0].tolist()
    assert model.num_classes == d
    n = 2
    tt = {
        "embedding.weight": rng.normal(size=(5, n * n)),
        "tnn.cell.wih.weight": rng.normal(size=(n, n)),
        "tnn.cell.wih.bias": rng.normal(size=n),
        "tnn.cell.whh.weight": rng.normal(size=(n * n, n * n)),
        "tnn.cell.whh.bias": rng.normal(size=n * n),
        "out_fc.weight": rng.normal(size=(1, n)),
        "out_fc.bias": rng.normal(size=1),
    }
    cell = TTRNN.from_state_dict(tt)
    assert cell.W[0].tolist() == tt["tnn.cell.wih.weight"].tolist()
    assert cell.E_bias[0].tolist() == tt["tnn.cell.whh.bias"].tolist()
    x = np.random.default_rng(1).normal(size=(3, n * n))  # embedded tokens
    h = np.zeros(n)
    for xt in x:  # the seed cell: w1 = wih(h), w2 = whh(x).view(n, n), h = w1 @ w2
        w1 = tt["tnn.cell.wih.weight"] @ h + tt["tnn.cell.wih.bias"]
        w2 = (tt["tnn.cell.whh.weight"] @ xt + tt["tnn.cell.whh.bias"]).reshape(n, n)
        h = w1 @ w2
    expected = tt["out_fc.weight"] @ h + tt["out_fc.bias"]
    np.testing.assert_allclose(cell.forward(x), expected, rtol=1e-12)


def test_initial_states_ones_by_default_zeros_by_name_and_from_the_seed_code():
    """As every family: the constructor starts at ones, 'zeros' by name, another name is
    refused; random() and a state dict without h0 start at the sources' zeros. One step of the
    gated SSM written here: y = W ((G x + g) * h0 + B x)."""
    rng = np.random.default_rng(0)
    G, g, B, W = (rng.integers(-4, 5, size=s) for s in ((3, 2), 3, (3, 2), (1, 3)))
    x = rng.integers(-4, 5, size=(1, 2))
    ones = GatedSSM(gate_weight=G, gate_bias=g, input_weight=B, decoder_weight=W)
    zeros = GatedSSM(G, g, B, W, initial_states="zeros")
    for model, h0 in ((ones, np.ones(3, int)), (zeros, np.zeros(3, int))):
        expected = W @ ((G @ x[0] + g) * h0 + B @ x[0])
        assert model.forward_mod(x, 2**61 - 1).tolist() == [int(expected[0]) % (2**61 - 1)]
    with pytest.raises(ValueError, match="initial_states"):
        GatedSSM(G, g, B, W, initial_states="random")
    for cls in (GatedSSM, TTRNN):
        drawn = cls.random(2, 2, depth=2, seed=0, integer=True)
        assert all(not h.any() for h in drawn.initial_states)
        sd = drawn.to_state_dict()
        assert not any(key.endswith("h0") for key in sd)
        assert cls.from_state_dict(sd) == drawn  # no h0: the seed code's zeros
        started = drawn.replace(initial_states="ones")
        assert all((h == 1).all() for h in started.initial_states)
        assert cls.from_state_dict(started.to_state_dict()) == started
    tt = TTRNN(W=[[1, 2], [0, 1]], E=np.ones((4, 2), int), decoder_weight=[[1, 1]])
    assert all((h == 1).all() for h in tt.initial_states)
