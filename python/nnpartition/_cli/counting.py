"""``nnpartition regions``: exact region counts (general position, or a trained layer or 2-D network inside a box)."""

from __future__ import annotations

import argparse
import math
from typing import Any, Dict, Optional, Set, Tuple

import numpy as np

from .. import _core, counting
from .._files import replacing
# --tol's and --max-work's defaults: regions_in_box's own (None in the parser: -L/-d refuses them given)
from ..window import DEFAULT_MAX_WORK, DEFAULT_TOL
from .common import box_option, dumps, file_message, integer, progress_of, writing
from .layers import load_layers


#: Largest exact count printed in full (2^20 bits, about 316,000 digits): Python turns an integer into decimal digits
#: in quadratic time (a second here, 16 s at 4 million bits), so larger counts are printed in scientific notation.
MAX_PRINTED_BITS = 2**20

#: The largest input dimension the exact count of one layer takes (``MAX_DIM`` in ``rust/src/window.rs``); above it
#: the command counts the layer by linear programs, as ``--save-regions`` lists it.
MAX_EXACT_DIM: int = _core.WINDOW_MAX_DIM


def _count(n: int, noun: str) -> str:
    """``"1 region"``, ``"0 regions"``, ``"12 regions"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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
    approx, digits = counting._scientific(value)
    return {"approx": approx, "digits": digits}


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
    # they were silently ignored (-L 5 -d 2 --tol 1 --first-layer printed the count of 5 hyperplanes)
    given = [opt for opt, value in (("--tol", args.tol), ("--max-work", args.max_work),
                                    ("--max-regions", args.max_regions),
                                    ("--save-regions", args.save_regions),
                                    ("--first-layer", args.first_layer or None)) if value is not None]
    if given:
        raise ValueError(f"{' and '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to the --weights/--box "
                         "count only, not to -L/-d")
    if args.log:
        return _log_regions(args)
    try:
        r = _printable(counting._regions(args.L, args.d, args.central))
        bounded = None if args.central else _printable(counting._bounded_regions(args.L, args.d))
    except counting._TooLarge as exc:
        # in the command's words: its options, not the Python call, and the option that prints the logarithm
        central = " --central" if args.central else ""
        raise ValueError(f"-L {args.L} -d {args.d}{central}: {exc.reason}; nnpartition regions -L {args.L} -d "
                         f"{args.d}{central} --log prints ln(regions)") from None
    out = {
        "L": args.L, "d": args.d, "central": args.central, "regions": r,
        "log_regions": _ln_regions(args.L, args.d, args.central),   # it was None for --central (an audit)
        "bounded_regions": bounded,
    }
    if args.json:
        print(dumps(out))
    else:
        def text(v: Any) -> str:
            return f"{v['approx']} ({v['digits']} digits)" if isinstance(v, dict) else str(v)

        kind = "central" if args.central else "affine"
        print(f"{_count(args.L, kind + ' hyperplane')} in general position cut{'s' if args.L == 1 else ''} "
              f"R^{args.d} into {text(r)} region{'' if r == 1 else 's'}")
        if not args.central:
            print(f"bounded regions: {text(out['bounded_regions'])}")
        print(f"ln(regions): {out['log_regions']:.6f}")
    return 0


def _ln_regions(L: int, d: int, central: bool) -> float:
    """ln(regions) at any size (``log_regions``; a central arrangement is ``2 regions(L - 1, d - 1)``)."""
    value = counting.log_regions(L, d)   # also the checks of L and d (whole numbers, >= 0)
    if central:
        value = math.log(2.0) + counting.log_regions(L - 1, d - 1) if L >= 1 and d >= 1 else 0.0
    return value


def _log_regions(args: argparse.Namespace) -> int:
    """``regions --log``: ln(regions) alone, at any size."""
    L, d = args.L, args.d
    value = _ln_regions(L, d, args.central)
    if args.json:
        print(dumps({"L": L, "d": d, "central": args.central, "log_regions": value}))
    else:
        kind = "central" if args.central else "affine"
        print(f"{_count(L, kind + ' hyperplane')} in general position cut{'s' if L == 1 else ''} R^{d} into "
              f"exp({value:.6f}) regions")
        print(f"ln(regions): {value:.6f}")
    return 0


def _regions_in_box(args: argparse.Namespace) -> int:
    from ..window import regions_in_box

    if args.weights is None or args.box is None:
        raise ValueError("--weights and --box go together: --weights FILE.npz --box LO HI")
    if args.central or args.log:
        raise ValueError(f"{'--central' if args.central else '--log'} applies to the -L/-d count only")
    lo, hi = box_option(args.box) or (0.0, 0.0)   # given (checked above)
    given_tol, given_work = args.tol, args.max_work
    args.tol = DEFAULT_TOL if args.tol is None else args.tol
    args.max_work = DEFAULT_MAX_WORK if args.max_work is None else args.max_work
    layers = load_layers(args.weights)
    one_layer = len(layers) == 1 or args.first_layer
    d = int(layers[0][0].shape[0])
    # the exact count refuses d > 12 ("input dimension d = 13 is above the supported maximum 12", naming neither
    # --weights nor a way out, while --save-regions counted the same file): linear programs count it
    by_programs = one_layer and d > MAX_EXACT_DIM
    if given_work is not None and (args.save_regions is not None or not one_layer or by_programs):
        # it was silently ignored there: the linear programs and the polygons take no work limit
        raise ValueError(f"--max-work applies to one layer's exact count (a file of one hidden layer, or "
                         f"--first-layer, in d <= {MAX_EXACT_DIM}) only, not to a count by linear programs (a "
                         f"network's, a layer's in d > {MAX_EXACT_DIM}, --save-regions), which --max-regions limits")
    if args.save_regions is not None:
        return _save_regions(args, layers[:1] if args.first_layer else layers, len(layers), lo, hi, given_tol)
    if args.max_regions is not None and ((one_layer and not by_programs) or (not one_layer and d == 2)):
        raise ValueError(f"--max-regions applies to a count by linear programs (a network of several hidden layers "
                         f"with d != 2, a layer in d > {MAX_EXACT_DIM}, --save-regions) only; a layer's exact count "
                         f"is limited by --max-work")
    if not one_layer:
        return _network_in_box(args, layers, lo, hi, given_tol)
    if by_programs:
        return _layer_by_programs(args, layers, lo, hi, given_tol)
    W, b = layers[0]
    try:
        r = regions_in_box(W, b, lo, hi, tol=args.tol, max_work=args.max_work)
    except ValueError as exc:   # the Python API's words for the option a shell user sets
        raise ValueError(str(exc).replace("above max_work=", "above --max-work ")
                         .replace("raise max_work", "raise --max-work")
                         .replace("estimate with count_regions sampling",
                                  "estimate by sampling with nnpartition.count_regions in Python")) from None
    return _print_layer_count(args, layers, lo, hi, r, {"by": "exact count"}, "")


def _print_layer_count(args: argparse.Namespace, layers: Any, lo: float, hi: float, r: int, how: Dict[str, Any],
                       note: str) -> int:
    """The count of the first layer's regions in the box, as JSON (with ``how`` it was counted) or a line (``note``
    opening its parenthesis)."""
    d, L = layers[0][0].shape
    upper = counting.regions(L, d)
    if args.json:
        print(dumps({"weights": args.weights, "d": d, "L": L, "box": [lo, hi], "regions": r,
                     "general_position_regions": upper, "layers": len(layers), "counted": "first layer", **how}))
    else:
        first = f"the first of {len(layers)} hidden layers: " if len(layers) > 1 else ""
        print(f"{first}{_count(L, 'neuron')} cut{'s' if L == 1 else ''} the box [{lo:g}, {hi:g}]^{d} into "
              f"{_count(r, 'region')} ({note}at most {upper} in all of R^{d})")
    return 0


def _layer_by_programs(args: argparse.Namespace, layers: Any, lo: float, hi: float, tol: Optional[float]) -> int:
    """One layer in ``d > MAX_EXACT_DIM``, which the exact count refuses: its hyperplanes' cells by linear programs
    (``network_region_count_curve``, as ``--save-regions`` lists them; slivers thinner than ``--tol`` uncounted),
    stopped beyond ``--max-regions`` and interruptible."""
    from ..window import DEFAULT_MAX_REGIONS, DEFAULT_NETWORK_TOL, network_region_count_curve

    W, b = layers[0]
    tol = DEFAULT_NETWORK_TOL if tol is None else tol
    try:   # a list of (W, b): ReLU; one layer's regions are its hyperplanes' cells, whatever its units
        curve = network_region_count_curve(
            [(W, b)], lo, hi, tol=tol, max_regions=DEFAULT_MAX_REGIONS if args.max_regions is None
            else args.max_regions, progress=progress_of(args))
    except ValueError as exc:
        raise _api_words(exc) from None
    return _print_layer_count(args, layers, lo, hi, int(curve[-1]), {"by": "linear programs", "tol": tol},
                              f"by linear programs: the exact count takes d <= {MAX_EXACT_DIM}; regions thinner than "
                              f"--tol {tol:g} uncounted; ")


def _weights_file(path: str) -> Tuple[str, float, Set[str]]:
    """The hidden units' activation and leaky slope a weights file records (``network._stored_activation``), and
    the names of its arrays, in one read."""
    from ..network import _stored_activation

    with np.load(path, allow_pickle=False) as data:   # read whole by load_layers already: only these two arrays
        return (*_stored_activation(data, f"--weights {path}"), set(data.files))


def _refuse_smooth(path: str, activation: str) -> None:
    """Smooth units have no linear regions: one line pointing to ``--first-layer``."""
    if activation not in _core.PIECEWISE_LINEAR:
        raise ValueError(f"--weights {path}: a network of {activation} units has no linear regions to count; count "
                         f"its first layer's with --first-layer")


def _api_words(exc: ValueError) -> ValueError:
    """The Python API's words for the options a shell user sets (``max_regions=`` is ``--max-regions``, ...)."""
    return ValueError(str(exc).replace("max_regions=", "--max-regions ").replace("raise max_regions",
                                                                                "raise --max-regions")
                      .replace("tol ", "--tol "))


