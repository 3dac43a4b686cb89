#![no_main]
use _core::error::CoreError;
use _core::pictures::{centroid, region_polygons, signed_area, Layer, Options, PwlNet, Window};
use libfuzzer_sys::fuzz_target;
use ndarray::Array1;
#[path = "common.rs"]
mod common;
use common::R;

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let nice = mode & 1 == 0; // small integer weights: properties checked
    let d = 2 + (mode >> 1 & 1) as usize;
    let nl = 1 + (r.u8() % 3) as usize;
    let ws = r.layers(d, nl, 5, nice, true);
    let fan = ws.last().map_or(d, |(w, _)| w.ncols());
    let w_out = Array1::from_iter((0..fan).map(|_| if nice { r.small_int() } else { r.f() }));
    let b_out = if nice { r.small_int() } else { r.f() };
    let slope = if mode & 4 == 0 { 0.0 } else { r.f() };
    let mut origin = vec![0.0; d];
    let mut u = vec![0.0; d];
    let mut v = vec![0.0; d];
    u[0] = 1.0;
    v[1] = 1.0;
    if !nice {
        for k in 0..d {
            origin[k] = r.f();
            u[k] = r.f();
            v[k] = r.f();
        }
    }
    let (lo, hi) = if nice || mode & 8 == 0 {
        ([-1.0 - (r.u8() % 3) as f64, -1.0], [1.0, 1.0 + (r.u8() % 3) as f64])
    } else {
        ([r.f(), r.f()], [r.f(), r.f()])
    };
    let split = mode & 16 != 0;
    let tol = if mode & 32 == 0 { 1e-9 } else { r.f().abs() };
    let net = PwlNet {
        layers: ws.iter().map(|(w, b)| Layer { w: w.view(), b: b.view() }).collect(),
        w_out: w_out.view(),
        b_out,
        slope,
    };
    let win = Window { origin: origin.clone(), u: u.clone(), v: v.clone(), lo, hi };
    let opts = Options { tol, max_regions: 20_000, split_decision: split, region_bytes: 0.0 };
    let res = region_polygons(&net, &win, opts, &|| false);
    let p = match res {
        Ok(p) => p,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) => return,
        Err(CoreError::Numerical(m)) if m.contains("overflows float64") => {
            // A refusal of a map beyond float64 (a hidden unit's or the logit's) must have one: some map's size
            // bound, from the weights' absolute values alone, reaches float64's largest (within a factor 2^10 for
            // the core's own rounding and rescaling by powers of two).
            let bound = size_bound(&ws, &w_out, b_out, slope, &origin, &u, &v, lo, hi);
            assert!(
                bound >= f64::MAX / 1024.0,
                "refused with every map's size below {bound:e}: {m} ws={ws:?} w_out={w_out:?} b_out={b_out:e} \
                 slope={slope} o={origin:?} u={u:?} v={v:?} lo={lo:?} hi={hi:?}"
            );
            return;
        }
        Err(e) => panic!(
            "unexpected {e:?}: ws={ws:?} w_out={w_out:?} b_out={b_out:e} slope={slope:e} o={origin:?} u={u:?} v={v:?} \
             lo={lo:?} hi={hi:?} tol={tol:e} split={split}"
        ),
    };
    let n = p.n_regions();
    assert!(n >= 1);
    let units: usize = ws.iter().map(|(w, _)| w.ncols()).sum();
    assert_eq!(p.patterns.dim(), (n, units));
    let area = (hi[0] - lo[0]) * (hi[1] - lo[1]);
    let mut total = 0.0;
    for rr in 0..n {
        let (a, b) = (p.offsets[rr] as usize, p.offsets[rr + 1] as usize);
        assert!(b >= a + 3, "region {rr} has {} vertices", b - a);
        let poly: Vec<[f64; 2]> = (a..b).map(|k| [p.vertices[[k, 0]], p.vertices[[k, 1]]]).collect();
        let ar = signed_area(&poly);
        assert!(
            ar.is_finite() || !area.is_finite() || area > 1e300,
            "area {ar}: lo={lo:?} hi={hi:?} u={u:?} v={v:?} o={origin:?} ws={ws:?} w_out={w_out:?} b_out={b_out:e} \
             slope={slope:e} tol={tol:e} split={split} poly={poly:?}"
        );
        total += ar;
        if nice && slope == 0.0 {
            // the pattern and output at the centroid, by a plain forward pass
            let c = centroid(&poly);
            let mut h: Vec<f64> = (0..d).map(|k| origin[k] + c[0] * u[k] + c[1] * v[k]).collect();
            let mut col = 0;
            let mut fine = true;
            for (w, b) in &ws {
                let mut z = b.to_vec();
                for j in 0..w.ncols() {
                    for i in 0..w.nrows() {
                        z[j] += h[i] * w[[i, j]];
                    }
                    if z[j].abs() > 1e-6 {
                        assert_eq!(p.patterns[[rr, col + j]], (z[j] > 0.0) as u8, "region {rr} unit {} z={} at {c:?}: ws={ws:?} w_out={w_out:?} b_out={b_out} split={split} tol={tol} slope={slope} lo={lo:?} hi={hi:?} poly={poly:?} pat={:?}", col + j, z[j], p.patterns.row(rr));
                    } else {
                        fine = false;
                    }
                }
                col += w.ncols();
                h = z.iter().map(|&x| x.max(0.0)).collect();
            }
            let out: f64 = h.iter().zip(w_out.iter()).map(|(a, b)| a * b).sum::<f64>() + b_out;
            let wa = &p.window_affine;
            let got = wa[[rr, 0]] * c[0] + wa[[rr, 1]] * c[1] + wa[[rr, 2]];
            if fine {
                assert!((got - out).abs() <= 1e-7 * (1.0 + out.abs()), "output {got} vs {out} at {c:?}");
            }
        }
    }
    if nice {
        // (A cut within the vertex margin of a vertex is snapped to it: an edge moves by up to the margin, `tol` times
        // the diagonal, which can leave an overlap or a gap of up to about the margin times the perimeter.)
        let (w, h) = (hi[0] - lo[0], hi[1] - lo[1]);
        let slack = (1e-9 * area).max(4.0 * tol * w.hypot(h) * 2.0 * (w + h));
        assert!((total - area).abs() <= slack, "areas sum to {total}, window {area}: lo={lo:?} hi={hi:?} u={u:?} v={v:?} o={origin:?} tol={tol} split={split} ws={ws:?} n={n}");
    } else if total.is_finite()
        && area.is_finite()
        // (An area near the subnormals, a window of sides like 5e-324 by 1, is summed with a relative error of
        // 2^-1074 over it: no test of the areas there.)
        && area > 1e10 * f64::MIN_POSITIVE
        && (0..2).all(|k| hi[k] - lo[k] > 1e-9 * lo[k].abs().max(hi[k].abs()))
    {
        assert!((total - area).abs() <= 1e-6 * area, "areas sum to {total}, window {area}: lo={lo:?} hi={hi:?} u={u:?} v={v:?} o={origin:?} tol={tol} split={split} ws={ws:?} n={n}");
    }
});

