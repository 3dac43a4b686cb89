"""Draws 35-37: deep networks at ``d`` 51-200 as the protocol draws sample them, against the shipped estimate.

Usage:
    nice -n 10 python benchmarks/protocol_grid.py measure --sample 37 --workers 2   # train (resumable)
    python benchmarks/protocol_grid.py export --sample 37    # docs/data/deep_high_d_sample37.csv
    python benchmarks/deep_high_d.py                         # draw 37's tables (about 20 s, nothing trained)
    python benchmarks/deep_high_d.py --draw 35               # draw 35's (in sample since rule 39), and so on

Since rule 39 (seventieth pass on issue 11; ``benchmarks/rule39.py``) the correction's last 40 deep rounds are grown
on draws 35 and 36: scored with the shipped estimate they are in sample. Draw 37, draw 35's design on fresh seeds,
fixed with rule 39 before it was measured, is read by no fit: the default.

Every deep row of the calibration, decision, fresh and held-out draws has ``d`` <= 50: ``protocol_sample`` drew a
deep network's ``d`` log-uniformly in 1-50 (two-layer ones in 1-200), while the validated range is ``d`` 1-200 for
deep networks too. Draw 35 (``benchmarks/protocol_grid.py``, ``SAMPLES[35]``, fixed and committed before it was
measured) draws deep networks only, as every protocol draw draws them (2-4 hidden layers of 4-128 units, ``N`` near
capacity, the cost cap 8e9) but with ``d`` log-uniform in 51-200 (``deep_d``): 6 under each of the first 96
protocols of ``sample_protocols(96, 35)`` and 48 under the reference protocol; it was measured as a test of the
estimator of its pass, and the band's step and, since rule 39, the correction's last deep rounds were fitted on it.
Truth: the mean over 3 datasets (seed 777), as on every
draw; the held-out deep rows' figures of "At a glance" use 9, so they are printed here with both.

Draw 36 (``SAMPLES[36]``) is draw 35's design exactly on fresh seeds (``sample_protocols(96, 36)``; the cost cap
leaves two of its protocols short, 593 rows), drawn and committed before it was measured while a band term for
deep networks at ``d`` > 50 was being fitted on draw 35: it is that term's test set, read only once the term is
fixed. ``--draw 36`` prints its tables, with draw 35 beside it in the comparison.

Per group, on all rows and on the non-trivial ones (real or estimate below 0.999): rows, MAE, largest error, bias
(estimate - real) with a 95% t interval of its mean and a bootstrap one (over rows, ``BOOTS`` resamples, seed
``BOOT_SEED``), the share off by more than 0.06 (the deep group's max target), of them "for certain" (more than two
standard errors of the truth beyond it), and the share of truths inside the 90% band.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402  (its folder, on the path above)
from protocol_grid import DEEP_HIGH_D_DRAWS  # noqa: E402

#: The deep group's targets (the issue): MAE and largest error on the non-trivial rows, and the band's coverage.
TARGETS = dict(mae=0.02, max=0.06, band=0.90)
#: Seed and resamples of the bootstrap interval of the bias.
BOOT_SEED, BOOTS = 3035, 10000

Row = Dict[str, Any]
GROUPS: List[Tuple[str, Callable[[Row], bool]]] = [
    ("all", lambda r: True),
    ("reference protocol", lambda r: r["ref"]),
    ("other protocols", lambda r: not r["ref"]),
    ("2 hidden layers", lambda r: len(r["widths"]) == 2),
    ("3 hidden layers", lambda r: len(r["widths"]) == 3),
    ("4 hidden layers", lambda r: len(r["widths"]) == 4),
    ("  other protocols, 4 hidden layers", lambda r: not r["ref"] and len(r["widths"]) == 4),
    ("d 51-99", lambda r: r["d"] < 100),
    ("d 100-200", lambda r: r["d"] >= 100),
    ("  d 100-200, 2-3 hidden layers", lambda r: r["d"] >= 100 and len(r["widths"]) < 4),
    ("  d 100-200, Adam", lambda r: r["d"] >= 100 and r["opt"] == "adam"),
    ("  d 100-200, SGD", lambda r: r["d"] >= 100 and r["opt"] == "sgd"),
    ("d 51-99, 4 hidden layers", lambda r: r["d"] < 100 and len(r["widths"]) == 4),
    ("Adam (with the reference protocol)", lambda r: r["opt"] == "adam"),
    ("  Adam, other protocols", lambda r: r["opt"] == "adam" and not r["ref"]),
    ("SGD", lambda r: r["opt"] == "sgd"),
    ("  SGD, d 51-99", lambda r: r["opt"] == "sgd" and r["d"] < 100),
    ("minibatches", lambda r: r["batch"] > 0),
    ("full batch", lambda r: r["batch"] == 0),
]


def _is_reference(r: Row) -> bool:
    return bool((r["opt"], r["lr"], r["steps"], r["batch"], r["cosine"], r["restarts"])
                == ("adam", 0.02, 4000, 0, True, 2))


def draw_rows(draw: int = 35) -> List[Row]:
    """The measured rows of ``draw`` (its exported CSV), 3-dataset truth."""
    if draw not in DEEP_HIGH_D_DRAWS:
        raise ValueError(f"draw must be one of {sorted(DEEP_HIGH_D_DRAWS)}, got {draw}")
    return [dict(r, ref=_is_reference(r), se=r["std"] / math.sqrt(3)) for r in cp.read_high_d(draw, "fresh")]


def heldout_deep_rows(nine: bool) -> List[Row]:
    """The held-out deep rows of ``calibrate_protocols.load`` (all ``d`` <= 50), with the 9-dataset truth
    (``nine``) or the first 3 datasets' (the truth draws 35 and 36 have)."""
    out = []
    for r in cp.load():
        if r["group"] != "deep" or r["part"] != "heldout":
            continue
        if nine and r["real9"] is not None:
            r = dict(r, real=r["real9"], se=r["std9"] / math.sqrt(r["datasets"]))
        else:
            r = dict(r, se=r["std"] / math.sqrt(3))
        out.append(dict(r, ref=_is_reference(r)))
    return out


