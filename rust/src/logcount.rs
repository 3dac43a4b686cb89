//! Log-domain counting for sizes where exact big integers are not wanted
//! (`L`, `d` up to 1e9): natural logs of binomial partial sums and the
//! fair-coin binomial CDF, without overflow or big integers.

use std::f64::consts::LN_2;

/// Stirling-series remainder of `ln Γ(x + 1)` beyond `x ln x - x + ln(2πx)/2`.
fn stirling_tail(x: f64) -> f64 {
    let x2 = x * x;
    1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2) + 1.0 / (1260.0 * x * x2 * x2)
}

/// `ln(C(n, k) / 2^n)`, accurate to a few ulps of `n·|t|` where `t = (2k - n)/n`.
///
/// `lgamma` of large arguments loses absolute accuracy (`ln Γ(1e6) ≈ 1.3e7`),
/// so for large `k` and `n - k` the log is written as
/// `-n KL(k/n || 1/2) + ½ ln(n / (2π k (n-k))) + Stirling tails`, where the
/// Kullback–Leibler term is summed with `log1p` and never cancels badly.
pub fn ln_binomial_half(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let small = k.min(n - k);
    let nf = n as f64;
    if small < 40 {
        // Exact product of ratios: ln C(n, s) = sum_{i<s} ln((n - i) / (i + 1)).
        let mut acc = 0.0;
        for i in 0..small {
            acc += ((n - i) as f64 / (i + 1) as f64).ln();
        }
        return acc - nf * LN_2;
    }
    let (kf, rf) = (k as f64, (n - k) as f64);
    let t = (2.0 * kf - nf) / nf;
    let kl_n = kf * t.ln_1p() + rf * (-t).ln_1p();
    -kl_n + 0.5 * (nf / (2.0 * std::f64::consts::PI * kf * rf)).ln() + stirling_tail(nf)
        - stirling_tail(kf)
        - stirling_tail(rf)
}

/// `ln C(n, k)`.
pub fn ln_binomial(n: u64, k: u64) -> f64 {
    ln_binomial_half(n, k) + n as f64 * LN_2
}

/// `ln(sum_{k=0}^{m} C(n, k) / 2^n)` for `m <= n / 2` (the terms increase up
/// to `k = m`), summing downward from the largest term until the rest cannot matter.
fn ln_lower_sum_half(n: u64, m: u64) -> f64 {
    let top = ln_binomial_half(n, m);
    let mut rel = 1.0f64; // C(n, k) / C(n, m)
    let mut acc = 1.0f64;
    let mut k = m;
    while k > 0 {
        rel *= k as f64 / (n - k + 1) as f64;
        acc += rel;
        k -= 1;
        if rel < acc * 1e-18 {
            break;
        }
    }
    top + acc.ln()
}

/// `ln sum_{k=0}^{min(m,n)} C(n, k)`, accurate to a few ulps of the result.
pub fn ln_partial_sum(n: u64, m: u64) -> f64 {
    if m >= n {
        return n as f64 * LN_2;
    }
    if m <= n / 2 {
        return ln_lower_sum_half(n, m) + n as f64 * LN_2;
    }
    // Complement: S = 2^n - S(n, n - m - 1), and the tail is below half of 2^n.
    n as f64 * LN_2 + (-ln_lower_sum_half(n, n - m - 1).exp()).ln_1p()
}

/// `P(Bin(n, 1/2) <= m) = S(n, m) / 2^n`, without overflow.
pub fn binomial_cdf_half(n: u64, m: u64) -> f64 {
    if m >= n {
        return 1.0;
    }
    if m <= n / 2 {
        return ln_lower_sum_half(n, m).exp();
    }
    1.0 - ln_lower_sum_half(n, n - m - 1).exp()
}

/// `ln` of the regions of `l` affine hyperplanes in general position in `R^d`.
pub fn ln_regions(l: u64, d: u64) -> f64 {
    ln_partial_sum(l, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact;
    use approx::assert_relative_eq;
    use num_traits::ToPrimitive;

    #[test]
    fn matches_exact_logs() {
        for &(n, m) in &[(10u64, 3u64), (100, 10), (100, 50), (100, 51), (100, 90), (1000, 499), (1000, 501), (5000, 4000)] {
            let exact = exact::binomial_partial_sum(n, m).unwrap();
            let bits = exact.bits();
            let shift = bits.saturating_sub(60);
            let ln_exact = ((&exact >> shift).to_f64().unwrap()).ln() + shift as f64 * LN_2;
            assert_relative_eq!(ln_partial_sum(n, m), ln_exact, max_relative = 1e-12);
        }
    }

    #[test]
    fn cdf_at_half_is_one_half_for_odd_n() {
        // For odd n = 2D - 1, S(n, D - 1) = 2^(n-1) exactly.
        for d in [1u64, 5, 50, 5000, 500_000] {
            assert_relative_eq!(binomial_cdf_half(2 * d - 1, d - 1), 0.5, max_relative = 1e-12);
        }
    }

    #[test]
    fn ln_binomial_half_matches_exact_big_integers() {
        for &(n, k) in &[(100u64, 30u64), (100, 50), (1000, 480), (10_000, 4_000), (200_000, 100_123), (50, 39), (50, 41)] {
            let c = exact::binomial(n, k).unwrap();
            let shift = c.bits().saturating_sub(60);
            let ln_c = ((&c >> shift).to_f64().unwrap()).ln() + shift as f64 * LN_2 - n as f64 * LN_2;
            assert_relative_eq!(ln_binomial_half(n, k), ln_c, max_relative = 1e-12, epsilon = 1e-12);
        }
    }

    #[test]
    fn huge_arguments_are_finite() {
        let v = ln_regions(1_000_000_000, 1_000_000_000 / 3);
        assert!(v.is_finite() && v > 0.0 && v < 1e9 * LN_2);
        assert_eq!(ln_regions(5, 1_000_000_000), 5.0 * LN_2);
    }
}
