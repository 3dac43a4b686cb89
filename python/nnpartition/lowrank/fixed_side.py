"""The local optimum with one side fixed (seed 4): the H-score of fixed features, the best softmax weights for fixed
features and the best features for fixed weights. Its names stay importable from :mod:`.matrices`
(:mod:`nnpartition._moved`)."""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from .. import _validate as chk
from .._stats import binary_units
from .matrices import _TRANSPOSED_WEIGHTS, _joint, _marginals, _safe_div
from .matrices import local_family, optimal_low_rank  # noqa: F401 - the docstring examples'

__all__ = ["h_score", "best_weights", "best_features"]


def _centred_features(P: np.ndarray, features: Any,
                      name: str = "features") -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``((f - E f) / unit, Lambda_f / unit^2, E f / unit, unit)`` under ``P_x``, each column in its own unit: a power
    of two near its centred values' largest, so that the covariance is of order 1 (an exact rescaling; every answer
    here is invariant under it, or scales back by ``unit``). A review (fifty-ninth pass) found features of ``2^600``
    overflowing the covariance (a RuntimeWarning, then NaN) and features of ``2^-600`` refused as "singular (rank
    0)": their covariance, about ``2^-1200``, underflowed to 0. Refuses features whose covariance is singular."""
    F = chk.float_matrix(name, features, dtype=np.float64, finite=True)
    if F.shape[0] != P.shape[0]:
        raise ValueError(f"{name} must have one row per x ({P.shape[0]}), got shape {F.shape}")
    px, _ = _marginals(P)
    # two exact steps: the columns' largest |value| to about 1 (so that the mean cannot overflow), then the centred
    # columns' largest to about 1 (features far from 0 that vary little)
    first = binary_units(np.abs(F).max(axis=0, initial=0.0))
    Fu = F / first
    mean = px @ Fu
    Fc = Fu - mean
    second = binary_units(np.abs(Fc).max(axis=0, initial=0.0))
    Fc = Fc / second
    lam = (Fc * px[:, None]).T @ Fc
    if np.linalg.matrix_rank(lam) < F.shape[1]:
        raise ValueError(f"the covariance of {name} under P_x is singular (rank {np.linalg.matrix_rank(lam)} < "
                         f"{F.shape[1]}): drop linearly dependent or constant features")
    return Fc, lam, mean / second, first * second


def _in_units(V: np.ndarray, unit: np.ndarray, name: str, what: str) -> np.ndarray:
    """``V`` (one row per column of the features in their ``unit``) for the features as given: ``V / unit``,
    refused when that is beyond float64 (features of about ``2^-1000`` need weights of about ``2^1000``)."""
    with np.errstate(over="ignore"):
        out = V / unit[:, None]
    if not np.all(np.isfinite(out)):
        raise ValueError(f"the {what} for these {name} are beyond float64's largest value ({name} as small as "
                         f"{float(np.min(unit)):.3g} in their centred spread): multiply {name} by a power of two")
    return np.asarray(out)


def h_score(P_xy: Any, features: Any, *, normalization: str = "half", normalize: bool = False) -> float:
    """The H-score of features ``f`` (shape ``(|X|, k)``) for predicting ``Y``.

    ``normalization="half"`` (default, Huang, Xu, Zheng & Wornell; XiangxiangXu/dnn ``h_score``):
    ``H(f) = 1/2 E_Y[(E[f|Y] - E f)^T Lambda_f^{-1} (E[f|Y] - E f)]``, the local log-loss
    reduction that the best softmax weights for ``f`` achieve, ``1/2 |B Phi (Phi^T Phi)^(-1/2)|_F^2``;
    features spanning the top-``k`` singular directions of ``B`` reach ``1/2 sum_{i<=k} s_i^2``.
    ``normalization="trace"`` (Transfer-Learning-Library ``hscore``): ``tr(Lambda_f^{-1} cov(E[f|Y]))``,
    twice the former. Invariant under invertible affine transforms of ``f``.

    Example:
        >>> P = np.array([[0.2, 0.05, 0.05], [0.05, 0.2, 0.05], [0.05, 0.05, 0.3]])
        >>> sol = optimal_low_rank(P, 1)
        >>> round(h_score(P, sol.features), 6), round(float(0.5 * sol.singular_values[0] ** 2), 6)
        (0.170139, 0.170139)
        >>> round(h_score(P, 3 * sol.features + 1, normalization="trace"), 6)
        0.340278
    """
    P = _joint(P_xy, normalize=normalize)
    norm = chk.choice("normalization", normalization, ("half", "trace"))
    Fc, lam, _, _ = _centred_features(P, features)   # in units: the H-score is invariant under them
    _, py = _marginals(P)
    cond = _safe_div(P.T @ Fc, py[:, None])          # E[f|Y=y] - E f, shape (|Y|, k)
    h = 0.5 * float(np.sum(py * np.einsum("yi,yi->y", cond, np.linalg.solve(lam, cond.T).T)))
    return h if norm == "half" else 2.0 * h


