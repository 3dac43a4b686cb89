"""Local low-rank analysis of features and weights (seed 4).

For discrete ``X`` and ``Y`` with joint ``P_xy`` (shape ``(|X|, |Y|)``, rows
indexed by ``x``), a softmax-regression layer ``P(y | x) = softmax(f(x)^T v(y) + b(y))``
on ``k``-dimensional features ``f`` has, in the *local* regime where ``X`` and
``Y`` are nearly independent, expected log-loss

    ``H(Y|X) + 1/2 || B - Phi Psi^T ||_F^2 + o(eps^2)``,

with the centred matrix ``B[x, y] = (P_xy - P_x P_y) / sqrt(P_x P_y)`` and
the information matrices ``Phi[x] = sqrt(P_x) (f(x) - E f)``,
``Psi[y] = sqrt(P_y) (v(y) - E_{P_Y} v)``. The best rank-``k`` features and
weights are therefore the truncated SVD of ``B`` (Eckart-Young). This follows
Huang, Xu, Zheng & Wornell and ``notes/theory.md`` §13; the seed paper's own
statements are a reconstruction.

* :func:`bayes_matrix`, :func:`conditional_mean_matrix` build the targets;
* :func:`optimal_low_rank` gives the rank-``k`` optimum and its predicted loss;
* :func:`locality` says how local (close to independence) a distribution is;
* :func:`train_softmax_layer` fits a ``one-hot -> k linear features -> softmax``
  layer by full-batch Adam in numpy (the project's Rust trainer has a single
  logit output, so it cannot train a softmax layer);
* :func:`compare_layer` measures a trained layer against the SVD solution.

Matrices here are ``x``-major: ``B`` has the shape of ``P_xy`` and ``B ~ Phi Psi^T``.
Losses are in nats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Tuple

import numpy as np

from . import _validate as chk

__all__ = [
    "joint_from_conditional",
    "bayes_matrix",
    "conditional_mean_matrix",
    "optimal_low_rank",
    "LowRankSolution",
    "locality",
    "Locality",
    "softmax_log_loss",
    "train_softmax_layer",
    "SoftmaxLayer",
    "compare_layer",
    "LayerComparison",
    "principal_angles",
    "local_family",
    "locality_sweep",
    "LocalitySweep",
]

_SUM_TOL = 1e-8


# --------------------------------------------------------------------------- validation


def _joint(P: Any, name: str = "P_xy", normalize: bool = False) -> np.ndarray:
    """A joint distribution as float64, checked: 2-D, finite, >= 0, summing to 1.

    Integer arrays are counts and are normalized; float arrays must sum to 1
    unless ``normalize``.
    """
    arr = np.asarray(P)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) \
            or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (|X|, |Y|), got shape {arr.shape}")
    counts = np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_
    P = arr.astype(np.float64)
    if not np.all(np.isfinite(P)):
        raise ValueError(f"{name} contains NaN or infinity")
    if np.any(P < 0):
        i = np.unravel_index(np.argmin(P), P.shape)
        raise ValueError(f"{name} has negative entries (e.g. {P[i]} at {tuple(int(t) for t in i)}); "
                         "probabilities and counts must be >= 0")
    total = P.sum()
    if total <= 0:
        raise ValueError(f"{name} sums to 0; it needs some positive mass")
    if counts or normalize:
        return P / total
    if abs(total - 1.0) > _SUM_TOL:
        raise ValueError(f"{name} sums to {total:.10g}, not 1: pass a joint distribution, integer counts, "
                         "or normalize=True")
    return P / total


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
    C = np.asarray(P_y_given_x, dtype=np.float64)
    if C.ndim != 2:
        raise ValueError(f"P_y_given_x must be 2-D, got shape {C.shape}")
    px = chk.float_vector("P_x", P_x, length=C.shape[0])
    if not np.all(np.isfinite(C)):
        raise ValueError("P_y_given_x contains NaN or infinity")
    if np.any(C < 0) or np.any(px < 0):
        raise ValueError("probabilities must be >= 0 (P_y_given_x and P_x have negative entries)")
    rows = C.sum(axis=1)
    bad = np.nonzero(np.abs(rows - 1.0) > _SUM_TOL)[0]
    if len(bad):
        raise ValueError(f"row {int(bad[0])} of P_y_given_x sums to {rows[bad[0]]:.10g}, not 1")
    if abs(px.sum() - 1.0) > _SUM_TOL:
        raise ValueError(f"P_x sums to {px.sum():.10g}, not 1")
    return px[:, None] * C


def _marginals(P: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    return P.sum(axis=1), P.sum(axis=0)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)


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
    vals = np.asarray(values, dtype=np.float64)
    if vals.ndim == 1:
        vals = vals[:, None]
    if vals.ndim != 2 or vals.shape[0] != P.shape[1]:
        raise ValueError(f"values must have shape ({P.shape[1]},) or ({P.shape[1]}, m), got {np.shape(values)}")
    if not np.all(np.isfinite(vals)):
        raise ValueError("values contains NaN or infinity")
    px, py = _marginals(P)
    cond = _safe_div(P @ vals, px[:, None])
    return np.sqrt(px)[:, None] * (cond - py @ vals) * (px > 0)[:, None]


def _svd(B: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SVD with a deterministic sign: the largest-magnitude entry of each left vector is positive."""
    U, s, Vt = np.linalg.svd(B, full_matrices=False)
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

    Example:
        >>> round(softmax_log_loss([[0.5, 0.0], [0.0, 0.5]], np.zeros((2, 2))), 6)
        0.693147
    """
    P = _joint(P_xy, normalize=normalize)
    Z = np.asarray(logits, dtype=np.float64)
    if Z.shape != P.shape:
        raise ValueError(f"logits must have shape {P.shape}, got {Z.shape}")
    m = Z.max(axis=1, keepdims=True)
    logp = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -float(np.where(P > 0, P * logp, 0.0).sum())


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
        return self.features @ self.weights.T + self.bias

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
        ValueError: k = 3 exceeds the rank 2 of the centred matrix B (singular values [0.5833, 0.5, 0.0])
    """
    P = _joint(P_xy, normalize=normalize)
    k = chk.count("k", k, minimum=1, maximum=min(P.shape))
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


