"""Exact ranks modulo a large prime, and the (numerical) singular-value spectrum.

Floating-point SVD ranks of these tensors are unreliable: their entries span many orders of
magnitude. The ranks here are computed exactly over the field ``F_p`` (FLINT ``nmod_mat``),
default ``p = 2**61 - 1``. Weights are read exactly: integers as they are, floats as the dyadic
rationals they store (:meth:`rac_tn.RAC.modular`), so a trained float model gets the rank of
that very model.

- :func:`separation_rank` with ``method='grid'``: the rank of the matricized grid tensor.
- :func:`separation_rank` with ``method='sampled'``: the separation rank of the function y,
  for any partition, from y on K random start parts x K random end parts.

The singular values of the float matricization (numerical, for plots) are
:func:`rac_tn.numerical.spectrum`.

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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import flint
import numpy as np

from rac_tn import _modular
from rac_tn._checks import (
    check_choice,
    check_class_index,
    check_max_entries,
    check_seed,
    positive_int,
    template_count,
)
from rac_tn._results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity, jsonable
from rac_tn.bounds import CutBound, symmetric_bound
from rac_tn.grid import total_degree
from rac_tn.gridtensor import grid_tensor_mod
from rac_tn.model import RAC
from rac_tn.partition import Partition

RankMethod = Literal["sampled", "grid"]
METHODS: tuple[RankMethod, ...] = ("sampled", "grid")
#: The one default cap on the sampled rank's K (parts per side), for every caller.
DEFAULT_MAX_SAMPLES = 4096
_FIRST_K = 16


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
        True: ``rank`` is the rank, with probability at least ``1 - failure_probability``
        (see :func:`separation_rank`). False: ``rank`` is only a certified lower bound (the
        sample budget ran out before the rank stopped growing).
    prime
        The modulus p.
    samples
        Sampled: K, the number of start parts (= end parts) in the final K x K matrix. Grid:
        the number of rows of the matricization.
    failure_probability
        An upper bound on the probability, over the random points drawn, that the true rank is
        larger than ``rank``. 0 for the grid rank (nothing random) and whenever ``certified``.
    certified
        True when ``rank`` meets a proven upper bound (the symmetric cut, or the matrix size),
        so it is the rank with certainty.
    upper_bound
        The upper bound used as the cap (sampled) or for certification (grid), if any.
    shape
        Shape of the matrix whose rank was taken.
    seconds
        Wall time.
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
    seconds: float = field(default=0.0, compare=False)

    @property
    def claim(self) -> Claim:
        """``'exact rank'`` or ``'certified lower bound'``."""
        return "exact rank" if self.exact else "certified lower bound"

    @property
    def quantity(self) -> Quantity:
        """What was ranked: ``'separation rank'`` or ``'grid-tensor rank'``."""
        return SEPARATION_RANK if self.method == "sampled" else GRID_TENSOR_RANK

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (exact ints stay ints; the partition as a dict)."""
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
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RankResult:
        """Rebuild from :meth:`to_dict`."""
        fields = dict(data)
        fields["shape"] = tuple(fields["shape"])
        if fields.get("partition") is not None:
            fields["partition"] = Partition.from_dict(fields["partition"])
        return cls(**fields)

    def __int__(self) -> int:
        return self.rank

    def __repr__(self) -> str:
        if self.certified:
            how = "certified (meets the upper bound)"
        elif self.exact and self.method == "grid":
            how = "deterministic (nothing sampled)"
        elif self.exact:
            how = f"failure probability <= {self.failure_probability:.2g}"
        else:
            how = "lower bound only: sample cap reached"
        return (
            f"RankResult({self.quantity} = {self.rank}, {self.claim}, method={self.method!r}, "
            f"{how}, p={self.prime}, samples={self.samples}, {self.seconds:.3g} s)"
        )


