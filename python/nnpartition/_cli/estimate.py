"""``nnpartition estimate``, ``size``, ``validate`` and ``demo``."""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from typing import Any, Callable, Dict, List, Optional

from .. import _core
from ..plotting import save_or_explain
from ..training import Protocol, _DIVERGED_RUNS
from .common import (NEEDS_PLOT, SEED_RANGE, UsageError, WidthsAction, bound, choices, dumps, integer, progress_of,
                     ratios_word, span, widths_word, writing)
from .protocol_options import (_warnings_to_stderr, add_protocol_arguments, describe_protocol, protocol_from_args,
                               protocol_given)

DEMO_CONFIGS: List[Dict[str, Any]] = [
    dict(dist="uniform", d=1, N=100, L=256, part="heldout"),
    dict(dist="uniform", d=2, N=1000, L=16, part="heldout"),
    dict(dist="uniform", d=5, N=300, L=8, part="heldout"),
    dict(dist="gaussian", d=10, N=1000, L=32, part="heldout"),
    dict(dist="uniform", d=20, N=1000, L=4, part="heldout"),
    dict(dist="uniform", d=50, N=3000, L=4, part="heldout"),
]

#: The demo's last lines: what its columns mean, then the commands a new user runs next (each parses:
#: tests/test_cli.py).
DEMO_NEXT = (
    "(real: the mean over the datasets, +-std their spread; error = estimate - real; 90% band: meant to hold",
    " the real accuracy for at least 90% of questions; ceiling: the most any such network can reach, a counting bound)",
    "Next, your own question: `nnpartition estimate -d 10 -N 1000 -L 32` (your training: --optimizer, --lr, --steps,",
    " --batch-size, --schedule, --restarts); how wide for 99%: `nnpartition size -d 10 -N 1000 --target 0.99`;",
    " more checks: `nnpartition validate --protocol-grid`; how far to trust an answer: docs/estimate.md",
)

#: Datasets the demo trains on for each configuration.
DEMO_DATASETS = 3


def fmt(x: float, digits: int) -> str:
    """``x`` with ``digits`` decimals, or in scientific notation when that would print nonsense: from a million up
    (a load of 1e300 printed 300 digits) or below 0.01 (a K of 1e-297 printed 0.0).

    Example:
        >>> fmt(2.5, 2), fmt(1e300, 2), fmt(3e-297, 1), fmt(0.0, 1), fmt(float("inf"), 2)
        ('2.50', '1e+300', '3e-297', '0.0', 'inf')
        >>> fmt(999999.0, 1), fmt(1e6, 1), fmt(0.01, 3), fmt(0.00999, 3)    # the two edges
        ('999999.0', '1e+06', '0.010', '0.00999')
    """
    if x == 0 or not math.isfinite(x) or 0.01 <= abs(x) < 1e6:
        return f"{x:.{digits}f}"
    return f"{x:.3g}"


