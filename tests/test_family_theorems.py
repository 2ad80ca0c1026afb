"""The families' closed forms (rac_tn.bounds.theorems.family_theorem_bounds) against independent
counts and against certified exact ranks of random integer models (Start-End)."""

from __future__ import annotations

from itertools import combinations_with_replacement
from math import prod

import pytest

from rac_tn import separation_rank, start_end
from rac_tn.analysis import analyze
from rac_tn.bounds.theorems import family_theorem_bounds
from rac_tn.models import random_model


def monomials(variables: int, degree: int) -> int:
    """The number of monomials of exactly this degree, by listing them."""
    return sum(1 for _ in combinations_with_replacement(range(variables), degree))


def degrees(L: int, T: int) -> list[int]:
    """n_t: the number of monotone paths from (layer 1, t) to (L, T), by dynamic programming."""
    paths = {(L, T): 1}
    for layer in range(L, 0, -1):
        for t in range(T, 0, -1):
            if (layer, t) != (L, T):
                paths[layer, t] = paths.get((layer, t + 1), 0) + paths.get((layer + 1, t), 0)
    return [paths[1, t] for t in range(1, T + 1)]


@pytest.mark.parametrize(
    "family,M,n,L,T,K,bias",
    [
        ("2rnn", 3, 3, 1, 6, None, False),
        ("2rnn", 2, 3, 2, 6, None, True),
        ("cp2rnn", 2, 3, 2, 8, 2, False),
        ("cp2rnn", 3, 2, 3, 4, 4, True),
        ("mirnn", 2, 2, 2, 6, None, False),
    ],
)
def test_formulas_against_independent_counts(family, M, n, L, T, K, bias):
    bounds = family_theorem_bounds(family, M, n, L, T, rank=K, bias=bias)
    m = min(n, K) if K else n
    w = n + 1 if bias else m
    half, deg = T // 2, degrees(L, T)
    # the start reaches the end through one width-w vector per layer at T/2: y's degree in
    # h^{l,T/2} is the number of paths from (l, T/2 + 1) to (L, T), listed here one by one
    boundary = [sum(1 for _ in _paths(layer, half + 1, L, T)) for layer in range(1, L + 1)]
    assert bounds["multi_homogeneous"].value == prod(monomials(w, d) for d in boundary)
    if L == 1:
        assert bounds["shallow_upper"].value == w
    if L == 2:
        assert bounds["depth2_lower"].value == monomials(min(M, m), half)
    var = M + 1 if bias else M  # degree <= n_t in M variables = degree n_t in M + 1
    sides = (deg[:half], deg[half:])
    assert bounds["trivial_function"].value == min(
        prod(monomials(var, d) for d in s) for s in sides
    )
    assert bounds["trivial_grid"].value == M**half
    for entry in bounds.values():
        assert not entry.origin.startswith("paper")  # derived or trivial, never cited
    for name in ("shallow_upper", "depth2_lower"):
        if name in bounds:
            assert "Levine et al. Theorem 1." in bounds[name].origin


def _paths(layer: int, t: int, L: int, T: int):
    """Every monotone path (t + 1 or layer + 1 moves) from (layer, t) to (L, T)."""
    if (layer, t) == (L, T):
        yield ()
        return
    if t < T:
        for rest in _paths(layer, t + 1, L, T):
            yield ("t", *rest)
    if layer < L:
        for rest in _paths(layer + 1, t, L, T):
            yield ("l", *rest)


CASES = [  # family, M, n, L, T, K, bias
    ("2rnn", 3, 3, 1, 6, None, False),
    ("2rnn", 3, 3, 1, 6, None, True),
    ("2rnn", 2, 2, 2, 6, None, False),
    ("2rnn", 2, 2, 2, 4, None, True),
    ("cp2rnn", 3, 3, 1, 6, 2, False),
    ("cp2rnn", 2, 2, 2, 6, 3, False),
    ("cp2rnn", 2, 3, 2, 6, 2, False),
    ("cp2rnn", 2, 3, 2, 4, 2, True),
    ("cp2rnn", 2, 2, 3, 4, 2, False),
    ("mirnn", 2, 2, 2, 6, None, False),
    ("mirnn", 2, 2, 1, 6, None, True),
    ("linear", 2, 2, 1, 6, None, True),
    ("linear", 2, 3, 3, 6, None, False),
]


@pytest.mark.parametrize("family,M,n,L,T,K,bias", CASES)
def test_each_value_brackets_the_certified_rank(family, M, n, L, T, K, bias):
    """Upper bounds hold for these weights; lower bounds for generic weights (random integers
    avoid the null set with high probability)."""
    model = random_model(family, M, n, L, rank=K, bias=bias, seed=11, integer=True)
    part = start_end(T)
    rank = separation_rank(model, part, seed=0)
    assert rank.exact
    grid = separation_rank(model, part, method="grid")
    bounds = family_theorem_bounds(family, M, n, L, T, rank=K, bias=bias)
    for entry in bounds.values():
        value = grid.rank if entry.quantity == "grid-tensor rank" else rank.rank
        if entry.claim == "upper bound":
            assert value <= entry.value, entry
        else:
            assert value >= entry.value, entry


@pytest.mark.parametrize(
    "family,M,n,L,T,K,bias,name",
    [
        ("2rnn", 3, 3, 1, 6, None, False, "shallow_upper"),  # exact rank 3
        ("2rnn", 3, 3, 1, 6, None, True, "shallow_upper"),  # affine: 4
        ("cp2rnn", 3, 3, 1, 6, 2, False, "shallow_upper"),  # min(n, K) = 2
        ("cp2rnn", 3, 2, 2, 6, 3, False, "multi_homogeneous"),  # m ((m, T/2)) = 8
        ("cp2rnn", 3, 3, 2, 6, 2, False, "multi_homogeneous"),
        ("linear", 2, 2, 2, 6, None, True, "degree_one"),
    ],
)
def test_values_met_by_the_known_ranks(family, M, n, L, T, K, bias, name):
    """Where the exact rank is known, the derived upper bound meets it."""
    model = random_model(family, M, n, L, rank=K, bias=bias, seed=1, integer=True)
    report = analyze(model, start_end(T))
    assert report.theorems[name].value == report.rank.rank
    rows = [r for r in report.rows if r.method == "closed form"]
    assert [r.value for r in rows] == [e.value for e in report.theorems.values()]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="family must be one of"):
        family_theorem_bounds("rac", 2, 2, 1, 4)
    with pytest.raises(ValueError, match="rank is the CP rank K"):
        family_theorem_bounds("2rnn", 2, 2, 1, 4, rank=2)
    with pytest.raises(ValueError, match="rank is the CP rank K"):
        family_theorem_bounds("cp2rnn", 2, 2, 1, 4)
    with pytest.raises(ValueError, match="T must be even"):
        family_theorem_bounds("mirnn", 2, 2, 1, 5)
