"""The estimate itself: training accuracy from ``(d, N, L)`` and a :class:`~nnpartition.Protocol`, its band and
ceiling (:func:`estimate_accuracy`, :func:`accuracy_ceiling`): the scalar, array and Monte Carlo paths. Its result
types are in :mod:`.results`, the validated range it warns outside in :mod:`.range`, the checks of its arguments in
:mod:`.arguments`; this module still exports their names, as it did before they moved. The sizing questions and the
held-out errors read it (:mod:`.sizing`, :mod:`.heldout`)."""

from __future__ import annotations

import math
import warnings
from typing import Any, Dict, Iterable, Optional, Tuple, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .. import _validate as v
from .._progress import _check as _check_progress
from ..simulation import simulate_partition, summarize
from .._random import SeedLike
from ..training import Protocol
from ..training.protocol import _settings_checked_inside, _unexpected_keywords
from . import validity as _validity
# the names this module defined before the split, exported as before (``X as X``: an explicit re-export); not
# ``_LIMITS``, which ``_limits`` reassigns: a copy here would stay ``None`` (read ``validity._LIMITS``)
from .arguments import (MAX_SIZE as MAX_SIZE, ScalarSize as ScalarSize, _ALIASES as _ALIASES, _DISTS as _DISTS,
                        _REFERENCE as _REFERENCE, _hidden_params as _hidden_params, _int_array as _int_array,
                        _is_scalar as _is_scalar, _plain_question as _plain_question,
                        _protocol as _protocol, _scalar_size as _scalar_size, _whole as _whole,
                        _whole_widths as _whole_widths, _widths as _widths)
from .validity import (_PROTOCOLS as _PROTOCOLS, ExtrapolationWarning as ExtrapolationWarning, _ProtoArgs as _ProtoArgs,
                    _in_range as _in_range, _limits as _limits, _number as _number, _outside_range as _outside_range,
                    _proto_args as _proto_args, _protocol_checks as _protocol_checks, _protocol_info as _protocol_info,
                    _range as _range, _range_problems as _range_problems, _warn_answer as _warn_answer,
                    _warn_range as _warn_range, validated_range as validated_range)
from .results import AccuracyEstimate as AccuracyEstimate, EstimateDetails as EstimateDetails, T as T

__all__ = ["AccuracyEstimate", "EstimateDetails", "estimate_accuracy", "accuracy_ceiling", "model_constants",
           "validated_range", "ExtrapolationWarning"]

#: The methods of :func:`estimate_accuracy` (the command line's ``--method`` choices).
_METHODS = ("analytic", "monte_carlo")
#: The Monte Carlo method's default trials and seed (the analytic method warns when given others: it draws nothing).
MC_TRIALS, MC_SEED = 200, 0
#: The Monte Carlo method's most trials.
MC_MAX_TRIALS = 10**8


def model_constants() -> Dict[str, float]:
    """The analytic model's constants (fitted ones and fixed ones), by name.

    Example:
        >>> c = model_constants()
        >>> c["q"], c["kappa"] > 1
        (0.5, True)
    """
    return dict(_core.estimator_params())


def accuracy_ceiling(d: ScalarSize, N: ScalarSize, L: Optional[ScalarSize] = None, *,
                     widths: Optional[Iterable[int]] = None) -> float:
    """Best expected training accuracy any ReLU network of this size can reach on ``N`` random labels.

    ``d = 1`` with one hidden layer: exact dynamic programme over the at most
    ``L + 1`` sign changes a ReLU network's output can make along the line (``L`` for ``L <= 2``),
    averaged over random labelings (standard error below 0.005), when
    ``N (L + 2) <= 200,000``; above that size the counting bound over the
    ``2 S(N - 1, L + 1)`` such sign sequences (sound, looser, microseconds).
    ``d > 1`` (or deeper networks): a union bound over the dichotomies the network can
    realise, ``[Cov(N, d+1)]^L * Cov(N, L(d+1)+1)``.

    Example:
        >>> round(accuracy_ceiling(1, 100, 15), 2)   # 16 sign changes on 100 points
        0.82
        >>> accuracy_ceiling(10, 50, 8)
        1.0
    """
    d = v.size("d", d, minimum=1, maximum=MAX_SIZE)
    N = v.size("N", N, minimum=1, maximum=MAX_SIZE)
    ws = _widths(L, widths)
    return _core.accuracy_ceiling(d, N, list(ws))


