"""The range of sizes and protocols the estimate was validated on (:func:`validated_range`) and the warnings outside it
(:class:`ExtrapolationWarning`): the checks :func:`~nnpartition.estimate.estimate_accuracy`, the sizing questions
and the held-out errors share, with their caches (``_PROTOCOLS``, ``_LIMITS``: read here, as module globals)."""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import _core
from ..training import Protocol

__all__ = ["ExtrapolationWarning", "validated_range"]


class ExtrapolationWarning(UserWarning):
    """A size, protocol setting or sizing answer outside :func:`validated_range`: the estimate (and its band) is an
    extrapolation there. A ``UserWarning``, so shown once per place by default; a loop over such questions can
    silence it alone: ``warnings.simplefilter("ignore", nnpartition.ExtrapolationWarning)``.

    Example:
        >>> import warnings
        >>> from nnpartition import estimate_accuracy
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


def _range_problems(d: float, N: Optional[float], ws: Sequence[float], p: Optional[Protocol], *,
                    depth_name: str = "widths") -> List[Tuple[Tuple[str, bool], str]]:
    """``((parameter, whether above the range), message)`` for every size and protocol setting outside
    :func:`validated_range` (``N`` None: not checked; ``p`` None: the protocol and the depth not checked). A depth
    outside the range is named by ``depth_name``, the argument the caller's depth came from: ``"widths"`` (``widths
    has 5 hidden layers``), :func:`required_width`'s ``"shape"`` (``shape has 5 hidden layers``) or its ``"layers"``
    (``layers=5``; for both of these, ``ws`` are only stand-ins of that length)."""
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
            if name == "depth" and depth_name == "layers":
                what = f"layers={_number(x)} is outside"
            elif name == "depth":
                what = f"{depth_name} has {_number(x)} hidden layers, outside"
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


def _warn_range(d: float, N: Optional[float], ws: Sequence[float], p: Protocol, stacklevel: int = 4, *,
                depth_name: str = "widths") -> None:
    """Warn about every size and protocol setting outside :func:`validated_range` (``N`` None: not checked, as in
    :func:`max_samples`, whose answer it is). ``N <= d + 1`` is never outside it: any labelling of so few points in
    general position can be fitted, and the estimate says so (1, but for the dead zone) whatever the rest.
    ``depth_name``: as :func:`_range_problems`'s."""
    for _, message in _range_problems(d, N, ws, p, depth_name=depth_name):
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
