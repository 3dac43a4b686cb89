"""``nnpartition regions``: exact region counts (general position, or a trained layer inside a box)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from .. import counting
from .common import dumps, integer, load_layer


#: Largest exact count printed in full (2^20 bits, about 316,000 digits): Python turns an integer into decimal digits
#: in quadratic time (a second here, 16 s at 4 million bits), so larger counts are printed in scientific notation.
MAX_PRINTED_BITS = 2**20


def _printable(value: int) -> Any:
    """``value`` itself, or for a count past :data:`MAX_PRINTED_BITS` its first ten digits in scientific notation (a
    string, truncated, not rounded) and how many digits it has, both exact (integer arithmetic, no decimal string).

    Example:
        >>> _printable(13432735556)
        13432735556
        >>> _printable(2 ** (2**21))
        {'approx': '4.544297019e+631305', 'digits': 631306}
        >>> _printable(10**400000 - 1)
        {'approx': '9.999999999e+399999', 'digits': 400000}
    """
    if value.bit_length() <= MAX_PRINTED_BITS:
        return value
    exp = int(value.bit_length() * math.log10(2))   # within one of floor(log10(value)); made exact below
    power = 10**exp                                 # one big power; its neighbours by one multiplication
    while power > value:
        exp, power = exp - 1, power // 10
    while power * 10 <= value:
        exp, power = exp + 1, power * 10
    lead = value // (power // 10**9)                # the first ten digits
    return {"approx": f"{lead // 10**9}.{lead % 10**9:09d}e+{exp}", "digits": exp + 1}


def _regions(args: argparse.Namespace) -> int:
    general = args.L is not None or args.d is not None
    window = args.weights is not None or args.box is not None
    if general and window:
        raise ValueError("give either -L and -d (general position count in R^d) or --weights and --box "
                         "(exact count of a layer inside a box), not both")
    if window:
        return _regions_in_box(args)
    if args.L is None or args.d is None:
        raise ValueError("give -L and -d (general position count in R^d), or --weights FILE.npz --box LO HI "
                         "(exact count of a trained layer inside a box)")
    r = _printable(counting.regions(args.L, args.d, central=args.central))
    out = {
        "L": args.L, "d": args.d, "central": args.central, "regions": r,
        "log_regions": counting.log_regions(args.L, args.d) if not args.central else None,
        "bounded_regions": None if args.central else _printable(counting.bounded_regions(args.L, args.d)),
    }
    if args.json:
        print(dumps(out))
    else:
        def text(v: Any) -> str:
            return f"{v['approx']} ({v['digits']} digits)" if isinstance(v, dict) else str(v)

        kind = "central" if args.central else "affine"
        print(f"{args.L} {kind} hyperplanes in general position cut R^{args.d} into {text(r)} regions")
        if not args.central:
            print(f"bounded regions: {text(out['bounded_regions'])}")
            print(f"ln(regions): {out['log_regions']:.6f}")
    return 0


def _regions_in_box(args: argparse.Namespace) -> int:
    from ..window import regions_in_box

    if args.weights is None or args.box is None:
        raise ValueError("--weights and --box go together: --weights FILE.npz --box LO HI")
    if args.central:
        raise ValueError("--central applies to the -L/-d count only")
    lo, hi = args.box
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"--box LO HI must be finite numbers, got {lo:g} {hi:g}")
    W, b = load_layer(args.weights)
    r = regions_in_box(W, b, lo, hi, tol=args.tol, max_work=args.max_work)
    d, L = W.shape
    upper = counting.regions(L, d)
    if args.json:
        print(dumps({"weights": args.weights, "d": d, "L": L, "box": [lo, hi], "regions": r,
                          "general_position_regions": upper}))
    else:
        print(f"{L} neurons cut the box [{lo:g}, {hi:g}]^{d} into {r} regions "
              f"(at most {upper} in all of R^{d})")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``regions`` subcommand."""
    p = sub.add_parser("regions", help="exact region count of L hyperplanes in R^d, or of a layer inside a box",
                       description="Two modes. With -L and -d: exact number of regions that L hyperplanes in "
                                   "general position cut R^d into. With --weights and --box: exact number of "
                                   "regions one trained layer (x @ W + b) cuts the box [LO, HI]^d into.")
    p.add_argument("-L", type=integer, default=None, help="number of hyperplanes (hidden neurons), >= 0")
    p.add_argument("-d", type=integer, default=None, help="dimension of the space, >= 0")
    p.add_argument("--central", action="store_true", help="all hyperplanes pass through the origin")
    p.add_argument("--weights", default=None, metavar="FILE.npz",
                   help="layer weights: an .npz with arrays W (shape (d, L)) and b (shape (L,))")
    p.add_argument("--box", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                   help="count regions inside the open box LO < x_k < HI (every coordinate); needs --weights")
    p.add_argument("--tol", type=float, default=1e-9,
                   help="with --weights: decision margin for degenerate input (default 1e-9)")
    p.add_argument("--max-work", type=integer, default=10**9,
                   help="with --weights: refuse beyond this many hyperplane subsets (default 1e9)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=_regions)
