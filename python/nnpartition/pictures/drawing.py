"""Drawing a partition with matplotlib: :func:`plot_partition`, its colours, its window (:func:`window_for`) and
the axis labels, key and slice note of the command line's pictures (:func:`_annotate`, :func:`_slice_note`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Tuple

import numpy as np

from .. import _validate as v
from ..limits import _block_rows
from ..network import TwoLayerNet  # noqa: F401 - the docstring examples' network
from .geometry import BoxLike, Plane, _box, _distance, _plane, _window_bounds
from .polygons import DEFAULT_MAX_REGIONS, DEFAULT_TOL, RegionPolygons, _as_network, _region_polygons

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Most data points :func:`plot_partition` draws by default: more are a seeded random sample of this many (a figure
#: of millions of markers shows nothing more, and matplotlib took 12 s for a million and over 11 minutes, 8.5 GB, for
#: 75 million).
DEFAULT_MAX_POINTS = 20_000
#: Ways :func:`plot_partition` colours the regions.
COLOR_MODES = ("decision", "region", "output")
#: The classes' colours, the in-browser explorer's (``nnpartition explore``): blue for class 1, orange for class 0,
#: a region's fill (mixed with white, deeper for a larger ``|logit|``) and, darker, a point's. The fills' lightness
#: differs by a CIE L* of at least 10 at the same shade from the key's (0.6 of the colour) up, so that a page printed
#: in black and white tells the classes' regions apart (the sixty-seventh pass on issue 11 darkened the blue, #2f6fd0,
#: and lightened the orange, #e0782a, within their hues: their L* differed by 7.3 at the key's shade); near the
#: decision boundary, where both fade to white, the boundary's black line parts them. The points' L* differ by 13
#: (the blue point was #1b4b9a, 10 from the orange).
CLASS_COLOURS = {1: "#0d61c0", 0: "#ef8537"}
POINT_COLOURS = {1: "#084492", 0: "#a44d12"}
#: The classes' point markers (matplotlib's names), a cue without colour for a page printed in black and white or a
#: reader who does not tell the colours apart: triangles for class 1, circles for class 0 (the explorer's too); a
#: misclassified point is crossed with a black ``x`` besides. (Both were circles until the sixty-seventh pass on
#: issue 11.)
POINT_MARKERS = {1: "^", 0: "o"}
#: Marker areas (points^2, matplotlib's ``s``) that make the two shapes about as large: matplotlib's triangle fills
#: 0.5 of its square, its circle 0.785.
_POINT_SIZES = {1: 14.0 * 1.5, 0: 14.0}

#: The range of the regions' largest ``|logit|`` over which the colour bar of ``color="output"`` is in logits;
#: outside it the bar is in units of a power of ten, labelled so (``"logit / 1e308"``): matplotlib's bar overflowed
#: from about 5e307 (a RuntimeWarning) and widened a range below about 2e-287 to +-0.1.
_BAR_RANGE = (1e-250, 1e250)

#: Bytes a region's drawing costs :func:`plot_partition` besides the arrays of :func:`region_polygons`, counted
#: against the memory limit with them: matplotlib's path and colour of the polygon and its view in the list handed
#: to ``PolyCollection`` (measured 1.0-1.7 KB for 144,000 regions of four corners).
_DRAW_BYTES = 2048.0


def _require_mpl() -> Any:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'nnpartition[plot]'") from None
    return matplotlib


def _region_colours(rp: RegionPolygons, color: str) -> Tuple[np.ndarray, Optional[Tuple[Any, str]]]:
    """RGBA colours per polygon, and a ScalarMappable for a colour bar with the bar's label (or None)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    if rp.n_regions == 0:
        return np.zeros((0, 4)), None
    if color == "region":
        # Neighbouring regions differ in exactly one unit's sign; weights c_j in 1..K-1 make
        # (patterns @ c) mod K differ across every such flip, so neighbours never share a colour.
        K = 20
        c = np.random.default_rng(12345).integers(1, K, size=rp.patterns.shape[1])
        # a block of rows at a time (the patterns as int64, whole, were 8 bytes a region and unit)
        rows = _block_rows(rp.patterns.shape[1])
        idx = np.concatenate([(rp.patterns[i:i + rows].astype(np.int64) @ c) % K
                              for i in range(0, rp.n_regions, rows)])
        return colormaps["tab20"](idx / (K - 1) * 0.999), None
    # (a logit beyond float64, infinite, is shaded as the largest float: NaN colours from inf / inf before)
    big = np.finfo(np.float64).max
    z = np.clip(rp.logits(), -big, big)
    m = float(np.max(np.abs(z))) or 1.0
    if color == "output":
        cmap = _logit_colormap()
        bar: Tuple[Any, str] = (ScalarMappable(Normalize(-m, m), cmap), "logit")
        if not _BAR_RANGE[0] <= m <= _BAR_RANGE[1]:
            # the bar in units of 1e<k>, labelled so: matplotlib's bar overflowed (a RuntimeWarning) from about
            # 5e307, and below about 2e-287 it widened the range to +-0.1, whose ticks were not the colours' logits
            # (the shortest digits that give m, as numpy and Python print it: 1e-320, not its 9.980126e-321)
            mantissa, exponent = np.format_float_scientific(m, unique=True).split("e")
            bar = (ScalarMappable(Normalize(-float(mantissa), float(mantissa)), cmap), f"logit / 1e{int(exponent)}")
        return cmap(0.5 + 0.5 * (z / m)), bar   # not norm(z), whose z + m overflowed from 9e307
    # decision: the class colour mixed with white, deeper for larger |logit| (as the explorer shades it)
    t = (0.2 + 0.65 * np.sqrt(np.abs(z) / m))[:, None]
    rgba = np.ones((rp.n_regions, 4))
    rgba[:, :3] = 1.0 + (np.where(rp.decision[:, None], _rgb(CLASS_COLOURS[1]), _rgb(CLASS_COLOURS[0])) - 1.0) * t
    return rgba, None


