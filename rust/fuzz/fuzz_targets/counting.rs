#![no_main]
use _core::counting::*;
use libfuzzer_sys::fuzz_target;
#[path = "common.rs"]
mod common;
use common::R;

fn pick(r: &mut R) -> u64 {
    match r.u8() % 6 {
        0 => r.u8() as u64,
        1 => r.u64(),
        2 => u64::MAX - (r.u8() as u64),
        3 => r.u64() % 3000,
        4 => 1u64 << (r.u8() % 64),
        _ => r.u64() % 100_000,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let (l, d) = (pick(&mut r), pick(&mut r));
    let lr = ln_regions(l, d);
    assert!(!lr.is_nan() && lr >= 0.0, "ln_regions({l}, {d}) = {lr}");
    let lp = ln_partial_sum(l, d);
    assert!(!lp.is_nan(), "ln_partial_sum({l}, {d}) = {lp}");
    let lb = ln_binomial(l, d);
    assert!(!lb.is_nan(), "ln_binomial({l}, {d}) = {lb}");
    let c = binomial_cdf_half(l, d);
    assert!(c.is_finite() && (0.0..=1.0).contains(&c), "binomial_cdf_half({l}, {d}) = {c}");
    let lh = ln_binomial_half(l, d);
    assert!(!lh.is_nan(), "ln_binomial_half({l}, {d}) = {lh}");
    if l <= 3000 && d <= 3000 {
        let exact = regions(l, d).unwrap();
        let ln = big_times_pow2(&exact, 0).ln();
        let ln = if ln.is_finite() { ln } else { exact.bits() as f64 * std::f64::consts::LN_2 };
        assert!(
            (ln - lr).abs() <= 1e-6 * (1.0 + ln.abs()) || exact.bits() > 1000,
            "ln_regions({l}, {d}) = {lr}, exact ln {ln}"
        );
        let s = separable_probability(l, d);
        assert!(s.is_finite() && (0.0..=1.0).contains(&s), "separable_probability({l}, {d}) = {s}");
    }
    let n = (r.u8() % 5) as usize;
    let widths: Vec<u64> = (0..n).map(|_| pick(&mut r) % 10_000).collect();
    let n0 = pick(&mut r) % 10_000;
    let t = std::time::Instant::now();
    let _ = deep_region_bounds(n0, &widths);
    assert!(t.elapsed().as_secs_f64() < 30.0, "deep_region_bounds({n0}, {widths:?}) took {:?}", t.elapsed());
});
