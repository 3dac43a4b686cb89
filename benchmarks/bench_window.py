"""Exact regions of one hidden layer inside a box: nnpartition vs regioncam vs numpy.

Usage:
    python benchmarks/bench_window.py                 # everything (regioncam at L=1000 takes ~70 s)
    python benchmarks/bench_window.py --skip-slow     # regioncam only up to L=300
    python benchmarks/bench_window.py --no-regioncam  # no regioncam at all
    python benchmarks/bench_window.py --calibrate     # time per step of max_work's estimate, d = 1..12
    python benchmarks/bench_window.py --high-d        # random layers in d = 7..12, counts and times
    python benchmarks/bench_window.py --degenerate    # classical degenerate arrangements against their closed forms
    python benchmarks/bench_window.py --network       # whole deep networks: against regioncam in 2-D, sampling in 3-5-D
    python benchmarks/bench_window.py --off-centre    # the cost of the exact rows of boxes off the origin, as ratios

2-D part: random layers W ~ N(0, 1) of shape (2, L), b ~ N(0, 1), float32 (what
regioncam takes; the same values are given to the others as float64), box
[-1, 1]^2. Counts must be identical; times are the best of several runs.
d >= 3 part: exact counts and timings where regioncam cannot go.

--calibrate: for every d = 1..12, the L whose worst-case work (``_core.window_work``,
what ``max_work`` is compared with) first reaches --target steps, W ~ N(0, 1/d) and
b ~ N(0, 0.01^2), so that almost every flat passes near the centre of the box
[-1, 1]^d and almost no subset is pruned (the column "meet" is regions / regions(L, d),
the share of all subsets whose flat meets the box: 1 is the worst case). Prints the
time per step and per subset: the first should be about flat across d, the second
is not.

--high-d: random layers W, b ~ N(0, 1) (the walkthrough's), box [-1, 1]^d, for
d = 7..12 and the L whose worst-case work first reaches --target (default 1e10 here):
the count and how long it took. (Before the exact decisions most of them were refused:
a decision fell within the margin, 16 x the rounding bound of a d x d determinant.) Last, the
walkthrough's layer in d = 10 (``rng = np.random.default_rng(0)``, ``W`` of shape (10, 18), then ``b``),
which docs/window.md quotes, about 20 s more.

--degenerate: the braid (x_i = x_j), Shi (x_i - x_j in {0, 1}, i < j), Catalan
(x_i - x_j in {-1, 0, 1}) and semiorder (x_i - x_j = 1, i != j) arrangements of R^n,
box [-10, 10]^n, which every region meets: the count against the closed form
(n!, (n + 1)^(n - 1), n! C_n, OEIS A006531; Stanley, "An introduction to hyperplane
arrangements") and the time, one run each. Every one is degenerate inside the box:
all their hyperplanes share the line x_1 = ... = x_n, and many share smaller flats.
Then bias-free layers (b = 0: all hyperplanes through the origin) against Cover's
count of central arrangements.

--network: whole networks (``network_regions_in_box``, linear programs), W ~ N(0, 1/fan_in), b ~ N(0, 1/4),
box [-1, 1]^d. In 2-D against regioncam and ``region_polygons`` (both exact polygon clippers): counts, best
times and their ratios. In d = 3..5, where neither goes, against what a user would otherwise do: the distinct
gate patterns of uniform sample points (``count_regions_deep``, the package's sampler, drawing included), a lower
bound; the table gives how many of the regions the samples found, and the sampler's time over the linear
programs', for 10^6 and 10^7 points.

--off-centre: a box far from the origin for its width makes the hyperplanes' offsets cancel (docs/window.md,
"Narrow boxes"): regions_in_box reads such rows exactly, and network_regions_in_box then reads every first-layer unit
exactly and carries the later layers' rows as double-doubles. The same random layer (2-D, L = 1000, W, b ~
N(0, 1)) or network (2-D, [16, 16], W ~ N(0, 1/fan_in), b ~ N(0, 1/4)) on [-1, 1]^2 and moved with the box to
[c - 1, c + 1]^2 (its first biases b - W^T (c, c), rounded: the counts are printed and should agree): best times in
the same run and their ratio, off-centre over centred. Run it with RAYON_NUM_THREADS=1 for one thread.
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


def calibrate(target: float, seed: int) -> None:
    from math import comb

    from nnpartition import _core

    print(f"max_work's unit: W ~ N(0, 1/d), b ~ N(0, 0.01^2), box [-1, 1]^d, worst-case work about {target:.0e} steps")
    print(f"{'d':>3} {'L':>8} {'steps':>9} {'subsets':>9} {'meet':>6} {'time':>9} {'ns/step':>8} "
          f"{'ns/subset':>10}  seed")
    per_step, per_subset = [], []
    for d in range(1, 13):
        L = d
        while _core.window_work(L, d) < target and L < 10**6:
            L = max(L + 1, int(L * 1.02))
        steps = _core.window_work(L, d)
        subsets = sum(comb(L, k) for k in range(1, d + 1))
        rng = np.random.default_rng(seed)
        W = rng.normal(scale=1 / np.sqrt(d), size=(d, L))
        b = rng.normal(scale=0.01, size=L)
        r, t = best_time(lambda: regions_in_box(W, b, -1.0, 1.0, max_work=10**15), min_time=0.0, max_reps=3)
        per_step.append(t / steps)
        per_subset.append(t / subsets)
        print(f"{d:>3} {L:>8} {steps:9.2e} {subsets:9.2e} {r / nnpartition.regions(L, d):6.3f} {t:8.3f}s "
              f"{t / steps * 1e9:8.2f} {t / subsets * 1e9:10.1f}  {seed}")
    print(f"largest / smallest over d: {max(per_step) / min(per_step):.1f}x per step, "
          f"{max(per_subset) / min(per_subset):.0f}x per subset")
    print("(d = 1 runs on one thread, its points sorted as one array)")


def high_d(target: float, seeds: int) -> None:
    from math import comb

    from nnpartition import _core

    print(f"random layers W, b ~ N(0, 1), box [-1, 1]^d, worst-case work about {target:.0e} steps, "
          f"seeds 0..{seeds - 1}")
    print(f"{'d':>3} {'L':>4} {'steps':>9} {'subsets':>9}  seed  {'time':>7}  regions")
    for d in range(7, 13):
        L = d
        while _core.window_work(L + 1, d) <= target:
            L += 1
        subsets = sum(comb(L, k) for k in range(1, d + 1))
        for s in range(seeds):
            rng = np.random.default_rng(s)
            W, b = rng.normal(size=(d, L)), rng.normal(size=L)
            t = time.perf_counter()
            out = regions_in_box(W, b, -1.0, 1.0, max_work=10**15)
            dt = time.perf_counter() - t
            print(f"{d:>3} {L:>4} {_core.window_work(L, d):9.2e} {subsets:9.2e}  {s:>4}  {dt:6.1f}s  {out}", flush=True)
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(10, 18)), rng.normal(size=18)
    t = time.perf_counter()
    out = regions_in_box(W, b, -1.0, 1.0)   # under the default max_work
    print(f"the walkthrough's layer (d = 10, L = 18, seed 0, W then b): {_core.window_work(18, 10):.2e} steps, "
          f"{out} regions in {time.perf_counter() - t:.1f} s")


def difference_layer(n: int, cs: tuple, ordered: bool) -> tuple:
    """(W, b) of the hyperplanes x_i - x_j = c of R^n, for the pairs i != j (ordered) or i < j, and each c in cs."""
    rows = [(i, j, c) for i in range(n) for j in range(n) if i != j and (ordered or i < j) for c in cs]
    W = np.zeros((n, len(rows)))
    for k, (i, j, _) in enumerate(rows):
        W[i, k], W[j, k] = 1.0, -1.0
    return W, np.array([-c for _, _, c in rows], dtype=float)


def degenerate() -> None:
    from math import comb, factorial

    semiorders = {2: 3, 3: 19, 4: 183, 5: 2371, 6: 38703}   # OEIS A006531
    cases = [("braid", n, (0,), False, factorial(n)) for n in (4, 6, 8)]
    cases += [("Shi", n, (0, 1), False, (n + 1) ** (n - 1)) for n in (4, 6)]
    cases += [("Catalan", n, (-1, 0, 1), False, factorial(n) * comb(2 * n, n) // (n + 1)) for n in (4, 6)]
    cases += [("semiorder", n, (1,), True, semiorders[n]) for n in (4, 6)]
    print("classical arrangements of R^n, box [-10, 10]^n, one run each")
    print("| arrangement | n | hyperplanes | regions | closed form | time |\n|---|---|---|---|---|---|")
    for name, n, cs, ordered, want in cases:
        W, b = difference_layer(n, cs, ordered)
        t = time.perf_counter()
        got = regions_in_box(W, b, -10.0, 10.0, max_work=10**15)
        dt = time.perf_counter() - t
        print(f"| {name} | {n} | {W.shape[1]} | {got} | {want}{'' if got == want else ' (DIFFERS)'} | {dt:.2f} s |",
              flush=True)
    print("\nbias-free layers (b = 0, W ~ N(0, 1), seed 0): every hyperplane through the origin, box [-1, 1]^d, "
          "one run each; the closed form is Cover's count of central hyperplanes in general position")
    print("| d | L | regions | closed form | time |\n|---|---|---|---|---|")
    for d, L in ((2, 1000), (3, 150), (4, 40), (6, 16)):
        W = np.random.default_rng(0).normal(size=(d, L))
        t = time.perf_counter()
        got = regions_in_box(W, np.zeros(L), -1.0, 1.0, max_work=10**15)
        dt = time.perf_counter() - t
        want = nnpartition.regions(L, d, central=True)
        print(f"| {d} | {L} | {got} | {want}{'' if got == want else ' (DIFFERS)'} | {dt:.2f} s |", flush=True)


def _net(d: int, widths: list, seed: int) -> list:
    rng = np.random.default_rng(seed)
    layers, fan_in = [], d
    for n in widths:
        layers.append((rng.normal(size=(fan_in, n)) / np.sqrt(fan_in), rng.normal(size=n) * 0.5))
        fan_in = n
    return layers


def _sampled_patterns(layers: list, d: int, n: int, seed: int) -> int:
    """The distinct gate patterns of ``n`` uniform points: ``count_regions_deep``, the package's sampler."""
    X = np.random.default_rng(seed).uniform(-1, 1, size=(n, d))
    return nnpartition.count_regions_deep(X, layers).n_regions


