"""Training accuracy from ``(d, N, L)`` without training.

The target is the reference-protocol training accuracy (``real_accuracy``:
inputs uniform in ``[-1, 1]^d`` or Gaussian, fair-coin labels, a ``d -> L -> 1``
ReLU network trained by full-batch Adam for 4000 steps, best accuracy seen,
best of 2 restarts, mean over datasets). See ``docs/theory.md`` for the model,
its constants and its validation against real training.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from . import _core
from . import _validate as v
from .simulation import simulate_partition, summarize

__all__ = ["AccuracyEstimate", "estimate_accuracy", "accuracy_ceiling", "model_constants"]

ArrayOrFloat = Union[float, np.ndarray]
_DISTS = _core.CHOICES["dist"]
_ALIASES = _core.ALIASES["dist"]


@dataclass(frozen=True)
class AccuracyEstimate:
    """An estimate of the training accuracy a network reaches on random labels.

    Attributes:
        accuracy: the estimate (float, or an array when the inputs were arrays).
        low, high: a band meant to contain the real accuracy for at least 90% of
            configurations (checked on held-out configurations, see ``docs/theory.md``).
        ceiling: the best accuracy any network of this size could reach on such
            data (expected over random labels): exact for ``d = 1`` (sign-change
            dynamic programme), a counting upper bound for ``d > 1``; ``nan`` when
            not computed (``ceiling=False``).
        method: ``"analytic"`` or ``"monte_carlo"``.
        details: the model's intermediate quantities (effective dimension, load, ...).
    """

    accuracy: ArrayOrFloat
    low: ArrayOrFloat
    high: ArrayOrFloat
    ceiling: ArrayOrFloat
    method: str
    details: Dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (arrays become lists)."""
        conv = lambda x: x.tolist() if isinstance(x, np.ndarray) else x  # noqa: E731
        return {"accuracy": conv(self.accuracy), "low": conv(self.low), "high": conv(self.high),
                "ceiling": conv(self.ceiling), "method": self.method,
                "details": {k: conv(x) for k, x in self.details.items()}}


def model_constants() -> Dict[str, float]:
    """The analytic model's constants (fitted ones and fixed ones), by name.

    Example:
        >>> c = model_constants()
        >>> c["q"], sorted(c)[:4]
        (0.5, ['c', 'c2', 'gamma', 'kappa'])
    """
    return dict(_core.estimator_params())


