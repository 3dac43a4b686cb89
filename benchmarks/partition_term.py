"""Does the space-partition term change any estimate on the validated range? Monte Carlo vs analytic.

Usage:
    python benchmarks/partition_term.py [--trials 50]

The Monte Carlo method replaces the first layer's analytic direction count ``L min(d + 1, qN) d / (d + r)``
by the one measured on partitions that ``L`` initial neurons cut (``sum over cells of min(points, d + 1)``,
capped by the same count). When every cell holds at least ``d + 1`` points' worth of directions the two are
equal and the partition never binds. This script prints, for the reference protocol on a grid over the
validated range (both input laws), how many configurations agree to 4 decimals, where the others are (by
``d``), and, on those, which method is closer to real training (the stored reference grid,
``docs/data/calibration.csv``, which contains every configuration of this grid); then every one that differs.
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import sys
import warnings
from pathlib import Path

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
    by_d = collections.Counter(r[1] for r in differ)
    print("differ by d: " + ", ".join(f"d={d}: {n}" for d, n in sorted(by_d.items())))
    big = [r for r in differ if abs(r[6]) >= 0.01]
    print(f"{len(big)} differ by 0.01 or more; largest: " + (", ".join(
        f"{r[0]} d={r[1]} N={r[2]} L={r[3]} analytic {r[4]:.3f} monte carlo {r[5]:.3f}"
        for r in sorted(big, key=lambda r: -abs(r[6]))[:3]) or "none"))
    real = {}
    with (Path(__file__).resolve().parent.parent / "docs" / "data" / "calibration.csv").open() as f:
        for r in csv.DictReader(f):
            real[(r["dist"], int(r["d"]), int(r["N"]), int(r["L"]))] = float(r["accuracy_mean"])
    both = [(r, real[r[:4]]) for r in differ if r[:4] in real]
    if both:
        mae_a = sum(abs(r[4] - t) for r, t in both) / len(both)
        mae_m = sum(abs(r[5] - t) for r, t in both) / len(both)
        print(f"on the {len(both)} that differ, against real training (docs/data/calibration.csv, 3 datasets): "
              f"analytic MAE {mae_a:.4f}, monte carlo MAE {mae_m:.4f} (estimates without the ceiling)")
    print(f"{'dist':8s} {'d':>3s} {'N':>5s} {'L':>4s} {'analytic':>9s} {'monte carlo':>11s} {'difference':>10s}")
    for dist, d, N, L, a, m, diff in sorted(differ, key=lambda r: r[6]):
        print(f"{dist:8s} {d:3d} {N:5d} {L:4d} {a:9.4f} {m:11.4f} {diff:+10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
