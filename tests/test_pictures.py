"""Exact region polygons, partition plots and training movies (nnpartition.pictures).

Independent truths: the exact one-layer count of ``regions_in_box`` and of the
numpy line-arrangement formula, regioncam's face count for deep 2-D networks,
the window's area, and activation patterns / logits computed with plain numpy
at an interior point of every polygon.
"""

import warnings

import numpy as np
import pytest

import nnpartition as npn
from nnpartition import DeepNet, Plane, TwoLayerNet, region_polygons
from nnpartition.window import regions_in_square_numpy


def torch_like(widths, d, seed, dtype=np.float64):
    """Layers drawn like PyTorch's default initialisation."""
    rng = np.random.default_rng(seed)
    layers, fan_in = [], d
    for w in widths:
        s = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-s, s, (fan_in, w)).astype(dtype), rng.uniform(-s, s, w).astype(dtype)))
        fan_in = w
    return layers, rng.normal(size=fan_in), float(rng.normal(scale=0.1))


def make_net(widths, d=2, seed=0, activation="relu"):
    layers, w_out, b_out = torch_like(widths, d, seed)
    return DeepNet(layers, w_out, b_out, activation, 0.1)


def numpy_patterns(net, X):
    """Activation patterns (layer-major) and logits of rows of X, in plain numpy."""
    h, pats = X, []
    layers = net.layers if isinstance(net, DeepNet) else [(net.W1, net.b1)]
    w_out, b_out = (net.w_out, net.b_out) if isinstance(net, DeepNet) else (net.w2, net.b2)
    for W, b in layers:
        z = h @ W + b
        pats.append(z > 0)
        h = np.where(z > 0, z, (net.slope if net.activation == "leaky_relu" else 0.0) * z)
    return np.concatenate(pats, axis=1), h @ w_out + b_out


# --- exactness -------------------------------------------------------------------------------

@pytest.mark.parametrize("L,seed", [(3, 0), (40, 1), (150, 2)])
@pytest.mark.parametrize("box", [(-1.0, 1.0), ((-2.0, -0.5), (1.0, 3.0))])
def test_one_layer_count_equals_regions_in_box(L, seed, box):
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(2, L)), rng.normal(size=L)
    net = TwoLayerNet(W, b, rng.normal(size=L), 0.3)
    rp = region_polygons(net, box=box)
    (lo, hi) = ((box[0],) * 2, (box[1],) * 2) if np.ndim(box) == 1 else box
    assert rp.n_regions == npn.regions_in_box(W, b, lo, hi)
    if np.ndim(box) == 1:
        assert rp.n_regions == regions_in_square_numpy(W, b, box[0], box[1])


@pytest.mark.parametrize("widths,seed", [([8, 8], 0), ([16, 16], 1), ([32, 32], 2), ([20, 10, 20], 3),
                                         ([64, 64], 4), ([5, 40, 5, 30], 5)])
def test_deep_count_equals_regioncam(widths, seed):
    regioncam = pytest.importorskip("regioncam")
    layers, w_out, b_out = torch_like(widths, 2, seed, np.float32)
    net = DeepNet([(W.astype(np.float64), b.astype(np.float64)) for W, b in layers], w_out, b_out)
    for size in (1.0, 2.0):
        rc = regioncam.Regioncam(size=size)
        for W, b in layers:
            rc.linear(W, b)
            rc.relu()
        assert region_polygons(net, box=(-size, size)).n_regions == rc.num_faces


@pytest.mark.parametrize("widths,activation,box", [
    ([12], "relu", (-1.0, 1.0)),
    ([10, 10], "relu", ((-3.0, -1.0), (2.0, 0.5))),
    ([8, 6, 9], "leaky_relu", (-2.0, 2.0)),
    ([30, 30], "relu", (-1.0, 1.0)),
])
def test_areas_sum_to_window_and_patterns_hold_inside(widths, activation, box):
    net = make_net(widths, seed=len(widths), activation=activation)
    rp = region_polygons(net, box=box)
    (lo, hi) = ((box[0],) * 2, (box[1],) * 2) if np.ndim(box) == 1 else box
    area = (hi[0] - lo[0]) * (hi[1] - lo[1])
    a = rp.areas()
    assert np.all(a > 0)
    assert abs(a.sum() - area) <= 1e-9 * area
    # Every vertex lies in the window (up to rounding).
    assert np.all(rp.vertices >= np.array(lo) - 1e-12) and np.all(rp.vertices <= np.array(hi) + 1e-12)
    # Interior point of each polygon: numpy gives the recorded pattern, logit and decision.
    c = rp.centroids()
    pats, logits = numpy_patterns(net, c)
    assert np.array_equal(pats, rp.patterns)
    np.testing.assert_allclose(np.einsum("nd,nd->n", c, rp.affine_weight) + rp.affine_bias, logits,
                               rtol=1e-9, atol=1e-9)
    assert np.array_equal(rp.decision, logits > 0)
    # Patterns of distinct regions are distinct (regions are convex, so one region per pattern).
    assert len({p.tobytes() for p in rp.patterns}) == rp.n_regions


def test_affine_map_holds_at_every_vertex():
    net = make_net([16, 16], seed=7)
    rp = region_polygons(net)
    owner = np.repeat(np.arange(rp.n_regions), np.diff(rp.offsets))
    _, logits = numpy_patterns(net, rp.vertices)
    lin = np.einsum("nd,nd->n", rp.vertices, rp.affine_weight[owner]) + rp.affine_bias[owner]
    np.testing.assert_allclose(lin, logits, atol=1e-9)