def network(use_rc: bool) -> None:
    from nnpartition.network import DeepNet
    from nnpartition.pictures import region_polygons
    from nnpartition.window import network_regions_in_box

    print("2-D, box [-1, 1]^2, whole networks: network_regions_in_box (LP) vs region_polygons vs regioncam")
    print(f"{'widths':>14} {'regions':>8} {'LP':>9} {'polygons':>9} {'regioncam':>9} {'LP/poly':>8} {'LP/rc':>7}  same")
    for widths in ([16, 16], [32, 32], [16, 16, 16], [64, 64]):
        layers = _net(2, widths, 0)
        net = DeepNet(layers, np.ones(widths[-1]), 0.0)
        ours, t_ours = best_time(lambda: network_regions_in_box(layers, -1.0, 1.0), min_time=0.5, max_reps=5)
        poly, t_poly = best_time(lambda: region_polygons(net, box=(-1.0, 1.0)).n_regions, min_time=0.5, max_reps=20)
        rc, t_rc = None, float("nan")
        if use_rc:
            import regioncam

            def run_rc() -> int:
                cam = regioncam.Regioncam(size=1.0)
                for W, b in layers:
                    cam.linear(W.astype(np.float32), b.astype(np.float32))
                    cam.relu()
                return cam.num_faces

            rc, t_rc = best_time(run_rc, min_time=0.5, max_reps=20)
        same = ours == poly and (rc is None or rc == ours)
        print(f"{str(widths):>14} {ours:>8} {t_ours:>8.3f}s {t_poly:>8.4f}s {t_rc:>8.4f}s {t_ours / t_poly:>8.0f} "
              f"{t_ours / t_rc:>7.0f}  {same} (regioncam {rc})")
    print()
    print("d = 3..5, box [-1, 1]^d: network_regions_in_box (LP) vs the distinct patterns of uniform samples "
          "(count_regions_deep)")
    print(f"{'d':>2} {'widths':>14} {'regions':>8} {'LP':>8} {'1e6 found':>10} {'time/LP':>8} {'1e7 found':>10} "
          f"{'time/LP':>8}")
    for d, widths in ((3, [16, 16]), (3, [20, 20, 20]), (4, [16, 16]), (4, [12, 12, 12]), (5, [12, 12])):
        layers = _net(d, widths, 0)
        t = time.perf_counter()
        ours = network_regions_in_box(layers, -1.0, 1.0)
        t_ours = time.perf_counter() - t
        found = []
        for n in (10**6, 10**7):
            t = time.perf_counter()
            found.append((_sampled_patterns(layers, d, n, 1), time.perf_counter() - t))
        print(f"{d:>2} {str(widths):>14} {ours:>8} {t_ours:>7.2f}s "
              + " ".join(f"{k / ours:>9.1%} {s / t_ours:>8.1f}" for k, s in found))


