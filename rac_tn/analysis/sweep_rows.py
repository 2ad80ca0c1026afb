"""One configuration of a sweep and its row: :class:`SweepConfig` to :class:`SweepRow`.

:func:`sweep_configs` lists configurations; :func:`sweep_row` analyses one (with
:func:`rac_tn.analysis.analyze`) and flattens the report. Re-exported by
:mod:`rac_tn.analysis.sweeps`, where they are documented.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args, get_type_hints

from rac_tn._checks import check_choice, check_seed, is_int, positive_int
from rac_tn.analysis.reports import Report, analyze
from rac_tn.analysis.tables import Column, ColumnKind, write_table
from rac_tn.exact.rank import DEFAULT_MAX_SAMPLES, RankResult
from rac_tn.models import RecurrentModel, family_names, random_model
from rac_tn.models.rac import RAC
from rac_tn.partition import Partition, as_partition
from rac_tn.results import HANKEL_RANK, Serialisable

__all__ = [
    "SWEEP_COLUMNS",
    "OutputFormat",
    "SweepConfig",
    "SweepRow",
    "format_rows",
    "rows_to_csv",
    "rows_to_json",
    "rows_to_markdown",
    "sweep_configs",
    "sweep_row",
]


@dataclass(frozen=True)
class SweepConfig(Serialisable):
    """One configuration of a sweep: a random integer model and a partition of ``1..length``.

    Attributes
    ----------
    input_dim, hidden_dim, depth, length
        M (d), R (n), L and T.
    partition
        ``'start-end'``, ``'interleaved'`` or the start times as ``'1,2,5'``
        (see :func:`rac_tn.partition.as_partition`).
    seed
        Seeds the weights and the sampled rank's points.
    integer
        Integer weights (the default) give the generic ranks with high probability.
    model
        The family (:func:`rac_tn.models.family_names`): ``'rac'`` (the default), ``'2rnn'``,
        ``'cp2rnn'``, ``'mirnn'`` or ``'linear'``.
    rank
        The CP rank K of ``'cp2rnn'`` (None: K = n); None for the other families.
    bias
        First-order terms and biases (not for ``'rac'``).

    Examples
    --------
    >>> config = SweepConfig(2, 2, 2, 4)
    >>> rac, part = config.build()
    >>> str(part), SweepConfig.from_dict(config.to_dict()) == config
    ('{1,2 | 3,4}', True)
    >>> SweepConfig(2, 3, 1, 4, model="cp2rnn", rank=2).build()[0].rank
    2
    """

    input_dim: int
    hidden_dim: int
    depth: int
    length: int
    partition: str = "start-end"
    seed: int = 0
    integer: bool = True
    model: str = "rac"
    rank: int | None = None
    bias: bool = False

    def __post_init__(self) -> None:
        check_choice(self.model, "model", family_names())
        if self.rank is not None:
            positive_int(self.rank, "rank")
            if self.model != "cp2rnn":
                raise ValueError(f"rank is the CP rank of cp2rnn; model {self.model!r} has none")
        if self.bias and self.model == "rac":
            raise ValueError("bias=True: a RAC has no first-order terms or biases")

    def build(self) -> tuple[RAC | RecurrentModel, Partition]:
        """Build the model and the Partition this configuration describes."""
        model = random_model(
            self.model,
            self.input_dim,
            self.hidden_dim,
            self.depth,
            rank=self.rank,
            bias=self.bias,
            seed=self.seed,
            integer=self.integer,
        )
        return model, as_partition(self.partition, self.length)


def sweep_configs(
    *,
    depths: Iterable[int],
    lengths: Iterable[int],
    hidden: int | Iterable[int],
    inputs: int | Iterable[int],
    partition: str = "start-end",
    seed: int = 0,
    model: str = "rac",
    rank: int | None = None,
    bias: bool = False,
) -> list[SweepConfig]:
    """List the Cartesian product of the given sizes, ordered by (M, R, L, T).

    Parameters
    ----------
    depths, lengths
        The depths L and lengths T (positive integers, Python or numpy).
    hidden, inputs
        One hidden size R (input size M) or several.
    partition
        The partition of every configuration (see :class:`SweepConfig`).
    seed
        The seed of every configuration.
    model, rank, bias
        The family of every configuration, its CP rank (cp2rnn) and affine terms (see
        :class:`SweepConfig`).

    Returns
    -------
    list of SweepConfig
        Lengths that the partition cannot split (odd T for Start-End) are skipped.

    Examples
    --------
    >>> [(c.depth, c.length) for c in sweep_configs(depths=[1, 2], lengths=[3, 4], hidden=2,
    ...                                             inputs=2)]
    [(1, 4), (2, 4)]
    """
    hidden_list = _positive_ints(hidden, "hidden")
    inputs_list = _positive_ints(inputs, "inputs")
    depth_list = _positive_ints(depths, "depths")
    length_list = _positive_ints(lengths, "lengths")
    if not isinstance(partition, str):
        raise TypeError(
            f"partition must be a string like 'start-end' or '1,2,5', got {partition!r}"
        )
    # check_seed also passes None and a Generator, which SweepConfig.seed (int) does not type
    seed = check_seed(seed)
    options: dict[str, Any] = {"model": model, "rank": rank, "bias": bool(bias)}
    SweepConfig(1, 1, 1, 2, **options)  # checks the family options before the product
    return [
        SweepConfig(M, R, L, T, partition, seed, **options)  # type: ignore[arg-type]  # seed
        for M in inputs_list
        for R in hidden_list
        for L in depth_list
        for T in length_list
        if not (partition == "start-end" and T % 2)
    ]


def _positive_ints(values: int | Iterable[int], name: str) -> list[int]:
    """One positive integer or several, as a list of Python ints (errors name ``name[i]``)."""
    if is_int(values):
        return [positive_int(values, name)]
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a positive integer or several, got {values!r}")
    return [positive_int(value, f"{name}[{i}]") for i, value in enumerate(values)]


@dataclass(frozen=True)
class SweepRow(Mapping[str, Any], Serialisable):
    """One analysed configuration, flattened (the columns are :data:`SWEEP_COLUMNS`).

    Read by attribute (``row.separation_rank``) or, like a dict, by column name
    (``row["L"]``, ``row.get("grid_rank")``, ``dict(row)``). Values are None where they were
    not computed (theorem values outside their depth or off Start-End, skipped network cuts
    and grid ranks).

    Attributes
    ----------
    M, R, L, T
        The sizes (M = d, R = n for the families).
    partition
        The configuration's partition, as given (``'start-end'``, ``'1,3'``, ...).
    model, K, bias
        The family (``'rac'``, ``'2rnn'``, ``'cp2rnn'``, ``'mirnn'``, ``'linear'``), its CP
        rank (cp2rnn only) and whether it has first-order terms and biases.
    theorem_lower
        Theorem 1.2's lower bound ``((min(M, m), T/2))`` (L = 2, Start-End; for a family, at
        its width m as :func:`rac_tn.bounds.theorems.family_theorem_bounds` derives).
    shallow_upper
        Theorem 1.1's upper bound (L = 1, Start-End): R, or the family's width.
    multihomogeneous_upper
        The multi-homogeneous upper bound (Start-End), at the family's width.
    symmetric_bound, network_bound
        The symmetric-cut (function) and network-cut (grid tensor) upper bounds.
    end_span
        The End-span bound of these very weights (a proven upper bound on this model's
        separation rank, :func:`rac_tn.exact.end_span.end_span_bound`), when it was computed:
        at a cut ``{1..k | k+1..T}`` whose rank falls short of the symmetric bound (depth >= 3).
    separation_rank, rank_exact, failure_probability
        The exact sampled separation rank; False when the sample cap made it a certified
        lower bound only; the bound on its failure probability.
    rank_status
        ``'certified'`` (proven: meets the symmetric bound or the End span, or computed over Q),
        ``'exact'`` (with probability at least ``1 - failure_probability``, below 1e-9) or
        ``'lower bound'``.
    generic_rank
        The generic separation rank of the architecture: ``'10'`` when proven (this model's
        rank meets a bound valid for every weight: the symmetric cut, or at depth >= 3 the
        dead-boundary-point bound), else the bracket ``'[759, 840]'``.
    grid_rank
        The exact rank of the matricized grid tensor (identity templates).
    rank_upper
        The proven upper bound the exact rank was checked against: the symmetric cut, or 2 for
        a linear RNN (degree 1 in every input).
    hankel_rank
        A linear RNN's exact Hankel rank (its past-to-future map across the cut; partitions
        ``{1..k | k+1..T}`` only), the measure of its memory.
    seconds
        Wall time of the row.
    """

    M: int
    R: int
    L: int
    T: int
    partition: str
    model: str = "rac"
    K: int | None = None
    bias: bool = False
    theorem_lower: int | None = None
    shallow_upper: int | None = None
    multihomogeneous_upper: int | None = None
    symmetric_bound: int | None = None
    network_bound: int | None = None
    end_span: int | None = None
    separation_rank: int | None = None
    rank_exact: bool | None = None
    rank_status: str | None = None
    generic_rank: str | None = None
    grid_rank: int | None = None
    failure_probability: float | None = None
    rank_upper: int | None = None
    hankel_rank: int | None = None
    seconds: float = field(default=0.0, compare=False)

    _json_schema = False  # a plain record: its dict is its columns (``dict(row)``)

    def __getitem__(self, key: str) -> Any:
        if key not in _COLUMN_SET:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(SWEEP_COLUMNS)

    def __len__(self) -> int:
        return len(SWEEP_COLUMNS)


#: The columns of a sweep table, in order: the fields of :class:`SweepRow`.
SWEEP_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(SweepRow))
_COLUMN_SET = frozenset(SWEEP_COLUMNS)


def sweep_row(config: SweepConfig, *, max_samples: int = DEFAULT_MAX_SAMPLES) -> SweepRow:
    """Analyze one configuration and flatten its report into one :class:`SweepRow`.

    A top-level function, so process pools and cluster executors can pickle it.

    Examples
    --------
    >>> sweep_row(SweepConfig(2, 2, 1, 4)).separation_rank
    2
    """
    start = time.perf_counter()
    model, partition = config.build()
    report = analyze(model, partition, exact=True, seed=config.seed, max_samples=max_samples)
    theorems, rank, grid = report.theorems, report.rank, report.grid_rank
    network = report.network_bound
    assert report.symmetric_bound is not None  # analyze always computes it

    def theorem(name: str) -> int | None:
        return None if theorems is None else theorems.value(name)

    return SweepRow(
        M=model.M,
        R=model.R,
        L=model.L,
        T=partition.T,
        partition=config.partition,
        model=config.model,
        K=model.rank if config.model == "cp2rnn" else None,
        bias=config.bias,
        theorem_lower=theorem("depth2_lower"),
        shallow_upper=theorem("shallow_upper"),
        multihomogeneous_upper=theorem("multi_homogeneous"),
        symmetric_bound=report.symmetric_bound.value,
        network_bound=None if network is None else network.value,
        end_span=None if rank is None or rank.end_span is None else rank.end_span.value,
        separation_rank=None if rank is None else rank.rank,
        rank_exact=None if rank is None else bool(rank.exact),
        rank_status=None if rank is None else _status(rank),
        generic_rank=_generic(report.generic_lower, report.generic_upper),
        grid_rank=None if grid is None else grid.rank,
        failure_probability=None if rank is None else rank.failure_probability,
        rank_upper=None if rank is None else rank.upper_bound,
        hankel_rank=_hankel(report),
        seconds=round(time.perf_counter() - start, 4),
    )


def _hankel(report: Report) -> int | None:
    """The Hankel rank row's value (a linear RNN on a cut ``{1..k | k+1..T}``), else None."""
    values = [row.value for row in report.rows if row.quantity == HANKEL_RANK]
    return values[0] if values else None


