"""The dead-boundary-point bound: relations that hold for every weight, checked independently.

The End polynomial ``G(u, x)`` is expanded over Q by the reference of ``tests/_end_reference.py``
(u free: ``reduce=False``); the dead points are built here from the weights with Fractions.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from _end_reference import end_coefficients
from _reference import exact_matrix, rational_rank

from rac_tn import RAC
from rac_tn.bounds.dead_points import dead_point_bound, dead_point_relations


def _rac(M: int, R: int, L: int, seed: int, low: int | None) -> RAC:
    if low is None:
        return RAC.random(M, R, depth=L, seed=seed, integer=True)
    rng = np.random.default_rng(seed)
    return RAC(
        [rng.integers(-low, low + 1, (R, M if i == 0 else R)) for i in range(L)],
        [rng.integers(-low, low + 1, (R, R)) for _ in range(L)],
        rng.integers(-low, low + 1, (1, R)),
    )


@pytest.mark.parametrize(("seed", "low"), [(0, None), (1, 1), (2, 2), (3, 1)])
def test_the_end_function_vanishes_at_the_dead_points(seed, low):
    # M = R = 2, L = 3, T = 6, cut after 3: u^1 = e_r, u^3 = e_s, u^2 = v with
    # sum_j W3[s, j] v_j W2[j, r] = 0; then G(e_r, v, e_s; x) = 0 for every x
    rac = _rac(2, 2, 3, seed, low)
    matrix, monomials = end_coefficients(rac, 6, 3, reduce=False)
    if not matrix:  # G = 0 for these tiny weights: nothing to vanish
        return
    W2, W3 = (exact_matrix(w) for w in rac.input_weights[1:])
    for r in range(2):
        for s in range(2):
            a = [W3[s][j] * W2[j][r] for j in range(2)]
            v = [Fraction(a[1]), Fraction(-a[0])] if any(a) else [Fraction(1), Fraction(0)]
            point = ([int(i == r) for i in range(2)], v, [int(i == s) for i in range(2)])
            values = [
                math.prod(x**e for layer, exps in zip(point, mono, strict=True)
                          for x, e in zip(layer, exps, strict=True))
                for mono in monomials
            ]  # fmt: skip
            for j in range(len(matrix[0])):
                assert sum(c * row[j] for c, row in zip(values, matrix, strict=True)) == 0


@pytest.mark.parametrize(
    ("M", "seed", "low"), [(2, 0, None), (1, 1, None), (3, 2, None), (2, 3, 1), (2, 4, 2)]
)
def test_the_bound_holds_for_every_weight_and_is_met_generically(M, seed, low):
    rac = _rac(M, 2, 3, seed, low)
    for T in (4, 6):
        k = T // 2
        matrix, monomials = end_coefficients(rac, T, k, reduce=False)
        rank = rational_rank(matrix) if matrix else 0
        assert rank <= dead_point_bound(2, 3, T, k)
        if low is None and T == 6 and M >= 2:
            assert rank == dead_point_bound(2, 3, T, k) == 52


def test_the_counts_in_closed_form():
    # L = 3: R^2 ((R-1, d_2)) with d_2 = T - k; L = 4, R = 2: 4 ((d_2 + 1)(d_3 + 1) - d_2 d_3)
    for T, k in [(6, 3), (8, 4), (12, 6), (9, 4)]:
        assert dead_point_relations(2, 3, T, k) == 4
        assert dead_point_relations(3, 3, T, k) == 9 * math.comb(T - k + 1, 1)
        d2, d3 = math.comb(T - k - 1 + 2, 2), T - k
        assert dead_point_relations(2, 4, T, k) == 4 * ((d2 + 1) * (d3 + 1) - d2 * d3)
    assert dead_point_relations(2, 2, 8, 4) == 0 and dead_point_relations(3, 1, 8, 4) == 0
    d = [math.comb(6 - 3 - 1 + 3 - layer, 3 - layer) for layer in range(1, 4)]
    N = math.prod(math.comb(x + 1, 1) for x in d)
    assert dead_point_bound(2, 3, 6, 3) == N - 4 == 52
