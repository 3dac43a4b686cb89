"""Constructive 1-D solutions, knots, linear pieces and region maps against independent truths."""

import numpy as np
import pytest

from nnpartition.construct import (
    approximate_1d,
    explain_1d,
    interpolant_1d,
    knots,
    linear_pieces,
    region_map,
)
from nnpartition.network import TwoLayerNet


def random_net(d, L, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return TwoLayerNet(W1=rng.normal(size=(d, L)), b1=rng.normal(size=L) * scale,
                       w2=rng.normal(size=L), b2=float(rng.normal()))


def test_interpolant_is_exact_at_the_knots():
    rng = np.random.default_rng(0)
    for n in (2, 3, 17, 200):
        # Jittered grid on [-5, 5] (gaps 0.5..1.5 of the mean spacing) and smooth data plus noise.
        x = -5 + 10 * np.cumsum(rng.uniform(0.5, 1.5, n)) / (n + 1)
        y = np.sin(x) + 0.1 * rng.normal(size=n)
        net = interpolant_1d(x, y)
        assert net.W1.shape == (1, n - 1)
        assert np.max(np.abs(net.decision_function(x[:, None]) - y)) < 1e-12
        # Linear between knots: the midpoints are the averages.
        mid = 0.5 * (x[1:] + x[:-1])
        assert np.allclose(net.decision_function(mid[:, None]), 0.5 * (y[1:] + y[:-1]), atol=1e-12)


def test_error_bound_and_the_theory_table():
    g = lambda x: np.sin(3 * x) + 0.3 * x**2  # noqa: E731, max|g''| = 9.6 on [-2, 2]
    table = {4: (1.00, 1.20), 8: (0.250, 0.300), 16: (0.0733, 0.0750), 32: (0.0187, 0.0187), 64: (0.00468, 0.00469)}
    for n, (err, bound) in table.items():
        r = approximate_1d(g, -2, 2, n)
        assert r.sup_error <= r.bound
        assert abs(r.f2_max - 9.6) < 1e-3
        assert float(f"{r.sup_error:.3g}") == err or abs(r.sup_error - err) <= 0.005 * err
        assert abs(r.bound - bound) <= 0.005 * bound
        assert np.max(np.abs(r.net.decision_function(r.knots[:, None]) - r.values)) < 1e-12


def test_linear_pieces_match_dense_evaluation():
    for seed in range(5):
        net = random_net(1, 25, seed)
        for interval in [(-3.0, 3.0), None]:
            p = linear_pieces(net, interval)
            assert p.n_pieces <= 26 and p.sign_changes <= 26
            x = np.linspace(-6, 6, 200_001) if interval is None else np.linspace(*interval, 200_001)
            f = net.decision_function(x[:, None])
            assert np.max(np.abs(p(x) - f)) < 1e-9
            if interval is not None:
                s = np.sign(f)
                s = s[s != 0]
                assert p.sign_changes == np.count_nonzero(s[1:] != s[:-1])
            # Slopes differ across every breakpoint (no redundant pieces).
            assert np.all(np.abs(np.diff(p.slopes)) > 1e-12)


def test_knot_status_and_merging():
    net = TwoLayerNet(W1=np.array([[1.0, 2.0, -1.0, 1.0, 0.0, 1.0]]), b1=np.array([-0.5, -1.0, 3.0, 0.2, 1.0, 0.7]),
                      w2=np.array([1.0, 2.0, 1.0, 0.0, 5.0, 1.5]), b2=0.0)
    k = knots(net, (-1, 1))
    assert k.status.tolist() == ["live", "live", "outside", "zero-weight", "flat", "live"]
    # Units 0 and 1 share the knot 0.5 (jumps 1 and 4 merge into 5).
    assert k.merged_position.tolist() == [-0.7, 0.5] and k.merged_jump.tolist() == [1.5, 5.0]
    assert k.n_pieces == 3 and k.group.tolist() == [1, 1, -1, -1, -1, 0]
    # Cancelling jumps do not bend the function.
    canc = TwoLayerNet(W1=np.array([[1.0, 1.0]]), b1=np.array([0.0, 0.0]), w2=np.array([1.0, -1.0]), b2=0.0)
    assert knots(canc).n_pieces == 1 and linear_pieces(canc).n_pieces == 1


def test_knots_of_sklearn_models_against_direct_evaluation():
    sk = pytest.importorskip("sklearn.neural_network")
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, (200, 1))
    model = sk.MLPClassifier(hidden_layer_sizes=(12,), max_iter=300, random_state=0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, (np.sin(3 * X[:, 0]) > 0).astype(int))
    net = TwoLayerNet.from_sklearn(model)
    k = knots(net, (-2, 2))

    def f(t):  # sklearn's own output, as a logit
        p = model.predict_proba(np.asarray(t, dtype=float).reshape(-1, 1))[:, 1]
        return np.log(p) - np.log1p(-p)

    pos = k.merged_position
    assert pos.size >= 1
    gaps = np.diff(np.concatenate([[-2.0], pos, [2.0]]))
    for t, jump, gl, gr in zip(pos, k.merged_jump, gaps[:-1], gaps[1:]):
        dl, dr = 0.4 * gl, 0.4 * gr
        left = (f(t - dl / 2) - f(t - dl)) / (dl / 2)
        right = (f(t + dr) - f(t + dr / 2)) / (dr / 2)
        assert abs((right - left)[0] - jump) < 1e-6 * max(1.0, abs(jump))
    # sklearn's output is linear between the knots (no hidden kinks).
    edges = np.concatenate([[-2.0], pos, [2.0]])
    for a, b in zip(edges[:-1], edges[1:]):
        assert np.max(np.abs(np.diff(f(np.linspace(a, b, 7)[1:-1]), 2))) < 1e-8


