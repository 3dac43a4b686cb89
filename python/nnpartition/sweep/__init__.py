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

The store is one SQLite file in WAL mode (see ``docs/sweeps.md`` for the
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

import argparse
import concurrent.futures as cf
import functools
from concurrent.futures.process import BrokenProcessPool
import itertools
import json
import math
import multiprocessing
import numbers
import os
import pickle
import signal
import socket
import sqlite3
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _validate as v
from ._progress import Progress

__all__ = [
    "Product",
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

#: ``meta.format`` of a sweep store.
STORE_FORMAT = "nnpartition-sweep"
#: ``meta.version`` of the store layout written by this module.
STORE_VERSION = 1
#: How to install the optional Dask dependency.
DASK_HINT = "pip install 'nnpartition[distributed]'"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    config    TEXT PRIMARY KEY,   -- canonical JSON of the configuration
    status    TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    result    TEXT,               -- JSON object returned by the job (status 'done')
    error     TEXT,               -- 'ExceptionType: message' (status 'failed')
    traceback TEXT,               -- full traceback of the failure
    seconds   REAL,               -- time spent in the job
    attempts  INTEGER NOT NULL DEFAULT 1,
    worker    TEXT,               -- host:pid that ran the job
    finished  TEXT NOT NULL       -- ISO-8601 UTC time the row was written
);
"""

PathLike = Union[str, "os.PathLike[str]"]


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
        self.axes: Dict[str, Tuple[Any, ...]] = {k: tuple(vals) for k, vals in axes.items()}
        self._sizes = [len(vals) for vals in self.axes.values()]

    def __len__(self) -> int:
        return math.prod(self._sizes)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if isinstance(index, bool) or not isinstance(index, (numbers.Integral, np.integer)):
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


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"value of type {type(obj).__name__} is not JSON-serializable")


def config_key(config: Mapping[str, Any]) -> str:
    """The canonical JSON of a configuration: its key in the store.

    Keys are sorted and there are no spaces, so equal configurations get
    equal keys whatever their key order; numpy scalars count as the Python
    numbers they hold (``1`` and ``1.0`` are different configurations).

    Example:
        >>> config_key({"N": 100, "d": 2, "dist": "uniform"})
        '{"N":100,"d":2,"dist":"uniform"}'
        >>> config_key({"d": np.int64(2), "N": 100}) == config_key({"N": 100, "d": 2})
        True
    """
    if not isinstance(config, Mapping):
        raise TypeError(f"configuration must be a dict, got {type(config).__name__} {config!r}")
    for k in config:
        if not isinstance(k, str):
            raise TypeError(f"configuration keys must be strings, got {k!r} in {config!r}")
    try:
        return json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=_json_default)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"configuration {config!r} is not JSON-serializable: {exc}") from None


def _configs(grid: Any) -> Tuple[List[Dict[str, Any]], List[str]]:
    if isinstance(grid, (str, bytes, Mapping)) or not isinstance(grid, Iterable):
        raise TypeError(f"grid must be a list of configuration dicts or a product(...), "
                        f"got {type(grid).__name__}")
    configs: List[Dict[str, Any]] = []
    keys: List[str] = []
    seen: Dict[str, int] = {}
    for i, config in enumerate(grid):
        if not isinstance(config, Mapping):
            raise TypeError(f"grid[{i}] must be a configuration dict, got {type(config).__name__} {config!r}")
        try:
            key = config_key(config)
        except TypeError as exc:
            raise TypeError(f"grid[{i}]: {exc}") from None
        if key in seen:
            raise ValueError(f"grid[{i}] repeats grid[{seen[key]}] ({key}); every configuration must be distinct")
        seen[key] = i
        configs.append(dict(config))
        keys.append(key)
    return configs, keys


# --------------------------------------------------------------------------- the job wrapper (runs on workers)

def _job_name(job: Callable[..., Any]) -> str:
    """The job's identity in the store: ``module:name``, plus its bound settings.

    Settings bound into the job (``functools.partial`` arguments, attributes of
    a callable object) count: a store filled with ``seed=0`` is not continued
    with ``seed=1``.

    Example:
        >>> import functools
        >>> from nnpartition._sweep_jobs import train
        >>> _job_name(train)
        'nnpartition._sweep_jobs:train'
        >>> _job_name(functools.partial(train, seed=1))
        'nnpartition._sweep_jobs:train{"args":[],"kwargs":{"seed":1}}'
    """
    settings: Any = None
    func = job
    if isinstance(job, functools.partial):
        settings = {"args": list(job.args), "kwargs": job.keywords} if job.args or job.keywords else None
        func = job.func
    elif not isinstance(job, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        settings = getattr(job, "__dict__", None) or None  # a callable object: its attributes
        func = type(job)
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or type(func).__name__
    try:
        bound = "" if settings is None else json.dumps(settings, sort_keys=True, separators=(",", ":"),
                                                       default=_json_default)
    except (TypeError, ValueError):
        bound = ""
    return f"{module}:{name}{bound}"


def _call(job: Callable[[Dict[str, Any]], Any], config: Dict[str, Any]) -> Tuple[str, Optional[str], Optional[str],
                                                                                Optional[str], float, str]:
    """Run ``job(config)`` and return ``(status, result_json, error, traceback, seconds, worker)``.

    Runs on the worker: exceptions never cross process boundaries (some
    cannot be pickled), and the result is turned into JSON where it was made.

    Example:
        >>> from nnpartition._sweep_jobs import toy
        >>> _call(toy, {"x": 3})[:2]
        ('done', '{"square":9}')
        >>> _call(toy, {"x": 3, "fail": True})[2]
        'ValueError: configured to fail (x=3)'
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        out = job(dict(config))
        if not isinstance(out, Mapping):
            raise TypeError(f"job must return a dict of results, got {type(out).__name__}")
        for k in out:
            if not isinstance(k, str):
                raise TypeError(f"job result keys must be strings, got {k!r}")
        try:
            result = json.dumps(dict(out), separators=(",", ":"), ensure_ascii=False, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"job result is not JSON-serializable: {exc}") from None
        return ("done", result, None, None, time.perf_counter() - start, worker)
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded, not raised
        return ("failed", None, f"{type(exc).__name__}: {exc}", traceback.format_exc(),
                time.perf_counter() - start, worker)


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in pool workers
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _worker_init(parent: int, threads: Optional[int]) -> None:  # pragma: no cover - runs in pool workers
    """Set up a local pool worker: leave Ctrl-C to the driver, cap Rust threads, die with the driver."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if threads and "RAYON_NUM_THREADS" not in os.environ:
        os.environ["RAYON_NUM_THREADS"] = str(threads)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="nnpartition-sweep-watch").start()


# --------------------------------------------------------------------------- the store

class _Store:
    """One SQLite file in WAL mode; every write is its own (atomic) transaction."""

    def __init__(self, path: Optional[PathLike], job: Optional[str], *, create: bool = True) -> None:
        if path is None:
            path = ":memory:"
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"store must be a file path (str or os.PathLike), got {type(path).__name__}")
        self.path = os.fspath(path)
        if self.path != ":memory:":
            p = Path(self.path)
            if p.is_dir():
                raise ValueError(f"store must be a file path, got the directory {self.path!r}")
            if not create and not p.exists():
                raise ValueError(f"store {self.path!r} does not exist")
            p.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        try:
            self._open(job)
        except BaseException:
            self.db.close()
            raise

    def _open(self, job: Optional[str]) -> None:
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed row survives the process being killed at any
            # instant; after a power cut the last rows may be missing (they run again),
            # the file is never corrupt.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("BEGIN IMMEDIATE")
            try:
                tables = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if tables and "meta" not in tables:
                    raise ValueError(f"store {self.path!r} is an SQLite database but not an nnpartition sweep store")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                meta = dict(self.db.execute("SELECT key, value FROM meta"))
                if not meta:
                    meta = {"format": STORE_FORMAT, "version": str(STORE_VERSION), "job": "", "created": _now()}
                    self.db.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", list(meta.items()))
                if job and meta.get("format") == STORE_FORMAT and not meta.get("job"):
                    self.db.execute("UPDATE meta SET value = ? WHERE key = 'job'", (job,))
                    meta["job"] = job
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"store {self.path!r} is not a usable sweep store: {exc}") from None
        if meta.get("format") != STORE_FORMAT:
            raise ValueError(f"store {self.path!r} is not an nnpartition sweep store")
        if meta.get("version") != str(STORE_VERSION):
            raise ValueError(f"store {self.path!r} has layout version {meta.get('version')}, "
                             f"this nnpartition reads version {STORE_VERSION}")
        if job and meta["job"] != job:
            raise ValueError(f"store {self.path!r} holds results of job {meta['job']}, not {job}; "
                             f"use another store path for another job or other job settings")

    def rows(self) -> Dict[str, Tuple[str, Optional[str], Optional[str], Optional[float]]]:
        cur = self.db.execute("SELECT config, status, result, error, seconds FROM results")
        return {c: (s, r, e, t) for c, s, r, e, t in cur}

    def put(self, key: str, status: str, result: Optional[str], error: Optional[str], tb: Optional[str],
            seconds: float, worker: str) -> None:
        # One statement = one transaction: the row is there in full or not at all.
        # A 'done' row is never replaced; a 'failed' one is, by a new attempt.
        self.db.execute(
            "INSERT INTO results(config, status, result, error, traceback, seconds, attempts, worker, finished) "
            "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) "
            "ON CONFLICT(config) DO UPDATE SET status=excluded.status, result=excluded.result, "
            "error=excluded.error, traceback=excluded.traceback, seconds=excluded.seconds, "
            "attempts=results.attempts + 1, worker=excluded.worker, finished=excluded.finished "
            "WHERE results.status = 'failed'",
            (key, status, result, error, tb, seconds, worker, _now()))

    def close(self) -> None:
        self.db.close()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _record(config: Dict[str, Any], status: str, result: Optional[str], error: Optional[str],
            seconds: Optional[float]) -> Dict[str, Any]:
    return {"config": config, "status": status, "result": json.loads(result) if result is not None else None,
            "error": error, "seconds": seconds}


def load(store: PathLike) -> List[Dict[str, Any]]:
    """Every record of an existing store, in the order they were first written.

    Each record is ``{"config", "status", "result", "error", "seconds"}`` as
    :func:`run` returns them (``config`` decoded from its canonical JSON).

    Example:
        >>> import tempfile, os
        >>> from nnpartition._sweep_jobs import toy
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "toy.sqlite")
        ...     _ = run([{"x": 2}, {"x": 5, "fail": True}], toy, store=path, workers=1, progress=False)
        ...     [(r["config"]["x"], r["status"], r["error"]) for r in load(path)]
        [(2, 'done', None), (5, 'failed', 'ValueError: configured to fail (x=5)')]
    """
    s = _Store(store, None, create=False)
    try:
        cur = s.db.execute("SELECT config, status, result, error, seconds FROM results ORDER BY rowid")
        return [_record(json.loads(c), st, r, e, t) for c, st, r, e, t in cur]
    finally:
        s.close()


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


# --------------------------------------------------------------------------- executors

def _check_scheduler(scheduler: Any) -> None:
    """Check a scheduler address, and that Dask is installed."""
    if not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be an address string such as 'tcp://host:8786', got "
                        f"{type(scheduler).__name__}")
    if ":" not in scheduler:
        raise ValueError(f"scheduler must be an address such as 'tcp://host:8786', got {scheduler!r}")
    try:
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"running a sweep on a Dask scheduler ({scheduler}) needs Dask's distributed "
                          f"scheduler, which is not installed: {DASK_HINT}") from exc


def _dask_client(scheduler: Any, timeout: float = 20.0) -> Any:
    _check_scheduler(scheduler)
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"scheduler: cannot connect to the Dask scheduler at {scheduler}: {exc}") from None


def _default_workers() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def _local_pool(workers: int) -> cf.ProcessPoolExecutor:
    # spawn, not fork: the driver may hold Rust (rayon) threads, and a forked
    # child of a multi-threaded process can deadlock.
    threads = max(_default_workers() // workers, 1)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_init, initargs=(os.getpid(), threads))


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
    else:
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                p.terminate()
            except Exception:  # noqa: BLE001 - already gone
                pass
    pool.shutdown(wait=True, cancel_futures=True)


class _Serial(cf.Executor):
    """Runs each job in the calling process at submit time (``workers=1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:  # type: ignore[override]
        f: cf.Future = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            if not isinstance(exc, Exception):
                raise
            f.set_exception(exc)
        return f


# --------------------------------------------------------------------------- run

def run(
    grid: Iterable[Mapping[str, Any]],
    job: Callable[[Dict[str, Any]], Mapping[str, Any]],
    *,
    store: Optional[PathLike],
    executor: Optional[cf.Executor] = None,
    workers: Optional[int] = None,
    scheduler: Optional[str] = None,
    progress: bool = True,
    retry_failed: bool = False,
    max_pending: Optional[int] = None,
) -> SweepResults:
    """Run ``job`` on every configuration of ``grid``, recording each in ``store`` as it finishes.

    Configurations already in the store are not run again (a failed one is,
    with ``retry_failed=True``): rerunning a killed or interrupted sweep with
    the same store resumes it. A job that raises is recorded as failed, with
    its error, and the sweep goes on.

    Args:
        grid: a list of configuration dicts (JSON-serializable values, string
            keys, all distinct) or a :func:`product`.
        job: a picklable top-level function ``job(config) -> dict`` of
            JSON-serializable results (numpy scalars and arrays are
            converted). It must be importable by the workers.
        store: path of the SQLite store (created if missing, parent folders
            too), or ``None`` / ``":memory:"`` for no durable store.
        executor: any :class:`concurrent.futures.Executor`, e.g.
            ``dask.distributed.Client(...).get_executor()``; it is left open.
            Default: a local process pool that :func:`run` creates and closes.
        workers: processes of the local pool (default: all cores); ``1`` runs
            the jobs one after the other in this process, without a pool.
            Only for the local pool.
        scheduler: address of a running Dask scheduler (``"tcp://host:8786"``):
            :func:`run` connects a client, uses its executor and closes it.
            Needs ``pip install 'nnpartition[distributed]'``.
        progress: progress bar with ETA on stderr (on a terminal), and the
            summary line printed to stderr at the end.
        retry_failed: run the configurations recorded as failed again.
        max_pending: most configurations submitted but not yet finished at
            once (default: four per local worker, 1024 for other executors).

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
        workers = v.count("workers", workers, minimum=1, maximum=4096)
    if max_pending is not None:
        max_pending = v.count("max_pending", max_pending, minimum=1)
    if not isinstance(retry_failed, (bool, np.bool_)):
        raise TypeError(f"retry_failed must be True or False, got {retry_failed!r}")
    if scheduler is not None:
        _check_scheduler(scheduler)

    db = _Store(store, _job_name(job))
    try:
        existing = db.rows()
        records: List[Optional[Dict[str, Any]]] = [None] * len(configs)
        todo: List[int] = []
        for i, key in enumerate(keys):
            row = existing.get(key)
            if row is None or (retry_failed and row[0] == "failed"):
                todo.append(i)
            else:
                records[i] = _record(configs[i], row[0], row[1], row[2], row[3])
        skipped = len(configs) - len(todo)
        done = failed = 0
        if todo:
            done, failed = _execute(configs, keys, todo, records, job, db, executor=executor, workers=workers,
                                    scheduler=scheduler, progress=progress, max_pending=max_pending,
                                    skipped=skipped)
    finally:
        db.close()
    summary = SweepSummary(total=len(configs), done=done, failed=failed, skipped=skipped,
                           seconds=time.perf_counter() - started)
    if progress:
        print(summary, file=sys.stderr)
    return SweepResults(records, summary)  # type: ignore[arg-type]


def _execute(configs: List[Dict[str, Any]], keys: List[str], todo: List[int],
             records: List[Optional[Dict[str, Any]]], job: Callable[..., Any], db: _Store, *,
             executor: Optional[cf.Executor], workers: Optional[int], scheduler: Optional[str], progress: bool,
             max_pending: Optional[int], skipped: int) -> Tuple[int, int]:
    client = None
    owned: Optional[cf.ProcessPoolExecutor] = None
    if scheduler is not None:
        client = _dask_client(scheduler)
        executor = client.get_executor()
    elif executor is None:
        n = workers or min(_default_workers(), len(todo))
        if n == 1 and workers == 1:
            executor = _Serial()
        else:
            _check_picklable(job)
            owned = executor = _local_pool(n)
        if max_pending is None:
            max_pending = 4 * n
    elif isinstance(executor, cf.ProcessPoolExecutor):
        _check_picklable(job)
    if max_pending is None:
        max_pending = 4 * getattr(executor, "_max_workers", 0) or 1024

    desc = "sweep" + (f" ({skipped} already in store)" if skipped else "")
    bar = Progress(len(todo), desc=desc, enabled=progress)
    done = failed = 0
    queue = list(reversed(todo))  # pop() from the end = grid order
    pending: Dict[cf.Future, int] = {}
    # Configurations that were in flight when a local worker process died: each
    # runs again alone, so that a crash while alone pins the culprit.
    suspects: set = set()
    alone: Optional[int] = None
    generation = 0  # of the local pool, bumped when a dead worker forces a new one
    born: Dict[cf.Future, int] = {}
    clean = False
    try:
        while queue or pending:
            while queue and len(pending) < max_pending and alone is None:
                i = queue[-1]
                if i in suspects and pending:
                    break
                try:
                    fut = executor.submit(_call, job, configs[i])
                except BrokenProcessPool:
                    if owned is None:
                        raise
                    owned = executor = _restart(owned)
                    generation += 1
                    continue
                queue.pop()
                pending[fut] = i
                born[fut] = generation
                if i in suspects:
                    alone = i
            finished, _ = cf.wait(list(pending), timeout=0.5, return_when=cf.FIRST_COMPLETED)
            broken = False
            requeued = 0
            for fut in sorted(finished, key=pending.__getitem__):
                i = pending.pop(fut)
                fut_generation = born.pop(fut)
                try:
                    status, result, error, tb, seconds, worker = fut.result()
                except cf.CancelledError:
                    raise RuntimeError(f"the executor cancelled configuration {keys[i]}; the sweep stopped "
                                       f"(finished configurations are in the store: rerun to resume)") from None
                except Exception as exc:  # noqa: BLE001 - the worker died, the task could not be sent, ...
                    if isinstance(exc, BrokenProcessPool) and owned is not None:
                        broken = broken or fut_generation == generation
                        if i != alone:  # maybe another configuration killed the worker: run it again alone
                            suspects.add(i)
                            queue.append(i)
                            requeued += 1
                            continue
                    status, result, seconds, worker = "failed", None, 0.0, ""
                    error = f"{type(exc).__name__}: {exc}"
                    if isinstance(exc, BrokenProcessPool):
                        error = ("WorkerDied: the worker process died while running this configuration "
                                 f"(crash, out of memory or killed): {error}")
                    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                finally:
                    if i == alone:
                        alone = None
                db.put(keys[i], status, result, error, tb, seconds, worker)
                records[i] = _record(configs[i], status, result, error, seconds)
                if status == "done":
                    done += 1
                else:
                    failed += 1
                    bar.desc = f"{desc} ({failed} failed)"
            if broken and owned is not None:
                # A worker process died (crash, out of memory, killed): the rest go on in a
                # fresh pool; what was in flight runs again, one at a time.
                owned = executor = _restart(owned)
                generation += 1
            bar.update(len(finished) - requeued)
        clean = True
    finally:
        bar.close()
        for fut in pending:
            fut.cancel()
        if owned is not None:
            if clean:
                owned.shutdown(wait=True)
            else:
                _kill_pool(owned)
        if client is not None:
            client.close()
    return done, failed


def _restart(pool: cf.ProcessPoolExecutor) -> cf.ProcessPoolExecutor:
    _kill_pool(pool)
    return _local_pool(pool._max_workers)  # type: ignore[attr-defined]


def _check_picklable(job: Callable[..., Any]) -> None:
    try:
        pickle.dumps(job)
    except Exception as exc:  # noqa: BLE001
        raise TypeError(f"job must be a picklable top-level function (importable by the worker processes), "
                        f"got {job!r}: {exc}") from None


# --------------------------------------------------------------------------- command-line helpers

def add_sweep_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--workers``, ``--scheduler``, ``--store``, ``--resume`` and ``--retry-failed`` to ``parser``.

    Example:
        >>> p = add_sweep_arguments(argparse.ArgumentParser())
        >>> a = p.parse_args(["--workers", "2", "--store", "grid.sqlite", "--resume"])
        >>> a.workers, a.scheduler, a.store, a.resume, a.retry_failed
        (2, None, 'grid.sqlite', True, False)
    """
    g = parser.add_argument_group("sweep execution")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: all cores; 1 = run in this process)")
    g.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the jobs on an existing Dask cluster through its scheduler "
                        f"(needs {DASK_HINT})")
    g.add_argument("--store", default=None, metavar="PATH",
                   help="SQLite file recording each finished configuration as it completes")
    g.add_argument("--resume", action="store_true",
                   help="continue the sweep recorded in --store: configurations already there are skipped")
    g.add_argument("--retry-failed", action="store_true",
                   help="with --resume: run the configurations recorded as failed again")
    return parser


