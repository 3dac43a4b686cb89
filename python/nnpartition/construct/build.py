"""Networks built from data: the constructive solution (:func:`interpolant_1d`), the approximation of a function
(:func:`approximate_1d`) and the classifier of labelled 1-D data (:func:`classifier_1d`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .. import _validate as v
from .._repr import short_repr
from ..network import TwoLayerNet


def interpolant_1d(x: Any, y: Any) -> TwoLayerNet:
    """The two-layer ReLU network that reproduces the linear spline through
    ``(x_i, y_i)`` exactly on ``[x_0, x_n]``.

    ``x`` must be strictly increasing (at least two points). The network has
    one hidden unit per segment: unit ``i`` has weight 1 and bias ``-x_i``
    (knot at ``x_i``), output weights ``(s_1, s_2 - s_1, ..., s_n - s_{n-1})``
    with ``s_j`` the segment slopes, and output bias ``y_0``. Left of ``x_0``
    it is constant ``y_0``; right of ``x_n`` it continues with slope ``s_n``.
    The output at the knots is exact up to rounding of order
    ``eps * sum_i |c_i| |x_j - x_i|``, so nearly coincident ``x`` (huge
    slopes) cost accuracy.

    Example:
        >>> net = interpolant_1d([0.0, 1.0, 3.0], [1.0, 3.0, 2.0])
        >>> net.W1.shape, net.b1.tolist(), net.w2.tolist(), net.b2
        ((1, 2), [-0.0, -1.0], [2.0, -2.5], 1.0)
        >>> net.decision_function(np.array([[0.0], [1.0], [2.0], [3.0]])).tolist()
        [1.0, 3.0, 2.5, 2.0]
    """
    x = v.float_vector("x", x)
    y = v.float_vector("y", y, length=x.shape[0])
    if x.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 points, got {x.shape[0]}")
    dx = np.diff(x)
    if np.any(dx == 0):
        i = int(np.flatnonzero(dx == 0)[0])
        raise ValueError(f"x must not contain duplicates: x[{i}] == x[{i + 1}] == {x[i]}")
    if np.any(dx < 0):
        i = int(np.flatnonzero(dx < 0)[0])
        raise ValueError(f"x must be sorted in increasing order: x[{i}] = {x[i]} > x[{i + 1}] = {x[i + 1]} "
                         "(sort x and y together, e.g. with np.argsort(x))")
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.diff(y) / dx
        c = np.empty_like(s)
        c[0] = s[0]
        c[1:] = np.diff(s)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(c))):
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity")
        j = int(np.flatnonzero(~np.isfinite(c))[0])
        raise ValueError(f"the spline through (x, y) has slopes or slope changes beyond float64 (segment {j}: "
                         f"|y| up to {float(np.max(np.abs(y))):.3g} over x gaps as small as {float(dx.min()):.3g}); "
                         "rescale y or x")
    return TwoLayerNet(W1=np.ones((1, s.shape[0])), b1=-x[:-1].copy(), w2=c, b2=float(y[0]))


@dataclass(frozen=True)
class Approximation:
    """The constructive approximation of a function on ``[a, b]`` (see :func:`approximate_1d`).

    Attributes:
        net: the interpolating network (``n_units`` hidden units).
        knots, values: the equispaced nodes ``x_0 < ... < x_n`` and ``f`` there.
        h: the mesh size ``(b - a) / n_units``.
        sup_error: measured ``max |f - net|`` on a dense grid.
        f2_max: ``max |f''|`` on ``[a, b]`` (given, or estimated by second differences).
        bound: the C^2 error bound ``h^2 f2_max / 8``.
        lipschitz: the Lipschitz constant ``L = max |f'|`` on ``[a, b]`` (given, or estimated by
            first differences on the grid).
        lipschitz_bound: the Lipschitz error bound ``L h / 2`` (holds for any ``L``-Lipschitz ``f``,
            weaker than ``bound`` for smooth ``f`` and small ``h``).
    """

    __repr__ = short_repr

    net: TwoLayerNet
    knots: np.ndarray
    values: np.ndarray
    h: float
    sup_error: float
    f2_max: float
    bound: float
    lipschitz: float = float("nan")
    lipschitz_bound: float = float("nan")


def _call(f: Callable[[np.ndarray], Any], x: np.ndarray) -> np.ndarray:
    try:
        out = np.asarray(f(x), dtype=np.float64)
    except Exception:
        out = None
    if out is None or out.shape != x.shape:
        got = "it raised" if out is None else f"on {x.shape[0]} points it returned shape {out.shape}"
        try:
            out = np.array([float(f(t)) for t in x])
        except Exception as exc:   # any error of f's own (an IndexError on a scalar escaped as itself)
            raise ValueError(f"f must return one real number per point (called on an array of points, {got}; "
                             f"then on one point at a time, {type(exc).__name__}: {exc})") from exc
    if not np.all(np.isfinite(out)):
        raise ValueError("f returned NaN or infinity on [a, b]")
    return out


#: Steps of ``max_work`` (about a nanosecond each, docs/limits.md) that ``approximate_1d`` prices for one unit of the
#: interpolant evaluated at one point of its error grid: 5 until the forty-fifth pass on issue 11, when
#: ``python benchmarks/bench_approx_price.py`` measured 1.5-2.6 ns a step of that price on a quiet machine (8-12 ns a
#: unit and point, numpy's evaluation of the network) where docs/limits.md said 0.93-1.3.
_APPROX_STEPS_PER_UNIT_POINT = 10.0


def approximate_1d(f: Callable[[np.ndarray], Any], a: float, b: float, n_units: int, *,
                   f2_max: Optional[float] = None, lipschitz: Optional[float] = None,
                   points_per_unit: int = 200) -> Approximation:
    """Approximate ``f`` on ``[a, b]`` by the constructive network on ``n_units + 1``
    equispaced knots, and report the measured sup error next to the bounds
    ``h^2 max|f''| / 8`` (C^2) and ``L h / 2`` (``L``-Lipschitz).

    ``f`` is called on a NumPy array (or point by point if that fails). The
    sup error is measured on ``n_units * points_per_unit + 1`` equispaced
    points; ``max|f''|`` and ``max|f'|`` are estimated by differences on that
    grid unless ``f2_max`` / ``lipschitz`` are given.

    Example:
        >>> r = approximate_1d(lambda x: np.sin(3 * x) + 0.3 * x**2, -2, 2, 16, f2_max=9.6)
        >>> round(r.sup_error, 4), round(r.bound, 4), r.sup_error <= r.bound
        (0.0733, 0.075, True)
        >>> r = approximate_1d(np.abs, -1, 1, 3)        # Lipschitz 1, not C^2: only L h / 2 applies
        >>> round(r.sup_error, 4), round(r.lipschitz_bound, 4)
        (0.3333, 0.3333)
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    a, b = v.real("a", a), v.real("b", b)
    if not a < b:
        raise ValueError(f"need a < b, got a = {a}, b = {b}")
    if not np.isfinite(b - a):
        raise ValueError(f"the interval [a, b] = [{a}, {b}] is wider than float64 can represent (b - a overflows)")
    n = v.count("n_units", n_units, minimum=1, maximum=10**7)
    ppu = v.count("points_per_unit", points_per_unit, minimum=1, maximum=10**6)
    if n * ppu > 10**8:
        raise ValueError(f"n_units * points_per_unit must be at most 10**8 (the error grid), got {n * ppu}")
    from ..limits import _block_entries, _check_bytes, _check_work

    g = max(n * ppu, 4000) + 1
    # The grid, f on it, the interpolant's logits and the differences' temporaries (about six arrays of the grid),
    # with the blocks of (points x units) in which the network is evaluated (four copies of one), and the
    # interpolant's n units evaluated at every grid point (about 10 ns each, _APPROX_STEPS_PER_UNIT_POINT; an audit
    # after the twenty-eighth pass on issue 11: 10^4 units at 100 points each took 55 s, and the largest accepted call
    # about 60 days).
    _check_bytes(f"approximate_1d's error grid of {g} points", 48.0 * g + 32.0 * min(g * (n + 1), _block_entries()),
                 "lower n_units or points_per_unit")
    _check_work(f"approximate_1d's check of {n} units on {g} grid points", _APPROX_STEPS_PER_UNIT_POINT * g * n,
                "lower n_units or points_per_unit")
    nodes = np.linspace(a, b, n + 1)
    grid = np.linspace(a, b, max(n * ppu, 4000) + 1)
    if not np.all(np.diff(grid) > 0):
        raise ValueError(f"the interval [a, b] = [{a}, {b}] is too narrow for {len(grid)} distinct float64 "
                         "grid points: widen it or lower n_units / points_per_unit")
    values = _call(f, nodes)
    net = interpolant_1d(nodes, values)
    fg = _call(f, grid)
    with np.errstate(over="ignore", invalid="ignore"):
        err = float(np.max(np.abs(fg - net._logits(grid[:, None]))))
    if not np.isfinite(err):
        raise ValueError("the interpolant of f overflows float64 on [a, b]: rescale f or the interval")
    hg = float(grid[1] - grid[0])
    if f2_max is None:
        # Differences of a scaled copy, so neither 2 f nor the squared spacing overflows or underflows.
        s = float(np.max(np.abs(fg))) or 1.0
        fs = fg / s
        f2 = float(np.max(np.abs(fs[2:] - 2 * fs[1:-1] + fs[:-2]))) / hg / hg * s
    else:
        f2 = v.real("f2_max", f2_max, minimum=0.0)
    if lipschitz is None:
        s = float(np.max(np.abs(fg))) or 1.0
        lip = float(np.max(np.abs(np.diff(fg / s)))) / hg * s
    else:
        lip = v.real("lipschitz", lipschitz, minimum=0.0)
    h = (b - a) / n
    f2 = float(f2)
    return Approximation(net=net, knots=nodes, values=values, h=float(h), sup_error=err, f2_max=f2,
                         bound=float(h * (h * f2) / 8), lipschitz=float(lip), lipschitz_bound=float(lip * h / 2))


