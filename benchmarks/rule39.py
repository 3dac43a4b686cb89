"""Rule 39 (seventieth pass on issue 11): the correction grown on deep networks above ``d`` = 50, scored on draw 37.

Usage:
    nice -n 10 python benchmarks/protocol_grid.py measure --sample 37   # train draw 37 (resumable, ~17 min)
    python benchmarks/protocol_grid.py export --sample 37               # docs/data/deep_high_d_sample37.csv
    python benchmarks/rule39.py          # the rule's items and the tables beside them (about 10 s, nothing trained)
    python benchmarks/rule39.py --check  # exit 1 unless every item holds

Rule 39 (``docs/theory_history.md``, "The seventieth pass", written and committed with draw 37 before any number of
it was computed) grows the correction's deep extension by ``EXTEND_HIGH_D`` = 40 rounds on the deep rows it reads and
the 1,195 deep networks at ``d`` 51-200 of draws 35 and 36 (``calibrate_protocols.py``, part ``deep_high_d``). It
ships if, on draw 37 (draw 35's design on fresh seeds, read by no fit):

1. the MAE falls on the non-trivial rows, and the 95% bootstrap interval (over rows, ``BOOTS`` resamples, seed
   ``BOOT_SEED``) of the paired difference of absolute errors (with - without) lies below 0;
2. the band (``sigma_high_d`` = 0.35) holds at least 90% of the non-trivial rows;
3. on the held-out deep rows at ``d`` <= 50 (9-dataset truth, non-trivial) the MAE is at most 0.0165 and the band
   holds at least 90%.

A row is non-trivial where the truth or the estimate is below 0.999; for the paired item 1 a row counts if it is
non-trivial under either estimate, so that both MAEs are on the same rows. The estimates "without" are the Python
mirror's (``calibrate_protocols.corrected_of``) with the generated trees less rule 39's (``without_high_d``), "with"
the shipped Rust estimator's (checked against the mirror on every row here). Draw 38 (the same design, fixed with
rule 40 after rule 39 shipped, read by no fit) is printed beside it as a second fresh test, and so are the four
near-capacity draws of ``deep_range_probe.py`` (140 deep networks at ``d`` 51-200, read by no fit; that script's
``--report`` prints the estimates stored when each was measured, these are today's); they decide nothing here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import band_high_d  # noqa: E402  (its folder, on the path above)
import calibrate_protocols as cp  # noqa: E402
import deep_high_d  # noqa: E402

#: The rule's thresholds, written before draw 37 was measured.
RULE = dict(band=0.90, heldout_mae=0.0165, heldout_band=0.90)
#: Seed and resamples of the bootstrap interval of item 1.
BOOT_SEED, BOOTS = 3039, 10000
#: The four near-capacity draws of ``deep_range_probe.py`` (deep networks at ``d`` 51-200, read by no fit).
PROBES = [f"deep_range_probe{k}" for k in ("", "2", "3", "4")]
#: The share "off by more than" this (the deep group's max target).
OFF = 0.06

Row = Dict[str, Any]


Est = Tuple[np.ndarray, ...]


def estimates(rows: List[Row]) -> Tuple[Est, Est, float]:
    """``((acc, low, high) with rule 39, (acc, low, high) without, largest mirror-vs-Rust gap)``, the ceiling applied
    to both as the shipped estimator applies it."""
    acc, lo, hi, _, _, ceiling = cp.shipped(rows)
    c = cp.columns(rows)
    mirror = cp.corrected_of(c, cp.START)
    gap = float(max(np.abs(np.minimum(m, ceiling) - s).max() for m, s in zip(mirror, (acc, lo, hi))))
    old = cp.corrected_of(c, cp.START, cp.without_high_d(cp.read_correction()))
    return (acc, lo, hi), tuple(np.minimum(o, ceiling) for o in old), gap


class Paired(NamedTuple):
    """Item 1's comparison on the rows non-trivial under either estimate."""

    rows: int
    mae_with: float
    mae_without: float
    #: mean of the paired difference of absolute errors (with - without) and its bootstrap 95% interval
    mean: float
    low: float
    high: float


