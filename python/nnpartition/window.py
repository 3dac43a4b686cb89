"""Exact number of regions one hidden layer cuts a box (the data domain) into.

For the hyperplanes ``H_i = {x : x @ W[:, i] + b[i] = 0}`` of a layer and an
open box ``lo < x < hi``, the regions inside the box number

    ``#{broken-circuit-free sets of hyperplanes whose common intersection meets the box}``

(Zaslavsky's theorem restricted to the box, with Whitney's count of the Moebius
function; see ``docs/window.md``); for hyperplanes in general position relative to
the box every set is broken-circuit free, and this is
``sum_{k=0}^{d} #{k-subsets whose common intersection meets the box}``. Each
term is an exact geometric test on small determinants, run in Rust in parallel
with the GIL released. Degenerate arrangements (coincident hyperplanes, several
through one flat or one point, intersections on the box's boundary) are counted
exactly: every such coincidence is decided in exact rational arithmetic on the
numbers given. A zero column of ``W`` raises a ``ValueError``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from . import _validate as v
from ._frozen import ValueResult
from ._repr import short_repr
from ._progress import _check as _check_progress
from ._progress import progress_bar

__all__ = ["regions_in_box", "region_count_curve", "network_regions_in_box", "network_region_count_curve",
           "network_regions", "NetworkRegions",
           "regions_in_square_numpy", "DEFAULT_MAX_WORK", "DEFAULT_TOL", "DEFAULT_NETWORK_TOL",
           "DEFAULT_MAX_REGIONS"]

#: A box bound: one number for every coordinate, or one number per coordinate.
BoundLike = Union[float, Sequence[float], NDArray[np.floating]]

#: Default limit on the worst-case steps of work (about one multiply-add each; ``docs/window.md``).
DEFAULT_MAX_WORK = 10**11
#: Default margin of the floating-point filter, relative to the box mapped onto ``[-1, 1]^d`` (decisions inside it
#: are taken again in exact arithmetic).
DEFAULT_TOL = 1e-9
#: Default radius, relative to the box mapped onto ``[-1, 1]^d``, that a piece's largest inscribed ball must exceed
#: to count as a region of :func:`network_regions_in_box`.
DEFAULT_NETWORK_TOL = 1e-6
#: Default limit on the regions :func:`network_regions_in_box` finds before it stops.
DEFAULT_MAX_REGIONS = 1_000_000


def _prepare(W: ArrayLike, b: ArrayLike, lo: BoundLike, hi: BoundLike, tol: Any,
             max_work: Any, layer: str = "") -> Tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                                                    NDArray[np.float64], float, int]:
    """The checked arguments of one layer's count. ``layer``: where ``W`` and ``b`` are in a network (``" of hidden
    layer 1"``, as :func:`network_regions_in_box` names its later layers), added to their names in the messages;
    ``""`` for :func:`regions_in_box`'s own ``W`` and ``b``."""
    w_name, b_name = f"W{layer}", f"b{layer}"
    W = v.float_matrix(w_name, W, dtype=np.float64, finite=True)
    d, L = W.shape
    b = v.float_vector(b_name, b)
    if b.shape[0] != L:
        # PyTorch's nn.Linear holds weight as (L, d): its W with its own bias has b as long as W's first dimension.
        hint = ("; b's length is W's first dimension: this looks like PyTorch's (L, d) layout: transpose it "
                "(pass W.T)") if b.shape[0] == d else ""
        raise ValueError(f"{b_name} must have length {L} (one bias per column of {w_name}, which has shape (d, L) = "
                         f"{W.shape}), got {b.shape[0]}{hint}")
    # d is the input dimension: W's rows (a network's first layer's W: W1 of a TwoLayerNet, layers[0][0] of a DeepNet)
    rows = f"rows of {w_name}" if not layer else f"the input dimension, rows of {w_name}"
    bounds = []
    for name, val in (("lo", lo), ("hi", hi)):
        if isinstance(val, (list, tuple)) and v.bools_inside(val):
            raise TypeError(f"{name} must be a real number or a sequence of d={d} real numbers, got {val!r} "
                            f"(True/False are not coordinates)")
        try:
            arr = np.asarray(val)
        except ValueError:   # a ragged nest: numpy's "inhomogeneous shape", naming nothing
            raise ValueError(f"{name} must be a number or have length d={d} ({rows}), got {val!r}") from None
        if arr.dtype == object and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in arr.flat):
            try:   # Python ints beyond 64 bits (numpy keeps them as objects): a TypeError said "not a real number"
                arr = np.asarray(arr, dtype=np.float64)
            except OverflowError:
                raise ValueError(f"{name} must be finite, got an integer too large for a float") from None
        if not v.real_dtype(arr.dtype) or arr.dtype == np.bool_:
            raise TypeError(f"{name} must be a real number or a sequence of d={d} real numbers, got {val!r}")
        source, arr = arr, v.quiet_cast(arr)
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != d):
            raise ValueError(f"{name} must be a number or have length d={d} ({rows}), got shape {arr.shape}")
        v.all_finite(name, arr, source)   # before broadcasting: a single bound is not given an index
        arr = np.ascontiguousarray(np.broadcast_to(arr, (d,)))
        bounds.append(arr)
    lo_a, hi_a = bounds
    if np.any(lo_a >= hi_a):
        k = int(np.argmax(lo_a >= hi_a))
        raise ValueError(f"the box needs lo < hi in every coordinate, got lo[{k}]={lo_a[k]} >= hi[{k}]={hi_a[k]}")
    tol = v.real("tol", tol, minimum=0.0, open_min=True, maximum=1e-2)
    max_work = v.count("max_work", max_work, minimum=1, maximum=2**64 - 1)
    return W, b, lo_a, hi_a, tol, max_work


