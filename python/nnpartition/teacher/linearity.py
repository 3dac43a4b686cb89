"""The linearity of a teacher network's boundary (seed 3): :func:`boundary_linearity` and, against its
initialisation and random networks, :func:`linearity_baselines`. Its names stay importable from :mod:`.metrics`
(:mod:`nnpartition._moved`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from .. import _core, _progress
from .. import _validate as chk
from .._random import SeedLike, resolve_seed
from .._progress import progress_bar
from ..network import TwoLayerNet
from .._stats import binary_exponent, binary_exponents, scaled_norm, times_pow2
from ..limits import _check_work
from .data import _angle, _probes, teacher_network
from .._repr import short_repr

__all__ = ["LinearityReport", "boundary_linearity", "LinearityBaselines", "linearity_baselines"]


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
        angle_to_max_margin, angle_fitted_to_max_margin: the same against the max-margin
            direction of the training data (NaN without ``max_margin``; see
            :func:`nnpartition.separability.max_margin`).
        delta: largest distance of a (scaled) row to its group mean.
        certified_fraction: fraction of probes with ``|<w_lin, x>| > 2 delta |x|``,
            where theory guarantees ``sign N = sign <w_lin, x>`` (NaN when the guarantee
            does not apply: unequal groups, ``alpha = 0`` or a non-zero output bias).
        certified_violations: probes in that certified region where the signs differ (0 by theory).
        n_probe: number of probe points.
    """

    __repr__ = short_repr

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
    angle_to_max_margin: float = float("nan")
    angle_fitted_to_max_margin: float = float("nan")

    def summary(self) -> str:
        """A one-line human-readable summary."""
        mm = "" if np.isnan(self.angle_to_max_margin) else f", to max-margin {self.angle_to_max_margin:.2f} deg"
        return (f"linear agreement {self.agreement_centres:.4f} (centre rule), {self.agreement_fitted:.4f} (fitted); "
                f"angle to teacher {self.angle_to_teacher:.2f} deg{mm}; certified "
                + ("n/a (the guarantee does not apply: unequal groups, alpha = 0 or an output bias)"
                   if np.isnan(self.certified_fraction) else f"{self.certified_fraction:.3f} of probes"))


