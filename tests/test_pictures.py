"""Exact region polygons, partition plots and training movies (nnpartition.pictures).

Independent truths: the exact one-layer count of ``regions_in_box`` and of the
numpy line-arrangement formula, regioncam's face count for deep 2-D networks,
the window's area, and activation patterns / logits computed with plain numpy
at an interior point of every polygon.
"""

import importlib.util
import io
import math
import re
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

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


@pytest.mark.parametrize("split", [False, True])
def test_a_margin_below_the_rounding_cuts_no_slivers(split):
    """Found by fuzzing (session 49): with ``tol = 1e-300`` (allowed: ``(0, 0.01]``) vertices were put on a line's
    sides by their rounding, and two units with the same line cut slivers of area 1e-16 between them with patterns
    no point has (unit 0 on, its twin unit 1 off): 9 regions instead of 6. The margin is now at least a few
    roundings of the window's coordinates. Truths: the exact count of the three distinct lines
    (``regions_in_box``), and twins agreeing on every region."""
    W = np.array([[-4.0, -4.0, 3.0, -2.0], [3.0, 3.0, 3.0, 3.0]])   # units 0 and 1: the same line
    b = np.full(4, 1.5)
    net = TwoLayerNet(W, b, np.array([3.0, 3.0, -1.0, -1.0]), 3.0)
    box = ((-2.0, -1.0), (1.0, 2.0))
    for tol in (1e-300, 1e-20, 1e-9):
        rp = region_polygons(net, box=box, tol=tol, split_decision=split)
        assert np.array_equal(rp.patterns[:, 0], rp.patterns[:, 1]), tol
        assert rp.areas().min() > 1e-3, tol
        if not split:
            assert rp.n_regions == npn.regions_in_box(W[:, 1:], b[1:], box[0], box[1]) == 6


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


def test_a_plane_is_the_network_with_its_affine_map_folded_into_the_first_layer():
    """The slice x = o + s u + t v of a network is the network whose first layer reads (s, t): W1' = [u; v] W1,
    b1' = b1 + o W1. Drawn without a plane, that network must give the same regions in the same window (counts,
    and areas once sorted), for a rotated, stretched and shifted plane, in d = 2 and d = 3."""
    rng = np.random.default_rng(7)
    for d in (2, 3):
        net = make_net([10, 10], d=d, seed=1)
        o, u, v = rng.normal(size=d) * 0.3, rng.normal(size=d), rng.normal(size=d)
        (W1, b1), rest = net.layers[0], net.layers[1:]
        folded = DeepNet([(np.stack([u, v]) @ W1, b1 + o @ W1)] + list(rest), net.w_out, net.b_out, "relu", 0.1)
        a = region_polygons(net, plane=Plane(o, u, v))
        b = region_polygons(folded)
        assert a.n_regions == b.n_regions > 1
        np.testing.assert_allclose(np.sort(a.areas()), np.sort(b.areas()), rtol=1e-9, atol=1e-12)


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


def test_the_fail_fast_sample_does_not_change_the_result():
    rng = np.random.default_rng(0)
    net = DeepNet([(rng.normal(size=(2, 100)), rng.normal(size=100)), (rng.normal(size=(100, 30)),
                                                                       rng.normal(size=30))], rng.normal(size=30), 0.0)
    plain = region_polygons(net)                       # a crude bound is under the default limit: one pass
    sampled = region_polygons(net, max_regions=plain.n_regions)   # bound over the limit: sample first
    assert np.array_equal(plain.vertices, sampled.vertices) and np.array_equal(plain.patterns, sampled.patterns)
    with pytest.raises(ValueError, match="shrink the box"):
        region_polygons(net, max_regions=plain.n_regions // 3)


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


def test_from_torch_sequential():
    """A torch ``nn.Sequential`` is drawn as ``DeepNet.from_torch`` reads it (docs: converted). Truth: torch's own
    forward pass at every region's centroid: its hidden pre-activations' signs are the patterns, its logit's sign
    the decision (``split_decision=True``: exact on every polygon)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.ReLU(), torch.nn.Linear(6, 5), torch.nn.ReLU(),
                              torch.nn.Linear(5, 1)).double()
    rp = region_polygons(seq, box=(-2, 2), split_decision=True)
    x = torch.tensor(rp.centroids(), dtype=torch.float64)
    with torch.no_grad():
        z1 = seq[0](x)
        z2 = seq[2](torch.relu(z1))
        logit = seq[4](torch.relu(z2))[:, 0]
    assert rp.n_regions > 5
    assert np.array_equal(rp.patterns, np.concatenate([(z1 > 0).numpy(), (z2 > 0).numpy()], axis=1))
    assert np.array_equal(rp.decision, (logit > 0).numpy())
    assert np.isclose(rp.areas().sum(), 16.0)


def test_layer_patterns_are_each_layers_signs():
    """``layer_patterns(l)`` (docs/pictures.md) is hidden layer ``l``'s own columns of ``patterns``. Truth: the
    signs of that layer's pre-activations at the centroids in plain numpy; a layer past the last is refused."""
    net = make_net([4, 7, 3], seed=5)
    rp = region_polygons(net, box=(-2, 2))
    h = rp.centroids()
    for layer, (W, b) in enumerate(net.layers):
        z = h @ W + b
        got = rp.layer_patterns(layer)
        assert got.shape == (rp.n_regions, W.shape[1])
        assert np.array_equal(got, z > 0), layer
        h = np.maximum(z, 0.0)
    with pytest.raises(ValueError, match="layer"):
        rp.layer_patterns(3)
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):   # a result is not changed after the fact
        rp.n_regions = 0   # type: ignore[misc]
    assert rp == rp and rp != region_polygons(net, box=(-2, 2)) and len({rp}) == 1   # by identity, hashable


def test_polygon_and_max_regions_take_their_whole_range():
    """``polygon(r)`` takes ``0 <= r < n_regions`` (one past the end is refused, not an empty polygon), and
    ``max_regions`` is any count from 1: one region fits ``max_regions=1``, two do not. Truth: the line ``x = 0``
    halves the square ``[-1, 1]^2`` into two rectangles of area 2; ``x = 5`` misses it."""
    halves = TwoLayerNet(np.array([[1.0], [0.0]]), np.array([0.0]), np.array([1.0]), 0.0)
    rp = region_polygons(halves, max_regions=2)
    assert rp.n_regions == 2
    for r in range(2):
        q = rp.polygon(r)
        assert sorted(np.unique(np.abs(q[:, 0])).tolist()) == [0.0, 1.0]
    for r in (2, -1):
        with pytest.raises(ValueError, match="r must be"):
            rp.polygon(r)
    with pytest.raises(ValueError, match="max_regions"):
        region_polygons(halves, max_regions=1)
    missed = TwoLayerNet(np.array([[1.0], [0.0]]), np.array([-5.0]), np.array([1.0]), 0.0)
    one = region_polygons(missed, max_regions=1)
    assert one.n_regions == 1 and np.isclose(one.areas()[0], 4.0)


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


def _exact_areas(rp):
    """The regions' signed areas, exactly (Fractions of the vertices returned)."""
    out = []
    for r in range(rp.n_regions):
        P = [(Fraction(x), Fraction(y)) for x, y in rp.polygon(r).tolist()]
        out.append(sum(P[i - 1][0] * P[i][1] - P[i][0] * P[i - 1][1] for i in range(len(P))) / 2)
    return out


def _lines_through(lo, size, n, seed):
    """A network whose first layer's ``n`` lines pass through random points of the window at random angles."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(-1, 1, size=(2, n))
    pts = np.asarray(lo) + np.asarray(size) * rng.random(size=(n, 2))
    return DeepNet([(W, -np.einsum("ij,ji->i", pts, W)), (rng.uniform(-1, 1, size=(n, 3)), np.zeros(3))],
                   np.ones(3), 0.0)


@pytest.mark.parametrize("c", [1e4, 1e8, 1e10, -1e12])
def test_a_window_far_from_the_origin_is_tiled_by_counter_clockwise_regions(c):
    """Session 50: a region's orientation was read from its area about the origin, whose products cancel to noise
    above a small region's area far from it: 6 of the 21 regions 8 lines cut ``[1e8, 1e8 + 1]^2`` into came back
    clockwise (exact areas adding up to 0.89 of the window; 11 of 32 and 0.05 at 1e10). Truth: the exact areas of
    the polygons returned are positive and add up to the window's, to within the vertex margin (64 roundings of
    ``c``: a vertex that close to a line counts as on it)."""
    rp = region_polygons(_lines_through((c, c), (1.0, 1.0), 8, 3), box=(c, c + 1))
    areas = _exact_areas(rp)
    assert min(areas) > 0
    assert abs(float(sum(areas)) - 1.0) < max(1e-9, 64 * 2.0**-52 * abs(c))


def test_a_window_under_64_roundings_of_its_coordinates_wide_is_refused():
    """Session 50: no double lies strictly inside ``1 - 2**-53 < s < 1``; such windows (a side narrower than 64
    roundings of the largest coordinate) are refused, naming the limit; one just above it is tiled by its regions
    (exact areas, positive, adding up to the window's)."""
    below_one = float(np.nextafter(1.0, 0.0))
    for box, k in [(((below_one, -1.0), (1.0, 1.0)), 0), (((-1.0, 8.0), (1.0, 8.0 + 400 * 2.0**-52)), 1)]:
        with pytest.raises(ValueError, match=rf"box must be at least 64 roundings of its largest coordinate wide .*"
                                             rf"got lo\[{k}\]="):
            region_polygons(make_net([4]), box=box)
    for c, width in [(1.0, 65 * 2.0**-52), (-8.0, 520 * 2.0**-52)]:
        lo, hi = (c, 0.0), (c + width, 3.0)
        for split in (False, True):
            rp = region_polygons(_lines_through(lo, (width, 3.0), 12, 7), box=(lo, hi), split_decision=split)
            assert rp.n_regions > 3
            areas = _exact_areas(rp)
            assert min(areas) > 0
            assert abs(float(sum(areas) / (Fraction(hi[0]) - Fraction(lo[0])) / 3) - 1) < 1e-6


def _exact_regions_1d(layers, lo, hi, slope=0.0):
    """Regions of a (leaky) ReLU network on the open interval ``lo < x < hi``, in exact rational arithmetic: each
    layer's units are affine on each piece of the layers before, so the pieces are split at their roots, and the
    regions are the runs of equal activation patterns along the interval (adjacent pieces of one pattern are one)."""
    pieces = [(Fraction(lo), Fraction(hi), [(Fraction(1), Fraction(0))], ())]
    for W, b in layers:
        W = [[Fraction(float(x)) for x in row] for row in np.atleast_2d(W)]
        new = []
        for x0, x1, maps, pat in pieces:
            z = [(sum(W[j][i] * p for j, (p, _) in enumerate(maps)),
                  sum(W[j][i] * q for j, (_, q) in enumerate(maps)) + Fraction(float(b[i]))) for i in range(len(b))]
            roots = sorted({-q / p for p, q in z if p != 0 and x0 < -q / p < x1})
            ends = [x0, *roots, x1]
            for a, c in zip(ends, ends[1:]):
                mid = (a + c) / 2
                on = tuple(p * mid + q > 0 for p, q in z)
                g = [Fraction(1) if o else Fraction(slope) for o in on]
                new.append((a, c, [(gi * p, gi * q) for gi, (p, q) in zip(g, z)], pat + on))
        pieces = new
    return 1 + sum(p[3] != q[3] for p, q in zip(pieces, pieces[1:]))


@pytest.mark.parametrize("c", [1e8, 12345.678, 1.0])
@pytest.mark.parametrize("v", [0.6, -1e299, 1.0, 2.0**59])
def test_a_later_layer_in_a_window_narrow_for_its_coordinates_is_drawn_where_its_root_is(c, v):
    """Session 53: on the window ``[c, c + 512 ulps]`` the units ``relu(x)`` and ``relu((1 + 2**-20) x - 2**-20 m)``
    (``m`` the middle) read by a second-layer unit with weights ``(v, -v)`` make ``v 2**-20 (m - x)``: 2 regions.
    Summed in plain float64 that unit's line was off by ``2**-33`` of its slope (for ``v = 0.6`` or ``1e299``; ``1``
    and ``2**59`` happened to be exact), its root 1,000 windows away at ``c = 1e8``: the window was drawn as 1
    region while ``network_regions_in_box`` counted 2. Truths: the count in exact rational arithmetic over the
    pieces (in 1-D, the second input a dummy), the core's count, and the line drawn at ``m`` (a few roundings);
    with a first-layer cut ``y = w / 2`` (a third unit the second layer does not read), twice the regions; with a
    third layer cutting again 128 ulps from ``m``, 3 (and 6). (The window is as tall as it is wide, ``w``: a vertex
    margin of ``1e-9`` of its diagonal stays below its width.)"""
    lo, hi = c, c + 512 * float(np.spacing(c))
    w = hi - lo
    m = lo / 2 + hi / 2
    W1, b1 = np.array([[1.0, 1.0 + 2.0**-20]]), np.array([0.0, -m * 2.0**-20])
    W2, b2 = np.array([[v], [-v]]), np.zeros(1)
    # A third layer: relu(h - h(x0)), x0 128 ulps from m where the second-layer unit h is on: a second root at x0.
    x0 = m - np.sign(v) * 128 * float(np.spacing(c))
    W3, b3 = np.ones((1, 1)), np.array([-float(Fraction(v) * Fraction(2.0**-20) * (Fraction(m) - Fraction(x0)))])
    for deep in (False, True):
        later = [(W2, b2), (W3, b3)] if deep else [(W2, b2)]
        exact = _exact_regions_1d([(W1, b1), *later], lo, hi)
        assert exact == 2 + deep
        assert npn.network_regions_in_box([(W1, b1), *later], lo, hi) == exact
        for cut in (False, True):
            W = np.vstack([W1, np.zeros((1, 2))])
            b, V = b1, W2
            if cut:
                W, b, V = np.hstack([W, [[0.0], [1.0]]]), np.append(b1, -w / 2), np.vstack([W2, [[0.0]]])
            layers = [(W, b), (V, b2), *later[1:]]
            rp = region_polygons(DeepNet(layers, np.ones(1), 0.0), box=((lo, 0.0), (hi, w)))
            assert rp.n_regions == exact * (1 + cut)
            assert npn.network_regions_in_box(layers, (lo, 0.0), (hi, w)) == rp.n_regions
            inside = rp.vertices[(rp.vertices[:, 0] > lo) & (rp.vertices[:, 0] < hi), 0]
            roots = np.array([m, x0] if deep else [m])
            assert len(inside) > 0
            assert np.all(np.min(np.abs(inside[:, None] - roots), axis=1) <= 4 * np.spacing(c))


_EDGE_POINT = st.tuples(st.integers(0, 3), st.integers(1, 22))


def _edge_point(edge, k, lo, hi):
    """The point ``k / 23`` of the way along edge ``edge`` (bottom, right, top, left) of the box ``[lo, hi]``."""
    f = k / 23
    x = [lo[0] + f * (hi[0] - lo[0]), hi[0], hi[0] - f * (hi[0] - lo[0]), lo[0]][edge]
    y = [lo[1], lo[1] + f * (hi[1] - lo[1]), hi[1], hi[1] - f * (hi[1] - lo[1])][edge]
    return x, y


@settings(max_examples=60, deadline=None)
@given(k=st.integers(0, 15), mant=st.sampled_from([1.0, 3.0]), e=st.integers(-3, 3), tall=st.booleans(),
       shift=st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
       ends=st.lists(st.tuples(_EDGE_POINT, _EDGE_POINT).filter(lambda p: p[0][0] != p[1][0]), min_size=1, max_size=6),
       later=st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), max_size=2),
       tol=st.sampled_from([1e-9, 1e-6, 1e-12, 1e-15, 1e-300]))
def test_a_tall_thin_window_has_the_regions_the_count_finds(k, mant, e, tall, shift, ends, later, tol):
    """Session 54: the vertex margin was ``tol`` times the window's diagonal in every direction, so on a window
    narrower than about ``2 tol`` times its length a line across the short side passed within it of every corner
    and cut nothing (``[0, 1e-9] x [0, 1]`` with ``x = 5e-10`` and three lines across: 4 regions, not 8). Random
    thin windows (aspect ratio down to ``1e-15``, either way up, long side ``1e-3`` to ``3e3``, shifted by whole
    sides), lines between points on two edges (``j / 23`` along them), and a second layer of a few units with small
    integer weights: the region count is ``network_regions_in_box``'s (the box mapped onto ``[-1, 1]^2``)."""
    long = mant * 10.0**e
    side = (long * 10.0**-k, long) if tall else (long, long * 10.0**-k)
    lo = (shift[0] * side[0], shift[1] * side[1])
    hi = (lo[0] + side[0], lo[1] + side[1])
    W, b = np.zeros((2, len(ends))), np.zeros(len(ends))
    for j, (p, q) in enumerate(ends):
        (px, py), (qx, qy) = _edge_point(*p, lo, hi), _edge_point(*q, lo, hi)
        # the line through p and q, in units of each axis' side (the weights of a thin window's axes differ)
        a, c = (qy - py) / side[1], -(qx - px) / side[0]
        W[:, j] = a / side[0], c / side[1]
        b[j] = -(W[0, j] * px + W[1, j] * py)
    layers = [(W, b)]
    if later:
        W2 = np.resize(np.array(later, dtype=float).ravel(), (len(ends), len(later)))
        layers.append((W2, -0.5 * np.abs(W2).sum(axis=0) + 0.25))
    want = npn.network_regions_in_box(layers, lo, hi)
    net = DeepNet(layers, np.ones(layers[-1][0].shape[1]), 0.0)
    rp = region_polygons(net, box=(lo, hi), tol=tol)
    assert rp.n_regions == want
    assert math.isclose(float(rp.areas().sum()), side[0] * side[1], rel_tol=1e-9)


def test_bad_networks():
    with pytest.raises(ValueError, match="d = 5 > 2"):
        region_polygons(make_net([4], d=5))
    with pytest.raises(ValueError, match="d >= 2 inputs, got d = 1"):
        region_polygons(make_net([4], d=1))
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


def test_a_network_too_deep_to_draw_is_refused():
    # 2,300 hidden layers of one unit (which the memory limit allows) overflowed a worker's stack: the regions go one
    # layer deeper by a nested call, and the process died of a segmentation fault
    layers = [(np.ones((2, 1)), np.full(1, 0.1))] + [(np.ones((1, 1)), np.full(1, 0.1))] * 2299
    with pytest.raises(ValueError, match="net has 2300 hidden layers, above the limit of"):
        region_polygons(DeepNet(layers, np.ones(1), 0.0))


@pytest.mark.parametrize("d,exc,match", [
    (1, ValueError, "d must be >= 2"),               # was an IndexError
    (0, ValueError, "d must be >= 2"),
    (2.0, TypeError, "d must be an integer"),        # was numpy's "'float' object cannot be interpreted ..."
    ("3", TypeError, "d must be an integer"),
    (True, TypeError, "d must be an integer"),
    (10**12, ValueError, "max_bytes"),                # refused before allocating
])
def test_standard_plane_checks_d(d, exc, match):
    with pytest.raises(exc, match=match):
        Plane.standard(d)


def test_standard_plane_in_high_dimension_does_not_build_an_identity_matrix():
    # np.eye(50000) asked for 18.6 GiB (a MemoryError); the plane needs three vectors of d floats
    p = Plane.standard(50_000)
    assert p.d == 50_000 and p.u[0] == 1.0 and p.v[1] == 1.0 and np.count_nonzero(p.u) + np.count_nonzero(p.v) == 2
    from nnpartition.limits import override

    with override(max_bytes=2**20), pytest.raises(ValueError, match="max_bytes"):
        Plane.standard(50_000)


@pytest.mark.parametrize("method,name,good", [("to_input", "st", [[0.5, 2.0]]), ("to_window", "X", [[1.0, 2.0, 3.0]]),
                                              ("distance", "X", [[1.0, 2.0, 3.0]])])
def test_plane_maps_refuse_non_finite_and_misshaped_points(method, name, good):
    p = Plane.through([0, 0, 0], [1, 0, 0], [0, 1, 0])
    f = getattr(p, method)
    assert np.all(np.isfinite(f(good)))
    for bad_value in (np.nan, np.inf, -np.inf):   # they returned NaN
        bad = np.array(good, dtype=float)
        bad[0, 0] = bad_value
        with pytest.raises(ValueError, match=f"{name} contains NaN or infinity"):
            f(bad)
    with pytest.raises(ValueError, match=f"{name} must hold points of"):
        f(np.zeros((2, 4)))
    with pytest.raises(TypeError, match=name):
        f([["a"] * len(good[0])])
    np.testing.assert_array_equal(f(good[0]), f(good))   # one point as a vector


def test_a_plane_holds_its_own_float_vectors_and_refuses_misshaped_or_non_finite_ones():
    """``Plane(origin, u, v)`` (documented attributes: shape ``(d,)`` each) keeps float64 copies: lists and integer
    arrays are read as vectors, and changing the caller's array afterwards leaves the (frozen) plane as it was.
    A matrix, a direction of another length, NaN or infinity is one ValueError naming the vector."""
    p = Plane([0, 1], [1, 0], [0, 1])
    for name in ("origin", "u", "v"):
        a = getattr(p, name)
        assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (2,), name
    assert p.d == 2 and p.to_input([[2.0, 3.0]]).tolist() == [[2.0, 4.0]]   # (0, 1) + 2 (1, 0) + 3 (0, 1)
    o, u, w = np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    q = Plane(o, u, w)
    with pytest.raises(AttributeError):   # frozen (dataclasses.FrozenInstanceError)
        q.origin = np.ones(3)
    assert q == q and q != Plane(o, u, w) and len({q, p}) == 2   # by identity: no array comparison, hashable
    o[:], u[:], w[:] = 5.0, 0.0, 7.0
    assert q.origin.tolist() == [0.0, 0.0, 0.0] and q.u.tolist() == [1.0, 0.0, 0.0] and q.v.tolist() == [0.0, 1.0, 0.0]
    for args, match in (((np.zeros((2, 2)), [1, 0], [0, 1]), "plane origin must be a vector of 1-D"),
                        (([0, 0], [1, 0, 0], [0, 1]), "plane u must be a vector of length d=2"),
                        (([0, 0], [1, 0], [[0, 1]]), "plane v must be a vector of length d=2"),
                        (([0, np.nan], [1, 0], [0, 1]), "plane origin contains NaN or infinity"),
                        (([0, 0], [1, np.inf], [0, 1]), "plane u contains NaN or infinity")):
        with pytest.raises(ValueError, match=match):
            Plane(*args)


def test_standard_plane_defaults_to_the_input_plane_and_through_refuses_a_repeated_point():
    """``Plane.standard()`` is ``d = 2``'s input plane itself (the signature's default); ``Plane.through`` with
    ``x0 == x1`` is the ValueError its docstring names (collinear), not a division by zero."""
    p = Plane.standard()
    assert p.d == 2 and p.origin.tolist() == [0.0, 0.0] and p.u.tolist() == [1.0, 0.0] and p.v.tolist() == [0.0, 1.0]
    for pts in (([1, 2, 3], [1, 2, 3], [0, 0, 1]), ([1, 2, 3], [1, 2, 3], [1, 2, 3])):
        with pytest.raises(ValueError, match=r"collinear \(x0 == x1\)"):
            Plane.through(*pts)


@pytest.mark.parametrize("scale", [2.0**-1000, 2.0**-600, 1e-4, 1.0, 1e4, 2.0**600, 2.0**1000])
def test_plane_through_is_orthonormal_and_its_collinearity_tests_do_not_depend_on_the_scale(scale):
    """``Plane.through`` (docstring): ``x0`` at the window's origin, ``x1`` on the ``s`` axis, ``u, v``
    orthonormal; collinear points raise. Truths: numpy's norms and dot products, the three points read back
    through ``to_window`` / ``to_input``; and the refusals are the same for the same points at any scale (near
    duplicates and points nearly on one line are refused at every scale, a fair triangle at none). Points too far
    apart for float64 are named so, when only one difference overflows too. Before the fifty-ninth pass the
    norms were numpy's, whose squares overflowed at ``2^600`` ("too far apart") and underflowed at ``2^-600``
    ("collinear (x0 == x1)")."""
    rng = np.random.default_rng(7)
    for _ in range(5):
        x0, x1, x2 = rng.normal(size=(3, 4)) * scale
        p = Plane.through(x0, x1, x2)
        np.testing.assert_allclose([p.u @ p.u, p.v @ p.v, p.u @ p.v], [1.0, 1.0, 0.0], atol=1e-12)
        st = p.to_window([x0, x1, x2])
        np.testing.assert_allclose(st[:2], [[0.0, 0.0], [np.linalg.norm((x1 - x0) / scale) * scale, 0.0]],
                                   atol=1e-9 * scale)
        np.testing.assert_allclose(p.to_input(st), [x0, x1, x2], atol=1e-9 * scale)
    a, b, c = np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.5, 1.0, 0.0])
    for x1, x2 in ((a + [1e-13, 0.0, 0.0], c), (b, np.array([2.0, 1e-7, 0.0]))):
        with pytest.raises(ValueError, match="collinear"):
            Plane.through(a * scale, x1 * scale, x2 * scale)
    Plane.through(a * scale, b * scale, c * scale)
    with pytest.raises(ValueError, match="too far apart"):   # x2 - x0 overflows, x1 - x0 does not
        Plane.through([-1e308, 0.0, 0.0], [0.0, 0.0, 0.0], [1e308, 1e308, 0.0])
    with pytest.raises(ValueError, match="too close together"):   # a fair triangle of subnormal sides
        Plane.through(a * 1e-310, b * 1e-310, c * 1e-310)


def test_plane_distance_is_the_euclidean_distance_to_the_plane():
    """``Plane.distance``: the Euclidean distance of input points to the plane. Truths: for the plane
    ``z = 1`` of ``R^3`` (``u``, ``v`` of any length) it is ``|z - 1|``; the points the plane was built through
    lie on it."""
    p = Plane([0.0, 0.0, 1.0], [2.0, 0.0, 0.0], [1.0, 3.0, 0.0])
    X = np.array([[1.0, 2.0, 4.0], [-5.0, 0.5, 1.0], [0.0, 0.0, -2.5]])
    np.testing.assert_allclose(p.distance(X), [3.0, 0.0, 3.5], atol=1e-12)
    q = Plane.through([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0], [2.0, 2.0, 5.0, 1.0])
    np.testing.assert_allclose(q.distance([[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0], [2.0, 2.0, 5.0, 1.0]]), 0.0,
                               atol=1e-12)


def _exact_in_plane(p, x):
    """The window coordinates ``(s, t)`` of the point ``x`` in the plane ``p`` and the square of its distance to it,
    its floats taken as exact: the normal equations' solution in rationals, and the residual's rational square."""
    o, u, w, x = ([Fraction(float(c)) for c in a] for a in (p.origin, p.u, p.v, x))
    r = [a - b for a, b in zip(x, o)]

    def dot(a, b):
        return sum((i * j for i, j in zip(a, b)), Fraction(0))

    g11, g12, g22, b1, b2 = dot(u, u), dot(u, w), dot(w, w), dot(u, r), dot(w, r)
    det = g11 * g22 - g12 * g12
    s, t = (b1 * g22 - b2 * g12) / det, (g11 * b2 - g12 * b1) / det
    res = [a - s * c - t * e for a, c, e in zip(r, u, w)]
    return s, t, dot(res, res)


def _exact_plane_distance(p, x):
    """The distance of the point ``x`` to the plane ``p`` (its floats taken as exact): one square root of the rational
    square of ``_exact_in_plane``."""
    return math.sqrt(_exact_in_plane(p, x)[2])


@settings(max_examples=150, deadline=None)
@given(st.integers(3, 8), st.sampled_from(["through", "given", "skew"]), st.integers(0, 14), st.integers(-8, 3),
       st.integers(0, 2**32 - 1))
@example(3, "skew", 12, -8, 0)
def test_plane_distance_is_within_rounding_of_exact_arithmetic_far_out_in_the_plane(d, kind, far, off, seed):
    """``Plane.distance`` and the drawing's ``_distance`` are one computation, within 8 ulps of ``|X| + |origin|``
    of the exact distance of the floats given (rationals), for points up to 1e14 out in the plane and up to 1e3
    off it. Before, the two disagreed far out (3e-4 against 0 at 1e12), and ``_distance``'s dot products took a
    plane's directions as orthonormal from 1e-12 off: 0.57 for a point of the plane 1.4e12 out ("skew")."""
    from nnpartition.pictures import _distance

    rng = np.random.default_rng(seed)
    if kind == "through":
        p = Plane.through(*rng.normal(size=(3, d)))
    elif kind == "given":
        p = Plane(rng.normal(size=d), rng.normal(size=d) * 5, rng.normal(size=d))
    else:   # orthonormal to 4e-13 only: what _project's dot products accept as orthonormal
        u, w = np.zeros(d), np.zeros(d)
        u[0], w[0], w[1] = 1.0, 4e-13, 1.0
        p = Plane(rng.normal(size=d), u, w)
    coef = rng.normal(size=(6, 2)) * 10.0 ** far
    X = p.origin + coef[:, :1] * p.u + coef[:, 1:] * p.v
    X[1::2] += rng.normal(size=(3, d)) * 10.0 ** off
    want = np.array([_exact_plane_distance(p, x) for x in X])
    bound = 8 * np.finfo(float).eps * (np.linalg.norm(X, axis=1) + np.linalg.norm(p.origin))
    for got in (p.distance(X), _distance(p, X)):
        assert np.all(np.abs(got - want) <= bound), (got, want, bound)
    np.testing.assert_array_equal(p.distance(X), _distance(p, X))


