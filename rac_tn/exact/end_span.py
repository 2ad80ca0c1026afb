"""A proven upper bound on the separation rank that is tight at depth >= 3: the End span.

Cut after step k (a partition whose one side is ``1..k``). With ``u^l = W^{H,l} h^{l,k}`` the
output is ``y = G(u(x_start), x_end) = sum_m u(x_start)^m e_m(x_end)``, a sum over the
monomials m of degrees ``d_l = C(T-k-1+L-l, L-l)`` in ``u^l`` (``prod_l ((R, d_l))`` of them:
the symmetric cut's count for this cut). So ``sep <= rank span{e_m}``, the *End span*. The
symmetric cut counts every monomial; at depth >= 3 the ``e_m`` satisfy linear relations
(M = R = 2, L = 3: four of them at every even T >= 6), and the End span meets the separation
rank where the cut does not.

The bound is proven, not probable: relations found modulo random primes
(:mod:`rac_tn.exact.end_relations`) are lifted to integer vectors (Chinese remaindering and
rational reconstruction) and each is verified exactly (:mod:`rac_tn.exact.relation_check`),
and relations whose free coordinates differ are independent. So
``value = monomials - verified relations`` is an upper bound on the End span, hence on the
separation rank, for these very weights; ``span_lower`` (the rank modulo the first prime) is a
lower bound on the End span (not on the separation rank). When the exact values of the End
polynomials on unisolvent grids are few (:data:`EXACT_VALUES`), the End span is instead their
rank over Q, computed exactly (:func:`rac_tn.exact.relation_check.end_value_matrix`): at depth 4
the relations' coefficients grow too long to lift, and M = R = 2, L = 4, T = 6 is certified so.
When the end inputs have fewer monomials than the boundary (deep models, few steps after the
cut), the End span is their count minus relations among functionals on the end inputs, proven
layer by layer (:mod:`rac_tn.exact.layer_relations`).

Examples
--------
>>> from rac_tn import RAC, start_end
>>> rac = RAC.random(2, 2, depth=3, seed=0, integer=True)
>>> bound = end_span_bound(rac, start_end(6), seed=0)
>>> bound.monomials, bound.relations, bound.value, bound.proven_tight
(56, 4, 52, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np

from rac_tn._checks import check_class_index, check_seed
from rac_tn.exact import certify
from rac_tn.exact.boundary_space import BoundarySpace, boundary_degrees, rational_rank
from rac_tn.exact.end_relations import (
    MAX_PRIMES,
    RelationLift,
    coefficient_rows,
    end_values_mod,
    left_kernel,
    sub_grid,
)
from rac_tn.exact.layer_relations import MAX_END_MONOMIALS, layer_relation_bound
from rac_tn.exact.relation_check import (
    IntegerWeights,
    check_relations,
    end_monomial_count,
    end_value_count,
    end_value_matrix,
    integral,
)
from rac_tn.models import BilinearModel
from rac_tn.models.rac import RAC
from rac_tn.partition import Partition
from rac_tn.results import Serialisable

#: Largest boundary space handled (monomials): its kernel modulo p is an N x N elimination.
#: M = R = 2, L = 3 reaches T = 32 (4,658); width 4, L = 3, T = 6 (6,720) would take minutes.
MAX_MONOMIALS = 5_000
#: Largest exact End-value matrix (boundary grid points times end lattice points) whose rank
#: over Q is computed directly instead of lifting relations: about a second at M = R = 2, L = 4,
#: T = 6 (616 x 110), where the relations' coefficients grow too long to lift.
EXACT_VALUES = 250_000
#: ``separation_rank`` gives the End span this many seconds at least, or this many times the
#: rank's own time: at depth 4 the relations' coefficients grew for minutes without lifting.
REFINE_MIN_SECONDS = 20.0
REFINE_TIMES = 3.0
#: When the End span modulo p meets the target rank, lifting may use this many times more primes.
TARGET_PRIMES = 4
_EXTRA = 16  # random end parts beyond the rank needed


@dataclass(frozen=True)
class EndSpanBound(Serialisable):
    """A proven upper bound on a separation rank: the End span's monomials minus relations.

    Attributes
    ----------
    value
        ``monomials - relations``: an upper bound on the End span and so on the separation
        rank of this model, proven (every relation counted was verified exactly).
    monomials
        The number of boundary monomials, ``prod_l ((R, d_l))``.
    relations
        Linear relations among the ``e_m`` proven (independent): verified exactly, or implied
        by relations among the end inputs' functionals proven layer by layer
        (:mod:`rac_tn.exact.layer_relations`, when the end inputs have fewer monomials).
    span_lower
        A certified lower bound on the End span: its rank modulo a random prime (equal to it
        unless the prime or the points were unlucky), or the ``target`` rank the bound met.
    degrees
        ``d_l``, the output's degree in ``u^l``.
    cut
        k: the boundary is after step k.
    partition
        The partition (one side is ``1..k``).
    class_index
        The output ``y_c``.
    primes
        The primes used (the first finds the relations, the others lift them).
    note
        How the value was obtained, in words.
    seconds
        Wall time (not compared).
    """

    value: int
    monomials: int
    relations: int
    span_lower: int
    degrees: tuple[int, ...]
    cut: int
    partition: Partition
    class_index: int = 0
    primes: tuple[int, ...] = ()
    note: str = ""
    seconds: float = field(default=0.0, compare=False)

    @property
    def proven_tight(self) -> bool:
        """True when ``value == span_lower``: the End span's rank is then exactly ``value``."""
        return self.value == self.span_lower

    def __int__(self) -> int:
        return self.value


