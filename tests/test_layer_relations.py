"""The End span from the end inputs' side (relations proven layer by layer), each number
against an independent computation: the symbolic expansion of the End polynomial in
``tests/_end_reference.py`` (no library code), the exact End values on the boundary grid (the
other route), and relations taken from the exact null space of those values."""

from __future__ import annotations

import flint
import numpy as np
import pytest
from _end_reference import end_span_reference

from rac_tn import RAC, SecondOrderRNN, separation_rank, start_end
from rac_tn.counting import paths
from rac_tn.exact.boundary_space import exponents, lattice_sequences, rational_rank
from rac_tn.exact.end_span import end_span_bound, integer_weights
from rac_tn.exact.layer_relations import (
    MAX_END_MONOMIALS,
    check_layer_relations,
    end_values,
    layer_relation_bound,
)
from rac_tn.exact.relation_check import end_input_map, end_monomial_count, end_value_matrix


def _rac(M: int, R: int, L: int, seed: int = 0) -> RAC:
    return RAC.random(M, R, depth=L, seed=seed, integer=True)


def _singular(M: int, R: int, L: int, seed: int = 0) -> RAC:
    """Rank-1 ``W^{I,1}`` and ``W^{H,2}``: the routes read narrower coordinates there."""
    rng = np.random.default_rng(seed)
    inputs = [rng.integers(-9, 10, (R, M if i == 0 else R)) for i in range(L)]
    hiddens = [rng.integers(-9, 10, (R, R)) for _ in range(L)]
    inputs[0] = np.outer(rng.integers(1, 9, R), rng.integers(1, 9, M))
    hiddens[1] = np.outer(rng.integers(1, 9, R), rng.integers(1, 9, R))
    return RAC(inputs, hiddens, rng.integers(-9, 10, (1, R)))


def _ends(weights, T: int, k: int) -> np.ndarray:
    width = end_input_map(weights).shape[1]
    lattices = [
        exponents(width, paths(weights.L, T, 1, t)).astype(object) for t in range(k + 1, T + 1)
    ]
    return lattice_sequences(lattices, width)


@pytest.mark.parametrize(
    "make,M,R,L,T",
    [
        (_rac, 2, 2, 3, 4),
        (_rac, 2, 2, 3, 6),
        (_rac, 3, 2, 3, 4),
        (_rac, 2, 3, 3, 4),
        (_rac, 2, 2, 4, 4),
        (_singular, 2, 2, 3, 4),
        (_singular, 3, 2, 3, 6),
    ],
)
def test_the_layer_route_gives_the_expanded_end_span(make, M, R, L, T):
    """Proven, and equal to the rank of the symbolically expanded End polynomial."""
    rac = make(M, R, L)
    k = T // 2
    found = layer_relation_bound(integer_weights(rac, 0), T, k, np.random.default_rng(1))
    rank, _ = end_span_reference(rac, T, k)
    assert found.value == rank == found.span_lower
    assert found.relations == found.end_monomials - rank


@pytest.mark.parametrize("M,R,L,T", [(2, 2, 4, 6), (3, 2, 4, 6), (2, 2, 5, 4), (3, 3, 3, 4)])
def test_the_layer_route_meets_the_boundary_routes_exact_rank(M, R, L, T):
    """Where both sides are affordable: the rank over Q of the End values on the boundary grid."""
    weights = integer_weights(_rac(M, R, L), 0)
    k = T // 2
    found = layer_relation_bound(weights, T, k, np.random.default_rng(2))
    assert found.value == rational_rank(end_value_matrix(weights, T, k))


def test_an_affine_family_through_its_rac_equivalent():
    rac = SecondOrderRNN.random(2, 2, depth=3, bias=True, seed=0, integer=True).to_rac()
    weights = integer_weights(rac, 0)
    found = layer_relation_bound(weights, 4, 2, np.random.default_rng(3))
    assert found.value == rational_rank(end_value_matrix(weights, 4, 2))


