"""Sweep benchmark: a 2-worker local pool against serial execution, and the store's overhead per job.

Usage:
    python benchmarks/bench_sweep.py [--limit K] [--empty N] [--workers W]
    python benchmarks/bench_sweep.py --identity

1. Real jobs: the small validation grid (``nnpartition.validation.grid_configs("small")``,
   train + estimate per configuration; ``--limit`` keeps the first K), run
   serially in this process and on a local pool of ``--workers`` processes.
   Every job is single-threaded (``RAYON_NUM_THREADS=1``) so the ratio
   measures the pool, not Rust's own threads. Prints both times and the
   ratio serial / pool (ideal: the number of workers, on that many idle cores).
2. Empty jobs (``--empty`` of them): the sweep's own cost per job, serially
   with no durable store, serially with the SQLite store (the difference is
   the store's overhead per job: one committed row), and on the pool.
3. ``--identity`` (alone): the job identity's writing of large bound settings (``executor._encode``: sets in one
   order, dicts of tuple keys as sorted pairs), best of 3, as a ratio to one ``json.dumps`` of the canonical form it
   writes (the least any writing costs). Run it with ``PYTHONPATH`` on an older tree's ``python/`` for the before.
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


def identity() -> None:
    import json

    from nnpartition.sweep.executor import _canonical, _encode, _setting

    def best(f, x):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            f(x)
            times.append(time.perf_counter() - start)
        return min(times)

    def deep(per_level):   # 100 levels of frozensets, each with per_level numbers of its own
        x = frozenset(range(per_level))
        for i in range(1, 100):
            x = frozenset([x, *range(i * per_level, (i + 1) * per_level)])
        return x

    cases = {"a set of 100,000 numbers": set(range(100_000)),
             "a set of 100,000 pairs": {(i, str(i)) for i in range(100_000)},
             "a dict of 100,000 tuple keys": {(i, i + 1): [i, float(i)] for i in range(100_000)},
             "100 levels of sets, 1 number each": deep(1),
             "100 levels of sets, 1,000 numbers each": deep(1000)}
    print("job identity of large bound settings (best of 3):")
    for name, obj in cases.items():
        canonical = _canonical(obj)
        ours = best(_encode, obj)
        floor = best(lambda c: json.dumps(c, sort_keys=True, separators=(",", ":"), default=_setting), canonical)
        print(f"  {name:40s} {1e3 * ours:9.1f} ms   one json.dumps {1e3 * floor:7.1f} ms   ratio {ours / floor:6.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="only the first K configurations of the real grid")
    ap.add_argument("--empty", type=int, default=2000, help="empty jobs for the overhead measurement")
    ap.add_argument("--workers", type=int, default=2, help="local pool size (default 2)")
    ap.add_argument("--identity", action="store_true", help="only time the job identity's writing (item 3)")
    args = ap.parse_args()
    if args.identity:
        return identity()
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
    # The pool's start varies by seconds on a loaded machine, more than 2000 empty jobs cost: a single start
    # subtracted from a single pooled run printed a negative time a job (load average 12). Best of three of each.
    startup = min(timed([{"i": i} for i in range(args.workers)], empty, store=None, workers=args.workers)[0]
                  for _ in range(3))
    pool = min(timed(configs, empty, store=tmp / f"empty-pool-{k}.sqlite", workers=args.workers)[0] for k in range(3))
    again, out = timed(configs, empty, store=tmp / "empty.sqlite", workers=1)
    assert out.summary.skipped == n
    print(f"  serial, no durable store   {1e6 * mem / n:8.1f} us/job")
    print(f"  serial, SQLite store       {1e6 * disk / n:8.1f} us/job   -> store overhead "
          f"{1e6 * (disk - mem) / n:.1f} us/job")
    if pool > startup:
        print(f"  pool of {args.workers}, SQLite store    {1e6 * (pool - startup) / n:8.1f} us/job   (process round "
              f"trip + store; plus {startup:.2f} s once to start the pool; best of three of each)")
    else:
        print(f"  pool of {args.workers}, SQLite store    not resolved: {n} jobs took {pool:.2f} s with the start, the "
              f"start alone {startup:.2f} s (best of three of each; the load's noise is larger than the jobs)")
    print(f"  resume, all {n} skipped    {1e6 * again / n:8.1f} us/job")
    print(f"(stores in {tmp})")


if __name__ == "__main__":
    main()
