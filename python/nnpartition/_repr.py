"""A one-line repr for result dataclasses that hold arrays: the scalars, and each array by its shape.

The dataclass default prints every array in full up to numpy's 1000-element summary threshold (a
``TeacherRun`` of the documented run printed about 10,000 characters, a ``SparseCode`` 2,700), so the
result types whose arrays grow with the input use :func:`short_repr` instead, in the style of
``PartitionSim``'s and ``TrainResult``'s hand-written reprs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, List

import numpy as np

__all__ = ["short_repr"]

#: Annotations that mark an array field (left out when ``None``).
_ARRAY_TYPES = ("ndarray", "NDArray", "F64")

#: A nested non-array value whose repr is longer than this is shown by its type name.
_NESTED_MAX = 120

#: An array field of at most this many entries (a measurement's per-dataset accuracies) is printed in full.
_SMALL_ARRAY = 8

#: numpy's line width for those arrays: wide enough that they never wrap.
_ONE_LINE = 10**6


def _holds_array(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return x.ndim > 0
    if isinstance(x, dict):
        return any(_holds_array(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_holds_array(v) for v in x)
    return False


def _shape(x: Any) -> str:
    """Arrays by their shape; dicts, lists and tuples of arrays by the shapes they hold."""
    if isinstance(x, np.ndarray):
        return str(tuple(x.shape))
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_shape(v)}" for k, v in x.items()) + "}"
    if len(x) > 4:
        return f"{len(x)} x {_shape(x[0])}"
    return "[" + ", ".join(_shape(v) for v in x) + "]"


def _scalar(x: Any) -> str:
    if isinstance(x, (np.generic, np.ndarray)):   # a 0-d array or a numpy scalar: its Python value
        x = x.item()
    text = repr(x)
    if len(text) > _NESTED_MAX:
        return f"<{type(x).__name__}>"
    return text


def short_repr(obj: Any) -> str:
    """``Name(field=value, ...; arrays: name (shape), ...)`` on one line.

    Every field shown by the dataclass repr is printed by its repr, except that
    arrays (and dicts, lists and tuples of them) are listed after ``arrays:``
    by their shapes, also the fields declared ``repr=False`` (a shape is
    short); a 1-D array of at most 8 entries (a measurement's per-dataset
    accuracies) is printed in full, in its place, on the same line. An array
    field that is ``None`` is left out; a nested value whose repr is long is
    shown by its type name.

    Example:
        >>> import dataclasses, numpy as np
        >>> @dataclasses.dataclass
        ... class R:
        ...     n: int
        ...     a: np.ndarray
        ...     b: object = None
        ...     c: "np.ndarray | None" = None
        ...     __repr__ = short_repr
        >>> R(3, np.zeros((3, 1000)))
        R(n=3, b=None; arrays: a (3, 1000))
        >>> R(3, np.array([0.5, 1.0]))
        R(n=3, a=array([0.5, 1. ]), b=None)
    """
    scalars: List[str] = []
    arrays: List[str] = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray) and 0 < value.ndim == 1 and value.size <= _SMALL_ARRAY and f.repr:
            # on one line: numpy wraps at 75 characters (8 float64 of a 2 -> 8 -> 1 network's b1 ran to 3 lines)
            scalars.append(f"{f.name}={np.array_repr(value, max_line_width=_ONE_LINE)}")
        elif _holds_array(value):
            arrays.append(f"{f.name} {_shape(value)}")
        elif value is None and any(t in str(f.type) for t in _ARRAY_TYPES):
            continue
        elif f.repr:
            scalars.append(f"{f.name}={_scalar(value)}")
    tail = f"; arrays: {', '.join(arrays)}" if arrays else ""
    return f"{type(obj).__name__}({', '.join(scalars)}{tail})"
