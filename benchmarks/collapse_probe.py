"""Which deep runs collapse under Adam, and does a model of it bring the max misses down? Rules 34-35 (issue 11).

Usage:
    python benchmarks/collapse_probe.py probe    # real training, about a minute: the tables of docs/theory.md
    python benchmarks/collapse_probe.py rules    # rules 34 and 35 refitted and scored, about 5 min on one core

**The mechanism** (``probe``, measured). A unit of hidden layer ``l >= 2`` reads non-negative inputs ``h`` (ReLUs),
so every one of its weights has a gradient of the sign of the unit's own delta, and one Adam step (about ``lr`` per
parameter, whatever the gradient's size) moves its pre-activation by ``lr (sum_i h_i + 1)`` on every point at once.
At PyTorch's initialisation the pre-activation spreads by ``sqrt((sum_i h_i^2 + 1) / (3 n))`` over the points
(``n`` the fan-in), so the step is about ``lr n sqrt(3 / pi)`` = ``0.98 lr n`` spreads: it grows with the
*previous* layer's width, not with ``sqrt(n)`` as a step of random signs would (the first layer's inputs have
both signs). A step that pushes a unit down by several spreads switches it off on every point, and a unit that is
off everywhere gets no gradient again. A layer whose units are all off makes the output constant: accuracy 1/2
(the larger class). Two-layer networks cannot collapse this way: their only later layer is the linear output.
The probe trains ``d = 14, N = 5000`` (uniform), Adam with a constant rate, batches of 475, 1242 steps, one
restart (a held-out protocol of the draws whose stack ``124 -> 4`` misses by 0.14), 9 datasets (seed 2041):
the stack ``[124, 4]`` and the two-layer ``[124]`` over the learning rate, and ``[w, 4]`` over ``w`` at lr 0.03.

**The rules** (``rules``; their texts were written before their numbers were computed). A factor for networks of
two or more hidden layers under Adam: each unit of layer ``l >= 2`` is killed with probability
``u_l = 1 / (1 + (rho0 / (lr w_{l-1}))^k)``, a layer dies when all its ``w_l`` units do, the run collapses when some
layer dies, and best of ``R`` restarts collapses when all do:

    pi = 1 - prod_l (1 - u_l^{w_l}),     accuracy' = 1/2 + (accuracy - 1/2) (1 - pi^R)   (the band's edges alike)

Rule 34 puts it on the shipped estimate, ``rho0`` and ``k`` fitted (least absolute error) on the deep rows the
correction was grown on (parts ``calibration`` and ``deep_extension``). Rule 35 removes the correction's deep
extension (rule 21), fits the factor on top of what is left, and grows the deep extension again (as rule 21 did:
``calibrate_protocols.extend_correction``) through the model with the factor inside; its first check grows it
without the factor and must get the shipped trees back exactly. Each is decided on the held-out deep rows: at most
44 rows over the max target for certain (shipped: 49), MAE against 3 and 9 datasets at most the shipped + 0.0002,
band at least 90% and at most a point below the shipped. Both failed their first item (47 and 46), so neither
shipped and the fresh draws were not scored.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: The probe's configuration: a held-out protocol of the continuous draws and its data (``d``, ``N``, input law).
PROBE = dict(d=14, N=5000, dist="uniform")
PROBE_PROTOCOL = dict(optimizer="adam", steps=1242, batch_size=475, schedule="constant", restarts=1)
PROBE_LRS = (0.005, 0.01, 0.02, 0.03, 0.0748)
PROBE_WIDTHS = (8, 16, 31, 62, 124, 248)
PROBE_SEED = 2041
DATASETS = 9
#: The rules' limits on the held-out deep rows (the shipped estimator's figures: 49 rows over the max target for
#: certain, MAE 0.0178 / 0.0160 against 3 / 9 datasets, band 95.9%).
MAX_CERTAIN = 44
MAE_SLACK = 0.0002
BAND_DROP = 0.01
#: Starts of the factor's fit (``rho0``, ``k``), Nelder-Mead in logs from each.
STARTS = [(r0, k) for r0 in (0.5, 1.0, 2.0, 4.0, 8.0) for k in (1.0, 2.0, 4.0, 8.0)]


def probe() -> int:
    from nnpartition import Protocol, estimate_accuracy, real_accuracy

    def row(widths: Sequence[int], lr: float) -> str:
        p = Protocol(lr=lr, **PROBE_PROTOCOL)
        m = real_accuracy(PROBE["d"], PROBE["N"], widths=list(widths), dist=PROBE["dist"], protocol=p,
                          datasets=DATASETS, seed=PROBE_SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = estimate_accuracy(PROBE["d"], PROBE["N"], widths=list(widths), dist=PROBE["dist"], protocol=p)
        dead = int(np.sum(m.per_dataset < 0.52))
        fan = widths[0] if len(widths) > 1 else 0
        return (f"| {'-'.join(map(str, widths)):8s} | {lr:6.4f} | {lr * fan:9.2f} | {m.mean:.3f} +- "
                f"{m.std / np.sqrt(DATASETS):.3f} | {dead}/{DATASETS} | {e.accuracy:.3f} |")

    head = ("| widths   | lr     | lr fan-in | real (9 datasets) | at 1/2 | estimate |\n"
            "|----------|--------|-----------|-------------------|--------|----------|")
    print(f"d = {PROBE['d']}, N = {PROBE['N']}, {PROBE['dist']}, {PROBE_PROTOCOL}; 'at 1/2': datasets below 0.52; "
          "'lr fan-in': lr times the width before the second hidden layer")
    print("\nOver the learning rate:\n" + head)
    for lr in PROBE_LRS:
        for widths in ([124, 4], [124]):
            print(row(widths, lr), flush=True)
    print("\nOver the first width, lr 0.03:\n" + head)
    for w in PROBE_WIDTHS:
        print(row([w, 4], 0.03), flush=True)
    return 0


def factor(c: Dict[str, Any], rho0: float, k: float) -> np.ndarray:
    """``1 - pi^R`` at the rows of columns ``c`` (``calibrate_protocols.columns``): 1 for one hidden layer and for
    SGD."""
    ws = c["widths"]
    surv = np.ones(len(c["N"]))
    for l in range(1, len(ws)):
        prev, w = ws[l - 1].astype(float), ws[l].astype(float)
        on = w > 0
        rho = np.where(on, c["lr"] * np.maximum(prev, 1.0), 1.0)
        u = 1.0 / (1.0 + (rho0 / rho) ** k)
        surv = surv * np.where(on, 1.0 - u ** np.where(on, w, 1.0), 1.0)
    return np.where(c["sgd"] | (ws[1] == 0), 1.0, 1.0 - (1.0 - surv) ** c["restarts"])


def fit_factor(c: Dict[str, Any], acc: np.ndarray) -> Tuple[float, float, float, float]:
    """``(rho0, k, MAE with the factor, MAE without)`` of the factor fitted on top of ``acc`` at the rows ``c``."""
    from scipy.optimize import minimize

    real = c["real"]

    def loss(x: np.ndarray) -> float:
        return float(np.abs(0.5 + (acc - 0.5) * factor(c, np.exp(x[0]), np.exp(x[1])) - real).mean())

    best = min((minimize(loss, np.log(s), method="Nelder-Mead", options=dict(xatol=1e-4, fatol=1e-7, maxiter=400))
                for s in STARTS), key=lambda r: r.fun)
    rho0, k = (float(v) for v in np.exp(best.x))
    return rho0, k, float(best.fun), float(np.abs(acc - real).mean())


def score(cp: Any, rows: List[Dict[str, Any]], idx: List[int], est: Tuple[np.ndarray, ...], name: str) -> bool:
    """Print the held-out deep figures of ``est`` (accuracy, low, high at the rows ``idx``) and return whether the
    rules' items hold against the shipped figures (printed first, ``name == "shipped"``)."""
    acc = np.full(len(rows), np.nan)
    acc[idx] = est[0]
    sub = [rows[i] for i in idx]
    r3 = np.array([r["real"] for r in sub])
    e = est[0]
    nt = (r3 < 0.999) | (e < 0.999)
    band = float(np.mean((est[1] <= r3) & (r3 <= est[2])))
    i9, keep, miss = cp.certain_miss_rows(rows, acc, "deep")
    r9 = np.array([rows[i]["real9"] for i in i9])
    mae3, mae9 = np.abs(e - r3)[nt].mean(), np.abs(acc[i9] - r9)[keep].mean()
    print(f"| {name:34s} | {mae3:.4f} | {np.abs(e - r3)[nt].max():.3f} | {mae9:.4f} | "
          f"{np.abs(acc[i9] - r9)[keep].max():.3f} | {band:.1%} | {miss.sum():3d} |")
    if name == "shipped":
        score.base = (mae3, mae9, band)   # type: ignore[attr-defined]
        return True
    b3, b9, bb = score.base   # type: ignore[attr-defined]
    return bool(miss.sum() <= MAX_CERTAIN and mae3 <= b3 + MAE_SLACK and mae9 <= b9 + MAE_SLACK and band >= 0.9
                and band >= bb - BAND_DROP)


