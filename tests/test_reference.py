"""The library's exact ranks and cut bounds against an independent exact reference.

The reference (``tests/_reference.py``) expands y as a sparse polynomial with exact rationals
straight from the recurrence, and takes exact ranks over Q of its coefficient matrix (the
separation rank) and of its grid-tensor matricization (the grid rank). It reads only the
model's weight arrays. Here the library must agree with it:

- ``separation_rank(method='sampled')`` returns the reference rank, labelled exact, and
  ``certified`` exactly when that rank meets the symmetric bound;
- ``separation_rank(method='grid')`` returns the reference grid rank;
- ``symmetric_bound`` (function and grid versions) and ``network_cut_bound`` are at least the
  reference ranks, and the symmetric bound is *equal* to the reference rank where it is tight
  (so an off-by-one in the bound, or a rank capped one below it, fails here);

at depth 3 and 4, for unbalanced partitions, M > R, two classes, custom initial states,
degenerate integer weights and float weights. The reference itself is checked first, against
sympy, the paper's closed forms, the degree formula and ``rac.forward``.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from math import comb
from types import SimpleNamespace

import numpy as np
import pytest
import sympy
from _reference import Expansion, grid_rank, rational_rank
from _reference import separation_rank as reference_separation_rank

from rac_tn import (
    RAC,
    Partition,
    analyze,
    compile_rac,
    network_cut_bound,
    separation_rank,
    symmetric_bound,
)

# -- the models ---------------------------------------------------------------------------------


def small_integer_rac(M, R, L, C=1, seed=0, states=None, low=-3, high=4):
    """Integer weights in [low, high): small enough for sympy, generic enough to be useful."""
    rng = np.random.default_rng(seed)
    return RAC(
        [rng.integers(low, high, (R, M))] + [rng.integers(low, high, (R, R)) for _ in range(L - 1)],
        [rng.integers(low, high, (R, R)) for _ in range(L)],
        rng.integers(low, high, (C, R)),
        states,
    )


def zero_state_rac():
    """Layer 2 starts at h^{2,0} = 0, so h^{2,t} = 0 for every t and y == 0."""
    rac = RAC.random(2, 2, depth=3, seed=11, integer=True)
    return RAC(
        rac.input_weights,
        rac.hidden_weights,
        rac.output_weights,
        [np.array([1, 1]), np.array([0, 0]), np.array([1, 1])],
    )


def hand_float_rac():
    """Floats that are not what they look like: read as the decimals they spell, every
    W^{H,l} = [[0.1, 0.3], [1/3, 1]] would be singular (rank one); as the doubles they store,
    it is invertible (det ~ 1.5e-17). The library must rank the stored model."""
    W = np.array([[0.1, 0.3], [1 / 3, 1.0]])
    inputs = [np.array([[0.5, -1.25], [0.75, 2.0]]), np.array([[1.0, 0.5], [0.25, -1.0]])]
    return RAC(inputs + [inputs[1].T], [W, W, W], np.array([[0.1, 1 / 3]]))


def hand_float_rac_as_meant():
    """The model hand_float_rac spells, as exact rationals (0.1 -> 1/10, 1/3 -> 1/3)."""
    tenth, third, half, quarter = Fraction(1, 10), Fraction(1, 3), Fraction(1, 2), Fraction(1, 4)
    W = [[tenth, 3 * tenth], [third, Fraction(1)]]
    W2 = [[Fraction(1), half], [quarter, Fraction(-1)]]
    W2t = [[W2[0][0], W2[1][0]], [W2[0][1], W2[1][1]]]
    return SimpleNamespace(
        input_weights=[[[half, Fraction(-5, 4)], [Fraction(3, 4), Fraction(2)]], W2, W2t],
        hidden_weights=[W, W, W],
        output_weights=[[tenth, third]],
        initial_states=[[1, 1]] * 3,
    )


def degenerate_rac():
    """M = R = 3, depth 3, two classes: W^{I,1} has a zero row (channel 3 of layer 1 never sees
    the input and stays 0), W^{H,2} has rank 2 (third row = first + second), h^{2,0} has a zero
    entry, and W^O[1] = 0 (y_1 == 0)."""
    rac = RAC.random(3, 3, depth=3, num_classes=2, seed=14, integer=True)
    inputs = [np.array(w) for w in rac.input_weights]
    hidden = [np.array(w) for w in rac.hidden_weights]
    inputs[0][2] = 0
    hidden[1][2] = hidden[1][0] + hidden[1][1]
    output = np.array(rac.output_weights)
    output[1] = 0
    states = [np.ones(3, dtype=int), np.array([2, 0, -1]), np.ones(3, dtype=int)]
    return RAC(inputs, hidden, output, states)


def rank_deficient_rac():
    """M = 2, R = 3, depth 3: W^{H,1} of rank one (layer 1 keeps one number of its past),
    W^{I,2} with a zero row, W^{H,3} of rank two."""
    rac = RAC.random(2, 3, depth=3, seed=13, integer=True)
    inputs = [np.array(w) for w in rac.input_weights]
    hidden = [np.array(w) for w in rac.hidden_weights]
    hidden[0] = np.outer([3, -1, 2], [2, 5, -4])
    inputs[1][1] = 0
    hidden[2][0] = 2 * hidden[2][1] - hidden[2][2]
    return RAC(inputs, hidden, rac.output_weights)


def extreme_float_rac():
    """Depth 2 floats spanning the whole double range: 1e-300 beside 1e300, a subnormal
    (5e-324 = 2^-1074) in W^O, 2^-60 beside 1: exact reading needs integers of thousands of
    bits."""
    return RAC(
        [np.array([[1e-300, 1.0], [3.0, 1e300]]), np.array([[1.0, 2.0**-60], [0.5, 1.0]])],
        [np.array([[1.0, 1e-200], [1e200, 1.0]]), np.array([[0.1, 0.3], [1 / 3, 1.0]])],
        np.array([[1.0, 5e-324]]),
    )


def near_singular_float_rac():
    """Depth 2: matrices one ulp (2^-52, 2^-50) away from singular; a float rank (SVD) would
    call them singular, the exact rank must not."""
    eps = 2.0**-52
    return RAC(
        [np.array([[1.0, 1.0 + eps], [1.0, 1.0]]), np.eye(2)],
        [np.array([[1.0, 1.0], [1.0, 1.0 + eps]]), np.array([[1.0, 2.0], [2.0, 4.0 + 4 * eps]])],
        np.array([[1.0, -1.0]]),
    )


BUILDERS = {
    # name: (builder, T)
    "L3-int": (lambda: RAC.random(2, 2, depth=3, seed=1, integer=True), 4),
    "L3-R3": (lambda: RAC.random(2, 3, depth=3, seed=2, integer=True), 4),
    "L4-int": (lambda: RAC.random(2, 2, depth=4, seed=3, integer=True), 4),
    "L3-T5": (lambda: RAC.random(2, 2, depth=3, seed=4, integer=True), 5),
    "L2-T6": (lambda: RAC.random(2, 2, depth=2, seed=5, integer=True), 6),
    "M3>R2-L3": (lambda: RAC.random(3, 2, depth=3, seed=6, integer=True), 3),
    "M3>R2-L4": (lambda: RAC.random(3, 2, depth=4, seed=7, integer=True), 3),
    "M3>R2-L2": (lambda: RAC.random(3, 2, depth=2, seed=8, integer=True), 4),
    "C2-L3": (lambda: RAC.random(2, 2, depth=3, num_classes=2, seed=9, integer=True), 4),
    "states-L3": (
        lambda: small_integer_rac(2, 2, 3, seed=10, states=[[2, -1], [0, 3], [1, -2]]),
        4,
    ),
    "degenerate-L3": (degenerate_rac, 3),
    "rank-deficient-L3": (rank_deficient_rac, 4),
    "zero-state-L3": (zero_state_rac, 4),
    "float-random-L3": (lambda: RAC.random(2, 2, depth=3, seed=12), 3),
    "float-hand-L3": (hand_float_rac, 4),
    "float-extreme-L2": (extreme_float_rac, 4),
    "float-near-singular-L2": (near_singular_float_rac, 4),
}


@cache
def model(name):
    build, T = BUILDERS[name]
    return build(), T


@cache
def expansion(name):
    rac, T = model(name)
    return Expansion(rac, T)


@cache
def reference(name, start, class_index=0):
    """(separation rank, grid rank) of the reference, cached per (model, P, class)."""
    e = expansion(name)
    return (
        reference_separation_rank(e, start, class_index),
        grid_rank(e, start, None, class_index),
    )


def partitions(T, seed):
    """{1}, {T}, all but one (both ends), Start-End-like halves, interleaved, two random masks."""
    starts = {(1,), (T,), tuple(range(1, T)), tuple(range(2, T + 1))}
    starts.add(tuple(range(1, T // 2 + 1)))
    starts.add(tuple(range(1, T + 1, 2)))
    rng = np.random.default_rng(seed)
    while len(starts) < 8 and T > 3:
        mask = rng.integers(0, 2, size=T)
        if 0 < mask.sum() < T:
            starts.add(tuple(int(t) for t in np.flatnonzero(mask) + 1))
    return sorted(starts)


def cases(names, classes=False):
    out = []
    for name in names:
        _, T = BUILDERS[name]
        for start in partitions(T, seed=T):
            for c in range(2 if classes else 1):
                out.append(
                    pytest.param(name, start, c, id=f"{name}-P{''.join(map(str, start))}-c{c}")
                )
    return out


#: the default run: each model on a few partitions that exercise it (the first class only,
#: except for the two-class models); the slow run: every model on every partition
FAST = [
    ("L3-int", (1,), 0),
    ("L3-int", (1, 3), 0),
    ("L3-int", (1, 2, 3), 0),
    ("L3-R3", (1, 2), 0),
    ("L4-int", (1,), 0),
    ("L4-int", (1, 3), 0),
    ("L4-int", (4,), 0),
    ("L2-T6", (1, 2, 3), 0),
    ("M3>R2-L3", (1,), 0),
    ("M3>R2-L3", (2,), 0),
    ("M3>R2-L4", (1, 3), 0),
    ("M3>R2-L2", (1, 3), 0),
    ("C2-L3", (1, 3), 0),
    ("C2-L3", (1, 3), 1),
    ("states-L3", (1, 3), 0),
    ("states-L3", (2, 4), 0),
    ("degenerate-L3", (1,), 0),
    ("degenerate-L3", (2,), 0),
    ("degenerate-L3", (2,), 1),
    ("rank-deficient-L3", (1, 3), 0),
    ("rank-deficient-L3", (2,), 0),
    ("zero-state-L3", (1, 2), 0),
    ("float-random-L3", (1, 3), 0),
    ("float-random-L3", (2,), 0),
    ("float-hand-L3", (1, 3), 0),
    ("float-hand-L3", (1,), 0),
    ("float-extreme-L2", (1, 3), 0),
    ("float-near-singular-L2", (1, 2), 0),
]
FAST_CASES = [
    pytest.param(*case, id=f"{case[0]}-P{''.join(map(str, case[1]))}-c{case[2]}") for case in FAST
]
SLOW_CASES = [
    pytest.param(*p.values, marks=pytest.mark.slow, id=p.id)
    for p in cases([n for n in BUILDERS if not n.startswith(("C2", "degenerate"))])
    + cases(["C2-L3", "degenerate-L3"], classes=True)
    if tuple(p.values) not in set(FAST)
]
ALL_CASES = FAST_CASES + SLOW_CASES


# -- the reference checks itself ----------------------------------------------------------------


def sympy_expansion(rac, T):
    """y expanded by sympy's own symbolic algebra (matrices of symbols, then ``expand``)."""
    M, L = rac.M, rac.L
    x = [[sympy.Symbol(f"x_{t}_{m}") for m in range(M)] for t in range(1, T + 1)]
    mat = [sympy.Matrix(np.asarray(w).tolist()) for w in rac.input_weights]
    hid = [sympy.Matrix(np.asarray(w).tolist()) for w in rac.hidden_weights]
    state = [sympy.Matrix(np.asarray(h).tolist()) for h in rac.initial_states]
    for t in range(T):
        below = sympy.Matrix(x[t])
        for layer in range(L):
            state[layer] = (hid[layer] * state[layer]).multiply_elementwise(mat[layer] * below)
            below = state[layer]
    y = sympy.Matrix(np.asarray(rac.output_weights).tolist()) * state[-1]
    flat = [v for row in x for v in row]
    return [sympy.Poly(sympy.expand(c), *flat) for c in y], flat