#: Steps of ``max_work`` that ``classifier_1d`` prices for one activation of its check (one unit of its network at one
#: point, the evaluation ``approximate_1d`` prices at ``_APPROX_STEPS_PER_UNIT_POINT``): 4 until the sixty-seventh pass
#: on issue 11, which measured 0.9-2.5 ns a step of that (CPU time, 2 loaded cores; 3.6-10 ns an activation) at 3,000
#: to 30,000 points and 2.5-6.4 ns (10-25 ns an activation, the BLAS's threads counted) with 3 x 10^5 to 10^6 units,
#: where a point's activations leave the cache (the largest accepted calls: about 1.6 x 10^6 alternating labels), so
#: that the largest accepted call took about twice to six times the hours docs/limits.md states
#: (``python benchmarks/bench_approx_price.py --calls classifier_1d``).
_CLASSIFIER_STEPS_PER_ACTIVATION = _APPROX_STEPS_PER_UNIT_POINT


def _classifier_work(n: int, units: int) -> float:
    """Steps of ``classifier_1d``'s check of its ``units``-unit network on ``n`` points: each point through every
    unit, ``_CLASSIFIER_STEPS_PER_ACTIVATION`` an activation.

    Example:
        >>> _classifier_work(1000, 500) / _classifier_work(500, 500)
        2.0
    """
    return _CLASSIFIER_STEPS_PER_ACTIVATION * float(n) * float(units)


