"""The fitting transition at large N under the reference protocol: a probe of what the grids left out.

    python benchmarks/large_n_probe.py measure     # ~5 min on 2 cores; writes docs/data/large_n_probe.csv
    python benchmarks/large_n_probe.py             # the table, from the stored measurements and today's estimate
    python benchmarks/large_n_probe.py measure --calibration   # 192 more (seed 2027, ~30 min), calibration rows:
                                                   # docs/data/large_n_calibration.csv (calibrate_protocols.load)

The reference grids measured two-layer networks near capacity mostly at small ``N``: the reference draw
(``nnpartition.validation.reference_sample``) capped each configuration's training cost, which leaves out
``N`` above about 1000 where ``N`` is 1-4 times the parameter count ``P``, and the factorial grid has only ``N``
= 1000 and 3000 there. This probe draws 24 such configurations (seed 2026; ``d`` log-uniform in 2-50, ``N``
log-uniform in 1500-5000, ``N / P`` log-uniform in 1-4, both input laws), trains them (``real_accuracy``, 3
datasets, seed 777) and compares the estimate. Nothing is fitted on them. ``--calibration`` measures 192 more
drawn the same way with another seed (thirteenth pass on issue 11); since the fourteenth pass they are calibration
rows of the reference protocol (``benchmarks/calibrate_protocols.py``'s ``load``) and the correction is fitted on
them. The probe's 24 stay held out.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import time
from pathlib import Path

import numpy as np

from nnpartition import estimate_accuracy, real_accuracy

OUT = Path(__file__).resolve().parents[1] / "docs" / "data" / "large_n_probe.csv"
SEED = 2026
CALIBRATION = (OUT.with_name("large_n_calibration.csv"), 2027, 192)


def configs(n: int = 24, seed: int = SEED) -> list:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        d = int(round(math.exp(rng.uniform(math.log(2), math.log(50)))))
        N = int(round(math.exp(rng.uniform(math.log(1500), math.log(5000)))))
        ratio = math.exp(rng.uniform(0.0, math.log(4)))
        L = max(1, int(round((N / ratio - 1) / (d + 2))))   # P = L (d + 1) + L + 1
        if L > 512:
            continue
        out.append(dict(dist=rng.choice(("uniform", "gaussian")), d=d, N=N, L=L))
    return out


def measure(out: Path = OUT, seed: int = SEED, n: int = 24) -> None:
    rows = []
    for i, c in enumerate(configs(n, seed)):
        t = time.perf_counter()
        m = real_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], seed=777)
        rows.append(dict(c, real=m.mean, std=m.std, datasets=len(m.per_dataset)))
        print(f"{i + 1:3d}/{n} {c} real {m.mean:.4f} ({time.perf_counter() - t:.0f} s)", flush=True)
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {out}")


def report() -> None:
    with OUT.open() as f:
        rows = list(csv.DictReader(f))
    est, low, high, real, ratio = [], [], [], [], []
    print("| dist | d | N | L | N/P | real | estimate | band |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        d, N, L = int(r["d"]), int(r["N"]), int(r["L"])
        e = estimate_accuracy(d, N, L, dist=r["dist"])
        est.append(e.accuracy), low.append(e.low), high.append(e.high), real.append(float(r["real"]))
        ratio.append(N / (L * (d + 2) + 1))
        print(f"| {r['dist']} | {d} | {N} | {L} | {ratio[-1]:.2f} | {real[-1]:.3f} | {e.accuracy:.3f} | "
              f"{e.low:.3f}-{e.high:.3f} |")
    est, low, high, real = map(np.array, (est, low, high, real))
    err = est - real
    for name, m in (("all", np.ones(len(err), bool)), ("non-trivial", (real < 0.999) | (est < 0.999))):
        print(f"{name}: n {m.sum()}, MAE {np.abs(err[m]).mean():.4f}, max {np.abs(err[m]).max():.3f}, "
              f"bias {err[m].mean():+.4f}, in band {np.mean(((low <= real) & (real <= high))[m]):.0%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", choices=["measure"], help="train the probe first (else: only the table)")
    ap.add_argument("--calibration", action="store_true",
                    help="with measure: the 192 calibration configurations (seed 2027) instead of the probe")
    args = ap.parse_args()
    if args.calibration and args.command != "measure":
        ap.error("--calibration goes with measure")
    if args.calibration:
        measure(*CALIBRATION)
        return
    if args.command == "measure":
        measure()
    report()


if __name__ == "__main__":
    main()
