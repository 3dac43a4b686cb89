"""Draw 34: the shipped estimate on the two families the reference files sample, fresh configurations.

Usage:
    python benchmarks/family_draw.py             # score docs/data/family_sample34.csv (a few seconds; nothing trained)
    python benchmarks/family_draw.py --heldout   # and the same families among the held-out rows (9 datasets)

The reference files in ``tests/data`` sample two families of the validated range: the reference protocol on
2-4 hidden layers (``reference_deep_public.csv``) and, on two layers, protocols that change only the reference
protocol's optimizer, learning rate and steps (``reference_protocols_public.csv``: 16 of its 17 rows full batch,
cosine, best of 2). Draw 34 (``protocol_grid.FAMILY_RULE``, fixed with its rule before it was measured): 256 deep
networks under the reference protocol and 32 such protocols with 8 two-layer networks each, 9 datasets a
configuration (``nice -n 10 python benchmarks/protocol_grid.py measure --sample 34``, then ``export --sample 34``).
Per family, on all rows and on the non-trivial ones (real or estimate below 0.999): the rows, the MAE, the largest
error, the rows off by more than 0.06, those off by more than 0.06 by more than two standard errors of their
9-dataset mean ("for certain"), and the share inside the 90% band; then the rule's verdict.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: The share "off by more than" this.
OFF = 0.06
FAMILIES = ("deep networks, reference protocol", "two layers, full batch, cosine, best of 2, other protocols")


def family_of(r: Dict[str, Any]) -> str:
    """The family of a row (``calibrate_protocols`` row), or ``""`` when it is in neither."""
    deep = len(r["widths"]) > 1
    full = r["batch"] == 0 or r["batch"] >= r["N"]   # a batch of all N points trains full batch
    reference = (r["opt"], r["lr"], r["steps"], full, r["cosine"], r["restarts"]) == ("adam", 0.02, 4000, True, True, 2)
    if deep:
        return FAMILIES[0] if reference else ""
    family = full and r["cosine"] and r["restarts"] == 2
    return FAMILIES[1] if family and not reference else ""


def draw_rows() -> List[Dict[str, Any]]:
    """Draw 34's rows as ``calibrate_protocols`` rows (``read_draw``), with their number of datasets."""
    import calibrate_protocols as cp
    from protocol_grid import FAMILY_DRAWS, FAMILY_RULE

    return [dict(r, datasets=int(FAMILY_RULE["datasets"])) for k in FAMILY_DRAWS for r in cp.read_draw(k, "fresh")]


def heldout_rows() -> List[Dict[str, Any]]:
    """The held-out rows of ``calibrate_protocols.load`` in either family, each with its 9-dataset truth."""
    import calibrate_protocols as cp

    out = []
    for r in cp.load():
        if r["part"] == "heldout" and r["real9"] is not None and family_of(r):
            out.append(dict(r, real=r["real9"], std=r["std9"]))
    return out


Stats = Tuple[int, float, float, int, int, float]


def score(rows: List[Dict[str, Any]]) -> Dict[Tuple[str, str], Stats]:
    """``{(family, "all" | "non-trivial"): (rows, MAE, largest error, rows off by more than 0.06, of them for
    certain, share in band)}`` of the shipped estimate against each row's ``real``."""
    import calibrate_protocols as cp

    err, inside, nontrivial = cp.shipped_errors(rows)
    se = np.array([r["std"] / np.sqrt(r["datasets"]) for r in rows])
    fam = np.array([family_of(r) for r in rows])
    out = {}
    for f in FAMILIES:
        for which, m in (("all", fam == f), ("non-trivial", (fam == f) & nontrivial)):
            if m.any():
                out[(f, which)] = cp.error_figures(err, inside, m, OFF, se)
    return out


def table(stats: Dict[Tuple[str, str], Stats], title: str) -> str:
    """:func:`score`'s figures as a Markdown table, headed ``title``."""
    lines = [f"| {title} | rows | MAE | largest | off by > {OFF} | for certain | in band |",
             "|---|---|---|---|---|---|---|"]
    for (f, which), (n, mae, mx, off, certain, band) in stats.items():
        lines.append(f"| {f}, {which} | {n} | {mae:.4f} | {mx:.3f} | {off} | {certain} | {band:.0%} |")
    return "\n".join(lines)


def verdict(stats: Dict[Tuple[str, str], Stats]) -> Dict[str, bool]:
    """``FAMILY_RULE`` on the non-trivial rows of each family: MAE and largest error within their limits."""
    from protocol_grid import FAMILY_RULE

    out = {}
    for f in FAMILIES:
        if (f, "non-trivial") in stats:
            n, mae, mx = stats[(f, "non-trivial")][:3]
            out[f] = mae <= FAMILY_RULE["mae"] and mx <= FAMILY_RULE["max"]
    return out


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heldout", action="store_true", help="also the families among the held-out rows")
    args = ap.parse_args(argv)
    if args.heldout:
        print(table(score(heldout_rows()), "held out (9 datasets)"))
        print()
    stats = score(draw_rows())
    print(table(stats, "draw 34 (9 datasets)"))
    print()
    for f, ok in verdict(stats).items():
        print(f"{f}: {'targets met (MAE <= 0.02, max <= 0.06)' if ok else 'targets missed'} on draw 34")
    return 0


if __name__ == "__main__":
    sys.exit(main())
