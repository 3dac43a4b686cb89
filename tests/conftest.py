"""Set-up shared by every test file."""

import contextlib
import functools
import importlib.util
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# A shell starts a background job with SIGINT ignored, and a child process inherits an ignored signal: the children of
# the Ctrl-C tests (test_fuzz, test_cli, test_explore) then never see their SIGINT, and those tests fail for a reason
# that is not the code's. A handled signal is reset to the default in every child at exec, so handling it here makes
# those tests mean the same wherever pytest is started (found when a CI run was started with `... &`).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Tests start child processes in temporary directories (cwd=tmp_path), where a relative PYTHONPATH (the guide's
# `PYTHONPATH=python`) names nothing: the children then imported another nnpartition, the one installed in the
# environment, and tested it instead of the tree under test (found in the fuzz's workers, session 62). Made absolute
# once here, every child imports the package this process imports.
if os.environ.get("PYTHONPATH"):
    os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in os.environ["PYTHONPATH"].split(os.pathsep)
                                               if p)

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@functools.lru_cache(maxsize=None)
def benchmark_script(name):
    """``benchmarks/<name>.py`` imported as a module, once (``from conftest import benchmark_script``), with its folder
    on ``sys.path`` (scripts import their neighbours: heldout_regions reads calibrate_protocols); the test is skipped
    where there is no checkout beside the tests (an installed package alone)."""
    path = BENCHMARKS / f"{name}.py"
    if not path.exists():
        pytest.skip(f"needs the source checkout (benchmarks/{name}.py)")
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod



# What `digests_at_thread_counts` runs before its code: `out(*values)` prints a digest of the values' raw bytes (with
# dtype and shape), so two runs print the same line only if the values are the same bit for bit.
_DIGEST = """import hashlib, numpy as np, nnpartition
print(nnpartition.__file__)
def out(*values):
    h = hashlib.sha256()
    for v in values:
        a = np.ascontiguousarray(v)
        h.update(f"{a.dtype.str}{a.shape}".encode() + a.tobytes())
    print(h.hexdigest())
"""


def digests_at_thread_counts(code, counts=(1, 3, 7)):
    """Run ``code`` (calls that print their results with ``out(...)``: see ``_DIGEST``) in a fresh interpreter with
    ``RAYON_NUM_THREADS`` at each of ``counts`` (the core's global pool, that of every call without ``threads=``; 3
    and 7 are odd, where a chunking bug hides from powers of two), and once in this process (its pool, whatever
    size), and return ``{count or "here": output}``; the children must import this checkout's package."""
    import nnpartition

    outs = {}
    for t in counts:
        p = subprocess.run([sys.executable, "-c", _DIGEST + code], capture_output=True, text=True,
                           env={**os.environ, "RAYON_NUM_THREADS": str(t)})
        assert p.returncode == 0, p.stderr
        where, _, outs[t] = p.stdout.partition("\n")
        assert where == nnpartition.__file__, where
    with contextlib.redirect_stdout(io.StringIO()) as here:
        exec(_DIGEST + code, {})
    outs["here"] = here.getvalue().partition("\n")[2]
    return outs


@pytest.fixture
def counts_bound_peak():
    """``check(call, factor, match="max_bytes")``: runs ``call()`` under tracemalloc (numpy reports its buffers to it),
    then with ``max_bytes`` at that peak, where it must be refused (a ValueError matching ``match``), and at ``factor``
    times it, where it must run. So what the call's check counts bounds what it holds, within ``factor``."""
    import tracemalloc

    from nnpartition import limits

    def check(call, factor, match="max_bytes"):
        tracemalloc.start()
        try:
            call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        with limits.override(max_bytes=peak), pytest.raises(ValueError, match=match):
            call()
        with limits.override(max_bytes=int(factor * peak)):
            call()
        return peak

    return check


@pytest.fixture
def cpu_clock():
    """CPU time of a child process, from ``/proc`` (Linux): what the Ctrl-C tests measure instead of wall-clock
    time, which a loaded machine stretches (the child is not running) while CPU time counts only the work done.

    ``seconds(pid)``: utime + stime of all its threads, live and exited; ``threads(pid)``: ``{tid: seconds}`` of its
    live threads; ``wait_for(proc, seconds, timeout=60.0)``: wait until the child has used ``seconds`` of CPU (past
    its imports, inside the run, however busy the machine), has exited, or ``timeout`` wall seconds have passed
    (a hang guard: the caller checks what it needs)."""
    import os
    import time
    import types
    from pathlib import Path

    tick = os.sysconf("SC_CLK_TCK")

    def read(path):
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick   # utime + stime

    def seconds(pid):
        return read(f"/proc/{pid}/stat")

    def threads(pid):
        out = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                out[int(tid)] = read(f"/proc/{pid}/task/{tid}/stat")
            except OSError:   # the thread ended meanwhile
                pass
        return out

    def wait_for(proc, cpu_seconds, timeout=60.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end and proc.poll() is None:
            try:
                if seconds(proc.pid) >= cpu_seconds:
                    return
            except OSError:   # exited between the poll and the read
                return
            time.sleep(0.02)

    return types.SimpleNamespace(seconds=seconds, threads=threads, wait_for=wait_for)


_DROP_ROOT_PERMISSIONS = """
import ctypes, ctypes.util, os

if os.geteuid() == 0:
    # Root reads and writes past file permissions through two capabilities, CAP_DAC_OVERRIDE (1) and
    # CAP_DAC_READ_SEARCH (2): drop them from this process's effective and permitted sets (capset(2); a process may
    # always lower its own), so that permissions bind, access(2) included (under root it uses the permitted set).
    _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    class _Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class _Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    _header, _data = _Header(0x20080522, 0), (_Data * 2)()   # _LINUX_CAPABILITY_VERSION_3
    assert _libc.capget(ctypes.byref(_header), _data) == 0, ctypes.get_errno()
    _data[0].effective &= ~0b110 & 0xFFFFFFFF
    _data[0].permitted &= ~0b110 & 0xFFFFFFFF
    assert _libc.capset(ctypes.byref(_header), _data) == 0, ctypes.get_errno()
"""


@pytest.fixture
def unprivileged():
    """``run(script, *args)``: the Python ``script`` run in a subprocess (``sys.argv[1:]`` = ``args``, warnings as
    errors) where file permissions bind: under root (a container, CI, this project's machines), where they do not,
    the subprocess first drops the two capabilities that let root pass them. Returns the ``CompletedProcess`` (text
    output captured). Running as another uid instead is not portable: a venv's python may link into ``/root``."""
    import subprocess
    import sys

    def run(script, *args, timeout=300):
        return subprocess.run([sys.executable, "-W", "error", "-c", _DROP_ROOT_PERMISSIONS + script,
                               *map(str, args)], capture_output=True, text=True, timeout=timeout)

    return run
