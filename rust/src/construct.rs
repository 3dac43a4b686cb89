//! The linear region of every point under a two-layer ReLU network, and the
//! affine map the network computes on that region.
//!
//! For `f(x) = sum_i w2_i relu(x . W1[:, i] + b1_i) + b2` and a point whose
//! active set (units with pre-activation `> 0`) is `A`, the network is the
//! affine map `x -> x . g_A + c_A` with slope `g_A = sum_{i in A} w2_i W1[:, i]`
//! and offset `c_A = sum_{i in A} w2_i b1_i + b2` on the whole cell of `A`.
//!
//! Region ids are assigned in order of first appearance along the rows of
//! `X`, so they do not depend on the thread count.

use crate::error::{invalid, CoreResult};
use crate::limits::{self, Cancel};
use crate::linalg::matmul_into;
use hashbrown::HashMap;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

/// Rows per parallel work unit.
pub const CHUNK_ROWS: usize = 2048;

/// Regions visited by the data and their affine maps.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionMap {
    /// Region id of every row of `X` (`0..n_regions`, by first appearance).
    pub ids: Vec<u64>,
    /// Activation pattern of each region, shape `(n_regions, L)`.
    pub patterns: Array2<bool>,
    /// Slope vector of each region, shape `(n_regions, d)`.
    pub slopes: Array2<f64>,
    /// Offset of each region.
    pub offsets: Array1<f64>,
    /// Points per region.
    pub counts: Vec<u64>,
}

/// Rows of each of [`region_map`]'s parallel chunks (the last may be shorter): about [`limits::UNIT_WORK`] steps,
/// counting for each pre-activation its `d` multiply-adds and [`limits::ENTRY_WORK`], within `2..=CHUNK_ROWS`.
fn chunk_rows(n: usize, d: usize, l: usize) -> usize {
    let per_entry = d.saturating_add(limits::ENTRY_WORK);
    crate::linalg::block_rows(limits::items_per(limits::UNIT_WORK, l.saturating_mul(per_entry)).clamp(2, CHUNK_ROWS), n)
}

/// Blocks of columns a chunk of `rows` rows is computed in (about [`limits::CHECK_WORK`] steps each, a check for
/// Ctrl-C before each), as [`crate::linalg::matmul_checked`] splits a product.
fn col_blocks(rows: usize, d: usize, l: usize) -> usize {
    crate::linalg::col_blocks(rows, d.saturating_add(limits::ENTRY_WORK), l, limits::CHECK_WORK)
}

/// Bytes [`region_map`] of `n` points in R^`d` through `l` units holds at most on `threads` workers, counted before
/// it allocates (in f64, so the products cannot overflow), at one region per row at worst:
/// - a row's bit-packed pattern (`ceil(l / 64)` u64s) and id (a u64);
/// - a region's first row and count (u64s), in vectors grown by doubling: twice that;
/// - the hash table's entries (a borrowed slice and an id, 24 bytes, and a control byte each): at most 7/8 of its
///   buckets are full and it grows by doubling, holding the old buckets while it moves them, so up to
///   `8/7 (2 + 1) = 24/7` buckets a region;
/// - a worker's pre-activations (f64) of one chunk of rows (`chunk_rows`, or the last, shorter one) through one
///   block of columns (`col_blocks`) at a time: the larger of the two chunks' blocks (the chunk through all `l`
///   units until the fifty-eighth pass, 100 times too much at 2,048 rows through 30,000 units);
/// - a region's pattern (`l` bools), slope (`d` f64s) and offset (an f64).
///
/// `rust/tests/bytes_measured.rs` measures the peak against it (`cargo test --test bytes_measured -- construct::
/// --nocapture`): the estimate was 1.04 to 2.1 times the peak at one region a row (the most with few rows on two
/// threads), more where the rows share regions. (Counting the hash table as 24 bytes a row and the two vectors at
/// their length, it was 0.85 times the peak of 131,073 rows, each its own region, in R^18.)
pub fn region_map_bytes(n: usize, d: usize, l: usize, threads: usize) -> f64 {
    let (nf, lf, df) = (n as f64, l as f64, d as f64);
    let table = 24.0 / 7.0 * (std::mem::size_of::<(&[u64], u64)>() as f64 + 1.0);
    let keys_bytes = nf * (8.0 * l.div_ceil(64) as f64 + 8.0 + 2.0 * (8.0 + 8.0) + table);
    let chunk = chunk_rows(n, d, l);
    let block = |rows: usize| rows as f64 * l.div_ceil(col_blocks(rows, d, l)) as f64;
    let chunk_bytes = threads as f64 * block(chunk.min(n)).max(block(n % chunk)) * 8.0;
    let region_bytes = nf * (lf + 8.0 * df + 8.0);
    keys_bytes + chunk_bytes + region_bytes
}