def paired(real: np.ndarray, acc_with: np.ndarray, acc_without: np.ndarray, rows: np.ndarray) -> Paired:
    """The MAEs with and without rule 39 on the rows ``rows`` selects, and the mean of the paired difference of
    absolute errors with its bootstrap 95% interval (``BOOTS`` resamples over rows, seed ``BOOT_SEED``)."""
    err_with, err_without = np.abs(acc_with - real)[rows], np.abs(acc_without - real)[rows]
    diff = err_with - err_without
    n = len(diff)
    means = diff[np.random.default_rng(BOOT_SEED).integers(0, n, size=(BOOTS, n))].mean(axis=1)
    return Paired(int(rows.sum()), float(err_with.mean()), float(err_without.mean()), float(diff.mean()),
                  float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


def figures(real: np.ndarray, est: Est, mask: np.ndarray) -> cp.Figures:
    """The figures (``calibrate_protocols.figures``) of the estimate ``est`` = ``(acc, low, high)`` against ``real``
    on the rows ``mask`` selects, "off" meaning off by more than ``OFF``."""
    acc, lo, hi = est
    return cp.figures(acc - real, (lo <= real) & (real <= hi), mask, OFF)


def row_line(name: str, f: cp.Figures) -> str:
    return (f"| {name} | {f.n} | {f.mae:.4f} | {f.largest:.3f} | {f.bias:+.4f} | {f.off / f.n:.1%} | "
            f"{f.band:.1%} |")


HEADER = ["| rows | n | MAE | max | bias (estimate - real) | off by > 0.06 | in band |",
          "|---|---|---|---|---|---|---|"]


def _decided_on_draw_37(f: cp.Figures, p: Optional[Paired]) -> Dict[str, bool]:
    assert p is not None, "item 1 reads draw 37's paired line"
    return {"1. MAE falls, paired interval below 0": p.high < 0 and p.mae_with < p.mae_without,
            "2. band >= 90%": f.band >= RULE["band"]}


def _decided_held_out(f: cp.Figures, p: Optional[Paired]) -> Dict[str, bool]:
    return {"3. held out d <= 50: MAE <= 0.0165, band >= 90%": f.mae <= RULE["heldout_mae"]
            and f.band >= RULE["heldout_band"]}


#: What a set of rows decides: the rule's items, from the figures of its non-trivial rows with rule 39 and its
#: paired result.
Decides = Callable[[cp.Figures, Optional[Paired]], Dict[str, bool]]
#: The sets of rows scored, in the report's order: ``(label, rows, the head of its paired line (``None``: no paired
#: line), what it decides (``None``: nothing))``. The paired lines open the report in this order.
SETS: Tuple[Tuple[str, Callable[[], List[Row]], Optional[str], Optional[Decides]], ...] = (
    ("draw 37 (held out)", lambda: cp.read_high_d(37, "fresh"), "item 1 ", _decided_on_draw_37),
    ("draw 38 (fresh, after the decision)", lambda: cp.read_high_d(38, "fresh"), "draw 38, read after the decision, ",
     None),
    ("draws 1-4 of deep_range_probe (fresh)", lambda: [r for stem in PROBES for r in band_high_d.read(stem)], "",
     None),
    ("draws 35-36 (in-sample)", lambda: cp.read_high_d(35, "fresh") + cp.read_high_d(36, "fresh"), None, None),
    ("held out, d <= 50 (9 datasets)", lambda: deep_high_d.heldout_deep_rows(nine=True), None, _decided_held_out),
)


def score() -> Tuple[List[str], Dict[str, bool], float]:
    """The report's lines, the items' verdicts and the largest mirror-vs-Rust gap."""
    head: List[str] = []
    lines = list(HEADER)
    gaps = []
    verdicts: Dict[str, bool] = {}
    for label, read, paired_head, decides in SETS:
        rows = read()
        new, old, gap = estimates(rows)
        gaps.append(gap)
        real = np.array([r["real"] for r in rows])
        nt_new = (real < 0.999) | (new[0] < 0.999)
        nt_old = (real < 0.999) | (old[0] < 0.999)
        d = np.array([r["d"] for r in rows])
        for name, est, nt in (("with rule 39", new, nt_new), ("without", old, nt_old)):
            lines.append(row_line(f"{label}, {name}, all", figures(real, est, np.ones(len(rows), bool))))
            lines.append(row_line(f"{label}, {name}, non-trivial", figures(real, est, nt)))
            if d.min() > 50:
                for lo_d, hi_d in ((51, 99), (100, 200)):
                    m = nt & (d >= lo_d) & (d <= hi_d)
                    lines.append(row_line(f"{label}, {name}, non-trivial, d {lo_d}-{hi_d}", figures(real, est, m)))
        p = None
        if paired_head is not None:
            p = paired(real, new[0], old[0], nt_new | nt_old)
            head.append(f"{paired_head}on {label.split(' (')[0]}'s {p.rows} rows non-trivial under either estimate: "
                        f"MAE {p.mae_without:.4f} -> {p.mae_with:.4f}, paired difference {p.mean:+.4f} (95% bootstrap "
                        f"{p.low:+.4f} to {p.high:+.4f})")
        if decides is not None:
            verdicts.update(decides(figures(real, new, nt_new), p))
    return head + [""] + lines, verdicts, max(gaps)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 unless every item of the rule holds")
    args = ap.parse_args(argv)
    lines, verdicts, gap = score()
    print("\n".join(lines))
    print()
    for item, ok in verdicts.items():
        print(f"{item}: {'held' if ok else 'FAILED'}")
    print(f"mirror vs the shipped Rust estimator: largest difference {gap:.1e}")
    ok = all(verdicts.values()) and gap < 1e-9
    print("rule 39: " + ("every item holds (shipped)" if ok else "an item failed (not shipped)"))
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
