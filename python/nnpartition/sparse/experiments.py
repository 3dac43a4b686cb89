"""The experiments the expand-and-sparsify claims rest on (seed 2).

* :func:`explicit_readout`: the explicit (untrained) readout of a top-k code,
  ``w_j = f(theta_j / |theta_j|) / k`` (Tosh & Dasgupta), next to least squares.
* :func:`generalisation`: test accuracy of a trained linear readout on the
  code, on a task with structure (a linear or a nonlinear teacher), against a
  linear readout on the raw input and a trained two-layer network of the same width.
* :func:`subset_curve`: the readout on random or selected subsets of the
  expanded units (the lottery-ticket analogue; in :mod:`.subsets`, importable from here).
* :func:`sparsity_curve`: WTA, threshold and ReLU codes at matched sparsity,
  and random masking of a dense ReLU code (dropout as sparsification).

Readouts are ridge least squares on ``+-1`` targets (closed form, seeded,
deterministic). Every accuracy here is on fresh test points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .. import _core, _progress
from .._moved import moved
from .._progress import progress_bar
from .. import _validate as v
from .._random import SeedLike, resolve_seed, trial_seed
from ..limits import _check_bytes, _check_work, _interruptible
from .code import _SPARSIFIERS, expand_sparsify
from .._repr import short_repr

__all__ = [
    "ExplicitReadout",
    "GeneralisationResult",
    "SparsityCurve",
    "explicit_readout",
    "teacher_task",
    "generalisation",
    "sparsity_curve",
]

#: Tasks of :func:`teacher_task`.
TASKS = ("linear", "nonlinear")


def _rng(seed: Any) -> np.random.Generator:
    """A generator from ``None``, an int, a sequence of ints, a ``SeedSequence`` or a ``Generator``."""
    return np.random.default_rng(resolve_seed(seed))


def _ridge(Z: np.ndarray, t: np.ndarray, lam: float) -> np.ndarray:
    """Ridge least squares ``argmin |Z w - t|^2 + lam |w|^2`` (with an unpenalised intercept column appended);
    ``lam = 0`` is the minimum-norm least-squares fit (a code's dead units or repeated columns made the normal
    equations singular: ``ridge=0`` was numpy's ``LinAlgError: Singular matrix`` even with more points than units).

    Example:
        >>> Z = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])   # a dead unit: Z^T Z is singular
        >>> _ridge(Z, np.array([-1.0, 0.0, 1.0]), 0.0).round(6).tolist()
        [1.0, 0.0, -2.0]
    """
    A = np.hstack([Z, np.ones((Z.shape[0], 1))])
    P = np.eye(A.shape[1]) * lam
    P[-1, -1] = 0.0
    n, m = A.shape
    if lam > 0:   # one LAPACK call each, which Ctrl-C cannot stop: _interruptible returns at once
        return _interruptible(_fit_madds(n, m - 1), lambda: np.linalg.solve(A.T @ A + P, A.T @ t))
    return _interruptible(4.0 * n * m * min(n, m), np.linalg.lstsq, A, t, rcond=None)[0]


def _fit_madds(n: int, m: int) -> float:
    """Multiply-adds of one ridge fit of ``m`` units and the intercept on ``n`` points: the normal equations'
    ``2 n (m + 1)^2`` and their solution's ``(m + 1)^3``."""
    c = float(m) + 1.0
    return 2.0 * n * c * c + c ** 3


#: Steps of one fit's numpy calls beyond their arithmetic (the fit, its prediction and accuracy, a subset drawn):
#: about 50 us of calls, 43-47 us a fit timed by hand in the sixty-third pass on issue 11 on 40 points and 3 units
#: (an audit: subset_curve of 10^5 sizes was priced at 8e6 steps, 8 ms, and ran for about 15 s).
_FIT_CALLS = 5e4


def _fit_work(n: int, m: int, ridge: float = 1.0) -> float:
    """Steps (about a nanosecond each, as ``max_work`` counts them) of one ridge fit (:func:`_fit_madds`): BLAS runs
    about 5e10 multiply-adds a second a core (a review measured 1e11 on two cores), so 50 of them a step. ``ridge``
    0 is numpy's least squares (an SVD), four times that: 3.7 times the normal equations' CPU time at 5000 x 500 and
    2.7 times at 1000 x 2000, timed once by hand when the price was set (a price's margin, not a speed claim: no
    benchmark regenerates it). Plus the fit's numpy calls (:data:`_FIT_CALLS`), what a small fit costs."""
    return _fit_madds(n, m) / 50.0 * (4.0 if ridge == 0 else 1.0) + _FIT_CALLS


