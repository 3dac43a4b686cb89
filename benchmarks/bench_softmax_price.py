"""The price of ``lowrank.train_softmax_layer`` against its CPU time, from a 4 x 3 joint to a 500 x 300 one.

Usage:
    python benchmarks/bench_softmax_price.py                       # about 10 s of CPU
    python benchmarks/bench_softmax_price.py --shapes 4x3x1x2000 200x100x8x300 --repeats 5

The call checks its work against ``max_work`` before it trains, at a price in steps of about a nanosecond of one
core (docs/limits.md): ``steps (n_x n_y (3 k + 12) + 3e4)`` (``layer._softmax_layer_work``; the ``3e4`` is a step's
numpy calls). For each shape ``n_x x n_y x k x steps`` this script prints the price, the CPU time of the fastest of
``--repeats`` calls (``time.process_time``: every thread, the BLAS's included) and the CPU nanoseconds per step of
price: the price is right where that column stays near 1 at every size, and a constant tightened to the sizes where
it reads low would price the sizes where it reads near or above 1 below their work (docs/lowrank.md).
"""

from __future__ import annotations

import argparse
import time
from typing import List, Tuple

from nnpartition.lowrank import layer, local_family

#: (n_x, n_y, k, steps): from the joints of the docs' examples (a few cells, the steps' numpy calls dominate) to a
#: 500 x 300 joint (its products dominate), about 0.1 to 1 s each.
SHAPES = [(4, 3, 1, 2000), (6, 4, 2, 2000), (20, 20, 3, 2000), (60, 40, 5, 1000), (200, 100, 8, 300),
          (500, 300, 10, 100)]


def _shape(text: str) -> Tuple[int, int, int, int]:
    try:
        nx, ny, k, steps = (int(t) for t in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a shape is NXxNYxKxSTEPS, e.g. 20x20x3x2000, got {text!r}") from None
    return nx, ny, k, steps


def main(argv: List[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", type=_shape, nargs="+", default=SHAPES, metavar="NXxNYxKxSTEPS",
                    help="the joints, feature dimensions and steps to time (default: six, from 4x3 to 500x300)")
    ap.add_argument("--repeats", type=int, default=3, help="calls of each shape; the fastest is kept (default 3)")
    args = ap.parse_args(argv)
    print("| joint | k | steps | price (steps) | CPU (s), fastest | CPU ns per step of price |")
    print("|---|---|---|---|---|---|")
    for nx, ny, k, steps in args.shapes:
        P = local_family(nx, ny, 0.3)
        price = layer._softmax_layer_work(nx, ny, k, steps)
        times = []
        for _ in range(max(1, args.repeats)):
            t0 = time.process_time()
            layer.train_softmax_layer(P, k, steps=steps, progress=False)
            times.append(time.process_time() - t0)
        cpu = min(times)
        print(f"| {nx} x {ny} | {k} | {steps} | {price:.3g} | {cpu:.3f} | {cpu * 1e9 / price:.2f} |", flush=True)


if __name__ == "__main__":
    main()
