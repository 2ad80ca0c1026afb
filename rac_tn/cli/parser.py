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
from typing import NoReturn

from rac_tn import __version__
from rac_tn._format import message_text
from rac_tn.analysis.interrupt import (
    exit_status,
    handlers_restored,
    sigterm_raises,
    stop_listening,
)
from rac_tn.cli.commands import MODEL_DEFAULTS, cmd_analyze, cmd_demo, cmd_draw, cmd_table
from rac_tn.cli.train import add_train_parser
from rac_tn.models.registry import family_names

# rac_tn.analysis.sweeps.OutputFormat, spelled out so that parsing the command line imports nothing
# heavy
_OUTPUT_FORMATS = ("md", "csv", "json")


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
        ("classes", "output classes Y"),
    ):
        model.add_argument(
            f"--{name}", type=int, default=None, help=f"{text} (default: {MODEL_DEFAULTS[name]})"
        )
    _add_family_options(
        model, "model family (default rac; with --weights: read the file as this family)"
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
        metavar="FILE",
        default=None,
        help="read the model from FILE.npz|.pt|.safetensors: a seed-code state dict of any "
        "family (found from its names: A, B, C cp2rnn; w 2rnn; alpha mirnn; w, u linear; "
        "--model forces one; torch not needed) or a RAC's arrays input_weights_0.., "
        "hidden_weights_0.., output_weights[, initial_states_0..] "
        "(rac_tn.models.weights.save_weights)",
    )
    model.add_argument(
        "--ignore-extra-keys",
        action="store_true",
        help="with --weights: ignore arrays no parameter of the family takes (a buffer, an "
        "optimizer's state) instead of refusing the file",
    )
    analyze.add_argument(
        "--partition",
        default="start-end",
        help="start-end, interleaved, or the start times like 1,2,5",
    )
    analyze.add_argument("--length", type=int, default=8, help="sequence length T (at most 1000)")
    analyze.add_argument(
        "--bounds-only", action="store_true", help="skip the exact ranks (bounds only)"
    )
    analyze.add_argument(
        "--max-samples",
        type=int,
        default=None,
        help="cap of the sampled rank (default: rac_tn.exact.rank.DEFAULT_MAX_SAMPLES, 8192)",
    )
    analyze.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="time budget of the exact ranks: no round of the sampled rank starts that would "
        "end after it (the rank is then a certified lower bound)",
    )
    analyze.add_argument("--format", choices=_OUTPUT_FORMATS, default="md", help="output format")
    analyze.add_argument(
        "-o", "--output", default=None, help="write to this file ('-' or none: stdout)"
    )
    _add_quiet(analyze)
    analyze.set_defaults(func=cmd_analyze)


class _Parser(argparse.ArgumentParser):
    """argparse, with control characters escaped in the errors (they echo what was typed)."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error, escaped, and exit with status 2."""
        super().error(message_text(message))


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each option's default, except where there is none to show (None, off flags)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _add_family_options(parser: argparse._ActionsContainer, text: str) -> None:
    """``--model``, ``--rank`` and ``--bias``: the model family (see rac_tn.models)."""
    parser.add_argument("--model", choices=family_names(), default=None, help=text)
    parser.add_argument("--rank", type=int, default=None, help="CP rank K of cp2rnn (default: R)")
    parser.add_argument(
        "--bias", action="store_true", help="first-order terms and biases (not for rac)"
    )