def _estimate(args: argparse.Namespace) -> int:
    from ..estimate import estimate_accuracy, heldout_errors
    from ..estimate.accuracy import MC_SEED, MC_TRIALS, _outside_range

    proto = protocol_from_args(args)
    for option, value in (("--trials", args.trials), ("--seed", args.seed)):
        if value is not None and (args.method != "monte_carlo" or args.widths):
            # the analytic method draws nothing: the option would be ignored without a word
            raise UsageError(f"{option} applies only with --method monte_carlo and -L (the Monte Carlo partition); "
                             f"the analytic estimate draws nothing")
    if args.widths and args.method == "monte_carlo":   # the library's words were method='analytic'
        raise UsageError("--method monte_carlo supports one hidden layer (-L); use --method analytic (the default) "
                         "with --widths")
    with _warnings_to_stderr(args, sizes=True):
        if args.widths:
            e = estimate_accuracy(args.d, args.N, widths=args.widths, dist=args.dist, method=args.method,
                                  protocol=proto)
        else:
            if args.L is None:
                raise ValueError("give -L (hidden units) or --widths L1 L2 ...")
            e = estimate_accuracy(args.d, args.N, args.L, dist=args.dist, method=args.method, protocol=proto,
                                  trials=MC_TRIALS if args.trials is None else args.trials,
                                  seed=MC_SEED if args.seed is None else args.seed,
                                  progress=progress_of(args))
    # how far the estimate was off on held-out measurements like this question (the analytic estimate's, which
    # the regions were measured for; the Monte Carlo method has no such table)
    # (none at N <= d + 1 points, where any labelling fits and the estimate is exact)
    held = (heldout_errors(args.d, args.N, args.L, widths=args.widths or None, protocol=proto)
            if e.method == "analytic" and args.N > args.d + 1 else None)
    if args.json:
        # the question beside its answer (the estimate's to_dict() leads with it: d, N, widths, dist, protocol), as
        # size, train and simulate print theirs, and whether it lies in the validated range, as train's "estimate"
        # says (the warning went to stderr, and the Monte Carlo method's JSON, which has no held-out errors, said
        # it nowhere)
        outside = _outside_range(args.d, args.N, list(args.widths) if args.widths else [args.L], proto)
        out = {**e.to_dict(), "inside_range": not outside, "outside_range": outside}
        # present always, null where there are none (N <= d + 1, Monte Carlo): a script need not test for the key
        out["heldout_errors"] = None if held is None else held.to_dict()
        print(dumps(out))
        return 0
    size = f"widths={args.widths}" if args.widths else f"L={args.L}"
    print(f"d={args.d} N={args.N} {size} dist={e.details.dist} method={e.method}")
    print(f"protocol: {describe_protocol(proto, args.N)}")
    if e.method == "monte_carlo":
        lo, hi = e.details["ci95"]
        trials = e.details["trials"]
        # one trial has no spread: its "interval" was printed as a point (0.7179 .. 0.7179); simulate says n/a
        ci = f"{lo:.4f} .. {hi:.4f}" if trials > 1 else "n/a (one trial)"
        widened = "widened to the trials' 95% CI of the mean" if trials > 1 else "one trial: no CI to widen it by"
        print(f"estimated training accuracy: {e.accuracy:.4f}   (band {e.low:.4f} .. {e.high:.4f}: the 90% band, "
              f"{widened})")
        print(f"Monte Carlo: {trials} trial{'s' if trials > 1 else ''} (seed {e.seed}), 95% CI of the mean {ci}, "
              f"occupied regions {e.details['occupied_regions']:.1f}, majority accuracy "
              f"{e.details['majority_accuracy']:.4f}")
    else:
        print(f"estimated training accuracy: {e.accuracy:.4f}   (90% band {e.low:.4f} .. {e.high:.4f})")
    print(f"ceiling (best any such network can reach): {e.ceiling:.4f}")
    if "k_eff" in e.details:
        print(f"effective dimension K = {fmt(e.details['k_eff'], 1)}, load N/K = {fmt(e.details['load'], 2)}, "
              f"training budget {e.details.get('budget', 1.0):.3g} x the reference")
    if "correction" in e.details and math.isfinite(e.details["correction"]):
        # N <= d + 1 points admit every labelling: the core raises the estimate to that floor (1 for one point, the
        # dead zone's miss otherwise) and counts the step in the correction, which no fit then decided alone
        what = ("correction (the fit, and the floor of N <= d + 1 points, any labelling of which a network fits "
                "but for dead units)" if args.N <= args.d + 1 else "fitted correction")
        print(f"analytic model alone {e.details['uncorrected']:.4f}, {what} "
              f"{e.details['correction']:+.4f} (docs/theory.md)")
    if held is not None:
        print(f"held-out questions like this one: {held.describe()}")
    elif e.method == "monte_carlo" and args.N > args.d + 1:
        # the analytic line's trust figure is not this method's, whose errors are larger
        print("held-out errors: none for monte_carlo (they were measured for the analytic method, the default; this "
              "method is a check of the partition term, biased low in d <= 3: docs/theory.md)")
    return 0


#: ``size --max-n``'s default and largest value: :func:`~nnpartition.max_samples`'s ``max_n``.
MAX_N = 10**9
#: ``size --max-width``'s default and largest value: :func:`~nnpartition.required_width`'s ``max_width``.
MAX_WIDTH = 1 << 20


