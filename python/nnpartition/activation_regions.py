"""Activation regions of real networks on real points.

A point's activation pattern is the sign vector ``X @ W + b > 0`` of every
hidden unit (for a stack, of every layer, each fed the previous layer's
ReLU output). Points with the same pattern lie in the same linear region of
the network. Counting runs in Rust: points stream through in chunks, so
memory stays bounded by the chunk plus one bit-packed key per distinct
pattern; the GIL is released.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from . import _validate as v
from ._frozen import ValueResult

__all__ = ["RegionStats", "count_regions", "count_regions_deep"]



@dataclass(frozen=True, eq=False)
class RegionStats(ValueResult):
    """Distinct activation regions occupied by a set of points.

    Attributes:
        n_regions: number of distinct activation patterns among the points.
        n_points: number of points.
        occupancy: points per occupied region, largest first (``int64`` array, sums to ``n_points``).
        majority_accuracy: when labels were given, the training accuracy of a
            classifier that gives each occupied region its majority label
            (ties count half); otherwise ``None``.

    Frozen, hashable and compared by value (``occupancy`` is read-only).
    """

    n_regions: int
    n_points: int
    occupancy: NDArray[np.int64] = field(repr=False)
    majority_accuracy: Optional[float]

    @property
    def mean_occupancy(self) -> float:
        """Average number of points per occupied region."""
        return self.n_points / self.n_regions


def _cast(name: str, a: np.ndarray, dtype: Any) -> np.ndarray:
    """The finite ``a`` as ``X``'s ``dtype``: a float64 weight beyond float32's range, cast for a float32 ``X``, was
    "contains NaN or infinity" (with numpy's overflow warning) about a finite number."""
    if dtype == np.float32 and a.dtype != np.float32:
        big = np.abs(a) > np.finfo(np.float32).max
        if np.any(big):
            raise ValueError(f"{name} holds {float(a[big][0]):g}, beyond the range of float32, the dtype of X: pass X "
                             f"as float64")
    return np.asarray(a, dtype=dtype)


def _run(X: ArrayLike, layers: Any, y: Optional[ArrayLike], single: bool = False) -> RegionStats:
    """``layers``: the argument of :func:`count_regions_deep`, or (``single``) :func:`count_regions`'s ``(W, b)``."""
    from .network import _layer_pair, _layer_pairs

    Xa = v.float_matrix("X", X)
    dtype = Xa.dtype
    d, rows = Xa.shape[1], "one per column of X"
    # float32 weights are not copied (a float32 X counts in float32; wide layers were a second's copy, uninterruptible)
    checked = ([_layer_pair(layers[0], layers[1], d, rows, "W", "b", keep_float32=True)] if single
               else _layer_pairs("layers", layers, d=d, d_rows=rows, keep_float32=True))
    if single:
        prepared = [(_cast("W", checked[0][0], dtype), _cast("b", checked[0][1], dtype))]
    else:
        prepared = [(_cast(f"W of hidden layer {k}", W, dtype), _cast(f"b of hidden layer {k}", b, dtype))
                    for k, (W, b) in enumerate(checked, 1)]
    labels = None if y is None else v.binary_labels("y", y, Xa.shape[0])
    fn = _core.count_patterns_f32 if dtype == np.float32 else _core.count_patterns_f64
    n_regions, occupancy, correct_x2, n_points = fn(Xa, prepared, labels)
    acc = None if labels is None else correct_x2 / (2.0 * n_points)
    return RegionStats(int(n_regions), int(n_points), occupancy.astype(np.int64), acc)


def count_regions(X: ArrayLike, W: ArrayLike, b: ArrayLike, y: Optional[ArrayLike] = None) -> RegionStats:
    """Count the distinct activation regions of one hidden layer that the points ``X`` occupy.

    Args:
        X: points, shape ``(N, d)``, float32 or float64 (used without copying
            when already one of those; other numeric types become float64).
        W: hidden weights, shape ``(d, L)`` (the ``X @ W + b`` convention).
        b: hidden biases, shape ``(L,)``.
        y: optional binary labels (0/1 or bool), shape ``(N,)``.

    Returns:
        :class:`RegionStats`; ``majority_accuracy`` is set when ``y`` is given.

    Example:
        >>> import numpy as np
        >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> s = count_regions(X, W=np.array([[1.0]]), b=np.array([0.0]), y=[0, 1, 1, 1])
        >>> s.n_regions, s.occupancy.tolist(), s.majority_accuracy
        (2, [2, 2], 0.75)
    """
    return _run(X, (W, b), y, single=True)


def count_regions_deep(X: ArrayLike, layers: Sequence[Tuple[ArrayLike, ArrayLike]],
                       y: Optional[ArrayLike] = None) -> RegionStats:
    """Count the distinct activation regions of a ReLU stack that the points ``X`` occupy.

    ``layers = [(W1, b1), (W2, b2), ...]`` with ``W1`` of shape ``(d, n1)``,
    ``W2`` of shape ``(n1, n2)``, ...; a point's pattern is the concatenation
    of every layer's signs, each layer fed the previous layer's ReLU output.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(-1, 1, (1000, 2))
        >>> layers = [(rng.normal(size=(2, 8)), rng.normal(size=8)), (rng.normal(size=(8, 4)), rng.normal(size=4))]
        >>> s = count_regions_deep(X, layers)
        >>> 1 <= s.n_regions <= 1000
        True
    """
    if not isinstance(layers, (list, tuple, str, bytes)) and hasattr(layers, "__iter__") \
            and not hasattr(layers, "layers"):
        layers = list(layers)   # a generator of pairs, as this function has always taken
    return _run(X, layers, y)
