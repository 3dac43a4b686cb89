"""``nnpartition plot-partition`` and ``nnpartition movie``: pictures of the partition."""

from __future__ import annotations

import argparse
import inspect
import time
from types import SimpleNamespace
from typing import Any, List, Optional, Tuple

import numpy as np

from .._files import replacing
from ..datasets import DISTS, TOY_KINDS, _toy_dist, toy_dataset
from ..limits import _block_entries, _check_bytes
from ..network import load_network, save_network
from ..pictures import DEFAULT_MAX_POINTS
from ..pictures.movies import MAX_DPI, MAX_FPS, MIN_DPI
from ..training import MAX_ACTIVATIONS, MAX_RESTARTS, MAX_WIDTH, TRAIN_MAX_STEPS
from .common import (NEEDS_PLOT, SEED_RANGE, UsageError, WidthsAction, bound, box_option, dumps, file_message, integer,
                     option_names, progress_of, span, widths_word, writing)
from .protocol_options import _SIZE_OPTIONS


#: The largest -d, -N and hidden width (-L, --widths) plot-partition and movie train with: train()'s and
#: toy_dataset's bounds, checked by :func:`_check_training` and stated in the options' help.
MAX_D, MAX_N = 2**20, 2**32


def _data(args: argparse.Namespace) -> Tuple[np.ndarray, np.ndarray]:
    return toy_dataset(args.data, args.N, args.d, seed=args.seed)


def _widths(args: argparse.Namespace) -> List[int]:
    if args.widths:
        if args.L is not None:
            raise UsageError("give -L (one hidden layer) or --widths W1 W2 ... (deeper), not both")
        return list(args.widths)
    if args.L is None:
        raise UsageError("give -L (hidden units) or --widths W1 W2 ...")
    return [args.L]


def _check_training(args: argparse.Namespace, ws: List[int], restarts: int, snapshot_every: int = 0) -> float:
    """Everything about the run this command will make that can be checked before the data is drawn: the window
    (``-d >= 2``, three points for a slice, ``--box``), the trainer's checks (parameters, work against max_work,
    snapshots) and the memory the command holds at once against max_bytes (:func:`_memory`, returned).

    plot-partition -d 1 -N 100000 -L 256 trained for 4 minutes before it said a 2-D window needs d >= 2, and
    plot-partition -N 75000000 drew 2.57 GB of data before train() refused the run.
    """
    from .. import _core
    from .. import _validate as v
    from ..pictures.movies import _snapshots_refusal
    from ..training import train

    if isinstance(args.d, int) and args.d < 2:
        raise UsageError(f"-d must be >= 2: the picture is a 2-D window of input space (the plane for -d 2, a slice "
                         f"through three training points for more), got -d {args.d}")
    d = v.count("-d", args.d, minimum=2, maximum=MAX_D)
    N = v.count("-N", args.N, minimum=1, maximum=MAX_N)
    if d > 2 and N < 3:
        raise UsageError(f"-d {d} > 2 draws the slice through the first three training points: -N must be >= 3, "
                         f"got -N {N}")
    _box(args)   # before any training
    steps = v.count("--steps", args.steps, minimum=1, maximum=TRAIN_MAX_STEPS)
    restarts = v.count("--restarts", restarts, minimum=1, maximum=MAX_RESTARTS)
    # train()'s bound on a width (2**31 here let the core's check refuse -L 1048577 as "--widths[0] must be ...")
    ws = [v.count("-L" if args.L is not None else "--widths", w, minimum=1, maximum=MAX_WIDTH) for w in ws]
    # what train() runs with its defaults for everything this command does not set, with the data it holds (the
    # protocol's fields as attributes, what the core reads: a Protocol would refuse --steps above its 1e9)
    default = {k: p.default for k, p in inspect.signature(train).parameters.items()}
    protocol = SimpleNamespace(optimizer=default["optimizer"], lr=default["lr"], steps=steps,
                               batch_size=default["batch_size"], schedule=default["schedule"], restarts=restarts)
    _check_activations(args, N, ws, protocol.batch_size)
    _core.protocol_check(d, N, ws, 1, protocol)
    if snapshot_every:
        # (the trainer's words, "snapshot_every=100 keeps ...: raise snapshot_every", named no option of movie's)
        refusal = _snapshots_refusal(steps, snapshot_every, d, ws, option=True)
        if refusal is not None:
            raise UsageError(refusal)
    need = _memory(args.data, N, d, _core.train_bytes(d, N, ws, protocol), max(ws))
    _check_bytes(f"-d {d} -N {N} with {restarts} restart(s) of {ws}: the data, train()'s float32 copy and "
                 f"the training runs at once", need, "use fewer points (-N) or a smaller network")
    return need