def local_family(n_x: int, n_y: int, rho: float, *, seed: int = 0, sharpness: float = 4.0) -> np.ndarray:
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
    sharpness = chk.real("sharpness", sharpness, minimum=0.0)
    A = np.random.default_rng(chk.seed(seed)).random((n_x, n_y)) ** sharpness
    A /= A.sum()
    px, py = _marginals(A)
    return (1 - rho) * np.outer(px, py) + rho * A


# --------------------------------------------------------------------------- trained layers


@dataclass(eq=False)
class SoftmaxLayer:
    """What :func:`train_softmax_layer` returns: logits ``features[x] @ weights + bias``.

    Attributes:
        features: learned ``f(x)``, shape ``(|X|, k)`` (the first layer's weights on one-hot inputs).
        weights: softmax weights, shape ``(k, |Y|)``.
        bias: softmax bias, shape ``(|Y|,)``.
        loss_history: training log-loss every 100 steps and at the end.
    """

    features: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    loss_history: np.ndarray

    def logits(self) -> np.ndarray:
        """Logits, shape ``(|X|, |Y|)``."""
        return self.features @ self.weights + self.bias


def train_softmax_layer(
    P_xy: Any, k: int, *, steps: int = 3000, lr: float = 0.05, init_scale: float = 0.01, seed: int = 0,
    normalize: bool = False,
) -> SoftmaxLayer:
    """Fit ``one-hot x -> k linear features -> softmax over y`` to a joint (or empirical counts).

    Full-batch Adam (``beta = (0.9, 0.999)``, step ``lr`` cosine-annealed to
    ``lr / 100``) on the expected log-loss under ``P_xy``: with counts of ``n``
    samples this is exactly full-batch training on those samples. Written in
    numpy: the project's Rust trainer has a single logit output.

    Args:
        P_xy: joint ``(|X|, |Y|)`` or integer counts (e.g. of sampled pairs).
        k: feature dimension.
        steps, lr: Adam steps and initial step size.
        init_scale: standard deviation of the initial features and weights.
        seed: seed of the initialization.
        normalize: accept float arrays that do not sum to 1.

    Returns:
        A :class:`SoftmaxLayer`.

    Example:
        In the local regime the trained layer matches the SVD solution:

        >>> P = local_family(6, 4, 0.02, seed=0)
        >>> layer = train_softmax_layer(P, 2, steps=1500)
        >>> c = compare_layer(P, layer.features, layer.weights, layer.bias)
        >>> bool(c.angles_features.max() < 3), bool(abs(c.observed_loss - c.svd_loss) < 1e-6)
        (True, True)
    """
    P = _joint(P_xy, normalize=normalize)
    k = chk.count("k", k, minimum=1, maximum=2**16)
    steps = chk.count("steps", steps, minimum=1, maximum=2**32)
    lr = chk.real("lr", lr, minimum=0.0, open_min=True)
    init_scale = chk.real("init_scale", init_scale, minimum=0.0)
    rng = np.random.default_rng(chk.seed(seed))
    nx, ny = P.shape
    px, py = _marginals(P)
    F = rng.standard_normal((nx, k)) * init_scale
    W = rng.standard_normal((k, ny)) * init_scale
    with np.errstate(divide="ignore"):
        b = np.where(py > 0, np.log(np.maximum(py, 1e-300)), -30.0)
    params = [F, W, b]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-12
    hist = []
    for t in range(1, steps + 1):
        Z = F @ W + b
        Z -= Z.max(axis=1, keepdims=True)
        S = np.exp(Z)
        S /= S.sum(axis=1, keepdims=True)
        if t % 100 == 1 or t == steps:
            hist.append(-float(np.where(P > 0, P * np.log(np.maximum(S, 1e-300)), 0.0).sum()))
        G = px[:, None] * S - P  # d loss / d logits
        grads = [G @ W.T, F.T @ G, G.sum(axis=0)]
        a = lr * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * (t - 1) / max(steps - 1, 1))))
        for p, g, u, w2 in zip(params, grads, m1, m2):
            u *= b1
            u += (1 - b1) * g
            w2 *= b2
            w2 += (1 - b2) * g * g
            p -= a * (u / (1 - b1**t)) / (np.sqrt(w2 / (1 - b2**t)) + eps)
    return SoftmaxLayer(features=F, weights=W, bias=b, loss_history=np.array(hist))


