"""Fit the protocol-aware estimator's constants and print every error table.

Usage:
    python benchmarks/calibrate_protocols.py            # tables of the shipped (Rust) estimator
    python benchmarks/calibrate_protocols.py --fit      # refit the constants on the calibration part (needs scipy)

Data (all measured with our Rust trainer, ``real_accuracy``, 3 datasets):

* ``docs/data/calibration.csv``: reference protocol, two layers (648-point grid; calibration);
* ``docs/data/heldout.csv``: reference protocol, two layers (held out);
* ``docs/data/deep.csv``: reference protocol, ``d -> L -> L -> 1`` (calibration);
* ``docs/data/protocols.csv``: 40 protocols x 24 two-layer configurations + deep networks
  (``benchmarks/protocol_grid.py``); rows with ``heldout = True`` (10 whole protocols) or
  ``deep_heldout = True`` are held out.

Only calibration rows enter the fit. Every table is printed on all rows and on the non-trivial ones
(real or estimate below 0.999).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import estimator_model as em  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "data"
MAXDEPTH = 4


def _row(dist: str, d: int, N: int, widths: List[int], real: float, group: str, part: str,
         opt: str = "adam", lr: float = 0.02, steps: int = 4000, batch: int = 0, schedule: str = "cosine",
         restarts: int = 2, pid: int = -1) -> Dict[str, Any]:
    return dict(gauss=dist.startswith("gauss"), dist="gaussian" if dist.startswith("gauss") else "uniform",
                d=d, N=N, widths=widths, real=real, group=group, part=part, sgd=opt == "sgd", opt=opt, lr=lr,
                steps=steps, batch=batch, cosine=schedule == "cosine", restarts=restarts, pid=pid)


def load() -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    for name, part in (("calibration.csv", "calibration"), ("heldout.csv", "heldout")):
        with (DATA / name).open() as f:
            for r in csv.DictReader(f):
                rows.append(_row(r["dist"], int(r["d"]), int(r["N"]), [int(r["L"])], float(r["accuracy_mean"]),
                                 "reference", part))
    with (DATA / "deep.csv").open() as f:
        for r in csv.DictReader(f):
            rows.append(_row("uniform", int(r["d"]), int(r["N"]), [int(x) for x in r["widths"].split("-")],
                             float(r["real"]), "deep", "calibration"))
    path = DATA / "protocols.csv"
    if path.exists():
        with path.open() as f:
            for r in csv.DictReader(f):
                ws = [int(x) for x in r["widths"].split("-")]
                deep = len(ws) > 1
                held = r["deep_heldout"] == "True" if deep else r["heldout"] == "True"
                if deep and r["heldout"] == "True":
                    held = True
                ref = (r["optimizer"], float(r["lr"]), int(r["steps"]), int(r["batch_size"]), r["schedule"],
                       int(r["restarts"])) == ("adam", 0.02, 4000, 0, "cosine", 2)
                group = "deep" if deep else ("reference" if ref else "protocols")
                rows.append(_row(r["dist"], int(r["d"]), int(r["N"]), ws, float(r["accuracy_mean"]), group,
                                 "heldout" if held else "calibration", r["optimizer"], float(r["lr"]),
                                 int(r["steps"]), int(r["batch_size"]), r["schedule"], int(r["restarts"]),
                                 int(r["pid"])))
    return rows


def columns(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    c: Dict[str, Any] = {k: np.array([r[k] for r in rows]) for k in
                         ("d", "N", "gauss", "lr", "steps", "batch", "cosine", "sgd", "restarts", "real")}
    c["widths"] = [np.array([r["widths"][i] if i < len(r["widths"]) else 0 for r in rows]) for i in range(MAXDEPTH)]
    return c


def model(P: Dict[str, float], c: Dict[str, Any]) -> np.ndarray:
    return em.estimate(P, c["d"], c["N"], c["widths"], c["gauss"], c["lr"], c["steps"], c["batch"], c["cosine"],
                       c["sgd"], c["restarts"])


def table(rows: List[Dict[str, Any]], est: np.ndarray, low: np.ndarray = None, high: np.ndarray = None) -> str:
    real = np.array([r["real"] for r in rows])
    lines = [f"| {'subset':42s} | {'n':>4s} | {'MAE':>6s} | {'max':>6s} | {'bias':>7s} | {'in band':>7s} |",
             "|" + "-" * 44 + "|------|--------|--------|---------|---------|"]

    def add(name: str, mask: np.ndarray) -> None:
        if not mask.any():
            return
        e = est[mask] - real[mask]
        cov = "" if low is None else f"{np.mean((low[mask] <= real[mask]) & (real[mask] <= high[mask])):.0%}"
        lines.append(f"| {name:42s} | {mask.sum():4d} | {np.mean(np.abs(e)):.4f} | {np.max(np.abs(e)):.4f} | "
                     f"{np.mean(e):+.4f} | {cov:>7s} |")

    nontriv = (real < 0.999) | (est < 0.999)
    for group in ("reference", "protocols", "deep"):
        for part in ("calibration", "heldout"):
            m = np.array([r["group"] == group and r["part"] == part for r in rows])
            add(f"{group}, {part}, all", m)
            add(f"{group}, {part}, non-trivial", m & nontriv)
    return "\n".join(lines)


#: The shipped constants (``rust/src/estimate.rs``); ``--fit`` starts from them. They came from a fit whose
#: stage 1 started at the previous reference-only constants (of three starts tried, the one with the lowest
#: calibration MAE; the fit is flat there: 0.00677-0.00679) and stages 2-3 at a first exploratory fit; then
#: ``--fit`` twice more (the jitter exponent ``zeta`` and depth compounding ``dd`` entered at 2 and 1, the
#: previous form being ``zeta = 2, dd = 0``), each run started from the constants the one before printed.
START = dict(
    kappa=1.6099, c=1.413, m=5.3971, p=0.8053, r=2.5445, gamma=0.3139, c2=2.942, s=0.1333, q=0.5, gauss=0.0199,
    g_sgd=0.0319, psi=0.7021, psi_s=0.4286, a_m=0.5767, A=377856.5328, beta=1.2607, tau0=0.717, nu=0.7912,
    xi=0.1122, eta=2.2146, delta=0.1118, sigma_ln_k=0.1, sigma_rho=0.12, sigma_deep=0.2, noise=0.5, zeta=0.9461,
    dd=2.8924,
)
FIXED = {"q"}
POSITIVE = {"kappa", "c", "m", "p", "r", "gamma", "c2", "s", "g_sgd", "tau0", "A", "xi", "delta", "zeta", "dd"}


#: Stage 1 fits the reference-protocol constants on the two-layer reference calibration rows (the protocol
#: terms are exactly neutral there: budget 1, full batch, 2 restarts); stage 2 the protocol terms on the
#: other protocols' calibration rows; stage 3 the later-layer cap on the deep calibration rows; stage 4 refits the
#: protocol and deep constants together on both (deep rows under other protocols inform the protocol terms, and
#: the jitter's depth compounding ``dd`` and its exponent ``zeta`` are shared).
STAGES = [
    (("kappa", "c", "m", "p", "r", "gamma", "c2", "s", "gauss"), ("reference",)),
    (("g_sgd", "psi", "psi_s", "a_m", "nu", "tau0", "A", "beta", "zeta"), ("protocols",)),
    (("xi", "eta", "delta", "dd"), ("deep",)),
    (("g_sgd", "psi", "psi_s", "a_m", "nu", "tau0", "A", "beta", "zeta", "xi", "eta", "delta", "dd"),
     ("protocols", "deep")),
]


def _minimize(rows: List[Dict[str, Any]], P0: Dict[str, float], names: Sequence[str]) -> Dict[str, float]:
    from scipy.optimize import minimize

    c = columns(rows)

    def unpack(x: np.ndarray) -> Dict[str, float]:
        P = dict(P0)
        for k, v in zip(names, x):
            P[k] = float(np.exp(v)) if k in POSITIVE else float(v)
        return P

    def loss(x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            est = model(unpack(x), c)
        if not np.all(np.isfinite(est)):
            return 1e9
        return float(np.mean(np.abs(est - c["real"])))

    x0 = np.array([np.log(P0[k]) if k in POSITIVE else P0[k] for k in names])
    best = minimize(loss, x0, method="Powell", options={"maxiter": 20000, "xtol": 1e-4, "ftol": 1e-8})
    best = minimize(loss, best.x, method="Nelder-Mead", options={"maxiter": 8000, "xatol": 1e-5, "fatol": 1e-9})
    print(f"  {', '.join(names)}: MAE {best.fun:.5f} on {len(rows)} calibration rows")
    return unpack(best.x)


def fit(rows: List[Dict[str, Any]], P0: Dict[str, float]) -> Dict[str, float]:
    """Fit in stages on the calibration rows only (held-out protocols and configurations never enter)."""
    P = dict(P0)
    for names, groups in STAGES:
        part = [r for r in rows if r["part"] == "calibration" and r["group"] in groups]
        P = _minimize(part, P, names)
    return P


def regions(rows: List[Dict[str, Any]], est: np.ndarray, low: np.ndarray, high: np.ndarray) -> str:
    """Held-out errors per region of the grid (where the targets are missed, this says where)."""
    real = np.array([r["real"] for r in rows])
    nontriv = (real < 0.999) | (est < 0.999)
    lines = [f"| {'held-out region (non-trivial rows)':52s} | {'n':>4s} | {'MAE':>6s} | {'max':>6s} | {'bias':>7s} | "
             f"{'in band':>7s} |", "|" + "-" * 54 + "|------|--------|--------|---------|---------|"]

    def add(name: str, pred: Any) -> None:
        m = np.array([r["part"] == "heldout" and bool(pred(r)) for r in rows]) & nontriv
        if m.sum():
            e = est[m] - real[m]
            cov = np.mean((low[m] <= real[m]) & (real[m] <= high[m]))
            lines.append(f"| {name:52s} | {m.sum():4d} | {np.mean(np.abs(e)):.4f} | {np.max(np.abs(e)):.4f} | "
                         f"{np.mean(e):+.4f} | {cov:7.0%} |")

    def load(r: Dict[str, Any]) -> float:
        P, fan = 1, r["d"]
        for w in r["widths"]:
            P += w * (fan + 1)
            fan = w
        return float(r["N"] / P)

    two = [("reference", "reference protocol, two layers"), ("protocols", "other protocols, two layers")]
    for g, label in two:
        add(f"{label}: d <= 3", lambda r, g=g: r["group"] == g and r["d"] <= 3)
        add(f"{label}: d >= 4", lambda r, g=g: r["group"] == g and r["d"] >= 4)
        add(f"{label}: near capacity 1 < N/P < 4", lambda r, g=g: r["group"] == g and 1 < load(r) < 4)
        add(f"{label}: away from capacity", lambda r, g=g: r["group"] == g and not 1 < load(r) < 4)
    for opt in ("adam", "sgd"):
        for full in (True, False):
            add(f"other protocols: {opt}, {'full batch' if full else 'minibatches'}",
                lambda r, o=opt, f=full: r["group"] == "protocols" and r["opt"] == o and (r["batch"] == 0) == f)
    add("other protocols: 250-500 steps", lambda r: r["group"] == "protocols" and r["steps"] <= 500)
    add("other protocols: 1000-4000 steps", lambda r: r["group"] == "protocols" and 1000 <= r["steps"] <= 4000)
    add("other protocols: 8000-32000 steps", lambda r: r["group"] == "protocols" and r["steps"] >= 8000)
    for pid in sorted({r["pid"] for r in rows if r["group"] == "protocols" and r["part"] == "heldout"}):
        r0 = next(r for r in rows if r["pid"] == pid)
        name = (f"protocol {pid}: {r0['opt']} lr {r0['lr']:g} {r0['steps']} steps "
                f"{'batch ' + str(r0['batch']) if r0['batch'] else 'full'} R={r0['restarts']}")
        add(name, lambda r, p=pid: r["group"] == "protocols" and r["pid"] == p)
    add("deep, reference protocol", lambda r: r["group"] == "deep" and r["pid"] == -1)
    add("deep, other protocols", lambda r: r["group"] == "deep" and r["pid"] != -1)
    for depth in (2, 3, 4):
        add(f"deep, {depth} hidden layers", lambda r, k=depth: r["group"] == "deep" and len(r["widths"]) == k)
    add("deep, d <= 3", lambda r: r["group"] == "deep" and r["d"] <= 3)
    add("deep, d >= 5", lambda r: r["group"] == "deep" and r["d"] >= 5)
    return "\n".join(lines)


def fit_band(rows: List[Dict[str, Any]], P: Dict[str, float], coverage: float = 0.92) -> Dict[str, float]:
    """The narrowest band (mean width) whose coverage is >= ``coverage`` in every calibration group."""
    cal = [r for r in rows if r["part"] == "calibration"]
    c = columns(cal)
    real = c["real"]
    groups = [np.array([r["group"] == g for r in cal]) for g in ("reference", "protocols", "deep")]
    best = None
    for s0 in np.arange(0.04, 0.41, 0.02):
        for sr in np.arange(0.0, 0.31, 0.02):
            for sd in np.arange(0.0, 0.41, 0.04):
                Q = dict(P, sigma_ln_k=float(s0), sigma_rho=float(sr), sigma_deep=float(sd))
                with np.errstate(all="ignore"):
                    _, lo, hi = em.estimate_band(Q, c["d"], c["N"], c["widths"], c["gauss"], c["lr"], c["steps"],
                                                 c["batch"], c["cosine"], c["sgd"], c["restarts"])
                inside = (lo <= real) & (real <= hi)
                if all(inside[g].mean() >= coverage for g in groups):
                    width = float(np.mean(hi - lo))
                    if best is None or width < best[0]:
                        best = (width, Q)
    if best is None:
        raise RuntimeError("no band reaches the coverage")
    print(f"  band: sigma_ln_k {best[1]['sigma_ln_k']:.2f}, sigma_rho {best[1]['sigma_rho']:.2f}, "
          f"sigma_deep {best[1]['sigma_deep']:.2f}: mean width {best[0]:.4f}")
    return best[1]


def shipped(rows: List[Dict[str, Any]]) -> tuple:
    """The shipped (Rust) estimator on every row: accuracy, low, high (ceiling applied) and without the ceiling."""
    import warnings

    from nnpartition import Protocol, estimate_accuracy

    out = np.zeros((len(rows), 4))
    for i, r in enumerate(rows):
        p = Protocol(optimizer=r["opt"], lr=r["lr"], steps=r["steps"], batch_size=r["batch"] or None,
                     schedule="cosine" if r["cosine"] else "constant", restarts=r["restarts"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = estimate_accuracy(r["d"], r["N"], widths=r["widths"], dist=r["dist"], protocol=p)
            raw = estimate_accuracy(r["d"], r["N"], widths=r["widths"], dist=r["dist"], protocol=p, ceiling=False)
        out[i] = (e.accuracy, e.low, e.high, raw.accuracy)
    return out[:, 0], out[:, 1], out[:, 2], out[:, 3]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fit", action="store_true", help="refit the constants (prints them for rust/src/estimate.rs)")
    args = ap.parse_args()
    rows = load()
    if args.fit:
        P = fit(rows, dict(START))
        P = fit_band(rows, P)
        print("constants:", {k: round(v, 4) for k, v in P.items()})
        acc, lo, hi = em.estimate_band(P, *(columns(rows)[k] for k in ("d", "N", "widths", "gauss", "lr", "steps",
                                                                         "batch", "cosine", "sgd", "restarts")))
        print(table(rows, acc, lo, hi))
        return 0
    acc, lo, hi, raw = shipped(rows)
    mirror = model(START, columns(rows))
    gap = float(np.max(np.abs(mirror - raw)))
    print(f"numpy mirror vs Rust core: max difference {gap:.2e} over {len(rows)} rows")
    print(table(rows, acc, lo, hi))
    print()
    print(regions(rows, acc, lo, hi))
    return 0 if gap < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