def test_reference_polynomial_equals_sympys_expansion():
    rac = small_integer_rac(2, 2, 2, C=2, seed=0, states=[[1, -2], [3, 0]])
    T = 3
    ours = Expansion(rac, T)
    polys, _ = sympy_expansion(rac, T)
    for c, poly in enumerate(polys):
        expected = {
            tuple(tuple(monom[t * 2 : t * 2 + 2]) for t in range(T)): int(coef)
            for monom, coef in poly.terms()
        }
        got = {ours.exponents(key): coef for key, coef in ours.outputs[c].items()}
        assert got == expected and len(got) > 10


@pytest.mark.parametrize(("M", "L", "T"), [(2, 3, 4), (2, 4, 3), (3, 2, 4)])
def test_reference_degrees_are_the_lattice_path_counts(M, L, T):
    """y is homogeneous of degree n_t = C(T-t+L-1, L-1) in x_t, and has every monomial of those
    degrees (generic weights): prod_t ((M, n_t)) terms."""
    e = Expansion(RAC.random(M, 2, depth=L, seed=0, integer=True), T)
    n = tuple(comb(T - t + L - 1, L - 1) for t in range(1, T + 1))
    assert e.degrees() == {n}
    count = 1
    for degree in n:
        count *= comb(M + degree - 1, degree)
    assert len(e.outputs[0]) == count


