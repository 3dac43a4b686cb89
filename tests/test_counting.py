"""Exact counting against closed forms, Pascal recurrences and math.comb."""

import functools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nnpartition as npn
from nnpartition import limits

from conftest import benchmark_script

# theory.md §1.5: regions r(L, d) for L hyperplanes in general position.
REGION_TABLE = {
    (1, 1): 2, (4, 2): 11, (4, 3): 15, (8, 2): 37, (8, 3): 93, (8, 5): 219, (8, 10): 256,
    (16, 3): 697, (16, 5): 6885, (16, 10): 58651, (32, 5): 242825, (32, 10): 107594213,
    (32, 20): 4058348603, (64, 2): 2081, (64, 3): 43745, (64, 5): 8303633,
    (64, 10): 184144458889, (64, 20): 34033913325232549,
    (3, 2): 7, (10, 2): 56, (30, 2): 466, (5, 3): 26, (10, 3): 176, (20, 5): 21700,
    (100, 10): 19415908147836,
}
BOUNDED_TABLE = {(3, 2): 1, (4, 2): 3, (10, 2): 36, (30, 2): 406, (5, 3): 4, (10, 3): 84,
                 (20, 5): 11628, (100, 10): 15579278510796}
COVER_TABLE = {(3, 2): (6, 0.75), (4, 2): (8, 0.5), (6, 3): (32, 0.5), (10, 5): (512, 0.5),
               (20, 10): (524288, 0.5), (21, 10): (863820, 0.411901474), (5, 5): (32, 1.0),
               (6, 5): (62, 0.96875), (40, 20): (549755813888, 0.5)}


@pytest.mark.parametrize("L,d", sorted(REGION_TABLE))
def test_regions_table(L, d):
    assert npn.regions(L, d) == REGION_TABLE[(L, d)]


@pytest.mark.parametrize("L,d", sorted(BOUNDED_TABLE))
def test_bounded_regions_table(L, d):
    assert npn.bounded_regions(L, d) == BOUNDED_TABLE[(L, d)]


@pytest.mark.parametrize("N,D", sorted(COVER_TABLE))
def test_cover_table(N, D):
    count, p = COVER_TABLE[(N, D)]
    assert npn.cover_count(N, D) == count
    assert npn.separable_probability(N, D) == pytest.approx(p, abs=1e-9)


def test_cover_60_digit_case():
    c = npn.cover_count(200, 100)
    assert c == 803469022129495137770981046170581301261101496891396417650688 == 2**199
    assert npn.separable_probability(200, 100) == 0.5


@given(st.integers(1, 300), st.integers(1, 60))
def test_regions_recurrence(L, d):
    assert npn.regions(L, d) == npn.regions(L - 1, d) + npn.regions(L - 1, d - 1)


@given(st.integers(0, 400), st.integers(0, 450))
def test_regions_equal_math_comb_sum(L, d):
    assert npn.regions(L, d) == sum(math.comb(L, i) for i in range(min(L, d) + 1))


@given(st.integers(1, 300), st.integers(1, 300))
def test_central_is_cover_and_matches_formula(L, d):
    expected = 2 * sum(math.comb(L - 1, i) for i in range(d))
    assert npn.regions(L, d, central=True) == expected == npn.cover_count(L, d)


@given(st.integers(2, 300), st.integers(1, 60))
def test_cover_recurrence(N, D):
    assert npn.cover_count(N + 1, D + 1) == npn.cover_count(N, D + 1) + npn.cover_count(N, D)


@given(st.integers(1, 2000))
def test_cover_at_capacity_is_half(D):
    assert npn.cover_count(2 * D, D) == 2 ** (2 * D - 1)
    assert npn.separable_probability(2 * D, D) == 0.5


@given(st.integers(1, 400), st.integers(1, 400))
def test_separable_probability_is_the_exact_ratio(N, D):
    from fractions import Fraction
    exact = Fraction(npn.cover_count(N, D), 2**N)
    assert npn.separable_probability(N, D) == pytest.approx(float(exact), rel=1e-15, abs=1e-300)


def test_separable_probability_at_a_million_points():
    # Too large for the exact sum within the work limit: the log-domain path must still be sharp.
    p = npn.separable_probability(10**6, 5 * 10**5)
    assert p == pytest.approx(0.5, rel=1e-12)
    assert 0.0 < npn.separable_probability(10**6, 499_000) < 0.5


