"""Sweep benchmark: a 2-worker local pool against serial execution, and the store's overhead per job.

Usage:
    python benchmarks/bench_sweep.py [--limit K] [--empty N] [--workers W]

1. Real jobs: the small validation grid (``nnpartition.validation.grid_configs("small")``,
   train + estimate per configuration; ``--limit`` keeps the first K), run
   serially in this process and on a local pool of ``--workers`` processes.
   Every job is single-threaded (``RAYON_NUM_THREADS=1``) so the ratio
   measures the pool, not Rust's own threads. Prints both times and the
   ratio serial / pool (ideal: the number of workers, on that many idle cores).
2. Empty jobs (``--empty`` of them): the sweep's own cost per job, serially
   with no durable store, serially with the SQLite store (the difference is
   the store's overhead per job: one committed row), and on the pool.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # before nnpartition starts its thread pool

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nnpartition import sweep  # noqa: E402
from nnpartition._sweep_jobs import empty, train  # noqa: E402


def real_grid(limit):
    try:
        from nnpartition.validation import grid_configs, measure_config
    except ImportError:  # validation not available: real training on a small grid
        return list(sweep.product(d=[2, 5, 10], N=[300, 1000], L=[4, 16], datasets=[3], restarts=[2]))[:limit], train
    return grid_configs("small")[:limit], measure_config


def timed(grid, job, **kw):
    start = time.perf_counter()
    out = sweep.run(grid, job, progress=False, **kw)
    seconds = time.perf_counter() - start
    bad = [r for r in out if r["status"] != "done"]
    if bad:
        raise SystemExit(f"{len(bad)} job(s) failed, first: {bad[0]['error']}")
    return seconds, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="only the first K configurations of the real grid")
    ap.add_argument("--empty", type=int, default=2000, help="empty jobs for the overhead measurement")
    ap.add_argument("--workers", type=int, default=2, help="local pool size (default 2)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))

    grid, job = real_grid(args.limit)
    print(f"real jobs: {len(grid)} configurations of {job.__module__}.{job.__name__}, "
          f"RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}")
    if not grid:
        raise SystemExit("--limit must keep at least one configuration")
    serial, a = timed(grid, job, store=tmp / "serial.sqlite", workers=1)
    print(f"  serial (this process)   {serial:8.2f} s")
    pooled, b = timed(grid, job, store=tmp / "pool.sqlite", workers=args.workers)
    print(f"  pool of {args.workers} workers       {pooled:8.2f} s   (includes starting the workers)")
    same = [r["result"] for r in a] == [r["result"] for r in b]
    print(f"  serial / pool = {serial / pooled:.2f}x   identical results: {same}")
    work_serial = sum(r["seconds"] for r in a)
    work_pool = sum(r["seconds"] for r in b)
    bound = work_serial / max(max(r["seconds"] for r in a), work_serial / args.workers)
    print(f"  time inside the jobs: serial {work_serial:.2f} s, pool {work_pool:.2f} s "
          f"(more on the pool = its workers competed for cores: {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"  best ratio possible on this grid with {args.workers} idle cores (longest job): {bound:.2f}x")

    n = args.empty
    configs = [{"i": i} for i in range(n)]
    print(f"empty jobs: {n}")
    mem, _ = timed(configs, empty, store=None, workers=1)
    disk, _ = timed(configs, empty, store=tmp / "empty.sqlite", workers=1)
    startup, _ = timed([{"i": i} for i in range(args.workers)], empty, store=None, workers=args.workers)
    pool, _ = timed(configs, empty, store=tmp / "empty-pool.sqlite", workers=args.workers)
    again, out = timed(configs, empty, store=tmp / "empty.sqlite", workers=1)
    assert out.summary.skipped == n
    print(f"  serial, no durable store   {1e6 * mem / n:8.1f} us/job")
    print(f"  serial, SQLite store       {1e6 * disk / n:8.1f} us/job   -> store overhead "
          f"{1e6 * (disk - mem) / n:.1f} us/job")
    print(f"  pool of {args.workers}, SQLite store    {1e6 * (pool - startup) / n:8.1f} us/job   (process round trip "
          f"+ store; plus {startup:.2f} s once to start the pool)")
    print(f"  resume, all {n} skipped    {1e6 * again / n:8.1f} us/job")
    print(f"(stores in {tmp})")


if __name__ == "__main__":
    main()
