"""The window of a picture: a 2-D affine slice of input space (:class:`Plane`) and a box of it.

For ``d == 2`` the slice is the input plane itself (:meth:`Plane.standard`); for ``d > 2`` it is usually the plane
through three data points (:meth:`Plane.through`). This part also checks the ``plane=`` and ``box=`` arguments of
:func:`~nnpartition.pictures.region_polygons` and projects many points onto a plane a block of rows at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _validate as v
from .._repr import short_repr
from .._stats import scaled_norm
from ..limits import _block_rows, _check_bytes

BoxLike = Union[Tuple[float, float], Tuple[Tuple[float, float], Tuple[float, float]], Sequence[Any]]


def _vector(name: str, x: Any, d: Optional[int] = None) -> np.ndarray:
    source = v._real_array(name, x)
    arr = v.quiet_cast(source, copy=True)
    if arr.ndim != 1 or (d is not None and arr.shape[0] != d):
        want = f"length d={d}" if d is not None else "1-D"
        raise ValueError(f"{name} must be a vector of {want}, got shape {arr.shape}")
    v.all_finite(name, arr, source)
    return arr


def _points(name: str, x: Any, width: int) -> np.ndarray:
    """Points ``(..., width)`` (one point may be a vector of length ``width``) as a finite float64 ``(n, width)``
    array, or a ``TypeError``/``ValueError`` naming ``name``."""
    arr = v._real_array(name, x)
    if arr.ndim == 0 or arr.shape[-1] != width:
        raise ValueError(f"{name} must hold points of {width} coordinates (shape (n, {width})), got shape {arr.shape}")
    out = v.quiet_cast(arr)   # a long double beyond float64: refused below, by name
    v.all_finite(name, out, arr)   # (before the reshape: the entry in the shape the caller gave)
    return out.reshape(-1, width)


@dataclass(frozen=True, eq=False)
class Plane:
    """The 2-D affine slice ``x = origin + s * u + t * v`` of input space.

    Window coordinates ``(s, t)`` are the coefficients of ``u`` and ``v``;
    :meth:`through` builds an orthonormal ``u, v``, so that distances and
    areas in the window are those of input space.

    Attributes:
        origin: the point at window coordinates ``(0, 0)``, shape ``(d,)``.
        u, v: the directions of the window's ``s`` and ``t`` axes, shape ``(d,)`` each.

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
            # without squaring: np.linalg.norm's squares overflowed for points 1e155 apart ("too far apart") and
            # underflowed to 0 for points 1e-163 apart ("collinear (x0 == x1)"), a review found (fifty-ninth pass)
            n1, n2 = float(scaled_norm(e1)), float(scaled_norm(e2))
        if not (math.isfinite(n1) and math.isfinite(n2)):   # a difference (or its norm) overflowed
            raise ValueError("plane points are too far apart for float64 (their differences overflow); rescale them")
        scale = max(n1, n2)
        if n1 <= 1e-12 * scale:
            raise ValueError("plane points are collinear (x0 == x1)")
        if n1 < np.finfo(np.float64).tiny:   # u = e1 / n1 of a subnormal e1: a few digits only
            raise ValueError(f"plane points are too close together for float64 (|x1 - x0| = {n1:.3g}, in the "
                             f"subnormal range); rescale them")
        u = e1 / n1
        w = e2 - (e2 @ u) * u
        nw = float(scaled_norm(w))
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
        the plane, within a few units of rounding (``2.2e-16``) of ``|X| + |origin|`` times ``[u v]``'s condition
        number (its columns scaled to largest entry 1) over its smallest singular value (1 and 1 for ``u, v``
        orthonormal)."""
        return _project(self, _points("X", X, self.d))

    def distance(self, X: Any) -> np.ndarray:
        """Euclidean distance of input points ``X`` ``(n, d)`` (finite) to the plane, within a few units of rounding
        (``2.2e-16``) of ``|X| + |origin|``: a point in the plane 1e12 out may be 1e-4 off it."""
        return _distance(self, X)


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
    source, arr = arr, v.quiet_cast(arr, copy=True)
    if arr.shape == (2,):
        lo_, hi_ = (float(arr[0]),) * 2, (float(arr[1]),) * 2
    elif arr.shape == (2, 2):
        lo_, hi_ = (float(arr[0, 0]), float(arr[0, 1])), (float(arr[1, 0]), float(arr[1, 1]))
    else:
        raise ValueError(f"box must be (lo, hi) or ((s_lo, t_lo), (s_hi, t_hi)), got shape {arr.shape}")
    v.all_finite("box", arr, source)
    for k in range(2):
        if not lo_[k] < hi_[k]:
            # two pairs written as the x range then the y range (((-1, 1), (-2, 2))) read as the corners lo, hi: the
            # refusal was right but did not say which layout it expects (a teacher's walkthrough)
            layout = ("; box=(lo, hi) takes the two corners, e.g. box=((-1, -2), (1, 2)) for x in [-1, 1] and y in "
                      "[-2, 2]") if arr.shape == (2, 2) else ""
            raise ValueError(f"box is empty: lo[{k}] = {lo_[k]} must be < hi[{k}] = {hi_[k]}{layout}")
        span = hi_[k] - lo_[k]
        if not math.isfinite(span * span):   # the polygons' areas and centroids would overflow to NaN
            raise ValueError(f"box is too wide: {lo_[k]:g} to {hi_[k]:g} (its area overflows float64; at most about "
                             "1e150 across)")
    return lo_, hi_


def _project(p: Plane, X: np.ndarray) -> np.ndarray:
    """:meth:`Plane.to_window` of finite points ``X``: ``c = D^-1 R^-1 Q^T r`` for ``r = X - origin``
    and ``Q R`` the QR of ``u, v`` scaled by their largest entries ``D`` (:func:`_basis`, as :func:`_distance`).

    Within 3 ulps of ``|X| + |origin|`` (times ``cond(Q R) / s_min([u v])``, 1 for ``u, v`` orthonormal) of the exact
    coordinates of the floats given (tests/test_pictures.py checks against rationals). Before, this function took
    dot products with ``u, v`` when they were orthonormal to 1e-12: 5,000 such ulps on a plane that was only that
    (0.4 for a point 1e12 out on the ``t`` axis of ``u = e0, v = e1 + 4e-13 e0``, exact 0); and
    :meth:`Plane.to_window` solved by ``lstsq``, up to 30 (and 8 s for 8 million points)."""
    Q, R, D = _basis(p)
    r, big = _offsets(p, X)   # the coordinates of the rows `big` doubled at the end
    # einsum, not BLAS: a (rows, d) x (d, 2) product took OpenBLAS 0.36 s a million rows on a busy machine
    y = np.einsum("nd,dk->nk", r, Q)
    with np.errstate(over="ignore"):
        t = y[:, 1] / R[1, 1]
        s = (y[:, 0] - R[0, 1] * t) / R[0, 0]
        out = np.stack([s / D[0], t / D[1]], axis=1)
        out[big] *= 2
    # + 0.0: a zero coordinate divided by R's negative diagonal (Householder's signs) is -0.0, printed "-0."
    return out + 0.0


def _offsets(p: Plane, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """``r = X - origin`` and the rows ``big`` where that difference passes 1.8e308: there ``r`` holds the halves'
    difference, ``X / 2 - origin / 2`` (a linear map of it is to be doubled)."""
    with np.errstate(over="ignore"):
        r = X - p.origin
    big = np.flatnonzero(~np.all(np.isfinite(r), axis=1))
    if big.size:
        r[big] = X[big] / 2 - p.origin / 2
    return r, big


def _basis(p: Plane) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Q, R, D``: the QR of the plane's ``u, v`` each divided by its largest entry (``D``), so that no product
    over- or underflows: ``[u v] = Q R diag(D)``, ``Q`` an orthonormal basis of the plane's directions."""
    D = np.array([np.max(np.abs(p.u)), np.max(np.abs(p.v))])
    Q, R = np.linalg.qr(np.stack([p.u / D[0], p.v / D[1]], axis=1))
    return Q, R, D


