"""Linear-teacher data and the network of the setting (seed 3): :func:`linear_teacher_dataset`,
:func:`group_signs`, :func:`teacher_network`."""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .. import _core
from .. import _validate as chk
from .._random import SeedLike, resolve_seed
from .._stats import scaled_norm
from ..network import TwoLayerNet

__all__ = ["TEACHER_DISTS", "linear_teacher_dataset", "group_signs", "teacher_network"]

#: The most points and dimensions of :func:`linear_teacher_dataset` (``nnpartition teacher``'s ``-N`` and
#: ``--probes``, and ``-d``).
MAX_POINTS, MAX_DIMENSION = 2**31, 2**20

#: Input distributions of :func:`linear_teacher_dataset`: the core's (``choices::TeacherDist``), defined there once.
TEACHER_DISTS: Tuple[str, ...] = _core.CHOICES["teacher_dist"]
#: Other names :func:`linear_teacher_dataset` takes for them, the core's too (the command line's ``--dist`` choices).
_TEACHER_ALIASES: Dict[str, str] = _core.ALIASES["teacher_dist"]


def _teacher_dist(dist: Any) -> str:
    """``dist`` checked against :data:`TEACHER_DISTS`, an alias (``gauss``, ``normal``) read as its name: every
    function that takes a teacher distribution reads it here (the probes' sampler knew only the names).

    Example:
        >>> _teacher_dist("normal")
        'gaussian'
    """
    return chk.choice("dist", dist, TEACHER_DISTS, _TEACHER_ALIASES)


# --------------------------------------------------------------------------- data


def _sample(rng: np.random.Generator, n: int, d: int, dist: str, w_star: np.ndarray) -> np.ndarray:
    if dist == "gaussian":
        x = rng.standard_normal((n, d)) / np.sqrt(d)
        return np.asarray(x / np.maximum(1.0, np.linalg.norm(x, axis=1))[:, None])
    if dist in ("ball", "sphere", "two_balls"):
        x = rng.standard_normal((n, d))
        x /= np.maximum(np.linalg.norm(x, axis=1), 1e-300)[:, None]
        if dist == "sphere":
            return x
        r = rng.random(n) ** (1.0 / d)
        if dist == "ball":
            return x * r[:, None]
        # two balls of radius 0.4 centred at +-0.5 w_star (all points inside the unit ball)
        side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
        return np.asarray(side[:, None] * 0.5 * w_star + 0.4 * r[:, None] * x)
    raise AssertionError(dist)  # pragma: no cover


def _into_ball(x: np.ndarray) -> np.ndarray:
    """Rows with norm above 1 (by rounding or by clipping) scaled to norm just below 1."""
    n = np.linalg.norm(x, axis=1)
    big = n > 1.0
    x[big] *= ((1.0 - 1e-12) / n[big])[:, None]
    return x


def _frame(rng: np.random.Generator, n: int, d: int, dist: str) -> Tuple[np.ndarray, np.ndarray]:
    """``n`` draws of ``dist`` in the teacher's frame, as :func:`_sample` then :func:`_into_ball` would give them:
    the component ``p`` along ``w_star`` and the norm ``r`` of the rest, from three or four numbers a draw instead
    of ``d`` (each law is symmetric about the teacher's axis: the rest is a uniform direction orthogonal to it)."""
    g = rng.standard_normal(n)
    s = np.sqrt(rng.chisquare(d - 1, n)) if d > 1 else np.zeros(n)   # |the other d - 1 coordinates|
    if dist == "gaussian":
        p, r = g / np.sqrt(d), s / np.sqrt(d)
        norm = np.maximum(1.0, np.hypot(p, r))   # the norms clipped to 1, as _sample does
        return p / norm, r / norm
    norm = np.maximum(np.hypot(g, s), 1e-300)
    p, r = g / norm, s / norm                             # a uniform direction
    if dist == "sphere":
        return p, r
    radius = rng.random(n) ** (1.0 / d)
    if dist == "ball":
        return radius * p, radius * r
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)       # two_balls: radius 0.4 around +-0.5 w_star
    return 0.5 * side + 0.4 * radius * p, 0.4 * radius * r


