"""Constructive 1-D solutions, knots, linear pieces and region maps against independent truths."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnpartition.construct import (
    approximate_1d,
    explain_1d,
    interpolant_1d,
    knots,
    linear_pieces,
    region_map,
)
from nnpartition.network import DeepNet, TwoLayerNet


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
    # the bound is the closed form max|g''| h^2 / 8 (h = 4 / n); the error is measured independently below
    xs = np.linspace(-2, 2, 2_000_001)
    for n in (4, 8, 16, 32, 64):
        bound = 9.6 * (4 / n) ** 2 / 8
        r = approximate_1d(g, -2, 2, n)
        assert r.sup_error <= r.bound
        assert abs(r.f2_max - 9.6) < 1e-3
        # numpy's own piecewise-linear interpolant through the knots, on a grid of 2e6 points
        fine = np.max(np.abs(np.interp(xs, r.knots, g(r.knots)) - g(xs)))
        assert r.sup_error == pytest.approx(fine, rel=1e-5)   # both are maxima over a grid
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


def _dense_zero_crossings(f, lo, hi, n=2_000_001):
    x = np.linspace(lo, hi, n)
    v = f(x)
    s = np.sign(v)
    nz = np.flatnonzero(s != 0)
    flips = nz[1:][s[nz[1:]] != s[nz[:-1]]]
    return x[flips], (hi - lo) / (n - 1)


def test_explain_1d_findings_against_dense_evaluation():
    net = random_net(1, 30, 3)
    X = np.linspace(-1.5, 1.5, 300)[:, None]
    y = (np.sin(4 * X[:, 0]) > 0).astype(int)
    e = explain_1d(net, X, y)
    f = lambda t: net.decision_function(t[:, None])  # noqa: E731
    zeros, h = _dense_zero_crossings(f, -1.5, 1.5)
    assert e.zero_crossings.shape == zeros.shape and e.sign_changes == zeros.size
    assert np.max(np.abs(e.zero_crossings - zeros)) <= 2 * h
    # knot-to-zero distances by brute force over the dense crossings
    kp = e.knots.merged_position
    ref = np.min(np.abs(kp[:, None] - zeros[None, :]), axis=1) / 3.0
    assert np.max(np.abs(e.knot_to_zero - ref)) <= 2 * h
    # label change points of sin(4x) > 0 sit next to its zeros -pi/4, 0, pi/4
    assert e.label_changes == 3
    assert np.max(np.abs(e.change_points - np.array([-np.pi / 4, 0.0, np.pi / 4]))) < 3 / 299
    manual = np.mean([(sum(c * max(w * t + b, 0.0) for w, b, c in zip(net.W1[0], net.b1, net.w2)) + net.b2 > 0)
                      == (lab == 1) for t, lab in zip(X[:, 0], y)])
    assert e.accuracy == pytest.approx(manual, abs=0)
    # code check, not a finding: the network is the spline on its own knots
    assert e.sup_distance < 1e-9 and "code check" in e.summary()


@pytest.mark.parametrize("kp", [[0.5, 2.0, 3.0], [1.2, 4.1], [0.5, 1.2, 3.0, 4.1], [-0.7, 3.9]])
def test_knot_gap_fraction_by_brute_force(kp):
    """Fraction of live knots lying in a gap between consecutive data points wider than the median gap."""
    import statistics

    x = [4.2, 0.0, 1.5, 1.0, 4.0, -1.0]          # sorted: -1, 0, 1, 1.5, 4, 4.2; gaps 1, 1, 0.5, 2.5, 0.2
    L = len(kp)
    net = TwoLayerNet(W1=np.ones((1, L)), b1=-np.array(kp), w2=np.array([1.0, -2.0, 3.0, -4.0][:L]), b2=0.1)
    e = explain_1d(net, np.array(x)[:, None])
    assert sorted(e.knots.merged_position.tolist()) == pytest.approx(sorted(kp))
    xs = sorted(x)
    gaps = [b - a for a, b in zip(xs, xs[1:])]
    med = statistics.median(gaps)
    wide = [next(b - a for a, b in zip(xs, xs[1:]) if a < k < b) > med for k in kp]
    assert e.knot_gap_fraction == pytest.approx(sum(wide) / L, abs=1e-15)


def test_lipschitz_bound_holds_and_is_tight_for_a_kink():
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = rng.uniform(-1, 1, 5)
        wts = rng.normal(size=5)
        g = lambda x: np.abs(np.subtract.outer(x, a)) @ wts  # noqa: E731, Lipschitz sum|w|
        lip = float(np.abs(wts).sum())
        for n in (3, 7, 20):
            r = approximate_1d(g, -1, 1, n, lipschitz=lip)
            assert r.sup_error <= r.lipschitz_bound * (1 + 1e-12)
    # |x| on [-1, 1] with 3 units: the error at 0 is exactly L h / 2 = 1/3
    r = approximate_1d(np.abs, -1, 1, 3)
    assert r.sup_error == pytest.approx(1 / 3, rel=1e-9) and r.lipschitz == pytest.approx(1.0, rel=1e-9)
    assert r.lipschitz_bound == pytest.approx(1 / 3, rel=1e-9)


def _ramp_pairs_by_loops(w, b, c, rtol):
    """The greedy matching of ramp_pairs written as plain loops over every pair (its first implementation)."""
    pos = -b / w
    jump = c * np.abs(w)
    live = [i for i in range(len(w)) if c[i] != 0]
    pairs = []
    for i in live:
        for j in live:
            if i < j and np.sign(w[i]) == np.sign(w[j]) and pos[i] != pos[j]:
                scale = max(abs(jump[i]), abs(jump[j]))
                mismatch = abs(jump[i] + jump[j])
                if scale > 0 and jump[i] * jump[j] < 0 and mismatch <= rtol * scale:
                    pairs.append((mismatch / scale, i, j))
    used, out = set(), []
    for _, i, j in sorted(pairs):
        if i not in used and j not in used:
            used.update((i, j))
            out.append(tuple(sorted((i, j), key=lambda u: pos[u])))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_ramp_pairs_match_the_greedy_matching_by_plain_loops(seed):
    # Many ties (equal jumps of both signs), shared knots and zero weights: the vectorised search must pick the
    # very pairs, in the very order, of the loops it replaced.
    from nnpartition.construct import ramp_pairs

    rng = np.random.default_rng(seed)
    L = int(rng.integers(2, 300))
    w = rng.choice([-1.0, 1.0, 0.5, 2.0], L)
    b = rng.choice([-0.5, 0.0, 0.25, 1.0], L) * w
    c = rng.choice([-1.0, 1.0, -0.5, 0.5, 0.0], L) / np.abs(w) * rng.choice([1.0, 1.0 + 1e-7, 1.01], L)
    rtol = [1e-6, 0.02, 0.0][seed % 3]
    net = TwoLayerNet(W1=w[None, :], b1=b, w2=c, b2=0.0)
    assert [r.units for r in ramp_pairs(net, rtol=rtol)] == _ramp_pairs_by_loops(w, b, c, rtol)


def test_ramp_pairs_refuse_more_candidate_pairs_than_max_bytes_hold():
    # An audit's call: 20,000 units with alternating output weights, 10^8 qualifying pairs, a MemoryError after
    # 233 s. Refused as the pairs are found, naming the limit.
    from nnpartition import limits
    from nnpartition.construct import ramp_pairs

    L = 4000
    net = TwoLayerNet(W1=np.ones((1, L)), b1=-np.linspace(-0.9, 0.9, L), w2=np.tile([1.0, -1.0], L // 2), b2=0.0)
    with limits.override(max_bytes=10**6), pytest.raises(ValueError, match="candidate pairs.*max_bytes"):
        ramp_pairs(net)
    with limits.override(max_work=10**7), pytest.raises(ValueError, match="ramp_pairs.*max_work"):
        ramp_pairs(net)
    assert len(ramp_pairs(net)) == L // 2


def test_ramp_pairs_finds_planted_pairs_only():
    from nnpartition.construct import ramp_pairs

    rng = np.random.default_rng(11)
    for _ in range(10):
        k = int(rng.integers(1, 5))
        W, B, C, planted = [], [], [], set()
        for _ in range(k):
            p, q = np.sort(rng.uniform(-2, 2, 2))
            w = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2)
            w2 = np.sign(w) * rng.uniform(0.5, 2)   # same side, different scale
            c = rng.normal()
            W += [w, w2]
            B += [-w * p, -w2 * q]
            C += [c, -c * abs(w) / abs(w2)]
            planted.add((len(W) - 2, len(W) - 1))
        for _ in range(3):   # distractors with unrelated jumps
            W.append(rng.normal())
            B.append(rng.normal())
            C.append(rng.uniform(5, 6))
        net = TwoLayerNet(W1=np.array([W]), b1=np.array(B), w2=np.array(C), b2=0.0)
        found = ramp_pairs(net)
        assert {tuple(sorted(r.units)) for r in found} == planted
        for r in found:
            i, j = r.units
            g = lambda t: sum(net.w2[u] * np.maximum(net.W1[0, u] * t + net.b1[u], 0) for u in (i, j))  # noqa: E731
            out = np.array([r.p - 3, r.p - 1, r.q + 1, r.q + 3])
            vals = g(out)
            # constant outside [p, q]: equal values on each side, differing by the height
            assert abs(vals[0] - vals[1]) < 1e-9 and abs(vals[2] - vals[3]) < 1e-9
            assert vals[2] - vals[0] == pytest.approx(r.height, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-100, 100, allow_nan=False), st.booleans()), min_size=1, max_size=40))
def test_classifier_1d_has_one_unit_per_label_change_and_fits(pts):
    from nnpartition.construct import classifier_1d

    xs = {}
    for x, lab in pts:
        xs.setdefault(round(x, 6), lab)   # one label per value
    x = np.array(sorted(xs))
    y = np.array([int(xs[t]) for t in x])
    perm = np.random.default_rng(0).permutation(x.size)
    net = classifier_1d(x[perm], y[perm])
    changes = int(np.count_nonzero(y[1:] != y[:-1]))
    assert net.W1.shape[1] == max(changes, 1)
    out = net.decision_function(x[:, None])
    assert np.array_equal(out > 0, y == 1) and np.all(out != 0)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(-6, 4), st.booleans()), min_size=2, max_size=120))
def test_classifier_1d_fits_every_point_whatever_the_gaps(steps):
    # gaps over ten orders of magnitude, labels at random: every point classified (until the twenty-first pass,
    # magnitudes compounded the gaps' ratios and points were lost; a first fix refused half of these draws)
    from nnpartition.construct import classifier_1d

    x = np.cumsum([10.0 ** e for e, _ in steps])
    y = np.array([int(lab) for _, lab in steps])
    net = classifier_1d(x, y)
    out = net.decision_function(x[:, None])
    assert np.array_equal(out > 0, y == 1) and np.all(out != 0)
    assert net.W1.shape[1] == max(int(np.count_nonzero(y[1:] != y[:-1])), 1)


def test_classifier_1d_on_alternating_tiny_and_huge_gaps():
    # a single point, a gap of 1e-3, a run of two points, a gap of 1000, ...: the magnitudes of run-centred nodes
    # grew by 1000 per period and the network classified 47% of 60 points; it must classify all, both ways round
    from nnpartition.construct import classifier_1d

    x = np.concatenate([[k * 1001.001, k * 1001.001 + 1e-3, k * 1001.001 + 1.001] for k in range(60)])
    y = np.tile([0, 1, 1], 60)
    for xx in (x, -x):
        net = classifier_1d(xx, y)
        assert np.array_equal(net.predict(xx[:, None]), y) and net.W1.shape[1] == 119
    with pytest.raises(ValueError, match="overflows float64"):
        classifier_1d([-1e308, 0.0, 1e308], [0, 1, 0])


def test_classifier_1d_refuses_conflicting_duplicates():
    from nnpartition.construct import classifier_1d

    with pytest.raises(ValueError, match="both labels"):
        classifier_1d([0.0, 1.0, 1.0], [0, 0, 1])


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
    with pytest.raises(ValueError, match="y must have length 2, got 1"):
        interpolant_1d([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="1-D input"):
        knots(random_net(2, 3, 0))
    with pytest.raises(ValueError, match="lo < hi"):
        linear_pieces(random_net(1, 3, 0), (1.0, 0.0))
    with pytest.raises(ValueError, match="a < b"):
        approximate_1d(np.sin, 1.0, 1.0, 4)
    with pytest.raises(ValueError, match=r"X must have 3 columns, got shape \(5, 2\)"):
        region_map(random_net(3, 4, 0), np.zeros((5, 2)))
    # (no match= before: any TypeError passed, one naming neither net nor what it must be)
    with pytest.raises(TypeError, match="net must be a TwoLayerNet .*got object"):
        knots(object())
    tanh = random_net(1, 3, 0)
    tanh.activation = "tanh"
    with pytest.raises(ValueError, match="ReLU"):
        knots(tanh)
    # a leaky_relu network (teacher_network's) is piecewise linear: the refusal said it had no "exact
    # piecewise-linear reading"; it names the activation taken instead (fails on the old message)
    leaky = random_net(1, 3, 0)
    leaky.activation = "leaky_relu"
    from nnpartition.construct import ramp_pairs

    for fn in (knots, linear_pieces, ramp_pairs):
        with pytest.raises(ValueError, match=r"activation 'relu'\): .* got activation 'leaky_relu'") as info:
            fn(leaky)
        assert "piecewise-linear" not in str(info.value)


def test_explain_1d_without_live_knots_prints_no_nan(capsys):
    import json

    from nnpartition.cli import main

    # -N 2 -L 1: the one unit's knot lies outside the two points; the fractions of knots are of no knots
    assert main(["explain-1d", "-N", "2", "-L", "1"]) == 0
    out = capsys.readouterr().out
    assert "0 bend the function inside the data" in out
    assert "nan" not in out
    assert "no live knot inside the data, so no fractions of knots to report" in out
    assert out.rstrip().endswith("live knots: none")
    assert main(["explain-1d", "-N", "2", "-L", "1", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["live_knots"] == [] and got["knot_gap_fraction"] is None   # NaN: not available
    # with live knots the fractions are printed as before
    assert main(["explain-1d", "-N", "20", "-L", "3", "--steps", "200"]) == 0
    assert "knots in wider-than-median data gaps: " in capsys.readouterr().out


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


def test_explain_1d_shows_the_progress_of_its_training_and_trains_the_same_network(capsys, monkeypatch):
    """explain-1d --steps 20000 -N 3000 -L 64 trained 7 s in silence: it had no bar and no --no-progress. Its training
    now shows plot-partition's bar on stderr (over the steps of all the restarts, which the core counts as they train),
    none with --no-progress or --json; the network is the one ``train`` gives without any hook (the JSON of the
    command equals train + explain_1d run here directly), and the text is the same with and without the bar."""
    import json

    import nnpartition._progress as progress
    from nnpartition._cli.construct import explain_1d_data
    from nnpartition.cli import main
    from nnpartition.training import train

    monkeypatch.setattr(progress, "_visible", lambda stream: True)   # stderr as a terminal
    monkeypatch.setattr(progress, "DELAY", 0.0)
    for restarts, bar in ((1, "training d=1 N=60 widths=[5]: "), (2, "training d=1 N=60 widths=[5] x 2 restarts: ")):
        argv = ["explain-1d", "-L", "5", "-N", "60", "--steps", "250", "--seed", "3", "--restarts", str(restarts)]
        assert main(argv) == 0
        shown = capsys.readouterr()
        assert bar in shown.err and f"/{250 * restarts} " in shown.err, shown.err   # a count of all the steps
        assert main([*argv, "--no-progress"]) == 0
        quiet = capsys.readouterr()
        assert quiet.out == shown.out and "training" not in quiet.err, quiet.err
        assert main([*argv, "--json"]) == 0
        got = capsys.readouterr()
        assert "training" not in got.err, got.err
        X, y = explain_1d_data(60, 3)
        e = explain_1d(train(X, y, 5, steps=250, restarts=restarts, seed=3).network, X, y)
        out = json.loads(got.out)
        assert (out["train_accuracy"], out["live_knots"], out["zero_crossings"]) == (
            e.accuracy, e.knots.merged_position.tolist(), e.zero_crossings.tolist())


def test_overflowing_networks_and_splines_raise_clear_errors():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = TwoLayerNet(W1=np.array([[1e300, -1e300, 2.0]]), b1=np.array([1e300, 5e299, 1.0]),
                          w2=np.array([1e300, 1.0, 1.0]), b2=0.0)
        with pytest.raises(ValueError, match="too large to read exactly"):
            linear_pieces(big, (-3, 3))
        with pytest.raises(ValueError, match="rescale y or x") as exc:
            interpolant_1d([0.0, 1.0, 2.0], [0.0, 1.7e308, -1.7e308])
        assert "w2" not in str(exc.value)
        with pytest.raises(ValueError, match="y contains NaN"):
            interpolant_1d([0.0, 1.0, 2.0], [0.0, np.nan, 1.0])


def test_a_slope_beyond_float64_is_refused_not_returned_as_infinity():
    """Two units, each product ``w2_i W1[0, i] = 1e308`` finite, both on for ``x > 0``: the region's slope is 2e308
    exactly (Python's integers), beyond float64. Before the fifty-eighth pass ``region_map`` returned it as
    ``inf``, ``linear_pieces`` as an infinite slope (with RuntimeWarnings) and ``knots`` an infinite merged jump.
    One unit alone (slope 1e308) is read."""
    import warnings

    exact = 2 * int(1e308)
    assert exact > int(np.finfo(np.float64).max)
    two = TwoLayerNet(W1=np.array([[1.0, 1.0]]), b1=np.zeros(2), w2=np.array([1e308, 1e308]), b2=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (lambda: region_map(two, np.array([[1.0]])), lambda: linear_pieces(two),
                     lambda: knots(two), lambda: explain_1d(two, np.array([-1.0, 1.0]), np.array([0, 1]))):
            with pytest.raises(ValueError, match="too large to read exactly"):
                call()
        one = TwoLayerNet(W1=np.array([[1.0, 1.0]]), b1=np.zeros(2), w2=np.array([1e308, 0.0]), b2=0.0)
        assert region_map(one, np.array([[1.0]])).slopes.tolist() == [[1e308]]
        assert linear_pieces(one).slopes.tolist() == [0.0, 1e308]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 8), st.integers(1, 100), st.integers(0, 2**32 - 1), st.data())
def test_region_maps_scale_by_powers_of_two_or_are_refused(d, L, N, seed, data):
    """Points scaled by ``2^kx``, ``W1`` by ``2^kw``, ``b1`` by ``2^(kx + kw)``, ``w2`` by ``2^k2`` and ``b2`` by
    ``2^(kx + kw + k2)``: every sign is the base network's while nothing overflows (powers of two scale floats
    exactly), so the ids and patterns must be equal and the slopes and offsets the base ones times ``2^(kw + k2)``
    and ``2^(kx + kw + k2)``, exactly; near and past float64's range the call must instead be refused with a
    ValueError, and only where a pre-activation, slope or offset can come within a factor 4 of the range. A kept
    result never holds an infinite slope or offset."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N, d))
    net = TwoLayerNet(W1=rng.normal(size=(d, L)), b1=rng.normal(size=L) / 256, w2=rng.normal(size=L),
                      b2=float(rng.normal()) / 256)
    base = region_map(net, X)
    top = 1023  # float64's largest value is just under 2^1024
    pre = np.abs(X) @ np.abs(net.W1) + np.abs(net.b1)
    slope = np.abs(net.W1) @ np.abs(net.w2)
    offset = np.abs(net.b1) @ np.abs(net.w2) + abs(net.b2)
    # the slopes' scale kw + k2, often within a few powers of two of where the largest can overflow (the window where
    # each product w2_i W1[k, i] is finite but their sum is not), then the points' and W1's
    edge = int(np.floor(top + 1 - np.log2(slope.max())))
    e = max(0, edge + data.draw(st.integers(-600, 3) | st.integers(-3, 3), label="kw + k2 - edge"))
    kx = data.draw(st.integers(0, top - 4) | st.integers(0, 8), label="kx")
    kw = data.draw(st.integers(0, e), label="kw")
    k2, s1, s2 = e - kw, kx + kw, kx + e
    with np.errstate(over="ignore"):
        parts = [np.ldexp(X, kx), np.ldexp(net.W1, kw), np.ldexp(net.b1, s1), np.ldexp(net.w2, k2),
                 np.ldexp(net.b2, s2)]
    if not all(np.isfinite(p).all() for p in parts):
        return  # a weight or point beyond float64: refused as input (other tests)
    room = (np.log2(pre.max()) + s1 < top - 1 and np.log2(slope.max()) + e < top - 1
            and np.log2(offset) + s2 < top - 1)
    big = TwoLayerNet(W1=parts[1], b1=parts[2], w2=parts[3], b2=float(parts[4]))
    try:
        got = region_map(big, parts[0])
    except ValueError as err:
        assert "overflow" in str(err), err
        assert not room, f"refused, though every value stays under a quarter of the largest float: {err}"
        return
    assert np.isfinite(got.slopes).all() and np.isfinite(got.offsets).all()
    assert np.array_equal(got.ids, base.ids) and np.array_equal(got.patterns, base.patterns)
    assert np.array_equal(got.slopes, np.ldexp(base.slopes, kw + k2))
    assert np.array_equal(got.offsets, np.ldexp(base.offsets, s2))


