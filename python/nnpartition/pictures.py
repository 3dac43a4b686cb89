"""See the partition: exact region polygons of a network, partition plots and training movies.

:func:`region_polygons` returns the exact linear regions of a ReLU (or leaky
ReLU) network inside a 2-D window, computed in Rust layer by layer: on a
region of layer ``l`` each unit of layer ``l + 1`` is affine, so its zero set
is a line that cuts the region's convex polygon. No pixels are sampled. For
``d == 2`` the window is a box of the input plane; for ``d > 2`` it is a box
of a 2-D affine slice (:class:`Plane`), usually through three data points.

:func:`plot_partition` draws the polygons with matplotlib and :func:`movie`
renders them as a network trains. See ``docs/pictures.md``.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import _core
from . import _validate as v
from ._progress import _check as _check_progress
from .limits import _block_rows, _check_bytes
from .network import DeepNet, TwoLayerNet
from ._repr import short_repr

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["Plane", "RegionPolygons", "region_polygons", "plot_partition", "window_for", "movie", "MovieResult",
           "DEFAULT_MAX_REGIONS", "DEFAULT_MAX_POINTS", "DEFAULT_TOL", "COLOR_MODES"]

#: Default limit on the number of polygons; more fails fast with advice on how to shrink the picture.
DEFAULT_MAX_REGIONS = 5_000_000
#: Most data points :func:`plot_partition` draws by default: more are a seeded random sample of this many (a figure
#: of millions of markers shows nothing more, and matplotlib took 12 s for a million and over 11 minutes, 8.5 GB, for
#: 75 million).
DEFAULT_MAX_POINTS = 20_000
#: Default vertex-on-line tolerance, relative to the window's diagonal.
DEFAULT_TOL = 1e-9
#: The resolutions (dots per inch) figures may be written at, by :func:`movie` and the command line.
MIN_DPI, MAX_DPI = 10, 1000
#: Most frames a movie makes (:func:`_frames`).
MAX_FRAMES = 2000


def _frames(steps: int, every: int) -> int:
    """At most how many frames a movie of ``steps`` steps with a frame every ``every`` steps makes (and the last)."""
    return (steps - 1) // every + 2
#: Ways :func:`plot_partition` colours the regions.
COLOR_MODES = ("decision", "region", "output")
#: The classes' colours, the in-browser explorer's (``nnpartition explore``): blue for class 1, orange for class 0,
#: a region's fill (mixed with white, deeper for a larger ``|logit|``) and, darker, a point's.
CLASS_COLOURS = {1: "#2f6fd0", 0: "#e0782a"}
POINT_COLOURS = {1: "#1b4b9a", 0: "#a44d12"}

Network = Union[TwoLayerNet, DeepNet]
BoxLike = Union[Tuple[float, float], Tuple[Tuple[float, float], Tuple[float, float]], Sequence[Any]]


def _vector(name: str, x: Any, d: Optional[int] = None) -> np.ndarray:
    arr = v._real_array(name, x).astype(np.float64)
    if arr.ndim != 1 or (d is not None and arr.shape[0] != d):
        want = f"length d={d}" if d is not None else "1-D"
        raise ValueError(f"{name} must be a vector of {want}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def _points(name: str, x: Any, width: int) -> np.ndarray:
    """Points ``(..., width)`` (one point may be a vector of length ``width``) as a finite float64 ``(n, width)``
    array, or a ``TypeError``/``ValueError`` naming ``name``."""
    arr = v._real_array(name, x)
    if arr.ndim == 0 or arr.shape[-1] != width:
        raise ValueError(f"{name} must hold points of {width} coordinates (shape (n, {width})), got shape {arr.shape}")
    out = np.asarray(arr, dtype=np.float64).reshape(-1, width)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinity")
    return out


@dataclass(frozen=True, eq=False)
class Plane:
    """The 2-D affine slice ``x = origin + s * u + t * v`` of input space.

    Window coordinates ``(s, t)`` are the coefficients of ``u`` and ``v``;
    :meth:`through` builds an orthonormal ``u, v``, so that distances and
    areas in the window are those of input space.

    Example:
        >>> p = Plane.through([0, 0, 0], [2, 0, 0], [1, 1, 0])
        >>> p.u.tolist(), p.v.tolist()
        ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        >>> p.to_window([[2, 0, 0], [1, 1, 0]]).tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """

    __repr__ = short_repr

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray

    def __post_init__(self) -> None:
        o = _vector("plane origin", self.origin)
        d = o.shape[0]
        u = _vector("plane u", self.u, d)
        w = _vector("plane v", self.v, d)
        if d < 2:
            raise ValueError(f"a plane needs an input dimension d >= 2, got d = {d}")
        # the angle's test on the directions scaled by their largest entries (about 1): on u and v themselves the
        # squared norms overflowed from about 1e154 (a numpy warning, then "parallel") and underflowed below 1e-154
        for name, vec in (("u", u), ("v", w)):
            if not np.any(vec):
                raise ValueError(f"plane {name} is zero: the plane needs two directions")
        us, ws = u / np.max(np.abs(u)), w / np.max(np.abs(w))
        gram = float(us @ us) * float(ws @ ws) - float(us @ ws) ** 2
        if not gram > 1e-12 * float(us @ us) * float(ws @ ws):
            raise ValueError("the plane's directions u and v are (nearly) parallel: the plane points are collinear")
        object.__setattr__(self, "origin", o)
        object.__setattr__(self, "u", u)
        object.__setattr__(self, "v", w)

    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.origin.shape[0])

    @classmethod
    def standard(cls, d: int = 2) -> "Plane":
        """The plane of the first two coordinates of ``R^d`` (for ``d == 2``: the input space itself); ``d``, the
        input dimension, is an integer ``>= 2``, and the plane's three vectors of ``d`` floats must fit ``max_bytes``.

        Example:
            >>> Plane.standard(3).u.tolist(), Plane.standard(3).v.tolist()
            ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        """
        d = v.count("d", d, minimum=2)
        # origin, u and v, and the copies the constructor's checks make of them
        _check_bytes(f"a plane in d = {d} dimensions", 6.0 * 8.0 * d, "use a smaller d")
        e0, e1 = np.zeros(d), np.zeros(d)
        e0[0] = e1[1] = 1.0
        return cls(np.zeros(d), e0, e1)

    @classmethod
    def through(cls, x0: Any, x1: Any, x2: Any) -> "Plane":
        """The plane through three points, ``x0`` at the window's origin, ``x1`` on the ``s`` axis,
        ``u, v`` orthonormal. Collinear points raise ``ValueError``."""
        a = _vector("plane x0", x0)
        b = _vector("plane x1", x1, a.shape[0])
        c = _vector("plane x2", x2, a.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            e1, e2 = b - a, c - a
            n1, n2 = float(np.linalg.norm(e1)), float(np.linalg.norm(e2))
        if not (math.isfinite(n1) and math.isfinite(n2)):   # a difference (or its norm) overflowed
            raise ValueError("plane points are too far apart for float64 (their differences overflow); rescale them")
        scale = max(n1, n2)
        if n1 <= 1e-12 * max(scale, 1e-300):
            raise ValueError("plane points are collinear (x0 == x1)")
        u = e1 / n1
        w = e2 - (e2 @ u) * u
        nw = float(np.linalg.norm(w))
        if nw <= 1e-6 * scale:
            raise ValueError("plane points are collinear: x0, x1, x2 lie (nearly) on one line")
        return cls(a, u, w / nw)

    def to_input(self, st: Any) -> np.ndarray:
        """Input points ``(n, d)`` of window points ``(n, 2)`` (finite; ``(..., 2)`` is read as ``(n, 2)``)."""
        p = _points("st", st, 2)
        out: np.ndarray = self.origin + p[:, :1] * self.u + p[:, 1:] * self.v
        return out

    def to_window(self, X: Any) -> np.ndarray:
        """Window coordinates ``(n, 2)`` of the orthogonal projection of input points ``X`` ``(n, d)`` (finite) onto
        the plane."""
        Xa = _points("X", X, self.d)
        B = np.stack([self.u, self.v], axis=1)
        sol, *_ = np.linalg.lstsq(B, (Xa - self.origin).T, rcond=None)
        return np.ascontiguousarray(sol.T)

    def distance(self, X: Any) -> np.ndarray:
        """Euclidean distance of input points ``X`` ``(n, d)`` (finite) to the plane."""
        Xa = _points("X", X, self.d)
        return np.asarray(np.linalg.norm(Xa - self.to_input(self.to_window(Xa)), axis=1))


@dataclass(frozen=True, eq=False)
class RegionPolygons:
    """The exact linear regions of a network inside a 2-D window (what :func:`region_polygons` returns).

    Region ``r`` is the convex polygon ``vertices[offsets[r]:offsets[r + 1]]``
    (counter-clockwise, window coordinates). On it every hidden unit has the
    sign recorded in ``patterns[r]`` and the network's logit is the affine map
    ``x @ affine_weight[r] + affine_bias[r]`` of the input ``x``.

    Attributes:
        n_regions: number of regions.
        offsets: ``int64 (n_regions + 1,)``.
        vertices: ``float64 (V, 2)``, window coordinates.
        input_vertices: ``float64 (V, d)``, the same vertices in input space.
        patterns: ``bool (n_regions, total hidden units)``, layer-major; ``True``
            where the unit's pre-activation is positive.
        affine_weight: ``float64 (n_regions, d)``; affine_bias: ``float64 (n_regions,)``.
        decision: ``bool (n_regions,)``, the predicted class (logit > 0) at the
            region's area centroid. The decision boundary can cross a region
            unless ``split_decision=True`` was asked for.
        window_affine: ``float64 (n_regions, 3)``: the logit as ``s * a + t * b + c``
            in window coordinates (rows ``(a, b, c)``).
        boundary: ``float64 (K, 2, 2)``: the decision boundary (logit = 0)
            inside the window as segments in window coordinates.
        lines: ``float64 (J, 2, 2)``: the first layer's lines (a unit's
            pre-activation = 0) that cut the window (window corners more than
            ``tol`` times its diagonal from the line on both sides, as the regions
            are cut), as segments in window coordinates, in unit order;
            line_units: ``int64 (J,)``, the unit of each.
        plane: the window's :class:`Plane`; box: ``((s_lo, t_lo), (s_hi, t_hi))``.
        widths: hidden widths of the network (to split ``patterns`` by layer).
    """

    __repr__ = short_repr

    n_regions: int
    offsets: npt.NDArray[np.int64]
    vertices: npt.NDArray[np.float64]
    input_vertices: npt.NDArray[np.float64]
    patterns: npt.NDArray[np.bool_]
    affine_weight: npt.NDArray[np.float64]
    affine_bias: npt.NDArray[np.float64]
    decision: npt.NDArray[np.bool_]
    window_affine: npt.NDArray[np.float64] = field(repr=False)
    boundary: npt.NDArray[np.float64] = field(repr=False)
    lines: npt.NDArray[np.float64] = field(repr=False)
    line_units: npt.NDArray[np.int64] = field(repr=False)
    plane: Plane = field(repr=False)
    box: Tuple[Tuple[float, float], Tuple[float, float]] = field(repr=False)
    widths: Tuple[int, ...] = field(repr=False)

    def polygon(self, r: int) -> npt.NDArray[np.float64]:
        """Vertices ``(k, 2)`` of region ``r`` in window coordinates (a view)."""
        r = v.count("r", r, maximum=self.n_regions - 1)
        return self.vertices[self.offsets[r]:self.offsets[r + 1]]

    def areas(self) -> npt.NDArray[np.float64]:
        """Area of every region (window units), shape ``(n_regions,)``; they sum to the window's area."""
        return _polygon_moments(self.vertices, self.offsets)[0]

    def centroids(self) -> npt.NDArray[np.float64]:
        """Area centroid of every region (window coordinates), shape ``(n_regions, 2)``: an interior point."""
        return _polygon_moments(self.vertices, self.offsets)[1]

    def logits(self) -> npt.NDArray[np.float64]:
        """The network's logit at every region's centroid, shape ``(n_regions,)``."""
        c = self.centroids()
        w = self.window_affine
        return np.asarray(c[:, 0] * w[:, 0] + c[:, 1] * w[:, 1] + w[:, 2])

    def layer_patterns(self, layer: int) -> npt.NDArray[np.bool_]:
        """The columns of ``patterns`` that belong to hidden layer ``layer`` (0-based)."""
        layer = v.count("layer", layer, maximum=len(self.widths) - 1)
        start = sum(self.widths[:layer])
        return self.patterns[:, start:start + self.widths[layer]]


