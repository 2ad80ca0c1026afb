"""``rac-tn train``: train a family on one of the papers' tasks, measuring its memory.

Parsing stays light (no numpy, no torch); :func:`cmd_train` imports the training package when
it runs. PyTorch is an optional extra: without it the command says how to install it and
exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from rac_tn.training import TASK_NAMES, TRAINABLE_FAMILIES

__all__ = ["add_train_parser", "cmd_train"]

#: The generator options ``--NAME`` (None: the task's default), and which tasks take them.
_TASK_OPTIONS = {
    "length": "T (start-end-similarity and the copy tasks)",
    "alphabet": "number of letters (copying, start-end-similarity)",
    "memorize": "letters to recall (copying)",
    "delay": "blanks before the recall (copying)",
    "compared": "symbol pairs compared (start-end-similarity)",
    "classes": "labels 0..C (start-end-similarity)",
    "lookahead": "the copy's delay p (the copy tasks)",
    "dim": "size of each input vector (the copy tasks)",
}
_SCHEDULE_OPTIONS = {
    "lr": (float, "learning rate"),
    "batch_size": (int, "sequences per step"),
    "patience": (int, "validation checks without improvement before a stop (or lr drop)"),
    "steps_per_epoch": (int, "steps per epoch with fresh batches (copying, start-end)"),
    "train_size": (int, "fixed training sequences (the copy tasks)"),
    "val_size": (int, "validation sequences"),
    "test_size": (int, "test sequences"),
}


def add_train_parser(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add the ``train`` subcommand to ``sub``."""
    train = sub.add_parser(
        "train",
        help="train a family on a paper's task; checkpoints, metrics and memory",
        formatter_class=formatter,
        description=(
            "Train a model family (identity activations, the seed code's parameter names) on "
            "one of the papers' tasks with the paper's optimiser, loss and early stopping, on "
            "the CPU. At epoch 0 and every --checkpoint-every epochs it saves the state dict "
            "(DIR/checkpoints/epoch-NNNN.pt, readable by 'rac-tn analyze --weights') and "
            "measures the memory: a linear RNN's Hankel spectrum (and, at the end, its exact "
            "Hankel rank), a polynomial family's Start-End separation spectrum over the "
            "task's inputs (eps-ranks, entanglement entropy). DIR/metrics.json holds the run "
            "and one row per epoch; DIR/best.pt the best weights. Ctrl-C stops after the "
            "current step and writes everything (a second Ctrl-C stops at once). Needs "
            "PyTorch (pip install torch)."
        ),
    )
    train.add_argument("--task", choices=TASK_NAMES, required=True, help="the task")
    train.add_argument("--model", choices=TRAINABLE_FAMILIES, required=True, help="the family")
    train.add_argument("--depth", type=int, default=1, help="depth L")
    train.add_argument("--hidden", type=int, default=8, help="hidden size n (R)")
    train.add_argument("--rank", type=int, default=None, help="CP rank K of cp2rnn (default n)")
    train.add_argument(
        "--epochs", type=int, default=None, help="epoch budget (default: the task's schedule)"
    )
    train.add_argument("--seed", type=int, default=0, help="seed of weights and data")
    train.add_argument("--out", required=True, metavar="DIR", help="output folder")
    train.add_argument(
        "--force", action="store_true", help="write into a --out folder that is not empty"
    )
    task = train.add_argument_group("task (default: the task's own, see rac_tn.training.specs)")
    for name, text in _TASK_OPTIONS.items():
        task.add_argument(f"--{name}", type=int, default=None, help=text)
    schedule = train.add_argument_group("schedule (default: the paper's, CPU-sized)")
    for name, (kind, text) in _SCHEDULE_OPTIONS.items():
        schedule.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None, help=text)
    train.add_argument(
        "--checkpoint-every", type=int, default=10, help="epochs between checkpoints"
    )
    train.add_argument(
        "--memory-samples",
        type=int,
        default=128,
        help="start and end halves sampled for a polynomial model's separation spectrum",
    )
    train.add_argument(
        "--exact",
        action="store_true",
        help="also the exact Start-End separation rank of the final polynomial model "
        "(capped: past 256 it is a certified lower bound)",
    )
    train.add_argument("--threads", type=int, default=1, help="torch threads")
    train.add_argument("--float64", action="store_true", help="train in float64")
    train.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no status lines"
    )
    train.set_defaults(func=cmd_train)


