"""Resumable experiment grids on a local process pool or a Dask cluster.

A *sweep* runs one *job* (a picklable top-level function of one configuration
``dict`` returning a flat ``dict`` of results) over every configuration of a
*grid* and records each finished configuration in a durable *store* as soon
as it completes. Rerunning the same sweep with the same store skips what is
already recorded, so a sweep killed half-way (even with ``SIGKILL``) resumes
where it stopped, with every configuration recorded exactly once.

Jobs run through any :class:`concurrent.futures.Executor`: a local
process pool by default (``workers=``), or a Dask distributed client's
executor (``client.get_executor()``, or simply ``scheduler="tcp://host:8786"``),
so the same sweep runs on a laptop or a cluster unchanged. Only the process
calling :func:`run` writes the store; workers never touch it.

The store is one SQLite file in WAL mode (see ``docs/sweep.md`` for the
format and why): table ``results`` holds one row per configuration, keyed by
the configuration's canonical JSON (sorted keys, no spaces).

Example:
    >>> from nnpartition import sweep
    >>> from nnpartition._sweep_jobs import toy
    >>> grid = sweep.product(x=[1, 2, 3], fail=[False])
    >>> out = sweep.run(grid, toy, store=":memory:", workers=1, progress=False)
    >>> [r["result"]["square"] for r in out]
    [1, 4, 9]
    >>> out.summary.done, out.summary.failed, out.summary.skipped
    (3, 0, 0)
"""

from __future__ import annotations

import collections.abc
import concurrent.futures as cf
import itertools
import json
import math
import numbers
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .. import _progress
from .. import _validate as v
from ..limits import _check_bytes
from .cli import add_sweep_arguments, executor_from_args, store_from_args
from .executor import (DASK_HINT, MAX_WORKERS, SweepError, _check_scheduler, _execute,  # noqa: F401 - re-exported
                       _job_name, _terminate_as_interrupt, _Terminated)
from .store import (  # noqa: F401 - the store's constants stay importable from nnpartition.sweep
    BUSY_TIMEOUT, STORE_FORMAT, STORE_VERSION, PathLike, StoreError, _json_default, _Store, load)

__all__ = [
    "Product",
    "StoreError",
    "SweepError",
    "SweepResults",
    "SweepSummary",
    "add_sweep_arguments",
    "config_key",
    "executor_from_args",
    "load",
    "product",
    "run",
    "store_from_args",
]

# --------------------------------------------------------------------------- grids

def _is_axis_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bytes, numbers.Number, np.generic))


class Product(Sequence[Dict[str, Any]]):
    """The Cartesian product of named axes, as a sequence of configuration dicts.

    The last axis varies fastest (the order of :func:`itertools.product`).
    Build one with :func:`product`.

    Example:
        >>> p = product(d=[1, 2], N=[100, 200])
        >>> len(p), p[1]
        (4, {'d': 1, 'N': 200})
        >>> list(p)[-1]
        {'d': 2, 'N': 200}
    """

    def __init__(self, axes: Mapping[str, Sequence[Any]]) -> None:
        if not isinstance(axes, collections.abc.Mapping):
            raise TypeError(f"axes must be a mapping of axis names to sequences of values, got {type(axes).__name__}")
        self.axes: Dict[str, Tuple[Any, ...]] = {k: tuple(vals) for k, vals in axes.items()}
        self._sizes = [len(vals) for vals in self.axes.values()]

    def __len__(self) -> int:
        return math.prod(self._sizes)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not v.is_integer(index):
            raise TypeError(f"index must be an integer or a slice, got {type(index).__name__}")
        n = len(self)
        i = int(index) + n if index < 0 else int(index)
        if not 0 <= i < n:
            raise IndexError(f"index {index} out of range for a product of {n} configurations")
        picked = []
        for vals, size in zip(reversed(list(self.axes.values())), reversed(self._sizes)):
            i, r = divmod(i, size)
            picked.append(vals[r])
        return dict(zip(self.axes, reversed(picked)))

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        names = list(self.axes)
        for values in itertools.product(*self.axes.values()):
            yield dict(zip(names, values))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={list(vals)!r}" for k, vals in self.axes.items())
        return f"product({inner})"


