"""Fit the analytic estimator's constants on the calibration grid and report held-out errors.

    python benchmarks/calibrate_estimator.py [--calibration docs/data/calibration.csv]
                                             [--heldout docs/data/heldout.csv]

The CSVs hold reference-protocol measurements made with this package's own
trainer (`nnpartition validate --grid full --csv ...`, or the columns dist, d, N,
L, accuracy_mean). Needs scipy (a script-only dependency). The model itself is
the Rust one (`_core.estimate_analytic` with the `params` override), so this
script cannot drift from what users run. Print-out: the fitted constants (to be
pasted into rust/src/estimate.rs `PARAMS`), errors on both parts, band coverage.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from nnpartition import _core

ROOT = Path(__file__).resolve().parents[1]
NAMES = list(dict(_core.estimator_params()))
FITTED = ["kappa", "c", "m", "p", "r", "gamma", "c2", "s"]
POSITIVE = {"kappa", "m", "p", "r", "gamma", "s"}


def load(path):
    rows = list(csv.DictReader(open(path)))
    key = "accuracy_mean" if "accuracy_mean" in rows[0] else "real"
    return (np.array([float(r["d"]) for r in rows]), np.array([float(r["N"]) for r in rows]),
            np.array([float(r["L"]) for r in rows]), np.array([float(r[key]) for r in rows]),
            np.array([r["dist"] for r in rows]))


def predict(params, d, N, L):
    return _core.estimate_analytic(d, N, L, list(params))


def report(name, params, d, N, L, acc, dist):
    est, low, high = predict(params, d, N, L)[:3]
    err = est - acc
    cov = (low <= acc) & (acc <= high)
    print(f"{name:12s} n={len(acc):4d}  MAE {np.abs(err).mean():.4f}  max {np.abs(err).max():.4f}  "
          f"bias {err.mean():+.4f}  in band {cov.mean():.1%}")
    for dd in ("uniform", "gaussian"):
        m = dist == dd
        if m.any():
            print(f"  {dd:10s} n={m.sum():4d}  MAE {np.abs(err[m]).mean():.4f}  max {np.abs(err[m]).max():.4f}  "
                  f"bias {err[m].mean():+.4f}  in band {cov[m].mean():.1%}")
    return err, cov


def main():
    from scipy.optimize import minimize

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibration", default=str(ROOT / "docs/data/calibration.csv"))
    ap.add_argument("--heldout", default=str(ROOT / "docs/data/heldout.csv"))
    ap.add_argument("--coverage", type=float, default=0.93, help="band coverage to aim for on calibration")
    ap.add_argument("--plot", default=None, help="also save the validation figure (shipped constants) to this PNG")
    a = ap.parse_args()
    d, N, L, acc, dist = load(a.calibration)
    base = dict(_core.estimator_params())
    start = np.array([base[k] for k in NAMES])

    idx = [NAMES.index(k) for k in FITTED]

    def unpack(x):
        p = start.copy()
        for i, k, val in zip(idx, FITTED, x):
            p[i] = np.exp(val) if k in POSITIVE else val
        return p

    def mae(x):
        return np.abs(predict(unpack(x), d, N, L)[0] - acc).mean()

    x0 = np.array([np.log(start[i]) if k in POSITIVE else start[i] for i, k in zip(idx, FITTED)])
    best = minimize(mae, x0, method="Nelder-Mead", options=dict(maxiter=20000, xatol=1e-7, fatol=1e-9))
    for _ in range(2):  # restart from the optimum: Nelder-Mead stalls in 8 dimensions
        best = minimize(mae, best.x, method="Nelder-Mead", options=dict(maxiter=20000, xatol=1e-7, fatol=1e-9))
    params = unpack(best.x)
    # Band: the narrowest (sigma_ln_k, noise) reaching the coverage target on the calibration grid.
    best_band = None
    for noise in np.linspace(0.0, 1.5, 31):
        for s in np.linspace(0.0, 1.0, 101):
            params[NAMES.index("sigma_ln_k")], params[NAMES.index("noise")] = s, noise
            est, low, high = predict(params, d, N, L)[:3]
            if ((low <= acc) & (acc <= high)).mean() >= a.coverage:
                width = float(np.mean(high - low))
                if best_band is None or width < best_band[0]:
                    best_band = (width, s, noise)
                break
    params[NAMES.index("sigma_ln_k")], params[NAMES.index("noise")] = best_band[1], best_band[2]
    print(f"mean band width on calibration: {best_band[0]:.4f}")
    print("fitted constants (rust/src/estimate.rs PARAMS):")
    for k, val in zip(NAMES, params):
        print(f"    {k}: {val:.4f},")
    report("calibration", params, d, N, L, acc, dist)
    if Path(a.heldout).exists():
        hd, hN, hL, hacc, hdist = load(a.heldout)
        report("held-out", params, hd, hN, hL, hacc, hdist)
    if a.plot:
        plot_shipped(a.calibration, a.heldout, a.plot)


def plot_shipped(calibration, heldout, path):
    """The validation figure and summary for the constants shipped in the package."""
    from nnpartition.estimate import estimate_accuracy
    from nnpartition.validation import ValidationReport

    rows = []
    for part, f in (("calibration", calibration), ("heldout", heldout)):
        for r in csv.DictReader(open(f)):
            d, N, L = int(r["d"]), int(r["N"]), int(r["L"])
            real = float(r["accuracy_mean"])
            e = estimate_accuracy(d, N, L, dist=r["dist"])
            rows.append(dict(dist=r["dist"], d=d, N=N, L=L, part=part, real=real, real_std=float(r["accuracy_std"]),
                             estimate=e.accuracy, low=e.low, high=e.high, ceiling=e.ceiling,
                             error=e.accuracy - real, in_band=bool(e.low <= real <= e.high)))
    rep = ValidationReport(rows)
    print("\nshipped constants:")
    print(rep.summary_text())
    rep.plot(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
