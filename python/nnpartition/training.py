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

import functools
import math
import time
import warnings
from collections.abc import Mapping as AbstractMapping, Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import (Any, Callable, Dict, Generic, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union,
                    cast, overload)

from numpy.typing import NDArray

import numpy as np

from . import _core
from . import _validate as v
from ._random import SeedLike
from .datasets import _dist
from .network import ACTIVATIONS, DeepNet, TwoLayerNet, _stack
from ._repr import short_repr

__all__ = ["train", "TrainResult", "real_accuracy", "AccuracyMeasurement", "Protocol"]

_LOSSES = _core.CHOICES["loss"]
_OPTIMIZERS = _core.CHOICES["optimizer"]
_SCHEDULES = _core.CHOICES["schedule"]
#: Steps between two recorded accuracies (and losses).
RECORD_EVERY = 20
#: Largest batch the trainer takes, in activations (rows x widest layer; ``rust/src/training.rs``, which refuses a
#: larger one with "use batch_size").
MAX_ACTIVATIONS: int = _core.MAX_ACTIVATIONS
_set = object.__setattr__
#: Largest float32: the trainer's parameters (a leaky slope among them) are float32.
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Protocol:
    """A training run, as :func:`real_accuracy` performs it and :func:`estimate_accuracy` predicts it.

    A ``d -> widths -> 1`` ReLU network with one logit, every layer initialised
    as PyTorch's ``nn.Linear`` default (weights and hidden biases
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), output bias 0, mean binary
    cross-entropy. Accuracy is read on all ``N`` points at every 20th step and
    at the last step; the best value counts, and the best of ``restarts``
    independent runs.

    Attributes:
        optimizer: ``"adam"`` (PyTorch defaults) or ``"sgd"`` (momentum 0.9, PyTorch semantics).
        lr: starting learning rate, > 0 and <= 1e6.
        steps: optimiser steps, >= 1.
        batch_size: ``None`` for full batch; otherwise minibatches of this size
            from a fresh permutation every epoch, the incomplete last batch dropped
            (a batch of ``N`` points or more is the full batch, one per epoch, and
            the estimate reads it as full batch too).
        schedule: ``"cosine"`` (from ``lr`` to ``lr / 100`` over ``steps``) or ``"constant"``.
        restarts: independent runs per dataset; the best counts.

    ``Protocol()`` is the reference protocol (full-batch Adam, lr 0.02 cosine,
    4000 steps, best of 2 restarts), also :meth:`Protocol.reference`.

    Example:
        >>> Protocol() == Protocol.reference()
        True
        >>> p = Protocol(optimizer="sgd", lr=0.1, steps=1000, batch_size=64)
        >>> p
        Protocol(optimizer='sgd', lr=0.1, steps=1000, batch_size=64, schedule='cosine', restarts=2)
        >>> p.summed_lr      # sum of the learning rates over the run (cosine: about (1 + 1/100) / 2 lr steps)
        50.5495
    """

    optimizer: str = "adam"
    lr: float = 0.02
    steps: int = 4000
    batch_size: Optional[int] = None
    schedule: str = "cosine"
    restarts: int = 2

    def __init__(self, optimizer: str = "adam", lr: float = 0.02, steps: int = 4000, batch_size: Optional[int] = None,
                 schedule: str = "cosine", restarts: int = 2) -> None:
        # Written out rather than generated (the dataclass keeps it; the same defaults as the fields, which a test
        # checks): one dict for the six fields instead of six frozen setattrs, so that a protocol built in each
        # estimate_accuracy call costs well under a microsecond when its values are already canonical.
        if not (type(optimizer) is str and optimizer in _OPTIMIZERS and type(lr) is float and 0.0 < lr <= 1e6
                and type(steps) is int and 1 <= steps <= 10**9
                and (batch_size is None or (type(batch_size) is int and 1 <= batch_size <= 2**32))
                and type(schedule) is str and schedule in _SCHEDULES and type(restarts) is int
                and 1 <= restarts <= 2**20):
            optimizer = v.choice("optimizer", optimizer, _OPTIMIZERS)
            lr = v.real("lr", lr, minimum=0.0, open_min=True, maximum=1e6)
            steps = v.size("steps", steps, minimum=1, maximum=10**9)
            if batch_size is not None:
                batch_size = v.size("batch_size", batch_size, minimum=1, maximum=2**32)
            schedule = v.choice("schedule", schedule, _SCHEDULES)
            restarts = v.size("restarts", restarts, minimum=1, maximum=2**20)
        _set(self, "__dict__", {"optimizer": optimizer, "lr": lr, "steps": steps, "batch_size": batch_size,
                                "schedule": schedule, "restarts": restarts})

    @classmethod
    def reference(cls) -> "Protocol":
        """The reference protocol: full-batch Adam, lr 0.02 cosine to 2e-4, 4000 steps, best of 2 restarts."""
        return cls()

    @property
    def summed_lr(self) -> float:
        """The sum of the learning rates of all steps (cosine: ``lr (1 + 1/100) / 2`` per step on average)."""
        return float(_core.summed_lr(self.lr, self.steps, self.schedule))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {"optimizer": self.optimizer, "lr": self.lr, "steps": self.steps, "batch_size": self.batch_size,
                "schedule": self.schedule, "restarts": self.restarts}

    def describe(self) -> str:
        """One short line, e.g. ``adam lr=0.02 cosine, 4000 steps, full batch, best of 2``."""
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        return (f"{self.optimizer} lr={self.lr:g} {self.schedule}, {self.steps} steps, {batch}, "
                f"best of {self.restarts}")


