//! The ground-truth trainer: random two-class datasets and full-batch (or
//! minibatch) training of ReLU-type networks with one logit output.
//!
//! The default configuration ([`TrainConfig::reference`]) is the reference
//! protocol of `docs/training.md`: `d -> L ReLU -> 1` logit, PyTorch's
//! `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` initialisation with a zero output bias,
//! mean BCE-with-logits, full-batch Adam (0.9, 0.999, 1e-8, PyTorch semantics
//! including bias correction), lr 0.02 cosine-annealed to 2e-4 over 4000 steps,
//! accuracy read on the forward pass of every 20th step and of the last step.
//!
//! The math is `f32` (as PyTorch's default) with the GEMMs done by
//! `ndarray::linalg::general_mat_mul` (matrixmultiply). Every `(dataset,
//! restart)` pair draws from its own random stream, so results do not depend
//! on the number of threads rayon uses.

use crate::choices::{ActivationKind, LossKind, OptimizerKind, ScheduleKind};
use crate::error::{invalid, CoreError, CoreResult};
use crate::limits::{self, Cancel};
use crate::rng::{mix64, stream};
use crate::simulation::PointDist;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewMut2};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Stream index (second coordinate) reserved for a dataset's points and labels.
pub const DATA_STREAM: u64 = u64::MAX - 1;

/// Work charged per optimiser step on top of its multiply-adds (the fixed cost
/// of a step, about a microsecond), so that `steps=2**31` on a tiny network
/// counts as the half hour it would take.
pub const STEP_OVERHEAD: f64 = 1.0e4;

/// Largest `rows x width` activation matrix a run may allocate (f32 elements).
pub const MAX_ACTIVATIONS: usize = 1 << 30;

/// The random stream of unit `(a, b)` of the trainer seeded with `seed`
/// (salted so that it never coincides with the simulation's streams).
pub fn train_stream(seed: u64, a: u64, b: u64) -> Pcg64Mcg {
    stream(mix64(seed ^ 0x7472_6169_6e5f_6e6e), a, b)
}

/// Dataset `index` of the family seeded with `seed`: `X` `(n, d)` uniform in
/// `[-1, 1]^d` or standard normal, and fair-coin labels in `{0, 1}`.
pub fn random_dataset(n: usize, d: usize, dist: PointDist, seed: u64, index: u64) -> (Array2<f64>, Vec<u8>) {
    fill_dataset(n, d, dist, seed, index, &Cancel::default()).expect("a token that never fires")
}

/// [`random_dataset`] for public callers: checks the sizes against the limits
/// before allocating and stops when the call's [`Cancel`] token fires.
pub fn try_random_dataset(
    n: usize,
    d: usize,
    dist: PointDist,
    seed: u64,
    index: u64,
) -> CoreResult<(Array2<f64>, Vec<u8>)> {
    if n == 0 || d == 0 {
        return invalid(format!("N and d must be >= 1, got N={n}, d={d}"));
    }
    limits::check_bytes(&format!("a dataset of N={n} points in d={d}"), n as f64 * (d as f64 * 8.0 + 1.0))?;
    fill_dataset(n, d, dist, seed, index, &Cancel::current())
}

fn fill_dataset(
    n: usize,
    d: usize,
    dist: PointDist,
    seed: u64,
    index: u64,
    cancel: &Cancel,
) -> CoreResult<(Array2<f64>, Vec<u8>)> {
    let mut rng = train_stream(seed, index, DATA_STREAM);
    let mut x = Array2::<f64>::zeros((n, d));
    let mut y = vec![0u8; n];
    for (i, (mut row, yi)) in x.rows_mut().into_iter().zip(y.iter_mut()).enumerate() {
        if i % 4096 == 0 {
            cancel.check()?;
        }
        for v in row.iter_mut() {
            *v = match dist {
                PointDist::Uniform => rng.random_range(-1.0..1.0),
                PointDist::Gaussian => StandardNormal.sample(&mut rng),
            };
        }
        *yi = rng.random::<bool>() as u8;
    }
    Ok((x, y))
}

/// PyTorch's ReLU in f32: `max(u, 0)` for a number, NaN for NaN (`f32::max(NaN, 0.0)` is 0).
#[inline(always)]
fn relu(u: f32) -> f32 {
    if u < 0.0 {
        0.0
    } else {
        u
    }
}

/// PyTorch's ReLU derivative read from the unit's output `a`: 0 where `a <= 0`, else 1 (NaN included, as its
/// `threshold_backward`).
#[inline(always)]
fn relu_grad(a: f32) -> f32 {
    if a <= 0.0 {
        0.0
    } else {
        1.0
    }
}

/// Hidden-unit nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Relu,
    /// `max(v, slope * v)`, `slope >= 0`.
    LeakyRelu(f32),
    Sigmoid,
    Tanh,
}

impl Activation {
    /// The activation named by `kind`; `slope` is used by `leaky_relu` only.
    pub fn new(kind: ActivationKind, slope: f64) -> Self {
        match kind {
            ActivationKind::Relu => Activation::Relu,
            ActivationKind::LeakyRelu => Activation::LeakyRelu(slope as f32),
            ActivationKind::Sigmoid => Activation::Sigmoid,
            ActivationKind::Tanh => Activation::Tanh,
        }
    }

    /// Add the bias and apply the nonlinearity in place.
    #[inline(always)]
    fn bias_activate(self, row: &mut [f32], b: &[f32]) {
        match self {
            // `u < 0 ? 0 : u`, not `u.max(0.0)`: a NaN pre-activation (finite parameters whose products overflow
            // with opposite signs, inf - inf) stays NaN, as PyTorch's relu passes it, so that the logit is NaN
            // and the run diverges there (`f32::max` returned 0 and the logit could stay finite). One `maxps`.
            Activation::Relu => row.iter_mut().zip(b).for_each(|(v, &c)| *v = relu(*v + c)),
            Activation::LeakyRelu(s) => row.iter_mut().zip(b).for_each(|(v, &c)| {
                let u = *v + c;
                *v = if u > 0.0 { u } else { s * u }
            }),
            Activation::Sigmoid => row.iter_mut().zip(b).for_each(|(v, &c)| *v = 1.0 / (1.0 + (-(*v + c)).exp())),
            Activation::Tanh => row.iter_mut().zip(b).for_each(|(v, &c)| *v = (*v + c).tanh()),
        }
    }

    /// `delta *= f'(a)` elementwise, the derivative read from the unit's output `a` (valid because `slope >= 0`;
    /// at a pre-activation of exactly 0, PyTorch's `relu'(0) = 0` and `leaky_relu'(0) = slope`; at a NaN output,
    /// PyTorch's rules too: relu's `threshold_backward` zeroes only where `a <= 0`, so a NaN passes the gradient, and
    /// leaky_relu's tests its input `> 0`, false for NaN, so it scales by `slope`).
    #[inline(always)]
    fn backprop(self, delta: &mut [f32], a: &[f32]) {
        let pairs = delta.iter_mut().zip(a);
        match self {
            Activation::Relu => pairs.for_each(|(g, &v)| {
                if v <= 0.0 {
                    *g = 0.0
                }
            }),
            Activation::LeakyRelu(s) => pairs.for_each(|(g, &v)| *g *= if v > 0.0 { 1.0 } else { s }),
            Activation::Sigmoid => pairs.for_each(|(g, &v)| *g *= v * (1.0 - v)),
            Activation::Tanh => pairs.for_each(|(g, &v)| *g *= 1.0 - v * v),
        }
    }
}

/// Training loss on the logit `z` with label `y in {0, 1}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Binary cross-entropy with logits.
    Bce,
    /// `max(0, 1 - s z)` with `s = 2y - 1`.
    Hinge,
}

impl From<LossKind> for Loss {
    fn from(kind: LossKind) -> Self {
        match kind {
            LossKind::Bce => Loss::Bce,
            LossKind::Hinge => Loss::Hinge,
        }
    }
}

impl Loss {
    #[inline(always)]
    fn grad(self, z: f32, y: u8) -> f32 {
        match self {
            Loss::Bce => 1.0 / (1.0 + (-z).exp()) - y as f32,
            Loss::Hinge => {
                let s = if y == 1 { 1.0 } else { -1.0 };
                if s * z < 1.0 {
                    -s
                } else {
                    0.0
                }
            }
        }
    }

    #[inline]
    fn value(self, z: f32, y: u8) -> f64 {
        let z = z as f64;
        match self {
            Loss::Bce => z.max(0.0) - z * y as f64 + (-z.abs()).exp().ln_1p(),
            Loss::Hinge => (1.0 - if y == 1 { z } else { -z }).max(0.0),
        }
    }
}

/// Optimiser (PyTorch semantics).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    Adam {
        beta1: f64,
        beta2: f64,
        eps: f64,
    },
    /// `buf = momentum * buf + g; p -= lr * buf` (no dampening, no Nesterov).
    Sgd {
        momentum: f64,
    },
}

impl Optimizer {
    /// The optimiser named by `kind` with its hyper-parameters (the others are ignored).
    pub fn new(kind: OptimizerKind, momentum: f64, beta1: f64, beta2: f64, eps: f64) -> Self {
        match kind {
            OptimizerKind::Adam => Optimizer::Adam { beta1, beta2, eps },
            OptimizerKind::Sgd => Optimizer::Sgd { momentum },
        }
    }
}

/// Learning-rate schedule over the `steps` optimiser steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// `lr_min + (lr - lr_min) (1 + cos(pi t / steps)) / 2` at step `t`.
    Cosine {
        lr_min: f64,
    },
    Constant,
}

impl Schedule {
    /// The schedule named by `kind`; `lr_min` is used by `cosine` only.
    pub fn new(kind: ScheduleKind, lr_min: f64) -> Self {
        match kind {
            ScheduleKind::Cosine => Schedule::Cosine { lr_min },
            ScheduleKind::Constant => Schedule::Constant,
        }
    }

    /// The learning rate used at step `t` (0-based) of `steps`.
    pub fn lr(self, lr: f64, t: usize, steps: usize) -> f64 {
        match self {
            Schedule::Cosine { lr_min } => {
                lr_min + (lr - lr_min) * (1.0 + (std::f64::consts::PI * t as f64 / steps as f64).cos()) / 2.0
            }
            Schedule::Constant => lr,
        }
    }
}

/// Everything that defines a training run except the data and the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Hidden widths, input side first (`[L]` for the two-layer network).
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
    pub optimizer: Optimizer,
    pub lr: f64,
    pub schedule: Schedule,
    pub steps: usize,
    /// Minibatch size; `None` (or `>= N`) for full batch.
    pub batch_size: Option<usize>,
    /// Freeze the output layer at `+v` (first `ceil(L/2)` units) / `-v` (the rest), bias 0.
    pub fixed_output: Option<f32>,
    /// Accuracy and loss are recorded at steps `t % record_every == 0` and at the last step.
    pub record_every: usize,
    /// Stop as soon as a recorded accuracy is 1 (the best cannot improve).
    pub stop_at_perfect: bool,
    /// Implementation choice (results agree up to float rounding).
    pub kernel: Kernel,
}

impl TrainConfig {
    /// The reference protocol for `L` hidden units.
    pub fn reference(l: usize) -> Self {
        TrainConfig {
            hidden: vec![l],
            activation: Activation::Relu,
            loss: Loss::Bce,
            optimizer: Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
            lr: 0.02,
            schedule: Schedule::Cosine { lr_min: 2e-4 },
            steps: 4000,
            batch_size: None,
            fixed_output: None,
            record_every: 20,
            stop_at_perfect: false,
            kernel: Kernel::Auto,
        }
    }

    /// Trainable parameters (and the output's) of the network on `d` inputs: hidden weights and biases, output
    /// weights and bias.
    pub fn params(&self, d: usize) -> f64 {
        let (mut params, mut fan_in) = (0.0f64, d as f64);
        for &w in &self.hidden {
            params += (fan_in + 1.0) * w as f64;
            fan_in = w as f64;
        }
        params + fan_in + 1.0
    }

    /// Bytes one training run holds besides its data: parameters, gradient, best copy, the last read's copy (a
    /// diverged run's `last`) and two optimiser moments (f32); with the GEMM kernel the activations and deltas of
    /// one batch (the last layer's deltas are written over its activations: that layer is counted twice, which
    /// covers the packed copies of the operands `ndarray`'s products make, 69 KB at `N = 2,000`, `d = 5`, `L = 64`)
    /// and its outputs, with the fused kernel ([`TrainConfig::kernel_for`]) one row's
    /// activations and deltas; with minibatches also the permutation of the `n` rows and the batch's copy of its
    /// rows and labels. (Until pass 56 every run was counted with the GEMM kernel's batch buffers: a fused run on
    /// 2,000 points 200 times what it holds, `rust/tests/bytes_measured.rs`; and the GEMM kernel held the fused
    /// kernel's two rows besides, uncounted: batches of one row through 1,000 units held more than counted. Until pass
    /// 65 the GEMM kernel was counted with three buffers of activations a batch, when it held two.)
    pub fn run_bytes(&self, n: usize, d: usize) -> f64 {
        let params = self.params(d);
        let rows = self.batch_size.map_or(n, |b| b.min(n)) as f64;
        let units: f64 = self.hidden.iter().map(|&w| w as f64).sum();
        let minibatch = if rows < n as f64 { 8.0 * n as f64 + rows * (4.0 * d as f64 + 1.0) } else { 0.0 };
        let batch = match self.kernel_for(d) {
            Kernel::Fused => 2.0 * units,
            _ => 2.0 * rows * units + rows,
        };
        4.0 * (6.0 * params + batch) + minibatch
    }

    /// The kernel a run on `d` inputs trains with: [`Kernel::Auto`] is the fused kernel for one hidden layer of at
    /// least 16 units on at most 3 inputs within [`FUSED_MAX_PARAMS`] (where it measured faster than two GEMMs per
    /// step), the GEMM kernel otherwise.
    pub fn kernel_for(&self, d: usize) -> Kernel {
        let width = self.hidden.last().copied().unwrap_or(0);
        let one = self.hidden.len() == 1 && d.saturating_mul(width) <= FUSED_MAX_PARAMS;
        match self.kernel {
            Kernel::Auto if one && d <= 3 && width >= 16 => Kernel::Fused,
            Kernel::Auto => Kernel::Gemm,
            k => k,
        }
    }

    /// Check the configuration for inputs of dimension `d` and `n` points.
    pub fn validate(&self, n: usize, d: usize) -> CoreResult<()> {
        if n == 0 {
            return invalid("X must have at least one row");
        }
        if d == 0 {
            return invalid("X must have at least one column (d >= 1)");
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return invalid(format!("hidden sizes must all be >= 1, got {:?}", self.hidden));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return invalid(format!("lr must be > 0 and finite, got {}", self.lr));
        }
        // the steps are taken in f32: a rate below its smallest normal number loses its digits, and 1e-320 is 0 (a
        // review: such a run was accepted and did not train)
        if (self.lr as f32) < f32::MIN_POSITIVE {
            return invalid(format!(
                "lr must be >= {:e} (float32's smallest normal number: the trainer computes in float32), got {:e}",
                f32::MIN_POSITIVE,
                self.lr
            ));
        }
        if let Schedule::Cosine { lr_min } = self.schedule {
            if !(lr_min.is_finite() && lr_min >= 0.0 && lr_min <= self.lr) {
                return invalid(format!("lr_min must be in [0, lr], got {lr_min}"));
            }
        }
        if self.steps == 0 {
            return invalid("steps must be >= 1");
        }
        if self.record_every == 0 {
            return invalid("record_every must be >= 1");
        }
        if self.kernel == Kernel::Fused && self.hidden.len() != 1 {
            return invalid("the fused kernel trains one hidden layer only");
        }
        if let Some(b) = self.batch_size {
            if b == 0 {
                return invalid("batch_size must be >= 1");
            }
        }
        if let Activation::LeakyRelu(s) = self.activation {
            if !(s.is_finite() && s >= 0.0) {
                return invalid(format!("slope must be >= 0 and finite, got {s}"));
            }
        }
        match self.optimizer {
            Optimizer::Adam { beta1, beta2, eps } => {
                if !(0.0..1.0).contains(&beta1) || !(0.0..1.0).contains(&beta2) {
                    return invalid(format!("betas must be in [0, 1), got ({beta1}, {beta2})"));
                }
                if !(eps.is_finite() && eps > 0.0) {
                    return invalid(format!("eps must be > 0, got {eps}"));
                }
                float32("eps", eps)?;
            }
            Optimizer::Sgd { momentum } => {
                if !(0.0..1.0).contains(&momentum) {
                    return invalid(format!("momentum must be in [0, 1), got {momentum}"));
                }
            }
        }
        if let Some(v) = self.fixed_output {
            if !(v.is_finite() && v > 0.0) {
                return invalid(format!("output_scale must be > 0 and finite, got {v}"));
            }
        }
        let rows = self.batch_size.map_or(n, |b| b.min(n));
        let widest = self.hidden.iter().copied().max().unwrap_or(1);
        if rows.checked_mul(widest).is_none_or(|e| e > MAX_ACTIVATIONS) {
            return Err(CoreError::TooLarge(format!(
                "a batch of {rows} rows x {widest} hidden units exceeds the limit of {MAX_ACTIVATIONS} activations; \
                 use batch_size"
            )));
        }
        let params = self.params(d);
        let what = format!("a network d={d} -> {:?} -> 1", self.hidden);
        limits::check_params(&what, params)?;
        limits::check_bytes(&format!("training {what}"), self.run_bytes(n, d))?;
        limits::check_work(
            &format!("training {what} for {} steps on {rows}-row batches", self.steps),
            self.work(n, d),
            None,
        )?;
        Ok(())
    }

    /// The steps (`max_work`'s) [`TrainConfig::validate`] and [`check_protocol`] count for one run on `n` points in
    /// `d` dimensions: three passes over a batch a step (forward, backward, update), and with minibatches a forward
    /// pass over all `n` rows every `record_every`-th step and at the last (a full batch's read is its own step's
    /// pass), times the parameters, plus a fixed overhead a step. (Until the forty-seventh pass on issue 11
    /// `check_protocol` counted by a formula of its own, three passes for each read: about 5% more for a full batch,
    /// so that near `max_work` `train` accepted what `real_accuracy` refused.)
    pub fn work(&self, n: usize, d: usize) -> f64 {
        self.work_observed(n, d, 0)
    }

    /// [`TrainConfig::work`] of a run that also hands a snapshot to its observer every `every` steps (0: none): with
    /// minibatches a snapshot's step not otherwise read makes a forward pass over all `n` rows too
    /// ([`TrainConfig::reads`]). (Until pass 55 `work` counted `steps / record_every + 1` reads, one short when
    /// `steps % record_every` is 2 or more, and [`check_snapshots`] counted no snapshot's pass: batches of one row
    /// with `snapshot_every=1` read the data about `record_every` times as often as counted.)
    pub fn work_observed(&self, n: usize, d: usize, every: usize) -> f64 {
        let rows = self.batch_size.map_or(n, |b| b.min(n));
        let params = self.params(d);
        let evaluations = if rows < n { self.reads(every) as f64 } else { 0.0 };
        self.steps as f64 * (3.0 * rows as f64 * params + STEP_OVERHEAD) + evaluations * n as f64 * params
    }

    /// The steps `t` of a run at which it reads all its points: `t % record_every == 0`, `t % every == 0` (a
    /// snapshot's step; none for `every = 0`) or the last step.
    pub fn reads(&self, every: usize) -> usize {
        let Some(last) = self.steps.checked_sub(1) else { return 0 };
        let record = self.record_every.max(1);
        // the multiples of k in 0..=last
        let multiples = |k: usize| last / k + 1;
        let mut count = multiples(record);
        if every > 0 {
            let g = num_integer::Integer::gcd(&record, &every);
            // the steps both read count once; past usize the least common multiple exceeds `last`: only step 0
            count += multiples(every) - (record / g).checked_mul(every).map_or(1, multiples);
        }
        count + usize::from(last % record != 0 && (every == 0 || last % every != 0))
    }

    /// Bytes of what one finished run keeps besides its data and runs at a time: its two networks (the best and the
    /// last, `f32`, with their arrays' overhead) and its history, a step, a loss and an accuracy a read (every
    /// `record_every`-th step and the last), held once in the run (24 bytes, and as much again as its vectors grow
    /// by doubling) and once in the `(restarts, reads)` arrays returned (16). (Until pass 56 the run's vectors
    /// were counted without their growth: 16,400 reads held 789 KB where 658 KB were counted,
    /// `rust/tests/bytes_measured.rs`.)
    pub fn result_bytes(&self, d: usize) -> f64 {
        let networks = 2.0 * (4.0 * self.params(d) + 64.0 + 160.0 * (self.hidden.len() as f64 + 1.0));
        let reads = (self.steps / self.record_every.max(1) + 2) as f64;
        networks + reads * (2.0 * 24.0 + 16.0) + 256.0
    }
}

/// Where each tensor lives in the flat parameter vector: for every hidden
/// layer `W (fan_in, width)` then `b (width,)`, then the output weights
/// `(width_last,)` and the output bias.
#[derive(Clone, Debug)]
struct Layout {
    dims: Vec<usize>,
    offs: Vec<usize>,
    out_w: usize,
    total: usize,
}

impl Layout {
    fn new(d: usize, hidden: &[usize]) -> Self {
        let mut dims = vec![d];
        dims.extend_from_slice(hidden);
        let mut offs = Vec::with_capacity(hidden.len());
        let mut at = 0;
        for l in 0..hidden.len() {
            offs.push(at);
            at += dims[l] * dims[l + 1] + dims[l + 1];
        }
        let out_w = at;
        let total = at + dims[hidden.len()] + 1;
        Layout { dims, offs, out_w, total }
    }
    fn n_layers(&self) -> usize {
        self.offs.len()
    }
    fn last_width(&self) -> usize {
        self.dims[self.n_layers()]
    }
    fn w_range(&self, l: usize) -> (usize, usize) {
        (self.offs[l], self.offs[l] + self.dims[l] * self.dims[l + 1])
    }
    fn b_range(&self, l: usize) -> (usize, usize) {
        let e = self.offs[l] + self.dims[l] * self.dims[l + 1];
        (e, e + self.dims[l + 1])
    }
    fn w<'a>(&self, p: &'a [f32], l: usize) -> ArrayView2<'a, f32> {
        let (a, b) = self.w_range(l);
        ArrayView2::from_shape((self.dims[l], self.dims[l + 1]), &p[a..b]).expect("layout")
    }
    fn b<'a>(&self, p: &'a [f32], l: usize) -> &'a [f32] {
        let (a, b) = self.b_range(l);
        &p[a..b]
    }
    fn w_mut<'a>(&self, p: &'a mut [f32], l: usize) -> ArrayViewMut2<'a, f32> {
        let (a, b) = self.w_range(l);
        ArrayViewMut2::from_shape((self.dims[l], self.dims[l + 1]), &mut p[a..b]).expect("layout")
    }
    fn out_w<'a>(&self, p: &'a [f32]) -> &'a [f32] {
        &p[self.out_w..self.total - 1]
    }
    fn out_b(&self, p: &[f32]) -> f32 {
        p[self.total - 1]
    }
}

/// A trained network (weights in `f32`, `W` of shape `(fan_in, width)`).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub layers: Vec<(Array2<f32>, Array1<f32>)>,
    pub w_out: Array1<f32>,
    pub b_out: f32,
}

