"""Run the reference protocol on every row of the reference CSV and compare.

Usage:
    python benchmarks/validate_reference.py [--csv PATH] [--out results.csv] [--seed 0] [--limit K]

The reference file is ``tests/data/reference_accuracy_public.csv`` relative
to the repository root, or ``$NNPARTITION_REFERENCE_CSV``. Prints, per row, the
reference mean/std and ours, then the mean absolute difference and the mean
signed difference (ours - reference) over all rows; the acceptance targets are
<= 0.02 and within +-0.01. Exits with status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

from nnpartition.training import real_accuracy

ROOT = Path(__file__).resolve().parent.parent


def reference_csv() -> Path:
    env = os.environ.get("NNPARTITION_REFERENCE_CSV")
    return Path(env) if env else ROOT / "tests" / "data" / "reference_accuracy_public.csv"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", type=Path, default=None, help="reference CSV (default: see above)")
    ap.add_argument("--out", type=Path, default=Path("validate_reference_results.csv"), help="where to write the per-row comparison")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None, help="only the first K rows")
    args = ap.parse_args()
    path = args.csv or reference_csv()
    if not path.exists():
        print(f"reference file not found: {path}", file=sys.stderr)
        return 2
    with path.open() as f:
        rows = list(csv.DictReader(f))[: args.limit]
    out = []
    t0 = time.perf_counter()
    print(f"{'dist':8} {'d':>4} {'N':>5} {'L':>4} | {'ref':>6} {'±':>6} | {'ours':>6} {'±':>6} | {'diff':>7} | {'s ref':>6} {'s ours':>6}")
    for r in rows:
        d, N, L = int(r["d"]), int(r["N"]), int(r["L"])
        m = real_accuracy(d, N, L, dist=r["dist"], datasets=3, restarts=2, seed=args.seed)
        ref, ref_sd = float(r["accuracy_mean"]), float(r["accuracy_std"])
        diff = m.mean - ref
        out.append({"dist": r["dist"], "d": d, "N": N, "L": L, "ref_mean": ref, "ref_std": ref_sd,
                    "ours_mean": round(m.mean, 6), "ours_std": round(m.std, 6), "diff": round(diff, 6),
                    "ref_seconds": r.get("seconds", ""), "ours_seconds": round(m.seconds, 3)})
        print(f"{r['dist']:8} {d:>4} {N:>5} {L:>4} | {ref:6.4f} {ref_sd:6.4f} | {m.mean:6.4f} {m.std:6.4f} | "
              f"{diff:+7.4f} | {r.get('seconds', ''):>6} {m.seconds:6.2f}", flush=True)
    diffs = np.array([o["diff"] for o in out])
    mad, msd = float(np.mean(np.abs(diffs))), float(np.mean(diffs))
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    ok = mad <= 0.02 and abs(msd) <= 0.01
    print(f"\nrows: {len(out)}  mean |diff|: {mad:.4f} (target <= 0.02)  mean signed diff: {msd:+.4f} (target within +-0.01)"
          f"  total {time.perf_counter() - t0:.1f}s  -> {'PASS' if ok else 'FAIL'}")
    print(f"per-row results written to {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
