"""Argument checking shared by the public API.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError``
(right kind, outside the accepted range) with a message that names the
argument and the accepted range.
"""

from __future__ import annotations

import itertools
import numbers
import reprlib
from collections.abc import Mapping, Set as AbstractSet
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from . import _core
from ._random import resolve_seed

#: Largest count accepted by the exact/streaming functions (fits a u64 with room).
MAX_COUNT = 2**62


def is_integer(value: Any) -> bool:
    """Whether ``value`` is an integer scalar: a Python or numpy integer, not a bool (``True``, ``np.True_``) and not
    a ``np.timedelta64``, which numpy makes an integer subclass (a duration is not a count).

    Example:
        >>> is_integer(3), is_integer(np.int64(3)), is_integer(True), is_integer(np.timedelta64(3))
        (True, True, False, False)
    """
    return isinstance(value, (numbers.Integral, np.integer)) \
        and not isinstance(value, (bool, np.bool_, np.timedelta64))


def real_dtype(dtype: Any) -> bool:
    """Whether an array of ``dtype`` holds real numbers (or bools): integers, unsigned integers, floats and bools,
    not complex numbers, strings, objects, dates or ``timedelta64`` durations (numpy counts those as integers).

    Example:
        >>> real_dtype(np.dtype(np.int8)), real_dtype(np.dtype("m8[s]")), real_dtype(np.dtype(complex))
        (True, False, False)
    """
    return np.dtype(dtype).kind in "biuf"


