"""Targets of the local low-rank theory (seed 4): the joint, ``B``, ``M``, the rank-``k`` optimum and
locality, for discrete inputs and for samples. The H-score and the one-side-fixed optima are in :mod:`.fixed_side`
(their names stay importable from here)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from .._moved import moved
from .. import _validate as chk
from .._stats import binary_unit
from .._random import SeedLike, resolve_seed
from .._repr import short_repr

__all__ = ["joint_from_conditional", "bayes_matrix", "conditional_mean_matrix", "optimal_low_rank", "LowRankSolution",
           "locality", "Locality", "softmax_log_loss", "local_family", "sample_joint"]

_SUM_TOL = 1e-8


# --------------------------------------------------------------------------- validation


def _joint(P: Any, name: str = "P_xy", normalize: bool = False) -> np.ndarray:
    """A joint distribution as float64, checked: 2-D, finite, >= 0, summing to 1.

    Integer arrays are counts and are normalized; float arrays must sum to 1
    unless ``normalize``.
    """
    normalize = chk.flag("normalize", normalize)
    arr = np.asarray(P)
    if not chk.real_dtype(arr.dtype):   # complex, strings, objects, timedelta64
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (|X|, |Y|), got shape {arr.shape}")
    counts = np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_
    P = chk.quiet_cast(arr, copy=True)
    chk.all_finite(name, P, arr)
    if np.any(P < 0):
        i = np.unravel_index(np.argmin(P), P.shape)
        raise ValueError(f"{name} has negative entries (e.g. {P[i]} at {tuple(int(t) for t in i)}); "
                         "probabilities and counts must be >= 0")
    # summed in units of a power of two near the largest entry (an exact rescaling): entries near 1e308 summed to
    # inf (a RuntimeWarning) and normalized to zeros, a review found (fifty-ninth pass)
    unit = binary_unit(float(P.max()))
    P = P / unit
    total = P.sum()
    if total <= 0:
        raise ValueError(f"{name} sums to 0; it needs some positive mass")
    if counts or normalize:
        return np.asarray(P / total)
    with np.errstate(over="ignore"):
        given = total * unit
    if abs(given - 1.0) > _SUM_TOL:
        said = f"{given:.10g}" if math.isfinite(given) else "more than float64's largest value"
        raise ValueError(f"{name} sums to {said}, not 1: pass a joint distribution, integer counts, "
                         "or normalize=True")
    return np.asarray(P / total)


def joint_from_conditional(P_y_given_x: Any, P_x: Any) -> np.ndarray:
    """The joint ``P_xy[x, y] = P_x(x) P(y | x)`` from a conditional (rows summing to 1) and a marginal.

    Args:
        P_y_given_x: shape ``(|X|, |Y|)``, each row a distribution over ``Y``.
        P_x: shape ``(|X|,)``, a distribution over ``X``.

    Returns:
        The joint, shape ``(|X|, |Y|)``.

    Example:
        >>> joint_from_conditional([[0.5, 0.5], [0.9, 0.1]], [0.5, 0.5]).tolist()
        [[0.25, 0.25], [0.45, 0.05]]
        >>> joint_from_conditional([[0.5, 0.6]], [1.0])
        Traceback (most recent call last):
        ...
        ValueError: row 0 of P_y_given_x sums to 1.1, not 1
    """
    # (an audit in the sixty-third pass on issue 11: a complex array was cast with numpy's ComplexWarning, its
    # imaginary part dropped)
    C = chk.float_matrix("P_y_given_x", P_y_given_x, dtype=np.float64, finite=True)
    px = chk.float_vector("P_x", P_x, length=C.shape[0])
    if np.any(C < 0) or np.any(px < 0):
        raise ValueError("probabilities must be >= 0 (P_y_given_x and P_x have negative entries)")
    rows = C.sum(axis=1)
    bad = np.nonzero(np.abs(rows - 1.0) > _SUM_TOL)[0]
    if len(bad):
        raise ValueError(f"row {int(bad[0])} of P_y_given_x sums to {rows[bad[0]]:.10g}, not 1")
    if abs(px.sum() - 1.0) > _SUM_TOL:
        raise ValueError(f"P_x sums to {px.sum():.10g}, not 1")
    return np.asarray(px[:, None] * C)


def _marginals(P: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    return P.sum(axis=1), P.sum(axis=0)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0))


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


# --------------------------------------------------------------------------- matrices


def bayes_matrix(P_xy: Any, *, centred: bool = True, normalize: bool = False) -> np.ndarray:
    """The divergence-transition matrix ``B[x, y] = (P_xy - P_x P_y) / sqrt(P_x P_y)``.

    Args:
        P_xy: joint distribution ``(|X|, |Y|)`` (integer arrays are counts and are normalized).
        centred: subtract ``P_x P_y`` (default); ``False`` gives ``P_xy / sqrt(P_x P_y)``,
            whose top singular value is 1 (singular vectors ``sqrt(P_x)``, ``sqrt(P_y)``).
        normalize: accept float arrays that do not sum to 1 (e.g. float counts).

    Returns:
        ``B``, shape ``(|X|, |Y|)``; entries of symbols with zero marginal are 0.

    Example:
        >>> P = np.array([[0.3, 0.2], [0.1, 0.4]])
        >>> bayes_matrix(P).round(4).tolist()
        [[0.2236, -0.1826], [-0.2236, 0.1826]]
        >>> round(float(np.linalg.svd(bayes_matrix(P, centred=False), compute_uv=False)[0]), 12)
        1.0
    """
    P = _joint(P_xy, normalize=normalize)
    centred = chk.flag("centred", centred)
    px, py = _marginals(P)
    outer = np.outer(px, py)
    root = np.sqrt(outer)
    return _safe_div(P - outer if centred else P, root)


def conditional_mean_matrix(P_xy: Any, values: Any, *, normalize: bool = False) -> np.ndarray:
    """The MMSE target ``M[x] = sqrt(P_x(x)) (E[Y | X = x] - E[Y])`` for numeric ``Y``.

    The best rank-``k`` linear layer ``y_hat = W^T f(x) + b`` has excess mean
    square error ``sum_{i > k} s_i(M)^2`` (reduced-rank regression).

    Args:
        P_xy: joint distribution ``(|X|, |Y|)``.
        values: the value of each ``y``: shape ``(|Y|,)`` or ``(|Y|, m)`` for vector ``Y``.
        normalize: accept float arrays that do not sum to 1.

    Returns:
        ``M``, shape ``(|X|, m)`` (``m = 1`` for scalar values).

    Example:
        >>> P = np.array([[0.25, 0.25], [0.5, 0.0]])
        >>> conditional_mean_matrix(P, [0.0, 1.0]).round(4).tolist()
        [[0.1768], [-0.1768]]
    """
    P = _joint(P_xy, normalize=normalize)
    # an audit: np.asarray(values, float) read ["0", "1"] as numbers, None as a 0-d NaN ("got shape ()") and
    # raised numpy's own words for "abc", naming no argument
    vals = chk._real_array("values", values)
    chk._check_conversion("values", vals, np.float64)
    source, vals = vals, chk.quiet_cast(vals)
    if vals.ndim not in (1, 2) or vals.shape[0] != P.shape[1]:
        raise ValueError(f"values must have shape ({P.shape[1]},) or ({P.shape[1]}, m), got {np.shape(values)}")
    chk.all_finite("values", vals, source)   # (as given: an index for a vector, a row and column for a matrix)
    if vals.ndim == 1:
        vals = vals[:, None]
    px, py = _marginals(P)
    cond = _safe_div(P @ vals, px[:, None])
    return np.asarray(np.sqrt(px)[:, None] * (cond - py @ vals) * (px > 0)[:, None])


def _svd(B: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SVD with a deterministic sign: the largest-magnitude entry of each left vector is positive. Refused past
    ``max_work`` (about ``4 m n min(m, n)`` steps), before numpy starts; LAPACK cannot be interrupted, so the call runs
    through ``limits._interruptible`` and Ctrl-C returns at once."""
    from ..limits import _checked_svd

    m, n = B.shape
    U, s, Vt = _checked_svd(B, f"the SVD of a {m} x {n} matrix", "use a smaller joint (fewer x or y)",
                            full_matrices=False)
    idx = np.argmax(np.abs(U), axis=0)
    sg = np.sign(U[idx, np.arange(U.shape[1])])
    sg[sg == 0] = 1.0
    return U * sg, s, Vt.T * sg