def _check_activations(args: argparse.Namespace, N: int, ws: List[int], batch_size: Optional[int]) -> None:
    """Refuse, in the command line's words, a training batch above the trainer's fixed ``MAX_ACTIVATIONS`` (its
    rows x the widest hidden layer). plot-partition and movie train on all ``-N`` points at once and have no
    ``--batch-size``: ``-d 2 -N 4294967296 -L 3`` was told the core's "...; use batch_size", an argument of the
    Python function the command does not have.

    Example:
        >>> _check_activations(argparse.Namespace(L=3), 2**32, [3], None)
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: -N 4294967296 with -L 3: the network trains on all -N points at once, and
        -N x 3 hidden units = 12884901888 activations is above the trainer's limit of 1073741824 (fixed, not one of
        nnpartition.limits); use -N <= 357913941 (or a smaller -L)
    """
    widest = max(ws)
    if batch_size is not None or N * widest <= MAX_ACTIVATIONS:   # (minibatches: the core's check words it)
        return
    if args.L is not None:
        size, units, smaller = f"-L {widest}", f"{widest} hidden units", "-L"
    else:
        size, units, smaller = f"--widths {' '.join(map(str, ws))}", f"the widest layer's {widest} units", "--widths"
    # a width is at most MAX_WIDTH = 2**20, so the bound on -N is at least 1024: always a valid -N
    raise UsageError(f"-N {N} with {size}: the network trains on all -N points at once, and -N x {units} = "
                     f"{N * widest} activations is above the trainer's limit of {MAX_ACTIVATIONS} (fixed, not one of "
                     f"nnpartition.limits); use -N <= {MAX_ACTIVATIONS // widest} (or a smaller {smaller})")


def _memory(kind: str, N: int, d: int, runs: float, widest: int = 1) -> float:
    """Bytes the command holds at once, at most: drawing the data (``toy_dataset``), then the data it keeps
    (``8 N d`` of float64 points and ``8 N`` of int64 labels) with either train()'s copies (float32 points and
    their finiteness mask, ``5 N d``, and the labels' checks and uint8 copy, ``4 N``) and ``runs`` (the trainer's
    runs and results, ``_core.train_bytes``), or the drawing (the labels' checks, ``4 N``, and blocks of points,
    ``32`` bytes an entry: ``_block_entries()``, or fewer, the whole table of the points' ``4 d`` coordinates
    or of the ``widest`` hidden layer on the points drawn, at most ``DEFAULT_MAX_POINTS``).

    The protocol check alone counts the float32 data and the larger of drawing it and training, not the float64
    data the command keeps beside them: -d 2 -N 75000000 -L 3 passed an 8 GiB limit with 6.2 GiB counted (8.2
    here), then held 8.5 GB drawing every point. A block counted whole whatever the data (``_block_entries()``,
    sized to fit ``max_bytes`` alone) put every run over a ``max_bytes`` below 128 MiB, -N 20 too ("needs about
    0.0931 GiB, above the limit of 0.0931 GiB")."""
    from ..datasets import toy_bytes

    # the core's float64 points and uint8 labels, and toy_dataset's two int64 copies of the labels
    drawing = 8.0 * N * d + 17.0 * N if kind in DISTS else float(toy_bytes(kind, N, d))
    held = 8.0 * N * d + 8.0 * N
    training = 5.0 * N * d + 4.0 * N + runs
    block = min(float(_block_entries()), max(4.0 * N * d, float(min(N, DEFAULT_MAX_POINTS)) * widest))
    plotting = 4.0 * N + 32.0 * block
    return max(drawing, held + max(training, plotting))


def _box(args: argparse.Namespace) -> Optional[Any]:
    """``--box`` as ``(LO, HI)`` (``None`` when not given), checked in its own words (:func:`box_option`), then
    against the window's other limits (an area that overflows)."""
    from ..pictures.geometry import _box as check_box

    box = box_option(args.box)
    if box is not None:
        check_box(box)
    return box


