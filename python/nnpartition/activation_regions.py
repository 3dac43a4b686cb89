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


def _run(X: ArrayLike, layers: Sequence[Tuple[ArrayLike, ArrayLike]], y: Optional[ArrayLike]) -> RegionStats:
    Xa = v.float_matrix("X", X)
    dtype = Xa.dtype
    prepared = []
    fan_in = Xa.shape[1]
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise TypeError(f"layers[{i}] must be a (W, b) pair, got {type(layer).__name__}")
        W = v.float_matrix(f"W (layer {i})", layer[0])
        if W.shape[0] != fan_in:
            raise ValueError(f"W (layer {i}) must have shape ({fan_in}, width) to match its input, got {W.shape}")
        if not np.all(np.isfinite(W)):
            raise ValueError(f"W (layer {i}) contains NaN or infinity")
        b = v.float_vector(f"b (layer {i})", layer[1], length=W.shape[1])
        prepared.append((_cast(f"W (layer {i})", W, dtype), _cast(f"b (layer {i})", b, dtype)))
        fan_in = W.shape[1]
    if not prepared:
        raise ValueError("layers must contain at least one (W, b) pair")
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
    return _run(X, [(W, b)], y)


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
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        # a network (DeepNet, TwoLayerNet) is the likeliest such object: say which pairs to pass
        hint = "; pass net.layers, its hidden layers' (W, b) pairs" if hasattr(layers, "layers") else ""
        raise TypeError(f"layers must be a sequence of (W, b) pairs, got {type(layers).__name__}{hint}")
    return _run(X, list(layers), y)
