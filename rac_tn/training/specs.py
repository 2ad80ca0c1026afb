"""What training on each task means: its data, encoding, loss, optimiser and stopping rule.

A :class:`TaskSpec` turns a generator of :mod:`rac_tn.tasks` into model inputs (one-hot vectors
for symbols, the vectors themselves for real data) and names the loss and the schedule of the
paper whose experiment the task comes from:

- Levine, Sharir & Shashua (``copying``, ``start-end-similarity``; code
  HUJI-Deep/Long-Term-Memory-of-Deep-RNNs, ``common/RNN_wrapper.py``): softmax cross-entropy
  (at every step for Copying, at the last step for Start-End Similarity), RMSProp (learning
  rate 1e-3, decay 0.9) on a fresh batch of 128 at every step, a validation check every 1000
  steps on a fixed validation set of 5000; at the 11th check in a row without an improvement
  above ``min_delta`` (``1e-3 M / T`` for Copying, ``1e-3`` for Start-End Similarity; their
  code's patience 10) the learning rate drops tenfold once, and the next such stall stops
  training; the weights of the best check are kept. Here an epoch (the steps between checks)
  is 100 steps and the validation and test sets have 1024 sequences, to fit a CPU.
- Lizaire, Rizvi-Martel, Dupuis & Rabusseau (``linear-copy``, ``sin-copy``,
  ``temporal-product``; code MaudeLiz/Role_of_Depth_in_RNNs, ``src/task.py`` and
  ``configs/synthetic_configs.yaml``): the masked MSE, Adam (1e-3), 1000 fixed training
  sequences in shuffled batches of 128, 2000 validation and 2000 test sequences, at most 1000
  epochs, early stopping after 400 epochs without a lower validation loss; the test loss is
  that of the best epoch.

The task sizes default to small values that train on one CPU core in minutes (the papers'
sizes are given in :data:`PAPER_SIZES`); every schedule value can be overridden.

Examples
--------
>>> spec = make_task("linear-copy")
>>> spec.input_dim, spec.output_dim, spec.length, spec.loss
(5, 5, 16, 'masked_mse')
>>> x, y = spec.sample(4, seed=0)
>>> x.shape, y.shape
((4, 16, 5), (4, 16, 5))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rac_tn import tasks
from rac_tn._checks import is_int
from rac_tn.training import TASK_NAMES

__all__ = [
    "PAPER_SIZES",
    "TASK_NAMES",
    "Schedule",
    "TaskSpec",
    "make_task",
]

Loss = Literal["cross_entropy", "masked_mse"]

#: The CLI's task names and the generator options each takes (with their defaults).
_OPTIONS: dict[str, dict[str, int]] = {
    "copying": {"alphabet": 4, "memorize": 4, "delay": 8},
    "start-end-similarity": {"length": 12, "alphabet": 3, "compared": 6, "classes": 2},
    "linear-copy": {"length": 16, "lookahead": 8, "dim": 5},
    "sin-copy": {"length": 16, "lookahead": 8, "dim": 5},
    "temporal-product": {"length": 16, "lookahead": 2, "dim": 5},
}

#: The sizes of the papers' own runs, for reference (the defaults here are smaller).
PAPER_SIZES: dict[str, dict[str, int]] = {
    "copying": {"alphabet": 32, "memorize": 30, "delay": 10, "steps_per_epoch": 1000},
    "start-end-similarity": {
        "length": 80, "alphabet": 32, "compared": 30, "classes": 2, "steps_per_epoch": 1000,
    },
    "linear-copy": {"length": 16, "lookahead": 8, "dim": 5, "train_size": 1000},
}  # fmt: skip

_COPY_MODES = {"linear-copy": "linear", "sin-copy": "sin", "temporal-product": "temporal_product"}


@dataclass(frozen=True)
class Schedule:
    """How to train: optimiser, data, validation and stopping.

    Attributes
    ----------
    optimizer
        ``'rmsprop'`` (TensorFlow 1's RMSProp: mean square started at 1, epsilon inside the
        square root, as the Levine et al. code ran it) or ``'adam'``.
    lr
        The learning rate.
    batch_size
        Sequences per step.
    fresh_batches
        True: a new batch is drawn at every step and an epoch is ``steps_per_epoch`` steps;
        False: ``train_size`` fixed sequences, an epoch is one shuffled pass over them.
    steps_per_epoch
        Steps between validation checks with fresh batches.
    train_size, val_size, test_size
        The fixed data sets (``train_size`` only without fresh batches).
    max_epochs
        The epoch budget.
    patience
        Validation checks without an improvement of more than ``min_delta`` before the
        learning rate drops (``lr_drops`` times, by ``lr_factor``) or training stops.
    min_delta
        The least decrease of the validation loss that counts as an improvement.
    lr_drops, lr_factor
        How many times a stall lowers the learning rate (by ``lr_factor``) before the next
        stall stops training.
    """

    optimizer: Literal["rmsprop", "adam"]
    lr: float
    batch_size: int
    fresh_batches: bool
    steps_per_epoch: int
    train_size: int
    val_size: int
    test_size: int
    max_epochs: int
    patience: int
    min_delta: float
    lr_drops: int = 0
    lr_factor: float = 0.1

    def replace(self, **changes: Any) -> Schedule:
        """A copy with some values changed (checked: positive sizes and rates)."""
        for name, value in changes.items():
            if value is None:
                continue
            if name in ("lr", "min_delta", "lr_factor"):
                if not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                    raise ValueError(f"{name} must be a finite non-negative number, got {value!r}")
                if name != "min_delta" and value == 0:
                    raise ValueError(f"{name} must be positive, got {value!r}")
            elif name in ("optimizer", "fresh_batches"):
                pass
            elif not is_int(value) or value < (0 if name == "lr_drops" else 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        kept = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **kept)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields."""
        return dataclasses.asdict(self)