def _not_a_protocol(protocol: Any) -> TypeError:
    """The refusal of a ``protocol=`` that is no :class:`Protocol`, saying how to make one from what was given (the
    class itself, ``Protocol.reference`` uncalled and a dict of its fields said only "got type", "got method", "got
    dict").

    Example:
        >>> str(_not_a_protocol(Protocol.reference))
        'protocol must be an nnpartition.Protocol, got the method Protocol.reference; call it: Protocol.reference()'
    """
    if protocol is Protocol or (isinstance(protocol, type) and issubclass(protocol, Protocol)):
        hint = f"the class {protocol.__name__} itself; make one: {protocol.__name__}() or {protocol.__name__}(lr=...)"
    elif callable(protocol) and isinstance(owner := getattr(protocol, "__self__", None), type) \
            and issubclass(owner, Protocol):
        name = f"{owner.__name__}.{getattr(protocol, '__name__', 'reference')}"
        hint = f"the method {name}; call it: {name}()"
    elif isinstance(protocol, AbstractMapping):
        hint = f"{type(protocol).__name__}; make one from its fields: nnpartition.Protocol(**protocol)"
    else:
        hint = type(protocol).__name__
    return TypeError(f"protocol must be an nnpartition.Protocol, got {hint}")


NetT = TypeVar("NetT", TwoLayerNet, DeepNet, Union[TwoLayerNet, DeepNet])


