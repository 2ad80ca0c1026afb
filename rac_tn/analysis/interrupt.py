"""Stopping work cleanly: SIGTERM as an exception, executors whose workers never outlive us.

Ctrl-C raises :class:`KeyboardInterrupt` in the main thread; inside :func:`sigterm_raises` a
SIGTERM raises :class:`Terminated` (a KeyboardInterrupt too), so one ``except
KeyboardInterrupt`` keeps the finished work for both. :func:`terminate_workers` stops a
``ProcessPoolExecutor`` at once, running tasks included (``shutdown(cancel_futures=True)``
only cancels the tasks that have not started). :func:`signals_ignored` holds Ctrl-C and SIGTERM
off while finished work is saved, and :func:`stop_listening` ignores them for good once a
process is ending (a second Ctrl-C then cannot interrupt the cleanup with a traceback).

Examples
--------
>>> exit_status(KeyboardInterrupt()), exit_status(Terminated())
(130, 143)
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

__all__ = [
    "SpawnPool",
    "TaskFailed",
    "Terminated",
    "check_executor",
    "exit_status",
    "handlers_restored",
    "ignore_sigint",
    "run_on_executor",
    "sigterm_raises",
    "signals_ignored",
    "stop_listening",
    "terminate_workers",
]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM (inside :func:`sigterm_raises`)."""

    signum = signal.SIGTERM


def exit_status(exc: BaseException) -> int:
    """The shell's exit status for work stopped by ``exc``: 128 + the signal number."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"stopped by signal {signum}")


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Inside the block, SIGTERM raises :class:`Terminated` in the main thread.

    Outside the main thread (where Python cannot install handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except KeyboardInterrupt:
        stop_listening()  # interrupted: the process is stopping (a second signal stays quiet)
        raise
    finally:
        # an interrupted command has stopped listening (SIG_IGN): putting the default handler
        # back would let a second SIGTERM kill the process while it exits (status -15)
        if signal.getsignal(signal.SIGTERM) is _raise_terminated:
            signal.signal(signal.SIGTERM, previous)


def ignore_sigint() -> None:
    """Make this process ignore Ctrl-C (the initializer of pool workers).

    A terminal's Ctrl-C reaches every process of the foreground group; the parent handles it
    and stops the workers, which would otherwise each print a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM inside the block (main thread only): cleanup runs to its end.

    Used while finished work is collected or written: a Ctrl-C there would lose it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def handlers_restored(restore: bool = True) -> Iterator[None]:
    """Put back, when the block ends, the SIGINT and SIGTERM handlers found at its start.

    ``rac-tn``'s ``main`` uses it when called from Python (``main([...])``): a command that
    :func:`stop_listening` must not leave the caller's process deaf to Ctrl-C. Run as the
    program (``restore=False``), the process is ending and stays deaf until it exits.
    """
    if not restore or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)


def stop_listening() -> None:
    """Ignore SIGINT and SIGTERM from now on (main thread only): the process is ending.

    Called once a command has been interrupted: the finished work is being saved and the
    workers stopped, and a second Ctrl-C must neither cut that short nor print a traceback
    from the interpreter's exit handlers (which join the pool's threads).
    """
    if threading.current_thread() is threading.main_thread():
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


_MANAGER_GRACE = 5.0  # seconds for the pool's manager thread to finish once its workers are gone


def terminate_workers(pool: ProcessPoolExecutor, grace: float = 2.0) -> None:
    """Cancel every pending task of ``pool`` and end its worker processes, running ones too.

    The workers get SIGTERM, then SIGKILL after ``grace`` seconds. The pool cannot be used
    afterwards.

    Parameters
    ----------
    pool
        The executor.
    grace
        Seconds to wait for the workers to exit after SIGTERM.
    """
    with signals_ignored():
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
        # The pool's manager thread closes its wake-up pipe as it ends. Python's exit handler
        # writes to that pipe without the pool's lock (CPython 3.11), so a manager still
        # closing it at exit makes the interpreter print an OSError traceback: wait for it.
        if manager is not None and manager is not threading.current_thread():
            manager.join(_MANAGER_GRACE)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (main thread), then act as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, record) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread (a child started inside inherits the mask through exec)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover (Windows)
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class SpawnPool(ProcessPoolExecutor):
    """A ProcessPoolExecutor that terminates its workers when its ``with`` block fails.

    Also when the wait for the workers at the end of a successful block is interrupted
    (Ctrl-C, SIGTERM): the workers are stopped and the interrupt propagates.

    Its workers never print a KeyboardInterrupt traceback: a terminal's Ctrl-C reaches every
    process of the group, workers still importing their modules included (before any
    initializer could ignore it), so they start with SIGINT blocked (the signal mask survives
    fork and exec; multiprocessing's resource tracker starts the same way). Ctrl-C and SIGTERM
    in the parent wait until a new worker is registered, so a stop always finds every worker.
    """

    def _spawn_process(self) -> None:
        """Start one worker (ProcessPoolExecutor's hook) with SIGINT blocked in the child."""
        with _signals_deferred(), _sigint_blocked():
            super()._spawn_process()  # type: ignore[misc]

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        if kind is not None:
            terminate_workers(self)
            return None
        try:
            return super().__exit__(kind, exc, traceback)
        except BaseException:
            terminate_workers(self)
            raise


def check_executor(executor: object) -> None:
    """Refuse anything but an Executor or None, and a ProcessPoolExecutor that forks."""
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
                "rac_tn.analysis.sweeps.process_pool(n)."
            )


class TaskFailed(Exception):
    """Task ``index`` of :func:`run_on_executor` failed; its exception is the ``__cause__``."""

    __cause__: BaseException  # always raised from the task's exception

    def __init__(self, index: int) -> None:
        self.index = index
        super().__init__(f"task {index} failed")


def run_on_executor(
    executor: Executor,
    fn: Callable[..., Any],
    items: Sequence[Any],
    results: list[Any],
    report: Callable[[int, int], None],
    **kwargs: Any,
) -> None:
    """Set ``results[i] = fn(items[i], **kwargs)``, computed on ``executor``, as tasks finish.

    ``report(done, total)`` is called after each task. On a failed task the pending ones are
    cancelled and :class:`TaskFailed` is raised. On Ctrl-C (KeyboardInterrupt, also when a
    worker received it) the pending tasks are cancelled, a ProcessPoolExecutor's workers are
    terminated, the results finished meanwhile are kept in ``results``, and the
    KeyboardInterrupt propagates.
    """
    futures: dict[Future, int] = {}
    try:
        for i, item in enumerate(items):
            futures[executor.submit(fn, item, **kwargs)] = i
        for done, future in enumerate(as_completed(futures), start=1):
            exc = future.exception()
            if isinstance(exc, KeyboardInterrupt):
                raise exc
            if exc is not None:
                for other in futures:
                    other.cancel()
                raise TaskFailed(futures[future]) from exc
            results[futures[future]] = future.result()
            report(done, len(items))
    except KeyboardInterrupt:
        with signals_ignored():  # a second Ctrl-C must not lose the finished results
            for future in futures:
                future.cancel()
            if isinstance(executor, ProcessPoolExecutor):
                terminate_workers(executor)
            for future, i in futures.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    results[i] = future.result()
        raise
