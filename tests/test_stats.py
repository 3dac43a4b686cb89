"""Student-t confidence intervals against closed forms, scipy (where installed) and coverage."""

import math

import numpy as np
import pytest

from nnpartition._stats import mean_ci95, t_quantile_975
from nnpartition.simulation import summarize


def test_closed_forms_for_one_and_two_degrees_of_freedom():
    # t_1 is Cauchy: F^-1(p) = tan(pi (p - 1/2)); t_2: F^-1(p) = a sqrt(2 / (1 - a^2)), a = 2p - 1
    assert t_quantile_975(1) == pytest.approx(math.tan(math.pi * 0.475), rel=1e-14)
    a = 0.95
    assert t_quantile_975(2) == pytest.approx(a * math.sqrt(2 / (1 - a * a)), rel=1e-14)


def test_against_scipy_at_every_df_up_to_200_and_large():
    stats = pytest.importorskip("scipy.stats")
    for df in list(range(1, 201)) + [500, 1000, 10**5]:
        assert t_quantile_975(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9, abs=0), df


def test_monotone_and_tends_to_normal():
    q = [t_quantile_975(df) for df in range(1, 400)]
    assert all(a > b for a, b in zip(q, q[1:]))
    assert t_quantile_975(10**9) == pytest.approx(1.959963984540054, rel=1e-8)
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_coverage_is_95_percent_for_five_normal_samples():
    # The normal-approximation interval covers ~88% at n = 5; the t interval 95%.
    rng = np.random.default_rng(0)
    hits = normal_hits = 0
    reps = 4000
    for _ in range(reps):
        s = summarize(rng.standard_normal(5))
        hits += s.ci_low <= 0.0 <= s.ci_high
        normal_hits += abs(s.mean) <= 1.959963984540054 * s.std / math.sqrt(5)
    assert 0.94 <= hits / reps <= 0.96
    assert 0.86 <= normal_hits / reps <= 0.90   # 2 F_t4(1.96) - 1 = 0.878: the gap the t interval closes


def test_summarize_single_value_and_empty():
    s = summarize([3.0], one_value_nan=False)
    assert (s.mean, s.std, s.ci_low, s.ci_high) == (3.0, 0.0, 3.0, 3.0)
    with pytest.raises(ValueError, match="empty"):
        summarize([])
    assert mean_ci95(1, 2.0, 0.0) == (2.0, 2.0)


def test_summarize_one_value_nan_and_bounds():
    s = summarize([3.0])   # the default: one value has no spread to estimate
    assert s.mean == 3.0 and all(math.isnan(v) for v in (s.std, s.ci_low, s.ci_high))
    # the t interval of [0.9, 1, 1] reaches 1 + t_2 0.0577 / sqrt(3) = 1.0768; fractions stop at 1
    wide = summarize([0.9, 1.0, 1.0])
    assert wide.ci_high == pytest.approx(0.9666666666666667 + 4.302652729749462 * 0.05773502691896258 / math.sqrt(3))
    clipped = summarize([0.9, 1.0, 1.0], bounds=(0.0, 1.0))
    assert clipped == (wide.mean, wide.std, wide.ci_low, 1.0)
    assert summarize([0.0, 0.0, 0.1], bounds=(0.0, 1.0)).ci_low == 0.0
    for bad in [(1.0, 0.0), (float("nan"), 1.0)]:
        with pytest.raises(ValueError, match="bounds must be"):
            summarize([1.0, 2.0], bounds=bad)


def test_summarize_refuses_what_it_cannot_summarize():
    """A NaN among the values (or None, read as NaN) made every field NaN, values outside ``bounds`` gave an interval
    that does not hold the mean (low above high when all were below), a string one_value_nan was read by its truth
    value, and bounds that are not a pair or a string among the values raised numpy's or Python's words, naming
    nothing."""
    for bad in ([1.0, float("nan")], [1.0, float("inf")]):
        with pytest.raises(ValueError, match="values contains NaN or infinity"):
            summarize(bad)
    for bad in (["a", "b"], None):
        with pytest.raises(TypeError, match="values must be a numeric array"):
            summarize(bad)
    with pytest.raises(ValueError, match=r"values must lie within bounds \(5, 6\), got 1.0"):
        summarize([1.0, 2.0], bounds=(5, 6))
    for bad in [(0, 1, 2), 1, ("a", "b"), (0, True)]:
        with pytest.raises(TypeError, match="bounds must be a"):
            summarize([1.0, 2.0], bounds=bad)
    with pytest.raises(TypeError, match="one_value_nan must be True or False"):
        summarize([1.0], one_value_nan="no")
    free = summarize([1.0, 2.0])
    assert summarize([1.0, 2.0], bounds=(1, math.inf)) == (free.mean, free.std, 1.0, free.ci_high)


def test_summarize_values_near_the_top_of_the_float_range():
    # An audit (s48): the sum and the squares of finite values near 1e308 overflowed, so summarize([1e308, 1e308])
    # had mean inf (and numpy's overflow warning). The truth in exact rational arithmetic: mean and sample std.
    from fractions import Fraction

    for values in ([1e308, 1e308], [1e308, -1e308, 1e308], [1.7e308, 1.6e308, 1.5e308, 1.0]):
        exact = [Fraction(x) for x in values]
        mean = sum(exact) / len(exact)
        var = sum((x - mean) ** 2 for x in exact) / (len(exact) - 1)
        s = summarize(values)
        assert s.mean == pytest.approx(float(mean), rel=1e-15)
        assert s.std == pytest.approx(math.sqrt(float(var / 2**2040)) * 2.0**1020, rel=1e-15)