def fresh_deep_rows() -> List[Row]:
    """The deep rows of the fresh draws 28, 31 and 32 (no fit read them; ``d`` <= 50), 3-dataset truth."""
    rows = [r for k in cp.FRESH_DRAWS if k not in cp.EXTENSION_DRAWS for r in cp.read_draw(k, "fresh")]
    return [dict(r, ref=_is_reference(r), se=r["std"] / math.sqrt(3)) for r in rows if r["group"] == "deep"]


def with_estimate(rows: List[Row]) -> List[Row]:
    """``rows`` with the shipped estimate and its band (``est``, ``low``, ``high``)."""
    acc, low, high = cp.shipped(rows)[:3]
    return [dict(r, est=float(a), low=float(lo), high=float(hi)) for r, a, lo, hi in zip(rows, acc, low, high)]


def nontrivial(r: Row) -> bool:
    return bool(r["real"] < 0.999 or r["est"] < 0.999)


def bias_intervals(err: np.ndarray) -> Tuple[float, float, float, float]:
    """95% intervals of the mean of ``err``: the t interval, then the bootstrap over rows (percentiles)."""
    from scipy import stats

    n = len(err)
    if n < 2:
        return (math.nan,) * 4
    half = float(stats.t.ppf(0.975, n - 1)) * float(err.std(ddof=1)) / math.sqrt(n)
    means = err[np.random.default_rng(BOOT_SEED).integers(0, n, size=(BOOTS, n))].mean(axis=1)
    return (float(err.mean()) - half, float(err.mean()) + half, float(np.percentile(means, 2.5)),
            float(np.percentile(means, 97.5)))


def figures(rows: List[Row]) -> Optional[Tuple[cp.Figures, Tuple[float, float, float, float]]]:
    """The figures of ``rows`` (``calibrate_protocols.figures``, "off" meaning off by more than the max target) and
    the 95% intervals of their bias (:func:`bias_intervals`); None without rows."""
    if not rows:
        return None
    err = np.array([r["est"] - r["real"] for r in rows])
    se = np.array([r["se"] for r in rows])
    inside = np.array([r["low"] <= r["real"] <= r["high"] for r in rows])
    return cp.figures(err, inside, np.ones(len(rows), bool), TARGETS["max"], se), bias_intervals(err)


def _cells(figs: Optional[Tuple[cp.Figures, Tuple[float, float, float, float]]]) -> str:
    if figs is None:
        return "0 | - | - | - | - | - | - | - | - |"
    f, (t_lo, t_hi, b_lo, b_hi) = figs
    ci = "-" if math.isnan(t_lo) else f"{t_lo:+.4f} to {t_hi:+.4f}"
    boot = "-" if math.isnan(b_lo) else f"{b_lo:+.4f} to {b_hi:+.4f}"
    return (f"{f.n} | {f.mae:.4f} | {f.largest:.3f} | {f.bias:+.4f} | {ci} | {boot} | {f.off / f.n:.1%} "
            f"({f.certain / f.n:.1%}) | {f.band:.0%} | {f.low:.0%} |")


