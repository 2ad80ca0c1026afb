"""How sure an exact rank is: prime counts, Hadamard's bound, coefficient bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from _reference import Expansion

from rac_tn import RAC
from rac_tn.exact.certify import (
    PRIME_RANGE,
    combined_failure,
    log2_coefficient_bound,
    log2_hadamard,
    prime_divides_bound,
    primes_in_range_lower,
    random_prime,
    sample_schedule,
    schwartz_zippel_bound,
)


@pytest.mark.parametrize(("lo", "hi"), [(17, 1000), (1000, 5000), (10**5, 2 * 10**5)])
def test_prime_count_lower_bound_holds(lo, hi):
    actual = sympy.primepi(hi - 1) - sympy.primepi(lo - 1)
    assert primes_in_range_lower(lo, hi) <= actual


def test_random_primes_are_primes_of_the_range_and_vary():
    rng = np.random.default_rng(0)
    primes = [random_prime(rng) for _ in range(50)]
    assert all(PRIME_RANGE[0] < p < PRIME_RANGE[1] and sympy.isprime(p) for p in primes)
    assert len(set(primes)) == 50


def test_prime_divides_bound_counts_the_possible_divisors():
    # D = product of the 3 smallest primes of the range has exactly 3 divisors there
    lo = PRIME_RANGE[0]
    primes = [sympy.nextprime(lo)]
    for _ in range(2):
        primes.append(sympy.nextprime(primes[-1]))
    D = math.prod(primes)
    bound = prime_divides_bound(math.log2(D))
    assert bound * primes_in_range_lower(*PRIME_RANGE) >= 3
    assert prime_divides_bound(0.0) == 0.0 and prime_divides_bound(1e300) == 1.0


def test_hadamard_bound_holds_for_integer_matrices():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 9):
        A = rng.integers(-50, 50, (n, n))
        det = abs(int(sympy.Matrix(A.tolist()).det()))
        bound = log2_hadamard(n, math.log2(50))
        assert det == 0 or math.log2(det) <= bound + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_coefficient_bound_holds_against_the_expanded_polynomial(seed):
    rng = np.random.default_rng(seed)
    L, T, M, R = 2, 3, 2, 2
    integer = seed % 2 == 0
    if integer:
        rac = RAC.random(M, R, depth=L, seed=seed, integer=True)
    else:  # float weights: the bound is on the integer-scaled model's coefficients
        rac = RAC(
            [rng.standard_normal((R, M)), rng.standard_normal((R, R))],
            [rng.standard_normal((R, R)) for _ in range(L)],
            rng.standard_normal((1, R)),
        )
    expansion = Expansion(rac, T)
    coefficients = list(expansion.outputs[0].values())
    # scale the float model's coefficients to integers the same way: clear all denominators
    denominators = [getattr(c, "denominator", 1) for c in coefficients]
    scale = math.lcm(*denominators)
    biggest = max(int(abs(c * scale)) for c in coefficients)
    assert math.log2(biggest) <= log2_coefficient_bound(rac, T) + 1e-9


def test_sample_schedule_and_schwartz_zippel():
    assert sample_schedule(16) == [16]
    assert sample_schedule(40) == [16, 40]  # 32 would pass 3/4 of 40
    assert sample_schedule(100) == [16, 32, 64, 100]
    # (cap + sizes below it) * C(T+L-1, L) / p, written out
    assert schwartz_zippel_bound(100, 2, 6, 2**31 - 1) == pytest.approx(
        (100 + 16 + 32 + 64) * math.comb(7, 2) / (2**31 - 1)
    )
    assert combined_failure([0.5, 0.5, 0.5]) == 0.125
