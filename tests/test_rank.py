"""Exact ranks modulo p, each against an independent computation: sympy's rational rank, the
exact reference of tests/_reference.py (y expanded as a polynomial, ranks over Q), the paper's
closed forms, explicit float SVDs, and models of known rank."""

from __future__ import annotations

import math
from math import comb

import numpy as np
import pytest
import sympy
from _reference import Expansion
from _reference import grid_rank as reference_grid_rank
from _reference import separation_rank as reference_separation_rank
from hypothesis import given, settings
from hypothesis import strategies as st

from rac_tn import (
    RAC,
    Partition,
    compile_rac,
    interleaved,
    network_cut_bound,
    separation_rank,
    spectrum,
    start_end,
    symmetric_bound,
    theorem_bounds,
)
from rac_tn.counting import total_degree
from rac_tn.exact.rank import rank_mod_p

# -- the modular rank itself --------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_modular_rank_agrees_with_sympy(seed):
    rng = np.random.default_rng(seed)
    rows, cols, inner = rng.integers(1, 9, size=3)
    A = rng.integers(-9, 10, size=(rows, inner)) @ rng.integers(-9, 10, size=(inner, cols))
    expected = sympy.Matrix(A.tolist()).rank()
    assert rank_mod_p(A) == expected
    assert rank_mod_p(A, 1_000_003) == expected


def test_modular_rank_of_special_matrices():
    assert rank_mod_p(np.zeros((3, 4), dtype=int)) == 0
    hilbert_like = [[math.factorial(i + j) for j in range(5)] for i in range(5)]
    assert rank_mod_p(hilbert_like) == sympy.Matrix(hilbert_like).rank()
    # rank over F_p can drop below the rational rank only when p divides the minors
    assert rank_mod_p([[1, 0], [0, 7]], 7) == 1 and sympy.Matrix([[1, 0], [0, 7]]).rank() == 2


# -- shallow and depth 2: the paper's values ------------------------------------------------------


