"""One rank computation per prime, and the loop over random primes (for ``separation_rank``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rac_tn._checks import available_memory, check_templates
from rac_tn._format import human_bytes
from rac_tn.arith import elimination, modular
from rac_tn.exact import certify
from rac_tn.exact.end_span import EndSpanBound
from rac_tn.exact.family_ops import FamilyOps
from rac_tn.exact.layered import RankTarget
from rac_tn.models.base import BilinearModel
from rac_tn.models.rac import RAC
from rac_tn.network.grid_tensor import grid_tensor_mod
from rac_tn.partition import Partition

#: Independent random primes tried at most, until the failure bound is below 1e-9.
MAX_PRIMES = 8

#: Peak bytes an entry of the sampled square matrix costs, measured as the rise of the peak
#: resident set (VmHWM) over a sampled rank that reaches its cap: at a small prime
#: (:class:`~rac_tn.arith.elimination.GrowingRank`: the kept factorisation, the new blocks and
#: their working copies) 22.9-27.1 at S = 2048 on 2 threads (it varies from run to run),
#: 18.1-20.3 at S = 3264-6160 on 1; at a 62-bit prime 22.6 for a second attempt (one round),
#: 24.2-26.3 at S = 3000-6000 when every round runs there.
SAMPLE_BYTES_PER_ENTRY = 25

#: ``attempt(p, report) -> (rank, sample count, shape, Schwartz-Zippel failure bound)``.
Attempt = Callable[..., tuple[int, int, tuple[int, int], float]]


@dataclass(frozen=True)
class Outcome:
    """What the attempts found: the best rank and how sure it is (see ``RankResult``)."""

    rank: int
    samples: int
    shape: tuple[int, int]
    prime: int
    primes: tuple[int, ...]
    exact: bool
    certified: bool
    failure_probability: float
    end_span: EndSpanBound | None = None


#: ``refine(rank) -> EndSpanBound | None``: a second proven bound, asked for when the rank found
#: is below the first (``value`` proven for these weights; certifies a rank that meets it).
Refine = Callable[[int], "EndSpanBound | None"]


def run_attempts(
    attempt: Callable[[int], tuple[int, int, tuple[int, int], float]],
    rng: np.random.Generator,
    fixed_prime: int | None,
    bound: int,
    size: int,
    rac: RAC | RankTarget,
    partition: Partition,
    templates: object,
    refine: Refine | None = None,
) -> Outcome:
    """Attempts with fresh random primes until the rank is certified or wrong with chance < 1e-9.

    ``refine``, when given, is asked for a second proven bound (the End span) when an
    attempt's rank is below ``bound`` and not capped: once after the first attempt, and once
    more at the end if the rank found by then is the End span's rank modulo p but that bound
    was not lifted. A rank that meets its ``value`` is certified (no further attempt needed).
    """
    primes: list[int] = []
    failures: list[float] = []
    best = None
    log2_minor = None
    second: EndSpanBound | None = None
    asked: set[int] = set()

    def meets(rank: int) -> bool:
        nonlocal second
        lifted_later = second is not None and second.value != second.span_lower
        if refine is not None and rank not in asked:
            if second is None or (lifted_later and rank == second.span_lower):
                asked.add(rank)
                second = refine(rank) or second
        return second is not None and rank == second.value

    while True:
        large = bool(primes)  # a small prime first: certified results need nothing more
        p = fixed_prime if fixed_prime is not None else certify.random_prime(rng, large)
        rank, K, shape, sz_bound = attempt(p)
        primes.append(p)
        if best is None or rank > best[0]:
            best = (rank, K, shape, p)
        capped = rank == K and K < bound  # the sample cap stopped it: a lower bound only
        certified = best[0] == bound or (not capped and meets(best[0]))
        if certified or capped:
            break
        if fixed_prime is not None:
            failures.append(1.0)  # nothing bounds a prime chosen in advance
            break
        if log2_minor is None:
            F = None if templates is None else check_templates(templates, rac.M, allow_int=True)
            if isinstance(rac, RankTarget):
                entry = rac.log2_coefficient_bound(partition.T, F)
            else:
                entry = certify.log2_coefficient_bound(rac, partition.T, F)
            log2_minor = certify.log2_hadamard(size, entry)
        divides = certify.prime_divides_bound(log2_minor, large)
        failures.append(min(1.0, divides + sz_bound))
        if certify.combined_failure(failures) <= certify.EXACT_THRESHOLD:
            break
        if len(primes) >= MAX_PRIMES:
            break
    rank, K, shape, p = best
    certified = rank == bound or (not capped and meets(rank))
    failure = 0.0 if certified else certify.combined_failure(failures) if failures else 1.0
    exact = certified or (not capped and failure <= certify.EXACT_THRESHOLD)
    return Outcome(rank, K, shape, p, tuple(primes), exact, certified, failure, second)


def check_sample_memory(cap: int, available: int | None = None) -> None:
    """Refuse, naming ``max_samples``, a sample cap whose S x S matrix would not fit in memory."""
    available = available_memory() if available is None else available
    need = SAMPLE_BYTES_PER_ENTRY * cap * cap
    if available is not None and need > available:
        raise ValueError(
            f"the sampled rank may reach a {cap:,} x {cap:,} matrix (the cap min(symmetric "
            f"bound, max_samples)), which needs {human_bytes(need)} with its elimination, more "
            f"than the {human_bytes(available)} of memory available; pass a smaller "
            "max_samples= (the result is then a certified lower bound when the rank reaches it)"
        )


def grid_attempt(
    rac: RAC | RankTarget,
    partition: Partition,
    class_index: int,
    templates: object,
    N: int,
    max_entries: int,
) -> Attempt:
    """The grid rank with N templates (checked to fit ``max_entries``) as an attempt per prime."""
    T = partition.T
    shape = (N ** len(partition.start), N ** len(partition.end))
    axes = [t - 1 for t in partition.start] + [t - 1 for t in partition.end]

    def attempt(
        p: int, report: Callable[[int, int], None]
    ) -> tuple[int, int, tuple[int, int], float]:
        if isinstance(rac, RankTarget):
            A = rac.grid_mod(T, p, np.asarray(templates)).reshape((N,) * T + (rac.C,))
        else:
            A = grid_tensor_mod(rac, T, p, templates, max_entries=max_entries * rac.C)
        if rac.C > 1 or isinstance(rac, RankTarget):
            A = A[..., class_index]
        matrix = np.ascontiguousarray(A.transpose(axes)).reshape(shape)
        rank = elimination.rank_mod_p(matrix, p)
        report(1, 1)
        return rank, shape[0], shape, 0.0  # nothing random but the prime

    return attempt


def sampled_attempt(
    rac: RAC | RankTarget,
    partition: Partition,
    class_index: int,
    cap: int,
    rng: np.random.Generator,
    deadline: float | None,
    native: BilinearModel | None = None,
) -> Callable[..., tuple[int, int, tuple[int, int], float]]:
    """The sampled separation rank as an attempt per prime (see :func:`separation_rank`).

    ``native``: the family ``rac`` is the RAC equivalent of, when its pairs run on its own
    layers (:class:`~rac_tn.exact.family_ops.FamilyOps`: the same polynomial, so the same
    matrix and bounds).
    """
    T = partition.T
    shared, from_cols = _shared_prefix(partition)

    # a later attempt (a fresh prime) starts at the sample count where the previous one stopped:
    # the rounds below it would only be full rank again (at a 61-bit prime a third of the
    # pairs and a seventh of the rank of the doubling schedule)
    reached = [0]

    def attempt(
        p: int, report: Callable[[int, int], None]
    ) -> tuple[int, int, tuple[int, int], float]:
        rank, K = _sampled_rank(
            rac, p, class_index, cap, rng, shared, from_cols, deadline, report, native, reached[0]
        )
        reached[0] = K
        degree = rac.total_degree(T) if isinstance(rac, RankTarget) else None
        return rank, K, (K, K), certify.schwartz_zippel_bound(cap, rac.L, T, p, degree)

    return attempt


def _shared_prefix(partition: Partition) -> tuple[int, np.ndarray]:
    """The steps every row and column share, and which later steps read the columns."""
    T = partition.T
    # rows: the side holding time 1, so the prefix up to the other side's first time is shared
    row_set = set(partition.start if 1 in partition.start else partition.end)
    shared = min(t for t in range(1, T + 1) if t not in row_set) - 1
    from_cols = np.array([t not in row_set for t in range(shared + 1, T + 1)], dtype=np.bool_)
    return shared, from_cols


def _ops(rac: RAC | RankTarget, p: int, native: BilinearModel | None = None) -> Any:
    """The kernels of the sampled rank for ``rac`` modulo ``p`` (``native``: the family's)."""
    if native is not None:
        return FamilyOps(native, p)
    return rac.pair_ops(p) if isinstance(rac, RankTarget) else _RacOps(rac.modular(p))


def measure_rates(
    rac: RAC | RankTarget,
    partition: Partition,
    class_index: int,
    cap: int,
    seed: int | None,
    native: BilinearModel | None = None,
) -> tuple[float, tuple[int, float], tuple[int, float]]:
    """Outputs per second, and two eliminations' ``(size, seconds)``, on this machine.

    Measured with the sampled rank's own kernels at a prime of the first attempt's range: up to
    128 x 128 pairs (the faster of two runs), and eliminations of up to 256 x 256 and 512 x 512
    (after warm-up calls that compile the kernels): about half a second.
    """
    rng = np.random.default_rng(seed)
    p = certify.random_prime(rng)
    ops, M = _ops(rac, p, native), rac.M
    shared, from_cols = _shared_prefix(partition)

    def pairs(count: int) -> float:
        prefix = rng.integers(0, p, size=(count, shared, M), dtype=np.uint64)
        rows, cols = (rng.integers(0, p, (count, len(from_cols), M), np.uint64) for _ in "rc")
        begin = time.perf_counter()
        starts = ops.prefix(prefix) if shared else ops.initial(count)
        ops.pairs(starts, rows, cols, from_cols, class_index)
        return time.perf_counter() - begin

    def eliminate(size: int) -> tuple[int, float]:
        matrix = rng.integers(0, p, size=(size, size), dtype=np.uint64)
        begin = time.perf_counter()
        elimination.rank_mod_p(matrix, p)
        return size, max(time.perf_counter() - begin, 1e-9)

    pairs(4)  # compiles the kernels
    size = min(cap, 128)
    pair_rate = size * size / max(min(pairs(size), pairs(size)), 1e-9)
    elimination.rank_mod_p(rng.integers(0, p, size=(8, 8), dtype=np.uint64), p)
    return pair_rate, eliminate(max(min(cap, 256), 2)), eliminate(max(min(cap, 512), 2))


def _sampled_rank(
    rac: RAC | RankTarget,
    p: int,
    class_index: int,
    cap: int,
    rng: np.random.Generator,
    shared: int,
    from_cols: np.ndarray,
    deadline: float | None,
    report: Callable[[int, int], None],
    native: BilinearModel | None = None,
    start: int = 0,
) -> tuple[int, int]:
    """``(rank, sample count)`` of square evaluations mod p, grown while of full rank."""
    ops = _ops(rac, p, native)
    M, steps = rac.M, len(from_cols)

    def draw(count: int, length: int) -> np.ndarray:
        return rng.integers(0, p, size=(count, length, M), dtype=np.uint64)

    row_rest = np.empty((0, steps, M), dtype=np.uint64)
    col_rest = np.empty((0, steps, M), dtype=np.uint64)
    starts: list[np.ndarray] = [np.empty((0, s), dtype=np.uint64) for s in ops.state_dims]
    growing = elimination.GrowingRank(p)  # keeps each full-rank round's factorisation
    K = 0
    schedule = certify.sample_schedule(cap)
    if start:
        schedule = [start] + [size for size in schedule if size > start]
    last = None
    for done, target in enumerate(schedule):
        started = time.perf_counter()
        if deadline is not None and last is not None and K:
            # a round costs about S^3 (the rank) plus S^2 T (the pairs), S the sample count
            if started + last * (target / K) ** 3 > deadline:
                break
        new = target - K
        prefix = draw(new, shared)
        rest_rows, rest_cols = draw(new, steps), draw(new, steps)
        new_starts = ops.prefix(prefix) if shared else ops.initial(new)
        row_rest = np.concatenate([row_rest, rest_rows])
        col_rest = np.concatenate([col_rest, rest_cols])
        starts = [np.concatenate([a, b]) for a, b in zip(starts, new_starts, strict=True)]
        right = np.empty((K, new), dtype=np.uint64)
        if K:  # old rows x new columns
            old = [s[:K] for s in starts]
            right = ops.pairs(old, row_rest[:K], col_rest[K:], from_cols, class_index)
        below = ops.pairs([s[K:] for s in starts], row_rest[K:], col_rest, from_cols, class_index)
        K = target
        rank = growing.grow(right, below)
        del right, below
        last = time.perf_counter() - started
        report(done + 1, len(schedule))
        if rank < K:
            break
    return rank, K


class _RacOps:
    """The RAC's compiled kernels behind the sampled rank's four questions."""

    def __init__(self, weights: modular.ModularWeights) -> None:
        self.weights = weights
        self.state_dims = [h.shape[0] for h in weights.initial_states]

    def initial(self, count: int) -> list[np.ndarray]:
        """Every layer's initial state, ``count`` times."""
        return [np.repeat(h[None], count, axis=0) for h in self.weights.initial_states]

    def prefix(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Every layer's state after ``inputs`` (``(count, steps, M)``)."""
        return modular.scan_mod(self.weights, inputs)

    def pairs(self, starts, rows, cols, from_cols, class_index) -> np.ndarray:
        """``y`` of every (row, column) pair (see :func:`rac_tn.arith.modular.pair_outputs`)."""
        return modular.pair_outputs(self.weights, starts, rows, cols, from_cols, class_index)
