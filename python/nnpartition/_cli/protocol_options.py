"""The training protocol's options (``--optimizer --lr --steps --batch-size --schedule --restarts``) of ``estimate``,
``size``, ``validate``, ``demo`` and ``train``, and the estimator's range warnings in the words of the command line."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import warnings
from typing import Any, Dict, Iterator, Optional

from ..training import MAX_BATCH_SIZE, MAX_LR, MAX_RESTARTS, PROTOCOL_MAX_STEPS, Protocol
from .common import bound, choices, integer, option_names, span


def add_protocol_arguments(p: argparse.ArgumentParser, restarts: bool = True, title: str = "") -> None:
    """``--optimizer --lr --steps --batch-size --schedule --restarts``: a :class:`~nnpartition.Protocol` (without
    ``--restarts`` when ``restarts`` is false: ``validate`` has its own). Unset options stay ``None``;
    :func:`protocol_from_args` fills them from the reference protocol."""
    ref = Protocol()
    g = p.add_argument_group(title or "training protocol (default: the reference protocol)")
    g.add_argument("--optimizer", default=None, choices=choices("optimizer"), metavar="OPTIMIZER",
                   help="adam (default) or sgd (momentum 0.9)")
    # each range is Protocol's, from its constants (test_every_help_range_is_its_checks_constant)
    g.add_argument("--lr", type=float, default=None,
                   help=f"starting learning rate, above 0 and at most {bound(int(MAX_LR))} (default {ref.lr})")
    g.add_argument("--steps", type=integer, default=None,
                   help=f"optimiser steps, {span(1, PROTOCOL_MAX_STEPS)} (default {ref.steps})")
    g.add_argument("--batch-size", type=integer, default=None,
                   help=f"minibatch size, {span(1, MAX_BATCH_SIZE)} (default: full batch; a batch of at least N "
                        "points is a full batch)")
    g.add_argument("--schedule", default=None, choices=choices("schedule"), metavar="SCHEDULE",
                   help="cosine (to lr/100, default) or constant")
    if restarts:
        g.add_argument("--restarts", type=integer, default=None,
                       help=f"independent runs per dataset, the best counts, {span(1, MAX_RESTARTS)} (default "
                            f"{ref.restarts})")


#: The protocol options of :func:`add_protocol_arguments`: ``Protocol``'s fields.
PROTOCOL_OPTIONS = tuple(f.name for f in dataclasses.fields(Protocol))


def protocol_given(args: argparse.Namespace) -> Dict[str, Any]:
    """The protocol options given on the command line (``--restarts`` too, where the command has it)."""
    return {k: getattr(args, k) for k in PROTOCOL_OPTIONS if getattr(args, k, None) is not None}


def protocol_from_args(args: argparse.Namespace) -> Protocol:
    """The :class:`~nnpartition.Protocol` the protocol options describe (the reference protocol's value for each
    option not given)."""
    return Protocol(**protocol_given(args))


def describe_protocol(protocol: Protocol, N: int) -> str:
    """``protocol.describe()`` for training on ``N`` points: a ``--batch-size`` of at least ``N`` is a full batch, as
    it trains (``batch 1000`` read as minibatches); the JSON keeps ``batch_size`` as given.

    Example:
        >>> describe_protocol(Protocol(batch_size=1000), 100)
        'adam lr=0.02 cosine, 4000 steps, full batch (--batch-size 1000 >= N), best of 2'
        >>> describe_protocol(Protocol(batch_size=64), 100)
        'adam lr=0.02 cosine, 4000 steps, batch 64, best of 2'
    """
    b = protocol.batch_size
    if b is not None and b >= N:
        return protocol._line(f"full batch (--batch-size {b} >= N)")
    return protocol.describe()


#: The size arguments as the commands that take them spell them (``estimate``, ``size``).
_SIZE_OPTIONS = {"d": "-d", "N": "-N", "L": "-L", "widths": "--widths"}


@contextlib.contextmanager
def _warnings_to_stderr(args: Optional[argparse.Namespace] = None, sizes: bool = False) -> Iterator[None]:
    """Range warnings as one line each on stderr (stdout, e.g. JSON, stays clean), each distinct one once (the
    demo's six configurations share a protocol: an out-of-range setting warned six times), naming the options
    the user gave (``args``' protocol options; ``-d -N -L --widths`` too where ``sizes``) as they spelled them,
    not Python's parameters ("restarts=5")."""
    seen = set()
    names = {k: "--" + k.replace("_", "-") for k in (protocol_given(args) if args is not None else {})}
    if sizes:
        names.update(_SIZE_OPTIONS)

    def show(message: Any, *args: Any, **kwargs: Any) -> None:
        text = option_names(str(message), names, everywhere=False)
        if text not in seen:
            seen.add(text)
            print(f"warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield
