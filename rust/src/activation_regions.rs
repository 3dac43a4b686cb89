//! Activation patterns of ReLU networks on sample points.
//!
//! A point's pattern is the sign vector `x W + b > 0` of every hidden unit
//! (for a stack, the concatenation over layers, each layer fed the previous
//! layer's ReLU output). Points are streamed in chunks: memory is bounded by
//! the chunk's pre-activations plus one bit-packed key per distinct pattern,
//! never an `N x L` matrix.

use crate::error::{invalid, CoreError, CoreResult};
use crate::limits::{self, Cancel};
use crate::linalg::{matmul_checked, Gemm};
use hashbrown::{DefaultHashBuilder, HashTable};
use ndarray::{s, Array2, ArrayView1, ArrayView2, LinalgScalar, ShapeBuilder};
use rayon::prelude::*;
use std::hash::BuildHasher;

/// Rows per chunk: small enough for cache, large enough for a fast GEMM.
pub const CHUNK_ROWS: usize = 2048;

/// Multiply-adds of a block of columns of one layer's product (see [`crate::linalg::col_blocks`]), between two
/// checks for Ctrl-C: 2^27, tens of milliseconds.
const COLUMN_WORK: usize = limits::UNIT_WORK / 8;

/// Floating-point element types the pattern code accepts (f32, f64).
pub trait Real: LinalgScalar + Gemm + PartialOrd + Send + Sync + std::fmt::Debug {
    /// The largest finite value, as an f64.
    const MAX_F64: f64;
    fn is_finite_(self) -> bool;
    fn abs_f64(self) -> f64;
}
impl Real for f32 {
    const MAX_F64: f64 = f32::MAX as f64;
    fn is_finite_(self) -> bool {
        self.is_finite()
    }
    fn abs_f64(self) -> f64 {
        self.abs() as f64
    }
}
impl Real for f64 {
    const MAX_F64: f64 = f64::MAX;
    fn is_finite_(self) -> bool {
        self.is_finite()
    }
    fn abs_f64(self) -> f64 {
        self.abs()
    }
}

/// A layer's gain and offset for the a-priori bound on its pre-activations: `|x W + b|_max <= |x|_max g + c` with
/// `g` the largest column sum of `|W|` and `c` the largest `|b|` (in f64); refused when `W` (layer `index`) holds
/// NaN or infinity. `W` is read once, in memory order, with a check for Ctrl-C about every
/// [`limits::CHECK_WORK`] entries (until the twenty-ninth pass on issue 11 a row-major `W` was walked column by
/// column, in a pass of its own for finiteness, and two layers of 10,000 units took a second before any check).
pub fn layer_gain<T: Real>(index: usize, layer: &Layer<'_, T>, cancel: &Cancel) -> CoreResult<(f64, f64)> {
    let w = &layer.w;
    let (rows, cols) = w.dim();
    let mut sums = vec![0.0f64; cols];
    let mut finite = true;
    // each column's sum runs over the rows in order, whichever way the matrix is walked
    if rows < 2 || cols < 2 || w.strides()[1].unsigned_abs() <= w.strides()[0].unsigned_abs() {
        let every = limits::items_per(limits::CHECK_WORK, cols);
        for (i, row) in w.rows().into_iter().enumerate() {
            if i % every == every - 1 {
                cancel.check()?;
            }
            for (s, &v) in sums.iter_mut().zip(row.iter()) {
                finite &= v.is_finite_();
                *s += v.abs_f64();
            }
        }
    } else {
        let every = limits::items_per(limits::CHECK_WORK, rows);
        for (j, col) in w.columns().into_iter().enumerate() {
            if j % every == every - 1 {
                cancel.check()?;
            }
            for &v in col.iter() {
                finite &= v.is_finite_();
                sums[j] += v.abs_f64();
            }
        }
    }
    if !finite {
        return invalid(format!("layer {index}: W contains NaN or infinity"));
    }
    let g = sums.into_iter().fold(0.0, f64::max);
    let c = layer.b.iter().map(|v| v.abs_f64()).fold(0.0, f64::max);
    Ok((g, c))
}

/// The fused pass over one column of a layer's GEMM output: add the bias, set the pattern bits and (`relu`) apply
/// the ReLU in place; with `CHECK`, also whether every pre-activation is finite (else `true`).
#[inline(always)]
fn fused_column<T: Real, const CHECK: bool>(
    col: &mut [T],
    bj: T,
    keys: &mut [u64],
    words: usize,
    word: usize,
    bit: usize,
    relu: bool,
) -> bool {
    let mut finite = true;
    for (r, v) in col.iter_mut().enumerate() {
        let z = *v + bj;
        if CHECK {
            finite &= z.is_finite_();
        }
        let on = z > T::zero();
        keys[r * words + word] |= (on as u64) << bit;
        if relu {
            *v = if on { z } else { T::zero() };
        }
    }
    finite
}

/// One dense layer `x -> x W + b`, `W` of shape `(fan_in, width)`.
#[derive(Clone, Copy, Debug)]
pub struct Layer<'a, T> {
    pub w: ArrayView2<'a, T>,
    pub b: ArrayView1<'a, T>,
}

/// Per distinct pattern: how many points fall in it, and how many of them have label 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub count: u64,
    pub ones: u64,
}

/// Number of hash shards of a [`PatternTable`] (top bits of the hash pick the shard).
const SHARDS: usize = 16;

/// One shard: keys in one flat arena (`words` u64 per pattern), cells, and a
/// hash index of `(hash, entry)` so that growth never rehashes keys and a
/// probe compares keys only on a full hash match.
#[derive(Debug, Default)]
struct Shard {
    keys: Vec<u64>,
    cells: Vec<Cell>,
    index: HashTable<(u64, u32)>,
}

