"""The exact linear regions of a ReLU (or leaky ReLU) network inside a 2-D window (:func:`region_polygons`).

They are computed in Rust layer by layer: on a region of layer ``l`` each unit of layer ``l + 1`` is affine, so its
zero set is a line that cuts the region's convex polygon. No pixels are sampled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

from .. import _core, _display
from .. import _validate as v
from .._repr import short_repr
from .._stats import binary_exponents, binary_unit, times_pow2
from ..network import DeepNet, TwoLayerNet, _layer_pairs
from .geometry import BoxLike, Plane, _box, _plane

#: Default limit on the number of polygons; more fails fast with advice on how to shrink the picture.
DEFAULT_MAX_REGIONS = 5_000_000
#: Default vertex-on-line tolerance, relative to the window's diagonal (scaled per side: see :func:`region_polygons`).
DEFAULT_TOL = 1e-9

Network = Union[TwoLayerNet, DeepNet]


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
            pre-activation = 0) that cut the window (window corners beyond the
            vertex margin of ``tol`` from the line on both sides, as the regions
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

    @_display.never_raises
    def _repr_png_(self) -> Optional[bytes]:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): the regions drawn as
        :func:`~nnpartition.plot_partition` colours them by decision, 320 x 320 pixels for a square window; the
        text repr without matplotlib or past 10,000 regions (``pictures.drawing.PICTURE_MAX_REGIONS``).

        Example:
            >>> from nnpartition import TwoLayerNet
            >>> net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), -0.5)
            >>> region_polygons(net)._repr_png_()[:4]
            b'\x89PNG'
        """
        from .drawing import _picture_png

        return _picture_png(self)

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
        """The network's logit at every region's centroid, shape ``(n_regions,)``: infinite only where it is beyond
        float64 (each region's map is summed scaled by a power of two, the same values where nothing overflows)."""
        c = self.centroids()
        # The row's largest entry scaled below 1/4, so no term and no sum overflows: a map with slopes near float64's
        # largest gave -inf (and a RuntimeWarning) at a centroid where the logit is 4e307 (until the fifty-fourth pass
        # on issue 11).
        e = binary_exponents(np.max(np.abs(self.window_affine), axis=1)) + 3
        w = times_pow2(self.window_affine, -e[:, None])
        with np.errstate(over="ignore"):
            return times_pow2(c[:, 0] * w[:, 0] + c[:, 1] * w[:, 1] + w[:, 2], e)

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
    unit = binary_unit(big)
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


def _as_network(net: Any, pairs: bool = False) -> Network:
    """``net`` as a :class:`TwoLayerNet` or :class:`DeepNet` (sklearn's and torch's converted); ``pairs``: the
    caller also takes a list of ``(W, b)`` pairs (and converts it itself), which the refusal then names."""
    if isinstance(net, (TwoLayerNet, DeepNet)):
        return net
    mod = type(net).__module__
    if mod.startswith("sklearn"):
        return DeepNet.from_sklearn(net)
    if mod.startswith("torch"):
        return DeepNet.from_torch(net)
    kinds = ("a TwoLayerNet, a DeepNet, a fitted sklearn MLPClassifier, a torch nn.Sequential or a list of (W, b) "
             "pairs" if pairs else "a TwoLayerNet, a DeepNet, a fitted sklearn MLPClassifier or a torch nn.Sequential")
    raise TypeError(f"net must be {kinds}, got {type(net).__name__}")


def _pairs_network(layers: Any) -> DeepNet:
    """A list of ``(W, b)`` pairs (ReLU hidden layers, as ``DeepNet.layers`` holds them and
    :func:`~nnpartition.network_regions_in_box` takes them) as a :class:`DeepNet` whose output layer is zero: the
    pairs have none, so its logit is 0 everywhere."""
    pairs = _layer_pairs("net", layers)   # named as network_regions_in_box names them
    return DeepNet(pairs, w_out=np.zeros(pairs[-1][0].shape[1]), b_out=0.0)


