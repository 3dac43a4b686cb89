"""Deep extension of the estimator against real training of 3-layer ReLU networks.

    python benchmarks/validate_deep.py [--csv docs/data/deep.csv]
    python benchmarks/validate_deep.py --from-csv docs/data/deep.csv   # re-estimate only

For each configuration (d -> L -> L -> 1 ReLU networks, reference protocol
otherwise: full-batch Adam, lr 0.02 cosine to 2e-4 over 4000 steps, best
accuracy on every 20th step, best of 2 restarts, mean over 3 datasets) it
prints the real accuracy, the deep estimate, and the error. No constant was
fitted on these networks: it measures how far the two-layer model carries.
"""

from __future__ import annotations

import argparse
import csv
import time

import numpy as np

from nnpartition import estimate_accuracy, random_dataset, train

GRID = [(d, N, L) for d in (2, 5, 10, 20) for N in (300, 1000) for L in (4, 16, 64)]


def real_deep(d, N, widths, dist="uniform", datasets=3, restarts=2, seed=0):
    accs = []
    for k in range(datasets):
        X, y = random_dataset(N, d, dist=dist, seed=seed * 1000 + k)
        accs.append(train(X, y, widths=list(widths), restarts=restarts, seed=seed * 1000 + k,
                          progress=False).best_accuracy)
    return float(np.mean(accs)), float(np.std(accs, ddof=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default=None, help="write the rows here")
    ap.add_argument("--from-csv", default=None, help="re-estimate the real accuracies stored in this CSV (no training)")
    a = ap.parse_args()
    stored = {}
    if a.from_csv:
        stored = {(int(r["d"]), int(r["N"]), r["widths"]): (float(r["real"]), float(r["real_std"]))
                  for r in csv.DictReader(open(a.from_csv))}
    rows = []
    print(f"{'d':>3s} {'N':>5s} {'widths':>9s} {'real':>7s} {'deep est':>8s} {'2-layer est':>11s} {'error':>7s} "
          f"{'s':>6s}")
    for d, N, L in GRID:
        t = time.time()
        real, std = stored[(d, N, f"{L}-{L}")] if stored else real_deep(d, N, (L, L))
        e = estimate_accuracy(d, N, widths=[L, L])
        e2 = estimate_accuracy(d, N, L)
        rows.append(dict(d=d, N=N, widths=f"{L}-{L}", real=real, real_std=std, estimate=e.accuracy,
                         low=e.low, high=e.high, shallow_estimate=e2.accuracy, error=e.accuracy - real))
        print(f"{d:3d} {N:5d} {f'{L}-{L}':>9s} {real:7.4f} {e.accuracy:8.4f} {e2.accuracy:11.4f} "
              f"{e.accuracy - real:+7.4f} {time.time() - t:6.1f}", flush=True)
    err = np.array([r["error"] for r in rows])
    inside = np.mean([r["low"] <= r["real"] <= r["high"] for r in rows])
    print(f"\ndeep: MAE {np.abs(err).mean():.4f}, max {np.abs(err).max():.4f}, bias {err.mean():+.4f}, "
          f"in band {inside:.0%} over {len(rows)} configurations")
    if a.csv:
        with open(a.csv, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
