"""The training loop: the papers' optimiser, loss and stopping rule, on the CPU, with memory.

:func:`train` trains one family on one task (:mod:`rac_tn.training.specs`), measures the
model's memory (:mod:`rac_tn.training.memory`) at epoch 0 and at every checkpoint, keeps the
weights of the best validation check and, with ``out``, writes::

    out/metrics.json              {"run": the run's record, "history": one row per epoch}
    out/checkpoints/epoch-NNNN.pt the state dict at each checkpoint (torch.save)
    out/best.pt, out/last.pt      the best weights and the last ones

Every ``.pt`` file loads with :func:`rac_tn.models.weights.load_weights` (and so with
``rac-tn analyze --weights``).
A first Ctrl-C (or SIGTERM) ends the current step, then the run stops as at the end of
training: the files are written and the record's ``status`` is ``'interrupted'``; a second
one stops at once.

This module needs PyTorch (``pip install torch``).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's own alias

from rac_tn._progress import ProgressBar
from rac_tn.training import memory as _memory
from rac_tn.training.modules import count_parameters, state_arrays, to_rac_tn, torch_model
from rac_tn.training.specs import TaskSpec, make_task

__all__ = ["TF1RMSProp", "TrainConfig", "TrainResult", "train"]

_EVAL_CHUNK = 1024


class TF1RMSProp(torch.optim.Optimizer):
    """RMSProp as TensorFlow 1 ran it (the Levine et al. code): ``ms`` starts at 1.

    ``ms <- decay ms + (1 - decay) g^2``, ``p <- p - lr g / sqrt(ms + eps)``; no momentum.
    (PyTorch's RMSprop starts its mean square at 0 and adds ``eps`` outside the root.)
    """

    def __init__(self, params: Any, lr: float, decay: float = 0.9, eps: float = 1e-10) -> None:
        super().__init__(params, {"lr": lr, "decay": decay, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        """One update of every parameter with a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["ms"] = torch.ones_like(p)
                ms = state["ms"]
                ms.mul_(group["decay"]).addcmul_(p.grad, p.grad, value=1 - group["decay"])
                p.addcdiv_(p.grad, (ms + group["eps"]).sqrt(), value=-group["lr"])


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    Attributes
    ----------
    task
        A task name (:data:`~rac_tn.training.specs.TASK_NAMES`).
    model
        A family: ``'linear'``, ``'cp2rnn'``, ``'mirnn'``, ``'2rnn'`` or ``'rac'``.
    depth, hidden, rank
        L, n and the CP rank K (cp2rnn only; default n).
    seed
        Seeds the initialisation, every data set and the memory measurements.
    epochs
        The epoch budget (None: the schedule's).
    task_options
        The generator's options (None values keep the task's defaults).
    schedule
        Overrides of the task's :class:`~rac_tn.training.specs.Schedule` (``lr``,
        ``batch_size``, ``patience``, ``steps_per_epoch``, ``train_size``, ...).
    checkpoint_every
        Epochs between checkpoints (each with a memory measurement).
    memory_samples
        K of the separation spectrum of a polynomial model.
    exact_final
        Compute the exact separation rank of the final polynomial model (capped at
        ``exact_samples``); a linear model's exact Hankel rank is always computed.
    exact_samples
        The cap of that exact rank.
    threads
        ``torch.set_num_threads`` during the run (None: leave it).
    dtype
        ``'float32'`` or ``'float64'``.
    """

    task: str
    model: str
    depth: int = 1
    hidden: int = 8
    rank: int | None = None
    seed: int = 0
    epochs: int | None = None
    task_options: Mapping[str, int | None] = field(default_factory=dict)
    schedule: Mapping[str, Any] = field(default_factory=dict)
    checkpoint_every: int = 10
    memory_samples: int = 128
    exact_final: bool = False
    exact_samples: int = 256
    threads: int | None = 1
    dtype: str = "float32"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["task_options"] = dict(self.task_options)
        out["schedule"] = dict(self.schedule)
        return out


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    record
        The run's record: task, model, sizes, ``parameters``, ``status`` (``'converged'``,
        ``'max_epochs'``, ``'interrupted'`` or ``'diverged'``), ``final`` (test metrics and the
        memory of the best weights) and ``history`` (the checkpoint rows).
    history
        One row per epoch (epoch 0 is the initial model): losses, and the memory summary at
        checkpoints.
    best_state, last_state
        The state dicts (numpy arrays) of the best and the last weights.
    signal
        The signal that interrupted the run, or None.
    """

    record: dict[str, Any]
    history: list[dict[str, Any]]
    best_state: dict[str, np.ndarray]
    last_state: dict[str, np.ndarray]
    signal: int | None = None


