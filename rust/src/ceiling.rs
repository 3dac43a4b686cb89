//! Upper bounds ("ceilings") on the training accuracy any two-layer network
//! of a given size can reach on random fair-coin labels.
//!
//! * `d = 1`: the output of `L` ReLU units is continuous piecewise linear with
//!   at most `L` kinks, so along the sorted points its sign changes at most
//!   `L + 1` times, and for one or two units at most `L` times
//!   ([`d1_max_sign_changes`]). The best agreement of a sign sequence with at most `k`
//!   changes is an exact dynamic programme (`theory.md` §4); its expectation
//!   over random labels is averaged over many labelings.
//! * `d > 1`: a counting (union) bound. A `d -> L -> 1` ReLU net realises at
//!   most `K = [Cov(N, d+1)]^L * Cov(N, L(d+1)+1)` dichotomies of `N` points
//!   (hidden sign patterns per unit times the linear readouts given them), so
//!   `P(best accuracy >= a) <= K * S(N, (1-a)N) / 2^N`, and
//!   `E[best] <= a + (1 - a) min(1, that)` for every `a`.

use crate::counting::ln_partial_sum;
use crate::error::{invalid, CoreResult};
use crate::limits::{self, Cancel};
use crate::rng::stream;
use rand::RngExt;
use rayon::prelude::*;
use std::f64::consts::LN_2 as LN2;

/// Best agreement (number of points) between labels `y` and any sign sequence
/// with at most `k` changes. `O(N k)` time, `O(k)` memory.
pub fn best_agreement(y: &[u8], k: usize) -> usize {
    // A token that never fires: the programme cannot be interrupted.
    best_agreement_until(y, k, &Cancel::default()).unwrap_or(0)
}

/// [`best_agreement`], checking `cancel` every [`limits::CHECK_WORK`] cell updates (2^22: `2 (k + 1)` a label).
fn best_agreement_until(y: &[u8], k: usize, cancel: &Cancel) -> CoreResult<usize> {
    let n = y.len();
    if n == 0 {
        return Ok(0);
    }
    let k = k.min(n - 1);
    let stride = limits::items_per(limits::CHECK_WORK, 2 * (k + 1));
    // d[j][c]: best agreement so far using exactly j changes, current label c.
    let mut d = vec![[NEG; 2]; k + 1];
    d[0][0] = (y[0] == 0) as i64;
    d[0][1] = (y[0] == 1) as i64;
    for (i, &yi) in y[1..].iter().enumerate() {
        if i % stride == stride - 1 {
            cancel.check()?;
        }
        advance(&mut d, yi);
    }
    Ok(d.iter().flat_map(|r| r.iter()).copied().max().unwrap_or(0) as usize)
}

/// No agreement yet: a state the programme cannot be in.
const NEG: i64 = i64::MIN / 4;

/// One label `yi` more through the programme's states `d[j][c]` (the best agreement so far using exactly `j`
/// changes, current label `c`): keep the label or change it.
fn advance(d: &mut [[i64; 2]], yi: u8) {
    for j in (0..d.len()).rev() {
        for c in 0..2 {
            let switch = if j > 0 { d[j - 1][1 - c] } else { NEG };
            d[j][c] = d[j][c].max(switch) + (yi as usize == c) as i64;
        }
    }
}

/// Mean and standard error over `labelings` random labelings of
/// `best_agreement(y, k) / n` (each labeling from its own stream of `seed`).
///
/// Errors: `InvalidArgument` when `n` or `labelings` is 0; `TooLarge` when the labels or the
/// programme's work (`n (k + 1)` per labeling) pass the limits; `Interrupted` on Ctrl-C.
pub fn d1_ceiling(n: usize, k: usize, labelings: usize, seed: u64) -> CoreResult<(f64, f64)> {
    if n == 0 {
        return invalid("n (the number of points) must be >= 1");
    }
    if labelings == 0 {
        return invalid("labelings must be >= 1");
    }
    if k >= n - 1 {
        return Ok((1.0, 0.0)); // any labelling has at most n - 1 changes
    }
    let what = format!("the d = 1 ceiling of {n} points with {k} sign changes over {labelings} labelings");
    limits::check_bytes(&what, n as f64 * rayon::current_num_threads() as f64 + 8.0 * labelings as f64)?;
    limits::check_work(&what, n as f64 * (k.min(n - 1) + 1) as f64 * labelings as f64, None)?;
    d1_values(n, k, labelings, seed, &Cancel::current())
}

/// [`d1_ceiling`] without the checks (the sizes of [`computed`] are small), for `k + 1 < n` (both
/// callers answer the other case at once).
fn d1_values(n: usize, k: usize, labelings: usize, seed: u64, cancel: &Cancel) -> CoreResult<(f64, f64)> {
    let vals: Vec<f64> = (0..labelings as u64)
        .into_par_iter()
        .map(|t| {
            cancel.check()?;
            let mut rng = stream(seed, t, 0xD1);
            let y: Vec<u8> = (0..n).map(|_| rng.random::<bool>() as u8).collect();
            Ok(best_agreement_until(&y, k, cancel)? as f64 / n as f64)
        })
        .collect::<CoreResult<_>>()?;
    let m = vals.iter().sum::<f64>() / vals.len() as f64;
    let var =
        if vals.len() > 1 { vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (vals.len() - 1) as f64 } else { 0.0 };
    Ok((m, (var / vals.len() as f64).sqrt()))
}

