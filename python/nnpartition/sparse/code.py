"""Expand-and-sparsify random codes (seed 2): a random projection to ``m > d``
dimensions followed by sparsification.

* :func:`expand_sparsify` builds the code (Rust core, parallel, GIL released):
  top-k winner-take-all, per-unit thresholds calibrated to firing rate ``k/m``,
  or ReLU; :class:`SparseCode` holds it and codes new points.

What the code is and what a linear readout can do with it are in the package's
other modules (their names stay importable from here, :mod:`nnpartition._moved`):

* :mod:`.stats`: :func:`code_stats` (rank of the activation matrix, units that
  never fire, all-zero rows) and :func:`pattern_overlap` (locality: Jaccard
  overlap of active sets against input distance).
* :mod:`.capacity`: :func:`readout_accuracy` (the training accuracy of a linear
  readout on the code: least squares, or a perceptron run: heuristics, lower
  bounds on separability; exact separability is
  :func:`nnpartition.separability.separable`) and :func:`capacity_curve` (the
  fraction of random labelings that are exactly separable on the code against
  ``N``, next to Cover's prediction for the code's rank ``r`` and for ``m``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .. import _core
from .._moved import moved
from .. import _validate as v
from .._random import SeedLike, resolve_seed
from ..limits import _check_bytes
from .._repr import short_repr

__all__ = ["SparseCode", "expand_sparsify"]

_PROJECTIONS = _core.CHOICES["projection"]
_SPARSIFIERS = _core.CHOICES["sparsify"]


@dataclass(frozen=True)
class SparseCode:
    """An expand-and-sparsify code of ``N`` points (see :func:`expand_sparsify`).

    Attributes:
        m: code dimension; ``sparsify``: ``"topk"``, ``"threshold"`` or ``"relu"``; ``k``: target active units.
        projection: the ``(d, m)`` random matrix ``Theta``; ``bias``: the ``(m,)`` offset added to ``X Theta``.
        indptr, indices: for top-k and threshold codes, the active units of row ``i`` are
            ``indices[indptr[i]:indptr[i + 1]]`` (ascending). For top-k every row has
            exactly ``k``, so ``indices.reshape(N, k)`` lists the winners.
        dense: the ``(N, m)`` ReLU code (``None`` otherwise).
        thresholds: the calibrated per-unit thresholds of a threshold code (``None`` otherwise).
        seed: the integer seed of the projection actually used (what ``seed=`` resolved to); passing it as
            ``seed=`` draws the same projection (:meth:`encode` keeps it).
    """

    __repr__ = short_repr

    m: int
    sparsify: str
    k: Optional[int]
    projection: np.ndarray
    bias: np.ndarray
    indptr: Optional[np.ndarray] = None
    indices: Optional[np.ndarray] = None
    dense: Optional[np.ndarray] = None
    thresholds: Optional[np.ndarray] = None
    seed: int = 0

    @property
    def n_points(self) -> int:
        """Number of coded points ``N``."""
        if self.dense is not None:
            return int(self.dense.shape[0])
        assert self.indptr is not None
        return int(self.indptr.shape[0]) - 1

    @property
    def sparsity(self) -> float:
        """Achieved fraction of non-zero code entries (``k/m`` for top-k)."""
        if self.dense is not None:
            nnz = int(np.count_nonzero(self.dense))
        else:
            assert self.indices is not None
            nnz = int(self.indices.shape[0])
        return float(nnz) / (self.n_points * self.m)

    def active(self) -> np.ndarray:
        """``(N, m)`` boolean matrix of the active (non-zero) units (refused beyond ``max_bytes``)."""
        _check_bytes(f"the active units of a code of {self.n_points} points and {self.m} units",
                     float(self.n_points) * self.m, "code fewer points")
        if self.dense is not None:
            return self.dense > 0
        assert self.indptr is not None and self.indices is not None
        out = np.zeros((self.n_points, self.m), dtype=bool)
        rows = np.repeat(np.arange(self.n_points), np.diff(self.indptr).astype(np.int64))
        out[rows, self.indices.astype(np.int64)] = True
        return out

    def toarray(self) -> np.ndarray:
        """The code as a dense ``(N, m)`` float64 matrix (refused beyond ``max_bytes``)."""
        _check_bytes(f"a dense code of {self.n_points} points and {self.m} units", 9.0 * self.n_points * self.m,
                     "code fewer points")
        return self.dense.copy() if self.dense is not None else self.active().astype(np.float64)

    def encode(self, X: Any) -> "SparseCode":
        """Code new points with the same projection, bias and thresholds (top-k and
        ReLU are per point; threshold codes reuse the calibrated thresholds)."""
        # (the core refused a NaN too, naming no entry)
        X = v.float_matrix("X", X, dtype=np.float64, cols=self.projection.shape[0], finite=True)
        return _encode(np.ascontiguousarray(X), self.m, self.k, self.sparsify, self.projection, self.bias,
                       self.thresholds, self.seed)


def _encode(X: np.ndarray, m: int, k: Optional[int], sparsify: str, theta: np.ndarray, bias: np.ndarray,
            tau: Optional[np.ndarray], seed: int) -> SparseCode:
    n = X.shape[0]
    if sparsify == "topk":
        assert k is not None
        idx = _core.eas_topk(X, theta, bias, k)
        return SparseCode(m=m, sparsify=sparsify, k=k, projection=theta, bias=bias,
                          indptr=np.arange(0, n * k + 1, k, dtype=np.uint64), indices=idx.reshape(-1), seed=seed)
    if sparsify == "threshold":
        if tau is None:
            assert k is not None
            tau = _core.eas_thresholds(X, theta, bias, k)
        indptr, idx = _core.eas_threshold_code(X, theta, bias, tau)
        return SparseCode(m=m, sparsify=sparsify, k=k, projection=theta, bias=bias, indptr=indptr, indices=idx,
                          thresholds=tau, seed=seed)
    return SparseCode(m=m, sparsify=sparsify, k=k, projection=theta, bias=bias,
                      dense=_core.eas_relu(X, theta, bias), seed=seed)


def expand_sparsify(X: Any, m: int, *, k: Optional[int] = None, projection: str = "gaussian",
                    density: Optional[float] = None, sparsify: str = "topk", bias: Any = 0.0,
                    seed: SeedLike = 0) -> SparseCode:
    """Project the rows of ``X`` (shape ``(N, d)``) to ``m`` dimensions with a
    seeded random matrix and sparsify.

    Args:
        m: code dimension (usually ``> d``).
        k: active units per point for ``"topk"`` (exactly ``k``) and ``"threshold"``
            (``k`` on average: each unit fires for ``round(N k / m)`` of the points);
            default ``max(1, m // 20)`` (5 %). Ignored by ``"relu"`` (a ``k`` given is still checked: an integer in
            ``[1, m]``).
        projection: ``"gaussian"`` (entries ``N(0, 1/d)``) or ``"sparse_binary"``
            (each unit sums ``max(1, round(density * d))`` randomly chosen inputs;
            ``density`` defaults to 0.1).
        sparsify: ``"topk"`` (winner-take-all), ``"threshold"`` or ``"relu"``.
        bias: a real number or a length-``m`` sequence of them (finite), the offset added before sparsifying; anything
            else (a string, ``None``, a bool) is a ``TypeError``.
        seed: seed of the projection (the result does not depend on the thread count); the code's ``seed``
            is the integer used.

    Example:
        >>> X = np.random.default_rng(0).normal(size=(500, 10))
        >>> code = expand_sparsify(X, 200, k=10, seed=1)
        >>> code.indices.reshape(500, 10).shape, code.sparsity
        ((500, 10), 0.05)
        >>> relu = expand_sparsify(X, 200, sparsify="relu")
        >>> round(1 - relu.sparsity, 1)
        0.5
    """
    X = v.float_matrix("X", X, dtype=np.float64, finite=True)
    d = X.shape[1]
    if d < 1:
        raise ValueError(f"X must have at least one column, got shape {X.shape}")
    m = v.count("m", m, minimum=1, maximum=2**31)
    projection = v.choice("projection", projection, _PROJECTIONS)
    sparsify = v.choice("sparsify", sparsify, _SPARSIFIERS)
    if k is not None:   # checked for every sparsifier, also for "relu", which ignores it
        k = v.count("k", k, minimum=1)
        if k > m:
            raise ValueError(f"k must be <= m ({m}), got {k}")
    if sparsify == "relu":
        k = None
    elif k is None:
        k = max(1, m // 20)
    s = 0
    if projection == "sparse_binary":
        dens = 0.1 if density is None else v.real("density", density, minimum=0.0, maximum=1.0, open_min=True)
        s = min(d, max(1, int(round(dens * d))))
    elif density is not None:
        raise ValueError("density only applies to projection='sparse_binary'")
    # The code's memory, then the projection's (d x m), each checked by the core before anything of size m exists
    _core.eas_code_check(X.shape[0], d, m, k or 0, sparsify)
    beta = _bias(bias, m)   # before the projection is drawn
    seed = resolve_seed(seed)
    theta = _core.eas_projection(d, m, projection, s, seed)
    return _encode(np.ascontiguousarray(X), m, k, sparsify, theta, beta, None, seed)


def _bias(bias: Any, m: int) -> np.ndarray:
    """:func:`expand_sparsify`'s ``bias`` as ``m`` finite floats: a real number (a 0-d array of one too) or ``m`` of
    them. numpy read ``"1.5"`` and ``True`` as numbers and ``None`` as NaN (refused as "NaN or infinity", a value
    never given), and ``"abc"`` failed in its own words, naming no argument.

    Example:
        >>> _bias(0.5, 3).tolist(), _bias([0, 1, 2], 3).tolist()
        ([0.5, 0.5, 0.5], [0.0, 1.0, 2.0])
    """
    if isinstance(bias, np.ndarray) and bias.ndim == 0:
        bias = bias[()]
    if not isinstance(bias, (list, tuple, np.ndarray)):
        return np.full(m, v.real("bias", bias))
    if v.bools_inside(bias) or (isinstance(bias, np.ndarray) and bias.dtype == np.bool_):
        raise TypeError("bias must hold real numbers, got bools")
    return v.float_vector("bias", bias, length=m)


def _matrix(Z: Any) -> np.ndarray:
    if isinstance(Z, SparseCode):
        return Z.toarray()
    Z = v.float_matrix("Z", Z, dtype=np.float64, finite=True)
    return np.asarray(Z)


#: The names defined here before the split, and the module that defines each now (:mod:`nnpartition._moved`).
_MOVED = {"CodeStats": ".stats", "code_stats": ".stats", "PatternOverlap": ".stats", "pattern_overlap": ".stats",
          "CapacityCurve": ".capacity", "capacity_curve": ".capacity", "readout_accuracy": ".capacity",
          "MAX_CAPACITY_N": ".capacity"}


def __getattr__(name: str) -> Any:
    """A name of the code's analyses, defined here until the split (PEP 562): imported from where it is
    defined now."""
    return moved(__name__, _MOVED, name)
