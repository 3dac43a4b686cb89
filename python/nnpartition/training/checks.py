"""The checks :func:`~nnpartition.train` and :func:`~nnpartition.real_accuracy` share, and the ones their
callers run first: the data, the widths, the snapshots' memory, and the work of several runs priced together.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Tuple

import numpy as np

from .. import _core
from .. import _validate as v
from .protocol import RECORD_EVERY, Protocol

#: Largest batch the trainer takes, in activations (rows x widest layer; ``rust/src/training.rs``, which refuses a
#: larger one with "use batch_size").
MAX_ACTIVATIONS: int = _core.MAX_ACTIVATIONS
#: Largest hidden layer :func:`~nnpartition.train` and :func:`~nnpartition.real_accuracy` take.
MAX_WIDTH = 2**20
#: Largest ``steps`` (and ``snapshot_every``) :func:`~nnpartition.train` takes (a protocol's: ``PROTOCOL_MAX_STEPS``).
TRAIN_MAX_STEPS = 2**40


def _labels_and_features(X: Any, y: Any) -> Tuple[Any, Any]:
    with np.errstate(over="ignore"):   # values beyond float32 become inf, refused just below by name
        Xc = v.float_matrix("X", X, dtype=np.float32)
    # one pass of each column's largest and smallest value serves both checks (NaN and inf propagate to them)
    col_max, col_min = (Xc.max(axis=0), Xc.min(axis=0)) if Xc.size else (np.zeros(0), np.zeros(0))
    if not (np.all(np.isfinite(col_max)) and np.all(np.isfinite(col_min))):
        # which entry, and whether it was NaN or infinity as given or a value beyond float32's largest
        v.all_finite("X", Xc, v._real_array("X", X))
    _check_float32_range(X, np.maximum(col_max, -col_min))
    yc = v.binary_labels("y", y, Xc.shape[0])
    return np.ascontiguousarray(Xc), np.ascontiguousarray(yc)


def _check_float32_range(X: Any, top: np.ndarray) -> None:
    """Refuse a column of ``X`` that float32 keeps only as subnormals or zeros where it was not zero: its largest
    ``|x|`` below float32's smallest normal, 1.2e-38. A review (fifty-ninth pass) found ``train`` on points of
    ``2^-600`` training on zeros without a word (0.55, the majority class, where the same points at scale 1 reached
    0.72), as values beyond float32's largest are refused. ``top`` is each column's largest ``|x|`` in float32."""
    tiny = float(np.finfo(np.float32).tiny)
    small = np.flatnonzero(top < tiny)
    if small.size == 0:
        return
    # the rare case: columns whose float32 values are all subnormal or 0 (a column of zeros is a fine column)
    original = np.asarray(np.asarray(X)[:, small], dtype=np.float64)   # those columns only
    lost = np.flatnonzero(np.abs(original).max(axis=0) > 0)
    if lost.size:
        j = int(small[lost[0]])
        raise ValueError(f"X's column {j} is too small for float32 (its largest |x| is "
                         f"{float(np.abs(original[:, lost[0]]).max()):.3g}, below float32's smallest normal, "
                         f"{tiny:.3g}: it would train as subnormals or zeros); rescale X")


def _check_default_runs(d: int, n: int, widths: List[int], count: int) -> None:
    """Refuse, with the trainer's own check (memory and ``max_work``), ``count`` :func:`train` calls with its
    defaults (the reference protocol with one restart) on ``n`` points in ``d`` dimensions: a caller that trains
    once per trial checks them all before the first, where each call would check only itself."""
    _core.protocol_check(d, n, list(widths), count, Protocol(restarts=1))


def _check_total_work(what: str, runs: Iterable[Tuple[int, int, List[int], int, Protocol]],
                      fix: str = "train fewer configurations, steps or datasets at once") -> None:
    """Refuse (``max_work``) several measurements together, each ``(d, n, widths, datasets, protocol)`` priced as
    :func:`real_accuracy` prices itself (``_core.train_work``): a caller that trains several configurations in turn
    (``validate``, the demo) checks their sum before the first, where each would check only itself."""
    from ..limits import _check_work

    total = sum(_core.train_work(d, n, list(ws), count, p) for d, n, ws, count, p in runs)
    _check_work(what, total, fix)


def _widths_arg(L: Any, widths: Any) -> Tuple[int, ...]:
    """``(L,)`` or the checked ``widths``; exactly one of them must be given."""
    if widths is not None:
        if L is not None:
            raise ValueError("give exactly one of L (one hidden layer) or widths=[L1, L2, ...]")
        return v.widths(widths, maximum=MAX_WIDTH)
    if L is None:
        raise TypeError("give L (hidden units of a two-layer network) or widths=[L1, L2, ...]")
    return (v.hidden_units(L, maximum=MAX_WIDTH),)


#: Largest number of snapshot parameters (steps x parameters) train() keeps.
MAX_SNAPSHOT_VALUES = 2**27


def _parameter_count(d: int, widths: List[int]) -> int:
    """Weights and biases of the network ``d -> widths[0] -> ... -> 1``: the values one snapshot holds.

    Example:
        >>> _parameter_count(2, [3])      # 2 x 3 + 3, then 3 + 1
        13
    """
    dims = [d, *widths]
    return sum(a * b + b for a, b in zip(dims[:-1], dims[1:])) + dims[-1] + 1


def _snapshot_count(steps: int, every: int) -> int:
    """Snapshots a run of ``steps`` steps keeps with ``snapshot_every=every``: at every multiple of ``every`` and at
    the last step, once where the last step is a multiple (the core's ``TrainConfig::snapshots``); ``steps`` and
    ``every`` are at least 1.

    Example:
        >>> _snapshot_count(45, 10), _snapshot_count(41, 10)   # 0, 10, 20, 30, 40, 44; 0, 10, 20, 30, 40
        (6, 5)
    """
    return (steps - 1) // every + 1 + int((steps - 1) % every != 0)


def _least_every(steps: int, most: int) -> int:
    """The least ``every`` whose run of ``steps`` steps keeps at most ``most`` (at least 2) snapshots
    (:func:`_snapshot_count`: ``ceil((steps - 1) / every) + 1``, the last step's included).

    Example:
        >>> _least_every(10, 2), _least_every(10, 3), _least_every(2000, 2000)
        (9, 5, 1)
    """
    return max(1, -(-(steps - 1) // (most - 1)))


def _snapshot_every(every: Any, callback: Any, restarts: int, steps: int, d: int, widths: List[int]) -> int:
    """Check ``snapshot_every`` / ``callback`` (0: no snapshots)."""
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    if every is None:
        every = RECORD_EVERY if callback is not None else 0
    else:
        every = v.size("snapshot_every", every, minimum=1, maximum=TRAIN_MAX_STEPS)
    if callback is not None and restarts != 1:
        raise ValueError(f"callback needs restarts=1 (it watches one run), got restarts={restarts}")
    if every:
        params = _parameter_count(d, list(widths))
        count = _snapshot_count(steps, every)
        if count * params * restarts > MAX_SNAPSHOT_VALUES:
            raise ValueError(f"snapshot_every={every} keeps {count} snapshots of {params} parameters "
                              f"x {restarts} restarts, over the limit of {MAX_SNAPSHOT_VALUES} values: "
                              f"raise snapshot_every")
    return int(every)