def _plot_partition(args: argparse.Namespace) -> int:
    from matplotlib.figure import Figure

    from ..network import DeepNet
    from ..pictures import KEY_INCHES, Plane, plot_partition, region_polygons, window_for
    from ..pictures.drawing import _annotate, _drawn_points, _slice_kind, _slice_note
    from ..training import train

    start = time.perf_counter()
    _box(args)   # before any training
    progress = progress_of(args)
    X = y = None
    accuracy: Optional[float] = None
    if args.weights is not None:
        if args.d is not None or args.N is not None or args.L is not None or args.widths:
            raise UsageError("--weights draws a saved network; -d/-N/-L/--widths train one instead: not both")
        # the training's options were silently ignored (--weights net.npz --steps 10 --data xor drew net.npz)
        given = [opt for opt, dest in _TRAINING_OPTIONS if getattr(args, dest) is not None]
        if given:
            raise UsageError(f"--weights draws a saved network; {' and '.join(given)} "
                             f"{'is' if len(given) == 1 else 'are'} for training one (with -d -N -L/--widths): "
                             "not both")
        try:
            net = load_network(args.weights)
        except (ValueError, OSError) as exc:
            # load_network names the file itself: not twice
            raise UsageError(file_message(str(exc), args.weights)) from None
    else:
        if args.d is None or args.N is None:
            raise UsageError("give --weights FILE.npz, or -d, -N and -L/--widths to train a network first")
        _training_defaults(args)
        ws = _widths(args)
        _check_training(args, ws, args.restarts)
        X, y = _data(args)
        # the window (the slice through three points, --box) is checked on the data before the training
        window_for(DeepNet([(np.zeros((args.d, 1)), np.zeros(1))], np.zeros(1), 0.0), X, box=_box(args))
        # train's bar over the steps of all restarts (-d 2 -N 20000 -L 256 trained 54 s in silence before it)
        res = train(X, y, widths=ws, restarts=args.restarts, seed=args.seed, steps=args.steps, progress=progress)
        net, accuracy = res.network, res.best_accuracy
        if args.save_weights:
            with writing("--save-weights", args.save_weights):
                save_network(net, args.save_weights)
    # a saved network of d > 2 inputs, without data: the plane of the first two coordinates (it was refused, "a
    # slice needs data points", so that a network saved with -d 10 --save-weights could not be drawn again)
    standard = Plane.standard(net.d) if net.d > 2 and X is None else None
    plane, box = window_for(net, X, plane=standard, box=_box(args))
    fig = Figure(figsize=(args.size, args.size))
    # the logit's shades are read on a colour bar
    ax = plot_partition(net, X, y, ax=fig.add_subplot(), color=args.color, hyperplanes=not args.no_hyperplanes,
                        box=box, plane=plane, colorbar=args.color == "output", key=False)
    kind = _slice_kind(net.d, standard, plane)
    _annotate(ax, net.d, kind, color=args.color, key=args.size >= KEY_INCHES)
    rp = region_polygons(net, box=box, plane=plane)
    drawn = total = 0
    if X is not None:
        rows, total = _drawn_points(X, plane)
        drawn = len(rows)
    title = _regions_text(rp.n_regions)
    if accuracy is not None:
        title += f", training accuracy {accuracy:.3f}"
    if kind is not None:
        title += "\n" + _slice_note(net.d, kind)
    if drawn < total:
        title += f"\n{drawn:,} of the {total:,} points drawn (a random sample)"
    ax.set_title(title, fontsize=9, wrap=True)
    fig.tight_layout()
    if ax.title.get_window_extent().width > ax.get_window_extent().width and ", " in title:
        # wider than the axes (--size 3 --color output: the colour bar's axes took the room), it ran into the colour
        # bar: the accuracy goes on a line of its own
        ax.set_title(title.replace(", ", "\n", 1), fontsize=9, wrap=True)
        fig.tight_layout()
    # whole or not at all: a figure interrupted (Ctrl-C) while it was written stayed behind cut short under its name
    with writing("--plot", args.plot), replacing(args.plot) as part:
        fig.savefig(part, dpi=args.dpi)
    seconds = time.perf_counter() - start
    if args.json:
        # the training's data as movie's JSON names it (null for a saved network, --weights, which trains none)
        trained = X is not None
        print(dumps({"plot": args.plot, "save_weights": args.save_weights, "regions": rp.n_regions, "d": net.d,
                          "widths": list(rp.widths), "accuracy": accuracy, "box": [list(box[0]), list(box[1])],
                          "slice": None if net.d == 2 else "first two coordinates" if standard is not None
                          else "first three training points",
                          "points": total, "points_drawn": drawn, "seconds": round(seconds, 3),
                          "N": args.N, "seed": args.seed if trained else None, "data": args.data if trained else None,
                          "dist": _toy_dist(args.data) if trained else None}))
    else:
        acc = "" if accuracy is None else f", training accuracy {accuracy:.4f}"
        # which window: the count depends on it, and by default it is the data's box with a margin, not --box's
        window = " x ".join(f"[{lo:.3g}, {hi:.3g}]" for lo, hi in zip(box[0], box[1]))
        print(f"{_regions_text(rp.n_regions)} in the window {window}{acc}; figure written to {args.plot}")
        if drawn < total:
            print(f"{drawn} of the {total} points drawn (a random sample; at most {DEFAULT_MAX_POINTS})")
        if args.save_weights:
            print(f"network written to {args.save_weights}")
    return 0