@overload
def estimate_accuracy(d: ScalarSize, N: ScalarSize, L: Optional[ScalarSize] = None, *,
                      widths: Optional[Iterable[int]] = None, dist: str = "uniform",
                      protocol: Optional[Protocol] = None, method: str = "analytic", ceiling: bool = True,
                      trials: int = MC_TRIALS, seed: SeedLike = MC_SEED,
                      progress: Optional[bool] = None) -> AccuracyEstimate[float]: ...


@overload
def estimate_accuracy(d: ArrayLike, N: ArrayLike, L: Optional[ArrayLike] = None, *,
                      widths: Optional[Iterable[int]] = None, dist: str = "uniform",
                      protocol: Optional[Protocol] = None, method: str = "analytic", ceiling: bool = True,
                      trials: int = MC_TRIALS, seed: SeedLike = MC_SEED,
                      progress: Optional[bool] = None) -> AccuracyEstimate[NDArray[np.float64]]: ...


@_settings_checked_inside
def estimate_accuracy(d: Any, N: Any, L: Any = None, *, widths: Optional[Iterable[int]] = None,
                      dist: str = "uniform", protocol: Optional[Protocol] = None, method: str = "analytic",
                      ceiling: bool = True, trials: int = MC_TRIALS, seed: SeedLike = MC_SEED,
                      progress: Optional[bool] = None, **settings: Any) -> AccuracyEstimate[Any]:
    """Estimate the training accuracy of a ReLU network on ``N`` random two-class points in ``R^d``.

    The target is the accuracy :func:`nnpartition.real_accuracy` measures with
    the same ``protocol`` (mean over datasets of the best accuracy read during
    training, best of the protocol's restarts). Outside the validated range
    (``d`` 1-200, ``N`` 50-5000, ``L`` 1-512, 1-4 hidden layers, Adam lr
    0.002-0.1, SGD lr 0.01-0.5, 250-32,000 steps, batches of 32 or more, 1-4
    restarts) it still answers and emits an :class:`ExtrapolationWarning` (a ``UserWarning``) naming the parameter.

    Every size (here, in :class:`Protocol`, the sizing functions and the trainer) may also be a float of whole
    value (``N=1e4``, as numpy code computes it; up to ``2**53``); a fractional one is a ``TypeError``.

    Args:
        d: input dimension (int or integer array).
        N: number of training points (int or integer array; broadcast with ``d`` and ``L``).
        L: hidden ReLU units of a two-layer network (int or integer array).
        widths: instead of ``L``, the hidden widths ``[L1, L2, ...]`` of a deeper
            ReLU network (``d`` and ``N`` then scalars): a list, tuple, 1-D array or any ordered iterable
            (a generator, say) of 1 to 64 sizes, as :func:`max_samples`, :func:`accuracy_ceiling`,
            :func:`~nnpartition.train` and :func:`~nnpartition.real_accuracy` take them.
        dist: ``"uniform"`` or ``"gaussian"`` (Gaussian inputs fit slightly more readily).
        protocol: the training :class:`~nnpartition.Protocol` (default: the reference protocol).
        method: ``"analytic"`` (closed form, microseconds) or ``"monte_carlo"``
            (measures the partition that ``L`` initial neurons cut on ``trials``
            random datasets with the Rust core; its band is a 95% CI of the mean
            widened by the analytic model's uncertainty). Where the partition does
            not bind (most configurations: ``docs/theory.md``), every trial gives
            the analytic answer and ``details.ci95`` has zero width (one trial: ``(nan, nan)``, no interval).
        ceiling: also compute the accuracy ceiling (see :func:`accuracy_ceiling`).
        trials, seed, progress: Monte Carlo settings (``seed``: None, an int, a numpy Generator or
            SeedSequence, the result's ``seed`` the integer used; ``progress``: None shows a bar only on a
            terminal for work over a second). The analytic method draws nothing: a ``trials`` or ``seed`` other
            than the defaults gets a ``UserWarning`` saying it is ignored; it shows no bar, and ``progress`` must
            still be None, True or False (a ``TypeError`` otherwise, as for ``"monte_carlo"``).

    Returns:
        :class:`AccuracyEstimate`: floats for a scalar call (each of ``d``, ``N``, ``L`` one number: an int, a
        whole float, a numpy integer or float scalar or a 0-d array), arrays for array inputs (lists, tuples,
        arrays of one or more dimensions, even of one element). A scalar call costs a few microseconds (see
        ``docs/theory.md``, "Cost of a call").

    Example:
        >>> e = estimate_accuracy(10, 1000, 20)     # 20 units, 1000 random labels in d = 10
        >>> round(e.low, 2), round(e.accuracy, 2), round(e.high, 2)   # the estimate inside its band
        (0.75, 0.78, 0.81)
        >>> e.ceiling    # the counting bound rules out no labelling at this size: training, not size, limits it
        1.0
        >>> acc = estimate_accuracy(2, 1000, [4, 16, 64]).accuracy   # arrays broadcast
        >>> acc.shape, bool(acc[0] < acc[1] < acc[2])
        ((3,), True)
        >>> from nnpartition import Protocol
        >>> short = estimate_accuracy(10, 1000, 16, protocol=Protocol(steps=500)).accuracy
        >>> bool(short < estimate_accuracy(10, 1000, 16).accuracy)   # a smaller budget fits less
        True
        >>> estimate_accuracy(100, 50, 8).ceiling          # N <= d + 1: everything can be fitted
        1.0
    """
    if settings:   # a keyword it does not take (lr=0.1: a protocol's setting); hidden from its signature
        raise _unexpected_keywords(estimate_accuracy, settings, protocol)
    if type(method) is str and method == "analytic" and (ceiling is True or ceiling is False) \
            and type(dist) is str and (dist == "uniform" or dist == "gaussian") \
            and type(trials) is int and trials == MC_TRIALS and type(seed) is int and seed == MC_SEED \
            and progress is None:
        # A scalar call whose arguments are plainly valid (ints, whole floats, numpy scalars, 0-d arrays): past the
        # general checks below, to the same result.
        # (the test of _plain_question, kept inline here: the call to it measured 0.3 µs of this 7.5 µs path)
        dd, nn = _whole(d), _whole(N)
        if dd is not None and nn is not None:
            ws: Optional[Tuple[int, ...]]
            if widths is None:
                ll = _whole(L)
                ws = None if ll is None else (ll,)
            else:
                ws = None if L is not None else _whole_widths(widths)
            if ws is not None:
                proto = protocol if type(protocol) is Protocol else _protocol(protocol)
                return _estimate_scalar(dd, nn, ws, dist, proto, ceiling)
    dist = v.choice("dist", dist, _DISTS, _ALIASES)
    method = v.choice("method", method, _METHODS)
    if method == "analytic":
        _warn_monte_carlo_settings(trials, seed)
        _check_progress(progress)   # unused here (nothing to show), but not anything at all: "no" is refused
    proto = _protocol(protocol)
    ceiling = v.flag("ceiling", ceiling)
    if widths is not None:
        if L is not None:
            raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
        if method != "analytic":
            raise ValueError("method='monte_carlo' supports one hidden layer (L); use method='analytic' for widths")
        why = "with widths= (a deep network is estimated one configuration at a time)"
        return _estimate_scalar(_scalar_size("d", d, why=why), _scalar_size("N", N, why=why), _widths(None, widths),
                                dist, proto, ceiling)
    if L is None:
        raise ValueError("give L (hidden units of a two-layer network) or widths=[L1, L2, ...]")
    if method == "monte_carlo":
        why = "with method='monte_carlo' (it draws one configuration at a time)"
        return _estimate_mc(_scalar_size("d", d, 10**6, why), _scalar_size("N", N, 10**8, why),
                            _scalar_size("L", L, 10**6, why),
                            dist, proto, ceiling, v.size("trials", trials, minimum=1, maximum=MC_MAX_TRIALS), seed,
                            progress)
    if _is_scalar(d) and _is_scalar(N) and _is_scalar(L):
        return _estimate_scalar(_scalar_size("d", d), _scalar_size("N", N), (_scalar_size("L", L),), dist, proto,
                                ceiling)
    arrays = _int_array("d", d), _int_array("N", N), _int_array("L", L)
    try:
        da, na, la = np.broadcast_arrays(*arrays)
    except ValueError:   # numpy's message says "arg 0" and "arg 1", not which of d, N, L
        shapes = ", ".join(f"{name} {a.shape}" for name, a in zip("dNL", arrays))
        raise ValueError(f"d, N and L must broadcast together (numpy's rules: trailing dimensions equal or 1), "
                         f"got shapes {shapes}") from None
    _core.check_estimate_size(da.size)  # a broadcast can ask for billions: refused before anything is copied
    shape = da.shape
    if da.size:
        # the largest sizes (and the protocol: a batch below the largest N is a minibatch for some), the smallest,
        # and the fewest points that are too few to be validated and too many to be exact; one warning for each
        # parameter and side of the range, however many of these find it (an array of d = 201 warned twice)
        problems = _range_problems(float(da.max()), float(na.max()), [float(la.max())], proto)
        problems += _range_problems(float(da.min()), None, [float(la.min())], None)
        few = (na < _range()["N"][0]) & (na > da + 1)
        if few.any():   # read with its own d (the largest d could make it look exact: N <= d + 1)
            i = np.argmin(np.where(few, na, np.inf))
            problems += _range_problems(float(da.flat[i]), float(na.flat[i]), [float(la.max())], None)
        seen = set()
        for key, message in problems:
            if key not in seen:
                seen.add(key)
                warnings.warn(message, ExtrapolationWarning, stacklevel=2)   # the caller of estimate_accuracy
    # capped at the ceiling in the core (interruptible: millions of uncached counting ceilings take minutes)
    cols = _core.estimate_analytic(da.ravel().copy(), na.ravel().copy(), la.ravel().copy(), dist,
                                   _protocol_info(proto)[0], ceiling=ceiling)
    acc, low, high, p_eff, k_sat, k_eff, alpha, budget, m, k_time, unc, corr, ceil = (c.reshape(shape) for c in cols)
    if da.ndim == 0:  # 0-d arrays the scalar path did not take (an object array, say): floats out all the same
        f = float
        return AccuracyEstimate(f(acc), f(low), f(high), f(ceil), "analytic",
                                EstimateDetails(f(p_eff), f(k_sat), f(k_eff), f(alpha), f(budget), f(m), f(k_time),
                                                f(unc), f(corr), dist, proto),
                                d=int(da), N=int(na), widths=(int(la),), dist=dist, protocol=proto)
    # the question as the broadcast sizes (entry i is accuracy[i]'s): int64 copies of the sizes as given (whole
    # floats up to MAX_SIZE: exact), broadcast as read-only views (a scalar d beside 10^7 N costs 8 bytes, not 80 MB)
    dq, nq, lq = (np.broadcast_to(a.astype(np.int64), shape) for a in arrays)
    return AccuracyEstimate(acc, low, high, ceil, "analytic",
                            EstimateDetails(p_eff, k_sat, k_eff, alpha, budget, m, k_time, unc, corr, dist, proto),
                            d=dq, N=nq, widths=(lq,), dist=dist, protocol=proto)