/// The steps [`region_map`] is priced at (`max_work`): for each of the `n x l` pre-activations its `d`
/// multiply-adds and `limits::ENTRY_WORK` passes over it (the bias copied in, the product written, the sign read).
pub fn region_map_work(n: usize, d: usize, l: usize) -> f64 {
    n as f64 * l as f64 * (d as f64 + limits::ENTRY_WORK as f64)
}

/// Compute the region of every row of `x` for the network `(w1, b1, w2, b2)`,
/// `w1` of shape `(d, L)`.
///
/// ```
/// use _core::construct::region_map;
/// use ndarray::{array, Array2};
/// // f(x) = sum_i w2_i relu(x . W1[:, i] + b1_i) + b2 in R^2, against a forward pass written out here.
/// let w1 = array![[1.0, -0.5, 0.3], [0.2, 1.0, -1.0]];
/// let b1 = array![0.1, -0.2, 0.05];
/// let w2 = array![1.5, -2.0, 0.7];
/// let b2 = 0.25;
/// let x = Array2::from_shape_fn((50, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
/// let map = region_map(x.view(), w1.view(), b1.view(), w2.view(), b2)?;
/// for (i, row) in x.rows().into_iter().enumerate() {
///     let pre = |u: usize| row[0] * w1[[0, u]] + row[1] * w1[[1, u]] + b1[u];
///     let f: f64 = (0..3).map(|u| w2[u] * pre(u).max(0.0)).sum::<f64>() + b2;
///     let r = map.ids[i] as usize;
///     let affine = row[0] * map.slopes[[r, 0]] + row[1] * map.slopes[[r, 1]] + map.offsets[r];
///     assert!((f - affine).abs() < 1e-12);
///     assert!((0..3).all(|u| map.patterns[[r, u]] == (pre(u) > 0.0)));
/// }
/// assert_eq!(map.counts.iter().sum::<u64>(), 50);
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn region_map(
    x: ArrayView2<'_, f64>,
    w1: ArrayView2<'_, f64>,
    b1: ArrayView1<'_, f64>,
    w2: ArrayView1<'_, f64>,
    b2: f64,
) -> CoreResult<RegionMap> {
    let (n, d) = x.dim();
    let (wd, l) = w1.dim();
    if wd != d {
        return invalid(format!("W1 has {wd} rows but X has {d} columns (W1 must be (d, L))"));
    }
    if l == 0 {
        return invalid("W1 must have at least one column (hidden unit)");
    }
    if b1.len() != l || w2.len() != l {
        return invalid(format!("b1 and w2 must have length L = {l}, got {} and {}", b1.len(), w2.len()));
    }
    let finite = |v: &f64| v.is_finite();
    if !w1.iter().all(finite) || !b1.iter().all(finite) || !w2.iter().all(finite) || !b2.is_finite() {
        return invalid("the network weights contain NaN or infinity");
    }
    if !x.iter().all(finite) {
        return invalid("X contains NaN or infinity");
    }
    let words = l.div_ceil(64);
    limits::check_bytes(
        &format!("region_map of {n} points through {l} units in R^{d}"),
        region_map_bytes(n, d, l, rayon::current_num_threads()),
    )?;
    // priced as it runs (below): each pre-activation's d multiply-adds and ENTRY_WORK passes over it. The bytes
    // bound n (L + 8 d), not n d L: inputs of several GB (3e4 points through 3.2e4 units in R^3.2e4, 16 GB) went
    // unpriced to about 3e13 steps, hours, until the sixty-seventh pass on issue 11
    limits::check_work(
        &format!("region_map of {n} points through {l} units in R^{d}"),
        region_map_work(n, d, l),
        None,
    )?;
    let cancel = Cancel::current();
    // Bit-packed pattern of every row, computed in parallel chunks of rows, each in blocks of columns.
    // A chunk is about UNIT_WORK steps, counting for each pre-activation its d multiply-adds and the
    // passes over it (ENTRY_WORK: the bias copied in, the product written, the sign read; with d = 1 these
    // are all the work), and a block of columns about CHECK_WORK steps, with a check for Ctrl-C before
    // each: 2 rows of 2^25 units in R^1 were one unchecked block of 3.5 s in an audit. The chunks and
    // blocks depend on the sizes only, and a block of more than 256 columns computes every entry as the
    // whole product does (`linalg::MIN_BLOCK_COLS`), so the regions are the same at any thread count.
    // (no block of a single row: see `block_rows`)
    let per_entry = d.saturating_add(limits::ENTRY_WORK);
    let chunk = chunk_rows(n, d, l);
    let mut keys = vec![0u64; n * words];
    // A pre-activation beyond float64 (infinite, or NaN where two such terms meet: inf - inf, whose sign `v > 0`
    // read as off) is refused below, naming its row and unit.
    let overflow = std::sync::Mutex::new(None::<(usize, usize)>);
    keys.par_chunks_mut(chunk * words).enumerate().for_each(|(c, out)| {
        if cancel.is_cancelled() {
            return;
        }
        let lo = c * chunk;
        let rows = out.len() / words;
        let x_rows = x.slice(s![lo..lo + rows, ..]);
        // blocks as equal as can be, each of at least MIN_BLOCK_COLS columns (or all L), as `matmul_checked` splits
        let blocks = col_blocks(rows, d, l);
        let mut z = Array2::<f64>::zeros((rows, l.div_ceil(blocks)));
        for (j0, j1) in crate::linalg::even_blocks(l, blocks) {
            if j0 > 0 && cancel.is_cancelled() {
                return;
            }
            let mut zb = z.slice_mut(s![.., ..j1 - j0]);
            zb.assign(&b1.slice(s![j0..j1]).broadcast((rows, j1 - j0)).unwrap());
            matmul_into(x_rows, w1.slice(s![.., j0..j1]), zb.view_mut(), true);
            for (r, row) in zb.rows().into_iter().enumerate() {
                let key = &mut out[r * words..(r + 1) * words];
                let mut bad = None;
                for (i, &v) in row.iter().enumerate() {
                    if v > 0.0 {
                        let i = i + j0;
                        key[i >> 6] |= 1u64 << (i & 63);
                    }
                    if !v.is_finite() && bad.is_none() {
                        bad = Some(i + j0);
                    }
                }
                if let Some(i) = bad {
                    let mut first = overflow.lock().expect("not poisoned");
                    if first.is_none_or(|f| (lo + r, i) < f) {
                        *first = Some((lo + r, i));
                    }
                }
            }
        }
    });
    cancel.check()?;
    if let Some((r, i)) = overflow.into_inner().expect("not poisoned") {
        return Err(crate::error::CoreError::Numerical(format!(
            "the pre-activation of unit {i} at row {r} of X overflows float64 (to infinity, or to NaN where two terms \
             beyond float64 meet: its sign is not known); rescale X or W1 nearer to 1"
        )));
    }
    // Ids by first appearance (sequential, so deterministic).
    let mut map: HashMap<&[u64], u64> = HashMap::new();
    let mut ids = Vec::with_capacity(n);
    let mut first: Vec<usize> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    for r in 0..n {
        if r % (64 * CHUNK_ROWS) == 0 {
            cancel.check()?;
        }
        let key = &keys[r * words..(r + 1) * words];
        let next = first.len() as u64;
        let id = *map.entry(key).or_insert(next);
        if id == next {
            first.push(r);
            counts.push(0);
        }
        counts[id as usize] += 1;
        ids.push(id);
    }
    let nr = first.len();
    let mut patterns = Array2::from_elem((nr, l), false);
    let mut slopes = Array2::zeros((nr, d));
    let mut offsets = Array1::from_elem(nr, b2);
    // A region reads all L bits of its pattern and takes up to L d multiply-adds: check every 2^22 steps.
    let every = limits::items_per(limits::CHECK_WORK, l.saturating_mul(per_entry));
    for (g, &r) in first.iter().enumerate() {
        if g % every == 0 {
            cancel.check()?;
        }
        let key = &keys[r * words..(r + 1) * words];
        for i in 0..l {
            if key[i >> 6] >> (i & 63) & 1 == 1 {
                patterns[[g, i]] = true;
                let c = w2[i];
                slopes.row_mut(g).scaled_add(c, &w1.column(i));
                offsets[g] += c * b1[i];
            }
        }
        // A slope or offset beyond float64 (inf, or NaN where two infinite terms meet) is not this region's map:
        // refused, as the pre-activations are (the Python API refuses such networks before the call).
        if !(slopes.row(g).iter().all(|v| v.is_finite()) && offsets[g].is_finite()) {
            return Err(crate::error::CoreError::Numerical(format!(
                "the affine map of the region of row {r} of X overflows float64 (its slope or offset sums products \
                 w2_i W1[:, i] or w2_i b1_i beyond about 1.8e308); rescale w2 nearer to 1"
            )));
        }
    }
    Ok(RegionMap { ids, patterns, slopes, offsets, counts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use rand::RngExt;

    /// `n` points uniform in `[-1, 1]^d` and a network of `l` units, weights uniform in `[-1, 1]`, biases in
    /// `[-0.5, 0.5]`, drawn in that order from `stream(seed, seed + 1, seed + 2)`.
    fn random_net(n: usize, d: usize, l: usize, seed: u64) -> (Array2<f64>, Array2<f64>, Array1<f64>, Array1<f64>) {
        let mut rng = stream(seed, seed + 1, seed + 2);
        let x = Array2::from_shape_fn((n, d), |_| rng.random_range(-1.0..1.0));
        let w1 = Array2::from_shape_fn((d, l), |_| rng.random_range(-1.0..1.0));
        let b1 = Array1::from_shape_fn(l, |_| rng.random_range(-0.5..0.5));
        let w2 = Array1::from_shape_fn(l, |_| rng.random_range(-1.0..1.0));
        (x, w1, b1, w2)
    }

    #[test]
    fn an_affine_map_beyond_float64_is_refused() {
        // Each product w2_i W1[0, i] = 1e308 is finite. At x = 1 both units are on and the slope is 2e308 exactly,
        // beyond float64 (before the fifty-eighth pass it came back as inf); with W1 = 0 and b1 = 1 the offset is
        // 2e308 likewise. With weights (1, -1) one unit is on at each point: slopes -1e308 and 1e308, read.
        let x = ndarray::array![[-1.0], [1.0]];
        let w1 = ndarray::array![[1.0, 1.0]];
        let w2 = ndarray::array![1e308, 1e308];
        let refused = |r: CoreResult<RegionMap>, row: usize| match r {
            Err(crate::error::CoreError::Numerical(m)) => m.contains(&format!("row {row} of X overflows")),
            _ => false,
        };
        let zeros = Array1::zeros(2);
        assert!(refused(region_map(x.view(), w1.view(), zeros.view(), w2.view(), 0.0), 1));
        let (origin, flat, ones) = (ndarray::array![[0.0]], Array2::zeros((1, 2)), ndarray::array![1.0, 1.0]);
        assert!(refused(region_map(origin.view(), flat.view(), ones.view(), w2.view(), 0.0), 0));
        let opposite = ndarray::array![[1.0, -1.0]];
        let rm = region_map(x.view(), opposite.view(), zeros.view(), w2.view(), 0.0).unwrap();
        assert_eq!(rm.slopes.column(0).to_vec(), vec![-1e308, 1e308]);
    }

    #[test]
    fn affine_maps_reproduce_the_network() {
        let (n, d, l) = (5000, 3, 12);
        let (x, w1, b1, w2) = random_net(n, d, l, 1);
        let rm = region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.3).unwrap();
        let h = (x.dot(&w1) + &b1).mapv(|v: f64| v.max(0.0));
        let f = h.dot(&w2) + 0.3;
        for r in 0..n {
            let g = rm.ids[r] as usize;
            let v = x.row(r).dot(&rm.slopes.row(g)) + rm.offsets[g];
            assert!((v - f[r]).abs() < 1e-12);
            let z = x.row(r).dot(&w1) + &b1;
            for i in 0..l {
                assert_eq!(rm.patterns[[g, i]], z[i] > 0.0);
            }
        }
        assert_eq!(rm.counts.iter().sum::<u64>(), n as u64);
        // At most sum_{j <= d} C(L, j) regions exist at all.
        let bound: usize = 1 + 12 + 66 + 220;
        assert!(rm.patterns.nrows() <= bound);
        assert_eq!(rm.ids[0], 0);
    }

    #[test]
    fn the_memory_estimate_is_what_region_map_allocates_at_one_region_a_row() {
        // Counted from the allocations in `region_map` at one region a row, each by its own size: `keys` (a
        // `vec!` of n ceil(L/64) u64s), one `z` a worker (an `Array2` of a chunk's rows by one block of columns),
        // `ids` (n u64s), `first` and `counts` (n u64s each, pushed: a capacity up to 2n), the hash table (n
        // entries of a slice and an id and a control byte, in up to 2 (8/7) n buckets and, while it grows, the 8/7
        // n it leaves), and `patterns` (n by L bools), `slopes` (n by d f64s) and `offsets` (n f64s). A chunk is
        // 2^30 / (L (d + 16)) rows, within 2..=2048; a block of its columns is 2^22 / (max(rows, 16) (d + 16))
        // columns, at least 257, as many as fit in L: with few units z is min(n, 2048) rows by all L.
        let (u64s, f64s) = (std::mem::size_of::<u64>(), std::mem::size_of::<f64>());
        let entry = std::mem::size_of::<(&[u64], u64)>() + 1;
        // 2051 rows through 30,000 units in R^1: chunks of 2^30 / 510,000 = 2105 -> 2048 rows and the last 3;
        // blocks of 2^22 / (2048 x 17) = 120 -> 257 columns, 30000 / 257 = 116 blocks of at most 259 columns (the
        // 3 rows take 2^22 / (16 x 17) = 15,420 columns, one block of all 30,000: 90,000 entries, fewer)
        let wide = 2048 * 259;
        // (n a multiple of 7: whole buckets)
        let cases = [(14usize, 2usize, 70usize, 2usize, 14 * 70), (7000, 3, 12, 1, 2048 * 12), (7, 1, 64, 3, 7 * 64)];
        for (n, d, l, threads, z_entries) in cases.into_iter().chain([(21, 5, 1, 1, 21), (2051, 1, 30_000, 2, wide)]) {
            let keys = n * l.div_ceil(64) * u64s;
            let z = threads * z_entries * f64s;
            let ids_first_counts = n * u64s + 2 * (2 * n * u64s);
            let table = (16 * n / 7 + 8 * n / 7) * entry;
            let (patterns, slopes, offsets) = (n * l, n * d * f64s, n * f64s);
            let counted = keys + z + ids_first_counts + table + patterns + slopes + offsets;
            let e = region_map_bytes(n, d, l, threads);
            assert!((e - counted as f64).abs() < 1e-9 * e, "n {n} d {d} L {l} on {threads}: {e}, counted {counted}");
        }
    }

    #[test]
    fn the_memory_estimate_covers_every_row_and_grows_with_the_threads() {
        // At one region a row, whatever the chunks: the keys, the per-region patterns, slopes and offsets, and the
        // ids, n (8 ceil(L/64) + L + 8 d + 8 + 8) bytes; and a worker more holds one more block of
        // pre-activations. (Not monotone in n, d or L: the chunks' rows and the blocks' columns follow the sizes,
        // as the allocations do; `rust/tests/bytes_measured.rs` measures it against them.)
        for n in [1usize, 2, 63, 64, 65, 2047, 2048, 2049, 2050, 100_000] {
            for d in [1usize, 2, 50] {
                for l in [1usize, 63, 64, 65, 1000, 30_000] {
                    for threads in [1usize, 2, 8] {
                        let e = region_map_bytes(n, d, l, threads);
                        let rows = (n * (8 * l.div_ceil(64) + l + 8 * d + 16)) as f64;
                        assert!(e >= rows, "n {n} d {d} L {l} on {threads}: {e} < {rows}");
                        assert!(region_map_bytes(n, d, l, threads + 1) > e, "a thread more after n {n} d {d} L {l}");
                    }
                }
            }
        }
    }

    #[test]
    fn ids_are_the_distinct_patterns_by_first_appearance_over_several_words() {
        // 400 points in R^1 through 130 units (patterns of 3 words): the ids, first rows and counts against the
        // patterns read one point and unit at a time, numbered in order of first appearance.
        let (n, l) = (400, 130);
        let (x, w1, b1, _) = random_net(n, 1, l, 7);
        let w2 = Array1::from_elem(l, 1.0);
        let rm = region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.0).unwrap();
        let mut seen: Vec<Vec<bool>> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        for r in 0..n {
            let p: Vec<bool> = (0..l).map(|i| x[[r, 0]] * w1[[0, i]] + b1[i] > 0.0).collect();
            let id = seen.iter().position(|q| *q == p).unwrap_or_else(|| {
                seen.push(p.clone());
                counts.push(0);
                seen.len() - 1
            });
            counts[id] += 1;
            assert_eq!(rm.ids[r], id as u64, "row {r}");
            assert_eq!(rm.patterns.row(id).to_vec(), p, "row {r}");
        }
        assert!(seen.len() > 20 && seen.len() < n, "{} patterns", seen.len());
        assert_eq!((rm.patterns.nrows(), rm.counts.clone()), (seen.len(), counts));
    }

    #[test]
    fn bad_shapes_are_rejected() {
        let x = Array2::<f64>::zeros((3, 2));
        let w1 = Array2::<f64>::zeros((3, 4));
        let v = Array1::<f64>::zeros(4);
        assert!(region_map(x.view(), w1.view(), v.view(), v.view(), 0.0).is_err());
    }

    #[test]
    fn each_bad_shape_or_non_finite_value_is_refused_alone() {
        // One fault at a time on a network that is otherwise accepted: each must be refused as an argument error
        // (a b1 or w2 of the wrong length would otherwise be sliced past its end, a panic).
        let x = ndarray::arr2(&[[0.5, -0.25], [0.0, 1.0]]);
        let w1 = ndarray::arr2(&[[1.0, -1.0, 0.5], [0.25, 2.0, -1.0]]);
        let (b1, w2) = (ndarray::arr1(&[0.1, 0.0, -0.2]), ndarray::arr1(&[1.0, -1.0, 0.5]));
        assert!(region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.5).is_ok());
        let short = ndarray::arr1(&[0.1, 0.0]);
        let long = ndarray::arr1(&[0.1, 0.0, 0.0, 0.0]);
        let bad = |x: &Array2<f64>, w1: &Array2<f64>, b1: &Array1<f64>, w2: &Array1<f64>, b2: f64| {
            matches!(
                region_map(x.view(), w1.view(), b1.view(), w2.view(), b2),
                Err(crate::error::CoreError::InvalidArgument(_))
            )
        };
        assert!(bad(&x, &w1.slice(s![..1, ..]).to_owned(), &b1, &w2, 0.5), "W1 of 1 row for X of 2 columns");
        assert!(bad(&x, &Array2::zeros((2, 0)), &Array1::zeros(0), &Array1::zeros(0), 0.5), "no units");
        for (b1_, w2_) in [(&short, &w2), (&long, &w2), (&b1, &short), (&b1, &long)] {
            assert!(bad(&x, &w1, b1_, w2_, 0.5), "b1 {b1_} w2 {w2_}");
        }
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut t = w1.clone();
            t[[1, 2]] = v;
            assert!(bad(&x, &t, &b1, &w2, 0.5), "W1 with {v}");
            let mut t = b1.clone();
            t[1] = v;
            assert!(bad(&x, &w1, &t, &w2, 0.5), "b1 with {v}");
            let mut t = w2.clone();
            t[2] = v;
            assert!(bad(&x, &w1, &b1, &t, 0.5), "w2 with {v}");
            assert!(bad(&x, &w1, &b1, &w2, v), "b2 = {v}");
            let mut t = x.clone();
            t[[1, 0]] = v;
            assert!(bad(&t, &w1, &b1, &w2, 0.5), "X with {v}");
        }
    }

    #[test]
    fn a_pre_activation_of_exactly_zero_is_off() {
        // ReLU(0) = 0: a unit whose pre-activation is exactly 0 contributes nothing, so it is off.
        let x = ndarray::arr2(&[[0.0], [1.0], [-1.0]]);
        let (w1, b1, w2) =
            (ndarray::arr2(&[[1.0, -1.0, 0.0]]), ndarray::arr1(&[0.0, 0.0, 0.0]), ndarray::arr1(&[1.0; 3]));
        let rm = region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.0).unwrap();
        let pattern = |r: usize| rm.patterns.row(rm.ids[r] as usize).to_vec();
        assert_eq!(
            (pattern(0), pattern(1), pattern(2)),
            (vec![false; 3], vec![true, false, false], vec![false, true, false])
        );
    }

    #[test]
    fn a_layer_in_several_blocks_of_columns_has_every_units_sign() {
        // 3000 rows (chunks of 2048 and 952 rows) through 700 units in R^1: each chunk's pre-activations are taken
        // in two blocks of columns (at least MIN_BLOCK_COLS each), so units past the first block come from the
        // second; every point's pattern and affine map against the network evaluated directly.
        let (n, l) = (3000, 700);
        let (x, w1, b1, w2) = random_net(n, 1, l, 4);
        for rows in [2048, n - 2048] {
            let per = limits::items_per(limits::CHECK_WORK, rows.max(16) * (1 + limits::ENTRY_WORK));
            assert!(l / per.max(crate::linalg::MIN_BLOCK_COLS) >= 2, "a chunk of {rows} rows takes one block");
        }
        let rm = region_map(x.view(), w1.view(), b1.view(), w2.view(), -0.125).unwrap();
        assert_eq!(rm.counts.iter().sum::<u64>(), n as u64);
        for r in 0..n {
            let g = rm.ids[r] as usize;
            let (mut f, xr) = (-0.125, x[[r, 0]]);
            for i in 0..l {
                let z = xr * w1[[0, i]] + b1[i];
                assert_eq!(rm.patterns[[g, i]], z > 0.0, "row {r} unit {i}");
                f += w2[i] * z.max(0.0);
            }
            assert!((xr * rm.slopes[[g, 0]] + rm.offsets[g] - f).abs() < 1e-9, "row {r}");
        }
    }

    #[test]
    fn a_call_cancelled_while_a_chunk_runs_stops_between_its_blocks_of_columns() {
        // 2048 rows through 30,000 units in R^1: one chunk of about 2^30 steps, in 116 blocks of columns (of at
        // least MIN_BLOCK_COLS, 2^22 steps each); every row in one region, so the chunk is nearly all the call. A
        // token fired a quarter of the way through must stop it a block later, not at the chunk's end: the
        // cancelled call returns in well under the time of the whole call, measured first.
        let (n, l) = (2048, 30_000);
        let x = Array2::from_elem((n, 1), 0.5);
        let w1 = Array2::from_shape_fn((1, l), |(_, i)| (i % 13) as f64 - 6.0);
        let (b1, w2) = (Array1::from_elem(l, 0.25), Array1::from_elem(l, 1.0));
        let q = crate::limits::cancelled_a_quarter_in(|| region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.0));
        assert_eq!(q.uncancelled.unwrap().patterns.nrows(), 1);
        let (got, whole, cancelled) = (q.result, q.whole, q.elapsed);
        assert!(matches!(got, Err(crate::error::CoreError::Interrupted)), "{:?}", got.map(|r| r.ids.len()));
        assert!(cancelled.as_secs_f64() < 0.6 * whole.as_secs_f64(), "{cancelled:?} cancelled, {whole:?} whole");
    }

    #[test]
    fn the_first_row_and_unit_that_overflow_are_named() {
        // Overflows in both chunks of 2048 rows: rows 700 (units 1 and 2) and 900 (unit 1), 2100 (unit 2), 2500
        // (units 1 and 2); the error names the first in row order and then unit order, whichever chunk finishes first.
        let n = 3000;
        let big = 1e200;
        let mut x = Array2::from_shape_fn((n, 2), |(r, j)| if (r + j) % 2 == 0 { 0.5 } else { -0.25 });
        for (r, row) in [(700, [big, big]), (900, [big, 0.0]), (2100, [0.0, big]), (2500, [big, 0.0])] {
            x.row_mut(r).assign(&ndarray::arr1(&row));
        }
        let refusal = |x: &Array2<f64>, w1: &Array2<f64>, b1: &Array1<f64>, w2: &Array1<f64>| {
            let result = region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.0);
            match result {
                Err(crate::error::CoreError::Numerical(m)) => m,
                other => panic!("{:?}", other.map(|r| r.ids.len())),
            }
        };
        let w1 = ndarray::arr2(&[[1.0, big, big], [1.0, 0.0, big]]);
        let (b1, w2) = (Array1::zeros(3), ndarray::arr1(&[1.0, 1.0, 1.0]));
        for _ in 0..3 {
            let m = refusal(&x, &w1, &b1, &w2);
            assert!(m.contains("unit 1 at row 700 of X overflows"), "{m}");
        }
        // without row 700, the first is unit 2 of row 2100 (in the second chunk)
        x.row_mut(700).fill(0.5);
        x.row_mut(900).fill(0.5);
        let m = refusal(&x, &w1, &b1, &w2);
        assert!(m.contains("unit 2 at row 2100 of X overflows"), "{m}");
        // a unit in the second block of columns (2048 rows through 600 units: two blocks of 300) is named as itself
        let x = Array2::from_shape_fn((2048, 2), |(r, j)| if r == 10 && j == 0 { big } else { 0.5 });
        let w1 = Array2::from_shape_fn((2, 600), |(j, i)| if i == 450 && j == 0 { big } else { 1e-3 });
        let m = refusal(&x, &w1, &Array1::zeros(600), &Array1::ones(600));
        assert!(m.contains("unit 450 at row 10 of X overflows"), "{m}");
        // and named before a later row that overflows in the first block, which is read first
        let mut x = x;
        x[[20, 1]] = big;
        let mut w1 = w1;
        w1[[1, 5]] = big;
        let m = refusal(&x, &w1, &Array1::zeros(600), &Array1::ones(600));
        assert!(m.contains("unit 450 at row 10 of X overflows"), "{m}");
    }

    #[test]
    fn a_pre_activation_beyond_float64_is_refused_not_read_as_off() {
        // x - y at (1e200 (1 + 2^-50), 1e200) is positive, read with W1 = (1e200, -1e200) as inf - inf = NaN, whose
        // `v > 0` is false: the build before put the row in the region where the unit is off.
        let (w1, b1, w2) = (ndarray::arr2(&[[1e200], [-1e200]]), ndarray::arr1(&[0.0]), ndarray::arr1(&[1.0]));
        for (x, unit) in [(1e200 * (1.0 + 2f64.powi(-50)), 0usize), (1e-200, 0)] {
            let xs = ndarray::arr2(&[[0.5, 0.25], [x, 1e200_f64.min(x)]]);
            let got = region_map(xs.view(), w1.view(), b1.view(), w2.view(), 0.0);
            match got {
                Err(crate::error::CoreError::Numerical(m)) if x > 1.0 => {
                    assert!(m.contains(&format!("unit {unit} at row 1 of X overflows")), "{m}")
                }
                Ok(r) if x < 1.0 => assert_eq!(r.ids.len(), 2),
                other => panic!("{x}: {:?}", other.map(|r| r.ids)),
            }
        }
    }
}