def _loss(spec: TaskSpec, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The task's loss: mean cross-entropy (every step or last) or the masked MSE."""
    if spec.loss == "masked_mse":
        mask = target.abs().sum(dim=-1) != 0
        return F.mse_loss(out[mask], target[mask])
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), target.reshape(-1))


def _evaluate(module, spec: TaskSpec, X: torch.Tensor, Y: torch.Tensor) -> dict[str, Any]:
    """Loss (and accuracy, and Copying's accuracy on the recalled word) over a data set.

    A non-finite loss (the outputs overflow) gives None for every metric and
    ``non_finite: True``.
    """
    total, count, correct, data_correct = 0.0, 0, 0, 0
    with torch.no_grad():
        for start in range(0, X.shape[0], _EVAL_CHUNK):
            x, y = X[start : start + _EVAL_CHUNK], Y[start : start + _EVAL_CHUNK]
            out = module(x, every_step=spec.every_step)
            if spec.loss == "masked_mse":
                mask = y.abs().sum(dim=-1) != 0
                total += float(((out[mask] - y[mask]) ** 2).sum())
                count += int(mask.sum()) * y.shape[-1]
                continue
            per = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), reduction="sum")
            total += float(per)
            count += y.numel()
            hits = out.argmax(dim=-1) == y
            correct += int(hits.sum())
            if spec.name == "copying":
                data_correct += int(hits[:, -spec.options["memorize"] :].sum())
    metrics: dict[str, float | None] = {"loss": total / count}
    if spec.loss == "masked_mse":
        metrics["mse"] = metrics["loss"]
    else:
        metrics["accuracy"] = correct / count
        if spec.name == "copying":
            metrics["data_accuracy"] = data_correct / (X.shape[0] * spec.options["memorize"])
    if not np.isfinite(metrics["loss"]):  # JSON has no inf / NaN: say so instead
        metrics = {k: None for k in metrics} | {"non_finite": True}
    return metrics


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Torch and the BLAS under numpy limited to ``count`` threads (None: unchanged).

    numpy's BLAS is limited through ``threadpoolctl`` when it is installed (an oversubscribed
    BLAS makes the memory measurements many times slower on a busy machine).
    """
    if count is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(count))
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            yield
        else:
            with threadpool_limits(int(count)):
                yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def _deferred_stop() -> Iterator[dict[str, int | None]]:
    """SIGINT / SIGTERM set ``flag['signal']`` (a second one raises KeyboardInterrupt)."""
    flag: dict[str, int | None] = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag["signal"] is not None:
            raise KeyboardInterrupt
        flag["signal"] = signum

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _tensor(a: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    """Float data as ``dtype``; integer labels as int64."""
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t.long() if not np.issubdtype(a.dtype, np.floating) else t.to(dtype)


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON, atomically (a reader never sees half a file)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _save(state: dict[str, np.ndarray], path: Path) -> None:
    """``torch.save`` a numpy state dict as tensors (``load_weights`` reads the file)."""
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, path)


def _memory_summary(module, spec: TaskSpec, config: TrainConfig, *, final: bool) -> dict:
    """The memory of the module's current weights (a summary row, or the full final report)."""
    try:
        model = to_rac_tn(module)
        exact = None if not final else (True if not model.multiplicative else config.exact_final)
        report = _memory.measure_memory(
            model, spec, samples=config.memory_samples, exact=exact,
            exact_samples=config.exact_samples, seed=config.seed,
        )  # fmt: skip
    except (ValueError, ArithmeticError) as exc:
        return {"error": str(exc)}
    return report.to_dict() if final else _memory.summary(report)


