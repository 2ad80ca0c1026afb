"""rac_tn: Recurrent Arithmetic Circuits as tensor networks.

Build shallow and deep RACs, compile them into quimb tensor networks, contract them along
optimised paths, bound their separation rank by minimum cuts, compute exact ranks with FLINT and
draw the diagrams (after Levine, Sharir & Shashua, arXiv 1710.09431).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from rac_tn.model import RAC

try:
    __version__ = version("rac_tn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["RAC", "__version__"]
