"""The shared protocol: sizes, node dimensions, immutability, validation, constructors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import rac_tn
from rac_tn._checks import FloatRangeError
from rac_tn.models import (
    CP2RNN,
    MIRNN,
    TTRNN,
    GatedSSM,
    LinearAttention,
    LinearRNN,
    RecurrentModel,
    SecondOrderRNN,
    as_model,
    family_names,
)

FAMILIES = family_names()

MODELS = {
    "rac": lambda **kw: rac_tn.RAC.random(3, 4, kw.pop("depth", 1), seed=0),
    "2rnn": lambda **kw: SecondOrderRNN.random(3, 4, **kw),
    "cp2rnn": lambda **kw: CP2RNN.random(3, 4, 2, **kw),
    "mirnn": lambda **kw: MIRNN.random(3, 4, **kw),
    "linear": lambda **kw: LinearRNN.random(3, 4, **kw),
    "attention": lambda **kw: LinearAttention.random(3, 4, num_classes=1, **kw),
    "ssm": lambda **kw: GatedSSM.random(3, 4, **kw),
    "ttrnn": lambda **kw: TTRNN.random(3, 4, **kw),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_satisfies_the_protocol(family):
    model = MODELS[family](depth=2) if family == "rac" else MODELS[family](depth=2, seed=0)
    assert isinstance(model, RecurrentModel)
    assert model.family == family
    assert (model.input_dim, model.hidden_dim, model.depth) == (3, 4, 2)
    assert (model.M, model.R, model.L) == (3, 4, 2)
    assert model.num_classes == 1
    assert len(model.layers) == 2 and len(model.state_dims) == 2
    assert model.readout.shape == (1, model.state_dims[-1])
    desc = model.describe()
    assert desc["family"] == family and desc["node_dim"] == model.node_dim
    X = np.random.default_rng(0).standard_normal((2, 5, 3))
    assert model.forward(X).shape == (2, 1)
    assert model.forward(X, every_step=True).shape == (2, 5, 1)
    assert model.forward(X[0]).shape == (1,)
    np.testing.assert_allclose(model.forward(X, every_step=True)[:, -1], model.forward(X))


@pytest.mark.parametrize(
    "family,bias,node_dim,input_node_dim,state_dim",
    [
        ("rac", False, 4, 3, 4),
        ("2rnn", False, 4, 3, 4),
        ("2rnn", True, 5, 4, 5),
        ("cp2rnn", False, 2, 3, 4),  # min(n, K) = min(4, 2)
        ("cp2rnn", True, 5, 4, 5),
        ("mirnn", False, 4, 3, 4),
        ("mirnn", True, 5, 4, 5),
        ("linear", False, 5, 4, 5),  # affine whatever the bias: V h + U x
        ("linear", True, 5, 4, 5),
    ],
)
def test_node_dimensions(family, bias, node_dim, input_node_dim, state_dim):
    model = MODELS[family]() if family == "rac" else MODELS[family](bias=bias, seed=0)
    assert model.bias is bias
    assert (model.node_dim, model.input_node_dim) == (node_dim, input_node_dim)
    assert model.state_dims == (state_dim,)
    assert model.to_rac().input_dim == input_node_dim


def test_random_signatures_are_the_issues():
    params = lambda f: list(inspect.signature(f).parameters)  # noqa: E731
    kw = ["bias", "num_classes", "seed", "integer"]
    assert params(CP2RNN.random) == ["input_dim", "hidden_dim", "rank", "depth", *kw]
    for cls in (SecondOrderRNN, MIRNN, LinearRNN):
        assert params(cls.random) == ["input_dim", "hidden_dim", "depth", *kw]
        sig = inspect.signature(cls.random)
        assert sig.parameters["bias"].kind is inspect.Parameter.KEYWORD_ONLY
        assert sig.parameters["depth"].default == 1


@pytest.mark.parametrize("family", ["2rnn", "cp2rnn", "mirnn", "linear"])
def test_random_models_are_generic(family):
    model = MODELS[family](depth=3, bias=True, seed=5, integer=True, num_classes=2)
    assert model.is_integer and model.num_classes == 2
    assert all(h.all() for h in model.initial_states)  # nonzero states: not identically zero
    again = MODELS[family](depth=3, bias=True, seed=5, integer=True, num_classes=2)
    assert again == model and hash(again) == hash(model)
    assert MODELS[family](depth=3, bias=True, seed=6, integer=True, num_classes=2) != model
    assert model.forward_mod(np.ones((3, 3), dtype=int)).any()


@pytest.mark.parametrize("family", ["2rnn", "cp2rnn", "mirnn", "linear"])
def test_models_are_frozen_and_read_only(family):
    model = MODELS[family](bias=True, seed=0)
    name = next(f for f in ("A", "w", "alpha") if hasattr(model, f))
    with pytest.raises(AttributeError):
        setattr(model, name, None)
    for arr in model._arrays():
        assert not arr.flags.writeable
    for layer in model.layers:
        for f in (layer.A, layer.B, layer.C, layer.W, layer.initial_state):
            assert f is None or not f.flags.writeable
    changed = model.replace(initial_states=[np.ones(4)])
    assert changed != model and changed.initial_states[0].tolist() == [1.0] * 4


def test_validation_names_the_argument():
    with pytest.raises(ValueError, match="hidden_dim must be a positive integer"):
        CP2RNN.random(3, 0, 2)
    with pytest.raises(TypeError, match="rank must be a positive integer"):
        CP2RNN.random(3, 2, 2.5)
    with pytest.raises(ValueError, match=r"C\[0\] must have shape \(2, 3\)"):
        CP2RNN(np.ones((2, 3)), np.ones((4, 3)), np.ones((3, 3)), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"B\[1\] must have shape \(2, 3\)"):
        CP2RNN([np.ones((2, 3))] * 2, [np.ones((4, 3))] * 2, [np.ones((2, 3))] * 2, np.ones((1, 2)))
    with pytest.raises(ValueError, match="decoder_bias needs a cell with first-order terms"):
        CP2RNN.random(3, 2, 2, seed=0).replace(decoder_bias=[1.0])
    with pytest.raises(ValueError, match=r"w\[0\] must be \(n\+1\) x \(d\+1\) x n"):
        SecondOrderRNN(np.ones((5, 3, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="beta1, beta2 and b come together"):
        MIRNN(np.ones(2), np.ones((3, 2)), np.ones((2, 2)), np.ones((1, 2)), beta1=np.ones(2))
    with pytest.raises(ValueError, match="u has 1 layers, expected depth = 2"):
        LinearRNN([np.ones((3, 2)), np.ones((2, 2))], [np.ones((2, 2))], np.ones((1, 2)))
    with pytest.raises(ValueError, match="initial_states\\[0\\] must have shape"):
        LinearRNN.random(3, 2, seed=0).replace(initial_states=[np.ones(3)])
    with pytest.raises(ValueError, match="NaN"):
        LinearRNN(np.full((3, 2), np.nan), np.ones((2, 2)), np.ones((1, 2)))
    model = LinearRNN.random(3, 2, seed=0)
    with pytest.raises(ValueError, match="input size d = 3"):
        model.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="T = 0"):
        model.forward(np.ones((0, 3)))


def test_float_range_errors_like_the_rac():
    model = CP2RNN.random(2, 2, 2, seed=0, integer=True)
    X = np.eye(2)[[0, 1] * 40]
    with pytest.raises(FloatRangeError, match="overflows float64"):
        model.forward(X)
    with pytest.raises(FloatRangeError, match="overflows float64"):
        model.forward(X, every_step=True)
    mantissa, exponent = model.forward_scaled(X)
    assert exponent > 1024 and 0.5 <= abs(mantissa[0]) < 1


def test_the_rac_is_a_model_itself_and_reads_out_every_step():
    rac = rac_tn.RAC.random(3, 2, depth=2, seed=0)
    model = as_model(rac)
    assert model is rac and model.to_rac() is rac and isinstance(rac, RecurrentModel)
    X = np.random.default_rng(1).random((4, 6, 3))
    np.testing.assert_array_equal(model.forward(X), rac.forward(X))
    np.testing.assert_allclose(model.forward(X, every_step=True)[:, -1], rac.forward(X))
    for t in range(1, 6):
        np.testing.assert_allclose(
            model.forward(X, every_step=True)[:, t - 1], rac.forward(X[:, :t]), rtol=1e-12
        )
    ints = np.random.default_rng(2).integers(0, 5, (3, 4, 3))
    steps = model.forward_mod(ints, every_step=True)
    for t in range(1, 5):
        assert steps[:, t - 1].tolist() == rac.forward_mod(ints[:, :t]).tolist()
    assert rac_tn.RAC.from_state_dict(model.to_state_dict()) == model
    with pytest.raises(TypeError, match="must be a model"):
        as_model("rac")