def train(
    config: TrainConfig, out: str | os.PathLike[str] | None = None, *, progress: bool = False
) -> TrainResult:
    """Train ``config.model`` on ``config.task``; measure memory at every checkpoint.

    Parameters
    ----------
    config
        The run.
    out
        A folder for ``metrics.json`` and the checkpoints (created); None writes nothing.
    progress
        Show a rich progress bar on stderr.

    Returns
    -------
    TrainResult

    Examples
    --------
    >>> result = train(TrainConfig("linear-copy", "linear", hidden=4, epochs=2,
    ...                            schedule={"train_size": 128, "val_size": 64}))
    >>> result.record["status"], result.record["final"]["hankel_claim"]
    ('max_epochs', 'exact rank')
    """
    spec = make_task(config.task, **config.task_options)
    schedule = spec.schedule.replace(max_epochs=config.epochs, **config.schedule)
    every = max(1, int(config.checkpoint_every))
    dtype = {"float32": torch.float32, "float64": torch.float64}.get(config.dtype)
    if dtype is None:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {config.dtype!r}")
    seeds = np.random.SeedSequence(config.seed).spawn(4)
    init_seed = int(seeds[0].generate_state(1)[0])
    module = torch_model(
        config.model, spec.input_dim, config.hidden, config.depth, spec.output_dim,
        rank=config.rank, seed=init_seed,
    ).to(dtype)  # fmt: skip
    data_rng = np.random.default_rng(seeds[1])
    Xv, Yv = (
        _tensor(a, dtype) for a in spec.sample(schedule.val_size, np.random.default_rng(seeds[2]))
    )
    Xt, Yt = (
        _tensor(a, dtype) for a in spec.sample(schedule.test_size, np.random.default_rng(seeds[3]))
    )
    if not schedule.fresh_batches:
        Xtr, Ytr = (_tensor(a, dtype) for a in spec.sample(schedule.train_size, data_rng))
    if schedule.optimizer == "adam":
        optimizer = torch.optim.Adam(module.parameters(), lr=schedule.lr)
    else:
        optimizer = TF1RMSProp(module.parameters(), lr=schedule.lr)
    folder = None if out is None else Path(out)
    if folder is not None:
        (folder / "checkpoints").mkdir(parents=True, exist_ok=True)
    began, cpu_began = time.perf_counter(), time.process_time()
    history: list[dict[str, Any]] = []
    status, steps, epoch = "max_epochs", 0, 0
    best_loss, best_epoch, waits, drops = float("inf"), 0, 0, schedule.lr_drops
    best_state = state_arrays(module)

    def check(epoch: int, train_loss: float | None) -> bool:
        """Validate, update the best weights; True when this epoch improved."""
        nonlocal best_loss, best_epoch, best_state
        val = _evaluate(module, spec, Xv, Yv)
        row = {"epoch": epoch, "step": steps, "seconds": round(time.perf_counter() - began, 3),
               "lr": optimizer.param_groups[0]["lr"], "train_loss": train_loss,
               **{f"val_{k}": v for k, v in val.items()}}  # fmt: skip
        loss = float("inf") if val["loss"] is None else val["loss"]
        improved = best_loss - loss > schedule.min_delta
        if improved:
            best_loss, best_epoch, best_state = loss, epoch, state_arrays(module)
        if epoch % every == 0 or epoch == schedule.max_epochs:
            row["memory"] = _memory_summary(module, spec, config, final=False)
            if folder is not None:
                name = f"checkpoints/epoch-{epoch:04d}.pt"
                _save(state_arrays(module), folder / name)
                row["checkpoint"] = name
        history.append(row)
        if folder is not None and "memory" in row:  # the story so far, readable while running
            running = {"status": "running", "config": config.to_dict()}
            _write_json(folder / "metrics.json", {"run": running, "history": history})
        return improved

    with (
        _threads(config.threads),
        _deferred_stop() as stop,
        ProgressBar(progress, schedule.max_epochs, "training") as bar,
    ):
        check(0, None)
        for epoch in range(1, schedule.max_epochs + 1):
            losses = []
            if schedule.fresh_batches:
                batches = (spec.sample(schedule.batch_size, data_rng)
                           for _ in range(schedule.steps_per_epoch))  # fmt: skip
            else:
                order = torch.from_numpy(data_rng.permutation(schedule.train_size))
                batches = ((Xtr[idx], Ytr[idx]) for idx in order.split(schedule.batch_size))
            for X, Y in batches:
                if schedule.fresh_batches:
                    X, Y = _tensor(X, dtype), _tensor(Y, dtype)
                optimizer.zero_grad()
                loss = _loss(spec, module(X, every_step=spec.every_step), Y)
                if not torch.isfinite(loss):
                    status = "diverged"
                    break
                loss.backward()
                optimizer.step()
                steps += 1
                losses.append(float(loss.detach()))
                if stop["signal"] is not None:
                    break
            if status == "diverged":
                break
            improved = check(epoch, float(np.mean(losses)) if losses else None)
            shown = history[-1]["val_loss"]
            bar.step(f"epoch {epoch} val " + ("non-finite" if shown is None else f"{shown:.3g}"))
            if stop["signal"] is not None:
                status = "interrupted"
                break
            waits = 0 if improved else waits + 1
            if waits >= schedule.patience:
                if drops == 0:
                    status = "converged"
                    break
                drops, waits = drops - 1, 0
                for group in optimizer.param_groups:
                    group["lr"] *= schedule.lr_factor
        signum = stop["signal"]
        last_state = state_arrays(module)
        module.load_state_dict({k: torch.from_numpy(v) for k, v in best_state.items()})
        final = _evaluate(module, spec, Xt, Yt)
        final_memory = _memory_summary(module, spec, config, final=True)
    seconds = (time.perf_counter() - began, time.process_time() - cpu_began)
    record = _record(config, spec, schedule, module, status, epoch, steps, best_epoch,
                     seconds, final, final_memory, history)  # fmt: skip
    if folder is not None:
        _save(best_state, folder / "best.pt")
        _save(last_state, folder / "last.pt")
        _write_json(folder / "metrics.json", {"run": record, "history": history})
    return TrainResult(record, history, best_state, last_state, signum)


