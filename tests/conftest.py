"""Set-up shared by every test file."""

import contextlib
import functools
import importlib.util
import io
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def recorded_bars(monkeypatch, module):
    """Every bar ``module`` makes from here on (through its ``progress_bar``), drawn into a string, not the test's
    stderr: a list of ``(bar, seen, kwargs)``, ``seen`` the bar's count after each update, ``kwargs`` its options."""
    from nnpartition import _progress

    bars = []

    def record(total, **kwargs):
        bar = _progress.progress_bar(total, **kwargs, stream=io.StringIO())
        seen = []
        update = bar.update

        def counted(n=1):
            out = update(n)
            seen.append(bar.n)
            return out

        bar.update = counted
        bars.append((bar, seen, kwargs))
        return bar

    monkeypatch.setattr(module, "progress_bar", record)
    return bars


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


# Colour science the colour-blindness and print tests share (test_explore, test_pictures).
# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision deficiency",
# IEEE TVCG 15(6): their matrices for severity 1.0 (dichromacy), applied to linear RGB.
MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def cielab(rgb, vision="normal"):
    """CIELAB (D65) of an sRGB colour (0-255) as seen with `vision` (a MACHADO key, or "normal"); L* is its
    lightness, all a page printed in black and white keeps (test_explore, test_pictures)."""
    c = np.asarray(rgb, dtype=float) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if vision != "normal":
        lin = np.clip(np.array(MACHADO[vision]) @ lin, 0, 1)
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2):
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005), kL = kC = kH = 1."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    cbar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else h2 - h1 - 360 * (h2 - h1 > 180) + 360 * (h2 - h1 < -180)
    dH = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    lbar, cbar = (L1 + L2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        hbar = h1 + h2
    elif abs(h1 - h2) <= 180:
        hbar = (h1 + h2) / 2
    else:
        hbar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hbar - 30)) + 0.24 * math.cos(math.radians(2 * hbar))
         + 0.32 * math.cos(math.radians(3 * hbar + 6)) - 0.20 * math.cos(math.radians(4 * hbar - 63)))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / math.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbar, 1 + 0.015 * cbar * t
    rt = -2 * math.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)) * math.sin(math.radians(60 * math.exp(-((hbar - 275) / 25)
                                                                                                  ** 2)))
    dl, dc, dH = (L2 - L1) / sl, (c2 - c1) / sc, dH / sh
    return math.sqrt(dl ** 2 + dc ** 2 + dH ** 2 + rt * dc * dH)
