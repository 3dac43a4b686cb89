"""Resource limits every call is checked against before it allocates (``rust/src/limits.rs``).

Three process-wide limits, stated once in the Rust core:

* ``max_params``: trainable parameters of one network (trainers, simulations);
* ``max_bytes``: memory one call may reserve (datasets, pattern tables, codes,
  exact big integers, per-thread buffers);
* ``max_work``: elementary steps one call may do (training steps x batch x
  parameters, teacher SGD) before it must be raised on purpose.

A request beyond a limit is refused up front with a ``ValueError`` that names
the limit and how to raise it. Functions that take their own ``max_work=``
(``regions_in_box``) use that value instead. Long calls are interruptible: a
Ctrl-C raises ``KeyboardInterrupt`` within a few milliseconds of work, with all
worker threads stopped (see ``docs/limits.md``).
"""

from __future__ import annotations

import contextvars
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional, TypeVar

import numpy as np

from . import _core
from . import _validate as v

__all__ = ["Limits", "DEFAULT_LIMITS", "get_limits", "set_limits", "override"]

_U64 = 2**64 - 1
_T = TypeVar("_T")


@dataclass(frozen=True)
class Limits:
    """The three limits: parameters per network, bytes per call, work per call.

    Attributes:
        max_params: largest parameter count of one network.
        max_bytes: largest memory one call may reserve, in bytes.
        max_work: largest work of one call, in elementary steps.
    """

    max_params: int
    max_bytes: int
    max_work: int


#: The limits a fresh process starts with (``max_bytes``: 8 GiB, at most half the memory and half of what ``ulimit -v``
#: leaves above the process and its threads; docs/limits.md).
DEFAULT_LIMITS = Limits(*_core.DEFAULT_LIMITS)


def get_limits() -> Limits:
    """The limits in force.

    Example:
        >>> from nnpartition.limits import get_limits, DEFAULT_LIMITS
        >>> get_limits() == DEFAULT_LIMITS
        True
        >>> DEFAULT_LIMITS.max_bytes <= 8 * 2**30  # 8 GiB, less on a small machine
        True
    """
    return Limits(*_core.get_limits())


def _check_bytes(what: str, nbytes: float, fix: str) -> None:
    """Refuse ``what`` (a ``ValueError``) when the ``nbytes`` it would allocate pass ``max_bytes``, before the caller
    allocates anything; ``fix`` says how to ask for less. For the Python-side tables the core does not allocate.

    Example:
        >>> _check_bytes("a small table", 1e3, "use a smaller one")
    """
    limit = get_limits().max_bytes
    if nbytes > limit:
        raise ValueError(f"{what} needs about {nbytes / 2**30:.3g} GiB, above the limit of {limit / 2**30:.3g} GiB "
                         f"(max_bytes); {fix}, or raise the limit with nnpartition.limits.set_limits(max_bytes=...)")


def _check_params(what: str, params: float, fix: str) -> None:
    """Refuse ``what`` (a ``ValueError``) when its ``params`` trainable parameters pass ``max_params``, before the
    caller draws or allocates anything; the core makes the same check when the call reaches it.

    Example:
        >>> _check_params("a network of 10 x 10 weights", 100, "use a smaller network")
    """
    limit = get_limits().max_params
    if params > limit:
        raise ValueError(f"{what} has {params:.4e} parameters, above the limit of {limit} (max_params); {fix}, or "
                         "raise the limit with nnpartition.limits.set_limits(max_params=...)")


def _check_work(what: str, steps: float, fix: str) -> None:
    """Refuse ``what`` (a ``ValueError``) when its ``steps`` (the core's elementary steps, about 1e9 a second) pass
    ``max_work``, before the caller starts; ``fix`` says how to ask for less. For the Python-side loops.

    Example:
        >>> _check_work("a short loop", 1e3, "ask for less")
        >>> try:
        ...     _check_work("a long loop", 1e20, "ask for less")
        ... except ValueError as e:
        ...     print(str(e).split(";")[0])
        a long loop takes about 1e+20 steps, above the limit of 1e+13 (max_work)
    """
    limit = get_limits().max_work
    if steps > limit:
        raise ValueError(f"{what} takes about {steps:.3g} steps, above the limit of {float(limit):.3g} (max_work); "
                         f"{fix}, or raise the limit with nnpartition.limits.set_limits(max_work=...)")


