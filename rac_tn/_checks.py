"""Argument checks shared by every module: each names the argument and says what was expected."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeGuard

import numpy as np

from rac_tn._format import human_bytes


class FloatRangeError(ArithmeticError):
    """A float64 result that overflows or underflows; the exact routes (residues) still work."""


#: One limit on the size of a grid tensor (entries, all classes included) for every function
#: that forms one: 4 Mi entries (32 MiB as float64, a 2048 x 2048 square matricization).
DEFAULT_MAX_ENTRIES = 1 << 22


def is_int(value: object) -> TypeGuard[int | np.integer]:
    """True for a Python or numpy integer that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def positive_int(value: object, name: str) -> int:
    """``value`` as a Python int >= 1, or a TypeError / ValueError naming ``name``."""
    if not is_int(value):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def nonnegative_int(value: object, name: str) -> int:
    """``value`` as a Python int >= 0, or a TypeError / ValueError naming ``name``."""
    if not is_int(value):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def check_choice(value: object, name: str, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_class_index(class_index: object, num_classes: int) -> int:
    """``class_index`` as an int in ``0..num_classes-1``, or a TypeError / ValueError."""
    if not is_int(class_index):
        raise TypeError(
            f"class_index must be an integer in 0..{num_classes - 1}, got {class_index!r}"
        )
    if not 0 <= class_index < num_classes:
        raise ValueError(f"class_index must be in 0..{num_classes - 1}, got {class_index}")
    return int(class_index)


def check_seed(seed: object, name: str = "seed") -> int | np.random.Generator | None:
    """A seed numpy accepts (None, an int >= 0 or a Generator), or a TypeError naming ``name``."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if not is_int(seed) or seed < 0:
        raise TypeError(
            f"{name} must be None, a non-negative integer or a numpy Generator, got {seed!r}"
        )
    return int(seed)


def check_templates(templates: object, M: int, *, allow_int: bool = False) -> np.ndarray:
    """``templates`` as an ``(N, M)`` array (float64 unless ``allow_int``), ``I_M`` for None."""
    if templates is None:
        return np.eye(M, dtype=np.int64 if allow_int else np.float64)
    if is_int(templates):
        raise TypeError(
            f"templates must be an N x M array (M = {M}), got the number {templates!r}; "
            "a template count N is accepted only by the cut bounds"
        )
    arr = np.asarray(templates)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"templates must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != M or arr.shape[0] < 1:
        raise ValueError(
            f"templates must be an N x M array with M = {M} (one template per row, N >= 1), "
            f"got shape {arr.shape}"
        )
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError("templates contain NaN or infinite entries")
    if allow_int and np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    return arr.astype(np.float64)


def template_count(templates: object, M: int) -> int | None:
    """The number N of templates: None for None, a count as given, or the rows of an array."""
    if templates is None:
        return None
    if is_int(templates):
        return positive_int(templates, "templates")
    if isinstance(templates, (bool, np.bool_)):
        raise TypeError("templates must be None, a count N, or an N x M array")
    return int(check_templates(templates, M).shape[0])


def check_max_entries(max_entries: object) -> int:
    """The grid-tensor size limit: a positive int, or :data:`DEFAULT_MAX_ENTRIES` for None."""
    if max_entries is None:
        return DEFAULT_MAX_ENTRIES
    return positive_int(max_entries, "max_entries")


def physical_memory() -> int:
    """The physical memory of this machine in bytes (2**40 where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 1 << 40


def available_memory() -> int | None:
    """Bytes this process may still allocate, or None where nothing can be read.

    Linux ``MemAvailable``, lowered by a cgroup's memory limit and by an address-space limit
    (``ulimit -v``, as batch schedulers set).
    """
    found = [left for left in (_mem_available(), _cgroup_left(), _address_space_left()) if left]
    return min(found) if found else None


def memory_ceiling() -> int:
    """The most memory this process could ever hold: the machine's, a cgroup's or ``ulimit -v``."""
    limits = [physical_memory()]
    cgroup = _cgroup_files()
    if cgroup is not None:
        limits.append(cgroup[0])
    soft = _address_space_limit()
    if soft is not None:
        limits.append(soft)
    return min(limits)


def _mem_available() -> int | None:
    """Linux ``MemAvailable`` (or the available physical pages elsewhere)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _address_space_limit() -> int | None:
    """The soft ``RLIMIT_AS`` in bytes, None when unlimited (or not POSIX)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None
    return None if soft in (resource.RLIM_INFINITY, -1) else int(soft)


def _address_space_left() -> int | None:
    """Address space left under ``RLIMIT_AS``: the limit less this process's ``VmSize``."""
    soft = _address_space_limit()
    if soft is None:
        return None
    used = 0
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - used, 1)


def _cgroup_files(
    proc: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup"
) -> tuple[int, int] | None:
    """(limit, usage) of this process's memory cgroup (v2 or v1), None without a limit."""
    try:
        with open(proc) as f:
            entries = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return None
    for _, controllers, path in (e for e in entries if len(e) == 3):
        if controllers == "":  # v2: memory.max / memory.current
            names, base = ("memory.max", "memory.current"), root + path
        elif "memory" in controllers.split(","):
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes")
            base = root + "/memory" + path
        else:
            continue
        try:
            with open(f"{base}/{names[0]}") as f:
                limit_text = f.read().strip()
            with open(f"{base}/{names[1]}") as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        # "max" (v2) or a page-rounded 2**63 (v1) mean no limit
        if limit_text != "max" and int(limit_text) < 1 << 62:
            return int(limit_text), usage
    return None


def _cgroup_left() -> int | None:
    """Bytes left under this process's memory cgroup limit, None without one."""
    found = _cgroup_files()
    return None if found is None else max(found[0] - found[1], 1)


def check_fits_in_memory(nbytes: int, what: str, advice: str = "") -> None:
    """A MemoryError, before any work, for a request above 3/4 of :func:`memory_ceiling`."""
    ceiling = memory_ceiling()
    if nbytes > ceiling * 3 // 4:
        raise MemoryError(
            f"{what} would need {human_bytes(nbytes)}, more than this process can hold "
            f"(3/4 of {human_bytes(ceiling)}). {advice}".rstrip()
        )


def check_float_range(values: np.ndarray, what: str, advice: str) -> np.ndarray:
    """``values`` if every entry is finite, else a :class:`FloatRangeError` with ``advice``."""
    finite = np.isfinite(values)
    if not finite.all():
        bad = int(values.size - np.count_nonzero(finite))
        raise FloatRangeError(
            f"{what} overflows float64 ({bad:,} of {values.size:,} entries are inf or NaN). "
            f"{advice}"
        )
    return values
