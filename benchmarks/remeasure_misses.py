"""Are the held-out rows that miss the max targets "for certain" really missed? Train each on 30 more datasets.

Usage:
    nice -n 5 python benchmarks/remeasure_misses.py measure   # docs/data/certain_misses30.csv (about 10 min, 2 cores)
    python benchmarks/remeasure_misses.py report              # the summary below, from the CSV

``benchmarks/calibrate_protocols.py`` counts a held-out row as missing its group's max target *for certain* when its
error against the mean of 9 datasets exceeds the target (0.06 for other protocols and deep networks) by more than two
standard errors of that mean (``over_max``). Among thousands of rows a two-standard-error rule still lets some noise
through, and the standard error itself is estimated from 9 values. This script takes those rows (the shipped
estimator's, ``certain_miss_rows``) and trains each again under its own protocol on 30 further, independent datasets
(seed 779; the held-out rows were measured with seeds 777 and 778), then asks whether the error against these 30
alone still exceeds the target, and by more than two of their standard errors. Nothing is fitted on these rows.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402

SEED = 779
DATASETS = 30
OUT = cp.DATA / "certain_misses30.csv"
FIELDS = ["group", "dist", "d", "N", "widths", "optimizer", "lr", "steps", "batch_size", "schedule", "restarts",
          "estimate", "real9", "std9", "real30", "std30"]


def measure(path: Path, threads: int) -> None:
    from nnpartition.training import real_accuracy

    rows = cp.load()
    acc = cp.shipped(rows)[0]
    todo = []
    for group in ("protocols", "deep"):
        idx, _, miss = cp.certain_miss_rows(rows, acc, group)
        todo += [(group, idx[i]) for i in np.flatnonzero(miss)]
    t0 = time.time()
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for n, (group, i) in enumerate(todo, 1):
            r = rows[i]
            m = real_accuracy(r["d"], r["N"], widths=r["widths"], dist=r["dist"], protocol=cp.row_protocol(r),
                              datasets=DATASETS, seed=SEED, threads=threads)
            w.writerow(dict(group=group, dist=r["dist"], d=r["d"], N=r["N"], widths="-".join(map(str, r["widths"])),
                            optimizer=r["opt"], lr=r["lr"], steps=r["steps"], batch_size=r["batch"],
                            schedule="cosine" if r["cosine"] else "constant", restarts=r["restarts"],
                            estimate=round(float(acc[i]), 6), real9=round(r["real9"], 6), std9=round(r["std9"], 6),
                            real30=round(m.mean, 6), std30=round(m.std, 6)))
            f.flush()
            print(f"[{n}/{len(todo)}, {time.time() - t0:.0f} s] {group} d={r['d']} N={r['N']} {r['widths']}: "
                  f"estimate {acc[i]:.3f}, 9 datasets {r['real9']:.3f}, 30 more {m.mean:.3f}", flush=True)


def report(path: Path) -> str:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    lines = ["| group | rows | max error (9) | max error (30 more) | over the target (30) | for certain (30) | "
             "same sign | overestimates |", "|---|---|---|---|---|---|---|---|"]
    for group in ("protocols", "deep"):
        sub = [r for r in rows if r["group"] == group]
        if not sub:
            continue
        est = np.array([float(r["estimate"]) for r in sub])
        r9, r30 = np.array([float(r["real9"]) for r in sub]), np.array([float(r["real30"]) for r in sub])
        s30 = np.array([float(r["std30"]) for r in sub])
        target = cp.MAX_TARGET[group]
        e9, e30 = est - r9, est - r30
        lines.append(f"| {group} | {len(sub)} | {np.abs(e9).max():.3f} | {np.abs(e30).max():.3f} | "
                     f"{int(np.sum(np.abs(e30) > target))} | "
                     f"{int(np.sum(np.abs(e30) > target + 2 * s30 / math.sqrt(DATASETS)))} | "
                     f"{int(np.sum(e9 * e30 > 0))} | {int(np.sum(e30 > 0))} |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["measure", "report"])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    if args.what == "measure":
        measure(args.out, args.threads)
    print(report(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
