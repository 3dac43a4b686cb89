"""Where do the other protocols' certain misses lie? A corner of minibatch training at large ``N`` (fifty-fifth pass).

Usage:
    python benchmarks/corner_probe.py        # a few seconds, no training
    python benchmarks/corner_probe.py --oof  # also out of fold (the correction regrown 5 times; ~30-60 min)
    python benchmarks/corner_probe.py --oof --fraction 0.5   # each regrowth on half the other protocols: fewer
                                                             # protocols, to see if the corner's error falls with more

Nothing shipped is fitted or changed: the shipped estimate is read on the rows of ``calibrate_protocols.load()`` (the
calibration rows the correction was grown on, and the held-out rows of whole protocols it never read), and each part's
errors are compared inside and outside one corner of the two-layer rows under other protocols: **minibatches** (``0 <
b < N``), ``N >= 1400``, ``d >= 16`` and an estimate below 0.9 (a budget-limited run: the analytic model's time term
binds). The corner was chosen by reading the ten certain misses of the group (``remeasure_misses.py report``): seven of
them lie in it. The question: does the estimate fit this corner in calibration and fail to carry to new protocols
there (a gap between the parts), or is it poor in both?

Rows are non-trivial (truth or estimate below 0.999); the truth is the 9-dataset mean where there is one (held-out
rows), else the row's own mean.

Two tests of that reading (fifty-sixth pass; nothing fitted for the shipped estimator): the same corner on the draws
that took no part in choosing it (the fresh and decision draws no fit has read), printed every time; and, with
``--oof``, the calibration rows out of fold: the base correction regrown five times (``cp.oof_predict``), each time
without a fifth of the protocols, and read on that fifth, against the shipped estimate in sample (which also has the
extensions' trees: an upper bound on how well the rows can be fitted). If the corner's out-of-fold errors match the
held-out ones, the correction fits that corner only for the protocols it has read. ``--fraction F`` grows each
regrowth on that share of the other protocols: whether the corner's error falls as protocols are added.

And a term fitted in the corner (fifty-seventh pass, printed every time, :func:`stretch_check`): least squares on the
decision draws' corner rows, scored on the held-out rows and the fresh draws. It changes no shipped estimate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402
from heldout_regions import decision_rows, fresh_rows  # noqa: E402


def corner_of(rows: list, acc: np.ndarray) -> np.ndarray:
    """The corner's rows: minibatches (``0 < b < N``), ``N >= 1400``, ``d >= 16``, estimate ``acc`` below 0.9."""
    col = {k: np.array([r[k] or 0 for r in rows]) for k in ("d", "N", "batch")}
    return (col["batch"] > 0) & (col["batch"] < col["N"]) & (col["N"] >= 1400) & (col["d"] >= 16) & (acc < 0.9)


def independent_sets() -> dict:
    """The draws that took no part in choosing the corner (``heldout_regions.py``'s fresh draws and decision draws
    that no fit has read), other protocols only: ``{name: (rows, estimate, band low, band high, truth)}``, each row's
    truth its own 3-dataset mean."""
    sets = {}
    for name, rows in (("fresh draws", fresh_rows()), ("decision draws", decision_rows())):
        rows = [r for r in rows if r["group"] == "protocols"]
        acc, low, high = cp.shipped(rows)[:3]
        sets[name] = (rows, acc, low, high, np.array([r["real"] for r in rows]))
    return sets