impl Shard {
    fn add(&mut self, hash: u64, key: &[u64], count: u64, ones: u64) {
        let (w, keys) = (key.len(), &self.keys);
        let found = self.index.find(hash, |&(h, i)| h == hash && &keys[i as usize * w..(i as usize + 1) * w] == key);
        if let Some(&(_, i)) = found {
            let c = &mut self.cells[i as usize];
            c.count += count;
            c.ones += ones;
            return;
        }
        let i = self.cells.len() as u32;
        self.keys.extend_from_slice(key);
        self.cells.push(Cell { count, ones });
        self.index.insert_unique(hash, (hash, i), |&(h, _)| h);
    }

    fn absorb(&mut self, other: Shard, words: usize) {
        self.index.reserve(other.cells.len(), |&(h, _)| h);
        for &(h, i) in other.index.iter() {
            let i = i as usize;
            let c = other.cells[i];
            self.add(h, &other.keys[i * words..(i + 1) * words], c.count, c.ones);
        }
    }
}

/// Distinct activation patterns and their occupancy.
///
/// No allocation per pattern (keys live in flat arenas), so building and
/// dropping a table of millions of patterns costs a few large allocations.
/// Tables that share a hasher (`PatternTable::sibling`) merge shard by shard
/// in parallel.
#[derive(Debug)]
pub struct PatternTable {
    words: usize,
    shards: Vec<Shard>,
    hasher: DefaultHashBuilder,
    pub points: u64,
}

impl PatternTable {
    /// An empty table for patterns of `words` 64-bit words.
    pub fn new(words: usize) -> Self {
        PatternTable {
            words,
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            hasher: DefaultHashBuilder::default(),
            points: 0,
        }
    }

    /// An empty table with the same width and hasher (so the two can be merged).
    pub fn sibling(&self) -> Self {
        PatternTable { hasher: self.hasher.clone(), ..PatternTable::new(self.words) }
    }

    /// Number of distinct patterns.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.cells.len()).sum()
    }

    /// Whether no pattern has been added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every cell (in no particular order).
    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.shards.iter().flat_map(|s| s.cells.iter())
    }

    /// Add `count` points, `ones` of them labelled 1, to the cell of `key`.
    pub fn add(&mut self, key: &[u64], count: u64, ones: u64) {
        debug_assert_eq!(key.len(), self.words);
        let hash = self.hasher.hash_one(key);
        self.shards[(hash >> 60) as usize % SHARDS].add(hash, key, count, ones);
    }

    /// Merge a sibling table (same width and hasher) into this one, shards in parallel.
    pub fn merge(&mut self, other: PatternTable) {
        self.points += other.points;
        let words = self.words;
        self.shards.par_iter_mut().zip(other.shards.into_par_iter()).for_each(|(a, b)| a.absorb(b, words));
    }

    /// Occupancy, region count and majority-vote score.
    pub fn summary(&self) -> RegionSummary {
        let mut occupancy: Vec<u64> = self.cells().map(|c| c.count).collect();
        occupancy.sort_unstable_by(|a, b| b.cmp(a));
        let majority_correct_x2 = self
            .cells()
            .map(|c| {
                let zeros = c.count - c.ones;
                if zeros == c.ones {
                    c.count
                } else {
                    2 * zeros.max(c.ones)
                }
            })
            .sum();
        RegionSummary { n_regions: occupancy.len() as u64, n_points: self.points, occupancy, majority_correct_x2 }
    }
}

/// Summary of a pattern table.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionSummary {
    pub n_regions: u64,
    pub n_points: u64,
    /// Points per occupied region, largest first.
    pub occupancy: Vec<u64>,
    /// Twice the number of points a per-region majority vote gets right (ties count half).
    pub majority_correct_x2: u64,
}

impl RegionSummary {
    /// Training accuracy of giving every occupied region its majority label.
    pub fn majority_accuracy(&self) -> f64 {
        if self.n_points == 0 {
            return f64::NAN;
        }
        self.majority_correct_x2 as f64 / (2.0 * self.n_points as f64)
    }
}

