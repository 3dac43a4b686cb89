//! Dense matrix products for the hot loops, through the `gemm` crate
//! (runtime-dispatched AVX2 / AVX-512 / NEON kernels; ndarray's own
//! `matrixmultiply` has no AVX-512 kernels and is ~2x slower here).

use ndarray::{ArrayView2, ArrayViewMut2};

/// Element types with fast kernels (f32, f64).
pub trait Gemm: Copy + 'static + num_traits::One + num_traits::Zero {}
impl Gemm for f32 {}
impl Gemm for f64 {}

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
