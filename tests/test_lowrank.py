"""Local low-rank analysis (seed 4): the Bayes matrix, its SVD solution, locality and trained layers."""

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import recorded_bars
from nnpartition.cli import main
from nnpartition.lowrank import (
    bayes_matrix,
    compare_layer,
    conditional_mean_matrix,
    joint_from_conditional,
    local_family,
    locality,
    locality_sweep,
    optimal_low_rank,
    principal_angles,
    softmax_log_loss,
    train_softmax_layer,
)


def _random_joint(rng, nx, ny):
    P = rng.random((nx, ny)) + 0.01
    return P / P.sum()


def _planted(rng, nx, ny, k, scale=0.3):
    """P = P_x P_y (1 + sum_i a_i(x) b_i(y)) with a_i, b_i centred: B has rank exactly k."""
    px = rng.random(nx) + 0.5
    px /= px.sum()
    py = rng.random(ny) + 0.5
    py /= py.sum()
    A = rng.standard_normal((nx, k))
    A -= px @ A
    Bv = rng.standard_normal((ny, k))
    Bv -= py @ Bv
    D = A @ Bv.T
    D *= scale / np.abs(D).max()
    return np.outer(px, py) * (1 + D), A


# ---------------------------------------------------------------- the matrix


@settings(max_examples=30, deadline=None)
@given(nx=st.integers(2, 9), ny=st.integers(2, 7), seed=st.integers(0, 10**6))
def test_bayes_matrix_definition_and_spectrum(nx, ny, seed):
    P = _random_joint(np.random.default_rng(seed), nx, ny)
    B = bayes_matrix(P)
    px, py = P.sum(1), P.sum(0)
    for x in range(nx):  # entry by entry from the definition
        for y in range(ny):
            assert B[x, y] == pytest.approx((P[x, y] - px[x] * py[y]) / np.sqrt(px[x] * py[y]), abs=1e-14)
    s = optimal_low_rank(P, 1).singular_values
    np.testing.assert_allclose(s, np.linalg.svd(B, compute_uv=False), atol=1e-13)
    su = np.linalg.svd(bayes_matrix(P, centred=False), compute_uv=False)
    assert su[0] == pytest.approx(1.0, abs=1e-12)  # the trivial singular value
    np.testing.assert_allclose(su[1:], s[: len(su) - 1], atol=1e-12)  # centring removes exactly that one


def test_counts_are_normalized():
    C = np.array([[3, 1], [2, 4]])
    np.testing.assert_allclose(bayes_matrix(C), bayes_matrix(C / C.sum()))
    np.testing.assert_allclose(bayes_matrix(C * 1.0, normalize=True), bayes_matrix(C / 10))


def test_zero_marginals_give_zero_rows():
    P = np.array([[0.5, 0.0], [0.0, 0.5], [0.0, 0.0]])
    B = bayes_matrix(P)
    assert np.all(B[2] == 0) and np.all(np.isfinite(B))


def test_conditional_mean_matrix_energy_is_the_variance_of_the_conditional_mean():
    rng = np.random.default_rng(3)
    P = _random_joint(rng, 6, 5)
    vals = rng.standard_normal(5)
    M = conditional_mean_matrix(P, vals)
    px = P.sum(1)
    cond = (P @ vals) / px
    var_cond_mean = px @ (cond - px @ cond) ** 2  # law of total variance: Var E[Y|X]
    assert np.sum(np.linalg.svd(M, compute_uv=False) ** 2) == pytest.approx(var_cond_mean, rel=1e-12)
    assert conditional_mean_matrix(P, np.c_[vals, 2 * vals]).shape == (6, 2)


# ---------------------------------------------------------------- the SVD solution


@settings(max_examples=25, deadline=None)
@given(nx=st.integers(3, 9), ny=st.integers(3, 8), k=st.integers(1, 2), seed=st.integers(0, 10**6))
def test_planted_rank_k_structure_is_recovered(nx, ny, k, seed):
    rng = np.random.default_rng(seed)
    P, A = _planted(rng, nx, ny, k)
    sol = optimal_low_rank(P, k)
    B = bayes_matrix(P)
    assert sol.residual == pytest.approx(0.0, abs=1e-20)
    assert sol.energy == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(sol.Phi @ sol.Psi.T, B, atol=1e-13)
    assert np.all(sol.singular_values[k:] < 1e-12)
    assert principal_angles(sol.features, A).max() < 1e-5  # the planted feature span
    # (k + 1 above min(nx, ny) - 1, the rank a joint of this shape can reach, is refused by that bound)
    with pytest.raises(ValueError, match=f"exceeds the rank {k} " if k + 1 < min(nx, ny) else "at most min"):
        optimal_low_rank(P, k + 1)


def test_solution_structure_and_local_loss_prediction():
    P = local_family(7, 5, 0.05, seed=1)
    sol = optimal_low_rank(P, 2)
    px, py = P.sum(1), P.sum(0)
    np.testing.assert_allclose(px @ sol.features, 0, atol=1e-14)  # centred features
    np.testing.assert_allclose(sol.features.T @ (px[:, None] * sol.features), np.eye(2), atol=1e-12)  # whitened
    np.testing.assert_allclose(sol.bias, np.log(py), atol=1e-12)
    # local regime: predicted - exact = o(eps^2), shrinking ~eps^3 (8x per halving)
    gaps = [abs(optimal_low_rank(local_family(7, 5, r, seed=1), 2).predicted_loss
                - optimal_low_rank(local_family(7, 5, r, seed=1), 2).loss()) for r in (0.08, 0.04, 0.02)]
    assert gaps[1] < gaps[0] / 5 and gaps[2] < gaps[1] / 5
    # information terms against their definitions: I = H(X) + H(Y) - H(X, Y), and 1/2 |B|_F^2 entry by entry
    def H(p):
        p = p[p > 0]
        return -float(np.sum(p * np.log(p)))

    assert sol.mutual_information == pytest.approx(H(px) + H(py) - H(P.ravel()), rel=1e-10)
    outer = np.outer(px, py)
    assert sol.local_information == pytest.approx(0.5 * float(np.sum((P - outer) ** 2 / outer)), rel=1e-12)


