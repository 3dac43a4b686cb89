"""Student-t confidence intervals against closed forms, scipy (where installed) and coverage; the exact rescalings
by powers of two against exact rational arithmetic (``fractions.Fraction``)."""

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnpartition._stats import (binary_exponent, binary_exponents, binary_unit, binary_units, mean_ci95, scaled_norm,
                                t_quantile_975, times_pow2)
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
    with pytest.raises(ValueError, match=r"^df must be >= 1, got 0$"):
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


# --- exact rescalings by powers of two ------------------------------------------------------------------------------

FINITE = st.floats(allow_nan=False, allow_infinity=False)   # subnormals included
TINY = sys.float_info.min   # the smallest normal float, 2^-1022
HUGE = Fraction(sys.float_info.max)


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=0.0, exclude_min=True, allow_infinity=False))
def test_binary_exponent_brackets_every_positive_float_exactly(x):
    k = binary_exponent(x)
    assert Fraction(2) ** k <= Fraction(x) < Fraction(2) ** (k + 1)
    assert binary_unit(x) == float(Fraction(2) ** k)   # a float for every such k, subnormal 2^-1074 included
    assert binary_exponents(np.array([x])).tolist() == [k] and binary_units(np.array([x])).tolist() == [binary_unit(x)]


def test_binary_exponent_at_the_extremes():
    assert binary_exponent(5e-324) == -1074 and binary_unit(5e-324) == 5e-324
    assert binary_exponent(sys.float_info.max) == 1023 and binary_unit(sys.float_info.max) == 2.0 ** 1023
    assert binary_exponent(TINY) == -1022 and binary_exponent(1.0) == 0 and binary_exponent(np.nextafter(1.0, 0)) == -1
    # nothing to divide by: 0, -0, negatives, infinity and NaN give the unit 1 (dividing by it changes nothing)
    odd = [0.0, -0.0, -3.0, math.inf, -math.inf, math.nan]
    assert [binary_exponent(x) for x in odd] == [0] * 6 and [binary_unit(x) for x in odd] == [1.0] * 6
    assert binary_exponents(np.array(odd)).tolist() == [0] * 6 and binary_units(np.array(odd)).tolist() == [1.0] * 6
    assert binary_exponents(np.zeros((2, 3))).shape == (2, 3) and binary_exponents(np.zeros((2, 3))).dtype.kind == "i"


def _exact_times_pow2(x, e):
    """``x * 2**e`` computed exactly, then rounded once to a float (inf beyond the largest float)."""
    exact = Fraction(x) * Fraction(2) ** e
    if x == 0:
        return x   # Fraction has no -0
    if abs(exact) > HUGE:   # float() would raise; the rounding of exact to the float grid past max is inf
        return math.copysign(math.inf, x)
    return float(exact)


@settings(max_examples=600, deadline=None)
@given(FINITE, st.integers(-2300, 2300))
def test_times_pow2_is_the_exact_product_rounded_once(x, e):
    with np.errstate(over="ignore"):
        got = float(times_pow2(x, e))
    truth = _exact_times_pow2(x, e)
    if abs(Fraction(x) * Fraction(2) ** e) > HUGE and abs(Fraction(x) * Fraction(2) ** e) < HUGE + Fraction(2) ** 970:
        return   # within half an ulp above the largest float: rounds down to it (float() raises there)
    assert got == truth and math.copysign(1.0, got) == math.copysign(1.0, truth)
    if -1074 <= e <= 1023 and math.isfinite(x * 2.0 ** e) and abs(x * 2.0 ** e) >= TINY:
        assert got == x * 2.0 ** e   # the naive product, wherever 2.0 ** e and the answer are both normal floats


def test_times_pow2_where_the_naive_product_fails():
    # 2.0 ** e alone leaves the float range: the naive product is an OverflowError or a lost value
    assert float(times_pow2(2.0 ** -1000, 1900)) == 2.0 ** 900
    assert float(times_pow2(2.0 ** 1000, -1900)) == 2.0 ** -900
    assert float(times_pow2(2.0 ** 1000, -2074)) == 5e-324 and float(times_pow2(2.0 ** 1000, -2076)) == 0.0
    assert float(times_pow2(5e-324, 2097)) == 2.0 ** 1023
    with np.errstate(over="ignore"):
        assert times_pow2(np.array([1.0, -1.0]), 1024).tolist() == [math.inf, -math.inf]
    with pytest.warns(RuntimeWarning, match="overflow"):   # a real overflow is reported, as numpy reports any
        times_pow2(1.0, 1024)
    assert times_pow2(np.array([0.0, math.inf, -math.inf]), 5000).tolist() == [0.0, math.inf, -math.inf]
    assert math.isnan(float(times_pow2(math.nan, 3)))
    # broadcast, with integer arrays of exponents
    got = times_pow2(np.array([[1.0, 3.0]]), np.array([[-1070], [1000]]))
    assert got.shape == (2, 2) and got[0, 1] == float(Fraction(3, 2 ** 1070)) and got[1, 0] == 2.0 ** 1000


def _norm_within(got, entries, ulps=16):
    """``got`` is the Euclidean norm of ``entries`` within ``ulps`` relative rounding errors and an absolute error of
    a few subnormal steps (a norm below the normal range is a subnormal), checked exactly in rationals."""
    squares = sum(Fraction(x) ** 2 for x in entries)
    if not math.isfinite(got):
        return squares > (HUGE * (1 - Fraction(ulps, 2 ** 53))) ** 2   # inf only when the norm nearly passes max
    tol = Fraction(got) * ulps / 2 ** 53 + Fraction(4, 2 ** 1074)
    return (max(Fraction(got) - tol, Fraction(0))) ** 2 <= squares <= (Fraction(got) + tol) ** 2


@settings(max_examples=300, deadline=None)
@given(st.lists(FINITE, min_size=1, max_size=8))
def test_scaled_norm_is_the_exact_norm_rounded_at_any_scale(entries):
    with np.errstate(over="ignore"):
        assert _norm_within(float(scaled_norm(np.array(entries))), entries)
        hyp = math.hypot(*entries)
    if math.isfinite(hyp) and hyp > 2 ** -1000:
        assert float(scaled_norm(np.array(entries))) == pytest.approx(hyp, rel=1e-14)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=6, max_size=6), st.integers(-1100, 1000))
def test_scaled_norm_of_rows_far_from_one(entries, k):
    # rows scaled by 2^k, where np.linalg.norm's squares overflow (k > 511) or underflow (k < -540)
    M = times_pow2(np.array(entries).reshape(2, 3), k)
    rows = scaled_norm(M, axis=1)
    for row, got in zip(M, rows):
        assert _norm_within(float(got), row.tolist())
    assert scaled_norm(M, axis=0).shape == (3,)


def test_scaled_norm_at_the_extremes():
    assert float(scaled_norm(np.array([3.0, 4.0]) * 2.0 ** 1000)) == 5.0 * 2.0 ** 1000   # squares: inf
    assert float(scaled_norm(np.array([3.0, 4.0]) * 2.0 ** -1060)) == 5.0 * 2.0 ** -1060   # squares: 0
    assert float(scaled_norm(np.array([5e-324, 0.0]))) == 5e-324 and float(scaled_norm(np.zeros(3))) == 0.0
    with np.errstate(over="ignore"):
        assert float(scaled_norm(np.array([1.5e308, 1.5e308]))) == math.inf   # the norm itself passes max
    assert float(scaled_norm(np.array([math.inf, 1.0]))) == math.inf   # as np.linalg.norm, not NaN