def executor_from_args(args: argparse.Namespace) -> Tuple[Optional[cf.Executor], Callable[[], None]]:
    """The executor that ``--scheduler`` asks for, and a function that closes it.

    Returns ``(None, no-op)`` without ``--scheduler``: pass ``workers=args.workers``
    to :func:`run`, which then makes (and closes) its local pool.
    ``--workers`` together with ``--scheduler`` is a ``ValueError``.

    Example:
        >>> p = add_sweep_arguments(argparse.ArgumentParser())
        >>> ex, close = executor_from_args(p.parse_args(["--workers", "2"]))
        >>> ex is None
        True
        >>> close()
    """
    scheduler = getattr(args, "scheduler", None)
    workers = getattr(args, "workers", None)
    if workers is not None:
        v.count("--workers", workers, minimum=1, maximum=4096)
    if scheduler is None:
        return None, lambda: None
    if workers is not None:
        raise ValueError("--workers applies to the local pool; with --scheduler the cluster's workers run the jobs")
    client = _dask_client(scheduler)
    return client.get_executor(), client.close


def store_from_args(args: argparse.Namespace) -> Optional[str]:
    """The ``--store`` path to pass to :func:`run`, after checking ``--resume``.

    A store that already holds results is continued only with ``--resume``
    (otherwise ``ValueError``, so a finished sweep is not silently reused);
    ``--resume`` or ``--retry-failed`` without ``--store`` is a ``ValueError``.
    Without ``--store`` it returns ``None`` (nothing durable).

    Example:
        >>> p = add_sweep_arguments(argparse.ArgumentParser())
        >>> store_from_args(p.parse_args(["--store", "new-grid.sqlite"]))
        'new-grid.sqlite'
        >>> store_from_args(p.parse_args([])) is None
        True
    """
    store = getattr(args, "store", None)
    resume = bool(getattr(args, "resume", False))
    if store is None:
        if resume or getattr(args, "retry_failed", False):
            raise ValueError("--resume and --retry-failed need --store PATH (the store to continue)")
        return None
    if getattr(args, "retry_failed", False) and not resume:
        raise ValueError("--retry-failed continues an existing store: give --resume too")
    path = Path(store)
    if path.is_file() and path.stat().st_size > 0 and not resume:
        n = _count_rows(str(path))
        if n:
            raise ValueError(f"--store {store} already holds {n} finished configuration(s): pass --resume to "
                             f"continue that sweep (finished ones are skipped) or choose a new path")
    return str(store)


def _count_rows(path: str) -> int:
    s = _Store(path, None, create=False)
    try:
        return int(s.db.execute("SELECT count(*) FROM results").fetchone()[0])
    finally:
        s.close()
