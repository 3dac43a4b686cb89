"""Linear teachers (seed 3): data, the recorded SGD trainer, clustering and linearity metrics."""

import builtins
import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import recorded_bars
from nnpartition.cli import main
from nnpartition.network import TwoLayerNet
from nnpartition.teacher import (
    boundary_linearity,
    clustering_metrics,
    group_signs,
    linear_teacher_dataset,
    log_schedule,
    teacher_network,
    train_teacher,
)


# ---------------------------------------------------------------- data


@pytest.mark.parametrize("dist", ["gaussian", "ball", "sphere", "two_balls"])
@pytest.mark.parametrize("margin", [0.0, 0.05, 0.2])
def test_dataset_respects_margin_norm_balance_and_labels(dist, margin):
    X, y, w = linear_teacher_dataset(301, 7, margin=margin, dist=dist, seed=3)
    assert X.shape == (301, 7) and y.shape == (301,) and w.shape == (7,)
    assert abs(np.linalg.norm(w) - 1) < 1e-12
    proj = X @ w
    assert np.all((2 * y - 1) * proj >= margin)  # y <w*, x> >= margin
    assert np.all(proj != 0)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0)
    assert int(y.sum()) == 301 - 301 // 2
    np.testing.assert_array_equal(linear_teacher_dataset(301, 7, margin=margin, dist=dist, seed=3)[0], X)


def _plain_rejection(N, d, margin, dist, seed):
    """The documented plain rejection, written out in numpy: a unit teacher from the seed's first ``d`` normals,
    then batches of ``max(1024, min(2 N, 2^16))`` draws (``N(0, I/d)`` clipped into the unit ball, or uniform in
    it), the draws with ``|<w, x>| >= margin`` kept in order until each class has its half, the two halves
    concatenated and permuted."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    kept = []
    while True:
        b = max(1024, min(2 * N, 1 << 16))
        z = rng.standard_normal((b, d))
        if dist == "gaussian":
            x = z / np.sqrt(d)
            x /= np.maximum(1.0, np.linalg.norm(x, axis=1))[:, None]
        else:
            x = z / np.linalg.norm(z, axis=1)[:, None] * (rng.random(b) ** (1.0 / d))[:, None]
        norm = np.linalg.norm(x, axis=1)
        x[norm > 1] *= ((1 - 1e-12) / norm[norm > 1])[:, None]
        p = x @ w
        kept.extend(x[(np.abs(p) >= margin) & (p != 0)])
        A = np.array(kept)
        side = A @ w > 0
        if (~side).sum() >= N // 2 and side.sum() >= N - N // 2:
            X = np.concatenate([A[~side][: N // 2], A[side][: N - N // 2]])
            return X[rng.permutation(N)], w


@pytest.mark.parametrize("N,d,margin,dist,seed", [(200, 5, 0.1, "gaussian", 1), (301, 7, 0.2, "ball", 3),
                                                  (50, 200, 0.1, "gaussian", 4), (3000, 3, 0.0, "ball", 9)])
def test_common_datasets_are_the_documented_plain_rejection(N, d, margin, dist, seed):
    # Also the guard of reproducibility across versions (a seed gives the dataset it gave before the teacher-frame
    # sampler, commit bca0b76): its first three rows are the configurations a golden-number copy used to pin.
    X, y, w = linear_teacher_dataset(N, d, margin=margin, dist=dist, seed=seed)
    X_ref, w_ref = _plain_rejection(N, d, margin, dist, seed)
    np.testing.assert_array_equal(w, w_ref)
    np.testing.assert_allclose(X, X_ref, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(y, (X_ref @ w_ref > 0).astype(int))


@pytest.mark.parametrize("N,d,kw", [(200, 256, {}), (500, 50, dict(margin=0.3)),
                                    (200, 60, dict(margin=0.2, dist="sphere")), (50, 100, dict(margin=0.2))])
def test_small_calls_with_rare_margins_draw_as_the_plain_rejection(N, d, kw, monkeypatch):
    """Calls whose draws are rare (fewer than 1 in 8 kept) but few (N d small) keep the plain rejection's points:
    the first version of the teacher-frame sampler switched on the kept fraction alone, and changed these."""
    from nnpartition.teacher import data

    X = linear_teacher_dataset(N, d, seed=0, **kw)[0]
    monkeypatch.setattr(data, "_PLAIN_COORDINATES", float("inf"))    # the plain rejection, always
    np.testing.assert_array_equal(linear_teacher_dataset(N, d, seed=0, **kw)[0], X)
    monkeypatch.setattr(data, "_PLAIN_COORDINATES", 0.0)             # the frame, always: other points
    monkeypatch.setattr(data, "_FRAME_BELOW", 2.0)
    assert not np.array_equal(linear_teacher_dataset(N, d, seed=0, **kw)[0], X)


@pytest.mark.parametrize("margin,dist", [(0.0, "gaussian"), (0.01, "gaussian"), (0.1, "two_balls")])
def test_calls_whose_draws_are_common_draw_as_the_plain_rejection_at_any_size(margin, dist, monkeypatch):
    """Where at least 1 in 8 draws meets the margin, the plain rejection is used however many coordinates it draws
    (a second version switched on the size alone: linear_teacher_dataset(140000, 500, margin=0.0) changed). The
    size threshold is lowered here so that a small call stands for a large one."""
    from nnpartition.teacher import data

    monkeypatch.setattr(data, "_PLAIN_COORDINATES", float("inf"))
    X = linear_teacher_dataset(300, 40, margin=margin, dist=dist, seed=2)[0]   # the plain rejection, always
    monkeypatch.setattr(data, "_PLAIN_COORDINATES", 1.0)
    np.testing.assert_array_equal(linear_teacher_dataset(300, 40, margin=margin, dist=dist, seed=2)[0], X)


@pytest.mark.parametrize("dist", ["gaussian", "ball", "sphere", "two_balls"])
def test_rare_margins_are_drawn_in_the_teachers_frame(dist, monkeypatch):
    """linear_teacher_dataset(10000, 1000) did not finish in 200 s: margin 0.1 is over 3 standard deviations of
    <w*, x> at d = 1000, so about 1 in 700 Gaussian draws of 1000 coordinates was kept. The teacher-frame sampler
    draws three or four numbers a candidate, and the d coordinates only for the candidates kept: checked by
    watching the samplers (the plain one is never called; the frame's draws d coordinates for a few times N rows
    at most, not for the hundreds of candidates per point), not by a clock. The invariants of the data hold as for
    the plain sampler."""
    from nnpartition.teacher import data

    calls = {"plain": 0, "frame": 0, "candidates": 0, "rows": 0}
    frame_points = data._frame_points

    def plain(*a, **k):
        calls["plain"] += 1
        raise AssertionError("the plain rejection sampler was used for a rare margin")

    def frame(rng, n, *a, **k):
        x = frame_points(rng, n, *a, **k)
        calls["frame"] += 1
        calls["candidates"] += n
        calls["rows"] += len(x)   # the rows whose d coordinates were drawn
        return x

    monkeypatch.setattr(data, "_sample", plain)
    monkeypatch.setattr(data, "_frame_points", frame)
    N, d = 10000, 1000
    margin = 0.1 if dist != "two_balls" else 0.54   # two_balls keeps most draws at 0.1: make it rare too
    X, y, w = linear_teacher_dataset(N, d, margin=margin, dist=dist, seed=0)
    assert calls["plain"] == 0 and calls["frame"] >= 1
    # the margin is rare (about 700 candidates a point kept: the plain sampler would have drawn d coordinates for
    # each, over 10^9 of them) and the frame's d coordinates are drawn for a few times N rows only (about 1.01 N)
    assert calls["candidates"] > 100 * N and calls["rows"] <= 3 * N, calls
    proj = X @ w
    assert np.all((2 * y - 1) * proj >= margin) and np.all(np.linalg.norm(X, axis=1) <= 1.0)
    assert int(y.sum()) == 5000 and X.shape == (10000, 1000)
    np.testing.assert_array_equal(linear_teacher_dataset(10000, 1000, margin=margin, dist=dist, seed=0)[0], X)


@pytest.mark.parametrize("d,dist,margin", [(300, "gaussian", 0.1), (40, "ball", 0.35), (40, "sphere", 0.35),
                                           (3, "two_balls", 0.8), (1, "gaussian", 0.5)])
def test_the_teachers_frame_draws_the_same_law(d, dist, margin):
    """Kolmogorov-Smirnov tests of the frame sampler against the plain one, on the component along the teacher,
    the norm (below the clipping's point mass) and a fixed random direction."""
    stats = pytest.importorskip("scipy.stats")
    from nnpartition.teacher.data import _frame_points, _into_ball, _sample

    rng = np.random.default_rng(7)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    plain = _into_ball(_sample(rng, 200_000, d, dist, w))
    p = plain @ w
    plain = plain[(np.abs(p) >= margin) & (p != 0)]
    frame = _frame_points(rng, 200_000, d, dist, margin, w)
    assert len(plain) > 2000 and abs(len(frame) / len(plain) - 1) < 0.1   # the same fraction kept
    for f in (lambda a: a @ w, lambda a: np.minimum(np.linalg.norm(a, axis=1), 1 - 1e-9), lambda a: a @ u):
        assert stats.ks_2samp(f(plain), f(frame)).pvalue > 1e-3


def test_unbalanced_dataset_and_bad_margin():
    X, y, w = linear_teacher_dataset(200, 3, margin=0.1, balanced=False, seed=1)
    assert len(X) == 200 and np.all((2 * y - 1) * (X @ w) >= 0.1)
    with pytest.raises(ValueError, match="too large"):
        linear_teacher_dataset(10, 400, margin=0.5, seed=0)
    with pytest.raises(ValueError, match="margin"):
        linear_teacher_dataset(10, 3, margin=1.0)
    with pytest.raises(ValueError, match="dist"):
        linear_teacher_dataset(10, 3, dist="cube")


def _ks(u):
    """Kolmogorov-Smirnov distance of a sample from U(0, 1)."""
    u = np.sort(u)
    n = len(u)
    return max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))


