"""``nnpartition estimate``, ``nnpartition validate`` and ``nnpartition demo``."""

from __future__ import annotations

import argparse
import json
import sys
import time

from ..plotting import save_or_explain
from .common import choices

DEMO_CONFIGS = [
    dict(dist="uniform", d=1, N=100, L=256, part="heldout"),
    dict(dist="uniform", d=2, N=1000, L=16, part="heldout"),
    dict(dist="uniform", d=5, N=300, L=8, part="heldout"),
    dict(dist="gaussian", d=10, N=1000, L=32, part="heldout"),
    dict(dist="uniform", d=20, N=1000, L=4, part="heldout"),
    dict(dist="uniform", d=50, N=3000, L=4, part="heldout"),
]


def _estimate(args: argparse.Namespace) -> int:
    from ..estimate import estimate_accuracy

    if args.widths:
        e = estimate_accuracy(args.d, args.N, widths=args.widths, dist=args.dist, method=args.method)
    else:
        if args.L is None:
            raise ValueError("give -L (hidden units) or --widths L1 L2 ...")
        e = estimate_accuracy(args.d, args.N, args.L, dist=args.dist, method=args.method,
                              trials=args.trials, seed=args.seed, progress=not args.json)
    if args.json:
        print(json.dumps(e.to_dict()))
        return 0
    size = f"widths={args.widths}" if args.widths else f"L={args.L}"
    print(f"d={args.d} N={args.N} {size} dist={args.dist} method={e.method}")
    print(f"estimated training accuracy: {e.accuracy:.4f}   (90% band {e.low:.4f} .. {e.high:.4f})")
    print(f"ceiling (best any such network can reach): {e.ceiling:.4f}")
    if "k_eff" in e.details:
        print(f"effective dimension K = {e.details['k_eff']:.1f}, load N/K = {e.details['load']:.2f}")
    return 0


def _runner_from_args(args: argparse.Namespace):
    """A runner for validate(): a sweep (local pool, Dask, durable store) when sweep options were given."""
    if not any(getattr(args, k, None) for k in ("workers", "scheduler", "store")):
        return None, lambda: None
    from .. import sweep

    executor, cleanup = sweep.executor_from_args(args)
    store = sweep.store_from_args(args)

    def runner(configs, job):
        out = sweep.run(configs, job, store=store, executor=executor, workers=args.workers,
                        progress=not args.no_progress, retry_failed=getattr(args, "retry_failed", False))
        for r in out:
            if r["status"] != "done":
                print(f"failed: {r['config']}: {r['error']}", file=sys.stderr)
        return [r["result"] for r in out if r["status"] == "done"]

    return runner, cleanup


