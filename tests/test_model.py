"""The RAC model: forward against an explicit loop, exact modular arithmetic, homogeneity."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from _helpers import gaussian_rac

from rac_tn import RAC
from rac_tn.arith.modular import MERSENNE61

SHAPES = [(2, 3, 1, 1), (3, 2, 2, 2), (2, 2, 3, 1), (4, 3, 4, 3)]


def loop_forward(rac: RAC, x: np.ndarray) -> np.ndarray:
    """One sample, one step, one channel at a time: the recurrence as written in the paper."""
    T = x.shape[0]
    below = [list(map(float, x[t])) for t in range(T)]
    for layer in range(rac.L):
        wi, wh = rac.input_weights[layer], rac.hidden_weights[layer]
        h = [float(v) for v in rac.initial_states[layer]]
        states = []
        for t in range(T):
            new = []
            for r in range(rac.R):
                rec = sum(float(wh[r, k]) * h[k] for k in range(rac.R))
                inp = sum(float(wi[r, k]) * below[t][k] for k in range(len(below[t])))
                new.append(rec * inp)
            h = new
            states.append(h)
        below = states
    return np.array(
        [sum(float(w) * v for w, v in zip(row, below[-1])) for row in rac.output_weights]
    )


def exact_forward(rac: RAC, x: np.ndarray) -> list[int]:
    """Exact Python-integer recurrence (no modulus)."""
    below = [[int(v) for v in row] for row in x]
    for layer in range(rac.L):
        wi = [[int(v) for v in row] for row in rac.input_weights[layer]]
        wh = [[int(v) for v in row] for row in rac.hidden_weights[layer]]
        h = [int(v) for v in rac.initial_states[layer]]
        states = []
        for vec in below:
            h = [
                sum(a * b for a, b in zip(wh[r], h)) * sum(a * b for a, b in zip(wi[r], vec))
                for r in range(rac.R)
            ]
            states.append(h)
        below = states
    return [sum(int(w) * v for w, v in zip(row, below[-1])) for row in rac.output_weights]


@pytest.mark.parametrize("M,R,L,C", SHAPES)
def test_forward_matches_explicit_loop(M, R, L, C):
    rac = gaussian_rac(M, R, L, C, seed=M + 10 * R + 100 * L)
    X = np.random.default_rng(1).standard_normal((4, 5, M))
    batched = rac.forward(X)
    assert batched.shape == (4, C)
    for b in range(4):
        np.testing.assert_allclose(batched[b], loop_forward(rac, X[b]), rtol=1e-12)
        np.testing.assert_allclose(rac.forward(X[b]), batched[b], rtol=1e-12)
    assert rac.forward(X[0]).shape == (C,)


@pytest.mark.parametrize("M,R,L,C", SHAPES)
@pytest.mark.parametrize("p", [MERSENNE61, 2**31 - 1, (1 << 62) - 57])
def test_forward_mod_matches_python_integers(M, R, L, C, p):
    rac = RAC.random(M, R, depth=L, num_classes=C, seed=7, integer=True)
    X = np.random.default_rng(3).integers(-(2**20), 2**20, size=(3, 6, M))
    got = rac.forward_mod(X, p)
    assert got.dtype == np.uint64 and got.shape == (3, C)
    for b in range(3):
        want = [v % p for v in exact_forward(rac, X[b])]
        assert [int(v) for v in got[b]] == want


def test_forward_mod_reads_floats_as_dyadic_rationals():
    rac = RAC.random(3, 2, depth=2, seed=5)  # float weights
    X = np.random.default_rng(0).random((2, 4, 3))
    p = MERSENNE61
    from fractions import Fraction

    def residue(frac):
        return frac.numerator * pow(frac.denominator, -1, p) % p

    below = [[Fraction(float(v)) for v in row] for row in X[1]]
    for layer in range(rac.L):
        wi = [[Fraction(float(v)) for v in row] for row in rac.input_weights[layer]]
        wh = [[Fraction(float(v)) for v in row] for row in rac.hidden_weights[layer]]
        h = [Fraction(1)] * rac.R
        states = []
        for vec in below:
            h = [
                sum(a * b for a, b in zip(wh[r], h)) * sum(a * b for a, b in zip(wi[r], vec))
                for r in range(rac.R)
            ]
            states.append(h)
        below = states
    y = sum(Fraction(float(w)) * v for w, v in zip(rac.output_weights[0], below[-1]))
    assert int(rac.forward_mod(X, p)[1, 0]) == residue(y)


@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("T", [1, 3, 5])
def test_homogeneity_degree_of_each_input(L, T):
    """Scaling f_t by lam scales y by lam ** C(T-t+L-1, L-1)."""
    rac = RAC.random(2, 2, depth=L, seed=L, integer=True)
    X = np.random.default_rng(T).integers(1, 9, size=(T, 2))
    base = exact_forward(rac, X)
    lam = 3
    for t in range(1, T + 1):
        scaled = X.copy()
        scaled[t - 1] *= lam
        degree = comb(T - t + L - 1, L - 1)
        assert exact_forward(rac, scaled) == [lam**degree * v for v in base]
        p = MERSENNE61
        assert int(rac.forward_mod(scaled, p)[0]) == lam**degree * base[0] % p


def test_float_forward_homogeneity():
    rac = gaussian_rac(3, 3, 2, 1, seed=0)
    X = np.random.default_rng(0).standard_normal((4, 3))
    for t in range(1, 5):
        scaled = X.copy()
        scaled[t - 1] *= 1.5
        np.testing.assert_allclose(
            rac.forward(scaled), 1.5 ** comb(4 - t + 1, 1) * rac.forward(X), rtol=1e-12
        )


def test_random_sizes_and_properties():
    rac = RAC.random(5, 3, depth=2, num_classes=4, seed=0)
    assert (rac.M, rac.R, rac.L, rac.C) == (5, 3, 2, 4)
    assert (rac.input_dim, rac.hidden_dim, rac.depth, rac.num_classes) == (5, 3, 2, 4)
    assert rac.num_parameters == 3 * 5 + 3 * 3 + 2 * 3 * 3 + 4 * 3
    assert not rac.is_integer
    integer = RAC.random(5, 3, depth=2, seed=0, integer=True)
    assert integer.is_integer
    assert max(np.abs(w).max() for w in integer.hidden_weights) < 2**20
    same = RAC.random(5, 3, depth=2, seed=0, integer=True)
    assert all(np.array_equal(a, b) for a, b in zip(integer.input_weights, same.input_weights))


@pytest.mark.parametrize("L", [1, 2, 3])
def test_random_float_outputs_stay_order_one(L):
    rac = RAC.random(4, 4, depth=L, seed=1)
    X = np.eye(4)[np.random.default_rng(0).integers(0, 4, size=(20, 200))]
    y = rac.forward(X)
    assert np.all(np.isfinite(y)) and np.all(np.abs(np.log10(np.abs(y))) < 3)


def test_initial_states_enter_the_recurrence():
    rac = gaussian_rac(2, 2, 2, 1, seed=4)
    X = np.random.default_rng(2).standard_normal((3, 2))
    other = RAC(rac.input_weights, rac.hidden_weights, rac.output_weights)
    np.testing.assert_allclose(rac.forward(X), loop_forward(rac, X), rtol=1e-12)
    assert not np.allclose(rac.forward(X), other.forward(X))


# -- bad input ----------------------------------------------------------------------------------

GOOD_WI = [np.ones((2, 3)), np.ones((2, 2))]
GOOD_WH = [np.ones((2, 2)), np.ones((2, 2))]
GOOD_WO = np.ones((1, 2))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (
            dict(input_weights=[np.ones((3, 3)), np.ones((2, 2))]),
            ValueError,
            r"hidden_weights\[0\]",
        ),
        (dict(input_weights=[np.ones((2, 3)), np.ones((2, 3))]), ValueError, r"input_weights\[1\]"),
        (
            dict(hidden_weights=[np.ones((2, 2)), np.ones((2, 3))]),
            ValueError,
            r"hidden_weights\[1\]",
        ),
        (dict(hidden_weights=[np.ones((2, 2))]), ValueError, "2 layers but hidden_weights has 1"),
        (dict(output_weights=np.ones((1, 3))), ValueError, "output_weights must be C x R"),
        (dict(output_weights=np.ones(2)), ValueError, "output_weights must be 2-D"),
        (dict(initial_states=[np.ones(2)]), ValueError, "initial_states must hold 2"),
        (dict(initial_states=[np.ones(2), np.ones(3)]), ValueError, r"initial_states\[1\]"),
        (dict(input_weights=[np.full((2, 3), np.nan), np.ones((2, 2))]), ValueError, "NaN"),
        (dict(output_weights=np.array([[1.0, np.inf]])), ValueError, "infinite"),
        (dict(input_weights=[np.ones((2, 0)), np.ones((2, 2))]), ValueError, "positive sizes"),
        (dict(input_weights=[]), ValueError, "empty list"),
        (dict(input_weights="abc"), TypeError, "list of per-layer"),
        (dict(output_weights=np.ones((1, 2), dtype=complex)), TypeError, "real numbers"),
    ],
)
def test_bad_weights_raise_helpful_errors(kwargs, error, match):
    args = dict(input_weights=GOOD_WI, hidden_weights=GOOD_WH, output_weights=GOOD_WO)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        RAC(**args)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(input_dim=0), ValueError, "input_dim must be a positive integer"),
        (dict(hidden_dim=-1), ValueError, "hidden_dim"),
        (dict(depth=0), ValueError, "depth"),
        (dict(num_classes=2.5), TypeError, "num_classes"),
    ],
)
def test_bad_random_sizes(kwargs, error, match):
    args = dict(input_dim=2, hidden_dim=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        RAC.random(**args)


@pytest.mark.parametrize(
    "X,error,match",
    [
        (np.ones((4, 2)), ValueError, "last dimension must be the input size M = 3"),
        (np.ones((0, 3)), ValueError, "T = 0"),
        (np.ones(3), ValueError, r"shape \(T, M\) or \(batch, T, M\)"),
        (np.full((2, 3), np.nan), ValueError, "NaN"),
        (np.array([["a", "b", "c"]]), TypeError, "real numbers"),
    ],
)
def test_bad_inputs(X, error, match):
    rac = RAC(GOOD_WI, GOOD_WH, GOOD_WO)
    with pytest.raises(error, match=match):
        rac.forward(X)
    with pytest.raises(error, match=match):
        rac.forward_mod(X)


@pytest.mark.parametrize(
    "p,error,match",
    [
        (15, ValueError, "composite"),
        (2, ValueError, "odd prime"),
        (2**64 + 13, ValueError, "2\\*\\*63"),
        (7.0, TypeError, "integer prime"),
    ],
)
def test_bad_modulus(p, error, match):
    rac = RAC(GOOD_WI, GOOD_WH, GOOD_WO)
    with pytest.raises(error, match=match):
        rac.forward_mod(np.ones((2, 3)), p)


# -- immutability (issue: cached residues outlived edited weights) ---------------------------------


def test_a_rac_is_immutable_and_owns_its_arrays():
    wi, wh, wo = np.eye(2, dtype=np.int64), np.eye(2, dtype=np.int64), np.ones((1, 2), np.int64)
    rac = RAC([wi], [wh], wo)
    X = np.eye(2, dtype=np.int64)[[0, 1, 1]]
    before = int(rac.forward_mod(X, 101)[0])
    wh[0, 0] = 7  # the caller's array changes; the model must not
    assert int(rac.forward_mod(X, 101)[0]) == before
    with pytest.raises(ValueError, match="read-only"):
        rac.hidden_weights[0][0, 0] = 7
    with pytest.raises(AttributeError, match="immutable"):
        rac.hidden_weights = [wh]
    changed = rac.replace(hidden_weights=[wh])
    # y = sum_b (W^H)^{...}: recomputed by hand for the changed W^H = [[7, 0], [0, 1]]
    h = np.ones(2, dtype=object)
    for t in (0, 1, 1):
        h = (np.array([[7, 0], [0, 1]], dtype=object) @ h) * np.eye(2, dtype=object)[t]
    assert int(changed.forward_mod(X, 101)[0]) == int(sum(h)) % 101
    assert int(rac.forward_mod(X, 101)[0]) == before
    assert changed != rac and rac.replace() == rac


def test_separation_rank_follows_a_replaced_model():
    from rac_tn import separation_rank, start_end

    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    assert separation_rank(rac, start_end(6), seed=0).rank == 2 * 4  # R ((R, T/2))
    # W^O with rank one and W^H = I, W^I rank one: y is a product of per-step scalars, rank 1
    ones = np.ones((2, 2), dtype=np.int64)
    flat = rac.replace(input_weights=[ones, ones], hidden_weights=[np.eye(2, dtype=np.int64)] * 2)
    assert separation_rank(flat, start_end(6), seed=0).rank == 1


# -- float range (issue: NaN and silent 0 from float64) --------------------------------------------


def exact_output(rac, X):
    """y by the recurrence on Python integers (weights and inputs are integers here)."""
    layer_input = [list(map(int, x)) for x in X]
    for wi, wh, h0 in zip(rac.input_weights, rac.hidden_weights, rac.initial_states):
        h = [int(v) for v in h0]
        states = []
        for x in layer_input:
            rec = [sum(int(w) * v for w, v in zip(row, h)) for row in wh]
            drive = [sum(int(w) * v for w, v in zip(row, x)) for row in wi]
            h = [a * b for a, b in zip(rec, drive)]
            states.append(h)
        layer_input = states
    return [sum(int(w) * v for w, v in zip(row, layer_input[-1])) for row in rac.output_weights]


def test_forward_raises_instead_of_nan_and_scaled_forward_is_exact_in_size():
    from rac_tn._checks import FloatRangeError

    rac = RAC.random(3, 3, depth=2, seed=0, integer=True)
    X = np.eye(3, dtype=np.int64)[[0, 1, 2, 0, 1, 2, 0, 1]]
    y = exact_output(rac, X)[0]
    with pytest.raises(FloatRangeError, match="overflows float64"):
        rac.forward(X)
    mantissa, exponent = rac.forward_scaled(X)
    # the scaled value agrees with the exact integer to float precision
    assert exponent == abs(y).bit_length() or exponent == abs(y).bit_length() + 1
    assert abs(float(mantissa[0]) - y / 2**exponent) < 1e-12


def test_forward_raises_instead_of_a_silent_underflow():
    from rac_tn._checks import FloatRangeError

    # W^H = W^I = I / 2 and ones: every step halves twice, so y = 2^(-2T) exactly (L = 1)
    half = np.eye(2) / 2
    rac = RAC([half], [half], np.ones((1, 2)), [np.ones(2)])
    X = np.ones((600, 2))  # y = 2 * 2^-1200: 0.0 in plain float64
    with pytest.raises(FloatRangeError, match="underflows float64"):
        rac.forward(X)
    mantissa, exponent = rac.forward_scaled(X)
    assert float(mantissa[0]) * 2.0 ** (exponent + 1200) == 2.0
    assert rac.forward(X[:100])[0] == 2.0 * 2.0**-200  # in range: exact


def test_float_routes_raise_instead_of_nan():
    from rac_tn import compile_rac, grid_tensor
    from rac_tn._checks import FloatRangeError

    rac = RAC.random(3, 3, depth=2, seed=0, integer=True)
    with pytest.raises(FloatRangeError, match="grid_tensor_mod"):
        grid_tensor(rac, 8)
    X = np.eye(3)[[0, 1, 2, 0, 1, 2, 0, 1]]
    with pytest.raises(FloatRangeError, match="forward_mod"):
        compile_rac(rac, 8).evaluate(X)
    half = np.eye(2) / 2
    tiny = RAC([half], [half], np.ones((1, 2)))
    with pytest.raises(FloatRangeError, match="underflows"):
        grid_tensor(tiny, 600, templates=np.ones((1, 2)))


def test_random_rejects_a_bad_seed_by_name():
    with pytest.raises(TypeError, match="seed must be"):
        RAC.random(2, 2, seed="abc")
    assert RAC.random(np.int64(2), np.int32(2), depth=np.int64(2), seed=np.int64(3)).L == 2