def _warn_monte_carlo_settings(trials: Any, seed: Any) -> None:
    """A ``UserWarning`` when the analytic method is given a ``trials`` or ``seed`` other than the defaults: it draws
    nothing, so they would be ignored without a word (the command line refuses them; a loop that passes the same
    settings to both methods still runs)."""
    given = [f"{name}={value!r}" for name, value, default in (("trials", trials, MC_TRIALS), ("seed", seed, MC_SEED))
             if not (type(value) is int and value == default)]
    if given:
        verb, it = ("apply", "them") if len(given) > 1 else ("applies", "it")
        warnings.warn(f"{' and '.join(given)} only {verb} to method='monte_carlo'; the analytic estimate draws "
                      f"nothing and ignores {it}", UserWarning, stacklevel=3)


def _built(cls: Any, fields: Dict[str, Any], new: Any = object.__new__, set_: Any = object.__setattr__) -> Any:
    """An instance of the frozen dataclass ``cls`` whose attributes are the dict ``fields`` (already checked; omitted
    ones keep their class defaults), without running the generated ``__init__``: the scalar estimate's hot path
    (``new`` and ``set_`` are bound once, at definition, not looked up in each call)."""
    obj = new(cls)
    set_(obj, "__dict__", fields)
    return obj


def _estimate_scalar(d: int, N: int, ws: Tuple[int, ...], dist: str, proto: Protocol,
                     ceiling: bool) -> AccuracyEstimate[float]:
    """One configuration (any depth): a single native call, no arrays."""
    args, ok = _protocol_info(proto)
    d_hi, depth_hi, l_hi, n_lo, n_hi = _validity._LIMITS or _limits()   # its current value, not a copy
    if not (ok and d <= d_hi and len(ws) <= depth_hi and max(ws) <= l_hi and (N <= d + 1 or n_lo <= N <= n_hi)):
        _warn_range(d, N, ws, proto)   # the caller of estimate_accuracy
    # capped at the ceiling in the core, as the sizing answers are (ints in: the core reads them as f64)
    (acc, low, high, p_eff, k_sat, k_eff, alpha, budget, m, k_time, unc, corr), ceil = _core.estimate_one(
        d, N, ws, dist, args, ceiling)
    details = _built(EstimateDetails, {
        "p_eff": p_eff, "k_sat": k_sat, "k_eff": k_eff, "load": alpha, "budget": budget, "m": m, "k_time": k_time,
        "uncorrected": unc, "correction": corr, "dist": dist, "protocol": proto,
        "widths": list(ws) if len(ws) > 1 else None})
    out: AccuracyEstimate[float] = _built(AccuracyEstimate, {
        "accuracy": acc, "low": low, "high": high, "ceiling": ceil, "method": "analytic", "details": details,
        "d": d, "N": N, "widths": ws, "dist": dist, "protocol": proto})
    return out