def principal_angles(A: Any, B: Any, *, tol: float = 1e-10) -> np.ndarray:
    """Principal angles in degrees (ascending) between the column spans of ``A`` and ``B``.

    Columns are orthonormalized by SVD, dropping directions with singular value
    ``<= tol`` times the largest; there are ``min(rank A, rank B)`` angles.

    Example:
        >>> principal_angles([[1.0], [0.0]], [[1.0], [1.0]]).round(6).tolist()
        [45.0]
    """
    def basis(M: Any, name: str) -> np.ndarray:
        Mc = chk.float_matrix(name, M, dtype=np.float64)
        if not np.all(np.isfinite(Mc)):
            raise ValueError(f"{name} contains NaN or infinity")
        U, s, _ = np.linalg.svd(Mc, full_matrices=False)
        if len(s) == 0 or s[0] == 0:
            return U[:, :0]
        return U[:, s > tol * s[0]]

    Qa, Qb = basis(A, "A"), basis(B, "B")
    if Qa.shape[0] != Qb.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {Qa.shape[0]} and {Qb.shape[0]}")
    if Qa.shape[1] < Qb.shape[1]:
        Qa, Qb = Qb, Qa
    if Qb.shape[1] == 0:
        return np.zeros(0)
    # Cosines lose precision for small angles: take those from the sines (Bjorck & Golub).
    c = np.sort(np.clip(np.linalg.svd(Qa.T @ Qb, compute_uv=False), 0.0, 1.0))[::-1]
    sn = np.sort(np.clip(np.linalg.svd(Qb - Qa @ (Qa.T @ Qb), compute_uv=False), 0.0, 1.0))
    ang = np.where(sn < np.sqrt(0.5), np.arcsin(sn), np.arccos(c))
    return np.degrees(ang)


