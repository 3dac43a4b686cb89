"""The price of ``separable``'s linear programmes, measured.

Usage:
    python benchmarks/bench_lp_price.py                      # about 30 s on two shared cores
    python benchmarks/bench_lp_price.py --shapes 10x100000   # the audit's 11 s call, or any n x D shapes

``separable`` (``nnpartition.separability``) decides separability by one or two HiGHS linear programmes (the
primal; then the dual when the labels are not separable) and checks them against ``max_work`` before they start,
each priced by ``_lp_work(n, D) = 10 n D min(n, D) + 0.1 n D^2`` steps of about a nanosecond: the first term for the
factorisations, the second for the simplex's pricing over up to ``D`` bounded columns, which dominates a wide code
(``D`` above ``100 n``). The 0.1 rested on four timings of an audit on a loaded machine; the 10 on this script
(fortieth pass: with 1 there, square and tall shapes took about ten nanoseconds a priced step). This script times
``separable`` on Gaussian points with fair random labels (no intercept) over shapes from tall to very wide, and
prints, for each, the seconds, the programmes that ran, the price (programmes times ``_lp_work``) and the
nanoseconds per unit of price: the price holds where that column stays about the same (within a few times) from
tall to wide shapes, and it is safe (not an underestimate) where it stays at or below about 1. The 0.1 is read
on the wide shapes, where the ``0.1 n D^2`` share of the price is near 1. It also fits
``nanoseconds = a n D min(n, D) + b n D^2`` per programme (least squares on relative error) and prints ``a`` and
``b``, which the price takes as 10 and 0.1 (rough: a handful of shapes, timed on a shared machine).
"""

from __future__ import annotations

import argparse
import time
from typing import List, Tuple

import numpy as np

from nnpartition.separability import _lp_work, separable

from _shapes import shape_parser  # the AxB argument, shared with the other price benchmark

#: (n, D): tall (not separable: both programmes), square, and wide up to D = 3000 n, where the 0.1 n D^2 term is
#: nearly all of the price.
SHAPES = [(3000, 300), (1000, 100), (1000, 1000), (300, 300), (100, 1000), (100, 10_000), (30, 3000),
          (10, 3000), (10, 10_000), (10, 30_000)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", type=shape_parser("n x D", "10x30000"), nargs="+", default=SHAPES,
                    metavar="NxD",
                    help="the n x D shapes to time (default: ten shapes, about 30 s)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    separable(np.eye(3), [1, 0, 1])   # warm up: scipy's import and HiGHS's first call
    print("| n | D | D / n | seconds | programmes | price (steps) | 0.1 n D^2 share | ns per step of price |")
    print("|---|---|---|---|---|---|---|---|")
    rows: List[Tuple[float, float, float]] = []   # (n D min(n, D), n D^2, seconds) per programme
    for n, D in args.shapes:
        rng = np.random.default_rng([args.seed, n, D])
        Z, y = rng.standard_normal((n, D)), rng.integers(0, 2, n)
        t0 = time.perf_counter()
        sep = separable(Z, y)
        t = time.perf_counter() - t0
        runs = 1 if sep.separable else 2
        price = runs * _lp_work(n, D)
        pricing = 0.1 * float(n) * D * D
        rows.append((float(n) * D * min(n, D), float(n) * D * D, t / runs))
        print(f"| {n:,} | {D:,} | {D / n:.3g} | {t:.2f} | {runs} | {price:.2e} | {pricing / _lp_work(n, D):.2f} | "
              f"{1e9 * t / price:.3g} |")
    if len(rows) >= 2:
        a = np.array(rows)
        fit, *_ = np.linalg.lstsq(a[:, :2] / a[:, 2:], np.ones(len(rows)), rcond=None)
        b_price = (_lp_work(1, 2) - 2 * _lp_work(1, 1)) / 2   # _lp_work(1, D) = a D + b D^2
        a_price = _lp_work(1, 1) - b_price
        print(f"\nfit per programme, in nanoseconds: a n D min(n, D) + b n D^2 with a = {1e9 * fit[0]:.3g}, "
              f"b = {1e9 * fit[1]:.3g} (the price: a = {a_price:.3g}, b = {b_price:.3g})")


if __name__ == "__main__":
    main()
