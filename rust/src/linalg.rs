//! Dense matrix products for the hot loops, through the `gemm` crate
//! (runtime-dispatched AVX2 / AVX-512 / NEON kernels; ndarray's own
//! `matrixmultiply` has no AVX-512 kernels and is ~2x slower here).

use ndarray::{ArrayView2, ArrayViewMut2};

/// Element types with fast kernels (f32, f64).
pub trait Gemm: Copy + 'static + num_traits::One + num_traits::Zero {}
impl Gemm for f32 {}
impl Gemm for f64 {}

/// Rows per block when `n` rows are multiplied in blocks of about `rows`: `rows` (at least 2), or a
/// little more, so that no block is a single row. The `gemm` crate multiplies a single row by its
/// matrix-vector path, which sums in another order than its blocks: with no single-row block, every
/// row's products are the same whatever the block size (unless `n` is 1), for a row-major right-hand side. (With a
/// column-major one, a block of at most 256 entries takes the crate's horizontal kernels, which sum in another
/// order too; the blocks depend on the sizes alone, so the results are still the same at any thread count.)
pub fn block_rows(rows: usize, n: usize) -> usize {
    let mut b = rows.max(2);
    while b < n && n % b == 1 {
        b += 1;
    }
    b
}

/// How many blocks of columns [`matmul_checked`] splits `b`'s `n` columns into: blocks of about `work`
/// multiply-adds (an `a` of fewer than 16 rows counts as 16: its product still reads the block's share of `b`,
/// and a product of few rows is bound by that read), each of at least [`MIN_BLOCK_COLS`] columns.
pub fn col_blocks(rows: usize, k: usize, n: usize, work: usize) -> usize {
    let cols = crate::limits::items_per(work, rows.max(16).saturating_mul(k)).max(MIN_BLOCK_COLS);
    (n / cols).max(1)
}

/// The fewest columns of a block of [`matmul_checked`]. The `gemm` crate sums over `k` in slices that it
/// chooses from the cache sizes alone, except on three paths that a block could take and the whole product not:
/// products of at most 64 rows *and* 64 columns (slices of 512), of at most 256 entries with a row-major `a` and
/// a column-major `b` (its horizontal kernels: a first layer given as PyTorch's `weight.T`), and of one column (its
/// matrix-vector path). With more than 256 columns a block, no block takes them, and every entry is the very float
/// of the product taken whole (`cargo test` checks both memory orders).
pub const MIN_BLOCK_COLS: usize = 257;

/// `n` columns in `blocks` blocks as equal as can be (at least one): the `(lo, hi)` of each, in order.
pub fn even_blocks(n: usize, blocks: usize) -> impl Iterator<Item = (usize, usize)> {
    let blocks = blocks.max(1);
    (0..blocks).scan(0, move |lo, i| {
        let hi = *lo + n / blocks + usize::from(i < n % blocks);
        Some((std::mem::replace(lo, hi), hi))
    })
}

/// [`matmul_into`] (`accumulate = false`) in [`col_blocks`] blocks of columns of `b` and `out` (as equal as
/// can be), calling `check` before every block but the first and returning its error at once (`out` is then
/// partly written). Every entry is the very float of one whole product (`cargo test` checks this).
pub fn matmul_checked<T: Gemm, E>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut out: ArrayViewMut2<'_, T>,
    work: usize,
    mut check: impl FnMut() -> Result<(), E>,
) -> Result<(), E> {
    let (rows, k) = a.dim();
    let n = b.ncols();
    for (lo, hi) in even_blocks(n, col_blocks(rows, k, n, work)) {
        if lo > 0 {
            check()?;
        }
        matmul_into(a, b.slice(ndarray::s![.., lo..hi]), out.slice_mut(ndarray::s![.., lo..hi]), false);
    }
    Ok(())
}