def prefix_cut(partition: Partition) -> int | None:
    """The k of a partition whose start or end is ``{1..k}``, else None.

    >>> from rac_tn import start_end, interleaved
    >>> prefix_cut(start_end(8)), prefix_cut(interleaved(4))
    (4, None)
    """
    for side in (partition.start, partition.end):
        if side == tuple(range(1, len(side) + 1)):
            return len(side)
    return None


def integer_model(rac: RAC) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, list]:
    """``(W^I, W^H, W^O, initial states)`` as exact integers, each array scaled on its own.

    A family's RAC equivalent keeps its exact composites (float64 may not hold them); scaling
    one array by a positive constant scales y by one constant, so ranks do not change.
    """
    exact = getattr(rac, "_exact", None)
    if exact is not None:
        return (
            [w.numer for w in exact["input_weights"]],
            [w.numer for w in exact["hidden_weights"]],
            exact["output_weights"][0].numer,
            [h.numer for h in exact["initial_states"]],
        )
    return (
        [integral(w) for w in rac.input_weights],
        [integral(w) for w in rac.hidden_weights],
        integral(rac.output_weights),
        [integral(h) for h in rac.initial_states],
    )


def integer_weights(rac: RAC, class_index: int) -> IntegerWeights:
    """The model's weights as exact integers (each array scaled by its own positive integer)."""
    inputs, hiddens, output, _ = integer_model(rac)
    readout = np.asarray(output[class_index], dtype=object)
    return IntegerWeights.of(tuple(inputs), tuple(hiddens), readout)