#: The teacher's frame is used only where fewer than this fraction of draws meet the margin ...
_FRAME_BELOW = 1.0 / 8
#: ... and the plain rejection would draw more than this many coordinates, ``N d / kept fraction`` (about half a
#: second): every other call draws the points the plain rejection always drew.
_PLAIN_COORDINATES = float(1 << 26)
#: Draws of the pilot that estimates the kept fraction (one fixed stream: the choice of sampler depends on N, d,
#: margin and dist only, never on the seed): 4,096 on every call, 2^20 more only where those leave the choice open.
_PILOT = (1 << 12, 1 << 20)
#: Most draws in the teacher's frame one call may make (about 40 ns each: a minute).
_MAX_FRAME_DRAWS = 1.5e9


@functools.lru_cache(maxsize=256)
def _kept_fraction(d: int, dist: str, margin: float, fine: bool) -> float:
    """The fraction of the pilot's draws of ``dist`` (in the teacher's frame) whose component along the teacher is
    at least ``margin`` (0.0 when none is): its first 4,096, or (``fine``) the 2^20 after them. Cached: the fine
    pilot costs about 60 ms."""
    rng = np.random.default_rng(0x7EAC_4E75)
    for n in _PILOT[: 2 if fine else 1]:
        p, _ = _frame(rng, n, d, dist)
    return float(np.mean((np.abs(p) >= margin) & (p != 0)))


def _sampler(N: int, d: int, dist: str, margin: float) -> Tuple[bool, float]:
    """``(frame, kept fraction)``: whether :func:`linear_teacher_dataset` draws in the teacher's frame (fewer than
    :data:`_FRAME_BELOW` of the draws meet the margin, and the plain rejection would draw more than
    :data:`_PLAIN_COORDINATES` coordinates), and the fraction it expects."""
    rough = _kept_fraction(d, dist, margin, False)
    if rough >= 2 * _FRAME_BELOW or (rough > 0.0 and N * d / rough <= _PLAIN_COORDINATES / 4):
        return False, rough   # plain, whatever the rough pilot's error
    fine = _kept_fraction(d, dist, margin, True)
    return fine < _FRAME_BELOW and (fine == 0.0 or N * d / fine > _PLAIN_COORDINATES), fine


def _frame_points(rng: np.random.Generator, n: int, d: int, dist: str, margin: float,
                  w_star: np.ndarray) -> np.ndarray:
    """The points of ``n`` draws in the teacher's frame (:func:`_frame`) whose component along ``w_star`` meets
    ``margin``: ``p w_star + r q``, ``q`` a uniform unit vector orthogonal to ``w_star`` (drawn for those only)."""
    p, r = _frame(rng, n, d, dist)
    ok = (np.abs(p) >= margin) & (p != 0)
    p, r = p[ok], r[ok]
    x = p[:, None] * w_star[None, :]
    if d > 1 and p.size:
        q = rng.standard_normal((p.size, d))
        q -= np.outer(q @ w_star, w_star)
        q /= np.maximum(np.linalg.norm(q, axis=1), 1e-300)[:, None]
        x += r[:, None] * q
    return _into_ball(x)


def _check_data(N: int, d: int) -> None:
    """The size checks of :func:`linear_teacher_dataset` (also run by the command line before anything else)."""
    from ..limits import _check_bytes

    if N * d > 2**30:
        raise ValueError(f"N * d = {N * d} exceeds the limit of 2**30 values")
    # the points kept, the balanced selection and the shuffled copy, and a batch of draws (at least 1024 rows, as
    # the plain rejection draws them) with its normalised copy and its kept rows (an audit after the twenty-eighth
    # pass on issue 11: counted as 2 min(2 N, 2^16) rows, so one point in d = 2^19 drew 4 GiB before a MemoryError)
    batch = max(1024, min(2 * N, 1 << 16))
    _check_bytes(f"a linear-teacher dataset of N={N} points in d={d}", 8.0 * d * (3.0 * N + 3.0 * batch),
                 "use a smaller N or d")