def _exact_window(p, x):
    """The window coordinates of the point ``x`` in the plane ``p`` (its floats taken as exact), rounded once."""
    s, t, _ = _exact_in_plane(p, x)
    return [float(s), float(t)]


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 8), st.sampled_from(["through", "skew", "jittered", "given", "narrow"]), st.integers(0, 14),
       st.integers(-8, 3), st.integers(0, 2**32 - 1))
@example(3, "skew", 12, -8, 0)
@example(2, "narrow", 0, 0, 426)
def test_window_coordinates_are_within_rounding_of_exact_arithmetic(d, kind, far, off, seed):
    """``Plane.to_window`` and the drawing's ``_project`` are one computation, within 8 units of ``eps (|X| +
    |origin|) cond / s_min`` of the exact coordinates of the floats given (rationals), where ``cond`` is the
    condition number of ``[u v]`` with columns scaled to largest entry 1 and ``s_min`` its smallest singular value
    (both 1 for ``u, v`` orthonormal); measured: 3 (/tmp runs of 600 planes, 3,600 points). Before, ``_project``'s dot
    products took ``u, v`` as orthonormal from 1e-12 off: 0.4 for the point 1e12 out on the ``t`` axis of ``u = e0,
    v = e1 + 4e-13 e0`` (exact 0; 3,000-5,000 units), and ``to_window``'s ``lstsq`` reached 27 units."""
    from nnpartition.pictures import _project

    rng = np.random.default_rng(seed)
    if kind == "through":
        p = Plane.through(*rng.normal(size=(3, d)))
    elif kind == "skew":   # orthonormal to 4e-13 only: what _project's dot products accepted as orthonormal
        u, w = np.zeros(d), np.zeros(d)
        u[0], w[0], w[1] = 1.0, 4e-13, 1.0
        p = Plane(rng.normal(size=d), u, w)
    elif kind == "jittered":   # a through() basis off orthonormal by up to about 1e-12
        q = Plane.through(*rng.normal(size=(3, d)))
        p = Plane(q.origin, q.u * (1 + rng.uniform(-5e-13, 5e-13, d)), q.v + rng.normal(size=d) * 3e-13)
    elif kind == "given":
        p = Plane(rng.normal(size=d), rng.normal(size=d) * 10.0 ** rng.uniform(-5, 5), rng.normal(size=d))
    else:   # u and v 1e-4 apart in angle (a step across u: a random step can run along it, as at d = 2, seed 426)
        u, step = rng.normal(size=(2, d))
        step -= step @ u / (u @ u) * u
        p = Plane(rng.normal(size=d), u, u + step * (1e-4 * np.linalg.norm(u) / np.linalg.norm(step)))
    coef = rng.normal(size=(6, 2)) * 10.0 ** far
    X = p.origin + coef[:, :1] * p.u + coef[:, 1:] * p.v
    X[1::2] += rng.normal(size=(3, d)) * 10.0 ** off
    want = np.array([_exact_window(p, x) for x in X])
    B = np.stack([p.u, p.v], axis=1)
    unit = (np.finfo(float).eps * (np.linalg.norm(X, axis=1) + np.linalg.norm(p.origin))
            * np.linalg.cond(B / np.abs(B).max(axis=0)) / np.linalg.svd(B, compute_uv=False)[-1])
    for got in (p.to_window(X), _project(p, X)):
        assert np.all(np.abs(got - want).max(axis=1) <= 8 * unit), (got, want, unit)
    np.testing.assert_array_equal(p.to_window(X), _project(p, X))


def test_plane_distance_neither_overflows_nor_underflows_short_of_float64s_range():
    """Distances past 1e154 or below 1e-154 (whose squares leave float64) and points whose difference from the
    origin passes 1.8e308. Truths: for the plane ``z = 0`` (and one through ``-1e308`` on ``x`` and ``z``) the
    distance is ``|z - z_origin|``, infinite only where that is past float64's largest number; no warning."""
    p = Plane.standard(3)
    X = [[0.0, 0.0, 1e200], [0.0, 0.0, -1e-200], [1e308, -1e308, 5e-324], [1e308, 0.0, 1e308]]
    np.testing.assert_array_equal(p.distance(X), [1e200, 1e-200, 5e-324, 1e308])
    q = Plane([-1e308, 0.0, -1e308], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(q.distance([[1e308, 5.0, 0.0], [1e308, 0.0, 1e308]]), [1e308, np.inf])


@pytest.mark.parametrize("s", [1e100, 1e200, 1e-100, 1e-140])
def test_region_polygons_takes_plane_directions_far_from_1_by_their_angle(s):
    """``Plane`` takes orthogonal directions of any size (its angle test scales them); the core's own test squared
    them as given, so ``s e_1, s e_2`` from about ``1e77`` (or below ``1e-81``: ``s^4`` leaves float64) was refused
    as "parallel" by ``region_polygons``. Truth: through ``z = 0`` on the window ``[-1/s, 1/s]^2`` the units
    ``relu(x), relu(y), relu(z)`` cut the input's square ``[-1, 1]^2`` into its 4 quadrants, as with ``s = 1``."""
    net = DeepNet([(np.eye(3), np.zeros(3))], np.ones(3), 0.0)
    plane = Plane(np.zeros(3), np.array([s, 0.0, 0.0]), np.array([0.0, s, 0.0]))
    rp = region_polygons(net, plane=plane, box=(-1 / s, 1 / s))
    assert rp.n_regions == 4
    np.testing.assert_allclose(np.abs(rp.input_vertices).max(axis=0), [1.0, 1.0, 0.0])


@pytest.mark.parametrize("d", [2, 100])
def test_nearly_parallel_plane_directions_are_refused_by_their_angle_in_any_dimension(d):
    """``Plane(origin, u, v)`` refuses directions (nearly) parallel. Truth: the angle between them, by
    construction: at
    ``1e-7`` rad they are refused, at ``1e-3`` rad taken, in 2 and in 100 dimensions alike (u with all entries
    equal, whose squared length is d times its largest entry's)."""
    u = np.ones(d) / np.sqrt(d)
    e = np.zeros(d)
    e[0], e[1] = 1.0, -1.0
    e /= np.linalg.norm(e)   # a unit direction orthogonal to u
    for angle, parallel in ((1e-7, True), (1e-3, False)):
        v = np.cos(angle) * u + np.sin(angle) * e   # unit, at angle from u in the plane of u and e
        if parallel:
            with pytest.raises(ValueError, match="parallel"):
                Plane(np.zeros(d), u, v)
        else:
            Plane(np.zeros(d), u, v)


def test_too_many_regions_fails_fast_with_advice():
    net = make_net([64, 64], seed=4)
    n = region_polygons(net).n_regions
    with pytest.raises(ValueError, match="shrink the box"):
        region_polygons(net, max_regions=n - 1)
    assert region_polygons(net, max_regions=n).n_regions == n
    # A first layer that alone would exceed the default limit stops there, quickly.
    rng = np.random.default_rng(0)
    big = TwoLayerNet(rng.normal(size=(2, 4000)), rng.normal(size=4000) * 0.1, np.ones(4000), 0.0)
    with pytest.raises(ValueError, match="more than 100000 regions"):
        region_polygons(big, max_regions=100_000)
    # A deep network far over the limit is refused from a sample of its first layer's regions.
    deep = make_net([100, 1000], seed=1)
    with pytest.raises(ValueError, match="shrink the box"):
        region_polygons(deep, max_regions=20_000)


_LINES_1650 = """
import numpy as np, nnpartition as npn
rng = np.random.default_rng(0); L = 1650
W = rng.normal(size=(2, L)); b = rng.uniform(-.5, .5, L) * np.linalg.norm(W, axis=0)
try:
    npn.region_polygons(npn.TwoLayerNet(W1=W, b1=b, w2=np.ones(L), b2=0.0))
except ValueError as e:
    print("ValueError:", e)
"""


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="sets RLIMIT_AS")
def test_region_memory_is_bounded_by_max_bytes():
    # An audit's call: 1650 lines through the box make about 1.1 million regions with patterns of 1650 bytes, a 1.8 GB
    # table (and as much again in the regions it is filled from). Its memory was bounded only by max_regions and a
    # 2 GiB cap on the table: under `ulimit -v 4000000` it aborted ("memory allocation of 1802139900 bytes failed").
    # The regions are now counted against max_bytes (half of what the cap leaves), and the first layer's arrangement,
    # counted first, refuses it at once.
    from test_limits import run_capped

    r = run_capped(_LINES_1650, 4_000_000 * 1024)
    assert r.returncode == 0, r.stderr[-500:]
    assert "ValueError: the window holds more than" in r.stdout and "(max_bytes)" in r.stdout, r.stdout
    assert "set_limits(max_bytes=" in r.stdout and "max_regions" in r.stdout
    # A limit that holds the plane (three vectors of d floats) and not one region refuses the window; a limit
    # that holds the regions gives the same polygons.
    net = make_net([30, 30], seed=3)
    whole = region_polygons(net, split_decision=True)
    with npn.limits.override(max_bytes=100):
        with pytest.raises(ValueError, match=r"more than 0 regions.*100 B \(max_bytes\)"):
            region_polygons(net)
    # about 2 x 60 pattern bytes and 900 more a region, and 256-cell chunks of the second layer on each worker
    with npn.limits.override(max_bytes=2 * whole.n_regions * 1100 + 64 * 2**20):
        again = region_polygons(net, split_decision=True)
    assert np.array_equal(again.vertices, whole.vertices) and np.array_equal(again.patterns, whole.patterns)
    with npn.limits.override(max_bytes=whole.n_regions * 1000):
        with pytest.raises(ValueError, match="max_bytes"):
            region_polygons(net, split_decision=True)
    # plot_partition counts each region's drawing too (about 2 KiB more; 1.0-1.7 KB measured): a limit that holds the
    # regions alone refuses the plot, naming the drawing (its colours by region are computed in blocks of rows).
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    rng = np.random.default_rng(2)
    W = rng.normal(size=(2, 100))
    lines = TwoLayerNet(W, rng.uniform(-.5, .5, 100) * np.linalg.norm(W, axis=0), rng.normal(size=100), 0.0)
    n = region_polygons(lines).n_regions
    with npn.limits.override(max_bytes=n * 2000):
        assert region_polygons(lines).n_regions == n
        with pytest.raises(ValueError, match="for its drawing.*max_bytes"):
            npn.plot_partition(lines, ax=Figure().add_subplot(), color="region", box=(-1, 1))
    with npn.limits.override(max_bytes=n * 3500):
        ax = npn.plot_partition(lines, ax=Figure().add_subplot(), color="region", box=(-1, 1))
    assert len(ax.collections[0].get_paths()) == n


# --- plots -----------------------------------------------------------------------------------

try:
    import matplotlib as mpl
except ImportError:  # pragma: no cover - matplotlib is a test extra
    mpl = None
needs_mpl = pytest.mark.skipif(mpl is None, reason="plots need matplotlib (the [plot] extra)")


def fresh_ax():
    from matplotlib.figure import Figure

    return Figure().add_subplot()


@needs_mpl
def test_plot_partition_draws_the_exact_polygons_lines_boundary_and_points():
    from matplotlib.collections import LineCollection, PolyCollection

    backend = mpl.get_backend()
    net = make_net([12, 12], seed=5)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = (X[:, 0] > 0).astype(int)
    ax = fresh_ax()
    out = plot_partition_(net, X, y, ax=ax, box=(-1, 1))
    assert out is ax and mpl.get_backend() == backend
    polys = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label() == "regions"]
    lines = {c.get_label(): c for c in ax.collections if isinstance(c, LineCollection)}
    rp = region_polygons(net, box=(-1, 1), split_decision=True)
    assert len(polys) == 1 and len(polys[0].get_paths()) == rp.n_regions
    # The first layer's 12 lines, clipped to the window (those that cross it).
    lines_in = sum(1 for j in range(12) if np.ptp(np.sign(np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
                                                        @ net.layers[0][0][:, j] + net.layers[0][1][j])) > 0)
    assert len(lines["first-layer lines"].get_segments()) == lines_in
    assert len(lines["decision boundary"].get_segments()) == region_polygons(net, box=(-1, 1)).boundary.shape[0]
    # Points, with the misclassified ones marked.
    pts = {c.get_label(): c for c in ax.collections if c.get_label() in ("points", "misclassified")}
    assert pts["points"].get_offsets().shape == (40, 2)
    wrong = int(np.sum(net.predict(X) != y))
    assert (pts["misclassified"].get_offsets().shape[0] if wrong else 0) == wrong
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-1.0, 1.0)
    # Decision colours, the explorer's: class 1 regions are blues, class 0 oranges (blue channel dominates or not).
    faces = polys[0].get_facecolors()
    assert np.array_equal(faces[:, 2] > faces[:, 0], rp.decision)
    # and the points' colours are those of their labels: dark blue (#084492) for 1, dark orange (#a44d12) for 0
    dots = pts["points"].get_facecolors()
    np.testing.assert_allclose(dots[:, :3], np.where(y[:, None] == 1, [0x08 / 255, 0x44 / 255, 0x92 / 255],
                                                     [0xa4 / 255, 0x4d / 255, 0x12 / 255]))


@needs_mpl
@pytest.mark.parametrize("d", [2, 4])
def test_plot_partition_draws_a_sample_of_many_points(d):
    """Drawing millions of points shows nothing more and took matplotlib 12 s for a million (over 11 minutes for 75
    million): at most max_points are drawn, a fixed random sample, the misclassified marked among them."""
    net = make_net([6], d=d, seed=2)
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (50_000, d))
    if d > 2:   # the points drawn are those in the slice: 30,000 of them lie in the plane x_2 = x_3 = 0
        X[:30_000, 2:] = 0.0
    y = rng.integers(0, 2, len(X))
    plane = Plane.standard(d)
    in_plane = 50_000 if d == 2 else 30_000

    def points(ax):
        return {c.get_label(): c.get_offsets() for c in ax.collections if str(c.get_label()).startswith(("points",
                                                                                                        "misc"))}

    ax = plot_partition_(net, X, y, ax=fresh_ax(), plane=plane, box=(-1, 1), max_points=5000)
    drawn = points(ax)
    assert set(drawn) == {f"points (5000 of {in_plane})", "misclassified"}
    P = np.asarray(drawn[f"points (5000 of {in_plane})"])
    # each point drawn is a point of X in the plane, each once, and about as many as they are of either label
    where = {tuple(np.round(row[:2], 12)): k for k, row in enumerate(X) if d == 2 or not row[2:].any()}
    rows = np.array([where[tuple(np.round(q, 12))] for q in P])
    assert len(set(rows.tolist())) == 5000
    assert abs(float(np.mean(y[rows])) - 0.5) < 0.05
    wrong = net.predict(X[rows]) != y[rows]
    assert np.asarray(drawn["misclassified"]).shape == (int(wrong.sum()), 2)
    # the same sample every time; all of them when there are few enough
    again = points(plot_partition_(net, X, y, ax=fresh_ax(), plane=plane, box=(-1, 1), max_points=5000))
    assert np.array_equal(np.asarray(again[f"points (5000 of {in_plane})"]), P)
    every = points(plot_partition_(net, X[:3000], y[:3000], ax=fresh_ax(), plane=plane, box=(-1, 1)))
    assert np.asarray(every["points"]).shape == (3000, 2)
    # the default: at most DEFAULT_MAX_POINTS = 20,000
    default = points(plot_partition_(net, X, y, ax=fresh_ax(), plane=plane, box=(-1, 1)))
    assert f"points (20000 of {in_plane})" in default and npn.pictures.DEFAULT_MAX_POINTS == 20_000
    for bad, exc in ((0, ValueError), (1.5, TypeError), ("many", TypeError)):
        with pytest.raises(exc, match="max_points"):
            plot_partition_(net, X, y, ax=fresh_ax(), plane=plane, box=(-1, 1), max_points=bad)


@pytest.mark.parametrize("d", [2, 3, 7])
def test_the_window_of_many_points_is_their_projection(d):
    # the default window and the points in a slice are found a block of rows at a time, with dot products for an
    # orthonormal plane (lstsq took 8 s for 8 million points); numpy's lstsq and norms are the truth
    from nnpartition.limits import override
    from nnpartition.pictures import _distance, _project, _window_bounds

    rng = np.random.default_rng(d)
    X = rng.normal(size=(5000, d)) * 3
    planes = [Plane.through(*rng.normal(size=(3, d))), Plane.standard(d),
              Plane(rng.normal(size=d), rng.normal(size=d), rng.normal(size=d))]   # the last not orthonormal
    for p in planes:
        B = np.stack([p.u, p.v], axis=1)
        want = np.linalg.lstsq(B, (X - p.origin).T, rcond=None)[0].T
        assert np.allclose(_project(p, X), want, atol=1e-10)
        assert np.allclose(_window_bounds(p, X), [want.min(axis=0), want.max(axis=0)], atol=1e-10)
        assert np.allclose(_distance(p, X), np.linalg.norm(X - p.origin - want @ B.T, axis=1), atol=1e-10)
        with override(max_bytes=2**15):   # blocks of 1024 entries: the 5000 points in dozens of blocks
            assert np.allclose(_window_bounds(p, X), [want.min(axis=0), want.max(axis=0)], atol=1e-10)
    net = TwoLayerNet(np.ones((2, 1)), np.zeros(1), np.ones(1), 0.0)
    span = np.ptp(X[:, :2], axis=0).max()   # a 5% margin of the wider side
    assert np.allclose(npn.pictures.window_for(net, X[:, :2])[1], [X[:, :2].min(axis=0) - 0.05 * span,
                                                                   X[:, :2].max(axis=0) + 0.05 * span])


@needs_mpl
def test_a_colour_bar_only_when_asked_for_and_only_for_output_colours():
    """``colorbar``: "add a colour bar (``color="output"`` only)", default ``False``. Truth: the figure's axes
    (a colour bar is an axes of its own)."""
    from matplotlib.figure import Figure

    net = TwoLayerNet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), np.array([1.0, 1.0]), -0.5)
    for kwargs, n_axes in ((dict(color="output"), 1), (dict(color="output", colorbar=True), 2),
                           (dict(colorbar=True), 1), (dict(color="region", colorbar=True), 1), ({}, 1)):
        fig = Figure()
        npn.plot_partition(net, ax=fig.add_subplot(), box=(-1, 1), **kwargs)
        assert len(fig.axes) == n_axes, kwargs


def test_the_slice_note_says_which_slice_as_the_docs_do():
    """docs/pictures.md: for ``d > 2`` the title says the picture is a slice, through the first three training
    points (``-d``, the movie) or, for a saved network, the plane of its first two coordinates, the others 0;
    a plane given is named so; for ``d == 2`` (the input plane itself) nothing is said."""
    from nnpartition.pictures.drawing import _slice_note

    for kind in (None, "points", "standard", "plane"):
        assert _slice_note(2, kind) == "", kind
    assert _slice_note(7, None) == ""
    points, standard, given = _slice_note(7, "points"), _slice_note(7, "standard"), _slice_note(7, "plane")
    assert points.startswith("slice of R^7") and "first three training points" in points
    assert standard.startswith("slice of R^7") and "x1 and x2" in standard and "other coordinates 0" in standard
    assert given.startswith("slice of R^7") and "plane given" in given
    assert len({points, standard, given}) == 3


@needs_mpl
def test_plot_partition_points_and_a_window_of_one_region():
    """plot_partition's points: NaN or infinity, and labels without points, are refused naming X and y; for
    ``d > 2`` three points are enough for the default plane through them (two are refused). A window that no
    line crosses is one polygon, filled with its class's colour. Truths: the docstring, the network's
    prediction at the window's centre, and matplotlib's reading of the fill (blue for class 1)."""
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure

    net = TwoLayerNet(np.array([[1.0], [0.0]]), np.array([-5.0]), np.array([1.0]), 0.5)   # x = 5: off the window
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        npn.plot_partition(net, [[0.0, np.nan]], ax=Figure().add_subplot(), box=(-1, 1))   # a window given
    with pytest.raises(ValueError, match="y given without X"):
        npn.plot_partition(net, y=[0, 1], ax=Figure().add_subplot())
    ax = npn.plot_partition(net, ax=Figure().add_subplot(), box=(-1, 1))
    regions = [c for c in ax.collections if c.get_label() == "regions"][0]
    assert len(regions.get_paths()) == 1 and int(net.predict([[0.0, 0.0]])[0]) == 1
    r, g, b = regions.get_facecolor()[0][:3]
    blue = to_rgb(npn.pictures.drawing.CLASS_COLOURS[1])
    assert b > r and np.allclose(np.cross([r - 1, g - 1, b - 1], np.subtract(blue, 1)), 0, atol=1e-9)   # white to blue
    deep = TwoLayerNet(np.eye(3)[:, :2], np.zeros(2), np.ones(2), -0.5)
    X3 = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.5]])
    ax = npn.plot_partition(deep, X3, ax=Figure().add_subplot())
    assert len([c for c in ax.collections if c.get_label() == "points"][0].get_offsets()) == 3
    with pytest.raises(ValueError, match="at least three points"):
        npn.plot_partition(deep, X3[:2], ax=Figure().add_subplot())
    # points exactly in the plane (distance 0) are drawn, those 1e-6 off it are not (docstring: within 1e-9)
    flat = np.array([[0.5, 0.5, 0.0], [-0.5, 0.25, 0.0], [0.1, -0.3, 1e-6]])
    ax = npn.plot_partition(deep, flat, ax=Figure().add_subplot(), plane=npn.Plane.standard(3), box=(-1, 1))
    assert len([c for c in ax.collections if c.get_label() == "points"][0].get_offsets()) == 2


@needs_mpl
def test_plot_partition_limits_are_its_window_and_max_points_takes_1():
    """The axes' limits are the window's, each axis its own (a box wider than high); for a plane through three
    points and no box, the window is their window coordinates with a 25% margin (docstring of ``box``); and
    ``max_points`` is any integer ``>= 1``: 1 draws one point, labelled "points (1 of N)"."""
    from matplotlib.figure import Figure

    net = TwoLayerNet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), np.array([1.0, 1.0]), -0.5)
    ax = npn.plot_partition(net, ax=Figure().add_subplot(), box=((-2.0, -0.5), (1.0, 3.0)))
    assert ax.get_xlim() == (-2.0, 1.0) and ax.get_ylim() == (-0.5, 3.0)
    X = np.random.default_rng(1).uniform(-1, 1, (30, 2))
    ax = npn.plot_partition(net, X, ax=Figure().add_subplot(), box=(-1, 1), max_points=1)
    drawn = [c for c in ax.collections if str(c.get_label()).startswith("points")]
    assert [c.get_label() for c in drawn] == ["points (1 of 30)"] and len(drawn[0].get_offsets()) == 1
    deep = TwoLayerNet(np.eye(3)[:, :2], np.zeros(2), np.ones(2), -0.5)
    pts = ([0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0])   # window coordinates (0, 0), (2, 0), (0, 1)
    ax = npn.plot_partition(deep, ax=Figure().add_subplot(), plane=pts)
    np.testing.assert_allclose([ax.get_xlim(), ax.get_ylim()], [[-0.5, 2.5], [-0.5, 1.5]])   # 25% of the span 2


def test_movie_refuses_a_dpi_out_of_its_range_before_training_and_its_result_is_frozen(tmp_path, monkeypatch):
    """movie's dpi is an integer in [MIN_DPI, MAX_DPI], checked before any training; a MovieResult, like the
    other results, cannot be changed after the fact."""
    import dataclasses

    from nnpartition import training
    from nnpartition.pictures.movies import MAX_DPI, MIN_DPI, MovieResult

    def no_training(*a, **k):
        raise AssertionError("trained before checking dpi")

    monkeypatch.setattr(training, "train", no_training)
    X, y = np.random.default_rng(0).uniform(-1, 1, (20, 2)), np.arange(20) % 2
    for dpi in (MIN_DPI - 1, MAX_DPI + 1):
        with pytest.raises(ValueError, match="dpi"):
            npn.pictures.movie(X, y, 2, path=str(tmp_path / "m.gif"), steps=10, every=5, dpi=dpi, progress=False)
    r = MovieResult(path="m.gif", frames=1, steps=np.zeros(1, np.int64), accuracy=np.zeros(1),
                    regions=np.ones(1, np.int64), bound=1, estimate=0.5, final_accuracy=0.5, seconds=0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.frames = 2   # type: ignore[misc]


def plot_partition_(*a, **k):
    return npn.plot_partition(*a, **k)


@needs_mpl
@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(linewidth="1"), TypeError, "linewidth must be a real number"),   # failed later, in savefig
    (dict(linewidth=np.nan), ValueError, "linewidth must be finite"),
    (dict(linewidth=1j), TypeError, "linewidth"),
    (dict(linewidth=-1), ValueError, "linewidth must be >= 0"),
    (dict(hyperplanes="no"), TypeError, "hyperplanes must be True or False"),   # was read as True
    (dict(decision_boundary="no"), TypeError, "decision_boundary must be True or False"),
    (dict(colorbar="no"), TypeError, "colorbar must be True or False"),
    (dict(key="no"), TypeError, "key must be True or False"),
    (dict(hyperplanes=1), TypeError, "hyperplanes"),
    (dict(edgecolor=np.nan), TypeError, "edgecolor must be a matplotlib colour"),   # "object of type 'float' ..."
    (dict(edgecolor=(np.nan, 0.0, 0.0)), ValueError, "edgecolor contains NaN"),
    (dict(edgecolor="bogus"), ValueError, "edgecolor must be a matplotlib colour"),
    (dict(edgecolor=(2.0, 0.0, 0.0)), ValueError, "edgecolor"),
])
def test_plot_partition_checks_its_drawing_arguments_first(kwargs, exc, match, monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    import nnpartition.pictures as pictures
    from nnpartition.pictures import drawing

    def no_work(*args, **kw):
        raise AssertionError("the regions were computed before the arguments were checked")

    # where plot_partition looks up what computes its regions (patching the public region_polygons, which it does
    # not call, let the test pass whenever the checks came)
    monkeypatch.setattr(drawing, "_region_polygons", no_work)
    with pytest.raises(exc, match=match):
        pictures.plot_partition(make_net([4]), ax=Figure().add_subplot(), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(edgecolor="face"), dict(edgecolor=None), dict(edgecolor="none"),
                                    dict(edgecolor=["k", "r"]), dict(linewidth=0), dict(linewidth=np.float32(2)),
                                    dict(hyperplanes=np.False_, decision_boundary=np.True_, colorbar=False)])
def test_plot_partition_accepts_matplotlib_colours_and_numpy_flags(kwargs):
    """Accepted, and drawn as asked (only ``len(ax.collections) >= 1`` was asserted, which any drawing passes, whatever
    was made of the argument): the edges in matplotlib's own reading of the colour given (a bare PolyCollection's;
    ``"face"``: the regions' own colours), of the width given, and the first layer's lines, the decision boundary and
    a colour bar exactly when asked; one polygon per region of the window, cut along the decision boundary."""
    pytest.importorskip("matplotlib")
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from nnpartition.pictures import plot_partition

    net = make_net([4])
    ax = plot_partition(net, ax=Figure().add_subplot(), **kwargs)
    drawn = {c.get_label(): c for c in ax.collections}
    regions = drawn["regions"]
    assert len(regions.get_paths()) == region_polygons(net, box=(-1, 1), split_decision=True).n_regions
    if "edgecolor" in kwargs:
        edge = kwargs["edgecolor"]
        want = (regions.get_facecolor() if isinstance(edge, str) and edge == "face"
                else PolyCollection([], edgecolors=edge).get_edgecolor())
        np.testing.assert_array_equal(regions.get_edgecolor(), want)
    if "linewidth" in kwargs:
        assert regions.get_linewidths().tolist() == [float(kwargs["linewidth"])]
    assert ("first-layer lines" in drawn) == bool(kwargs.get("hyperplanes", True))
    assert ("decision boundary" in drawn) == bool(kwargs.get("decision_boundary", True))
    assert len(ax.figure.axes) == 1 + bool(kwargs.get("colorbar", False))


@pytest.mark.parametrize("widths,seed", [([10, 10], 6), ([40], 1), ([25, 25], 2)])
def test_region_colours_differ_between_neighbours(widths, seed):
    """Every pair of regions one unit's sign apart (neighbours across an edge) is drawn in two colours, as the
    docstring says. The first network alone had no such pair whose colour indices were 0 and 1, or 18 and 19: the
    colour map read at ``idx / (K + 1)`` or ``idx / (K - 2)``, which gives those pairs one colour, survived."""
    net = make_net(widths, seed=seed)
    ax = plot_partition_(net, ax=fresh_ax(), color="region", hyperplanes=False, decision_boundary=False)
    rp = region_polygons(net)
    faces = ax.collections[0].get_facecolors()
    # Neighbours across an edge differ in exactly one unit's sign: every such pair gets two colours.
    keys = {p.tobytes(): i for i, p in enumerate(rp.patterns)}
    pairs = 0
    for i, p in enumerate(rp.patterns):
        for j in range(p.size):
            q = p.copy()
            q[j] = not q[j]
            k = keys.get(q.tobytes())
            if k is not None:
                pairs += 1
                assert not np.array_equal(faces[i], faces[k])
    assert pairs > rp.n_regions


