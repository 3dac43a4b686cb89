"""pytest plugin of ``py_mutants.py --by-line``: per test, the lines of one module the test executes.

Loaded with ``-p _py_mutants_linemap`` (this folder on ``PYTHONPATH``); ``py_mutants.py`` sets the environment:

* ``LINEMAP_FILE``: the module's file, as its code objects name it (``co_filename``); only its lines are recorded;
* ``LINEMAP_OUT``: where the map is written at the session's end, ``{"lines": {"node id": [line, ...], ...},
  "seconds": {"node id": seconds, ...}}`` (each test's time, setup to teardown, traced);
* ``LINEMAP_CHILDREN``: a folder for what child processes record (below).

Lines are recorded with :func:`sys.settrace` and :func:`threading.settrace` (threads the test starts) from each
test's setup to its teardown. A module's import-time lines (``def``, module constants) run once, often while tests
are collected, so they are attributed to no test, or to the first; ``py_mutants.py`` does not rely on them.

Child processes (a test that runs the console script or ``python -m nnpartition``): while a test runs, its node id
is in ``LINEMAP_TEST``; a ``sitecustomize.py`` that ``py_mutants.py`` puts first on ``PYTHONPATH`` calls
:func:`start_child`, which traces the child the same way and, at its exit, writes its lines to a file in
``LINEMAP_CHILDREN``; the session's end folds them into the test's. A child that ends without running ``atexit``
(killed by a signal, ``os._exit``) or that ignores ``PYTHONPATH`` (``python -I``, ``-S``) records nothing: name
its tests with ``py_mutants.py --also``.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time
from typing import Any, Dict, Optional, Set

_target = os.environ.get("LINEMAP_FILE", "")
_lines: Optional[Set[int]] = None
_map: Dict[str, Set[int]] = {}
_seconds: Dict[str, float] = {}


def _local(frame: Any, event: str, arg: Any) -> Any:
    if event == "line" and _lines is not None:
        _lines.add(frame.f_lineno)
    return _local


def _global(frame: Any, event: str, arg: Any) -> Any:
    if _lines is not None and frame.f_code.co_filename == _target:
        _lines.add(frame.f_lineno)
        return _local
    return None


def _start() -> None:
    global _lines
    _lines = set()
    threading.settrace(_global)
    sys.settrace(_global)


def _stop() -> Set[int]:
    global _lines
    sys.settrace(None)
    threading.settrace(None)   # type: ignore[arg-type, unused-ignore]
    done, _lines = _lines or set(), None
    return done


def start_child() -> None:
    """In a child process of a test (called by the ``sitecustomize.py``): trace it, write its lines at exit."""
    test, folder = os.environ.get("LINEMAP_TEST"), os.environ.get("LINEMAP_CHILDREN")
    if not (test and folder and _target):
        return

    def write() -> None:
        lines = _stop()
        if lines:
            with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as fh:
                json.dump({"test": test, "lines": sorted(lines)}, fh)

    atexit.register(write)
    _start()


if "pytest" in sys.modules:   # loaded by pytest (-p); a child's sitecustomize imports this without pytest
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item: Any, nextitem: Any) -> Any:
        os.environ["LINEMAP_TEST"] = item.nodeid
        start = time.monotonic()
        _start()
        try:
            yield
        finally:
            _map.setdefault(item.nodeid, set()).update(_stop())
            _seconds[item.nodeid] = round(time.monotonic() - start, 3)
            os.environ.pop("LINEMAP_TEST", None)

    def pytest_sessionfinish(session: Any) -> None:
        folder = os.environ.get("LINEMAP_CHILDREN")
        if folder and os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                with open(os.path.join(folder, name)) as fh:
                    child = json.load(fh)
                _map.setdefault(child["test"], set()).update(child["lines"])
        with open(os.environ["LINEMAP_OUT"], "w") as fh:
            json.dump({"lines": {test: sorted(lines) for test, lines in _map.items()}, "seconds": _seconds}, fh)
