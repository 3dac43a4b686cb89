"""Expand-and-sparsify codes against independent truths."""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import recorded_bars
from nnpartition import separable_probability
from nnpartition.sparse import capacity_curve, expand_sparsify, pattern_overlap, readout_accuracy


def gauss(n, d, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def test_topk_rows_have_exactly_k_ones_and_are_the_k_largest():
    X, m, k = gauss(700, 6), 120, 9
    code = expand_sparsify(X, m, k=k, seed=4)
    Z = code.toarray()
    assert Z.shape == (700, m)
    assert np.all(Z.sum(axis=1) == k) and set(np.unique(Z)) == {0.0, 1.0}
    y = X @ code.projection
    want = np.sort(np.argsort(-y, axis=1)[:, :k], axis=1)
    assert np.array_equal(code.indices.reshape(700, k), want)
    assert code.sparsity == k / m


@pytest.mark.parametrize("n, fires", [(4003, 400), (4007, 401)])
def test_threshold_fires_the_rounded_target_per_unit_when_n_k_over_m_is_fractional(n, fires):
    # N k / m = 400.3 and 400.7: each unit fires on round(N k / m) calibration points, worked out by hand (a floor
    # or a ceiling of the target would give 400 twice or 401 twice)
    code = expand_sparsify(gauss(n, 8, 1), 100, k=10, sparsify="threshold", seed=3)
    assert np.all(code.active().sum(axis=0) == fires)


def test_threshold_firing_rate_is_k_over_m_on_training_and_fresh_data():
    m, k = 100, 10
    X1, X2 = gauss(4000, 8, 1), gauss(4000, 8, 2)
    code = expand_sparsify(X1, m, k=k, sparsify="threshold", seed=3)
    per_unit = code.active().sum(axis=0)
    assert np.all(per_unit == 400)                           # exact on the calibration data: 4000 k / m
    fresh = code.encode(X2).active().mean(axis=0)
    p = k / m
    sd = np.sqrt(p * (1 - p) * (1 / 4000 + 1 / 4000))
    assert np.all(np.abs(fresh - p) < 5 * sd)                # within sampling error per unit
    assert abs(fresh.mean() - p) < 3 * sd


def test_relu_zero_fraction_is_about_one_half_with_zero_bias():
    code = expand_sparsify(gauss(1000, 20, 5), 400, sparsify="relu", seed=6)
    zero = 1 - code.sparsity
    assert abs(zero - 0.5) < 0.02
    # A positive bias switches more units on.
    assert 1 - expand_sparsify(gauss(1000, 20, 5), 400, sparsify="relu", bias=0.5, seed=6).sparsity < zero


@pytest.mark.parametrize("sparsify", ["relu", "topk", "threshold"])
def test_readout_accuracy_is_one_when_n_le_m_with_full_rank(sparsify):
    rng = np.random.default_rng(7)
    N, m = 60, 150
    code = expand_sparsify(rng.standard_normal((N, 10)), m, k=30, sparsify=sparsify, seed=1)
    Z = code.toarray()
    assert np.linalg.matrix_rank(Z) == N
    for _ in range(5):
        y = rng.integers(0, 2, N)
        assert readout_accuracy(code, y) == 1.0
        assert readout_accuracy(Z, y, method="perceptron") == 1.0


def test_readout_cannot_fit_random_labels_far_beyond_capacity():
    rng = np.random.default_rng(8)
    code = expand_sparsify(rng.standard_normal((600, 5)), 30, sparsify="relu")
    assert readout_accuracy(code, rng.integers(0, 2, 600), method="perceptron", epochs=50) < 0.8


def test_codes_are_deterministic_in_the_seed():
    X = gauss(300, 4)
    a, b = expand_sparsify(X, 64, k=5, seed=11), expand_sparsify(X, 64, k=5, seed=11)
    c = expand_sparsify(X, 64, k=5, seed=12)
    assert np.array_equal(a.indices, b.indices) and not np.array_equal(a.indices, c.indices)


def test_sparse_binary_projection_samples_density_times_d_inputs():
    code = expand_sparsify(gauss(50, 40), 200, k=10, projection="sparse_binary", density=0.15)
    P = code.projection
    assert set(np.unique(P)) == {0.0, 1.0} and np.all(P.sum(axis=0) == 6)


def test_pattern_overlap_is_local():
    X = gauss(400, 8, 9)
    ov = pattern_overlap(X, expand_sparsify(X, 400, k=20, seed=2), pairs=2000)
    assert ov.correlation < -0.5
    finite = ov.bin_mean[np.isfinite(ov.bin_mean)]
    assert finite[0] > finite[-1]
    # Identical points share every winner.
    X2 = np.vstack([X[:1], X[:1]])
    same = pattern_overlap(X2, expand_sparsify(X2, 100, k=7), pairs=5)
    assert np.all(same.jaccard == 1.0)


def test_exact_capacity_of_relu_codes_follows_cover_and_beats_the_perceptron():
    pytest.importorskip("scipy")
    m, trials = 30, 40
    c = capacity_curve(5, [15, 45, 54, 60, 90], m, sparsify="relu", trials=trials, seed=3)
    assert np.all(c.mean_rank == np.minimum(c.N, m)) and np.all(c.mean_zero_rows == 0)
    # binomial sampling error around Cover's probability for the code's rank (ReLU codes of Gaussian
    # points are in general position); 4 standard deviations, floor one trial
    sd = np.sqrt(c.cover_rank * (1 - c.cover_rank) / trials)
    assert np.all(np.abs(c.separable_fraction - c.cover_rank) <= np.maximum(4 * sd, 1 / trials))
    h = capacity_curve(5, [45, 54], m, sparsify="relu", trials=trials, seed=3, method="perceptron", epochs=500)
    # same draws: the perceptron certifies fewer labelings than exist at N = 1.5m and 1.8m
    assert np.all(h.separable_fraction <= c.separable_fraction[1:3])
    assert c.separable_fraction[1] >= 0.9 and h.separable_fraction[0] <= 0.5


def test_separability_depends_on_the_span_not_on_m():
    pytest.importorskip("scipy")
    from nnpartition.separability import separable

    rng = np.random.default_rng(4)
    Z = expand_sparsify(rng.standard_normal((40, 5)), 20, sparsify="relu", seed=2).toarray()
    Z2 = np.hstack([Z, Z @ rng.standard_normal((20, 20))])      # m doubled, rank unchanged
    assert np.linalg.matrix_rank(Z2) == 20
    for _ in range(10):
        y = rng.integers(0, 2, 40)
        assert separable(Z2, y).separable == separable(Z, y).separable


def test_code_stats_against_direct_computation():
    from nnpartition.sparse import code_stats

    X = gauss(300, 6, 3)
    code = expand_sparsify(X, 80, k=4, sparsify="threshold", seed=5)
    st = code_stats(code)
    proj = X @ code.projection + code.bias
    Z = code.toarray()
    # Away from a tie the unit fires where numpy's projection passes the threshold. At one (a point's projection
    # within rounding of its unit's threshold, calibrated from the points' own projections) numpy's BLAS and the
    # core sum in different orders, and the sides they read differ by machine: numpy 1.24's OpenBLAS read another
    # side than the core's on one machine and not on another (sixty-fourth pass on issue 11).
    tie = np.abs(proj - code.thresholds) <= 1e-12 * (np.abs(proj) + np.abs(code.thresholds))
    assert np.array_equal((proj >= code.thresholds)[~tie], (Z > 0)[~tie]) and tie.sum() <= code.m
    assert st.zero_rows == int(np.sum(~(Z > 0).any(axis=1))) and st.zero_rows > 0
    top = expand_sparsify(X, 80, k=2, seed=5)
    winners = np.argsort(-(X @ top.projection), axis=1)[:, :2]
    never = np.setdiff1d(np.arange(80), winners.ravel())
    assert np.array_equal(code_stats(top).dead_units, never) and never.size > 0
    assert code_stats(top).distinct_rows == len({tuple(sorted(r)) for r in winners.tolist()})
    s = np.linalg.svd(top.toarray(), compute_uv=False)
    assert code_stats(top).rank == int(np.sum(s > s[0] * max(top.toarray().shape) * np.finfo(float).eps))


def test_readout_on_an_all_zero_code_scores_chance_and_ties_never_count_as_fits():
    for y in ([1, 1, 1, 0], [0, 0, 0, 1, 1]):
        assert readout_accuracy(np.zeros((len(y), 3)), y) == 0.5
        assert readout_accuracy(np.zeros((len(y), 3)), y, method="perceptron") == 0.5
    # a zero row sits on every hyperplane through the origin: never a perfect fit
    Z = np.vstack([np.eye(3), np.zeros((1, 3))])
    for method in ("lstsq", "perceptron"):
        assert readout_accuracy(Z, [1, 0, 1, 1], method=method) == 0.875


def test_a_perceptron_separates_a_code_with_a_margin_at_any_scale():
    """Labels of a teacher hyperplane through the origin, the points within a margin of it dropped: separable, and
    the perceptron, which converges on separable points with a margin (Novikoff), fits them all where least squares
    does not. Scaling the points by ``2^600`` or ``2^-600`` changes no sign of any score in exact arithmetic; before
    the fifty-ninth pass the scores overflowed (a RuntimeWarning) at ``2^600`` and underflowed to 0 at ``2^-600``,
    where every point counted a coin flip and least squares' 0.97 was returned."""
    rng = np.random.default_rng(0)
    Z = rng.exponential(size=(400, 4))   # skewed: least squares' direction is not the teacher's
    v = rng.normal(size=4)
    cos = Z @ v / np.linalg.norm(Z, axis=1) / np.linalg.norm(v)
    Z = Z[np.abs(cos) > 0.05]
    y = (Z @ v > 0).astype(int)
    assert readout_accuracy(Z, y) < 1.0
    for k in (0, 600, -600, 1000, -1000):
        assert readout_accuracy(np.ldexp(Z, k), y, method="perceptron") == 1.0, k


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(1, 8), st.integers(0, 2**32 - 1), st.sampled_from(["lstsq", "perceptron"]),
       st.booleans(), st.data())
