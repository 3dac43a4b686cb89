//! Expand-and-sparsify random codes (Dasgupta et al.; Mukherjee & Huberman).
//!
//! A point `x` in `R^d` is projected to `y = x Theta + beta` in `R^m`
//! (`Theta` of shape `(d, m)`, usually `m > d`) and then sparsified:
//!
//! * **top-k** (winner-take-all): the indices of the `k` largest entries of `y`;
//! * **threshold**: unit `j` fires iff `y_j >= tau_j`, with `tau_j` calibrated
//!   on data so that each unit fires for a fraction `k/m` of the points;
//! * **relu**: the dense code `max(y, 0)`.
//!
//! Projections are drawn column by column from independent streams
//! (`rng::stream(seed, 0x5ea5e, j)`), so `Theta` does not depend on the
//! thread count; every coding step is a pure function of its rows.

use crate::choices::{ProjectionKind, Sparsifier};
use crate::error::{invalid, CoreError, CoreResult};
use crate::limits::{self, Cancel};
use crate::linalg::{block_rows, matmul_into};
use crate::rng::stream;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most rows per work unit of the coding passes.
pub const CHUNK_ROWS: usize = 1024;

/// Rows per work unit for `m` units over `d` inputs: at most [`CHUNK_ROWS`], and few enough that a
/// unit costs about `UNIT_WORK` multiply-adds and comparisons, so that Ctrl-C is seen within 0.1 s
/// for any `m` (the units depend on the sizes only: the same code at any thread count), and none of
/// a single row among `n` ([`block_rows`]: the same code as in blocks of [`CHUNK_ROWS`]). Each entry
/// counts its `d` multiply-adds, the bias, and its four passes ([`limits::ENTRY_WORK`] each: the bias copied,
/// the product written, the finiteness scan, the code written; with `d = 1` they are all the work: counted by
/// multiply-adds alone, 1,024 rows of `m = 2^18` were one unit of 2.9 s, an audit found, and with one pass
/// 0.4-0.8 s).
fn chunk_rows(m: usize, d: usize, n: usize) -> usize {
    let per_row = m.saturating_mul(d.saturating_add(1 + 4 * limits::ENTRY_WORK));
    block_rows(limits::items_per(limits::UNIT_WORK, per_row).clamp(2, CHUNK_ROWS), n)
}
/// Columns per work unit of the threshold calibration.
pub const CHUNK_COLS: usize = 64;
/// Largest number of code entries (`N * m`) a dense output may hold.
pub const MAX_DENSE: usize = 1 << 30;

/// The random expansion map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Projection {
    /// i.i.d. `N(0, 1/d)` entries.
    Gaussian,
    /// Each expanded unit sums `s` distinct, uniformly chosen inputs (weight 1), fly-hash style.
    SparseBinary { s: usize },
}

impl Projection {
    /// The projection named by `kind`; `s` (ones per column) is used by `sparse_binary` only.
    pub fn new(kind: ProjectionKind, s: usize) -> Self {
        match kind {
            ProjectionKind::Gaussian => Projection::Gaussian,
            ProjectionKind::SparseBinary => Projection::SparseBinary { s },
        }
    }
}

/// Draw the `(d, m)` projection matrix for `seed`.
pub fn projection(d: usize, m: usize, kind: Projection, seed: u64) -> CoreResult<Array2<f64>> {
    if d == 0 {
        return invalid("d (the input dimension) must be >= 1");
    }
    if m == 0 {
        return invalid("m (the expanded dimension) must be >= 1");
    }
    if d.checked_mul(m).is_none_or(|e| e > MAX_DENSE) {
        return Err(CoreError::TooLarge(format!("a {d} x {m} projection exceeds {MAX_DENSE} entries")));
    }
    // Columns, then the matrix: two copies.
    limits::check_bytes(&format!("a {d} x {m} projection"), 16.0 * d as f64 * m as f64)?;
    if let Projection::SparseBinary { s } = kind {
        if s == 0 || s > d {
            return invalid(format!("the number of inputs per unit must be in 1..={d}, got {s}"));
        }
    }
    let cancel = Cancel::current();
    // One flat buffer of the columns (column j at j d ..), then the matrix: the two copies counted above (a
    // vector per column took 80 bytes and more for each column of a small `d`; a review found the call aborting
    // under an address-space cap at half of max_bytes).
    let mut cols = vec![0.0f64; d * m];
    cols.par_chunks_mut(d).enumerate().try_for_each(|(j, col)| {
        cancel.check()?;
        let mut rng = stream(seed, 0x5ea5e, j as u64);
        match kind {
            Projection::Gaussian => {
                let scale = 1.0 / (d as f64).sqrt();
                for v in col.iter_mut() {
                    *v = scale * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng);
                }
            }
            Projection::SparseBinary { s } => {
                // Partial Fisher-Yates: the first s entries of a random permutation.
                let mut idx: Vec<usize> = (0..d).collect();
                for i in 0..s {
                    let r = rng.random_range(i..d);
                    idx.swap(i, r);
                }
                for &i in &idx[..s] {
                    col[i] = 1.0;
                }
            }
        }
        Ok::<(), CoreError>(())
    })?;
    // The transpose, in bands of 64 rows (each column's slice of a band is contiguous, and each
    // row of the band is written in order), checking for Ctrl-C between bands.
    const BAND: usize = 64;
    let mut out = Array2::<f64>::zeros((d, m));
    out.axis_chunks_iter_mut(Axis(0), BAND).into_par_iter().enumerate().try_for_each(|(c, mut band)| {
        cancel.check()?;
        let lo = c * BAND;
        for (j, col) in cols.chunks_exact(d).enumerate() {
            for (i, &v) in col[lo..lo + band.nrows()].iter().enumerate() {
                band[[i, j]] = v;
            }
        }
        Ok::<(), CoreError>(())
    })?;
    Ok(out)
}