def test_locality_is_zero_for_independence_and_linear_in_rho():
    P = np.outer([0.2, 0.3, 0.5], [0.6, 0.4])
    loc = locality(P)
    assert loc.epsilon == pytest.approx(0.0, abs=1e-15) and loc.mutual_information == pytest.approx(0.0, abs=1e-15)
    assert loc.is_local
    e = [locality(local_family(5, 4, r, seed=2)).epsilon for r in (0.1, 0.2, 0.4)]
    assert e[1] == pytest.approx(2 * e[0], rel=1e-10) and e[2] == pytest.approx(4 * e[0], rel=1e-10)
    r = locality(local_family(5, 4, 0.01, seed=2))
    assert r.information_ratio == pytest.approx(1.0, abs=0.02)
    assert not locality(local_family(5, 4, 1.0, seed=2)).is_local


# ---------------------------------------------------------------- comparison with trained layers


def test_compare_layer_is_invariant_under_feature_transforms():
    P = local_family(6, 5, 0.1, seed=4)
    sol = optimal_low_rank(P, 2)
    T = np.array([[2.0, 1.0], [-0.5, 3.0]])
    F = sol.features @ T + 0.7  # invertible transform and a shift
    W = np.linalg.inv(T) @ sol.weights.T
    c = compare_layer(P, F, W)  # default bias: the local optimum
    assert c.angles_features.max() < 1e-6 and c.angles_weights.max() < 1e-6
    assert c.relative_error < 1e-12
    assert c.predicted_loss == pytest.approx(sol.predicted_loss, abs=1e-12)
    assert c.observed_loss == pytest.approx(sol.loss(), abs=1e-12)


def test_trained_layer_agrees_with_svd_in_the_local_regime():
    for rho, bound in ((0.02, 2.0), (0.5, 60.0)):
        P = local_family(6, 4, rho, seed=5)
        layer = train_softmax_layer(P, 2, steps=1500, seed=1)
        c = compare_layer(P, layer.features, layer.weights, layer.bias)
        assert c.observed_loss <= c.svd_loss + 1e-7  # the SVD layer is a feasible point
        assert c.angles_features.max() < bound
    sw = locality_sweep([0.5, 0.1, 0.02], n_x=6, n_y=4, k=2, samples=0, steps=1500)
    assert np.all(np.diff(sw.max_angle_features) < 0) and np.all(np.diff(sw.loss_gap) < 0)


def test_trained_layer_follows_adam_with_a_cosine_step_in_numpy():
    """docs: full-batch Adam (0.9, 0.999) on the expected log-loss, step lr cosine-annealed to lr / 100 over the
    run. A float64 numpy run from the same initial layer (steps=1 at lr 1e-300 leaves it as drawn)."""
    P = local_family(4, 3, 0.3, seed=2)
    steps, lr, k = 6, 0.05, 2
    init = train_softmax_layer(P, k, steps=1, lr=1e-300, seed=3)
    F, W, b = init.features.copy(), init.weights.copy(), init.bias.copy()
    np.testing.assert_allclose(b, np.log(P.sum(axis=0)), rtol=1e-15)     # the bias starts at log P(y)
    px = P.sum(axis=1)
    params = [F, W, b]
    m1 = [np.zeros_like(q) for q in params]
    m2 = [np.zeros_like(q) for q in params]
    for t in range(steps):
        Z = F @ W + b
        S = np.exp(Z - Z.max(axis=1, keepdims=True))
        S /= S.sum(axis=1, keepdims=True)
        G = px[:, None] * S - P          # d/dZ of -sum P log softmax(Z)
        a = lr / 100 + (lr - lr / 100) * (1 + np.cos(np.pi * t / (steps - 1))) / 2   # lr at t = 0, lr/100 at the end
        for i, g in enumerate([G @ W.T, F.T @ G, G.sum(axis=0)]):
            m1[i] = 0.9 * m1[i] + 0.1 * g
            m2[i] = 0.999 * m2[i] + 0.001 * g * g
            params[i] -= a * (m1[i] / (1 - 0.9 ** (t + 1))) / np.sqrt(m2[i] / (1 - 0.999 ** (t + 1)))
    layer = train_softmax_layer(P, k, steps=steps, lr=lr, seed=3)
    for ours, ref in zip((layer.features, layer.weights, layer.bias), params):
        np.testing.assert_allclose(ours, ref, atol=1e-6)   # the core adds a tiny eps to sqrt(v)


