//! The linear-teacher setting of Sarussi, Brutzkus & Globerson (ICML 2021),
//! as reconstructed in docs/teacher.md: a two-layer bias-free Leaky-ReLU
//! network `N(x) = sum_i s_i v sigma(<w_i, x>)` whose output weights are frozen
//! at `+v` (the first `n_pos` units) and `-v` (the rest), trained on the
//! logistic loss `log(1 + exp(-y N(x)))` by SGD with a constant step, the
//! weights being recorded every `record_every` steps.
//!
//! Everything is in f64 (the weights grow like `log t`; differences between
//! units of a group are the quantity of interest, so precision matters).

use crate::error::{invalid, CoreError, CoreResult};
use crate::rng::{mix64, stream};
use ndarray::{Array3, ArrayView2};
use rand::RngExt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Settings of one run of [`teacher_sgd`].
#[derive(Clone, Debug)]
pub struct TeacherConfig {
    /// Units with output weight `+v` (the first ones); the rest have `-v`.
    pub n_pos: usize,
    /// Output-weight magnitude `v > 0`.
    pub v: f64,
    /// Leaky-ReLU negative slope `alpha` in `[0, 1]`.
    pub alpha: f64,
    /// Constant step size `eta > 0`.
    pub lr: f64,
    /// Number of SGD steps.
    pub steps: usize,
    /// Minibatch size (`>= n` means full batch; the gradient is the batch mean).
    pub batch: usize,
    /// Steps at which the weights are recorded: strictly increasing, each in `0..=steps`.
    pub record_at: Vec<u64>,
    /// Seed of the sampling order.
    pub seed: u64,
    /// A step is "hard" when the mean loss of its batch is at least this.
    pub loss_eps: f64,
}

/// What [`teacher_sgd`] records.
#[derive(Clone, Debug)]
pub struct TeacherRecord {
    /// Recorded steps (`record_at`).
    pub steps: Vec<u64>,
    /// Weights at those steps, shape `(T, L, d)`, one row per unit.
    pub weights: Array3<f64>,
    /// Mean logistic loss over the training set at those steps.
    pub loss: Vec<f64>,
    /// Training 0-1 error (a zero output counts as an error).
    pub error: Vec<f64>,
    /// Cumulative number of steps whose batch loss was `>= loss_eps`.
    pub hard_steps: Vec<u64>,
}

/// Most recorded weight values accepted (`T * L * d`).
pub const MAX_RECORDED: usize = 1 << 27;

/// The up-front checks of a run of [`teacher_sgd`] (which makes them itself; callers that draw data first make
/// them before it): `l x d` weights against `max_params`, `steps` SGD steps on batches of `batch` of `n` points
/// with `records` recorded snapshots, plus `extra_work` (a caller's own work on the series), against
/// `max_work`, and the recorded values against [`MAX_RECORDED`].
pub fn teacher_check(
    n: usize,
    d: usize,
    l: usize,
    steps: usize,
    batch: usize,
    records: usize,
    extra_work: f64,
) -> CoreResult<()> {
    crate::limits::check_params(&format!("a teacher network of {l} x {d} weights"), l as f64 * d as f64)?;
    let batch = batch.min(n);
    crate::limits::check_work(
        &format!("{steps} SGD steps on batches of {batch} with {l} x {d} weights and {records} records on {n} points"),
        steps as f64 * (4.0 * batch as f64 * l as f64 * d as f64 + crate::training::STEP_OVERHEAD)
            + records as f64 * 2.0 * n as f64 * l as f64 * d as f64
            + extra_work,
        None,
    )?;
    if records.saturating_mul(l).saturating_mul(d) > MAX_RECORDED {
        return Err(CoreError::TooLarge(format!(
            "recording {records} snapshots of {l} x {d} weights exceeds the limit of {MAX_RECORDED} values; record \
             fewer steps"
        )));
    }
    Ok(())
}

#[inline]
fn softplus(t: f64) -> f64 {
    // log(1 + e^t), stable for both signs.
    t.max(0.0) + (-t.abs()).exp().ln_1p()
}

#[inline]
fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// Output of the network on row `x`; fills `z` with the pre-activations.
#[inline]
fn forward(w: &[f64], d: usize, x: &[f64], n_pos: usize, v: f64, alpha: f64, z: &mut [f64]) -> f64 {
    let mut out = 0.0;
    for (i, zi) in z.iter_mut().enumerate() {
        let wi = &w[i * d..(i + 1) * d];
        let u: f64 = wi.iter().zip(x).map(|(a, b)| a * b).sum();
        *zi = u;
        let a = if u > 0.0 { u } else { alpha * u };
        out += if i < n_pos { v * a } else { -v * a };
    }
    out
}

/// Mean loss and 0-1 error of the weights `w` on `(x, y)`; `Interrupted` on Ctrl-C.
fn evaluate(
    w: &[f64],
    x: ArrayView2<f64>,
    y: &[f64],
    cfg: &TeacherConfig,
    z: &mut [f64],
    cancel: &crate::limits::Cancel,
) -> CoreResult<(f64, f64)> {
    let d = x.ncols();
    let every = crate::limits::items_per(crate::limits::CHECK_WORK, z.len().saturating_mul(d));
    let (mut loss, mut wrong) = (0.0, 0usize);
    for (j, (row, &yj)) in x.rows().into_iter().zip(y).enumerate() {
        if j % every == every - 1 {
            cancel.check()?;
        }
        let xr = row.as_slice().expect("contiguous rows");
        let m = yj * forward(w, d, xr, cfg.n_pos, cfg.v, cfg.alpha, z);
        loss += softplus(-m);
        wrong += (m <= 0.0) as usize;
    }
    let n = y.len() as f64;
    Ok((loss / n, wrong as f64 / n))
}

