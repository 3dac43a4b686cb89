"""The estimator against the independent PyTorch measurements (no training: estimates only).

Usage:
    python benchmarks/estimate_vs_pytorch.py [--rows]

The three files of ``tests/data/`` were measured with an independent PyTorch implementation of each protocol
(``tests/data/README.md``); no fit has used them. ``reference_protocols_public.csv`` (17 two-layer rows under
other protocols) and ``reference_deep_public.csv`` (12 deep networks, reference protocol) share no
configuration-and-protocol with any calibration row (``docs/data``), so they are held out twice over: other
measurements and other configurations. 72 of the 79 configurations of ``reference_accuracy_public.csv`` are on the
factorial calibration grid (measured there by our own trainer on other datasets), so that file checks the
reference protocol in-sample. Prints per file the MAE, max, bias and band coverage on all rows and on the
non-trivial ones (real or estimate below 0.999), with the noise floor of a 3-dataset mean (``sqrt(2/pi) std /
sqrt(3)``); ``--rows`` prints every row.
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_reference import FILES, protocol_of, reference_csv  # noqa: E402

from nnpartition import estimate_accuracy  # noqa: E402


def compare(kind: str) -> dict:
    """Estimate, band and PyTorch measurement of every row of one reference file."""
    with reference_csv(kind).open() as f:
        rows = list(csv.DictReader(f))
    out = dict(name=[], est=[], low=[], high=[], real=[], std=[])
    for r in rows:
        widths = [int(x) for x in (r["widths"] if "widths" in r else r["L"]).split("-")]
        proto = protocol_of(r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = estimate_accuracy(int(r["d"]), int(r["N"]), widths=widths, dist=r["dist"], protocol=proto)
        out["name"].append(f"{r['dist']} d={r['d']} N={r['N']} widths={'-'.join(map(str, widths))} "
                           f"{proto.describe()}")
        for k, v in (("est", e.accuracy), ("low", e.low), ("high", e.high), ("real", float(r["accuracy_mean"])),
                     ("std", float(r["accuracy_std"]))):
            out[k].append(v)
    return {k: (v if k == "name" else np.array(v)) for k, v in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", action="store_true", help="print every row")
    args = ap.parse_args()
    print(f"| {'file':32s} | {'rows':11s} | {'n':>3s} | {'MAE':>6s} | {'max':>6s} | {'bias':>7s} | {'in band':>7s} | "
          f"{'floor':>6s} |")
    print("|" + "-" * 34 + "|-------------|-----|--------|--------|---------|---------|--------|")
    for kind in ("reference", "protocols", "deep"):
        c = compare(kind)
        err = c["est"] - c["real"]
        inside = (c["low"] <= c["real"]) & (c["real"] <= c["high"])
        floor = np.sqrt(2 / np.pi) * c["std"] / np.sqrt(3)
        for label, m in (("all", np.ones(len(err), bool)), ("non-trivial", (c["real"] < 0.999) | (c["est"] < 0.999))):
            print(f"| {FILES[kind]:32s} | {label:11s} | {m.sum():3d} | {np.mean(np.abs(err[m])):.4f} | "
                  f"{np.max(np.abs(err[m])):.4f} | {np.mean(err[m]):+.4f} | {np.mean(inside[m]):7.0%} | "
                  f"{np.mean(floor[m]):.4f} |")
        if args.rows:
            for i in np.argsort(-np.abs(err)):
                print(f"    {c['name'][i]}: estimate {c['est'][i]:.4f} [{c['low'][i]:.3f}, {c['high'][i]:.3f}], "
                      f"PyTorch {c['real'][i]:.4f} +- {c['std'][i]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