def regions_in_box(W: ArrayLike, b: ArrayLike, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_TOL,
                   max_work: int = DEFAULT_MAX_WORK) -> int:
    """Exact number of regions that one hidden layer cuts the open box ``lo < x < hi`` into.

    Args:
        W: hidden weights, shape ``(d, L)`` (the ``X @ W + b`` convention).
        b: hidden biases, shape ``(L,)``.
        lo, hi: the box, each a number (same for every coordinate) or ``d`` numbers.
        tol: margin of the floating-point filter, relative to the box mapped onto ``[-1, 1]^d`` (raised to a
            multiple of the rounding bound in high ``d``): a decision closer than this (an intersection near the
            box's boundary, nearly coincident hyperplanes or points) is taken again in exact rational arithmetic
            on the numbers given, so the count does not depend on it; a larger ``tol`` only costs time.
        max_work: refuse up front when the steps of work (about one
            multiply-add each; 0.6-2 ns each on a shared two-core machine,
            ``benchmarks/bench_window.py --calibrate``) of the worst case exceed this: every one of the
            ``sum_{k<=d} C(L', k)`` subsets of the ``L'`` hyperplanes meeting the box tested, a ``k``-subset costing
            ``C(d, k - 1)`` determinants of size ``k - 1`` (``docs/window.md``).
            ``d = 2, L = 1000`` is 8.5e6 steps and takes milliseconds;
            ``d = 5, L = 60`` is 1.1e9; ``d = 10, L = 30`` is 3.2e12, refused by the
            default of 1e11.

    Returns:
        The exact count as a Python ``int``.

    Any arrangement is counted, exactly: coincident hyperplanes count once, and hyperplanes through a common
    flat or point (``k`` sharing a flat of dimension above ``d - k``) cut it as they do (three lines through one
    point make six sectors, not seven regions). A hyperplane or intersection *on* the boundary is outside the
    open box. Any box with ``lo < hi`` is counted exactly, however narrow for its coordinates (its hyperplanes'
    offsets on it, which cancel there, are then read exactly).

    Raises:
        ValueError: malformed input or a zero column of ``W``.
        ValueError: the work estimate exceeds ``max_work``; use
            :func:`nnpartition.count_regions` on sample points to estimate instead.

    Example:
        >>> import numpy as np
        >>> W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])  # x = 0, y = 0, x + y = 1
        >>> b = np.array([0.0, 0.0, -1.0])
        >>> regions_in_box(W, b, -2, 2)
        7
        >>> regions_in_box(W, b, -0.4, 0.4)  # x + y = 1 misses this box
        4
        >>> regions_in_box(W, b, 0, 1)       # x = 0 and y = 0 are its edges: only the diagonal enters
        2
        >>> regions_in_box([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]], [0.0, 0.0, 0.0], -1, 1)  # three lines through 0
        6
    """
    args = _prepare(W, b, lo, hi, tol, max_work)
    total, _ = _core.window_region_counts(*args)
    return int(total)


