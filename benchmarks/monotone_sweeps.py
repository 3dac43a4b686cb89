"""Is the estimate monotone where it should be? Random sweeps of the shipped estimator.

    python benchmarks/monotone_sweeps.py [--sweeps 300]
    python benchmarks/monotone_sweeps.py --below-cap        # the grid scan of rises with N below the q N cap
    python benchmarks/monotone_sweeps.py --past-cap         # rises far past the cap, where the estimate is at chance

Each sweep draws a configuration and a protocol over the validated range (``d`` 1-200, one hidden layer of 1-512
units or 2-4 layers of 4-128, Adam lr 0.002-0.1 or SGD lr 0.01-0.5, 250-32,000 steps, full batch or 32-1024,
cosine or constant, 1-4 restarts, either input law), then estimates it (without the ceiling) along ``N`` (200
values, 2-5000), the first width (1-256), the steps (60 values, 250-32,000) and, since the fifteenth pass, the
restarts (1-4). The estimate should not rise with ``N`` nor fall with the width, the steps or the restarts; the
script prints, per direction, how many sweeps break that by more than 1e-12 and by more than 1e-3, and the largest
break (until the fifteenth pass more restarts lowered it: ``docs/theory.md``, "Where it fails"). (``docs/theory.md``,
"Validation"; the tests check the same property on fewer, hypothesis-drawn cases.)

``--below-cap`` scans instead, on a grid, every ``N`` where the estimate can rise: below ``N = 2 (d + 1)`` a unit's
``q N`` cap binds, ``K`` grows with ``N`` at an almost fixed load, and with one restart the restart term ``nu (E max_1
- E max_2) sqrt(A (1 - A) / N)``, negative, shrinks as ``N`` grows. One hidden layer of 1, 2 or 8 units, every ``d``
from 1 to 200 and every ``N`` from 2 to ``2 (d + 1) + 20`` (past the cap), over a grid of protocols (Adam lr 0.002,
0.02, 0.1; SGD lr 0.01, 0.1, 0.5; 250, 500, 2000 or 32,000 steps; full batch or batches of 32 or 256; cosine or
constant; either input law), each with one restart and with two. It prints, per restart count, the largest rise from
one ``N`` to the next, the largest rise in all (``max over N1 < N2`` of ``estimate(N2) - estimate(N1)``), where they
are, and whether any rise above 1e-12 lies past the cap (``docs/theory.md``, "Validation", the monotonicity item).

``--past-cap`` (forty-sixth pass) looks further: every ``N`` from just past the cap to 1,500, one restart, ``d`` 1,
2, 3, 5, 10, 20 and one hidden layer of 1, 2, 4 or 8 units, under small budgets (Adam lr 0.002 and 0.005, SGD lr
0.01 and 0.03, and, outside the validated range, SGD lr 0.002; 250 or 1000 steps; full batch or batches of 32; cosine
or constant; either input law), where the estimate sits at chance and the restart term can shrink faster than the
accuracy falls. It prints the largest rise from one ``N`` to the next and in all, inside the validated range (``N``
50 or more, the learning rate inside its range) and outside it.

``--deep-sizing`` (sixty-third pass) checks what ``required_width(..., layers=K)`` assumes: 600 random questions (``d``
1-200, ``N`` 50-5000, 2-4 equal hidden layers, targets 0.55-0.999, four protocols), each answer against a plain scan
of ``estimate_accuracy(d, N, widths=[L] * K)`` for ``L`` 1-400 (the estimate, the band's lower and upper edges as
reported), and every edge's falls with ``L`` along the scan. It prints the answers that differ from the scan, the
falls (``docs/theory.md``, "Sizing"); a few seconds.
"""

from __future__ import annotations

import argparse
import itertools
import random
import warnings

import numpy as np

