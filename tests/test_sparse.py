"""Expand-and-sparsify codes against independent truths."""

import numpy as np
import pytest

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


def test_threshold_firing_rate_is_k_over_m_on_training_and_fresh_data():
    m, k = 100, 10
    X1, X2 = gauss(4000, 8, 1), gauss(4000, 8, 2)
    code = expand_sparsify(X1, m, k=k, sparsify="threshold", seed=3)
    per_unit = code.active().sum(axis=0)
    assert np.all(per_unit == round(4000 * k / m))           # exact on the calibration data
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
    assert readout_accuracy(code, rng.integers(0, 2, 600), method="perceptron", max_epochs=50) < 0.8


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


def test_capacity_curve_matches_cover_below_capacity():
    c = capacity_curve(5, [10, 30, 90], 30, sparsify="relu", trials=4, method="lstsq", seed=3)
    assert c.mean_accuracy[0] == 1.0 and c.mean_accuracy[1] == 1.0 and c.mean_accuracy[2] < 1.0
    assert c.cover.tolist() == [separable_probability(n, 30) for n in (10, 30, 90)]
    assert c.D == 30 and c.mean_rank[1] == 30
    assert capacity_curve(5, [10], 30, trials=1, fit_intercept=True).D == 31


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
    with pytest.raises(TypeError):
        pattern_overlap(X, np.eye(20))


def test_eas_capacity_command(tmp_path, capsys):
    import json

    from nnpartition.cli import main

    assert main(["eas-capacity", "-m", "10", "-N", "5,40", "--trials", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mean_accuracy"][0] == 1.0 and out["cover"] == [1.0, separable_probability(40, 10)]
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
    assert c.estimated_accuracy.shape == (2,) and c.estimated_accuracy[0] >= c.estimated_accuracy[1]
    assert capacity_curve(5, [10], 20, sparsify="relu", trials=1).trained_accuracy is None
