"""The prices of ``construct``'s evaluations (``approximate_1d``, ``classifier_1d``, the 1-D readings), measured.

Usage:
    python benchmarks/bench_approx_price.py                     # about two minutes of CPU
    python benchmarks/bench_approx_price.py --calls approximate_1d --shapes 10000x100  # the audit's 55 s call
    python benchmarks/bench_approx_price.py --calls classifier_1d --sizes 10000 30000  # or any sizes N

Each call checks its work against ``max_work`` before it starts, at a price in steps of about a nanosecond of one
core (docs/limits.md). This script reads each case's price as the call states it (the call run under
``max_work = 1``, its refusal's "takes about ... steps"), then times the call and prints, for each, the CPU seconds
of the process (``time.process_time``: every thread, the BLAS's included, so the other jobs on a shared machine
count less than in the wall time, also shown), the price and the CPU nanoseconds per step of price: the price is
right where that column stays near 1, and the same for every call. The cases run alternately, one of each call in
turn, so a change of load falls on all of them.

- ``approximate_1d(np.sin, 0, 1, n_units, points_per_unit=p)`` checks the interpolant of ``n_units + 1`` units on an
  error grid of ``g = max(n_units p, 4000) + 1`` points, priced ``10 g n_units`` (``_APPROX_STEPS_PER_UNIT_POINT``;
  an audit measured 1.1-2.5 ns on the 10^4-unit call under the old price of ``5 g n_units``, and the forty-fifth pass
  1.5-2.6 for 300 to 10^4 units on a quiet machine, and doubled it). Few units on a long grid read higher: there the
  grid's own work (``f``, the differences; about 50-100 ns a point) outweighs the units'.
- ``classifier_1d(X, y)`` of ``N`` points whose labels along ``X`` alternate, are random or come in runs of 10 checks
  its network of one unit per label change on every point: ``N x units`` activations, priced
  ``_CLASSIFIER_STEPS_PER_ACTIVATION`` each (4 until the sixty-seventh pass on issue 11, which measured about 2 ns a
  step of that: the same evaluation as ``approximate_1d``'s, 8-10 ns an activation).
- ``classifier_1d's check`` times that check alone on the first points of ``N = L + 1`` alternating labels, with
  ``L`` from 3 x 10^5 to 10^6 units (``--wide``; about 3e8 activations each): the largest calls ``max_work`` accepts,
  about 1.6 x 10^6 alternating labels, are there, where a point's activations leave the cache, and no whole call
  that size runs in minutes.
- ``explain_1d`` and ``linear_pieces`` of a random 1-D network of ``L`` units, all live on ``[-1, 1]``
  (``pieces._check_1d_work``), and ``ramp_pairs`` of one of alternating output weights (``10`` a pair of live units).
"""

from __future__ import annotations

import argparse
import re
from functools import partial
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from nnpartition import TwoLayerNet, limits
from nnpartition.construct import approximate_1d, classifier_1d, explain_1d, interpolant_1d, linear_pieces, ramp_pairs
from nnpartition.construct.build import _check_classifier_cost, _classifier_work

from _shapes import shape_parser  # the AxB argument, shared with the other price benchmark

#: (n_units, points_per_unit): 5e7 to 5e9 steps of price each, from 100 units on 10^5 grid points to 10^4 units on 10^5.
SHAPES = [(100, 1000), (1000, 100), (300, 3000), (3000, 100), (10_000, 10), (1000, 1000)]
#: classifier_1d's numbers of points N, each with three patterns of labels along X.
SIZES = [3000, 10_000, 30_000]
PATTERNS = ("alternating", "random", "runs of 10")
#: units of the wide networks whose check alone is timed, on about 3e8 activations each.
WIDE = [300_000, 1_000_000]
#: units of the 1-D networks of explain_1d, linear_pieces and ramp_pairs.
UNITS = [1000, 3000, 10_000]

#: a label, the call, and its price when the call states none (None: read from its refusal)
Case = Tuple[str, Callable[[], Any], Optional[float]]


