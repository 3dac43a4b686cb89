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
from typing import Any, Dict, List, Optional, Tuple

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


def paired(err_with: np.ndarray, err_without: np.ndarray) -> Tuple[float, float, float]:
    """``(mean, low, high)`` of the paired difference of absolute errors and its bootstrap 95% interval."""
    diff = err_with - err_without
    n = len(diff)
    means = diff[np.random.default_rng(BOOT_SEED).integers(0, n, size=(BOOTS, n))].mean(axis=1)
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def figures(real: np.ndarray, est: Est, mask: np.ndarray) -> Dict[str, float]:
    """Rows, MAE, largest error, share off by more than 0.06, bias and band coverage on ``mask``."""
    acc, lo, hi = (e[mask] for e in est)
    r = real[mask]
    err = acc - r
    return dict(n=int(mask.sum()), mae=float(np.abs(err).mean()), max=float(np.abs(err).max()),
                off=float((np.abs(err) > 0.06).mean()), bias=float(err.mean()),
                band=float(((lo <= r) & (r <= hi)).mean()))


def row_line(name: str, f: Dict[str, float]) -> str:
    return (f"| {name} | {f['n']} | {f['mae']:.4f} | {f['max']:.3f} | {f['bias']:+.4f} | {f['off']:.1%} | "
            f"{f['band']:.1%} |")


HEADER = ["| rows | n | MAE | max | bias (estimate - real) | off by > 0.06 | in band |",
          "|---|---|---|---|---|---|---|"]


def score() -> Tuple[List[str], Dict[str, bool], float]:
    """The report's lines, the items' verdicts and the largest mirror-vs-Rust gap."""
    lines: List[str] = []
    gaps = []
    sets = []
    held = deep_high_d.heldout_deep_rows(nine=True)
    probes = [r for stem in PROBES for r in band_high_d.read(stem)]
    for label, rows in (("draw 37 (held out)", cp.read_high_d(37, "fresh")),
                        ("draw 38 (fresh, after the decision)", cp.read_high_d(38, "fresh")),
                        ("draws 1-4 of deep_range_probe (fresh)", probes),
                        ("draws 35-36 (in-sample)", cp.read_high_d(35, "fresh") + cp.read_high_d(36, "fresh")),
                        ("held out, d <= 50 (9 datasets)", held)):
        new, old, gap = estimates(rows)
        gaps.append(gap)
        sets.append((label, rows, np.array([r["real"] for r in rows]), new, old))
    verdicts: Dict[str, bool] = {}
    lines += HEADER
    for label, rows, real, new, old in sets:
        nt_new = (real < 0.999) | (new[0] < 0.999)
        nt_old = (real < 0.999) | (old[0] < 0.999)
        either = nt_new | nt_old
        d = np.array([r["d"] for r in rows])
        for name, est, nt in (("with rule 39", new, nt_new), ("without", old, nt_old)):
            lines.append(row_line(f"{label}, {name}, all", figures(real, est, np.ones(len(rows), bool))))
            lines.append(row_line(f"{label}, {name}, non-trivial", figures(real, est, nt)))
            if d.min() > 50:
                for lo_d, hi_d in ((51, 99), (100, 200)):
                    m = nt & (d >= lo_d) & (d <= hi_d)
                    lines.append(row_line(f"{label}, {name}, non-trivial, d {lo_d}-{hi_d}", figures(real, est, m)))
        if label.startswith(("draw 37", "draw 38", "draws 1-4")):
            mean, lo_i, hi_i = paired(np.abs(new[0] - real)[either], np.abs(old[0] - real)[either])
            mae_new, mae_old = (float(np.abs(e[0] - real)[either].mean()) for e in (new, old))
            text = (f"on {label.split(' (')[0]}'s {int(either.sum())} rows non-trivial under either estimate: MAE "
                    f"{mae_old:.4f} -> {mae_new:.4f}, paired difference {mean:+.4f} (95% bootstrap {lo_i:+.4f} to "
                    f"{hi_i:+.4f})")
        if label.startswith("draw 38"):
            fresh = "draw 38, read after the decision, " + text
        if label.startswith("draws 1-4"):
            probe_text = text
        if label.startswith("draw 37"):
            verdicts["1. MAE falls, paired interval below 0"] = hi_i < 0 and mae_new < mae_old
            verdicts["2. band >= 90%"] = figures(real, new, nt_new)["band"] >= RULE["band"]
            item1 = "item 1 " + text
        if label.startswith("held out"):
            f = figures(real, new, nt_new)
            verdicts["3. held out d <= 50: MAE <= 0.0165, band >= 90%"] = (f["mae"] <= RULE["heldout_mae"]
                                                                          and f["band"] >= RULE["heldout_band"])
    return [item1, fresh, probe_text, ""] + lines, verdicts, max(gaps)


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
