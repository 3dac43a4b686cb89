"""Do units dead at initialisation, or restarts, tell the deep misses' direction? A diagnostic (forty-second pass).

Usage:
    python benchmarks/init_units_probe.py          # both tables (no training; 12 s on 2 idle cores, 40 s under load)

The deep networks' largest misses sit most often where a hidden layer after the first is narrow (at most 9 units),
in both directions (docs/theory.md, "Where it fails, and why": nothing found tells the two apart). Two mechanisms that
could, each read on the held-out deep rows (9-dataset truth; no fit of the shipped estimator read them), non-trivial
rows only (real or estimate below 0.999):

1. **Units dead at initialisation.** A unit of a later layer that is inactive on every training point at
   initialisation gets no gradient; only a change of the layers before it can revive it. With PyTorch's default
   initialisation (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` weights and biases), the probe draws ``INITS`` networks
   per row, each on ``N`` fresh points from the row's input law, and counts each layer's units active on at least
   one point. If a narrow layer's dead units were what training misses, the residual (real minus estimate) would
   correlate with the share alive (of the later layer with the lowest share) or with the fewest live units of a
   later layer, and the estimate of the network with only its live units would be nearer the truth.
2. **Restarts.** If a narrow layer made single runs erratic, best-of-``R`` training would gain more from restarts
   than the estimate reads: one-restart rows over-estimated, more restarts under-estimated. Read on the held-out rows
   and, as a check, on the fresh draws 28, 31, 32 (3-dataset truth).

Nothing is fitted; the thresholds (0.06, 9 units) are the max target's and ``heldout_errors``' narrow layer's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: Networks drawn per row (each with its own ``N`` points).
INITS = 4
#: The share "off by more than" this: the max target of deep networks.
OFF = 0.06
#: A later layer of at most this many units is narrow (``nnpartition.estimate.heldout.NARROW_LATER``).
NARROW = 9


def alive_units(row: Dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Per hidden layer, the mean over ``INITS`` draws of the units active on at least one of the row's ``N``
    points at PyTorch's default initialisation, the points drawn from the row's input law."""
    d, n, widths = row["d"], row["N"], row["widths"]
    out = np.zeros(len(widths))
    for _ in range(INITS):
        a = rng.uniform(-1, 1, (n, d)) if row["dist"] == "uniform" else rng.standard_normal((n, d))
        fan = d
        for i, w in enumerate(widths):
            bound = 1 / np.sqrt(fan)
            a = np.maximum(a @ rng.uniform(-bound, bound, (fan, w)) + rng.uniform(-bound, bound, w), 0.0)
            out[i] += (a > 0).any(axis=0).sum()
            fan = w
    return out / INITS


def dead_units_table(rows: List[Dict[str, Any]]) -> str:
    import calibrate_protocols as cp
    from nnpartition import estimate_accuracy

    rng = np.random.default_rng(42)
    acc = cp.shipped(rows)[0]
    real = np.array([r["real"] for r in rows])
    res = real - acc
    alive = [alive_units(r, rng) for r in rows]
    # per row: the lowest share of live units over the later layers, the narrowest later layer's share, and the
    # fewest live units of a later layer (floored at 1/4 for the logarithm)
    share = np.array([(a / np.array(r["widths"]))[1:].min() for a, r in zip(alive, rows)])
    narrowest = np.array([a[1 + int(np.argmin(r["widths"][1:]))] / min(r["widths"][1:]) for a, r in zip(alive, rows)])
    live_min = np.array([max(a[1:].min(), 0.25) for a in alive])
    narrow = np.array([min(r["widths"][1:]) <= NARROW for r in rows])
    live = np.array([estimate_accuracy(r["d"], r["N"], widths=[max(1, int(round(x))) for x in a], dist=r["dist"],
                                       protocol=cp.row_protocol(r)).accuracy for a, r in zip(alive, rows)])
    nt = (real < 0.999) | (acc < 0.999)
    lines = [f"Later layers' units dead at initialisation (non-trivial held-out deep rows, {INITS} draws a row): "
             f"{1 - narrowest[nt].mean():.1%} of the narrowest later layer's units on average, "
             f"{1 - share[nt].mean():.1%} of the later layer with the lowest share alive", "",
             "| rows | n | corr(residual, lowest share alive) | corr(residual, ln fewest live units) | MAE: estimate / "
             "with live units only | max | off by > 0.06 |", "|---|---|---|---|---|---|---|"]
    for name, m in [("all non-trivial", nt), ("a later layer <= 9 units", nt & narrow),
                    ("off by > 0.06", nt & (np.abs(res) > OFF)), ("off by > 0.06, narrow", nt & narrow &
                                                                      (np.abs(res) > OFF))]:
        e0, e1 = np.abs(res[m]), np.abs(real[m] - live[m])
        lines.append(f"| {name} | {m.sum()} | {np.corrcoef(res[m], share[m])[0, 1]:+.2f} | "
                     f"{np.corrcoef(res[m], np.log(live_min[m]))[0, 1]:+.2f} | {e0.mean():.4f} / {e1.mean():.4f} | "
                     f"{e0.max():.3f} / {e1.max():.3f} | {(e0 > OFF).sum()} / {(e1 > OFF).sum()} |")
    return "\n".join(lines)


def restarts_table(named: Dict[str, List[Dict[str, Any]]]) -> str:
    import calibrate_protocols as cp

    lines = ["| rows | later layer | restarts | n | bias (real - estimate) | under / over by > 0.06 |",
             "|---|---|---|---|---|---|"]
    for name, rows in named.items():
        acc = cp.shipped(rows)[0]
        real = np.array([r["real"] for r in rows])
        res = real - acc
        nt = (real < 0.999) | (acc < 0.999)
        narrow = np.array([min(r["widths"][1:]) <= NARROW for r in rows])
        one = np.array([cp.row_protocol(r).restarts == 1 for r in rows])
        for nar in (True, False):
            for single in (True, False):
                m = nt & (narrow == nar) & (one == single)
                lines.append(f"| {name} | {'<= 9' if nar else '>= 10'} | {'1' if single else '2-4'} | {m.sum()} | "
                             f"{res[m].mean():+.4f} | {(res[m] > OFF).sum()} / {(res[m] < -OFF).sum()} |")
    return "\n".join(lines)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    import heldout_regions as hr

    held = [r for r in hr.heldout_rows() if len(r["widths"]) > 1]
    fresh = [r for r in hr.fresh_rows() if len(r["widths"]) > 1]
    print(dead_units_table(held))
    print()
    print(restarts_table({"held out (9 datasets)": held, "fresh 28, 31, 32 (3 datasets)": fresh}))


if __name__ == "__main__":
    main()
