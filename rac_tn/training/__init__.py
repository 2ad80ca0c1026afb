"""Training the families on the papers' tasks, and measuring the memory they learn.

- :mod:`rac_tn.training.specs` (numpy): each task's data, encoding, loss and schedule;
- :mod:`rac_tn.training.memory` (numpy): the memory of a model, a numerical spectrum (Hankel
  for a linear RNN, the sampled Start-End matricization for a polynomial family) with its
  ``eps``-ranks and entropy, next to the exact rank;
- :mod:`rac_tn.training.modules` (PyTorch): the five families as torch modules with identity
  activations and the seed code's parameter names;
- :mod:`rac_tn.training.loop` (PyTorch): :func:`train`, the papers' optimiser, loss and early
  stopping on the CPU, with checkpoints, a metrics file and memory at every checkpoint.

PyTorch is an optional extra (``pip install torch``): the names of this package are imported
on first use, and only the torch modules need it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: The tasks ``rac-tn train --task`` takes (see :mod:`rac_tn.training.specs`).
TASK_NAMES = ("copying", "start-end-similarity", "linear-copy", "sin-copy", "temporal-product")
#: The families ``rac-tn train --model`` takes (see :mod:`rac_tn.training.modules`).
TRAINABLE_FAMILIES = ("linear", "cp2rnn", "mirnn", "2rnn", "rac")

_EXPORTS = {
    "TaskSpec": "rac_tn.training.specs",
    "Schedule": "rac_tn.training.specs",
    "make_task": "rac_tn.training.specs",
    "MemoryReport": "rac_tn.training.memory",
    "measure_memory": "rac_tn.training.memory",
    "hankel_memory": "rac_tn.training.memory",
    "separation_memory": "rac_tn.training.memory",
    "torch_model": "rac_tn.training.modules",
    "to_rac_tn": "rac_tn.training.modules",
    "TrainConfig": "rac_tn.training.loop",
    "TrainResult": "rac_tn.training.loop",
    "train": "rac_tn.training.loop",
}

__all__ = [
    "TASK_NAMES",
    "TRAINABLE_FAMILIES",
    "MemoryReport",
    "Schedule",
    "TaskSpec",
    "TrainConfig",
    "TrainResult",
    "hankel_memory",
    "make_task",
    "measure_memory",
    "separation_memory",
    "to_rac_tn",
    "torch_model",
    "train",
]

if TYPE_CHECKING:
    from rac_tn.training.loop import TrainConfig, TrainResult, train
    from rac_tn.training.memory import (
        MemoryReport,
        hankel_memory,
        measure_memory,
        separation_memory,
    )
    from rac_tn.training.modules import to_rac_tn, torch_model
    from rac_tn.training.specs import Schedule, TaskSpec, make_task


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rac_tn.training' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
