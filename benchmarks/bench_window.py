"""Exact regions of one hidden layer inside a box: nnpartition vs regioncam vs numpy.

Usage:
    python benchmarks/bench_window.py                 # everything (regioncam at L=1000 takes ~70 s)
    python benchmarks/bench_window.py --skip-slow     # regioncam only up to L=300
    python benchmarks/bench_window.py --no-regioncam  # no regioncam at all

2-D part: random layers W ~ N(0, 1) of shape (2, L), b ~ N(0, 1), float32 (what
regioncam takes; the same values are given to the others as float64), box
[-1, 1]^2. Counts must be identical; times are the best of several runs.
d >= 3 part: exact counts and timings where regioncam cannot go.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnpartition
from nnpartition.window import regions_in_box, regions_in_square_numpy


numpy_2d = regions_in_square_numpy  # the vectorised numpy formula (nnpartition.window)


def best_time(fn, min_time=0.3, max_reps=200):
    """(result, best wall time over repetitions taking about min_time in total)."""
    best, total, reps, out = float("inf"), 0.0, 0, None
    while reps < max_reps and (total < min_time or reps < 3):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best, total, reps = min(best, dt), total + dt, reps + 1
        if dt > 5.0:
            break
    return out, best


def regioncam_count(W32, b32):
    import regioncam

    rc = regioncam.Regioncam(size=1.0)
    rc.linear(W32, b32)
    rc.relu()
    return rc.num_faces


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-slow", action="store_true", help="skip regioncam at L=1000 (about 70 s)")
    ap.add_argument("--no-regioncam", action="store_true", help="do not run regioncam at all")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    use_rc = not args.no_regioncam
    if use_rc:
        try:
            import regioncam  # noqa: F401
        except ImportError:
            print("regioncam is not installed (pip install regioncam); running without it")
            use_rc = False

    print("2-D, box [-1, 1]^2, one layer of L random neurons")
    print(f"{'L':>6} {'regions':>9} {'nnpartition':>12} {'numpy':>10} {'regioncam':>10} "
          f"{'rc/nnp':>10} {'numpy/nnp':>10} {'rc/numpy':>9}  same")
    rng = np.random.default_rng(args.seed)
    for L in (30, 100, 300, 1000):
        W32 = rng.normal(size=(2, L)).astype(np.float32)
        b32 = rng.normal(size=L).astype(np.float32)
        W, b = W32.astype(np.float64), b32.astype(np.float64)
        ours, t_ours = best_time(lambda: regions_in_box(W, b, -1.0, 1.0))
        npc, t_np = best_time(lambda: numpy_2d(W, b, -1.0, 1.0))
        same = ours == npc
        rc_txt = ratio_rc = ratio_rc_np = "-"
        if use_rc and not (args.skip_slow and L > 300):
            rcc, t_rc = best_time(lambda: regioncam_count(W32, b32), min_time=0.0)
            same = same and rcc == ours
            rc_txt, ratio_rc, ratio_rc_np = f"{t_rc * 1e3:9.1f}ms", f"{t_rc / t_ours:9.0f}x", f"{t_rc / t_np:8.0f}x"
        print(f"{L:>6} {ours:>9} {t_ours * 1e3:10.3f}ms {t_np * 1e3:8.2f}ms {rc_txt:>10} {ratio_rc:>10} "
              f"{t_np / t_ours:9.1f}x {ratio_rc_np:>9}  {'yes' if same else 'NO'}")

    print()
    print("d >= 3 (regioncam is 2-D only), box [-1, 1]^d, W ~ N(0, 1/d), b ~ N(0, 1)")
    print(f"{'d':>3} {'L':>5} {'regions in box':>15} {'regions(L, d)':>15} {'time':>10}")
    for d, Ls in ((3, (30, 100, 300)), (4, (30, 60, 120)), (5, (20, 40, 60))):
        for L in Ls:
            W = rng.normal(scale=1 / np.sqrt(d), size=(d, L))
            b = rng.normal(size=L)
            r, t = best_time(lambda: regions_in_box(W, b, -1.0, 1.0), min_time=0.2)
            print(f"{d:>3} {L:>5} {r:>15} {nnpartition.regions(L, d):>15} {t * 1e3:8.1f}ms")


if __name__ == "__main__":
    main()