def _entropy_terms(P: np.ndarray) -> Tuple[float, float]:
    """``H(Y|X)`` and ``I(X;Y)`` in nats."""
    px, py = _marginals(P)
    cond = _safe_div(P, px[:, None])
    h_cond = -float(_xlogy(P, cond).sum())
    mi = float(_xlogy(P, _safe_div(P, np.outer(px, py))).sum())
    return h_cond, mi


def softmax_log_loss(P_xy: Any, logits: Any, *, normalize: bool = False) -> float:
    """Expected log-loss ``-sum P_xy[x, y] log softmax(logits[x])[y]`` in nats.

    A logit of ``-inf`` is a class of probability 0 (the bias ``log P_y`` of a class never seen): the loss is
    ``inf`` if ``P_xy`` puts mass there. NaN, ``+inf`` and a row of ``-inf`` throughout (no distribution) are
    refused.

    Example:
        >>> round(softmax_log_loss([[0.5, 0.0], [0.0, 0.5]], np.zeros((2, 2))), 6)
        0.693147
    """
    P = _joint(P_xy, normalize=normalize)
    Z = chk.float_matrix("logits", logits, dtype=np.float64)   # an audit: NaN logits gave a NaN loss, silently
    if Z.shape != P.shape:
        raise ValueError(f"logits must have shape {P.shape}, got {Z.shape}")
    if np.any(np.isnan(Z) | (Z == np.inf)):
        raise ValueError("logits contains NaN or +inf (-inf is allowed: a class of probability 0)")
    dead = np.flatnonzero(np.all(Z == -np.inf, axis=1))
    if dead.size:
        raise ValueError(f"logits row {dead[0]} is -inf throughout: its softmax is no distribution")
    m = Z.max(axis=1, keepdims=True)
    logp = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    # only where P > 0: a logit of -inf (or one that underflows) there gave 0 * -inf, a RuntimeWarning, then masked
    return -float(np.multiply(P, logp, out=np.zeros_like(P), where=P > 0).sum())