@needs_mpl
def test_colour_bars_of_a_constrained_layout_stay_clear_of_the_other_panel_and_inside_the_figure():
    """Two panels of a figure with a constrained layout, each with its colour bar: after the layout each bar (its
    tick labels and label too) lies inside the figure and clear of the other panel's axes. (A bar appended beside
    the axes, which the layout does not place, ran over the next panel and off the figure's edge.)"""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    net = make_net([8], seed=2)
    X = np.array([[0.0, 0.0], [2.0, 1.0]])
    fig = Figure(figsize=(6, 3), constrained_layout=True)
    axes = fig.subplots(1, 2)
    for ax in axes:
        plot_partition_(net, X, ax=ax, color="output", colorbar=True)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    bars = [a for a in fig.axes if a not in list(axes)]
    assert len(bars) == 2
    whole = fig.bbox
    for bar in bars:
        box = bar.get_tightbbox(renderer)
        assert box.x0 >= whole.x0 - 1 and box.x1 <= whole.x1 + 1, (box, whole)
    left_bar = min(bars, key=lambda a: a.get_position().x0)
    assert left_bar.get_tightbbox(renderer).x1 <= axes[1].get_window_extent(renderer).x0 + 1


@needs_mpl
def test_output_colours_follow_the_logit_and_default_box_follows_the_data():
    net = make_net([8], seed=2)
    X = np.array([[0.0, 0.0], [2.0, 1.0]])
    ax = plot_partition_(net, X, ax=fresh_ax(), color="output", colorbar=True)
    # Box: the points with a 5% margin.
    assert np.allclose(ax.get_xlim(), (-0.1, 2.1)) and np.allclose(ax.get_ylim(), (-0.1, 1.1))
    rp = region_polygons(net, box=((-0.1, -0.1), (2.1, 1.1)))
    faces = ax.collections[0].get_facecolors()
    # Each region's colour follows its logit (numpy, at an interior point) on a map symmetric about 0: white at 0,
    # the explorer's blue for class 1 (#0d61c0 half-way up, #084492 at the largest |logit|), its orange below.
    _, z = numpy_patterns(net, rp.centroids())
    m = np.max(np.abs(z))
    stops = np.array([[0xa4, 0x4d, 0x12], [0xef, 0x85, 0x37], [255, 255, 255], [0x0d, 0x61, 0xc0],
                      [0x08, 0x44, 0x92]]) / 255
    where = (z + m) / (2 * m) * 4
    expected = np.stack([np.interp(where, np.arange(5), stops[:, c]) for c in range(3)], axis=1)
    np.testing.assert_allclose(faces[:, :3], expected, atol=0.01)   # the map's 256 steps
    assert np.all((faces[:, 2] > faces[:, 0]) == (z > 0))
    assert len(ax.figure.axes) == 2   # the colour bar


@needs_mpl
def test_plot_of_a_slice_shows_the_three_points():
    rng = np.random.default_rng(1)
    net = make_net([10], d=4, seed=1)
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 2, 30)
    ax = plot_partition_(net, X, y, ax=fresh_ax())
    pts = [c for c in ax.collections if c.get_label() == "points"][0]
    assert pts.get_offsets().shape == (3, 2)   # only the three points in the slice
    with pytest.raises(ValueError, match="d = 4 > 2"):
        plot_partition_(net, ax=fresh_ax())
    with pytest.raises(ValueError, match="color"):
        plot_partition_(net, X, ax=fresh_ax(), color="rainbow")


@pytest.mark.parametrize("X, why", [
    ([[0.0, 0.0], [1e200, 1.0]], "is too wide"),          # was "box is too wide": no box was given
    ([[-1e308, 0.0], [1e308, 1.0]], "NaN or infinity"),   # was a numpy RuntimeWarning (overflow), then "box ..."
    ([[1e308, 1e308]], "is empty"),                        # a unit window around one point rounds to nothing
])
def test_a_window_the_data_cannot_have_names_the_data_not_a_box(X, why):
    """An audit on session 48: points too far apart to draw were refused as "box is too wide" when no box was
    given; the default window is the data's, so the message names X and says to pass a box."""
    net = TwoLayerNet(np.ones((2, 3)), np.zeros(3), np.ones(3), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"^X spans .*{why}.*; pass a box, or rescale X$"):
            npn.pictures.window_for(net, np.array(X))
    if importlib.util.find_spec("matplotlib") is not None:
        from matplotlib.figure import Figure

        with pytest.raises(ValueError, match="^X spans"):
            npn.plot_partition(net, np.array(X), ax=Figure().add_subplot())


# --- training movie --------------------------------------------------------------------------

@needs_mpl
def test_movie_frames_count_and_change(tmp_path):
    from PIL import Image

    X, y = npn.datasets.toy_dataset("xor", 60, seed=0)
    path = str(tmp_path / "m.gif")
    r = npn.pictures.movie(X, y, 8, path=path, every=100, steps=300, dpi=40, size=3, progress=False)
    assert r.frames == 4 and r.steps.tolist() == [0, 100, 200, 299]
    assert r.bound == sum(math.comb(8, i) for i in range(3)) and 0.5 <= r.estimate <= 1.0   # 8 lines: 37 cells
    with Image.open(path) as im:
        assert im.n_frames == 4
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB"), dtype=np.int16))
    assert all(np.any(a != b) for a, b in zip(frames, frames[1:]))
    # The recorded counts are those of the snapshots' partitions.
    res = npn.train(X, y, 8, steps=300, restarts=1, snapshot_every=100)
    assert [region_polygons(n, box=r_box(X)).n_regions for n in res.snapshots()] == r.regions.tolist()


def r_box(X):
    lo, hi = X.min(0), X.max(0)
    span = np.max(hi - lo)
    return ((lo - 0.05 * span).tolist(), (hi + 0.05 * span).tolist())


@needs_mpl
def test_movie_takes_a_pathlib_path(tmp_path):
    """A pathlib.Path naming a .gif was refused: "path must name a .gif file, got PosixPath('.../m.gif')"."""
    X, y = npn.datasets.toy_dataset("xor", 20, seed=0)
    r = npn.pictures.movie(X, y, 2, path=tmp_path / "m.gif", every=5, steps=10, dpi=20, size=1, progress=False)
    assert r.path == str(tmp_path / "m.gif") and r.frames == 3 and (tmp_path / "m.gif").stat().st_size > 0


def test_movie_records_the_seed_it_used_and_it_repeats_the_run(tmp_path):
    X, y = npn.datasets.toy_dataset("xor", 40, seed=0)

    def run(seed, name):
        return npn.pictures.movie(X, y, 4, path=str(tmp_path / name), every=20, steps=40, dpi=30, size=2,
                                  seed=seed, progress=False)

    def values(r):
        return r.accuracy.tolist(), r.regions.tolist(), r.final_accuracy

    fresh = run(None, "a.gif")
    assert type(fresh.seed) is int and 0 <= fresh.seed < 2**64 and fresh.to_dict()["seed"] == fresh.seed
    again = run(fresh.seed, "b.gif")
    assert again.seed == fresh.seed and values(again) == values(fresh)
    assert values(run(1, "c.gif")) != values(run(2, "d.gif"))


@needs_mpl
def test_movie_bad_input(tmp_path):
    X, y = npn.datasets.toy_dataset("uniform", 20, seed=0)
    with pytest.raises(ValueError, match=".gif"):
        npn.pictures.movie(X, y, 4, path=str(tmp_path / "m.png"))
    with pytest.raises(ValueError, match="2000 frames"):
        npn.pictures.movie(X, y, 4, path=str(tmp_path / "m.gif"), every=1, steps=5000)
    with pytest.raises(TypeError, match="needs L"):
        npn.pictures.movie(X, y, path=str(tmp_path / "m.gif"))
    # a folder that does not exist: refused before training (FileNotFoundError at the end, the frames lost)
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the folder")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(npn.training, "train", no_training)   # movie imports it from there when called
        with pytest.raises(ValueError, match="the folder .*missing does not exist"):
            npn.pictures.movie(X, y, 4, path=str(tmp_path / "missing" / "m.gif"), every=200, steps=400)
        # a directory named like a GIF (IsADirectoryError after the training and every frame), and widths that are
        # not a list ("'int' object is not iterable"; "88" read as the widths 8 and 8)
        (tmp_path / "dir.gif").mkdir()
        with pytest.raises(ValueError, match="dir.gif' is a directory"):
            npn.pictures.movie(X, y, 4, path=str(tmp_path / "dir.gif"), every=200, steps=400)
        for widths in (8, "88"):
            with pytest.raises(TypeError, match="widths must be a list of hidden widths"):
                npn.pictures.movie(X, y, widths=widths, path=str(tmp_path / "m.gif"), every=200, steps=400)
    # checked before training, and a frame's own error is the one raised (the GIF writer's IndexError, finishing
    # with no frame, replaced both)
    for kw, exc, word in ((dict(progress="yes"), TypeError, "progress"), (dict(max_regions=-1), ValueError,
                                                                          "max_regions")):
        with pytest.raises(exc, match=word):
            npn.pictures.movie(X, y, 4, path=str(tmp_path / "m.gif"), every=200, steps=400, **kw)
    with pytest.raises(ValueError, match="the window holds more than 2 regions"):   # ("regions": any message)
        npn.pictures.movie(X, y, 8, path=str(tmp_path / "m.gif"), every=200, steps=400, progress=False,
                           max_regions=2)


@needs_mpl
def test_a_movie_interrupted_while_drawing_its_frames_leaves_no_gif(tmp_path, monkeypatch):
    """An audit on session 48: Ctrl-C while the frames were drawn wrote the frames made so far, a GIF that looked
    complete, over the file named (and took seconds to encode them: 2.3 s after 30 frames)."""
    import nnpartition.pictures.movies as movies
    from PIL import Image

    X, y = npn.datasets.toy_dataset("xor", 40, seed=0)
    out = tmp_path / "m.gif"
    out.write_bytes(b"old movie")
    drawn = []
    annotate = movies._annotate

    def interrupt_at_the_third_frame(*args, **kwargs):
        drawn.append(1)
        if len(drawn) == 3:
            raise KeyboardInterrupt
        return annotate(*args, **kwargs)

    kwargs = dict(every=10, steps=40, dpi=20, size=1, progress=False)
    with monkeypatch.context() as mp:
        mp.setattr(movies, "_annotate", interrupt_at_the_third_frame)
        with pytest.raises(KeyboardInterrupt):
            movies.movie(X, y, 4, path=str(out), **kwargs)
        assert len(drawn) == 3   # two frames were made, then Ctrl-C
        assert out.read_bytes() == b"old movie" and sorted(p.name for p in tmp_path.iterdir()) == ["m.gif"]
        (tmp_path / "m.gif").unlink()
        drawn.clear()
        with pytest.raises(KeyboardInterrupt):
            movies.movie(X, y, 4, path=str(out), **kwargs)
        assert list(tmp_path.iterdir()) == []
    # uninterrupted, the whole movie is there under its name, and nothing else
    r = movies.movie(X, y, 4, path=str(out), **kwargs)
    with Image.open(out) as im:
        assert im.n_frames == r.frames == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.gif"]


@needs_mpl
def test_plot_partition_interrupted_while_writing_its_figure_leaves_the_file_as_it_was(tmp_path, monkeypatch, capsys):
    """An audit on session 48: Ctrl-C while a large figure was saved (--size 100) left a PNG cut short under the name
    given, over the file there."""
    from matplotlib.figure import Figure

    from nnpartition.cli import main

    out = tmp_path / "p.png"
    out.write_bytes(b"old figure")
    original = Figure.savefig

    def half_then_interrupt(self, fname, *args, **kwargs):
        with open(fname, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n half of it")
        raise KeyboardInterrupt

    argv = ["plot-partition", "-d", "2", "-N", "20", "-L", "3", "--steps", "20", "--plot", str(out), "--no-progress"]
    with monkeypatch.context() as mp:
        mp.setattr(Figure, "savefig", half_then_interrupt)
        assert main(argv) == 130
    assert "interrupted" in capsys.readouterr().err
    assert out.read_bytes() == b"old figure" and sorted(p.name for p in tmp_path.iterdir()) == ["p.png"]
    monkeypatch.setattr(Figure, "savefig", original)
    assert main(argv) == 0   # and uninterrupted, the figure replaces the file, with nothing left beside it
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and sorted(p.name for p in tmp_path.iterdir()) == ["p.png"]


@needs_mpl
def test_a_movie_whose_file_cannot_be_made_is_refused_before_training(tmp_path, monkeypatch):
    """A name the system refuses (too long here; a folder such as /proc) failed with an OSError once the training
    and every frame were done."""
    import nnpartition.training as training
    from nnpartition.pictures import movie

    def no_training(*a, **k):
        raise AssertionError("trained before checking the file")

    monkeypatch.setattr(training, "train", no_training)   # movie imports it from the module when called
    X, y = npn.datasets.toy_dataset("xor", 20, seed=0)
    with pytest.raises(ValueError, match="path .*a{300}.gif'?: cannot be written"):
        movie(X, y, 4, path=str(tmp_path / ("a" * 300 + ".gif")), every=10, steps=20, progress=False)
    assert list(tmp_path.iterdir()) == []


# --- datasets and the command line -----------------------------------------------------------

@pytest.mark.parametrize("kind", npn.datasets.TOY_KINDS)
def test_toy_datasets_are_seeded_and_balanced(kind):
    X, y = npn.datasets.toy_dataset(kind, 400, 3, seed=5)
    X2, y2 = npn.datasets.toy_dataset(kind, 400, 3, seed=5)
    assert X.shape == (400, 3) and np.array_equal(X, X2) and np.array_equal(y, y2)
    assert 0.35 < y.mean() < 0.65
    assert not np.array_equal(npn.datasets.toy_dataset(kind, 400, 3, seed=6)[0], X)
    with pytest.raises(ValueError, match="kind"):
        npn.datasets.toy_dataset("moons", 10)


def test_save_and_load_network_round_trip(tmp_path):
    from nnpartition.network import load_network, save_network

    for net in (make_net([5]), make_net([4, 3], activation="leaky_relu")):
        path = str(tmp_path / "n.npz")
        save_network(net, path)
        back = load_network(path)
        X = np.random.default_rng(0).normal(size=(10, 2))
        assert np.array_equal(back.decision_function(X), net.decision_function(X))
        assert back.activation == net.activation
    save_network(make_net([2]), str(tmp_path / "net.txt"))   # the name given, not net.txt.npz
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("net.")) == ["net.txt"]
    assert load_network(str(tmp_path / "net.txt")).W1.shape == (2, 2)
    np.savez(tmp_path / "bad.npz", W=np.ones((2, 3)))
    with pytest.raises(ValueError, match="W1, b1"):
        load_network(str(tmp_path / "bad.npz"))