def test_readouts_do_not_change_when_the_code_is_scaled_by_a_power_of_two(N, m, seed, method, intercept, data):
    """Multiplying every entry of ``Z`` (and the intercept's column of ones, when there is one) by ``2^k`` is exact
    while no entry leaves float64's normal range, and multiplies least squares' scores by a positive number and the
    perceptron's (its weights a sum of rows of ``Z``) by ``2^(2k)``: no sign changes, so neither accuracy may. ``k``
    is drawn from the whole range the entries allow."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(N, m)) * np.exp2(rng.integers(-8, 9, size=m))
    Z[:, rng.random(m) < 0.2] = 0.0
    if intercept:
        Z = np.hstack([Z, np.ones((N, 1))])
    y = rng.integers(0, 2, N)
    nonzero = np.abs(Z[Z != 0])
    if nonzero.size == 0:
        return
    lo, hi = np.frexp(nonzero.min())[1], np.frexp(nonzero.max())[1]
    k = data.draw(st.integers(-1021 - lo, 1023 - hi), label="k")
    assert readout_accuracy(np.ldexp(Z, k), y, method=method) == readout_accuracy(Z, y, method=method)


def test_bad_inputs_give_clear_errors():
    X = gauss(20, 3)
    with pytest.raises(ValueError, match="k must be <= m"):
        expand_sparsify(X, 10, k=11)
    with pytest.raises(ValueError, match="m must be >= 1"):
        expand_sparsify(X, 0)
    with pytest.raises(ValueError, match="sparsify"):
        expand_sparsify(X, 10, sparsify="wta")
    with pytest.raises(ValueError, match="projection"):
        expand_sparsify(X, 10, projection="uniform")
    with pytest.raises(ValueError, match="density"):
        expand_sparsify(X, 10, density=0.5)
    with pytest.raises(ValueError, match="NaN"):
        expand_sparsify(np.full((3, 3), np.nan), 10)
    with pytest.raises(ValueError, match="bias"):
        expand_sparsify(X, 10, bias=np.zeros(3))
    with pytest.raises(ValueError, match="labels"):
        readout_accuracy(np.eye(3), [0, 1, 2])
    with pytest.raises(TypeError, match="code must be a SparseCode from expand_sparsify, got ndarray"):
        pattern_overlap(X, np.eye(20))
    with pytest.raises(ValueError, match="NaN"):
        pattern_overlap(np.full((20, 3), np.inf), expand_sparsify(X, 10))


@pytest.mark.parametrize("cols", [0, 2, 4])
def test_pattern_overlap_refuses_an_x_that_is_not_the_codes_input(cols):
    """Only the row count was checked: X with other columns than the code's projection reads (none even) ran and gave
    the distances of other points (all zero, and a NaN correlation, for no column)."""
    code = expand_sparsify(gauss(30, 3), 40, k=4, seed=0)
    with pytest.raises(ValueError, match=r"^X must have 3 columns"):
        pattern_overlap(gauss(30, cols), code, pairs=20)


@pytest.mark.parametrize("k", ["-1", "0", str(2**64), "3"])
def test_eas_capacity_refuses_k_with_relu(k, capsys):
    """-k was silently ignored with --sparsify relu (the default), so -k -1, 0 and 2**64 exited 0."""
    from nnpartition.cli import main

    assert main(["eas-capacity", "-m", "10", "-N", "5", "--trials", "1", "-k", k]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"-k {k}" in err and "relu" in err


@pytest.mark.parametrize("k", ["-1", "0", str(2**64), "11"])
def test_eas_capacity_refuses_a_bad_k_with_topk(k, capsys):
    from nnpartition.cli import main

    assert main(["eas-capacity", "-m", "10", "-N", "5", "--trials", "1", "-k", k, "--sparsify", "topk"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"k must be >= 1 and <= 10, got {k}" in err, err


@pytest.mark.parametrize("k,exc", [(-1, ValueError), (0, ValueError), (2**64, ValueError), (11, ValueError),
                                   (2.5, TypeError), ("3", TypeError)])
def test_relu_codes_check_a_k_they_ignore(k, exc):
    X = np.random.default_rng(0).normal(size=(5, 3))
    with pytest.raises(exc, match="k must"):
        expand_sparsify(X, 10, k=k, sparsify="relu")
    with pytest.raises(exc, match="k must"):
        capacity_curve(3, [5], 10, k, sparsify="relu", method="lstsq", trials=1, progress=False)
    assert expand_sparsify(X, 10, k=3, sparsify="relu").k is None   # a valid k is still ignored


@pytest.mark.parametrize("argv, said", [(["--epochs", "10"], "--epochs sets the perceptron's epochs; --method exact"),
                                        (["--epochs", "10", "--method", "lstsq"], "--method lstsq has none"),
                                        (["-N", ""], "-N must be comma-separated whole numbers")])
def test_eas_capacity_refuses_what_it_used_to_ignore(argv, said, capsys):
    # --epochs without the perceptron and an empty -N (read as the default list) were ignored: exit 0
    from nnpartition.cli import main

    assert main(["eas-capacity", "-m", "10", "--trials", "1", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err
    assert main(["eas-capacity", "-m", "10", "-N", "5", "--trials", "1", "--method", "perceptron", "--epochs", "10"]) \
        == 0
    assert "net est.: nnpartition.estimate_accuracy" in capsys.readouterr().out   # the column says what it is


def test_eas_capacity_prints_the_trained_column_only_when_it_trained(capsys):
    from nnpartition.cli import main

    argv = ["eas-capacity", "-d", "3", "-m", "16", "-N", "8,16", "--trials", "2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "net trained" not in lines[1] and lines[1].split()[-2:] == ["net", "est."]
    assert all("nan" not in line for line in lines)   # it was a column of nan
    assert [len(line.split()) for line in lines[2:4]] == [11, 11]
    assert main([*argv, "--trained"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[-2:] == ["net", "trained"]
    assert [len(line.split()) for line in lines[2:4]] == [12, 12] and all("nan" not in line for line in lines)


def test_capacity_curve_names_the_bad_entry_of_n_values():
    with pytest.raises(ValueError, match=r"N_values\[1\] must be >= 1 and <= 10000000, got 0"):
        capacity_curve(3, [8, 0], 16)


def test_eas_capacity_command(tmp_path, capsys):
    import json

    from nnpartition.cli import main

    assert main(["eas-capacity", "-m", "10", "-N", "5,40", "--trials", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["separable_fraction"][0] == 1.0 and out["separable_fraction"][1] == 0.0   # N = 40 = 4m
    assert main(["eas-capacity", "-m", "10", "-k", "11", "--sparsify", "topk"]) == 2
    pytest.importorskip("matplotlib")
    png = tmp_path / "c.png"
    assert main(["eas-capacity", "-m", "10", "-N", "5,20", "--trials", "2", "--plot", str(png)]) == 0
    assert png.stat().st_size > 0


def test_capacity_curve_compares_with_a_trained_network_of_the_same_width():
    from nnpartition.sparse import capacity_curve

    c = capacity_curve(5, [10, 1500], 20, sparsify="relu", trials=2, seed=3, trained=True)
    # A trained d -> m -> 1 network fits N <= m points; far beyond capacity it falls towards chance.
    assert c.trained_accuracy[0] == 1.0
    assert 0.5 <= c.trained_accuracy[1] < 1.0
    assert c.estimated_accuracy[0] > 0.99 and c.estimated_accuracy[1] < 0.9


def test_explicit_readout_of_a_constant_is_exact_and_improves_with_m():
    from nnpartition.sparse import explicit_readout

    r = explicit_readout(lambda X: np.full(X.shape[0], 0.7), 3, 200, 8, n_train=200, n_test=300, seed=1)
    assert r.rmse_explicit < 1e-12 and np.allclose(r.weights, 0.7 / 8)
    f = lambda X: X[:, 0]  # noqa: E731, a smooth target on the sphere
    small = np.mean([explicit_readout(f, 3, 50, 5, n_train=500, n_test=1000, seed=s).rmse_explicit for s in range(3)])
    large = np.mean([explicit_readout(f, 3, 2000, 5, n_train=500, n_test=1000, seed=s).rmse_explicit
                     for s in range(3)])
    assert large < 0.7 * small


def test_explicit_readout_votes_come_from_the_nearest_directions():
    """The explicit readout's premise (Tosh & Dasgupta): a unit fires near its own direction, so ``f`` there stands
    for ``f`` at the point. With directions uniform on S^2 the k winners of ``x`` are its k nearest of ``m``
    directions, within a chord ``r`` of ``x`` where the cap fraction ``r^2 / 4`` holds k of them: ``r`` about
    ``sqrt(4 k / m)`` = 0.063 here, and a 1-Lipschitz ``f`` is off by at most that. Until the forty-eighth session
    the units kept their Gaussian lengths, the winners were the long units (wide caps) and the error was 0.13-0.14."""
    from nnpartition.sparse import explicit_readout

    f = lambda U: U @ np.array([0.6, 0.0, 0.8])  # noqa: E731, 1-Lipschitz on the sphere
    r = [explicit_readout(f, 3, 2000, 2, n_train=200, n_test=2000, seed=s).rmse_explicit for s in range(2)]
    assert max(r) < np.sqrt(4 * 2 / 2000)


def test_ridge_readout_matches_scikit_learn():
    lm = pytest.importorskip("sklearn.linear_model")
    from nnpartition.sparse.experiments import _ridge

    rng = np.random.default_rng(2)
    Z, t = rng.standard_normal((80, 12)), rng.choice([-1.0, 1.0], 80)
    w = _ridge(Z, t, 0.3)
    ref = lm.Ridge(alpha=0.3).fit(Z, t)
    assert np.allclose(w[:-1], ref.coef_, atol=1e-10) and w[-1] == pytest.approx(ref.intercept_, abs=1e-10)


def test_a_readout_without_ridge_is_the_least_squares_fit_also_when_units_never_fire():
    """ridge=0 is allowed; a top-k code with dead units made the normal equations singular, and generalisation,
    subset_curve and sparsity_curve raised numpy's LinAlgError ("Singular matrix") with more points than units."""
    from nnpartition.sparse import generalisation, sparsity_curve, subset_curve, teacher_task
    from nnpartition.sparse.experiments import _ridge

    Z = np.random.default_rng(0).integers(0, 2, (30, 5)).astype(float)
    Z[:, 2] = 0.0   # a dead unit
    t = np.random.default_rng(1).choice([-1.0, 1.0], 30)
    A = np.hstack([Z, np.ones((30, 1))])
    w = _ridge(Z, t, 0.0)
    # the least-squares fit by its properties: the residual is orthogonal to every column (the normal equations),
    # and the minimum-norm one gives the dead unit no weight; a small ridge approaches it
    assert np.allclose(A.T @ (A @ w - t), 0.0, atol=1e-9)
    assert w[2] == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(_ridge(Z, t, 1e-9), w, atol=1e-5)
    g = generalisation("linear", 3, 20, 40, n_test=20, trials=1, trained=False, ridge=0.0, seed=0)
    assert 0.0 <= g.code["topk"][0] <= 1.0
    X, y, _ = teacher_task("linear", 60, 3, seed=0)
    code = expand_sparsify(X[:40], 30, k=3, seed=0)
    assert np.count_nonzero(code.toarray().sum(axis=0) == 0) > 0   # the case that failed: units that never fire
    c = subset_curve(code, y[:40], X[40:], y[40:], [5, 30], repeats=2, ridge=0.0, seed=0)
    assert np.all((c.random >= 0) & (c.random <= 1))
    s = sparsity_curve("linear", 3, 20, 40, [0.1], n_test=20, trials=1, ridge=0.0, seed=0)
    assert 0.0 <= s.accuracy["topk"][0] <= 1.0