# --- limits and extreme magnitudes (issue 12) --------------------------------------------


def test_approximate_1d_refuses_intervals_float64_cannot_grid() -> None:
    with pytest.raises(ValueError, match="b - a overflows"):
        approximate_1d(np.sin, -1e308, 1e308, 8)
    with pytest.raises(ValueError, match="too narrow"):
        approximate_1d(np.sin, 1.0, 1.0 + 1e-13, 8)
    r = approximate_1d(lambda x: x * x, 1e150, 2e150, 4)   # h^2 f'' / 8 without overflow: h = 2.5e149, f'' = 2
    assert r.bound == pytest.approx((2.5e149) ** 2 * 2 / 8, rel=1e-6)


def test_region_map_checks_memory_before_allocating() -> None:
    from nnpartition.construct import region_map
    from nnpartition.limits import override

    rng = np.random.default_rng(0)
    net = TwoLayerNet(W1=rng.normal(size=(2, 50)), b1=rng.normal(size=50), w2=rng.normal(size=50), b2=0.0)
    X = rng.uniform(-1, 1, (20000, 2))
    with override(max_bytes=10**6):
        with pytest.raises(ValueError, match="max_bytes"):
            region_map(net, X)
    assert region_map(net, X).ids.shape == (20000,)


@pytest.mark.parametrize("f", [lambda x: np.zeros(3), lambda x: "a string", lambda x: x[:3], lambda x: x[0]])
def test_approximate_1d_names_f_when_it_returns_no_number_per_point(f):
    """Also when f fails on one point with an error other than TypeError or ValueError: ``x[:3]`` and ``x[0]`` (an
    IndexError on a scalar) escaped as "IndexError: invalid index to scalar variable" (fails on the old code)."""
    from nnpartition.construct import approximate_1d

    with pytest.raises(ValueError, match="f must return one real number per point"):
        approximate_1d(f, 0.0, 1.0, 4)


