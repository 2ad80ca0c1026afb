"""Upper bounds on separation rank: minimum cuts and the papers' theorem values.

The symmetric cut on the computation grid (:mod:`.symmetric`, searched over staircases by
max-flow in :mod:`.staircase` and :mod:`.flow`), the minimum cut of any compiled or user-built
tensor network (:mod:`.network_cut`), both returned as a :class:`CutBound`
(:mod:`.cut_bound`), and the closed forms of the theorems (:mod:`.theorems`, which import no
numba, quimb or FLINT). Names are imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rac_tn.bounds.cut_bound import CutBound, CutCategory, CutElement, CutMethod, Side
    from rac_tn.bounds.network_cut import network_cut_bound
    from rac_tn.bounds.symmetric import symmetric_bound

_EXPORTS = {
    "CutBound": "cut_bound",
    "CutCategory": "cut_bound",
    "CutElement": "cut_bound",
    "CutMethod": "cut_bound",
    "Side": "cut_bound",
    "network_cut_bound": "network_cut",
    "symmetric_bound": "symmetric",
}

__all__ = [
    "CutBound",
    "CutCategory",
    "CutElement",
    "CutMethod",
    "Side",
    "network_cut_bound",
    "symmetric_bound",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rac_tn.bounds' has no attribute {name!r}")
    value = getattr(import_module(f"rac_tn.bounds.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