def test_generalisation_on_a_linear_teacher():
    from nnpartition.sparse import generalisation

    g = generalisation("linear", 5, 100, 800, n_test=1000, trials=2, trained=False, seed=1)
    # a linear readout on the raw input learns a linear teacher almost perfectly (N = 800 >> d = 5)
    assert g.raw[0] > 0.95
    # the random code memorises better than it generalises
    for s in ("topk", "threshold", "relu"):
        assert g.train_code[s][0] >= g.code[s][0]


def test_selected_subset_finds_the_one_informative_unit():
    from nnpartition.sparse import subset_curve

    rng = np.random.default_rng(3)
    X = rng.standard_normal((600, 30))   # in 30-D the 60 units are far from collinear
    code = expand_sparsify(X, 60, sparsify="relu", seed=4)
    j = 17
    label = lambda Xn: (code.encode(Xn).toarray()[:, j] > np.median(code.toarray()[:, j])).astype(int)  # noqa: E731
    Xte = rng.standard_normal((600, 30))
    c = subset_curve(code, label(X), Xte, label(Xte), [1, 60], repeats=20, seed=0)
    assert c.ranking[0] == j and c.selected[0] > c.random[0] + 0.1
    assert c.selected[1] == c.full


def test_sparsity_curve_matches_the_target_fractions():
    from nnpartition.sparse import sparsity_curve

    c = sparsity_curve("nonlinear", 4, 200, 1500, [0.05, 0.25], n_test=300, trials=1, seed=2)
    assert c.achieved["topk"].tolist() == [0.05, 0.25]
    assert np.allclose(c.achieved["threshold"], [0.05, 0.25], atol=1 / 1500)
    # masking keeps each entry of a half-active code with probability rho / rho_0: binomial error
    sd = np.sqrt(np.array([0.05, 0.25]) * (1 - np.array([0.05, 0.25])) / (1500 * 200))
    assert np.all(np.abs(c.achieved["mask"] - [0.05, 0.25]) < 5 * sd + 0.002)


# --- limits and extreme magnitudes (issue 12) --------------------------------------------


def test_capacity_curve_checks_its_work_against_max_work_before_starting() -> None:
    from nnpartition.limits import override

    with override(max_work=10**10):
        # trials x (1e6 + N m (d + 20 min(N, m))) = 2 x 2^20 x 32 x 644 steps: refused at once.
        with pytest.raises(ValueError, match="max_work"):
            capacity_curve(4, [2**20], 32, trials=2)
        with pytest.raises(ValueError, match="max_work"):
            capacity_curve(4, [3] * 10**5, 32, trials=2)
        assert capacity_curve(4, [8, 16], 32, trials=2).N.tolist() == [8, 16]


