"""The checks of the estimate's arguments: sizes (scalars, arrays, widths), the plainly valid question the scalar
call's fast test reads, and the protocol; shared by :func:`~nnpartition.estimate.estimate_accuracy`, the sizing
questions and the held-out errors."""

from __future__ import annotations

import reprlib
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import NDArray

from .. import _core
from .. import _validate as v
from ..training import Protocol, _not_a_protocol

#: One size, as a scalar call takes it: an int, a float of whole value or a numpy scalar (a 0-d array is one too,
#: and also gives floats, but a type checker cannot tell it from an array).
ScalarSize = Union[int, float, np.integer[Any], np.floating[Any]]
_DISTS = _core.CHOICES["dist"]
_ALIASES = _core.ALIASES["dist"]
#: Largest d, N or L the estimator accepts (it warns outside the validated range).
MAX_SIZE = 10**9
_REFERENCE = Protocol()


def _protocol(protocol: Any) -> Protocol:
    if protocol is None:
        return _REFERENCE
    if not isinstance(protocol, Protocol):
        raise _not_a_protocol(protocol)
    return protocol


def _widths(L: Any, widths: Any) -> Tuple[int, ...]:
    if (L is None) == (widths is None):
        raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
    if L is not None:
        return (v.hidden_units(L, maximum=MAX_SIZE),)
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
    if arr.dtype == object and arr.size and all(v.is_integer(a) for a in arr.ravel()):
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


def _scalar_size(name: str, x: Any, maximum: int = MAX_SIZE, why: str = "",
                 hint: Optional[Callable[[Any], str]] = None) -> int:
    """:func:`nnpartition._validate.size` of a scalar argument, a 0-d array read as its element; a list or array is
    refused saying ``why`` one number is needed (an audit: ``estimate_accuracy([5, 6], 100, widths=[8])`` said only
    "d must be an integer, got list"), then ``hint(x)`` (called on that refusal only)."""
    if why and not _is_scalar(x):
        more = hint(x) if hint is not None else ""
        raise TypeError(f"{name} must be one number {why}, got {type(x).__name__} {reprlib.repr(x)}{more}")
    return v.size(name, x, minimum=1, maximum=maximum)


def _is_scalar(x: Any) -> bool:
    """Whether an argument of :func:`estimate_accuracy` is one value (answered by the scalar path, floats out) rather
    than an array, list or tuple (the array path, arrays out)."""
    return not isinstance(x, (list, tuple, np.ndarray)) or (isinstance(x, np.ndarray) and x.ndim == 0)