@dataclass(eq=False)
class TrainResult(Generic[NetT]):
    """What :func:`train` returns.

    Attributes:
        network: the best network: the parameters at the recorded step with the
            highest accuracy, in the restart with the highest accuracy
            (:class:`TwoLayerNet` for ``L``, :class:`DeepNet` for ``widths`` of two or more layers).
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
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
        diverged_at: the step at which the returned restart diverged (``None``: it did not). A run diverges at
            the first step whose forward pass gives a non-finite logit (or whose read finds a non-finite
            parameter; ``steps`` if only the last update left non-finite parameters) and stops there: its
            ``network`` is the best it read before, ``final_network`` and ``final_accuracy`` those of its last
            read, and its history entries from the divergence on are NaN.
        restart_diverged_at: the same for every restart, a tuple of ``restarts`` steps or ``None``.
        protocol_accuracy: the best accuracy as :func:`real_accuracy` counts it: ``best_accuracy``, unless a
            restart diverged with reads left, which count as the reads of PyTorch's NaN network (a NaN logit is
            not ``> 0``: every point class 0), i.e. the fraction of label-0 points, when that is higher.

    Example:
        >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        >>> res = train(X, [0, 1, 1, 0], 8, steps=300, restarts=2, seed=1)
        >>> res.history_steps[:3].tolist(), int(res.history_steps[-1]), res.accuracy_history.shape
        ([0, 20, 40], 299, (2, 16))
        >>> best = res.accuracy_history[res.best_restart].max()
        >>> bool(res.best_accuracy == best == res.network.accuracy(X, [0, 1, 1, 0]))
        True
        >>> res.diverged_at is None and res.protocol_accuracy == res.best_accuracy
        True
    """

    network: NetT
    final_network: NetT
    best_accuracy: float
    final_accuracy: float
    best_restart: int
    best_step: int
    restart_accuracies: NDArray[np.float64]
    history_steps: NDArray[np.int64]
    loss_history: NDArray[np.float64]
    accuracy_history: NDArray[np.float64]
    snapshot_steps: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    snapshot_accuracy: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    snapshot_loss: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    snapshot_layers: List[Tuple[NDArray[np.float64], NDArray[np.float64]]] = field(default_factory=list)
    snapshot_w_out: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    snapshot_b_out: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    activation: str = "relu"
    slope: float = 0.01
    seed: int = 0
    diverged_at: Optional[int] = None
    restart_diverged_at: Tuple[Optional[int], ...] = ()
    protocol_accuracy: float = math.nan

    def snapshots(self) -> List[NetT]:
        """The recorded networks, one per entry of ``snapshot_steps`` (empty without ``snapshot_every``)."""
        return [_stack([(W[k], b[k]) for W, b in self.snapshot_layers], self.snapshot_w_out[k],  # type: ignore[misc]
                       float(self.snapshot_b_out[k]), self.activation, self.slope)
                for k in range(len(self.snapshot_steps))]

    def __repr__(self) -> str:
        net = self.network
        size = f"L={net.L}" if isinstance(net, TwoLayerNet) else f"widths={list(net.widths)}"
        diverged = sum(t is not None for t in self.restart_diverged_at)
        note = f", diverged={diverged}" if diverged else ""
        return (f"TrainResult({size}, best_accuracy={self.best_accuracy:.4f} (restart {self.best_restart}, "
                f"step {self.best_step}), final_accuracy={self.final_accuracy:.4f}, "
                f"restarts={len(self.restart_accuracies)}, recorded_steps={len(self.history_steps)}{note})")


def _labels_and_features(X: Any, y: Any) -> Tuple[Any, Any]:
    with np.errstate(over="ignore"):   # values beyond float32 become inf, refused just below by name
        Xc = v.float_matrix("X", X, dtype=np.float32)
    if not np.all(np.isfinite(Xc)):
        raise ValueError("X contains NaN or infinity (or values too large for float32)")
    yc = v.binary_labels("y", y, Xc.shape[0])
    return np.ascontiguousarray(Xc), np.ascontiguousarray(yc)


def _check_default_runs(d: int, n: int, widths: List[int], count: int) -> None:
    """Refuse, with the trainer's own check (memory and ``max_work``), ``count`` :func:`train` calls with its
    defaults (the reference protocol with one restart) on ``n`` points in ``d`` dimensions: a caller that trains
    once per trial checks them all before the first, where each call would check only itself."""
    _core.protocol_check(d, n, list(widths), count, Protocol(restarts=1))


def _check_total_work(what: str, runs: Iterable[Tuple[int, int, List[int], int, Protocol]]) -> None:
    """Refuse (``max_work``) several measurements together, each ``(d, n, widths, datasets, protocol)`` priced as
    :func:`real_accuracy` prices itself (``_core.train_work``): a caller that trains several configurations in turn
    (``validate``, the demo) checks their sum before the first, where each would check only itself."""
    from .limits import _check_work

    total = sum(_core.train_work(d, n, list(ws), count, p) for d, n, ws, count, p in runs)
    _check_work(what, total, "train fewer configurations, steps or datasets at once")


#: What a :class:`Protocol` sets in :func:`train`: none of them may be given beside ``protocol=``.
_PROTOCOL_SETS = ("optimizer", "lr", "lr_min", "momentum", "betas", "eps", "steps", "schedule", "batch_size",
                  "restarts", "activation", "loss", "fixed_output", "output_scale")

_F = TypeVar("_F", bound=Callable[..., Any])


