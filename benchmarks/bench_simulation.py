"""The cost model behind ``simulate_partition``'s work limit, measured.

Usage:
    python benchmarks/bench_simulation.py      # about 10 s

``simulate_partition`` refuses a run whose work is above ``max_work`` before its first trial. The work of one trial
is counted as ``N L (d + 24)`` steps for the points through the neurons, 16 for each random number drawn
(``(d + 1) (N + L)`` of them) and 2e4 besides (``trial_work`` in ``rust/src/simulation.rs``): an assumed cost, set so
that a step is about the same time at any ``d``. This script times one-thread runs over ``d`` and sizes and prints,
for each, the nanoseconds per counted step and per point and neuron: the model holds where the first column stays
about the same across ``d``. It also prints how many steps a second one core does, which is what the docs' "1e13
steps, 7-25 minutes of one core" reads (docs/simulation.md, docs/limits.md).
"""

from __future__ import annotations

import argparse
import time

import nnpartition as npn

#: (d, N, L, trials): d from 1 to 200 at the same N x L, two other shapes, and two large trials (the audit's
#: 10^6 points through 1000 units in d = 1, and the Monte Carlo estimator's (100, 10^5, 1000)).
CASES = [(1, 20_000, 200, 20), (2, 20_000, 200, 20), (10, 20_000, 200, 20), (50, 20_000, 200, 20),
         (200, 20_000, 200, 20), (10, 100_000, 40, 20), (10, 2_000, 2_000, 20), (1, 1_000_000, 1000, 2),
         (100, 100_000, 1000, 2)]


def trial_steps(d: int, n: int, l: int) -> float:
    """The steps one trial is counted as (``trial_work`` in ``rust/src/simulation.rs``)."""
    return n * l * (d + 24.0) + 16.0 * (d + 1.0) * (n + l) + 2.0e4


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()
    print("| d | N | L | trials | CPU seconds (1 thread) | ns a counted step | ns a point and neuron |")
    print("|---|---|---|---|---|---|---|")
    rates = []
    for d, n, l, trials in CASES:
        npn.simulate_partition(d, min(n, 1000), l, trials=1, threads=1, progress=False)   # warm up
        # CPU time, not wall clock: the run has one worker thread, and on a shared machine the wall clock also
        # counts the time other processes held the core (the cost model is about the work, not the load)
        t0 = time.process_time()
        npn.simulate_partition(d, n, l, trials=trials, threads=1, progress=False)
        t = time.process_time() - t0
        steps = trials * trial_steps(d, n, l)
        rates.append(steps / t)
        print(f"| {d} | {n:,} | {l:,} | {trials} | {t:.2f} | {1e9 * t / steps:.3f} | "
              f"{1e9 * t / (trials * n * l):.2f} |")
    lo, hi = min(rates), max(rates)
    print(f"\none core: {lo:.2e}-{hi:.2e} counted steps a second; the default max_work of 1e13 steps is "
          f"{1e13 / hi / 60:.0f}-{1e13 / lo / 60:.0f} minutes of one core")


if __name__ == "__main__":
    main()
