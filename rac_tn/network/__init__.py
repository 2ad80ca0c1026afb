"""Tensor networks of the models: compilation to quimb, contraction and grid tensors.

:func:`compile_rac` builds the MPS (depth 1) or the copy tree (depth >= 2) of any model as a
:class:`RacNetwork`, which contracts along its structured path (:mod:`.contract`) and forms
grid tensors in float or exactly modulo a prime (:mod:`.grid_tensor`; a model whose cells
read their input several times by its own layers on residues, :mod:`.layered`).
"""

from __future__ import annotations

from rac_tn.network.compiled import (
    DEFAULT_MAX_TENSORS,
    KINDS,
    IndexInfo,
    NetworkKind,
    RacNetwork,
    TensorPlace,
    compile_network,
    compile_rac,
    count_tensors,
)

__all__ = [
    "DEFAULT_MAX_TENSORS",
    "KINDS",
    "IndexInfo",
    "NetworkKind",
    "RacNetwork",
    "TensorPlace",
    "compile_network",
    "compile_rac",
    "count_tensors",
]
