"""Compiling one kernel source both serial and parallel, each with its own on-disk cache.

numba names cache entries after the function, not after ``parallel=``, so the serial variant is
compiled from a copy of the function under its own name.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from numba import njit

__all__ = ["parallel_and_serial"]


def parallel_and_serial(fn: Callable, **options: Any) -> tuple[Any, Any]:
    """The ``(parallel, serial)`` numba dispatchers of ``fn``, cached under different names.

    Parameters
    ----------
    fn
        A plain Python function written for numba (``prange`` loops run as ``range`` when
        compiled serially).
    **options
        Further ``njit`` options for both (e.g. ``fastmath=True``); ``cache=True`` is implied.

    Returns
    -------
    tuple
        ``(parallel, serial)``; the serial one is compiled from a copy named
        ``<name>_serial``, so the two never load each other's cached machine code.
    """
    serial_fn = types.FunctionType(
        fn.__code__, fn.__globals__, f"{fn.__name__}_serial", fn.__defaults__, fn.__closure__
    )
    serial_fn.__qualname__ = f"{fn.__qualname__}_serial"
    serial_fn.__module__ = fn.__module__
    serial_fn.__doc__ = fn.__doc__
    return (
        njit(cache=True, parallel=True, **options)(fn),
        njit(cache=True, **options)(serial_fn),
    )
