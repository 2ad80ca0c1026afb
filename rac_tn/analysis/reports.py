"""All bounds and ranks for one RAC and one partition, side by side.

:func:`analyze` gathers the paper's theorem values, the closed forms, the network-cut and
symmetric-cut bounds and the exact ranks into a frozen :class:`Report`; every row says what its
number claims (an upper bound, a lower bound, a theorem value, an exact rank with its failure
probability, a numerical estimate), where it comes from and how long it took. Each bound is
computed once and handed on (the symmetric cut caps and certifies the sampled rank; the
theorem values stay on the report for :func:`rac_tn.analysis.sweeps.sweep_row`).

Examples
--------
>>> from rac_tn import RAC, start_end
>>> report = analyze(RAC.random(2, 2, depth=2, seed=0, integer=True), start_end(8))
>>> [(row.claim, row.value) for row in report.rows if row.origin.startswith("symmetric")][0]
('upper bound', 10)
>>> report.rank.rank
10
>>> import json
>>> Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report
True
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any

from rac_tn._checks import DEFAULT_MAX_ENTRIES, check_class_index, positive_int
from rac_tn._format import short_int
from rac_tn.analysis.report_rows import (
    ModelSizes,
    ReportRow,
    end_span_row,
    generic_row,
    grid_row,
    network_row,
    sampled_row,
    skipped_grid_row,
    skipped_network_row,
    symmetric_rows,
    theorem_rows,
)
from rac_tn.analysis.tables import REPORT_COLUMNS, frame, report_records
from rac_tn.bounds.cut_bound import CutBound
from rac_tn.bounds.dead_points import dead_point_bound, dead_point_relations
from rac_tn.bounds.network_cut import network_cut_bound
from rac_tn.bounds.symmetric import symmetric_bound
from rac_tn.bounds.theorems import TheoremBounds, family_theorem_bounds, theorem_bounds
from rac_tn.exact.end_span import prefix_cut
from rac_tn.exact.hankel import HankelRank, hankel_rank
from rac_tn.exact.rank import DEFAULT_MAX_SAMPLES, RankResult, separation_rank
from rac_tn.models.rac import RAC
from rac_tn.network.compiled import compile_rac, count_tensors
from rac_tn.partition import Partition, as_partition
from rac_tn.results import HANKEL_RANK, SEPARATION_RANK

__all__ = [
    "NETWORK_CUT_MAX_TENSORS",
    "ModelSizes",
    "Report",
    "ReportRow",
    "analyze",
]

#: ``analyze`` builds the compiled network for the network-cut row only up to this many tensors
#: (far below :data:`rac_tn.network.DEFAULT_MAX_TENSORS`: that row is one of many, and the
#: symmetric cut, which never duplicates, bounds the same rank more tightly).
NETWORK_CUT_MAX_TENSORS = 20_000

#: The results a Report holds besides its rows, and their types (for ``from_dict``).
_RESULT_TYPES: dict[str, Any] = {
    "theorems": TheoremBounds,
    "symmetric_bound": CutBound,
    "symmetric_grid_bound": CutBound,
    "network_bound": CutBound,
}
#: ... and the per-class ranks (tuples of RankResult).
_RANK_TUPLES = ("ranks", "grid_ranks")


@dataclass(frozen=True)
class Report:
    """Bounds and ranks of one RAC for one partition; see :func:`analyze`.

    Attributes
    ----------
    model
        The model's sizes (what :meth:`to_dict` stores of it).
    partition
        The partition analysed.
    rows
        One :class:`ReportRow` per number, in the order :func:`analyze` lists.
    theorems
        The closed forms (Start-End only, else None).
    symmetric_bound, symmetric_grid_bound, network_bound
        The cut bounds: the function's symmetric cut, the grid tensor's (inputs capped at
        ``M`` templates) and the compiled network's (None when skipped).
    classes
        The classes ``c`` whose output ``y_c`` was ranked: every class unless
        :func:`analyze` was asked for one.
    ranks, grid_ranks
        The exact sampled separation rank and grid rank of each of those classes (empty when
        not computed or skipped).
    generic_lower, generic_upper
        The generic separation rank of the architecture (the same sizes, generic weights) lies
        in ``[generic_lower, generic_upper]``: the largest rank found for this model is a
        certified lower bound on it (a nonzero minor mod p is nonzero over Q, and rank is
        lower semicontinuous in the weights), the symmetric cut an upper bound for every
        weight (at a cut of a RAC of depth >= 3 also the dead-boundary-point bound,
        :mod:`rac_tn.bounds.dead_points`). Proven when they meet.
    notes
        What the numbers are about, said before the rows (for loaded weights: the
        identity-activation circuit, the exact reading of float weights).
    rac
        The model itself, kept for drawing; not compared and not serialised.
    """

    model: ModelSizes
    partition: Partition
    rows: tuple[ReportRow, ...]
    theorems: TheoremBounds | None = None
    symmetric_bound: CutBound | None = None
    symmetric_grid_bound: CutBound | None = None
    network_bound: CutBound | None = None
    classes: tuple[int, ...] = (0,)
    ranks: tuple[RankResult, ...] = ()
    grid_ranks: tuple[RankResult, ...] = ()
    generic_lower: int | None = None
    generic_upper: int | None = None
    notes: tuple[str, ...] = ()
    rac: RAC | None = field(default=None, compare=False, repr=False)

    @property
    def rank(self) -> RankResult | None:
        """The sampled separation rank when one class was ranked (else see :attr:`ranks`)."""
        return self.ranks[0] if len(self.ranks) == 1 else None

    @property
    def grid_rank(self) -> RankResult | None:
        """The grid rank when one class was ranked (else see :attr:`grid_ranks`)."""
        return self.grid_ranks[0] if len(self.grid_ranks) == 1 else None

    @property
    def generic_proven(self) -> bool:
        """True when the bracket on the generic separation rank is closed."""
        return self.generic_lower is not None and self.generic_lower == self.generic_upper

    def to_dict(self) -> dict[str, Any]:
        """Return plain data: ints stay exact Python ints, the whole dict is JSON-serialisable."""
        part = self.partition
        notes = {"notes": list(self.notes)} if self.notes else {}
        return {
            **notes,
            "rac": self.model.to_dict(),
            "T": part.T,
            "partition": str(part),
            "start": list(part.start),
            "end": list(part.end),
            "rows": [row.to_dict() for row in self.rows],
            **{
                name: None if (result := getattr(self, name)) is None else result.to_dict()
                for name in _RESULT_TYPES
            },
            "classes": list(self.classes),
            **{name: [r.to_dict() for r in getattr(self, name)] for name in _RANK_TUPLES},
            "generic_lower": self.generic_lower,
            "generic_upper": self.generic_upper,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild the report that :meth:`to_dict` described (without the live ``rac``)."""
        return cls(
            model=ModelSizes.from_dict(data["rac"]),
            partition=Partition(data["T"], data["start"]),
            rows=tuple(ReportRow.from_dict(row) for row in data["rows"]),
            **{
                name: None if data.get(name) is None else kind.from_dict(data[name])
                for name, kind in _RESULT_TYPES.items()
            },
            classes=tuple(data.get("classes", (0,))),
            **{
                name: tuple(RankResult.from_dict(r) for r in data.get(name, ()))
                for name in _RANK_TUPLES
            },
            generic_lower=data.get("generic_lower"),
            generic_upper=data.get("generic_upper"),
            notes=tuple(data.get("notes", ())),
        )

    def to_markdown(self) -> str:
        """Format the report as a markdown table, one row per number."""
        lines = [
            f"**{'RAC' if self.model.family == 'rac' else self.model.family}** "
            f"M={self.model.M}, R={self.model.R}, L={self.model.L}, C={self.model.C}; "
            f"T={self.partition.T}; partition {self.partition}",
            *(f"\nNote: {note}." for note in self.notes),
            "",
            "| quantity | value | log2 | claim | origin | method | seconds | note |",
            "|---|---:|---:|---|---|---|---:|---|",
        ]
        for row in self.rows:
            value = "—" if row.value is None else short_int(row.value, 14)
            log2 = "—" if row.log2 is None else f"{row.log2:.4g}"
            lines.append(
                f"| {row.quantity} | {value} | {log2} | {row.claim} | {row.origin} | "
                f"{row.method} | {row.seconds:.3g} | {row.note} |"
            )
        return "\n".join(lines)

    def to_dataframe(self) -> Any:
        """The rows as a pandas DataFrame (pandas is optional: ``rac_tn[dataframe]``).

        Columns: ``quantity``, ``value`` (exact: ``Int64``, or Python ints beyond int64),
        ``log2``, ``claim``, ``origin``, ``method``, ``seconds``, ``note``.

        Examples
        --------
        >>> report = analyze(RAC.random(2, 2, seed=0, integer=True), "start-end", T=4)
        >>> report.to_dataframe().loc[:2, ["value", "claim"]]
           value          claim
        0      2  theorem value
        1      2    upper bound
        2      2    upper bound
        """
        return frame(report_records(self), REPORT_COLUMNS)

    def _repr_html_(self) -> str:
        """An HTML table for notebooks (Jupyter shows it instead of the repr)."""
        cells = []
        for row in self.rows:
            value = "skipped" if row.value is None else short_int(row.value, 14)
            title = "" if row.value is None else f' title="{row.value}"'
            cells.append(
                "<tr>"
                f"<td>{html.escape(row.quantity)}</td>"
                f'<td style="text-align:right"{title}>{html.escape(value)}</td>'
                f"<td>{html.escape(row.claim)}</td><td>{html.escape(row.origin)}</td>"
                f"<td>{html.escape(row.method)}</td>"
                f'<td style="text-align:right">{row.seconds:.3g}</td>'
                f"<td>{html.escape(row.note)}</td>"
                "</tr>"
            )
        head = "".join(
            f"<th>{name}</th>"
            for name in ("quantity", "value", "claim", "origin", "method", "seconds", "note")
        )
        caption = html.escape(f"{self.model}, T = {self.partition.T}, partition {self.partition}")
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(cells)}</tbody></table>"
        )

    def __repr__(self) -> str:
        head = f"Report for {self.model}, T={self.partition.T}, partition {self.partition}"
        head += "".join(f"\n  note: {note}" for note in self.notes)
        width = max((len(row.quantity) for row in self.rows), default=0)
        body = []
        for row in self.rows:
            value = "skipped" if row.value is None else short_int(row.value, 14)
            note = f"  [{row.note}]" if row.note else ""
            body.append(
                f"  {row.quantity:<{width}}  {value:>14}  {row.claim:<21}  {row.origin}"
                f" ({row.method}, {row.seconds:.2g} s){note}"
            )
        return "\n".join([head, *body])