def _levine(min_delta: float) -> Schedule:
    """The Levine et al. schedule (patience 10 in their code: it stops at the 11th stall)."""
    return Schedule(
        optimizer="rmsprop", lr=1e-3, batch_size=128, fresh_batches=True, steps_per_epoch=100,
        train_size=0, val_size=1024, test_size=1024, max_epochs=100, patience=11,
        min_delta=min_delta, lr_drops=1,
    )  # fmt: skip


def _lizaire() -> Schedule:
    """The Lizaire et al. synthetic schedule (``configs/synthetic_configs.yaml``)."""
    return Schedule(
        optimizer="adam", lr=1e-3, batch_size=128, fresh_batches=False, steps_per_epoch=0,
        train_size=1000, val_size=2000, test_size=2000, max_epochs=1000, patience=400,
        min_delta=0.0,
    )  # fmt: skip


@dataclass(frozen=True)
class TaskSpec:
    """One task: its generator options, model interface, loss and schedule.

    Attributes
    ----------
    name
        One of :data:`TASK_NAMES`.
    options
        The generator's options (see :mod:`rac_tn.tasks`).
    length
        T, the sequence length.
    input_dim, output_dim
        The model's input size (the vocabulary for one-hot symbols) and number of outputs.
    every_step
        True when the loss reads the output after every step, False for the last step only.
    loss
        ``'cross_entropy'`` (symbols or labels) or ``'masked_mse'`` (real targets).
    schedule
        The paper's :class:`Schedule` (CPU-sized where noted).
    """

    name: str
    options: Mapping[str, int]
    length: int
    input_dim: int
    output_dim: int
    every_step: bool
    loss: Loss
    schedule: Schedule = field(compare=False)

    def generate(self, count: int, seed: int | np.random.Generator | None):
        """The generator's own output (symbols or vectors, targets or labels)."""
        if self.name == "copying":
            return tasks.copying(count, seed=seed, **self.options)
        if self.name == "start-end-similarity":
            return tasks.start_end_similarity(count, seed=seed, **self.options)
        return tasks.synthetic_copy(count, mode=_COPY_MODES[self.name], seed=seed, **self.options)

    def encode(self, inputs: np.ndarray) -> np.ndarray:
        """Model inputs ``(count, T, input_dim)`` float64: one-hot symbols, or the vectors."""
        if self.loss == "masked_mse":
            return np.asarray(inputs, dtype=np.float64)
        return np.eye(self.input_dim)[inputs]

    def sample(
        self, count: int, seed: int | np.random.Generator | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(model inputs, targets)``: encoded inputs and the generator's targets."""
        inputs, targets = self.generate(count, seed)
        return self.encode(inputs), targets

    def sample_inputs(self, count: int, seed: int | np.random.Generator | None) -> np.ndarray:
        """``count`` encoded input sequences from the task's input distribution."""
        return self.sample(count, seed)[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (the schedule included)."""
        return {
            "name": self.name,
            "options": dict(self.options),
            "length": self.length,
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "every_step": self.every_step,
            "loss": self.loss,
            "schedule": self.schedule.to_dict(),
        }


def make_task(name: str, **options: int | None) -> TaskSpec:
    """The :class:`TaskSpec` of ``name`` with generator options (None keeps the default).

    Parameters
    ----------
    name
        ``'copying'``, ``'start-end-similarity'``, ``'linear-copy'``, ``'sin-copy'`` or
        ``'temporal-product'``.
    **options
        The generator's options: ``alphabet, memorize, delay`` (copying); ``length, alphabet,
        compared, classes`` (start-end-similarity); ``length, lookahead, dim`` (the copy
        tasks).

    Returns
    -------
    TaskSpec

    Raises
    ------
    ValueError
        For an unknown task, an option the task does not take, or a value its generator
        refuses.

    Examples
    --------
    >>> spec = make_task("copying", delay=2)
    >>> spec.length, spec.input_dim, spec.every_step     # T = 2 * 4 + 2; 4 letters + 2
    (10, 6, True)
    >>> make_task("copying", dim=3)
    Traceback (most recent call last):
    ...
    ValueError: task 'copying' takes the options alphabet, memorize, delay; got dim
    """
    if name not in _OPTIONS:
        raise ValueError(f"task must be one of {', '.join(TASK_NAMES)}; got {name!r}")
    defaults = _OPTIONS[name]
    unknown = [k for k, v in options.items() if k not in defaults and v is not None]
    if unknown:
        raise ValueError(
            f"task {name!r} takes the options {', '.join(defaults)}; got {', '.join(unknown)}"
        )
    chosen = {k: (defaults[k] if options.get(k) is None else options[k]) for k in defaults}
    if name == "copying":
        length = 2 * chosen["memorize"] + chosen["delay"]
        sizes = (tasks.copying_vocabulary(chosen["alphabet"]),) * 2
        every, loss, schedule = True, "cross_entropy", _levine(1e-3 * chosen["memorize"] / length)
    elif name == "start-end-similarity":
        length = chosen["length"]
        vocab = tasks.start_end_vocabulary(chosen["alphabet"], length, chosen["compared"])
        sizes = (vocab, chosen["classes"] + 1)
        every, loss, schedule = False, "cross_entropy", _levine(1e-3)
    else:
        length = chosen["length"]
        sizes = (chosen["dim"],) * 2
        every, loss, schedule = True, "masked_mse", _lizaire()
    spec = TaskSpec(name, chosen, length, *sizes, every, loss, schedule)
    spec.generate(1, 0)  # the generator checks the options now, with its own messages
    return spec
