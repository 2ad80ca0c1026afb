"""The rows of a Report, and the builders that label computed results as rows.

:class:`ReportRow` and :class:`ModelSizes` make up a :class:`rac_tn.analysis.Report`; the
builders turn computed results (theorem values, cuts, ranks) into labelled rows.

Nothing here computes a bound or a rank; :func:`rac_tn.analysis.analyze` does, and hands the
results over. ``ReportRow`` and ``ModelSizes`` are re-exported by :mod:`rac_tn.analysis`,
where they are documented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rac_tn.bounds.cut_bound import CutBound
from rac_tn.bounds.theorems import TheoremBounds
from rac_tn.exact.end_span import EndSpanBound
from rac_tn.exact.rank import RankResult
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC  # noqa: F401 - the examples use it
from rac_tn.results import GRID_TENSOR_RANK, SEPARATION_RANK, Claim, Quantity, Serialisable

__all__ = [
    "EXACT_ORIGIN",
    "ModelSizes",
    "ReportRow",
    "end_span_row",
    "for_class",
    "generic_row",
    "grid_row",
    "network_row",
    "sampled_row",
    "skipped_grid_row",
    "skipped_network_row",
    "symmetric_rows",
    "theorem_rows",
]

#: The origin of the exact ranks' rows.
EXACT_ORIGIN = "exact computation mod p"


_SYMMETRIC_ORIGIN = "symmetric cut (computation grid)"
_THEOREM_NOTES = {
    "shallow_upper": "upper bound for every choice of weights (L = 1)",
    "depth2_lower": "lower bound for all weights outside a null set (generic weights), L = 2",
}


@dataclass(frozen=True)
class ReportRow(Serialisable):
    """One number of a :class:`Report`.

    Attributes
    ----------
    quantity
        What the number is about: the ``'separation rank'`` of the function, or the
        ``'grid-tensor rank'`` of the matricized grid tensor with the identity templates.
    value
        An exact int, or None when the computation was skipped (see ``note``).
    claim
        What the number claims, one of :data:`rac_tn.results.CLAIMS`.
    origin
        Where it comes from: a theorem, a cut, an exact computation.
    method
        How it was computed.
    seconds
        Wall time.
    note
        Conditions, certification or why the row was skipped.

    Examples
    --------
    >>> row = ReportRow("separation rank", 6, "upper bound", "symmetric cut", "max-flow")
    >>> row.log2 == math.log2(6), ReportRow.from_dict(row.to_dict()) == row
    (True, True)
    """

    quantity: Quantity
    value: int | None
    claim: Claim
    origin: str
    method: str
    seconds: float = field(default=0.0, compare=False)
    note: str = ""

    @property
    def log2(self) -> float | None:
        """``log2(value)`` (None when skipped)."""
        if self.value is None:
            return None
        return math.log2(self.value) if self.value > 0 else 0.0


@dataclass(frozen=True)
class ModelSizes(Serialisable):
    """The sizes of the analysed model: ``M``, ``R``, ``L``, ``C`` and integer weights or not.

    A model family also records its name, its CP rank ``K`` (None but for a CP core) and
    whether it has affine terms; it prints in the second-order papers' symbols (d, n, K).
    The field ``C`` is the number of classes (the RAC's attribute); printed, it is ``Y``, as
    in the diagrams, since a CP-2RNN's ``C`` is its factor.

    Examples
    --------
    >>> sizes = ModelSizes.of(RAC.random(2, 3, depth=2, seed=0))
    >>> sizes
    ModelSizes(M=2, R=3, L=2, C=1, integer=False, family='rac', K=None, bias=False)
    >>> print(sizes)
    RAC(M=2, R=3, L=2, Y=1)
    """

    M: int
    R: int
    L: int
    C: int
    integer: bool
    family: str = "rac"
    K: int | None = None
    bias: bool = False

    _json_optional = ("family", "K", "bias")  # a RAC's sizes are M, R, L, C and integer

    @classmethod
    def of(cls, rac: RecurrentModel) -> ModelSizes:
        """Read the sizes of ``rac`` (or of a model family: d, n, L, number of classes)."""
        family = getattr(rac, "family", "rac")
        sizes = (rac.input_dim, rac.hidden_dim, rac.depth, rac.num_classes, rac.is_integer)
        if family == "rac":
            return cls(*sizes)
        return cls(*sizes, family, rac.rank, rac.bias)

    def __str__(self) -> str:
        return f"{'RAC' if self.family == 'rac' else self.family}({self.symbols()})"

    def symbols(self) -> str:
        """The sizes in the papers' letters: ``M=2, R=3, L=2, Y=1`` (a family: d, n, K)."""
        if self.family == "rac":
            return f"M={self.M}, R={self.R}, L={self.L}, Y={self.C}"
        rank = "" if self.K is None else f", K={self.K}"
        affine = ", affine" if self.bias else ""
        return f"d={self.M}, n={self.R}{rank}, L={self.L}, Y={self.C}{affine}"


def theorem_rows(theorems: TheoremBounds, seconds: float) -> list[ReportRow]:
    """One row per theorem value (Start-End partitions only), each timed ``seconds``."""
    return [
        ReportRow(
            quantity=entry.quantity,
            value=entry.value,
            claim="theorem value" if entry.origin.startswith("paper") else entry.claim,
            origin=entry.origin,
            method="closed form",
            seconds=seconds,
            note=_THEOREM_NOTES.get(name, entry.statement)
            if entry.origin.startswith("paper")
            else entry.statement,
        )
        for name, entry in theorems.items()
    ]


def symmetric_rows(sym: CutBound, sym_grid: CutBound, M: int) -> list[ReportRow]:
    """The symmetric cut's rows: on the function, and on the grid tensor with N = M."""
    return [
        ReportRow(
            SEPARATION_RANK,
            sym.value,
            "upper bound",
            _SYMMETRIC_ORIGIN,
            "max-flow, both orientations, exact recount",
            sym.seconds,
            f"U upstream of the {sym.upstream} inputs; {len(sym.cut)} boundary nodes",
        ),
        ReportRow(
            GRID_TENSOR_RANK,
            sym_grid.value,
            "upper bound",
            _SYMMETRIC_ORIGIN,
            f"max-flow, inputs capped at N = {M} templates",
            sym_grid.seconds,
        ),
    ]


def for_class(result: RankResult, num_classes: int) -> str:
    """The ``'class c: '`` prefix of a rank's method when the model has several classes."""
    return f"class {result.class_index}: " if num_classes > 1 else ""


def sampled_row(result: RankResult, num_classes: int) -> ReportRow:
    """The row of a sampled (exact, mod p) separation rank."""
    return ReportRow(
        SEPARATION_RANK,
        result.rank,
        result.claim,
        EXACT_ORIGIN,
        f"{for_class(result, num_classes)}sampled {result.samples} x {result.samples} "
        "evaluations, FLINT rank",
        result.seconds,
        result.status,
    )


def generic_row(lower: int, upper: int, bound: str = "the proven upper bound") -> ReportRow:
    """The bracket on the generic separation rank: this model's rank up to the proven bound.

    ``bound`` names the upper bound valid for every weight (the argument when they meet).
    """
    proven = lower == upper
    return ReportRow(
        SEPARATION_RANK,
        lower,
        "exact rank" if proven else "certified lower bound",
        "generic rank of the architecture",
        f"this model's rank (a lower bound for generic weights) and {bound}",
        0.0,
        f"generic rank proven = {lower}" if proven else f"generic rank in [{lower}, {upper}]",
    )


def end_span_row(bound: EndSpanBound, num_classes: int) -> ReportRow:
    """The End-span bound's row: an upper bound for these weights, proven (its note says how)."""
    prefix = f"class {bound.class_index}: " if num_classes > 1 else ""
    return ReportRow(
        SEPARATION_RANK,
        bound.value,
        "upper bound",
        f"End span (boundary states after step {bound.cut})",
        f"{prefix}rank of the End polynomials of {bound.monomials} boundary monomials, proven "
        f"(the note says how)",
        bound.seconds,
        f"{bound.note}; for these weights only: evidence on the generic rank, not a bound on it",
    )


def network_row(bound: CutBound, kind: str, count: int, built: float) -> ReportRow:
    """The network cut's row: ``bound`` on a ``kind`` network of ``count`` tensors.

    ``built`` is the time the network took to build, added to the cut's own time.
    """
    categories = sorted({element.category for element in bound.cut})
    return ReportRow(
        GRID_TENSOR_RANK,
        bound.value,
        "upper bound",
        "network cut",
        f"max-flow on the {kind} network",
        built + bound.seconds,
        f"{len(bound.cut)} cut elements ({', '.join(categories)}); {count:,} tensors",
    )


def skipped_network_row(count: int, limit: int) -> ReportRow:
    """The network cut's row when the network would have ``count`` > ``limit`` tensors."""
    return ReportRow(
        GRID_TENSOR_RANK,
        None,
        "upper bound",
        "network cut",
        "max-flow on the compiled network",
        0.0,
        f"skipped: the network would have {count:,} tensors > {limit:,}",
    )


def grid_row(grid: RankResult, num_classes: int) -> ReportRow:
    """The row of an exact grid-tensor rank (the matricization's FLINT rank)."""
    return ReportRow(
        GRID_TENSOR_RANK,
        grid.rank,
        grid.claim,
        EXACT_ORIGIN,
        f"{for_class(grid, num_classes)}{grid.shape[0]} x {grid.shape[1]} matricization, "
        "FLINT rank",
        grid.seconds,
        grid.status,
    )


def skipped_grid_row(M: int, T: int, max_entries: int) -> ReportRow:
    """The grid rank's row when the grid tensor's ``M**T`` entries exceed ``max_entries``."""
    return ReportRow(
        GRID_TENSOR_RANK,
        None,
        "exact rank",
        EXACT_ORIGIN,
        "matricized grid tensor",
        0.0,
        f"skipped: {M}^{T} entries > max_entries={max_entries:,}",
    )
