"""count_regions / count_regions_deep against a numpy reference and geometry."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nnpartition as npn


def numpy_reference(X, layers, y=None):
    """The pipeline a user would write: signs, packbits, np.unique over rows."""
    h = X
    signs = []
    for W, b in layers:
        z = h @ W + b
        signs.append(z > 0)
        h = np.maximum(z, 0)
    bits = np.packbits(np.concatenate(signs, axis=1), axis=1)
    uniq, inverse, counts = np.unique(bits, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    acc = None
    if y is not None:
        ones = np.bincount(inverse, weights=y, minlength=len(uniq))
        correct = np.where(2 * ones == counts, counts / 2, np.maximum(ones, counts - ones)).sum()
        acc = correct / len(X)
    return len(uniq), np.sort(counts)[::-1], acc


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 3000), st.integers(1, 130), st.integers(0, 2**32 - 1))
def test_matches_numpy_reference(d, N, L, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N, d))
    W = rng.normal(size=(d, L))
    b = rng.normal(size=L) * 0.5
    y = rng.integers(0, 2, N)
    s = npn.count_regions(X, W, b, y=y)
    n, occ, acc = numpy_reference(X, [(W, b)], y)
    assert s.n_regions == n
    np.testing.assert_array_equal(s.occupancy, occ)
    assert s.majority_accuracy == pytest.approx(acc, abs=1e-12)
    assert s.n_regions <= min(N, npn.regions(L, d))


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(1, 20), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_deep_matches_numpy_reference(d, widths, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2500, d))
    layers, fan = [], d
    for w in widths:
        layers.append((rng.normal(size=(fan, w)), rng.normal(size=w)))
        fan = w
    y = rng.integers(0, 2, len(X))
    s = npn.count_regions_deep(X, layers, y=y)
    n, occ, acc = numpy_reference(X, layers, y)
    assert s.n_regions == n
    np.testing.assert_array_equal(s.occupancy, occ)
    assert s.majority_accuracy == pytest.approx(acc)


def test_float32_input_is_used_as_is_and_agrees():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (20000, 10)).astype(np.float32)
    W = rng.normal(size=(10, 40)).astype(np.float32)
    b = rng.normal(size=40).astype(np.float32)
    s32 = npn.count_regions(X, W, b)
    n, occ, _ = numpy_reference(X, [(W, b)])
    assert s32.n_regions == n
    # Also accepts non-contiguous views.
    s_view = npn.count_regions(np.asfortranarray(X)[::2], W, b)
    assert s_view.n_regions == numpy_reference(X[::2], [(W, b)])[0]


def test_float64_weights_beyond_float32_are_named_for_a_float32_X():
    """A float32 X casts the weights to float32: a finite float64 weight past its range became infinity, refused as
    "contains NaN or infinity" (after numpy's overflow warning, an error under pytest). A float64 X keeps them."""
    X, W, b = np.zeros((3, 2)), np.eye(2), np.zeros(2)
    for layer, name in (((W * 1e39, b), "W"), ((W, np.array([1e39, 0.0])), "b")):
        with pytest.raises(ValueError, match=rf"^{name} holds 1e\+39, beyond the range of float32"):
            npn.count_regions(X.astype(np.float32), *layer)   # its own argument's name
        with pytest.raises(ValueError, match=rf"^{name} of hidden layer 1 holds 1e\+39, beyond the range of float32"):
            npn.count_regions_deep(X.astype(np.float32), [layer])   # a list's layer, as every list names it
        assert npn.count_regions(X, *layer).n_regions == 1


def test_dense_line_occupies_every_interval():
    # d = 1: L units with knots inside [-1, 1] cut it into exactly L + 1 intervals.
    L = 25
    rng = np.random.default_rng(3)
    knots = np.sort(rng.uniform(-0.95, 0.95, L))
    w = rng.choice([-1.0, 1.0], L) * rng.uniform(0.5, 2.0, L)
    W, b = w[None, :], -w * knots
    X = np.linspace(-1, 1, 200_001)[:, None]
    assert npn.count_regions(X, W, b).n_regions == L + 1


def exact_window_count_2d(W, b, lo=-1.0, hi=1.0):
    """1 + (lines meeting the open square) + (pairwise intersections inside it), directly."""
    L = W.shape[1]
    corners = np.array(list(itertools.product([lo, hi], repeat=2)))
    vals = corners @ W + b
    lines = int(np.sum((vals.min(axis=0) < 0) & (vals.max(axis=0) > 0)))
    points = 0
    for i, j in itertools.combinations(range(L), 2):
        A = np.array([W[:, i], W[:, j]])
        p = np.linalg.solve(A, -np.array([b[i], b[j]]))
        points += int(np.all((p > lo) & (p < hi)))
    return 1 + lines + points


@pytest.mark.parametrize("L,seed", [(3, 0), (6, 1), (10, 2)])
def test_dense_grid_converges_to_exact_2d_count(L, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(2, L))
    b = rng.normal(size=L) * 0.5
    exact = exact_window_count_2d(W, b)
    counts = []
    for n in (50, 200, 1500):
        g = np.linspace(-1, 1, n)
        X = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
        counts.append(npn.count_regions(X, W, b).n_regions)
    assert all(c <= exact for c in counts), (counts, exact)
    assert counts == sorted(counts)
    assert counts[-1] >= exact - 1  # a sliver region may still be missed at 1500^2


def test_labels_accept_bool_and_ties_count_half():
    X = np.array([[0.5], [0.6], [-0.5], [-0.6]])
    s = npn.count_regions(X, np.array([[1.0]]), np.array([0.0]), y=np.array([True, False, True, True]))
    assert s.majority_accuracy == pytest.approx((1 + 2) / 4)
    assert s.mean_occupancy == 2.0


def test_region_stats_are_hashable_and_compared_by_value():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    a = npn.count_regions(X, np.array([[1.0]]), np.array([0.0]), y=[0, 1, 1, 1])
    b = npn.count_regions(X, np.array([[1.0]]), np.array([0.0]), y=[0, 1, 1, 1])
    assert a == b and hash(a) == hash(b)
    assert a != npn.count_regions(X, np.array([[1.0]]), np.array([1.5]), y=[0, 1, 1, 1])
    assert not a.occupancy.flags.writeable


def test_patterns_are_scale_free_and_overflow_is_refused():
    # With zero biases, scaling the points or the weights by a positive factor keeps every sign: the count must not
    # move while the products stay finite, and must be refused once they overflow (until the twenty-sixth pass on
    # issue 11 the overflow gave 2 regions instead of 13, silently).
    rng = np.random.default_rng(0)
    X, W, b = rng.uniform(-1, 1, (50, 3)), rng.normal(size=(3, 5)), np.zeros(5)
    base = npn.count_regions(X, W, b).n_regions
    assert npn.count_regions(X * 1e100, W * 1e100, b).n_regions == base
    # a second layer of the identity repeats the first layer's signs: the same regions
    assert npn.count_regions_deep(X * 1e100, [(W * 1e100, b), (np.eye(5), np.zeros(5))]).n_regions == base
    # a bias near the largest float sends the call down the checked path (its a-priori bound is too large) and keeps
    # every value finite: the unit is always on, as with a bias of 100
    on = b.copy()
    on[0] = 100.0
    huge = b.copy()
    huge[0] = 0.6 * np.finfo(np.float64).max
    assert npn.count_regions(X, W, huge).n_regions == npn.count_regions(X, W, on).n_regions
    for call in (lambda: npn.count_regions(X * 1e160, W * 1e160, b),
                 lambda: npn.count_regions_deep(X.astype(np.float32) * 1e20, [(W.astype(np.float32) * 1e20,
                                                                                b.astype(np.float32))])):
        with pytest.raises(ValueError, match="overflow"):
            call()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(1, 6), min_size=1, max_size=3), st.integers(1, 200),
       st.integers(0, 2**32 - 1), st.sampled_from([np.float32, np.float64]), st.data())