def _distance(p: Plane, X: Any) -> np.ndarray:
    """:meth:`Plane.distance`: the norm of ``r = X - origin`` less its projection onto the plane, ``r - Q Q^T r``
    with ``Q`` an orthonormal basis of ``u, v`` (a QR of them scaled by their largest entries), done twice.

    One pass leaves a part of ``r`` in the plane as large as the rounding of ``Q^T r``; the second removes it, so
    only the rounding of the subtractions stays, a few ulps of ``|X| + |origin|`` (tests/test_pictures.py checks 8
    against exact rationals). Before, :meth:`Plane.distance` rebuilt ``to_input(to_window(X))`` by ``lstsq`` and
    this function by dot products, which take ``u, v`` as orthonormal from 1e-12 off: they disagreed far out in
    the plane (3e-4 against 0 at 1e12), and the dot products gave 0.57 for a point of a plane 4e-13 off
    orthonormal, 1.4e12 out."""
    X = _points("X", X, p.d)
    Q = _basis(p)[0]
    r, big = _offsets(p, X)   # the distances of the rows `big` doubled at the end
    for _ in range(2):
        # einsum, not BLAS (see _project)
        r = r - np.einsum("nk,dk->nd", np.einsum("nd,dk->nk", r, Q), Q)
    with np.errstate(over="ignore", under="ignore"):
        out = np.asarray(np.linalg.norm(r, axis=1))
        # rows whose squares overflowed (past 1e154) or underflowed (below 1e-154): the norm scaled by their largest
        # entry
        odd = np.flatnonzero(~((out > 1e-140) & (out < 1e140)))
        if odd.size:
            m = np.max(np.abs(r[odd]), axis=1)
            out[odd] = m * np.linalg.norm(r[odd] / np.where(m > 0, m, 1.0)[:, None], axis=1)
        out[big] *= 2
    return out


def _window_bounds(p: Plane, X: np.ndarray) -> np.ndarray:
    """The corners ``[[s_min, t_min], [s_max, t_max]]`` of the window coordinates of the points ``X``, a block of rows
    at a time (whole, the projection of 75 million points held four copies of them)."""
    rows = _block_rows(4 * X.shape[1])
    parts = [_project(p, _points("X", X[i:i + rows], p.d)) for i in range(0, X.shape[0], rows)]
    lo = np.min([q.min(axis=0) for q in parts], axis=0)
    hi = np.max([q.max(axis=0) for q in parts], axis=0)
    return np.stack([lo, hi])
