"""How many threads the exact ranks use: the cores that are free now, unless the user said.

On a machine where other work runs (a CI job, a laptop, a shared cluster node, the other
workers of a sweep), threads beyond the free cores do not add speed: they wait for each other
in every parallel region (an elimination has many), and all-cores was measured 1.5-2.7x slower
than one thread there. So a large exact rank first measures how busy the cores are
(``/proc/stat`` over a tenth of a second) and runs numba's kernels and the BLAS on the cores
that are free. ``RAC_TN_THREADS`` sets the count for these blocks; a thread count set for the
libraries (``OMP_NUM_THREADS``, ``NUMBA_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS``) is left as it is.

Examples
--------
>>> choose_threads(cores=8, busy=5.6, user=None)   # 2.4 cores free
2
>>> choose_threads(cores=8, busy=7.9, user=None)   # never fewer than one
1
>>> choose_threads(cores=8, busy=0.0, user=3)      # the user's setting wins
3
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Environment variables that set a thread count the library then leaves alone.
USER_VARIABLES = (
    "RAC_TN_THREADS",
    "OMP_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
#: How long the cores are watched before a large rank chooses its threads.
SAMPLE_SECONDS = 0.1
_active: int | None = None  # the count chosen for the running block


def usable_cores() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def user_set_threads(environ: dict[str, str] | None = None) -> bool:
    """Whether the user set a thread count in the environment (any of :data:`USER_VARIABLES`)."""
    env = os.environ if environ is None else environ
    return any(env.get(name, "").strip() for name in USER_VARIABLES)


def _cpu_times(stat: str) -> tuple[int, int, int]:
    """``(busy jiffies, all jiffies, cpus)`` from the text of ``/proc/stat``."""
    lines = stat.splitlines()
    fields = [int(v) for v in lines[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for I/O
    total = sum(fields[:8])  # guest time is already counted in user time
    cpus = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    return total - idle, total, max(cpus, 1)


def _own_jiffies(path: str) -> int:
    """CPU time of this process in jiffies, all threads (``utime + stime``, /proc/self/stat)."""
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after the command name, from field 3
    return int(fields[11]) + int(fields[12])


def busy_cores(
    seconds: float = SAMPLE_SECONDS, path: str = "/proc/stat", own: str = "/proc/self/stat"
) -> float | None:
    """How many cores other work keeps busy, watched over ``seconds`` (None if unknown).

    This process's own threads are not other work: numba's and the BLAS's workers of a call
    just finished can spin for a while, and counted as busy they made the next call run on
    one thread (``own``: where this process's CPU time is read; unreadable counts as none).
    """
    try:
        own0 = _own_jiffies(own)
    except (OSError, ValueError, IndexError):
        own0 = None
    try:
        with open(path) as f:
            busy0, total0, cpus = _cpu_times(f.read())
        time.sleep(seconds)
        with open(path) as f:
            busy1, total1, _ = _cpu_times(f.read())
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0]
        except OSError:  # pragma: no cover - no load average either
            return None
    if total1 <= total0:
        return None
    mine = 0
    if own0 is not None:
        try:
            mine = _own_jiffies(own) - own0
        except (OSError, ValueError, IndexError):
            mine = 0
    return max(0.0, cpus * (busy1 - busy0 - mine) / (total1 - total0))


def choose_threads(cores: int, busy: float | None, user: int | None) -> int:
    """The user's count if set; else the free cores, rounded to nearest, between 1 and ``cores``."""
    if user is not None:
        return user
    if busy is None:
        return cores
    return max(1, min(cores, math.floor(cores - busy + 0.5)))


@contextmanager
def free_core_threads(enabled: bool = True) -> Iterator[int | None]:
    """Run the block with numba and the BLAS on the free cores; yields the count (None: unset).

    ``RAC_TN_THREADS`` gives the count; else nothing changes when ``enabled`` is False, when
    the user set a library's thread count, or on one core. The previous settings come back
    afterwards.
    """
    global _active
    cores = usable_cores()
    ours = os.environ.get("RAC_TN_THREADS", "").strip()
    others = {k: v for k, v in os.environ.items() if k != "RAC_TN_THREADS"}
    if not enabled or (not ours and (cores == 1 or user_set_threads(others))):
        yield None
        return
    import numba
    from threadpoolctl import threadpool_limits

    if ours:
        if not ours.isdigit() or int(ours) < 1:
            raise ValueError(f"RAC_TN_THREADS must be a positive integer, got {ours!r}")
        count = int(ours)  # the user's count for rac_tn's own work
    else:
        count = choose_threads(cores, busy_cores(), None)
    count = min(count, int(numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    before, active_before = numba.get_num_threads(), _active
    numba.set_num_threads(count)
    _active = count
    try:
        with threadpool_limits(count):
            yield count
    finally:
        numba.set_num_threads(before)
        _active = active_before


def active_threads() -> int | None:
    """The count :func:`free_core_threads` chose for the running block (None outside one)."""
    return _active