#: What a refusal of ``weights`` adds when they are in :class:`LowRankSolution`'s layout, not ``(k, |Y|)``.
_TRANSPOSED_WEIGHTS = " (it is (|Y|, k), the layout of LowRankSolution.weights: pass its transpose, weights.T)"


@dataclass(eq=False)
class LowRankSolution:
    """What :func:`optimal_low_rank` returns.

    Attributes:
        k: the rank.
        singular_values: all singular values of the centred ``B``, descending.
        features: optimal features ``f_i(x) = phi_i(x) / sqrt(P_x(x))``, shape ``(|X|, k)``.
        weights: optimal weights ``v_i(y) = s_i psi_i(y) / sqrt(P_y(y))``, shape ``(|Y|, k)``.
        bias: optimal bias ``b(y) = log P_y(y) - v(y)^T E f(X)``, shape ``(|Y|,)``.
        Phi, Psi: the information matrices ``(|X|, k)`` and ``(|Y|, k)``; ``Phi @ Psi.T`` is ``B_k``.
        residual: ``||B - B_k||_F^2 = sum_{i > k} s_i^2``.
        energy: rank-``k`` energy fraction ``sum_{i <= k} s_i^2 / sum s_i^2``.
        conditional_entropy: ``H(Y|X)``.
        mutual_information: ``I(X;Y)``; ``local_information = 1/2 ||B||_F^2`` approximates it locally.
        predicted_loss: ``H(Y|X) + residual / 2``, the local prediction of the optimal log-loss.
        P_xy: the (normalized) joint.

    The features and weights are determined up to an invertible ``k x k``
    transform (``f -> A f``, ``v -> A^{-T} v``); the SVD fixes one.
    """

    __repr__ = short_repr

    k: int
    singular_values: np.ndarray
    features: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    Phi: np.ndarray
    Psi: np.ndarray
    residual: float
    energy: float
    conditional_entropy: float
    mutual_information: float
    local_information: float
    predicted_loss: float
    P_xy: np.ndarray

    def logits(self) -> np.ndarray:
        """Logits ``f(x)^T v(y) + b(y)`` of the softmax layer built from the solution, shape ``(|X|, |Y|)``."""
        return np.asarray(self.features @ self.weights.T + self.bias)

    def loss(self) -> float:
        """The exact expected log-loss of that layer under ``P_xy`` (compare with ``predicted_loss``)."""
        return softmax_log_loss(self.P_xy, self.logits())


