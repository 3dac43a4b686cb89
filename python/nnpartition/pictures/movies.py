"""The training movie: :func:`movie` trains a network and writes a GIF of its partition as it learns."""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from .. import _core, _display
from .. import _validate as v
from .._files import replacing
from .._progress import _check as _check_progress
from .._random import SeedLike
from .._repr import short_repr
from ..limits import _check_bytes
from ..network import DeepNet
from .drawing import (COLOR_MODES, KEY_INCHES, _annotate, _require_mpl, _slice_kind, _slice_note, plot_partition,
                      window_for)
from .geometry import BoxLike
from .polygons import DEFAULT_MAX_REGIONS, region_polygons

#: The resolutions (dots per inch) figures may be written at, by :func:`movie` and the command line.
MIN_DPI, MAX_DPI = 10, 1000
#: Most frames a movie makes (:func:`_frames`).
MAX_FRAMES = 2000
#: Most frames a second a movie plays at (``fps``).
MAX_FPS = 100


#: A movie frame's default width in inches.
_MOVIE_SIZE = 4.5


#: Steps between a movie's frames when ``every`` is not given (or ``steps`` when fewer).
DEFAULT_EVERY = 50


def default_every(steps: int) -> int:
    """Steps between a movie's frames when ``every`` is not given: :data:`DEFAULT_EVERY`, or ``steps`` when fewer.

    Example:
        >>> default_every(4000), default_every(20)
        (50, 20)
    """
    return min(DEFAULT_EVERY, steps)


def _frames(steps: int, every: int) -> int:
    """How many frames a movie of ``steps`` steps with a frame every ``every`` steps makes: one a snapshot of the run
    (every ``every``-th step and the last, :func:`~nnpartition.training.checks._snapshot_count`).

    Example:
        >>> _frames(2000, 1), _frames(2001, 2000)   # steps 0 to 1999; steps 0 and 2000
        (2000, 2)
    """
    from ..training.checks import _snapshot_count

    return _snapshot_count(steps, every)


def _snapshots_refusal(steps: int, every: int, d: int, ws: List[int], option: bool = False) -> Optional[str]:
    """``None`` when the trainer keeps the snapshots of a movie of ``steps`` steps with a frame every ``every`` steps
    (its check, ``training.checks._snapshot_every``, at most ``MAX_SNAPSHOT_VALUES`` values), else the refusal in
    the movie's words: ``movie()``'s arguments as ``name=value``, or (``option``) the command line's ``--name value``,
    with the smallest ``every`` that fits (the trainer's own words name ``snapshot_every``, which neither has)."""
    from ..training.checks import MAX_SNAPSHOT_VALUES, _least_every, _parameter_count, _snapshot_count, _snapshot_every

    try:
        _snapshot_every(every, None, 1, steps, d, ws)
        return None
    except ValueError:
        pass

    def name(arg: str, value: int) -> str:
        return f"--{arg} {value}" if option else f"{arg}={value}"

    params = _parameter_count(d, ws)
    fit = MAX_SNAPSHOT_VALUES // params   # snapshots that fit: at least 2 (the first step and the last) for any every
    way = f"use {name('every', _least_every(steps, fit))} or more" if fit >= 2 else "use a smaller network"
    return (f"{name('steps', steps)} with {name('every', every)} keeps {_snapshot_count(steps, every)} snapshots of "
            f"the network's {params} parameters, over the limit of {MAX_SNAPSHOT_VALUES} values; {way}")


def _frame_height(size: float, box: Tuple[Tuple[float, float], Tuple[float, float]], sliced: bool) -> float:
    """Inches of height of a movie frame ``size`` inches wide: the window at its aspect ratio (between 0.6 and 1.5
    times the width; a square window was drawn in a square frame before, a wide slice left empty space under it),
    and room for the title (a line more for a slice), the axis labels and the key."""
    (s0, t0), (s1, t1) = box
    plot = min(max((size - 0.45) * (t1 - t0) / (s1 - s0), 0.6 * size), 1.5 * size)
    return round(plot + (1.25 if size >= KEY_INCHES else 0.8) + (0.15 if sliced else 0.0), 2)


