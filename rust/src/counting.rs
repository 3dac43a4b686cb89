//! Exact counting with big integers: hyperplane-arrangement regions, Cover's
//! function-counting theorem and region bounds for deep ReLU networks.
//!
//! All counts reduce to partial sums of binomial coefficients
//! `S(n, m) = sum_{k=0}^{m} C(n, k)`, computed term by term with the exact
//! recurrence `C(n, k+1) = C(n, k) (n - k) / (k + 1)`; above `n / 2` the
//! complement `2^n - S(n, n - m - 1)` is summed instead, so the work is
//! `min(m, n - m)` big-integer steps.
//!
//! The second half of this module is log-domain counting for sizes where exact
//! big integers are not wanted (`L`, `d` up to 1e9): natural logs of binomial
//! partial sums and the fair-coin binomial CDF, without overflow or big integers.

use crate::error::{CoreError, CoreResult};
use crate::limits::{self, Cancel};
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};
use std::f64::consts::LN_2;

/// Upper limit on the estimated work (64-bit limb operations) of one exact
/// partial sum: a few seconds on one core at most (`regions(356000, 178000)`, just under it, 5 s); beyond it
/// the caller is told to use the log-domain functions.
pub const MAX_LIMB_WORK: f64 = 3.0e9;

/// Largest exact count, in bits (2^26, 8 MiB; about 20 million decimal digits): turning a larger
/// integer into a Python `int` holds the interpreter for seconds, and nobody reads its digits.
pub const MAX_EXACT_BITS: f64 = (1u64 << 26) as f64;

/// Estimated limb operations of `S(n, m)` (used to refuse absurd requests up front).
/// Term `k` of the recurrence has about `log2 C(n, k)` bits, at most that of the
/// last term; the complement (`m > n / 2`) also subtracts from an `n`-bit `2^n`.
pub fn partial_sum_work(n: u64, m: u64) -> f64 {
    if m >= n {
        return n as f64 / 64.0 + 1.0;
    }
    let steps = m.min(n - m);
    let bits = ln_binomial(n, steps) / LN_2 + 1.0;
    let complement = if m > n / 2 { n as f64 / 64.0 } else { 0.0 };
    // Three passes (mul, div, add) per step.
    steps as f64 * (bits / 64.0 + 1.0) * 3.0 + complement
}

/// Bits of the exact `S(n, m)` (an upper bound).
fn partial_sum_bits(n: u64, m: u64) -> f64 {
    if m >= n || m > n / 2 {
        n as f64 + 1.0
    } else {
        ln_binomial(n, m) / LN_2 + (m as f64 + 1.0).log2() + 1.0
    }
}

/// Refuse an exact `symbol(n, m)` (`S`: the partial sum `sum_{i<=m} C(n, i)`; `C`: the binomial) too large to
/// compute, naming it as `what symbol(n, m)`.
fn check_work(n: u64, m: u64, what: &str, symbol: char) -> CoreResult<()> {
    let bits = partial_sum_bits(n, m);
    if bits > MAX_EXACT_BITS {
        return Err(CoreError::TooLarge(format!(
            "{what} {symbol}({n}, {m}) has about {bits:.3e} bits, above the limit of {MAX_EXACT_BITS:.0} bits for an \
             exact count"
        )));
    }
    // The integer, its Python copy and one temporary.
    limits::check_bytes(&format!("{what} {symbol}({n}, {m})"), 3.0 * partial_sum_bits(n, m) / 8.0)?;
    let w = partial_sum_work(n, m);
    if w > MAX_LIMB_WORK {
        return Err(CoreError::TooLarge(format!(
            "{what} {symbol}({n}, {m}): the exact count would need about {w:.1e} big-integer operations \
             (limit {MAX_LIMB_WORK:.0e}, a few seconds)"
        )));
    }
    Ok(())
}

/// `sum_{k=0}^{k_max} C(n, k)` by direct summation (no complement trick);
/// stops when the call's [`Cancel`] token fires.
fn direct_partial_sum(n: u64, k_max: u64) -> CoreResult<BigUint> {
    let cancel = Cancel::current();
    let mut term = BigUint::one();
    let mut total = BigUint::one();
    for k in 0..k_max.min(n) {
        if k % 1024 == 0 {
            cancel.check()?;
        }
        term *= n - k;
        term /= k + 1;
        total += &term;
    }
    Ok(total)
}

/// Exact `S(n, m) = sum_{k=0}^{min(m, n)} C(n, k)`.
pub fn binomial_partial_sum(n: u64, m: u64) -> CoreResult<BigUint> {
    check_work(n, m, "binomial partial sum", 'S')?;
    if m >= n {
        return Ok(BigUint::one() << n);
    }
    if m <= n / 2 {
        direct_partial_sum(n, m)
    } else {
        // S(n, m) = 2^n - sum_{k=m+1}^{n} C(n, k) = 2^n - S(n, n - m - 1).
        let tail = direct_partial_sum(n, n - m - 1)?;
        Ok((BigUint::one() << n) - tail)
    }
}

/// Exact binomial coefficient `C(n, k)` (0 when `k > n`).
pub fn binomial(n: u64, k: u64) -> CoreResult<BigUint> {
    if k > n {
        return Ok(BigUint::zero());
    }
    let k = k.min(n - k);
    check_work(n, k, "binomial coefficient", 'C')?;
    let cancel = Cancel::current();
    let mut term = BigUint::one();
    for i in 0..k {
        if i % 1024 == 0 {
            cancel.check()?;
        }
        term *= n - i;
        term /= i + 1;
    }
    Ok(term)
}

/// Regions cut by `l` affine hyperplanes in general position in `R^d`:
/// `sum_{i=0}^{min(l, d)} C(l, i)`.
///
/// ```
/// use _core::counting::regions;
/// // Deletion and restriction: the L-th hyperplane adds the regions it is cut into by the other L - 1, the
/// // regions of L - 1 hyperplanes in R^(d-1).
/// for (l, d) in [(5u64, 2u64), (9, 3), (40, 6)] {
///     assert_eq!(regions(l, d)?, regions(l - 1, d)? + regions(l - 1, d - 1)?);
/// }
/// // L points cut a line into L + 1 pieces; with L <= d every sign vector is a region: 2^L.
/// assert_eq!(regions(7, 1)?, 8u32.into());
/// assert_eq!(regions(10, 12)?, (1u32 << 10).into());
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn regions(l: u64, d: u64) -> CoreResult<BigUint> {
    binomial_partial_sum(l, d)
}

/// Regions cut by `l` central hyperplanes (through the origin) in general
/// position in `R^d`: `2 sum_{i=0}^{d-1} C(l-1, i)`; 1 when `l = 0` or `d = 0`.
pub fn central_regions(l: u64, d: u64) -> CoreResult<BigUint> {
    if l == 0 || d == 0 {
        return Ok(BigUint::one());
    }
    Ok(binomial_partial_sum(l - 1, d - 1)? << 1u32)
}

/// Bounded regions of `l` affine hyperplanes in general position in `R^d`:
/// `C(l - 1, d)` (0 when `l <= d`); `d = 0` gives 1 (the point `R^0`).
pub fn bounded_regions(l: u64, d: u64) -> CoreResult<BigUint> {
    if d == 0 {
        return Ok(BigUint::one());
    }
    if l == 0 {
        return Ok(BigUint::zero());
    }
    binomial(l - 1, d)
}

/// Cover (1965): dichotomies of `n` points in general position in `R^dim`
/// separable by a hyperplane through the origin, `2 sum_{k<dim} C(n-1, k)`.
/// `cover_count(0, dim) = 1` (the empty labelling) and `cover_count(n, 0) = 0`
/// for `n >= 1` (no hyperplane through the origin of `R^0`), consistent with
/// [`separable_probability`].
pub fn cover_count(n: u64, dim: u64) -> CoreResult<BigUint> {
    if n == 0 {
        return Ok(BigUint::one());
    }
    if dim == 0 {
        return Ok(BigUint::zero());
    }
    central_regions(n, dim)
}

/// `x * 2^exp2` as the nearest `f64` (unless it is subnormal), without overflow for huge `x` and tiny `2^exp2`:
/// the top 64 bits of `x`, the last of them set if any bit below is (a sticky bit: the top 64 bits alone rounded
/// `2^64 + 2^11 + 1` to `2^64`, not to the nearer `2^64 + 2^12`, until a mutation-testing pass).
pub fn big_times_pow2(x: &BigUint, exp2: i64) -> f64 {
    if x.is_zero() {
        return 0.0;
    }
    let bits = x.bits() as i64;
    let shift = (bits - 64).max(0);
    let sticky = x.trailing_zeros().is_some_and(|z| z < shift as u64);
    let top = ((x >> (shift as u64)).to_u64().expect("64 bits fit") | u64::from(sticky)) as f64;
    let e = shift + exp2;
    let e = e.clamp(i32::MIN as i64 / 2, i32::MAX as i64 / 2) as i32;
    libm::scalbn(top, e)
}