import nnpartition as npn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sweeps", type=int, default=300, help="random sweeps (default 300; the random sweeps only)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random sweeps' draws (default 1)")
    ap.add_argument("--below-cap", action="store_true", help="scan a grid of rises with N below the q N cap instead")
    ap.add_argument("--past-cap", action="store_true", help="scan rises with N far past the cap, at chance, instead")
    ap.add_argument("--deep-sizing", action="store_true",
                    help="check required_width(..., layers=2-4) against a scan of the widths instead (its own fixed "
                         "draw of 600 questions, the one docs/theory.md quotes: --sweeps and --seed do not apply)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")   # sweeps reach below N = 50, outside the validated range, on purpose
    if args.deep_sizing:
        deep_sizing()
        return
    if args.below_cap:
        below_cap()
        return
    if args.past_cap:
        past_cap()
        return
    rng = np.random.default_rng(args.seed)
    breaks = {"N (rises)": [], "width (falls)": [], "steps (falls)": [], "restarts (falls)": []}

    def acc(d, n, widths, dist, proto):
        return npn.estimate_accuracy(d, int(n), widths=widths, dist=dist, protocol=proto, ceiling=False).accuracy

    for _ in range(args.sweeps):
        d = int(np.exp(rng.uniform(0, np.log(200))))
        sgd = rng.random() < 0.5
        lr = float(np.exp(rng.uniform(np.log(0.01), np.log(0.5)) if sgd else rng.uniform(np.log(0.002), np.log(0.1))))
        steps = int(np.exp(rng.uniform(np.log(250), np.log(32000))))
        batch = None if rng.random() < 0.4 else int(np.exp(rng.uniform(np.log(32), np.log(1024))))
        cosine = rng.random() < 0.75
        restarts = int(rng.integers(1, 5))
        dist = "gaussian" if rng.random() < 0.5 else "uniform"
        if rng.random() < 0.4:
            widths = [int(np.exp(rng.uniform(np.log(4), np.log(128)))) for _ in range(rng.choice([2, 3, 4]))]
        else:
            widths = [int(np.exp(rng.uniform(0, np.log(512))))]

        def proto(s, r=restarts):
            return npn.Protocol(optimizer="sgd" if sgd else "adam", lr=lr, steps=int(s), batch_size=batch,
                                schedule="cosine" if cosine else "constant", restarts=r)

        ns = np.unique(np.round(np.exp(np.linspace(np.log(2), np.log(5000), 200))))
        a = np.array([acc(d, n, widths, dist, proto(steps)) for n in ns])
        breaks["N (rises)"].append(max(np.diff(a).max(), 0.0))
        n0 = int(np.exp(rng.uniform(np.log(50), np.log(5000))))
        a = np.array([acc(d, n0, [int(w)] + widths[1:], dist, proto(steps)) for w in range(1, 257)])
        breaks["width (falls)"].append(max(-np.diff(a).min(), 0.0))
        ss = np.unique(np.round(np.exp(np.linspace(np.log(250), np.log(32000), 60))))
        a = np.array([acc(d, n0, widths, dist, proto(s)) for s in ss])
        breaks["steps (falls)"].append(max(-np.diff(a).min(), 0.0))
        a = np.array([acc(d, n0, widths, dist, proto(steps, r)) for r in (1, 2, 3, 4)])
        breaks["restarts (falls)"].append(max(-np.diff(a).min(), 0.0))
    for k, v in breaks.items():
        v = np.array(v)
        print(f"{k:14s}: {(v > 1e-12).sum()} of {len(v)} sweeps break it by > 1e-12, {(v > 1e-3).sum()} by > 1e-3; "
              f"largest {v.max() + 0.0:.2e}")


#: The protocols of ``--below-cap``: (optimizer, learning rates), steps, batch sizes, schedules, input laws, widths.
BELOW_CAP_GRID = ((("adam", (0.002, 0.02, 0.1)), ("sgd", (0.01, 0.1, 0.5))), (250, 500, 2000, 32000), (None, 32, 256),
                  ("cosine", "constant"), ("uniform", "gaussian"), (1, 2, 8))