def _polygon_moments(vertices: np.ndarray, offsets: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Areas and area centroids of the polygons (shoelace formula, vectorised over all edges)."""
    n = offsets.shape[0] - 1
    nxt = np.arange(1, vertices.shape[0] + 1)
    nxt[offsets[1:] - 1] = offsets[:-1]
    x, y = vertices[:, 0], vertices[:, 1]
    # Shift to each polygon's first vertex for accuracy far from the origin.
    first = np.repeat(offsets[:-1], np.diff(offsets))
    x0, y0 = x - x[first], y - y[first]
    # in units of a power of two near the largest offset (exact: no bit of a result that fits changes): the moments
    # grow as its cube and overflowed float64 for windows above about 1e102 across, which the box check allows
    big = float(max(np.max(np.abs(x0), initial=0.0), np.max(np.abs(y0), initial=0.0)))
    unit = 2.0 ** math.frexp(big)[1] if 0.0 < big < math.inf else 1.0
    x0, y0 = x0 / unit, y0 / unit
    x1, y1 = x0[nxt], y0[nxt]
    cross = x0 * y1 - x1 * y0
    owner = np.repeat(np.arange(n), np.diff(offsets))
    area2 = np.bincount(owner, cross, minlength=n)
    cx = np.bincount(owner, (x0 + x1) * cross, minlength=n)
    cy = np.bincount(owner, (y0 + y1) * cross, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        cen = np.stack([cx / (3 * area2), cy / (3 * area2)], axis=1)
    cen = cen * unit + vertices[offsets[:-1]]
    return area2 / 2 * unit * unit, cen


def _as_network(net: Any) -> Network:
    if isinstance(net, (TwoLayerNet, DeepNet)):
        return net
    mod = type(net).__module__
    if mod.startswith("sklearn"):
        return DeepNet.from_sklearn(net)
    if mod.startswith("torch"):
        return DeepNet.from_torch(net)
    raise TypeError(f"net must be a TwoLayerNet, a DeepNet, a fitted sklearn MLPClassifier or a torch "
                    f"nn.Sequential, got {type(net).__name__}")


def _layers(net: Network) -> Tuple[List[Tuple[np.ndarray, np.ndarray]], np.ndarray, float, float]:
    if net.activation not in ("relu", "leaky_relu"):
        raise ValueError(f"region_polygons needs a piecewise-linear activation (relu or leaky_relu), "
                         f"got {net.activation!r}")
    slope = 0.0 if net.activation == "relu" else float(net.slope)
    if isinstance(net, TwoLayerNet):
        layers = [(net.W1, net.b1)]
        w_out, b_out = net.w2, float(net.b2)
    else:
        layers = list(net.layers)
        w_out, b_out = net.w_out, float(net.b_out)
    conv = [(np.ascontiguousarray(W, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64).ravel())
            for W, b in layers]
    return conv, np.ascontiguousarray(w_out, dtype=np.float64).ravel(), b_out, slope


def _plane(plane: Any, d: int) -> Plane:
    if d < 2:
        raise ValueError(f"a 2-D window needs a network with d >= 2 inputs, got d = {d}")
    if plane is None:
        if d != 2:
            raise ValueError(f"the network's input has d = {d} > 2 dimensions: pass plane=(x0, x1, x2), three "
                             f"input points the 2-D slice goes through (or a Plane(origin, u, v))")
        return Plane.standard(2)
    if isinstance(plane, Plane):
        p = plane
    elif isinstance(plane, (tuple, list, np.ndarray)) and len(plane) == 3:
        p = Plane.through(*plane)
    else:
        raise TypeError("plane must be None, a Plane or three input points (x0, x1, x2)")
    if p.d != d:
        raise ValueError(f"plane points have length {p.d} but the network's input width is d = {d}")
    return p


def _box(box: Any) -> Tuple[Tuple[float, float], Tuple[float, float]]:
    # as regions_in_box refuses a bool bound: True is not the number 1 here (numpy reads (True, 2) as [1, 2])
    arr = v._real_array("box", box)
    if arr.dtype == np.bool_ or (isinstance(box, (list, tuple)) and v.bools_inside(box)):
        raise TypeError(f"box must hold numbers, got {box!r} (True/False are not coordinates)")
    arr = arr.astype(np.float64)
    if arr.shape == (2,):
        lo_, hi_ = (float(arr[0]),) * 2, (float(arr[1]),) * 2
    elif arr.shape == (2, 2):
        lo_, hi_ = (float(arr[0, 0]), float(arr[0, 1])), (float(arr[1, 0]), float(arr[1, 1]))
    else:
        raise ValueError(f"box must be (lo, hi) or ((s_lo, t_lo), (s_hi, t_hi)), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("box contains NaN or infinity")
    for k in range(2):
        if not lo_[k] < hi_[k]:
            raise ValueError(f"box is empty: lo[{k}] = {lo_[k]} must be < hi[{k}] = {hi_[k]}")
        span = hi_[k] - lo_[k]
        if not math.isfinite(span * span):   # the polygons' areas and centroids would overflow to NaN
            raise ValueError(f"box is too wide: {lo_[k]:g} to {hi_[k]:g} (its area overflows float64; at most about "
                             "1e150 across)")
    return lo_, hi_


def region_polygons(net: Any, *, box: BoxLike = (-1.0, 1.0), plane: Any = None, split_decision: bool = False,
                    tol: float = DEFAULT_TOL, max_regions: int = DEFAULT_MAX_REGIONS) -> RegionPolygons:
    """The exact linear regions of a ReLU network inside a 2-D window.

    Args:
        net: a :class:`TwoLayerNet` or :class:`DeepNet` with ``relu`` or
            ``leaky_relu`` units (a fitted sklearn ``MLPClassifier`` or a torch
            ``nn.Sequential`` is converted with ``DeepNet.from_sklearn`` / ``from_torch``).
        box: the window, ``(lo, hi)`` for both window coordinates or
            ``((s_lo, t_lo), (s_hi, t_hi))``.
        plane: ``None`` for ``d == 2`` (the window is a box of the input plane);
            for ``d > 2`` three input points ``(x0, x1, x2)`` (the slice
            through them, orthonormal coordinates with ``x0`` at the origin) or a
            :class:`Plane` ``(origin, u, v)``.
        split_decision: also cut regions along the decision boundary (logit = 0),
            so that ``decision`` is exact on every polygon (used for plots).
        tol: a vertex within ``tol`` times the window's diagonal of a unit's line
            counts as lying on it (no sliver is cut off there); in ``(0, 0.01]``.
        max_regions: fail fast (``ValueError``, with advice) beyond this many regions. The memory limit
            (``max_bytes``, :mod:`nnpartition.limits`) caps them too: about twice the hidden units in bytes
            plus 1 KiB a region (``docs/pictures.md``).

    Returns:
        A :class:`RegionPolygons`.

    Raises:
        ValueError: ``d > 2`` without a plane, collinear plane points, an empty
            box, a plane of the wrong input width, NaN weights, a smooth activation.
        TypeError: an unsupported network or argument type.
        ValueError: more than ``max_regions`` regions, or more than ``max_bytes`` holds (shrink the box or
            raise the limit named).

    Example:
        >>> import numpy as np
        >>> net = TwoLayerNet(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.array([0.0, 0.0, -1.0]),
        ...                   np.array([1.0, 1.0, -2.0]), -0.5)
        >>> rp = region_polygons(net, box=(-2, 2))       # the lines x = 0, y = 0, x + y = 1
        >>> rp.n_regions, float(rp.areas().sum())
        (7, 16.0)
        >>> r = int(np.argmax(rp.patterns.all(axis=1)))  # the region where all three units are active
        >>> rp.polygon(r).tolist(), rp.affine_weight[r].tolist(), float(rp.affine_bias[r])
        ([[2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 1.0], [1.0, 0.0]], [-1.0, -1.0], 1.5)
        >>> rp.line_units.tolist(), rp.lines[2].tolist()      # the three lines, x + y = 1 as it crosses the box
        ([0, 1, 2], [[2.0, -1.0], [-1.0, 2.0]])
    """
    return _region_polygons(net, box, plane, split_decision, tol, max_regions, 0.0)


#: Bytes a region's drawing costs :func:`plot_partition` besides the arrays of :func:`region_polygons`, counted
#: against the memory limit with them: matplotlib's path and colour of the polygon and its view in the list handed
#: to ``PolyCollection`` (measured 1.0-1.7 KB for 144,000 regions of four corners).
_DRAW_BYTES = 2048.0


def _region_polygons(net: Any, box: BoxLike, plane: Any, split_decision: bool, tol: float, max_regions: int,
                     region_bytes: float) -> RegionPolygons:
    """:func:`region_polygons`, with ``region_bytes`` more a region counted against ``max_bytes`` (a drawing's)."""
    nn = _as_network(net)
    layers, w_out, b_out, slope = _layers(nn)
    d = layers[0][0].shape[0]
    p = _plane(plane, d)
    lo, hi = _box(box)
    split_decision = v.flag("split_decision", split_decision)
    tol = v.real("tol", tol, minimum=0.0, open_min=True, maximum=1e-2)
    max_regions = v.count("max_regions", max_regions, minimum=1, maximum=2**40)
    out = _core.region_polygons(layers, w_out, b_out, slope, p.origin.tolist(), p.u.tolist(), p.v.tolist(),
                                lo, hi, tol, max_regions, split_decision, region_bytes)
    verts = out["vertices"]
    n = int(out["offsets"].shape[0] - 1)
    wa = out["window_affine"]
    return RegionPolygons(
        n_regions=n,
        offsets=out["offsets"],
        vertices=verts,
        input_vertices=p.to_input(verts),
        patterns=out["patterns"].view(np.bool_),
        affine_weight=out["affine_weight"],
        affine_bias=out["affine_bias"],
        decision=out["decision"].view(np.bool_),
        window_affine=wa,
        boundary=out["boundary"].reshape(-1, 2, 2),
        lines=out["lines"].reshape(-1, 2, 2),
        line_units=out["line_units"],
        plane=p,
        box=(lo, hi),
        widths=tuple(int(W.shape[1]) for W, _ in layers),
    )


def _require_mpl() -> Any:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install nnpartition[plot]") from None
    return matplotlib


def _region_colours(rp: RegionPolygons, color: str) -> Tuple[np.ndarray, Any]:
    """RGBA colours per polygon, and a ScalarMappable for a colour bar (or None)."""
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
    z = rp.logits()
    m = float(np.max(np.abs(z))) or 1.0
    if color == "output":
        norm = Normalize(-m, m)
        cmap = _logit_colormap()
        return cmap(norm(z)), ScalarMappable(norm, cmap)
    # decision: the class colour mixed with white, deeper for larger |logit| (as the explorer shades it)
    t = (0.2 + 0.65 * np.sqrt(np.abs(z) / m))[:, None]
    rgba = np.ones((rp.n_regions, 4))
    rgba[:, :3] = 1.0 + (np.where(rp.decision[:, None], _rgb(CLASS_COLOURS[1]), _rgb(CLASS_COLOURS[0])) - 1.0) * t
    return rgba, None


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
        (['#a44d12', '#1b4b9a'], True)
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
        if isinstance(plane, (tuple, list)) and len(plane) == 3:
            pts, margin = p.to_window(np.stack([np.asarray(q, np.float64) for q in plane])), 0.25
        elif Xc is not None and d == 2:
            pts, margin = _window_bounds(p, Xc), 0.05
        else:
            pts, margin = np.array([[-1.0, -1.0], [1.0, 1.0]]), 0.0
        lo_, hi_ = pts.min(axis=0), pts.max(axis=0)
        span = float(np.max(hi_ - lo_))
        if not span > 0:   # one point (or all at one place): a unit window around it
            lo_, hi_, span = lo_ - 0.5, hi_ + 0.5, 1.0
        box = ((lo_ - margin * span).tolist(), (hi_ + margin * span).tolist())
    return p, _box(box)


def _project(p: Plane, X: np.ndarray) -> np.ndarray:
    """:meth:`Plane.to_window` of finite points ``X``, for many of them: with an orthonormal ``u, v`` (what
    :meth:`Plane.through` and :meth:`Plane.standard` build) the coordinates are the dot products, not a least-squares
    solve (``lstsq`` took 8 s for 8 million points)."""
    B = np.stack([p.u, p.v], axis=1)
    if np.abs(B.T @ B - np.eye(2)).max() > 1e-12:
        return p.to_window(X)
    # einsum, not BLAS: a (rows, d) x (d, 2) product took OpenBLAS 0.36 s a million rows on a busy machine
    return np.asarray(np.einsum("nd,dk->nk", X - p.origin, B))


def _distance(p: Plane, X: np.ndarray) -> np.ndarray:
    """:meth:`Plane.distance` of finite points ``X`` through :func:`_project`."""
    X = _points("X", X, p.d)
    return np.asarray(np.linalg.norm(X - p.to_input(_project(p, X)), axis=1))


def _window_bounds(p: Plane, X: np.ndarray) -> np.ndarray:
    """The corners ``[[s_min, t_min], [s_max, t_max]]`` of the window coordinates of the points ``X``, a block of rows
    at a time (whole, the projection of 75 million points held four copies of them)."""
    rows = _block_rows(4 * X.shape[1])
    parts = [_project(p, _points("X", X[i:i + rows], p.d)) for i in range(0, X.shape[0], rows)]
    lo = np.min([q.min(axis=0) for q in parts], axis=0)
    hi = np.max([q.max(axis=0) for q in parts], axis=0)
    return np.stack([lo, hi])


def _finite(X: np.ndarray) -> bool:
    """Are all entries of ``X`` finite (a block of rows at a time: no mask of the whole array)?"""
    rows = _block_rows(X.shape[1])
    return all(bool(np.isfinite(X[i:i + rows]).all()) for i in range(0, X.shape[0], rows))


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
                   max_points: int = DEFAULT_MAX_POINTS) -> "Axes":
    """Draw the exact linear regions of ``net`` (a ``PolyCollection``), optionally with data points.

    Args:
        net: as for :func:`region_polygons`.
        X, y: optional points ``(N, d)`` and 0/1 labels, drawn coloured by label
            (dark blue 1, dark orange 0), misclassified ones marked with a black ``x``. For
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

        ``hyperplanes``, ``decision_boundary`` and ``colorbar`` are ``True`` or ``False`` (``"no"`` is refused, not
        read as true); every argument is checked before anything is computed or drawn.

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
    from matplotlib.collections import LineCollection, PolyCollection

    color = v.choice("color", color, COLOR_MODES)
    hyperplanes = v.flag("hyperplanes", hyperplanes)
    decision_boundary = v.flag("decision_boundary", decision_boundary)
    colorbar = v.flag("colorbar", colorbar)
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
        Xc = v.float_matrix("X", X, dtype=np.float64, cols=d)
        if not _finite(Xc):
            raise ValueError("X contains NaN or infinity")
        if y is not None:
            yc = v.binary_labels("y", y, Xc.shape[0])
    elif y is not None:
        raise ValueError("y given without X")
    p, box = window_for(nn, Xc, plane=plane, box=box)
    # (the regions' drawing is counted against max_bytes with them)
    rp = _region_polygons(nn, box, p, color == "decision", DEFAULT_TOL, max_regions, _DRAW_BYTES)
    lo, hi = rp.box
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 5))
    faces, mappable = _region_colours(rp, color)
    polys = np.split(rp.vertices, rp.offsets[1:-1]) if rp.n_regions else []
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors=edgecolor, linewidths=linewidth,
                                     label="regions"))
    if hyperplanes:
        ax.add_collection(LineCollection(list(rp.lines), colors=[(0.35, 0.35, 0.35, 0.8)], linewidths=0.6,
                                         linestyles="--", label="first-layer lines"))
    if decision_boundary:
        ax.add_collection(LineCollection(list(rp.boundary), colors="k", linewidths=1.4,
                                         label="decision boundary"))
    if Xc is not None:
        # only the points drawn are projected and predicted (all of them took 8.5 GB for 75 million)
        rows, total = _drawn_points(Xc, p, max_points)
        Xs = Xc[rows]
        P = p.to_window(Xs) if len(rows) else np.zeros((0, 2))
        pred = nn.predict(Xs) if len(rows) else np.zeros(0, np.int64)
        lab = yc[rows] if yc is not None else pred
        label = "points" if len(rows) == total else f"points ({len(rows)} of {total})"
        ax.scatter(P[:, 0], P[:, 1], c=np.where(lab == 1, POINT_COLOURS[1], POINT_COLOURS[0]), s=14,
                   edgecolors="white", linewidths=0.5, zorder=3, label=label)
        if yc is not None:
            wrong = pred != lab
            if np.any(wrong):
                ax.scatter(P[wrong, 0], P[wrong, 1], marker="x", c="k", s=30, linewidths=1.2, zorder=4,
                           label="misclassified")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    if colorbar and mappable is not None:
        ax.figure.colorbar(mappable, ax=ax, label="logit")
    return ax


#: The narrowest figure (inches) the command line's pictures and movie frames draw their key in: three columns of
#: it need about 3 inches (a 1-inch frame had no room for it; matplotlib's layout gave up).
KEY_INCHES = 3.0


def _frame_height(size: float, box: Tuple[Tuple[float, float], Tuple[float, float]], sliced: bool) -> float:
    """Inches of height of a movie frame ``size`` inches wide: the window at its aspect ratio (between 0.6 and 1.5
    times the width; a square window was drawn in a square frame before, a wide slice left empty space under it),
    and room for the title (a line more for a slice), the axis labels and the key."""
    (s0, t0), (s1, t1) = box
    plot = min(max((size - 0.45) * (t1 - t0) / (s1 - s0), 0.6 * size), 1.5 * size)
    return round(plot + (1.25 if size >= KEY_INCHES else 0.8) + (0.15 if sliced else 0.0), 2)


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


def _annotate(ax: "Axes", d: int, kind: Optional[str] = None, color: str = "decision", fontsize: float = 8.0,
              ticks: bool = True, key: bool = True) -> None:
    """Axis labels and a key below the axes for a picture :func:`plot_partition` drew into ``ax`` (the command
    line's plot-partition and movie): the points' classes (only those drawn), the misclassified marker, the
    regions' colours for ``color="decision"``, the decision boundary and the first layer's lines (if drawn).
    ``kind`` is the slice for ``d > 2``, as for :func:`_slice_note`; ``ticks=False`` hides the tick labels;
    ``key=False`` leaves the key out (:data:`KEY_INCHES`)."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import ScaledTranslation

    if d == 2 or kind == "standard":
        xlabel, ylabel = "x1", "x2"
    elif kind == "plane":
        xlabel, ylabel = "s: along the plane's u", "t: along its v"
    else:
        xlabel, ylabel = "s: along p1 -> p2 (p1 at 0)", "t: across, towards p3"
    ax.set_xlabel(xlabel, fontsize=fontsize, labelpad=1 if not ticks else 4)
    ax.set_ylabel(ylabel, fontsize=fontsize, labelpad=1 if not ticks else 4)
    ax.tick_params(labelsize=fontsize, labelbottom=ticks, labelleft=ticks, length=3 if ticks else 0)
    drawn = {str(c.get_label()).split(" (")[0]: c for c in ax.collections}
    handles: List[Any] = []
    if "points" in drawn:
        pts = drawn["points"].get_facecolor()
        for cls in (1, 0):
            if len(pts) and np.any(np.all(np.isclose(pts, to_rgba(POINT_COLOURS[cls])), axis=1)):
                handles.append(Line2D([], [], ls="", marker="o", ms=5, color=POINT_COLOURS[cls], mec="white",
                                      label=f"label {cls}"))
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
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=ax.transAxes + below,
                  ncol=min(3, len(handles)), fontsize=fontsize - 1, frameon=False, handlelength=1.6,
                  columnspacing=1.0, borderaxespad=0.0)


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
        final_accuracy: best training accuracy of the run; seconds: wall time.
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

    def to_dict(self) -> dict:  # type: ignore[type-arg]
        """A JSON-ready dict."""
        return {"path": self.path, "frames": self.frames, "steps": self.steps.tolist(),
                "accuracy": self.accuracy.tolist(), "regions": self.regions.tolist(), "bound": self.bound,
                "estimate": None if math.isnan(self.estimate) else self.estimate,
                "estimate_note": self.estimate_note or None,
                "final_accuracy": self.final_accuracy, "seconds": round(self.seconds, 3), "seed": self.seed}


def _region_bound(widths: Sequence[int]) -> int:
    from .counting import deep_region_bounds, regions

    if len(widths) == 1:
        return int(regions(int(widths[0]), 2))
    return int(deep_region_bounds(2, [int(w) for w in widths]).upper)


def movie(X: Any, y: Any, L: Optional[int] = None, *, path: Union[str, "os.PathLike[str]"],
          widths: Optional[Sequence[int]] = None, every: int = 50, steps: int = 4000, seed: Any = 0,
          plane: Any = None, box: Optional[BoxLike] = None, color: str = "decision", fps: int = 8, dpi: int = 80,
          size: float = 4.5, max_regions: int = DEFAULT_MAX_REGIONS, progress: Optional[bool] = None,
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
    pyplot, and the backend is never switched (``pip install nnpartition[plot]``).

    Args:
        X, y: training points ``(N, d)`` and 0/1 labels.
        L, widths: hidden units of a two-layer network, or a list of widths.
        path: the ``.gif`` to write (a ``str`` or ``os.PathLike``; the result's ``path`` is its ``str``).
        every: steps between frames (the last step is always a frame).
        steps: optimiser steps. seed: training seed (the result's ``seed`` is the integer used).
        plane, box, color, max_regions: as for :func:`plot_partition`; the box
            is fixed for the whole movie.
        fps: frames per second; dpi, size: frame resolution (``size`` inches square).
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

    from ._progress import progress_bar
    from .estimate import estimate_accuracy
    from .training import Protocol
    from .training import train

    start = time.perf_counter()
    Xc = v.float_matrix("X", X, dtype=np.float64)
    if not np.all(np.isfinite(Xc)):
        raise ValueError("X contains NaN or infinity")
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
    every = v.count("every", every, minimum=1, maximum=2**40)
    steps = v.count("steps", steps, minimum=1, maximum=2**40)
    fps = v.count("fps", fps, minimum=1, maximum=100)
    dpi = v.count("dpi", dpi, minimum=MIN_DPI, maximum=MAX_DPI)
    size = v.real("size", size, minimum=0.5, maximum=40.0)
    color = v.choice("color", color, COLOR_MODES)
    dist = v.choice("dist", dist, _core.CHOICES["dist"], _core.ALIASES["dist"])   # the names estimate_accuracy takes
    max_regions = v.count("max_regions", max_regions, minimum=1, maximum=2**40)   # before training, not after
    progress = _check_progress(progress)
    if _frames(steps, every) > MAX_FRAMES:
        raise ValueError(f"steps={steps} with every={every} makes more than {MAX_FRAMES} frames; raise every")
    if widths is not None:
        if L is not None:
            raise ValueError("pass either L or widths, not both")
        if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
            # widths=8 failed with "'int' object is not iterable", widths="88" as "widths[0] ... got str '8'"
            raise TypeError(f"widths must be a list of hidden widths such as [8, 8] (or pass L=8 for one layer), "
                            f"got {type(widths).__name__} {widths!r}")
        ws = [v.count(f"widths[{i}]", w, minimum=1, maximum=2**16) for i, w in enumerate(widths)]
        if not ws:
            raise ValueError("widths must be a non-empty list")
    else:
        if L is None:
            raise TypeError("movie() needs L (hidden units) or widths")
        ws = [v.count("L", L, minimum=1, maximum=2**16)]
    p, box = window_for(DeepNet([(np.zeros((d, 1)), np.zeros(1))], np.zeros(1), 0.0), Xc, plane=plane, box=box)
    slice_kind = None if d == 2 else "points" if plane is None else "plane"
    height = _frame_height(size, box, slice_kind is not None)
    # matplotlib's GIF writer keeps every frame, a PIL image of (size dpi) x (height dpi) pixels, until it writes the
    # file, and the canvas an RGBA copy (an audit after the twenty-eighth pass on issue 11: 200 frames of 10 inches
    # at dpi 1000 took 5.9 GB before a MemoryError). A review measured the process growing by 5.3 bytes a pixel and
    # frame (PIL stores RGB in 4 bytes, and writing the GIF adds more): 6 are counted.
    wide, high = round(size * dpi), round(height * dpi)
    _check_bytes(f"a movie of {_frames(steps, every)} frames of {wide} x {high} pixels",
                 float(wide) * high * (6.0 * _frames(steps, every) + 8.0), "lower dpi or size, or raise every")

    # the training's bar moves at every snapshot (train's callback watches the same run: restart 0's stream)
    with progress_bar(steps, desc="movie training", progress=progress, unit="step") as bar:
        res = train(Xc, yc, widths=ws, steps=steps, restarts=1, seed=seed, snapshot_every=every,
                    callback=lambda step, net, acc, loss: bar.update(step + 1 - bar.n))
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
    # writer.saving's work, but a frame's own error is the one raised (finishing a GIF of no frames raised an
    # IndexError over it); savefig.bbox stays None meanwhile, as writer.saving keeps it (one size for every frame)
    with matplotlib.rc_context({"savefig.bbox": None}), \
            progress_bar(len(nets), desc="movie frames", progress=progress) as bar:
        writer.setup(fig, path, dpi)
        try:
            for k, net in enumerate(nets):
                fig.clear()
                ax = fig.add_subplot()
                rp = region_polygons(net, box=box, plane=p, max_regions=max_regions)
                counts.append(rp.n_regions)
                plot_partition(net, Xc, yc, ax=ax, plane=p, box=box, color=color, max_regions=max_regions,
                               colorbar=color == "output")
                _annotate(ax, d, slice_kind, color=color, fontsize=7, ticks=False, key=size >= KEY_INCHES)
                est_txt = "n/a" if math.isnan(est) else f"{est:.3f}" + ("*" if note else "")
                where = "" if slice_kind is None else "\n" + _slice_note(d, slice_kind)
                regions_txt = f"{rp.n_regions} region" + ("" if rp.n_regions == 1 else "s")
                ax.set_title(f"step {int(res.snapshot_steps[k])}   train acc {res.snapshot_accuracy[k]:.3f}\n"
                             f"{regions_txt}, at most {bound_txt}\n"
                             f"estimate_accuracy: {est_txt}  (d={d}, N={N}){where}", fontsize=8)
                fig.tight_layout()
                writer.grab_frame()
                bar.update(1)
        except BaseException:
            with contextlib.suppress(Exception):
                writer.finish()
            raise
        writer.finish()
    return MovieResult(path=path, frames=len(nets), steps=res.snapshot_steps.copy(),
                       accuracy=res.snapshot_accuracy.copy(), regions=np.asarray(counts, np.int64), bound=bound,
                       estimate=est, final_accuracy=float(res.best_accuracy), seconds=time.perf_counter() - start,
                       estimate_note=note, seed=res.seed)
