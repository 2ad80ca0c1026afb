"""Loaders on state dicts built here with the seed code's key names, against the seed loop.

The seed models start at h_0 = 0 and read the decoder after every step; weights are float32
(as trained in PyTorch), read exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from _seed import cp_step, linear_cell_step, mirnn_step, residues, rnn_step, run, second_order_step

from rac_tn.models import (
    ACTIVATION_NOTE,
    CP2RNN,
    MIRNN,
    LinearRNN,
    SecondOrderRNN,
    embedding_templates,
)

P = (1 << 61) - 1
d, n, K, V = 3, 4, 2, 3  # input size, hidden size, CP rank, vocabulary (decoder outputs)


class FakeTensor:
    """Stands for a torch tensor: only .detach().cpu().numpy()."""

    def __init__(self, arr):
        self.arr = arr

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.arr


def f32(rng, *shape):
    return rng.uniform(-0.5, 0.5, size=shape).astype(np.float32)


def check(model, step, layers, dec_w, dec_b, T=4):
    X = np.random.default_rng(7).standard_normal((2, T, d))
    zeros = [np.zeros(n)] * len(layers)
    got = model.forward(X, every_step=True)
    got_mod = model.forward_mod(X, P)
    for i, x in enumerate(X):
        truth = run(step, layers, dec_w, dec_b, x, zeros, "float")
        np.testing.assert_allclose(got[i], truth, rtol=1e-9, atol=1e-12)
        exact = run(step, layers, dec_w, dec_b, x, zeros, "fraction")
        assert got_mod[i].tolist() == residues(exact[-1], P).tolist()


def test_cp_rnn_icml_state_dict():
    rng = np.random.default_rng(0)
    params = {
        "A": f32(rng, n, K), "B": f32(rng, d, K), "C": f32(rng, n, K),
        "U": f32(rng, d, n), "V": f32(rng, n, n), "d": f32(rng, n),
    }  # fmt: skip
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    sd = {k: FakeTensor(v) for k, v in params.items()}
    sd |= {"decoder.1.weight": FakeTensor(dec_w), "decoder.1.bias": dec_b}
    sd["embedding.weight"] = f32(rng, 5, d)  # ignored by the loader
    model = CP2RNN.from_state_dict(sd)
    assert (model.rank, model.depth, model.bias, model.num_classes) == (K, 1, True, V)
    assert not any(h.any() for h in model.initial_states)
    assert model.circuit == ACTIVATION_NOTE and "identity" in model.circuit
    check(model, cp_step, [params], dec_w, dec_b)
    assert embedding_templates(sd).shape == (5, d)


def test_deep_cp_rnn_state_dict():
    rng = np.random.default_rng(1)
    layers = []
    for i in range(3):
        m = d if i == 0 else n
        layers.append({
            "A": f32(rng, n, K), "B": f32(rng, m, K), "C": f32(rng, n, K),
            "U": f32(rng, m, n), "V": f32(rng, n, n), "d": f32(rng, n),
        })  # fmt: skip
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    sd = {
        f"module.cprnn_layers.{i}.{k}": v
        for i, layer in enumerate(layers)
        for k, v in layer.items()
    }
    sd |= {"module.decoder.weight": dec_w, "module.decoder.bias": dec_b}
    model = CP2RNN.from_state_dict(sd)
    assert model.depth == 3
    check(model, cp_step, layers, dec_w, dec_b)


def test_second_order_state_dict():
    rng = np.random.default_rng(2)
    params = {"w": f32(rng, n + 1, d + 1, n)}
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    model = SecondOrderRNN.from_state_dict(
        {"w": params["w"], "decoder.1.weight": dec_w, "decoder.1.bias": dec_b}
    )
    assert model.bias and model.input_dim == d and model.hidden_dim == n
    check(model, second_order_step, [params], dec_w, dec_b)


def test_mirnn_state_dict():
    rng = np.random.default_rng(3)
    params = {
        "alpha": f32(rng, n), "w": f32(rng, d, n), "u": f32(rng, n, n),
        "beta1": f32(rng, n), "beta2": f32(rng, n), "b": f32(rng, n),
    }  # fmt: skip
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    model = MIRNN.from_state_dict(params | {"decoder.1.weight": dec_w, "decoder.1.bias": dec_b})
    check(model, mirnn_step, [params], dec_w, dec_b)


def test_rnn_state_dict():
    rng = np.random.default_rng(4)
    params = {"w": f32(rng, d, n), "u": f32(rng, n, n), "b": f32(rng, n)}
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    model = LinearRNN.from_state_dict(params | {"decoder.1.weight": dec_w, "decoder.1.bias": dec_b})
    check(model, rnn_step, [params], dec_w, dec_b)


def test_deep_linear_rnn_state_dict():
    rng = np.random.default_rng(5)
    layers = []
    for i in range(2):
        m = d if i == 0 else n
        layers.append({
            "weight_ih": f32(rng, n, m), "weight_hh": f32(rng, n, n),
            "bias_ih": f32(rng, n), "bias_hh": f32(rng, n),
        })  # fmt: skip
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    sd = {f"rnn_layers.{i}.{k}": v for i, layer in enumerate(layers) for k, v in layer.items()}
    model = LinearRNN.from_state_dict(sd | {"fc.weight": dec_w, "fc.bias": dec_b})
    assert model.depth == 2 and not model.multiplicative
    check(model, linear_cell_step, layers, dec_w, dec_b)


def test_inexact_bias_sum_is_refused():
    sd = {
        "rnn_layers.0.weight_ih": np.ones((1, 1)),
        "rnn_layers.0.weight_hh": np.ones((1, 1)),
        "rnn_layers.0.bias_ih": np.array([1.0]),
        "rnn_layers.0.bias_hh": np.array([2.0**-60]),
        "fc.weight": np.ones((1, 1)),
    }
    with pytest.raises(ValueError, match="not exact"):
        LinearRNN.from_state_dict(sd)


@pytest.mark.parametrize(
    "model",
    [
        CP2RNN.random(3, 2, 2, depth=2, bias=True, num_classes=2, seed=0),
        CP2RNN.random(3, 2, 2, seed=0, integer=True),
        SecondOrderRNN.random(3, 2, depth=2, bias=True, seed=0),
        SecondOrderRNN.random(3, 2, seed=0, integer=True),
        MIRNN.random(3, 2, depth=3, bias=True, seed=0),
        MIRNN.random(3, 2, seed=0),
        LinearRNN.random(3, 2, depth=2, bias=True, seed=0),
        LinearRNN.random(3, 2, seed=0, integer=True),
    ],
    ids=lambda m: repr(m),
)
def test_state_dict_round_trip(model):
    sd = model.to_state_dict()
    assert type(model).from_state_dict(sd) == model
    sd[next(iter(sd))][...] = 0  # the dict holds copies
    assert type(model).from_state_dict(model.to_state_dict()) == model


def test_loader_errors_name_the_problem():
    rng = np.random.default_rng(6)
    base = {"A": f32(rng, n, K), "B": f32(rng, d, K), "C": f32(rng, n, K)}
    with pytest.raises(ValueError, match="no decoder"):
        CP2RNN.from_state_dict(base)
    dec = {"decoder.1.weight": f32(rng, V, n)}
    with pytest.raises(ValueError, match="does not use.*optimizer"):
        CP2RNN.from_state_dict(base | dec | {"optimizer": np.ones(1)})
    assert CP2RNN.from_state_dict(base | dec | {"optimizer": np.ones(1)}, strict=False).rank == K
    with pytest.raises(ValueError, match="missing \\['C'\\]"):
        CP2RNN.from_state_dict({"A": base["A"], "B": base["B"]} | dec)
    with pytest.raises(ValueError, match="U, V and d come together"):
        CP2RNN.from_state_dict(base | dec | {"U": f32(rng, d, n)})
    with pytest.raises(TypeError, match="mapping"):
        CP2RNN.from_state_dict([1, 2])


def test_homogeneous_cell_with_a_decoder_bias_gets_zero_affine_terms():
    rng = np.random.default_rng(8)
    base = {"A": f32(rng, n, K), "B": f32(rng, d, K), "C": f32(rng, n, K)}
    dec_w, dec_b = f32(rng, V, n), f32(rng, V)
    model = CP2RNN.from_state_dict(base | {"decoder.1.weight": dec_w, "decoder.1.bias": dec_b})
    assert model.bias and not model.U[0].any() and not model.V[0].any()
    check(model, cp_step, [base], dec_w, dec_b)
    no_bias = CP2RNN.from_state_dict(
        base | {"decoder.1.weight": dec_w, "decoder.1.bias": np.zeros(V, np.float32)}
    )
    assert not no_bias.bias and no_bias.decoder_bias is None