def _validate(args: argparse.Namespace) -> int:
    from ..validation import validate

    runner, cleanup = _runner_from_args(args)
    try:
        rep = validate(args.grid, datasets=args.datasets, restarts=args.restarts, seed=args.seed,
                       progress=not args.no_progress, runner=runner)
    finally:
        cleanup()
    print(rep.table())
    print()
    print(rep.summary_text())
    if args.csv:
        rep.to_csv(args.csv)
        print(f"\nwrote {args.csv}")
    if args.plot:
        return save_or_explain(rep.plot, args.plot, "validate")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ..estimate import estimate_accuracy
    from ..training import real_accuracy
    from ..validation import ValidationReport

    print("nnpartition demo: training accuracy on random labels, estimated in microseconds and then")
    print("measured by real training (reference protocol: full-batch Adam, 4000 steps, 3 datasets x 2 restarts)\n")
    print(f"{'dist':8s} {'d':>3s} {'N':>5s} {'L':>4s} | {'estimate':>8s} {'90% band':>15s} {'ceiling':>7s} | "
          f"{'real':>6s} {'+-std':>6s} {'error':>7s} | {'est. time':>9s} {'train time':>10s}")
    rows = []
    for c in DEMO_CONFIGS:
        times = []
        for _ in range(21):  # median of repeated calls: the cost of one estimate
            t0 = time.perf_counter()
            e = estimate_accuracy(c["d"], c["N"], c["L"], dist=c["dist"])
            times.append(time.perf_counter() - t0)
        t_est = sorted(times)[10]  # the ceiling is cached after the first call
        ceil = e.ceiling
        t0 = time.perf_counter()
        m = real_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], seed=args.seed)
        t_train = time.perf_counter() - t0
        band = f"[{e.low:.3f},{e.high:.3f}]"
        print(f"{c['dist']:8s} {c['d']:3d} {c['N']:5d} {c['L']:4d} | {e.accuracy:8.4f} {band:>15s} {ceil:7.4f} | "
              f"{m.mean:6.4f} {m.std:6.4f} {e.accuracy - m.mean:+7.4f} | {t_est * 1e6:7.0f}us {t_train:9.2f}s", flush=True)
        rows.append(dict(c, real=m.mean, real_std=m.std, estimate=e.accuracy, low=e.low, high=e.high,
                         ceiling=ceil, error=e.accuracy - m.mean, in_band=bool(e.low <= m.mean <= e.high)))
    rep = ValidationReport(rows)
    s = rep.summary()["all"]
    print(f"\nmean |error| {s['mae']:.4f}, max |error| {s['max_error']:.4f}, real inside the band: {s['coverage']:.0%}")
    print("More: `nnpartition validate --grid full --plot validation.png`, docs/theory.md")
    if args.plot:
        return save_or_explain(rep.plot, args.plot, "demo")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add the ``estimate``, ``validate`` and ``demo`` subcommands."""
    p = sub.add_parser("estimate", help="estimate training accuracy from d, N, L without training",
                       description="Estimate the training accuracy a ReLU network reaches on N random two-class "
                                   "points in d dimensions (reference protocol), with a 90% band and a ceiling.")
    p.add_argument("-d", type=int, required=True, help="input dimension, >= 1")
    p.add_argument("-N", type=int, required=True, help="training points, >= 1")
    p.add_argument("-L", type=int, default=None, help="hidden ReLU units of a two-layer network")
    p.add_argument("--widths", type=int, nargs="+", default=None, help="hidden widths of a deeper network instead of -L")
    p.add_argument("--dist", default="uniform", choices=choices("dist"), metavar="DIST",
                   help="uniform (in [-1,1]^d) or gaussian (alias gauss, normal; default uniform)")
    p.add_argument("--method", default="analytic", help="analytic (default) or monte_carlo")
    p.add_argument("--trials", type=int, default=200, help="Monte Carlo trials (default 200)")
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_estimate)

    val = sub.add_parser("validate", help="train and estimate over a grid; table, CSV and figure",
                         description="Train (reference protocol) and estimate every configuration of a grid, print "
                                     "the table and the error summary (calibration vs held-out configurations).")
    val.add_argument("--grid", default="small", choices=["small", "full"], help="small (about a minute) or full")
    val.add_argument("--csv", default=None, help="write the rows to this CSV file")
    val.add_argument("--plot", default=None, help="save the figure to this PNG file (needs nnpartition[plot])")
    val.add_argument("--datasets", type=int, default=3, help="datasets per configuration (default 3)")
    val.add_argument("--restarts", type=int, default=2, help="restarts per dataset (default 2)")
    val.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    val.add_argument("--no-progress", action="store_true", help="no progress bar")
    try:
        from .. import sweep

        sweep.add_sweep_arguments(val)
    except ImportError:  # pragma: no cover - sweep module not installed
        pass
    val.set_defaults(func=_validate)

    demo = sub.add_parser("demo", help="estimate vs real training on six configurations (about 20 s)",
                          description="The main job: estimate training accuracy for a few (d, N, L) and check it "
                                      "against real training.")
    demo.add_argument("--seed", type=int, default=0, help="seed of the training runs (default 0)")
    demo.add_argument("--plot", default=None, help="save a figure to this PNG file (needs nnpartition[plot])")
    demo.set_defaults(func=_demo)