/// `out = beta_out * out + a @ b` on the calling thread (`a` `(m, k)`, `b` `(k, n)`, any strides).
/// `accumulate = false` overwrites `out`, `true` adds to it.
///
/// ```
/// use _core::linalg::matmul_into;
/// use ndarray::Array2;
/// // Small integers: every product and sum is exact, so gemm must match the schoolbook product exactly.
/// let a = Array2::from_shape_fn((5, 7), |(i, j)| (i as f64 - 2.0) * (j as f64 + 1.0));
/// let b = Array2::from_shape_fn((7, 3), |(i, j)| ((i + 2 * j) % 5) as f64 - 2.0);
/// let mut out = Array2::from_elem((5, 3), 1.0);
/// matmul_into(a.view(), b.view(), out.view_mut(), true); // out = 1 + a b
/// for i in 0..5 {
///     for j in 0..3 {
///         let want: f64 = 1.0 + (0..7).map(|k| a[[i, k]] * b[[k, j]]).sum::<f64>();
///         assert_eq!(out[[i, j]], want);
///     }
/// }
/// ```
pub fn matmul_into<T: Gemm>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut out: ArrayViewMut2<'_, T>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "matmul_into: inner dimensions differ");
    assert_eq!(out.dim(), (m, n), "matmul_into: output shape");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            out.fill(T::zero());
        }
        return;
    }
    let (os, as_, bs) = (out.strides().to_vec(), a.strides().to_vec(), b.strides().to_vec());
    // SAFETY: the pointers and strides describe live ndarray views of the stated shapes;
    // `out` is uniquely borrowed; T is f32 or f64, both supported by `gemm`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            os[1],
            os[0],
            accumulate,
            a.as_ptr(),
            as_[1],
            as_[0],
            b.as_ptr(),
            bs[1],
            bs[0],
            if accumulate { T::one() } else { T::zero() },
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    #[test]
    fn rows_multiplied_in_blocks_of_block_rows_are_the_same_bit_for_bit() {
        // Work units of the coding and counting passes: whatever the block size, no block of one row, and then
        // every row's products are the very floats of one product of all rows.
        for n in 1..300 {
            for rows in 1..40 {
                let b = block_rows(rows, n);
                assert!(b >= rows.max(2) && (b >= n || n % b != 1), "n {n} rows {rows} -> {b}");
            }
        }
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for &(n, k, m) in &[(5, 300, 700), (9, 64, 33), (7, 1000, 130)] {
            let a = Array2::from_shape_fn((n, k), |_| next());
            let w = Array2::from_shape_fn((k, m), |_| next());
            let mut whole = Array2::<f64>::zeros((n, m));
            matmul_into(a.view(), w.view(), whole.view_mut(), false);
            for rows in 1..n {
                let b = block_rows(rows, n);
                let mut parts = Array2::<f64>::zeros((n, m));
                for lo in (0..n).step_by(b) {
                    let hi = (lo + b).min(n);
                    matmul_into(
                        a.slice(ndarray::s![lo..hi, ..]),
                        w.view(),
                        parts.slice_mut(ndarray::s![lo..hi, ..]),
                        false,
                    );
                }
                assert!(
                    parts.iter().zip(whole.iter()).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "({n}, {k}, {m}) in blocks of {b}"
                );
            }
        }
    }

    #[test]
    fn columns_multiplied_in_blocks_are_the_same_bit_for_bit() {
        // The counting pass multiplies a wide layer in blocks of columns, with a check for Ctrl-C between them:
        // every entry must be the float of the product taken whole, or the counts would depend on the blocks.
        // Shapes on both sides of the `gemm` crate's thresholds: 64 rows, 64 columns, slices of 512 in `k`.
        let mut state = 11u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let cases = [(2, 2000, 514), (5, 300, 700), (3, 513, 1029), (64, 1000, 600), (65, 64, 1025), (17, 4097, 600)];
        for (&(r, k, m), layout) in cases.iter().flat_map(|c| (0..4).map(move |l| (c, l))) {
            // the right-hand side and the output in either memory order (a first layer may come as PyTorch's
            // `weight.T`, and the counting pass writes column-major activations)
            let (w_f, out_f) = (layout & 1 == 1, layout & 2 == 2);
            let a = Array2::from_shape_fn((r, k), |_| next());
            let w = Array2::from_shape_fn((k, m), |_| next());
            fn order<T: Clone + num_traits::Zero>(f: bool, shape: (usize, usize)) -> Array2<T> {
                if f {
                    Array2::zeros(shape.f())
                } else {
                    Array2::zeros(shape)
                }
            }
            let mut wl: Array2<f64> = order(w_f, (k, m));
            wl.assign(&w);
            let mut wl32: Array2<f32> = order(w_f, (k, m));
            wl32.assign(&w.mapv(|v| v as f32));
            let a32 = a.mapv(|v| v as f32);
            let mut whole: Array2<f64> = order(out_f, (r, m));
            matmul_into(a.view(), wl.view(), whole.view_mut(), false);
            let mut whole32: Array2<f32> = order(out_f, (r, m));
            matmul_into(a32.view(), wl32.view(), whole32.view_mut(), false);
            for work in [1usize, 1 << 16, 1 << 19, 1 << 40] {
                let blocks = col_blocks(r, k, m, work);
                assert!(blocks >= 1 && (blocks == 1 || m / blocks > 256), "({r}, {k}, {m}): {blocks} blocks");
                let mut checks = 0;
                let mut parts: Array2<f64> = order(out_f, (r, m));
                matmul_checked(a.view(), wl.view(), parts.view_mut(), work, || -> Result<(), ()> {
                    checks += 1;
                    Ok(())
                })
                .unwrap();
                assert_eq!(checks + 1, blocks);
                assert!(
                    parts.iter().zip(whole.iter()).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "({r}, {k}, {m}) in {blocks} blocks, layout {layout}"
                );
                let mut parts32: Array2<f32> = order(out_f, (r, m));
                matmul_checked(a32.view(), wl32.view(), parts32.view_mut(), work, || -> Result<(), ()> { Ok(()) })
                    .unwrap();
                assert!(
                    parts32.iter().zip(whole32.iter()).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "f32 ({r}, {k}, {m}) in {blocks} blocks, layout {layout}"
                );
            }
            // the smallest work splits wherever there are two blocks of MIN_BLOCK_COLS, and a failing check stops
            // the product before its second block
            assert_eq!(col_blocks(r, k, m, 1), (m / MIN_BLOCK_COLS).max(1));
            let mut calls = 0;
            let mut out = Array2::<f64>::zeros((r, m));
            let stopped = matmul_checked(a.view(), w.view(), out.view_mut(), 1, || {
                calls += 1;
                Err("stop")
            });
            let split = m >= 2 * MIN_BLOCK_COLS;
            assert_eq!((stopped.is_err(), calls), (split, usize::from(split)));
            if split {
                let first = m / col_blocks(r, k, m, 1) + usize::from(m % col_blocks(r, k, m, 1) > 0);
                assert!(out.slice(ndarray::s![.., first..]).iter().all(|&v| v == 0.0));
            }
        }
        // the blocks as a function of the sizes: 16 rows at least, work per block, MIN_BLOCK_COLS columns at least
        assert_eq!(col_blocks(1, 1000, 10_000, 16 * 1000 * 500), 20);
        assert_eq!(col_blocks(100, 1000, 10_000, 100 * 1000 * 500), 20);
        assert_eq!(col_blocks(100, 1000, 10_000, 1), 10_000 / MIN_BLOCK_COLS);
        assert_eq!(col_blocks(100, 1000, 100, 1), 1);
    }

    #[test]
    fn an_empty_inner_dimension_is_an_empty_sum() {
        // (m, 0) @ (0, n): every entry is a sum of no terms, 0; accumulated, `out` is left as it was.
        let (a, b) = (Array2::<f64>::zeros((3, 0)), Array2::<f64>::zeros((0, 4)));
        let mut out = Array2::from_elem((3, 4), 7.5);
        matmul_into(a.view(), b.view(), out.view_mut(), true);
        assert!(out.iter().all(|&v| v == 7.5));
        matmul_into(a.view(), b.view(), out.view_mut(), false);
        assert!(out.iter().all(|&v| v == 0.0));
        // and no rows or no columns: nothing to write
        let mut none = Array2::<f32>::zeros((0, 4));
        matmul_into(Array2::<f32>::ones((0, 2)).view(), Array2::<f32>::ones((2, 4)).view(), none.view_mut(), false);
        let mut none = Array2::<f32>::zeros((3, 0));
        matmul_into(Array2::<f32>::ones((3, 2)).view(), Array2::<f32>::ones((2, 0)).view(), none.view_mut(), true);
    }

    #[test]
    fn matches_naive_product_with_odd_strides() {
        let a = Array2::from_shape_fn((37, 13), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let b = Array2::from_shape_fn((13, 29), |(i, j)| ((i * 5 + j) % 7) as f64 - 3.0);
        let at = a.t().to_owned();
        let a_view = at.t(); // column-major view of the same matrix
        let mut out = Array2::from_elem((37, 29), 1.0);
        matmul_into(a_view, b.view(), out.view_mut(), true);
        for i in 0..37 {
            for j in 0..29 {
                let naive: f64 = (0..13).map(|k| a[[i, k]] * b[[k, j]]).sum();
                assert_eq!(out[[i, j]], naive + 1.0);
            }
        }
        let mut out32 = Array2::<f32>::from_elem((37, 29), 9.0);
        matmul_into(a.mapv(|v| v as f32).view(), b.mapv(|v| v as f32).view(), out32.view_mut(), false);
        assert_eq!(out32[[3, 4]], (0..13).map(|k| a[[3, k]] * b[[k, 4]]).sum::<f64>() as f32);
    }
}
