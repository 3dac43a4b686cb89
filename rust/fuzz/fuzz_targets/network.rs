#![no_main]
use _core::error::CoreError;
use _core::window::{network_regions_in_box, regions_in_box, NetworkOptions, WindowOptions};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array1, Array2};
use num_rational::BigRational;
use num_traits::Zero;
#[path = "common.rs"]
mod common;
use common::R;

fn q(x: f64) -> BigRational {
    BigRational::from_float(x).unwrap()
}

/// The pieces `(u, v, gates)` of `lo < x < hi` on which every unit of a 1-D ReLU network keeps its gate, exactly:
/// each unit's pre-activation is affine on a piece, and its root strictly inside splits it.
fn exact_pieces(layers: &[(Array2<f64>, Array1<f64>)], lo: f64, hi: f64) -> Vec<(BigRational, BigRational, Vec<bool>)> {
    let one = BigRational::from_integer(1.into());
    let mut pieces = vec![(q(lo), q(hi), vec![one], vec![BigRational::zero()], Vec::new())];
    for (w, b) in layers {
        let mut out = Vec::new();
        for (u0, v0, s, t, gates) in pieces {
            let n = b.len();
            let sl: Vec<BigRational> = (0..n).map(|i| (0..s.len()).map(|j| q(w[[j, i]]) * &s[j]).sum()).collect();
            let tl: Vec<BigRational> =
                (0..n).map(|i| (0..t.len()).map(|j| q(w[[j, i]]) * &t[j]).sum::<BigRational>() + q(b[i])).collect();
            let mut roots: Vec<BigRational> =
                (0..n).filter(|&i| !sl[i].is_zero()).map(|i| -&tl[i] / &sl[i]).filter(|x| *x > u0 && *x < v0).collect();
            roots.sort();
            roots.dedup();
            let ends: Vec<BigRational> = std::iter::once(u0).chain(roots).chain(std::iter::once(v0)).collect();
            for k in 0..ends.len() - 1 {
                let mid = (&ends[k] + &ends[k + 1]) / BigRational::from_integer(2.into());
                let on: Vec<bool> = (0..n).map(|i| &sl[i] * &mid + &tl[i] > BigRational::zero()).collect();
                let pick = |x: &Vec<BigRational>| -> Vec<BigRational> {
                    x.iter().zip(&on).map(|(v, &o)| if o { v.clone() } else { BigRational::zero() }).collect()
                };
                let mut g = gates.clone();
                g.extend(&on);
                out.push((ends[k].clone(), ends[k + 1].clone(), pick(&sl), pick(&tl), g));
            }
        }
        pieces = out;
    }
    pieces.into_iter().map(|(u, v, _, _, g)| (u, v, g)).collect()
}