/// Probability that `n` i.i.d. fair-coin labels on `n` points in general
/// position in `R^dim` are separable by a hyperplane through the origin:
/// `Cov(n, dim) / 2^n = S(n - 1, dim - 1) / 2^(n - 1)`. Exact big-integer
/// ratio rounded to `f64` when affordable, log-domain otherwise.
pub fn separable_probability(n: u64, dim: u64) -> f64 {
    if n == 0 || dim >= n {
        return 1.0;
    }
    if dim == 0 {
        return 0.0;
    }
    match binomial_partial_sum(n - 1, dim - 1) {
        // `n - 1` past `i64::MAX` saturates: an exact sum is at most a few gigabytes of bits (its memory is
        // checked), so its ratio to `2^(n - 1)` underflows to 0 at either exponent (`n - 1` cast as `i64` wrapped,
        // and gave 8.0 or inf for `n` near `2^64`).
        Ok(s) => big_times_pow2(&s, -i64::try_from(n - 1).unwrap_or(i64::MAX)),
        Err(_) => binomial_cdf_half(n - 1, dim - 1),
    }
}

/// Which bounds of [`deep_region_bounds`] apply, and their values.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepBounds {
    pub montufar2014_lower: Option<BigUint>,
    pub serra2018_lower: Option<BigUint>,
    pub montufar2017_upper: BigUint,
    pub serra2018_upper: BigUint,
    /// Why a lower bound is `None` (empty string where it applies).
    pub montufar2014_reason: String,
    pub serra2018_reason: String,
}

/// Row `C(n, 0..=kmax)` of binomial coefficients; stops when `cancel` fires.
fn binomial_row(n: u64, kmax: u64, cancel: &Cancel) -> CoreResult<Vec<BigUint>> {
    let kmax = kmax.min(n);
    let mut row = Vec::with_capacity(kmax as usize + 1);
    let mut term = BigUint::one();
    row.push(term.clone());
    let mut since = 0usize;
    for k in 0..kmax {
        term *= n - k;
        term /= k + 1;
        row.push(term.clone());
        // a step costs a few passes over the term's limbs, and its copy fresh memory (counted 8 times a limb)
        since += 11 * (term.bits() as usize / 64 + 1);
        if since >= limits::CHECK_WORK {
            since = 0;
            cancel.check()?;
        }
    }
    Ok(row)
}

/// The live running dimensions `[lo, hi]` after a layer of width `w`: state `m` goes to `min(m, w - j)` for
/// `j <= min(m, w)`.
fn live_after(lo: u64, hi: u64, w: u64) -> (u64, u64) {
    (lo.min(w.saturating_sub(hi)), hi.min(w))
}

/// Bits of the largest of `C(w, 0..=k)`, at most: `C(w, j) <= (w + 1)^j` and `<= 2^w`.
fn row_bits(w: f64, k: f64) -> f64 {
    w.min(k * (w + 1.0).log2()).max(1.0)
}

/// `sum_{m = lo}^{hi} (min(m, w) + 1)`: the products state `m` of the programme takes in a layer of width `w`.
fn products_between(lo: f64, hi: f64, w: f64) -> f64 {
    let below = hi.min(w);
    let first = if below >= lo { (below - lo + 1.0) * (lo + below + 2.0) / 2.0 } else { 0.0 };
    let beyond = (hi - lo.max(w + 1.0) + 1.0).max(0.0) * (w + 1.0);
    first + beyond
}

/// Work (64-bit limb operations, plus one per byte of big integers written) and peak memory (bytes) of
/// [`deep_region_bounds`]'s dynamic programme, about, for running-dimension bound `top = min(n0, max width)`.
/// The live states are an interval `[lo, hi]` of running dimensions (one state, `top`, before the first layer;
/// `hi <- min(hi, w)`, `lo <- min(lo, max(w - hi, 0))`); layer `l` builds the row `C(w, 0..=min(hi, w))`, numbers
/// of up to `row_bits` bits, and state `m` multiplies its count, of up to `B_l` bits (the bits the counts have
/// gathered, at most `row_bits` per earlier layer), by `min(m, w) + 1` of them. Fresh memory costs more than
/// arithmetic on it: one wide layer (`d = 10^5`, 10^5 units) writes 2.5 GB of row and states, which took 3-4 s.
/// Counting the bits the counts gather matters for deep stacks: 4,000 layers of 64 units in `d = 64` took 19 s
/// when the estimate ignored them.
fn deep_bounds_cost(n0: u64, widths: &[u64]) -> (f64, f64) {
    let top = n0.min(widths.iter().copied().max().unwrap_or(0));
    let (mut lo, mut hi) = (top, top);
    let (mut bits, mut peak) = (0.0f64, 0.0f64);
    // the exact shallow count of the last layer (the lower bounds' factor) and the 2017 bound's partial sums
    let last = *widths.last().unwrap_or(&1);
    let mut work = partial_sum_work(last, n0.min(last));
    let mut dl = n0;
    for &w in widths {
        dl = dl.min(w);
        work += partial_sum_work(w, dl);
    }
    for &w_int in widths {
        let (new_lo, new_hi) = live_after(lo, hi, w_int);
        let (w, lo_f, hi_f, k) = (w_int as f64, lo as f64, hi as f64, new_hi as f64);
        let rb = row_bits(w, k);
        let (row_limbs, count_limbs) = (rb / 64.0 + 1.0, bits / 64.0 + 1.0);
        let new_bits = bits + rb + (k + 2.0).log2();
        let row_bytes = (k + 1.0) * (rb / 8.0 + 32.0);
        // the live states before and after the layer (32 bytes an integer, and its digits)
        let states_bytes =
            (hi_f - lo_f + 1.0) * (bits / 8.0 + 32.0) + ((new_hi - new_lo) as f64 + 1.0) * (new_bits / 8.0 + 32.0);
        // the row (a multiplication and a division a step), the products, a few products of the other bounds,
        // and the bytes written
        work += 3.0 * (k + 1.0) * row_limbs
            + (products_between(lo_f, hi_f, w) + 4.0) * count_limbs * row_limbs
            + row_bytes
            + states_bytes;
        peak = peak.max(row_bytes + states_bytes);
        bits = new_bits;
        lo = new_lo;
        hi = new_hi;
    }
    (work, peak)
}

/// The least [`deep_bounds_cost`] work of `layers` hidden layers, whatever `d` and the widths: each term of that
/// estimate at its least (a layer's row of at least 2 numbers of at least 1 bit, at least 2 products by a count
/// that gathers at least `1 + log2 3` bits a layer, at least 1 operation a partial sum), which it is for no widths
/// exactly, so that a count of layers is refused only where every widths would be (tested on random widths).
fn least_deep_work(layers: usize) -> f64 {
    let (k, rb) = (1.0f64, 1.0f64);
    let (row_limbs, row_bytes) = (rb / 64.0 + 1.0, (k + 1.0) * (rb / 8.0 + 32.0));
    let mut work = layers as f64 + 1.0;
    let mut bits = 0.0f64;
    for _ in 0..layers {
        let new_bits = bits + rb + (k + 2.0).log2();
        work += 3.0 * (k + 1.0) * row_limbs
            + (2.0 + 4.0) * (bits / 64.0 + 1.0) * row_limbs
            + row_bytes
            + (bits / 8.0 + 32.0)
            + (new_bits / 8.0 + 32.0);
        bits = new_bits;
    }
    work
}

/// The most hidden layers [`deep_region_bounds`] takes: more cost more than [`MAX_LIMB_WORK`] whatever `d` and the
/// widths, by the estimate that prices every call (`least_deep_work`, tested). Python reads it
/// (`_core.DEEP_BOUNDS_MAX_LAYERS`) to stop reading a longer list or generator.
pub const DEEP_BOUNDS_MAX_LAYERS: usize = 81_839;

/// The work refusal of [`deep_region_bounds`], in one set of words whichever path refuses: `work` operations
/// (about, or at least when `layers` are refused by their count alone).
fn deep_bounds_refusal(work: f64, layers: Option<usize>) -> CoreError {
    let what = match layers {
        None => format!("about {work:.1e} big-integer operations needed"),
        Some(n) => format!("{n} hidden layers need at least {work:.1e} big-integer operations"),
    };
    CoreError::TooLarge(format!(
        "deep_region_bounds: {what} (limit {MAX_LIMB_WORK:.0e}; at most {DEEP_BOUNDS_MAX_LAYERS} hidden layers fit)"
    ))
}

/// Refuse `layers` hidden layers for [`deep_region_bounds`] by their count alone, before their widths are read: past
/// [`DEEP_BOUNDS_MAX_LAYERS`], the least work of as many layers (`least_deep_work`, of at most 64 times the
/// limit's layers: it rises with their count) is past [`MAX_LIMB_WORK`]. The same rule and words as the work check
/// of a call, which makes this check first.
pub fn check_deep_layers(layers: usize) -> CoreResult<()> {
    if layers <= DEEP_BOUNDS_MAX_LAYERS {
        return Ok(());
    }
    Err(deep_bounds_refusal(least_deep_work(layers.min(64 * DEEP_BOUNDS_MAX_LAYERS)), Some(layers)))
}