def test_scaling_by_powers_of_two_keeps_every_pattern_or_is_refused_as_overflow(d, widths, N, seed, dtype, data):
    """Scaling the points by ``2^kx`` and layer ``l``'s weights by ``2^kw_l`` (its bias by the scale its
    pre-activation takes, ``2^s_l``, ``s_l = kx + kw_1 + ... + kw_l``) multiplies every product, sum and ReLU output
    by a power of two: exact in floating point while nothing overflows (nothing here is small enough to meet the
    subnormals), so every sign, hence the count and the majority accuracy, must be the base network's. The scales
    ``s_l`` (never falling) are drawn up to and past the dtype's range, often within a few powers of two of where a
    layer's largest pre-activation overflows (the biases small, so that the products, not a bias, reach it first):
    a call that overflows must be refused with a ValueError about the overflow, and only one whose
    pre-activations can reach the range (the largest ``sum |h||w| + |b|`` of some layer, scaled, above a quarter of
    the dtype's largest float), never a call whose every value stays far inside it."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N, d)).astype(dtype)
    layers, fan = [], d
    for w in widths:
        layers.append((rng.normal(size=(fan, w)).astype(dtype), (rng.normal(size=w) / 256).astype(dtype)))
        fan = w
    y = rng.integers(0, 2, N)
    base = npn.count_regions_deep(X, layers, y=y)
    top = 127 if dtype == np.float32 else 1023  # the largest float is just under 2^(top + 1)
    # the scale of each layer's pre-activation, non-decreasing, often within a few powers of two of where its
    # largest value (the base network's, in float64) overflows
    s_prev = kx = data.draw(st.integers(0, top - 4), label="kx")
    scaled, h, room, a = [], np.abs(X.astype(np.float64)), True, X.astype(np.float64)
    with np.errstate(over="ignore"):
        Xs = np.ldexp(X, kx).astype(dtype)
        for W, b in layers:
            z = a @ W.astype(np.float64) + b.astype(np.float64)
            a = np.maximum(z, 0)
            edge = int(np.floor(top + 1 - np.log2(max(np.abs(z).max(), 1e-3))))
            s_l = max(s_prev, edge + data.draw(st.integers(-top, 4) | st.integers(-3, 2), label="s_l - edge"))
            kw, s_prev = s_l - s_prev, s_l
            # the largest a pre-activation (and every partial sum of it) can be, in float64 at the base scale, and
            # the largest weight; in log2, scaled (a quarter of the largest float is 2^(top - 1))
            bound = h @ np.abs(W.astype(np.float64)) + np.abs(b.astype(np.float64))
            room = room and np.log2(bound.max()) + s_l < top - 1 and np.log2(np.abs(W).max()) + kw < top - 1
            scaled.append((np.ldexp(W, kw).astype(dtype), np.ldexp(b, s_l).astype(dtype)))
            h = bound
    if not all(np.isfinite(arr).all() for arr in [Xs] + [arr for layer in scaled for arr in layer]):
        return  # a weight, bias or point beyond the dtype: refused as input, not as overflow (other tests)
    try:
        got = npn.count_regions_deep(Xs, scaled, y=y)
    except ValueError as err:
        assert "overflow" in str(err), err
        assert not room, f"refused, though every value stays under a quarter of the largest float: {err}"
        return
    assert (got.n_regions, got.majority_accuracy) == (base.n_regions, base.majority_accuracy)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(1, 6), min_size=1, max_size=3), st.integers(1, 400),
       st.integers(0, 2**32 - 1), st.sampled_from([np.float32, np.float64]))
def test_points_on_a_hyperplane_are_off_in_both_dtypes_as_numpy_says(d, widths, N, seed, dtype):
    """Ties: small integer points, weights and biases make every product and sum exact in float32 and float64, so
    many points lie exactly on a hyperplane (a pre-activation of exactly 0, in any layer: the ReLU outputs stay
    integers). The documented convention is the sign vector ``X @ W + b > 0``: a point on a hyperplane has its unit
    off, with the points on the negative side. The count, the occupancy and the majority accuracy are numpy's
    ``np.unique`` of those patterns, in both dtypes (float32 X takes float64 weights cast to float32)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(N, d)).astype(dtype)
    layers, fan = [], d
    for w in widths:
        layers.append((rng.integers(-2, 3, size=(fan, w)).astype(np.float64), rng.integers(-3, 4, size=w) * 1.0))
        fan = w
    y = rng.integers(0, 2, N)
    s = npn.count_regions_deep(X, layers, y=y)
    n, occ, acc = numpy_reference(X.astype(np.float64), layers, y)
    assert s.n_regions == n
    np.testing.assert_array_equal(s.occupancy, occ)
    assert s.majority_accuracy == pytest.approx(acc, abs=1e-12)
    one = npn.count_regions(X, *layers[0])
    assert one.n_regions == numpy_reference(X.astype(np.float64), layers[:1])[0]


