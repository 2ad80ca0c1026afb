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
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("rac_tn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:  # the lazy exports, for type checkers (`X as X`: re-exported)
    from rac_tn.analysis import Report as Report
    from rac_tn.analysis import analyze as analyze
    from rac_tn.analysis.sweeps import SweepConfig as SweepConfig
    from rac_tn.analysis.sweeps import SweepRow as SweepRow
    from rac_tn.analysis.sweeps import sweep as sweep
    from rac_tn.bounds import CutBound as CutBound
    from rac_tn.bounds import network_cut_bound as network_cut_bound
    from rac_tn.bounds import symmetric_bound as symmetric_bound
    from rac_tn.bounds.theorems import TheoremBounds as TheoremBounds
    from rac_tn.bounds.theorems import theorem_bounds as theorem_bounds
    from rac_tn.counting import input_degrees as input_degrees
    from rac_tn.diagram import draw as draw
    from rac_tn.diagram import to_tikz as to_tikz
    from rac_tn.exact.function_dimension import FunctionDimension as FunctionDimension
    from rac_tn.exact.function_dimension import function_dimension as function_dimension
    from rac_tn.exact.hankel import hankel_rank as hankel_rank
    from rac_tn.exact.rank import RankResult as RankResult
    from rac_tn.exact.rank import rank_cost as rank_cost
    from rac_tn.exact.rank import separation_rank as separation_rank
    from rac_tn.exact.spectrum import Spectrum as Spectrum
    from rac_tn.exact.spectrum import spectrum as spectrum
    from rac_tn.models import CP2RNN as CP2RNN
    from rac_tn.models import MIRNN as MIRNN
    from rac_tn.models import TTRNN as TTRNN
    from rac_tn.models import GatedSSM as GatedSSM
    from rac_tn.models import LinearAttention as LinearAttention
    from rac_tn.models import LinearRNN as LinearRNN
    from rac_tn.models import SecondOrderRNN as SecondOrderRNN
    from rac_tn.models import as_model as as_model
    from rac_tn.models.computation_grid import computation_grid as computation_grid
    from rac_tn.models.rac import RAC as RAC
    from rac_tn.network import RacNetwork as RacNetwork
    from rac_tn.network import compile_network as compile_network
    from rac_tn.network import compile_rac as compile_rac
    from rac_tn.network.grid_tensor import grid_tensor as grid_tensor
    from rac_tn.partition import Partition as Partition
    from rac_tn.partition import interleaved as interleaved
    from rac_tn.partition import start_end as start_end

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
    "rank_cost": "rac_tn.exact.rank",
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