def _rule_times_pow2(v: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """``v_j 2^shifts_j`` (:func:`nnpartition._stats.times_pow2`), exactly while it stays finite; otherwise the whole
    vector is also divided by one power of two (a positive multiple of a linear rule is the same rule) so that its
    largest entry is in ``[1/2, 1)``."""
    e = binary_exponents(np.abs(v)) + shifts   # each answer's exponent: |v_j 2^shifts_j| in [2^e_j, 2^(e_j+1))
    top = int(e[v != 0].max()) if np.any(v != 0) else 0
    return times_pow2(v, shifts - (top + 1) if top >= 1023 else shifts)


#: Steps (about a nanosecond each, as ``max_work`` counts them) of one report's numpy calls beyond their arithmetic:
#: some three hundred calls of about a microsecond (the 25 Newton steps of :func:`_fit_linear_in_units` and the
#: agreement of each candidate).
_REPORT_CALLS = 3e5


def _report_work(n: int, d: int, L: int) -> float:
    """Steps of one :func:`boundary_linearity` on ``n`` probes in ``d`` dimensions of a network of ``L`` units: per
    probe the logits (``3 d L``) and, on ``p = d + 1`` features, 25 Newton steps of the logistic fit (its Hessian
    ``2 p^2``, gradient and margins ``8 p``) and 27 agreements (``p`` each). About 1.1e3 a probe in ``d = 2``, where
    ``linearity_baselines`` measured 1.4 us a probe and report (10^5 probes, 12 reports, 1.7 s, a loaded machine)."""
    p = d + 1
    return float(n) * (25 * (2 * p * p + 8 * p) + 27 * p + 3 * d * L) + _REPORT_CALLS


def _fit_linear(Z: np.ndarray, t: np.ndarray, start: np.ndarray, n_x: int) -> Tuple[np.ndarray, float]:
    """Best of a few linear rules for labels ``t`` (+-1) on features ``Z``, whose first ``n_x`` columns are the
    probes' coordinates (and the last, if any, the constant 1): (rule, agreement). The rules are fitted on the
    coordinates in units of a power of two near their largest, an exact rescaling, and returned in the given units:
    the logistic fit's ridge and its Hessian assume entries of order 1, and a review (fifty-ninth pass) found
    probes of ``2^600`` overflowing the Hessian (RuntimeWarnings) and probes of ``2^-600`` fitting worse (0.967 of
    the network's signs against 1.0 at scale 1: the Hessian underflowed to 0, leaving only the ridge)."""
    top = max(float(Z[:, :n_x].max()), -float(Z[:, :n_x].min())) if Z.size else 0.0
    k = binary_exponent(top)
    shifts = np.where(np.arange(Z.shape[1]) < n_x, k, 0)
    Z = Z.copy()
    Z[:, :n_x] = times_pow2(Z[:, :n_x], -k)
    w, agreement = _fit_linear_in_units(Z, t, _rule_times_pow2(start, shifts))
    return _rule_times_pow2(w, -shifts), agreement


def _fit_linear_in_units(Z: np.ndarray, t: np.ndarray, start: np.ndarray) -> Tuple[np.ndarray, float]:
    """Best of a few linear rules for labels ``t`` (+-1) on features ``Z`` of order 1: (rule, agreement)."""
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


def boundary_linearity(net: TwoLayerNet, X_probe: Any, *, w_star: Any = None,
                       max_margin: Any = None) -> LinearityReport:
    """How close the decision boundary of a (Leaky-)ReLU network is to a hyperplane.

    The units are split by the sign of their output weight; each row is scaled
    by ``|w2_i|`` (positive homogeneity), and the effective rule is the
    difference ``w_lin`` of the two group means. With two exact clusters (and
    a zero output bias) ``sign N(x) = sign <w_lin, x>`` everywhere; with rows
    within ``delta`` of their group mean (equal groups, ``alpha > 0``, zero output bias), wherever
    ``|<w_lin, x>| > 2 delta |x|``: pair a ``+`` row ``r_i`` with a ``-`` row ``r_j``: ``<r_i - r_j, x> > 0``
    there, and ``sigma`` is strictly increasing.
    First-layer biases are handled as an extra input fixed at 1.

    Args:
        net: a :class:`TwoLayerNet` with ``relu`` or ``leaky_relu`` activation
            (e.g. :meth:`TeacherRun.network` or :func:`teacher_network`).
        X_probe: probe inputs ``(n, d)``, e.g. fresh draws of the data distribution.
        w_star: the teacher direction ``(d,)`` for the angles; optional.
        max_margin: the max-margin direction ``(d,)`` of the training data (e.g.
            ``max_margin(X, y).direction``), or the ``MaxMargin`` that :meth:`TeacherRun.max_margin` or
            :func:`nnpartition.separability.max_margin` returns, for the angles; optional.

    Returns:
        A :class:`LinearityReport`.

    Example:
        A constructed two-cluster network is exactly linear:

        >>> net = teacher_network([[1.0, 1.0, -1.0, -1.0], [1.0, 1.0, 0.5, 0.5]], alpha=0.2)
        >>> X = np.random.default_rng(0).standard_normal((500, 2))
        >>> r = boundary_linearity(net, X, w_star=[1.0, 0.0])
        >>> r.agreement_centres, r.delta, r.certified_fraction, r.certified_violations
        (1.0, 0.0, 1.0, 0)
        >>> r.w_lin.tolist(), round(r.angle_to_teacher, 2)
        ([1.0, 0.25], 14.04)
    """
    if not isinstance(net, TwoLayerNet):
        raise TypeError(f"net must be a TwoLayerNet, got {type(net).__name__}")
    if net.activation not in _core.PIECEWISE_LINEAR:
        raise ValueError(f"boundary_linearity needs a relu or leaky_relu network, got {net.activation!r}")
    X = _probes(X_probe, net.d)
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
            delta = max(delta, float(scaled_norm(scaled[g] - m, axis=1).max()))
    with np.errstate(over="ignore", invalid="ignore"):
        out = net._logits(X)   # checked below, the error naming X_probe
        rule = Z @ w_lin
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(rule))):
        raise ValueError("the network's outputs on X_probe overflow float64: rescale X_probe (or the network)")
    t = np.where(out > 0, 1.0, -1.0)
    agree_c = float(np.mean((rule > 0) == (out > 0)))
    w_fit, agree_f = _fit_linear(Z, t, w_lin, net.d)
    if w_star is not None:
        ws = chk.float_vector("w_star", w_star, length=net.d)
        if not np.any(ws):   # the angles came back NaN (clustering_metrics refuses it so)
            raise ValueError("w_star must be non-zero")
        ang, ang_f = _angle(w_lin[: net.d], ws), _angle(w_fit[: net.d], ws)
    else:
        ang = ang_f = float("nan")
    if max_margin is not None:
        from ..separability import MaxMargin

        if isinstance(max_margin, MaxMargin):   # TeacherRun.max_margin()'s result, as the docstring offers it (it
            max_margin = max_margin.direction   # was refused: "max_margin must be a numeric array, got dtype object")
        mm = chk.float_vector("max_margin", max_margin, length=net.d)
        if not np.any(mm):
            raise ValueError("max_margin must be non-zero")
        ang_m, ang_mf = _angle(w_lin[: net.d], mm), _angle(w_fit[: net.d], mm)
    else:
        ang_m = ang_mf = float("nan")
    valid = alpha > 0 and net.b2 == 0 and pos.sum() == neg.sum() and not np.any(a == 0)
    if valid:
        # Pair each +unit with a -unit: <r_i, x> - <r_j, x> >= <w_lin, x> - 2 delta |x| > 0, and sigma is strictly
        # increasing (alpha > 0), so every pair, hence N, is positive (negative on the other side). No 1/alpha:
        # the Lipschitz bound of the reconstruction (deviation 2 k delta |x| against a clean part k alpha |<w_lin, x>|)
        # was 1/alpha times wider than it needs to be.
        cert = np.abs(rule) > 2 * delta * scaled_norm(Z, axis=1)   # np.linalg.norm squared: inf at 2^512, 0 at 2^-540
        cert_frac = float(np.mean(cert))
        viol = int(np.sum(cert & ((rule > 0) != (out > 0))))
    else:
        cert_frac, viol = float("nan"), 0
    return LinearityReport(agree_c, max(agree_f, agree_c), w_lin, w_fit, ang, ang_f, delta, cert_frac, viol, len(X),
                           ang_m, ang_mf)