def test_a_point_on_the_hyperplane_shares_the_negative_sides_region():
    """The convention by hand: x = 0 on the knot of relu(x) goes with x < 0 (z > 0 is on, z = 0 off)."""
    W, b = np.array([[1.0]]), np.array([0.0])
    for dtype in (np.float32, np.float64):
        assert npn.count_regions(np.array([[0.0], [-1.0]], dtype=dtype), W, b).n_regions == 1
        assert npn.count_regions(np.array([[0.0], [1.0]], dtype=dtype), W, b).n_regions == 2
        assert npn.count_regions(np.array([[0.0], [-1.0]], dtype=dtype), -W, b).n_regions == 2


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.integers(1, 2000), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_float32_matches_numpy_in_float32(d, N, L, seed):
    """float32 points on random float32 weights: numpy's float32 patterns of the same numbers (kept away from ties
    by dropping the points whose pre-activation is within float32 rounding of 0, where the order of summation
    decides), and the float64 count of the same float32 numbers agrees on the points kept."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N, d)).astype(np.float32)
    W, b = rng.normal(size=(d, L)).astype(np.float32), rng.normal(size=L).astype(np.float32)
    z = X.astype(np.float64) @ W.astype(np.float64) + b
    scale = np.abs(X).astype(np.float64) @ np.abs(W).astype(np.float64) + np.abs(b)
    X = X[np.all(np.abs(z) > 1e-5 * scale, axis=1)]
    if len(X) == 0:
        return
    s = npn.count_regions(X, W, b)
    n, occ, _ = numpy_reference(X, [(W, b)])
    assert s.n_regions == n
    np.testing.assert_array_equal(s.occupancy, occ)
    assert npn.count_regions(X.astype(np.float64), W.astype(np.float64), b.astype(np.float64)).n_regions == n


def test_the_counts_are_the_same_bits_at_1_3_and_7_threads():
    """The points are counted in parallel chunks of 2048 rows (``CHUNK_ROWS``) whose pattern tables are merged:
    24 chunks and a part shared by the core's global pool of 1, 3 or 7 threads (``RAYON_NUM_THREADS``) and this
    process's must give the same region count, occupancy and majority accuracy (float bits), float64 and float32.
    (Each call takes a few ms, so it runs 8 times: with 9 chunks a call, a core that dropped a row of every chunk
    a third thread counted passed a run of 2 calls at 7 threads, the third thread still asleep.)"""
    from conftest import digests_at_thread_counts

    code = """