def _status(rank: RankResult) -> str:
    return "certified" if rank.certified else "exact" if rank.exact else "lower bound"


def _generic(lower: int | None, upper: int | None) -> str | None:
    if lower is None:
        return None
    return str(lower) if lower == upper else f"[{lower}, {upper}]"


# -- sweep rows as text: markdown and CSV tables, JSON (re-exported by sweeps) -----------------

#: The output formats of :func:`format_rows` (and of ``rac-tn table --format``).
OutputFormat = Literal["md", "csv", "json"]

#: Columns whose values are lower bounds (a shortened one is rounded down); the others' round up.
_LOWER = frozenset({"theorem_lower", "separation_rank", "grid_rank", "hankel_rank"})


def _column(name: str, hint: Any) -> Column:
    """The table column of a :class:`SweepRow` field, from its type hint."""
    kinds: dict[Any, ColumnKind] = {int: "int", float: "float", bool: "bool"}
    kind: ColumnKind = next((kinds[t] for t in (hint, *get_args(hint)) if t in kinds), "text")
    return Column(name, kind, "down" if name in _LOWER else "up")


_HINTS = get_type_hints(SweepRow)
#: The table of sweep rows: one column per :data:`SWEEP_COLUMNS` entry.
SWEEP_TABLE: tuple[Column, ...] = tuple(_column(name, _HINTS[name]) for name in SWEEP_COLUMNS)