def off_centre() -> None:
    """Times on [-1, 1]^2 and on the same box moved to [c - 1, c + 1]^2 with its layer or network, and their ratio."""
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(2, 1000)), rng.normal(size=1000)
    print("regions_in_box, 2-D, L = 1000 (best of >= 30 runs); off-centre rows taken exactly")
    print(f"{'box':>22} {'regions':>8} {'time':>9} {'centred':>9} {'ratio':>6}")
    base, t0 = best_time(lambda: regions_in_box(W, b, -1.0, 1.0), min_time=1.0, max_reps=400)
    for c in (10.0, 1000.0, 1e6):
        bc = b - W.sum(axis=0) * c
        r, t = best_time(lambda: regions_in_box(W, bc, c - 1, c + 1), min_time=1.0, max_reps=400)
        print(f"{f'[{c - 1:.0f}, {c + 1:.0f}]^2':>22} {r:>8} {t * 1e3:7.2f}ms {t0 * 1e3:7.2f}ms {t / t0:5.2f}x"
              f"{'' if r == base else f'  (centred: {base})'}")
    layers = [(rng.normal(scale=1 / np.sqrt(2), size=(2, 16)), rng.normal(scale=0.5, size=16)),
              (rng.normal(scale=1 / 4, size=(16, 16)), rng.normal(scale=0.5, size=16))]
    print("network_regions_in_box, 2-D, [16, 16] (best of >= 5 runs); first-layer units whose constant rounds by "
          "more than 2**-40 of their weights: the first layer read exactly, later rows then double-doubles")
    base, t0 = best_time(lambda: nnpartition.network_regions_in_box(layers, -1.0, 1.0), min_time=2.0, max_reps=20)
    for c in (10.0, 1000.0, 1e6):
        moved = [(layers[0][0], layers[0][1] - layers[0][0].sum(axis=0) * c), layers[1]]
        r, t = best_time(lambda: nnpartition.network_regions_in_box(moved, c - 1, c + 1), min_time=2.0, max_reps=20)
        print(f"{f'[{c - 1:.0f}, {c + 1:.0f}]^2':>22} {r:>8} {t * 1e3:7.1f}ms {t0 * 1e3:7.1f}ms {t / t0:5.2f}x"
              f"{'' if r == base else f'  (centred: {base})'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-slow", action="store_true", help="skip regioncam at L=1000 (about 70 s)")
    ap.add_argument("--no-regioncam", action="store_true", help="do not run regioncam at all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calibrate", action="store_true", help="time per step of max_work's estimate, d = 1..12")
    ap.add_argument("--high-d", action="store_true", help="counts and times of random layers in d = 7..12")
    ap.add_argument("--degenerate", action="store_true",
                    help="classical degenerate arrangements (braid, Shi, Catalan, semiorder) against their closed "
                         "forms")
    ap.add_argument("--network", action="store_true",
                    help="whole deep networks: against regioncam and region_polygons in 2-D, sampling in d = 3..5")
    ap.add_argument("--off-centre", action="store_true",
                    help="the cost of the exact rows of boxes far from the origin for their width, as ratios")
    ap.add_argument("--target", type=float, default=None,
                    help="worst-case steps of each run (default 1e9 with --calibrate, 1e10 with --high-d)")
    ap.add_argument("--seeds", type=int, default=3, help="with --high-d: layers per d")
    args = ap.parse_args()
    if args.calibrate:
        calibrate(args.target or 1e9, args.seed)
        return
    if args.high_d:
        high_d(args.target or 1e10, args.seeds)
        return
    if args.degenerate:
        degenerate()
        return
    if args.off_centre:
        off_centre()
        return
    use_rc = not args.no_regioncam
    if use_rc:
        try:
            import regioncam  # noqa: F401
        except ImportError:
            print("regioncam is not installed (pip install regioncam); running without it")
            use_rc = False
    if args.network:
        network(use_rc)
        return

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
    print(f"{'d':>3} {'L':>5} {'regions in box':>15} {'regions(L, d)':>15} {'time':>10} {'steps (worst case)':>19}")
    for d, Ls in ((3, (30, 100, 300)), (4, (30, 60, 120)), (5, (20, 40, 60))):
        for L in Ls:
            W = rng.normal(scale=1 / np.sqrt(d), size=(d, L))
            b = rng.normal(size=L)
            r, t = best_time(lambda: regions_in_box(W, b, -1.0, 1.0), min_time=0.2)
            print(f"{d:>3} {L:>5} {r:>15} {nnpartition.regions(L, d):>15} {t * 1e3:8.1f}ms "
                  f"{nnpartition._core.window_work(L, d):19.2e}")


if __name__ == "__main__":
    main()