def test_slice_through_three_points_of_a_higher_dimensional_input():
    rng = np.random.default_rng(3)
    net = make_net([12, 12], d=6, seed=3)
    X = rng.uniform(-1, 1, (3, 6))
    rp = region_polygons(net, plane=tuple(X), box=(-2, 2))
    assert rp.input_vertices.shape == (rp.vertices.shape[0], 6)
    # The slice is orthonormal: x0 at the origin, x1 on the s axis at distance |x1 - x0|.
    np.testing.assert_allclose(rp.plane.to_window(X[:2]), [[0, 0], [np.linalg.norm(X[1] - X[0]), 0]], atol=1e-12)
    np.testing.assert_allclose(rp.plane.to_input(rp.vertices), rp.input_vertices)
    assert abs(rp.areas().sum() - 16.0) < 1e-9
    x_in = rp.plane.to_input(rp.centroids())
    pats, logits = numpy_patterns(net, x_in)
    assert np.array_equal(pats, rp.patterns)
    np.testing.assert_allclose(np.einsum("nd,nd->n", x_in, rp.affine_weight) + rp.affine_bias, logits, atol=1e-9)


def test_d2_with_the_standard_plane_equals_no_plane():
    net = make_net([10, 10], seed=1)
    a = region_polygons(net)
    b = region_polygons(net, plane=Plane(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    assert a.n_regions == b.n_regions and np.array_equal(a.vertices, b.vertices)


def test_split_decision_cuts_along_the_boundary():
    net = make_net([20, 20], seed=2)
    a = region_polygons(net)
    b = region_polygons(net, split_decision=True)
    crossing = a.boundary.shape[0]
    assert crossing > 0 and b.n_regions == a.n_regions + crossing
    _, logits = numpy_patterns(net, b.centroids())
    assert np.array_equal(b.decision, logits > 0)
    # Boundary segments have logit 0 at both ends.
    _, ends = numpy_patterns(net, a.boundary.reshape(-1, 2))
    assert np.max(np.abs(ends)) < 1e-9


def test_same_result_at_any_thread_count(monkeypatch):
    import subprocess
    import sys

    code = ("import numpy as np, nnpartition as npn, hashlib;"
            "rng=np.random.default_rng(0);"
            "net=npn.DeepNet([(rng.normal(size=(2,40)),rng.normal(size=40)),(rng.normal(size=(40,30)),"
            "rng.normal(size=30))],rng.normal(size=30),0.0);"
            "rp=npn.region_polygons(net);"
            "print(hashlib.sha1(rp.vertices.tobytes()+rp.patterns.tobytes()).hexdigest())")
    outs = set()
    for t in ("1", "3"):
        env = {**__import__("os").environ, "RAYON_NUM_THREADS": t}
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout)
    assert len(outs) == 1


def test_from_sklearn_network():
    sklearn = pytest.importorskip("sklearn.neural_network")
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    clf = sklearn.MLPClassifier((8, 8), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: any fitted network will do
        clf.fit(X, y)
    rp = region_polygons(clf)
    net = DeepNet.from_sklearn(clf)
    pats, logits = numpy_patterns(net, rp.centroids())
    assert np.array_equal(pats, rp.patterns)
    assert np.array_equal(rp.decision, logits > 0)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(box=(1.0, 1.0)), ValueError, "box is empty"),
    (dict(box=((0, 0), (1, -1))), ValueError, "box is empty"),
    (dict(box=(0, np.nan)), ValueError, "NaN"),
    (dict(box=(0, 1, 2)), ValueError, "box must be"),
    (dict(box="ab"), TypeError, "box"),
    (dict(tol=0.0), ValueError, "tol"),
    (dict(max_regions=0), ValueError, "max_regions"),
    (dict(split_decision=1), TypeError, "split_decision"),
    (dict(plane=([0, 0], [1, 1], [2, 2])), ValueError, "collinear"),
    (dict(plane=([0, 0, 0], [1, 0, 0], [0, 1, 0])), ValueError, "input width"),
    (dict(plane=5), TypeError, "plane"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        region_polygons(make_net([4]), **kwargs)


def test_bad_networks():
    with pytest.raises(ValueError, match="d = 5 > 2"):
        region_polygons(make_net([4], d=5))
    with pytest.raises(ValueError, match="piecewise-linear"):
        region_polygons(make_net([4], activation="tanh"))
    with pytest.raises(TypeError, match="TwoLayerNet"):
        region_polygons(object())
    net = make_net([4, 4])
    net.layers[1][1][0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        region_polygons(net)
    net = make_net([4])
    net.w_out[0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        region_polygons(net)


def test_too_many_regions_fails_fast_with_advice():
    net = make_net([64, 64], seed=4)
    n = region_polygons(net).n_regions
    with pytest.raises(MemoryError, match="shrink the box"):
        region_polygons(net, max_regions=n - 1)
    assert region_polygons(net, max_regions=n).n_regions == n
    # A first layer that alone would exceed the default limit stops there, quickly.
    rng = np.random.default_rng(0)
    big = TwoLayerNet(rng.normal(size=(2, 4000)), rng.normal(size=4000) * 0.1, np.ones(4000), 0.0)
    with pytest.raises(MemoryError, match="more than 100000 regions"):
        region_polygons(big, max_regions=100_000)