def _marker_path(marker: str) -> Any:
    """The path of a matplotlib marker as ``scatter`` draws it (in the marker's unit square, scaled by ``s``).

    Example:
        >>> len(_marker_path("^").vertices) < len(_marker_path("o").vertices)
        True
    """
    from matplotlib.markers import MarkerStyle

    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform())


def _rgb(colour: str) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(colour))


def _logit_colormap() -> Any:
    """The diverging colour map of ``color="output"``: dark orange (the most negative logit, class 0) through white
    (logit 0) to dark blue (the most positive, class 1), the classes' colours (:data:`CLASS_COLOURS`).

    Example:
        >>> from matplotlib.colors import to_hex
        >>> cmap = _logit_colormap()
        >>> [to_hex(cmap(x)) for x in (0.0, 1.0)], bool(min(cmap(0.5)[:3]) > 0.98)
        (['#a44d12', '#084492'], True)
    """
    _require_mpl()
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "nnpartition_logit", [POINT_COLOURS[0], CLASS_COLOURS[0], "#ffffff", CLASS_COLOURS[1], POINT_COLOURS[1]])


def window_for(net: Any, X: Any = None, *, plane: Any = None,
               box: Optional[BoxLike] = None) -> Tuple[Plane, Tuple[Tuple[float, float], Tuple[float, float]]]:
    """The plane and box :func:`plot_partition` uses for ``net`` and points ``X`` (see its ``plane`` and ``box``).

    Example:
        >>> net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 0.0)
        >>> window_for(net, [[0.0, 0.0], [1.0, 2.0]])[1]
        ((-0.1, -0.1), (1.1, 2.1))
    """
    nn = _as_network(net)
    d = nn.d
    Xc = None if X is None else v.float_matrix("X", X, dtype=np.float64, cols=d)
    if plane is None and d > 2 and Xc is not None:
        if Xc.shape[0] < 3:
            raise ValueError(f"d = {d} > 2: pass plane=(x0, x1, x2) or at least three points X")
        plane = (Xc[0], Xc[1], Xc[2])
    p = _plane(plane, d)
    if box is None:
        from_data = False
        if isinstance(plane, (tuple, list)) and len(plane) == 3:
            pts, margin = p.to_window(np.stack([np.asarray(q, np.float64) for q in plane])), 0.25
        elif Xc is not None and d == 2:
            pts, margin, from_data = _window_bounds(p, Xc), 0.05, True
        else:
            pts, margin = np.array([[-1.0, -1.0], [1.0, 1.0]]), 0.0
        lo_, hi_ = pts.min(axis=0), pts.max(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):   # points near float64's limits: refused below
            span = float(np.max(hi_ - lo_))
            if not span > 0:   # one point (or all at one place): a unit window around it
                lo_, hi_, span = lo_ - 0.5, hi_ + 0.5, 1.0
            box = ((lo_ - margin * span).tolist(), (hi_ + margin * span).tolist())
        if from_data:
            # the data's window, not a box the caller gave: points 1e200 apart were told "box is too wide"
            try:
                return p, _box(box)
            except ValueError as exc:
                why = str(exc)[len("box "):] if str(exc).startswith("box ") else str(exc)
                raise ValueError(f"X spans {lo_.min():g} to {hi_.max():g}: the window around it, with a 5% margin, "
                                 f"{why}; pass a box, or rescale X") from None
    return p, _box(box)


