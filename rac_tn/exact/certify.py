"""How sure an exact rank is: random primes, and bounds on every way a rank mod p can be wrong.

A rank computed modulo a prime p is a lower bound on the rank over Q, always (a nonzero minor
over F_p is the residue of a nonzero integer minor). It falls short in two ways only:

- *the prime divides the minor*: p divides every r x r minor of the integer matrix (the
  coefficient matrix of the integer-scaled model, or its grid matricization), r the true rank.
  Fix one such minor D. The prime is drawn uniformly from the primes of a range (never fixed in
  advance, so no weights can be chosen against it); at most ``log2|D| / log2(lo)`` of them
  divide D, so the chance is at most that count over a proven lower bound on how many primes
  the range holds (:func:`prime_divides_bound`). The first attempt uses a small prime of
  :data:`PRIME_RANGE` (the fastest kernels and ranks; enough whenever the rank is certified), later
  attempts a large one of :data:`LARGE_PRIME_RANGE`, where this chance is negligible. ``|D|`` is at
  most Hadamard's bound from the largest coefficient (:func:`log2_coefficient_bound`).
- *the random points are degenerate* (sampled rank only): Schwartz-Zippel,
  :func:`schwartz_zippel_bound`.

When the user fixes the prime, the first cannot be bounded: the rank is then exact only when it
meets a proven upper bound (*certified*, whatever the prime).

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
from collections.abc import Sequence

import numpy as np
from flint import fmpz

from rac_tn.counting import total_degree
from rac_tn.models.rac import RAC

#: The primes of a first attempt: all of (2**20, 2**21). Residues then fit the fastest pair
#: kernels, and the rank is taken by elimination on float64 BLAS (:mod:`rac_tn.arith.elimination`,
#: several times FLINT's speed: a product of two residues is below 2**42, so float64 sums of
#: 2**11 of them are exact). The range holds more than 4.9e4 primes (proven). Such a prime
#: certifies a rank that meets a proven bound like any other; its failure chances otherwise
#: are large, and the large primes of later attempts bring them below 1e-9.
PRIME_RANGE = (1 << 20, 1 << 21)
#: The primes of later attempts: all of (2**61, 2**62), more than 5e16 of them.
LARGE_PRIME_RANGE = (1 << 61, 1 << 62)
#: ``exact=True`` only when everything that can go wrong has at most this probability.
EXACT_THRESHOLD = 1e-9
_FIRST_K = 16  # the first K of the sampled rank's schedule


def primes_in_range_lower(lo: int, hi: int) -> int:
    """A proven lower bound on the number of primes in ``[lo, hi)`` (``lo >= 17``).

    Rosser and Schoenfeld (1962): ``x / ln x < pi(x) < 1.25506 x / ln x`` for ``x >= 17``.

    Parameters
    ----------
    lo, hi
        The range, ``17 <= lo < hi``.

    Returns
    -------
    int
        ``floor(hi / ln hi - 1.25506 lo / ln lo)``, at most ``pi(hi) - pi(lo)``.

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


def random_prime(rng: np.random.Generator, large: bool = False) -> int:
    """A prime drawn uniformly from the primes of :data:`PRIME_RANGE` (or the large range).

    Rejection sampling: a uniform odd number of the range, kept when prime.

    Parameters
    ----------
    rng
        The generator; every draw is from it, so a seeded generator repeats the primes.
    large
        Draw from :data:`LARGE_PRIME_RANGE` instead of :data:`PRIME_RANGE`.

    Returns
    -------
    int
        An odd prime in ``(2**20, 2**21)``, or in ``(2**61, 2**62)`` when ``large``.

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
        if candidate < hi and fmpz(candidate).is_prime():
            return candidate


def prime_divides_bound(log2_minor: float, large: bool = False) -> float:
    """Chance that a uniformly drawn prime of the range divides a nonzero integer of that size.

    Parameters
    ----------
    log2_minor
        ``log2`` of an upper bound on the integer's absolute value.
    large
        The prime was drawn from :data:`LARGE_PRIME_RANGE` (else :data:`PRIME_RANGE`).

    Returns
    -------
    float
        ``(number of the range's primes that can divide it) / (primes in the range)``, at
        most 1.

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
    """``log2`` of Hadamard's bound on a ``size x size`` minor with entries below ``2**log2_entry``.

    Parameters
    ----------
    size
        The order of the minor (0 or less: the bound is 1).
    log2_entry
        ``log2`` of a bound on the absolute value of every entry.

    Returns
    -------
    float
        ``size * (log2_entry + log2(size) / 2)``: ``|det| <= (sqrt(size) * entry)^size``.

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

    The model is made integral by scaling each weight array by the power of two that clears its
    denominators (floats are dyadic rationals; the rank does not change). Without templates the
    matrix is the coefficient matrix of y, whose entries are at most the sum of the absolute
    coefficients: y with every weight replaced by its absolute value, at all-ones inputs. With
    templates (scaled likewise) it is the matricized grid tensor, bounded by the same absolute
    model at the largest absolute template entries. Evaluated in the scaled float
    representation (no overflow), plus one bit for its rounding.

    Parameters
    ----------
    rac
        The model (integer or float weights).
    T
        The sequence length.
    templates
        The ``N x M`` templates of a grid rank, or None for the separation rank.

    Returns
    -------
    float
        The ``log2`` of the entry bound (0 when every entry is 0).

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
    return exponent + math.log2(top) + 1.0


def _integral_abs(values: np.ndarray) -> np.ndarray:
    """``|values| * 2**s`` for the least ``s >= 0`` that makes every entry an integer (as floats).

    >>> _integral_abs(np.array([0.75, -2.0])).tolist()
    [3.0, 8.0]
    """
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
    """The sizes K the sampled rank tries, in order, when capped at ``cap``.

    K starts at 16 and doubles, but goes straight to the cap when doubling would land within
    3/4 of it (a round just below the cap costs nearly as much as the cap itself).

    Parameters
    ----------
    cap
        The largest K (a positive integer).

    Returns
    -------
    list of int
        Increasing sizes, ending at ``cap``.

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

    ``(cap + sum of the sizes K < cap tried) * D / p`` with ``D = C(T+L-1, L)`` the total
    degree of one entry (or ``degree``, for a model whose degrees differ): see
    :func:`rac_tn.exact.rank.separation_rank`, Notes.

    Parameters
    ----------
    cap
        The largest K of the schedule (:func:`sample_schedule`).
    L, T
        Depth and sequence length: ``C(T+L-1, L)`` is the total degree of one entry.
    p
        The prime the points are drawn modulo.
    degree
        The total degree of one entry in the random coordinates, when not ``C(T+L-1, L)``.

    Returns
    -------
    float
        The bound, at most 1.

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

    Parameters
    ----------
    per_attempt
        The failure bound of each attempt (values above 1 count as 1).

    Returns
    -------
    float

    Examples
    --------
    >>> combined_failure([1e-4, 1e-4, 0.5])
    5e-09
    """
    return float(math.prod(min(1.0, q) for q in per_attempt))