def product(**axes: Any) -> Product:
    """Every combination of the given axes, e.g. ``product(d=[1, 2], N=[100])``.

    Each axis is a list (tuple, range, 1-D array) of values; a single
    string, number or ``None`` counts as a one-value axis. The last axis
    varies fastest.

    Example:
        >>> list(product(d=[1, 2], N=[100], dist="uniform"))
        [{'d': 1, 'N': 100, 'dist': 'uniform'}, {'d': 2, 'N': 100, 'dist': 'uniform'}]
        >>> len(product(seed=range(10), L=[4, 8]))
        20
    """
    out: Dict[str, Tuple[Any, ...]] = {}
    for name, vals in axes.items():
        if _is_axis_scalar(vals):
            vals = (vals,)
        elif isinstance(vals, (set, frozenset, Mapping)) or not isinstance(vals, Iterable):
            raise TypeError(f"axis {name} must be a list of values (an ordered sequence), "
                            f"got {type(vals).__name__}")
        vals = tuple(vals.tolist() if isinstance(vals, np.ndarray) else vals)
        if not vals:
            raise ValueError(f"axis {name} must hold at least one value, got an empty sequence")
        out[name] = vals
    return Product(out)


def config_key(config: Mapping[str, Any]) -> str:
    """The canonical JSON of a configuration: its key in the store.

    Keys are sorted and there are no spaces, so equal configurations get
    equal keys whatever their key order; numpy scalars count as the Python
    numbers they hold (``1`` and ``1.0`` are different configurations). A NaN or an infinity anywhere in it
    is a ``ValueError`` naming the key (JSON has neither); a dict key that is not a string, at any level, is a
    ``TypeError`` naming where it is (JSON writes ``{"x": {1: 2}}`` as the key of ``{"x": {"1": 2}}``).

    Example:
        >>> config_key({"N": 100, "d": 2, "dist": "uniform"})
        '{"N":100,"d":2,"dist":"uniform"}'
        >>> config_key({"d": np.int64(2), "N": 100}) == config_key({"N": 100, "d": 2})
        True
    """
    if not isinstance(config, collections.abc.Mapping):
        raise TypeError(f"configuration must be a dict, got {type(config).__name__} {config!r}")
    for k in config:
        if not isinstance(k, str):
            raise TypeError(f"configuration keys must be strings, got {k!r} in {config!r}")
    for k, value in config.items():
        if type(value) in _PLAIN or (type(value) is float and math.isfinite(value)):
            continue
        nested = _non_string_key(value)
        if nested is not None:   # JSON writes it as a string: {"x": {1: 2}} had the key of {"x": {"1": 2}}
            where, key = nested
            raise TypeError(f"configuration value {k!r}{where} has the dict key {key!r} ({type(key).__name__}): "
                            f"configuration keys must be strings at every level, since the store's JSON writes "
                            f"every key as a string ({{1: ...}} and {{'1': ...}} would be one configuration)")
        bad = _non_finite(value)
        if bad is not None:
            where, x = bad
            raise ValueError(f"configuration value {k!r}{where} must be a finite number, got {x!r}: a key holding "
                             f"NaN or infinity is not JSON (SQLite's JSON functions refuse it); pass it as a string "
                             f"or leave it out")
    try:
        return _KEY_JSON.encode(config)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"configuration {config!r} is not JSON-serializable: {exc}") from None


def _first(value: Any, found: Callable[[Any], Optional[Tuple[str, Any]]]) -> Optional[Tuple[str, Any]]:
    """Where in ``value`` (``""``, ``"[1]"``, ``"['lr']"``) the first part that ``found`` reports is, with what it
    reports: ``found`` is asked of ``value`` itself, then of what it holds (inside lists, tuples and dicts, depth
    first, in order); ``None`` when it reports nothing."""
    if type(value) in _PLAIN:   # (most values: the checks below took ~9 us a configuration, 9 s for a million)
        return None
    hit = found(value)
    if hit is not None:
        return hit
    items: Any = (value.items() if isinstance(value, collections.abc.Mapping)
                  else enumerate(value) if isinstance(value, (list, tuple)) else ())
    for key, item in items:
        bad = _first(item, found)
        if bad is not None:
            return f"[{key!r}]{bad[0]}", bad[1]
    return None