@needs_mpl
def test_cli_plot_partition_and_movie(tmp_path, capsys):
    import json
    import time

    from nnpartition.cli import main
    from nnpartition.network import save_network

    out = str(tmp_path / "p.png")
    start = time.perf_counter()
    assert main(["plot-partition", "-d", "2", "-N", "60", "-L", "6", "--steps", "300", "--plot", out,
                 "--json", "--save-weights", str(tmp_path / "w.npz")]) == 0
    wall = time.perf_counter() - start
    data = json.loads(capsys.readouterr().out)
    assert 0 < data["seconds"] <= wall   # the command's own time
    assert data["regions"] >= 1 and data["widths"] == [6] and 0.5 <= data["accuracy"] <= 1.0
    assert data["save_weights"] == str(tmp_path / "w.npz")
    # --save-weights writes the name given (numpy.savez added .npz to w2.txt) and says where
    assert main(["plot-partition", "-d", "2", "-N", "20", "-L", "3", "--steps", "20", "--plot", out,
                 "--save-weights", str(tmp_path / "w2.txt")]) == 0
    assert f"network written to {tmp_path / 'w2.txt'}" in capsys.readouterr().out
    assert (tmp_path / "w2.txt").exists() and not (tmp_path / "w2.txt.npz").exists()
    from PIL import Image

    with Image.open(out) as im:
        assert im.size[0] > 100
    # The saved network draws the same number of regions in the same box.
    assert main(["plot-partition", "--weights", str(tmp_path / "w.npz"), "--plot", out, "--json",
                 "--box", str(data["box"][0][0]), str(data["box"][1][0])]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["regions"] == data["regions"] and again["accuracy"] is None
    save_network(make_net([3]), str(tmp_path / "w3.npz"))
    assert main(["movie", "-d", "3", "-N", "40", "-L", "5", "--steps", "100", "--every", "50",
                 "--out", str(tmp_path / "m.gif"), "--json", "--data", "spirals"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["frames"] == 3 and m["steps"] == [0, 50, 99] and len(m["regions"]) == 3
    # Usage errors: one line, status 2.
    assert main(["plot-partition", "--plot", out]) == 2
    assert "give --weights" in capsys.readouterr().err
    assert main(["plot-partition", "-d", "2", "-L", "3", "--plot", out]) == 2   # -d without -N: the same words
    assert "give --weights FILE.npz, or -d, -N and -L/--widths" in capsys.readouterr().err
    assert main(["plot-partition", "--weights", str(tmp_path / "w3.npz"), "-L", "3", "--plot", out]) == 2
    # hidden layers without an output layer: one line that names the file once (an audit read it twice)
    layer = str(tmp_path / "layer.npz")
    np.savez(layer, W=np.ones((2, 3)), b=np.zeros(3))
    capsys.readouterr()
    assert main(["plot-partition", "--weights", layer, "--plot", out]) == 2
    err = capsys.readouterr().err
    assert err.count(layer) == 1 and "w_out and b_out" in err, err
    assert main(["movie", "-d", "2", "-N", "10", "--out", str(tmp_path / "m.gif")]) == 2
    assert "give -L (hidden units) or --widths" in capsys.readouterr().err   # not "--widths must be an integer"
    # Too many frames is worded for --every (the command's option), not for train()'s snapshot_every, which the
    # pre-check of the run's memory would have named first.
    assert main(["movie", "--out", str(tmp_path / "m.gif"), "-d", "2", "-N", "50", "-L", "100000", "--every", "1",
                 "--steps", "100000"]) == 2
    err = capsys.readouterr().err
    # and the way out in the command's words too ("raise every" kept Python's name): the smallest --every that fits
    assert "--steps 100000 with --every 1 makes more than 2000 frames; use --every 51 or more" in err, err
    assert "snapshot_every" not in err
    assert main(["movie", "--out", str(tmp_path / "m.gif"), "-d", "2", "-N", "50", "-L", "4", "--every", "51",
                 "--steps", "100000", "--dpi", "1000"]) == 2   # 51 fits the frames; the pixels pass max_bytes
    err = capsys.readouterr().err
    assert "(max_bytes); lower --dpi 1000, or raise --every 51, or raise the limit with" in err, err


def test_cli_plot_partition_and_movie_refuse_past_the_librarys_limits_in_their_options_words(tmp_path, capsys):
    """The sizes' upper limits are those of the library calls the commands make: -d and -N toy_dataset's (the data),
    --steps, --restarts, -L and --widths train()'s. One past each is refused at once, naming the option, with the
    bound the library states when it refuses the same value (no test reached these bounds; -L 1048577 was refused
    by the core's check in other words, "--widths[0] must be ...", the command's own bound being 2**31)."""
    import re

    from nnpartition.cli import main
    from nnpartition.datasets import toy_dataset

    X, y = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 0, 1])
    library = {"-d": lambda v: toy_dataset("uniform", 3, v), "-N": lambda v: toy_dataset("uniform", v, 2),
               "--steps": lambda v: npn.train(X, y, 2, steps=v), "--restarts": lambda v: npn.train(X, y, 2, restarts=v),
               "-L": lambda v: npn.train(X, y, v), "--widths": lambda v: npn.train(X, y, widths=[3, v])}
    base = {"-d": "2", "-N": "10", "-L": "2"}   # (--steps 4000: --restarts 1048577 is then over max_work as well)
    bound = re.compile(r"must be >= \d+ and <= (\d+), got (\d+)")
    for option, call in library.items():
        limit = 2**20   # where to look: the library's message gives the bound (and must refuse limit + 1)
        for guess in (2**20, 2**32, 2**40):
            try:
                call(guess + 1)
            except ValueError as e:
                found = bound.search(str(e))
                if found and int(found[2]) == guess + 1:
                    limit = int(found[1])
                    break
        else:
            raise AssertionError(f"the library refuses none of 2**20, 2**32, 2**40 + 1 for {option}")
        sizes = dict(base, **{option: str(limit + 1)})
        if option == "--widths":
            sizes.pop("-L")
        argv = [a for k, v in sizes.items() for a in ((k, "3", v) if k == "--widths" else (k, v))]
        commands = [["plot-partition", "--plot", str(tmp_path / "p.png")], ["movie", "--out", str(tmp_path / "m.gif")]]
        for command in commands[:1] if option == "--restarts" else commands:   # (movie trains once)
            assert main([*command, *argv]) == 2
            err = capsys.readouterr().err.strip()
            assert err.endswith(f": error: {option} must be >= {2 if option == '-d' else 1} and <= {limit}, "
                                f"got {limit + 1}"), (command, option, err)
    assert not list(tmp_path.iterdir())   # refused before any file was made


@needs_mpl
def test_cli_movie_says_in_text_what_its_json_says(tmp_path, capsys):
    """movie's two lines of text (without --json) were not checked by any test. Truths: the GIF read back (its
    frames), the closed-form bound (Zaslavsky: 3 lines in general position cut the plane into 1 + 3 + 3 = 7
    regions) and the same run's --json (the result's own fields)."""
    import json
    import re

    from PIL import Image

    from nnpartition.cli import main

    argv = ["movie", "-d", "2", "-N", "20", "-L", "3", "--steps", "40", "--every", "20", "--dpi", "20",
            "--no-progress", "--out", str(tmp_path / "m.gif")]
    assert main([*argv, "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    first, second = capsys.readouterr().out.splitlines()
    with Image.open(tmp_path / "m.gif") as im:
        frames = im.n_frames
    assert frames == 3 == js["frames"]   # steps 0, 20 and 39
    assert re.fullmatch(rf"3 frames \(every 20 steps of 40\) written to {re.escape(str(tmp_path / 'm.gif'))} in "
                        r"\d+\.\ds", first), first
    m = re.fullmatch(r"training accuracy (\S+) -> (\S+) \(best\); regions (\d+) -> (\d+) \(bound (\d+)\); "
                     r"estimate_accuracy (\S+) \(note: (.*)\)", second)
    assert m, second
    assert float(m[1]) == round(js["accuracy"][0], 3) and float(m[2]) == round(js["best_accuracy"], 3)
    assert [int(m[3]), int(m[4])] == [js["regions"][0], js["regions"][-1]] and int(m[5]) == 7 == js["bound"]
    assert float(m[6]) == round(js["estimate"], 4)
    # the estimator's range warnings in the command's words, as --json gives them
    assert m[7] == js["estimate_note"] and "-N 20 is outside" in m[7] and "--steps 40 is outside" in m[7]
    # a deeper network (--widths): trained and drawn as well
    assert main([*argv[:5], *argv[7:], "--widths", "3", "3", "--json"]) == 0   # -L 3 left out
    deep = json.loads(capsys.readouterr().out)
    assert deep["widths"] == [3, 3] and deep["frames"] == 3


@needs_mpl
@pytest.mark.parametrize("data", ["xor", "spirals", "uniform", "gaussian"])
def test_cli_movie_says_its_estimate_is_of_random_labels_where_the_data_are_not(data, tmp_path, capsys):
    """A new user's movie on xor data printed "training accuracy 0.600 -> 0.995 (best); ...; estimate_accuracy
    0.6213" with nothing saying the estimate is of random labels (docs/pictures.md says so, the explorer's page too):
    it read as the estimator missing by 0.37. Truth: the data's labels, random for uniform and gaussian only
    (random_dataset), and the --json estimate, the same number either way."""
    import json

    from nnpartition.cli import main

    argv = ["movie", "-d", "2", "-N", "40", "-L", "4", "--steps", "300", "--every", "300", "--dpi", "20",
            "--no-progress", "--data", data, "--out", str(tmp_path / "m.gif")]
    assert main([*argv, "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    second = capsys.readouterr().out.splitlines()[1]
    said = f"estimate_accuracy {js['estimate']:.4f} (for random labels; {data}'s follow a pattern" in second
    assert said is (data not in ("uniform", "gaussian")), second


@needs_mpl
def test_a_saved_network_of_more_than_two_inputs_is_drawn_in_the_plane_of_its_first_two_coordinates(tmp_path,
                                                                                                    capsys):
    """plot-partition --weights of a d = 3 network said "a slice needs data points; train with -d -N -L", with or
    without --box, so the documented -d 10 ... --save-weights, then --weights, could not be done. Without data the
    slice is x_2 = ... = 0, where the first layer is x @ W[:2] + b: regions_in_box of that is the truth."""
    import json

    from nnpartition.cli import main
    from nnpartition.network import save_network

    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(3, 12)), rng.normal(size=12) * 0.5
    save_network(TwoLayerNet(W, b, rng.normal(size=12), 0.1), str(tmp_path / "n3.npz"))
    for box in ([], ["--box", "-2", "2"]):
        assert main(["plot-partition", "--weights", str(tmp_path / "n3.npz"), "--plot", str(tmp_path / "r.png"),
                     "--json", *box]) == 0
        out = json.loads(capsys.readouterr().out)
        lo, hi = (-1.0, 1.0) if not box else (-2.0, 2.0)
        assert out["regions"] == npn.regions_in_box(W[:2], b, lo, hi)
        assert out["box"] == [[lo, lo], [hi, hi]] and out["slice"] == "first two coordinates"
        assert out["points"] == out["points_drawn"] == 0 and out["accuracy"] is None   # no data: none drawn
    # the round trip of docs/pictures.md: trained with -d 10 and saved, then drawn again from the file
    argv = ["plot-partition", "-d", "10", "-N", "60", "--widths", "8", "8", "--steps", "50", "--plot",
            str(tmp_path / "t.png"), "--save-weights", str(tmp_path / "n10.npz"), "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["slice"] == "first three training points"
    assert main(["plot-partition", "--weights", str(tmp_path / "n10.npz"), "--plot", str(tmp_path / "t2.png")]) == 0
    # the line says which window it counted in (it said "in the window", whose default is no fixed box)
    assert " regions in the window [-1, 1] x [-1, 1]; figure written to " in capsys.readouterr().out


@needs_mpl
def test_plot_partition_counts_one_region_in_the_singular(capsys, tmp_path):
    """A window no first-layer line crosses is one region (the lines x1 = 5, x2 = -5 lie outside [-1, 1]^2):
    "1 region in the window ...", and 2 where one line crosses it (x1 = 0.5)."""
    from nnpartition.cli import main
    from nnpartition.network import save_network

    for b1, text in ((5.0, "1 region in the window"), (0.5, "2 regions in the window")):
        save_network(TwoLayerNet(np.eye(2), np.array([-b1, 5.0]), np.ones(2), 0.0), str(tmp_path / "n.npz"))
        assert main(["plot-partition", "--weights", str(tmp_path / "n.npz"), "--plot", str(tmp_path / "p.png")]) == 0
        assert capsys.readouterr().out.startswith(text + " [-1, 1] x [-1, 1]; figure written to ")


@needs_mpl
def test_movie_and_plot_partition_use_the_defaults_and_words_their_help_gives(monkeypatch, capsys, tmp_path):
    """movie --help: --every "default 50", --fps "default 10", --dpi "default 80", -d and -N required, and no word
    of --weights (it has none; plot-partition's --box help tells how a saved network is drawn). plot-partition's
    --dpi "default 100": the PNG written says so (its dpi and 5 x 100 pixels a side)."""
    import re

    from PIL import Image

    import nnpartition.pictures
    from nnpartition.cli import build_parser, main

    commands = build_parser().commands
    movie_help = " ".join(commands["movie"].format_help().split())
    default = {opt: int(re.search(rf"{opt} [A-Z]+ [^(]*\(default (\d+)\)", movie_help)[1])
               for opt in ("--every", "--fps", "--dpi")}
    assert "--weights" not in movie_help and "a saved network (--weights) of d > 2 is drawn in the plane of the " \
        "first two coordinates" in " ".join(commands["plot-partition"].format_help().split())

    class Stop(Exception):
        pass

    seen = {}

    def movie(X, y, L, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(nnpartition.pictures, "movie", movie)
    with pytest.raises(Stop):
        main(["movie", "-d", "2", "-N", "20", "-L", "3", "--out", str(tmp_path / "m.gif")])
    assert (seen["every"], seen["fps"], seen["dpi"]) == (default["--every"], default["--fps"], default["--dpi"])
    # the estimate's distribution is the data's (uniform by default), and no bar with --no-progress or --json
    asked = [(seen["dist"], seen["progress"])]
    for extra in (["--data", "gaussian"], ["--no-progress"], ["--json"]):
        with pytest.raises(Stop):
            main(["movie", "-d", "2", "-N", "20", "-L", "3", "--out", str(tmp_path / "m.gif"), *extra])
        asked.append((seen["dist"], seen["progress"]))
    assert asked == [("uniform", None), ("gaussian", None), ("uniform", False), ("uniform", False)]
    with pytest.raises(SystemExit) as refused:   # argparse's refusal
        main(["movie", "-L", "3", "--out", str(tmp_path / "m.gif")])
    assert refused.value.code == 2 and "the following arguments are required: -d, -N" in capsys.readouterr().err
    plot_help = " ".join(commands["plot-partition"].format_help().split())
    dpi = int(re.search(r"--dpi DPI resolution in dots per inch, \d+ to \d+ \(default (\d+)\)", plot_help)[1])
    assert main(["plot-partition", "-d", "2", "-N", "20", "-L", "3", "--steps", "5", "--no-progress",
                 "--plot", str(tmp_path / "p.png")]) == 0
    with Image.open(tmp_path / "p.png") as im:
        assert im.size == (5 * dpi, 5 * dpi) and round(im.info["dpi"][0]) == dpi


def test_a_bad_box_is_refused_before_training(capsys, monkeypatch, tmp_path):
    # the CLI checked --box only after training the network; the library refuses a window whose area overflows
    import nnpartition.training
    from nnpartition.cli import main

    def no_training(*a, **k):
        raise AssertionError("trained before checking --box")

    monkeypatch.setattr(nnpartition.training, "train", no_training)
    for box in (["1", "1"], ["0", "1e200"]):
        assert main(["plot-partition", "-d", "2", "-N", "50", "-L", "4", "--box", *box,
                     "--plot", str(tmp_path / "p.png")]) == 2
        assert "box" in capsys.readouterr().err
    # a window centred on 0 too (its width, hi - lo, is 2e160: its area overflows; hi + lo is 0)
    for box in ((0.0, 1e200), (-1e160, 1e160), ((-1.0, -1e160), (1.0, 1e160))):
        with pytest.raises(ValueError, match="too wide"):
            npn.pictures.region_polygons(make_net([4]), box=box)


def test_a_box_of_any_size_around_the_origin_holds_the_cones_of_a_network_without_biases():
    """A network without biases is positively homogeneous: its regions are cones from the origin, so every box
    centred on 0 holds the same regions, as many as the exact window count says (``network_regions_in_box``, a
    second implementation). Before the fifty-ninth pass a box ``2^-600`` across was drawn with 2 regions of 12: the
    core's pieces had discs of radius 0 (the root of squares that underflowed), and lines missed them. (The areas of
    such regions, about ``2^-1200``, still round to 0 in float64.)"""
    rng = np.random.default_rng(0)
    net = TwoLayerNet(rng.normal(size=(2, 6)), np.zeros(6), rng.normal(size=6), 0.0)
    want = npn.network_regions_in_box(net, -1.0, 1.0)
    assert want == 12
    for k in (0, -200, -500, -600, -1000, 300):
        assert npn.pictures.region_polygons(net, box=(-(2.0**k), 2.0**k)).n_regions == want, k


@pytest.mark.parametrize("command", [["plot-partition", "--plot", "p.png"],
                                     ["movie", "--out", "m.gif", "--every", "1"]])
def test_the_training_is_checked_before_the_data_is_drawn(command, capsys, monkeypatch, tmp_path):
    """plot-partition -d 2 -N 75000000 -L 3 --steps 1 drew 2.57 GB of data before train() refused the run
    (under a 3 GB address-space cap it died drawing); the trainer's checks now run first."""
    import nnpartition._cli.pictures as cli_pictures
    from nnpartition.cli import main
    from nnpartition.limits import override

    def no_drawing(*a, **k):
        raise AssertionError("drew the data before checking the training")

    monkeypatch.setattr(cli_pictures, "toy_dataset", no_drawing)
    monkeypatch.chdir(tmp_path)
    with override(max_bytes=2**28):   # 256 MiB: 10^7 points need about 1.4 GiB to train on
        assert main([*command, "-d", "2", "-N", "10000000", "-L", "3", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "max_bytes" in err
    for argv, word in ((["-N", "0", "-L", "3"], "-N must be >= 1"), (["-N", "50", "-L", "-3"], "-L must be >= 1"),
                       (["-N", "50", "--widths", "4", "0"], "--widths must be >= 1"),
                       (["-N", "50", "-L", "3", "--steps", "0"], "--steps must be >= 1"),
                       (["-N", "50", "--widths", "20000", "20000"], "max_params"),
                       # -L and --widths together: refused (not one of them silently ignored)
                       (["-N", "50", "-L", "3", "--widths", "4", "4"], "-L (one hidden layer) or --widths")):
        assert main([*command, "-d", "2", *argv]) == 2
        assert word in capsys.readouterr().err
    # the training's work against max_work (docs/pictures.md: "its work"), all its restarts: 10^4 steps of 10^4
    # points x 13 parameters, 3 passes and a fixed cost a step, are 4.0e9 steps of work a run; 2 restarts
    # (plot-partition's default) are refused under a limit of 6e9 (that one run fits), movie's one run under 2e9
    with override(max_work=6 * 10**9 if command[0] == "plot-partition" else 2 * 10**9):
        assert main([*command, "-d", "2", "-N", "10000", "-L", "3", "--steps", "10000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "max_work" in err, err


@needs_mpl
def test_the_snapshots_are_checked_as_each_command_keeps_them_before_the_data_is_drawn(capsys, monkeypatch, tmp_path):
    """movie keeps a snapshot of the network every --every steps: too many for the trainer's limit are refused before
    the data is drawn, in movie's words (it said "snapshot_every=100 keeps ...: raise snapshot_every", options movie
    does not have), with the smallest --every that fits; that one is accepted, one less refused (the trainer's own
    check). plot-partition keeps none beyond its bar's (at most about 100): a long training is not refused for them
    (checked as if a snapshot were kept at every step, 2 * 10^7 steps of 13 parameters were over the limit)."""
    import re

    import nnpartition._cli.pictures as cli_pictures
    from nnpartition.cli import main

    class Drawn(Exception):
        pass

    def drawn(*a, **k):
        raise Drawn

    monkeypatch.setattr(cli_pictures, "toy_dataset", drawn)
    monkeypatch.chdir(tmp_path)
    movie = ["movie", "--out", "m.gif", "-d", "2", "-N", "20", "-L", "70000", "--steps", "100000"]
    assert main([*movie, "--every", "100"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "snapshot_every" not in err and "--every 100 keeps 1001 snapshots" in err, err
    least = int(re.search(r"use --every (\d+) or more", err)[1])
    assert main([*movie, "--every", str(least - 1)]) == 2
    with pytest.raises(Drawn):
        main([*movie, "--every", str(least)])
    # and at --every 1, 1999 steps (MAX_FRAMES - 1 frames by movies._frames): the snapshots of steps 0 to 1998, one
    # each (2000 was said, one more than the run keeps)
    capsys.readouterr()
    assert main([*movie[:-1], "1999", "--every", "1"]) == 2
    assert "--steps 1999 with --every 1 keeps 1999 snapshots" in capsys.readouterr().err
    for restarts in ("1", "2"):
        with pytest.raises(Drawn):
            main(["plot-partition", "--plot", "p.png", "-d", "2", "-N", "20", "-L", "3", "--steps", "20000000",
                  "--restarts", restarts])


@needs_mpl
def test_movie_refuses_too_many_snapshots_in_its_own_words(monkeypatch, tmp_path):
    """movie() left the snapshots' check to train(), whose words name ``snapshot_every`` ("... raise
    snapshot_every"), an argument movie() does not have; now it refuses before the file is made and the training,
    naming its own ``steps=`` and ``every=`` and the smallest ``every`` that fits, which the trainer's own check
    accepts (and one less it refuses)."""
    import re

    import nnpartition.training
    from nnpartition.pictures import movie
    from nnpartition.training.checks import _snapshot_every

    class Trained(Exception):
        pass

    def trained(*a, **k):
        raise Trained

    monkeypatch.setattr(nnpartition.training, "train", trained)
    X = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    y = (X[:, 0] > 0).astype(int)
    gif = tmp_path / "m.gif"
    with pytest.raises(ValueError) as e:
        movie(X, y, widths=[2000, 2000], path=gif, every=100, steps=100000)
    msg = str(e.value)
    assert "snapshot_every" not in msg and msg.startswith("steps=100000 with every=100 keeps 1001 snapshots"), msg
    least = int(re.search(r"use every=(\d+) or more", msg)[1])
    assert _snapshot_every(least, None, 1, 100000, 2, [2000, 2000]) == least
    with pytest.raises(ValueError, match="snapshot_every"):
        _snapshot_every(least - 1, None, 1, 100000, 2, [2000, 2000])
    assert not gif.exists()
    with pytest.raises(Trained):   # the least that fits passes movie()'s checks and reaches the training
        movie(X, y, widths=[2000, 2000], path=gif, every=least, steps=100000)


def test_plot_partition_trains_with_the_defaults_its_help_gives_and_takes_the_fewest_points_a_window_needs(
        monkeypatch, tmp_path):
    """--help: --data "default uniform", --steps "default 4000", --seed "default 0", --restarts "default 2"; what
    reaches the data and train() when none is given. And -N: any for -d 2 (the plane needs no points), 3 for -d 3
    (the slice through three points): those pass every check and draw the data."""
    import functools
    import re

    import nnpartition._cli.pictures as cli_pictures
    import nnpartition.training
    from nnpartition.cli import build_parser, main

    help_text = " ".join(build_parser().commands["plot-partition"].format_help().split())
    default = {opt: re.search(rf"{opt} [A-Z]+ [^(]*\(default (\w+)", help_text)[1]
               for opt in ("--steps", "--seed", "--restarts")}
    assert re.search(r"training data: .*\(default uniform\)", help_text)

    class Stop(Exception):
        pass

    seen = {}
    draw = cli_pictures.toy_dataset

    def data(kind, N, d, seed):
        seen.update(kind=kind, N=N, d=d, data_seed=seed)
        return draw(kind, N, d, seed=seed)

    @functools.wraps(nnpartition.training.train)   # (its signature: the command reads train()'s defaults)
    def train(X, y, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(cli_pictures, "toy_dataset", data)
    monkeypatch.setattr(nnpartition.training, "train", train)
    with pytest.raises(Stop):
        main(["plot-partition", "-d", "2", "-N", "30", "-L", "3", "--plot", str(tmp_path / "p.png")])
    assert seen["kind"] == "uniform" and seen["data_seed"] == seen["seed"] == int(default["--seed"])
    assert seen["steps"] == int(default["--steps"]) and seen["restarts"] == int(default["--restarts"])
    for d, N in (("2", "1"), ("2", "2"), ("3", "3")):
        seen.clear()
        with pytest.raises(Stop):
            main(["plot-partition", "-d", d, "-N", N, "-L", "3", "--plot", str(tmp_path / "p.png")])
        assert (seen["d"], seen["N"]) == (int(d), int(N))


_MEASURE = """
import json, sys
from nnpartition import Protocol, _core
from nnpartition._cli.pictures import _memory
from nnpartition.cli import main

def run(N):
    return main(["plot-partition", "-d", "2", "-N", str(N), "-L", "3", "--steps", "1", "--plot", "p.png",
                 "--json"])

def status(field):   # this process's own (getrusage's ru_maxrss keeps the parent's peak across fork and exec)
    line = next(l for l in open("/proc/self/status") if l.startswith(field + ":"))
    return int(line.split()[1]) * 1024

run(1000)   # imports, first figure
base = status("VmRSS")
N = int(sys.argv[1])
assert run(N) == 0
peak = status("VmHWM")
counted = _memory("uniform", N, 2, _core.train_bytes(2, N, [3], Protocol(steps=1, restarts=2)))
print(json.dumps({"growth": peak - base, "counted": counted, "base": base, "peak": peak}), file=sys.stderr)
"""


@needs_mpl
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_the_memory_counted_bounds_what_plot_partition_holds(tmp_path):
    """plot-partition -d 2 -N 75000000 -L 3 --steps 1 passed the default 8 GiB limit (the protocol check counted the
    float32 data and the training, 6.2 GiB, not the float64 data the command keeps) and held 8.5 GB drawing every
    point. The count (about 112 bytes a point here) must bound the process's growth, measured as its peak resident
    memory above what it held before the run (75 million points: 6.4 GiB measured, 8.2 counted)."""
    import json
    import subprocess

    out = subprocess.run([sys.executable, "-c", _MEASURE, "1500000"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    m = json.loads(out.stderr.strip().splitlines()[-1])
    assert m["growth"] <= m["counted"] <= 2 * m["growth"], m


def test_plot_partition_counts_the_data_it_keeps_against_max_bytes(capsys, monkeypatch, tmp_path):
    # a limit between the protocol check's count and what the command holds: refused before the data is drawn
    import nnpartition._cli.pictures as cli_pictures
    from nnpartition import _core
    from nnpartition.cli import main
    from nnpartition.limits import override

    def no_drawing(*a, **k):
        raise AssertionError("drew the data before checking the memory")

    monkeypatch.setattr(cli_pictures, "toy_dataset", no_drawing)
    N, d = 10**6, 2
    runs = _core.train_bytes(d, N, [3], npn.Protocol(steps=1, restarts=2))
    protocol = N * (4 * d + 1) + max(N * (8 * d + 1), runs)   # what protocol_check counts (one dataset)
    held = N * (8 * d + 8) + N * (4 * d + 1) + runs           # the float64 data kept, the float32 copy, the runs
    with override(max_bytes=int((protocol + held) / 2)):
        _core.protocol_check(d, N, [3], 1, npn.Protocol(steps=1, restarts=2))   # passes it
        assert main(["plot-partition", "-d", "2", "-N", str(N), "-L", "3", "--steps", "1",
                     "--plot", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "max_bytes" in err and "-N 1000000" in err


_REFUSED = """
import sys
import nnpartition._cli.pictures as cli_pictures
from nnpartition.cli import main

def drawn(*a, **k):
    raise SystemExit("drew the data")

cli_pictures.toy_dataset = drawn
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("threads, N, limit, gib", [(1, 75_000_000, 4.5e9, 4.6), (2, 75_000_000, 6.5e9, 6.6),
                                                    (1, 150_000_000, 9e9, 9.2)])
def test_plot_partition_counts_the_memory_docs_pictures_md_says(threads, N, limit, gib, tmp_path):
    """docs/pictures.md: -d 2 -N 75000000 -L 3 --steps 1 "counts 6.6 GiB when two threads train its two restarts at
    once ... on one thread 4.6 GiB. -N 150000000 counts 9.2 GiB even on one thread" (8.2, 5.4 and 10.9 until the
    sixty-fifth pass, whose trainer counted a batch's activations twice, not three times). Each run (its own process,
    for its thread count) under a limit that the trainer's and the protocol's checks pass: refused, in the command's
    words, with that count; the data is never drawn. (Its terms were each off by 8-16 bytes a point, or the runs',
    in mutants the measured test above let pass: it bounds the count by the process's growth within a factor 2.)"""
    import os
    import re
    import subprocess

    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), NNPARTITION_MAX_BYTES=f"{limit:g}")
    out = subprocess.run([sys.executable, "-c", _REFUSED, "plot-partition", "-d", "2", "-N", str(N), "-L", "3",
                          "--steps", "1", "--plot", "p.png"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2, out.stderr
    m = re.search(r"the data, train\(\)'s float32 copy and the training runs at once needs about ([0-9.]+) GiB",
                  out.stderr)
    assert m and abs(float(m[1]) - gib) < 0.06, out.stderr   # (the docs' one decimal; the message's three digits)


@needs_mpl
@pytest.mark.parametrize("max_bytes", [10**8, 2 * 10**7])
def test_the_commands_run_small_under_a_small_max_bytes(max_bytes, capsys, tmp_path):
    """Under a max_bytes below 128 MiB every plot-partition and movie was refused, -N 20 -L 3 too: "needs about
    0.0931 GiB, above the limit of 0.0931 GiB" (a block of points was counted at _block_entries(), which is sized to
    fill max_bytes alone, on top of the data). The library's plot_partition and movie draw the same under that
    limit; the commands do too, and write their files."""
    from PIL import Image

    from nnpartition.cli import main
    from nnpartition.limits import override

    with override(max_bytes=max_bytes):
        assert main(["plot-partition", "-d", "2", "-N", "20", "-L", "3", "--steps", "10", "--no-progress",
                     "--plot", str(tmp_path / "p.png")]) == 0
        assert main(["plot-partition", "-d", "5", "-N", "200", "--widths", "16", "16", "--steps", "10",
                     "--no-progress", "--plot", str(tmp_path / "s.png")]) == 0
        assert main(["movie", "-d", "2", "-N", "20", "-L", "3", "--steps", "20", "--every", "10", "--dpi", "20",
                     "--no-progress", "--out", str(tmp_path / "m.gif")]) == 0
    assert capsys.readouterr().err == ""
    for name in ("p.png", "s.png"):
        with Image.open(tmp_path / name) as im:
            assert im.size == (500, 500)   # --size 5 inches at --dpi 100, the defaults
    with Image.open(tmp_path / "m.gif") as im:
        assert im.n_frames == 3   # steps 0, 10 and 19


@needs_mpl
def test_plot_partition_says_how_many_points_it_drew(capsys, tmp_path):
    import json

    from nnpartition.cli import main

    argv = ["plot-partition", "-d", "2", "-N", "30000", "-L", "3", "--steps", "2", "--plot", str(tmp_path / "p.png")]
    assert main(argv) == 0
    assert "20000 of the 30000 points drawn (a random sample; at most 20000)" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["points"], out["points_drawn"]) == (30000, 20000)
    assert main([*argv[:4], "300", *argv[5:], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["points"], out["points_drawn"]) == (300, 300)
    assert main([*argv[:4], "300", *argv[5:]]) == 0
    assert "points drawn" not in capsys.readouterr().out   # all of them: no sample


@needs_mpl
def test_the_title_says_a_sample_only_of_a_sample_and_stays_on_one_line_where_it_fits(monkeypatch, tmp_path):
    """The figure's title: "N regions, training accuracy A", one line where it fits (a 5-inch figure of -d 2); a
    second line "n of the N points drawn (a random sample)" only when fewer than all were drawn."""
    from nnpartition.cli import main

    saved = _saved_figures(monkeypatch)
    argv = ["plot-partition", "-d", "2", "-L", "3", "--steps", "2", "--plot", str(tmp_path / "p.png")]
    assert main([*argv, "-N", "300"]) == 0
    title = saved[-1].axes[0].get_title()
    assert "\n" not in title and "points drawn" not in title and ", training accuracy " in title, title
    assert main([*argv, "-N", "30000"]) == 0
    assert saved[-1].axes[0].get_title().endswith("\n20,000 of the 30,000 points drawn (a random sample)")


@pytest.mark.parametrize("command", [["plot-partition", "--plot", "p.png"], ["movie", "--out", "m.gif"]])
@pytest.mark.parametrize("argv, word", [
    # a 2-D window of a 1-D input: said why (not only the bound, "-d must be >= 2, got 1")
    (["-d", "1", "-N", "100000", "-L", "256"], "-d must be >= 2: the picture is a 2-D window of input space"),
    (["-d", "0", "-N", "100", "-L", "4"], "-d must be >= 2: the picture"),
    (["-d", "3", "-N", "2", "-L", "4"], "-N must be >= 3"),          # a slice through three training points
    (["-d", "2", "-N", "50", "-L", "4", "--box", "1", "1"], "--box LO HI must have LO < HI, got 1 1"),
])
def test_the_window_is_refused_before_the_data_and_the_training(command, argv, word, capsys, monkeypatch, tmp_path):
    """plot-partition -d 1 -N 100000 -L 256 trained for 4 minutes, then said that a 2-D window needs d >= 2 (movie
    with the same arguments refused in 1.8 s): what the window needs is checked before anything is drawn."""
    import nnpartition._cli.pictures as cli_pictures
    import nnpartition.training
    from nnpartition.cli import main

    def never(*a, **k):
        raise AssertionError("drew the data or trained before checking the window")

    monkeypatch.setattr(cli_pictures, "toy_dataset", never)
    monkeypatch.setattr(nnpartition.training, "train", never)
    monkeypatch.chdir(tmp_path)
    assert main([*command, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and word in err


@pytest.mark.parametrize("command", [["plot-partition", "--plot", "p.png"], ["movie", "--out", "m.gif"]])
def test_a_slice_through_collinear_training_points_is_refused_before_training(command, capsys, monkeypatch,
                                                                              tmp_path):
    # the slice needs the data (its first three points): checked once they are drawn, before the training
    import functools

    import nnpartition._cli.pictures as cli_pictures
    import nnpartition.training
    from nnpartition.cli import main

    def collinear(kind, N, d, seed=0):
        X = np.random.default_rng(0).uniform(-1, 1, (N, d))
        X[2] = 2 * X[1] - X[0]
        return X, np.arange(N) % 2

    @functools.wraps(nnpartition.training.train)   # its signature: the run's checks read train()'s defaults
    def never(*a, **k):
        raise AssertionError("trained before checking the slice")

    monkeypatch.setattr(cli_pictures, "toy_dataset", collinear)
    monkeypatch.setattr(nnpartition.training, "train", never)
    monkeypatch.chdir(tmp_path)
    assert main([*command, "-d", "3", "-N", "20", "-L", "4"]) == 2
    assert "collinear" in capsys.readouterr().err


@pytest.fixture
def bars(monkeypatch):
    """The progress bars the package opens (``_progress.progress_bar``), kept to be read after they close."""
    import nnpartition._progress as progress

    opened = []
    real = progress.progress_bar

    def keep(*a, **k):
        bar = real(*a, **k)
        opened.append(bar)
        return bar

    monkeypatch.setattr(progress, "progress_bar", keep)
    return opened


def test_plot_partition_shows_the_progress_of_its_training(capsys, bars, monkeypatch):
    """plot-partition -d 2 -N 20000 -L 256 ran 54 s with no output. A bar over the steps of all the restarts (which
    train in parallel), counted by the core as they complete, which does not change the network trained. The command
    calls train(progress=None or False) (the next test); this is that bar, asked for with progress=True."""
    import time

    from nnpartition.datasets import toy_dataset

    def train_with_progress(X, y, ws, restarts, seed, steps, progress):
        return npn.train(X, y, widths=ws, restarts=restarts, seed=seed, steps=steps, progress=progress)

    X, y = toy_dataset("uniform", 200, 2, seed=1)
    res = train_with_progress(X, y, [8], 1, 5, 300, True)
    assert "training d=2 N=200 widths=[8]" in capsys.readouterr().err
    assert (bars[-1].total, bars[-1].n) == (300, 300)   # the bar reached the last step
    same = npn.train(X, y, widths=[8], restarts=1, seed=5, steps=300)
    assert np.array_equal(res.network.W1, same.network.W1) and res.best_accuracy == same.best_accuracy
    res = train_with_progress(X, y, [8], 2, 5, 300, True)
    err = capsys.readouterr().err
    assert "training d=2 N=200 widths=[8] x 2 restarts" in err and "/600" in err, err
    assert (bars[-1].total, bars[-1].n) == (600, 600)
    same = npn.train(X, y, widths=[8], restarts=2, seed=5, steps=300)
    assert np.array_equal(res.network.W1, same.network.W1) and res.best_restart == same.best_restart
    # the bar moves while the restarts train, not only at the end: its counts, read at each update, as they come
    import tqdm.std

    seen = []
    update = tqdm.std.tqdm.update

    def counted(self, n=1):
        out = update(self, n)
        seen.append((self.n, time.monotonic()))
        return out

    monkeypatch.setattr(tqdm.std.tqdm, "update", counted)
    start = time.monotonic()
    train_with_progress(X, y, [64, 64], 3, 5, 4000, True)
    took = time.monotonic() - start
    counts = [n for n, _ in seen]
    assert counts == sorted(counts) and counts[-1] == 12000, counts[-5:]
    # counts strictly between none and all, while the training ran (it takes well over the 20 ms between reads)
    assert took > 0.2 and any(0 < n < 12000 for n in counts), (took, counts[:5])
    assert len(seen) >= 3


@needs_mpl
def test_the_commands_show_no_bar_where_nobody_sees_it(capsys, tmp_path):
    # progress=None: only on a terminal (pytest's captured stderr is not one); --no-progress and --json: never
    from nnpartition.cli import main

    for extra in ([], ["--no-progress"], ["--json"]):
        assert main(["plot-partition", "-d", "2", "-N", "30", "-L", "3", "--steps", "30",
                     "--plot", str(tmp_path / "p.png"), *extra]) == 0
        assert capsys.readouterr().err == ""


def test_plot_partition_asks_for_no_bar_with_no_progress_or_json(monkeypatch, tmp_path):
    """docs/pictures.md: a bar "on a terminal, once the training has taken a second; --no-progress or --json:
    none" -- progress=None (progress_bar's policy) or False, as train is called."""
    import inspect

    import nnpartition.training
    from nnpartition.cli import main

    class Stop(Exception):
        pass

    asked = []

    real = nnpartition.training.train

    def train(*args, **kwargs):
        asked.append(kwargs["progress"])
        raise Stop

    train.__signature__ = inspect.signature(real)   # the command reads train's defaults before it trains
    monkeypatch.setattr(nnpartition.training, "train", train)
    for extra in ([], ["--no-progress"], ["--json"], ["--json", "--no-progress"]):
        with pytest.raises(Stop):
            main(["plot-partition", "-d", "2", "-N", "20", "-L", "3", "--plot", str(tmp_path / "p.png"), *extra])
    assert asked == [None, False, False, False]


@needs_mpl
def test_movie_shows_the_progress_of_its_training(tmp_path, capsys, bars):
    from nnpartition.datasets import toy_dataset

    X, y = toy_dataset("xor", 40, seed=0)
    r = npn.pictures.movie(X, y, 3, path=str(tmp_path / "m.gif"), every=50, steps=120, dpi=20, size=1,
                           progress=True)
    err = capsys.readouterr().err
    assert "movie training" in err and "movie frames" in err
    assert [(b.total, b.n) for b in bars] == [(120, 120), (4, 4)]   # steps 0, 50, 100 and 119: four frames
    quiet = npn.pictures.movie(X, y, 3, path=str(tmp_path / "q.gif"), every=50, steps=120, dpi=20, size=1,
                               progress=False)
    assert capsys.readouterr().err == ""
    assert r.accuracy.tolist() == quiet.accuracy.tolist() and r.regions.tolist() == quiet.regions.tolist()


def test_a_rescaling_that_rounds_a_weight_below_the_normals_is_not_used():
    """leaky(x - 1/2) with slope 2^996, read by 2^-996, then by 1 plus 2^994, read out by 2^-996: left of x = 1/2 the
    second unit is 2^996 (x - 1/2) and the third's pre-activation 2^996 (x - 1/4), so the lines x = 1/2 and x = 1/4
    make three regions of [-1, 1]^2, with logits 2^996 (x - 1/4), x - 1/4 and 1/4 from left to right (closed form).
    Rescaling the units to weights near 1 divided the third's weight by 2^1990, 0 in float64: two regions, drawn and
    counted, silently. Such a rescaling is not used now (the network is drawn and counted as given). A unit whose own
    weights span more than float64's normal range (2^100 beside 2^-1000), which rescaling also rounds, far below the
    unit's rounding, is drawn as before (one line, x = 0 to within 2^-1100)."""
    p = 2.0 ** 996
    net = DeepNet([([[1.0], [0.0]], [-0.5]), ([[1 / p]], [0.0]), ([[1.0]], [p / 4])], [1 / p], 0.0,
                  activation="leaky_relu", slope=p)
    rp = region_polygons(net, box=(-1, 1))
    assert rp.n_regions == 3 == npn.network_regions_in_box(net, [-1, -1], [1, 1])
    order = np.argsort(rp.centroids()[:, 0])
    x = rp.centroids()[order, 0]
    want = [p * (x[0] - 0.25), x[1] - 0.25, 0.25]
    assert np.allclose(rp.logits()[order], want, rtol=1e-12, atol=0)
    assert sorted(np.round(rp.areas(), 12)) == [0.5, 1.0, 2.5]
    wide = DeepNet([([[2.0 ** 100], [2.0 ** -1000]], [0.0])], [1.0], 0.0)
    assert sorted(np.round(region_polygons(wide, box=(-1, 1)).areas(), 12)) == [2.0, 2.0]



@pytest.mark.parametrize("slope_e, reach_e, plane", [(400, 700, True), (600, 480, False)])
def test_a_weight_the_rescaling_rounds_to_0_is_lost_also_through_the_inputs_reach(slope_e, reach_e, plane):
    """Leaky slope 2^a on inputs up to 2^r (through the plane x = 2^700 s, y = 2^700 t on [-1, 1]^2, or the box
    [-2^480, 2^480]^2), eye(2), then v0 = 2^w (h0 + h1) + 2^199, v1 = 2^w (h0 - h1) + 2^198 with w = 200 - a - r: by
    hand, where x < 0 < y, v0 = 2^200 (x / 2^r + 1/2) + 2^(w + r) y / 2^r changes sign at x = -2^(r - 1); 10 regions
    (as in the core's test of the same name). Rescaling v0 by 2^-199 rounds its weights to 0, which the check of a
    weight rounded away missed: it read the inputs as 1, not 2^r, times the slope 2^a (4 regions drawn and counted,
    session 61). Each region's pattern is also an exact forward pass (fractions) at its centroid."""
    a, r = 2.0 ** slope_e, 2.0 ** reach_e
    w = 2.0 ** (200 - slope_e - reach_e)
    net = DeepNet([(np.eye(2), [0.0, 0.0]), ([[w, w], [w, -w]], [2.0 ** 199, 2.0 ** 198])], [1.0, 1.0], 0.0,
                  activation="leaky_relu", slope=a)
    if plane:
        rp = region_polygons(net, box=(-1, 1), plane=Plane(np.zeros(2), np.array([r, 0.0]), np.array([0.0, r])))
        to_input = [Fraction(r), Fraction(r)]
    else:
        rp = region_polygons(net, box=(-r, r))
        to_input = [Fraction(1), Fraction(1)]
    assert rp.n_regions == 10 == npn.network_regions_in_box(net, [-r, -r], [r, r])
    for k, (s, t) in enumerate(rp.centroids()):
        h = [Fraction(float(s)) * to_input[0], Fraction(float(t)) * to_input[1]]
        pattern = [z > 0 for z in h]
        h = [z if z > 0 else Fraction(a) * z for z in h]
        v = [Fraction(w) * (h[0] + h[1]) + Fraction(2.0 ** 199), Fraction(w) * (h[0] - h[1]) + Fraction(2.0 ** 198)]
        pattern += [z > 0 for z in v]
        assert rp.patterns[k].tolist() == pattern, (k, s, t)

@pytest.mark.parametrize("scale", [1e155, 1e300, 1e-200, 1e-300])
def test_region_counts_do_not_depend_on_the_scale_of_the_first_layer(scale):
    # a unit's line is the same for (w, b) and (s w, s b); squares of huge or tiny weights over- or underflowed and
    # the window read 1 region (the box count of the window module is the independent truth)
    from nnpartition.window import regions_in_box

    rng = np.random.default_rng(7)
    W, b, w = rng.normal(size=(2, 8)), rng.normal(size=8), rng.normal(size=8)
    want = regions_in_box(W, b, -1.0, 1.0)
    rp = region_polygons(TwoLayerNet(W * scale, b * scale, w, 0.0), box=(-1.0, 1.0))
    assert rp.n_regions == want
    ref = region_polygons(TwoLayerNet(W, b, w, 0.0), box=(-1.0, 1.0))
    assert np.allclose(np.sort(rp.areas()), np.sort(ref.areas()), rtol=1e-9, atol=1e-12)


def test_a_network_whose_rescaled_weights_overflow_is_refused():
    # Units of size 1e155 are drawn rescaled by a power of two (test above); when that rescaling overflows an
    # outgoing weight (1e200 x 1e155), drawing from the raw weights lost regions silently (1 region instead of 14):
    # refused, naming what overflows.
    rng = np.random.default_rng(7)
    W, b, w = rng.normal(size=(2, 8)), rng.normal(size=8), rng.normal(size=8)
    w[0] = 1e200
    with pytest.raises(ValueError, match="output weights overflow"):
        region_polygons(TwoLayerNet(W * 1e155, b * 1e155, w, 0.0), box=(-1.0, 1.0))


def test_subnormal_first_layer_weights_are_drawn(tmp_path):
    from nnpartition.window import regions_in_box

    rng = np.random.default_rng(7)
    W, b, w = rng.normal(size=(2, 8)), rng.normal(size=8), rng.normal(size=8)
    assert region_polygons(TwoLayerNet(W * 1e-310, b * 1e-310, w, 0.0), box=(-1.0, 1.0)).n_regions == \
        regions_in_box(W, b, -1.0, 1.0)


@pytest.mark.parametrize("k", [-1060, -700, 0, 900, 1000])
@pytest.mark.parametrize("box", [1.0, 1e10])
def test_first_layer_lines_do_not_depend_on_the_scale_of_the_units(k, box):
    # plot_partition(hyperplanes=True) draws the first layer's lines (RegionPolygons.lines): a unit scaled by 2^k is
    # the same line. Scaled the other way again (exactly, by powers of two), the weights are what the scaled network
    # holds, so its lines must equal theirs (subnormal weights keep fewer bits than the originals); near 1e300 the
    # products had overflowed to NaN segments, and subnormal weights had drawn lines off by 5e-4 of the window.
    rng = np.random.default_rng(3)
    W, b, w = rng.normal(size=(2, 6)), rng.normal(size=6), rng.normal(size=6)
    Ws, bs = np.ldexp(W, k), np.ldexp(b, k)
    held = TwoLayerNet(np.ldexp(Ws, -k), np.ldexp(bs, -k), w, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = region_polygons(TwoLayerNet(Ws, bs, w, 0.0), box=(-box, box))
        want = region_polygons(held, box=(-box, box))
    assert got.lines.shape == want.lines.shape and got.lines.shape[0] > 0 and np.all(np.isfinite(got.lines))
    assert np.array_equal(got.line_units, want.line_units)
    assert np.allclose(got.lines, want.lines, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("d", [2, 5])
def test_first_layer_lines_are_the_units_zero_sets_across_the_window(seed, d):
    # Against closed forms, unit by unit: a unit's line cuts the window exactly when its pre-activation changes
    # sign between the window's corners; both ends of its segment lie on the line (pre-activation 0 there) and
    # on the window's edge, and they are two different points.
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(d, 10)), rng.normal(size=10) * 0.8
    net = TwoLayerNet(W, b, rng.normal(size=10), 0.0)
    plane = None if d == 2 else Plane.through(rng.normal(size=d) * 0.3, rng.normal(size=d), rng.normal(size=d))
    rp = region_polygons(net, box=(-1.5, 1.5), plane=plane)
    p = rp.plane
    corners = p.to_input(np.array([[-1.5, -1.5], [-1.5, 1.5], [1.5, -1.5], [1.5, 1.5]]))
    pre = corners @ W + b
    crossing = [j for j in range(10) if pre[:, j].min() < 0 < pre[:, j].max()]
    assert rp.line_units.tolist() == crossing
    ends = rp.lines.reshape(-1, 2)
    z = p.to_input(ends) @ W + b
    units = np.repeat(rp.line_units, 2)
    scale = np.abs(W).sum(axis=0)[units] * 3 + np.abs(b)[units]
    assert np.all(np.abs(z[np.arange(len(units)), units]) <= 1e-12 * scale)
    assert np.all(np.isclose(np.abs(ends), 1.5, rtol=0, atol=1e-12).any(axis=1))
    assert np.all(np.abs(ends) <= 1.5 + 1e-12)
    assert np.all(np.linalg.norm(rp.lines[:, 0] - rp.lines[:, 1], axis=1) > 0)


@pytest.mark.parametrize("tiny", [1e-170, 1e-300, 5e-324])
def test_a_window_almost_orthogonal_to_a_unit_still_cuts_along_its_line(tiny):
    # Unit 0 is x0 + x1 = 0 in the plane x2 = 0 at a scale of `tiny`, while its largest weight (on x2) is 1, so
    # rebalancing leaves it alone. Its normal in the window squared to 0 and the unit read as constant: 2 regions
    # where there are 4, and `lines` drawing a line no region had. Against the exact count of the same lines in
    # the plane at a normal scale (window.regions_in_box), and each drawn line bounding regions on both sides.
    from nnpartition.window import regions_in_box

    W = np.array([[tiny, 1.0, 0.3], [tiny, -1.0, 0.2], [1.0, 0.5, 0.1]])
    b = np.array([0.0, 0.25, -0.03])
    rp = region_polygons(TwoLayerNet(W, b, np.ones(3), 0.0), box=(-1.0, 1.0), plane=Plane.standard(3))
    W2 = np.array([[1.0, 1.0, 0.3], [1.0, -1.0, 0.2]])
    assert rp.n_regions == regions_in_box(W2, b, -1.0, 1.0)
    assert rp.line_units.tolist() == [j for j in range(3)
                                      if np.ptp(np.sign(np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]]) @ W2[:, j]
                                                        + b[j]))]
    for seg, j in zip(rp.lines, rp.line_units):
        # regions with unit j on and off both touch the segment's midpoint
        mid = seg.mean(axis=0)
        near = [r for r in range(rp.n_regions)
                if np.min(np.linalg.norm(rp.polygon(r) - mid, axis=1)) <= np.linalg.norm(seg[1] - seg[0])]
        assert {bool(rp.patterns[r, j]) for r in near} == {False, True}


def test_a_line_is_drawn_exactly_where_it_cuts():
    # RegionPolygons.lines says which lines cut the window; a line within rounding of the tolerance at a corner
    # had been drawn without cutting (1 region and a line) or cut without being drawn (2 regions, no line): the
    # two tests computed the distance differently (review-found). One unit, its line near the corner (0, 0) at
    # about the tolerance (1e-9 of the diagonal), the two cases found and 400 more.
    cases = [([1.1174497023267356, 0.5517155409804865], -1.7624323393478125e-09),
             ([0.5638206212940088, 0.6693308099841053], -1.23765700110357e-09)]
    rng = np.random.default_rng(11)
    for _ in range(400):
        w = rng.uniform(0.1, 2.0, 2)
        cases.append((list(w), -np.hypot(*w) * np.sqrt(2.0) * 1e-9 * rng.uniform(0.98, 1.02)))
    for w, b in cases:
        rp = region_polygons(TwoLayerNet(np.array(w).reshape(2, 1), np.array([b]), np.ones(1), 0.0),
                             box=(0.0, 1.0), plane=Plane.standard(2))
        assert (rp.n_regions, len(rp.lines)) in ((1, 0), (2, 1)), (w, b)


def test_a_coarse_tol_snaps_a_line_to_a_corner_and_the_cut_can_depend_on_the_order_of_the_units():
    """docs/pictures.md, Tolerance: a vertex within the margin of a line counts as on it, so a coarse ``tol`` moves a
    line's cut onto a window corner up to the margin away, and a later unit then cuts against the moved line: a
    sliver no wider than the margin, in one order of the units only. Lines A from (1/23, 0) to (1, 1/23) and B from
    (1/23, 0) to (22/23, 1) in [0, 1]^2 meet on the bottom edge: 3 regions (network_regions_in_box, and the
    patterns: A < 0 and B > 0 would need 22 t < s - 1/23 < 21/23 t). A passes 1/506 below the corner (0, 0), inside
    the margin of tol = 1e-2 (1.4e-2): A first, it cuts from (0, 0), and B cuts a sliver of width about 2e-3 off
    that chord; B first, 3 regions. ``lines`` draws A's exact chord, from (1/23, 0). At the default tol both give 3.
    (A mend that makes both orders 3 at a coarse tol changes the documented behaviour: update the docs and this.)"""
    a = 1 / 23
    units = {"A": (np.array([-a, 1 - a]), a * a), "B": (np.array([-1.0, 1 - 2 * a]), a)}
    # A: -a s + (1 - a) t + a^2 = 0 through (a, 0) and (1, a); B: -s + (1 - 2a) t + a = 0 through (a, 0), (1 - a, 1)
    for name, (w, c) in units.items():
        ends = [(a, 0.0), (1.0, a)] if name == "A" else [(a, 0.0), (1 - a, 1.0)]
        assert all(abs(w @ e + c) < 1e-15 for e in ends)
    for order, coarse in ((("A", "B"), 4), (("B", "A"), 3)):
        W = np.stack([units[k][0] for k in order], axis=1)
        c = np.array([units[k][1] for k in order])
        layers = [(W, c)]
        exact = npn.network_regions_in_box(layers, 0.0, 1.0)
        assert exact == 3
        net = DeepNet(layers, np.ones(2), 0.0)
        assert region_polygons(net, box=(0, 1)).n_regions == exact
        rp = region_polygons(net, box=(0, 1), tol=1e-2)
        assert rp.n_regions == coarse
        margin, slivers = 1e-2 * np.sqrt(2.0), 0
        for r in range(rp.n_regions):
            P = rp.vertices[rp.offsets[r]:rp.offsets[r + 1]]
            area = 0.5 * abs(np.sum(P[:, 0] * np.roll(P[:, 1], -1) - np.roll(P[:, 0], -1) * P[:, 1]))
            longest = max(np.hypot(*(P[i] - P[i - 1])) for i in range(len(P)))
            A_neg, B_pos = not rp.patterns[r, order.index("A")], bool(rp.patterns[r, order.index("B")])
            if A_neg and B_pos:   # the sliver: a pattern no point of the window has, no wider than the margin
                assert 2 * area / longest <= margin
                slivers += 1
        assert slivers == coarse - exact
        drawn = {order[u]: seg for u, seg in zip(rp.line_units, rp.lines)}
        np.testing.assert_allclose(sorted(drawn["A"].tolist()), [[a, 0.0], [1.0, a]], atol=1e-15)


@needs_mpl
def test_movie_works_with_tight_bounding_boxes_set(tmp_path):
    # the user's rcParams: a GIF's frames must keep one size, which writer.saving ensured and setup() alone did not
    import matplotlib

    X, y = npn.datasets.toy_dataset("uniform", 20, seed=0)
    with matplotlib.rc_context({"savefig.bbox": "tight"}):
        r = npn.pictures.movie(X, y, 4, path=str(tmp_path / "m.gif"), every=100, steps=200, progress=False)
    assert r.frames >= 2


def test_window_edges_one_point_and_far_plane_points():
    # one point: a unit window around it (it was 1e-10 wide); plane points whose differences overflow: named so
    # (the message blamed collinearity)
    net = make_net([3])
    _, box = npn.pictures.window_for(net, np.array([[0.3, -0.2]]))
    assert np.allclose(np.subtract(box[1], box[0]), 1.1)
    with pytest.raises(ValueError, match="too far apart"):
        Plane.through([-1e308, 0.0, 0.0], [1e308, 0.0, 0.0], [0.0, 1.0, 0.0])


@needs_mpl
@pytest.mark.parametrize("alias", ["gauss", "normal"])
def test_movie_takes_the_core_dist_names(tmp_path, alias):
    # movie listed ("uniform", "gaussian") itself and refused the aliases estimate_accuracy takes
    X, y = npn.datasets.toy_dataset("gaussian", 60, seed=0)
    r = npn.pictures.movie(X, y, 4, path=str(tmp_path / "m.gif"), every=250, steps=500, dpi=30, size=2,
                           progress=False, dist=alias)
    expected = npn.estimate_accuracy(2, 60, widths=[4], dist="gaussian", protocol=npn.Protocol(steps=500, restarts=1))
    assert r.estimate == expected.accuracy


# --- movie: its seed, its box and its region bound reach the result ---------------------------------------------

@needs_mpl
def test_movie_trains_with_its_seed(tmp_path):
    """A movie's frames are train(..., seed=seed)'s snapshots: the same accuracies, and another seed differs."""
    X, y = npn.datasets.toy_dataset("xor", 40, seed=1)

    def run(seed):
        return npn.pictures.movie(X, y, 5, path=str(tmp_path / f"s{seed}.gif"), every=30, steps=60, dpi=30,
                                  size=2, seed=seed, progress=False)

    three = run(3)
    res = npn.train(X, y, 5, steps=60, restarts=1, seed=3, snapshot_every=30)
    assert three.steps.tolist() == res.snapshot_steps.tolist() == [0, 30, 59]
    assert three.accuracy.tolist() == res.snapshot_accuracy.tolist()
    assert three.regions.tolist() == [region_polygons(n, box=r_box(X)).n_regions for n in res.snapshots()]
    four = run(4)
    assert (three.accuracy.tolist(), three.regions.tolist()) != (four.accuracy.tolist(), four.regions.tolist())


@needs_mpl
def test_movie_counts_regions_in_the_box_it_is_given(tmp_path):
    X, y = npn.datasets.toy_dataset("uniform", 30, seed=2)
    big = ((-6.0, -6.0), (6.0, 6.0))
    r = npn.pictures.movie(X, y, 6, path=str(tmp_path / "b.gif"), every=40, steps=80, dpi=30, size=2, box=big,
                           progress=False)
    nets = npn.train(X, y, 6, steps=80, restarts=1, snapshot_every=40).snapshots()
    want = [region_polygons(n, box=big).n_regions for n in nets]
    assert r.regions.tolist() == want
    # the box matters here: the data's own window shows fewer of the 6 lines' regions
    assert want != [region_polygons(n, box=r_box(X)).n_regions for n in nets]


@needs_mpl
def test_movie_bound_of_a_deep_network_is_the_deep_bound(tmp_path):
    X, y = npn.datasets.toy_dataset("xor", 30, seed=0)
    r = npn.pictures.movie(X, y, widths=[4, 4], path=str(tmp_path / "d.gif"), every=50, steps=50, dpi=30, size=2,
                           progress=False)
    deep = npn.deep_region_bounds(2, [4, 4])
    assert r.bound == deep.upper and r.bound >= r.regions.max()
    assert r.bound != sum(math.comb(4, i) for i in range(3))      # not the one-layer count of the first width
    one = npn.pictures.movie(X, y, 4, path=str(tmp_path / "o.gif"), every=50, steps=50, dpi=30, size=2,
                             progress=False)
    assert one.bound == sum(math.comb(4, i) for i in range(3))     # 4 lines in the plane: at most 11 regions


def test_a_movie_whose_frames_pass_max_bytes_is_refused_before_training(tmp_path, monkeypatch):
    # An audit after the twenty-eighth pass on issue 11: matplotlib's GIF writer keeps every frame; 200 frames of
    # 10 inches at dpi 1000 took 5.9 GB before a MemoryError (on the command line, an empty message after 33 s).
    import nnpartition.training as training
    from nnpartition.pictures import movie

    def no_training(*a, **k):
        raise AssertionError("worked before checking")

    monkeypatch.setattr(training, "train", no_training)   # movie imports it from the module when called
    rng = np.random.default_rng(0)
    X, y = rng.uniform(-1, 1, (20, 2)), rng.integers(0, 2, 20)
    # 10 inches wide, and higher: the window, the title, the axis labels and the key; a frame each of steps 0 to 199
    with pytest.raises(ValueError, match=r"200 frames of 10000 x 1\d{4} pixels.*max_bytes"):
        movie(X, y, 2, path=str(tmp_path / "m.gif"), steps=200, every=1, dpi=1000, size=10)
    assert not (tmp_path / "m.gif").exists()


# --- what the command line's pictures show (a user walkthrough) -----------------------------------------------

def _saved_figures(monkeypatch):
    """The figures the command writes, as it writes them (Figure.savefig recorded)."""
    from matplotlib.figure import Figure

    saved = []
    original = Figure.savefig

    def savefig(self, *args, **kwargs):
        saved.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return saved


def _legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


@needs_mpl
def test_the_key_names_the_misclassified_marker_only_when_points_are_misclassified():
    """docs/pictures.md: the key shows the misclassified marker (with the points' classes drawn). Truth: the
    network's own predictions as labels misclassify nothing; their flip misclassifies every point."""
    from matplotlib.figure import Figure

    from nnpartition.pictures.drawing import _annotate

    net = TwoLayerNet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), np.array([1.0, 1.0]), -0.5)
    X = np.random.default_rng(3).uniform(-1, 1, (40, 2))
    pred = net.predict(X)
    assert 0 < pred.sum() < 40
    for y, marked in ((pred, False), (1 - pred, True)):
        fig = Figure(figsize=(5, 5))
        ax = npn.plot_partition(net, X, y, ax=fig.add_subplot(), box=(-1, 1), key=False)
        _annotate(ax, 2)
        texts = _legend_texts(ax)
        assert {"label 1", "label 0"} <= set(texts)
        assert ("misclassified" in texts) is marked, texts
        # plot_partition's own key (key=True, the default) is the same one
        fig = Figure(figsize=(5, 5))
        assert _legend_texts(npn.plot_partition(net, X, y, ax=fig.add_subplot(), box=(-1, 1))) == texts
    # only the classes drawn are in the key (docstring of _annotate): all points labelled 1
    fig = Figure(figsize=(5, 5))
    ax = npn.plot_partition(net, X, np.ones(40, int), ax=fig.add_subplot(), box=(-1, 1))
    assert "label 1" in _legend_texts(ax) and "label 0" not in _legend_texts(ax)


@needs_mpl
@pytest.mark.parametrize("constrained", [False, True])
def test_plot_partition_from_python_names_its_axes_and_keys_each_panel_below_it(constrained):
    """A review in the sixty-fourth pass: ``plot_partition`` from Python drew no axis labels and no key (the command
    line's pictures had both). ``key=True`` (the default) names the axes and draws the key below them; in a row of
    three panels each key lies below its own plot, inside its panel's share of the figure's width, clear of the
    others and inside the figure once it is laid out (tight or constrained); ``key=False`` draws neither."""
    from matplotlib.figure import Figure

    X, y = npn.datasets.toy_dataset("xor", 60, seed=0)
    net = npn.train(X, y, 6, steps=50, seed=0).network
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(13.5, 4.6), layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)   # (a figure's own canvas draws nothing: no constrained layout is made)
    axes = [fig.add_subplot(1, 3, k + 1) for k in range(3)]
    for ax, color in zip(axes, ("decision", "region", "output")):
        npn.plot_partition(net, X, y, ax=ax, color=color, colorbar=color == "output")
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
        assert {"label 1", "label 0", "decision boundary"} <= set(_legend_texts(ax))
        assert ({"predicted 1", "predicted 0"} <= set(_legend_texts(ax))) is (color == "decision")
    if not constrained:
        # (twice: matplotlib's tight layout of axes of equal aspect converges in two passes; after one, the first
        # panel's key of three rows reached 3.5 pixels past the bottom edge, through its own padding)
        fig.tight_layout()
        fig.tight_layout()
    fig.canvas.draw()
    keys = [ax.get_legend().get_window_extent() for ax in axes]
    for k, (ax, key) in enumerate(zip(axes, keys)):
        plot = ax.get_window_extent()
        assert key.y1 <= plot.y0 and key.y0 >= 0, (k, key, plot)
        # centred on its plot, within a third of the figure
        assert abs((key.x0 + key.x1) / 2 - (plot.x0 + plot.x1) / 2) < 2, (k, key, plot)
        assert k * fig.bbox.width / 3 <= key.x0 and key.x1 <= (k + 1) * fig.bbox.width / 3, (k, key)
    fig = Figure(figsize=(5, 5))
    ax = npn.plot_partition(net, X, y, ax=fig.add_subplot(), key=False)
    assert ax.get_legend() is None and (ax.get_xlabel(), ax.get_ylabel()) == ("", "")


@needs_mpl
@pytest.mark.parametrize("d", [2, 5])
def test_plot_partitions_own_figure_holds_its_key_and_names_a_slices_axes(d):
    """Without ``ax``, the figure ``plot_partition`` opens is laid out to hold the key below the plot (the key lay
    outside a figure that was not); a slice of ``d > 2`` names its axes after the three points it passes through."""
    import matplotlib.pyplot as plt

    plt.switch_backend("agg")
    X, y = npn.datasets.random_dataset(40, d, seed=1) if d > 2 else npn.datasets.toy_dataset("xor", 40, seed=1)
    net = npn.train(X, y, 5, steps=50, seed=0).network
    ax = npn.plot_partition(net, X, y)
    fig = ax.figure
    try:
        fig.canvas.draw()
        key = ax.get_legend().get_window_extent()
        assert 0 <= key.x0 and key.x1 <= fig.bbox.width and 0 <= key.y0 and key.y1 <= ax.get_window_extent().y0
        assert ("p1" in ax.get_xlabel() and "p3" in ax.get_ylabel()) if d > 2 else ax.get_xlabel() == "x1"
    finally:
        plt.close(fig)


@needs_mpl
def test_output_colours_run_from_orange_through_white_to_blue():
    """``color="output"``: "the logit on a diverging colour map, orange negative, white 0, blue positive".
    Truth: matplotlib's reading of the map's colours, red above blue for every negative logit and below it for
    every positive one, white at 0."""
    from nnpartition.pictures.drawing import _logit_colormap

    cmap = _logit_colormap()
    for x in np.linspace(0.0, 1.0, 41):
        r, g, b, _ = cmap(x)
        if x < 0.5:
            assert r > b, x
        elif x > 0.5:
            assert b > r, x
    assert min(cmap(0.5)[:3]) > 0.98


@needs_mpl
def test_cli_output_colouring_has_a_colour_bar_and_every_picture_a_key_and_axis_labels(tmp_path, monkeypatch):
    """--color output drew the diverging logit map with no colour bar; no picture had a key for the points'
    classes or axis labels."""
    from nnpartition.cli import main

    saved = _saved_figures(monkeypatch)
    base = ["plot-partition", "-N", "60", "-L", "6", "--steps", "200", "--data", "xor", "--no-progress"]
    assert main([*base, "-d", "2", "--color", "output", "--plot", str(tmp_path / "o.png")]) == 0
    fig = saved[-1]
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "logit"   # the plot and its colour bar
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
    texts = _legend_texts(ax)
    assert {"label 1", "label 0", "decision boundary", "first-layer lines"} <= set(texts)
    assert not any(t.startswith("predicted") for t in texts)   # the colour bar reads the regions' colours
    # the key lies below the plot, not over it
    fig.canvas.draw()
    key, plot = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert key.y1 <= plot.y0
    # decision colouring: the regions' classes are in the key; a slice names its axes by the three points
    assert main([*base, "-d", "4", "--plot", str(tmp_path / "s.png")]) == 0
    ax = saved[-1].axes[0]
    assert len(saved[-1].axes) == 1
    assert {"predicted 1", "predicted 0"} <= set(_legend_texts(ax))
    assert "p1" in ax.get_xlabel() and "p3" in ax.get_ylabel()
    assert "slice of R^4" in ax.get_title()


@needs_mpl
@pytest.mark.parametrize("d, color", [(2, "decision"), (2, "output"), (6, "output"), (6, "region")])
def test_a_three_inch_picture_keeps_its_key_and_title_inside_the_figure(d, color, tmp_path, monkeypatch):
    """An audit on session 48: at --size 3, the smallest with a key, the key's three columns were wider than the
    figure and cut at its sides ("decision bounda"); with --color output the title ran into the colour bar, and a
    slice's note ("slice of R^6 through the first three training points p1, p2, p3") was cut at both sides."""
    from nnpartition.cli import main

    saved = _saved_figures(monkeypatch)
    assert main(["plot-partition", "-d", str(d), "-N", "60", "-L", "6", "--steps", "100", "--data", "xor",
                 "--no-progress", "--size", "3", "--color", color, "--plot", str(tmp_path / "p.png")]) == 0
    fig = saved[-1]
    fig.canvas.draw()
    ax, width, height = fig.axes[0], fig.bbox.width, fig.bbox.height
    key = ax.get_legend().get_window_extent()
    assert 0 <= key.x0 and key.x1 <= width, (key, width)
    # and inside it from top to bottom (without the layout made after the title, a 2-D plot's key lay below the
    # figure's bottom edge, wholly cut off)
    assert 0 <= key.y0 and key.y1 <= ax.get_window_extent().y0 and ax.title.get_window_extent().y1 <= height, key
    import matplotlib

    if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) < (3, 6):
        return   # matplotlib 3.5 measures a wrapped title as one line (it wraps only while drawing)
    title = ax.title.get_window_extent()   # (wrap=True: the drawn lines, as the figure shows them)
    assert 0 <= title.x0 and title.x1 <= width, (title, width)
    for other in fig.axes[1:]:   # the colour bar
        assert not title.overlaps(other.get_window_extent())


def test_plot_partition_refuses_a_figure_too_small_for_its_title(capsys):
    """--size 1 wrote a figure whose title was cut off, with two of matplotlib's "Tight layout not applied"
    warnings on stderr; 0.5 to 2 inches are now refused before any work, in one line."""
    from nnpartition.cli import main

    for size in ("0.5", "1", "1.9"):
        assert main(["plot-partition", "-d", "2", "-N", "20", "-L", "3", "--size", size, "--plot", "p.png"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--size must be between 2 and 100 inches" in err[0], err


@needs_mpl
def test_movie_frames_say_their_estimate_is_for_random_labels(tmp_path, monkeypatch):
    """docs/pictures.md: the frames' estimate is estimate_accuracy's prediction for *random* labels. On xor the
    network reaches 0.99 under an "estimate_accuracy: 0.599" that did not say so (a lecture's audience reads it as
    the prediction for these data); the title now says
    "(random labels, d=2, N=60)", as the command's output and the explorer name them."""
    titles = _grabbed(monkeypatch, lambda fig: fig.axes[0].get_title())
    X, y = npn.datasets.toy_dataset("xor", 60, seed=0)
    r = npn.pictures.movie(X, y, 4, path=tmp_path / "x.gif", every=10, steps=20, dpi=20, size=1, progress=False)
    assert len(titles) == r.frames == 3
    assert all(re.search(r"\nestimate_accuracy: [\d.]+\*?  \(random labels, d=2, N=60\)", t) for t in titles), titles


@needs_mpl
def test_movie_frames_say_they_show_a_slice_and_name_the_bound_plainly(tmp_path, monkeypatch):
    """Frames for d > 2 did not say they show a slice, left empty space under a wide window, and read
    "(bound deep bound = 1369)"."""
    from matplotlib.animation import PillowWriter
    from PIL import Image

    titles = []
    grab = PillowWriter.grab_frame

    def record(self, **kwargs):
        titles.append(self.fig.axes[0].get_title())
        return grab(self, **kwargs)

    monkeypatch.setattr(PillowWriter, "grab_frame", record)
    X, y = npn.datasets.toy_dataset("uniform", 40, 4, seed=0)
    path = str(tmp_path / "s.gif")
    npn.pictures.movie(X, y, 5, path=path, every=50, steps=100, dpi=40, size=4, progress=False)
    assert len(titles) == 3
    assert all("slice of R^4" in t and "at most regions(5, 2) = 16" in t for t in titles)
    assert all("through the first three training points" in t for t in titles)   # docs/pictures.md: it says so
    # the frame is as high as the window needs: little empty space at its bottom
    with Image.open(path) as im:
        im.seek(2)
        rgb = np.asarray(im.convert("RGB"))
    drawn = np.nonzero(np.any(rgb < 200, axis=(1, 2)))[0]
    assert rgb.shape[0] - 1 - drawn.max() < 0.06 * rgb.shape[0]
    titles.clear()
    X, y = npn.datasets.toy_dataset("xor", 40, seed=0)
    r = npn.pictures.movie(X, y, widths=[4, 4], path=str(tmp_path / "d.gif"), every=50, steps=50, dpi=30, size=3,
                           progress=False)
    assert all(f"at most {r.bound}, the deep bound" in t and "slice" not in t for t in titles)
    assert not any("bound deep bound" in t for t in titles)


@needs_mpl
@pytest.mark.parametrize("d, color", [(2, "output"), (7, "decision")])
def test_three_inch_movie_frames_draw_nothing_cut_at_their_sides(d, color, tmp_path):
    """An audit on session 48: in frames of 3 inches the key stood under the axes, left of the centre by half a
    colour bar, and was cut at the left ("label 1"); the title's lines wider than the frame (the estimate's beside a
    colour bar, a slice's note) were cut at both sides. Nothing is drawn in a frame's outermost columns."""
    from PIL import Image

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, d))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    path = tmp_path / "m.gif"
    npn.pictures.movie(X, y, 6, path=str(path), every=100, steps=200, size=3, color=color, progress=False)
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            rgb = np.asarray(im.convert("RGB"))
            edges = np.concatenate([rgb[:, :2], rgb[:, -2:]], axis=1)
            assert edges.min() > 240, (k, np.argwhere(edges.min(axis=2) <= 240)[:5])



@needs_mpl
@pytest.mark.parametrize("d, color", [(2, "decision"), (5, "region"), (2, "output")])
def test_a_movie_draws_the_frames_matplotlibs_own_layout_of_each_frame_draws(d, color, tmp_path, monkeypatch):
    """Until the sixty-sixth pass on issue 11 every frame was laid out by ``fig.tight_layout()``, its title placed by
    matplotlib at every drawing and its hidden ticks made and measured: 40% of a movie's time. Now a frame is laid out
    once a shape (its title but for its digits, its key's words; a colour bar's frames every time), its title is put
    where matplotlib put it and it has no ticks. The reference here lays out every frame as matplotlib would, from
    its default margins in the two passes of ``tight_layout`` that equal-aspect axes with a key below need, with the
    title placed by matplotlib and the hidden ticks on automatic locators: each frame must be the same, pixel for
    pixel, over a run whose step numbers grow a digit and whose key loses its "misclassified" entry. (Each pass of
    the old layout started from the last frame's margins: with matplotlib 3.9 the plot moved from frame to frame.)"""
    import matplotlib
    from matplotlib.ticker import AutoLocator
    from PIL import Image

    from nnpartition.pictures import movies

    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (40, d))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    shapes = []
    ours = movies._lay_out

    def spy(fig, ax, layouts, alike):
        legend = ax.get_legend()
        shapes.append(tuple(t.get_text() for t in legend.get_texts()) if legend is not None else ())
        ours(fig, ax, layouts, alike)

    layouts = []
    settled = movies._settled

    def counted(fig):
        layouts.append(1)
        return settled(fig)

    def every_frame(fig, ax, layouts, alike):
        ax._autotitlepos = True   # (what set_title without y leaves)
        ax.xaxis.set_major_locator(AutoLocator())
        ax.yaxis.set_major_locator(AutoLocator())
        fig.subplots_adjust(**{k: matplotlib.rcParams[f"figure.subplot.{k}"] for k in ("left", "right", "bottom",
                                                                                      "top")})
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Tight layout not applied", category=UserWarning)
            fig.tight_layout()
            fig.tight_layout()

    kw = dict(every=30, steps=300, dpi=40, color=color, progress=False)
    monkeypatch.setattr(movies, "_lay_out", spy)
    monkeypatch.setattr(movies, "_settled", counted)
    r = npn.pictures.movie(X, y, 8, path=tmp_path / "ours.gif", **kw)
    monkeypatch.setattr(movies, "_lay_out", every_frame)
    npn.pictures.movie(X, y, 8, path=tmp_path / "theirs.gif", **kw)
    assert r.steps.tolist()[-2:] == [270, 299] and r.frames == 11
    assert any("misclassified" in s for s in shapes) and not all("misclassified" in s for s in shapes)
    assert len(layouts) < r.frames / 2 if color != "output" else len(layouts) == r.frames   # (the point of it)
    with Image.open(tmp_path / "ours.gif") as a, Image.open(tmp_path / "theirs.gif") as b:
        assert a.n_frames == b.n_frames == r.frames
        for k in range(r.frames):
            a.seek(k)
            b.seek(k)
            fa, fb = np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))
            assert fa.shape == fb.shape and np.array_equal(fa, fb), k


@needs_mpl
def test_a_movie_in_a_font_of_unequal_digits_lays_out_each_title_of_its_own(tmp_path, monkeypatch):
    """A frame's layout is kept for the frames whose title differs only in its digits where every digit is as wide
    as any other (matplotlib's bundled text fonts; a review in the sixty-sixth pass on issue 11 asked about others).
    In a font whose digits differ (matplotlib's bundled cmsy10 here) each distinct title is laid out of its own."""
    from nnpartition.pictures import movies

    assert movies._digits_alike(8.0)   # DejaVu Sans, the default
    X, y = npn.datasets.toy_dataset("xor", 40, seed=0)
    settled = movies._settled
    titles = []

    def counted(fig):
        titles.append(fig.axes[0].get_title())
        return settled(fig)

    monkeypatch.setattr(movies, "_settled", counted)
    kw = dict(every=20, steps=200, dpi=20, progress=False)
    r = npn.pictures.movie(X, y, 4, path=tmp_path / "a.gif", **kw)
    alike = len(titles)
    assert alike < r.frames / 2
    titles.clear()
    with mpl.rc_context({"font.family": "cmsy10"}):
        assert not movies._digits_alike(8.0)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing", category=UserWarning)
            r = npn.pictures.movie(X, y, 4, path=tmp_path / "b.gif", **kw)
    # every title differs (its step), so each frame is laid out
    assert len(titles) == len(set(titles)) == r.frames > alike


def _a_frame(size=4.0):
    """A figure as a movie frame is: axes of equal aspect with a two-line title and a key below them."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size, size))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="class 0")
    ax.plot([0, 1], [1, 0], label="class 1")
    ax.set_aspect("equal")
    ax.set_title("step 100   train acc 0.500\nregions 12, at most 37", fontsize=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=7)
    return fig, ax


@needs_mpl
def test_a_frames_layout_is_matplotlibs_from_its_defaults_whatever_margins_the_figure_had(monkeypatch):
    """_settled lays a frame out as two passes of matplotlib's ``tight_layout`` from its default margins do (the
    peer: a fresh figure laid out so), whatever margins the figure had (the last frame's, in a movie: laid out from
    those, the plot moved from frame to frame), and leaves no layout engine behind, so that saving the frame draws it
    once, not twice. A mutation audit in the sixty-sixth pass on issue 11: the reset to the defaults and the removal
    of the engine could each be dropped (mutants 11 and 9) with every test passing."""
    from matplotlib.figure import Figure

    from nnpartition.pictures import movies

    peer, _ = _a_frame()
    peer.tight_layout()
    peer.tight_layout()
    p = peer.subplotpars
    want = (p.left, p.right, p.bottom, p.top)
    fig, _ = _a_frame()
    fig.subplots_adjust(left=0.3, right=0.6, bottom=0.4, top=0.7)   # the margins a frame of another shape left
    assert movies._settled(fig) == pytest.approx(want, abs=1e-12)
    assert fig.get_layout_engine() is None
    draws = []
    draw = Figure.draw

    def counted(self, renderer):
        draws.append(1)
        return draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    fig.savefig(io.BytesIO(), format="png")
    assert len(draws) == 1


@needs_mpl
def test_a_tight_layout_pass_says_whether_matplotlib_applied_it_and_passes_other_warnings_on(monkeypatch):
    """_tight is true where matplotlib applies its layout and false where it says "Tight layout not applied" (the
    peer: the same frame laid out by matplotlib, its warning caught), warning nothing then; any other warning of the
    layout reaches the caller. A mutation audit in the sixty-sixth pass on issue 11: "applied" always true, the test
    of the warning's class and words with "or" for "and", and the passing on dropped (mutants 98, 73 and 74) passed
    every test."""
    from nnpartition.pictures import movies

    for size in (4.0, 0.5):
        peer, _ = _a_frame(size)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            peer.tight_layout()
        applied = not any(str(w.message).startswith("Tight layout not applied") for w in caught)
        assert applied == (size == 4.0)   # (the frame of half an inch has no room for its title and key)
        fig, _ = _a_frame(size)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert movies._tight(fig) is applied
    fig, _ = _a_frame()
    layout = fig.tight_layout

    def warning(*args, **kwargs):
        warnings.warn("a warning of another kind", UserWarning)
        warnings.warn("Tight layout not applied, said of something else", RuntimeWarning)
        layout(*args, **kwargs)

    monkeypatch.setattr(fig, "tight_layout", warning)
    with pytest.warns(UserWarning, match="a warning of another kind"), \
            pytest.warns(RuntimeWarning, match="said of something else"):
        assert movies._tight(fig) is True


@needs_mpl
def test_frames_whose_titles_differ_in_their_digits_share_one_layout_unless_told_the_digits_differ():
    """_lay_out keeps one layout a frame shape: by default (digits as wide as each other) titles that differ only in
    their digits are one shape, and with ``alike=False`` each title is its own; a key's other words make another
    shape. A mutation audit in the sixty-sixth pass on issue 11: the default read ``False`` (mutant 38) with every
    test passing (the movie always passes it)."""
    from nnpartition.pictures import movies

    for alike, shapes in ((None, 1), (True, 1), (False, 2)):
        layouts = {}
        for title in ("step 5   train acc 0.500", "step 7   train acc 0.625"):
            fig, ax = _a_frame()
            ax.set_title(title, fontsize=8)
            movies._lay_out(fig, ax, layouts) if alike is None else movies._lay_out(fig, ax, layouts, alike)
        assert len(layouts) == shapes, (alike, list(layouts))
    fig, ax = _a_frame()
    ax.legend(["class 0", "misclassified"])
    movies._lay_out(fig, ax, layouts)
    assert len(layouts) == 3


@needs_mpl
def test_a_title_in_a_font_without_digits_is_measured_without_a_warning():
    """A font with no digits (matplotlib's bundled DejaVu Sans Display) draws each digit as the one missing-glyph
    box (FreeType gives each the glyph index 0), so its digits are alike; measuring them warned "Glyph ... missing"
    ten times, an error where warnings are. A mutation audit in the sixty-sixth pass on issue 11: the filter that
    silences it could be dropped (mutant 36) with every test passing."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    from nnpartition.pictures import movies

    font = FT2Font(findfont(FontProperties(family="DejaVu Sans Display"), fallback_to_default=False))
    assert all(font.get_char_index(ord(c)) == 0 for c in "0123456789")   # no digits: one box for each
    with mpl.rc_context({"font.family": "DejaVu Sans Display"}), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert movies._digits_alike(8.0) is True

def test_movie_help_does_not_describe_a_saved_network():
    """movie has no --weights, but its --box help spoke of "a saved network of d > 2"."""
    import argparse

    from nnpartition.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    movie_box = next(a for a in sub["movie"]._actions if a.dest == "box").help
    plot_box = next(a for a in sub["plot-partition"]._actions if a.dest == "box").help
    assert "saved network" not in movie_box and "--weights" not in sub["movie"].format_help()
    assert "saved network" in plot_box


@pytest.mark.parametrize("extra, named", [
    (["--steps", "10", "--data", "xor"], "--data and --steps"),
    (["--seed", "3"], "--seed"),
    (["--restarts", "1"], "--restarts"),
    (["--save-weights", "AGAIN"], "--save-weights"),
])
def test_plot_partition_of_saved_weights_refuses_the_training_options(extra, named, tmp_path, capsys):
    """--weights net.npz --steps 10 --data xor drew net.npz and ignored the training's options."""
    from nnpartition.cli import main
    from nnpartition.network import save_network

    save_network(make_net([3]), str(tmp_path / "net.npz"))
    out = tmp_path / "x.png"
    extra = [str(tmp_path / "again.npz") if a == "AGAIN" else a for a in extra]
    assert main(["plot-partition", "--weights", str(tmp_path / "net.npz"), "--plot", str(out), *extra]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and named in err[0] and "--weights" in err[0], err
    assert not out.exists() and not (tmp_path / "again.npz").exists()


# --- scale: a plane's directions and a wide box are read without float64 overflow ---------------------------------

@pytest.mark.parametrize("scale", [1e300, 1e160, 1e-160, 1e-300])
def test_a_planes_orthogonal_directions_of_any_scale_are_not_called_parallel(scale):
    """Plane's collinearity test multiplied squared norms: orthogonal u, v of norm 1e160 overflowed (a numpy
    RuntimeWarning, then "u and v are (nearly) parallel"), and of norm 1e-160 underflowed to the same refusal. The
    test is now made on the directions scaled to about 1, so it depends on their angle only."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = Plane(np.zeros(3), np.array([scale, 0.0, 0.0]), np.array([0.0, scale, 0.0]))
        assert p.u[0] == scale and p.v[1] == scale
        with pytest.raises(ValueError, match="parallel"):
            Plane(np.zeros(2), np.array([scale, 0.0]), np.array([scale, scale * 1e-9]))
        with pytest.raises(ValueError, match="plane u is zero"):
            Plane(np.zeros(2), np.zeros(2), np.array([0.0, 1.0]))


@pytest.mark.parametrize("half", [1e120, 1e150])
def test_areas_and_centroids_of_a_wide_window_do_not_overflow(half):
    """The box check allows windows up to about 1e150 across (their areas fit float64), but the centroids'
    moments grew as the cube of the width: a box of +-1e120 gave a numpy overflow warning and infinite or NaN
    centroids (and plot_partition, which colours by them, warned too). The moments are now taken in coordinates
    scaled by a power of two, which changes no bit of a result that did not overflow."""
    net = make_net([6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rp = region_polygons(net, box=(-half, half))
        small = region_polygons(net, box=(-1.0, 1.0))
        areas, cen = rp.areas(), rp.centroids()
        assert np.all(np.isfinite(areas)) and np.all(np.isfinite(cen)) and np.all(np.isfinite(rp.logits()))
        assert math.isclose(areas.sum(), (2 * half) ** 2, rel_tol=1e-9)
        for r in range(rp.n_regions):   # every centroid lies inside its polygon's bounding box
            poly = rp.polygon(r)
            assert np.all(cen[r] >= poly.min(axis=0)) and np.all(cen[r] <= poly.max(axis=0))
    from nnpartition.pictures import _polygon_moments
    scaled = (small.vertices * 2.0 ** -40, small.vertices * 2.0 ** 40)
    for f, verts in zip((2.0 ** -40, 2.0 ** 40), scaled):   # a power of two: the same bits, scaled
        a, c = _polygon_moments(verts, small.offsets)
        assert a.tolist() == (small.areas() * f * f).tolist() and c.tolist() == (small.centroids() * f).tolist()


@pytest.mark.parametrize("box", [(True, 2), (-1, np.True_), ((False, -1), (1, 1)), np.array([0, 1], dtype=bool)])
def test_a_box_of_booleans_is_refused_as_regions_in_box_refuses_one(box):
    """region_polygons(box=(True, 2)) drew the window 1 to 2, where regions_in_box refuses a bool bound
    (tests/test_bad_input.py::test_box_bounds_refuse_booleans)."""
    net = make_net([3])
    # integers are a box like any other: the first layer's exact count in [1, 2]^2 (">= 1" held for any box read)
    assert region_polygons(net, box=(1, 2)).n_regions == npn.regions_in_box(*net.layers[0], 1.0, 2.0)
    with pytest.raises(TypeError, match="box"):
        region_polygons(net, box=box)


@needs_mpl
@pytest.mark.parametrize("ax", [3, "ax", object()])
def test_plot_partition_refuses_axes_that_are_not_axes_before_any_work(ax, monkeypatch):
    """ax=3 raised AttributeError ('int' object has no attribute 'add_collection') after the regions were
    computed; the docstring says every argument is checked before anything is computed or drawn."""
    from nnpartition.pictures import drawing

    def never(*args, **kwargs):
        raise AssertionError("regions computed before ax was checked")

    monkeypatch.setattr(drawing, "_region_polygons", never)   # where plot_partition looks it up
    with pytest.raises(TypeError, match="^ax must be matplotlib axes"):
        npn.plot_partition(make_net([3]), ax=ax)


@needs_mpl
def test_movie_reads_the_best_and_the_last_accuracy_as_train_does(tmp_path):
    # MovieResult.final_accuracy held the best read, where TrainResult.final_accuracy is the last step's; frames
    # every 20 steps are the trainer's reads (step 0, every 20th and the last), so the frames give both. This run
    # (random labels) reads its best before the end.
    X, y = npn.datasets.toy_dataset("uniform", 60, seed=0)
    r = npn.pictures.movie(X, y, 6, path=str(tmp_path / "m.gif"), every=20, steps=200, dpi=20, size=1, seed=4,
                           progress=False)
    assert r.steps.tolist() == [*range(0, 200, 20), 199]
    assert r.final_accuracy == r.accuracy[-1] < r.best_accuracy == r.accuracy.max()
    assert r.to_dict()["best_accuracy"] == r.best_accuracy and r.to_dict()["final_accuracy"] == r.final_accuracy


def _chain(k, layers=18):
    """``layers - 1`` layers of ``k * I_2``, then one unit reading ``k (h1 - h2)``: on ``[-1, 1]^2`` the quadrants,
    the first of them cut by ``x = y`` (5 regions) however large ``k`` is."""
    out = [(np.eye(2) * k, np.zeros(2)) for _ in range(layers - 1)]
    return DeepNet(out + [(np.array([[k], [-k]]), np.zeros(1))], np.array([1.0]), 0.0)


def _lead(w_out):
    """``w_out * 1e301 (relu(1e8 x) + relu(1e8 x + y - 1))``: on ``[0.5, 1]^2`` both units are on (one region) and
    the logit is ``w_out * 1e301 * (2e8 x + y - 1)``."""
    W1, b1 = np.array([[1e8, 1e8], [0.0, 1.0]]), np.array([0.0, -1.0])
    return DeepNet([(W1, b1), (np.array([[1e301], [1e301]]), np.zeros(1))], np.array([w_out]), 0.0)


@pytest.mark.parametrize("case", ["deep", "first layer", "logit", "input bias"])
def test_a_map_that_overflows_float64_in_the_window_is_refused(case):
    """Maps beyond float64 (infinite, or NaN where two such terms of opposite signs meet) were drawn as noise:
    a later unit whose rows overflowed read as constant (4 regions of 5 for the chain of 1e18s, whose peer with
    1e17s has 5), and a logit's map was returned as inf and NaN (from inf * 0). Now each is refused, naming it."""
    assert region_polygons(_chain(1e17), box=(-1, 1)).n_regions == 5
    if case == "deep":
        args, match = (_chain(1e18), (-1, 1), None), "unit 0 of hidden layer 18 overflows float64"
    elif case == "first layer":     # 1e10 x - 1e10 y at (1e300, 1e300): inf - inf
        net = TwoLayerNet(np.array([[1e10], [-1e10]]), np.zeros(1), np.array([1.0]), 0.0)
        args, match = (net, (-1, 1), Plane(np.array([1e300, 1e300]), np.eye(2)[0], np.eye(2)[1])), "hidden layer 1"
    elif case == "logit":
        args, match = (_lead(1.0), (0.5, 1), None), "logit overflows float64 in the window"
    else:   # relu(x - 2^59) through 16 units of weight 2^59: 2^1003 s at (2^59, 0), -2^1062 at the input's origin
        p = 2.0**59
        layers = [(np.array([[1.0], [0.0]]), np.array([-p]))] + [(np.array([[p]]), np.zeros(1))] * 16
        net = DeepNet(layers, np.array([p]), 0.0)
        args, match = (net, (-1, 1), Plane(np.array([p, 0.0]), np.eye(2)[0], np.eye(2)[1])), r"x @ w \+ b"
    with pytest.raises(ValueError, match=match):
        region_polygons(args[0], box=args[1], plane=args[2])


def test_maps_whose_terms_overflow_but_not_their_sums_are_kept():
    """1e-2 of the logit above is finite (its maps in closed form); and ``1e9 relu(x - y + z)`` through a plane at
    ``(1e300, 1e300, 0)`` has the bias 0 where its terms are 1e309 each (the build before returned NaN)."""
    rp = region_polygons(_lead(1e-2), box=(0.5, 1))
    assert rp.n_regions == 1
    np.testing.assert_allclose([*rp.affine_weight[0], rp.affine_bias[0]], [2e307, 1e299, -1e299], rtol=1e-12)
    net = TwoLayerNet(np.array([[1.0], [-1.0], [1.0]]), np.zeros(1), np.array([1e9]), 0.0)
    plane = Plane(np.array([1e300, 1e300, 0.0]), np.array([1.0, 0, 0]), np.array([0.0, 0, 1]))
    rp = region_polygons(net, box=(-1, 1), plane=plane)
    assert rp.n_regions == 2
    on = int(np.argmax(rp.patterns[:, 0]))
    assert rp.affine_weight[on].tolist() == [1e9, -1e9, 1e9] and rp.affine_bias[on] == 0.0


def test_a_logit_in_range_is_drawn_though_a_leaky_slope_times_w_out_overflows():
    """The fuzz target's reproducer (session 54): a unit that is 0 everywhere has w_out -1.47e308 and is off, so its
    gate (leaky slope 2) times w_out is -inf, and 0 x inf made the logit's map NaN: refused as overflowing float64.
    The logit is 2 everywhere (the other output weight is 0). Truth: numpy's forward pass at each region's centroid
    and vertices (patterns, logit), and the plane's own area."""
    W1, b1 = np.array([[0.0, -4.0], [-3.0, 0.0]]), np.array([1.0, 0.0])
    W2, b2 = np.array([[0.0, 0.0], [0.25, 0.0]]), np.zeros(2)
    net = DeepNet([(W1, b1), (W2, b2)], np.array([0.0, -1.4665739214222472e308]), 2.0, activation="leaky_relu",
                  slope=2.0)
    plane = Plane(origin=[2.0, 2.0], u=[2.0, -3.0], v=[2.0, 2.0])
    rp = region_polygons(net, plane=plane, box=((-1.0, -1.0), (1.0, 1.0)))
    assert abs(rp.areas().sum() - 4.0) <= 1e-12
    pats, logits = numpy_patterns(net, plane.to_input(rp.centroids()))
    assert np.array_equal(pats, rp.patterns) and np.all(logits == 2.0)
    assert np.all(rp.window_affine == [0.0, 0.0, 2.0]) and np.all(rp.decision == 1)
    X = plane.to_input(rp.vertices)
    owner = np.repeat(np.arange(rp.n_regions), np.diff(rp.offsets))
    lin = np.einsum("nd,nd->n", X, rp.affine_weight[owner]) + rp.affine_bias[owner]
    np.testing.assert_allclose(lin, numpy_patterns(net, X)[1], rtol=1e-12)


def test_the_input_map_through_plane_directions_of_sizes_far_apart_is_solved():
    """The fuzz target's reproducer (session 55): through ``u = (7, 0.5)``, ``v = (5e-324, 0)`` (an angle the plane's
    test accepts) the 2-D solve's determinant, ``-2^-1075``, rounded to 0 and every region's input map was NaN,
    refused as overflowing float64. Truth: the closed form of ``3 relu(x + 2 y) + 1/2`` (input map ``(3, 6)``, bias
    ``1/2`` where the unit is on, else ``(0, 0)``, ``1/2``) and numpy's forward pass at each region's vertices."""
    net = TwoLayerNet(np.array([[1.0], [2.0]]), np.zeros(1), np.array([3.0]), 0.5)
    plane = Plane(np.array([0.0, 1.0]), np.array([7.0, 0.5]), np.array([5e-324, 0.0]))
    rp = region_polygons(net, box=(-1, 1), plane=plane)
    assert rp.n_regions == 2
    for r in range(2):
        on = rp.patterns[r, 0] == 1
        assert rp.affine_weight[r].tolist() == ([3.0, 6.0] if on else [0.0, 0.0]) and rp.affine_bias[r] == 0.5
    X = plane.to_input(rp.vertices)
    owner = np.repeat(np.arange(rp.n_regions), np.diff(rp.offsets))
    lin = np.einsum("nd,nd->n", X, rp.affine_weight[owner]) + rp.affine_bias[owner]
    np.testing.assert_allclose(lin, numpy_patterns(net, X)[1], rtol=1e-12)


def test_a_bias_summed_scaled_is_exact_also_with_a_weight_above_2_to_the_1022():
    """``1e308 relu(x - y)`` through a plane at ``(2, 1)``: the logit's map in the input is ``(1e308, -1e308)`` with
    the bias 0 (closed form), from terms ``2e308`` and ``1e308``; a weight above ``2^1022`` was scaled by the bits of
    ``2^-1023``, 0, and the bias came back as the window's ``1e308`` (the logit 2e308 at ``(2, 1)`` by that map)."""
    net = TwoLayerNet(np.array([[1.0], [-1.0]]), np.zeros(1), np.array([1e308]), 0.0)
    rp = region_polygons(net, box=(-0.25, 0.25), plane=Plane(np.array([2.0, 1.0]), np.eye(2)[0], np.eye(2)[1]))
    assert rp.n_regions == 1
    assert rp.affine_weight[0].tolist() == [1e308, -1e308] and rp.affine_bias[0] == 0.0


def _exact_forward(layers, w_out, b_out, slope, x):
    """The pattern and logit of a (leaky) ReLU network at the input ``x``, in exact rationals."""
    h, pattern, s = [Fraction(v) for v in x], [], Fraction(slope)
    for W, b in layers:
        z = [sum((h[i] * Fraction(W[i, j]) for i in range(len(h))), Fraction(b[j])) for j in range(W.shape[1])]
        pattern += [v > 0 for v in z]
        h = [v if v > 0 else s * v for v in z]
    return pattern, sum((hj * Fraction(w) for hj, w in zip(h, w_out)), Fraction(b_out))


def _fuzz_logit_net():
    """The pictures fuzz target's network (session 54): its logit's map in the window ``(1.5e308, 3.7e307, ...)``."""
    W1, b1 = np.array([[0.0, -4.0], [0.0, 0.0]]), np.array([1.0, 0.0])
    W2, b2 = np.array([[0.0, 0.0], [0.0, -9.166087008889045e306]]), np.array([2.0, 2.0])
    return [(W1, b1), (W2, b2)], np.array([2.0, 2.0]), -3.0, 0.9999999999999999


def _axes_logit_net():
    """``K (x + y / 2 - 1/8)`` from relu(+-x), relu(+-y), ``K = 1.5e308``: beyond float64 at ``(-3, 3)``."""
    k = 1.5e308
    return [(np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]]), np.zeros(4))], \
        np.array([k, -k, k / 2, -k / 2]), -k / 8, 0.0


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("net, plane, box", [
    (_fuzz_logit_net, Plane([2.0, 2.0], [2.0, 2.0], [0.5, 0.0]), ((-3.0, -1.0), (1.0, 3.0))),
    (_fuzz_logit_net, Plane([2.0, 2.0], [2.0, 2.0], [0.5, 0.0]), ((-3.0, 1.0), (-1.0, 3.0))),
    (_axes_logit_net, None, ((-3.0, -1.0), (1.0, 3.0))),
])
def test_a_logit_with_slopes_near_float64s_largest_is_cut_and_decided_exactly(net, plane, box, split):
    """A logit whose window map has slopes near float64's largest overflowed at the window's vertices: ``inf`` at
    one and ``-inf`` at the next made the decision line's crossing ``inf / inf``, a NaN vertex with
    ``split_decision`` (``st contains NaN or infinity`` from ``to_input``), a NaN boundary end without, and a region
    whose logit is ``+4e307`` at its centroid was decided negative (the pictures fuzz target, session 54). Checked in
    exact rationals: every region's pattern and decision at its centroid, and the logit's zero within the margin of
    every boundary end; the areas sum to the window's."""
    layers, w_out, b_out, slope = net()
    kw = {} if slope == 0 else {"activation": "leaky_relu", "slope": slope}
    rp = region_polygons(DeepNet(layers, w_out, b_out, **kw), plane=plane, box=box, split_decision=split)
    assert np.isfinite(rp.vertices).all() and np.isfinite(rp.boundary).all()
    (s0, t0), (s1, t1) = box
    assert math.isclose(rp.areas().sum(), (s1 - s0) * (t1 - t0), rel_tol=1e-12)
    o, u, v = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)) if plane is None else (plane.origin, plane.u, plane.v)

    def exact(st):
        s, t = (Fraction(float(c)) for c in st)
        return _exact_forward(layers, w_out, b_out, slope, [Fraction(o[i]) + s * Fraction(u[i]) + t * Fraction(v[i])
                                                            for i in range(2)])

    for r, c in enumerate(rp.centroids()):
        pattern, logit = exact(c)
        assert rp.patterns[r].tolist() == pattern and bool(rp.decision[r]) == (logit > 0), (r, c, float(logit))
    # Both logits are affine across the window's regions (exactly, or to 2^-53 of the slope); their slope from the
    # exact logit at three points gives a boundary end's distance from the zero set: within rounding of 0.
    for end in rp.boundary.reshape(-1, 2):
        f, fs, ft = (exact(end + step)[1] for step in ([0.0, 0.0], [1.0, 0.0], [0.0, 1.0]))
        assert f * f <= Fraction(1e-24) * ((fs - f) ** 2 + (ft - f) ** 2), (end, float(f))


@needs_mpl
@pytest.mark.parametrize("net, plane, box", [
    (_fuzz_logit_net, Plane([2.0, 2.0], [2.0, 2.0], [0.5, 0.0]), ((-3.0, -1.0), (1.0, 3.0))),
    (_fuzz_logit_net, Plane([2.0, 2.0], [2.0, 2.0], [0.5, 0.0]), ((-3.0, 1.0), (-1.0, 3.0))),
    (_axes_logit_net, None, ((-3.0, -1.0), (1.0, 3.0))),
])
def test_logits_and_colours_of_a_logit_near_float64s_largest(net, plane, box):
    """``logits()`` summed the map's terms as they are: ``-inf`` (and a RuntimeWarning) at a centroid where the logit
    is ``1.7e308``, and the decision colours were NaN from ``inf / inf``, the output colours ``z + m`` overflowing
    in ``Normalize``. Checked in exact rationals: within 1e-12 where the logit is within float64, infinite of its
    sign where it is beyond (the axes network's ``-2.8e308`` at ``(-1.5, -0.5)``); finite colours."""
    from nnpartition.pictures.drawing import _region_colours

    layers, w_out, b_out, slope = net()
    kw = {} if slope == 0 else {"activation": "leaky_relu", "slope": slope}
    rp = region_polygons(DeepNet(layers, w_out, b_out, **kw), plane=plane, box=box)
    o, u, v = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)) if plane is None else (plane.origin, plane.u, plane.v)
    big = Fraction(np.finfo(np.float64).max)
    for (s, t), got in zip(rp.centroids(), rp.logits()):
        x = [Fraction(o[i]) + Fraction(s) * Fraction(u[i]) + Fraction(t) * Fraction(v[i]) for i in range(2)]
        want = _exact_forward(layers, w_out, b_out, slope, x)[1]
        if abs(want) > big:
            assert got == (math.inf if want > 0 else -math.inf), (s, t, got)
        else:
            assert abs(Fraction(got) - want) <= Fraction(1e-12) * abs(want), (s, t, got, float(want))
    for color in ("decision", "output"):
        assert np.isfinite(_region_colours(rp, color)[0]).all()


@needs_mpl
@pytest.mark.parametrize("box", [None, ((-2.0, -0.5), (2.0, 0.5))])
def test_a_colour_bar_in_plot_partitions_own_figure_stays_inside_it(box):
    """docs/pictures.md: "Without ax it opens a figure with pyplot". With colorbar=True that figure cut the bar's
    label off at its right edge ("logi"): the bar, its ticks and its label, and the plot, now lie inside the figure
    (a wide window's bar as tall as its plot, as before)."""
    import matplotlib.pyplot as plt

    plt.switch_backend("agg")
    X, y = npn.datasets.toy_dataset("xor", 60, seed=0)
    net = npn.train(X, y, 6, steps=50, seed=0).network
    ax = npn.plot_partition(net, X, y, color="output", colorbar=True, box=box)
    fig = ax.figure
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        assert len(fig.axes) == 2
        for a in fig.axes:
            b = a.get_tightbbox(renderer)
            assert 0 <= b.x0 and b.x1 <= fig.bbox.width and 0 <= b.y0 and b.y1 <= fig.bbox.height, (a, b)
        bar = fig.axes[1].get_window_extent()
        plot = ax.get_window_extent()
        assert bar.height <= plot.height + 1   # as tall as the plot, not as the figure
    finally:
        plt.close(fig)


@needs_mpl
@pytest.mark.parametrize("constrained", [False, True])
def test_the_colour_bar_of_logits_near_float64s_limits_shows_their_range(constrained):
    """``a (relu(x) + relu(y))`` on ``[-1, 1]^2`` (or ``[-4, 4]^2``): the largest logit at a region's centroid is
    ``a`` at ``(0.5, 0.5)`` (``4a`` at ``(2, 2)``, beyond float64 for ``a = 1e308``: shaded as float64's largest), a
    closed form. The bar's range times its label's unit is that logit: matplotlib's bar overflowed (a RuntimeWarning)
    from about 5e307, and below about 2e-287 it showed +-0.1 whatever the logits."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    big = float(np.finfo(np.float64).max)
    for a, box, top in ((1.0, 1, 1.0), (3e-5, 1, 3e-5), (1e300, 1, 1e300), (6e307, 1, 6e307), (1e308, 1, 1e308),
                        (1e308, 4, big), (1e-300, 1, 1e-300), (1e-320, 1, 1e-320)):
        net = TwoLayerNet(np.eye(2), np.zeros(2), np.array([a, a]), 0.0)
        fig = Figure(constrained_layout=constrained)
        ax = fig.add_subplot()
        npn.plot_partition(net, ax=ax, box=(-box, box), color="output", colorbar=True)
        FigureCanvasAgg(fig).draw()
        (bar,) = [b for b in fig.axes if b is not ax]
        label = bar.get_ylabel()
        k = 0 if label == "logit" else int(re.fullmatch(r"logit / 1e([+-]?\d+)", label).group(1))
        lo, hi = bar.get_ylim()
        assert lo == -hi, (a, lo, hi)
        got = float(Fraction(hi) * Fraction(10) ** k)   # exactly (hi * 1e308 overflows; 1e-321 is not a float's)
        assert math.isclose(got, top, rel_tol=1e-12), (a, label, hi)
        assert 1e-3 <= hi <= 1e3 or label == "logit", (a, label, hi)


def test_the_window_of_data_narrower_than_one_is_the_data_with_a_5_percent_margin():
    """docs/pictures.md: for d = 2 the box is the data with a 5% margin (5% of the longer side, on every side). A
    unit window is only for data at one point: data spanning less than 1 was not tested (``not span > 1`` survived
    and drew such data in a window a unit wider)."""
    from nnpartition.pictures.drawing import window_for

    net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 0.0)
    for X in ([[0.0, 0.0], [0.5, 0.25]], [[3.0, -1.0], [3.001, -1.0], [3.0005, -0.9996]], [[0.0, 0.0], [2.0, 1.0]]):
        X = np.array(X)
        lo, hi = X.min(axis=0), X.max(axis=0)
        m = 0.05 * float(np.max(hi - lo))
        assert np.allclose(window_for(net, X)[1], (lo - m, hi + m), rtol=0, atol=1e-12)
    # one point: a unit window around it, and the margin of that
    assert np.allclose(window_for(net, [[2.0, 3.0], [2.0, 3.0]])[1], ((1.45, 2.45), (2.55, 3.55)))


@needs_mpl
def test_plot_partition_refuses_a_nan_in_the_first_row_and_past_the_first_block():
    """X is checked for NaN and infinity a block of rows at a time (``_finite``), all of it, also where nothing else
    reads every row: a box given (the data's window reads them all) and one point of the 600 drawn. The first row
    and a row past the first block were never tested (a scan from row 1, or of as many rows as X has columns,
    survived: the window's own check refused them in the same words)."""
    from nnpartition.limits import _block_rows, override

    net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 0.0)
    X = np.zeros((600, 2))
    X[0, 1] = np.nan
    for kwargs in ({}, {"box": (-1, 1), "max_points": 1}):
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            npn.plot_partition(net, X, ax=fresh_ax(), **kwargs)
    with override(max_bytes=2**15):   # blocks of 1024 entries: 512 rows of 2
        rows = _block_rows(2)
        X = np.zeros((rows + 2, 2))
        X[rows + 1, 0] = np.inf
        for kwargs in ({}, {"box": (-1, 1), "max_points": 1}):
            with pytest.raises(ValueError, match="X contains NaN or infinity"):
                npn.plot_partition(net, X, ax=fresh_ax(), **kwargs)


@needs_mpl
def test_a_slice_draws_the_points_lying_in_it_at_any_scale():
    """The docstring: for d > 2 the points drawn are those within 1e-9 times max(1, max |X|) of the plane. Points
    made in the plane through three rows of magnitude 1e6 lie about 1e-9 off it in floating point (an absolute
    1e-9 / scale dropped 193 of 203); a point of a plane given, 1e12 out in it, lies 1e-4 off it, and counts in
    the scale when it is the first row (a scale of the rows after the first dropped it)."""
    rng = np.random.default_rng(1)
    net = TwoLayerNet(np.eye(3)[:, :2], np.zeros(2), np.ones(2), -0.5)
    p0, p1, p2 = 1e6 * np.array([1.0, 0.3, -0.7]), 1e6 * np.array([0.2, 1.0, 0.1]), 1e6 * np.array([-0.5, 0.4, 1.0])
    st = rng.random((200, 2))
    X = np.vstack([p0, p1, p2, p0 + st[:, :1] * (p1 - p0) + st[:, 1:] * (p2 - p0)])
    x0, u, v = np.array([0.3, -0.2, 0.1]), np.array([1.0, 0.2, 0.3]), np.array([-0.4, 1.0, 0.7])
    st = rng.random((50, 2))
    st[0] = [3.3e11, 7.7e11]
    far = x0 + st[:, :1] * u + st[:, 1:] * v
    plane = npn.Plane.through(x0, x0 + u, x0 + v)
    for X, kwargs in ((X, {}), (far, {"plane": plane, "box": (-2, 2)})):
        off = np.abs(npn.Plane.through(*X[:3]).distance(X) if not kwargs else plane.distance(X))
        assert off.max() <= 1e-9 * np.abs(X).max() and off.max() > 1e-10   # in it, and not exactly
        ax = npn.plot_partition(net, X, ax=fresh_ax(), **kwargs)
        [points] = [c for c in ax.collections if c.get_label() == "points"]
        assert len(points.get_offsets()) == len(X)


@needs_mpl
def test_a_slice_with_no_point_in_it_draws_none():
    """Points all off the plane given: the points' layer is there, empty (the no-points case was untested)."""
    net = TwoLayerNet(np.eye(3)[:, :2], np.zeros(2), np.ones(2), -0.5)
    X = np.array([[0.5, 0.5, 1.0], [-0.5, 0.25, 2.0], [0.1, -0.3, -1.0]])
    ax = npn.plot_partition(net, X, [0, 1, 1], ax=fresh_ax(), plane=npn.Plane.standard(3), box=(-1, 1))
    [points] = [c for c in ax.collections if c.get_label() == "points"]
    assert len(points.get_offsets()) == 0
    assert not [c for c in ax.collections if c.get_label() == "misclassified"]


@needs_mpl
def test_the_key_has_at_most_three_columns_and_lies_below_the_x_label():
    """docs/pictures.md: the key below the plot is in as many columns (at most three) as the figure's width holds;
    the code's comment: clear of the tick labels and the x label. A 12-inch figure holds four columns or more of
    the seven entries here: three were not checked (``min(4, ...)`` survived), nor that the key's top is under the x
    label (placed at 2 / fontsize + 16 points below the axes instead of 2 * fontsize + 16, it survived)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from nnpartition.pictures.drawing import _annotate

    net = make_net([6], seed=3)
    X = np.random.default_rng(0).uniform(-1, 1, (60, 2))
    y = (np.random.default_rng(1).random(60) < 0.5).astype(int)   # random labels: some misclassified
    for size, ticks in (((12, 4), True), ((12, 4), False), ((4, 4), True)):
        fig = Figure(figsize=size)
        FigureCanvasAgg(fig)
        ax = npn.plot_partition(net, X, y, ax=fig.add_subplot())
        _annotate(ax, 2, ticks=ticks)
        fig.canvas.draw()
        legend = ax.get_legend()
        texts = legend.get_texts()
        assert len(texts) == 7   # two labels, misclassified, two predicted classes, boundary, first-layer lines
        columns = {round(t.get_window_extent().x0) for t in texts}
        assert len(columns) == (3 if size[0] == 12 else len(columns)) and len(columns) <= 3, (size, columns)
        box = legend.get_window_extent()
        label = ax.xaxis.label.get_window_extent()
        ticks_box = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert box.y1 <= label.y0 + 0.5 and all(box.y1 <= t.y0 + 0.5 for t in ticks_box), (size, ticks)


@needs_mpl
def test_movie_refuses_nan_in_x_and_a_missing_matplotlib_in_its_own_words(tmp_path, monkeypatch):
    """movie()'s own checks, untested (the command line checks first): X with NaN or infinity is refused in its
    words before anything, also with a box given (the data's window refused it in the same words without one; with
    a box, train() refused it later in longer ones); without matplotlib, the extra to install is named."""
    X = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [np.inf, 0.2]])
    y = np.array([0, 1, 1, 0])
    path = tmp_path / "m.gif"
    for kwargs in ({}, {"box": (-1, 1)}):
        with pytest.raises(ValueError, match=r"^X contains NaN or infinity \(first at row 3, column 0\)$"):
            npn.pictures.movie(X, y, 2, path=path, steps=10, every=5, progress=False, **kwargs)
    assert not list(tmp_path.iterdir())
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import fails
    with pytest.raises(ImportError, match=r"pip install 'nnpartition\[plot\]'"):
        npn.pictures.movie(X[:3], y[:3], 2, path=path, steps=10, every=5, progress=False)


@needs_mpl
def test_movie_takes_max_frames_exactly_and_names_the_least_every_when_two_snapshots_fit(tmp_path):
    """Edges of movie()'s refusals, untested: MAX_FRAMES frames ("most frames a movie makes": MAX_FRAMES steps at
    every=1, steps 0 to MAX_FRAMES - 1) pass the frame check (refused here only by max_bytes, which counts them:
    2000; the count was one too many, and refused MAX_FRAMES steps, until the sixty-fourth pass on issue 11), one
    more does not (``>=`` survived), and the least every named for it fits; and when
    only two snapshots of the network fit (its first and last step), the way out is the least every that fits,
    which does fit while one less does not (``fit > 2`` survived, saying "use a smaller network")."""
    from nnpartition.limits import override
    from nnpartition.pictures.movies import MAX_FRAMES, _snapshots_refusal

    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]]), np.array([0, 1, 1])
    path = tmp_path / "m.gif"
    with override(max_bytes=2**24):
        with pytest.raises(ValueError, match=rf"^a movie of {MAX_FRAMES} frames of .* \(max_bytes\)"):
            npn.pictures.movie(X, y, 2, path=path, steps=MAX_FRAMES, every=1, progress=False)
        with pytest.raises(ValueError, match=rf"makes more than {MAX_FRAMES} frames; use every=2 or more"):
            npn.pictures.movie(X, y, 2, path=path, steps=MAX_FRAMES + 1, every=1, progress=False)
        # 2 (MAX_FRAMES - 1) + 1 steps: every=2 makes MAX_FRAMES frames exactly (0, 2, ..., the last), named and kept
        many = 2 * (MAX_FRAMES - 1) + 1
        with pytest.raises(ValueError, match=r"use every=2 or more"):
            npn.pictures.movie(X, y, 2, path=path, steps=many, every=1, progress=False)
        with pytest.raises(ValueError, match=rf"^a movie of {MAX_FRAMES} frames of .* \(max_bytes\)"):
            npn.pictures.movie(X, y, 2, path=path, steps=many, every=2, progress=False)
    ws = [8000, 8000]   # 64,040,001 parameters: two snapshots fit in 2**27 values, three do not
    # steps 0 to 9 with every=1 are 10 snapshots; with every=9 two (0 and 9, the last), which fit; with every=8 three
    # (0, 8 and the last, 9), which do not (the count was one too many where the last step is a multiple of every:
    # every=9 was refused and every=10 named, until the sixty-fourth pass on issue 11)
    with pytest.raises(ValueError, match=r"keeps 10 snapshots .*; use every=9 or more$"):
        npn.pictures.movie(X, y, widths=ws, path=path, steps=10, every=1, progress=False)
    assert _snapshots_refusal(10, 9, 2, ws) is None and _snapshots_refusal(10, 8, 2, ws) is not None
    assert _snapshots_refusal(11, 10, 2, ws) is None and _snapshots_refusal(11, 9, 2, ws) is not None
    assert not list(tmp_path.iterdir())


def test_a_movie_frame_holds_its_window_between_0_6_and_1_5_widths_and_a_slice_a_title_line_more():
    """``_frame_height``'s docstring: the window at its aspect ratio, between 0.6 and 1.5 times the width, and room
    for the title, a line more for a slice (subtracted, it survived; so did a floor of 0.6 / size: a window 20
    times wider than high got a frame 1.4 inches high at size 4.5)."""
    from nnpartition.pictures.movies import _frame_height

    for size in (2.0, 4.5, 10.0):
        for box in (((-1.0, -1.0), (1.0, 1.0)), ((0.0, 0.0), (4.0, 1.0)), ((0.0, 0.0), (20.0, 1.0)),
                    ((0.0, 0.0), (1.0, 20.0))):
            assert _frame_height(size, box, True) > _frame_height(size, box, False)
            assert 0.6 * size < _frame_height(size, box, False) < 1.5 * size + 1.5   # (1.25 inch at most of text)


def test_movie_refuses_widths_that_are_not_a_list_and_no_size_at_all(tmp_path):
    """movie()'s size checks that no test reached (the command line builds its own list): ``widths=8`` failed with
    "'int' object is not iterable" and ``widths="88"`` read as two widths before the check; neither L nor widths is
    a TypeError naming both, an empty list and both of them a ValueError; all before the file."""
    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]]), np.array([0, 1, 1])
    path = tmp_path / "m.gif"
    for widths in (8, "88", b"88", {8, 4}):
        with pytest.raises(TypeError, match=r"^widths must be a list of hidden widths such as \[8, 8\]"):
            npn.pictures.movie(X, y, widths=widths, path=path, steps=10, every=5, progress=False)
    with pytest.raises(TypeError, match=r"needs L \(hidden units\) or widths"):
        npn.pictures.movie(X, y, path=path, steps=10, every=5, progress=False)
    with pytest.raises(ValueError, match="widths must be a non-empty list"):
        npn.pictures.movie(X, y, widths=[], path=path, steps=10, every=5, progress=False)
    with pytest.raises(ValueError, match="pass either L or widths, not both"):
        npn.pictures.movie(X, y, 2, widths=[3], path=path, steps=10, every=5, progress=False)
    assert not list(tmp_path.iterdir())


@needs_mpl
def test_a_slice_movie_is_taller_than_a_plane_movie_of_the_same_window(tmp_path):
    """_frame_height's docstring: a line more of title for a slice. Movies of the same box, size and dpi: the GIF
    of a d = 3 slice is taller than the d = 2 one, by that line's 0.15 inch (``slice_kind is None`` passed as
    ``sliced`` survived)."""
    from PIL import Image

    X2 = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [-0.5, 0.2]])
    X3 = np.hstack([X2, np.array([[0.0], [0.1], [0.2], [0.3]])])
    y = np.array([0, 1, 1, 0])
    heights = []
    for X in (X2, X3):
        path = tmp_path / f"m{X.shape[1]}.gif"
        npn.pictures.movie(X, y, 2, path=path, steps=10, every=5, dpi=40, size=2, box=(-1, 1), progress=False)
        with Image.open(path) as im:
            heights.append(im.size[1])
    assert heights[1] - heights[0] == pytest.approx(0.15 * 40, abs=1.01), heights


def test_a_movie_results_dict_holds_its_estimate_note_or_null():
    """MovieResult.to_dict (what movie --json prints): the estimate's note when there is one, else null, as the
    estimate itself is null when NaN (``note and None`` survived: it dropped every note)."""
    import json

    from nnpartition.pictures.movies import MovieResult

    base = dict(path="m.gif", frames=2, steps=np.array([0, 9]), accuracy=np.array([0.5, 1.0]),
                regions=np.array([1, 3]), bound=4, estimate=math.nan, final_accuracy=1.0, seconds=0.5)
    noted = MovieResult(**base, estimate_note="outside the validated range")
    plain = MovieResult(**dict(base, estimate=0.75))
    assert json.loads(json.dumps(noted.to_dict()))["estimate_note"] == "outside the validated range"
    assert noted.to_dict()["estimate"] is None
    assert plain.to_dict()["estimate_note"] is None and plain.to_dict()["estimate"] == 0.75


@needs_mpl
def test_a_movie_of_one_step_at_one_frame_a_second_and_its_seconds(tmp_path):
    """The smallest movie its checks take (steps=1, every=1, fps=1: no test went below 5 fps or 10 steps; raising
    either minimum survived) is made, in the wall time measured around the call (``perf_counter() + start``
    survived); fps=101 is refused."""
    import time

    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]]), np.array([0, 1, 1])
    start = time.perf_counter()
    r = npn.pictures.movie(X, y, 2, path=tmp_path / "m.gif", steps=1, every=1, fps=1, dpi=20, size=1,
                           progress=False)
    wall = time.perf_counter() - start
    # one step is step 0 alone, also the last: one snapshot, one frame, in the GIF as in the result
    from PIL import Image

    with Image.open(tmp_path / "m.gif") as gif:
        assert r.steps.tolist() == [0] and r.frames == getattr(gif, "n_frames", 1) == 1
    assert 0 < r.seconds <= wall
    with pytest.raises(ValueError, match=r"fps must be >= 1 and <= 100, got 101"):
        npn.pictures.movie(X, y, 2, path=tmp_path / "n.gif", steps=1, every=1, fps=101, progress=False)


def _bound_in_refusal(call, name):
    """The upper bound a call's refusal of ``name`` states ("NAME must be >= A and <= B, got C")."""
    import re

    with pytest.raises(ValueError) as info:
        call()
    m = re.search(rf"{name} must be >= \d+ and <= (\d+), got", str(info.value))
    assert m, str(info.value)
    return int(m.group(1))


def test_movie_takes_every_steps_and_max_regions_up_to_the_bounds_train_and_region_polygons_take(tmp_path,
                                                                                                  monkeypatch):
    """movie() passes ``every`` to train() as ``snapshot_every``, ``steps`` as ``steps`` and ``max_regions`` to
    region_polygons: its bounds are theirs, each read here from their own refusal. One past a bound is refused in
    movie()'s words before training (a bound raised survived: ``every`` one past it got a false "keeps 2
    snapshots ... over the limit", ``max_regions`` was refused only after the training); the bound itself reaches
    the training."""
    from nnpartition import training

    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]]), np.array([0, 1, 1])
    every_max = _bound_in_refusal(lambda: npn.train(X, y, 2, steps=10, snapshot_every=2**60), "snapshot_every")
    steps_max = _bound_in_refusal(lambda: npn.train(X, y, 2, steps=2**60), "steps")
    net = npn.TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 0.0)
    regions_max = _bound_in_refusal(lambda: region_polygons(net, box=(-1, 1), max_regions=2**60), "max_regions")

    class Trained(Exception):
        pass

    def no_training(*a, **k):
        raise Trained

    monkeypatch.setattr(training, "train", no_training)   # movie imports it from the module when called
    path = tmp_path / "m.gif"
    # (every at most steps too, as the explorer takes it: steps as large as every here)
    for kwargs in (dict(every=every_max + 1, steps=every_max), dict(steps=steps_max + 1, every=every_max),
                   dict(max_regions=regions_max + 1)):
        name, value = next(iter(kwargs.items()))
        with pytest.raises(ValueError, match=rf"^{name} must be >= 1 and <= {value - 1}, got {value}$"):
            npn.pictures.movie(X, y, 2, path=path, progress=False, **{"steps": 10, **kwargs})
    for kwargs in (dict(every=every_max, steps=every_max), dict(steps=steps_max, every=every_max),
                   dict(max_regions=regions_max)):
        with pytest.raises(Trained):
            npn.pictures.movie(X, y, 2, path=path, progress=False, **{"steps": 10, **kwargs})
    assert not list(tmp_path.iterdir())