/// `ln` of the number of dichotomies of `n` points a `d -> widths -> 1` ReLU
/// network can realise (upper bound): each hidden unit of layer `l` is an
/// affine threshold of a `fan_in`-dimensional input, and the readout is
/// linear in `sum_l width_l (fan_in_l + 1) + 1` reparametrised weights given the patterns.
pub fn ln_dichotomies(d: u64, n: u64, widths: &[u64]) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let ln_cov = |dim: u64| -> f64 {
        // Cov(n, dim) = 2 S(n - 1, dim - 1)
        if dim == 0 {
            return f64::NEG_INFINITY;
        }
        LN2 + ln_partial_sum(n - 1, dim - 1)
    };
    let mut total = 0.0;
    let mut fan_in = d;
    let mut readout_dims = 1u64;
    for &w in widths {
        total += w as f64 * ln_cov(fan_in.saturating_add(1));
        readout_dims = readout_dims.saturating_add(w.saturating_mul(fan_in.saturating_add(1)));
        fan_in = w;
    }
    total + ln_cov(readout_dims)
}

/// Counting upper bound on the expected best training accuracy on `n`
/// random labels for a function class with `exp(ln_k)` dichotomies.
///
/// The minimum over 400 numbers of errors allowed `r` (at most `n / 2`) of `a + (1 - a) min(1, p)`, with
/// `a = 1 - r / n` and `p = K S(n, r) / 2^n`, found without evaluating most of them: `p` grows with `r`, so a
/// bisection finds the last `r` where `p < 1` (beyond it every term is 1), and the walk down from there stops
/// once `a` alone reaches the best term so far (every smaller `r` has a larger `a`). The same minimum as
/// evaluating all 400 (tested against that), in a dozen evaluations instead of 400: microseconds, which the
/// 10 µs budget of a scalar estimate at a new size needs.
pub fn union_ceiling(n: u64, ln_k: f64) -> f64 {
    if n == 0 || ln_k >= n as f64 * LN2 {
        return 1.0;
    }
    let steps = 400u64.min(n / 2 + 1);
    // a = 1 - r / n with r errors allowed; P(best >= a) <= K S(n, r) / 2^n.
    let errors = |s: u64| ((n / 2) as u128 * s as u128 / steps as u128) as u64; // no overflow: r <= n / 2
    let ln_p = |s: u64| ln_k + ln_partial_sum(n, errors(s)) - n as f64 * LN2;
    // the last step with p < 1 (ln_p is non-decreasing in the step), if any
    if ln_p(0) >= 0.0 {
        return 1.0;
    }
    let (mut lo, mut hi) = (0u64, steps + 1); // ln_p(lo) < 0; hi: past the end or ln_p(hi) >= 0
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ln_p(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut best = 1.0f64;
    for s in (0..=lo).rev() {
        let a = 1.0 - errors(s) as f64 / n as f64;
        if a >= best {
            break;
        }
        best = best.min(a + (1.0 - a) * ln_p(s).exp());
    }
    best
}

/// Largest `N (k + 1)` for which the `d = 1` ceiling is the exact dynamic
/// programme's expectation (read from `d1_table`); above it, the counting bound (sound, looser) is returned.
pub const D1_EXACT_WORK: u64 = 200_000;

/// Rows of the `d = 1` table: every `N` up to this, then `N` about 4% apart ([`D1_N_RATIO`]); columns: every
/// `k` up to this, then `k` about 5% apart ([`D1_K_RATIO`]).
const D1_GRID_EXACT: u64 = 64;
const D1_N_RATIO: f64 = 1.04;
const D1_K_RATIO: f64 = 1.05;
/// Rows up to this `N` are exact: the mean over every labeling, not over random ones.
const D1_ENUMERATED: u64 = 20;
/// A value `v` in `[1/2, 1]` is stored as the `u16` `round((v - 1/2) D1_SCALE)` (steps of 7.6e-6).
const D1_SCALE: f64 = 131_070.0;
/// The committed table: [`d1_table_generate`]'s output (`cargo run --release --example d1_table`).
const D1_TABLE: &[u8] = include_bytes!("ceiling_d1.bin");

/// The grid of the `d = 1` table: the rows' `N`, the columns' `k` (shared by every row, so that rows interpolate
/// between the same columns), each row's length and offset. Row `i` holds the columns up to the first one at or
/// above the largest `k` any `N` in `(N[i-1], N[i]]` asks for inside [`D1_EXACT_WORK`] (and at most `N[i] - 2`:
/// beyond it every labeling fits).
struct D1Grid {
    ns: Vec<u64>,
    ks: Vec<u64>,
    lens: Vec<usize>,
    offsets: Vec<usize>,
}

fn d1_grid() -> &'static D1Grid {
    static GRID: std::sync::OnceLock<D1Grid> = std::sync::OnceLock::new();
    GRID.get_or_init(|| {
        let mut ns: Vec<u64> = (2..=D1_GRID_EXACT).collect();
        while ns[ns.len() - 1] < D1_EXACT_WORK {
            let last = ns[ns.len() - 1];
            ns.push((last as f64 * D1_N_RATIO).ceil() as u64);
        }
        let kcap = |i: usize| if i == 0 { 0 } else { (ns[i] - 2).min((D1_EXACT_WORK / ns[i - 1]).saturating_sub(1)) };
        let top = (0..ns.len()).map(kcap).max().unwrap_or(0);
        let mut ks: Vec<u64> = (0..=D1_GRID_EXACT).collect();
        while ks[ks.len() - 1] < top {
            let last = ks[ks.len() - 1];
            ks.push((last as f64 * D1_K_RATIO).ceil() as u64);
        }
        let lens: Vec<usize> = (0..ns.len())
            .map(|i| {
                let upto = ks.partition_point(|&k| k < kcap(i)) + 1; // through the first column >= kcap
                upto.min(ks.partition_point(|&k| k + 2 <= ns[i])) // columns k <= N - 2
            })
            .collect();
        let offsets = lens
            .iter()
            .scan(0, |acc, &l| {
                let o = *acc;
                *acc += l;
                Some(o)
            })
            .collect();
        D1Grid { ns, ks, lens, offsets }
    })
}

