"""Exact ranks modulo random primes, with a bound on the chance that one is wrong.

Floating-point SVD ranks of these tensors are unreliable, so ranks are computed exactly over
``F_p``, p a random prime (or one the caller fixes), on the model's exact weights (floats are
the dyadic rationals they store). :func:`separation_rank` gives the separation rank of the
function (``method='sampled'``, any T and partition) or the rank of the matricized grid tensor
(``method='grid'``). Why the results can be trusted: [Theory: exact ranks][theory-exact-ranks].
Numerical singular values for plots: :func:`rac_tn.exact.spectrum.spectrum`.

Examples
--------
>>> from rac_tn import RAC, start_end
>>> rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
>>> result = separation_rank(rac, start_end(8), seed=0)
>>> result.rank, result.exact, result.certified      # R * ((R, T/2)) = 2 * 5
(10, True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np

from rac_tn._checks import (
    check_choice,
    check_class_index,
    check_max_entries,
    check_seed,
    positive_int,
    template_count,
)
from rac_tn._progress import ProgressArg, progress_callback, status_line
from rac_tn._threads import free_core_threads
from rac_tn.arith import elimination, modular
from rac_tn.bounds.cut_bound import CutBound
from rac_tn.exact import certify
from rac_tn.exact.attempts import check_sample_memory, grid_attempt, run_attempts, sampled_attempt
from rac_tn.exact.end_span import EndSpanBound, end_span_refiner
from rac_tn.exact.estimate import RankCost, cost_at_cap
from rac_tn.exact.exact_grids import EXACT_GRIDS, small_exact_rank
from rac_tn.exact.family_ops import native_pays, runs_native
from rac_tn.exact.layered import RankTarget
from rac_tn.exact.rank_inputs import family_as_rac, symmetric_value
from rac_tn.models.base import BilinearModel
from rac_tn.models.protocol import RecurrentModel, check_model
from rac_tn.models.rac import RAC
from rac_tn.partition import Partition
from rac_tn.results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity, Serialisable

#: What :func:`separation_rank` ranks: the function (``'sampled'``) or the grid tensor.
RankMethod = Literal["sampled", "grid"]
METHODS: tuple[RankMethod, ...] = ("sampled", "grid")
#: The default cap on the sampled rank's sample count S (parts per side), for every caller:
#: certified ranks up to 8192, whose S x S matrix needs 2.2 GiB with its elimination.
DEFAULT_MAX_SAMPLES = 8192
#: From this sample cap on, a rank first measures the free cores and runs on them
#: (:mod:`rac_tn._threads`); smaller ranks take milliseconds and keep the settings as they are.
PARALLEL_FROM_SAMPLES = 1024


@dataclass(frozen=True)
class RankResult(Serialisable):
    """A rank computed modulo a prime, and how sure it is.

    Whatever the flags say, ``rank`` is a certified lower bound on the rank of this model, and so
    on the generic rank of its architecture ([Theory: generic ranks][theory-generic]).

    Attributes
    ----------
    rank
        The rank found.
    method
        ``'sampled'`` (separation rank of the function) or ``'grid'`` (rank of the matricized
        grid tensor).
    exact
        True: ``rank`` is the rank of this model, certainly (``certified``) or with probability at
        least ``1 - failure_probability > 1 - 1e-9``. False: a certified lower bound only (the
        sample cap or time budget was reached, or the failure chance could not be bounded, e.g.
        with a prime fixed by the user).
    prime
        The modulus of the attempt that gave ``rank``.
    samples
        Sampled: the sample count S of the final S x S matrix. Grid: the rows of the
        matricization.
    failure_probability
        An upper bound on the chance, over the primes and points, that the true rank is larger:
        0 when ``certified``, 1 when nothing bounds it.
    certified
        ``rank`` meets a proven upper bound (the symmetric cut, the End span of these weights,
        or the matrix size), or was computed over Q (``certificate``): it is the rank with
        certainty, whatever the prime.
    upper_bound
        The upper bound used as the cap (sampled) or for certification (grid), if any: the
        symmetric cut, valid for every weight.
    shape
        Shape of the matrix whose rank was taken.
    partition
        The partition.
    primes
        Every prime tried (``rank`` is the largest rank found).
    class_index
        Which output ``y_c`` was ranked.
    seconds
        Wall time (not compared).
    end_span
        The End-span bound of these very weights (:func:`rac_tn.exact.end_span.end_span_bound`),
        when it was computed: for a sampled rank below ``upper_bound`` at a partition whose
        one side is ``1..k``. A rank that meets its ``value`` is certified.
    certificate
        ``'exact grids'`` when the rank was computed over Q from values on unisolvent grids
        (:mod:`rac_tn.exact.exact_grids`; certified, no prime involved), else empty.

    Examples
    --------
    >>> from rac_tn import RAC, start_end
    >>> rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    >>> result = separation_rank(rac, start_end(8), seed=0)
    >>> result.claim, result.quantity, int(result)
    ('exact rank', 'separation rank', 10)
    >>> result.status
    'certified: meets the proven upper bound 10'
    >>> RankResult.from_dict(result.to_dict()) == result
    True
    """

    rank: int
    method: RankMethod
    exact: bool
    prime: int
    samples: int
    failure_probability: float
    certified: bool = False
    upper_bound: int | None = None
    shape: tuple[int, int] = (0, 0)
    partition: Partition | None = None
    primes: tuple[int, ...] = ()
    class_index: int = 0
    seconds: float = field(default=0.0, compare=False)
    end_span: EndSpanBound | None = None
    certificate: str = ""

    _json_optional = ("end_span", "certificate")  # absent from payloads without them

    @property
    def claim(self) -> Claim:
        """``'exact rank'`` or ``'certified lower bound'``."""
        return "exact rank" if self.exact else "certified lower bound"

    @property
    def quantity(self) -> Quantity:
        """What was ranked: ``'separation rank'`` or ``'grid-tensor rank'``."""
        return SEPARATION_RANK if self.method == "sampled" else GRID_TENSOR_RANK

    def __int__(self) -> int:
        return self.rank

    @property
    def status(self) -> str:
        """How sure ``rank`` is, in words: certified, exact with a probability, or a bound."""
        if self.certified and self.end_span is not None and self.rank == self.end_span.value:
            if self.rank != self.upper_bound:
                return (
                    f"certified: meets the proven End-span bound {self.end_span.value} of these "
                    f"weights ({self.end_span.note}; symmetric cut {self.upper_bound})"
                )
        if self.certificate == EXACT_GRIDS:
            return "certified: the rank over Q of y's values on unisolvent grids (no prime)"
        if self.certified:
            return f"certified: meets the proven upper bound {self.upper_bound}"
        if self.exact:
            return f"exact with probability >= 1 - {self.failure_probability:.2g}"
        if self.method == "sampled" and self.samples == self.rank:
            return f"lower bound only: the sample cap {self.samples} was reached"
        return f"lower bound only: failure probability bound {self.failure_probability:.2g}"

    def __repr__(self) -> str:
        how = self.status
        return (
            f"RankResult({self.quantity} = {self.rank}, {self.claim}, method={self.method!r}, "
            f"{how}, p={self.prime}, samples={self.samples}, {self.seconds:.3g} s)"
        )


def rank_mod_p(matrix: object, p: int = modular.MERSENNE61) -> int:
    """The rank over ``F_p`` of an integer, float (exact dyadic) or ``uint64`` residue matrix.

    It is a lower bound on the rank over Q. ``p`` is an odd prime below ``2**63`` (default
    ``2**61 - 1``); a TypeError or ValueError names a bad prime or a matrix that is not 2-D.

    Examples
    --------
    >>> rank_mod_p([[1, 2], [2, 5]], 3)             # det = 1
    2
    >>> rank_mod_p([[1, 2], [2, 4]], 101)
    1
    """
    p = modular.check_prime(p, "prime")
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {arr.shape}")
    residues = modular.to_residues(arr, p) if arr.dtype != np.uint64 else arr % np.uint64(p)
    return elimination.rank_mod_p(residues, p)


def _check_common(
    rac: RAC | RankTarget, partition: Partition, prime: object
) -> tuple[Partition, int | None]:
    """The partition and the checked fixed prime (None: draw random primes), or an error."""
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    p = None if prime is None else modular.check_prime(prime, "prime")
    return partition, p


def separation_rank(
    rac: RecurrentModel,
    partition: Partition,
    *,
    method: RankMethod = "sampled",
    seed: int | np.random.Generator | None = None,
    prime: int | None = None,
    class_index: int = 0,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    templates: object = None,
    max_entries: int | None = None,
    upper_bound: CutBound | int | None = None,
    max_seconds: float | None = None,
    progress: ProgressArg = False,
    certificates: bool = True,
) -> RankResult:
    """The exact separation rank of ``y`` (``'sampled'``) or grid-tensor rank (``'grid'``).

    Parameters
    ----------
    rac
        The model (a RAC or a model family); integer or float weights (floats are read as exact
        dyadic rationals). ``RAC.random(..., integer=True)`` gives the generic rank.
    partition
        The partition (P, Q).
    method
        ``'sampled'``: the separation rank of the function, from y on S random start parts x S
        random end parts, S doubling until the rank stops growing
        ([Theory: the sampled rank][theory-sampled-rank]). ``'grid'``: the rank of the
        ``N^|P| x N^|Q|`` matricized grid tensor.
    seed
        Seeds everything random: the primes and the sampled points.
    prime
        Fix the modulus (a prime below 2**63). By default each attempt draws a fresh random prime
        (:data:`~rac_tn.exact.certify.PRIME_RANGE` first, then
        :data:`~rac_tn.exact.certify.LARGE_PRIME_RANGE`); with a fixed prime the result is exact
        only when certified.
    class_index
        Which output ``y_c`` (for C > 1).
    max_samples
        ``'sampled'``: the largest sample count S. The cap is ``min(symmetric bound,
        max_samples)``; a cap whose S x S matrix would not fit in memory is refused up front.
    templates
        ``'grid'``: the ``N x M`` template array (identity by default).
    max_entries
        ``'grid'``: refuse grid tensors with more entries than this (default
        :data:`rac_tn._checks.DEFAULT_MAX_ENTRIES`).
    upper_bound
        The symmetric cut bound if the caller has it (a :class:`~rac_tn.bounds.CutBound` or its
        value; computed when None), for this partition and quantity.
    max_seconds
        ``'sampled'``: a time budget; S is not doubled when the next round would end after it
        (the result is then a certified lower bound, as at the sample cap).
    progress
        ``True`` shows a progress bar on stderr; ``'lines'`` prints the cost estimate and one
        status line per round on stderr (for logs and batch jobs); a callable is called as
        ``progress(done, total)``.
    certificates
        ``'sampled'``, when the rank found is below the symmetric cut: at a partition whose one
        side is ``1..k``, compute the End-span bound of these weights
        (:func:`rac_tn.exact.end_span.end_span_bound`, proven by relations verified exactly;
        a rank that meets it is certified and needs no second attempt); if the rank is still
        not certified and the grids are small, compute the rank over Q exactly from values on
        unisolvent grids (:mod:`rac_tn.exact.exact_grids`; then certified, and it replaces a
        rank that fell short). False skips both.

    Returns
    -------
    RankResult
        The rank, with ``exact``, ``certified`` and ``failure_probability`` (see
        :attr:`RankResult.status`).

    Raises
    ------
    TypeError
        When ``rac`` is not a model, ``partition`` not a :class:`Partition`, or an argument has
        the wrong type.
    ValueError
        For an unknown ``method``, ``templates`` with ``'sampled'``, a grid tensor above
        ``max_entries``, an ``upper_bound`` for another partition or quantity, or another invalid
        argument.

    Examples
    --------
    >>> from rac_tn import RAC, start_end, interleaved
    >>> rac = RAC.random(3, 2, depth=1, seed=0, integer=True)
    >>> separation_rank(rac, start_end(6)).rank                       # shallow: R
    2
    >>> separation_rank(rac, interleaved(4), method="grid").rank      # grid rank: min(R^2, M^2)
    4
    """
    begin = time.perf_counter()
    model = check_model(rac, "rac")
    rac, templates, upper_bound = family_as_rac(model, partition, method, templates, upper_bound)
    partition, fixed_prime = _check_common(rac, partition, prime)
    class_index = check_class_index(class_index, rac.C)
    check_choice(method, "method", METHODS)
    rng = np.random.default_rng(check_seed(seed))
    deadline = None
    native = _native(model, rac)  # pairs on the family's own layers (the same matrix)
    if method == "grid":
        N = template_count(templates, rac.M) or rac.M
        max_entries = check_max_entries(max_entries)
        if N**partition.T > max_entries:
            raise ValueError(
                f"method='grid' needs the grid tensor's {N}^{partition.T} = "
                f"{N**partition.T:,} entries, above max_entries={max_entries:,}; use "
                "method='sampled' (the separation rank of the function, which never forms the "
                "grid tensor) or pass a larger max_entries="
            )
        shape = (N ** len(partition.start), N ** len(partition.end))
        bound = size = min(symmetric_value(model, partition, upper_bound, N), *shape)
        attempt = grid_attempt(rac, partition, class_index, templates, N, max_entries)
    else:
        if templates is not None:
            raise ValueError(
                "templates= applies to method='grid' only; the sampled separation rank "
                "is that of the function (random inputs, no templates)"
            )
        max_samples = positive_int(max_samples, "max_samples")
        bound = symmetric_value(model, partition, upper_bound, None)
        deadline = None if max_seconds is None else begin + check_seconds(max_seconds)
        cap = min(bound, max_samples)
        check_sample_memory(cap)
        attempt = sampled_attempt(rac, partition, class_index, cap, rng, deadline, native)
        size = bound
    rounds = len(certify.sample_schedule(bound)) if method == "sampled" else 1
    if method == "sampled" and progress in (True, "lines"):  # the cost, said up front
        cost = cost_at_cap(rac, partition, cap, class_index=class_index, native=native)  # own rng
        status_line("lines", f"rank {partition}: {cost.describe()}")
    # a large matrix runs on the cores that are free (threads beyond them slow it down)
    large = (cap if method == "sampled" else size) >= PARALLEL_FROM_SAMPLES
    with (
        progress_callback(progress, rounds, f"rank {partition}", "rounds") as report,
        free_core_threads(large),
    ):
        attempt = _reporting(attempt, report)
        # the End span and the exact grids read a RAC's weights (a layered model has none)
        proofs = certificates and not isinstance(rac, RankTarget)
        refine = (
            end_span_refiner(cast(RAC, rac), partition, class_index, rng, begin, deadline)
            if proofs
            else None
        )
        found = run_attempts(
            attempt, rng, fixed_prime, bound, size, rac, partition, templates,
            refine if method == "sampled" else None,
        )  # fmt: skip
    exact_rank = None
    if proofs and method == "sampled" and not found.certified:
        exact_rank = small_exact_rank(cast(RAC, rac), partition, class_index)
    return RankResult(
        rank=found.rank if exact_rank is None else exact_rank,
        method=method,
        exact=found.exact or exact_rank is not None,
        prime=found.prime,
        samples=found.samples,
        failure_probability=found.failure_probability if exact_rank is None else 0.0,
        certified=found.certified or exact_rank is not None,
        upper_bound=bound,
        shape=found.shape,
        partition=partition,
        primes=found.primes,
        class_index=class_index,
        seconds=time.perf_counter() - begin,
        end_span=found.end_span,
        certificate="" if exact_rank is None else EXACT_GRIDS,
    )


def rank_cost(
    model: RecurrentModel,
    partition: Partition,
    *,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    class_index: int = 0,
) -> RankCost:
    """What :func:`separation_rank` (``'sampled'``) can cost at most, said before it runs.

    Every round up to the sample cap ``min(symmetric bound, max_samples)``: its peak memory
    and its time at the first prime, from rates measured with the model's own kernels on small
    cases (about half a second; kernels compile on first use). A rank that stops below the cap
    costs less; a second prime, the End-span certificate or the exact grids can add time.

    Measured against real runs (``benchmarks/bench_memory.py``): the memory within 10% from
    S = 1,000 on; the time within a factor of 1.3 at (M, R, L) = (4, 4, 2) and (2, 2, 3) on a
    loaded two-core machine.

    Examples
    --------
    >>> from rac_tn import RAC, start_end
    >>> cost = rank_cost(RAC.random(2, 2, depth=2, seed=0, integer=True), start_end(8))
    >>> cost.samples, cost.peak_bytes == 25 * cost.samples**2
    (10, True)
    """
    model = check_model(model, "model")
    rac, _, upper_bound = family_as_rac(model, partition, "sampled", None, None)
    partition, _ = _check_common(rac, partition, None)
    class_index = check_class_index(class_index, rac.C)
    bound = symmetric_value(model, partition, upper_bound, None)
    cap = min(bound, positive_int(max_samples, "max_samples"))
    return cost_at_cap(rac, partition, cap, class_index=class_index, native=_native(model, rac))


def _native(model: RecurrentModel, rac: RAC | RankTarget) -> BilinearModel | None:
    """``model`` when its sampled pairs run on its own layers (``rac`` its RAC equivalent)."""
    if isinstance(rac, RankTarget) or not runs_native(model):
        return None
    family = cast(BilinearModel, model)
    return family if native_pays(family, rac) else None


def check_seconds(max_seconds: object) -> float:
    """``max_seconds`` as a positive float, or a TypeError / ValueError."""
    if isinstance(max_seconds, bool) or not isinstance(max_seconds, (int, float, np.number)):
        raise TypeError(f"max_seconds must be a positive number of seconds, got {max_seconds!r}")
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be a positive number of seconds, got {max_seconds}")
    return float(max_seconds)


def _reporting(
    attempt: Callable[..., tuple[int, int, tuple[int, int], float]],
    report: Callable[[int, int], None],
) -> Callable[[int], tuple[int, int, tuple[int, int], float]]:
    """``attempt`` that reports its rounds (and a whole attempt as one round when it has none)."""

    def run(p: int) -> tuple[int, int, tuple[int, int], float]:
        return attempt(p, report)

    return run
