"""Each family's forward, forward_mod and RAC equivalent against the seed code's own loop.

The models are built from arrays drawn here; the reference is the per-step loop of the seed
code (tests/cells/_seed.py) on the same arrays, in exact Python integers / Fractions or float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from _seed import (
    cp_step,
    exact,
    mirnn_step,
    rac_loop,
    residues,
    rnn_step,
    run,
    second_order_step,
)

from rac_tn.models import CP2RNN, MIRNN, DyadicRAC, LinearRNN, SecondOrderRNN

P = (1 << 61) - 1
CASES = [
    (family, depth, bias)
    for family in ("cp2rnn", "2rnn", "mirnn", "linear")
    for depth in (1, 2, 3)
    for bias in (False, True)
]


def build(family, depth, bias, integer, seed=0, d=3, n=2, K=3, C=2, zero_h0=False):
    """(model, seed-loop arguments) from arrays drawn here."""
    rng = np.random.default_rng(seed)

    def draw(*shape):
        if integer:
            return rng.integers(-9, 10, size=shape)
        return rng.standard_normal(shape)

    dims = [d] + [n] * (depth - 1)
    h0s = [np.zeros(n, dtype=int) if zero_h0 else draw(n) for _ in dims]
    dec_w, dec_b = draw(C, n), (draw(C) if bias else None)
    if family == "cp2rnn":
        layers = [{"A": draw(n, K), "B": draw(m, K), "C": draw(n, K)} for m in dims]
        if bias:
            for layer, m in zip(layers, dims):
                layer.update(U=draw(m, n), V=draw(n, n), d=draw(n))
        args = {k: [layer[k] for layer in layers] for k in layers[0]}
        model, step = CP2RNN(**args, decoder_weight=dec_w, decoder_bias=dec_b), cp_step
    elif family == "2rnn":
        a = int(bias)
        layers = [{"w": draw(n + a, m + a, n)} for m in dims]
        model = SecondOrderRNN([x["w"] for x in layers], dec_w, dec_b)
        step = second_order_step
    elif family == "mirnn":
        layers = [{"alpha": draw(n), "w": draw(m, n), "u": draw(n, n)} for m in dims]
        if bias:
            for layer in layers:
                layer.update(beta1=draw(n), beta2=draw(n), b=draw(n))
        args = {k: [layer[k] for layer in layers] for k in layers[0]}
        model, step = MIRNN(**args, decoder_weight=dec_w, decoder_bias=dec_b), mirnn_step
    else:
        layers = [{"w": draw(m, n), "u": draw(n, n)} for m in dims]
        if bias:
            for layer in layers:
                layer.update(b=draw(n))
        args = {k: [layer[k] for layer in layers] for k in layers[0]}
        model, step = LinearRNN(**args, decoder_weight=dec_w, decoder_bias=dec_b), rnn_step
    model = model.replace(initial_states=h0s)
    return model, (step, layers, dec_w, dec_b, h0s)


def inputs(d, T, batch, integer, seed=1):
    rng = np.random.default_rng(seed)
    if integer:
        return rng.integers(-3, 4, size=(batch, T, d))
    return rng.standard_normal((batch, T, d))


@pytest.mark.parametrize("family,depth,bias", CASES)
def test_integer_models_are_exact(family, depth, bias):
    model, (step, layers, dec_w, dec_b, h0s) = build(family, depth, bias, integer=True)
    X = inputs(3, 4, 3, integer=True)
    for x, got_mod, got_steps in zip(
        X, model.forward_mod(X, P), model.forward_mod(X, P, every_step=True)
    ):
        truth = run(step, layers, dec_w, dec_b, x, h0s, "int")  # (T, C) Python ints
        assert got_mod.tolist() == [v % P for v in truth[-1]]
        assert got_steps.tolist() == [[v % P for v in row] for row in truth]
        # the RAC equivalent, run as the RAC recurrence in Python ints: equal, not mod p
        rac = model.to_rac()
        assert rac.is_integer
        assert rac_loop(rac, model.rac_inputs(x)).tolist() == truth[-1].tolist()


@pytest.mark.parametrize("family,depth,bias", CASES)
def test_float_models_match_the_loop(family, depth, bias):
    model, (step, layers, dec_w, dec_b, h0s) = build(family, depth, bias, integer=False)
    X = inputs(3, 5, 4, integer=False)
    got, got_steps = model.forward(X), model.forward(X, every_step=True)
    assert got.shape == (4, 2) and got_steps.shape == (4, 5, 2)
    via_rac = model.to_rac().forward(model.rac_inputs(X))
    for i, x in enumerate(X):
        truth = run(step, layers, dec_w, dec_b, x, h0s, "float")
        np.testing.assert_allclose(got_steps[i], truth, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got[i], truth[-1], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(via_rac[i], truth[-1], rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("family,depth,bias", CASES[::3])
def test_float_models_are_read_exactly_modulo_p(family, depth, bias):
    """Floats are dyadic rationals: forward_mod and the RAC's residues are y's, exactly."""
    model, (step, layers, dec_w, dec_b, h0s) = build(family, depth, bias, integer=False)
    X = inputs(3, 3, 2, integer=False)
    rac = model.to_rac()
    for x, got, got_rac in zip(X, model.forward_mod(X, P), rac.forward_mod(model.rac_inputs(X), P)):
        truth = run(step, layers, dec_w, dec_b, x, h0s, "fraction")[-1]
        assert got.tolist() == residues(truth, P).tolist()
        assert got_rac.tolist() == residues(truth, P).tolist()


def test_float_composites_that_float64_cannot_hold_give_a_dyadic_rac():
    # A^T C sums 1 + 2**-60: no float64 holds it, the exact residues still do
    A = np.array([[1.0], [1.0]])
    C = np.array([[1.0], [2.0**-60]])
    model = CP2RNN(A, np.ones((1, 1)), C, np.ones((1, 2)), initial_states=[np.ones(2)])
    rac = model.to_rac()
    assert isinstance(rac, DyadicRAC)
    x = np.ones((3, 1))
    layers = [{"A": A, "B": np.ones((1, 1)), "C": C}]
    truth = run(cp_step, layers, np.ones((1, 2)), None, x, [np.ones(2)], "fraction")[-1]
    assert rac.forward_mod(x, P).tolist() == residues(truth, P).tolist()
    np.testing.assert_allclose(rac.forward(x), np.array(truth, dtype=float), rtol=1e-15)


@pytest.mark.parametrize("family", ["cp2rnn", "2rnn", "mirnn", "linear"])
def test_zero_initial_states_as_in_the_seed_code(family):
    model, (step, layers, dec_w, dec_b, h0s) = build(family, 2, True, integer=True, zero_h0=True)
    x = inputs(3, 4, 1, integer=True)[0]
    truth = run(step, layers, dec_w, dec_b, x, h0s, "int")[-1]
    assert rac_loop(model.to_rac(), model.rac_inputs(x)).tolist() == truth.tolist()
    assert model.forward_mod(x, P).tolist() == [v % P for v in truth]


@pytest.mark.parametrize("family", ["cp2rnn", "2rnn", "mirnn", "linear"])
@pytest.mark.parametrize("bias", [False, True])
def test_one_default_start_ones_for_every_family(family, bias):
    model, (step, layers, dec_w, dec_b, _) = build(family, 2, bias, integer=True)
    n = len(model.initial_states[0])
    by_default = model.replace(initial_states=None)
    ones = [np.ones(n, dtype=int), np.ones(n, dtype=int)]
    x = inputs(3, 4, 1, integer=True)[0]
    truth = run(step, layers, dec_w, dec_b, x, ones, "int")[-1]
    assert by_default.forward_mod(x, P).tolist() == [v % P for v in truth]
    assert all(h.tolist() == [1] * n for h in by_default.initial_states)
    zeros = model.replace(initial_states="zeros")
    assert zeros == model.replace(initial_states=[np.zeros(n, dtype=int)] * 2)
    with pytest.raises(ValueError, match="initial_states must be 'ones', 'zeros'"):
        model.replace(initial_states="zero")


def test_homogeneous_model_started_at_zero_is_zero():
    model, _ = build("cp2rnn", 2, False, integer=True, zero_h0=True)
    assert not model.forward(np.ones((4, 3))).any()


def test_rac_width_per_family():
    d, n, K = 3, 2, 3
    widths = {
        # K terms, + 1 coordinate for a nonzero initial state
        ("cp2rnn", False): K + 1,
        # + n (V) + min(d, n) (U) + 1 (constant) terms; the constant column starts a zero h0
        ("cp2rnn", True): K + n + min(d, n) + 1 + 1,
        ("mirnn", False): n + 1,
        ("mirnn", True): 3 * n + 1 + 1,
        ("linear", True): n + min(d, n) + 1 + 1,
        # the dense core expanded along its smallest unfolding: (n+1)(n+1) < (n+1)(d+1)
        ("2rnn", True): (n + 1) * (n + 1) + 1,
        ("2rnn", False): n * min(n, d) + 1,
    }
    for (family, bias), width in widths.items():
        model, _ = build(family, 1, bias, integer=True, d=d, n=n, K=K)
        assert model.to_rac().hidden_dim == width, (family, bias)


def test_exact_rac_is_cached_and_immutable():
    model, _ = build("cp2rnn", 1, True, integer=True)
    assert model.to_rac() is model.to_rac()
    with pytest.raises(AttributeError):
        model.A = None
    with pytest.raises(ValueError, match="read-only"):
        model.A[0][0, 0] = 1
    assert exact(model.A[0], "int").dtype == object