#: Bytes of one chunk of ``classifier_1d``'s check (rows x units x 3 float64 temporaries), at most: 2 MiB a
#: temporary, which stay in cache.
_CHECK_CHUNK_BYTES = 3 * 2**21


def _check_classifier_cost(n: int, units: int) -> int:
    """Refuse ``classifier_1d``'s check of its ``units``-unit network on ``n`` points beyond the process limits;
    return the rows per chunk of the check. Cost: the ``n x units`` hidden activations, ``_classifier_work`` (numpy
    computes about 1e8 to 3e8 a second, fewer once a point's activations leave the cache), in chunks of at most
    ``_CHECK_CHUNK_BYTES`` (and a quarter of ``max_bytes``).

    Example:
        >>> _check_classifier_cost(10**5, 5 * 10**4)   # rows per chunk
        5
    """
    from ..limits import _check_bytes, _check_work, get_limits

    row = 3 * 8 * units   # X @ W1, + b1 and the ReLU of one point
    _check_bytes(f"classifier_1d's network of {units} units (one per label change of y along X) on one point",
                 row + 8 * 8 * n, "give X fewer points or fewer label changes")
    _check_work(f"classifier_1d's check of its {units}-unit network (one unit per label change) on the N = {n} "
                f"points of X", _classifier_work(n, units), "give X fewer points or fewer label changes")
    return max(1, min(4096, min(_CHECK_CHUNK_BYTES, get_limits().max_bytes // 4) // row))


def classifier_1d(X: Any, y: Any) -> TwoLayerNet:
    """The constructive classifier of 1-D labelled data: a two-layer ReLU network
    with exactly as many hidden units as label changes along the sorted data
    that classifies every point correctly (output ``> 0`` for label 1).

    It is the linear spline through one node per run of equal labels, with
    values of alternating sign ``+-a_j``, crossing zero in each gap between two
    points whose labels differ (:func:`interpolant_1d` on those nodes). Constant
    left of the first node, it keeps its sign right of the last. Each crossing
    is at the middle of its gap and each node midway between two crossings, at
    the value of its distance to them: the zigzag of slope ``+-1`` (scaled to a
    largest value of 1) whose size at a point is its distance to the nearest
    crossing, so every point keeps half its gap as a margin and nothing
    compounds (until the twenty-first pass nodes sat at run centres, and the
    magnitudes compounded the gaps' ratios until points were lost to rounding).
    The network is checked on every point; gaps below about ``1e-15 L`` times
    the data's span, where its sum over units rounds to the wrong sign, raise
    ``ValueError`` rather than misclassify. That check costs ``N x L`` multiply-adds
    (in chunks of at most 6 MiB); beyond ``max_work`` (:mod:`nnpartition.limits`,
    ten steps per point and unit) it is refused up front. Equal ``x`` with
    different labels cannot be separated and raise ``ValueError``.

    Example:
        >>> X = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 6.0])
        >>> net = classifier_1d(X, [0, 0, 1, 1, 0, 0])
        >>> net.W1.shape[1], (net.decision_function(X[:, None]) > 0).astype(int).tolist()
        (2, [0, 0, 1, 1, 0, 0])
    """
    Xa = np.asarray(X)
    if Xa.ndim == 2 and Xa.shape[1] == 1:
        Xa = Xa[:, 0]
    x = v.float_vector("X", Xa)   # (refuses NaN and infinity)
    if x.size == 0:   # an audit: numpy's IndexError on the first label
        raise ValueError("X must hold at least one point, got none")
    yb = v.binary_labels("y", y, x.shape[0])
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], yb[order]
    same = np.flatnonzero((np.diff(xs) == 0) & (ys[1:] != ys[:-1]))
    if same.size:
        raise ValueError(f"X holds the value {xs[same[0]]} with both labels: no function separates them")
    ch = np.flatnonzero(ys[1:] != ys[:-1])
    sgn0 = 1.0 if ys[0] == 1 else -1.0
    if ch.size == 0:
        return TwoLayerNet(W1=np.ones((1, 1)), b1=np.zeros(1), w2=np.zeros(1), b2=sgn0)
    with np.errstate(over="ignore"):
        span = xs[-1] - xs[0]
    if not np.isfinite(span):
        raise ValueError(f"X spans {xs[0]:g} to {xs[-1]:g}, whose difference overflows float64; rescale X")
    rows = _check_classifier_cost(xs.size, ch.size)   # its units: one a label change
    z = 0.5 * xs[ch] + 0.5 * xs[ch + 1]     # the zero crossings: the middle of each gap between labels
    # Nodes midway between consecutive crossings (the first and last as far out as their inner neighbour), each at
    # the value +-(its distance to the crossings): the spline is the zigzag of slope +-1 whose size at a point is
    # its distance to the nearest crossing. Nothing compounds: every point keeps a margin of half its gap.
    half = 0.5 * np.diff(z)                 # each interior node's distance to its two crossings
    first, last = (half[0], half[-1]) if z.size > 1 else (0.5 * (xs[ch[0] + 1] - xs[ch[0]]),) * 2
    nodes = np.concatenate([[z[0] - first], 0.5 * z[:-1] + 0.5 * z[1:], [z[-1] + last]])
    mag = np.concatenate([[first], half, [last]])
    vals = sgn0 * (mag / mag.max()) * np.where(np.arange(nodes.size) % 2 == 0, 1.0, -1.0)
    if np.all(np.diff(nodes) > 0) and np.all(mag > 0):
        with np.errstate(all="ignore"):
            net = interpolant_1d(nodes, vals)
            # checked on every point, in chunks: the network's sum over units (N x L at once would be N^2 / 2)
            ok = all(np.array_equal(out > 0, ys[k:k + rows] == 1) and bool(np.all(out != 0))
                     for k in range(0, xs.size, rows)
                     for out in [net._logits(xs[k:k + rows, None])])
        if ok:
            return net
    raise ValueError("X's spacings span too many orders of magnitude for the constructive classifier in float64 "
                     "(the gaps between labels are too small next to the span: its output rounds to the wrong sign); "
                     "rescale or thin X")
