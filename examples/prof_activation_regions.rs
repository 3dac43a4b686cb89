use _core::activation_regions::{count_patterns, Layer};
use _core::linalg::matmul_into;
use ndarray::{s, Array1, Array2};
use std::time::Instant;
fn main() {
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let (d, l) = (100usize, 256usize);
    let mut st = 1u64;
    let mut r = || {
        st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((st >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let x = Array2::from_shape_simple_fn((n, d), &mut r);
    let w = Array2::from_shape_simple_fn((d, l), &mut r);
    let b = Array1::from_shape_simple_fn(l, &mut r);
    let layers = [Layer { w: w.view(), b: b.view() }];
    for _ in 0..3 {
        let t = Instant::now();
        let tab = count_patterns(x.view(), &layers, None).unwrap();
        let t1 = t.elapsed().as_secs_f64();
        let t = Instant::now();
        drop(tab);
        let t2 = t.elapsed().as_secs_f64();
        let mut out = Array2::<f32>::zeros((2048, l));
        let t = Instant::now();
        for c in 0..n / 2048 {
            matmul_into(x.slice(s![c * 2048..(c + 1) * 2048, ..]), w.view(), out.view_mut(), false);
        }
        let t3 = t.elapsed().as_secs_f64();
        println!("count {t1:.4}s drop {t2:.4}s gemm-only(serial) {t3:.4}s");
    }
}
