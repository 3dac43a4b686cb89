"""Frozen results that hold numpy arrays or dicts, compared and hashed by value.

A plain ``@dataclass(frozen=True)`` with an array field cannot be hashed
(arrays are unhashable) and compares with ``==`` to an ambiguous array. Result
types derive from :class:`ValueResult` and are declared with
``@dataclass(frozen=True, eq=False)``: their arrays are made read-only (a
frozen result really is immutable), and equality and hashing use every
compared field's value (arrays by dtype, shape and bytes; dicts by their items; lists and tuples by their entries;
a float NaN equals a NaN, so that a result holding one, such as the NaN ``std`` of one dataset, equals its own copy;
a field declared ``compare=False``, such as a wall time, is left out).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Tuple

import numpy as np

__all__ = ["ValueResult"]


def _value(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.shape, x.tobytes())
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
        return hash(self._key())