def _layers(net: Network) -> Tuple[List[Tuple[np.ndarray, np.ndarray]], np.ndarray, float, float]:
    if net.activation not in _core.PIECEWISE_LINEAR:
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


def region_polygons(net: Any, *, box: BoxLike = (-1.0, 1.0), plane: Any = None, split_decision: bool = False,
                    tol: float = DEFAULT_TOL, max_regions: int = DEFAULT_MAX_REGIONS) -> RegionPolygons:
    """The exact linear regions of a ReLU network inside a 2-D window.

    Args:
        net: a :class:`TwoLayerNet` or :class:`DeepNet` with ``relu`` or
            ``leaky_relu`` units (a fitted sklearn ``MLPClassifier`` or a torch
            ``nn.Sequential`` is converted with ``DeepNet.from_sklearn`` / ``from_torch``), or a list of
            ``(W, b)`` pairs (ReLU hidden layers, ``W`` of the first of shape ``(d, n_1)``, as ``net.layers`` holds
            them and :func:`~nnpartition.network_regions_in_box` takes them): the same regions as the network's,
            with no output layer to read, so its logit is 0 (``affine_weight``, ``affine_bias``, ``window_affine``
            zero, ``decision`` False, no ``boundary``) and ``split_decision`` is refused.
        box: the window, ``(lo, hi)`` for both window coordinates or
            ``((s_lo, t_lo), (s_hi, t_hi))``.
        plane: ``None`` for ``d == 2`` (the window is a box of the input plane);
            for ``d > 2`` three input points ``(x0, x1, x2)`` (the slice
            through them, orthonormal coordinates with ``x0`` at the origin) or a
            :class:`Plane` ``(origin, u, v)``.
        split_decision: also cut regions along the decision boundary (logit = 0),
            so that ``decision`` is exact on every polygon (used for plots).
        tol: a vertex counts as lying on a unit's line (no sliver is cut off there) when the line passes within
            its margin, an ellipse whose half-axis along each window axis is ``tol`` times the window's diagonal
            times that side over the longer side (a disc of radius ``tol`` times the diagonal on a window as tall as
            wide; per side, so that a line across the short side of a thin window cuts it); in ``(0, 0.01]``, and
            raised along each axis to 64 roundings (``64 * 2**-52``) of that axis' largest coordinate when smaller
            (a margin below the rounding cut slivers of no area between units with the same line). A cut moves by up
            to the margin: a coarse ``tol`` can leave a sliver the exact count lacks, in one order of the units only
            (``docs/pictures.md``, Tolerance).
        max_regions: fail fast (``ValueError``, with advice) beyond this many regions. The memory limit
            (``max_bytes``, :mod:`nnpartition.limits`) caps them too: about twice the hidden units in bytes
            plus 1 KiB a region (``docs/pictures.md``).

    Returns:
        A :class:`RegionPolygons`.

    Raises:
        ValueError: ``d > 2`` without a plane, collinear plane points, an empty
            box or one narrower than 64 roundings of its largest coordinate in ``s`` or ``t``
            (``hi - lo < 64 * 2**-52 * max(|lo|, |hi|)``: no double lies strictly inside a box one rounding wide),
            a plane of the wrong input width, NaN weights, a smooth activation, a unit's or the logit's affine map
            that overflows float64 in the window (or the logit's in input space: ``affine_bias``).
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
    if isinstance(net, (list, tuple)):
        if v.flag("split_decision", split_decision):
            raise ValueError("split_decision=True needs an output layer to split by: a list of (W, b) pairs has none "
                             "(pass the network itself, a DeepNet or TwoLayerNet)")
        net = _pairs_network(net)
    net = _as_network(net, pairs=True)   # refused naming the list too
    return _region_polygons(net, box, plane, split_decision, tol, max_regions, 0.0)


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