def analyze(
    rac: RAC,
    partition: Partition | str,
    *,
    exact: bool = True,
    T: int | None = None,
    seed: int | None = 0,
    max_tensors: int = NETWORK_CUT_MAX_TENSORS,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    class_index: int | None = None,
) -> Report:
    """Compute every bound and rank for ``rac`` and ``partition``, each labelled and timed.

    Parameters
    ----------
    rac
        The model.
    partition
        A :class:`~rac_tn.partition.Partition`, or ``'start-end'`` / ``'interleaved'``
        together with ``T``.
    exact
        Also compute the exact ranks (sampled separation rank; grid rank when the grid
        tensor has at most ``max_entries`` entries).
    T
        Sequence length, needed only when ``partition`` is given by name.
    seed
        Seed for the sampled rank's random points.
    max_tensors
        Build the compiled network for the network cut only up to this many tensors.
    max_entries
        Largest grid tensor (``M^T`` entries) for the exact grid rank.
    max_samples
        Cap on the sampled rank's K (passed to :func:`rac_tn.separation_rank`); a rank that
        reaches it is reported as a certified lower bound. Raise it for larger ranks.
    class_index
        Rank the output ``y_c`` of this class only; by default every class (each row says
        which).

    Returns
    -------
    Report
        Rows, in order: the closed forms (Start-End only), the symmetric cut (function and
        grid tensor), the network cut, the exact separation rank (with its End-span bound
        when that was computed: a rank below the symmetric cut at a partition whose one side
        is ``1..k``) and the exact grid rank of each class, the dead-boundary-point bound
        (a cut of a RAC of depth >= 3, when below the symmetric cut) and the bracket on the
        generic separation rank.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> report = analyze(RAC.random(2, 3, seed=0, integer=True), "interleaved", T=4)
    >>> report.rank.rank, report.grid_rank.rank
    (4, 4)
    """
    partition = as_partition(partition, T)
    max_tensors = positive_int(max_tensors, "max_tensors")
    max_entries = positive_int(max_entries, "max_entries")
    max_samples = positive_int(max_samples, "max_samples")
    rows: list[ReportRow] = []

    theorems = None
    if partition.is_start_end:
        begin = time.perf_counter()
        theorems = _closed_forms(rac, partition.T)
        rows += theorem_rows(theorems, time.perf_counter() - begin)

    sym = symmetric_bound(rac, partition)
    sym_grid = symmetric_bound(rac, partition, templates=rac.input_dim)
    rows += symmetric_rows(sym, sym_grid, rac.input_dim)

    network, row = _network_cut(rac, partition, max_tensors)
    rows.append(row)

    C = rac.num_classes
    classes = tuple(range(C)) if class_index is None else (check_class_index(class_index, C),)
    ranks: list[RankResult] = []
    grid_ranks: list[RankResult] = []
    generic_lower = generic_upper = None
    if exact:
        for c in classes:
            rank = separation_rank(
                rac,
                partition,
                seed=seed,
                max_samples=max_samples,
                upper_bound=sym,
                class_index=c,
            )
            ranks.append(rank)
            rows.append(sampled_row(rank, C))
            if rank.end_span is not None:
                rows.append(end_span_row(rank.end_span, C))
            grid_rank, row = _grid_rank(rac, partition, max_entries, sym_grid, c)
            rows.append(row)
            if grid_rank is not None:
                grid_ranks.append(grid_rank)
        generic_lower = max(rank.rank for rank in ranks)
        generic_upper = min(rank.upper_bound for rank in ranks)  # the symmetric cut, or less
        dead = _dead_points(rac, partition)
        if dead is not None and dead.value < generic_upper:
            rows.append(dead)
            generic_upper = dead.value  # valid for every weight: a bound on the generic rank
        rows.append(generic_row(generic_lower, generic_upper))
        if not getattr(rac, "multiplicative", True) and _is_cut(partition):
            rows.append(_hankel_row(hankel_rank(rac, partition, seed=seed)))

    return Report(
        model=ModelSizes.of(rac),
        partition=partition,
        rows=tuple(rows),
        theorems=theorems,
        symmetric_bound=sym,
        symmetric_grid_bound=sym_grid,
        network_bound=network,
        classes=classes,
        ranks=tuple(ranks),
        grid_ranks=tuple(grid_ranks),
        generic_lower=generic_lower,
        generic_upper=generic_upper if exact else None,
        rac=rac,
    )