def _drawn_points(X: Any, plane: Plane, max_points: int = DEFAULT_MAX_POINTS) -> Tuple[np.ndarray, int]:
    """The rows of ``X`` :func:`plot_partition` draws, and how many it could draw.

    The points it can draw are all of them for ``d == 2``, and for ``d > 2`` those lying in the plane (within
    ``1e-9`` times ``max(1, max |X|)`` of it). Of more than ``max_points`` of them, a random sample of
    ``max_points`` is drawn, the same on every call (seed 0), in the order of ``X``.

    Example:
        >>> X = np.arange(10.0).reshape(5, 2)
        >>> rows, total = _drawn_points(X, Plane.standard(2), max_points=3)
        >>> len(rows), total, bool(np.all(np.diff(rows) > 0))
        (3, 5, True)
    """
    Xc = v.float_matrix("X", X, dtype=np.float64, cols=plane.d)
    max_points = v.count("max_points", max_points, minimum=1, maximum=2**40)
    n = Xc.shape[0]
    if plane.d == 2:
        candidates = None
        total = n
    else:
        rows = _block_rows(4 * plane.d)
        scale = max([1.0] + [float(np.abs(Xc[i:i + rows]).max()) for i in range(0, n, rows)])
        near = np.concatenate([_distance(plane, Xc[i:i + rows]) <= 1e-9 * scale for i in range(0, n, rows)])
        candidates = np.flatnonzero(near)
        total = int(candidates.shape[0])
    if total > max_points:
        pick = np.sort(np.random.default_rng(0).choice(total, max_points, replace=False))
    else:
        pick = np.arange(total)
    return (pick if candidates is None else candidates[pick]).astype(np.int64), total


def _check_edgecolor(c: Any) -> None:
    """Refuse an ``edgecolor`` matplotlib cannot draw (``nan`` failed later with "object of type 'float' has no
    len()"), or one with NaN components, naming the argument."""
    if c is None or (isinstance(c, str) and c == "face"):
        return
    from matplotlib.colors import to_rgba_array

    what = ("edgecolor must be a matplotlib colour ('k', '#333333', an RGB(A) tuple in [0, 1], 'none' or 'face') or a "
            f"list of them, got {type(c).__name__} {c!r}")
    try:
        rgba = to_rgba_array(c)
    except TypeError:
        raise TypeError(what) from None
    except ValueError:
        raise ValueError(what) from None
    if not np.all(np.isfinite(rgba)):
        raise ValueError(f"edgecolor contains NaN: {c!r}")