def _grabbed(monkeypatch, what):
    """A list that gets ``what(figure)`` of each movie frame, after the frame is grabbed (drawn)."""
    from matplotlib.animation import PillowWriter

    seen = []
    grab = PillowWriter.grab_frame

    def record(self, **kwargs):
        out = grab(self, **kwargs)
        seen.append(what(self.fig))
        return out

    monkeypatch.setattr(PillowWriter, "grab_frame", record)
    return seen


@needs_mpl
def test_movie_takes_max_regions_1_as_region_polygons_does(tmp_path, monkeypatch):
    """``max_regions`` is "as for plot_partition", whose region_polygons takes 1: a movie of a window that no line
    of any snapshot (nor the decision boundary) crosses is drawn with max_regions=1, one region a frame, as
    region_polygons counts them (a minimum of 2 survived: no test went below the default), and the titles say
    "1 region" ("1 regions" survived)."""
    X, y = npn.datasets.toy_dataset("xor", 30, seed=0)
    box = ((5.0, 5.0), (5.001, 5.001))   # far from the data's lines: one region (checked below)
    nets = npn.train(X, y, 3, steps=20, restarts=1, snapshot_every=10).snapshots()
    for split in (False, True):
        assert [region_polygons(n, box=box, split_decision=split).n_regions for n in nets] == [1] * len(nets)
    titles = _grabbed(monkeypatch, lambda fig: fig.axes[0].get_title())
    r = npn.pictures.movie(X, y, 3, path=tmp_path / "one.gif", steps=20, every=10, box=box, max_regions=1, dpi=20,
                           size=1, progress=False)
    assert r.regions.tolist() == [1] * len(nets) and r.frames == len(nets)
    assert len(titles) == r.frames and all("\n1 region, at most" in t for t in titles), titles