def _closed_forms(model: RAC, T: int) -> TheoremBounds:
    """Levine et al.'s values for a RAC; for a family, the same formulas at its width."""
    family = getattr(model, "family", "rac")
    if family == "rac":
        return theorem_bounds(model.M, model.R, model.L, T)
    rank = model.rank if family == "cp2rnn" else None
    return family_theorem_bounds(
        family, model.M, model.R, model.L, T, rank=rank, bias=bool(model.bias)
    )


def _dead_points(rac: RAC, partition: Partition) -> ReportRow | None:
    """The dead-boundary-point bound (every weight) at a cut of a deep RAC, as a row."""
    k = prefix_cut(partition)
    if k is None or rac.depth < 3 or getattr(rac, "family", "rac") != "rac":
        return None
    begin = time.perf_counter()
    value = dead_point_bound(rac.hidden_dim, rac.depth, partition.T, k)
    relations = dead_point_relations(rac.hidden_dim, rac.depth, partition.T, k)
    return ReportRow(
        SEPARATION_RANK,
        value,
        "upper bound",
        f"dead boundary points (after step {k})",
        "closed form",
        time.perf_counter() - begin,
        f"every weight: the End function vanishes where u^1 = e_r, u^L = e_s and the top "
        f"layer's first input is 0, giving {relations} relations among the boundary monomials",
    )