def plot_partition(net: Any, X: Any = None, y: Any = None, *, ax: Optional["Axes"] = None, color: str = "decision",
                   hyperplanes: bool = True, decision_boundary: bool = True, plane: Any = None,
                   box: Optional[BoxLike] = None, edgecolor: Any = (0.2, 0.2, 0.2, 0.35), linewidth: float = 0.3,
                   max_regions: int = DEFAULT_MAX_REGIONS, colorbar: bool = False,
                   max_points: int = DEFAULT_MAX_POINTS, key: bool = True) -> "Axes":
    """Draw the exact linear regions of ``net`` (a ``PolyCollection``), optionally with data points.

    Args:
        net: as for :func:`region_polygons`.
        X, y: optional points ``(N, d)`` and 0/1 labels, drawn by label as dark blue triangles (1) and dark
            orange circles (0) (:data:`POINT_MARKERS`: the shapes tell the classes apart in black and white),
            misclassified ones marked with a black ``x``. For
            ``d > 2`` only the points lying in the plane (within 1e-9 of it) are drawn.
            Of more than ``max_points`` such points a random sample of ``max_points`` is drawn (the same one on
            every call), and the points' label says so: ``"points (20000 of 75000000)"``; the window still fits
            them all.
        ax: matplotlib axes to draw into (default: a new figure's axes). The
            backend is never switched.
        color: ``"decision"`` (predicted class, blue 1 and orange 0 as in ``nnpartition explore``, deeper shade
            for larger ``|logit|``; regions are cut along the decision boundary for this),
            ``"region"`` (neighbouring regions get different colours) or
            ``"output"`` (the logit on a diverging colour map, orange negative, white 0, blue positive).
        hyperplanes: draw the first layer's lines (thin grey).
        decision_boundary: draw the decision boundary (logit = 0, black).
        plane: as for :func:`region_polygons`; for ``d > 2`` with ``X`` given it
            defaults to the plane through the first three points of ``X``.
        box: the window (as for :func:`region_polygons`); default: ``X``'s
            window coordinates with a 5% margin for ``d == 2`` (a unit window
            around a single point), the three plane points with a 25% margin for
            a plane through them, else ``(-1, 1)``.
        edgecolor, linewidth: polygon edges: a matplotlib colour (``"k"``, ``"#333333"``, an RGB(A) tuple in
            ``[0, 1]``, ``"none"``, ``"face"``; ``None`` for matplotlib's default) or a list of them, and a finite
            width ``>= 0`` in points.
        max_regions: as for :func:`region_polygons`; the memory limit (``max_bytes``) counts each
            region's drawing too, about 2 KiB more a region.
        colorbar: add a colour bar (``color="output"`` only).
        max_points: most points drawn (:data:`DEFAULT_MAX_POINTS`, 20,000); an integer ``>= 1``.
        key: name the axes (``x1``, ``x2``; for another plane the slice's own axes) and draw a key below them, as the
            command line's pictures do: the points' labels (those drawn), the misclassified marker, the predicted
            classes' colours (``color="decision"``), the decision boundary and the first layer's lines (those
            drawn). The key lies below the axes: a figure this call makes is laid out to hold it, a constrained
            layout (``Figure(layout="constrained")``) makes room for it, and so does ``fig.tight_layout()`` (called
            twice: matplotlib lays out axes of equal aspect in two passes); otherwise leave room below each panel,
            or pass ``key=False``.

        ``hyperplanes``, ``decision_boundary``, ``colorbar`` and ``key`` are ``True`` or ``False`` (``"no"`` is
        refused, not read as true); every argument is checked before anything is computed or drawn.

    Returns:
        The axes.

    Example:
        >>> from matplotlib.figure import Figure
        >>> net = TwoLayerNet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), np.array([1.0, 1.0]), -0.5)
        >>> ax = plot_partition(net, ax=Figure().add_subplot(), box=(-1, 1))
        >>> len(ax.collections[0].get_paths()), [float(x) for x in ax.get_xlim()]  # 4 regions, 3 cut in two
        (7, [-1.0, 1.0])
    """
    _require_mpl()
    color = v.choice("color", color, COLOR_MODES)
    hyperplanes = v.flag("hyperplanes", hyperplanes)
    decision_boundary = v.flag("decision_boundary", decision_boundary)
    colorbar = v.flag("colorbar", colorbar)
    key = v.flag("key", key)
    linewidth = v.real("linewidth", linewidth, minimum=0.0)
    max_points = v.count("max_points", max_points, minimum=1, maximum=2**40)
    _check_edgecolor(edgecolor)
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):   # it failed after the regions were computed, on ax.add_collection
            raise TypeError(f"ax must be matplotlib axes (or None for a new figure), got {type(ax).__name__}")
    nn = _as_network(net)
    d = nn.d
    Xc = yc = None
    if X is not None:
        Xc = v.float_matrix("X", X, dtype=np.float64, cols=d, finite=True)
        if y is not None:
            yc = v.binary_labels("y", y, Xc.shape[0])
    elif y is not None:
        raise ValueError("y given without X")
    p, box = window_for(nn, Xc, plane=plane, box=box)
    # (the regions' drawing is counted against max_bytes with them)
    rp = _region_polygons(nn, box, p, color == "decision", DEFAULT_TOL, max_regions, _DRAW_BYTES)
    if ax is None:
        import matplotlib.pyplot as plt

        own, ax = plt.subplots(figsize=(5, 5))   # (a figure this call lays out itself)
    else:
        own = None
    bar = _draw_regions(ax, rp, color, hyperplanes, decision_boundary, edgecolor, linewidth)
    if Xc is not None:
        # only the points drawn are projected and predicted (all of them took 8.5 GB for 75 million)
        rows, total = _drawn_points(Xc, p, max_points)
        Xs = Xc[rows]
        P = p.to_window(Xs) if len(rows) else np.zeros((0, 2))
        pred = nn.predict(Xs) if len(rows) else np.zeros(0, np.int64)
        lab = yc[rows] if yc is not None else pred
        label = "points" if len(rows) == total else f"points ({len(rows)} of {total})"
        one = lab == 1
        dots = ax.scatter(P[:, 0], P[:, 1], c=np.where(one, POINT_COLOURS[1], POINT_COLOURS[0]),
                          s=np.where(one, _POINT_SIZES[1], _POINT_SIZES[0]), edgecolors="white", linewidths=0.5,
                          zorder=3, label=label)
        if len(rows):
            # one collection still (its points in X's order), with each point's path its class's marker
            shapes = {c: _marker_path(POINT_MARKERS[c]) for c in (0, 1)}
            dots.set_paths([shapes[1] if o else shapes[0] for o in one.tolist()])
        if yc is not None:
            wrong = pred != lab
            if np.any(wrong):
                ax.scatter(P[wrong, 0], P[wrong, 1], marker="x", c="k", s=30, linewidths=1.2, zorder=4,
                           label="misclassified")
    _frame(ax, rp)
    if colorbar and bar is not None:
        mappable, label = bar
        if _constrained(ax.figure):
            # a constrained layout places a bar made with ax=ax itself (one made beside the axes, as below, it
            # does not place: it ran over the next panel and off the figure's edge)
            ax.figure.colorbar(mappable, ax=ax, label=label)
        else:
            # beside the axes' own box, as tall as it (with ax=ax the bar took the whole height the axes were
            # given: above a wide window, it ran into the title)
            from mpl_toolkits.axes_grid1 import make_axes_locatable

            cax = make_axes_locatable(ax).append_axes("right", size="5%", pad=0.1)
            ax.figure.colorbar(mappable, cax=cax, label=label)
    if key:
        _annotate(ax, d, _slice_kind(d, plane, p), color=color, under_axes=own is None)
    if own is not None and not _constrained(own) and (key or (colorbar and bar is not None)):
        # the figure is ours to lay out: the bar's label ("logit") ran off its right edge, cut to "logi"; the key
        # below the axes off its bottom edge
        own.tight_layout()
        if key:
            own.tight_layout()   # (a second pass: see key above)
    return ax


