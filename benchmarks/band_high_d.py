"""The band's step for deep networks above ``d`` = 50 (``sigma_high_d``): its fit on draw 35, its test on the rest.

Usage:
    python benchmarks/band_high_d.py          # the fit's scan on draw 35, then the test on draws 1-4 and 36 (~20 s)
    python benchmarks/band_high_d.py --check  # exit 1 unless the shipped constant is the fit's choice

No calibration row was a deep network with ``d`` above 50 (every draw drew a deep network's ``d`` in 1-50), and
draw 35 (``docs/data/deep_high_d_sample35.csv``: 602 deep networks at ``d`` 51-200 drawn as the protocol draws draw
them, no fit has read them) found the band holding the real accuracy of 84% of its non-trivial rows there, under the
90% the issue asks (docs/theory.md, "Deep networks at `d` 51-200 as the protocol draws sample them"). The sixty-ninth
pass on issue 11 gave the band of a deep network above ``d`` = 50 (``CALIBRATED_DEEP_D`` in ``rust/src/estimate.rs``)
a step of log-scale uncertainty of ``K``, ``sigma_high_d``, added to ``sigma`` as the band's other terms are (the
estimate itself does not move), and fitted it here as the band's other constants were fitted (``calibrate_protocols.py
--fit``, ``COVERAGE``): the narrowest value on a grid of 0.01 whose band holds the real accuracy of at least 94% of
the rows (the deep group's calibration coverage) -- here of draw 35's 602 rows, its only data.

The test, on rows no fit has read and that did not choose the value: draws 1-4 of ``deep_range_probe.py`` (140 deep
networks at ``d`` 51-200, near capacity by design, 3 datasets each) and draw 36 (``protocol_grid.py --sample 36``,
``docs/data/deep_high_d_sample36.csv``, draw 35's twin under other protocols, fixed and measured after the value was
chosen), each with the band before (``sigma_high_d`` = 0) and after. The estimates are the Python mirror's
(``estimator_model.py`` through ``calibrate_protocols.corrected_of``), which equals the shipped Rust estimator to
rounding (checked on every row here).

Since rule 39 (seventieth pass) the correction has 40 more deep trees, grown on draws 35 and 36: the fit and the
test above use the correction without them (``before_rule_39``), as it was when the step was fitted, so the fit
still reproduces the shipped value; draw 37 (``--sample 37``, read by no fit) tests the step with the shipped
correction.

Rule 40 (seventieth pass; ``--crossfit``) refits the step out of fold: rule 39's rounds grown again without one of
draws 35 and 36 (the folds' trees kept in ``docs/data/band_high_d_crossfit.json``; ``--crossfit-scan`` reads them),
that draw estimated with them, the narrowest value holding 94% of the pooled rows; draw 38 (``--sample 38``, fixed
with the rule) decides whether it replaces the shipped one (``rule40``). It did not: 0.35 holds 90.9% there.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_protocols as cp  # noqa: E402  (its folder, on the path above)

#: The fit's grid and the coverage it asks (``calibrate_protocols.COVERAGE["deep"]``).
GRID = [round(0.01 * i, 2) for i in range(0, 81)]
COVERAGE = cp.COVERAGE["deep"]
#: The test draws: (label, CSV stems); the last is scored with the shipped correction, the others with the
#: correction of the step's fit (:func:`before_rule_39`).
PROBES = [("draws 1-4 (deep_range_probe)", [f"deep_range_probe{k}" for k in ("", "2", "3", "4")]),
          ("draw 36", ["deep_high_d_sample36"]),
          ("draw 37 (shipped correction)", ["deep_high_d_sample37"])]


def _probe_row(r: Dict[str, str], stem: str) -> Dict[str, Any]:
    """A row of a ``deep_range_probe`` CSV as ``calibrate_protocols.protocol_row`` reads a protocol draw's."""
    return cp.protocol_row(dict(r, batch_size=r["batch_size"] or "0", accuracy_mean=r["real"],
                                accuracy_std=r["real_std"]), "fresh", int(r["i"]), stem)


