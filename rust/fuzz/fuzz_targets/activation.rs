#![no_main]
use _core::activation_regions::{count_patterns, Layer};
use _core::error::CoreError;
use libfuzzer_sys::fuzz_target;
use ndarray::{Array1, Array2};
use std::collections::HashMap;
#[path = "common.rs"]
mod common;
use common::R;

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let nice = mode & 1 == 0;
    let d = 1 + (r.u8() % 4) as usize;
    let n = (r.u8() % 40) as usize * if mode & 2 != 0 { 100 } else { 1 };
    let nl = 1 + (r.u8() % 3) as usize;
    let ws = r.layers(d, nl, 70, nice, false);
    let seed: Vec<f64> = (0..16).map(|_| if nice { r.small_int() } else { r.f() }).collect();
    let x = Array2::from_shape_fn((n, d), |(i, k)| {
        seed[(i * 7 + k * 3 + i / 5) % 16] + if nice { (i % 3) as f64 } else { 0.0 }
    });
    let y = Array1::from_shape_fn(n, |i| ((i * 31 + 7) % 3 == 0) as u8);
    let layers: Vec<Layer<f64>> = ws.iter().map(|(w, b)| Layer { w: w.view(), b: b.view() }).collect();
    let t = match count_patterns(x.view(), &layers, Some(y.view())) {
        Ok(t) => t,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    let s = t.summary();
    assert_eq!(s.n_points, n as u64);
    assert_eq!(s.occupancy.iter().sum::<u64>(), n as u64);
    assert_eq!(s.occupancy.len() as u64, s.n_regions);
    assert!(s.majority_correct_x2 <= 2 * n as u64 && s.majority_correct_x2 >= n as u64);
    if nice {
        // plain forward pass: integer values, exact sums
        let mut cells: HashMap<Vec<bool>, (u64, u64)> = HashMap::new();
        for i in 0..n {
            let mut h: Vec<f64> = x.row(i).to_vec();
            let mut pat = Vec::new();
            for (w, b) in &ws {
                let z: Vec<f64> =
                    (0..w.ncols()).map(|j| (0..w.nrows()).map(|k| h[k] * w[[k, j]]).sum::<f64>() + b[j]).collect();
                pat.extend(z.iter().map(|&v| v > 0.0));
                h = z.iter().map(|&v| v.max(0.0)).collect();
            }
            let e = cells.entry(pat).or_default();
            e.0 += 1;
            e.1 += y[i] as u64;
        }
        let mut occ: Vec<u64> = cells.values().map(|c| c.0).collect();
        occ.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(s.occupancy, occ, "occupancy");
        let maj: u64 = cells.values().map(|&(c, o)| 2 * o.max(c - o)).sum();
        assert_eq!(s.majority_correct_x2, maj, "majority");
    }
});
