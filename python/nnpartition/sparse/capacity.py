"""What a linear readout can do with an expand-and-sparsify code (see :mod:`nnpartition.sparse.code`).

* :func:`readout_accuracy` is the training accuracy of a linear readout on the
  code (least squares, or a perceptron run: heuristics, lower bounds on
  separability); exact separability is :func:`nnpartition.separability.separable`.
* :func:`capacity_curve` measures the fraction of random labelings that are
  exactly separable on the code against ``N``, next to Cover's prediction for
  the code's rank ``r`` (and for ``m``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence

import numpy as np

from .. import _validate as v
from .._random import SeedLike, resolve_seed
from ..counting import separable_probability
from ..limits import _check_work, _interruptible, _svd_work
from .._repr import short_repr
from .._stats import binary_unit
from .code import _PROJECTIONS, _SPARSIFIERS, _matrix, expand_sparsify
from .experiments import _check_threads
from .stats import _rank, code_stats

__all__ = ["CapacityCurve", "capacity_curve", "readout_accuracy"]

#: The largest ``N`` :func:`capacity_curve` draws (``nnpartition eas-capacity -N``).
MAX_CAPACITY_N = 10**7
#: The largest ``d``, ``m`` and ``trials`` of :func:`capacity_curve` (``-d``, ``-m``, ``--trials``).
MAX_CAPACITY_SIZE = 10**6
#: The most perceptron epochs (:func:`readout_accuracy`, :func:`capacity_curve`; ``--epochs``).
MAX_EPOCHS = 10**7
#: The perceptron's epochs when none are given (:func:`readout_accuracy`, :func:`capacity_curve`).
DEFAULT_EPOCHS = 500


def _warn_unused_epochs(epochs: int, method: str) -> None:
    """A ``UserWarning`` when ``epochs`` is given a value other than its default with a method that has no epochs
    (they were ignored without a word); ``stacklevel`` points at the caller of the public function."""
    if method != "perceptron" and epochs != DEFAULT_EPOCHS:
        warnings.warn(f"epochs={epochs} only applies to method='perceptron'; method={method!r} ignores it",
                      UserWarning, stacklevel=3)


def _accuracy(scores: np.ndarray, t: np.ndarray) -> float:
    """Accuracy of ``sign(scores)`` against ``t`` (+-1); a zero score is a coin flip and counts 1/2."""
    return float(np.mean(np.where(scores == 0, 0.5, (t * scores > 0).astype(np.float64))))


def readout_accuracy(Z: Any, y: Any, *, method: str = "lstsq", fit_intercept: bool = False,
                     epochs: int = DEFAULT_EPOCHS) -> float:
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
    exactly chance, and accuracy 1.0 still means strict separation. ``epochs``
    other than the default with ``"lstsq"``, which has none, is warned of
    (a ``UserWarning``), as by :func:`capacity_curve`. Scaling ``Z`` by a
    power of two changes neither answer (both run on ``Z`` divided by a power
    of two near its largest entry, an exact rescaling), from entries near
    float64's largest down to the smallest normal ones.

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
    epochs = v.count("epochs", epochs, maximum=MAX_EPOCHS)
    _warn_unused_epochs(epochs, method)
    if v.flag("fit_intercept", fit_intercept):
        Z = np.hstack([Z, np.ones((n, 1))])
    # Both methods fit least squares first, priced as an SVD (``_svd_work``; until the sixty-seventh pass on issue 11
    # it was unpriced: 16 s of CPU at 2000 x 2000 under a perceptron's price of 8e8 steps, 20 ns a step, and hours
    # at 20000 x 20000 under any max_work); the perceptron adds epochs of two passes over Z (an audit: 10^7 epochs
    # of 5000 x 500, about 10 h).
    what = f"readout_accuracy's least squares on {n} x {Z.shape[1]}"
    fit = _svd_work(n, Z.shape[1])   # (the least squares of both methods)
    work = fit
    if method == "perceptron":
        what += f" and perceptron of {epochs} epochs"
        work += float(epochs) * 2.0 * n * Z.shape[1]
    _check_work(what, work, "use fewer points, units or epochs")
    # Both readouts on Z in units of a power of two near its largest |entry| (with the intercept column, if any): an
    # exact rescaling that changes no sign of a score (least squares' w scales by its inverse, the perceptron's
    # scores by its square). A review (fifty-ninth pass) found the perceptron's scores overflowing (a RuntimeWarning,
    # and scores of inf) for entries of 1e180, and underflowing to 0, each counted a coin flip, for entries of 1e-180:
    # a code that a margin separates scored 0.97 (least squares' answer) where at scale 1 the perceptron fits it.
    unit = binary_unit(max(float(Z.max()), -float(Z.min()))) if Z.size else 1.0   # no |Z| copy
    if unit != 1.0:
        Z = Z / unit
    t = 2.0 * yb - 1.0
    w = _interruptible(fit, np.linalg.lstsq, Z, t, rcond=None)[0]
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
        d, m, k, sparsify, projection, trials: the settings (:func:`capacity_curve`'s arguments; ``k`` as the
            code used it, ``None`` for ``sparsify="relu"``).
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


#: How :func:`_check_capacity_cost`'s refusals name the call and its arguments: Python's words by default; the
#: command line passes its own (``eas-capacity``, ``-N values``, ``--trials``, ``-m``).
_PYTHON_WORDS = {"call": "capacity_curve", "N": "N_values", "trials": "trials", "m": "m", "trained": "trained=True"}


def _check_capacity_cost(d: int, Ns: Sequence[int], m: int, D: int, trials: int, method: str = "exact",
                         epochs: int = 0, trained: bool = False, words: Optional[Dict[str, str]] = None) -> None:
    """Refuse a capacity curve above the process limits (``nnpartition.limits``) before any work, naming the call
    and its arguments with ``words`` (keys as :data:`_PYTHON_WORDS`'s, the default).

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

    w = words or _PYTHON_WORDS
    lim = get_limits()

    def per_trial(n: int) -> float:
        readout = (2.0 * _lp_work(n, D) if method == "exact"
                   else 2.0 * epochs * n * D if method == "perceptron" else 0.0)
        return 1e6 + float(n) * m * (d + 20.0 * min(n, D)) + readout

    work = float(trials) * sum(per_trial(n) for n in Ns)
    if work > lim.max_work:
        raise ValueError(f"{w['call']} would take about {work:.3e} steps, above the limit of "
                         f"{float(lim.max_work):.3e} (max_work); use fewer or smaller {w['N']}, fewer {w['trials']} or "
                         f"a smaller {w['m']}, or raise the limit with nnpartition.limits.set_limits(max_work=...)")
    _check_bytes(f"{w['call']} for N = {max(Ns)} points coded in m = {m} units", 3.0 * 8.0 * max(Ns) * D,
                 f"use smaller {w['N']} or {w['m']}")
    if trained:
        from ..training import _check_default_runs

        try:
            _check_default_runs(d, max(Ns), [m], trials * len(Ns))
        except ValueError as exc:   # the trainer's refusal counts "datasets": say which trainings they are
            raise ValueError(f"{w['call']} with {w['trained']} trains a d -> m network on each trial of each N "
                             f"({trials} {w['trials']} x {len(Ns)} {w['N']}, up to N = {max(Ns)} points): {exc}"
                             ) from None


def capacity_curve(d: int, N_values: Sequence[int], m: int, k: Optional[int] = None, *, sparsify: str = "topk",
                   projection: str = "gaussian", density: Optional[float] = None, trials: int = 20,
                   method: str = "exact", fit_intercept: bool = False, epochs: int = DEFAULT_EPOCHS,
                   seed: SeedLike = 0, trained: bool = False, progress: Optional[bool] = None,
                   threads: Optional[int] = None) -> CapacityCurve:
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
    ``True`` always, ``False`` never. ``threads``: worker threads of those
    networks' training (``trained=True``), as :func:`nnpartition.train`'s
    (default: all cores, or ``RAYON_NUM_THREADS``); the result is the same at
    any thread count.

    Example:
        >>> c = capacity_curve(5, [20, 40, 80], 20, sparsify="relu", trials=5, seed=1, progress=False)
        >>> c.separable_fraction.tolist(), c.mean_rank.tolist(), c.cover_rank.round(3).tolist()
        ([1.0, 0.0, 0.0], [20.0, 20.0, 20.0], [1.0, 0.5, 0.0])
        >>> kw = dict(trials=2, method="lstsq", trained=True, seed=1, progress=False)
        >>> one = capacity_curve(3, [20], 8, sparsify="relu", **kw, threads=1).trained_accuracy
        >>> bool(np.array_equal(one, capacity_curve(3, [20], 8, sparsify="relu", **kw, threads=2).trained_accuracy))
        True
    """
    d = v.count("d", d, minimum=1, maximum=MAX_CAPACITY_SIZE)
    m = v.count("m", m, minimum=1, maximum=MAX_CAPACITY_SIZE)
    v.sequence("N_values", N_values, "numbers of points")
    Ns = [v.count(f"N_values[{i}]", n, minimum=1, maximum=MAX_CAPACITY_N) for i, n in enumerate(N_values)]
    if not Ns:
        raise ValueError("N_values must not be empty")
    trials = v.count("trials", trials, minimum=1, maximum=MAX_CAPACITY_SIZE)
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
    threads = _check_threads(threads)
    epochs = v.count("epochs", epochs, maximum=MAX_EPOCHS)
    _warn_unused_epochs(epochs, method)
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
                acc[i, t] = readout_accuracy(Z, y, method=readout, fit_intercept=fit_intercept,
                                             epochs=epochs if readout == "perceptron" else DEFAULT_EPOCHS)
                if method == "exact":
                    sep[i, t] = float(separable(Z, y, fit_intercept=fit_intercept).separable)
                else:
                    sep[i, t] = float(acc[i, t] == 1.0)
                if net_acc is not None:
                    from ..training import train

                    net_acc[i, t] = train(X, y, m, seed=int(rng.integers(0, 2**63)), progress=False,
                                           threads=threads).best_accuracy
                bar.update(1)
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