def end_span_bound(
    rac: RAC | BilinearModel,
    partition: Partition,
    *,
    class_index: int = 0,
    seed: int | np.random.Generator | None = None,
    max_primes: int = MAX_PRIMES,
    target: int | None = None,
    max_seconds: float | None = None,
    exact_values: int = EXACT_VALUES,
) -> EndSpanBound:
    """The End-span upper bound on the separation rank, proven by exactly verified relations.

    Parameters
    ----------
    rac
        The model (a RAC, or a family, ranked through its exact RAC equivalent).
    partition
        A partition whose start or end is ``1..k`` (Start-End at any T, or any prefix cut).
    class_index
        Which output ``y_c``.
    seed
        Seeds the primes and the random points.
    max_primes
        Primes tried at most to lift the relations (``TARGET_PRIMES`` times more when the End
        span modulo p meets ``target``).
    target
        A certified lower bound on the separation rank (a sampled rank) that the bound should
        meet. Relations are then first sought among the monomials whose ``u^1`` part uses
        fewer coordinates (few rows, few grid points), and lifted as soon as they are enough
        to meet ``target``; otherwise the full kernel is computed and lifted only when the End
        span modulo p equals ``target`` (else ``value`` is the monomial count). Without it the
        full kernel is computed and lifted.
    max_seconds
        A time budget: no further prime is tried after it (the relations are then not
        lifted, and ``value`` is the monomial count). Relations with long coefficients (deep
        models) can otherwise take many primes of growing big-integer work.
    exact_values
        When the exact End values (boundary grid times end lattices) number at most this, the
        End span is their rank over Q (FLINT), with no prime and no relation to lift.

    Returns
    -------
    EndSpanBound
        ``value`` is always a proven upper bound (the monomial count when no relation could be
        verified); ``note`` says how it was obtained.

    Raises
    ------
    TypeError
        When ``rac`` is not a model or ``partition`` not a :class:`Partition`.
    ValueError
        When neither side of the partition is ``1..k``, or the boundary space has more than
        :data:`MAX_MONOMIALS` monomials, the exact End values are more than ``exact_values``
        and the end inputs' monomials are not fewer than the boundary's (or above
        :data:`~rac_tn.exact.layer_relations.MAX_END_MONOMIALS`).

    Notes
    -----
    The monomials, their grid and the point form of a functional are in
    :mod:`rac_tn.exact.boundary_space`; the search for relations modulo primes in
    :mod:`rac_tn.exact.end_relations`; the exact proof that relations hold in
    :mod:`rac_tn.exact.relation_check`. Relations are counted only after that proof, and they
    are independent (each is 1 on its own free monomial and 0 on the others'), so
    ``monomials - relations`` bounds the rank of the ``e_m`` over Q, whatever the primes.
    """
    begin = time.perf_counter()
    to_rac = getattr(rac, "to_rac", None)  # every model answers it; a RAC with itself
    if not callable(to_rac):
        raise TypeError(f"rac must be a rac_tn.RAC or a model family, got {type(rac).__name__}")
    rac = to_rac()
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    class_index = check_class_index(class_index, rac.C)
    k = prefix_cut(partition)
    if k is None:
        raise ValueError(
            f"the End span needs a partition whose start or end is 1..k (a cut after step k), "
            f"got {partition}"
        )
    T = partition.T
    weights = integer_weights(rac, class_index)
    space = BoundarySpace(weights.widths, boundary_degrees(rac.L, T, k))
    N = space.size
    if end_value_count(weights, T, k) <= exact_values:  # small: the End span's rank over Q
        rank = rational_rank(end_value_matrix(weights, T, k))
        return EndSpanBound(
            value=rank,
            monomials=N,
            relations=N - rank,
            span_lower=rank,
            degrees=space.degrees,
            cut=k,
            partition=partition,
            class_index=class_index,
            note="the exact rank of the End values on unisolvent grids (no prime)",
            seconds=time.perf_counter() - begin,
        )
    rng = np.random.default_rng(check_seed(seed))
    deadline = None if max_seconds is None else begin + float(max_seconds)
    if end_monomial_count(weights, T, k) < min(N, MAX_END_MONOMIALS + 1):  # the smaller side
        found = layer_relation_bound(weights, T, k, rng, target, deadline, max_primes)
        return EndSpanBound(
            value=found.value,
            monomials=N,
            relations=N - found.value,
            span_lower=found.span_lower,
            degrees=space.degrees,
            cut=k,
            partition=partition,
            class_index=class_index,
            primes=found.primes,
            note=f"{found.end_monomials} end monomials: {found.note}",
            seconds=time.perf_counter() - begin,
        )
    if N > MAX_MONOMIALS:
        raise ValueError(
            f"the End span at this cut has {N:,} boundary monomials, above {MAX_MONOMIALS:,} "
            "(its kernel modulo p would be an N x N elimination)"
        )
    grid = space.grid_points().astype(np.uint64)

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    def kernel_mod(p: int, columns: int, rows: tuple[int, ...] | None):
        ends = rng.integers(0, p, size=(columns, T - k, rac.M), dtype=np.uint64)
        if rows is None:
            values = end_values_mod(rac.modular(p), grid, ends, class_index, weights.lifts)
            return left_kernel(coefficient_rows(space, values, p), p)
        monomials, used, where = sub_grid(space, rows)
        points = _product_points(space, used)
        values = end_values_mod(rac.modular(p), points, ends, class_index, weights.lifts)
        coeffs = coefficient_rows(space, values, p, (monomials, used))
        return left_kernel(coeffs[where], p, rows)

    def result(value: int, relations: int, note: str) -> EndSpanBound:
        return EndSpanBound(
            value=value,
            monomials=N,
            relations=relations,
            span_lower=lower,
            degrees=space.degrees,
            cut=k,
            partition=partition,
            class_index=class_index,
            primes=tuple(primes),
            note=note,
            seconds=time.perf_counter() - begin,
        )

    # find the relations modulo a small prime (the fastest kernels), lift them at large ones.
    # Asked for a target, first look among the monomials whose u^1 part uses few coordinates
    # (where the relations of generic weights live), on the few grid points they need
    primes: list[int] = []
    first = search = None
    for rows in _tiers(space) if target is not None else ():
        if out_of_time():
            return result(N, 0, f"relations not sought: the {max_seconds:g} s budget was spent")
        primes.append(_prime(rng, weights, primes, large=False))
        kernel = kernel_mod(primes[-1], len(rows) + _EXTRA, rows)
        if N - len(kernel.free) == target:
            first, search, lower = kernel, rows, target
            break
    if first is None:
        primes.append(_prime(rng, weights, primes, large=False))
        first = kernel_mod(primes[-1], N + _EXTRA, None)
        lower = first.span_rank
        if not first.free:
            return result(N, 0, "no relation modulo p: the bound is the monomial count")
        if target is not None and lower != target:
            return result(N, 0, f"relations not lifted: the End span modulo p is {lower}")
    s, support = len(first.free), first.support
    lift, misses = RelationLift(first.rows, primes[-1]), 0
    # relations whose End span modulo p meets the target are worth more primes: float weights
    # (large dyadic numerators) give relations with long rational coefficients
    budget = max_primes if target is None or lower != target else TARGET_PRIMES * max_primes
    while len(primes) < budget:
        if out_of_time():
            return result(N, 0, f"relations not lifted within the {max_seconds:g} s budget")
        p = _prime(rng, weights, primes)
        kernel = kernel_mod(p, len(support) + _EXTRA, support)
        primes.append(p)
        if kernel.free != first.free or kernel.support != support:
            misses += 1
            if misses == 2:  # the first prime was the unlucky one: start again at this one
                columns = N + _EXTRA if search is None else len(search) + _EXTRA
                first = kernel_mod(p, columns, search)
                s, support = len(first.free), first.support
                lift, misses = RelationLift(first.rows, p), 0
                if s == 0:
                    return result(N, 0, "no relation modulo p: the bound is the monomial count")
            continue  # an unlucky prime: another normal form
        lifted = lift.add(kernel.rows, p)
        if lifted is None:
            continue
        full = np.zeros((s, N), dtype=object)
        full[:, list(support)] = lifted
        if check_relations(weights, T, k, full, p):
            return result(N - s, s, f"{s} relations verified exactly")
    return result(N, 0, f"relations not lifted within {budget} primes")


