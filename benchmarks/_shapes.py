"""The ``AxB`` shape argument of the price benchmarks (``bench_approx_price.py``, ``bench_lp_price.py``)."""

from __future__ import annotations

import argparse
from typing import Callable, Tuple


def shape_parser(what: str, example: str) -> Callable[[str], Tuple[int, int]]:
    """An argparse ``type`` reading ``"1000x100"`` as ``(1000, 100)``; ``what`` and ``example`` name the two numbers
    in its error, e.g. ``shape_parser("n x D", "10x30000")``."""

    def shape(text: str) -> Tuple[int, int]:
        a, _, b = text.lower().partition("x")
        try:
            return int(a), int(b)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a shape is {what}, as {example}; got {text!r}") from None

    return shape