def _save_regions(args: argparse.Namespace, layers: Any, total: int, lo: float, hi: float,
                  tol: Optional[float]) -> int:
    """``--save-regions FILE.npz``: list the linear regions of the network (of its first layer with
    ``--first-layer``) in the box by linear programs (``network_regions``, any ``d``, slivers thinner than ``--tol``
    uncounted) and write them: a point inside each region, its ball's radius and its gates, with the count after
    each layer and the box and ``tol`` they were listed with; for a network file with its output layer (as
    ``save_network`` writes it; not with ``--first-layer``), also the affine map of its logit on each region.
    ``total`` is the number of hidden layers in the file."""
    from ..network import DeepNet, load_network
    from ..window import DEFAULT_MAX_REGIONS, DEFAULT_NETWORK_TOL, network_regions

    activation, slope, files = _weights_file(args.weights)
    with_output = not args.first_layer and ({"w_out", "b_out"} <= files
                                            or (len(layers) == 1 and {"w2", "b2"} <= files))
    if with_output or len(layers) > 1:
        _refuse_smooth(args.weights, activation)   # smooth units: no linear regions, no affine maps
    else:
        activation, slope = "relu", 0.0   # one layer's regions are its hyperplanes' cells, whatever its units
    widths = [int(W.shape[1]) for W, _ in layers]
    d = int(layers[0][0].shape[0])
    # the regions do not need the output layer; its logit's maps do
    try:
        net = (load_network(args.weights) if with_output
               else DeepNet(layers, np.zeros(widths[-1]), 0.0, activation, slope))
    except ValueError as exc:   # load_network's "network file PATH: ...", in the option's words
        raise ValueError(file_message(str(exc), args.weights)) from None
    tol = DEFAULT_NETWORK_TOL if tol is None else tol
    try:
        listed = network_regions(net, lo, hi, tol=tol,
                                 max_regions=DEFAULT_MAX_REGIONS if args.max_regions is None else args.max_regions,
                                 progress=progress_of(args))
    except ValueError as exc:
        raise _api_words(exc) from None
    with writing("--save-regions", args.save_regions), replacing(args.save_regions) as part, open(part, "wb") as f:
        # (a net built here has a zero output layer: its maps mean nothing)
        maps: Dict[str, Any] = ({"affine_weight": listed.affine_weight, "affine_bias": listed.affine_bias}
                                if with_output else {})
        np.savez(f, points=listed.points, radii=listed.radii, patterns=listed.patterns,
                 widths=np.array(widths, dtype=np.int64), curve=listed.curve, lo=np.float64(lo),
                 hi=np.float64(hi), tol=np.float64(tol), **maps)
    r, per_layer = listed.n_regions, [int(c) for c in listed.curve[1:]]
    counted = "first layer" if args.first_layer else "all layers"
    if args.json:
        print(dumps({"weights": args.weights, "d": d, "widths": widths, "box": [lo, hi], "regions": r,
                     "after_each_layer": per_layer, "layers": len(layers), "counted": counted,
                     "saved": args.save_regions, "affine_maps": bool(maps)}))
    else:
        what = (f"the first of {total} hidden layers: {_count(widths[0], 'neuron')} cut" if args.first_layer else
                f"{sum(widths)} neurons in {_count(len(layers), 'hidden layer')} {widths} cut")
        each = "" if len(layers) == 1 else f"; after each layer {', '.join(map(str, per_layer))}"
        print(f"{what} the box [{lo:g}, {hi:g}]^{d} into {_count(r, 'linear region')} (by linear programs{each}); "
              f"listed{' with the logit on each' if maps else ''} in {args.save_regions}")
    return 0


