"""Sweeps: many configurations analysed (serially or on any executor), one row each.

A :class:`SweepConfig` names a random integer model (a RAC, or a family of
:mod:`rac_tn.models`) and a partition; :func:`sweep` runs
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

import pickle
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from rac_tn._checks import positive_int
from rac_tn._progress import ProgressArg, progress_callback
from rac_tn.analysis.executors import RayExecutor, process_pool
from rac_tn.analysis.interrupt import (
    TaskFailed,
    check_executor,
    run_on_executor,
)
from rac_tn.analysis.sweep_rows import (
    SWEEP_COLUMNS,
    OutputFormat,
    SweepConfig,
    SweepRow,
    format_rows,
    rows_to_csv,
    rows_to_json,
    rows_to_markdown,
    sweep_configs,
    sweep_row,
)
from rac_tn.analysis.tables import frame
from rac_tn.exact.rank import DEFAULT_MAX_SAMPLES

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
    """``exc``, or a RuntimeError with its text when it cannot be pickled."""
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
        Any :class:`concurrent.futures.Executor` (only ``submit`` is used), or None to run
        serially here; rows come back in the order of ``configs`` whatever the executor. On
        local cores use :func:`process_pool` (spawned workers: the exact kernels' OpenMP
        threads do not survive a fork, so a forking pool is refused); with dask,
        ``Client(...).get_executor()``; with ray, :class:`RayExecutor`.
    chunksize
        Configurations per task (ignored without an executor). With thousands of short
        configurations, chunks of ``len(configs) // (4 * workers)`` keep the scheduler from
        being the bottleneck; a failed configuration is still named, and an interrupted sweep
        keeps every finished chunk.
    max_samples
        Cap on each sampled rank's sample count (a capped rank has ``rank_exact`` False).
    progress
        True for a progress bar on stderr, ``'lines'`` for status lines on stderr (for logs), or
        a callable ``progress(done, total)`` (rows).

    Returns
    -------
    list of SweepRow

    Raises
    ------
    SweepInterrupted
        On Ctrl-C, carrying the finished rows. Pending configurations are cancelled; a
        ``ProcessPoolExecutor``'s workers are terminated, so that pool cannot be used again.
    SweepError
        When a configuration fails: it names it and keeps the rows finished so far.

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
    try:  # around the progress bar too: an interrupt while it closes keeps the rows
        with progress_callback(progress, len(configs), "sweep", "rows") as report:
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
