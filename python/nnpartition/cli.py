"""The ``nnpartition`` command line (also ``python -m nnpartition``).

Each subcommand lives in ``nnpartition._cli.<name>`` and registers itself
with ``register(subparsers)``. :func:`main` runs the shared checks of
:mod:`nnpartition._cli.common` (files, output paths, option combinations)
before the command, and maps errors to exit statuses: 2 with one line for
a usage or value error, a file that could not be written (naming its
option) or a missing optional dependency, 128 + the signal's number for SIGTERM or SIGHUP during a sweep,
130 for Ctrl-C (but ``explore``, for which Ctrl-C is the normal way to stop
the server: 0, docs/explore.md). The limits of :mod:`nnpartition.limits` can be set for
one command through the environment variables ``NNPARTITION_MAX_PARAMS``,
``NNPARTITION_MAX_BYTES`` and ``NNPARTITION_MAX_WORK`` (docs/limits.md).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from typing import Any, Dict, List, NoReturn, Optional

from . import __version__
from ._cli.common import (check_args, cli_limit_hint, command_options, environment_limits, option_names,
                          short_numbers, write_error)

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = ["estimate", "counting", "simulation", "train", "construct", "sparse", "teacher", "lowrank",
                   "pictures", "explore"]


#: What argparse must read as a (negative) number, not as an option: ``-1``, ``-.5``, and also ``-1e-1``, ``-2E3``,
#: ``-inf`` and ``-nan``, which its own pattern (``-1`` and ``-0.5`` only) took for unknown options
#: (``--box -1e-1 1`` was "expected 2 arguments"). No option of the command line looks like one, but argparse's
#: prefix matching comes first: where a command has ``-N``, ``-NaN`` reads as ``-N aN`` (write ``-nan``).
NEGATIVE_NUMBER = re.compile(r"^-(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with its usage errors on one line like every other error of the command line (it printed
    the usage block first, 4-10 lines), and every negative number read as a value (:data:`NEGATIVE_NUMBER`).

    Example:
        >>> p = _Parser(prog="demo")
        >>> _ = p.add_argument("--box", type=float, nargs=2)
        >>> p.parse_args(["--box", "-1e-1", "1"]).box, p.parse_args(["--box", "-inf", "-2E3"]).box
        ([-0.1, 1.0], [-inf, -2000.0])
    """

    #: The subcommands' parsers by name (set by :func:`build_parser` on the top-level parser).
    commands: Dict[str, argparse.ArgumentParser]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER   # argparse's own attribute (subparsers are _Parsers too)
        self.commands = {}

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> _Parser:
    """The argument parser with every available subcommand."""
    parser = _Parser(
        prog="nnpartition",
        description="How ReLU networks (two-layer and deep) cut input space: region counts, Monte Carlo "
                    "partitions, real training and accuracy estimates.",
        epilog="Every command refuses, before it starts, work above the limits of nnpartition.limits "
               "(docs/limits.md); set NNPARTITION_MAX_PARAMS (parameters of one network, default 2**28), "
               "NNPARTITION_MAX_BYTES (memory of one call) or NNPARTITION_MAX_WORK (steps of one call, "
               "default 1e13) in the environment to change them for one command, e.g. "
               "NNPARTITION_MAX_WORK=1e14 nnpartition train ...",
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
    parser.commands = dict(sub.choices)
    return parser


def run() -> None:
    """The ``nnpartition`` console script and ``python -m nnpartition``: :func:`main`, then exit with its status.

    After a Ctrl-C that left a numpy or scipy call running (``limits._interruptible``), the process exits at once
    instead of waiting for it; :func:`main` itself always returns, so that programs that call it keep control.
    """
    status = main()
    if status == 130:
        from .limits import _abandoned

        if _abandoned():
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
    sys.exit(status)


def main(argv: Optional[List[str]] = None) -> int:
    """The command line's work: parse ``argv`` (``sys.argv[1:]`` if None), run the command, return the exit status.

    Example:
        >>> main(["regions", "-L", "4", "-d", "2"])
        4 affine hyperplanes in general position cut R^2 into 11 regions
        bounded regions: 3
        ln(regions): 2.397895
        0
    """
    try:
        parser = build_parser()   # imports every command's module: a noticeable part of a second
        args, extra = parser.parse_known_args(argv)
    except KeyboardInterrupt:   # a Ctrl-C just after the start was a traceback through an import or argparse
        print("nnpartition: interrupted", file=sys.stderr)
        return 130
    if extra:   # named by the command they were given to (argparse's own message named nnpartition alone)
        command = parser.commands.get(getattr(args, "command", None) or "", parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    digits = getattr(sys, "get_int_max_str_digits", lambda: None)()
    if digits is not None:
        # exact counts (`regions -L 20000 -d 10000`) have more than Python's default 4300 digits; printing them is
        # what the command is for (restored below: main() also runs inside other programs)
        sys.set_int_max_str_digits(0)
    try:
        env_limits = environment_limits()   # NNPARTITION_MAX_WORK and the like: the shell's set_limits
        check_args(args)  # files, paths and option combinations: before any work
        from .limits import override

        with override(**env_limits):   # for this command only: main() also runs inside other programs
            status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below, not at interpreter exit
        return status
    except (ValueError, TypeError, MemoryError) as exc:
        # one line; a limit's refusal names the environment variable that raises it, not set_limits
        message = cli_limit_hint(" ".join(str(exc).split()), args.command)
        # a library function's refusal names its Python argument ("every must be >= 1"): name the option instead
        message = option_names(message, command_options(parser.commands.get(args.command),
                                                         getattr(args, "python_names", None)))
        if isinstance(exc, MemoryError):
            # numpy's and matplotlib's MemoryErrors may carry no message at all (an audit after the twenty-eighth
            # pass on issue 11 saw "error: " alone); say what happened and what to lower
            message = (f"out of memory ({message or 'MemoryError'}); ask for less, or lower max_bytes "
                       "(the environment variable NNPARTITION_MAX_BYTES, e.g. NNPARTITION_MAX_BYTES=4e9) so that "
                       "the size checks refuse it before it starts")
        print(f"nnpartition {args.command}: error: {short_numbers(message)}", file=sys.stderr)
        return 2
    except ImportError as exc:   # an optional dependency that is missing (Dask for --scheduler, scipy for an exact
        # linear program): its message says what to install; it was a traceback. A module of this package that fails
        # to import is a bug, not the user's to fix: its traceback stays.
        if (exc.name or "").split(".")[0] == "nnpartition":
            raise
        print(f"nnpartition {args.command}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        # a sweep stopped on its executor (a Dask scheduler lost, a broken pool): its message says how to go on, and
        # it was a traceback; any other RuntimeError is a bug, whose traceback stays
        from .sweep import SweepError

        if not isinstance(exc, SweepError):
            raise
        print(f"nnpartition {args.command}: stopped: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        # a sweep's store keeps what finished (sweep.run records each configuration as it ends): say how to go on,
        # naming the store unless the sweep's summary line just did
        store = getattr(args, "store", None)
        kept = ""
        if store is not None and os.path.isfile(store):
            kept = ("; the same command with --resume runs the rest" if getattr(exc, "nnpartition_summary_shown", False)
                    else f"; the finished configurations are kept in {store}: the same command with --resume runs "
                         f"the rest")
        # SIGTERM or SIGHUP during a sweep (a cluster's time limit, kill, a closed terminal) stops it as Ctrl-C does
        # (nnpartition.sweep.executor._Terminated), and exits with the signal's status, 128 + its number
        signum = getattr(exc, "signum", None)
        how = "interrupted" if signum is None else str(exc)
        print(f"nnpartition {args.command}: {how}{kept}", file=sys.stderr)
        return 130 if signum is None else 128 + int(signum)
    except BrokenPipeError:
        # The reader went away (`nnpartition ... | head`): stop quietly, as Unix tools do.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:   # a file that could not be written after all (disk full, folder gone): one line
        print(f"nnpartition {args.command}: error: {' '.join(write_error(args, exc).split())}", file=sys.stderr)
        return 2
    finally:
        if digits is not None:
            sys.set_int_max_str_digits(digits)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