def test_relations_from_the_exact_null_space_pass_and_perturbed_ones_fail():
    """The check itself, on relations the library did not find: the null space over Q of the
    exact values at every boundary grid point (unisolvent, so exactly the End relations)."""
    weights = integer_weights(_rac(2, 2, 3), 0)
    values = end_value_matrix(weights, 6, 3)  # (boundary grid, end lattice), same end order
    null, nullity = flint.fmpz_mat(values.tolist()).nullspace()
    assert nullity == 4
    relations = np.array(
        [[int(null[i, j]) for i in range(null.nrows())] for j in range(nullity)], dtype=object
    )
    ends = _ends(weights, 6, 3)
    assert check_layer_relations(weights, 6, 3, ends, relations, 1000003)
    for j in range(nullity):  # each alone holds too
        assert check_layer_relations(weights, 6, 3, ends, relations[j : j + 1], 1000003)
    broken = relations.copy()
    broken[2, np.nonzero(broken[2])[0][0]] += 1
    assert not check_layer_relations(weights, 6, 3, ends, broken, 1000003)
    noise = np.random.default_rng(0).integers(-5, 6, (1, relations.shape[1])).astype(object)
    assert not check_layer_relations(weights, 6, 3, ends, noise, 1000003)


def test_end_values_follow_the_recurrence():
    """``G_k(u, xi)`` against the recurrence written here, from states ``h^{l,k}`` drawn at
    random (``u^l = W^{H,l} h^{l,k}``; ``W^{I,1}`` has full rank, so the inputs are read as is)."""
    weights = integer_weights(_rac(2, 2, 3), 0)
    rng = np.random.default_rng(4)
    h = [rng.integers(-9, 10, 2).astype(object) for _ in range(3)]
    xs = rng.integers(-3, 4, (3, 2)).astype(object)
    boundary = np.array([[weights.hidden_weights[i] @ h[i] for i in range(3)]], dtype=object)
    got = end_values(weights, boundary, xs[None])[0, 0]
    for x in xs:
        below = x
        for i in range(3):
            below = (weights.hidden_weights[i] @ h[i]) * (weights.input_weights[i] @ below)
            h[i] = below
    assert got == weights.readout @ h[2]


def test_deep_short_ranks_are_certified_layer_by_layer():
    """M = 3 > R = 2, L = 5, T = 6: 9,856 boundary monomials (degrees 15, 10, 6, 3, 1 in two
    coordinates each), 192 end monomials (16 * 6 * 2). Certified at 188, the sampled rank."""
    rac = _rac(3, 2, 5)
    result = separation_rank(rac, start_end(6), seed=0)
    assert result.certified and result.rank == 188
    assert "layer by layer" in result.end_span.note
    bound = end_span_bound(rac, start_end(6), seed=1)
    assert bound.value == 188 and bound.proven_tight and bound.monomials == 16 * 11 * 7 * 4 * 2


def test_the_route_refuses_many_end_monomials():
    weights = integer_weights(_rac(2, 2, 5), 0)
    assert end_monomial_count(weights, 8, 4) > MAX_END_MONOMIALS
    with pytest.raises(ValueError, match="end inputs have 6,912 monomials"):
        layer_relation_bound(weights, 8, 4, np.random.default_rng(0))


def test_a_target_the_first_prime_misses_proves_nothing():
    weights = integer_weights(_rac(2, 2, 3), 0)
    found = layer_relation_bound(weights, 6, 3, np.random.default_rng(0), target=51)
    assert found.relations == 0 and found.value == found.end_monomials == 56


def test_too_few_random_states_prove_nothing(monkeypatch):
    """36 random states for a rank-52 End span: the kernel has 20 vectors, 16 of them not
    relations; whether they lift or not, none is counted."""
    import rac_tn.exact.layer_relations as layer_relations

    monkeypatch.setattr(layer_relations, "_EXTRA", -20)
    weights = integer_weights(_rac(2, 2, 3), 0)
    found = layer_relation_bound(weights, 6, 3, np.random.default_rng(0))
    assert found.span_lower == 36 and found.relations == 0 and found.value == 56
    refusals = ("the lifted vectors are not all relations", "relations not lifted within 48 primes")
    assert found.note in refusals


def test_a_relation_lift_is_returned_only_once_two_primes_agree():
    """RelationLift (shared by both End-span routes): rows (3, -7, 2) / 2 modulo three primes;
    the CRT lift is the integer row only after it repeats, never after one combination."""
    from rac_tn.exact.end_relations import RelationLift

    primes = [(1 << 61) - 1, (1 << 31) - 1, 1_000_000_007]

    def rows(p):
        half = pow(2, -1, p)
        return np.array([[3 * half % p, -7 * half % p, 1]], dtype=object)

    lift = RelationLift(rows(primes[0]), primes[0])
    assert lift.add(rows(primes[1]), primes[1]) is None  # first lift: nothing to compare with
    assert lift.add(rows(primes[2]), primes[2]).tolist() == [[3, -7, 2]]
