"""``nnpartition explain-1d`` and ``nnpartition eas-capacity``: the figures of docs/construct.md and docs/sparse.md."""

from __future__ import annotations

import argparse
import json
from typing import Any, List, Tuple

import numpy as np

from ..construct import Explanation, explain_1d
from ..network import TwoLayerNet
from ..sparse import CapacityCurve, capacity_curve

from ..plotting import axes_for, file_figure, save_figure, save_or_explain
from .common import choices


def explain_1d_data(N: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """The demo data of ``explain-1d``: ``N`` points uniform on ``[-2, 2]``, label ``sin(3x) > 0``.

    Example:
        >>> X, y = explain_1d_data(5, 0)
        >>> X.shape, y.tolist()
        ((5, 1), [1, 0, 1, 1, 0])
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, N)
    return x[:, None], (np.sin(3 * x) > 0).astype(np.int64)


def plot_explain_1d(expl: Explanation, net: Any, X: np.ndarray, y: np.ndarray, *, ax: Any = None) -> Any:
    """Draw the trained network, its constructive spline, live and inert knots and the data on ``ax``
    (new pyplot axes if ``None``); returns the axes."""
    ax = axes_for(ax, figsize=(8, 4.5))
    lo, hi = expl.interval
    pad = 0.15 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, 1500)
    ax.axvspan(lo, hi, color="0.95", zorder=0)
    ax.plot(grid, net.decision_function(grid[:, None]), color="C0", lw=2.5, label=f"trained network (L = {expl.n_units})")
    ax.plot(expl.nodes, expl.values, "--o", color="C3", lw=1.3, ms=4,
            label=f"constructive spline on its {len(expl.nodes) - 2} live knots (sup diff {expl.sup_distance:.1e})")
    for t in expl.knots.merged_position:
        ax.axvline(t, color="C3", lw=0.6, alpha=0.5)
    inert = expl.knots.position[(expl.knots.status == "outside")]
    inert = inert[np.isfinite(inert) & (np.abs(inert - 0.5 * (lo + hi)) < 0.5 * (hi - lo) + pad)]
    ymin = ax.get_ylim()[0]
    ax.plot(inert, np.full(inert.shape, ymin), "x", color="0.4", ms=8, label="knots outside the data (inert)")
    ax.scatter(X[:, 0], np.where(y == 1, 1.0, -1.0) * 0.15 * np.ptp(expl.values), s=6,
               c=np.where(y == 1, "C2", "C1"), label="data (class 1 up, class 0 down)", zorder=3)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("x")
    ax.set_ylabel("logit")
    ax.set_title(f"1-D ReLU network = linear spline on its knots: {expl.sign_changes} sign changes "
                 f"of {expl.max_sign_changes} possible, labels need {expl.label_changes}", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_capacity(curve: CapacityCurve, *, ax: Any = None) -> Any:
    """Draw the separable fraction and the readout accuracy against ``N/m`` with Cover's curves on ``ax``
    (new pyplot axes if ``None``); returns the axes."""
    ax = axes_for(ax, figsize=(7, 4.5))
    a = curve.N / curve.m
    ax.plot(a, curve.cover, "-", color="0.6", lw=2, label=f"Cover: P(separable) in D = {curve.D}")
    if curve.cover_rank is not None:
        ax.plot(a, curve.cover_rank, "--", color="k", lw=1.5, label="Cover for the code's measured rank")
    what = "exactly separable (LP)" if curve.method == "exact" else f"fitted perfectly ({curve.method}, heuristic)"
    ax.plot(a, curve.separable_fraction, "o-", color="C0", label=f"fraction of trials {what}")
    ax.errorbar(a, curve.mean_accuracy, yerr=curve.std_accuracy, fmt="s--", color="C1", ms=4,
                label="mean training accuracy of the least-squares readout" if curve.method != "perceptron"
                else "mean training accuracy of the perceptron readout")
    if curve.trained_accuracy is not None:
        ax.plot(a, curve.trained_accuracy, "^-", color="C2", ms=4,
                label=f"trained d -> {curve.m} ReLU -> 1 network (same points)")
    if curve.estimated_accuracy is not None:
        ax.plot(a, curve.estimated_accuracy, ":", color="C2", label="estimate_accuracy for that network")
    ax.axvline(2.0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("N / m (points per code dimension)")
    ax.set_ylabel("probability / accuracy")
    k = "" if curve.k is None else f", k = {curve.k}"
    ax.set_title(f"expand-and-sparsify capacity: d = {curve.d}, m = {curve.m}{k}, {curve.sparsify}, "
                 f"separability: {'exact (LP)' if curve.method == 'exact' else curve.method + ' (heuristic)'}, "
                 f"{curve.trials} trials", fontsize=10)
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def _explain(args: argparse.Namespace) -> int:
    from ..training import train

    X, y = explain_1d_data(args.N, args.seed)
    res = train(X, y, args.L, steps=args.steps, restarts=args.restarts, seed=args.seed)
    net = res.network
    assert isinstance(net, TwoLayerNet)
    e = explain_1d(net, X, y)
    out = {
        "L": e.n_units, "N": args.N, "train_accuracy": e.accuracy, "live_units": e.live_units.tolist(),
        "live_knots": e.knots.merged_position.tolist(), "n_pieces": e.n_pieces, "sup_distance": e.sup_distance,
        "sign_changes": e.sign_changes, "max_sign_changes": e.max_sign_changes, "label_changes": e.label_changes,
        "zero_crossings": e.zero_crossings.tolist(), "change_points": e.change_points.tolist(),
        "knot_to_zero": e.knot_to_zero.tolist(), "zero_to_change": e.zero_to_change.tolist(),
        "knot_gap_fraction": e.knot_gap_fraction,
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(f"trained a 1-D ReLU network, L = {e.n_units}, on N = {args.N} points (label sin(3x) > 0)")
        print(e.summary())
        print("live knots: " + ", ".join(f"{t:.3f}" for t in e.knots.merged_position))
    if args.plot:
        def draw(path: str) -> None:
            fig = file_figure((8, 4.5))
            plot_explain_1d(e, net, X, y, ax=fig.add_subplot())
            fig.tight_layout()
            save_figure(fig, path)

        return save_or_explain(draw, args.plot, "explain-1d", quiet=args.json)
    return 0


def _n_list(text: str) -> List[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _capacity(args: argparse.Namespace) -> int:
    Ns = _n_list(args.N) if args.N else sorted({max(1, int(round(f * args.m))) for f in np.arange(0.25, 3.01, 0.25)})
    method = "exact" if args.exact else args.method
    c = capacity_curve(args.d, Ns, args.m, args.k, sparsify=args.sparsify, projection=args.projection,
                       trials=args.trials, method=method, max_epochs=args.max_epochs, seed=args.seed,
                       trained=args.trained)
    assert c.cover_rank is not None and c.mean_dead_units is not None and c.mean_zero_rows is not None
    assert c.mean_distinct_rows is not None
    if args.json:
        print(json.dumps({"d": c.d, "m": c.m, "k": c.k, "D": c.D, "sparsify": c.sparsify, "method": c.method,
                          "N": c.N.tolist(),
                          "mean_accuracy": c.mean_accuracy.tolist(), "separable_fraction": c.separable_fraction.tolist(),
                          "cover": c.cover.tolist(), "cover_rank": c.cover_rank.tolist(),
                          "mean_rank": c.mean_rank.tolist(), "mean_dead_units": c.mean_dead_units.tolist(),
                          "mean_zero_rows": c.mean_zero_rows.tolist(),
                          "mean_distinct_rows": c.mean_distinct_rows.tolist(),
                          "estimated_net_accuracy": None if c.estimated_accuracy is None
                          else c.estimated_accuracy.tolist(),
                          "trained_net_accuracy": None if c.trained_accuracy is None else c.trained_accuracy.tolist()}))
    else:
        how = "exact (LP)" if c.method == "exact" else f"{c.method} (heuristic: a lower bound)"
        print(f"d={c.d} m={c.m} k={c.k} sparsify={c.sparsify} projection={c.projection} "
              f"separability={how} trials={c.trials}")
        print(f"{'N':>6} {'N/m':>6} {'separable':>9} {'Cover(r)':>8} {'Cover(m)':>8} {'rank r':>7} {'dead':>6} "
              f"{'0-rows':>6} {'distinct':>8} {'accuracy':>9} {'net est.':>8} {'net trained':>11}")
        trained = c.trained_accuracy if c.trained_accuracy is not None else [float("nan")] * len(c.N)
        assert c.estimated_accuracy is not None
        for j, n in enumerate(c.N):
            print(f"{n:>6} {n / c.m:>6.2f} {c.separable_fraction[j]:>9.2f} {c.cover_rank[j]:>8.4f} "
                  f"{c.cover[j]:>8.4f} {c.mean_rank[j]:>7.1f} {c.mean_dead_units[j]:>6.1f} {c.mean_zero_rows[j]:>6.1f} "
                  f"{c.mean_distinct_rows[j]:>8.1f} {c.mean_accuracy[j]:>9.4f} {c.estimated_accuracy[j]:>8.4f} "
                  f"{trained[j]:>11.4f}")
        print("accuracy: training accuracy of the " + ("perceptron" if c.method == "perceptron" else "least-squares")
              + " readout; Cover(r): Cover's probability for the code's rank; dead: units that never fire; "
              "0-rows: points with an all-zero code; distinct: distinct code vectors")
    if args.plot:
        def draw(path: str) -> None:
            fig = file_figure((7, 4.5))
            plot_capacity(c, ax=fig.add_subplot())
            fig.tight_layout()
            save_figure(fig, path)

        return save_or_explain(draw, args.plot, "eas-capacity", quiet=args.json)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``explain-1d`` and ``eas-capacity`` subcommands."""
    p = sub.add_parser("explain-1d", help="train a 1-D ReLU network and read it as a linear spline",
                       description="Train a two-layer ReLU network on N points of [-2, 2] labelled sin(3x) > 0, "
                                   "then compare it with the constructive spline on its own live knots.")
    p.add_argument("-L", type=int, default=12, help="hidden units (default 12)")
    p.add_argument("-N", type=int, default=300, help="training points (default 300)")
    p.add_argument("--steps", type=int, default=3000, help="optimiser steps (default 3000)")
    p.add_argument("--restarts", type=int, default=1, help="training restarts (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--plot", metavar="PNG", default=None, help="write the figure here (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=_explain)

    c = sub.add_parser("eas-capacity", help="memorisation capacity of an expand-and-sparsify code vs Cover",
                       description="Fraction of random labelings that are linearly separable on an expand-and-sparsify "
                                   "code against N (exactly, by linear programming), with Cover's probability for the "
                                   "code's rank and for m dimensions, the code's rank, dead units and all-zero rows.")
    c.add_argument("-d", type=int, default=10, help="input dimension (default 10)")
    c.add_argument("-m", type=int, default=50, help="code dimension (default 50)")
    c.add_argument("-k", type=int, default=None, help="active units for topk/threshold (default m // 20)")
    c.add_argument("-N", default=None, help="comma-separated N values (default m/4 .. 3m in steps of m/4)")
    c.add_argument("--sparsify", default="relu", choices=choices("sparsify"),
                   help="topk, threshold or relu (default relu)")
    c.add_argument("--projection", default="gaussian", choices=choices("projection"),
                   help="gaussian or sparse_binary (default gaussian)")
    c.add_argument("--method", default="exact", choices=["exact", "perceptron", "lstsq"],
                   help="how separability is decided: exact (linear programming, needs scipy), or the heuristics "
                        "perceptron / lstsq (a perfect fit proves separability, a miss proves nothing; default exact)")
    c.add_argument("--exact", action="store_true", help="same as --method exact")
    c.add_argument("--max-epochs", type=int, default=2000, help="perceptron epochs (default 2000)")
    c.add_argument("--trials", type=int, default=20, help="trials per N (default 20)")
    c.add_argument("--trained", action="store_true",
                   help="also train a d -> m ReLU -> 1 network on every draw (slower)")
    c.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    c.add_argument("--plot", metavar="PNG", default=None, help="write the figure here (needs matplotlib)")
    c.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    c.set_defaults(func=_capacity)