def optimal_low_rank(P_xy: Any, k: int, *, normalize: bool = False, tol: float = 1e-10) -> LowRankSolution:
    """The rank-``k`` optimal features, weights and bias of a softmax layer in the local regime.

    Args:
        P_xy: joint distribution ``(|X|, |Y|)`` (integer arrays are counts).
        k: the feature dimension, ``1 <= k <= rank(B)``.
        normalize: accept float arrays that do not sum to 1.
        tol: singular values ``<= tol`` count as zero for the rank.

    Returns:
        A :class:`LowRankSolution`.

    Raises:
        ValueError: bad ``P_xy``, or ``k`` larger than the rank of ``B``.

    Example:
        >>> P = np.array([[0.2, 0.05, 0.05], [0.05, 0.2, 0.05], [0.05, 0.05, 0.3]])
        >>> sol = optimal_low_rank(P, 1)
        >>> sol.singular_values.round(4).tolist()
        [0.5833, 0.5, 0.0]
        >>> round(sol.residual, 4), round(sol.predicted_loss, 4), round(sol.loss(), 4)
        (0.25, 0.9398, 0.9136)
        >>> optimal_low_rank(P, 3)
        Traceback (most recent call last):
        ...
        ValueError: k = 3 exceeds the rank of the centred matrix B, at most min(|X|, |Y|) - 1 = 2; use k <= 2
        >>> optimal_low_rank(np.outer([0.5, 0.5], [0.25, 0.75]), 1)   # X and Y independent: B = 0
        Traceback (most recent call last):
        ...
        ValueError: k = 1 exceeds the rank 0 of the centred matrix B (singular values [0.0, 0.0])
    """
    P = _joint(P_xy, normalize=normalize)
    k = chk.count("k", k, minimum=1, maximum=2**16)
    max_rank = min(P.shape) - 1   # B sqrt(P_y) = 0 and sqrt(P_x)^T B = 0, as locality_sweep checks it
    if k > max_rank:   # (the bound said here is one a generic joint of this shape accepts)
        raise ValueError(f"k = {k} exceeds the rank of the centred matrix B, at most min(|X|, |Y|) - 1 = {max_rank}; "
                         f"use k <= {max_rank}")
    tol = chk.real("tol", tol, minimum=0.0)
    px, py = _marginals(P)
    B = bayes_matrix(P)
    U, s, V = _svd(B)
    rank = int(np.sum(s > tol))
    if k > rank:
        raise ValueError(f"k = {k} exceeds the rank {rank} of the centred matrix B "
                         f"(singular values {[round(float(t), 4) for t in s]})")
    Phi, Psi = U[:, :k], V[:, :k] * s[:k]
    feats = _safe_div(Phi, np.sqrt(px)[:, None])
    wts = _safe_div(Psi, np.sqrt(py)[:, None])
    ef = px @ feats
    with np.errstate(divide="ignore"):
        bias = np.log(py) - wts @ ef
    h, mi = _entropy_terms(P)
    total = float(np.sum(s**2))
    resid = float(np.sum(s[k:] ** 2))
    return LowRankSolution(k=k, singular_values=s, features=feats, weights=wts, bias=bias, Phi=Phi, Psi=Psi,
                           residual=resid, energy=float(np.sum(s[:k] ** 2) / total) if total > 0 else 1.0,
                           conditional_entropy=h, mutual_information=mi, local_information=0.5 * total,
                           predicted_loss=h + 0.5 * resid, P_xy=P)


# --------------------------------------------------------------------------- locality


@dataclass(frozen=True)
class Locality:
    """What :func:`locality` returns.

    Attributes:
        epsilon: ``max_{x, y} |P(y|x) - P(y)| / sqrt(P(y))``: how far the conditionals
            are from the marginal (0 for independence).
        top_singular: largest singular value of the centred ``B`` (at most 1).
        mutual_information: ``I(X;Y)`` in nats.
        local_information: ``1/2 ||B||_F^2``, its second-order (local) approximation.
        information_ratio: ``local_information / mutual_information`` (-> 1 in the local regime).
        is_local: ``epsilon <= threshold`` (a rule of thumb: the second-order expansion is then trustworthy).
    """

    epsilon: float
    top_singular: float
    mutual_information: float
    local_information: float
    information_ratio: float
    is_local: bool


def locality(P_xy: Any, *, threshold: float = 0.1, normalize: bool = False) -> Locality:
    """How close ``P_xy`` is to independence, the regime where the low-rank theory holds.

    Example:
        >>> loc = locality(np.full((3, 2), 1 / 6) + np.array([[0.01, -0.01], [0, 0], [-0.01, 0.01]]))
        >>> round(loc.epsilon, 4), loc.is_local, round(loc.information_ratio, 3)
        (0.0424, True, 0.999)
    """
    P = _joint(P_xy, normalize=normalize)
    threshold = chk.real("threshold", threshold, minimum=0.0)
    px, py = _marginals(P)
    cond = _safe_div(P, px[:, None])
    dev = _safe_div(np.abs(cond - py[None, :]), np.sqrt(py)[None, :]) * (px > 0)[:, None]
    eps = float(dev.max())
    B = bayes_matrix(P)
    s = np.linalg.svd(B, compute_uv=False)
    _, mi = _entropy_terms(P)
    loc_info = 0.5 * float(np.sum(s**2))
    ratio = loc_info / mi if mi > 0 else 1.0
    return Locality(eps, float(s[0]) if len(s) else 0.0, mi, loc_info, ratio, eps <= threshold)