@needs_mpl
def test_a_movies_memory_count_holds_its_frames_and_its_canvas(tmp_path, monkeypatch):
    """The memory movie() counts before training is at least what it keeps: its frames at 6 bytes a pixel
    (docs/limits.md) and the canvas they are drawn on (Agg's RGBA buffer, measured here at the GIF's size). With
    max_bytes at exactly that sum it is refused in its words, before training (the canvas term subtracted
    survived: it counted less than the frames alone)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    from nnpartition import training
    from nnpartition.limits import override

    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]]), np.array([0, 1, 1])
    kwargs = dict(steps=20, every=10, dpi=20, size=1, progress=False)
    r = npn.pictures.movie(X, y, 2, path=tmp_path / "m.gif", **kwargs)
    with Image.open(tmp_path / "m.gif") as im:
        wide, high = im.size
    canvas = FigureCanvasAgg(Figure(figsize=(wide / 20, high / 20), dpi=20))
    canvas.draw()
    canvas_bytes = np.asarray(canvas.buffer_rgba()).nbytes
    assert canvas_bytes == 4 * wide * high

    def no_training(*a, **k):
        raise AssertionError("trained before counting the movie's memory")

    monkeypatch.setattr(training, "train", no_training)
    with override(max_bytes=6 * r.frames * wide * high + canvas_bytes):
        with pytest.raises(ValueError, match=rf"^a movie of \d+ frames of {wide} x {high} pixels .*\(max_bytes\)"):
            npn.pictures.movie(X, y, 2, path=tmp_path / "n.gif", **kwargs)
    assert not (tmp_path / "n.gif").exists()


@needs_mpl
def test_a_movie_frame_has_its_key_and_room_for_it_from_key_inches_on(tmp_path, monkeypatch):
    """docs/pictures.md: the key is drawn below the window in frames of ``size`` 3 inches (KEY_INCHES) or more, and
    _frame_height leaves room for it. Frames just under, at and just over KEY_INCHES of a square window: the key is
    drawn from KEY_INCHES on, and the frame grows there by over half the key's drawn height (slack for fonts), while
    0.05 inch more width adds only 0.05 inch of window (``size > KEY_INCHES`` in either place survived: at exactly
    3 inches the key was left out, or drawn with the window squeezed to make room; inverted, the room went to frames
    without it)."""
    from matplotlib.animation import PillowWriter
    from PIL import Image

    from nnpartition.pictures import KEY_INCHES

    keys = []
    grab = PillowWriter.grab_frame

    def record(self, **kwargs):
        out = grab(self, **kwargs)   # drawn: the key's extent is its final one
        legend = self.fig.axes[0].get_legend()
        keys.append(None if legend is None else legend.get_window_extent().height / self.fig.dpi)   # inches
        return out

    monkeypatch.setattr(PillowWriter, "grab_frame", record)
    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [-0.5, 0.2]]), np.array([0, 1, 1, 0])
    heights = []
    for size in (KEY_INCHES - 0.05, KEY_INCHES, KEY_INCHES + 0.05):
        path = tmp_path / f"m{size}.gif"
        npn.pictures.movie(X, y, 2, path=path, steps=1, every=1, dpi=40, size=size, box=(-1, 1), progress=False)
        with Image.open(path) as im:
            heights.append(im.size[1])
    assert keys[0] is None and keys[1] is not None and keys[2] is not None, keys
    assert heights[1] - heights[0] > 0.5 * keys[1] * 40 > 2, (heights, keys)
    assert heights[2] - heights[1] <= 0.05 * 40 + 1, heights


@needs_mpl
def test_movie_trains_a_single_unit_as_train_does(tmp_path, monkeypatch):
    """train() takes a width of 1, and so does movie() (a minimum of 2 for L or widths survived: no test went
    below 2). One unit's line makes at most 2 regions of the plane (regions(1, 2) = 1 + 1); the frames count the
    regions region_polygons finds in the same training's snapshots, for L=1 and for widths [3, 1] (here 2 and 5 a
    frame), and the titles say so ("N regions")."""
    X, y = npn.datasets.toy_dataset("xor", 30, seed=0)
    box = ((-3.0, -3.0), (3.0, 3.0))
    titles = _grabbed(monkeypatch, lambda fig: fig.axes[0].get_title())
    for L, widths in ((1, None), (None, [3, 1])):
        titles.clear()
        ws = [L] if widths is None else widths
        r = npn.pictures.movie(X, y, L, widths=widths, path=tmp_path / "m.gif", steps=20, every=10, box=box, dpi=20,
                               size=1, progress=False)
        nets = npn.train(X, y, widths=ws, steps=20, restarts=1, snapshot_every=10).snapshots()
        assert r.regions.tolist() == [region_polygons(n, box=box).n_regions for n in nets]
        assert [f"\n{n} region{'' if n == 1 else 's'}, at most" in t for n, t in zip(r.regions, titles)] == \
            [True] * r.frames, titles
        assert min(r.regions) > 1   # a line crosses the box: the titles' plural is read
        if L == 1:
            assert r.bound == 2 and max(r.regions) <= 2


@needs_mpl
def test_a_movie_frame_has_a_colour_bar_with_color_output_only(tmp_path, monkeypatch):
    """docs/pictures.md: ``--color output`` adds a colour bar to the frames (as plot_partition's colorbar=True draws
    one: a second axes); the decision colouring has none (``color != "output"`` survived: no test counted them)."""
    from matplotlib.animation import PillowWriter

    axes = []
    grab = PillowWriter.grab_frame

    def record(self, **kwargs):
        axes.append(len(self.fig.axes))
        return grab(self, **kwargs)

    monkeypatch.setattr(PillowWriter, "grab_frame", record)
    X, y = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [-0.5, 0.2]]), np.array([0, 1, 1, 0])
    for color, want in (("output", 2), ("decision", 1)):
        axes.clear()
        r = npn.pictures.movie(X, y, 2, path=tmp_path / f"{color}.gif", steps=10, every=5, dpi=20, size=2,
                               color=color, progress=False)
        assert axes == [want] * r.frames, (color, axes)


def test_a_movie_result_is_hashable_and_compares_without_its_arrays():
    """A frozen result holding arrays: ``@dataclass(frozen=True, eq=False)`` (nnpartition/_frozen.py: a plain
    frozen dataclass with an array field cannot be hashed). MovieResult compares and hashes as itself, so it goes
    in a set or a dict's keys, and ``==`` with another result gives a bool, not numpy's ambiguous array truth
    (``eq=True`` survived: hash() raised "unhashable type: 'numpy.ndarray'")."""
    import dataclasses

    from nnpartition.pictures.movies import MovieResult

    r = MovieResult(path="m.gif", frames=2, steps=np.array([0, 9]), accuracy=np.array([0.5, 1.0]),
                    regions=np.array([1, 3]), bound=4, estimate=0.5, final_accuracy=1.0, seconds=0.5)
    other = dataclasses.replace(r, steps=np.array([0, 8]))
    assert len({r, other, r}) == 2 and {r: 1}[r] == 1
    assert (r == r) is True and (r == other) is False


@needs_mpl
def test_a_movie_of_frames_too_small_for_their_labels_is_made_without_a_warning(tmp_path):
    """movie() takes ``size`` from 0.5 inches; at 0.5 (or 1 with the colour bar) matplotlib cannot fit the frame's
    title and labels and warned "Tight layout not applied" on every frame, an error wherever warnings are (pytest,
    here). Each frame is still drawn, as laid out: the GIF holds one frame per snapshot (steps 0, 5 and the last, 9)."""
    from PIL import Image

    X, y = npn.datasets.toy_dataset("xor", 40, seed=0)
    for size, color in ((1, "output"), (0.5, "decision"), (0.5, "output")):
        path = tmp_path / f"m{size}{color}.gif"
        r = npn.pictures.movie(X, y, 2, path=path, steps=10, every=5, dpi=20, size=size, color=color, progress=False)
        assert r.frames == 3 and r.steps.tolist() == [0, 5, 9]
        with Image.open(path) as gif:
            assert gif.n_frames == 3 and gif.size[0] == round(size * 20)


def test_movie_bounds_a_width_where_train_does(tmp_path):
    """movie() trains with train(), so a width train() takes is not refused for its size: movie() bounded L and
    widths at 2**16 (stated nowhere), train() at 2**20. One past train()'s bound is refused in train()'s words (read
    from train()'s own refusal), naming the argument as movie() was given it; 2**16 + 1 is not refused for its size
    (here the window's regions are, by the pattern table's cap), and nothing is written."""
    X, y = npn.datasets.toy_dataset("xor", 20, seed=0)
    with pytest.raises(ValueError) as bound:
        npn.train(X, y, 2**30)
    top = int(str(bound.value).split("<= ")[1].split(",")[0])
    for kwargs, name in (({"L": top + 1}, "L"), ({"widths": [3, top + 1]}, "widths[1]")):
        with pytest.raises(ValueError, match=rf"{re.escape(name)} must be .*<= {top}\b"):
            npn.pictures.movie(X, y, path=tmp_path / "m.gif", steps=10, every=5, progress=False, **kwargs)
    for kwargs in ({"L": 2**16 + 1}, {"widths": [3, 2**16 + 1]}):
        with pytest.raises(ValueError) as refused:
            npn.pictures.movie(X, y, path=tmp_path / "m.gif", steps=2, every=1, progress=False, **kwargs)
        assert "must be" not in str(refused.value) and "regions" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def _widths_in_hint(msg):
    """The ``widths=[...]`` a refusal of ``L`` suggests, as a list (``None`` when it suggests none)."""
    m = re.search(r"for several hidden layers pass widths=(\[[0-9, ]+\])$", msg)
    return None if m is None else [int(w) for w in m[1].strip("[]").split(",")]


@needs_mpl
def test_movie_given_a_list_as_L_says_to_pass_widths_and_that_call_works(tmp_path):
    """A teacher's walkthrough: ``movie(X, y, [4, 4], ...)`` said only "L must be an integer, got list [4, 4]". The
    refusal now suggests ``widths=[4, 4]``; the truth is that the call it suggests makes a movie of that network."""
    X, y = npn.datasets.toy_dataset("xor", 20, seed=0)
    kw = dict(every=5, steps=10, dpi=20, size=1, progress=False)
    for L in ([4, 4], (3, 5, 2), np.array([6, 2])):
        with pytest.raises(TypeError, match="^L must be an integer") as exc:
            npn.pictures.movie(X, y, L, path=str(tmp_path / "m.gif"), **kw)
        ws = _widths_in_hint(str(exc.value))
        assert ws == [int(w) for w in L], str(exc.value)
        r = npn.pictures.movie(X, y, widths=ws, path=str(tmp_path / "m.gif"), **kw)
        assert r.frames == 3 and r.bound == npn.deep_region_bounds(2, ws).upper   # the network the list named
    with pytest.raises(TypeError) as exc:   # a float, not a list: no widths to suggest
        npn.pictures.movie(X, y, 4.5, path=str(tmp_path / "m.gif"), **kw)
    assert "widths" not in str(exc.value)


def test_a_box_written_as_ranges_is_refused_with_the_corners_layout_and_that_layout_gives_the_window():
    """``box=((-1, 1), (-2, 2))`` (x range, then y range) is read as the corners ``(lo, hi)`` and refused as empty;
    the refusal now shows the layout it expects, ``box=((-1, -2), (1, 2))`` for x in [-1, 1] and y in [-2, 2]. The
    truth: that box is the 2 x 4 window (areas summing to 8, vertices spanning it), whichever function reads it."""
    net = TwoLayerNet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.3, -0.2]), np.array([1.0, -1.0]), 0.0)
    with pytest.raises(ValueError, match=r"box is empty: lo\[0\] = -1.0 must be < hi\[0\] = -2.0; box=\(lo, hi\) "
                                         r"takes the two corners, e\.g\. box=\(\(-1, -2\), \(1, 2\)\) for x in "
                                         r"\[-1, 1\] and y in \[-2, 2\]$"):
        region_polygons(net, box=((-1, 1), (-2, 2)))
    with pytest.raises(ValueError, match=r"box=\(lo, hi\) takes the two corners"):   # the windows share the parser
        npn.pictures.window_for(net, np.zeros((3, 2)), box=[[-1, 1], [-2, 2]])
    rp = region_polygons(net, box=((-1, -2), (1, 2)))
    assert rp.areas().sum() == pytest.approx(8.0)
    assert rp.vertices.min(axis=0).tolist() == [-1.0, -2.0] and rp.vertices.max(axis=0).tolist() == [1.0, 2.0]
    with pytest.raises(ValueError) as exc:   # (lo, hi) as two numbers: no pairs to have swapped, no layout
        region_polygons(net, box=(1, -1))
    assert str(exc.value) == "box is empty: lo[0] = 1.0 must be < hi[0] = -1.0"


@needs_mpl
def test_movie_refuses_every_above_steps_as_the_explorer_does(tmp_path):
    """``movie(every=1000, steps=400)`` made two frames while the explorer refuses ``every > steps``: the two now
    agree on every pair (the explorer's check is the second implementation), the refusal naming both, and a movie
    left without ``every`` keeps the default of 50, or ``steps`` when fewer (the frames it made before)."""
    from nnpartition.explore.server import BadRequest, parse_settings

    X, y = npn.datasets.toy_dataset("xor", 20, seed=0)
    kw = dict(dpi=20, size=1, progress=False)
    for steps, every in ((3, 4), (3, 3), (1, 2), (1, 1), (4, 1), (400, 1000)):
        try:
            parse_settings({"steps": steps, "every": every})
            explorer_refuses = False
        except BadRequest:
            explorer_refuses = True
        if explorer_refuses:
            with pytest.raises(ValueError, match=rf"^every={every} must be at most steps={steps} .*; use every="
                                                 rf"{steps} or less$"):
                npn.pictures.movie(X, y, 2, path=str(tmp_path / "m.gif"), steps=steps, every=every, **kw)
        else:
            r = npn.pictures.movie(X, y, 2, path=str(tmp_path / "m.gif"), steps=steps, every=every, **kw)
            assert r.steps.tolist() == sorted({*range(0, steps, every), steps - 1})
    assert npn.pictures.movie(X, y, 2, path=str(tmp_path / "m.gif"), steps=20, **kw).steps.tolist() == [0, 19]
    assert npn.pictures.movie(X, y, 2, path=str(tmp_path / "m.gif"), steps=120, **kw).steps.tolist() == [0, 50, 100,
                                                                                                          119]


@needs_mpl
def test_plot_partition_json_names_its_data_as_movie_does(tmp_path, capsys):
    """``plot-partition --json`` names what it trained on, as ``movie --json`` does: ``N``, ``seed``, ``data`` and
    ``dist``, the point law as ``estimate --json`` spells it for the same ``--dist`` (``gaussian``, not an alias),
    ``uniform`` for the toy data drawn uniformly; all ``null`` for a saved network (``--weights``), which trains
    none. Rerun with the seed it names, it draws the same network (the same regions and accuracy)."""
    import json

    from nnpartition.cli import main

    def run(*argv):
        assert main([*argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    est = run("estimate", "-d", "2", "-N", "60", "-L", "4", "--dist", "gauss")
    out = str(tmp_path / "p.png")
    p = run("plot-partition", "-d", "2", "-N", "40", "-L", "4", "--steps", "60", "--data", "gaussian", "--seed", "3",
            "--plot", out, "--save-weights", str(tmp_path / "w.npz"))
    assert (p["N"], p["seed"], p["data"], p["dist"]) == (40, 3, "gaussian", est["dist"]) and est["dist"] == "gaussian"
    again = run("plot-partition", "-d", "2", "-N", str(p["N"]), "-L", "4", "--steps", "60", "--data", p["data"],
                "--seed", str(p["seed"]), "--plot", out)
    assert (again["regions"], again["accuracy"]) == (p["regions"], p["accuracy"])
    default = run("plot-partition", "-d", "2", "-N", "30", "-L", "3", "--steps", "20", "--data", "xor", "--plot", out)
    assert (default["seed"], default["data"], default["dist"]) == (0, "xor", "uniform")   # --help: seed default 0
    saved = run("plot-partition", "--weights", str(tmp_path / "w.npz"), "--plot", out)
    assert (saved["N"], saved["seed"], saved["data"], saved["dist"]) == (None, None, None, None)
    m = run("movie", "-d", "2", "-N", "30", "-L", "3", "--steps", "20", "--every", "10", "--data", "gaussian",
            "--out", str(tmp_path / "m.gif"))
    assert (m["data"], m["dist"], m["N"], m["seed"]) == ("gaussian", est["dist"], 30, 0)


def test_a_ctrl_c_that_matplotlib_swallows_still_stops_the_movie(tmp_path, monkeypatch):
    """Session 62, from a notebook: an "Interrupt kernel" that landed in one of matplotlib's weakref callbacks (where
    Python prints "Exception ignored" and goes on) was lost, and the movie drew its other 290 frames. Here a real
    SIGINT is raised inside a frame and swallowed there, as such a callback does."""
    import os
    import signal

    import nnpartition.pictures.movies as movies

    X, y = npn.datasets.toy_dataset("xor", 40, seed=0)
    drawn = []
    annotate = movies._annotate

    def swallowed_ctrl_c_at_the_second_frame(*args, **kwargs):
        drawn.append(1)
        if len(drawn) == 2:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(1000):   # the handler runs between bytecodes, soon after the signal
                    pass
            except KeyboardInterrupt:
                pass   # what "Exception ignored in <weakref callback>" amounts to
        return annotate(*args, **kwargs)

    monkeypatch.setattr(movies, "_annotate", swallowed_ctrl_c_at_the_second_frame)
    with pytest.raises(KeyboardInterrupt):
        movies.movie(X, y, 4, path=str(tmp_path / "m.gif"), every=5, steps=40, dpi=20, size=1, progress=False)
    assert len(drawn) == 2 and not (tmp_path / "m.gif").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # the handler is put back


def _ctrl_c_then_count(steps):
    """Send this process a SIGINT, then count up to ``steps`` (the handler runs between bytecodes, soon after it):
    the count reached, in ``steps`` when no KeyboardInterrupt stopped it."""
    import os
    import signal

    steps.append(0)
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100000):
        steps[-1] += 1


def test_the_movies_ctrl_c_latch_raises_at_once_as_python_does_and_remembers():
    """Inside the movie's latch a Ctrl-C raises its KeyboardInterrupt where Python's own handler would, at once
    (not at the frame's end), and is remembered; the handler is Python's again after (session 63, py_mutants: a
    handler that only remembered survived)."""
    import signal

    import nnpartition.pictures.movies as movies

    plain, latched = [], []
    with pytest.raises(KeyboardInterrupt):
        _ctrl_c_then_count(plain)                       # Python's own handler: the loop stops early
    with pytest.raises(KeyboardInterrupt):
        with movies._interrupt_latch() as seen:
            _ctrl_c_then_count(latched)
    assert plain[0] < 100000 and latched[0] < 100000, (plain, latched)
    assert seen == [signal.SIGINT] and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_movies_ctrl_c_latch_leaves_a_callers_handler_and_other_threads_alone():
    """Under a SIGINT handler of the caller's the latch changes nothing (the caller's handler gets the Ctrl-C, and is
    in place after); off the main thread, where no handler can be set, it only yields its list."""
    import signal
    import threading

    import nnpartition.pictures.movies as movies

    got = []

    def mine(signum, frame):
        got.append(signum)

    before = signal.signal(signal.SIGINT, mine)
    try:
        steps = []
        with movies._interrupt_latch() as seen:
            assert signal.getsignal(signal.SIGINT) is mine
            _ctrl_c_then_count(steps)
        assert got == [signal.SIGINT] and seen == [] and steps == [100000]
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, before)
    errors, lists = [], []

    def off_main():
        try:
            with movies._interrupt_latch() as seen:
                lists.append(seen)
        except Exception as e:   # signal.signal off the main thread is a ValueError
            errors.append(e)

    t = threading.Thread(target=off_main)
    t.start()
    t.join()
    assert errors == [] and lists == [[]], errors


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.sampled_from([2, 3]), depth=st.integers(1, 3),
       refusals=st.booleans())
def test_region_polygons_takes_a_list_of_layers_as_network_regions_in_box_does(seed, d, depth, refusals):
    """``region_polygons(net.layers)`` gives the polygons and patterns of ``region_polygons(net)``, as
    ``network_regions_in_box(net.layers, ...)`` counts the network's regions: it was refused ("net must be a
    TwoLayerNet, a DeepNet, ...", session 63, a deep-network user's walkthrough). The list has no output layer:
    its logit is 0 (zero maps, no decision boundary) and ``split_decision`` is refused."""
    rng = np.random.default_rng(seed)
    widths = rng.integers(1, 6, size=depth)
    fan = [d, *widths]
    layers = [(rng.normal(size=(fan[i], fan[i + 1])), rng.normal(size=fan[i + 1]) * 0.5) for i in range(depth)]
    net = (TwoLayerNet(layers[0][0], layers[0][1], rng.normal(size=fan[1]), 0.2) if depth == 1 and seed % 2
           else DeepNet(layers, w_out=rng.normal(size=fan[-1]), b_out=0.2))
    plane = None if d == 2 else rng.normal(size=(3, d))
    given_pairs = [tuple(p) for p in net.layers] if seed % 3 else list(net.layers)   # tuples or lists of pairs
    a = region_polygons(net, box=(-1.5, 1.5), plane=plane)
    b = region_polygons(given_pairs, box=(-1.5, 1.5), plane=plane)
    assert b.n_regions == a.n_regions and b.widths == a.widths
    for name in ("offsets", "vertices", "input_vertices", "patterns", "lines", "line_units"):
        assert np.array_equal(getattr(b, name), getattr(a, name)), name
    assert not (b.affine_weight.any() or b.affine_bias.any() or b.window_affine.any() or b.decision.any())
    assert b.boundary.shape == (0, 2, 2)
    if d == 2:   # the count of the same list agrees (docs/window.md: in d = 2 it is region_polygons's)
        assert b.n_regions == npn.network_regions_in_box(given_pairs, -1.5, 1.5)
    if not refusals:
        return
    with pytest.raises(ValueError, match=r"split_decision=True needs an output layer .* list of \(W, b\) pairs"):
        region_polygons(given_pairs, box=(-1.5, 1.5), plane=plane, split_decision=True)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        region_polygons([])
    with pytest.raises(TypeError, match=r"a torch nn.Sequential or a list of \(W, b\) pairs, got int"):
        region_polygons(5)


@needs_mpl
def test_plot_partition_names_the_axes_of_the_plane_it_draws():
    """A review in the sixty-fifth pass: with ``d == 2`` the axes were named x1 and x2 whatever ``plane`` was given,
    so a plane turned a quarter (``u = e2``, ``v = -e1``) drew x2 across and -x1 up under the names x1, x2; and the
    plane of x1 and x2 given for ``d > 2`` was named "along the plane's u". The names now say x1, x2 exactly when the
    window's axes are x1 and x2 (checked here against the window coordinates of the points e1 and e2). Fails on the
    old code (the quarter turn's first assertion)."""
    from matplotlib.figure import Figure

    from nnpartition.pictures import Plane

    def labels(d, plane):
        net = npn.TwoLayerNet(np.eye(d, 2), np.zeros(2), np.ones(2), -0.5)
        ax = npn.plot_partition(net, ax=Figure().add_subplot(), plane=plane, box=(-1, 1))
        p = npn.pictures.window_for(net, plane=plane, box=(-1, 1))[0]
        e = np.eye(2, d)
        # the truth: the window's s and t are x1 and x2 when e1 and e2 sit at (1, 0) and (0, 1) and 0 at the origin
        is_x1x2 = np.allclose(p.to_window(np.vstack([np.zeros(d), e])), [[0, 0], [1, 0], [0, 1]])
        return (ax.get_xlabel(), ax.get_ylabel()), is_x1x2

    quarter = Plane.through([0, 0], [0, 1], [-1, 0])
    for d, plane in ((2, quarter), (2, [[0, 0], [0, 1], [-1, 0]]), (2, None), (2, Plane.standard(2)),
                     (3, Plane.standard(3)), (3, [[0, 0, 0], [0, 0, 1], [0, 1, 0]]),
                     (3, Plane.through([0, 0, 0], [1, 0, 0], [0, 1, 0]))):
        names, is_x1x2 = labels(d, plane)
        assert (names == ("x1", "x2")) is is_x1x2, (d, plane, names)
        assert "x1" not in names[0] + names[1] or is_x1x2, (d, plane, names)


# ------------------------------------------------------------------------ print and colour blindness (the 67th pass)
# A teacher prints the pictures on a black-and-white printer, and some students are colour blind: the classes must be
# told apart without colour. Threshold: a CIE L* (lightness, all a grey print keeps) difference of 10, the difference
# at which palettes for categories call two colours distinct at a glance (helper w's CIEDE2000 of 10 in test_explore;
# with hue and chroma gone the difference is the lightness alone), and a print's halftone loses a few units of it.
PRINT_DL = 10.0


def _shape(path):
    """A marker path's shape, comparable across points: its codes and its vertices (rounded)."""
    codes = None if path.codes is None else tuple(int(c) for c in path.codes)
    return codes, tuple(np.round(path.vertices, 6).ravel().tolist())


def _grey_lightness(grey):
    """CIE L* of a grey level 0-255 (an sRGB grey: R = G = B)."""
    from conftest import cielab

    return float(cielab([grey] * 3)[0])


def _shown_points(fig):
    """{label: (points' collection, its misclassified collection or None)} of a figure's first axes."""
    ax = fig.axes[0]
    pts = [c for c in ax.collections if str(c.get_label()).startswith("points")]
    miss = [c for c in ax.collections if c.get_label() == "misclassified"]
    return pts[0], (miss[0] if miss else None)


def _classes_shapes(fig, y):
    """Each class's set of point shapes, the misclassified mark's, and the key's markers by label."""
    from matplotlib.markers import MarkerStyle

    pts, miss = _shown_points(fig)
    paths = pts.get_paths()
    assert len(paths) == len(y)
    by_class = {c: {_shape(paths[i]) for i in range(len(y)) if y[i] == c} for c in (0, 1)}
    legend = fig.axes[0].get_legend()
    key = {}
    for handle, text in zip(legend.legend_handles if hasattr(legend, "legend_handles") else legend.legendHandles,
                            legend.get_texts()):
        if text.get_text().startswith("label "):
            style = MarkerStyle(handle.get_marker())
            key[int(text.get_text()[-1])] = _shape(style.get_path().transformed(style.get_transform()))
    return by_class, (None if miss is None else _shape(miss.get_paths()[0])), key


@needs_mpl
def test_the_classes_points_differ_in_shape_in_the_picture_its_key_and_a_movies_frames(tmp_path, monkeypatch):
    """Each class's points have one shape, the two classes' shapes differ (triangles for 1, circles for 0: a circle
    is drawn with curves, a triangle with three straight sides), the misclassified ``x`` is neither, and the key shows
    each label with its points' shape; so in plot_partition's picture and in every frame of a movie. Both classes
    were circles told apart by colour alone (fails on the old code)."""
    from matplotlib.figure import Figure
    from matplotlib.path import Path

    net = TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), -0.5)
    X = np.random.default_rng(3).uniform(-1, 1, (40, 2))
    y = net.predict(X)
    y[:4] = 1 - y[:4]
    assert 0 < y.sum() < 40
    fig = Figure(figsize=(5, 5))
    npn.plot_partition(net, X, y, ax=fig.add_subplot(), box=(-1, 1))
    frames = _grabbed(monkeypatch, lambda f: _classes_shapes(f, y))
    npn.pictures.movie(X, y, 2, path=tmp_path / "m.gif", steps=2, every=1, dpi=30, size=3, box=(-1, 1),
                       progress=False)
    assert len(frames) >= 2
    for by_class, miss, key in [_classes_shapes(fig, y), *frames]:
        assert len(by_class[0]) == len(by_class[1]) == 1 and by_class[0] != by_class[1]
        (zero,), (one,) = by_class[0], by_class[1]
        assert Path.CURVE4 in zero[0] and one[0] is not None and set(one[0]) <= {Path.MOVETO, Path.LINETO,
                                                                                  Path.CLOSEPOLY}
        assert len({v for v in zip(one[1][0::2], one[1][1::2])}) == 3   # a triangle's three corners
        assert miss is None or miss not in (zero, one)
        assert key == {0: zero, 1: one}
    assert any(f[1] is not None for f in frames)   # (a frame misclassifies some: the x was compared)