def region_count_curve(W: ArrayLike, b: ArrayLike, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_TOL,
                       max_work: int = DEFAULT_MAX_WORK) -> NDArray[np.int64]:
    """Exact regions inside the box as the neurons (columns of ``W``) are added one by one.

    ``curve[m]`` is the number of regions of the first ``m`` neurons, so
    ``curve[0] == 1`` and ``curve[-1] == regions_in_box(W, b, lo, hi)``. Neuron
    ``m`` adds as many regions as the pieces the earlier hyperplanes cut its
    own hyperplane into inside the box (none when it misses the box or repeats
    an earlier hyperplane). Costs the same as one :func:`regions_in_box` call;
    arguments as there.

    Returns:
        ``int64`` array of length ``L + 1``.

    Example:
        >>> import numpy as np
        >>> W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
        >>> region_count_curve(W, [0.0, 0.0, -1.0], -2, 2).tolist()
        [1, 2, 4, 7]
        >>> region_count_curve(W, [0.0, 0.0, 0.0], -2, 2).tolist()  # x + y = 0 through the crossing: 2, not 3
        [1, 2, 4, 6]
    """
    args = _prepare(W, b, lo, hi, tol, max_work)
    _, inc = _core.window_region_counts(*args)
    curve = np.empty(inc.shape[0] + 1, dtype=np.int64)
    curve[0] = 1
    np.cumsum(inc.astype(np.int64), out=curve[1:])
    curve[1:] += 1
    return curve


#: The output layer ``(w_out, b_out)`` of a network, when it has one.
Readout = Optional[Tuple[NDArray[np.float64], float]]


def _network_args(net: Any, lo: BoundLike, hi: BoundLike, tol: Any,
                  max_regions: Any) -> Tuple[List[NDArray[np.float64]], List[NDArray[np.float64]], NDArray[np.float64],
                                             NDArray[np.float64], float, int, float, Readout]:
    from .network import DeepNet, TwoLayerNet, _layer_pairs

    slope = 0.0
    readout: Readout = None
    if isinstance(net, (list, tuple)):
        layers = _layer_pairs("net", net)   # DeepNet's check and words
    else:
        if not isinstance(net, (TwoLayerNet, DeepNet)):
            from .pictures.polygons import _as_network   # sklearn's MLPClassifier, torch's nn.Sequential

            net = _as_network(net, pairs=True)
        if net.activation not in _core.PIECEWISE_LINEAR:
            raise ValueError(f"net: a network of {net.activation} units has no linear regions (relu or leaky_relu "
                             f"only)")
        slope = 0.0 if net.activation == "relu" else float(net.slope)
        layers = list(net.layers)   # a TwoLayerNet's is [(W1, b1)]
        w_out, b_out = (net.w2, net.b2) if isinstance(net, TwoLayerNet) else (net.w_out, net.b_out)
        readout = (np.ascontiguousarray(w_out, dtype=np.float64), float(b_out))
    ws = [np.ascontiguousarray(W) for W, _ in layers]
    bs = [np.ascontiguousarray(b) for _, b in layers]
    _, _, lo_a, hi_a, _, _ = _prepare(ws[0], bs[0], lo, hi, 1e-9, 1, " of hidden layer 1")   # the box, d = W's rows
    tol = v.real("tol", tol, minimum=1e-9, maximum=1e-2)
    max_regions = v.count("max_regions", max_regions, minimum=1, maximum=2**63 - 1)
    return ws, bs, lo_a, hi_a, tol, max_regions, slope, readout