def local_family(n_x: int, n_y: int, rho: float, *, seed: SeedLike = 0, sharpness: float = 4.0) -> np.ndarray:
    """``P = (1 - rho) P_x P_y + rho A``: a strongly dependent joint ``A`` mixed towards independence.

    ``A`` has entries ``U^sharpness`` (``U`` uniform on ``[0, 1]``) normalized to sum 1,
    and ``P_x P_y`` is the product of its marginals, so the marginals do not
    depend on ``rho`` and ``B`` scales exactly like ``rho``.

    Example:
        >>> P = local_family(4, 3, 0.1, seed=1)
        >>> P.shape, round(float(P.sum()), 12), locality(P).is_local
        ((4, 3), 1.0, True)
    """
    n_x = chk.count("n_x", n_x, minimum=1, maximum=2**20)
    n_y = chk.count("n_y", n_y, minimum=1, maximum=2**20)
    rho = chk.real("rho", rho, minimum=0.0, maximum=1.0)
    sharpness = chk.real("sharpness", sharpness, minimum=0.0, maximum=100.0)
    from ..limits import _check_bytes

    # two n_x x n_y tables at a time: A and the result
    _check_bytes(f"local_family's n_x x n_y = {n_x} x {n_y} joint", 2.0 * 8.0 * n_x * n_y, "use a smaller n_x or n_y")
    A = np.random.default_rng(resolve_seed(seed)).random((n_x, n_y))
    np.power(A, sharpness, out=A)
    if not A.sum() > 0:  # pragma: no cover - needs every draw to underflow
        raise ValueError(f"sharpness = {sharpness} underflows every entry of A; use a smaller sharpness")
    A /= A.sum()
    px, py = _marginals(A)
    P = np.outer(px, py)
    P *= 1 - rho
    A *= rho
    P += A
    return P


# --------------------------------------------------------------------------- samples


def sample_joint(y: Any, n_classes: Optional[int] = None) -> np.ndarray:
    """The joint of the sample version for continuous inputs: each of the ``n`` samples is
    its own input symbol with mass ``1/n``, so ``P[j, y] = 1[y_j = y] / n`` (shape ``(n, |Y|)``).

    Every function of this module then applies to samples: ``bayes_matrix`` has rows
    ``(1/sqrt(n)) (e_{y_j} - P_Y) / sqrt(P_Y)``, and the features of a network are its
    hidden activations on the samples (one row per sample).

    Example:
        >>> sample_joint([0, 2, 2, 1]).tolist()
        [[0.25, 0.0, 0.0], [0.0, 0.0, 0.25], [0.0, 0.0, 0.25], [0.0, 0.25, 0.0]]
    """
    arr = chk._real_array("y", y)   # an audit: ["a"] raised numpy's conversion error, not naming y
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array of class indices, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr.astype(np.float64))) or np.any(arr != np.round(arr)):
            raise ValueError("y must hold integer class indices")
    if arr.min() < 0:
        raise ValueError(f"y must hold class indices >= 0, got {arr.min():g}")
    from ..limits import _check_bytes

    # before allocating, and before casting to int64: a class index of 1e12 asks for terabytes, and one of 1e300
    # overflowed the cast (a RuntimeWarning, then "indices >= 0, got -9223372036854775808")
    top = int(arr.max())   # exact: a whole number, finite
    shown = str(top) if top < 10**15 else f"{top:.3g}"
    _check_bytes(f"sample_joint's {arr.size} x {top + 1 if top < 10**15 else shown} table (the largest class index "
                 f"in y is {shown})", 8.0 * arr.size * (float(top) + 1.0), "use class indices 0 .. k-1")
    arr = arr.astype(np.int64)
    c = int(arr.max()) + 1 if n_classes is None else chk.count("n_classes", n_classes, minimum=int(arr.max()) + 1)
    _check_bytes(f"sample_joint's {arr.size} x {c} table (n_classes = {c})", 8.0 * arr.size * c,
                 "use a smaller n_classes")
    P = np.zeros((arr.size, c))
    P[np.arange(arr.size), arr] = 1.0 / arr.size
    return P


#: The names defined here before the split, and the module that defines each now (:mod:`nnpartition._moved`).
_MOVED = {"h_score": ".fixed_side", "best_weights": ".fixed_side", "best_features": ".fixed_side"}


def __getattr__(name: str) -> Any:
    """The one-side-fixed optima, defined here until the split (PEP 562): imported from where it is
    defined now."""
    return moved(__name__, _MOVED, name)
