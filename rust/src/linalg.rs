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
/// row's products are the same whatever the block size (unless `n` is 1).
pub fn block_rows(rows: usize, n: usize) -> usize {
    let mut b = rows.max(2);
    while b < n && n % b == 1 {
        b += 1;
    }
    b
}

/// `out = beta_out * out + a @ b` on the calling thread (`a` `(m, k)`, `b` `(k, n)`, any strides).
/// `accumulate = false` overwrites `out`, `true` adds to it.
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
    use ndarray::Array2;

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
