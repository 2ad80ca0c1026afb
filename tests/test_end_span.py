"""The End-span bound, each number against an independent computation.

The reference here expands the End polynomial ``G(u, x_{k+1..T})`` symbolically (exact Python
integers, the recurrence written below, none of the library's code), takes the rank over Q of
its coefficient matrix (rows: monomials in the boundary ``u``, columns: monomials in the end
inputs) and compares: the End span proven by :func:`end_span_bound` must be at least that rank
always, and equal to it when the bound says it is tight. The separation rank itself comes from
the exact reference of ``tests/_reference.py``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import numpy as np
import pytest
from _end_reference import end_coefficients, end_span_reference
from _reference import Expansion, rational_rank
from _reference import separation_rank as reference_separation_rank

from rac_tn import CP2RNN, RAC, Partition, separation_rank, start_end, symmetric_bound
from rac_tn.arith import modular
from rac_tn.exact.boundary_space import BoundarySpace, exponents
from rac_tn.exact.end_relations import (
    crt_combine,
    end_values_mod,
    rational_reconstruction,
)
from rac_tn.exact.end_span import (
    EXACT_VALUES,
    EndSpanBound,
    end_span_bound,
    integer_weights,
    prefix_cut,
)
from rac_tn.exact.relation_check import (
    check_relations,
    end_input_map,
    end_value_count,
    exact_row_basis,
)
from rac_tn.models import random_model


def _random_rac(M: int, R: int, L: int, seed: int, low: int | None = None) -> RAC:
    if low is None:
        return RAC.random(M, R, depth=L, seed=seed, integer=True)
    rng = np.random.default_rng(seed)
    return RAC(
        [rng.integers(-low, low + 1, (R, M if i == 0 else R)) for i in range(L)],
        [rng.integers(-low, low + 1, (R, R)) for _ in range(L)],
        rng.integers(-low, low + 1, (1, R)),
    )


# -- the bound against the reference ------------------------------------------------------------


@pytest.mark.parametrize(
    ("M", "R", "L", "T", "seed"),
    [
        (2, 2, 3, 6, 0),
        (2, 2, 2, 6, 3),
        (2, 2, 4, 4, 4),
        (3, 2, 3, 4, 5),  # M > R: the end inputs are read through W^{I,1}'s range
        pytest.param(3, 2, 3, 6, 2, marks=pytest.mark.slow),
        pytest.param(2, 2, 3, 8, 1, marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize("route", ["exact values", "lifted relations"])
def test_end_span_matches_the_expanded_polynomial(M, R, L, T, seed, route):
    rac = _random_rac(M, R, L, seed)
    k = T // 2
    exact_values = EXACT_VALUES if route == "exact values" else 0
    bound = end_span_bound(rac, start_end(T), seed=seed, exact_values=exact_values)
    assert ("exact rank of the End values" in bound.note) == (route == "exact values")
    rank, _ = end_span_reference(rac, T, k)
    assert bound.proven_tight
    assert bound.value == rank
    assert bound.monomials == symmetric_count(R, L, T, k)
    assert bound.value == bound.monomials - bound.relations


def symmetric_count(R: int, L: int, T: int, k: int) -> int:
    """``prod_l ((R, C(T-k-1+L-l, L-l)))`` written out (no library counting)."""
    out = 1
    for layer in range(1, L + 1):
        degree = math.comb(T - k - 1 + L - layer, L - layer)
        out *= math.comb(degree + R - 1, R - 1)
    return out


def test_the_study_gap_at_depth_three_is_four_relations():
    # M = R = 2, L = 3: the symmetric cut counts 56 (T = 6) and 110 (T = 8), the End span has 4
    # relations fewer (the expanded End polynomial's rank over Q says so independently)
    rac = _random_rac(2, 2, 3, 11)
    bound6 = end_span_bound(rac, start_end(6), seed=0)
    assert (bound6.monomials, bound6.relations, bound6.value) == (56, 4, 52)
    assert symmetric_bound(rac, start_end(6)).value == 56
    assert end_span_reference(rac, 6, 3) == (52, 56)
    bound8 = end_span_bound(rac, start_end(8), seed=0)
    assert (bound8.monomials, bound8.value) == (110, 106)


@pytest.mark.parametrize("start", [(1,), (1, 2), (1, 2, 3), (4,), (3, 4), (2, 3, 4)])
def test_any_prefix_cut_and_either_side(start):
    rac = _random_rac(2, 2, 3, 5)
    partition = Partition(4, start)
    k = prefix_cut(partition)
    bound = end_span_bound(rac, partition, seed=1)
    rank, _ = end_span_reference(rac, 4, k)
    assert bound.cut == k and bound.value == rank
    # and it bounds the separation rank (the exact reference over Q)
    assert bound.value >= reference_separation_rank(Expansion(rac, 4), partition.start)


@pytest.mark.parametrize("exact_values", [EXACT_VALUES, 0])
@pytest.mark.parametrize("seed", range(4))
def test_degenerate_weights_stay_upper_bounds(seed, exact_values):
    # tiny weights (zeros, repeated columns, singular W^H): the value is still proven and at
    # least the expanded End span's rank, which is at least the separation rank
    rac = _random_rac(2, 2, 3, 100 + seed, low=1)
    for T in (4, 6):
        bound = end_span_bound(rac, start_end(T), seed=seed, exact_values=exact_values)
        rank, _ = end_span_reference(rac, T, T // 2)
        assert bound.value >= rank >= bound.span_lower
        if bound.proven_tight:
            assert bound.value == rank
        if T == 4:
            assert rank >= reference_separation_rank(Expansion(rac, 4), (1, 2))


def test_singular_hidden_weights_restrict_the_boundary_to_their_range():
    rac = _random_rac(2, 2, 3, 7)
    hidden = [np.array([[1, 2], [2, 4]])] + list(rac.hidden_weights[1:])  # W^{H,1} singular
    rac = rac.replace(hidden_weights=hidden)
    for exact_values in (EXACT_VALUES, 0):
        bound = end_span_bound(rac, start_end(6), seed=0, exact_values=exact_values)
        rank, rows = end_span_reference(rac, 6, 3)
        assert bound.value == rank and bound.monomials == 1 * 4 * 2  # u^1 on a line
    # the unreduced span (u^1 free in the plane) is an upper bound too, and not smaller
    full, _ = end_coefficients(rac, 6, 3, reduce=False)
    assert rational_rank(full) >= rank


def test_a_family_is_bounded_through_its_exact_rac():
    model = CP2RNN.random(2, 2, rank=2, depth=3, seed=0, integer=True)
    bound = end_span_bound(model, start_end(6), seed=0)
    rac = model.to_rac()
    rank, _ = end_span_reference(rac, 6, 3)
    assert bound.value == rank


def test_float_weights_are_read_as_dyadic_rationals():
    rac = RAC.random(2, 2, depth=3, seed=3)  # float weights
    bound = end_span_bound(rac, start_end(6), seed=0)
    rank, _ = end_span_reference(rac, 6, 3)
    assert bound.value == rank


def test_two_classes():
    rac = RAC.random(2, 2, depth=3, num_classes=2, seed=4, integer=True)
    for c in (0, 1):
        bound = end_span_bound(rac, start_end(6), class_index=c, seed=0)
        assert bound.value == end_span_reference(rac, 6, 3, c)[0] and bound.class_index == c


def test_round_trip_and_errors():
    rac = _random_rac(2, 2, 3, 0)
    bound = end_span_bound(rac, start_end(6), seed=0)
    assert EndSpanBound.from_dict(bound.to_dict()) == bound
    with pytest.raises(ValueError, match="1..k"):
        end_span_bound(rac, Partition(6, (1, 3, 5)))
    with pytest.raises(TypeError, match="Partition"):
        end_span_bound(rac, "start-end")
    with pytest.raises(TypeError, match="RAC"):
        end_span_bound(object(), start_end(6))


# -- the pieces -------------------------------------------------------------------------------


def test_the_verifier_rejects_a_wrong_relation():
    rac = _random_rac(2, 2, 3, 0)
    bound = end_span_bound(rac, start_end(6), seed=0)
    assert bound.relations == 4
    weights = integer_weights(rac, 0)
    # rebuild the relations the bound verified: the left kernel of the reference matrix is
    # not needed; a random integer vector is (almost surely) not a relation
    rng = np.random.default_rng(0)
    fake = np.array([[int(v) for v in rng.integers(-5, 6, 56)]], dtype=object)
    assert not check_relations(weights, 6, 3, fake, (1 << 61) - 1)
    # a vector that is 0 is trivially a relation
    assert check_relations(weights, 6, 3, np.zeros((1, 56), dtype=object), (1 << 61) - 1)


def test_true_relations_pass_and_perturbed_ones_fail():
    # the relations, computed here as the left kernel over Q of the expanded coefficient
    # matrix, pass the verifier; changing one coefficient of one of them makes it fail
    rac = _random_rac(2, 2, 3, 0)  # W^H invertible: the library's variables are u itself
    matrix, monomials = end_coefficients(rac, 6, 3, reduce=False)
    scale = math.lcm(*(Fraction(v).denominator for row in matrix for v in row))
    E = flint.fmpz_mat([[int(Fraction(v) * scale) for v in row] for row in matrix])
    kernel, nullity = E.transpose().nullspace()
    assert nullity == 4
    space = BoundarySpace(2, (6, 3, 1))
    index = {space.monomial(i): i for i in range(space.size)}
    relations = np.zeros((nullity, space.size), dtype=object)
    for r, mono in enumerate(monomials):
        for j in range(nullity):
            relations[j, index[mono]] = int(kernel[r, j])
    weights = integer_weights(rac, 0)
    assert check_relations(weights, 6, 3, relations, (1 << 61) - 1)
    wrong = relations.copy()
    j = int(np.nonzero(wrong[0])[0][0])
    wrong[0, j] += 1
    assert not check_relations(weights, 6, 3, wrong, (1 << 61) - 1)


def test_exact_row_basis_adds_rows_a_prime_misses():
    rows = np.array([[1, 0], [1, 101]], dtype=object)  # equal modulo 101
    assert exact_row_basis(rows, 101) == [0, 1]
    rows = np.array([[2, 4, 6], [1, 2, 3], [0, 1, 1]], dtype=object)
    assert exact_row_basis(rows, 101) == [0, 2]


def test_rational_reconstruction_and_crt():
    p, q = 1_000_003, 998_244_353
    value = Fraction(-123_456, 789)
    residue = lambda m: value.numerator * pow(value.denominator, -1, m) % m  # noqa: E731
    acc = crt_combine(np.array([residue(p)], dtype=object), p, np.array([residue(q)]), q)
    assert rational_reconstruction(int(acc[0]), p * q) == value
    assert rational_reconstruction(residue(p), p) != value  # not enough modulus


def test_grid_point_form_is_the_coefficient_functional():
    space = BoundarySpace(3, (3, 2))
    rng = np.random.default_rng(0)
    c = np.array([[int(v) for v in rng.integers(-9, 10, space.size)]], dtype=object)
    a = space.point_form(c)[0]
    grid = space.grid_points()
    poly = np.array([int(v) for v in rng.integers(-9, 10, space.size)], dtype=object)
    values = space.values(grid) @ poly  # P at every grid point
    # sum_i a_i P(z_i) = D * sum_m c_m P_m for one positive integer D
    lhs, rhs = a @ values, c[0] @ poly
    scale = math.prod(d for _, d in space.grid_inverses)
    assert lhs == scale * rhs
    assert exponents(2, 3).tolist() == [[3, 0], [2, 1], [1, 2], [0, 3]]


def test_end_values_match_the_model_on_full_sequences():
    # u = W^H h^{k}(x_start): G(u, x_end) must be y(x_start, x_end)
    rac = _random_rac(2, 3, 3, 9)
    p = 1_000_003
    weights = rac.modular(p)
    rng = np.random.default_rng(0)
    T, k = 7, 3
    X = rng.integers(0, p, size=(5, T, 2), dtype=np.uint64)
    finals = modular.scan_mod(weights, X[:, :k])
    points = np.stack(
        [
            modular.matmul_mod(h, np.ascontiguousarray(w.T), p)
            for h, w in zip(finals, weights.hidden_weights, strict=True)
        ],
        axis=1,
    )
    got = end_values_mod(weights, points, X[:, k:], 0, integer_weights(rac, 0).lifts)
    want = rac.forward_mod(X, p)[:, 0]
    assert np.array_equal(np.diag(got), want)


# -- separation_rank uses it ------------------------------------------------------------------


@pytest.mark.parametrize(("M", "R", "T"), [(2, 2, 6), (2, 2, 8), (3, 2, 6)])
def test_depth_three_ranks_are_certified(M, R, T):
    rac = _random_rac(M, R, 3, 21)
    result = separation_rank(rac, start_end(T), seed=0)
    assert result.certified and result.exact and result.failure_probability == 0.0
    assert result.rank == result.end_span.value < result.upper_bound
    assert len(result.primes) == 1  # no second attempt
    assert "End-span" in result.status
    assert type(result).from_dict(result.to_dict()) == result


def test_end_span_can_be_switched_off():
    rac = _random_rac(2, 2, 3, 21)
    result = separation_rank(rac, start_end(6), seed=0, certificates=False)
    assert not result.certified and result.end_span is None and len(result.primes) > 1


def test_float_family_weights_get_more_primes_to_lift():
    # float 2RNN weights: the relations' rational coefficients are long (dyadic numerators), so
    # 48 primes do not lift them; when the End span modulo p meets the rank, more primes do
    model = random_model("2rnn", 2, 2, 3, seed=0, integer=False)
    result = separation_rank(model, start_end(6), seed=0)
    assert result.certified and result.end_span is not None
    assert result.rank == result.end_span.value < result.upper_bound
    # the same rank through the probabilistic route (no certificate; several primes)
    plain = separation_rank(model, start_end(6), seed=1, certificates=False)
    assert plain.exact and not plain.certified and plain.rank == result.rank


def test_the_end_span_keeps_to_its_time_budget(monkeypatch):
    # depth 4: the relations' coefficients grew for minutes without lifting (a default
    # separation_rank call at T = 6 ran over ten minutes)
    import rac_tn.exact.end_span as end_span_module

    deep = RAC.random(2, 2, depth=4, seed=0, integer=True)
    # the end inputs' 110 monomials (11 * 5 * 2) are fewer: their route keeps to the budget too
    bound = end_span_module.end_span_bound(
        deep, start_end(6), seed=0, target=106, max_seconds=0.01, exact_values=0
    )
    assert bound.value == 110 and "110 end monomials: " in bound.note
    assert "within the time budget" in bound.note
    # the boundary's relations (that route forced)
    monkeypatch.setattr(end_span_module, "MAX_END_MONOMIALS", 0)
    bound = end_span_module.end_span_bound(
        deep, start_end(6), seed=0, target=106, max_seconds=0.01, exact_values=0
    )
    degrees = (10, 6, 3, 1)  # C(T-k-1+L-l, L-l) at T = 6, k = 3, L = 4
    N = math.prod(math.comb(2 + d - 1, d) for d in degrees)  # ((R, d_l)) monomials, R = 2
    assert bound.monomials == N == 616
    assert bound.value == N and bound.relations == 0 and "0.01 s budget" in bound.note
    monkeypatch.undo()

    asked = []

    def spy(*args, **kwargs):
        asked.append(kwargs["max_seconds"])
        return None

    monkeypatch.setattr(end_span_module, "end_span_bound", spy)
    clock = end_span_module.time.perf_counter()
    refine = end_span_module.end_span_refiner(
        deep, start_end(6), 0, np.random.default_rng(0), clock - 100.0
    )
    refine(106)  # the rank took 100 s: three times that
    assert asked[-1] == pytest.approx(300.0, abs=1.0)
    refine = end_span_module.end_span_refiner(deep, start_end(6), 0, np.random.default_rng(0))
    refine(107)  # a fast rank: the minimum
    assert asked[-1] == pytest.approx(end_span_module.REFINE_MIN_SECONDS, abs=1.0)
    refine = end_span_module.end_span_refiner(
        deep, start_end(6), 0, np.random.default_rng(0), clock, deadline=clock + 5.0
    )
    refine(108)  # a caller's deadline caps it
    assert asked[-1] <= 5.0
    spent = end_span_module.end_span_refiner(
        deep, start_end(6), 0, np.random.default_rng(0), clock, deadline=clock - 1.0
    )
    calls = len(asked)
    assert spent(109) is None and len(asked) == calls  # no time left: not sought


@pytest.mark.slow
def test_depth_four_is_certified_by_the_exact_end_values():
    # M = R = 2, L = 4, T = 6: the symmetric cut says 110; the End polynomials (616 monomials)
    # have 510 relations, too long to lift, but their values on the grids are 616 x 110
    rac = RAC.random(2, 2, depth=4, seed=0, integer=True)
    rank, monomials = end_span_reference(rac, 6, 3)  # the expanded End polynomials (~75 s)
    bound = end_span_bound(rac, start_end(6), seed=0)
    assert (bound.value, bound.monomials) == (rank, monomials) == (106, 616)
    result = separation_rank(rac, start_end(6), seed=0)
    assert result.certified and result.rank == 106 and result.end_span.value == 106
    assert "exact rank of the End values" in result.status


def test_end_inputs_are_read_through_the_range_of_the_first_input_weights():
    # M = 3 > R = 2: layer 1 reads W^{I,1} x in R^2, so the end lattices have 2 coordinates
    # (616 x 110 values at L = 4, T = 6 instead of 616 x 2,970); a rank-1 W^{I,1} at M = R
    # reads one coordinate. Both End spans equal the expanded polynomial's.
    wide = _random_rac(3, 2, 3, 5)
    assert end_input_map(integer_weights(wide, 0)).shape == (2, 2)
    # T = 4, k = 2: boundary ((2,3))((2,2))((2,1)) = 24 monomials, ends ((2,3))((2,1)) = 8
    # (with the three input coordinates the ends would be ((3,3))((3,1)) = 30)
    assert end_value_count(integer_weights(wide, 0), 4, 2) == (4 * 3 * 2) * (4 * 2)
    rac = _random_rac(2, 2, 3, 6)
    inputs = [np.array([[1, 2], [2, 4]])] + list(rac.input_weights[1:])
    flat = rac.replace(input_weights=inputs)
    assert end_input_map(integer_weights(flat, 0)).shape == (2, 1)
    for model in (wide, flat):
        for T in (4, 6):
            bound = end_span_bound(model, start_end(T), seed=0)
            assert "exact rank of the End values" in bound.note
            assert bound.value == end_span_reference(model, T, T // 2)[0]


def test_a_boundary_space_above_the_kernel_limit_is_ranked_exactly_when_its_values_are_few(
    monkeypatch,
):
    # M = 3, R = 2, L = 6, T = 4: 7 * 6 * 5 * 4 * 3 * 2 = 5,040 boundary monomials (above the
    # 5,000 of the kernel route) but only 14 end points (inputs read in R^2): 70,560 values
    import rac_tn.exact.end_span as end_span_module

    rac = RAC.random(3, 2, depth=6, seed=0, integer=True)
    bound = end_span_bound(rac, start_end(4), seed=0)
    assert bound.monomials == 7 * 6 * 5 * 4 * 3 * 2 == 5040
    assert "exact rank of the End values" in bound.note
    # without the exact values, the end inputs' 14 monomials (2 * 7) give the same, layer by layer
    other = end_span_bound(rac, start_end(4), seed=0, exact_values=0)
    assert other.value == bound.value and "14 end monomials: " in other.note
    monkeypatch.setattr(end_span_module, "MAX_END_MONOMIALS", 0)
    with pytest.raises(ValueError, match="5,040 boundary monomials"):
        end_span_bound(rac, start_end(4), seed=0, exact_values=0)
    monkeypatch.undo()
    # the sampled rank (a proven lower bound) meets it: certified (the exact route itself is
    # checked against the expanded End polynomial above)
    result = separation_rank(rac, start_end(4), seed=0)
    assert result.certified and result.rank == bound.value == result.end_span.value
