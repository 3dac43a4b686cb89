"""regions_in_box against an exact rational oracle on random small integer planes in 3-D (about 15 s).

    python benchmarks/window_oracle.py [--cases 4000] [--seed 1]

Each case: 0-7 planes ``a . x = c`` with integer ``a`` in -2..2 and ``c`` in -3..3 (many through the cube's corners,
along its edges, meeting on its faces, coincident or concurrent), box ``(-2, 2)^3``. The oracle is
``tests/test_window.py``'s ``exact_3d`` (corner signs, slab intervals, Gauss-Jordan elimination on ``Fraction``s;
independent of the core's zonotope test): it gives the exact count, or None where the arrangement is degenerate inside
the box, where ``regions_in_box`` must raise a "degenerate" ``ValueError``. Prints how many were counted and refused,
and the first disagreement if there is one (exit status 1). ``docs/window.md`` quotes the default run.
"""

from __future__ import annotations

import argparse
import random
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_window import exact_3d  # noqa: E402

from nnpartition.window import regions_in_box  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    counted = refused = 0
    for _ in range(args.cases):
        n = rng.randint(0, 7)
        planes = []
        while len(planes) < n:
            p = tuple(rng.randint(-2, 2) for _ in range(3)) + (rng.randint(-3, 3),)
            if p[:3] != (0, 0, 0):
                planes.append(p)
        want = exact_3d([tuple(Fraction(x) for x in p) for p in planes], -2, 2)
        W = np.array([p[:3] for p in planes], dtype=float).T.reshape(3, n)
        b = -np.array([p[3] for p in planes], dtype=float)
        try:
            got = regions_in_box(W, b, -2, 2)
        except ValueError as e:
            if "degenerate" not in str(e):
                raise
            got = None
        if got != want:
            print(f"disagreement: planes {planes}: oracle {want}, regions_in_box {got}")
            return 1
        counted += want is not None
        refused += want is None
    print(f"{args.cases} cases agree: {counted} counted, {refused} refused as degenerate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
