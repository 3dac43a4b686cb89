//! The analytic training-accuracy estimator (see `docs/theory.md`).
//!
//! A trained ReLU network is affine on every cell of the partition its
//! hidden hyperplanes cut. Writing each hidden unit's contribution as
//! `a_j(x) (u_j . x + c_j)` with the gate `a_j(x) = 1[w_j . x + b_j > 0]`,
//! the network is a linear model in `1 + sum_j (d + 1)` reparametrised
//! weights on gated features; a unit whose active side holds `n_j` points
//! adds at most `min(d + 1, n_j)` independent directions, of which training
//! uses a fraction `d / (d + r)` (`P_eff`). A fixed training budget resolves
//! at most `K_sat = (d + 1) m^d` directions: the hyperplanes move only so far
//! from where initialisation put them, which binds in low `d`. The effective
//! dimension `K` is a smooth minimum of the two, and the accuracy follows the
//! readout law on random labels at load `alpha = N / K`: a finite-size
//! transition to fitting everything around `alpha = c2`, beyond it
//! `Phi(kappa / sqrt(alpha - c))` (a least-squares readout has `kappa = 1,
//! c = 1`). Points where every unit is off (a fraction `gamma 2^-L`) see a
//! constant output and are right half the time.

/// The constants of the analytic model (each explained in `docs/theory.md`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Margin gain of logistic training over a least-squares readout.
    pub kappa: f64,
    /// Load `N / K` below which the readout law alone fits every label.
    pub c: f64,
    /// Cells per input axis that the fixed training budget can resolve.
    pub m: f64,
    /// Sharpness of the smooth minimum between `P_eff` and `K_sat`.
    pub p: f64,
    /// A unit uses a fraction `d / (d + r)` of its `d + 1` directions.
    pub r: f64,
    /// Fraction `gamma 2^-L` of points left where every unit is off (constant output).
    pub gamma: f64,
    /// Load of the finite-size fit-everything transition ...
    pub c2: f64,
    /// ... and its sharpness (`Phi((c2 - alpha) sqrt(K) s)`).
    pub s: f64,
    /// Fraction of points on a unit's active side at initialisation (1/2 by symmetry; not fitted).
    pub q: f64,
    /// Log-scale uncertainty of `K` used for the band (fitted for 90% coverage).
    pub sigma_ln_k: f64,
    /// Multiplier of the dataset-to-dataset sampling noise `sqrt(a(1-a)/N)` in the band (not fitted).
    pub noise: f64,
}

/// Constants fitted on the calibration grid (`benchmarks/calibrate_estimator.py`).
pub const PARAMS: Params = Params {
    kappa: 1.6383,
    c: 1.4217,
    m: 4.9781,
    p: 0.9506,
    r: 2.7429,
    gamma: 0.3176,
    c2: 2.9403,
    s: 0.1501,
    q: 0.5,
    sigma_ln_k: 0.10,
    noise: 0.50,
};

/// The constants in the order `params_from_slice` takes them.
pub const PARAM_NAMES: [&str; 11] = ["kappa", "c", "m", "p", "r", "gamma", "c2", "s", "q", "sigma_ln_k", "noise"];

impl Params {
    /// The constants as a vector, in `PARAM_NAMES` order.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.kappa, self.c, self.m, self.p, self.r, self.gamma, self.c2, self.s, self.q, self.sigma_ln_k, self.noise]
    }

    /// Constants from a slice in `PARAM_NAMES` order.
    pub fn from_slice(v: &[f64]) -> Option<Params> {
        if v.len() != PARAM_NAMES.len() {
            return None;
        }
        Some(Params {
            kappa: v[0],
            c: v[1],
            m: v[2],
            p: v[3],
            r: v[4],
            gamma: v[5],
            c2: v[6],
            s: v[7],
            q: v[8],
            sigma_ln_k: v[9],
            noise: v[10],
        })
    }
}

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
    /// Gated-linear degrees of freedom training can use (see [`gated_dof`]).
    pub p_eff: f64,
    /// Directions the training budget resolves (`(d + 1) m^d`, may be `inf`).
    pub k_sat: f64,
    /// Effective dimension (smooth minimum of the two).
    pub k_eff: f64,
    /// Load `N / k_eff`.
    pub alpha: f64,
}

/// Accuracy of the readout law at effective dimension `k` for `n` points:
/// with probability `Phi((c2 - alpha) sqrt(k) s)` everything is fitted (the
/// finite-size capacity transition), otherwise `Phi(kappa / sqrt(alpha - c))`.
///
/// `k_size` sets the width of the transition: the effective dimension before
/// the `q N` cap on a unit's directions, so that the accuracy never rises
/// with `N` (below the cap `K` and `N` grow together at a fixed load).
pub fn readout_accuracy(n: f64, k: f64, k_size: f64, prm: &Params) -> f64 {
    let alpha = n / k;
    let beyond = if alpha <= prm.c { 1.0 } else { phi(prm.kappa / (alpha - prm.c).sqrt()) };
    let fit_all = phi((prm.c2 - alpha) * k_size.sqrt() * prm.s);
    fit_all + (1.0 - fit_all) * beyond
}

/// Points where every first-layer unit is off see a constant output and are
/// right half the time: a fraction `gamma 2^-L1` of them survives training.
pub fn dead_zone(acc: f64, first_width: f64, prm: &Params) -> f64 {
    let f0 = prm.gamma * (-first_width * std::f64::consts::LN_2).exp();
    (1.0 - f0) * acc + 0.5 * f0
}

/// Gated-linear degrees of freedom training can use:
/// `1 + sum_l w_l min(fan_in_l + 1, q N) fan_in_l / (fan_in_l + r)`.
pub fn gated_dof(d: f64, n: f64, widths: &[f64], prm: &Params) -> f64 {
    let mut fan_in = d;
    let mut dof = 1.0;
    for &w in widths {
        dof += w * (fan_in + 1.0).min(prm.q * n) * fan_in / (fan_in + prm.r);
        fan_in = w;
    }
    dof
}

/// `(P_eff, K_sat, K_eff)` for input dimension `d` and `dof` gated-linear degrees of freedom.
pub fn effective_dimension(d: f64, dof: f64, prm: &Params) -> (f64, f64, f64) {
    let p_eff = dof;
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
    let uncapped = effective_dimension(d, gated_dof(d, f64::INFINITY, widths, prm), prm).2;
    from_dof(d, n, widths.first().copied().unwrap_or(1.0), gated_dof(d, n, widths, prm), uncapped, prm)
}

/// The estimate for a given number of gated-linear degrees of freedom (the
/// Monte Carlo method measures them on sampled partitions).
pub fn from_dof(d: f64, n: f64, first_width: f64, dof: f64, k_size: f64, prm: &Params) -> Analytic {
    let (p_eff, k_sat, k_eff) = effective_dimension(d, dof, prm);
    let k_size = k_size.max(k_eff);
    let acc_at = |k: f64| dead_zone(readout_accuracy(n, k, k_size * k / k_eff, prm), first_width, prm);
    let acc = acc_at(k_eff);
    let spread = (prm.sigma_ln_k * 1.6448536269514722).exp();
    let lo_k = acc_at(k_eff / spread);
    let hi_k = acc_at(k_eff * spread);
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
        // N <= d + 1: only the all-off dead zone (gamma 2^-L of the points) can be missed.
        let a = analytic(50.0, 20.0, &[4.0], &PARAMS).accuracy;
        assert!(a >= 1.0 - PARAMS.gamma / 32.0 - 1e-12, "{a}");
    }
}