def _size(args: argparse.Namespace) -> int:
    from ..estimate import heldout_errors, max_samples, required_width
    from ..estimate.accuracy import _outside_range

    if (args.N is None) == (args.L is None and not args.widths):
        raise ValueError("give -N (how wide must the network be?) or -L/--widths (how many points can it fit?)")
    if args.N is not None and args.max_n is not None:   # it was silently ignored: the width search has no N to bound
        raise UsageError("--max-n applies only with -L/--widths (the largest N searched); with -N the question is "
                         "the width, and no N is searched")
    if args.N is None and args.layers is not None:   # -L/--widths give the depth themselves
        raise UsageError("--layers applies only with -N (the hidden layers of the width searched, each that wide); "
                         "with -L/--widths the network is given: for several hidden layers pass --widths L1 L2 ...")
    if args.N is None and args.shape is not None:   # -L/--widths give the widths themselves
        raise UsageError("--shape applies only with -N (the hidden widths as multiples of the width searched); "
                         "with -L/--widths the network is given: for several hidden layers pass --widths L1 L2 ...")
    # (within --layers' range only, which required_width's check names: --layers 0 read "disagree", and --layers
    # 10^11 built a list of 10^11 ones to compare with, a MemoryError, until a review in the sixty-sixth pass)
    if args.layers is not None and args.shape is not None and 1 <= args.layers <= _core.MAX_LAYERS and \
            (len(args.shape) != args.layers or any(x != 1.0 for x in args.shape)):
        # required_width's own refusal spoke Python ("layers=2 and shape=(1.0, 0.5) disagree")
        shape = " ".join(f"{x:g}" for x in args.shape)
        raise UsageError(f"--layers {args.layers} and --shape {shape} disagree: --layers K is --shape of K ones (K "
                         f"hidden layers of L units each); for unequal widths give --shape alone")
    if args.N is None and args.max_width is not None:   # the samples search has no width to bound
        raise UsageError("--max-width applies only with -N (the largest width searched); with -L/--widths the "
                         "question is the number of points, and no width is searched")
    if args.max_n is not None and not 1 <= args.max_n <= MAX_N:
        raise UsageError(f"--max-n must be between 1 and {MAX_N} ({bound(MAX_N)}), got {args.max_n}")
    if args.max_width is not None and not 1 <= args.max_width <= MAX_WIDTH:
        raise UsageError(f"--max-width must be between 1 and {MAX_WIDTH} ({bound(MAX_WIDTH)}), got {args.max_width}")
    max_n = MAX_N if args.max_n is None else args.max_n
    max_width = MAX_WIDTH if args.max_width is None else args.max_width
    proto = protocol_from_args(args)
    with _warnings_to_stderr(args, sizes=True):
        if args.N is not None:
            a: Any = required_width(args.d, args.N, args.target, layers=args.layers, shape=args.shape,
                                    dist=args.dist, protocol=proto, max_width=max_width)
        else:
            a = max_samples(args.d, args.L, args.target, widths=args.widths, dist=args.dist, protocol=proto,
                            max_n=max_n)
    # how far the estimate was off on held-out questions like the answer (none when nothing reaches the target, and
    # none at N <= d + 1 points, where any labelling fits and the estimate is exact: estimate prints none there)
    if args.N is not None:
        held = (None if a.L is None or args.N <= args.d + 1
                else heldout_errors(args.d, args.N, widths=list(a.widths), protocol=proto))
        where = f"at L = {a.L}" if a.layers == 1 else f"at widths = {list(a.widths or ())}"
    else:
        held = None if a.N <= args.d + 1 else heldout_errors(args.d, a.N, widths=list(a.widths), protocol=proto)
        where = f"at N = {a.N}" + (", the search's limit" if a.N >= max_n else "")
    # why an answer is missing (the text's explanations; the JSON's "notes", which gave none)
    notes: List[str] = []
    if args.N is not None:
        # the band's lower edge is at least one point (1/N) below an estimate below 1: at N <= 1/(1 - target) points
        # it never reaches the target (the core's test: the float 1 - 1/N at most the target)
        point_bound = 1.0 - 1.0 / args.N <= args.target
        missed = a.L is None or a.L_optimistic is None or (a.L_safe is None and not point_bound)
        widest = _unreached(args, proto, max_width, list(a.widths_at(max_width))) if missed else ""
        if a.L_safe is None and point_bound:
            notes.append(f"no safe width: the band always allows one of the {args.N} points to be missed "
                         f"(1/N >= 1 - target)")
        if widest:
            notes.append(widest)
    else:
        if not a.N_safe:
            notes.append(f"no safe N: the band's lower edge reaches the target at no N up to {max_n}")
        if a.N <= 1:
            notes.append(_dead_zone_floor(args, proto, list(a.widths)))
    if args.json:
        # with the search's limit, max_n (an answer equal to it reads "at least": the JSON gave N = 100 for --max-n
        # 100 with nothing to tell it from a plain 100) or max_width (an answer null reads "not up to it")
        out = a.to_dict()
        # whether the answer lies in the validated range, as estimate's and train's JSON say it (null with no
        # answer), and its held-out errors (null where there are none: no answer, or N <= d + 1)
        if args.N is not None:
            answer = None if a.L is None else (args.N, list(a.widths))
        else:
            answer = None if not a.N else (a.N, list(a.widths))
        outside = None if answer is None else _outside_range(args.d, answer[0], answer[1], proto)
        out["inside_range"] = None if outside is None else not outside
        out["outside_range"] = outside
        out["heldout_errors"] = None if held is None else held.to_dict()
        out["notes"] = notes
        print(dumps(out))
        return 0
    # the target as given, as the lines below print it (:g printed "target=1" for 0.9999999)
    # (with -N, a --batch-size of at least N is a full batch; with -L the answer's N varies)
    described = proto.describe() if args.N is None else describe_protocol(proto, args.N)
    print(f"d={args.d} target={args.target} dist={a.dist}; protocol: {described}")
    if args.N is not None:
        k = a.layers
        equal = all(r == 1.0 for r in a.shape)

        def width(x: Optional[int], safe: bool = False) -> str:
            if x is not None:
                if k == 1:
                    return f"L = {x}"
                if equal:
                    return f"L = {x} ({k} hidden layers of {x} units)"
                return f"L = {x} (widths {list(a.widths_at(x) or ())})"
            if safe and point_bound:
                return (f"none (the band always allows one of the {args.N} points to be missed: "
                        f"1/N >= 1 - target)")
            return f"not reached within the widths searched (up to L = {max_width}, the search's limit)"
        network = ("two-layer width" if k == 1 else f"width of {k} hidden layers, each that wide," if equal
                   else f"first-layer width of the shape {list(a.shape)}")
        print(f"N={args.N}: smallest {network} whose estimate reaches {args.target}: {width(a.L)}")
        print(f"  band's lower edge reaches it (safe):      {width(a.L_safe, safe=True)}")
        print(f"  band's upper edge reaches it (optimistic): {width(a.L_optimistic)}")
        if widest:
            print(f"  ({widest})")
    else:
        size = f"widths={list(a.widths)}" if len(a.widths) > 1 else f"L={a.widths[0]}"

        def at_least(n: int) -> str:
            return f"at least {n} (the search's limit)" if n >= max_n else f"{n}"
        print(f"{size}: largest N whose estimate reaches {args.target}: {at_least(a.N)}")
        # (the search stops at max_n: with --max-n below where the lower edge reaches the target, say so; an audit
        # read "at no N" for --max-n 100 where N_safe is 1298 without it)
        safe = at_least(a.N_safe) if a.N_safe else f"none (its lower edge reaches the target at no N up to {max_n})"
        print(f"  band's lower edge (safe): {safe}   upper edge (optimistic): {at_least(a.N_optimistic)}")
        if a.N <= 1:
            print(f"  ({notes[-1]})")
    if held is not None:
        print(f"held-out questions like this one ({where}): {held.describe()}")
    return 0


