"""The ``rac-tn`` command: parsing arguments and printing results (the work is the library's).

Ordinary mistakes (a bad value, an output path that cannot be written) are reported on one
line, ``rac-tn COMMAND: error: ...``, with exit status 2, before any work starts. Ctrl-C and
SIGTERM stop a ``table`` run within seconds, write the rows finished so far and exit with
130 / 143.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rac_tn import __version__
from rac_tn._interrupt import exit_status, sigterm_raises
from rac_tn._outputs import check_output_file

if TYPE_CHECKING:
    from rac_tn.model import RAC
    from rac_tn.partition import Partition
    from rac_tn.sweeps import SweepRow

# rac_tn.sweeps.OutputFormat, spelled out so that parsing the command line imports nothing heavy
_OUTPUT_FORMATS = ("md", "csv", "json")


def _say(args: argparse.Namespace, message: str, *, always: bool = False) -> None:
    """A status line on stderr (``rac-tn COMMAND: message``), unless ``--quiet``."""
    if always or not args.quiet:
        print(f"rac-tn {args.command}: {message}", file=sys.stderr)


def _show_progress(args: argparse.Namespace) -> bool:
    """A progress bar only on a terminal, and not with ``--quiet``."""
    return not args.quiet and sys.stderr.isatty()


def _cmd_demo(args: argparse.Namespace) -> int:
    from rac_tn.demo import check_demo_dir, run_demo, summary

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


def _cmd_table(args: argparse.Namespace) -> int:
    from rac_tn.partition import as_partition
    from rac_tn.sweeps import (
        SweepError,
        SweepInterrupted,
        process_pool,
        sweep,
        sweep_configs,
    )

    out = None if args.output is None else check_output_file(args.output, "-o")
    lengths = _parse_lengths(args.length)
    _check_positive(args, ("depth", "hidden", "inputs", "jobs"))
    if args.max_samples is not None:
        _check_positive(args, ("max_samples",))
    configs = sweep_configs(
        depths=args.depth,
        lengths=lengths,
        hidden=args.hidden,
        inputs=args.inputs,
        partition=args.partition,
        seed=args.seed,
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
    options = {"progress": _show_progress(args)}
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
    from rac_tn.sweeps import format_rows

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


def _cmd_draw(args: argparse.Namespace) -> int:
    from rac_tn.model import RAC

    out = check_output_file(args.output, "-o")
    if out is None:
        raise ValueError("-o -: draw writes a file; name one ending in .pdf, .svg, .png or .tex")
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".svg", ".png", ".tex"):
        raise ValueError(f"-o must end in .pdf, .svg, .png or .tex, got {out.name!r}")
    _check_positive(args, ("depth", "length", "hidden", "inputs", "classes", "dpi"))
    view = args.view
    if args.bound is not None:
        wanted = "network" if args.bound == "network" else "grid"
        if view is not None and view != wanted:
            raise ValueError(f"--bound {args.bound} is drawn on --view {wanted}, not --view {view}")
        view = wanted
        if args.cut is None:
            raise ValueError("--bound needs --cut (which partition to bound)")
    view = view or "network"
    rac = RAC.random(
        args.inputs, args.hidden, depth=args.depth, num_classes=args.classes, seed=args.seed
    )
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
        from rac_tn.draw.mpl import save

        save(draw(rac, T=args.length, view=view, cut=cut, **style), out, dpi=args.dpi)
    _say(args, f"wrote {out}")
    return 0


_MODEL_DEFAULTS = {"inputs": 2, "hidden": 2, "depth": 2, "classes": 1}


def _analyze_model(args: argparse.Namespace) -> RAC:
    """The RAC to analyze: read from ``--weights``, or random of the given sizes."""
    from rac_tn.model import RAC

    given = [name for name in (*_MODEL_DEFAULTS, "integer") if getattr(args, name) is not None]
    if args.weights is not None:
        if given:
            options = ", ".join("--" + name for name in given)
            raise ValueError(f"--weights gives the model; drop {options}")
        from rac_tn.weights import load_weights

        return load_weights(args.weights)
    for name, default in _MODEL_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    _check_positive(args, tuple(_MODEL_DEFAULTS))
    return RAC.random(
        args.inputs,
        args.hidden,
        depth=args.depth,
        num_classes=args.classes,
        seed=args.seed,
        integer=args.integer is not False,
    )


def _cmd_analyze(args: argparse.Namespace) -> int:
    from rac_tn._tables import format_report
    from rac_tn.analysis import analyze

    out = None if args.output is None else check_output_file(args.output, "-o")
    _check_positive(args, ("length",))
    if args.max_samples is not None:
        _check_positive(args, ("max_samples",))
    partition = _parse_cut(args.partition, args.length, "--partition")
    rac = _analyze_model(args)
    options = {} if args.max_samples is None else {"max_samples": args.max_samples}
    report = analyze(rac, partition, exact=not args.bounds_only, seed=args.seed, **options)
    text = format_report(report, args.format)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        out.write_text(text, encoding="utf-8")
        _say(args, f"wrote the report to {out}")
    return 0


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    analyze = sub.add_parser(
        "analyze",
        help="every bound and exact rank of one model for one partition",
        formatter_class=_HelpFormatter,
        description=(
            "Analyze one RAC, random of the given sizes or read from --weights, for one "
            "partition of 1..T: the paper's theorem values (Start-End), the symmetric-cut and "
            "network-cut bounds, the exact separation and grid ranks of each class, and the "
            "bracket on the generic rank. Prints the report as markdown, JSON or CSV."
        ),
    )
    model = analyze.add_argument_group("model (random weights of these sizes, or --weights)")
    for name, text in (
        ("inputs", "input size M"),
        ("hidden", "hidden channels R"),
        ("depth", "depth L"),
        ("classes", "output classes C"),
    ):
        model.add_argument(
            f"--{name}", type=int, default=None, help=f"{text} (default: {_MODEL_DEFAULTS[name]})"
        )
    model.add_argument("--seed", type=int, default=0, help="seed of the weights and the ranks")
    kind = model.add_mutually_exclusive_group()
    kind.add_argument(
        "--integer",
        dest="integer",
        action="store_const",
        const=True,
        default=None,
        help="random integer weights (the default: generic, for exact ranks)",
    )
    kind.add_argument(
        "--float", dest="integer", action="store_const", const=False, help="random float weights"
    )
    model.add_argument(
        "--weights",
        metavar="FILE.npz",
        default=None,
        help="read the model: arrays input_weights_0.., hidden_weights_0.., output_weights "
        "and optionally initial_states_0.. (rac_tn.weights.save_weights writes one)",
    )
    analyze.add_argument(
        "--partition",
        default="start-end",
        help="start-end, interleaved, or the start times like 1,2,5",
    )
    analyze.add_argument("--length", type=int, default=8, help="sequence length T")
    analyze.add_argument(
        "--bounds-only", action="store_true", help="skip the exact ranks (bounds only)"
    )
    analyze.add_argument(
        "--max-samples",
        type=int,
        default=None,
        help="cap of the sampled rank (default: rac_tn.rank.DEFAULT_MAX_SAMPLES, 4096)",
    )
    analyze.add_argument("--format", choices=_OUTPUT_FORMATS, default="md", help="output format")
    analyze.add_argument(
        "-o", "--output", default=None, help="write to this file ('-' or none: stdout)"
    )
    _add_quiet(analyze)
    analyze.set_defaults(func=_cmd_analyze)


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each option's default, except where there is none to show (None, off flags)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _add_quiet(parser: argparse.ArgumentParser, *aliases: str) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        *aliases,
        action="store_true",
        help="no progress bar and no status lines (a progress bar shows only on a terminal)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the ``rac-tn`` argument parser (``demo``, ``table``, ``draw`` and ``analyze``)."""
    parser = argparse.ArgumentParser(
        prog="rac-tn",
        description=(
            "Recurrent Arithmetic Circuits as tensor networks: contraction, separation-rank "
            "bounds, exact ranks and diagrams."
        ),
        epilog="Run 'rac-tn COMMAND --help' for the options of a command, with their defaults.",
    )
    parser.add_argument("--version", action="version", version=f"rac-tn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    demo = sub.add_parser(
        "demo",
        help="the demonstration: diagrams, exact ranks, report.md",
        formatter_class=_HelpFormatter,
        description=(
            "Draw a shallow and a deep RAC with their Start-End cuts and the computation grid "
            "with its symmetric cut, sweep depths 1-3 for exact separation ranks and every "
            "bound, plot depth against memory, and write report.md. An existing --out folder "
            "is used only if it is empty or holds only an earlier demo's files (see --force)."
        ),
    )
    demo.add_argument("--out", default="rac_tn_demo", help="output folder")
    demo.add_argument(
        "--force",
        action="store_true",
        help="write into --out even if it holds other files (the demo's own names are "
        "overwritten, other files are kept)",
    )
    demo.add_argument("--inputs", type=int, default=2, help="input size M")
    demo.add_argument("--hidden", type=int, default=2, help="hidden channels R")
    demo.add_argument("--max-length", type=int, default=12, help="longest T of the sweep")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    _add_quiet(demo, "--no-progress")
    demo.set_defaults(func=_cmd_demo)

    table = sub.add_parser(
        "table",
        help="a sweep: every bound and exact rank, one row each",
        formatter_class=_HelpFormatter,
        description=(
            "One row per (M, R, L, T): the paper's theorem values, the symmetric-cut and "
            "network-cut bounds, the exact sampled separation rank and the exact grid rank, "
            "for random integer weights (generic with high probability). Ctrl-C or SIGTERM "
            "stops the sweep and writes the rows finished so far."
        ),
    )
    table.add_argument("--depth", type=int, nargs="+", default=[1, 2, 3], help="depths L")
    table.add_argument(
        "--length",
        default="4:12:2",
        help="lengths T: start:stop[:step] (stop included), one number, or a list like 4,6,10; "
        "Start-End skips odd T (with a note)",
    )
    table.add_argument("--hidden", type=int, nargs="+", default=[2], help="hidden sizes R")
    table.add_argument("--inputs", type=int, nargs="+", default=[2], help="input sizes M")
    table.add_argument(
        "--partition",
        default="start-end",
        help="start-end, interleaved, or start times like 1,2,5",
    )
    table.add_argument("--seed", type=int, default=0, help="random seed")
    table.add_argument(
        "--max-samples",
        type=int,
        default=None,
        help="cap of the sampled rank (default: rac_tn.rank.DEFAULT_MAX_SAMPLES, 4096)",
    )
    table.add_argument("--jobs", type=int, default=1, help="worker processes")
    table.add_argument("--format", choices=_OUTPUT_FORMATS, default="md", help="output format")
    table.add_argument(
        "-o", "--output", default=None, help="write to this file ('-' or none: stdout)"
    )
    _add_quiet(table)
    table.set_defaults(func=_cmd_table)

    fig = sub.add_parser(
        "draw",
        help="draw a RAC's tensor network or grid, with a cut",
        formatter_class=_HelpFormatter,
        description=(
            "Draw the tensor network (an MPS for depth 1, the copy tree for depth >= 2) or the "
            "computation grid of a random RAC, optionally with the minimum cut bounding a "
            "partition. The format follows the suffix of -o: .pdf, .svg, .png (see --dpi) or "
            ".tex (a standalone TikZ document for pdflatex)."
        ),
    )
    fig.add_argument("--depth", type=int, default=2, help="depth L")
    fig.add_argument("--length", type=int, default=4, help="sequence length T")
    fig.add_argument("--hidden", type=int, default=2, help="hidden channels R")
    fig.add_argument("--inputs", type=int, default=2, help="input size M")
    fig.add_argument("--classes", type=int, default=1, help="output classes C")
    fig.add_argument("--seed", type=int, default=0, help="random seed")
    fig.add_argument(
        "--view",
        choices=("network", "grid"),
        default=None,
        help="the tensor network (default) or the computation grid",
    )
    fig.add_argument(
        "--cut",
        default=None,
        metavar="PARTITION",
        help="draw the cut for this partition: start-end, interleaved or start times 1,2,5",
    )
    fig.add_argument(
        "--bound",
        choices=("network", "symmetric"),
        default=None,
        help="which cut: network (on --view network) or symmetric (on --view grid)",
    )
    fig.add_argument(
        "--labels",
        choices=("auto", "full", "short", "none"),
        default="auto",
        help="tensor labels",
    )
    fig.add_argument("--dims", action="store_true", help="label bonds with their dimensions")
    fig.add_argument("--degrees", action="store_true", help="grid view: label path degrees")
    fig.add_argument("--title", default=None, help="a title above the figure")
    fig.add_argument("--dpi", type=int, default=300, help="resolution of .png output")
    fig.add_argument(
        "--bare", action="store_true", help=".tex: only the tikzpicture, not a document"
    )
    fig.add_argument("-o", "--output", required=True, help="output file (.pdf/.svg/.png/.tex)")
    _add_quiet(fig)
    fig.set_defaults(func=_cmd_draw)
    _add_analyze(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rac-tn`` command; return its exit status.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 2 when an argument was rejected or no command was given (the reason
        goes to stderr, on one line); 130 after Ctrl-C and 143 after SIGTERM.

    Examples
    --------
    >>> main(["table", "--depth", "1", "--length", "2", "--format", "csv"])  # doctest: +ELLIPSIS
    M,R,L,T,partition,...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        with sigterm_raises():
            return args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"rac-tn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"rac-tn {args.command}: interrupted", file=sys.stderr)
        return exit_status(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