def _rendered_grey(fig, dpi):
    """The figure drawn by Agg at ``dpi`` and converted to grey as a black-and-white printer's driver does
    (``PIL.Image.convert("L")``: ITU-R 601 luma), an array of 0-255."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("L")).astype(float)


@needs_mpl
def test_in_grey_the_classes_points_and_fills_differ_in_lightness():
    """Drawn and turned grey (as a black-and-white print), the two classes' points, read at their known centres, and
    the two classes' region fills, read at the centres of deep (confident) regions, differ by an L* of at least
    PRINT_DL. And the colours themselves: the points' and, at every shade from the key's (0.6 of the colour) to the
    deepest, the fills' L* differ by at least PRINT_DL. The fills' L* differed by 7.3 at the key's shade (fails on
    the old colours) and the points' by 10.0, at the limit (the blue point is darker now: 13); the faintest fills,
    near the boundary, are both near white (the boundary's black line parts them)."""
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure

    from conftest import cielab

    from nnpartition.pictures.drawing import CLASS_COLOURS, POINT_COLOURS

    def lightness(colour):
        return float(cielab(np.array(to_rgb(colour)) * 255)[0])

    assert abs(lightness(POINT_COLOURS[1]) - lightness(POINT_COLOURS[0])) >= PRINT_DL
    for t in np.linspace(0.6, 0.85, 6):   # the fills' mix with white, as plot_partition shades them (explorer: to 0.7)
        f1, f0 = (1 + (np.array(to_rgb(CLASS_COLOURS[c])) - 1) * t for c in (1, 0))
        assert abs(float(cielab(f1 * 255)[0] - cielab(f0 * 255)[0])) >= PRINT_DL, t

    # logit relu(x1) - relu(-x1) = x1: x1 > 0 is class 1, x1 < 0 class 0, each half one region of the same depth
    net = TwoLayerNet(np.array([[1.0, -1.0], [0.0, 0.0]]), np.zeros(2), np.array([1.0, -1.0]), 0.0)
    X = np.array([[0.3, 0.5], [0.6, -0.4], [-0.5, 0.5], [-0.4, -0.5]])
    y = np.array([1, 1, 0, 0])
    fig = Figure(figsize=(4, 4))
    ax = npn.plot_partition(net, X, y, ax=fig.add_subplot(), box=(-1, 1), hyperplanes=False, key=False)
    dpi = 200
    grey = _rendered_grey(fig, dpi)
    fig.canvas.draw()
    height = grey.shape[0]

    def at(x, yy):   # the grey at data point (x, yy): display pixels from the bottom, the image's rows from the top
        px, py = ax.transData.transform((x, yy)) * dpi / fig.dpi
        return grey[int(round(height - py - 0.5)), int(round(px - 0.5))]

    points = [_grey_lightness(at(*p)) for p in X]
    assert max(points[2:]) < 99 and max(points[:2]) < 99   # the marks are drawn there (not the fill around them)
    assert min(points[2:]) - max(points[:2]) >= PRINT_DL, points   # blue (1) darker than orange (0)
    # the fills, far from the points: each half one polygon of the same shade
    fills = [_grey_lightness(at(x, 0.0)) for x in (0.8, -0.8)]
    assert fills[1] - fills[0] >= PRINT_DL, fills


def test_a_planes_points_are_refused_at_the_entry_the_caller_gave():
    """``Plane.to_input`` and ``Plane.to_window`` refuse NaN and infinity naming the argument and the entry in the shape
    given (a stack of points, not the flattened rows), and a long double beyond float64 as too large, not as an
    infinity (before: "st contains NaN or infinity", no entry; the overflow read as an infinity). Truth: where the
    bad entry was put."""
    plane = npn.Plane.standard(3)
    st = np.zeros((2, 3, 2))
    st[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"^st contains NaN or infinity \(first at index \(1, 2, 0\)\)$"):
        plane.to_input(st)
    X = np.zeros((4, 3))
    X[3, 1] = -np.inf
    with pytest.raises(ValueError, match=r"^X contains NaN or infinity \(first at row 3, column 1\)$"):
        plane.to_window(X)
    big = np.zeros((2, 3), dtype=np.longdouble)
    if np.finfo(np.longdouble).max > np.finfo(np.float64).max:   # (x86: an 80-bit long double)
        big[1, 0] = np.longdouble(np.finfo(np.float64).max) * 4
        with pytest.raises(ValueError, match=r"^X contains a value too large for float64 \(first at row 1, column 0"):
            plane.to_window(big)
