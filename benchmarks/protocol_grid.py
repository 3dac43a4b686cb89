"""The protocol calibration and hold-out grids, and their measurement (resumable).

Usage:
    nice -n 10 python benchmarks/protocol_grid.py measure [--store benchmarks/out/protocols.sqlite] [--workers 2]
    python benchmarks/protocol_grid.py export [--store ...] [--out docs/data/protocols.csv]
    python benchmarks/protocol_grid.py list
    # the second, continuous draw (144 protocols, 2,304 configurations):
    nice -n 10 python benchmarks/protocol_grid.py measure --sample   # store benchmarks/out/protocol_sample.sqlite
    python benchmarks/protocol_grid.py export --sample                # docs/data/protocol_sample.csv
    # further draws: --sample 2 (deep networks weigh more), --sample 3, 4, 6-33 -> protocol_sampleK.sqlite/.csv
    # (the decision draws, DECISION_DRAWS, are exported to docs/data/decision_sampleK.csv, the fresh test
    # draws, FRESH_DRAWS, to docs/data/fresh_sampleK.csv, the blind test draw 33 to docs/data/blind_sample33.csv)
    # --sample 5: the reference protocol only, 960 two-layer and 320 deep networks off the reference grid
    # --sample 34: the reference files' two families, 9 datasets a configuration (FAMILY_RULE)
    # --sample 35: deep networks only at d 51-200 (deep_d), docs/data/deep_high_d_sample35.csv (DEEP_HIGH_D_DRAWS)
    # --sample 36: draw 35's design, fresh (seed 36), docs/data/deep_high_d_sample36.csv: the band term's test set
    # --sample 37: the same, fresh (seed 37), docs/data/deep_high_d_sample37.csv: rule 39's held-out test
    # --sample 38: the same, fresh (seed 38), docs/data/deep_high_d_sample38.csv: rule 40's test

The grids are fixed here, before any constant was fitted, by a seeded random draw:

* 40 training protocols spread over the supported range (Adam lr 0.002-0.1, SGD lr 0.01-0.5 with momentum
  0.9, 250-32,000 steps, full batch or minibatches of 32-256, cosine or constant schedule, best of 1-4
  restarts). Every fourth protocol of the draw (10 of 40) is **held out**: no constant is chosen on it.
* For each protocol 24 two-layer configurations, mostly near capacity (``N`` between P/3 and 8 P for
  P = L (d + 2) + 1 parameters, 50 <= N <= 3000), both input laws, ``d`` 1-100, ``L`` 1-128, limited in cost.
* Deep networks (2-4 hidden layers, unequal widths) under the reference protocol and eight other protocols
  (two of them held-out protocols); every third deep configuration is held out.

``--sample`` uses the second draw instead (:func:`nnpartition.validation.protocol_sample`): 144 protocols with
learning rates, steps and batch sizes drawn log-uniformly (not from short lists), 12 two-layer and 4 deep
configurations each over the whole validated range; every fourth protocol is held out whole. Every draw
gives a deep network's ``d`` in 1-50 except draws 35 and 36, deep networks only at ``d`` 51-200 (``deep_d``; 96
protocols x 6 plus 48 under the reference protocol), a fresh test of the top of the validated range as a protocol
draw samples it (draw 36, the same design on other seeds, is the test set of a band term fitted on draw 35).

Each configuration is measured with :func:`nnpartition.real_accuracy` (3 datasets, seed 777) and stored in
a SQLite store (:mod:`nnpartition.sweep`), so an interrupted run resumes where it stopped. The measurement
order is shuffled, so a partial run is a uniform sample of the grid.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import math
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from nnpartition.validation import PROTOCOL_SEED as SEED
from nnpartition.validation import (protocol_cost, protocol_grid, protocol_sample, protocols, reference_sample,
                                   sample_protocols)

ROOT = Path(__file__).resolve().parent.parent


#: The continuous draws (``--sample K``): draw 1 has 12 two-layer and 4 deep networks per protocol; draw 2,
#: added after draw 1 was measured (and before any fit on either), 6 two-layer and 10 deep networks per
#: protocol plus 64 deep networks under the reference protocol, because deep networks were the weakest group;
#: draw 3 as draw 1 with a doubled cost cap (larger networks and datasets), because more protocols helped;
#: draw 4 (8 two-layer and 8 deep networks a protocol) because each draw so far lowered the cross-validated error;
#: draw 5 is not a protocol draw: 960 two-layer and 320 deep networks under the reference protocol
#: (:func:`nnpartition.validation.reference_sample`), off the factorial reference grid, because the issue's off-grid
#: reference examples missed by 0.04-0.05 where that grid has no points;
#: draws 6 (4 two-layer and 12 deep networks a protocol) and 7 (as draw 4), added together before either was
#: measured, because grouped cross-validation on fractions of the calibration protocols still fell with more of them
#: (deep 0.0316, 0.0299, 0.0293, 0.0286 at 1/4, 1/2, 3/4 and all; other protocols 0.0234 to 0.0207);
#: draw 8 (deep networks only) held out whole; draws 9 (as draw 6) and 10 (as draw 7), added together in the
#: eleventh pass on issue 11 before either was measured, because the learning curve still fell (deep 0.0242,
#: 0.0228, 0.0222 on 1/2, 3/4 and all of the calibration protocols). Both are **calibration only**
#: (``calibration_only``: no protocol held out), so that the held-out rows stay exactly those of the tenth pass and
#: a refit on more data is judged on the same rows. Draws 11 (as 9) and 12 (as 10), calibration only as well, were
#: fixed in the same pass after the refit on draws 9 and 10 had taken the deep held-out MAE from 0.0205 to 0.0194,
#: more than the learning curve had promised; decided before measuring: the refit on them ships whatever the
#: held-out tables then say.
SAMPLES = {1: dict(draw=1), 2: dict(draw=2, two_layer=6, deep=10, reference_deep=64),
           3: dict(draw=3, max_cost=1.6e10), 4: dict(draw=4, two_layer=8, deep=8), 5: dict(reference=True),
           6: dict(draw=6, two_layer=4, deep=12), 7: dict(draw=7, two_layer=8, deep=8),
           8: dict(draw=8, two_layer=0, deep=16), 9: dict(draw=9, two_layer=4, deep=12, calibration_only=True),
           10: dict(draw=10, two_layer=8, deep=8, calibration_only=True),
           11: dict(draw=11, two_layer=4, deep=12, calibration_only=True),
           12: dict(draw=12, two_layer=8, deep=8, calibration_only=True),
           # Draw 13 (twelfth pass): the decision draw for the monotone map of the estimate (docs/theory_history.md),
           # fixed, and its rule written, before it was measured. Exported to DECISION_DRAWS' file, which
           # calibrate_protocols.load() does not read: it is neither calibration (no fit sees it) nor held out
           # (it decided something); correction_limits.py scores it.
           13: dict(draw=13, two_layer=6, deep=10, calibration_only=True),
           # Draw 14 (fifteenth pass): the decision draw for the restarts envelope of the warp (docs/theory_history.md),
           # fixed, and its rule written, before it was measured; exported like draw 13.
           14: dict(draw=14, two_layer=6, deep=10, calibration_only=True),
           # Draw 15 (sixteenth pass): a fresh test of the estimator as the fifteenth pass shipped it, fixed before
           # it was measured and scored before any candidate of the pass; then it decided rule 12
           # (docs/theory_history.md).
           15: dict(draw=15, two_layer=6, deep=10, calibration_only=True),
           # Draw 16 (end of the sixteenth pass): measured for the next candidate's decision; a fresh test of the
           # shipped estimator until it decided rule 14 (the sharpness exponent, seventeenth pass;
           # docs/theory_history.md).
           16: dict(draw=16, two_layer=6, deep=10, calibration_only=True),
           # Draw 17 (seventeenth pass): a fresh test of the estimator rule 14 shipped, fixed before it was measured.
           17: dict(draw=17, two_layer=6, deep=10, calibration_only=True),
           # Draw 18 (eighteenth pass): fixed, with its rule, as the decision draw of rule 16 (docs/theory_history.md,
           # "Sizing") before it was measured; rule 16 was dropped at its gate, and draw 18 decided rule 17.
           18: dict(draw=18, two_layer=6, deep=10, calibration_only=True),
           # Draw 19 (eighteenth pass): fixed, with rule 18, as its decision draw before it was measured; rule 18
           # failed on other items before draw 19 was scored, so it was a fresh test until it decided rule 19
           # (nineteenth pass, the correction's two-layer extension, which shipped).
           19: dict(draw=19, two_layer=6, deep=10, calibration_only=True),
           # Draw 20 (nineteenth pass): a fresh test of the estimator rule 19 shipped, fixed before it was measured;
           # in the twentieth pass it decided rule 20 (the correction's deep extension, which shipped).
           20: dict(draw=20, two_layer=6, deep=10, calibration_only=True),
           # Draw 21 (twentieth pass): fixed with rule 20 (the correction's deep extension) before it was measured,
           # as the fresh test of whatever that pass ships; scored as rule 20's fresh test, it then decided rule 21
           # (the deep extension refitted with the decision draws' deep rows, which shipped).
           21: dict(draw=21, two_layer=6, deep=10, calibration_only=True),
           # Draw 22 (twentieth pass): fixed with rule 21 (the deep extension refitted with the decision draws' deep
           # rows) before it was measured, as the fresh test of what the pass ships after it; scored as that, it then
           # decided rule 22 (the two-layer extension refitted with their two-layer rows, which shipped).
           22: dict(draw=22, two_layer=6, deep=10, calibration_only=True),
           # Draw 23 (twentieth pass): fixed with rule 22 (the two-layer extension refitted with the decision draws'
           # two-layer rows) before it was measured, as the fresh test of what the pass ships last; scored as that
           # after rule 22 shipped, it then decided rules 23-25 in the twenty-first pass (none shipped).
           23: dict(draw=23, two_layer=6, deep=10, calibration_only=True),
           # Draw 24 (twenty-first pass): fixed with rules 23 and 24 before it was measured, as the fresh test of what
           # that pass ships (it shipped no rule: a second fresh test of rule 22's estimator); then it decided rules
           # 26 and 27 (twenty-second pass).
           24: dict(draw=24, two_layer=6, deep=10, calibration_only=True),
           # Draw 25 (twenty-second pass): fixed with rule 26 (a batch of N or more points read as full batch) before
           # it was measured, as the fresh test of what that pass ships (rule 27); decided rule 28 (twenty-fifth
           # pass, not shipped).
           25: dict(draw=25, two_layer=6, deep=10, calibration_only=True),
           # Draw 26 (twenty-third pass): a second fresh test of rule 27's estimator, which that pass left bit for bit
           # as it was (it changed only how fast the trees are read); fixed before it was measured; decided rule 28
           # (twenty-fifth pass, not shipped).
           26: dict(draw=26, two_layer=6, deep=10, calibration_only=True),
           # Draw 27 (twenty-fifth pass): fixed with rule 29 (the sample-visits cap with its one constant fitted
           # alone) as one of its decision sets, before it was measured; rules 29 and 30 failed before it was
           # scored, so it was first scored as a fresh test of rule 27's estimator; then it decided rule 31 (not
           # shipped).
           27: dict(draw=27, two_layer=6, deep=10, calibration_only=True),
           # Draw 28 (twenty-sixth pass): a fresh test, fixed before it was measured. It is scored first as a test of
           # rule 27's estimator; a candidate of the same pass is decided on other rows (its rule names them), and
           # draw 28 is then the fresh test of what the pass ships.
           28: dict(draw=28, two_layer=6, deep=10, calibration_only=True),
           # Draw 29 (twenty-sixth pass): fixed with rule 33 (rule 32's candidate judged as rules 20-22 were)
           # before it was measured, as its decision draw; rule 33 failed on other items before draw 29 was
           # scored, so it decided nothing: a fresh test of the shipped estimator.
           29: dict(draw=29, two_layer=6, deep=10, calibration_only=True),
           # Draw 30 (twenty-seventh pass): a fresh test, fixed before it was measured and before any rule of the
           # pass was written.
           30: dict(draw=30, two_layer=6, deep=10, calibration_only=True),
           # Draw 31 (twenty-eighth pass): a fresh test, fixed before it was measured, after rules 34-36 had failed
           # and before rule 37 was written (rule 37 is decided on draws 29 and 30, which it makes decision draws).
           31: dict(draw=31, two_layer=6, deep=10, calibration_only=True),
           # Draw 32 (thirty-fourth pass): a fresh test of the estimator unchanged since the twenty-eighth pass, fixed
           # before it was measured; no rule of the pass reads it.
           32: dict(draw=32, two_layer=6, deep=10, calibration_only=True),
           # Draw 33 (forty-second pass): the blind test of heldout_errors' 14 regions (forty-first pass), fixed with
           # its rule (BLIND_RULE, below) before it was measured; also a fresh test of the shipped estimator. No
           # rule of the pass reads it otherwise.
           33: dict(draw=33, two_layer=6, deep=10, calibration_only=True),
           # Draw 34 (forty-third pass): the two families the reference files in tests/data sample, fixed with its
           # rule (FAMILY_RULE, below) before it was measured: deep networks under the reference protocol, and two-layer
           # networks under protocols that change only the reference protocol's optimizer, learning rate and steps
           # (full batch, cosine, best of 2). 9 datasets a configuration. A fresh test; no rule of the pass reads it.
           34: dict(family=True),
           # Draw 35 (sixty-ninth pass on issue 11): deep networks at d 51-200, drawn as the protocol draws draw them
           # (2-4 hidden layers of 4-128 units, N near capacity, the cost cap 8e9) but with a deep network's d
           # log-uniform in 51-200 (deep_d) instead of 1-50: every deep row of every calibration, decision, fresh and
           # held-out draw had d <= 50, while a question drawn log-uniformly over the validated d 1-200 has d > 50
           # about a quarter of the time. No two-layer networks; 6 deep networks under each of the first 96
           # protocols of sample_protocols(96, 35) and 48 under the reference protocol (602 rows, 2.8e12 cost units,
           # about 20-30 min on one niced thread). Fixed and committed before any of it was measured; a fresh test
           # of the shipped estimator that no fit reads and nothing is decided on (every protocol's rows count: no
           # fit has seen a deep row at d > 50). Exported as DEEP_HIGH_D_DRAWS' file; deep_high_d.py scores it.
           35: dict(draw=35, n=96, two_layer=0, deep=6, reference_deep=48, deep_d=(51, 200),
                    calibration_only=True),
           # Draw 36 (sixty-ninth pass on issue 11): draw 35's design exactly (deep networks only, d log-uniform in
           # 51-200, 6 under each of the first 96 protocols of sample_protocols(96, 36) and 48 under the reference
           # protocol, the cost cap 8e9), a fresh draw of it. Drawn and committed before any of it was measured, while
           # a band term for deep networks at d > 50 was being fitted on draw 35: draw 36 is that term's test set,
           # which nobody reads before the term is fixed; no fit reads it and nothing else is decided on it.
           # Exported as DEEP_HIGH_D_DRAWS' file; deep_high_d.py --draw 36 scores it.
           36: dict(draw=36, n=96, two_layer=0, deep=6, reference_deep=48, deep_d=(51, 200),
                    calibration_only=True),
           # Draw 37 (seventieth pass on issue 11): draw 35's design exactly on fresh seeds (sample_protocols(96, 37)),
           # drawn and committed with rule 39 (docs/theory_history.md) before any of it was measured. Rule 39 grows
           # the correction's deep extension on draws 35 and 36 (part "deep_high_d"); draw 37 is the held-out test that
           # decides whether it ships, and, shipped or not, the held-out rows of deep networks at d 51-200 that
           # heldout_errors reports. No fit reads it. Exported as DEEP_HIGH_D_DRAWS' file; deep_high_d.py --draw 37.
           37: dict(draw=37, n=96, two_layer=0, deep=6, reference_deep=48, deep_d=(51, 200),
                    calibration_only=True),
           # Draw 38 (seventieth pass): draw 35's design again on fresh seeds (sample_protocols(96, 38)), drawn and
           # committed with rule 40 (docs/theory_history.md) before any of it was measured: the test of the band's
           # step refitted out of fold (band_high_d.py --crossfit). No fit reads it.
           38: dict(draw=38, n=96, two_layer=0, deep=6, reference_deep=48, deep_d=(51, 200),
                    calibration_only=True)}
#: Draws exported under another name than ``protocol_sampleK.csv`` (which ``calibrate_protocols.load`` reads).
DECISION_DRAWS = {k: f"decision_sample{k}" for k in (13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 29,
                                                      30)}
#: Fresh test draws, exported as ``fresh_sampleK.csv`` (scored by ``calibrate_protocols.py``, never fitted on and
#: deciding nothing): draw 17 (draw 15 was one until it decided rule 12 in the sixteenth pass, draw 16 until it
#: decided rule 14 in the seventeenth, draw 19 until it decided rule 19 in the nineteenth, draws 20-22 until they
#: decided rules 20-22 in the twentieth, draw 23 until it decided rules 23-25 in the twenty-first, draw 24 until it
#: decided rules 26 and 27 in the twenty-second, draws 25 and 26 until they decided rule 28 in the twenty-fifth, and
#: draw 27 until it decided rule 31 in the same pass, draws 29 and 30 until they decided rule 37 in the twenty-eighth),
#: draw 28 (twenty-sixth pass), draw 31 (twenty-eighth), draw 32 (thirty-fourth). Draw 17's rows are calibration
#: rows of the correction's extensions since rules 21 and 22.
FRESH_DRAWS: Dict[int, str] = {k: f"fresh_sample{k}" for k in (17, 28, 31, 32)}
#: Blind test draws, exported as ``blind_sampleK.csv``: draw 33, the blind test of ``nnpartition.heldout_errors``'
#: regions. The fresh draws above had been read, one factor at a time, when the regions' factors were chosen;
#: draw 33 was drawn and its rule written before any of it was measured.
BLIND_DRAWS: Dict[int, str] = {33: "blind_sample33"}
#: The rule draw 33 decides, written before it was measured (forty-second pass on issue 11). Scored by
#: ``python benchmarks/heldout_regions.py --blind`` on the regions with at least 30 of its rows (non-trivial or
#: not; 3-dataset truth): the shipped table (held out, 9-dataset truth) predicts the draw's regions if the rank
#: correlation (Spearman) of the share off by more than 0.06 is at least 0.6 AND that of the MAE at least 0.7, AND
#: the region the table has worst by share off (deep networks, large steps, narrow later layer) is among the draw's
#: two worst by that share. Pass: the docs call the regions blind-tested. Fail: the docs say they failed a blind test,
#: and how. Either way the table stays the held-out one (nothing is refitted on draw 33).
BLIND_RULE = dict(min_rows=30, share_rank=0.6, mae_rank=0.7, worst=("deep", True, True, False), worst_among=2)
#: Draw 34, exported as ``family_sample34.csv``.
FAMILY_DRAWS: Dict[int, str] = {34: "family_sample34"}
#: Draws 35-38 (deep networks at d 51-200), exported as ``deep_high_d_sampleK.csv``; draw 36 is the test set of
#: the band term fitted on draw 35, draw 37 the held-out test of rule 39, which grows the correction on 35 and 36,
#: draw 38 the test of rule 40 (the band term refitted out of fold).
DEEP_HIGH_D_DRAWS: Dict[int, str] = {k: f"deep_high_d_sample{k}" for k in (35, 36, 37, 38)}
#: Seed of draw 34 (:func:`family_sample`), fixed before it was measured.
FAMILY_SEED = 2034
#: What draw 34 decides, written before it was measured (forty-third pass on issue 11). The reference files
#: (``reference_deep_public.csv``: the reference protocol on 2-4 hidden layers; ``reference_protocols_public.csv``:
#: two layers, 16 of 17 rows full batch, cosine, best of 2) sample two families of the validated range, and the
#: held-out rows of those families (9 datasets) score within the max target (deep under the reference protocol:
#: 115 non-trivial rows, MAE 0.0096, max 0.053; two layers, full batch, cosine, best of 2, other protocols: 249
#: rows, 0.0132, 0.058), where the groups as a whole do not (0.216, 0.129). A subset read after the fact can look
#: better by chance, so draw 34 tests it: ``python benchmarks/family_draw.py`` scores the shipped estimate on its
#: non-trivial rows (real or estimate below 0.999, 9-dataset truth) per family. The docs call a family's targets met
#: on fresh configurations only if its MAE is at most ``mae`` and its largest error at most ``max``; otherwise they
#: give the figures as a miss. Nothing is fitted or changed on draw 34 either way.
FAMILY_RULE = dict(mae=0.02, max=0.06, datasets=9, deep=256, protocols=32, per_protocol=8)


def family_sample() -> List[Dict[str, Any]]:
    """Draw 34 (``FAMILY_RULE``): ``deep`` deep networks under the reference protocol, then ``protocols`` protocols
    that differ from the reference protocol only in the optimizer (Adam 55%), the learning rate (log-uniform over
    its optimizer's validated range) and the steps (log-uniform, 250-32,000), each with ``per_protocol`` two-layer
    networks; networks drawn as :func:`nnpartition.validation.protocol_sample` draws them. ``pid`` -1 for the
    reference protocol, 3400 on for the others; nothing is held out (``heldout`` false: a test draw)."""
    import random

    from nnpartition.validation import REFERENCE_ROW, _draw_networks, _log_uniform

    rule = FAMILY_RULE
    rng = random.Random(FAMILY_SEED)
    ref = dict(REFERENCE_ROW, pid=-1)
    jobs = [dict(c, **ref, deep_heldout=False) for c in _draw_networks(rng, ref, 0, int(rule["deep"]), 8e9)]
    for i in range(int(rule["protocols"])):
        opt = "adam" if rng.random() < 0.55 else "sgd"
        lr = round(_log_uniform(rng, 0.002, 0.1) if opt == "adam" else _log_uniform(rng, 0.01, 0.5), 5)
        p = dict(REFERENCE_ROW, pid=3400 + i, optimizer=opt, lr=lr, steps=int(round(_log_uniform(rng, 250, 32000))))
        jobs += [dict(c, **p, deep_heldout=False) for c in _draw_networks(rng, p, int(rule["per_protocol"]), 0, 8e9)]
    rng.shuffle(jobs)
    return jobs


def grid(sample: int = 0) -> List[Dict[str, Any]]:
    """The protocol grid of :func:`nnpartition.validation.protocol_grid` (without the derived ``part`` key,
    which the store's configuration keys predate), or a continuous draw (``sample``, one of ``SAMPLES``; a
    ``calibration_only`` draw marks none of its configurations held out)."""
    spec = dict(SAMPLES[sample]) if sample else {}
    calibration_only = spec.pop("calibration_only", False)
    if spec.get("family"):
        g = family_sample()
    elif spec.get("reference"):
        g = reference_sample()
    else:
        g = protocol_sample(**spec) if sample else protocol_grid()
    if calibration_only:   # no protocol of this draw is held out (see SAMPLES)
        g = [dict(c, heldout=False, deep_heldout=False) for c in g]
    return [{k: v for k, v in c.items() if k != "part"} for c in g]


def _cost(N: int, d: int, widths: List[int], p: Dict[str, Any]) -> float:
    return protocol_cost(dict(p, N=N, d=d, widths=widths))


def measure(config: Dict[str, Any], datasets: int = 3, seed: int = SEED) -> Dict[str, Any]:
    """Train one configuration (``datasets`` datasets of ``seed``'s family) under its protocol.

    A diverging run is measured, not an error: ``real_accuracy`` counts it with the reads PyTorch would make
    (``docs/training.md``, "Divergence"). The ``except RuntimeError`` that stood here for it never matched (the
    trainer raised ``ValueError``), so such a configuration was stored as a failed job instead."""
    from nnpartition.training import Protocol, real_accuracy

    p = Protocol(optimizer=config["optimizer"], lr=config["lr"], steps=config["steps"],
                 batch_size=config["batch_size"], schedule=config["schedule"], restarts=config["restarts"])
    m = real_accuracy(config["d"], config["N"], widths=config["widths"], dist=config["dist"], protocol=p,
                      datasets=datasets, seed=seed, threads=1, progress=False)
    return {"mean": m.mean, "std": m.std, "per_dataset": m.per_dataset.tolist(), "seconds": m.seconds}


def finished(store: Path) -> Iterator[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """``(config, result)`` of every configuration of a sweep store measured to a finite mean."""
    from nnpartition import sweep

    for r in sweep.load(store):
        if r["status"] == "done" and r["result"] is not None and math.isfinite(r["result"]["mean"]):
            yield r["config"], r["result"]


FIELDS = ["pid", "optimizer", "lr", "steps", "batch_size", "schedule", "restarts", "heldout", "deep_heldout",
          "dist", "d", "N", "widths", "accuracy_mean", "accuracy_std", "seconds"]


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["measure", "export", "list"])
    ap.add_argument("--sample", type=int, nargs="?", const=1, default=0, choices=sorted(SAMPLES),
                    help="a continuous draw of protocols (1-4, 6-33; 35-38: deep networks at d 51-200), the "
                    "reference-protocol draw (5) or the families' draw (34), instead of the protocol grid")
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    from nnpartition import sweep

    name = "protocol_sample" + (str(args.sample) if args.sample > 1 else "") if args.sample else "protocols"
    args.store = args.store or ROOT / "benchmarks" / "out" / f"{name}.sqlite"
    exported = {**DECISION_DRAWS, **FRESH_DRAWS, **BLIND_DRAWS, **FAMILY_DRAWS, **DEEP_HIGH_D_DRAWS}.get(args.sample,
                                                                                                   name)
    args.out = args.out or ROOT / "docs" / "data" / f"{exported}.csv"
    g = grid(args.sample)
    if args.what == "list":
        reference_only = bool(args.sample) and (SAMPLES[args.sample].get("reference", False)
                                                or SAMPLES[args.sample].get("family", False))
        calibration_only = bool(args.sample) and SAMPLES[args.sample].get("calibration_only", False)
        n_protocols = int(SAMPLES[args.sample].get("n", 144)) if args.sample else 0
        for p in ([] if reference_only else sample_protocols(n_protocols, args.sample) if args.sample
                  else protocols()):
            print(json.dumps(dict(p, heldout=False) if calibration_only else p))
        print(f"{len(g)} configurations, total cost {sum(_cost(c['N'], c['d'], c['widths'], c) for c in g):.3g}")
        return 0
    if args.what == "measure":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        datasets = int(FAMILY_RULE["datasets"]) if args.sample in FAMILY_DRAWS else 3
        sweep.run(g, functools.partial(measure, datasets=datasets), store=args.store, workers=args.workers,
                  progress=True)
        return 0
    rows = list(finished(args.store))   # read the store before the CSV is opened (and truncated)
    n = 0
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for c, res in rows:
            w.writerow({**{k: c[k] for k in FIELDS[:12]}, "batch_size": c["batch_size"] or 0,
                        "widths": "-".join(str(x) for x in c["widths"]),
                        "accuracy_mean": round(res["mean"], 6), "accuracy_std": round(res["std"], 6),
                        "seconds": round(res["seconds"], 2)})
            n += 1
    print(f"wrote {n} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
