"""The rank modulo a small prime by elimination on float64 BLAS (rac_tn/arith/elimination.py),
against a Gaussian elimination written here in Python integers, FLINT, exact products in Python
integers, and the paper's closed form through separation_rank."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from rac_tn import RAC, separation_rank, start_end, symmetric_bound
from rac_tn.arith import elimination as elim
from rac_tn.arith import flint_matrices
from rac_tn.exact import attempts

SMALL_PRIMES = [3, 7, 65_537, 1_048_583, 2_097_143]  # the last two: PRIME_RANGE's ends


def python_rank(matrix, p):
    """Row echelon form over F_p in Python integers (the slow, obvious algorithm)."""
    rows = [[int(v) % p for v in row] for row in np.asarray(matrix).tolist()]
    rank, cols = 0, len(rows[0]) if rows else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][c]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inv = pow(rows[rank][c], -1, p)
        for i in range(rank + 1, len(rows)):
            f = rows[i][c] * inv % p
            if f:
                rows[i] = [(a - f * b) % p for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def planted(rng, rows, cols, rank, p, zero_cols=0, zero_rows=0):
    """A product of random (rows x rank) and (rank x cols) residue matrices, some lines zeroed."""
    left = rng.integers(0, p, size=(rows, rank)).astype(object)
    right = rng.integers(0, p, size=(rank, cols)).astype(object)
    A = ((left @ right) % p).astype(np.uint64) if rank else np.zeros((rows, cols), np.uint64)
    A[:, rng.choice(cols, size=zero_cols, replace=False)] = 0
    A[rng.choice(rows, size=zero_rows, replace=False)] = 0
    return A


@pytest.mark.parametrize("p", SMALL_PRIMES)
@pytest.mark.parametrize(
    ("rows", "cols", "rank", "zero_cols", "zero_rows"),
    [
        (1, 1, 1, 0, 0),
        (5, 9, 3, 0, 0),
        (40, 40, 40, 0, 0),
        (70, 33, 20, 5, 10),
        (33, 97, 33, 40, 0),
        (100, 100, 67, 0, 30),
        (129, 65, 0, 0, 0),
    ],  # fmt: skip
)
def test_rank_matches_python_elimination(p, rows, cols, rank, zero_cols, zero_rows):
    rng = np.random.default_rng(rows * cols + p)
    A = planted(rng, rows, cols, rank, p, zero_cols, zero_rows)
    assert elim.rank_mod_small_prime(A, p) == python_rank(A, p)


@pytest.mark.parametrize("p", [3, 1_048_583, 2_097_143])
@pytest.mark.parametrize(("rows", "cols", "rank"), [(300, 300, 300), (300, 300, 217),
                                                    (257, 520, 190), (520, 130, 129)])  # fmt: skip
def test_rank_matches_flint_at_recursion_sizes(p, rows, cols, rank):
    """Sizes that cross every split of the recursion (base 32 columns, triangular solve base
    64), with column blocks that lose pivots; duplicated columns make pivots skip."""
    rng = np.random.default_rng(rank)
    A = planted(rng, rows, cols, rank, p)
    A[:, 1::7] = A[:, 0:1]  # copies of column 0
    assert elim.rank_mod_small_prime(A, p) == flint_matrices.rank_mod_p(A, p)


def test_products_are_exact_past_the_chunk_size():
    """The largest residues, an inner dimension past the exact float64 chunk (2048 at 2^21)."""
    p = 2_097_143
    inner = 2 * elim.exact_chunk(p) + 5
    a = np.full((3, inner), p - 1, dtype=np.float64)
    b = np.full((inner, 4), p - 1, dtype=np.float64)
    b[::3] = 1.0
    out = np.full((3, 4), 5.0)
    elim._sub_product(out, a, b, p)
    exact = (5 - np.full((3, inner), p - 1, dtype=object) @ b.astype(np.int64).astype(object)) % p
    assert out.astype(np.int64).tolist() == exact.tolist()
    assert elim.exact_chunk(p) * (p - 1) ** 2 + p <= 2**53


def test_dispatch_small_primes_here_and_large_ones_to_flint():
    rng = np.random.default_rng(3)
    A = planted(rng, 80, 80, 50, 2_097_143)
    assert elim.rank_mod_p(A, 2_097_143) == 50 == python_rank(A, 2_097_143)
    big = (1 << 61) - 1
    B = planted(rng, 80, 80, 61, big)
    assert elim.rank_mod_p(B, big) == 61 == python_rank(B, big)
    with pytest.raises(ValueError, match="below"):
        elim.rank_mod_small_prime(A, (1 << 31) - 1)
    # entries at or above p are reduced first (as FLINT's path does), exactly
    shifted = A + np.uint64(2_097_143) * rng.integers(0, 2**40, size=A.shape, dtype=np.uint64)
    assert elim.rank_mod_small_prime(shifted, 2_097_143) == 50


def test_sampled_rank_through_the_blas_path_meets_the_closed_form():
    """M = R = 3, L = 2, T = 12: the sampled matrices reach K = 84 (> the 32 where BLAS starts);
    the rank is R ((R, T/2)) = 3 * 28 (the paper's value), certified with a 21-bit prime."""
    rac = RAC.random(3, 3, depth=2, seed=4, integer=True)
    result = separation_rank(rac, start_end(12), seed=0)
    assert result.rank == 3 * comb(3 + 6 - 1, 6) == symmetric_bound(rac, start_end(12)).value
    assert result.certified and result.prime < 1 << 21 and result.samples == 84


def test_a_sample_cap_that_does_not_fit_in_memory_is_refused_up_front(monkeypatch):
    rac = RAC.random(4, 4, depth=2, seed=0, integer=True)
    part = start_end(38)  # symmetric bound 6160
    # 6160^2 entries at 25 bytes = 0.88 GiB: refused with 512 MiB available, before any work
    monkeypatch.setattr(attempts, "available_memory", lambda: 512 * 2**20)
    with pytest.raises(ValueError, match=r"6,160 x 6,160 matrix.*max_samples="):
        separation_rank(rac, part, seed=0)
    # a smaller cap fits and gives a certified lower bound (the rank reaches the cap)
    capped = separation_rank(rac, part, seed=0, max_samples=100)
    assert capped.rank == capped.samples == 100 and not capped.exact
    per_entry = attempts.SAMPLE_BYTES_PER_ENTRY
    attempts.check_sample_memory(4000, available=per_entry * 4000**2)  # exactly fits
    with pytest.raises(ValueError, match="4,001 x 4,001"):
        attempts.check_sample_memory(4001, available=per_entry * 4000**2)


@pytest.mark.parametrize("p", [3, 7, 1_048_583, 2_097_143, (1 << 61) - 1])
def test_a_growing_matrix_has_the_rank_of_each_of_its_leading_blocks(p):
    """GrowingRank (block LU: the kept factorisation and each round's Schur complement)
    against FLINT's rank of the whole leading block, round by round: full-rank matrices, and
    planted ranks that a round's complement loses part of (small primes: many zero pivots)."""
    rng = np.random.default_rng(p % 1000)
    for trial in range(12):
        sizes = [int(n) for n in rng.integers(1, 150, size=4)]
        total = sum(sizes)
        rank = total if trial % 2 else int(rng.integers(1, total))
        A = planted(rng, total, total, rank, p)
        growing, K = elim.GrowingRank(p), 0
        for n in sizes:
            got = growing.grow(A[:K, K : K + n], A[K : K + n, : K + n])
            K += n
            assert got == flint_matrices.rank_mod_p(A[:K, :K], p)
            if got < K:
                break


def test_a_growing_matrix_checks_its_blocks_and_stops_growing_once_singular():
    p = 2_097_143
    growing = elim.GrowingRank(p)
    with pytest.raises(ValueError, match=r"right must be \(0, 2\) and below \(2, 2\)"):
        growing.grow(np.zeros((0, 2), np.uint64), np.zeros((2, 3), np.uint64))
    assert growing.grow(np.zeros((0, 2), np.uint64), np.array([[1, 2], [2, 4]], np.uint64)) == 1
    with pytest.raises(ValueError, match="no longer of full rank"):
        growing.grow(np.zeros((2, 1), np.uint64), np.ones((1, 3), np.uint64))
