"""function_dimension against Henry et al.'s formula and an independent symbolic Jacobian.

The symbolic reference writes each model's outputs from its formula with sympy symbols for
every parameter, expands them in the inputs, and takes the rank over Q of the Jacobian of the
coefficient vector at a random integer point (nothing from the library but the shapes).
"""

from __future__ import annotations

import flint
import numpy as np
import pytest
import sympy as sp

from rac_tn import RAC, TTRNN, GatedSSM, LinearAttention
from rac_tn.exact.function_dimension import function_dimension
from rac_tn.models import CP2RNN


@pytest.mark.parametrize(("a", "expected"), [(1, 34), (2, 49), (3, 58), (4, 61)])
def test_deep_lightning_attention_matches_henry_marchetti_kohn(a, expected):
    """l (a (2d - a) + d^2) - (l - 1) d^2 - l at d = 4, t = 3, l = 3 (their Theorem)."""
    d, layers = 4, 3
    assert layers * (a * (2 * d - a) + d * d) - (layers - 1) * d * d - layers == expected
    result = function_dimension(LinearAttention.random(4, a, depth=3, seed=0), T=3)
    assert result.dimension == expected
    assert result.certified and result.exact
    assert result.num_parameters == layers * (2 * a * d + d * d)
    assert result.symmetries == layers * (a * a + 1) + (layers - 1) * d * d


# -- the symbolic reference --------------------------------------------------------------------


def _symbols(prefix, shape):
    return sp.Matrix(*shape, lambda i, j: sp.Symbol(f"{prefix}_{i}_{j}"))


def _attention(model, X):
    params, z = [], [sp.Matrix(x) for x in X]
    for i in range(model.depth):
        Q, K, V = (_symbols(f"{n}{i}", getattr(model, n)[i].shape) for n in "QKV")
        params += [*Q, *K, *V]
        z = [
            sum(
                ((Q * z[t]).dot(K * z[s]) * (V * z[s]) for s in range(t + 1)),
                sp.zeros(len(V[:, 0]), 1),
            )
            for t in range(len(z))
        ]
    return params, z


def _ssm(model, X):
    params, z = [], [sp.Matrix(x) for x in X]
    for i in range(model.depth):
        n, m = model.gate_weight[i].shape
        G, B = _symbols(f"G{i}", (n, m)), _symbols(f"B{i}", (n, m))
        g, h = _symbols(f"g{i}", (n, 1)), _symbols(f"h{i}", (n, 1))
        params += [*G, *g, *B, *h]
        out = []
        for zt in z:
            h = (G * zt + g).multiply_elementwise(h) + B * zt
            out.append(h)
        z = out
    D = _symbols("D", model.decoder_weight.shape)
    return params + [*D], [D * zt for zt in z]


def _ttrnn(model, X):
    params, z = [], [sp.Matrix(x) for x in X]
    n = model.hidden_dim
    for i in range(model.depth):
        W, E = _symbols(f"W{i}", (n, n)), _symbols(f"E{i}", model.E[i].shape)
        b, h = _symbols(f"b{i}", (n, 1)), _symbols(f"h{i}", (n, 1))
        params += [*W, *E, *b, *h]
        out = []
        for zt in z:
            w1, w2 = W * h + b, E * zt
            h = sp.Matrix([sum(w1[j] * w2[j * n + k] for j in range(n)) for k in range(n)])
            out.append(h)
        z = out
    D = _symbols("D", model.decoder_weight.shape)
    return params + [*D], [D * zt for zt in z]


def _rac(model, X):
    params, z = [], [sp.Matrix(x) for x in X]
    for i in range(model.depth):
        WH = _symbols(f"WH{i}", model.hidden_weights[i].shape)
        WI = _symbols(f"WI{i}", model.input_weights[i].shape)
        h = _symbols(f"h{i}", (model.hidden_dim, 1))
        params += [*WI, *WH, *h]
        out = []
        for zt in z:
            h = (WH * h).multiply_elementwise(WI * zt)
            out.append(h)
        z = out
    WO = _symbols("WO", model.output_weights.shape)
    return params + [*WO], [WO * zt for zt in z]