def test_pattern_overlap_scales_with_x_up_to_1e308() -> None:
    X = np.random.default_rng(0).normal(size=(60, 4))
    code = expand_sparsify(X, 200, k=10, seed=1)
    base = pattern_overlap(X, code, pairs=300)
    s = 1e308 / np.abs(X).max()
    huge = pattern_overlap(X * s, code, pairs=300)
    assert np.all(np.isfinite(huge.distance))
    np.testing.assert_allclose(huge.distance, base.distance * s, rtol=1e-12)
    np.testing.assert_array_equal(huge.jaccard, base.jaccard)
    assert huge.correlation == pytest.approx(base.correlation, rel=1e-9)


@pytest.mark.parametrize("n, m, r", [(30_000, 50, 37), (50, 30_000, 12), (2_000, 300, 300), (400, 700, 0), (1, 5, 1)])
def test_code_rank_is_the_constructed_rank(n, m, r):
    # the rank of code_stats is computed blockwise (QR of row blocks, then the SVD of R): a product of an n x r and
    # an r x m Gaussian factor has rank r (30,000 rows: three blocks)
    from nnpartition.sparse import code_stats
    from nnpartition.sparse.stats import _rank

    rng = np.random.default_rng([n, m, r])
    Z = rng.standard_normal((n, r)) @ rng.standard_normal((r, m))
    assert _rank(Z) == r
    assert code_stats(Z).rank == r


def test_capacity_curve_progress_bar_follows_the_policy(capsys):
    curve = capacity_curve(3, [6, 12], 6, sparsify="relu", trials=2, method="lstsq", seed=0, progress=True)
    assert "capacity d=3 m=6" in capsys.readouterr().err
    again = capacity_curve(3, [6, 12], 6, sparsify="relu", trials=2, method="lstsq", seed=0, progress=False)
    assert capsys.readouterr().err == ""
    assert np.array_equal(curve.mean_rank, again.mean_rank)
    with pytest.raises(TypeError, match="progress"):
        capacity_curve(3, [6], 6, sparsify="relu", trials=1, method="lstsq", progress="yes")


