#![no_main]
use _core::error::CoreError;
use _core::window::{regions_in_box, WindowOptions};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array1, Array2};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
#[path = "common.rs"]
mod common;
use common::R;

fn q(x: f64) -> BigRational {
    BigRational::from_float(x).unwrap()
}

/// Exact regions of lines a x + b y + c = 0 in the open box lo < (x, y) < hi (Euler).
fn reference_2d(lines: &[[f64; 3]], lo: [f64; 2], hi: [f64; 2]) -> u64 {
    let mut distinct: Vec<[BigRational; 3]> = Vec::new();
    for l in lines {
        let v = [q(l[0]), q(l[1]), q(l[2])];
        let piv = if !v[0].is_zero() { v[0].clone() } else { v[1].clone() };
        if piv.is_zero() {
            continue;
        }
        let n = [&v[0] / &piv, &v[1] / &piv, &v[2] / &piv];
        // meets open box?
        let mut neg = false;
        let mut pos = false;
        for &x in &[lo[0], hi[0]] {
            for &y in &[lo[1], hi[1]] {
                let val = &n[0] * q(x) + &n[1] * q(y) + &n[2];
                if val.is_negative() {
                    neg = true;
                }
                if val.is_positive() {
                    pos = true;
                }
            }
        }
        if !(neg && pos) {
            continue;
        }
        if !distinct.contains(&n) {
            distinct.push(n);
        }
    }
    let mut points: Vec<([BigRational; 2], usize)> = Vec::new();
    for i in 0..distinct.len() {
        for j in i + 1..distinct.len() {
            let (a, b) = (&distinct[i], &distinct[j]);
            let det = &a[0] * &b[1] - &a[1] * &b[0];
            if det.is_zero() {
                continue;
            }
            let x = (&a[1] * &b[2] - &a[2] * &b[1]) / &det;
            let y = (&a[2] * &b[0] - &a[0] * &b[2]) / &det;
            if !(x > q(lo[0]) && x < q(hi[0]) && y > q(lo[1]) && y < q(hi[1])) {
                continue;
            }
            let p = [x, y];
            if !points.iter().any(|(pp, _)| *pp == p) {
                let m = distinct.iter().filter(|l| (&l[0] * &p[0] + &l[1] * &p[1] + &l[2]).is_zero()).count();
                points.push((p, m));
            }
        }
    }
    1 + distinct.len() as u64 + points.iter().map(|(_, m)| (*m - 1) as u64).sum::<u64>()
}

fn run(
    w: &Array2<f64>,
    b: &Array1<f64>,
    lo: &Array1<f64>,
    hi: &Array1<f64>,
) -> Result<_core::window::WindowCount, CoreError> {
    let opts = WindowOptions { tol: 1e-9, max_work: 20_000_000 };
    regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &opts)
}

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let d = if mode & 1 == 0 { 2 } else { 1 + (r.u8() % 4) as usize };
    let l = (r.u8() % 8) as usize;
    let exact = mode & 2 == 0 && d == 2;
    let mut w = Array2::<f64>::zeros((d, l));
    let mut b = Array1::<f64>::zeros(l);
    for j in 0..l {
        for i in 0..d {
            w[[i, j]] = if exact { r.small_int() } else { r.f() };
        }
        b[j] = if exact { r.small_int() / 2.0 } else { r.f() };
    }
    let mut lo = Array1::<f64>::zeros(d);
    let mut hi = Array1::<f64>::zeros(d);
    for i in 0..d {
        if mode & 4 == 0 {
            lo[i] = -1.0 - (r.u8() % 3) as f64 / 2.0;
            hi[i] = 1.0 + (r.u8() % 3) as f64 / 2.0;
        } else {
            lo[i] = r.f();
            hi[i] = r.f();
        }
    }
    let res = run(&w, &b, &lo, &hi);
    let c = match res {
        Ok(c) => c,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) => return,
        Err(e) => panic!("unexpected error {e:?}"),
    };
    assert_eq!(c.regions, 1 + c.increments.iter().sum::<u64>());
    // general position bound
    let mut bound = 0u64;
    let mut ck = 1u64;
    for k in 0..=d.min(l) {
        if k > 0 {
            ck = ck * (l - k + 1) as u64 / k as u64;
        }
        bound += ck;
    }
    assert!(c.regions <= bound, "regions {} above bound {bound}", c.regions);
    if d == 2 {
        let lines: Vec<[f64; 3]> = (0..l).map(|j| [w[[0, j]], w[[1, j]], b[j]]).collect();
        let want = reference_2d(&lines, [lo[0], lo[1]], [hi[0], hi[1]]);
        assert_eq!(c.regions, want, "2-D reference: w={w:?} b={b:?} lo={lo:?} hi={hi:?}");
    }
    // metamorphic: negate every column; reverse the order; append a duplicate; scale a column by a power of two
    let (wn, bn) = (-&w, -&b);
    let cn = run(&wn, &bn, &lo, &hi).expect("negated");
    assert_eq!(cn, c, "negated columns changed the count");
    if l > 1 {
        let wr = w.slice(ndarray::s![.., ..;-1]).to_owned();
        let br = b.slice(ndarray::s![..;-1]).to_owned();
        match run(&wr, &br, &lo, &hi) {
            Ok(cr) => assert_eq!(
                cr.regions, c.regions,
                "reversed order changed the count: w={w:?} b={b:?} lo={lo:?} hi={hi:?}"
            ),
            Err(CoreError::TooLarge(_)) => {}
            Err(e) => panic!("reversed {e:?}"),
        }
    }
    if l > 0 {
        let mut wd = Array2::<f64>::zeros((d, l + 1));
        wd.slice_mut(ndarray::s![.., ..l]).assign(&w);
        wd.column_mut(l).assign(&w.column(0));
        let mut bd = Array1::<f64>::zeros(l + 1);
        bd.slice_mut(ndarray::s![..l]).assign(&b);
        bd[l] = b[0];
        match run(&wd, &bd, &lo, &hi) {
            Ok(cd) => {
                assert_eq!(cd.regions, c.regions, "a duplicate changed the count: w={w:?} b={b:?} lo={lo:?} hi={hi:?}");
                assert_eq!(cd.increments[l], 0);
            }
            Err(CoreError::TooLarge(_)) => {}
            Err(e) => panic!("dup {e:?}"),
        }
        let s = (r.u8() % 7) as i32 - 3;
        let f = 2f64.powi(s);
        let (mut ws, mut bs) = (w.clone(), b.clone());
        let j = (r.u8() as usize) % l;
        ws.column_mut(j).mapv_inplace(|x| x * f);
        bs[j] *= f;
        if ws.iter().chain(bs.iter()).all(|x| x.is_finite() && (x.abs() >= f64::MIN_POSITIVE || *x == 0.0))
            && w.iter().chain(b.iter()).all(|x| x.abs() >= f64::MIN_POSITIVE || *x == 0.0)
        {
            let cs = run(&ws, &bs, &lo, &hi).expect("scaled");
            assert_eq!(cs, c, "scaling column {j} by {f} changed the count: w={w:?} b={b:?} lo={lo:?} hi={hi:?}");
        }
    }
    let _ = BigInt::zero();
});
