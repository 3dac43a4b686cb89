"""What an expand-and-sparsify code is (see :mod:`nnpartition.sparse.code`).

* :func:`code_stats` reports what the code really is: rank of the activation
  matrix, units that never fire, all-zero rows.
* :func:`pattern_overlap` measures locality: Jaccard overlap of active sets
  against input distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validate as v
from .._random import SeedLike, resolve_seed
from ..limits import _check_bytes, _interruptible
from .._repr import short_repr
from .code import SparseCode, _matrix
from .code import expand_sparsify  # noqa: F401 - the docstring examples' code

__all__ = ["CodeStats", "code_stats", "PatternOverlap", "pattern_overlap"]


@dataclass(frozen=True)
class CodeStats:
    """What a code matrix really is (see :func:`code_stats`).

    Attributes:
        n_points, m: shape of the code matrix.
        rank: numerical rank of the ``(N, m)`` matrix (numpy's SVD rule).
        dead_units: indices of units (columns) that never fire (all zero).
        zero_rows: number of points whose code is all zero (no unit fires).
        sparsity: fraction of non-zero entries.
        distinct_rows: number of distinct code vectors (points sharing a code cannot take
            different labels under any readout).
    """

    __repr__ = short_repr

    n_points: int
    m: int
    rank: int
    dead_units: np.ndarray
    zero_rows: int
    sparsity: float
    distinct_rows: int = 0


#: Rows of one block of :func:`_rank`'s QR (at least the short side): 4 MiB of float64 with it.
_RANK_BLOCK_BYTES = 2**22


def _rank(Z: np.ndarray) -> int:
    """``numpy.linalg.matrix_rank(Z)`` (the same tolerance, ``s_max max(N, m) eps``) from the singular values of
    the ``R`` of a blockwise QR of the long side (TSQR): the same singular values, and a Ctrl-C between two blocks
    stops it (the SVD of the whole matrix was one numpy call of many seconds). It is not faster: about 1.25 times
    the SVD's CPU time at 6000 x 2000 with BLAS on one thread (``benchmarks/claims_sparse.py``, its last table).
    Each block is divided by the largest ``|Z_ij|`` first (the rank and the relative tolerance do not change): entries
    near ``1e308`` overflowed the QR's column norms or the tolerance to infinity and gave rank 0.

    Example:
        >>> Z = np.random.default_rng(0).standard_normal((20000, 40)) @ np.diag([1.0] * 30 + [0.0] * 10)
        >>> _rank(Z), _rank(Z.T), int(np.linalg.matrix_rank(Z))   # two blocks of 13,107 rows
        (30, 30, 30)
    """
    if Z.size == 0:
        return 0
    if Z.shape[0] < Z.shape[1]:
        Z = Z.T
    n, m = Z.shape
    top = max(float(Z.max()), -float(Z.min()))   # max |Z_ij| without an |Z| copy of the whole matrix
    if top == 0:
        return 0
    block = max(m, _RANK_BLOCK_BYTES // (8 * m))
    # each LAPACK call is one unit that Ctrl-C cannot stop; _interruptible returns to the caller at once
    R = _interruptible(2.0 * block * m * m, np.linalg.qr, Z[:block] / top, mode="r")
    for k in range(block, n, block):
        R = _interruptible(2.0 * (block + m) * m * m, np.linalg.qr, np.vstack([R, Z[k:k + block] / top]), mode="r")
    s = _interruptible(10.0 * float(m) ** 3, lambda: np.linalg.svd(R, compute_uv=False))
    if not s.size or s[0] == 0:
        return 0
    return int(np.count_nonzero(s > s[0] * n * np.finfo(np.float64).eps))


def code_stats(Z: Any) -> CodeStats:
    """Rank, dead units and all-zero rows of a code (a :class:`SparseCode` or an ``(N, m)`` matrix).

    Cover's capacity applies to the code's rank, not to ``m``; a threshold code
    may give some points no active unit at all (an all-zero row, which no
    hyperplane through the origin can classify).

    Example:
        >>> stats = code_stats(np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
        >>> stats.rank, stats.dead_units.tolist(), stats.zero_rows, stats.distinct_rows
        (1, [1, 2], 1, 3)
    """
    Z = _matrix(Z)
    nz = Z != 0
    return CodeStats(n_points=int(Z.shape[0]), m=int(Z.shape[1]), rank=_rank(Z),
                     dead_units=np.flatnonzero(~nz.any(axis=0)), zero_rows=int(np.count_nonzero(~nz.any(axis=1))),
                     sparsity=float(nz.mean()) if Z.size else 0.0,
                     distinct_rows=_distinct_rows(Z))


def _distinct_rows(Z: np.ndarray) -> int:
    """Distinct rows of a finite float64 matrix, each row read as one opaque value (``np.unique(Z, axis=0)`` builds
    a structured dtype of ``m`` fields: 8 s for one row of 10^6 columns, against milliseconds here).

    Example:
        >>> _distinct_rows(np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, 0.0]]))
        2
    """
    if Z.size == 0:
        return int(Z.shape[0] > 0)
    R = np.ascontiguousarray(Z + 0.0)   # -0.0 + 0.0 is 0.0: equal rows compare equal byte for byte
    return int(np.unique(R.view(np.dtype((np.void, R.dtype.itemsize * R.shape[1])))).shape[0])


@dataclass(frozen=True)
class PatternOverlap:
    """Locality of a code (see :func:`pattern_overlap`).

    Attributes:
        distance, jaccard: for each sampled pair of points, their Euclidean distance and the
            Jaccard overlap ``|A_i & A_j| / |A_i | A_j|`` of their active sets.
        bin_edges, bin_mean: mean Jaccard overlap in distance bins (NaN for empty bins).
        correlation: Pearson correlation of distance and overlap (negative for a local code; NaN when
            the sampled distances or overlaps are all equal, e.g. a single pair).
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    distance: np.ndarray
    jaccard: np.ndarray
    bin_edges: np.ndarray
    bin_mean: np.ndarray
    correlation: float
    seed: int = 0


