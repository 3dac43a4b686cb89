"""Frozen results that hold numpy arrays or dicts, compared and hashed by value.

A plain ``@dataclass(frozen=True)`` with an array field cannot be hashed
(arrays are unhashable) and compares with ``==`` to an ambiguous array. Result
types derive from :class:`ValueResult` and are declared with
``@dataclass(frozen=True, eq=False)``: their arrays are made read-only (a
frozen result really is immutable), and equality and hashing use every
compared field's value (arrays by dtype, shape and bytes; dicts by their items; lists and tuples by their entries;
a float NaN equals a NaN, so that a result holding one, such as the NaN ``std`` of one dataset, equals its own copy;
a field declared ``compare=False``, such as a wall time, is left out). A float array follows the scalar rule: every
NaN (whatever its sign or payload) equals every NaN and ``-0.0`` equals ``0.0``, as they do in a float field (its
bytes are compared after ``-0.0`` is made ``0.0`` and each NaN one NaN, in a copy; an integer or bool array is
compared by its bytes as they are, with no such copy).

The hash is computed once, on the first ``hash()``, and kept in the instance (it reads every array's bytes, and
was read again on every call): sound because the result is frozen and its arrays read-only. A caller who makes an
array writeable again (``setflags(write=True)``), writes through a writeable array it is a view of, or changes a dict or
list inside a result has changed a value that its hash (and any set or dict holding it) was computed from; equality
is always computed afresh. The kept hash is not pickled or copied (a string's hash differs between processes).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Tuple

import numpy as np

__all__ = ["ValueResult"]

#: The instance attribute that keeps a result's hash once computed.
_HASH = "_value_hash"


def _float_bytes(x: np.ndarray) -> bytes:
    """The bytes of a float array with ``-0.0`` made ``0.0`` and every NaN made one NaN (the scalar rule)."""
    canonical = x.copy()   # an array even when 0-d (x + 0 would be a numpy scalar)
    with np.errstate(invalid="ignore"):   # a signalling NaN's add is "invalid"; its NaN is replaced below
        canonical += 0   # -0.0 + 0.0 == +0.0 (round to nearest)
    nan = np.isnan(canonical)
    if nan.any():
        canonical[nan] = np.nan
    return bytes(canonical.tobytes())


def _value(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.shape, _float_bytes(x) if x.dtype.kind == "f" else x.tobytes())
    if isinstance(x, dict):
        return ("dict", tuple(sorted((k, _value(v)) for k, v in x.items())))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_value(v) for v in x))
    if isinstance(x, (float, np.floating)) and x != x:   # NaN: one value (NaN != NaN, and its hash is its id's)
        return ("nan",)
    return x


class ValueResult:
    """Mixin for frozen result dataclasses: read-only arrays, equality and hash by value.

    Example:
        >>> import dataclasses, numpy as np
        >>> @dataclasses.dataclass(frozen=True, eq=False)
        ... class R(ValueResult):
        ...     n: int
        ...     a: np.ndarray
        >>> r = R(1, np.arange(3))
        >>> r == R(1, np.arange(3)), len({r, R(1, np.arange(3))}), r.a.flags.writeable
        (True, 1, False)
        >>> R(1, np.arange(3)) == R(2, np.arange(3)), R(float("nan"), np.arange(3)) == R(float("nan"), np.arange(3))
        (False, True)
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    def _key(self) -> Tuple[Any, ...]:
        return tuple(_value(getattr(self, f.name)) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                     if f.compare)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, ValueResult)
        return self._key() == other._key()

    def __hash__(self) -> int:
        # kept beside the fields (not one of them: no part of eq, repr, fields() or replace()), set once
        kept = self.__dict__.get(_HASH)
        if kept is None:
            kept = hash(self._key())
            object.__setattr__(self, _HASH, kept)
        return kept

    def __getstate__(self) -> Dict[str, Any]:
        # the kept hash is this process's (a str's or bytes' hash is salted per process): not pickled or copied
        state = dict(self.__dict__)
        state.pop(_HASH, None)
        return state
