"""The price of ``construct.approximate_1d``, measured.

Usage:
    python benchmarks/bench_approx_price.py                     # about 20 s on two shared cores
    python benchmarks/bench_approx_price.py --shapes 10000x100  # the audit's 55 s call, or any units x points shapes

``approximate_1d(f, a, b, n_units, points_per_unit=p)`` checks ``f``'s interpolant on an error grid of
``g = max(n_units p, 4000) + 1`` points, evaluating its ``n_units + 1`` units at every grid point, and checks that
against ``max_work`` before it starts, priced ``10 g n_units`` steps (``_APPROX_STEPS_PER_UNIT_POINT``; the
package's steps are about a nanosecond each, docs/limits.md). This script times ``approximate_1d(np.sin, 0, 1,
n_units, points_per_unit=p)`` over shapes from few units on a long grid to many units on a short one and prints,
for each, the seconds, the price and the nanoseconds per step of price: the price is right where that column stays
near 1 (an audit measured 1.1-2.5 on the 10^4-unit call under the old price of ``5 g n_units``, which a review read
as a price 2x too low; the forty-fifth pass measured 1.5-2.6 for 300 to 10^4 units on a quiet machine, and doubled
it). Few units on a long grid read higher: there the grid's own work (``f``, the differences; about 50-100 ns a
point) outweighs the units'.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nnpartition.construct import approximate_1d
from nnpartition.construct.build import _APPROX_STEPS_PER_UNIT_POINT

from _shapes import shape_parser  # the AxB argument, shared with the other price benchmark

#: (n_units, points_per_unit): 5e7 to 5e9 steps of price each, from 100 units on 10^5 grid points to 10^4 units on 10^5.
SHAPES = [(100, 1000), (1000, 100), (300, 3000), (3000, 100), (10_000, 10), (1000, 1000)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", type=shape_parser("units x points_per_unit", "1000x100"), nargs="+",
                    default=SHAPES, metavar="UNITSxPOINTS",
                    help="the n_units x points_per_unit shapes to time (default: six shapes, about 20 s)")
    args = ap.parse_args()
    approximate_1d(np.sin, 0, 1, 10)   # warm up
    print("| n_units | points_per_unit | grid points | seconds | price (steps) | ns per step of price |")
    print("|---|---|---|---|---|---|")
    for n, p in args.shapes:
        g = max(n * p, 4000) + 1
        t0 = time.perf_counter()
        approximate_1d(np.sin, 0, 1, n, points_per_unit=p)
        t = time.perf_counter() - t0
        price = _APPROX_STEPS_PER_UNIT_POINT * g * n   # approximate_1d's _check_work
        print(f"| {n:,} | {p:,} | {g:,} | {t:.2f} | {price:.2e} | {1e9 * t / price:.3g} |")


if __name__ == "__main__":
    main()