def _refuses_settings_beside_protocol(f: _F) -> _F:
    """:func:`train` as given, refusing any argument of ``_PROTOCOL_SETS`` passed beside ``protocol=``, whatever its
    value (the function itself cannot tell ``lr=0.02`` given from the default)."""
    @functools.wraps(f)
    def checked(*args: Any, **kwargs: Any) -> Any:
        protocol = kwargs.get("protocol")
        if protocol is not None:
            if not isinstance(protocol, Protocol):
                raise _not_a_protocol(protocol)
            clash = [k for k in _PROTOCOL_SETS if k in kwargs]
            if clash:
                fields = [k for k in clash if k in protocol.to_dict()]
                it = "it" if len(clash) == 1 else "them"
                how = (f"change {it} in the protocol (dataclasses.replace(protocol, {fields[0]}=...))" if fields
                       else f"train without protocol= to change {it}")
                raise ValueError(f"give either protocol= or {', '.join(k + '=' for k in clash)}, not both: the "
                                 f"protocol sets {it} ({protocol.describe()}; Adam with PyTorch's defaults or SGD "
                                 f"with momentum 0.9, ReLU and mean BCE); {how}")
        return f(*args, **kwargs)

    return cast(_F, checked)


@overload
def train(X: Any, y: Any, L: int, *, activation: str = ..., slope: float = ..., loss: str = ...,
          optimizer: str = ..., lr: float = ..., lr_min: Optional[float] = ..., momentum: float = ...,
          betas: Sequence[float] = ..., eps: float = ..., steps: int = ..., schedule: str = ...,
          batch_size: Optional[int] = ..., restarts: int = ..., seed: SeedLike = ..., fixed_output: bool = ...,
          output_scale: Optional[float] = ..., widths: None = ..., threads: Optional[int] = ...,
          snapshot_every: Optional[int] = ...,
          callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = ...,
          protocol: Optional[Protocol] = ...,
          ) -> TrainResult[TwoLayerNet]: ...


@overload
def train(X: Any, y: Any, L: None = ..., *, activation: str = ..., slope: float = ..., loss: str = ...,
          optimizer: str = ..., lr: float = ..., lr_min: Optional[float] = ..., momentum: float = ...,
          betas: Sequence[float] = ..., eps: float = ..., steps: int = ..., schedule: str = ...,
          batch_size: Optional[int] = ..., restarts: int = ..., seed: SeedLike = ..., fixed_output: bool = ...,
          output_scale: Optional[float] = ..., widths: Iterable[int], threads: Optional[int] = ...,
          snapshot_every: Optional[int] = ...,
          callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = ...,
          protocol: Optional[Protocol] = ...,
          ) -> TrainResult[Union[TwoLayerNet, DeepNet]]: ...


@overload
def train(X: Any, y: Any, L: Optional[int] = ..., *, activation: str = ..., slope: float = ..., loss: str = ...,
          optimizer: str = ..., lr: float = ..., lr_min: Optional[float] = ..., momentum: float = ...,
          betas: Sequence[float] = ..., eps: float = ..., steps: int = ..., schedule: str = ...,
          batch_size: Optional[int] = ..., restarts: int = ..., seed: SeedLike = ..., fixed_output: bool = ...,
          output_scale: Optional[float] = ..., widths: Optional[Iterable[int]] = ..., threads: Optional[int] = ...,
          snapshot_every: Optional[int] = ...,
          callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = ...,
          protocol: Optional[Protocol] = ...,
          ) -> TrainResult[Union[TwoLayerNet, DeepNet]]: ...


