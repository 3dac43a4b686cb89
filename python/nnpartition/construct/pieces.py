"""A 1-D network read exactly: its knots (:func:`knots`), its linear pieces (:func:`linear_pieces`) and the pairs of
units that form one ramp (:func:`ramp_pairs`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Set, Tuple

import numpy as np

from .. import _validate as v
from .._repr import short_repr
from ..limits import _block_rows
from ..network import TwoLayerNet
from ._common import _interval, _params_1d
from .build import interpolant_1d  # noqa: F401 - linear_pieces' example builds its network with it


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
    from ..limits import _check_work

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
    from ..limits import _check_bytes, _check_work, get_limits

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
        # the pair's output changes by (slope inside) * (q - p);
        # slope inside = jump at p for w > 0, -jump at q for w < 0
        inside = jump[a] if w[a] > 0 else -jump[bb]
        out.append(RampPair(units=(int(a), int(bb)), p=p, q=q, height=float(inside * (q - p))))
    return out
