"""Monte Carlo partition: bounds, determinism, and agreement with count_regions."""

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


def test_one_neuron_in_one_dimension_matches_exact_majority_expectation():
    # With one region (a neuron whose knot lies outside the data never splits it) or two,
    # the majority accuracy of N fair-coin labels is a(n) = E max(k, n-k)/n, at least 1/2.
    sim = npn.simulate_partition(1, 1, 1, trials=50, progress=False)
    assert np.all(sim.majority_accuracy == 1.0)


def test_summary_ci_contains_mean():
    sim = npn.simulate_partition(2, 200, 5, trials=40, progress=False)
    r = sim.accuracy
    assert r.ci_low <= r.mean <= r.ci_high
    assert r.std == pytest.approx(np.std(sim.majority_accuracy, ddof=1))
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
