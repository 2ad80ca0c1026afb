"""The ``rac-tn`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rac_tn import __version__

if TYPE_CHECKING:
    from rac_tn.partition import Partition

# rac_tn.sweeps.OutputFormat, spelled out so that parsing the command line imports nothing heavy
_OUTPUT_FORMATS = ("md", "csv", "json")


def _cmd_demo(args: argparse.Namespace) -> int:
    from rac_tn.demo import run_demo, summary

    result = run_demo(
        args.out,
        inputs=args.inputs,
        hidden=args.hidden,
        max_length=args.max_length,
        seed=args.seed,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    print(summary(result))
    return 0


def _parse_cut(text: str, T: int) -> Partition:
    """``start-end``, ``interleaved`` or a comma-separated list of start times (``1,2,5``)."""
    from rac_tn.partition import as_partition

    try:
        return as_partition(text.strip().lower(), T)
    except ValueError as exc:
        raise ValueError(f"--cut: {exc}") from None


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
            return list(range(start, stop + 1, step))
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise ValueError(
            f"--length must be start:stop[:step] (stop included), a number or a list like 4,6,8; "
            f"got {text!r}"
        ) from None


def _check_positive(args: argparse.Namespace, names: Sequence[str]) -> None:
    """Every ``--name`` value (a number or a list of numbers) must be a positive integer."""
    from rac_tn._checks import positive_int

    for name in names:
        value = getattr(args, name)
        if not isinstance(value, list):
            positive_int(value, f"--{name}")
        elif any(v < 1 for v in value):
            bad = next(v for v in value if v < 1)
            raise ValueError(f"--{name} values must be positive integers, got {bad}")


def _cmd_table(args: argparse.Namespace) -> int:
    from rac_tn.partition import as_partition
    from rac_tn.sweeps import format_rows, process_pool, sweep, sweep_configs

    lengths = _parse_lengths(args.length)
    _check_positive(args, ("depth", "hidden", "inputs"))
    if not lengths or min(lengths) < 1:
        raise ValueError(f"--length must give positive lengths, got {args.length!r}")
    _check_positive(args, ("jobs",))
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
    for T in sorted({config.length for config in configs}):  # before any work starts
        as_partition(args.partition, T)
    options = {} if args.max_samples is None else {"max_samples": args.max_samples}
    if args.jobs > 1:
        with process_pool(args.jobs) as pool:
            rows = sweep(configs, executor=pool, **options)
    else:
        rows = sweep(configs, **options)
    text = format_rows(rows, args.format)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {len(rows)} rows to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_draw(args: argparse.Namespace) -> int:
    from rac_tn.model import RAC

    out = Path(args.output)
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
    print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the ``rac-tn`` argument parser (commands ``demo``, ``table`` and ``draw``)."""
    parser = argparse.ArgumentParser(
        prog="rac-tn",
        description=(
            "Recurrent Arithmetic Circuits as tensor networks: contraction, separation-rank "
            "bounds, exact ranks and diagrams."
        ),
    )
    parser.add_argument("--version", action="version", version=f"rac-tn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="run the demonstration (the main job)",
        description=(
            "Draw a shallow and a deep RAC with their Start-End cuts and the computation grid "
            "with its symmetric cut, sweep depths 1-3 for exact separation ranks and every "
            "bound, plot depth against memory, and write report.md."
        ),
    )
    demo.add_argument("--out", default="rac_tn_demo", help="output directory (./rac_tn_demo)")
    demo.add_argument("--inputs", type=int, default=2, help="input size M (default 2)")
    demo.add_argument("--hidden", type=int, default=2, help="hidden channels R (default 2)")
    demo.add_argument(
        "--max-length", type=int, default=12, help="longest T of the sweep (default 12)"
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_cmd_demo)

    table = sub.add_parser(
        "table",
        help="sweep configurations: every bound and exact rank, one row each",
        description=(
            "One row per (M, R, L, T): the paper's theorem values, the symmetric-cut and "
            "network-cut bounds, the exact sampled separation rank and the exact grid rank, "
            "for random integer weights (generic with high probability)."
        ),
    )
    table.add_argument("--depth", type=int, nargs="+", default=[1, 2, 3], help="depths L")
    table.add_argument("--length", default="4:12:2", help="lengths T, start:stop[:step]")
    table.add_argument("--hidden", type=int, nargs="+", default=[2], help="hidden sizes R")
    table.add_argument("--inputs", type=int, nargs="+", default=[2], help="input sizes M")
    table.add_argument(
        "--partition",
        default="start-end",
        help="start-end (default), interleaved, or start times like 1,2,5",
    )
    table.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    table.add_argument(
        "--max-samples",
        type=int,
        default=None,
        help="cap of the sampled rank (default rac_tn.rank.DEFAULT_MAX_SAMPLES, 4096)",
    )
    table.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    table.add_argument("--format", choices=_OUTPUT_FORMATS, default="md")
    table.add_argument("-o", "--output", default=None, help="write to this file, not stdout")
    table.set_defaults(func=_cmd_table)

    fig = sub.add_parser(
        "draw",
        help="draw a random RAC's tensor network or computation grid, with a cut",
        description=(
            "Draw the tensor network (an MPS for depth 1, the copy tree for depth >= 2) or the "
            "computation grid of a random RAC, optionally with the minimum cut bounding a "
            "partition. The format follows the suffix of -o: .pdf, .svg, .png (see --dpi) or "
            ".tex (a standalone TikZ document for pdflatex)."
        ),
    )
    fig.add_argument("--depth", type=int, default=2, help="depth L (default 2)")
    fig.add_argument("--length", type=int, default=4, help="sequence length T (default 4)")
    fig.add_argument("--hidden", type=int, default=2, help="hidden channels R (default 2)")
    fig.add_argument("--inputs", type=int, default=2, help="input size M (default 2)")
    fig.add_argument("--classes", type=int, default=1, help="output classes C (default 1)")
    fig.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
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
        help="tensor labels (default auto)",
    )
    fig.add_argument("--dims", action="store_true", help="label bonds with their dimensions")
    fig.add_argument("--degrees", action="store_true", help="grid view: label path degrees")
    fig.add_argument("--title", default=None, help="a title above the figure")
    fig.add_argument("--dpi", type=int, default=300, help="resolution of .png output (300)")
    fig.add_argument(
        "--bare", action="store_true", help=".tex: only the tikzpicture, not a document"
    )
    fig.add_argument("-o", "--output", required=True, help="output file (.pdf/.svg/.png/.tex)")
    fig.set_defaults(func=_cmd_draw)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rac-tn`` command; return its exit status (2 after a usage error).

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 when an argument was rejected (the reason goes to stderr).

    Examples
    --------
    >>> main(["table", "--depth", "1", "--length", "2", "--format", "csv"])  # doctest: +ELLIPSIS
    M,R,L,T,partition,...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"rac-tn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