def read(stem: str) -> List[Dict[str, Any]]:
    """The rows of ``docs/data/<stem>.csv`` (a draw of deep networks at ``d`` 51-200, ``deep_high_d_sampleK``, or a
    ``deep_range_probe`` draw)."""
    if not stem.startswith("deep_range_probe"):
        return cp.read_high_d(int(stem[len("deep_high_d_sample"):]), "fresh")
    with (cp.DATA / f"{stem}.csv").open() as f:
        return [_probe_row(r, stem) for r in csv.DictReader(f)]


def bands(rows: List[Dict[str, Any]], s: float, ceiling: Optional[np.ndarray] = None,
          tables: Optional[Dict[str, tuple]] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(accuracy, low, high)`` of the corrected estimate with ``sigma_high_d = s``, the ceiling applied as the
    shipped estimator applies it (``min`` with it; the mirror has none). ``ceiling``: the rows' ceilings
    (``calibrate_protocols.shipped(rows)[5]``, which the shipped estimator computes), when already at hand;
    ``tables``: the correction's trees (default the shipped ones; :func:`before_rule_39`)."""
    acc, lo, hi = cp.corrected_of(cp.columns(rows), dict(cp.START, sigma_high_d=s), tables)
    ceiling = cp.shipped(rows)[5] if ceiling is None else ceiling
    return np.minimum(acc, ceiling), np.minimum(lo, ceiling), np.minimum(hi, ceiling)


def before_rule_39() -> Dict[str, tuple]:
    """The correction's trees as they were when the step was fitted and tested (the sixty-ninth pass): without rule
    39's (seventieth pass), which were grown on draws 35 and 36 and so cannot be scored on them."""
    return cp.without_high_d(cp.read_correction())


def coverage(rows: List[Dict[str, Any]], s: float, ceiling: Optional[np.ndarray] = None,
             tables: Optional[Dict[str, tuple]] = None) -> Dict[str, float]:
    """Share of ``rows`` inside the band (all, non-trivial, ``d`` 51-99, ``d`` 100-200) and its mean width
    (``ceiling``, ``tables``: as for :func:`bands`)."""
    acc, lo, hi = bands(rows, s, ceiling, tables)
    real = np.array([r["real"] for r in rows])
    d = np.array([r["d"] for r in rows])
    inside = (lo <= real) & (real <= hi)
    nt = (real < 0.999) | (acc < 0.999)
    return dict(all=float(inside.mean()), nontrivial=float(inside[nt].mean()), low_d=float(inside[d < 100].mean()),
                high_d=float(inside[d >= 100].mean()) if (d >= 100).any() else float("nan"),
                width=float(np.mean(hi - lo)), n=len(rows), n_nt=int(nt.sum()))


def mirror_check(rows: List[Dict[str, Any]]) -> float:
    """The largest difference between the mirror (with the shipped constant) and the shipped Rust estimator."""
    s_acc, s_lo, s_hi, _, _, ceiling = cp.shipped(rows)
    acc, lo, hi = bands(rows, cp.START["sigma_high_d"], ceiling)
    return float(max(np.abs(acc - s_acc).max(), np.abs(lo - s_lo).max(), np.abs(hi - s_hi).max()))


def fit(rows: List[Dict[str, Any]], verbose: bool = True) -> float:
    """The narrowest ``sigma_high_d`` of :data:`GRID` whose band holds at least :data:`COVERAGE` of ``rows``."""
    if verbose:
        print(f"fit on draw 35 ({len(rows)} rows): the narrowest sigma_high_d whose band holds >= {COVERAGE:.0%}")
        print("| sigma_high_d | in band: all | non-trivial | d 51-99 | d 100-200 | mean width |")
        print("|---|---|---|---|---|---|")
    ceiling = cp.shipped(rows)[5]   # (the estimator's, the same at every s: computed once)
    tables = before_rule_39()
    for s in GRID:
        c = coverage(rows, s, ceiling, tables)
        if verbose and (s in (0.0, 0.1, 0.2, 0.3) or c["all"] >= COVERAGE):
            print(f"| {s:.2f} | {c['all']:.1%} | {c['nontrivial']:.1%} | {c['low_d']:.1%} | {c['high_d']:.1%} | "
                  f"{c['width']:.4f} |")
        if c["all"] >= COVERAGE:
            return s
    raise RuntimeError("no value of the grid reaches the coverage")


#: Where ``--crossfit`` stores the trees it grows for each fold (rule 40): per held-out draw, per table, the 40 trees
#: rule 39's rounds give without that draw (nodes, each tree's first node relative to them), so that the fit's scan
#: can be repeated (and tested) without growing them again.
CROSSFIT = cp.DATA / "band_high_d_crossfit.json"


def crossfit_grow() -> Dict[str, Any]:
    """Rule 40's folds: for each of ``calibrate_protocols.HIGH_D_DRAWS``, rule 39's ``EXTEND_HIGH_D`` rounds grown
    again (same settings, from the same warp) on the deep rows and the other draw only; ``{str(draw): {table:
    {"nodes": [...], "trees": [...]}}}``, the grown trees only (about 2 minutes a fold)."""
    import json

    lists = cp.as_lists(before_rule_39())
    everything = cp.load()
    out: Dict[str, Any] = {}
    for k in cp.HIGH_D_DRAWS:
        rows = [r for r in everything if r["source"] != f"deep_high_d_sample{k}"]
        grown, _ = cp.extend_correction(rows, cp.START, lists, "deep_high_d")
        out[str(k)] = {}
        for name, (_, nodes, trees) in grown.items():
            n0, t0 = len(lists[name][1]), len(lists[name][2])
            out[str(k)][name] = {"nodes": [list(map(float, n)) for n in nodes[n0:]],
                                 "trees": [int(t) - n0 for t in trees[t0:]]}
    CROSSFIT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    return out


def crossfit_tables(k: int) -> Dict[str, tuple]:
    """The correction of fold ``k`` (rule 40): the trees before rule 39's and the 40 grown without draw ``k``, read
    from :data:`CROSSFIT`."""
    import json

    folds = json.loads(CROSSFIT.read_text())
    out = {}
    for name, (b, nodes, trees) in before_rule_39().items():
        extra = folds[str(k)][name]
        out[name] = (b, np.vstack([nodes, np.array(extra["nodes"], float).reshape(-1, 4)]),
                     np.concatenate([trees, np.array(extra["trees"], int) + len(nodes)]))
    return out


def crossfit_rows() -> List[Tuple[List[Dict[str, Any]], Dict[str, tuple], np.ndarray]]:
    """``(rows of draw k, fold k's correction, their ceilings)`` for each draw rule 40 pools."""
    out = []
    for k in cp.HIGH_D_DRAWS:
        rows = read(f"deep_high_d_sample{k}")
        out.append((rows, crossfit_tables(k), cp.shipped(rows)[5]))
    return out


def crossfit(verbose: bool = True) -> float:
    """Rule 40's value: the narrowest ``sigma_high_d`` of :data:`GRID` whose band, around the out-of-fold estimates
    of draws 35 and 36, holds at least :data:`COVERAGE` of their pooled rows."""
    folds = crossfit_rows()
    n = sum(len(rows) for rows, _, _ in folds)
    if verbose:
        print(f"rule 40: out of fold on draws 35-36 ({n} rows): the narrowest sigma_high_d whose band holds >= "
              f"{COVERAGE:.0%}")
        print("| sigma_high_d | in band: all | non-trivial | mean width |")
        print("|---|---|---|---|")
    for s in GRID:
        inside = nt_in = nt = 0
        width = 0.0
        for rows, tables, ceiling in folds:
            acc, lo, hi = bands(rows, s, ceiling, tables)
            real = np.array([r["real"] for r in rows])
            ok = (lo <= real) & (real <= hi)
            m = (real < 0.999) | (acc < 0.999)
            inside += int(ok.sum())
            nt_in += int(ok[m].sum())
            nt += int(m.sum())
            width += float(np.sum(hi - lo))
        if verbose and (s in (0.0, 0.1, 0.2, 0.3, 0.35) or inside / n >= COVERAGE):
            print(f"| {s:.2f} | {inside / n:.1%} | {nt_in / nt:.1%} | {width / n:.4f} |")
        if inside / n >= COVERAGE:
            return s
    raise RuntimeError("no value of the grid reaches the coverage")


#: The band's step before rule 40, and the coverage rule 40 asks of draw 38's non-trivial rows.
RULE_40 = dict(before=0.35, band=0.90)


def rule40(value: float) -> Tuple[List[str], float]:
    """Rule 40's test on draw 38 (the shipped correction): the report's lines and the value that ships (``value``,
    the out-of-fold fit's, if its band holds at least 90% of the non-trivial rows and it is narrower than 0.35 or
    0.35 holds less than 90%; else 0.35)."""
    rows = read("deep_high_d_sample38")
    ceiling = cp.shipped(rows)[5]
    old, new = coverage(rows, RULE_40["before"], ceiling), coverage(rows, value, ceiling)
    lines = ["| draw 38 (no fit read it), shipped correction | rows: all / non-trivial | in band: all / non-trivial | "
             "all rows at d 51-99 | d 100-200 | mean width |", "|---|---|---|---|---|---|"]
    for s, c in ((RULE_40["before"], old), (value, new)):
        lines.append(f"| sigma_high_d = {s:.2f} | {c['n']} / {c['n_nt']} | {c['all']:.1%} / {c['nontrivial']:.1%} | "
                     f"{c['low_d']:.1%} | {c['high_d']:.1%} | {c['width']:.4f} |")
    ships = value != RULE_40["before"] and new["nontrivial"] >= RULE_40["band"] and (
        value < RULE_40["before"] or old["nontrivial"] < RULE_40["band"])
    chosen = value if ships else RULE_40["before"]
    lines.append(f"rule 40: the out-of-fold value {value:.2f} {'ships' if ships else 'does not ship'}; "
                 f"sigma_high_d = {chosen:.2f}")
    return lines, chosen


def test_table() -> List[str]:
    """The band before and after on the test draws (those whose CSV exists): draws 1-4 and 36 with the correction
    of the step's fit (:func:`before_rule_39`), draw 37 with the shipped one."""
    s = cp.START["sigma_high_d"]
    before = before_rule_39()
    lines = ["| test rows (no fit read them) | rows: all / non-trivial | in band before: all / non-trivial | "
             "after: all / non-trivial | mean width before / after |", "|---|---|---|---|---|"]
    for label, stems in PROBES:
        if not all((cp.DATA / f"{stem}.csv").exists() for stem in stems):
            lines.append(f"| {label} | not measured | | | |")
            continue
        rows = [r for stem in stems for r in read(stem)]
        ceiling = cp.shipped(rows)[5]
        tables = None if label.endswith("(shipped correction)") else before
        b, a = coverage(rows, 0.0, ceiling, tables), coverage(rows, s, ceiling, tables)
        lines.append(f"| {label} | {a['n']} / {a['n_nt']} | {b['all']:.1%} / {b['nontrivial']:.1%} | "
                     f"{a['all']:.1%} / {a['nontrivial']:.1%} | {b['width']:.4f} / {a['width']:.4f} |")
    return lines


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 unless the shipped constant is the fit's choice")
    ap.add_argument("--crossfit", action="store_true",
                    help="rule 40: grow the folds' trees (about 4 minutes; docs/data/band_high_d_crossfit.json), scan "
                    "the out-of-fold band and stop")
    ap.add_argument("--crossfit-scan", action="store_true", help="rule 40's scan from the stored folds (seconds)")
    args = ap.parse_args(argv)
    if args.crossfit or args.crossfit_scan:
        if args.crossfit:
            crossfit_grow()
        value = crossfit()
        print(f"rule 40's value: sigma_high_d = {value:.2f}")
        if (cp.DATA / "deep_high_d_sample38.csv").exists():
            print()
            print("\n".join(rule40(value)[0]))
        return 0
    from nnpartition import model_constants

    rows = read("deep_high_d_sample35")
    diff = mirror_check(rows)
    chosen = fit(rows, verbose=not args.check)
    shipped = model_constants()["sigma_high_d"]
    print(f"chosen sigma_high_d = {chosen:.2f}; shipped {shipped:.2f}; mirror vs shipped estimator on draw 35: "
          f"largest difference {diff:.1e}")
    if args.check:
        return 0 if abs(chosen - shipped) < 1e-12 and diff < 1e-9 else 1
    print()
    print("\n".join(test_table()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
