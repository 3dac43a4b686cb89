"""How long ``nnpartition validate`` takes, as a user runs it: the whole command in a fresh process (Python's start,
the import, the training and the estimates of every row), timed on the wall clock with the load average beside
each run, so that the help's and the docs' figures ("2.4-4.2 s" for the protocol grid, "4.5-15 s" for the small
one) can be regenerated.

Usage:
    python benchmarks/bench_validate.py [--grid protocols|small] [--runs 3]

Run it without ``nice``: the figures are what a user sees. On 2 cores shared with other work the time grows with
the load: the load average (1, 5 and 15 minutes, before each run) is printed beside each time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", default="protocols", choices=["protocols", "small"],
                    help="the grid validate runs (default protocols: 32 configurations; small: 16)")
    ap.add_argument("--runs", type=int, default=3, help="runs, each in a fresh process (default 3)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, got {args.runs}")
    cmd = [sys.executable, "-m", "nnpartition", "validate", "--grid", args.grid, "--no-progress"]
    print(f"{' '.join(['nnpartition', *cmd[3:]])}: {os.cpu_count()} cores")
    times = []
    for i in range(args.runs):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        start = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if r.returncode != 0:
            sys.exit(f"run {i + 1} failed ({r.returncode}): {r.stderr.strip()}")
        times.append(seconds)
        print(f"run {i + 1}: {seconds:.2f} s   (load average before it: {load})", flush=True)
    print(f"{min(times):.1f}-{max(times):.1f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
