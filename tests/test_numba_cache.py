"""The serial and parallel variants of a kernel never load each other's cached code.

numba names cache files after the function, not after ``parallel=``; compiled twice from one
function, a later process loads whichever variant was cached first for both. The test compiles
only the serial variant in one process, then asks for the parallel one in a second process:
it must be compiled (a cache miss), not loaded from the serial entry.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

MODULE = textwrap.dedent(
    """
    from numba import prange
    from rac_tn.arith.numba_setup import parallel_and_serial

    def total(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i]
        return s

    PARALLEL, SERIAL = parallel_and_serial(total)
    """
)


def _run(tmp_path, code):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("first,second", [("SERIAL", "PARALLEL"), ("PARALLEL", "SERIAL")])
def test_each_variant_has_its_own_cache_entry(tmp_path, first, second):
    (tmp_path / "kernel_module.py").write_text(MODULE)
    call = "import numpy as np, kernel_module as k; f = k.{}; f(np.ones(4)); "
    stats = "print(sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values()))"
    assert _run(tmp_path, call.format(first) + stats) == ["0", "1"]  # compiled and cached
    assert _run(tmp_path, call.format(second) + stats) == ["0", "1"]  # its own: compiled
    assert _run(tmp_path, call.format(second) + stats) == ["1", "0"]  # now loaded
    assert _run(tmp_path, call.format(first) + stats) == ["1", "0"]
    names = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").rglob("*.nbi"))
    assert names == ["kernel_module.total", "kernel_module.total_serial"]
