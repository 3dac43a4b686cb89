"""Monte Carlo partition: bounds, determinism, and agreement with count_regions."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import nnpartition as npn


def test_regions_bounded_by_min_n_and_arrangement():
    for d, N, L in [(1, 500, 10), (2, 300, 12), (3, 2000, 6), (8, 100, 64)]:
        sim = npn.simulate_partition(d, N, L, trials=20, seed=5, progress=False)
        assert sim.n_regions.max() <= min(N, npn.regions(L, d))
        assert np.all((sim.majority_accuracy >= 0.5) & (sim.majority_accuracy <= 1.0))
        # The mean histogram accounts for every point.
        k = np.arange(sim.occupancy_hist.size)
        assert (k * sim.occupancy_hist).sum() == pytest.approx(N)


def test_same_seed_same_numbers_regardless_of_threads_and_batching():
    a = npn.simulate_partition(4, 3000, 30, trials=12, seed=9, threads=1, progress=False)
    b = npn.simulate_partition(4, 3000, 30, trials=12, seed=9, threads=2, progress=False)
    np.testing.assert_array_equal(a.n_regions, b.n_regions)
    np.testing.assert_array_equal(a.majority_accuracy, b.majority_accuracy)
    np.testing.assert_array_equal(a.occupancy_hist, b.occupancy_hist)
    # The first trials of a longer run are the same trials.
    c = npn.simulate_partition(4, 3000, 30, trials=5, seed=9, progress=False)
    np.testing.assert_array_equal(a.n_regions[:5], c.n_regions)
    d = npn.simulate_partition(4, 3000, 30, trials=12, seed=10, progress=False)
    assert not np.array_equal(a.majority_accuracy, d.majority_accuracy)


def test_rayon_env_thread_count_does_not_change_results():
    code = ("import nnpartition as n; s=n.simulate_partition(3, 5000, 20, trials=8, seed=2, progress=False);"
            "print(s.n_regions.tolist(), s.majority_accuracy.tolist())")
    outs = []
    for t in ("1", "2"):
        env = dict(os.environ, RAYON_NUM_THREADS=t)
        outs.append(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                   check=True).stdout)
    assert outs[0] == outs[1]


def test_every_point_alone_is_perfect_accuracy():
    # 10 points in R^30 with 200 random neurons: every point gets its own region.
    sim = npn.simulate_partition(30, 10, 200, trials=10, progress=False)
    assert np.all(sim.n_regions == 10)
    assert np.all(sim.majority_accuracy == 1.0)
    assert sim.singleton_fraction == 1.0


@pytest.mark.parametrize("d,N,L", [(1, 12, 1), (2, 40, 5), (3, 25, 40)])
def test_majority_accuracy_matches_the_exact_expectation_given_the_occupancy(d, N, L):
    """Given a partition, fair-coin labels make a region of k points right on E max(c, k - c) of them, c ~ Bin(k, 1/2);
    so, whatever the partition, the mean majority accuracy over the trials is sum_k H[k] E max(c, k - c) / N for the
    trials' mean occupancy histogram H (one neuron in one dimension: one region or two; a few neurons in d = 2;
    more neurons than points in d = 3). A labelling that counted ties, majorities or points wrong would miss it."""
    def right(k):   # E max(c, k - c), exactly
        return sum(math.comb(k, c) * max(c, k - c) for c in range(k + 1)) / 2**k

    sim = npn.simulate_partition(d, N, L, trials=4000, seed=3, progress=False)
    H = sim.occupancy_hist
    want = sum(H[k] * right(k) for k in range(1, H.size)) / N
    got = sim.majority_accuracy
    assert want < 1.0
    assert abs(got.mean() - want) < 4 * got.std(ddof=1) / np.sqrt(got.size)


def test_summary_is_the_t_interval():
    from scipy import stats

    sim = npn.simulate_partition(2, 200, 5, trials=40, progress=False)
    r, x = sim.accuracy, sim.majority_accuracy
    lo, hi = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-9)
    assert set(sim.to_dict()) >= {"n_regions", "majority_accuracy"}


def test_gaussian_points_and_init_run():
    sim = npn.simulate_partition(3, 500, 10, trials=5, dist="gauss", init="gaussian", progress=False)
    assert sim.dist == "gaussian" and sim.n_regions.shape == (5,)


def test_result_is_frozen_hashable_and_compared_by_value():
    a = npn.simulate_partition(2, 30, 3, trials=4, seed=5, progress=False)
    b = npn.simulate_partition(2, 30, 3, trials=4, seed=5, progress=False)
    c = npn.simulate_partition(2, 30, 3, trials=4, seed=6, progress=False)
    assert a == b and hash(a) == hash(b) and len({a, b, c}) == 2
    assert a != c or not np.array_equal(a.n_regions, c.n_regions)
    with pytest.raises(ValueError, match="read-only"):
        a.n_regions[0] = 99