def test_classifier_1d_checks_its_cost_against_the_limits_before_starting():
    # 20,000 alternating labels: 20,000 units checked on 20,000 points; the check ran whatever the limits said (and
    # returned a network: the refusal itself shows the check comes first)
    from nnpartition import limits
    from nnpartition.construct import classifier_1d

    x = np.arange(20_000.0)
    y = np.arange(20_000) % 2
    with limits.override(max_work=10**9), pytest.raises(ValueError, match=r"X.*max_work"):
        classifier_1d(x, y)


def _stated_price(run):
    """The steps a call is priced at, as its refusal under ``max_work = 1`` states them (three significant digits)."""
    import re

    from nnpartition import limits

    with limits.override(max_work=1), pytest.raises(ValueError, match="max_work") as e:
        run()
    return float(re.search(r"takes about ([0-9.e+]+) steps", str(e.value)).group(1))


def test_classifier_1d_is_priced_by_the_activations_its_check_evaluates(monkeypatch):
    """The price grows as the check's work does: the activations (points x units) the network's evaluation computes,
    counted by wrapping it, stand in the same ratio to the price the refusal states at every size and label pattern;
    and an activation is priced as approximate_1d prices one unit at one grid point, the same evaluation (4 steps
    where approximate_1d's is 10 until the sixty-seventh pass on issue 11, which measured the call at 2-6 ns a step
    of that price where the others run at about 1: fails on the old code). The refusal names max_work and its limit,
    and a limit just above the price runs the call."""
    import re

    from nnpartition import limits
    from nnpartition.construct import classifier_1d

    counted = []
    forward = TwoLayerNet._forward

    def counting(self, Xc):
        counted.append(Xc.shape[0] * self.L)
        return forward(self, Xc)

    monkeypatch.setattr(TwoLayerNet, "_forward", counting)

    def price_per_activation(run):
        price = _stated_price(run)
        counted.clear()
        run()
        return price / sum(counted)

    rng = np.random.default_rng(3)
    cases = [(300, np.arange(300) % 2), (600, np.arange(600) % 2), (600, rng.integers(0, 2, 600)),
             (900, (np.arange(900) // 10) % 2)]
    ratios = []
    for n, labels in cases:
        order = rng.permutation(n)          # X in a random order, labelled along its sorted order
        x, y = order.astype(float), labels[order]
        ratios.append(price_per_activation(lambda: classifier_1d(x, y)))
    approx = price_per_activation(lambda: approximate_1d(np.sin, 0, 1, 50, points_per_unit=100))
    assert np.allclose(ratios, approx, rtol=1e-2), (ratios, approx)

    x, y = np.arange(500.0), np.arange(500) % 2
    price = _stated_price(lambda: classifier_1d(x, y))
    with limits.override(max_work=int(0.99 * price)), pytest.raises(
            ValueError, match=rf"classifier_1d.*above the limit of {re.escape(f'{0.99 * price:.3g}')} \(max_work\)"):
        classifier_1d(x, y)
    with limits.override(max_work=int(1.01 * price)):
        assert classifier_1d(x, y).W1.shape[1] == 499   # one unit a label change, as priced


def test_region_map_is_priced_against_max_work_as_its_pre_activations_grow():
    """region_map was checked against max_bytes only, which lets n d L multiply-adds run for hours where n (L + 8 d)
    bytes fit (10^6 points through 10^4 units in R^10^4): it is now refused above max_work before the work (fails
    on the old code: no refusal). Its price grows with the points and the units as their pre-activations do, each
    with d multiply-adds and a fixed share more: prices read at four shapes fit n L (d + c) with one c, the c of two
    shapes predicting the others; and a limit just above the price runs the call."""
    import re

    from nnpartition import limits
    from nnpartition.construct import region_map

    rng = np.random.default_rng(0)

    def call(n, d, L):
        net = TwoLayerNet(rng.normal(size=(d, L)), rng.normal(size=L), rng.normal(size=L), 0.0)
        X = rng.normal(size=(n, d))
        return lambda: region_map(net, X)

    def price(n, d, L):
        with limits.override(max_work=1), pytest.raises(ValueError, match=r"region_map of .* \(max_work\)") as e:
            call(n, d, L)()
        return float(re.search(r"would take about ([0-9.e+]+) steps", str(e.value)).group(1))

    shapes = [(100, 3, 50), (300, 3, 50), (100, 3, 150), (100, 40, 50)]
    p = {s: price(*s) for s in shapes}
    assert p[300, 3, 50] == pytest.approx(3 * p[100, 3, 50], rel=2e-3)
    assert p[100, 3, 150] == pytest.approx(3 * p[100, 3, 50], rel=2e-3)
    # (d + c) at d = 3 and d = 40, from the prices per pre-activation: c solved from the two, then the slope is 1
    a, b = p[100, 3, 50] / 5000, p[100, 40, 50] / 5000
    assert b - a == pytest.approx(37, rel=1e-2) and a - 3 > 0, (a, b)
    run = call(200, 4, 30)
    stated = price(200, 4, 30)
    with limits.override(max_work=int(1.01 * stated)):
        assert run().ids.shape == (200,)


def test_classifier_1d_check_works_in_small_chunks():
    # the check evaluated 4,096 points at a time: 4,096 x L float64 temporaries (327 MB each at L = 10,000)
    import tracemalloc

    from nnpartition.construct import classifier_1d

    x = np.arange(10_000.0)
    y = np.arange(10_000) % 2
    tracemalloc.start()
    try:
        net = classifier_1d(x, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert net.W1.shape[1] == 9_999   # one unit per label change
    assert peak < 32 * 2**20, peak
    assert np.array_equal(net.decision_function(x[::7, None]) > 0, y[::7] == 1)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40))
def test_nearest_distance_matches_the_full_table(a, b):
    from nnpartition.construct import _nearest

    a, b = np.array(a), np.array(b)
    assert np.array_equal(_nearest(a, b), np.min(np.abs(a[:, None] - b[None, :]), axis=1))


def test_explain_1d_holds_no_table_of_units_by_zeros():
    # A sawtooth of 2,000 units has 2,000 zeros and 2,000 label changes: its tables of units (or zeros) by pieces,
    # grid points and zeros took 306 MiB at its peak until the twenty-sixth pass on issue 11; now blocks of rows
    # bounded by max_bytes and sorted nearest distances.
    import tracemalloc

    from nnpartition import limits

    n = 2000
    net = interpolant_1d(np.linspace(-1, 1, n + 1), np.where(np.arange(n + 1) % 2 == 0, 1.0, -1.0))
    X = np.linspace(-1, 1, 2 * n + 1)[:, None]
    labels = (net.decision_function(X) > 0).astype(int)
    with limits.override(max_bytes=16 << 20):
        tracemalloc.start()
        try:
            e = explain_1d(net, X, labels)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert e.zero_crossings.size == n and e.label_changes == n
    assert peak < 32 << 20, peak / 2**20


def test_approximate_1d_checks_its_grid_against_max_bytes_and_max_work(monkeypatch):
    # An audit after the twenty-eighth pass on issue 11: a grid of 10^8 points took 137 s and 3.9 GB under a 1 GiB
    # max_bytes, and the largest accepted call (10^7 units at 10 points each) about 60 days. Both refused before
    # any work: the knots and the grid (numpy's linspace, the first thing after the checks), f and the interpolant
    # all fail the test if they are reached.
    from nnpartition import limits
    from nnpartition.construct import build

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    with monkeypatch.context() as m:   # (patched where approximate_1d looks them up)
        m.setattr(build.np, "linspace", no_work)
        m.setattr(build, "interpolant_1d", no_work)
        with limits.override(max_bytes=2**30), pytest.raises(ValueError, match="error grid.*max_bytes"):
            approximate_1d(no_work, 0, 1, 100, points_per_unit=10**6)
        with pytest.raises(ValueError, match="approximate_1d.*max_work"):
            approximate_1d(no_work, 0, 1, 10**7, points_per_unit=10)
    # the work is the units times the grid: refused when that passes max_work, whatever the grid's size
    with limits.override(max_work=10**8), pytest.raises(ValueError, match="max_work"):
        approximate_1d(np.sin, 0, 1, 2000, points_per_unit=100)
    with limits.override(max_work=10**8):
        approximate_1d(np.sin, 0, 1, 20, points_per_unit=100)


def test_linear_pieces_and_explain_1d_are_priced_against_max_work_before_the_knots(monkeypatch):
    # An audit: neither was priced, though the pieces are a table of pieces x units (L^2) and explain_1d evaluates
    # every unit on a grid of 4001 points and X (20,000 units took 8 s and 15 s; 10^6 units, hours). Refused now
    # before the knots are read (they fail the test if reached), by the units that bend the function: a wide
    # network with few live units still runs.
    from nnpartition import limits
    from nnpartition.construct import explain, pieces

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    L = 10**6
    huge = TwoLayerNet(W1=np.ones((1, L)), b1=-np.linspace(-1, 1, L), w2=np.ones(L), b2=0.0)
    X = np.linspace(-2, 2, 50)
    with monkeypatch.context() as m:   # where each looks it up: linear_pieces (through _pieces) and explain_1d
        m.setattr(pieces, "_knots", no_work)
        m.setattr(explain, "_knots", no_work)
        with pytest.raises(ValueError, match=r"linear_pieces of a 1-D network of 1000000 units.*max_work"):
            linear_pieces(huge)
        with pytest.raises(ValueError, match=r"explain_1d of a 1-D network of 1000000 units.*max_work"):
            explain_1d(huge, X)
        with limits.override(max_work=10**7):
            net = random_net(1, 2000, seed=1)
            with pytest.raises(ValueError, match="linear_pieces.*max_work"):
                linear_pieces(net)
            with pytest.raises(ValueError, match="explain_1d.*max_work"):
                explain_1d(net, X, (X > 0).astype(int))
    with limits.override(max_work=10**7):
        net = random_net(1, 50, seed=1)
        assert linear_pieces(net).n_pieces == 51
        assert explain_1d(net, X).n_units == 50
    # the same 10^6 units with 10 live (the others' output weights 0, or knots outside the interval) run
    ten = np.where(np.arange(L) % 10**5 == 0, 1.0, 0.0)
    sparse = TwoLayerNet(W1=np.ones((1, L)), b1=-np.linspace(-1, 1, L), w2=ten, b2=0.0)
    assert linear_pieces(sparse).n_pieces == 11
    assert linear_pieces(huge, interval=(-1.0, -1.0 + 1e-5)).n_pieces == 5


def test_explain_1d_figure_keys_only_what_it_draws_and_keeps_the_key_off_the_curve(tmp_path, monkeypatch):
    """A user walkthrough: the key covered the trained curve near x = -2, listed a marker of inert knots that was
    not drawn, and showed one class's colour for "class 1 up, class 0 down". A teacher's walkthrough: the thin red
    lines of the knots and the grey band of the data's interval were drawn with no entry in the key."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from nnpartition.cli import main

    saved = []
    original = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (saved.append(self), original(self, *a, **k))[1])
    assert main(["explain-1d", "-L", "12", "-N", "300", "--steps", "3000", "--seed", "0", "--plot",
                 str(tmp_path / "e.png"), "--json"]) == 0
    ax = saved[-1].axes[0]
    legend = ax.get_legend()
    saved[-1].canvas.draw()
    # below the axes, off every curve
    assert legend.get_window_extent().y1 <= ax.get_window_extent().y0
    # every entry stands for something drawn with data: an artist of the same label that has points
    drawn = {a.get_label(): a for a in [*ax.lines, *ax.collections, *ax.patches]}
    for text in legend.get_texts():
        artist = drawn[text.get_text()]
        n = len(artist.get_xdata()) if hasattr(artist, "get_xdata") else \
            len(artist.get_offsets()) if hasattr(artist, "get_offsets") else len(artist.get_path().vertices)
        assert n > 0, text.get_text()
    # and everything drawn with data has an entry: the knots' vertical lines and the data's interval too
    keyed = {t.get_text() for t in legend.get_texts()}
    unkeyed = [a for a in [*ax.lines, *ax.collections, *ax.patches] if a.get_label() not in keyed]
    assert all(a.get_label().startswith("_") for a in unkeyed)   # matplotlib's name for "no label"
    vertical = [a for a in ax.lines if len(set(np.asarray(a.get_xdata(), float))) == 1]
    assert len(vertical) > 1 and vertical[0].get_label() in keyed and any("knots" in t for t in keyed)
    assert any("interval" in t for t in keyed)
    # the key is inside the figure
    assert legend.get_window_extent().y0 >= 0
    # the two classes: two entries of two colours, the points' own
    classes = [h for h, t in zip(getattr(legend, "legend_handles", None) or legend.legendHandles, legend.get_texts())
               if "class" in t.get_text()]
    assert len(classes) == 2
    colours = [tuple(np.round(h.get_facecolor()[0][:3], 3)) for h in classes]
    assert colours[0] != colours[1]
    points = [a for a in ax.collections if "class" in a.get_label()]
    assert {tuple(np.round(p.get_facecolor()[0][:3], 3)) for p in points} == set(colours)


def test_classifier_1d_refuses_no_points_naming_x():
    # an audit after the thirty-seventh pass on issue 11: IndexError: index 0 is out of bounds
    from nnpartition.construct import classifier_1d

    with pytest.raises(ValueError, match="X must hold at least one point"):
        classifier_1d([], [])


@pytest.mark.parametrize("d", [1, 2, 5])
def test_region_map_of_a_layer_wider_than_a_block_gives_every_point_its_own_pattern_and_map(d):
    """Since the forty-seventh pass region_map computes a chunk's pre-activations in blocks of columns (at least 257
    each, about 2^22 steps: 1,500 points through 3 x 257 + 5 units take three blocks), each written at its offset in
    the point's bit pattern. Against numpy's ``X @ W1 + b1`` (an independent truth): every point's region has the
    point's sign pattern (away from a rounding's reach of zero), and its affine map gives the network's output."""
    rng = np.random.default_rng(d)
    n, L = 1500, 3 * 257 + 5
    X = rng.uniform(-1, 1, (n, d))
    W1, b1, w2 = rng.normal(size=(d, L)), 0.5 * rng.normal(size=L), rng.normal(size=L)
    rm = region_map(TwoLayerNet(W1=W1, b1=b1, w2=w2, b2=0.1), X)
    Z = X @ W1 + b1
    far = np.abs(Z) > 1e-9
    assert np.array_equal(rm.patterns[rm.ids][far], (Z > 0)[far])
    assert rm.n_regions > 3 * L / 2 if d > 1 else rm.n_regions > 200   # many regions, so many bits in play
    out = np.maximum(Z, 0) @ w2 + 0.1
    assert np.allclose(np.einsum("ij,ij->i", X, rm.slopes[rm.ids]) + rm.offsets[rm.ids], out, atol=1e-8)