def linear_teacher_dataset(
    N: int, d: int, *, margin: float = 0.1, dist: str = "gaussian", balanced: bool = True, seed: SeedLike = 0
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linearly separable data labelled by a random unit teacher, with a margin.

    A teacher ``w_star`` is drawn uniformly on the unit sphere; points are
    drawn from ``dist`` (all inside the unit ball) and those with
    ``|<w_star, x>| < margin`` are rejected and redrawn, so every point has
    ``y <w_star, x> >= margin`` (for ``y`` in ``{-1, +1}``), i.e. the teacher
    ``w_star / margin`` meets the paper's condition ``y <w, x> >= 1``.

    Args:
        N: number of points, >= 1.
        d: input dimension, >= 1.
        margin: rejection half-width around the teacher hyperplane, in ``[0, 1)``.
        dist: ``"gaussian"`` (``N(0, I/d)``, norms clipped to 1), ``"ball"``
            (uniform in the unit ball), ``"sphere"`` (uniform on the unit
            sphere) or ``"two_balls"`` (uniform in two balls of radius 0.4
            centred at ``+-0.5 w_star``).
        balanced: ``N // 2`` points of class 0 and ``N - N // 2`` of class 1
            (otherwise the classes come as drawn).
        seed: random seed (numpy's ``default_rng``).

    Returns:
        ``(X, y, w_star)``: ``X`` float64 ``(N, d)``; ``y`` int64 in ``{0, 1}``,
        1 where ``<w_star, x> > 0``; ``w_star`` float64 ``(d,)`` of unit norm.

    When fewer than 1 in 8 draws meet the margin and the plain rejection would draw more than about 2^26
    coordinates (``N d`` over the fraction of draws kept; ``linear_teacher_dataset(10000, 1000)``, where 1 in
    700 draws is kept, 7e9 of them), the draws are made in the teacher's frame: the component along ``w_star``
    and the length of the rest first, three or four numbers a draw, and the ``d`` coordinates only for the
    draws kept. The law of the points is
    the same; the points differ from those the plain rejection would give for the same seed (which took over
    200 s there, and takes seconds now: docs/limits.md). Which of the two samplers a call uses depends on
    ``(N, d, margin, dist)`` only (a fixed pilot stream), never on the seed; every other call draws the points
    it always drew.

    Raises:
        ValueError: a bad argument, a dataset beyond ``max_bytes``, or a margin so large for ``d`` and ``dist``
            that the draws meeting it are too rare to find (fewer than 1 in 2^20, or more than about a minute of
            draws for ``N`` points), refused before drawing.

    Example:
        >>> X, y, w = linear_teacher_dataset(200, 5, margin=0.1, seed=1)
        >>> X.shape, int(y.sum()), round(float(np.linalg.norm(w)), 12)
        ((200, 5), 100, 1.0)
        >>> m = (2 * y - 1) * (X @ w)
        >>> bool(m.min() >= 0.1), bool(np.linalg.norm(X, axis=1).max() <= 1)
        (True, True)
    """
    N = chk.count("N", N, minimum=1, maximum=MAX_POINTS)
    d = chk.count("d", d, minimum=1, maximum=MAX_DIMENSION)
    _check_data(N, d)
    margin = chk.real("margin", margin, minimum=0.0, maximum=1.0)
    if margin >= 1.0:
        raise ValueError(f"margin must be < 1 (all points lie in the unit ball), got {margin}")
    dist = _teacher_dist(dist)
    balanced = chk.flag("balanced", balanced)
    seed = resolve_seed(seed)
    frame, kept_fraction = _sampler(N, d, dist, margin)
    if frame and (kept_fraction == 0.0 or N / kept_fraction > _MAX_FRAME_DRAWS):
        rate = "fewer than 1 in 2^20" if kept_fraction == 0.0 else f"about {kept_fraction:.2g}"
        raise ValueError(f"margin {margin} is too large for d = {d} and dist {dist!r}: {rate} of the draws meet it, "
                         f"too few to find N = {N} points; lower the margin")
    rng = np.random.default_rng(seed)
    w_star = rng.standard_normal(d)
    while np.linalg.norm(w_star) == 0:  # pragma: no cover
        w_star = rng.standard_normal(d)
    w_star /= np.linalg.norm(w_star)
    need = (N // 2, N - N // 2)
    kept: List[np.ndarray] = []
    got = [0, 0]
    drawn = 0
    # Stays numpy: each pass draws a whole vectorised batch; only a few passes are needed.
    while (got[0] + got[1] < N) if not balanced else (got[0] < need[0] or got[1] < need[1]):
        if frame:
            if drawn > 4 * N / kept_fraction + (1 << 20):   # four times the draws expected: not the pilot's law
                raise ValueError(f"margin {margin} is too large for d = {d} and dist {dist!r}: only "
                                 f"{got[0] + got[1]} of {drawn} draws were kept; lower the margin")
            batch = int(min(max(1024, 1.2 * (N - got[0] - got[1]) / kept_fraction), 1 << 20))
            x = _frame_points(rng, batch, d, dist, margin, w_star)
        else:
            if drawn > 10_000 * N + 100_000 or (drawn >= 50_000 and got[0] + got[1] < 1e-4 * drawn):
                raise ValueError(f"margin {margin} is too large for d = {d} and dist {dist!r}: only "
                                 f"{got[0] + got[1]} of {drawn} draws were kept; lower the margin")
            batch = max(1024, min(2 * N, 1 << 16))
            x = _into_ball(_sample(rng, batch, d, dist, w_star))
        drawn += batch
        p = x @ w_star
        x = x[(np.abs(p) >= margin) & (p != 0)]
        kept.append(x)
        c = x @ w_star > 0
        got[1] += int(c.sum())
        got[0] += int((~c).sum())
    A = np.concatenate(kept)
    if balanced:
        c = A @ w_star > 0
        X = np.concatenate([A[~c][: need[0]], A[c][: need[1]]])
        X = X[rng.permutation(N)]
    else:
        X = A[:N]
    y = (X @ w_star > 0).astype(np.int64)
    return np.ascontiguousarray(X), y, w_star


# --------------------------------------------------------------------------- helpers


def _pm_labels(y: Any, n: int) -> np.ndarray:
    """Labels as float64 -1/+1 (0/1, -1/+1 and bools accepted)."""
    arr = np.asarray(y)
    if arr.ndim == 1 and arr.shape[0] == n and chk.real_dtype(arr.dtype) and arr.dtype != np.bool_:
        if np.all(np.isin(arr, (-1, 1))):
            return arr.astype(np.float64)
    return 2.0 * chk.binary_labels("y", y, n).astype(np.float64) - 1.0


def group_signs(L: int) -> np.ndarray:
    """The output signs of the setting: ``+1`` for the first ``ceil(L/2)`` units, ``-1`` for the rest.

    Example:
        >>> group_signs(5).tolist()
        [1.0, 1.0, 1.0, -1.0, -1.0]
    """
    L = chk.count("L", L, minimum=1, maximum=2**24)
    s = -np.ones(L)
    s[: (L + 1) // 2] = 1.0
    return s


def _signs(signs: Any, L: int) -> np.ndarray:
    if signs is None:
        return group_signs(L)
    s = chk.float_vector("signs", signs, length=L)
    if not np.all(np.isin(s, (-1.0, 1.0))):
        raise ValueError("signs must hold -1 and +1 only")
    return s


def _units(W: Any, name: str = "W") -> np.ndarray:
    """``W`` of shape ``(d, L)`` or ``(T, d, L)`` (the package's convention), checked and returned
    with one row per unit, ``(L, d)`` or ``(T, L, d)``, the layout the computations here use; errors name the
    argument ``name`` (``W0`` for :func:`train_teacher`'s)."""
    arr = np.asarray(W)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must have shape (d, L) or (T, d, L), got shape {arr.shape}")
    if not chk.real_dtype(arr.dtype) or arr.dtype == np.bool_:
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    source, arr = arr, chk.quiet_cast(arr)
    if arr.shape[-1] < 1 or arr.shape[-2] < 1:
        raise ValueError(f"{name} must have at least one unit and one input, got shape {arr.shape}")
    chk.all_finite(name, arr, source)
    return np.ascontiguousarray(np.swapaxes(arr, -1, -2))


def _unit_rows(W: np.ndarray) -> np.ndarray:
    """Each row (last axis) of ``W`` divided by its Euclidean norm (:func:`nnpartition._stats.scaled_norm`), zero
    rows left at 0."""
    n = np.expand_dims(scaled_norm(W, axis=-1), -1)   # np.linalg.norm: inf from 1e155, 0 below 1e-162 (zero rows)
    return np.asarray(np.divide(W, n, out=np.zeros_like(W), where=n > 0))


def teacher_network(W: Any, *, alpha: float = 0.3, v: Optional[float] = None, signs: Any = None) -> TwoLayerNet:
    """The network of the setting with first-layer weights ``W`` (shape ``(d, L)``, one column per unit), as a
    :class:`TwoLayerNet`.

    Args:
        W: one column per hidden unit, shape ``(d, L)``.
        alpha: Leaky-ReLU negative slope, in ``[0, 1]``.
        v: output magnitude (default ``1/sqrt(L)``).
        signs: output signs (default :func:`group_signs`).

    Returns:
        ``TwoLayerNet(W1=W, b1=0, w2=signs * v, b2=0, "leaky_relu", alpha)``.

    Example:
        >>> net = teacher_network([[1.0, -1.0], [0.0, 0.0]], alpha=0.5, v=1.0)
        >>> net.decision_function([[2.0, 3.0], [-2.0, 0.0]]).tolist()
        [3.0, -3.0]
    """
    Wc = _units(W)
    if Wc.ndim != 2:
        raise ValueError(f"W must have shape (d, L), got shape {np.shape(W)}")
    alpha = _alpha(alpha)
    L = Wc.shape[0]
    mag = 1.0 / np.sqrt(L) if v is None else _positive("v", v)
    return TwoLayerNet(W1=Wc.T.copy(), b1=np.zeros(L), w2=_signs(signs, L) * mag, b2=0.0,
                       activation="leaky_relu", slope=alpha)


def _alpha(alpha: Any) -> float:
    return chk.real("alpha", alpha, minimum=0.0, maximum=1.0)


def _positive(name: str, x: Any) -> float:
    return chk.real(name, x, minimum=0.0, open_min=True)


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """The angle in degrees between two vectors (NaN if one is zero), of any finite size
    (:func:`nnpartition._stats.scaled_norm`).

    Example:
        >>> round(_angle(np.array([1e300, 0.0]), np.array([1e300, 1e300])), 9)
        45.0
    """
    na, nb = scaled_norm(a), scaled_norm(b)
    if na == 0 or nb == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip((a / na) @ (b / nb), -1.0, 1.0))))


def _probes(X_probe: Any, d: int) -> np.ndarray:
    """``X_probe`` as a finite float64 ``(n, d)`` matrix, or a ``ValueError`` naming it."""
    return chk.float_matrix("X_probe", X_probe, dtype=np.float64, cols=d, finite=True)
