"""regions_in_box against an exact rational oracle on random small integer planes in 3-D (about 15 s).

    python benchmarks/window_oracle.py [--cases 4000] [--seed 1]

Each case: 0-7 planes ``a . x = c`` with integer ``a`` in -2..2 and ``c`` in -3..3 (many through the cube's corners,
along its edges, meeting on its faces, coincident or concurrent), box ``(-2, 2)^3``. The oracle is
``tests/test_window.py``'s ``exact_3d`` (deletion and restriction, plane by plane and trace by trace; corner signs,
slab intervals, Gauss-Jordan elimination on ``Fraction``s; independent of the core's zonotope test and of its subsets):
the exact count after each plane, which ``region_count_curve`` must give. Prints how many cases agree and how many of
them are degenerate inside the box (a set of planes with dependent normals whose common flat meets the open cube:
coincident planes, three through a line, four through a point), and the first disagreement if there is one (exit
status 1). ``docs/window.md`` quotes the default run.
"""

from __future__ import annotations

import argparse
import random
import sys
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_window import _meets_open_box, _solve, exact_3d  # noqa: E402

from nnpartition.window import region_count_curve  # noqa: E402


def degenerate_inside(planes, lo, hi):
    """Is some set of the planes that enter the open cube dependent (normals of lower rank than the set's size) while
    their common flat meets the cube?"""
    lo, hi = Fraction(lo), Fraction(hi)
    corners = [(x, y, z) for x in (lo, hi) for y in (lo, hi) for z in (lo, hi)]
    meet = [p for p in planes if min(v := [sum(a * x for a, x in zip(p[:3], c)) - p[3] for c in corners]) < 0 < max(v)]
    for k in (2, 3, 4):
        for sub in combinations(meet, k):
            flat = _solve(list(sub))
            if flat is not None and flat[2] < k and (len(flat[1]) == 2 or _meets_open_box(flat, lo, hi)):
                return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    degenerate = 0
    for _ in range(args.cases):
        n = rng.randint(0, 7)
        planes = []
        while len(planes) < n:
            p = tuple(rng.randint(-2, 2) for _ in range(3)) + (rng.randint(-3, 3),)
            if p[:3] != (0, 0, 0):
                planes.append(p)
        exact = [tuple(Fraction(x) for x in p) for p in planes]
        want = exact_3d(exact, -2, 2)
        W = np.array([p[:3] for p in planes], dtype=float).T.reshape(3, n)
        b = -np.array([p[3] for p in planes], dtype=float)
        got = region_count_curve(W, b, -2, 2).tolist()
        if got != want:
            print(f"disagreement: planes {planes}: oracle {want}, region_count_curve {got}")
            return 1
        degenerate += degenerate_inside(exact, -2, 2)
    print(f"{args.cases} cases agree, after every plane: {degenerate} of them degenerate inside the box")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
