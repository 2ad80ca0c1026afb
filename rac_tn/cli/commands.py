"""The ``rac-tn`` subcommands' implementations: ``demo``, ``table``, ``draw`` and ``analyze``.

:mod:`rac_tn.cli` parses the command line and calls one of the ``cmd_*`` functions here with
the parsed arguments; each checks its arguments, runs the library and prints or writes the
result. Like :mod:`rac_tn.cli`, this module imports the library inside the functions, so that
``rac-tn --help`` and a mistyped option answer at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rac_tn.analysis.interrupt import exit_status
from rac_tn.cli.outputs import check_output_file

if TYPE_CHECKING:
    from rac_tn.analysis.sweeps import SweepRow
    from rac_tn.models.protocol import RecurrentModel
    from rac_tn.partition import Partition

__all__ = ["MODEL_DEFAULTS", "cmd_analyze", "cmd_demo", "cmd_draw", "cmd_table"]


def _say(args: argparse.Namespace, message: str, *, always: bool = False) -> None:
    """A status line on stderr (``rac-tn COMMAND: message``), unless ``--quiet``."""
    if always or not args.quiet:
        print(f"rac-tn {args.command}: {message}", file=sys.stderr)


def _show_progress(args: argparse.Namespace) -> bool:
    """A progress bar only on a terminal, and not with ``--quiet``."""
    return not args.quiet and sys.stderr.isatty()


def cmd_demo(args: argparse.Namespace) -> int:
    """Run ``rac-tn demo``: the main job (tables, figures, a summary) into ``--out``.

    Returns the exit status.
    """
    from rac_tn.cli.demo import check_demo_dir, run_demo, summary

    _check_positive(args, ("inputs", "hidden", "max_length"))
    out = check_demo_dir(args.out, force=args.force, name="--out")
    try:
        result = run_demo(
            out,
            inputs=args.inputs,
            hidden=args.hidden,
            max_length=args.max_length,
            seed=args.seed,
            progress=_show_progress(args),
            force=args.force,
        )
    except KeyboardInterrupt as exc:
        _say(args, f"interrupted; the files written so far are in {out}/", always=True)
        return exit_status(exc)
    print(summary(result))
    return 0


def _parse_cut(text: str, T: int, option: str = "--cut") -> Partition:
    """``start-end``, ``interleaved`` or a comma-separated list of start times (``1,2,5``)."""
    from rac_tn.partition import as_partition

    try:
        return as_partition(text.strip().lower(), T)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


def _parse_lengths(text: str) -> list[int]:
    """``4:20:2`` (start:stop:step, stop included), ``8`` or ``4,6,10``."""
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            start, stop, step = parts[0], parts[1], parts[2] if len(parts) == 3 else 1
            if step < 1:
                raise ValueError
        else:
            lengths = [int(p) for p in text.split(",") if p.strip()]
            if not lengths:
                raise ValueError
    except ValueError:
        raise ValueError(
            f"--length must be start:stop[:step] (stop included), a number or a list like 4,6,8; "
            f"got {text!r}"
        ) from None
    if ":" in text:
        if start > stop:
            raise ValueError(f"--length {text} is an empty range (start {start} > stop {stop})")
        lengths = list(range(start, stop + 1, step))
    if min(lengths) < 1:
        raise ValueError(f"--length values must be positive integers, got {min(lengths)}")
    return lengths


def _check_positive(args: argparse.Namespace, names: Sequence[str]) -> None:
    """Every ``--name`` value (a number or a list of numbers) must be a positive integer."""
    from rac_tn._checks import positive_int

    for name in names:
        value = getattr(args, name)
        option = "--" + name.replace("_", "-")
        if not isinstance(value, list):
            positive_int(value, option)
        elif any(v < 1 for v in value):
            bad = next(v for v in value if v < 1)
            raise ValueError(f"{option} values must be positive integers, got {bad}")


def cmd_table(args: argparse.Namespace) -> int:
    """Run ``rac-tn table``: a sweep over the given sizes, written as md, CSV or JSON.

    Returns the exit status.
    """
    from rac_tn.analysis.sweeps import (
        SweepError,
        SweepInterrupted,
        process_pool,
        sweep,
        sweep_configs,
    )
    from rac_tn.partition import as_partition

    out = None if args.output is None else check_output_file(args.output, "-o")
    lengths = _parse_lengths(args.length)
    _check_positive(args, ("depth", "hidden", "inputs", "jobs"))
    if args.max_samples is not None:
        _check_positive(args, ("max_samples",))
    _check_family_options(args)
    configs = sweep_configs(
        depths=args.depth,
        lengths=lengths,
        hidden=args.hidden,
        inputs=args.inputs,
        partition=args.partition,
        seed=args.seed,
        model=args.model,
        rank=args.rank,
        bias=args.bias,
    )
    if not configs:
        raise ValueError(
            f"no configuration to run: partition {args.partition!r} needs even lengths, "
            f"got {lengths}"
        )
    skipped = sorted(set(lengths) - {config.length for config in configs})
    if skipped:
        listed = ", ".join(map(str, skipped))
        _say(args, f"note: skipped odd lengths {listed}: Start-End needs even T", always=True)
    for T in sorted({config.length for config in configs}):  # before any work starts
        as_partition(args.partition, T)
    options: dict[str, Any] = {"progress": _show_progress(args)}
    if args.max_samples is not None:
        options["max_samples"] = args.max_samples
    try:
        if args.jobs > 1:
            with process_pool(args.jobs) as pool:
                rows = sweep(configs, executor=pool, **options)
        else:
            rows = sweep(configs, **options)
    except SweepInterrupted as stop:
        where = _write_rows(args, out, stop.finished) if stop.done else "nothing written"
        _say(args, f"interrupted: {stop.done} of {stop.total} rows finished; {where}", always=True)
        return exit_status(stop)
    except SweepError as failed:
        finished = [row for row in failed.rows if row is not None]
        if finished:
            where = _write_rows(args, out, finished)
            _say(args, f"{len(finished)} of {len(configs)} rows finished; {where}", always=True)
        raise
    where = _write_rows(args, out, rows)
    if out is not None:
        _say(args, where)
    return 1 if getattr(args, "failed", False) else 0


def _write_rows(args: argparse.Namespace, out: Path | None, rows: Sequence[SweepRow]) -> str:
    """Write ``rows`` to ``out`` (stdout for None) in ``--format``; say where they went.

    If the file cannot be written after all (its folder was removed meanwhile, the disk is
    full), the table goes to stdout instead, so the work is not lost, and ``args.failed`` is
    set.
    """
    from rac_tn.analysis.sweeps import format_rows

    text = format_rows(rows, args.format)
    if out is not None:
        try:
            out.write_text(text)
            return f"wrote {_rows(len(rows))} to {out}"
        except OSError as exc:
            _say(args, f"error: cannot write {out} ({exc.strerror or exc})", always=True)
            args.failed = True
    sys.stdout.write(text)
    sys.stdout.flush()
    return f"wrote {_rows(len(rows))} to stdout"


def cmd_draw(args: argparse.Namespace) -> int:
    """Run ``rac-tn draw``: one diagram of a model and a partition, to ``--output``.

    The model is a random one of the family ``--model`` (default rac; ``--rank`` K of a
    cp2rnn, ``--bias`` for first-order terms and biases). Returns the exit status.
    """
    out = check_output_file(args.output, "-o")
    if out is None:
        raise ValueError("-o -: draw writes a file; name one ending in .pdf, .svg, .png or .tex")
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".svg", ".png", ".tex"):
        raise ValueError(f"-o must end in .pdf, .svg, .png or .tex, got {out.name!r}")
    _check_positive(args, ("depth", "length", "hidden", "inputs", "classes", "dpi"))
    view: Literal["network", "grid"] | None = args.view
    if args.bound is not None:
        wanted: Literal["network", "grid"] = "network" if args.bound == "network" else "grid"
        if view is not None and view != wanted:
            raise ValueError(f"--bound {args.bound} is drawn on --view {wanted}, not --view {view}")
        view = wanted
        if args.cut is None:
            raise ValueError("--bound needs --cut (which partition to bound)")
    view = view or "network"
    # float weights, as before: a drawing and its cut do not depend on them
    rac = _random_model(args, args.inputs, args.hidden, args.depth, False)
    cut = _parse_cut(args.cut, args.length) if args.cut is not None else None
    style: dict = {"labels": args.labels}
    if args.dims:
        style["dims"] = True
    if args.degrees:
        style["degrees"] = True
    if args.title:
        style["title"] = args.title
    if suffix == ".tex":
        from rac_tn.diagram import to_tikz

        tex = to_tikz(rac, T=args.length, view=view, cut=cut, standalone=not args.bare, **style)
        out.write_text(tex, encoding="utf-8")
    else:
        from rac_tn.diagram import draw
        from rac_tn.drawing.mpl import save

        save(draw(rac, T=args.length, view=view, cut=cut, **style), out, dpi=args.dpi)
    _say(args, f"wrote {out}")
    return 0


#: The model sizes of ``rac-tn analyze`` when neither they nor ``--weights`` are given.
MODEL_DEFAULTS = {"inputs": 2, "hidden": 2, "depth": 2, "classes": 1}


def _analyze_model(args: argparse.Namespace) -> RecurrentModel:
    """The RAC to analyze: read from ``--weights``, or random of the given sizes."""
    given = [name for name in (*MODEL_DEFAULTS, "integer") if getattr(args, name) is not None]
    if args.weights is not None:
        given += [name for name in ("rank", "bias") if getattr(args, name) not in (None, False)]
        if given:
            options = ", ".join("--" + name for name in given)
            raise ValueError(f"--weights gives the model; drop {options}")
        from rac_tn.models.weights import load_weights

        try:
            return load_weights(args.weights, model=args.model)
        except ValueError as exc:
            raise ValueError(f"--weights {exc}") from None
    for name, default in MODEL_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    _check_positive(args, tuple(MODEL_DEFAULTS))
    return _random_model(args, args.inputs, args.hidden, args.depth, args.integer is not False)


def _check_family_options(args: argparse.Namespace) -> None:
    """``--bias`` and ``--rank`` only where the family ``--model`` has them (default rac)."""
    if args.model is None:
        args.model = "rac"
    if args.model == "rac" and args.bias:
        raise ValueError("--bias applies to the other families (--model), not rac")
    if args.rank is not None and args.model != "cp2rnn":
        raise ValueError(f"--rank is the CP rank of cp2rnn; --model {args.model} has none")
    if args.rank is not None and args.rank < 1:
        raise ValueError(f"--rank must be a positive integer, got {args.rank}")


def _random_model(
    args: argparse.Namespace, inputs: int, hidden: int, depth: int, integer: bool
) -> RecurrentModel:
    """A random model of the family ``--model`` (``--rank`` for cp2rnn, ``--bias``)."""
    from rac_tn.models import random_model

    _check_family_options(args)
    return random_model(
        args.model,
        inputs,
        hidden,
        depth,
        rank=args.rank,
        bias=args.bias,
        num_classes=args.classes,
        seed=args.seed,
        integer=integer,
    )


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run ``rac-tn analyze``: every bound and exact rank of one model and one partition.

    Returns the exit status.
    """
    from rac_tn.analysis.reports import analyze
    from rac_tn.analysis.tables import format_report

    out = None if args.output is None else check_output_file(args.output, "-o")
    _check_positive(args, ("length",))
    if args.max_samples is not None:
        _check_positive(args, ("max_samples",))
    partition = _parse_cut(args.partition, args.length, "--partition")
    rac = _analyze_model(args)
    options = {} if args.max_samples is None else {"max_samples": args.max_samples}
    report = analyze(rac, partition, exact=not args.bounds_only, seed=args.seed, **options)
    if args.weights is not None:
        from rac_tn.models.weights import weights_notes

        report = dataclasses.replace(report, notes=weights_notes(rac) + report.notes)
    text = format_report(report, args.format)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        out.write_text(text, encoding="utf-8")
        _say(args, f"wrote the report to {out}")
    return 0


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"