def rises_below_cap(d_lo: int, d_hi: int, L: int, dist: str, proto: npn.Protocol, past: int = 20) -> tuple:
    """For one hidden layer of ``L`` units, every ``d`` in ``d_lo..d_hi`` and every ``N`` from 2 to
    ``2 (d + 1) + past``: ``(largest rise from one N to the next, largest rise in all, its d, the first and last N
    of that largest rise in all, the largest rise from N to N + 1 with N + 1 > 2 (d + 1))``, as arrays over ``d``."""
    d = np.arange(d_lo, d_hi + 1)
    ns = np.arange(2, 2 * (d_hi + 1) + past + 1)
    a = npn.estimate_accuracy(d[:, None], ns[None, :], L, dist=dist, protocol=proto, ceiling=False).accuracy
    inside = ns[None, :] <= 2 * (d[:, None] + 1) + past
    a = np.where(inside, a, np.nan)
    step = np.nan_to_num(np.diff(a, axis=1), nan=-np.inf)
    past_cap = np.where(ns[None, 1:] > 2 * (d[:, None] + 1), step, -np.inf).max(axis=1)
    low = np.fmin.accumulate(np.nan_to_num(a, nan=np.inf), axis=1)
    total = np.nan_to_num(a - low, nan=0.0)
    j = total.argmax(axis=1)
    start = np.array([ns[np.argmin(np.nan_to_num(a[i, : j[i] + 1], nan=np.inf))] for i in range(d.size)])
    return step.max(axis=1), total.max(axis=1), d, start, ns[j], past_cap


def below_cap() -> None:
    """``--below-cap``: see the module's docstring."""
    optimizers, steps, batches, schedules, dists, widths = BELOW_CAP_GRID
    for restarts in (1, 2):
        worst_step, worst_total, worst_past, count = (0.0, None), (0.0, None), 0.0, 0
        for (opt, lrs), s, b, sched, dist, L in itertools.product(optimizers, steps, batches, schedules, dists, widths):
            for lr in lrs:
                p = npn.Protocol(optimizer=opt, lr=lr, steps=s, batch_size=b, schedule=sched, restarts=restarts)
                for d_lo in range(1, 201, 25):
                    step, total, d, start, end, past = rises_below_cap(d_lo, d_lo + 24, L, dist, p)
                    count += int((step > 1e-12).sum())
                    i, k = int(step.argmax()), int(total.argmax())
                    if step[i] > worst_step[0]:
                        worst_step = (float(step[i]), f"d={d[i]} L={L} {dist} {p}")
                    if total[k] > worst_total[0]:
                        worst_total = (float(total[k]), f"d={d[k]} L={L} N {start[k]}->{end[k]} {dist} {p}")
                    worst_past = max(worst_past, float(past.max()))
        print(f"restarts={restarts}: {count} (d, L, protocol) rows rise by > 1e-12; "
              f"largest rise from one N to the next {worst_step[0]:.2e} ({worst_step[1]}); "
              f"largest in all {worst_total[0]:.2e} ({worst_total[1]}); "
              f"largest rise past N = 2 (d + 1): {max(worst_past, 0.0):.2e}")


