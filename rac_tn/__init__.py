"""rac_tn: Recurrent Arithmetic Circuits as tensor networks.

Build shallow and deep RACs, compile them into quimb tensor networks, contract them along
optimised paths, bound their separation rank by minimum cuts, compute exact ranks with FLINT and
draw the diagrams (after Levine, Sharir & Shashua, arXiv 1710.09431).

Names are imported on first use, so ``import rac_tn`` (and ``rac-tn --version``) stays fast and
does not load quimb or matplotlib until they are needed.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("rac_tn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

_EXPORTS: dict[str, str] = {
    "RAC": "rac_tn.models.rac",
    "CP2RNN": "rac_tn.models",
    "SecondOrderRNN": "rac_tn.models",
    "MIRNN": "rac_tn.models",
    "LinearRNN": "rac_tn.models",
    "LinearAttention": "rac_tn.models",
    "GatedSSM": "rac_tn.models",
    "TTRNN": "rac_tn.models",
    "as_model": "rac_tn.models",
    "compile_rac": "rac_tn.network",
    "compile_network": "rac_tn.network",
    "RacNetwork": "rac_tn.network",
    "grid_tensor": "rac_tn.network.grid_tensor",
    "Partition": "rac_tn.partition",
    "start_end": "rac_tn.partition",
    "interleaved": "rac_tn.partition",
    "computation_grid": "rac_tn.models.computation_grid",
    "input_degrees": "rac_tn.counting",
    "CutBound": "rac_tn.bounds",
    "network_cut_bound": "rac_tn.bounds",
    "symmetric_bound": "rac_tn.bounds",
    "theorem_bounds": "rac_tn.bounds.theorems",
    "TheoremBounds": "rac_tn.bounds.theorems",
    "RankResult": "rac_tn.exact.rank",
    "separation_rank": "rac_tn.exact.rank",
    "spectrum": "rac_tn.exact.spectrum",
    "hankel_rank": "rac_tn.exact.hankel",
    "function_dimension": "rac_tn.exact.function_dimension",
    "FunctionDimension": "rac_tn.exact.function_dimension",
    "Spectrum": "rac_tn.exact.spectrum",
    "Report": "rac_tn.analysis",
    "analyze": "rac_tn.analysis",
    "sweep": "rac_tn.analysis.sweeps",
    "SweepConfig": "rac_tn.analysis.sweeps",
    "SweepRow": "rac_tn.analysis.sweeps",
    "draw": "rac_tn.diagram",
    "to_tikz": "rac_tn.diagram",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rac_tn' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