def _regions_text(n: int) -> str:
    """``"1 region"``, ``"12 regions"``."""
    return f"{n} region" if n == 1 else f"{n} regions"


#: plot-partition's options of the training (option, attribute), refused with --weights; their defaults, filled in
#: by :func:`_training_defaults` (``None`` in the parser tells an option given from one left out).
_TRAINING_OPTIONS = (("--data", "data"), ("--steps", "steps"), ("--seed", "seed"), ("--restarts", "restarts"),
                     ("--save-weights", "save_weights"))
_TRAINING_DEFAULTS = {"data": "uniform", "steps": 4000, "seed": 0, "restarts": 2}


def _training_defaults(args: argparse.Namespace) -> None:
    """The training options' defaults for those not given."""
    for dest, value in _TRAINING_DEFAULTS.items():
        if hasattr(args, dest) and getattr(args, dest) is None:
            setattr(args, dest, value)


def _movie(args: argparse.Namespace) -> int:
    from ..pictures import MAX_FRAMES, movie
    from ..pictures.movies import _frames, default_every

    _training_defaults(args)
    ws = _widths(args)
    steps = args.steps
    every = default_every(steps) if args.every is None and isinstance(steps, int) and steps >= 1 else args.every
    # A bad --every, or too many frames, is movie()'s to word (it names every; the snapshots' check would name
    # snapshot_every): then the run is checked without its snapshots.
    frames_ok = (isinstance(every, int) and every >= 1 and isinstance(steps, int)
                 and _frames(steps, every) <= MAX_FRAMES)
    _check_training(args, ws, 1, every if frames_ok else 0)
    X, y = _data(args)
    with writing("--out", args.out):   # the frames are written at the end
        r = movie(X, y, ws[0] if len(ws) == 1 else None, widths=ws if len(ws) > 1 else None, path=args.out,
                  every=every, steps=args.steps, seed=args.seed, box=_box(args), color=args.color,
                  fps=args.fps, dpi=args.dpi, progress=progress_of(args),
                  dist=_toy_dist(args.data))
    # the estimator's range warnings in the command line's words ("-N 20 is outside ...", not "N=20 is outside ...")
    note = "; ".join(option_names(part, {**_SIZE_OPTIONS, "steps": "--steps"}, everywhere=False)
                     for part in r.estimate_note.split("; "))
    if args.json:
        print(dumps({**r.to_dict(), "estimate_note": note or None, "d": args.d, "N": args.N, "widths": ws,
                     "data": args.data, "dist": _toy_dist(args.data)}))
        return 0
    est = "n/a" if np.isnan(r.estimate) else f"{r.estimate:.4f}"
    if args.data not in DISTS:   # xor, spirals, teacher: beside their accuracy a random-label estimate read as a miss
        est += f" (for random labels; {args.data}'s follow a pattern, which a network can fit far better)"
    if note:
        est += f" (note: {note})"
    print(f"{r.frames} frames (every {every} steps of {args.steps}) written to {r.path} in {r.seconds:.1f}s")
    print(f"training accuracy {r.accuracy[0]:.3f} -> {r.best_accuracy:.3f} (best); regions {r.regions[0]} -> "
          f"{r.regions[-1]} (bound {r.bound}); estimate_accuracy {est}")
    return 0


