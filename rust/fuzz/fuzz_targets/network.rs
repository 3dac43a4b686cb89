#![no_main]
use _core::error::CoreError;
use _core::window::{network_regions_in_box, regions_in_box, NetworkOptions, WindowOptions};
use libfuzzer_sys::fuzz_target;
use ndarray::Array1;
#[path = "common.rs"]
mod common;
use common::R;

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
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
