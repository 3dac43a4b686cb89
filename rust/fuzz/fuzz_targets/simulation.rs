#![no_main]
// simulation::simulate: region counts, occupancy and majority against a brute force over the same draws,
// the exact arrangement count of counting.rs, and other batchings and thread counts
use _core::activation_regions::CHUNK_ROWS;
use _core::counting::regions;
use _core::error::CoreError;
use _core::simulation::{draw_layer, fill_points, simulate, summarize, Init, PointDist, SimConfig};
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use num_traits::ToPrimitive;
use std::collections::HashMap;
#[path = "common.rs"]
mod common;
use common::{pool3, R};

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let d = 1 + (r.u8() % 5) as usize;
    let n = 1 + (r.u8() % 60) as usize * if mode & 1 != 0 { 80 } else { 1 };
    let l = 1 + (r.u8() % if mode & 2 != 0 { 140 } else { 12 }) as usize;
    let dist = if mode & 4 != 0 { PointDist::Gaussian } else { PointDist::Uniform };
    let init = if mode & 8 != 0 { Init::Gaussian } else { Init::Uniform };
    let seed = if mode & 16 != 0 { r.u64() } else { r.u8() as u64 };
    let count = 1 + (r.u8() % 3) as u64;
    let first = if mode & 32 != 0 { r.u64().min(u64::MAX - count) } else { r.u8() as u64 };
    let cfg = SimConfig { d, n, l, dist, init, seed };
    let res = match simulate(&cfg, first, count) {
        Ok(v) => v,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    assert_eq!(res.len() as u64, count);
    let bound = regions(l as u64, d as u64).unwrap().to_u64().unwrap_or(u64::MAX).min(n as u64);
    for (i, t) in res.iter().enumerate() {
        assert!(t.n_regions >= 1 && t.n_regions <= bound, "{} regions, bound {bound}", t.n_regions);
        // brute force over the trial's own layer and points
        let (w, b) = draw_layer(&cfg, first + i as u64).unwrap();
        let mut cells: HashMap<Vec<bool>, (u64, u64)> = HashMap::new();
        let mut xb = Array2::<f64>::zeros((CHUNK_ROWS, d));
        let mut yb = vec![0u8; CHUNK_ROWS];
        for c in 0..n.div_ceil(CHUNK_ROWS) {
            fill_points(&cfg, first + i as u64, c, &mut xb, &mut yb);
            for row in 0..(n - c * CHUNK_ROWS).min(CHUNK_ROWS) {
                let pat: Vec<bool> =
                    (0..l).map(|j| (0..d).map(|k| xb[[row, k]] * w[[k, j]]).sum::<f64>() + b[j] > 0.0).collect();
                let e = cells.entry(pat).or_default();
                e.0 += 1;
                e.1 += yb[row] as u64;
            }
        }
        assert_eq!(t.n_regions, cells.len() as u64, "regions of trial {}", first + i as u64);
        let mut hist = vec![0u64; cells.values().map(|c| c.0).max().unwrap() as usize + 1];
        for c in cells.values() {
            hist[c.0 as usize] += 1;
        }
        assert_eq!(t.occupancy_hist, hist, "occupancy");
        let maj: u64 = cells.values().map(|&(c, o)| 2 * o.max(c - o)).sum();
        assert_eq!(t.majority_accuracy, maj as f64 / (2.0 * n as f64), "majority");
    }
    let s = summarize(&res, d as u64 + 1);
    assert_eq!(s.hist.iter().enumerate().map(|(k, &c)| k as u64 * c).sum::<u64>(), n as u64 * count);
    // other batchings and thread counts give the same trials
    if count > 1 {
        assert_eq!(simulate(&cfg, first + 1, count - 1).unwrap()[..], res[1..], "batching");
    }
    if mode & 64 != 0 {
        assert_eq!(pool3().install(|| simulate(&cfg, first, count)).unwrap(), res, "thread count");
    }
});
