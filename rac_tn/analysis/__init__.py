"""Analyses of models: reports of every bound and rank for one partition, and sweeps.

:func:`analyze` (:mod:`.reports`) gathers the bounds, theorem values and ranks of one model
and partition into a :class:`Report`; :func:`~rac_tn.analysis.sweeps.sweep` runs thousands of
configurations serially, on a process pool, on dask or on ray, and never loses a finished row.
"""

from __future__ import annotations

from rac_tn.analysis.reports import (
    NETWORK_CUT_MAX_TENSORS,
    ModelSizes,
    Report,
    ReportRow,
    analyze,
)

__all__ = ["NETWORK_CUT_MAX_TENSORS", "ModelSizes", "Report", "ReportRow", "analyze"]