@pytest.mark.parametrize("dist", ["gaussian", "ball", "sphere", "two_balls"])
def test_each_dist_has_its_own_law(dist):
    """docs/teacher.md's laws, with margin 0 (no rejection): a property each of them has and the others lack."""
    N, d = 2000, 4
    X, y, w = linear_teacher_dataset(N, d, margin=0.0, dist=dist, seed=7)
    r = np.linalg.norm(X, axis=1)
    ks_level = 1.95 / np.sqrt(N)        # KS at the 0.1% level
    if dist == "gaussian":
        # N(0, I/d) with norms clipped to 1: P(|x| >= 1) = P(chi2_4 >= 4) = 3 e^-2; below it |x|^2 d ~ chi2_4,
        # whose CDF is 1 - e^(-t/2) (1 + t/2)
        clipped = r > 1 - 1e-9
        p = 3 * np.exp(-2)
        assert abs(clipped.mean() - p) < 4 * np.sqrt(p * (1 - p) / N)
        t = r[~clipped] ** 2 * d
        cdf = (1 - np.exp(-t / 2) * (1 + t / 2)) / (1 - p)   # conditioned on t < 4
        assert _ks(cdf) < 1.95 / np.sqrt(len(t))
    elif dist == "ball":
        assert np.all(r < 1)
        assert _ks(r ** d) < ks_level               # uniform in the ball: P(|x| <= s) = s^d
    elif dist == "sphere":
        np.testing.assert_allclose(r, 1.0, atol=1e-9)
        assert np.abs(X.mean(axis=0)).max() < 4 / np.sqrt(d * N)   # no preferred direction
    else:
        # uniform in the ball of radius 0.4 around +0.5 w* (class 1) or -0.5 w* (class 0)
        centre = np.where(y[:, None] == 1, 0.5, -0.5) * w
        rho = np.linalg.norm(X - centre, axis=1)
        assert np.all(rho <= 0.4 + 1e-12)
        assert _ks((rho / 0.4) ** d) < ks_level


