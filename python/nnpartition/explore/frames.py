"""What the explorer's page draws and downloads: the plotted window, a network's frame (its exact regions as
base64 arrays), the region bound, and the network as plain lists or ``.npz`` bytes."""

from __future__ import annotations

import base64
import io
from typing import Any, Dict, Tuple, Union

import numpy as np

from ..counting import deep_region_bounds, regions
from ..network import DeepNet, TwoLayerNet, save_network
from .settings import LIMITS

Network = Union[TwoLayerNet, DeepNet]


def window_of(X: np.ndarray) -> Tuple[Tuple[float, float], Tuple[float, float]]:
    """The plotted window: the points' bounding box, squared and padded by 10% (at least ``[-1, 1]^2``)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    c = (lo + hi) / 2
    half = max(1.0, float(np.max(hi - lo)) / 2 * 1.1)
    return ((float(c[0] - half), float(c[1] - half)), (float(c[0] + half), float(c[1] + half)))


def network_dict(net: Network) -> Dict[str, Any]:
    """A network as plain lists (exact floats): ``layers`` of ``{W, b}``, ``w_out``, ``b_out``, its ``activation``
    and ``slope`` (leaky ReLU's negative side; the explorer trains ReLU networks, but an export reads back whole)."""
    if isinstance(net, TwoLayerNet):
        layers, w_out, b_out = [(net.W1, net.b1)], net.w2, net.b2
    else:
        layers, w_out, b_out = net.layers, net.w_out, net.b_out
    return {"layers": [{"W": np.asarray(W).tolist(), "b": np.asarray(b).tolist()} for W, b in layers],
            "w_out": np.asarray(w_out).tolist(), "b_out": float(b_out), "activation": net.activation,
            "slope": float(net.slope)}


def network_from_dict(d: Dict[str, Any]) -> Network:
    """The inverse of :func:`network_dict`."""
    layers = [(np.array(layer["W"], dtype=np.float64), np.array(layer["b"], dtype=np.float64))
              for layer in d["layers"]]
    w_out = np.array(d["w_out"], dtype=np.float64)
    act, slope = d.get("activation", "relu"), float(d.get("slope", 0.01))   # (files exported before slope: 0.01)
    if len(layers) == 1:
        return TwoLayerNet(layers[0][0], layers[0][1], w_out, float(d["b_out"]), act, slope)
    return DeepNet(layers, w_out, float(d["b_out"]), act, slope)


def region_bound(widths: Tuple[int, ...]) -> int:
    """Most regions the network can cut the plane into: ``regions(L, 2)`` for one layer, else the
    tightest upper bound of :func:`nnpartition.deep_region_bounds`.

    Example:
        >>> region_bound((8,)), region_bound((8, 8))
        (37, 1369)
    """
    if len(widths) == 1:
        return regions(widths[0], 2)
    return deep_region_bounds(2, list(widths)).upper


def frame_of(net: Network, box: Tuple[Tuple[float, float], Tuple[float, float]]) -> Dict[str, Any]:
    """The drawable picture of ``net`` in ``box``.

    The polygons are the exact linear regions, also cut along the decision boundary
    (``region_polygons(..., split_decision=True)``) so that every polygon has one decision; ``region``
    maps each polygon to its linear region (pieces of one region share its activation pattern, and a
    pattern's region is convex), and ``n_regions`` counts the linear regions, the number
    ``region_polygons(net, box=box).n_regions`` gives. Also: the logit at each polygon's centroid (the
    shade), the decision boundary and the first layer (``first_layer``: its ``W`` and ``b``, whose lines
    ``x @ W + b = 0`` the page clips to the window itself, since a frame past the region limit has no polygons).
    The vertices and the boundary travel as float32 relative to ``origin``, the window's centre, which the page adds
    back (as float32 themselves, a window about 10^6 +- 1 had its vertices rounded to 1/16, 3% of its width).

    Example:
        >>> net = TwoLayerNet(np.eye(2), np.zeros(2), np.array([1.0, -1.0]), 0.25)   # relu(x) - relu(y) + 1/4
        >>> f = frame_of(net, ((-1.0, -1.0), (1.0, 1.0)))
        >>> f["n_regions"], f["n_polygons"]   # four quadrants; the boundary cuts two: y = x + 1/4, y = 1/4
        (4, 6)
    """
    from ..pictures import region_polygons

    rp = region_polygons(net, box=box, split_decision=True, max_regions=LIMITS["regions"])
    region, n_regions = _group_rows(rp.patterns)
    W1, b1 = (net.W1, net.b1) if isinstance(net, TwoLayerNet) else net.layers[0]
    origin = np.array([(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2])
    return {
        "n_regions": n_regions,
        "n_polygons": int(rp.n_regions),
        "origin": origin.tolist(),
        "offsets": _b64(rp.offsets, "<i4"),
        "xy": _b64(rp.vertices - origin, "<f4"),
        "region": _b64(region, "<i4"),
        "decision": _b64(rp.decision, "u1"),
        "output": _b64(rp.logits(), "<f4"),
        "boundary": _b64(rp.boundary - origin, "<f4"),
        "first_layer": {"W": np.asarray(W1).tolist(), "b": np.asarray(b1).tolist()},
    }


def empty_frame(net: Network, note: str) -> Dict[str, Any]:
    """A frame without polygons (``n_regions`` None): the lines, the points and ``note`` saying why.

    Example:
        >>> net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 0.0)
        >>> frame = empty_frame(net, "too many regions to draw")
        >>> frame["n_regions"], frame["n_polygons"], frame["note"], frame["first_layer"]
        (None, 0, 'too many regions to draw', {'W': [[1.0, 0.0], [0.0, 1.0]], 'b': [0.0, 0.0]})
    """
    W1, b1 = (net.W1, net.b1) if isinstance(net, TwoLayerNet) else net.layers[0]
    none = ""
    return {"n_regions": None, "n_polygons": 0, "offsets": _b64(np.zeros(1), "<i4"), "xy": none, "region": none,
            "decision": none, "output": none, "boundary": none, "note": note,
            "first_layer": {"W": np.asarray(W1).tolist(), "b": np.asarray(b1).tolist()}}


def _group_rows(patterns: np.ndarray) -> Tuple[np.ndarray, int]:
    """Number the distinct rows of a boolean matrix in order of first appearance: ``(ids, count)``.

    Exact (a lexicographic sort of the rows packed into 64-bit words); about 10x faster than
    ``np.unique(..., axis=0)``.

    Example:
        >>> _group_rows(np.array([[1, 0], [0, 1], [1, 0], [0, 0]], dtype=bool))
        (array([0, 1, 0, 2]), 3)
    """
    n = patterns.shape[0]
    if n == 0:
        return np.zeros(0, np.int64), 0
    packed = np.packbits(patterns, axis=1)
    width = -(-packed.shape[1] // 8) * 8
    words = np.zeros((n, width), np.uint8)
    words[:, :packed.shape[1]] = packed
    u = words.view(np.uint64)
    order = np.lexsort(u.T[::-1])
    us = u[order]
    new = np.ones(n, bool)
    new[1:] = (us[1:] != us[:-1]).any(axis=1)
    ids = np.empty(n, np.int64)
    ids[order] = np.cumsum(new) - 1
    count = int(new.sum())
    first = np.full(count, n, np.int64)
    np.minimum.at(first, ids, np.arange(n))
    rank = np.empty(count, np.int64)
    rank[np.argsort(first)] = np.arange(count)
    return rank[ids], count


def _b64(a: Any, dtype: str) -> str:
    """A flat array as base64 of little-endian bytes (the page reads it as a typed array): a frame of
    thousands of polygons encodes and parses in a millisecond or two, where JSON lists of floats take tens."""
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def decode_b64(text: str, dtype: str) -> np.ndarray:
    """The inverse of the frame's base64 arrays (flat).

    Example:
        >>> decode_b64(_b64(np.array([[1.5, -2.0]]), "<f4"), "<f4").tolist()
        [1.5, -2.0]
    """
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def network_npz(net: Network) -> bytes:
    """The network as ``.npz`` bytes (:func:`nnpartition.network.save_network`'s format, which
    ``nnpartition plot-partition --weights`` reads), made in memory."""
    buf = io.BytesIO()
    save_network(net, buf)  # type: ignore[arg-type]  # np.savez takes a file object as well as a path
    return buf.getvalue()
