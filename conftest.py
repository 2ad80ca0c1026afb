"""Test-session set-up shared by tests/, the tutorials and the package's doctests.

The suite writes nothing into the checkout: numba's kernel cache and hypothesis's example
database live in a folder of the system's temporary directory, kept between runs so that the
kernels compile once per machine (numba reads ``NUMBA_CACHE_DIR`` when it is first imported, so
it is set here, before anything imports ``rac_tn``).
"""

from __future__ import annotations

import os
import tempfile

_CACHE = os.path.join(tempfile.gettempdir(), f"rac_tn-test-cache-{os.getuid()}")
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_CACHE, "numba"))
os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import configuration  # noqa: E402

configuration.set_hypothesis_home_dir(os.path.join(_CACHE, "hypothesis"))