def _tiers(space: BoundarySpace) -> list[tuple[int, ...]]:
    """Monomials whose ``u^1`` part has at most 1, 2, ... (fewer than all) nonzero exponents."""
    digits = np.unravel_index(np.arange(space.size), space.shape)[0]
    used = (space.exponents[0] > 0).sum(axis=1)[digits]
    return [tuple(np.nonzero(used <= t)[0].tolist()) for t in range(1, space.widths[0])]


def _product_points(space: BoundarySpace, used: list[np.ndarray]) -> np.ndarray:
    """The grid points of the product of the layers' chosen lattice points (uint64)."""
    grids = np.meshgrid(*[np.asarray(u) for u in used], indexing="ij")
    out = np.zeros((grids[0].size, len(used), max(space.widths)), dtype=np.uint64)
    for layer, g in enumerate(grids):
        e = space.exponents[layer]
        out[:, layer, : e.shape[1]] = e[g.ravel()]
    return out


def _prime(
    rng: np.random.Generator, weights: IntegerWeights, used: Collection[int], large: bool = True
) -> int:
    """A random prime not used yet and dividing no denominator of the lifts."""
    while True:
        p = certify.random_prime(rng, large=large, avoid=used)
        if all(denom % p for _, denom in weights.lifts):
            return p


def end_span_refiner(
    rac: RAC,
    partition: Partition,
    class_index: int,
    rng: np.random.Generator,
    started: float | None = None,
    deadline: float | None = None,
) -> Callable[[int], EndSpanBound | None] | None:
    """For :func:`rac_tn.separation_rank`: the End span as a function of the rank to meet.

    None when no side of the partition is ``1..k``; the function returns None when the
    boundary space is above :data:`MAX_MONOMIALS`. Each call may take
    :data:`REFINE_MIN_SECONDS`, or :data:`REFINE_TIMES` the time since ``started`` (the rank's
    own time) if longer, and never past ``deadline``: a certificate that would cost far more
    than the rank is not sought.
    """
    if prefix_cut(partition) is None:
        return None
    begin = time.perf_counter() if started is None else started

    def refine(rank: int) -> EndSpanBound | None:
        seed = int(rng.integers(1 << 62))
        now = time.perf_counter()
        budget = max(REFINE_MIN_SECONDS, REFINE_TIMES * (now - begin))
        if deadline is not None:
            budget = min(budget, deadline - now)
            if budget <= 0:
                return None
        try:
            return end_span_bound(
                rac, partition, class_index=class_index, seed=seed, target=rank,
                max_seconds=budget,
            )  # fmt: skip
        except ValueError:  # too many boundary monomials
            return None

    return refine