def _block_entries() -> int:
    """Entries of one block of a float64 table that Python code computes a block of rows at a time (a network's
    logits, a 1-D network's pieces): 2^22 (32 MiB), fewer when ``max_bytes`` is small (a block and numpy's
    temporaries of it, four copies, within ``max_bytes``), at least 1024.

    Example:
        >>> _block_entries() <= 2**22
        True
    """
    return max(1024, min(2**22, get_limits().max_bytes // 32))


def _block_rows(width: int) -> int:
    """Rows of one block of a float64 table ``width`` entries wide (:func:`_block_entries`; at least one row): how
    Python code computes a table of points x units a block of rows at a time instead of whole.

    Example:
        >>> _block_rows(10**9)
        1
    """
    return max(1, _block_entries() // max(1, width))


def _load_numpy_api() -> None:
    """Have the native module look numpy's C API up now, at import, rather than inside the first call that takes or
    returns an array.

    The lookup runs Python code (numpy's version check). A Ctrl-C that arrived while the first long call was
    finishing was still pending then, raised inside the lookup, and reached the caller as ``PanicException:
    Failed to access NumPy array API capsule`` with a Rust backtrace instead of ``KeyboardInterrupt`` (found by
    interrupting ``nnpartition validate`` in the sixty-sixth pass on issue 11). One call with an (empty) array in
    and arrays out makes both lookups (the array API and the borrow checker's); later calls run no Python code. It
    is one that starts no thread (a worker thread would leave its memory arena mapped, and the rayon pool its
    threads, in every process that imports the package) and computes nothing.
    """
    _core.estimate_from_partition(1.0, 1.0, 1.0, np.zeros(0), "uniform", ("adam", 0.02, 4000.0, None, "cosine", 2.0))


_load_numpy_api()


#: Name of :func:`_interruptible`'s worker threads.
_WORKER = "nnpartition-interruptible"


def _abandoned() -> bool:
    """Whether a call :func:`_interruptible` left to finish after a Ctrl-C is still running."""
    return any(t.name == _WORKER and t.is_alive() for t in threading.enumerate())


#: Work (multiply-adds, about 1e9 a second) below which :func:`_interruptible` calls its function directly: about
#: 15 ms, well inside the half second a Ctrl-C may take, and far above a thread's start-up (about 0.1 ms).
_INTERRUPTIBLE_WORK = 2**24


def _interruptible(work: float, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """``fn(*args, **kwargs)``, a numpy or scipy call of about ``work`` multiply-adds that releases the GIL but
    cannot be stopped (LAPACK, HiGHS), made so that Ctrl-C reaches the caller within about 20 ms.

    The call runs on a worker thread while the calling thread waits in 20 ms slices, in which Python runs its
    signal handlers; a ``KeyboardInterrupt`` then leaves the call to finish in the background, its result dropped
    (its CPU time is spent anyway). The thread is not a daemon: the interpreter waits for it at exit (a daemon
    thread stopped at exit inside OpenBLAS hung the process), and the command line, which exits at once, skips
    the wait (:func:`_abandoned`). Called directly below ``_INTERRUPTIBLE_WORK`` and off the main thread (where
    Python delivers no signals). Exceptions of ``fn`` reach the caller unchanged, and ``fn`` runs in a copy of the
    caller's context and under the caller's ``numpy.errstate`` (a context variable since numpy 2, a thread's own
    setting before).

    Example:
        >>> import numpy as np
        >>> A = np.eye(400)
        >>> bool(np.all(_interruptible(400.0**3, np.linalg.solve, A, np.ones(400)) == 1.0))
        True
    """
    if work < _INTERRUPTIBLE_WORK or threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    out: Dict[str, Any] = {}
    done = threading.Event()
    context = contextvars.copy_context()   # the caller's numpy.errstate (numpy 2) and other context variables
    # numpy 1.x keeps the modes and the 'call'/'log' callback per thread, not in a context variable
    errors: Dict[str, Any] = dict(np.geterr())
    callback = np.geterrcall()
    if callback is not None:
        errors["call"] = callback

    def call() -> Any:
        with np.errstate(**errors):
            return fn(*args, **kwargs)

    def run() -> None:
        try:
            out["value"] = context.run(call)
        except BaseException as e:   # handed to the caller below
            out["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, name=_WORKER, daemon=False).start()
    while not done.wait(0.02):
        pass
    if "error" in out:
        raise out["error"]
    return out["value"]  # type: ignore[no-any-return]


def _svd_work(m: int, n: int) -> float:
    """Steps :func:`_checked_svd` counts for one ``m x n`` SVD."""
    return 4.0 * m * n * min(m, n)


def _checked_svd(M: Any, what: str, fix: str, **kwargs: Any) -> Any:
    """``numpy.linalg.svd(M, **kwargs)`` (``M`` a matrix or a stack of them) as every long SVD of the package runs it:
    refused past ``max_work`` (about ``4 m n min(m, n)`` steps a matrix) before LAPACK starts, naming ``what`` and
    ``fix``, then run through :func:`_interruptible`, since LAPACK cannot be stopped.

    Example:
        >>> import numpy as np
        >>> [round(float(x), 12) for x in _checked_svd(np.diag([3.0, 4.0]), "a 2 x 2 SVD", "-", compute_uv=False)]
        [4.0, 3.0]
    """
    *batch, m, n = M.shape
    work = _svd_work(m, n)
    for b in batch:
        work *= b
    _check_work(what, work, fix)
    import numpy as np

    return _interruptible(work, np.linalg.svd, M, **kwargs)


def set_limits(*, max_params: Optional[int] = None, max_bytes: Optional[int] = None,
               max_work: Optional[int] = None) -> Limits:
    """Change some limits for the whole process; returns the previous ones.

    Args:
        max_params: largest parameter count of one network (``>= 1``).
        max_bytes: largest memory one call may reserve, in bytes (``>= 1``).
        max_work: largest work of one call, in elementary steps (``>= 1``).

    Example:
        >>> import nnpartition as npn
        >>> from nnpartition.limits import set_limits
        >>> old = set_limits(max_bytes=2**20)
        >>> try:
        ...     npn.random_dataset(10**6, 10)
        ... except ValueError as e:
        ...     print(str(e).split(";")[0])
        a dataset of N=1000000 points in d=10 needs about 77.248 MiB of memory, above the limit of 1 MiB (max_bytes)
        >>> _ = set_limits(**vars(old))
    """
    args = {}
    for name, value in (("max_params", max_params), ("max_bytes", max_bytes), ("max_work", max_work)):
        if value is not None:
            args[name] = v.count(name, value, minimum=1, maximum=_U64)
    return Limits(*_core.set_limits(**args))


@contextmanager
def override(*, max_params: Optional[int] = None, max_bytes: Optional[int] = None,
             max_work: Optional[int] = None) -> Iterator[Limits]:
    """Raise (or lower) limits inside a ``with`` block and restore them after.

    The limits are process-wide, so other threads see the change too.

    Example:
        >>> import nnpartition as npn
        >>> from nnpartition.limits import override, get_limits
        >>> with override(max_params=10**10) as lim:
        ...     lim.max_params
        10000000000
        >>> get_limits().max_params
        268435456
    """
    old = set_limits(max_params=max_params, max_bytes=max_bytes, max_work=max_work)
    try:
        yield get_limits()
    finally:
        set_limits(max_params=old.max_params, max_bytes=old.max_bytes, max_work=old.max_work)