def past_cap() -> None:
    """``--past-cap``: see the module's docstring."""
    for inside in (True, False):
        lrs = [("adam", 0.002), ("adam", 0.005), ("sgd", 0.01), ("sgd", 0.03)] if inside else [("sgd", 0.002)]
        worst_step, worst_total, rising, rows = (0.0, ""), (0.0, ""), 0, 0
        for (opt, lr), s, sched, b, dist, d, L in itertools.product(lrs, (250, 1000), ("constant", "cosine"),
                                                                   (None, 32), ("uniform", "gaussian"),
                                                                   (1, 2, 3, 5, 10, 20), (1, 2, 4, 8)):
            p = npn.Protocol(optimizer=opt, lr=lr, steps=s, batch_size=b, schedule=sched, restarts=1)
            ns = np.arange(max(50, 2 * (d + 1) + 1) if inside else 2 * (d + 1) + 1, 1501)
            a = npn.estimate_accuracy(d, ns, L, dist=dist, protocol=p, ceiling=False).accuracy
            step = np.diff(a)
            total = a - np.minimum.accumulate(a)
            rows += 1
            rising += int(step.max() > 1e-12)
            i, k = int(step.argmax()), int(total.argmax())
            where = f"d={d} L={L} {dist} {p}"
            if step[i] > worst_step[0]:
                worst_step = (float(step[i]), f"{where}, N {ns[i]}->{ns[i] + 1}, estimate {a[i]:.4f}")
            if total[k] > worst_total[0]:
                worst_total = (float(total[k]), f"{where}, up to N {ns[k]}, estimate {a[k]:.4f}")
        print(f"{'inside' if inside else 'outside'} the validated range, one restart: {rising} of {rows} "
              f"(d, L, protocol) rows rise past the cap by > 1e-12; largest rise from one N to the next "
              f"{worst_step[0]:.1e} ({worst_step[1]}); largest in all {worst_total[0]:.1e} ({worst_total[1]})")


def deep_sizing(questions: int = 600, max_width: int = 400, seed: int = 7) -> None:
    """``required_width(d, N, target, layers=K)`` against a scan of the widths, and each edge's falls with ``L``."""
    rng = random.Random(seed)
    sgd = npn.Protocol(optimizer="sgd", lr=0.1, steps=2000, batch_size=64)
    protocols = [None, sgd, npn.Protocol(lr=0.05), npn.Protocol(steps=1000, batch_size=128)]
    mismatches, falls = [], []
    for _ in range(questions):
        d = rng.choice([1, 2, 3, 5, 10, 20, 50, 100, 200])
        n, k = rng.randint(50, 5000), rng.randint(2, 4)
        t = rng.choice([0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, rng.uniform(0.55, 0.999)])
        p = rng.choice(protocols)
        a = npn.required_width(d, n, t, layers=k, protocol=p, max_width=max_width)
        e = np.array([(x.accuracy, x.low, x.high) for x in (npn.estimate_accuracy(d, n, widths=[w] * k, protocol=p)
                                                            for w in range(1, max_width + 1))])
        first = [int(np.argmax(c >= t)) + 1 if (c >= t).any() else None for c in e.T]
        # the protocol in the command line's words (None, the reference protocol, printed as "None" before)
        said = (p or npn.Protocol()).describe() + ("" if p else " (the reference)")
        if [a.L, a.L_safe, a.L_optimistic] != first:
            mismatches.append((d, n, round(t, 5), k, said, [a.L, a.L_safe, a.L_optimistic], first))
        for j, name in enumerate(("estimate", "lower edge", "upper edge")):
            step = np.diff(e[:, j])
            if (step < -1e-12).any():
                falls.append((name, d, n, k, said, float(step.min()), int(np.argmin(step)) + 1))
    print(f"{questions} questions, 2-4 equal hidden layers, widths 1-{max_width}")
    print(f"answers (L, L_safe, L_optimistic) unlike the scan's first width reaching the target: {len(mismatches)}")
    for m in mismatches:
        print("  (d, N, target, layers, protocol, answer [L, L_safe, L_optimistic], scan):", *m)
    print(f"falls with L (of more than 1e-12): {len(falls)}, by edge: "
          f"{ {name: sum(f[0] == name for f in falls) for name in ('estimate', 'lower edge', 'upper edge')} }")
    for f in falls:
        print(f"  {f[0]}: d={f[1]} N={f[2]} {f[3]} layers, {f[4]}: falls by {-f[5]:.2e} from L = {f[6]} to {f[6] + 1}")


if __name__ == "__main__":
    main()