def _network_in_box(args: argparse.Namespace, layers: Any, lo: float, hi: float, tol: Optional[float]) -> int:
    """The whole network's linear regions in the box ``[lo, hi]^d`` (every hidden layer cuts the regions of the ones
    before): for ``d = 2`` by ``region_polygons`` (the count ``plot-partition`` draws), for any other ``d`` by
    ``network_regions_in_box`` (linear programs; slivers thinner than ``--tol`` are not counted). The first layer
    alone (what was printed before, 811 regions where the network has 2861) is ``--first-layer``."""
    from ..network import DeepNet
    from ..pictures import region_polygons
    from ..window import DEFAULT_MAX_REGIONS, DEFAULT_NETWORK_TOL, network_region_count_curve

    d = layers[0][0].shape[0]
    widths = [int(W.shape[1]) for W, _ in layers]
    path = args.weights
    activation, slope, _ = _weights_file(path)
    _refuse_smooth(path, activation)
    net = DeepNet(layers, np.zeros(widths[-1]), 0.0, activation, slope)   # the regions do not need the output
    if d == 2:
        r = region_polygons(net, box=(lo, hi), tol=args.tol).n_regions
        per_layer = None
    else:
        try:
            curve = network_region_count_curve(
                net, lo, hi, tol=DEFAULT_NETWORK_TOL if tol is None else tol,
                max_regions=DEFAULT_MAX_REGIONS if args.max_regions is None else args.max_regions,
                progress=progress_of(args))
        except ValueError as exc:
            raise _api_words(exc) from None
        r, per_layer = int(curve[-1]), [int(c) for c in curve[1:]]
    bound = counting.deep_region_bounds(d, widths).upper
    if args.json:
        out = {"weights": path, "d": d, "widths": widths, "box": [lo, hi], "regions": r, "deep_bound": bound,
               "layers": len(layers), "counted": "all layers"}
        if per_layer is not None:
            out["after_each_layer"] = per_layer
        print(dumps(out))
    else:
        each = "" if per_layer is None else f"after each layer {', '.join(map(str, per_layer))}; "
        print(f"{sum(widths)} neurons in {len(layers)} hidden layers {widths} cut the box [{lo:g}, {hi:g}]^{d} into "
              f"{_count(r, 'linear region')} (all layers; {each}at most {bound} in all of R^{d}, the deep bound)")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``regions`` subcommand."""
    p = sub.add_parser("regions", help="exact region count of L hyperplanes in R^d, or of a layer inside a box",
                       description="Two modes. With -L and -d: exact number of regions that L hyperplanes in "
                                   "general position cut R^d into. With --weights and --box: exact number of "
                                   "regions one trained layer (x @ W + b) cuts the box [LO, HI]^d into (any layer: "
                                   "coincident hyperplanes, or several through one point, as a bias-free layer "
                                   f"has them, are counted as they cut; d <= {MAX_EXACT_DIM}, above it by linear "
                                   "programs, regions thinner than --tol uncounted), or for a "
                                   "network of several hidden layers the linear regions of the whole "
                                   "network in the box [LO, HI]^d (d = 2: exactly, by the polygons "
                                   "plot-partition draws; other d: by linear programs, regions thinner than "
                                   "--tol uncounted).")
    p.add_argument("-L", type=integer, default=None, help="number of hyperplanes (hidden neurons), >= 0")
    p.add_argument("-d", type=integer, default=None, help="dimension of the space, >= 0")
    p.add_argument("--central", action="store_true", help="all hyperplanes pass through the origin")
    p.add_argument("--log", action="store_true",
                   help="with -L and -d: print ln(regions) alone (log_regions), at sizes whose exact count is "
                        "refused")
    p.add_argument("--weights", default=None, metavar="FILE.npz",
                   help="an .npz with arrays W (shape (d, L)) and b (shape (L,)); W1, b1, W2, b2, ... (a network "
                        "as save_network and plot-partition --save-weights write it: every layer's "
                        "regions are counted); or PyTorch's weight (shape (L, d)) and bias; beside them only an output "
                        "layer (w_out, b_out; w2, b2), activation and slope")
    p.add_argument("--first-layer", action="store_true",
                   help="with --weights, a network of several hidden layers: count its first layer's regions only")
    p.add_argument("--box", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                   help="count regions inside the open box LO < x_k < HI (every coordinate); needs --weights")
    p.add_argument("--tol", type=float, default=None,
                   help="with --weights: margin of the floating-point filter; decisions inside it are "
                        "taken in exact arithmetic (default 1e-9); for a network of several layers with d != 2, "
                        f"a layer in d > {MAX_EXACT_DIM}, and with --save-regions, the radius a region's inscribed "
                        "ball must "
                        "exceed, in the box mapped onto [-1, 1]^d (default 1e-6)")
    p.add_argument("--max-work", type=integer, default=None,
                   help="with --weights, one layer's exact count (a file of one hidden layer, or --first-layer, in "
                        f"d <= {MAX_EXACT_DIM}; not with --save-regions): refuse beyond this many steps of work, "
                        "about "
                        "multiply-adds, counted for the worst case before the count starts (default %.0e: a minute "
                        "or two on two cores; a subset of hyperplanes costs more steps the larger d is)"
                        % DEFAULT_MAX_WORK)
    p.add_argument("--max-regions", type=integer, default=None,
                   help=f"with --weights, a network of several layers with d != 2, a layer in d > {MAX_EXACT_DIM}, "
                        "or with --save-regions: stop beyond this many regions (default 1000000; linear programs "
                        "find a few thousand regions a second: a count that large takes minutes, with a progress "
                        "bar, and Ctrl-C stops it)")
    p.add_argument("--save-regions", default=None, metavar="FILE.npz",
                   help="with --weights and --box: list the linear regions (of every layer, or of the first with "
                        "--first-layer; any d, by linear programs) and write them to an .npz: points (a point "
                        "inside each region), radii (its inscribed ball's, in the box mapped onto [-1, 1]^d), "
                        "patterns (the gates, layer by layer: True where a unit is on), widths, curve (the regions "
                        "after each layer, from 1), lo, hi and tol; for a network file with its output layer (as "
                        "save_network and plot-partition --save-weights write it) also affine_weight and "
                        "affine_bias, the logit x @ affine_weight[r] + affine_bias[r] on region r")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (the linear programs' count; by default shown past a second on a terminal)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=_regions)