/// Row `i` of the table at `k` sign changes: 1 from `k = N - 1` on, else linear between the two columns around
/// `k` (between the last column and 1 at `N - 1` past the last column).
fn d1_row(values: &dyn Fn(usize) -> f64, g: &D1Grid, i: usize, k: u64) -> f64 {
    let (n, len, off) = (g.ns[i], g.lens[i], g.offsets[i]);
    if k + 1 >= n {
        return 1.0;
    }
    let ks = &g.ks[..len];
    let j = ks.partition_point(|&c| c <= k); // >= 1: ks[0] = 0
    let (k0, v0) = (ks[j - 1] as f64, values(off + j - 1));
    let (k1, v1) = if j < len { (ks[j] as f64, values(off + j)) } else { ((n - 1) as f64, 1.0) };
    if k as f64 == k0 {
        return v0;
    }
    v0 + (v1 - v0) * (k as f64 - k0) / (k1 - k0)
}

/// The table's value at `N = n` and `k` sign changes: the row itself, or linear in `ln N` between the rows around
/// `n`. For `2 <= n`, `k + 1 < n` and `n (k + 1) <= D1_EXACT_WORK` (elsewhere the callers answer first).
fn d1_lookup(values: &dyn Fn(usize) -> f64, n: u64, k: u64) -> f64 {
    let g = d1_grid();
    let i = g.ns.partition_point(|&m| m < n);
    if g.ns[i] == n {
        return d1_row(values, g, i, k);
    }
    let (a, b) = (g.ns[i - 1] as f64, g.ns[i] as f64);
    let t = (n as f64 / a).ln() / (b / a).ln();
    (1.0 - t) * d1_row(values, g, i - 1, k) + t * d1_row(values, g, i, k)
}

/// The exact `d = 1` ceiling of `n` points and `k` sign changes: the expected best agreement of random labels
/// with a sign sequence of at most `k` changes, as a share of `n`, read from a table in microseconds (its rows up
/// to `N = 20` are means over every labeling; the others over 10,000 to a million random ones, standard error
/// below 0.0005; between rows and columns, linear interpolation). For `2 <= n`, `k + 1 < n` and
/// `n (k + 1) <= D1_EXACT_WORK`; the value is non-decreasing in `k` and non-increasing in `n`.
pub(crate) fn d1_table(n: u64, k: u64) -> f64 {
    debug_assert!(n >= 2 && k + 1 < n && n * (k + 1) <= D1_EXACT_WORK);
    d1_lookup(&|e| 0.5 + u16::from_le_bytes([D1_TABLE[2 * e], D1_TABLE[2 * e + 1]]) as f64 / D1_SCALE, n, k)
}

/// The programme over one labeling `y`, recording at each length `m` in `at` (ascending) the best agreement of
/// the first `m` labels with at most `k` changes for every column `k` of `cols[r]` (ascending, at most `kmax`)
/// into `sums[r]`.
fn d1_prefix_sums(y: &[u8], kmax: usize, at: &[usize], cols: &[&[u64]], sums: &mut [Vec<u64>]) {
    let mut d = vec![[NEG; 2]; kmax + 1];
    d[0][0] = (y[0] == 0) as i64;
    d[0][1] = (y[0] == 1) as i64;
    let mut r = 0;
    for (i, &yi) in y.iter().enumerate() {
        if i > 0 {
            advance(&mut d, yi);
        }
        while r < at.len() && at[r] == i + 1 {
            let (mut best, mut col) = (0i64, 0);
            for (j, dj) in d.iter().enumerate() {
                best = best.max(dj[0]).max(dj[1]);
                while col < cols[r].len() && cols[r][col] as usize == j {
                    sums[r][col] += best as u64;
                    col += 1;
                }
            }
            r += 1;
        }
    }
}

/// Builds the `d = 1` table (the bytes of `ceiling_d1.bin`; `cargo run --release --example d1_table`, about a
/// minute on two cores). Rows up to `N = 20`: the exact mean over all `2^20` labelings (the first `N` labels of
/// every labeling of 20 run through each labeling of `N` equally often). Longer rows, in bands of doubling `N`:
/// random labelings (seeded streams, 10,000 to a million a band, each as long as the band's last row), whose
/// prefixes give every row of the band. Sums are integers, so the table is the same at any thread count. Then
/// the noise is ironed out where it breaks the true order (each row non-decreasing in `k`, each column
/// non-increasing in `N`, also between columns and rows as `d1_table` interpolates); returns the bytes and the
/// largest change that made.
pub fn d1_table_generate() -> (Vec<u8>, f64) {
    let g = d1_grid();
    let rows = g.ns.len();
    let mut mean = vec![0.0f64; g.offsets[rows - 1] + g.lens[rows - 1]];
    // bands: N <= 20 enumerated; then (20, 40], (40, 64], (64, 128], (128, 256], ...
    let mut bands: Vec<(usize, usize)> = Vec::new(); // row ranges
    let mut lo = 0;
    let mut edge = D1_ENUMERATED;
    while lo < rows {
        let hi = g.ns.partition_point(|&m| m <= edge).max(lo + 1);
        bands.push((lo, hi));
        lo = hi;
        edge = if edge == D1_ENUMERATED {
            40
        } else if edge == 40 {
            D1_GRID_EXACT
        } else {
            edge * 2
        };
    }
    for (b, &(lo, hi)) in bands.iter().enumerate() {
        let at: Vec<usize> = g.ns[lo..hi].iter().map(|&m| m as usize).collect();
        let cols: Vec<&[u64]> = (lo..hi).map(|i| &g.ks[..g.lens[i]]).collect();
        let kmax = cols.iter().map(|c| c[c.len() - 1]).max().unwrap_or(0) as usize;
        let len = at[at.len() - 1];
        let empty = || cols.iter().map(|c| vec![0u64; c.len()]).collect::<Vec<_>>();
        let add = |mut a: Vec<Vec<u64>>, b: Vec<Vec<u64>>| {
            a.iter_mut().zip(b).for_each(|(x, y)| x.iter_mut().zip(y).for_each(|(p, q)| *p += q));
            a
        };
        let enumerate = b == 0;
        let labelings: u64 = if enumerate {
            1 << len
        } else {
            (4e9 / (len as f64 * (kmax + 1) as f64)).clamp(10_000.0, 1_000_000.0) as u64
        };
        let sums = (0..labelings)
            .into_par_iter()
            .fold(empty, |mut acc, t| {
                let y: Vec<u8> = if enumerate {
                    (0..len).map(|i| (t >> i & 1) as u8).collect()
                } else {
                    let mut rng = stream(0xD1_7AB1E, b as u64, t);
                    (0..len).map(|_| rng.random::<bool>() as u8).collect()
                };
                d1_prefix_sums(&y, kmax, &at, &cols, &mut acc);
                acc
            })
            .reduce(empty, add);
        for (r, i) in (lo..hi).enumerate() {
            for (c, s) in sums[r].iter().enumerate() {
                mean[g.offsets[i] + c] = *s as f64 / (labelings as f64 * g.ns[i] as f64);
            }
        }
    }
    // iron: rows non-decreasing in k, then each row at most the previous row (as interpolated) at its columns
    let raw = mean.clone();
    for i in 0..rows {
        let (off, len) = (g.offsets[i], g.lens[i]);
        for c in 1..len {
            mean[off + c] = mean[off + c].max(mean[off + c - 1]).min(1.0);
        }
        if i > 0 {
            for c in 0..len {
                let prev = d1_row(&|e| mean[e], g, i - 1, g.ks[c]);
                mean[off + c] = mean[off + c].min(prev);
            }
        }
    }
    let ironed = raw.iter().zip(&mean).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let bytes = mean.iter().flat_map(|v| (((v - 0.5).max(0.0) * D1_SCALE).round() as u16).to_le_bytes()).collect();
    (bytes, ironed)
}

