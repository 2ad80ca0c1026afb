"""Shared test helpers (not tests)."""

from __future__ import annotations

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