/// Linear-region bounds of a deep ReLU network with input dimension `n0` and
/// hidden widths `widths` (see `theory.md` §6):
/// Montúfar et al. 2014 and Serra et al. 2018 lower bounds (with their
/// preconditions `n_l >= n0` and `n_l >= 3 n0` enforced), Montúfar 2017 and
/// Serra et al. 2018 upper bounds.
pub fn deep_region_bounds(n0: u64, widths: &[u64]) -> CoreResult<DeepBounds> {
    if n0 == 0 {
        return crate::error::invalid("d must be >= 1");
    }
    if widths.is_empty() {
        return crate::error::invalid("widths must name at least one hidden layer");
    }
    if let Some(w) = widths.iter().find(|&&w| w == 0) {
        return crate::error::invalid(format!("widths must all be >= 1, got {w}"));
    }
    check_deep_layers(widths.len())?;
    let max_w = *widths.iter().max().unwrap();
    let (work, bytes) = deep_bounds_cost(n0, widths);
    if work > MAX_LIMB_WORK {
        return Err(deep_bounds_refusal(work, None));
    }
    limits::check_bytes("deep_region_bounds (Serra's upper bound, exactly)", bytes)?;
    let cancel = Cancel::current();
    let last = *widths.last().unwrap();
    let shallow_last = regions(last, n0)?;
    let (hidden, _) = widths.split_at(widths.len() - 1);

    // Montúfar, Pascanu, Cho & Bengio 2014.
    let (m14, m14_reason) = if let Some(w) = widths.iter().find(|&&w| w < n0) {
        (None, format!("precondition n_l >= n0 fails: width {w} < d = {n0}"))
    } else {
        let mut p = BigUint::one();
        for &w in hidden {
            p *= BigUint::from(w / n0).pow(n0 as u32);
        }
        (Some(p * &shallow_last), String::new())
    };
    // Serra, Tjandraatmadja & Ramalingam 2018.
    let (s18, s18_reason) = if let Some(w) = widths.iter().find(|&&w| w < n0.saturating_mul(3)) {
        (None, format!("precondition n_l >= 3 n0 fails: width {w} < 3 d = {}", 3 * n0 as u128))
    } else {
        let mut p = BigUint::one();
        for &w in hidden {
            p *= BigUint::from(w / n0 + 1).pow(n0 as u32);
        }
        (Some(p * &shallow_last), String::new())
    };
    // Montúfar 2017: prod_l sum_{j <= d_l} C(n_l, j), d_l = min(n0, n_1..n_l).
    let mut m17 = BigUint::one();
    let mut dl = n0;
    for &w in widths {
        cancel.check()?;
        dl = dl.min(w);
        m17 *= binomial_partial_sum(w, dl)?;
    }
    // Serra 2018 upper bound: dynamic programme over the running dimension
    // bound m = min(n0, n_1 - j_1, ..., n_{l-1} - j_{l-1}).
    // The running bound never exceeds the widest layer, so the states stop there.
    // The live running dimensions are an interval [lo, hi]: `states[i]` counts dimension `lo + i` (one state, `top`,
    // before the first layer), so a narrow layer shrinks the vectors at once.
    let top = n0.min(max_w);
    let (mut lo, mut hi) = (top, top);
    let mut states: Vec<BigUint> = vec![BigUint::one()];
    for &w in widths {
        cancel.check()?;
        let row = binomial_row(w, hi.min(w), &cancel)?;
        let row_limbs = row.last().map_or(1, |r| r.bits() as usize / 64 + 1);
        let (new_lo, new_hi) = live_after(lo, hi, w);
        let mut next = vec![BigUint::zero(); (new_hi - new_lo + 1) as usize];
        for (i, count) in states.iter().enumerate() {
            if count.is_zero() {
                continue;
            }
            cancel.check()?;
            let m = lo + i as u64;
            // a product, and the fresh memory its result takes (counted 8 times a limb)
            let count_limbs = count.bits() as usize / 64 + 1;
            let every = limits::items_per(limits::CHECK_WORK, count_limbs * row_limbs + 8 * (count_limbs + row_limbs));
            let jmax = m.min(w);
            for j in 0..=jmax {
                if j as usize % every == every - 1 {
                    cancel.check()?;
                }
                next[(m.min(w - j) - new_lo) as usize] += count * &row[j as usize];
            }
        }
        states = next;
        (lo, hi) = (new_lo, new_hi);
    }
    let s18u = states.into_iter().fold(BigUint::zero(), |a, b| a + b);
    Ok(DeepBounds {
        montufar2014_lower: m14,
        serra2018_lower: s18,
        montufar2017_upper: m17,
        serra2018_upper: s18u,
        montufar2014_reason: m14_reason,
        serra2018_reason: s18_reason,
    })
}

// ---------------------------------------------------------------------------
// Log-domain counting (formerly logcount.rs)
// Log-domain counting for sizes where exact big integers are not wanted
// (`L`, `d` up to 1e9): natural logs of binomial partial sums and the
// fair-coin binomial CDF, without overflow or big integers.

/// Stirling-series remainder of `ln Γ(x + 1)` beyond `x ln x - x + ln(2πx)/2`.
fn stirling_tail(x: f64) -> f64 {
    let x2 = x * x;
    1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2) + 1.0 / (1260.0 * x * x2 * x2)
}

/// `ln(C(n, k) / 2^n)`, to about 1e-12 absolute near the middle (`|2k - n| < n/4`) and a few ulps of the value
/// beyond, for every `n` up to `2^64 - 1`.
///
/// `lgamma` of large arguments loses absolute accuracy (`ln Γ(1e6) ≈ 1.3e7`),
/// so for large `k` and `n - k` the log is written as
/// `-n KL(k/n || 1/2) + ½ ln(n / (2π k (n-k))) + Stirling tails`. Near the middle the Kullback–Leibler term
/// `k ln(1 + t) + (n - k) ln(1 - t)` (`t = (2k - n)/n`) cancels two terms of size `sqrt(n) |z|` down to `z^2/2`, so
/// it is summed as `n t^2 + k (ln(1 + t) - t) + (n - k) (ln(1 - t) + t)` with `t` from the exact `2k - n`.
pub fn ln_binomial_half(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let small = k.min(n - k);
    let nf = n as f64;
    if small < 40 {
        // ln_binomial's exact product of ratios
        return ln_binomial(n, k) - nf * LN_2;
    }
    let (kf, rf) = (k as f64, (n - k) as f64);
    // t = (2k - n) / n from the exact integer difference (k and n as doubles are 64 apart near 2^62), and
    // k ln(1 + t) + (n - k) ln(1 - t) as n t^2 + k (ln(1 + t) - t) + (n - k) (ln(1 - t) + t): the direct form
    // cancels two terms of size sqrt(n) |z| down to z^2 / 2, an error growing with sqrt(n) (5e-6 relative in
    // separable_probability near n = 2^64 until the forty-fifth pass on issue 11; a test audit against decimal
    // arithmetic and the binomial's Edgeworth expansion)
    let t = (2 * i128::from(k) - i128::from(n)) as f64 / nf;
    let kl_n = if t.abs() < 0.25 {
        nf * t * t + kf * ln_1p_minus_x(t) + rf * ln_1p_minus_x(-t)
    } else {
        // far from the middle, 1 + t = 2k/n and 1 - t = 2(n - k)/n from the counts: t itself rounds to -1 once k
        // is below n 2^-54 (k = 40-500 at n near 2^64), which read +inf, and the callers NaN or -inf (a review)
        kf * (2.0 * kf / nf).ln() + rf * (2.0 * rf / nf).ln()
    };
    -kl_n + 0.5 * (nf / (2.0 * std::f64::consts::PI * kf * rf)).ln() + stirling_tail(nf)
        - stirling_tail(kf)
        - stirling_tail(rf)
}

/// `ln C(n, k)`, accurate to a few ulps for every `n` up to `2^64 - 1`. Not `ln_binomial_half + n ln 2`: for huge
/// `n` and small `k` that adds a tiny number to `n ln 2` (about 6e18 at `n = 2^63`, where doubles are 1024 apart), and
/// its `t = (2k - n) / n` rounds to -1 (`ln_1p(-1) = -inf`). Until the twenty-fifth pass on issue 11 it did, so
/// `log_regions(2**63, 10)` read 0.0, `log_regions(2**63, 50)` inf and `log_regions(10**12, 10)` was 1.2e-5 off.
pub fn ln_binomial(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let small = k.min(n - k);
    if small < 40 {
        // Exact product of ratios: ln C(n, s) = sum_{i<s} ln((n - i) / (i + 1)).
        let mut acc = 0.0;
        for i in 0..small {
            acc += ((n - i) as f64 / (i + 1) as f64).ln();
        }
        return acc;
    }
    // s ln(n / s) + (n - s) ln(n / (n - s)) + ln(n / (2 pi s (n - s))) / 2 + Stirling tails
    let (nf, sf, rf) = (n as f64, small as f64, (n - small) as f64);
    sf * (nf / sf).ln() - rf * (-sf / nf).ln_1p()
        + 0.5 * (nf / (2.0 * std::f64::consts::PI * sf * rf)).ln()
        + stirling_tail(nf)
        - stirling_tail(sf)
        - stirling_tail(rf)
}

/// `ln(sum_{k=0}^{m} C(n, k) / 2^n)` for `m <= n / 2` (the terms increase up
/// to `k = m`), summing downward from the largest term until the rest cannot matter.
fn ln_lower_sum_half(n: u64, m: u64) -> f64 {
    ln_lower_sum_half_with(n, m, FAST_SUM_STEPS)
}

/// Above this many terms the sum of [`ln_lower_sum_half`] switches from term
/// by term to quadrature (its cost would otherwise grow like `sqrt(n)`:
/// about a minute for `n = 2^64`).
const FAST_SUM_STEPS: f64 = 1.0e6;

/// `ln(1 + x) - x` without cancellation for small `|x|`.
fn ln_1p_minus_x(x: f64) -> f64 {
    if x.abs() < 0.01 {
        // -x^2/2 + x^3/3 - ...: 14 terms reach 1e-17 relative at |x| = 0.01.
        let mut term = x;
        let mut acc = 0.0;
        for k in 2..16 {
            term *= -x;
            acc += term / k as f64;
        }
        acc
    } else {
        x.ln_1p() - x
    }
}