/// An upper bound on the size of every affine map the network computes over the window (a hidden unit's or the
/// logit's), from absolute values only: in window coordinates `s a + t b + c`, and in the input's `x . w + e`. A unit's
/// map has every coefficient at most `size = sum_i |W_ij| size_i + |b_j|`, with the input's `x_i = o_i + s u_i + t v_i`
/// (`size_i = 1 + |o_i| + |u_i| + |v_i|` covers both coordinates) and each gate at most `max(1, |slope|)`; its value
/// in the window is at most `size (1 + S + T)` (`S`, `T` the window's reach) and its constant in the input's
/// coordinates, `f(o) - w . o`, at most `size (1 + sum_k |o_k|)`. Infinite where the bound itself overflows.
#[allow(clippy::too_many_arguments)]
fn size_bound(
    ws: &[(ndarray::Array2<f64>, Array1<f64>)],
    w_out: &Array1<f64>,
    b_out: f64,
    slope: f64,
    origin: &[f64],
    u: &[f64],
    v: &[f64],
    lo: [f64; 2],
    hi: [f64; 2],
) -> f64 {
    let gain = slope.abs().max(1.0);
    let reach = 1.0 + lo[0].abs().max(hi[0].abs()) + lo[1].abs().max(hi[1].abs());
    let reach = reach.max(1.0 + origin.iter().map(|o| o.abs()).sum::<f64>());
    let mut sizes: Vec<f64> = (0..origin.len()).map(|i| 1.0 + origin[i].abs() + u[i].abs() + v[i].abs()).collect();
    let mut most = 0.0f64;
    for (w, b) in ws {
        sizes = (0..w.ncols())
            .map(|j| (0..w.nrows()).map(|i| times(w[[i, j]], sizes[i])).sum::<f64>() + b[j].abs())
            .collect();
        most = sizes.iter().fold(most, |m, x| m.max(*x));
        sizes.iter_mut().for_each(|x| *x *= gain);
    }
    let logit = sizes.iter().zip(w_out).map(|(s, w)| times(*w, *s)).sum::<f64>() + b_out.abs();
    most.max(logit) * reach
}

/// `|w| size`, 0 for a weight of 0 (whose term is 0 however large, or infinite, the bound of its input).
fn times(w: f64, size: f64) -> f64 {
    if w == 0.0 {
        0.0
    } else {
        w.abs() * size
    }
}