fn check(x: ArrayView2<'_, f64>, theta: ArrayView2<'_, f64>, bias: ArrayView1<'_, f64>) -> CoreResult<(usize, usize)> {
    let (n, d) = x.dim();
    let (td, m) = theta.dim();
    if td != d {
        return invalid(format!("the projection has {td} rows but X has {d} columns"));
    }
    if m == 0 {
        return invalid("m (the expanded dimension) must be >= 1");
    }
    if bias.len() != m {
        return invalid(format!("bias has length {} but the code has m = {m} units", bias.len()));
    }
    if !x.iter().all(|v| v.is_finite()) {
        return invalid("X contains NaN or infinity");
    }
    if !theta.iter().all(|v| v.is_finite()) || !bias.iter().all(|v| v.is_finite()) {
        return invalid("the projection or bias contains NaN or infinity");
    }
    Ok((n, m))
}

/// Pre-activations `x Theta + beta` of a block of rows; refused when finite
/// inputs overflow (e.g. rows of 1e308), since no code is defined then.
fn preact(x: ArrayView2<'_, f64>, theta: ArrayView2<'_, f64>, bias: ArrayView1<'_, f64>) -> CoreResult<Array2<f64>> {
    let mut y = bias.broadcast((x.nrows(), bias.len())).expect("bias has one entry per unit").to_owned();
    matmul_into(x, theta, y.view_mut(), true);
    if !y.iter().all(|v| v.is_finite()) {
        return invalid("X @ projection + bias overflows to infinity or NaN; rescale X (its entries are too large)");
    }
    Ok(y)
}

/// Refuse a code computation whose buffers (`per_thread` bytes on each of the pool's threads) plus `out_bytes` of
/// output exceed the memory limit; the buffers' bytes, all threads together. (`rust/tests/bytes_measured.rs` checks
/// each code's count against the bytes its call allocates.)
fn check_buffers(what: &str, per_thread: f64, out_bytes: f64) -> CoreResult<f64> {
    let buffers = rayon::current_num_threads() as f64 * per_thread;
    limits::check_bytes(what, buffers + out_bytes)?;
    Ok(buffers)
}

/// The rows of a block of a code's pass (at most `n`): [`chunk_rows`] of `m` units over `d` inputs.
fn block_of(m: usize, d: usize, n: usize) -> f64 {
    chunk_rows(m, d, n).min(n) as f64
}

/// What the code of `kind` checks before it is computed, for `n` points in `d` dimensions coded in `m` units (`k`
/// of them active, for top-k and threshold codes): the memory of its buffers and output. Each code function calls
/// its part, and `expand_sparsify` calls it before it draws the projection, so that a code the limits refuse is
/// refused before a projection of `d x m` is built (a review measured 3.6 s and a projection of 1.5 GB first).
pub fn code_check(kind: Sparsifier, n: usize, d: usize, m: usize, k: usize) -> CoreResult<()> {
    if m == 0 {
        return invalid("m (the expanded dimension) must be >= 1");
    }
    match kind {
        Sparsifier::Topk => topk_check(n, d, m, k),
        Sparsifier::Threshold => {
            if calibrates(n, m, k) {
                thresholds_check(n, d, m)?;
            }
            threshold_code_check(n, d, m).map(|_| ())
        }
        Sparsifier::Relu => relu_check(n, d, m),
    }
}

