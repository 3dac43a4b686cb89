#![no_main]
// sparse: projections, top-k, threshold and ReLU codes against plain pre-activations (exact for integer data and
// 0/1 projections), and their invariances (bias shift, scaling by 2, row order, thread count)
use _core::choices::Sparsifier;
use _core::error::CoreError;
use _core::sparse::{
    calibrate_thresholds, code_check, projection, relu_code, target_fires, threshold_code, topk_code, Projection,
};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array1, Array2};
#[path = "common.rs"]
mod common;
use common::{pool3, R};

fn ok<T>(r: Result<T, CoreError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) => None,
        Err(e) => panic!("unexpected {e:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let nice = mode & 1 == 0;
    let binary = nice || mode & 2 != 0;
    let d = 1 + (r.u8() % 5) as usize;
    let m = 1 + (r.u8() as usize * 2 + r.u8() as usize % 2) % if mode & 4 != 0 { 300 } else { 20 };
    let n = (r.u8() % 40) as usize * if mode & 8 != 0 { 60 } else { 1 };
    let k = 1 + (r.u8() as usize % m);
    let kind = [Sparsifier::Topk, Sparsifier::Threshold, Sparsifier::Relu][(mode >> 4) as usize % 3];
    let s = 1 + (r.u8() as usize % d);
    let seed = r.u64();
    if ok(code_check(kind, n, d, m, if kind == Sparsifier::Relu { 0 } else { k })).is_none() {
        return;
    }
    let th = ok(projection(d, m, if binary { Projection::SparseBinary { s } } else { Projection::Gaussian }, seed));
    let Some(th) = th else { return };
    assert_eq!(
        th,
        projection(d, m, if binary { Projection::SparseBinary { s } } else { Projection::Gaussian }, seed).unwrap()
    );
    if binary {
        for c in th.columns() {
            assert_eq!(c.iter().filter(|&&v| v == 1.0).count(), s, "ones per column");
            assert_eq!(c.iter().filter(|&&v| v == 0.0).count(), d - s);
        }
    }
    // nice values: small integers, a zero sometimes -0.0 (a tie with +0.0)
    let val = |r: &mut R| if nice { r.small_int() * if r.u8() & 1 == 0 { 1.0 } else { -1.0 } } else { r.f() };
    let bias =
        if mode & 64 != 0 { Array1::from_elem(m, val(&mut r)) } else { Array1::from_shape_fn(m, |_| val(&mut r)) };
    let pool: Vec<f64> = (0..16).map(|_| val(&mut r)).collect();
    let x = Array2::from_shape_fn((n, d), |(i, c)| {
        let v = pool[(i * 5 + c * 3 + i / 7) % 16];
        if nice && i % 3 != 0 {
            v + (i % 3) as f64
        } else {
            v
        }
    });
    // plain pre-activations: exact when nice (small integers, 0/1 projection)
    let y = Array2::from_shape_fn((n, m), |(i, j)| (0..d).map(|c| x[[i, c]] * th[[c, j]]).sum::<f64>() + bias[j]);
    let slack = |i: usize, j: usize| {
        if nice {
            0.0
        } else {
            1e-12 * ((0..d).map(|c| (x[[i, c]] * th[[c, j]]).abs()).sum::<f64>() + bias[j].abs())
        }
    };
    match kind {
        Sparsifier::Topk => {
            let Some(code) = ok(topk_code(x.view(), th.view(), bias.view(), k)) else { return };
            assert_eq!(code.dim(), (n, k));
            for i in 0..n {
                let row = code.row(i);
                assert!(row.windows(2).into_iter().all(|w| w[0] < w[1]) && (row[k - 1] as usize) < m, "{row}");
                let mut on = vec![false; m];
                row.iter().for_each(|&j| on[j as usize] = true);
                // every winner at least every loser; on a tie the lower index wins
                let (mut wmin, mut lmax) = ((f64::INFINITY, 0usize), (f64::NEG_INFINITY, usize::MAX));
                for j in 0..m {
                    let (v, sl) = (y[[i, j]], slack(i, j));
                    // within the rounding (`sl`, 0 when nice) a winner may sit below a loser
                    if on[j] && v + sl <= wmin.0 {
                        wmin = (v + sl, if v + sl < wmin.0 { j } else { wmin.1.max(j) });
                    } else if !on[j] && v - sl >= lmax.0 {
                        lmax = (v - sl, if v - sl > lmax.0 { j } else { lmax.1.min(j) });
                    }
                }
                assert!(wmin.0 >= lmax.0, "row {i}: unit {} ({}) won, {} ({}) lost", wmin.1, wmin.0, lmax.1, lmax.0);
                if nice && lmax.1 != usize::MAX {
                    assert!(
                        wmin.0 > lmax.0 || wmin.1 < lmax.1,
                        "row {i}: a tie at {} went to {} over {}",
                        wmin.0,
                        wmin.1,
                        lmax.1
                    );
                }
            }
            if nice && n > 0 {
                // a shift of every bias and a factor 2 are exact and keep the winners; so does the row order
                let c = r.small_int();
                let shifted = bias.mapv(|b| b + c);
                assert_eq!(topk_code(x.view(), th.view(), shifted.view(), k).unwrap(), code, "bias shift");
                let (x2, b2) = (x.mapv(|v| 2.0 * v), bias.mapv(|v| 2.0 * v));
                assert_eq!(topk_code(x2.view(), th.view(), b2.view(), k).unwrap(), code, "scaling");
                let rev = x.slice(ndarray::s![..;-1, ..]).to_owned();
                let cr = topk_code(rev.view(), th.view(), bias.view(), k).unwrap();
                assert_eq!(cr.slice(ndarray::s![..;-1, ..]), code, "row order");
            }
            if mode & 128 != 0 {
                assert_eq!(pool3().install(|| topk_code(x.view(), th.view(), bias.view(), k)).unwrap(), code);
            }
        }
        Sparsifier::Threshold => {
            let Some(tau) = ok(calibrate_thresholds(x.view(), th.view(), bias.view(), k)) else { return };
            assert_eq!(tau.len(), m);
            assert!(tau.iter().all(|t| !t.is_nan()));
            let fires = ((n * k) as f64 / m as f64).round() as usize; // round(N k / m), by its definition
            assert_eq!(fires.min(n), target_fires(n, m, k));
            let Some((indptr, idx)) = ok(threshold_code(x.view(), th.view(), bias.view(), tau.view())) else { return };
            assert_eq!(indptr.len(), n + 1);
            assert_eq!(indptr[n] as usize, idx.len());
            let mut per_unit = vec![0usize; m];
            let mut above = vec![0usize; m];
            for i in 0..n {
                let row = &idx[indptr[i] as usize..indptr[i + 1] as usize];
                assert!(row.windows(2).all(|w| w[0] < w[1]));
                let mut on = vec![false; m];
                row.iter().for_each(|&j| on[j as usize] = true);
                for j in 0..m {
                    let fired = on[j];
                    if nice {
                        assert_eq!(fired, y[[i, j]] >= tau[j], "row {i} unit {j}: {} vs tau {}", y[[i, j]], tau[j]);
                    }
                    per_unit[j] += fired as usize;
                    above[j] += (y[[i, j]] > tau[j]) as usize;
                }
            }
            for j in 0..m {
                if fires == 0 {
                    assert!(tau[j] == f64::INFINITY && per_unit[j] == 0, "unit {j} should never fire");
                } else if nice {
                    // tau is the fires-th largest value: at least `fires` reach it, fewer pass it
                    assert!(
                        per_unit[j] >= fires && above[j] < fires,
                        "unit {j}: {} / {} vs {fires}",
                        per_unit[j],
                        above[j]
                    );
                }
            }
            if mode & 128 != 0 {
                let t3 = pool3().install(|| calibrate_thresholds(x.view(), th.view(), bias.view(), k)).unwrap();
                assert_eq!(
                    t3.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    tau.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                );
                let c3 = pool3().install(|| threshold_code(x.view(), th.view(), bias.view(), tau.view())).unwrap();
                assert_eq!(c3, (indptr, idx));
            }
        }
        Sparsifier::Relu => {
            let Some(z) = ok(relu_code(x.view(), th.view(), bias.view())) else { return };
            assert_eq!(z.dim(), (n, m));
            for i in 0..n {
                for j in 0..m {
                    let want = y[[i, j]].max(0.0);
                    assert!(
                        z[[i, j]] >= 0.0 && (z[[i, j]] - want).abs() <= slack(i, j),
                        "{i} {j}: {} vs {want}",
                        z[[i, j]]
                    );
                }
            }
            if mode & 128 != 0 {
                let z3 = pool3().install(|| relu_code(x.view(), th.view(), bias.view())).unwrap();
                assert!(z3.iter().zip(z.iter()).all(|(a, b)| a.to_bits() == b.to_bits()), "thread count");
            }
        }
    }
});
