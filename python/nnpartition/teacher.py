"""Linear teachers: how SGD clusters the weights of a Leaky-ReLU network (seed 3).

The setting (Sarussi, Brutzkus & Globerson, ICML 2021, as reconstructed in
``notes/theory.md`` §12): linearly separable data labelled by a teacher
``w_star``; a two-layer network ``N(x) = sum_i s_i v sigma(<w_i, x>)`` without
biases, Leaky-ReLU ``sigma(z) = max(z, alpha z)``, output weights frozen at
``+v`` for the first ``ceil(L/2)`` units (``s_i = +1``) and ``-v`` for the
rest; logistic loss; SGD with a constant step and batch size 1 (or full
batch). Training drives the units of each group towards one direction (two
weight clusters), and two clusters ``w_+``, ``w_-`` make the decision
boundary the hyperplane ``<w_+ - w_-, x> = 0``.

* :func:`linear_teacher_dataset` draws the data;
* :func:`train_teacher` trains the network and records ``W_t`` every
  ``record_every`` steps (a dedicated f64 SGD loop in Rust: the project's
  general trainer :func:`nnpartition.training.train` has a bias in the first
  layer, runs in float32 and does not record weights);
* :func:`clustering_metrics` measures teacher alignment, cluster dispersion,
  spectral collapse and the agreement condition, for one ``W`` or a series;
* :func:`boundary_linearity` compares a network with the best linear rules.

Weight matrices here have **one row per hidden unit**, shape ``(L, d)``
(the paper's convention); :class:`~nnpartition.network.TwoLayerNet` stores
their transpose as ``W1``. Labels are ``0/1`` (class 1 where ``<w_star, x> > 0``)
or ``-1/+1``; both are accepted everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _core
from . import _validate as chk
from .network import TwoLayerNet

__all__ = [
    "linear_teacher_dataset",
    "TEACHER_DISTS",
    "group_signs",
    "teacher_network",
    "train_teacher",
    "log_schedule",
    "TeacherRun",
    "clustering_metrics",
    "ClusteringMetrics",
    "boundary_linearity",
    "LinearityReport",
]

#: Input distributions of :func:`linear_teacher_dataset`.
TEACHER_DISTS = ("gaussian", "ball", "sphere", "two_balls")


# --------------------------------------------------------------------------- data


def _sample(rng: np.random.Generator, n: int, d: int, dist: str, w_star: np.ndarray) -> np.ndarray:
    if dist == "gaussian":
        x = rng.standard_normal((n, d)) / np.sqrt(d)
        return x / np.maximum(1.0, np.linalg.norm(x, axis=1))[:, None]
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
        return side[:, None] * 0.5 * w_star + 0.4 * r[:, None] * x
    raise AssertionError(dist)  # pragma: no cover


def _into_ball(x: np.ndarray) -> np.ndarray:
    """Rows with norm above 1 (by rounding or by clipping) scaled to norm just below 1."""
    n = np.linalg.norm(x, axis=1)
    big = n > 1.0
    x[big] *= ((1.0 - 1e-12) / n[big])[:, None]
    return x


def linear_teacher_dataset(
    N: int, d: int, *, margin: float = 0.1, dist: str = "gaussian", balanced: bool = True, seed: int = 0
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

    Raises:
        ValueError: a bad argument, or a margin so large for ``d`` and ``dist``
            that fewer than 1 in 10^4 draws are kept.

    Example:
        >>> X, y, w = linear_teacher_dataset(200, 5, margin=0.1, seed=1)
        >>> X.shape, int(y.sum()), round(float(np.linalg.norm(w)), 12)
        ((200, 5), 100, 1.0)
        >>> m = (2 * y - 1) * (X @ w)
        >>> bool(m.min() >= 0.1), bool(np.linalg.norm(X, axis=1).max() <= 1)
        (True, True)
    """
    N = chk.count("N", N, minimum=1, maximum=2**31)
    d = chk.count("d", d, minimum=1, maximum=2**20)
    if N * d > 2**30:
        raise ValueError(f"N * d = {N * d} exceeds the limit of 2**30 values")
    margin = chk.real("margin", margin, minimum=0.0, maximum=1.0)
    if margin >= 1.0:
        raise ValueError(f"margin must be < 1 (all points lie in the unit ball), got {margin}")
    dist = chk.choice("dist", dist, TEACHER_DISTS, {"gauss": "gaussian", "normal": "gaussian"})
    if not isinstance(balanced, (bool, np.bool_)):
        raise TypeError(f"balanced must be True or False, got {balanced!r}")
    rng = np.random.default_rng(chk.seed(seed))
    w_star = rng.standard_normal(d)
    while np.linalg.norm(w_star) == 0:  # pragma: no cover
        w_star = rng.standard_normal(d)
    w_star /= np.linalg.norm(w_star)
    need = (N // 2, N - N // 2)
    kept: list = []
    got = [0, 0]
    drawn = 0
    while (got[0] + got[1] < N) if not balanced else (got[0] < need[0] or got[1] < need[1]):
        if drawn > 10_000 * N + 100_000 or (drawn >= 50_000 and got[0] + got[1] < 1e-4 * drawn):
            raise ValueError(f"margin {margin} is too large for d = {d} and dist {dist!r}: only {got[0] + got[1]} "
                             f"of {drawn} draws were kept; lower the margin")
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
    if arr.ndim == 1 and arr.shape[0] == n and np.issubdtype(arr.dtype, np.number) \
            and not np.issubdtype(arr.dtype, np.complexfloating):
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


def _units(W: Any) -> np.ndarray:
    arr = np.asarray(W)
    if arr.ndim not in (2, 3):
        raise ValueError(f"W must have shape (L, d) or (T, L, d), got shape {arr.shape}")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"W must be a real numeric array, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    if arr.shape[-1] < 1 or arr.shape[-2] < 1:
        raise ValueError(f"W must have at least one unit and one input, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("W contains NaN or infinity")
    return arr


def _unit_rows(W: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(W, axis=-1, keepdims=True)
    return np.divide(W, n, out=np.zeros_like(W), where=n > 0)


def teacher_network(W: Any, *, alpha: float = 0.3, v: Optional[float] = None, signs: Any = None) -> TwoLayerNet:
    """The network of the setting with first-layer rows ``W`` (shape ``(L, d)``), as a :class:`TwoLayerNet`.

    Args:
        W: one row per hidden unit, shape ``(L, d)``.
        alpha: Leaky-ReLU negative slope, in ``[0, 1]``.
        v: output magnitude (default ``1/sqrt(L)``).
        signs: output signs (default :func:`group_signs`).

    Returns:
        ``TwoLayerNet(W1=W.T, b1=0, w2=signs * v, b2=0, "leaky_relu", alpha)``.

    Example:
        >>> net = teacher_network([[1.0, 0.0], [-1.0, 0.0]], alpha=0.5, v=1.0)
        >>> net.decision_function([[2.0, 3.0], [-2.0, 0.0]]).tolist()
        [3.0, -3.0]
    """
    Wc = _units(W)
    if Wc.ndim != 2:
        raise ValueError(f"W must have shape (L, d), got shape {Wc.shape}")
    alpha = _alpha(alpha)
    L = Wc.shape[0]
    mag = 1.0 / np.sqrt(L) if v is None else _positive("v", v)
    return TwoLayerNet(W1=Wc.T.copy(), b1=np.zeros(L), w2=_signs(signs, L) * mag, b2=0.0,
                       activation="leaky_relu", slope=alpha)


def _alpha(alpha: Any) -> float:
    return chk.real("alpha", alpha, minimum=0.0, maximum=1.0)


def _positive(name: str, x: Any) -> float:
    return chk.real(name, x, minimum=0.0, open_min=True)


# --------------------------------------------------------------------------- clustering


@dataclass(eq=False)
class ClusteringMetrics:
    """What :func:`clustering_metrics` returns; every field has a leading time axis ``T`` for a series.

    Attributes:
        cosine: per-unit signed cosine ``s_i <w_i, w*> / (|w_i| |w*|)``, shape ``(L,)`` (NaN without ``w_star``).
        aligned_fraction: fraction of units with ``cosine > threshold``.
        mean_cosine, min_cosine: mean and minimum of ``cosine``.
        potential: ``cos(W, W*)`` with ``W*`` stacking ``s_i w*`` (the global alignment).
        centre_pos, centre_neg: normalized mean unit direction of each group, shape ``(d,)``.
        dispersion_pos, dispersion_neg: ``max_i | w_i/|w_i| - u_+- |`` within each group (0 for an exact cluster).
        centre_cosine: cosine between ``w_+ - w_-`` (mean vectors) and ``w*``.
        spectral_ratio: ``|W|_2 / |W|_F`` (1 for rank one).
        stable_rank: ``|W|_F^2 / |W|_2^2``.
        top2_energy: ``(s_1^2 + s_2^2) / sum s_i^2``.
        agreement_pos, agreement_neg: fraction of rows of ``X`` on which all units of the group
            have pre-activations of one sign (``> 0`` or ``<= 0``); NaN without ``X``.
        agreement: fraction of rows on which both groups agree (the agreement condition).
        threshold: the alignment threshold used.
    """

    cosine: np.ndarray
    aligned_fraction: Any
    mean_cosine: Any
    min_cosine: Any
    potential: Any
    centre_pos: np.ndarray
    centre_neg: np.ndarray
    dispersion_pos: Any
    dispersion_neg: Any
    centre_cosine: Any
    spectral_ratio: Any
    stable_rank: Any
    top2_energy: Any
    agreement_pos: Any
    agreement_neg: Any
    agreement: Any
    threshold: float = 0.9

    def summary(self) -> str:
        """A one-line human-readable summary (of the last time step for a series)."""
        def last(a: Any) -> float:
            return float(np.asarray(a).reshape(-1)[-1]) if np.size(a) else float("nan")
        return (f"aligned {last(self.aligned_fraction):.3f} (cos > {self.threshold}), mean cos {last(self.mean_cosine):.4f}, "
                f"dispersion +{last(self.dispersion_pos):.4f} / -{last(self.dispersion_neg):.4f}, "
                f"|W|2/|W|F {last(self.spectral_ratio):.4f}, stable rank {last(self.stable_rank):.3f}, "
                f"agreement {last(self.agreement):.3f}")


def _group_stats(U: np.ndarray, Wg: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre direction, dispersion and mean vector of one group; U, Wg have shape (T, k, d)."""
    T, k, d = U.shape
    if k == 0:
        nan = np.full(T, np.nan)
        return np.full((T, d), np.nan), nan, np.full((T, d), np.nan)
    c = _unit_rows(U.mean(axis=1))
    disp = np.linalg.norm(U - c[:, None, :], axis=-1).max(axis=1)
    return c, disp, Wg.mean(axis=1)


def _agreement(W: np.ndarray, s: np.ndarray, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-time fractions of rows of X on which each group shares the sign of its pre-activations."""
    T = W.shape[0]
    out = np.empty((3, T))
    for t in range(T):
        pos = (X @ W[t].T) > 0  # (n, L)
        res = []
        for g in (s > 0, s < 0):
            if not np.any(g):
                res.append(np.ones(len(X), dtype=bool))
                continue
            p = pos[:, g]
            res.append(np.all(p, axis=1) | ~np.any(p, axis=1))
        out[0, t], out[1, t], out[2, t] = res[0].mean(), res[1].mean(), (res[0] & res[1]).mean()
    return out[0], out[1], out[2]


def clustering_metrics(
    W: Any, w_star: Any = None, signs: Any = None, *, X: Any = None, threshold: float = 0.9
) -> ClusteringMetrics:
    """Teacher alignment, cluster dispersion, spectral collapse and the agreement condition of ``W``.

    Args:
        W: first-layer weights, one row per unit: shape ``(L, d)``, or ``(T, L, d)``
            for a recorded series (every field then gets a leading axis ``T``).
        w_star: the teacher direction ``(d,)`` (or the max-margin direction); optional.
        signs: output signs of the units (default :func:`group_signs`: first
            ``ceil(L/2)`` positive).
        X: training inputs ``(n, d)`` for the agreement condition; optional.
        threshold: a unit is aligned when its signed cosine exceeds this.

    Returns:
        A :class:`ClusteringMetrics`.

    Example:
        Two exact clusters along ``+-w*`` (with different lengths):

        >>> w = np.array([1.0, 0.0, 0.0])
        >>> W = np.array([2 * w, 3 * w, -w, -5 * w])
        >>> m = clustering_metrics(W, w, X=np.eye(3))
        >>> m.cosine.tolist(), float(m.aligned_fraction), float(m.dispersion_pos), float(m.agreement)
        ([1.0, 1.0, 1.0, 1.0], 1.0, 0.0, 1.0)
        >>> round(float(m.spectral_ratio), 12), round(float(m.stable_rank), 12)
        (1.0, 1.0)
    """
    Wa = _units(W)
    series = Wa.ndim == 3
    W3 = Wa if series else Wa[None]
    T, L, d = W3.shape
    s = _signs(signs, L)
    threshold = chk.real("threshold", threshold, minimum=-1.0, maximum=1.0)
    U = _unit_rows(W3)
    if w_star is not None:
        ws = chk.float_vector("w_star", w_star, length=d)
        if not np.any(ws):
            raise ValueError("w_star must be non-zero")
        ws = ws / np.linalg.norm(ws)
        cos = (U @ ws) * s  # (T, L)
        Wstar = s[:, None] * ws[None, :]
        fro = np.linalg.norm(W3.reshape(T, -1), axis=1)
        potential = np.divide(np.einsum("tld,ld->t", W3, Wstar), fro * np.sqrt(L),
                              out=np.zeros(T), where=fro > 0)
    else:
        cos = np.full((T, L), np.nan)
        potential = np.full(T, np.nan)
    cp, dp, mp = _group_stats(U[:, s > 0], W3[:, s > 0])
    cn, dn, mn = _group_stats(U[:, s < 0], W3[:, s < 0])
    if w_star is not None:
        lin = mp - mn
        nl = np.linalg.norm(lin, axis=1)
        centre_cos = np.divide(lin @ ws, nl, out=np.full(T, np.nan), where=nl > 0)
    else:
        centre_cos = np.full(T, np.nan)
    sv = np.linalg.svd(W3, compute_uv=False)  # (T, min(L, d))
    e = (sv**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(e > 0, sv[:, 0] / np.sqrt(e), np.nan)
        srank = np.where(e > 0, e / sv[:, 0] ** 2, np.nan)
        top2 = np.where(e > 0, (sv[:, :2] ** 2).sum(axis=1) / e, np.nan)
    if X is not None:
        Xc = chk.float_matrix("X", X, dtype=np.float64, cols=d)
        ag = _agreement(W3, s, Xc)
    else:
        ag = (np.full(T, np.nan),) * 3
    with np.errstate(invalid="ignore"):
        aligned = np.where(np.isnan(cos).all(axis=1), np.nan, (cos > threshold).mean(axis=1))
    one = (lambda a: a) if series else (lambda a: a[0])
    scal = (lambda a: a) if series else (lambda a: float(a[0]))
    return ClusteringMetrics(
        cosine=one(cos), aligned_fraction=scal(aligned), mean_cosine=scal(cos.mean(axis=1)),
        min_cosine=scal(cos.min(axis=1)), potential=scal(potential), centre_pos=one(cp), centre_neg=one(cn),
        dispersion_pos=scal(dp), dispersion_neg=scal(dn), centre_cosine=scal(centre_cos),
        spectral_ratio=scal(ratio), stable_rank=scal(srank), top2_energy=scal(top2),
        agreement_pos=scal(ag[0]), agreement_neg=scal(ag[1]), agreement=scal(ag[2]), threshold=threshold)


# --------------------------------------------------------------------------- linearity


@dataclass(eq=False)
class LinearityReport:
    """What :func:`boundary_linearity` returns.

    Attributes:
        agreement_centres: fraction of probes on which ``sign N(x)`` equals
            ``sign <w_lin, x>`` with ``w_lin = w_+ - w_-`` (difference of the mean
            rows of the two groups, each row scaled by ``|w2_i|``).
        agreement_fitted: the best agreement of a linear rule fitted to the
            network's own labels on the probes (the best of the centre rule, a
            least-squares fit and a logistic-regression fit), i.e. 1 minus the
            error of the best linear classifier found.
        w_lin: the effective rule ``(d,)`` (``(d + 1,)``, bias last, when the network has first-layer biases).
        w_fitted: the fitted rule, same shape.
        angle_to_teacher, angle_fitted_to_teacher: angles in degrees between
            ``w_lin`` (resp. ``w_fitted``) and ``w_star`` (NaN without ``w_star``).
        delta: largest distance of a (scaled) row to its group mean.
        certified_fraction: fraction of probes with ``|<w_lin, x>| > 2 delta |x| / alpha``,
            where theory guarantees ``sign N = sign <w_lin, x>`` (NaN when the guarantee
            does not apply: unequal groups, ``alpha = 0`` or a non-zero output bias).
        certified_violations: probes in that certified region where the signs differ (0 by theory).
        n_probe: number of probe points.
    """

    agreement_centres: float
    agreement_fitted: float
    w_lin: np.ndarray
    w_fitted: np.ndarray
    angle_to_teacher: float
    angle_fitted_to_teacher: float
    delta: float
    certified_fraction: float
    certified_violations: int
    n_probe: int

    def summary(self) -> str:
        """A one-line human-readable summary."""
        return (f"linear agreement {self.agreement_centres:.4f} (centre rule), {self.agreement_fitted:.4f} (fitted); "
                f"angle to teacher {self.angle_to_teacher:.2f} deg; certified {self.certified_fraction:.3f} of probes")


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(a @ b / (na * nb), -1.0, 1.0))))


def _fit_linear(Z: np.ndarray, t: np.ndarray, start: np.ndarray) -> Tuple[np.ndarray, float]:
    """Best of a few linear rules for labels ``t`` (+-1) on features ``Z``: (rule, agreement)."""
    def agree(w: np.ndarray) -> float:
        return float(np.mean((Z @ w > 0) == (t > 0)))

    cands = [start]
    ls, *_ = np.linalg.lstsq(Z, t, rcond=None)
    cands.append(ls)
    # Logistic regression (Newton, tiny ridge), started from the least-squares fit rescaled.
    scale = np.abs(Z @ ls).mean()
    w = ls / scale if scale > 0 else ls.copy()
    lam = 1e-6 * len(Z)
    for _ in range(25):
        m = t * (Z @ w)
        p = 1.0 / (1.0 + np.exp(np.clip(m, -50, 50)))  # sigmoid(-m)
        g = -(Z.T @ (t * p)) + lam * w
        H = (Z.T * (p * (1 - p))) @ Z + lam * np.eye(len(w))
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:  # pragma: no cover
            break
        w = w - step
        if not np.all(np.isfinite(w)):  # pragma: no cover
            break
        cands.append(w.copy())
    best = max(cands, key=agree)
    return best, agree(best)


def boundary_linearity(net: TwoLayerNet, X_probe: Any, *, w_star: Any = None) -> LinearityReport:
    """How close the decision boundary of a (Leaky-)ReLU network is to a hyperplane.

    The units are split by the sign of their output weight; each row is scaled
    by ``|w2_i|`` (positive homogeneity), and the effective rule is the
    difference ``w_lin`` of the two group means. With two exact clusters (and
    a zero output bias) ``sign N(x) = sign <w_lin, x>`` everywhere; with rows
    within ``delta`` of their group mean, wherever ``|<w_lin, x>| > 2 delta |x| / alpha``.
    First-layer biases are handled as an extra input fixed at 1.

    Args:
        net: a :class:`TwoLayerNet` with ``relu`` or ``leaky_relu`` activation
            (e.g. :meth:`TeacherRun.network` or :func:`teacher_network`).
        X_probe: probe inputs ``(n, d)``, e.g. fresh draws of the data distribution.
        w_star: the teacher direction ``(d,)`` for the angles; optional.

    Returns:
        A :class:`LinearityReport`.

    Example:
        A constructed two-cluster network is exactly linear:

        >>> net = teacher_network([[1.0, 1.0], [1.0, 1.0], [-1.0, 0.5], [-1.0, 0.5]], alpha=0.2)
        >>> X = np.random.default_rng(0).standard_normal((500, 2))
        >>> r = boundary_linearity(net, X, w_star=[1.0, 0.0])
        >>> r.agreement_centres, r.delta, r.certified_fraction, r.certified_violations
        (1.0, 0.0, 1.0, 0)
        >>> r.w_lin.tolist(), round(r.angle_to_teacher, 2)
        ([1.0, 0.25], 14.04)
    """
    if not isinstance(net, TwoLayerNet):
        raise TypeError(f"net must be a TwoLayerNet, got {type(net).__name__}")
    if net.activation not in ("relu", "leaky_relu"):
        raise ValueError(f"boundary_linearity needs a relu or leaky_relu network, got {net.activation!r}")
    X = chk.float_matrix("X_probe", X_probe, dtype=np.float64, cols=net.d)
    if not np.all(np.isfinite(X)):
        raise ValueError("X_probe contains NaN or infinity")
    alpha = net.slope if net.activation == "leaky_relu" else 0.0
    has_bias = bool(np.any(net.b1 != 0))
    rows = np.concatenate([net.W1.T, net.b1[:, None]], axis=1) if has_bias else net.W1.T.copy()
    Z = np.concatenate([X, np.ones((len(X), 1))], axis=1) if has_bias else X
    a = net.w2
    scaled = rows * np.abs(a)[:, None]
    pos, neg = a > 0, a < 0
    mp = scaled[pos].mean(axis=0) if np.any(pos) else np.zeros(rows.shape[1])
    mn = scaled[neg].mean(axis=0) if np.any(neg) else np.zeros(rows.shape[1])
    w_lin = mp - mn
    delta = 0.0
    for g, m in ((pos, mp), (neg, mn)):
        if np.any(g):
            delta = max(delta, float(np.linalg.norm(scaled[g] - m, axis=1).max()))
    out = net.decision_function(X)
    t = np.where(out > 0, 1.0, -1.0)
    rule = Z @ w_lin
    agree_c = float(np.mean((rule > 0) == (out > 0)))
    w_fit, agree_f = _fit_linear(Z, t, w_lin)
    if w_star is not None:
        ws = chk.float_vector("w_star", w_star, length=net.d)
        ang, ang_f = _angle(w_lin[: net.d], ws), _angle(w_fit[: net.d], ws)
    else:
        ang = ang_f = float("nan")
    valid = alpha > 0 and net.b2 == 0 and pos.sum() == neg.sum() and not np.any(a == 0)
    if valid:
        cert = np.abs(rule) > 2 * delta * np.linalg.norm(Z, axis=1) / alpha
        cert_frac = float(np.mean(cert))
        viol = int(np.sum(cert & ((rule > 0) != (out > 0))))
    else:
        cert_frac, viol = float("nan"), 0
    return LinearityReport(agree_c, max(agree_f, agree_c), w_lin, w_fit, ang, ang_f, delta, cert_frac, viol, len(X))


# --------------------------------------------------------------------------- training


@dataclass(eq=False)
class TeacherRun:
    """What :func:`train_teacher` returns: the recorded trajectory ``W_t``.

    Attributes:
        steps: recorded steps, shape ``(T,)`` (0, every ``record_every``-th and the last).
        weights: ``W_t`` at those steps, shape ``(T, L, d)``, one row per unit.
        loss: mean logistic loss on the training set, ``(T,)``.
        error: training 0-1 error, ``(T,)``.
        hard_steps: cumulative number of steps whose batch loss was ``>= loss_eps``, ``(T,)``.
        signs: output signs, ``(L,)``. v, alpha, lr, batch_size: the settings.
        X, y: the training data (``y`` in ``{0, 1}``). w_star: the teacher, if given.
    """

    steps: np.ndarray
    weights: np.ndarray
    loss: np.ndarray
    error: np.ndarray
    hard_steps: np.ndarray
    signs: np.ndarray
    v: float
    alpha: float
    lr: float
    batch_size: int
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    w_star: Optional[np.ndarray] = None

    def network(self, index: int = -1) -> TwoLayerNet:
        """The network at recorded step ``steps[index]`` (default: the last)."""
        return teacher_network(self.weights[index], alpha=self.alpha, v=self.v, signs=self.signs)

    def metrics(self, threshold: float = 0.9) -> ClusteringMetrics:
        """:func:`clustering_metrics` of the whole series, with the training inputs for the agreement condition."""
        return clustering_metrics(self.weights, self.w_star, self.signs, X=self.X, threshold=threshold)

    def agreement_step(self, metrics: Optional[ClusteringMetrics] = None) -> Optional[int]:
        """First recorded step from which the agreement condition holds on 100% of the training points to the end."""
        m = metrics or self.metrics()
        ok = np.asarray(m.agreement) >= 1.0
        if not ok[-1]:
            return None
        bad = np.nonzero(~ok)[0]
        return int(self.steps[0 if len(bad) == 0 else bad[-1] + 1])

    def linearity_series(self, X_probe: Any) -> np.ndarray:
        """Agreement of ``sign N`` with the centre rule ``sign <w_+ - w_-, x>`` on ``X_probe`` at every recorded step."""
        X = chk.float_matrix("X_probe", X_probe, dtype=np.float64, cols=self.weights.shape[2])
        s = self.signs
        out = np.empty(len(self.steps))
        for t, W in enumerate(self.weights):
            z = X @ W.T
            n = (np.where(z > 0, z, self.alpha * z) @ s)
            lin = W[s > 0].mean(axis=0) - W[s < 0].mean(axis=0)
            out[t] = np.mean((X @ lin > 0) == (n > 0))
        return out

    def history(self, X_probe: Any = None, threshold: float = 0.9) -> Dict[str, np.ndarray]:
        """Every time series in one dict (for printing, JSON or plotting).

        Keys: ``step, loss, error, hard_steps, weight_norm, aligned_fraction,
        mean_cosine, potential, dispersion_pos, dispersion_neg, spectral_ratio,
        stable_rank, top2_energy, agreement``, and ``linearity`` and
        ``angle_to_teacher`` (centre rule) when ``X_probe`` is given.
        """
        m = self.metrics(threshold)
        out = {"step": self.steps, "loss": self.loss, "error": self.error, "hard_steps": self.hard_steps,
               "weight_norm": np.linalg.norm(self.weights.reshape(len(self.steps), -1), axis=1)}
        for k in ("aligned_fraction", "mean_cosine", "potential", "dispersion_pos", "dispersion_neg",
                  "spectral_ratio", "stable_rank", "top2_energy", "agreement"):
            out[k] = np.asarray(getattr(m, k))
        if X_probe is not None:
            out["linearity"] = self.linearity_series(X_probe)
            if self.w_star is not None:
                s = self.signs
                lin = self.weights[:, s > 0].mean(axis=1) - self.weights[:, s < 0].mean(axis=1)
                out["angle_to_teacher"] = np.array([_angle(w, self.w_star) for w in lin])
        return out


def log_schedule(steps: int, count: int = 200) -> np.ndarray:
    """About ``count`` distinct steps in ``[0, steps]``, log-spaced, with 0 and ``steps`` (for ``record_at``).

    Example:
        >>> log_schedule(1000, 8).tolist()
        [0, 1, 3, 10, 32, 100, 316, 1000]
    """
    steps = chk.count("steps", steps, minimum=1, maximum=2**40)
    count = chk.count("count", count, minimum=2, maximum=2**24)
    t = np.unique(np.round(np.geomspace(1, steps, count - 1)).astype(np.int64))
    return np.concatenate([[0], t])


def train_teacher(
    X: Any,
    y: Any,
    L: int,
    *,
    alpha: float = 0.3,
    v: Optional[float] = None,
    lr: float = 0.5,
    steps: Optional[int] = None,
    epochs: int = 50,
    batch_size: Optional[int] = 1,
    record_every: Optional[int] = None,
    record_at: Any = None,
    init_scale: float = 0.5,
    W0: Any = None,
    w_star: Any = None,
    loss_eps: float = 0.01,
    seed: int = 0,
) -> TeacherRun:
    """Train the network of the linear-teacher setting by SGD and record ``W_t``.

    ``N(x) = sum_i s_i v max(<w_i, x>, alpha <w_i, x>)``, no biases, ``s_i = +1``
    for the first ``ceil(L/2)`` units and ``-1`` for the rest (frozen), logistic
    loss ``log(1 + exp(-y N(x)))``, constant step ``lr``; minibatches are drawn
    from a fresh permutation every epoch (batch size 1 is plain SGD). Runs in
    f64 in Rust with the GIL released.

    Args:
        X: inputs ``(N, d)``; y: labels ``0/1`` or ``-1/+1``.
        L: hidden units (``>= 2``).
        alpha: Leaky-ReLU slope in ``[0, 1]`` (the theory needs ``alpha > 0``).
        v: output magnitude (default ``1/sqrt(L)``).
        lr: constant step size.
        steps: SGD steps (default ``epochs * ceil(N / batch_size)``).
        epochs: used when ``steps`` is None.
        batch_size: minibatch size; ``None`` for full batch.
        record_every: steps between snapshots (default ``steps // 200``, at least 1);
            step 0 and the last step are always recorded.
        record_at: the steps to record instead (e.g. :func:`log_schedule`), each in ``[0, steps]``.
        init_scale: ``W_0`` has i.i.d. ``N(0, init_scale^2 / d)`` entries, rows of norm about
            ``init_scale`` (ignored with ``W0``). Small values cluster the units almost at once;
            the default 0.5 (about Keras' Glorot initialisation) shows the clusters forming.
        W0: initial weights ``(L, d)``; optional.
        w_star: the teacher, kept for the metrics; optional.
        loss_eps: threshold of the ``hard_steps`` count.
        seed: seeds ``W_0`` and the sampling order (streams independent of
            :func:`linear_teacher_dataset` with the same seed).

    Returns:
        A :class:`TeacherRun`.

    Raises:
        ValueError / TypeError: a bad argument or too many snapshots.
        RuntimeError: the loss became non-finite.

    Example:
        >>> X, y, w = linear_teacher_dataset(100, 3, seed=0)
        >>> run = train_teacher(X, y, 6, epochs=20, w_star=w)
        >>> float(run.error[-1]), bool(run.loss[-1] < run.loss[0])
        (0.0, True)
        >>> run.weights.shape[1:], int(run.steps[-1])
        ((6, 3), 2000)
    """
    Xc = chk.float_matrix("X", X, dtype=np.float64)
    if not np.all(np.isfinite(Xc)):
        raise ValueError("X contains NaN or infinity")
    n, d = Xc.shape
    ypm = _pm_labels(y, n)
    L = chk.count("L", L, minimum=2, maximum=2**20)
    alpha = _alpha(alpha)
    mag = 1.0 / np.sqrt(L) if v is None else _positive("v", v)
    lr = _positive("lr", lr)
    bs = n if batch_size is None else min(chk.count("batch_size", batch_size, minimum=1), n)
    if steps is None:
        steps = chk.count("epochs", epochs, minimum=1, maximum=2**32) * (-(-n // bs))
    steps = chk.count("steps", steps, minimum=1, maximum=2**40)
    if record_at is not None:
        if record_every is not None:
            raise ValueError("pass record_every or record_at, not both")
        at = np.unique(np.asarray([chk.count("record_at[i]", t, minimum=0, maximum=steps) for t in np.ravel(record_at)],
                                  dtype=np.int64))
        if len(at) == 0:
            raise ValueError("record_at must name at least one step")
    else:
        k = max(1, steps // 200) if record_every is None else chk.count("record_every", record_every, minimum=1)
        at = np.unique(np.append(np.arange(0, steps + 1, k, dtype=np.int64), steps))
    if len(at) * L * d > 2**27:
        raise ValueError(f"recording {len(at)} snapshots of {L} x {d} weights exceeds the limit of 2**27 values; "
                          "record fewer steps")
    loss_eps = chk.real("loss_eps", loss_eps, minimum=0.0)
    seed = chk.seed(seed)
    if W0 is None:
        init_scale = chk.real("init_scale", init_scale, minimum=0.0)
        W0c = np.random.default_rng([seed, 0x5EED_0F_17]).standard_normal((L, d)) * (init_scale / np.sqrt(d))
    else:
        W0c = _units(W0)
        if W0c.shape != (L, d):
            raise ValueError(f"W0 must have shape ({L}, {d}), got {W0c.shape}")
    ws = None if w_star is None else chk.float_vector("w_star", w_star, length=d)
    signs = group_signs(L)
    out = _core.teacher_sgd(np.ascontiguousarray(Xc), ypm, np.ascontiguousarray(W0c), int((L + 1) // 2), mag, alpha,
                            lr, steps, bs, [int(t) for t in at], seed, loss_eps)
    return TeacherRun(steps=out["steps"].astype(np.int64), weights=out["weights"], loss=out["loss"],
                      error=out["error"], hard_steps=out["hard_steps"].astype(np.int64), signs=signs, v=mag,
                      alpha=alpha, lr=lr, batch_size=bs, X=Xc, y=((ypm + 1) // 2).astype(np.int64), w_star=ws)