def test_unbalanced_classes_come_as_drawn():
    """balanced=False: the class counts of fair draws are Binomial(N, 1/2) over seeds (variance N/4), not N/2."""
    N = 20
    counts = np.array([linear_teacher_dataset(N, 3, margin=0.0, balanced=False, seed=s)[1].sum() for s in range(200)])
    assert abs(counts.mean() - N / 2) < 4 * np.sqrt(N / 4 / 200)
    assert 0.6 * N / 4 < counts.var() < 1.5 * N / 4
    # about P(Binomial(20, 1/2) = 10) = 0.176 of them come out balanced, not all
    assert np.mean(counts == N // 2) < 0.3
    balanced = [linear_teacher_dataset(N, 3, margin=0.0, seed=s)[1].sum() for s in range(20)]
    assert set(balanced) == {N - N // 2}


# ---------------------------------------------------------------- metrics on constructed matrices


def _two_clusters(wp, wn, k):
    """(d, 2k): k columns wp, then k columns wn (the package's (d, L) convention)."""
    return np.vstack([np.tile(wp, (k, 1)), np.tile(wn, (k, 1))]).T


@settings(max_examples=40, deadline=None)
@given(d=st.integers(2, 6), k=st.integers(1, 6), alpha=st.floats(0.05, 1.0), seed=st.integers(0, 10**6))
def test_two_exact_clusters_are_exactly_linear_and_rank_two(d, k, alpha, seed):
    rng = np.random.default_rng(seed)
    W = _two_clusters(rng.standard_normal(d), rng.standard_normal(d), k)
    net = teacher_network(W, alpha=alpha)
    X = rng.standard_normal((400, d))
    r = boundary_linearity(net, X)
    assert r.agreement_centres == 1.0
    assert r.agreement_fitted == 1.0
    assert r.delta == pytest.approx(0.0, abs=1e-12)
    m = clustering_metrics(W, X=X)
    assert m.stable_rank <= 2 + 1e-9
    assert m.top2_energy == pytest.approx(1.0, abs=1e-12)
    assert m.dispersion_pos == pytest.approx(0.0, abs=1e-7) and m.dispersion_neg == pytest.approx(0.0, abs=1e-7)
    assert m.agreement == 1.0  # identical units always agree


@settings(max_examples=40, deadline=None)
@given(d=st.integers(2, 5), k=st.integers(1, 5), alpha=st.floats(0.1, 1.0), noise=st.floats(0.0, 0.5),
       seed=st.integers(0, 10**6))
def test_certified_slab_is_never_violated(d, k, alpha, noise, seed):
    """Theory (T2): rows within delta of their group mean => sign N = sign <w_lin, x> outside the slab."""
    rng = np.random.default_rng(seed)
    W = _two_clusters(rng.standard_normal(d), rng.standard_normal(d), k) + noise * rng.standard_normal((d, 2 * k))
    r = boundary_linearity(teacher_network(W, alpha=alpha), rng.standard_normal((500, d)))
    assert r.certified_violations == 0
    if noise == 0.0:   # exact clusters: delta = 0, the slab has zero width and every probe is certified
        assert r.certified_fraction == 1.0


def test_certified_slab_has_half_width_two_delta_without_one_over_alpha():
    """Pairing a + unit with a - unit proves sign N = sign <w_lin, x> wherever |<w_lin, x>| > 2 delta |x| (for any
    alpha > 0); the 1/alpha of the reconstruction's Lipschitz argument left the probes between 2 delta |x| and
    2 delta |x| / alpha uncertified. Checked by brute force: the network's own sign on probes crowded near its
    boundary, with the slab recomputed here in numpy from the rows."""
    rng = np.random.default_rng(7)
    between = 0
    for _ in range(30):
        d, k, alpha = 3, 4, float(rng.uniform(0.05, 0.5))
        W = _two_clusters(rng.standard_normal(d), rng.standard_normal(d), k) + 0.3 * rng.standard_normal((d, 2 * k))
        net = teacher_network(W, alpha=alpha, v=float(rng.uniform(0.2, 3.0)))
        rows = net.W1.T * np.abs(net.w2)[:, None]
        pos, neg = net.w2 > 0, net.w2 < 0
        mp, mn = rows[pos].mean(axis=0), rows[neg].mean(axis=0)
        delta = max(np.linalg.norm(rows[pos] - mp, axis=1).max(), np.linalg.norm(rows[neg] - mn, axis=1).max())
        w_lin = mp - mn
        # probes near the hyperplane <w_lin, x> = 0, where the slab matters
        X = rng.standard_normal((3000, d))
        X -= np.outer(X @ w_lin / (w_lin @ w_lin), w_lin) * rng.uniform(0.0, 1.0, (3000, 1))
        out = np.maximum(X @ net.W1, alpha * (X @ net.W1)) @ net.w2
        rule = X @ w_lin
        slab = 2 * delta * np.linalg.norm(X, axis=1)
        assert not np.any((np.abs(rule) > slab) & ((out > 0) != (rule > 0)))   # the theorem, by brute force
        r = boundary_linearity(net, X)
        assert r.delta == pytest.approx(delta, rel=1e-12)
        assert r.certified_fraction == pytest.approx(float(np.mean(np.abs(rule) > slab)), abs=1e-12)
        assert r.certified_violations == 0
        between += int(np.sum((np.abs(rule) > slab) & (np.abs(rule) <= slab / alpha)))
    assert between > 1000   # probes the 1/alpha slab did not certify


def test_certified_slab_cannot_be_dropped():
    """Inside the slab the signs can differ: + units (0.1, 0) twice, - units (0, +-1), x = (1, 1): <w_lin, x> =
    0.1 > 0 but N(x) = 2 sigma(0.1) - sigma(1) - sigma(-1) = 0.2 - 0.7 < 0 (alpha = 0.3); delta = 1, so the slab
    |<w_lin, x>| <= 2 sqrt(2) holds it and the point is not certified."""
    W = np.array([[0.1, 0.1, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
    net = teacher_network(W, alpha=0.3, v=1.0)
    x = np.array([[1.0, 1.0]])
    assert float(net._logits(x)[0]) == pytest.approx(0.2 - 0.7)
    r = boundary_linearity(net, x)
    assert r.w_lin.tolist() == pytest.approx([0.1, 0.0]) and r.delta == pytest.approx(1.0)
    assert r.agreement_centres == 0.0 and r.certified_fraction == 0.0 and r.certified_violations == 0


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.integers(1, 4), st.integers(0, 2**32 - 1), st.sampled_from(["relu", "leaky_relu"]),
       st.data())
def test_a_network_without_biases_reads_the_same_on_probes_scaled_by_a_power_of_two(d, half, seed, act, data):
    """Without biases a (leaky) ReLU network is positively homogeneous, ``N(c x) = c N(x)``, and so is every linear
    rule through the origin: scaling the probes by ``2^k`` changes no sign, so the agreements, the angles and the
    fitted rule's direction must be the same at every ``k`` that keeps the probes finite and normal. Before the
    fifty-ninth pass probes of ``2^600`` overflowed the logistic fit's Hessian (RuntimeWarnings) and probes of
    ``2^-600`` fitted worse (the Hessian underflowed, leaving the ridge); the slab's norms overflowed from ``2^512``
    and underflowed to 0 below ``2^-540``, certifying every probe."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    W1 = np.concatenate([w[:, None] + 0.5 * rng.standard_normal((d, half)),
                         -w[:, None] + 0.5 * rng.standard_normal((d, half))], axis=1)
    net = TwoLayerNet(W1, np.zeros(2 * half), np.r_[np.ones(half), -np.ones(half)], 0.0, act, 0.2)
    X = rng.standard_normal((60, d))
    lo, hi = int(np.frexp(np.abs(X).min())[1]), int(np.frexp(np.abs(X).max())[1])
    # keep the network's outputs (up to sum |W1| |w2| times the probes) finite as well
    room = int(np.ceil(np.log2(np.abs(W1).sum() * np.abs(X).max() + 1)))
    k = data.draw(st.integers(-1021 - lo, 1021 - hi - room), label="k")
    base, got = boundary_linearity(net, X, w_star=w), boundary_linearity(net, np.ldexp(X, k), w_star=w)
    assert (got.agreement_centres, got.agreement_fitted) == (base.agreement_centres, base.agreement_fitted)
    assert got.angle_to_teacher == base.angle_to_teacher
    # the slab |<w_lin, x>| <= 2 delta |x| scales with the probes (leaky ReLU; NaN for ReLU, where it does not apply)
    assert np.array_equal([got.certified_fraction, got.certified_violations],
                          [base.certified_fraction, base.certified_violations], equal_nan=True)
    assert got.angle_fitted_to_teacher == pytest.approx(base.angle_fitted_to_teacher, abs=1e-9)

    def direction(v):
        v = v / np.abs(v).max()   # first: the fitted rule of probes of 2^-1000 is of about 2^1000
        return v / np.linalg.norm(v)

    assert np.allclose(direction(got.w_fitted), direction(base.w_fitted), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.lists(st.integers(-1000, 1000), min_size=3, max_size=3))
def test_unit_rows_of_rows_far_from_one_are_the_unit_rows_at_scale_one(d, seed, ks):
    """``_unit_rows`` divides each row by its norm taken without squaring the entries as they are: rows scaled by
    ``2^k`` far from 1 (``np.linalg.norm``'s squares overflow from ``2^512`` and underflow below ``2^-540``) give the
    unit rows of the rows at scale 1, each of norm 1 (``clustering_metrics`` hands it rows already near 1, so only
    this test reaches the line; a review, s59)."""
    from nnpartition.teacher import data as teacher_data

    rng = np.random.default_rng(seed)
    W = rng.choice([-1.0, 1.0], (3, d)) * rng.uniform(0.25, 4.0, (3, d))   # of order 1: normal floats at every 2^k
    W[rng.random((3, d)) < 0.2] = 0.0
    k = np.array(ks)[:, None]
    got = teacher_data._unit_rows(np.ldexp(W, k))
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    want = np.divide(W, norms, out=np.zeros_like(W), where=norms > 0)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-16)
    assert np.allclose(np.linalg.norm(got, axis=1), (norms[:, 0] > 0).astype(float), rtol=1e-15, atol=0)
    # a stack of rows (T, L, d), as clustering_metrics passes them, and a zero row left at 0
    stacked = teacher_data._unit_rows(np.stack([np.ldexp(W, k), np.zeros_like(W)]))
    assert np.array_equal(stacked[0], got) and not stacked[1].any()


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.integers(1, 4), st.integers(0, 2**32 - 1), st.data())
def test_the_per_unit_metrics_do_not_depend_on_each_units_own_scale(d, half, seed, data):
    """A unit's cosine with ``w*``, its distance to its group's centre direction and the sign of its pre-activation
    on a point depend on its direction only: scaling each unit (a column of ``W``) by its own power of two, drawn
    over float64's range, leaves the cosines, the dispersions and the sign agreements where they were. Before the
    fifty-ninth pass ``W`` was divided by its largest entry first, and a unit ``2^-1100`` times smaller than the
    largest underflowed to 0: a cosine of 0 and a unit never active."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    W = np.concatenate([w[:, None] + 0.5 * rng.standard_normal((d, half)),
                        -w[:, None] + 0.5 * rng.standard_normal((d, half))], axis=1)
    X = rng.standard_normal((30, d))
    lo = [int(np.frexp(np.abs(c).min())[1]) for c in W.T]
    hi = [int(np.frexp(np.abs(c).max())[1]) for c in W.T]
    e = np.array([data.draw(st.integers(-1021 - a, 1023 - b), label=f"e_{j}") for j, (a, b) in enumerate(zip(lo, hi))])
    base, got = clustering_metrics(W, w, X=X), clustering_metrics(np.ldexp(W, e[None, :]), w, X=X)
    np.testing.assert_allclose(got.cosine, base.cosine, rtol=1e-12, atol=1e-15)
    assert (got.dispersion_pos, got.dispersion_neg) == pytest.approx((base.dispersion_pos, base.dispersion_neg),
                                                                      abs=1e-12)
    assert (got.agreement_pos, got.agreement_neg, got.agreement) == (base.agreement_pos, base.agreement_neg,
                                                                      base.agreement)


def test_cluster_in_direction_with_biases_is_linear():
    # Units c_i * w (c_i > 0) with biases c_i * b: an affine boundary, found through the bias column.
    w, b = np.array([1.0, -2.0]), 0.3
    c = np.array([1.0, 2.0, 0.5])
    W1 = np.concatenate([np.outer(c, w), np.outer(c, -w + 0.5)]).T
    b1 = np.concatenate([c * b, c * -b])
    net = TwoLayerNet(W1, b1, np.array([1.0] * 3 + [-1.0] * 3), 0.0, "leaky_relu", 0.2)
    X = np.random.default_rng(0).standard_normal((1000, 2))
    r = boundary_linearity(net, X)
    assert r.w_lin.shape == (3,)
    assert r.agreement_centres == 1.0


def test_aligned_units_have_cosine_one_and_rank_one_ratio_one():
    w = np.array([0.3, -0.4, 1.2])
    W = np.array([2 * w, 0.5 * w, -3 * w, -w]).T
    m = clustering_metrics(W, w)
    np.testing.assert_allclose(m.cosine, 1.0, atol=1e-15)
    assert m.aligned_fraction == 1.0 and m.potential < 1.0  # unequal norms: cos(W, W*) < 1
    assert clustering_metrics(np.array([w, w, -w, -w]).T, w).potential == pytest.approx(1.0, abs=1e-12)
    assert m.spectral_ratio == pytest.approx(1.0, abs=1e-12)
    assert m.centre_cosine == pytest.approx(1.0, abs=1e-12)
    # Anti-aligned units have cosine -1.
    assert clustering_metrics(-W, w).cosine == pytest.approx(-np.ones(4), abs=1e-15)


def test_random_weights_have_large_stable_rank_and_no_agreement():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((20, 50))
    m = clustering_metrics(W, rng.standard_normal(20), X=rng.standard_normal((200, 20)))
    assert m.stable_rank > 5
    assert m.agreement == 0.0
    assert m.aligned_fraction < 0.1


def test_orthogonal_equal_clusters_have_ratio_one_over_root_two():
    W = _two_clusters(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 3)
    assert clustering_metrics(W).spectral_ratio == pytest.approx(1 / np.sqrt(2), abs=1e-12)


def test_dispersion_is_the_largest_distance_of_a_unit_direction_to_its_group_centre():
    """Brute force on a tiny case: directions u_i = w_i/|w_i|, centre u = mean u_i normalised, max_i |u_i - u|."""
    import math

    pos = [(1.0, 0.0), (0.0, 2.0), (3.0, 3.0)]        # three positive units, one far from the others' mean
    neg = [(-1.0, 0.5), (-2.0, -0.2)]
    W = np.array(pos + neg).T                           # (d, L) = (2, 5); group_signs(5) = + + + - -

    def dispersion(units):
        dirs = [(a / math.hypot(a, b), b / math.hypot(a, b)) for a, b in units]
        mx, my = sum(u[0] for u in dirs) / len(dirs), sum(u[1] for u in dirs) / len(dirs)
        c = (mx / math.hypot(mx, my), my / math.hypot(mx, my))
        return max(math.hypot(u[0] - c[0], u[1] - c[1]) for u in dirs)

    m = clustering_metrics(W)
    assert m.dispersion_pos == pytest.approx(dispersion(pos), rel=1e-12)
    assert m.dispersion_neg == pytest.approx(dispersion(neg), rel=1e-12)
    # the same in a recorded series, step by step
    series = clustering_metrics(np.stack([W, W[:, [1, 2, 0, 4, 3]] * 2.0]))
    np.testing.assert_allclose(series.dispersion_pos, [dispersion(pos)] * 2, rtol=1e-12)


def test_series_shapes_and_bad_inputs():
    rng = np.random.default_rng(1)
    Ws = rng.standard_normal((5, 3, 4))   # T = 5 steps, d = 3, L = 4
    m = clustering_metrics(Ws, [1.0, 0.0, 0.0], X=rng.standard_normal((10, 3)))
    assert m.cosine.shape == (5, 4) and m.stable_rank.shape == (5,) and m.centre_pos.shape == (5, 3)
    with pytest.raises(ValueError, match="W must have shape"):
        clustering_metrics(np.zeros(3))
    with pytest.raises(ValueError, match="signs"):
        clustering_metrics(np.ones((2, 2)), signs=[1, 0])
    with pytest.raises(ValueError, match="w_star"):
        clustering_metrics(np.ones((2, 2)), [0.0, 0.0])
    with pytest.raises(ValueError, match="relu or leaky_relu"):
        boundary_linearity(TwoLayerNet(np.ones((2, 2)), np.zeros(2), np.ones(2), 0.0, "tanh"), np.ones((3, 2)))
    assert group_signs(4).tolist() == [1, 1, -1, -1]


# ---------------------------------------------------------------- the trainer


def _numpy_full_batch(X, ypm, W, v, alpha, lr, steps):
    """Independent reference: full-batch gradient descent on the mean logistic loss."""
    s = group_signs(W.shape[0]) * v
    for _ in range(steps):
        Z = X @ W.T
        out = np.where(Z > 0, Z, alpha * Z) @ s
        g = ypm / (1 + np.exp(ypm * out))  # -dloss/dN
        D = np.where(Z > 0, 1.0, alpha) * s  # dN/dz
        W = W + lr / len(X) * (D * g[:, None]).T @ X
    return W


def test_full_batch_matches_numpy_reference():
    X, y, w = linear_teacher_dataset(40, 4, seed=2)
    W0 = np.random.default_rng(5).standard_normal((4, 6)) * 0.3     # (d, L)
    run = train_teacher(X, y, 6, W0=W0, lr=0.7, alpha=0.25, v=0.4, steps=7, batch_size=None, record_every=1)
    ref = W0.T                                                        # the reference works with unit rows
    for t in range(1, 8):
        ref = _numpy_full_batch(X, 2.0 * y - 1, ref, 0.4, 0.25, 0.7, 1)
        np.testing.assert_allclose(run.weights[t], ref.T, rtol=1e-12, atol=1e-14)
    assert run.steps.tolist() == list(range(8))


def test_batch_one_sgd_matches_numpy_step_by_step_on_one_point():
    """The default batch-1 path (only full batch was checked against numpy): with one training point the order of
    the SGD draws is moot, so every step is w_i += lr g y s_i v sigma'(<w_i, x>) x, g = 1 / (1 + exp(y N(x)))."""
    rng = np.random.default_rng(11)
    for label in (0, 1):
        x = rng.standard_normal((1, 4))
        x /= 2 * np.linalg.norm(x)
        W0 = 0.3 * rng.standard_normal((4, 6))
        run = train_teacher(x, np.array([label]), 6, alpha=0.3, lr=0.7, steps=20, W0=W0, record_every=1)
        s, v, t, W = group_signs(6), 1 / np.sqrt(6), 2.0 * label - 1, W0.copy()
        for step in range(1, 21):
            z = x[0] @ W
            g = 1 / (1 + np.exp(t * np.sum(s * v * np.maximum(z, 0.3 * z))))
            W = W + 0.7 * g * t * np.outer(x[0], s * v * np.where(z > 0, 1.0, 0.3))
            np.testing.assert_allclose(run.weights[step], W, rtol=1e-12, atol=1e-14)
        z = x[0] @ W
        assert run.loss[-1] == pytest.approx(np.log1p(np.exp(-t * np.sum(s * v * np.maximum(z, 0.3 * z)))), rel=1e-12)


def test_weights_that_overflow_are_refused_as_a_divergence_even_at_loss_zero():
    """Fuzzing (session 50): one step at v = lr = 1e300 sends the two units to -inf and +inf; every margin is then
    +inf, so the loss is 0 and the error 0, and the run came back as a perfect fit of infinite weights."""
    X, W0 = np.array([[-1.0]]), np.array([[-0.5, -0.5]])
    with pytest.raises(ValueError, match="diverged at step 1 .non-finite weights"):
        train_teacher(X, np.array([1]), 2, v=1e300, lr=1e300, alpha=1.0, steps=3, batch_size=None, W0=W0)
    # the same run recorded at step 0 only holds W0 and the loss log 2 of a zero output
    run = train_teacher(X, np.array([1]), 2, v=1e300, lr=1e300, alpha=1.0, steps=3, batch_size=None, W0=W0,
                        record_at=[0])
    assert np.array_equal(run.weights[0], W0) and run.loss[0] == pytest.approx(np.log(2.0), rel=1e-15)


def test_a_finite_step_whose_batch_sum_would_overflow_is_taken():
    """Session 55: the batch's gradient is summed, then scaled by lr / batch. 100 points x = 1, label +1, W0 = 0,
    v = 1e307, lr = 1e-307, alpha = 1: each point's term is v / 2 = 5e306 and their sum 5e308 overflows, so the run
    was refused as "diverged at step 1 (non-finite weights)", though its mean step is finite. Closed form: at W = 0
    the output is 0, sigmoid(0) = 1/2 and the slope 1, so unit i moves by lr * v / 2 * s_i = +-0.5; then the output
    is v (0.5 + 0.5) = 1e307, a margin of 1e307: loss 0, error 0, and sigmoid(-1e307) = 0 moves nothing more. The
    same for batches of 50 (each batch is all ones)."""
    X, y, v, lr = np.ones((100, 1)), np.ones(100, dtype=int), 1e307, 1e-307
    step = lr * (v / 2)   # the mean of 100 equal terms, computed without their sum
    for batch in (None, 50):
        run = train_teacher(X, y, 2, v=v, lr=lr, alpha=1.0, steps=3, batch_size=batch, W0=np.zeros((1, 2)),
                            record_every=1)
        assert list(run.steps) == [0, 1, 2, 3]
        assert np.all(np.isfinite(run.weights)), batch
        np.testing.assert_allclose(run.weights[1], [[step, -step]], rtol=1e-15)
        assert np.array_equal(run.weights[2], run.weights[1]) and np.array_equal(run.weights[3], run.weights[1])
        assert run.loss[0] == pytest.approx(np.log(2.0), rel=1e-15)
        assert list(run.loss[1:]) == [0.0] * 3 and list(run.error[1:]) == [0.0] * 3


def test_sgd_fits_the_teacher_clusters_and_agreement_freezes_differences():
    X, y, w = linear_teacher_dataset(200, 8, margin=0.1, seed=4)
    run = train_teacher(X, y, 10, lr=0.5, epochs=60, init_scale=0.05, w_star=w, record_at=log_schedule(12000, 60),
                        seed=1)
    assert run.error[-1] == 0.0 and run.loss[-1] < 0.02
    assert np.all(np.diff(run.hard_steps) >= 0)
    m = run.metrics()
    assert m.aligned_fraction[-1] == 1.0 and m.mean_cosine[-1] > 0.97
    assert m.stable_rank[-1] < 1.2
    t = run.agreement_step(m)
    assert t is not None
    # Inside the agreement regime units of a group receive identical updates: differences are frozen.
    i = int(np.searchsorted(run.steps, t))
    s = run.signs
    for g in (s > 0, s < 0):
        diffs = run.weights[i:, :, g] - run.weights[i:, :, g][:, :, :1]
        np.testing.assert_allclose(diffs, np.broadcast_to(diffs[0], diffs.shape), atol=1e-9)
    lin = boundary_linearity(run.network(), np.random.default_rng(0).standard_normal((2000, 8)) / np.sqrt(8), w_star=w)
    assert lin.agreement_centres > 0.99 and lin.angle_to_teacher < 15
    assert lin.certified_violations == 0
    hist = run.history(X)
    assert set(hist) >= {"linearity", "angle_to_teacher", "agreement", "stable_rank"}


def test_sgd_is_reproducible_and_accepts_pm_labels():
    X, y, w = linear_teacher_dataset(50, 3, seed=0)
    a = train_teacher(X, y, 4, epochs=3, seed=9)
    b = train_teacher(X, 2 * y - 1, 4, epochs=3, seed=9)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.steps[-1] == 150 and a.steps[0] == 0


def test_trainer_bad_inputs():
    X, y, _ = linear_teacher_dataset(20, 3, seed=0)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        train_teacher(X, np.full(20, 2), 4)
    with pytest.raises(ValueError, match="W0 must have shape"):
        train_teacher(X, y, 4, W0=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="alpha"):
        train_teacher(X, y, 4, alpha=1.5)
    with pytest.raises(ValueError, match=r"record_at\[1\] must be >= 0 and <= 10, got 11"):   # it said record_at[i]
        train_teacher(X, y, 4, steps=10, record_at=[0, 11])
    with pytest.raises(ValueError, match="not both"):
        train_teacher(X, y, 4, steps=10, record_at=[0, 5], record_every=2)
    with pytest.raises(ValueError, match=r"recording 100001 snapshots of 4096 x 3 weights exceeds the limit of \d+"):
        train_teacher(X, y, 4096, steps=100000, record_every=1)


def test_train_teacher_warns_of_epochs_beside_steps_and_init_scale_beside_w0():
    # a user audit of train()'s ignored settings: here epochs=5 beside steps=10 and init_scale beside W0 ran as if
    # they had not been given (the weights are the same either way); now a warning names them, at the caller's line
    X, y, _ = linear_teacher_dataset(20, 3, seed=0)
    W0 = np.full((3, 4), 0.1)
    base = train_teacher(X, y, 4, steps=10, W0=W0)
    with pytest.warns(UserWarning, match=r"^epochs=5 only applies when steps is None; steps=10 sets") as caught:
        run = train_teacher(X, y, 4, steps=10, epochs=5, W0=W0)
    assert len(caught) == 1 and caught[0].filename == __file__
    np.testing.assert_array_equal(run.weights, base.weights)
    with pytest.warns(UserWarning, match=r"^init_scale=0\.01 only applies without W0; W0 sets the initial") as caught:
        run = train_teacher(X, y, 4, steps=10, init_scale=0.01, W0=W0)
    assert len(caught) == 1 and caught[0].filename == __file__
    np.testing.assert_array_equal(run.weights, base.weights)
    # where they apply, and their defaults beside steps and W0 (numpy scalars among them), no warning
    train_teacher(X, y, 4, epochs=2, init_scale=0.01)
    train_teacher(X, y, 4, steps=10, epochs=np.int64(50), init_scale=np.float64(0.5), W0=W0)


def test_the_recording_is_checked_against_max_bytes_before_training():
    """The recording was checked against a fixed 2**27 values only: 131 snapshots of 1000 x 1000 weights (1 GiB,
    twice with the transposed copy) passed it and died of a MemoryError under a 2 GB address-space cap."""
    from nnpartition.limits import override

    X, y, _ = linear_teacher_dataset(20, 3, seed=0)
    run = train_teacher(X, y, 4, steps=10, record_every=1)   # 11 snapshots of 4 x 3 weights: 2 x 1056 bytes
    assert run.weights.shape == (11, 3, 4)
    with override(max_bytes=2000), pytest.raises(ValueError, match=r"recording 11 snapshots .*\(max_bytes\)"):
        train_teacher(X, y, 4, steps=10, record_every=1)
    with pytest.raises(ValueError, match=r"record_every=1 records 1000000000002 snapshots"):   # before arange
        train_teacher(X, y, 4, steps=10**12, record_every=1)
    with override(max_params=10), pytest.raises(ValueError, match="max_params"):
        train_teacher(X, y, 4, steps=10)


# ---------------------------------------------------------------- CLI


def test_teacher_cli_json(capsys):
    assert main(["teacher", "-d", "5", "-N", "100", "-L", "8", "--epochs", "30", "--probes", "500", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["history"]["error"][-1] == 0.0
    assert out["final"]["agreement_centres"] > 0.98 and out["final"]["certified_violations"] == 0


@pytest.mark.parametrize("alias", ["gauss", "normal"])
def test_teacher_cli_takes_a_dist_alias_as_the_law_it_names(alias, capsys):
    """``--dist gauss`` (an alias the option lists) is the Gaussian law: the same run and JSON as ``--dist gaussian``.
    The probes' sampler knew only the names, and the command ended in an AssertionError; its JSON, where it got that
    far, recorded the alias (both fail on the old code)."""
    argv = ["teacher", "-d", "4", "-N", "60", "-L", "4", "--epochs", "5", "--probes", "200", "--json", "--dist"]
    assert main([*argv, "gaussian"]) == 0
    named = json.loads(capsys.readouterr().out)
    assert main([*argv, alias]) == 0
    assert json.loads(capsys.readouterr().out) == named and named["dist"] == "gaussian"


def test_teacher_cli_says_n_a_of_the_violations_where_the_guarantee_does_not_apply(capsys):
    """Unequal groups (L odd: one more +v unit) void the certified slab: the fraction is n/a, and so are its
    violations, which the text said were 0 and the JSON counted as 0 (fails on the old code); with equal groups both
    are numbers (a certified slab of no violations, as the theory says)."""
    argv = ["teacher", "-d", "4", "-N", "60", "--epochs", "5", "--probes", "200"]
    assert main([*argv, "-L", "3"]) == 0
    assert "certified-slab violations: n/a;" in capsys.readouterr().out
    assert main([*argv, "-L", "3", "--json"]) == 0
    final = json.loads(capsys.readouterr().out)["final"]
    assert final["certified_fraction"] is None and final["certified_violations"] is None
    assert main([*argv, "-L", "4", "--json"]) == 0
    final = json.loads(capsys.readouterr().out)["final"]
    assert 0 < final["certified_fraction"] <= 1 and final["certified_violations"] == 0


@pytest.mark.parametrize("argv,match", [
    # 44 s of drawing data (rejection at d = 1000), then the recording was refused
    (["-d", "1000", "-N", "1000", "-L", "1000", "--epochs", "1000000000"], "max_work"),
    # a 1 GiB recording (about 7 copies with the metrics) passed the fixed 2**27-value check: under a 2 GB cap a
    # MemoryError after 10 s
    (["-d", "1000", "-L", "1000", "-N", "10", "--epochs", "130", "--record-every", "1", "--full-batch"], "max_bytes"),
    (["-d", "3", "-N", "60", "-L", "4", "--probes", str(2**31)], "max_bytes"),
    (["-d", "3", "-N", "60", "-L", "4", "--epochs", "2000000000", "--full-batch", "--record-every", "1"],
     "record-every=1 records"),
    (["-d", "3", "-N", "1000", "-L", "4", "--epochs", str(2**32)], "--epochs 4294967296 of 1000 batches"),
    (["-d", "2000", "-N", "2000000", "-L", "4"], "2\\*\\*30 values"),
    (["-d", "3", "-N", "0", "-L", "4"], "-N must be >= 1"),
])
def test_teacher_cli_checks_every_size_before_drawing_data(argv, match, capsys, monkeypatch):
    import re

    import nnpartition._cli.teacher as cli_teacher

    def no_drawing(*a, **k):
        raise AssertionError("drew the data before checking the sizes")

    monkeypatch.setattr(cli_teacher, "linear_teacher_dataset", no_drawing)
    from nnpartition.limits import override

    with override(max_bytes=2**30):   # about what a 2 GB address-space cap leaves
        assert main(["teacher", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(match, err), err


def test_teacher_cli_text_and_bad_argument(capsys):
    assert main(["teacher", "-d", "3", "-N", "60", "-L", "4", "--epochs", "5", "--probes", "100", "--full-batch"]) == 0
    assert "agreement" in capsys.readouterr().out
    assert main(["teacher", "-d", "3", "-N", "60", "-L", "1"]) == 2
    assert "L must be" in capsys.readouterr().err


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path, capsys):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    code = main(["teacher", "-d", "3", "-N", "40", "-L", "4", "--epochs", "2", "--probes", "50",
                 "--plot", str(tmp_path / "t.png")])
    assert code == 2
    assert "pip install 'nnpartition[plot]'" in capsys.readouterr().err


def test_teacher_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "t.png"
    assert main(["teacher", "-d", "4", "-N", "60", "-L", "6", "--epochs", "10", "--probes", "200",
                 "--plot", str(path)]) == 0
    assert path.stat().st_size > 1000


# ---------------------------------------------------------------- max margin, baselines, update bound


def test_angle_to_a_given_max_margin_direction_is_the_closed_form_angle():
    net = teacher_network([[1.0, 1.0, -1.0, -1.0], [1.0, 1.0, 0.5, 0.5]], alpha=0.2)   # w_lin = (1, 0.25)
    X = np.random.default_rng(0).standard_normal((200, 2))
    r = boundary_linearity(net, X, max_margin=[0.0, 1.0])
    assert r.angle_to_max_margin == pytest.approx(np.degrees(np.arctan2(1.0, 0.25)), abs=1e-9)
    assert np.isnan(boundary_linearity(net, X).angle_to_max_margin)


def test_max_margin_of_a_run_beats_the_teacher_margin():
    pytest.importorskip("scipy")
    X, y, w = linear_teacher_dataset(300, 6, margin=0.05, dist="two_balls", seed=2)
    run = train_teacher(X, y, 8, epochs=5, w_star=w)
    mm = run.max_margin()
    t = 2.0 * y - 1
    teacher_margin = np.min(t * (X @ w)) / np.linalg.norm(w)
    assert np.min(t * (X @ mm.direction)) == pytest.approx(mm.margin, rel=1e-7)
    assert mm.margin >= teacher_margin - 1e-12


def test_linearity_rises_above_initialisation_and_random_networks():
    from nnpartition.teacher import linearity_baselines

    X, y, w = linear_teacher_dataset(300, 20, seed=1)
    run = train_teacher(X, y, 40, epochs=40, w_star=w, seed=1)
    probes = np.random.default_rng(5).standard_normal((3000, 20))
    b = linearity_baselines(run, probes, n_random=5, seed=2)
    assert b.initial.agreement_fitted < b.final.agreement_fitted and b.random_fitted < b.final.agreement_fitted
    assert b.random_fitted < 0.99   # a random Leaky-ReLU network of this width is not linear


def test_linearity_baselines_prices_its_reports_before_the_first():
    """Its ``n_random + 2`` logistic fits on every probe ran unpriced: 10^4 random networks on 10^6 probes, hours,
    went ahead under any ``max_work`` (found when it joined the fuzz registry). Under ``max_work=1e9`` (about a
    second) a call of 102 reports on 10^5 probes (some fifteen seconds) is now refused before any of them, naming
    what it would do; the same call of 3 probes still runs. Fails on the old code (no refusal)."""
    import time

    from nnpartition import limits
    from nnpartition.teacher import linearity_baselines

    X, y, w = linear_teacher_dataset(60, 2, seed=3)
    run = train_teacher(X, y, 4, epochs=5, w_star=w, seed=3)
    probes = np.random.default_rng(4).standard_normal((10**5, 2))
    with limits.override(max_work=10**9):
        t0 = time.perf_counter()
        with pytest.raises(ValueError, match=r"^linearity baselines of 102 networks \(4 units, d = 2\) on 100000 "
                                             r"probes takes about .* \(max_work\); pass fewer probes or a smaller "
                                             r"n_random"):
            linearity_baselines(run, probes, n_random=100)
        assert time.perf_counter() - t0 < 1.0
        assert linearity_baselines(run, probes[:3], n_random=100).final.n_probe == 3


def test_update_bound_grows_with_the_inverse_margin_squared():
    from nnpartition.teacher import update_bound

    X = np.array([[0.5, 0.0], [-0.5, 0.1]])
    base = update_bound(X, [1, 0], [1.0, 0.0], 4, lr=0.5, alpha=0.5)
    # halving every input halves the margin: |w*| doubles and, with R = 0, M is quadratic in |w*|
    assert update_bound(X / 2, [1, 0], [1.0, 0.0], 4, lr=0.5, alpha=0.5) == pytest.approx(4 * base)
    with pytest.raises(ValueError, match="does not separate"):
        update_bound(X, [0, 1], [1.0, 0.0], 4, lr=0.5, alpha=0.5)


def test_non_finite_probe_inputs_are_refused():
    with pytest.raises(ValueError, match="X contains NaN"):
        clustering_metrics(np.ones((3, 4)), X=np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="w_star"):
        clustering_metrics(np.ones((3, 4)), [np.inf, 0.0, 0.0])


def test_run_update_bound_uses_the_run_settings():
    from nnpartition.teacher import update_bound

    X, y, w = linear_teacher_dataset(50, 3, seed=0)
    run = train_teacher(X, y, 8, epochs=1, w_star=w, lr=0.3, alpha=0.4, seed=2)   # d = 3, L = 8
    R = float(np.linalg.norm(run.weights[0]))
    assert run.update_bound() == pytest.approx(update_bound(X, y, w, 8, lr=0.3, alpha=0.4, init_norm=R), rel=1e-12)
    assert run.update_bound() != pytest.approx(update_bound(X, y, w, 3, lr=0.3, alpha=0.4, init_norm=R), rel=1e-3)


# --- extreme magnitudes (issue 12) -------------------------------------------------------


def test_update_bound_matches_the_formula_and_survives_extreme_learning_rates() -> None:
    from nnpartition.teacher.metrics import update_bound

    X = np.array([[0.5, 0.0], [-0.5, 0.1]])
    norm, k, a, v, R = 2.0, 2.0, 0.5, 0.5, 0.7  # |w*| = 2 after rescaling, L = 4, v = 1/sqrt(L)
    for lr in (0.5, 0.01, 3.0):
        direct = (norm**2 / a**2 + norm**2 / (k * lr * v**2 * a**2)
                  + np.sqrt(R * (8 * k**2 * lr**2 * v**2 + 8 * lr * k)) * norm**1.5 / (2 * k * (lr * v * a) ** 1.5)
                  + 2 * R * norm / (lr * v * a))
        assert update_bound(X, [1, 0], [1.0, 0.0], 4, lr=lr, alpha=a, init_norm=R) == pytest.approx(direct, rel=1e-12)
    # lr -> infinity leaves |w*|^2 / a^2 = 16; the naive float formula raised OverflowError here.
    assert update_bound(X, [1, 0], [1.0, 0.0], 4, lr=1e308, alpha=a, init_norm=R) == pytest.approx(16.0, rel=1e-9)
    assert update_bound(X, [1, 0], [1.0, 0.0], 4, lr=1e-300, alpha=a, init_norm=R) > 1e300


def test_clustering_metrics_are_scale_invariant_up_to_1e308() -> None:
    rng = np.random.default_rng(3)
    W, ws, X = rng.normal(size=(3, 6)), rng.normal(size=3), rng.normal(size=(50, 3))
    small = clustering_metrics(W, ws, X=X)
    huge = clustering_metrics(W / np.abs(W).max() * 1.7e308, ws, X=X)
    for name in ("aligned_fraction", "mean_cosine", "potential", "dispersion_pos", "dispersion_neg",
                 "centre_cosine", "spectral_ratio", "stable_rank", "top2_energy", "agreement"):
        assert np.isfinite(getattr(huge, name)), name
        assert getattr(huge, name) == pytest.approx(getattr(small, name), rel=1e-9, abs=1e-12), name


def test_the_sign_agreement_does_not_change_when_rows_of_x_are_scaled_to_either_end_of_float64() -> None:
    # The signs of a unit's pre-activations do not change when a row of X is multiplied by a positive number, so the
    # agreement of rows scaled by powers of two from 2^-1060 (subnormal entries) to near float64's largest must be the
    # agreement at scale 1. Near the top, 40 terms of up to 2^1023 overflowed in X @ W (inf - inf read as "off", and a
    # RuntimeWarning), the fuzz test's hostile X of 1.7e308.
    rng = np.random.default_rng(11)
    d, L = 40, 6
    ws = rng.normal(size=d)
    signs = np.array([1, 1, 1, -1, -1, -1])
    W = (signs[None, :] * ws[:, None] + 0.4 * rng.normal(size=(d, L))) * rng.uniform(0.5, 4.0, size=L)
    X = rng.normal(size=(300, d))
    base = clustering_metrics(W, ws, signs, X=X)
    assert 0.1 < base.agreement < 0.9 and 0.1 < base.agreement_pos < 0.95   # neither trivial
    top = 1023 - np.frexp(np.abs(X).max(axis=1))[1]   # each row's largest entry in [2^1022, 2^1023)
    mixed = np.where(rng.integers(0, 2, len(X)) == 1, top - rng.integers(0, 40, len(X)), rng.integers(-1060, 1, len(X)))
    for k in (top, np.full(len(X), -1060), mixed):
        scaled = clustering_metrics(W, ws, signs, X=np.ldexp(X, k[:, None]))
        for name in ("agreement", "agreement_pos", "agreement_neg"):
            assert getattr(scaled, name) == getattr(base, name), (name, k[:3])


def test_boundary_linearity_refuses_probes_whose_outputs_overflow() -> None:
    net = teacher_network([[1.0, 1.0, -1.0, -1.0], [1.0, 1.0, 0.5, 0.5]], alpha=0.2)
    with pytest.raises(ValueError, match="X_probe"):
        boundary_linearity(net, np.full((10, 2), 1.7e308))


def test_teacher_results_record_the_seed_they_used_and_it_repeats_the_run():
    from nnpartition.teacher import linearity_baselines

    X, y, w = linear_teacher_dataset(40, 3, seed=0)
    probes = np.random.default_rng(1).standard_normal((200, 3))

    def train_run(seed):
        return train_teacher(X, y, 4, epochs=2, w_star=w, seed=seed)

    def baselines(seed):
        return linearity_baselines(run, probes, n_random=3, seed=seed)

    def baseline_values(b):
        return (b.random_centres, b.random_fitted, b.random_fitted_std)

    fresh = train_run(None)
    assert type(fresh.seed) is int and 0 <= fresh.seed < 2**64
    again = train_run(fresh.seed)
    assert again.seed == fresh.seed
    np.testing.assert_array_equal(fresh.weights, again.weights)
    np.testing.assert_array_equal(fresh.loss, again.loss)
    assert not np.array_equal(train_run(1).weights, train_run(2).weights)

    run = fresh
    b = baselines(None)
    assert type(b.seed) is int and 0 <= b.seed < 2**64
    b_again = baselines(b.seed)
    assert b_again.seed == b.seed and baseline_values(b_again) == baseline_values(b)
    assert baseline_values(baselines(1)) != baseline_values(baselines(2))


def test_large_calls_are_refused_before_they_allocate(counts_bound_peak, monkeypatch):
    # An audit after the twenty-eighth pass on issue 11: one point in d = 2^19 drew 4 GiB before a MemoryError (the
    # check counted a batch of 2 rows, the sampler draws at least 1024); a sign agreement of 10^5 rows with 10^5
    # units asked numpy for 75 GiB. Both now refused naming max_bytes, before any work: the choice of sampler (its
    # pilot draws come first), both samplers and the metrics' first step fail the test if they are reached.
    import tracemalloc

    from nnpartition.teacher import clustering_metrics, data, metrics

    def no_work(*a, **k):
        raise AssertionError("worked before checking")

    for module, name in [(data, "_sampler"), (data, "_sample"), (data, "_frame_points"), (metrics, "_unit_rows")]:
        monkeypatch.setattr(module, name, no_work)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="max_bytes"):
            linear_teacher_dataset(1, 2**19, margin=0.0)
        with pytest.raises(ValueError, match="sign agreement on 100000 rows.*max_bytes"):
            clustering_metrics(np.ones((1, 10**5)), X=np.ones((10**5, 1)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    monkeypatch.undo()   # the real samplers again, for the counts below
    assert peak < 16 * 2**20
    # what is counted bounds what a draw holds (tracemalloc's peak), within a factor of 3
    for N, d in [(1, 2**12), (500, 64), (5000, 8)]:
        counts_bound_peak(lambda: linear_teacher_dataset(N, d, margin=0.0), 3)


def test_clustering_metrics_check_the_series_svds_against_max_work():
    # The same review: T stacked SVDs of L x d in one LAPACK call, unchecked and not interruptible.
    from nnpartition import limits
    from nnpartition.teacher import clustering_metrics

    W = np.random.default_rng(0).normal(size=(5, 8, 30))   # 5 recorded steps of (d, L) = (8, 30)
    with limits.override(max_work=4 * 5 * 30 * 8 * 8 - 1), pytest.raises(ValueError, match="singular values.*max_work"):
        clustering_metrics(W)
    with limits.override(max_work=4 * 5 * 30 * 8 * 8):
        assert clustering_metrics(W).stable_rank.shape == (5,)


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_teacher_cli_shows_progress_on_a_terminal_only(capsys, monkeypatch):
    # the command ran ~3 s of CPU (15 s wall under load) with no sign of life: a bar on a terminal past the delay,
    # none with --no-progress or --json, and the same output either way
    from nnpartition import _progress

    argv = ["teacher", "-d", "3", "-N", "40", "-L", "4", "--epochs", "2", "--probes", "50"]
    assert main(argv) == 0
    plain = capsys.readouterr()
    assert plain.err == ""   # stderr is not a terminal here
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    for extra, shown in (([], True), (["--no-progress"], False), (["--json"], False)):
        term = _FakeTerminal()
        monkeypatch.setattr("sys.stderr", term)
        assert main(argv + extra) == 0
        out = capsys.readouterr().out
        assert ("max-margin" in term.getvalue()) == shown, (extra, term.getvalue())
        if not extra:
            assert out == plain.out


@given(steps=st.integers(1, 10**9), count=st.integers(2, 300))
@settings(max_examples=200, deadline=None)
def test_log_schedule_holds_0_and_steps_and_at_most_count_distinct_steps(steps, count):
    # its docstring's promise; an audit after the thirty-seventh pass on issue 11 found log_schedule(1000, 2) = [0, 1]
    t = log_schedule(steps, count)
    assert t[0] == 0 and t[-1] == steps
    assert np.all(np.diff(t) > 0) and len(t) <= count


# --- an audit of the run's methods and the command's messages -----------------------------------------------


def _small_run():
    X, y, w = linear_teacher_dataset(40, 3, seed=0)
    return train_teacher(X, y, 4, epochs=2, w_star=w), X, y, w


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_probe_points_and_training_points_are_refused_naming_them(bad, monkeypatch):
    # history and linearity_series gave agreements computed on NaN probes; update_bound gave a NaN bound (NaN) or
    # blamed w_star (infinity)
    from nnpartition.teacher import linearity_baselines, update_bound

    run, X, y, w = _small_run()
    P = np.random.default_rng(0).standard_normal((10, 3))
    P[2, 1] = bad
    with pytest.raises(ValueError, match="X_probe contains NaN or infinity"):
        run.linearity_series(P)
    monkeypatch.setattr(type(run), "metrics", lambda *a: pytest.fail("the metrics ran before X_probe was checked"))
    with pytest.raises(ValueError, match="X_probe contains NaN or infinity"):
        run.history(P)
    monkeypatch.setattr(type(run), "max_margin", lambda *a: pytest.fail("the LP ran before X_probe was checked"))
    with pytest.raises(ValueError, match="X_probe contains NaN or infinity"):
        linearity_baselines(run, P)
    Xb = X.copy()
    Xb[0, 0] = bad
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        update_bound(Xb, y, w, 4, lr=0.5, alpha=0.3)


def test_run_network_refuses_an_index_outside_the_recorded_steps_naming_its_range():
    run, *_ = _small_run()
    T = len(run.steps)
    np.testing.assert_array_equal(run.network(-T).W1, run.weights[0])   # the first and last valid ones
    np.testing.assert_array_equal(run.network(np.int64(T - 1)).W1, run.weights[-1])
    for index in (T, 500, -T - 1):
        with pytest.raises(ValueError, match=rf"index must be in \[-{T}, {T - 1}\] \(the run recorded {T} snapshots\)"):
            run.network(index)
    with pytest.raises(TypeError, match="index must be an integer"):
        run.network(1.0)


def test_linearity_baselines_and_train_teacher_name_the_arguments_they_refuse():
    from nnpartition.teacher import linearity_baselines

    _, X, y, _ = _small_run()
    with pytest.raises(TypeError, match="run must be a TeacherRun"):   # an AttributeError on None.weights
        linearity_baselines(None, X)
    W0 = np.zeros((3, 4))
    W0[1, 2] = np.nan
    with pytest.raises(ValueError, match="^W0 contains NaN or infinity"):   # it named W
        train_teacher(X, y, 4, epochs=2, W0=W0)
    for bad in (np.zeros(3), np.zeros((2, 3, 4))):   # it offered "(d, L) or (T, d, L)", and W0 takes no T
        with pytest.raises(ValueError, match=r"^W0 must have shape \(d, L\) = \(3, 4\), got"):
            train_teacher(X, y, 4, epochs=2, W0=bad)


class _Drew(Exception):
    pass


@pytest.fixture
def no_drawing(monkeypatch):
    import nnpartition._cli.teacher as cli_teacher

    def drew(*a, **k):
        raise _Drew

    monkeypatch.setattr(cli_teacher, "linear_teacher_dataset", drew)


@pytest.mark.parametrize("alpha", ["0", "-1", "1.5"])
def test_teacher_cli_states_the_alpha_rule_before_drawing_data(alpha, no_drawing, capsys):
    # 0 was refused by the update bound after the training ("> 0.0"); -1 by the trainer, its message saying ">= 0.0"
    assert main(["teacher", "-d", "3", "-N", "60", "-L", "4", "--alpha", alpha]) == 2
    assert f"--alpha must be > 0 and <= 1 (the Leaky-ReLU slope; the update bound divides by it), got {float(alpha)}" \
        in capsys.readouterr().err


@pytest.mark.parametrize("limit,variable", [("max_work", "NNPARTITION_MAX_WORK"),
                                            ("max_bytes", "NNPARTITION_MAX_BYTES")])
def test_teacher_cli_refuses_too_many_probes_naming_probes_and_the_most_that_fit(limit, variable, no_drawing,
                                                                                capsys):
    # the refusal blamed the SGD steps ("... SGD steps on batches of 1 ... would take about ...")
    import re

    from nnpartition.limits import override

    argv = ["teacher", "-d", "3", "-N", "60", "-L", "4", "--epochs", "5"]
    with override(**{limit: 10**9 if limit == "max_work" else 10**7}):
        assert main([*argv, "--probes", str(10**8)]) == 2
        err = capsys.readouterr().err
        m = re.search(r"--probes must be <= (\d+) for this run, got 100000000: the linearity metrics", err)
        assert m and f"pass {limit}; use fewer probes" in err and variable in err and "SGD steps" not in err, err
        most = int(m.group(1))
        assert 0 < most < 10**8
        with pytest.raises(_Drew):   # the most that fit pass every check
            main([*argv, "--probes", str(most)])
        assert main([*argv, "--probes", str(most + 1)]) == 2
        assert f"--probes must be <= {most} " in capsys.readouterr().err


def test_teacher_cli_names_both_limits_when_both_bind_at_the_same_probe_count(no_drawing, capsys):
    # the limit was read off the refusal's text, whose first check is max_work: the message said to raise
    # NNPARTITION_MAX_WORK alone, which let not one probe more pass when max_bytes bound at the same count
    import re

    import nnpartition._cli.teacher as cli_teacher
    from nnpartition.limits import get_limits, override

    argv = ["teacher", "-d", "3", "-N", "60", "-L", "4", "--epochs", "5"]
    with override(max_work=10**9):
        assert main([*argv, "--probes", str(10**8)]) == 2
    most = int(re.search(r"--probes must be <= (\d+) ", capsys.readouterr().err).group(1))
    t = len(log_schedule(5 * 60, 200))   # the snapshots of 300 SGD steps
    # max_bytes that lets exactly `most` probes pass: the recording plus 8 (3 d + 3 L) bytes a probe
    max_bytes = int(cli_teacher.RECORD_COPIES * 8 * t * 4 * 3 + (most + 1) * 8 * (3 * 3 + 3 * 4)) - 1
    with override(max_work=10**9, max_bytes=max_bytes) as limits:
        assert main([*argv, "--probes", str(10**8)]) == 2
        assert get_limits() == limits   # the checks with one limit lifted restored it
        err = capsys.readouterr().err
        assert f"--probes must be <= {most} " in err and "pass max_work and max_bytes; use fewer probes" in err, err
        assert "environment variables NNPARTITION_MAX_WORK and NNPARTITION_MAX_BYTES" in err, err
        with override(max_work=10**12):   # raising max_work alone lets no probe more pass: the message was right
            assert main([*argv, "--probes", str(most + 1)]) == 2
            assert "pass max_bytes;" in capsys.readouterr().err


def test_metrics_do_not_overflow_for_a_large_teacher_vector_or_large_weights(capsys):
    """Every metric is invariant to the scale of w_star, and the norms of weights near 1e300 are finite: np.linalg.norm
    squares the entries, so such vectors had infinite norms (cosines 0, angles of 90 degrees, an infinite update
    bound, a null weight_norm, and `teacher --init 1e300` refused after training, naming init_norm)."""
    from nnpartition.teacher import update_bound

    X, y, w = linear_teacher_dataset(40, 4, seed=0)
    run = train_teacher(X, y, 4, epochs=2, w_star=w)
    W = run.weights[-1]
    assert np.allclose(clustering_metrics(W, 1e300 * w, run.signs).cosine, clustering_metrics(W, w, run.signs).cosine)
    assert boundary_linearity(run.network(), X, w_star=1e300 * w).angle_to_teacher == pytest.approx(
        boundary_linearity(run.network(), X, w_star=w).angle_to_teacher)
    assert update_bound(X, y, 1e300 * w, 4, lr=0.5, alpha=0.3) == pytest.approx(update_bound(X, y, w, 4, lr=0.5,
                                                                                              alpha=0.3))
    big = train_teacher(X, y, 4, epochs=1, init_scale=1e300, w_star=w)
    assert np.isfinite(big.update_bound())
    norm = big.history()["weight_norm"]
    assert norm[0] == pytest.approx(1e300 * np.linalg.norm(big.weights[0] / 1e300))
    assert main(["teacher", "-d", "5", "-N", "50", "-L", "4", "--epochs", "2", "--probes", "50", "--init", "1e300",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert None not in out["history"]["weight_norm"]


def test_train_teacher_refuses_inputs_of_no_column_before_drawing_w0():
    # W_0's scale init_scale / sqrt(d) divided by zero first: a RuntimeWarning (an error under pytest), then the
    # core's "X must be non-empty"
    with pytest.raises(ValueError, match=r"^X must have at least one column"):
        train_teacher(np.zeros((10, 0)), np.arange(10) % 2, 4, epochs=1)


def test_train_teacher_checks_its_settings_before_it_warns_of_unused_ones():
    """The warning of an ``epochs`` beside ``steps`` came before ``steps`` was checked: under an error filter for
    warnings (as pytest's here) ``steps=-1, epochs=5`` raised the warning, not the ValueError naming ``steps``."""
    X, y, _ = linear_teacher_dataset(20, 3, seed=0)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        train_teacher(X, y, 4, steps=-1, epochs=5)
    with pytest.raises(ValueError, match="W0 must have shape"):
        train_teacher(X, y, 4, steps=5, W0=np.ones((2, 2)), init_scale=0.9)


def test_boundary_linearity_takes_the_max_margin_result_its_docstring_offers():
    """``boundary_linearity(max_margin=)``'s docstring offers ``TeacherRun.max_margin`` (a ``MaxMargin``): it was
    refused ("max_margin must be a numeric array, got dtype object"). Given it, the angles are those of its
    direction, and the angle to the max-margin direction is the one computed from the two vectors by hand (the test
    fails on the old code)."""
    X, y, w = linear_teacher_dataset(80, 4, seed=0)
    run = train_teacher(X, y, 6, epochs=5, w_star=w, seed=1)
    mm = run.max_margin()
    net = run.network(-1)
    got = boundary_linearity(net, X, w_star=w, max_margin=mm)
    want = boundary_linearity(net, X, w_star=w, max_margin=mm.direction)
    assert got.angle_to_max_margin == want.angle_to_max_margin
    assert got.angle_fitted_to_max_margin == want.angle_fitted_to_max_margin
    u, d = got.w_lin[:4], mm.direction
    cos = float(u @ d) / (np.linalg.norm(u) * np.linalg.norm(d))
    assert abs(got.angle_to_max_margin - np.degrees(np.arccos(np.clip(cos, -1, 1)))) < 1e-9


def test_agreement_step_names_a_wrong_metrics_argument():
    """``TeacherRun.agreement_step(metrics)`` given an array (the probes, say) failed with numpy's "truth value of
    an array ... is ambiguous"; it is a TypeError naming ``metrics`` (fails on the old code). Given the run's own
    metrics it answers as without them."""
    X, y, w = linear_teacher_dataset(60, 4, seed=0)
    run = train_teacher(X, y, 6, epochs=3, w_star=w, seed=1)
    with pytest.raises(TypeError, match="metrics must be the ClusteringMetrics of this run .* got ndarray"):
        run.agreement_step(X)
    assert run.agreement_step(run.metrics()) == run.agreement_step()


def test_a_zero_teacher_is_refused_everywhere_it_is_taken():
    """``clustering_metrics`` refused ``w_star = 0``; ``train_teacher`` took it (its ``metrics()`` then failed after
    the training) and ``boundary_linearity`` returned NaN angles. Each refuses it, as does a zero ``max_margin``
    (fails on the old code)."""
    X, y, w = linear_teacher_dataset(40, 3, seed=0)
    zero = np.zeros(3)
    with pytest.raises(ValueError, match="w_star must be non-zero"):
        train_teacher(X, y, 4, epochs=1, w_star=zero)
    run = train_teacher(X, y, 4, epochs=1, w_star=w)
    for kw in ({"w_star": zero}, {"max_margin": zero}):
        name = next(iter(kw))
        with pytest.raises(ValueError, match=f"{name} must be non-zero"):
            boundary_linearity(run.network(-1), X, **kw)
    with pytest.raises(ValueError, match="w_star must be non-zero"):
        clustering_metrics(run.weights[-1], zero, run.signs)


def test_linearity_baselines_bar_counts_every_network(monkeypatch, capsys):
    """The sixty-seventh pass on issue 11: linearity_baselines (about a second of CPU at n_random=10 on 4000 probes,
    growing with n_random) took no progress=. Its bar counts the reports: the final and initial networks and each
    random one. Truth: n_random + 2; none off a terminal; the same baselines with or without the bar."""
    from nnpartition import _progress
    from nnpartition.teacher import linearity

    X, y, w = linear_teacher_dataset(100, 4, seed=0)
    run = train_teacher(X, y, 6, epochs=3, w_star=w)
    probes = np.random.default_rng(1).standard_normal((300, 4))
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    quiet = linearity.linearity_baselines(run, probes, n_random=5, seed=2)
    assert capsys.readouterr().err == ""   # progress=None, stderr no terminal
    bars = recorded_bars(monkeypatch, linearity)
    b = linearity.linearity_baselines(run, probes, n_random=5, seed=2, progress=True)
    (bar, seen, opts), = bars
    assert bar.total == 7 and seen == list(range(1, 8)) and opts["unit"] == "network", seen
    assert "linearity baselines L=6 d=4" in opts["desc"] and bar.disable
    assert (b.random_centres, b.random_fitted, b.random_fitted_std, b.final.agreement_fitted,
            b.initial.agreement_fitted) == (quiet.random_centres, quiet.random_fitted, quiet.random_fitted_std,
                                            quiet.final.agreement_fitted, quiet.initial.agreement_fitted)
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        linearity.linearity_baselines(run, probes, progress="no")


@pytest.mark.parametrize("batch", [["--full-batch"], ["--batch-size", "16"]])
def test_teacher_cli_json_records_the_run_it_made(batch, capsys):
    """The JSON records the settings of its run (as given) and the SGD steps it took: the epochs times the batches
    of an epoch, ``ceil(N / batch_size)``. (Mutation testing, the sixty-seventh pass on issue 11: the steps read
    from the wrong end of the run passed every test, as did the settings' keys left out.)"""
    argv = ["teacher", "-d", "4", "-N", "60", "-L", "4", "--epochs", "7", "--probes", "200", "--seed", "3",
            "--margin", "0.2", "--init", "0.25", "--record-every", "2", "--dist", "ball", "--json", *batch]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    bs = 60 if batch == ["--full-batch"] else 16
    assert out["batch_size"] == bs and out["epochs"] == 7 and out["steps"] == 7 * math.ceil(60 / bs)
    assert {k: out[k] for k in ("d", "N", "L", "margin", "dist", "init", "record_every", "probes", "seed")} == \
        {"d": 4, "N": 60, "L": 4, "margin": 0.2, "dist": "ball", "init": 0.25, "record_every": 2, "probes": 200,
         "seed": 3}


@pytest.mark.parametrize("dist", ["gaussian", "ball", "sphere", "two_balls"])
def test_teacher_probes_read_every_name_and_alias_of_the_core(dist):
    """``teacher_probes`` resolves a distribution's aliases itself, from the core's table (``_core.ALIASES``): the
    command line read ``gauss`` as ``gaussian`` before calling it, and a Python caller passing an alias met the
    sampler's AssertionError (fails on the old code). Every alias draws the probes of the name it stands for, and a
    name outside the table is a ValueError naming ``dist``. Truth: the aliases are read from the core's table, not
    from the module that resolves them, and each is checked against the draws of its name."""
    from nnpartition import _core
    from nnpartition._cli.teacher import teacher_probes

    w = np.array([0.6, -0.8, 0.0])
    named = teacher_probes(50, w, dist, 3)
    aliases = [a for a, name in _core.ALIASES["teacher_dist"].items() if name == dist]
    assert set(_core.ALIASES["teacher_dist"]) == {"gauss", "normal"}   # the docs' aliases, all of the gaussian law
    assert aliases == (["gauss", "normal"] if dist == "gaussian" else [])
    for alias in aliases:
        assert np.array_equal(teacher_probes(50, w, alias, 3), named)
    assert np.all(np.linalg.norm(named, axis=1) <= 1 + 1e-12)
    with pytest.raises(ValueError, match=r"dist must be one of .*got 'Gaussian'"):
        teacher_probes(5, w, "Gaussian", 3)


def test_the_teacher_distributions_are_the_cores_choice_set():
    """The four distributions and the two aliases are defined once, in the core (``choices::TeacherDist``): the
    module and the command line read them there; ``linear_teacher_dataset`` takes each alias as its name."""
    from nnpartition import _core
    from nnpartition.teacher import data

    assert data.TEACHER_DISTS == ("gaussian", "ball", "sphere", "two_balls") == _core.CHOICES["teacher_dist"]
    for alias, name in _core.ALIASES["teacher_dist"].items():
        a, b = linear_teacher_dataset(30, 3, dist=alias, seed=2), linear_teacher_dataset(30, 3, dist=name, seed=2)
        assert all(np.array_equal(u, v) for u, v in zip(a, b))


def test_train_teacher_bar_counts_every_sgd_step(monkeypatch):
    """``train_teacher`` was one silent core call of up to hours (2^40 steps); it takes ``progress=`` now, the
    package's policy, and its bar counts the SGD steps the core completes. Truth: the steps from the arguments
    (epochs x batches an epoch, counted here), reached exactly at the end and never passed; the run is the same
    with and without the bar; no bar with ``progress=False`` (fails on the old code: no progress=)."""
    from nnpartition.teacher import training

    X, y, w = linear_teacher_dataset(70, 4, seed=1)
    for batch, epochs in ((1, 40), (8, 30), (None, 25)):
        per_epoch = 1 if batch is None else -(-70 // batch)
        bars = recorded_bars(monkeypatch, training)
        run = train_teacher(X, y, 6, epochs=epochs, batch_size=batch, progress=True, seed=5)
        (bar, seen, opts), = bars
        assert bar.total == epochs * per_epoch == seen[-1] and seen == sorted(seen), seen
        assert all(0 <= n <= bar.total for n in seen) and opts["unit"] == "step" and "teacher SGD" in opts["desc"]
        bars.clear()
        plain = train_teacher(X, y, 6, epochs=epochs, batch_size=batch, progress=False, seed=5)
        assert bars == []
        assert np.array_equal(run.weights, plain.weights) and np.array_equal(run.loss, plain.loss)
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        train_teacher(X, y, 6, epochs=1, progress="yes")


def test_train_teacher_bar_reads_the_cores_count_and_its_failure_stops_the_run(monkeypatch):
    """The core reports the steps done while it trains (not only at the end), and a bar that raises (a closed
    stream) ends the call with its exception, as Ctrl-C does, long before the run's end (a run of 5 x 10^6 steps
    on batches of 256)."""
    import time

    from nnpartition.teacher import training

    real = training._core.teacher_sgd
    seen = []

    def spy(*args):
        *head, given = args

        def keep(n):
            seen.append(n)
            if len(seen) == 3:
                raise LookupError("stop at the bar")
            given(n)

        return real(*head, keep)

    monkeypatch.setattr(training._core, "teacher_sgd", spy)
    rng = np.random.default_rng(0)
    X = rng.random((2000, 20)) - 0.5
    y = np.where(X[:, 0] > 0, 1, -1)
    start = time.monotonic()
    with pytest.raises(LookupError, match="stop at the bar"):
        train_teacher(X, y, 64, steps=5 * 10**6, batch_size=256, record_at=[0], progress=True)
    assert len(seen) == 3 and seen[-1] < 5 * 10**6 and time.monotonic() - start < 30


def test_probe_points_whose_outputs_overflow_are_refused_and_large_ones_give_the_same_series():
    """linearity_series (and history, through it) overflowed on probes of 1.7e308 (a numpy RuntimeWarning, then
    agreements of inf and NaN outputs); found by the fuzz's parameter coverage (the sixty-eighth pass on issue 11).
    Refused as boundary_linearity refuses them; probes scaled by 2^500, whose outputs stay finite, give the same
    series, the network and the centre rule being positively homogeneous (no biases)."""
    run, X, y, w = _small_run()
    P = np.random.default_rng(1).standard_normal((30, 3))
    for call in (run.linearity_series, run.history):
        with pytest.raises(ValueError, match="^the network's outputs on X_probe overflow float64"):
            call(np.full((30, 3), 1.7e308))
    np.testing.assert_array_equal(run.linearity_series(np.ldexp(P, 500)), run.linearity_series(P))
