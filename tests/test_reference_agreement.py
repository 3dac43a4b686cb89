"""Our reference protocol against the independent PyTorch measurements.

Uses the rows of the reference CSV that train fast (N <= 300, or N <= 1000
with L <= 16); ``benchmarks/validate_reference.py`` checks the whole file.
The file is ``tests/data/reference_accuracy_public.csv`` (shipped with the
tests; see ``tests/data/README.md``), or ``$NNPARTITION_REFERENCE_CSV``.

Tolerances come from sampling noise: the reference mean is over 3 datasets
and ours over ``K`` datasets, so their difference has standard deviation
``sqrt(s_ref^2 / 3 + s_ours^2 / K)``, where a dataset's spread ``s`` is floored
at ``0.25 / sqrt(N)`` (a three-dataset std is a rough estimate; a row at 100%
has exactly zero spread and must agree exactly up to one point).
"""

import csv
import math
import os
from pathlib import Path

import numpy as np
import pytest

from nnpartition.training import real_accuracy

ROOT = Path(__file__).resolve().parent.parent
CSV = Path(os.environ.get("NNPARTITION_REFERENCE_CSV", ROOT / "tests" / "data" / "reference_accuracy_public.csv"))
OURS_DATASETS = 6



def sample_rows():
    with CSV.open() as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if int(r["N"]) <= 300 or (int(r["N"]) <= 1000 and int(r["L"]) <= 16)]


@pytest.fixture(scope="module")
def comparisons():
    out = []
    for r in sample_rows():
        d, N, L = int(r["d"]), int(r["N"]), int(r["L"])
        m = real_accuracy(d, N, L, dist=r["dist"], datasets=OURS_DATASETS, restarts=2, seed=0)
        ref, ref_sd = float(r["accuracy_mean"]), float(r["accuracy_std"])
        floor = 0.25 / math.sqrt(N)
        sigma = math.sqrt(max(ref_sd, floor) ** 2 / 3 + max(m.std, floor) ** 2 / OURS_DATASETS)
        out.append(dict(row=f"{r['dist']} d={d} N={N} L={L}", ref=ref, ours=m.mean, sigma=sigma, N=N))
    return out


def test_sample_is_not_empty(comparisons):
    assert len(comparisons) >= 20


def test_every_row_agrees_within_sampling_noise(comparisons):
    bad = [c for c in comparisons if abs(c["ours"] - c["ref"]) > 4 * c["sigma"] + 1 / c["N"]]
    assert not bad, "\n".join(f"{c['row']}: ours {c['ours']:.4f} ref {c['ref']:.4f} (sigma {c['sigma']:.4f})"
                              for c in bad)


def test_no_systematic_bias_and_small_mean_difference(comparisons):
    diffs = np.array([c["ours"] - c["ref"] for c in comparisons])
    sigmas = np.array([c["sigma"] for c in comparisons])
    # The mean of n independent differences has std sqrt(sum sigma^2) / n.
    assert abs(diffs.mean()) <= 3 * math.sqrt(np.sum(sigmas ** 2)) / len(diffs) + 0.002, diffs.mean()
    assert np.abs(diffs).mean() <= 0.02, np.abs(diffs).mean()


def test_rows_at_100_percent_are_reproduced(comparisons):
    perfect = [c for c in comparisons if c["ref"] == 1.0 and c["N"] <= 100]
    assert perfect and all(c["ours"] >= 0.99 for c in perfect)
