"""random_dataset: shapes, ranges, distributions, determinism, bad input."""

import numpy as np
import pytest

from nnpartition.datasets import random_dataset
from nnpartition.training import real_accuracy, train


def test_shapes_dtypes_and_range():
    X, y = random_dataset(2000, 4, seed=3)
    assert X.shape == (2000, 4) and X.dtype == np.float64
    assert y.shape == (2000,) and y.dtype == np.int64
    assert X.min() >= -1 and X.max() < 1
    assert set(np.unique(y).tolist()) == {0, 1}


def test_uniform_moments_and_fair_coin():
    X, y = random_dataset(40000, 3, seed=1)
    # U(-1, 1): mean 0, variance 1/3; 4 sigma bounds.
    assert abs(X.mean()) < 4 * np.sqrt(1 / 3 / X.size)
    assert abs(X.var() - 1 / 3) < 0.01
    assert abs(y.mean() - 0.5) < 4 * 0.5 / np.sqrt(y.size)


@pytest.mark.parametrize("name", ["gaussian", "gauss", "normal"])
def test_gaussian_moments_and_alias(name):
    X, _ = random_dataset(20000, 2, dist=name, seed=2)
    assert abs(X.mean()) < 4 / np.sqrt(X.size)
    assert abs(X.std() - 1) < 0.02
    assert np.abs(X).max() > 1  # not the uniform cube
    assert np.array_equal(X, random_dataset(20000, 2, dist="gaussian", seed=2)[0])


def test_reproducible_and_seed_dependent():
    a = random_dataset(50, 3, seed=7)
    b = random_dataset(50, 3, seed=7)
    c = random_dataset(50, 3, seed=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    # Rows are drawn one after another from one stream: a larger draw extends a smaller one.
    big = random_dataset(60, 3, seed=7)
    assert np.array_equal(big[0][:50], a[0])


@pytest.mark.parametrize("dist", ["uniform", "gaussian"])
def test_dataset_zero_is_what_real_accuracy_trains_on(dist):
    X, y = random_dataset(80, 2, dist=dist, seed=5)
    m = real_accuracy(2, 80, 4, dist=dist, datasets=1, restarts=2, seed=5)
    r = train(X, y, 4, restarts=2, seed=5)
    assert m.per_dataset[0] == r.best_accuracy


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(N=0, d=2), ValueError, "N"),
    (dict(N=10, d=0), ValueError, "d"),
    (dict(N=10.5, d=2), TypeError, "N"),
    (dict(N=10, d=2, dist="cauchy"), ValueError, "dist"),
    (dict(N=10, d=2, seed=-1), ValueError, "seed"),
])
def test_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        random_dataset(**kwargs)


@pytest.mark.parametrize("kind", ["xor", "spirals", "teacher"])
def test_toy_kinds_drawn_with_numpy_stay_within_what_they_count(kind):
    # measured by tracemalloc (numpy reports its buffers to it), not by the formula
    import tracemalloc

    from nnpartition.datasets import toy_bytes, toy_dataset

    toy_dataset(kind, 2, 2, noise=0.1)   # first-call imports (np.median loads numpy.ma, about 1 MB) outside the count
    for N, d in ((50000, 2), (20000, 12), (2000, 300), (10, 2**16), (1, 2**18), (1, 2), (2, 2), (3, 5)):
        tracemalloc.start()
        try:
            toy_dataset(kind, N, d, seed=1, noise=0.1)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert 8 * N * d <= peak <= toy_bytes(kind, N, d), (N, d, peak, toy_bytes(kind, N, d))


def test_toy_kinds_are_refused_past_max_bytes_before_drawing():
    from nnpartition.datasets import toy_bytes, toy_dataset
    from nnpartition.limits import override

    with override(max_bytes=toy_bytes("xor", 4000, 3) - 1):
        with pytest.raises(ValueError, match="max_bytes"):
            toy_dataset("xor", 4000, 3)
        toy_dataset("xor", 3999, 3)   # one point fewer fits
        toy_dataset("uniform", 4000, 3)   # random_dataset's sizes are the core's to check (16 bytes a value)


@pytest.mark.parametrize("args,exc,word", [
    (("uniform", 10, 2), ValueError, "kind"),    # drawn by the core, which counts its own bytes
    ((3, 10, 2), TypeError, "kind"),
    (("xor", 0, 2), ValueError, "N"),
    (("xor", 10, 2.5), TypeError, "d"),
])
def test_toy_bytes_names_a_bad_argument(args, exc, word):
    from nnpartition.datasets import toy_bytes

    with pytest.raises(exc, match=word):
        toy_bytes(*args)
