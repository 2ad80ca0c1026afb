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

import time
from dataclasses import dataclass, field
from typing import Any, cast

from rac_tn._checks import DEFAULT_MAX_ENTRIES, check_class_index, positive_int
from rac_tn._progress import ProgressArg, check_progress, status_line
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
from rac_tn.analysis.tables import REPORT_COLUMNS, REPORT_TABLE, frame, report_records, write_table
from rac_tn.bounds.cut_bound import CutBound
from rac_tn.bounds.dead_points import dead_point_bound, dead_point_relations
from rac_tn.bounds.network_cut import network_cut_bound
from rac_tn.bounds.symmetric import symmetric_bound
from rac_tn.bounds.theorems import (
    THEOREM_FAMILIES,
    TheoremBounds,
    family_theorem_bounds,
    theorem_bounds,
)
from rac_tn.exact.end_span import prefix_cut
from rac_tn.exact.hankel import HankelRank, hankel_rank
from rac_tn.exact.rank import DEFAULT_MAX_SAMPLES, RankResult, check_seconds, separation_rank
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.rac import RAC  # noqa: F401 - the examples use it
from rac_tn.network.compiled import compile_rac
from rac_tn.partition import Partition, as_partition
from rac_tn.results import HANKEL_RANK, SEPARATION_RANK, Codec, Serialisable

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

#: A report stores its partition flat: ``T``, the partition as text, ``start`` and ``end``.
_FLAT_PARTITION = Codec(
    ("T", "partition", "start", "end"),
    lambda p: {"T": p.T, "partition": str(p), "start": list(p.start), "end": list(p.end)},
    lambda data: Partition(data["T"], data["start"]),
)


@dataclass(frozen=True)
class Report(Serialisable):
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
        The generic separation rank of the architecture lies in ``[generic_lower,
        generic_upper]``: the largest rank found is a certified lower bound, the symmetric cut
        an upper bound (at a cut of a RAC of depth >= 3 also the dead-boundary-point bound,
        :mod:`rac_tn.bounds.dead_points`, valid for every weight); proven when they meet
        ([Theory: generic ranks][theory-generic]).
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
    rac: RecurrentModel | None = field(default=None, compare=False, repr=False)

    _json_skip = ("rac",)  # the live model is kept for drawing only
    _json_optional = ("notes",)
    _json_codecs = {"model": Codec(("rac",)), "partition": _FLAT_PARTITION}

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

    def to_markdown(self) -> str:
        """Format the report as a markdown table, one row per number."""
        lines = [
            f"**{'RAC' if self.model.family == 'rac' else self.model.family}** "
            f"{self.model.symbols()}; "
            f"T={self.partition.T}; partition {self.partition}",
            *(f"\nNote: {note}." for note in self.notes),
            "",
            write_table(report_records(self), REPORT_TABLE, "md", missing="—"),
        ]
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
        caption = f"{self.model}, T = {self.partition.T}, partition {self.partition}"
        records = report_records(self)
        return write_table(records, REPORT_TABLE, "html", missing="—", caption=caption)

    def __repr__(self) -> str:
        head = f"Report for {self.model}, T={self.partition.T}, partition {self.partition}"
        head += "".join(f"\n  note: {note}" for note in self.notes)
        width = max((len(row.quantity) for row in self.rows), default=0)
        values = [REPORT_TABLE[1].text(row.to_dict(), "skipped") for row in self.rows]
        digits = max(map(len, values), default=0)
        body = []
        for row, value in zip(self.rows, values, strict=True):
            note = f"  [{row.note}]" if row.note else ""
            body.append(
                f"  {row.quantity:<{width}}  {value:>{digits}}  {row.claim:<21}  {row.origin}"
                f" ({row.method}, {row.seconds:.2g} s){note}"
            )
        return "\n".join([head, *body])


