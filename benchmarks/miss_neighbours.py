"""Are the estimator's largest held-out misses smooth regions it gets wrong, or one-off configurations? A diagnostic.

Usage:
    python benchmarks/miss_neighbours.py            # the tables, from docs/data/miss_neighbours.csv (seconds)
    python benchmarks/miss_neighbours.py measure    # measure that file again (about 15 minutes on 2 cores)
    python benchmarks/miss_neighbours.py diverged   # re-train the file's 59 rows, count diverged runs (~1 minute)

The rows: every held-out row of other protocols and deep networks whose error against its 9-dataset truth is over
the group's max target (0.06) by more than two standard errors of that truth (``calibrate_protocols.over_max``,
"for certain"), under the estimator shipped when the file was measured (59 rows: 10 of other protocols, 49 deep).

For each such row, with the same ``d``, input law and everything of the protocol not named:

- **neighbours**: 6 configurations, ``N`` x0.9 and x1.1, every width x0.9 and x1.1 (rounded, at least 1), the
  learning rate x0.9 and x1.1. The row's *local truth* is the median of its neighbours' means. A miss is
  **smooth** if the local truth is within 0.06 of the row's 9-dataset truth and at least 4 of the 6 neighbours are
  missed with the same sign as the row; a **jump** if the local truth is more than 0.06 away; **mixed** otherwise.
  (This rule was written before any neighbour was measured.)
- **slopes**: each factor halved and doubled (``N``, never below ``d + 2``; every width; the learning rate; the
  steps; the batch size, for minibatch rows whose doubled or halved batch stays below ``N``; and the restarts one
  fewer and one more, within 1-4). A factor's slope is the change of accuracy per unit of its logarithm (per restart
  for restarts), for real training and for the estimate, and the table reports how far apart the two are.

The file holds each miss itself (``kind`` ``row``, with its 9-dataset mean and spread from the held-out files) and
every configuration measured around it. Every configuration is trained on 3 datasets (``nnpartition.real_accuracy``, one thread, a seed of its own) and
nothing is fitted on these measurements: they sit next to held-out rows. The estimates are computed when the tables
are printed, so they are the installed estimator's; the rows were chosen with the estimator of the file's
measurement.

Also printed: how far each miss lies from the nearest rows the correction was fitted on (Euclidean distance in its
19 features, each scaled to unit standard deviation over those rows; the 10 nearest of the same kind, two-layer or
deep), against the same for 200 random non-trivial held-out rows, and how many of those 10 the estimate misses with
the row's sign.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402

OUT = cp.DATA / "miss_neighbours.csv"
FIELDS = ("miss", "group", "kind", "factor", "side", "dist", "d", "N", "widths", "optimizer", "lr", "steps",
          "batch_size", "schedule", "restarts", "accuracy_mean", "accuracy_std", "seconds")
SEED = 9100
MAX_TARGET = 0.06


def certain_misses() -> List[Dict[str, Any]]:
    """The held-out rows (with a 9-dataset truth) that the installed estimate misses for certain."""
    rows = cp.load()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = cp.shipped(rows)[0]
    out = []
    for g in ("protocols", "deep"):
        idx, _, miss = cp.certain_miss_rows(rows, acc, g)
        out += [rows[idx[j]] for j in np.where(miss)[0]]
    return out


def variants(r: Dict[str, Any]) -> List[tuple]:
    """``(kind, factor, side, d, N, widths, protocol dict)`` of every configuration measured around row ``r``."""
    p0 = dataclasses.asdict(cp.row_protocol(r))
    out = []
    for kind, sides in (("neighbour", (0.9, 1.1)), ("slope", (0.5, 2.0))):
        for factor in ("N", "widths", "lr") if kind == "neighbour" else ("N", "widths", "lr", "steps", "batch",
                                                                          "restarts"):
            for side, f in enumerate(sides):
                N, W, p = r["N"], list(r["widths"]), dict(p0)
                if factor == "N":
                    N = max(r["d"] + 2, int(round(N * f)))
                elif factor == "widths":
                    W = [max(1, int(round(w * f))) for w in W]
                elif factor == "lr":
                    p["lr"] = r["lr"] * f
                elif factor == "steps":
                    p["steps"] = int(round(r["steps"] * f))
                elif factor == "batch":
                    b = int(round(r["batch"] * f)) if 0 < r["batch"] < r["N"] else 0
                    if not 0 < b < N:
                        continue
                    p["batch_size"] = b
                else:
                    p["restarts"] = r["restarts"] + (1 if side else -1)
                    if not 1 <= p["restarts"] <= 4:
                        continue
                out.append((kind, factor, side, r["d"], N, W, p))
    return out


def measure() -> int:
    from nnpartition import Protocol, real_accuracy

    misses = certain_misses()
    t0 = time.time()
    with OUT.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIELDS)
        for k, r in enumerate(misses):
            p0 = dataclasses.asdict(cp.row_protocol(r))
            w.writerow([k, r["group"], "row", "", "", r["dist"], r["d"], r["N"], json.dumps(list(r["widths"])),
                        p0["optimizer"], repr(r["lr"]), r["steps"], p0["batch_size"] or 0, p0["schedule"],
                        r["restarts"], repr(r["real9"]), repr(r["std9"]), ""])
            for j, (kind, factor, side, d, N, W, p) in enumerate(variants(r)):
                m = real_accuracy(d, N, widths=W, dist=r["dist"], protocol=Protocol(**p), datasets=3,
                                  seed=SEED + 100 * k + j, threads=1)
                w.writerow([k, r["group"], kind, factor, side, r["dist"], d, N, json.dumps(W), p["optimizer"],
                            repr(p["lr"]), p["steps"], p["batch_size"] or 0, p["schedule"], p["restarts"],
                            repr(m.mean), repr(m.std), f"{m.seconds:.2f}"])
            f.flush()
            print(f"  {k + 1}/{len(misses)} rows, {time.time() - t0:.0f} s", flush=True)
    print(f"wrote {OUT}")
    return 0


def diverged() -> int:
    """Re-train each miss of the file (the rows, not their neighbours) on the first 3 of its 9 datasets (seed 777,
    as the held-out rows were measured) and count the runs that diverged (``AccuracyMeasurement.diverged``):
    whether unstable training explains the misses. Nothing is fitted on it."""
    from nnpartition import Protocol, real_accuracy

    misses = [r for r in load_file() if r["kind"] == "row"]
    print("| group | rows | runs | diverged runs | median / largest |3-dataset mean - 9-dataset truth| |")
    print("|---|---|---|---|---|")
    for g in ("protocols", "deep"):
        runs = div = 0
        gaps = []
        for r in (m for m in misses if m["group"] == g):
            p = Protocol(optimizer=r["optimizer"], lr=r["lr"], steps=r["steps"], batch_size=r["batch_size"],
                         schedule=r["schedule"], restarts=r["restarts"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)   # the count is what is reported
                m = real_accuracy(r["d"], r["N"], widths=r["widths"], dist=r["dist"], protocol=p, datasets=3,
                                  seed=777, threads=1)
            runs += 3 * p.restarts
            div += m.diverged
            gaps.append(abs(m.mean - r["accuracy_mean"]))
        print(f"| {g} | {len(gaps)} | {runs} | {div} | {np.median(gaps):.4f} / {np.max(gaps):.4f} |", flush=True)
    return 0


def load_file() -> List[Dict[str, Any]]:
    with OUT.open() as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["miss"], r["d"], r["N"], r["steps"], r["restarts"] = (int(r[k]) for k in ("miss", "d", "N", "steps",
                                                                                     "restarts"))
        r["widths"] = json.loads(r["widths"])
        r["lr"], r["accuracy_mean"], r["accuracy_std"] = (float(r[k]) for k in ("lr", "accuracy_mean",
                                                                               "accuracy_std"))
        r["batch_size"] = int(r["batch_size"]) or None
    return rows


def estimates(rows: List[Dict[str, Any]]) -> Tuple[np.ndarray, np.ndarray]:
    """The installed estimate and its analytic part alone (``details.uncorrected``) at every row of the file."""
    from nnpartition import Protocol, estimate_accuracy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = [estimate_accuracy(
            r["d"], r["N"], widths=r["widths"], dist=r["dist"],
            protocol=Protocol(optimizer=r["optimizer"], lr=r["lr"], steps=r["steps"], batch_size=r["batch_size"],
                              schedule=r["schedule"], restarts=r["restarts"])) for r in rows]
    return np.array([e.accuracy for e in es]), np.array([e.details.uncorrected for e in es])


def nearest(misses: List[Dict[str, Any]]) -> str:
    """Distances from the misses to the correction's fitting rows (see the module docstring)."""
    rows = cp.load()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = cp.shipped(rows)[0]
    real = np.array([r["real"] for r in rows])
    X = cp.features(cp.columns(rows))
    fit = np.array([r["part"] in ("calibration", "two_layer", "deep_extension") for r in rows])
    deep = np.array([len(r["widths"]) > 1 for r in rows])
    Z = (X - X[fit].mean(0)) / (X[fit].std(0) + 1e-12)
    key = {(r["d"], r["N"], tuple(r["widths"]), r["lr"], r["steps"], r["restarts"]): i for i, r in enumerate(rows)
           if r["real9"] is not None}

    def near(i: int) -> tuple:
        pool = np.where(fit & (deep == deep[i]))[0]
        dist = np.sqrt(((Z[pool] - Z[i]) ** 2).sum(1))
        o = np.argsort(dist)[:10]
        return dist[o].mean(), pool[o]

    d_miss, same = [], []
    for m in misses:
        i = key[(m["d"], m["N"], tuple(m["widths"]), m["lr"], m["steps"], m["restarts"])]
        dist, nn = near(i)
        d_miss.append(dist)
        same.append(int(np.sum(np.sign(acc[nn] - real[nn]) == np.sign(acc[i] - rows[i]["real9"]))))
    held = [i for i, r in enumerate(rows) if r["real9"] is not None and (r["real9"] < 0.999 or acc[i] < 0.999)]
    ctrl = np.random.default_rng(0).choice(held, 200, replace=False)
    d_ctrl = [near(int(i))[0] for i in ctrl]
    return (f"Nearest fitting rows (10, same kind; 19 features in standard units): mean distance {np.mean(d_miss):.2f} "
            f"from the misses, {np.mean(d_ctrl):.2f} from 200 random non-trivial held-out rows; of each miss's 10, "
            f"{np.mean(same):.1f} are missed with its sign on average (5 would be no relation)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", choices=("report", "measure", "diverged"), default="report")
    what = ap.parse_args().what
    if what == "measure":
        return measure()
    if what == "diverged":
        return diverged()
    rows = load_file()
    est, analytic = estimates(rows)
    misses = [r for r in rows if r["kind"] == "row"]
    e_row = {r["miss"]: e for r, e in zip(rows, est) if r["kind"] == "row"}
    verdicts: Dict[str, Dict[str, int]] = {g: {"smooth": 0, "mixed": 0, "jump": 0} for g in ("protocols", "deep")}
    local_err, row_err, nb_err = [], [], []
    for m in misses:
        k = m["miss"]
        nb = [(r, e) for r, e in zip(rows, est) if r["miss"] == k and r["kind"] == "neighbour"]
        real = np.array([r["accuracy_mean"] for r, _ in nb])
        e_nb = np.array([e for _, e in nb])
        err = e_row[k] - m["accuracy_mean"]
        local = float(np.median(real))
        same = int(np.sum(np.sign(e_nb - real) == np.sign(err)))
        v = "jump" if abs(local - m["accuracy_mean"]) > MAX_TARGET else "smooth" if same >= 4 else "mixed"
        verdicts[m["group"]][v] += 1
        local_err.append(abs(local - m["accuracy_mean"]))
        row_err.append(abs(err))
        nb_err += list(np.abs(e_nb - real))
    print(f"{len(misses)} held-out rows over the max target for certain; their neighbours (N, widths, lr x0.9 and "
          "x1.1):\n")
    print("| group | rows | smooth | mixed | jump |")
    print("|---|---|---|---|---|")
    for g, v in verdicts.items():
        print(f"| {g} | {sum(v.values())} | {v['smooth']} | {v['mixed']} | {v['jump']} |")
    print(f"\n|local truth - 9-dataset truth|: median {np.median(local_err):.4f}, mean {np.mean(local_err):.4f}; "
          f"|estimate - 9-dataset truth| of the rows: mean {np.mean(row_err):.4f}; the estimate's error on the "
          f"neighbours: mean {np.mean(nb_err):.4f}, {int(np.sum(np.array(nb_err) > MAX_TARGET))} of {len(nb_err)} "
          f"over {MAX_TARGET}\n")
    print("Slopes (accuracy per unit of ln factor; per restart for restarts), over the rows where both sides were "
          "measured: training's, the estimate's, mean |difference|, the difference's mean (estimate - training), and "
          "the analytic model's alone (before the fitted correction)\n")
    print("| group | factor | rows | training: mean slope | estimate: mean slope | mean abs difference | "
          "mean difference | analytic alone: mean slope |")
    print("|---|---|---|---|---|---|---|---|")
    for g in ("protocols", "deep"):
        for factor in ("N", "widths", "lr", "steps", "batch", "restarts"):
            s_real, s_est, s_ana = [], [], []
            for m in misses:
                if m["group"] != g:
                    continue
                pts = {r["side"]: (r, e, u) for r, e, u in zip(rows, est, analytic)
                       if r["miss"] == m["miss"] and r["kind"] == "slope" and r["factor"] == factor}
                if set(pts) != {"0", "1"}:
                    continue
                (lo, e_lo, u_lo), (hi, e_hi, u_hi) = pts["0"], pts["1"]
                if factor == "restarts":
                    run = float(hi["restarts"] - lo["restarts"])
                else:
                    v = {"N": "N", "lr": "lr", "steps": "steps", "batch": "batch_size"}.get(factor)
                    x_lo = sum(lo["widths"]) if v is None else lo[v]
                    x_hi = sum(hi["widths"]) if v is None else hi[v]
                    run = float(np.log(x_hi / x_lo))
                s_real.append((hi["accuracy_mean"] - lo["accuracy_mean"]) / run)
                s_est.append((e_hi - e_lo) / run)
                s_ana.append((u_hi - u_lo) / run)
            if s_real:
                a, b = np.array(s_real), np.array(s_est)
                print(f"| {g} | {factor} | {len(a)} | {a.mean():+.4f} | {b.mean():+.4f} | {np.abs(b - a).mean():.4f} | "
                      f"{(b - a).mean():+.4f} | {np.mean(s_ana):+.4f} |")
    print()
    print(nearest(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
