"""Shared test helpers (not tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np

from rac_tn import RAC


def gaussian_rac(M: int, R: int, L: int, C: int, seed: int = 0) -> RAC:
    """A RAC with standard-normal weights and initial states (no normalisation at all)."""
    rng = np.random.default_rng(seed)
    return RAC(
        [rng.standard_normal((R, M))] + [rng.standard_normal((R, R)) for _ in range(L - 1)],
        [rng.standard_normal((R, R)) for _ in range(L)],
        rng.standard_normal((C, R)),
        [rng.standard_normal(R) for _ in range(L)],
    )


def load_script(path: Path, name: str | None = None) -> ModuleType:
    """A script that is not part of the package (figures/, docs/, tutorials/), imported by path."""
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