def _draw_regions(ax: "Axes", rp: RegionPolygons, color: str, hyperplanes: bool, decision_boundary: bool,
                  edgecolor: Any, linewidth: float) -> Optional[Tuple[Any, str]]:
    """Draw the polygons of ``rp`` coloured by ``color``, its first layer's lines and its decision boundary into
    ``ax`` (the drawing of :func:`plot_partition` and of :meth:`RegionPolygons._repr_png_`); the colour bar's
    mappable and label, or ``None``."""
    from matplotlib.collections import LineCollection, PolyCollection

    faces, bar = _region_colours(rp, color)
    polys = np.split(rp.vertices, rp.offsets[1:-1]) if rp.n_regions else []
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors=edgecolor, linewidths=linewidth,
                                     label="regions"))
    if hyperplanes:
        ax.add_collection(LineCollection(list(rp.lines), colors=[(0.35, 0.35, 0.35, 0.8)], linewidths=0.6,
                                         linestyles="--", label="first-layer lines"))
    if decision_boundary:
        ax.add_collection(LineCollection(list(rp.boundary), colors="k", linewidths=1.4,
                                         label="decision boundary"))
    return bar


def _frame(ax: "Axes", rp: RegionPolygons) -> None:
    """The axes' limits at the window ``rp.box``, at equal scale."""
    lo, hi = rp.box
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")