/// The top-k code's up-front check: per thread a block's pre-activations (8 bytes an entry) and a row's unit
/// indices (4 bytes a unit); the code, 4 bytes an entry. (Until pass 56 the indices were counted as 8 bytes a
/// row, under half of them for a single row, and the block as [`CHUNK_ROWS`] rows where a wide code's block is a
/// few: 25 times the buffers of 2,000 points in 200,000 units.)
fn topk_check(n: usize, d: usize, m: usize, k: usize) -> CoreResult<()> {
    if m > u32::MAX as usize {
        return Err(CoreError::TooLarge(format!("m = {m} does not fit unit indices in 32 bits")));
    }
    let units = m as f64;
    check_buffers(
        &format!("a top-k code of {n} points with m = {m} units"),
        8.0 * block_of(m, topk_inputs(d), n) * units + 4.0 * units,
        4.0 * n as f64 * k as f64,
    )
    .map(|_| ())
}

/// The inputs a top-k code's block is sized for: the `d` of the product, and 64 more for selecting the top k of
/// a row's units (filling and partitioning the indices, measured: 3 ms a row at m = 400,000, d = 10).
fn topk_inputs(d: usize) -> usize {
    d.saturating_add(64)
}

/// Whether thresholds for `k` of `m` units on `n` points are calibrated at all: `n` and `k` valid (the calibration
/// refuses them otherwise) and a unit to fire (otherwise every threshold is infinite, with nothing allocated).
fn calibrates(n: usize, m: usize, k: usize) -> bool {
    n > 0 && (1..=m).contains(&k) && target_fires(n, m, k) > 0
}

/// Columns per unit of work of the thresholds' calibration on `n` points in `d` dimensions: at most [`CHUNK_COLS`],
/// about `UNIT_WORK` multiply-adds over all `n` rows.
fn calibration_cols(n: usize, d: usize) -> usize {
    limits::items_per(limits::UNIT_WORK, n.saturating_mul(d.saturating_add(1))).min(CHUNK_COLS)
}

/// The thresholds' calibration's up-front check (when [`calibrates`]): per thread a block's pre-activations and a
/// column of them (8 bytes an entry); the thresholds twice (as each block finds them and as returned) and each
/// block's vector. (Until pass 56 the thresholds were counted once; until pass 60 a block was counted as
/// [`calibration_cols`] columns where there are fewer units: 200,000 points in 2 units were counted 20 times their
/// peak, `rust/tests/bytes_measured.rs` found.)
fn thresholds_check(n: usize, d: usize, m: usize) -> CoreResult<()> {
    let cols = calibration_cols(n, d);
    let blocks = m.div_ceil(cols) as f64;
    check_buffers(
        &format!("calibrating thresholds on {n} points"),
        8.0 * n as f64 * (cols.min(m) + 1) as f64,
        16.0 * m as f64 + 64.0 * blocks,
    )
    .map(|_| ())
}

/// The threshold code's up-front check; its per-thread buffers' bytes.
fn threshold_code_check(n: usize, d: usize, m: usize) -> CoreResult<f64> {
    // Per thread: a block's pre-activations (8 bytes an entry) and at most as many indices (4).
    check_buffers(
        &format!("a threshold code of {n} points with m = {m} units"),
        12.0 * block_of(m, d, n) * m as f64,
        16.0 * n as f64,
    )
}

/// The ReLU code's up-front check: per thread a block's pre-activations, and the code (8 bytes an entry each).
fn relu_check(n: usize, d: usize, m: usize) -> CoreResult<()> {
    if n.checked_mul(m).is_none_or(|e| e > MAX_DENSE) {
        return Err(CoreError::TooLarge(format!("a dense {n} x {m} ReLU code exceeds {MAX_DENSE} entries")));
    }
    let (rows, units) = (block_of(m, d, n), m as f64);
    check_buffers(&format!("a dense {n} x {m} ReLU code"), 8.0 * rows * units, 8.0 * n as f64 * units).map(|_| ())
}

