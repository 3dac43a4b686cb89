"""Inside a two-layer ReLU network: constructive 1-D solutions, knots, linear pieces.

A two-layer ReLU network ``f(x) = sum_i c_i relu(w_i . x + b_i) + c_0`` is a
continuous piecewise-linear function. For one input dimension it is
*completely* described by its knots ``t_i = -b_i / w_i`` and the slope jumps
``c_i |w_i|`` they cause; conversely every linear spline is such a network
(the constructive solution, see ``docs/construct.md`` and notes/theory.md §10):

    f(x) = y_0 + s_1 relu(x - x_0) + sum_{i=1}^{n-1} (s_{i+1} - s_i) relu(x - x_i)

For ``d > 1``, :func:`region_map` gives every point's linear region (its
activation pattern) and the affine map the network computes there.

Networks are :class:`nnpartition.network.TwoLayerNet` objects (``W1`` of
shape ``(d, L)``, ``b1``, ``w2``, ``b2``), e.g. from ``TwoLayerNet.from_sklearn``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import numpy as np

from . import _core
from . import _validate as v
from .limits import _block_rows
from .network import TwoLayerNet
from ._repr import short_repr

__all__ = [
    "Approximation",
    "Explanation",
    "Knots",
    "Pieces",
    "RegionMap",
    "RampPair",
    "approximate_1d",
    "classifier_1d",
    "explain_1d",
    "interpolant_1d",
    "knots",
    "linear_pieces",
    "ramp_pairs",
    "region_map",
]


def _params(net: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(W1, b1, w2, b2)`` of a two-layer network as float64 arrays, checked."""
    try:
        W1, b1, w2, b2 = net.W1, net.b1, net.w2, net.b2
    except AttributeError:
        raise TypeError(f"net must be a TwoLayerNet (with W1, b1, w2, b2), got {type(net).__name__}") from None
    act = getattr(net, "activation", "relu")
    if act != "relu":
        raise ValueError(f"net must use ReLU hidden units for an exact piecewise-linear reading, got {act!r}")
    W1 = np.asarray(W1, dtype=np.float64)
    if W1.ndim != 2 or W1.shape[1] < 1:
        raise ValueError(f"net.W1 must have shape (d, L) with L >= 1, got {W1.shape}")
    L = W1.shape[1]
    b1 = v.float_vector("net.b1", b1, length=L)
    w2 = v.float_vector("net.w2", np.ravel(w2), length=L)
    b2a = np.asarray(b2, dtype=np.float64).ravel()
    if b2a.size != 1:
        raise ValueError(f"net.b2 must be a scalar, got shape {np.shape(b2)}")
    b2 = v.real("net.b2", float(b2a[0]))
    if not np.all(np.isfinite(W1)):
        raise ValueError("net.W1 contains NaN or infinity")
    with np.errstate(over="ignore", invalid="ignore"):
        ok = np.all(np.isfinite(W1 * w2)) and np.all(np.isfinite(b1 * w2)) and np.isfinite(np.sum(np.abs(b1 * w2)))
    if not ok:
        raise ValueError("net's weights are too large to read exactly: products w2_i * W1[:, i] or w2_i * b1_i (or "
                         "their sum) overflow float64 (about 1.8e308); rescale the network (ReLU is positively "
                         "homogeneous: divide W1, b1 by s and multiply w2 by s)")
    return W1, b1, w2, b2