/// Entries kept by the cache of ceilings (each a key of `2 + layers` integers and a value); it is emptied
/// when full.
const CACHE_ENTRIES: usize = 1 << 16;

/// The accuracy ceiling of a `d -> widths -> 1` ReLU network on `n` random labels:
/// for `d = 1` and one hidden layer of `L` units the exact dynamic programme over the
/// at most `k` sign changes ([`d1_max_sign_changes`]: `L + 1`, or `L` for `L <= 2`) when `n (k + 1) <=
/// D1_EXACT_WORK`, otherwise the counting bound over the `2 S(n - 1, k)` sign sequences with that many changes;
/// in every other case the counting bound over the network's dichotomies.
///
/// Memoised: the counting bound costs tens of microseconds (400 binomial tails), while estimates and sizing
/// questions ask for the same sizes again and again; a cached value costs one hash lookup (`python
/// benchmarks/bench_estimate.py` compares the public call computed and cached). The exact `d = 1` ceiling is
/// read from a table (`d1_table`; until the thirtieth pass it was the programme over up to 400 labelings,
/// milliseconds a size). Every value is deterministic, so a cached value equals a recomputed one at any thread
/// count.
///
/// ```
/// use _core::ceiling::ceiling;
/// // One ReLU unit on a line changes sign at most once. Brute force over every labelling of 8 points: the best
/// // agreement with a sign sequence of at most one change, averaged.
/// let n = 8usize;
/// let mut total = 0usize;
/// for y in 0u32..1 << n {
///     let mut best = 0;
///     for s in 0u32..1 << n {
///         let changes = (0..n - 1).filter(|&i| (s >> i & 1) != (s >> (i + 1) & 1)).count();
///         if changes <= 1 {
///             best = best.max(n - (y ^ s).count_ones() as usize);
///         }
///     }
///     total += best;
/// }
/// let exact = total as f64 / (n << n) as f64;
/// // the table stores the exact means of up to 20 points in steps of 7.6e-6
/// assert!((ceiling(1, n as u64, &[1]) - exact).abs() < 1e-5);
/// ```
pub fn ceiling(d: u64, n: u64, widths: &[u64]) -> f64 {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<Vec<u64>, f64>>> = OnceLock::new();
    if n <= 1 {
        return 1.0;
    }
    let key: Vec<u64> = [d, n].iter().chain(widths).copied().collect();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // a panic elsewhere while the lock was held leaves a map that is still valid: read through the poison
    if let Some(&v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return v;
    }
    let v = computed(d, n, widths); // outside the lock: other threads read meanwhile
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= CACHE_ENTRIES {
        map.clear();
    }
    map.insert(key, v);
    v
}

/// The most times the output `c + sum_i w_i relu(a_i x + b_i)` of `l` ReLU units can change sign along the line:
/// `l + 1` for `l >= 3`, but `l` for one or two units (and 0 for none, a constant).
///
/// The output is continuous and piecewise linear with at most `l` kinks, so it has at most `l + 1` pieces and a
/// zero on each at most. Each unit is flat on one side of its kink: a unit facing right (`a > 0`) adds its slope to
/// the pieces right of its kink, one facing left to those left of it. One unit: one of the two pieces is flat, so
/// at most one zero. Two units: both facing right leave the first piece flat, both facing left the last; one of
/// each leaves the middle piece flat when the left-facing kink comes first, and otherwise makes the middle slope
/// the sum of the outer two, so the three slopes cannot alternate in sign. Three units reach four changes (left-
/// facing at the last kink, slopes `1, -1, 1/2, -1/2`: `tests/test_estimate.py` builds it), and so do more.
pub fn d1_max_sign_changes(l: u64) -> u64 {
    if l <= 2 {
        l
    } else {
        l.saturating_add(1)
    }
}