def test_reference_evaluates_as_the_float_forward_pass():
    rac = small_integer_rac(3, 2, 3, C=2, seed=1, states=[[1, 2], [-1, 1], [2, 0]])
    T = 3
    e = Expansion(rac, T)
    rng = np.random.default_rng(0)
    for _ in range(3):
        X = rng.integers(-3, 4, size=(T, 3))
        expected = rac.forward(X.astype(float))
        got = [float(e.evaluate(X.tolist(), c)) for c in range(2)]
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_reference_rank_agrees_with_sympy():
    e = Expansion(small_integer_rac(2, 2, 3, seed=2), 4)
    for start in [(1,), (1, 3), (1, 2)]:
        matrix, _, _ = e.coefficient_matrix(start)
        assert rational_rank(matrix) == sympy.Matrix(matrix).rank()
    fractions = [[Fraction(1, 3), Fraction(2, 3)], [Fraction(1, 7), Fraction(2, 7)], [1, 0]]
    assert rational_rank(fractions) == 2 == sympy.Matrix(fractions).rank()
    assert rational_rank([[0, 0], [0, 0]]) == 0


@pytest.mark.parametrize(("M", "R", "T"), [(2, 3, 4), (3, 2, 4), (2, 2, 6)])
def test_reference_reproduces_the_papers_closed_forms(M, R, T):
    """Shallow: sep_(S,E) = min(R, M^{T/2}). Depth 2, M >= R: R * ((R, T/2)) (Theorem 1.2 and
    the multi-homogeneous bound meet). Grid rank <= separation rank, for any function."""
    half = tuple(range(1, T // 2 + 1))
    shallow = Expansion(RAC.random(M, R, seed=0, integer=True), T)
    assert reference_separation_rank(shallow, half) == min(R, M ** (T // 2))
    if M >= R:
        deep = Expansion(RAC.random(M, R, depth=2, seed=0, integer=True), T)
        assert reference_separation_rank(deep, half) == R * comb(R + T // 2 - 1, T // 2)
        assert grid_rank(deep, half) <= reference_separation_rank(deep, half)


def test_reference_sees_the_stored_floats_not_the_meant_rationals():
    """The hand-made float model has a larger rank than the rational model it spells: so the
    float tests below can tell exact dyadic reading from any rounding of the weights."""
    stored = Expansion(hand_float_rac(), 4)
    meant = Expansion(hand_float_rac_as_meant(), 4)
    assert reference_separation_rank(stored, (1, 3)) > reference_separation_rank(meant, (1, 3))


# -- the library against the reference ----------------------------------------------------------


def check_probability(result):
    """Certified: nothing can be wrong. Otherwise exact means a failure bound at most 1e-9 (0
    only when a rank of 0 is proven, e.g. the coefficient bound of a model that is 0)."""
    if result.certified:
        assert result.failure_probability == 0.0
    elif result.rank > 0:
        assert 0 < result.failure_probability <= 1e-9
    else:
        assert 0 <= result.failure_probability <= 1e-9


def check_sampled(name, start, class_index):
    rac, T = model(name)
    part = Partition(T, start)
    expected, _ = reference(name, start, class_index)
    bound = symmetric_bound(rac, part).value
    result = separation_rank(rac, part, seed=len(start), class_index=class_index)
    assert result.rank == expected, f"sampled rank {result.rank} != exact {expected}"
    # the sample budget (8192) is far above these bounds: the answer is never a capped guess
    assert result.exact
    # certified: meets the symmetric bound, or the End span of these weights, or computed over Q
    met = result.end_span is not None and expected == result.end_span.value
    assert result.certified == (expected == bound or met or result.certificate == "exact grids")
    check_probability(result)


def check_grid(name, start, class_index):
    rac, T = model(name)
    part = Partition(T, start)
    _, expected = reference(name, start, class_index)
    result = separation_rank(rac, part, method="grid", class_index=class_index)
    assert result.rank == expected, f"grid rank {result.rank} != exact {expected}"
    assert result.exact
    size = min(rac.M ** len(part.start), rac.M ** len(part.end))
    cut = symmetric_bound(rac, part, templates=rac.M).value
    assert result.certified == (expected == min(cut, size))
    check_probability(result)


def check_bounds(name, start, class_index):
    rac, T = model(name)
    part = Partition(T, start)
    sep, grid = reference(name, start, class_index)
    assert grid <= sep  # any function: the grid rank is a lower bound (checks the reference)
    assert symmetric_bound(rac, part).value >= sep
    assert symmetric_bound(rac, part, templates=rac.M).value >= grid
    assert network_cut_bound(compile_rac(rac, T), part).value >= grid


@pytest.mark.parametrize(("name", "start", "class_index"), ALL_CASES)
def test_sampled_separation_rank_is_the_exact_rank(name, start, class_index):
    check_sampled(name, start, class_index)


@pytest.mark.parametrize(("name", "start", "class_index"), ALL_CASES)
def test_grid_rank_is_the_exact_grid_rank(name, start, class_index):
    check_grid(name, start, class_index)


@pytest.mark.parametrize(("name", "start", "class_index"), ALL_CASES)
def test_cut_bounds_are_at_least_the_exact_ranks(name, start, class_index):
    check_bounds(name, start, class_index)


#: partitions where the exact rank (computed here) meets the symmetric bound, with the value:
#: the bound is tight there, so it must equal the reference (depth 3 and 4, unbalanced too)
TIGHT = [
    ("L3-int", (1,), 11),
    ("L3-int", (1, 2), 8),
    ("L3-int", (1, 3), 14),
    ("L3-int", (2, 3, 4), 11),
    ("L4-int", (1,), 21),
    ("L4-int", (1, 2), 10),
    ("L4-int", (1, 3), 22),
    ("L4-int", (1, 2, 4), 5),
    pytest.param("L3-T5", (1, 3, 5), 44, marks=pytest.mark.slow),
    ("L3-R3", (1,), 11),
    ("M3>R2-L3", (2, 3), 7),
    pytest.param("L2-T6", (1, 4, 6), 56, marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("name", "start", "value"), TIGHT)
def test_symmetric_bound_meets_the_exact_rank_where_tight(name, start, value):
    rac, T = model(name)
    part = Partition(T, start)
    assert reference(name, start)[0] == value
    assert symmetric_bound(rac, part).value == value
    result = separation_rank(rac, part, seed=0)
    assert result.rank == value and result.certified


def test_two_classes_have_their_own_ranks():
    """C = 2 with W^O[1] = 0: class 1 has rank 0 (both methods), class 0 does not."""
    rac, T = model("degenerate-L3")
    part = Partition(T, (1,))
    assert reference("degenerate-L3", (1,), 1) == (0, 0)
    assert reference("degenerate-L3", (1,), 0)[0] > 0
    zero = separation_rank(rac, part, seed=0, class_index=1)
    assert zero.rank == 0 and zero.exact
    assert separation_rank(rac, part, method="grid", class_index=1).rank == 0


@pytest.mark.parametrize(
    ("name", "start", "templates"),
    [
        ("L3-int", (1, 3), np.array([[1, 2], [3, -1], [2, 5]])),  # N = 3 > M = 2
        ("M3>R2-L3", (1,), np.array([[1, 0, 2], [0, 1, -1]])),  # N = 2 < M = 3
        ("L3-R3", (1, 2), np.array([[0.5, 1 / 3], [0.1, 1.0], [2.0, -0.25]])),  # float templates
        ("states-L3", (2, 4), np.array([[1, 1], [1, -1], [2, 3]])),
    ],
)
def test_grid_rank_with_templates_is_the_exact_rank(name, start, templates):
    rac, T = model(name)
    part = Partition(T, start)
    expected = grid_rank(expansion(name), start, templates)
    result = separation_rank(rac, part, method="grid", templates=templates)
    assert result.rank == expected
    N = len(templates)
    assert symmetric_bound(rac, part, templates=N).value >= expected
    assert expected <= reference(name, start)[0]


@pytest.mark.parametrize(("name", "start"), [("L3-int", (1, 3)), ("degenerate-L3", (2,))])
def test_analyze_reports_the_exact_ranks(name, start):
    """A report's exact ranks are the reference's, class by class (class 1 of the degenerate
    model is y_1 == 0), and its upper bounds are at least them. (A proven generic rank is the
    rank of these random integer weights, as it meets the symmetric bound.)"""
    rac, T = model(name)
    report = analyze(rac, Partition(T, start))
    truth = [reference(name, start, c) for c in range(rac.C)]
    assert [r.class_index for r in report.ranks] == list(range(rac.C))
    assert [r.rank for r in report.ranks] == [sep for sep, _ in truth]
    assert [r.rank for r in report.grid_ranks] == [grid for _, grid in truth]
    largest = {
        "separation rank": max(sep for sep, _ in truth),
        "grid-tensor rank": max(grid for _, grid in truth),
    }
    exact_rows = []
    for row in report.rows:
        if row.value is not None and row.claim == "upper bound":
            assert row.value >= largest[row.quantity], row
        if row.claim == "exact rank" and row.origin.startswith("exact computation"):
            exact_rows.append((row.quantity, row.value))
        elif row.claim == "exact rank":  # the generic rank, proven: this model's rank then
            assert row.value == largest[row.quantity], row
    expected_rows = [("separation rank", sep) for sep, _ in truth]
    expected_rows += [("grid-tensor rank", grid) for _, grid in truth]
    assert sorted(exact_rows) == sorted(expected_rows)
