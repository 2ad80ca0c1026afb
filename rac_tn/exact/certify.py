"""How sure an exact rank is: random primes, and bounds on every way a rank mod p can be wrong.

A rank modulo a prime p is always a lower bound on the rank over Q. It falls short only when
p divides every r x r minor (bounded through Hadamard's bound and the number of primes in the
range the prime is drawn from), or, for the sampled rank, when the random points are
degenerate (Schwartz-Zippel). A rank that meets a proven upper bound is *certified*, whatever
the prime. The arguments: [Theory: exact ranks][theory-exact-ranks].

Examples
--------
>>> rng = np.random.default_rng(0)
>>> p = random_prime(rng)
>>> PRIME_RANGE[0] < p < PRIME_RANGE[1]
True
>>> prime_divides_bound(1000.0) < 2e-3, prime_divides_bound(1e8, large=True) < 1e-10
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
from flint import fmpz

from rac_tn.counting import total_degree
from rac_tn.models.rac import RAC

#: The primes of a first attempt, (2**20, 2**21): the fastest kernels and float64 elimination;
#: more than 4.9e4 primes, enough to certify a rank that meets a proven bound.
PRIME_RANGE = (1 << 20, 1 << 21)
#: The primes of later attempts: all of (2**61, 2**62), more than 5e16 of them.
LARGE_PRIME_RANGE = (1 << 61, 1 << 62)
#: ``exact=True`` only when everything that can go wrong has at most this probability.
EXACT_THRESHOLD = 1e-9
_FIRST_K = 16  # the first sample count of the sampled rank's schedule


def primes_in_range_lower(lo: int, hi: int) -> int:
    """A proven lower bound on the count of primes in ``[lo, hi)``, ``17 <= lo < hi``.

    Examples
    --------
    >>> primes_in_range_lower(*PRIME_RANGE) > 4.9e4
    True
    """
    return math.floor(hi / math.log(hi) - 1.25506 * lo / math.log(lo))


_PRIME_COUNT = {
    PRIME_RANGE: primes_in_range_lower(*PRIME_RANGE),
    LARGE_PRIME_RANGE: primes_in_range_lower(*LARGE_PRIME_RANGE),
}


def random_prime(rng: np.random.Generator, large: bool = False, avoid: Collection[int] = ()) -> int:
    """A prime drawn uniformly from :data:`PRIME_RANGE` (or :data:`LARGE_PRIME_RANGE` if ``large``).

    Every draw is from ``rng`` (rejection sampling of odd numbers), so a seeded generator repeats
    the primes. Primes in ``avoid`` (those used already) are drawn again.

    Examples
    --------
    >>> p = random_prime(np.random.default_rng(0), large=True)
    >>> LARGE_PRIME_RANGE[0] < p < LARGE_PRIME_RANGE[1]
    True
    >>> p == random_prime(np.random.default_rng(0), large=True), int(fmpz(p).is_prime())
    (True, 1)
    """
    lo, hi = LARGE_PRIME_RANGE if large else PRIME_RANGE
    while True:
        candidate = int(rng.integers(lo, hi)) | 1
        if candidate < hi and candidate not in avoid and fmpz(candidate).is_prime():
            return candidate


def prime_divides_bound(log2_minor: float, large: bool = False) -> float:
    """Chance that a prime drawn from the range divides a nonzero integer below ``2**log2_minor``.

    Examples
    --------
    An integer below ``2**62`` has at most 3 prime factors above ``2**20``:

    >>> prime_divides_bound(62.0) * primes_in_range_lower(*PRIME_RANGE)
    3.0
    """
    span = LARGE_PRIME_RANGE if large else PRIME_RANGE
    divisors = math.floor(max(log2_minor, 0.0) / math.log2(span[0]))
    return min(1.0, divisors / _PRIME_COUNT[span])


def log2_hadamard(size: int, log2_entry: float) -> float:
    """``log2`` of Hadamard's bound ``(sqrt(size) * entry)^size`` on a minor, given ``log2 entry``.

    Examples
    --------
    >>> log2_hadamard(4, 3.0)    # (sqrt(4) * 8)^4 = 2^16
    16.0
    """
    if size <= 0:
        return 0.0
    return size * (max(log2_entry, 0.0) + 0.5 * math.log2(size))


def log2_coefficient_bound(rac: RAC, T: int, templates: np.ndarray | None = None) -> float:
    """``log2`` of a bound on every entry of the integer matrix whose rank is taken.

    The model is scaled to integers by powers of two (floats are dyadic rationals; no rank
    changes). Without templates the bound is y of the absolute model at all-ones inputs (the sum
    of the absolute coefficients); with templates, at the largest absolute template entries;
    plus one bit for rounding.

    Examples
    --------
    >>> rac = RAC([[[3]]], [[[2]]], [[1]])      # y = prod_t (2 * 3 x_t) = 6^T x_1...x_T
    >>> round(log2_coefficient_bound(rac, 2) - 1.0, 6) == round(math.log2(36), 6)
    True
    """
    exact = getattr(rac, "integral_abs_weights", None)  # weights float64 cannot hold
    if exact is not None:
        inputs, hiddens, (output,), initial = exact()
        scaled = RAC(inputs, hiddens, output, initial)
    else:
        scaled = RAC(
            [_integral_abs(w) for w in rac.input_weights],
            [_integral_abs(w) for w in rac.hidden_weights],
            _integral_abs(rac.output_weights),
            [_integral_abs(h) for h in rac.initial_states],
        )
    if templates is None:
        x = np.ones(rac.M)
    else:
        x = np.max(_integral_abs(np.asarray(templates, dtype=np.float64)), axis=0)
        if not np.any(x):
            return 0.0
    mantissa, exponent = scaled.forward_scaled(np.tile(x, (T, 1)))
    top = float(np.max(np.abs(mantissa)))
    if top == 0.0:
        return 0.0
    return float(exponent + math.log2(top) + 1.0)  # exponent: an int (one sequence)


def _integral_abs(values: np.ndarray) -> np.ndarray:
    """``|values| * 2**s`` for the least ``s >= 0`` making every entry an integer (as floats)."""
    arr = np.abs(np.asarray(values, dtype=np.float64))
    nonzero = arr[arr != 0]
    if nonzero.size == 0:
        return arr
    mantissa, exponent = np.frexp(nonzero)
    # each entry is m * 2**(e - 53) with an integer m < 2**53: trailing zeros lower the shift
    numer = np.ldexp(mantissa, 53).astype(np.int64)
    trailing = np.array([(int(n) & -int(n)).bit_length() - 1 for n in numer])
    shift = max(0, int(np.max(53 - exponent - trailing)))
    return np.ldexp(arr, shift)


def sample_schedule(cap: int) -> list[int]:
    """The sample counts S the sampled rank tries, in order, up to ``cap``.

    S starts at 16 and doubles, but goes straight to the cap when doubling would land within 3/4
    of it.

    Examples
    --------
    >>> sample_schedule(10)
    [10]
    >>> sample_schedule(1144)
    [16, 32, 64, 128, 256, 512, 1144]
    """
    sizes = [min(_FIRST_K, cap)]
    while sizes[-1] < cap:
        K = sizes[-1]
        sizes.append(2 * K if 4 * (2 * K) < 3 * cap else cap)
    return sizes


def schwartz_zippel_bound(cap: int, L: int, T: int, p: int, degree: int | None = None) -> float:
    """Chance that degenerate random points make the sampled rank fall short.

    ``(cap + sum of the sample counts S < cap tried) * D / p``, at most 1, with
    ``D = C(T+L-1, L)`` the total degree of one entry (or ``degree``, for a model whose degrees
    differ): [Theory: the sampled rank][theory-sampled-rank].

    Examples
    --------
    >>> schwartz_zippel_bound(16, 1, 4, 2**31 - 1) < 1e-7
    True
    """
    tried = sum(size for size in sample_schedule(cap) if size < cap)
    D = total_degree(L, T) if degree is None else degree
    return min(1.0, (cap + tried) * D / p)


def combined_failure(per_attempt: Sequence[float]) -> float:
    """Chance that every one of independent attempts fell short: the product of their bounds.

    Examples
    --------
    >>> combined_failure([1e-4, 1e-4, 0.5])
    5e-09
    """
    return float(math.prod(min(1.0, q) for q in per_attempt))