def network_regions_in_box(net: Any, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_NETWORK_TOL,
                           max_regions: int = DEFAULT_MAX_REGIONS, progress: Optional[bool] = None) -> int:
    """Linear regions of a whole ReLU network inside the open box ``lo < x < hi``, in any input dimension.

    A region is a piece of the box on which every hidden unit of every layer keeps its gate (on or off), so the
    network is one affine map there. The first layer cuts the box by hyperplanes; a unit of a later layer is
    affine on each piece of the layers before, so it cuts that piece by a hyperplane of its own (bent from piece
    to piece). The core splits the box unit by unit, layer by layer, and keeps a half when a linear program
    (``microlp``) finds a ball of radius above ``tol`` inside it (the box mapped onto ``[-1, 1]^d``); thinner
    slivers are not counted. For one layer in general position this is :func:`regions_in_box`'s exact count; in
    ``d = 2`` it is :func:`nnpartition.region_polygons`'s (``docs/window.md``).

    Args:
        net: a :class:`nnpartition.DeepNet` or :class:`nnpartition.TwoLayerNet` (``relu`` or ``leaky_relu``),
            a fitted sklearn ``MLPClassifier`` or a torch ``nn.Sequential``, or a list of ``(W, b)`` pairs
            (ReLU; ``W`` of the first of shape ``(d, n_1)``, of the next ``(n_1, n_2)``, ...),
            as ``DeepNet.layers`` holds them.
        lo, hi: the box, each a number (same for every coordinate) or ``d`` numbers.
        tol: the radius a region's largest inscribed ball must exceed, relative to the box mapped onto
            ``[-1, 1]^d``; in ``[1e-9, 1e-2]``.
        max_regions: stop with a ``ValueError`` once more regions than this are found.
        progress: a bar of the regions found so far (``None``: only when the count runs longer than a second and
            someone can see it; ``True``: always; ``False``: never).

    Returns:
        The number of regions, a Python ``int``.

    Raises:
        ValueError: malformed layers or box (also one narrower than 64 roundings of its largest coordinate in some
            coordinate, ``hi - lo < 64 * 2**-52 * max(|lo|, |hi|)``: no double lies strictly inside a box one
            rounding wide), a smooth activation, more than ``max_regions`` regions, a later layer's
            pre-activation that overflows float64 on the box.
        TypeError: an unsupported network type.

    Example:
        >>> import numpy as np
        >>> first = (np.eye(3), np.zeros(3))                       # the three coordinate planes: 8 octants
        >>> second = (np.ones((3, 1)), np.array([-1.0]))           # relu(x) + relu(y) + relu(z) = 1: bent, it
        >>> network_regions_in_box([first], -2, 2), network_regions_in_box([first, second], -2, 2)  # cuts 7 of them
        (8, 15)
    """
    return int(network_region_count_curve(net, lo, hi, tol=tol, max_regions=max_regions, progress=progress)[-1])


def network_region_count_curve(net: Any, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_NETWORK_TOL,
                               max_regions: int = DEFAULT_MAX_REGIONS,
                               progress: Optional[bool] = None) -> NDArray[np.int64]:
    """Linear regions inside the box as the hidden layers are added one by one.

    ``curve[k]`` is the number of regions of the first ``k`` hidden layers (``curve[0] == 1``, the box), so
    ``curve[-1] == network_regions_in_box(net, lo, hi)``. Costs one :func:`network_regions_in_box` call;
    arguments as there.

    Example:
        >>> import numpy as np
        >>> layers = [(np.eye(3), np.zeros(3)), (np.ones((3, 1)), np.array([-1.0]))]
        >>> network_region_count_curve(layers, -2, 2).tolist()
        [1, 8, 15]
    """
    return _network_regions(net, lo, hi, tol, max_regions, progress, False)[0]