def _params_1d(net: Any, what: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    W1, b1, w2, b2 = _params(net)
    if W1.shape[0] != 1:
        raise ValueError(f"{what} needs a network with 1-D input (W1 of shape (1, L)), got W1 of shape "
                         f"{W1.shape}; use region_map for d > 1")
    return W1[0], b1, w2, b2


def _nearest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``min_j |a_i - b_j|`` for every ``a_i`` (``b`` not empty), from a sort of ``b``: no ``len(a) x len(b)`` table
    (a network of 8,000 oscillating units built one of 980 MiB).

    Example:
        >>> _nearest(np.array([0.0, 2.6, 9.0]), np.array([3.0, 1.0, 2.0])).tolist()
        [1.0, 0.3999999999999999, 6.0]
    """
    bs = np.sort(b)
    i = np.searchsorted(bs, a)
    left = np.abs(a - bs[np.clip(i - 1, 0, bs.size - 1)])
    right = np.abs(bs[np.clip(i, 0, bs.size - 1)] - a)
    out: np.ndarray = np.minimum(left, right)
    return out


def _eval(w: np.ndarray, b: np.ndarray, c: np.ndarray, c0: float, x: np.ndarray) -> np.ndarray:
    """The 1-D network ``sum_j c_j relu(w_j x + b_j) + c0`` at the points ``x``, in blocks of rows
    (``limits._block_rows``; the whole table of a 10^5-unit network on explain_1d's 4001-point grid was 47 GiB)."""
    rows = _block_rows(w.size)
    out = np.empty(x.shape[0])
    for i in range(0, x.shape[0], rows):
        out[i:i + rows] = np.maximum(np.multiply.outer(x[i:i + rows], w) + b, 0.0) @ c + c0
    return out


def _interval(name: str, interval: Any) -> Optional[Tuple[float, float]]:
    if interval is None:
        return None
    try:
        lo, hi = interval
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (lo, hi) or None, got {interval!r}") from None
    lo, hi = v.real(f"{name}[0]", lo), v.real(f"{name}[1]", hi)
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got ({lo}, {hi})")
    return lo, hi


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
        try:
            out = np.array([float(f(t)) for t in x])
        except (TypeError, ValueError) as exc:
            raise ValueError("f must return one real number per point (called on an array of points, or on one "
                             f"point at a time): {exc}") from None
    if not np.all(np.isfinite(out)):
        raise ValueError("f returned NaN or infinity on [a, b]")
    return out


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
    from .limits import _block_entries, _check_bytes, _check_work

    g = max(n * ppu, 4000) + 1
    # The grid, f on it, the interpolant's logits and the differences' temporaries (about six arrays of the grid),
    # with the blocks of (points x units) in which the network is evaluated (four copies of one), and the
    # interpolant's n units evaluated at every grid point (about 5 ns each; an audit after the twenty-eighth pass on
    # issue 11: 10^4 units at 100 points each took 55 s, and the largest accepted call about 60 days).
    _check_bytes(f"approximate_1d's error grid of {g} points", 48.0 * g + 32.0 * min(g * (n + 1), _block_entries()),
                 "lower n_units or points_per_unit")
    _check_work(f"approximate_1d's check of {n} units on {g} grid points", 5.0 * g * n,
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


@dataclass(frozen=True)
class Knots:
    """Knots of a 1-D two-layer ReLU network (see :func:`knots`).

    Per hidden unit ``i`` (arrays of length ``L``):
        position: ``-b_i / w_i`` (NaN when ``w_i = 0``).
        jump: the slope jump ``c_i |w_i|`` at the knot (left to right).
        direction: +1 if the unit is active right of its knot, -1 if left, 0 if ``w_i = 0``.
        status: ``"live"`` (bends the function inside the interval), ``"outside"``
            (knot outside the interval: the unit is always on or always off there),
            ``"flat"`` (``w_i = 0``) or ``"zero-weight"`` (``c_i = 0``).
        group: index of the merged knot the unit belongs to (-1 if not live).

    Merged knots (live knots closer than ``tol`` joined; a group whose jumps
    cancel is dropped): ``merged_position``, ``merged_jump``; ``n_pieces`` is
    ``len(merged_position) + 1``.
    """

    __repr__ = short_repr

    position: np.ndarray
    jump: np.ndarray
    direction: np.ndarray
    status: np.ndarray
    group: np.ndarray
    merged_position: np.ndarray
    merged_jump: np.ndarray
    interval: Optional[Tuple[float, float]]
    tol: float

    @property
    def live(self) -> np.ndarray:
        """Boolean mask of the units that bend the function inside the interval."""
        return np.asarray(self.status == "live")

    @property
    def n_pieces(self) -> int:
        """Number of linear pieces on the interval (merged knots + 1)."""
        return int(self.merged_position.shape[0]) + 1


def _knots(w: np.ndarray, b: np.ndarray, c: np.ndarray, interval: Optional[Tuple[float, float]],
           tol: float) -> Knots:
    L = w.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(w != 0, -b / np.where(w != 0, w, 1.0), np.nan)
    jump = c * np.abs(w)
    direction = np.sign(w).astype(np.int8)
    status = np.full(L, "live", dtype=object)
    status[c == 0] = "zero-weight"
    if interval is not None:
        lo, hi = interval
        outside = (w != 0) & ~((pos > lo) & (pos < hi))
        status[outside & (c != 0)] = "outside"
    status[w == 0] = "flat"
    status = status.astype(str)
    live = np.flatnonzero(status == "live")
    group = np.full(L, -1, dtype=np.int64)
    mpos: List[float] = []
    mjump: List[float] = []
    if live.size:
        order = live[np.argsort(pos[live], kind="stable")]
        scale = max(float(np.max(np.abs(jump[live]))), 1e-300)
        start = 0
        for e in range(1, order.size + 1):
            if e == order.size or pos[order[e]] - pos[order[e - 1]] > tol:
                members = order[start:e]
                total = float(np.sum(jump[members]))
                if abs(total) > 1e-12 * scale:
                    group[members] = len(mpos)
                    mpos.append(float(np.mean(pos[members])))
                    mjump.append(total)
                start = e
    return Knots(position=pos, jump=jump, direction=direction, status=status, group=group,
                 merged_position=np.array(mpos, dtype=np.float64), merged_jump=np.array(mjump, dtype=np.float64),
                 interval=interval, tol=tol)


def knots(net: TwoLayerNet, interval: Optional[Tuple[float, float]] = None, *, tol: float = 1e-9) -> Knots:
    """Each hidden unit's knot ``-b/w`` with its slope jump ``c |w|``, flagged
    live (bends the function inside ``interval``, open) or not, plus the
    merged knots (distance ``<= tol`` joined) and the piece count.

    Example:
        >>> net = TwoLayerNet(W1=np.array([[1.0, -2.0, 1.0, 0.0]]), b1=np.array([0.0, 2.0, -5.0, 1.0]),
        ...                   w2=np.array([1.0, 0.5, 3.0, 1.0]), b2=0.0)
        >>> k = knots(net, interval=(-1, 3))
        >>> k.position.tolist()
        [-0.0, 1.0, 5.0, nan]
        >>> k.status.tolist(), k.jump.tolist()
        (['live', 'live', 'outside', 'flat'], [1.0, 1.0, 3.0, 0.0])
        >>> k.n_pieces
        3
    """
    w, b, c, _ = _params_1d(net, "knots")
    interval = _interval("interval", interval)
    tol = v.real("tol", tol, minimum=0.0)
    return _knots(w, b, c, interval, tol)


@dataclass(frozen=True)
class Pieces:
    """The exact piecewise-linear form of a 1-D network (see :func:`linear_pieces`).

    Piece ``j`` covers ``[edges[j], edges[j + 1]]`` (ends may be infinite) where
    the network equals ``slopes[j] * x + intercepts[j]``. ``breakpoints`` are the
    interior edges (the merged live knots); ``sign_changes`` counts the sign
    changes of the output along the interval.
    """

    __repr__ = short_repr

    edges: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    sign_changes: int

    @property
    def breakpoints(self) -> np.ndarray:
        """The interior edges (merged live knots), increasing."""
        return self.edges[1:-1]

    @property
    def n_pieces(self) -> int:
        """Number of linear pieces."""
        return int(self.slopes.shape[0])

    def __call__(self, x: Any) -> np.ndarray:
        """Evaluate the piecewise-linear form at ``x`` (any shape)."""
        x = np.asarray(x, dtype=np.float64)
        j = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, self.n_pieces - 1)
        return np.asarray(self.slopes[j] * x + self.intercepts[j])


def _sign_changes(vals: np.ndarray, scale: float) -> int:
    s = np.sign(np.where(np.abs(vals) <= 1e-12 * scale, 0.0, vals))
    s = s[s != 0]
    return int(np.count_nonzero(s[1:] != s[:-1]))


def _check_1d_work(what: str, w: np.ndarray, b: np.ndarray, c: np.ndarray, interval: Optional[Tuple[float, float]],
                   points: int, fix: str, *, points_per_live: int = 0) -> None:
    """Refuse (``max_work``) the pieces of a 1-D network and its evaluation at ``points`` more points (and
    ``points_per_live`` more a live unit), before :func:`_knots` starts. The pieces (at most one more than the live
    units, counted here as :func:`_knots` flags them) are a table of pieces x units, about 20 ns an entry (19-65
    measured, in blocks); an evaluation about 12 ns a point and unit (6-13); the knots' merge and the Python loops
    over pieces about 30 us a live unit. An audit: unpriced, 20,000 units took 8 s in ``linear_pieces`` and 15 s in
    ``explain_1d``, and 10^6 units would have taken hours.

    Example:
        >>> _check_1d_work("a tiny network", np.ones(3), np.zeros(3), np.ones(3), None, 10, "-")
    """
    from .limits import _check_work

    with np.errstate(all="ignore"):
        live = (w != 0) & (c != 0)
        if interval is not None:
            pos = -b / np.where(w != 0, w, 1.0)
            live &= (pos > interval[0]) & (pos < interval[1])
    n_live = int(np.count_nonzero(live))
    _check_work(f"{what} of a 1-D network of {w.size} units ({n_live} live)",
                20.0 * (n_live + 1) * w.size + 12.0 * (points + points_per_live * n_live) * w.size + 3e4 * n_live,
                fix)


def _pieces(w: np.ndarray, b: np.ndarray, c: np.ndarray, c0: float, interval: Optional[Tuple[float, float]],
            tol: float) -> Pieces:
    k = _knots(w, b, c, interval, tol)
    bp = k.merged_position
    lo, hi = interval if interval is not None else (-np.inf, np.inf)
    edges = np.concatenate([[lo], bp, [hi]])
    n = edges.shape[0] - 1
    samples = np.empty(n)
    for j in range(n):
        a, e = edges[j], edges[j + 1]
        if np.isfinite(a) and np.isfinite(e):
            samples[j] = 0.5 * (a + e)
        elif np.isfinite(a):
            samples[j] = a + 1.0
        elif np.isfinite(e):
            samples[j] = e - 1.0
        else:
            samples[j] = 0.0
    # which units are active on each piece, in blocks of pieces (pieces x units: limits._block_rows)
    slopes, intercepts = np.empty(n), np.empty(n)
    rows = _block_rows(w.size)
    for i in range(0, n, rows):
        active = (np.multiply.outer(samples[i:i + rows], w) + b) > 0
        slopes[i:i + rows] = active @ (c * w)
        intercepts[i:i + rows] = active @ (c * b) + c0
    # Output at the vertices; at an infinite end use the limit's sign.
    vlist: List[float] = []
    for j in range(n):
        a = edges[j]
        vlist.append(-np.sign(slopes[j]) * np.inf if a == -np.inf and slopes[j] != 0 else
                    (intercepts[j] if a == -np.inf else slopes[j] * a + intercepts[j]))
    last = edges[-1]
    vlist.append(np.sign(slopes[-1]) * np.inf if last == np.inf and slopes[-1] != 0 else
                 (intercepts[-1] if last == np.inf else slopes[-1] * last + intercepts[-1]))
    vals = np.array(vlist, dtype=np.float64)
    fin = vals[np.isfinite(vals)]
    scale = max(float(np.max(np.abs(fin))) if fin.size else 0.0, float(np.sum(np.abs(c * b))) + abs(c0), 1e-300)
    return Pieces(edges=edges, slopes=slopes, intercepts=intercepts, sign_changes=_sign_changes(vals, scale))


def linear_pieces(net: TwoLayerNet, interval: Optional[Tuple[float, float]] = None, *,
                  tol: float = 1e-9) -> Pieces:
    """The exact piecewise-linear form of a 1-D network on ``interval`` (the
    whole line if ``None``): breakpoints, slopes and intercepts of every piece,
    and the number of sign changes of the output.

    A network with ``L`` hidden units has at most ``L + 1`` pieces and so at
    most ``L + 1`` sign changes (``L`` for ``L <= 2``, ``_core.d1_max_sign_changes``).

    Example:
        >>> net = interpolant_1d([0.0, 1.0, 2.0, 3.0], [-1.0, 1.0, -1.0, 1.0])
        >>> p = linear_pieces(net, (0, 3))
        >>> p.breakpoints.tolist(), p.slopes.tolist(), p.intercepts.tolist()
        ([1.0, 2.0], [2.0, -2.0, 2.0], [-1.0, 3.0, -5.0])
        >>> p.sign_changes, p(1.5).item()
        (3, 0.0)
    """
    w, b, c, c0 = _params_1d(net, "linear_pieces")
    interval = _interval("interval", interval)
    tol = v.real("tol", tol, minimum=0.0)
    _check_1d_work("linear_pieces", w, b, c, interval, 0, "pass a network with fewer units")
    return _pieces(w, b, c, c0, interval, tol)


@dataclass(frozen=True)
class Explanation:
    """A trained 1-D network read as a constructive spline (see :func:`explain_1d`).

    The findings are where the knots sit and how many sign changes the network uses;
    ``sup_distance`` is a check of this code, not a finding (any 1-D ReLU network *is*
    the linear spline on its own knots, so it is zero up to rounding by construction).

    Attributes:
        interval: the data interval ``[min X, max X]``.
        knots: the :class:`Knots` of the network on that interval.
        nodes, values: the spline nodes (interval ends and merged live knots) and the network there.
        construct: the constructive network :func:`interpolant_1d` ``(nodes, values)``.
        sup_distance: ``max |net - construct|`` on the interval (dense grid plus the data): a code check.
        live_units: indices of the hidden units that bend the function inside the data.
        n_units, n_pieces: hidden units ``L`` and linear pieces on the interval.
        sign_changes: sign changes of the output on the interval; ``max_sign_changes``: the most any ``L`` ReLU
            units can make, ``L + 1`` (``L`` for ``L <= 2``: one unit is flat on one side of its knot, and two
            cannot alternate three slopes).
        zero_crossings: where the output changes sign inside the interval (increasing).
        knot_gap_fraction: fraction of merged live knots that fall in a gap between consecutive
            data points wider than the median gap (knots placed between the data, not on them); NaN when
            no live knot lies inside the data.
        knot_to_zero: for each merged live knot, the distance to the nearest zero crossing
            (``inf`` when there is none), in units of the data interval's length.
        label_changes: label changes along the sorted data (the fewest sign changes a
            perfect classifier needs), or ``None`` without ``y``.
        change_points: midpoints between consecutive sorted data points whose labels differ.
        zero_to_change: for each zero crossing, the distance to the nearest change point
            (relative to the interval length); empty without ``y``.
        accuracy: training accuracy of ``output > 0`` against ``y`` (``None`` without ``y``).
    """

    __repr__ = short_repr

    interval: Tuple[float, float]
    knots: Knots
    nodes: np.ndarray
    values: np.ndarray
    construct: TwoLayerNet
    sup_distance: float
    live_units: np.ndarray
    n_units: int
    n_pieces: int
    sign_changes: int
    max_sign_changes: int
    zero_crossings: np.ndarray = field(default_factory=lambda: np.zeros(0))
    knot_gap_fraction: float = float("nan")
    knot_to_zero: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label_changes: Optional[int] = None
    change_points: np.ndarray = field(default_factory=lambda: np.zeros(0))
    zero_to_change: np.ndarray = field(default_factory=lambda: np.zeros(0))
    accuracy: Optional[float] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines of text describing the network."""
        if self.knot_to_zero.size:
            near = float(np.mean(self.knot_to_zero < 0.05))
            knots = (f"knots within 5% of the interval from a zero crossing: {near:.2f}; "
                     f"knots in wider-than-median data gaps: {self.knot_gap_fraction:.2f}")
        else:   # the two fractions are of no knots (NaN): say so instead of printing nan
            knots = "no live knot inside the data, so no fractions of knots to report"
        lines = [
            f"data interval [{self.interval[0]:.4g}, {self.interval[1]:.4g}]; {self.n_units} hidden units, "
            f"{len(self.live_units)} bend the function inside the data, {self.n_pieces} linear pieces",
            f"sign changes used: {self.sign_changes} of at most {self.max_sign_changes} "
            f"({'L' if self.n_units <= 2 else 'L + 1'})",
            knots,
        ]
        if self.label_changes is not None:
            lines.append(f"label changes along the data: {self.label_changes}; training accuracy {self.accuracy:.4f}")
        lines.append(f"code check: sup |net - spline on its own knots| = {self.sup_distance:.3g} (0 by construction)")
        return "\n".join(lines)


def _zero_crossings(pieces: Pieces) -> np.ndarray:
    """Points where a piecewise-linear function changes sign, one per sign change."""
    e, sl, ic = pieces.edges, pieces.slopes, pieces.intercepts
    n = pieces.n_pieces
    vals = np.empty(n + 1)
    for j in range(n + 1):
        pj = min(j, n - 1) if j < n else n - 1
        if np.isfinite(e[j]):
            vals[j] = sl[pj] * e[j] + ic[pj]
        else:  # sign at an infinite end
            side = -1.0 if j == 0 else 1.0
            vals[j] = side * np.sign(sl[pj]) * np.inf if sl[pj] != 0 else ic[pj]
    scale = max(float(np.max(np.abs(vals[np.isfinite(vals)]))) if np.isfinite(vals).any() else 0.0, 1e-300)
    sg = np.sign(np.where(np.abs(vals) <= 1e-12 * scale, 0.0, vals))
    out = []
    last = -1
    for j in range(n + 1):
        if sg[j] == 0:
            continue
        if last >= 0 and sg[j] != sg[last]:
            zeros = [i for i in range(last + 1, j) if sg[i] == 0]
            out.append(float(e[zeros[0]]) if zeros else float(-ic[j - 1] / sl[j - 1]))
        last = j
    return np.array(out, dtype=np.float64)


def explain_1d(net: TwoLayerNet, X: Any, y: Any = None, *, tol: float = 1e-9) -> Explanation:
    """Read a trained 1-D network against the data: which units bend the
    function inside the data, where its knots sit relative to the data gaps
    and to the zero crossings of the output, how many sign changes it uses
    against the ``L + 1`` available (``L`` for ``L <= 2``) and the label changes the data need.

    As a check of this code (not a finding), the network is also compared with
    the constructive spline on its own live knots: the two are the same
    function, so ``sup_distance`` is zero up to rounding.

    Example:
        >>> net = TwoLayerNet(W1=np.array([[1.0, -1.0, 2.0]]), b1=np.array([0.0, 0.0, -8.0]),
        ...                   w2=np.array([1.0, 1.0, -1.0]), b2=-0.6)   # |x| - 0.6 on [-1, 1]
        >>> X = np.linspace(-1, 1, 9)[:, None]
        >>> e = explain_1d(net, X, (np.abs(X[:, 0]) > 0.5).astype(int))
        >>> e.live_units.tolist(), e.knots.merged_position.tolist(), e.n_pieces
        ([0, 1], [0.0], 2)
        >>> e.sign_changes, e.max_sign_changes, e.zero_crossings.tolist()
        (2, 4, [-0.6, 0.6])
        >>> e.change_points.tolist(), e.zero_to_change.round(4).tolist()
        ([-0.625, 0.625], [0.0125, 0.0125])
        >>> e.sup_distance < 1e-12, e.label_changes, e.accuracy
        (True, 2, 1.0)
    """
    w, b, c, c0 = _params_1d(net, "explain_1d")
    Xa = np.asarray(X)
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    Xa = v.float_matrix("X", Xa, dtype=np.float64, cols=1)
    x = Xa[:, 0]
    if not np.all(np.isfinite(x)):
        raise ValueError("X contains NaN or infinity")
    lo, hi = float(np.min(x)), float(np.max(x))
    if not lo < hi:
        raise ValueError("X must contain at least two distinct values")
    tol = v.real("tol", tol, minimum=0.0)
    # evaluated at the nodes (two a live unit, with the grid's copy), the check's grid (4001 points, X, the nodes)
    # and, with y, at X for the accuracy
    _check_1d_work("explain_1d", w, b, c, (lo, hi), 4 + 4001 + x.size * (1 if y is None else 2),
                   "pass a network with fewer units or X with fewer points", points_per_live=2)
    k = _knots(w, b, c, (lo, hi), tol)
    nodes = np.concatenate([[lo], k.merged_position, [hi]])
    values = _eval(w, b, c, c0, nodes)
    construct = interpolant_1d(nodes, values)
    grid = np.concatenate([np.linspace(lo, hi, 4001), x, nodes])
    sup = float(np.max(np.abs(_eval(w, b, c, c0, grid) - construct.decision_function(grid[:, None]))))
    pieces = _pieces(w, b, c, c0, (lo, hi), tol)
    span = hi - lo
    zeros = _zero_crossings(pieces)
    kp = k.merged_position
    knot_to_zero = _nearest(kp, zeros) / span if zeros.size else np.full(kp.shape, np.inf)
    xs = np.unique(x)
    gaps = np.diff(xs)
    gap_of_knot = gaps[np.clip(np.searchsorted(xs, kp) - 1, 0, gaps.size - 1)] if kp.size else np.zeros(0)
    gap_frac = float(np.mean(gap_of_knot > np.median(gaps))) if kp.size else float("nan")
    label_changes = accuracy = None
    change_points = zero_to_change = np.zeros(0)
    if y is not None:
        yb = v.binary_labels("y", y, x.shape[0])
        order = np.argsort(x, kind="stable")
        xo, ys = x[order], yb[order]
        ch = np.flatnonzero(ys[1:] != ys[:-1])
        label_changes = int(ch.size)
        change_points = 0.5 * (xo[ch] + xo[ch + 1])
        if zeros.size and change_points.size:
            zero_to_change = _nearest(zeros, change_points) / span
        accuracy = float(np.mean((_eval(w, b, c, c0, x) > 0) == (yb == 1)))
    return Explanation(interval=(lo, hi), knots=k, nodes=nodes, values=values, construct=construct,
                       sup_distance=sup, live_units=np.flatnonzero(k.live), n_units=int(w.shape[0]),
                       n_pieces=pieces.n_pieces, sign_changes=pieces.sign_changes,
                       max_sign_changes=int(_core.d1_max_sign_changes(int(w.shape[0]))), zero_crossings=zeros,
                       knot_gap_fraction=gap_frac,
                       knot_to_zero=knot_to_zero, label_changes=label_changes, change_points=change_points,
                       zero_to_change=zero_to_change, accuracy=accuracy)


@dataclass(frozen=True)
class RampPair:
    """Two hidden units that together form one ramp ``h (relu(x - p) - relu(x - q)) / (q - p)``
    (up to the side they face): zero slope outside ``[p, q]``, slope ``height / (q - p)`` inside.

    Attributes:
        units: the two unit indices ``(i, j)``, knot of ``i`` at ``p`` < knot of ``j`` at ``q``.
        p, q: the knots; ``height``: the change of the pair's output across ``[p, q]``.
    """

    units: Tuple[int, int]
    p: float
    q: float
    height: float


def ramp_pairs(net: TwoLayerNet, interval: Optional[Tuple[float, float]] = None, *,
               rtol: float = 1e-6) -> List[RampPair]:
    """Pairs of hidden units that together form one ramp: both active on the same
    side (same sign of ``w``), opposite slope jumps ``c_i |w_i| = -c_j |w_j|``
    (relative tolerance ``rtol``), distinct knots. Such a pair adds a constant
    outside the segment between its knots and one linear segment inside it: one
    piece of the spline, as in the ramp form of the constructive solution.
    Units are matched greedily, closest jumps first; each unit is in at most one pair.

    Example:
        >>> net = TwoLayerNet(W1=np.array([[1.0, 1.0, 2.0]]), b1=np.array([-0.2, -0.7, 1.0]),
        ...                   w2=np.array([3.0, -3.0, 0.5]), b2=0.0)
        >>> [(r.units, r.p, r.q, round(r.height, 6)) for r in ramp_pairs(net)]
        [((0, 1), 0.2, 0.7, 1.5)]
    """
    w, b, c, _ = _params_1d(net, "ramp_pairs")
    interval = _interval("interval", interval)
    rtol = v.real("rtol", rtol, minimum=0.0, maximum=1.0)
    from .limits import _check_bytes, _check_work, get_limits

    k = _knots(w, b, c, interval, 0.0)
    cand = np.flatnonzero(k.status == "live")
    jump, position = np.asarray(k.jump, dtype=np.float64), np.asarray(k.position, dtype=np.float64)
    # Every pair of live units is tested, in numpy blocks of rows (about 10 ns a pair; until an audit after the
    # twenty-eighth pass on issue 11 a Python double loop took 4 s at 2,000 units and hours at 10^5, and its list of
    # qualifying pairs grew without bound); the pairs that qualify are counted against max_bytes as they are found.
    nc = cand.size
    _check_work(f"ramp_pairs over the {nc * (nc - 1) // 2} pairs of {nc} live units", 10.0 * nc * nc,
                "pass a network with fewer units")
    found_i, found_j, found_r = [], [], []
    held, cap = 0, get_limits().max_bytes // 40     # a pair kept: its ratio and two indices, and their sort
    block = max(1, (1 << 22) // max(nc, 1))
    for lo in range(0, nc, block):
        ii = cand[lo:lo + block, None]
        jj = cand[None, :]
        ji, jj_ = jump[ii], jump[jj]
        scale = np.maximum(np.abs(ji), np.abs(jj_))
        mismatch = np.abs(ji + jj_)
        ok = ((ii < jj) & (np.sign(w[ii]) == np.sign(w[jj])) & (position[ii] != position[jj]) & (scale > 0)
              & (ji * jj_ < 0) & (mismatch <= rtol * scale))
        rows, cols = np.nonzero(ok)
        held += rows.size
        if held > cap:
            _check_bytes(f"ramp_pairs' {held} or more candidate pairs", 40.0 * held, "tighten rtol")
        found_i.append(cand[lo + rows])
        found_j.append(cand[cols])
        found_r.append(mismatch[rows, cols] / scale[rows, cols])
    pi, pj, pr = (np.concatenate(a) if a else np.zeros(0) for a in (found_i, found_j, found_r))
    order = np.lexsort((pj, pi, pr))       # closest jumps first, then by the units' indices
    used: Set[int] = set()
    out = []
    for i, j in zip(pi[order].tolist(), pj[order].tolist()):
        if i in used or j in used:
            continue
        used.update((i, j))
        a, bb = (i, j) if k.position[i] < k.position[j] else (j, i)
        p, q = float(k.position[a]), float(k.position[bb])
        # the pair's output changes by (slope inside) * (q - p); slope inside = jump at p for w > 0, -jump at q for w < 0
        inside = jump[a] if w[a] > 0 else -jump[bb]
        out.append(RampPair(units=(int(a), int(bb)), p=p, q=q, height=float(inside * (q - p))))
    return out


#: Bytes of one chunk of ``classifier_1d``'s check (rows x units x 3 float64 temporaries), at most: 2 MiB a
#: temporary, which stay in cache.
_CHECK_CHUNK_BYTES = 3 * 2**21


def _check_classifier_cost(n: int, units: int) -> int:
    """Refuse ``classifier_1d``'s check of its ``units``-unit network on ``n`` points beyond the process limits;
    return the rows per chunk of the check. Cost: the ``n x units`` hidden activations, about four of the core's
    steps each (numpy computes about 2.5e8 to 5e8 a second), in chunks of at most ``_CHECK_CHUNK_BYTES`` (and a
    quarter of ``max_bytes``).

    Example:
        >>> _check_classifier_cost(10**5, 5 * 10**4)   # rows per chunk
        5
    """
    from .limits import _check_bytes, _check_work, get_limits

    row = 3 * 8 * units   # X @ W1, + b1 and the ReLU of one point
    _check_bytes(f"classifier_1d's network of {units} units (one per label change of y along X) on one point",
                 row + 8 * 8 * n, "give X fewer points or fewer label changes")
    _check_work(f"classifier_1d's check of its {units}-unit network (one unit per label change) on the N = {n} "
                f"points of X", 4.0 * n * units, "give X fewer points or fewer label changes")
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
    four steps per point and unit) it is refused up front. Equal ``x`` with
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
    x = v.float_vector("X", Xa)
    if not np.all(np.isfinite(x)):
        raise ValueError("X contains NaN or infinity")
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
    rows = _check_classifier_cost(xs.size, ch.size + 1)
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


@dataclass(frozen=True)
class RegionMap:
    """Linear regions visited by data, with the network's affine map on each (see :func:`region_map`).

    Attributes:
        ids: region id of every point (``0 .. n_regions - 1``, by first appearance).
        patterns: ``(n_regions, L)`` activation pattern (unit pre-activation ``> 0``) of each region.
        slopes: ``(n_regions, d)`` slope vector ``sum_{active} w2_i W1[:, i]`` of each region.
        offsets: ``(n_regions,)`` offset ``sum_{active} w2_i b1_i + b2``.
        counts: points per region.
        bound: the most regions ``L`` hyperplanes can cut ``R^d`` into, ``sum_{j<=d} C(L, j)``.
    """

    __repr__ = short_repr

    ids: np.ndarray
    patterns: np.ndarray
    slopes: np.ndarray
    offsets: np.ndarray
    counts: np.ndarray
    bound: int

    @property
    def n_regions(self) -> int:
        """Number of distinct regions the data visit."""
        return int(self.offsets.shape[0])

    def evaluate(self, X: Any) -> np.ndarray:
        """The network output on the points the map was built from, via their regions' affine maps."""
        X = np.asarray(X, dtype=np.float64)
        if X.shape != (self.ids.shape[0], self.slopes.shape[1]):
            raise ValueError(f"X must be the {self.ids.shape[0]} x {self.slopes.shape[1]} points the map was "
                             f"built from, got shape {X.shape}")
        return np.asarray(np.einsum("ij,ij->i", X, self.slopes[self.ids]) + self.offsets[self.ids])


def region_map(net: TwoLayerNet, X: Any) -> RegionMap:
    """Each point's linear region (activation pattern) and that region's
    affine map ``x -> slope . x + offset``, computed in Rust in parallel (GIL
    released; ids are independent of the thread count).

    Example:
        >>> net = TwoLayerNet(W1=np.array([[1.0, 0.0], [0.0, 1.0]]), b1=np.zeros(2),
        ...                   w2=np.array([2.0, -1.0]), b2=0.5)
        >>> X = np.array([[1.0, 1.0], [2.0, -1.0], [-1.0, -1.0], [3.0, 2.0]])
        >>> rm = region_map(net, X)
        >>> rm.ids.tolist(), rm.n_regions, rm.bound
        ([0, 1, 2, 0], 3, 4)
        >>> rm.slopes.tolist(), rm.offsets.tolist()
        ([[2.0, -1.0], [2.0, 0.0], [0.0, 0.0]], [0.5, 0.5, 0.5])
        >>> np.allclose(rm.evaluate(X), net.decision_function(X))
        True
    """
    W1, b1, w2, b2 = _params(net)
    X = v.float_matrix("X", X, dtype=np.float64, cols=W1.shape[0])
    ids, patterns, slopes, offsets, counts = _core.region_map_f64(
        np.ascontiguousarray(X), np.ascontiguousarray(W1), b1, w2, float(b2))
    from .counting import regions
    d, L = W1.shape
    return RegionMap(ids=ids.astype(np.int64), patterns=patterns, slopes=slopes, offsets=offsets,
                     counts=counts, bound=int(regions(L, d)))
