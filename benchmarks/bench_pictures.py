"""Exact region polygons of deep 2-D networks: nnpartition.region_polygons vs regioncam, in one run.

Usage:
    python benchmarks/bench_pictures.py            # the table below (about a minute, most of it regioncam)
    python benchmarks/bench_pictures.py --quick    # only the two smaller architectures
    python benchmarks/bench_pictures.py --narrow   # a narrow window's cost: the same partition moved far out
    python benchmarks/bench_pictures.py --movie    # a training movie against the loop a user would write

``--narrow`` needs no regioncam: each network ``g`` is also drawn as ``f(x) = g((x - c) / s)`` on the window
``[c - s, c + s]^2`` with ``c = 10^4`` and ``s = 2^-10`` (its first layer ``W / s`` and ``b - W^T c / s``): the same
partition, in a window narrow for its coordinates (``c / s`` about ``10^7``), which ``region_polygons`` draws from
double-doubles (docs/pictures.md, "Later layers in a window narrow for its coordinates"). The table gives both region
counts (they agree up to slivers of ``b``'s rounding, about ``10^-9`` of the window) and the time ratio, same run.

``--movie`` times the README's movie (``nnpartition movie -d 2 -N 200 -L 16 --data xor --every 25 --steps 1500``,
61 frames) made by ``nnpartition.pictures.movie`` and by the loop a user would write around ``plot_partition`` with
matplotlib's ``PillowWriter`` (the same snapshots, frame size, dpi, three title lines and key, laid out by
``fig.tight_layout()`` at each frame), alternately in one run; CPU seconds of this process (the machine is shared)
and their ratio.

Networks ``2 -> w -> ... -> w -> 1`` drawn like PyTorch's default initialisation
(``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), weights rounded to float32 (what
regioncam takes) and given to both tools as the same values; window ``[-1, 1]^2``.
Each tool does its whole job: regioncam builds its plane graph through every
layer including the output layer (``num_faces``), nnpartition builds the
polygons, activation patterns and the output's affine map on every region.
The region counts must be identical. Times are the best of several runs;
nnpartition is timed on all cores and, in a subprocess, on one thread
(``RAYON_NUM_THREADS=1``), so the ratio is also given core for core.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Callable, List, Tuple, Any

import numpy as np

import nnpartition
from nnpartition import DeepNet, region_polygons

ARCHS = [[64, 64], [32, 32, 32], [128, 128], [256, 256], [64, 64, 64, 64]]
QUICK = [[64, 64], [32, 32, 32]]


def best_time(fn: Callable[[], Any], min_time: float = 0.5, max_reps: int = 50) -> Tuple[Any, float]:
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


def network(widths: List[int], seed: int) -> Tuple[list, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    layers, fan_in = [], 2
    for w in widths:
        s = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-s, s, (fan_in, w)).astype(np.float32),
                       rng.uniform(-s, s, w).astype(np.float32)))
        fan_in = w
    s = 1 / np.sqrt(fan_in)
    return layers, rng.uniform(-s, s, fan_in).astype(np.float32), 0.0


def regioncam_faces(layers, w_out, b_out) -> int:
    import regioncam

    rc = regioncam.Regioncam(size=1.0)
    for W, b in layers:
        rc.linear(W, b)
        rc.relu()
    rc.linear(w_out[:, None], np.array([b_out], np.float32))
    return int(rc.num_faces)


def ours(layers, w_out, b_out) -> int:
    net = DeepNet([(W.astype(np.float64), b.astype(np.float64)) for W, b in layers], w_out.astype(np.float64),
                  b_out)
    return region_polygons(net, box=(-1.0, 1.0)).n_regions


def one_thread_time(widths: List[int], seed: int) -> float:
    """Best time of region_polygons on one thread, measured in a fresh interpreter."""
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r});"
            f"import bench_pictures as b; L = b.network({widths!r}, {seed});"
            f"print(b.best_time(lambda: b.ours(*L))[1])")
    env = {**os.environ, "RAYON_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def moved_far(layers, w_out, b_out, c: float = 1e4, s: float = 2.0**-10) -> Tuple[DeepNet, DeepNet, tuple]:
    """The network on ``[-1, 1]^2``, the same partition moved to ``[c - s, c + s]^2``, and that window."""
    layers = [(W.astype(np.float64), b.astype(np.float64)) for W, b in layers]
    (W, b), rest = layers[0], layers[1:]
    far = [(W / s, b - (np.array([c, c]) @ W) / s)] + rest
    out = w_out.astype(np.float64)
    return DeepNet(layers, out, b_out), DeepNet(far, out, b_out), ((c - s, c - s), (c + s, c + s))


def narrow_table(archs: List[List[int]], seeds: int) -> int:
    print(f"nnpartition {nnpartition.__version__}, {os.cpu_count()} cores; the same partition on [-1, 1]^2 and on a "
          "window narrow for its coordinates; best of several runs, same run")
    print(f"{'network':>30} {'seed':>4} {'regions':>8} {'narrow':>8} {'ordinary':>10} {'narrow':>10} {'ratio':>7}")
    ratios = []
    for widths in archs:
        for seed in range(seeds):
            near, far, box = moved_far(*network(widths, seed))
            n_near, t_near = best_time(lambda: region_polygons(near, box=(-1.0, 1.0)).n_regions)
            n_far, t_far = best_time(lambda: region_polygons(far, box=box).n_regions)
            ratios.append(t_far / t_near)
            name = "2 -> " + " -> ".join(map(str, widths)) + " -> 1"
            print(f"{name:>30} {seed:>4} {n_near:>8} {n_far:>8} {t_near * 1e3:8.1f}ms {t_far * 1e3:8.1f}ms "
                  f"{t_far / t_near:6.1f}x")
    print(f"geometric mean: the narrow window takes {np.exp(np.mean(np.log(ratios))):.1f}x the ordinary one's time")
    return 0


def movie_table(reps: int) -> int:
    """The README's movie by ``movie()`` and by a user's loop around ``plot_partition``, ``reps`` times each."""
    import tempfile

    from matplotlib.animation import PillowWriter
    from matplotlib.figure import Figure

    from nnpartition import plot_partition, train
    from nnpartition.datasets import toy_dataset
    from nnpartition.pictures import movie

    X, y = toy_dataset("xor", 200, 2, seed=0)

    def ours(path: str) -> int:
        return movie(X, y, 16, path=path, every=25, steps=1500, seed=0, progress=False).frames

    def users(path: str) -> int:
        res = train(X, y, 16, steps=1500, restarts=1, seed=0, snapshot_every=25, progress=False)
        fig = Figure(figsize=(4.5, 5.3))
        writer = PillowWriter(fps=8)
        nets = res.snapshots()
        with writer.saving(fig, path, 80):
            for k, net in enumerate(nets):
                fig.clear()
                ax = fig.add_subplot()
                rp = nnpartition.region_polygons(net, box=(-1.1, 1.1))
                plot_partition(net, X, y, ax=ax, box=(-1.1, 1.1))
                ax.set_title(f"step {int(res.snapshot_steps[k])}   train acc {res.snapshot_accuracy[k]:.3f}\n"
                             f"{rp.n_regions} regions\nestimate_accuracy: 0.657", fontsize=8)
                fig.tight_layout()
                writer.grab_frame()
        return len(nets)

    print(f"nnpartition {nnpartition.__version__}, {os.cpu_count()} cores; the README's movie (61 frames), "
          f"CPU seconds of this process")
    print(f"{'rep':>3} {'movie()':>9} {'user loop':>10} {'ratio':>6}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(reps):
            times = {}
            for name, fn in ((("ours", ours), ("users", users)) if rep % 2 == 0 else
                             (("users", users), ("ours", ours))):
                c = time.process_time()
                frames = fn(os.path.join(tmp, f"{name}.gif"))
                times[name] = time.process_time() - c
                assert frames == 61, frames
            ratios.append(times["users"] / times["ours"])
            print(f"{rep:>3} {times['ours']:8.2f}s {times['users']:9.2f}s {ratios[-1]:5.2f}x")
    print(f"movie() over a user's loop: {min(ratios):.2f}-{max(ratios):.2f}x less CPU "
          f"(geometric mean {np.exp(np.mean(np.log(ratios))):.2f}x)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the two smaller architectures")
    ap.add_argument("--seeds", type=int, default=2, help="random networks per architecture (default 2)")
    ap.add_argument("--narrow", action="store_true", help="a narrow window's cost against an ordinary one's "
                    "(no regioncam needed)")
    ap.add_argument("--movie", action="store_true", help="a training movie's cost against a user's loop around "
                    "plot_partition (no regioncam needed)")
    ap.add_argument("--reps", type=int, default=4, help="--movie: runs of each (default 4)")
    args = ap.parse_args()
    if args.movie:
        return movie_table(args.reps)
    if args.narrow:
        return narrow_table(QUICK if args.quick else ARCHS, args.seeds)
    try:
        import regioncam  # noqa: F401
    except ImportError:
        print("regioncam is not installed (pip install regioncam): nothing to compare with")
        return 1
    import regioncam as _rc

    print(f"nnpartition {nnpartition.__version__}, regioncam {getattr(_rc, '__version__', '?')}, "
          f"{os.cpu_count()} cores; window [-1, 1]^2; best of several runs")
    print(f"{'network':>30} {'seed':>4} {'regions':>8} {'same':>5} {'regioncam':>10} {'nnp (all)':>10} "
          f"{'nnp (1 thr)':>11} {'rc/nnp':>7} {'rc/nnp 1thr':>11}")
    ratios, ratios1 = [], []
    for widths in (QUICK if args.quick else ARCHS):
        for seed in range(args.seeds):
            L = network(widths, seed)
            rc_n, t_rc = best_time(lambda: regioncam_faces(*L))
            our_n, t_ours = best_time(lambda: ours(*L))
            t_one = one_thread_time(widths, seed)
            ratios.append(t_rc / t_ours)
            ratios1.append(t_rc / t_one)
            name = "2 -> " + " -> ".join(map(str, widths)) + " -> 1"
            print(f"{name:>30} {seed:>4} {our_n:>8} {'yes' if our_n == rc_n else 'NO':>5} {t_rc * 1e3:8.1f}ms "
                  f"{t_ours * 1e3:8.1f}ms {t_one * 1e3:9.1f}ms {t_rc / t_ours:6.1f}x {t_rc / t_one:10.1f}x")
    print(f"geometric mean speed-up over regioncam: {np.exp(np.mean(np.log(ratios))):.1f}x on all cores, "
          f"{np.exp(np.mean(np.log(ratios1))):.1f}x on one thread")
    return 0


if __name__ == "__main__":
    sys.exit(main())