#: The most regions :meth:`RegionPolygons._repr_png_` draws (a notebook's picture of the result at the end of a
#: cell); more show the text repr (``plot_partition`` draws any number). Drawing 8,676 regions took 0.24 s at a load
#: average of 3, and about 0.8 s on a busier machine (``python benchmarks/bench_display.py``, L = 150).
PICTURE_MAX_REGIONS = 10_000
#: The notebook picture's axes: its window's longer side is this many inches, at :data:`PICTURE_DPI` dots an inch,
#: with :data:`PICTURE_MARGINS` around it (left, right, bottom, top) for the ticks' labels and the title: a square
#: window is 4 x 4 inches, 320 x 320 pixels; a window three times as wide as tall 320 x 149.
PICTURE_INCHES = 3.2
PICTURE_DPI = 80
PICTURE_MARGINS = (0.5, 0.3, 0.35, 0.45)


def _picture_png(rp: RegionPolygons) -> Optional[bytes]:
    """The PNG of ``rp`` as :func:`plot_partition` colours it by decision (its first layer's lines and its decision
    boundary on top; titled with the number of regions), sized by :data:`PICTURE_INCHES`, drawn on a figure of its
    own (no pyplot: no figure is left for the notebook to show again, no backend is switched); ``None`` without
    matplotlib or past :data:`PICTURE_MAX_REGIONS` regions."""
    import importlib.util
    import io

    if rp.n_regions > PICTURE_MAX_REGIONS or importlib.util.find_spec("matplotlib") is None:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    (s0, t0), (s1, t1) = rp.box
    aspect = (t1 - t0) / (s1 - s0)   # (the box's sides are positive and finite: region_polygons checks them)
    # the axes at the window's aspect, the shorter side at least a tenth of the longer (a thinner window is drawn
    # in the middle of that, at equal scale)
    w, h = PICTURE_INCHES * min(1.0, max(0.1, 1 / aspect)), PICTURE_INCHES * min(1.0, max(0.1, aspect))
    left, right, bottom, top = PICTURE_MARGINS
    fw, fh = w + left + right, h + bottom + top
    fig = Figure(figsize=(fw, fh), dpi=PICTURE_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((left / fw, bottom / fh, w / fw, h / fh))   # (a layout engine cost 0.1 s a picture)
    _draw_regions(ax, rp, "decision", True, True, (0.2, 0.2, 0.2, 0.35), 0.3)
    _frame(ax, rp)
    ax.tick_params(labelsize=7)
    ax.set_title(f"{rp.n_regions} region{'' if rp.n_regions == 1 else 's'}", fontsize=8)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=PICTURE_DPI)
    return out.getvalue()


