"""Exact ranks modulo random primes, with a bound on the chance that one is wrong.

Floating-point SVD ranks of these tensors are unreliable: their entries span many orders of
magnitude. The ranks here are computed exactly over the field ``F_p`` (float64 BLAS elimination
for primes below 2**21, :mod:`rac_tn.arith.elimination`; FLINT ``nmod_mat`` above), ``p`` a random
prime (a 21-bit one first, then large ones: :mod:`rac_tn.exact.certify`) or one the caller fixes.
Weights are read exactly: integers as they are, floats as the dyadic rationals they store
(:meth:`rac_tn.RAC.modular`), so a trained float model gets the rank of that very model.

- :func:`separation_rank` with ``method='grid'``: the rank of the matricized grid tensor.
- :func:`separation_rank` with ``method='sampled'``: the separation rank of the function y,
  for any partition, from y on K random start parts x K random end parts.

The singular values of the float matricization (numerical, for plots) are
:func:`rac_tn.exact.spectrum.spectrum`.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rac_tn._checks import (
    check_choice,
    check_class_index,
    check_max_entries,
    check_seed,
    positive_int,
    template_count,
)
from rac_tn._progress import ProgressArg, progress_callback
from rac_tn.arith import elimination, modular
from rac_tn.bounds.cut_bound import CutBound
from rac_tn.exact import certify
from rac_tn.exact.attempts import check_sample_memory, grid_attempt, run_attempts, sampled_attempt
from rac_tn.exact.end_span import EndSpanBound, end_span_refiner
from rac_tn.exact.exact_grids import EXACT_GRIDS, small_exact_rank
from rac_tn.exact.rank_inputs import family_as_rac, symmetric_value
from rac_tn.models import BilinearModel
from rac_tn.models.rac import RAC
from rac_tn.partition import Partition
from rac_tn.results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity, jsonable

#: What :func:`separation_rank` ranks: the function (``'sampled'``) or the grid tensor.
RankMethod = Literal["sampled", "grid"]
METHODS: tuple[RankMethod, ...] = ("sampled", "grid")
#: The one default cap on the sampled rank's K (parts per side), for every caller: a default
#: call reaches certified ranks up to 8192, whose K x K matrix needs 1.5 GiB with its elimination.
DEFAULT_MAX_SAMPLES = 8192


@dataclass(frozen=True)
class RankResult:
    """A rank computed modulo a prime, and what it is.

    Attributes
    ----------
    rank
        The rank found (an integer).
    method
        ``'sampled'`` (separation rank of the function) or ``'grid'`` (rank of the
        matricized grid tensor).
    exact
        True: ``rank`` is the rank of the given model, certainly (``certified``) or with
        probability at least ``1 - failure_probability``, which is then below 1e-9. False:
        ``rank`` is a certified lower bound only (the sample budget ran out, or the chance of
        a wrong answer could not be brought below 1e-9, e.g. with a prime fixed by the user).
    prime
        The modulus of the attempt that gave ``rank``.
    samples
        Sampled: K, the number of start parts (= end parts) in the final K x K matrix. Grid:
        the number of rows of the matricization.
    failure_probability
        An upper bound on the probability, over everything random (the primes and the
        points), that the true rank is larger than ``rank``: 0 when ``certified``, 1 when
        nothing bounds it.
    certified
        True when ``rank`` meets a proven upper bound (the symmetric cut, the End span of these
        weights, or the matrix size), so it is the rank with certainty, whatever the prime.
    upper_bound
        The upper bound used as the cap (sampled) or for certification (grid), if any: the
        symmetric cut, valid for every weight.
    shape
        Shape of the matrix whose rank was taken.
    partition
        The partition.
    primes
        Every prime tried (independent attempts; ``rank`` is the largest rank found).
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

    Notes
    -----
    Whatever the flags say, ``rank`` is a certified lower bound on the rank of this model, and
    so on the generic rank of its architecture (rank is lower semicontinuous in the weights).

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

    @property
    def claim(self) -> Claim:
        """``'exact rank'`` or ``'certified lower bound'``."""
        return "exact rank" if self.exact else "certified lower bound"

    @property
    def quantity(self) -> Quantity:
        """What was ranked: ``'separation rank'`` or ``'grid-tensor rank'``."""
        return SEPARATION_RANK if self.method == "sampled" else GRID_TENSOR_RANK

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (exact ints stay ints; the partition as a dict).

        Returns
        -------
        dict
            Every field; :meth:`from_dict` rebuilds an equal result.
        """
        return {
            "rank": self.rank,
            "method": self.method,
            "exact": self.exact,
            "prime": self.prime,
            "samples": self.samples,
            "failure_probability": self.failure_probability,
            "certified": self.certified,
            "upper_bound": self.upper_bound,
            "shape": jsonable(self.shape),
            "partition": None if self.partition is None else self.partition.to_dict(),
            "primes": list(self.primes),
            "class_index": self.class_index,
            "seconds": self.seconds,
            "end_span": None if self.end_span is None else self.end_span.to_dict(),
            "certificate": self.certificate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RankResult:
        """Rebuild from :meth:`to_dict`.

        Parameters
        ----------
        data
            The output of :meth:`to_dict`, possibly through JSON.

        Returns
        -------
        RankResult
        """
        fields = dict(data)
        fields["shape"] = tuple(fields["shape"])
        fields["primes"] = tuple(fields.get("primes", ()))
        if fields.get("partition") is not None:
            fields["partition"] = Partition.from_dict(fields["partition"])
        if fields.get("end_span") is not None:
            fields["end_span"] = EndSpanBound.from_dict(fields["end_span"])
        return cls(**fields)

    def __int__(self) -> int:
        return self.rank

    @property
    def status(self) -> str:
        """How sure ``rank`` is, in words: certified, exact with a probability, or a bound."""
        if self.certified and self.end_span is not None and self.rank == self.end_span.value:
            if self.rank != self.upper_bound:
                return (
                    f"certified: meets the proven End-span bound {self.end_span.value} of these "
                    f"weights ({self.end_span.relations} relations verified exactly; symmetric "
                    f"cut {self.upper_bound})"
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
    """The rank over ``F_p`` of an integer (or residue) matrix, by FLINT.

    Parameters
    ----------
    matrix
        A 2-D array of integers, floats (read as exact dyadic rationals) or ``uint64``
        residues.
    p
        An odd prime below ``2**63`` (default ``2**61 - 1``).

    Returns
    -------
    int
        The rank of ``matrix mod p``: a lower bound on its rank over Q.

    Raises
    ------
    TypeError, ValueError
        When ``p`` is not a prime in range, or ``matrix`` is not 2-D.

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


