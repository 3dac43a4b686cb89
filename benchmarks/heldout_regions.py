"""The held-out errors of the estimate per region, the table behind ``nnpartition.heldout_errors``.

Usage:
    python benchmarks/heldout_regions.py            # print the table (about 3 s; nothing trained)
    python benchmarks/heldout_regions.py --write    # regenerate python/nnpartition/_heldout_errors.py from docs/data
    python benchmarks/heldout_regions.py --check    # exit 1 when the shipped table differs from docs/data
    python benchmarks/heldout_regions.py --fresh    # and the same regions on fresh draws no fit read (about 3 s)
    python benchmarks/heldout_regions.py --blind    # and on draw 33, by the rule fixed before it was measured

Every held-out row of ``benchmarks/calibrate_protocols.py`` (6,528 configurations, each trained under its own
protocol on 9 datasets; no constant or tree of the estimator was fitted on them) is put in one of 14 regions by
``nnpartition.estimate.heldout._heldout_region``: its group (the reference protocol on two layers, other protocols on
two layers, deep networks), whether its learning rate is a large step (Adam ``lr >= 0.04``, SGD ``lr >= 0.15``), whether
a hidden layer after the first has at most 9 units, and whether ``1 < N / P < 4`` (near capacity). The factors are the
mechanisms docs/theory.md names under "Where it fails, and why", found by earlier breakdowns of these rows by each
factor alone; the 14 cells were fixed (forty-first pass on issue 11) before this table was computed. Per region: the
rows, the shipped estimate's mean absolute and largest error against the 9-dataset mean, the share of rows off by more
than 0.06, the share inside the 90% band, and the rows and MAE of the non-trivial rows (real or estimate below 0.999).
The figures are measurements of the shipped estimator: they must be regenerated (``--write``) whenever it changes,
and ``tests/test_estimate.py`` fails until they are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

#: Deep networks above this ``d`` have no held-out row of the protocol grids (every grid drew a deep network's ``d``
#: in 1-50): the question's figures there come from draw ``APART_DRAW`` instead (:func:`apart_table`);
#: ``heldout_errors``' own constant, which is the core's ``CALIBRATED_DEEP_D``.
from nnpartition.estimate.heldout import HELDOUT_DEEP_D

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402  (its folder, on the path above)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "python" / "nnpartition" / "_heldout_errors.py"
#: The share "off by more than" this (the max target of other protocols and deep networks).
OFF = 0.06

#: The draw of deep networks at ``d`` 51-200 whose figures ``heldout_errors`` gives above ``HELDOUT_DEEP_D``: draw
#: 37 (seventieth pass on issue 11), read by no fit (draws 35 and 36 are the correction's rows since rule 39).
APART_DRAW = 37

Key = Tuple[str, bool, bool, bool]
Stats = Tuple[int, float, float, float, float, int, float]
#: What ``calibrate_protocols.shipped_errors`` gives: per row the error, whether the truth is in the band, whether
#: it is non-trivial.
Errors = Tuple[np.ndarray, np.ndarray, np.ndarray]


def heldout_rows() -> List[Dict[str, Any]]:
    """The held-out rows of ``calibrate_protocols.load``, each with its 9-dataset truth as ``real``."""
    return [dict(r, real=r["real"] if r["real9"] is None else r["real9"]) for r in cp.load() if r["part"] == "heldout"]


def fresh_rows() -> List[Dict[str, Any]]:
    """The rows of the fresh draws no fit has read and no rule was decided on (28, 31, 32), 3-dataset truth."""
    return [r for k in cp.FRESH_DRAWS if k not in cp.EXTENSION_DRAWS for r in cp.read_draw(k, "fresh")]


def decision_rows() -> List[Dict[str, Any]]:
    """The rows of the decision draws no fit has read (21-27, 29, 30; they decided rules, so they are not fresh),
    3-dataset truth."""
    return [r for k in cp.DECISION_DRAWS if k not in cp.EXTENSION_DRAWS for r in cp.read_draw(k, "decision")]


def blind_rows() -> List[Dict[str, Any]]:
    """The rows of the blind test draw 33 (``protocol_grid.BLIND_DRAWS``), 3-dataset truth."""
    return [r for k in cp.BLIND_DRAWS for r in cp.read_draw(k, "blind")]


def apart_rows() -> List[Dict[str, Any]]:
    """The rows of draw ``APART_DRAW`` (``docs/data/deep_high_d_sample37.csv``: 601 deep networks at ``d`` 51-200
    drawn as the protocol draws draw them, measured in the seventieth pass on issue 11; no fit has read them),
    3-dataset truth."""
    import deep_high_d   # (its folder is on the path above)

    return deep_high_d.draw_rows(APART_DRAW)


def apart_table(rows: List[Dict[str, Any]]) -> Dict[bool, Stats]:
    """``{d >= 100: (rows, MAE, ...)}`` of the shipped estimate on ``rows`` (draw ``APART_DRAW``), the figures of
    :func:`region_table` for its two halves, ``d`` 51-99 and 100-200 (the second is estimated worse, docs/theory.md,
    "Deep networks at `d` 51-200 as the protocol draws sample them")."""
    return _keyed_stats([r["d"] >= 100 for r in rows], cp.shipped_errors(rows))


def _keyed_stats(keys: List[Any], errors: Errors) -> Dict[Any, Stats]:
    """``{key: (rows, MAE, largest error, share off by more than 0.06, share in band, non-trivial rows, non-trivial
    MAE)}`` of the rows with each key (``keys[i]`` is row ``i``'s), figures rounded to 4 decimals, the keys sorted."""
    err, inside, nontrivial = errors
    out: Dict[Any, Stats] = {}
    for key in sorted(set(keys)):
        m = np.array([k == key for k in keys])
        mn = m & nontrivial
        n, mae, largest, off, _, band = cp.error_figures(err, inside, m, OFF)
        out[key] = (n, round(mae, 4), round(largest, 4), round(off / n, 4), round(band, 4), int(mn.sum()),
                    round(float(err[mn].mean()), 4) if mn.any() else float("nan"))
    return out


def region_table(rows: List[Dict[str, Any]], errors: Optional[Errors] = None) -> Dict[Key, Stats]:
    """``{region key: (rows, MAE, largest error, share off by more than 0.06, share in band, non-trivial rows,
    non-trivial MAE)}`` of the shipped estimate on ``rows`` against their ``real``, figures rounded to 4 decimals
    (``errors``: ``calibrate_protocols.shipped_errors`` of ``rows``, when already computed)."""
    from nnpartition.estimate.heldout import _heldout_region

    keys = [_heldout_region(r["d"], r["N"], r["widths"], cp.row_protocol(r)) for r in rows]
    return _keyed_stats(keys, cp.shipped_errors(rows) if errors is None else errors)


def side_by_side(held: Dict[Key, Stats], other: Dict[Key, Stats], what: str,
                 scored: Optional[List[Key]] = None) -> List[str]:
    """The markdown rows of the held-out figures per region beside ``other``'s (named ``what`` in the header; ``-``
    where it has no rows), on all rows and on the non-trivial ones (rows and MAE), with a column saying which regions
    a rule scored when ``scored`` is given. (The largest error and the rows off by more than 0.06 need no non-trivial
    version: a trivial row, real and estimate both at 0.999 or above, is off by at most 0.001.)"""
    from nnpartition.estimate.heldout import _region_name

    def mae(s: Optional[Stats], i: int) -> str:
        return "-" if s is None or not s[i - 1] else f"{s[i]:.4f}"

    lines = [f"| region | rows: held out / {what} | MAE | off by > 0.06 | in band | non-trivial: rows | MAE |"
             + (" scored |" if scored else ""), "|---|---|---|---|---|---|---|" + ("---|" if scored else "")]
    for k in held:
        h, o = held[k], other.get(k)
        cells = (f"{h[0]} / 0 | {h[1]:.4f} / - | {h[3]:.1%} / - | {h[4]:.0%} / -" if o is None else
                 f"{h[0]} / {o[0]} | {h[1]:.4f} / {o[1]:.4f} | {h[3]:.1%} / {o[3]:.1%} | {h[4]:.0%} / {o[4]:.0%}")
        cells += f" | {h[5]} / {0 if o is None else o[5]} | {mae(h, 6)} / {mae(o, 6)}"
        lines.append(f"| {_region_name(k)} | {cells} |" + (f" {'yes' if k in scored else 'no'} |" if scored else ""))
    return lines


def fresh_check(held: Dict[Key, Stats], fresh: Dict[Key, Stats]) -> str:
    """Do the regions' figures carry to configurations no fit read? Per region, held out against the fresh draws,
    and the rank correlation over the regions of the share off by more than 0.06 and of the MAE. (The fresh draws'
    truth is a mean over 3 datasets, whose own error, about 0.01 on average, adds to the estimate's.)"""
    draws = [k for k in cp.FRESH_DRAWS if k not in cp.EXTENSION_DRAWS]
    # what the second table is, on its own line (it printed with no caption beside the first table's header)
    lines = [f"fresh draws {', '.join(map(str, draws[:-1]))} and {draws[-1]} (no fit read them), per region beside the "
             "held-out rows: their truth is a mean over 3 datasets, whose own error (about 0.01 on average) adds to "
             "the estimate's; '-' where the draws have no rows", ""]
    lines += side_by_side(held, fresh, "fresh")
    common = [k for k in held if k in fresh]

    def rank_corr(i: int) -> float:
        a = np.argsort(np.argsort([held[k][i] for k in common]))
        b = np.argsort(np.argsort([fresh[k][i] for k in common]))
        return float(np.corrcoef(a, b)[0, 1])
    lines.append(f"\nover the {len(common)} regions both measure: rank correlation of the share off by more than "
                 f"0.06 {rank_corr(3):.2f}, of the MAE {rank_corr(1):.2f}")
    return "\n".join(lines)


def blind_check(held: Dict[Key, Stats], blind: Dict[Key, Stats]) -> Tuple[str, bool]:
    """Draw 33 scored by the rule written before it was measured (``protocol_grid.BLIND_RULE``): the report and
    whether the shipped table passed. Regions with fewer than ``min_rows`` of the draw's rows are shown, not scored."""
    from scipy.stats import spearmanr

    from nnpartition.estimate.heldout import _region_name
    from protocol_grid import BLIND_RULE as rule

    scored = [k for k in held if k in blind and blind[k][0] >= rule["min_rows"]]
    share = float(spearmanr([held[k][3] for k in scored], [blind[k][3] for k in scored])[0])
    mae = float(spearmanr([held[k][1] for k in scored], [blind[k][1] for k in scored])[0])
    order = sorted(scored, key=lambda k: -blind[k][3])
    worst = rule["worst"]
    place = order.index(worst) + 1 if worst in order else None
    passed = share >= rule["share_rank"] and mae >= rule["mae_rank"] and place is not None and \
        place <= rule["worst_among"]
    lines = side_by_side(held, blind, "draw 33", scored)
    lines.append(f"\nthe rule (written before draw 33 was measured): over the {len(scored)} regions with at least "
                 f"{rule['min_rows']} of its rows, Spearman of the share off by more than 0.06 {share:.2f} (needs >= "
                 f"{rule['share_rank']}), of the MAE {mae:.2f} (needs >= {rule['mae_rank']}); the table's worst region "
                 f"({_region_name(worst)}) is the draw's "
                 f"{'unscored' if place is None else f'number {place} by that share'} (needs <= {rule['worst_among']})"
                 f": {'PASSED' if passed else 'FAILED'}")
    return "\n".join(lines), passed


def group_errors(rows: List[Dict[str, Any]], errors: Optional[Errors] = None) -> str:
    """The shipped estimate's errors per group on ``rows`` (all rows, then the non-trivial ones): a fresh test of the
    estimator itself, reported with the blind test and deciding nothing (``errors``:
    ``calibrate_protocols.shipped_errors`` of ``rows``, when already computed)."""
    from nnpartition.estimate.heldout import _heldout_region

    err, inside, nontrivial = cp.shipped_errors(rows) if errors is None else errors
    group = np.array([_heldout_region(r["d"], r["N"], r["widths"], cp.row_protocol(r))[0] for r in rows])
    lines = ["| group | rows | MAE | largest | off by > 0.06 | in band |", "|---|---|---|---|---|---|"]
    for g in ("reference", "protocols", "deep"):
        for label, m in (("all rows", group == g), ("non-trivial", (group == g) & nontrivial)):
            if m.any():
                n, mae, largest, off, _, band = cp.error_figures(err, inside, m, OFF)
                lines.append(f"| {g}, {label} | {n} | {mae:.4f} | {largest:.3f} | {off / n:.1%} | {band:.0%} |")
    return "\n".join(lines)


def markdown(table: Dict[Key, Stats]) -> str:
    from nnpartition.estimate.heldout import _region_name

    lines = ["| region (held out, 9-dataset truth) | rows | MAE | largest | off by > 0.06 | in band | "
             "non-trivial: rows | MAE |", "|---|---|---|---|---|---|---|---|"]
    lines += [_stats_row(_region_name(key), stats) for key, stats in table.items()]
    return "\n".join(lines)


def _stats_row(label: str, stats: Stats) -> str:
    """A markdown row of a region's figures (:func:`region_table`)."""
    n, mae, largest, off, band, nt, nt_mae = stats
    return f"| {label} | {n} | {mae:.4f} | {largest:.3f} | {off:.1%} | {band:.0%} | {nt} | {nt_mae:.4f} |"


def apart_markdown(apart: Dict[bool, Stats]) -> str:
    """The rows of :func:`apart_table` as :func:`markdown` writes the held-out regions'."""
    lines = [f"| deep networks above d = {HELDOUT_DEEP_D} (draw {APART_DRAW}, 3-dataset truth) | rows | MAE | "
             "largest | off by > 0.06 | in band | non-trivial: rows | MAE |", "|---|---|---|---|---|---|---|---|"]
    lines += [_stats_row(f"deep networks, d {'100-200' if high else '51-99'}", stats) for high, stats in apart.items()]
    return "\n".join(lines)


def source(table: Dict[Key, Stats], apart: Dict[bool, Stats]) -> str:
    body = "\n".join(f"    {key!r}: {stats!r}," for key, stats in table.items())
    body_apart = "\n".join(f"    {key!r}: {stats!r}," for key, stats in apart.items())
    return ('"""Generated by ``python benchmarks/heldout_regions.py --write`` from docs/data: do not edit.\n\n'
            "The shipped estimate's errors on the held-out rows per region of :func:`nnpartition.heldout_errors`:\n"
            "``(group, large steps, narrow later layer, near capacity): (rows, MAE, largest error, share off by more\n"
            'than 0.06, share in the band, non-trivial rows, non-trivial MAE)``, against the 9-dataset truth."""\n\n'
            "from typing import Dict, Tuple\n\n"
            "TABLE: Dict[Tuple[str, bool, bool, bool], Tuple[int, float, float, float, float, int, float]] = {\n"
            f"{body}\n}}\n\n"
            f"#: The same figures for deep networks above d = {HELDOUT_DEEP_D}, where the grids held out no row, on "
            f"draw {APART_DRAW}\n"
            f"#: (docs/data/deep_high_d_sample{APART_DRAW}.csv: deep networks at d 51-200 that no fit has read),\n"
            "#: against its 3-dataset truth: ``{d >= 100: (...)}``, the halves d 51-99 and d 100-200.\n"
            "DEEP_ABOVE_50: Dict[bool, Tuple[int, float, float, float, float, int, float]] = {\n"
            f"{body_apart}\n}}\n")


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help="regenerate python/nnpartition/_heldout_errors.py")
    what.add_argument("--check", action="store_true", help="exit 1 when the shipped table differs from docs/data")
    what.add_argument("--fresh", action="store_true",
                      help="also score the regions on the fresh draws 28, 31 and 32 (no fit read them; 3 datasets)")
    what.add_argument("--blind", action="store_true",
                      help="score the regions on draw 33 by the rule written before it was measured (3 datasets)")
    args = ap.parse_args(argv)
    table = region_table(heldout_rows())
    apart = apart_table(apart_rows())
    print(markdown(table))
    print()
    print(apart_markdown(apart))
    if args.fresh:
        print()
        print(fresh_check(table, region_table(fresh_rows())))
    if args.blind:
        print()
        rows = blind_rows()
        errors = cp.shipped_errors(rows)   # estimated once for both tables
        print(blind_check(table, region_table(rows, errors))[0])
        print()
        print(group_errors(rows, errors))
    if args.write:
        OUT.write_text(source(table, apart), encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    elif args.check:
        from nnpartition import _heldout_errors

        shipped: Dict[Any, Any] = _heldout_errors.TABLE
        shipped_apart: Dict[Any, Any] = _heldout_errors.DEEP_ABOVE_50
        if shipped != table or shipped_apart != apart:
            print("the shipped table differs from docs/data: run with --write", file=sys.stderr)
            return 1
        print("the shipped table is what docs/data gives")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