HEADER = ["| group | n | MAE | max | bias | t 95% | bootstrap 95% | off by > 0.06 (for certain) | in band | est. low |",
          "|---|---|---|---|---|---|---|---|---|---|"]


def group_table(rows: List[Row], keep: Callable[[Row], bool]) -> List[str]:
    return HEADER + [f"| {name} | " + _cells(figures([r for r in rows if keep(r) and f(r)])) for name, f in GROUPS]


def compare_table(sets: List[Tuple[str, List[Row]]]) -> List[str]:
    lines = list(HEADER)
    for name, rows in sets:
        lines.append(f"| {name}, all | " + _cells(figures(rows)))
        lines.append(f"| {name}, non-trivial | " + _cells(figures([r for r in rows if nontrivial(r)])))
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worst", type=int, default=10, help="list this many largest errors (default 10)")
    ap.add_argument("--draw", type=int, default=37, choices=sorted(DEEP_HIGH_D_DRAWS),
                    help="the draw of deep networks at d 51-200 to score (default 37, read by no fit; 35 and 36: "
                    "the rows rule 39 grew the correction on, in sample)")
    args = ap.parse_args(argv)
    k = args.draw
    rows = with_estimate(draw_rows(k))
    print(f"draw {k}: {len(rows)} rows measured, {sum(map(nontrivial, rows))} non-trivial (real or estimate below "
          f"0.999); targets (deep, non-trivial): MAE <= {TARGETS['mae']}, max <= {TARGETS['max']}, "
          f"band >= {TARGETS['band']:.0%}\n")
    for title, keep in (("all rows", lambda r: True), ("non-trivial rows", nontrivial)):
        print(f"draw {k}, {title}, by group (bias = estimate - real; est. low = share of rows with the estimate "
              "below the truth):\n")
        print("\n".join(group_table(rows, keep)) + "\n")
    held9 = with_estimate(heldout_deep_rows(nine=True))
    held3 = [dict(r, real=r3["real"], se=r3["se"]) for r, r3 in zip(held9, heldout_deep_rows(nine=False))]
    fresh = with_estimate(fresh_deep_rows())
    # an earlier draw of the same design (draw 35 beside draw 36) is printed beside the one scored
    earlier = [(j, with_estimate(draw_rows(j))) for j in sorted(DEEP_HIGH_D_DRAWS) if j < k]
    high_d: List[Tuple[str, List[Row]]] = []
    for j, draw in [(k, rows), *earlier]:
        fitted = " in sample" if j in cp.HIGH_D_DRAWS else ""
        high_d += [(f"draw {j} (d 51-200){fitted}", draw),
                   (f"draw {j}, other protocols{fitted}", [r for r in draw if not r["ref"]])]
    print(f"beside {''.join(f'draw {j} (d 51-200) and ' for j, _ in earlier)}the deep rows at d <= 50 (held out: "
          f"9-dataset truth as in \"At a glance\", and the first 3 datasets', the truth draw {k} has; the fresh "
          "draws 28, 31, 32: 3 datasets):\n")
    print("\n".join(compare_table([
        *high_d,
        ("held out (9 datasets)", held9), ("held out (3 datasets)", held3),
        ("held out, d 21-50 (3 datasets)", [r for r in held3 if r["d"] > 20]),
        ("held out, other protocols (3 datasets)", [r for r in held3 if not r["ref"]]),
        ("fresh draws (3 datasets)", fresh)])) + "\n")
    print(f"the {args.worst} largest errors of draw {k}:\n")
    print("| protocol | dist | d | N | widths | real | estimate | band | error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: -abs(r["est"] - r["real"]))[:args.worst]:
        proto = "reference" if r["ref"] else (f"{r['opt']} lr {r['lr']:g} {r['steps']} steps "
                                              f"{'b' + str(r['batch']) if r['batch'] else 'full batch'} "
                                              f"{'cosine' if r['cosine'] else 'constant'} x{r['restarts']}")
        print(f"| {proto} | {r['dist']} | {r['d']} | {r['N']} | {'-'.join(map(str, r['widths']))} | "
              f"{r['real']:.4f} | {r['est']:.4f} | {r['low']:.3f}-{r['high']:.3f} | {r['est'] - r['real']:+.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
