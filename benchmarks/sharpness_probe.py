"""Does a step too large for the loss surface explain the estimator's largest misses under SGD? A diagnostic.

Usage:
    python benchmarks/sharpness_probe.py        # the tables (no training; about 15 s)

SGD with momentum ``beta = 0.9`` (PyTorch semantics) is stable on a quadratic while ``lr * lambda < 2 (1 + beta)``,
where ``lambda`` is the loss's largest curvature. At initialisation that curvature is, in the Gauss-Newton view,
``p (1 - p)`` (1/4 at ``p = 1/2``) times the top eigenvalue of the network's tangent kernel over the points, whose
constant part the last hidden layer dominates: ``L_last * E[relu(h)]^2 + 1`` (the output weights' and bias's
gradients), with ``h`` a unit's pre-activation under PyTorch's default initialisation (variance
``(E|x|^2 / d + 1) / (3 d)`` in the first layer, ``(E relu(h)^2 + 1) / (3 fan_in)`` in later ones, ``E|x|^2 / d`` 1/3
for uniform and 1 for Gaussian inputs). The probe's feature is the *momentum-scaled step*

    S = lr / (1 - beta) * lambda_0,    lambda_0 = (L_last * E[relu(h)]^2 + 1) / 4,

so ``S`` near ``2 (1 + beta) / (1 - beta) = 38`` would be the quadratic's edge for plain GD steps of ``lr / (1 - beta)``
(derived, for the initial network only; training sharpens the loss, so the edge is reached earlier). For Adam the same
``S`` is printed with ``beta = 0`` only for comparison: Adam's step does not scale with the curvature.

The rows: every row no fit of the shipped estimator has read, and every row it holds out: the held-out rows of the
protocol grid and draws 1-12 (``part`` ``heldout`` of ``calibrate_protocols.load``) and the decision and fresh draws
that no extension was fitted on (every draw of ``protocol_grid.DECISION_DRAWS`` and ``FRESH_DRAWS`` outside
``calibrate_protocols.EXTENSION_DRAWS``); non-trivial rows only (real or estimate below 0.999). Errors are against the
rows' 3-dataset means, so about 0.010 of each MAE is measurement noise.

A step that is too large would show as a *bias* that grows with ``S`` (training reaches less than the estimate).
Nothing is fitted here.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402
from protocol_grid import DECISION_DRAWS, FRESH_DRAWS  # noqa: E402

BETA = 0.9
BINS = (0.0, 0.25, 0.5, 1.0, 2.0, 3.0, math.inf)


def initial_curvature(r: Dict[str, Any]) -> float:
    """``lambda_0`` of the module docstring for row ``r`` (a ``calibrate_protocols`` row)."""
    d = r["d"]
    second = 1.0 if r["gauss"] else 1.0 / 3.0          # E x_i^2
    var = (d * second + 1.0) / (3.0 * d)               # first-layer pre-activation: weights and bias U(+-1/sqrt(d))
    for w in r["widths"][:-1]:
        var = (w * var / 2.0 + 1.0) / (3.0 * w)        # E relu(h)^2 = var / 2, fan-in w
    mean_relu = math.sqrt(var / (2.0 * math.pi))       # E relu(h), h ~ N(0, var)
    return (r["widths"][-1] * mean_relu ** 2 + 1.0) / 4.0


def step(r: Dict[str, Any]) -> float:
    return r["lr"] / ((1.0 - BETA) if r["sgd"] else 1.0) * initial_curvature(r)


def rows_never_fitted() -> List[Dict[str, Any]]:
    rows = [r for r in cp.load() if r["part"] == "heldout"]
    for k in sorted({**DECISION_DRAWS, **FRESH_DRAWS}):
        if k not in cp.EXTENSION_DRAWS:
            rows += cp.read_draw(k, "test", 1000 * k)
    return rows


def main() -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    rows = [r for r in rows_never_fitted() if r["group"] != "reference"]
    est = cp.shipped(rows)[0]
    real = np.array([r["real"] for r in rows])
    s = np.array([step(r) for r in rows])
    err = real - est
    keep = (real < 0.999) | (est < 0.999)
    sgd = np.array([r["sgd"] for r in rows])
    deep = np.array([len(r["widths"]) > 1 for r in rows])
    print(f"{int(keep.sum())} non-trivial rows no fit has read (of {len(rows)}); S = lr / (1 - beta) * lambda_0")
    print("| group | S | rows | bias (real - estimate) | MAE | max | real below by > 0.06 | real above by > 0.06 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m in (("SGD, two layers", sgd & ~deep), ("SGD, deep", sgd & deep),
                    ("Adam, two layers", ~sgd & ~deep), ("Adam, deep", ~sgd & deep)):
        m = m & keep
        for lo, hi in zip(BINS[:-1], BINS[1:]):
            b = m & (s >= lo) & (s < hi)
            if b.sum() < 10:
                continue
            e = err[b]
            print(f"| {name} | {lo:g}-{hi:g} | {int(b.sum())} | {e.mean():+.4f} | {np.abs(e).mean():.4f} | "
                  f"{np.abs(e).max():.3f} | {np.mean(e < -0.06):.1%} | {np.mean(e > 0.06):.1%} |")
    m = sgd & deep & keep
    print(f"\nSGD, deep: correlation of |error| with S {np.corrcoef(np.abs(err[m]), s[m])[0, 1]:+.3f}, "
          f"of the error with S {np.corrcoef(err[m], s[m])[0, 1]:+.3f}; largest S {s[m].max():.2f} "
          f"(the quadratic's edge: {2 * (1 + BETA) / (1 - BETA):.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