/// Train from `w0` (shape `(L, d)`, one row per unit) on `(x, y)` with `y` in `{-1, +1}`.
///
/// ```
/// use _core::teacher::{teacher_sgd, TeacherConfig};
/// use ndarray::{array, Array2};
/// // One full-batch step on the mean logistic loss, against the gradient written out here.
/// let x = array![[1.0, 0.5], [-0.3, 1.2], [0.8, -1.0], [-1.1, -0.4]];
/// let y = [1.0, -1.0, 1.0, -1.0];
/// let w0 = array![[0.4, -0.2], [-0.1, 0.3], [0.25, 0.6]];
/// let (v, alpha, lr) = (0.5, 0.1, 0.05);
/// let cfg = TeacherConfig {
///     n_pos: 2, v, alpha, lr, steps: 1, batch: 4, record_at: vec![0, 1], seed: 0, loss_eps: 1e-3,
/// };
/// let rec = teacher_sgd(x.view(), &y, w0.view(), &cfg)?;
/// let sign = |i: usize| if i < 2 { v } else { -v };
/// let out = |w: &Array2<f64>, j: usize| -> f64 {
///     (0..3).map(|i| { let u = w.row(i).dot(&x.row(j)); sign(i) * if u > 0.0 { u } else { alpha * u } }).sum()
/// };
/// let loss0 = (0..4).map(|j| (-y[j] * out(&w0, j)).exp().ln_1p()).sum::<f64>() / 4.0;
/// assert!((rec.loss[0] - loss0).abs() < 1e-12);
/// let mut w1 = w0.clone();
/// for i in 0..3 {
///     for j in 0..4 {
///         let u = w0.row(i).dot(&x.row(j));
///         let dloss_dout = -y[j] / (1.0 + (y[j] * out(&w0, j)).exp()); // d/dN log(1 + exp(-y N))
///         let dout_du = sign(i) * if u > 0.0 { 1.0 } else { alpha };
///         for k in 0..2 {
///             w1[[i, k]] -= lr * dloss_dout * dout_du * x[[j, k]] / 4.0;
///         }
///     }
/// }
/// for (a, b) in rec.weights.index_axis(ndarray::Axis(0), 1).iter().zip(w1.iter()) {
///     assert!((a - b).abs() < 1e-12);
/// }
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn teacher_sgd(
    x: ArrayView2<f64>,
    y: &[f64],
    w0: ArrayView2<f64>,
    cfg: &TeacherConfig,
) -> CoreResult<TeacherRecord> {
    teacher_sgd_counting(x, y, w0, cfg, &AtomicU64::new(0))
}