def _check_common(rac: RAC, partition: Partition, prime: object) -> tuple[Partition, int | None]:
    """The partition and the checked fixed prime (None: draw random primes), or an error."""
    if not isinstance(rac, RAC):
        raise TypeError(
            f"rac must be a rac_tn.RAC or a model family (rac_tn.CP2RNN, ...), got "
            f"{type(rac).__name__}"
        )
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    p = None if prime is None else modular.check_prime(prime, "prime")
    return partition, p


def separation_rank(
    rac: RAC,
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
        The model; integer or float weights (floats are read as exact dyadic rationals).
        ``RAC.random(..., integer=True)`` gives the generic rank.
    partition
        The partition (P, Q).
    method
        ``'sampled'``: the separation rank of the function (any T, any partition), see Notes.
        ``'grid'``: the rank of the ``N^|P| x N^|Q|`` matricized grid tensor.
    seed
        Seeds everything random: the primes and the points of ``'sampled'``.
    prime
        Fix the modulus (a prime below 2**63). By default each attempt draws a fresh prime
        uniformly at random, so no weights can be chosen against it: the first from
        :data:`rac_tn.exact.certify.PRIME_RANGE`, later ones from
        :data:`rac_tn.exact.certify.LARGE_PRIME_RANGE`. With a fixed prime the result is exact only
        when certified.
    class_index
        Which output ``y_c`` (for C > 1).
    max_samples
        ``'sampled'``: never use more than this many parts per side (K). The cap is
        ``min(symmetric bound, max_samples)``; a cap whose K x K matrix would not fit in the
        memory available (:data:`rac_tn.exact.attempts.SAMPLE_BYTES_PER_ENTRY` bytes an entry) is
        refused up front with its size.
    templates
        ``'grid'``: the ``N x M`` template array (identity by default).
    max_entries
        ``'grid'``: refuse grid tensors with more entries than this (default
        :data:`rac_tn._checks.DEFAULT_MAX_ENTRIES`).
    upper_bound
        The symmetric cut bound when the caller has it already (a
        :class:`~rac_tn.bounds.CutBound` or its value; computed when None): of the separation
        rank for ``'sampled'``, of the grid-tensor rank with these templates for ``'grid'``.
    max_seconds
        ``'sampled'``: a time budget. K is not doubled past the point where the next round
        would end after it (its time estimated from the last round's, as ``K^3``); the result
        is then a certified lower bound, as at the sample cap.
    progress
        ``True`` shows a rich progress bar on stderr (the rounds of K and the attempts), a
        callable is called as ``progress(done, total)``; nothing by default.
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
        The rank, with ``exact``, ``certified`` and ``failure_probability`` saying how sure
        it is (see :attr:`RankResult.status`).

    Raises
    ------
    TypeError
        When ``rac`` is not a RAC or ``partition`` not a :class:`Partition`, or an argument
        has the wrong type.
    ValueError
        For an unknown ``method``, ``templates`` with ``method='sampled'``, a grid tensor above
        ``max_entries``, an ``upper_bound`` for another partition or quantity, or another
        invalid argument.

    Notes
    -----
    *What is computed.* y is a polynomial; write ``Cf`` for its coefficient matrix (rows:
    monomials in ``x_P``, columns: monomials in ``x_Q``) of the integer-scaled model. Its
    separation rank is ``rank_Q(Cf)``. Modulo p, ``rank_{F_p}(Cf mod p) <= rank_Q(Cf)``, equal
    unless p divides every r x r minor of Cf. The prime is drawn at random, and the chance that
    it divides a fixed such minor is bounded through Hadamard's bound
    (:mod:`rac_tn.exact.certify`). Attempts with fresh primes (and points) repeat until the chance
    that all of them fell short is below 1e-9 (at most :data:`MAX_PRIMES`); ``rank`` is the
    largest rank found.

    *Sampled.* Draw K start parts ``u_i`` and K end parts ``v_j`` uniformly from ``F_p^M`` per
    step and form ``Y[i, j] = y(u_i, v_j) mod p``. Then ``Y = V_P (Cf mod p) V_Q^T``, so
    ``rank Y <= sep``: every result is a certified lower bound. K starts at 16 and doubles while
    ``rank Y = K`` (jumping to the cap once a doubling would pass 3/4 of it), capped by the
    symmetric cut bound (:func:`rac_tn.symmetric_bound`) and ``max_samples``. If the rank
    reaches the symmetric bound it is the rank, certainly (``certified``). If it stops below
    K, it is the rank unless the random points are degenerate.

    *Failure bound of one attempt.* The prime's share is above. Schwartz-Zippel: fix the
    infinite sequence of random parts; the K x K matrices are its leading blocks. For m at most
    the true rank rho, the leading m x m minor is a nonzero polynomial in the random coordinates
    (the formal matrix has rank rho, and rows, like columns, are exchangeable, so a nonzero
    minor can be moved to the leading position) of degree at most ``m D``, ``D = sum_t n_t =
    C(T+L-1, L)`` being the total degree of one entry; it vanishes with probability at most ``m
    D / p``. A wrong "exact" answer needs either a stop at some K < min(rho, cap) (the leading K
    x K minor vanished) or a rank below ``min(rho, cap)`` at the end (that leading minor
    vanished). Summing over the sizes K tried (:func:`~rac_tn.exact.certify.sample_schedule`),
    ``Pr[failure] <= (cap + sum_{K < cap} K) D / p`` with ``cap = min(symmetric bound,
    max_samples)`` (:func:`~rac_tn.exact.certify.schwartz_zippel_bound`). A result stopped by
    ``max_samples`` with ``rank = K`` is only a lower bound (``exact=False``).

    Work: the prefix before the first time of the second side (the column side) is computed
    once per row part; each pair costs only the remaining steps, so for Start-End the first
    half is never recomputed. Earlier blocks are reused when K doubles.

    *Grid.* The grid tensor is computed exactly modulo p (prefix sharing) and matricized; the
    rank of ``A mod p`` is a lower bound on the rank over Q, equal unless p divides every
    r x r minor: only the prime is random.

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
    if isinstance(rac, BilinearModel):
        rac, templates, upper_bound = family_as_rac(rac, partition, method, templates, upper_bound)
    partition, fixed_prime = _check_common(rac, partition, prime)
    class_index = check_class_index(class_index, rac.C)
    check_choice(method, "method", METHODS)
    rng = np.random.default_rng(check_seed(seed))
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
        bound = size = min(symmetric_value(rac, partition, upper_bound, N), *shape)
        attempt = grid_attempt(rac, partition, class_index, templates, N, max_entries)
    else:
        if templates is not None:
            raise ValueError(
                "templates= applies to method='grid' only; the sampled separation rank "
                "is that of the function (random inputs, no templates)"
            )
        max_samples = positive_int(max_samples, "max_samples")
        bound = symmetric_value(rac, partition, upper_bound, None)
        deadline = None if max_seconds is None else begin + _check_seconds(max_seconds)
        cap = min(bound, max_samples)
        check_sample_memory(cap)
        attempt = sampled_attempt(rac, partition, class_index, cap, rng, deadline)
        size = bound
    rounds = len(certify.sample_schedule(bound)) if method == "sampled" else 1
    with progress_callback(progress, rounds, f"rank {partition}") as report:
        attempt = _reporting(attempt, report)
        refine = end_span_refiner(rac, partition, class_index, rng) if certificates else None
        found = run_attempts(
            attempt, rng, fixed_prime, bound, size, rac, partition, templates,
            refine if method == "sampled" else None,
        )  # fmt: skip
    exact_rank = None
    if certificates and method == "sampled" and not found.certified:
        exact_rank = small_exact_rank(rac, partition, class_index)
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


def _check_seconds(max_seconds: object) -> float:
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
