"""Exact ranks from unisolvent grids, against the exact reference of tests/_reference.py (y
expanded as a polynomial, coefficient matrix ranked over Q) and the End-span reference."""

from __future__ import annotations

import numpy as np
import pytest
from _end_reference import end_coefficients
from _reference import Expansion, rational_rank
from _reference import separation_rank as reference_separation_rank

from rac_tn import CP2RNN, RAC, Partition, interleaved, separation_rank, start_end
from rac_tn.exact.exact_grids import (
    exact_prefix_rank,
    exact_separation_rank,
    pairs_needed,
    small_exact_rank,
)


def _rac(M: int, R: int, L: int, seed: int, low: int | None = None) -> RAC:
    if low is None:
        return RAC.random(M, R, depth=L, seed=seed, integer=True)
    rng = np.random.default_rng(seed)
    return RAC(
        [rng.integers(-low, low + 1, (R, M if i == 0 else R)) for i in range(L)],
        [rng.integers(-low, low + 1, (R, R)) for _ in range(L)],
        rng.integers(-low, low + 1, (1, R)),
        [rng.integers(-low, low + 1, R) for _ in range(L)],
    )


PARTITIONS = [start_end(4), interleaved(4), Partition(4, (1, 4)), Partition(4, (2,))]


@pytest.mark.parametrize("low", [None, 1, 2])
@pytest.mark.parametrize("partition", PARTITIONS, ids=str)
def test_grid_rank_is_the_separation_rank(partition, low):
    rac = _rac(2, 2, 3, 3, low)
    want = reference_separation_rank(Expansion(rac, 4), partition.start)
    assert exact_separation_rank(rac, partition) == want


@pytest.mark.parametrize("low", [None, 1])
@pytest.mark.parametrize("start", [(1,), (1, 2), (1, 2, 3), (3, 4)])
def test_through_the_boundary(start, low):
    rac = _rac(2, 2, 3, 8, low)
    partition = Partition(4, start)
    sep, span = exact_prefix_rank(rac, partition)
    assert sep == reference_separation_rank(Expansion(rac, 4), start)
    k = len(start) if start[0] == 1 else 4 - len(start)
    # the End span with u free (the reference with reduce=False)
    matrix, _ = end_coefficients(rac, 4, k, reduce=False)
    assert span == (rational_rank(matrix) if matrix else 0) >= sep


def test_a_family_uses_its_exact_composites():
    model = CP2RNN.random(2, 2, rank=2, depth=3, seed=0, integer=True)
    rac = model.to_rac()
    want = reference_separation_rank(Expansion(rac, 4), (1, 2))
    assert (
        exact_separation_rank(rac, start_end(4)) == want == exact_prefix_rank(rac, start_end(4))[0]
    )


def test_sizes_and_limits():
    assert pairs_needed(2, 3, start_end(4)) == 11 * 7 * 4 * 2
    with pytest.raises(ValueError, match="max_pairs"):
        exact_separation_rank(_rac(2, 2, 3, 0), start_end(6), max_pairs=1000)
    assert small_exact_rank(_rac(2, 2, 3, 0), interleaved(12)) is None


def test_separation_rank_certifies_small_cases_the_cuts_do_not():
    # interleaved at depth 3: the symmetric cut is not met; the exact grids certify the rank
    rac = _rac(2, 2, 3, 5)
    result = separation_rank(rac, interleaved(4), seed=0)
    assert result.certified and result.exact and result.failure_probability == 0.0
    assert result.rank == reference_separation_rank(Expansion(rac, 4), (1, 3))
    # degenerate weights: the End span is above the rank; the exact route certifies it
    rac = _rac(2, 2, 3, 101, low=1)
    result = separation_rank(rac, start_end(4), seed=0)
    assert result.certified
    assert result.rank == reference_separation_rank(Expansion(rac, 4), (1, 2))