def _dead_zone_floor(args: argparse.Namespace, proto: Protocol, widths: List[int]) -> str:
    """Why ``size -L`` answered one point: on two or more the estimate is at most its dead-zone floor."""
    from ..estimate import estimate_accuracy

    with warnings.catch_warnings():   # N = 2 is outside the validated range: the line below says what it is
        warnings.simplefilter("ignore")
        top = estimate_accuracy(args.d, 2, widths=widths, dist=args.dist, protocol=proto).accuracy
    return (f"on two points or more the estimate is at most {top:.4f}, below the target: the points where every "
            f"unit of the first layer is off (a share gamma 2^-L1, fitted on 50 points and more) see a constant "
            f"output and count as right half the time, however few the points: docs/theory.md")


def _unreached(args: argparse.Namespace, proto: Protocol, widest: int, widths: List[int]) -> str:
    """Why ``size -N`` found no width: the estimate at the widest width searched (the search's limit; ``widths``, the
    hidden widths there), and what limits it there."""
    from ..estimate import estimate_accuracy

    with warnings.catch_warnings():   # the range warning was printed once already
        warnings.simplefilter("ignore")
        e = estimate_accuracy(args.d, args.N, widths=widths, dist=args.dist, protocol=proto)
    note = (f"at the widest width searched, L = {widest}, the search's limit, the estimate is {e.accuracy:.4f} "
            f"(band {e.low:.4f} .. {e.high:.4f})")
    budget = e.details.get("budget")
    if widest < MAX_WIDTH:   # the limit, not the budget, may be what stops it: what limits it is not known here
        note += f"; --max-width {widest} is below the default, {MAX_WIDTH}: a wider network may reach it"
    elif args.d <= 2:
        note += "; in d = 1-2 the training budget, not the width, limits the accuracy"
    elif budget is not None and budget < 1.0:
        note += f"; the training budget, {budget:.3g} x the reference, limits it"
    return note


