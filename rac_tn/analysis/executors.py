"""Executors for sweeps beyond dask: a spawning local process pool and ray.

The interruption plumbing they rely on (spawned pools that terminate their workers, tasks
collected in order) is in :mod:`rac_tn.analysis.interrupt`. Both are re-exported by
:mod:`rac_tn.analysis.sweeps`, where they are documented.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from rac_tn._checks import positive_int
from rac_tn.analysis.interrupt import SpawnPool, ignore_sigint

__all__ = ["RayExecutor", "process_pool"]


def process_pool(max_workers: int | None = None) -> ProcessPoolExecutor:
    """Create a local ``ProcessPoolExecutor`` that is safe for :func:`sweep` (spawned workers).

    Its workers ignore Ctrl-C from their first instruction on (the sweep in the parent stops
    them), and leaving its ``with`` block by an exception, or an interrupt while it waits for
    them at its end, terminates them at once instead of waiting for running tasks.

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
