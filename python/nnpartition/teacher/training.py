"""Training in the linear-teacher setting (seed 3): :func:`train_teacher` records ``W_t``
(a dedicated f64 SGD loop in Rust), :class:`TeacherRun` reads it."""

from __future__ import annotations

import inspect
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from .. import _core
from .. import _validate as chk
from .._progress import _check as _check_progress, progress_bar
from .._random import SeedLike, resolve_seed
from ..network import TwoLayerNet
from .._stats import scaled_norm
from .data import (_alpha, _angle, _pm_labels, _positive, _probes, _units, group_signs,  # noqa: F401
                   linear_teacher_dataset, teacher_network)
from .metrics import ClusteringMetrics, clustering_metrics
from .._repr import short_repr

__all__ = ["TeacherRun", "log_schedule", "train_teacher"]


# --------------------------------------------------------------------------- training


@dataclass(eq=False)
class TeacherRun:
    """What :func:`train_teacher` returns: the recorded trajectory ``W_t``.

    Attributes:
        steps: recorded steps, shape ``(T,)`` (0, every ``record_every``-th and the last).
        weights: ``W_t`` at those steps, shape ``(T, d, L)``, one column per unit.
        loss: mean logistic loss on the training set, ``(T,)``.
        error: training 0-1 error, ``(T,)``.
        hard_steps: cumulative number of steps whose batch loss was ``>= loss_eps``, ``(T,)``.
        signs: output signs, ``(L,)``. v, alpha, lr, batch_size: the settings.
        X, y: the training data (``y`` in ``{0, 1}``). w_star: the teacher, if given.
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    steps: np.ndarray
    weights: np.ndarray
    loss: np.ndarray
    error: np.ndarray
    hard_steps: np.ndarray
    signs: np.ndarray
    v: float
    alpha: float
    lr: float
    batch_size: int
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    w_star: Optional[np.ndarray] = None
    seed: int = 0

    def network(self, index: int = -1) -> TwoLayerNet:
        """The network at recorded step ``steps[index]`` (default: the last); ``index`` counts recorded snapshots,
        from the end when negative, as a list index does (a ``ValueError`` outside ``[-T, T - 1]``)."""
        T = len(self.steps)
        if not chk.is_integer(index):
            raise TypeError(f"index must be an integer, got {type(index).__name__} {index!r}")
        if not -T <= int(index) < T:   # an audit: numpy's bare IndexError
            raise ValueError(f"index must be in [-{T}, {T - 1}] (the run recorded {T} snapshots), got {index}")
        return teacher_network(self.weights[int(index)], alpha=self.alpha, v=self.v, signs=self.signs)

    def max_margin(self) -> Any:
        """The hard-margin SVM of the training data through the origin (the network has no biases),
        a :class:`nnpartition.separability.MaxMargin`; needs scipy."""
        from ..separability import max_margin

        return max_margin(self.X, self.y)

    def update_bound(self) -> float:
        """:func:`~nnpartition.teacher.update_bound` for this run (``R`` = the norm of ``W_0``); needs ``w_star``."""
        if self.w_star is None:
            raise ValueError("the run has no w_star: pass w_star to train_teacher")
        from .metrics import update_bound

        return update_bound(self.X, self.y, self.w_star, self.weights.shape[2], lr=self.lr, alpha=self.alpha,
                            v=self.v, init_norm=float(scaled_norm(self.weights[0])))

    def metrics(self, threshold: float = 0.9) -> ClusteringMetrics:
        """:func:`clustering_metrics` of the whole series, with the training inputs for the agreement condition."""
        return clustering_metrics(self.weights, self.w_star, self.signs, X=self.X, threshold=threshold)

    def agreement_step(self, metrics: Optional[ClusteringMetrics] = None) -> Optional[int]:
        """First recorded step from which the agreement condition holds on 100% of the training points to the end."""
        if metrics is not None and not isinstance(metrics, ClusteringMetrics):   # an array failed in numpy's words
            raise TypeError(f"metrics must be the ClusteringMetrics of this run (run.metrics()) or None, got "
                            f"{type(metrics).__name__}")
        m = self.metrics() if metrics is None else metrics
        ok = np.asarray(m.agreement) >= 1.0
        if not ok[-1]:
            return None
        bad = np.nonzero(~ok)[0]
        return int(self.steps[0 if len(bad) == 0 else bad[-1] + 1])

    def linearity_series(self, X_probe: Any) -> np.ndarray:
        """Agreement of ``sign N`` with the centre rule ``sign <w_+ - w_-, x>`` on ``X_probe`` at every recorded
        step."""
        X = _probes(X_probe, self.weights.shape[1])
        s = self.signs
        pos, neg = s > 0, s < 0
        out = np.empty(len(self.steps))
        # stays numpy: one BLAS product per recorded step (T is at most a few hundred). The Leaky ReLU is applied
        # in place in one preallocated buffer (the same values as np.where(z > 0, z, alpha * z), which made three
        # temporaries of (probes, L) a step: the defaults' series took about 40% less time so)
        z = np.empty((X.shape[0], self.weights.shape[2]))
        below = np.empty(z.shape, dtype=bool)
        for t, W in enumerate(self.weights):   # W: (d, L)
            with np.errstate(over="ignore", invalid="ignore"):   # checked below, the error naming X_probe
                np.matmul(X, W, out=z)
                np.less(z, 0.0, out=below)
                np.multiply(z, self.alpha, out=z, where=below)
                n = z @ s
                lin = W[:, pos].mean(axis=1) - W[:, neg].mean(axis=1)
                rule = X @ lin
            if not (np.all(np.isfinite(n)) and np.all(np.isfinite(rule))):   # (boundary_linearity's words)
                raise ValueError("the network's outputs on X_probe overflow float64: rescale X_probe (or the "
                                 "network)")
            out[t] = np.mean((rule > 0) == (n > 0))
        return out

    def history(self, X_probe: Any = None, threshold: float = 0.9) -> Dict[str, np.ndarray]:
        """Every time series in one dict (for printing, JSON or plotting).

        Keys: ``step, loss, error, hard_steps, weight_norm, aligned_fraction,
        mean_cosine, potential, dispersion_pos, dispersion_neg, spectral_ratio,
        stable_rank, top2_energy, agreement``, and ``linearity`` and
        ``angle_to_teacher`` (centre rule) when ``X_probe`` is given.
        """
        probes = None if X_probe is None else _probes(X_probe, self.weights.shape[1])   # before the metrics
        m = self.metrics(threshold)
        out = {"step": self.steps, "loss": self.loss, "error": self.error, "hard_steps": self.hard_steps,
               "weight_norm": scaled_norm(self.weights.reshape(len(self.steps), -1), axis=1)}
        for k in ("aligned_fraction", "mean_cosine", "potential", "dispersion_pos", "dispersion_neg",
                  "spectral_ratio", "stable_rank", "top2_energy", "agreement"):
            out[k] = np.asarray(getattr(m, k))
        if probes is not None:
            out["linearity"] = self.linearity_series(probes)
            if self.w_star is not None:
                s = self.signs
                lin = self.weights[:, :, s > 0].mean(axis=2) - self.weights[:, :, s < 0].mean(axis=2)
                out["angle_to_teacher"] = np.array([_angle(w, self.w_star) for w in lin])
        return out


def log_schedule(steps: int, count: int = 200) -> np.ndarray:
    """About ``count`` distinct steps in ``[0, steps]``, log-spaced, with 0 and ``steps`` (for ``record_at``).

    Example:
        >>> log_schedule(1000, 8).tolist()
        [0, 1, 3, 10, 32, 100, 316, 1000]
    """
    steps = chk.count("steps", steps, minimum=1, maximum=2**40)
    count = chk.count("count", count, minimum=2, maximum=2**24)
    # count = 2: numpy's geomspace of one point is its start, 1 (an audit: log_schedule(1000, 2) was [0, 1])
    ends = np.geomspace(1, steps, count - 1) if count > 2 else np.array([float(steps)])
    t = np.unique(np.round(ends).astype(np.int64))
    return np.concatenate([[0], t])


#: The fewest and most hidden units of :func:`train_teacher` (at least one unit of each output sign), and the most
#: epochs and SGD steps of a run (``nnpartition teacher``'s ``-L`` and ``--epochs``).
MIN_UNITS, MAX_UNITS, MAX_EPOCHS, MAX_STEPS = 2, 2**20, 2**32, 2**40

#: Largest number of recorded weight values (snapshots x L x d): the core's ``teacher::MAX_RECORDED``.
MAX_RECORDED: int = _core.TEACHER_MAX_RECORDED


def _plan(n: int, d: int, L: int, *, steps: Optional[int], epochs: int, batch_size: Optional[int],
          record_every: Optional[int], record_at: Any, copies: float = 2.0, extra_bytes: float = 0.0,
          extra_work: float = 0.0, option: Callable[[str], str] = str) -> Tuple[int, int, np.ndarray]:
    """Check a :func:`train_teacher` run of ``L`` units on ``n`` points in ``d`` dimensions and return its batch
    size, steps and recorded steps, or refuse it before anything is drawn or allocated: the network against
    ``max_params``, the SGD work against ``max_work`` and the recorded values against :data:`MAX_RECORDED` (the
    core's checks, ``_core.teacher_check``), and ``copies`` of the recorded weights
    (the core's array and the transposed copy :func:`train_teacher` keeps; more for callers that compute metrics
    of the series) plus ``extra_bytes`` against ``max_bytes``.
    The command line calls it before drawing its data (``option`` names an argument as its option).
    """
    from ..limits import _check_bytes

    bs = n if batch_size is None else min(chk.count(option("batch_size"), batch_size, minimum=1), n)
    if steps is None:
        steps = chk.count(option("epochs"), epochs, minimum=1, maximum=MAX_EPOCHS) * (-(-n // bs))
    steps = chk.count(option("steps"), steps, minimum=1, maximum=MAX_STEPS)
    if record_at is not None:
        if record_every is not None:
            raise ValueError("pass record_every or record_at, not both")
        # each step named by its index (the message said "record_at[i]" whichever step was out of range)
        at = np.unique(np.asarray([chk.count(f"record_at[{i}]", t, minimum=0, maximum=steps)
                                   for i, t in enumerate(np.ravel(record_at))], dtype=np.int64))
        if len(at) == 0:
            raise ValueError("record_at must name at least one step")
    else:
        k = max(1, steps // 200) if record_every is None else chk.count(option("record_every"), record_every,
                                                                          minimum=1)
        if record_every is not None and steps // k + 2 > MAX_RECORDED:   # before arange builds them
            raise ValueError(f"{option('record_every')}={k} records {steps // k + 2} snapshots, above the limit of "
                             f"{MAX_RECORDED}; record fewer steps")
        at = np.unique(np.append(np.arange(0, steps + 1, k, dtype=np.int64), steps))
    t = len(at)
    _core.teacher_check(n, d, L, steps, bs, t, extra_work)
    _check_bytes(f"recording {t} snapshots of {L} x {d} weights", copies * 8.0 * t * L * d + extra_bytes,
                 "record fewer steps or use a smaller L or d")
    return bs, steps, at



def _is_default(name: str, value: Any) -> bool:
    """Whether ``value`` is :func:`train_teacher`'s default for ``name`` (read from its signature, not copied)."""
    default = inspect.signature(train_teacher).parameters[name].default
    return isinstance(value, numbers.Real) and bool(value == default)


def _warn_ignored_settings(steps: Any, epochs: Any, W0: Any, init_scale: Any) -> None:
    """A ``UserWarning`` when :func:`train_teacher` is given an ``epochs`` beside ``steps``, or an ``init_scale``
    beside ``W0``, other than the default: the run ignores it (without a word until a user audit, as
    :func:`~nnpartition.train` ignored ``momentum`` with Adam); warned in the style of that function's warning."""
    if steps is not None and not _is_default("epochs", epochs):
        warnings.warn(f"epochs={epochs!r} only applies when steps is None; steps={steps!r} sets the run's length and "
                      f"ignores it", UserWarning, stacklevel=3)
    if W0 is not None and not _is_default("init_scale", init_scale):
        warnings.warn(f"init_scale={init_scale!r} only applies without W0; W0 sets the initial weights and ignores it",
                      UserWarning, stacklevel=3)


def train_teacher(
    X: Any,
    y: Any,
    L: int,
    *,
    alpha: float = 0.3,
    v: Optional[float] = None,
    lr: float = 0.5,
    steps: Optional[int] = None,
    epochs: int = 50,
    batch_size: Optional[int] = 1,
    record_every: Optional[int] = None,
    record_at: Any = None,
    init_scale: float = 0.5,
    W0: Any = None,
    w_star: Any = None,
    loss_eps: float = 0.01,
    seed: SeedLike = 0,
    progress: Optional[bool] = None,
) -> TeacherRun:
    """Train the network of the linear-teacher setting by SGD and record ``W_t``.

    ``N(x) = sum_i s_i v max(<w_i, x>, alpha <w_i, x>)``, no biases, ``s_i = +1``
    for the first ``ceil(L/2)`` units and ``-1`` for the rest (frozen), logistic
    loss ``log(1 + exp(-y N(x)))``, constant step ``lr``; minibatches are drawn
    from a fresh permutation every epoch (batch size 1 is plain SGD). Runs in
    f64 in Rust with the GIL released.

    Args:
        X: inputs ``(N, d)``; y: labels ``0/1`` or ``-1/+1``.
        L: hidden units (``>= 2``).
        alpha: Leaky-ReLU slope in ``[0, 1]`` (the theory needs ``alpha > 0``).
        v: output magnitude (default ``1/sqrt(L)``).
        lr: constant step size.
        steps: SGD steps (default ``epochs * ceil(N / batch_size)``).
        epochs: used when ``steps`` is None (a value other than 50 beside ``steps`` is warned of).
        batch_size: minibatch size; ``None`` for full batch.
        record_every: steps between snapshots (default ``steps // 200``, at least 1);
            step 0 and the last step are always recorded.
        record_at: the steps to record instead (e.g. :func:`log_schedule`), each in ``[0, steps]``.
        init_scale: ``W_0`` has i.i.d. ``N(0, init_scale^2 / d)`` entries, rows of norm about
            ``init_scale`` (ignored with ``W0``, with a warning if not 0.5). Small values cluster the units almost
            at once; the default 0.5 (about Keras' Glorot initialisation) shows the clusters forming.
        W0: initial weights ``(d, L)``; optional.
        w_star: the teacher, kept for the metrics; optional.
        loss_eps: threshold of the ``hard_steps`` count.
        seed: seeds ``W_0`` and the sampling order (streams independent of
            :func:`linear_teacher_dataset` with the same seed); the run's ``seed`` is the integer used.
        progress: a bar over the SGD steps (the core counts them as it trains, and reports about every 20 ms), the
            package's policy (``None``: on a terminal or in a notebook, past a second; ``True``: always; ``False``:
            never). The run is the same with or without it, and Ctrl-C stops it either way.

    Returns:
        A :class:`TeacherRun`.

    Warns:
        UserWarning: ``epochs`` other than 50 beside ``steps``, or ``init_scale`` other than 0.5 beside ``W0``: the
            run ignores it (the message names it).

    Raises:
        ValueError / TypeError: a bad argument or too many snapshots, or a run beyond ``max_params``,
            ``max_work`` or ``max_bytes`` (the recorded weights, twice: the core's array and its transposed copy),
            refused before ``W_0`` is drawn.
        ValueError: the training diverged: the loss or the weights became non-finite at a recorded step.

    Example:
        >>> X, y, w = linear_teacher_dataset(100, 3, seed=0)
        >>> run = train_teacher(X, y, 6, epochs=20, w_star=w)
        >>> float(run.error[-1]), bool(run.loss[-1] < run.loss[0])
        (0.0, True)
        >>> run.weights.shape[1:], int(run.steps[-1])          # (d, L) per recorded step
        ((3, 6), 2000)
    """
    Xc = chk.float_matrix("X", X, dtype=np.float64, finite=True)
    n, d = Xc.shape
    if d < 1:   # an audit: W_0's scale 1/sqrt(d) divided by zero (a RuntimeWarning) before the core refused X
        raise ValueError(f"X must have at least one column, got shape {Xc.shape}")
    ypm = _pm_labels(y, n)
    L = chk.count("L", L, minimum=MIN_UNITS, maximum=MAX_UNITS)
    alpha = _alpha(alpha)
    mag = 1.0 / np.sqrt(L) if v is None else _positive("v", v)
    lr = _positive("lr", lr)
    progress = _check_progress(progress)
    steps_given = steps
    bs, steps, at = _plan(n, d, L, steps=steps, epochs=epochs, batch_size=batch_size, record_every=record_every,
                          record_at=record_at)
    loss_eps = chk.real("loss_eps", loss_eps, minimum=0.0)
    seed = resolve_seed(seed)
    if W0 is None:
        init_scale = chk.real("init_scale", init_scale, minimum=0.0)
        W0c = np.random.default_rng([seed, 0x5EED_0F_17]).standard_normal((L, d)) * (init_scale / np.sqrt(d))
    else:
        if np.ndim(W0) != 2:   # _units also takes (T, d, L), which W0 is not: its message offered that shape
            raise ValueError(f"W0 must have shape (d, L) = ({d}, {L}), got {np.shape(W0)}")
        W0c = _units(W0, "W0")
        if W0c.shape != (L, d):
            raise ValueError(f"W0 must have shape (d, L) = ({d}, {L}), got {np.shape(W0)}")
    ws = None if w_star is None else chk.float_vector("w_star", w_star, length=d)
    if ws is not None and not np.any(ws):   # run.metrics() refused it after the training, history() gave NaN angles
        raise ValueError("w_star must be non-zero")
    _warn_ignored_settings(steps_given, epochs, W0, init_scale)   # after every setting is checked
    signs = group_signs(L)

    def run(steps_done: Optional[Callable[[int], object]]) -> Any:
        return _core.teacher_sgd(np.ascontiguousarray(Xc), ypm, np.ascontiguousarray(W0c), int((L + 1) // 2), mag,
                                 alpha, lr, steps, bs, [int(t) for t in at], seed, loss_eps, steps_done)

    if progress is False:
        out = run(None)
    else:
        # one core call, seconds to hours long: the core adds the steps it completes to a counter this bar reads
        # (a bar nobody sees takes none: the core then calls no Python), as train's
        with progress_bar(steps, desc=f"teacher SGD d={d} N={n} L={L}", progress=progress, unit="step") as bar:
            out = run(None if bar.disable else lambda done: bar.update(done - bar.n))
    rec_steps, weights, loss, error, hard = out
    return TeacherRun(steps=rec_steps.astype(np.int64), weights=np.ascontiguousarray(weights.transpose(0, 2, 1)),
                      loss=loss,
                      error=error, hard_steps=hard.astype(np.int64), signs=signs, v=mag,
                      alpha=alpha, lr=lr, batch_size=bs, X=Xc, y=((ypm + 1) // 2).astype(np.int64), w_star=ws,
                      seed=seed)
