"""``nnpartition explain-1d``: a trained 1-D ReLU network read as a linear spline (docs/construct.md)."""

from __future__ import annotations

import argparse
from typing import Any, Tuple

import numpy as np

from ..construct import Explanation, explain_1d
from ..limits import _check_bytes
from ..network import TwoLayerNet
from ..plotting import axes_for, write_figure
from ..training import MAX_ACTIVATIONS, MAX_RESTARTS, TRAIN_MAX_STEPS, train
from .common import NEEDS_PLOT, SEED_RANGE, UsageError, bound, dumps, integer, progress_of, span

#: The fewest points and hidden units of ``explain-1d`` (a spline needs two distinct points); above, ``N x L`` is at
#: most the trainer's ``MAX_ACTIVATIONS`` (the command trains on all N points at once).
MIN_POINTS, MIN_UNITS = 2, 1


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
    (new pyplot axes if ``None``); returns the axes. The key, below the axes, lists only what is drawn; the points
    have the classes' colours of the partition pictures and the explorer (blue 1, orange 0)."""
    from ..pictures import POINT_COLOURS

    ax = axes_for(ax, figsize=(8, 4.5))
    lo, hi = expl.interval
    pad = 0.15 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, 1500)
    ax.axvspan(lo, hi, color="0.95", zorder=0, label="the data's interval")
    ax.plot(grid, net.decision_function(grid[:, None]), color="0.2", lw=2.5,
            label=f"trained network (L = {expl.n_units})")
    ax.plot(expl.nodes, expl.values, "--o", color="C3", lw=1.3, ms=4,
            label=f"constructive spline on its {len(expl.nodes) - 2} live knots (sup diff {expl.sup_distance:.1e})")
    for k, t in enumerate(expl.knots.merged_position):   # (one entry in the key for them all)
        ax.axvline(t, color="C3", lw=0.6, alpha=0.5, label="knots: where a unit bends the network" if k == 0 else None)
    inert = expl.knots.position[(expl.knots.status == "outside")]
    inert = inert[np.isfinite(inert) & (np.abs(inert - 0.5 * (lo + hi)) < 0.5 * (hi - lo) + pad)]
    if inert.size:   # only what is drawn has an entry
        ymin = ax.get_ylim()[0]
        ax.plot(inert, np.full(inert.shape, ymin), "x", color="0.4", ms=8, label="knots outside the data (inert)")
    height = 0.15 * np.ptp(expl.values)
    for cls, side in ((1, "above"), (0, "below")):
        x = X[y == cls, 0]
        if x.size:
            ax.scatter(x, np.full(x.shape, height if cls == 1 else -height), s=6, c=POINT_COLOURS[cls],
                       label=f"data of class {cls} (drawn {side} 0)", zorder=3)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("x")
    ax.set_ylabel("logit")
    ax.set_title(f"1-D ReLU network = linear spline on its knots: {expl.sign_changes} sign changes "
                 f"of {expl.max_sign_changes} possible, labels need {expl.label_changes}", fontsize=10)
    # below the axes: inside them it covered the curve (the network's largest logits are at the window's edges)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    return ax


