"""All bounds and ranks for one RAC and one partition, side by side.

:func:`analyze` gathers the paper's theorem values, the closed forms, the network-cut and
symmetric-cut bounds and the exact ranks into a :class:`Report`; every row says what its number
is (an upper bound, a lower bound, a theorem value, an exact rank with its failure probability,
a numerical estimate), where it comes from and how long it took.

Examples
--------
>>> from rac_tn import RAC, start_end
>>> report = analyze(RAC.random(2, 2, depth=2, seed=0, integer=True), start_end(8))
>>> [(row.kind, row.value) for row in report.rows if row.source.startswith("symmetric")][0]
('upper bound', 10)
>>> report.rank.rank
10
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from rac_tn._format import short_int
from rac_tn.bounds import CutBound, network_cut_bound, symmetric_bound
from rac_tn.network import compile_rac, count_tensors
from rac_tn.partition import Partition, as_partition
from rac_tn.rank import RankResult, separation_rank
from rac_tn.theorems import theorem_bounds

KINDS = (
    "upper bound",
    "lower bound",
    "exact rank",
    "certified lower bound",
    "numerical",
    "theorem value",
)
SEPARATION_RANK = "separation rank"
GRID_RANK = "grid-tensor rank"
DEFAULT_MAX_NETWORK_TENSORS = 20_000
DEFAULT_MAX_GRID_ENTRIES = 1 << 20
DEFAULT_MAX_SAMPLES = 1024  # keeps analyze interactive; a capped rank says it is a lower bound

_THEOREM_QUANTITY = {SEPARATION_RANK: SEPARATION_RANK, GRID_RANK: GRID_RANK}
_THEOREM_NOTES = {
    "shallow_upper": "upper bound for every choice of weights (L = 1)",
    "depth2_lower": "lower bound for all weights outside a null set (generic weights), L = 2",
}


@dataclass(frozen=True)
class ReportRow:
    """One number of a :class:`Report`.

    ``quantity``: what the number is about (``'separation rank'`` of the function, or
    ``'grid-tensor rank'`` of the matricized grid tensor with the identity templates);
    ``kind``: one of ``KINDS``; ``source``: where it comes from (a theorem, a cut, an exact
    computation); ``method``: how it was computed; ``value``: an exact int (None when the
    computation was skipped, see ``note``).
    """

    quantity: str
    value: int | None
    kind: str
    source: str
    method: str
    seconds: float = 0.0
    note: str = ""

    @property
    def log2(self) -> float | None:
        """``log2(value)`` (None when skipped)."""
        return None if self.value is None else math.log2(self.value) if self.value > 0 else 0.0


@dataclass
class Report:
    """Bounds and ranks of one RAC for one partition; see :func:`analyze`."""

    rac: Any
    partition: Partition
    rows: list[ReportRow] = field(default_factory=list)
    network_bound: CutBound | None = None
    symmetric_bound: CutBound | None = None
    rank: RankResult | None = None
    grid_rank: RankResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (ints stay exact Python ints; JSON-serialisable)."""
        rac = self.rac
        return {
            "rac": {"M": rac.M, "R": rac.R, "L": rac.L, "C": rac.C, "integer": rac.is_integer},
            "T": self.partition.T,
            "partition": str(self.partition),
            "start": list(self.partition.start),
            "end": list(self.partition.end),
            "rows": [asdict(row) for row in self.rows],
        }

    def to_markdown(self) -> str:
        """A markdown table, one row per number."""
        rac = self.rac
        lines = [
            f"**RAC** M={rac.M}, R={rac.R}, L={rac.L}, C={rac.C}; T={self.partition.T}; "
            f"partition {self.partition}",
            "",
            "| quantity | value | log2 | kind | source | method | seconds | note |",
            "|---|---:|---:|---|---|---|---:|---|",
        ]
        for row in self.rows:
            value = "—" if row.value is None else _short(row.value)
            log2 = "—" if row.log2 is None else f"{row.log2:.4g}"
            lines.append(
                f"| {row.quantity} | {value} | {log2} | {row.kind} | {row.source} | "
                f"{row.method} | {row.seconds:.3g} | {row.note} |"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        rac = self.rac
        head = (
            f"Report for RAC(M={rac.M}, R={rac.R}, L={rac.L}, C={rac.C}), T={self.partition.T}, "
            f"partition {self.partition}"
        )
        width = max((len(row.quantity) for row in self.rows), default=0)
        body = []
        for row in self.rows:
            value = "skipped" if row.value is None else _short(row.value)
            note = f"  [{row.note}]" if row.note else ""
            body.append(
                f"  {row.quantity:<{width}}  {value:>14}  {row.kind:<21}  {row.source}"
                f" ({row.method}, {row.seconds:.2g} s){note}"
            )
        return "\n".join([head, *body])


def _short(value: int) -> str:
    return short_int(value, 14)


def analyze(
    rac: Any,
    partition: Partition | str,
    *,
    exact: bool = True,
    T: int | None = None,
    seed: int | None = 0,
    max_network_tensors: int = DEFAULT_MAX_NETWORK_TENSORS,
    max_grid_entries: int = DEFAULT_MAX_GRID_ENTRIES,
    max_samples: int = DEFAULT_MAX_SAMPLES,
) -> Report:
    """Every bound and rank for ``rac`` and ``partition``, each labelled and timed.

    Parameters
    ----------
    rac
        The model.
    partition
        A :class:`Partition`, or ``'start-end'`` / ``'interleaved'`` together with ``T``.
    exact
        Also compute the exact ranks (sampled separation rank; grid rank when the grid
        tensor has at most ``max_grid_entries`` entries).
    T
        Sequence length, needed only when ``partition`` is given by name.
    seed
        Seed for the sampled rank's random points.
    max_network_tensors
        Build the compiled network for the network cut only up to this many tensors.
    max_grid_entries
        Largest grid tensor (``M^T`` entries) for the exact grid rank.
    max_samples
        Cap on the sampled rank's K (passed to :func:`rac_tn.separation_rank`); a rank that
        reaches it is reported as a certified lower bound. Raise it for larger ranks.

    Returns
    -------
    Report
        Rows, in order: the closed forms (Start-End only), the symmetric cut (function and
        grid tensor), the network cut, the exact separation rank and the exact grid rank.

    Examples
    --------
    >>> from rac_tn import RAC, interleaved
    >>> report = analyze(RAC.random(2, 3, seed=0, integer=True), "interleaved", T=4)
    >>> report.rank.rank, report.grid_rank.rank
    (4, 4)
    """
    partition = as_partition(partition, T)
    T = partition.T
    M, R, L = rac.M, rac.R, rac.L
    report = Report(rac=rac, partition=partition)
    rows = report.rows

    if partition.is_start_end:
        begin = time.perf_counter()
        closed = theorem_bounds(M, R, L, T)
        seconds = time.perf_counter() - begin
        for name, entry in closed.items():
            paper = entry.origin.startswith("paper")
            rows.append(
                ReportRow(
                    quantity=_THEOREM_QUANTITY[entry.quantity],
                    value=entry.value,
                    kind="theorem value" if paper else entry.claim,
                    source=entry.origin,
                    method="closed form",
                    seconds=seconds,
                    note=_THEOREM_NOTES.get(name, entry.statement),
                )
            )

    sym = symmetric_bound(rac, partition)
    report.symmetric_bound = sym
    rows.append(
        ReportRow(
            SEPARATION_RANK,
            sym.value,
            "upper bound",
            "symmetric cut (computation grid)",
            "max-flow, both orientations, exact recount",
            sym.seconds,
            f"U upstream of the {sym.upstream} inputs; {len(sym.cut)} boundary nodes",
        )
    )
    sym_grid = symmetric_bound(rac, partition, templates=M)
    rows.append(
        ReportRow(
            GRID_RANK,
            sym_grid.value,
            "upper bound",
            "symmetric cut (computation grid)",
            f"max-flow, inputs capped at N = {M} templates",
            sym_grid.seconds,
        )
    )

    rows.append(_network_row(report, rac, partition, max_network_tensors))

    if exact:
        result = separation_rank(
            rac, partition, method="sampled", seed=seed, max_samples=max_samples
        )
        report.rank = result
        rows.append(
            ReportRow(
                SEPARATION_RANK,
                result.rank,
                result.claim,
                "exact computation mod p",
                f"sampled {result.samples} x {result.samples} evaluations, FLINT rank",
                result.seconds,
                _rank_note(result),
            )
        )
        if M**T <= max_grid_entries:
            grid = separation_rank(rac, partition, method="grid")
            report.grid_rank = grid
            rows.append(
                ReportRow(
                    GRID_RANK,
                    grid.rank,
                    grid.claim,
                    "exact computation mod p",
                    f"{grid.shape[0]} x {grid.shape[1]} matricization, FLINT rank",
                    grid.seconds,
                    _rank_note(grid),
                )
            )
        else:
            rows.append(
                ReportRow(
                    GRID_RANK,
                    None,
                    "exact rank",
                    "exact computation mod p",
                    "matricized grid tensor",
                    0.0,
                    f"skipped: {M}^{T} entries > max_grid_entries={max_grid_entries:,}",
                )
            )
    return report


def _rank_note(result: RankResult) -> str:
    if result.certified:
        return f"meets the upper bound {result.upper_bound}: certain (p = {result.prime})"
    if not result.exact:
        return f"sample cap {result.samples} reached: lower bound only"
    if result.method == "grid":
        return f"rank over F_p, p = {result.prime}; nothing random"
    return f"failure probability <= {result.failure_probability:.2g} (Schwartz-Zippel)"


def _network_row(report: Report, rac: Any, partition: Partition, limit: int) -> ReportRow:
    count = count_tensors(rac.L, partition.T)
    if count > limit:
        return ReportRow(
            GRID_RANK,
            None,
            "upper bound",
            "network cut",
            "max-flow on the compiled network",
            0.0,
            f"skipped: the network would have {count:,} tensors > {limit:,}",
        )
    begin = time.perf_counter()
    net = compile_rac(rac, partition.T, max_tensors=limit)
    built = time.perf_counter() - begin
    bound = network_cut_bound(net, partition)
    report.network_bound = bound
    kinds = sorted({element.category for element in bound.cut})
    return ReportRow(
        GRID_RANK,
        bound.value,
        "upper bound",
        "network cut",
        f"max-flow on the {net.kind} network",
        built + bound.seconds,
        f"{len(bound.cut)} cut elements ({', '.join(kinds)}); {count:,} tensors",
    )


# -- sweeps -----------------------------------------------------------------------------------

PARTITION_NAMES = ("start-end", "interleaved")


@dataclass(frozen=True)
class SweepConfig:
    """One configuration of a sweep: a random integer RAC and a partition of ``1..length``.

    ``partition`` is ``'start-end'``, ``'interleaved'`` or the start times as ``'1,2,5'``.
    Integer weights (the default) give the generic ranks with high probability.
    """

    input_dim: int
    hidden_dim: int
    depth: int
    length: int
    partition: str = "start-end"
    seed: int = 0
    integer: bool = True

    def build(self) -> tuple[Any, Partition]:
        """The RAC and the Partition this configuration describes."""
        from rac_tn.model import RAC

        rac = RAC.random(
            self.input_dim,
            self.hidden_dim,
            depth=self.depth,
            seed=self.seed,
            integer=self.integer,
        )
        return rac, parse_partition(self.partition, self.length)


def parse_partition(spec: str | Partition, T: int) -> Partition:
    """``'start-end'``, ``'interleaved'`` or comma-separated start times (``'1,2,5'``)."""
    if isinstance(spec, Partition):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"partition must be a Partition or a string, got {type(spec).__name__}")
    if spec in PARTITION_NAMES:
        return as_partition(spec, T)
    try:
        start = [int(part) for part in spec.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(
            f"partition must be 'start-end', 'interleaved' or start times like '1,2,5', "
            f"got {spec!r}"
        ) from exc
    return Partition(T, start)


def sweep_configs(
    *,
    depths: Iterable[int],
    lengths: Iterable[int],
    hidden: int | Iterable[int],
    inputs: int | Iterable[int],
    partition: str = "start-end",
    seed: int = 0,
) -> list[SweepConfig]:
    """The Cartesian product of the given sizes, ordered by (M, R, L, T).

    Lengths that the partition cannot split (odd T for Start-End) are skipped.
    """
    hidden_list = [hidden] if isinstance(hidden, int) else list(hidden)
    inputs_list = [inputs] if isinstance(inputs, int) else list(inputs)
    configs = []
    for M in inputs_list:
        for R in hidden_list:
            for L in depths:
                for T in lengths:
                    if partition == "start-end" and T % 2:
                        continue
                    configs.append(SweepConfig(M, R, L, T, partition, seed))
    return configs


SWEEP_COLUMNS = (
    "M",
    "R",
    "L",
    "T",
    "partition",
    "theorem_lower",
    "shallow_upper",
    "multihomogeneous_upper",
    "symmetric_bound",
    "network_bound",
    "separation_rank",
    "rank_exact",
    "grid_rank",
    "failure_probability",
    "seconds",
)


def sweep_row(config: SweepConfig, *, max_samples: int = 4096) -> dict[str, Any]:
    """Analyze one configuration and flatten the report into one row (see ``SWEEP_COLUMNS``).

    A top-level function, so process pools and cluster executors can pickle it.
    """
    start = time.perf_counter()
    rac, partition = config.build()
    report = analyze(rac, partition, exact=True, seed=config.seed, max_samples=max_samples)
    T = partition.T
    theorems = theorem_bounds(rac.M, rac.R, rac.L, T) if partition.is_start_end else {}
    rank = report.rank
    return {
        "M": rac.M,
        "R": rac.R,
        "L": rac.L,
        "T": T,
        "partition": config.partition,
        "theorem_lower": _theorem_value(theorems, "depth2_lower"),
        "shallow_upper": _theorem_value(theorems, "shallow_upper"),
        "multihomogeneous_upper": _theorem_value(theorems, "multi_homogeneous"),
        "symmetric_bound": report.symmetric_bound.value if report.symmetric_bound else None,
        "network_bound": report.network_bound.value if report.network_bound else None,
        "separation_rank": rank.rank if rank else None,
        "rank_exact": bool(rank.exact) if rank else None,
        "grid_rank": report.grid_rank.rank if report.grid_rank else None,
        "failure_probability": rank.failure_probability if rank else None,
        "seconds": round(time.perf_counter() - start, 4),
    }


def _theorem_value(theorems: dict[str, Any], key: str) -> int | None:
    entry = theorems.get(key)
    return None if entry is None else int(entry)


def sweep(
    configs: Iterable[SweepConfig],
    *,
    executor: Executor | None = None,
    max_samples: int = 4096,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Analyze every configuration; one row (a dict of ``SWEEP_COLUMNS``) per configuration.

    ``executor`` is any :class:`concurrent.futures.Executor` (only ``submit`` is used); rows
    come back in the order of ``configs`` whatever the executor. ``None`` runs serially here.

    - Local cores: :func:`process_pool` (a ``ProcessPoolExecutor`` with spawned workers; the
      exact kernels run on numba's OpenMP threads, which a forked child cannot use, so a
      forking pool is refused with an error).
    - dask.distributed: ``executor=distributed.Client("scheduler:8786").get_executor()``.
    - ray: an ``ObjectRef`` converts to a ``concurrent.futures.Future`` with ``.future()``, so
      a four-line adapter is an executor::

          class RayExecutor(concurrent.futures.Executor):
              def submit(self, fn, /, *args, **kwargs):
                  return ray.remote(fn).remote(*args, **kwargs).future()

          rows = sweep(configs, executor=RayExecutor())

    ``progress(done, total)`` is called after each row.

    >>> rows = sweep(sweep_configs(depths=[1, 2], lengths=[4], hidden=2, inputs=2))
    >>> [(r["L"], r["separation_rank"]) for r in rows]
    [(1, 2), (2, 6)]
    """
    configs = list(configs)
    for i, config in enumerate(configs):
        if not isinstance(config, SweepConfig):
            raise TypeError(f"configs[{i}] must be a SweepConfig, got {type(config).__name__}")
    _check_executor(executor)
    task = partial(sweep_row, max_samples=max_samples)
    if executor is None:
        rows = []
        for i, config in enumerate(configs):
            rows.append(task(config))
            if progress is not None:
                progress(i + 1, len(configs))
        return rows
    futures = [executor.submit(task, config) for config in configs]
    rows = []
    for i, future in enumerate(futures):
        rows.append(future.result())
        if progress is not None:
            progress(i + 1, len(configs))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def rows_to_markdown(rows: Iterable[dict[str, Any]]) -> str:
    """Sweep rows as a markdown table (empty cells where a value was not computed)."""
    lines = ["| " + " | ".join(SWEEP_COLUMNS) + " |", "|" + "---|" * len(SWEEP_COLUMNS)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in SWEEP_COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Sweep rows as CSV with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SWEEP_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in SWEEP_COLUMNS})
    return buffer.getvalue()


def process_pool(max_workers: int | None = None) -> Executor:
    """A local ``ProcessPoolExecutor`` that is safe for :func:`sweep` (spawned workers)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=max_workers, mp_context=multiprocessing.get_context("spawn")
    )


def _check_executor(executor: object) -> None:
    from concurrent.futures import ProcessPoolExecutor

    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            f"executor must be a concurrent.futures.Executor or None, got {type(executor).__name__}"
        )
    if isinstance(executor, ProcessPoolExecutor):
        context = getattr(executor, "_mp_context", None)
        if context is not None and context.get_start_method() == "fork":
            raise ValueError(
                "executor is a ProcessPoolExecutor that forks its workers; the exact-rank kernels "
                "use OpenMP threads, which do not survive fork(). Create it with "
                "mp_context=multiprocessing.get_context('spawn') or use "
                "rac_tn.analysis.process_pool(n)."
            )