#: The JSON of a configuration's key (one encoder: ``json.dumps`` with a ``default`` made one a configuration).
_KEY_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)

#: Types that hold neither a dict nor a float: :func:`_first` has nothing to look for in them.
_PLAIN = frozenset({str, int, bool, type(None)})


def _string_keys(value: Any) -> Optional[Tuple[str, Any]]:
    if isinstance(value, collections.abc.Mapping):
        for key in value:
            if not isinstance(key, str):
                return "", key
    return None


def _finite(value: Any) -> Optional[Tuple[str, float]]:
    if isinstance(value, (float, np.floating)):
        return None if math.isfinite(value) else ("", float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(value))[0])
        return "".join(f"[{i}]" for i in index), value[index].item()
    return None


def _non_string_key(value: Any) -> Optional[Tuple[str, Any]]:
    """Where in ``value`` (``""``, ``"[1]"``, ``"['lr']"``) the first dict with a key that is not a string is, and
    that key; ``None`` when every dict in it (inside lists, tuples and dicts) has string keys."""
    return _first(value, _string_keys)


def _non_finite(value: Any) -> Optional[Tuple[str, float]]:
    """Where in ``value`` (``""``, ``"[1]"``, ``"['lr']"``) the first NaN or infinity is, and the value; ``None``
    when it holds none (floats, numpy floats and arrays, inside lists, tuples and dicts)."""
    return _first(value, _finite)


#: Bytes :func:`run` holds a configuration, about: its dict, its key, its record and its row read from the store.
_CONFIG_BYTES = 1024


def _configs(grid: Any) -> Tuple[List[Dict[str, Any]], List[str]]:
    if isinstance(grid, (str, bytes, Mapping)) or not isinstance(grid, Iterable):
        raise TypeError(f"grid must be a list of configuration dicts or a product(...), "
                        f"got {type(grid).__name__}")
    if isinstance(grid, Product):
        # a product is lazy: product(a=range(10**6), b=range(10**6)) was enumerated for hours, filling memory
        _check_bytes(f"a grid of {len(grid)} configurations ({_CONFIG_BYTES} bytes each, about)",
                     float(len(grid)) * _CONFIG_BYTES, "use fewer values on an axis, or split it into several sweeps")
    configs: List[Dict[str, Any]] = []
    keys: List[str] = []
    seen: Dict[str, int] = {}
    for i, config in enumerate(grid):
        if not isinstance(config, collections.abc.Mapping):   # (typing's Mapping: 1 us a configuration more)
            raise TypeError(f"grid[{i}] must be a configuration dict, got {type(config).__name__} {config!r}")
        try:
            key = config_key(config)
        except TypeError as exc:
            raise TypeError(f"grid[{i}]: {exc}") from None
        except ValueError as exc:   # a NaN or infinity
            raise ValueError(f"grid[{i}]: {exc}") from None
        if key in seen:
            raise ValueError(f"grid[{i}] repeats grid[{seen[key]}] ({key}); every configuration must be distinct")
        seen[key] = i
        configs.append(dict(config))
        keys.append(key)
    return configs, keys


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class SweepSummary:
    """What one :func:`run` did.

    Attributes:
        total: configurations in the grid.
        done: configurations run by this call that succeeded.
        failed: configurations run by this call whose job raised.
        skipped: configurations already in the store (not run again).
        seconds: wall time of the call.
    """

    total: int
    done: int
    failed: int
    skipped: int
    seconds: float

    def __str__(self) -> str:
        return (f"sweep: {self.total} configurations: {self.done} done, {self.failed} failed, "
                f"{self.skipped} skipped (already in the store) in {self.seconds:.1f}s")


class SweepResults(list):  # type: ignore[type-arg]
    """The list of records :func:`run` returns (grid order), with a ``summary``.

    Each record is a dict ``{"config", "status", "result", "error", "seconds"}``:
    ``status`` is ``"done"`` (``result`` holds the job's dict) or ``"failed"``
    (``error`` holds ``"ExceptionType: message"``).
    """

    summary: SweepSummary

    def __init__(self, records: Iterable[Dict[str, Any]], summary: SweepSummary) -> None:
        super().__init__(records)
        self.summary = summary

    @property
    def failed(self) -> List[Dict[str, Any]]:
        """The records whose job failed."""
        return [r for r in self if r["status"] == "failed"]