def independent_draws(sets: dict) -> None:
    """The corner on draws that took no part in choosing it (:func:`independent_sets`): is it worse there too?"""
    print("\n| draws no fit has read (other protocols, non-trivial) | where | rows | MAE | bias | off by > 0.06 | max "
          "| in band |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (rows, acc, low, high, real) in sets.items():
        err, corner = real - acc, corner_of(rows, acc)
        nontrivial = np.minimum(real, acc) < 0.999
        for where, m in (("corner", nontrivial & corner), ("outside", nontrivial & ~corner)):
            print(f"| {name} | {where} | {m.sum()} | {np.abs(err[m]).mean():.4f} | {err[m].mean():+.4f} | "
                  f"{np.mean(np.abs(err[m]) > 0.06):.1%} | {np.abs(err[m]).max():.3f} | "
                  f"{np.mean((low[m] <= real[m]) & (real[m] <= high[m])):.1%} |")


def _corner_terms(rows: list, acc: np.ndarray, real: np.ndarray) -> tuple:
    """The non-trivial corner rows of the other protocols among ``rows``: their terms (the estimate's level less 0.8,
    SGD, uniform inputs, 1), truth and estimate."""
    other = np.array([r["group"] == "protocols" for r in rows])
    m = other & corner_of(rows, acc) & (np.minimum(real, acc) < 0.999)
    sel = [r for r, k in zip(rows, m) if k]
    X = np.column_stack([acc[m] - 0.8, [r["opt"] == "sgd" for r in sel], [r["dist"] == "uniform" for r in sel],
                         np.ones(len(sel))]).astype(float)
    return X, real[m], acc[m]


#: The terms of :func:`stretch_check`'s fits, by the columns of :func:`_corner_terms`.
STRETCH_FITS = (("stretch", [0, 3]), ("SGD and uniform offsets", [1, 2, 3]), ("all three", [0, 1, 2, 3]))


def stretch_check(rows: list, acc: np.ndarray, real: np.ndarray, sets: dict) -> None:
    """Would a term fitted in the corner carry? (fifty-seventh pass.) On draws no fit has read, the corner's error
    (real minus estimate) grows with the estimate's level (correlation +0.15 to +0.33 on the held-out, decision and
    fresh rows: the estimate reads the budget too flat there, as the neighbourhood probe found) and leans by optimiser
    and input law. Least squares on the decision draws' corner rows (these rows decide, as their name says), scored on
    the held-out rows (9-dataset truth) and the fresh draws: nothing shipped changes. ``rows``, ``acc``, ``real``:
    :func:`main`'s rows, their shipped estimate and truth; ``sets``: :func:`independent_sets`."""
    terms = {name: _corner_terms(r, a, t) for name, (r, a, _, _, t) in sets.items()}
    Xd, yd, ad = terms["decision draws"]
    held = np.array([r["part"] == "heldout" for r in rows])
    tests = {"held out": _corner_terms([r for r, k in zip(rows, held) if k], acc[held], real[held]),
             "fresh draws": terms["fresh draws"], "decision draws (fitted)": (Xd, yd, ad)}
    print("\ncorrelation of the corner's error (real - estimate) with the estimate: " + ", ".join(
        f"{where} {np.corrcoef(y - a, a)[0, 1]:+.2f}" for where, (_, y, a) in tests.items()))
    print("\n| term, fitted on the decision draws' corner (least squares) | coefficients | scored on | rows | MAE | "
          "off by > 0.06 | max |")
    print("|---|---|---|---|---|---|---|")
    for name, cols in STRETCH_FITS:
        beta = np.linalg.lstsq(Xd[:, cols], yd - ad, rcond=None)[0]
        coef = ", ".join(f"{b:+.4f}" for b in beta)
        for where, (X, y, a) in tests.items():
            new = np.clip(a + X[:, cols] @ beta, 0.5, 1.0)
            e0, e1 = np.abs(y - a), np.abs(y - new)
            print(f"| {name} | {coef} | {where} | {len(y)} | {e0.mean():.4f} -> {e1.mean():.4f} | "
                  f"{np.mean(e0 > 0.06):.1%} -> {np.mean(e1 > 0.06):.1%} | {e0.max():.3f} -> {e1.max():.3f} |")


def out_of_fold(rows: list, acc: np.ndarray, fraction: float = 1.0) -> None:
    """The calibration rows' errors in sample (the shipped estimate) and out of fold (``cp.oof_predict``: the base
    correction regrown five times, each time without a fifth of the protocols, and read on that fifth), in and outside
    the corner (other protocols) and for the deep rows. ``fraction < 1``: each regrowth reads only that share of the
    other four fifths' protocols (``cp.oof_predict``'s learning curve). ``acc``: the shipped estimate of ``rows``."""
    in_cal = np.array([r["part"] == "calibration" for r in rows])
    cal = [r for r, m in zip(rows, in_cal) if m]
    shipped = acc[in_cal]
    oof = cp.oof_predict(cal, cp.START, fraction=fraction)
    real = np.array([r["real"] for r in cal])
    group = np.array([r["group"] for r in cal])
    print("\n| calibration rows, non-trivial | estimate | rows | MAE | bias | off by > 0.06 | max |")
    print("|---|---|---|---|---|---|---|")
    for name, acc in (("in sample (shipped)", shipped), (f"out of fold ({fraction:g} of the protocols)", oof)):
        err = real - acc
        nontrivial = np.minimum(real, acc) < 0.999
        corner = corner_of(cal, acc)
        for label, m in (("other protocols, corner", (group == "protocols") & corner),
                         ("other protocols, outside", (group == "protocols") & ~corner),
                         ("deep", group == "deep"), ("reference", group == "reference")):
            m = m & nontrivial
            print(f"| {label} | {name} | {m.sum()} | {np.abs(err[m]).mean():.4f} | {err[m].mean():+.4f} | "
                  f"{np.mean(np.abs(err[m]) > 0.06):.1%} | {np.abs(err[m]).max():.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--oof", action="store_true", help="also the calibration rows out of fold (30-60 min)")
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="with --oof: the share of the remaining protocols each regrowth reads (default 1)")
    args = parser.parse_args()
    if not 0.0 < args.fraction <= 1.0:
        parser.error(f"--fraction must be in (0, 1], not {args.fraction}")
    rows = cp.load()
    acc = cp.shipped(rows)[0]
    real = np.array([r["real9"] if r.get("real9") is not None else r["real"] for r in rows])
    group = np.array([r["group"] for r in rows])
    part = np.array([r["part"] for r in rows])
    err = real - acc
    nontrivial = np.minimum(real, acc) < 0.999
    other = (group == "protocols") & nontrivial
    corner = corner_of(rows, acc)
    print("| part | rows | in corner: rows | MAE | bias | off by > 0.06 | outside: rows | MAE | off by > 0.06 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("calibration", "two_layer", "band", "heldout"):
        m = other & (part == name)
        if not m.any():
            continue
        a, b = m & corner, m & ~corner
        print(f"| {name} | {m.sum()} | {a.sum()} | {np.abs(err[a]).mean():.4f} | {err[a].mean():+.4f} | "
              f"{np.mean(np.abs(err[a]) > 0.06):.1%} | {b.sum()} | {np.abs(err[b]).mean():.4f} | "
              f"{np.mean(np.abs(err[b]) > 0.06):.1%} |")
    idx, _, miss = cp.certain_miss_rows(rows, acc, "protocols")
    hits = [i for i, m in zip(idx, miss) if m]
    inside = sum(bool(corner[i]) for i in hits)
    held = other & (part == "heldout")
    print(f"\ncertain misses of other protocols: {len(hits)}, of which in the corner: {inside} "
          f"(the corner holds {(held & corner).sum()} of the {held.sum()} non-trivial held-out rows)")
    sets = independent_sets()
    independent_draws(sets)
    stretch_check(rows, acc, real, sets)
    if args.oof:
        out_of_fold(rows, acc, args.fraction)
    return 0


if __name__ == "__main__":
    sys.exit(main())
