"""What a sampled exact rank will cost, said before it runs: samples, peak memory and time.

The sampled rank grows a square matrix of S x S outputs ``y`` modulo a prime, S doubling
(:func:`rac_tn.exact.certify.sample_schedule`) until the rank falls below S or S reaches its
cap ``min(symmetric bound, max_samples)``. The most it can cost is every round up to the cap:

- memory: :data:`~rac_tn.exact.attempts.SAMPLE_BYTES_PER_ENTRY` bytes per entry of the cap's
  S x S matrix (the kept factorisation, the new blocks and their working copies);
- time: each round evaluates the new pairs (``S_i^2 - S_{i-1}^2`` outputs) and eliminates what they
  add (:class:`~rac_tn.arith.elimination.GrowingRank` keeps the earlier rounds' factorisation, so
  the rounds' eliminations add up to one of the cap's matrix), at rates measured on this machine
  with the model's own kernels on small cases (:func:`~rac_tn.exact.attempts.measure_rates`). At the
  sizes met in practice the elimination's time grows more like S^2 than its S^3 / 3 multiply-adds
  (BLAS runs faster on larger blocks), so its growth is measured between two sizes, not assumed.

A rank that stops below the cap costs less. A second prime, the End-span certificate and the
exact grids can add to the time; the estimate covers the first prime's rounds.

Examples
--------
>>> cost = rank_cost_from_rates((16, 32, 64), pair_rate=1e6, elimination=(64, 0.5))
>>> cost.pairs, cost.elimination_multiply_adds, round(cost.seconds, 6)
(4096, 87382, 0.504096)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from rac_tn._format import human_bytes
from rac_tn.exact import certify
from rac_tn.exact.attempts import SAMPLE_BYTES_PER_ENTRY, measure_rates
from rac_tn.exact.layered import RankTarget
from rac_tn.models.base import BilinearModel
from rac_tn.models.rac import RAC
from rac_tn.partition import Partition
from rac_tn.results import Serialisable

__all__ = ["RankCost", "cost_at_cap", "rank_cost_from_rates"]


@dataclasses.dataclass(frozen=True)
class RankCost(Serialisable):
    """The most a sampled exact rank can cost: every round up to its sample cap.

    Attributes
    ----------
    schedule
        The sample counts S of the rounds, in order; the last is the cap.
    peak_bytes
        Peak memory of the last round (bytes).
    pairs
        Outputs ``y`` evaluated over every round (the last round's S^2).
    elimination_multiply_adds
        Multiply-adds of the eliminations, ``S^3 / 3`` of the cap (rounded up; the rounds
        grow one block factorisation): the operation count the time is not proportional to
        at these sizes (see ``elimination_exponent``).
    seconds
        The estimated time: ``pairs / pair_rate`` plus the elimination of the cap's matrix,
        ``elimination_seconds * (cap / elimination_size) ** elimination_exponent``.
    pair_rate
        Outputs per second, as measured.
    elimination_size, elimination_seconds, elimination_exponent
        One measured elimination (its size and seconds) and how its time grew with the size
        between two measurements (clamped to [2, 3]: entries at least, the cube at most).
    """

    schedule: tuple[int, ...]
    peak_bytes: int
    pairs: int
    elimination_multiply_adds: int
    seconds: float
    pair_rate: float
    elimination_size: int
    elimination_seconds: float
    elimination_exponent: float

    @property
    def samples(self) -> int:
        """The sample cap S (parts per side)."""
        return self.schedule[-1]

    def describe(self) -> str:
        """One line: ``up to S = 3,000 samples per side (9 rounds): at most about 309 MiB ...``."""
        rounds = len(self.schedule)
        return (
            f"up to S = {self.samples:,} samples per side ({rounds} round"
            f"{'s' if rounds != 1 else ''}): at most about {human_bytes(self.peak_bytes)} and "
            f"{_seconds(self.seconds)} at the first prime (estimated from a short measurement; "
            "less if the rank stops below the cap)"
        )


def rank_cost_from_rates(
    schedule: tuple[int, ...] | list[int],
    pair_rate: float,
    elimination: tuple[int, float],
    elimination_exponent: float = 3.0,
) -> RankCost:
    """The cost of every round of ``schedule`` from measured rates (see the module).

    Parameters
    ----------
    schedule
        Increasing sample counts S (each round evaluates its new pairs and eliminates).
    pair_rate
        Outputs ``y`` per second.
    elimination
        ``(size, seconds)`` of one measured elimination.
    elimination_exponent
        How the elimination's time grows with the size (from 2 to 3).
    """
    sizes = tuple(int(s) for s in schedule)
    pairs_in_order = zip(sizes, sizes[1:], strict=False)
    if not sizes or sizes[0] <= 0 or any(a >= b for a, b in pairs_in_order):
        raise ValueError(f"schedule must be increasing positive sample counts, got {schedule!r}")
    size, seconds = elimination
    for name, value in (("pair_rate", pair_rate), ("elimination seconds", seconds)):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not 2 <= elimination_exponent <= 3:
        raise ValueError(f"elimination_exponent must be in [2, 3], got {elimination_exponent}")
    cap = sizes[-1]
    pairs = cap * cap  # each round adds S_i^2 - S_{i-1}^2: the sum telescopes
    eliminations = seconds * (cap / size) ** elimination_exponent  # the rounds telescope
    return RankCost(
        schedule=sizes,
        peak_bytes=SAMPLE_BYTES_PER_ENTRY * cap * cap,
        pairs=pairs,
        elimination_multiply_adds=-(-(cap**3) // 3),
        seconds=pairs / pair_rate + eliminations,
        pair_rate=float(pair_rate),
        elimination_size=int(size),
        elimination_seconds=float(seconds),
        elimination_exponent=float(elimination_exponent),
    )


def cost_at_cap(
    model: RAC | RankTarget,
    partition: Partition,
    cap: int,
    *,
    class_index: int = 0,
    seed: int | None = 0,
    native: BilinearModel | None = None,
) -> RankCost:
    """The most the sampled rank of a RAC or rank target can cost at sample cap ``cap``.

    See :func:`rac_tn.exact.rank.rank_cost` (any model, the cap from ``max_samples``).

    Parameters
    ----------
    model
        A RAC, or the rank target :func:`~rac_tn.exact.rank_inputs.family_as_rac` makes of a
        family.
    partition
        The partition.
    cap
        The sample cap, ``min(symmetric bound, max_samples)``.
    class_index, seed
        The output measured, and the seed of the measurement's random points.
    native
        The family whose own layers evaluate the pairs (``model`` its RAC equivalent), if any.
    """
    schedule = certify.sample_schedule(cap)
    pair_rate, small, large = measure_rates(model, partition, class_index, cap, seed, native)
    exponent = 3.0
    if large[0] > small[0]:
        exponent = np.log(large[1] / small[1]) / np.log(large[0] / small[0])
        exponent = float(min(max(exponent, 2.0), 3.0))
    return rank_cost_from_rates(schedule, pair_rate, large, exponent)


def _seconds(seconds: float) -> str:
    """``0.4 s``, ``21 s``, ``3.5 min``, ``2.1 h``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 600:
        return f"{seconds:.0f} s"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