def _runner_from_args(args: argparse.Namespace) -> Optional[Callable[[List[Dict[str, Any]], Any],
                                                                    List[Dict[str, Any]]]]:
    """A runner for validate(): a sweep (local pool, Dask, durable store) when sweep options were given. It checks
    the store against the job validate() gives it (validate's own checks are cheap), then opens the executor."""
    if all(getattr(args, k, None) is None for k in ("workers", "scheduler", "store")):
        return None
    from .. import sweep

    def runner(configs: List[Dict[str, Any]], job: Any) -> List[Dict[str, Any]]:
        # a store of another job was told "pass --resume", which then refused it: its job is checked first
        store = sweep.store_from_args(args, job=job)
        executor, cleanup = sweep.executor_from_args(args)
        try:
            out = sweep.run(configs, job, store=store, executor=executor, workers=args.workers,
                            progress=progress_of(args), retry_failed=getattr(args, "retry_failed", False))
        finally:
            cleanup()
        for r in out:
            if r["status"] != "done":
                print(f"failed: {r['config']}: {r['error']}", file=sys.stderr)
        return [r["result"] for r in out if r["status"] == "done"]

    return runner


def _validate(args: argparse.Namespace) -> int:
    from ..validation import validate

    if args.protocol_grid and args.grid is not None and args.grid != "protocols":
        raise UsageError(f"--protocol-grid is --grid protocols: it cannot go with --grid {args.grid}")
    grid = "protocols" if args.protocol_grid else (args.grid or "small")
    given = {k: x for k, x in protocol_given(args).items() if k != "restarts"}
    if given and grid == "protocols":
        raise ValueError("--optimizer, --lr, --steps, --batch-size and --schedule go with --grid small or full: "
                         "every row of the protocol grid names its own protocol")
    runner = _runner_from_args(args)
    # --restarts beside the other protocol options goes in the protocol they make (validate refuses restarts= beside
    # protocol=, as train does); alone it overrides each row's protocol's restarts
    protocol = None if not given else Protocol(**given) if args.restarts is None else \
        Protocol(**given, restarts=args.restarts)
    with _warnings_to_stderr(args):   # diverged runs: the summary counts them, and the rows ("diverged")
        warnings.filterwarnings("ignore", _DIVERGED_RUNS, RuntimeWarning)
        rep = validate(grid, datasets=args.datasets, restarts=None if given else args.restarts, seed=args.seed,
                       progress=progress_of(args), runner=runner, protocol=protocol)
    se = rep.real_standard_error(args.datasets)   # a store's rows from before the datasets column: --datasets
    if args.json:
        print(dumps(rep.to_dict(args.datasets)))
    else:
        print(rep.table())
        print()
        print(rep.summary_text())
        if se is not None:
            print(f"\n(The real column is a mean over {args.datasets} datasets: its standard error averages {se:.4f} "
                  f"on these rows, part of each error above. The estimator's targets are judged on 6,528 held-out "
                  f"configurations measured on 9 datasets: python benchmarks/calibrate_protocols.py, docs/theory.md, "
                  f"'Validation'.)")
    if args.csv:
        with writing("--csv", args.csv):
            rep.to_csv(args.csv)
        if not args.json:
            print(f"\nwrote {args.csv}")
    if args.plot:
        return save_or_explain(rep.plot, args.plot, "validate", quiet=args.json)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ..estimate.accuracy import _outside_range, estimate_accuracy
    from ..training import _check_total_work, real_accuracy
    from ..validation import ValidationReport

    proto = protocol_from_args(args)
    for c in DEMO_CONFIGS:   # every configuration's training against the limits before the first trains (an
        # audit's --steps 6e6 trained five of them, hours, before the sixth was refused past max_work)
        _core.protocol_check(c["d"], c["N"], [c["L"]], DEMO_DATASETS, proto)
    # and all of them together (an audit: at --steps 5e6 each passed, their sum was about twice max_work)
    _check_total_work(f"the demo's {len(DEMO_CONFIGS)} configurations",
                      [(c["d"], c["N"], [c["L"]], DEMO_DATASETS, proto) for c in DEMO_CONFIGS])
    out = sys.stderr if args.json else sys.stdout
    print("nnpartition demo: training accuracy on random labels, estimated in microseconds and then", file=out)
    print(f"measured by real training ({proto.describe()}, {DEMO_DATASETS} datasets)\n", file=out)
    print(f"{'dist':8s} {'d':>3s} {'N':>5s} {'L':>4s} | {'estimate':>8s} {'90% band':>15s} {'ceiling':>7s} | "
          f"{'real':>6s} {'+-std':>6s} {'error':>7s} | {'est. time':>9s} {'train time':>10s}", file=out)
    rows: List[Dict[str, Any]] = []
    with _warnings_to_stderr(args):
        # diverged runs: the summary counts them, and the rows ("diverged"); not a warning line besides
        warnings.filterwarnings("ignore", _DIVERGED_RUNS, RuntimeWarning)
        for c in DEMO_CONFIGS:
            e = estimate_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], protocol=proto)   # warns, once
            times = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # the timed repeats would repeat its range warnings
                for _ in range(21):  # median of repeated calls: the cost of one estimate
                    t0 = time.perf_counter()
                    e = estimate_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], protocol=proto)
                    times.append(time.perf_counter() - t0)
            t_est = sorted(times)[10]  # the ceiling is cached after the first call
            t0 = time.perf_counter()
            m = real_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], protocol=proto, seed=args.seed,
                              datasets=DEMO_DATASETS, progress=False)   # a table row at a time: no bar
            t_train = time.perf_counter() - t0
            band = f"[{e.low:.3f},{e.high:.3f}]"
            print(f"{c['dist']:8s} {c['d']:3d} {c['N']:5d} {c['L']:4d} | {e.accuracy:8.4f} {band:>15s} "
                  f"{e.ceiling:7.4f} | {m.mean:6.4f} {m.std:6.4f} {e.accuracy - m.mean:+7.4f} | "
                  f"{t_est * 1e6:7.0f}us {t_train:9.2f}s", flush=True, file=out)
            # widths beside L, as every command's JSON gives a network's size (and validate's rows)
            rows.append(dict(c, widths=[c["L"]], real=m.mean, real_std=m.std, estimate=e.accuracy, low=e.low,
                             high=e.high, ceiling=e.ceiling, error=e.accuracy - m.mean,
                             in_band=bool(e.low <= m.mean <= e.high), estimate_seconds=t_est,
                             train_seconds=t_train, diverged=m.diverged,
                             outside_range=_outside_range(c["d"], c["N"], (c["L"],), proto)))
    rep = ValidationReport(rows)
    s = rep.summary()["all"]
    if args.json:
        # the seed and datasets that reproduce the rows (the JSON named neither: validate's rows name both)
        print(dumps({"protocol": proto.to_dict(), "seed": args.seed, "datasets": DEMO_DATASETS, "rows": rows,
                     "summary": s}))
    else:
        print(f"\nmean |error| {s['mae']:.4f}, max |error| {s['max_error']:.4f}, "
              f"real inside the band: {s['coverage']:.0%}")
        if rep.diverged_text():
            print(f"{rep.diverged_text()}: lower --lr")
        for line in DEMO_NEXT:
            print(line)
    if args.plot:
        return save_or_explain(rep.plot_parity, args.plot, "demo", quiet=args.json)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``estimate``, ``size``, ``validate`` and ``demo`` subcommands."""
    from .. import _validate as v
    from ..estimate.accuracy import _METHODS, MAX_SIZE, MC_MAX_TRIALS
    from ..estimate.sizing import MAX_SHAPE_RATIO
    from ..validation import MAX_DATASETS, MAX_RESTARTS

    each = span(1, MAX_SIZE)   # estimate_accuracy's, required_width's and max_samples' d, N and widths
    p = sub.add_parser("estimate", help="estimate training accuracy from d, N, L and a protocol without training",
                       description="Estimate the training accuracy a ReLU network reaches on N random two-class "
                                   "points in d dimensions under a training protocol (default: the reference "
                                   "protocol), with a 90% band and a ceiling.")
    p.add_argument("-d", type=integer, required=True, help=f"input dimension, {each}")
    p.add_argument("-N", type=integer, required=True, help=f"training points, {each}")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("-L", type=integer, default=None, help=f"hidden ReLU units of a two-layer network, {each}")
    size.add_argument("--widths", type=widths_word, nargs="+", action=WidthsAction, default=None,
                      help=f"hidden widths of a deeper network (16 8 or 16,8), each {each}")
    p.add_argument("--dist", default="uniform", choices=choices("dist"), metavar="DIST",
                   help="uniform (in [-1,1]^d) or gaussian (alias gauss, normal; default uniform)")
    # choices: refused in argparse's words, as --dist is (the library's "--method must be one of [...]" read otherwise)
    p.add_argument("--method", default="analytic", choices=_METHODS, metavar="METHOD",
                   help="analytic (default) or monte_carlo: a check of the partition term, not a better estimate "
                        "(it matches analytic where the initial partition does not bind, and is biased low in "
                        "d <= 3, where its band can miss real training: docs/theory.md, 'Does the space-partition "
                        "term change any estimate?')")
    p.add_argument("--trials", type=integer, default=None,
                   help=f"Monte Carlo trials, {span(1, MC_MAX_TRIALS)} (default 200; only with --method monte_carlo)")
    p.add_argument("--seed", type=integer, default=None, help=f"Monte Carlo seed, {SEED_RANGE} (default 0; only with "
                   "--method monte_carlo)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (monte_carlo; by default shown past a second on a terminal)")
    add_protocol_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_estimate)

    sz = sub.add_parser("size", help="how wide a network must be (or how many points it fits) for a target accuracy",
                        description="With -N: the smallest two-layer width L whose estimated training accuracy "
                                    "reaches --target (and the widths at which the band's edges do); with "
                                    "--layers K, of K hidden layers of L units each. With -L or "
                                    "--widths: the largest N whose estimate still reaches it. The search takes "
                                    "0.1-0.4 ms for the width, 0.3-1 ms for the number of points (benchmarks/"
                                    "bench_estimate.py --sizing, 2 shared cores); starting Python takes longer.")
    sz.add_argument("-d", type=integer, required=True, help=f"input dimension, {each}")
    what = sz.add_mutually_exclusive_group(required=True)
    what.add_argument("-N", type=integer, default=None, help=f"training points, {each}: answer the width")
    what.add_argument("-L", type=integer, default=None, help=f"hidden units, {each}: answer the number of points")
    what.add_argument("--widths", type=widths_word, nargs="+", action=WidthsAction, default=None,
                      help=f"hidden widths (16 8 or 16,8), each {each}: answer the number of points")
    sz.add_argument("--target", type=float, required=True,
                    help="target training accuracy, from 0.5 up to (not including) 1")
    sz.add_argument("--dist", default="uniform", choices=choices("dist"), metavar="DIST",
                    help="uniform (in [-1,1]^d) or gaussian (alias gauss, normal; default uniform)")
    sz.add_argument("--layers", type=integer, default=None,
                    help="only with -N (refused with -L/--widths): the number of hidden layers, each of the width "
                         f"searched, {span(1, v.MAX_LAYERS)} (default 1: a two-layer network)")
    sz.add_argument("--shape", type=ratios_word, nargs="+", action=WidthsAction, default=None,
                    help="only with -N (refused with -L/--widths): the hidden widths as multiples of the first, the "
                         "width searched (1,0.5 or 1 0.5: d -> L -> L/2 -> 1; each rounded up), the first 1, each "
                         f"above 0 and at most {MAX_SHAPE_RATIO:g}, {span(1, v.MAX_LAYERS)} entries (--layers K is "
                         "--shape of K ones)")
    sz.add_argument("--max-n", type=integer, default=None,
                    help=f"only with -L/--widths (refused with -N): the largest N searched, {span(1, MAX_N)} "
                         f"(default {bound(MAX_N)}; an answer there means at least it)")
    sz.add_argument("--max-width", type=integer, default=None,
                    help=f"only with -N (refused with -L/--widths): the largest width searched, {span(1, MAX_WIDTH)} "
                         f"(default {bound(MAX_WIDTH)} = {MAX_WIDTH}; an answer 'not reached' means not up to it)")
    add_protocol_arguments(sz)
    sz.add_argument("--json", action="store_true", help="print one JSON object")
    sz.set_defaults(func=_size)

    val = sub.add_parser("validate", help="train and estimate over a grid; table, CSV and figure",
                         description="Train and estimate every configuration of a grid, each under the same "
                                     "protocol for its training and its estimate (the small and full grids: the "
                                     "reference protocol unless the protocol options say otherwise; the protocol "
                                     "grid: each row's own), and print the table and the error summary: "
                                     "mean and largest error, bias and the share of real accuracies inside the "
                                     "band, on all rows and on the non-trivial ones, for each group (reference "
                                     "protocol, other protocols, deep networks) and part (calibration, held-out).")
    val.add_argument("--grid", default=None, choices=["small", "full", "protocols"],
                     help="small (16 held-out configurations, 4.5-15 s on 2 shared cores; the default), full (both "
                          "grids, hours: with --store or --workers, docs/sweep.md; in one process it is refused, "
                          "above max_work), or protocols (32 held-out configurations: reference protocol, other "
                          "protocols, deep networks; 2.4-4.2 s on 2 shared cores, benchmarks/bench_validate.py)")
    val.add_argument("--protocol-grid", action="store_true",
                     help="the same as --grid protocols: 32 held-out configurations, 8 under the reference "
                          "protocol, 16 under held-out protocols and 8 deep networks (2.4-4.2 s on 2 shared cores, "
                          "benchmarks/bench_validate.py)")
    val.add_argument("--csv", default=None, help="write the rows to this CSV file")
    val.add_argument("--plot", default=None, help=f"save the figure to this PNG file ({NEEDS_PLOT})")
    val.add_argument("--datasets", type=integer, default=3,
                     help=f"datasets per configuration, {span(1, MAX_DATASETS)} (default 3)")
    val.add_argument("--restarts", type=integer, default=None,
                     help=f"restarts per dataset, {span(1, MAX_RESTARTS)} (default: the protocol's)")
    add_protocol_arguments(val, restarts=False,
                           title="training protocol of the small and full grids (default: the reference protocol)")
    val.add_argument("--seed", type=integer, default=0, help=f"seed, {SEED_RANGE} (default 0)")
    val.add_argument("--no-progress", action="store_true",
                     help="no progress bar (by default shown past a second on a terminal)")
    val.add_argument("--json", action="store_true", help="print one JSON object (rows and summary)")
    try:
        from .. import sweep

        # without a sweep option the grid runs in this process (_runner_from_args): the help said "all cores"
        sweep.add_sweep_arguments(val, workers_default="this process, one configuration after another; with --store, "
                                                       "a pool on all cores")
    except ImportError:  # pragma: no cover - sweep module not installed
        pass
    val.set_defaults(func=_validate)

    demo = sub.add_parser("demo", help="estimate vs real training on six configurations (a few seconds)",
                          description="The main job: estimate training accuracy for a few (d, N, L) and check it "
                                      "against real training under the same protocol.")
    demo.add_argument("--seed", type=integer, default=0, help=f"seed of the training runs, {SEED_RANGE} (default 0)")
    demo.add_argument("--plot", default=None, help=f"save a figure to this PNG file ({NEEDS_PLOT})")
    add_protocol_arguments(demo)
    demo.add_argument("--json", action="store_true", help="print one JSON object (rows and summary)")
    demo.set_defaults(func=_demo)