def pattern_overlap(X: Any, code: SparseCode, *, pairs: int = 1000, bins: int = 10,
                    seed: SeedLike = 0) -> PatternOverlap:
    """Jaccard overlap of the active sets of random pairs of points against
    their distance: the locality property fly hashing relies on (near points
    share winners).

    ``code`` is the :class:`SparseCode` of ``X`` (from :func:`expand_sparsify`).

    Example:
        >>> X = np.random.default_rng(0).normal(size=(300, 8))
        >>> ov = pattern_overlap(X, expand_sparsify(X, 400, k=20, seed=2), pairs=500)
        >>> ov.correlation < -0.5
        True
    """
    if not isinstance(code, SparseCode):
        raise TypeError(f"code must be a SparseCode from expand_sparsify, got {type(code).__name__}")
    # the columns the code's projection reads (an audit: an X of other inputs, even of no column, gave distances
    # that are not those of the coded points, or all zero, and a NaN correlation)
    X = v.float_matrix("X", X, dtype=np.float64, cols=code.projection.shape[0], finite=True)
    n = X.shape[0]
    if code.n_points != n:
        raise ValueError(f"code has {code.n_points} points but X has {n} rows")
    if n < 2:
        raise ValueError("X must have at least 2 rows")
    pairs = v.count("pairs", pairs, minimum=1, maximum=10**7)
    bins = v.count("bins", bins, minimum=1, maximum=10**4)
    # the active sets (n x m), both rows of every pair and their intersection and union (4 pairs x m), and the
    # pairs' indices and scaled differences (an audit: 10^7 pairs of a 250-unit code took 5 GB)
    _check_bytes(f"pattern_overlap of {pairs} pairs of a code of {code.m} units",
                 float(n) * code.m + 4.0 * pairs * code.m + 8.0 * pairs * (2 * X.shape[1] + 8),
                 "use fewer pairs")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, pairs)
    j = (i + rng.integers(1, n, pairs)) % n
    act = code.active()
    inter = np.count_nonzero(act[i] & act[j], axis=1)
    union = np.count_nonzero(act[i] | act[j], axis=1)
    jac = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    scale = float(np.abs(X).max(initial=0.0)) or 1.0  # differences of the scaled rows cannot overflow
    unit = np.linalg.norm(X[i] / scale - X[j] / scale, axis=1)  # distances / scale
    with np.errstate(over="ignore"):
        dist = unit * scale
    if not np.all(np.isfinite(dist)):
        raise ValueError("distances between rows of X overflow float64: rescale X")
    edges = np.linspace(dist.min(), dist.max(), bins + 1)
    which = np.clip(np.searchsorted(edges, dist, side="right") - 1, 0, bins - 1)
    sums = np.bincount(which, weights=jac, minlength=bins)
    cnt = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    # Pearson's r is scale-invariant: take it on the scaled distances, whose moments cannot overflow.
    corr = float(np.corrcoef(unit, jac)[0, 1]) if np.std(jac) > 0 and np.std(unit) > 0 else float("nan")
    return PatternOverlap(distance=dist, jaccard=jac, bin_edges=edges, bin_mean=means, correlation=corr, seed=seed)