def flag(name: str, value: Any) -> bool:
    """Return a ``bool`` argument as a Python ``bool``: ``True``, ``False`` and numpy's ``np.True_`` /
    ``np.False_`` (what comparisons and ``.any()`` return) are accepted, as every check here treats a numpy bool as a
    bool; anything else (``1``, ``"no"``, ``None``) is a ``TypeError``, since its truth value may not be what was
    meant (``bool("no")`` is ``True``).

    Example:
        >>> flag("central", np.True_), flag("central", False)
        (True, False)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _unwrap_0d(value: Any) -> Any:
    """A 0-d numpy array's scalar (``np.array(3)`` -> ``np.int64(3)``, a bool one a ``np.bool_``), anything else as it
    is: sizes and real numbers take 0-d arrays as ``estimate_accuracy`` does (an audit: ``real_accuracy(np.array(3),
    ...)`` and ``Protocol(steps=np.array(100))`` were refused as "must be an integer, got ndarray")."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def count(name: str, value: Any, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """Return ``value`` as an ``int`` in ``[minimum, maximum]`` or raise (bools and ``np.timedelta64`` are not
    integers here: :func:`is_integer`)."""
    if not is_integer(value):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    v = int(value)
    if v < minimum or v > maximum:
        hi = "" if maximum >= MAX_COUNT and v <= maximum else f" and <= {maximum}"   # name the bound it broke
        raise ValueError(f"{name} must be >= {minimum}{hi}, got {v}")
    return v


def size(name: str, value: Any, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """:func:`count` for the estimator's and the trainer's sizes (dimensions, points, widths, steps, batch sizes,
    restarts, trials), which also accepts a float of whole value (``1e4``, ``np.float64(8.0)``: what numpy code
    computes) up to ``2**53``, where floats stop holding every integer. A fractional float is a ``TypeError`` (not a
    count), NaN or infinity a ``ValueError``, as for every number. The exact counting functions take :func:`count`'s
    ints only.

    Example:
        >>> size("N", 1e4), size("L", 8), size("d", np.array(3))
        (10000, 8, 3)
    """
    value = _unwrap_0d(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
        if value != np.floor(value):   # in the value's own precision (a long double keeps digits a float drops)
            raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
        whole = int(value)
        if minimum <= whole <= maximum and abs(whole) > 2 ** 53:
            raise ValueError(f"{name} must be given as an int above 2**53 (a float there may not be the integer "
                             f"meant), got {value!r}")
        value = whole
    return count(name, value, minimum=minimum, maximum=maximum)


def widths_hint(L: Any) -> str:
    """``"; for several hidden layers pass widths=[4, 4]"`` when ``L`` is a list, tuple, range or 1-D array (what
    a user writing the widths of a deeper network into ``L`` passes), ``""`` for anything else. Appended to the
    refusal of such an ``L`` by the functions that take ``widths=`` (a teacher's walkthrough: ``movie(X, y, [4, 4],
    ...)`` said only "L must be an integer, got list [4, 4]").

    Example:
        >>> widths_hint([4, 4]), widths_hint(4.5)
        ('; for several hidden layers pass widths=[4, 4]', '')
    """
    if isinstance(L, np.ndarray) and L.ndim == 1:
        entries = L.tolist()
    elif isinstance(L, (list, tuple, range)):
        entries = list(L)
    else:
        return ""
    shown = entries if 0 < len(entries) <= 8 and all(is_integer(w) for w in entries) else "[L1, L2, ...]"
    return f"; for several hidden layers pass widths={shown}"


def hidden_units(L: Any, *, maximum: int, whole_floats: bool = True) -> int:
    """``L``, the hidden units of a two-layer network, for a function that also takes ``widths=``: :func:`size`
    (:func:`count` with ``whole_floats=False``) from 1 to ``maximum``, whose refusal of a list of widths says to
    pass it as ``widths=`` (:func:`widths_hint`).

    Example:
        >>> hidden_units([4, 4], maximum=100)
        Traceback (most recent call last):
        ...
        TypeError: L must be an integer, got list [4, 4]; for several hidden layers pass widths=[4, 4]
    """
    hint = widths_hint(L)
    if hint:
        raise TypeError(f"L must be an integer, got {type(L).__name__} {reprlib.repr(L)}{hint}")
    check = size if whole_floats else count
    return check("L", L, minimum=1, maximum=maximum)


def sequence(name: str, value: Any, what: str) -> None:
    """Refuse (``TypeError``) a ``value`` that is not an ordered sequence of ``what``: a list, tuple, range, 1-D array
    or other ordered iterable passes; a string or bytes (which iterate their characters), a set (no order), a
    mapping, a single number or a 0-d or 2-D array does not (a single number was numpy's ``'int' object is not
    iterable``, naming no argument). The entries are the caller's to check.

    Example:
        >>> sequence("sizes", [10, 20], "subset sizes")
        >>> sequence("sizes", 10, "subset sizes")
        Traceback (most recent call last):
        ...
        TypeError: sizes must be a list (or tuple, 1-D array, any ordered iterable) of subset sizes, got int 10
    """
    if isinstance(value, (str, bytes, AbstractSet, Mapping)) or not hasattr(value, "__iter__") \
            or (isinstance(value, np.ndarray) and value.ndim != 1):
        got = (f"an array of shape {value.shape}" if isinstance(value, np.ndarray)
               else f"{type(value).__name__} {value!r}")
        raise TypeError(f"{name} must be a list (or tuple, 1-D array, any ordered iterable) of {what}, got {got}")


#: Most hidden layers a ``widths`` argument (or :func:`~nnpartition.required_width`'s ``layers``) may name: the
#: core's constant (``estimate::MAX_LAYERS``), which refuses more layers there too.
MAX_LAYERS: int = _core.MAX_LAYERS


def widths(value: Any, *, maximum: int, name: str = "widths") -> Tuple[int, ...]:
    """Hidden widths ``[L1, L2, ...]`` as a tuple of ints, as the estimator, the sizing calls and the trainer take
    them (one check, so that all of them take the same values): any ordered iterable (a list, tuple, range, 1-D
    array or generator) of 1 to :data:`MAX_LAYERS` sizes, each read by :func:`size` (an int, or a float of whole
    value) from 1 to ``maximum``. A string, a set, a mapping or a single number is a ``TypeError`` (a string
    iterates its characters, a set has no order); no widths or more than :data:`MAX_LAYERS` a ``ValueError``; a bad
    width names its index (``widths[1] must be ...``).

    Example:
        >>> widths([64, 32.0], maximum=64), widths((w for w in (8, 4)), maximum=9), widths(np.array([16]), maximum=16)
        ((64, 32), (8, 4), (16,))
    """
    sequence(name, value, "positive integers")
    ws = list(itertools.islice(value, MAX_LAYERS + 1))   # a generator that never ends is not read to its end
    if not ws:
        raise ValueError(f"{name} must name at least one hidden layer")
    if len(ws) > MAX_LAYERS:
        count_ = f"{len(value)}" if hasattr(value, "__len__") else f"more than {MAX_LAYERS}"
        raise ValueError(f"{name} may name at most {MAX_LAYERS} hidden layers, got {count_}")
    return tuple(size(f"{name}[{i}]", w, minimum=1, maximum=maximum) for i, w in enumerate(ws))


def real(name: str, value: Any, *, minimum: Optional[float] = None, maximum: Optional[float] = None,
         open_min: bool = False) -> float:
    """Return ``value`` as a finite ``float`` in range or raise. A 0-d array counts as its scalar (as
    ``estimate_accuracy`` reads one; a 0-d bool array is still a bool).

    Example:
        >>> real("lr", np.array(0.5)), real("lr", 2)
        (0.5, 2.0)
    """
    value = _unwrap_0d(value)
    if isinstance(value, (bool, np.bool_, np.timedelta64)) \
            or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"{name} must be finite, got an integer too large for a float") from None
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if minimum is not None and (v < minimum or (open_min and v == minimum)):
        op = ">" if open_min else ">="
        raise ValueError(f"{name} must be {op} {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {v}")
    return v


def choice(name: str, value: Any, options: Sequence[str], aliases: Optional[Dict[str, str]] = None) -> str:
    """Return ``value`` if it is one of ``options`` (after ``aliases``) or raise, naming the aliases too (as the
    core's own refusal does: ``gauss`` was accepted, and the message listed only ``uniform`` and ``gaussian``).

    Example:
        >>> choice("dist", "gauss", ("uniform", "gaussian"), {"gauss": "gaussian"})
        'gaussian'
        >>> choice("dist", "Gaussian", ("uniform", "gaussian"), {"gauss": "gaussian"})
        Traceback (most recent call last):
        ...
        ValueError: dist must be one of ['uniform', 'gaussian'] (aliases: 'gauss' = 'gaussian'), got 'Gaussian'
    """
    alias = f" (aliases: {', '.join(f'{a!r} = {t!r}' for a, t in aliases.items())})" if aliases else ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {list(options)}{alias}, got {value!r}")
    v: str = (aliases or {}).get(value, value)
    if v not in options:
        raise ValueError(f"{name} must be one of {list(options)}{alias}, got {value!r}")
    # the option itself, a plain str: a str subclass (numpy's np.str_, read from an array of settings) was kept and
    # shown, as Protocol(optimizer=np.str_('sgd'), ...)
    return options[list(options).index(v)]


def seed(value: Any, name: str = "seed") -> int:
    """Return a seed as an int in ``[0, 2**64)``: see :func:`nnpartition._random.resolve_seed`."""
    return resolve_seed(value, name)


def _real_array(name: str, a: Any) -> np.ndarray:
    """``a`` as an array of a real (or bool) dtype; strings, objects, complex numbers, dates and durations
    (``timedelta64``) and ragged nested lists are refused."""
    try:
        arr = np.asarray(a)
    except ValueError as exc:   # numpy refuses ragged nests ("inhomogeneous shape ...") without naming the argument
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, got dtype {arr.dtype}")
    if not real_dtype(arr.dtype):   # timedelta64 counts as an integer dtype in numpy
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    return arr


def bools_inside(value: Any) -> bool:
    """Whether a list or tuple holds a ``bool`` or numpy bool, at any depth: numpy reads ``(True, 2)`` as
    ``[1, 2]``, so a bound or box given so would pass as numbers.

    Example:
        >>> bools_inside([0.0, True]), bools_inside(((0, 1), (np.False_, 2))), bools_inside((0, 1))
        (True, True, False)
    """
    if isinstance(value, (bool, np.bool_)):
        return True
    return isinstance(value, (list, tuple)) and any(bools_inside(x) for x in value)


def _check_conversion(name: str, arr: np.ndarray, target: Any) -> None:
    """Refuse (``max_bytes``) an array whose float copy and finiteness mask would pass the memory limit, before
    numpy allocates them: a broadcast view (``np.broadcast_to``) or a narrow dtype (int8) holds far fewer bytes than
    its float64 copy, and a failed allocation is a ``MemoryError`` (or a long uninterruptible numpy pass) instead
    of a refusal naming the argument. An array already of the target dtype and contiguous is not copied: only its
    mask (one byte an entry) counts."""
    from .limits import _check_bytes

    copied = arr.dtype != np.dtype(target) or not arr.flags.c_contiguous
    nbytes = float(arr.size) * ((np.dtype(target).itemsize if copied else 0) + 1)
    _check_bytes(f"{name} (shape {arr.shape}, as {np.dtype(target).name})", nbytes, f"pass a smaller {name}")


def _first_nonfinite(arr: np.ndarray) -> Optional[Tuple[int, ...]]:
    """The index of the first NaN or infinite entry of ``arr`` (in row-major order), or ``None`` when all are finite:
    a block of rows at a time (:func:`~nnpartition.limits._block_rows`), so that no mask of the whole array is made
    (as fast as one ``np.isfinite(arr).all()``, measured on 2e7 entries); an integer or bool array is finite.

    Example:
        >>> _first_nonfinite(np.array([[0.0, 1.0], [2.0, np.inf]])), _first_nonfinite(np.zeros(3))
        ((1, 1), None)
    """
    from .limits import _block_rows

    if arr.dtype.kind != "f" or arr.size == 0:
        return None
    if arr.ndim == 0:
        return None if np.isfinite(arr) else ()
    rows = _block_rows(int(np.prod(arr.shape[1:])))
    for i in range(0, arr.shape[0], rows):
        bad = ~np.isfinite(arr[i:i + rows])
        if bad.any():
            at = np.unravel_index(int(np.argmax(bad)), bad.shape)   # argmax: the first True
            return (i + int(at[0]),) + tuple(int(j) for j in at[1:])
    return None


def all_finite(name: str, arr: np.ndarray, source: Optional[np.ndarray] = None) -> None:
    """Refuse (``ValueError``) an array holding NaN or infinity, naming ``name`` and the first such entry: its row
    and column in a matrix, its index in a vector or a larger array (nothing more for a single value).
    :func:`float_matrix` (``finite=True``) and :func:`float_vector` check with it, and so do the arguments read
    otherwise. ``source``: the array ``arr`` was cast from, if any; where its entry is finite the cast overflowed (a
    float64 beyond float32's largest value), and the message says so, with the value.

    Example:
        >>> all_finite("W", np.array([[0.0, np.inf, np.nan]]))
        Traceback (most recent call last):
        ...
        ValueError: W contains NaN or infinity (first at row 0, column 1)
    """
    at = _first_nonfinite(arr)
    if at is None:
        return
    where = (f"first at row {at[0]}, column {at[1]}" if len(at) == 2 else f"first at index {at[0]}" if len(at) == 1
             else f"first at index {at}" if at else "")
    # (a source of numbers only: an object array's entry may not be a number numpy can test)
    given = None if source is None or source.dtype.kind not in "biuf" else source[at]
    if given is not None and np.isfinite(given):
        # (in its own precision: a long double beyond float64 is not shown as inf)
        shown = np.format_float_scientific(given, precision=3, trim="-")
        raise ValueError(f"{name} contains a value too large for {arr.dtype.name} ({where}{': ' if where else ''}"
                         f"{shown})")
    raise ValueError(f"{name} contains NaN or infinity{f' ({where})' if where else ''}")


def quiet_cast(arr: np.ndarray, dtype: Any = np.float64, *, copy: bool = False) -> np.ndarray:
    """``arr`` as ``dtype`` (a copy with ``copy``, else only where the dtype differs) without numpy's overflow
    warning, for a caller that then checks the result with ``all_finite(name, result, arr)``, which refuses the
    overflow by name (a long double beyond float64: "too large for float64", not an infinity after a
    ``RuntimeWarning``).

    Example:
        >>> big = np.array([1.0, 2.0], dtype=np.longdouble)
        >>> quiet_cast(big).dtype
        dtype('float64')
    """
    with np.errstate(over="ignore"):
        return np.array(arr, dtype=dtype) if copy else np.asarray(arr, dtype=dtype)


def float_matrix(name: str, a: Any, *, dtype: Any = None, cols: Optional[int] = None,
                 min_rows: int = 1, finite: bool = False) -> np.ndarray:
    """A 2-D float32/float64 array (no copy when already one); other numeric input becomes float64. With
    ``finite=True``, NaN and infinity are refused naming the first such entry, and so are values too large for
    ``dtype`` (a float64 ``1e300`` cast to float32: numpy's overflow warning is not raised, the refusal says it).

    Example:
        >>> float_matrix("X", [[1, 2], [3, 4]]).dtype
        dtype('float64')
        >>> float_matrix("X", [[0.0, 1.0], [2.0, float("nan")]], finite=True)
        Traceback (most recent call last):
        ...
        ValueError: X contains NaN or infinity (first at row 1, column 1)
    """
    arr = _real_array(name, a)
    if arr.ndim != 2:
        # a 1-D array for a one-input network: say how to make it one point per row (the 1-D tools take it flat)
        hint = f" (one point per row: {name}[:, None] for points of 1 input)" if arr.ndim == 1 and cols == 1 else ""
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}{hint}")
    target = dtype or (arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64)
    _check_conversion(name, arr, target)
    source = arr
    # an overflow is refused below, by name (without finite=True, the caller's own numpy error settings hold)
    arr = quiet_cast(arr, target) if finite else np.asarray(arr, dtype=target)
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} row(s), got shape {arr.shape}")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name} must have {cols} column{'' if cols == 1 else 's'}, got shape {arr.shape}")
    if finite:
        all_finite(name, arr, source)
    return arr


def float_vector(name: str, a: Any, *, dtype: Any = np.float64, length: Optional[int] = None) -> np.ndarray:
    """A 1-D float array of the given dtype and length, all finite (NaN and infinity are refused naming the first
    such entry's index).

    Example:
        >>> float_vector("w", [1.0, float("inf")])
        Traceback (most recent call last):
        ...
        ValueError: w contains NaN or infinity (first at index 1)
    """
    arr = _real_array(name, a)
    _check_conversion(name, arr, dtype)
    source, arr = arr, quiet_cast(arr, dtype)   # an overflow is refused below, by name
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    all_finite(name, arr, source)
    return arr


def binary_labels(name: str, y: Any, n: int) -> np.ndarray:
    """Labels as a uint8 array of 0/1 of length ``n`` (bools and ints accepted)."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} must have one label per row ({n} rows), got {arr.shape[0]}")
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8)
    if not real_dtype(arr.dtype):
        raise TypeError(f"{name} must hold the binary labels 0 and 1, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    bad = (arr != 0) & (arr != 1)
    if np.any(bad):
        raise ValueError(f"{name} must contain only the labels 0 and 1, found {np.unique(arr[bad])[:5].tolist()}")
    return arr.astype(np.uint8)
