"""The resource limits (rust/src/limits.rs) and the allowed values defined once in the core."""

import numpy as np
import pytest

import nnpartition as npn
from nnpartition import _core, limits
from nnpartition import sparse, simulation, training


@pytest.fixture(autouse=True)
def restore_limits():
    before = limits.get_limits()
    yield
    limits.set_limits(**vars(before))


def test_memory_limit_boundary_is_the_documented_dataset_size():
    # random_dataset reserves N * (8 d + 1) bytes (float64 points, uint8 labels).
    N, d = 1000, 10
    need = N * (8 * d + 1)
    limits.set_limits(max_bytes=need)
    X, y = npn.random_dataset(N, d)
    assert X.shape == (N, d) and y.shape == (N,)
    limits.set_limits(max_bytes=need - 1)
    with pytest.raises(ValueError, match=r"max_bytes.*set_limits\(max_bytes="):
        npn.random_dataset(N, d)


def test_parameter_limit_counts_the_parameters_the_network_really_has():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (30, 3))
    y = (X[:, 0] > 0).astype(int)
    net = npn.train(X, y, 5, steps=5).network
    count = net.W1.size + net.b1.size + net.w2.size + 1  # independent of the core's formula
    limits.set_limits(max_params=count)
    npn.train(X, y, 5, steps=5)
    limits.set_limits(max_params=count - 1)
    with pytest.raises(ValueError, match="max_params"):
        npn.train(X, y, 5, steps=5)


def test_work_limit_refuses_absurd_step_counts_and_names_how_to_raise_it():
    X = np.random.default_rng(1).uniform(-1, 1, (20, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"max_work.*set_limits\(max_work="):
        npn.train(X, y, 4, steps=10**12)
    with limits.override(max_work=10**6):
        with pytest.raises(ValueError, match="max_work"):
            npn.train(X, y, 4, steps=1000)
    npn.train(X, y, 4, steps=1000)  # restored


def test_override_restores_and_set_limits_validates():
    old = limits.get_limits()
    with limits.override(max_bytes=12345) as inside:
        assert inside.max_bytes == 12345 and limits.get_limits().max_bytes == 12345
    assert limits.get_limits() == old
    with pytest.raises(ValueError):
        limits.set_limits(max_bytes=0)
    with pytest.raises(TypeError):
        limits.set_limits(max_work=1.5)


def test_choices_tables_are_what_the_functions_accept():
    # Every canonical name and alias of the core is accepted where the option is taken,
    # and a near miss is refused with the list of names.
    assert set(_core.CHOICES) == {"dist", "init", "activation", "loss", "optimizer", "schedule", "projection",
                                  "sparsify"}
    for name in _core.CHOICES["dist"] + tuple(_core.ALIASES["dist"]):
        npn.random_dataset(5, 2, dist=name)
    for name in _core.CHOICES["init"] + tuple(_core.ALIASES["init"]):
        npn.simulate_partition(2, 20, 3, trials=2, init=name, progress=False)
    X = np.random.default_rng(2).uniform(-1, 1, (20, 2))
    y = (X[:, 0] > 0).astype(int)
    for key in ("activation", "loss", "optimizer", "schedule"):
        for name in _core.CHOICES[key]:
            npn.train(X, y, 3, steps=3, **{key: name})
        with pytest.raises(ValueError, match=key):
            npn.train(X, y, 3, steps=3, **{key: _core.CHOICES[key][0].upper()})
    for proj in _core.CHOICES["projection"]:
        for sp in _core.CHOICES["sparsify"]:
            sparse.expand_sparsify(X, 16, k=2 if sp != "relu" else None, projection=proj, sparsify=sp)
    # The Python modules read the same tables (no second copy to drift).
    assert simulation._DISTS is _core.CHOICES["dist"]
    assert training._OPTIMIZERS is _core.CHOICES["optimizer"]


def test_native_refusals_are_value_errors_not_memory_errors():
    with pytest.raises(ValueError, match="log_regions"):
        npn.regions(2**40, 2**40)
    with pytest.raises(ValueError, match="overflows"):
        sparse.expand_sparsify(np.full((20, 3), 1.7e308), 50)


def test_trivial_and_degenerate_counts_are_answered_directly():
    L = 10**12
    assert npn.regions(L, 1) == L + 1
    assert npn.bounded_regions(2**64 - 1, 1) == 2**64 - 2
    # Cover's count and the separable probability agree on the empty dimension.
    for N in (1, 2, 7):
        assert npn.cover_count(N, 0) == 0 == npn.separable_probability(N, 0)
    assert npn.cover_count(0, 0) == 1


def test_huge_log_counts_match_the_normal_limit():
    # P(Bin(n, 1/2) <= n/2 - 1) = 1/2 - P(X = n/2)/2 with P(X = n/2) ~ sqrt(2 / (pi n)) (n even).
    n = 2**62
    p = npn.separable_probability(n + 1, n // 2)  # = P(Bin(n, 1/2) <= n/2 - 1)
    expected = 0.5 - 0.5 * np.sqrt(2.0 / (np.pi * n))
    assert abs(p - expected) < 1e-12
    # ln S(n, n/2) = (n - 1) ln 2 + ln(1 + P(X = n/2)) for even n.
    assert npn.log_regions(n, n // 2) == pytest.approx((n - 1) * np.log(2), rel=1e-15)