def check_sizes(N: int, L: int) -> None:
    """``explain-1d``'s ``-N`` and ``-L`` against what the command can do, before any data is drawn: at least two
    points, and a full batch of ``N x L`` activations within the trainer's limit (the command has no minibatches).

    Example:
        >>> check_sizes(300, 12)
        >>> check_sizes(10**8, 12)
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: -N 100000000 with -L 12: explain-1d trains on all N points at once, and
        N x L = 1200000000 activations is above the trainer's limit of 1073741824; use -N <= 89478485 (or a smaller -L)
    """
    if L < MIN_UNITS:
        raise UsageError(f"-L must be >= {MIN_UNITS} (hidden units), got {L}")
    if N < MIN_POINTS:
        raise UsageError(f"-N must be >= {MIN_POINTS} (the spline needs two distinct points), got {N}")
    if N * L > MAX_ACTIVATIONS:
        # (-L 1e9 was told "use -N <= 1", which the check above refuses)
        fix = (f"use -N <= {MAX_ACTIVATIONS // L} (or a smaller -L)" if MAX_ACTIVATIONS // L >= MIN_POINTS else
               f"use -L <= {MAX_ACTIVATIONS // N}" if MAX_ACTIVATIONS // N >= MIN_UNITS else
               "use a smaller -N and -L")
        raise UsageError(f"-N {N} with -L {L}: explain-1d trains on all N points at once, and N x L = {N * L} "
                         f"activations is above the trainer's limit of {MAX_ACTIVATIONS}; {fix}")
    try:   # the data (six float64 a point), and per point and unit the trainer's 12 bytes and the explanation's two
        # float64 (measured: 2.5 GB at -N 10**7 -L 12, this says 3.8)
        _check_bytes(f"explain-1d on -N {N} points with -L {L} units", N * (48.0 + 28.0 * L), "use a smaller -N or -L")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _explain(args: argparse.Namespace) -> int:

    check_sizes(args.N, args.L)
    X, y = explain_1d_data(args.N, args.seed)
    # train's bar on stderr over the steps of all restarts, as plot-partition's (--steps 20000 -N 3000 -L 64 trained
    # 7 s in silence); progress=None: only on a terminal, after a second
    res = train(X, y, widths=[args.L], restarts=args.restarts, seed=args.seed, steps=args.steps,
                progress=progress_of(args))
    net = res.network
    assert isinstance(net, TwoLayerNet)
    e = explain_1d(net, X, y)
    out = {
        "L": e.n_units, "N": args.N, "steps": args.steps, "restarts": args.restarts, "seed": args.seed,
        "train_accuracy": e.accuracy, "live_units": e.live_units.tolist(),
        "live_knots": e.knots.merged_position.tolist(), "n_pieces": e.n_pieces, "sup_distance": e.sup_distance,
        "sign_changes": e.sign_changes, "max_sign_changes": e.max_sign_changes, "label_changes": e.label_changes,
        "zero_crossings": e.zero_crossings.tolist(), "change_points": e.change_points.tolist(),
        "knot_to_zero": e.knot_to_zero.tolist(), "zero_to_change": e.zero_to_change.tolist(),
        "knot_gap_fraction": e.knot_gap_fraction,
    }
    if args.json:
        print(dumps(out))
    else:
        print(f"trained a 1-D ReLU network, L = {e.n_units}, on N = {args.N} points (label sin(3x) > 0)")
        print(e.summary())
        print("live knots: " + (", ".join(f"{t:.3f}" for t in e.knots.merged_position) or "none"))
    if args.plot:
        return write_figure(args.plot, "explain-1d", (8, 4.5),
                            lambda fig: plot_explain_1d(e, net, X, y, ax=fig.add_subplot()), quiet=args.json)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``explain-1d`` subcommand."""
    p = sub.add_parser("explain-1d", help="train a 1-D ReLU network and read it as a linear spline",
                       description="Train a two-layer ReLU network on N points of [-2, 2] labelled sin(3x) > 0, "
                                   "then compare it with the constructive spline on its own live knots.")
    # -N and -L: check_sizes' (test_explain_1ds_help_states_the_sizes_it_refuses_outside_of); --steps, --restarts:
    # train()'s
    both = f"with N x L at most {bound(MAX_ACTIVATIONS)}, the trainer's limit (it trains on all N points at once)"
    p.add_argument("-L", type=integer, default=12, help=f"hidden units, {MIN_UNITS} or more, {both} (default 12)")
    p.add_argument("-N", type=integer, default=300, help=f"training points, {MIN_POINTS} or more, {both} (default 300)")
    p.add_argument("--steps", type=integer, default=3000,
                   help=f"optimiser steps, {span(1, TRAIN_MAX_STEPS)} (default 3000)")
    p.add_argument("--restarts", type=integer, default=1,
                   help=f"training restarts, {span(1, MAX_RESTARTS)} (default 1)")
    p.add_argument("--seed", type=integer, default=0, help=f"random seed, {SEED_RANGE} (default 0)")
    p.add_argument("--plot", metavar="PNG", default=None, help=f"write the figure here ({NEEDS_PLOT})")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while training")
    p.set_defaults(func=_explain)
