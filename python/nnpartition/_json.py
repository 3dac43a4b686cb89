"""Values made ready for strict JSON (RFC 8259): what ``to_dict()`` methods return and ``--json`` prints."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def json_ready(x: Any) -> Any:
    """``x`` with arrays and tuples as lists, numpy scalars as plain ones, and every non-finite number (an infinite
    ``k_sat`` in high ``d``, the ``nan`` ceiling of ``ceiling=False``) as ``None``, through dicts and lists.

    Example:
        >>> json_ready({"a": np.array([1.0, np.inf]), "b": (np.float32(2.5), float("nan"))})
        {'a': [1.0, None], 'b': [2.5, None]}
    """
    if isinstance(x, dict):
        return {k: json_ready(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [json_ready(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    return None if isinstance(x, float) and not math.isfinite(x) else x