def rows_to_markdown(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as a markdown table (empty cells where a value was not computed).

    Examples
    --------
    >>> row = SweepRow(2, 2, 1, 4, "start-end", separation_rank=2, rank_exact=True)
    >>> rows_to_markdown([row]).splitlines()[2]
    '| 2 | 2 | 1 | 4 | start-end | rac |  | no |  |  |  |  |  |  | 2 | yes |  |  |  |  |  |  | 0 |'
    """
    return write_table(rows, SWEEP_TABLE, "md")


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as CSV with a header line (empty fields where a value was not computed).

    Examples
    --------
    >>> rows_to_csv([SweepRow(2, 2, 1, 4, "start-end")]).splitlines()[1]
    '2,2,1,4,start-end,rac,,False,,,,,,,,,,,,,,,0.0'
    """
    return write_table(rows, SWEEP_TABLE, "csv")


def rows_to_json(rows: Iterable[SweepRow]) -> str:
    """Format sweep rows as a JSON list of objects (read back with :meth:`SweepRow.from_dict`).

    Examples
    --------
    >>> row = SweepRow(2, 2, 1, 4, "start-end", separation_rank=2)
    >>> [SweepRow.from_dict(d) for d in json.loads(rows_to_json([row]))] == [row]
    True
    """
    return json.dumps([row.to_dict() for row in rows], indent=1)


def format_rows(rows: Iterable[SweepRow], fmt: OutputFormat) -> str:
    """Format sweep rows as text in the format ``fmt``, ending with a newline.

    Examples
    --------
    >>> format_rows([SweepRow(2, 2, 1, 4, "start-end")], "csv").startswith("M,R,L,T,")
    True
    """
    check_choice(fmt, "fmt", get_args(OutputFormat))
    rows = list(rows)
    if fmt == "json":
        return rows_to_json(rows) + "\n"
    if fmt == "csv":
        return rows_to_csv(rows)
    return rows_to_markdown(rows) + "\n"
