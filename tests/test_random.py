"""Seeds follow numpy: None, int, Generator, BitGenerator and SeedSequence, and results record the seed used."""

import numpy as np
import pytest

import nnpartition as nnp
from nnpartition._random import resolve_seed


def test_int_passes_through_and_range_is_checked():
    assert resolve_seed(0) == 0
    assert resolve_seed(np.uint64(2**64 - 1)) == 2**64 - 1
    with pytest.raises(ValueError, match=r"seed must be >= 0 and < 2\*\*64, got -1"):
        resolve_seed(-1)
    with pytest.raises(ValueError, match="seed"):
        resolve_seed(2**64)


@pytest.mark.parametrize("bad", [True, 1.0, "1", [1], np.float64(3.0)])
def test_other_types_are_type_errors(bad):
    with pytest.raises(TypeError, match="seed must be None, an int"):
        resolve_seed(bad)


def test_seed_sequence_is_deterministic_and_spawned_children_differ():
    ss = np.random.SeedSequence(12345)
    a, b = resolve_seed(ss), resolve_seed(np.random.SeedSequence(12345))
    assert a == b
    kids = [resolve_seed(c) for c in ss.spawn(4)]
    assert len(set(kids + [a])) == 5


def test_generator_advances_like_numpy_draws():
    g = np.random.default_rng(5)
    first, second = resolve_seed(g), resolve_seed(g)
    assert first != second
    # the draw is exactly one uint64 from the generator, as numpy code would take it
    assert first == int(np.random.default_rng(5).integers(0, 2**64, dtype=np.uint64))
    assert resolve_seed(np.random.PCG64(5)) == first


def test_none_is_fresh_entropy():
    seeds = {resolve_seed(None) for _ in range(8)}
    assert len(seeds) == 8


def test_simulation_records_the_seed_it_used_and_it_reproduces():
    sim = nnp.simulate_partition(2, 50, 4, trials=5, seed=None, progress=False)
    again = nnp.simulate_partition(2, 50, 4, trials=5, seed=sim.seed, progress=False)
    np.testing.assert_array_equal(sim.n_regions, again.n_regions)
    np.testing.assert_array_equal(sim.majority_accuracy, again.majority_accuracy)


def test_generator_seed_matches_its_integer():
    s = resolve_seed(np.random.default_rng(9))
    X1, _ = nnp.random_dataset(10, 3, seed=np.random.default_rng(9))
    X2, _ = nnp.random_dataset(10, 3, seed=s)
    np.testing.assert_array_equal(X1, X2)
    with pytest.raises(TypeError, match="seed"):
        nnp.random_dataset(10, 3, seed=1.5)


def test_trial_seeds_keep_the_old_values_and_never_collide_past_the_limit():
    from nnpartition._random import trial_seed

    # Below 2**64 the trial seeds are the ones every earlier release used (seed * 1000 + t).
    assert trial_seed(3, 1) == 3001 and trial_seed(0, 0) == 0 and trial_seed(5, 2, stride=10) == 52
    small = 2**64 // 1000 - 1               # the largest seed whose trial seeds are all below 2**64
    assert trial_seed(small, 999) == small * 1000 + 999 < 2**64
    # Past it: in range, and distinct for distinct (seed, t), also for seeds 2**61 apart, which a reduction
    # modulo 2**64 maps to the same trial seeds (1000 * 2**61 is a multiple of 2**64).
    seeds = [small + 1, 2**61 + small + 1, 2**63, 2**63 + 2**61, 2**64 - 1, 2**64 - 1 - 2**61, 2**64 - 1 - 2**62]
    got = {(s, t): trial_seed(s, t) for s in seeds for t in (0, 1, 999)}
    assert all(0 <= x < 2**64 for x in got.values())
    assert len(set(got.values())) == len(got)
