"""Sweeps: many configurations analysed (serially or on any executor), one row each.

A :class:`SweepConfig` names a random integer RAC and a partition; :func:`sweep` runs
:func:`rac_tn.analysis.analyze` on each and flattens every report into a frozen
:class:`SweepRow`. Rows serialise to JSON (:meth:`SweepRow.to_dict`), CSV and markdown, so a
sweep run on a cluster can be tabulated or plotted later.

Examples
--------
>>> rows = sweep(sweep_configs(depths=[1, 2], lengths=[4], hidden=2, inputs=2))
>>> [(row.L, row.separation_rank, row.symmetric_bound) for row in rows]
[(1, 2, 2), (2, 6, 6)]
>>> rows[1]["theorem_lower"], rows[1].get("grid_rank")
(3, 4)

An interrupted sweep (Ctrl-C, or SIGTERM under ``rac-tn``) raises :class:`SweepInterrupted`
holding the rows finished so far; a configuration that fails raises :class:`SweepError`
naming it, with the other finished rows.

On a cluster, any :class:`concurrent.futures.Executor` runs the rows: dask's
``Client.get_executor()``, :class:`RayExecutor`, or :func:`process_pool` on this machine.
Thousands of configurations go in chunks (``chunksize=``), one task per chunk, so that the
scheduler handles tens of tasks rather than thousands. With pandas installed,
:func:`to_dataframe` turns the rows into a DataFrame.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from rac_tn._checks import check_choice, check_seed, is_int, positive_int
from rac_tn._interrupt import (
    SpawnPool,
    TaskFailed,
    check_executor,
    ignore_sigint,
    run_on_executor,
)
from rac_tn._progress import ProgressArg, progress_callback
from rac_tn._tables import frame
from rac_tn.analysis import analyze
from rac_tn.model import RAC
from rac_tn.partition import Partition, as_partition
from rac_tn.rank import DEFAULT_MAX_SAMPLES, RankResult

__all__ = [
    "SWEEP_COLUMNS",
    "ChunkError",
    "OutputFormat",
    "RayExecutor",
    "SweepConfig",
    "SweepError",
    "SweepInterrupted",
    "SweepRow",
    "format_rows",
    "process_pool",
    "rows_to_csv",
    "rows_to_json",
    "rows_to_markdown",
    "sweep",
    "sweep_chunk",
    "sweep_configs",
    "sweep_row",
    "to_dataframe",
]

#: The output formats of :func:`format_rows` (and of ``rac-tn table --format``).
OutputFormat = Literal["md", "csv", "json"]


@dataclass(frozen=True)
class SweepConfig:
    """One configuration of a sweep: a random integer RAC and a partition of ``1..length``.

    Attributes
    ----------
    input_dim, hidden_dim, depth, length
        M, R, L and T.
    partition
        ``'start-end'``, ``'interleaved'`` or the start times as ``'1,2,5'``
        (see :func:`rac_tn.partition.as_partition`).
    seed
        Seeds the weights and the sampled rank's points.
    integer
        Integer weights (the default) give the generic ranks with high probability.

    Examples
    --------
    >>> config = SweepConfig(2, 2, 2, 4)
    >>> rac, part = config.build()
    >>> str(part), SweepConfig.from_dict(config.to_dict()) == config
    ('{1,2 | 3,4}', True)
    """

    input_dim: int
    hidden_dim: int
    depth: int
    length: int
    partition: str = "start-end"
    seed: int = 0
    integer: bool = True

    def build(self) -> tuple[RAC, Partition]:
        """Build the RAC and the Partition this configuration describes."""
        rac = RAC.random(
            self.input_dim,
            self.hidden_dim,
            depth=self.depth,
            seed=self.seed,
            integer=self.integer,
        )
        return rac, as_partition(self.partition, self.length)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-safe data, one key per field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepConfig:
        """Rebuild the configuration that :meth:`to_dict` described."""
        return cls(**data)


def sweep_configs(
    *,
    depths: Iterable[int],
    lengths: Iterable[int],
    hidden: int | Iterable[int],
    inputs: int | Iterable[int],
    partition: str = "start-end",
    seed: int = 0,
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
    seed = check_seed(seed)
    return [
        SweepConfig(M, R, L, T, partition, seed)
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
class SweepRow(Mapping[str, Any]):
    """One analysed configuration, flattened (the columns are :data:`SWEEP_COLUMNS`).

    Read by attribute (``row.separation_rank``) or, like a dict, by column name
    (``row["L"]``, ``row.get("grid_rank")``, ``dict(row)``). Values are None where they were
    not computed (theorem values outside their depth or off Start-End, skipped network cuts
    and grid ranks).

    Attributes
    ----------
    M, R, L, T
        The sizes.
    partition
        The configuration's partition, as given (``'start-end'``, ``'1,3'``, ...).
    theorem_lower
        Theorem 1.2's lower bound ``((min(M, R), T/2))`` (L = 2, Start-End).
    shallow_upper
        Theorem 1.1's upper bound ``R`` (L = 1, Start-End).
    multihomogeneous_upper
        The multi-homogeneous upper bound (Start-End).
    symmetric_bound, network_bound
        The symmetric-cut (function) and network-cut (grid tensor) upper bounds.
    separation_rank, rank_exact, failure_probability
        The exact sampled separation rank; False when the sample cap made it a certified
        lower bound only; the bound on its failure probability.
    rank_status
        ``'certified'`` (meets the symmetric bound: proven), ``'exact'`` (with probability
        at least ``1 - failure_probability``, below 1e-9) or ``'lower bound'``.
    generic_rank
        The generic separation rank of the architecture: ``'10'`` when proven (this model's
        rank meets the symmetric bound), else the bracket ``'[52, 56]'``.
    grid_rank
        The exact rank of the matricized grid tensor (identity templates).
    seconds
        Wall time of the row.
    """

    M: int
    R: int
    L: int
    T: int
    partition: str
    theorem_lower: int | None = None
    shallow_upper: int | None = None
    multihomogeneous_upper: int | None = None
    symmetric_bound: int | None = None
    network_bound: int | None = None
    separation_rank: int | None = None
    rank_exact: bool | None = None
    rank_status: str | None = None
    generic_rank: str | None = None
    grid_rank: int | None = None
    failure_probability: float | None = None
    seconds: float = field(default=0.0, compare=False)

    def __getitem__(self, key: str) -> Any:
        if key not in _COLUMN_SET:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(SWEEP_COLUMNS)

    def __len__(self) -> int:
        return len(SWEEP_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-safe data, one key per column (ints stay exact Python ints)."""
        return {name: getattr(self, name) for name in SWEEP_COLUMNS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepRow:
        """Rebuild the row that :meth:`to_dict` described (a missing ``seconds`` reads as 0)."""
        return cls(**data)


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
    rac, partition = config.build()
    report = analyze(rac, partition, exact=True, seed=config.seed, max_samples=max_samples)
    theorems, rank, grid = report.theorems, report.rank, report.grid_rank
    network = report.network_bound

    def theorem(name: str) -> int | None:
        return None if theorems is None else theorems.value(name)

    return SweepRow(
        M=rac.M,
        R=rac.R,
        L=rac.L,
        T=partition.T,
        partition=config.partition,
        theorem_lower=theorem("depth2_lower"),
        shallow_upper=theorem("shallow_upper"),
        multihomogeneous_upper=theorem("multi_homogeneous"),
        symmetric_bound=report.symmetric_bound.value,
        network_bound=None if network is None else network.value,
        separation_rank=None if rank is None else rank.rank,
        rank_exact=None if rank is None else bool(rank.exact),
        rank_status=None if rank is None else _status(rank),
        generic_rank=_generic(report.generic_lower, report.generic_upper),
        grid_rank=None if grid is None else grid.rank,
        failure_probability=None if rank is None else rank.failure_probability,
        seconds=round(time.perf_counter() - start, 4),
    )


def _status(rank: RankResult) -> str:
    return "certified" if rank.certified else "exact" if rank.exact else "lower bound"


def _generic(lower: int | None, upper: int | None) -> str | None:
    if lower is None:
        return None
    return str(lower) if lower == upper else f"[{lower}, {upper}]"


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C (or SIGTERM under ``rac-tn``), with the rows it finished.

    Attributes
    ----------
    rows
        One entry per configuration, in order: its :class:`SweepRow`, or None if unfinished.
    total
        The number of configurations.
    signum
        The signal that stopped it (``signal.SIGINT`` for Ctrl-C).
    """

    def __init__(self, rows: Sequence[SweepRow | None], signum: int = signal.SIGINT) -> None:
        self.rows = list(rows)
        self.total = len(self.rows)
        self.signum = signum
        super().__init__(f"sweep interrupted: {self.done} of {self.total} rows finished")

    @property
    def done(self) -> int:
        """The number of finished rows."""
        return sum(row is not None for row in self.rows)

    @property
    def finished(self) -> list[SweepRow]:
        """The finished rows, in the order of the configurations."""
        return [row for row in self.rows if row is not None]


class SweepError(RuntimeError):
    """A configuration of a sweep failed; the original exception is the ``__cause__``.

    Attributes
    ----------
    config, index
        The configuration that failed and its position.
    rows
        As :attr:`SweepInterrupted.rows`: the rows finished before the sweep stopped.
    """

    def __init__(
        self, config: SweepConfig, index: int, rows: Sequence[SweepRow | None], exc: BaseException
    ) -> None:
        self.config, self.index, self.rows = config, index, list(rows)
        super().__init__(f"configuration {index} failed, {config}: {type(exc).__name__}: {exc}")


class ChunkError(Exception):
    """Configuration ``offset`` of a chunk failed (raised by :func:`sweep_chunk`).

    Picklable, so it crosses process and cluster boundaries (dask, ray) with what it holds.

    Attributes
    ----------
    offset
        The position of the failed configuration in the chunk.
    rows
        The rows of the chunk finished before it.
    cause
        The exception the configuration raised (a ``RuntimeError`` naming it when it could
        not be pickled).
    """

    def __init__(self, offset: int, rows: Sequence[SweepRow], cause: BaseException) -> None:
        self.offset, self.rows, self.cause = offset, list(rows), _picklable(cause)
        super().__init__(f"configuration {offset} of the chunk failed: {cause!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.offset, self.rows, self.cause))


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def sweep_chunk(
    configs: Sequence[SweepConfig], *, max_samples: int = DEFAULT_MAX_SAMPLES
) -> list[SweepRow]:
    """Run :func:`sweep_row` on each configuration of a chunk, in order (one cluster task).

    A top-level function, so process pools and cluster executors can pickle it.

    Raises
    ------
    ChunkError
        When a configuration fails: its position in the chunk, the rows before it and the
        exception.

    Examples
    --------
    >>> [row.separation_rank for row in sweep_chunk([SweepConfig(2, 2, 1, 4)] * 2)]
    [2, 2]
    """
    rows: list[SweepRow] = []
    for offset, config in enumerate(configs):
        try:
            rows.append(sweep_row(config, max_samples=max_samples))
        except Exception as exc:
            raise ChunkError(offset, rows, exc) from exc
    return rows


def sweep(
    configs: Iterable[SweepConfig],
    *,
    executor: Executor | None = None,
    chunksize: int = 1,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    progress: ProgressArg = False,
) -> list[SweepRow]:
    """Analyze every configuration; one :class:`SweepRow` per configuration, in order.

    Parameters
    ----------
    configs
        The configurations (see :func:`sweep_configs`).
    executor
        Any :class:`concurrent.futures.Executor` (only ``submit`` is used; the function
        submitted is the top-level :func:`sweep_row`, or :func:`sweep_chunk` with
        ``chunksize > 1``), or None to run serially here. Rows come back in the order of
        ``configs`` whatever the executor.

        - Local cores: :func:`process_pool` (a ``ProcessPoolExecutor`` with spawned workers;
          the exact kernels run on numba's OpenMP threads, which a forked child cannot use, so
          a forking pool is refused with an error).
        - dask.distributed: ``distributed.Client("scheduler:8786").get_executor()``.
        - ray: :class:`RayExecutor` (``pip install "rac_tn[ray]"``).
    chunksize
        Configurations per task. With thousands of configurations of a few milliseconds
        each, one task per configuration makes the scheduler the bottleneck; chunks of
        ``len(configs) // (4 * workers)`` keep every worker busy with a few tasks each. A
        failed configuration is still named, and an interrupted sweep keeps every finished
        chunk. Ignored when ``executor`` is None.
    max_samples
        Cap on each sampled rank's K (a capped rank has ``rank_exact`` False).
    progress
        True for a progress bar on stderr (rich), or a callable called as
        ``progress(done, total)`` (rows) after each task; nothing is shown by default.

    Returns
    -------
    list of SweepRow

    Raises
    ------
    SweepInterrupted
        On Ctrl-C (a KeyboardInterrupt carrying the finished rows). Pending configurations
        are cancelled; a ``ProcessPoolExecutor``'s workers are terminated (running tasks
        cannot be stopped otherwise), so that pool cannot be used again.
    SweepError
        When a configuration fails: the message names it, the rows finished so far are kept.

    Examples
    --------
    >>> rows = sweep(sweep_configs(depths=[2], lengths=[4, 6], hidden=2, inputs=2))
    >>> [(row.T, row.separation_rank) for row in rows]
    [(4, 6), (6, 8)]

    A thousand configurations on a cluster, forty per task::

        configs = [SweepConfig(2, 2, L, T, seed=s) for L in (1, 2) for T in (4, 6)
                   for s in range(250)]
        rows = sweep(configs, executor=client.get_executor(), chunksize=40)
    """
    configs = list(configs)
    for i, config in enumerate(configs):
        if not isinstance(config, SweepConfig):
            raise TypeError(f"configs[{i}] must be a SweepConfig, got {type(config).__name__}")
    check_executor(executor)
    chunksize = positive_int(chunksize, "chunksize")
    max_samples = positive_int(max_samples, "max_samples")
    rows: list[SweepRow | None] = [None] * len(configs)
    with progress_callback(progress, len(configs), "sweep") as report:
        try:
            if executor is None:
                for i, config in enumerate(configs):
                    try:
                        rows[i] = sweep_row(config, max_samples=max_samples)
                    except Exception as exc:
                        raise SweepError(config, i, rows, exc) from exc
                    report(i + 1, len(configs))
            elif chunksize == 1:
                try:
                    run_on_executor(
                        executor, sweep_row, configs, rows, report, max_samples=max_samples
                    )
                except TaskFailed as failed:
                    i = failed.index
                    raise SweepError(configs[i], i, rows, failed.__cause__) from failed.__cause__
            else:
                _run_chunks(executor, configs, rows, chunksize, report, max_samples)
        except KeyboardInterrupt as exc:
            raise SweepInterrupted(rows, getattr(exc, "signum", signal.SIGINT)) from exc
    return rows  # type: ignore[return-value]  # every entry is a row now


def _run_chunks(
    executor: Executor,
    configs: Sequence[SweepConfig],
    rows: list[SweepRow | None],
    chunksize: int,
    report: Callable[[int, int], None],
    max_samples: int,
) -> None:
    """Fill ``rows`` from tasks of :func:`sweep_chunk`, ``chunksize`` configurations each."""
    starts = range(0, len(configs), chunksize)
    chunks = [configs[start : start + chunksize] for start in starts]
    results: list[list[SweepRow] | None] = [None] * len(chunks)

    def place() -> None:
        for start, result in zip(starts, results, strict=True):
            if result is not None:
                rows[start : start + len(result)] = result

    def report_rows(done: int, total: int) -> None:
        place()
        report(sum(row is not None for row in rows), len(configs))

    try:
        run_on_executor(
            executor, sweep_chunk, chunks, results, report_rows, max_samples=max_samples
        )
    except TaskFailed as failed:
        place()
        error = failed.__cause__
        if not isinstance(error, ChunkError):  # the task itself failed (lost worker, ...)
            i = starts[failed.index]
            raise SweepError(configs[i], i, rows, error) from error
        start = starts[failed.index]
        rows[start : start + len(error.rows)] = error.rows
        i = start + error.offset
        raise SweepError(configs[i], i, rows, error.cause) from error.cause
    finally:
        place()


def process_pool(max_workers: int | None = None) -> ProcessPoolExecutor:
    """Create a local ``ProcessPoolExecutor`` that is safe for :func:`sweep` (spawned workers).

    Its workers ignore Ctrl-C (the sweep in the parent stops them), and leaving its ``with``
    block by an exception terminates them at once instead of waiting for running tasks.

    Examples
    --------
    >>> with process_pool(2) as pool:                                # doctest: +SKIP
    ...     rows = sweep(configs, executor=pool)
    """
    if max_workers is not None:
        max_workers = positive_int(max_workers, "max_workers")
    return SpawnPool(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=ignore_sigint,
    )


class RayExecutor(Executor):
    """A :class:`concurrent.futures.Executor` that runs each task as a ray remote function.

    ``pip install "rac_tn[ray]"``; connect with ``ray.init(...)`` first (or let ray start a
    local instance on the first task). ``submit(fn, ...)`` runs ``ray.remote(fn)`` (each
    function is registered with ray once) and returns a ``Future``: a task's exception is
    the one the function raised (not ray's wrapper), and ``cancel()`` cancels the ray task.
    ``shutdown`` does not stop ray: the cluster is the caller's.

    Parameters
    ----------
    **options
        Passed to ``ray.remote`` (``num_cpus=1``, ``max_retries=0``, ...).

    Examples
    --------
    >>> import ray                                                   # doctest: +SKIP
    >>> ray.init(num_cpus=2)                                         # doctest: +SKIP
    >>> rows = sweep(configs, executor=RayExecutor(), chunksize=20)  # doctest: +SKIP
    """

    def __init__(self, **options: Any) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ImportError(
                'RayExecutor needs ray: pip install "rac_tn[ray]" (or pip install ray)'
            ) from exc
        self._ray = ray
        self._options = options
        self._remote: dict[Callable[..., Any], Any] = {}
        self._futures: set[Future] = set()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` as a ray task; return its Future."""
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a RayExecutor after shutdown")
            remote = self._remote.get(fn)
            if remote is None:
                remote = self._ray.remote(**self._options)(fn) if self._options else None
                remote = remote or self._ray.remote(fn)
                self._remote[fn] = remote
        ref = remote.remote(*args, **kwargs)
        future = _RayFuture(self._ray, ref)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse new tasks; cancel pending ones if ``cancel_futures``; wait if ``wait``."""
        with self._lock:
            self._closed = True
            pending = list(self._futures)
        if cancel_futures:
            for future in pending:
                future.cancel()
        if wait:
            for future in pending:
                if not future.cancelled():
                    future.exception()  # waits; the caller reads results from the futures


class _RayFuture(Future):
    """The Future of one ray task: ray's task errors unwrapped, ``cancel`` reaching ray."""

    def __init__(self, ray: Any, ref: Any) -> None:
        super().__init__()
        self._ray, self._ref = ray, ref
        ref.future().add_done_callback(self._settle)

    def _settle(self, inner: Future) -> None:
        if self.done():
            return
        try:
            result = inner.result()
        except BaseException as exc:  # ray hands back the task's error wrapped in its own
            cause = getattr(exc, "cause", None)
            error = cause if isinstance(cause, BaseException) else exc
            if not self.done():
                self.set_exception(error)
        else:
            if not self.done():
                self.set_result(result)

    def cancel(self) -> bool:
        if self.done():
            return False
        try:
            self._ray.cancel(self._ref)
        except Exception:  # already finished or not cancellable: the Future is cancelled anyway
            pass
        return super().cancel()


def to_dataframe(rows: Iterable[Mapping[str, Any]]) -> Any:
    """Sweep rows as a pandas DataFrame, one column per :data:`SWEEP_COLUMNS` entry.

    pandas is optional (``pip install "rac_tn[dataframe]"``). Integer columns are pandas'
    nullable ``Int64`` (``<NA>`` where a value was not computed), or ``object`` columns of
    exact Python ints when a value exceeds int64.

    Raises
    ------
    ImportError
        When pandas is not installed.

    Examples
    --------
    >>> df = to_dataframe(sweep(sweep_configs(depths=[1, 2], lengths=[4], hidden=2, inputs=2)))
    >>> df[["L", "separation_rank", "theorem_lower"]]
       L  separation_rank  theorem_lower
    0  1                2           <NA>
    1  2                6              3
    """
    return frame((dict(row) for row in rows), SWEEP_COLUMNS)


# -- tables -----------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def rows_to_markdown(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as a markdown table (empty cells where a value was not computed).

    Examples
    --------
    >>> row = SweepRow(2, 2, 1, 4, "start-end", separation_rank=2, rank_exact=True)
    >>> rows_to_markdown([row]).splitlines()[2]
    '| 2 | 2 | 1 | 4 | start-end |  |  |  |  |  | 2 | yes |  |  |  |  | 0 |'
    """
    lines = ["| " + " | ".join(SWEEP_COLUMNS) + " |", "|" + "---|" * len(SWEEP_COLUMNS)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in SWEEP_COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Format sweep rows as CSV with a header line (empty fields where a value was not computed).

    Examples
    --------
    >>> rows_to_csv([SweepRow(2, 2, 1, 4, "start-end")]).splitlines()[1]
    '2,2,1,4,start-end,,,,,,,,,,,,0.0'
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SWEEP_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in SWEEP_COLUMNS})
    return buffer.getvalue()


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