/// A 1-D network on a box near the narrow limit ([`_core::window::MIN_WIDTH_ULPS`] roundings of its largest
/// coordinate): below it the count must be refused, naming the limit; above it the count after each layer must be
/// the exact one (when no exact piece is thinner than 10^-5 of the box, against `tol` = 1e-9), and every listed point
/// must lie in its own piece when that piece is more than 4 ulps across.
fn narrow(r: &mut R) {
    let c = [1.0, 7.0, -3.0, 0.5, 1e8, 0.9999999999999999, 12345.678, r.finite()][(r.u8() % 8) as usize];
    // (Values beyond 1e+-100 can underflow below the least subnormal on the box: the gates of a unit of values
    // about 1e-351 are then those of 0, off, where the exact sign is on.)
    if !(1e-100..=1e100).contains(&c.abs()) {
        return;
    }
    // 56 to 71 roundings (both sides of 64), or up to about 4,100.
    let m = if r.u8() % 2 == 0 { 56.0 + (r.u8() % 16) as f64 } else { 56.0 + 16.0 * r.u8() as f64 };
    let (lo, hi) = (c, c + m * f64::EPSILON * c.abs());
    if !(hi > lo) {
        return;
    }
    let nl = 1 + (r.u8() % 3) as usize;
    let mut ws: Vec<(Array2<f64>, Array1<f64>)> = Vec::new();
    let mut fan = 1;
    for l in 0..nl {
        let n = 1 + (r.u8() % 3) as usize;
        let w = Array2::from_shape_fn((fan, n), |_| r.finite());
        let mut b = Array1::<f64>::zeros(n);
        for i in 0..n {
            let how = r.u8();
            if l == 0 && how % 3 == 0 {
                b[i] = r.finite(); // about anything: on or off throughout, mostly
                continue;
            }
            // A root at a point of the box (up to the rounding of the forward pass)
            let x0 = lo + (hi - lo) * (1 + how as u32 % 255) as f64 / 256.0;
            let mut h = Array1::from_elem(1, x0);
            for (wk, bk) in &ws {
                h = (h.dot(wk) + bk).mapv(|v: f64| v.max(0.0));
            }
            b[i] = -h.dot(&w.column(i));
        }
        if w.iter().chain(b.iter()).any(|x| !x.is_finite() || (x.abs() < 1e-100 && *x != 0.0) || x.abs() > 1e100) {
            return;
        }
        ws.push((w, b));
        fan = n;
    }
    let layers: Vec<_> = ws.iter().map(|(w, b)| (w.view(), b.view())).collect();
    let opts = NetworkOptions { tol: 1e-9, max_regions: 5000, slope: 0.0, list: true };
    let (alo, ahi) = (Array1::from_elem(1, lo), Array1::from_elem(1, hi));
    let res = network_regions_in_box(&layers, alo.view(), ahi.view(), &opts);
    let least = _core::window::MIN_WIDTH_ULPS * f64::EPSILON * lo.abs().max(hi.abs());
    if hi - lo < least {
        match res {
            Err(CoreError::InvalidArgument(m)) => assert!(m.contains("roundings of its largest coordinate"), "{m}"),
            other => panic!("a box under the limit was not refused: {other:?} lo={lo:e} hi={hi:e}"),
        }
        stat("refused");
        return;
    }
    let got = match res {
        Ok(g) => g,
        Err(CoreError::TooLarge(_)) | Err(CoreError::Numerical(_)) => return,
        Err(e) => panic!("a box above the limit was refused: {e:?} lo={lo:e} hi={hi:e}"),
    };
    let pieces = exact_pieces(&ws, lo, hi);
    let width = q(hi) - q(lo);
    let thin = pieces.iter().map(|(u, v, _)| v - u).min().unwrap();
    if thin * BigRational::from_integer(100_000.into()) < width {
        stat("taken, a piece too thin to compare");
        return;
    }
    let curve: Vec<u64> = (1..=nl).map(|k| exact_pieces(&ws[..k], lo, hi).len() as u64).collect();
    assert_eq!(got.per_layer, curve, "lo={lo:e} hi={hi:e} ws={ws:?}");
    let ulp = q(f64::EPSILON) * q(2f64.powi(lo.abs().max(hi.abs()).log2().floor() as i32));
    let total: usize = ws.iter().map(|(_, b)| b.len()).sum();
    for (x, gates) in got.points.iter().zip(got.patterns.chunks(total)) {
        let Some((u, v, _)) = pieces.iter().find(|(_, _, g)| g.as_slice() == gates) else {
            let all: Vec<_> = pieces.iter().map(|(u, v, g)| (u.to_string(), v.to_string(), g)).collect();
            panic!("listed pattern {gates:?} at {x:e} is no piece's: {all:?} lo={lo:e} hi={hi:e} ws={ws:?}");
        };
        let x = q(*x);
        assert!(
            (x > *u && x < *v) || v - u <= &ulp * BigRational::from_integer(4.into()),
            "point {x} outside its piece ({u}, {v}): lo={lo:e} hi={hi:e} ws={ws:?}"
        );
    }
    stat(if curve[nl - 1] > curve[0] { "checked, a later layer cutting" } else { "checked" });
}

/// With `NNP_FUZZ_STATS` set (replaying a corpus), say what became of a narrow box.
fn stat(what: &str) {
    if std::env::var_os("NNP_FUZZ_STATS").is_some() {
        eprintln!("narrow: {what}");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    if mode & 16 != 0 {
        narrow(&mut r);
        return;
    }
    let nice = mode & 1 == 0;
    let d = 1 + (r.u8() % 3) as usize;
    let nl = 1 + (r.u8() % 3) as usize;
    let ws = r.layers(d, nl, 4, nice, true);
    let lo = Array1::from_elem(d, if nice { -1.0 } else { r.f() });
    let hi = Array1::from_elem(d, if nice { 1.0 + (r.u8() % 2) as f64 } else { r.f() });
    let slope = if mode & 2 == 0 { 0.0 } else { r.f() };
    let tol = if mode & 4 == 0 { 1e-6 } else { r.f().abs() };
    let layers: Vec<_> = ws.iter().map(|(w, b)| (w.view(), b.view())).collect();
    let opts = NetworkOptions { tol, max_regions: 5000, slope, list: mode & 8 != 0 };
    let c = match network_regions_in_box(&layers, lo.view(), hi.view(), &opts) {
        Ok(c) => c,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) | Err(CoreError::Numerical(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    assert_eq!(c.per_layer.len(), nl);
    for k in 1..nl {
        assert!(c.per_layer[k] >= c.per_layer[k - 1], "per_layer {:?}", c.per_layer);
    }
    if opts.list && (0..d).all(|k| hi[k] - lo[k] > 1e-12 * lo[k].abs().max(hi[k].abs())) {
        let n = *c.per_layer.last().unwrap() as usize;
        assert_eq!(c.radii.len(), n);
        assert_eq!(c.points.len(), n * d);
        for (i, p) in c.points.chunks(d).enumerate() {
            for k in 0..d {
                assert!(
                    p[k] > lo[k] && p[k] < hi[k],
                    "point {i} {p:?} outside the box lo={lo} hi={hi} tol={tol} ws={ws:?}"
                );
            }
        }
    }
    if nice && tol == 1e-6 {
        let (w, b) = &ws[0];
        if w.columns().into_iter().all(|c| c.iter().any(|&x| x != 0.0)) {
            let e = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).unwrap();
            assert_eq!(
                c.per_layer[0], e.regions,
                "first layer: network {} vs exact {}: w={w:?} b={b:?} hi={hi:?}",
                c.per_layer[0], e.regions
            );
        }
    }
});