def test_softmax_loss_and_principal_angles():
    assert softmax_log_loss(np.full((2, 2), 0.25), np.zeros((2, 2))) == pytest.approx(np.log(2))
    a = principal_angles(np.eye(3)[:, :2], np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    np.testing.assert_allclose(a, [0.0, 45.0], atol=1e-12)


# ---------------------------------------------------------------- bad inputs


def test_a_joint_with_one_x_or_one_y_is_refused_before_training():
    # Its centred Bayes matrix is 0: no feature to compare (the CLI printed numpy's "zero-size array" after training
    # until the twenty-sixth pass on issue 11).
    for nx, ny in ((1, 4), (4, 1), (1, 1)):
        with pytest.raises(ValueError, match="n_x|n_y"):
            locality_sweep([0.5], n_x=nx, n_y=ny, k=1, steps=10**9)   # refused before 10^9 steps would start


def test_k_above_the_largest_rank_of_b_is_refused_before_training():
    # B sqrt(P_y) = 0 and sqrt(P_x)^T B = 0, so rank B <= min(n_x, n_y) - 1; the generic joint reaches it
    P = local_family(8, 6, 0.5, seed=0)
    assert np.linalg.matrix_rank(bayes_matrix(P)) == 5
    optimal_low_rank(P, 5)
    with pytest.raises(ValueError, match="exceeds the rank"):
        optimal_low_rank(P, 6)
    for k in (6, 10):   # 10^9 steps: a refusal after training would not return
        with pytest.raises(ValueError, match=r"k = %d exceeds the rank of the centred matrix B, at most "
                                             r"min\(n_x, n_y\) - 1 = 5" % k):
            locality_sweep([0.5], n_x=8, n_y=6, k=k, steps=10**9)
    sw = locality_sweep([0.5], n_x=8, n_y=6, k=5, samples=0, steps=50)   # the largest rank still runs
    assert sw.comparisons[0].k_ref == 5 and sw.comparisons[0].spectral_gap > 0


def test_lowrank_demo_refuses_k_above_the_rank_on_one_line(capsys):
    for k in ("6", "10", "0"):   # the default --nx 8 --ny 6: rank(B) <= 5
        assert main(["lowrank-demo", "-k", k, "--samples", "0", "--steps", "10"]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""   # before the table's header
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1
        assert "-k must be between 1 and min(--nx, --ny) - 1 = 5" in lines[0] and f"got {k}" in lines[0]
    assert main(["lowrank-demo", "--nx", "3", "--ny", "9", "-k", "3"]) == 2
    assert "min(--nx, --ny) - 1 = 2" in capsys.readouterr().err


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="negative"):
        bayes_matrix([[0.6, -0.1], [0.3, 0.2]])
    with pytest.raises(ValueError, match="sums to 0.9"):
        bayes_matrix([[0.5, 0.1], [0.2, 0.1]])
    with pytest.raises(ValueError, match="row 1 of P_y_given_x sums to 0.7, not 1"):
        joint_from_conditional([[0.5, 0.5], [0.3, 0.4]], [0.5, 0.5])
    with pytest.raises(ValueError, match="P_x sums"):
        joint_from_conditional([[0.5, 0.5]], [0.9])
    with pytest.raises(ValueError, match="NaN"):
        bayes_matrix([[np.nan, 0.5], [0.25, 0.25]])
    with pytest.raises(ValueError, match="2-D"):
        bayes_matrix([0.5, 0.5])
    with pytest.raises(TypeError, match=r"P_xy must be a real numeric array, got dtype <U1"):
        bayes_matrix([["a", "b"]])
    P = local_family(4, 3, 0.2)
    with pytest.raises(ValueError, match="k must be >= 1"):
        optimal_low_rank(P, 0)
    with pytest.raises(ValueError, match=r"centred matrix B, at most min\(\|X\|, \|Y\|\) - 1 = 2;"):
        optimal_low_rank(P, 3)
    with pytest.raises(ValueError, match="weights must have shape"):
        compare_layer(P, np.zeros((4, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="one row per x"):
        compare_layer(P, np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="values must have shape"):
        conditional_mean_matrix(P, [1.0, 2.0])


# ---------------------------------------------------------------- CLI


def test_lowrank_demo_cli(capsys):
    assert main(["lowrank-demo", "--nx", "5", "--ny", "4", "-k", "1", "--rho", "0.5,0.05", "--samples", "0",
                 "--steps", "600", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["epsilon"][1] < out["epsilon"][0]
    assert max(out["angles_features"][1]) < max(out["angles_features"][0])
    assert main(["lowrank-demo", "--nx", "4", "--ny", "3", "--rho", "0.1", "--samples", "10000", "--steps", "200"]) == 0
    assert "epsilon" in capsys.readouterr().out


def test_lowrank_demo_at_independence_prints_no_angles(capsys):
    # rho = 0 on the exact joint: B = 0 has no rank-k subspace, so no angles; the table printed its header, then
    # died on numpy's "zero-size array to reduction operation maximum" (exit 2, after the work)
    assert main(["lowrank-demo", "--nx", "4", "--ny", "3", "-k", "1", "--rho", "0,0.3", "--samples", "0",
                 "--steps", "20"]) == 0
    zero, other = [line.split() for line in capsys.readouterr().out.splitlines()[2:4]]
    assert zero[0] == "0" and zero[2:5] == ["n/a", "n/a", "n/a"]   # angle f, angle v, gap
    assert "n/a" not in other and float(other[2]) > 0
    # a few samples leave cells of the joint empty: their log-probability is -inf, and 0 * -inf warned (the suite
    # makes a warning an error)
    sw = locality_sweep([0.5], n_x=4, n_y=3, k=1, samples=3, steps=20, seed=1)
    assert np.isfinite(sw.comparisons[0].observed_loss)


def test_lowrank_demo_prints_a_zero_loss_without_a_sign(capsys):
    """Two samples on a 2 x 2 joint at rho = 1: the SVD layer's exact loss is -0.0 (the JSON keeps the float as it is),
    which the table printed as -0.000000 (fails on the old code); every loss there is 0 to the table's 6 digits."""
    assert main(["lowrank-demo", "--nx", "2", "--ny", "2", "-k", "1", "--rho", "1", "--samples", "2", "--steps", "20",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    losses = [out[k][0] for k in ("observed_loss", "predicted_loss", "svd_loss")]
    assert all(abs(x) < 5e-7 for x in losses) and any(math.copysign(1.0, x) < 0 for x in losses), losses
    assert main(["lowrank-demo", "--nx", "2", "--ny", "2", "-k", "1", "--rho", "1", "--samples", "2", "--steps",
                 "20"]) == 0
    row = capsys.readouterr().out.splitlines()[2].split()
    assert row[-3:] == ["0.000000"] * 3, row


def test_lowrank_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "l.png"
    assert main(["lowrank-demo", "--nx", "4", "--ny", "3", "-k", "1", "--rho", "0.3,0.03", "--samples", "0",
                 "--steps", "300", "--plot", str(path)]) == 0
    assert path.stat().st_size > 1000


# ---------------------------------------------------------------- H-score, one side fixed, hidden layer, samples


def test_h_score_against_the_sample_formula_and_the_spectrum():
    from nnpartition.lowrank import h_score, optimal_low_rank, sample_joint

    rng = np.random.default_rng(3)
    P = rng.random((7, 4))
    P /= P.sum()
    sol = optimal_low_rank(P, 2)
    s = sol.singular_values
    assert h_score(P, sol.features) == pytest.approx(0.5 * (s[0] ** 2 + s[1] ** 2), rel=1e-10)
    A = rng.standard_normal((2, 2)) + 2 * np.eye(2)
    assert h_score(P, sol.features @ A + 3.0) == pytest.approx(0.5 * (s[0] ** 2 + s[1] ** 2), rel=1e-9)
    # peer: tr(cov(f)^-1 cov(E[f|y])) on samples (Transfer-Learning-Library's hscore), with sample covariances
    n = 400_000
    idx = rng.choice(P.size, n, p=P.ravel())
    xs, ys = np.divmod(idx, P.shape[1])
    f = rng.standard_normal((7, 3))[xs]
    cov_f = np.cov(f, rowvar=False, bias=True)
    g = np.zeros_like(f)
    for c in range(P.shape[1]):
        g[ys == c] = f[ys == c].mean(axis=0)
    ref = np.trace(np.linalg.solve(cov_f, np.cov(g, rowvar=False, bias=True)))
    assert h_score(sample_joint(ys), f, normalization="trace") == pytest.approx(ref, rel=1e-9)


def test_best_weights_and_features_are_the_least_squares_factors_of_B():
    from nnpartition.lowrank import bayes_matrix, best_features, best_weights

    rng = np.random.default_rng(4)
    P = rng.random((6, 5))
    P /= P.sum()
    px, py = P.sum(1), P.sum(0)
    B = bayes_matrix(P)
    F = rng.standard_normal((6, 2))
    W, _ = best_weights(P, F)
    Phi = np.sqrt(px)[:, None] * (F - px @ F)
    Psi_ls = np.linalg.lstsq(Phi, B, rcond=None)[0].T              # min |B - Phi Psi^T| over Psi
    Psi = np.sqrt(py)[:, None] * (W.T - py @ W.T)
    assert np.allclose(Psi, Psi_ls, atol=1e-12)
    V = rng.standard_normal((2, 5))
    Fb = best_features(P, V)
    Psi_v = np.sqrt(py)[:, None] * (V.T - py @ V.T)
    Phi_ls = np.linalg.lstsq(Psi_v, B.T, rcond=None)[0].T
    assert np.allclose(np.sqrt(px)[:, None] * Fb, Phi_ls, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7), st.integers(2, 5), st.integers(1, 3), st.integers(0, 2**32 - 1), st.data())
def test_fixed_side_answers_follow_each_column_scaled_by_a_power_of_two(nx, ny, k, seed, data):
    """Scaling column ``j`` of the features by ``2^e_j`` (an invertible linear map of ``f``) leaves the H-score and
    the bias unchanged and divides the best weights' row ``j`` by ``2^e_j`` exactly in exact arithmetic (``v^T f``
    is the same); scaling the weights likewise divides the best features' column ``j``. The exponents are drawn over
    all of float64's range (each column kept finite and normal). Before the fifty-ninth pass features of ``2^600``
    overflowed their covariance (a RuntimeWarning) and features of ``2^-600`` were refused as "singular (rank 0)"."""
    from nnpartition.lowrank import best_features, best_weights, h_score

    rng = np.random.default_rng(seed)
    P = _random_joint(rng, nx, ny)
    F = rng.standard_normal((nx, min(k, nx - 1)))
    V = rng.standard_normal((min(k, ny - 1), ny))
    if min(F.shape[1], V.shape[0]) < 1:
        return
    try:
        h, (W, b), Fb = h_score(P, F), best_weights(P, F), best_features(P, V)
    except ValueError:
        return   # a singular covariance at scale 1 (few x or y): refused alike at any scale (other tests)

    def exponents(arr):
        top = [int(np.frexp(np.abs(c).max())[1]) for c in arr.T]
        low = [int(np.frexp(np.abs(c[c != 0]).min())[1]) for c in arr.T]
        return np.array([data.draw(st.integers(-1020 - lo, 1023 - hi), label=f"e_{j}")
                         for j, (lo, hi) in enumerate(zip(low, top))])

    e = exponents(F)
    Fs = np.ldexp(F, e)
    assert h_score(P, Fs) == pytest.approx(h, rel=1e-9)
    Ws, bs = best_weights(P, Fs)
    assert np.allclose(np.ldexp(Ws, e[:, None]), W, rtol=1e-9, atol=1e-12 * np.abs(W).max())
    assert np.allclose(bs, b, rtol=1e-9, atol=1e-9)
    ev = exponents(V.T)
    Fv = best_features(P, np.ldexp(V, ev[:, None]))
    assert np.allclose(np.ldexp(Fv, ev), Fb, rtol=1e-9, atol=1e-12 * np.abs(Fb).max())


def test_a_joint_of_huge_or_tiny_weights_normalizes_to_the_same_distribution():
    """``normalize=True`` divides by the total: weights ``v [[2, 1], [1, 2]]`` are the joint ``[[2, 1], [1, 2]] / 6``
    at any ``v``, whose marginals are 1/2 and whose Bayes matrix ``P / sqrt(p_x p_y) - sqrt(p_x p_y)`` is
    ``[[1, -1], [-1, 1]] / 6`` (worked by hand). Before the fifty-ninth pass the total of ``v`` = 8.5e307 overflowed
    to inf (a RuntimeWarning) and the joint came back as zeros ("sums to 0"); subnormal weights (``v`` = 1e-320,
    exact multiples of the smallest) normalize alike. Without ``normalize`` the huge table is refused, naming its
    sum."""
    want = np.array([[1.0, -1.0], [-1.0, 1.0]]) / 6
    for v in (8.5e307, 1e-320, 1.0):
        np.testing.assert_allclose(bayes_matrix(v * np.array([[2.0, 1.0], [1.0, 2.0]]), normalize=True), want,
                                   rtol=1e-14, atol=1e-16)
    with pytest.raises(ValueError, match="sums to more than float64's largest value, not 1"):
        bayes_matrix(np.full((4, 3), 1.7e308))


def test_the_h_score_of_tiny_and_huge_svd_features_is_half_their_singular_values_squared():
    """The H-score of the top-k SVD features of ``B`` is ``1/2 sum_{i<=k} s_i^2`` (the docstring's identity), at any
    scale of the features: checked at ``2^-600`` and ``2^600``, where the previous build refused the first
    ("singular", its covariance underflowing to 0) and overflowed on the second."""
    from nnpartition.lowrank import h_score

    rng = np.random.default_rng(8)
    P = _random_joint(rng, 6, 4)
    sol = optimal_low_rank(P, 2)
    want = 0.5 * float(np.sum(sol.singular_values[:2] ** 2))
    for k in (-600, 600):
        assert h_score(P, np.ldexp(sol.features, k)) == pytest.approx(want, rel=1e-10), k


def test_hidden_layer_optimum_is_stationary_and_refuses_dead_units():
    from nnpartition.lowrank import bayes_matrix, hidden_layer_optimum

    rng = np.random.default_rng(5)
    P = rng.random((8, 5))
    P /= P.sum()
    px, py = P.sum(1), P.sum(0)
    S1, V, c = rng.standard_normal((8, 4)), rng.standard_normal((3, 5)), rng.normal(0, 1, 3)
    h = hidden_layer_optimum(P, S1, V, c, activation="tanh")
    assert np.allclose(h.J, 1 - np.tanh(c) ** 2)
    B = bayes_matrix(P)
    Phi1 = np.sqrt(px)[:, None] * (S1 - px @ S1)
    Psi = np.sqrt(py)[:, None] * (V.T - py @ V.T)

    def loss(W):
        return 0.5 * np.sum((B - Phi1 @ W * h.J @ Psi.T) ** 2)

    # numerical gradient of the local objective vanishes at W; random perturbations never improve it
    eps = 1e-6
    grad = np.array([[(loss(h.W + eps * E) - loss(h.W - eps * E)) / (2 * eps)
                      for E in np.eye(12).reshape(12, 4, 3)[4 * i:4 * i + 4]] for i in range(3)]).reshape(-1)
    assert np.max(np.abs(grad)) < 1e-7
    for _ in range(20):
        assert loss(h.W + 1e-3 * rng.standard_normal(h.W.shape)) >= loss(h.W)
    with pytest.raises(ValueError, match=r"unit\(s\) \[0, 2\]"):
        hidden_layer_optimum(P, S1, V, np.array([-0.5, 1.0, 0.0]), activation="relu")
    # leaky ReLU never has a zero derivative
    assert hidden_layer_optimum(P, S1, V, np.array([-0.5, 1.0, 0.0]), activation="leaky_relu").J.min() > 0


def test_spectral_gap_is_reported_next_to_the_angles():
    from nnpartition.lowrank import compare_layer, local_family, optimal_low_rank

    P = local_family(6, 5, 0.3, seed=1)
    sol = optimal_low_rank(P, 2)
    s = np.linalg.svd(sol.Phi @ sol.Psi.T + 0, compute_uv=False)   # B_2's spectrum: s1, s2
    c = compare_layer(P, sol.features, sol.weights.T, sol.bias)
    full = np.linalg.svd((P - np.outer(P.sum(1), P.sum(0))) / np.sqrt(np.outer(P.sum(1), P.sum(0))), compute_uv=False)
    assert c.spectral_gap == pytest.approx(full[1] - full[2], abs=1e-12) and s[1] == pytest.approx(full[1])


def test_overflowing_arguments_raise_instead_of_returning_nan():
    from nnpartition.lowrank import local_family, train_softmax_layer

    P = local_family(4, 3, 0.5, seed=0)
    with pytest.raises(ValueError, match="lr"):
        train_softmax_layer(P, 2, lr=1e308)
    with pytest.raises(ValueError, match="steps"):
        train_softmax_layer(P, 2, steps=10**9)
    with pytest.raises(ValueError, match="sharpness"):
        local_family(4, 3, 0.5, sharpness=1e308)


def test_sample_joint_refuses_a_huge_table_before_allocating():
    from nnpartition.limits import override
    from nnpartition.lowrank import sample_joint

    with pytest.raises(ValueError, match=r"2 x 1000000000001 table .*max_bytes"):
        sample_joint(np.array([0, 10**12]))
    with override(max_bytes=10_000):
        with pytest.raises(ValueError, match="max_bytes"):
            sample_joint(np.arange(100))          # 100 x 100 float64: 80 kB
        assert sample_joint(np.arange(30)).shape == (30, 30)


def test_local_family_checks_its_memory_before_allocating():
    # local_family(20000, 20000, 0.5) took 9.4 GB whatever max_bytes said
    from nnpartition import limits

    with limits.override(max_bytes=2**20), pytest.raises(ValueError, match=r"n_x x n_y = 1000 x 1000.*max_bytes"):
        local_family(1000, 1000, 0.5)
    P = local_family(300, 200, 0.5, seed=0)   # 2 x 480 KB: within the limit
    A = np.random.default_rng(0).random((300, 200)) ** 4.0
    A /= A.sum()
    expected = 0.5 * np.outer(A.sum(axis=1), A.sum(axis=0)) + 0.5 * A
    assert np.allclose(P, expected, rtol=1e-14, atol=0)


def test_training_and_the_svd_refuse_hours_of_work_before_starting():
    # A 2000 x 2000 joint: one step of the softmax layer is about 7e7 steps, 10^6 of them are 7e13 (hours of numpy;
    # it ran until interrupted), and the SVD of a 20000 x 20000 matrix would be about 3e13 steps in one numpy call
    # that Ctrl-C cannot stop.
    P = np.full((2000, 2000), 1.0 / 4e6)
    with pytest.raises(ValueError, match="max_work"):
        train_softmax_layer(P, 2, steps=10**6)
    from nnpartition.lowrank.matrices import _svd

    with pytest.raises(ValueError, match="max_work"):
        _svd(np.lib.stride_tricks.as_strided(np.zeros(1), shape=(20000, 20000), strides=(0, 0)))
    assert train_softmax_layer(np.full((4, 3), 1.0 / 12), 1, steps=10).features.shape == (4, 1)


def test_a_trained_softmax_layer_records_the_seed_it_used_and_it_repeats_the_run():
    P = local_family(5, 4, 0.1, seed=0)

    def run(seed):
        return train_softmax_layer(P, 2, steps=50, seed=seed)

    fresh = run(None)
    assert type(fresh.seed) is int and 0 <= fresh.seed < 2**64
    again = run(fresh.seed)
    assert again.seed == fresh.seed
    for a, b in ((fresh.features, again.features), (fresh.weights, again.weights),
                 (fresh.loss_history, again.loss_history)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(run(1).features, run(2).features)


def test_a_softmax_layer_too_large_for_max_bytes_is_refused_before_it_is_drawn(counts_bound_peak):
    # An audit: k = 2^16 on a 4000 x 2 joint held F, W, their Adam moments and gradients, 4 GB before a
    # MemoryError; only the work was checked.
    import tracemalloc

    P = np.full((4000, 2), 1 / 8000)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="softmax layer.*max_bytes"):
            train_softmax_layer(P, 2**16, steps=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20
    # What is counted bounds what a run holds (tracemalloc's peak), within a factor of 2, for a tall, a square and a
    # wide joint
    for nx, ny, k in [(4000, 2, 256), (300, 300, 64), (50, 2000, 128)]:
        Q = np.full((nx, ny), 1 / (nx * ny))
        counts_bound_peak(lambda: train_softmax_layer(Q, k, steps=3), 2)


def test_principal_angles_check_their_svds_against_max_work():
    # A review after the twenty-eighth pass on issue 11: the SVD of each basis, one LAPACK call that Ctrl-C cannot
    # stop, was neither checked nor run interruptibly (Ctrl-C is tests/test_fuzz.py's). About 4 m n min(m, n) steps.
    from nnpartition import limits
    from nnpartition.lowrank import principal_angles

    A = np.random.default_rng(0).normal(size=(200, 50))
    with limits.override(max_work=4 * 200 * 50 * 50 - 1), pytest.raises(ValueError, match="SVD of A.*max_work"):
        principal_angles(A, A[:, :3])
    with limits.override(max_work=4 * 200 * 50 * 50):
        assert principal_angles(A, A[:, :3]) == pytest.approx(np.zeros(3), abs=1e-5)


def test_weights_in_the_solutions_layout_are_named_with_the_transpose_to_pass():
    """optimal_low_rank's weights are (|Y|, k), compare_layer and best_features take (k, |Y|): the refusal says
    so, and the transpose gives the SVD solution back (zero angles; features equal to the solution's)."""
    from nnpartition.lowrank import best_features, compare_layer, local_family, optimal_low_rank

    P = local_family(6, 4, 0.1, seed=3)
    sol = optimal_low_rank(P, 2)
    for call in (lambda W: compare_layer(P, sol.features, W, sol.bias), lambda W: best_features(P, W)):
        with pytest.raises(ValueError, match=r"weights\.T"):
            call(sol.weights)
    c = compare_layer(P, sol.features, sol.weights.T, sol.bias)
    assert np.max(c.angles_features) < 1e-6 and c.relative_error < 1e-10
    assert np.allclose(best_features(P, sol.weights.T), sol.features)


def test_a_sweep_without_reference_features_gives_nan_angles_and_the_demo_draws_it(tmp_path, capsys):
    # an audit after the thirty-seventh pass on issue 11: locality_sweep([0.0], samples=0).max_angle_features was
    # numpy's "zero-size array to reduction operation maximum", and lowrank-demo --plot failed after its table
    sweep = locality_sweep([0.0], samples=0, steps=10)
    assert sweep.comparisons[0].angles_features.size == 0
    assert np.isnan(sweep.max_angle_features).all() and np.isnan(sweep.max_angle_weights).all()
    png = tmp_path / "x.png"
    assert main(["lowrank-demo", "--rho", "0", "--samples", "0", "--steps", "10", "--plot", str(png)]) == 0
    assert png.stat().st_size > 0


@pytest.mark.parametrize("tol, error", [(-1.0, ValueError), (np.nan, ValueError), (np.inf, ValueError),
                                        ("1e-10", TypeError), (True, TypeError), (None, TypeError)])
def test_principal_angles_and_compare_layer_refuse_a_bad_tol_naming_it(tol, error, monkeypatch):
    # An audit: neither checked tol. A negative one kept null directions (an angle of 45 degrees where one span is
    # empty), NaN, inf or True compared no angles at all, and compare_layer refused -1 only after its SVDs (here
    # failing the test if reached) when optimal_low_rank named it.
    from nnpartition.lowrank import layer

    with pytest.raises(error, match="tol"):
        principal_angles([[1.0], [0.0]], [[1.0], [1.0]], tol=tol)
    P = local_family(5, 4, 0.1, seed=2)
    sol = optimal_low_rank(P, 2)
    with monkeypatch.context() as m:
        m.setattr(layer, "_svd", lambda B: pytest.fail("worked before checking tol"))
        with pytest.raises(error, match="tol"):
            compare_layer(P, sol.features, sol.weights.T, sol.bias, tol=tol)


@pytest.mark.parametrize("rhos, error, match", [
    ("abc", TypeError, "rhos must be a numeric array"), ([True], TypeError, "rhos.*bool"),
    ([0.5, np.True_], TypeError, "rhos.*bool"), (np.array([False]), TypeError, "rhos.*bool"),
    (None, TypeError, "rhos"), ([0.5, 2.0], ValueError, r"rhos\[1\] = 2.0"), ([0.5, -0.1], ValueError, r"rhos\[1\]"),
    ([0.5, np.nan], ValueError, r"rhos\[1\] = nan"),
])
def test_locality_sweep_refuses_bad_rhos_naming_them_before_training(rhos, error, match, monkeypatch):
    # An audit: "abc" raised numpy's "could not convert string to float", [True] ran as rho = 1, and [0.5, 2.0] was
    # refused as "rho must be <= 1.0" after training at 0.5 (training fails the test here)
    from nnpartition.lowrank import layer

    monkeypatch.setattr(layer, "train_softmax_layer", lambda *a, **k: pytest.fail("trained before checking rhos"))
    with pytest.raises(error, match=match):
        locality_sweep(rhos, n_x=4, n_y=3, k=1, samples=0, steps=10)


def test_sample_joint_names_y_for_a_huge_or_non_numeric_index():
    # An audit: 1e300 overflowed the cast to int64 (a RuntimeWarning, then "class indices >= 0, got
    # -9223372036854775808"); "a" raised numpy's "could not convert string to float"; 2^70 numpy's rint error
    from nnpartition.lowrank import sample_joint

    with pytest.raises(ValueError, match=r"largest class index in y is 1e\+300.*max_bytes"):
        sample_joint([1e300])
    with pytest.raises(TypeError, match="y must be a numeric array"):
        sample_joint(["a"])
    with pytest.raises(TypeError, match="y must be a numeric array"):
        sample_joint([2**70])
    assert sample_joint([2.0, 0.0]).tolist() == [[0.0, 0.0, 0.5], [0.5, 0.0, 0.0]]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_softmax_log_loss_refuses_nan_and_positive_infinite_logits(bad):
    # An audit: NaN (or +inf) logits gave a NaN loss, silently. -inf stays a class of probability 0 (the bias
    # log P_y of an unseen class, as LowRankSolution.loss() passes it): no loss where P is 0, infinite where it is not.
    P = np.array([[0.5, 0.0], [0.25, 0.25]])
    Z = np.zeros((2, 2))
    Z[1, 0] = bad
    with pytest.raises(ValueError, match=r"logits contains NaN or \+inf"):
        softmax_log_loss(P, Z)
    Z[1, 0] = -np.inf
    assert softmax_log_loss(P, Z) == np.inf
    assert softmax_log_loss(P, [[0.0, -np.inf], [0.0, 0.0]]) == pytest.approx(0.5 * np.log(2))
    with pytest.raises(ValueError, match="logits row 1 is -inf throughout"):
        softmax_log_loss(P, [[0.0, 0.0], [-np.inf, -np.inf]])


def test_locality_sweep_prices_all_its_runs_together_before_training(monkeypatch):
    # An audit: each training run was checked against max_work on its own, so a long rhos list ran unchecked.
    # Under a limit that one run passes (train_softmax_layer's own price: steps (n_x n_y (3 k + 12) + 3e4), the 3e4
    # its numpy calls' overhead), 50 runs are refused before the first one trains; 50 runs of a tenth of the steps
    # (each run's own overhead of 1e6 steps on top) still run.
    from nnpartition import limits
    from nnpartition.lowrank import layer

    one_run = 200 * (5 * 4 * (3 * 1 + 12) + 30_000)
    with limits.override(max_work=20 * one_run):
        train_softmax_layer(local_family(5, 4, 0.5, seed=0), 1, steps=200)   # one run alone passes
        real = layer.train_softmax_layer
        monkeypatch.setattr(layer, "train_softmax_layer", lambda *a, **k: pytest.fail("trained before the check"))
        with pytest.raises(ValueError, match=r"locality sweep over 50 values of rho.*max_work"):
            locality_sweep(np.linspace(0.0, 1.0, 50), n_x=5, n_y=4, k=1, samples=0, steps=200)
        monkeypatch.setattr(layer, "train_softmax_layer", real)
        sw = locality_sweep(np.linspace(0.0, 1.0, 50), n_x=5, n_y=4, k=1, samples=0, steps=20)
        assert len(sw.rho) == 50
    with pytest.raises(ValueError, match="steps"):
        locality_sweep([0.5], n_x=5, n_y=4, k=1, samples=0, steps=0)


@pytest.mark.parametrize("bad, error", [("abc", TypeError), (["0", "1"], TypeError), (None, TypeError)])
def test_values_and_c_are_refused_by_name_when_not_numbers(bad, error):
    """conditional_mean_matrix's values and activation_derivative's c went through np.asarray(..., float) first:
    ["0", "1"] passed as numbers, None became NaN ("got shape ()", "c contains NaN or infinity") and "abc" raised
    numpy's 'could not convert string to float', naming no argument."""
    from nnpartition.lowrank import activation_derivative, conditional_mean_matrix

    P = np.array([[0.25, 0.25], [0.5, 0.0]])
    with pytest.raises(error, match="^values must be a numeric array"):
        conditional_mean_matrix(P, bad)
    with pytest.raises(error, match="^c must be a numeric array"):
        activation_derivative("sigmoid", bad)


@pytest.mark.parametrize("shape", [(2, 2), (3, 5), (6, 4), (1, 3), (9, 2)])
def test_the_largest_k_a_refusal_names_is_accepted(shape):
    # a refusal of k names its limit; a generic joint of that shape reaches rank min(shape) - 1 (B sqrt(P_y) = 0 and
    # sqrt(P_x)^T B = 0), so the limit it names runs (until session 61 it named min(shape), always refused then as
    # "exceeds the rank"), and one above it is refused with the same limit
    P = np.random.default_rng(sum(shape)).dirichlet(np.ones(shape[0] * shape[1])).reshape(shape)
    for k in (min(shape) + 1, min(shape), 10**3):
        with pytest.raises(ValueError) as info:
            optimal_low_rank(P, k)
        limit = re.search(r"(?:<=|=) (\d+)[,;]", str(info.value))
        assert limit is not None and int(limit.group(1)) == min(shape) - 1, str(info.value)
    if min(shape) > 1:
        sol = optimal_low_rank(P, min(shape) - 1)
        assert sol.k == min(shape) - 1 and np.isclose(sol.energy, 1.0)


def _price(call):
    """The steps a call is priced at against max_work, read from its refusal under a limit of 1 step."""
    from nnpartition import limits

    with limits.override(max_work=1), pytest.raises(ValueError, match="max_work") as info:
        call()
    return float(re.search(r"takes about ([0-9.e+]+) steps", str(info.value)).group(1))


def test_locality_sweep_prices_the_cpu_time_it_takes():
    # An audit in session 63 (the fuzz's rhos=np.zeros(10**6)): each run's numpy calls were not priced, 10^6 runs of
    # 20 steps on a 4 x 3 joint were priced at 4.6e9 steps (about 5 s at max_work's nanosecond a step) and ran for
    # about half an hour. Measured: the price of 40 runs against their CPU time (1e9 steps a second), within a
    # factor of 4 below (the old price was 400 times below) and 50 above (ordinary sweeps stay accepted).
    import time

    def call():
        return locality_sweep(np.full(40, 0.3), n_x=4, n_y=3, k=2, samples=100, steps=20)

    price = _price(call)
    t0 = time.process_time()
    call()
    measured = (time.process_time() - t0) * 1e9
    assert measured / 4 <= price <= 50 * measured, (price, measured)
    # the fuzz's million values of rho: refused under a limit of a second's steps, before any training
    from nnpartition import limits

    with limits.override(max_work=10**9), pytest.raises(ValueError, match="1000000 values of rho.*max_work"):
        locality_sweep(np.zeros(10**6), n_x=4, n_y=3, k=2, samples=100, steps=20)


def test_locality_sweep_refuses_too_few_samples_for_k():
    # An audit in session 63: samples=1 gives an empirical joint of one cell, B = 0, no angles to compare and a NaN
    # spectral gap. s samples fill at most s cells, so B has rank at most s - 1: s <= k is refused, naming samples.
    for s in (1, 2):
        with pytest.raises(ValueError, match=rf"samples = {s} is too few for k = 2.*samples >= k \+ 1 = 3"):
            locality_sweep([0.3, 0.6], n_x=4, n_y=3, k=2, samples=s, steps=20)
    with pytest.raises(ValueError, match="samples = 1 is too few for k = 1"):
        locality_sweep([0.3], n_x=4, n_y=3, k=1, samples=1, steps=20)
    # the valid edges: k + 1 samples and the exact joint (samples=0) run
    assert locality_sweep([0.3], n_x=4, n_y=3, k=2, samples=3, steps=20).samples == 3
    sw = locality_sweep([0.3], n_x=4, n_y=3, k=2, samples=0, steps=20)
    assert sw.comparisons[0].k_ref == 2 and np.isfinite(sw.spectral_gap).all()


def test_tol_is_a_tolerance_below_one():
    # An audit in session 63: tol=1e308 overflowed tol * s[0] in principal_angles (a RuntimeWarning) and left
    # compare_layer no reference direction (a NaN spectral gap). B's singular values are at most 1 and
    # principal_angles' tol is relative to the largest, so tol >= 1 drops every direction: refused.
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(6, 2)), rng.normal(size=(6, 3))
    P = local_family(6, 4, 0.5)
    F, W, b = rng.normal(size=(6, 2)), rng.normal(size=(2, 4)), rng.normal(size=4)
    for tol in (1e308, np.float32(1e38), 1.0):
        with pytest.raises(ValueError, match=r"tol must be in \[0, 1\)"):
            principal_angles(A, B, tol=tol)
        with pytest.raises(ValueError, match=r"tol must be in \[0, 1\)"):
            compare_layer(P, F, W, b, tol=tol)
    # the valid edges: 0 keeps every direction, a tol just below 1 keeps the largest (one angle: a 1-D span of A)
    assert len(principal_angles(A, B, tol=0.0)) == 2
    assert len(principal_angles(A, B, tol=np.nextafter(1.0, 0.0))) == 1
    c = compare_layer(P, F, W, b, tol=0.0)
    assert c.k_ref == 2 and np.isfinite(c.spectral_gap)


def test_joint_from_conditional_refuses_complex_input_naming_it():
    # An audit in session 63: a complex conditional was cast to float with numpy's ComplexWarning (its imaginary part
    # dropped), where every other function refuses complex input with a TypeError naming the argument.
    C = np.array([[0.5, 0.5], [0.9, 0.1]])
    with pytest.raises(TypeError, match="P_y_given_x must be real-valued"):
        joint_from_conditional(C.astype(complex), [0.5, 0.5])
    with pytest.raises(TypeError, match="P_y_given_x must be a numeric array"):
        joint_from_conditional(C.astype(str), [0.5, 0.5])
    # integers (a real dtype) still work: a deterministic conditional
    assert joint_from_conditional(np.eye(2, dtype=np.int64), [0.25, 0.75]).tolist() == [[0.25, 0.0], [0.0, 0.75]]


def test_locality_sweep_and_train_softmax_layer_bars_count_every_step(monkeypatch, capsys):
    """The sixty-seventh pass on issue 11: locality_sweep (and lowrank-demo) trained in silence, with no progress=.
    One bar counts the steps of all the runs, a hundred at a time and the last few; a layer trained alone counts its
    own. Truth: the counts from the arguments; the layers are the same with the bar as without; no bar off a
    terminal."""
    from nnpartition import _progress
    from nnpartition.lowrank import layer

    monkeypatch.setattr(_progress, "DELAY", 0.0)
    quiet = layer.locality_sweep([0.5, 0.1, 0.02], n_x=5, n_y=4, k=1, samples=0, steps=250)
    assert capsys.readouterr().err == ""   # progress=None, stderr no terminal
    bars = recorded_bars(monkeypatch, layer)
    sw = layer.locality_sweep([0.5, 0.1, 0.02], n_x=5, n_y=4, k=1, samples=0, steps=250, progress=True)
    (bar, seen, opts), = bars
    per_run = [100, 200, 250]
    assert bar.total == 750 and seen == per_run + [250 + s for s in per_run] + [500 + s for s in per_run], seen
    assert opts["unit"] == "step" and "locality sweep 5 x 4 k=1" in opts["desc"] and bar.disable   # closed
    assert np.array_equal(sw.max_angle_features, quiet.max_angle_features)
    bars.clear()
    P = layer.local_family(5, 4, 0.3)
    alone = layer.train_softmax_layer(P, 1, steps=130, progress=True)
    (bar, seen, opts), = bars
    assert bar.total == 130 and seen == [100, 130] and "softmax layer 5 x 4 k=1" in opts["desc"], seen
    assert np.array_equal(alone.features, layer.train_softmax_layer(P, 1, steps=130, progress=False).features)
    for call in (lambda: layer.train_softmax_layer(P, 1, progress="yes"),
                 lambda: layer.locality_sweep([0.5], progress=1)):
        with pytest.raises(TypeError, match="progress must be None, True or False"):
            call()


def test_lowrank_demo_json_records_its_steps_and_seed(capsys):
    """The JSON records every setting of its run, ``--steps`` and ``--seed`` among them (they were left out: a
    reader could not rerun it). (Mutation testing, the sixty-seventh pass on issue 11.)"""
    assert main(["lowrank-demo", "--nx", "3", "--ny", "2", "-k", "1", "--rho", "0.4", "--samples", "50",
                 "--steps", "30", "--seed", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("n_x", "n_y", "k", "samples", "steps", "seed", "rho")} == \
        {"n_x": 3, "n_y": 2, "k": 1, "samples": 50, "steps": 30, "seed": 7, "rho": [0.4]}


def test_init_scale_is_refused_above_the_largest_whose_logits_stay_finite():
    """init_scale had no upper bound: 1e308 overflowed in the initial weights (a numpy RuntimeWarning) and the run
    went on with infinite features; found by the fuzz's parameter coverage (the sixty-eighth pass on issue 11). Above
    MAX_INIT_SCALE (1e100) it is refused by name; at it, the run is finite."""
    from nnpartition.lowrank.layer import MAX_INIT_SCALE

    P = local_family(6, 4, 0.5)
    for bad in (1e308, 1e101):
        with pytest.raises(ValueError, match=r"^init_scale must be <= 1e\+100"):
            train_softmax_layer(P, 2, steps=5, init_scale=bad)
    layer = train_softmax_layer(P, 3, steps=5, init_scale=MAX_INIT_SCALE)
    assert np.all(np.isfinite(layer.features)) and np.all(np.isfinite(layer.weights))