@dataclass(eq=False)
class LayerComparison:
    """What :func:`compare_layer` returns.

    Attributes:
        k: feature dimension of the layer; k_ref: rank of the SVD solution compared (``min(k, rank B)``).
        angles_features: principal angles (degrees) between ``span(Phi)`` of the layer and the top-``k_ref``
            left singular vectors of ``B``.
        angles_weights: the same for ``span(Psi)`` and the right singular vectors.
        relative_error: ``||Phi Psi^T - B_k||_F / ||B_k||_F``.
        observed_loss: exact expected log-loss of the layer under ``P_xy``.
        predicted_loss: the local prediction ``H(Y|X) + 1/2 ||B - Phi Psi^T||_F^2`` for the layer.
        optimal_predicted_loss: ``H(Y|X) + 1/2 sum_{i > k} s_i^2`` (the SVD optimum, local prediction).
        svd_loss: exact expected log-loss of the SVD solution's layer.
        locality: :class:`Locality` of ``P_xy``.
    """

    k: int
    k_ref: int
    angles_features: np.ndarray
    angles_weights: np.ndarray
    relative_error: float
    observed_loss: float
    predicted_loss: float
    optimal_predicted_loss: float
    svd_loss: float
    locality: Locality

    def summary(self) -> str:
        """A one-line human-readable summary."""
        af = self.angles_features.max() if len(self.angles_features) else float("nan")
        aw = self.angles_weights.max() if len(self.angles_weights) else float("nan")
        return (f"eps {self.locality.epsilon:.3g}: max principal angle {af:.3g} deg (features), {aw:.3g} deg (weights); "
                f"relative error {self.relative_error:.3g}; loss observed {self.observed_loss:.6f} vs "
                f"predicted {self.predicted_loss:.6f}")


def compare_layer(P_xy: Any, features: Any, weights: Any, bias: Any = None, *, normalize: bool = False,
                  tol: float = 1e-10) -> LayerComparison:
    """Compare a trained softmax-regression layer with the SVD solution of ``B``.

    The layer computes ``logits[x] = features[x] @ weights + bias`` (e.g. a
    :class:`SoftmaxLayer`, or the last hidden layer's outputs on each input
    symbol and the output layer of any network).

    Args:
        P_xy: the joint the comparison is made under (e.g. the empirical joint of the training samples).
        features: ``f(x)``, shape ``(|X|, k)``.
        weights: shape ``(k, |Y|)``.
        bias: shape ``(|Y|,)``; default ``log P_y - weights^T E f`` (the local optimum).
        normalize: accept float arrays that do not sum to 1.
        tol: rank tolerance for the singular values of ``B``.

    Returns:
        A :class:`LayerComparison`.

    Example:
        The SVD solution itself has zero angles and error:

        >>> P = local_family(5, 4, 0.1, seed=2)
        >>> sol = optimal_low_rank(P, 2)
        >>> c = compare_layer(P, sol.features, sol.weights.T, sol.bias)
        >>> c.angles_features.round(6).tolist(), round(c.relative_error, 12), c.observed_loss == sol.loss()
        ([0.0, 0.0], 0.0, True)
    """
    P = _joint(P_xy, normalize=normalize)
    nx, ny = P.shape
    F = chk.float_matrix("features", features, dtype=np.float64)
    if F.shape[0] != nx:
        raise ValueError(f"features must have one row per x ({nx}), got shape {F.shape}")
    k = F.shape[1]
    W = chk.float_matrix("weights", weights, dtype=np.float64)
    if W.shape != (k, ny):
        raise ValueError(f"weights must have shape (k, |Y|) = ({k}, {ny}), got {W.shape}")
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(W))):
        raise ValueError("features and weights must be finite")
    px, py = _marginals(P)
    ef = px @ F
    if bias is None:
        with np.errstate(divide="ignore"):
            b = np.where(py > 0, np.log(np.maximum(py, 1e-300)), -30.0) - W.T @ ef
    else:
        b = chk.float_vector("bias", bias, length=ny)
    Phi = np.sqrt(px)[:, None] * (F - ef)
    Psi = np.sqrt(py)[:, None] * (W.T - py @ W.T)
    B = bayes_matrix(P)
    U, s, V = _svd(B)
    rank = int(np.sum(s > tol))
    k_ref = min(k, rank)
    Bk = (U[:, :k_ref] * s[:k_ref]) @ V[:, :k_ref].T
    prod = Phi @ Psi.T
    nb = np.linalg.norm(Bk)
    rel = float(np.linalg.norm(prod - Bk) / nb) if nb > 0 else float(np.linalg.norm(prod))
    h, _ = _entropy_terms(P)
    if k_ref > 0:
        ang_f = principal_angles(Phi, U[:, :k_ref], tol=tol)
        ang_w = principal_angles(Psi, V[:, :k_ref], tol=tol)
    else:
        ang_f = ang_w = np.zeros(0)
    ref = optimal_low_rank(P, k_ref, tol=tol) if k_ref > 0 else None
    return LayerComparison(
        k=k, k_ref=k_ref, angles_features=ang_f, angles_weights=ang_w, relative_error=rel,
        observed_loss=softmax_log_loss(P, F @ W + b), predicted_loss=h + 0.5 * float(np.sum((B - prod) ** 2)),
        optimal_predicted_loss=h + 0.5 * float(np.sum(s[k_ref:] ** 2)),
        svd_loss=ref.loss() if ref is not None else softmax_log_loss(P, np.tile(np.log(np.maximum(py, 1e-300)), (nx, 1))),
        locality=locality(P))


