"""Does the training budget need a cap on sample visits? The analytic side of rules 28-31 (issue 11).

Usage:
    python benchmarks/visits_probe.py        # about a minute on one core; prints the tables of docs/theory_history.md

The analytic model reads a run's budget through its summed learning rate (``rho``, ``K_time``). A run of ``steps``
steps of ``b`` points also sees only ``steps b`` (point, gradient) pairs, ``E = steps b / N`` epochs. Runs of few
epochs of minibatches in high ``d`` are overestimated (the twenty-fourth pass's ``miss_neighbours.py``: training
gains more from steps and batch size there than the estimate). Rule 28 tried one more term,

    K_time <- smin(K_time, e0 steps b)          (b = min(batch, N); the same smooth minimum, exponent p)

each direction needing about ``1 / e0`` sample visits. This script fits the six budget constants (``A``, ``beta``,
``psi``, ``psi_s``, ``a_m``, ``g_sgd``) on the calibration rows of other protocols and deep networks, once without
and once with ``e0``, each from the shipped constants (Powell then Nelder-Mead, as the stages of
``calibrate_protocols.py``), and prints the analytic model's errors (before the fitted correction) by epochs on the
calibration rows, on the held-out rows and on draws 21-27, none of which the fit reads. Every table is given on all
rows of a cell and the MAE on its non-trivial ones (real or estimate below 0.999); bias is estimate minus real.

What the script does not show (``docs/theory_history.md``, rules 28-31): with every constant and the correction refitted
around the term, the corrected estimate's held-out deep rows got worse by more than rule 28 allowed; fitted alone
through the shipped correction, on its calibration rows or on draws 21-24, ``e0`` runs to about its bound, 1; with
only the correction's two-layer extension regrown around it, the corrected estimate gained nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402
import estimator_model as em  # noqa: E402
from protocol_grid import DECISION_DRAWS, FRESH_DRAWS  # noqa: E402

#: The budget constants refitted with and without the visits term.
BUDGET = ("A", "beta", "psi", "psi_s", "a_m", "g_sgd")
#: Epoch bins of the tables.
BINS = ((0.0, 10.0, "E < 10"), (10.0, 100.0, "E 10-100"), (100.0, np.inf, "E >= 100"))
#: The draws scored (no shipped fit read them): decision draws 21-27.
DRAWS = (21, 22, 23, 24, 25, 26, 27)


def draw_rows() -> List[Dict[str, Any]]:
    """The rows of ``DRAWS`` whose files exist."""
    stems = {**DECISION_DRAWS, **FRESH_DRAWS}
    return [r for k in DRAWS if (cp.DATA / f"{stems[k]}.csv").exists() for r in cp.read_draw(k, "draws")]


def epochs(c: Dict[str, Any]) -> np.ndarray:
    """``steps min(b, N) / N`` (full batch: ``steps``)."""
    return c["steps"] * em._batch(c["N"], c["batch"]) / c["N"]


def main() -> int:
    rows = cp.load()
    fit_rows = [r for r in rows if r["part"] == "calibration" and r["group"] in ("protocols", "deep")]
    without = cp._minimize(fit_rows, dict(cp.START), BUDGET)
    cp.POSITIVE.add("e0")
    with_e0 = cp._minimize(fit_rows, dict(cp.START, e0=0.05), BUDGET + ("e0",))
    print("constants without the term:", {k: round(without[k], 4) for k in BUDGET})
    print("constants with it:         ", {k: round(with_e0[k], 4) for k in BUDGET + ("e0",)})
    print()
    sets = [("calibration", [r for r in rows if r["part"] == "calibration"]),
            ("held out", [r for r in rows if r["part"] == "heldout"]), ("draws 21-27", draw_rows())]
    print("| rows | group | epochs | n | MAE without | MAE with | non-trivial n | MAE without | MAE with | "
          "bias without | bias with |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, part in sets:
        c = cp.columns(part)
        real = c["real"]
        a, b = cp.model(without, c), cp.model(with_e0, c)
        E = epochs(c)
        group = np.array([r["group"] for r in part])
        nontrivial = (real < 0.999) | (a < 0.999) | (b < 0.999)
        for g in ("protocols", "deep"):
            for lo, hi, label in BINS + ((0.0, np.inf, "all"),):
                m = (group == g) & (E >= lo) & (E < hi)
                if not m.any():
                    continue
                n = m & nontrivial
                print(f"| {name} | {g} | {label} | {m.sum()} | {np.mean(np.abs(a - real)[m]):.4f} | "
                      f"{np.mean(np.abs(b - real)[m]):.4f} | {n.sum()} | {np.mean(np.abs(a - real)[n]):.4f} | "
                      f"{np.mean(np.abs(b - real)[n]):.4f} | {np.mean((a - real)[n]):+.4f} | "
                      f"{np.mean((b - real)[n]):+.4f} |")
    return 0


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    sys.exit(main())