def _common(p: argparse.ArgumentParser, need_dims: bool, dpi: int, weights: bool) -> None:
    # no default: -d and -N are required (movie), or train a network when given (plot-partition, else --weights)
    given = "required" if need_dims else "no default: give -d, -N and -L/--widths to train, or --weights"
    p.add_argument("-d", type=integer, required=need_dims, default=None,
                   help=f"input dimension, {span(2, MAX_D)} ({given})")
    p.add_argument("-N", type=integer, required=need_dims, default=None,
                   help=f"training points, {span(1, MAX_N)}, at least 3 for -d > 2, and -N x the "
                        f"widest hidden layer at most {bound(MAX_ACTIVATIONS)} (all trained on at "
                        f"once) ({given})")
    p.add_argument("-L", type=integer, default=None,
                   help=f"hidden units of one layer, {span(1, MAX_WIDTH)} (no default: -L or --widths)")
    p.add_argument("--widths", type=widths_word, nargs="+", action=WidthsAction, default=None, metavar="W",
                   help=f"hidden widths of a deeper net (16 8 or 16,8), each {span(1, MAX_WIDTH)}")
    # None: left out (plot-partition refuses them with --weights); _training_defaults() fills in the defaults
    p.add_argument("--data", "--dist", dest="data", default=None, choices=TOY_KINDS,
                   help="training data: uniform/gaussian (random labels), xor, spirals or teacher (default uniform)")
    p.add_argument("--steps", type=integer, default=None,
                   help=f"optimiser steps, {span(1, TRAIN_MAX_STEPS)} (default 4000, the reference protocol)")
    p.add_argument("--seed", type=integer, default=None,
                   help=f"seed of the data and the training, {SEED_RANGE} (default 0)")
    saved = ("; a saved network (--weights) of d > 2 is drawn in the plane of the first two coordinates, default "
             "window [-1, 1]^2") if weights else ""
    p.add_argument("--box", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                   help="window [LO, HI]^2 (default: the data with a margin; for d > 2 the slice through the "
                        f"first three points{saved})")
    p.add_argument("--color", default="decision", choices=("decision", "region", "output"),
                   help="decision (predicted class: blue 1, orange 0; the default), region (neighbours differ) or "
                        "output (the logit, with a colour bar)")
    p.add_argument("--dpi", type=integer, default=dpi,
                   help=f"resolution in dots per inch, {MIN_DPI} to {MAX_DPI} (default {dpi})")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    """Add the ``plot-partition`` and ``movie`` subcommands."""
    p = sub.add_parser(
        "plot-partition", help="draw the exact linear regions of a network (a saved one, or trained first)",
        description="Draw the exact linear regions of a ReLU network in a 2-D window: --weights FILE.npz (W1, b1, "
                    "..., w_out, b_out as written by nnpartition.network.save_network; for d > 2 inputs the plane "
                    "of the first two coordinates, the others 0), or -d -N -L/--widths to train one first with the "
                    "reference protocol on --data and draw it with the points (for d > 2 the slice through the "
                    "first three of them).")
    p.add_argument("--weights", default=None, metavar="FILE.npz", help="a saved network")
    p.add_argument("--plot", required=True, metavar="OUT.png", help=f"figure to write ({NEEDS_PLOT})")
    p.add_argument("--restarts", type=integer, default=None,
                   help=f"trainings, best kept, {span(1, MAX_RESTARTS)} (default 2)")
    p.add_argument("--save-weights", default=None, metavar="FILE.npz", help="also save the trained network")
    p.add_argument("--no-hyperplanes", action="store_true", help="do not draw the first layer's lines")
    p.add_argument("--size", type=float, default=5.0,
                   help="figure size in inches, 2 to 100 (default 5; the key below the plot from 3)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while training")
    _common(p, need_dims=False, dpi=100, weights=True)
    p.set_defaults(func=_plot_partition)

    m = sub.add_parser(
        "movie", help="a GIF of the partition while a network trains",
        description="Train a network on --data with the reference protocol's optimiser and schedule (one restart) "
                    "and write a GIF: each frame shows the "
                    "exact regions, the first layer's lines, the decision boundary and the points (misclassified "
                    "marked); the title gives the step, the training accuracy, the regions next to the bound "
                    "regions(L, 2) and estimate_accuracy's prediction. For d > 2 the slice through the first "
                    "three points is shown.")
    m.add_argument("--out", required=True, metavar="OUT.gif", help=f"the GIF to write ({NEEDS_PLOT})")
    m.add_argument("--every", type=integer, default=None,
                   help="steps between frames, at most --steps (default 50); with fewer --steps, their number")
    m.add_argument("--fps", type=integer, default=10, help=f"frames per second, 1 to {MAX_FPS} (default 10)")
    m.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(m, need_dims=True, dpi=80, weights=False)   # a GIF's frames are smaller than a figure
    m.set_defaults(func=_movie, python_names={"path": "out"})   # error messages name --out