/// Check that a layer stack is well shaped for inputs of dimension `d`, with finite biases (the weights are checked
/// by [`layer_gain`], in the same pass that reads them for the bound).
pub fn validate_layers<T: Real>(d: usize, layers: &[Layer<'_, T>]) -> CoreResult<usize> {
    if layers.is_empty() {
        return invalid("layers must contain at least one (W, b) pair");
    }
    let mut fan_in = d;
    let mut bits = 0usize;
    for (i, l) in layers.iter().enumerate() {
        let (rows, width) = l.w.dim();
        if rows != fan_in {
            return invalid(format!(
                "layer {i}: W has {rows} rows but its input has dimension {fan_in} (W must be (fan_in, width))"
            ));
        }
        if width == 0 {
            return invalid(format!("layer {i}: W must have at least one column (hidden unit)"));
        }
        if l.b.len() != width {
            return invalid(format!("layer {i}: b has length {} but W has {width} columns", l.b.len()));
        }
        if !l.b.iter().all(|v| v.is_finite_()) {
            return invalid(format!("layer {i}: b contains NaN or infinity"));
        }
        fan_in = width;
        bits += width;
    }
    Ok(bits)
}

/// Reusable buffers for one worker, and the Ctrl-C token its products check between blocks.
pub struct Scratch<T> {
    acts: Vec<Array2<T>>,
    keys: Vec<u64>,
    cancel: Cancel,
}

impl<T: Real> Scratch<T> {
    pub fn new(rows: usize, layers: &[Layer<'_, T>], cancel: Cancel) -> Self {
        let bits: usize = layers.iter().map(|l| l.w.ncols()).sum();
        Scratch {
            // Column-major: the GEMM kernels write it fastest, and each column
            // (one unit over the chunk's points) is swept contiguously below.
            acts: layers.iter().map(|l| Array2::zeros((rows, l.w.ncols()).f())).collect(),
            keys: vec![0; rows * bits.div_ceil(64)],
            cancel,
        }
    }
}

/// Bit-pack the pattern of each row of `x` and add it to `table`.
/// `labels`, when given, has one 0/1 entry per row of `x`.
///
/// One pass per layer over the GEMM output adds the bias, sets the pattern
/// bits and applies the ReLU for the next layer (no separate broadcast or map).
/// Stops with [`CoreError::Interrupted`] (nothing added to `table`) when the scratch's token fires between two
/// blocks of a wide layer's product. Refused (nothing added to `table`) when finite inputs overflow to infinity
/// or NaN in a pre-activation, whose sign is then not defined (a review found
/// `count_regions` of points and weights of 1e160 counting 2 regions instead of 13).
/// The pre-activations are tested only where the a-priori bound from `gains`
/// ([`layer_gain`] of each layer) and the chunk's largest `|x|` leaves less than
/// a factor 2 below the largest finite value: testing every one cost a fifth of
/// the time of a narrow network.
pub fn accumulate_chunk<T: Real>(
    x: ArrayView2<'_, T>,
    layers: &[Layer<'_, T>],
    gains: &[(f64, f64)],
    labels: Option<&[u8]>,
    words: usize,
    scratch: &mut Scratch<T>,
    table: &mut PatternTable,
) -> CoreResult<()> {
    let mut bound = x.iter().map(|v| v.abs_f64()).fold(0.0, f64::max);
    let rows = x.nrows();
    let keys = &mut scratch.keys[..rows * words];
    keys.fill(0);
    let mut bit0 = 0usize;
    for (li, layer) in layers.iter().enumerate() {
        let (prev, rest) = scratch.acts.split_at_mut(li);
        let mut out = rest[0].slice_mut(s![..rows, ..]);
        // (a wide layer in blocks of columns, with a check for Ctrl-C between them: a block of two rows through
        // two layers of 10,000 units read 0.5-1 s of weights from memory under load, all of it one unit of work)
        let input = if li == 0 { x } else { prev[li - 1].slice(s![..rows, ..]) };
        matmul_checked(input, layer.w, out.view_mut(), COLUMN_WORK, || scratch.cancel.check())?;
        let relu = li + 1 < layers.len();
        let (g, c) = gains[li];
        bound = bound * g + c;
        let check = bound.is_nan() || bound >= 0.5 * T::MAX_F64; // a NaN or infinite bound: check
        let mut finite = true;
        // (a check for Ctrl-C every ~CHECK_WORK steps: each entry is a bit set in another row's key, a cache miss
        // each; 2,048 rows through 240,000 units of one input were 3.4 s unchecked in an audit)
        let every = limits::items_per(limits::CHECK_WORK, rows.saturating_mul(limits::ENTRY_WORK));
        for (j, (mut col, &bj)) in out.columns_mut().into_iter().zip(layer.b.iter()).enumerate() {
            if j > 0 && j % every == 0 {
                scratch.cancel.check()?;
            }
            let (bit, word) = ((bit0 + j) & 63, (bit0 + j) >> 6);
            let col = col.as_slice_mut().expect("scratch columns are contiguous");
            finite &= if check {
                fused_column::<T, true>(col, bj, keys, words, word, bit, relu)
            } else {
                fused_column::<T, false>(col, bj, keys, words, word, bit, relu)
            };
        }
        if !finite {
            return invalid(format!(
                "the pre-activations of layer {} overflow to infinity or NaN; rescale the points or the weights",
                li + 1
            ));
        }
        bit0 += layer.w.ncols();
    }
    for r in 0..rows {
        table.add(&keys[r * words..(r + 1) * words], 1, labels.map_or(0, |y| y[r] as u64));
    }
    table.points += rows as u64;
    Ok(())
}

/// Rows of the buffer of inputs a worker of [`count_streamed`] holds: a chunk, or all `n` points when fewer (at least
/// one row).
fn chunk_buffer_rows(n: usize) -> usize {
    CHUNK_ROWS.min(n).max(1)
}

/// Bytes of the pattern table of `n` points through `bits` units, as [`count_streamed`] counts it: 16 bytes a word
/// of a key (the shards' key arenas grow by doubling; at 8 until pass 60, whose `rust/tests/bytes_measured.rs`
/// measured peaks up to 0.8% above the estimate on one thread) and 64 for a cell, `n` of them at most.
/// `simulation::check_trials` counts its trials' tables with it too.
pub fn table_bytes(n: usize, bits: usize) -> f64 {
    (n as f64).min(2f64.powi(62)) * (16.0 * bits.div_ceil(64) as f64 + 64.0)
}

/// How [`count_streamed`] passes `n` points through layers of `dims` (each layer's `(fan_in, width)`): the rows of a
/// block it asks [`crate::linalg::block_rows`] for, and the most rows of a block of a chunk, which a worker's
/// [`Scratch`] holds: the largest block of a full chunk or of the last one.
///
/// A chunk of a large network is passed in blocks of rows of at most about UNIT_WORK multiply-adds, with a check for
/// Ctrl-C before each (the blocks depend on the sizes only, so the counts are still the same at any thread count;
/// networks under 2^19 steps a row take the chunk whole). A block's cost counts each unit's multiply-adds and the
/// passes over its pre-activation, [`limits::ENTRY_WORK`].
pub fn stream_blocks(n: usize, dims: &[(usize, usize)]) -> (usize, usize) {
    let per_row = dims.iter().map(|&(k, w)| k.saturating_mul(w)).fold(0, usize::saturating_add);
    let units = dims.iter().map(|&(_, w)| w).fold(0, usize::saturating_add);
    let per_row_cost = per_row.saturating_add(units.saturating_mul(limits::ENTRY_WORK));
    let block = limits::items_per(limits::UNIT_WORK, per_row_cost).clamp(2, CHUNK_ROWS);
    let buf_rows = chunk_buffer_rows(n);
    let last_rows = n - (n.div_ceil(CHUNK_ROWS).max(1) - 1) * CHUNK_ROWS;
    let cap = crate::linalg::block_rows(block, buf_rows).max(crate::linalg::block_rows(block, last_rows)).min(buf_rows);
    (block, cap)
}

/// Bytes one worker of [`count_streamed`] holds for `n` points of dimension `d` through layers of `dims`, in elements
/// of `elem` bytes: one chunk of inputs and labels (fewer rows when there are fewer points), and the layers' outputs
/// and the keys of one block of it ([`stream_blocks`]). (Until pass 65 the outputs and keys of a whole chunk: 2,048
/// points through 240,000 units of one input allocated 3.9 GB a thread, touched a quarter of it, and spent a fifth
/// of a second unmapping it after a Ctrl-C, under no check.) `simulation::check_trials` counts its trials' workers
/// with it too.
pub fn stream_worker_bytes(n: usize, d: usize, dims: &[(usize, usize)], elem: usize) -> f64 {
    let bits = dims.iter().map(|&(_, w)| w as f64).sum::<f64>();
    let words = (bits / 64.0).ceil();
    let (block_cap, buf_rows) = (stream_blocks(n, dims).1 as f64, chunk_buffer_rows(n) as f64);
    let elem = elem as f64;
    block_cap * (bits * elem + words * 8.0) + buf_rows * (d as f64 * elem + 1.0)
}

/// Stream `n` points through `layers` in chunks of [`CHUNK_ROWS`], in
/// parallel, and count their distinct activation patterns.
///
/// `fill(chunk, x_buf, y_buf)` writes the rows `chunk * CHUNK_ROWS ..` of the
/// data into `x_buf` (and their 0/1 labels into `y_buf` when `labelled`), or
/// returns a view of those rows where they already exist (no copy).
/// The result does not depend on the number of threads: chunk contents are a
/// function of the chunk index only, and merging counts is order-free.
pub fn count_streamed<'a, T, F>(
    n: usize,
    d: usize,
    layers: &[Layer<'_, T>],
    labelled: bool,
    fill: F,
) -> CoreResult<PatternTable>
where
    T: Real + 'a,
    F: Fn(usize, &mut Array2<T>, &mut [u8]) -> CoreResult<Option<ArrayView2<'a, T>>> + Sync,
{
    let bits = validate_layers(d, layers)?;
    let words = bits.div_ceil(64);
    let n_chunks = n.div_ceil(CHUNK_ROWS);
    let dims: Vec<(usize, usize)> = layers.iter().map(|l| l.w.dim()).collect();
    let per_row: usize = dims.iter().map(|&(k, w)| k.saturating_mul(w)).fold(0, usize::saturating_add);
    let ((block, block_cap), buf_rows) = (stream_blocks(n, &dims), chunk_buffer_rows(n));
    let per_thread = stream_worker_bytes(n, d, &dims, std::mem::size_of::<T>());
    let table = table_bytes(n, bits);
    limits::check_bytes(
        &format!("counting the patterns of {n} points through {bits} units ({} threads)", rayon::current_num_threads()),
        per_thread * rayon::current_num_threads() as f64 + table,
    )?;
    let cancel = Cancel::current();
    limits::check_work(
        &format!("counting the patterns of {n} points through {bits} units"),
        n as f64 * per_row as f64,
        None,
    )?;
    let gains: Vec<(f64, f64)> =
        layers.iter().enumerate().map(|(i, l)| layer_gain(i, l, &cancel)).collect::<CoreResult<_>>()?;
    let mut total = PatternTable::new(words);
    let tables: Vec<CoreResult<PatternTable>> = (0..n_chunks)
        .into_par_iter()
        .fold(
            || {
                (
                    Scratch::new(block_cap, layers, cancel.clone()),
                    Array2::zeros((buf_rows, d)),
                    vec![0u8; buf_rows],
                    Ok(total.sibling()),
                )
            },
            |(mut scratch, mut xb, mut yb, acc), c| {
                let mut acc = match acc.and_then(|t| cancel.check().map(|()| t)) {
                    Ok(t) => t,
                    Err(e) => return (scratch, xb, yb, Err(e)),
                };
                let rows = (n - c * CHUNK_ROWS).min(CHUNK_ROWS);
                let lent = match fill(c, &mut xb, &mut yb) {
                    Ok(v) => v,
                    Err(e) => return (scratch, xb, yb, Err(e)),
                };
                let xc = lent.unwrap_or_else(|| xb.slice(s![..rows, ..]));
                let block = crate::linalg::block_rows(block, rows);
                for lo in (0..rows).step_by(block) {
                    let hi = (lo + block).min(rows);
                    if lo > 0 {
                        if let Err(e) = cancel.check() {
                            return (scratch, xb, yb, Err(e));
                        }
                    }
                    let labels = if labelled { Some(&yb[lo..hi]) } else { None };
                    let chunk = xc.slice(s![lo..hi, ..]);
                    if let Err(e) = accumulate_chunk(chunk, layers, &gains, labels, words, &mut scratch, &mut acc) {
                        return (scratch, xb, yb, Err(e));
                    }
                }
                (scratch, xb, yb, Ok(acc))
            },
        )
        .map(|(_, _, _, t)| t)
        .collect();
    for t in tables {
        let t = t?;
        if t.len() > total.len() {
            let small = std::mem::replace(&mut total, t);
            total.merge(small);
        } else {
            total.merge(t);
        }
    }
    Ok(total)
}

/// Count the distinct activation patterns of `layers` on the rows of `x`
/// (optionally with binary labels), in parallel over chunks of rows.
///
/// ```
/// use _core::activation_regions::{count_patterns, Layer};
/// use ndarray::{array, Array2};
/// // Three units on a line with kinks at 0, 1 and 2 cut it into 4 intervals; 40 points spread over [-1, 3) visit
/// // all 4 (closed form for L kinks on a line: L + 1).
/// let w = array![[1.0, 1.0, 1.0]];
/// let b = array![0.0, -1.0, -2.0];
/// let x = Array2::from_shape_fn((40, 1), |(i, _)| -1.0 + 0.1 * i as f64 + 0.05);
/// let y: Vec<u8> = (0..40).map(|i| (i % 3 == 0) as u8).collect();
/// let layers = [Layer { w: w.view(), b: b.view() }];
/// let table = count_patterns(x.view(), &layers, Some(ndarray::ArrayView1::from(&y[..])))?;
/// let summary = table.summary();
/// assert_eq!(summary.n_regions, 4);
/// assert_eq!(summary.occupancy.iter().sum::<u64>(), 40);
/// // the majority label of every region is right for at least half its points
/// assert!(summary.majority_accuracy() >= 0.5);
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn count_patterns<T: Real>(
    x: ArrayView2<'_, T>,
    layers: &[Layer<'_, T>],
    labels: Option<ArrayView1<'_, u8>>,
) -> CoreResult<PatternTable> {
    let (n, d) = x.dim();
    if let Some(y) = &labels {
        if y.len() != n {
            return invalid(format!("y has length {} but X has {n} rows", y.len()));
        }
        if y.iter().any(|&v| v > 1) {
            return invalid("y must contain only the labels 0 and 1");
        }
    }
    count_streamed(n, d, layers, labels.is_some(), |c, _buffer, yb| {
        let lo = c * CHUNK_ROWS;
        let hi = (lo + CHUNK_ROWS).min(n);
        let xc = x.slice(s![lo..hi, ..]);
        if !xc.iter().all(|v| v.is_finite_()) {
            return Err(CoreError::InvalidArgument("X contains NaN or infinity".into()));
        }
        if let Some(y) = &labels {
            for (dst, src) in yb.iter_mut().zip(y.slice(s![lo..hi]).iter()) {
                *dst = *src;
            }
        }
        Ok(Some(xc))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::{array, Array1};
    use std::collections::HashMap as StdMap;

    #[test]
    fn a_worker_holds_the_largest_block_any_chunk_passes() {
        // count_streamed's blocks, by brute force: every chunk's rows (full ones and the last) cut as its loop cuts
        // them; the scratch (stream_blocks' cap) must hold the largest, and holds no more than it
        for dims in [
            vec![(1usize, 10usize)],
            vec![(12, 30_000)],
            vec![(2, 1_000_000)],
            vec![(1, 31_580_000)],
            vec![(1, 21_053_000)],
            vec![(3, 200), (200, 1_000_000)],
        ] {
            for n in [0usize, 1, 2, 3, 58, 59, 60, 1277, 1278, 1279, 2047, 2048, 2049, 2050, 2051, 4096, 4097, 6143] {
                let (block, cap) = stream_blocks(n, &dims);
                let mut largest = 0;
                for c in 0..n.div_ceil(CHUNK_ROWS) {
                    let rows = (n - c * CHUNK_ROWS).min(CHUNK_ROWS);
                    let b = crate::linalg::block_rows(block, rows);
                    for lo in (0..rows).step_by(b) {
                        largest = largest.max((lo + b).min(rows) - lo);
                    }
                }
                assert!(largest <= cap, "{dims:?} n={n}: a block of {largest} rows, scratch of {cap}");
                assert!(cap == largest.max(1), "{dims:?} n={n}: scratch of {cap} rows for blocks of {largest}");
            }
        }
    }

    /// The gate pattern of one point (every unit of every layer: pre-activation > 0), by a plain forward pass.
    pub(crate) fn pattern_of(point: &[f64], layers: &[(Array2<f64>, Array1<f64>)]) -> Vec<bool> {
        let mut h: Vec<f64> = point.to_vec();
        let mut pat = Vec::new();
        for (w, b) in layers {
            let z: Vec<f64> =
                (0..w.ncols()).map(|j| (0..h.len()).map(|k| h[k] * w[[k, j]]).sum::<f64>() + b[j]).collect();
            pat.extend(z.iter().map(|&v| v > 0.0));
            h = z.iter().map(|&v| v.max(0.0)).collect();
        }
        pat
    }

    /// Straightforward reference: per point, evaluate every unit, collect sign vectors in a std HashMap.
    fn reference(x: &Array2<f64>, layers: &[(Array2<f64>, Array1<f64>)], y: &[u8]) -> (usize, Vec<u64>, f64) {
        let mut map: StdMap<Vec<bool>, (u64, u64)> = StdMap::new();
        for (i, row) in x.rows().into_iter().enumerate() {
            let e = map.entry(pattern_of(&row.to_vec(), layers)).or_default();
            e.0 += 1;
            e.1 += y[i] as u64;
        }
        let mut occ: Vec<u64> = map.values().map(|c| c.0).collect();
        occ.sort_unstable_by(|a, b| b.cmp(a));
        let correct: f64 =
            map.values().map(|&(c, o)| if 2 * o == c { c as f64 / 2.0 } else { o.max(c - o) as f64 }).sum();
        (map.len(), occ, correct / x.nrows() as f64)
    }

    fn lcg(state: &mut u64) -> f64 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    #[test]
    fn matches_reference_on_random_stacks() {
        let mut s = 12345u64;
        for &(n, d, widths) in &[
            (500usize, 3usize, &[5usize][..]),
            (5000, 2, &[70, 3]),
            (3000, 4, &[8, 8, 8]),
            // a second layer wider than the first: a bit layout not one-to-one over the layers' units (such as
            // `(bit0 - j) & 63`) puts some of its bits on the first layer's
            (2000, 3, &[3, 9]),
        ] {
            let x = Array2::from_shape_fn((n, d), |_| lcg(&mut s));
            let y: Vec<u8> = (0..n).map(|_| (lcg(&mut s) > 0.0) as u8).collect();
            let mut fan = d;
            let mut owned = Vec::new();
            for &w in widths {
                owned.push((
                    Array2::from_shape_fn((fan, w), |_| lcg(&mut s)),
                    Array1::from_shape_fn(w, |_| lcg(&mut s) * 0.5),
                ));
                fan = w;
            }
            let layers: Vec<Layer<f64>> = owned.iter().map(|(w, b)| Layer { w: w.view(), b: b.view() }).collect();
            let yv = Array1::from(y.clone());
            let t = count_patterns(x.view(), &layers, Some(yv.view())).unwrap().summary();
            let (nr, occ, acc) = reference(&x, &owned, &y);
            assert_eq!(t.n_regions as usize, nr);
            assert_eq!(t.occupancy, occ);
            assert!((t.majority_accuracy() - acc).abs() < 1e-12);
        }
    }

    #[test]
    fn line_with_dense_points_sees_every_interval() {
        // d = 1: L units with distinct knots in (-1, 1) cut the line into L + 1 intervals.
        let l = 7;
        let w = Array2::from_shape_fn((1, l), |(_, j)| if j % 2 == 0 { 1.0 } else { -1.0 });
        let b = Array1::from_shape_fn(l, |j| {
            let knot = -0.9 + 1.8 * (j as f64 + 0.5) / l as f64;
            -w[[0, j]] * knot
        });
        let x = Array2::from_shape_fn((10_001, 1), |(i, _)| -1.0 + 2.0 * i as f64 / 10_000.0);
        let t = count_patterns(x.view(), &[Layer { w: w.view(), b: b.view() }], None).unwrap().summary();
        assert_eq!(t.n_regions, l as u64 + 1);
    }

    #[test]
    fn bad_shapes_and_values_are_rejected() {
        let x = array![[0.0, 1.0], [f64::NAN, 0.0]];
        let w = Array2::<f64>::ones((2, 3));
        let b = Array1::<f64>::zeros(3);
        assert!(count_patterns(x.view(), &[Layer { w: w.view(), b: b.view() }], None).is_err());
        let w3 = Array2::<f64>::ones((3, 3));
        assert!(count_patterns(x.view(), &[Layer { w: w3.view(), b: b.view() }], None).is_err());
        // a weight that is not finite, in either memory order, named by its layer
        let x = array![[0.0, 1.0], [0.5, 0.0]];
        for bad in [f64::NAN, f64::INFINITY] {
            let mut w2 = Array2::<f64>::ones((3, 4));
            w2[[2, 1]] = bad;
            let b2 = Array1::<f64>::zeros(4);
            let mut f2 = Array2::<f64>::zeros((3, 4).f());
            f2.assign(&w2);
            for w2 in [w2, f2] {
                let layers = [Layer { w: w.view(), b: b.view() }, Layer { w: w2.view(), b: b2.view() }];
                match count_patterns(x.view(), &layers, None) {
                    Err(CoreError::InvalidArgument(m)) => assert_eq!(m, "layer 1: W contains NaN or infinity"),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn pre_activations_that_overflow_are_refused_in_either_precision() {
        // 1e160 * 1e160 is past f64's range (1e20 * 1e20 past f32's): such a pre-activation has no sign, so no
        // pattern; the same points and weights a little smaller count as a plain forward pass says (b = 0: a
        // positive scale changes no sign).
        fn outcome<T: Real>(x: Array2<T>, w: Array2<T>) -> CoreResult<u64> {
            let b = Array1::<T>::zeros(w.ncols());
            Ok(count_patterns(x.view(), &[Layer { w: w.view(), b: b.view() }], None)?.summary().n_regions)
        }
        let (x, w) = (array![[1.0, 0.0], [0.0, 1.0], [-1.0, 0.5]], array![[1.0, 1.0], [1.0, -1.0]]);
        let want = reference(&x, &[(w.clone(), Array1::zeros(2))], &[0, 0, 0]).0 as u64;
        let overflows = |r: CoreResult<u64>| matches!(r, Err(CoreError::InvalidArgument(m)) if m.contains("overflow"));
        assert!(overflows(outcome(&x * 1e160, &w * 1e160)));
        assert_eq!(outcome(&x * 1e150, &w * 1e150).unwrap(), want);
        let f32s = |a: &Array2<f64>, s: f64| a.mapv(|v| (v * s) as f32);
        assert!(overflows(outcome(f32s(&x, 1e20), f32s(&w, 1e20))));
        assert_eq!(outcome(f32s(&x, 1e17), f32s(&w, 1e17)).unwrap(), want);
    }

    #[test]
    fn tables_add_merge_and_score_by_hand_counts() {
        // Cells by hand: pattern A holds 3 points (2 labelled 1), B 2 points (1 and 1: a tie, worth half), C 1 point
        // (label 0). A majority vote gets 2 + 1 + 1 = 4 of 6 right. Split over two sibling tables (keys of two
        // words, A added in both), merged either way round, the same.
        let (a, b, c) = ([1u64, 0], [0u64, 1], [5u64, 1u64 << 63]);
        let mut one = PatternTable::new(2);
        assert!(one.is_empty() && one.cells().next().is_none());
        assert!(one.summary().majority_accuracy().is_nan());
        let mut two = one.sibling();
        one.add(&a, 2, 1);
        one.add(&b, 1, 1);
        one.points = 3;
        two.add(&a, 1, 1);
        two.add(&b, 1, 0);
        two.add(&c, 1, 0);
        two.points = 3;
        assert!(!one.is_empty() && one.len() == 2 && two.len() == 3);
        let mut cells: Vec<(u64, u64)> = two.cells().map(|c| (c.count, c.ones)).collect();
        cells.sort();
        assert_eq!(cells, vec![(1, 0), (1, 0), (1, 1)]);
        let (mut x, mut y) = (one.sibling(), two.sibling());
        for (t, other) in [(&mut x, &one), (&mut y, &two)] {
            for s in &other.shards {
                for (i, cell) in s.cells.iter().enumerate() {
                    t.add(&s.keys[2 * i..2 * i + 2], cell.count, cell.ones);
                }
            }
            t.points = other.points;
        }
        one.merge(two);
        y.merge(x);
        for t in [one, y] {
            let s = t.summary();
            assert_eq!((s.n_regions, s.n_points, s.occupancy.clone()), (3, 6, vec![3, 2, 1]));
            assert_eq!(s.majority_correct_x2, 8);
            assert_eq!(s.majority_accuracy(), 4.0 / 6.0);
        }
    }

    #[test]
    fn a_merged_table_keeps_every_key() {
        // After a merge the absorbed patterns are found again by their keys: adding each once more adds to its
        // cell (4 regions of 2 points, not 7), and the table's key arenas hold each of the 4 keys once.
        let keys = [[1u64, 0], [0u64, 1], [5u64, 1u64 << 63], [7, 7]];
        let mut one = PatternTable::new(2);
        let mut two = one.sibling();
        one.add(&keys[0], 1, 0);
        for k in &keys[1..] {
            two.add(k, 1, 1);
        }
        one.merge(two);
        for k in &keys {
            one.add(k, 1, 0);
        }
        assert_eq!(one.len(), 4);
        assert_eq!(one.cells().map(|c| c.count).collect::<Vec<_>>(), vec![2; 4]);
        let mut listed: Vec<[u64; 2]> =
            one.shards.iter().flat_map(|s| s.keys.chunks(2).map(|c| [c[0], c[1]])).collect();
        listed.sort_unstable();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(listed, want);
    }

    #[test]
    fn a_pre_activation_of_exactly_zero_is_off_in_every_layer() {
        // A pattern bit is `x W + b > 0`: a point on a unit's hyperplane is off. Integer points and weights put many
        // points exactly on hyperplanes of both layers (the second layer fed the first's ReLU output); the counts
        // must be those of the plain forward pass, and by hand on the line: W = 1, b = 0 over -2, -1, 0, 1 is off
        // for three points (0 among them) and on for one.
        let x =
            Array2::from_shape_fn((25, 2), |(i, k)| if k == 0 { (i / 5) as f64 - 2.0 } else { (i % 5) as f64 - 2.0 });
        let y: Vec<u8> = (0..25).map(|i| (i % 3 == 0) as u8).collect();
        let owned = vec![
            (array![[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, -1.0, 1.0]], array![0.0, 0.0, 0.0, -1.0]),
            (array![[1.0, -1.0], [-1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], array![0.0, -1.0]),
        ];
        let zeros = x.rows().into_iter().filter(|r| r[0] == 0.0 || r[1] == 0.0 || r[0] == r[1]).count();
        assert_eq!(zeros, 13); // (points on the first layer's hyperplanes through the origin)
        let layers: Vec<Layer<f64>> = owned.iter().map(|(w, b)| Layer { w: w.view(), b: b.view() }).collect();
        let yv = Array1::from(y.clone());
        let t = count_patterns(x.view(), &layers, Some(yv.view())).unwrap().summary();
        let (nr, occ, acc) = reference(&x, &owned, &y);
        assert_eq!((t.n_regions as usize, t.occupancy.clone()), (nr, occ));
        assert_eq!(t.majority_accuracy(), acc);
        let line = array![[-2.0], [-1.0], [0.0], [1.0]];
        let (w, b) = (array![[1.0]], array![0.0]);
        let t = count_patterns(line.view(), &[Layer { w: w.view(), b: b.view() }], None).unwrap().summary();
        assert_eq!(t.occupancy, vec![3, 1]);
    }

    #[test]
    fn a_shard_tells_keys_apart_on_a_full_hash_match_and_the_hash_spreads_keys_over_shards() {
        // Two keys given the same hash stay two cells (the probe compares the keys, not only the hash), each found
        // again by its key.
        let mut s = Shard::default();
        s.add(7, &[1, 0], 1, 0);
        s.add(7, &[2, 0], 1, 1);
        s.add(7, &[1, 0], 2, 1);
        assert_eq!(s.cells, vec![Cell { count: 3, ones: 1 }, Cell { count: 1, ones: 1 }]);
        assert_eq!(s.keys, vec![1, 0, 2, 0]);
        // The top bits of the hash pick the shard, so a merge works on every shard: 1,000 keys leave none empty
        // (an empty one has probability 16 (15/16)^1000, about 1e-27, for a hash uniform in its top bits).
        let mut t = PatternTable::new(1);
        for k in 0..1000u64 {
            t.add(&[k], 1, 0);
        }
        assert_eq!(t.len(), 1000);
        assert!(t.shards.iter().all(|s| !s.cells.is_empty()), "{:?}", t.shards.iter().map(|s| s.cells.len()));
    }

    #[test]
    fn layer_gain_is_the_largest_column_sum_in_either_memory_order_and_stops_on_ctrl_c() {
        let w = Array2::from_shape_fn((37, 23), |(i, j)| ((i * 7 + j * 13) % 17) as f64 - 8.5);
        let b = Array1::from_shape_fn(23, |j| j as f64 - 30.0);
        // the naive bound: every column summed on its own
        let g = (0..23).map(|j| (0..37).map(|i| w[[i, j]].abs()).sum::<f64>()).fold(0.0, f64::max);
        let mut fortran = Array2::<f64>::zeros((37, 23).f());
        fortran.assign(&w);
        assert_eq!(fortran.strides(), &[1, 37]);
        for m in [w.view(), fortran.view(), w.slice(s![..;-1, ..])] {
            let (gm, c) = layer_gain(0, &Layer { w: m, b: b.view() }, &Cancel::default()).unwrap();
            assert_eq!((gm, c), (g, 30.0));
        }
        let big = Array2::<f32>::ones((2000, 3000));
        let bb = Array1::<f32>::zeros(3000);
        let token = Cancel::new();
        token.cancel();
        for m in [big.view(), big.t()] {
            let r = layer_gain(0, &Layer { w: m, b: bb.view() }, &token);
            assert!(matches!(r, Err(CoreError::Interrupted)), "{r:?}");
        }
    }

    #[test]
    fn layer_gain_checks_for_ctrl_c_when_one_row_or_column_is_a_whole_check() {
        // A row (or, walked by columns, a column) of CHECK_WORK entries is a check's worth alone: every one is then
        // followed by a check, the first included, so a cancelled token stops the pass. Broadcast views of one
        // entry: 2 x 2^22 of them in no memory, walked by rows (strides 0, 0) and by columns (strides 0, 1).
        let n = limits::CHECK_WORK;
        let token = Cancel::new();
        token.cancel();
        let one = Array2::<f32>::ones((1, 1));
        let b = Array1::<f32>::zeros(n);
        let wide = one.broadcast((2, n)).unwrap();
        let two = Array2::<f32>::ones((1, 2));
        let tall = two.broadcast((n, 2)).unwrap();
        assert!(tall.strides()[1] > tall.strides()[0]);
        let b2 = Array1::<f32>::zeros(2);
        for layer in [Layer { w: wide, b: b.view() }, Layer { w: tall, b: b2.view() }] {
            let r = layer_gain(0, &layer, &token);
            assert!(matches!(r, Err(CoreError::Interrupted)), "{:?}: {r:?}", layer.w.strides());
            // (and without the token, the gain: the largest column sum of ones)
            assert_eq!(layer_gain(0, &layer, &Cancel::default()).unwrap(), (layer.w.nrows() as f64, 0.0));
        }
    }

    #[test]
    fn the_bias_counts_in_the_bound_that_decides_the_overflow_check() {
        // One point x = 1 through one unit of weight 0.6 MAX: x W is finite, but with a bias of 0.9 MAX the
        // pre-activation is past MAX (infinite), so it has no sign: refused. A bias of 0.3 MAX leaves 0.9 MAX, one
        // region. In both precisions.
        fn outcome<T: Real>(w: T, b: T) -> CoreResult<u64> {
            let (x, w, b) = (Array2::<T>::ones((1, 1)), Array2::from_elem((1, 1), w), Array1::from_elem(1, b));
            Ok(count_patterns(x.view(), &[Layer { w: w.view(), b: b.view() }], None)?.summary().n_regions)
        }
        let overflows = |r: CoreResult<u64>| matches!(r, Err(CoreError::InvalidArgument(m)) if m.contains("overflow"));
        assert!(overflows(outcome(0.6 * f64::MAX, 0.9 * f64::MAX)));
        assert_eq!(outcome(0.6 * f64::MAX, 0.3 * f64::MAX).unwrap(), 1);
        assert!(overflows(outcome(0.6 * f32::MAX, 0.9 * f32::MAX)));
        assert_eq!(outcome(0.6 * f32::MAX, 0.3 * f32::MAX).unwrap(), 1);
    }

    #[test]
    fn a_wide_layer_checks_for_ctrl_c_between_its_columns() {
        // Two rows through one layer of (2^22 / (2 ENTRY_WORK)) + 1 units of one input: one block of the product
        // (no check before the first), then the fused pass over the columns, which must check at least once and stop
        // with Interrupted, nothing added to the table.
        let rows = 2;
        let width = limits::CHECK_WORK / (rows * limits::ENTRY_WORK) + 1;
        let w = Array2::<f64>::ones((1, width));
        let b = Array1::<f64>::zeros(width);
        let layers = [Layer { w: w.view(), b: b.view() }];
        let x = array![[1.0], [-1.0]];
        let words = width.div_ceil(64);
        let token = Cancel::new();
        let mut scratch = Scratch::new(rows, &layers, token.clone());
        let mut table = PatternTable::new(words);
        let gains = [layer_gain(0, &layers[0], &Cancel::default()).unwrap()];
        token.cancel();
        let r = accumulate_chunk(x.view(), &layers, &gains, None, words, &mut scratch, &mut table);
        assert!(matches!(r, Err(CoreError::Interrupted)), "{r:?}");
        assert_eq!((table.len(), table.points), (0, 0));
        // not cancelled: the two points in two regions (all units on, all off)
        let mut scratch = Scratch::new(rows, &layers, Cancel::default());
        accumulate_chunk(x.view(), &layers, &gains, None, words, &mut scratch, &mut table).unwrap();
        assert_eq!((table.len(), table.points), (2, 2));
    }
}
