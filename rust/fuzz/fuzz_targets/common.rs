#![allow(dead_code)]
use ndarray::{Array1, Array2};

/// A byte reader that turns fuzzer bytes into structured values.
pub struct R<'a> {
    pub b: &'a [u8],
}
impl<'a> R<'a> {
    pub fn u8(&mut self) -> u8 {
        if let Some((&x, rest)) = self.b.split_first() {
            self.b = rest;
            x
        } else {
            0
        }
    }
    pub fn u64(&mut self) -> u64 {
        let mut v = 0u64;
        for _ in 0..8 {
            v = (v << 8) | self.u8() as u64;
        }
        v
    }
    pub fn raw_f64(&mut self) -> f64 {
        f64::from_bits(self.u64())
    }
    /// Mostly small integers and "nice" values, sometimes extreme ones and raw bits.
    pub fn f(&mut self) -> f64 {
        const PAL: [f64; 24] = [
            0.0,
            1.0,
            -1.0,
            2.0,
            -2.0,
            0.5,
            -0.5,
            3.0,
            -3.0,
            0.25,
            1e-300,
            -1e-300,
            1e300,
            -1e300,
            5e-324,
            1.0000000000000002,
            0.9999999999999999,
            0.1,
            -0.1,
            1.0 / 3.0,
            4.0,
            -4.0,
            1e-8,
            7.0,
        ];
        let t = self.u8();
        match t {
            0..=199 => PAL[(t % 24) as usize],
            200..=239 => (self.u8() as i8) as f64 / 8.0,
            _ => self.raw_f64(),
        }
    }
    pub fn finite(&mut self) -> f64 {
        let x = self.f();
        if x.is_finite() {
            x
        } else {
            1.0
        }
    }
    pub fn small_int(&mut self) -> f64 {
        ((self.u8() % 9) as i32 - 4) as f64
    }
    /// `nl` layers `(W, b)` from input dimension `d`, each of 1 to `widest` units: small integers (biases halved
    /// when `half_bias`) when `nice`, else any doubles; `W` row by row, then `b`, as the targets drew them.
    pub fn layers(
        &mut self,
        d: usize,
        nl: usize,
        widest: u8,
        nice: bool,
        half_bias: bool,
    ) -> Vec<(Array2<f64>, Array1<f64>)> {
        let mut ws = Vec::new();
        let mut fan = d;
        for _ in 0..nl {
            let c = 1 + (self.u8() % widest) as usize;
            let w = Array2::from_shape_fn((fan, c), |_| if nice { self.small_int() } else { self.f() });
            let scale = if half_bias { 0.5 } else { 1.0 };
            let b = Array1::from_shape_fn(c, |_| if nice { self.small_int() * scale } else { self.f() });
            ws.push((w, b));
            fan = c;
        }
        ws
    }
}

/// A pool of 3 threads, built once: results must not depend on the thread count.
pub fn pool3() -> &'static rayon::ThreadPool {
    static P: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    P.get_or_init(|| rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap())
}