@_refuses_settings_beside_protocol
def train(
    X: Any,
    y: Any,
    L: Optional[int] = None,
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
    seed: SeedLike = 0,
    fixed_output: bool = False,
    output_scale: Optional[float] = None,
    widths: Optional[Iterable[int]] = None,
    threads: Optional[int] = None,
    snapshot_every: Optional[int] = None,
    callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = None,
    protocol: Optional[Protocol] = None,
) -> TrainResult[Any]:
    """Train networks with one logit output on ``(X, y)`` and keep the best.

    Args:
        X: features, shape ``(N, d)``, finite (trained in float32).
        y: labels 0/1 (or bools), shape ``(N,)``.
        L: hidden units of a two-layer network (or use ``widths``).
        activation: ``relu``, ``leaky_relu`` (negative slope ``slope``), ``sigmoid`` or ``tanh``.
        loss: ``bce`` (mean binary cross-entropy on the logit) or ``hinge`` (mean ``max(0, 1 - s z)``).
        optimizer: ``adam`` (``betas``, ``eps``; PyTorch semantics) or ``sgd`` (``momentum``).
        lr: learning rate, > 0 and <= 1e6 (as :class:`Protocol`'s; the trainer refuses one below 1.18e-38, float32's
            smallest normal number). lr_min: the floor of the cosine schedule
            (default ``lr / 100``).
        steps: optimiser steps. schedule: ``cosine`` (annealed from ``lr`` to ``lr_min``) or ``constant``.
        batch_size: minibatch size (reshuffled every epoch); ``None`` for full batch.
            With minibatches the recorded accuracy and loss are over all ``N`` points.
        restarts: independent initialisations; the best is returned.
        seed: None, an int, a numpy Generator or SeedSequence (resolved once to an int); restart ``r`` uses the stream ``(seed, 0, r)``.
        fixed_output: freeze the output layer at ``+v`` for the first ``ceil(L/2)``
            units and ``-v`` for the rest, bias 0, with ``v = output_scale`` (default ``1/sqrt(L)``; for
            ``widths``, ``L`` is the last hidden width, the one the output layer reads).
        widths: hidden widths ``[L1, L2, ...]`` of a deeper network (instead of ``L``): a list, tuple, 1-D array or
            any ordered iterable (a generator, say) of 1 to 64 sizes, as everywhere ``widths`` is taken.
        threads: worker threads (default: all cores, or ``RAYON_NUM_THREADS``).
        snapshot_every: record the parameters at every ``snapshot_every``-th step
            and at the last step (the parameters that step's forward pass used);
            the best restart's are returned in the result (``snapshot_*``, :meth:`TrainResult.snapshots`).
            They are counted against the memory limit (``max_bytes``) before training: 4 bytes a parameter and
            snapshot of every restart, 8 of the best's.
        callback: called as ``callback(step, network, accuracy, loss)`` at every
            snapshot step, from inside the Rust trainer with the GIL taken back
            (``snapshot_every`` defaults to 20 with a callback). Needs
            ``restarts=1``. If it raises, training stops and the exception propagates.
        protocol: a training :class:`Protocol`, as :func:`real_accuracy` trains it: its optimizer, lr, steps,
            batch_size, schedule and restarts; Adam with PyTorch's defaults or SGD with momentum 0.9, ReLU, mean
            BCE and a free output layer. It sets all of these, so none of ``optimizer, lr, lr_min, momentum, betas, eps, steps,
            schedule, batch_size, restarts, activation, loss, fixed_output, output_scale`` may be given beside
            it, whatever the value (a ``ValueError`` names it: change it in the protocol, with
            ``dataclasses.replace(protocol, lr=...)``). ``train(X, y, L, protocol=p, seed=s).protocol_accuracy``
            is ``real_accuracy(d, N, L, protocol=p, datasets=1, seed=s).per_dataset[0]`` on dataset 0.

    Returns:
        A :class:`TrainResult`. A restart that diverges (a non-finite logit: the loss is no longer finite) stops
        there and keeps what it read before (``TrainResult.diverged_at``, ``restart_diverged_at``); a
        ``RuntimeWarning`` says so.

    Raises:
        ValueError / TypeError: a bad argument (the message names it).
        ValueError: the initial network's logits are not finite (``X`` too large for float32 training).

    Warns:
        RuntimeWarning: a restart diverged (lower the lr).

    Example:
        >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        >>> res = train(X, [0, 1, 1, 0], 8, steps=500, restarts=2)
        >>> res.best_accuracy, res.network.predict(X).tolist()
        (1.0, [0, 1, 1, 0])
    """
    if protocol is not None:   # nothing it sets was given beside it (_refuses_settings_beside_protocol)
        p = protocol
        optimizer, lr, steps, batch_size, schedule, restarts = (p.optimizer, p.lr, p.steps, p.batch_size,
                                                                p.schedule, p.restarts)
    Xc, yc = _labels_and_features(X, y)
    ws = list(_widths_arg(L, widths))
    activation = v.choice("activation", activation, ACTIVATIONS)
    # the trainer computes in float32: a larger slope was refused as "slope must be >= 0 and finite, got inf"
    slope = v.real("slope", slope, minimum=0.0, maximum=_F32_MAX)
    loss = v.choice("loss", loss, _LOSSES)
    optimizer = v.choice("optimizer", optimizer, _OPTIMIZERS)
    # as Protocol's: 1e300 became inf in the float32 trainer, a divergence at step 1 and numpy's RuntimeWarning
    lr = v.real("lr", lr, minimum=0.0, open_min=True, maximum=1e6)
    lr_min = lr / 100 if lr_min is None else v.real("lr_min", lr_min, minimum=0.0, maximum=lr)
    momentum = v.real("momentum", momentum, minimum=0.0, maximum=0.999999)
    # a set has no order (and {0.9, 0.999} no [0]: Python's "'set' object is not subscriptable"), a mapping's
    # [0] is a key lookup ({0: 0.9, 1: 0.999} passed)
    if isinstance(betas, (str, bytes, AbstractSet, AbstractMapping)) or not hasattr(betas, "__len__") \
            or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    beta1 = v.real("betas[0]", betas[0], minimum=0.0, maximum=0.999999)
    beta2 = v.real("betas[1]", betas[1], minimum=0.0, maximum=0.999999)
    eps = v.real("eps", eps, minimum=0.0, open_min=True)
    steps = v.size("steps", steps, minimum=1, maximum=2**40)
    schedule = v.choice("schedule", schedule, _SCHEDULES)
    if batch_size is not None:
        batch_size = v.size("batch_size", batch_size, minimum=1)
    restarts = v.size("restarts", restarts, minimum=1, maximum=2**20)
    seed = v.seed(seed)
    fixed_output = v.flag("fixed_output", fixed_output)
    scale: Optional[float] = None
    if fixed_output:
        scale = (1.0 / np.sqrt(ws[-1]) if output_scale is None
                 else v.real("output_scale", output_scale, minimum=0.0, open_min=True))
    elif output_scale is not None:
        raise ValueError("output_scale is only used with fixed_output=True")
    if threads is not None:
        threads = v.size("threads", threads, minimum=1, maximum=_core.MAX_THREADS)
    every = _snapshot_every(snapshot_every, callback, restarts, steps, Xc.shape[1], ws)

    def net(d: Mapping[str, Any]) -> Union[TwoLayerNet, DeepNet]:
        return _stack(d["layers"], d["w_out"], d["b_out"], activation, slope)

    def hook(step: int, d: Dict[str, Any], acc: float, lss: float) -> None:
        assert callback is not None
        callback(int(step), net(d), float(acc), float(lss))

    out = _core.train_network(Xc, yc, ws, activation, slope, loss, optimizer, lr, lr_min, momentum,
                              beta1, beta2, eps, steps, schedule, batch_size, restarts, seed, scale,
                              RECORD_EVERY, threads, every, None if callback is None else hook)

    b = int(out["best_restart"])
    diverged: Tuple[Optional[int], ...] = tuple(None if t < 0 else int(t) for t in out["restart_diverged_at"])
    if any(t is not None for t in diverged):
        where = ", ".join(f"restart {r} at step {t}" for r, t in enumerate(diverged) if t is not None)
        warnings.warn(f"training diverged (a non-finite loss; try a smaller lr): {where}. A diverged restart "
                      f"stops there and keeps the networks it read before (TrainResult.restart_diverged_at)",
                      RuntimeWarning, stacklevel=2)
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
        seed=seed,
        diverged_at=diverged[b],
        restart_diverged_at=diverged,
        protocol_accuracy=float(np.max(out["restart_protocol_accuracy"])),
    )