def _network_regions(net: Any, lo: BoundLike, hi: BoundLike, tol: Any, max_regions: Any, progress: Any,
                     listed: bool) -> Tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64],
                                            NDArray[np.bool_], Optional[NDArray[np.float64]], Tuple[int, ...]]:
    """``(curve, points, radii, patterns, affine, widths)`` of the core's count, ``curve`` as
    :func:`network_region_count_curve` gives it (the middle three empty unless ``listed``; ``affine``, rows
    ``(a, c)`` of the output's map ``a . x + c`` on each region, only when listed for a network with an output
    layer, else ``None``)."""
    progress = _check_progress(progress)
    ws, bs, lo_a, hi_a, tol, max_regions, slope, readout = _network_args(net, lo, hi, tol, max_regions)
    with progress_bar(None, desc="regions", progress=progress, unit="region") as bar:
        def found(n: int) -> None:
            bar.update(n - bar.n)

        per_layer, points, radii, patterns, affine = _core.window_network_region_counts(
            ws, bs, lo_a, hi_a, tol, max_regions, slope, listed, readout if listed else None, progress=found)
    curve = np.concatenate([[1], per_layer.astype(np.int64)])
    return (curve, points, radii, patterns, affine if listed and readout is not None else None,
            tuple(int(W.shape[1]) for W in ws))


@dataclass(frozen=True, eq=False)
class NetworkRegions(ValueResult):
    """The linear regions of a network inside a box, one row each (what :func:`network_regions` returns).

    Attributes:
        points: ``float64 (n_regions, d)``: a point inside each region, the centre of a ball inside it.
        radii: ``float64 (n_regions,)``: that ball's radius, in the box mapped onto ``[-1, 1]^d`` (above ``tol``).
        patterns: ``bool (n_regions, total hidden units)``, layer by layer: ``True`` where the unit is on (its
            pre-activation is positive) on the region.
        curve: ``int64 (layers + 1,)``: the regions after each hidden layer, as
            :func:`network_region_count_curve` gives them.
        widths: the hidden layers' widths (to split ``patterns`` by layer).
        affine_weight: ``float64 (n_regions, d)``, affine_bias: ``float64 (n_regions,)``: on region ``r`` the
            network's logit is ``x @ affine_weight[r] + affine_bias[r]`` (as in
            :class:`nnpartition.RegionPolygons`). ``None`` for a list of ``(W, b)`` pairs, which has no output layer.
    """

    __repr__ = short_repr

    points: NDArray[np.float64]
    radii: NDArray[np.float64]
    patterns: NDArray[np.bool_]
    curve: NDArray[np.int64]
    widths: Tuple[int, ...]
    affine_weight: Optional[NDArray[np.float64]] = None
    affine_bias: Optional[NDArray[np.float64]] = None

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return int(self.radii.shape[0])


def network_regions(net: Any, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_NETWORK_TOL,
                    max_regions: int = DEFAULT_MAX_REGIONS, progress: Optional[bool] = None) -> NetworkRegions:
    """The linear regions of a whole network inside the box, listed: a point inside each and its gates.

    The regions :func:`network_regions_in_box` counts, in an order that does not depend on the threads; the
    patterns say which units are on. For a network with an output layer (not a list of ``(W, b)`` pairs) each
    region also gets the affine map the network's logit is on it, ``x @ affine_weight[r] + affine_bias[r]``.
    Arguments as :func:`network_regions_in_box`; ``max_regions`` also bounds the memory the list may take, checked
    before the count starts.

    Example:
        >>> import numpy as np
        >>> regions = network_regions([(np.eye(3), np.zeros(3)), (np.ones((3, 1)), np.array([-1.0]))], -2, 2)
        >>> regions.n_regions, regions.patterns.shape
        (15, (15, 4))
        >>> int(regions.patterns[:, 3].sum())   # the second layer's unit is on in 7 of them
        7
        >>> bool(np.all((regions.points > -2) & (regions.points < 2)))
        True
        >>> from nnpartition import DeepNet
        >>> net = DeepNet([(np.eye(2), np.zeros(2))], w_out=np.array([1.0, -2.0]), b_out=0.5)
        >>> maps = network_regions(net, -1, 1)          # logit relu(x) - 2 relu(y) + 0.5 on 4 quadrants
        >>> sorted(zip(maps.affine_weight.tolist(), maps.affine_bias.tolist()))
        [([0.0, -2.0], 0.5), ([0.0, 0.0], 0.5), ([1.0, -2.0], 0.5), ([1.0, 0.0], 0.5)]
    """
    curve, points, radii, patterns, affine, widths = _network_regions(net, lo, hi, tol, max_regions, progress, True)
    if affine is None:
        return NetworkRegions(points, radii, patterns, curve, widths)
    return NetworkRegions(points, radii, patterns, curve, widths, np.ascontiguousarray(affine[:, :-1]),
                          np.ascontiguousarray(affine[:, -1]))



