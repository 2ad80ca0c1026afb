"""The ``rac-tn`` subcommands' implementations: ``demo``, ``table``, ``draw`` and ``analyze``.

:mod:`rac_tn.cli` parses the command line and calls one of the ``cmd_*`` functions here with
the parsed arguments; each checks its arguments, runs the library and prints or writes the
result. Like :mod:`rac_tn.cli`, this module imports the library inside the functions, so that
``rac-tn --help`` and a mistyped option answer at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rac_tn._format import message_text, short_int, shown
from rac_tn._threads import usable_cores
from rac_tn.analysis.interrupt import exit_status, signals_ignored, stop_listening
from rac_tn.cli.outputs import check_output_file

if TYPE_CHECKING:
    from rac_tn.analysis.sweeps import SweepRow
    from rac_tn.models.protocol import RecurrentModel
    from rac_tn.partition import Partition

__all__ = [
    "MAX_DPI",
    "MAX_LENGTH",
    "MAX_PIXELS",
    "MODEL_DEFAULTS",
    "cmd_analyze",
    "cmd_demo",
    "cmd_draw",
    "cmd_table",
]


#: The longest sequence length the command takes (``--length``): typos fail at once.
MAX_LENGTH = 1000
#: The highest ``--dpi`` of ``rac-tn draw`` (print quality is 300 to 600).
MAX_DPI = 1200
#: The most pixels of a ``.png`` that ``rac-tn draw`` writes (about 4 bytes each in memory).
MAX_PIXELS = 50_000_000


def _say(args: argparse.Namespace, message: str, *, always: bool = False) -> None:
    """A status line on stderr (``rac-tn COMMAND: message``), unless ``--quiet``.

    Control characters (from a path or a name the user gave) are escaped.
    """
    if always or not args.quiet:
        print(f"rac-tn {args.command}: {message_text(message)}", file=sys.stderr)


def _show_progress(args: argparse.Namespace) -> bool:
    """A progress bar only on a terminal, and not with ``--quiet``."""
    return not args.quiet and sys.stderr.isatty()


def _progress_mode(args: argparse.Namespace) -> bool | str:
    """A bar on a terminal, status lines on any other stream (a log), nothing with ``--quiet``."""
    if args.quiet:
        return False
    return True if sys.stderr.isatty() else "lines"


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
        stop_listening()
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
        message = str(exc)
        if "use Partition(" in message:  # the library's advice, in the command's words
            message = message.split("; use Partition(")[0]
            message += f"; for an unbalanced split give the start times ({option} 1,2,...)"
        raise ValueError(f"{option}: {message}") from None


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
            f"got {shown(text, 80)}"
        ) from None
    if ":" in text:
        if start > stop:
            raise ValueError(f"--length {text} is an empty range (start {start} > stop {stop})")
        _check_length(stop)  # before the range is built
        lengths = list(range(start, stop + 1, step))
    if min(lengths) < 1:
        raise ValueError(f"--length values must be positive integers, got {min(lengths)}")
    _check_length(max(lengths))
    return lengths


def _check_length(T: int, option: str = "--length") -> None:
    """A sequence length of at most :data:`MAX_LENGTH` (a huge typo fails at once)."""
    if T > MAX_LENGTH:
        raise ValueError(
            f"{option} is at most {MAX_LENGTH}, got {short_int(T)} (the networks and grids "
            "grow with T; use the library for longer sequences)"
        )


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
    options: dict[str, Any] = {"progress": _progress_mode(args)}
    if args.max_samples is not None:
        options["max_samples"] = args.max_samples
    jobs = _jobs(args, len(configs))
    rows: list[SweepRow] | None = None
    try:
        if jobs > 1:
            with process_pool(jobs) as pool:
                rows = sweep(configs, executor=pool, **options)
        else:
            rows = sweep(configs, **options)
    except SweepInterrupted as stop:
        stop_listening()
        where = _write_rows(args, out, stop.finished) if stop.done else "nothing written"
        _say(args, f"interrupted: {stop.done} of {stop.total} rows finished; {where}", always=True)
        return exit_status(stop)
    except KeyboardInterrupt as stop:
        if rows is None:
            raise
        # every row is finished: the pool was shutting down when the signal came
        stop_listening()
        where = _write_rows(args, out, rows)
        _say(args, f"interrupted: {len(rows)} of {len(rows)} rows finished; {where}", always=True)
        return exit_status(stop)
    except SweepError as failed:
        with signals_ignored():
            finished = [row for row in failed.rows if row is not None]
            where = _write_rows(args, out, finished) if finished else "nothing written"
            done = f"{len(finished)} of {len(configs)} rows finished; {where}"
            _say(args, f"error: {message_text(failed)}; {done}", always=True)
        return 2
    with signals_ignored():  # the rows are finished: a Ctrl-C now must not lose them
        where = _write_rows(args, out, rows)
    if out is not None:
        _say(args, where)
    return 1 if getattr(args, "failed", False) else 0


def _jobs(args: argparse.Namespace, rows: int) -> int:
    """``--jobs``, capped at the cores and the rows (with a note): more only costs memory."""
    cores = usable_cores()
    jobs = min(args.jobs, cores, rows)
    if args.jobs > cores:
        note = f"note: --jobs {args.jobs} is more than the {cores} cores here; using {jobs}"
        _say(args, note, always=True)
    return jobs


def _write_rows(args: argparse.Namespace, out: Path | None, rows: Sequence[SweepRow]) -> str:
    """Write ``rows`` to ``out`` (stdout for None) in ``--format``; say where they went.

    If the file cannot be written after all (its folder was removed meanwhile, the disk is
    full), the table goes to a new file in the temporary folder (or stdout) instead, so the
    work is not lost, and ``args.failed`` is set.
    """
    from rac_tn.analysis.sweeps import format_rows

    text = format_rows(rows, args.format)
    return f"wrote {_rows(len(rows))} to " + _save_text(args, out, text, "table")


def _save_text(args: argparse.Namespace, out: Path | None, text: str, what: str) -> str:
    """Write ``text`` to ``out`` (stdout for None); return where it went.

    When ``out`` cannot be written (its folder was removed during the run, the disk is full),
    the text goes to a new file in the temporary folder, or to stdout if that fails too; the
    error is said on stderr and ``args.failed`` is set (exit status 1).
    """
    if out is not None:
        try:
            out.write_text(text, encoding="utf-8")
            return str(out)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            args.failed = True
            suffix = out.suffix if len(out.suffix) <= 10 else ".txt"
            try:
                handle, name = tempfile.mkstemp(prefix=f"rac-tn-{what}-", suffix=suffix)
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write(text)
            except OSError:
                _say(args, f"error: cannot write {out} ({reason}); the {what} follows on stdout",
                     always=True)  # fmt: skip
            else:
                _say(args, f"error: cannot write {out} ({reason}); the {what} is in {name}",
                     always=True)  # fmt: skip
                return name
    sys.stdout.write(text)
    sys.stdout.flush()
    return "stdout"


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
    _check_length(args.length)
    if args.dpi > MAX_DPI:
        raise ValueError(f"--dpi is at most {MAX_DPI} (print quality is 300-600), got {args.dpi}")
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

        figure = draw(rac, T=args.length, view=view, cut=cut, **style)
        if suffix == ".png":
            width, height = figure.get_size_inches() * args.dpi
            if width * height > MAX_PIXELS:
                raise ValueError(
                    f"--dpi {args.dpi}: the image would have {width:.0f} x {height:.0f} pixels "
                    f"(at most {MAX_PIXELS:,}); lower --dpi, or write .pdf or .svg"
                )
        save(figure, out, dpi=args.dpi)
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
            return load_weights(args.weights, model=args.model, strict=not args.ignore_extra_keys)
        except ValueError as exc:
            text = str(exc).replace("(pass strict=False to ", "(pass --ignore-extra-keys to ")
            raise ValueError(f"--weights {text}") from None
    if args.ignore_extra_keys:
        raise ValueError("--ignore-extra-keys applies to --weights (the keys of a file)")
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
    _check_length(args.length)
    if args.max_samples is not None:
        _check_positive(args, ("max_samples",))
    partition = _parse_cut(args.partition, args.length, "--partition")
    rac = _analyze_model(args)
    options: dict[str, Any] = {"progress": _progress_mode(args)}
    if args.max_samples is not None:
        options["max_samples"] = args.max_samples
    if args.max_seconds is not None:
        if not args.max_seconds > 0 or args.max_seconds == float("inf"):
            raise ValueError(
                f"--max-seconds must be a positive number of seconds, got {args.max_seconds}"
            )
        options["max_seconds"] = args.max_seconds
    report = analyze(rac, partition, exact=not args.bounds_only, seed=args.seed, **options)
    if args.weights is not None:
        from rac_tn.models.weights import weights_notes

        report = dataclasses.replace(report, notes=weights_notes(rac) + report.notes)
    text = format_report(report, args.format)
    with signals_ignored():  # the report is computed: a Ctrl-C now must not lose it
        where = _save_text(args, out, text, "report")
    if out is not None and not getattr(args, "failed", False):
        _say(args, f"wrote the report to {where}")
    return 1 if getattr(args, "failed", False) else 0


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"
