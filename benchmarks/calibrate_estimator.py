"""The reference-protocol validation figure of ``docs/theory.md`` from the stored measurements.

Usage:
    python benchmarks/calibrate_estimator.py [--plot docs/img/validation.png] [--heldout-only]

Re-estimates every two-layer reference-protocol configuration of ``docs/data/calibration.csv`` and
``docs/data/heldout.csv`` with the shipped estimator and draws estimate (line, band) against real training
(points) per ``d``, with a parity panel. The constants are fitted by ``benchmarks/calibrate_protocols.py
--fit`` (which also prints every error table); this script only draws.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any, Dict, List

from nnpartition import estimate_accuracy
from nnpartition.plotting import validation_figure

DATA = Path(__file__).resolve().parent.parent / "docs" / "data"


def rows(heldout_only: bool = False) -> List[Dict[str, Any]]:
    out = []
    for name, part in (("calibration.csv", "calibration"), ("heldout.csv", "heldout")):
        if heldout_only and part == "calibration":
            continue
        with (DATA / name).open() as f:
            for r in csv.DictReader(f):
                d, N, L = int(r["d"]), int(r["N"]), int(r["L"])
                e = estimate_accuracy(d, N, L, dist=r["dist"])
                out.append(dict(dist=r["dist"], d=d, N=N, L=L, part=part, real=float(r["accuracy_mean"]),
                                estimate=e.accuracy, low=e.low, high=e.high, ceiling=e.ceiling))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plot", default="docs/img/validation.png")
    ap.add_argument("--heldout-only", action="store_true")
    args = ap.parse_args()
    rs = rows(args.heldout_only)
    validation_figure(rs, args.plot)
    print(f"{len(rs)} configurations; figure written to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
