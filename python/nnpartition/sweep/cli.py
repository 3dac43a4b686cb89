"""Command-line glue of sweeps: the shared ``--workers/--scheduler/--store/--resume/--retry-failed`` options.

Every command that runs a grid adds them with :func:`add_sweep_arguments`
and reads them back with :func:`executor_from_args` and
:func:`store_from_args`, so contradictory or ignored combinations
(``--resume`` without ``--store``, ``--workers 0``, ``--workers`` with
``--scheduler``) are refused the same way everywhere, before any work.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
from pathlib import Path
from typing import Any, Callable, Optional, Tuple

from .. import _validate as v
from .._cli.common import integer
from .executor import DASK_HINT, MAX_WORKERS, _dask_client, _job_name
from .store import _differences, _rows_and_job, check_free

__all__ = ["add_sweep_arguments", "executor_from_args", "store_from_args"]

# --------------------------------------------------------------------------- command-line helpers

def add_sweep_arguments(parser: argparse.ArgumentParser, *,
                        workers_default: str = "all cores") -> argparse.ArgumentParser:
    """Add ``--workers``, ``--scheduler``, ``--store``, ``--resume`` and ``--retry-failed`` to ``parser``.

    ``workers_default`` is what ``--workers``' help gives as its default: what the command does without it (a command
    that runs in its own process unless a sweep option is given says so).

    Example:
        >>> p = add_sweep_arguments(argparse.ArgumentParser())
        >>> a = p.parse_args(["--workers", "2", "--store", "grid.sqlite", "--resume"])
        >>> a.workers, a.scheduler, a.store, a.resume, a.retry_failed
        (2, None, 'grid.sqlite', True, False)
    """
    g = parser.add_argument_group("sweep execution")
    g.add_argument("--workers", type=integer, default=None, metavar="N",
                   help=f"local worker processes (default: {workers_default}; 1 = run in this process)")
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
        v.count("--workers", workers, minimum=1, maximum=MAX_WORKERS)
    if scheduler is None:
        return None, lambda: None
    if workers is not None:
        raise ValueError("--workers applies to the local pool; with --scheduler the cluster's workers run the jobs")
    client = _dask_client(scheduler)
    return client.get_executor(), client.close


def store_from_args(args: argparse.Namespace, job: Optional[Callable[..., Any]] = None) -> Optional[str]:
    """The ``--store`` path to pass to :func:`run`, after checking ``--resume``.

    A store that already holds results is continued only with ``--resume``
    (otherwise ``ValueError``, so a finished sweep is not silently reused);
    ``--resume`` or ``--retry-failed`` without ``--store``, and ``--resume``
    with a store path where no file is, are each a ``ValueError``. With the ``job`` to be run, a store that holds
    another job's results is a ``ValueError`` saying so first (``--resume`` was advised, which :func:`run` then
    refused: a store continues only its own job). A store a running sweep holds is a ``StoreError`` naming it (one sweep
    writes a store at a time). Without ``--store`` it returns ``None`` (nothing durable).

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
    if resume and not path.exists():   # a mistyped path started a new sweep without a word
        raise ValueError(f"--resume: there is no store at {store} to continue (a mistyped path?); leave --resume "
                         "out to start a new sweep there")
    # a sweep running on it: said first (it was told "pass --resume", which then ran every configuration again)
    check_free(str(path))
    if path.is_file() and path.stat().st_size > 0 and (job is not None or not resume):
        n, recorded = _rows_and_job(str(path))
        name = "" if job is None else _job_name(job)
        if n and recorded and name and recorded != name:
            raise ValueError(f"--store {store} holds {n} result(s) of another job or other job settings "
                             f"({recorded}), not of this one ({name}){_differences(recorded, name)}; a store continues "
                             f"only its own job: choose a new path")
        if n and not resume:
            raise ValueError(f"--store {store} already holds {n} finished configuration(s): pass --resume to "
                             f"continue that sweep (finished ones are skipped) or choose a new path")
    return str(store)
