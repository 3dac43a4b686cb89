"""regions_in_box against exact rational oracles on random small integer hyperplanes.

    python benchmarks/window_oracle.py [--cases 4000] [--seed 1]        # 3-D, about 50 s
    python benchmarks/window_oracle.py --high-d [--cases 600] [--seed 1]  # 4-D and 5-D, about a minute

3-D (default): each case has 0-7 planes ``a . x = c`` with integer ``a`` in -2..2 and ``c`` in -3..3 (many through the
cube's corners, along its edges, meeting on its faces, coincident or concurrent), box ``(-2, 2)^3``. The oracle is
``tests/test_window.py``'s ``exact_3d``: deletion and restriction, plane by plane and trace by trace (corner signs,
slab intervals, Gauss-Jordan elimination on ``Fraction``s; independent of the core's zonotope test and of its
subsets).

``--high-d``: ``d`` = 4 or 5, 0-7 hyperplanes with integer ``a`` in -1..1 or -2..2 (drawn per case) and ``c`` in
-2..2, up to two of them combined from the others (``with_derived``: repeated and scaled, or through the flat of two
others; inserted anywhere), box ``(-2, 2)^d``. The oracle is ``exact_moebius``: Zaslavsky's theorem with the Moebius
function of the flats that meet the open box computed directly (flats by closures and reduced row echelon forms, the
open box by Fourier-Motzkin elimination, all on ``Fraction``s; no broken circuits, no zonotope test).

Either oracle gives the exact count after each hyperplane, which ``region_count_curve`` must give. Prints how many
cases agree and how many of them are degenerate inside the box (a set of hyperplanes with linearly dependent normals
whose common flat meets the open box: coincident hyperplanes, three through a common codimension-2 flat, ...), and
the first disagreement if there is one (exit status 1). ``docs/window.md`` quotes the default runs.
"""

from __future__ import annotations

import argparse
import random
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_window import _box_flats, exact_3d, exact_moebius, with_derived  # noqa: E402

from nnpartition.window import region_count_curve  # noqa: E402


def degenerate_inside(rows, lo, hi):
    """Is some set of the hyperplanes dependent (normals of lower rank than the set's size) while their common flat
    meets the open box? Iff a flat meeting the box lies in more hyperplanes than its codimension (its closure is
    such a set, and any such set lies in the closure of its flat)."""
    return any(len(closure) > codim for closure, codim in _box_flats(rows, lo, hi).items())


def draw_3d(rng: random.Random) -> tuple:
    n = rng.randint(0, 7)
    planes = []
    while len(planes) < n:
        p = tuple(rng.randint(-2, 2) for _ in range(3)) + (rng.randint(-3, 3),)
        if p[:3] != (0, 0, 0):
            planes.append(p)
    return 3, planes


def draw_high_d(rng: random.Random) -> tuple:
    d, k, n = rng.choice((4, 5)), rng.choice((1, 2)), rng.randint(0, 7)
    hyperplanes = []
    while len(hyperplanes) < n:
        h = tuple(rng.randint(-k, k) for _ in range(d)) + (rng.randint(-2, 2),)
        if any(h[:d]):
            hyperplanes.append(h)
    extra = rng.randint(0, min(2, 7 - n))       # combined from the others: repeated, or through their flat
    ops = [(rng.randrange(9), rng.randrange(9), rng.randrange(9), rng.choice((-1, 1, 2)), rng.choice((-1, 0, 1)))
           for _ in range(extra)]
    return d, with_derived(hyperplanes, ops)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--high-d", action="store_true", help="d = 4 and 5 against exact_moebius (default: 3-D)")
    ap.add_argument("--cases", type=int, default=None, help="default 4000 in 3-D, 600 with --high-d")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cases = args.cases if args.cases is not None else (600 if args.high_d else 4000)
    draw = draw_high_d if args.high_d else draw_3d
    rng = random.Random(args.seed)
    degenerate = 0
    for _ in range(cases):
        d, hyperplanes = draw(rng)
        n = len(hyperplanes)
        exact = [tuple(Fraction(x) for x in h) for h in hyperplanes]
        want = [exact_moebius(exact[:m], -2, 2) for m in range(n + 1)] if args.high_d else exact_3d(exact, -2, 2)
        W = np.array([h[:d] for h in hyperplanes], dtype=float).T.reshape(d, n)
        b = -np.array([h[d] for h in hyperplanes], dtype=float)
        got = region_count_curve(W, b, -2, 2).tolist()
        if got != want:
            print(f"disagreement: d = {d}, hyperplanes {hyperplanes}: oracle {want}, region_count_curve {got}")
            return 1
        degenerate += degenerate_inside(exact, -2, 2)
    print(f"{cases} cases agree, after every hyperplane: {degenerate} of them degenerate inside the box")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