from nnpartition.activation_regions import count_regions_deep
rng = np.random.default_rng(3)
X = rng.normal(size=(24 * 2048 + 3, 4))
y = (X[:, 0] * X[:, 1] > 0).astype(int)
layers = [(rng.normal(size=(4, 12)), rng.normal(size=12)), (rng.normal(size=(12, 10)), rng.normal(size=10))]
for Xc in (X, X.astype(np.float32)) * 4:   # each call a few ms: repeated, so that every thread takes a share
    r = count_regions_deep(Xc, layers, y=y)
    assert r.n_regions > 1000 and 0.5 < r.majority_accuracy < 1, (r.n_regions, r.majority_accuracy)
    out(r.n_regions, r.n_points, r.occupancy, r.majority_accuracy)
"""
    outs = digests_at_thread_counts(code)
    assert [t for t in outs if outs[t] != outs[1]] == [], outs


def test_count_regions_deep_given_a_network_says_to_pass_its_layers():
    """A researcher holding a trained ``DeepNet`` (or ``TwoLayerNet``) writes ``count_regions_deep(X, net)``; the
    refusal said only "layers must be a sequence of (W, b) pairs". It now names the object and what to pass; the
    pairs it names then count what the network's own decision regions see: every point's pattern, layer by layer,
    recomputed here in numpy (the independent truth)."""
    from nnpartition.activation_regions import count_regions_deep

    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, (300, 2))
    y = (X[:, 0] > 0).astype(int)
    net = npn.train(X, y, widths=[6, 4], steps=50).network
    with pytest.raises(TypeError, match=r"layers must be a list \(or tuple\) of \(W, b\) pairs, got DeepNet.*"
                                        r"net\.layers"):
        count_regions_deep(X, net)
    h, patterns = X, []
    for W, b in net.layers:
        z = h @ W + b
        patterns.append(z > 0)
        h = np.maximum(z, 0)
    assert count_regions_deep(X, net.layers).n_regions == len({p.tobytes() for p in np.hstack(patterns)})