impl Network {
    fn from_flat(layout: &Layout, p: &[f32]) -> Self {
        let layers = (0..layout.n_layers())
            .map(|l| (layout.w(p, l).to_owned(), Array1::from(layout.b(p, l).to_vec())))
            .collect();
        Network { layers, w_out: Array1::from(layout.out_w(p).to_vec()), b_out: layout.out_b(p) }
    }

    fn to_flat(&self) -> (Layout, Vec<f32>) {
        let d = self.layers[0].0.nrows();
        let hidden: Vec<usize> = self.layers.iter().map(|(w, _)| w.ncols()).collect();
        let layout = Layout::new(d, &hidden);
        let mut p = Vec::with_capacity(layout.total);
        for (w, b) in &self.layers {
            p.extend(w.iter().copied());
            p.extend(b.iter().copied());
        }
        p.extend(self.w_out.iter().copied());
        p.push(self.b_out);
        (layout, p)
    }

    /// Logits of the rows of `x` under `activation`.
    pub fn logits(&self, x: ArrayView2<f32>, activation: Activation) -> Vec<f32> {
        let (layout, p) = self.to_flat();
        let mut ws = Workspace::forward_only(x.nrows(), &layout);
        let mut z = vec![0f32; x.nrows()];
        forward::<false>(&layout, &p, x, activation, &mut ws, x.nrows(), &mut z);
        z
    }
}

/// Scratch buffers of one run: a batch's activations of each hidden layer, and the deltas of each but the last: the last layer's delta is
/// written over its activations, which nothing reads after the output layer's backward pass ([`out_rows`]). (Until
/// pass 65 it had a buffer of its own: a two-layer network held its activations twice, 2.4 GB at `N = 300`,
/// `L = 10^6`, whose release after a Ctrl-C took a sixth of a second of CPU time.)
struct Workspace {
    acts: Vec<Array2<f32>>,
    deltas: Vec<Array2<f32>>,
}

impl Workspace {
    fn new(rows: usize, layout: &Layout) -> Self {
        let deltas = (0..layout.n_layers() - 1).map(|l| Array2::zeros((rows, layout.dims[l + 1]))).collect();
        Workspace { deltas, ..Workspace::forward_only(rows, layout) }
    }

    /// The activations only, for a forward pass ([`Network::logits`]).
    fn forward_only(rows: usize, layout: &Layout) -> Self {
        let acts = (0..layout.n_layers()).map(|l| Array2::zeros((rows, layout.dims[l + 1]))).collect();
        Workspace { acts, deltas: Vec::new() }
    }
}

/// Largest number of multiply-adds of one piece of a layer product: about 10 ms of one core.
const PIECE: usize = limits::UNIT_WORK;

/// What reading or writing one entry of a product's operands or result costs: four times
/// [`limits::ENTRY_WORK`]. A product of a short inner dimension (`d = 1`: one multiply-add an entry of its result)
/// through `general_mat_mul` writes an entry in far more time than the multiply-adds a unit of work is sized by:
/// at `limits::ENTRY_WORK` a piece of `X @ W` for 300 points through 10^6 units wrote 63 rows (252 MB) with no check,
/// and a Ctrl-C took 0.07-0.37 s of one thread's CPU (11 runs, 2 loaded cores; 0.28-0.39 in 3 of 20 in an audit),
/// up to 0.23 s of it computing. At four times, 0.05-0.09 s (8 runs), and the same steps cost no more (six steps
/// 8.7-9.2 s of CPU, against 8.8-10.3; both in the sixty-sixth pass on issue 11).
const ENTRY_WORK: usize = 4 * limits::ENTRY_WORK;

/// `c = a @ b`, in pieces of at most `piece` steps (multiply-adds, and [`ENTRY_WORK`] for each entry of `c` and of
/// the operand that is sliced) along `c`'s rows (`by_cols` false) or columns, checking for Ctrl-C
/// ([`limits::check`]) between pieces;
/// `false` when interrupted (`c` is then partly written). The pieces split no sum: each entry of `c` is the same
/// dot product over the same `k` as in one product, so the result is the same bit for bit (tested).
fn mat_mul_pieces(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    by_cols: bool,
    piece: usize,
) -> bool {
    let (m, k) = a.dim();
    let n = b.ncols();
    let (len, other) = if by_cols { (n, m) } else { (m, n) };
    // one row (or column) of the piece: its entries of c, and its k entries of the sliced operand
    let item = other.saturating_mul(k + ENTRY_WORK).saturating_add(k.saturating_mul(ENTRY_WORK));
    if len.saturating_mul(item) <= piece {
        general_mat_mul(1.0, &a, &b, 0.0, &mut c);
        return true;
    }
    let step = limits::items_per(piece, item);
    for lo in (0..len).step_by(step) {
        if limits::check().is_err() {
            return false;
        }
        let hi = (lo + step).min(len);
        if by_cols {
            general_mat_mul(1.0, &a, &b.slice(s![.., lo..hi]), 0.0, &mut c.slice_mut(s![.., lo..hi]));
        } else {
            general_mat_mul(1.0, &a.slice(s![lo..hi, ..]), &b, 0.0, &mut c.slice_mut(s![lo..hi, ..]));
        }
    }
    true
}

/// Forward pass of the first `rows` rows of the workspace; logits into `z[..rows]`; `false` when
/// interrupted.
#[inline(always)]
fn forward<const FMA: bool>(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    act: Activation,
    ws: &mut Workspace,
    rows: usize,
    z: &mut [f32],
) -> bool {
    let k = layout.n_layers();
    for l in 0..k {
        let (done, rest) = ws.acts.split_at_mut(l);
        let input = if l == 0 { x } else { done[l - 1].slice(s![..rows, ..]) };
        let mut a = rest[0].slice_mut(s![..rows, ..]);
        if !mat_mul_pieces(input, layout.w(p, l), a.view_mut(), false, PIECE) {
            return false;
        }
        let b = layout.b(p, l);
        // The row passes over a wide layer are checked too: at N = 300 and L = 10^6 (1.2 GB of activations) the
        // passes between two products took 0.9-2.9 s, an audit found.
        let every = limits::items_per(limits::CHECK_WORK, b.len());
        for (i, mut row) in a.rows_mut().into_iter().enumerate() {
            if i % every == every - 1 && limits::check().is_err() {
                return false;
            }
            act.bias_activate(row.as_slice_mut().expect("contiguous"), b);
        }
    }
    let w_out = layout.out_w(p);
    let b_out = layout.out_b(p);
    let last = ws.acts[k - 1].slice(s![..rows, ..]);
    let every = limits::items_per(limits::CHECK_WORK, w_out.len());
    for (i, (zi, row)) in z[..rows].iter_mut().zip(last.rows()).enumerate() {
        if i % every == every - 1 && limits::check().is_err() {
            return false;
        }
        *zi = dot8::<FMA>(row.to_slice().expect("contiguous"), w_out) + b_out;
    }
    true
}

/// Loss sum, number of correct signs, and whether every logit is finite.
#[inline(always)]
fn score(loss: Loss, z: &[f32], y: &[u8], want_loss: bool) -> (f64, usize, bool) {
    let mut correct = 0usize;
    let mut finite = true;
    let mut total = 0.0;
    for (&zi, &yi) in z.iter().zip(y) {
        finite &= zi.is_finite();
        correct += ((zi > 0.0) == (yi == 1)) as usize;
        if want_loss {
            total += loss.value(zi, yi);
        }
    }
    (total, correct, finite)
}

/// Output-layer backward over the rows: `gw += g_i a_i`, `delta_i = g_i w_out f'(a_i)`, written over `a_i` (each
/// entry read before it is written); returns `sum g_i`, or `None` when interrupted (checked every
/// [`limits::CHECK_WORK`] multiply-adds or so).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn out_rows<D: Fn(f32) -> f32>(
    mut a: ArrayViewMut2<f32>,
    z: &[f32],
    y: &[u8],
    loss: Loss,
    inv: f32,
    w_out: &[f32],
    gw: &mut [f32],
    df: D,
) -> Option<f32> {
    let mut gsum = 0f32;
    let l = gw.len();
    let every = limits::items_per(limits::CHECK_WORK, 3 * l);
    for (i, mut row) in a.rows_mut().into_iter().enumerate() {
        if i % every == every - 1 && limits::check().is_err() {
            return None;
        }
        let gi = loss.grad(z[i], y[i]) * inv;
        gsum += gi;
        let row = &mut row.as_slice_mut().expect("contiguous")[..l];
        for j in 0..l {
            let aj = row[j];
            gw[j] += gi * aj;
            row[j] = gi * w_out[j] * df(aj);
        }
    }
    Some(gsum)
}

/// Gradient of the mean loss over the batch (forward must have run) into `g`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    ws: &mut Workspace,
    z: &[f32],
    g: &mut [f32],
) -> bool {
    let rows = x.nrows();
    let k = layout.n_layers();
    let inv = 1.0 / rows as f32;
    let act = cfg.activation;
    let w_out = layout.out_w(p);
    {
        let (gw, gb) = g[layout.out_w..].split_at_mut(layout.last_width());
        gw.iter_mut().for_each(|v| *v = 0.0);
        // (the last layer's delta over its activations: see Workspace)
        let a = ws.acts[k - 1].slice_mut(s![..rows, ..]);
        let (loss, w_out) = (cfg.loss, &w_out[..gw.len()]);
        let gsum = match act {
            Activation::Relu => out_rows(a, z, y, loss, inv, w_out, gw, relu_grad),
            Activation::LeakyRelu(s) => out_rows(a, z, y, loss, inv, w_out, gw, |v| if v > 0.0 { 1.0 } else { s }),
            Activation::Sigmoid => out_rows(a, z, y, loss, inv, w_out, gw, |v| v * (1.0 - v)),
            Activation::Tanh => out_rows(a, z, y, loss, inv, w_out, gw, |v| 1.0 - v * v),
        };
        let Some(gsum) = gsum else { return false };
        gb[0] = gsum;
    }
    for l in (0..k).rev() {
        let input = if l == 0 { x } else { ws.acts[l - 1].slice(s![..rows, ..]) };
        let delta = if l + 1 == k { ws.acts[l].slice(s![..rows, ..]) } else { ws.deltas[l].slice(s![..rows, ..]) };
        if !mat_mul_pieces(input.t(), delta, layout.w_mut(g, l), true, PIECE) {
            return false;
        }
        let (b0, b1) = layout.b_range(l);
        let gb = &mut g[b0..b1];
        gb.iter_mut().for_each(|v| *v = 0.0);
        let every = limits::items_per(limits::CHECK_WORK, gb.len());
        for (i, drow) in delta.rows().into_iter().enumerate() {
            if i % every == every - 1 && limits::check().is_err() {
                return false;
            }
            gb.iter_mut().zip(drow.as_slice().expect("contiguous")).for_each(|(s, &v)| *s += v);
        }
        if l > 0 {
            let (lo, hi) = ws.deltas.split_at_mut(l);
            let delta = if l + 1 == k { ws.acts[l].slice(s![..rows, ..]) } else { hi[0].slice(s![..rows, ..]) };
            let mut prev = lo[l - 1].slice_mut(s![..rows, ..]);
            if !mat_mul_pieces(delta, layout.w(p, l).t(), prev.view_mut(), false, PIECE) {
                return false;
            }
            let a = ws.acts[l - 1].slice(s![..rows, ..]);
            let every = limits::items_per(limits::CHECK_WORK, a.ncols());
            for (i, (mut drow, arow)) in prev.rows_mut().into_iter().zip(a.rows()).enumerate() {
                if i % every == every - 1 && limits::check().is_err() {
                    return false;
                }
                act.backprop(drow.as_slice_mut().expect("contiguous"), arow.as_slice().expect("contiguous"));
            }
        }
    }
    true
}

/// Largest `d * L` for which [`Kernel::Auto`] may pick the row-by-row
/// [`Kernel::Fused`] kernel (weights and their gradient stay in cache); it
/// does so for `d <= 3` and `L >= 16`, where it measured faster than two
/// GEMMs per step.
pub const FUSED_MAX_PARAMS: usize = 8192;

/// Which implementation computes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The row kernel where it measured faster (see [`FUSED_MAX_PARAMS`]), GEMM otherwise.
    Auto,
    /// Row-by-row forward + backward in one pass (one hidden layer only),
    /// vectorised over the hidden units: for small `d` and wide layers.
    Fused,
    /// `general_mat_mul` for the layer products.
    Gemm,
}

#[inline(always)]
fn fma_<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `sum a[j] b[j]` with eight partial sums (vectorisable).
#[inline(always)]
fn dot8<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let n8 = a.len() / 8 * 8;
    for (ca, cb) in a[..n8].chunks_exact(8).zip(b[..n8].chunks_exact(8)) {
        for i in 0..8 {
            acc[i] = fma_::<FMA>(ca[i], cb[i], acc[i]);
        }
    }
    let mut tail = 0f32;
    for (&u, &v) in a[n8..].iter().zip(&b[n8..]) {
        tail = fma_::<FMA>(u, v, tail);
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Forward, loss gradient and backward of a one-hidden-layer network, row by
/// row, with no `N x L` intermediate. Adds the gradient of the mean loss into
/// `g` (zeroed here) when `want_grad`. Returns `(loss sum, correct, all finite)`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fused_impl<const FMA: bool, F: Fn(f32) -> f32, D: Fn(f32) -> f32>(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    loss: Loss,
    f: F,
    df: D,
    want_loss: bool,
    g: Option<&mut [f32]>,
    h: &mut [f32],
    dh: &mut [f32],
) -> (f64, usize, bool) {
    let d = layout.dims[0];
    let l = layout.dims[1];
    let w = &p[..d * l];
    let b = &p[d * l..d * l + l];
    let w_out = &p[layout.out_w..layout.out_w + l];
    let b_out = p[layout.total - 1];
    let (h, dh) = (&mut h[..l], &mut dh[..l]);
    let inv = 1.0 / x.nrows() as f32;
    let mut g = g;
    if let Some(g) = g.as_deref_mut() {
        g.iter_mut().for_each(|v| *v = 0.0);
    }
    let (mut lsum, mut correct, mut finite) = (0.0f64, 0usize, true);
    let mut gb_out = 0f32;
    // Checks for Ctrl-C every CHECK_WORK multiply-adds or so ((0, 0, false) when interrupted: the
    // caller checks before reading it).
    let every = limits::items_per(limits::CHECK_WORK, 3 * l * x.ncols());
    for (i, xrow) in x.rows().into_iter().enumerate() {
        if i % every == every - 1 && limits::check().is_err() {
            return (0.0, 0, false);
        }
        // The pre-activations in `dh` (free until the deltas), the activations from them into `h`: applied in
        // place, ReLU's `u < 0 ? 0 : u` compiles to a masked store (only the negative lanes written), which made
        // the whole run 1.25-1.35x slower at d = 3, L = 32 and d = 2, L = 64 (pass 53, medians of interleaved
        // runs on 2 loaded cores); from one buffer to another it is one `vmaxps`, as fast as `max(0.0)` was.
        dh.copy_from_slice(b);
        for (k, &xk) in xrow.iter().enumerate() {
            let wk = &w[k * l..(k + 1) * l];
            for j in 0..l {
                dh[j] = fma_::<FMA>(xk, wk[j], dh[j]);
            }
        }
        for (a, &u) in h.iter_mut().zip(dh.iter()) {
            *a = f(u);
        }
        let z = dot8::<FMA>(h, w_out) + b_out;
        finite &= z.is_finite();
        correct += ((z > 0.0) == (y[i] == 1)) as usize;
        if want_loss {
            lsum += loss.value(z, y[i]);
        }
        if let Some(g) = g.as_deref_mut() {
            let gi = loss.grad(z, y[i]) * inv;
            gb_out += gi;
            let (gw, rest) = g.split_at_mut(d * l);
            let (gb, rest) = rest.split_at_mut(l);
            let gwo = &mut rest[..l];
            for j in 0..l {
                let a = h[j];
                gwo[j] = fma_::<FMA>(gi, a, gwo[j]);
                let v = gi * w_out[j] * df(a);
                dh[j] = v;
                gb[j] += v;
            }
            for (k, &xk) in xrow.iter().enumerate() {
                let gk = &mut gw[k * l..(k + 1) * l];
                for j in 0..l {
                    gk[j] = fma_::<FMA>(xk, dh[j], gk[j]);
                }
            }
        }
    }
    if let Some(g) = g {
        g[layout.total - 1] = gb_out;
    }
    (lsum, correct, finite)
}

#[cfg(test)]
mod fused_tests {
    //! The fused kernel (`fused_impl`, through both of its instantiations) against an independent truth: the
    //! one-hidden-layer network's logits, loss and gradient written out in float64 loops from the flat layout's
    //! documented order (`W` of shape `(d, L)` row-major, `b`, `w_out`, `b_out`), with none of the kernel's code.
    use super::*;
    use rand::SeedableRng;

    /// Logits, loss sum, correct signs and the gradient of the mean loss of `d -> L -> 1`, in float64.
    fn naive(
        d: usize,
        l: usize,
        p: &[f32],
        x: ArrayView2<f32>,
        y: &[u8],
        act: Activation,
        loss: Loss,
    ) -> (f64, usize, Vec<f64>) {
        let at = |i: usize| p[i] as f64;
        let (b0, wo0, bo) = (d * l, d * l + l, d * l + 2 * l);
        let n = x.nrows();
        let (mut total, mut correct, mut g) = (0.0, 0usize, vec![0.0; bo + 1]);
        for i in 0..n {
            let xi: Vec<f64> = (0..d).map(|k| x[[i, k]] as f64).collect();
            let mut a = vec![0.0; l];
            let mut da = vec![0.0; l];
            for j in 0..l {
                let u = at(b0 + j) + (0..d).map(|k| xi[k] * at(k * l + j)).sum::<f64>();
                let sig = 1.0 / (1.0 + (-u).exp());
                (a[j], da[j]) = match act {
                    Activation::Relu => (u.max(0.0), if u > 0.0 { 1.0 } else { 0.0 }),
                    Activation::LeakyRelu(s) => {
                        if u > 0.0 {
                            (u, 1.0)
                        } else {
                            (s as f64 * u, s as f64)
                        }
                    }
                    Activation::Sigmoid => (sig, sig * (1.0 - sig)),
                    Activation::Tanh => (u.tanh(), 1.0 / (u.cosh() * u.cosh())),
                };
            }
            let z = at(bo) + (0..l).map(|j| a[j] * at(wo0 + j)).sum::<f64>();
            let (yf, s) = (y[i] as f64, if y[i] == 1 { 1.0 } else { -1.0 });
            let (v, dz) = match loss {
                Loss::Bce => ((1.0 + z.exp()).ln() - yf * z, 1.0 / (1.0 + (-z).exp()) - yf),
                Loss::Hinge => ((1.0 - s * z).max(0.0), if s * z < 1.0 { -s } else { 0.0 }),
            };
            total += v;
            correct += usize::from((z > 0.0) == (y[i] == 1));
            let gz = dz / n as f64;
            g[bo] += gz;
            for j in 0..l {
                g[wo0 + j] += gz * a[j];
                let du = gz * at(wo0 + j) * da[j];
                g[b0 + j] += du;
                for k in 0..d {
                    g[k * l + j] += du * xi[k];
                }
            }
        }
        (total, correct, g)
    }

