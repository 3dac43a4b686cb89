"""Expand-and-sparsify random codes (seed 2): a random projection to ``m > d``
dimensions followed by sparsification, and what a linear readout can do with
the code.

* :func:`expand_sparsify` builds the code (Rust core, parallel, GIL released):
  top-k winner-take-all, per-unit thresholds calibrated to firing rate ``k/m``,
  or ReLU.
* :func:`code_stats` reports what the code really is: rank of the activation
  matrix, units that never fire, all-zero rows.
* :func:`readout_accuracy` is the training accuracy of a linear readout on the
  code (least squares, or a perceptron run: heuristics, lower bounds on
  separability); exact separability is :func:`nnpartition.separability.separable`.
* :func:`capacity_curve` measures the fraction of random labelings that are
  exactly separable on the code against ``N``, next to Cover's prediction for
  the code's rank ``r`` (and for ``m``).
* :func:`pattern_overlap` measures locality: Jaccard overlap of active sets
  against input distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from .. import _core
from .. import _validate as v
from .._random import SeedLike, resolve_seed
from ..counting import separable_probability
from ..limits import _check_bytes, _check_work, _interruptible
from .._repr import short_repr

__all__ = [
    "CapacityCurve",
    "CodeStats",
    "code_stats",
    "PatternOverlap",
    "SparseCode",
    "capacity_curve",
    "expand_sparsify",
    "pattern_overlap",
    "readout_accuracy",
]

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
        X = v.float_matrix("X", X, dtype=np.float64, cols=self.projection.shape[0])
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
    X = v.float_matrix("X", X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity")
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
    Z = v.float_matrix("Z", Z, dtype=np.float64)
    if not np.all(np.isfinite(Z)):
        raise ValueError("Z contains NaN or infinity")
    return np.asarray(Z)


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


def _accuracy(scores: np.ndarray, t: np.ndarray) -> float:
    """Accuracy of ``sign(scores)`` against ``t`` (+-1); a zero score is a coin flip and counts 1/2."""
    return float(np.mean(np.where(scores == 0, 0.5, (t * scores > 0).astype(np.float64))))


def readout_accuracy(Z: Any, y: Any, *, method: str = "lstsq", fit_intercept: bool = False,
                     epochs: int = 500) -> float:
    """Training accuracy of a linear readout ``sign(Z w (+ b))`` on a code: a
    heuristic. Exact separability is :func:`nnpartition.separability.separable`.

    ``Z`` is a :class:`SparseCode` or an ``(N, m)`` matrix and ``y`` binary 0/1
    labels. ``"lstsq"`` fits ``w`` to the targets ``+-1`` by least squares
    (accuracy 1.0 whenever ``Z`` has full row rank, i.e. ``N <= m`` in general
    position). ``"perceptron"`` also runs a batch perceptron for up to
    ``epochs`` epochs and keeps the better of the two: accuracy 1.0 proves
    the labels separable, but a finite run can miss separable labelings near
    capacity (a lower bound). A zero score (a point on the hyperplane) counts
    as a coin flip, 1/2, so a code with no signal (all-zero columns) scores
    exactly chance, and accuracy 1.0 still means strict separation.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> code = expand_sparsify(rng.normal(size=(100, 5)), 200, sparsify="relu")
        >>> readout_accuracy(code, rng.integers(0, 2, 100))
        1.0
        >>> readout_accuracy(np.zeros((4, 3)), [1, 1, 1, 0])
        0.5
    """
    Z = _matrix(Z)
    n = Z.shape[0]
    yb = v.binary_labels("y", y, n)
    method = v.choice("method", method, ("lstsq", "perceptron"))
    epochs = v.count("epochs", epochs, maximum=10**7)
    if v.flag("fit_intercept", fit_intercept):
        Z = np.hstack([Z, np.ones((n, 1))])
    if method == "perceptron":   # epochs of two passes over Z (an audit: 10^7 epochs of 5000 x 500, about 10 h)
        _check_work(f"readout_accuracy's perceptron of {epochs} epochs on {n} x {Z.shape[1]}",
                    float(epochs) * 2.0 * n * Z.shape[1], "use fewer epochs")
    t = 2.0 * yb - 1.0
    w = _interruptible(4.0 * Z.shape[0] * Z.shape[1] * min(Z.shape), np.linalg.lstsq, Z, t, rcond=None)[0]
    best = _accuracy(Z @ w, t)
    if method == "lstsq" or best == 1.0:
        return best
    # stays numpy: the loop is over epochs, each one BLAS mat-vec; the perceptron is only a labelled heuristic
    w = np.zeros(Z.shape[1])
    for _ in range(epochs):
        scores = Z @ w
        mis = t * scores <= 0
        acc = _accuracy(scores, t)
        best = max(best, acc)
        if acc == 1.0:
            break
        w += t[mis] @ Z[mis]
    return best


@dataclass(frozen=True)
class CapacityCurve:
    """Separability of random labels on an expand-and-sparsify code against ``N``.

    Attributes:
        N: the numbers of points.
        method: how ``separable_fraction`` was decided: ``"exact"`` (linear programming,
            :func:`nnpartition.separability.separable`, a certificate per trial), or the
            heuristics ``"perceptron"`` / ``"lstsq"`` (a perfect fit proves separability; a
            miss proves nothing, so these are lower bounds).
        separable_fraction: fraction of trials whose labels are separable on the code.
        mean_accuracy, std_accuracy: training accuracy of the readout (least squares for
            ``"exact"`` and ``"lstsq"``, the perceptron for ``"perceptron"``).
        mean_rank: mean rank ``r`` of the ``N x m`` code matrix (with the intercept column if any).
        cover_rank: Cover's probability for the code's rank, ``separable_probability(N, r)``
            averaged over the trials: the right comparison, since the code lives in ``r`` dimensions.
        cover: Cover's probability for ``D = m`` (``m + 1`` with intercept), as if the code were
            in general position in ``R^m``.
        mean_dead_units: mean number of units that never fire; ``mean_zero_rows``: mean number
            of points with an all-zero code; ``mean_distinct_rows``: mean number of distinct codes.
        D: the dimension used for ``cover``.
        trained_accuracy: with ``trained=True``, the mean best training accuracy of a
            ``d -> m ReLU -> 1`` network trained (:func:`nnpartition.train`, reference
            settings, one restart) on the same points and labels; otherwise ``None``.
        estimated_accuracy: :func:`nnpartition.estimate_accuracy` for a ``d -> m -> 1``
            network on ``N`` Gaussian points (what training all ``m`` units buys over a fixed code). A column
            beside the code's own measurements, so its range warning is not raised here: below 50 points
            (but above ``d + 1``, where it is exact) and beyond the estimator's other limits it extrapolates.
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    d: int
    m: int
    k: Optional[int]
    sparsify: str
    projection: str
    trials: int
    method: str
    N: np.ndarray
    mean_accuracy: np.ndarray
    std_accuracy: np.ndarray
    separable_fraction: np.ndarray
    cover: np.ndarray
    mean_rank: np.ndarray
    D: int
    cover_rank: Optional[np.ndarray] = None
    mean_dead_units: Optional[np.ndarray] = None
    mean_zero_rows: Optional[np.ndarray] = None
    mean_distinct_rows: Optional[np.ndarray] = None
    trained_accuracy: Optional[np.ndarray] = None
    estimated_accuracy: Optional[np.ndarray] = None
    seed: int = 0