def symbolic_dimension(model, T, builder, every_step=True, seed=0):
    """Rank over Q of d(coefficients of y_t in x)/d(parameters) at a random integer point.

    Each output is expanded as a polynomial in inputs and parameters; the coefficient of an
    input monomial is a polynomial in the parameters, differentiated term by term here.
    """
    xs = [[sp.Symbol(f"x_{t}_{m}") for m in range(model.input_dim)] for t in range(T)]
    params, outputs = builder(model, xs)
    flat_x = [v for row in xs for v in row]
    nx = len(flat_x)
    point = np.random.default_rng(seed).integers(-50, 51, size=len(params)).tolist()
    rows = []
    for y in outputs if every_step else outputs[-1:]:
        for entry in y:
            grads: dict[tuple, list[int]] = {}
            for monomial, coef in sp.Poly(entry, *flat_x, *params).terms():
                row = grads.setdefault(monomial[:nx], [0] * len(params))
                powers = monomial[nx:]
                for j, e in enumerate(powers):
                    if e:
                        term = int(coef) * e
                        for k, f in enumerate(powers):
                            term *= point[k] ** (f - (k == j))
                        row[j] += term
            rows += list(grads.values())
    return flint.fmpz_mat(rows).rank()


CASES = {
    "attention-1": (lambda: LinearAttention.random(2, 1, seed=0), _attention, 3),
    "attention-2": (lambda: LinearAttention.random(1, 1, depth=2, seed=0), _attention, 3),
    "ssm-1": (lambda: GatedSSM.random(1, 2, seed=0), _ssm, 3),
    "ssm-2": (lambda: GatedSSM.random(1, 1, depth=2, seed=0), _ssm, 3),
    "ttrnn": (lambda: TTRNN.random(1, 2, seed=0), _ttrnn, 3),
    "rac": (lambda: RAC.random(2, 2, seed=0), _rac, 3),
    "rac-2": (lambda: RAC.random(1, 2, depth=2, seed=0), _rac, 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("every_step", [True, False])
def test_dimension_is_the_symbolic_jacobian_rank(name, every_step):
    make, builder, T = CASES[name]
    model = make()
    expected = symbolic_dimension(model, T, builder, every_step)
    result = function_dimension(model, T, every_step=every_step, seed=1)
    assert result.dimension == expected, (result, expected)
    assert result.exact
    assert result.dimension <= result.upper_bound <= result.num_parameters


def test_lower_bound_when_the_points_run_out():
    """A cap on the sequences that stops the rank at full row rank gives a lower bound."""
    model = CP2RNN.random(2, 3, 2, depth=2, seed=0)
    capped = function_dimension(model, 4, seed=0, max_points=1, every_step=False)
    full = function_dimension(model, 4, seed=0, every_step=False)
    assert capped.dimension == capped.points == 1 and not capped.exact
    assert full.exact and full.dimension > capped.dimension
    assert "lower bound" in capped.status


def test_fixed_prime_is_exact_only_when_certified():
    model = LinearAttention.random(2, 2, seed=0)
    result = function_dimension(model, 3, prime=(1 << 61) - 1, seed=0)
    assert result.certified == result.exact and result.primes == ((1 << 61) - 1,)
    assert result.to_dict()["dimension"] == int(result)
    ssm = function_dimension(GatedSSM.random(1, 2, seed=0), 3, prime=(1 << 61) - 1, seed=0)
    if not ssm.certified:
        assert not ssm.exact and ssm.failure_probability == 1.0


def test_bad_arguments():
    with pytest.raises(TypeError, match="model"):
        function_dimension("attention", 3)
    with pytest.raises(ValueError, match="T must be a positive integer"):
        function_dimension(LinearAttention.random(2, 1, seed=0), 0)
