"""``nnpartition teacher``: the figure of docs/teacher.md."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

from .. import _validate as chk
from ..teacher import TeacherRun, log_schedule, boundary_linearity, linear_teacher_dataset, train_teacher
from ..teacher.data import MAX_DIMENSION, MAX_POINTS, _check_data, _into_ball, _sample, _teacher_dist
from ..teacher.training import MAX_EPOCHS, MAX_STEPS, MAX_UNITS, MIN_UNITS, _plan

from .._progress import progress_bar
from ..limits import override
from ..separability import _check_max_margin
from ..plotting import require_matplotlib, write_figure
from .common import (LIMIT_VARIABLES, NEEDS_PLOT, SEED_RANGE, UsageError, bound, choices, dumps, integer, progress_of,
                     span)


def teacher_probes(n: int, w_star: Any, dist: str, seed: int) -> np.ndarray:
    """Probe points for the linearity metrics: ``n`` fresh draws of the input distribution, no margin. ``dist`` is
    any name or alias :func:`~nnpartition.teacher.linear_teacher_dataset` takes (the core's ``teacher_dist``).

    Example:
        >>> teacher_probes(4, np.array([1.0, 0.0, 0.0]), "gaussian", 0).shape
        (4, 3)
    """
    dist = _teacher_dist(dist)
    w = np.asarray(w_star, dtype=np.float64)
    return _into_ball(_sample(np.random.default_rng([seed, 0x9B0B]), n, len(w), dist, w / np.linalg.norm(w)))


def checkpoints(steps: Any, count: int = 10) -> List[int]:
    """Indices of about ``count`` recorded steps, roughly log-spaced in step number (first and last included).

    Example:
        >>> checkpoints(np.arange(0, 1001, 10), 4)
        [0, 1, 10, 100]
    """
    s = np.asarray(steps)
    if len(s) <= count:
        return list(range(len(s)))
    targets = np.geomspace(max(s[1], 1), s[-1], count - 1)
    idx = {0, len(s) - 1}
    idx.update(int(np.argmin(np.abs(s - t))) for t in targets)
    return sorted(idx)


def plot_teacher(run: TeacherRun, hist: Dict[str, np.ndarray], *, axes: Any = None) -> Any:
    """Draw per-unit cosines to the teacher over training, the metrics, and the final clusters on three
    axes (a new pyplot figure if ``None``); returns the axes."""
    if axes is None:
        _, axes = require_matplotlib().subplots(1, 3, figsize=(15, 4.6))
    fig = axes[0].figure
    steps = np.maximum(run.steps, 1)
    m = run.metrics()
    ax = axes[0]
    cos = np.asarray(m.cosine)
    for i in range(cos.shape[1]):
        ax.plot(steps, cos[:, i], color="C0" if run.signs[i] > 0 else "C3", lw=0.6, alpha=0.6)
    ax.plot([], [], color="C0", label="units with output +v")
    ax.plot([], [], color="C3", label="units with output -v")
    ax.set_xscale("log")
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("signed cosine  s_i <w_i, w*> / |w_i|")
    ax.set_title("each unit aligns with +-w*", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")

    ax = axes[1]
    ax.plot(steps, hist["aligned_fraction"], label="units with cosine > 0.9")
    ax.plot(steps, hist["agreement"], label="agreement condition (fraction of points)")
    if "linearity" in hist:
        ax.plot(steps, hist["linearity"], label="sign N = sign <w+ - w-, x> (probes)")
    ax.plot(steps, hist["spectral_ratio"], label="|W|_2 / |W|_F")
    ax.plot(steps, hist["error"], "k--", label="training error")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("SGD step")
    ax.set_title("clusters form, the boundary becomes linear", fontsize=10)
    ax.legend(fontsize=7, loc="center right")

    ax = axes[2]
    rows = run.weights.transpose(0, 2, 1)   # (T, L, d): one row per unit
    w = run.w_star if run.w_star is not None else np.linalg.svd(rows[-1])[2][0]
    w = w / np.linalg.norm(w)
    for idx, mk, lab in ((0, "x", "initial"), (-1, "o", "final")):
        W = rows[idx]
        U = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-300)
        a = U @ w
        R = U - np.outer(a, w)
        ref = np.linalg.svd(rows[-1] - np.outer(rows[-1] @ w, w))[2][0]
        b = R @ ref
        for sgn, col in ((1, "C0"), (-1, "C3")):
            g = run.signs == sgn
            ax.scatter(a[g], b[g], marker=mk, s=18, color=col, alpha=0.8 if idx == -1 else 0.5,
                       label=f"{lab}, output {'+' if sgn > 0 else '-'}v")
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), color="0.8", lw=0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("component along w*")
    ax.set_ylabel("top orthogonal component")
    ax.set_title("unit directions w_i/|w_i|: two clusters at +-w*", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    d, L = run.weights.shape[1], run.weights.shape[2]
    fig.suptitle(f"linear teacher: d = {d}, N = {len(run.X)}, L = {L}, Leaky ReLU alpha = {run.alpha}, "
                 f"lr = {run.lr}, batch {run.batch_size}", fontsize=11)
    return axes


#: Copies of the recorded weights the command holds at once: the core's array, the run's transposed copy, and the
#: metrics of the series (clustering_metrics' rescaled, unit-row and per-group copies; measured: about 6 with the
#: run's own).
RECORD_COPIES = 8.0


def _check_run(args: argparse.Namespace) -> Tuple[int, int, np.ndarray]:
    """Every size check of the run (the data, the probes, the training and its recording against max_params,
    max_work and max_bytes) before any data is drawn: ``-N 1000 -d 1000 -L 1000 --epochs 1000000000`` spent 44 s
    drawing its data before the recording was refused, and a recording of 1 GB passed the check of 2**27 values
    and ran out of memory in the metrics. Returns the batch size, the steps and the recorded steps."""
    chk.count("--epochs", args.epochs, minimum=1, maximum=MAX_EPOCHS)   # first, as the two below
    for option, value in (("--batch-size", args.batch_size), ("--record-every", args.record_every)):
        if value is not None and value < 1:
            raise UsageError(f"{option} must be >= 1, got {value}"
                             + (" (steps between snapshots; leave it out for 200 log-spaced ones)"
                                if option == "--record-every" else ""))
    N = chk.count("-N", args.N, minimum=1, maximum=MAX_POINTS)
    d = chk.count("-d", args.d, minimum=1, maximum=MAX_DIMENSION)
    L = chk.count("-L", args.L, minimum=MIN_UNITS, maximum=MAX_UNITS)
    probes = chk.count("--probes", args.probes, minimum=1, maximum=MAX_POINTS)
    # the Leaky-ReLU slope: train_teacher takes [0, 1], but the hinge-loss update bound the command prints divides
    # by it, and refused 0 only after the training (an audit: the message said ">= 0.0" for -1)
    alpha = chk.real("--alpha", args.alpha)
    if not 0.0 < alpha <= 1.0:
        raise UsageError(f"--alpha must be > 0 and <= 1 (the Leaky-ReLU slope; the update bound divides by it), "
                         f"got {args.alpha}")
    _check_data(N, d)
    if args.full_batch and args.batch_size is not None:   # --batch-size was silently ignored
        raise UsageError(f"--full-batch trains on all N points at once; --batch-size {args.batch_size} sets a "
                         f"minibatch instead: not both")
    bs = N if args.full_batch else min(1 if args.batch_size is None else args.batch_size, N)
    steps = args.epochs * (-(-N // bs))
    if steps > MAX_STEPS:
        raise UsageError(f"--epochs {args.epochs} of {-(-N // bs)} batches make {steps} SGD steps, above "
                         f"{bound(MAX_STEPS).replace('^', '**')}")
    record_at = None if args.record_every is not None else log_schedule(steps, 200)
    # the probes (drawn, clipped) and, per recorded step, their pre-activations and the centre rule's products
    t = len(record_at) if record_at is not None else steps // args.record_every + 2
    if importlib.util.find_spec("scipy") is not None:   # without scipy (the lp extra) there is no max-margin step
        _check_max_margin(N, d)   # it comes after training, and holds its memory alone: checked here, on its own

    def plan(n_probes: int) -> Tuple[int, int, np.ndarray]:
        return _plan(N, d, L, steps=steps, epochs=args.epochs, batch_size=bs, record_every=args.record_every,
                     record_at=record_at, copies=RECORD_COPIES, extra_bytes=8.0 * n_probes * (3.0 * d + 3.0 * L),
                     extra_work=2.0 * t * n_probes * L * d, option=lambda name: "--" + name.replace("_", "-"))

    plan(0)   # the training and its recording alone, refused with their own messages
    try:
        return plan(probes)
    except ValueError as e:   # the probes' metrics pass a limit (an audit: the message blamed the SGD steps)
        refusal = e
    lo, hi = 0, probes   # the most probes that fit: plan(lo) passes, plan(hi) fails (a few dozen checks, no allocation)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            plan(mid)
            lo = mid
        except ValueError as e:
            hi, refusal = mid, e
    # which limit binds at hi: plan(hi) again with the other one lifted (the probes add only work and bytes, and
    # plan(0) passed every other check); both when lifting either one alone is not enough
    binding = [name for name, other in (("max_work", "max_bytes"), ("max_bytes", "max_work"))
               if not _passes(lambda: plan(hi), **{other: 2**64 - 1})]
    if not binding:   # cannot happen: plan(hi) failed with both limits in force
        raise refusal
    raise UsageError(f"--probes must be <= {lo} for this run, got {probes}: the linearity metrics on the probes "
                     f"({t} snapshots of {L} x {d} weights: about {2.0 * t * L * d:.3g} steps and "
                     f"{8.0 * (3.0 * d + 3.0 * L):.3g} bytes a probe) with the training pass {' and '.join(binding)}; "
                     f"use fewer probes, or raise the limit{'s' if len(binding) > 1 else ''} with the environment "
                     f"variable{'s' if len(binding) > 1 else ''} "
                     f"{' and '.join(LIMIT_VARIABLES[name] for name in binding)}")


def _passes(check: Callable[[], object], **lifted: int) -> bool:
    """Whether ``check()`` passes (raises no ``ValueError``) with the limits ``lifted`` (``nnpartition.limits``'
    names) raised to the given values, restored after."""
    with override(**lifted):
        try:
            check()
        except ValueError:
            return False
    return True


def _teacher(args: argparse.Namespace) -> int:
    bs, steps, at = _check_run(args)
    # about 3 s of CPU with the defaults (history's linearity series over 4000 probes, the max-margin LP and the two
    # linearity fits): one bar over the stages, on a terminal once the work outlasts a second (_progress's policy)
    with progress_bar(4, desc="teacher: training", progress=progress_of(args),
                      unit="stage") as bar:
        X, y, w = linear_teacher_dataset(args.N, args.d, margin=args.margin, dist=args.dist, seed=args.seed)
        # the SGD's own bar over its steps, under the stages' (one core call: the stages' bar stood still through it)
        run = train_teacher(X, y, args.L, alpha=args.alpha, lr=args.lr, steps=steps, batch_size=bs,
                            init_scale=args.init, record_every=args.record_every,
                            record_at=None if args.record_every is not None else at, w_star=w, seed=args.seed,
                            progress=progress_of(args))
        bar.set_description_str(f"teacher: metrics of {len(run.steps)} snapshots on {args.probes} probes")
        bar.update(1)
        probes = teacher_probes(args.probes, w, args.dist, args.seed + 1)
        hist = run.history(probes)
        m = run.metrics()
        bar.set_description_str("teacher: max-margin direction (LP)")
        bar.update(1)
        try:
            mm = run.max_margin().direction
        except ImportError:   # scipy (the lp extra) is optional
            mm = None
        bar.set_description_str("teacher: linearity of the final and initial boundary")
        bar.update(1)
        lin = boundary_linearity(run.network(), probes, w_star=w, max_margin=mm)
        init = boundary_linearity(run.network(0), probes, w_star=w, max_margin=mm)
        bar.update(1)
    bound = run.update_bound()
    t_agree = run.agreement_step(m)
    keys = ["step", "loss", "error", "aligned_fraction", "mean_cosine", "dispersion_pos", "dispersion_neg",
            "spectral_ratio", "stable_rank", "agreement", "linearity", "angle_to_teacher", "weight_norm"]
    na = bool(np.isnan(lin.certified_fraction))   # the guarantee does not apply: no certified slab to violate
    if args.json:
        out = {"d": args.d, "N": args.N, "L": args.L, "alpha": args.alpha, "lr": args.lr,
               "batch_size": run.batch_size, "epochs": args.epochs, "steps": int(run.steps[-1]),
               "margin": args.margin, "dist": _teacher_dist(args.dist), "init": args.init,   # the name, not an alias
               "record_every": args.record_every,
               "probes": args.probes, "seed": run.seed, "t_agree": t_agree,
               "history": {k: np.asarray(hist[k]).tolist() for k in keys},
               "final": {"agreement_centres": lin.agreement_centres, "agreement_fitted": lin.agreement_fitted,
                         "angle_to_teacher": lin.angle_to_teacher, "certified_fraction": lin.certified_fraction,
                         "certified_violations": None if na else lin.certified_violations, "delta": lin.delta,
                         "angle_to_max_margin": lin.angle_to_max_margin,
                         "initial_agreement_fitted": init.agreement_fitted,
                         "hard_steps": int(run.hard_steps[-1]), "hinge_update_bound": bound}}
        print(dumps(out))
    else:
        print(f"linear teacher: d={args.d} N={args.N} L={args.L} ({(args.L + 1) // 2} units +v, {args.L // 2} -v), "
              f"alpha={args.alpha}, lr={args.lr}, batch {run.batch_size}, {int(run.steps[-1])} steps")
        head = ["step", "loss", "error", "aligned", "disp+", "disp-", "|W|2/|W|F", "st.rank", "agree", "linear",
                "angle"]
        print(" ".join(f"{h:>10}" for h in head))
        for i in checkpoints(run.steps, 12):
            vals = [hist["step"][i], hist["loss"][i], hist["error"][i], hist["aligned_fraction"][i],
                    hist["dispersion_pos"][i], hist["dispersion_neg"][i], hist["spectral_ratio"][i],
                    hist["stable_rank"][i], hist["agreement"][i], hist["linearity"][i], hist["angle_to_teacher"][i]]
            print(f"{int(vals[0]):>10d} " + " ".join(f"{x:>10.4g}" for x in vals[1:]))
        print(f"agreement condition holds on all training points from step {t_agree}" if t_agree is not None
              else "agreement condition not reached on all training points")
        print("final network: " + lin.summary())
        print(f"  (certified-slab violations: {'n/a' if na else lin.certified_violations}; delta {lin.delta:.4g}; "
              f"best linear rule {init.agreement_fitted:.4f} at initialisation)")
        print(f"hard steps (loss >= 0.01): {int(run.hard_steps[-1])}; "
              f"hinge-loss bound on non-zero updates: {bound:.4g}")
    if args.plot:
        return write_figure(args.plot, "teacher", (15, 4.6),
                            lambda fig: plot_teacher(run, hist, axes=fig.subplots(1, 3)), quiet=args.json, dpi=110)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``teacher`` subcommand."""
    p = sub.add_parser("teacher", help="linear-teacher experiment: weight clusters and a linear boundary",
                       description="Train a bias-free two-layer Leaky-ReLU network with output weights fixed at +v/-v "
                                   "on linearly separable data by SGD, and report teacher alignment, weight clusters, "
                                   "the agreement condition and the linearity of the boundary over training.")
    # each range is the check's own constant (test_the_counted_options_help_states_the_range_...)
    p.add_argument("-d", type=integer, default=20, help=f"input dimension, {span(1, MAX_DIMENSION)} (default 20)")
    p.add_argument("-N", type=integer, default=500, help=f"training points, {span(1, MAX_POINTS)} (default 500)")
    p.add_argument("-L", type=integer, default=50,
                   help=f"hidden units, half with +v and half with -v, {span(MIN_UNITS, MAX_UNITS)} (default 50)")
    p.add_argument("--alpha", type=float, default=0.3, help="Leaky-ReLU slope, in (0, 1] (default 0.3)")
    p.add_argument("--lr", type=float, default=0.5, help="constant SGD step, above 0 (default 0.5)")
    p.add_argument("--epochs", type=integer, default=200,
                   help=f"epochs, {span(1, MAX_EPOCHS)} (default 200; with the batches of an epoch at most "
                        f"{bound(MAX_STEPS)} SGD steps)")
    p.add_argument("--batch-size", type=integer, default=None,
                   help="minibatch size, 1 or more (default 1; N or more is a full batch)")
    p.add_argument("--full-batch", action="store_true", help="full-batch gradient descent instead")
    p.add_argument("--margin", type=float, default=0.1,
                   help="data margin around the teacher hyperplane, in [0, 1) (default 0.1)")
    p.add_argument("--dist", default="gaussian", choices=choices("teacher_dist"), metavar="DIST",
                   help="gaussian (alias gauss, normal), ball, sphere or two_balls (default gaussian)")
    p.add_argument("--init", type=float, default=0.5, help="initial row norm scale of W, 0 or more (default 0.5)")
    p.add_argument("--record-every", type=integer, default=None,
                   help="steps between snapshots, 1 or more (default: 200 log-spaced snapshots)")
    p.add_argument("--probes", type=integer, default=4000,
                   help=f"probe points for linearity, {span(1, MAX_POINTS)} (default 4000)")
    p.add_argument("--seed", type=integer, default=0, help=f"random seed, {SEED_RANGE} (default 0)")
    p.add_argument("--plot", metavar="PNG", default=None, help=f"write the figure here ({NEEDS_PLOT})")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (by default shown past a second on a terminal)")
    p.set_defaults(func=_teacher, python_names={"init_scale": "init"})   # error messages name --init
