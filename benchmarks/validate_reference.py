"""Run our trainer on every row of a PyTorch reference CSV and compare.

Usage:
    python benchmarks/validate_reference.py [--kind reference|protocols|deep] [--csv PATH] [--out results.csv]
                                            [--seed 0] [--limit K]

The reference files are ``tests/data/reference_accuracy_public.csv`` (``--kind reference``, the
reference protocol, two layers), ``reference_protocols_public.csv`` (``--kind protocols``: other optimisers,
learning rates, steps and minibatches, one :class:`nnpartition.Protocol` per row) and
``reference_deep_public.csv`` (``--kind deep``: deep networks, ``widths`` written ``L1-L2-...``) relative to
the repository root, or ``$NNPARTITION_REFERENCE_CSV``. Prints, per row, the
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

from nnpartition.training import Protocol, real_accuracy

ROOT = Path(__file__).resolve().parent.parent


FILES = {"reference": "reference_accuracy_public.csv", "protocols": "reference_protocols_public.csv",
         "deep": "reference_deep_public.csv"}


def reference_csv(kind: str = "reference") -> Path:
    env = os.environ.get("NNPARTITION_REFERENCE_CSV")
    return Path(env) if env else ROOT / "tests" / "data" / FILES[kind]


def protocol_of(row: dict) -> Protocol:
    """The :class:`Protocol` a reference row describes (reference protocol when the row has no protocol columns)."""
    if "optimizer" not in row:
        return Protocol()
    batch = int(row["batch_size"])
    return Protocol(optimizer=row["optimizer"], lr=float(row["lr"]), steps=int(row["steps"]),
                    batch_size=batch or None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=sorted(FILES), default="reference",
                    help="which reference file (default reference)")
    ap.add_argument("--csv", type=Path, default=None, help="reference CSV (default: see above)")
    ap.add_argument("--out", type=Path, default=Path("validate_reference_results.csv"),
                    help="where to write the per-row comparison")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None, help="only the first K rows")
    args = ap.parse_args()
    path = args.csv or reference_csv(args.kind)
    if not path.exists():
        print(f"reference file not found: {path}", file=sys.stderr)
        return 2
    with path.open() as f:
        rows = list(csv.DictReader(f))[: args.limit]
    out = []
    t0 = time.perf_counter()
    print(f"{'dist':8} {'d':>4} {'N':>5} {'L':>11} {'protocol':40} | {'ref':>6} {'±':>6} | {'ours':>6} {'±':>6} | "
          f"{'diff':>7} | {'s ref':>6} {'s ours':>6}")
    for r in rows:
        d, N = int(r["d"]), int(r["N"])
        widths = [int(x) for x in (r["widths"] if "widths" in r else r["L"]).split("-")]
        L = "-".join(map(str, widths))
        proto = protocol_of(r)
        m = real_accuracy(d, N, widths=widths, dist=r["dist"], datasets=3, protocol=proto, seed=args.seed,
                          progress=False)
        ref, ref_sd = float(r["accuracy_mean"]), float(r["accuracy_std"])
        diff = m.mean - ref
        out.append({"dist": r["dist"], "d": d, "N": N, "L": L, "protocol": proto.describe(), "ref_mean": ref,
                    "ref_std": ref_sd, "ours_mean": round(m.mean, 6), "ours_std": round(m.std, 6),
                    "diff": round(diff, 6), "ref_seconds": r.get("seconds", ""), "ours_seconds": round(m.seconds, 3)})
        print(f"{r['dist']:8} {d:>4} {N:>5} {L:>11} {proto.describe():40} | {ref:6.4f} {ref_sd:6.4f} | "
              f"{m.mean:6.4f} {m.std:6.4f} | "
              f"{diff:+7.4f} | {r.get('seconds', ''):>6} {m.seconds:6.2f}", flush=True)
    diffs = np.array([o["diff"] for o in out])
    mad, msd = float(np.mean(np.abs(diffs))), float(np.mean(diffs))
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    ok = mad <= 0.02 and abs(msd) <= 0.01
    print(f"\nrows: {len(out)}  mean |diff|: {mad:.4f} (target <= 0.02)  mean signed diff: {msd:+.4f} "
          "(target within +-0.01)"
          f"  total {time.perf_counter() - t0:.1f}s  -> {'PASS' if ok else 'FAIL'}")
    print(f"per-row results written to {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
