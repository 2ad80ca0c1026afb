"""Upper bounds on separation rank: minimum cuts and the papers' theorem values.

The symmetric cut on the computation grid (:mod:`.symmetric`, searched over staircases by
max-flow in :mod:`.staircase` and :mod:`.flow`), the minimum cut of any compiled or user-built
tensor network (:mod:`.network_cut`), both returned as a :class:`CutBound`
(:mod:`.cut_bound`), and the closed forms of the theorems (:mod:`.theorems`).
"""

from __future__ import annotations

from rac_tn.bounds.cut_bound import CutBound, CutCategory, CutElement, CutMethod, Side
from rac_tn.bounds.network_cut import network_cut_bound
from rac_tn.bounds.symmetric import symmetric_bound

__all__ = [
    "CutBound",
    "CutCategory",
    "CutElement",
    "CutMethod",
    "Side",
    "network_cut_bound",
    "symmetric_bound",
]