def rank_mod_p(matrix: object, p: int = _modular.MERSENNE61) -> int:
    """The rank over ``F_p`` of an integer (or residue) matrix, by FLINT.

    >>> rank_mod_p([[1, 2], [2, 4]], 101)
    1
    """
    p = _modular.check_prime(p, "prime")
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {arr.shape}")
    residues = _modular.to_residues(arr, p) if arr.dtype != np.uint64 else arr % np.uint64(p)
    return _flint_rank(residues, p)


def _flint_rank(residues: np.ndarray, p: int) -> int:
    rows, cols = residues.shape
    if rows == 0 or cols == 0:
        return 0
    return flint.nmod_mat(rows, cols, residues.ravel().tolist(), p).rank()


def _check_common(rac: RAC, partition: Partition, prime: object) -> tuple[Partition, int]:
    if not isinstance(rac, RAC):
        raise TypeError(f"rac must be a rac_tn.RAC, got {type(rac).__name__}")
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    p = _modular.MERSENNE61 if prime is None else _modular.check_prime(prime, "prime")
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
        Seeds the random points of ``'sampled'``.
    prime
        The modulus, default ``2**61 - 1`` (compiled kernels also cover primes below 2**32).
    class_index
        Which output ``y_c`` (for C > 1).
    max_samples
        ``'sampled'``: never use more than this many parts per side.
    templates
        ``'grid'``: the ``N x M`` template array (identity by default).
    max_entries
        ``'grid'``: refuse grid tensors with more entries than this (default
        :data:`rac_tn._checks.DEFAULT_MAX_ENTRIES`).
    upper_bound
        The symmetric cut bound when the caller has it already (a
        :class:`~rac_tn.bounds.CutBound` or its value; computed when None): of the separation
        rank for ``'sampled'``, of the grid-tensor rank with these templates for ``'grid'``.

    Returns
    -------
    RankResult

    Notes
    -----
    *What is computed.* y is a polynomial; write ``Cf`` for its coefficient matrix (rows:
    monomials in ``x_P``, columns: monomials in ``x_Q``). Its separation rank is
    ``rank_Q(Cf)``. Modulo p, ``rank_{F_p}(Cf mod p) <= rank_Q(Cf)``, equal unless p divides
    every r x r minor of Cf: a property of the weights and p, not of the sampling (rerun with
    another ``prime`` to check). Every rank below is of ``Cf mod p``.

    *Sampled.* Draw K start parts ``u_i`` and K end parts ``v_j`` uniformly from ``F_p^M`` per
    step and form ``Y[i, j] = y(u_i, v_j) mod p``. Then ``Y = V_P (Cf mod p) V_Q^T``, so
    ``rank Y <= sep``: every result is a certified lower bound. K starts at 16 and doubles while
    ``rank Y = K`` (jumping to the cap once a doubling would pass 3/4 of it), capped by the
    symmetric cut bound (:func:`rac_tn.symmetric_bound`) and ``max_samples``. If the rank
    reaches the symmetric bound it is the rank, certainly (``certified``). If it stops below
    K, it is the rank unless the random points are degenerate.

    *Failure bound (Schwartz-Zippel).* Fix the infinite sequence of random parts; the K x K
    matrices are its leading blocks. For m at most the true rank rho, the leading m x m minor
    is a nonzero polynomial in the random coordinates (the formal matrix has rank rho, and
    rows, like columns, are exchangeable, so a nonzero minor can be moved to the leading
    position) of degree at most ``m D``, ``D = sum_t n_t = C(T+L-1, L)`` being the total
    degree of one entry; it vanishes with probability at most ``m D / p``. A wrong "exact"
    answer needs either a stop at some K < min(rho, cap) (the leading K x K minor vanished) or
    a rank below ``min(rho, cap)`` at the end (that leading minor vanished). Summing over the
    sizes K tried (:func:`sample_schedule`), ``Pr[failure] <= (cap + sum_{K < cap} K) D / p``
    with ``cap = min(symmetric bound, max_samples)``: :func:`failure_bound`, about ``3e-13`` for
    T = 20, L = 2, R = 4 (and 0 there, as that rank is certified). A result stopped by
    ``max_samples`` with ``rank = K`` is only a lower bound (``exact=False``).

    Work: the prefix before the first time of the second side (the column side) is computed
    once per row part; each pair costs only the remaining steps, so for Start-End the first
    half is never recomputed. Earlier blocks are reused when K doubles.

    *Grid.* The grid tensor is computed exactly modulo p (prefix sharing) and matricized; the
    rank of ``A mod p`` is a lower bound on the rank over Q, equal unless p divides every
    r x r minor. Nothing is random (``failure_probability = 0``).

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
    partition, p = _check_common(rac, partition, prime)
    class_index = check_class_index(class_index, rac.C)
    check_choice(method, "method", METHODS)
    if method == "grid":
        result = _grid_rank(rac, partition, p, class_index, templates, max_entries, upper_bound)
    else:
        if templates is not None:
            raise ValueError(
                "templates= applies to method='grid' only; the sampled separation rank "
                "is that of the function (random inputs, no templates)"
            )
        max_samples = positive_int(max_samples, "max_samples")
        bound = _symmetric_value(rac, partition, upper_bound, None)
        rng = np.random.default_rng(check_seed(seed))
        result = _sampled_rank(rac, partition, p, class_index, max_samples, rng, bound)
    return replace(result, seconds=time.perf_counter() - begin)


