"""The linear regions data visit in any input dimension, with the network's affine map on each (:func:`region_map`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from .. import _validate as v
from .._repr import short_repr
from ..network import TwoLayerNet
from ._common import _params


@dataclass(frozen=True)
class RegionMap:
    """Linear regions visited by data, with the network's affine map on each (see :func:`region_map`).

    Attributes:
        ids: region id of every point (``0 .. n_regions - 1``, by first appearance).
        patterns: ``(n_regions, L)`` activation pattern (unit pre-activation ``> 0``) of each region.
        slopes: ``(n_regions, d)`` slope vector ``sum_{active} w2_i W1[:, i]`` of each region.
        offsets: ``(n_regions,)`` offset ``sum_{active} w2_i b1_i + b2``.
        counts: points per region.
        bound: the most regions ``L`` hyperplanes can cut ``R^d`` into, ``sum_{j<=d} C(L, j)``.
    """

    __repr__ = short_repr

    ids: np.ndarray
    patterns: np.ndarray
    slopes: np.ndarray
    offsets: np.ndarray
    counts: np.ndarray
    bound: int

    @property
    def n_regions(self) -> int:
        """Number of distinct regions the data visit."""
        return int(self.offsets.shape[0])

    def evaluate(self, X: Any) -> np.ndarray:
        """The network output on the points the map was built from, via their regions' affine maps."""
        # checked as region_map checks its points (np.asarray cast a complex X with a ComplexWarning and evaluated
        # NaN and infinity to NaN)
        X = v.float_matrix("X", X, dtype=np.float64, finite=True)
        if X.shape != (self.ids.shape[0], self.slopes.shape[1]):
            raise ValueError(f"X must be the {self.ids.shape[0]} x {self.slopes.shape[1]} points the map was "
                             f"built from, got shape {X.shape}")
        return np.asarray(np.einsum("ij,ij->i", X, self.slopes[self.ids]) + self.offsets[self.ids])


def region_map(net: TwoLayerNet, X: Any) -> RegionMap:
    """Each point's linear region (activation pattern) and that region's
    affine map ``x -> slope . x + offset``, computed in Rust in parallel (GIL
    released; ids are independent of the thread count).

    Example:
        >>> net = TwoLayerNet(W1=np.array([[1.0, 0.0], [0.0, 1.0]]), b1=np.zeros(2),
        ...                   w2=np.array([2.0, -1.0]), b2=0.5)
        >>> X = np.array([[1.0, 1.0], [2.0, -1.0], [-1.0, -1.0], [3.0, 2.0]])
        >>> rm = region_map(net, X)
        >>> rm.ids.tolist(), rm.n_regions, rm.bound
        ([0, 1, 2, 0], 3, 4)
        >>> rm.slopes.tolist(), rm.offsets.tolist()
        ([[2.0, -1.0], [2.0, 0.0], [0.0, 0.0]], [0.5, 0.5, 0.5])
        >>> np.allclose(rm.evaluate(X), net.decision_function(X))
        True
    """
    W1, b1, w2, b2 = _params(net)
    X = v.float_matrix("X", X, dtype=np.float64, cols=W1.shape[0])
    ids, patterns, slopes, offsets, counts = _core.region_map_f64(
        np.ascontiguousarray(X), np.ascontiguousarray(W1), b1, w2, float(b2))
    from ..counting import regions
    d, L = W1.shape
    return RegionMap(ids=ids.astype(np.int64), patterns=patterns, slopes=slopes, offsets=offsets,
                     counts=counts, bound=int(regions(L, d)))
