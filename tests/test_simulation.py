"""Monte Carlo partition: bounds, determinism, and agreement with count_regions."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nnpartition as npn


def _numpy_trials(d, N, L, trials, seed, gaussian=False):
    """``trials`` trials drawn here with numpy under the documented laws (points uniform in ``[-1, 1]^d`` or standard
    normal, fair-coin labels, weights and biases ``U(-1/sqrt(d), 1/sqrt(d))`` or ``N(0, 1/d)``), each trial's
    occupied regions the distinct sign patterns of ``X W + b > 0`` and its majority accuracy the points a region's
    majority label gets right: the per-trial regions and accuracies."""
    rng, a = np.random.default_rng(seed), 1 / math.sqrt(d)
    regions, accuracy = np.empty(trials), np.empty(trials)
    for t in range(trials):
        X = rng.normal(size=(N, d)) if gaussian else rng.uniform(-1, 1, (N, d))
        y = rng.integers(0, 2, N)
        W, b = ((rng.normal(0, a, (d, L)), rng.normal(0, a, L)) if gaussian
                else (rng.uniform(-a, a, (d, L)), rng.uniform(-a, a, L)))
        _, region = np.unique(np.packbits(X @ W + b > 0, axis=1), axis=0, return_inverse=True)
        count, ones = np.bincount(region.ravel()), np.bincount(region.ravel(), weights=y)
        regions[t], accuracy[t] = count.size, np.maximum(ones, count - ones).sum() / N
    return regions, accuracy


@pytest.mark.parametrize("d,N,L,trials,gaussian", [(2, 300, 12, 300, False), (5, 5000, 30, 60, False),
                                                   (3, 1000, 8, 300, True)])
def test_occupied_regions_and_majority_accuracy_agree_with_numpy_sampling(d, N, L, trials, gaussian):
    """The mean occupied regions and majority accuracy of a run against the same laws sampled and counted here with
    numpy (other random numbers: within 5 standard errors of the difference). 5000 points are three chunks of the
    core's 2048 rows (rust/src/activation_regions.rs, CHUNK_ROWS): a chunk that repeated another's points, or
    regions or labels counted wrong, miss by many standard errors. The mean histogram accounts for every point.
    (This test asserted only facts that hold by construction, n_regions <= min(N, regions(L, d)) and a majority
    accuracy in [0.5, 1], which the hypothesis test below still checks.)"""
    kw = dict(dist="gaussian", init="gaussian") if gaussian else {}
    sim = npn.simulate_partition(d, N, L, trials=trials, seed=5, progress=False, **kw)
    want_regions, want_accuracy = _numpy_trials(d, N, L, trials, seed=5, gaussian=gaussian)
    for got, want in ((sim.n_regions.astype(float), want_regions), (sim.majority_accuracy, want_accuracy)):
        se = math.hypot(got.std(ddof=1), want.std(ddof=1)) / math.sqrt(trials)
        assert abs(got.mean() - want.mean()) < 5 * se, (got.mean(), want.mean(), se)
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


def test_to_dict_of_one_trial_is_strict_json():
    # An audit: one trial's NaN std and interval went into to_dict as NaN, which json.dumps writes as the non-JSON
    # token NaN (AccuracyMeasurement.to_dict writes None, as json_ready does for every --json)
    import json

    sim = npn.simulate_partition(2, 10, 3, trials=1, progress=False)
    assert math.isnan(sim.regions.std)
    out = json.loads(json.dumps(sim.to_dict(), allow_nan=False))
    assert out["n_regions"]["std"] is None and out["majority_accuracy"]["ci_low"] is None
    assert out["n_regions"]["mean"] == sim.n_regions[0] and out["trials"] == 1


def _split_probability(dist, init):
    """P(one random neuron separates two random points) in d = 1. The neuron's knot ``t = -b / w`` separates them when
    one point lies left of it and the other right: ``E_t[2 F(t) (1 - F(t))]`` for the points' CDF ``F``. The knot's
    density: ``b, w ~ U(-1, 1)`` (init "uniform") give 1/4 on ``|t| < 1`` and ``1 / (4 t^2)`` beyond; ``b, w ~
    N(0, 1)`` (init "gaussian") a standard Cauchy ``t``. By quadrature."""
    from scipy import integrate, stats

    F = (lambda t: min(max((1 + t) / 2, 0.0), 1.0)) if dist == "uniform" else stats.norm.cdf
    density = ((lambda t: 0.25 if abs(t) <= 1 else 0.25 / t**2) if init == "uniform"
               else (lambda t: 1 / (math.pi * (1 + t * t))))
    parts = [(-1, 1)] if dist == "uniform" else [(-np.inf, -1), (-1, 1), (1, np.inf)]
    return sum(integrate.quad(lambda t: 2 * F(t) * (1 - F(t)) * density(t), lo, hi)[0] for lo, hi in parts)


_TRIALS = 100_000


def _split_se(p):
    return math.sqrt(p * (1 - p) / _TRIALS)


@pytest.mark.parametrize("dist", ["uniform", "gaussian"])
@pytest.mark.parametrize("init,init_name", [("uniform", "uniform"), ("gaussian", "gaussian"), ("gauss", "gaussian"),
                                            ("normal", "gaussian")])
def test_two_points_one_neuron_split_as_the_laws_say(dist, init, init_name):
    """Two points, one neuron, d = 1: two regions exactly when the neuron's knot falls between the points, whose
    probability is a closed form in the point law (``dist``) and the weight law (``init``). Uniform points and
    uniform weights give exactly 1/6 (``E (1 - t^2) / 2`` over a knot uniform in (-1, 1), half the time); the four
    laws give 0.167, 0.182, 0.248 and 0.246, so a simulation that drew its points or its weights from the wrong law
    misses by 10 or more standard errors (next test). The init aliases "gauss" and "normal" (rust/src/choices.rs)
    must draw the Gaussian init's law: only the core's own tables checked them before, which a wrong alias target
    passes (both sides read the same table)."""
    want = _split_probability(dist, init_name)
    if (dist, init_name) == ("uniform", "uniform"):
        assert want == pytest.approx(1 / 6, abs=1e-12)
    sim = npn.simulate_partition(1, 2, 1, trials=_TRIALS, dist="gauss" if dist == "gaussian" else dist, init=init,
                                 seed=3, progress=False)
    assert (sim.dist, sim.init) == (dist, init_name)
    got = sim.n_regions.mean() - 1
    assert abs(got - want) < 4 * _split_se(want), (got, want)


def test_the_split_probabilities_tell_the_laws_apart():
    """The closed forms above are far enough apart for that test to see a wrong law (init: with uniform points)."""
    p = {(dist, init): _split_probability(dist, init) for dist in ("uniform", "gaussian")
         for init in ("uniform", "gaussian")}
    # uniform points, Cauchy knot: (1 / 2 pi) * integral over (-1, 1) of (2 / (1 + t^2) - 1) = 1/2 - 1/pi
    assert p["uniform", "gaussian"] == pytest.approx(0.5 - 1 / math.pi, abs=1e-10)
    for x, y in [(("uniform", "gaussian"), ("uniform", "uniform")), (("gaussian", "uniform"), ("uniform", "uniform")),
                 (("gaussian", "gaussian"), ("uniform", "gaussian"))]:
        assert abs(p[x] - p[y]) > 10 * _split_se(max(p[x], p[y])), (x, y)


@pytest.mark.parametrize("d,N", [(1, 3), (2, 4), (3, 5)])
def test_capped_occupancy_and_singletons_of_one_neuron_on_d_plus_2_points(d, N):
    """One neuron on N = d + 2 points: one region of N points, capped at d + 1, or two regions of a and N - a points
    (a >= 1), each at most d + 1, so capped at N in all. Trial by trial, capped = d + 1 if one region else N. In
    d = 1 the only split of 3 points is 1 | 2: one point of three alone. An occupancy capped at d + 2 or at d, or
    off by one, or singletons counted per region instead of per point, all miss it."""
    sim = npn.simulate_partition(d, N, 1, trials=400, seed=4, progress=False)
    one = sim.n_regions == 1
    assert one.any() and (~one).any()
    np.testing.assert_array_equal(sim.capped_occupancy, np.where(one, d + 1, N))
    if d == 1:
        assert sim.singleton_fraction == pytest.approx((~one).mean() / N, rel=1e-12)


@pytest.mark.parametrize("d,N,L", [(1, 12, 1), (2, 40, 5), (3, 25, 40), (2, 7, 3)])
def test_capped_occupancy_is_the_capped_sum_of_each_trials_histogram(d, N, L):
    """A one-trial run's occupancy histogram is that trial's: ``h[k]`` regions of ``k`` points. The capped occupancy
    must be ``sum_k h[k] min(k, d + 1)`` and the singleton fraction ``h[1] / N`` (points alone, not regions), trial
    by trial (trial t of a run is trial t of any longer run, so runs of 1 trial under several seeds suffice)."""
    mixed = 0
    for seed in range(12):
        sim = npn.simulate_partition(d, N, L, trials=1, seed=seed, progress=False)
        h = sim.occupancy_hist
        assert np.all(h == np.round(h)) and (np.arange(h.size) * h).sum() == N
        k = np.arange(h.size)
        assert sim.capped_occupancy[0] == int((h * np.minimum(k, d + 1)).sum())
        alone = h[1] if h.size > 1 else 0.0
        assert sim.singleton_fraction == alone / N
        mixed += 0 < alone < h.sum()
    assert mixed   # some trials had lone points and shared regions both: the two fractions differ there


def test_result_is_frozen_hashable_and_compared_by_value():
    import dataclasses

    a = npn.simulate_partition(2, 30, 3, trials=4, seed=5, progress=False)
    b = npn.simulate_partition(2, 30, 3, trials=4, seed=5, progress=False)
    c = npn.simulate_partition(2, 30, 3, trials=4, seed=6, progress=False)
    assert a == b and hash(a) == hash(b)
    # Another seed draws other numbers: c with a's seed written in still differs from a, by its arrays alone...
    assert not np.array_equal(a.majority_accuracy, c.majority_accuracy)
    assert dataclasses.replace(c, seed=a.seed) != a
    # ...and with a's arrays written in too, it is a (equal and hashed alike): the arrays are compared by value.
    arrays = {f: getattr(a, f).copy() for f in ("n_regions", "majority_accuracy", "occupancy_hist",
                                                "capped_occupancy")}
    c_as_a = dataclasses.replace(c, seed=a.seed, **arrays)
    assert c_as_a == a and hash(c_as_a) == hash(a) and len({a, b, c, c_as_a}) == 2
    with pytest.raises(ValueError, match="read-only"):
        a.n_regions[0] = 99


def test_the_commands_price_refusal_names_its_options(capsys):
    # the library's refusal names Python's arguments ("trials=100000000 simulated trials of N=1000000 points through
    # L=1000 units in d=1"); the command line printed them as they were, not as the options a user typed
    from nnpartition.cli import main

    assert main(["simulate", "-d", "1", "-N", "1000000", "-L", "1000", "--trials", "100000000", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "error: --trials 100000000 simulated trials of -N 1000000 points through -L 1000 units in -d 1" in err, err
    assert "trials=" not in err and "N=" not in err
    # and a refusal that names its sizes further on (renaming only messages that opened with one left this as it was)
    assert main(["simulate", "-d", "100000", "-N", "100", "-L", "100000", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "a hidden layer of -d 100000 x -L 100000 units" in err, err


def test_trials_are_checked_against_the_work_limit():
    # An audit's call: 10^8 trials of 10^6 points through 1000 units, about 13 years on two cores, was accepted (there
    # was no work limit). Now refused before the first trial, naming trials and max_work; through the estimator too.
    import re

    from nnpartition import limits

    with pytest.raises(ValueError, match=r"trials=100000000 .*\(max_work\)"):
        npn.simulate_partition(1, 10**6, 1000, trials=10**8, progress=False)
    with pytest.raises(ValueError, match=r"trials=100000000 .*\(max_work\)"):
        npn.estimate_accuracy(1, 10**6, 1000, method="monte_carlo", trials=10**8, progress=False)
    # The limit is the whole run's, not a batch's: at the work the refusal names for 200 trials, 200 run and 201 do
    # not (a check per batch of trials would let both through).
    with limits.override(max_work=1), pytest.raises(ValueError, match="trials=200") as refused:
        npn.simulate_partition(2, 1000, 16, trials=200, progress=False)
    work = float(re.search(r"would take about ([0-9.e+]+) steps", str(refused.value)).group(1))
    # The cost model, whatever its constants: at least the layer's multiply-adds N L d a trial, counted once per
    # trial (100 trials name half the work of 200, to the message's four digits).
    assert work >= 200 * 1000 * 16 * 2
    with limits.override(max_work=1), pytest.raises(ValueError, match="trials=100") as half:
        npn.simulate_partition(2, 1000, 16, trials=100, progress=False)
    half_work = float(re.search(r"would take about ([0-9.e+]+) steps", str(half.value)).group(1))
    assert half_work == pytest.approx(work / 2, rel=1e-3)
    # (the message rounds the work to four digits, 5e-4 of it at most: a margin of 2e-3, well inside 201 / 200)
    with limits.override(max_work=int(work * 1.002)):
        assert npn.simulate_partition(2, 1000, 16, trials=200, progress=False).trials == 200
        with pytest.raises(ValueError, match="trials=201"):
            npn.simulate_partition(2, 1000, 16, trials=201, progress=False)
    # The documented example and the estimator's default 200 trials run under the default limits.
    assert npn.simulate_partition(10, 1000, 50, trials=200, seed=0, progress=False).trials == 200
    assert npn.estimate_accuracy(10, 1000, 16, method="monte_carlo", seed=0, progress=False).details.trials == 200


# ---------------------------------------------------------------- one trial, and intervals inside the possible values

def test_one_trial_has_no_spread_to_report(capsys):
    import json

    from nnpartition.cli import main

    sim = npn.simulate_partition(2, 1000, 16, trials=1, seed=0, progress=False)
    for s, value in ((sim.regions, float(sim.n_regions[0])), (sim.accuracy, float(sim.majority_accuracy[0]))):
        assert s.mean == value
        assert np.isnan(s.std) and np.isnan(s.ci_low) and np.isnan(s.ci_high)   # was 0 and a zero-width interval
    # The CLI with the same seed (given, not left to its default) prints that one trial's values with no spread.
    regions, accuracy = float(sim.n_regions[0]), float(sim.majority_accuracy[0])
    cmd = ["simulate", "-d", "2", "-N", "1000", "-L", "16", "--trials", "1", "--seed", "0"]
    assert main(cmd) == 0
    out = capsys.readouterr().out
    assert f"occupied regions : {regions:.2f} +- n/a  (95% CI n/a: one trial)" in out
    assert f"majority accuracy: {accuracy:.4f} +- n/a  (95% CI n/a: one trial)" in out
    assert f"{regions:.2f} .. {regions:.2f}" not in out
    assert main(cmd + ["--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["n_regions"] == {"mean": regions, "std": None, "ci_low": None, "ci_high": None}
    assert got["majority_accuracy"] == {"mean": accuracy, "std": None, "ci_low": None, "ci_high": None}


def _two_valued_t_interval(x):
    """The 95% t interval of ``x`` (scipy), for trials that take two values only."""
    from scipy import stats

    assert np.unique(x).size <= 2
    if x.min() == x.max():
        return x[0], x[0]
    return stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))


# Five trials that take two values, top and top - delta, k of them the lower: the t interval's upper end is
# top + delta (2.776 sqrt(k (5 - k)) / 10 - k / 5) (t_0.975,4 = 2.776), past the top for k = 1, 2 and 3, and its lower
# end top - delta (k / 5 + 2.776 sqrt(k (5 - k)) / 10) is below top - delta for k = 4 (by 0.36 delta). So over ten
# seeds of trials that are the lower value with probability p, the interval passes the top on some seed unless
# P(1 <= k <= 3) = q misses ten times in a row: q is 0.74-0.83 for the p of the tests below (0.42-0.54), so ten
# misses in a row happen with probability 1.4e-6 at most, whatever the random stream (2000 seeds measured: the
# interval passed the top on 73%, 74% and 84% of them, and on some seed of each of 200 blocks of ten).
_SEEDS = range(10)


@pytest.mark.parametrize("d,N,L,bound", [
    (1, 2, 4, "N"),               # two points, four neurons: split (2 regions, the bound N) unless no knot falls
                                  # between them: a knot does with chance |x1 - x2| / 4, none E (1 - |x1 - x2| / 4)^4
                                  # = 0.54 (|x1 - x2| of density (2 - u) / 2 on [0, 2])
    (1, 50, 1, "regions(L, d)"),  # one knot: 2 regions when it falls inside the points' span, about 1/2 - 1/51
])
def test_the_regions_interval_stays_below_the_most_regions_a_trial_can_occupy(d, N, L, bound):
    most = N if bound == "N" else npn.regions(L, d)
    passed = 0
    for seed in _SEEDS:
        sim = npn.simulate_partition(d, N, L, trials=5, seed=seed, progress=False)
        assert sim.max_regions == most == min(N, npn.regions(L, d))
        x = sim.n_regions.astype(float)
        assert set(x) <= {most - 1.0, float(most)}
        lo, hi = _two_valued_t_interval(x)
        passed += hi > most
        # the interval is the t interval clipped to [1, most]
        assert sim.regions.ci_high == pytest.approx(min(hi, most), rel=1e-12)
        assert sim.regions.ci_low == pytest.approx(max(lo, 1.0), rel=1e-12)
    assert passed   # the unclipped interval passed the bound on some seed (see _SEEDS)


def test_the_accuracy_interval_stays_inside_one_half_and_one(capsys):
    """Two points, one neuron: a trial's majority accuracy is 1 (split, or both labels alike) or 1/2 (together,
    labels differ: (5/6) (1/2) = 5/12 of the trials). Its interval is the t interval clipped to [1/2, 1], on every
    seed; the command line prints the clipped upper end on a seed where the t interval passes 1."""
    from nnpartition.cli import main

    passed = []
    for seed in _SEEDS:
        sim = npn.simulate_partition(1, 2, 1, trials=5, seed=seed, progress=False)
        a = sim.majority_accuracy
        assert set(a) <= {0.5, 1.0}
        lo, hi = _two_valued_t_interval(a)
        if hi > 1.0:
            passed.append(seed)
        assert sim.accuracy.ci_high == pytest.approx(min(hi, 1.0), rel=1e-12)
        assert sim.accuracy.ci_low == pytest.approx(max(lo, 0.5), rel=1e-12)
    assert passed   # see _SEEDS
    assert main(["simulate", "-d", "1", "-N", "2", "-L", "1", "--trials", "5", "--seed", str(passed[0])]) == 0
    out = capsys.readouterr().out
    assert ".. 1.0000)" in out and ".. 1.0" + "0" * 3 + "1" not in out and ".. 1.01" not in out


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 400), st.integers(1, 40), st.sampled_from(["uniform", "gaussian"]),
       st.sampled_from(["uniform", "gaussian"]), st.integers(0, 2**32 - 1))
def test_occupied_regions_never_exceed_the_points_or_the_arrangements_count(d, N, L, dist, init, seed):
    """Every trial occupies at most min(N, regions(L, d)) regions (each holds a point; L hyperplanes cut R^d into at
    most regions(L, d)), on hypothesis-drawn settings; the histogram holds every region
    and every point, and ``max_regions`` is that bound."""
    sim = npn.simulate_partition(d, N, L, trials=4, dist=dist, init=init, seed=seed, progress=False)
    bound = min(N, npn.regions(L, d))
    assert sim.max_regions == bound
    assert np.all((sim.n_regions >= 1) & (sim.n_regions <= bound))
    k = np.arange(sim.occupancy_hist.size)
    assert sim.occupancy_hist.sum() == pytest.approx(sim.n_regions.mean())
    assert (k * sim.occupancy_hist).sum() == pytest.approx(N)


@pytest.mark.parametrize("init", ["uniform", "gaussian"])
def test_dense_points_on_the_line_find_every_knot_inside(init):
    """d = 1, points uniform in [-1, 1] and many more of them than regions: each trial's L knots -b/w cut the
    interval into 1 + (knots inside) pieces, and dense points occupy them all. w and b are independent draws of one
    symmetric law (either init), so a knot is inside, |b| < |w|, with probability 1/2: n_regions - 1 follows
    Binomial(L, 1/2). Its frequencies over 600 trials within 5 standard errors (a trial missing a piece needs one
    narrower than about 1e-3, a chance of about 1e-3), and never above L + 1 intervals."""
    L, trials = 4, 600
    sim = npn.simulate_partition(1, 5_000, L, trials=trials, init=init, seed=11, progress=False)
    assert sim.n_regions.max() <= L + 1
    freq = np.bincount(sim.n_regions - 1, minlength=L + 1) / trials
    p = np.array([math.comb(L, k) for k in range(L + 1)]) / 2**L
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / trials)), (freq, p)


def _split_probability_by_sampling(d, dist, init, draws=400_000, seed=0):
    """P(one random neuron separates two random points) in ``d`` dimensions under the documented laws, sampled here
    with numpy: points uniform in ``[-1, 1]^d`` or standard normal; weights and bias ``U(-1/sqrt(d), 1/sqrt(d))``
    (init "uniform") or ``N(0, 1/d)`` (init "gaussian"). Returns the frequency and its standard error."""
    rng = np.random.default_rng(seed)
    points = (lambda: rng.uniform(-1, 1, (draws, d))) if dist == "uniform" else (lambda: rng.normal(size=(draws, d)))
    x1, x2 = points(), points()
    a = 1 / math.sqrt(d)
    w, b = ((rng.uniform(-a, a, (draws, d)), rng.uniform(-a, a, draws)) if init == "uniform"
            else (rng.normal(0, a, (draws, d)), rng.normal(0, a, draws)))
    p = float(((np.einsum("ij,ij->i", x1, w) + b > 0) != (np.einsum("ij,ij->i", x2, w) + b > 0)).mean())
    return p, math.sqrt(p * (1 - p) / draws)


@pytest.mark.parametrize("dist", ["uniform", "gaussian"])
@pytest.mark.parametrize("init", ["uniform", "gaussian"])
def test_two_points_one_neuron_split_as_the_laws_say_in_three_dimensions(dist, init):
    """The laws in d = 3, where the d = 1 closed forms above cannot see them: there the scale 1/sqrt(d) is 1, and a
    point's coordinates are one number. The split frequency of two points by one neuron against numpy's sampling of
    the documented laws (0.30, 0.31, 0.39 and 0.38 for the four pairs); a bias drawn without the 1/sqrt(d) of the
    weights (0.18-0.30) or a point whose coordinates are one draw (0.24-0.26) misses by 20 or more standard errors."""
    want, se = _split_probability_by_sampling(3, dist, init)
    trials = 40_000
    sim = npn.simulate_partition(3, 2, 1, trials=trials, dist=dist, init=init, seed=3, progress=False)
    got = sim.n_regions.mean() - 1
    assert abs(got - want) < 4 * math.hypot(se, math.sqrt(want * (1 - want) / trials)), (got, want)


def test_the_command_with_no_options_is_the_documented_defaults(capsys):
    """``nnpartition simulate -d -N -L`` alone runs what its --help documents: 100 trials, uniform points and
    neurons, seed 0 (the Python API called with those values gives the same JSON)."""
    import json

    from nnpartition.cli import main

    assert main(["simulate", "-d", "2", "-N", "20", "-L", "2", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = npn.simulate_partition(2, 20, 2, trials=100, dist="uniform", init="uniform", seed=0, progress=False)
    assert got == json.loads(json.dumps(want.to_dict()))
    assert got["trials"] == 100


def test_the_command_draws_its_bar_on_a_terminal_only_and_never_with_json(capsys, monkeypatch):
    """As every command: a progress bar on a terminal, none into a pipe or a file, and none with --no-progress or
    --json (whose reader is a program), stdout the same either way."""
    import io

    from nnpartition import _progress
    from nnpartition.cli import main

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    argv = ["simulate", "-d", "2", "-N", "200", "-L", "3", "--trials", "40"]
    for extra in ([], ["--no-progress"], ["--json"]):
        assert main(argv + extra) == 0
        assert capsys.readouterr().err == "", extra   # stderr is not a terminal here
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    outs = {}
    for extra, shown in (([], True), (["--no-progress"], False), (["--json"], False)):
        term = Terminal()
        monkeypatch.setattr("sys.stderr", term)
        assert main(argv + extra) == 0
        outs[tuple(extra)] = capsys.readouterr().out
        assert ("/40" in term.getvalue()) == shown, (extra, term.getvalue())
    assert outs[()] == outs[("--no-progress",)]


def test_simulate_json_gives_widths_beside_l(capsys):
    """``simulate --json`` gives the network's size as ``widths`` too, ``[L]`` beside ``L``, as every command's JSON
    does (it wrote ``L`` alone; ``estimate --json`` for the same -L writes ``widths``: the same list)."""
    import json

    from nnpartition.cli import main

    assert main(["simulate", "-d", "2", "-N", "20", "-L", "7", "--trials", "3", "--json"]) == 0
    sim = json.loads(capsys.readouterr().out)
    assert main(["estimate", "-d", "2", "-N", "20", "-L", "7", "--json"]) == 0
    est = json.loads(capsys.readouterr().out)
    assert sim["L"] == 7 and sim["widths"] == est["widths"] == [7]


def test_the_same_bits_at_1_3_and_7_threads_with_several_trials_a_call(monkeypatch):
    """A run of fewer than 100 trials makes one core call a trial (``batch = trials // 50``), which no thread count
    splits: at 700 trials each call holds 14 trials, shared by 3 (an odd count) or 7 threads, and every array must be
    that of 1 thread bit for bit (the accuracies and the occupancy histogram as float bits)."""
    from nnpartition import _core

    real, counts = _core.simulate_trials, []

    def recorded(*args):
        counts.append(args[7])
        return real(*args)

    monkeypatch.setattr(_core, "simulate_trials", recorded)
    runs = {}
    for t in (1, 3, 7):
        s = npn.simulate_partition(3, 200, 8, trials=700, seed=12, threads=t, progress=False)
        runs[t] = [s.n_regions, s.majority_accuracy.view(np.uint64), s.occupancy_hist.view(np.uint64),
                   s.capped_occupancy]
    assert min(counts) >= 7, counts   # the work really splits across 7 threads
    for t in (3, 7):
        for got, want in zip(runs[t], runs[1]):
            np.testing.assert_array_equal(got, want)
    assert len(set(runs[1][1].tolist())) > 1   # the trials differ
