"""Progress bars: ``tqdm.auto`` (a terminal bar, or a widget in a notebook) with one policy for the package.

Every public ``progress=`` argument means the same thing:

* ``None`` (the default): show a bar only for work that runs longer than a
  second, and only where someone can see it (a terminal or a notebook);
* ``True``: always show it, from the start;
* ``False``: never.

Example:
    >>> import io
    >>> with progress_bar(3, desc="demo", progress=True, stream=io.StringIO()) as bar:
    ...     for _ in range(3):
    ...         _ = bar.update(1)
    >>> bar.n
    3
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, Optional, TextIO

import numpy as np
import tqdm.std

with warnings.catch_warnings():
    # In a notebook kernel without ipywidgets, tqdm.autonotebook warns "IProgress not found" when first imported:
    # it came out of ``import nnpartition`` for a user who asked for no bar. The bar is then a text one
    # (:func:`_visible`); docs/training.md, "In a notebook", says ipywidgets gives the widget.
    warnings.filterwarnings("ignore", message="IProgress not found", category=tqdm.std.TqdmWarning)
    import tqdm.auto
    import tqdm.autonotebook

__all__ = ["DELAY", "progress_bar"]

#: Seconds of work before a ``progress=None`` bar appears.
DELAY = 1.0

#: The width and height a bar takes on a terminal that reports 0 (some ``docker -t`` sessions before their first
#: resize): the POSIX defaults, as :func:`shutil.get_terminal_size` falls back to.
DEFAULT_COLUMNS, DEFAULT_ROWS = 80, 24


def _in_kernel() -> bool:
    """Running in a Jupyter kernel (tqdm.autonotebook's test: ipykernel's shell loaded and a shell running), with or
    without ipywidgets."""
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    try:
        return "ipykernel.zmqshell" in sys.modules and get_ipython is not None and get_ipython() is not None
    except Exception:   # a broken shell is no front end
        return False


def _visible(stream: TextIO) -> bool:
    """A terminal on ``stream``, or a notebook front end (``tqdm.autonotebook`` picked its widget; ``tqdm.auto``'s
    class is never ``tqdm.std``'s, since it mixes in the asyncio one, so it cannot tell). A kernel without
    ipywidgets gets tqdm's text bar on its stderr, which the notebook shows (until the sixty-second pass on issue 11
    it got no bar)."""
    if tqdm.autonotebook.tqdm is not tqdm.std.tqdm or _in_kernel():
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def _check(progress: Optional[bool]) -> Optional[bool]:
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be None, True or False, got {type(progress).__name__} {progress!r}")
    return None if progress is None else bool(progress)


def progress_bar(total: Optional[int], *, desc: str = "", progress: Optional[bool] = None,
                 unit: str = "it", stream: Optional[TextIO] = None) -> "tqdm.std.tqdm[Any]":
    """A ``tqdm.auto`` bar over ``total`` units following the package's ``progress=`` policy.

    Use it as a context manager (or call ``close()``), and ``update(n)`` after each batch.
    """
    progress = _check(progress)
    out = stream if stream is not None else sys.stderr
    if progress is None:
        show, delay = _visible(out), DELAY
    else:
        show, delay = progress, 0.0
    if not show:   # a bar nobody sees starts no thread (see _Hidden)
        return _Hidden(total=total, desc=desc or None, unit=unit, file=out, disable=True)
    bar = tqdm.auto.tqdm(total=total, desc=desc or None, unit=unit, file=out, delay=delay, leave=False,
                         dynamic_ncols=True)
    _default_size(bar, delay)
    return bar


def _default_size(bar: "tqdm.std.tqdm[Any]", delay: float) -> None:
    """Give ``bar`` :data:`DEFAULT_COLUMNS` x :data:`DEFAULT_ROWS` wherever its terminal reports 0 columns or rows,
    and still follow the terminal once it reports a size. tqdm's ``dynamic_ncols`` measure (the terminal's size less
    one, ``(None, None)`` off a terminal) read a pty of 0 x 0 as -1 rows, and tqdm draws nothing past the last row:
    no bar at all (an audit in the sixty-sixth pass on issue 11). A bar drawn from the start (no ``delay``) found
    no room when it was made: it is drawn here."""
    measure = getattr(bar, "dynamic_ncols", None)
    if bar.disable or not callable(measure):   # a notebook widget, or a bar never drawn, has no terminal to measure
        return

    def size(fp: Any) -> Any:
        cols, rows = measure(fp)
        return (DEFAULT_COLUMNS - 1 if cols is not None and cols < 0 else cols,
                DEFAULT_ROWS - 1 if rows is not None and rows < 0 else rows)

    sized = size(bar.fp)   # (the terminal measured once)
    unsized = (bar.ncols, bar.nrows) != sized
    bar.dynamic_ncols = size  # type: ignore[assignment]   # the stubs say bool; tqdm keeps its measure here
    bar.ncols, bar.nrows = sized
    if unsized and delay <= 0:
        bar.refresh()


class _Hidden(tqdm.std.tqdm):  # type: ignore[type-arg]
    """A bar that is never drawn (``progress=False``, or ``None`` where nothing would show it), without tqdm's
    monitor thread: tqdm starts that thread for every bar, drawn or not, and under an address-space cap (``ulimit
    -v``) its stack and malloc arena (about 70 MB of address space) left too little room for the calls sized to the
    default ``max_bytes``, which then aborted (``real_accuracy``'s bar, the sixty-second pass on issue 11:
    tests/test_limits.py's tight address-space test)."""

    monitor_interval = 0

