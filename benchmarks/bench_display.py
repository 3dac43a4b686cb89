"""What a notebook's rich display of a result costs: the picture of RegionPolygons, the HTML tables.

Usage:
    python benchmarks/bench_display.py     # a few seconds

Times (best of 3, wall, one process on the shared machine) of ``RegionPolygons._repr_png_`` for random two-layer
networks ``2 -> L -> 1`` in the window ``[-2, 2]^2`` (the regions grow as ``L^2 / 2``) up to the largest count it
draws (``pictures.drawing.PICTURE_MAX_REGIONS``), matplotlib already imported; and of the HTML of a scalar
estimate, an array estimate of 1000 configurations, a ``required_width`` answer and a ``max_samples`` answer. The
limit and the times quoted in docs/training.md ("In a notebook") and the picture's docstring come from this table.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Callable

import numpy as np


def best(fn: Callable[[], Any], reps: int = 3) -> float:
    out = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()
    import matplotlib  # noqa: F401 - imported before the clock starts, as in a notebook that has drawn before

    import nnpartition as nn
    from nnpartition.pictures.drawing import PICTURE_MAX_REGIONS

    print(f"RegionPolygons._repr_png_ (at most {PICTURE_MAX_REGIONS} regions)")
    print(f"{'L':>5s} {'regions':>8s} {'seconds':>8s} {'PNG bytes':>10s}")
    rng = np.random.default_rng(0)
    for L in (10, 50, 100, 150, 200):
        net = nn.TwoLayerNet(rng.normal(size=(2, L)), 0.5 * rng.normal(size=L), rng.normal(size=L), 0.0)
        rp = nn.region_polygons(net, box=(-2, 2))
        if rp.n_regions > PICTURE_MAX_REGIONS:
            print(f"{L:5d} {rp.n_regions:8d} {'(text)':>8s}")
            continue
        png = rp._repr_png_()
        print(f"{L:5d} {rp.n_regions:8d} {best(rp._repr_png_):8.3f} {len(png or b''):10d}")
    print("\nHTML tables")
    cases = {"estimate_accuracy(10, 1000, 20)": nn.estimate_accuracy(10, 1000, 20),
             "estimate_accuracy(10, arange(1000) + 100, 20)": nn.estimate_accuracy(10, np.arange(1000) + 100, 20),
             "required_width(10, 5000, 0.99)": nn.required_width(10, 5000, 0.99),
             "max_samples(10, 64, 0.99)": nn.max_samples(10, 64, 0.99)}
    for name, r in cases.items():
        print(f"{name:48s} {best(r._repr_html_, 20) * 1e3:7.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