@dataclass(eq=False)
class LinearityBaselines:
    """:func:`boundary_linearity` of a trained network next to its baselines (see :func:`linearity_baselines`).

    Attributes:
        final, initial: the reports of the trained network and of the same network at initialisation.
        random_centres, random_fitted: mean ``agreement_centres`` / ``agreement_fitted`` of
            ``n_random`` networks of the same width with i.i.d. Gaussian rows (same signs, ``alpha``, ``v``).
        random_fitted_std: their standard deviation.
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    final: LinearityReport
    initial: LinearityReport
    random_centres: float
    random_fitted: float
    random_fitted_std: float
    seed: int = 0


def linearity_baselines(run: Any, X_probe: Any, *, n_random: int = 10, seed: SeedLike = 0,
                        progress: Optional[bool] = None) -> LinearityBaselines:
    """How linear a trained teacher network's boundary is *compared with* its
    initialisation and with random networks of the same width: a random
    Leaky-ReLU network's boundary is already close to linear on many probes,
    so only the rise above these baselines measures what training did.

    ``run`` is a :class:`~nnpartition.teacher.TeacherRun`; the max-margin direction
    of its training data is used for the angles when scipy is installed. ``n_random`` is 1 to 10^4; the
    ``n_random + 2`` reports together are checked against ``max_work`` (a ``ValueError``) before the first.
    ``progress``: a bar over those reports, the package's policy (``None``: on a terminal or in a notebook, past a
    second; ``True``: always; ``False``: never).

    Example:
        >>> from nnpartition.teacher import linear_teacher_dataset, train_teacher
        >>> X, y, w = linear_teacher_dataset(200, 5, seed=0)
        >>> run = train_teacher(X, y, 10, epochs=30, w_star=w)
        >>> b = linearity_baselines(run, np.random.default_rng(1).standard_normal((2000, 5)))
        >>> b.final.agreement_fitted > b.initial.agreement_fitted, b.final.agreement_fitted > b.random_fitted
        (True, True)
    """
    from .training import TeacherRun

    if not isinstance(run, TeacherRun):   # an audit: None gave an AttributeError on .weights
        raise TypeError(f"run must be a TeacherRun (what train_teacher returns), got {type(run).__name__}")
    X = _probes(X_probe, run.weights.shape[1])   # before the max-margin LP
    n_random = chk.count("n_random", n_random, minimum=1, maximum=10**4)
    progress = _progress._check(progress)
    d, L = run.weights.shape[1:]
    # an audit (the fuzz registry's first pass over it): 10^4 random networks on 10^6 probes ran unpriced for hours
    _check_work(f"linearity baselines of {n_random + 2} networks ({L} units, d = {d}) on {len(X)} probes",
                (n_random + 2) * _report_work(len(X), d, L), "pass fewer probes or a smaller n_random")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    try:
        mm: Optional[np.ndarray] = run.max_margin().direction
    except ImportError:  # pragma: no cover - without scipy
        mm = None
    with progress_bar(n_random + 2, desc=f"linearity baselines L={L} d={d}", progress=progress,
                      unit="network") as bar:
        final = boundary_linearity(run.network(-1), X, w_star=run.w_star, max_margin=mm)
        bar.update(1)
        initial = boundary_linearity(run.network(0), X, w_star=run.w_star, max_margin=mm)
        bar.update(1)
        rc, rf = [], []
        for _ in range(n_random):
            net = teacher_network(rng.standard_normal((d, L)), alpha=run.alpha, v=run.v, signs=run.signs)
            r = boundary_linearity(net, X)
            rc.append(r.agreement_centres)
            rf.append(r.agreement_fitted)
            bar.update(1)
    return LinearityBaselines(final=final, initial=initial, random_centres=float(np.mean(rc)),
                              random_fitted=float(np.mean(rf)), random_fitted_std=float(np.std(rf)), seed=seed)
