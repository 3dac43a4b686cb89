"""Does the space-partition term change any estimate on the validated range? Monte Carlo vs analytic.

Usage:
    python benchmarks/partition_term.py [--trials 50]

The Monte Carlo method replaces the first layer's analytic direction count ``L min(d + 1, qN) d / (d + r)``
by the one measured on partitions that ``L`` initial neurons cut (``sum over cells of min(points, d + 1)``,
capped by the same count). When every cell holds at least ``d + 1`` points' worth of directions the two are
equal and the partition never binds. This script prints, for the reference protocol on a grid over the
validated range (both input laws), how many configurations agree to 4 decimals and every one that does not.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings

from nnpartition import estimate_accuracy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=50)
    args = ap.parse_args()
    rows = []
    for dist, d, N, L in itertools.product(("uniform", "gaussian"), (1, 2, 3, 5, 10, 20, 50),
                                           (100, 300, 1000, 3000), (1, 2, 4, 8, 16, 64, 256)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = estimate_accuracy(d, N, L, dist=dist, ceiling=False)
            m = estimate_accuracy(d, N, L, dist=dist, ceiling=False, method="monte_carlo", trials=args.trials, seed=1)
        rows.append((dist, d, N, L, a.accuracy, m.accuracy, m.accuracy - a.accuracy))
    differ = [r for r in rows if abs(r[6]) >= 5e-5]
    print(f"{len(rows)} configurations (reference protocol, trials={args.trials}): "
          f"{len(rows) - len(differ)} agree to 4 decimals, {len(differ)} differ")
    print(f"{'dist':8s} {'d':>3s} {'N':>5s} {'L':>4s} {'analytic':>9s} {'monte carlo':>11s} {'difference':>10s}")
    for dist, d, N, L, a, m, diff in sorted(differ, key=lambda r: r[6]):
        print(f"{dist:8s} {d:3d} {N:5d} {L:4d} {a:9.4f} {m:11.4f} {diff:+10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
