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
from .limits import _check_bytes

__all__ = ["random_dataset", "toy_dataset", "DISTS", "TOY_KINDS"]

#: Accepted point distributions (``"gauss"`` and ``"normal"`` are aliases of ``"gaussian"``).
DISTS = _core.CHOICES["dist"]
_DIST_ALIASES = _core.ALIASES["dist"]


def _dist(dist: str) -> str:
    return v.choice("dist", dist, DISTS, _DIST_ALIASES)


def random_dataset(N: int, d: int, *, dist: str = "uniform",
                   seed: SeedLike = 0) -> Tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``N`` random points in ``R^d`` with i.i.d. fair-coin labels.

    The number of points comes first: ``random_dataset(N, d)``, where :func:`nnpartition.estimate_accuracy`,
    :func:`nnpartition.real_accuracy` and :func:`nnpartition.required_width` take ``(d, N, ...)``
    (``random_dataset(10, 1000)`` is 10 points in 1000 dimensions). Passing them by name, ``random_dataset(N=1000,
    d=10)``, reads the same either way.

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
        >>> X, y = random_dataset(N=5, d=3, seed=1)   # 5 points in R^3
        >>> X.shape, X.dtype, y.dtype
        ((5, 3), dtype('float64'), dtype('int64'))
        >>> bool(np.all(np.abs(X) <= 1)) and set(y.tolist()) <= {0, 1}
        True
        >>> np.array_equal(random_dataset(N=5, d=3, seed=1)[0], X)
        True
    """
    N = v.count("N", N, minimum=1, maximum=2**40)
    d = v.count("d", d, minimum=1, maximum=2**24)
    if N * d > 2**31:
        raise ValueError(f"N * d = {N * d} values would not fit in memory comfortably (limit 2**31)")
    name = _dist(dist)
    x, y = _core.random_dataset(N, d, name, v.seed(seed), 0)
    return x, y.astype(np.int64)


#: Bytes a point costs :func:`toy_dataset` beyond its ``8 d`` bytes of coordinates, per kind drawn with numpy: labels,
#: their copies and the label noise (all kinds), radii and angles (spirals), the teacher's ``N x 4`` hidden layer.
TOY_POINT_BYTES = {"xor": 32, "spirals": 56, "teacher": 112}


def toy_bytes(kind: str, N: int, d: int) -> int:
    """Bytes :func:`toy_dataset` reserves at most for a kind it draws with numpy (xor, spirals, teacher): the
    points (``8 N d``), ``TOY_POINT_BYTES[kind]`` a point, the teacher's weights and their scaled copy (``64 d``)
    and 8 KiB of small arrays.

    Example:
        >>> toy_bytes("xor", 1000, 2)
        56192
    """
    kind = v.choice("kind", kind, tuple(TOY_POINT_BYTES))
    N = v.count("N", N, minimum=1, maximum=2**32)
    d = v.count("d", d, minimum=1, maximum=2**20)
    return 8 * N * d + TOY_POINT_BYTES[kind] * N + (64 * d if kind == "teacher" else 0) + 8192


#: Kinds of :func:`toy_dataset`.
TOY_KINDS = DISTS + ("xor", "spirals", "teacher")   # the core's point distributions, then those drawn here


def _toy_dist(kind: str) -> str:
    """The point law the estimator takes for a :func:`toy_dataset` kind (its ``dist=``): ``"gaussian"`` for gaussian
    points, else ``"uniform"`` (xor and teacher points are uniform in ``[-1, 1]^d``; the spirals are taken so too).

    Example:
        >>> _toy_dist("gaussian"), _toy_dist("xor")
        ('gaussian', 'uniform')
    """
    return "gaussian" if kind == "gaussian" else "uniform"


def toy_dataset(kind: str, N: int, d: int = 2, *, seed: SeedLike = 0,
                noise: float = 0.0) -> Tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Small two-class datasets to watch a network learn (``nnpartition movie --data``).

    Args:
        kind: ``"uniform"`` / ``"gaussian"``: :func:`random_dataset` (random
            labels, the estimator's setting); ``"xor"``: uniform in ``[-1, 1]^d``,
            label 1 where ``x_0 x_1 > 0``; ``"spirals"``: two interleaved spirals
            in the first two coordinates (radius up to 1; further coordinates
            uniform in ``[-0.1, 0.1]``); ``"teacher"``: uniform in ``[-1, 1]^d``,
            labelled by a random ``d -> 4 ReLU -> 1`` teacher network (drawn from
            the same seed) with balanced classes.
        N: number of points (spirals alternate the two classes, so both appear from N = 2 on).
        d: input dimension (>= 2 for xor and spirals).
        seed: as for :func:`random_dataset`.
        noise: flip each label with this probability (``[0, 0.5]``).

    Returns:
        ``(X, y)``: float64 ``(N, d)`` and int64 labels in ``{0, 1}``.

    Example:
        >>> X, y = toy_dataset("xor", 6, seed=1)
        >>> X.shape, bool(np.all(y == (X[:, 0] * X[:, 1] > 0)))
        ((6, 2), True)
        >>> np.array_equal(toy_dataset("spirals", 50, seed=3)[0], toy_dataset("spirals", 50, seed=3)[0])
        True
    """
    kind = v.choice("kind", kind, TOY_KINDS, _DIST_ALIASES)
    N = v.count("N", N, minimum=1, maximum=2**32)
    d = v.count("d", d, minimum=1, maximum=2**20)
    noise = v.real("noise", noise, minimum=0.0, maximum=0.5)
    if N * d > 2**31:
        raise ValueError(f"N * d = {N * d} values would not fit in memory comfortably (limit 2**31)")
    if kind in ("xor", "spirals") and d < 2:
        raise ValueError(f"{kind} data needs d >= 2, got d = {d}")
    if kind not in DISTS:   # drawn here with numpy (the core checks random_dataset's own sizes)
        _check_bytes(f"toy_dataset({kind!r}, N={N}, d={d})", toy_bytes(kind, N, d), "use fewer points or dimensions")
    s = v.seed(seed)
    if kind in DISTS:
        X, y = random_dataset(N, d, dist=kind, seed=s)
    else:
        rng = np.random.default_rng(s)
        if kind == "xor":
            X = rng.uniform(-1, 1, (N, d))
            y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
        elif kind == "spirals":
            y = np.arange(N) % 2
            r = rng.uniform(0.05, 1.0, N)
            theta = 3 * np.pi * r + np.pi * y + rng.normal(0, 0.08, N)
            X = rng.uniform(-0.1, 0.1, (N, d))
            X[:, 0], X[:, 1] = r * np.cos(theta), r * np.sin(theta)
            y = y.astype(np.int64)
        else:
            W = rng.normal(size=(d, 4)) / np.sqrt(d)
            b = rng.normal(size=4) * 0.3
            w = rng.normal(size=4)
            X = rng.uniform(-1, 1, (N, d))
            z = np.maximum(X @ W + b, 0) @ w
            y = (z > np.median(z)).astype(np.int64)
    if noise > 0:
        flip = np.random.default_rng([s, 1]).random(N) < noise
        y = np.where(flip, 1 - y, y)
    return np.ascontiguousarray(X, dtype=np.float64), y.astype(np.int64)