def _record(config, spec, schedule, module, status, epoch, steps, best_epoch, seconds,
            final, memory, history) -> dict[str, Any]:  # fmt: skip
    """The run's record (what the figures' JSON keeps, one per run)."""
    out = dict(final)
    if "error" in memory:
        out["memory_error"] = memory["error"]
    elif memory["measure"] == "hankel":
        out["hankel_rank"] = memory["exact"]["rank"]
        out["hankel_claim"] = memory["exact"]["claim"]
        out["hankel_upper_bound"] = memory["exact"]["upper_bound"]
        out["numerical_hankel_rank"] = memory["numerical_rank"]
    else:
        out["numerical_separation_rank"] = memory["numerical_rank"]
        if memory["exact"] is not None:
            out["separation_rank"] = memory["exact"]["rank"]
            out["separation_claim"] = memory["exact"]["claim"]
    out["memory"] = memory
    compact = [
        {k: row.get(k) for k in ("epoch", "train_loss", "val_loss", "val_accuracy", "memory")}
        for row in history
        if "memory" in row
    ]
    return {
        "task": spec.name,
        "task_options": dict(spec.options),
        "model": config.model,
        "depth": config.depth,
        "hidden": config.hidden,
        "rank": module.rank if config.model == "cp2rnn" else None,
        "parameters": count_parameters(module),
        "seed": config.seed,
        "status": status,
        "epochs": epoch,
        "best_epoch": best_epoch,
        "steps": steps,
        "seconds": round(seconds[0], 2),
        "cpu_seconds": round(seconds[1], 2),
        "schedule": schedule.to_dict(),
        "config": config.to_dict(),
        "final": out,
        "history": compact,
    }