#: Largest magnitude of an entry of ``W`` and ``b`` and of a bound :func:`regions_in_square_numpy` takes: products of
#: two stay below 1e300 and sums of two of those below float64's largest value.
_SQUARE_MAX_ABS = 1e150


def regions_in_square_numpy(W: ArrayLike, b: ArrayLike, lo: float, hi: float) -> int:
    """The 2-D count in plain vectorised numpy: ``1 + (lines meeting the open square)
    + (pairwise intersection points inside it)``, for lines in general position.

    Degenerate lines are miscounted (three through one point count 7, not 6; coincident ones twice): it is the
    baseline ``benchmarks/bench_window.py`` measures :func:`regions_in_box` against, and an independent
    implementation for tests. Its float64 products need every entry of ``W`` and ``b`` and the bounds at most
    ``1e150`` in magnitude (their products then stay below 1e300): larger ones are
    refused (:func:`regions_in_box`, exact, takes any finite value).

    Example:
        >>> import numpy as np
        >>> W = np.array([[1.0, 0.0], [0.0, 1.0]]); b = np.array([0.0, 0.0])   # the two axes
        >>> regions_in_square_numpy(W, b, -1.0, 1.0)
        4
    """
    lo, hi = v.real("lo", lo), v.real("hi", hi)
    if not lo < hi:   # an upside-down square counted 3 for the two axes, a NaN one 1
        raise ValueError(f"the square needs lo < hi, got lo={lo} >= hi={hi}")
    W = v.float_matrix("W", W, dtype=np.float64, finite=True)
    b = v.float_vector("b", b)
    if W.shape[0] != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W must have shape (2, L) and b shape (L,), got {W.shape} and {b.shape}")
    # (an audit in the sixty-third pass on issue 11: b = 1.7e308 or a bound of 1e308 overflowed the products below,
    # a RuntimeWarning)
    for name, a in (("lo", np.array([lo])), ("hi", np.array([hi])), ("W", W), ("b", b)):
        big = np.flatnonzero(~(np.abs(a) <= _SQUARE_MAX_ABS))   # NaN too
        if big.size:
            at = "" if name in ("lo", "hi") else f" (entry {np.unravel_index(big[0], a.shape)} = {a.flat[big[0]]})"
            raise ValueError(f"{name} must be finite and at most {_SQUARE_MAX_ABS:g} in magnitude for the numpy "
                             f"count's float64 products{at}; regions_in_box takes any finite value")
    corners = np.array([[lo, lo], [lo, hi], [hi, lo], [hi, hi]])
    vals = corners @ W + b
    lines = int(np.sum((vals.max(0) > 0) & (vals.min(0) < 0)))
    i, j = np.triu_indices(W.shape[1], 1)
    det = W[0, i] * W[1, j] - W[1, i] * W[0, j]
    # (a tiny det overflows x and y to infinity: a crossing far outside the square, not counted)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = (-b[i] * W[1, j] + b[j] * W[1, i]) / det
        y = (-W[0, i] * b[j] + W[0, j] * b[i]) / det
    return 1 + lines + int(np.sum((x > lo) & (x < hi) & (y > lo) & (y < hi)))