# --------------------------------------------------------------------------- run

def run(
    grid: Iterable[Mapping[str, Any]],
    job: Callable[[Dict[str, Any]], Mapping[str, Any]],
    *,
    store: Optional[PathLike],
    executor: Optional[cf.Executor] = None,
    workers: Optional[int] = None,
    scheduler: Optional[str] = None,
    progress: Optional[bool] = None,
    retry_failed: bool = False,
    max_pending: Optional[int] = None,
    timeout: Optional[float] = None,
) -> SweepResults:
    """Run ``job`` on every configuration of ``grid``, recording each in ``store`` as it finishes.

    Configurations already in the store are not run again (a failed one is,
    with ``retry_failed=True``): rerunning a killed or interrupted sweep with
    the same store resumes it. A job that raises is recorded as failed, with
    its error, and the sweep goes on.

    Args:
        grid: a list of configuration dicts (JSON-serializable values, string
            keys, all distinct) or a :func:`product` (refused before it is enumerated when its configurations,
            about 1 KiB each, pass ``max_bytes``: :mod:`nnpartition.limits`).
        job: a picklable top-level function ``job(config) -> dict`` of
            JSON-serializable results (numpy scalars and arrays are
            converted). It must be importable by the workers.
        store: path of the SQLite store (created if missing, parent folders
            too), or ``None`` / ``":memory:"`` for no durable store. It is this
            sweep's while it runs: another sweep on it is refused at once with a
            :class:`StoreError` naming who holds it (``docs/sweep.md``).
        executor: any :class:`concurrent.futures.Executor`, e.g.
            ``dask.distributed.Client(...).get_executor()``; it is left open.
            Default: a local process pool that :func:`run` creates and closes.
        workers: processes of the local pool (default: all cores); ``1`` runs
            the jobs one after the other in this process, without a pool.
            Only for the local pool.
        scheduler: address of a running Dask scheduler (``"tcp://host:8786"``):
            :func:`run` connects a client, uses its executor and closes it.
            An address where nothing accepts a connection within 5 s is a
            ``ValueError`` naming it. Needs ``pip install 'nnpartition[distributed]'``.
        progress: progress bar with ETA, and the summary line printed to
            stderr at the end: ``None`` shows them when the sweep takes over a
            second on a terminal or in a notebook, ``True`` always, ``False`` never.
        retry_failed: run the configurations recorded as failed again.
        max_pending: most configurations submitted but not yet finished at
            once (default: four per local worker, 1024 for other executors).
        timeout: seconds a configuration may run (``None``: no limit). One
            that runs longer is recorded as failed (``"Timeout: ..."``;
            ``retry_failed=True`` runs it again) and its worker process is
            stopped; the configurations in flight beside it run again in a
            fresh pool. Counted from when it is sent to a worker, which a
            fresh worker's start (about a second) is part of. Only for the
            sweep's own pool (``workers=1`` then runs in one worker process,
            not in this one; a Dask or the caller's executor cannot stop a
            running job); at most one configuration a worker is in flight.

    Returns:
        A :class:`SweepResults` list with one record per configuration, in
        grid order, and its ``summary`` (done / failed / skipped).

    Example:
        >>> from nnpartition._sweep_jobs import toy
        >>> grid = [{"x": 1}, {"x": 2, "fail": True}, {"x": 3}]
        >>> out = run(grid, toy, store=":memory:", workers=1, progress=False)
        >>> [r["status"] for r in out]
        ['done', 'failed', 'done']
        >>> out[1]["error"]
        'ValueError: configured to fail (x=2)'
        >>> print(out.summary)   # doctest: +ELLIPSIS
        sweep: 3 configurations: 2 done, 1 failed, 0 skipped (already in the store) in ...s
    """
    started = time.perf_counter()
    if not callable(job):
        raise TypeError(f"job must be a callable taking one configuration dict, got {type(job).__name__}")
    configs, keys = _configs(grid)
    if executor is not None and not isinstance(executor, cf.Executor) and not hasattr(executor, "submit"):
        raise TypeError(f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}")
    if executor is not None and scheduler is not None:
        raise ValueError("give either executor or scheduler, not both")
    if workers is not None:
        if executor is not None or scheduler is not None:
            raise ValueError("workers sets the size of the local pool; it cannot be combined with "
                             "executor or scheduler (their workers are set where they are created)")
        workers = v.count("workers", workers, minimum=1, maximum=MAX_WORKERS)
    if max_pending is not None:
        max_pending = v.count("max_pending", max_pending, minimum=1)
    if timeout is not None:
        timeout = v.real("timeout", timeout, minimum=0.0, maximum=1e9, open_min=True)
        if executor is not None or scheduler is not None:
            raise ValueError("timeout applies to the sweep's own pool of worker processes (workers=), which it can "
                             "stop; a running job of a Dask or caller's executor cannot be stopped from here: give "
                             "the job a time limit of its own")
    retry_failed = v.flag("retry_failed", retry_failed)
    progress = _progress._check(progress)   # before the store and the workers (accepted unread when all was done)
    if scheduler is not None:
        _check_scheduler(scheduler)

    # the store is this sweep's until it ends (a second sweep on it is refused at once, before any work: both ran
    # every configuration, and the second's summary counted as done the rows the store dropped)
    db = _Store(store, _job_name(job), lock=True)
    try:
        existing = db.rows()
        records: List[Optional[Dict[str, Any]]] = [None] * len(configs)
        todo: List[int] = []
        for i, key in enumerate(keys):
            row = existing.get(key)
            if row is None or (retry_failed and row[0] == "failed"):
                todo.append(i)
            else:
                records[i] = db.record(configs[i], row[0], row[1], row[2], row[3])
        skipped = len(configs) - len(todo)
        done = failed = 0
        if todo:
            try:
                with _terminate_as_interrupt():   # SIGTERM, SIGHUP: stop as on Ctrl-C
                    done, failed, found = _execute(configs, keys, todo, records, job, db, executor=executor,
                                                   workers=workers, scheduler=scheduler, progress=progress,
                                                   max_pending=max_pending, skipped=skipped, timeout=timeout)
                skipped += found   # (recorded by another process meanwhile: in the store, not run by this call)
            except (TypeError, RuntimeError):
                db.release()   # refused before any result (e.g. a job its workers cannot load): not this job's store
                raise
            except KeyboardInterrupt as exc:
                # Ctrl-C: the summary the sweep promises at its end, with what is kept (it printed nothing, and the
                # bar it showed was erased, leaving a traceback from inside concurrent.futures)
                # (a row another writer recorded meanwhile counts as done here: only an nnpartition from before the
                # store's lock can write one, docs/sweep.md)
                ran = [records[i]["status"] for i in todo if records[i] is not None]  # type: ignore[index]
                # a store this sweep named and left without a result is no experiment's yet: rerun with other
                # settings, it was refused as holding "results of job ..." (it held none)
                db.release()
                summary = SweepSummary(total=len(configs), done=ran.count("done"), failed=ran.count("failed"),
                                       skipped=skipped, seconds=time.perf_counter() - started)
                if _shown(progress, summary):
                    # (how to resume is the caller's: sweep.run with this store again, the command line's --resume)
                    kept = (f"the finished configurations are kept in {db.path} for a resumed run"
                            if db.path != ":memory:" else "no store kept them (store=None)")
                    how = f"{exc}" if isinstance(exc, _Terminated) else "interrupted"
                    print(f"{summary}; {how} with {len(todo) - len(ran)} not run: {kept}", file=sys.stderr)
                    # the command line adds how to go on, without naming the store a second time
                    exc.nnpartition_summary_shown = True  # type: ignore[attr-defined]
                raise
    finally:
        db.close()
    summary = SweepSummary(total=len(configs), done=done, failed=failed, skipped=skipped,
                           seconds=time.perf_counter() - started)
    if _shown(progress, summary):
        print(summary, file=sys.stderr)
    return SweepResults(records, summary)  # type: ignore[arg-type]


def _shown(progress: Optional[bool], summary: SweepSummary) -> bool:
    """Whether :func:`run` prints its summary line: as its progress bar is shown (``progress=``)."""
    return bool(progress) or (progress is None and summary.seconds > _progress.DELAY
                              and _progress._visible(sys.stderr))


