"""The estimate itself: training accuracy from ``(d, N, L)`` and a :class:`~nnpartition.Protocol`, its band and
ceiling, and the validated range it warns outside (:func:`estimate_accuracy`, :func:`accuracy_ceiling`,
:func:`validated_range`). The sizing questions and the held-out errors read it (:mod:`.sizing`, :mod:`.heldout`)."""

from __future__ import annotations

import functools
import math
import reprlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Generic, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .. import _validate as v
from .._json import json_ready
from .._progress import _check as _check_progress
from .._repr import short_repr
from ..simulation import simulate_partition, summarize
from .._random import SeedLike
from ..training import Protocol, _not_a_protocol

__all__ = ["AccuracyEstimate", "EstimateDetails", "estimate_accuracy", "accuracy_ceiling", "model_constants",
           "validated_range", "ExtrapolationWarning"]

T = TypeVar("T", float, NDArray[np.float64])
#: One size, as a scalar call takes it: an int, a float of whole value or a numpy scalar (a 0-d array is one too,
#: and also gives floats, but a type checker cannot tell it from an array).
ScalarSize = Union[int, float, np.integer[Any], np.floating[Any]]
_DISTS = _core.CHOICES["dist"]
_ALIASES = _core.ALIASES["dist"]
#: Largest d, N or L the estimator accepts (it warns outside the validated range).
MAX_SIZE = 10**9
#: The Monte Carlo method's default trials and seed (the analytic method warns when given others: it draws nothing).
MC_TRIALS, MC_SEED = 200, 0
_REFERENCE = Protocol()


