"""The ``rac-tn`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rac_tn import __version__


def _cmd_demo(args: argparse.Namespace) -> int:
    import numpy as np

    from rac_tn.model import RAC

    rng = np.random.default_rng(args.seed)
    length, inputs = args.length, args.inputs
    sequence = np.eye(inputs)[rng.integers(0, inputs, size=length)]
    print(f"rac-tn {__version__}: forward of random RACs on one random one-hot sequence")
    print(f"(M = {inputs}, R = {args.hidden}, T = {length})\n")
    print("| depth | parameters | y (float64) | y mod 2^61-1 (integer weights) |")
    print("|---|---|---|---|")
    for depth in (1, 2, 3):
        rac = RAC.random(inputs, args.hidden, depth=depth, seed=args.seed)
        exact = RAC.random(inputs, args.hidden, depth=depth, seed=args.seed, integer=True)
        y = rac.forward(sequence)[0]
        y_mod = int(exact.forward_mod(sequence)[0])
        print(f"| {depth} | {rac.num_parameters} | {y:.6g} | {y_mod} |")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rac-tn",
        description=(
            "Recurrent Arithmetic Circuits as tensor networks: contraction, separation-rank "
            "bounds, exact ranks and diagrams."
        ),
    )
    parser.add_argument("--version", action="version", version=f"rac-tn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the demonstration (the main job)")
    demo.add_argument("--inputs", type=int, default=3, help="input size M (default 3)")
    demo.add_argument("--hidden", type=int, default=3, help="hidden channels R (default 3)")
    demo.add_argument("--length", type=int, default=8, help="sequence length T (default 8)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
