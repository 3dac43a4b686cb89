"""The general trainer: :func:`train` fits networks with one logit output to ``(X, y)`` and returns a
:class:`TrainResult`.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Mapping as AbstractMapping, Set as AbstractSet
from dataclasses import dataclass, field
from typing import (Any, Callable, Dict, Generic, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union,
                    overload)

from numpy.typing import NDArray

import numpy as np

from .. import _core
from .. import _validate as v
from .._progress import _check as _check_progress
from .._random import SeedLike
from ..network import ACTIVATIONS, DeepNet, TwoLayerNet, _stack
from .checks import TRAIN_MAX_STEPS, _labels_and_features, _snapshot_every, _widths_arg
from .protocol import (_OPTIMIZERS, _SCHEDULES, MAX_LR, MAX_RESTARTS, RECORD_EVERY, Protocol,
                       _refuses_settings_beside_protocol)

_LOSSES = _core.CHOICES["loss"]
#: Largest float32: the trainer's parameters (a leaky slope among them) are float32.
_F32_MAX = float(np.finfo(np.float32).max)


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
        activation, slope: the hidden units' activation and leaky slope, as ``train`` was given them (those of
            ``network`` and ``final_network``).
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
        # how long it trained (the history records every 20th step and the last): "step 220" and 201 recorded
        # steps alone did not say that the run had 4000
        trained = f"steps={int(self.history_steps[-1]) + 1}, " if len(self.history_steps) else ""
        return (f"TrainResult({size}, best_accuracy={self.best_accuracy:.4f} (restart {self.best_restart}, "
                f"step {self.best_step}), final_accuracy={self.final_accuracy:.4f}, "
                f"restarts={len(self.restart_accuracies)}, {trained}recorded_steps={len(self.history_steps)}{note})")


@overload
def train(X: Any, y: Any, L: int, *, activation: str = ..., slope: float = ..., loss: str = ...,
          optimizer: str = ..., lr: float = ..., lr_min: Optional[float] = ..., momentum: float = ...,
          betas: Sequence[float] = ..., eps: float = ..., steps: int = ..., schedule: str = ...,
          batch_size: Optional[int] = ..., restarts: int = ..., seed: SeedLike = ..., fixed_output: bool = ...,
          output_scale: Optional[float] = ..., widths: None = ..., threads: Optional[int] = ...,
          snapshot_every: Optional[int] = ...,
          callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = ...,
          protocol: Optional[Protocol] = ..., progress: Optional[bool] = ...,
          ) -> TrainResult[TwoLayerNet]: ...


@overload
def train(X: Any, y: Any, L: None = ..., *, activation: str = ..., slope: float = ..., loss: str = ...,
          optimizer: str = ..., lr: float = ..., lr_min: Optional[float] = ..., momentum: float = ...,
          betas: Sequence[float] = ..., eps: float = ..., steps: int = ..., schedule: str = ...,
          batch_size: Optional[int] = ..., restarts: int = ..., seed: SeedLike = ..., fixed_output: bool = ...,
          output_scale: Optional[float] = ..., widths: Iterable[int], threads: Optional[int] = ...,
          snapshot_every: Optional[int] = ...,
          callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = ...,
          protocol: Optional[Protocol] = ..., progress: Optional[bool] = ...,
          ) -> TrainResult[Union[TwoLayerNet, DeepNet]]: ...


@overload
def train(X: Any, y: Any, L: Optional[int] = ..., *, activation: str = ..., slope: float = ..., loss: str = ...,
          optimizer: str = ..., lr: float = ..., lr_min: Optional[float] = ..., momentum: float = ...,
          betas: Sequence[float] = ..., eps: float = ..., steps: int = ..., schedule: str = ...,
          batch_size: Optional[int] = ..., restarts: int = ..., seed: SeedLike = ..., fixed_output: bool = ...,
          output_scale: Optional[float] = ..., widths: Optional[Iterable[int]] = ..., threads: Optional[int] = ...,
          snapshot_every: Optional[int] = ...,
          callback: Optional[Callable[[int, Union[TwoLayerNet, DeepNet], float, float], Any]] = ...,
          protocol: Optional[Protocol] = ..., progress: Optional[bool] = ...,
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
    progress: Optional[bool] = None,
) -> TrainResult[Any]:
    """Train networks with one logit output on ``(X, y)`` and keep the best.

    Args:
        X: features, shape ``(N, d)``, finite (trained in float32).
        y: labels 0/1 (or bools), shape ``(N,)``.
        L: hidden units of a two-layer network (or use ``widths``).
        activation: ``relu``, ``leaky_relu`` (negative slope ``slope``), ``sigmoid`` or ``tanh``.
        loss: ``bce`` (mean binary cross-entropy on the logit) or ``hinge`` (mean ``max(0, 1 - s z)``).
        optimizer: ``adam`` (``betas``, ``eps``; PyTorch semantics) or ``sgd`` (``momentum``).
        lr: learning rate, > 0 and <= ``MAX_LR`` (1e6, as :class:`Protocol`'s; the trainer refuses one below
            1.18e-38, float32's smallest normal number). lr_min: the floor of the cosine schedule
            (default ``lr / 100``).
        steps: optimiser steps. schedule: ``cosine`` (annealed from ``lr`` to ``lr_min``) or ``constant``.
        batch_size: minibatch size (reshuffled every epoch); ``None`` for full batch.
            With minibatches the recorded accuracy and loss are over all ``N`` points.
        restarts: independent initialisations; the best is returned.
        seed: None, an int, a numpy Generator or SeedSequence (resolved once to an int); restart ``r`` uses the
            stream ``(seed, 0, r)``.
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
            BCE and a free output layer. It sets all of these, so none of ``optimizer, lr, lr_min, momentum, betas,
            eps, steps, schedule, batch_size, restarts, activation, loss, fixed_output, output_scale`` may be given
            beside it, whatever the value (a ``ValueError`` names it: change it in the protocol, with
            ``dataclasses.replace(protocol, lr=...)``). ``train(X, y, L, protocol=p, seed=s).protocol_accuracy``
            is ``real_accuracy(d, N, L, protocol=p, datasets=1, seed=s).per_dataset[0]`` on dataset 0.
        progress: a bar over the steps of all the restarts (``steps * restarts``; they train in parallel and the
            core counts each run's steps at its reads, every 20 steps), with the package's ``progress=`` values:
            ``True`` always, ``None`` (the default) on a terminal once the training has taken a second, ``False``
            never. The package's functions that call ``train`` in loops under bars of their own pass ``False``.

    Returns:
        A :class:`TrainResult`. A restart that diverges (a non-finite logit: the loss is no longer finite) stops
        there and keeps what it read before (``TrainResult.diverged_at``, ``restart_diverged_at``); a
        ``RuntimeWarning`` says so.

    Raises:
        ValueError / TypeError: a bad argument (the message names it).
        ValueError: the initial network's logits are not finite (``X`` too large for float32 training).

    Warns:
        RuntimeWarning: a restart diverged (lower the lr).
        UserWarning: a setting given a value other than its default that the run does not use, naming it and what
            it applies to: ``momentum`` with Adam, ``betas`` or ``eps`` with SGD, ``slope`` with an activation other
            than ``leaky_relu``, ``lr_min`` with the constant schedule.

    Example:
        >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        >>> res = train(X, [0, 1, 1, 0], 8, steps=500, restarts=2)
        >>> res.best_accuracy, res.network.predict(X).tolist()
        (1.0, [0, 1, 1, 0])

        With a bar (here into a string, where it is drawn only when asked with ``True``):

        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     res = train(X, [0, 1, 1, 0], 8, steps=500, restarts=2, progress=True)
        >>> "/1000" in err.getvalue()   # a bar over the 2 x 500 steps of the two restarts
        True
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
    lr = v.real("lr", lr, minimum=0.0, open_min=True, maximum=MAX_LR)
    lr_min_given = lr_min is not None
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
    steps = v.size("steps", steps, minimum=1, maximum=TRAIN_MAX_STEPS)
    schedule = v.choice("schedule", schedule, _SCHEDULES)
    if batch_size is not None:
        batch_size = v.size("batch_size", batch_size, minimum=1)
    restarts = v.size("restarts", restarts, minimum=1, maximum=MAX_RESTARTS)
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
    _warn_ignored_settings(activation, slope, optimizer, momentum, (beta1, beta2), eps, schedule,
                           lr_min if lr_min_given else None)
    every = _snapshot_every(snapshot_every, callback, restarts, steps, Xc.shape[1], ws)
    progress = _check_progress(progress)

    def net(d: Mapping[str, Any]) -> Union[TwoLayerNet, DeepNet]:
        return _stack(d["layers"], d["w_out"], d["b_out"], activation, slope)

    def hook(step: int, d: Dict[str, Any], acc: float, lss: float) -> None:
        assert callback is not None
        callback(int(step), net(d), float(acc), float(lss))

    def run(steps_done: Optional[Callable[[int], object]]) -> Any:
        return _core.train_network(Xc, yc, ws, activation, slope, loss, optimizer, lr, lr_min, momentum,
                                   beta1, beta2, eps, steps, schedule, batch_size, restarts, seed, scale,
                                   RECORD_EVERY, threads, every, None if callback is None else hook, steps_done)

    if progress is False:
        out = run(None)
    else:
        from .._progress import progress_bar

        N, d = Xc.shape
        many = f" x {restarts} restarts" if restarts > 1 else ""
        with progress_bar(steps * restarts, desc=f"training d={d} N={N} widths={ws}{many}", progress=progress,
                          unit="step") as bar:
            # the steps done so far, from the core; a bar nobody sees takes none (the core calls no Python)
            out = run(None if bar.disable else lambda done: bar.update(done - bar.n))

    b = int(out["best_restart"])
    diverged: Tuple[Optional[int], ...] = tuple(None if t < 0 else int(t) for t in out["restart_diverged_at"])
    if any(t is not None for t in diverged):
        where = ", ".join(f"restart {r} at step {t}" for r, t in enumerate(diverged) if t is not None)
        warnings.warn(f"training diverged (a non-finite loss; try a smaller lr): {where}. A diverged restart "
                      f"stops there and keeps the networks it read before (TrainResult.restart_diverged_at)",
                      RuntimeWarning, stacklevel=3)   # the caller of the decorated train()
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


def _warn_ignored_settings(activation: str, slope: float, optimizer: str, momentum: float, betas: Tuple[float, float],
                           eps: float, schedule: str, lr_min: Optional[float]) -> None:
    """A ``UserWarning`` for each setting of :func:`train` given a value other than its default that the chosen
    activation, optimizer or schedule does not use (``momentum`` with Adam, ``betas``/``eps`` with SGD, ``slope``
    without the leaky ReLU, ``lr_min`` with the constant schedule): the trainer ignored them without a word, so that
    tuning ``momentum`` for Adam changed nothing. Warned rather than refused, as :func:`estimate_accuracy` warns of
    ``trials``/``seed`` with the analytic method: a loop that passes the same settings to every optimizer still runs.
    The values are the checked ones; ``stacklevel`` points at the caller of the decorated :func:`train`."""
    ignored: List[Tuple[str, str, str, str]] = []
    default = _train_defaults()

    def given(name: str, value: Any) -> bool:   # as the float32 trainer reads it (np.float32(0.9) is the default)
        return bool(np.any(np.float32(value) != np.float32(default[name])))

    if optimizer == "adam" and given("momentum", momentum):
        ignored.append((f"momentum={momentum!r}", "applies", "optimizer='sgd'", "Adam ignores it"))
    if optimizer == "sgd":
        adam = [f"{name}={value!r}" for name, value in (("betas", betas), ("eps", eps)) if given(name, value)]
        if adam:
            verb, it = ("apply", "them") if len(adam) > 1 else ("applies", "it")
            ignored.append((" and ".join(adam), verb, "optimizer='adam'", f"SGD ignores {it}"))
    if activation != "leaky_relu" and given("slope", slope):
        ignored.append((f"slope={slope!r}", "applies", "activation='leaky_relu'",
                        f"activation={activation!r} ignores it"))
    if schedule == "constant" and lr_min is not None:
        ignored.append((f"lr_min={lr_min!r}", "applies", "schedule='cosine'", "the constant schedule ignores it"))
    for what, verb, where, why in ignored:
        warnings.warn(f"{what} only {verb} to {where}; {why}", UserWarning, stacklevel=4)


@functools.lru_cache(maxsize=None)
def _train_defaults() -> Dict[str, Any]:
    """:func:`train`'s defaults, read from its signature (the warning above compares with them, not with copies)."""
    return {k: p.default for k, p in inspect.signature(train).parameters.items()}


def _snapshot_fields(out: Mapping[str, Any]) -> Dict[str, Any]:
    if "snapshot_steps" not in out:
        return {}
    return {"snapshot_steps": out["snapshot_steps"].astype(np.int64),
            "snapshot_accuracy": out["snapshot_accuracy"], "snapshot_loss": out["snapshot_loss"],
            "snapshot_layers": [(W, b) for W, b in out["snapshot_layers"]],
            "snapshot_w_out": out.get("snapshot_w_out", np.zeros((0, 0))), "snapshot_b_out": out["snapshot_b_out"]}