@dataclass(eq=False)
class LocalitySweep:
    """What :func:`locality_sweep` returns; one entry per mixing weight ``rho``.

    Attributes:
        rho: mixing weights towards the dependent joint (``rho -> 0`` is independence).
        comparisons: the :class:`LayerComparison` of the trained layer at each ``rho``.
        n_x, n_y, k, samples, steps, seed: the settings (``samples = 0``: trained on the exact joint).
    """

    rho: np.ndarray
    comparisons: list
    n_x: int
    n_y: int
    k: int
    samples: int
    steps: int
    seed: int

    @property
    def epsilon(self) -> np.ndarray:
        """Locality ``epsilon`` of the joint each layer was compared under."""
        return np.array([c.locality.epsilon for c in self.comparisons])

    @property
    def max_angle_features(self) -> np.ndarray:
        """Largest principal angle (degrees) between learned and SVD features, per ``rho``."""
        return np.array([c.angles_features.max() for c in self.comparisons])

    @property
    def max_angle_weights(self) -> np.ndarray:
        """Largest principal angle (degrees) between learned and SVD weights, per ``rho``."""
        return np.array([c.angles_weights.max() for c in self.comparisons])

    @property
    def relative_error(self) -> np.ndarray:
        """``||Phi Psi^T - B_k||_F / ||B_k||_F`` per ``rho``."""
        return np.array([c.relative_error for c in self.comparisons])

    @property
    def loss_gap(self) -> np.ndarray:
        """``|observed - predicted|`` log-loss of the trained layer per ``rho``."""
        return np.array([abs(c.observed_loss - c.predicted_loss) for c in self.comparisons])


def locality_sweep(
    rhos: Any, *, n_x: int = 8, n_y: int = 6, k: int = 2, samples: int = 100_000, steps: int = 3000,
    seed: int = 0,
) -> LocalitySweep:
    """Train a softmax layer on joints of growing locality and compare it with the SVD solution.

    For each ``rho``: the joint ``local_family(n_x, n_y, rho, seed=seed)``;
    ``samples`` pairs drawn from it (their counts are the empirical joint;
    ``samples = 0`` uses the exact joint); a layer trained on that joint by
    :func:`train_softmax_layer`; and :func:`compare_layer` under the same joint.

    Example:
        >>> sw = locality_sweep([0.5, 0.05], n_x=5, n_y=4, k=1, samples=0, steps=800)
        >>> bool(sw.max_angle_features[1] < sw.max_angle_features[0]), bool(sw.epsilon[1] < sw.epsilon[0])
        (True, True)
    """
    r = np.atleast_1d(np.asarray(rhos, dtype=np.float64))
    if r.ndim != 1 or len(r) == 0:
        raise ValueError("rhos must be a non-empty list of mixing weights in [0, 1]")
    samples = chk.count("samples", samples, minimum=0, maximum=2**40)
    seed = chk.seed(seed)
    rng = np.random.default_rng(seed)
    comps = []
    for rho in r:
        P = local_family(n_x, n_y, float(rho), seed=seed)
        if samples:
            P = rng.multinomial(samples, P.ravel()).reshape(P.shape)
        layer = train_softmax_layer(P, k, steps=steps, seed=seed)
        comps.append(compare_layer(P, layer.features, layer.weights, layer.bias))
    return LocalitySweep(r, comps, n_x, n_y, k, samples, steps, seed)