def _labels(pattern: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Labels of ``n`` points in the order of ``X``."""
    if pattern == "alternating":
        return np.arange(n) % 2
    if pattern == "random":
        return rng.integers(0, 2, n)
    return (np.arange(n) // 10) % 2


def _classifier_case(n: int, pattern: str) -> Case:
    rng = np.random.default_rng(n)
    rank = rng.permutation(n)               # X in a random order, labelled by its rank's pattern
    X, y = rank.astype(np.float64), _labels(pattern, n, rng)[rank]
    return f"N = {n:,}, {pattern} labels", lambda: classifier_1d(X, y), None


def _wide_check(L: int) -> Tuple[str, Callable[[], Any], float]:
    """``classifier_1d``'s check (its loop, as written there) of its network for ``L + 1`` alternating labels at
    ``0, 1, ..., L``, on the first of those points only, and the price of the points checked."""
    z = np.arange(L) + 0.5                    # the crossings, the nodes between them, as classifier_1d places them
    nodes = np.concatenate([[-0.5], np.arange(1.0, L), [L + 0.5]])
    net = interpolant_1d(nodes, np.where(np.arange(L + 1) % 2 == 0, 1.0, -1.0) * 0.5)
    assert net.L == L and z.size == L
    rows = _check_classifier_cost(1, L)        # the rows of its chunks (the price is of the points checked)
    k = max(rows, int(3e8 // L) // rows * rows)
    xs, ys = np.arange(float(k)), np.arange(k) % 2

    def run() -> None:
        assert all(np.array_equal(out > 0, ys[i:i + rows] == 0) and bool(np.all(out != 0))
                   for i in range(0, k, rows) for out in [net._logits(xs[i:i + rows, None])]), "misclassified"

    return f"{k:,} of {L + 1:,} alternating labels ({L:,} units)", run, _classifier_work(k, L)


def _net(L: int, alternating: bool) -> TwoLayerNet:
    """A 1-D network of ``L`` units whose knots ``-b / w`` are all in ``(-1, 1)``."""
    rng = np.random.default_rng(L)
    w = rng.choice([-1.0, 1.0], L) * rng.uniform(0.5, 2.0, L)
    b = -w * rng.uniform(-0.99, 0.99, L)
    c = np.tile([1.0, -1.0], L // 2 + 1)[:L] if alternating else rng.normal(size=L)
    return TwoLayerNet(w[None, :], b, c, 0.0)


def _cases(args: argparse.Namespace) -> Dict[str, List[Case]]:
    X = np.linspace(-1, 1, 1000)[:, None]
    every: Dict[str, List[Case]] = {
        "approximate_1d": [(f"{n:,} units x {p:,} points a unit",
                            partial(approximate_1d, np.sin, 0, 1, n, points_per_unit=p), None)
                           for n, p in args.shapes],
        "classifier_1d": [_classifier_case(n, pattern) for n in args.sizes for pattern in PATTERNS],
        "classifier_1d's check": [_wide_check(L) for L in args.wide],
        "explain_1d": [(f"{L:,} units, 1,000 points", partial(explain_1d, _net(L, False), X), None)
                       for L in args.units],
        "linear_pieces": [(f"{L:,} units", partial(linear_pieces, _net(L, False), (-1.0, 1.0)), None)
                          for L in args.units],
        "ramp_pairs": [(f"{L:,} units", partial(ramp_pairs, _net(L, True)), None)
                       for L in args.units],
    }
    return {name: every[name] for name in args.calls}


CALLS = ["approximate_1d", "classifier_1d", "classifier_1d's check", "explain_1d", "linear_pieces", "ramp_pairs"]


def price(run: Callable[[], Any]) -> float:
    """The steps ``run`` is priced at, as its refusal under ``max_work = 1`` states them."""
    with limits.override(max_work=1):
        try:
            run()
        except ValueError as e:
            m = re.search(r"takes about ([0-9.e+]+) steps", str(e))
            if m:
                return float(m.group(1))
            raise
    raise AssertionError("the call was not refused under max_work = 1: it has no price")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", nargs="+", default=CALLS, choices=CALLS, help="the calls to time (default: all)")
    ap.add_argument("--shapes", type=shape_parser("units x points_per_unit", "1000x100"), nargs="+",
                    default=SHAPES, metavar="UNITSxPOINTS",
                    help="approximate_1d's n_units x points_per_unit shapes (default: six shapes, about 20 s)")
    ap.add_argument("--sizes", type=int, nargs="+", default=SIZES, metavar="N",
                    help="classifier_1d's numbers of points, each with three patterns of labels")
    ap.add_argument("--wide", type=int, nargs="+", default=WIDE, metavar="L",
                    help="the units of the wide networks whose classifier_1d check alone is timed")
    ap.add_argument("--units", type=int, nargs="+", default=UNITS, metavar="L",
                    help="the units of explain_1d's, linear_pieces' and ramp_pairs' networks")
    args = ap.parse_args()
    cases = _cases(args)
    approximate_1d(np.sin, 0, 1, 10)   # warm up
    classifier_1d(np.arange(100.0), np.arange(100) % 2)
    print("| call | case | price (steps) | CPU (s) | wall (s) | CPU ns per step of price |")
    print("|---|---|---|---|---|---|")
    for k in range(max(len(c) for c in cases.values())):
        for name, rows in cases.items():   # one case of each call in turn
            if k >= len(rows):
                continue
            label, run, stated = rows[k]
            steps = price(run) if stated is None else stated
            c, t0 = time.process_time(), time.perf_counter()
            run()
            cpu, wall = time.process_time() - c, time.perf_counter() - t0
            print(f"| {name} | {label} | {steps:.3g} | {cpu:.2f} | {wall:.2f} | {1e9 * cpu / steps:.3g} |", flush=True)


if __name__ == "__main__":
    main()
