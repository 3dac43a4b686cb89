"""Random two-class datasets: the data of the reference training protocol.

Points are drawn in Rust from a random stream derived from ``seed`` alone,
so the same call returns the same data on every machine and thread count.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np
from numpy.typing import NDArray

from . import _core
from . import _validate as v
from ._random import SeedLike

__all__ = ["random_dataset", "DISTS"]

#: Accepted point distributions (``"gauss"`` and ``"normal"`` are aliases of ``"gaussian"``).
DISTS = ("uniform", "gaussian")
_DIST_ALIASES = {"gauss": "gaussian", "normal": "gaussian"}


def _dist(dist: str) -> str:
    return v.choice("dist", dist, DISTS, _DIST_ALIASES)


def random_dataset(N: int, d: int, *, dist: str = "uniform",
                   seed: SeedLike = 0) -> Tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``N`` random points in ``R^d`` with i.i.d. fair-coin labels.

    Args:
        N: number of points, >= 1.
        d: input dimension, >= 1.
        dist: ``"uniform"`` (uniform in ``[-1, 1]^d``) or ``"gaussian"``
            (standard normal; ``"gauss"`` is accepted too).
        seed: an ``int`` in ``[0, 2**64)``, ``None`` (fresh entropy), or a
            numpy ``Generator`` / ``SeedSequence`` (see :mod:`nnpartition._random`).

    Returns:
        ``(X, y)``: ``X`` float64 of shape ``(N, d)``, ``y`` int64 of shape
        ``(N,)`` with values in ``{0, 1}``. This is dataset 0 of
        :func:`nnpartition.real_accuracy` with the same ``seed``.

    Example:
        >>> X, y = random_dataset(5, 3, seed=1)
        >>> X.shape, X.dtype, y.dtype
        ((5, 3), dtype('float64'), dtype('int64'))
        >>> bool(np.all(np.abs(X) <= 1)) and set(y.tolist()) <= {0, 1}
        True
        >>> np.array_equal(random_dataset(5, 3, seed=1)[0], X)
        True
    """
    N = v.count("N", N, minimum=1, maximum=2**40)
    d = v.count("d", d, minimum=1, maximum=2**24)
    if N * d > 2**31:
        raise MemoryError(f"N * d = {N * d} values would not fit in memory comfortably (limit 2**31)")
    name = _dist(dist)
    x, y = _core.random_dataset(N, d, name, v.seed(seed), 0)
    return x, y.astype(np.int64)
