"""The fitting transition at large N: probes of what the grids left out.

    python benchmarks/large_n_probe.py measure     # ~5 min on 2 cores; writes docs/data/large_n_probe.csv
    python benchmarks/large_n_probe.py             # the table, from the stored measurements and today's estimate
    python benchmarks/large_n_probe.py measure --calibration   # 192 more (seed 2027, ~30 min), calibration rows:
                                                   # docs/data/large_n_calibration.csv (calibrate_protocols.load)
    python benchmarks/large_n_probe.py [measure] --protocols   # other protocols: large_n_protocols_probe.csv
    python benchmarks/large_n_probe.py [measure] --protocols --calibration   # 192 more (seed 2029, ~5 min):
                                                   # large_n_protocols_calibration.csv (the band's fit reads it)
    python benchmarks/large_n_probe.py [measure] --grid   # 24 protocols x 16 configurations (seed 2030, ~8 min):
                                                   # large_n_protocols_grid.csv (a fresh test; fitting on it
                                                   # was tried in the fifteenth pass and not shipped)
    python benchmarks/large_n_probe.py [measure] --top    # the reference protocol at N 3500-5000, N/P 1-3 (seed
                                                   # 2031, 48 configurations, ~10 min): large_n_top.csv
    python benchmarks/large_n_probe.py [measure] --top --fresh   # 96 more (seed 2033, ~20 min), measured after
                                                   # rule 14 shipped: large_n_top_fresh.csv (a fresh test)
    python benchmarks/large_n_probe.py [measure] --top --calibration   # 144 more (seed 2032, ~25 min):
                                                   # large_n_top_calibration.csv (calibration rows since rule 14)
    python benchmarks/large_n_probe.py [measure] --low [--calibration]   # low d at and below capacity: d 2-10,
                                                   # N 1500-5000, N/P 0.6-1.5; 96 (seed 2035): large_n_low.csv,
                                                   # a test; 144 (seed 2034): large_n_low_calibration.csv;
                                                   # --low --fresh: 96 more (seed 2036), large_n_low_fresh.csv;
                                                   # --low --set fresh2 ... fresh6: 96 more each (seeds
                                                   # 2037-2041), large_n_low_fresh2.csv ... large_n_low_fresh6.csv

The reference grids measured two-layer networks near capacity mostly at small ``N``: the reference draw
(``nnpartition.validation.reference_sample``) capped each configuration's training cost, which leaves out
``N`` above about 1000 where ``N`` is 1-4 times the parameter count ``P``, and the factorial grid has only ``N``
= 1000 and 3000 there. This probe draws 24 such configurations (seed 2026; ``d`` log-uniform in 2-50, ``N``
log-uniform in 1500-5000, ``N / P`` log-uniform in 1-4, both input laws), trains them (``real_accuracy``, 3
datasets, seed 777) and compares the estimate. Nothing is fitted on them. ``--calibration`` measures 192 more
drawn the same way with another seed (thirteenth pass on issue 11); since the fourteenth pass they are calibration
rows of the reference protocol (``benchmarks/calibrate_protocols.py``'s ``load``) and the correction is fitted on
them. The probe's 24 stay held out.

``--protocols`` (fourteenth pass) does the same for other protocols: each configuration, drawn as above (seed 2028,
or 2029 for the 192 of ``--calibration``), is trained under the next protocol of a continuous draw over the
validated range (``sample_protocols(draw=seed)``) whose training cost is at most the reference protocol's there
(:func:`protocol_configs`; long full-batch runs at large ``N`` are left out).

``--grid`` (fifteenth pass) draws 384 configurations the same way (seed 2030) in blocks of 16, each block under one
protocol of ``sample_protocols(draw=2030)`` no dearer than the reference protocol on any of its configurations
(:func:`grid_configs`): fewer protocols, each seen 16 times. Measured before any fit, it is a fresh test of the
shipped estimator; as calibration rows of the correction it did not help other protocols (``docs/theory_history.md``,
"Five more tries").

``--top`` (sixteenth pass) draws 48 reference-protocol configurations as the probe does but at the top of the range
(seed 2031, ``N`` 3500-5000, ``N / P`` 1-3), where until the seventeenth pass no calibration row had an effective
dimension above 1500 near the transition: a test nothing is fitted on (``docs/theory_history.md``, "Sizing"); ``--top
--calibration`` 144 more (seed 2032), calibration rows since the seventeenth pass.

``--low`` (eighteenth pass) draws reference-protocol configurations at low ``d`` at and below capacity (``d`` 2-10,
``N`` 1500-5000, ``N / P`` 0.6-1.5), where the sizing picture had the estimate 0.04-0.06 above real training: 96 (seed
2035), ``--calibration`` 144 (seed 2034), ``--fresh`` 96 (seed 2036), ``--set fresh2`` 96 (seed 2037), ``--set
fresh3`` 96 (seed 2038) and ``--set fresh4`` 96 (seed 2039), each fixed before it was measured. The first five served
as calibration rows and tests of rules 15-19 (``docs/theory_history.md``, "Sizing"); rule 19 shipped: the correction's
two-layer extension has fitted the 144 of seed 2034, and nothing has fitted the others. The sixth was measured after
rule 19 shipped: a fresh test. In the twenty-first pass ``--set fresh5`` 96 (seed 2040) tested rules 23 and 25
(neither shipped), and ``--set fresh6`` 96 (seed 2041) is a fresh test of rule 22's estimator.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np

import calibrate_protocols as cp  # benchmarks/, beside this script
from nnpartition import Protocol, estimate_accuracy, real_accuracy
from nnpartition.validation import protocol_cost, sample_protocols

OUT = Path(__file__).resolve().parents[1] / "docs" / "data" / "large_n_probe.csv"
SEED = 2026
CALIBRATION = (OUT.with_name("large_n_calibration.csv"), 2027, 192)
#: Other protocols at large N (fourteenth pass): 24 configurations drawn as the probe's (seed 2028), each trained under
#: a protocol of ``sample_protocols(draw=2028)``, the next one whose cost is at most the reference protocol's there.
PROTOCOLS = (OUT.with_name("large_n_protocols_probe.csv"), 2028, 24)
#: 192 more such (seed 2029): rows the band's fit must cover (``calibrate_protocols.fit_band``, part ``band``).
PROTOCOLS_CALIBRATION = (OUT.with_name("large_n_protocols_calibration.csv"), 2029, 192)
#: Fifteenth pass: fewer protocols, more configurations each: 24 protocols of ``sample_protocols(draw=2030)`` x 16
#: configurations (seed 2030), for the correction's fit (:func:`grid_configs`).
PROTOCOLS_GRID = (OUT.with_name("large_n_protocols_grid.csv"), 2030, 384)
GRID_PER_PROTOCOL = 16
#: Sixteenth pass: the top of the range under the reference protocol, where the sizing picture showed real training's
#: transition about three times wider than the estimate's (d = 10, N = 5000): 48 configurations (seed 2031) with
#: N in 3500-5000 and N/P in 1-3, a fresh test then (no calibration row had K above 1500 near the transition);
#: it decided rule 14 in the seventeenth pass, and TOP_FRESH below took its place as the fresh test.
TOP = (OUT.with_name("large_n_top.csv"), 2031, 48)
TOP_RANGES = dict(points=(3500, 5000), ratios=(1.0, 3.0))
#: 144 more drawn the same way (seed 2032), measured in the sixteenth pass for rule 12 (``docs/theory_history.md``,
#: "Sizing"), which failed; reference-protocol calibration rows since the seventeenth pass (rule 14, with the
#: sharpness exponent).
TOP_CALIBRATION = (OUT.with_name("large_n_top_calibration.csv"), 2032, 144)
#: Seventeenth pass: 96 more drawn the same way (seed 2033), measured after rule 14 shipped: a fresh test of the
#: shipped estimator in the corner rule 14 was about (the top probe above decided it, so it is no longer one).
TOP_FRESH = (OUT.with_name("large_n_top_fresh.csv"), 2033, 96)
#: Eighteenth pass: low d at and below capacity under the reference protocol (d 2-10, N 1500-5000, N/P 0.6-1.5),
#: where the sizing picture showed rule 14's estimate 0.04-0.06 above real training (d = 5, N = 2000, N/P 0.8-1.1)
#: and the calibration rows held one configuration with N/P below 1.1 at d <= 8 and N >= 1500: 144 calibration
#: configurations (seed 2034) and 96 more (seed 2035) measured with them, a test nothing is fitted on (rule 15 in
#: ``docs/theory_history.md``, "Sizing").
LOW_CALIBRATION = (OUT.with_name("large_n_low_calibration.csv"), 2034, 144)
LOW = (OUT.with_name("large_n_low.csv"), 2035, 96)
#: 96 more (seed 2036), fixed with rule 16 after rule 15 had used the 96 above; rule 16 was dropped at its gate before
#: scoring anything, and these rows tested rule 17.
LOW_FRESH = (OUT.with_name("large_n_low_fresh.csv"), 2036, 96)
#: 96 more (seed 2037), fixed with rule 18 after rule 17 had used the 96 above: its test (``--low --set fresh2``;
#: rule 18 failed).
LOW_FRESH2 = (OUT.with_name("large_n_low_fresh2.csv"), 2037, 96)
#: Nineteenth pass: 96 more (seed 2038), fixed with rule 19 before it was measured: that rule's test
#: (``--low --set fresh3``), which it passed.
LOW_FRESH3 = (OUT.with_name("large_n_low_fresh3.csv"), 2038, 96)
#: 96 more (seed 2039), fixed and measured after rule 19 shipped: a fresh test of the shipped estimator in this
#: corner (``--low --set fresh4``).
LOW_FRESH4 = (OUT.with_name("large_n_low_fresh4.csv"), 2039, 96)
#: Twenty-first pass: 96 more (seed 2040), fixed with rule 23 before it was measured: that rule's test (``--low --set
#: fresh5``; rule 23 failed on other items first, and the set then decided rule 25, which failed too); and 96 more
#: (seed 2041), fixed with it too and measured after the pass's decisions: a fresh test of rule 22's estimator
#: (``--low --set fresh6``).
LOW_FRESH5 = (OUT.with_name("large_n_low_fresh5.csv"), 2040, 96)
LOW_FRESH6 = (OUT.with_name("large_n_low_fresh6.csv"), 2041, 96)
LOW_RANGES = dict(dims=(2, 10), points=(1500, 5000), ratios=(0.6, 1.5))
REFERENCE = Protocol.reference().to_dict()
PROTOCOL_FIELDS = tuple(REFERENCE)


def configs(n: int = 24, seed: int = SEED, points: tuple = (1500, 5000), ratios: tuple = (1.0, 4.0),
            dims: tuple = (2, 50)) -> list:
    """``n`` reference-protocol configurations of seed ``seed``: ``d`` in ``dims``, ``N`` in ``points`` and ``N / P``
    in ``ratios`` (all log-uniform), both input laws."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        d = int(round(math.exp(rng.uniform(math.log(dims[0]), math.log(dims[1])))))
        N = int(round(math.exp(rng.uniform(math.log(points[0]), math.log(points[1])))))
        ratio = math.exp(rng.uniform(math.log(ratios[0]), math.log(ratios[1])))
        L = max(1, int(round((N / ratio - 1) / (d + 2))))   # P = L (d + 1) + L + 1
        if L > 512:
            continue
        out.append(dict(dist=rng.choice(("uniform", "gaussian")), d=d, N=N, L=L))
    return out


