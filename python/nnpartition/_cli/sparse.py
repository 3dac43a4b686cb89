"""``nnpartition eas-capacity``: memorisation capacity of an expand-and-sparsify code (docs/sparse.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, List

import numpy as np

from ..plotting import axes_for, write_figure
from ..sparse import CapacityCurve, capacity_curve
from ..sparse.capacity import DEFAULT_EPOCHS, MAX_CAPACITY_N, MAX_CAPACITY_SIZE, MAX_EPOCHS, _check_capacity_cost
from .common import NEEDS_PLOT, SEED_RANGE, UsageError, choices, dumps, integer, integer_list, progress_of, span


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


def _n_list(text: str) -> List[int]:
    """``-N``'s comma-separated point counts, read as ``--widths`` reads its list (:func:`integer_list`: ``1e3`` and
    ``2000.0`` too; ``-N 1e3`` was refused as not a whole number), or a :class:`UsageError` naming ``-N`` and the
    range (checked here: it is this command's own, :data:`MAX_CAPACITY_N`).

    Example:
        >>> _n_list("8, 16,32"), _n_list("1e2,2.5e2")
        ([8, 16, 32], [100, 250])
        >>> _n_list("0,16")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: -N must be comma-separated whole numbers from 1 to 10000000
        (e.g. -N 50,100,200), got '0,16'
        >>> _n_list("10,,20")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: -N must be comma-separated whole numbers from 1 to 10000000
        (e.g. -N 50,100,200), got '10,,20'
    """
    try:
        Ns = integer_list(text)   # an empty item ("10,,20") is refused as "10,abc" is
    except argparse.ArgumentTypeError:
        Ns = []
    if not Ns or not all(1 <= n <= MAX_CAPACITY_N for n in Ns):
        raise UsageError(f"-N must be comma-separated whole numbers from 1 to {MAX_CAPACITY_N} (e.g. -N 50,100,200), "
                         f"got {text!r}")
    return Ns


def _capacity(args: argparse.Namespace) -> int:
    if args.k is not None and args.sparsify == "relu":   # it was ignored, so -k -1 exited 0
        raise UsageError(f"-k {args.k} sets the active units of --sparsify topk or threshold; --sparsify relu (the "
                         "default) has no k: leave -k out or choose topk or threshold")
    # -N '' was read as no -N at all (the default list)
    Ns = _n_list(args.N) if args.N is not None else sorted({max(1, int(round(f * args.m)))
                                                           for f in np.arange(0.25, 3.01, 0.25)})
    if args.exact and args.method not in (None, "exact"):   # --method was silently ignored
        raise UsageError(f"--exact is --method exact; --method {args.method} asks for another: give one of them")
    method = "exact" if args.exact or args.method is None else args.method
    if args.epochs is not None and method != "perceptron":   # it was ignored
        raise UsageError(f"--epochs sets the perceptron's epochs; --method {method} has none: leave --epochs out or "
                         "choose --method perceptron")
    # the price's refusal in the command line's words (capacity_curve's said "use fewer or smaller N_values ...")
    # (the perceptron's; the other methods have none, and capacity_curve warns of epochs given to them)
    epochs = DEFAULT_EPOCHS if method != "perceptron" else 2000 if args.epochs is None else args.epochs
    # sizes capacity_curve refuses are refused by name there first
    if all(1 <= x <= MAX_CAPACITY_SIZE for x in (args.d, args.m, args.trials)) and 0 <= epochs <= MAX_EPOCHS:
        _check_capacity_cost(args.d, Ns, args.m, args.m, args.trials, method, epochs, args.trained,
                             words={"call": "eas-capacity", "N": "-N values", "trials": "--trials", "m": "-m",
                                    "trained": "--trained"})
    c = capacity_curve(args.d, Ns, args.m, args.k, sparsify=args.sparsify, projection=args.projection,
                       trials=args.trials, method=method, epochs=epochs, seed=args.seed,
                       trained=args.trained, progress=progress_of(args))
    assert c.cover_rank is not None and c.mean_dead_units is not None and c.mean_zero_rows is not None
    if c.m < c.d:   # allowed (a comparison someone may want), but not what the seed paper's codes do
        print(f"note: -m {c.m} < -d {c.d}: this code compresses the inputs; expand-and-sparsify codes usually "
              f"expand (m > d)", file=sys.stderr)
    assert c.mean_distinct_rows is not None
    if args.json:
        print(dumps({"d": c.d, "m": c.m, "k": c.k, "D": c.D, "sparsify": c.sparsify, "method": c.method,
                          "projection": c.projection, "trials": c.trials,
                          "epochs": epochs if method == "perceptron" else None, "trained": args.trained,
                          "seed": c.seed, "N": c.N.tolist(),
                          "mean_accuracy": c.mean_accuracy.tolist(),
                          "separable_fraction": c.separable_fraction.tolist(),
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
        trained = c.trained_accuracy   # the column only with --trained (it was a column of nan)
        print(f"{'N':>6} {'N/m':>6} {'separable':>9} {'Cover(r)':>8} {'Cover(m)':>8} {'rank r':>7} {'dead':>6} "
              f"{'0-rows':>6} {'distinct':>8} {'accuracy':>9} {'net est.':>8}"
              + (f" {'net trained':>11}" if trained is not None else ""))
        assert c.estimated_accuracy is not None
        for j, n in enumerate(c.N):
            print(f"{n:>6} {n / c.m:>6.2f} {c.separable_fraction[j]:>9.2f} {c.cover_rank[j]:>8.4f} "
                  f"{c.cover[j]:>8.4f} {c.mean_rank[j]:>7.1f} {c.mean_dead_units[j]:>6.1f} {c.mean_zero_rows[j]:>6.1f} "
                  f"{c.mean_distinct_rows[j]:>8.1f} {c.mean_accuracy[j]:>9.4f} {c.estimated_accuracy[j]:>8.4f}"
                  + (f" {trained[j]:>11.4f}" if trained is not None else ""))
        print("accuracy: training accuracy of the " + ("perceptron" if c.method == "perceptron" else "least-squares")
              + " readout; Cover(r): Cover's probability for the code's rank; dead: units that never fire; "
              "0-rows: points with an all-zero code; distinct: distinct code vectors; net est.: "
              "nnpartition.estimate_accuracy for a trained d -> m -> 1 ReLU network on N Gaussian points (an "
              "extrapolation below 50 points)" + ("; net trained: that network trained" if trained is not None else ""))
    if args.plot:
        return write_figure(args.plot, "eas-capacity", (7, 4.5),
                            lambda fig: plot_capacity(c, ax=fig.add_subplot()), quiet=args.json)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``eas-capacity`` subcommand."""
    c = sub.add_parser("eas-capacity", help="memorisation capacity of an expand-and-sparsify code vs Cover",
                       description="Fraction of random labelings that are linearly separable on an expand-and-sparsify "
                                   "code against N (exactly, by linear programming), with Cover's probability for the "
                                   "code's rank and for m dimensions, the code's rank, dead units and all-zero rows.")
    # each range is the check's own constant (test_the_counted_options_help_states_the_range_...)
    c.add_argument("-d", type=integer, default=10, help=f"input dimension, {span(1, MAX_CAPACITY_SIZE)} (default 10)")
    c.add_argument("-m", type=integer, default=50,
                   help=f"code dimension, {span(1, MAX_CAPACITY_SIZE)}, usually > d (below d it runs, with a note) "
                        "(default 50)")
    c.add_argument("-k", type=integer, default=None,
                   help="active units for topk/threshold, 1 to m (default max(1, m // 20), 5%%); refused with relu, "
                        "which has none")
    c.add_argument("-N", default=None, help=f"comma-separated N values, each {span(1, MAX_CAPACITY_N)} (default "
                   "m/4 .. 3m in steps of m/4)")
    c.add_argument("--sparsify", default="relu", choices=choices("sparsify"),
                   help="topk, threshold or relu (default relu)")
    c.add_argument("--projection", default="gaussian", choices=choices("projection"),
                   help="gaussian or sparse_binary (default gaussian)")
    c.add_argument("--method", default=None, choices=["exact", "perceptron", "lstsq"],
                   help="how separability is decided: exact (linear programming, needs scipy), or the heuristics "
                        "perceptron / lstsq (a perfect fit proves separability, a miss proves nothing; default exact)")
    c.add_argument("--exact", action="store_true", help="same as --method exact")
    c.add_argument("--epochs", type=integer, default=None,
                   help=f"perceptron epochs, {span(0, MAX_EPOCHS)} (default 2000; with --method perceptron only)")
    c.add_argument("--trials", type=integer, default=20,
                   help=f"trials per N, {span(1, MAX_CAPACITY_SIZE)} (default 20)")
    c.add_argument("--trained", action="store_true",
                   help="also train a d -> m ReLU -> 1 network on every draw (slower)")
    c.add_argument("--seed", type=integer, default=0, help=f"random seed, {SEED_RANGE} (default 0)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.add_argument("--plot", metavar="PNG", default=None, help=f"write the figure here ({NEEDS_PLOT})")
    c.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    c.set_defaults(func=_capacity)