@given(st.integers(2**63 - 2, 2**64 - 1), st.integers(1, 64))
@settings(max_examples=40)
def test_separable_probability_past_2_63_points(N, D):
    # At most N^D / 2^(N-1) (Cover's count is below N^D): 0 in float64. The exponent 2^(N-1) once wrapped an
    # int64 here, giving 8.0 or inf.
    assert npn.separable_probability(N, D) == 0.0
    # The complement: D = N - 1 leaves out one pair of labellings, 2 / 2^N.
    assert npn.separable_probability(N, N - 1) == 1.0


@given(st.integers(0, 3000), st.integers(0, 3000))
@settings(max_examples=60)
def test_log_regions_matches_exact(L, d):
    exact = npn.regions(L, d)
    assert npn.log_regions(L, d) == pytest.approx(math.log(exact), rel=1e-11, abs=1e-12)


def test_log_regions_huge():
    # Closed forms by the symmetry C(n, i) = C(n, n - i): half the 2^n subsets for odd n, S(n, (n-1)/2) = 2^(n-1);
    # for even n, S(n, n/2) = 2^(n-1) + C(n, n/2) / 2 (ln C(n, n/2) from lgamma), as the command-line test has it.
    # (The check here was finite and below n ln 2, which 0.0 passes.)
    n = 10**9
    ln_c = math.lgamma(n + 1) - 2 * math.lgamma(n // 2 + 1)
    even = (n - 1) * math.log(2) + math.log1p(math.exp(ln_c - n * math.log(2)))
    # the C(n, n/2) / 2 term adds about 2.5e-5 to the log: an absolute tolerance well below it (rel=1e-12 of 6.9e8
    # is 6.9e-4, which 2^(n-1) alone would pass)
    assert npn.log_regions(n, n // 2) == pytest.approx(even, rel=0, abs=1e-6)
    assert abs(even - (n - 1) * math.log(2)) > 1e-5
    assert npn.log_regions(n + 1, n // 2) == pytest.approx(n * math.log(2), rel=1e-12)
    assert npn.log_regions(n, n) == pytest.approx(n * math.log(2), rel=1e-12)


def test_large_exact_counts_are_fast_enough_and_exact():
    r = npn.regions(10**6, 10**4)
    # Cross-check the leading term's size: log2 C(1e6, 1e4) < log2 r < log2 C(1e6, 1e4) + 1.
    lc = (math.lgamma(10**6 + 1) - math.lgamma(10**4 + 1) - math.lgamma(10**6 - 10**4 + 1)) / math.log(2)
    assert lc < r.bit_length() < lc + 2
    assert npn.log_regions(10**6, 10**4) == pytest.approx(
        (r.bit_length() - 60) * math.log(2) + math.log(r >> (r.bit_length() - 60)), rel=1e-9)
    # Every digit, modulo a prime above L: r = sum_{k<=d} C(L, k), the binomials built up by k mod p.
    p, c, total = 1_000_000_007, 1, 1
    for k in range(1, 10**4 + 1):
        c = c * (10**6 - k + 1) % p * pow(k, p - 2, p) % p
        total = (total + c) % p
    assert type(r) is int and r % p == total


@given(st.integers(1, 200), st.integers(1, 10))
def test_bounded_regions_formula(L, d):
    assert npn.bounded_regions(L, d) == math.comb(L - 1, d)


def _serra_upper_brute(n0, widths):
    """Serra et al. 2018's upper bound as docs/counting.md defines it, by enumerating J: every (j_1 .. j_k) with
    0 <= j_l <= min(n0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l), each adding prod_l C(n_l, j_l)."""
    def rec(l, m, prod):
        if l == len(widths):
            return prod
        w = widths[l]
        return sum(rec(l + 1, min(m, w - j), prod * math.comb(w, j)) for j in range(min(m, w) + 1))
    return rec(0, n0, 1)


def _deep_bounds_brute(n0, widths):
    """The four bounds of docs/counting.md from their closed forms, with math.comb: (Montúfar 2014 lower, Serra 2018
    lower, Montúfar 2017 upper, Serra 2018 upper), a lower bound None where its precondition fails, and Serra's
    lower-bound formula evaluated regardless."""
    shallow_last = sum(math.comb(widths[-1], j) for j in range(n0 + 1))
    m14 = math.prod((w // n0) ** n0 for w in widths[:-1]) * shallow_last
    s18_formula = math.prod((w // n0 + 1) ** n0 for w in widths[:-1]) * shallow_last
    m17, dl = 1, n0
    for w in widths:
        dl = min(dl, w)
        m17 *= sum(math.comb(w, j) for j in range(dl + 1))
    return (m14 if min(widths) >= n0 else None, s18_formula if min(widths) >= 3 * n0 else None, m17,
            _serra_upper_brute(n0, widths), s18_formula)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6), st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_deep_bounds_against_their_closed_forms_by_brute_force(d, widths):
    b = npn.deep_region_bounds(d, widths)
    m14, s18, m17, s18u, _ = _deep_bounds_brute(d, widths)
    assert (b.montufar2014_lower, b.serra2018_lower, b.montufar2017_upper, b.serra2018_upper) == (m14, s18, m17, s18u)
    assert ("montufar2014_lower" in b.reasons) == (m14 is None) and ("serra2018_lower" in b.reasons) == (s18 is None)
    if d == 1 and min(widths[:-1], default=2) >= 2:
        # docs/counting.md's closed form in one dimension, every layer's pieces multiplying; it needs the layers
        # before the last at least 2 wide (a unit of a 1-wide layer switched on leaves the next no dimension:
        # [1, 1] has 3, not 4)
        assert b.serra2018_upper == math.prod(w + 1 for w in widths)


# The worked values of docs/counting.md, each also derived here by brute force (so a wrong entry in the docs fails).
DEEP_TABLE = [
    (1, [3, 3], 12, 16, 16, 16),
    (1, [4, 4, 4], 80, 125, 125, 125),
    (2, [8, 8], 592, 925, 1369, 1369),
    (2, [8, 8, 8], 9472, 23125, 50653, 50653),
    (3, [10, 3, 10], 4752, None, 247808, 66528),
    (3, [3, 3], 8, None, 64, 42),
    (2, [30], 466, 466, 466, 466),
]


@pytest.mark.parametrize("d,widths,m14,s18,m17,s18u", DEEP_TABLE)
def test_deep_bounds_table(d, widths, m14, s18, m17, s18u):
    b = npn.deep_region_bounds(d, widths)
    brute = _deep_bounds_brute(d, widths)
    assert brute[:4] == (m14, s18, m17, s18u)
    assert (b.montufar2014_lower, b.serra2018_lower, b.montufar2017_upper, b.serra2018_upper) == (m14, s18, m17, s18u)
    if s18 is None:
        assert "3 n0" in b.reasons["serra2018_lower"]
        assert brute[4] > s18u   # why the precondition matters (docs: 90,112 > 66,528 and 64 > 42)


def test_deep_bounds_udlbook_example():
    assert npn.deep_region_bounds(1, [5] * 10).serra2018_upper == 6**10 == 60466176


@given(st.integers(1, 4), st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_deep_bounds_are_ordered(d, widths):
    b = npn.deep_region_bounds(d, widths)
    assert b.serra2018_upper <= b.montufar2017_upper
    for lower in (b.montufar2014_lower, b.serra2018_lower):
        if lower is not None:
            assert lower <= b.serra2018_upper
    if len(widths) == 1:
        assert b.serra2018_upper == b.montufar2017_upper == npn.regions(widths[0], d)


def test_deep_bounds_work_check_counts_the_bits_the_counts_gather():
    """The work check counts the bits the programme's numbers gather layer by layer: 16,000 layers of 64 units in
    d = 64 (numbers of about a million bits, minutes of products; the check that ignored their growth let it run)
    are refused at once, while 400 layers of 400 units in d = 200 still answer, exactly: a layer at least twice as
    wide as the running dimension keeps it, so both upper bounds are the closed form (sum_{j <= 200} C(400, j))^400."""
    with pytest.raises(ValueError, match="big-integer operations"):
        npn.deep_region_bounds(64, [64] * 16000)
    b = npn.deep_region_bounds(200, [400] * 400)
    closed = sum(math.comb(400, j) for j in range(201)) ** 400
    assert b.serra2018_upper == b.montufar2017_upper == closed


def test_deep_bounds_cost_a_wide_layer_by_its_row_and_check_its_memory():
    """One layer of 150,000 units in d = 150,000: a row of 150,001 binomials of up to 150,000 bits (15 s and 4 GB, and
    an abort under a tighter address-space limit, when the check costed the row as a few products) is refused at once;
    a wide stack whose row is short (10 numbers of 233 bits) answers, exactly; and the memory the programme writes is
    checked against max_bytes."""
    with pytest.raises(ValueError, match="big-integer operations"):
        npn.deep_region_bounds(150_000, [150_000])
    assert npn.deep_region_bounds(10, [10**7] * 40).serra2018_upper == sum(math.comb(10**7, j) for j in range(11)) ** 40
    with limits.override(max_bytes=100 * 2**20), pytest.raises(ValueError, match="max_bytes"):
        npn.deep_region_bounds(50_000, [50_000])


def test_an_exact_count_is_checked_against_max_bytes():
    """regions(n, n) = 2^n at n = 2^26 - 1 is the largest exact count (8 MiB of digits): the call holds at least its
    digits and the Python int made of them, so it is refused under twice its size and given with room for a few
    copies."""
    n = 2**26 - 1
    with limits.override(max_bytes=2**24 - 1), pytest.raises(ValueError, match="max_bytes"):
        npn.regions(n, n)
    with limits.override(max_bytes=2**26):
        assert npn.regions(n, n) == 1 << n


def test_serra_upper_is_exact_product_in_one_dimension():
    assert npn.deep_region_bounds(1, [3, 7, 2]).serra2018_upper == 4 * 8 * 3


def test_deep_bounds_result_is_hashable_and_compared_by_value():
    a, b = npn.deep_region_bounds(3, [3, 3]), npn.deep_region_bounds(3, [3, 3])
    assert a == b and hash(a) == hash(b) and a.reasons   # holds a dict, hashes anyway
    assert a != npn.deep_region_bounds(2, [8, 8])


def test_counts_above_the_u64_limit_name_that_limit():
    with pytest.raises(ValueError, match=r"L must be >= 0 and <= 18446744073709551615, got 10{30}"):
        npn.regions(10**30, 2)
    with pytest.raises(ValueError, match=r"d must be >= 0 and <= 18446744073709551615"):
        npn.regions(3, 2**64)


@pytest.mark.parametrize("f", [npn.log_regions, npn.separable_probability])
def test_the_float_valued_counts_take_whole_floats_up_to_2_53(f):
    # A user audit: log_regions(1e12, 3) and separable_probability(21.0, 10) were refused as "must be an integer,
    # got float", where the estimator takes 10.0; they return floats, and a float up to 2**53 is the integer meant
    for n, m in [(1e12, 3), (21.0, 10), (np.float64(2.0**53), np.float32(7)), (np.array(40.0), 3.0)]:
        assert f(n, m) == f(int(n), int(m))
    for bad, exc, why in [(2.5, TypeError, "whole number"), (2.0**53 + 2, ValueError, "given as an int above 2**53"),
                          (float("nan"), ValueError, "finite"), (-1.0, ValueError, ">= 0")]:
        with pytest.raises(exc, match=rf"^[LN] must be .*{re.escape(why)}"):
            f(bad, 3)
        with pytest.raises(exc, match=rf"^[dD] must be .*{re.escape(why)}"):
            f(3, bad)


@pytest.mark.parametrize("call", [lambda x: npn.regions(x, 3), lambda x: npn.regions(3, x, central=True),
                                  lambda x: npn.bounded_regions(x, 2), lambda x: npn.cover_count(x, 10),
                                  lambda x: npn.deep_region_bounds(x, [3]), lambda x: npn.deep_region_bounds(2, [x])])
def test_the_exact_counts_refuse_a_whole_float_saying_how_to_write_the_integer(call):
    for x, whole in ((1e12, "1000000000000"), (21.0, "21"), (np.float64(4.0), "4")):
        with pytest.raises(TypeError, match=rf"must be an integer, got float.*\(give it as the int {whole}: the exact "
                                            r"count takes Python or numpy integers\)$"):
            call(x)
    with pytest.raises(TypeError, match=r"must be an integer, got float 2\.5$"):   # no hint for a fraction
        call(2.5)


def test_the_command_line_prints_counts_of_any_length(capsys):
    # Python refuses to turn ints of more than sys.get_int_max_str_digits() digits into text; the command lifts
    # that (here shown with the smallest limit Python allows, 640 digits, against an exact count of ~750)
    import sys

    from nnpartition.cli import main

    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no int-to-str limit in this Python")
    old = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(640)
        want = npn.regions(2500, 1250)
        assert main(["regions", "-L", "2500", "-d", "1250", "--json"]) == 0
        sys.set_int_max_str_digits(0)
        assert json.loads(capsys.readouterr().out)["regions"] == want and len(str(want)) > 640
    finally:
        sys.set_int_max_str_digits(old)


@pytest.mark.parametrize("n,m", [(2**63, 10), (2**63, 50), (10**12, 10), (2**64 - 1, 45), (2**52, 100)])
def test_log_regions_of_huge_n_against_exact_sums(n, m):
    """ln sum_{i <= m} C(n, i) for huge n and few terms against Python's exact integers: it used to go through
    n ln 2 (6e18 at n = 2^63, where doubles are 1024 apart) and read 0.0 or inf there, 1.2e-5 off at n = 10^12."""
    exact = math.log(sum(math.comb(n, i) for i in range(m + 1)))
    assert npn.log_regions(n, m) == pytest.approx(exact, rel=1e-12)


def test_deep_bounds_upper_and_layer_limit():
    """``upper`` is min(Montufar 2017, Serra 2018, 2^sum(widths)) without building a huge power it does not need,
    and a list of more than MAX_LAYERS widths is refused before its widths are checked one by one."""
    for d, widths in [(2, [3, 3]), (1, [1, 1, 1]), (3, [10, 3, 10]), (1, [2**30])]:
        b = npn.deep_region_bounds(d, widths)
        naive = min(b.montufar2017_upper, b.serra2018_upper)
        if sum(widths) < 64:
            naive = min(naive, 2 ** sum(widths))
        assert b.upper == naive
    too_many = npn.counting.MAX_LAYERS + 1
    with pytest.raises(ValueError, match=rf"{too_many} hidden layers need at least [0-9.e]+ big-integer operations"):
        npn.deep_region_bounds(1, [1] * (npn.counting.MAX_LAYERS + 1))


@pytest.mark.parametrize("layers", [npn.counting.MAX_LAYERS + 1, 10**6 + 1])
def test_deep_bounds_refuses_too_many_layers_by_the_cores_rule_in_its_words(layers):
    """Too many layers are refused by one rule, the core's work limit, in one message: the Python layer refused
    more than 10^6 layers by a limit of its own, in its own words ("above the limit of 1000000"), and fewer by the
    core's ("about ... big-integer operations needed"). The Python check (before the widths are read) and the core's
    (a list given to it directly) now give the same message, for a list and for a generator of that many."""
    from nnpartition import _core

    widths = [2] * layers
    with pytest.raises(ValueError) as core:
        _core.deep_region_bounds(1, widths)
    with pytest.raises(ValueError) as python:
        npn.deep_region_bounds(1, widths)
    assert str(python.value) == str(core.value)
    assert f"{layers} hidden layers need at least" in str(core.value) and "(limit 3e9;" in str(core.value)
    # the limit is where the count alone passes the work limit: the count check takes MAX_LAYERS
    assert _core.deep_bounds_check_layers(npn.counting.MAX_LAYERS) is None
    if layers == npn.counting.MAX_LAYERS + 1:   # a generator is read no further than that
        with pytest.raises(ValueError) as gen:
            npn.deep_region_bounds(1, (2 for _ in range(layers + 10)))
        assert str(gen.value) == str(core.value)


def test_deep_bounds_widths_must_be_an_ordered_sequence():
    """The bounds depend on the widths' order: a set or a mapping (which iterates its keys) was read in whatever order
    it iterates, a 0-d array was "len() of unsized object", and a generator was read to its end (an endless one
    forever) before its length was checked."""
    for bad in ({3, 40}, {3: 1, 40: 2}, np.array(3), np.array([[3, 3]])):
        with pytest.raises(TypeError, match="widths must be a list"):
            npn.deep_region_bounds(2, bad)
    with pytest.raises(ValueError, match=f"{npn.counting.MAX_LAYERS + 1} hidden layers need at least"):
        npn.deep_region_bounds(1, (1 for _ in range(npn.counting.MAX_LAYERS + 2)))
    assert npn.deep_region_bounds(2, (w for w in [3, 40])) == npn.deep_region_bounds(2, [3, 40])


# ---------------------------------------------------------------- the log of a count too large to be exact

from nnpartition.cli import main  # noqa: E402


def _fails_with_one_line(capsys, argv, *needles):
    assert main(argv) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_the_exact_count_refusal_points_to_log_regions_and_regions_log(capsys):
    # the command's refusal in its own words: its options and the option that prints the logarithm, not the Python
    # call and function the library names (it had both: "regions(L=400000, d=200000): ...; log_regions(L, d) gives
    # its logarithm; on the command line, ... --log ...")
    line = _fails_with_one_line(capsys, ["regions", "-L", "400000", "-d", "200000"],
                                "error: -L 400000 -d 200000: binomial partial sum S(400000, 200000)",
                                "; nnpartition regions -L 400000 -d 200000 --log prints ln(regions)")
    assert "log-domain function" not in line and "log_regions" not in line and "regions(L=" not in line
    with pytest.raises(ValueError, match=r"regions\(L=400000, d=200000\): binomial partial sum S\(400000, 200000\)"
                                         r".*; log_regions\(L, d\) gives its logarithm$"):
        npn.regions(400000, 200000)
    # the binomial of bounded_regions is named as one (the core wrote S(n, m), a partial sum, for it too)
    with pytest.raises(ValueError, match=r"bounded_regions\(L=400000, d=200000\): binomial coefficient "
                                         r"C\(399999, 199999\)"):
        npn.bounded_regions(400000, 200000)


@pytest.mark.parametrize("call,question,log", [
    (lambda n, m: npn.regions(n, m), "regions(L=400000, d=200000)", "log_regions(L, d) gives its logarithm"),
    (lambda n, m: npn.regions(n, m, central=True), "regions(L=400000, d=200000, central=True)",
     "log(2) + log_regions(L - 1, d - 1)"),
    (lambda n, m: npn.cover_count(n, m), "cover_count(N=400000, D=200000)", "log(2) + log_regions(N - 1, D - 1)"),
    (lambda n, m: npn.bounded_regions(n, m), "bounded_regions(L=400000, d=200000)",
     "math.lgamma(L) - math.lgamma(d + 1) - math.lgamma(L - d)"),
])
def test_an_exact_count_refused_names_the_call_and_the_log_that_is_its_own(call, question, log):
    # An audit: each was refused as "binomial partial sum (or coefficient): ...; log_regions / log_partial_binomial_sum
    # give its logarithm", naming no argument, pointing to a function that is not public, and for cover_count and
    # bounded_regions to a log_regions that is not their logarithm. The hints are checked on a size that is counted.
    with pytest.raises(ValueError, match=r"big-integer operations \(limit 3e9") as info:
        call(400000, 200000)
    msg = str(info.value)
    assert msg.startswith(question + ": ") and msg.endswith(log) and "log_partial_binomial_sum" not in msg
    assert msg.count("logarithm") == 1                       # its own hint, not the core's beside it
    L = N = 3000
    d = D = 1000
    hint = {"L": L, "d": d, "N": N, "D": D, "log": math.log, "log_regions": npn.log_regions, "math": math}
    expr = log.replace(" gives its logarithm", "")
    assert math.log(call(3000, 1000)) == pytest.approx(eval(expr, hint), rel=1e-12)


@pytest.mark.parametrize("call", [
    lambda: npn.regions(10**10, 10**10), lambda: npn.regions(10**10, 10**10, central=True),
    lambda: npn.cover_count(10**10, 10**10), lambda: npn.bounded_regions(10**10, 10**9),
])
def test_an_exact_count_refused_is_a_public_value_error(call):
    # A new user's walkthrough: the refusal's type printed as "_TooLarge", a private name (a subclass of ValueError
    # the command line catches); the user now sees a ValueError itself. Fails on the old code (its __name__).
    with pytest.raises(ValueError, match="for an exact count; .*logarithm") as info:
        call()
    assert type(info.value) is ValueError and not type(info.value).__name__.startswith("_")
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("L,d", [(50, 10), (7, 3), (3, 7), (1, 1), (0, 4), (5, 0), (1, 0), (0, 0), (300, 150)])
@pytest.mark.parametrize("central", [False, True])
def test_regions_log_prints_the_log_of_the_exact_count(capsys, L, d, central):
    flag = ["--central"] if central else []
    assert main(["regions", "-L", str(L), "-d", str(d), "--log", "--json", *flag]) == 0
    out = json.loads(capsys.readouterr().out)
    exact = npn.regions(L, d, central=central)
    assert out["log_regions"] == pytest.approx(math.log(exact), rel=1e-11, abs=1e-12), (L, d, central, exact)
    assert main(["regions", "-L", str(L), "-d", str(d), "--log", *flag]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"ln(regions): {math.log(exact):.6f}"


def test_regions_log_works_where_the_exact_count_is_refused(capsys, tmp_path):
    layer = tmp_path / "w.npz"
    np.savez(layer, W=np.ones((2, 3)), b=np.zeros(3))
    assert main(["regions", "-L", "400000", "-d", "200000", "--log", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["log_regions"]
    # S(n, n/2) = 2^(n-1) + C(n, n/2) / 2, and ln C(n, n/2) from lgamma
    n = 400000
    ln_c = math.lgamma(n + 1) - 2 * math.lgamma(n // 2 + 1)
    expected = (n - 1) * math.log(2) + math.log1p(math.exp(ln_c - n * math.log(2)))
    assert got == pytest.approx(expected, rel=1e-12)
    _fails_with_one_line(capsys, ["regions", "--weights", str(layer), "--box", "-1", "1", "--log"],
                         "--log applies to the -L/-d count only")


def test_deep_bounds_repr_shows_a_huge_bound_by_its_digits():
    # An audit: repr(deep_region_bounds(2, [10**6] * 1000)) raised Python's integer-string limit (4,300 digits), so
    # the result could not be shown. The repr's leading digits and digit count are checked against the full decimal
    # string, built here with the limit lifted.
    import sys

    b = npn.deep_region_bounds(2, [10**6] * 1000)
    text = repr(b)
    assert text.startswith("DeepRegionBounds(d=2, widths=(1000000, ")
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no int-to-str limit in this Python")
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        for name in ("montufar2014_lower", "serra2018_lower", "montufar2017_upper", "serra2018_upper"):
            full = str(getattr(b, name))
            assert f"{name}=<{len(full)}-digit int {full[0]}.{full[1:10]}e+{len(full) - 1}>" in text
    finally:
        sys.set_int_max_str_digits(old)
    small = npn.deep_region_bounds(2, [8, 8])   # small bounds in full, as the dataclass printed them
    assert repr(small) == ("DeepRegionBounds(d=2, widths=(8, 8), montufar2014_lower=592, serra2018_lower=925, "
                           "montufar2017_upper=1369, serra2018_upper=1369, reasons={})")


@pytest.mark.parametrize("L,d", [(0, 0), (1, 1), (5, 2), (12, 3), (7, 9), (40, 1)])
def test_cli_central_json_gives_ln_regions_as_the_affine_count_does(L, d, capsys):
    # An audit: `regions --central --json` gave "log_regions": null, although `--central --log` computes it. Checked
    # against ln of the exact count it prints, and against --log's own answer.
    from nnpartition.cli import main

    assert main(["regions", "-L", str(L), "-d", str(d), "--central", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["log_regions"] == pytest.approx(math.log(out["regions"]), rel=1e-12, abs=1e-12)
    assert main(["regions", "-L", str(L), "-d", str(d), "--central", "--log", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["log_regions"] == pytest.approx(out["log_regions"], rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- independent closed forms at the edges and at huge n

def _central_closed_form(L, d):
    """Regions of L central hyperplanes in general position in R^d: one when there is nothing to cut (L = 0) or
    nowhere to cut it (d = 0, a point), else 2 sum_{i<d} C(L-1, i)."""
    return 1 if L == 0 or d == 0 else 2 * sum(math.comb(L - 1, i) for i in range(d))


def _cover_closed_form(N, D):
    """Cover's count of the labellings of N points in general position in R^D a hyperplane through the origin
    separates: the empty labelling of no points (N = 0), none in R^0 (D = 0), else 2 sum_{k<D} C(N-1, k)."""
    return 1 if N == 0 else 0 if D == 0 else 2 * sum(math.comb(N - 1, k) for k in range(D))


def _bounded_closed_form(L, d):
    """Bounded regions: C(L-1, d); with no hyperplane the whole space, bounded only when it is the point R^0."""
    return (1 if d == 0 else 0) if L == 0 else math.comb(L - 1, d)


def test_every_count_at_the_boundaries_against_its_closed_form():
    """k = 0, n = k, n < k and n = 0 for every count, all pairs up to 14 x 16, each against its closed form built
    here with math.comb and Fraction (the other tests draw L, d, N, D >= 1 for the central count, Cover's count and
    the probability), and Zaslavsky's split of the affine regions into the bounded ones and the unbounded ones,
    which are the regions of the central arrangement of the same normals (d >= 1; in R^0 the one region is
    bounded)."""
    from fractions import Fraction

    for L in range(15):
        for d in range(17):
            assert npn.regions(L, d) == sum(math.comb(L, i) for i in range(d + 1)), (L, d)
            assert npn.regions(L, d, central=True) == _central_closed_form(L, d), (L, d)
            assert npn.cover_count(L, d) == _cover_closed_form(L, d), (L, d)
            assert npn.bounded_regions(L, d) == _bounded_closed_form(L, d), (L, d)
            assert npn.separable_probability(L, d) == float(Fraction(_cover_closed_form(L, d), 2**L)), (L, d)
            assert npn.log_regions(L, d) == pytest.approx(math.log(npn.regions(L, d)), rel=1e-12, abs=1e-15)
            if d >= 1:
                assert npn.regions(L, d) == npn.bounded_regions(L, d) + npn.regions(L, d, central=True), (L, d)


@pytest.mark.parametrize("n", [2**61, 2**62, 2**64 - 1])
@pytest.mark.parametrize("s", [40, 41, 60, 101, 599])
def test_log_counts_far_from_the_middle_of_huge_n_are_finite(n, s):
    # A review of the forty-fifth pass: with 40-600 hyperplanes (or dimensions) short of n, ln C(n, k) / 2^n read
    # +inf (t = (2k - n)/n rounded to -1), so log_regions was nan and separable_probability -inf. The sums are 2^n
    # less a share below 2^-(n - 600 log2 n) of it: n ln 2 to the last digit, and probability 1; and at the other end
    # the largest term's share, ln C(n, s) against the sum of the logs of its correctly rounded ratios.
    assert npn.log_regions(n, n - s) == pytest.approx(n * math.log(2), rel=1e-15)
    assert npn.separable_probability(n, n - s) == 1.0
    ln_c = math.fsum(math.log((n - i) / (i + 1)) for i in range(s))
    assert npn.log_regions(n, s) == pytest.approx(ln_c, rel=1e-10)


@settings(max_examples=60)
@given(st.integers(2**32, 2**64 - 1), st.integers(0, 25))
def test_exact_counts_of_huge_n_against_math_comb(n, k):
    """Huge n, few terms: every exact count against Python's math.comb sums (test_regions_equal_math_comb_sum stops
    at L = 400), log_regions against the log of the exact sum, and the Zaslavsky split, at n up to 2^64 - 1."""
    affine = sum(math.comb(n, i) for i in range(k + 1))
    assert npn.regions(n, k) == affine
    assert npn.regions(n, k, central=True) == _central_closed_form(n, k)
    assert npn.cover_count(n, k) == _cover_closed_form(n, k)
    assert npn.bounded_regions(n, k) == math.comb(n - 1, k)
    assert npn.log_regions(n, k) == pytest.approx(math.log(affine), rel=1e-12, abs=1e-15)
    if k >= 1:
        assert affine == npn.bounded_regions(n, k) + npn.regions(n, k, central=True)


@functools.lru_cache(maxsize=None)
def _claims():
    """``benchmarks/claims_counting.py``, whose two references (a 40-digit decimal sum, the Edgeworth expansion)
    these tests share with the figures docs/counting.md states."""
    return benchmark_script("claims_counting")


@settings(max_examples=12, deadline=None)
@given(st.integers(10**6, 10**8), st.floats(-8.0, -0.5))
def test_separable_probability_in_the_log_domain_against_decimal_arithmetic(N, z):
    """Between a million and 10^8 points, D about z standard deviations below N / 2, the exact sum is refused and the
    log-domain path answers (the other tests check it only at N / 2 and past 2^63, where it is 0.5, 0 or 1): its
    value against the binomial tail in 40-digit decimal arithmetic, P = P(Bin(N - 1, 1/2) <= D - 1)."""
    m = N - 1
    k = (m + int(z * math.isqrt(m))) // 2
    assert npn.separable_probability(N, k + 1) == pytest.approx(_claims().cdf_decimal(m, k), rel=1e-11)


@settings(max_examples=60, deadline=None)
@given(st.integers(10**14, 2**64 - 1), st.floats(-8.0, 8.0))
def test_separable_probability_of_huge_n_against_the_normal_limit(N, z):
    """From 10^14 points to 2^64 - 1, against the binomial's Edgeworth expansion with continuity correction,
    P(Bin(m, 1/2) <= k) = Phi(x) + phi(x) (x^3 - 3x) / (12 m), x = (2k + 1 - m) / sqrt(m) (an error below 1e-12 of P
    at these sizes for |x| <= 8; 2k + 1 - m exact in integers). Until the forty-fifth pass the core's accuracy fell
    with sqrt(N) (about 1e-8 at 10^14, 5e-6 near 2^64 in the far tail: 2k - n formed from doubles, and a sum that
    cancelled terms of size sqrt(n) |z|); since then it is about 4e-12 at every size (docs/counting.md)."""
    pytest.importorskip("scipy")
    m = N - 1
    k = (m + int(z * math.isqrt(m))) // 2
    assert npn.separable_probability(N, k + 1) == pytest.approx(_claims().cdf_edgeworth(m, k), rel=1e-11)
