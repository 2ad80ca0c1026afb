"""Thread counts for the benchmark rows: one thread, or a default call's, set the same for all.

:func:`thread_count` sets BLAS (threadpoolctl), numba (``numba.set_num_threads``), FLINT as
rac_tn calls it (``RAC_TN_FLINT_THREADS``) and python-flint (``flint.ctx.threads``) to one count,
so a library call and its baseline run on the same threads; a given count also sets
``RAC_TN_THREADS``, which large exact ranks otherwise replace by the cores free at the call.
``None`` means what a default call gets on this machine: every core this process may use, and
for a large rank the free cores it measures.

:func:`interleaved` times several callables A, B, A, B, ... (each at its own thread count, set
outside the timed region) and keeps their medians, so load from other processes hits all alike.

:func:`gemm_rate`: float64 matrix-product multiply-adds a second, the machine's fastest dense
rate, which the floors of the rank rows use.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from _suite import Timing

_FLINT_ENV = "RAC_TN_FLINT_THREADS"
_RAC_TN_ENV = "RAC_TN_THREADS"  # the count of rac_tn's large ranks (else: the free cores)


def default_threads() -> int:
    """The thread count a default call uses: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def thread_count(n: int | None) -> Iterator[int]:
    """BLAS, numba, rac_tn's FLINT calls and python-flint on ``n`` threads (None: the default)."""
    import flint
    import numba
    from threadpoolctl import threadpool_limits

    count = default_threads() if n is None else int(n)
    names = (_FLINT_ENV, _RAC_TN_ENV)
    saved = (numba.get_num_threads(), flint.ctx.threads, {k: os.environ.get(k) for k in names})
    numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    flint.ctx.threads = count
    os.environ[_FLINT_ENV] = str(count)
    if n is not None:
        # a pinned count: a large rank then keeps it instead of choosing the free cores
        os.environ[_RAC_TN_ENV] = str(count)
    try:
        with threadpool_limits(count):
            yield count
    finally:
        numba.set_num_threads(saved[0])
        flint.ctx.threads = saved[1]
        for name, value in saved[2].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def thread_label(n: int | None) -> str:
    """'1 thread' or 'default threads (k)'."""
    return "1 thread" if n == 1 else f"default threads ({default_threads()})"


def interleaved(
    fns: dict[str, tuple[Callable[[], object], int | None]], reps: int
) -> tuple[dict[str, Timing], dict[str, object]]:
    """Median timings of ``name -> (callable, threads)``, repetitions interleaved.

    One untimed call each first (JIT, caches); its result is returned for correctness checks.
    """
    outputs: dict[str, object] = {}
    for name, (fn, n) in fns.items():
        with thread_count(n):
            outputs[name] = fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, (fn, n) in fns.items():
            with thread_count(n):
                begin = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - begin)
    return {name: Timing(ts) for name, ts in times.items()}, outputs


def gemm_rate(n: int, reps: int, threads: int | None) -> float:
    """Multiply-adds a second of one float64 ``n x n`` product (median of ``reps``)."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    seconds = []
    with thread_count(threads):
        a @ b  # warm-up
        for _ in range(max(reps, 3)):
            begin = time.perf_counter()
            a @ b
            seconds.append(time.perf_counter() - begin)
    return n**3 / statistics.median(seconds)


def lu_floor_seconds(K: int, rate: float) -> float:
    """K^3 / 3 multiply-adds (one LU of a K x K matrix) at ``rate`` multiply-adds a second."""
    return K**3 / 3.0 / rate
