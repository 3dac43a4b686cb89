"""``nnpartition lowrank-demo``: the figure of docs/lowrank.md."""

from __future__ import annotations

import argparse
import math
from typing import Any, List

import numpy as np

from ..lowrank import LocalitySweep, locality_sweep
from ..lowrank.layer import MAX_FEATURES, MAX_SAMPLES, MAX_STEPS, MAX_VALUES
from ..plotting import require_matplotlib, write_figure
from .common import NEEDS_PLOT, SEED_RANGE, UsageError, bound, dumps, integer, progress_of, span

#: lowrank-demo's sampled pairs per joint by default (the library's `locality_sweep` draws 100,000).
SAMPLES = 10_000_000


def plot_lowrank(sw: LocalitySweep, *, axes: Any = None) -> Any:
    """Draw principal angles (with the spectral gap) and the loss gap against the locality epsilon on two
    axes (a new pyplot figure if ``None``); returns the axes."""
    if axes is None:
        _, axes = require_matplotlib().subplots(1, 2, figsize=(11, 4.3))
    fig = axes[0].figure
    eps = sw.epsilon
    ax = axes[0]
    ax.loglog(eps, sw.max_angle_features, "o-", label="features: span(Phi) vs top-k left singular vectors")
    ax.loglog(eps, sw.max_angle_weights, "s-", label="weights: span(Psi) vs top-k right singular vectors")
    ax.loglog(eps, 100 * sw.relative_error, "^--", label="100 x |Phi Psi^T - B_k|_F / |B_k|_F")
    ax.loglog(eps, 100 * sw.spectral_gap, "d:", color="0.3", label="100 x spectral gap s_k - s_k+1 of B")
    ax.set_xlabel("locality epsilon = max |P(y|x) - P(y)| / sqrt(P(y))")
    ax.set_ylabel("largest principal angle (degrees)")
    ax.set_title("trained softmax layer vs the SVD of B", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.loglog(eps, np.maximum(sw.loss_gap, 1e-16), "o-", label="|observed - predicted| log-loss")
    ax.loglog(eps, eps**3 * sw.loss_gap[-1] / eps[-1] ** 3, ":", color="0.5", label="slope 3 (o(eps^2) remainder)")
    ax.set_xlabel("locality epsilon")
    ax.set_ylabel("nats")
    ax.set_title("H(Y|X) + 1/2 |B - Phi Psi^T|^2 predicts the loss", fontsize=10)
    ax.legend(fontsize=7)
    src = f"{sw.samples} samples" if sw.samples else "the exact joint"
    fig.suptitle(f"|X| = {sw.n_x}, |Y| = {sw.n_y}, k = {sw.k}, trained on {src}, {sw.steps} Adam steps", fontsize=11)
    return axes


def rho_list(text: str) -> List[float]:
    """``--rho``'s comma-separated mixing weights, or a :class:`UsageError` naming ``--rho``.

    Example:
        >>> rho_list("1, 0.5,1e-2")
        [1.0, 0.5, 0.01]
        >>> rho_list("0.5,2")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --rho must be comma-separated numbers in [0, 1] (e.g. --rho 1,0.1,0.01),
        got '0.5,2'
        >>> rho_list("a,b")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --rho must be comma-separated numbers in [0, 1] (e.g. --rho 1,0.1,0.01),
        got 'a,b'
        >>> rho_list("0.5,,0.1")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --rho must be comma-separated numbers in [0, 1] (e.g. --rho 1,0.1,0.01),
        got '0.5,,0.1'
    """
    try:   # float refuses an empty item ("0.5,,0.1" was read as 0.5,0.1), as --widths and --shape refuse "16,,8"
        rhos = [float(t) for t in text.split(",")]
    except ValueError:
        rhos = []
    if not rhos or not all(0.0 <= r <= 1.0 for r in rhos):   # NaN fails too
        raise UsageError(f"--rho must be comma-separated numbers in [0, 1] (e.g. --rho 1,0.1,0.01), got {text!r}")
    return rhos


def _lowrank(args: argparse.Namespace) -> int:
    rhos = rho_list(args.rho)
    max_rank = min(args.nx, args.ny) - 1
    if args.nx >= 2 and args.ny >= 2 and not 1 <= args.k <= max_rank:
        # B has rank at most min(|X|, |Y|) - 1: past it the SVD comparison and the gap column mean nothing
        raise UsageError(f"-k must be between 1 and min(--nx, --ny) - 1 = {max_rank} (the largest rank of B "
                         f"with --nx {args.nx} --ny {args.ny}), got {args.k}")
    # a bar over the steps of all the runs (about a second of CPU with the defaults, ten with --steps 30000), on a
    # terminal once the work outlasts a second (_progress's policy); none with --no-progress or --json
    sw = locality_sweep(rhos, n_x=args.nx, n_y=args.ny, k=args.k, samples=args.samples, steps=args.steps,
                        seed=args.seed, progress=progress_of(args))
    if args.json:
        print(dumps({"n_x": sw.n_x, "n_y": sw.n_y, "k": sw.k, "samples": sw.samples, "steps": sw.steps,
                          "seed": sw.seed, "rho": sw.rho.tolist(),
                          "epsilon": sw.epsilon.tolist(),
                          "angles_features": [c.angles_features.tolist() for c in sw.comparisons],
                          "angles_weights": [c.angles_weights.tolist() for c in sw.comparisons],
                          "relative_error": sw.relative_error.tolist(), "spectral_gap": sw.spectral_gap.tolist(),
                          "observed_loss": [c.observed_loss for c in sw.comparisons],
                          "predicted_loss": [c.predicted_loss for c in sw.comparisons],
                          "svd_loss": [c.svd_loss for c in sw.comparisons]}))
    else:
        src = f"{sw.samples} samples" if sw.samples else "the exact joint"
        print(f"softmax layer |X|={sw.n_x} -> k={sw.k} -> |Y|={sw.n_y}, trained on {src}; "
              f"P = (1 - rho) P_x P_y + rho A")
        head = ["rho", "epsilon", "angle f", "angle v", "gap", "rel.err", "observed", "predicted", "SVD layer"]
        print(" ".join(f"{h:>10}" for h in head))
        def largest(angles: Any) -> float:   # no angles (rho = 0 on the exact joint: B = 0 has no subspace)
            return float(angles.max()) if angles.size else math.nan

        def cell(x: float, spec: str) -> str:
            if not math.isfinite(x):
                return f"{'n/a':>10}"
            text = f"{x:>10{spec}}"   # (a tiny negative loss of a degenerate joint printed as -0.000000)
            return f"{0.0:>10{spec}}" if float(text) == 0.0 else text

        for r, c in zip(sw.rho, sw.comparisons):
            left = (r, c.locality.epsilon, largest(c.angles_features), largest(c.angles_weights), c.spectral_gap,
                    c.relative_error)
            right = (c.observed_loss, c.predicted_loss, c.svd_loss)
            print(" ".join(cell(x, ".4g") for x in left) + " " + " ".join(cell(x, ".6f") for x in right))
        print("angles in degrees; gap: s_k - s_k+1 of B, the angles are only stable when it is large; losses in nats "
              "(observed: the trained layer; predicted: H(Y|X) + 1/2 |B - Phi Psi^T|^2; "
              "SVD layer: exact loss of the rank-k SVD solution)")
    if args.plot:
        return write_figure(args.plot, "lowrank-demo", (11, 4.3),
                            lambda fig: plot_lowrank(sw, axes=fig.subplots(1, 2)), quiet=args.json, dpi=110)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``lowrank-demo`` subcommand."""
    c = sub.add_parser("lowrank-demo", help="softmax layer vs the SVD of the Bayes matrix as locality grows",
                       description="Train one-hot -> k features -> softmax layers on samples of joints "
                                   "P = (1 - rho) P_x P_y + rho A and compare them with the rank-k SVD solution "
                                   "of B = (P - P_x P_y) / sqrt(P_x P_y). It prints the table once every rho is "
                                   "trained, with a progress bar over the steps meanwhile.")
    # each range is the check's own constant (test_the_counted_options_help_states_the_range_...)
    c.add_argument("--nx", type=integer, default=8, help=f"|X|, {span(2, MAX_VALUES)} (default 8)")
    c.add_argument("--ny", type=integer, default=6, help=f"|Y|, {span(2, MAX_VALUES)} (default 6)")
    c.add_argument("-k", type=integer, default=2,
                   help=f"feature dimension, 1 to min(--nx, --ny) - 1, the largest rank of B, and at most "
                        f"{bound(MAX_FEATURES)} (default 2)")
    c.add_argument("--rho", default="1,0.5,0.2,0.1,0.05,0.02,0.01",
                   help="comma-separated mixing weights (default 1,0.5,0.2,0.1,0.05,0.02,0.01)")
    c.add_argument("--samples", type=integer, default=SAMPLES,
                   help=f"sampled pairs per joint, {span(0, MAX_SAMPLES)}, 0 for the exact joint (default "
                        f"{bound(SAMPLES)})")
    c.add_argument("--steps", type=integer, default=3000, help=f"Adam steps, {span(1, MAX_STEPS)} (default 3000)")
    c.add_argument("--seed", type=integer, default=0, help=f"random seed, {SEED_RANGE} (default 0)")
    c.add_argument("--plot", metavar="PNG", default=None, help=f"write the figure here ({NEEDS_PLOT})")
    c.add_argument("--no-progress", action="store_true",
                   help="no progress bar (over the steps; by default shown past a second on a terminal)")
    c.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    c.set_defaults(func=_lowrank, python_names={"n_x": "nx", "n_y": "ny"})   # error messages name --nx, --ny
