"""Upper bounds on separation ranks: minimum cuts and the papers' closed forms.

:func:`symmetric_bound` (the symmetric cut on the computation grid) and
:func:`network_cut_bound` (the minimum cut of a compiled or any quimb network) both return a
:class:`CutBound` with an exact ``value``; the closed forms are in :mod:`rac_tn.bounds.theorems`.
Why each is a bound: [Theory: the symmetric cut][theory-symmetric-cut] and
[Theory: the network cut][theory-network-cut].
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