def test_explain_1d_reads_a_network_as_its_own_spline():
    net = random_net(1, 30, 3)
    X = np.linspace(-1.5, 1.5, 300)[:, None]
    y = (np.sin(4 * X[:, 0]) > 0).astype(int)
    e = explain_1d(net, X, y)
    assert e.sup_distance < 1e-9
    assert e.max_sign_changes == 31 and e.sign_changes <= 31
    assert e.n_pieces == len(e.nodes) - 1 and len(e.live_units) >= e.n_pieces - 1
    assert e.label_changes == 3
    assert e.accuracy == np.mean((net.decision_function(X) > 0) == (y == 1))
    assert "sign changes" in e.summary()


def test_region_map_reproduces_the_network_in_higher_dimension():
    net = random_net(3, 15, 4, scale=0.5)
    X = np.random.default_rng(5).uniform(-1, 1, (20_000, 3))
    rm = region_map(net, X)
    assert np.max(np.abs(rm.evaluate(X) - net.decision_function(X))) < 1e-12
    pre = X @ net.W1 + net.b1
    assert np.array_equal(rm.patterns[rm.ids], pre > 0)
    assert rm.counts.sum() == 20_000 and rm.n_regions <= rm.bound == 1 + 15 + 105 + 455
    assert len(np.unique(rm.ids)) == rm.n_regions and rm.ids[0] == 0


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="sorted"):
        interpolant_1d([0.0, 2.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="duplicates"):
        interpolant_1d([0.0, 1.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2"):
        interpolant_1d([0.0], [1.0])
    with pytest.raises(ValueError, match="length"):
        interpolant_1d([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="1-D input"):
        knots(random_net(2, 3, 0))
    with pytest.raises(ValueError, match="lo < hi"):
        linear_pieces(random_net(1, 3, 0), (1.0, 0.0))
    with pytest.raises(ValueError, match="a < b"):
        approximate_1d(np.sin, 1.0, 1.0, 4)
    with pytest.raises(ValueError, match="columns"):
        region_map(random_net(3, 4, 0), np.zeros((5, 2)))
    with pytest.raises(TypeError):
        knots(object())
    tanh = random_net(1, 3, 0)
    tanh.activation = "tanh"
    with pytest.raises(ValueError, match="ReLU"):
        knots(tanh)


def test_explain_1d_command(tmp_path, capsys):
    import json

    from nnpartition.cli import main

    assert main(["explain-1d", "-L", "6", "-N", "80", "--steps", "300", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sup_distance"] < 1e-9 and out["sign_changes"] <= out["max_sign_changes"] == 7
    pytest.importorskip("matplotlib")
    png = tmp_path / "e.png"
    assert main(["explain-1d", "-L", "6", "-N", "80", "--steps", "300", "--plot", str(png)]) == 0
    assert png.stat().st_size > 0