def protocol_configs(n: int = 24, seed: int = PROTOCOLS[1]) -> list:
    """:func:`configs` with a protocol each: the next of ``sample_protocols(draw=seed)`` (a continuous draw over the
    validated range, never measured before) whose training cost (``protocol_cost``) is at most the reference
    protocol's on the same configuration, so that the probe costs no more than the reference one (this leaves out
    long full-batch runs at large ``N``): :func:`grid_configs` with blocks of one."""
    return grid_configs(n, seed, per=1)


def grid_configs(n: int = PROTOCOLS_GRID[2], seed: int = PROTOCOLS_GRID[1], per: int = GRID_PER_PROTOCOL) -> list:
    """:func:`configs` in blocks of ``per``, each block under one protocol: the next of ``sample_protocols(draw=seed)``
    whose training cost is at most the reference protocol's on every configuration of the block (fifteenth pass:
    the 192 of ``--protocols --calibration`` each had a protocol of their own, and as calibration rows barely moved
    the correction; here each protocol is seen at 16 configurations)."""
    pool = iter(sample_protocols(4000, draw=seed))
    cs = configs(n, seed)
    out = []
    for k in range(0, n, per):
        block = cs[k:k + per]
        costs = [protocol_cost(dict(c, widths=[c["L"]], **REFERENCE)) for c in block]
        p = next(p for p in pool
                 if all(protocol_cost(dict(c, widths=[c["L"]], **p)) <= cost for c, cost in zip(block, costs)))
        out.extend(dict(c, **{f: p[f] for f in PROTOCOL_FIELDS}) for c in block)
    return out