def _add_quiet(parser: argparse.ArgumentParser, *aliases: str) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        *aliases,
        action="store_true",
        help="no progress bar and no status lines (a progress bar shows only on a terminal)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the ``rac-tn`` argument parser (``demo``, ``table``, ``draw``, ``analyze``, ...)."""
    parser = _Parser(
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
    demo.set_defaults(func=cmd_demo)

    table = sub.add_parser(
        "table",
        help="a sweep: every bound and exact rank, one row each",
        formatter_class=_HelpFormatter,
        description=(
            "One row per (M, R, L, T) of a model family (--model, default rac): the theorem "
            "values, the symmetric-cut and "
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
        "at most 1000; Start-End skips odd T (with a note)",
    )
    table.add_argument("--hidden", type=int, nargs="+", default=[2], help="hidden sizes R")
    table.add_argument("--inputs", type=int, nargs="+", default=[2], help="input sizes M")
    table.add_argument(
        "--partition",
        default="start-end",
        help="start-end, interleaved, or start times like 1,2,5",
    )
    _add_family_options(table, "model family of every row (default rac)")
    table.add_argument("--seed", type=int, default=0, help="random seed")
    table.add_argument(
        "--max-samples",
        type=int,
        default=None,
        help="cap of the sampled rank (default: rac_tn.exact.rank.DEFAULT_MAX_SAMPLES, 8192)",
    )
    table.add_argument(
        "--jobs", type=int, default=1, help="worker processes (at most the cores; more: a note)"
    )
    table.add_argument("--format", choices=_OUTPUT_FORMATS, default="md", help="output format")
    table.add_argument(
        "-o", "--output", default=None, help="write to this file ('-' or none: stdout)"
    )
    _add_quiet(table)
    table.set_defaults(func=cmd_table)

    fig = sub.add_parser(
        "draw",
        help="draw a model's tensor network or grid, with a cut",
        formatter_class=_HelpFormatter,
        description=(
            "Draw the tensor network (for a RAC an MPS at depth 1, the copy tree at depth >= 2; "
            "for a model family the copy tree, at depth 1 the chain of its cells) or the "
            "computation grid of a random RAC or model family (--model), optionally with the "
            "minimum cut bounding a partition. A CP core (cp2rnn, mirnn, linear) is drawn as "
            "its factor matrices A, B, C around a COPY diamond of dimension K, a 2rnn core as "
            "one order-3 tensor. The format follows the suffix of -o: .pdf, .svg, .png (see "
            "--dpi) or .tex (a standalone TikZ document for pdflatex)."
        ),
    )
    fig.add_argument("--depth", type=int, default=2, help="depth L")
    fig.add_argument("--length", type=int, default=4, help="sequence length T")
    fig.add_argument("--hidden", type=int, default=2, help="hidden channels R (n)")
    fig.add_argument("--inputs", type=int, default=2, help="input size M (d)")
    fig.add_argument("--classes", type=int, default=1, help="output classes Y")
    _add_family_options(fig, "model family (default rac; see rac_tn.models)")
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
    fig.add_argument(
        "--dpi", type=int, default=300, help="resolution of .png output (at most 1200)"
    )
    fig.add_argument(
        "--bare",
        action="store_true",
        help=".tex: only the tikzpicture, not a document (the paper loads tikz and "
        "\\usetikzlibrary{backgrounds,calc})",
    )
    fig.add_argument("-o", "--output", required=True, help="output file (.pdf/.svg/.png/.tex)")
    _add_quiet(fig)
    fig.set_defaults(func=cmd_draw)
    _add_analyze(sub)
    add_train_parser(sub, _HelpFormatter)
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
        goes to stderr, on one line); 130 after Ctrl-C and 143 after SIGTERM. Called with
        ``argv``, it leaves the process's Ctrl-C and SIGTERM handlers as it found them.

    Examples
    --------
    >>> main(["table", "--depth", "1", "--length", "2", "--format", "csv"])  # doctest: +ELLIPSIS
    M,R,L,T,partition,...
    0
    """
    command = "rac-tn"
    # called from Python, the caller's Ctrl-C handling is put back; run as the program, an
    # interrupted command stays deaf to a second Ctrl-C while the interpreter exits
    with handlers_restored(restore=argv is not None):
        try:
            parser = build_parser()
            args = parser.parse_args(argv)
            if args.command is None:
                parser.print_help(sys.stderr)
                return 2
            command = f"rac-tn {args.command}"
            with sigterm_raises():
                return args.func(args)
        except (ValueError, TypeError) as exc:
            print(f"{command}: error: {message_text(exc)}", file=sys.stderr)
            return 2
        except (MemoryError, OverflowError) as exc:  # sizes beyond this machine: one line too
            reason = type(exc).__name__ + (f": {message_text(exc, 200)}" if str(exc) else "")
            print(
                f"{command}: error: the sizes asked for do not fit this machine ({reason}); "
                "try smaller --hidden, --inputs, --depth or --length",
                file=sys.stderr,
            )
            return 2
        except KeyboardInterrupt as exc:
            stop_listening()  # a second Ctrl-C while exiting stays quiet
            print(f"{command}: interrupted", file=sys.stderr)
            return exit_status(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