@functools.lru_cache(maxsize=4096)
def _ceiling_one(d: int, N: int, widths: tuple) -> float:
    if d == 1 and len(widths) == 1:
        k = widths[0] + 1  # L ReLU units: at most L + 1 sign changes along the line
        work = N * (k + 1)
        labelings = int(min(400, max(32, 4e7 // max(work, 1))))
        return float(_core.d1_ceiling(N, k, labelings, 0)[0])
    return float(_core.counting_ceiling(d, N, list(widths)))


def accuracy_ceiling(d: int, N: int, L: Optional[int] = None, *, widths: Optional[Sequence[int]] = None) -> float:
    """Best expected training accuracy any ReLU network of this size can reach on ``N`` random labels.

    ``d = 1`` with one hidden layer: exact dynamic programme over the at most
    ``L + 1`` sign changes a ReLU network's output can make along the line,
    averaged over random labelings (standard error below 0.003). ``d > 1``
    (or deeper networks): a union bound over the dichotomies the network can
    realise, ``[Cov(N, d+1)]^L * Cov(N, L(d+1)+1)``.

    Example:
        >>> round(accuracy_ceiling(1, 100, 15), 2)   # 16 sign changes on 100 points
        0.82
        >>> accuracy_ceiling(10, 50, 8)
        1.0
    """
    d = v.count("d", d, minimum=1, maximum=10**9)
    N = v.count("N", N, minimum=1, maximum=10**9)
    ws = _widths(L, widths)
    return _ceiling_one(d, N, ws)


def _widths(L: Any, widths: Any) -> tuple:
    if (L is None) == (widths is None):
        raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
    if L is not None:
        return (v.count("L", L, minimum=1, maximum=10**9),)
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of positive integers, got {widths!r}")
    ws = tuple(v.count(f"widths[{i}]", w, minimum=1, maximum=10**9) for i, w in enumerate(widths))
    if not ws:
        raise ValueError("widths must name at least one hidden layer")
    return ws


def _int_array(name: str, x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must be integers (or an integer array), got {arr.dtype} {x!r}")
    if np.any(arr < 1) or np.any(arr > 10**9):
        raise ValueError(f"{name} must be >= 1 and <= 1e9, got {arr.min() if arr.size else arr}")
    return arr.astype(np.float64)


def estimate_accuracy(d: Any, N: Any, L: Any = None, *, widths: Optional[Sequence[int]] = None,
                      dist: str = "uniform", method: str = "analytic", ceiling: bool = True,
                      trials: int = 200, seed: int = 0, progress: bool = False) -> AccuracyEstimate:
    """Estimate the training accuracy of a ReLU network on ``N`` random two-class points in ``R^d``.

    The target is the reference-protocol accuracy measured by
    :func:`nnpartition.real_accuracy` (mean over datasets of the best accuracy
    of full-batch Adam training, best of 2 restarts).

    Args:
        d: input dimension (int or integer array).
        N: number of training points (int or integer array; broadcast with ``d`` and ``L``).
        L: hidden ReLU units of a two-layer network (int or integer array).
        widths: instead of ``L``, the hidden widths ``[L1, L2, ...]`` of a deeper
            ReLU network (``d`` and ``N`` then scalars).
        dist: ``"uniform"`` or ``"gaussian"``; the analytic model is the same for
            both (validated on both), the Monte Carlo method draws points from it.
        method: ``"analytic"`` (closed form, microseconds) or ``"monte_carlo"``
            (measures the partition that ``L`` initial neurons cut on ``trials``
            random datasets with the Rust core; its band is a 95% CI of the mean
            widened by the analytic model's uncertainty).
        ceiling: also compute the accuracy ceiling (see :func:`accuracy_ceiling`).
        trials, seed, progress: Monte Carlo settings.

    Returns:
        :class:`AccuracyEstimate`.

    Example:
        >>> e = estimate_accuracy(10, 1000, 50)
        >>> 0.9 < e.accuracy <= 1.0 and e.low <= e.accuracy <= e.high <= e.ceiling
        True
        >>> acc = estimate_accuracy(2, 1000, [4, 16, 64]).accuracy   # arrays broadcast
        >>> acc.shape, bool(acc[0] < acc[1] < acc[2])
        ((3,), True)
        >>> round(estimate_accuracy(100, 50, 8).accuracy, 3)   # N <= d + 1: everything fits ...
        0.999
        >>> estimate_accuracy(100, 50, 8).ceiling          # ... but for the 0.1% all-off dead zone
        1.0
    """
    dist = v.choice("dist", dist, _DISTS, _ALIASES)
    method = v.choice("method", method, ("analytic", "monte_carlo"))
    if not isinstance(ceiling, bool):
        raise TypeError(f"ceiling must be a bool, got {ceiling!r}")
    if widths is not None:
        if L is not None:
            raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
        return _estimate_deep(d, N, _widths(None, widths), dist, method, ceiling)
    if L is None:
        raise ValueError("give L (hidden units of a two-layer network) or widths=[L1, L2, ...]")
    if method == "monte_carlo":
        return _estimate_mc(v.count("d", d, minimum=1, maximum=10**6), v.count("N", N, minimum=1, maximum=10**8),
                            v.count("L", L, minimum=1, maximum=10**6), dist, ceiling, trials, seed, progress)
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in (d, N, L)):
        return _estimate_scalar(v.count("d", d, minimum=1, maximum=10**9), v.count("N", N, minimum=1, maximum=10**9),
                                (v.count("L", L, minimum=1, maximum=10**9),), dist, ceiling)
    da, na, la = np.broadcast_arrays(_int_array("d", d), _int_array("N", N), _int_array("L", L))
    shape = da.shape
    cols = _core.estimate_analytic(da.ravel().copy(), na.ravel().copy(), la.ravel().copy())
    acc, low, high, p_eff, k_sat, k_eff, alpha = (c.reshape(shape) for c in cols)
    if ceiling:
        ceil = np.array([_ceiling_one(int(a), int(b), (int(c),)) for a, b, c in
                         zip(da.ravel(), na.ravel(), la.ravel())]).reshape(shape)
        acc, low, high = np.minimum(acc, ceil), np.minimum(low, ceil), np.minimum(high, ceil)
    else:
        ceil = np.full(shape, np.nan)
    details = {"p_eff": p_eff, "k_sat": k_sat, "k_eff": k_eff, "load": alpha, "dist": dist}
    if da.ndim == 0:  # 0-d arrays in, floats out
        details = {k: (float(x) if isinstance(x, np.ndarray) else x) for k, x in details.items()}
        return AccuracyEstimate(float(acc), float(low), float(high), float(ceil), "analytic", details)
    return AccuracyEstimate(acc, low, high, ceil, "analytic", details)


def _estimate_scalar(d: int, N: int, ws: tuple, dist: str, ceiling: bool) -> AccuracyEstimate:
    """One configuration (any depth): a single native call, no arrays."""
    acc, low, high, p_eff, k_sat, k_eff, alpha = _core.estimate_one(float(d), float(N), [float(w) for w in ws])
    ceil = _ceiling_one(d, N, ws) if ceiling else float("nan")
    if ceiling:
        acc, low, high = min(acc, ceil), min(low, ceil), min(high, ceil)
    details = {"p_eff": p_eff, "k_sat": k_sat, "k_eff": k_eff, "load": alpha, "dist": dist}
    if len(ws) > 1:
        details["widths"] = list(ws)
    return AccuracyEstimate(acc, low, high, ceil, "analytic", details)


def _estimate_deep(d: Any, N: Any, ws: tuple, dist: str, method: str, ceiling: bool) -> AccuracyEstimate:
    if method != "analytic":
        raise ValueError("method='monte_carlo' supports one hidden layer (L); use method='analytic' for widths")
    return _estimate_scalar(v.count("d", d, minimum=1, maximum=10**9), v.count("N", N, minimum=1, maximum=10**9),
                            ws, dist, ceiling)


def _estimate_mc(d: int, N: int, L: int, dist: str, ceiling: bool, trials: int, seed: int,
                 progress: bool) -> AccuracyEstimate:
    sim = simulate_partition(d, N, L, trials=trials, dist=dist, seed=seed, progress=progress)
    const = model_constants()
    # Gated-linear degrees of freedom on the sampled partitions: at most
    # sum_regions min(points, d + 1) (each region is one affine piece), and at
    # most 1 + L min(d + 1, qN); training uses the fraction d / (d + r) of a unit's.
    eff = d / (d + const["r"])
    dof = np.minimum(sim.capped_occupancy.astype(np.float64), 1.0 + L * min(d + 1.0, const["q"] * N)) * eff + (1 - eff)
    acc_t, low_t, high_t, p_eff, k_sat, k_eff, alpha = _core.estimate_from_dof(float(d), float(N), float(L), dof)
    s = summarize(acc_t)
    acc = s.mean
    low = min(s.ci_low, float(np.mean(low_t)))
    high = max(s.ci_high, float(np.mean(high_t)))
    ceil = _ceiling_one(d, N, (L,)) if ceiling else float("nan")
    if ceiling:
        acc, low, high = min(acc, ceil), min(low, ceil), min(high, ceil)
    details = {"trials": trials, "ci95": (s.ci_low, s.ci_high), "k_eff": float(np.mean(k_eff)),
               "dof_measured": float(np.mean(dof)), "occupied_regions": float(sim.regions.mean),
               "majority_accuracy": float(sim.accuracy.mean), "load": float(np.mean(alpha)), "dist": dist}
    return AccuracyEstimate(acc, low, high, ceil, "monte_carlo", details)