/// Top-k code: for every row, the sorted indices of its `k` largest
/// pre-activations (ties broken towards the lower index). Shape `(N, k)`.
///
/// ```
/// use _core::sparse::{projection, topk_code, Projection};
/// use ndarray::{Array1, Array2};
/// let (d, m, k) = (4, 32, 5);
/// let theta = projection(d, m, Projection::Gaussian, 3)?;
/// let bias = Array1::zeros(m);
/// let x = Array2::from_shape_fn((20, d), |(i, j)| ((i * 5 + j * 7) % 13) as f64 - 6.0);
/// let code = topk_code(x.view(), theta.view(), bias.view(), k)?;
/// // against a full sort of every row's pre-activations x . Theta
/// for (row, top) in x.rows().into_iter().zip(code.rows()) {
///     let y = row.dot(&theta);
///     let mut order: Vec<usize> = (0..m).collect();
///     order.sort_by(|&a, &b| y[b].total_cmp(&y[a]).then(a.cmp(&b)));
///     let mut want: Vec<u32> = order[..k].iter().map(|&j| j as u32).collect();
///     want.sort_unstable();
///     assert_eq!(top.to_vec(), want);
/// }
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn topk_code(
    x: ArrayView2<'_, f64>,
    theta: ArrayView2<'_, f64>,
    bias: ArrayView1<'_, f64>,
    k: usize,
) -> CoreResult<Array2<u32>> {
    let (n, m) = check(x, theta, bias)?;
    if k == 0 || k > m {
        return invalid(format!("k must be in 1..=m ({m}), got {k}"));
    }
    topk_check(n, x.ncols(), m, k)?;
    let cancel = Cancel::current();
    let rows = chunk_rows(m, topk_inputs(x.ncols()), n);
    let mut out = Array2::<u32>::zeros((n, k));
    out.axis_chunks_iter_mut(Axis(0), rows).into_par_iter().enumerate().try_for_each(|(c, mut block)| {
        cancel.check()?;
        let lo = c * rows;
        let y = preact(x.slice(s![lo..lo + block.nrows(), ..]), theta, bias)?;
        let mut idx: Vec<u32> = Vec::with_capacity(m);
        for (r, mut row) in block.rows_mut().into_iter().enumerate() {
            let yr = y.row(r);
            idx.clear();
            idx.extend(0..m as u32);
            // by value, then by index, with -0.0 read as +0.0 (`x + 0.0`), so that they tie (`total_cmp` put +0.0
            // first, so a tie at zero went to the higher index: pass 50); a total order, with no panic whatever
            // `preact` lets through
            let cmp = |a: &u32, b: &u32| (yr[*b as usize] + 0.0).total_cmp(&(yr[*a as usize] + 0.0)).then(a.cmp(b));
            if k < m {
                idx.select_nth_unstable_by(k - 1, cmp);
            }
            let top = &mut idx[..k];
            top.sort_unstable();
            for (dst, &src) in row.iter_mut().zip(top.iter()) {
                *dst = src;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Number of points per unit that should fire for a firing rate `k/m`.
pub fn target_fires(n: usize, m: usize, k: usize) -> usize {
    let t = (n as f64 * k as f64 / m as f64).round() as usize;
    t.min(n)
}

/// Per-unit thresholds `tau_j` such that exactly `round(N k / m)` points have
/// `y_j >= tau_j` (when the pre-activations of unit `j` have no ties at the
/// cut). A unit that should never fire gets `+inf`.
pub fn calibrate_thresholds(
    x: ArrayView2<'_, f64>,
    theta: ArrayView2<'_, f64>,
    bias: ArrayView1<'_, f64>,
    k: usize,
) -> CoreResult<Array1<f64>> {
    let (n, m) = check(x, theta, bias)?;
    if k == 0 || k > m {
        return invalid(format!("k must be in 1..=m ({m}), got {k}"));
    }
    if n == 0 {
        return invalid("X must have at least one row to calibrate thresholds");
    }
    if !calibrates(n, m, k) {
        // (until pass 56 allocated unchecked)
        limits::check_bytes(&format!("{m} thresholds"), 8.0 * m as f64)?;
        return Ok(Array1::from_elem(m, f64::INFINITY));
    }
    let fires = target_fires(n, m, k);
    thresholds_check(n, x.ncols(), m)?;
    let mut tau = Array1::<f64>::from_elem(m, f64::INFINITY);
    let cancel = Cancel::current();
    let cols = calibration_cols(n, x.ncols());
    let starts: Vec<usize> = (0..m).step_by(cols).collect();
    let blocks: Vec<Vec<f64>> = starts
        .par_iter()
        .map(|&j0| {
            cancel.check()?;
            let j1 = (j0 + cols).min(m);
            let y = preact(x, theta.slice(s![.., j0..j1]), bias.slice(s![j0..j1]))?;
            let mut col = vec![0.0; n];
            Ok((0..j1 - j0)
                .map(|j| {
                    for (dst, &v) in col.iter_mut().zip(y.column(j).iter()) {
                        *dst = v;
                    }
                    // The fires-th largest value.
                    let (_, v, _) = col.select_nth_unstable_by(n - fires, |a, b| a.total_cmp(b));
                    *v
                })
                .collect())
        })
        .collect::<CoreResult<_>>()?;
    for (&j0, b) in starts.iter().zip(blocks) {
        for (i, v) in b.into_iter().enumerate() {
            tau[j0 + i] = v;
        }
    }
    Ok(tau)
}

/// Threshold code in compressed-row form: `(indptr, indices)` with the
/// indices of row `i` (ascending) in `indices[indptr[i]..indptr[i + 1]]`.
pub fn threshold_code(
    x: ArrayView2<'_, f64>,
    theta: ArrayView2<'_, f64>,
    bias: ArrayView1<'_, f64>,
    tau: ArrayView1<'_, f64>,
) -> CoreResult<(Vec<u64>, Vec<u32>)> {
    let (n, m) = check(x, theta, bias)?;
    if tau.len() != m {
        return invalid(format!("thresholds have length {} but the code has m = {m} units", tau.len()));
    }
    if tau.iter().any(|v| v.is_nan()) {
        return invalid("thresholds contain NaN");
    }
    let what = format!("a threshold code of {n} points with m = {m} units");
    let buffers = threshold_code_check(n, x.ncols(), m)?;
    // The code's size is known only once it is computed: the indices found so far are counted as
    // they come, and the call is refused as soon as they (held twice: in blocks, then joined)
    // would pass `MAX_DENSE` entries or the memory limit.
    let found = AtomicU64::new(0);
    let cancel = Cancel::current();
    let step = chunk_rows(m, x.ncols(), n);
    let n_chunks = n.div_ceil(step);
    let parts: Vec<(Vec<u64>, Vec<u32>)> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            cancel.check()?;
            let lo = c * step;
            let hi = (lo + step).min(n);
            let y = preact(x.slice(s![lo..hi, ..]), theta, bias)?;
            let mut counts = Vec::with_capacity(hi - lo);
            let mut idx = Vec::new();
            for row in y.rows() {
                let before = idx.len();
                for (j, (&v, &t)) in row.iter().zip(tau.iter()).enumerate() {
                    if v >= t {
                        idx.push(j as u32);
                    }
                }
                counts.push((idx.len() - before) as u64);
            }
            let total = found.fetch_add(idx.len() as u64, Ordering::Relaxed) + idx.len() as u64;
            if total > MAX_DENSE as u64 {
                return Err(CoreError::TooLarge(format!(
                    "{what} has more than {MAX_DENSE} entries (units fire too often); raise the thresholds \
                     (a smaller k) or code fewer points at a time"
                )));
            }
            limits::check_bytes(&what, 16.0 * n as f64 + buffers + 8.0 * total as f64)?;
            Ok((counts, idx))
        })
        .collect::<CoreResult<_>>()?;
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0u64);
    let total: usize = parts.iter().map(|p| p.1.len()).sum();
    let mut indices = Vec::with_capacity(total);
    for (counts, idx) in parts {
        for c in counts {
            let last = *indptr.last().unwrap();
            indptr.push(last + c);
        }
        indices.extend(idx);
    }
    Ok((indptr, indices))
}

/// Dense ReLU code `max(x Theta + beta, 0)`, shape `(N, m)`.
pub fn relu_code(
    x: ArrayView2<'_, f64>,
    theta: ArrayView2<'_, f64>,
    bias: ArrayView1<'_, f64>,
) -> CoreResult<Array2<f64>> {
    let (n, m) = check(x, theta, bias)?;
    relu_check(n, x.ncols(), m)?;
    let cancel = Cancel::current();
    let rows = chunk_rows(m, x.ncols(), n);
    let mut out = Array2::<f64>::zeros((n, m));
    out.axis_chunks_iter_mut(Axis(0), rows).into_par_iter().enumerate().try_for_each(|(c, mut block)| {
        cancel.check()?;
        let lo = c * rows;
        let y = preact(x.slice(s![lo..lo + block.nrows(), ..]), theta, bias)?;
        block.zip_mut_with(&y, |o, &v| *o = if v > 0.0 { v } else { 0.0 });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_projection_stops_between_columns() {
        let cancel = Cancel::new();
        cancel.cancel();
        let r = cancel.run(|| projection(4, 1000, Projection::Gaussian, 0));
        assert!(matches!(r, Err(CoreError::Interrupted)), "{r:?}");
        // and the banded transpose is the matrix the columns describe
        let p = projection(70, 5, Projection::SparseBinary { s: 3 }, 9).unwrap();
        for j in 0..5 {
            assert_eq!(p.column(j).iter().filter(|&&v| v == 1.0).count(), 3);
        }
        let g = projection(130, 3, Projection::Gaussian, 4).unwrap();
        let col = {
            let mut rng = stream(4, 0x5ea5e, 2);
            (0..130)
                .map(|_| <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng))
                .collect::<Vec<_>>()
        };
        for (i, v) in col.iter().enumerate() {
            assert_eq!(g[[i, 2]], (1.0 / 130f64.sqrt()) * v);
        }
    }

    fn gauss(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = stream(seed, 1, 2);
        Array2::from_shape_fn((n, d), |_| <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng))
    }

    #[test]
    fn projection_is_deterministic_and_well_formed() {
        let a = projection(5, 40, Projection::Gaussian, 3).unwrap();
        let b = projection(5, 40, Projection::Gaussian, 3).unwrap();
        let c = projection(5, 40, Projection::Gaussian, 4).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let p = projection(10, 30, Projection::SparseBinary { s: 3 }, 1).unwrap();
        for col in p.columns() {
            assert_eq!(col.iter().filter(|&&v| v == 1.0).count(), 3);
            assert_eq!(col.iter().filter(|&&v| v == 0.0).count(), 7);
        }
        assert!(projection(10, 30, Projection::SparseBinary { s: 11 }, 1).is_err());
        assert!(projection(0, 3, Projection::Gaussian, 1).is_err());
        assert!(projection(3, 0, Projection::Gaussian, 1).is_err());
    }

    #[test]
    fn topk_matches_a_full_sort() {
        let (n, d, m, k) = (2500, 4, 50, 7);
        let x = gauss(n, d, 1);
        let th = projection(d, m, Projection::Gaussian, 9).unwrap();
        let beta = Array1::zeros(m);
        let code = topk_code(x.view(), th.view(), beta.view(), k).unwrap();
        let y = x.dot(&th);
        for (i, row) in code.rows().into_iter().enumerate() {
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| y[[i, b]].partial_cmp(&y[[i, a]]).unwrap());
            let mut want: Vec<u32> = order[..k].iter().map(|&j| j as u32).collect();
            want.sort();
            assert_eq!(row.to_vec(), want);
        }
        assert!(topk_code(x.view(), th.view(), beta.view(), m + 1).is_err());
        assert!(topk_code(x.view(), th.view(), beta.view(), 0).is_err());
    }

    #[test]
    fn a_tie_between_minus_and_plus_zero_goes_to_the_lower_index() {
        // x = -0.0 through a column of ones: the pre-activations are -0.0 + -0.0 = -0.0 and -0.0 + 0.0 = +0.0,
        // equal numbers, so the documented tie rule picks unit 0 (it picked unit 1, +0.0 being above -0.0 in
        // `total_cmp`'s order); the same with the units swapped
        let (x, th) = (Array2::from_elem((1, 1), -0.0), Array2::ones((1, 2)));
        for bias in [[-0.0, 0.0], [0.0, -0.0]] {
            let b = Array1::from(bias.to_vec());
            let y = &x.dot(&th) + &b;
            assert_eq!(y[[0, 0]], y[[0, 1]]);
            assert_eq!(topk_code(x.view(), th.view(), b.view(), 1).unwrap(), Array2::from_elem((1, 1), 0u32));
        }
    }

    #[test]
    fn thresholds_fire_at_the_target_rate() {
        // round(N k / m) points per unit, worked out by hand (not with `target_fires`, the code's own rule): N k / m
        // is 300 exactly, 299.5 (rounded up), 300.7 (up) and 300.2 (down), so a floor or a ceiling fails here.
        for (n, want) in [(3000, 300), (2995, 300), (3007, 301), (3002, 300)] {
            let (d, m, k) = (6, 80, 8);
            let x = gauss(n, d, 2);
            let th = projection(d, m, Projection::Gaussian, 5).unwrap();
            let beta = Array1::zeros(m);
            let tau = calibrate_thresholds(x.view(), th.view(), beta.view(), k).unwrap();
            let (indptr, idx) = threshold_code(x.view(), th.view(), beta.view(), tau.view()).unwrap();
            assert_eq!(indptr.len(), n + 1);
            let mut per_unit = vec![0usize; m];
            for &j in &idx {
                per_unit[j as usize] += 1;
            }
            assert!(per_unit.iter().all(|&c| c == want), "{n}: {per_unit:?} vs {want}");
            // Indices ascend within each row.
            for i in 0..n {
                let r = &idx[indptr[i] as usize..indptr[i + 1] as usize];
                assert!(r.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn relu_code_is_the_positive_part() {
        let (n, d, m) = (1500, 3, 20);
        let x = gauss(n, d, 3);
        let th = projection(d, m, Projection::Gaussian, 1).unwrap();
        let beta = Array1::from_shape_fn(m, |j| j as f64 * 0.01);
        let z = relu_code(x.view(), th.view(), beta.view()).unwrap();
        let want = (x.dot(&th) + &beta).mapv(|v| v.max(0.0));
        assert!(z.iter().zip(want.iter()).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    /// The pre-activations of `x` computed entry by entry (a plain loop, not the blocked product).
    fn dense_preact(x: &Array2<f64>, th: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
        Array2::from_shape_fn((x.nrows(), th.ncols()), |(i, j)| {
            b[j] + (0..x.ncols()).map(|t| x[[i, t]] * th[[t, j]]).sum::<f64>()
        })
    }

    #[test]
    fn a_sparse_binary_unit_may_sum_every_input() {
        // s = d: every column is all ones (the only such matrix); s = d + 1 is refused
        let p = projection(4, 3, Projection::SparseBinary { s: 4 }, 2).unwrap();
        assert_eq!(p, Array2::<f64>::ones((4, 3)));
        assert!(projection(4, 3, Projection::SparseBinary { s: 5 }, 2).is_err());
    }

    #[test]
    fn k_may_be_every_unit_and_no_more() {
        let (n, d, m) = (40, 3, 6);
        let x = gauss(n, d, 5);
        let th = projection(d, m, Projection::Gaussian, 2).unwrap();
        let b = Array1::from_shape_fn(m, |j| 0.1 * j as f64);
        // top-k of all m units: every unit, in order
        let code = topk_code(x.view(), th.view(), b.view(), m).unwrap();
        assert_eq!(code, Array2::from_shape_fn((n, m), |(_, j)| j as u32));
        // every point fires every unit: each threshold is its unit's least pre-activation, and every row holds all
        let y = dense_preact(&x, &th, &b);
        let tau = calibrate_thresholds(x.view(), th.view(), b.view(), m).unwrap();
        for j in 0..m {
            let least = y.column(j).iter().fold(f64::INFINITY, |a, &v| a.min(v));
            assert!((tau[j] - least).abs() < 1e-12, "unit {j}: {} vs {least}", tau[j]);
        }
        for k in [0, m + 1] {
            assert!(calibrate_thresholds(x.view(), th.view(), b.view(), k).is_err(), "k = {k}");
            assert!(topk_code(x.view(), th.view(), b.view(), k).is_err(), "k = {k}");
        }
    }

    #[test]
    fn the_threshold_code_is_every_unit_at_or_above_its_threshold() {
        // against a plain loop over the dense pre-activations, row by row (its row pointers included), with
        // finite thresholds, one of -inf (always fires) and one of +inf (never)
        let (n, d, m) = (300, 4, 9);
        let x = gauss(n, d, 8);
        let th = projection(d, m, Projection::Gaussian, 6).unwrap();
        let b = Array1::from_shape_fn(m, |j| 0.05 * j as f64 - 0.2);
        let y = dense_preact(&x, &th, &b);
        let mut tau = Array1::from_shape_fn(m, |j| 0.3 * j as f64 - 1.0);
        tau[2] = f64::NEG_INFINITY;
        tau[5] = f64::INFINITY;
        let (indptr, idx) = threshold_code(x.view(), th.view(), b.view(), tau.view()).unwrap();
        assert_eq!(indptr.len(), n + 1);
        assert_eq!(indptr[0], 0);
        for i in 0..n {
            let want: Vec<u32> = (0..m).filter(|&j| y[[i, j]] >= tau[j]).map(|j| j as u32).collect();
            assert_eq!(&idx[indptr[i] as usize..indptr[i + 1] as usize], &want[..], "row {i}");
        }
        assert_eq!(indptr[n] as usize, idx.len());
    }

    #[test]
    fn a_unit_that_should_never_fire_gets_an_infinite_threshold() {
        // 3 points, k / m = 1 / 100: round(0.03) = 0 points a unit, so every threshold is +inf and no unit fires
        let (n, d, m) = (3, 2, 100);
        let x = gauss(n, d, 4);
        let th = projection(d, m, Projection::Gaussian, 1).unwrap();
        let b = Array1::zeros(m);
        let tau = calibrate_thresholds(x.view(), th.view(), b.view(), 1).unwrap();
        assert!(tau.iter().all(|&t| t == f64::INFINITY), "{tau:?}");
        let (indptr, idx) = threshold_code(x.view(), th.view(), b.view(), tau.view()).unwrap();
        assert_eq!((indptr, idx), (vec![0u64; n + 1], vec![]));
        // (and 17 of 100 points fire each unit at k / m = 1 / 6: 16.67 rounds up)
        let x = gauss(100, d, 4);
        let th = projection(d, 6, Projection::Gaussian, 1).unwrap();
        let tau = calibrate_thresholds(x.view(), th.view(), Array1::zeros(6).view(), 1).unwrap();
        let y = x.dot(&th);
        for j in 0..6 {
            assert_eq!(y.column(j).iter().filter(|&&v| v >= tau[j]).count(), 17);
        }
    }

    #[test]
    fn codes_of_no_rows_are_empty_and_still_refuse_a_nan_projection() {
        let (d, m) = (3, 5);
        let x = Array2::<f64>::zeros((0, d));
        let th = projection(d, m, Projection::Gaussian, 1).unwrap();
        let b = Array1::zeros(m);
        assert_eq!(topk_code(x.view(), th.view(), b.view(), 2).unwrap().dim(), (0, 2));
        assert_eq!(threshold_code(x.view(), th.view(), b.view(), b.view()).unwrap(), (vec![0u64], vec![]));
        assert_eq!(relu_code(x.view(), th.view(), b.view()).unwrap().dim(), (0, m));
        // a NaN in the projection alone, or an infinity in the bias alone, is refused though no row meets it
        let mut bad_th = th.clone();
        bad_th[[1, 2]] = f64::NAN;
        let mut bad_b = b.clone();
        bad_b[4] = f64::INFINITY;
        for (t, bb) in [(&bad_th, &b), (&th, &bad_b)] {
            for r in [
                topk_code(x.view(), t.view(), bb.view(), 2).map(|_| ()),
                threshold_code(x.view(), t.view(), bb.view(), b.view()).map(|_| ()),
                relu_code(x.view(), t.view(), bb.view()).map(|_| ()),
            ] {
                assert!(matches!(&r, Err(CoreError::InvalidArgument(e)) if e.contains("projection or bias")), "{r:?}");
            }
        }
    }

    #[test]
    fn top_k_ties_between_signed_zeros_go_to_the_lower_indices() {
        // rows of -0.0 and +0.0 (x = -0.0 through ones, plus a bias of -0.0 or +0.0) and some +-1: the top k by a
        // full sort on (value descending, index ascending), where -0.0 == +0.0
        let mut rng = stream(11, 2, 3);
        for trial in 0..300 {
            let m = rng.random_range(2..24usize);
            let b = Array1::from_shape_fn(m, |_| [-0.0, 0.0, 0.0, -0.0, 1.0, -1.0][rng.random_range(0..6usize)]);
            let (x, th) = (Array2::from_elem((1, 1), -0.0), Array2::<f64>::ones((1, m)));
            let y = dense_preact(&x, &th, &b);
            for k in 1..=m {
                let mut order: Vec<usize> = (0..m).collect();
                order.sort_by(|&p, &q| y[[0, q]].partial_cmp(&y[[0, p]]).unwrap().then(p.cmp(&q)));
                let mut want: Vec<u32> = order[..k].iter().map(|&j| j as u32).collect();
                want.sort();
                let got = topk_code(x.view(), th.view(), b.view(), k).unwrap();
                assert_eq!(got.row(0).to_vec(), want, "trial {trial}: bias {b:?}, k = {k}");
            }
        }
    }

    #[test]
    fn exactly_max_dense_entries_are_not_refused_for_their_count() {
        // d x m = MAX_DENSE (2^15 x 2^15): refused for memory (16 GiB, above any default max_bytes), not for the
        // entry count; one more column: for the count. The same for a dense ReLU code of N x m entries. (s = 0 is
        // refused after both checks: nothing is drawn if a check lets the sizes through.)
        assert!(limits::get().max_bytes <= limits::DEFAULT_MAX_BYTES);
        let side = 1usize << 15;
        assert_eq!(side * side, MAX_DENSE);
        let msg = |r: CoreResult<()>| match r {
            Err(CoreError::TooLarge(m)) => m,
            other => panic!("{other:?}"),
        };
        let at = msg(projection(side, side, Projection::SparseBinary { s: 0 }, 0).map(|_| ()));
        assert!(at.contains("max_bytes") && !at.contains("entries"), "{at}");
        let over = msg(projection(side, side + 1, Projection::SparseBinary { s: 0 }, 0).map(|_| ()));
        assert!(over.contains("entries"), "{over}");
        let at = msg(relu_check(side, 1, side));
        assert!(at.contains("max_bytes") && !at.contains("entries"), "{at}");
        let over = msg(relu_check(side, 1, side + 1));
        assert!(over.contains("entries"), "{over}");
    }

    #[test]
    fn top_k_unit_indices_may_take_every_u32() {
        // m = u32::MAX units: indices 0..=u32::MAX - 1 fit in 32 bits (refused for memory only); one more does not
        let m = u32::MAX as usize;
        let at = topk_check(1, 1, m, 1).unwrap_err().to_string();
        assert!(at.contains("max_bytes") && !at.contains("32 bits"), "{at}");
        let over = topk_check(1, 1, m + 1, 1).unwrap_err().to_string();
        assert!(over.contains("32 bits"), "{over}");
    }

    #[test]
    fn code_check_accepts_the_codes_it_precedes() {
        // each code of 50 points in 3 dimensions, 20 units, k = 4, is computed; code_check passes it, and m = 0 not
        for kind in [Sparsifier::Topk, Sparsifier::Threshold, Sparsifier::Relu] {
            assert!(code_check(kind, 50, 3, 20, 4).is_ok(), "{kind:?}");
            assert!(code_check(kind, 50, 3, 0, 4).is_err(), "{kind:?}");
        }
        let x = gauss(50, 3, 1);
        let th = projection(3, 20, Projection::Gaussian, 1).unwrap();
        let b = Array1::zeros(20);
        assert!(topk_code(x.view(), th.view(), b.view(), 4).is_ok());
        let tau = calibrate_thresholds(x.view(), th.view(), b.view(), 4).unwrap();
        assert!(threshold_code(x.view(), th.view(), b.view(), tau.view()).is_ok());
        assert!(relu_code(x.view(), th.view(), b.view()).is_ok());
    }
}
