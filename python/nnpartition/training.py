"""Real training accuracy: the Rust trainer and the reference protocol.

:func:`train` fits networks with one logit output to ``(X, y)`` (several
activations, losses, optimisers, minibatches, frozen output layer, deeper
stacks). :func:`real_accuracy` runs the reference protocol of
``docs/training.md`` on fresh random datasets: ``d -> L ReLU -> 1``,
PyTorch's default initialisation with a zero output bias, mean BCE,
full-batch Adam at lr 0.02 cosine-annealed to 2e-4 over 4000 steps, accuracy
read every 20 steps and at the last, best over the run, best over restarts,
mean and std over datasets.

Every ``(dataset, restart)`` pair has its own random stream derived from the
seed, so results are identical whatever the number of threads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from . import _validate as v
from .datasets import _dist
from .network import ACTIVATIONS, DeepNet, TwoLayerNet, _stack

__all__ = ["train", "TrainResult", "real_accuracy", "AccuracyMeasurement"]

_LOSSES = _core.CHOICES["loss"]
_OPTIMIZERS = _core.CHOICES["optimizer"]
_SCHEDULES = _core.CHOICES["schedule"]
#: Steps between two recorded accuracies (and losses).
RECORD_EVERY = 20


@dataclass(eq=False)
class TrainResult:
    """What :func:`train` returns.

    Attributes:
        network: the best network: the parameters at the recorded step with the
            highest accuracy, in the restart with the highest accuracy
            (:class:`TwoLayerNet`, or :class:`DeepNet` for ``hidden_layers``).
        final_network: the parameters of that restart after its last step.
        best_accuracy: accuracy of ``network`` on the training data.
        final_accuracy: accuracy read at the last step of that restart.
        best_restart: index of that restart.
        best_step: step at which ``network`` was recorded.
        restart_accuracies: best accuracy of every restart, shape ``(restarts,)``.
        history_steps: the recorded steps (every 20th and the last), shape ``(T,)``.
        loss_history, accuracy_history: mean training loss and accuracy at
            those steps, shape ``(restarts, T)``.
        snapshot_steps: steps whose parameters were recorded (``snapshot_every``
            and the last step), shape ``(S,)``; empty without ``snapshot_every``.
        snapshot_accuracy, snapshot_loss: training accuracy and mean loss of the
            forward pass at those steps, shape ``(S,)``.
        snapshot_layers: per hidden layer ``(W (S, fan_in, width), b (S, width))``;
            snapshot_w_out ``(S, width)``; snapshot_b_out ``(S,)``: the recorded
            parameters of the best restart (:meth:`snapshots` turns them into networks).
    """

    network: Union[TwoLayerNet, DeepNet]
    final_network: Union[TwoLayerNet, DeepNet]
    best_accuracy: float
    final_accuracy: float
    best_restart: int
    best_step: int
    restart_accuracies: np.ndarray
    history_steps: np.ndarray
    loss_history: np.ndarray
    accuracy_history: np.ndarray
    snapshot_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    snapshot_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    snapshot_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    snapshot_layers: List[Tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    snapshot_w_out: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    snapshot_b_out: np.ndarray = field(default_factory=lambda: np.zeros(0))
    activation: str = "relu"
    slope: float = 0.01

    def snapshots(self) -> List[Union[TwoLayerNet, DeepNet]]:
        """The recorded networks, one per entry of ``snapshot_steps`` (empty without ``snapshot_every``)."""
        return [_stack([(W[k], b[k]) for W, b in self.snapshot_layers], self.snapshot_w_out[k],
                       float(self.snapshot_b_out[k]), self.activation, self.slope)
                for k in range(len(self.snapshot_steps))]


def _labels_and_features(X: Any, y: Any) -> tuple:
    Xc = v.float_matrix("X", X, dtype=np.float32)
    if not np.all(np.isfinite(Xc)):
        raise ValueError("X contains NaN or infinity (or values too large for float32)")
    yc = v.binary_labels("y", y, Xc.shape[0])
    return np.ascontiguousarray(Xc), np.ascontiguousarray(yc)


def train(
    X: Any,
    y: Any,
    hidden: Optional[int] = None,
    *,
    activation: str = "relu",
    slope: float = 0.01,
    loss: str = "bce",
    optimizer: str = "adam",
    lr: float = 0.02,
    lr_min: Optional[float] = None,
    momentum: float = 0.9,
    betas: Sequence[float] = (0.9, 0.999),
    eps: float = 1e-8,
    steps: int = 4000,
    schedule: str = "cosine",
    batch_size: Optional[int] = None,
    restarts: int = 1,
    seed: int = 0,
    fixed_output: bool = False,
    output_scale: Optional[float] = None,
    hidden_layers: Optional[Sequence[int]] = None,
    threads: Optional[int] = None,
    snapshot_every: Optional[int] = None,
    callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = None,
) -> TrainResult:
    """Train networks with one logit output on ``(X, y)`` and keep the best.

    Args:
        X: features, shape ``(N, d)``, finite (trained in float32).
        y: labels 0/1 (or bools), shape ``(N,)``.
        hidden: hidden units ``L`` of a two-layer network (or use ``hidden_layers``).
        activation: ``relu``, ``leaky_relu`` (negative slope ``slope``), ``sigmoid`` or ``tanh``.
        loss: ``bce`` (mean binary cross-entropy on the logit) or ``hinge`` (mean ``max(0, 1 - s z)``).
        optimizer: ``adam`` (``betas``, ``eps``; PyTorch semantics) or ``sgd`` (``momentum``).
        lr: learning rate, > 0. lr_min: the floor of the cosine schedule (default ``lr / 100``).
        steps: optimiser steps. schedule: ``cosine`` (annealed from ``lr`` to ``lr_min``) or ``constant``.
        batch_size: minibatch size (reshuffled every epoch); ``None`` for full batch.
            With minibatches the recorded accuracy and loss are over all ``N`` points.
        restarts: independent initialisations; the best is returned.
        seed: random seed; restart ``r`` uses the stream ``(seed, 0, r)``.
        fixed_output: freeze the output layer at ``+v`` for the first ``ceil(L/2)``
            units and ``-v`` for the rest, bias 0, with ``v = output_scale`` (default ``1/sqrt(L)``).
        hidden_layers: widths ``[L1, L2, ...]`` of a deeper network (instead of ``hidden``).
        threads: worker threads (default: all cores, or ``RAYON_NUM_THREADS``).
        snapshot_every: record the parameters at every ``snapshot_every``-th step
            and at the last step (the parameters that step's forward pass used);
            the best restart's are returned in the result (``snapshot_*``, :meth:`TrainResult.snapshots`).
        callback: called as ``callback(step, network, accuracy, loss)`` at every
            snapshot step, from inside the Rust trainer with the GIL taken back
            (``snapshot_every`` defaults to 20 with a callback). Needs
            ``restarts=1``. If it raises, training stops and the exception propagates.

    Returns:
        A :class:`TrainResult`.

    Raises:
        ValueError / TypeError: a bad argument (the message names it).
        ValueError: the training diverged (non-finite loss; lower lr).

    Example:
        >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        >>> res = train(X, [0, 1, 1, 0], 8, steps=500, restarts=2)
        >>> res.best_accuracy, res.network.predict(X).tolist()
        (1.0, [0, 1, 1, 0])
    """
    Xc, yc = _labels_and_features(X, y)
    if hidden_layers is not None:
        if hidden is not None:
            raise ValueError("pass either hidden or hidden_layers, not both")
        if isinstance(hidden_layers, (str, bytes)) or not hasattr(hidden_layers, "__len__") or len(hidden_layers) == 0:
            raise ValueError(f"hidden_layers must be a non-empty list of widths, got {hidden_layers!r}")
        widths = [v.count(f"hidden_layers[{i}]", w, minimum=1, maximum=2**20) for i, w in enumerate(hidden_layers)]
    else:
        if hidden is None:
            raise TypeError("train() needs hidden (the number of hidden units) or hidden_layers")
        widths = [v.count("hidden", hidden, minimum=1, maximum=2**20)]
    activation = v.choice("activation", activation, ACTIVATIONS)
    slope = v.real("slope", slope, minimum=0.0)
    loss = v.choice("loss", loss, _LOSSES)
    optimizer = v.choice("optimizer", optimizer, _OPTIMIZERS)
    lr = v.real("lr", lr, minimum=0.0, open_min=True)
    lr_min = lr / 100 if lr_min is None else v.real("lr_min", lr_min, minimum=0.0, maximum=lr)
    momentum = v.real("momentum", momentum, minimum=0.0, maximum=0.999999)
    if isinstance(betas, (str, bytes)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    beta1 = v.real("betas[0]", betas[0], minimum=0.0, maximum=0.999999)
    beta2 = v.real("betas[1]", betas[1], minimum=0.0, maximum=0.999999)
    eps = v.real("eps", eps, minimum=0.0, open_min=True)
    steps = v.count("steps", steps, minimum=1, maximum=2**40)
    schedule = v.choice("schedule", schedule, _SCHEDULES)
    if batch_size is not None:
        batch_size = v.count("batch_size", batch_size, minimum=1)
    restarts = v.count("restarts", restarts, minimum=1, maximum=2**20)
    seed = v.seed(seed)
    if not isinstance(fixed_output, (bool, np.bool_)):
        raise TypeError(f"fixed_output must be True or False, got {fixed_output!r}")
    scale: Optional[float] = None
    if fixed_output:
        scale = (1.0 / np.sqrt(widths[-1]) if output_scale is None
                 else v.real("output_scale", output_scale, minimum=0.0, open_min=True))
    elif output_scale is not None:
        raise ValueError("output_scale is only used with fixed_output=True")
    if threads is not None:
        threads = v.count("threads", threads, minimum=1, maximum=4096)
    every = _snapshot_every(snapshot_every, callback, restarts, steps, Xc.shape[1], widths)

    def net(d: dict) -> Union[TwoLayerNet, DeepNet]:
        return _stack(d["layers"], d["w_out"], d["b_out"], activation, slope)

    hook = None
    if callback is not None:
        def hook(step: int, d: Dict[str, Any], acc: float, lss: float) -> None:
            callback(int(step), net(d), float(acc), float(lss))

    out = _core.train_network(Xc, yc, widths, activation, slope, loss, optimizer, lr, lr_min, momentum,
                              beta1, beta2, eps, steps, schedule, batch_size, restarts, seed, scale,
                              RECORD_EVERY, threads, every, hook)

    b = int(out["best_restart"])
    return TrainResult(
        network=net(out["best"]),
        final_network=net(out["last"]),
        best_accuracy=float(out["restart_best_accuracy"][b]),
        final_accuracy=float(out["restart_final_accuracy"][b]),
        best_restart=b,
        best_step=int(out["restart_best_step"][b]),
        restart_accuracies=out["restart_best_accuracy"],
        history_steps=out["history_steps"].astype(np.int64),
        loss_history=out["loss_history"],
        accuracy_history=out["accuracy_history"],
        **_snapshot_fields(out),
        activation=activation,
        slope=slope,
    )


#: Largest number of snapshot parameters (steps x parameters) train() keeps.
MAX_SNAPSHOT_VALUES = 2**27


def _snapshot_every(every: Any, callback: Any, restarts: int, steps: int, d: int, widths: List[int]) -> int:
    """Check ``snapshot_every`` / ``callback`` (0: no snapshots)."""
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    if every is None:
        every = RECORD_EVERY if callback is not None else 0
    else:
        every = v.count("snapshot_every", every, minimum=1, maximum=2**40)
    if callback is not None and restarts != 1:
        raise ValueError(f"callback needs restarts=1 (it watches one run), got restarts={restarts}")
    if every:
        dims = [d] + list(widths)
        params = sum(a * b + b for a, b in zip(dims[:-1], dims[1:])) + dims[-1] + 1
        count = (steps - 1) // every + 2
        if count * params * restarts > MAX_SNAPSHOT_VALUES:
            raise ValueError(f"snapshot_every={every} keeps {count} snapshots of {params} parameters "
                              f"x {restarts} restarts, over the limit of {MAX_SNAPSHOT_VALUES} values: "
                              f"raise snapshot_every")
    return int(every)


def _snapshot_fields(out: Dict[str, Any]) -> Dict[str, Any]:
    if "snapshot_steps" not in out:
        return {}
    return {"snapshot_steps": out["snapshot_steps"].astype(np.int64),
            "snapshot_accuracy": out["snapshot_accuracy"], "snapshot_loss": out["snapshot_loss"],
            "snapshot_layers": [(W, b) for W, b in out["snapshot_layers"]],
            "snapshot_w_out": out.get("snapshot_w_out", np.zeros((0, 0))), "snapshot_b_out": out["snapshot_b_out"]}


@dataclass(frozen=True, eq=False)
class AccuracyMeasurement:
    """What :func:`real_accuracy` returns.

    Attributes:
        mean: mean over datasets of the best training accuracy.
        std: sample standard deviation (ddof=1; 0 for one dataset) over datasets.
        per_dataset: the best accuracy (over restarts) of each dataset.
        d, N, L, dist, restarts, seed: the settings.
        seconds: wall time of the measurement.
    """

    mean: float
    std: float
    per_dataset: np.ndarray
    d: int = 0
    N: int = 0
    L: int = 0
    dist: str = "uniform"
    restarts: int = 2
    seed: int = 0
    seconds: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"d": self.d, "N": self.N, "L": self.L, "dist": self.dist, "datasets": int(len(self.per_dataset)),
                "restarts": self.restarts, "seed": self.seed, "mean": self.mean, "std": self.std,
                "per_dataset": [float(a) for a in self.per_dataset], "seconds": self.seconds}


def _check_protocol(d: Any, N: Any, L: Any, dist: Any, datasets: Any, restarts: Any, seed: Any) -> tuple:
    d = v.count("d", d, minimum=1, maximum=2**20)
    N = v.count("N", N, minimum=1, maximum=2**32)
    L = v.count("L", L, minimum=1, maximum=2**20)
    if N * max(d, L) > 2**30:
        raise ValueError(f"N * max(d, L) = {N * max(d, L)} exceeds the limit of 2**30 values per network")
    return (d, N, L, _dist(dist), v.count("datasets", datasets, minimum=1, maximum=2**20),
            v.count("restarts", restarts, minimum=1, maximum=2**20), v.seed(seed))


def real_accuracy(
    d: int,
    N: int,
    L: int,
    *,
    dist: str = "uniform",
    datasets: int = 3,
    restarts: int = 2,
    seed: int = 0,
    threads: Optional[int] = None,
    callback: Optional[Callable[[int, float], None]] = None,
) -> AccuracyMeasurement:
    """Best training accuracy of ``d -> L ReLU -> 1`` networks on random labels (the reference protocol).

    Dataset ``k`` is dataset ``k`` of the family of :func:`random_dataset` with
    this ``seed`` (dataset 0 is ``random_dataset(N, d, dist=dist, seed=seed)``);
    restart ``r`` on it starts from the stream ``(seed, k, r)``, exactly as
    ``train(X, y, L, restarts=restarts, seed=seed)`` does for ``k = 0``.
    A run stops early once it has reached 100% (its best cannot improve).

    Args:
        d, N, L: input dimension, points per dataset, hidden units (all >= 1).
        dist: ``"uniform"`` (``[-1, 1]^d``) or ``"gaussian"`` (alias ``"gauss"``).
        datasets: independent datasets (the mean and std are over them).
        restarts: trainings per dataset (its accuracy is the best of them).
        seed: random seed.
        threads: worker threads (default: all cores, or ``RAYON_NUM_THREADS``).
        callback: called as ``callback(k, accuracy)`` after each dataset; when
            given, datasets are trained one at a time (restarts in parallel).

    Returns:
        An :class:`AccuracyMeasurement`.

    Example:
        >>> m = real_accuracy(5, 100, 16, datasets=2)
        >>> m.mean, m.per_dataset.tolist()
        (1.0, [1.0, 1.0])
    """
    d, N, L, dist, datasets, restarts, seed = _check_protocol(d, N, L, dist, datasets, restarts, seed)
    if threads is not None:
        threads = v.count("threads", threads, minimum=1, maximum=4096)
    start = time.perf_counter()
    if callback is None:
        acc = _core.reference_accuracy(d, N, L, dist, seed, 0, datasets, restarts, threads)
    else:
        parts: List[float] = []
        for k in range(datasets):
            a = float(_core.reference_accuracy(d, N, L, dist, seed, k, 1, restarts, threads)[0])
            parts.append(a)
            callback(k, a)
        acc = np.array(parts)
    std = float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0
    return AccuracyMeasurement(float(np.mean(acc)), std, np.asarray(acc, dtype=np.float64), d, N, L, dist,
                               restarts, seed, time.perf_counter() - start)