@dataclass(frozen=True)
class EstimateDetails(Generic[T]):
    """The model's intermediate quantities behind an :class:`AccuracyEstimate` (see ``docs/theory.md``).

    Attributes:
        p_eff: gated-linear directions of all layers before the budget limits them.
        k_sat: directions the training budget lets the first layer resolve, ``(d + 1) m^d``.
        k_eff: the analytic model's effective dimension ``K``.
        load: its load ``N / K`` (the fitted correction warps this load, then reads the model's curve there).
        budget: the protocol's training budget relative to the reference protocol (``rho``).
        m: cells per input axis this budget resolves.
        k_time: directions this budget can fit at all (``A rho^beta ((d + 1) / 11)^omega``, ``omega = 3/2``).
        uncorrected: the analytic model's accuracy before the fitted correction (and before the ceiling).
        correction: what the fitted correction added (``docs/theory.md``, item 12 "a warp of the load"),
            including the floor where ``N <= d + 1`` and, for a minibatch ``b < N``, the cap at the full-batch
            estimate at ``N = b`` (rule 27); ``k_eff``, ``load`` and ``budget`` stay those of ``N`` points.
        dist, protocol: the input law and the training protocol.
        widths: hidden widths of a deeper network (``None`` for one layer).
        trials, ci95, dof_measured, occupied_regions, majority_accuracy: Monte Carlo only
            (``None`` otherwise): trials, 95% interval of the mean, ``p_eff`` with the first layer's directions
            counted on the sampled partitions (the mean over trials of ``1 + min(sum over cells of min(points,
            d + 1), L min(d + 1, q N)) d / (d + r)``, the count times ``1 + gauss`` for Gaussian inputs: never
            above the analytic ``p_eff``, whose count is the second term of that minimum), occupied cells and
            majority-vote accuracy of the sampled partitions.

    ``details["k_eff"]`` reads a field by name; ``"trials" in details`` says whether it is set.

    Example:
        >>> details = estimate_accuracy(10, 1000, 20).details
        >>> round(details["k_eff"], 1), round(details.load, 2)   # K, and the load N / K
        (167.6, 5.97)
        >>> "trials" in details, details.get("trials", "analytic: no trials")   # Monte Carlo fields unset
        (False, 'analytic: no trials')
        >>> details.to_dict()["protocol"]["steps"]                # JSON-ready, the protocol a dict
        4000
    """

    p_eff: T
    k_sat: T
    k_eff: T
    load: T
    budget: T
    m: T
    k_time: T
    uncorrected: T
    correction: T
    dist: str
    protocol: Protocol
    widths: Optional[List[int]] = None
    trials: Optional[int] = None
    ci95: Optional[Tuple[float, float]] = None
    dof_measured: Optional[float] = None
    occupied_regions: Optional[float] = None
    majority_accuracy: Optional[float] = None

    __repr__ = short_repr

    def __getitem__(self, key: str) -> Any:
        if key not in self:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.__dataclass_fields__ and getattr(self, key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` when it is not set."""
        return self[key] if key in self else default

    def to_dict(self) -> Dict[str, Any]:
        """The set fields as a JSON-ready dict (arrays become lists, the protocol a dict, a non-finite number, such
        as an infinite ``k_sat`` in high ``d``, ``None``)."""
        out: Dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            x = getattr(self, k)
            if x is None:
                continue
            out[k] = x.to_dict() if isinstance(x, Protocol) else json_ready(x)
        return out


@dataclass(frozen=True)
class AccuracyEstimate(Generic[T]):
    """An estimate of the training accuracy a network reaches on random labels.

    Attributes:
        accuracy: the estimate (a float for a scalar call, an array when the inputs were arrays).
        low, high: a band meant to contain the real accuracy for at least 90% of
            configurations (checked on held-out configurations and protocols, see ``docs/theory.md``).
        ceiling: the best accuracy any network of this size could reach on such
            data (expected over random labels): exact for ``d = 1`` up to a size,
            a counting upper bound otherwise; ``nan`` when not computed (``ceiling=False``).
        method: ``"analytic"`` or ``"monte_carlo"``.
        details: the model's intermediate quantities (effective dimension, load, budget, ...).
        seed: the integer seed ``"monte_carlo"`` actually used (what ``seed=`` resolved to); passing it as
            ``seed=`` repeats the run. ``None`` for ``"analytic"``, which draws nothing.

    Example:
        >>> e = estimate_accuracy(10, 1000, 20)
        >>> e.low <= e.accuracy <= e.high <= e.ceiling, e.method, e.seed
        (True, 'analytic', None)
        >>> round(e.accuracy, 2), e.to_dict()["ceiling"]
        (0.78, 1.0)
        >>> estimate_accuracy(10, 1000, 20, ceiling=False).to_dict()["ceiling"] is None   # nan: JSON null
        True
    """

    accuracy: T
    low: T
    high: T
    ceiling: T
    method: str
    details: EstimateDetails[T] = field(repr=False)
    seed: Optional[int] = field(default=None, repr=False)

    # a scalar estimate prints as the dataclass would; an array one lists its arrays by shape (an array of 1000
    # configurations printed 44,000 characters), up to 8 entries in full
    __repr__ = short_repr

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dictionary (arrays become lists; a non-finite number, such as the ``nan`` ceiling of
        ``ceiling=False``, ``None``), with ``seed`` for a Monte Carlo estimate."""
        return {"accuracy": json_ready(self.accuracy), "low": json_ready(self.low), "high": json_ready(self.high),
                "ceiling": json_ready(self.ceiling), "method": self.method, "details": self.details.to_dict(),
                **({} if self.seed is None else {"seed": self.seed})}


def model_constants() -> Dict[str, float]:
    """The analytic model's constants (fitted ones and fixed ones), by name.

    Example:
        >>> c = model_constants()
        >>> c["q"], c["kappa"] > 1
        (0.5, True)
    """
    return dict(_core.estimator_params())


class ExtrapolationWarning(UserWarning):
    """A size, protocol setting or sizing answer outside :func:`validated_range`: the estimate (and its band) is an
    extrapolation there. A ``UserWarning``, so shown once per place by default; a loop over such questions can
    silence it alone: ``warnings.simplefilter("ignore", nnpartition.ExtrapolationWarning)``.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = estimate_accuracy(10, 20000, 32)
        >>> [str(w.message)[:28] for w in caught if issubclass(w.category, ExtrapolationWarning)]
        ['N=20000 is outside the range']
    """


def validated_range() -> Dict[str, Tuple[float, float]]:
    """The range of sizes and protocols the estimator was validated on; outside it, it warns
    (:class:`ExtrapolationWarning`). A new dict on each call: changing it changes nothing else.

    Example:
        >>> validated_range()["steps"]
        (250.0, 32000.0)
    """
    return dict(_range())


@functools.lru_cache(maxsize=None)
def _range() -> Dict[str, Tuple[float, float]]:
    """:func:`validated_range`, read from the core once (callers must not modify it: the range checks read it)."""
    return {name: (lo, hi) for name, lo, hi in _core.estimator_range()}


def _number(x: float) -> str:
    """``x`` as a range warning prints it: a whole number in full (``1048576``, not ``1.04858e+06``), else ``:g``.

    Example:
        >>> _number(1048576.0), _number(1e9), _number(0.25), _number(math.inf)
        ('1048576', '1000000000', '0.25', 'inf')
    """
    return str(int(x)) if math.isfinite(x) and x == int(x) and abs(x) < 1e16 else f"{x:g}"


def _protocol_checks(p: Protocol) -> List[Tuple[str, float]]:
    """``(range name, value)`` of the protocol settings that have a validated range (the batch size aside: whether
    it counts depends on ``N``)."""
    return [(f"{p.optimizer} lr", p.lr), ("steps", float(p.steps)), ("restarts", float(p.restarts))]


_ProtoArgs = Tuple[str, float, float, Optional[float], str, float]
#: ``(p's fields) -> (the core's arguments for p, whether p is inside the validated range)`` for recently used
#: protocols. A ``Protocol`` is frozen and its fields are canonical (``lr`` a float, ``steps`` an int, ...), so a
#: scalar estimate under a protocol equal to one seen before, the same object or one built afresh for each call,
#: skips deriving both again.
_PROTOCOLS: Dict[Tuple[Any, ...], Tuple[_ProtoArgs, bool]] = {}


def _protocol_info(p: Protocol) -> Tuple[_ProtoArgs, bool]:
    """``(the core's arguments for p, whether every setting of p is inside the validated range)``, cached by value
    (see ``_PROTOCOLS``): a scalar estimate under an in-range protocol then skips :func:`_warn_range`."""
    key = (p.optimizer, p.lr, p.steps, p.batch_size, p.schedule, p.restarts)
    info = _PROTOCOLS.get(key)
    if info is None:
        r = _range()
        checks = _protocol_checks(p)
        if p.batch_size is not None:
            checks.append(("batch_size", float(p.batch_size)))
        info = (_proto_args(p), all(r[name][0] <= x <= r[name][1] for name, x in checks))
        if len(_PROTOCOLS) >= 256:
            _PROTOCOLS.clear()
        _PROTOCOLS[key] = info
    return info


#: ``(d, depth, L, N low, N high)`` limits of :func:`validated_range` that a scalar call tests (set on first use).
_LIMITS: Optional[Tuple[float, float, float, float, float]] = None


def _limits() -> Tuple[float, float, float, float, float]:
    global _LIMITS
    if _LIMITS is None:
        r = _range()
        _LIMITS = (r["d"][1], r["depth"][1], r["L"][1], r["N"][0], r["N"][1])
    return _LIMITS


def _in_range(d: float, N: Optional[float], ws: Sequence[float], p: Protocol) -> bool:
    """Whether a question is surely inside :func:`validated_range` (``N`` None: not checked; ``N <= d + 1`` counts
    as inside): the cheap test before :func:`_warn_range`, which looks at every setting."""
    d_hi, depth_hi, l_hi, n_lo, n_hi = _LIMITS or _limits()
    return (_protocol_info(p)[1] and d <= d_hi and len(ws) <= depth_hi
            and max(ws) <= l_hi and (N is None or N <= d + 1 or n_lo <= N <= n_hi))


def _range_problems(d: float, N: Optional[float], ws: Sequence[float], p: Optional[Protocol]
                    ) -> List[Tuple[Tuple[str, bool], str]]:
    """``((parameter, whether above the range), message)`` for every size and protocol setting outside
    :func:`validated_range` (``N`` None: not checked; ``p`` None: the protocol and the depth not checked)."""
    r = _range()
    checks = [("d", d)]
    if p is not None:
        checks.append(("depth", float(len(ws))))
    if N is not None and N > d + 1:
        checks.append(("N", N))
    # the widest and the narrowest layer stand for all (five layers of 600 units warned five times)
    checks += [("L", float(w)) for w in sorted({min(ws), max(ws)})]
    if p is not None:
        checks += _protocol_checks(p)
        if p.batch_size is not None:
            full = N is not None and p.batch_size >= N
            checks.append(("batch_size", math.inf if full else float(p.batch_size)))
    out = []
    deep = len(ws) > 1
    for name, x in checks:
        lo, hi = r[name]
        if not lo <= x <= hi:
            # named as the caller gave it: a deep network's depth and widths are the argument widths
            if name == "depth":
                what = f"widths has {_number(x)} hidden layers, outside"
            elif name == "L" and deep:
                what = f"widths has a layer of {_number(x)} units, outside"
            else:
                what = f"{name}={_number(x)} is outside"
            out.append(((name, x > hi), f"{what} the range the estimator was validated on ({_number(lo)} to "
                                        f"{_number(hi)}); the estimate and its band are an extrapolation"))
    return out


def _outside_range(d: float, N: Optional[float], ws: Sequence[float], p: Optional[Protocol]) -> str:
    """The parameters of :func:`_range_problems`, comma-separated, once each (``""``: inside the range): a
    validation row's ``outside_range``."""
    return ", ".join(dict.fromkeys(name for (name, _), _ in _range_problems(d, N, ws, p)))


def _warn_range(d: float, N: Optional[float], ws: Sequence[float], p: Protocol, stacklevel: int = 4) -> None:
    """Warn about every size and protocol setting outside :func:`validated_range` (``N`` None: not checked, as in
    :func:`max_samples`, whose answer it is). ``N <= d + 1`` is never outside it: any labelling of so few points in
    general position can be fitted, and the estimate says so (1, but for the dead zone) whatever the rest."""
    for _, message in _range_problems(d, N, ws, p):
        warnings.warn(message, ExtrapolationWarning, stacklevel=stacklevel)


def _warn_answer(name: str, answers: Sequence[Optional[int]], lo: float, hi: float, stacklevel: int = 3) -> None:
    """Warn when a sizing answer (``name``: ``"L"`` or ``"N"``) lies outside the range the estimator was validated on
    (``lo`` to ``hi``): the question was inside it, the answer is an extrapolation all the same."""
    out = sorted({a for a in answers if a and not lo <= a <= hi})
    if out:
        warnings.warn(f"the answer {name}={', '.join(map(str, out))} is outside the range the estimator was validated "
                      f"on ({_number(lo)} to {_number(hi)}); it is an extrapolation", ExtrapolationWarning,
                      stacklevel=stacklevel)


def _proto_args(p: Protocol) -> _ProtoArgs:
    return (p.optimizer, p.lr, float(p.steps), None if p.batch_size is None else float(p.batch_size), p.schedule,
            float(p.restarts))


def _protocol(protocol: Any) -> Protocol:
    if protocol is None:
        return _REFERENCE
    if not isinstance(protocol, Protocol):
        raise _not_a_protocol(protocol)
    return protocol


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


def _widths(L: Any, widths: Any) -> Tuple[int, ...]:
    if (L is None) == (widths is None):
        raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
    if L is not None:
        return (v.size("L", L, minimum=1, maximum=MAX_SIZE),)
    return v.widths(widths, maximum=MAX_SIZE)


def _int_array(name: str, x: Any) -> NDArray[np.float64]:
    """``x`` (an array of sizes) as float64, or the error the scalar path gives for its first bad element: NaN or
    infinity, out of range (1 to ``MAX_SIZE``), then fractional; the value shown plainly (``nan``, not
    ``np.float64(nan)``).

    Example:
        >>> _int_array("N", [100, 2.0e3])
        array([ 100., 2000.])
        >>> _int_array("N", np.array([5.0, np.nan]))
        Traceback (most recent call last):
        ...
        ValueError: N must be finite, got nan
    """
    if isinstance(x, np.ma.MaskedArray):   # numpy's asarray drops the mask: [5, 6] masked at 6 was estimated at 6
        raise TypeError(f"{name} must not be a masked array (its mask would be ignored); pass the values to estimate, "
                        "e.g. x.compressed()")
    if isinstance(x, (list, tuple)) and v.bools_inside(x):   # numpy reads [5, True] as [5, 1]; a scalar True is refused
        raise TypeError(f"{name} must be integers (or an integer array), got a list with a bool (True or False) in it")
    try:
        arr = np.asarray(x)
    except ValueError as exc:   # a ragged nest: numpy's "inhomogeneous shape ..." named no argument
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None
    # one array alone can be too big (a broadcast view of 10^12 entries, an int8 array of 10^9): sized before its
    # float64 copy and range masks, as the broadcast of the three is after
    _core.check_estimate_size(arr.size)
    if arr.dtype == object and arr.size and all(_is_int(a) for a in arr.ravel()):
        # Python ints too large for any numpy integer (numpy stores them as objects): out of range, not a type error
        bad = next((a for a in arr.ravel() if not 1 <= a <= MAX_SIZE), None)
        if bad is not None:
            _scalar_size(name, int(bad))   # raises the scalar path's message
        arr = arr.astype(np.int64)   # in range: an object array of plain ints
    if np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)   # a float16 array would overflow when compared with MAX_SIZE
    if arr.dtype == np.bool_ or not v.real_dtype(arr.dtype):   # bools, durations (timedelta64), strings, ...
        raise TypeError(f"{name} must be integers (or an integer array), got {arr.dtype} {x!r}")
    if arr.size:
        # NaN fails both comparisons: out of range here, and the scalar check names it (must be finite)
        out = ~((arr >= 1) & (arr <= MAX_SIZE))
        if not out.any() and np.issubdtype(arr.dtype, np.floating):
            out = arr != np.round(arr)
        if out.any():
            bad = arr[out].ravel()[0].item()   # a Python int or float: shown plainly
            _scalar_size(name, bad)   # raises the scalar path's message
            raise ValueError(f"{name} must be whole numbers from 1 to {MAX_SIZE}, got {bad}")   # not reached
    return arr.astype(np.float64)


def _is_int(x: Any) -> bool:
    return v.is_integer(x)


def _whole(x: Any) -> Optional[int]:
    """``x`` as an ``int`` when it is plainly a valid size: an int, a whole float, a numpy integer or float scalar,
    or a 0-d array of one, from 1 to ``MAX_SIZE``; ``None`` for anything else (the checked path then accepts it or
    says why not). The scalar call's test, cheaper than the checks it lets a valid size skip."""
    t = type(x)
    if t is int:
        return x if 1 <= x <= MAX_SIZE else None
    if t is float or t is np.float64:   # read as a Python float: exact
        f = float(x)
        return int(f) if 1.0 <= f <= MAX_SIZE and f.is_integer() else None   # NaN fails the comparison
    if t is np.ndarray:
        return _whole(x.item()) if x.ndim == 0 and x.dtype.kind in "iuf" else None   # item(): int, float, ...
    if isinstance(x, np.integer):
        if t is np.timedelta64:   # numpy makes a duration an integer: refused on the checked path
            return None
        i = int(x)
        return i if 1 <= i <= MAX_SIZE else None
    if isinstance(x, np.floating):
        if x.dtype.itemsize <= 8:   # float16, float32: a Python float holds them exactly (and 1e9 without overflow)
            return _whole(float(x))
        # a long double keeps digits a Python float would round away: compared in its own precision
        return int(x) if 1 <= x <= MAX_SIZE and x == np.floor(x) else None
    return None


def _whole_widths(widths: Any) -> Optional[Tuple[int, ...]]:
    """``widths`` as ints when it is plainly valid: a list, tuple or 1-D array of 1 to 64 sizes that
    :func:`_whole` reads; ``None`` otherwise (the checked path decides)."""
    t = type(widths)
    if t is np.ndarray:
        if widths.ndim != 1 or widths.dtype.kind not in "iuf":
            return None
        widths = widths.tolist()   # Python ints or floats
    elif t is not list and t is not tuple:
        return None
    if not 1 <= len(widths) <= 64:
        return None
    for w in widths:
        if type(w) is not int or not 1 <= w <= MAX_SIZE:
            break
    else:
        return tuple(widths)   # the common case: ints, read as they are
    out = []
    for w in widths:
        x = _whole(w)
        if x is None:
            return None
        out.append(x)
    return tuple(out)


def _plain_question(d: Any, N: Any, L: Any, widths: Any) -> Optional[Tuple[int, int, Tuple[int, ...]]]:
    """``(d, N, widths)`` of one question whose sizes are plainly valid (:func:`_whole`, :func:`_whole_widths`;
    exactly one of ``L`` and ``widths``), or ``None``: then the checked path accepts it or says why not.
    :func:`heldout_errors`' fast test; :func:`estimate_accuracy` makes the same test inline (its hot path)."""
    dd, nn = _whole(d), _whole(N)
    if dd is None or nn is None:
        return None
    if widths is None:
        ll = _whole(L)
        return None if ll is None else (dd, nn, (ll,))
    ws = None if L is not None else _whole_widths(widths)
    return None if ws is None else (dd, nn, ws)


def _hidden_params(d: int, widths: Sequence[int]) -> Tuple[int, int]:
    """``(weights and biases of the hidden layers, width of the last one)`` of ``d -> widths -> 1``."""
    params, fan = 0, d
    for w in widths:
        params += w * (fan + 1)
        fan = w
    return params, fan


def _scalar_size(name: str, x: Any, maximum: int = MAX_SIZE, why: str = "") -> int:
    """:func:`nnpartition._validate.size` of a scalar argument, a 0-d array read as its element; a list or array is
    refused saying ``why`` one number is needed (an audit: ``estimate_accuracy([5, 6], 100, widths=[8])`` said only
    "d must be an integer, got list")."""
    if why and not _is_scalar(x):
        raise TypeError(f"{name} must be one number {why}, got {type(x).__name__} {reprlib.repr(x)}")
    return v.size(name, x, minimum=1, maximum=maximum)


def _is_scalar(x: Any) -> bool:
    """Whether an argument of :func:`estimate_accuracy` is one value (answered by the scalar path, floats out) rather
    than an array, list or tuple (the array path, arrays out)."""
    return not isinstance(x, (list, tuple, np.ndarray)) or (isinstance(x, np.ndarray) and x.ndim == 0)


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


def estimate_accuracy(d: Any, N: Any, L: Any = None, *, widths: Optional[Iterable[int]] = None,
                      dist: str = "uniform", protocol: Optional[Protocol] = None, method: str = "analytic",
                      ceiling: bool = True, trials: int = MC_TRIALS, seed: SeedLike = MC_SEED,
                      progress: Optional[bool] = None) -> AccuracyEstimate[Any]:
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
            the analytic answer and ``details.ci95`` has zero width.
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
    method = v.choice("method", method, ("analytic", "monte_carlo"))
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
                            dist, proto, ceiling, v.size("trials", trials, minimum=1, maximum=10**8), seed, progress)
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
                warnings.warn(message, ExtrapolationWarning, stacklevel=3)
    # capped at the ceiling in the core (interruptible: millions of uncached counting ceilings take minutes)
    cols = _core.estimate_analytic(da.ravel().copy(), na.ravel().copy(), la.ravel().copy(), dist,
                                   _protocol_info(proto)[0], ceiling=ceiling)
    acc, low, high, p_eff, k_sat, k_eff, alpha, budget, m, k_time, unc, corr, ceil = (c.reshape(shape) for c in cols)
    if da.ndim == 0:  # 0-d arrays the scalar path did not take (an object array, say): floats out all the same
        f = float
        return AccuracyEstimate(f(acc), f(low), f(high), f(ceil), "analytic",
                                EstimateDetails(f(p_eff), f(k_sat), f(k_eff), f(alpha), f(budget), f(m), f(k_time),
                                                f(unc), f(corr), dist, proto))
    return AccuracyEstimate(acc, low, high, ceil, "analytic",
                            EstimateDetails(p_eff, k_sat, k_eff, alpha, budget, m, k_time, unc, corr, dist, proto))


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
    d_hi, depth_hi, l_hi, n_lo, n_hi = _LIMITS or _limits()
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
        "accuracy": acc, "low": low, "high": high, "ceiling": ceil, "method": "analytic", "details": details})
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

    details = EstimateDetails(mean(p_eff), mean(k_sat), mean(k_eff), mean(alpha), mean(budget), mean(m), mean(k_time),
                              mean(unc), mean(corr), dist, proto, trials=trials, ci95=(s.ci_low, s.ci_high),
                              dof_measured=mean(p_eff),
                              occupied_regions=float(sim.regions.mean), majority_accuracy=float(sim.accuracy.mean))
    return AccuracyEstimate(acc, low, high, ceil, "monte_carlo", details, seed=sim.seed)
