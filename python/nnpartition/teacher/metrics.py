"""Metrics of the linear-teacher setting (seed 3): weight clusters (:func:`clustering_metrics`) and the update
bound; the linearity of the boundary (:func:`boundary_linearity`) against its baselines is in :mod:`.linearity`
(its names stay importable from here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from .._moved import moved
from .. import _validate as chk
from ..limits import _check_bytes, _checked_svd
from .._stats import binary_exponents, scaled_norm, times_pow2
from .data import _signs, _units, _unit_rows
from .._repr import short_repr

__all__ = ["ClusteringMetrics", "clustering_metrics", "update_bound"]


# --------------------------------------------------------------------------- clustering


@dataclass(eq=False)
class ClusteringMetrics:
    """What :func:`clustering_metrics` returns; every field has a leading time axis ``T`` for a series.

    Attributes:
        cosine: per-unit signed cosine ``s_i <w_i, w*> / (|w_i| |w*|)``, shape ``(L,)`` (NaN without ``w_star``).
        aligned_fraction: fraction of units with ``cosine > threshold`` (NaN without ``w_star``).
        mean_cosine, min_cosine: mean and minimum of ``cosine`` (NaN without ``w_star``).
        potential: ``cos(W, W*)`` with ``W*`` stacking ``s_i w*`` (the global alignment; NaN without ``w_star``).
        centre_pos, centre_neg: normalized mean unit direction of each group, shape ``(d,)`` (NaN for an empty group).
        dispersion_pos, dispersion_neg: ``max_i | w_i/|w_i| - u_+- |`` within each group (0 for an exact cluster,
            NaN for an empty group).
        centre_cosine: cosine between ``w_+ - w_-`` (mean vectors) and ``w*`` (NaN without ``w_star`` or when
            the two means coincide).
        spectral_ratio, stable_rank and top2_energy are NaN for ``W = 0``.
        spectral_ratio: ``|W|_2 / |W|_F`` (1 for rank one).
        stable_rank: ``|W|_F^2 / |W|_2^2``.
        top2_energy: ``(s_1^2 + s_2^2) / sum s_i^2``.
        agreement_pos, agreement_neg: fraction of rows of ``X`` on which all units of the group
            have pre-activations of one sign (``> 0`` or ``<= 0``); NaN without ``X``.
        agreement: fraction of rows on which both groups agree (the agreement condition; NaN without ``X``).
        threshold: the alignment threshold used.
    """

    __repr__ = short_repr

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
        return (f"aligned {last(self.aligned_fraction):.3f} (cos > {self.threshold}), "
                f"mean cos {last(self.mean_cosine):.4f}, "
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
    for t in range(T):   # stays numpy: one BLAS product per recorded step (T is at most a few hundred)
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
        W: first-layer weights, one column per unit: shape ``(d, L)``, or ``(T, d, L)``
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
        >>> W = np.stack([2 * w, 3 * w, -w, -5 * w], axis=1)   # (d, L) = (3, 4)
        >>> m = clustering_metrics(W, w, X=np.eye(3))
        >>> m.cosine.tolist(), float(m.aligned_fraction), float(m.dispersion_pos), float(m.agreement)
        ([1.0, 1.0, 1.0, 1.0], 1.0, 0.0, 1.0)
        >>> round(float(m.spectral_ratio), 12), round(float(m.stable_rank), 12)
        (1.0, 1.0)
    """
    Wa = _units(W)
    series = Wa.ndim == 3
    W3 = Wa if series else Wa[None]
    # Every metric is invariant to a positive rescaling of each W_t: divide by the largest entry,
    # so norms, the SVD and the pre-activations cannot overflow for weights near 1e308.
    unit_top = np.abs(W3).max(axis=2, initial=0.0)   # each unit's largest |entry|, (T, L)
    peak = unit_top.max(axis=1, initial=0.0)
    W_given = W3
    W3 = W3 / np.where(peak > 0, peak, 1.0)[:, None, None]
    T, L, d = W3.shape
    s = _signs(signs, L)
    threshold = chk.real("threshold", threshold, minimum=-1.0, maximum=1.0)
    Xc = None
    rows = 0
    if X is not None:
        Xc = chk.float_matrix("X", X, dtype=np.float64, cols=d, finite=True)
        rows = Xc.shape[0]
    # Before the metrics: the unit rows, the SVD and the products of the series W (a review measured about five
    # times the series' size; 6 counted, and one more for the units in their own scales), and each recorded step's
    # pre-activations on X (n x L floats), their signs and a group's copy of them (an audit: X of 10^5 rows against
    # 10^5 units asked numpy for 75 GiB).
    _check_bytes(f"the clustering metrics of {T} recorded steps of {L} units in d = {d}"
                 + (f" and their sign agreement on {rows} rows of X" if rows else ""),
                 56.0 * T * L * d + 10.0 * rows * L, "pass fewer rows of X or recorded steps")
    # The per-unit metrics (cosines, dispersions, the sign agreement) are invariant to each unit's own scale: they
    # read each unit scaled by a power of two near its own largest entry, an exact rescaling. Scaled by W_t's
    # largest entry, a unit 2^-1100 times smaller than the largest underflowed to 0: a cosine of 0 and no active
    # sign (a review, fifty-ninth pass).
    # (each unit's largest entry in [1/2, 1): in [1, 2), X of 1.7e308 overflowed in the agreement's products, the fuzz
    # test's hostile values)
    W_units = times_pow2(W_given, -(binary_exponents(unit_top) + 1)[..., None])
    U = _unit_rows(W_units)
    if w_star is not None:
        ws = chk.float_vector("w_star", w_star, length=d)
        if not np.any(ws):
            raise ValueError("w_star must be non-zero")
        ws = ws / scaled_norm(ws)
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
    # T stacked SVDs in one LAPACK call: checked against max_work and interruptible
    sv = np.asarray(_checked_svd(W3, f"the singular values of {T} recorded steps of {L} units in d = {d}",
                                 "pass fewer recorded steps or units", compute_uv=False))  # (T, min(L, d))
    e = (sv**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(e > 0, sv[:, 0] / np.sqrt(e), np.nan)
        srank = np.where(e > 0, e / sv[:, 0] ** 2, np.nan)
        top2 = np.where(e > 0, (sv[:, :2] ** 2).sum(axis=1) / e, np.nan)
    if Xc is not None:
        # Each row of X in units of a power of two near its own largest entry: the signs of the pre-activations do
        # not change, and with the units' entries below 1 no product or sum overflows (rows near 1.7e308 overflowed
        # in X @ W, a sign of inf - inf read as off; sixtieth pass).
        Xu = times_pow2(Xc, -(binary_exponents(np.abs(Xc).max(axis=1, initial=0.0)) + 1)[:, None])
        ag = _agreement(W_units, s, Xu)
    else:
        ag = (np.full(T, np.nan),) * 3
    with np.errstate(invalid="ignore"):
        aligned = np.where(np.isnan(cos).all(axis=1), np.nan, (cos > threshold).mean(axis=1))
    def one(a: np.ndarray) -> Any:
        return a if series else a[0]

    def scal(a: np.ndarray) -> Any:
        return a if series else float(a[0])
    return ClusteringMetrics(
        cosine=one(cos), aligned_fraction=scal(aligned), mean_cosine=scal(cos.mean(axis=1)),
        min_cosine=scal(cos.min(axis=1)), potential=scal(potential), centre_pos=one(cp), centre_neg=one(cn),
        dispersion_pos=scal(dp), dispersion_neg=scal(dn), centre_cosine=scal(centre_cos),
        spectral_ratio=scal(ratio), stable_rank=scal(srank), top2_energy=scal(top2),
        agreement_pos=scal(ag[0]), agreement_neg=scal(ag[1]), agreement=scal(ag[2]), threshold=threshold)


# --------------------------------------------------------------------------- update bound


def update_bound(X: Any, y: Any, w_star: Any, L: int, *, lr: float, alpha: float, v: Optional[float] = None,
                 init_norm: float = 0.0) -> float:
    """The hinge-loss bound ``M`` on the number of non-trivial SGD updates in
    the linear-teacher setting (Brutzkus et al. 2018, in the form of the seed
    paper's first author's public code, ``get_non_zero_updates_bound``)::

        M = |w*|^2/a^2 + |w*|^2/(k lr v^2 a^2)
            + sqrt(R (8 k^2 lr^2 v^2 + 8 lr k)) |w*|^1.5 / (2 k (lr v a)^1.5) + 2 R |w*| / (lr v a)

    with ``k = L / 2`` units per group, ``a = alpha``, ``R`` the initial weight
    norm and ``w*`` rescaled so that ``y <w*, x> >= 1`` on the data
    (``|w*| = 1 / margin``). It bounds the updates of the hinge loss; for the
    logistic loss the comparable count is the number of steps whose loss
    exceeds a threshold (:attr:`TeacherRun.hard_steps`). A reconstruction,
    not confirmed in the seed paper.

    Example:
        >>> X = np.array([[0.5, 0.0], [-0.5, 0.1]])
        >>> round(update_bound(X, [1, 0], [1.0, 0.0], 4, lr=0.5, alpha=0.5), 2)   # |w*| = 2
        80.0
    """
    # (an audit: NaN gave a NaN bound, inf blamed w_star)
    Xc = chk.float_matrix("X", X, dtype=np.float64, finite=True)
    n, d = Xc.shape
    from .data import _pm_labels

    t = _pm_labels(y, n)
    ws = chk.float_vector("w_star", w_star, length=d)
    L = chk.count("L", L, minimum=2, maximum=2**24)
    lr = chk.real("lr", lr, minimum=0.0, open_min=True)
    a = chk.real("alpha", alpha, minimum=0.0, maximum=1.0, open_min=True)
    vv = 1.0 / np.sqrt(L) if v is None else chk.real("v", v, minimum=0.0, open_min=True)
    R = chk.real("init_norm", init_norm, minimum=0.0)
    peak = np.abs(ws).max(initial=0.0)
    ws = ws / (peak if peak > 0 else 1.0)   # |w*| / min margin does not change; a w* near 1e155 overflowed its norm
    margins = t * (Xc @ ws)
    if margins.min() <= 0:
        raise ValueError("w_star does not separate the data (some y <w_star, x> <= 0)")
    norm = np.float64(np.linalg.norm(ws) / margins.min())     # |w*| after rescaling to margin 1
    k, lr, a, vv, R = np.float64(L / 2.0), np.float64(lr), np.float64(a), np.float64(vv), np.float64(R)
    # In float64 with lr taken out of the square root (sqrt(R (8 k^2 lr^2 v^2 + 8 lr k)) / lr^1.5
    # = sqrt(R (8 k^2 v^2 + 8 k / lr) / lr)), so extreme lr gives a huge or small bound, never an error.
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        M = norm**2 / a**2 + norm**2 / (k * lr * vv**2 * a**2)
        if R > 0:
            M += (np.sqrt(R * (8 * k**2 * vv**2 + 8 * k / lr) / lr) * norm**1.5 / (2 * k * (vv * a) ** 1.5)
                  + 2 * R * norm / (lr * vv * a))
    return float(M)


#: The names defined here before the split, and the module that defines each now (:mod:`nnpartition._moved`).
_MOVED = {"LinearityReport": ".linearity", "boundary_linearity": ".linearity", "LinearityBaselines": ".linearity",
          "linearity_baselines": ".linearity"}


def __getattr__(name: str) -> Any:
    """The boundary's linearity, defined here until the split (PEP 562): imported from where it is
    defined now."""
    return moved(__name__, _MOVED, name)
