"""Upper bounds on separation ranks: minimum cuts and the papers' closed forms.

:func:`symmetric_bound` (the symmetric cut on the computation grid) and
:func:`network_cut_bound` (the minimum cut of a compiled or any quimb network) both return a
:class:`CutBound` with an exact ``value``; the closed forms are in :mod:`rac_tn.bounds.theorems`
(which imports no numba, quimb or FLINT). Names are imported on first use.
Why each is a bound: [Theory: the symmetric cut][theory-symmetric-cut] and
[Theory: the network cut][theory-network-cut].
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