def _check_capacity_cost(d: int, Ns: Sequence[int], m: int, D: int, trials: int, method: str = "exact",
                         epochs: int = 0, trained: bool = False) -> None:
    """Refuse a capacity curve above the process limits (``nnpartition.limits``) before any work.

    Cost model in the core's elementary steps (about 1e9 a second): per trial about 1e6 steps of
    fixed overhead (one coding call, one rank, one LP) plus ``N m (d + 20 min(N, D))`` for the
    projection and the rank (calibrated: N = 65536, m = 32, d = 4 takes 1.2 s), and by method the two
    linear programmes (``separability._lp_work``, which grows as ``N D^2``: an audit found ``-m 10^6 -N 10``
    priced at 2 s and running for minutes) or the perceptron's ``epochs`` (two passes over the code each).
    ``trained``: the networks' training, checked as one count of runs (``trials`` per ``N``) by the trainer's
    own check. Memory: the dense code and a copy for the rank and the LP, ``3 N D`` floats.
    """
    from ..limits import _check_bytes, get_limits
    from ..separability import _lp_work

    lim = get_limits()

    def per_trial(n: int) -> float:
        readout = (2.0 * _lp_work(n, D) if method == "exact"
                   else 2.0 * epochs * n * D if method == "perceptron" else 0.0)
        return 1e6 + float(n) * m * (d + 20.0 * min(n, D)) + readout

    work = float(trials) * sum(per_trial(n) for n in Ns)
    if work > lim.max_work:
        raise ValueError(f"capacity_curve would take about {work:.3e} steps, above the limit of "
                         f"{float(lim.max_work):.3e} (max_work); use fewer or smaller N_values, fewer trials or a "
                         "smaller m, or raise the limit with nnpartition.limits.set_limits(max_work=...)")
    _check_bytes(f"capacity_curve for N = {max(Ns)} points coded in m = {m} units", 3.0 * 8.0 * max(Ns) * D,
                 "use smaller N_values or m")
    if trained:
        from ..training import _check_default_runs

        _check_default_runs(d, max(Ns), [m], trials * len(Ns))