def _symmetric_value(
    rac: RAC, partition: Partition, upper_bound: CutBound | int | None, templates: int | None
) -> int:
    """The symmetric cut bound's value: given by the caller, or computed here.

    ``templates=None`` is the bound on the separation rank; a count N the bound on the rank of
    the grid tensor with N templates.
    """
    if upper_bound is None:
        return symmetric_bound(rac, partition, templates=templates).value
    if isinstance(upper_bound, CutBound):
        quantity = SEPARATION_RANK if templates is None else GRID_TENSOR_RANK
        if upper_bound.partition != partition or upper_bound.quantity != quantity:
            raise ValueError(
                f"upper_bound must be a bound on the {quantity} for this partition, got "
                f"{upper_bound!r}"
            )
        return upper_bound.value
    return positive_int(upper_bound, "upper_bound")


def _grid_rank(
    rac: RAC,
    partition: Partition,
    p: int,
    class_index: int,
    templates: object,
    max_entries: int | None,
    upper_bound: CutBound | int | None,
) -> RankResult:
    T = partition.T
    N = template_count(templates, rac.M) or rac.M
    max_entries = check_max_entries(max_entries)
    entries = N**T
    if entries > max_entries:
        raise ValueError(
            f"method='grid' needs the grid tensor's {N}^{T} = {entries:,} entries, above "
            f"max_entries={max_entries:,}; use method='sampled' (the separation rank of the "
            "function, which never forms the grid tensor) or pass a larger max_entries="
        )
    A = grid_tensor_mod(rac, T, p, templates, max_entries=max_entries * rac.C)
    if rac.C > 1:
        A = A[..., class_index]
    axes = [t - 1 for t in partition.start] + [t - 1 for t in partition.end]
    matrix = np.ascontiguousarray(A.transpose(axes)).reshape(
        N ** len(partition.start), N ** len(partition.end)
    )
    rank = _flint_rank(matrix, p)
    cut = _symmetric_value(rac, partition, upper_bound, N)
    bound = min(cut, matrix.shape[0], matrix.shape[1])
    return RankResult(
        rank=rank,
        method="grid",
        exact=True,
        prime=p,
        samples=matrix.shape[0],
        failure_probability=0.0,
        certified=rank == bound,
        upper_bound=bound,
        shape=matrix.shape,
        partition=partition,
    )