    /// One pass of the fused kernel, plain (`fma` false) or with fused multiply-adds; `h` and `dh` longer than
    /// `L` and full of NaN (the kernel must use their first `L` entries only, and write before it reads).
    #[allow(clippy::too_many_arguments)]
    fn pass(
        fma: bool,
        layout: &Layout,
        p: &[f32],
        x: ArrayView2<f32>,
        y: &[u8],
        loss: Loss,
        act: Activation,
        want_loss: bool,
        g: Option<&mut [f32]>,
    ) -> (f64, usize, bool) {
        let l = layout.dims[1];
        let (mut h, mut dh) = (vec![f32::NAN; l + 5], vec![f32::NAN; l + 5]);
        if fma {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports the features the function is compiled for.
                return unsafe { fused_avx2(layout, p, x, y, loss, act, want_loss, g, &mut h, &mut dh) };
            }
            fused_dispatch::<true>(layout, p, x, y, loss, act, want_loss, g, &mut h, &mut dh)
        } else {
            fused_dispatch::<false>(layout, p, x, y, loss, act, want_loss, g, &mut h, &mut dh)
        }
    }

    #[test]
    fn the_fused_kernel_matches_float64_loops_with_and_without_fma() {
        // Random weights (not the initialiser's), a nonzero output bias, widths below, at and past 8 and not a
        // multiple of it (dot8's chunks and tail), d from 1 to 4, every activation and loss; the plain
        // instantiation is the one a CPU without AVX2 + FMA runs, which no other test reaches on one that has them.
        let acts = [Activation::Relu, Activation::LeakyRelu(0.25), Activation::Sigmoid, Activation::Tanh];
        let mut rng = Pcg64Mcg::seed_from_u64(41);
        let mut cases = 0;
        for (d, l) in [(1usize, 5usize), (2, 19), (3, 8), (4, 33)] {
            let layout = Layout::new(d, &[l]);
            // the flat layout the float64 loops read
            assert_eq!((layout.out_w, layout.total), (d * l + l, d * l + 2 * l + 1));
            let n = 43;
            let x = Array2::<f32>::from_shape_fn((n, d), |_| rng.random_range(-1.5..1.5));
            let y: Vec<u8> = (0..n).map(|_| rng.random_range(0..2u8)).collect();
            for act in acts {
                for loss in [Loss::Bce, Loss::Hinge] {
                    let p: Vec<f32> = (0..layout.total).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let (loss64, correct64, g64) = naive(d, l, &p, x.view(), &y, act, loss);
                    let scale = g64.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    assert!(scale > 1e-2 && correct64 > 0 && correct64 < n, "a degenerate case");
                    for fma in [false, true] {
                        let what = format!("d={d} L={l} {act:?} {loss:?} fma={fma}");
                        let mut g = vec![f32::NAN; layout.total];
                        let (lsum, correct, finite) =
                            pass(fma, &layout, &p, x.view(), &y, loss, act, true, Some(&mut g));
                        assert!(finite, "{what}");
                        assert_eq!(correct, correct64, "{what}");
                        assert!((lsum - loss64).abs() <= 1e-5 * loss64, "{what}: loss sum {lsum} against {loss64}");
                        for (i, (a, b)) in g.iter().zip(&g64).enumerate() {
                            assert!((*a as f64 - b).abs() <= 1e-5 * scale, "{what}: g[{i}] = {a} against {b}");
                        }
                        // without the gradient: the same reads, and `want_loss` false sums no loss
                        let r = pass(fma, &layout, &p, x.view(), &y, loss, act, false, None);
                        assert_eq!(r, (0.0, correct64, true), "{what}");
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 4 * 4 * 2 * 2);
    }

    #[test]
    fn the_fused_kernel_reports_a_non_finite_logit() {
        // A weight of f32::MAX makes the pre-activation of the rows with a large first coordinate overflow to inf
        // (ReLU keeps it): their logits are inf (or NaN) and the pass must say so, whichever row it is.
        let (d, l) = (2, 9);
        let layout = Layout::new(d, &[l]);
        let mut p = vec![0.1f32; layout.total];
        p[0] = f32::MAX;
        for row in [0usize, 6, 12] {
            let mut x = Array2::<f32>::from_elem((13, d), 0.5);
            x.row_mut(row).fill(-3.0);
            x[[row, 0]] = 4.0;
            let y = vec![1u8; 13];
            for fma in [false, true] {
                let finite = pass(fma, &layout, &p, x.view(), &y, Loss::Bce, Activation::Relu, false, None).2;
                assert!(!finite, "row {row} fma={fma}");
            }
        }
    }

    #[test]
    fn a_cancelled_fused_pass_stops_and_an_uncancelled_one_runs_to_the_end() {
        // The kernel promises a check for Ctrl-C every CHECK_WORK multiply-adds or so (3 d L a row): 1000 rows of
        // d = 3 and L = 1000 are more than twice that, so a fired token must stop the pass, with (0, 0, false);
        // the same pass with no token fired must run to its end (finite logits, its true number of correct signs).
        let (n, d, l) = (1000usize, 3usize, 1000usize);
        assert!(n * 3 * d * l >= 2 * limits::CHECK_WORK);
        let layout = Layout::new(d, &[l]);
        let mut rng = Pcg64Mcg::seed_from_u64(9);
        let p: Vec<f32> = (0..layout.total).map(|_| rng.random_range(-0.05..0.05)).collect();
        let x = Array2::<f32>::from_shape_fn((n, d), |_| rng.random_range(-1.0..1.0));
        let y: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let (_, correct64, _) = naive(d, l, &p, x.view(), &y, Activation::Relu, Loss::Bce);
        for fma in [false, true] {
            let cancel = Cancel::new();
            for want_grad in [false, true] {
                let mut g = vec![0f32; layout.total];
                let g = if want_grad { Some(&mut g[..]) } else { None };
                let (lsum, correct, finite) =
                    cancel.run(|| pass(fma, &layout, &p, x.view(), &y, Loss::Bce, Activation::Relu, true, g));
                assert!(finite && correct == correct64 && lsum > 0.0, "fma={fma} grad={want_grad}: {correct}");
            }
            cancel.cancel();
            for want_grad in [false, true] {
                let mut g = vec![0f32; layout.total];
                let g = if want_grad { Some(&mut g[..]) } else { None };
                let r = cancel.run(|| pass(fma, &layout, &p, x.view(), &y, Loss::Bce, Activation::Relu, true, g));
                assert_eq!(r, (0.0, 0, false), "fma={fma} grad={want_grad}");
            }
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fused_dispatch<const FMA: bool>(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    loss: Loss,
    act: Activation,
    want_loss: bool,
    g: Option<&mut [f32]>,
    h: &mut [f32],
    dh: &mut [f32],
) -> (f64, usize, bool) {
    match act {
        Activation::Relu => fused_impl::<FMA, _, _>(layout, p, x, y, loss, relu, relu_grad, want_loss, g, h, dh),
        Activation::LeakyRelu(s) => fused_impl::<FMA, _, _>(
            layout,
            p,
            x,
            y,
            loss,
            |v| if v > 0.0 { v } else { s * v },
            |a| if a > 0.0 { 1.0 } else { s },
            want_loss,
            g,
            h,
            dh,
        ),
        Activation::Sigmoid => fused_impl::<FMA, _, _>(
            layout,
            p,
            x,
            y,
            loss,
            |v| 1.0 / (1.0 + (-v).exp()),
            |a| a * (1.0 - a),
            want_loss,
            g,
            h,
            dh,
        ),
        Activation::Tanh => {
            fused_impl::<FMA, _, _>(layout, p, x, y, loss, |v| v.tanh(), |a| 1.0 - a * a, want_loss, g, h, dh)
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn fused_avx2(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    loss: Loss,
    act: Activation,
    want_loss: bool,
    g: Option<&mut [f32]>,
    h: &mut [f32],
    dh: &mut [f32],
) -> (f64, usize, bool) {
    fused_dispatch::<true>(layout, p, x, y, loss, act, want_loss, g, h, dh)
}

/// The fused kernel, using AVX2 + FMA when the CPU has them.
#[allow(clippy::too_many_arguments)]
fn fused(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    loss: Loss,
    act: Activation,
    want_loss: bool,
    g: Option<&mut [f32]>,
    h: &mut [f32],
    dh: &mut [f32],
) -> (f64, usize, bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        return unsafe { fused_avx2(layout, p, x, y, loss, act, want_loss, g, h, dh) };
    }
    fused_dispatch::<false>(layout, p, x, y, loss, act, want_loss, g, h, dh)
}

/// The per-run buffers of whichever kernel trains the network.
struct Engine {
    kernel: Kernel,
    ws: Workspace,
    z: Vec<f32>,
    h: Vec<f32>,
    dh: Vec<f32>,
}

impl Engine {
    fn new(layout: &Layout, cfg: &TrainConfig, rows: usize) -> Self {
        let kernel = cfg.kernel_for(layout.dims[0]);
        // each kernel's buffers only ([`TrainConfig::run_bytes`] counts them so)
        let (rows, width) = if kernel == Kernel::Gemm { (rows, 0) } else { (0, layout.last_width()) };
        Engine {
            kernel,
            ws: Workspace::new(rows, layout),
            z: vec![0f32; rows],
            h: vec![0f32; width],
            dh: vec![0f32; width],
        }
    }

    /// Forward (and, with `g`, backward) pass over the rows of `x`.
    #[allow(clippy::too_many_arguments)]
    fn pass(
        &mut self,
        layout: &Layout,
        p: &[f32],
        x: ArrayView2<f32>,
        y: &[u8],
        cfg: &TrainConfig,
        want_loss: bool,
        g: Option<&mut [f32]>,
    ) -> (f64, usize, bool) {
        match self.kernel {
            Kernel::Fused => fused(layout, p, x, y, cfg.loss, cfg.activation, want_loss, g, &mut self.h, &mut self.dh),
            _ => gemm_pass(layout, p, x, y, cfg, want_loss, g, &mut self.ws, &mut self.z),
        }
    }
}

/// The GEMM kernel's pass: with `g`, forward + backward of one batch (which must
/// fit the workspace); without, forward only, in workspace-sized chunks.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gemm_impl<const FMA: bool>(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    want_loss: bool,
    g: Option<&mut [f32]>,
    ws: &mut Workspace,
    z: &mut [f32],
) -> (f64, usize, bool) {
    let cap = z.len();
    match g {
        Some(g) => {
            debug_assert!(x.nrows() <= cap);
            let rows = x.nrows();
            // (0, 0, false) when interrupted: the caller checks for Ctrl-C before reading it.
            if !forward::<FMA>(layout, p, x, cfg.activation, ws, rows, z) {
                return (0.0, 0, false);
            }
            let out = score(cfg.loss, &z[..rows], y, want_loss);
            if out.2 && !backward(layout, p, x, y, cfg, ws, &z[..rows], g) {
                return (0.0, 0, false);
            }
            out
        }
        None => {
            let (mut lsum, mut correct, mut finite) = (0.0, 0usize, true);
            let mut at = 0;
            while at < x.nrows() {
                if limits::check().is_err() {
                    return (0.0, 0, false);
                }
                let rows = cap.min(x.nrows() - at);
                if !forward::<FMA>(layout, p, x.slice(s![at..at + rows, ..]), cfg.activation, ws, rows, z) {
                    return (0.0, 0, false);
                }
                let (ls, c, f) = score(cfg.loss, &z[..rows], &y[at..at + rows], want_loss);
                lsum += ls;
                correct += c;
                finite &= f;
                at += rows;
            }
            (lsum, correct, finite)
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_avx2(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    want_loss: bool,
    g: Option<&mut [f32]>,
    ws: &mut Workspace,
    z: &mut [f32],
) -> (f64, usize, bool) {
    gemm_impl::<true>(layout, p, x, y, cfg, want_loss, g, ws, z)
}

/// The GEMM kernel, with the elementwise work compiled for AVX2 + FMA when the CPU has them.
#[allow(clippy::too_many_arguments)]
fn gemm_pass(
    layout: &Layout,
    p: &[f32],
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    want_loss: bool,
    g: Option<&mut [f32]>,
    ws: &mut Workspace,
    z: &mut [f32],
) -> (f64, usize, bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        return unsafe { gemm_avx2(layout, p, x, y, cfg, want_loss, g, ws, z) };
    }
    gemm_impl::<false>(layout, p, x, y, cfg, want_loss, g, ws, z)
}

/// `v` as the `f32` the trainer computes with; refused when a positive `v` rounds to 0 or infinity
/// there (a 1e-50 `eps` or output scale read as 0).
pub fn float32(name: &str, v: f64) -> CoreResult<f32> {
    let f = v as f32;
    if v > 0.0 && !(f > 0.0 && f.is_finite()) {
        return invalid(format!(
            "{name} must be a positive float32 (about 1.4e-45 to 3.4e38: the trainer computes in float32), got {v:e}"
        ));
    }
    Ok(f)
}

/// Optimiser state over the trainable prefix of the parameter vector.
struct OptState {
    m: Vec<f32>,
    v: Vec<f32>,
}

fn opt_step(opt: Optimizer, st: &mut OptState, p: &mut [f32], g: &[f32], lr: f64, step: usize) {
    match opt {
        Optimizer::Adam { beta1, beta2, eps } => {
            // beta^step is 0 in f64 long before step passes i32::MAX (beta < 1): saturate the exponent
            let e = step.min(i32::MAX as usize) as i32;
            let (bc1, bc2) = (1.0 - beta1.powi(e), 1.0 - beta2.powi(e));
            let step_size = (lr / bc1) as f32;
            let bc2_sqrt = bc2.sqrt() as f32;
            let (w1, b2, c2, eps) = ((1.0 - beta1) as f32, beta2 as f32, (1.0 - beta2) as f32, eps as f32);
            for (((pi, &gi), mi), vi) in p.iter_mut().zip(g).zip(st.m.iter_mut()).zip(st.v.iter_mut()) {
                *mi += (gi - *mi) * w1;
                *vi = *vi * b2 + c2 * gi * gi;
                let denom = vi.sqrt() / bc2_sqrt + eps;
                *pi -= step_size * (*mi / denom);
            }
        }
        Optimizer::Sgd { momentum } => {
            let (mu, lr) = (momentum as f32, lr as f32);
            for ((pi, &gi), bi) in p.iter_mut().zip(g).zip(st.m.iter_mut()) {
                *bi = mu * *bi + gi;
                *pi -= lr * *bi;
            }
        }
    }
}

/// Draw the initial parameters.
fn init_params(layout: &Layout, cfg: &TrainConfig, rng: &mut Pcg64Mcg) -> Vec<f32> {
    let mut p = vec![0f32; layout.total];
    for l in 0..layout.n_layers() {
        let s = (1.0 / (layout.dims[l] as f64).sqrt()) as f32;
        let (a, _) = layout.w_range(l);
        let (_, e) = layout.b_range(l);
        p[a..e].iter_mut().for_each(|v| *v = rng.random_range(-s..s));
    }
    let width = layout.last_width();
    let out = &mut p[layout.out_w..layout.out_w + width];
    match cfg.fixed_output {
        Some(v) => {
            let plus = width - width / 2;
            out.iter_mut().enumerate().for_each(|(j, w)| *w = if j < plus { v } else { -v });
        }
        None => {
            let s = (1.0 / (width as f64).sqrt()) as f32;
            out.iter_mut().for_each(|w| *w = rng.random_range(-s..s));
        }
    }
    p[layout.total - 1] = 0.0;
    p
}

/// What one training run produced.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Parameters at the recorded step with the highest accuracy (first such step).
    pub best: Network,
    /// Parameters after the last optimiser step; for a diverged run, those of its last read.
    pub last: Network,
    /// The best accuracy read (before a divergence), the accuracy of `best`.
    pub best_accuracy: f64,
    pub best_step: usize,
    /// Accuracy read at the last recorded step.
    pub final_accuracy: f64,
    pub history_steps: Vec<usize>,
    /// Mean loss over all `N` points at each recorded step.
    pub loss_history: Vec<f64>,
    pub accuracy_history: Vec<f64>,
    /// The step at which the run met a non-finite number and stopped (see [`train_run`]); `None` if it did not.
    pub diverged_at: Option<usize>,
    /// For a run that diverged before its last read: what each of its remaining reads counts as, the accuracy of a
    /// network whose parameters are NaN (every logit NaN, every point class 0: the fraction of label-0 points).
    pub after_divergence: Option<f64>,
}

impl RunResult {
    /// The run's accuracy as the protocol counts it: the best of its reads, those a divergence left included
    /// (`after_divergence`).
    pub fn protocol_accuracy(&self) -> f64 {
        self.after_divergence.map_or(self.best_accuracy, |a| self.best_accuracy.max(a))
    }
}

/// Train one network on `(x, y)` from the initial parameters drawn from `rng`, then its minibatches
/// ([`minibatch_rows`]).
///
/// Divergence: the run stops at the first step whose forward pass (the batch's, or the read on all points) gives a
/// non-finite logit, or whose read finds a non-finite parameter; that step is `diverged_at` (`steps` when only the
/// last update left non-finite parameters). Its reads before that step count as usual and `last` is the network of
/// the latest of them. PyTorch's run would go on: once a NaN reaches the gradient, Adam's or SGD's update makes
/// every parameter NaN, every logit is then NaN and a NaN logit is not `> 0`. So each read left (the step's own if
/// its pass found the non-finite logit, and every later one) counts as the accuracy of predicting class 0
/// everywhere (`after_divergence`; [`RunResult::protocol_accuracy`]). The way into that state (an infinite but not
/// yet NaN logit still classifies) is not modelled.
/// A run whose very first read is not finite (inputs beyond float32's range for the initial network) is an error.
///
/// ```
/// use _core::rng::stream;
/// use _core::training::{train_run, TrainConfig};
/// use ndarray::array;
/// // Any labelling of 3 points in general position in R^2 is linearly separable, so a ReLU network fits it; the
/// // best network's accuracy is checked with a forward pass written out here.
/// let x = array![[0.9f32, 0.1], [-0.4, 0.7], [0.2, -0.8]];
/// let y = [1u8, 0, 1];
/// let cfg = TrainConfig { steps: 200, ..TrainConfig::reference(4) };
/// let run = train_run(x.view(), &y, &cfg, &mut stream(0, 0, 0))?;
/// assert_eq!(run.best_accuracy, 1.0);
/// let (w, b) = &run.best.layers[0];
/// for (row, &label) in x.rows().into_iter().zip(&y) {
///     let h = (row.dot(w) + b).mapv(|z| z.max(0.0));
///     let logit = h.dot(&run.best.w_out) + run.best.b_out;
///     assert_eq!(logit > 0.0, label == 1);
/// }
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn train_run(x: ArrayView2<f32>, y: &[u8], cfg: &TrainConfig, rng: &mut Pcg64Mcg) -> CoreResult<RunResult> {
    train_run_full(x, y, cfg, rng, 0, &mut |_| Ok(()), &Cancel::current(), None)
}

/// The parameters of a run at one step, with the accuracy and mean loss of that step's forward pass.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub step: usize,
    pub network: Network,
    pub accuracy: f64,
    pub loss: f64,
}

/// [`train_run`] that also hands a [`Snapshot`] to `observe` at every step `t` with
/// `t % every == 0` and at the last step (`every = 0`: never). The snapshot holds the
/// parameters the step's forward pass used (before its update). An error returned by
/// `observe` ends the run and is returned. The run is otherwise identical to [`train_run`].
pub fn train_run_observed(
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    rng: &mut Pcg64Mcg,
    every: usize,
    observe: &mut dyn FnMut(Snapshot) -> CoreResult<()>,
) -> CoreResult<RunResult> {
    train_run_full(x, y, cfg, rng, every, observe, &Cancel::current(), None)
}

/// [`train_run_observed`] that also adds the steps it completes to `done` (see [`train_restarts_counting`]): at
/// each read and each snapshot, and when the run ends; a run that returns has added exactly `cfg.steps`.
pub fn train_run_counting(
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    rng: &mut Pcg64Mcg,
    every: usize,
    observe: &mut dyn FnMut(Snapshot) -> CoreResult<()>,
    done: &AtomicU64,
) -> CoreResult<RunResult> {
    train_run_full(x, y, cfg, rng, every, observe, &Cancel::current(), Some(done))
}

/// The one training loop: snapshots to `observe` every `every` steps, stops once `cancel` fires
/// (between steps, and inside a step between the pieces of its layer products), and adds the steps it completes
/// to `done` if given: at the end of each step that reads or snapshots, never inside one (the reads are a pass
/// over all the points, so the atomic add is no cost beside them), and the steps a divergence or `stop_at_perfect`
/// left once the loop ends, so that a finished run adds exactly `cfg.steps`. It only counts: the arithmetic is the
/// same with `done` or without.
#[allow(clippy::too_many_arguments)]
fn train_run_full(
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    rng: &mut Pcg64Mcg,
    every: usize,
    observe: &mut dyn FnMut(Snapshot) -> CoreResult<()>,
    cancel: &Cancel,
    done: Option<&AtomicU64>,
) -> CoreResult<RunResult> {
    // Installed on this thread for the products' checks (`mat_mul_pieces`).
    let _installed = cancel.install();
    let (n, d) = x.dim();
    cfg.validate(n, d)?;
    if y.len() != n {
        return invalid(format!("y must have one label per row of X ({n}), got {}", y.len()));
    }
    let layout = Layout::new(d, &cfg.hidden);
    let mut p = init_params(&layout, cfg, rng);
    let trainable = if cfg.fixed_output.is_some() { layout.out_w } else { layout.total };
    let mut g = vec![0f32; layout.total];
    let mut st = OptState { m: vec![0f32; trainable], v: vec![0f32; trainable] };
    let bsz = cfg.batch_size.map_or(n, |b| b.min(n));
    let full = bsz == n;
    let mut eng = Engine::new(&layout, cfg, bsz);
    let mut xb = Array2::<f32>::zeros((if full { 0 } else { bsz }, d));
    let mut yb = vec![0u8; if full { 0 } else { bsz }];
    let mut order = if full { None } else { Some(BatchOrder::new(n, bsz)?) };

    let mut best_p = p.clone();
    // The parameters of the latest read: a diverged run's `last`.
    let mut read_p = p.clone();
    let (mut best_acc, mut best_step) = (-1.0f64, 0usize);
    let mut hist_t = Vec::new();
    let mut hist_loss = Vec::new();
    let mut hist_acc = Vec::new();
    // (step, whether reads were left): where the run met a non-finite number and stopped.
    let mut stopped: Option<(usize, bool)> = None;
    // The steps added to `done` so far.
    let mut counted = 0usize;
    let mut count = |upto: usize| {
        if let Some(done) = done {
            done.fetch_add((upto - counted) as u64, Ordering::Relaxed);
        }
        counted = upto;
    };

    for t in 0..cfg.steps {
        cancel.check()?;
        let record = t % cfg.record_every == 0 || t + 1 == cfg.steps;
        let snap = every > 0 && (t % every == 0 || t + 1 == cfg.steps);
        let mut seen = (0.0, 0.0);
        // The read on all n points: the full batch's own pass (with its gradient), or a forward pass of its own.
        if full || record || snap {
            let grad = if full { Some(&mut g[..]) } else { None };
            let (lsum, correct, finite) = eng.pass(&layout, &p, x, y, cfg, record || snap, grad);
            cancel.check()?;
            // A non-finite parameter almost always shows in the logits; checked here too (every read, not every
            // step), so that a network read is a finite network.
            if !finite || ((record || snap) && p.iter().any(|v| !v.is_finite())) {
                stopped = Some((t, true));
                break;
            }
            seen = (lsum / n as f64, correct as f64 / n as f64);
        }
        if snap {
            observe(Snapshot { step: t, network: Network::from_flat(&layout, &p), accuracy: seen.1, loss: seen.0 })?;
        }
        if record {
            hist_t.push(t);
            hist_loss.push(seen.0);
            hist_acc.push(seen.1);
            read_p.copy_from_slice(&p);
            if seen.1 > best_acc {
                best_acc = seen.1;
                best_step = t;
                best_p.copy_from_slice(&p);
            }
            if cfg.stop_at_perfect && seen.1 >= 1.0 {
                break;
            }
        }
        if let Some(order) = order.as_mut() {
            for (r, &i) in order.next_batch(rng).iter().enumerate() {
                xb.row_mut(r).assign(&x.row(i));
                yb[r] = y[i];
            }
            let (_, _, finite) = eng.pass(&layout, &p, xb.view(), &yb, cfg, false, Some(&mut g));
            cancel.check()?;
            if !finite {
                // this step's read (if any) is done; the later ones are left
                stopped = Some((t, t + 1 < cfg.steps));
                break;
            }
        }
        let lr = cfg.schedule.lr(cfg.lr, t, cfg.steps);
        opt_step(cfg.optimizer, &mut st, &mut p[..trainable], &g[..trainable], lr, t + 1);
        if record || snap {
            count(t + 1);
        }
    }
    count(cfg.steps);
    if stopped.is_none() && p.iter().any(|v| !v.is_finite()) {
        // only the last update left the parameters non-finite: every read was made
        stopped = Some((cfg.steps, false));
    }
    let (Some(&final_accuracy), Some(&last_read)) = (hist_acc.last(), hist_t.last()) else {
        let t = stopped.map_or(0, |s| s.0);
        return Err(CoreError::Numerical(format!(
            "training diverged at step {t}, before its first read: the initial network's logits are not finite \
             (X is too large for float32 training: rescale it)"
        )));
    };
    debug_assert!(stopped.is_none_or(|(t, _)| last_read <= t));
    let zeros = y.iter().filter(|&&v| v == 0).count() as f64 / n as f64;
    Ok(RunResult {
        best: Network::from_flat(&layout, &best_p),
        last: Network::from_flat(&layout, if stopped.is_some() { &read_p } else { &p }),
        best_accuracy: best_acc,
        best_step,
        final_accuracy,
        history_steps: hist_t,
        loss_history: hist_loss,
        accuracy_history: hist_acc,
        diverged_at: stopped.map(|s| s.0),
        after_divergence: stopped.filter(|s| s.1).map(|_| zeros),
    })
}

/// The rows of a run's minibatches, step after step: the next `bsz` entries of a random permutation of the `n`
/// rows, and a fresh permutation (a Fisher-Yates shuffle of the previous one, drawn from the run's stream) when
/// fewer than `bsz` entries are left. Every epoch is thus a new uniform permutation of which the first
/// `n - n % bsz` rows are used, in batches of `bsz`, and the last `n % bsz` dropped (PyTorch's
/// `DataLoader(shuffle=True, drop_last=True)`). The trainer draws its batches from this.
#[derive(Clone, Debug)]
pub struct BatchOrder {
    perm: Vec<usize>,
    cursor: usize,
    bsz: usize,
}

impl BatchOrder {
    /// Batches of `bsz` of the rows `0..n`; an error unless `1 <= bsz <= n` (the trainer trains `bsz >= n` as
    /// the full batch and draws no permutation).
    pub fn new(n: usize, bsz: usize) -> CoreResult<Self> {
        if !(1..=n).contains(&bsz) {
            return invalid(format!("batch_size must be in 1..={n} (the rows), got {bsz}"));
        }
        Ok(BatchOrder { perm: (0..n).collect(), cursor: n, bsz })
    }

    /// The rows of the next step's batch.
    pub fn next_batch(&mut self, rng: &mut Pcg64Mcg) -> &[usize] {
        let n = self.perm.len();
        if self.cursor + self.bsz > n {
            for i in (1..n).rev() {
                let j = rng.random_range(0..=i);
                self.perm.swap(i, j);
            }
            self.cursor = 0;
        }
        self.cursor += self.bsz;
        &self.perm[self.cursor - self.bsz..self.cursor]
    }
}

/// The rows of the batches of the first `steps` steps of a run on `n` rows with `batch_size` (`None` or `>= n`:
/// the full batch, rows `0..n` every step, no draws), drawn from `rng` as the trainer draws them after the
/// initial parameters: [`train_run`] with a stream `s` trains on `minibatch_rows(n, b, steps, s')` where `s'` is
/// `s` after the initialisation. An error for `n = 0`, `batch_size = Some(0)` ([`BatchOrder::new`]), or more rows
/// in all than `max_bytes` holds (8 bytes a row index), checked before anything is allocated.
pub fn minibatch_rows(
    n: usize,
    batch_size: Option<usize>,
    steps: usize,
    rng: &mut Pcg64Mcg,
) -> CoreResult<Vec<Vec<usize>>> {
    if n == 0 {
        return invalid("n must be >= 1");
    }
    let bsz = batch_size.map_or(n, |b| b.min(n));
    limits::check_bytes(&format!("{steps} batches of {bsz} row indices"), 8.0 * steps as f64 * bsz as f64)?;
    if bsz == n {
        return Ok(vec![(0..n).collect(); steps]);
    }
    let mut order = BatchOrder::new(n, bsz)?;
    Ok((0..steps).map(|_| order.next_batch(rng).to_vec()).collect())
}

/// Train `restarts` runs on one dataset in parallel; run `r` draws from
/// stream `(seed, dataset, r)`. Results in restart order.
pub fn train_restarts(
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    seed: u64,
    dataset: u64,
    restarts: usize,
) -> CoreResult<Vec<RunResult>> {
    let runs = train_restarts_counting(x, y, cfg, seed, dataset, restarts, 0, &AtomicU64::new(0))?;
    Ok(runs.into_iter().map(|(run, _)| run).collect())
}

/// What [`train_restarts`] checks beyond the one run [`TrainConfig::validate`] counts: the memory of as many runs
/// at a time as the pool has threads and of every restart's result ([`restarts_bytes`]) against `max_bytes`, and
/// the steps of all `restarts` runs against `max_work` (an audit found one run's checked: 100 restarts of a run
/// at the limit were accepted, and 2^20 restarts, 10 GB of results uncounted, trained for 1,000 s).
pub fn check_restarts(cfg: &TrainConfig, n: usize, d: usize, restarts: usize) -> CoreResult<()> {
    check_runs(cfg, n, d, restarts, 0)
}

/// [`check_restarts`] of runs that hand a snapshot every `every` steps (0: none): their work is
/// [`TrainConfig::work_observed`]'s.
fn check_runs(cfg: &TrainConfig, n: usize, d: usize, restarts: usize, every: usize) -> CoreResult<()> {
    let running = restarts.min(rayon::current_num_threads()).max(1);
    let net = format!("a network d={d} -> {:?} -> 1", cfg.hidden);
    limits::check_bytes(
        &format!("training {restarts} restarts of {net}, {running} at a time (restarts, threads)"),
        restarts_bytes(cfg, n, d, restarts),
    )?;
    let snapshots = if every > 0 { format!(", a snapshot every {every} (snapshot_every)") } else { String::new() };
    limits::check_work(
        &format!("training {restarts} restarts of {net} for {} steps{snapshots}", cfg.steps),
        restarts as f64 * cfg.work_observed(n, d, every),
        None,
    )
}

/// The bytes [`check_restarts`] counts: `min(restarts, threads)` runs at a time ([`TrainConfig::run_bytes`]) and
/// every restart's result ([`TrainConfig::result_bytes`]: its networks and history).
pub fn restarts_bytes(cfg: &TrainConfig, n: usize, d: usize, restarts: usize) -> f64 {
    let running = restarts.min(rayon::current_num_threads()).max(1);
    running as f64 * cfg.run_bytes(n, d) + restarts as f64 * cfg.result_bytes(d)
}

impl TrainConfig {
    /// How many snapshots one run of `steps` hands to its observer every `every` steps: at `t % every == 0` and
    /// at the last step (0 for `every = 0`).
    pub fn snapshots(&self, every: usize) -> usize {
        if every == 0 || self.steps == 0 {
            return 0;
        }
        let last = self.steps - 1;
        last / every + 1 + usize::from(last % every != 0)
    }

    /// Bytes of the snapshots of `restarts` runs on `d` inputs kept every `every` steps, as `train` keeps them:
    /// every run's, 4 bytes a parameter (f32) and the network's arrays (about 64 + 160 bytes a layer, twice for the
    /// vector's growth), and the best run's again as the arrays returned (8 bytes a parameter, and its step,
    /// accuracy, loss and output bias).
    pub fn snapshot_bytes(&self, d: usize, every: usize, restarts: usize) -> f64 {
        let (count, params) = (self.snapshots(every) as f64, self.params(d));
        let network = 2.0 * (64.0 + 160.0 * (self.hidden.len() as f64 + 1.0));
        restarts as f64 * count * (4.0 * params + network) + count * (8.0 * params + 32.0)
    }
}

/// What keeping snapshots every `every` steps (`snapshot_every`) checks before training: the snapshots of
/// `restarts` runs ([`TrainConfig::snapshot_bytes`]) with the runs that train at the same time and the results
/// ([`restarts_bytes`]), against `max_bytes`, and then what [`check_restarts`] checks, with each snapshot's pass
/// over the data in the work ([`TrainConfig::work_observed`]). [`TrainConfig::run_bytes`] counts a run without
/// them; they were capped only by a count of values (`MAX_SNAPSHOT_VALUES` in Python), and a call within it aborted
/// under an address-space cap.
pub fn check_snapshots(cfg: &TrainConfig, n: usize, d: usize, every: usize, restarts: usize) -> CoreResult<()> {
    limits::check_bytes(
        &format!(
            "snapshot_every={every}: keeping {} snapshots of {} parameters x {restarts} restarts (4 bytes a \
             parameter as they are recorded, 8 in the arrays returned; raise snapshot_every) while training a \
             network d={d} -> {:?} -> 1",
            cfg.snapshots(every),
            cfg.params(d),
            cfg.hidden
        ),
        cfg.snapshot_bytes(d, every, restarts) + restarts_bytes(cfg, n, d, restarts),
    )?;
    check_runs(cfg, n, d, restarts, every)
}

/// [`train_restarts`] that also keeps every run's snapshots (see [`train_run_observed`]).
pub fn train_restarts_observed(
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    seed: u64,
    dataset: u64,
    restarts: usize,
    every: usize,
) -> CoreResult<Vec<(RunResult, Vec<Snapshot>)>> {
    train_restarts_counting(x, y, cfg, seed, dataset, restarts, every, &AtomicU64::new(0))
}

/// The multi-restart entry point: [`train_restarts`] (`every = 0`) or [`train_restarts_observed`] (snapshots every
/// `every` steps), adding the steps each run completes to `done`, summed over the runs: what a progress bar reads
/// while the runs train in parallel. Each run adds at the end of every step that reads (every `record_every`-th and
/// the last) or snapshots, and once it ends the steps a divergence or `stop_at_perfect` left, so that `done` grows
/// by exactly `restarts * cfg.steps` when the call returns its runs. The runs are those of the call without `done`,
/// bit for bit.
#[allow(clippy::too_many_arguments)]
pub fn train_restarts_counting(
    x: ArrayView2<f32>,
    y: &[u8],
    cfg: &TrainConfig,
    seed: u64,
    dataset: u64,
    restarts: usize,
    every: usize,
    done: &AtomicU64,
) -> CoreResult<Vec<(RunResult, Vec<Snapshot>)>> {
    if restarts == 0 {
        return invalid("restarts must be >= 1");
    }
    let (n, d) = (x.nrows(), x.ncols());
    cfg.validate(n, d)?;
    if every == 0 {
        check_restarts(cfg, n, d, restarts)?;
    } else {
        check_snapshots(cfg, n, d, every, restarts)?;
    }
    let cancel = Cancel::current();
    (0..restarts)
        .into_par_iter()
        .map(|r| {
            let mut snaps = Vec::new();
            let mut keep = |s: Snapshot| {
                snaps.push(s);
                Ok(())
            };
            let mut rng = train_stream(seed, dataset, r as u64);
            let run = train_run_full(x, y, cfg, &mut rng, every, &mut keep, &cancel, Some(done))?;
            Ok((run, snaps))
        })
        .collect()
}

/// The reference protocol on datasets `first .. first + count` of the family
/// `(n, d, dist, seed)`, `restarts` runs each: per dataset, the best accuracy
/// over its restarts. Dataset `k` restart `r` is exactly
/// `train_restarts(random_dataset(n, d, dist, seed, k), reference(l), seed, k, ..)[r]`.
#[allow(clippy::too_many_arguments)]
pub fn reference_accuracy(
    d: usize,
    n: usize,
    l: usize,
    dist: PointDist,
    seed: u64,
    first: u64,
    count: usize,
    restarts: usize,
) -> CoreResult<Vec<f64>> {
    protocol_accuracy(d, n, dist, seed, first, count, restarts, &TrainConfig::reference(l), None).map(|m| m.accuracy)
}

impl Optimizer {
    /// The optimiser `kind` with PyTorch's defaults (Adam betas (0.9, 0.999), eps 1e-8;
    /// SGD momentum 0.9, as in a `Protocol`).
    pub fn protocol_default(kind: OptimizerKind) -> Optimizer {
        match kind {
            OptimizerKind::Adam => Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
            OptimizerKind::Sgd => Optimizer::Sgd { momentum: 0.9 },
        }
    }
}

impl Schedule {
    /// The schedule `kind` for a starting rate `lr`: cosine anneals to `lr / 100`.
    pub fn protocol_default(kind: ScheduleKind, lr: f64) -> Schedule {
        match kind {
            ScheduleKind::Cosine => Schedule::Cosine { lr_min: lr / 100.0 },
            ScheduleKind::Constant => Schedule::Constant,
        }
    }
}

impl TrainConfig {
    /// A training protocol (`nnpartition.Protocol`) for hidden `widths`: ReLU,
    /// mean BCE, the named optimiser and schedule, accuracy read every 20 steps.
    pub fn protocol(
        widths: Vec<usize>,
        optimizer: OptimizerKind,
        lr: f64,
        steps: usize,
        batch_size: Option<usize>,
        schedule: ScheduleKind,
    ) -> Self {
        let mut cfg = TrainConfig::reference(1);
        cfg.hidden = widths;
        cfg.optimizer = Optimizer::protocol_default(optimizer);
        cfg.lr = lr;
        cfg.schedule = Schedule::protocol_default(schedule, lr);
        cfg.steps = steps;
        cfg.batch_size = batch_size;
        cfg
    }
}

/// What [`protocol_accuracy`] measures of datasets `first .. first + count`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolRuns {
    /// Per dataset, the best accuracy over its restarts.
    pub accuracy: Vec<f64>,
    /// Per dataset, how many of its restarts diverged ([`RunResult::diverged_at`]).
    pub diverged: Vec<usize>,
}

/// Training accuracy under `cfg` on datasets `first .. first + count` of the
/// family `(n, d, dist, seed)`, `restarts` runs each: per dataset, the best
/// accuracy over its restarts ([`RunResult::protocol_accuracy`]: a diverged run
/// counts with its reads before the divergence and the NaN network's reads
/// after it, see [`train_run`]), and how many of them diverged. Dataset `k` restart `r` is exactly
/// `train_restarts(random_dataset(n, d, dist, seed, k), cfg, seed, k, ..)[r]`
/// (a run stops once it has read 100%, which cannot change its best).
///
/// `done`, if given, counts the steps each run completes, summed over all the runs of all the datasets, as
/// [`train_restarts_counting`] counts them: at each read of a run, and once it ends the steps that stopping at 100%
/// (or a divergence) left, so that `done` grows by exactly `count * restarts * cfg.steps` when the call returns.
/// What a progress bar reads while the runs train in parallel; the results are those of the call without it, bit
/// for bit.
#[allow(clippy::too_many_arguments)]
pub fn protocol_accuracy(
    d: usize,
    n: usize,
    dist: PointDist,
    seed: u64,
    first: u64,
    count: usize,
    restarts: usize,
    cfg: &TrainConfig,
    done: Option<&AtomicU64>,
) -> CoreResult<ProtocolRuns> {
    let cfg = check_protocol(d, n, count, restarts, cfg)?;
    let cancel = Cancel::current();
    let data: Vec<(Array2<f32>, Vec<u8>)> = (0..count as u64)
        .into_par_iter()
        .map(|i| {
            cancel.check()?;
            let (x, y) = random_dataset(n, d, dist, seed, first + i);
            Ok((x.mapv(|v| v as f32), y))
        })
        .collect::<CoreResult<_>>()?;
    let jobs: Vec<(usize, usize)> = (0..count).flat_map(|i| (0..restarts).map(move |r| (i, r))).collect();
    let accs = jobs
        .par_iter()
        .with_max_len(1)
        .map(|&(i, r)| {
            let mut rng = train_stream(seed, first + i as u64, r as u64);
            train_run_full(data[i].0.view(), &data[i].1, &cfg, &mut rng, 0, &mut |_| Ok(()), &cancel, done)
                .map(|res| (res.protocol_accuracy(), res.diverged_at.is_some()))
        })
        .collect::<CoreResult<Vec<(f64, bool)>>>()?;
    Ok(ProtocolRuns {
        accuracy: accs.chunks(restarts).map(|c| c.iter().map(|r| r.0).fold(f64::NEG_INFINITY, f64::max)).collect(),
        diverged: accs.chunks(restarts).map(|c| c.iter().filter(|r| r.1).count()).collect(),
    })
}

/// What [`protocol_accuracy`] checks before it trains: the arguments, and the memory and work of `count`
/// datasets, each against the process-wide limits. A caller that trains the datasets one call at a time (a
/// progress callback between them) checks them all first, so that the limits bind the whole run either way.
/// Returns the configuration as [`protocol_accuracy`] trains it.
pub fn check_protocol(d: usize, n: usize, count: usize, restarts: usize, cfg: &TrainConfig) -> CoreResult<TrainConfig> {
    if restarts == 0 {
        return invalid("restarts must be >= 1");
    }
    let mut cfg = cfg.clone();
    cfg.stop_at_perfect = true;
    cfg.validate(n, d)?;
    // The datasets (f32, with their labels), and at the same time either the f64 datasets being drawn (one a
    // worker) or the runs being trained (one a worker): a review found only the first counted, and a call at 0.9
    // of max_bytes aborting under an address-space cap.
    let workers = rayon::current_num_threads() as f64;
    let data = count as f64 * n as f64 * (4.0 * d as f64 + 1.0);
    let drawing = (count as f64).min(workers) * n as f64 * (8.0 * d as f64 + 1.0);
    let training = (count as f64 * restarts as f64).min(workers) * cfg.run_bytes(n, d);
    limits::check_bytes(
        &format!("{count} datasets of N={n} points in d={d}, drawn and trained on {workers} threads"),
        data + drawing.max(training),
    )?;
    limits::check_work(
        &format!("{count} datasets x {restarts} restarts of training"),
        protocol_work(d, n, count, restarts, &cfg),
        None,
    )?;
    Ok(cfg)
}

/// The work [`check_protocol`] counts against `max_work` for `count` datasets of `n` points in `d` dimensions,
/// `restarts` runs of `cfg` each: `count x restarts` runs of [`TrainConfig::work`] (a caller that trains several
/// configurations in turn sums it over them and checks the sum before the first).
pub fn protocol_work(d: usize, n: usize, count: usize, restarts: usize, cfg: &TrainConfig) -> f64 {
    count as f64 * restarts as f64 * cfg.work(n, d)
}

/// Index of the restart with the highest best accuracy (the first on ties);
/// `None` for no runs.
pub fn best_restart(runs: &[RunResult]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (r, run) in runs.iter().enumerate() {
        if best.is_none_or(|b| run.best_accuracy > runs[b].best_accuracy) {
            best = Some(r);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use rand::SeedableRng;

    #[test]
    fn layer_products_in_pieces_are_the_same_bit_for_bit() {
        // The pieces split only c's rows or columns, never a sum: every entry must be the very float
        // one product gives, for plain and transposed operands (forward, weight gradient, delta).
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        for &(m, k, n) in &[(37, 13, 29), (300, 7, 65), (5, 301, 3), (1, 64, 200), (129, 1, 17)] {
            let a = Array2::<f32>::from_shape_fn((m, k), |_| rng.random_range(-1.0..1.0));
            let b = Array2::<f32>::from_shape_fn((k, n), |_| rng.random_range(-1.0..1.0));
            let at = a.t().to_owned(); // (k, m), read transposed below
            let mut want = Array2::<f32>::zeros((m, n));
            general_mat_mul(1.0, &a, &b, 0.0, &mut want);
            for &piece in &[1usize, 7, 100, 5000] {
                for by_cols in [false, true] {
                    let mut got = Array2::<f32>::from_elem((m, n), f32::NAN);
                    assert!(mat_mul_pieces(a.view(), b.view(), got.view_mut(), by_cols, piece));
                    let mut got_t = Array2::<f32>::from_elem((m, n), f32::NAN);
                    assert!(mat_mul_pieces(at.t(), b.view(), got_t.view_mut(), by_cols, piece));
                    for (g, w) in got.iter().chain(got_t.iter()).zip(want.iter().chain(want.iter())) {
                        assert_eq!(g.to_bits(), w.to_bits(), "({m}, {k}, {n}) piece {piece} by_cols {by_cols}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_cancelled_step_stops_inside_its_products() {
        // A full-batch step of 1.26e9 multiply-adds in its first layer is in pieces; a token that has
        // fired stops the run before the first step completes, with Interrupted rather than a divergence.
        let (n, d) = (2048, 1024);
        assert!(n * d * 600 > PIECE);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let x = Array2::<f32>::from_shape_fn((n, d), |_| rng.random_range(-1.0..1.0));
        let y: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let cfg = TrainConfig { steps: 3, ..TrainConfig::reference(600) };
        let cancel = Cancel::new();
        cancel.cancel();
        let layout = Layout::new(d, &cfg.hidden);
        let p = vec![0.01f32; layout.total];
        let mut z = vec![0f32; n];
        let mut ws = Workspace::new(n, &layout);
        // The pieces read the token installed on this thread.
        let done = cancel.run(|| forward::<false>(&layout, &p, x.view(), cfg.activation, &mut ws, n, &mut z));
        assert!(!done, "the forward pass ran to the end although the call was cancelled");
        assert!(forward::<false>(&layout, &p, x.view(), cfg.activation, &mut ws, n, &mut z));
        let r = train_run_full(x.view(), &y, &cfg, &mut Pcg64Mcg::seed_from_u64(2), 0, &mut |_| Ok(()), &cancel, None);
        assert!(matches!(r, Err(CoreError::Interrupted)), "{:?}", r.err());
    }

    fn small_data(n: usize, d: usize, seed: u64) -> (Array2<f32>, Vec<u8>) {
        let (x, y) = random_dataset(n, d, PointDist::Uniform, seed, 0);
        (x.mapv(|v| v as f32), y)
    }

    fn mean_loss(layout: &Layout, p: &[f32], x: ArrayView2<f32>, y: &[u8], cfg: &TrainConfig) -> f64 {
        let mut ws = Workspace::new(x.nrows(), layout);
        let mut z = vec![0f32; x.nrows()];
        forward::<false>(layout, p, x, cfg.activation, &mut ws, x.nrows(), &mut z);
        score(cfg.loss, &z, y, true).0 / x.nrows() as f64
    }

    /// Central finite differences of the f32 forward pass against the analytic gradient.
    fn check_gradient(cfg: &TrainConfig, h: f32, tol: f64) {
        let (x, y) = small_data(40, 3, 11);
        let layout = Layout::new(3, &cfg.hidden);
        let p = init_params(&layout, cfg, &mut train_stream(5, 0, 0));
        let mut ws = Workspace::new(40, &layout);
        let mut z = vec![0f32; 40];
        forward::<false>(&layout, &p, x.view(), cfg.activation, &mut ws, 40, &mut z);
        let mut g = vec![0f32; layout.total];
        backward(&layout, &p, x.view(), &y, cfg, &mut ws, &z, &mut g);
        let mut worst = 0.0f64;
        for i in 0..layout.total {
            let mut pp = p.clone();
            pp[i] += h;
            let lp = mean_loss(&layout, &pp, x.view(), &y, cfg);
            pp[i] -= 2.0 * h;
            let lm = mean_loss(&layout, &pp, x.view(), &y, cfg);
            let fd = (lp - lm) / (2.0 * h as f64);
            // f32 forward passes leave ~1e-5 of noise in the difference quotient.
            let e = (fd - g[i] as f64).abs() / (1e-4 / tol + fd.abs());
            worst = worst.max(e);
        }
        assert!(worst < tol, "{:?}: worst relative gradient error {worst}", cfg.activation);
    }

    #[test]
    fn gradients_match_finite_differences() {
        for act in [Activation::Tanh, Activation::Sigmoid, Activation::Relu, Activation::LeakyRelu(0.1)] {
            // (three and four layers too: since pass 65 the last layer's deltas are written over its activations,
            // and every layer but the first reads the one below's)
            for hidden in [vec![7], vec![5, 4], vec![5, 4, 3], vec![4, 3, 3, 2]] {
                let mut cfg = TrainConfig::reference(1);
                cfg.hidden = hidden;
                cfg.activation = act;
                // Smaller steps for the piecewise-linear units (kinks within `h` spoil the difference).
                let h = if matches!(act, Activation::Relu | Activation::LeakyRelu(_)) { 5e-4 } else { 1e-2 };
                check_gradient(&cfg, h, 2e-2);
            }
        }
        let mut cfg = TrainConfig::reference(6);
        cfg.loss = Loss::Hinge;
        cfg.activation = Activation::Tanh;
        check_gradient(&cfg, 1e-3, 5e-2);
    }

    #[test]
    fn fused_and_gemm_kernels_agree() {
        for ((d, l), act, loss) in [(5, 11), (20, 3), (2, 17)].into_iter().flat_map(|dl| {
            [Activation::Relu, Activation::LeakyRelu(0.2), Activation::Sigmoid, Activation::Tanh]
                .into_iter()
                .flat_map(move |a| [Loss::Bce, Loss::Hinge].into_iter().map(move |lo| (dl, a, lo)))
        }) {
            {
                let (x, y) = small_data(37, d, 2);
                let mut cfg = TrainConfig::reference(l);
                cfg.activation = act;
                cfg.loss = loss;
                let layout = Layout::new(d, &cfg.hidden);
                let p = init_params(&layout, &cfg, &mut train_stream(1, 0, 0));
                let mut out = Vec::new();
                for kernel in [Kernel::Fused, Kernel::Gemm] {
                    cfg.kernel = kernel;
                    let mut eng = Engine::new(&layout, &cfg, 37);
                    assert_eq!(eng.kernel, kernel);
                    let mut g = vec![1f32; layout.total];
                    let sc = eng.pass(&layout, &p, x.view(), &y, &cfg, true, Some(&mut g));
                    out.push((sc, g));
                }
                for other in &out[1..] {
                    assert_eq!(out[0].0 .1, other.0 .1);
                    assert_abs_diff_eq!(out[0].0 .0, other.0 .0, epsilon = 1e-4);
                    for (a, b) in out[0].1.iter().zip(&other.1) {
                        assert_abs_diff_eq!(a, b, epsilon = 1e-6);
                    }
                }
            }
        }
        let mut cfg = TrainConfig::reference(4);
        cfg.hidden = vec![4, 4];
        cfg.kernel = Kernel::Fused;
        assert!(cfg.validate(10, 2).is_err());
        // What Auto picks.
        let pick = |d: usize, hidden: Vec<usize>| {
            let mut cfg = TrainConfig::reference(1);
            cfg.hidden = hidden;
            Engine::new(&Layout::new(d, &cfg.hidden), &cfg, 10).kernel
        };
        assert_eq!(pick(2, vec![64]), Kernel::Fused);
        assert_eq!(pick(50, vec![4]), Kernel::Gemm);
        assert_eq!(pick(10, vec![32]), Kernel::Gemm);
        assert_eq!(pick(2, vec![64, 64]), Kernel::Gemm);
    }

    /// A hidden unit's output and derivative in float64 from its pre-activation `u` (PyTorch's derivatives at a
    /// kink: `relu'(0) = 0`, `leaky_relu'(0) = slope`).
    fn naive_unit(act: Activation, u: f64) -> (f64, f64) {
        match act {
            Activation::Relu if u > 0.0 => (u, 1.0),
            Activation::Relu => (0.0, 0.0),
            Activation::LeakyRelu(_) if u > 0.0 => (u, 1.0),
            Activation::LeakyRelu(s) => (s as f64 * u, s as f64),
            Activation::Sigmoid => {
                let a = 1.0 / (1.0 + (-u).exp());
                (a, a * (1.0 - a))
            }
            Activation::Tanh => (u.tanh(), 1.0 / u.cosh().powi(2)),
        }
    }

    /// A logit's loss and its derivative in float64, from the documented formulas: BCE `ln(1 + e^z) - y z`;
    /// hinge `max(0, 1 - s z)`, `s = 2y - 1`, whose derivative is `-s` where `s z < 1` and 0 elsewhere (0 at the
    /// kink, as PyTorch's `relu(1 - s z)` and the numpy reference of tests/test_training.py take it).
    fn naive_loss(loss: Loss, z: f64, y: u8) -> (f64, f64) {
        let yf = y as f64;
        match loss {
            Loss::Bce => ((1.0 + z.exp()).ln() - yf * z, z.exp() / (1.0 + z.exp()) - yf),
            Loss::Hinge => {
                let s = 2.0 * yf - 1.0;
                ((1.0 - s * z).max(0.0), if s * z < 1.0 { -s } else { 0.0 })
            }
        }
    }

    /// Logits, loss sum, correct signs (a logit > 0 is class 1) and the gradient of the mean loss (in the flat
    /// layout) of the network `p`, by plain loops in float64: the chain rule written out per entry, with none of
    /// the trainer's code (no GEMM, `dot8`, workspace or kernel).
    fn naive_pass(
        layout: &Layout,
        p: &[f32],
        x: ArrayView2<f32>,
        y: &[u8],
        act: Activation,
        loss: Loss,
    ) -> (Vec<f64>, f64, usize, Vec<f64>) {
        let (n, k) = (x.nrows(), layout.n_layers());
        let at = |i: usize| p[i] as f64;
        // outs[l][i][c]: layer l's input (l = 0: x); ders[l][i][c]: f'(u) of layer l's units
        let mut outs: Vec<Vec<Vec<f64>>> =
            vec![x.rows().into_iter().map(|r| r.iter().map(|&v| v as f64).collect()).collect()];
        let mut ders: Vec<Vec<Vec<f64>>> = Vec::new();
        for l in 0..k {
            let (fan, width, w0, b0) = (layout.dims[l], layout.dims[l + 1], layout.offs[l], layout.b_range(l).0);
            let (mut o, mut dv) = (vec![vec![0.0; width]; n], vec![vec![0.0; width]; n]);
            for i in 0..n {
                for c in 0..width {
                    let u = at(b0 + c) + (0..fan).map(|r| outs[l][i][r] * at(w0 + r * width + c)).sum::<f64>();
                    (o[i][c], dv[i][c]) = naive_unit(act, u);
                }
            }
            outs.push(o);
            ders.push(dv);
        }
        let width = layout.last_width();
        let (mut z, mut total, mut correct) = (vec![0.0; n], 0.0, 0usize);
        let mut g = vec![0.0; layout.total];
        let mut delta = vec![vec![0.0; width]; n];
        for i in 0..n {
            z[i] = at(layout.total - 1) + (0..width).map(|j| outs[k][i][j] * at(layout.out_w + j)).sum::<f64>();
            let (v, dz) = naive_loss(loss, z[i], y[i]);
            total += v;
            correct += ((z[i] > 0.0) == (y[i] == 1)) as usize;
            let gz = dz / n as f64;
            g[layout.total - 1] += gz;
            for j in 0..width {
                g[layout.out_w + j] += gz * outs[k][i][j];
                delta[i][j] = gz * at(layout.out_w + j) * ders[k - 1][i][j];
            }
        }
        for l in (0..k).rev() {
            let (fan, width, w0, b0) = (layout.dims[l], layout.dims[l + 1], layout.offs[l], layout.b_range(l).0);
            let mut prev = vec![vec![0.0; fan]; n];
            for i in 0..n {
                for c in 0..width {
                    g[b0 + c] += delta[i][c];
                    for r in 0..fan {
                        g[w0 + r * width + c] += outs[l][i][r] * delta[i][c];
                        prev[i][r] += delta[i][c] * at(w0 + r * width + c);
                    }
                }
            }
            if l > 0 {
                prev.iter_mut().zip(&ders[l - 1]).for_each(|(pr, dr)| pr.iter_mut().zip(dr).for_each(|(v, d)| *v *= d));
            }
            delta = prev;
        }
        (z, total, correct, g)
    }

    #[test]
    fn both_kernels_match_a_naive_float64_pass() {
        // The logits, loss, accuracy and gradient of every kernel against the chain rule written out in float64
        // (naive_pass): widths past 8 and not a multiple of 8 (dot8's chunks and tail), a nonzero output bias
        // (the initial one is 0), every activation and loss; the forward-only read also in workspace-sized chunks.
        let acts = [Activation::Relu, Activation::LeakyRelu(0.3), Activation::Sigmoid, Activation::Tanh];
        let shapes: [(usize, Vec<usize>); 4] = [(2, vec![19]), (5, vec![8]), (1, vec![3]), (3, vec![11, 9, 17])];
        let mut cases = 0;
        for (d, hidden) in shapes {
            let (x, y) = small_data(37, d, 3 + d as u64);
            let x = x.mapv(|v| 1.5 * v);
            for act in acts {
                for loss in [Loss::Bce, Loss::Hinge] {
                    let mut cfg =
                        TrainConfig { hidden: hidden.clone(), activation: act, loss, ..TrainConfig::reference(1) };
                    let layout = Layout::new(d, &hidden);
                    let mut p = init_params(&layout, &cfg, &mut train_stream(7, d as u64, 0));
                    p[layout.total - 1] = 0.3;
                    let (z64, loss64, correct64, g64) = naive_pass(&layout, &p, x.view(), &y, act, loss);
                    let what = format!("d={d} {hidden:?} {act:?} {loss:?}");
                    let z = Network::from_flat(&layout, &p).logits(x.view(), act);
                    for (a, b) in z.iter().zip(&z64) {
                        assert!((*a as f64 - b).abs() <= 1e-5 * (1.0 + b.abs()), "{what}: logit {a} against {b}");
                    }
                    let scale = g64.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    assert!(scale > 1e-3, "{what}: a degenerate case");
                    let kernels: &[Kernel] =
                        if hidden.len() == 1 { &[Kernel::Fused, Kernel::Gemm] } else { &[Kernel::Gemm] };
                    for &kernel in kernels {
                        cfg.kernel = kernel;
                        let what = format!("{what} {kernel:?}");
                        let mut eng = Engine::new(&layout, &cfg, 37);
                        let mut g = vec![f32::NAN; layout.total];
                        let (lsum, correct, finite) = eng.pass(&layout, &p, x.view(), &y, &cfg, true, Some(&mut g));
                        assert!(finite, "{what}");
                        assert_eq!(correct, correct64, "{what}");
                        assert!((lsum - loss64).abs() <= 1e-5 * loss64, "{what}: loss sum {lsum} against {loss64}");
                        for (i, (a, b)) in g.iter().zip(&g64).enumerate() {
                            assert!((*a as f64 - b).abs() <= 2e-5 * scale, "{what}: g[{i}] = {a} against {b}");
                        }
                        // no loss asked: none summed, the same gradient
                        let mut g2 = vec![f32::NAN; layout.total];
                        let (l2, c2, f2) = eng.pass(&layout, &p, x.view(), &y, &cfg, false, Some(&mut g2));
                        assert_eq!((l2, c2, f2), (0.0, correct64, true), "{what}");
                        assert!(g.iter().zip(&g2).all(|(a, b)| a.to_bits() == b.to_bits()), "{what}");
                        // the read without a gradient, in chunks of 10 rows (the GEMM kernel's workspace)
                        let (l3, c3, f3) =
                            Engine::new(&layout, &cfg, 10).pass(&layout, &p, x.view(), &y, &cfg, true, None);
                        assert!(f3 && c3 == correct64 && (l3 - loss64).abs() <= 1e-5 * loss64, "{what}: {l3} {c3}");
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 8 * 7);
    }

    #[test]
    fn constant_logits_read_and_differentiate_as_documented_at_the_kinks() {
        // Output weights 0 and output bias c: every logit is c. A logit of exactly 0 reads as class 0
        // (docs/training.md: `logit > 0` means class 1); BCE's loss is ln(1 + e^c) - y c and its gradient
        // sigma(c) - y; the hinge loss max(0, 1 - s c) has gradient -s where s c < 1 and 0 at s c = 1 (its kink).
        let (x, y) = small_data(31, 2, 9);
        let (n, n1) = (31.0f64, y.iter().filter(|&&v| v == 1).count() as f64);
        let n0 = n - n1;
        assert!(n0 > 0.0 && n1 > 0.0);
        for (hidden, kernel) in [(vec![12], Kernel::Fused), (vec![12], Kernel::Gemm), (vec![6, 5], Kernel::Gemm)] {
            for act in [Activation::Relu, Activation::Tanh] {
                for (c, loss) in [0.0f32, 1.0, -1.0, 0.5].into_iter().flat_map(|c| [(c, Loss::Bce), (c, Loss::Hinge)]) {
                    let cfg = TrainConfig {
                        hidden: hidden.clone(),
                        activation: act,
                        loss,
                        kernel,
                        ..TrainConfig::reference(1)
                    };
                    let layout = Layout::new(2, &hidden);
                    let mut p = init_params(&layout, &cfg, &mut train_stream(3, 0, 0));
                    p[layout.out_w..layout.total - 1].iter_mut().for_each(|v| *v = 0.0);
                    p[layout.total - 1] = c;
                    let c = c as f64;
                    let (want_loss, want_gb, want_correct) = match loss {
                        Loss::Bce => {
                            let sig = 1.0 / (1.0 + (-c).exp());
                            (n * (1.0 + c.exp()).ln() - n1 * c, (n * sig - n1) / n, if c > 0.0 { n1 } else { n0 })
                        }
                        // per point: y = 1 gives max(0, 1 - c), y = 0 gives max(0, 1 + c)
                        Loss::Hinge => {
                            let (g1, g0) = (if c < 1.0 { -1.0 } else { 0.0 }, if -c < 1.0 { 1.0 } else { 0.0 });
                            let l = n1 * (1.0 - c).max(0.0) + n0 * (1.0 + c).max(0.0);
                            (l, (n1 * g1 + n0 * g0) / n, if c > 0.0 { n1 } else { n0 })
                        }
                    };
                    let mut g = vec![f32::NAN; layout.total];
                    let (lsum, correct, finite) =
                        Engine::new(&layout, &cfg, 31).pass(&layout, &p, x.view(), &y, &cfg, true, Some(&mut g));
                    let what = format!("{hidden:?} {kernel:?} {act:?} {loss:?} c={c}");
                    assert!(finite, "{what}");
                    assert_eq!(correct as f64, want_correct, "{what}");
                    assert!(
                        (lsum - want_loss).abs() <= 1e-5 * want_loss.max(1.0),
                        "{what}: {lsum} against {want_loss}"
                    );
                    assert!(
                        (g[layout.total - 1] as f64 - want_gb).abs() <= 1e-6,
                        "{what}: {} against {want_gb}",
                        g[layout.total - 1]
                    );
                    // nothing flows back through zero output weights
                    assert!(g[..layout.out_w].iter().all(|&v| v == 0.0), "{what}");
                }
            }
        }
    }

    #[test]
    fn a_non_finite_logit_in_any_chunk_of_a_read_is_reported() {
        // A NaN input row gives a NaN logit through tanh (IEEE: NaN in, NaN out). The read without a gradient
        // goes through the GEMM kernel's workspace in chunks of 10 rows: the NaN row in the last chunk must
        // make the pass report a non-finite logit (as must the pass with a gradient, and the fused kernel).
        let (x, y) = small_data(25, 2, 4);
        let cfg = TrainConfig { activation: Activation::Tanh, ..TrainConfig::reference(12) };
        let layout = Layout::new(2, &cfg.hidden);
        let p = init_params(&layout, &cfg, &mut train_stream(2, 0, 0));
        let mut bad = x.clone();
        bad.row_mut(22).fill(f32::NAN);
        for kernel in [Kernel::Gemm, Kernel::Fused] {
            let cfg = TrainConfig { kernel, ..cfg.clone() };
            for (x, want) in [(&x, true), (&bad, false)] {
                let read = Engine::new(&layout, &cfg, 10).pass(&layout, &p, x.view(), &y, &cfg, true, None);
                assert_eq!(read.2, want, "{kernel:?} read in chunks");
                let mut g = vec![0f32; layout.total];
                let step = Engine::new(&layout, &cfg, 25).pass(&layout, &p, x.view(), &y, &cfg, true, Some(&mut g));
                assert_eq!(step.2, want, "{kernel:?} step");
            }
        }
    }

    #[test]
    fn one_adam_step_matches_hand_computation() {
        let mut st = OptState { m: vec![0.0; 3], v: vec![0.0; 3] };
        let mut p = vec![1.0f32, -2.0, 0.5];
        let g = [0.3f32, -0.1, 0.0];
        opt_step(Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, &mut st, &mut p, &g, 0.02, 1);
        // Step 1 of Adam: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps).
        assert_abs_diff_eq!(p[0], 1.0 - 0.02, epsilon = 1e-6);
        assert_abs_diff_eq!(p[1], -2.0 + 0.02, epsilon = 1e-6);
        assert_abs_diff_eq!(p[2], 0.5, epsilon = 1e-9);
        opt_step(Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, &mut st, &mut p, &g, 0.01, 2);
        let m = 0.9 * 0.03 + 0.1 * 0.3f64;
        let v = 0.999 * 0.001 * 0.09 + 0.001 * 0.09f64;
        let expect = 1.0 - 0.02 - 0.01 * (m / (1.0 - 0.81)) / ((v / (1.0 - 0.999f64.powi(2))).sqrt() + 1e-8);
        assert_abs_diff_eq!(p[0] as f64, expect, epsilon = 1e-6);
    }

    #[test]
    fn cosine_schedule_endpoints() {
        let s = Schedule::Cosine { lr_min: 2e-4 };
        assert_abs_diff_eq!(s.lr(0.02, 0, 4000), 0.02, epsilon = 1e-15);
        assert_abs_diff_eq!(s.lr(0.02, 2000, 4000), 0.0101, epsilon = 1e-12);
        assert!(s.lr(0.02, 3999, 4000) > 2e-4 && s.lr(0.02, 3999, 4000) < 2.001e-4);
    }

    #[test]
    fn fits_xor_exactly() {
        let mut x = Array2::<f32>::zeros((40, 2));
        let mut y = vec![0u8; 40];
        let mut rng = train_stream(1, 2, 3);
        for i in 0..40 {
            let (a, b) = (rng.random_range(-1.0f32..1.0), rng.random_range(-1.0f32..1.0));
            x[[i, 0]] = a;
            x[[i, 1]] = b;
            y[i] = ((a > 0.0) != (b > 0.0)) as u8;
        }
        let mut cfg = TrainConfig::reference(16);
        cfg.steps = 1500;
        let res = train_restarts(x.view(), &y, &cfg, 0, 0, 2).unwrap();
        let best = res.iter().map(|r| r.best_accuracy).fold(0.0, f64::max);
        assert_eq!(best, 1.0);
        // The returned best network really has that accuracy.
        let r = res.iter().find(|r| r.best_accuracy == 1.0).unwrap();
        let z = r.best.logits(x.view(), Activation::Relu);
        assert!(z.iter().zip(&y).all(|(&zi, &yi)| (zi > 0.0) == (yi == 1)));
    }

    #[test]
    fn deterministic_whatever_the_thread_count() {
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| reference_accuracy(3, 60, 8, PointDist::Gaussian, 9, 0, 3, 2).unwrap())
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn reference_accuracy_equals_train_restarts() {
        let (x, y) = random_dataset(50, 2, PointDist::Uniform, 4, 1);
        let x = x.mapv(|v| v as f32);
        let cfg = TrainConfig::reference(4);
        let res = train_restarts(x.view(), &y, &cfg, 4, 1, 2).unwrap();
        let best = res.iter().map(|r| r.best_accuracy).fold(0.0, f64::max);
        let acc = reference_accuracy(2, 50, 4, PointDist::Uniform, 4, 1, 1, 2).unwrap();
        assert_eq!(acc, vec![best]);
        assert_eq!(res[0].history_steps.len(), 201);
        assert_eq!(*res[0].history_steps.last().unwrap(), 3999);
    }

    #[test]
    fn snapshots_are_counted_against_the_memory_limit() {
        // An audit's call: 30,001 snapshots of a 2 -> 1000 -> 1 network (4,001 parameters) on 40 points, within
        // the 2^27 values Python allowed; with the f64 arrays returned it needs about 1.4 GB, which aborted under a
        // 1.5 GB address-space cap. Ten times as many steps is over any default max_bytes (at most 8 GiB).
        let (x, y) = small_data(40, 2, 5);
        let mut cfg = TrainConfig::reference(1000);
        cfg.steps = 300_000;
        assert_eq!(cfg.snapshots(1), 300_000);
        // 2 x 1000 weights, 1000 biases, 1000 output weights and the output bias
        assert_eq!(cfg.params(2), 4001.0);
        // What must be counted at least, whatever the overheads: every snapshot's 4,001 parameters, in f32 for each
        // of 3 restarts as recorded and in f64 once as returned; and each restart's share grows the count.
        let floor = 300_000.0 * 4001.0 * (4.0 * 3.0 + 8.0);
        let bytes = cfg.snapshot_bytes(2, 1, 3);
        assert!(bytes >= floor && bytes < 1.1 * floor, "{bytes} against {floor}");
        assert!(cfg.snapshot_bytes(2, 1, 4) - bytes >= 300_000.0 * 4001.0 * 4.0);
        assert!(cfg.snapshot_bytes(2, 2, 3) < 0.51 * bytes);
        let e = train_restarts_observed(x.view(), &y, &cfg, 1, 0, 3, 1).unwrap_err().to_string();
        assert!(e.contains("snapshot_every=1") && e.contains("300000 snapshots") && e.contains("(max_bytes)"), "{e}");
        // Without snapshots, or with few, the same configuration is accepted (checked, not trained).
        assert!(cfg.validate(40, 2).is_ok());
        assert!(check_snapshots(&cfg, 40, 2, 10_000, 3).is_ok());
    }

    #[test]
    fn snapshots_do_not_change_the_run_and_hold_the_step_parameters() {
        let (x, y) = small_data(40, 2, 5);
        let mut cfg = TrainConfig::reference(6);
        cfg.steps = 130;
        let plain = train_run(x.view(), &y, &cfg, &mut train_stream(1, 0, 0)).unwrap();
        let mut snaps = Vec::new();
        let observed = train_run_observed(x.view(), &y, &cfg, &mut train_stream(1, 0, 0), 50, &mut |s| {
            snaps.push(s);
            Ok(())
        })
        .unwrap();
        assert_eq!(observed.best, plain.best);
        assert_eq!(observed.last, plain.last);
        assert_eq!(observed.accuracy_history, plain.accuracy_history);
        assert_eq!(snaps.iter().map(|s| s.step).collect::<Vec<_>>(), vec![0, 50, 100, 129]);
        // What the check counts is what is observed, at every period (the last step a multiple of it or not).
        for (steps, every) in [(130, 50), (101, 50), (100, 1), (1, 1), (7, 100), (130, 129)] {
            let cfg = TrainConfig { steps, ..cfg.clone() };
            let mut count = 0;
            train_run_observed(x.view(), &y, &cfg, &mut train_stream(1, 0, 0), every, &mut |_| {
                count += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(cfg.snapshots(every), count, "{steps} {every}");
        }
        assert_eq!(cfg.snapshots(0), 0);
        // Step 0 holds the initial parameters; step 100 is also a record step: same accuracy and loss.
        let init = Network::from_flat(
            &Layout::new(2, &cfg.hidden),
            &init_params(&Layout::new(2, &cfg.hidden), &cfg, &mut train_stream(1, 0, 0)),
        );
        assert_eq!(snaps[0].network, init);
        let k = plain.history_steps.iter().position(|&t| t == 100).unwrap();
        assert_eq!(snaps[2].accuracy, plain.accuracy_history[k]);
        assert_eq!(snaps[2].loss, plain.loss_history[k]);
        // Its accuracy is the accuracy of its own parameters.
        let z = snaps[2].network.logits(x.view(), Activation::Relu);
        let acc = z.iter().zip(&y).filter(|(&zi, &yi)| (zi > 0.0) == (yi == 1)).count() as f64 / 40.0;
        assert_eq!(acc, snaps[2].accuracy);
        // An observer's error ends the run and is returned.
        let mut calls = 0;
        let e = train_run_observed(x.view(), &y, &cfg, &mut train_stream(1, 0, 0), 50, &mut |_| {
            calls += 1;
            if calls == 2 {
                Err(CoreError::Numerical("stop".into()))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(e, CoreError::Numerical("stop".into()));
        assert_eq!(calls, 2);
    }

    #[test]
    fn fixed_output_stays_fixed() {
        let (x, y) = small_data(30, 2, 3);
        let mut cfg = TrainConfig::reference(5);
        cfg.fixed_output = Some(0.5);
        cfg.steps = 50;
        let r = train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).unwrap();
        assert_eq!(r.last.w_out.to_vec(), vec![0.5, 0.5, 0.5, -0.5, -0.5]);
        assert_eq!(r.last.b_out, 0.0);
    }

    #[test]
    fn minibatch_and_sgd_train() {
        let (x, y) = small_data(64, 4, 8);
        let mut cfg = TrainConfig::reference(32);
        cfg.batch_size = Some(16);
        cfg.optimizer = Optimizer::Sgd { momentum: 0.9 };
        cfg.lr = 0.1;
        cfg.steps = 800;
        let r = train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).unwrap();
        assert!(r.best_accuracy > 0.8, "{}", r.best_accuracy);
        assert!(r.loss_history.last().unwrap() < &r.loss_history[0]);
    }

    /// The audit's configuration that diverged: SGD (momentum 0.9) at a constant lr 0.5, batches of 32, 250 steps,
    /// four layers of 100 on 300 points in d = 50.
    fn diverging_cfg() -> TrainConfig {
        let mut cfg = TrainConfig::reference(1);
        cfg.hidden = vec![100; 4];
        cfg.optimizer = Optimizer::Sgd { momentum: 0.9 };
        cfg.schedule = Schedule::Constant;
        cfg.lr = 0.5;
        cfg.batch_size = Some(32);
        cfg.steps = 250;
        cfg
    }

    #[test]
    fn a_diverged_run_keeps_its_reads_before_the_divergence() {
        let (x, y) = small_data(300, 50, 3);
        let cfg = diverging_cfg();
        let run = train_run(x.view(), &y, &cfg, &mut train_stream(1, 0, 0)).unwrap();
        let t = run.diverged_at.expect("this configuration diverges");
        assert!(t > 20 && t < cfg.steps - 1, "diverged at {t}");
        // The same run cut before the divergence (a constant lr and batches that do not depend on `steps`): its
        // reads are those of the long run before step t, computed without ever meeting a non-finite number.
        let k = (t - 1) / cfg.record_every;
        let mut short = cfg.clone();
        short.steps = k * cfg.record_every + 1;
        let cut = train_run(x.view(), &y, &short, &mut train_stream(1, 0, 0)).unwrap();
        assert_eq!(run.history_steps, cut.history_steps);
        assert_eq!(run.accuracy_history, cut.accuracy_history);
        assert_eq!(run.loss_history, cut.loss_history);
        assert_eq!((run.best_accuracy, run.best_step), (cut.best_accuracy, cut.best_step));
        assert_eq!(run.final_accuracy, *cut.accuracy_history.last().unwrap());
        // `last` is the network of the last read: its accuracy on the data is that read's
        let logits = run.last.logits(x.view(), cfg.activation);
        let correct = logits.iter().zip(&y).filter(|&(&z, &c)| (z > 0.0) == (c == 1)).count();
        assert_eq!(correct as f64 / 300.0, run.final_accuracy);
        // reads were left: they count as the NaN network's, every point class 0
        let zeros = y.iter().filter(|&&c| c == 0).count() as f64 / 300.0;
        assert_eq!(run.after_divergence, Some(zeros));
        assert_eq!(run.protocol_accuracy(), run.best_accuracy.max(zeros));
        // and the run is the same run every time
        let again = train_run(x.view(), &y, &cfg, &mut train_stream(1, 0, 0)).unwrap();
        assert_eq!((again.diverged_at, again.best_accuracy), (run.diverged_at, run.best_accuracy));
    }

    #[test]
    fn a_run_that_diverges_at_once_counts_the_constant_read() {
        // lr 1e30: the first update overflows; the only read is the initial network's.
        let (x, y) = small_data(30, 2, 3);
        let mut cfg = TrainConfig::reference(5);
        cfg.optimizer = Optimizer::Sgd { momentum: 0.0 };
        cfg.loss = Loss::Hinge;
        cfg.schedule = Schedule::Constant;
        cfg.lr = 1e30;
        let run = train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).unwrap();
        assert_eq!(run.diverged_at, Some(1));
        assert_eq!(run.history_steps, vec![0]);
        let mut one = cfg.clone();
        one.steps = 1;
        let init = train_run(x.view(), &y, &one, &mut train_stream(0, 0, 0)).unwrap();
        assert_eq!(run.best_accuracy, init.best_accuracy);
        let zeros = y.iter().filter(|&&c| c == 0).count() as f64 / 30.0;
        assert_eq!(run.protocol_accuracy(), init.best_accuracy.max(zeros));
    }

    #[test]
    fn a_run_diverging_before_its_first_read_is_an_error() {
        let (mut x, y) = small_data(30, 2, 3);
        x.fill(3e38);
        let mut cfg = TrainConfig::reference(64);
        cfg.steps = 5;
        let e = train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).unwrap_err();
        assert!(matches!(e, CoreError::Numerical(ref m) if m.contains("before its first read")), "{e:?}");
    }

    #[test]
    fn protocol_accuracy_counts_a_diverged_run() {
        // protocol_accuracy's dataset 0 is train_restarts on it, each restart counted with protocol_accuracy()
        let (x, y) = random_dataset(300, 50, PointDist::Uniform, 3, 0);
        let xf = x.mapv(|v| v as f32);
        let cfg = diverging_cfg();
        let runs = train_restarts(xf.view(), &y, &cfg, 3, 0, 2).unwrap();
        assert!(runs.iter().any(|r| r.diverged_at.is_some()), "no restart diverged");
        let want = runs.iter().map(|r| r.protocol_accuracy()).fold(f64::NEG_INFINITY, f64::max);
        let m = protocol_accuracy(50, 300, PointDist::Uniform, 3, 0, 1, 2, &cfg, None).unwrap();
        assert_eq!(m.accuracy, vec![want]);
        // and counts the restarts that diverged, as train_restarts reports them
        assert_eq!(m.diverged, vec![runs.iter().filter(|r| r.diverged_at.is_some()).count()]);
        // and none for a run that does not diverge (the reference protocol, a few steps)
        let mut calm = TrainConfig::reference(4);
        calm.steps = 40;
        assert_eq!(protocol_accuracy(5, 60, PointDist::Uniform, 3, 0, 2, 2, &calm, None).unwrap().diverged, vec![0, 0]);
    }

    #[test]
    fn each_epoch_is_a_fresh_permutation_of_which_full_batches_are_used() {
        for (n, b) in [(10usize, 3usize), (12, 4), (7, 6), (5, 1), (9, 8)] {
            let per_epoch = n / b;
            let steps = 5 * per_epoch + 1;
            let mut rng = train_stream(4, 0, 0);
            let rows = minibatch_rows(n, Some(b), steps, &mut rng).unwrap();
            assert_eq!(rows.len(), steps);
            let mut epochs = Vec::new();
            for epoch in rows.chunks(per_epoch).filter(|e| e.len() == per_epoch) {
                assert!(epoch.iter().all(|batch| batch.len() == b));
                let mut seen: Vec<usize> = epoch.concat();
                seen.sort_unstable();
                seen.dedup();
                // disjoint batches covering n - n % b distinct rows of 0..n
                assert_eq!(seen.len(), n - n % b, "n={n} b={b}");
                assert!(seen.iter().all(|&i| i < n));
                epochs.push(epoch.concat());
            }
            // not the same order every epoch (5 epochs of one order: probability (1/n!)^4 for a fresh shuffle)
            assert!(epochs.windows(2).any(|w| w[0] != w[1]), "n={n} b={b}");
            // the same stream gives the same batches
            assert_eq!(minibatch_rows(n, Some(b), steps, &mut train_stream(4, 0, 0)).unwrap(), rows);
        }
        // a batch of n or more is the full batch, rows in order, and draws nothing
        let mut rng = train_stream(4, 0, 0);
        assert_eq!(minibatch_rows(4, Some(9), 2, &mut rng).unwrap(), vec![vec![0, 1, 2, 3]; 2]);
        assert_eq!(rng, train_stream(4, 0, 0));
    }

    #[test]
    fn minibatch_rows_refuses_what_has_no_batches_instead_of_panicking() {
        let mut rng = train_stream(1, 0, 0);
        for (n, b) in [(5usize, Some(0usize)), (0, None), (0, Some(3))] {
            let err = minibatch_rows(n, b, 3, &mut rng).unwrap_err();
            assert!(matches!(err, CoreError::InvalidArgument(_)), "n={n} b={b:?}: {err:?}");
        }
        assert!(matches!(BatchOrder::new(4, 0), Err(CoreError::InvalidArgument(_))));
        assert!(matches!(BatchOrder::new(4, 5), Err(CoreError::InvalidArgument(_))));
        // more row indices than max_bytes holds: refused before allocating
        let err = minibatch_rows(1 << 20, Some(1 << 19), 1 << 40, &mut rng).unwrap_err();
        assert!(matches!(err, CoreError::TooLarge(_)), "{err:?}");
        assert_eq!(rng, train_stream(1, 0, 0), "an error draws nothing");
    }

    #[test]
    fn epoch_orders_are_uniform_and_independent() {
        // n = 5, batches of 2: the 4 rows of each epoch. Over many streams, row i sits at place k of an epoch with
        // probability 1/5, in the first epoch and the second alike, and the second epoch's first row equals the
        // first epoch's first row with probability 1/5 (a reused order would give 1, a rotation or Sattolo's
        // cyclic shuffle 0 or a bias).
        let (n, b, trials) = (5usize, 2usize, 20_000usize);
        let mut counts = vec![[[0usize; 5]; 4]; 2];
        let mut same_first = 0usize;
        for t in 0..trials {
            let rows = minibatch_rows(n, Some(b), 4, &mut train_stream(t as u64, 1, 2)).unwrap();
            for (e, epoch) in rows.chunks(2).enumerate() {
                for (k, &i) in epoch.concat().iter().enumerate() {
                    counts[e][k][i] += 1;
                }
            }
            same_first += usize::from(rows[0][0] == rows[2][0]);
        }
        let (mean, sd) = (trials as f64 / 5.0, (trials as f64 * 0.2 * 0.8).sqrt());
        for c in counts.iter().flatten().flatten() {
            assert!((*c as f64 - mean).abs() < 5.0 * sd, "{counts:?}");
        }
        assert!((same_first as f64 - mean).abs() < 5.0 * sd, "{same_first}");
    }

    /// A second implementation of one-hidden-layer ReLU training on given batches, in f64: mean BCE on the batch,
    /// then PyTorch's SGD with momentum (`buf = mu buf + g`, `p -= lr buf`) or Adam, at the rate `lr_at(t)` of step
    /// `t` (0-based).
    fn reference_steps(
        p0: &[f32],
        (d, l): (usize, usize),
        x: ArrayView2<f32>,
        y: &[u8],
        batches: &[Vec<usize>],
        opt: Optimizer,
        lr_at: &dyn Fn(usize) -> f64,
    ) -> Vec<f64> {
        // layout: W (d, l) row-major, b (l), w_out (l), b_out
        let mut p: Vec<f64> = p0.iter().map(|&v| v as f64).collect();
        let (wb, ow, ob) = (d * l, d * l + l, d * l + 2 * l);
        let (mut m, mut v) = (vec![0.0; p.len()], vec![0.0; p.len()]);
        for (t, batch) in batches.iter().enumerate() {
            let mut g = vec![0.0; p.len()];
            for &i in batch {
                let h: Vec<f64> = (0..l)
                    .map(|j| ((0..d).map(|k| x[[i, k]] as f64 * p[k * l + j]).sum::<f64>() + p[wb + j]).max(0.0))
                    .collect();
                let z: f64 = (0..l).map(|j| h[j] * p[ow + j]).sum::<f64>() + p[ob];
                let dz = (1.0 / (1.0 + (-z).exp()) - y[i] as f64) / batch.len() as f64;
                g[ob] += dz;
                for j in 0..l {
                    g[ow + j] += dz * h[j];
                    if h[j] > 0.0 {
                        let dh = dz * p[ow + j];
                        g[wb + j] += dh;
                        for k in 0..d {
                            g[k * l + j] += dh * x[[i, k]] as f64;
                        }
                    }
                }
            }
            let lr = lr_at(t);
            for q in 0..p.len() {
                match opt {
                    Optimizer::Sgd { momentum } => {
                        m[q] = momentum * m[q] + g[q];
                        p[q] -= lr * m[q];
                    }
                    Optimizer::Adam { beta1, beta2, eps } => {
                        m[q] = beta1 * m[q] + (1.0 - beta1) * g[q];
                        v[q] = beta2 * v[q] + (1.0 - beta2) * g[q] * g[q];
                        let e = t as i32 + 1;
                        let (mh, vh) = (m[q] / (1.0 - beta1.powi(e)), v[q] / (1.0 - beta2.powi(e)));
                        p[q] -= lr * mh / (vh.sqrt() + eps);
                    }
                }
            }
        }
        p
    }

    #[test]
    fn the_trainer_steps_on_the_batches_of_minibatch_rows() {
        let (n, d, l, b, steps) = (11usize, 3usize, 4usize, 3usize, 9usize);
        let (x, y) = small_data(n, d, 6);
        for opt in [Optimizer::Sgd { momentum: 0.9 }, Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 }] {
            let mut cfg = TrainConfig::reference(l);
            cfg.optimizer = opt;
            cfg.lr = 0.05;
            cfg.schedule = Schedule::Constant;
            cfg.batch_size = Some(b);
            cfg.steps = steps;
            let run = train_run(x.view(), &y, &cfg, &mut train_stream(9, 0, 0)).unwrap();
            // the initial parameters and then the batches, from the run's stream as the trainer draws them
            let mut rng = train_stream(9, 0, 0);
            let layout = Layout::new(d, &cfg.hidden);
            let p0 = init_params(&layout, &cfg, &mut rng);
            let batches = minibatch_rows(n, Some(b), steps, &mut rng).unwrap();
            let (_, last) = Network::to_flat(&run.last);
            let want = reference_steps(&p0, (d, l), x.view(), &y, &batches, opt, &|_| cfg.lr);
            let gap = want.iter().zip(&last).map(|(a, &b)| (a - b as f64).abs()).fold(0.0, f64::max);
            assert!(gap < 1e-5, "{opt:?}: max gap {gap}");
            // control: the same steps on the batches of another stream end elsewhere, far beyond that tolerance
            let other = minibatch_rows(n, Some(b), steps, &mut train_stream(10, 0, 0)).unwrap();
            let moved = reference_steps(&p0, (d, l), x.view(), &y, &other, opt, &|_| cfg.lr);
            let apart = want.iter().zip(&moved).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(apart > 1e-3, "{opt:?}: other batches moved the parameters by {apart} only");
        }
    }

    #[test]
    fn the_cosine_schedule_sets_each_steps_rate_from_lr_down_towards_lr_over_100() {
        // Full batch, cosine from lr to lr_min = lr / 100 over `steps`: step t (0-based) updates at
        // lr_min + (lr - lr_min) (1 + cos(pi t / steps)) / 2 (PyTorch's CosineAnnealingLR, stepped after each
        // update), written out here; the reference trains on every row at every step.
        let (n, d, l, steps) = (11usize, 3usize, 4usize, 6usize);
        let (x, y) = small_data(n, d, 6);
        let batches = vec![(0..n).collect::<Vec<usize>>(); steps];
        for (opt, lr) in
            [(Optimizer::Sgd { momentum: 0.9 }, 0.5), (Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, 0.05)]
        {
            let mut cfg = TrainConfig::reference(l);
            cfg.optimizer = opt;
            cfg.lr = lr;
            cfg.schedule = Schedule::Cosine { lr_min: lr / 100.0 };
            cfg.steps = steps;
            let run = train_run(x.view(), &y, &cfg, &mut train_stream(9, 0, 0)).unwrap();
            let layout = Layout::new(d, &cfg.hidden);
            let p0 = init_params(&layout, &cfg, &mut train_stream(9, 0, 0));
            let cosine = |t: usize| {
                lr / 100.0 + 0.99 * lr * (1.0 + (std::f64::consts::PI * t as f64 / steps as f64).cos()) / 2.0
            };
            let want = reference_steps(&p0, (d, l), x.view(), &y, &batches, opt, &cosine);
            let (_, last) = Network::to_flat(&run.last);
            let gap = want.iter().zip(&last).map(|(a, &b)| (a - b as f64).abs()).fold(0.0, f64::max);
            assert!(gap < 1e-5, "{opt:?}: max gap {gap}");
            // control: the rates one step later (or a constant lr) end far beyond that tolerance
            let (later, constant) = (|t: usize| cosine(t + 1), |_: usize| lr);
            for other in [&later as &dyn Fn(usize) -> f64, &constant] {
                let moved = reference_steps(&p0, (d, l), x.view(), &y, &batches, opt, other);
                let apart = want.iter().zip(&moved).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                assert!(apart > 1e-3, "{opt:?}: other rates moved the parameters by {apart} only");
            }
        }
    }

    #[test]
    fn a_batch_of_n_rows_or_more_trains_as_the_full_batch() {
        // docs/training.md: "a batch of N points or more is the full batch" (and BatchOrder refuses bsz > n).
        let (x, y) = small_data(12, 2, 4);
        let mut cfg = TrainConfig::reference(5);
        cfg.steps = 45;
        let full = train_run(x.view(), &y, &cfg, &mut train_stream(2, 0, 0)).unwrap();
        for b in [12, 13, 1000] {
            cfg.batch_size = Some(b);
            let run = train_run(x.view(), &y, &cfg, &mut train_stream(2, 0, 0)).unwrap();
            assert_eq!(run.last, full.last, "batch_size {b}");
            assert_eq!((&run.accuracy_history, &run.loss_history), (&full.accuracy_history, &full.loss_history));
        }
        // control: a batch of 11 is a minibatch, another run
        cfg.batch_size = Some(11);
        assert_ne!(train_run(x.view(), &y, &cfg, &mut train_stream(2, 0, 0)).unwrap().last, full.last);
    }

    #[test]
    fn datasets_are_reproducible_and_in_range() {
        let (a, ya) = random_dataset(500, 3, PointDist::Uniform, 1, 0);
        let (b, yb) = random_dataset(500, 3, PointDist::Uniform, 1, 0);
        let (c, _) = random_dataset(500, 3, PointDist::Uniform, 1, 1);
        assert_eq!(a, b);
        assert_eq!(ya, yb);
        assert_ne!(a, c);
        assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
        let ones = ya.iter().filter(|&&v| v == 1).count();
        assert!((200..300).contains(&ones));
        // the public entry refuses an empty size, N or d (the Python layer's own check is before it), and otherwise
        // draws the same dataset
        for (n, d) in [(0, 3), (500, 0), (0, 0)] {
            assert!(matches!(try_random_dataset(n, d, PointDist::Uniform, 1, 0), Err(CoreError::InvalidArgument(_))));
        }
        assert_eq!(try_random_dataset(500, 3, PointDist::Uniform, 1, 0).unwrap(), (a, ya));
        // a call whose token has fired draws nothing (the public entry reads the token installed on its thread)
        let cancel = Cancel::new();
        cancel.cancel();
        assert!(matches!(fill_dataset(10, 2, PointDist::Gaussian, 1, 0, &cancel), Err(CoreError::Interrupted)));
        let r = cancel.run(|| try_random_dataset(10, 2, PointDist::Uniform, 1, 0));
        assert!(matches!(r, Err(CoreError::Interrupted)), "{r:?}");
        // one row too: the token is read before the first row, not only after 4096 of them
        assert!(matches!(fill_dataset(1, 2, PointDist::Gaussian, 1, 0, &cancel), Err(CoreError::Interrupted)));
        // the bytes checked first are the documented N (8 d + 1) (f64 points, u8 labels): a row past max_bytes (not
        // changed by any Rust test) at d = 1 is refused before drawing (a count of fewer bytes would pass and, the
        // token fired, stop at the first row: Interrupted)
        let past = (limits::get().max_bytes as f64 / 9.0).floor() as usize + 1;
        let r = cancel.run(|| try_random_dataset(past, 1, PointDist::Uniform, 1, 0));
        assert!(matches!(&r, Err(CoreError::TooLarge(m)) if m.contains("max_bytes")), "{r:?}");
        // seeds a bit apart are other datasets (the stream's salt is mixed in, not masked): every two of the seeds
        // 0..64 and 2^k, k < 64, give another first row
        let mut seeds: Vec<u64> = (0..64).chain((0..64).map(|k| 1u64 << k)).collect();
        seeds.sort();
        seeds.dedup();
        let mut rows: Vec<Vec<u64>> = seeds
            .iter()
            .map(|&s| random_dataset(1, 4, PointDist::Uniform, s, 0).0.iter().map(|v| v.to_bits()).collect())
            .collect();
        rows.sort();
        rows.dedup();
        assert_eq!(rows.len(), seeds.len());
    }

    #[test]
    fn bad_config_is_rejected() {
        let (x, y) = small_data(10, 2, 3);
        let mut cfg = TrainConfig::reference(0);
        assert!(train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).is_err());
        cfg.hidden = vec![3];
        cfg.lr = -1.0;
        assert!(train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).is_err());
    }

    #[test]
    fn adam_at_a_gradient_of_eps_moves_half_a_step() {
        // Step 1: m_hat = g, sqrt(v_hat) = |g|, so p -= lr g / (|g| + eps): lr / 2 at g = eps (a denominator of
        // |g| - eps would be 0, one without eps 1, `|g| * eps` 1e-16).
        let eps = 1e-8;
        let mut st = OptState { m: vec![0.0; 2], v: vec![0.0; 2] };
        let mut p = vec![1.0f32, 1.0];
        opt_step(Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps }, &mut st, &mut p, &[1e-8, -1e-8], 0.02, 1);
        assert_abs_diff_eq!(p[0], 1.0 - 0.01, epsilon = 1e-6);
        assert_abs_diff_eq!(p[1], 1.0 + 0.01, epsilon = 1e-6);
    }

    #[test]
    fn initial_parameters_are_pytorch_linear_uniform_with_a_zero_output_bias() {
        // nn.Linear(fan_in, width): weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) layer by layer; the output
        // layer's weights likewise with fan_in = the last width, and its bias 0 (the protocol's choice).
        let (d, hidden) = (9usize, vec![400usize, 16]);
        let mut cfg = TrainConfig::reference(1);
        cfg.hidden = hidden.clone();
        let layout = Layout::new(d, &hidden);
        let net = Network::from_flat(&layout, &init_params(&layout, &cfg, &mut train_stream(3, 0, 0)));
        let mut blocks: Vec<(Vec<f32>, usize)> = Vec::new();
        for ((w, b), fan) in net.layers.iter().zip([d, hidden[0]]) {
            blocks.push((w.iter().copied().collect(), fan));
            blocks.push((b.to_vec(), fan));
        }
        blocks.push((net.w_out.to_vec(), hidden[1]));
        for (v, fan) in blocks {
            let (s, n) = (1.0 / (fan as f64).sqrt(), v.len() as f64);
            let v: Vec<f64> = v.iter().map(|&x| x as f64).collect();
            let top = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            // inside (-s, s) and reaching near its ends (P(max |v| < 0.6 s) = 0.6^n <= 0.6^16 < 3e-4)
            assert!(top < s && top > 0.6 * s, "fan {fan}: max |v| {top}, bound {s}");
            // mean 0 (sd s / sqrt(3 n)) and mean square s^2 / 3 (sd s^2 sqrt(4 / (45 n))) within 5 standard errors
            let mean = v.iter().sum::<f64>() / n;
            let sq = v.iter().map(|x| x * x).sum::<f64>() / n;
            assert!(mean.abs() < 5.0 * s / (3.0 * n).sqrt(), "fan {fan}: mean {mean}");
            assert!((sq - s * s / 3.0).abs() < 5.0 * s * s * (4.0 / (45.0 * n)).sqrt(), "fan {fan}: {sq}");
        }
        assert_eq!(net.b_out, 0.0);
    }

    #[test]
    fn best_restart_is_the_first_of_the_highest() {
        let (x, y) = small_data(8, 2, 1);
        let mut cfg = TrainConfig::reference(2);
        cfg.steps = 1;
        let run = train_run(x.view(), &y, &cfg, &mut train_stream(0, 0, 0)).unwrap();
        let runs = |accs: &[f64]| -> Vec<RunResult> {
            accs.iter().map(|&a| RunResult { best_accuracy: a, ..run.clone() }).collect()
        };
        assert_eq!(best_restart(&[]), None);
        assert_eq!(best_restart(&runs(&[0.5, 0.75, 0.625, 0.75])), Some(1));
        assert_eq!(best_restart(&runs(&[0.875, 0.5])), Some(0));
        assert_eq!(best_restart(&runs(&[0.5, 0.5, 1.0])), Some(2));
    }

    #[test]
    fn relu_and_leaky_relu_at_a_pre_activation_of_exactly_zero_take_pytorchs_derivative() {
        // PyTorch: relu'(0) = 0 (its backward passes the gradient where the input is > 0), leaky_relu'(0) = slope.
        // One point x = 1 with label 1, and a first-layer unit whose pre-activation is exactly 1 * 1 + (-1) = 0.
        let x = Array2::from_elem((1, 1), 1.0f32);
        let y = [1u8];
        let grad = |cfg: &TrainConfig, p: &[f32]| -> Vec<f32> {
            let layout = Layout::new(1, &cfg.hidden);
            let mut g = vec![f32::NAN; layout.total];
            Engine::new(&layout, cfg, 1).pass(&layout, p, x.view(), &y, cfg, true, Some(&mut g));
            g
        };
        for (act, slope) in [(Activation::Relu, 0.0f64), (Activation::LeakyRelu(0.25), 0.25)] {
            let mut cfg = TrainConfig::reference(1);
            cfg.activation = act;
            // W = 1, b = -1, w_out = 0.5, b_out = 0: a = 0, z = 0, dL/dz = sigmoid(0) - 1 = -1/2; so
            // dL/dW = dL/db = -1/2 * 0.5 * f'(0), dL/dw_out = -1/2 * a = 0, dL/db_out = -1/2.
            let want = [-0.25 * slope, -0.25 * slope, 0.0, -0.5];
            for kernel in [Kernel::Fused, Kernel::Gemm] {
                cfg.kernel = kernel;
                let g = grad(&cfg, &[1.0, -1.0, 0.5, 0.0]);
                for (a, b) in g.iter().zip(want) {
                    assert_abs_diff_eq!(*a as f64, b, epsilon = 1e-7);
                }
            }
            // A second layer W2 = 1, b2 = 1/2 (u2 = 1/2 > 0), then w_out = 1/2, b_out = 0: z = 1/4,
            // dz = sigmoid(1/4) - 1; dL/dW1 = dL/db1 = dz * 1/2 * 1 * W2 * f'(0), dL/dW2 = dz * 1/2 * a1 = 0,
            // dL/db2 = dz / 2, dL/dw_out = dz * a2 = dz / 2, dL/db_out = dz.
            cfg.kernel = Kernel::Auto;
            cfg.hidden = vec![1, 1];
            let dz = 1.0 / (1.0 + (-0.25f64).exp()) - 1.0;
            let want = [dz / 2.0 * slope, dz / 2.0 * slope, 0.0, dz / 2.0, dz / 2.0, dz];
            let g = grad(&cfg, &[1.0, -1.0, 1.0, 0.5, 0.5, 0.0]);
            for (a, b) in g.iter().zip(want) {
                assert_abs_diff_eq!(*a as f64, b, epsilon = 1e-7);
            }
        }
    }

    #[test]
    fn a_nan_pre_activation_reaches_the_logit_as_in_pytorch() {
        // A pre-activation is NaN when an infinite operand meets terms of both signs, inf - inf. PyTorch's relu
        // passes the NaN, so the logit is NaN and the run diverges at that step; `f32::max(NaN, 0)` is 0, which left
        // the logit finite. (Finite operands alone do not make it in one layer: a fused multiply-add adds the exact
        // product to an inf, so 1e30 * 1e10 - 1e30 * 1e10 is inf, in PyTorch's sgemm too.)
        //
        // One layer, every activation, both kernels with and without the gradient, and `Network::logits`: weights
        // an update overflowed to (inf, -inf) (the trainer checks the parameters at reads only, so the next steps'
        // forward passes see them) under x = (1, 1). The second unit gives a finite -1/2 without the NaN.
        let x = Array2::from_elem((1, 2), 1.0f32);
        let y = [1u8];
        // W (2, 2) row-major (fan_in, width), b, w_out, b_out
        let p = [f32::INFINITY, 0.5, f32::NEG_INFINITY, 0.5, 0.0, 0.0, 0.5, -0.5, 0.0];
        for act in [
            Activation::Relu,
            Activation::LeakyRelu(0.0),
            Activation::LeakyRelu(0.25),
            Activation::Sigmoid,
            Activation::Tanh,
        ] {
            let mut cfg = TrainConfig::reference(2);
            cfg.activation = act;
            let layout = Layout::new(2, &cfg.hidden);
            let z = Network::from_flat(&layout, &p).logits(x.view(), act);
            assert!(z[0].is_nan(), "{act:?}: logit {}", z[0]);
            for kernel in [Kernel::Fused, Kernel::Gemm] {
                cfg.kernel = kernel;
                let mut g = vec![0f32; layout.total];
                for grad in [false, true] {
                    let mut eng = Engine::new(&layout, &cfg, 1);
                    let (_, _, finite) = eng.pass(&layout, &p, x.view(), &y, &cfg, true, grad.then_some(&mut g[..]));
                    assert!(!finite, "{act:?} {kernel:?} grad={grad}: the logit was finite");
                }
            }
        }
        // A deep stack with finite parameters: x = (1e30, 1e30) overflows both first-layer units to +inf (1e30 *
        // 1e10), ReLU passes inf, and the second layer's weights (1, -1) make inf - inf; the next layer and the logit
        // are NaN (without the NaN: relu(1/2) * 1/2 + 1/2, finite). Both the forward-only pass and the training one.
        let x = Array2::from_elem((1, 2), 1e30f32);
        let mut cfg = TrainConfig::reference(2);
        cfg.hidden = vec![2, 1, 2];
        let layout = Layout::new(2, &cfg.hidden);
        let mut p = vec![0.5f32; layout.total];
        p[..4].copy_from_slice(&[1e10, 1e10, 1e10, 1e10]);
        let (a, _) = layout.w_range(1);
        p[a..a + 2].copy_from_slice(&[1.0, -1.0]);
        assert!(p.iter().all(|v| v.is_finite()) && (1e30f32 * 1e10).is_infinite());
        let z = Network::from_flat(&layout, &p).logits(x.view(), Activation::Relu);
        assert!(z[0].is_nan(), "deep: logit {}", z[0]);
        let mut g = vec![0f32; layout.total];
        for grad in [false, true] {
            let mut eng = Engine::new(&layout, &cfg, 1);
            let (_, _, finite) = eng.pass(&layout, &p, x.view(), &y, &cfg, true, grad.then_some(&mut g[..]));
            assert!(!finite, "deep grad={grad}: the logit was finite");
        }
    }

    #[test]
    fn relu_and_its_derivative_at_nan_and_the_signed_zeros_are_pytorchs() {
        // torch.relu([nan, 0, -0, 1, -inf, inf]) = [nan, 0, -0, 1, 0, inf], and its backward of a gradient 2 is
        // [2, 0, 0, 2, 0, 2] (threshold_backward zeroes where the output is <= 0 only); leaky_relu(slope 1/4)'s
        // backward is [1/2, 1/2, 1/2, 2, 1/2, 2] (it tests its input > 0). Read from torch 2.x on CPU.
        let u = [f32::NAN, 0.0, -0.0, 1.0, f32::NEG_INFINITY, f32::INFINITY];
        let mut row = u;
        Activation::Relu.bias_activate(&mut row, &[-0.0; 6]); // u + (-0) is u, -0 included
        assert!(row[0].is_nan());
        for (a, b) in row[1..].iter().zip([0.0f32, -0.0, 1.0, 0.0, f32::INFINITY]) {
            assert!(a == &b && a.is_sign_negative() == b.is_sign_negative(), "{row:?}");
        }
        assert!(u.iter().map(|&v| relu(v)).zip(row).all(|(a, b)| a.to_bits() == b.to_bits()));
        let mut g = [2.0f32; 6];
        Activation::Relu.backprop(&mut g, &row);
        assert_eq!(g, [2.0, 0.0, 0.0, 2.0, 0.0, 2.0]);
        assert_eq!(row.map(relu_grad), [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
        let mut row = u;
        Activation::LeakyRelu(0.25).bias_activate(&mut row, &[-0.0; 6]);
        let mut g = [2.0f32; 6];
        Activation::LeakyRelu(0.25).backprop(&mut g, &row);
        assert_eq!(g, [0.5, 0.5, 0.5, 2.0, 0.5, 2.0]);
    }

    #[test]
    fn every_snapshot_holds_the_loss_and_accuracy_of_its_own_network() {
        // Snapshots between the record steps too (every 7 steps against reads every 20), full batch and minibatch:
        // each one's mean BCE and accuracy are those of its network's logits, by hand.
        let (x, y) = small_data(40, 2, 5);
        for batch_size in [None, Some(16)] {
            let mut cfg = TrainConfig::reference(6);
            cfg.steps = 30;
            cfg.batch_size = batch_size;
            let mut snaps = Vec::new();
            train_run_observed(x.view(), &y, &cfg, &mut train_stream(1, 0, 0), 7, &mut |s| {
                snaps.push(s);
                Ok(())
            })
            .unwrap();
            assert_eq!(snaps.iter().map(|s| s.step).collect::<Vec<_>>(), vec![0, 7, 14, 21, 28, 29]);
            for s in &snaps {
                let z = s.network.logits(x.view(), cfg.activation);
                let bce = z.iter().zip(&y).map(|(&z, &c)| {
                    let z = z as f64;
                    // -[c ln sigmoid(z) + (1 - c) ln(1 - sigmoid(z))] = ln(1 + e^z) - c z
                    z.max(0.0) + (-z.abs()).exp().ln_1p() - c as f64 * z
                });
                let correct = z.iter().zip(&y).filter(|&(&z, &c)| (z > 0.0) == (c == 1)).count();
                assert_abs_diff_eq!(s.loss, bce.sum::<f64>() / 40.0, epsilon = 1e-6);
                assert_eq!(s.accuracy, correct as f64 / 40.0, "{batch_size:?} step {}", s.step);
            }
        }
    }

    #[test]
    fn a_read_that_finds_a_non_finite_parameter_behind_finite_logits_is_the_divergence() {
        // Inputs at 0, a fixed output layer (w_out = [s, -s]) and SGD at lr 1e37: the first update sends the bias of
        // the one live unit to -inf (a gradient of about s = 100 times lr overflows float32), so the unit is dead
        // and every logit stays 0, finite. The docs: the run diverges at the first read that finds a non-finite
        // parameter, step 20 here (reads every 20 steps), and the reads from there count as the label-0 read.
        let x = Array2::<f32>::zeros((4, 1));
        let mut cfg = TrainConfig::reference(2);
        cfg.fixed_output = Some(100.0);
        cfg.optimizer = Optimizer::Sgd { momentum: 0.0 };
        cfg.schedule = Schedule::Constant;
        cfg.lr = 1e37;
        cfg.steps = 41;
        assert_eq!(cfg.record_every, 20);
        let layout = Layout::new(1, &cfg.hidden);
        // a restart whose initial network has exactly one live unit (bias > 0); the labels that push its bias down
        let (seed, label) = (0..64u64)
            .find_map(|seed| {
                let p = init_params(&layout, &cfg, &mut train_stream(seed, 0, 0));
                let (b, w_out) = (layout.b(&p, 0), layout.out_w(&p));
                let live: Vec<usize> = (0..2).filter(|&j| b[j] > 0.0).collect();
                // dL/db_j = (sigmoid(0) - label) w_out[j] must be > 0: label 0 under w_out[j] > 0, label 1 under < 0
                (live.len() == 1).then(|| (seed, u8::from(w_out[live[0]] < 0.0)))
            })
            .expect("an initial network with one live unit");
        let y = vec![label; 4];
        let run = train_run(x.view(), &y, &cfg, &mut train_stream(seed, 0, 0)).unwrap();
        assert_eq!(run.diverged_at, Some(20));
        assert_eq!(run.history_steps, vec![0]);
        assert_eq!(run.after_divergence, Some(if label == 0 { 1.0 } else { 0.0 }));
        assert!(run.last.layers[0].1.iter().all(|v| v.is_finite()), "the last read's network is finite");
        // One step: the read of step 0 is made, then the update leaves the bias at -inf. So diverged_at is
        // `steps`, no read is left (none counts as the label-0 read) and `last` is the read's, the initial network
        // (docs/training.md, "Divergence": `t = steps` if only the update after the last read left non-finite ones).
        let one = TrainConfig { steps: 1, ..cfg.clone() };
        let run = train_run(x.view(), &y, &one, &mut train_stream(seed, 0, 0)).unwrap();
        assert_eq!((run.diverged_at, run.after_divergence), (Some(1), None));
        assert_eq!(run.history_steps, vec![0]);
        let init = init_params(&layout, &one, &mut train_stream(seed, 0, 0));
        assert_eq!(run.last, Network::from_flat(&layout, &init));
    }

    #[test]
    fn the_best_read_is_the_first_read_of_the_highest_accuracy() {
        // A run that reaches its highest accuracy at several reads: `best` is the network of the first of them (the
        // history and the snapshots, taken at the same steps, are the independent record of what each read saw).
        let (x, y) = small_data(40, 2, 5);
        let mut cfg = TrainConfig::reference(16);
        cfg.steps = 600;
        let mut snaps = Vec::new();
        let run = train_run_observed(x.view(), &y, &cfg, &mut train_stream(1, 0, 0), cfg.record_every, &mut |s| {
            snaps.push(s);
            Ok(())
        })
        .unwrap();
        assert_eq!(snaps.iter().map(|s| s.step).collect::<Vec<_>>(), run.history_steps);
        let top = run.accuracy_history.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let at_top: Vec<usize> =
            run.history_steps.iter().zip(&run.accuracy_history).filter(|&(_, &a)| a == top).map(|(&t, _)| t).collect();
        assert!(at_top.len() >= 2, "the highest accuracy {top} is read only at {at_top:?}: no tie to break");
        assert_eq!((run.best_accuracy, run.best_step), (top, at_top[0]));
        assert_eq!(run.best, snaps.iter().find(|s| s.step == at_top[0]).unwrap().network);
        // and the final read is the last step's
        assert_eq!(run.final_accuracy, *run.accuracy_history.last().unwrap());
        assert_eq!(*run.history_steps.last().unwrap(), cfg.steps - 1);
    }

    #[test]
    fn minibatch_reads_are_of_all_rows_before_the_steps_update_the_last_step_included() {
        // The protocol (the reference data's README): accuracy read on all N points at every 20th step and at the
        // last, on that step's forward pass, before its update. With minibatches the read is a pass of its own; here
        // against the float64 reference steps on the same batches: the read at step t is the mean BCE and accuracy
        // on all rows of the parameters after t batches (45 steps: reads 0, 20, 40 and the last, 44).
        let (n, d, l, b, steps) = (11usize, 3usize, 4usize, 3usize, 45usize);
        let (x, y) = small_data(n, d, 6);
        let opt = Optimizer::Sgd { momentum: 0.9 };
        let mut cfg = TrainConfig::reference(l);
        (cfg.optimizer, cfg.lr, cfg.schedule, cfg.batch_size, cfg.steps) =
            (opt, 0.2, Schedule::Constant, Some(b), steps);
        let run = train_run(x.view(), &y, &cfg, &mut train_stream(9, 0, 0)).unwrap();
        assert_eq!(run.history_steps, vec![0, 20, 40, 44]);
        let mut rng = train_stream(9, 0, 0);
        let p0 = init_params(&Layout::new(d, &cfg.hidden), &cfg, &mut rng);
        let batches = minibatch_rows(n, Some(b), steps, &mut rng).unwrap();
        // (mean BCE, accuracy, the smallest nonzero |logit|) of the reference parameters after `t` batches, on all rows
        let read = |t: usize| {
            let p = reference_steps(&p0, (d, l), x.view(), &y, &batches[..t], opt, &|_| cfg.lr);
            let (wb, ow, ob) = (d * l, d * l + l, d * l + 2 * l);
            let (mut loss, mut correct, mut margin) = (0.0, 0usize, f64::INFINITY);
            for (i, &c) in y.iter().enumerate() {
                let h = |j: usize| ((0..d).map(|k| x[[i, k]] as f64 * p[k * l + j]).sum::<f64>() + p[wb + j]).max(0.0);
                let z = (0..l).map(|j| h(j) * p[ow + j]).sum::<f64>() + p[ob];
                loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - c as f64 * z;
                correct += ((z > 0.0) == (c == 1)) as usize;
                if z != 0.0 {
                    margin = margin.min(z.abs()); // (0 exactly: every unit dead, the output bias 0; so in float32)
                }
            }
            (loss / n as f64, correct as f64 / n as f64, margin)
        };
        for (k, &t) in run.history_steps.iter().enumerate() {
            let (loss, acc, margin) = read(t);
            assert!((run.loss_history[k] - loss).abs() < 1e-5, "step {t}: {} against {loss}", run.loss_history[k]);
            assert!(margin > 1e-4, "step {t}: a logit within {margin} of 0, too near for float32 to agree");
            assert_eq!(run.accuracy_history[k], acc, "step {t}");
            // control: the same parameters one update later (a read after the step's update) are another loss
            let after = read(t + 1).0;
            assert!((after - loss).abs() > 1e-4, "step {t}: the update moved the loss by {} only", after - loss);
        }
    }

    #[test]
    fn validate_refuses_each_setting_past_its_documented_range_and_takes_its_edges() {
        // Each range TrainConfig::validate states in its messages (and the fields' docs), from the Rust side: the
        // Python layer checks most of them itself, so only a Rust test sees the core's own checks. Each case is
        // one change to a valid configuration (one layer of 3, n = 10, d = 2), refused naming the setting; the
        // edge beside it is taken.
        let ok = TrainConfig::reference(3);
        assert!(ok.validate(10, 2).is_ok());
        let with = |f: &dyn Fn(&mut TrainConfig)| {
            let mut c = ok.clone();
            f(&mut c);
            c
        };
        let adam = |beta1: f64, beta2: f64, eps: f64| Optimizer::Adam { beta1, beta2, eps };
        let tiny = f32::MIN_POSITIVE as f64;
        let refused: Vec<(TrainConfig, usize, usize, &str)> = vec![
            (ok.clone(), 0, 2, "X must have at least one row"),
            (ok.clone(), 10, 0, "at least one column"),
            (with(&|c| c.hidden = vec![]), 10, 2, "hidden sizes"),
            (with(&|c| c.hidden = vec![3, 0]), 10, 2, "hidden sizes"),
            (with(&|c| c.lr = 0.0), 10, 2, "lr must be > 0"),
            (with(&|c| c.lr = f64::NAN), 10, 2, "lr must be > 0"),
            (with(&|c| c.lr = f64::INFINITY), 10, 2, "lr must be > 0"),
            (with(&|c| (c.lr, c.schedule) = (tiny * 0.99, Schedule::Constant)), 10, 2, "smallest normal"),
            (with(&|c| c.schedule = Schedule::Cosine { lr_min: -1e-9 }), 10, 2, "lr_min"),
            (with(&|c| c.schedule = Schedule::Cosine { lr_min: 0.02 * (1.0 + 1e-12) }), 10, 2, "lr_min"),
            (with(&|c| c.schedule = Schedule::Cosine { lr_min: f64::NAN }), 10, 2, "lr_min"),
            (with(&|c| (c.lr, c.schedule) = (f64::MAX, Schedule::Cosine { lr_min: f64::INFINITY })), 10, 2, "lr_min"),
            (with(&|c| c.steps = 0), 10, 2, "steps"),
            (with(&|c| c.record_every = 0), 10, 2, "record_every"),
            (with(&|c| (c.kernel, c.hidden) = (Kernel::Fused, vec![3, 3])), 10, 2, "fused"),
            (with(&|c| c.batch_size = Some(0)), 10, 2, "batch_size"),
            (with(&|c| c.activation = Activation::LeakyRelu(-0.01)), 10, 2, "slope"),
            (with(&|c| c.activation = Activation::LeakyRelu(f32::NAN)), 10, 2, "slope"),
            (with(&|c| c.activation = Activation::LeakyRelu(f32::INFINITY)), 10, 2, "slope"),
            (with(&|c| c.optimizer = adam(1.0, 0.999, 1e-8)), 10, 2, "betas"),
            (with(&|c| c.optimizer = adam(-0.1, 0.999, 1e-8)), 10, 2, "betas"),
            (with(&|c| c.optimizer = adam(0.9, 1.0, 1e-8)), 10, 2, "betas"),
            (with(&|c| c.optimizer = adam(0.9, -0.1, 1e-8)), 10, 2, "betas"),
            (with(&|c| c.optimizer = adam(0.9, 0.999, 0.0)), 10, 2, "eps must be > 0"),
            (with(&|c| c.optimizer = adam(0.9, 0.999, f64::INFINITY)), 10, 2, "eps must be > 0"),
            (with(&|c| c.optimizer = adam(0.9, 0.999, 1e-50)), 10, 2, "eps must be a positive float32"),
            (with(&|c| c.optimizer = Optimizer::Sgd { momentum: 1.0 }), 10, 2, "momentum"),
            (with(&|c| c.optimizer = Optimizer::Sgd { momentum: -0.1 }), 10, 2, "momentum"),
            (with(&|c| c.fixed_output = Some(0.0)), 10, 2, "output_scale"),
            (with(&|c| c.fixed_output = Some(-1.0)), 10, 2, "output_scale"),
            (with(&|c| c.fixed_output = Some(f32::INFINITY)), 10, 2, "output_scale"),
            // 2^15 + 1 rows of 2^15 units: past 2^30 activations (the product itself past usize: refused alike)
            (with(&|c| c.hidden = vec![1 << 15]), (1 << 15) + 1, 1, "activations"),
            (with(&|c| c.hidden = vec![2]), usize::MAX, 1, "activations"),
        ];
        for (cfg, n, d, word) in &refused {
            match cfg.validate(*n, *d) {
                Err(CoreError::InvalidArgument(m) | CoreError::TooLarge(m)) if m.contains(word) => {}
                other => panic!("{word}: {other:?} for {cfg:?}"),
            }
        }
        // the edges, taken
        let taken: Vec<(TrainConfig, usize)> = vec![
            (with(&|c| c.hidden = vec![1]), 1),
            (with(&|c| (c.lr, c.schedule) = (tiny, Schedule::Constant)), 10),
            (with(&|c| c.schedule = Schedule::Cosine { lr_min: 0.0 }), 10),
            (with(&|c| c.schedule = Schedule::Cosine { lr_min: 0.02 }), 10),
            (with(&|c| (c.steps, c.record_every) = (1, 1)), 10),
            (with(&|c| c.kernel = Kernel::Fused), 10),
            (with(&|c| c.batch_size = Some(1)), 10),
            (with(&|c| c.activation = Activation::LeakyRelu(0.0)), 10),
            (with(&|c| c.optimizer = adam(0.0, 0.0, 1e-44)), 10),
            (with(&|c| c.optimizer = Optimizer::Sgd { momentum: 0.0 }), 10),
            (with(&|c| c.fixed_output = Some(f32::MIN_POSITIVE)), 10),
        ];
        for (cfg, n) in &taken {
            assert!(cfg.validate(*n, 2).is_ok(), "{cfg:?}: {:?}", cfg.validate(*n, 2));
        }
        // 2^30 activations exactly pass that check (the memory or work limits may refuse them, under their names)
        if let Err(e) = with(&|c| c.hidden = vec![1 << 15]).validate(1 << 15, 1) {
            assert!(!format!("{e:?}").contains("activations"), "{e:?}");
        }
    }

    #[test]
    fn float32_refuses_only_a_positive_value_that_float32_loses() {
        // its doc: a positive v that rounds to 0 or infinity in f32 is refused; anything else is v as f32
        for v in [0.0, -0.0, 1e-44, 1.0, f32::MAX as f64] {
            assert_eq!(float32("eps", v).unwrap().to_bits(), (v as f32).to_bits(), "{v}");
        }
        for v in [1e-50, 1e39, f64::INFINITY] {
            assert!(matches!(float32("eps", v), Err(CoreError::InvalidArgument(m)) if m.starts_with("eps ")), "{v}");
        }
    }

    #[test]
    fn a_protocol_is_the_reference_datas_settings() {
        // The reference data's README: Adam (PyTorch defaults) at lr 0.02 cosine-annealed to 2e-4 over 4000 steps is
        // the reference protocol; other protocols anneal to lr / 100, SGD has momentum 0.9.
        let p = TrainConfig::protocol(vec![3], OptimizerKind::Adam, 0.02, 4000, None, ScheduleKind::Cosine);
        assert_eq!(format!("{p:?}"), format!("{:?}", TrainConfig::reference(3)));
        let q = TrainConfig::protocol(vec![5, 2], OptimizerKind::Sgd, 0.5, 300, Some(16), ScheduleKind::Cosine);
        assert_eq!((q.optimizer, q.schedule), (Optimizer::Sgd { momentum: 0.9 }, Schedule::Cosine { lr_min: 0.005 }));
        assert_eq!((q.lr, q.steps, q.batch_size, &q.hidden[..]), (0.5, 300, Some(16), &[5, 2][..]));
        let c = TrainConfig::protocol(vec![3], OptimizerKind::Adam, 0.02, 10, None, ScheduleKind::Constant);
        assert_eq!(c.schedule, Schedule::Constant);
    }

    #[test]
    fn check_protocol_counts_the_work_of_every_restart_of_every_dataset() {
        // Its message's words, "{count} datasets x {restarts} restarts of training": the work of count x restarts
        // runs, each the work one run's validate counts, against max_work (not changed by any Rust test).
        let (d, n) = (2, 10);
        let cfg = TrainConfig::reference(3);
        let runs = (limits::get().max_work as f64 / cfg.work(n, d)).floor() as usize;
        assert!(runs > 1000, "{runs}");
        let max_work = |r: CoreResult<TrainConfig>| matches!(r, Err(CoreError::TooLarge(m)) if m.contains("max_work"));
        for count in [1, 2, 5] {
            let fit = runs / count;
            assert!(check_protocol(d, n, count, fit, &cfg).is_ok(), "{count} x {fit}");
            assert!(max_work(check_protocol(d, n, count, fit + 1, &cfg)), "{count} x {}", fit + 1);
            assert!(max_work(check_protocol(d, n, fit + 1, count, &cfg)), "{} x {count}", fit + 1);
        }
        // and it trains what it checks: the configuration returned stops at a perfect read, otherwise unchanged
        let got = check_protocol(d, n, 1, 1, &cfg).unwrap();
        assert!(got.stop_at_perfect && !cfg.stop_at_perfect);
        assert_eq!(format!("{:?}", TrainConfig { stop_at_perfect: false, ..got }), format!("{cfg:?}"));
        assert!(
            matches!(check_protocol(d, n, 1, 0, &cfg), Err(CoreError::InvalidArgument(m)) if m.contains("restarts"))
        );
    }

    #[test]
    fn check_restarts_counts_the_work_of_every_restart() {
        // Its docstring: the steps of all `restarts` runs against max_work (not changed by any Rust test), each run
        // the work its validate counts: the most restarts that fit pass, one more is refused naming max_work.
        let (d, n) = (2, 10_000);
        let cfg = TrainConfig::reference(3);
        let runs = (limits::get().max_work as f64 / cfg.work(n, d)).floor() as usize;
        assert!(runs > 100, "{runs}");
        assert!(check_restarts(&cfg, n, d, runs).is_ok());
        let r = check_restarts(&cfg, n, d, runs + 1);
        assert!(matches!(&r, Err(CoreError::TooLarge(m)) if m.contains("max_work")), "{r:?}");
    }

    #[test]
    fn check_snapshots_counts_the_snapshots_with_the_runs_beside_them() {
        // Its docstring: the snapshots of the runs (TrainConfig::snapshot_bytes) with the runs that train at the same
        // time and the results (restarts_bytes) against max_bytes (not changed by any Rust test). Here each part
        // fits alone, the two together do not: refused, naming snapshot_every.
        let (d, lim) = (2, limits::get().max_bytes as f64);
        let mut cfg = TrainConfig { kernel: Kernel::Gemm, ..TrainConfig::reference(50) };
        let n = (0.5 * lim / (4.0 * (3.0 * 50.0 + 1.0))).floor() as usize;
        cfg.steps = 1;
        let per = cfg.snapshot_bytes(d, 1, 1);
        cfg.steps = (0.75 * lim / per).floor() as usize;
        let (snaps, runs) = (cfg.snapshot_bytes(d, 1, 1), restarts_bytes(&cfg, n, d, 1));
        assert!(snaps < 0.9 * lim && runs < 0.9 * lim && snaps + runs > lim, "{snaps} + {runs} against {lim}");
        let r = check_snapshots(&cfg, n, d, 1, 1);
        assert!(matches!(&r, Err(CoreError::TooLarge(m)) if m.contains("snapshot_every=1")), "{r:?}");
    }

    #[test]
    fn check_protocol_counts_the_datasets_and_what_each_worker_holds_beside_them() {
        // Its docstring: the datasets (f32 points and u8 labels, count x n x (4 d + 1) bytes) and, at the same time,
        // either the f64 datasets being drawn or the runs being trained (TrainConfig::run_bytes), one a worker.
        // Once with datasets in f64 far larger than a run (d = 100, 3 units), once with a run far larger (d = 2, 1000
        // units); the largest count that fits max_bytes (not changed by any Rust test) passes it, one more is refused.
        let (n, workers, lim) = (1000usize, rayon::current_num_threads() as f64, limits::get().max_bytes as f64);
        for (d, units) in [(100usize, 3usize), (2, 1000)] {
            let mut cfg = TrainConfig::reference(units);
            cfg.steps = 1;
            let beside = workers * (n as f64 * (8 * d + 1) as f64).max(cfg.run_bytes(n, d));
            let fit = ((lim - beside) / (n * (4 * d + 1)) as f64).floor() as usize;
            assert!(fit as f64 > workers, "{fit}");
            // (max_work, checked after the bytes, may refuse the count that fits them)
            let bytes =
                |r: CoreResult<TrainConfig>| matches!(r, Err(CoreError::TooLarge(m)) if m.contains("max_bytes"));
            assert!(!bytes(check_protocol(d, n, fit, 1, &cfg)), "d {d}: {fit} datasets");
            assert!(bytes(check_protocol(d, n, fit + 1, 1, &cfg)), "d {d}: {} datasets", fit + 1);
        }
        // one dataset, one run: one f64 dataset or one run beside it, not a run a worker (d = 1, batches of 1: the
        // draw's 9 bytes a row against the run's 8, the f32 dataset's 5), at max_bytes / 14 rows
        let mut cfg = TrainConfig { steps: 1, batch_size: Some(1), ..TrainConfig::reference(1) };
        cfg.record_every = 1;
        let n = (lim / 14.0).floor() as usize - 1000;
        assert!(cfg.run_bytes(n, 1) < n as f64 * 9.0 && cfg.run_bytes(n, 1) > n as f64 * 7.0);
        let r = check_protocol(1, n, 1, 1, &cfg);
        assert!(r.is_ok(), "{r:?}");
        // and refused two thousand rows further: the draw's 9 bytes a row are counted, not the run's 8
        let r = check_protocol(1, n + 2000, 1, 1, &cfg);
        assert!(matches!(&r, Err(CoreError::TooLarge(m)) if m.contains("max_bytes")), "{r:?}");
        // and two restarts of it on two or more threads, two runs (16 bytes a row) beside the data: 21 bytes a row
        if rayon::current_num_threads() >= 2 {
            let row = |n: usize| check_protocol(1, n, 1, 2, &cfg);
            assert!(row((lim / 21.0) as usize - 1000).is_ok());
            let r = row((lim / 21.0) as usize + 1000);
            assert!(matches!(&r, Err(CoreError::TooLarge(m)) if m.contains("max_bytes")), "{r:?}");
        }
    }

    /// The steps at which a run of `cfg` reads all its points, as its loop decides them (`record || snap`).
    fn reads_brute(cfg: &TrainConfig, every: usize) -> usize {
        let (steps, record) = (cfg.steps, cfg.record_every);
        (0..steps).filter(|&t| t % record == 0 || (every > 0 && t % every == 0) || t + 1 == steps).count()
    }

    #[test]
    fn reads_and_work_count_the_passes_over_the_data_the_loop_makes() {
        // The loop reads all n rows at `t % record_every == 0`, at a snapshot's `t % every == 0` and at the last
        // step; with minibatches each read is a forward pass over the n rows beside the step's three passes over
        // its batch (work's docstring). Brute force over small runs, and the parameters from the layout.
        let (d, n, hidden) = (3usize, 40usize, vec![4usize, 2]);
        let params = Layout::new(d, &hidden).total as f64;
        for steps in 1..=41 {
            for record_every in 1..=9 {
                for every in 0..=9 {
                    let mut cfg =
                        TrainConfig { hidden: hidden.clone(), steps, record_every, ..TrainConfig::reference(1) };
                    let reads = reads_brute(&cfg, every);
                    assert_eq!(cfg.reads(every), reads, "steps {steps} record_every {record_every} every {every}");
                    let snaps = (0..steps).filter(|&t| every > 0 && (t % every == 0 || t + 1 == steps)).count();
                    assert_eq!(cfg.snapshots(every), snaps, "steps {steps} every {every}");
                    for (batch, rows) in [(None, n), (Some(n), n), (Some(n - 1), n - 1), (Some(7), 7)] {
                        cfg.batch_size = batch;
                        let passes = if rows < n { reads as f64 * n as f64 * params } else { 0.0 };
                        let want = steps as f64 * (3.0 * rows as f64 * params + STEP_OVERHEAD) + passes;
                        assert_eq!(cfg.work_observed(n, d, every), want, "{steps} {record_every} {every} {batch:?}");
                        if every == 0 {
                            assert_eq!(cfg.work(n, d), want);
                        }
                    }
                }
            }
        }
        // a least common multiple past usize: the two progressions meet at step 0 only
        let cfg = TrainConfig { steps: 50, record_every: 1 << 62, ..TrainConfig::reference(1) };
        for every in [(1 << 62) - 1, 3, usize::MAX] {
            assert_eq!(cfg.reads(every), reads_brute(&cfg, every), "{every}");
        }
    }

    #[test]
    fn check_snapshots_counts_each_snapshots_pass_over_the_data_in_the_work() {
        // Batches of one row, read twice (record_every = steps), a snapshot every step: with minibatches each
        // snapshot is a forward pass over all n rows (the loop's `record || snap`), steps x n x params in all, here
        // past max_work (not changed by any Rust test) though the run without them is far within it; the snapshots'
        // bytes are within max_bytes.
        let (d, n, lim) = (1usize, 1_000_000usize, limits::get().max_work as f64);
        let mut cfg = TrainConfig { batch_size: Some(1), ..TrainConfig::reference(333) };
        let params = Layout::new(d, &cfg.hidden).total as f64;
        cfg.steps = (1.5 * lim / (n as f64 * params)).ceil() as usize;
        cfg.record_every = cfg.steps;
        assert!(cfg.work(n, d) < 0.01 * lim && cfg.steps as f64 * n as f64 * params > lim);
        assert!(cfg.snapshot_bytes(d, 1, 1) < 0.5 * limits::get().max_bytes as f64);
        assert!(check_snapshots(&cfg, n, d, cfg.steps, 1).is_ok());
        let r = check_snapshots(&cfg, n, d, 1, 1);
        assert!(matches!(&r, Err(CoreError::TooLarge(m)) if m.contains("max_work")), "{r:?}");
        // a full batch reads in its own step's pass: the snapshots add none
        cfg.batch_size = None;
        assert_eq!(cfg.work_observed(n, d, 1), cfg.work(n, d));
    }

    #[test]
    fn params_count_the_layout() {
        // What the byte counts are measured against: rust/tests/bytes_measured.rs (the bytes each training call
        // allocates). The parameters they count: every entry of the flat layout the run trains.
        for (d, hidden) in [(4usize, vec![3usize, 5]), (1, vec![1]), (7, vec![10, 1, 4])] {
            let cfg = TrainConfig { hidden: hidden.clone(), ..TrainConfig::reference(1) };
            assert_eq!(cfg.params(d), Layout::new(d, &hidden).total as f64, "{d} {hidden:?}");
        }
    }

    #[test]
    fn the_kernel_is_the_one_the_engine_trains_with() {
        // run_bytes counts the buffers of TrainConfig::kernel_for's kernel: the engine's, the fused one exactly
        // where Auto picks it (d <= 3, one layer of >= 16 units, d x L <= FUSED_MAX_PARAMS)
        for (d, hidden, kernel, fused) in [
            (2usize, vec![64usize], Kernel::Auto, true),
            (3, vec![16], Kernel::Auto, true),
            (3, vec![15], Kernel::Auto, false),
            (4, vec![64], Kernel::Auto, false),
            (1, vec![8192], Kernel::Auto, true),
            (1, vec![8193], Kernel::Auto, false),
            (2, vec![64, 64], Kernel::Auto, false),
            (5, vec![4], Kernel::Fused, true),
            (2, vec![64], Kernel::Gemm, false),
        ] {
            let cfg = TrainConfig { hidden: hidden.clone(), kernel, ..TrainConfig::reference(1) };
            let eng = Engine::new(&Layout::new(d, &hidden), &cfg, 10);
            assert_eq!(eng.kernel == Kernel::Fused, fused, "{d} {hidden:?} {kernel:?}");
            assert_eq!(cfg.kernel_for(d), eng.kernel, "{d} {hidden:?} {kernel:?}");
            // each kernel's buffers only
            let gemm = eng.ws.acts.iter().chain(&eng.ws.deltas).map(|a| a.len()).sum::<usize>() + eng.z.len();
            assert_eq!((gemm > 0, eng.h.len() + eng.dh.len() > 0), (!fused, fused), "{d} {hidden:?} {kernel:?}");
        }
    }

    /// Two runs equal bit for bit (their floats compared as bits: a NaN equals itself).
    fn same_run(a: &RunResult, b: &RunResult) -> bool {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        a.best == b.best
            && a.last == b.last
            && a.best_accuracy.to_bits() == b.best_accuracy.to_bits()
            && (a.best_step, a.diverged_at, &a.history_steps) == (b.best_step, b.diverged_at, &b.history_steps)
            && a.final_accuracy.to_bits() == b.final_accuracy.to_bits()
            && bits(&a.loss_history) == bits(&b.loss_history)
            && bits(&a.accuracy_history) == bits(&b.accuracy_history)
            && a.after_divergence.map(f64::to_bits) == b.after_divergence.map(f64::to_bits)
    }

    #[test]
    fn the_restarts_count_every_step_and_train_as_without_the_counter() {
        // The counter ends at restarts * steps whatever stops a run early (a divergence, stop_at_perfect) and
        // wherever its reads fall; the runs are bit for bit those of the calls without it, at 1 and 2 threads.
        let (x, _) = small_data(60, 3, 5);
        let y: Vec<u8> = x.rows().into_iter().map(|r| u8::from(r[0] > 0.0)).collect(); // separable: a run can stop
        let (xd, yd) = random_dataset(300, 50, PointDist::Uniform, 3, 0);
        let xd = xd.mapv(|v| v as f32);
        let mut cases: Vec<(TrainConfig, usize, bool)> = Vec::new();
        let mut cfg = TrainConfig::reference(6);
        cfg.steps = 53;
        cfg.record_every = 10; // the last step (52) is a read of its own
        cases.push((cfg.clone(), 0, false));
        cases.push((TrainConfig { batch_size: Some(16), ..cfg.clone() }, 7, false)); // snapshots between reads
        cases.push((TrainConfig { stop_at_perfect: true, steps: 400, ..cfg.clone() }, 0, false));
        cases.push((diverging_cfg(), 0, true));
        for (cfg, every, wide) in cases {
            let (xv, yv) = if wide { (xd.view(), &yd[..]) } else { (x.view(), &y[..]) };
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let restarts = 3;
                let done = AtomicU64::new(0);
                let counted = pool.install(|| train_restarts_counting(xv, yv, &cfg, 4, 1, restarts, every, &done));
                let counted = counted.unwrap();
                assert_eq!(done.load(Ordering::Relaxed), (restarts * cfg.steps) as u64, "{cfg:?} {threads}");
                // each restart trained alone, without a counter (train_run_full with `done` None), on its stream:
                // train_restarts and train_restarts_observed are train_restarts_counting, so not the reference
                let plain: Vec<(RunResult, Vec<Snapshot>)> = (0..restarts)
                    .map(|r| {
                        let mut kept = Vec::new();
                        let mut keep = |s: Snapshot| {
                            kept.push(s);
                            Ok(())
                        };
                        let run = pool.install(|| {
                            train_run_observed(xv, yv, &cfg, &mut train_stream(4, 1, r as u64), every, &mut keep)
                        });
                        (run.unwrap(), kept)
                    })
                    .collect();
                for (c, p) in counted.iter().zip(&plain) {
                    assert!(same_run(&c.0, &p.0), "{cfg:?} {threads}");
                    let steps = |s: &[Snapshot]| s.iter().map(|s| (s.step, s.network.clone())).collect::<Vec<_>>();
                    assert_eq!(steps(&c.1), steps(&p.1));
                    assert_eq!(c.1.len(), if every > 0 { cfg.snapshots(every) } else { 0 });
                }
                if cfg.stop_at_perfect {
                    assert!(counted.iter().any(|c| c.0.history_steps.len() < cfg.reads(0)), "no run stopped early");
                }
                if wide {
                    assert!(counted.iter().any(|c| c.0.diverged_at.is_some()), "no run diverged");
                }
            }
        }
    }

    #[test]
    fn a_run_counts_its_steps_as_they_complete() {
        // At the snapshot of step t (before its update; every 7th) steps 0..t are done: the counter has at most t of
        // them, and lags by less than one read interval (record_every steps); it never decreases and ends at steps.
        let (x, y) = small_data(40, 2, 8);
        let mut cfg = TrainConfig::reference(5);
        cfg.steps = 97;
        for record_every in [1, 3, 20] {
            cfg.record_every = record_every;
            let done = AtomicU64::new(0);
            let mut seen = Vec::new();
            let mut watch = |s: Snapshot| {
                seen.push((s.step as u64, done.load(Ordering::Relaxed)));
                Ok(())
            };
            let run = train_run_counting(x.view(), &y, &cfg, &mut train_stream(2, 0, 0), 7, &mut watch, &done);
            assert_eq!(seen.len(), cfg.snapshots(7));
            let lag = record_every as u64;
            for &(t, n) in &seen {
                assert!(n <= t && n + lag > t, "{record_every}: {n} steps counted at step {t}");
            }
            // monotone, and each snapshot's step counted by the next snapshot (a run adds at each snapshot too)
            assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1 && w[1].1 > w[0].0), "{record_every}: {seen:?}");
            if record_every > 1 {
                assert!(seen.iter().any(|&(t, n)| n > 0 && n < t), "{record_every}: {seen:?}");
            }
            assert_eq!(done.load(Ordering::Relaxed), cfg.steps as u64);
            let plain = train_run_observed(x.view(), &y, &cfg, &mut train_stream(2, 0, 0), 7, &mut |_| Ok(()));
            assert!(same_run(&run.unwrap(), &plain.unwrap()));
        }
    }

    #[test]
    fn protocol_accuracy_counts_every_run_and_measures_as_without_the_counter() {
        // The counter ends at count * restarts * steps: each run's steps, a run that stopped at 100% (or diverged)
        // with the steps it left. The measurement is bit for bit that of each run trained alone without a counter
        // (train_run: `done` None) on its dataset and stream, at 1 and 3 threads.
        let mut easy = TrainConfig::reference(16);
        easy.steps = 400; // 20 points in d=5: most runs read 100% early and stop
        let mut hard = TrainConfig::reference(2);
        hard.steps = 60; // 200 points, 2 hidden units, 60 steps: no run reaches 100%
        let cases = [(5, 20, 3, 2, easy), (2, 200, 2, 3, hard), (50, 300, 1, 2, diverging_cfg())];
        for (d, n, count, restarts, cfg) in cases {
            let (seed, first) = (3u64, 2u64); // datasets 2.., each on its own stream
            let stopping = TrainConfig { stop_at_perfect: true, ..cfg.clone() };
            let mut runs = Vec::new();
            for i in 0..count as u64 {
                let (x, y) = random_dataset(n, d, PointDist::Uniform, seed, first + i);
                let x = x.mapv(|v| v as f32);
                for r in 0..restarts as u64 {
                    runs.push(train_run(x.view(), &y, &stopping, &mut train_stream(seed, first + i, r)).unwrap());
                }
            }
            let want = ProtocolRuns {
                accuracy: runs
                    .chunks(restarts)
                    .map(|c| c.iter().map(|r| r.protocol_accuracy()).fold(f64::NEG_INFINITY, f64::max))
                    .collect(),
                diverged: runs.chunks(restarts).map(|c| c.iter().filter(|r| r.diverged_at.is_some()).count()).collect(),
            };
            let early = runs.iter().filter(|r| r.history_steps.len() < cfg.reads(0)).count();
            match d {
                5 => assert!(early > 0 && runs.iter().all(|r| r.diverged_at.is_none()), "no run stopped at 100%"),
                2 => assert_eq!((early, runs.iter().map(|r| r.best_accuracy).fold(0.0, f64::max) < 1.0), (0, true)),
                _ => assert!(runs.iter().any(|r| r.diverged_at.is_some()), "no run diverged"),
            }
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let done = AtomicU64::new(0);
                let got = pool.install(|| {
                    protocol_accuracy(d, n, PointDist::Uniform, seed, first, count, restarts, &cfg, Some(&done))
                });
                let got = got.unwrap();
                assert_eq!(done.load(Ordering::Relaxed), (count * restarts * cfg.steps) as u64, "d={d} {threads}");
                let bits = |m: &ProtocolRuns| m.accuracy.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
                assert_eq!((bits(&got), &got.diverged), (bits(&want), &want.diverged), "d={d} {threads}");
            }
        }
    }
}