/// Terms the direct loop of [`ln_lower_sum_half`] needs before they fall below 1e-18 of the sum.
fn direct_sum_steps(n: u64, m: u64) -> f64 {
    let nf = n as f64;
    let gap = nf - 2.0 * m as f64 + 1.0;
    (m as f64).min(4.5 * nf.sqrt()).min(41.0 * nf / gap.max(1.0))
}

fn ln_lower_sum_half_with(n: u64, m: u64, fast_above: f64) -> f64 {
    ln_binomial_half(n, m) + ln_ratio_sum(n, m, fast_above)
}

/// `ln sum_{k <= m} C(n, k) / C(n, m)` for `m <= n / 2`: term by term, or by quadrature above `fast_above` steps.
fn ln_ratio_sum(n: u64, m: u64, fast_above: f64) -> f64 {
    if direct_sum_steps(n, m) > fast_above {
        return ln_ratio_sum_quadrature(n, m);
    }
    let mut rel = 1.0f64; // C(n, k) / C(n, m)
    let mut acc = 1.0f64;
    let mut k = m;
    while k > 0 {
        rel *= k as f64 / (n - k + 1) as f64;
        acc += rel;
        k -= 1;
        if rel < acc * 1e-18 {
            break;
        }
    }
    acc.ln()
}

/// `ln sum_{j >= 0} C(n, m - j) / C(n, m)` for huge `n` and `m` near `n / 2`,
/// where the terms `g(j)` vary on a scale `s = min(sqrt(n) / 2, n / (n - 2m + 1))`
/// of at least ~2e4: Euler–Maclaurin turns the sum into
/// `∫_0^∞ g + g(0)/2 - g'(0)/12` (remainder `O(s^-3)`), and the integral is
/// composite Simpson with step `s / 400` (relative error below 1e-12) on
/// `ln g(j) = [ln Γ(m+1) - ln Γ(m+1-j)] - [ln Γ(n-m+1+j) - ln Γ(n-m+1)]`.
fn ln_ratio_sum_quadrature(n: u64, m: u64) -> f64 {
    let (nf, mf) = (n as f64, m as f64);
    let gap = (nf - 2.0 * mf + 1.0).max(1.0);
    let scale = (0.5 * nf.sqrt()).min(nf / gap);
    let h = (scale / 400.0).floor().max(1.0);
    // a_hi = m + 1, a_lo = n - m + 1; their difference 2m - n exactly.
    let (a_hi, a_lo) = (mf + 1.0, nf - mf + 1.0);
    let diff = (2 * m as i128 - n as i128) as f64;
    let t = |x: f64| 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x * x);
    // ln g(j) = [lnΓ(a_hi) - lnΓ(a_hi - j)] - [lnΓ(a_lo + j) - lnΓ(a_lo)] by Stirling,
    // with the O(j) parts cancelled analytically: with a' = a_hi - j,
    // (a' - 1/2) ln(1 + j/a') - (a_lo - 1/2) ln(1 + j/a_lo) + j ln(a_hi / (a_lo + j)) + ΔT.
    let g = |j: f64| {
        if j > mf {
            return 0.0;
        }
        let ap = a_hi - j;
        let (xp, xl) = (j / ap, j / a_lo);
        let first = ap * ln_1p_minus_x(xp) - 0.5 * xp.ln_1p();
        let second = a_lo * ln_1p_minus_x(xl) - 0.5 * xl.ln_1p();
        let cross = j * ((diff - j) / (a_lo + j)).ln_1p();
        (first - second + cross + (t(a_hi) - t(ap)) - (t(a_lo + j) - t(a_lo))).exp()
    };
    let mut integral = 0.0;
    let mut j = 0.0;
    let mut g0 = g(0.0);
    loop {
        let (g1, g2) = (g(j + h), g(j + 2.0 * h));
        integral += h / 3.0 * (g0 + 4.0 * g1 + g2);
        j += 2.0 * h;
        g0 = g2;
        if g2 < 1e-20 * integral || j > mf {
            break;
        }
    }
    // d/dj ln g at 0 is ln((m + 1/2) / (n - m + 1/2)) to O(1/m^2).
    let dg0 = ((mf + 0.5) / (nf - mf + 0.5)).ln();
    (integral + 0.5 - dg0 / 12.0).ln()
}

/// `ln sum_{k=0}^{min(m,n)} C(n, k)`, accurate to a few ulps of the result.
pub fn ln_partial_sum(n: u64, m: u64) -> f64 {
    if m >= n {
        return n as f64 * LN_2;
    }
    if m <= n / 2 {
        // ln C(n, m) itself, not ln_lower_sum_half + n ln 2 (see ln_binomial)
        return ln_binomial(n, m) + ln_ratio_sum(n, m, FAST_SUM_STEPS);
    }
    // Complement: S = 2^n - S(n, n - m - 1), and the tail is below half of 2^n.
    n as f64 * LN_2 + (-ln_lower_sum_half(n, n - m - 1).exp()).ln_1p()
}

/// `P(Bin(n, 1/2) <= m) = S(n, m) / 2^n`, without overflow.
pub fn binomial_cdf_half(n: u64, m: u64) -> f64 {
    if m >= n {
        return 1.0;
    }
    if m <= n / 2 {
        return ln_lower_sum_half(n, m).exp();
    }
    1.0 - ln_lower_sum_half(n, n - m - 1).exp()
}

