"""The hidden-layer analysis of the local theory (seed 4).

A hidden layer ``s2(x) = sigma(W^T s1(x) + c)`` feeding a softmax layer with
weights ``v(y)`` is, near its bias, ``s2 ~ sigma(c) + J W^T (s1 - E s1)`` with
``J = diag(sigma'(c))``. In information-matrix form ``Phi2 = Phi1 W J``, and the
local log-loss ``H(Y|X) + 1/2 |B - Phi1 W J Psi^T|_F^2`` is minimised by

    ``W = (Phi1^T Phi1)^{-1} Phi1^T B Psi (Psi^T Psi)^{-1} J^{-1}``

(the formula of XiangxiangXu/dnn ``exp2.py``, in this package's ``x``-major
orientation). It needs ``J`` invertible, ``sigma'(c_j) != 0`` for every unit:
the non-vanishing-gradient condition, which fails for dead ReLU units. The
analysis refuses to run then, naming the units. A reconstruction (Huang, Xu,
Zheng & Wornell), not confirmed in the seed paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validate as chk
from .matrices import _entropy_terms, _joint, _marginals, bayes_matrix
from .._repr import short_repr

__all__ = ["ACTIVATIONS", "HiddenLayerOptimum", "activation_derivative", "hidden_layer_optimum"]

#: Activations of :func:`hidden_layer_optimum`.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


def activation_derivative(activation: str, c: Any, *, slope: float = 0.01) -> np.ndarray:
    """``sigma'(c)`` elementwise (ReLU: 0 for ``c <= 0``; leaky ReLU: ``slope`` there).

    Example:
        >>> activation_derivative("sigmoid", [0.0]).tolist(), activation_derivative("relu", [-1.0, 2.0]).tolist()
        ([0.25], [0.0, 1.0])
    """
    act = chk.choice("activation", activation, ACTIVATIONS)
    # float_vector refuses strings and None (an audit: a float64 conversion before it read ["0", "1"] as numbers,
    # None as NaN and raised numpy's words for "abc"); it also refuses NaN and infinity
    z = chk.float_vector("c", np.atleast_1d(chk._real_array("c", c)))
    if act == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s * (1.0 - s)
    if act == "tanh":
        return np.asarray(1.0 - np.tanh(z) ** 2)
    if act == "relu":
        return (z > 0).astype(np.float64)
    if act == "leaky_relu":
        a = chk.real("slope", slope, minimum=0.0, maximum=1.0)
        return np.where(z > 0, 1.0, a)
    return np.ones_like(z)


@dataclass(eq=False)
class HiddenLayerOptimum:
    """What :func:`hidden_layer_optimum` returns.

    Attributes:
        W: the locally optimal hidden weights, shape ``(k1, k2)`` (input features by hidden units).
        J: ``sigma'(c)``, shape ``(k2,)``.
        Phi2: the resulting next-layer information matrix ``Phi1 W J``, shape ``(|X|, k2)``.
        residual: ``|B - Phi2 Psi^T|_F^2``; ``predicted_loss``: ``H(Y|X) + residual / 2``.
    """

    __repr__ = short_repr

    W: np.ndarray
    J: np.ndarray
    Phi2: np.ndarray
    residual: float
    predicted_loss: float


def hidden_layer_optimum(P_xy: Any, features: Any, weights: Any, c: Any, *, activation: str = "sigmoid",
                         slope: float = 0.01, normalize: bool = False) -> HiddenLayerOptimum:
    """The locally optimal weights of a hidden layer between fixed input features
    ``s1(x)`` (``features``, shape ``(|X|, k1)``) and fixed softmax weights ``v(y)``
    (``weights``, shape ``(k2, |Y|)``), linearised at the hidden bias ``c`` (shape ``(k2,)``).

    Raises ``ValueError`` naming the units whose ``sigma'(c)`` is zero (dead ReLU
    units): the analysis needs the non-vanishing-gradient condition.

    Example:
        >>> from nnpartition.lowrank import local_family, optimal_low_rank
        >>> P = local_family(6, 4, 0.05, seed=1)
        >>> sol = optimal_low_rank(P, 2)
        >>> h = hidden_layer_optimum(P, np.eye(6), sol.weights.T, np.zeros(2))   # one-hot input, sigmoid units
        >>> round(h.residual, 10) == round(sol.residual, 10)                     # reaches the SVD optimum
        True
        >>> hidden_layer_optimum(P, np.eye(6), sol.weights.T, np.array([0.3, -0.2]), activation="relu")
        Traceback (most recent call last):
        ...
        ValueError: sigma'(c) = 0 for hidden unit(s) [1] (dead relu units): J = diag(sigma'(c)) is singular, so the
        local analysis does not apply (the non-vanishing-gradient condition)
    """
    P = _joint(P_xy, normalize=normalize)
    act = chk.choice("activation", activation, ACTIVATIONS)
    S1 = chk.float_matrix("features", features, dtype=np.float64, finite=True)
    if S1.shape[0] != P.shape[0]:
        raise ValueError(f"features must have one row per x ({P.shape[0]}), got shape {S1.shape}")
    V = chk.float_matrix("weights", weights, dtype=np.float64, finite=True)
    if V.shape[1] != P.shape[1]:
        raise ValueError(f"weights must have shape (k2, |Y|) with |Y| = {P.shape[1]}, got {V.shape}")
    k2 = V.shape[0]
    cc = chk.float_vector("c", c, length=k2)
    J = activation_derivative(act, cc, slope=slope)
    dead = np.flatnonzero(J == 0)
    if dead.size:
        raise ValueError(f"sigma'(c) = 0 for hidden unit(s) {dead.tolist()} (dead {act} units): J = diag(sigma'(c)) "
                         "is singular, so the local analysis does not apply (the non-vanishing-gradient condition)")
    px, py = _marginals(P)
    Phi1 = np.sqrt(px)[:, None] * (S1 - px @ S1)
    Psi = np.sqrt(py)[:, None] * (V.T - py @ V.T)
    B = bayes_matrix(P)
    # least squares on both sides (pseudo-inverses, so rank-deficient features still give the minimum-norm optimum)
    core = np.linalg.pinv(Phi1) @ B @ np.linalg.pinv(Psi).T
    W = core / J[None, :]
    Phi2 = Phi1 @ W * J[None, :]
    resid = float(np.sum((B - Phi2 @ Psi.T) ** 2))
    h, _ = _entropy_terms(P)
    return HiddenLayerOptimum(W=W, J=J, Phi2=Phi2, residual=resid, predicted_loss=h + 0.5 * resid)
