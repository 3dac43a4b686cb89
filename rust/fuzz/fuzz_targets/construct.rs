#![no_main]
// construct::region_map: patterns, affine maps, ids and counts against a plain forward pass (exact on integers)
use _core::construct::region_map;
use _core::error::CoreError;
use libfuzzer_sys::fuzz_target;
use ndarray::{Array1, Array2};
#[path = "common.rs"]
mod common;
use common::{pool3, R};

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let nice = mode & 1 == 0;
    let d = 1 + (r.u8() % 4) as usize;
    let n = (r.u8() % 40) as usize * if mode & 2 != 0 { 130 } else { 1 };
    let ws = r.layers(d, 1, if mode & 4 != 0 { 140 } else { 9 }, nice, false);
    let (w1, b1) = &ws[0];
    let l = w1.ncols();
    let w2 = Array1::from_shape_fn(l, |_| if nice { r.small_int() } else { r.f() });
    let b2 = if nice { r.small_int() } else { r.f() };
    let seed: Vec<f64> = (0..16).map(|_| if nice { r.small_int() } else { r.f() }).collect();
    let x = Array2::from_shape_fn((n, d), |(i, k)| {
        seed[(i * 7 + k * 3 + i / 5) % 16] + if nice { (i % 3) as f64 - (i % 7) as f64 } else { 0.0 }
    });
    let rm = match region_map(x.view(), w1.view(), b1.view(), w2.view(), b2) {
        Ok(m) => m,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    let nr = rm.counts.len();
    assert_eq!(rm.ids.len(), n);
    assert_eq!(rm.patterns.dim(), (nr, l));
    assert_eq!(rm.slopes.dim(), (nr, d));
    assert_eq!(rm.offsets.len(), nr);
    // ids by first appearance, counts matching them
    let mut seen = 0u64;
    let mut cnt = vec![0u64; nr];
    for &id in &rm.ids {
        assert!(id <= seen && (id as usize) < nr, "ids not by first appearance");
        if id == seen {
            seen += 1;
        }
        cnt[id as usize] += 1;
    }
    assert_eq!(seen as usize, nr);
    assert_eq!(cnt, rm.counts);
    for a in 0..nr {
        for b in a + 1..nr {
            assert_ne!(rm.patterns.row(a), rm.patterns.row(b), "two regions share a pattern");
        }
    }
    for i in 0..n {
        let g = rm.ids[i] as usize;
        let mut f = b2;
        for j in 0..l {
            let terms: Vec<f64> = (0..d).map(|k| x[[i, k]] * w1[[k, j]]).collect();
            let z = terms.iter().sum::<f64>() + b1[j];
            let size = terms.iter().map(|t| t.abs()).sum::<f64>() + b1[j].abs();
            if nice || (size.is_finite() && z.abs() > 1e-9 * size) {
                assert_eq!(rm.patterns[[g, j]], z > 0.0, "pattern of row {i}, unit {j}: z = {z}");
            }
            f += w2[j] * z.max(0.0);
        }
        if nice {
            // integers: every sum is exact, so the region's affine map gives the network's output exactly
            let v = (0..d).map(|k| x[[i, k]] * rm.slopes[[g, k]]).sum::<f64>() + rm.offsets[g];
            assert_eq!(v, f, "affine map of row {i}");
        }
    }
    // the region's slope and offset are the sums over its active units (in unit order, as documented)
    for g in 0..nr {
        let mut s = Array1::<f64>::zeros(d);
        let mut o = b2;
        for j in (0..l).filter(|&j| rm.patterns[[g, j]]) {
            s.scaled_add(w2[j], &w1.column(j));
            o += w2[j] * b1[j];
        }
        assert!(s.iter().zip(rm.slopes.row(g)).all(|(a, b)| a == b || (a.is_nan() && b.is_nan())), "slope {g}");
        assert!(o == rm.offsets[g] || (o.is_nan() && rm.offsets[g].is_nan()), "offset {g}");
    }
    // the same at another thread count
    if mode & 8 != 0 {
        let other = pool3().install(|| region_map(x.view(), w1.view(), b1.view(), w2.view(), b2)).unwrap();
        let bits = |a: &ndarray::Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!((&other.ids, &other.patterns, &other.counts), (&rm.ids, &rm.patterns, &rm.counts), "threads");
        assert_eq!(bits(&other.slopes), bits(&rm.slopes), "thread count changed the slopes");
        let ob: Vec<u64> = other.offsets.iter().chain(rm.offsets.iter()).map(|v| v.to_bits()).collect();
        assert_eq!(ob[..nr], ob[nr..], "thread count changed the offsets");
    }
});