def analyze(
    rac: RecurrentModel,
    partition: Partition | str,
    *,
    exact: bool = True,
    T: int | None = None,
    seed: int | None = 0,
    max_tensors: int = NETWORK_CUT_MAX_TENSORS,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    class_index: int | None = None,
    max_seconds: float | None = None,
    progress: ProgressArg = False,
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
        Cap on the sampled rank's sample count (see :func:`rac_tn.separation_rank`); a rank
        that reaches it is reported as a certified lower bound. Raise it for larger ranks.
    class_index
        Rank the output ``y_c`` of this class only; by default every class (each row says
        which).
    max_seconds
        A time budget for the sampled ranks (shared by the classes, counted from the call): a
        rank cut short by it is reported as a certified lower bound, as at ``max_samples``.
    progress
        ``True``: a progress bar for each exact rank on stderr; ``'lines'``: a status line on
        stderr as each stage begins, the exact rank's cost estimate and a line per round (for
        logs and batch jobs); False: nothing.

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
    start = time.perf_counter()
    deadline = None if max_seconds is None else start + check_seconds(max_seconds)
    check_progress(progress)
    partition = as_partition(partition, T)
    max_tensors = positive_int(max_tensors, "max_tensors")
    max_entries = positive_int(max_entries, "max_entries")
    max_samples = positive_int(max_samples, "max_samples")
    rows: list[ReportRow] = []

    theorems = None
    if partition.is_start_end:
        begin = time.perf_counter()
        theorems = _closed_forms(rac, partition.T)
        if theorems is not None:
            rows += theorem_rows(theorems, time.perf_counter() - begin)

    _stage(progress, start, "symmetric cuts")
    sym = symmetric_bound(rac, partition)
    sym_grid = symmetric_bound(rac, partition, templates=rac.input_dim)
    rows += symmetric_rows(sym, sym_grid, rac.input_dim)

    _stage(progress, start, f"network cut ({rac.count_tensors(partition.T):,} tensors)")
    network, row = _network_cut(rac, partition, max_tensors)
    rows.append(row)

    C = rac.num_classes
    classes = tuple(range(C)) if class_index is None else (check_class_index(class_index, C),)
    ranks: list[RankResult] = []
    grid_ranks: list[RankResult] = []
    generic_lower = generic_upper = None
    if exact:
        for c in classes:
            _stage(progress, start, f"exact separation rank, class {c}")
            rank = separation_rank(
                rac,
                partition,
                seed=seed,
                progress=progress,
                max_samples=max_samples,
                upper_bound=sym,
                class_index=c,
                max_seconds=None if deadline is None else max(deadline - time.perf_counter(), 1e-3),
            )
            ranks.append(rank)
            rows.append(sampled_row(rank, C))
            if rank.end_span is not None:
                rows.append(end_span_row(rank.end_span, C))
            _stage(progress, start, f"exact grid-tensor rank, class {c}")
            grid_rank, row = _grid_rank(rac, partition, max_entries, sym_grid, c)
            rows.append(row)
            if grid_rank is not None:
                grid_ranks.append(grid_rank)
        generic_lower = max(rank.rank for rank in ranks)
        # the symmetric cut, or less (each rank was given upper_bound=sym)
        generic_upper = min(cast(int, rank.upper_bound) for rank in ranks)
        _stage(progress, start, "bracket on the generic rank")
        dead = _dead_points(rac, partition)
        bound = "the proven upper bound"
        if dead is not None and dead.value is not None and dead.value < generic_upper:
            rows.append(dead)
            generic_upper = dead.value  # valid for every weight: a bound on the generic rank
            bound = "the dead-boundary-point bound (relations that hold for every weight)"
        rows.append(generic_row(generic_lower, generic_upper, bound))
        if not rac.multiplicative and _is_cut(partition):
            rows.append(_hankel_row(hankel_rank(rac, partition, seed=seed)))

    zero = rac.zero_reason()
    notes = () if zero is None else (f"the model is identically zero: {zero}",)
    return Report(
        notes=notes,
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


def _closed_forms(model: RecurrentModel, T: int) -> TheoremBounds | None:
    """Levine et al.'s values for a RAC; for a family, the same formulas at its width."""
    family = model.family
    if family == "rac":
        return theorem_bounds(model.M, model.R, model.L, T)
    if family not in THEOREM_FAMILIES:
        return None  # a family of the user's own: no closed forms are known for it
    rank = model.rank if family == "cp2rnn" else None
    return family_theorem_bounds(
        family, model.M, model.R, model.L, T, rank=rank, bias=bool(model.bias)
    )


def _dead_points(rac: RecurrentModel, partition: Partition) -> ReportRow | None:
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


def _stage(progress: ProgressArg, start: float, name: str) -> None:
    """A status line as a stage begins (``progress='lines'``)."""
    status_line(progress, f"analyze: {name} ({time.perf_counter() - start:.1f} s so far)")


def _network_cut(
    rac: RecurrentModel, partition: Partition, limit: int
) -> tuple[CutBound | None, ReportRow]:
    count = rac.count_tensors(partition.T)
    if count > limit:
        return None, skipped_network_row(count, limit)
    begin = time.perf_counter()
    # the structure only: a dense COPY tensor would hold R^3 floats the cut never reads
    net = compile_rac(rac, partition.T, max_tensors=limit, values=False)
    built = time.perf_counter() - begin
    bound = network_cut_bound(net, partition)
    return bound, network_row(bound, net.kind, count, built)


def _grid_rank(
    rac: RecurrentModel,
    partition: Partition,
    max_entries: int,
    grid_bound: CutBound,
    class_index: int,
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