/// `ln` of the regions of `l` affine hyperplanes in general position in `R^d`.
pub fn ln_regions(l: u64, d: u64) -> f64 {
    ln_partial_sum(l, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: u128) -> BigUint {
        BigUint::from(x)
    }

    /// Row `n` of Pascal's triangle by additions alone (independent of the recurrence used above).
    fn pascal_row(n: u64) -> Vec<BigUint> {
        let mut row = vec![BigUint::one()];
        for _ in 0..n {
            let mut next = vec![BigUint::one()];
            for w in row.windows(2) {
                next.push(&w[0] + &w[1]);
            }
            next.push(BigUint::one());
            row = next;
        }
        row
    }

    /// Brute-force partial sum through Pascal's triangle.
    fn pascal_sum(n: u64, m: u64) -> BigUint {
        pascal_row(n).iter().take(m as usize + 1).fold(BigUint::zero(), |a, x| a + x)
    }

    #[test]
    fn central_regions_follow_the_deletion_restriction_recursion() {
        // Cover's recursion C(l, d) = C(l - 1, d) + C(l - 1, d - 1) (delete a hyperplane; its restriction is a
        // central arrangement of l - 1 in R^(d-1)), from C(1, d) = C(l, 1) = 2 (one hyperplane, or l copies of the
        // origin of a line); no hyperplane, or R^0 itself, is one region. In the plane l lines make 2l sectors.
        let mut c = vec![vec![BigUint::one(); 30]; 30];
        for l in 1..30 {
            for d in 1..30 {
                c[l][d] = if l == 1 || d == 1 { b(2) } else { &c[l - 1][d] + &c[l - 1][d - 1] };
            }
        }
        for l in 0..30u64 {
            for d in 0..30u64 {
                assert_eq!(central_regions(l, d).unwrap(), c[l as usize][d as usize], "l={l} d={d}");
            }
            assert_eq!(central_regions(l, 2).unwrap(), b(u128::from(2 * l).max(1)), "{l} lines");
        }
    }

    #[test]
    fn binomials_match_pascal_including_both_ends_and_beyond() {
        for n in 0..40u64 {
            let row = pascal_row(n);
            for k in 0..n + 3 {
                let want = row.get(k as usize).cloned().unwrap_or_else(BigUint::zero);
                assert_eq!(binomial(n, k).unwrap(), want, "C({n}, {k})");
            }
        }
    }

    #[test]
    fn regions_table_from_theory_notes() {
        assert_eq!(regions(8, 5).unwrap(), b(219));
        assert_eq!(regions(16, 10).unwrap(), b(58651));
        assert_eq!(regions(32, 20).unwrap(), b(4058348603));
        assert_eq!(regions(64, 20).unwrap(), b(34033913325232549));
        assert_eq!(regions(100, 10).unwrap(), b(19415908147836));
        assert_eq!(bounded_regions(100, 10).unwrap(), b(15579278510796));
        assert_eq!(bounded_regions(30, 2).unwrap(), b(406));
        assert_eq!(bounded_regions(3, 3).unwrap(), b(0));
    }

    #[test]
    fn partial_sums_match_pascal_on_both_sides_of_half() {
        for n in 0..40u64 {
            for m in 0..45u64 {
                assert_eq!(binomial_partial_sum(n, m).unwrap(), pascal_sum(n, m), "n={n} m={m}");
            }
        }
    }

    #[test]
    fn cover_fixtures() {
        assert_eq!(cover_count(21, 10).unwrap(), b(863820));
        assert_eq!(cover_count(40, 20).unwrap(), b(549755813888));
        assert_eq!(cover_count(200, 100).unwrap(), BigUint::one() << 199u32);
        assert!((separable_probability(21, 10) - 0.411901474).abs() < 1e-9);
        assert_eq!(separable_probability(200, 100), 0.5);
        assert_eq!(separable_probability(6, 5), 0.96875);
        // Past 2^63 points the exponent of 2^(n - 1) no longer fits an i64; the probability is below
        // n^dim / 2^(n - 1), i.e. 0 in f64, and a probability at any rate.
        for (n, dim) in [(u64::MAX, 3), (u64::MAX - 1, 1), (10u64.pow(19), 5), ((1 << 63) + 2, 2), (1 << 63, 7)] {
            assert_eq!(separable_probability(n, dim), 0.0, "n = {n}, dim = {dim}");
        }
        // ... and the complement near the top: dim = n - 1 leaves out only the all-equal labelling pair.
        assert_eq!(separable_probability(u64::MAX, u64::MAX - 1), 1.0);
    }

    #[test]
    fn separable_probability_past_exact_sizes_has_its_closed_forms() {
        // Where the exact sum is refused (the log-domain path): S(2D - 1, D - 1) = 2^(2D - 2), so 2D points in R^D
        // are separable with probability 1/2; and S(2D, D - 1) = (4^D - C(2D, D)) / 2 with
        // C(2D, D) / 4^D = (1 - 1 / (8D) + O(D^-2)) / sqrt(pi D), so 2D + 1 points in R^D with 1/2 less half of that.
        for d in [100_000_000u64, 1_000_000_000, 1 << 40] {
            assert!(binomial_partial_sum(2 * d - 1, d - 1).is_err());
            let p = separable_probability(2 * d, d);
            assert!((p - 0.5).abs() < 1e-9, "D = {d}: {p}");
            let df = d as f64;
            let want = 0.5 - 0.5 * (1.0 - 1.0 / (8.0 * df)) / (std::f64::consts::PI * df).sqrt();
            let p = separable_probability(2 * d + 1, d);
            assert!((p - want).abs() < 1e-9, "D = {d}: {p} vs {want}");
        }
    }

    #[test]
    fn big_times_pow2_rounds_like_a_float() {
        assert_eq!(big_times_pow2(&b(3), -1), 1.5);
        let huge = BigUint::one() << 5000u32;
        assert_eq!(big_times_pow2(&huge, -5000), 1.0);
        assert_eq!(big_times_pow2(&huge, -7000), 0.0);
        // upward too: a product that stays finite is the float of it, one past f64's range is infinite
        assert_eq!(big_times_pow2(&(b(3) << 200u32), -100), 3.0 * 2f64.powi(100));
        assert_eq!(big_times_pow2(&huge, -4000), 2f64.powi(1000));
        assert_eq!(big_times_pow2(&huge, -3900), f64::INFINITY);
        // the nearest float of x itself, not of its top 64 bits: 2^64 + 2^11 + 1 is past the midpoint 2^64 + 2^11 of
        // the floats 2^64 and 2^64 + 2^12 (by the bit under the 64 kept), and 2^64 + 2^11 is the midpoint (to even)
        let two64 = BigUint::one() << 64u32;
        assert_eq!(big_times_pow2(&(&two64 + b(2049)), 0), 2f64.powi(64) + 4096.0);
        assert_eq!(big_times_pow2(&(&two64 + b(2048)), 0), 2f64.powi(64));
        assert_eq!(big_times_pow2(&((&two64 + b(2049)) << 3000u32), -3001), 2f64.powi(63) + 2048.0);
        // with the lowest kept bit already set: 2^64 + 2^11 + 3 (65 bits) is past the midpoint too
        assert_eq!(big_times_pow2(&(&two64 + b(2051)), 0), 2f64.powi(64) + 4096.0);
        // and exponents far past any float's (or an i32's) saturate
        assert_eq!((big_times_pow2(&b(1), 1 << 40), big_times_pow2(&b(1), -(1 << 40))), (f64::INFINITY, 0.0));
    }

    /// `(n0, widths, Montufar 2014 lower, Serra 2018 lower, Montufar 2017 upper, Serra 2018 upper)`.
    type BoundCase<'a> = (u64, &'a [u64], Option<u128>, Option<u128>, u128, u128);

    #[test]
    fn deep_bound_table() {
        let cases: &[BoundCase] = &[
            (1, &[3, 3], Some(12), Some(16), 16, 16),
            (1, &[4, 4, 4], Some(80), Some(125), 125, 125),
            (2, &[8, 8], Some(592), Some(925), 1369, 1369),
            (2, &[8, 8, 8], Some(9472), Some(23125), 50653, 50653),
            (3, &[10, 3, 10], Some(4752), None, 247808, 66528),
            (3, &[3, 3], Some(8), None, 64, 42),
            (2, &[30], Some(466), Some(466), 466, 466),
        ];
        for &(n0, w, m14, s18, m17, s18u) in cases {
            let r = deep_region_bounds(n0, w).unwrap();
            assert_eq!(r.montufar2014_lower, m14.map(b), "{n0} {w:?}");
            assert_eq!(r.serra2018_lower, s18.map(b), "{n0} {w:?}");
            assert_eq!(r.montufar2017_upper, b(m17), "{n0} {w:?}");
            assert_eq!(r.serra2018_upper, b(s18u), "{n0} {w:?}");
        }
        // udlbook eq. 4.17 corrected: 10 layers of 5 units on a line.
        let r = deep_region_bounds(1, &[5; 10]).unwrap();
        assert_eq!(r.serra2018_upper, b(60466176));
    }

    /// Serra et al. 2018's upper bound by enumeration: the sum over `j_l <= min(n0, n_1 - j_1, ..., n_{l-1} -
    /// j_{l-1}, n_l)` of `prod_l C(n_l, j_l)`, binomials off Pascal's triangle (not the dynamic programme).
    fn serra_upper_brute(bound: u64, widths: &[u64]) -> BigUint {
        let Some((&w, rest)) = widths.split_first() else {
            return BigUint::one();
        };
        let row = pascal_row(w);
        (0..=bound.min(w))
            .fold(BigUint::zero(), |a, j| a + &row[j as usize] * serra_upper_brute(bound.min(w - j), rest))
    }

    #[test]
    fn deep_bounds_match_their_definitions_on_every_small_network() {
        // Every network of 1-3 layers of 1-7 units in d = 1..4 (widths below d and below 3 d included): the upper
        // bounds by enumeration and by products of Pascal sums, the lower bounds from their papers' products, and
        // None exactly where a precondition fails.
        let mut nets: Vec<Vec<u64>> = Vec::new();
        let mut layer: Vec<Vec<u64>> = vec![vec![]];
        for _ in 0..3 {
            layer = layer.iter().flat_map(|n| (1..=7).map(move |w| [n.as_slice(), &[w]].concat())).collect();
            nets.extend(layer.iter().cloned());
        }
        assert_eq!(nets.len(), 7 + 49 + 343);
        for n0 in 1..=4u64 {
            for w in &nets {
                let r = deep_region_bounds(n0, w).unwrap();
                let (&last, hidden) = w.split_last().unwrap();
                let shallow = pascal_sum(last, n0);
                // both lower bounds: prod over hidden layers of (floor(n_l / d) + plus)^d times the last layer's
                // shallow count, where every layer is at least `least` wide
                let lower = |least: u64, plus: u128| {
                    w.iter().all(|&x| x >= least).then(|| {
                        hidden.iter().fold(shallow.clone(), |p, &x| p * b(u128::from(x / n0) + plus).pow(n0 as u32))
                    })
                };
                let (m14, s18) = (lower(n0, 0), lower(3 * n0, 1));
                let mut dl = n0;
                let m17 = w.iter().fold(BigUint::one(), |p, &x| {
                    dl = dl.min(x);
                    p * pascal_sum(x, dl)
                });
                let at = format!("d = {n0}, widths {w:?}");
                assert_eq!(r.montufar2014_lower, m14, "{at}");
                assert_eq!(r.montufar2014_reason.is_empty(), r.montufar2014_lower.is_some(), "{at}");
                assert_eq!(r.serra2018_lower, s18, "{at}");
                assert_eq!(r.serra2018_reason.is_empty(), r.serra2018_lower.is_some(), "{at}");
                assert_eq!(r.montufar2017_upper, m17, "{at}");
                assert_eq!(r.serra2018_upper, serra_upper_brute(n0, w), "{at}");
            }
        }
    }

    #[test]
    fn deep_bounds_stop_inside_a_long_state() {
        // Layers at least twice d wide keep one live state, so the last layer is one loop of d + 1 products of its
        // count (about 20,000 bits) by the row C(40000, 0..=d) (up to 32,000 bits): most of the call (0.6 s here,
        // near the work limit), after the rows and the first layer (a few ms). Checking only between states, a token
        // fired a quarter of the way in let it run on to the end; checked inside that loop, it stops within a few
        // ms. The call is timed first without a token, so the token fires inside the loop at any machine's speed.
        let widths = [20_000u64, 40_000];
        let q = crate::limits::cancelled_a_quarter_in(|| deep_region_bounds(10_000, &widths));
        let (r, whole, late) = (q.result, q.whole, q.late);
        assert!(q.uncancelled.is_ok());
        assert!(matches!(r, Err(CoreError::Interrupted)), "{r:?} (the whole call: {whole:?})");
        // without the checks inside the loop it runs on for about 0.7 of the whole call
        assert!(late < whole / 3, "ran on {late:?} after the token fired (the whole call: {whole:?})");
    }

    #[test]
    fn binomials_near_the_top_take_the_short_side() {
        // C(n, n - k) = C(n, k): at n = 10^9 the top coefficients are n and n (n - 1) / 2 (products in u128), a step
        // or two; n - k steps of the recurrence would have about 10^9 bits on the way, past the exact-size limit.
        let n = 1_000_000_000u64;
        let big = u128::from(n);
        assert_eq!(binomial(n, n).unwrap(), b(1));
        assert_eq!(binomial(n, n - 1).unwrap(), b(big));
        assert_eq!(binomial(n, n - 2).unwrap(), b(big * (big - 1) / 2));
    }

    #[test]
    fn a_partial_sum_takes_the_short_side_of_half() {
        // S(n, 2) = 1 + n + n (n - 1) / 2 is two steps of the recurrence and S(n, n - 3) = 2^n - S(n, 2) a shift and
        // a subtraction; summed from the other side either is n - 3 steps on numbers of up to n bits (days at
        // n = 5e7), stopped here by a token that fires after 3 s.
        let n = 50_000_000u64;
        let big = u128::from(n);
        let low = b(1 + big + big * (big - 1) / 2);
        let token = Cancel::new();
        let remote = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(3));
            remote.cancel();
        });
        let (s_low, s_high) = token.run(|| (binomial_partial_sum(n, 2), binomial_partial_sum(n, n - 3)));
        assert_eq!(s_low.unwrap(), low);
        assert_eq!(s_high.unwrap(), (BigUint::one() << n) - low);
    }

    #[test]
    fn an_exact_sum_of_few_bits_but_many_steps_is_refused_for_its_work() {
        // S(2e6, 1e6) has about 2e6 bits (far under MAX_EXACT_BITS, 24 MB at most held) but takes a million steps
        // of the recurrence. Term k is C(n, k) >= (n / k)^k, of at least k log2(n / k) bits, so the divisions
        // alone read at least sum_k k log2(n / k) / 64 limbs: about 1.3e10, above the limit of 3e9.
        let (n, m) = (2_000_000u64, 1_000_000u64);
        let divisions: f64 = (1..=m).map(|k| k as f64 * (n as f64 / k as f64).log2() / 64.0).sum();
        assert!(divisions > MAX_LIMB_WORK && partial_sum_bits(n, m) < MAX_EXACT_BITS / 16.0, "{divisions:e}");
        assert!(partial_sum_work(n, m) >= divisions);
        // (check_work alone: a mutant that lets the call through must not then run for minutes)
        let e = check_work(n, m, "binomial partial sum", 'S').unwrap_err().to_string();
        assert!(e.contains("S(2000000, 1000000)") && e.contains("big-integer operations"), "{e}");
        let e = check_work(n, n - m + 1, "binomial partial sum", 'S').unwrap_err().to_string();
        assert!(e.contains("big-integer operations"), "{e}");
    }

    #[test]
    fn the_work_estimate_bounds_the_limbs_the_recurrence_reads() {
        // Each step of S(n, m) (m <= n / 2; the complement's n - m - 1 above) multiplies, divides and adds numbers of
        // the size of C(n, k) (the running total a few bits more, the +1 limb a step): at least
        // 3 sum_{k=1}^{steps} ceil(bits(C(n, k)) / 64) limbs, counted here on Pascal's triangle.
        // Above the middle, and at m >= n (a shift), the result is also written out: 2^n has n + 1 bits.
        for n in [70u64, 129, 300, 601, 640] {
            let row = pascal_row(n);
            for m in [1, n / 10, n / 3, n / 2, n / 2 + 1, 2 * n / 3, n - 2, n, n + 5] {
                let steps = m.min(n - m.min(n));
                let limbs: u64 = (1..=steps as usize).map(|k| row[k].bits().div_ceil(64)).sum();
                let written = if m > n / 2 { (n + 1).div_ceil(64) } else { 0 };
                let (w, least) = (partial_sum_work(n, m), 3 * limbs + written);
                assert!(w >= least as f64, "S({n}, {m}): estimate {w} below {least} limbs");
            }
        }
    }

    #[test]
    fn the_bits_estimate_bounds_the_exact_sum() {
        // partial_sum_bits is documented as an upper bound on the bits of S(n, m); S(3, 1) = 4 has 3 bits.
        for n in 0u64..60 {
            for m in 0..=n + 1 {
                let exact = pascal_sum(n, m).bits() as f64;
                assert!(partial_sum_bits(n, m) >= exact, "S({n}, {m}): {} < {exact}", partial_sum_bits(n, m));
            }
        }
    }

    #[test]
    fn a_near_full_sum_of_a_huge_n_is_one_subtraction_and_allowed() {
        // S(n, n - 1) = 2^n - 1 and S(n, n - 2) = 2^n - 1 - n: a shift and a subtraction of n bits, allowed well
        // inside the limits at n = 5e7 (6 MB; the complement's n / 64 limbs, not n * 64).
        let n = 50_000_000u64;
        let full = BigUint::one() << n;
        assert_eq!(regions(n, n - 1).unwrap(), &full - 1u32);
        assert_eq!(regions(n, n - 2).unwrap(), &full - 1u32 - n);
    }

    #[test]
    fn the_largest_exact_count_has_max_exact_bits() {
        // 2^(2^26 - 1) = S(n, n) at n = 2^26 - 1 has exactly 2^26 bits, the limit, and is given (8 MiB, a shift); a
        // bit more is refused for its size, however little work it would be.
        let n = (1u64 << 26) - 1;
        let top = regions(n, n).unwrap();
        assert_eq!((top.bits(), top), (1 << 26, BigUint::one() << n));
        for (l, d) in [(n + 1, n + 1), (n + 1, n + 7), (1 << 27, 1 << 27)] {
            let e = regions(l, d).unwrap_err().to_string();
            assert!(e.contains("bits, above the limit"), "{e}");
        }
    }

    #[test]
    fn a_few_terms_of_a_huge_n_are_allowed() {
        // S(n, 2) = 1 + n + n (n - 1) / 2 and S(n, 3) = S(n, 2) + n (n - 1) (n - 2) / 6: two or three steps of the
        // recurrence however large n is (products written out here, not the recurrence).
        for n in [1_000_000_000_000u64, 1 << 40, u64::MAX / 4, u64::MAX - 1] {
            let (x, y, z) = (b(n.into()), b((n - 1).into()), b((n - 2).into()));
            let s2 = b(1) + &x + &x * &y / 2u32;
            assert_eq!(regions(n, 2).unwrap(), s2, "n = {n}");
            assert_eq!(regions(n, 3).unwrap(), &s2 + &x * &y * &z / 6u32, "n = {n}");
        }
    }

    /// `S(n, m) mod p` for a prime `p > m`, from `k! S(n, k) = k (k - 1)! S(n, k - 1) + n (n - 1) ... (n - k + 1)`
    /// term by term in machine words (every term, no complement), divided by `m!` mod p at the end (Fermat).
    fn partial_sum_mod(n: u64, m: u64, p: u64) -> u64 {
        assert!(p < 1 << 32 && p > m);
        let mul = |a: u64, b: u64| a * b % p;
        let (mut t, mut falling, mut fact) = (1u64, 1u64, 1u64);
        for k in 1..=m.min(n) {
            falling = mul(falling, (n - k + 1) % p);
            t = (mul(t, k) + falling) % p;
            fact = mul(fact, k);
        }
        let (mut inv, mut base, mut e) = (1u64, fact, p - 2);
        while e > 0 {
            if e & 1 == 1 {
                inv = mul(inv, base);
            }
            base = mul(base, base);
            e >>= 1;
        }
        mul(t, inv)
    }

    #[test]
    fn a_sum_just_short_of_full_is_costed_by_its_short_side() {
        // S(10^7, 10^7 - 5000) = 2^n - S(n, 4999): 4999 steps on numbers of up to 62,000 bits (milliseconds) and one
        // subtraction; costed as 10^7 steps of that size it would be refused. Checked mod a prime against all
        // 10^7 - 4999 terms summed (and on Pascal's triangle first, to check the check).
        let p = 4_294_967_291u64;
        for (n, m) in [(0u64, 0u64), (1, 0), (7, 3), (40, 17), (300, 200), (301, 301)] {
            assert_eq!(BigUint::from(partial_sum_mod(n, m, p)), pascal_sum(n, m) % p, "S({n}, {m})");
        }
        let (n, m) = (10_000_000u64, 10_000_000 - 5000);
        assert_eq!(regions(n, m).unwrap() % p, BigUint::from(partial_sum_mod(n, m, p)));
    }

    #[test]
    fn bounded_regions_are_zaslavskys_count() {
        // Zaslavsky: an essential arrangement (normals spanning R^d: l >= d in general position) has
        // |chi(1)| = |sum_{i<=d} (-1)^i C(l, i)| bounded regions, a non-essential one (l < d) none, and R^0 (d = 0) is
        // one bounded point; the alternating sum read off Pascal's triangle, not the closed form C(l - 1, d).
        for l in 0..30u64 {
            let row = pascal_row(l);
            for d in 0..30u64 {
                let want = if d == 0 {
                    b(1)
                } else if l < d {
                    b(0)
                } else {
                    let (even, odd) = row.iter().take(d as usize + 1).enumerate().fold(
                        (BigUint::zero(), BigUint::zero()),
                        |(e, o), (i, c)| if i % 2 == 0 { (e + c, o) } else { (e, o + c) },
                    );
                    if even >= odd {
                        even - odd
                    } else {
                        odd - even
                    }
                };
                assert_eq!(bounded_regions(l, d).unwrap(), want, "l={l} d={d}");
            }
        }
    }

    #[test]
    fn cover_counts_follow_covers_recursion() {
        // Cover (1965): C(n + 1, dim) = C(n, dim) + C(n, dim - 1) (the new point's hyperplane through the origin
        // splits the dichotomies it can), from C(1, dim) = 2 (dim >= 1), C(0, dim) = 1 and C(n, 0) = 0 (n >= 1);
        // a dimension at least n separates all 2^n labellings.
        let mut c = vec![vec![BigUint::zero(); 30]; 30];
        for n in 0..30 {
            for dim in 0..30 {
                c[n][dim] = match (n, dim) {
                    (0, _) => b(1),
                    (_, 0) => b(0),
                    (1, _) => b(2),
                    _ => &c[n - 1][dim] + &c[n - 1][dim - 1],
                };
            }
        }
        for n in 0..30u64 {
            for dim in 0..30u64 {
                assert_eq!(cover_count(n, dim).unwrap(), c[n as usize][dim as usize], "n={n} dim={dim}");
                if dim >= n {
                    assert_eq!(cover_count(n, dim).unwrap(), BigUint::one() << n, "n={n} dim={dim}");
                }
            }
        }
    }

    #[test]
    fn exact_counts_stop_when_their_call_is_cancelled() {
        // A token fired before the call: the loops stop at their first check, with Interrupted (either branch of
        // the partial sum, and the binomial); a token that never fires changes nothing.
        let fired = Cancel::new();
        fired.cancel();
        let stopped = |r: CoreResult<BigUint>| matches!(r, Err(CoreError::Interrupted));
        for (n, m) in [(3000u64, 100u64), (3000, 2900), (5000, 2500)] {
            assert!(fired.run(|| stopped(binomial_partial_sum(n, m))), "S({n}, {m})");
            assert!(fired.run(|| stopped(binomial(n, m))), "C({n}, {m})");
        }
        let quiet = Cancel::new();
        assert_eq!(quiet.run(|| binomial_partial_sum(300, 100)).unwrap(), pascal_sum(300, 100));
        assert_eq!(quiet.run(|| binomial(300, 100)).unwrap(), pascal_row(300)[100]);
        // A token fired while a long count runs (120,000 steps on numbers of up to 290,000 bits: a second or more
        // unchecked) stops it too, long before its end: the loops check all along, not only at their start.
        for which in 0..3 {
            let token = Cancel::new();
            let remote = token.clone();
            let t0 = std::time::Instant::now();
            let firer = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(30));
                remote.cancel();
            });
            let r = token.run(|| match which {
                0 => binomial_partial_sum(300_000, 120_000),
                1 => binomial_partial_sum(300_000, 180_000),
                _ => binomial(300_000, 120_000),
            });
            firer.join().unwrap();
            assert!(stopped(r), "case {which}: ran to its end in {:?}", t0.elapsed());
        }
    }

    #[test]
    fn a_binomial_row_stops_when_its_call_is_cancelled() {
        // The row deep_region_bounds builds per layer: exact under a quiet token (against Pascal's triangle), and
        // stopped with Interrupted under a fired one once it is long (C(30000, 0..=15000): numbers of up to 30,000
        // bits, over ten checks' worth of work; C(10^6, 0..=3000) about two), before its end.
        let quiet = Cancel::new();
        assert_eq!(binomial_row(300, 300, &quiet).unwrap(), pascal_row(300));
        assert_eq!(binomial_row(300, 120, &quiet).unwrap(), pascal_row(300)[..=120].to_vec());
        assert_eq!(binomial_row(7, 20, &quiet).unwrap(), pascal_row(7));
        let fired = Cancel::new();
        fired.cancel();
        for (n, k) in [(30_000u64, 15_000u64), (1_000_000, 3000)] {
            assert!(matches!(binomial_row(n, k, &fired), Err(CoreError::Interrupted)), "C({n}, 0..={k})");
        }
    }

    #[test]
    fn too_large_is_refused_not_hung() {
        assert!(matches!(regions(10_000_000_000, 5_000_000_000), Err(CoreError::TooLarge(_))));
        // Many narrow layers: small rows, but counts of about a million bits (minutes of products).
        assert!(matches!(deep_region_bounds(64, &[64; 16000]), Err(CoreError::TooLarge(_))));
    }

    #[test]
    fn the_work_estimate_counts_the_live_states() {
        // A layer at least twice as wide as the running dimension keeps it: one live state a layer, and the
        // estimate is (1 + top + 4) products a layer of numbers growing by `w` bits, not (top + 1)^2 of them.
        let one_state = deep_bounds_cost(200, &[400; 400]).0;
        assert!(one_state < MAX_LIMB_WORK, "{one_state:e}");
        let spread = deep_bounds_cost(200, &[200; 400]).0;
        assert!(spread > 10.0 * one_state, "{spread:e} vs {one_state:e}");
    }

    #[test]
    fn deep_bounds_max_layers_is_where_the_least_work_of_layers_passes_the_work_limit() {
        // the limit on layers is the work limit's: DEEP_BOUNDS_MAX_LAYERS layers may cost no more than it, one more
        // layer costs more whatever the widths (refused by their count, with that least work)
        let least = least_deep_work;
        assert!(least(DEEP_BOUNDS_MAX_LAYERS) <= MAX_LIMB_WORK, "{:e}", least(DEEP_BOUNDS_MAX_LAYERS));
        assert!(least(DEEP_BOUNDS_MAX_LAYERS + 1) > MAX_LIMB_WORK, "{:e}", least(DEEP_BOUNDS_MAX_LAYERS + 1));
        assert!(check_deep_layers(DEEP_BOUNDS_MAX_LAYERS).is_ok());
        let Err(CoreError::TooLarge(m)) = check_deep_layers(DEEP_BOUNDS_MAX_LAYERS + 1) else { panic!() };
        let want = deep_bounds_refusal(least(DEEP_BOUNDS_MAX_LAYERS + 1), Some(DEEP_BOUNDS_MAX_LAYERS + 1));
        assert_eq!(CoreError::TooLarge(m.clone()), want);
        // the call refuses that many layers in the same words, whatever their widths
        for w in [1, 2, 64] {
            let Err(CoreError::TooLarge(call)) = deep_region_bounds(1, &vec![w; DEEP_BOUNDS_MAX_LAYERS + 1]) else {
                panic!()
            };
            assert_eq!(call, m);
        }
        // the least work is a lower bound of the estimate for any widths and d (random ones, with the narrow
        // widths of 1 and 2 in d = 1 and 2, the cheapest), and close to it for layers of 2 units in d = 1
        let mut rng = crate::rng::stream(7, 0, 0);
        use rand::RngExt;
        for i in 0..400 {
            let n = rng.random_range(1..=300usize);
            let d = if i % 2 == 0 { rng.random_range(1..=2u64) } else { rng.random_range(1..=50u64) };
            let top = if i % 3 == 0 { 2 } else { 60 };
            let widths: Vec<u64> = (0..n).map(|_| rng.random_range(1..=top)).collect();
            assert!(deep_bounds_cost(d, &widths).0 >= least(n), "{d} {widths:?}");
        }
        let twos = deep_bounds_cost(1, &vec![2; DEEP_BOUNDS_MAX_LAYERS]).0;
        assert!(twos < 1.5 * MAX_LIMB_WORK, "{twos:e}");
        // a count far past the limit names it and the work of the layers priced, rising with their count
        let Err(CoreError::TooLarge(far)) = check_deep_layers(usize::MAX) else { panic!() };
        assert!(far.contains(&format!("{} hidden layers need at least", usize::MAX)), "{far}");
    }

    #[test]
    fn products_between_is_the_sum_it_names() {
        for (lo, hi, w) in [(0u64, 10u64, 4u64), (3, 3, 9), (5, 20, 20), (7, 30, 2), (0, 0, 0)] {
            let direct: u64 = (lo..=hi).map(|m| m.min(w) + 1).sum();
            assert_eq!(products_between(lo as f64, hi as f64, w as f64), direct as f64, "{lo} {hi} {w}");
        }
    }

    #[test]
    fn a_wide_first_layer_is_costed_by_its_row() {
        // d = 10^5 and 10^5 units: a row of 10^5 binomials of up to 10^5 bits, 2.5 GB written with the states
        // (3-4 s, 1.8 GB resident, when the estimate costed the row as a few products).
        let (work, bytes) = deep_bounds_cost(100_000, &[100_000]);
        assert!(work > MAX_LIMB_WORK && bytes > 2.0e9, "{work:e} {bytes:e}");
        // fast wide stacks stay accepted: the row of a layer of 10^7 units in d = 10 has 11 numbers of up to 233 bits;
        // a layer at least 2 d wide keeps the running dimension (min(m, w - j) = m for j <= m <= d), so one count
        // before and one after, products of at most 40 row entries (under 10,000 bits): a few kB held, under 10 kB
        let (work, peak) = deep_bounds_cost(10, &[10_000_000; 40]);
        assert!(work < 1e7 && peak < 1e4, "{work:e} {peak:e}");
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;
    use approx::assert_relative_eq;
    use num_traits::ToPrimitive;

    #[test]
    fn matches_exact_logs() {
        let small = [(10u64, 3u64), (100, 10), (100, 50), (100, 51), (100, 90), (1000, 499), (1000, 501), (5000, 4000)];
        // huge n, few terms: ln C(n, m) must not go through n ln 2 (twenty-fifth pass)
        let huge = [(1u64 << 63, 10u64), (1 << 63, 50), (u64::MAX, 45), (1_000_000_000_000, 10), (1 << 52, 100)];
        for &(n, m) in small.iter().chain(huge.iter()) {
            let exact = binomial_partial_sum(n, m).unwrap();
            let bits = exact.bits();
            let shift = bits.saturating_sub(60);
            let ln_exact = ((&exact >> shift).to_f64().unwrap()).ln() + shift as f64 * LN_2;
            assert_relative_eq!(ln_partial_sum(n, m), ln_exact, max_relative = 1e-12);
        }
    }

    #[test]
    fn binomials_at_both_ends_are_one_and_beyond_them_zero() {
        // C(n, 0) = C(n, n) = 1 and C(n, k > n) = 0, for n from 0 to 2^64 - 1
        for n in [0u64, 1, 2, 39, 40, 1000, 1 << 40, u64::MAX] {
            assert_eq!((ln_binomial(n, 0), ln_binomial(n, n)), (0.0, 0.0), "{n}");
            assert_eq!(ln_binomial_half(n, n), -(n as f64) * LN_2, "{n}");
            if n < u64::MAX {
                assert_eq!(ln_binomial(n, n + 1), f64::NEG_INFINITY, "{n}");
                assert_eq!(ln_binomial_half(n, n + 1), f64::NEG_INFINITY, "{n}");
            }
        }
    }

    #[test]
    fn cdf_above_the_middle_matches_exact_big_integers() {
        // P(Bin(n, 1/2) <= m) past m = n / 2 (the complement branch) against S(n, m) / 2^n in big integers
        for &(n, m) in &[(10u64, 6u64), (11, 6), (100, 51), (100, 60), (100, 99), (1000, 530), (5000, 4000)] {
            let exact = binomial_partial_sum(n, m).unwrap();
            let want = big_times_pow2(&exact, -(n as i64));
            assert_relative_eq!(binomial_cdf_half(n, m), want, max_relative = 1e-12);
        }
    }

    #[test]
    fn cdf_far_below_the_middle_keeps_its_relative_precision() {
        // P(Bin(n, 1/2) <= m) of 2e-3 down to 1e-180 (m below n / 2), against S(n, m) / 2^n in big integers: to
        // 1e-12 of itself, not of 1 (one less the complement would read 0)
        for &(n, m) in &[(100u64, 10u64), (100, 2), (1000, 100), (1001, 300), (5000, 1500), (5000, 2400)] {
            let want = big_times_pow2(&binomial_partial_sum(n, m).unwrap(), -(n as i64));
            assert!(want > 0.0 && want < 0.5);
            assert_relative_eq!(binomial_cdf_half(n, m), want, max_relative = 1e-12);
        }
    }

    #[test]
    fn cdf_at_half_is_one_half_for_odd_n() {
        // For odd n = 2D - 1, S(n, D - 1) = 2^(n-1) exactly.
        for d in [1u64, 5, 50, 5000, 500_000] {
            assert_relative_eq!(binomial_cdf_half(2 * d - 1, d - 1), 0.5, max_relative = 1e-12);
        }
    }

    #[test]
    fn ln_binomial_half_matches_exact_big_integers() {
        for &(n, k) in
            &[(100u64, 30u64), (100, 50), (1000, 480), (10_000, 4_000), (200_000, 100_123), (50, 39), (50, 41)]
        {
            let c = binomial(n, k).unwrap();
            let shift = c.bits().saturating_sub(60);
            let ln_c = ((&c >> shift).to_f64().unwrap()).ln() + shift as f64 * LN_2 - n as f64 * LN_2;
            assert_relative_eq!(ln_binomial_half(n, k), ln_c, max_relative = 1e-12, epsilon = 1e-12);
        }
    }

    #[test]
    fn ln_binomial_half_steps_by_the_exact_ratio_at_huge_n() {
        // ln C(n, k + 1) - ln C(n, k) = ln((n - k) / (k + 1)), about 3e-9 here, which a double of the ratio gives to
        // 1e-16 absolute. Until the forty-fifth pass k and k + 1 were rounded to one double near 2^62 (and the sum
        // cancelled terms of size sqrt(n) |z|), so the step read 0 or noise of 1e-7.
        for &n in &[1u64 << 62, (1u64 << 63) + 12_345, u64::MAX - 7, 1_000_000_000_000] {
            let root = (n as f64).sqrt() as u64;
            for &z in &[0u64, 3, 7] {
                let k = n / 2 - z * root;
                let step = ln_binomial_half(n, k + 1) - ln_binomial_half(n, k);
                let exact = ((n - k) as f64 / (k + 1) as f64).ln();
                assert!((step - exact).abs() < 1e-12, "n {n} k {k}: step {step:e}, exact {exact:e}");
            }
        }
    }

    #[test]
    fn ln_binomial_half_far_from_the_middle_of_huge_n_is_ln_binomial_less_n_ln_2() {
        // k (or n - k) from 40 to 600 at n >= 2^61: t = (2k - n)/n rounded to -1 (or 1) and the value read +inf until a
        // review of the forty-fifth pass. ln_binomial's product of ratios (small side below 40) or its own Stirling
        // form is the other path; both are relative to a value of about -n ln 2.
        for &n in &[1u64 << 61, 1u64 << 62, u64::MAX - 3] {
            for &s in &[40u64, 41, 100, 599] {
                for k in [s, n - s] {
                    let v = ln_binomial_half(n, k);
                    let w = ln_binomial(n, k) - n as f64 * LN_2;
                    assert!(v.is_finite() && ((v - w) / w).abs() < 1e-14, "n {n} k {k}: {v} vs {w}");
                }
            }
        }
    }

    #[test]
    fn huge_arguments_are_finite() {
        let v = ln_regions(1_000_000_000, 1_000_000_000 / 3);
        assert!(v.is_finite() && v > 0.0 && v < 1e9 * LN_2);
        assert_eq!(ln_regions(5, 1_000_000_000), 5.0 * LN_2);
    }

    #[test]
    fn quadrature_sum_matches_the_term_by_term_sum() {
        // Both paths on sizes where the direct loop is still affordable.
        for &(n, m) in &[
            (10_000_000_000u64, 4_999_990_000u64),
            (10_000_000_000, 5_000_000_000),
            (1u64 << 40, (1u64 << 39) - 3_000_000),
        ] {
            let direct = ln_lower_sum_half_with(n, m, f64::INFINITY);
            let fast = ln_lower_sum_half_with(n, m, 0.0);
            assert!((direct - fast).abs() < 1e-10, "{n} {m}: {direct} vs {fast}");
        }
    }

    #[test]
    fn quadrature_sum_matches_the_term_by_term_sum_across_scales() {
        // The quadrature's step is s / 400 rounded down, s the terms' scale min(sqrt(n) / 2, n / (n - 2m + 1)),
        // 2e4 or more where it is used: both paths agree to 1e-10 over a sweep of s from 2e4 to 1.2e5, set by
        // sqrt(n) (m at the middle and a scale below) or by the gap n - 2m (n = 10^12), and where s is just under
        // a multiple of 400 (the step's rounding at its largest).
        let mut cases = Vec::new();
        for i in 0..12 {
            let s = 2.0e4 * 6f64.powf(i as f64 / 11.0);
            let n = (4.0 * s * s) as u64;
            let root = (n as f64).sqrt() as u64;
            cases.extend([(n, n / 2), (n, n / 2 - root)]);
        }
        for s in [20_000.0, 24_399.5, 30_799.9, 50_399.5, 80_000.0, 119_999.5f64] {
            let n = 1_000_000_000_000u64;
            let gap = (n as f64 / s) as u64;
            cases.push((n, (n + 1 - gap) / 2));
        }
        for (n, m) in cases {
            let direct = ln_lower_sum_half_with(n, m, f64::INFINITY);
            let fast = ln_lower_sum_half_with(n, m, 0.0);
            assert!((direct - fast).abs() < 1e-10, "{n} {m}: {direct} vs {fast}");
        }
    }

    #[test]
    fn a_sum_far_below_the_middle_of_a_huge_n_is_nearly_geometric() {
        // Below the middle C(n, m - j) / C(n, m) = q^j prod_{i<j} (1 - i/m) / (1 + i/(n - m + 1)), q = m / (n - m + 1),
        // so the sum of the ratios is 1/(1 - q) - c q^2/(1 - q)^3 to first order in c = 1/m + 1/(n - m + 1) (the
        // next terms below 1e-15 here). The terms fall by q a step, far too fast for the quadrature's step of one.
        let n = 1_000_000_000_000u64;
        for m in [1_000_000_000u64, 100_000_000_000, 300_000_000_000, 490_000_000_000] {
            let (nf, mf) = (n as f64, m as f64);
            let q = mf / (nf - mf + 1.0);
            let c = 1.0 / mf + 1.0 / (nf - mf + 1.0);
            let want = (1.0 / (1.0 - q) - c * q * q / (1.0 - q).powi(3)).ln();
            let got = ln_ratio_sum(n, m, FAST_SUM_STEPS);
            assert!((got - want).abs() < 1e-12, "m = {m}: {got} vs {want}");
            assert!((ln_partial_sum(n, m) - ln_binomial(n, m) - want).abs() < 1e-3, "m = {m}");
        }
    }

    #[test]
    fn huge_log_counts_are_finite_and_right() {
        // the sizes of a hang before (not timed: a test asserts values, not speed): the partial sum just past
        // the middle of n = 2^64 - 1 is about half of 2^n (the symmetric sum's halves), so its log is n ln 2 up to
        // far less than the tolerance, and the CDF at the middle of an even n is 1/2 + a term of order n^-1/2
        let v = ln_partial_sum(u64::MAX, 1u64 << 63);
        assert!((v - u64::MAX as f64 * LN_2).abs() < 1.0e4, "{v}");
        let p = binomial_cdf_half(u64::MAX - 1, (1u64 << 63) - 2);
        assert!((p - 0.5).abs() < 1e-9, "{p}");
    }
}
