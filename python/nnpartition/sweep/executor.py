"""Running sweep jobs: the worker-side wrapper, the local process pool, Dask, and the submit/collect loop.

The loop in :func:`_execute` keeps a bounded number of configurations in
flight, records each as it finishes (through the store the caller opened),
and survives worker processes that die: what was in flight runs again, one
at a time, so a configuration that kills its worker is pinned and recorded
as failed while the rest of the sweep goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import multiprocessing
import os
import pickle
import signal
import socket
import threading
import time
import traceback
import types
from concurrent.futures.process import BrokenProcessPool
from json.encoder import encode_basestring_ascii
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple

import numpy as np
import tqdm.std

from .._progress import progress_bar
from .store import _json_default, _record, _Store

__all__ = ["DASK_HINT", "SweepError"]


class SweepError(RuntimeError):
    """The sweep stopped on something outside the configurations (an executor that cancelled a task, a process pool
    broken beyond the sweep's repair, workers that die as they start); the message says how to go on, and what
    finished is in the store. A ``RuntimeError``, as before; the command line prints it as one line.

    Example:
        >>> from nnpartition import sweep
        >>> try:
        ...     raise sweep.SweepError("the executor cancelled configuration {}; the sweep stopped")
        ... except RuntimeError as exc:   # caught as the RuntimeError it always was
        ...     print(type(exc).__name__, exc)
        SweepError the executor cancelled configuration {}; the sweep stopped
    """

class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a cluster's time limit or ``scancel``, ``kill``, a closed terminal) during a sweep: it
    stops as on Ctrl-C (the workers killed, the store closed, the summary and the command line's way on); ``signum``
    is the signal's number. Without it the process died at once: no word of the store, and the resource tracker
    warned of "leaked semaphore objects" of the sweep's pool."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`_Terminated`, where they have Python's default action and
    in the main thread (elsewhere, and under ``nohup`` or a handler of the caller's, nothing changes); the previous
    handlers are restored after. Each one raises, as each Ctrl-C does: a second one while the sweep stops ends the
    stop there, as a second Ctrl-C does (it was ignored, and a stop that did not end, such as a job's own cleanup on
    the interrupt, left ``kill -9`` alone to end it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: Dict[int, Any] = {}
    # a signal that arrives while the handlers are restored is kept and raised once they are (raised there, it left
    # the other signal's handler installed for good: a later SIGHUP raised _Terminated in the caller's program)
    restoring, late = [False], []

    def handler(signum: int, frame: Any) -> None:
        if restoring[0]:
            late.append(signum)
            return
        raise _Terminated(signum)

    for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, handler)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        restoring[0] = True
        for sig, old in previous.items():
            signal.signal(sig, old)
        if late and not failed:   # (one already stopping the sweep stands for it)
            raise _Terminated(late[0])


#: How to install the optional Dask dependency.
DASK_HINT = "pip install 'nnpartition[distributed]'"

# --------------------------------------------------------------------------- the job wrapper (runs on workers)

def _job_name(job: Callable[..., Any]) -> str:
    """The job's identity in the store: ``module:name``, plus its bound settings.

    Settings bound into the job (``functools.partial`` arguments, attributes of
    a callable object or of a bound method's object) count: a store filled with ``seed=0`` is not continued
    with ``seed=1``. A setting JSON cannot write counts by its fields (a dataclass, such as a
    :class:`~nnpartition.Protocol`, or an object's attributes), its name (a class or a function), or else a
    digest of its pickle: such settings were left out, and a store was continued under another protocol. A numpy
    array of more than 10,000 entries counts by its shape, dtype and a digest of its bytes.

    Example:
        >>> import functools
        >>> from nnpartition._sweep_jobs import train
        >>> _job_name(train)
        'nnpartition._sweep_jobs:train'
        >>> _job_name(functools.partial(train, seed=1))
        'nnpartition._sweep_jobs:train{"args":[],"kwargs":{"seed":1}}'
        >>> from nnpartition import Protocol
        >>> _job_name(functools.partial(train, protocol=Protocol(lr=0.5)))   # doctest: +ELLIPSIS
        '...:train{"args":[],"kwargs":{"protocol":{..."lr":0.5,...}}}'
    """
    settings: Any = None
    func = job
    if isinstance(job, functools.partial):
        settings = {"args": list(job.args), "kwargs": job.keywords} if job.args or job.keywords else None
        func = job.func
    elif isinstance(job, types.MethodType):   # obj.method: the object's attributes are its settings
        # (a classmethod's class has none: its __dict__, a mappingproxy of functions, is no setting)
        settings = None if isinstance(job.__self__, type) else getattr(job.__self__, "__dict__", None) or None
    elif not isinstance(job, (types.FunctionType, types.BuiltinFunctionType, type)):
        settings = getattr(job, "__dict__", None) or None  # a callable object: its attributes
        func = type(job)
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or type(func).__name__
    try:
        bound = "" if settings is None else _encode(settings)
    except (TypeError, ValueError, RecursionError):   # e.g. an object that refers to itself
        bound = _digest(settings)
    return f"{module}:{name}{bound}"


#: Entries of a bound numpy array above which the job's identity holds its digest, not its entries: a large array
#: bound into a job was written whole into the identity (a 10^8-entry array, gigabytes of JSON).
_ARRAY_ENTRIES = 10_000


def _encode(obj: Any) -> str:
    """``obj`` as the job's identity writes it: the same text in every process (sorted keys, sets in order), the text
    ``json.dumps(_canonical(obj), sort_keys=True, separators=(",", ":"), default=_setting)`` (see :func:`_walk`)."""
    return _walk(obj, 0, True)[1]


def _canonical(obj: Any, depth: int = 0) -> Any:
    """``obj`` with what JSON would write in an order of the process (a set's) or not at all (a dict's keys that are
    not strings: a tuple key made the whole settings a pickle, whose set order changed with ``PYTHONHASHSEED``) in
    one order. Deeper than 100 levels, a cycle: ``RecursionError``."""
    return _walk(obj, depth, False)[0]


def _walk(obj: Any, depth: int, text: bool) -> Tuple[Any, str]:
    """:func:`_canonical` of ``obj`` and, with ``text``, its JSON text (:func:`_encode`; else ``""``), built together
    from the leaves up: a set's members (and the ``[key, value]`` pairs of a dict of other keys) are sorted by their
    texts, each written once. (The sort key was ``_encode`` of each member, which wrote the member's canonical form
    again from the top, so every level wrote its whole subtree again: 3.1 s for 100 levels of sets of 1,000
    numbers, 580 times one ``json.dumps`` of the result, now 0.10 s, ``benchmarks/bench_sweep.py --identity``; and
    a dict of tuple keys, whose pairs are levels of their own, was refused as "deeper than 100 levels" from 34
    levels of such dicts.) Without ``text`` (what :func:`_setting` asks for a setting's state, which JSON then
    writes), only the members of sets and such dicts are written here."""
    if depth > 100:
        raise RecursionError("bound settings nest deeper than 100 levels (a cycle?)")
    if isinstance(obj, dict):
        # keys JSON writes and sorts (all strings, or all numbers) as before; others as sorted pairs
        if all(isinstance(k, str) for k in obj) or all(isinstance(k, (int, float)) and not isinstance(k, bool)
                                                       for k in obj):
            out = {k: _walk(val, depth + 1, text) for k, val in obj.items()}
            if not text:
                return {k: c for k, (c, _) in out.items()}, ""
            # JSON's order (it sorts the (key, value) items; keys never tie, so values are never compared) and
            # its keys: a number's JSON text, in quotes
            body = ",".join(json.dumps(k if isinstance(k, str) else json.dumps(k)) + ":" + out[k][1]
                            for k, _ in sorted(obj.items()))
            return {k: c for k, (c, _) in out.items()}, "{" + body + "}"
        texts = sorted((("[" + k[1] + "," + val[1] + "]", k[0], val[0])
                        for k, val in ((_walk(k, depth + 1, True), _walk(val, depth + 1, True))
                                       for k, val in obj.items())), key=lambda tkv: tkv[0])
        return ({"__items__": [[k, val] for _, k, val in texts]},
                '{"__items__":[' + ",".join(t for t, _, _ in texts) + "]}" if text else "")
    if isinstance(obj, (list, tuple)):
        items = [_walk(x, depth + 1, text) for x in obj]
        return [c for c, _ in items], "[" + ",".join(t for _, t in items) + "]" if text else ""
    if isinstance(obj, (set, frozenset)):
        items = sorted((_walk(x, depth + 1, True) for x in obj), key=lambda ct: ct[1])
        return [c for c, _ in items], "[" + ",".join(t for _, t in items) + "]" if text else ""
    return obj, _leaf_text(obj) if text else ""


def _leaf_text(obj: Any) -> str:
    """``json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_setting)`` of a leaf of :func:`_walk`; a
    string, number, bool or None written directly (as JSON writes them: a call of ``json.dumps`` made an encoder,
    3 us, which was most of the time of a set of 100,000 numbers)."""
    kind = type(obj)
    if kind is str:
        return encode_basestring_ascii(obj)
    if kind is int:
        return int.__repr__(obj)
    if kind is float:
        if obj != obj:
            return "NaN"
        if obj in (math.inf, -math.inf):
            return "Infinity" if obj > 0 else "-Infinity"
        return float.__repr__(obj)
    if obj is None or kind is bool:
        return "null" if obj is None else "true" if obj else "false"
    return _ENCODER.encode(obj)


def _setting(obj: Any) -> Any:
    """What of a bound setting JSON cannot write counts in the job's identity (see :func:`_job_name`)."""
    if isinstance(obj, np.ndarray) and obj.size > _ARRAY_ENTRIES:
        data = np.ascontiguousarray(obj)   # (a copy only of a strided array; its buffer is hashed in place)
        digest = (hashlib.sha256(data.data.cast("B")).hexdigest()[:16] if data.dtype != object
                  else _digest(obj)[1:])
        return {"__type__": "ndarray", "shape": list(obj.shape), "dtype": str(obj.dtype), "sha256": digest}
    try:
        return _json_default(obj)
    except TypeError:
        pass
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        return f"{getattr(obj, '__module__', None) or '?'}:{getattr(obj, '__qualname__', repr(obj))}"
    kind = type(obj).__qualname__
    if isinstance(obj, functools.partial):
        return _canonical({"__type__": kind, "func": obj.func, "args": list(obj.args), "kwargs": obj.keywords})
    if dataclasses.is_dataclass(obj):
        return _canonical({"__type__": kind, **{f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}})
    state = getattr(obj, "__dict__", None)
    if isinstance(state, dict) and state:
        return _canonical({"__type__": kind, **state})
    return {"__type__": kind, "pickle": _digest(obj)}


#: What :func:`_leaf_text` writes a leaf other than a string, number, bool or None with.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_setting)


def _digest(obj: Any) -> str:
    """A short digest of ``obj``'s pickle; of its type's name when it has none (a lock, a connection: their ``repr``,
    which was hashed before, holds a memory address, so the same job read as another in the next process)."""
    try:
        data = pickle.dumps(obj)
    except Exception:  # noqa: BLE001 - not picklable: a serial job may hold anything
        data = f"{type(obj).__module__}.{type(obj).__qualname__}".encode()
    return "#" + hashlib.sha256(data).hexdigest()[:16]


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
        # JSON names are strings: a nested dict's keys 1 and "1" (or 1 and 1.0's "1.0" and "1.0") became one name,
        # and reading the store back kept one of the two values without a word
        json.loads(result, object_pairs_hook=_distinct_names)
        return ("done", result, None, None, time.perf_counter() - start, worker)
    except KeyboardInterrupt:   # Ctrl-C (pool workers ignore it): the sweep stops, what finished is recorded
        raise
    except BaseException as exc:  # noqa: BLE001 - a failing job is recorded, not raised: sys.exit() in a job too,
        # which a pool worker sent back to the driver as SystemExit, ending the whole sweep
        return ("failed", None, f"{type(exc).__name__}: {exc}", traceback.format_exc(),
                time.perf_counter() - start, worker)


def _distinct_names(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    """A JSON object's members as a dict, refusing two members of one name (what a result's dict with keys that
    differ only as Python values, ``1`` and ``"1"``, turns into).

    Example:
        >>> _distinct_names([("1", 2), ("1", 3)])
        Traceback (most recent call last):
        ...
        TypeError: job result has two entries named '1' in one dict once its keys are written as JSON strings \
(keys such as 1 and '1'): make them distinct strings
    """
    out = dict(pairs)
    if len(out) < len(pairs):
        seen: Set[str] = set()
        name = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise TypeError(f"job result has two entries named {name!r} in one dict once its keys are written as JSON "
                        f"strings (keys such as 1 and '1'): make them distinct strings")
    return out


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in pool workers
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _changed_limits() -> Dict[str, int]:
    """The limits of :mod:`nnpartition.limits` the driver has changed from a fresh process's (``set_limits``, or the
    command line's ``NNPARTITION_MAX_*`` variables), which its spawned workers must start with; the others each
    worker computes for itself (``max_bytes`` follows its own ``ulimit -v``)."""
    from ..limits import DEFAULT_LIMITS, get_limits

    now = get_limits()
    return {k: getattr(now, k) for k in ("max_params", "max_bytes", "max_work")
            if getattr(now, k) != getattr(DEFAULT_LIMITS, k)}


def _worker_init(parent: int, threads: Optional[int],
                 limits: Optional[Dict[str, int]] = None) -> None:  # pragma: no cover - runs in pool workers
    """Set up a local pool worker: leave Ctrl-C to the driver, cap Rust threads, die with the driver, and use the
    limits the driver changed (a spawned process starts with the defaults)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # tqdm's lock of a process's bars (the package's training makes a hidden one in every job) is by default a
    # multiprocessing RLock: in a spawned worker, a named semaphore registered with the resource tracker, which the
    # worker, killed by the sweep (Ctrl-C, timeout=, a dead worker's pool), never unregisters, and the tracker then
    # printed "There appear to be N leaked semaphore objects" at the sweep's exit. A worker's bars share no lock with
    # another process's (each worker made its own), so a thread lock does what that one did.
    tqdm.std.tqdm.set_lock(threading.RLock())
    if threads and "RAYON_NUM_THREADS" not in os.environ:
        os.environ["RAYON_NUM_THREADS"] = str(threads)
    if limits:
        from ..limits import set_limits

        set_limits(**limits)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="nnpartition-sweep-watch").start()


# --------------------------------------------------------------------------- executors

def check_scheduler_address(scheduler: Any, name: str = "scheduler") -> None:
    """Refuse what cannot be a scheduler's address (the one rule; the CLI's ``--scheduler`` checks it too, before any
    work), naming the argument ``name``.

    Example:
        >>> check_scheduler_address("")
        Traceback (most recent call last):
            ...
        ValueError: scheduler must be an address such as 'tcp://host:8786', got ''
    """
    if not isinstance(scheduler, str):
        raise TypeError(f"{name} must be an address string such as 'tcp://host:8786', got "
                        f"{type(scheduler).__name__}")
    if ":" not in scheduler:
        raise ValueError(f"{name} must be an address such as 'tcp://host:8786', got {scheduler!r}")


def _check_scheduler(scheduler: Any) -> None:
    """Check a scheduler address, and that Dask is installed."""
    check_scheduler_address(scheduler)
    try:
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"running a sweep on a Dask scheduler ({scheduler}) needs Dask's distributed "
                          f"scheduler, which is not installed: {DASK_HINT}") from exc


#: Seconds a scheduler's address has to accept a connection before a sweep refuses it (``ValueError`` naming the
#: address). A refused connection is tried again until then, as Dask's client does, for a scheduler that is still
#: starting. Accepting is the operating system's work (a busy scheduler's queue of connections is answered all the
#: same), so a live scheduler, even a slow one, accepts in milliseconds, and 5 s allows a lost packet or two on the
#: way; only what follows (Dask's handshake and the client's registration) waits on the scheduler itself, and has
#: :data:`SCHEDULER_TIMEOUT`. Dask's client alone tried a dead address (a mistyped port) for all of its timeout.
SCHEDULER_CONNECT_TIMEOUT = 5.0
#: Seconds a scheduler that accepted the connection has to answer as a Dask scheduler: the ``timeout=`` of the
#: sweep's Dask ``Client`` (its handshake, and the client's other calls, such as closing).
SCHEDULER_TIMEOUT = 20.0


def _probe_scheduler(scheduler: str, connect_timeout: float, timeout: float) -> None:
    """Connect to ``scheduler`` once with Dask's own comm (its protocol, its TLS settings from the Dask config), giving
    the address ``connect_timeout`` seconds to accept (Dask's ``connect`` then raises ``OSError``) and the scheduler
    ``timeout`` seconds more to answer Dask's handshake (then ``TimeoutError``: the address accepted, as Dask's
    ``connect`` gives up on it by ``connect_timeout``); an address Dask cannot read is its ``ValueError``.

    It runs in a thread of its own, with its own event loop, so that it works from a caller that runs one (Jupyter).
    """
    import asyncio

    from distributed.comm import connect
    from distributed.security import Security

    async def probe() -> None:
        args = Security().get_connection_args("client")   # what Client(scheduler) uses, from the Dask config
        comm = await asyncio.wait_for(connect(scheduler, timeout=connect_timeout, **args), connect_timeout + timeout)
        await comm.close()

    errors: List[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(probe())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            errors.append(exc)

    t = threading.Thread(target=target, daemon=True, name="nnpartition-scheduler-probe")
    t.start()
    t.join()
    if errors:
        exc = errors[0]
        if isinstance(exc, asyncio.TimeoutError) and not isinstance(exc, TimeoutError):   # Python < 3.11
            raise TimeoutError(str(exc)) from exc
        raise exc


def _dask_client(scheduler: Any) -> Any:
    """A Dask ``Client`` of the scheduler at ``scheduler``, or a ``ValueError`` that names the address if nothing
    accepts a connection there within :data:`SCHEDULER_CONNECT_TIMEOUT` seconds, or no Dask scheduler answers within
    :data:`SCHEDULER_TIMEOUT` more."""
    _check_scheduler(scheduler)
    connect_timeout, timeout = SCHEDULER_CONNECT_TIMEOUT, SCHEDULER_TIMEOUT
    from dask.distributed import Client

    # "scheduler is ...": the command line names its option (--scheduler is ...), as for every refusal
    try:
        _probe_scheduler(scheduler, connect_timeout, timeout)
    except TimeoutError:   # (an OSError: first)
        raise ValueError(f"scheduler is unreachable: {scheduler} accepted a connection but no Dask scheduler "
                         f"answered within {connect_timeout + timeout:g} s; check that the port is the "
                         f"scheduler's (8786 by default; 8787 is its dashboard)") from None
    except ValueError as exc:   # Dask's: an unknown protocol, no port, ...
        raise ValueError(f"scheduler is not an address Dask can connect to: {scheduler!r} ({exc})") from None
    except OSError as exc:   # refused, no such host, no answer
        raise ValueError(f"scheduler is unreachable: nothing accepted a connection at {scheduler} within "
                         f"{connect_timeout:g} s ({exc}); check the host and port, and that the scheduler is "
                         f"running") from None
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"scheduler is unreachable: no Dask scheduler answered at {scheduler} ({exc}); check the "
                         f"address and that the scheduler is running") from None


#: The most processes a local pool may have: ``workers=`` of :func:`nnpartition.sweep.run` and every command's
#: ``--workers`` (refused by the shared checks before a command starts, ``nnpartition._cli.common.check_args``).
MAX_WORKERS = 4096


def _default_workers() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(len(affinity(0)), 1)
    return max(os.cpu_count() or 1, 1)  # pragma: no cover - not Linux


def _local_pool(workers: int) -> cf.ProcessPoolExecutor:
    # spawn, not fork: the driver may hold Rust (rayon) threads, and a forked
    # child of a multi-threaded process can deadlock.
    threads = max(_default_workers() // workers, 1)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_init, initargs=(os.getpid(), threads, _changed_limits()))


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    # SIGKILL, not SIGTERM: a job may ignore or handle SIGTERM (one that did held the shutdown below, which waits for
    # every worker, until it ended by itself); workers hold nothing to save, the store is the driver's
    kill = getattr(pool, "kill_workers", None)  # Python >= 3.14
    if kill is not None:
        kill()
    else:
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                p.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
    pool.shutdown(wait=True, cancel_futures=True)


class _Serial(cf.Executor):
    """Runs each job in the calling process at submit time (``workers=1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "cf.Future[Any]":
        f: "cf.Future[Any]" = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            if not isinstance(exc, Exception):
                raise
            f.set_exception(exc)
        return f


def _check_home(home: int) -> None:
    """A ``RuntimeError`` unless this is the process ``home`` that runs the sweep: a child a serial job made with a bare
    ``os.fork()`` and let return from the job (instead of ending it with ``os._exit``) came back into the sweep's loop,
    which it must not carry on: it would run further configurations and write the store beside its parent, without
    the store's lock (``docs/sweep.md``). Raised where the loop would take the next configuration or record one, so
    the child does neither; the sweep goes on in its parent."""
    pid = os.getpid()
    if pid != home:
        raise RuntimeError(f"a process forked in the sweep's job (pid {pid}, a child of the sweep's process {home}) "
                           f"left the job by returning and came back into the sweep; it runs no further configuration "
                           f"and writes nothing to the store (the sweep goes on in process {home}): a child forked in "
                           f"a job must end with os._exit() instead of returning")


def _execute(configs: List[Dict[str, Any]], keys: List[str], todo: List[int],
             records: List[Optional[Dict[str, Any]]], job: Callable[..., Any], db: _Store, *,
             executor: Optional[cf.Executor], workers: Optional[int], scheduler: Optional[str],
             progress: Optional[bool], max_pending: Optional[int], skipped: int,
             timeout: Optional[float] = None) -> Tuple[int, int, int]:
    """Run the configurations ``todo``, recording each in ``db`` and ``records``: how many this call recorded done
    and failed, and how many it found recorded by another process meanwhile (the store keeps its row: its record is
    the store's, and it was not this call's to count as done)."""
    home = os.getpid()   # (a serial job's forked child that returns comes back into this loop: _check_home)
    client = None
    owned: Optional[cf.ProcessPoolExecutor] = None
    if scheduler is not None:
        client = _dask_client(scheduler)
        executor = client.get_executor()
    elif executor is None:
        n = workers or min(_default_workers(), len(todo))
        if n == 1 and workers == 1 and timeout is None:   # (a job in this process could not be stopped)
            executor = _Serial()
        else:
            _check_picklable(job)
            owned = executor = _local_pool(n)
        if max_pending is None:
            max_pending = 4 * n
        if timeout is not None:   # each one sent starts at once: its clock is its run's
            max_pending = min(max_pending, n)
    elif isinstance(executor, cf.ProcessPoolExecutor):
        _check_picklable(job)
    if max_pending is None:
        max_pending = 4 * getattr(executor, "_max_workers", 0) or 1024
    if isinstance(executor, _Serial):
        # a serial executor runs each job at submit time: record it before the next one runs, so that an interrupt
        # (or a job that raises KeyboardInterrupt) loses no finished configuration
        max_pending = 1

    desc = "sweep" + (f" ({skipped} already in store)" if skipped else "")
    bar = progress_bar(len(todo), desc=desc, progress=progress, unit="config")
    done = failed = found = 0
    queue = list(reversed(todo))  # pop() from the end = grid order
    pending: Dict["cf.Future[Any]", int] = {}
    # Configurations that were in flight when a local worker process died: each
    # runs again alone, so that a crash while alone pins the culprit.
    suspects: Set[int] = set()
    alone: Optional[int] = None
    generation = 0  # of the local pool, bumped when a dead worker forces a new one
    born: Dict["cf.Future[Any]", int] = {}
    sent: Dict["cf.Future[Any]", float] = {}   # when each was sent (timeout=)
    # configurations in flight when a worker of a process pool the caller gave died: that pool cannot be restarted
    # here, and which one killed it is unknown, so none of them is recorded (each was recorded as failed, WorkerDied)
    lost = 0
    refused = False   # such a pool refused a new configuration (broken before it was sent)
    clean = False
    try:
        if owned is not None:
            _check_workers_start(owned, job)
        while queue or pending:
            while queue and len(pending) < max_pending and alone is None:
                i = queue[-1]
                if i in suspects and pending:
                    break
                try:
                    fut = executor.submit(_call, job, configs[i])
                except (BrokenProcessPool, OSError) as exc:
                    # a worker that dies while a submit starts a new one: CPython before 3.12 marks the pool broken
                    # and closes its queues without the submit's lock, and the submit, past its check, fails
                    # pickling a closed queue ('OSError: handle is closed'; a CI run of test_sweep). Any other
                    # OSError of a pool that is not broken is the caller's to see.
                    if isinstance(exc, OSError) and not getattr(executor, "_broken", False):
                        raise
                    if owned is None:
                        refused = True
                        break
                    owned = executor = _restart(owned)
                    generation += 1
                    continue
                # (a serial job ran in submit: its forked child returns here, before it could take another; an
                # executor that runs a job later returns it where the result is recorded, checked there)
                _check_home(home)
                queue.pop()
                pending[fut] = i
                born[fut] = generation
                sent[fut] = time.monotonic()
                if i in suspects:
                    alone = i
            finished, _ = cf.wait(list(pending), timeout=0.5, return_when=cf.FIRST_COMPLETED)
            broken = False
            requeued = 0
            for fut in sorted(finished, key=pending.__getitem__):
                i = pending.pop(fut)
                fut_generation = born.pop(fut)
                sent.pop(fut)
                try:
                    status, result, error, tb, seconds, worker = fut.result()
                except cf.CancelledError:
                    raise SweepError(f"the executor cancelled configuration {keys[i]}; the sweep stopped "
                                       f"(finished configurations are in the store: rerun to resume)") from None
                except Exception as exc:  # noqa: BLE001 - the worker died, the task could not be sent, ...
                    if isinstance(exc, BrokenProcessPool) and owned is None:
                        lost += 1
                        continue
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
                _check_home(home)
                if not db.put(keys[i], status, result, error, tb, seconds, worker):
                    # a 'done' row another process wrote meanwhile (a sweep that takes no lock: an nnpartition from
                    # before the lock, or a program of the user's; every sweep of this one takes it, and it holds on
                    # the local file system a store needs): it was counted "done" by this run
                    records[i] = db.stored(keys[i], configs[i])
                    found += 1
                    continue
                records[i] = _record(configs[i], status, result, error, seconds)
                if status == "done":
                    done += 1
                else:
                    failed += 1
                    bar.desc = f"{desc} ({failed} failed)"
            if timeout is not None and owned is not None and not broken:
                now = time.monotonic()
                late = sorted((pending[f] for f in pending if now - sent[f] > timeout and not f.done()))
                if late:
                    # stopped with their pool (a worker cannot be stopped alone); the others in flight run again
                    for i in late:
                        error = (f"Timeout: the configuration ran longer than timeout={timeout:g} s (from when it was "
                                 f"sent to a worker); its worker process was stopped")
                        if db.put(keys[i], "failed", None, error, None, timeout, ""):
                            records[i] = _record(configs[i], "failed", None, error, timeout)
                            failed += 1
                        else:   # (recorded done by another process meanwhile, as above)
                            records[i] = db.stored(keys[i], configs[i])
                            found += 1
                        if i == alone:
                            alone = None
                    again = sorted((i for i in pending.values() if i not in late), reverse=True)
                    queue.extend(again)   # pop() from the end: grid order, before the rest
                    requeued -= len(late)   # the bar counts the late ones as finished (the others were not)
                    pending.clear()
                    born.clear()
                    sent.clear()
                    alone = None
                    bar.desc = f"{desc} ({failed} failed)"
                    broken = True
            if broken and owned is not None:
                # A worker process died (crash, out of memory, killed), or one ran past timeout=: the rest go on
                # in a fresh pool; what was in flight runs again (after a death, one at a time).
                owned = executor = _restart(owned)
                generation += 1
            if lost or refused:
                flight = lost + len(pending)
                raise SweepError(
                    f"a worker process of the executor died (crash, out of memory or killed) "
                    f"{f'with {flight} configuration(s) in flight' if flight else 'before this sweep sent it work'}; "
                    f"that process pool is broken and the sweep cannot replace it, so it stopped without recording "
                    f"what was in flight (the finished configurations are in "
                    f"the store): run the sweep again with a new executor to resume, or with workers=N, whose pool "
                    f"the sweep restarts, running what was in flight one at a time to find a configuration that "
                    f"kills its worker")
            bar.update(len(finished) - requeued)
        clean = True
    finally:
        if os.getpid() != home:
            # a forked child leaving (_check_home): the bar, the futures, a pool and a client are its parent's (the
            # bar, closed or collected here, would draw on the parent's terminal)
            bar.disable = True
        else:
            bar.close()
            if owned is None or clean:
                for fut in pending:
                    fut.cancel()
            # (the sweep's own pool, stopped: the kill below settles its queued futures in the pool's thread; one
            # the sweep cancelled first could meet that thread marking it broken, and Python 3.11's printed a
            # traceback)
            if owned is not None:
                if clean:
                    owned.shutdown(wait=True)
                else:
                    _kill_pool(owned)
            if client is not None:
                client.close()
    return done, failed, found


def _restart(pool: cf.ProcessPoolExecutor) -> cf.ProcessPoolExecutor:
    _kill_pool(pool)
    return _local_pool(pool._max_workers)  # type: ignore[attr-defined]


def _check_picklable(job: Callable[..., Any]) -> None:
    try:
        pickle.dumps(job)
    except Exception as exc:  # noqa: BLE001
        raise TypeError(f"job must be a picklable top-level function (importable by the worker processes), "
                        f"got {job!r}: {exc}") from None


def _main_is_importable() -> bool:
    """Whether this process's ``__main__`` is a script file that spawned workers re-run (a notebook, an interactive
    session, ``python -c`` and a script read from stdin are not)."""
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return isinstance(path, str) and os.path.isfile(path)


def _probe(job: bytes) -> Optional[str]:
    """Run in a worker: load the pickled ``job`` as each configuration will, and say why that fails (None: it
    loads). See :func:`_check_workers_start`."""
    try:
        pickle.loads(job)
    except Exception as exc:  # noqa: BLE001 - reported to the driver
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_workers_start(pool: cf.ProcessPoolExecutor, job: Callable[..., Any]) -> None:
    """Before any configuration runs, have one worker of ``pool`` load ``job`` (:func:`_probe`). A job that spawned
    workers cannot import (defined in the ``__main__`` of a notebook, an interactive session, ``python -c``, a
    script on stdin or a package's ``__main__.py``; or bound to such an object) raises a ``TypeError``, and a pool
    whose workers die as they start (spawn re-runs the main script, which fails for a script read from stdin) a
    ``RuntimeError``: once, instead of recording every configuration as failed."""
    try:
        error = pool.submit(_probe, pickle.dumps(job)).result()
    except BrokenProcessPool:
        if _main_is_importable():
            where = (": check that the main script has the `if __name__ == \"__main__\":` guard and imports without "
                     "error in a fresh process")
        else:
            where = (" (this process's main script is not a file, e.g. a script read from stdin, and spawn must "
                     "re-run it in each worker): run the script from a file (with the `if __name__ == "
                     "\"__main__\":` guard)")
        raise SweepError("the sweep's worker processes died as they started" + where + ", or pass workers=1 "
                           "to run the sweep in this process") from None
    if error is not None:
        raise TypeError(f"job {_job_name(job)} cannot be loaded by the sweep's worker processes ({error}): they "
                        "are started with spawn and import it by name, so define it (and what it is bound to) in "
                        "a module, not in a notebook, an interactive session or a script's __main__ that they "
                        "cannot import (a .py file next to the notebook works), or pass workers=1 to run it in "
                        "this process")
