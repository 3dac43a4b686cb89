"""What the fitted correction leaves, and what kind of model could take it (issue 11's missed deep target).

Usage:
    python benchmarks/correction_limits.py            # about 50 min on 2 cores (160 rounds)
    python benchmarks/correction_limits.py --iterations 120  # as many rounds as the eighth pass's correction
    python benchmarks/correction_limits.py --quick    # without the learning curve, about 17 min

Every cell is an MAE per group (reference protocol, other protocols, deep networks): on the non-trivial rows (real
or estimate below 0.999), then after a slash on all rows. No held-out row enters any fit; the held-out rows appear
only in the last table.

1. **Learning curve.** Grouped cross-validation of the shipped correction settings over the calibration rows
   (``calibrate_protocols.oof_predict``: whole protocols left out, five folds), fitted each time on 50%, 75% or
   all of the remaining protocols. If the error still fell steeply with more protocols, more measurements would
   be the way to the targets.
2. **A second stage on what is left.** Gradient boosting of the out-of-fold residual ``real - estimate`` from the
   correction's features (19 since the tenth pass, 18 since the ninth, 16 before) and the estimate itself (200
   rounds of 0.05, the correction's tree settings), cross-validated over the same protocol groups. Under the shipped
   correction's
   monotone constraints (so that the sum stays monotone in ``N``, the widths and the steps), with constraints only
   on the features that move with ``N``, and free. If the monotone stage gains nothing and the free one does, what
   is left is a dependence that the estimate cannot follow without rising with ``N`` somewhere. Last, a monotone
   *map* of the estimate (eleventh pass): boosted on ``real`` itself from the estimate (non-decreasing) and the
   features (the correction's constraints), 200 rounds of 0.15, weighted as the correction: the constraint is on the
   output, not on the residual, so the stage may bend the estimate's own curve (fall more slowly with ``N``, say)
   and still stay monotone.
3. **What the second stages would do to the held-out rows and the max targets.** Each stage of part 2 fitted
   once on all calibration rows (their out-of-fold estimates) and applied to the shipped estimate of the held-out
   rows: MAE against 3 and 9 datasets, the largest error against 9, and the rows that miss the max target for
   certain (``calibrate_protocols.over_max``). Then the same on the decision draw (draw 13,
   ``docs/data/decision_sample13.csv``: 144 protocols measured after the map's rule was written, fitted on by no
   fit until the twentieth pass; since rules 21 and 22 its rows are calibration rows of the correction's extensions,
   so this part is in-sample now), which decided the map (``docs/theory_history.md``).
4. **Per protocol or per configuration?** On the held-out rows, the shipped estimate's MAE before and after
   removing each held-out protocol's mean error (an oracle no estimator has): how much of what is left is a
   protocol-wide offset.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402
import estimator_model as em  # noqa: E402

GROUPS = ("reference", "protocols", "deep")
#: The correction's features that change when only ``N`` does (``ln N``, ``ln(N/P)``, ``ln(b/N)``, ``ln load``),
#: and the estimate itself (the last column of the second stage's input).
N_PATH = {1, 5, 8, 14, em.NF}


def maes(rows: List[Dict[str, Any]], est: np.ndarray, nontrivial: bool = True) -> List[float]:
    """MAE per group, on the non-trivial rows (real or estimate below 0.999) or on all of them."""
    real = np.array([r["real"] for r in rows])
    group = np.array([r["group"] for r in rows])
    keep = (real < 0.999) | (est < 0.999) if nontrivial else np.ones(len(rows), bool)
    return [float(np.mean(np.abs(est - real)[keep & (group == g)])) for g in GROUPS]


def line(name: str, rows: List[Dict[str, Any]], est: np.ndarray, base: Optional[Sequence[float]] = None) -> str:
    """A table row: per group the non-trivial MAE (its change against ``base``) and, after a slash, the MAE on all
    rows."""
    values, every = maes(rows, est), maes(rows, est, nontrivial=False)
    cells = [f"{v:.4f}" + ("" if base is None else f" ({v - b:+.4f})") + f" / {a:.4f}"
             for v, a, b in zip(values, every, base if base is not None else values)]
    return f"| {name} | " + " | ".join(cells) + " |"


def power_law_limit(y50: float, y75: float, y100: float) -> str:
    """``a`` of ``y = a + b f^-c`` through the errors at ``f`` = 1/2, 3/4 and 1, or why there is none."""
    from scipy.optimize import brentq

    if not (y50 > y75 > y100):
        return "(not falling: none)"
    ratio = (y50 - y75) / (y75 - y100)

    def gap(c: float) -> float:
        return (0.5 ** -c - 0.75 ** -c) / (0.75 ** -c - 1.0) - ratio

    if gap(1e-3) * gap(50.0) > 0:
        return "(no such power law)"
    c = brentq(gap, 1e-3, 50.0)
    a = y100 - (y75 - y100) / (0.75 ** -c - 1.0)
    return f"{a:.4f}" if a > 0 else "(none above 0: still falling as fast as it did)"


def _stage_model(X: np.ndarray, real: np.ndarray, pred: np.ndarray, weight: np.ndarray,
                 monotone: Optional[List[int]], direct: bool) -> Any:
    """One second stage fitted on rows ``X`` (the last column the estimate ``pred``): the residual ``real - pred``
    (200 rounds of 0.05), or with ``direct`` a map boosted on ``real`` itself (200 rounds of 0.15, weighted)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    m = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.15 if direct else 0.05, random_state=0,
                                      monotonic_cst=monotone, early_stopping=False, **cp.TREE)
    return m.fit(X, real, sample_weight=weight) if direct else m.fit(X, real - pred)