def _check_out(text: str, force: bool) -> Path:
    """The output folder: new, empty, or (``--force``) anything that is a folder."""
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {text}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"--out {text}: the folder is not empty (pass --force to write there)")
    return out


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``rac-tn train``; return the exit status.

    0 when training ended (converged or at the epoch budget), 1 when it diverged (a
    non-finite loss; the best weights are kept), 128 + the signal after Ctrl-C / SIGTERM.
    """
    for name in ("depth", "hidden", "checkpoint_every", "memory_samples", "threads"):
        value = getattr(args, name)
        if value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    for name in ("epochs", "rank"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name} must be a positive integer, got {value}")
    if args.rank is not None and args.model != "cp2rnn":
        raise ValueError(f"--rank is the CP rank of cp2rnn; --model {args.model} has none")
    if importlib.util.find_spec("torch") is None:
        raise ValueError(
            "training needs PyTorch, an optional extra: pip install torch (a CPU build is "
            "enough), or pip install 'rac_tn[torch]'"
        )
    from rac_tn.training.loop import TrainConfig, train
    from rac_tn.training.specs import make_task

    options = {name: getattr(args, name) for name in _TASK_OPTIONS}
    make_task(args.task, **options)  # refuses options the task does not take, before any work
    out = _check_out(args.out, args.force)
    config = TrainConfig(
        task=args.task,
        model=args.model,
        depth=args.depth,
        hidden=args.hidden,
        rank=args.rank,
        seed=args.seed,
        epochs=args.epochs,
        task_options=options,
        schedule={name: getattr(args, name) for name in _SCHEDULE_OPTIONS},
        checkpoint_every=args.checkpoint_every,
        memory_samples=args.memory_samples,
        exact_final=args.exact,
        threads=args.threads,
        dtype="float64" if args.float64 else "float32",
    )
    result = train(config, out, progress=not args.quiet and sys.stderr.isatty())
    print(summary(result.record))
    if not args.quiet:
        print(f"rac-tn train: wrote {out}/metrics.json and the checkpoints", file=sys.stderr)
    if result.signal is not None:
        print(
            f"rac-tn train: interrupted; the checkpoints are kept ({out}/last.pt, best.pt)",
            file=sys.stderr,
        )
        return 128 + int(result.signal)
    return 1 if result.record["status"] == "diverged" else 0


def summary(record: dict) -> str:
    """A few lines on a run: status, test metrics, memory."""
    final = record["final"]
    head = (
        f"{record['task']} | {record['model']} L={record['depth']} n={record['hidden']} "
        f"({record['parameters']} parameters), seed {record['seed']}: {record['status']} "
        f"after {record['epochs']} epochs (best epoch {record['best_epoch']})"
    )
    scores = ", ".join(
        f"{key} {final[key]:.4g}"
        for key in ("loss", "mse", "accuracy", "data_accuracy")
        if isinstance(final.get(key), float)
    )
    lines = [head, f"test: {scores}" if scores else "test: no finite score"]
    memory = final.get("memory", {})
    if "error" in memory:
        lines.append(f"memory: not measured ({memory['error']})")
    elif memory:
        name = "Hankel" if memory["measure"] == "hankel" else "Start-End separation"
        ranks = ", ".join(f"eps {k}: {v}" for k, v in memory["eps_ranks"].items())
        lines.append(f"{name} spectrum (numerical): {ranks}; entropy {memory['entropy_nats']}")
        if memory.get("exact"):
            exact = memory["exact"]
            lines.append(f"{exact['quantity']}: {exact['rank']} ({exact['claim']})")
    return "\n".join(lines)