/// [`teacher_sgd`], adding the SGD steps it completes to `done` as it goes (a progress bar reads it from another
/// thread): about every [`crate::limits::CHECK_WORK`] multiply-adds of steps, and the rest at the end, so that
/// `done` has grown by `cfg.steps` when the run returns `Ok`.
///
/// ```
/// use _core::teacher::{teacher_sgd_counting, TeacherConfig};
/// use ndarray::array;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// let x = array![[1.0, 0.5], [-0.3, 1.2]];
/// let w0 = array![[0.4, -0.2], [-0.1, 0.3]];
/// let cfg = TeacherConfig {
///     n_pos: 1, v: 0.5, alpha: 0.3, lr: 0.1, steps: 1000, batch: 1, record_at: vec![0, 1000], seed: 0,
///     loss_eps: 1e-3,
/// };
/// let done = AtomicU64::new(7);
/// teacher_sgd_counting(x.view(), &[1.0, -1.0], w0.view(), &cfg, &done)?;
/// assert_eq!(done.load(Ordering::Relaxed), 1007);
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn teacher_sgd_counting(
    x: ArrayView2<f64>,
    y: &[f64],
    w0: ArrayView2<f64>,
    cfg: &TeacherConfig,
    done: &AtomicU64,
) -> CoreResult<TeacherRecord> {
    let (n, d) = x.dim();
    let l = w0.nrows();
    if n == 0 || d == 0 {
        return invalid(format!("X must be non-empty, got shape ({n}, {d})"));
    }
    if y.len() != n {
        return invalid(format!("y must have {n} entries, got {}", y.len()));
    }
    if y.iter().any(|&t| t != 1.0 && t != -1.0) {
        return invalid("y must hold -1 and +1 only");
    }
    if w0.ncols() != d || l == 0 {
        return invalid(format!("w0 must have shape (L, {d}) with L >= 1, got {:?}", w0.dim()));
    }
    if cfg.n_pos > l {
        return invalid(format!("n_pos must be <= L = {l}, got {}", cfg.n_pos));
    }
    if !(cfg.v > 0.0 && cfg.v.is_finite() && cfg.lr > 0.0 && cfg.lr.is_finite()) {
        return invalid("v and lr must be positive and finite");
    }
    if !(0.0..=1.0).contains(&cfg.alpha) {
        return invalid(format!("alpha must be in [0, 1], got {}", cfg.alpha));
    }
    if cfg.batch == 0 {
        return invalid("batch must be >= 1");
    }
    if cfg.record_at.windows(2).any(|p| p[0] >= p[1]) || cfg.record_at.iter().any(|&t| t > cfg.steps as u64) {
        return invalid(format!("record_at must be strictly increasing steps in [0, {}]", cfg.steps));
    }
    if x.iter().chain(w0.iter()).any(|t| !t.is_finite()) {
        return invalid("X and w0 must be finite");
    }
    let t_rec = cfg.record_at.len();
    teacher_check(n, d, l, cfg.steps, cfg.batch, t_rec, 0.0)?;
    let x = x.as_standard_layout();
    let x = x.view();
    let mut w: Vec<f64> = w0.iter().copied().collect();
    let mut z = vec![0.0; l];
    let mut grad = vec![0.0; l * d];
    let batch = cfg.batch.min(n);
    let full = batch == n;
    let mut order: Vec<usize> = (0..n).collect();
    let mut pos = n; // forces a shuffle before the first minibatch
    let mut rng = stream(mix64(cfg.seed ^ 0x7465_6163_6865_7221), 0, 0);

    let mut rec = TeacherRecord {
        steps: Vec::with_capacity(t_rec),
        weights: Array3::zeros((t_rec, l, d)),
        loss: Vec::with_capacity(t_rec),
        error: Vec::with_capacity(t_rec),
        hard_steps: Vec::with_capacity(t_rec),
    };
    let mut hard: u64 = 0;
    let cancel = crate::limits::Cancel::current();
    let every = crate::limits::items_per(crate::limits::CHECK_WORK, l.saturating_mul(d));
    // steps between two additions to `done`: about CHECK_WORK multiply-adds of batches, as the checks above
    let count_every = crate::limits::items_per(crate::limits::CHECK_WORK, batch.saturating_mul(l).saturating_mul(d));
    let mut counted = 0usize;
    let record = |t: usize, w: &[f64], z: &mut [f64], hard: u64, rec: &mut TeacherRecord| -> CoreResult<()> {
        let (loss, err) = evaluate(w, x, y, cfg, z, &cancel)?;
        if !loss.is_finite() {
            return Err(CoreError::Numerical(format!("the training diverged at step {t} (non-finite loss)")));
        }
        // Weights that overflowed can give every point an infinite margin and so a loss of 0 (fuzzing found
        // 2 units at +-inf after one step of v = 7e307, recorded as loss 0 and error 0): refused as well.
        if !w.iter().all(|v| v.is_finite()) {
            return Err(CoreError::Numerical(format!("the training diverged at step {t} (non-finite weights)")));
        }
        let k = rec.steps.len();
        rec.weights.index_axis_mut(ndarray::Axis(0), k).iter_mut().zip(w).for_each(|(a, b)| *a = *b);
        rec.steps.push(t as u64);
        rec.loss.push(loss);
        rec.error.push(err);
        rec.hard_steps.push(hard);
        Ok(())
    };
    let mut next = 0usize; // index into record_at
    if cfg.record_at.first() == Some(&0) {
        record(0, &w, &mut z, hard, &mut rec)?;
        next = 1;
    }
    // The gradient is summed over the batch and the sum scaled by lr / batch. Each term is at most v |x| (sigmoid
    // and the slopes are at most 1), so the sum can overflow where its mean does not only when batch v max|x| is
    // past float64's range (v or X near its limit: a run of v = 1e307, lr = 1e-307 that stays finite was refused
    // as diverged). There each term is summed scaled by 2^-k and the step by 2^k instead; powers of two, exact
    // unless a term falls below the normal range. Elsewhere k = 0, and every number is as it was.
    let xmax = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut k = 0;
    if batch as f64 * cfg.v * xmax > 2f64.powi(1000) {
        k = ((batch as f64).log2() + cfg.v.log2() + xmax.log2()).ceil() as i32 - 1000;
        k = k.clamp(0, 1022);
    }
    let pow2 = crate::window::pow2;
    let (mut shrink, mut scale) = (pow2(-k), cfg.lr / batch as f64 * pow2(k));
    if !scale.is_finite() {
        // lr / batch itself near float64's limit: such a step overflows either way; summed as before
        (shrink, scale) = (1.0, cfg.lr / batch as f64);
    }
    for t in 1..=cfg.steps {
        cancel.check()?;
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut batch_loss = 0.0;
        for b in 0..batch {
            if b % every == every - 1 {
                cancel.check()?;
            }
            let j = if full {
                b
            } else {
                if pos == n {
                    for i in (1..n).rev() {
                        let k = rng.random_range(0..=i);
                        order.swap(i, k);
                    }
                    pos = 0;
                }
                pos += 1;
                order[pos - 1]
            };
            let xr = x.row(j);
            let xr = xr.as_slice().expect("standard layout");
            let m = y[j] * forward(&w, d, xr, cfg.n_pos, cfg.v, cfg.alpha, &mut z);
            batch_loss += softplus(-m);
            // -dloss/dN = y * sigmoid(-m); dN/dw_i = s_i v sigma'(z_i) x.
            let g = y[j] * sigmoid(-m);
            for (i, &zi) in z.iter().enumerate() {
                let s = if i < cfg.n_pos { cfg.v } else { -cfg.v };
                let c = g * s * if zi > 0.0 { 1.0 } else { cfg.alpha } * shrink;
                grad[i * d..(i + 1) * d].iter_mut().zip(xr).for_each(|(gi, xi)| *gi += c * xi);
            }
        }
        w.iter_mut().zip(&grad).for_each(|(wi, gi)| *wi += scale * gi);
        if batch_loss / batch as f64 >= cfg.loss_eps {
            hard += 1;
        }
        if next < t_rec && cfg.record_at[next] == t as u64 {
            record(t, &w, &mut z, hard, &mut rec)?;
            next += 1;
        }
        if t - counted >= count_every {
            done.fetch_add((t - counted) as u64, Ordering::Relaxed);
            counted = t;
        }
    }
    done.fetch_add((cfg.steps - counted) as u64, Ordering::Relaxed);
    debug_assert_eq!(rec.steps.len(), t_rec);
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn cfg(steps: usize, batch: usize) -> TeacherConfig {
        let mut record_at: Vec<u64> = (0..=steps as u64).step_by(10).collect();
        if *record_at.last().unwrap() != steps as u64 {
            record_at.push(steps as u64);
        }
        TeacherConfig { n_pos: 2, v: 0.5, alpha: 0.3, lr: 0.5, steps, batch, record_at, seed: 1, loss_eps: 0.01 }
    }

    #[test]
    fn separable_data_is_fitted_and_loss_falls() {
        let x = array![[0.5, 0.1], [0.6, -0.2], [-0.5, 0.2], [-0.7, -0.1]];
        let y = [1.0, 1.0, -1.0, -1.0];
        let w0 = array![[0.01, 0.0], [0.0, 0.01], [-0.01, 0.0], [0.0, -0.01]];
        let r = teacher_sgd(x.view(), &y, w0.view(), &cfg(205, 1)).unwrap();
        assert_eq!(r.steps.len(), 22);
        assert_eq!(*r.steps.last().unwrap(), 205);
        assert_eq!(r.weights.dim(), (22, 4, 2));
        assert!(r.loss.last().unwrap() < &r.loss[0]);
        assert_eq!(*r.error.last().unwrap(), 0.0);
        assert_eq!(r.weights.index_axis(ndarray::Axis(0), 0), w0);
    }

    #[test]
    fn full_batch_step_matches_hand_gradient() {
        let x = array![[1.0, 0.0], [0.0, -1.0]];
        let y = [1.0, -1.0];
        let w0: Array2<f64> = Array2::zeros((2, 2));
        let mut c = cfg(1, 2);
        c.n_pos = 1;
        let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
        // At W = 0, N = 0, sigmoid(0) = 1/2, sigma'(0) = alpha.
        // unit 0 (+v): lr/2 * sum_j y_j/2 * v * alpha * x_j = 0.25*0.5*0.5*0.3*(x0 - x1)
        let w1 = r.weights.index_axis(ndarray::Axis(0), 1);
        let c0 = 0.5 / 2.0 * 0.5 * 0.5 * 0.3;
        assert!((w1[[0, 0]] - c0).abs() < 1e-15 && (w1[[0, 1]] - c0).abs() < 1e-15);
        assert!((w1[[1, 0]] + c0).abs() < 1e-15 && (w1[[1, 1]] + c0).abs() < 1e-15);
    }

    #[test]
    fn weights_that_overflow_are_a_divergence_even_at_loss_zero() {
        // One step at v = lr = 1e300 sends the two units to -inf and +inf: every margin is then +inf, so the loss
        // is 0 and the error 0, but the run diverged (weights of +-inf are no network).
        let x = array![[-1.0]];
        let y = [1.0];
        let w0 = array![[-0.5], [-0.5]];
        let mut c = cfg(3, 1);
        (c.n_pos, c.v, c.lr, c.alpha, c.record_at) = (1, 1e300, 1e300, 1.0, vec![0, 1, 2, 3]);
        let e = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap_err();
        assert!(matches!(&e, CoreError::Numerical(m) if m.contains("step 1") && m.contains("weights")), "{e:?}");
        // recorded at step 0 only, it is a run of finite weights
        c.record_at = vec![0];
        assert!(teacher_sgd(x.view(), &y, w0.view(), &c).is_ok());
    }

    #[test]
    fn a_finite_step_whose_batch_sum_would_overflow_is_taken() {
        // 100 points x = 1, label +1, W = 0 (N = 0, sigmoid(0) = 1/2, sigma'(0) = alpha = 1), v = 1e307: each
        // point's term is 5e306 and their sum 5e308 overflows, but the mean step lr * 5e306 = 0.5 at lr = 1e-307
        // (the weights become +-0.5, N(x) = v (0.5 + 0.5) = 1e307, a margin of 1e307: loss 0, error 0). It was
        // refused as a divergence at step 1 (non-finite weights).
        let x: Array2<f64> = Array2::ones((100, 1));
        let y = [1.0; 100];
        let w0: Array2<f64> = Array2::zeros((2, 1));
        for batch in [50, 100] {
            let mut c = cfg(2, batch);
            (c.n_pos, c.v, c.lr, c.alpha, c.record_at) = (1, 1e307, 1e-307, 1.0, vec![0, 1, 2]);
            let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
            let w1 = r.weights.index_axis(ndarray::Axis(0), 1);
            assert!((w1[[0, 0]] - 0.5).abs() < 1e-15 && (w1[[1, 0]] + 0.5).abs() < 1e-15, "{w1:?}");
            // sigmoid(-1e307) = 0: no further move
            assert_eq!(r.weights.index_axis(ndarray::Axis(0), 2), w1);
            assert_eq!((r.loss[1], r.error[1]), (0.0, 0.0));
        }
    }

    /// The network and the mean logistic loss from their definitions (the test's own forward pass): row `i` of
    /// `w` is unit `i`, output weight `+v` for `i < n_pos` and `-v` after; `log(1 + e^-m)` of each margin.
    fn loss_by_definition(w: &Array2<f64>, x: &Array2<f64>, y: &[f64], n_pos: usize, v: f64, alpha: f64) -> f64 {
        let mut total = 0.0;
        for (row, &yj) in x.rows().into_iter().zip(y) {
            let mut out = 0.0;
            for (i, wi) in w.rows().into_iter().enumerate() {
                let u = wi.dot(&row);
                let sign = if i < n_pos { 1.0 } else { -1.0 };
                out += sign * v * if u > 0.0 { u } else { alpha * u };
            }
            total += (1.0 + (-yj * out).exp()).ln();
        }
        total / y.len() as f64
    }

    #[test]
    fn softplus_and_sigmoid_match_their_definitions_and_symmetries() {
        for t in [-30.0, -7.5, -2.0, -0.3, 0.0, 0.4, 1.7, 6.0, 25.0] {
            let sp = f64::exp(t).ln_1p();
            assert!((softplus(t) - sp).abs() <= 1e-14 * sp.max(1e-300) + 1e-300, "softplus({t})");
            let sg = 1.0 / (1.0 + f64::exp(-t));
            assert!((sigmoid(t) - sg).abs() <= 1e-15 * sg, "sigmoid({t})");
        }
        // where exp overflows: log(1 + e^t) = t + log(1 + e^-t) and 1 / (1 + e^-t) tend to t and 1
        for t in [-1e4, -800.0, -40.0, -3.0, 0.0, 0.5, 3.0, 40.0, 800.0, 1e4] {
            let sym = softplus(t) - softplus(-t);
            assert!((sym - t).abs() <= 1e-15 * t.abs().max(1.0), "softplus(t) - softplus(-t) = {sym} at t = {t}");
            // one ulp of 1 = 2^-52
            assert!((sigmoid(t) + sigmoid(-t) - 1.0).abs() <= f64::EPSILON, "sigmoid(t) + sigmoid(-t) at t = {t}");
        }
        for t in [800.0, 1e4, f64::MAX] {
            assert_eq!((softplus(t), softplus(-t)), (t, 0.0), "softplus(+-{t})");
            assert_eq!((sigmoid(t), sigmoid(-t)), (1.0, 0.0), "sigmoid(+-{t})");
        }
    }

    #[test]
    fn forward_on_two_points_and_two_units_by_hand() {
        // unit 0 = (1, 2, -1), unit 1 = (-3, 0.5, 2), v = 0.7, alpha = 0.2
        let w = [1.0, 2.0, -1.0, -3.0, 0.5, 2.0];
        let (v, alpha) = (0.7, 0.2);
        let mut z = [0.0; 2];
        // x = (0.5, 1, 0.25): <w_0, x> = 0.5 + 2 - 0.25 = 2.25 > 0, <w_1, x> = -1.5 + 0.5 + 0.5 = -0.5 < 0
        let x = [0.5, 1.0, 0.25];
        for (n_pos, out) in [(1, 0.7 * 2.25 - 0.7 * 0.2 * -0.5), (2, 0.7 * 2.25 + 0.7 * 0.2 * -0.5), (0, -1.505)] {
            let got = forward(&w, 3, &x, n_pos, v, alpha, &mut z);
            assert!((got - out).abs() < 1e-15, "n_pos {n_pos}: {got} != {out}");
            assert_eq!(z, [2.25, -0.5]);
        }
        // x = (-1, 0, 1): <w_0, x> = -1 - 1 = -2 < 0, <w_1, x> = 3 + 2 = 5 > 0
        let x = [-1.0, 0.0, 1.0];
        let got = forward(&w, 3, &x, 1, v, alpha, &mut z);
        assert!((got - (0.7 * 0.2 * -2.0 - 0.7 * 5.0)).abs() < 1e-15, "{got}");
        assert_eq!(z, [-2.0, 5.0]);
    }

    #[test]
    fn one_full_batch_step_descends_the_finite_difference_gradient_and_records_loss_and_error() {
        let x = array![[0.9, -0.4, 0.3], [-0.2, 0.7, -0.8], [0.5, 0.5, 0.1], [-0.6, -0.3, 0.4], [0.1, -0.9, -0.5]];
        let y = [1.0, -1.0, 1.0, -1.0, -1.0];
        let w0 = array![[0.5, -0.3, 0.8], [-0.7, 0.4, 0.2], [0.3, 0.9, -0.6]];
        let (n_pos, v, alpha, lr) = (1, 0.8, 0.3, 0.4);
        // no pre-activation near a kink, where the finite difference would straddle it
        assert!(x.dot(&w0.t()).iter().all(|u: &f64| u.abs() > 1e-2));
        let mut c = cfg(3, 5);
        (c.n_pos, c.v, c.alpha, c.lr, c.record_at) = (n_pos, v, alpha, lr, vec![0, 1]);
        let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
        let w1 = r.weights.index_axis(ndarray::Axis(0), 1).to_owned();
        let h = 1e-6;
        for i in 0..3 {
            for k in 0..3 {
                let (mut up, mut down) = (w0.clone(), w0.clone());
                up[[i, k]] += h;
                down[[i, k]] -= h;
                let grad = (loss_by_definition(&up, &x, &y, n_pos, v, alpha)
                    - loss_by_definition(&down, &x, &y, n_pos, v, alpha))
                    / (2.0 * h);
                let step = w1[[i, k]] - w0[[i, k]];
                assert!(
                    (step + lr * grad).abs() < 1e-9,
                    "unit {i} coordinate {k}: step {step}, -lr grad {}",
                    -lr * grad
                );
            }
        }
        // the recorded loss and 0-1 error of the weights at steps 0 and 1
        for (t, w) in [(0, &w0), (1, &w1)] {
            let loss = loss_by_definition(w, &x, &y, n_pos, v, alpha);
            assert!((r.loss[t] - loss).abs() < 1e-14, "step {t}: {} != {loss}", r.loss[t]);
            let margins = x.dot(&w.t()).map(|&u| if u > 0.0 { u } else { alpha * u });
            let wrong = margins.rows().into_iter().zip(&y).filter(|(a, &yj)| yj * (a[0] - a[1] - a[2]) <= 0.0).count();
            assert!(0 < wrong && wrong < 5, "a test of the error needs right and wrong points, got {wrong}");
            assert_eq!(r.error[t], wrong as f64 / 5.0, "step {t}");
        }
    }

    #[test]
    fn a_step_is_hard_when_its_batch_loss_is_at_least_loss_eps() {
        // Full batch: the batch loss of step t is the training loss at step t - 1, so hard_steps rises at step t
        // exactly when loss[t - 1] >= loss_eps (equal counts).
        let x = array![[0.5, 0.1], [0.6, -0.2], [-0.5, 0.2], [-0.7, -0.1], [0.2, 0.9]];
        let y = [1.0, 1.0, -1.0, -1.0, 1.0];
        let w0 = array![[0.01, 0.0], [0.0, 0.01], [-0.01, 0.0], [0.0, -0.01]];
        let mut c = cfg(8, 5);
        c.record_at = (0..=8).collect();
        c.loss_eps = f64::INFINITY;
        let losses = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap().loss;
        assert!(losses.windows(2).all(|p| p[1] < p[0]), "{losses:?}");
        c.loss_eps = losses[3];
        let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
        assert_eq!(r.loss, losses);
        let expected: Vec<u64> =
            (0..=8).map(|t: usize| (1..=t).filter(|&s| losses[s - 1] >= c.loss_eps).count() as u64).collect();
        assert_eq!(r.hard_steps, expected);
        assert_eq!(expected, [0, 1, 2, 3, 4, 4, 4, 4, 4]);
    }

    #[test]
    fn each_epoch_of_minibatches_visits_every_point_once_in_a_seeded_order() {
        // Points x_j = e_j (n = d = 8), one unit: point j moves coordinate j only, by an amount that depends on that
        // coordinate alone, so after e epochs coordinate j has had exactly e moves, whatever the order:
        // w_j += lr / batch * y_j v sigma'(w_j) sigmoid(-y_j v sigma(w_j)).
        let n = 8;
        let x: Array2<f64> = Array2::eye(n);
        let y = [1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0, -1.0];
        let w0 = Array2::from_shape_fn((1, n), |(_, j)| 0.3 * j as f64 - 1.0);
        let (v, alpha, lr) = (0.9, 0.4, 0.6);
        let moved = |w: f64, yj: f64, batch: f64| {
            let (a, slope) = if w > 0.0 { (w, 1.0) } else { (alpha * w, alpha) };
            w + lr / batch * yj * v * slope / (1.0 + (yj * v * a).exp())
        };
        let mut orders = vec![];
        for (batch, seed) in [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (2, 0), (4, 7)] {
            let steps = 2 * n / batch;
            let mut c = cfg(steps, batch);
            (c.n_pos, c.v, c.alpha, c.lr, c.seed, c.record_at) = (1, v, alpha, lr, seed, (0..=steps as u64).collect());
            let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
            let mut order = vec![];
            for t in 1..=steps {
                let (before, after) =
                    (r.weights.slice(ndarray::s![t - 1, 0, ..]), r.weights.slice(ndarray::s![t, 0, ..]));
                let changed: Vec<usize> = (0..n).filter(|&j| before[j] != after[j]).collect();
                assert_eq!(changed.len(), batch, "batch {batch} seed {seed} step {t}: {changed:?}");
                for &j in &changed {
                    assert!((after[j] - moved(before[j], y[j], batch as f64)).abs() < 1e-14, "step {t} point {j}");
                }
                order.extend(changed);
            }
            for epoch in order.chunks(n) {
                let mut seen = epoch.to_vec();
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "batch {batch} seed {seed}: {order:?}");
            }
            if batch == 1 {
                orders.push(order);
            }
        }
        // the seed decides the order: five seeds, five orders of the 16 draws
        for (a, oa) in orders.iter().enumerate() {
            assert!(orders[a + 1..].iter().all(|ob| ob != oa), "seed {a} repeats a later seed's order {oa:?}");
        }
    }

    #[test]
    fn a_finite_step_is_taken_when_v_and_x_together_overflow_the_batch_sum() {
        // As above with the overflow split between v and X: x = 1e154 (100 points), v = 1e154, so each term is
        // v x / 2 = 5e307 and their sum 5e309 overflows; the mean step lr v x / 2 is 1e3 at lr = 2e-305.
        let x = Array2::from_elem((100, 1), 1e154);
        let y = [1.0; 100];
        let w0: Array2<f64> = Array2::zeros((2, 1));
        let mut c = cfg(2, 100);
        (c.n_pos, c.v, c.lr, c.alpha, c.record_at) = (1, 1e154, 2e-305, 1.0, vec![0, 1, 2]);
        let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
        let step = 2e-305 * (1e154 * 1e154 / 2.0);
        let w1 = r.weights.index_axis(ndarray::Axis(0), 1);
        assert!((w1[[0, 0]] / step - 1.0).abs() < 1e-13 && (w1[[1, 0]] / step + 1.0).abs() < 1e-13, "{w1:?}");
        assert_eq!((r.loss[1], r.error[1]), (0.0, 0.0));
    }

    #[test]
    fn each_refusal_names_its_argument_and_each_limit_itself_is_accepted() {
        type Edit = fn(&mut TeacherConfig);
        let x = array![[1.0, 0.0], [0.0, -1.0], [0.5, 0.5]];
        let y = [1.0, -1.0, 1.0];
        let w0 = array![[0.1, 0.2], [0.3, -0.1], [-0.2, 0.4]];
        let base = || {
            let mut c = cfg(4, 2);
            (c.n_pos, c.record_at) = (1, vec![0, 4]);
            c
        };
        let run = |x: ArrayView2<f64>, y: &[f64], w0: ArrayView2<f64>, edit: Edit| {
            let mut c = base();
            edit(&mut c);
            teacher_sgd(x, y, w0, &c)
        };
        let accepted: [Edit; 9] = [
            |_| {},
            |c| c.n_pos = 3,
            |c| c.n_pos = 0,
            |c| c.alpha = 0.0,
            |c| c.alpha = 1.0,
            |c| c.record_at = vec![4],
            |c| c.batch = 100,
            |c| c.v = 1e-300,
            |c| c.lr = 1e-300,
        ];
        for (i, edit) in accepted.into_iter().enumerate() {
            assert!(run(x.view(), &y, w0.view(), edit).is_ok(), "accepted setting {i}");
        }
        let refused: [(Edit, &str); 16] = [
            (|c| c.n_pos = 4, "n_pos must be <= L = 3"),
            (|c| c.v = 0.0, "v and lr"),
            (|c| c.v = -1.0, "v and lr"),
            (|c| c.v = f64::INFINITY, "v and lr"),
            (|c| c.v = f64::NAN, "v and lr"),
            (|c| c.lr = 0.0, "v and lr"),
            (|c| c.lr = f64::INFINITY, "v and lr"),
            (|c| c.lr = f64::NAN, "v and lr"),
            (|c| c.alpha = -0.1, "alpha"),
            (|c| c.alpha = 1.1, "alpha"),
            (|c| c.alpha = f64::NAN, "alpha"),
            (|c| c.batch = 0, "batch"),
            (|c| c.record_at = vec![0, 2, 2], "record_at"),
            (|c| c.record_at = vec![3, 1], "record_at"),
            (|c| c.record_at = vec![0, 5], "record_at"),
            (|c| c.record_at = vec![5], "record_at"),
        ];
        let refusal = |r: CoreResult<TeacherRecord>, what: &str, case: &str| match r {
            Err(CoreError::InvalidArgument(m)) => assert!(m.contains(what), "{case}: {m}"),
            other => panic!("{case}: {:?}", other.map(|r| r.steps)),
        };
        for (i, (edit, what)) in refused.into_iter().enumerate() {
            refusal(run(x.view(), &y, w0.view(), edit), what, &format!("setting {i}"));
        }
        let keep: Edit = |_| {};
        let (x0, w00): (Array2<f64>, Array2<f64>) = (Array2::zeros((3, 0)), Array2::zeros((3, 0)));
        refusal(run(Array2::<f64>::zeros((0, 2)).view(), &[], w0.view(), keep), "X must be non-empty", "no point");
        refusal(run(x0.view(), &y, w00.view(), keep), "X must be non-empty", "no column");
        refusal(run(x.view(), &y[..2], w0.view(), keep), "y must have 3", "short y");
        for bad in [0.0, 2.0, -2.0, f64::NAN] {
            refusal(run(x.view(), &[1.0, bad, -1.0], w0.view(), keep), "y must hold", "label");
        }
        refusal(run(x.view(), &y, Array2::<f64>::zeros((3, 3)).view(), keep), "w0 must have shape", "w0 columns");
        refusal(run(x.view(), &y, Array2::<f64>::zeros((0, 2)).view(), keep), "w0 must have shape", "no unit");
        for (i, j) in [(0, 0), (2, 1)] {
            let mut bad = x.clone();
            bad[[i, j]] = f64::NAN;
            refusal(run(bad.view(), &y, w0.view(), keep), "X and w0 must be finite", "X");
            let mut bad = w0.clone();
            bad[[i, j]] = f64::NEG_INFINITY;
            refusal(run(x.view(), &y, bad.view(), keep), "X and w0 must be finite", "w0");
        }
    }

    #[test]
    fn the_checks_refuse_each_cost_just_past_its_limit_alone() {
        // The documented costs (docs/limits.md: training steps x batch x parameters, 4 multiply-adds a point and
        // weight for the forward and backward pass, + 1e4 a step; a recorded step evaluates the n points, 2 a point
        // and weight) against the default max_work = 1e13, the network against max_params = 2^28, the recorded
        // values against MAX_RECORDED = 2^27; each case just past one limit and just inside it, the others idle.
        let check = |n, d, l, steps, batch, records, extra| teacher_check(n, d, l, steps, batch, records, extra);
        let refused = |r: CoreResult<()>, what: &str, case: &str| match r {
            Err(CoreError::TooLarge(m)) => assert!(m.contains(what), "{case}: {m}"),
            other => panic!("{case}: {other:?}"),
        };
        // the network: 2^15 x 2^15 = 2^30 weights, 2^14 x 2^14 = 2^28
        refused(check(1, 1 << 15, 1 << 15, 0, 1, 0, 0.0), "max_params", "network");
        assert!(check(1, 1 << 14, 1 << 14, 0, 1, 0, 0.0).is_ok());
        // the fixed cost of a step: 1e9 steps of 1 point and 1 weight cost 1e9 (1e4 + 4) = 1.0000004e13
        refused(check(1, 1, 1, 1_000_000_000, 1, 0, 0.0), "max_work", "fixed cost");
        assert!(check(1, 1, 1, 999_000_000, 1, 0, 0.0).is_ok());
        // batches of 10 through 100 x 100 weights: 4e5 + 1e4 a step, 1e13 at 24,390,244 steps (batch 1000 is all
        // 10 points)
        for batch in [10, 1000] {
            refused(check(10, 100, 100, 24_400_000, batch, 0, 0.0), "max_work", "steps");
            assert!(check(10, 100, 100, 24_300_000, batch, 0, 0.0).is_ok());
        }
        // records of 1e5 points through 2 x 5 weights: 2e6 each, 1e13 at 5e6 records (5e7 recorded values)
        refused(check(100_000, 5, 2, 0, 1, 5_000_001, 0.0), "max_work", "records");
        assert!(check(100_000, 5, 2, 0, 1, 4_990_000, 0.0).is_ok());
        // the caller's own work
        refused(check(1, 1, 1, 0, 1, 0, 1.01e13), "max_work", "extra work");
        assert!(check(1, 1, 1, 0, 1, 0, 0.99e13).is_ok());
        // the recorded values: 2^25 snapshots of 2 x 2 weights are 2^27
        refused(check(1, 2, 2, 0, 1, (1 << 25) + 1, 0.0), "record fewer", "recorded values");
        assert!(check(1, 2, 2, 0, 1, 1 << 25, 0.0).is_ok());
    }

    #[test]
    fn ctrl_c_during_the_evaluation_of_a_record_interrupts_it() {
        // 1024 x 2048 weights: the evaluation checks for Ctrl-C every 2^22 / 2^21 = 2 points, so on 2 points after
        // the second; with no step to take, nothing else checks.
        let (l, d) = (1024, 2048);
        let x = Array2::from_elem((2, d), 0.01);
        let w0 = Array2::from_elem((l, d), 0.01);
        let mut c = cfg(0, 1);
        c.record_at = vec![0];
        assert!(teacher_sgd(x.view(), &[1.0, -1.0], w0.view(), &c).is_ok());
        let cancel = crate::limits::Cancel::new();
        cancel.cancel();
        let r = cancel.run(|| teacher_sgd(x.view(), &[1.0, -1.0], w0.view(), &c));
        assert!(matches!(r, Err(CoreError::Interrupted)), "{:?}", r.map(|r| r.loss));
    }

    #[test]
    fn a_term_far_below_the_rest_keeps_its_precision_when_the_batch_sum_is_scaled() {
        // 99 points (1e154, 0) and one (0, 1e-160), label +1, v = 1e154, W0 = 0, alpha = 1: the sum of the first
        // coordinate's terms overflows (99 x 5e307) and is scaled by 2^-k with the smallest k that keeps it finite;
        // the second coordinate's one term v x / 2 = 5e-7 then stays a normal number (scaled by 2^-1022 it would be
        // a subnormal 1.1e-314, of 9 significant digits), and its step lr / 100 v x / 2 = 1e-14 is exact to rounding.
        let mut x: Array2<f64> = Array2::zeros((100, 2));
        x.column_mut(0).fill(1e154);
        x[[99, 0]] = 0.0;
        x[[99, 1]] = 1e-160;
        let y = [1.0; 100];
        let w0: Array2<f64> = Array2::zeros((2, 2));
        let mut c = cfg(1, 100);
        (c.n_pos, c.v, c.lr, c.alpha, c.record_at) = (1, 1e154, 2e-6, 1.0, vec![0, 1]);
        let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
        let w1 = r.weights.index_axis(ndarray::Axis(0), 1);
        let (step0, step1) = (2e-6 / 100.0 * 99.0 * (1e154 * 1e154 / 2.0), 2e-6 / 100.0 * (1e154 / 2.0 * 1e-160));
        assert!((w1[[0, 0]] / step0 - 1.0).abs() < 1e-13 && (w1[[1, 0]] / step0 + 1.0).abs() < 1e-13, "{w1:?}");
        assert!((w1[[0, 1]] / step1 - 1.0).abs() < 1e-14 && (w1[[1, 1]] / step1 + 1.0).abs() < 1e-14, "{w1:?}");
    }

    #[test]
    fn a_finite_step_is_taken_when_lr_over_batch_times_the_scale_overflows() {
        // 2 points x = 1e10, label +1, one unit (+v) w0 = 7e-308, v = lr = 1e300, alpha = 1: the margin is
        // v w0 x = 700, so each point's term is v x sigmoid(-700) = 1e310 / (1 + e^700), about 9.9e5 (in range, e^700 is
        // 1e304), and the mean step lr times that is about 9.9e305, finite. batch v max|x| = 2e310 asks for a scale
        // 2^k with k = 31, and lr / batch 2^k = 1.1e309 overflows: the step must still be lr / batch times the plain
        // sum (as it was before the scaling), not lost (0) or overflowed.
        let x = Array2::from_elem((2, 1), 1e10);
        let y = [1.0, 1.0];
        let w0 = array![[7e-308]];
        let mut c = cfg(1, 2);
        (c.n_pos, c.v, c.lr, c.alpha, c.record_at) = (1, 1e300, 1e300, 1.0, vec![0, 1]);
        let r = teacher_sgd(x.view(), &y, w0.view(), &c).unwrap();
        let m: f64 = 1e300 * 7e-308 * 1e10;
        assert!((m / 700.0 - 1.0).abs() < 1e-14, "{m}");
        let step = 1e300 * (1e300 * (1e10 / (1.0 + f64::exp(m))));
        assert!(step.is_finite() && step > 1e305, "{step}");
        // e^m amplifies the rounding of the margin (about 1e-13 of 700) into the step's last digits
        let w1 = r.weights[[1, 0, 0]];
        assert!(((w1 - 7e-308) / step - 1.0).abs() < 1e-11, "{w1} after a step of {step}");
    }

    #[test]
    fn ctrl_c_during_a_long_batch_interrupts_it() {
        // 2^15 units in R^64 (2^21 weights, a Ctrl-C check every 2^22 / 2^21 = 2 points of the batch), one full-batch
        // step of 120 points and no record: once the step has begun, only the checks inside the batch see a token.
        // Fired a quarter of the way through the step (timed first without a token), it must interrupt the call,
        // which would otherwise return its one step as done.
        let (n, l, d) = (120, 1 << 15, 64);
        let x = Array2::from_shape_fn((n, d), |(j, k)| ((j * 7 + k * 3) % 11) as f64 / 11.0 - 0.5);
        let y: Vec<f64> = (0..n).map(|j| if j % 3 == 0 { 1.0 } else { -1.0 }).collect();
        let w0 = Array2::from_shape_fn((l, d), |(i, k)| ((i + 5 * k) % 13) as f64 / 130.0 - 0.05);
        let mut c = cfg(1, n);
        (c.n_pos, c.record_at) = (l / 2, vec![]);
        let q = crate::limits::cancelled_a_quarter_in(|| teacher_sgd(x.view(), &y, w0.view(), &c));
        assert!(q.uncancelled.is_ok());
        let (got, whole) = (q.result, q.whole);
        assert!(matches!(got, Err(CoreError::Interrupted)), "{:?} (the whole call: {whole:?})", got.map(|r| r.steps));
    }

    #[test]
    fn bad_labels_are_rejected() {
        let x = array![[1.0, 0.0]];
        let w0: Array2<f64> = Array2::zeros((2, 2));
        assert!(teacher_sgd(x.view(), &[0.0], w0.view(), &cfg(1, 1)).is_err());
    }
}