def _stage_apply(m: Any, X: np.ndarray, pred: np.ndarray, direct: bool) -> np.ndarray:
    return np.clip(m.predict(X) if direct else pred + m.predict(X), 0.5, 1.0)


def second_stage(cal: List[Dict[str, Any]], pred: np.ndarray, monotone: Optional[List[int]],
                 direct: bool = False) -> np.ndarray:
    """Out-of-fold ``pred + r``, ``r`` boosted on the residuals of the other folds' protocols; ``direct``: a map
    ``f(pred, features)`` boosted on ``real`` itself (200 rounds of 0.15, the correction's row weights)."""
    c = cp.columns(cal)
    X = np.c_[cp.features(c), pred]
    g = cp._groups(cal)
    w = cp._weights(cal, cp.REF_WEIGHT)
    rng = np.random.default_rng(1)
    ups = np.unique(g)
    rng.shuffle(ups)
    out = np.empty(len(cal))
    for f in np.array_split(ups, 5):
        te = np.isin(g, f)
        m = _stage_model(X[~te], c["real"][~te], pred[~te], w[~te], monotone, direct)
        out[te] = _stage_apply(m, X[te], pred[te], direct)
    return out


def _stage_estimates(cal: List[Dict[str, Any]], pred: np.ndarray, rows: List[Dict[str, Any]],
                     stages: Sequence[tuple]) -> Iterator[tuple]:
    """``(name, estimate)`` at ``rows``: the shipped estimate, then each second stage ``(name, monotone, direct)``
    fitted on all calibration rows ``cal`` (out-of-fold estimates ``pred``) and applied to the shipped one."""
    c = cp.columns(cal)
    X = np.c_[cp.features(c), pred]
    w = cp._weights(cal, cp.REF_WEIGHT)
    shipped = cp.shipped(rows)[0]
    Xr = np.c_[cp.features(cp.columns(rows)), shipped]
    yield "shipped (no second stage)", shipped
    for name, monotone, direct in stages:
        yield name, _stage_apply(_stage_model(X, c["real"], pred, w, monotone, direct), Xr, shipped, direct)