/// [`ceiling`], computed.
fn computed(d: u64, n: u64, widths: &[u64]) -> f64 {
    if d == 1 && widths.len() == 1 {
        let k = d1_max_sign_changes(widths[0]);
        if k.saturating_add(1) >= n {
            return 1.0;
        }
        if n.saturating_mul(k + 1) <= D1_EXACT_WORK {
            return d1_table(n, k);
        }
        return union_ceiling(n, LN2 + ln_partial_sum(n - 1, k));
    }
    union_ceiling(n, ln_dichotomies(d, n, widths))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Brute force over every sign sequence of length n.
    fn brute(y: &[u8], k: usize) -> usize {
        let n = y.len();
        (0u32..1 << n)
            .filter(|z| (1..n).filter(|&i| (z >> i & 1) != (z >> (i - 1) & 1)).count() <= k)
            .map(|z| (0..n).filter(|&i| (z >> i & 1) as u8 == y[i]).count())
            .max()
            .unwrap()
    }

    #[test]
    fn the_cache_returns_what_is_computed_for_every_shape() {
        // Keys of different depth must not collide ([2, 100, 3] is d = 2, N = 100, one layer of 3, not a prefix
        // of a deeper key), and a value read back equals a fresh computation, in any order of first use.
        let cases: [(u64, u64, &[u64]); 7] = [
            (2, 100, &[3]),
            (2, 100, &[3, 4]),
            (2, 100, &[3, 4, 5]),
            (1, 40, &[8]),
            (1, 40, &[8, 8]),
            (3, 2, &[1]),
            (1, 5000, &[300]),
        ];
        for round in 0..2 {
            for &(d, n, w) in cases.iter().rev().skip(round) {
                assert_eq!(ceiling(d, n, w), computed(d, n, w), "({d}, {n}, {w:?})");
            }
        }
        assert_ne!(ceiling(2, 100, &[3]), ceiling(2, 100, &[3, 4]));
        assert_eq!(ceiling(1, 40, &[8]), d1_table(40, 9));
    }

    #[test]
    fn dp_matches_brute_force() {
        let mut rng = stream(1, 2, 3);
        for n in 1..12 {
            for _ in 0..20 {
                let y: Vec<u8> = (0..n).map(|_| rng.random::<bool>() as u8).collect();
                for k in 0..n + 1 {
                    assert_eq!(best_agreement(&y, k), brute(&y, k), "{y:?} k={k}");
                }
            }
        }
    }

    #[test]
    fn the_programme_checks_its_token_every_check_work_cell_updates() {
        // A label costs 2 (k + 1) cell updates. A token fired before the call stops a labeling one label past
        // CHECK_WORK updates (Interrupted), and one of half CHECK_WORK runs to its end (a check each label would
        // stop it): the check comes once each CHECK_WORK updates, not every label and not never.
        let fired = Cancel::new();
        fired.cancel();
        for k in [0usize, 3, 40] {
            let cells = 2 * (k + 1);
            let labels = |m: usize| -> Vec<u8> { (0..m).map(|i| (i % 7 < 3) as u8).collect() };
            let short = labels(limits::CHECK_WORK / 2 / cells);
            assert_eq!(best_agreement_until(&short, k, &fired).unwrap(), best_agreement(&short, k), "k={k}");
            let long = labels(limits::CHECK_WORK / cells + 2);
            let r = best_agreement_until(&long, k, &fired);
            assert!(matches!(r, Err(crate::error::CoreError::Interrupted)), "k={k}: {r:?}");
        }
    }

    /// The exact mean over every labeling of `n` of the best agreement with at most `k` changes, by [`brute`].
    pub(crate) fn brute_mean(n: usize, k: usize) -> f64 {
        let total: usize =
            (0u32..1 << n).map(|z| brute(&(0..n).map(|i| (z >> i & 1) as u8).collect::<Vec<_>>(), k)).sum();
        total as f64 / ((1u64 << n) as f64 * n as f64)
    }

    #[test]
    fn d1_table_is_exact_where_it_enumerates() {
        // rows up to N = 20 are means over every labeling; against enumeration of every sign sequence (`brute`,
        // not the programme) up to N = 9, within the storage step (7.6e-6)
        for n in 2..=9u64 {
            for k in 0..n - 1 {
                let (got, want) = (d1_table(n, k), brute_mean(n as usize, k as usize));
                assert!((got - want).abs() < 4e-6, "N={n} k={k}: {got} vs {want}");
            }
        }
        assert!((d1_table(2, 0) - 0.75).abs() < 4e-6); // 00, 11 agree on both points, 01 and 10 on one
    }

    #[test]
    fn d1_table_agrees_with_the_programme_on_fresh_labelings() {
        // Monte Carlo means of the programme over labelings the table never saw (another seed), at sizes on and
        // between the table's rows and columns, across the whole exact region: within 4 standard errors and the
        // interpolation's 1e-3.
        let mut rng = stream(77, 0, 1);
        let mut cases = vec![(21u64, 3u64), (64, 62), (65, 63), (300, 150), (447, 445), (1000, 199), (66_666, 2)];
        for _ in 0..40 {
            let n = (2.0f64 * (D1_EXACT_WORK as f64 / 3.0 / 2.0).powf(rng.random::<f64>())) as u64;
            let top = (n - 2).min(D1_EXACT_WORK / n - 1);
            cases.push((n, (top as f64 * rng.random::<f64>()) as u64));
        }
        for (n, k) in cases {
            if n < 3 || k + 1 >= n {
                continue;
            }
            let labelings = (4_000_000 / (n * (k + 1))).clamp(64, 4000) as usize;
            let (m, se) = d1_ceiling(n as usize, k as usize, labelings, 99).unwrap();
            let got = d1_table(n, k);
            assert!((got - m).abs() < 4.0 * se + 1e-3, "N={n} k={k}: table {got}, programme {m} +- {se}");
        }
    }

    #[test]
    fn d1_table_is_monotone_between_its_rows_and_columns() {
        // more sign changes never fit worse, more points never better, also where the table interpolates
        let mut rng = stream(78, 0, 1);
        for _ in 0..20_000 {
            let n = 3 + (rng.random::<f64>() * 4000.0) as u64;
            let top = (n - 2).min(D1_EXACT_WORK / (n + 1) - 1);
            let k = (top as f64 * rng.random::<f64>()) as u64;
            let v = d1_table(n, k);
            assert!((0.5..=1.0).contains(&v), "N={n} k={k}: {v}");
            if k < top {
                assert!(d1_table(n, k + 1) >= v, "k: N={n} k={k}");
            }
            if k + 2 < n + 1 {
                assert!(d1_table(n + 1, k) <= v, "N: N={n} k={k}");
            }
        }
    }

    #[test]
    fn d1_table_reads_every_size_of_the_exact_region() {
        // the largest k at each N (where a row is shortest against what it is asked), and the smallest
        for n in 3..=D1_EXACT_WORK {
            let top = (n - 2).min(D1_EXACT_WORK / n - 1);
            for k in [0, top / 2, top] {
                let v = d1_table(n, k);
                assert!((0.5..=1.0).contains(&v), "N={n} k={k}: {v}");
            }
            if top == 0 {
                break;
            }
        }
    }

    #[test]
    #[ignore = "regenerates the whole table: about a minute in a release build"]
    fn d1_table_is_what_the_generator_writes() {
        assert_eq!(d1_table_generate().0, D1_TABLE);
    }

    /// The closed form with no sign change (`k = 0`): the best constant labelling fits `max(S, n - S)` of `n`
    /// fair-coin labels, `S ~ Binomial(n, 1/2)`; its mean share, summed exactly over `S`.
    fn constant_fit_mean(n: usize) -> f64 {
        let mut p = 0.5f64.powi(n as i32); // P(S = 0)
        let mut total = 0.0;
        for s in 0..=n {
            total += p * s.max(n - s) as f64;
            p *= (n - s) as f64 / (s + 1) as f64;
        }
        total / n as f64
    }

    #[test]
    fn no_sign_change_is_the_binomial_closed_form() {
        // the programme (Monte Carlo over labelings) and the shipped table (exact up to N = 20, standard error
        // below 0.0005 beyond), against E max(S, n - S) / n; N = 20: 1/2 + C(20, 10) / 2^21 = 0.58810
        assert!((constant_fit_mean(20) - (0.5 + 184_756.0 / 2_097_152.0)).abs() < 1e-15);
        for n in [5usize, 20, 50, 101, 200] {
            let want = constant_fit_mean(n);
            let (m, se) = d1_ceiling(n, 0, 4000, 7).unwrap();
            assert!((m - want).abs() < 4.0 * se, "N={n}: {m} +- {se} vs {want}");
            let table = d1_table(n as u64, 0);
            let tol = if n <= 20 { 1e-4 } else { 2e-3 };
            assert!((table - want).abs() < tol, "N={n}: table {table} vs {want}");
        }
    }

    #[test]
    fn d1_bound_above_the_exact_size_is_sound_and_is_the_union_bound() {
        // Just above the exact size the bound must not fall below the exact value.
        for &(n, l) in &[(2000u64, 120u64), (5000, 40), (20000, 9), (1000, 300)] {
            assert!(n * (l + 2) > D1_EXACT_WORK);
            let (exact, se) = d1_ceiling(n as usize, l as usize + 1, 64, 3).unwrap();
            let bound = ceiling(1, n, &[l]);
            assert!(bound >= exact - 3.0 * se, "N={n} L={l}: {bound} < {exact}");
            assert!(bound < 1.0, "N={n} L={l}");
        }
        // The sizes of issue 12 (a hang before; not timed: a test asserts values, not speed): beyond the exact
        // table, the counting bound with K = 2 S(N - 1, L + 1) sign sequences, every one of its 400 steps evaluated
        for (n, l) in [(1_000_000u64, 1000u64), (1_000_000_000, 1_000_000)] {
            let want = union_ceiling_every_step(n, LN2 + ln_partial_sum(n - 1, l + 1));
            let got = ceiling(1, n, &[l]);
            assert_eq!(got.to_bits(), want.to_bits(), "N={n} L={l}: {got} vs {want}");
            assert!(got > 0.5 && got < 1.0, "N={n} L={l}: {got}");
        }
    }

    #[test]
    fn d1_bound_just_above_the_exact_size_counts_the_sign_sequences() {
        // Just past the table, where K still moves the bound (at a million points the best step's p is 1e-107 and
        // the bound is its accuracy alone, whatever K): K = 2 sum_{i <= k} C(N - 1, i) sign sequences with k = L + 1
        // changes (a start and the k change points among N - 1 gaps), summed in f64 by the ratio of successive
        // binomials (below 1e265 at these sizes), not through `ln_partial_sum`.
        for (n, l) in [(2000u64, 120u64), (1000, 300), (5000, 40), (700, 290)] {
            let k = l + 1;
            assert!(n * (k + 1) > D1_EXACT_WORK && k + 1 < n);
            let (mut term, mut sum) = (1.0f64, 1.0f64);
            for i in 0..k {
                term *= (n - 1 - i) as f64 / (i + 1) as f64;
                sum += term;
            }
            let want = union_ceiling_every_step(n, (2.0 * sum).ln());
            let got = ceiling(1, n, &[l]);
            assert!((got - want).abs() < 1e-9 && want < 0.999, "N={n} L={l}: {got} vs {want}");
        }
    }

    /// The counting bound as it was written first: every one of the 400 steps evaluated.
    fn union_ceiling_every_step(n: u64, ln_k: f64) -> f64 {
        if n == 0 || ln_k >= n as f64 * LN2 {
            return 1.0;
        }
        let mut best = 1.0f64;
        let steps = 400u64.min(n / 2 + 1);
        for s in 0..=steps {
            let r = ((n / 2) as u128 * s as u128 / steps as u128) as u64;
            let a = 1.0 - r as f64 / n as f64;
            let ln_p = ln_k + ln_partial_sum(n, r) - n as f64 * LN2;
            let p = if ln_p >= 0.0 { 1.0 } else { ln_p.exp() };
            best = best.min(a + (1.0 - a) * p);
        }
        best
    }

    #[test]
    fn union_ceiling_is_the_minimum_over_every_step() {
        // the bisection and the early stop find exactly the minimum of all 400 steps, for networks of every
        // depth and for the d = 1 sign sequences, at sizes where the bound is 1, binds mildly and binds hard
        let mut rng = stream(79, 0, 1);
        let mut checked = 0;
        for _ in 0..3000 {
            let n = (2.0 * 1e6f64.powf(rng.random::<f64>())) as u64;
            let d = 1 + (rng.random::<f64>() * 30.0) as u64;
            let layers = 1 + (rng.random::<f64>() * 3.0) as usize;
            let widths: Vec<u64> = (0..layers).map(|_| 1 + (rng.random::<f64>() * 64.0) as u64).collect();
            for ln_k in [ln_dichotomies(d, n, &widths), LN2 + ln_partial_sum(n - 1, widths[0])] {
                let (fast, full) = (union_ceiling(n, ln_k), union_ceiling_every_step(n, ln_k));
                assert_eq!(fast.to_bits(), full.to_bits(), "n={n} ln_k={ln_k}: {fast} vs {full}");
                checked += (full < 1.0) as usize;
            }
        }
        assert!(checked > 1000, "only {checked} sizes where the bound binds");
    }

    /// Cover's count of the dichotomies of `n` points in general position by affine thresholds in `dim - 1`
    /// dimensions, `2 sum_{i < dim} C(n - 1, i)`, exactly in u128 (Pascal's rule).
    fn cov_exact(n: u64, dim: u64) -> u128 {
        let mut row = vec![1u128]; // C(n - 1, .)
        for _ in 1..n {
            row = (0..=row.len())
                .map(|i| row.get(i).copied().unwrap_or(0) + i.checked_sub(1).map_or(0, |j| row[j]))
                .collect();
        }
        2 * row.iter().take(dim as usize).sum::<u128>()
    }

    /// `ln K` of a network: `K = prod_l Cov(N, fan_in_l + 1)^width_l * Cov(N, 1 + sum_l width_l (fan_in_l + 1))`,
    /// each count exact in u128 ([`cov_exact`]).
    fn ln_dichotomies_exact(d: u64, n: u64, widths: &[u64]) -> f64 {
        let (mut ln_k, mut fan_in, mut dims) = (0.0, d, 1);
        for &w in widths {
            ln_k += w as f64 * (cov_exact(n, fan_in + 1) as f64).ln();
            dims += w * (fan_in + 1);
            fan_in = w;
        }
        ln_k + (cov_exact(n, dims) as f64).ln()
    }

    #[test]
    fn ln_dichotomies_is_the_product_of_the_units_and_the_readouts_counts() {
        // K = prod_l Cov(N, fan_in_l + 1)^width_l * Cov(N, 1 + sum_l width_l (fan_in_l + 1)), each count exact in
        // u128; by hand: d = 2, N = 10, [3]: Cov(10, 3) = 2 (1 + 9 + 36) = 92 and the readout's 10 weights split
        // all 2^10, so K = 92^3 2^10.
        let hand = ln_dichotomies(2, 10, &[3]);
        assert!((hand - (3.0 * 92f64.ln() + 10.0 * LN2)).abs() < 1e-12, "{hand}");
        assert_eq!(ln_dichotomies(3, 0, &[4]), 0.0);
        for n in 1..=40u64 {
            for d in 1..=4u64 {
                for widths in [&[1u64][..], &[3], &[2, 5], &[4, 1, 2]] {
                    let want = ln_dichotomies_exact(d, n, widths);
                    let got = ln_dichotomies(d, n, widths);
                    assert!((got - want).abs() < 1e-9 * want.max(1.0), "d={d} N={n} {widths:?}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn union_ceiling_at_the_smallest_sizes_by_hand() {
        // No point, or one (only r = 0 errors allowed: a = 1): the bound is 1. Two points and one dichotomy (K = 1):
        // r = 1 gives a = 1/2, p = S(2, 1) / 2^2 = 3/4, so 1/2 + 1/2 * 3/4 = 7/8.
        assert_eq!(union_ceiling(0, 0.0), 1.0);
        assert_eq!(union_ceiling(0, -1.0), 1.0);
        assert_eq!(union_ceiling(1, 0.0), 1.0);
        assert_eq!(union_ceiling(1, -5.0), 1.0);
        let two = union_ceiling(2, 0.0);
        assert!((two - 0.875).abs() < 1e-12, "{two}");
    }

    #[test]
    fn union_ceiling_is_one_below_capacity_and_falls_beyond() {
        assert_eq!(union_ceiling(10, ln_dichotomies(10, 10, &[5])), 1.0);
        let c = union_ceiling(3000, ln_dichotomies(2, 3000, &[2]));
        assert!(c < 0.75 && c > 0.5, "{c}");
        let many = union_ceiling(3000, ln_dichotomies(2, 3000, &[64]));
        assert!(many > c);
    }

    #[test]
    fn prefix_sums_add_the_best_agreement_of_every_recorded_prefix() {
        // the table generator's pass over one labeling: at each recorded length m (a length twice too) and each
        // column k of its row, the best agreement of the first m labels with at most k changes, by enumeration of
        // every sign sequence (`brute`), added to what the sums held
        let mut rng = stream(80, 0, 1);
        let at = [1usize, 2, 5, 5, 9, 12];
        let cols: [&[u64]; 6] = [&[0], &[0, 1], &[0, 2, 3], &[1, 4], &[1, 4, 7], &[0, 5, 11]];
        for _ in 0..40 {
            let y: Vec<u8> = (0..12).map(|_| rng.random::<bool>() as u8).collect();
            let mut sums: Vec<Vec<u64>> = cols.iter().map(|c| vec![3; c.len()]).collect();
            d1_prefix_sums(&y, 11, &at, &cols, &mut sums);
            for (r, &m) in at.iter().enumerate() {
                for (c, &k) in cols[r].iter().enumerate() {
                    assert_eq!(sums[r][c], 3 + brute(&y[..m], k as usize) as u64, "{y:?} m={m} k={k}");
                }
            }
        }
    }

    #[test]
    fn every_network_but_one_layer_on_a_line_gets_the_counting_bound() {
        // d >= 2, or more than one layer: the bound over K = prod_l Cov(N, fan_in_l + 1)^width_l * Cov(N, readout)
        // dichotomies, each count exact in u128 (Cover, by Pascal's rule), every one of the 400 steps evaluated
        let mut binding = 0;
        for n in [10u64, 40, 100] {
            for d in 1..=3u64 {
                for widths in [&[1u64][..], &[2], &[3], &[1, 1], &[2, 2]] {
                    if d == 1 && widths.len() == 1 {
                        continue;
                    }
                    let ln_k = ln_dichotomies_exact(d, n, widths);
                    let (got, want) = (ceiling(d, n, widths), union_ceiling_every_step(n, ln_k));
                    assert!((got - want).abs() < 1e-9, "d={d} N={n} {widths:?}: {got} vs {want}");
                    binding += (want < 0.99) as usize;
                }
            }
        }
        assert!(binding >= 5, "only {binding} sizes where the bound binds");
    }

    #[test]
    fn the_d1_ceiling_is_the_mean_and_standard_error_of_its_labelings() {
        // each labeling's best agreement by enumeration of every sign sequence (`brute`), then the sample mean and
        // standard error from the sums of values and squares; with two labelings the standard error is half their
        // difference, and one labeling shows no spread (0, not NaN)
        let (n, k, seed) = (10usize, 2usize, 5u64);
        let share = |t: u64| {
            let mut rng = stream(seed, t, 0xD1);
            let y: Vec<u8> = (0..n).map(|_| rng.random::<bool>() as u8).collect();
            brute(&y, k) as f64 / n as f64
        };
        assert_ne!(share(0), share(1));
        assert_eq!(d1_ceiling(n, k, 1, seed).unwrap(), (share(0), 0.0));
        let (m, se) = d1_ceiling(n, k, 2, seed).unwrap();
        assert!(
            (m - (share(0) + share(1)) / 2.0).abs() < 1e-12 && (se - (share(0) - share(1)).abs() / 2.0).abs() < 1e-12
        );
        for labelings in [3usize, 7, 40] {
            let v: Vec<f64> = (0..labelings as u64).map(share).collect();
            let (l, s1, s2) = (labelings as f64, v.iter().sum::<f64>(), v.iter().map(|x| x * x).sum::<f64>());
            let want_se = ((s2 - s1 * s1 / l) / (l - 1.0) / l).sqrt();
            let (m, se) = d1_ceiling(n, k, labelings, seed).unwrap();
            assert!((m - s1 / l).abs() < 1e-12 && (se - want_se).abs() < 1e-12, "{labelings}: {m} {se} vs {want_se}");
        }
    }

    /// Every entry of the table's grid set to `f(N, k)` of its row and column.
    fn grid_values(f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        let g = d1_grid();
        let mut v = vec![0.0; g.offsets[g.ns.len() - 1] + g.lens[g.ns.len() - 1]];
        for i in 0..g.ns.len() {
            for c in 0..g.lens[i] {
                v[g.offsets[i] + c] = f(g.ns[i] as f64, g.ks[c] as f64);
            }
        }
        v
    }

    #[test]
    fn a_row_interpolates_a_line_in_k_exactly() {
        // entries on a line through 1 at k = N - 1 (its own slope in each row): the row gives that line at every k,
        // between its columns and past the last one, and 1 from N - 1 on
        let g = d1_grid();
        let v = grid_values(|n, k| 1.0 - (n - 1.0 - k) * 0.37 / n.sqrt());
        let mut rng = stream(81, 0, 1);
        for i in (0..g.ns.len()).step_by(7).chain([g.ns.len() - 1]) {
            let n = g.ns[i];
            let ks = (0..300)
                .chain([n - 1, n, n + 1])
                .chain((0..300).map(|_| (rng.random::<f64>() * (n + 3) as f64) as u64));
            for k in ks {
                let got = d1_row(&|e| v[e], g, i, k);
                if k + 1 >= n {
                    // n - 1 changes fit every labelling: exactly 1, not 1 up to rounding
                    assert_eq!(got, 1.0, "N={n} k={k}");
                    continue;
                }
                let want = 1.0 - (n - 1 - k) as f64 * 0.37 / (n as f64).sqrt();
                assert!((got - want).abs() < 1e-9 * want.abs().max(1.0), "N={n} k={k}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn the_lookup_interpolates_a_plane_in_ln_n_and_k_exactly() {
        // entries on a plane in (ln N, k): every size inside the columns of the rows around it gets the plane
        let g = d1_grid();
        let f = |n: f64, k: f64| 0.2 + 0.05 * n.ln() + 0.001 * k;
        let v = grid_values(f);
        let mut rng = stream(82, 0, 1);
        let mut between = 0;
        for _ in 0..20_000 {
            let n = (2.0f64 * (D1_EXACT_WORK as f64 / 2.0).powf(rng.random::<f64>())) as u64;
            let i = g.ns.partition_point(|&m| m < n);
            let last = |r: usize| g.ks[g.lens[r] - 1];
            let top = if g.ns[i] == n { last(i) } else { last(i).min(last(i - 1)) }.min(n.saturating_sub(2));
            let k = (rng.random::<f64>() * (top + 1) as f64) as u64;
            if n < 2 || k + 1 >= n || n * (k + 1) > D1_EXACT_WORK {
                continue;
            }
            between += (g.ns[i] != n) as usize;
            let (got, want) = (d1_lookup(&|e| v[e], n, k), f(n as f64, k as f64));
            assert!((got - want).abs() < 1e-9, "N={n} k={k}: {got} vs {want}");
        }
        assert!(between > 10_000, "{between}");
    }
}