def rules() -> int:
    import calibrate_protocols as cp

    P = cp.START
    rows = cp.load()
    held = [i for i, r in enumerate(rows) if r["group"] == "deep" and r["part"] == "heldout"]
    fit_rows = [r for r in rows if len(r["widths"]) > 1 and r["part"] in ("calibration", "deep_extension")]
    cf, ch = cp.columns(fit_rows), cp.columns([rows[i] for i in held])
    shipped = cp.corrected_of(ch)
    shipped = (np.minimum(shipped[0], 1.0), shipped[1], shipped[2])   # the ceiling (at most 1 here)
    print(f"held-out deep rows: {len(held)}; the factor is fitted on {len(fit_rows)} deep rows (parts calibration "
          f"and deep_extension), {int(np.sum(~cf['sgd']))} of them under Adam\n")
    print("| estimate                           | MAE (3) | max (3) | MAE (9) | max (9) | band | over max for certain |\n"
          "|------------------------------------|---------|---------|---------|---------|------|-----|")
    score(cp, rows, held, shipped, "shipped")

    # rule 34: the factor on the shipped estimate
    t = time.time()
    fit_shipped = cp.corrected_of(cf)[0]
    rho0, k, after, before = fit_factor(cf, fit_shipped)
    f = factor(ch, rho0, k)
    ok34 = score(cp, rows, held, tuple(0.5 + (o - 0.5) * f for o in shipped), "rule 34: factor on the shipped")
    notes = [f"rule 34: rho0 {rho0:.3f}, k {k:.3f} (fit MAE {before:.5f} -> {after:.5f}, {time.time() - t:.0f} s); "
             f"{'passes' if ok34 else 'fails'}"]

    # rule 35: the deep extension grown again around the factor
    t = time.time()
    tables = cp.read_correction()
    n_base = cp.ITERATIONS + cp.EXTEND
    base = {name: (b, nodes[: trees[n_base]], trees[:n_base]) for name, (b, nodes, trees) in tables.items()}
    check, _ = cp.extend_correction(rows, P, base, "deep")
    same = all(np.array_equal(np.asarray(check[n][1], float).reshape(-1, 4), tables[n][1])
               and np.array_equal(np.asarray(check[n][2]), tables[n][2]) for n in tables)
    Xf = cp.features(cf, P, as_given=True)
    base_acc = cp.warped(P, cf, Xf, *cp._warp(base, Xf))
    rho0, k, after, before = fit_factor(cf, base_acc)
    plain, plain_read = cp.warped, cp.read_correction

    def warped(P_: Dict[str, float], c: Dict[str, Any], X: np.ndarray, a: np.ndarray, b: np.ndarray,
               band: bool = False) -> Any:
        out = plain(P_, c, X, a, b, band=band)
        g = factor(c, rho0, k)
        return tuple(0.5 + (o - 0.5) * g for o in out) if band else 0.5 + (out - 0.5) * g

    cp.warped = warped
    try:
        grown, _ = cp.extend_correction(rows, P, base, "deep")
        grown = {n: (b, np.asarray(nodes, float).reshape(-1, 4), np.asarray(trees, int))
                 for n, (b, nodes, trees) in grown.items()}
        cp.read_correction = lambda: grown
        est = cp.corrected_of(ch)
    finally:
        cp.warped, cp.read_correction = plain, plain_read
    ok35 = score(cp, rows, held, (np.minimum(est[0], 1.0), est[1], est[2]), "rule 35: deep extension regrown")
    notes.append(f"rule 35: first check (regrown without the factor = shipped trees): {same}; rho0 {rho0:.3f}, "
                 f"k {k:.3f} on the base (fit MAE {before:.5f} -> {after:.5f}); {time.time() - t:.0f} s; "
                 f"{'passes' if ok35 and same else 'fails'}")
    print("\n" + "\n".join(notes))
    return 0


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which not in ("probe", "rules"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return probe() if which == "probe" else rules()


if __name__ == "__main__":
    sys.exit(main())