def _next_samples(K: int, cap: int) -> int:
    # double; but go straight to the cap when doubling would land within 3/4 of it (a round
    # at 2K just below the cap costs nearly as much as the cap itself)
    return 2 * K if 4 * (2 * K) < 3 * cap else cap


def sample_schedule(cap: int) -> list[int]:
    """The sizes K the sampled rank tries, in order, when capped at ``cap``.

    >>> sample_schedule(1144)
    [16, 32, 64, 128, 256, 512, 1144]
    """
    sizes = [min(_FIRST_K, cap)]
    while sizes[-1] < cap:
        sizes.append(_next_samples(sizes[-1], cap))
    return sizes


def failure_bound(cap: int, L: int, T: int, p: int) -> float:
    """Schwartz-Zippel bound on the chance that the sampled rank reports a wrong exact rank.

    ``(cap + sum of the sizes K < cap tried) * C(T+L-1, L) / p``; see :func:`separation_rank`.
    """
    tried = sum(size for size in sample_schedule(cap) if size < cap)
    return min(1.0, (cap + tried) * total_degree(L, T) / p)


def _sampled_rank(
    rac: RAC,
    partition: Partition,
    p: int,
    class_index: int,
    max_samples: int,
    rng: np.random.Generator,
    bound: int,
) -> RankResult:
    T, M = partition.T, rac.M
    weights = rac.modular(p)
    cap = min(bound, max_samples)
    # rows: the side holding time 1, so the prefix up to the other side's first time is shared
    row_times = partition.start if 1 in partition.start else partition.end
    row_set = set(row_times)
    shared = min(t for t in range(1, T + 1) if t not in row_set) - 1
    from_cols = np.array([t not in row_set for t in range(shared + 1, T + 1)], dtype=np.bool_)

    def draw(count: int, steps: int) -> np.ndarray:
        return rng.integers(0, p, size=(count, steps, M), dtype=np.uint64)

    row_prefix = np.empty((0, shared, M), dtype=np.uint64)
    row_rest = np.empty((0, T - shared, M), dtype=np.uint64)
    col_rest = np.empty((0, T - shared, M), dtype=np.uint64)
    starts: list[np.ndarray] = [np.empty((0, rac.R), dtype=np.uint64)] * rac.L
    Y = np.empty((0, 0), dtype=np.uint64)
    K = 0
    target = min(_FIRST_K, cap)
    while True:
        new = target - K
        prefix = draw(new, shared)
        rest_rows, rest_cols = draw(new, T - shared), draw(new, T - shared)
        if shared:
            new_starts = _modular.scan_mod(weights, prefix)
        else:
            new_starts = [np.repeat(h[None], new, axis=0) for h in weights.initial_states]
        row_prefix = np.concatenate([row_prefix, prefix])
        row_rest = np.concatenate([row_rest, rest_rows])
        col_rest = np.concatenate([col_rest, rest_cols])
        starts = [np.concatenate([a, b]) for a, b in zip(starts, new_starts, strict=True)]
        grown = np.empty((target, target), dtype=np.uint64)
        grown[:K, :K] = Y
        if K:  # old rows x new columns
            old = [s[:K] for s in starts]
            grown[:K, K:] = _modular.pair_outputs(
                weights, old, row_rest[:K], col_rest[K:], from_cols, class_index
            )
        grown[K:, :] = _modular.pair_outputs(
            weights, [s[K:] for s in starts], row_rest[K:], col_rest, from_cols, class_index
        )
        Y, K = grown, target
        rank = _flint_rank(Y, p)
        if rank < K or K == cap:
            break
        target = _next_samples(K, cap)
    certified = rank == bound
    exact = rank < K or certified
    failure = 0.0 if certified or not exact else failure_bound(cap, rac.L, T, p)
    return RankResult(
        rank=rank,
        method="sampled",
        exact=exact,
        prime=p,
        samples=K,
        failure_probability=failure,
        certified=certified,
        upper_bound=bound,
        shape=(K, K),
        partition=partition,
    )