def heldout_stages(rows: List[Dict[str, Any]], cal: List[Dict[str, Any]], pred: np.ndarray,
                   stages: Sequence[tuple]) -> str:
    """Table: :func:`_stage_estimates` at the held-out rows re-measured on 9 datasets."""
    ho = [r for r in rows if r["part"] == "heldout" and r["real9"] is not None]
    real = np.array([r["real"] for r in ho])
    real9 = np.array([r["real9"] for r in ho])
    std9 = np.array([r["std9"] for r in ho])
    n9 = np.array([r["datasets"] for r in ho], float)
    group = np.array([r["group"] for r in ho])
    lines = ["| non-trivial held-out rows | " + " | ".join(f"{g}: MAE (3), MAE (9), max (9), over max" for g in GROUPS)
             + " |", "|---|---|---|---|"]
    for name, est in _stage_estimates(cal, pred, ho, stages):
        cells = []
        for g in GROUPS:
            m = (group == g) & ((real9 < 0.999) | (est < 0.999))
            over = cp.over_max(g, est[m], real9[m], std9[m], n9[m]).sum()
            cells.append(f"{np.mean(np.abs(est - real)[m]):.4f}, {np.mean(np.abs(est - real9)[m]):.4f}, "
                         f"{np.max(np.abs(est - real9)[m]):.3f}, {over} of {m.sum()}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_decision() -> List[Dict[str, Any]]:
    """The decision draw's rows (``docs/data/decision_sample13.csv``, part ``decision``), built as
    ``calibrate_protocols.load`` builds rows (which since rules 21 and 22 also reads this file, into the parts only
    the correction's extensions fit)."""
    return cp.read_draw(13, "decision")


def decision_stages(cal: List[Dict[str, Any]], pred: np.ndarray, stages: Sequence[tuple]) -> str:
    """Table: :func:`_stage_estimates` at the decision draw's rows (3 datasets): MAE on the non-trivial rows and on
    all, and the largest error, per group."""
    rows = load_decision()
    real = np.array([r["real"] for r in rows])
    group = np.array([r["group"] for r in rows])
    lines = ["| decision draw | " + " | ".join(f"{g}: MAE non-trivial (n), all rows, max" for g in GROUPS[1:]) + " |",
             "|---|---|---|"]
    for name, est in _stage_estimates(cal, pred, rows, stages):
        cells = []
        for g in GROUPS[1:]:
            m = group == g
            nt = m & ((real < 0.999) | (est < 0.999))
            cells.append(f"{np.mean(np.abs(est - real)[nt]):.4f} ({nt.sum()}), {np.mean(np.abs(est - real)[m]):.4f}, "
                         f"{np.max(np.abs(est - real)[m]):.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def protocol_oracle(rows: List[Dict[str, Any]]) -> str:
    """Table: the shipped estimate's MAE on the held-out rows of other protocols and deep networks, before and after
    removing each protocol's own mean error. Protocols are the loader's ids (``pid``; the reference protocol's rows
    have none and are left out)."""
    acc = cp.shipped(rows)[0]
    real = np.array([r["real"] for r in rows])
    held = np.array([r["part"] == "heldout" for r in rows])
    group = np.array([r["group"] for r in rows])
    pid = np.array([r["pid"] for r in rows])
    nontrivial = (real < 0.999) | (acc < 0.999)
    lines = ["| group | n | protocols | MAE | after removing the protocol means |", "|---|---|---|---|---|"]
    for g in ("protocols", "deep"):
        for rows_name, keep in (("non-trivial", nontrivial), ("all", np.ones(len(rows), bool))):
            m = held & (group == g) & (pid >= 0) & keep
            e = (acc - real)[m]
            _, inv = np.unique(pid[m], return_inverse=True)
            mean = np.bincount(inv, e) / np.bincount(inv)
            lines.append(f"| {g} (not the reference protocol), {rows_name} | {m.sum()} | {inv.max() + 1} | "
                         f"{np.mean(np.abs(e)):.4f} | {np.mean(np.abs(e - mean[inv])):.4f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the learning curve (four more cross-validations)")
    ap.add_argument("--iterations", type=int, default=cp.ITERATIONS,
                    help="boosting rounds of the correction (default: the shipped %(default)s)")
    args = ap.parse_args()
    rows = cp.load()
    cal = [r for r in rows if r["part"] == "calibration"]
    head = "| non-trivial / all rows | " + " | ".join(GROUPS) + " |\n|---|---|---|---|"

    full = cp.oof_predict(cal, dict(cp.START), iterations=args.iterations)
    base = maes(cal, full)
    print("1. Grouped cross-validation (calibration rows), fitted on a share of the other folds' protocols:")
    print(head)
    curve = {1.0: np.array(base)}
    if not args.quick:
        for fraction in (0.5, 0.75):
            runs = []
            for seed in (0, 1):
                est = cp.oof_predict(cal, dict(cp.START), fraction=fraction, seed=seed, iterations=args.iterations)
                runs.append(maes(cal, est))
                print(line(f"{fraction:.0%} of the protocols (draw {seed})", cal, est, base), flush=True)
            curve[fraction] = np.mean(runs, axis=0)
    print(line("all of them (the shipped settings)", cal, full), flush=True)
    if not args.quick:
        print("A power law a + b f^-c through the mean errors at f = 1/2, 3/4 and 1 levels off at a = " +
              ", ".join(f"{g} {power_law_limit(curve[0.5][i], curve[0.75][i], curve[1.0][i])}"
                        for i, g in enumerate(GROUPS)) + " (three points: a rough guide)")

    print()
    print("2. A second stage boosted on the out-of-fold residuals (change against the line above):")
    print(head)
    shift_like = list(em.MONOTONE) + [1]
    n_path = [m if j in N_PATH else 0 for j, m in enumerate(shift_like)]
    stages = (("monotone as the correction (estimate stays monotone)", shift_like, False),
              ("constrained only where N moves the features", n_path, False),
              ("free (the estimate may rise with N)", None, False),
              ("a monotone map of the estimate (boosted on real; estimate stays monotone)", shift_like, True))
    for name, mono, direct in stages:
        print(line(name, cal, second_stage(cal, full, mono, direct), base), flush=True)

    print()
    print("3. Each second stage fitted on all calibration rows, applied to the held-out rows (9 datasets):")
    print(heldout_stages(rows, cal, full, stages), flush=True)
    print()
    print(decision_stages(cal, full, stages), flush=True)

    print()
    print("4. Held-out rows, shipped estimate, before and after removing each protocol's mean error (an oracle):")
    print(protocol_oracle(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
