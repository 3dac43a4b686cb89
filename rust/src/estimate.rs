//! The analytic training-accuracy estimator (see `docs/theory.md`).
//!
//! A trained ReLU network is affine on every cell of the partition its
//! hidden hyperplanes cut. Writing each hidden unit's contribution as
//! `a_j(x) (u_j . x + c_j)` with the gate `a_j(x) = 1[w_j . x + b_j > 0]`,
//! the network is a linear model in `1 + sum_j (d + 1)` reparametrised
//! weights on gated features, and a unit whose active side holds `n_j`
//! points adds at most `min(d + 1, n_j)` independent directions. Training
//! on random labels exploits a fraction `eta` of them (`P_eff`), and a fixed
//! training budget resolves at most `K_sat = (d + 1) m^d` directions (the
//! hyperplanes move only so far from where initialisation put them, which
//! binds in low `d`). The effective dimension `K` is a smooth minimum of the
//! two, and the accuracy follows the linear-readout law on random labels at
//! load `alpha = N / K`: everything fits for `alpha <= c`, beyond it
//! `Phi(kappa / sqrt(alpha - c))` (the least-squares readout has
//! `kappa = 1, c = 1`; logistic training does better).

/// The fitted constants of the analytic model (each explained in `docs/theory.md`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Fraction of the gated-linear degrees of freedom that training exploits.
    pub eta: f64,
    /// Margin gain of logistic training over a least-squares readout.
    pub kappa: f64,
    /// Load `N / K` below which every label is fitted.
    pub c: f64,
    /// Cells per input axis that the fixed training budget can resolve.
    pub m: f64,
    /// Sharpness of the smooth minimum between `P_eff` and `K_sat`.
    pub p: f64,
    /// Fraction of points on a unit's active side at initialisation (1/2 by symmetry; not fitted).
    pub q: f64,
    /// Log-scale uncertainty of `K` used for the band (fitted for 90% coverage).
    pub sigma_ln_k: f64,
    /// Multiplier of the dataset-to-dataset sampling noise `sqrt(a(1-a)/N)` in the band.
    pub noise: f64,
}

/// Constants fitted on the calibration grid (`benchmarks/calibrate_estimator.py`).
pub const PARAMS: Params = Params {
    eta: 0.4576,
    kappa: 2.034,
    c: 3.244,
    m: 4.660,
    p: 0.5551,
    q: 0.5,
    sigma_ln_k: 0.25,
    noise: 1.0,
};

/// Standard normal CDF.
pub fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Everything the analytic model computes for one configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Analytic {
    pub accuracy: f64,
    pub low: f64,
    pub high: f64,
    /// Gated-linear degrees of freedom exploited (`eta (1 + sum_l w_l min(fan_in_l + 1, q N))`).
    pub p_eff: f64,
    /// Directions the training budget resolves (`(d + 1) m^d`, may be `inf`).
    pub k_sat: f64,
    /// Effective dimension (smooth minimum of the two).
    pub k_eff: f64,
    /// Load `N / k_eff`.
    pub alpha: f64,
}

/// Accuracy of the linear-readout law at effective dimension `k` for `n` points.
pub fn readout_accuracy(n: f64, k: f64, prm: &Params) -> f64 {
    let alpha = n / k;
    if alpha <= prm.c {
        return 1.0;
    }
    phi(prm.kappa / (alpha - prm.c).sqrt())
}

/// Gated-linear degrees of freedom `1 + sum_l w_l min(fan_in_l + 1, q N)`.
pub fn gated_dof(d: f64, n: f64, widths: &[f64], prm: &Params) -> f64 {
    let mut fan_in = d;
    let mut dof = 1.0;
    for &w in widths {
        dof += w * (fan_in + 1.0).min(prm.q * n);
        fan_in = w;
    }
    dof
}

/// `(P_eff, K_sat, K_eff)` for input dimension `d` and `dof` gated-linear degrees of freedom.
pub fn effective_dimension(d: f64, dof: f64, prm: &Params) -> (f64, f64, f64) {
    let p_eff = prm.eta * dof;
    let ln_k_sat = (d + 1.0).ln() + d * prm.m.ln();
    let k_sat = ln_k_sat.exp();
    // (P^-p + K_sat^-p)^(-1/p), in logs so that huge K_sat is harmless.
    let k_eff = if ln_k_sat > 700.0 {
        p_eff
    } else {
        (p_eff.powf(-prm.p) + k_sat.powf(-prm.p)).powf(-1.0 / prm.p)
    };
    (p_eff, k_sat, k_eff)
}

/// The analytic estimate with its band.
pub fn analytic(d: f64, n: f64, widths: &[f64], prm: &Params) -> Analytic {
    from_dof(d, n, gated_dof(d, n, widths, prm), prm)
}

/// The estimate for a given number of gated-linear degrees of freedom (the
/// Monte Carlo method measures them on sampled partitions).
pub fn from_dof(d: f64, n: f64, dof: f64, prm: &Params) -> Analytic {
    let (p_eff, k_sat, k_eff) = effective_dimension(d, dof, prm);
    let acc = readout_accuracy(n, k_eff, prm);
    let spread = (prm.sigma_ln_k * 1.6448536269514722).exp();
    let lo_k = readout_accuracy(n, k_eff / spread, prm);
    let hi_k = readout_accuracy(n, k_eff * spread, prm);
    let noise = 1.6448536269514722 * prm.noise * (acc * (1.0 - acc) / n).sqrt();
    Analytic {
        accuracy: acc,
        low: (lo_k - noise).max(0.5),
        high: (hi_k + noise).min(1.0),
        p_eff,
        k_sat,
        k_eff,
        alpha: n / k_eff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phi_is_the_normal_cdf() {
        assert!((phi(0.0) - 0.5).abs() < 1e-15);
        assert!((phi(1.0) - 0.8413447460685429).abs() < 1e-12);
        assert!((phi(-1.959963984540054) - 0.025).abs() < 1e-12);
    }

    #[test]
    fn monotone_in_width_and_points() {
        for d in [1.0, 2.0, 5.0, 20.0, 100.0] {
            let mut prev = 0.0;
            for l in [1.0, 2.0, 4.0, 16.0, 64.0, 256.0] {
                let a = analytic(d, 1000.0, &[l], &PARAMS).accuracy;
                assert!(a >= prev - 1e-12, "d={d} L={l}");
                prev = a;
            }
            let mut prev = 1.0;
            for n in [10.0, 100.0, 300.0, 1000.0, 3000.0, 1e5] {
                let a = analytic(d, n, &[16.0], &PARAMS).accuracy;
                assert!(a <= prev + 1e-12, "d={d} N={n}");
                prev = a;
            }
        }
    }

    #[test]
    fn band_contains_estimate_and_few_points_fit() {
        let a = analytic(10.0, 1000.0, &[8.0], &PARAMS);
        assert!(a.low <= a.accuracy && a.accuracy <= a.high);
        assert_eq!(analytic(50.0, 20.0, &[4.0], &PARAMS).accuracy, 1.0);
    }
}
