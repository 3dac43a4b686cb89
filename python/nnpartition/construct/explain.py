"""A trained 1-D network read against its data (:func:`explain_1d`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np

from .. import _core
from .. import _validate as v
from .._repr import short_repr
from ..network import TwoLayerNet
from ._common import _eval, _nearest, _params_1d
from .build import interpolant_1d
from .pieces import Knots, Pieces, _check_1d_work, _knots, _pieces


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
        extra: an empty dict, the caller's for notes of its own (nothing here fills it).
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
    Xa = v.float_matrix("X", Xa, dtype=np.float64, cols=1, finite=True)
    x = Xa[:, 0]
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
