"""Benchmarks for the foundation: activation-region counting and exact region counts.

Each figure is the median of several repeats measured in the same run as its
baseline, printed with the ratio. Peak memory is the growth of the process's
high-water resident set size (VmHWM), measured in a fresh subprocess per pipeline.

    python benchmarks/bench_counting.py            # full sizes (N=1e6, d=100, L=256)
    python benchmarks/bench_counting.py --quick    # smaller, for a smoke run

The last two rows are single exact counts at the sizes ``docs/counting.md`` quotes, against Python's
``sum(math.comb(...))`` stopped after 30 s (about a minute and a half in all).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time

import numpy as np

import nnpartition as npn


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def numpy_pipeline(X, W, b):
    """What a user writes without nnpartition."""
    bits = np.packbits(X @ W + b > 0, axis=1)
    _, counts = np.unique(bits, axis=0, return_counts=True)
    return len(counts)


_MEM_SNIPPET = """
import resource, sys, numpy as np
def hwm_kib():
    # VmHWM belongs to this process image; ru_maxrss is inherited from the forking parent on Linux.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
N, d, L, which = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
X = rng.random((N, d), dtype=np.float32); X *= 2; X -= 1   # in place: no float64 temporary sets the high-water mark
W = (rng.uniform(-1, 1, (d, L)) / np.sqrt(d)).astype(np.float32)
b = (rng.uniform(-1, 1, L) / np.sqrt(d)).astype(np.float32)
import nnpartition as npn
base = hwm_kib()
if which == "numpy":
    bits = np.packbits(X @ W + b > 0, axis=1); n = len(np.unique(bits, axis=0))
elif which == "matmul":
    Z = X @ W; n = 0
else:
    n = npn.count_regions(X, W, b).n_regions
peak = hwm_kib()
print(peak - base)
"""


def peak_extra_mib(N, d, L, which):
    out = subprocess.run([sys.executable, "-c", _MEM_SNIPPET, str(N), str(d), str(L), which],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024.0


def bench_count_regions(N, d, L, repeats):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (N, d)).astype(np.float32)
    W = (rng.uniform(-1, 1, (d, L)) / np.sqrt(d)).astype(np.float32)
    b = (rng.uniform(-1, 1, L) / np.sqrt(d)).astype(np.float32)
    ours = npn.count_regions(X, W, b).n_regions
    theirs = numpy_pipeline(X, W, b)
    assert ours == theirs, (ours, theirs)
    t_ours = median_time(lambda: npn.count_regions(X, W, b), repeats)
    t_np = median_time(lambda: numpy_pipeline(X, W, b), repeats)
    t_mm = median_time(lambda: X @ W, repeats)
    mem = {k: peak_extra_mib(N, d, L, k) for k in ("nnpartition", "numpy", "matmul")}
    return {
        "case": f"count_regions N={N} d={d} L={L} float32", "regions": ours,
        "nnpartition_s": t_ours, "numpy_pipeline_s": t_np, "numpy_matmul_only_s": t_mm,
        "speedup_vs_numpy": t_np / t_ours, "ratio_to_bare_matmul": t_ours / t_mm,
        "peak_extra_MiB": mem, "memory_ratio_vs_numpy": mem["nnpartition"] / max(mem["numpy"], 1e-9),
    }


def bench_regions(L, d, repeats):
    def pure():
        return sum(math.comb(L, i) for i in range(d + 1))
    assert npn.regions(L, d) == pure()
    t_ours = median_time(lambda: npn.regions(L, d), repeats)
    t_py = median_time(pure, repeats)
    return {"case": f"regions(L={L}, d={d})", "nnpartition_s": t_ours, "python_math_comb_s": t_py,
            "speedup_vs_python": t_py / t_ours}


#: How long the pure-Python baseline of the large exact counts may run before it is stopped.
PY_CAP_SECONDS = 30.0


def bench_regions_large(L, d):
    """One exact count at a size the docs quote, against Python's ``sum(math.comb(...))`` run in a child process that
    is stopped after :data:`PY_CAP_SECONDS` (then the ratio is a lower bound)."""
    t0 = time.perf_counter()
    ours = npn.regions(L, d)
    t_ours = time.perf_counter() - t0
    code = f"import math; print(sum(math.comb({L}, i) for i in range({d} + 1)).bit_length())"
    t0 = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             timeout=PY_CAP_SECONDS)
        t_py, capped = time.perf_counter() - t0, False
        assert int(out.stdout) == ours.bit_length()
    except subprocess.TimeoutExpired:
        t_py, capped = PY_CAP_SECONDS, True
    return {"case": f"regions(L={L}, d={d}), {ours.bit_length():,} bits, one call", "nnpartition_s": t_ours,
            "python_math_comb_s": f"> {t_py:.0f} (stopped)" if capped else t_py,
            "speedup_vs_python": f"> {t_py / t_ours:.0f}" if capped else t_py / t_ours}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    N = 100_000 if a.quick else 1_000_000
    rows = [bench_count_regions(N, 100, 256, a.repeats), bench_regions(100_000, 1_000, a.repeats),
            bench_regions_large(10**6, 10**4), bench_regions_large(356_000, 178_000)]
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    for r in rows:
        print(r["case"])
        for k, v in r.items():
            if k != "case":
                print(f"  {k:24s} {v:.4g}" if isinstance(v, float) else f"  {k:24s} {v}")


if __name__ == "__main__":
    main()
