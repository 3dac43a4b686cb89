#![no_main]
use _core::estimate::{check_config, max_samples, reported, required_width, Budget, PARAMS};
use _core::simulation::PointDist;
use libfuzzer_sys::fuzz_target;
use std::time::Instant;
#[path = "common.rs"]
mod common;
use common::R;

/// A value in [lo, hi] (log-uniform, or an end), as the Python layer allows.
fn size(r: &mut R, lo: f64, hi: f64, int: bool) -> f64 {
    let t = r.u8();
    let x = match t % 8 {
        0 => lo,
        1 => hi,
        2 => lo + 1.0,
        _ => (lo.ln() + (hi.ln() - lo.ln()) * (r.u64() as f64 / u64::MAX as f64)).exp().clamp(lo, hi),
    };
    if int {
        x.round().clamp(lo, hi)
    } else {
        x
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let (d, n) = (size(&mut r, 1.0, 1e9, true), size(&mut r, 1.0, 1e9, true));
    let depth = 1 + (r.u8() % 3) as usize;
    let widths: Vec<f64> = (0..depth).map(|_| size(&mut r, 1.0, 1e9, true)).collect();
    let dist = if mode & 1 == 0 { PointDist::Uniform } else { PointDist::Gaussian };
    let proto = Budget {
        sgd: mode & 2 != 0,
        lr: size(&mut r, 1e-12, 1e6, false),
        steps: size(&mut r, 1.0, 1e9, true),
        batch: if mode & 4 != 0 { Some(size(&mut r, 1.0, 4294967296.0, true)) } else { None },
        cosine: mode & 8 != 0,
        restarts: size(&mut r, 1.0, 1048576.0, true),
    };
    assert!(check_config(d, n, &widths).is_ok());
    let t0 = Instant::now();
    let (a, c) = reported(d, n, &widths, dist, &proto, &PARAMS, mode & 16 == 0);
    for (name, v) in [("accuracy", a.accuracy), ("low", a.low), ("high", a.high)] {
        assert!(v.is_finite() && (0.0..=1.0).contains(&v), "{name} = {v}: d={d} n={n} w={widths:?} {proto:?} {dist:?}");
    }
    assert!(a.low <= a.accuracy + 1e-12 && a.accuracy <= a.high + 1e-12, "band {a:?}");
    if mode & 16 == 0 {
        assert!(c.is_finite() && (0.0..=1.0).contains(&c), "ceiling {c}");
    }
    for (name, v) in [
        ("p_eff", a.p_eff),
        ("k_sat", a.k_sat),
        ("k_eff", a.k_eff),
        ("alpha", a.alpha),
        ("budget", a.budget),
        ("m", a.m),
        ("k_time", a.k_time),
        ("uncorrected", a.uncorrected),
        ("correction", a.correction),
    ] {
        assert!(!v.is_nan(), "{name} is NaN: d={d} n={n} w={widths:?} {proto:?}");
    }
    let target = 0.5 + 0.5 * (r.u64() as f64 / u64::MAX as f64) * 0.9999999;
    let target = if mode & 32 != 0 { [0.5, 0.99, 0.999999, 1.0 - 1e-15, 0.75][(r.u8() % 5) as usize] } else { target };
    if target >= 1.0 {
        return;
    }
    if mode & 64 == 0 {
        let max_l = size(&mut r, 1.0, 1e9, true);
        let out = required_width(d, n, target, dist, &proto, &PARAMS, max_l);
        for v in out {
            assert!(
                v.is_finite() && v >= 0.0 && v <= max_l,
                "required_width {out:?}: d={d} n={n} t={target} max_l={max_l} {proto:?}"
            );
        }
        if out[0] > 0.0 {
            let (a, _) = reported(d, n, &[out[0]], dist, &proto, &PARAMS, true);
            assert!(
                a.accuracy >= target,
                "required_width {out:?} gives {} < {target}: d={d} n={n} {proto:?}",
                a.accuracy
            );
        }
    } else {
        let max_n = size(&mut r, 1.0, 1e9, true);
        let out = max_samples(d, &widths, target, dist, &proto, &PARAMS, max_n);
        for v in out {
            assert!(
                v.is_finite() && v >= 0.0 && v <= max_n,
                "max_samples {out:?}: d={d} w={widths:?} t={target} max_n={max_n} {proto:?}"
            );
        }
        if out[0] > 0.0 {
            let (a, _) = reported(d, out[0], &widths, dist, &proto, &PARAMS, true);
            assert!(
                a.accuracy >= target,
                "max_samples {out:?} gives {} < {target}: d={d} w={widths:?} {proto:?}",
                a.accuracy
            );
        }
    }
    let el = t0.elapsed().as_secs_f64();
    assert!(el < 0.5, "took {el} s (not interruptible): d={d} n={n} w={widths:?} t={target} {proto:?}");
});