def test_a_code_the_limits_refuse_is_refused_before_its_projection_is_built():
    # A top-k code of 3 points in d = 1 with m = 2^25 units needs per-thread buffers of 28 m bytes a thread, above a
    # limit of 20 m, while its projection (16 m bytes while drawn) fits: until the twenty-sixth pass on issue 11 the
    # projection was drawn first (a review measured 3.6 s and 1.5 GB before such a refusal).
    import subprocess
    import sys

    child = (
        "import resource, numpy as np\n"
        "from nnpartition import limits\n"
        "from nnpartition.sparse import expand_sparsify\n"
        "limits.set_limits(max_bytes=20 * 2**25)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    expand_sparsify(np.zeros((3, 1)), 2**25, k=1)\n"
        "    print('computed')\n"
        "except ValueError as e:\n"
        "    print('refused', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, str(e).split(' needs')[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "refused" and " ".join(out[2:]) == "a top-k code of 3 points with m = 33554432 units", out
    assert int(out[1]) < 64 * 1024, f"the peak resident memory grew by {int(out[1]) // 1024} MiB before the refusal"


# --- per-trial seeds: every seed in [0, 2**64) works, and small seeds give what they always gave ------------------


def _code_accuracy(task, d, m, n_train, n_test, seed, t, code_seed, sparsify, k):
    """Test accuracy of the ridge readout on one trial's code, the code drawn from ``code_seed`` given explicitly."""
    from nnpartition.sparse import teacher_task
    from nnpartition.sparse.experiments import _acc, _predict, _ridge

    X, y, _ = teacher_task(task, n_train + n_test, d, seed=np.random.SeedSequence([seed, t]))
    code = expand_sparsify(X[:n_train], m, k=k, sparsify=sparsify, seed=code_seed)
    w = _ridge(code.toarray(), 2.0 * y[:n_train] - 1.0, 1e-3)
    return _acc(_predict(code.encode(X[n_train:]).toarray(), w), y[n_train:])


def _trained_accuracy(task, d, m, n_train, n_test, seed, t, train_seed):
    from nnpartition import train
    from nnpartition.sparse import teacher_task
    from nnpartition.sparse.experiments import _acc

    X, y, _ = teacher_task(task, n_train + n_test, d, seed=np.random.SeedSequence([seed, t]))
    net = train(X[:n_train], y[:n_train], m, seed=train_seed).network
    return _acc(net.decision_function(X[n_train:]), y[n_train:])


@pytest.mark.parametrize("seed", [None, np.random.default_rng(0), np.random.SeedSequence(5), 2**64 - 1])
def test_generalisation_and_sparsity_curve_take_every_seed(seed):
    # per-trial seeds were seed * 1000 + t, past 2**64 for every seed from about 1.8e16: a fresh-entropy seed (None,
    # a Generator, a SeedSequence: a random 64-bit integer) failed almost always with "seed must be ... < 2**64"
    from nnpartition.sparse import generalisation, sparsity_curve

    g = generalisation("linear", 3, 40, 60, n_test=50, trials=1, trained=False, seed=seed)
    c = sparsity_curve("linear", 3, 40, 60, [0.1], n_test=50, trials=1, seed=seed)
    assert 0.0 <= g.code["topk"][0] <= 1.0 and 0.0 <= c.accuracy["topk"][0] <= 1.0


def test_per_trial_seeds_below_the_wrap_are_seed_times_1000_plus_t():
    # the results of every seed below 2**64 / 1000 are those of the explicit per-trial seeds seed * 1000 + t
    from nnpartition.sparse import generalisation, sparsity_curve

    g = generalisation("nonlinear", 3, 40, 60, n_test=50, k=4, trials=2, trained=True, seed=3)
    for s in ("topk", "threshold", "relu"):
        want = [_code_accuracy("nonlinear", 3, 40, 60, 50, 3, t, 3000 + t, s, 4) for t in range(2)]
        assert g.code[s][0] == np.mean(want)
    assert g.trained[0] == np.mean([_trained_accuracy("nonlinear", 3, 40, 60, 50, 3, t, 3000 + t) for t in range(2)])
    c = sparsity_curve("nonlinear", 3, 40, 60, [0.1], n_test=50, trials=1, seed=3)
    for s in ("topk", "threshold"):
        assert c.accuracy[s][0] == _code_accuracy("nonlinear", 3, 40, 60, 50, 3, 0, 3000, s, 4)


def test_the_largest_seed_runs_its_trials_on_trial_seed():
    from nnpartition._random import trial_seed
    from nnpartition.sparse import generalisation, sparsity_curve

    top = 2**64 - 1
    wrapped = trial_seed(top, 0)            # past 2**64: a hash of (seed, t), trial 0's seed
    g = generalisation("linear", 3, 40, 60, n_test=50, k=4, trials=1, trained=True, seed=top)
    assert g.code["topk"][0] == _code_accuracy("linear", 3, 40, 60, 50, top, 0, wrapped, "topk", 4)
    assert g.trained[0] == _trained_accuracy("linear", 3, 40, 60, 50, top, 0, wrapped)
    c = sparsity_curve("linear", 3, 40, 60, [0.1], n_test=50, trials=1, seed=top)
    assert c.accuracy["topk"][0] == _code_accuracy("linear", 3, 40, 60, 50, top, 0, wrapped, "topk", 4)


# --- every result records the integer seed it used (seed=None is fresh entropy) -------------------------------------


def _seeded_sparse_runs():
    from nnpartition.sparse import explicit_readout, generalisation, sparsity_curve, subset_curve, teacher_task

    X, y, _ = teacher_task("nonlinear", 120, 3, seed=0)
    code = expand_sparsify(X[:80], 40, sparsify="relu", seed=1)
    topk = expand_sparsify(X, 40, k=4, seed=1)
    return {  # name: (run(seed), the values that depend on the seed)
        "expand_sparsify": (lambda s: expand_sparsify(X, 30, k=3, seed=s), lambda r: [r.projection, r.indices]),
        "capacity_curve": (lambda s: capacity_curve(3, [20, 30], 12, trials=2, method="lstsq", seed=s,
                                                    progress=False), lambda r: [r.mean_accuracy, r.std_accuracy]),
        "pattern_overlap": (lambda s: pattern_overlap(X, topk, pairs=50, seed=s), lambda r: [r.distance, r.jaccard]),
        "explicit_readout": (lambda s: explicit_readout(lambda U: U[:, 0] * U[:, 1], 3, 60, 5, n_train=100,
                                                        n_test=50, seed=s),
                             lambda r: [r.weights, r.rmse_explicit, r.rmse_lstsq]),
        "generalisation": (lambda s: generalisation("nonlinear", 3, 30, 60, n_test=40, trials=2, trained=False, seed=s),
                           lambda r: [r.code["topk"], r.code["relu"], r.raw, r.train_code["threshold"]]),
        "subset_curve": (lambda s: subset_curve(code, y[:80], X[80:], y[80:], [5, 10], repeats=3, seed=s),
                         lambda r: [r.random]),
        "sparsity_curve": (lambda s: sparsity_curve("nonlinear", 3, 30, 60, [0.1, 0.3], n_test=40, trials=2, seed=s),
                           lambda r: [r.accuracy["topk"], r.accuracy["mask"], r.achieved["mask"]]),
    }


@pytest.mark.parametrize("name", ["expand_sparsify", "capacity_curve", "pattern_overlap", "explicit_readout",
                                  "generalisation", "subset_curve", "sparsity_curve"])
def test_sparse_results_record_the_seed_they_used_and_it_repeats_the_run(name):
    run, values = _seeded_sparse_runs()[name]
    fresh = run(None)
    assert type(fresh.seed) is int and 0 <= fresh.seed < 2**64
    again = run(fresh.seed)
    assert again.seed == fresh.seed                       # an int seed is recorded as it is
    for a, b in zip(values(fresh), values(again)):
        np.testing.assert_array_equal(a, b)
    # the values compared do depend on the seed
    assert any(not np.array_equal(a, b) for a, b in zip(values(run(1)), values(run(2))))


def test_a_code_of_new_points_keeps_the_seed_of_its_projection():
    code = expand_sparsify(gauss(50, 4), 30, k=3, sparsify="threshold", seed=np.random.SeedSequence(8))
    assert code.seed == int(np.random.SeedSequence(8).generate_state(1, np.uint64)[0])
    assert code.encode(gauss(10, 4, 1)).seed == code.seed


# --- the settings of a code and of its readout reach the result -----------------------------------------------


def test_topk_winners_include_a_per_unit_bias():
    """Brute force: the k largest of X theta + bias, row by row (a bias vector large enough to change winners)."""
    X, m, k = gauss(50, 3, 11), 12, 3
    bias = np.linspace(-1.5, 1.5, m)
    code = expand_sparsify(X, m, k=k, bias=bias, seed=2)
    pre = X @ code.projection + bias
    want = np.sort(np.argsort(-pre, axis=1)[:, :k], axis=1)
    assert np.array_equal(code.indices.reshape(50, k), want)
    assert np.array_equal(code.bias, bias)
    unbiased = np.sort(np.argsort(-(X @ code.projection), axis=1)[:, :k], axis=1)
    assert not np.array_equal(want, unbiased)        # the bias does change the winners here


def test_topk_breaks_a_tie_of_minus_and_plus_zero_towards_the_lower_index():
    """Fuzzing (session 50): a point at -0.0 through a column of ones with biases -0.0 and 0.0 has the equal
    pre-activations -0.0 and 0.0; the tie went to the higher index (the sort put +0.0 above -0.0)."""
    X = np.array([[-0.0], [0.0], [-0.0]])
    for bias in ([-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0]):
        code = expand_sparsify(X, 2, k=1, projection="sparse_binary", density=1.0, bias=bias)
        pre = X @ code.projection + np.array(bias)
        assert np.all(pre[:, 0] == pre[:, 1])       # a tie on every row, so the lower index wins everywhere
        assert code.indices.tolist() == [0, 0, 0], bias


def test_encode_reuses_the_calibrated_thresholds_on_new_points():
    X1, X2 = gauss(200, 4, 1), 3.0 * gauss(120, 4, 2) + 0.5     # new points from another law
    code = expand_sparsify(X1, 30, k=3, sparsify="threshold", seed=4)
    same = code.encode(X1)
    assert np.array_equal(same.indptr, code.indptr) and np.array_equal(same.indices, code.indices)
    new = code.encode(X2)
    assert np.array_equal(new.thresholds, code.thresholds)
    # a unit fires where its pre-activation reaches the threshold calibrated on X1 (ties have probability 0)
    pre = X2 @ code.projection + code.bias
    assert np.array_equal(new.active(), pre >= code.thresholds)
    # ... which is not the firing rate k/m any more on this other law: thresholds were not recalibrated
    assert np.any(new.active().sum(axis=0) != round(120 * 3 / 30))


def test_readout_intercept_fits_a_threshold_off_the_origin():
    # 1-D points 1, 2, 3 with labels 0, 0, 1: a threshold at 2.5 separates them, a line through the origin
    # cannot (every score has the sign of w)
    Z = np.array([[1.0], [2.0], [3.0]])
    y = [0, 0, 1]
    for method in ("lstsq", "perceptron"):
        assert readout_accuracy(Z, y, method=method, fit_intercept=True) == 1.0
        assert readout_accuracy(Z, y, method=method, fit_intercept=False) < 1.0


def test_capacity_curve_counts_the_intercept_as_a_dimension():
    """docs/sparse.md: Cover's probability for D = m, m + 1 with an intercept (closed form with math.comb)."""
    import math

    def cover(n, D):
        return sum(math.comb(n - 1, i) for i in range(D)) / 2 ** (n - 1)

    Ns, m = [5, 9, 13], 6
    for fit_intercept in (False, True):
        c = capacity_curve(3, Ns, m, sparsify="relu", trials=2, method="lstsq", fit_intercept=fit_intercept,
                           seed=1, progress=False)
        D = m + int(fit_intercept)
        assert c.D == D
        np.testing.assert_allclose(c.cover, [cover(n, D) for n in Ns], rtol=1e-12)
        np.testing.assert_allclose(c.cover, [separable_probability(n, D) for n in Ns], rtol=1e-12)


@pytest.mark.parametrize("method", ["lstsq", "perceptron"])
def test_readout_accuracy_prices_its_least_squares_before_lapack_starts(monkeypatch, method):
    """Both methods fit least squares first, an SVD-like LAPACK call of about ``4 n D min(n, D)`` operations that
    cannot be stopped: it was unpriced until the sixty-seventh pass on issue 11 (16 s of CPU for 2000 x 2000, hours
    at 20000 x 20000 under any max_work; fails on the old code: LAPACK was reached). Refused now before it, naming
    max_work; the price grows as ``n D min(n, D)`` does (the stated prices of three shapes against the count)."""
    import re

    from nnpartition.limits import override
    from nnpartition.sparse import capacity

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    monkeypatch.setattr(capacity, "_interruptible", no_work)
    prices = []
    shapes = [(1200, 300), (300, 1200), (600, 600)]
    for n, D in shapes:
        Z = np.zeros((n, D))
        with override(max_work=10**6), pytest.raises(ValueError, match=r"least squares.*max_work") as e:
            readout_accuracy(Z, np.arange(n) % 2, method=method, **({"epochs": 1} if method == "perceptron" else {}))
        prices.append(float(re.search(r"takes about ([0-9.e+]+) steps", str(e.value)).group(1)))
    count = [n * D * min(n, D) + (2.0 * n * D if method == "perceptron" else 0.0) / 4 for n, D in shapes]
    np.testing.assert_allclose(np.array(prices) / prices[0], np.array(count) / count[0], rtol=1e-2)


def test_expensive_experiments_are_refused_before_they_draw(monkeypatch):
    # An audit after the twenty-eighth pass on issue 11, each call in turn: a MemoryError for 7.45 GiB after 6 s
    # (explicit_readout), about 17 h under any max_work (generalisation), about 10 h of perceptron epochs, 5 GB of
    # pair tables (pattern_overlap), 0.8 GB drawn before a MemoryError for 14.9 GiB (teacher_task). All refused
    # before any work now, naming the limit, with little memory used: the first step after the checks (resolving
    # the seed to draw with; for readout_accuracy its least-squares fit) fails the test if it is reached.
    import tracemalloc

    from nnpartition.sparse import (capacity, code as code_module, experiments, explicit_readout, generalisation,
                                    pattern_overlap, readout_accuracy, sparsity_curve, stats, teacher_task)

    X = np.random.default_rng(0).normal(size=(10, 2))
    code = expand_sparsify(X, 1000, k=1)
    Z = np.zeros((5000, 500))

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    monkeypatch.setattr(experiments, "resolve_seed", no_work)
    monkeypatch.setattr(code_module, "resolve_seed", no_work)
    monkeypatch.setattr(stats, "resolve_seed", no_work)             # pattern_overlap's
    monkeypatch.setattr(capacity, "_interruptible", no_work)        # readout_accuracy's least squares
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="explicit_readout.*max_bytes"):
            explicit_readout(lambda P: P[:, 0], 2, 10**4, 1, n_train=10**5)
        with pytest.raises(ValueError, match="generalisation.*max_work"):
            generalisation("linear", 2, 2000, 2000, trials=10**4, trained=False)
        with pytest.raises(ValueError, match="sparsity_curve.*max_work"):
            sparsity_curve("linear", 2, 2000, 2000, [0.1] * 100, trials=100)
        with pytest.raises(ValueError, match="perceptron.*max_work"):
            readout_accuracy(Z, np.arange(5000) % 2, method="perceptron", epochs=10**7)
        with pytest.raises(ValueError, match="generalisation.*max_bytes"):   # normal equations of 20,001^2
            generalisation("linear", 2, 20000, 2000, trials=1, trained=False)
        with pytest.raises(ValueError, match="pattern_overlap.*max_bytes"):
            pattern_overlap(X, code, pairs=10**7)
        with pytest.raises(ValueError, match="teacher_task.*max_bytes"):
            teacher_task("nonlinear", 10**8, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    monkeypatch.undo()
    assert peak < 64 * 2**20, peak
    # a dense code beyond max_bytes is refused by the code itself
    from nnpartition import limits

    with limits.override(max_bytes=10**4), pytest.raises(ValueError, match="dense code.*max_bytes"):
        code.toarray()


def test_what_the_readout_experiments_count_bounds_what_they_hold(counts_bound_peak):
    # The counts against max_bytes are upper bounds of tracemalloc's peak, within a factor of a few.
    from nnpartition.sparse import explicit_readout, generalisation

    calls = [lambda: explicit_readout(lambda P: P[:, 0], 3, 400, 5, n_train=1500, n_test=500),
             lambda: generalisation("linear", 3, 300, 1500, n_test=500, trials=1, trained=False)]
    for call in calls:
        counts_bound_peak(call, 4)


def test_subset_curve_counts_its_refits_by_their_own_sizes():
    # A review: every refit was counted as a fit of all m units, so ordinary calls (sizes 10-200 of 2000 units, 50
    # repeats, 2.8 s) were refused under the default max_work. 52 fits of 10 units and one of 1000 cost about one
    # fit of 1000 (6e7 steps of a nanosecond), not 52 of them (3.1e9).
    from nnpartition import limits
    from nnpartition.sparse import subset_curve, teacher_task

    X, y, _ = teacher_task("nonlinear", 1200, 4, seed=2)
    code = expand_sparsify(X[:1000], 1000, sparsify="relu", seed=3)
    with limits.override(max_work=10**8):
        c = subset_curve(code, y[:1000], X[1000:], y[1000:], [10], repeats=50, seed=0)
    assert c.sizes.tolist() == [10]
    with limits.override(max_work=3 * 10**7), pytest.raises(ValueError, match="subset_curve.*max_work"):
        subset_curve(code, y[:1000], X[1000:], y[1000:], [10], repeats=50, seed=0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_distinct_rows_agree_with_numpys_row_unique(n, m, seed):
    # a second implementation: numpy's unique over rows (slow for wide codes, exact), with repeated rows and -0.0
    from nnpartition.sparse.stats import code_stats

    rng = np.random.default_rng(seed)
    Z = rng.integers(-1, 2, size=(n, m)).astype(np.float64)
    Z = Z[rng.integers(0, n, size=n)]                       # repeated rows
    Z[rng.random(Z.shape) < 0.2] = -0.0                     # a negative zero equals zero
    assert code_stats(Z).distinct_rows == np.unique(Z, axis=0).shape[0]


@pytest.mark.parametrize("m, note", [(5, True), (9, True), (10, False), (20, False)])
def test_eas_capacity_notes_a_compressing_code(m, note, capsys):
    """-m below -d (a compression, not an expansion) ran silently; it still runs (a user may want the comparison),
    with one line on stderr, and stdout (here JSON) unchanged by it."""
    from nnpartition.cli import main

    assert main(["eas-capacity", "-d", "10", "-m", str(m), "-N", "4", "--trials", "1", "--method", "lstsq",
                 "--no-progress", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["m"] == m
    if note:
        assert err.count("\n") == 1 and f"-m {m} < -d 10" in err and "compress" in err, err
    else:
        assert err == ""


def test_capacity_curve_counts_the_readout_and_the_training_before_it_draws(monkeypatch):
    # An audit after the thirty-seventh pass on issue 11: 10^7 perceptron epochs (1e4 of them took 1.3 s, so about
    # 15 days), 10^4 trained networks in generalisation (one took 2.8 s) and the linear programmes of m = 10^6 units
    # (priced at 2 s, ran for minutes) all started. Each is refused now before the first code is drawn.
    from nnpartition.limits import override
    from nnpartition.sparse import capacity, experiments, generalisation

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    monkeypatch.setattr(experiments, "resolve_seed", no_work)
    monkeypatch.setattr(capacity, "expand_sparsify", no_work)      # capacity_curve's
    with pytest.raises(ValueError, match="max_work"):
        capacity_curve(5, [400], 200, trials=1000, method="perceptron", epochs=10**7)
    with pytest.raises(ValueError, match="training.*max_work"):
        generalisation("linear", 10, 200, 1000, trials=10**4)
    with pytest.raises(ValueError, match="training.*max_work"):
        capacity_curve(5, [400], 200, trials=10**4, method="lstsq", trained=True)
    with override(max_work=10**12), pytest.raises(ValueError, match="max_work"):
        capacity_curve(2, [10], 10**6, trials=1)
    # the same calls without the expensive part are within the limits (they fail at the first draw here)
    for call in (lambda: capacity_curve(5, [400], 200, trials=1000, method="lstsq"),
                 lambda: generalisation("linear", 10, 200, 1000, trials=10**4, trained=False)):
        with pytest.raises(AssertionError, match="worked before checking"):
            call()


# --- an audit after the fortieth pass: arguments of the wrong kind, named; huge entries; an unreachable mask -------


@pytest.mark.parametrize("bias, exc, said", [("abc", TypeError, "bias must be a real number"),
                                             ("1.5", TypeError, "bias must be a real number"),
                                             (True, TypeError, "bias must be a real number"),
                                             (np.True_, TypeError, "bias must be a real number"),
                                             (None, TypeError, "bias must be a real number"),
                                             ([True] * 10, TypeError, "bias must hold real numbers"),
                                             (np.ones(10, dtype=bool), TypeError, "bias must hold real numbers"),
                                             (np.array(["a"] * 10), TypeError, "bias must be a numeric array"),
                                             (float("nan"), ValueError, "bias must be finite"),
                                             (np.zeros(3), ValueError, "bias must have length 10")])
def test_expand_sparsify_refuses_a_bias_of_the_wrong_kind_before_the_projection(bias, exc, said, monkeypatch):
    # "abc" was numpy's "could not convert string to float", None "bias contains NaN or infinity", and True and "1.5"
    # were read as numbers; the bias was read after the (d, m) projection was drawn
    from nnpartition.sparse import code as code_module

    X = gauss(20, 3)
    good = {b: expand_sparsify(X, 10, bias=b, seed=1).bias for b in (2, 0.5, np.float32(0.5))}
    assert good[2].tolist() == [2.0] * 10 and good[0.5].tolist() == [0.5] * 10
    np.testing.assert_array_equal(expand_sparsify(X, 10, bias=np.array(0.5), seed=1).bias, good[0.5])

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    monkeypatch.setattr(code_module, "resolve_seed", no_work)
    with pytest.raises(exc, match=said):
        expand_sparsify(X, 10, bias=bias)


def test_the_experiments_refuse_a_single_value_where_they_take_a_sequence():
    # each was "'int' object is not iterable" (or 'float'), naming no argument
    from nnpartition.sparse import sparsity_curve, subset_curve

    X, y = gauss(30, 3), np.arange(30) % 2
    code = expand_sparsify(X, 20, sparsify="relu")
    with pytest.raises(TypeError, match=r"N_values must be a list .* got int 5"):
        capacity_curve(3, 5, 10, trials=1, progress=False)
    with pytest.raises(TypeError, match=r"fractions must be a list .* got float 0.5"):
        sparsity_curve("linear", 3, 20, 50, 0.5, n_test=10, trials=1)
    with pytest.raises(TypeError, match=r"sizes must be a list .* got int 10"):
        subset_curve(code, y, X, y, 10)
    with pytest.raises(TypeError, match=r"sizes must be a list .* got an array of shape \(\)"):
        subset_curve(code, y, X, y, np.array(10))
    # a bad entry names its index (it was "fractions[]" and "sizes[]")
    with pytest.raises(ValueError, match=r"fractions\[1\] must be <= 1.0, got 2.0"):
        sparsity_curve("linear", 3, 20, 50, [0.5, 2.0], n_test=10, trials=1)
    with pytest.raises(ValueError, match=r"sizes\[1\] must be >= 1 and <= 20, got 21"):
        subset_curve(code, y, X, y, [5, 21])


@pytest.mark.parametrize("sparsifiers, exc, said", [("topk", TypeError, "sparsifiers must be a list .* got str"),
                                                    (["topk", "wta"], ValueError, r"sparsifiers\[1\] must be one of")])
def test_generalisation_checks_its_sparsifiers_before_it_draws(sparsifiers, exc, said, monkeypatch):
    # "topk" was read as four names, and the first, "t", refused as "sparsify must be one of ..." after the teacher
    # task was drawn; an unknown name in a list was refused the same way, late and under another argument's name
    from nnpartition.sparse import experiments, generalisation

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    monkeypatch.setattr(experiments, "resolve_seed", no_work)
    with pytest.raises(exc, match=said):
        generalisation("linear", 3, 20, 50, n_test=10, trials=1, trained=False, sparsifiers=sparsifiers)


@pytest.mark.parametrize("f, got", [(lambda U: U, r"\(50, 3\)"), (lambda U: 1.0, r"\(\)"),
                                    (lambda U: np.ones(2 * len(U)), r"\(100,\)")])
def test_explicit_readout_names_f_when_it_returns_the_wrong_shape(f, got):
    # each was numpy's "cannot reshape array of size ... into shape (50,)", naming nothing
    from nnpartition.sparse import explicit_readout

    with pytest.raises(ValueError, match=r"f must map a \(50, 3\) array of points to shape \(50,\) \(or \(50, 1\)\), "
                                         rf"got shape {got}"):
        explicit_readout(f, 3, 50, 5, n_train=100, n_test=60, seed=0)
    with pytest.raises(TypeError, match="f must return real numbers, got list"):
        explicit_readout(lambda U: ["a"] * len(U), 3, 50, 5, n_train=100, n_test=60, seed=0)
    column = explicit_readout(lambda U: U[:, :1], 3, 50, 5, n_train=100, n_test=60, seed=0)   # (n, 1) is n values
    assert column.rmse_explicit == explicit_readout(lambda U: U[:, 0], 3, 50, 5, n_train=100, n_test=60,
                                                    seed=0).rmse_explicit


def test_subset_curve_names_x_test_when_it_holds_nan():
    # the refusal came from code.encode, naming X
    from nnpartition.sparse import subset_curve

    X, y = gauss(30, 3), np.arange(30) % 2
    code = expand_sparsify(X, 20, sparsify="relu")
    Xte = X.copy()
    Xte[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"^X_test contains NaN or infinity \(first at row 3, column 1\)$"):
        subset_curve(code, y, Xte, y, [5])


def test_code_rank_holds_for_entries_of_any_size(monkeypatch):
    # entries near 1e308 overflowed the tolerance (and the QR's column norms) to infinity: rank 0, with a
    # RuntimeWarning; numpy's matrix_rank has the same overflow, so it is taken on the matrix scaled to max |Z_ij| = 1
    from nnpartition.sparse.stats import _rank, code_stats
    from nnpartition.sparse import stats

    B = np.random.default_rng(3).standard_normal((50, 10)) @ np.diag([1.0] * 7 + [0.0] * 3)
    B = np.hstack([B, B[:, :1] * 0.5])              # a dependent column too
    B /= np.abs(B).max()
    want = int(np.linalg.matrix_rank(B))
    assert want == 7
    monkeypatch.setattr(stats, "_RANK_BLOCK_BYTES", 8 * 11 * 12)   # blocks of 12 rows: five QRs
    for scale in (1e-300, 1.0, 1e300, 1.7e308):
        Z = B * scale
        assert code_stats(Z).rank == _rank(Z.T) == want, scale


def test_sparsity_curve_warns_when_the_mask_cannot_reach_a_fraction():
    # a mask only removes the dense ReLU code's active entries (about half), so 0.9 reached about 0.5, silently
    from nnpartition.sparse import sparsity_curve

    with pytest.warns(UserWarning, match=r"fractions \[0\.9\] reached only \[0\.[45]\d*\] for 'mask'") as rec:
        c = sparsity_curve("nonlinear", 4, 100, 300, [0.3, 0.9], n_test=100, trials=2, seed=0)
    assert len(rec) == 1
    assert abs(c.achieved["mask"][0] - 0.3) < 0.02 and 0.4 < c.achieved["mask"][1] < 0.6
    assert c.achieved["topk"].tolist() == [0.3, 0.9]            # the other codes do reach it
    assert str(c.achieved["mask"][1]) in str(rec[0].message)


def test_epochs_given_to_a_method_without_them_is_warned_of_by_name():
    """readout_accuracy and capacity_curve ignored ``epochs`` without a word unless the method was the perceptron's
    (and the command line passed 2,000 to every method). A value other than the default now warns, naming it, at
    the caller's line; the default, and any value with the perceptron, do not."""
    import warnings

    from nnpartition.sparse import capacity_curve, readout_accuracy

    rng = np.random.default_rng(0)
    Z, y = rng.normal(size=(30, 10)), rng.integers(0, 2, 30)
    with pytest.warns(UserWarning, match=r"^epochs=50 only applies to method='perceptron'; method='lstsq' ignores it$"
                      ) as caught:
        readout_accuracy(Z, y, epochs=50)
    assert caught[0].filename == __file__
    with pytest.warns(UserWarning, match=r"^epochs=7 only applies to .*method='exact' ignores it$") as caught:
        capacity_curve(3, [10], 20, trials=1, epochs=7, progress=False)
    assert len(caught) == 1 and caught[0].filename == __file__   # once, not again from each readout inside
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        readout_accuracy(Z, y)
        readout_accuracy(Z, y, method="perceptron", epochs=50)
        capacity_curve(3, [10], 20, trials=1, method="perceptron", epochs=7, progress=False)
        capacity_curve(3, [10], 20, trials=1, progress=False)


def test_the_codes_are_the_same_bits_at_1_3_and_7_threads():
    """The projection is drawn in parallel (a stream a column), the codes in parallel chunks of at most 1024 rows
    (``CHUNK_ROWS``: here 7 and a part) and the thresholds in blocks of 64 columns (here 7 and a part): the core's
    global pool of 1, 3 or 7 threads (``RAYON_NUM_THREADS``) and this process's must give the same projections,
    top-k, threshold and ReLU codes and thresholds, bit for bit (each call made twice, so that every
    thread takes a share: a call of a few ms can run before a third thread wakes)."""
    from conftest import digests_at_thread_counts

    code = """
from nnpartition.sparse import expand_sparsify
X = np.random.default_rng(5).normal(size=(7 * 1024 + 3, 10))
for m, kw in ((200, dict(k=12)), (200, dict(k=12, projection="sparse_binary", density=0.3)),
              (450, dict(k=12, sparsify="threshold")), (200, dict(sparsify="relu", bias=-0.5))) * 2:
    c = expand_sparsify(X, m, seed=6, **kw)
    out(*(np.asarray(v) for v in (c.projection, c.bias, c.indptr, c.indices, c.dense, c.thresholds) if v is not None))
"""
    outs = digests_at_thread_counts(code)
    assert [t for t in outs if outs[t] != outs[1]] == [], outs


def test_subset_curve_prices_the_cpu_time_it_takes():
    # An audit in session 63 (the fuzz's sizes=(3,) * 10**5): a small fit's numpy calls (about 50 us) were not
    # priced, 3e5 fits of 3 units were priced at 27 steps each (8e6 steps, 8 ms) and ran for about 15 s. Measured:
    # the price of 601 small fits against their CPU time (1e9 steps a second), within a factor of 4 below (the old
    # price was 1700 times below) and 50 above.
    import re
    import time

    from nnpartition import limits
    from nnpartition.sparse import subset_curve

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    code = expand_sparsify(X, 64, k=4)

    def call(sizes):
        return subset_curve(code, y, X, y, sizes, repeats=2, ridge=1e-3)

    with limits.override(max_work=1), pytest.raises(ValueError, match="max_work") as info:
        call((3,) * 200)
    price = float(re.search(r"takes about ([0-9.e+]+) steps", str(info.value)).group(1))
    t0 = time.process_time()
    call((3,) * 200)
    measured = (time.process_time() - t0) * 1e9
    assert measured / 4 <= price <= 50 * measured, (price, measured)
    # the fuzz's 10^5 sizes: refused under a limit of a second's steps, before any fit
    with limits.override(max_work=10**9), pytest.raises(ValueError, match="subset_curve of 100000 sizes.*max_work"):
        call((3,) * 10**5)


def test_eas_capacity_help_states_the_k_it_uses(capsys):
    """``-k``'s help said "default m // 20", which is 0 (not a valid k) below m = 20, where the command uses 1: it
    states max(1, m // 20), and that is the k runs without -k report (the test fails on the old help)."""
    import json

    from nnpartition.cli import build_parser, main

    sub = build_parser()._subparsers._group_actions[0].choices["eas-capacity"]
    text = " ".join(sub.format_help().split())
    assert "default max(1, m // 20)" in text, text
    for m in (10, 19, 20, 50):
        assert main(["eas-capacity", "-d", "3", "-m", str(m), "-N", "4", "--sparsify", "topk", "--trials", "1",
                     "--no-progress", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["k"] == max(1, m // 20)


def test_generalisation_and_sparsity_curve_bars_count_every_fit(monkeypatch):
    """The sixty-seventh pass on issue 11: generalisation (seconds a trial with its trained network) and
    sparsity_curve ran in silence, with no progress=. Each bar counts the fits one by one: a readout a sparsifier,
    one on the raw input and the trained network, a trial (generalisation); four readouts a fraction and trial
    (sparsity_curve). Truth: the counts from the arguments; the results are the same with the bar as without."""
    from nnpartition.sparse import experiments, generalisation, sparsity_curve

    bars = recorded_bars(monkeypatch, experiments)
    kw = dict(n_test=200, trials=2, sparsifiers=["topk", "relu"], seed=3)
    g = generalisation("nonlinear", 3, 12, 80, **kw, progress=True)
    (bar, seen, opts), = bars
    assert bar.total == 2 * (2 + 1 + 1) and seen == list(range(1, 9)), (bar.total, seen)
    assert opts["unit"] == "fit" and "generalisation nonlinear d=3 m=12" in opts["desc"] and bar.disable  # closed
    bars.clear()
    assert generalisation("nonlinear", 3, 12, 80, **kw, progress=False) == g
    assert bars[0][2]["progress"] is False   # (a hidden bar counts nothing: tqdm's disabled update returns at once)
    bars.clear()
    g = generalisation("nonlinear", 3, 12, 80, **kw, trained=False, progress=True)
    assert bars[0][0].total == bars[0][0].n == 2 * 3 and g.trained is None
    bars.clear()
    c = sparsity_curve("nonlinear", 3, 40, 80, [0.1, 0.2, 0.4], n_test=100, trials=2, seed=1, progress=True)
    (bar, seen, opts), = bars
    assert bar.total == 4 * 3 * 2 and seen == list(range(1, 25)) and opts["unit"] == "fit", (bar.total, seen)
    assert "sparsity_curve nonlinear d=3 m=40" in opts["desc"]
    bars.clear()
    again = sparsity_curve("nonlinear", 3, 40, 80, [0.1, 0.2, 0.4], n_test=100, trials=2, seed=1, progress=False)
    assert all(np.array_equal(c.accuracy[s], again.accuracy[s]) for s in c.accuracy)


def test_generalisation_and_sparsity_curve_draw_no_bar_off_a_terminal(capsys, monkeypatch):
    # progress=None: stderr here is no terminal, so no bar even when the work outlasts the delay (set to 0)
    from nnpartition import _progress
    from nnpartition.sparse import generalisation, sparsity_curve

    monkeypatch.setattr(_progress, "DELAY", 0.0)
    generalisation("linear", 3, 12, 60, n_test=50, trials=1, trained=False)
    sparsity_curve("linear", 3, 20, 60, [0.2], n_test=50, trials=1)
    assert capsys.readouterr().err == ""
    generalisation("linear", 3, 12, 60, n_test=50, trials=1, trained=False, progress=True)
    assert "generalisation linear d=3 m=12" in capsys.readouterr().err   # ... but True always draws


@pytest.mark.parametrize("call", ["generalisation", "sparsity_curve"])
def test_generalisation_and_sparsity_curve_check_progress_before_any_work(call, monkeypatch):
    from nnpartition.sparse import experiments

    monkeypatch.setattr(experiments, "teacher_task", lambda *a, **k: pytest.fail("drew a task"))
    args = ("linear", 3, 12, 60) + (([0.2],) if call == "sparsity_curve" else ())
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        getattr(experiments, call)(*args, progress="yes")


def test_generalisation_trains_the_same_networks_at_any_thread_count():
    """threads= goes to train (as train's and simulate's): same seed, same result with 1 and 2 threads; a count
    outside 1 .. MAX_THREADS is refused by name before anything is drawn."""
    from nnpartition import _core
    from nnpartition.sparse import generalisation

    kw = dict(n_test=300, trials=2, sparsifiers=["relu"], seed=5, progress=False)
    one = generalisation("nonlinear", 4, 16, 200, **kw, threads=1)
    two = generalisation("nonlinear", 4, 16, 200, **kw, threads=2)
    assert one == two and one.trained is not None
    for bad in (0, _core.MAX_THREADS + 1):
        with pytest.raises(ValueError, match="threads"):
            generalisation("nonlinear", 4, 16, 200, **kw, threads=bad)
    with pytest.raises(TypeError, match="threads"):
        generalisation("nonlinear", 4, 16, 200, **kw, threads=1.5)


def test_capacity_curve_trains_the_same_networks_at_any_thread_count():
    # threads= goes to train for trained=True (as generalisation's): same seed, same networks with 1 and 2 threads
    kw = dict(sparsify="relu", trials=2, method="lstsq", trained=True, seed=4, progress=False)
    one = capacity_curve(3, [30, 60], 10, **kw, threads=1)
    two = capacity_curve(3, [30, 60], 10, **kw, threads=2)
    assert one.trained_accuracy is not None and np.array_equal(one.trained_accuracy, two.trained_accuracy)
    with pytest.raises(ValueError, match="threads"):
        capacity_curve(3, [30], 10, **kw, threads=0)


def test_subset_curve_bar_counts_every_fit(monkeypatch, capsys):
    """The sixty-seventh pass on issue 11: subset_curve (seconds at the claims' sizes) took no progress=. Its bar
    counts the full readout and each size's repeats and selected subset; none off a terminal; same result."""
    from nnpartition import _progress
    from nnpartition.sparse import subsets
    from nnpartition.sparse.experiments import teacher_task

    X, y, _ = teacher_task("nonlinear", 300, 3, seed=2)
    code = expand_sparsify(X[:200], 30, sparsify="relu", seed=3)
    args = (code, y[:200], X[200:], y[200:], [2, 5, 9])
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    quiet = subsets.subset_curve(*args, repeats=4, seed=1)
    assert capsys.readouterr().err == ""   # progress=None, stderr no terminal: no bar
    bars = recorded_bars(monkeypatch, subsets)
    c = subsets.subset_curve(*args, repeats=4, seed=1, progress=True)
    (bar, seen, opts), = bars
    assert bar.total == 1 + 3 * (4 + 1) and seen == list(range(1, 17)) and opts["unit"] == "fit", (bar.total, seen)
    assert "subset_curve m=30" in opts["desc"]
    assert np.array_equal(c.random, quiet.random) and np.array_equal(c.selected, quiet.selected)
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        subsets.subset_curve(*args, progress=1)