def _check_readouts(what: str, n_train: int, n_test: int, m: int, work: float, codes: int = 1) -> None:
    """Refuse, before anything is drawn, readouts whose dense codes or normal equations pass ``max_bytes`` or whose
    fits (``work`` steps, :func:`_fit_work` each) pass ``max_work``: ``codes`` dense codes of ``n_train`` and
    ``n_test`` points and ``m`` units held at once, a fit's design matrix with its intercept column and its
    ``(m + 1)^2`` normal equations (an audit after the twenty-eighth pass on issue 11: ``explicit_readout`` of 10^5
    points and 10^4 units asked numpy for 7.45 GiB after 6 s, and ``generalisation`` of 10^4 trials ran for about
    17 hours, under any ``max_work``)."""
    c = float(m) + 1.0
    _check_bytes(what, 8.0 * (codes * (n_train + n_test) * m + 2.0 * n_train * c + 3.0 * c * c),
                 "use fewer points or units")
    _check_work(what, work, "use fewer points, units or trials")


def _predict(Z: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.asarray(Z @ w[:-1] + w[-1])


def _acc(scores: np.ndarray, y: np.ndarray) -> float:
    t = 2.0 * y - 1.0
    return float(np.mean(np.where(scores == 0, 0.5, (t * scores > 0).astype(np.float64))))


def teacher_task(task: str, N: int, d: int, *, seed: SeedLike = 0,
                 width: int = 20) -> Tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """A binary task with structure: ``N`` standard-normal points in ``R^d``
    labelled by a seeded teacher, ``"linear"`` (``x . w* > 0``) or
    ``"nonlinear"`` (the sign of a random ``d -> width ReLU -> 1`` network with
    a centred output, so the classes are balanced on average).

    Returns ``(X, y, label)`` where ``label(X_new)`` labels fresh points.

    Example:
        >>> X, y, label = teacher_task("nonlinear", 1000, 5, seed=1)
        >>> X.shape, bool(0.35 < y.mean() < 0.65), bool(np.array_equal(label(X), y))
        ((1000, 5), True, True)
    """
    task = v.choice("task", task, TASKS)
    N = v.count("N", N, minimum=1, maximum=10**8)
    d = v.count("d", d, minimum=1, maximum=10**5)
    width = v.count("width", width, minimum=1, maximum=10**5)
    # the points, their labels and the teacher's hidden layer on them, and on its 20,000 reference points (an audit:
    # 10^8 points drew 0.8 GB before asking numpy for 14.9 GiB)
    hidden = 0 if task == "linear" else width
    _check_bytes(f"teacher_task of N={N} points in d={d}", 8.0 * (N * (d + 2.0 * hidden + 2) + d * hidden
                                                              + 20_000 * (d + 2.0 * hidden)),
                 "use a smaller N, d or width")
    rng = _rng(seed)
    if task == "linear":
        w = rng.standard_normal(d)

        def label(Xn: np.ndarray) -> np.ndarray:
            return (Xn @ w > 0).astype(np.int64)
    else:
        W1 = rng.standard_normal((d, width)) / np.sqrt(d)
        b1 = rng.standard_normal(width) * 0.5
        w2 = rng.standard_normal(width)
        ref = rng.standard_normal((20_000, d))
        c = float(np.median(np.maximum(ref @ W1 + b1, 0) @ w2))

        def label(Xn: np.ndarray) -> np.ndarray:
            return np.asarray((np.maximum(Xn @ W1 + b1, 0) @ w2 - c > 0).astype(np.int64))
    X = rng.standard_normal((N, d))
    return X, label(X), label


# ---------------------------------------------------------------- explicit readout


@dataclass(frozen=True)
class ExplicitReadout:
    """Regression with a top-k code (see :func:`explicit_readout`).

    Attributes:
        weights: the explicit readout ``f(theta_j / |theta_j|) / k`` per unit.
        rmse_explicit, rmse_lstsq: test RMSE of the explicit and of the least-squares readout.
        target_std: standard deviation of ``f`` on the test points (the RMSE of predicting the mean).
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    weights: np.ndarray
    rmse_explicit: float
    rmse_lstsq: float
    target_std: float
    seed: int = 0


def explicit_readout(f: Callable[[np.ndarray], Any], d: int, m: int, k: int, *, n_train: int = 5000,
                     n_test: int = 2000, seed: SeedLike = 0) -> ExplicitReadout:
    """The explicit readout of a top-k code on the unit sphere: unit ``j``
    votes ``f`` at its own direction ``theta_j``, and the code of
    ``x`` averages the votes of its ``k`` winners (no training). Compared on
    fresh points with a least-squares readout trained on ``n_train`` points.

    The directions are uniform on the sphere (the seeded Gaussian projection's columns scaled to unit length, as
    Tosh & Dasgupta draw them), so the winners of ``x`` are its ``k`` nearest directions and ``f`` at a winner's
    direction stands for ``f(x)``. (Until the forty-eighth pass on issue 11 the columns kept their Gaussian lengths: the
    winners were the longest units, whose caps are wide, and the explicit readout was 1.8-8 times worse than this
    construction gives, e.g. RMSE 0.19 against 0.046 at ``m = 1000``, ``k = 10`` on ``docs/sparse.md``'s target.)

    ``f`` maps an ``(n, d)`` array of unit vectors to ``n`` real values (shape ``(n,)``, or ``(n, 1)``); any other
    shape is a ``ValueError`` naming ``f``.

    Example:
        >>> f = lambda X: np.sin(2 * X[:, 0]) * X[:, 1] + X[:, 2] ** 2
        >>> r = explicit_readout(f, 3, 1000, 10, seed=0)
        >>> r.rmse_lstsq < r.rmse_explicit < r.target_std
        True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    d = v.count("d", d, minimum=1, maximum=10**5)
    m = v.count("m", m, minimum=1, maximum=10**6)
    k = v.count("k", k, minimum=1, maximum=m)
    n_train = v.count("n_train", n_train, minimum=1, maximum=10**7)
    n_test = v.count("n_test", n_test, minimum=1, maximum=10**7)
    _check_readouts(f"explicit_readout of a code of {m} units on {n_train} + {n_test} points", n_train, n_test, m,
                    _fit_work(n_train, m))
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)

    def sphere(n: int) -> np.ndarray:
        x = rng.standard_normal((n, d))
        return np.asarray(x / np.linalg.norm(x, axis=1, keepdims=True))

    Xtr, Xte = sphere(n_train), sphere(n_test)
    # the seeded Gaussian projection (drawn by coding one point), its columns scaled to unit length: directions
    # uniform on the sphere, so top-k picks the k nearest (a Gaussian column's length would weigh its vote)
    drawn = expand_sparsify(Xtr[:1], m, k=k, seed=int(rng.integers(0, 2**63)))
    theta = drawn.projection / np.maximum(np.linalg.norm(drawn.projection, axis=0), 1e-300)
    code = replace(drawn, projection=theta).encode(Xtr)
    dirs = theta.T
    w = _values(f, dirs) / k
    ytr, yte = _values(f, Xtr), _values(f, Xte)
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(ytr)) and np.all(np.isfinite(yte))):
        raise ValueError("f returned NaN or infinity")
    Zte = code.encode(Xte).toarray()
    wl = _ridge(code.toarray(), ytr, 1e-6)
    return ExplicitReadout(weights=w, rmse_explicit=float(np.sqrt(np.mean((Zte @ w - yte) ** 2))),
                           rmse_lstsq=float(np.sqrt(np.mean((_predict(Zte, wl) - yte) ** 2))),
                           target_std=float(np.std(yte)), seed=seed)