@dataclass(frozen=True, eq=False)
class MovieResult:
    """What :func:`movie` returns.

    Attributes:
        path: the GIF written.
        frames: number of frames (one per snapshot).
        steps, accuracy, regions: per frame, the training step, the training
            accuracy at that step and the number of regions in the window.
        bound: the bound on the regions of the network's lines in a plane:
            ``regions(L, 2)`` for one hidden layer, the tightest deep bound otherwise.
        estimate: ``estimate_accuracy``'s prediction for ``(d, N, L)`` on random
            labels with this training (one restart, ``steps``); ``nan`` when it
            cannot estimate it. estimate_note: its warning when the configuration
            is outside the estimator's validated range (the title marks it ``*``).
        best_accuracy: the best training accuracy the run read (:attr:`TrainResult.best_accuracy`);
            final_accuracy: the one read at its last step (:attr:`TrainResult.final_accuracy`; until the
            forty-sixth pass this field held the best); seconds: wall time.
        seed: the integer training seed actually used (what ``seed=`` resolved to); passing it as ``seed=``
            repeats the run.
    """

    __repr__ = short_repr

    path: str
    frames: int
    steps: npt.NDArray[np.int64]
    accuracy: npt.NDArray[np.float64]
    regions: npt.NDArray[np.int64]
    bound: int
    estimate: float
    final_accuracy: float
    seconds: float
    estimate_note: str = ""
    seed: int = 0
    best_accuracy: float = math.nan   # last, so that a positional construction keeps its meaning

    @_display.never_raises
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Optional[Dict[str, str]]:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): the GIF itself, as
        ``IPython.display.Image(self.path)`` shows it; the text repr when the file is gone or larger than 8 MiB
        (``_display.MAX_GIF_BYTES``), or when IPython's ``include``/``exclude`` leave ``image/gif`` out (the file is
        then not read)."""
        if not _display.wanted("image/gif", include, exclude):
            return None
        return _display.gif_bundle(self.path, repr(self))

    def to_dict(self) -> dict:  # type: ignore[type-arg]
        """A JSON-ready dict."""
        return {"path": self.path, "frames": self.frames, "steps": self.steps.tolist(),
                "accuracy": self.accuracy.tolist(), "regions": self.regions.tolist(), "bound": self.bound,
                "estimate": None if math.isnan(self.estimate) else self.estimate,
                "estimate_note": self.estimate_note or None,
                "best_accuracy": self.best_accuracy, "final_accuracy": self.final_accuracy,
                "seconds": round(self.seconds, 3), "seed": self.seed}


@contextlib.contextmanager
def _interrupt_latch() -> Any:
    """Ctrl-C remembered, not only raised: yields a list that a SIGINT appends to (the KeyboardInterrupt is raised as
    Python's own handler raises it). matplotlib draws through weakref callbacks, in which Python prints an exception
    ("Exception ignored in ...") and goes on: a Ctrl-C, or a notebook's "Interrupt kernel", landing in one was lost,
    and the movie drew its other frames (90 s more, until the sixty-second pass on issue 11). The frame loop checks
    the list after each frame. Off the main thread, or under a handler of the caller's, nothing changes."""
    seen: List[int] = []
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield seen
        return

    def handler(signum: int, frame: Any) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _region_bound(widths: Sequence[int]) -> int:
    from ..counting import deep_region_bounds, regions

    if len(widths) == 1:
        return int(regions(int(widths[0]), 2))
    return int(deep_region_bounds(2, [int(w) for w in widths]).upper)


def _tight(fig: Any) -> bool:
    """``fig.tight_layout()``, one pass; whether it was applied. A frame too small for its title, labels and colour
    bar (size=1 with color='output', or 0.5) is drawn as laid out: matplotlib's "Tight layout not applied" is about
    that frame's looks, and turned every such movie into an error where warnings are errors (pytest). Any other
    warning is passed on. (tight_layout leaves a placeholder layout engine behind, for which every savefig drew the
    figure twice: it is removed.)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.tight_layout()
    applied = True
    for w in caught:
        if issubclass(w.category, UserWarning) and str(w.message).startswith("Tight layout not applied"):
            applied = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    getattr(fig, "set_layout_engine", lambda _: None)(None)
    return applied


def _settled(fig: Any) -> Tuple[float, float, float, float]:
    """The margins of a frame's layout: two passes of ``fig.tight_layout()`` from matplotlib's default margins, as
    :func:`~nnpartition.pictures.plot_partition` lays out a figure of its own (axes of equal aspect with a key below
    need two). Each pass started from the last frame's margins until the sixty-sixth pass on issue 11, and they did
    not settle: with matplotlib 3.9 the README's movie's plot moved by 7 px a frame over its first frames (its
    subplot 403 to 498 px high over the movie), and some frames' margins move a pixel at every pass, without end."""
    from matplotlib import rcParams as rc

    # (by their literal names: matplotlib 3.8+'s typed RcParams refuses a computed key under mypy --strict)
    fig.subplots_adjust(left=rc["figure.subplot.left"], right=rc["figure.subplot.right"],
                        bottom=rc["figure.subplot.bottom"], top=rc["figure.subplot.top"])
    if _tight(fig):
        _tight(fig)
    p = fig.subplotpars
    return (p.left, p.right, p.bottom, p.top)


def _digits_alike(fontsize: float) -> bool:
    """Whether every digit is as wide as any other in the font a movie's title is written in (``rcParams``' at
    ``fontsize``): true of matplotlib's default DejaVu Sans and its other bundled text fonts, not of every font."""
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=fontsize, weight=matplotlib.rcParams["axes.titleweight"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # (a font without digits warns "Glyph ... missing": each digit one box)
        widths = {TextToPath().get_text_width_height_descent(c, prop, ismath=False)[0] for c in "0123456789"}
    return len(widths) == 1


def _lay_out(fig: Any, ax: Any, layouts: Optional[Dict[Tuple[str, ...], Tuple[float, float, float, float]]],
             alike: bool = True) -> None:
    """Lay out a movie frame (:func:`_settled`), once a frame *shape*: two frames whose title differs only in its
    digits (step, accuracy, counts) and whose key names the same things are laid out alike, where every digit is as
    wide as any other in the title's font (``alike``, :func:`_digits_alike`; otherwise the title is the shape).
    ``layouts`` keeps each shape's margins; ``None`` (frames with a colour bar, whose tick labels change from frame to
    frame) lays out every frame.

    A layout cost a frame 0.14 s of its 0.5 s (about 60 frames of the README's movie), and each frame's ``savefig``
    drew the figure once more than it printed it, for the layout engine ``tight_layout`` leaves behind (matplotlib
    3.6 and later): both until the sixty-sixth pass on issue 11.
    """
    if layouts is None:
        _settled(fig)
        return
    legend = ax.get_legend()
    shape = (re.sub("[0-9]", "0", ax.get_title()) if alike else ax.get_title(),
             *(t.get_text() for t in (legend.get_texts() if legend is not None else ())))
    if shape not in layouts:
        layouts[shape] = _settled(fig)
    left, right, bottom, top = layouts[shape]
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)


def movie(X: Any, y: Any, L: Optional[int] = None, *, path: Union[str, "os.PathLike[str]"],
          widths: Optional[Sequence[int]] = None, every: Optional[int] = None, steps: int = 4000, seed: SeedLike = 0,
          plane: Any = None, box: Optional[BoxLike] = None, color: str = "decision", fps: int = 8, dpi: int = 80,
          size: float = _MOVIE_SIZE, max_regions: int = DEFAULT_MAX_REGIONS, progress: Optional[bool] = None,
          dist: str = "uniform") -> MovieResult:
    """Train a network on ``(X, y)`` and write a GIF of its partition as it learns.

    The network ``d -> L -> 1`` (or ``widths``) is trained with the reference
    protocol (full-batch Adam, lr 0.02 cosine-annealed over ``steps``, one
    restart) and its parameters are recorded every ``every`` steps
    (``train(..., snapshot_every=every)``). Each frame is :func:`plot_partition`
    of one snapshot: the exact regions, the first layer's lines, the decision
    boundary and the points (misclassified ones marked). The title shows the
    step, the training accuracy, the number of regions next to the bound
    ``regions(L, 2)`` and :func:`nnpartition.estimate_accuracy`'s prediction for
    ``(d, N, L)`` (random labels). For ``d > 2`` the frames show the slice
    through the first three points of ``X`` (or ``plane``).

    The GIF is written by matplotlib's Pillow writer on a bare ``Figure``: no
    pyplot, and the backend is never switched (``pip install 'nnpartition[plot]'``).

    Args:
        X, y: training points ``(N, d)`` and 0/1 labels.
        L, widths: hidden units of a two-layer network, or a list of widths.
        path: the ``.gif`` to write (a ``str`` or ``os.PathLike``; the result's ``path`` is its ``str``), whole or
            not at all: an error or Ctrl-C leaves the file there as it was (``docs/pictures.md``).
        every: steps between frames, 1 to ``steps`` (the last step is always a frame); ``None`` (the default):
            50, or ``steps`` when fewer. A larger ``every`` is refused, as the explorer refuses it.
        steps: optimiser steps. seed: training seed, as :func:`~nnpartition.train` takes it (the result's
            ``seed`` is the integer used).
        plane, box, color, max_regions: as for :func:`plot_partition`; the box
            is fixed for the whole movie.
        fps: frames per second; dpi, size: frame resolution (``size`` inches wide; the height follows the
            window's aspect ratio, 0.6 to 1.5 times the width, plus room for the title and the key).
        progress: progress bars over the training's steps, then over the frames (``None``: only on a terminal or
            in a notebook, for work that takes more than a second).
        dist: the point distribution the estimate assumes (``uniform`` or ``gaussian``, alias ``gauss`` or
            ``normal``, as for :func:`nnpartition.estimate_accuracy`).

    Returns:
        A :class:`MovieResult`.

    Example:
        >>> import os, tempfile
        >>> from nnpartition.datasets import toy_dataset
        >>> X, y = toy_dataset("xor", 60, seed=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "xor.gif")
        >>> r = movie(X, y, 4, path=path, every=100, steps=200, dpi=30, size=2, progress=False)
        >>> r.frames, r.steps.tolist(), r.bound, os.path.getsize(path) > 0
        (3, [0, 100, 199], 11, True)
    """
    _require_mpl()
    import matplotlib
    from matplotlib.animation import PillowWriter
    from matplotlib.figure import Figure

    from .._progress import progress_bar
    from ..estimate import estimate_accuracy
    from ..training import Protocol
    from ..training import train

    start = time.perf_counter()
    Xc = v.float_matrix("X", X, dtype=np.float64, finite=True)
    yc = v.binary_labels("y", y, Xc.shape[0])
    N, d = Xc.shape
    if isinstance(path, os.PathLike):   # a pathlib.Path naming a .gif was refused as not naming one
        path = os.fspath(path)
    if not isinstance(path, str) or not path.lower().endswith(".gif"):
        raise ValueError(f"path must name a .gif file, got {path!r}")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):   # before training: it raised FileNotFoundError at the end, the frames lost
        raise ValueError(f"path {path!r}: the folder {folder} does not exist")
    if os.path.isdir(path):   # IsADirectoryError after the training and every frame
        raise ValueError(f"path {path!r} is a directory; give a .gif file name")
    steps = v.count("steps", steps, minimum=1, maximum=2**40)
    every = default_every(steps) if every is None else v.count("every", every, minimum=1, maximum=2**40)
    fps = v.count("fps", fps, minimum=1, maximum=MAX_FPS)
    dpi = v.count("dpi", dpi, minimum=MIN_DPI, maximum=MAX_DPI)
    size = v.real("size", size, minimum=0.5, maximum=40.0)
    color = v.choice("color", color, COLOR_MODES)
    dist = v.choice("dist", dist, _core.CHOICES["dist"], _core.ALIASES["dist"])   # the names estimate_accuracy takes
    max_regions = v.count("max_regions", max_regions, minimum=1, maximum=2**40)   # before training, not after
    progress = _check_progress(progress)
    if every > steps:
        # as the explorer refuses it: every=1000 with steps=400 made a movie of two frames, the first and last steps
        raise ValueError(f"every={every} must be at most steps={steps} (a frame every {every} steps of {steps} is "
                         f"only the first and the last); use every={steps} or less")
    frames = _frames(steps, every)
    if frames > MAX_FRAMES:
        # (the smallest every that fits, as name=value: the command line reads it as its --every; "raise every"
        # kept Python's name there)
        from ..training.checks import _least_every

        raise ValueError(f"steps={steps} with every={every} makes more than {MAX_FRAMES} frames; use "
                         f"every={_least_every(steps, MAX_FRAMES)} or more")
    if widths is not None:
        if L is not None:
            raise ValueError("pass either L or widths, not both")
        if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
            # widths=8 failed with "'int' object is not iterable", widths="88" as "widths[0] ... got str '8'"
            raise TypeError(f"widths must be a list of hidden widths such as [8, 8] (or pass L=8 for one layer), "
                            f"got {type(widths).__name__} {widths!r}")
        ws = [v.count(f"widths[{i}]", w, minimum=1, maximum=2**20) for i, w in enumerate(widths)]   # train()'s bound
        if not ws:
            raise ValueError("widths must be a non-empty list")
    else:
        if L is None:
            raise TypeError("movie() needs L (hidden units) or widths")
        ws = [v.hidden_units(L, maximum=2**20, whole_floats=False)]   # train()'s bound (it was 2**16, stated nowhere)
    refusal = _snapshots_refusal(steps, every, d, ws)
    if refusal is not None:   # before the file is made and the training (train() refused it in its own words)
        raise ValueError(refusal)
    p, box = window_for(DeepNet([(np.zeros((d, 1)), np.zeros(1))], np.zeros(1), 0.0), Xc, plane=plane, box=box)
    slice_kind = _slice_kind(d, plane, p)
    slice_note = _slice_note(d, slice_kind)   # ("" for d == 2: the plot is the input plane)
    height = _frame_height(size, box, slice_note != "")
    # matplotlib's GIF writer keeps every frame, a PIL image of (size dpi) x (height dpi) pixels, until it writes the
    # file, and the canvas an RGBA copy (an audit after the twenty-eighth pass on issue 11: 200 frames of 10 inches
    # at dpi 1000 took 5.9 GB before a MemoryError). A review measured the process growing by 5.3 bytes a pixel and
    # frame (PIL stores RGB in 4 bytes, and writing the GIF adds more): 6 are counted.
    wide, high = round(size * dpi), round(height * dpi)
    _check_bytes(f"a movie of {frames} frames of {wide} x {high} pixels", float(wide) * high * (6.0 * frames + 8.0),
                 # name=value, which the command line reads as its options (--dpi 80, --every 50); size only where
                 # given, as the command line has no --size
                 f"lower dpi={dpi}{f' or size={size:g}' if size != _MOVIE_SIZE else ''}, or raise every={every}")

    # The GIF is written whole or not at all (:func:`~nnpartition._files.replacing`): into a file beside it that
    # replaces it at the end. Written in place, a movie interrupted by Ctrl-C while its frames were drawn left a GIF
    # of the frames made so far under the name given, over the file there, and took seconds to encode them first. The
    # file is made now: a folder where none can be made fails before the training, not after every frame.
    with contextlib.ExitStack() as stack:
        try:
            part = stack.enter_context(replacing(path))
        except OSError as exc:
            raise ValueError(f"path {path!r}: cannot be written ({exc.strerror or exc})") from None
        # the training's bar moves at every snapshot (train's callback watches the same run: restart 0's stream)
        with progress_bar(steps, desc="movie training", progress=progress, unit="step") as bar:
            res = train(Xc, yc, widths=ws, steps=steps, restarts=1, seed=seed, snapshot_every=every,
                        callback=lambda step, net, acc, loss: bar.update(step + 1 - bar.n), progress=False)
        nets = res.snapshots()
        # The estimator's prediction for random labels of this size, trained as this movie trains (one
        # restart, these steps); outside its validated range it warns, and the title marks the value with *.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                protocol = Protocol(steps=steps, restarts=1)
                est = float(estimate_accuracy(d, N, widths=ws, dist=dist, protocol=protocol).accuracy)
            except (ValueError, TypeError, MemoryError):
                est = float("nan")
        note = "; ".join(str(w.message) for w in caught)
        bound = _region_bound(ws)
        bound_txt = f"regions({ws[0]}, 2) = {bound}" if len(ws) == 1 else f"{bound}, the deep bound"
        fig = Figure(figsize=(size, height))
        writer = PillowWriter(fps=fps)
        counts: List[int] = []
        layouts: Dict[Tuple[str, ...], Tuple[float, float, float, float]] = {}
        alike = _digits_alike(8.0)   # (the title's size below)
        # writer.saving's work, but finished only once every frame is made (writer.saving finishes on an error too:
        # it wrote the frames made so far, and raised an IndexError over the error when there were none);
        # savefig.bbox stays None meanwhile, as writer.saving keeps it (one size for every frame)
        with matplotlib.rc_context({"savefig.bbox": None}), \
                progress_bar(len(nets), desc="movie frames", progress=progress) as bar, \
                _interrupt_latch() as interrupted:
            writer.setup(fig, part, dpi)
            for k, net in enumerate(nets):
                fig.clear()
                ax = fig.add_subplot()
                rp = region_polygons(net, box=box, plane=p, max_regions=max_regions)
                counts.append(rp.n_regions)
                plot_partition(net, Xc, yc, ax=ax, plane=p, box=box, color=color, max_regions=max_regions,
                               colorbar=color == "output", key=False)
                _annotate(ax, d, slice_kind, color=color, fontsize=7, ticks=False, key=size >= KEY_INCHES)
                est_txt = "n/a" if math.isnan(est) else f"{est:.3f}" + ("*" if note else "")
                where = "\n" + slice_note if slice_note else ""
                regions_txt = f"{rp.n_regions} region" + ("" if rp.n_regions == 1 else "s")
                ax.set_title(f"step {int(res.snapshot_steps[k])}   train acc {res.snapshot_accuracy[k]:.3f}\n"
                             f"{regions_txt}, at most {bound_txt}\n"
                             f"estimate_accuracy: {est_txt}  (random labels, d={d}, N={N}){where}", fontsize=8,
                             wrap=True, y=1.0)   # (where matplotlib puts it: asked for at every drawing, it measured
                # every tick of the axes to see whether one stood above them, 40% of a frame's drawing)
                _lay_out(fig, ax, layouts if color != "output" else None, alike)
                writer.grab_frame()
                bar.update(1)
                if interrupted:   # a Ctrl-C that matplotlib swallowed
                    raise KeyboardInterrupt
            writer.finish()   # into the part file; on an error or Ctrl-C above, no GIF at all (replacing removes it)
    return MovieResult(path=path, frames=len(nets), steps=res.snapshot_steps.copy(),
                       accuracy=res.snapshot_accuracy.copy(), regions=np.asarray(counts, np.int64), bound=bound,
                       estimate=est, final_accuracy=float(res.final_accuracy), seconds=time.perf_counter() - start,
                       best_accuracy=float(res.best_accuracy),
                       estimate_note=note, seed=res.seed)