@pytest.mark.parametrize(("M", "R", "T"), [(2, 3, 4), (3, 2, 6), (2, 5, 4), (4, 3, 2)])
def test_shallow_start_end_rank_is_min_R_M_half(M, R, T):
    rac = RAC.random(M, R, seed=1, integer=True)
    part = start_end(T)
    expected = min(R, M ** (T // 2))
    sampled = separation_rank(rac, part, seed=0)
    grid = separation_rank(rac, part, method="grid")
    assert sampled.rank == grid.rank == expected
    assert sampled.exact and grid.exact


@pytest.mark.parametrize(("M", "R", "T"), [(2, 2, 8), (3, 3, 8), (4, 3, 6)])
def test_depth2_start_end_rank_is_R_times_multiset(M, R, T):
    """M >= R: sep = symmetric bound = R ((R, T/2)), and >= ((min(M, R), T/2)) (Theorem 1.2)."""
    rac = RAC.random(M, R, depth=2, seed=2, integer=True)
    part = start_end(T)
    result = separation_rank(rac, part, seed=0)
    expected = R * comb(R + T // 2 - 1, T // 2)  # 10, 45, 30
    assert result.rank == symmetric_bound(rac, part).value == expected
    assert result.certified and result.failure_probability == 0.0
    assert result.rank >= theorem_bounds(M, R, 2, T)["depth2_lower"].value
    assert separation_rank(rac, part, method="grid").rank == expected


def test_depth2_lower_bound_with_M_below_R():
    """M < R: the rank is the reference's exact rank, and Theorem 1.2's ((min(M, R), T/2)) is
    still a lower bound on it."""
    rac = RAC.random(2, 3, depth=2, seed=3, integer=True)
    part = start_end(6)
    result = separation_rank(rac, part, seed=1)
    exact = reference_separation_rank(Expansion(rac, 6), part.start)
    assert result.exact and result.rank == exact
    assert theorem_bounds(2, 3, 2, 6)["depth2_lower"].value == comb(2 + 3 - 1, 3) <= exact


# -- property test against the exact reference --------------------------------------------------


def monomial_count(M, L, T):
    """Terms of y: prod_t ((M, n_t)), n_t = C(T-t+L-1, L-1) (what the reference must expand)."""
    return math.prod(
        comb(M + n - 1, n) for n in (comb(T - t + L - 1, L - 1) for t in range(1, T + 1))
    )


@st.composite
def cases(draw):
    M, R, L, T = draw(
        st.tuples(
            st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(2, 6)
        ).filter(lambda s: monomial_count(s[0], s[2], s[3]) <= 1000)
    )
    mask = draw(st.lists(st.booleans(), min_size=T, max_size=T).filter(lambda m: 0 < sum(m) < T))
    seed = draw(st.integers(0, 2**16))
    return M, R, L, Partition.from_mask(mask), seed


@settings(max_examples=20, deadline=None)
@given(cases())
def test_ranks_are_the_exact_ranks_and_the_bounds_hold(case):
    """Both exact ranks equal the reference's (y expanded as an exact polynomial, ranks over Q);
    the symmetric and network cuts are at least those exact ranks. (The sampled rank is capped
    at the symmetric bound, so only a comparison with an independent rank can catch it short.)"""
    M, R, L, part, seed = case
    rac = RAC.random(M, R, depth=L, seed=seed, integer=True)
    expansion = Expansion(rac, part.T)
    exact_sep = reference_separation_rank(expansion, part.start)
    exact_grid = reference_grid_rank(expansion, part.start)
    sep = separation_rank(rac, part, seed=seed)
    grid = separation_rank(rac, part, method="grid")
    assert sep.exact and sep.rank == exact_sep
    assert grid.rank == exact_grid
    assert symmetric_bound(rac, part).value >= exact_sep
    assert symmetric_bound(rac, part, templates=M).value >= exact_grid
    assert network_cut_bound(compile_rac(rac, part.T), part).value >= exact_grid


# -- the sampled rank's bookkeeping ---------------------------------------------------------------


def rank_one_rac(M, R, L, seed):
    """Every weight matrix of rank one: y is a product of scalars per step, so sep = 1."""
    rng = np.random.default_rng(seed)

    def outer(rows, cols):
        return np.outer(rng.integers(1, 9, rows), rng.integers(1, 9, cols))

    return RAC(
        [outer(R, M)] + [outer(R, R) for _ in range(L - 1)],
        [outer(R, R) for _ in range(L)],
        rng.integers(1, 9, (1, R)),
    )


def test_rank_below_the_bound_carries_the_schwartz_zippel_probability():
    rac = rank_one_rac(3, 3, 2, seed=0)
    part = start_end(6)
    result = separation_rank(rac, part, seed=0, certificates=False)  # the End span certifies 1
    assert result.rank == 1 and result.exact and not result.certified
    # cap = symmetric bound R ((R, T/2)) = 3 * 10 = 30; sizes tried 16 then 30 (32 would pass
    # 3/4 of the cap); D = sum_t n_t = 6 + 5 + ... + 1 = 21
    assert result.upper_bound == 30 and result.samples == 16
    D = sum(comb(6 - t + 1, 1) for t in range(1, 7))
    assert D == total_degree(2, 6) == 21
    # the first attempt draws a prime from (2^20, 2^21), later ones from (2^61, 2^62); the
    # Schwartz-Zippel share of an attempt is (cap + sizes below the cap) D / p, and all
    # attempts must fall short together
    first, *later = result.primes
    assert 2**20 < first < 2**21 and all(2**61 < p < 2**62 for p in later)
    assert all(sympy.isprime(p) for p in result.primes)
    assert len(set(result.primes)) == len(result.primes) and result.prime in result.primes
    shares = [(30 + 16) * D / p for p in result.primes]
    assert math.prod(shares) <= result.failure_probability <= 1e-9


def test_sample_cap_gives_a_certified_lower_bound():
    rac = RAC.random(3, 3, depth=2, seed=0, integer=True)
    result = separation_rank(rac, start_end(8), seed=0, max_samples=20)
    assert result.rank == 20 and result.samples == 20
    assert not result.exact and result.claim == "certified lower bound"
    assert "lower bound" in repr(result)


def test_float_weights_are_read_exactly():
    """Scaling every weight by 2^k multiplies y by a constant: the exact rank of a float model
    equals that of its integer rescaling, for generic and for degenerate weights."""
    rng = np.random.default_rng(5)
    M, R, L, T = 3, 2, 2, 6

    def layers():
        ws = [rng.integers(-64, 64, size=(R, M)), rng.integers(-64, 64, size=(R, R))]
        hs = [rng.integers(-64, 64, size=(R, R)) for _ in range(L)]
        return ws, hs

    wi, wh = layers()
    wo = rng.integers(-64, 64, size=(1, R))
    exact = RAC(wi, wh, wo)
    floats = RAC([w / 64 for w in wi], [w / 128 for w in wh], wo / 32)  # dyadic, not integers
    assert not floats.is_integer
    for part in (start_end(T), interleaved(T)):
        assert (
            separation_rank(floats, part, seed=1).rank == separation_rank(exact, part, seed=2).rank
        )
        assert (
            separation_rank(floats, part, method="grid").rank
            == separation_rank(exact, part, method="grid").rank
        )
    degenerate = rank_one_rac(3, 2, 2, seed=1)
    halved = RAC(
        [w / 2 for w in degenerate.input_weights],
        [w / 4 for w in degenerate.hidden_weights],
        degenerate.output_weights / 8,
    )
    assert separation_rank(halved, start_end(6), seed=0).rank == 1


def test_class_index_selects_one_output():
    rac = RAC.random(2, 3, depth=2, num_classes=2, seed=4, integer=True)
    single = RAC(rac.input_weights, rac.hidden_weights, rac.output_weights[1:2])
    part = Partition(6, [1, 2, 5])
    assert (
        separation_rank(rac, part, seed=0, class_index=1).rank
        == separation_rank(single, part, seed=0).rank
    )
    assert (
        separation_rank(rac, part, method="grid", class_index=1).rank
        == separation_rank(single, part, method="grid").rank
    )


@pytest.mark.parametrize("prime", [1_000_003, (1 << 62) - 57])
def test_other_primes_agree(prime):
    """A 20-bit prime (compiled kernel) and a 62-bit non-Mersenne prime (Python integers)."""
    rac = RAC.random(2, 2, depth=2, seed=6, integer=True)
    part = Partition(6, [1, 2, 4])
    default = separation_rank(rac, part, seed=0).rank
    assert separation_rank(rac, part, seed=1, prime=prime).rank == default
    grid = separation_rank(rac, part, method="grid", prime=prime)
    assert grid.rank == separation_rank(rac, part, method="grid").rank
    assert grid.prime == prime


# -- spectrum ------------------------------------------------------------------------------------


def test_spectrum_matches_an_explicit_svd():
    rac = RAC.random(2, 3, depth=2, seed=0)
    part = Partition(5, [2, 4])
    s = spectrum(rac, part)
    # build the matricization from rac.forward on every one-hot sequence
    eye = np.eye(2)
    rows = []
    for p_idx in np.ndindex(2, 2):
        row = []
        for q_idx in np.ndindex(2, 2, 2):
            seq = [None] * 5
            for t, i in zip(part.start, p_idx):
                seq[t - 1] = eye[i]
            for t, i in zip(part.end, q_idx):
                seq[t - 1] = eye[i]
            row.append(rac.forward(np.array(seq))[0])
        rows.append(row)
    expected = np.linalg.svd(np.array(rows), compute_uv=False)
    assert s.claim == "numerical" and s.shape == (4, 8)
    np.testing.assert_allclose(s.values, expected, rtol=1e-9, atol=1e-12 * expected[0])
    assert "numerical" in repr(s)
    assert s.numerical_rank() <= 4


# -- errors ---------------------------------------------------------------------------------------


def test_bad_arguments():
    rac = RAC.random(2, 2, seed=0, integer=True)
    part = start_end(4)
    with pytest.raises(ValueError, match="method must be one of"):
        separation_rank(rac, part, method="svd")
    with pytest.raises(ValueError, match="templates= applies to method='grid'"):
        separation_rank(rac, part, templates=np.eye(2))
    with pytest.raises(ValueError, match="class_index must be in 0..0"):
        separation_rank(rac, part, class_index=1)
    with pytest.raises(ValueError, match="composite"):
        separation_rank(rac, part, prime=15)
    with pytest.raises(ValueError, match="max_samples must be a positive integer"):
        separation_rank(rac, part, max_samples=0)
    with pytest.raises(ValueError, match="use method='sampled'"):
        separation_rank(RAC.random(4, 2, seed=0), start_end(12), method="grid", max_entries=1000)
    with pytest.raises(TypeError, match="partition must be a Partition"):
        separation_rank(rac, (1, 2))
    with pytest.raises(TypeError, match="rac must be a model"):
        separation_rank("rac", part)


# -- primes: never fixed in advance, never trusted blindly ----------------------------------------


def test_weights_chosen_against_a_fixed_prime_do_not_fool_the_default():
    # y = w * prod_t x_t-ish with the weight w = 2^61 - 1: zero modulo the old default prime
    M61 = (1 << 61) - 1
    rac = RAC([[[1, 0], [0, 1]]], [[[1, 0], [0, 1]]], [[M61, M61]])
    part = start_end(4)
    # the coefficient matrix is computed independently: y = M61 * (x_1 . x_2 . ... products)
    # with W^H = W^I = I, h^{1,t} = x_1 * ... * x_t elementwise, y = M61 * sum_b prod_t x_t[b]:
    # rank 2 across any cut (two separable terms, one per channel b)
    result = separation_rank(rac, part, seed=0)
    assert result.rank == 2 and result.exact
    grid = separation_rank(rac, part, method="grid", seed=0)
    assert grid.rank == 2 and grid.exact
    fooled = separation_rank(rac, part, seed=0, prime=M61, certificates=False)
    assert fooled.rank == 0 and not fooled.exact and fooled.claim == "certified lower bound"
    # with the certificates on, the small exact grids (no prime) give the rank itself
    rescued = separation_rank(rac, part, seed=0, prime=M61)
    assert rescued.rank == 2 and rescued.certified and rescued.certificate == "exact grids"


def test_a_prime_fixed_by_the_user_is_exact_only_when_certified():
    rac = RAC.random(2, 2, depth=2, seed=1, integer=True)
    for p in (3, 5, 7, 11):
        result = separation_rank(rac, start_end(6), seed=0, prime=p)
        assert result.primes == (p,)
        assert result.exact == result.certified
        if not result.certified:
            assert result.failure_probability == 1.0 and "lower bound" in result.status
    certified = separation_rank(rac, start_end(6), seed=0, prime=(1 << 61) - 1)
    assert certified.certified and certified.exact and certified.rank == 2 * 4


def test_uncertified_exact_ranks_carry_a_failure_bound_below_1e_9():
    # depth 3: the symmetric bound is not tight (56 against 52 at T = 6, M = R = 2); without
    # the End-span certificate (tests/test_end_span.py) the rank is exact with a probability
    rac = RAC.random(2, 2, depth=3, seed=0, integer=True)
    result = separation_rank(rac, start_end(6), seed=0, certificates=False)
    assert not result.certified and result.exact
    assert 0 < result.failure_probability <= 1e-9
    assert len(result.primes) >= 2  # one 21-bit prime alone cannot reach 1e-9 here


def test_a_later_attempt_starts_where_the_first_stopped(monkeypatch):
    """Not certified (304 < 308, End span off), so a large prime follows the small one; it starts
    at the K the first attempt stopped at instead of redoing the doubling rounds, and finds the
    same rank."""
    from rac_tn.exact import attempts

    starts, ends = [], []
    inner = attempts._sampled_rank

    def spy(*args):
        starts.append(args[-1])
        rank, K = inner(*args)
        ends.append(K)
        return rank, K

    monkeypatch.setattr(attempts, "_sampled_rank", spy)
    rac = RAC.random(2, 2, depth=3, seed=0, integer=True)
    result = separation_rank(rac, start_end(12), seed=0, certificates=False)
    assert result.rank == 304 and result.exact and not result.certified
    assert len(starts) == len(result.primes) >= 2
    assert starts[0] == 0 and starts[1:] == ends[:-1] and ends[0] > 304
