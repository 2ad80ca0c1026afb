"""FLINT plumbing: the rank of a residue matrix modulo a word-size prime, on all cores.

:func:`rank_mod_p` copies the ``uint64`` residues straight into a FLINT ``nmod_mat`` (``ctypes``,
after a self-test at first use; else python-flint's list constructor) and runs ``nmod_mat_lu``
on :func:`flint_threads` threads (``RAC_TN_FLINT_THREADS``, else this process's cores).
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

import flint
import numpy as np

from rac_tn._threads import active_threads, usable_cores

_ENV_THREADS = "RAC_TN_FLINT_THREADS"
_STRUCT_BYTES = 256  # room for an nmod_mat_struct (48 bytes in FLINT 3)
_lib: ctypes.CDLL | None = None
_direct_ok: bool | None = None  # None: not tested yet


def flint_threads() -> int:
    """Threads FLINT may use: ``$RAC_TN_FLINT_THREADS``, the free cores, or all cores.

    The free cores are those a large rank chose (:func:`rac_tn._threads.free_core_threads`).
    """
    env = os.environ.get(_ENV_THREADS, "").strip()
    if env:
        return max(1, int(env))
    return active_threads() or usable_cores()


_FLINT_LOCK = threading.Lock()


def rank_mod_p(matrix: np.ndarray, p: int, *, threads: int | None = None) -> int:
    """The rank over ``F_p`` of a matrix of residues (FLINT LU, all cores by default).

    Parameters
    ----------
    matrix
        A 2-D array of nonnegative integers (``uint64`` ideally); entries ``>= p`` are reduced.
    p
        A prime below ``2**63`` (not checked here: callers check it once).
    threads
        FLINT threads for this call; default :func:`flint_threads`.

    Returns
    -------
    int

    Examples
    --------
    >>> rank_mod_p(np.array([[1, 2], [2, 4]], dtype=np.uint64), 101)
    1
    """
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {arr.shape}")
    rows, cols = arr.shape
    if rows == 0 or cols == 0:
        return 0
    arr = np.ascontiguousarray(arr, dtype=np.uint64)
    if arr.max() >= p:
        arr = arr % np.uint64(p)
    # FLINT's thread count is global and its thread pool is not for concurrent callers: one
    # rank at a time per process (two sweep rows on a thread pool aborted the process)
    with _FLINT_LOCK:
        previous = flint.ctx.threads
        flint.ctx.threads = flint_threads() if threads is None else max(1, int(threads))
        try:
            if _direct_available():
                return _rank_direct(arr, p)
            return _rank_python_flint(arr, p)
        finally:
            flint.ctx.threads = previous


def _rank_python_flint(arr: np.ndarray, p: int) -> int:
    """The rank by python-flint's own constructor (Python integers)."""
    rows, cols = arr.shape
    return int(flint.nmod_mat(rows, cols, arr.ravel().tolist(), p).rank())


def _rank_direct(arr: np.ndarray, p: int) -> int:
    """The rank by ``nmod_mat_lu`` on a matrix filled by one ``memmove`` (row-major entries)."""
    lib = _lib
    assert lib is not None  # callers check _direct_available() first
    rows, cols = arr.shape
    mat = ctypes.create_string_buffer(_STRUCT_BYTES)
    lib.nmod_mat_init(mat, rows, cols, ctypes.c_ulong(p))
    try:
        entries = ctypes.c_void_p.from_buffer(mat).value
        assert entries is not None  # nmod_mat_init allocated rows x cols > 0 entries
        ctypes.memmove(entries, arr.ctypes.data, arr.nbytes)
        perm = (ctypes.c_long * rows)()
        return int(lib.nmod_mat_lu(perm, mat, 0))
    finally:
        lib.nmod_mat_clear(mat)


def _find_library() -> ctypes.CDLL | None:
    """The libflint python-flint loaded (same handle, so ``ctx.threads`` applies to it)."""
    candidates = []
    try:
        maps = Path("/proc/self/maps").read_text()
        candidates += sorted({line.split()[-1] for line in maps.splitlines() if "libflint" in line})
    except OSError:
        pass
    site = Path(flint.__file__).resolve().parent.parent
    candidates += [str(p) for p in sorted(site.glob("python_flint.libs/libflint*"))]
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            lib.nmod_mat_init.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_long,
                                          ctypes.c_ulong]  # fmt: skip
            lib.nmod_mat_init.restype = None
            lib.nmod_mat_clear.argtypes = [ctypes.c_void_p]
            lib.nmod_mat_clear.restype = None
            lib.nmod_mat_lu.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
            lib.nmod_mat_lu.restype = ctypes.c_long
            lib.flint_get_num_threads.restype = ctypes.c_int
            return lib
        except (OSError, AttributeError):
            continue
    return None


def _direct_available() -> bool:
    """Find libflint and check the direct path against python-flint (once per process)."""
    global _lib, _direct_ok
    if _direct_ok is None:
        _direct_ok = False
        lib = _find_library()
        if lib is not None:
            _lib = lib
            try:
                _direct_ok = _self_test(lib)
            except Exception:  # noqa: BLE001 - any failure means: use python-flint
                _direct_ok = False
    return _direct_ok


def _self_test(lib: ctypes.CDLL) -> bool:
    """Whether ``lib`` is python-flint's instance and its ranks agree with python-flint's."""
    previous = flint.ctx.threads
    try:
        flint.ctx.threads = 2
        if lib.flint_get_num_threads() != 2:
            return False
    finally:
        flint.ctx.threads = previous
    rng = np.random.default_rng(12345)
    for p in (101, 2_147_483_647, (1 << 61) - 1, 4_611_686_018_427_387_847):
        for rows, cols, rank in ((7, 5, 5), (9, 9, 4), (3, 11, 2), (40, 40, 40)):
            a = rng.integers(0, p, size=(rows, rank), dtype=np.uint64)
            b = rng.integers(0, p, size=(rank, cols), dtype=np.uint64)
            prod = flint.nmod_mat(a.tolist(), p) * flint.nmod_mat(b.tolist(), p)
            arr = np.array([[int(x) for x in row] for row in prod.tolist()], dtype=np.uint64)
            if _rank_direct(arr, p) != _rank_python_flint(arr, p):
                return False
    return True


__all__ = ["flint_threads", "rank_mod_p"]
