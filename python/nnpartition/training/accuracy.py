"""Real training accuracy: :func:`real_accuracy` runs a training :class:`Protocol` on fresh random datasets and
returns an :class:`AccuracyMeasurement`.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

import numpy as np

from .. import _core, _display
from .. import _validate as v
from .._frozen import ValueResult
from .._progress import _check as _check_progress
from .._progress import progress_bar
from .._random import SeedLike
from .._repr import short_repr
from ..datasets import _dist
from .checks import MAX_ACTIVATIONS, _widths_arg
from .protocol import Protocol, _protocol_arg, _settings_go_in_protocol

#: Largest ``d`` :func:`real_accuracy` takes.
MAX_DIMENSION = 2**20
#: Largest ``N`` :func:`real_accuracy` takes.
MAX_POINTS = 2**32
#: Largest ``datasets`` :func:`real_accuracy` takes.
MAX_DATASETS = 2**16


#: The start of :func:`real_accuracy`'s ``RuntimeWarning`` that runs diverged, as a ``warnings`` filter pattern: what
#: the commands that report the count in their own output (``train``, ``validate``) silence.
_DIVERGED_RUNS = r"[0-9]+ of [0-9]+ training runs diverged"


@dataclass(frozen=True, eq=False)
class AccuracyMeasurement(ValueResult):
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

    def __str__(self) -> str:
        """What ``print`` shows: one line in the command line's words (``nnpartition train``).

        Example:
            >>> m = real_accuracy(3, 60, 8, protocol=Protocol(steps=100, restarts=1), datasets=2, seed=4)
            >>> print(m)   # doctest: +NORMALIZE_WHITESPACE
            training accuracy 0.6833 +- 0.0471 (per dataset: 0.7167, 0.6500); d=3 N=60 L=8 dist=uniform seed=4;
            adam lr=0.02 cosine, 100 steps, full batch, best of 1
        """
        net = f"L={self.L}" if len(self.widths) == 1 else f"widths={list(self.widths)}"
        shown = ", ".join(f"{a:.4f}" for a in self.per_dataset[:8]) + (", ..." if len(self.per_dataset) > 8 else "")
        diverged = f"; {self.diverged} runs diverged" if self.diverged else ""
        spread = "" if len(self.per_dataset) < 2 else f" +- {self.std:.4f}"   # one dataset: no spread (std nan)
        return (f"training accuracy {self.mean:.4f}{spread} (per dataset: {shown}); d={self.d} N={self.N} "
                f"{net} dist={self.dist} seed={self.seed}; {self.protocol.describe()}{diverged}")

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

    @_display.never_raises
    def _repr_html_(self) -> str:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): the accuracy, its spread
        and each dataset's (the first 20), then the question.

        Example:
            >>> m = real_accuracy(3, 60, 8, protocol=Protocol(steps=100, restarts=1), datasets=2, seed=4)
            >>> "<td>0.6833</td>" in m._repr_html_()
            True
        """
        shown = self.per_dataset[:_display.MAX_ROWS]
        more = len(self.per_dataset) - len(shown)
        return _display.html_table("AccuracyMeasurement (real_accuracy)", [
            ("training accuracy (the best over restarts)", [
                ("mean over datasets", self.mean), ("std over datasets", self.std),
                *((f"dataset {i}", a) for i, a in enumerate(shown)),
                ("diverged runs", self.diverged), ("seconds", self.seconds)]),
            ("question", [("d", self.d), ("N", self.N), ("widths", self.widths), ("dist", self.dist),
                          ("datasets", self.datasets), ("restarts", self.restarts), ("seed", self.seed),
                          ("protocol", self.protocol.describe())])],
            note=f"the first {len(shown)} of {self.datasets} datasets" if more else "")

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
        from .._json import json_ready

        # widths always, as every command's JSON gives the network's size; L beside it for one hidden layer
        ws = list(self.widths)
        size: Dict[str, Any] = {"L": self.L, "widths": ws} if len(ws) == 1 else {"widths": ws}
        out: Dict[str, Any] = json_ready({
            "d": self.d, "N": self.N, **size, "dist": self.dist, "datasets": self.datasets,
            "restarts": self.restarts, "seed": self.seed, "mean": self.mean, "std": self.std,
            "per_dataset": [float(a) for a in self.per_dataset], "seconds": self.seconds, "diverged": self.diverged,
            "protocol": self.protocol.to_dict()})
        return out


#: What the fixed limits of real_accuracy's datasets and of the trainer's batches are not: the limits a caller (or a
#: shell) can raise.
_NOT_RAISED = "not one of nnpartition.limits (nor their NNPARTITION_MAX_* variables)"