#: The largest ``N`` :func:`capacity_curve` draws (``nnpartition eas-capacity -N``).
MAX_CAPACITY_N = 10**7


def capacity_curve(d: int, N_values: Sequence[int], m: int, k: Optional[int] = None, *, sparsify: str = "topk",
                   projection: str = "gaussian", density: Optional[float] = None, trials: int = 20,
                   method: str = "exact", fit_intercept: bool = False, epochs: int = 500,
                   seed: SeedLike = 0, trained: bool = False, progress: Optional[bool] = None) -> CapacityCurve:
    """Memorisation capacity of an expand-and-sparsify code: for each ``N``,
    ``trials`` times draw ``N`` standard-normal points in ``R^d`` with fair
    random labels and a fresh projection, code them with :func:`expand_sparsify`,
    and decide whether the labels are linearly separable on the code
    (``method="exact"``: by linear programming with a certificate; the
    ``"perceptron"`` and ``"lstsq"`` readouts are kept as labelled heuristics).
    Cover's prediction is reported for the code's measured rank ``r`` and for
    ``m``, with the code's dead units and all-zero rows, and the estimate for a
    trained two-layer network of the same width; ``trained=True`` also trains
    one on every draw (slower). ``progress``: a bar over the trials, ``None``
    (default) when the run takes over a second on a terminal or in a notebook,
    ``True`` always, ``False`` never.

    Example:
        >>> c = capacity_curve(5, [20, 40, 80], 20, sparsify="relu", trials=5, seed=1, progress=False)
        >>> c.separable_fraction.tolist(), c.mean_rank.tolist(), c.cover_rank.round(3).tolist()
        ([1.0, 0.0, 0.0], [20.0, 20.0, 20.0], [1.0, 0.5, 0.0])
    """
    d = v.count("d", d, minimum=1, maximum=10**6)
    m = v.count("m", m, minimum=1, maximum=10**6)
    v.sequence("N_values", N_values, "numbers of points")
    Ns = [v.count(f"N_values[{i}]", n, minimum=1, maximum=MAX_CAPACITY_N) for i, n in enumerate(N_values)]
    if not Ns:
        raise ValueError("N_values must not be empty")
    trials = v.count("trials", trials, minimum=1, maximum=10**6)
    method = v.choice("method", method, ("exact", "lstsq", "perceptron"))
    sparsify = v.choice("sparsify", sparsify, _SPARSIFIERS)
    projection = v.choice("projection", projection, _PROJECTIONS)
    seed = resolve_seed(seed)
    if k is not None:   # checked for every sparsifier, also for "relu", which ignores it
        k = v.count("k", k, minimum=1, maximum=m)
    if sparsify != "relu" and k is None:
        k = max(1, m // 20)
    fit_intercept = v.flag("fit_intercept", fit_intercept)
    D = m + (1 if fit_intercept else 0)
    trained = v.flag("trained", trained)
    epochs = v.count("epochs", epochs, maximum=10**7)
    _check_capacity_cost(d, Ns, m, D, trials, method, epochs, trained)
    from .._progress import progress_bar

    if method == "exact":
        from ..separability import separable
    shape = (len(Ns), trials)
    acc, sep, rank, cov_r = np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape)
    dead, zero, distinct = np.empty(shape), np.empty(shape), np.empty(shape)
    net_acc = np.empty(shape) if trained else None
    # The loop stays in Python: every trial is one Rust coding call plus one LP (HiGHS), which dominate.
    with progress_bar(len(Ns) * trials, desc=f"capacity d={d} m={m}", progress=progress, unit="trial") as bar:
        for i, n in enumerate(Ns):
            for t in range(trials):
                rng = np.random.default_rng([seed, i, t])
                X = rng.standard_normal((n, d))
                y = rng.integers(0, 2, n)
                code = expand_sparsify(X, m, k=k, projection=projection, density=density, sparsify=sparsify,
                                       seed=int(rng.integers(0, 2**63)))
                Z = code.toarray()
                st = code_stats(Z)
                A = np.hstack([Z, np.ones((n, 1))]) if fit_intercept else Z
                r = _rank(A) if fit_intercept else st.rank
                rank[i, t], dead[i, t] = r, st.dead_units.size
                zero[i, t], distinct[i, t] = st.zero_rows, st.distinct_rows
                cov_r[i, t] = separable_probability(n, r)
                readout = "perceptron" if method == "perceptron" else "lstsq"
                acc[i, t] = readout_accuracy(Z, y, method=readout, fit_intercept=fit_intercept, epochs=epochs)
                if method == "exact":
                    sep[i, t] = float(separable(Z, y, fit_intercept=fit_intercept).separable)
                else:
                    sep[i, t] = float(acc[i, t] == 1.0)
                if net_acc is not None:
                    from ..training import train

                    net_acc[i, t] = train(X, y, m, seed=int(rng.integers(0, 2**63))).best_accuracy
                bar.update(1)
    import warnings

    from ..estimate import estimate_accuracy

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*outside the range the estimator was validated on")
        est = np.asarray(estimate_accuracy(d, np.array(Ns), m, dist="gaussian", ceiling=False).accuracy)
    return CapacityCurve(d=d, m=m, k=k if sparsify != "relu" else None, sparsify=sparsify, projection=projection,
                         trials=trials, method=method, N=np.array(Ns), mean_accuracy=acc.mean(axis=1),
                         std_accuracy=acc.std(axis=1), separable_fraction=sep.mean(axis=1),
                         cover=np.array([separable_probability(n, D) for n in Ns]), mean_rank=rank.mean(axis=1), D=D,
                         cover_rank=cov_r.mean(axis=1), mean_dead_units=dead.mean(axis=1),
                         mean_zero_rows=zero.mean(axis=1), mean_distinct_rows=distinct.mean(axis=1),
                         trained_accuracy=None if net_acc is None else net_acc.mean(axis=1), estimated_accuracy=est,
                         seed=seed)


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


def pattern_overlap(X: Any, code: SparseCode, *, pairs: int = 1000, bins: int = 10, seed: SeedLike = 0) -> PatternOverlap:
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
    X = v.float_matrix("X", X, dtype=np.float64, cols=code.projection.shape[0])
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity")
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