def best_weights(P_xy: Any, features: Any, *, normalize: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """The locally optimal softmax weights and bias for *fixed* features ``f`` (shape ``(|X|, k)``):
    ``v(y) = Lambda_f^{-1} (E[f|Y=y] - E f)`` and ``b(y) = log P_y(y) - v(y)^T E f``, i.e.
    ``Psi = B Phi (Phi^T Phi)^{-1}`` (least squares in ``|B - Phi Psi^T|_F``).

    Returns ``(weights (k, |Y|), bias (|Y|,))``, the layout of :func:`compare_layer`.

    Example:
        >>> P = local_family(5, 4, 0.1, seed=2)
        >>> sol = optimal_low_rank(P, 2)
        >>> W, b = best_weights(P, sol.features)      # the SVD features give back the SVD weights
        >>> bool(np.allclose(W, sol.weights.T)), bool(np.allclose(b, sol.bias))
        (True, True)
    """
    P = _joint(P_xy, normalize=normalize)
    Fc, lam, mean, unit = _centred_features(P, features)
    _, py = _marginals(P)
    cond = _safe_div(P.T @ Fc, py[:, None])
    V = np.linalg.solve(lam, cond.T)                    # (k, |Y|), for the features in their units
    with np.errstate(divide="ignore"):
        b = np.where(py > 0, np.log(np.maximum(py, 1e-300)), -np.inf) - V.T @ mean
    return _in_units(V, unit, "features", "weights"), b


def best_features(P_xy: Any, weights: Any, *, normalize: bool = False) -> np.ndarray:
    """The locally optimal features for *fixed* softmax weights ``v`` (shape ``(k, |Y|)``):
    ``f(x) = Lambda_v^{-1} (E[v(Y)|X=x] - E v(Y))`` with ``Lambda_v = Cov_{P_Y} v(Y)``. Returns ``(|X|, k)``,
    centred under ``P_x`` (least squares ``Phi = B Psi (Psi^T Psi)^{-1}`` in ``|B - Phi Psi^T|_F``).

    Example:
        >>> P = local_family(5, 4, 0.1, seed=2)
        >>> sol = optimal_low_rank(P, 2)
        >>> bool(np.allclose(best_features(P, sol.weights.T), sol.features))
        True
    """
    P = _joint(P_xy, normalize=normalize)
    # (checked here, in the layout given: _centred_features reads W.T and would name the entry of the transpose)
    W = chk.float_matrix("weights", weights, dtype=np.float64, finite=True)
    if W.shape[1] != P.shape[1]:
        hint = _TRANSPOSED_WEIGHTS if W.shape[0] == P.shape[1] else ""
        raise ValueError(f"weights must have shape (k, |Y|) with |Y| = {P.shape[1]}, got {W.shape}{hint}")
    Vc, lam, _, unit = _centred_features(P.T, W.T, "weights")
    px, _ = _marginals(P)
    cond = _safe_div(P @ Vc, px[:, None])               # E[v|X=x] - E v, (|X|, k), for v in its units
    return np.asarray(_in_units(np.linalg.solve(lam, cond.T), unit, "weights", "features").T)