#: The start of :func:`real_accuracy`'s ``RuntimeWarning`` that runs diverged, as a ``warnings`` filter pattern: what
#: the commands that report the count in their own output (``train``, ``validate``) silence.
_DIVERGED_RUNS = r"[0-9]+ of [0-9]+ training runs diverged"


#: Largest number of snapshot parameters (steps x parameters) train() keeps.
MAX_SNAPSHOT_VALUES = 2**27


def _snapshot_every(every: Any, callback: Any, restarts: int, steps: int, d: int, widths: List[int]) -> int:
    """Check ``snapshot_every`` / ``callback`` (0: no snapshots)."""
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    if every is None:
        every = RECORD_EVERY if callback is not None else 0
    else:
        every = v.size("snapshot_every", every, minimum=1, maximum=2**40)
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


def _snapshot_fields(out: Mapping[str, Any]) -> Dict[str, Any]:
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
        std: sample standard deviation (ddof=1; NaN for one dataset, which has no spread to estimate) over datasets.
        per_dataset: the best accuracy (over restarts) of each dataset.
        d, N: input dimension and points per dataset.
        widths: hidden widths (``(L,)`` for a two-layer network).
        dist, seed: the input law and the seed.
        protocol: the training :class:`Protocol`.
        seconds: wall time of the measurement.
        diverged: how many of the ``datasets x restarts`` runs diverged (a non-finite loss, see
            :attr:`TrainResult.diverged_at`); each counts with its reads before the divergence and the constant
            class-0 reads of PyTorch's NaN network after it. :func:`real_accuracy` warns when it is not 0.

    Example:
        >>> m = real_accuracy(3, 60, 8, protocol=Protocol(steps=100, restarts=1), datasets=2, seed=4)
        >>> len(m.per_dataset), bool(m.mean == m.per_dataset.mean()), bool(m.std == m.per_dataset.std(ddof=1))
        (2, True, True)
        >>> m.L, m.widths, m.restarts, m.to_dict()["protocol"]["steps"], m.diverged
        (8, (8,), 1, 100, 0)
    """

    __repr__ = short_repr

    mean: float
    std: float
    per_dataset: np.ndarray
    d: int = 0
    N: int = 0
    widths: Tuple[int, ...] = ()
    dist: str = "uniform"
    protocol: Protocol = field(default_factory=Protocol)
    seed: int = 0
    seconds: float = field(default=0.0, compare=False)
    diverged: int = 0

    @property
    def L(self) -> int:
        """Width of the first hidden layer."""
        return self.widths[0] if self.widths else 0

    @property
    def restarts(self) -> int:
        """Restarts per dataset (``protocol.restarts``)."""
        return self.protocol.restarts

    @property
    def datasets(self) -> int:
        """How many datasets were trained on (``len(per_dataset)``)."""
        return int(len(self.per_dataset))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict: strict JSON, a non-finite number (the NaN ``std`` of one dataset) is ``None``.

        Example:
            >>> import json
            >>> json.dumps(real_accuracy(5, 60, 8, datasets=1, restarts=1).to_dict()["std"])
            'null'
        """
        from ._json import json_ready

        size: Dict[str, Any] = {"L": self.L} if len(self.widths) == 1 else {"widths": list(self.widths)}
        out: Dict[str, Any] = json_ready({
            "d": self.d, "N": self.N, **size, "dist": self.dist, "datasets": self.datasets,
            "restarts": self.restarts, "seed": self.seed, "mean": self.mean, "std": self.std,
            "per_dataset": [float(a) for a in self.per_dataset], "seconds": self.seconds, "diverged": self.diverged,
            "protocol": self.protocol.to_dict()})
        return out