#: The narrowest figure (inches) the command line's pictures and movie frames draw their key in: three columns of
#: it need about 3 inches (a 1-inch frame had no room for it; matplotlib's layout gave up).
KEY_INCHES = 3.0


def _slice_kind(d: int, plane: Any, p: Plane) -> Optional[str]:
    """The slice a picture of the window plane ``p`` (``plane`` as given) shows, for :func:`_annotate` and
    :func:`_slice_note`: ``None`` for the input plane itself (``d == 2``: x1 and x2), ``"standard"`` for the plane
    of x1 and x2 of ``d > 2``, else ``"plane"`` for a plane given, ``"points"`` for the data's first three points.
    (Until a review in the sixty-fifth pass a plane given for ``d == 2`` was named x1, x2 whatever its axes: one
    turned a quarter showed x2 across and -x1 up under those names.)

    Example:
        >>> _slice_kind(2, None, Plane.standard(2)), _slice_kind(3, None, Plane.standard(3))
        (None, 'standard')
        >>> _slice_kind(2, [[0, 0], [0, 1], [-1, 0]], Plane.through([0, 0], [0, 1], [-1, 0]))
        'plane'
    """
    e = np.eye(2, d)
    if not np.any(p.origin) and np.array_equal(p.u, e[0]) and np.array_equal(p.v, e[1]):
        return None if d == 2 else "standard"
    return "plane" if plane is not None else "points"


def _slice_note(d: int, kind: Optional[str]) -> str:
    """What a picture's title says of its window: nothing for ``d == 2``; for ``d > 2`` the slice it shows
    (``kind`` ``"points"``: through three training points; ``"standard"``: the plane of the first two coordinates)."""
    if d == 2 or kind is None:
        return ""
    if kind == "standard":
        return f"slice of R^{d}: the plane of x1 and x2 (the other coordinates 0)"
    if kind == "plane":
        return f"slice of R^{d}: the plane given"
    return f"slice of R^{d} through the first three training points p1, p2, p3"


def _width(artist: Any, fig: Any) -> float:
    """``artist``'s width in pixels before the figure is drawn: matplotlib 3.6 and later measure it so; 3.5 needs a
    renderer (a review in the forty-eighth pass on issue 11 found the key of a 3-inch figure cut there, kept at 3
    columns), an Agg one of the figure's size when its canvas has none."""
    try:
        return float(artist.get_window_extent().width)
    except (AttributeError, TypeError, RuntimeError):
        get = getattr(fig.canvas, "get_renderer", None)
        if get is None:
            from matplotlib.backends.backend_agg import RendererAgg

            renderer = RendererAgg(fig.bbox.width, fig.bbox.height, fig.dpi)  # type: ignore[no-untyped-call]
        else:
            renderer = get()
        return float(artist.get_window_extent(renderer).width)


def _constrained(fig: Any) -> bool:
    """Whether ``fig`` lays itself out with matplotlib's constrained layout (3.6's layout engines, or 3.5's flag)."""
    engine = getattr(fig, "get_layout_engine", lambda: None)()
    if engine is not None:
        return type(engine).__name__.startswith("Constrained")
    return bool(getattr(fig, "get_constrained_layout", lambda: False)())


