"""``nnpartition simulate``: Monte Carlo partitions of random points by random neurons."""

from __future__ import annotations

import argparse
import math

from ..simulation import MAX_DIMENSION, MAX_POINTS, MAX_TRIALS, MAX_UNITS, Summary, simulate_partition
from .common import SEED_RANGE, THREADS_HELP, choices, dumps, integer, progress_of, span


def _spread(s: Summary, fmt: str) -> str:
    """``mean +- std  (95% CI low .. high)``, or the mean alone where one trial gives no spread (NaN std).

    Example:
        >>> _spread(Summary(45.0, float("nan"), float("nan"), float("nan")), ".2f")
        '45.00 +- n/a  (95% CI n/a: one trial)'
    """
    if math.isnan(s.std):
        return f"{s.mean:{fmt}} +- n/a  (95% CI n/a: one trial)"
    return f"{s.mean:{fmt}} +- {s.std:{fmt}}  (95% CI {s.ci_low:{fmt}} .. {s.ci_high:{fmt}})"


def _simulate(args: argparse.Namespace) -> int:
    sim = simulate_partition(args.d, args.N, args.L, trials=args.trials, dist=args.dist, init=args.init,
                             seed=args.seed, threads=args.threads,
                             progress=progress_of(args))
    if args.json:
        print(dumps(sim.to_dict()))
        return 0
    r, a = sim.regions, sim.accuracy
    print(f"d={sim.d} N={sim.N} L={sim.L} dist={sim.dist} init={sim.init} trials={sim.trials} seed={sim.seed}")
    print(f"occupied regions : {_spread(r, '.2f')}")
    print(f"majority accuracy: {_spread(a, '.4f')}")
    print(f"points alone in their region: {sim.singleton_fraction:.4f}")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``simulate`` subcommand."""
    s = sub.add_parser("simulate", help="Monte Carlo partition of random points by random neurons",
                       description="Draw N random labelled points and L random hidden neurons per trial; report "
                                   "occupied regions and the majority-vote accuracy with 95% confidence intervals "
                                   "(Student's t, clipped to the values a trial can give; n/a for one trial).")
    s.add_argument("-d", type=integer, required=True, help=f"input dimension, {span(1, MAX_DIMENSION)}")
    s.add_argument("-N", type=integer, required=True, help=f"points per trial, {span(1, MAX_POINTS)}")
    s.add_argument("-L", type=integer, required=True, help=f"hidden neurons, {span(1, MAX_UNITS)}")
    s.add_argument("--trials", type=integer, default=100,
                   help=f"independent trials, {span(1, MAX_TRIALS)} (default 100)")
    s.add_argument("--dist", default="uniform", choices=choices("dist"), metavar="DIST",
                   help="points: uniform in [-1,1]^d or gaussian (alias gauss, normal; default uniform)")
    s.add_argument("--init", default="uniform", choices=choices("init"), metavar="INIT",
                   help="neurons: uniform U(+-1/sqrt(d)) or gaussian N(0, 1/d) (alias gauss, normal; default "
                        "uniform)")
    s.add_argument("--seed", type=integer, default=0, help=f"random seed, {SEED_RANGE} (default 0)")
    s.add_argument("--threads", type=integer, default=None, help=THREADS_HELP)
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    s.set_defaults(func=_simulate)