def test_region_map_refuses_a_pre_activation_beyond_float64():
    """``x - y`` at ``(1e200 (1 + 2^-50), 1e200)`` is positive, read with weights ``(1e200, -1e200)`` as
    inf - inf = NaN, whose ``v > 0`` is false: the build before put the point where the unit is off (one region for
    both rows, where the unit is on at the second). Now refused, naming the row and unit."""
    net = TwoLayerNet(np.array([[1e200], [-1e200]]), np.zeros(1), np.array([1.0]), 0.0)
    X = np.array([[0.5, 0.25], [1e200 * (1 + 2.0**-50), 1e200]])
    with pytest.raises(ValueError, match="unit 0 at row 1 of X overflows float64"):
        region_map(net, X)


def test_a_flat_x_for_a_one_input_network_is_refused_with_how_to_make_it_one_point_per_row():
    """The 1-D tools take ``x`` flat (``classifier_1d(x, y)``); a teacher then passes the same ``x`` to
    ``region_map`` or ``net.predict``, which take one point per row. The refusal says how (session 61 walkthrough:
    it said only "X must be 2-D, got shape (300,)"), and the suggested ``x[:, None]`` is then accepted."""
    from nnpartition.construct import classifier_1d

    x = np.linspace(-2, 2, 30)
    y = np.sin(3 * x) > 0
    net = classifier_1d(x, y)
    for f in (lambda X: region_map(net, X), net.predict, net.decision_function):
        with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(30,\) \(one point per row: X\[:, None\]"):
            f(x)
    assert np.array_equal(net.predict(x[:, None]), y)        # the hint works: every point classified (by design)
    assert region_map(net, x[:, None]).n_regions >= 2


def test_a_one_input_network_asks_for_1_column_in_the_singular():
    # "X must have 1 columns" (a teacher's walkthrough): the count agrees with its noun, and 3 stays plural
    net = DeepNet([(np.ones((1, 2)), np.zeros(2))], np.ones(2), 0.0)
    with pytest.raises(ValueError, match=r"^X must have 1 column, got shape \(2, 3\)$"):
        net.predict(np.zeros((2, 3)))
    net3 = DeepNet([(np.ones((3, 2)), np.zeros(2))], np.ones(2), 0.0)
    with pytest.raises(ValueError, match=r"^X must have 3 columns, got shape \(2, 1\)$"):
        net3.predict(np.zeros((2, 1)))


def test_region_map_is_the_same_bits_at_1_3_and_7_threads():
    """The patterns are computed in parallel chunks of rows (at most 2048, ``CHUNK_ROWS``): 9 chunks and a part
    shared by the core's global pool of 1, 3 or 7 threads (``RAYON_NUM_THREADS``) and this process's must give the
    same ids (by first appearance), patterns, counts and affine maps (float bits)."""
    from conftest import digests_at_thread_counts

    code = """
from nnpartition.construct import region_map
from nnpartition.network import TwoLayerNet
rng = np.random.default_rng(4)
net = TwoLayerNet(W1=rng.normal(size=(3, 20)), b1=rng.normal(size=20), w2=rng.normal(size=20), b2=0.25)
X = rng.normal(size=(9 * 2048 + 3, 3))
for _ in range(4):   # each call a few ms: repeated, so that every thread takes a share
    rm = region_map(net, X)
    assert rm.n_regions > 300, rm.n_regions
    out(rm.ids, rm.patterns, rm.counts, rm.slopes, rm.offsets)
"""
    outs = digests_at_thread_counts(code)
    assert [t for t in outs if outs[t] != outs[1]] == [], outs


def test_region_map_evaluate_refuses_what_region_map_refuses():
    """``RegionMap.evaluate`` cast its points with np.asarray: NaN or infinite points came back NaN, and a complex
    array was cast with a ComplexWarning (its imaginary part dropped); found by the fuzz's parameter coverage (the
    sixty-eighth pass on issue 11). Its points are checked as region_map's are; a real array of them still gives the
    network's output (the peer: decision_function)."""
    rng = np.random.default_rng(0)
    net = TwoLayerNet(W1=rng.normal(size=(2, 5)), b1=rng.normal(size=5), w2=rng.normal(size=5), b2=0.1)
    X = rng.uniform(-1, 1, (40, 2))
    rm = region_map(net, X)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match=r"^X contains NaN or infinity \(first at row 0, column 0\)$"):
            rm.evaluate(np.full((40, 2), bad))
    with pytest.raises(TypeError, match=r"^X "):
        rm.evaluate(X.astype(complex))
    assert np.allclose(rm.evaluate(X.tolist()), net.decision_function(X))