def _widths_arg(L: Any, widths: Any) -> Tuple[int, ...]:
    """``(L,)`` or the checked ``widths``; exactly one of them must be given."""
    if widths is not None:
        if L is not None:
            raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
        return v.widths(widths, maximum=2**20)
    if L is None:
        raise TypeError("give L (hidden units of a two-layer network) or widths=[L1, L2, ...]")
    return (v.size("L", L, minimum=1, maximum=2**20),)


def _protocol_arg(protocol: Any, restarts: Any) -> Protocol:
    if protocol is None:
        protocol = Protocol()
    elif not isinstance(protocol, Protocol):
        raise _not_a_protocol(protocol)
    out: Protocol = protocol if restarts is None else replace(protocol, restarts=restarts)
    return out


def real_accuracy(
    d: int,
    N: int,
    L: Optional[int] = None,
    *,
    widths: Optional[Iterable[int]] = None,
    dist: str = "uniform",
    protocol: Optional[Protocol] = None,
    datasets: int = 3,
    restarts: Optional[int] = None,
    seed: SeedLike = 0,
    threads: Optional[int] = None,
    callback: Optional[Callable[[int, float], Any]] = None,
) -> AccuracyMeasurement:
    """Best training accuracy of ReLU networks on random labels under a training :class:`Protocol`.

    Dataset ``k`` is dataset ``k`` of the family of :func:`random_dataset` with
    this ``seed`` (dataset 0 is ``random_dataset(N, d, dist=dist, seed=seed)``);
    restart ``r`` on it starts from the stream ``(seed, k, r)``, exactly as
    ``train(X, y, L, protocol=protocol, seed=seed)`` does for ``k = 0`` (its
    ``protocol_accuracy`` is this dataset's value). A run stops early once it
    has reached 100% (its best cannot improve).

    A run that diverges (a non-finite logit: SGD or Adam at too large an lr)
    is not an error: it counts with the best accuracy it read before the
    divergence, or, if reads were left, with the accuracy PyTorch reads on its
    NaN network (every logit NaN, every point class 0: the fraction of
    label-0 points) if that is higher (``docs/training.md``).

    Args:
        d, N: input dimension and points per dataset (>= 1).
        L: hidden units of a two-layer ``d -> L -> 1`` network, or
        widths: the hidden widths ``[L1, L2, ...]`` of a deeper network (a list, tuple, 1-D array or any
            ordered iterable of 1 to 64 sizes, as :func:`train` takes them).
        dist: ``"uniform"`` (``[-1, 1]^d``) or ``"gaussian"`` (alias ``"gauss"``).
        protocol: the training :class:`Protocol` (default: the reference protocol).
        datasets: independent datasets (the mean and std are over them).
        restarts: overrides ``protocol.restarts`` when given.
        seed: None, an int, a numpy Generator or SeedSequence; the resolved int is recorded in the result.
        threads: worker threads (default: all cores, or ``RAYON_NUM_THREADS``).
        callback: called as ``callback(k, accuracy)`` after each dataset; when
            given, datasets are trained one at a time (restarts in parallel).

    Returns:
        An :class:`AccuracyMeasurement`.

    Example:
        >>> m = real_accuracy(5, 100, 16, datasets=2)
        >>> m.mean, m.per_dataset.tolist()
        (1.0, [1.0, 1.0])
        >>> sgd = Protocol(optimizer="sgd", lr=0.1, steps=500, batch_size=32, restarts=1)
        >>> real_accuracy(3, 200, widths=[8, 8], protocol=sgd, datasets=1).widths
        (8, 8)
    """
    d = v.size("d", d, minimum=1, maximum=2**20)
    N = v.size("N", N, minimum=1, maximum=2**32)
    ws = _widths_arg(L, widths)
    protocol = _protocol_arg(protocol, restarts)
    dist = _dist(dist)
    datasets = v.size("datasets", datasets, minimum=1, maximum=2**16)
    seed = v.seed(seed)
    if N * max(d, *ws) > MAX_ACTIVATIONS:
        raise ValueError(f"N * max(d, widths) = {N * max(d, *ws)} exceeds the limit of {MAX_ACTIVATIONS} values per network")
    if threads is not None:
        threads = v.size("threads", threads, minimum=1, maximum=_core.MAX_THREADS)
    if callback is not None and not callable(callback):   # before any training, not after the first dataset
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    p = protocol

    def run(first: int, count: int) -> Tuple[np.ndarray, np.ndarray]:
        return _core.protocol_accuracy(d, N, list(ws), dist, seed, first, count, p, threads)

    start = time.perf_counter()
    if callback is None:
        acc, diverged = run(0, datasets)
    else:
        # one dataset per call, the callback between them: the limits are checked for all of them first, as the
        # call without a callback does
        _core.protocol_check(d, N, list(ws), datasets, p)
        parts = []
        for k in range(datasets):
            parts.append(run(k, 1))
            callback(k, float(parts[-1][0][0]))
        acc, diverged = (np.concatenate(x) for x in zip(*parts))
    n_diverged = int(diverged.sum())
    if n_diverged:
        warnings.warn(f"{n_diverged} of {datasets * p.restarts} training runs diverged (a non-finite loss; the lr "
                      f"may be too large); each counts with what it read before, as PyTorch's run would "
                      f"(AccuracyMeasurement.diverged)", RuntimeWarning, stacklevel=2)
    std = float(np.std(acc, ddof=1)) if len(acc) > 1 else math.nan   # one dataset: no spread to estimate
    return AccuracyMeasurement(float(np.mean(acc)), std, np.asarray(acc, dtype=np.float64), d, N, ws, dist,
                               protocol, seed, time.perf_counter() - start, n_diverged)