def measure(out: Path = OUT, seed: int = SEED, n: int = 24, protocols: bool = False, grid: bool = False,
            ranges: Optional[Dict[str, tuple]] = None) -> None:
    """Train ``n`` configurations of seed ``seed`` (:func:`configs`, drawn in ``ranges`` if given; under a protocol
    each with ``protocols`` or ``grid``) and write them to ``out``."""
    rows = []
    todo = (grid_configs(n, seed) if grid else protocol_configs(n, seed) if protocols else
            configs(n, seed, **(ranges or {})))
    for i, c in enumerate(todo):
        t = time.perf_counter()
        protocol = Protocol(**{k: c[k] for k in PROTOCOL_FIELDS}) if protocols or grid else Protocol()
        m = real_accuracy(c["d"], c["N"], c["L"], dist=c["dist"], protocol=protocol, seed=777, progress=False)
        rows.append(dict(c, real=m.mean, std=m.std, datasets=len(m.per_dataset)))
        print(f"{i + 1:3d}/{n} {c} real {m.mean:.4f} ({time.perf_counter() - t:.0f} s)", flush=True)
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {out}")


def report(path: Path = OUT) -> None:
    with path.open() as f:
        rows = [cp.large_n_row(r, "probe") for r in csv.DictReader(f)]
    est, low, high, real, ratio = [], [], [], [], []
    print(f"{path.name}:")
    print("| dist | d | N | L | N/P | protocol | real | estimate | band |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        d, N, (L,) = r["d"], r["N"], r["widths"]
        p = cp.row_protocol(r)
        e = estimate_accuracy(d, N, L, dist=r["dist"], protocol=p)
        est.append(e.accuracy), low.append(e.low), high.append(e.high), real.append(r["real"])
        ratio.append(N / (L * (d + 2) + 1))
        name = "reference" if p == Protocol() else p.describe()
        print(f"| {r['dist']} | {d} | {N} | {L} | {ratio[-1]:.2f} | {name} | {real[-1]:.3f} | {e.accuracy:.3f} | "
              f"{e.low:.3f}-{e.high:.3f} |")
    est, low, high, real = map(np.array, (est, low, high, real))
    err = est - real
    nt = (real < 0.999) | (est < 0.999)
    for name, m in (("all", np.ones(len(err), bool)), ("non-trivial", nt)):
        print(f"{name}: n {m.sum()}, MAE {np.abs(err[m]).mean():.4f}, max {np.abs(err[m]).max():.3f}, "
              f"bias {err[m].mean():+.4f}, in band {np.mean(((low <= real) & (real <= high))[m]):.0%}")
    # The band before the fourteenth pass's refit narrowed it (sigma_ln_k 0.12, sigma_proto 0.08, noise 0.5), around
    # the same estimate: the numpy mirror (benchmarks/calibrate_protocols.py), which reproduces the Rust core.
    acc, lo, hi = cp.corrected_of(cp.columns(rows), dict(cp.START, sigma_ln_k=0.12, sigma_proto=0.08, sigma_rho=0.0,
                                                         sigma_deep=0.08, noise=0.5))
    if np.max(np.abs(np.minimum(acc, 1.0) - est)) > 1e-9:
        raise RuntimeError("the numpy mirror disagrees with the Rust core")
    inside = (lo <= real) & (real <= hi)
    print(f"in band with the thirteenth pass's band constants: all {inside.mean():.0%}, "
          f"non-trivial {inside[nt].mean():.0%}"
          f" (mean width on the non-trivial rows {np.mean((hi - lo)[nt]):.3f} against {np.mean((high - low)[nt]):.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", choices=["measure"], help="train the probe first (else: only the table)")
    ap.add_argument("--calibration", action="store_true",
                    help="the 192 calibration configurations (seed 2027; with --protocols seed 2029; with --top "
                    "144, seed 2032) instead of the probe's 24")
    ap.add_argument("--protocols", action="store_true",
                    help="other protocols (probe: seed 2028, ~1 min to measure) instead of the reference one")
    ap.add_argument("--grid", action="store_true",
                    help="other protocols, 24 protocols x 16 configurations (seed 2030, fifteenth pass)")
    ap.add_argument("--top", action="store_true",
                    help="the reference protocol at N 3500-5000, N/P 1-3 (48 configurations, seed 2031, sixteenth "
                    "pass; with --calibration 144, seed 2032; with --fresh 96, seed 2033)")
    ap.add_argument("--fresh", action="store_true",
                    help="with --top: the 96 configurations measured after rule 14 shipped (seventeenth pass); with "
                    "--low: 96 more (seed 2036), rule 17's test")
    ap.add_argument("--low", action="store_true",
                    help="the reference protocol at d 2-10, N 1500-5000, N/P 0.6-1.5 (96 configurations, seed 2035, "
                    "eighteenth pass, a test; with --calibration 144, seed 2034)")
    # the two corners of the reference protocol: their ranges and their sets, by name ("" the first set)
    corners = {"top": (TOP_RANGES, {"": TOP, "calibration": TOP_CALIBRATION, "fresh": TOP_FRESH}),
               "low": (LOW_RANGES, {"": LOW, "calibration": LOW_CALIBRATION, "fresh": LOW_FRESH,
                                    "fresh2": LOW_FRESH2, "fresh3": LOW_FRESH3, "fresh4": LOW_FRESH4,
                                    "fresh5": LOW_FRESH5, "fresh6": LOW_FRESH6})}
    ap.add_argument("--set", dest="named", metavar="NAME",
                    choices=[k for _, sets in corners.values() for k in sets if k not in ("", "calibration", "fresh")],
                    help="with --low: a further set by name: fresh2 (seed 2037, rule 18's test), fresh3 (2038, rule "
                    "19's), fresh4 (2039, measured after rule 19 shipped), fresh5 (2040, rules 23 and 25's test), "
                    "fresh6 (2041, a fresh test measured after the twenty-first pass's decisions)")
    args = ap.parse_args()
    picked = [k for k in ("calibration", "fresh") if getattr(args, k)] + ([args.named] if args.named else [])
    for name, (ranges, sets) in corners.items():
        if getattr(args, name):
            if args.protocols or args.grid or (args.top and args.low) or len(picked) > 1 or \
                    picked and picked[0] not in sets:
                ap.error(f"--{name} takes at most one of --calibration, --fresh" +
                         (", --set " + "|".join(k for k in sets if k not in ("", "calibration", "fresh"))
                          if len(sets) > 3 else "") + ", and neither --protocols, --grid nor the other corner")
            which = sets[picked[0] if picked else ""]
            if args.command == "measure":
                measure(*which, ranges=ranges)
            report(which[0])
            return
    if any(k != "calibration" for k in picked):
        ap.error("--fresh goes with --top or --low, --set with --low")
    if args.grid:
        if args.calibration or args.protocols:
            ap.error("--grid takes neither --calibration nor --protocols")
        if args.command == "measure":
            measure(*PROTOCOLS_GRID, grid=True)
        report(PROTOCOLS_GRID[0])
        return
    which = {(False, False): (OUT, SEED, 24), (True, False): CALIBRATION, (False, True): PROTOCOLS,
             (True, True): PROTOCOLS_CALIBRATION}[(args.calibration, args.protocols)]
    if args.command == "measure":
        measure(*which, protocols=args.protocols)
    report(which[0])


if __name__ == "__main__":
    main()