def _annotate(ax: "Axes", d: int, kind: Optional[str] = None, color: str = "decision", fontsize: float = 8.0,
              ticks: bool = True, key: bool = True, under_axes: bool = False) -> None:
    """Axis labels and a key below the axes for a picture :func:`plot_partition` drew into ``ax`` (the command
    line's plot-partition and movie): the points' classes (only those drawn), the misclassified marker, the
    regions' colours for ``color="decision"``, the decision boundary and the first layer's lines (if drawn).
    ``kind`` is the slice for ``d > 2``, as for :func:`_slice_note`; ``ticks=False`` draws no ticks (a movie's);
    ``key=False`` leaves the key out (:data:`KEY_INCHES`); ``under_axes=True`` centres it on the axes and fits it to
    their width (a panel of a caller's figure), not to the figure's (a figure of one picture)."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    if kind is None or kind == "standard":
        xlabel, ylabel = "x1", "x2"
    elif kind == "plane":
        xlabel, ylabel = "s: along the plane's u", "t: along its v"
    else:
        xlabel, ylabel = "s: along p1 -> p2 (p1 at 0)", "t: across, towards p3"
    ax.set_xlabel(xlabel, fontsize=fontsize, labelpad=1 if not ticks else 4)
    ax.set_ylabel(ylabel, fontsize=fontsize, labelpad=1 if not ticks else 4)
    ax.tick_params(labelsize=fontsize, labelbottom=ticks, labelleft=ticks, length=3 if ticks else 0)
    if not ticks:   # none at all: hidden ones were still made and measured, at every layout and drawing (a movie's)
        ax.set_xticks([])
        ax.set_yticks([])
    drawn = {str(c.get_label()).split(" (")[0]: c for c in ax.collections}
    handles: List[Any] = []
    if "points" in drawn:
        pts = drawn["points"].get_facecolor()
        for cls in (1, 0):
            if len(pts) and np.any(np.all(np.isclose(pts, to_rgba(POINT_COLOURS[cls])), axis=1)):
                handles.append(Line2D([], [], ls="", marker=POINT_MARKERS[cls], ms=6 if cls == 1 else 5,
                                      color=POINT_COLOURS[cls], mec="white", label=f"label {cls}"))
    if "misclassified" in drawn:
        handles.append(Line2D([], [], ls="", marker="x", ms=6, color="k", label="misclassified"))
    if color == "decision":
        handles += [Patch(color=CLASS_COLOURS[c], alpha=0.6, label=f"predicted {c}") for c in (1, 0)]
    if "decision boundary" in drawn:
        handles.append(Line2D([], [], color="k", lw=1.4, label="decision boundary"))
    if "first-layer lines" in drawn:
        handles.append(Line2D([], [], color=(0.35, 0.35, 0.35), lw=0.8, ls="--", label="first-layer lines"))
    if handles and key:
        # below the axes, clear of the tick labels and the x label
        points = 2 * fontsize + 16 if ticks else fontsize + 6   # (tick and) label heights and pads
        below = ScaledTranslation(0, -points / 72, ax.figure.dpi_scale_trans)
        # in as many columns (at most 3) as the figure's width holds, centred on the figure (under the axes, it
        # stood left of the centre by half a colour bar): three were wider than a 3-inch figure, whose key was cut at
        # both sides ("decision bounda")
        # (a panel among others: centred on its axes, as wide as they are, or the panels' keys ran into each other)
        across = ax.transAxes if under_axes else ax.figure.transFigure
        room = _width(ax, ax.figure) * 1.1 if under_axes else 0.96 * ax.figure.bbox.width
        where = blended_transform_factory(across, ax.transAxes) + below
        for ncol in range(min(3, len(handles)), 0, -1):
            legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=where,
                               ncol=ncol, fontsize=fontsize - 1, frameon=False, handlelength=1.6, columnspacing=1.0,
                               borderaxespad=0.0)
            if _width(legend, ax.figure) <= room:
                break
