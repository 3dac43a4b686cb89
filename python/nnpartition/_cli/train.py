"""``nnpartition train``: the reference protocol's real training accuracy."""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any, Dict

from ..training import (_DIVERGED_RUNS, MAX_DATASETS, MAX_DIMENSION, MAX_POINTS, MAX_WIDTH, AccuracyMeasurement,
                        real_accuracy)
from .common import (SEED_RANGE, THREADS_HELP, WidthsAction, choices, dumps, integer, progress_of, span,
                     widths_word)
from .protocol_options import add_protocol_arguments, describe_protocol, protocol_from_args


def _estimate_beside(m: AccuracyMeasurement) -> Dict[str, Any]:
    """The estimate of the same training beside the measurement (``validation._estimate_of``, as a row of
    ``validate`` has it): its accuracy, band, whether the measured mean lies in the band and whether the question
    lies in the validated range."""
    from ..validation import _estimate_of

    e, outside = _estimate_of(m)
    return {"accuracy": e.accuracy, "low": e.low, "high": e.high, "inside_band": bool(e.low <= m.mean <= e.high),
            "inside_range": not outside, "outside_range": outside}


def _outside_options(outside: str, deep: bool) -> str:
    """The parameters a validation row's ``outside_range`` names (``"N, adam lr, steps"``) as ``train``'s options
    spell them (``-N, --lr, --steps``): its line said only "outside the estimator's validated range", not where.

    Example:
        >>> _outside_options("N, adam lr, batch_size", False), _outside_options("depth, L", True)
        ('-N, --lr, --batch-size', '--widths')
    """
    names = {"d": "-d", "N": "-N", "L": "--widths" if deep else "-L", "depth": "--widths", "steps": "--steps",
             "restarts": "--restarts", "batch_size": "--batch-size"}
    out = [names.get(k, "--lr" if k.endswith(" lr") else k) for k in outside.split(", ")]
    return ", ".join(dict.fromkeys(out))


def _train(args: argparse.Namespace) -> int:
    size = f"L={args.L}" if args.L is not None else f"widths={args.widths}"
    start = time.perf_counter()
    with warnings.catch_warnings():   # diverged runs: the output reports them (a line, and "diverged" in JSON)
        warnings.filterwarnings("ignore", _DIVERGED_RUNS, RuntimeWarning)
        # real_accuracy's own bar, over the steps of all the runs (the datasets train in parallel)
        m = real_accuracy(args.d, args.N, args.L, widths=args.widths, dist=args.dist, datasets=args.datasets,
                          protocol=protocol_from_args(args), seed=args.seed, threads=args.threads,
                          progress=progress_of(args))
    seconds = time.perf_counter() - start
    one = len(m.per_dataset) == 1   # no spread to estimate from one dataset (real_accuracy's std is NaN)
    est = _estimate_beside(m)
    if args.json:
        out = m.to_dict()
        if one:
            out["std"] = None
        out["seconds"] = round(seconds, 3)
        out["estimate"] = est
        print(dumps(out))
        return 0
    print(f"d={m.d} N={m.N} {size} dist={m.dist} datasets={len(m.per_dataset)} restarts={m.restarts} seed={m.seed}")
    print(f"protocol: {describe_protocol(m.protocol, m.N)}")
    spread = "n/a (one dataset)" if one else f"{m.std:.4f}"
    print(f"training accuracy: {m.mean:.4f} +- {spread}  (per dataset: "
          + ", ".join(f"{a:.4f}" for a in m.per_dataset) + f")  {seconds:.1f}s")
    where = "inside" if est["inside_band"] else "outside"
    print(f"estimate without training: {est['accuracy']:.4f} (90% band {est['low']:.4f} .. {est['high']:.4f}); the "
          f"measured mean is {m.mean - est['accuracy']:+.4f} from it, {where} the band"
          + ("" if est["inside_range"] else f" (outside the estimator's validated range in "
                                             f"{_outside_options(est['outside_range'], args.widths is not None)}: an "
                                             f"extrapolation)"))
    if m.diverged:
        print(f"diverged: {m.diverged} of {len(m.per_dataset) * m.restarts} runs (each counted with its reads "
              f"before the divergence; a smaller --lr trains stably)")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``train`` subcommand."""
    p = sub.add_parser(
        "train", help="real training accuracy of ReLU networks on random labels under a protocol",
        description="Train d -> L ReLU -> 1 (or deeper) networks on random two-class datasets under a training "
                    "protocol (default: the reference protocol, full-batch Adam, lr 0.02 cosine-annealed to 2e-4 "
                    "over 4000 steps, best of 2) with accuracy read every 20 steps, and print the best training "
                    "accuracy, mean +- std over datasets (n/a, and null in --json, for one dataset), and beside it "
                    "the estimate of the same training without training (nnpartition estimate).")
    p.add_argument("-d", type=integer, required=True, help=f"input dimension, {span(1, MAX_DIMENSION)}")
    p.add_argument("-N", type=integer, required=True, help=f"points per dataset, {span(1, MAX_POINTS)}")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("-L", type=integer, default=None,
                      help=f"hidden neurons of a two-layer network, {span(1, MAX_WIDTH)}")
    size.add_argument("--widths", type=widths_word, nargs="+", action=WidthsAction, default=None,
                      help=f"hidden widths of a deeper network (16 8 or 16,8), each {span(1, MAX_WIDTH)}")
    p.add_argument("--dist", default="uniform", choices=choices("dist"), metavar="DIST",
                   help="points: uniform in [-1,1]^d or gaussian (alias gauss, normal; default uniform)")
    p.add_argument("--datasets", type=integer, default=3,
                   help=f"independent datasets, {span(1, MAX_DATASETS)} (default 3)")
    p.add_argument("--seed", type=integer, default=0, help=f"random seed, {SEED_RANGE} (default 0)")
    add_protocol_arguments(p)
    p.add_argument("--threads", type=integer, default=None, help=THREADS_HELP)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=_train)