def _is_cut(partition: Partition) -> bool:
    return partition.start == tuple(range(1, len(partition.start) + 1))


def _hankel_row(result: HankelRank) -> ReportRow:
    """A linear RNN's memory: its separation rank is at most 2, its Hankel rank grows."""
    return ReportRow(
        HANKEL_RANK,
        result.rank,
        result.claim,
        "exact computation mod p",
        f"past-to-future map at tau = {result.tau}, {result.shape[0]} x {result.shape[1]}",
        result.seconds,
        "a linear RNN has degree 1 in every input, so its separation rank is at most 2 for "
        "every partition: Start-End rank does not measure its memory; the rank of its "
        f"past-to-future map does (<= L n; bound here {result.upper_bound})",
    )


def _network_cut(rac: RAC, partition: Partition, limit: int) -> tuple[CutBound | None, ReportRow]:
    count = count_tensors(rac.L, partition.T)
    if count > limit:
        return None, skipped_network_row(count, limit)
    begin = time.perf_counter()
    net = compile_rac(rac, partition.T, max_tensors=limit)
    built = time.perf_counter() - begin
    bound = network_cut_bound(net, partition)
    return bound, network_row(bound, net.kind, count, built)


def _grid_rank(
    rac: RAC, partition: Partition, max_entries: int, grid_bound: CutBound, class_index: int
) -> tuple[RankResult | None, ReportRow]:
    M, T = rac.input_dim, partition.T
    if M**T > max_entries:
        return None, skipped_grid_row(M, T, max_entries)
    grid = separation_rank(
        rac,
        partition,
        method="grid",
        max_entries=max_entries,
        upper_bound=grid_bound,
        class_index=class_index,
    )
    return grid, grid_row(grid, rac.num_classes)