def _estimate_mc(d: int, N: int, L: int, dist: str, proto: Protocol, ceiling: bool, trials: int, seed: SeedLike,
                 progress: Optional[bool]) -> AccuracyEstimate[float]:
    _core.simulate_check(d, N, L, trials)   # refused (work, memory) before warning about the range
    _warn_range(d, N, (L,), proto)   # the caller of estimate_accuracy
    sim = simulate_partition(d, N, L, trials=trials, dist=dist, seed=seed, progress=progress)
    occ = sim.capped_occupancy.astype(np.float64)
    acc_t, low_t, high_t, p_eff, k_sat, k_eff, alpha, budget, m, k_time, unc, corr = _core.estimate_from_partition(
        float(d), float(N), float(L), occ, dist, _protocol_info(proto)[0])
    s = summarize(acc_t, one_value_nan=False)   # one trial: its value; the band below is the analytic one's
    acc = s.mean
    low = min(s.ci_low, float(np.mean(low_t)))
    high = max(s.ci_high, float(np.mean(high_t)))
    # the trials' summary (mean, confidence interval) is formed here, so it is capped here, at the core's ceiling
    ceil = _core.accuracy_ceiling(d, N, [L]) if ceiling else math.nan
    if ceiling:
        acc, low, high = min(acc, ceil), min(low, ceil), min(high, ceil)

    def mean(x: NDArray[np.float64]) -> float:
        return float(np.mean(x)) if len(x) else math.nan

    # one trial has no spread: no interval (NaN, NaN; null in JSON), as simulate_partition's, not the point (acc, acc)
    ci95 = (s.ci_low, s.ci_high) if trials > 1 else (math.nan, math.nan)
    details = EstimateDetails(mean(p_eff), mean(k_sat), mean(k_eff), mean(alpha), mean(budget), mean(m), mean(k_time),
                              mean(unc), mean(corr), dist, proto, trials=trials, ci95=ci95,
                              dof_measured=mean(p_eff),
                              occupied_regions=float(sim.regions.mean), majority_accuracy=float(sim.accuracy.mean))
    return AccuracyEstimate(acc, low, high, ceil, "monte_carlo", details, seed=sim.seed, d=d, N=N, widths=(L,),
                            dist=dist, protocol=proto)
