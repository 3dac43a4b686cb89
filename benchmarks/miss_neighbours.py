"""Are the estimator's largest held-out misses smooth regions it gets wrong, or one-off configurations? A diagnostic.

Usage:
    python benchmarks/miss_neighbours.py            # the tables, from docs/data/miss_neighbours.csv (seconds)
    python benchmarks/miss_neighbours.py measure    # measure that file again (about 15 minutes on 2 cores)
    python benchmarks/miss_neighbours.py diverged   # re-train the file's 59 rows, count diverged runs (~1 minute)
    python benchmarks/miss_neighbours.py locality   # could a local method catch the misses? (no training, ~1 min)

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
every configuration measured around it. Every configuration is trained on 3 datasets (``nnpartition.real_accuracy``,
one thread, a seed of its own) and nothing is fitted on these measurements: they sit next to held-out rows. The
estimates are computed when the tables
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
                                  seed=SEED + 100 * k + j, threads=1, progress=False)
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
                                  seed=777, threads=1, progress=False)
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


#: The continuous draws no fit has read (decision draws 21-27, 29, 30 and fresh draws 28, 31): ``locality``'s tests.
TEST_DRAWS = (21, 22, 23, 24, 25, 26, 27, 29, 30, 28, 31)


def locality() -> int:
    """Could a local method catch the misses? (thirty-third pass, helper-63's probe.) Nothing is trained.

    The residual ``real - estimate`` of the rows a fit may read (every row but the held-out ones and those of
    :data:`TEST_DRAWS`), per group, in the correction's 19 features (standard units over those rows):

    1. For each non-trivial held-out row with a 9-dataset truth, the mean residual of its ``k`` nearest fitting rows
       against its own (against the 9-dataset truth): their correlation over all rows and over the rows missed for
       certain, and how many of those misses the neighbours predict with their sign and at least half their size.
    2. A k-nearest-neighbour correction, ``estimate + lam x (mean residual of k neighbours)``, clipped to [1/2, 1],
       with ``k`` and ``lam`` chosen by 5-fold cross-validation over whole protocols on the fitting rows alone
       (non-trivial MAE), scored on the held-out rows and the test draws.
    """
    from sklearn.neighbors import NearestNeighbors

    rows = cp.load()
    stems = {**cp.DECISION_DRAWS, **cp.FRESH_DRAWS}
    draws = {k: cp.read_draw(k, "draw", 1000 * k) for k in TEST_DRAWS if (cp.DATA / f"{stems[k]}.csv").exists()}
    every = rows + [r for k in draws for r in draws[k]]
    n0 = len(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = cp.shipped(every)[0]
    X = cp.features(cp.columns(every))
    draw = np.array([-1] * n0 + [k for k in draws for _ in draws[k]])
    real = np.array([r["real"] for r in every])
    group = np.array([r["group"] for r in every])
    part = np.array([r["part"] for r in every])
    res = real - acc
    nontrivial = (real < 0.999) | (acc < 0.999)
    fit = (draw < 0) & (part != "heldout")
    cv_groups = cp._groups(every)

    def standard(g: str) -> Tuple[np.ndarray, np.ndarray]:
        pool = fit & (group == g)
        return (X - X[pool].mean(0)) / (X[pool].std(0) + 1e-12), np.where(pool)[0]

    print("1. The k nearest fitting rows' mean residual against a held-out row's (9-dataset truth; non-trivial rows)\n")
    print("| group | k | correlation, all | correlation, misses for certain | misses with the neighbours' sign and "
          ">= half their size | mean abs residual of the misses / of their neighbours |")
    print("|---|---|---|---|---|---|")
    for g in ("protocols", "deep"):
        idx, keep, miss = cp.certain_miss_rows(rows, acc[:n0], g)
        q = np.array(idx)[keep]
        own = np.array([rows[i]["real9"] for i in q]) - acc[q]
        mm = miss[keep]
        Z, pool = standard(g)
        ind = NearestNeighbors(n_neighbors=20).fit(Z[pool]).kneighbors(Z[q])[1]
        rows_of = [(f"{g}", k, res[pool[ind[:, :k]]].mean(1)) for k in (1, 5, 20)]
        # the nearest other held-out row instead (its 9-dataset residual; held-out protocols are held out whole, so
        # it is often of the same protocol, which no fitting row is)
        other = NearestNeighbors(n_neighbors=2).fit(Z[q]).kneighbors(Z[q])[1][:, 1]
        same = int(np.sum(cv_groups[q][other][mm] == cv_groups[q][mm]))
        rows_of.append((f"{g}, nearest held-out row (same protocol for {same} of the {mm.sum()} misses)", 1,
                        own[other]))
        for name, k, m in rows_of:
            half = int(np.sum((np.sign(m[mm]) == np.sign(own[mm])) & (np.abs(m[mm]) >= 0.5 * np.abs(own[mm]))))
            print(f"| {name} | {k} | {np.corrcoef(own, m)[0, 1]:.2f} | {np.corrcoef(own[mm], m[mm])[0, 1]:.2f} | "
                  f"{half} of {mm.sum()} | {np.abs(own[mm]).mean():.3f} / {np.abs(m[mm]).mean():.3f} |")
    # Is it an offset of the whole protocol? Each held-out row in turn as an anchor: its error added to the estimate
    # of every other non-trivial held-out row of its protocol (3-dataset truths).
    print("\nOne measured row of a held-out protocol as an offset for its other rows (each row in turn the anchor; "
          "non-trivial rows):\n")
    print("| group | protocols | pairs | MAE: estimate / anchored | share over 0.06 | max |")
    print("|---|---|---|---|---|---|")
    held = np.where((part == "heldout") & (draw < 0))[0]
    for g in ("protocols", "deep"):
        plain, anchored = [], []
        pids = sorted({int(cv_groups[i]) for i in held if group[i] == g})
        for pid in pids:
            ix = held[(group[held] == g) & (cv_groups[held] == pid)]
            for a in ix:
                o = ix[(ix != a) & nontrivial[ix]]
                plain += list(np.abs(acc[o] - real[o]))
                anchored += list(np.abs(np.clip(acc[o] + real[a] - acc[a], 0.5, 1.0) - real[o]))
        e0, e1 = np.array(plain), np.array(anchored)
        print(f"| {g} | {len(pids)} | {len(e0)} | {e0.mean():.4f} / {e1.mean():.4f} | {np.mean(e0 > 0.06):.3f} / "
              f"{np.mean(e1 > 0.06):.3f} | {e0.max():.3f} / {e1.max():.3f} |")
    ks, lams = (5, 10, 20, 40, 80), np.linspace(0.0, 1.0, 11)
    new = acc.copy()
    chosen = {}
    for g in ("reference", "protocols", "deep"):
        Z, pool = standard(g)
        folds = np.unique(cv_groups[pool])
        np.random.default_rng(0).shuffle(folds)
        oof = np.zeros((len(ks), len(pool)))
        for f in np.array_split(folds, 5):
            test = np.isin(cv_groups[pool], f)
            ind = NearestNeighbors(n_neighbors=max(ks)).fit(Z[pool[~test]]).kneighbors(Z[pool[test]])[1]
            for j, k in enumerate(ks):
                oof[j, test] = res[pool[~test]][ind[:, :k]].mean(1)
        nt = nontrivial[pool]
        score = [(np.abs(np.clip(acc[pool] + lam * oof[j], 0.5, 1.0) - real[pool])[nt].mean(), k, lam)
                 for j, k in enumerate(ks) for lam in lams]
        _, k, lam = min(score)
        chosen[g] = (k, lam)
        query = np.where((group == g) & ~fit)[0]
        ind = NearestNeighbors(n_neighbors=k).fit(Z[pool]).kneighbors(Z[query])[1]
        new[query] = np.clip(acc[query] + lam * res[pool][ind].mean(1), 0.5, 1.0)
    print("\n2. The k-nearest-neighbour correction (k, lam by cross-validation on the fitting rows: "
          + ", ".join(f"{g} {k}, {lam:.1f}" for g, (k, lam) in chosen.items()) + "); non-trivial rows (all rows)\n")
    print("| rows | group | n | MAE shipped | MAE kNN | max shipped | max kNN | "
          "over the max for certain: shipped / kNN |")
    print("|---|---|---|---|---|---|---|---|")
    sets = (("held out", (part == "heldout") & (draw < 0)), ("fresh draws 28, 31", np.isin(draw, (28, 31))),
            ("decision draws 21-27, 29, 30", np.isin(draw, (21, 22, 23, 24, 25, 26, 27, 29, 30))))
    for name, where in sets:
        for g in ("reference", "protocols", "deep"):
            m = where & (group == g)
            if not m.any():
                continue
            cells = []
            for mask in (m & nontrivial, m):
                e0, e1 = np.abs(acc - real)[mask], np.abs(new - real)[mask]
                cells.append((mask.sum(), e0.mean(), e1.mean(), e0.max(), e1.max()))
            (n, a0, a1, x0, x1), (na, b0, b1, y0, y1) = cells
            over = "-"
            if name == "held out" and g != "reference":
                over = " / ".join(str(int(cp.certain_miss_rows(rows, e[:n0], g)[2].sum())) for e in (acc, new))
            print(f"| {name} | {g} | {n} ({na}) | {a0:.4f} ({b0:.4f}) | {a1:.4f} ({b1:.4f}) | {x0:.3f} ({y0:.3f}) | "
                  f"{x1:.3f} ({y1:.3f}) | {over} |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", choices=("report", "measure", "diverged", "locality"), default="report")
    what = ap.parse_args().what
    if what == "measure":
        return measure()
    if what == "diverged":
        return diverged()
    if what == "locality":
        return locality()
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
