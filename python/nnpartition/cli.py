"""The ``nnpartition`` command line. Each subcommand lives in ``nnpartition._cli.<name>``
and registers itself with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from . import __version__

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = ["estimate", "counting", "train", "inside", "teacher", "lowrank", "explore"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="nnpartition",
        description="How two-layer ReLU networks cut input space: region counts, Monte Carlo "
                    "partitions, real training and accuracy estimates.",
    )
    parser.add_argument("--version", action="version", version=f"nnpartition {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"nnpartition._cli.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not installed
            if exc.name != f"nnpartition._cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``nnpartition`` console script; returns the exit status.

    Example:
        >>> main(["regions", "-L", "4", "-d", "2"])
        4 affine hyperplanes in general position cut R^2 into 11 regions
        bounded regions: 3
        ln(regions): 2.397895
        0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, MemoryError) as exc:
        print(f"nnpartition {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
