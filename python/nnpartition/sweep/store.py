"""The sweep store: one SQLite file in WAL mode, one row per configuration.

Only the process that calls :func:`nnpartition.sweep.run` opens it; workers
never do. One sweep at a time: :class:`_Lock`. Every problem with the file (missing, a directory, read-only
for a sweep to write, where :func:`load` reads it, not a sweep store,
corrupted, a row that is not valid JSON, in use by another sweep, held locked by another process
beyond :data:`BUSY_TIMEOUT` seconds) is a :class:`StoreError`
(a ``ValueError``) whose one-line message names the file and what to do.
See ``docs/sweep.md`` for the format.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import stat
import warnings
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, Union

import numpy as np

from .._core import __version__
from .._files import file_path

__all__ = ["BUSY_TIMEOUT", "STORE_FORMAT", "STORE_VERSION", "StoreError", "load"]

#: ``meta.format`` of a sweep store.
STORE_FORMAT = "nnpartition-sweep"
#: ``meta.version`` of the store layout written by this module.
STORE_VERSION = 1

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


#: Seconds to wait for a store that another process holds locked before giving up with :class:`StoreError`.
BUSY_TIMEOUT = 30.0


class StoreError(ValueError):
    """A sweep store that cannot be used: the message names the file and the fix."""


class _Unlockable(StoreError):
    """A store whose lock file cannot be made or locked (no other sweep holds it: nothing can)."""


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


# --------------------------------------------------------------------------- the store

class _Lock:
    """The OS lock that makes a store one running sweep's at a time: ``filelock``'s lock (``flock`` on Unix,
    ``LockFileEx`` on Windows) on the file :func:`lock_path` beside the store, taken at once or refused with a
    :class:`StoreError` naming the store and, where it can, who holds it.

    The operating system releases it however the holder ends (returns, raises, Ctrl-C, SIGTERM, SIGKILL, a crash):
    nothing is left to clean up by hand. A child the holder makes with ``fork()`` (a job's own ``multiprocessing``
    pool, whose start method is fork on Linux before Python 3.14) closes its copy of the lock's descriptor at once
    and holds nothing (:func:`_forget_in_child`): with filelock 3 (Python 3.9 and 3.10 get no other) the copy kept
    the store locked after a killed sweep until every such child ended. Who holds it is written into a small text
    file beside it (``<lock>.owner``: pid, host, start time), read back only for the refusal's message; one left by a
    killed holder blocks nothing (the lock is the truth, the text only informs), and names no one once its pid is
    gone.

    Example:
        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     first = _Lock(os.path.join(tmp, "grid.sqlite"))
        ...     try:
        ...         _Lock(os.path.join(tmp, "grid.sqlite"))
        ...     except StoreError as exc:
        ...         print(exc)
        ...     first.release()
        ...     _Lock(os.path.join(tmp, "grid.sqlite")).release()   # free again
        store '.../grid.sqlite' is in use by another sweep (pid ... on ..., since ...): one sweep writes a store at a
        time; wait for that one to end (run this one again then: it skips what that one recorded), or choose another
        store path
    """

    def __init__(self, store: str, *, announce: bool = True) -> None:
        from filelock import FileLock, Timeout

        self.path = lock_path(store)
        self.owner = self.path + ".owner"
        self.announced = announce
        #: whether this process holds the lock (False in a child made by ``fork()``: :meth:`_forget`)
        self.held = False
        self._fd: Optional[Tuple[int, Tuple[int, int]]] = None
        self._lock = FileLock(self.path)
        try:
            # made first, so that a lock file that cannot be made is said to be that (filelock 4 calls it held)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644))
            self._lock.acquire(timeout=0)   # at once: a second sweep waiting for the first would double its work
            self.held = True
            self._fd = _descriptor(self._lock)
            _HELD.add(self)
            _watch_forks()
        except Timeout:
            raise StoreError(f"store {store!r} is in use by another sweep{self._holder()}: one sweep writes a store "
                             f"at a time; wait for that one to end (run this one again then: it skips what that one "
                             f"recorded), or choose another store path") from None
        except OSError as exc:
            raise _Unlockable(f"store {store!r} cannot be written: its lock file {self.path!r} "
                              f"{_unmade(self.path, exc)}, or choose another store path") from None
        if not announce:   # (a check that lets it go at once)
            return
        try:   # (whole or not at all: a reader never sees half of it)
            text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": _now()})
            part = f"{self.owner}.{os.getpid()}.tmp"
            # (a symbolic link at that name, whose target it wrote over, is not followed: as the lock file's)
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
            with open(fd, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            os.replace(part, self.owner)
        except OSError:   # (only informs: the lock holds without it)
            pass

    def _holder(self) -> str:
        """`` (pid 12345 on host, since 2026-12-07T11:20:05.123+00:00)``, or ``""`` where that cannot be said."""
        try:
            with open(self.owner, encoding="utf-8") as f:
                owner = json.loads(f.read())
            pid, host, started = int(owner["pid"]), str(owner["host"]), str(owner["started"])
        except (OSError, ValueError, TypeError, KeyError):
            return ""
        if host == socket.gethostname() and not _alive(pid):   # a killed holder's text: the holder now is unknown
            return ""
        return f" (pid {pid} on {host}, since {started})"

    def release(self) -> None:
        """Let the next sweep have the store (the lock file stays: removing it could let two sweeps lock two
        files of one name). In a child made by ``fork()``, which holds nothing, it does nothing."""
        if not self.held:
            return
        self.held = False
        _HELD.discard(self)
        if self.announced:
            with contextlib.suppress(OSError):
                os.remove(self.owner)
        self._lock.release()

    def _forget(self) -> None:
        """In a child made by ``fork()``: close the child's copy of the lock's descriptor, and hold nothing.

        ``flock`` locks belong to the open file description, which parent and child share: the child's copy held
        the store locked after the parent was killed, until the child ended. Closing a copy unlocks nothing while
        the parent's is open; unlocking it (filelock's ``release``, or its ``__del__`` at the child's exit) would
        unlock the parent's lock too, so filelock's state in the child is told it holds none, and :meth:`release`
        (a child that unwinds through the sweep's ``finally``) leaves the parent's lock and its ``.owner`` text
        alone. (filelock 4 closes its copy itself, first; then the descriptor is no longer the lock file's, and
        only this object's state changes.)"""
        self.held = False
        if self._fd is None:
            return
        fd, identity = self._fd
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) == identity:   # (not a descriptor filelock closed and another file reused)
                os.close(fd)
        except OSError:
            pass
        context = getattr(self._lock, "_context", None)
        if getattr(context, "lock_file_fd", None) == fd:
            context.lock_file_fd = None   # type: ignore[union-attr]
            with contextlib.suppress(AttributeError):
                context.lock_counter = 0   # type: ignore[union-attr]


#: The :class:`_Lock` objects this process holds: a child made by ``fork()`` closes their descriptors
#: (:func:`_forget_in_child`).
_HELD: "weakref.WeakSet[_Lock]" = weakref.WeakSet()
#: Whether :func:`_forget_in_child` is registered to run in every child made by ``fork()``.
_WATCHING = False


def _descriptor(lock: Any) -> Optional[Tuple[int, Tuple[int, int]]]:
    """The descriptor by which filelock's ``lock`` holds its lock (filelock 3 and 4 keep it as
    ``_context.lock_file_fd``), with its file's device and inode; None where that cannot be read."""
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if not isinstance(fd, int):
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return fd, (st.st_dev, st.st_ino)


def _forget_in_child() -> None:
    """Run in every child made by ``fork()`` once a lock was taken: the child holds none of its parent's store
    locks (:meth:`_Lock._forget`)."""
    for lock in list(_HELD):
        lock._forget()
    _HELD.clear()


def _watch_forks() -> None:
    """Register :func:`_forget_in_child` for every ``fork()`` from now on (once; after filelock's own hooks, which
    its import registers, so that filelock 4 has closed its copy first). Not on Windows, which has no fork."""
    global _WATCHING
    if _WATCHING or not hasattr(os, "register_at_fork"):
        return
    os.register_at_fork(after_in_child=_forget_in_child)
    _WATCHING = True


def _unmade(path: str, exc: OSError) -> str:
    """Why the lock file ``path`` could not be made (``exc``), and the fix: what stands in its place (a symbolic link,
    which the lock never follows, or a folder; it was "make its folder writable" of a writable folder), else the
    error."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISLNK(mode):
        return "is a symbolic link (a lock file is never followed); remove it"
    if stat.S_ISDIR(mode):
        return "is a folder; remove it"
    return f"cannot be made or locked ({exc.strerror or exc}); make its folder writable"


def lock_path(store: str) -> str:
    """The lock file of a store: beside it, its name plus ``.lock`` (beside the file a symbolic link points to, so
    that every path to one store finds one lock).

    Example:
        >>> os.path.basename(lock_path("runs/grid.sqlite"))
        'grid.sqlite.lock'
    """
    return os.path.realpath(store) + ".lock"


def check_free(store: str) -> None:
    """A :class:`StoreError` if a sweep runs on ``store`` now (the command line's checks, before any work). It makes no
    file: without a lock file, no sweep holds the store."""
    if os.path.isfile(store) and os.path.exists(lock_path(store)):
        _Lock(store, announce=False).release()


def _alive(pid: int) -> bool:
    """Whether a process of this id runs on this host (one of another user's counts; on Windows, where
    ``os.kill`` would end it, every one does)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


class _Store:
    """One SQLite file in WAL mode; every write is its own (atomic) transaction. With ``lock``, the store is this
    sweep's until :meth:`close` (:class:`_Lock`)."""

    def __init__(self, path: Optional[PathLike], job: Optional[str], *, create: bool = True,
                 reading: bool = False, lock: bool = False) -> None:
        #: the process that opened the store: a child forked from it neither writes nor closes it (:meth:`_forked`)
        self.pid = os.getpid()
        if path is None:
            path = ":memory:"
        path = file_path(path, "store")
        self.path = os.fspath(path)
        #: whether opening this store gave it its job name (a new or unnamed store); see :meth:`release`
        self.claimed = False
        #: how a store opened to be read that this process cannot write is opened (:func:`_read_only`), else None
        self.read_only: Optional[str] = None
        #: the :func:`_state` of a store opened immutable, as it was before: it must not change while it is read
        self.state: Optional[Tuple[int, int, int, int]] = None
        #: the lock that makes the store this sweep's (``lock=``), released by :meth:`close`
        self.lock: Optional[_Lock] = None
        #: whether this process made the file (it was not there): one it made and left without a result is removed
        #: when opening it fails (a full disk)
        self.made = False
        #: while :meth:`_open` runs (what a full disk's message says)
        self.opening = False
        target = self.path
        if self.path != ":memory:":
            check_path(self.path, create=create, reading=reading)
            if reading:
                state = _state(self.path)
                self.read_only = _read_only(self.path, state[-1])
                self.state = state if self.read_only == "immutable=1" else None
                if self.read_only:
                    target = f"{Path(os.path.abspath(self.path)).as_uri()}?{self.read_only}"
            if create:
                try:
                    Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"store {self.path!r}: cannot create its folder ({exc.strerror}); "
                                     f"choose a path in a writable folder") from None
            self.made = not os.path.exists(self.path)
        try:
            try:
                self.db = sqlite3.connect(target, timeout=BUSY_TIMEOUT, isolation_level=None,
                                          uri=target != self.path)
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            try:
                if lock and self.path != ":memory:":
                    # before anything is written (a second sweep leaves the store as it was), after another
                    # program's file is refused (reading only): no lock file is left beside it
                    try:
                        self._foreign()
                    except sqlite3.Error as exc:
                        raise self._error(exc) from None
                    self.lock = _Lock(self.path)
                self.opening = True
                try:
                    self._open(job, reading)
                finally:
                    self.opening = False
                    self.unchanged()
            except BaseException as exc:
                self.db.close()
                self._remove_made(unlockable=isinstance(exc, _Unlockable))
                raise
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise

    def _remove_made(self, unlockable: bool = False) -> None:
        """Remove the store this process made, with its ``-wal`` and ``-shm`` files, if it holds no result (a disk
        that was full before its first row left a file of no use, named as a store; only under :class:`_Lock`,
        which no other sweep writing it can hold). Where the lock file cannot be made (``unlockable``: no sweep can
        hold the store), the empty file SQLite made as it connected is removed, and nothing else."""
        if not self.made:
            return
        if self.lock is None:
            if unlockable:
                with contextlib.suppress(OSError):
                    if os.path.getsize(self.path) == 0 and not os.path.exists(self.path + "-wal"):
                        os.remove(self.path)
            return
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=0)) as db:
                if "results" in {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")} \
                        and db.execute("SELECT 1 FROM results LIMIT 1").fetchone() is not None:
                    return
        except sqlite3.Error:
            pass
        for name in (self.path, self.path + "-wal", self.path + "-shm"):
            with contextlib.suppress(OSError):
                os.remove(name)

    def unchanged(self) -> None:
        """A :class:`StoreError` if this store, opened immutable (:func:`_read_only`), changed since: what was read
        of it may be torn, or stale. (Raised also in place of an error that change caused, such as "corrupted".)"""
        if self.state is None:
            return
        try:
            now: Optional[Tuple[int, int, int, int]] = _state(self.path)
        except OSError:   # (moved away, or replaced, meanwhile)
            now = None
        if now != self.state:
            raise StoreError(f"store {self.path!r} changed while it was read (a sweep writes to it): load it again")

    def _error(self, exc: BaseException) -> StoreError:
        """The one-line :class:`StoreError` for an SQLite failure on this store."""
        text = str(exc)
        if self.read_only == "mode=ro" and ("readonly" in text or "read-only" in text or "unable to open" in text):
            return StoreError(f"store {self.path!r} cannot be read: it is read-only here and its write-ahead log "
                              f"{self.path + '-wal'!r} may hold rows not yet in the file, which SQLite reads through "
                              f"{self.path + '-shm'!r}, a file it cannot open or create here ({text}); load it where "
                              f"its folder is writable, or copy the store and its -wal file to a writable folder "
                              f"and load the copy")
        if "locked" in text or "busy" in text:
            return StoreError(f"store {self.path!r} is locked by another process (waited {BUSY_TIMEOUT:g} s); "
                              f"wait for that process to finish, or use another store path")
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return StoreError(f"store {self.path!r} cannot be written ({text}); make the file and its folder "
                              f"writable, or choose another path")
        if "disk is full" in text or "disk I/O error" in text:
            # the store is fine (every committed row stays, the file is never corrupt): it was called "not a usable
            # sweep store", which told a user whose disk had filled to throw away a valid store
            head = f"store {self.path!r} cannot be written: its disk is full, or failed ({text}); "
            if self.opening and self.made and self.lock is not None:
                # (it said "the configurations already recorded are kept" of a new store, left as an empty file)
                return StoreError(head + "no configuration was recorded, and the empty store this sweep made is "
                                  "removed: free space, then run the sweep again")
            n = self._recorded()
            if n == 0:
                return StoreError(head + "no configuration is recorded in it yet: free space (or move the store "
                                  "and its -wal file), then run the sweep again")
            kept = "the configurations already recorded are kept" if n is None else \
                f"the {n} configuration(s) already recorded are kept"
            return StoreError(head + kept + ": free space (or move the store and its -wal file), then run the "
                              "same sweep again to resume")
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return StoreError(f"store {self.path!r} is corrupted or not an SQLite file ({text}); "
                              f"move it aside and start a new store")
        return StoreError(f"store {self.path!r} is not a usable sweep store: {text}")

    def _recorded(self) -> Optional[int]:
        """Rows of ``results`` (reading needs no space on a full disk); None where that cannot be read."""
        try:
            return int(self.db.execute("SELECT count(*) FROM results").fetchone()[0])
        except (sqlite3.Error, AttributeError):
            return None

    def _tables(self) -> Set[str]:
        return {name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _not_a_store(self) -> StoreError:
        return StoreError(f"store {self.path!r} is an SQLite database but not an nnpartition sweep store; choose "
                          f"another path")

    def _meta(self) -> Dict[str, Any]:
        """The ``meta`` table as a dict; a ``meta`` table of other columns (another program's) is not a store."""
        try:
            return dict(self.db.execute("SELECT key, value FROM meta"))
        except sqlite3.OperationalError as exc:
            if "no such column" in str(exc):   # (it was "not a usable sweep store: no such column: key")
                raise self._not_a_store() from None
            raise

    def _foreign(self) -> None:
        """Refuse, reading only, a database with tables that is not a sweep store: one without a ``meta`` table,
        with a ``meta`` of other columns or of another format, or with an empty ``meta`` and no ``results`` (a store
        is made in one transaction: its two tables and its ``meta`` rows, or nothing)."""
        tables = self._tables()
        if not tables:
            return
        if "meta" not in tables:
            raise self._not_a_store()
        meta = self._meta()
        if meta and meta.get("format") != STORE_FORMAT:
            raise self._other_format()
        if not meta and "results" not in tables:
            raise self._not_a_store()

    def _other_format(self) -> StoreError:
        return StoreError(f"store {self.path!r} is not an nnpartition sweep store; choose another path")

    def _open(self, job: Optional[str], reading: bool = False) -> None:
        try:
            # a store opened to be read that holds no table is none: load() of an empty file gave [] and wrote a
            # new store's tables into it (and WAL mode, before anything is read)
            # ... and one opened to be read is checked before anything is written: another SQLite database was
            # put in WAL mode, or given a store's tables, before load() refused it (a review)
            if reading:
                tables = self._tables()
                if not tables:
                    raise StoreError(f"store {self.path!r} is empty (an empty file, or an SQLite database without "
                                     f"tables): no sweep has written to it; check the path")
                if not {"meta", "results"} <= tables:
                    raise self._not_a_store()
            else:
                # another program's database is refused before anything is written to it: WAL mode, which is
                # persistent, was set first (rewriting the file's header and leaving -wal and -shm files beside it),
                # and one with a table named meta (key, value) was given a results table, before the refusal
                self._foreign()
                self.db.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: a committed row survives the process being killed at any
                # instant; after a power cut the last rows may be missing (they run again),
                # the file is never corrupt.
                self.db.execute("PRAGMA synchronous=NORMAL")
            with self._transaction("BEGIN" if reading else "BEGIN IMMEDIATE"):
                if not reading:   # (under the write lock: another process may be making the same store)
                    tables = self._tables()
                    if tables and "meta" not in tables:
                        raise self._not_a_store()
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                meta = self._meta()
                if not meta and reading:
                    raise self._not_a_store()
                created = not meta
                if created:   # (the package's version: a key of its own, which earlier versions neither wrote nor read)
                    meta = {"format": STORE_FORMAT, "version": str(STORE_VERSION), "job": "", "created": _now(),
                            "nnpartition": __version__}
                    self.db.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", list(meta.items()))
                self.claimed = bool(job) and meta.get("format") == STORE_FORMAT and not meta.get("job")
                if self.claimed:
                    self.db.execute("UPDATE meta SET value = ? WHERE key = 'job'", (job,))
                    meta["job"] = job
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        if meta.get("format") != STORE_FORMAT:
            raise self._other_format()
        if meta.get("version") != str(STORE_VERSION):
            raise StoreError(f"store {self.path!r} has layout version {meta.get('version')}, "
                             f"this nnpartition reads version {STORE_VERSION}; open it with the nnpartition that "
                             f"wrote it, or start a new store")
        if job and meta["job"] != job:
            raise StoreError(f"store {self.path!r} holds results of job {meta['job']}, not {job}"
                             f"{_differences(meta['job'], job)}; use another store path for another job or other "
                             f"job settings")
        # the nnpartition version that created the store (None: one from before stores recorded it)
        by = meta.get("nnpartition")
        if job and not created and by not in (None, __version__):
            # (stacklevel: _open, __init__, run, its caller)
            warnings.warn(f"store {self.path!r} was created by nnpartition {by}, this is nnpartition {__version__}: "
                          f"its rows and the ones added now may differ where the two versions do; continue it with "
                          f"nnpartition {by} to keep one version's rows", UserWarning, stacklevel=4)

    def _forked(self) -> bool:
        """Whether this is a child forked from the process that opened the store (a serial job's ``os.fork()`` whose
        child returned into the sweep instead of calling ``os._exit``): its copy of the connection is its parent's,
        which SQLite forbids it to use, so it writes nothing (:meth:`put` refuses, :meth:`release` does nothing) and
        :meth:`close` leaves the connection open."""
        return os.getpid() != self.pid

    def release(self) -> None:
        """Give back the job name this store took when it was opened (``claimed``) if it still holds no result: a
        sweep refused before its first result (a job its workers cannot load) leaves the store to the job that
        replaces it. A store another sweep has written to keeps its job. (Nothing in a forked child.)"""
        if not self.claimed or self._forked():
            return
        try:
            with self._transaction():
                if self.db.execute("SELECT 1 FROM results LIMIT 1").fetchone() is None:
                    self.db.execute("UPDATE meta SET value = '' WHERE key = 'job'")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        self.claimed = False

    @contextlib.contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
        """``BEGIN IMMEDIATE`` (or ``begin``: a plain ``BEGIN`` to read) ... ``COMMIT``, rolled back if the body
        raises (SQLite errors pass through)."""
        self.db.execute(begin)
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def query(self, sql: str, params: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
        """All rows of one statement; SQLite errors become :class:`StoreError`."""
        try:
            return list(self.db.execute(sql, params))
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def rows(self) -> Dict[str, Tuple[str, Optional[str], Optional[str], Optional[float]]]:
        cur = self.query("SELECT config, status, result, error, seconds FROM results")
        return {c: (s, r, e, t) for c, s, r, e, t in cur}

    def put(self, key: str, status: str, result: Optional[str], error: Optional[str], tb: Optional[str],
            seconds: float, worker: str) -> bool:
        """Record one configuration; False where the store kept the row it had (a 'done' one). A forked child
        (:meth:`_forked`) is refused with a ``RuntimeError``."""
        if self._forked():
            raise RuntimeError(f"store {self.path!r} was opened by process {self.pid}: a process forked from it "
                               f"(pid {os.getpid()}) cannot write to it; a child forked in a sweep's job must end "
                               f"with os._exit() instead of returning")
        # One statement = one transaction: the row is there in full or not at all.
        # A 'done' row is never replaced; a 'failed' one is, by a new attempt.
        try:
            return self.db.execute(
                "INSERT INTO results(config, status, result, error, traceback, seconds, attempts, worker, finished) "
                "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) "
                "ON CONFLICT(config) DO UPDATE SET status=excluded.status, result=excluded.result, "
                "error=excluded.error, traceback=excluded.traceback, seconds=excluded.seconds, "
                "attempts=results.attempts + 1, worker=excluded.worker, finished=excluded.finished "
                "WHERE results.status = 'failed'",
                (key, status, result, error, tb, seconds, worker, _now())).rowcount > 0
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def stored(self, key: str, config: Dict[str, Any]) -> Dict[str, Any]:
        """The record the store holds for ``key``."""
        (status, result, error, seconds), = self.query("SELECT status, result, error, seconds FROM results "
                                                        "WHERE config = ?", (key,))
        return self.record(config, status, result, error, seconds)

    def record(self, config: Dict[str, Any], status: str, result: Optional[str], error: Optional[str],
               seconds: Optional[float]) -> Dict[str, Any]:
        """A record as :func:`~nnpartition.sweep.run` returns it; a row whose JSON is broken is a StoreError."""
        try:
            return _record(config, status, result, error, seconds)
        except ValueError as exc:
            raise StoreError(f"store {self.path!r}: the row of configuration {config!r} holds broken JSON "
                             f"({exc}); delete that row or start a new store") from None

    def close(self) -> None:
        """Close the connection and release the lock; in a forked child (:meth:`_forked`), which holds no lock, the
        connection is its parent's: it is kept open, never used (:data:`_PARENTS`)."""
        try:
            if self._forked():
                _PARENTS.append(self.db)
            else:
                self.db.close()
        finally:
            if self.lock is not None:
                self.lock.release()
                self.lock = None


#: Connections a forked child inherited from the process that opened their stores (:meth:`_Store.close`): kept, so
#: that the child closes none while it runs (SQLite's rule: a connection is never used across ``fork()``).
_PARENTS: List[sqlite3.Connection] = []


def check_path(path: str, *, create: bool = True, reading: bool = False) -> None:
    """Refuse a store path that cannot work, before any work starts (a one-line :class:`StoreError`). A store
    opened for ``reading`` needs only to be readable (:func:`_read_only`).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     check_path(tmp)
        Traceback (most recent call last):
        ...
        nnpartition.sweep.store.StoreError: store '...' is a directory; give a file path such as .../grid.sqlite
    """
    if not path:   # Path("") is ".": it was called "a directory"
        raise StoreError("store '' is an empty path; give a file path such as grid.sqlite")
    if path.startswith("file:"):   # a URI would have its folders created under ./file: before SQLite refused it
        raise StoreError(f"store {path!r} is a URI; give a plain file path such as grid.sqlite")
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"store {path!r} is a directory; give a file path such as {os.path.join(path, 'grid.sqlite')}")
    if path.endswith(("/", os.sep)):   # Path drops the separator: 'runs/' became a file named runs
        raise StoreError(f"store {path!r} names a folder (it ends with {path[-1]!r}); give a file path such as "
                         f"{os.path.join(path, 'grid.sqlite')}")
    if p.exists():
        if reading:
            if not os.access(p, os.R_OK):
                raise StoreError(f"store {path!r} is not readable (permission denied); make it readable or load a "
                                 f"readable copy")
            return
        if not os.access(p, os.R_OK | os.W_OK):
            raise StoreError(f"store {path!r} is read-only (or unreadable); make it writable or choose another path")
        folder = p.parent if str(p.parent) else Path(".")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(f"store {path!r} is in the read-only folder {str(folder)!r} (SQLite writes its "
                             f"journal next to the file); make the folder writable or move the store")
        return
    if not create:
        raise StoreError(f"store {path!r} does not exist")
    folder = p.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():   # it was called a folder that "is not writable"
        raise StoreError(f"store {path!r} cannot be created: {str(folder)!r} is a file, not a folder; "
                         f"choose a path in a writable folder")
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"store {path!r} cannot be created: the folder {str(folder)!r} is not writable; "
                         f"choose a path in a writable folder")


def _read_only(path: str, wal: int) -> Optional[str]:
    """How :func:`load` opens an existing store that this process cannot write (the file, or the folder where SQLite
    keeps its ``-wal`` and ``-shm`` files: permissions, a read-only file system), as SQLite URI parameters; None for
    a writable store, opened as it always was.

    ``immutable=1`` when the store has no write-ahead log (no ``-wal`` file, or an empty one): every row is in the
    file, and SQLite reads it without locks and without creating a ``-shm`` file, which it could not in a read-only
    folder (``mode=ro`` fails there: "attempt to write a readonly database") and would leave behind in a writable
    one, owned by the reader with the file's read-only permissions. That is safe while nothing writes the file; a
    sweep that writes it holds a non-empty ``-wal`` from its first row on, and :func:`load` checks that the file
    did not change while it read it (:func:`_state`). ``mode=ro`` when the log holds rows (a sweep runs, or was
    stopped): SQLite reads them through the existing ``-shm`` (immutable would not see them). ``wal``: the size of
    the ``-wal`` file (-1: none)."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if os.access(p, os.W_OK) and os.access(folder, os.W_OK | os.X_OK):
        return None
    return "immutable=1" if wal <= 0 else "mode=ro"


def _state(path: str) -> Tuple[int, int, int, int]:
    """What writing a store changes: its file's inode, size and modification time, and its ``-wal`` file's size
    (-1 without one)."""
    st = os.stat(path)
    try:
        wal = os.stat(path + "-wal").st_size
    except FileNotFoundError:
        wal = -1
    return st.st_ino, st.st_size, st.st_mtime_ns, wal


def _differences(stored: str, new: str, most: int = 4) -> str:
    """``"; they differ in ..."``: where two job identities (``module:name`` and the JSON of its bound settings,
    :func:`~nnpartition.sweep.executor._job_name`) differ, for the message that refuses a store of another job
    (both were written whole, hundreds of characters each, for the user to compare); ``""`` where it cannot say.

    Example:
        >>> _differences('m:f{"kwargs":{"p":{"lr":0.5,"steps":10},"seed":0}}',
        ...             'm:f{"kwargs":{"p":{"lr":0.5,"steps":20}}}')
        '; they differ in kwargs.p.steps (20 here, 10 in the store), kwargs.seed (absent here, 0 in the store)'
        >>> _differences("m:f", "m:g")
        '; they differ in the job (m:g here, m:f in the store)'
    """
    cut = [min((x.find(c) for c in "{#" if c in x), default=len(x)) for x in (stored, new)]
    (name_a, rest_a), (name_b, rest_b) = ((x[:i], x[i:]) for x, i in zip((stored, new), cut))
    if name_a != name_b:
        return f"; they differ in the job ({name_b} here, {name_a} in the store)"
    try:
        a, b = (json.loads(r) if r else {} for r in (rest_a, rest_b))
    except ValueError:   # (a digest of settings JSON could not write: nothing to name)
        return ""
    found: List[str] = []
    absent = object()

    def text(value: Any) -> str:
        return "absent" if value is absent else json.dumps(value, sort_keys=True, separators=(",", ":"))

    def walk(x: Any, y: Any, where: str) -> None:
        if x == y or len(found) > most:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                walk(x.get(k, absent), y.get(k, absent), f"{where}.{k}" if where else str(k))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, w) in enumerate(zip(x, y)):
                walk(u, w, f"{where}[{i}]")
        else:
            found.append(f"{where or 'the settings'} ({text(y)} here, {text(x)} in the store)")

    walk(a, b, "")
    if not found:
        return ""
    more = " and more" if len(found) > most else ""
    return "; they differ in " + ", ".join(found[:most]) + more


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _record(config: Dict[str, Any], status: str, result: Optional[str], error: Optional[str],
            seconds: Optional[float]) -> Dict[str, Any]:
    return {"config": config, "status": status, "result": json.loads(result) if result is not None else None,
            "error": error, "seconds": seconds}


def load(store: PathLike) -> List[Dict[str, Any]]:
    """Every record of an existing store, in the order they were first written.

    Each record is ``{"config", "status", "result", "error", "seconds"}`` as
    :func:`~nnpartition.sweep.run` returns them (``config`` decoded from its canonical JSON). A store this process
    cannot write (the file, its folder, a read-only file system) is read read-only, as :func:`_read_only` says.

    Example:
        >>> import tempfile, os
        >>> from nnpartition.sweep import run
        >>> from nnpartition._sweep_jobs import toy
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "toy.sqlite")
        ...     _ = run([{"x": 2}, {"x": 5, "fail": True}], toy, store=path, workers=1, progress=False)
        ...     [(r["config"]["x"], r["status"], r["error"]) for r in load(path)]
        [(2, 'done', None), (5, 'failed', 'ValueError: configured to fail (x=5)')]
    """
    s = _Store(store, None, create=False, reading=True)
    try:
        out = []
        try:
            for c, st, r, e, t in s.query("SELECT config, status, result, error, seconds FROM results "
                                          "ORDER BY rowid"):
                try:
                    config = json.loads(c)
                except ValueError as exc:
                    raise StoreError(f"store {s.path!r}: a row's configuration is broken JSON ({exc}): {c!r}; "
                                     f"delete that row or start a new store") from None
                out.append(s.record(config, st, r, e, t))
        finally:
            s.unchanged()
        return out
    finally:
        s.close()


def _rows_and_job(path: str) -> Tuple[int, str]:
    """The results a store holds and the job they are of (``""``: none named yet)."""
    s = _Store(path, None, create=False)
    try:
        rows = int(s.query("SELECT count(*) FROM results")[0][0])
        job = s.query("SELECT value FROM meta WHERE key = 'job'")
        return rows, str(job[0][0]) if job else ""
    finally:
        s.close()