def _check_activations(d: int, N: int, ws: Tuple[int, ...], one_layer: bool, batch_size: Optional[int]) -> None:
    """Refuse, before any data is drawn, a dataset of more than ``MAX_ACTIVATIONS`` coordinates, and a batch whose
    activations (its rows x the widest hidden layer, the core's ``MAX_ACTIVATIONS``) exceed it. Both limits are fixed;
    a batch of fewer rows lifts the second (the accuracy reads over all ``N`` points go in batch-sized pieces). The
    messages name ``N=``, ``d=``, ``L=`` and ``batch_size=``, which the command line shows as its options.

    Example:
        >>> _check_activations(10, 10**6, (2000,), True, None)
        Traceback (most recent call last):
        ...
        ValueError: a full batch of N=1000000 points x L=2000 hidden units = 2000000000 activations is above 1073741824,
        a fixed limit of the trainer, not one of nnpartition.limits (nor their NNPARTITION_MAX_* variables); train on
        minibatches of batch_size=536870 points or fewer
        >>> _check_activations(10, 10**6, (2000,), True, 1000)   # minibatches of 1000 points: 2e6 activations
    """
    if N * d > MAX_ACTIVATIONS:
        raise ValueError(f"a dataset of N={N} points x d={d} coordinates = {N * d} values is above {MAX_ACTIVATIONS}, "
                         f"a fixed limit of real_accuracy's datasets, {_NOT_RAISED}; use fewer points or dimensions")
    rows, widest = (N if batch_size is None else min(batch_size, N)), max(ws)
    if rows * widest > MAX_ACTIVATIONS:
        batch = f"a full batch of N={N} points" if rows == N else f"a batch of batch_size={rows} points"
        units = f"L={widest} hidden units" if one_layer else f"the widest hidden layer's {widest} units"
        raise ValueError(f"{batch} x {units} = {rows * widest} activations is above {MAX_ACTIVATIONS}, a fixed limit "
                         f"of the trainer, {_NOT_RAISED}; train on minibatches of batch_size="
                         f"{MAX_ACTIVATIONS // widest} points or fewer")


@_settings_go_in_protocol
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
    progress: Optional[bool] = None,
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
        restarts: the reference protocol's restarts (2) when given without ``protocol``; beside ``protocol``, which
            sets them, a ``ValueError`` in :func:`train`'s words (change them in the protocol:
            ``dataclasses.replace(protocol, restarts=...)``).
        seed: None, an int, a numpy Generator or SeedSequence; the resolved int is recorded in the result.
        threads: worker threads (default: all cores, or ``RAYON_NUM_THREADS``).
        callback: called as ``callback(k, accuracy)`` after each dataset; when
            given, datasets are trained one at a time (restarts in parallel).
        progress: a bar over the steps of all the runs (``datasets * restarts * protocol.steps``; they train in
            parallel, and the core counts each run's steps at its reads, every 20 steps, as :func:`train`'s bar
            does), with the package's ``progress=`` values: ``True`` always, ``None`` (the default) on a terminal or
            in a notebook once the training has taken a second, ``False`` never. A run that stops early at 100%
            counts the steps it skipped when it stops (the bar jumps; it ends full). With ``callback`` it advances
            through the datasets trained one at a time.

    Returns:
        An :class:`AccuracyMeasurement`.

    Example:
        >>> m = real_accuracy(5, 100, 16, datasets=2)
        >>> m.mean, m.per_dataset.tolist()
        (1.0, [1.0, 1.0])
        >>> sgd = Protocol(optimizer="sgd", lr=0.1, steps=500, batch_size=32, restarts=1)
        >>> real_accuracy(3, 200, widths=[8, 8], protocol=sgd, datasets=1).widths
        (8, 8)

        With a bar (here into a string, where it is drawn only when asked with ``True``):

        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     m = real_accuracy(3, 60, 8, protocol=Protocol(steps=100, restarts=2), datasets=2, progress=True)
        >>> "/400" in err.getvalue()   # a bar over 2 datasets x 2 restarts x 100 steps
        True
    """
    d = v.size("d", d, minimum=1, maximum=MAX_DIMENSION)
    N = v.size("N", N, minimum=1, maximum=MAX_POINTS)
    ws = _widths_arg(L, widths)
    protocol = _protocol_arg(protocol, restarts)
    dist = _dist(dist)
    datasets = v.size("datasets", datasets, minimum=1, maximum=MAX_DATASETS)
    seed = v.seed(seed)
    _check_activations(d, N, ws, L is not None, protocol.batch_size)
    if threads is not None:
        threads = v.size("threads", threads, minimum=1, maximum=_core.MAX_THREADS)
    if callback is not None and not callable(callback):   # before any training, not after the first dataset
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    progress = _check_progress(progress)
    p = protocol
    per_dataset = p.restarts * p.steps
    many = f" x {p.restarts} restarts" if p.restarts > 1 else ""
    bar = progress_bar(datasets * per_dataset, desc=f"training d={d} N={N} widths={list(ws)} x {datasets} datasets"
                       f"{many}", progress=progress, unit="step")

    def run(first: int, count: int) -> Tuple[np.ndarray, np.ndarray]:
        # the core counts the steps of this call's runs from 0: the bar adds those of the datasets before
        base = first * per_dataset
        return _core.protocol_accuracy(d, N, list(ws), dist, seed, first, count, p, threads,
                                       None if bar.disable else lambda done: bar.update(base + done - bar.n))

    start = time.perf_counter()
    with bar:
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
                      f"(AccuracyMeasurement.diverged)", RuntimeWarning,
                      stacklevel=3)   # the caller of the decorated real_accuracy
    std = float(np.std(acc, ddof=1)) if len(acc) > 1 else math.nan   # one dataset: no spread to estimate
    return AccuracyMeasurement(float(np.mean(acc)), std, np.asarray(acc, dtype=np.float64), d, N, ws, dist,
                               protocol, seed, time.perf_counter() - start, n_diverged)