def _values(f: Callable[[np.ndarray], Any], U: np.ndarray) -> np.ndarray:
    """``f(U)`` as ``n`` floats (``n = len(U)``), or a ``ValueError`` naming ``f`` and the shape it should have: a
    wrong shape was numpy's "cannot reshape array of size 150 into shape (50,)" (or, for the training points, a
    mismatch deep in the readout), naming nothing."""
    n = U.shape[0]
    got = f(U)   # f's own errors are its own
    try:
        out = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"f must return real numbers, got {type(got).__name__} that numpy could not read as floats: "
                        f"{exc}") from None
    if out.shape not in ((n,), (n, 1)):
        raise ValueError(f"f must map a ({n}, {U.shape[1]}) array of points to shape ({n},) (or ({n}, 1)), "
                         f"got shape {out.shape}")
    return np.asarray(out.reshape(n))


# ---------------------------------------------------------------- generalisation


@dataclass(frozen=True)
class GeneralisationResult:
    """Test accuracy on a teacher task (see :func:`generalisation`); each entry is ``(mean, std)`` over trials.

    Attributes:
        task, d, m, n_train, n_test, trials: the settings (:func:`generalisation`'s arguments).
        code: ridge readout on the expand-and-sparsify code, per sparsifier.
        raw: ridge readout on the raw input ``x``.
        trained: a ``d -> m ReLU -> 1`` network trained end to end (``None`` unless ``trained=True``).
        train_code: training accuracy of the code readouts (for the generalisation gap).
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    task: str
    d: int
    m: int
    n_train: int
    n_test: int
    trials: int
    code: Dict[str, Tuple[float, float]]
    raw: Tuple[float, float]
    trained: Optional[Tuple[float, float]]
    train_code: Dict[str, Tuple[float, float]]
    seed: int = 0


def _task_args(task: Any, d: Any, m: Any, n_train: Any, n_test: Any, trials: Any,
               ridge: Any) -> Tuple[str, int, int, int, int, int, float]:
    """The checked arguments shared by :func:`generalisation` and :func:`sparsity_curve`."""
    return (v.choice("task", task, TASKS), v.count("d", d, minimum=1, maximum=10**5),
            v.count("m", m, minimum=1, maximum=10**5), v.count("n_train", n_train, minimum=2, maximum=10**7),
            v.count("n_test", n_test, minimum=1, maximum=10**7), v.count("trials", trials, minimum=1, maximum=10**4),
            v.real("ridge", ridge, minimum=0.0))


def _check_progress(progress: Any) -> Optional[bool]:
    """``progress=`` checked before any work (``progress_bar``'s ``TypeError``)."""
    return _progress._check(progress)


def _check_threads(threads: Any) -> Optional[int]:
    """``threads=`` as :func:`nnpartition.train` checks it (1 to the core's ``MAX_THREADS``), before any work."""
    return None if threads is None else v.size("threads", threads, minimum=1, maximum=_core.MAX_THREADS)


def _ms(a: Sequence[float]) -> Tuple[float, float]:
    arr = np.asarray(a, dtype=np.float64)
    return float(arr.mean()), float(arr.std())


def generalisation(task: str, d: int, m: int, n_train: int, *, n_test: int = 2000, k: Optional[int] = None,
                   sparsifiers: Sequence[str] = _SPARSIFIERS, trials: int = 3,
                   ridge: float = 1e-3, trained: bool = True, seed: SeedLike = 0, progress: Optional[bool] = None,
                   threads: Optional[int] = None) -> GeneralisationResult:
    """Test accuracy of a readout trained on an expand-and-sparsify code of
    width ``m``, on a task with structure (:func:`teacher_task`), against a
    linear readout on the raw input and (``trained=True``) a two-layer ReLU
    network of the same width trained end to end (:func:`nnpartition.train`). ``sparsifiers``: a sequence of the
    names ``"topk"``, ``"threshold"`` and ``"relu"`` (a single name is a ``TypeError``: put it in a list).

    ``progress``: a bar over the fits (each trial's readouts, one a sparsifier and one on the raw input, and its
    trained network), the package's policy (``None``: on a terminal or in a notebook, past a second; ``True``: always;
    ``False``: never). ``threads``: worker threads of the trained networks' training, as :func:`nnpartition.train`'s
    (default: all cores, or ``RAYON_NUM_THREADS``); the result is the same at any thread count. (The codes are drawn
    in the core on all cores, and the readouts are numpy's.)

    Example:
        >>> g = generalisation("linear", 5, 200, 300, n_test=500, trials=1, trained=False, seed=0)
        >>> g.raw[0] > g.code["topk"][0]          # a linear teacher: the raw input is the right code
        True
        >>> g2 = generalisation("linear", 5, 20, 300, n_test=500, trials=1, seed=0, progress=False, threads=1)
        >>> g2.trained == generalisation("linear", 5, 20, 300, n_test=500, trials=1, seed=0, threads=2).trained
        True
    """
    task, d, m, n_train, n_test, trials, ridge = _task_args(task, d, m, n_train, n_test, trials, ridge)
    v.sequence("sparsifiers", sparsifiers, f"names from {list(_SPARSIFIERS)}")
    sparsifiers = [v.choice(f"sparsifiers[{i}]", s, _SPARSIFIERS) for i, s in enumerate(sparsifiers)]
    k = max(1, m // 20) if k is None else v.count("k", k, minimum=1, maximum=m)
    trained = v.flag("trained", trained)
    threads = _check_threads(threads)
    progress = _check_progress(progress)
    _check_readouts(f"generalisation: {trials} trials of {len(sparsifiers)} codes of {m} units on {n_train} points",
                    n_train, n_test, m, trials * (len(sparsifiers) + 1) * _fit_work(n_train, m, ridge))
    if trained:
        from ..training import _check_default_runs

        _check_default_runs(d, n_train, [m], trials)
    seed = resolve_seed(seed)
    res: Dict[str, List[float]] = {s: [] for s in sparsifiers}
    tr: Dict[str, List[float]] = {s: [] for s in sparsifiers}
    raw: List[float] = []
    net: List[float] = []
    fits = trials * (len(sparsifiers) + 1 + int(trained))
    with progress_bar(fits, desc=f"generalisation {task} d={d} m={m}", progress=progress, unit="fit") as bar:
        for t in range(trials):
            X, y, label = teacher_task(task, n_train + n_test, d, seed=np.random.SeedSequence([seed, t]))
            Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
            tt = 2.0 * ytr - 1.0
            for s in sparsifiers:
                code = expand_sparsify(Xtr, m, k=k, sparsify=s, seed=trial_seed(seed, t))
                w = _ridge(code.toarray(), tt, ridge)
                res[s].append(_acc(_predict(code.encode(Xte).toarray(), w), yte))
                tr[s].append(_acc(_predict(code.toarray(), w), ytr))
                bar.update(1)
            raw.append(_acc(_predict(Xte, _ridge(Xtr, tt, ridge)), yte))
            bar.update(1)
            if trained:
                from ..training import train

                r = train(Xtr, ytr, m, seed=trial_seed(seed, t), progress=False, threads=threads)
                net.append(_acc(r.network.decision_function(Xte), yte))
                bar.update(1)
    return GeneralisationResult(task=task, d=d, m=m, n_train=n_train, n_test=n_test, trials=trials,
                                code={s: _ms(a) for s, a in res.items()}, raw=_ms(raw),
                                trained=_ms(net) if trained else None, train_code={s: _ms(a) for s, a in tr.items()},
                                seed=seed)


# ---------------------------------------------------------------- matched sparsity


@dataclass(frozen=True)
class SparsityCurve:
    """Test accuracy against the fraction of active units (see :func:`sparsity_curve`).

    Attributes:
        fractions: target fractions ``rho`` of active units per point.
        accuracy: per method (``"topk"``, ``"threshold"``, ``"relu"``, ``"mask"``) the mean test
            accuracy at each ``rho``; ``achieved``: the measured active fraction of each code.
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    fractions: np.ndarray
    accuracy: Dict[str, np.ndarray]
    achieved: Dict[str, np.ndarray]
    seed: int = 0


def sparsity_curve(task: str, d: int, m: int, n_train: int, fractions: Sequence[float], *, n_test: int = 2000,
                   trials: int = 3, ridge: float = 1e-3, seed: SeedLike = 0,
                   progress: Optional[bool] = None) -> SparsityCurve:
    """WTA, threshold and ReLU codes compared at matched sparsity, and random
    masking: for each target fraction ``rho`` of active units,

    * ``"topk"``: winner-take-all with ``k = round(rho m)`` (binary);
    * ``"threshold"``: per-unit thresholds calibrated to firing rate ``rho`` (binary);
    * ``"relu"``: ``relu(theta x - tau_j)`` with the same calibrated per-unit ``tau_j``
      (graded values, same active sets as ``"threshold"`` on the training data);
    * ``"mask"``: the dense ReLU code (zero bias) with each entry kept with probability
      ``rho / rho_0`` (``rho_0`` its own active fraction, about 1/2), on training and test
      points alike: random sparsification, as dropout does. A mask can only remove active
      entries, so a ``rho`` above ``rho_0`` keeps them all and reaches only ``rho_0``: a
      ``UserWarning`` names those fractions and what was reached (``achieved["mask"]``).

    A ridge readout is trained on each code and scored on fresh points of the task. ``progress``: a bar over those
    fits (four a fraction and trial), the package's policy (``None``: on a terminal or in a notebook, past a second;
    ``True``: always; ``False``: never). (No ``threads``: nothing here trains a network; the codes are drawn in the
    core on all cores, and the readouts are numpy's.)

    Example:
        >>> c = sparsity_curve("nonlinear", 4, 300, 1000, [0.05, 0.3], n_test=500, trials=1, seed=0)
        >>> sorted(c.accuracy), c.achieved["topk"].tolist()
        (['mask', 'relu', 'threshold', 'topk'], [0.05, 0.3])
    """
    task, d, m, n_train, n_test, trials, ridge = _task_args(task, d, m, n_train, n_test, trials, ridge)
    v.sequence("fractions", fractions, "active fractions")
    rhos = [v.real(f"fractions[{i}]", r, minimum=0.0, maximum=1.0, open_min=True) for i, r in enumerate(fractions)]
    progress = _check_progress(progress)
    # the dense code and four codes a fraction held at once, and the coding's own buffers (a review: the process grew
    # by 15% more than five codes), and four fits a fraction and trial
    _check_readouts(f"sparsity_curve: {trials} trials of {len(rhos)} fractions of codes of {m} units", n_train, n_test,
                    m, 4.0 * trials * len(rhos) * _fit_work(n_train, m, ridge), codes=6)
    seed = resolve_seed(seed)
    methods = _SPARSIFIERS + ("mask",)
    acc = {s: np.zeros((len(rhos), trials)) for s in methods}
    ach = {s: np.zeros((len(rhos), trials)) for s in methods}
    unreached = np.zeros(len(rhos), dtype=bool)   # fractions above some trial's rho_0: the mask kept every entry
    rho0s: List[float] = []
    with progress_bar(4 * trials * len(rhos), desc=f"sparsity_curve {task} d={d} m={m}", progress=progress,
                      unit="fit") as bar:
        for t in range(trials):
            X, y, _ = teacher_task(task, n_train + n_test, d, seed=np.random.SeedSequence([seed, t]))
            Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
            tt = 2.0 * ytr - 1.0
            rng = np.random.default_rng([seed, t, 77])
            pseed = trial_seed(seed, t)
            dense = expand_sparsify(Xtr, m, sparsify="relu", seed=pseed)
            Dtr, Dte = dense.toarray(), dense.encode(Xte).toarray()
            rho0 = float(np.mean(Dtr > 0))
            rho0s.append(rho0)
            for i, rho in enumerate(rhos):
                k = max(1, int(round(rho * m)))
                codes: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
                c = expand_sparsify(Xtr, m, k=k, sparsify="topk", seed=pseed)
                codes["topk"] = (c.toarray(), c.encode(Xte).toarray())
                c = expand_sparsify(Xtr, m, k=k, sparsify="threshold", seed=pseed)
                codes["threshold"] = (c.toarray(), c.encode(Xte).toarray())
                assert c.thresholds is not None
                tau = c.thresholds
                codes["relu"] = (np.maximum(Xtr @ c.projection + c.bias - tau, 0.0),
                                 np.maximum(Xte @ c.projection + c.bias - tau, 0.0))
                keep = min(1.0, rho / max(rho0, 1e-12))
                unreached[i] |= rho > rho0
                codes["mask"] = (Dtr * (rng.random(Dtr.shape) < keep), Dte * (rng.random(Dte.shape) < keep))
                for s, (Ztr, Zte) in codes.items():
                    w = _ridge(Ztr, tt, ridge)
                    acc[s][i, t] = _acc(_predict(Zte, w), yte)
                    ach[s][i, t] = float(np.mean(Ztr > 0))
                    bar.update(1)
    achieved = {s: a.mean(axis=1).round(6) for s, a in ach.items()}
    if unreached.any():
        import warnings

        asked = [rhos[i] for i in np.flatnonzero(unreached)]
        warnings.warn(f"sparsity_curve: the random mask only removes active entries of the dense ReLU code (active "
                      f"fraction {np.mean(rho0s):.3g} here), so fractions {asked} reached "
                      f"only {achieved['mask'][unreached].tolist()} for 'mask' (achieved['mask'])", UserWarning,
                      stacklevel=2)
    return SparsityCurve(fractions=np.array(rhos), accuracy={s: a.mean(axis=1) for s, a in acc.items()},
                         achieved=achieved, seed=seed)


#: The names defined here before the split, and the module that defines each now (:mod:`nnpartition._moved`).
_MOVED = {"SubsetCurve": ".subsets", "subset_curve": ".subsets"}


def __getattr__(name: str) -> Any:
    """The subset experiment's names, defined here until the split (PEP 562): imported from where it is
    defined now."""
    return moved(__name__, _MOVED, name)
