//! Monte Carlo simulation of how random hidden hyperplanes partition random
//! labelled points: occupied regions, occupancy and majority-vote accuracy.
//!
//! Trial `t` draws its layer from stream `(seed, t, LAYER)` and its chunk
//! `c` of points and labels from stream `(seed, t, c)`, so every number is a
//! function of `(seed, t)` alone, whatever the thread count.

use crate::activation_regions::{count_streamed, stream_worker_bytes, table_bytes, Layer, CHUNK_ROWS};
use crate::error::{invalid, CoreResult};
use crate::limits::{self, Cancel};
use crate::rng::stream;
use ndarray::{Array1, Array2};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

const LAYER_STREAM: u64 = u64::MAX;

pub use crate::choices::{Init, PointDist};

/// Settings of one simulation.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    pub d: usize,
    pub n: usize,
    pub l: usize,
    pub dist: PointDist,
    pub init: Init,
    pub seed: u64,
}

/// What one trial measured.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialResult {
    pub n_regions: u64,
    pub majority_accuracy: f64,
    /// `hist[k]` = number of occupied regions holding exactly `k` points.
    pub occupancy_hist: Vec<u64>,
}

/// Draw the hidden layer of trial `t`: `W` `(d, L)` and `b` `(L,)` (row by row, checking for
/// Ctrl-C between rows).
pub fn draw_layer(cfg: &SimConfig, t: u64) -> CoreResult<(Array2<f64>, Array1<f64>)> {
    let mut rng = stream(cfg.seed, t, LAYER_STREAM);
    let scale = 1.0 / (cfg.d as f64).sqrt();
    let mut draw = || match cfg.init {
        Init::Uniform => rng.random_range(-scale..scale),
        Init::Gaussian => scale * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng),
    };
    // row by row, then b, in that order, with a check for Ctrl-C every 2^18 draws (a check a row was 2^27 draws
    // unchecked at d = 1, 2.8 s, an audit found)
    const EVERY: usize = 1 << 18;
    let mut w = Array2::zeros((cfg.d, cfg.l));
    for (i, v) in w.iter_mut().enumerate() {
        if i % EVERY == 0 {
            crate::limits::check()?;
        }
        *v = draw();
    }
    let mut b = Array1::zeros(cfg.l);
    for (i, v) in b.iter_mut().enumerate() {
        if i % EVERY == 0 {
            crate::limits::check()?;
        }
        *v = draw();
    }
    Ok((w, b))
}

/// Fill chunk `c` of trial `t` with points and fair-coin labels.
pub fn fill_points(cfg: &SimConfig, t: u64, c: usize, x: &mut Array2<f64>, y: &mut [u8]) {
    let mut rng = stream(cfg.seed, t, c as u64);
    let rows = (cfg.n - c * CHUNK_ROWS).min(CHUNK_ROWS);
    for (r, label) in y.iter_mut().enumerate().take(rows) {
        for v in x.row_mut(r).iter_mut() {
            *v = match cfg.dist {
                PointDist::Uniform => rng.random_range(-1.0..1.0),
                PointDist::Gaussian => StandardNormal.sample(&mut rng),
            };
        }
        *label = rng.random::<bool>() as u8;
    }
}

/// Run trial `t`.
pub fn run_trial(cfg: &SimConfig, t: u64) -> CoreResult<TrialResult> {
    let (w, b) = draw_layer(cfg, t)?;
    let layers = [Layer { w: w.view(), b: b.view() }];
    let table = count_streamed(cfg.n, cfg.d, &layers, true, |c, xb, yb| {
        fill_points(cfg, t, c, xb, yb);
        Ok(None)
    })?;
    let s = table.summary();
    let mut hist = vec![0u64; s.occupancy.first().map_or(1, |&m| m as usize + 1)];
    for &o in &s.occupancy {
        hist[o as usize] += 1;
    }
    Ok(TrialResult { n_regions: s.n_regions, majority_accuracy: s.majority_accuracy(), occupancy_hist: hist })
}

/// Steps (in [`limits::check_work`]'s sense, about a multiply-add each) a trial costs besides its points' products
/// through the layer: per point and unit (a sign, a bit of the pattern), and per trial (its streams, table and
/// histogram). `benchmarks/bench_simulation.py` prints the time of a step so counted (0.04-0.15 ns of one core, `d`
/// 1-200, in one run).
const TRIAL_UNIT_STEPS: f64 = 24.0;
const TRIAL_STEPS: f64 = 2.0e4;
/// Steps of one random number (a weight, a coordinate, a label).
const DRAW_STEPS: f64 = 16.0;

/// Steps of one trial of `cfg`: its `N x L` points and units at `d + 24` steps each, its draws (the layer's
/// `(d + 1) L` weights and `N (d + 1)` coordinates and labels) and its fixed cost.
pub fn trial_work(cfg: &SimConfig) -> f64 {
    let (d, n, l) = (cfg.d as f64, cfg.n as f64, cfg.l as f64);
    n * l * (d + TRIAL_UNIT_STEPS) + DRAW_STEPS * (d + 1.0) * (n + l) + TRIAL_STEPS
}

/// What `trials` trials of `cfg` check before the first runs, whether they run in one call or in batches
/// (`simulate_partition` checks the whole run first), in this order: the layer's parameters against `max_params`;
/// the memory of the trials running at once against `max_bytes`; their work ([`trial_work`] each) against
/// `max_work`; and the per-trial results kept (a count, an accuracy and a capped sum, 8 bytes each, and Python's
/// concatenated copies of them: 64 bytes a trial) against `max_bytes`. Until an audit after issue 12 there was no
/// work limit: `simulate_partition(1, 10**6, 1000, trials=10**8)` was accepted (about 13 years on two cores).
pub fn check_trials(cfg: &SimConfig, trials: u64) -> CoreResult<()> {
    let (d, l) = (cfg.d as f64, cfg.l as f64);
    limits::check_params(&format!("a hidden layer of d={} x L={} units", cfg.d, cfg.l), (d + 1.0) * l)?;
    let per_trial = trial_bytes(cfg);
    let running = (rayon::current_num_threads() as f64).min(trials as f64).max(1.0);
    limits::check_bytes(
        &format!("{} simulated trials of N={} points and L={} units at a time", running, cfg.n, cfg.l),
        per_trial * running,
    )?;
    let what = format!(
        "trials={trials} simulated trials of N={} points through L={} units in d={} (about {:.3e} steps a trial)",
        cfg.n,
        cfg.l,
        cfg.d,
        trial_work(cfg)
    );
    limits::check_work(&what, trials as f64 * trial_work(cfg), None)?;
    limits::check_bytes(&format!("the results of {what}"), 64.0 * trials as f64)
}

/// Bytes one running trial holds: the layer, what one worker of [`count_streamed`] holds (a chunk of points and
/// labels, one block of it through the layer: [`stream_worker_bytes`]) and a pattern table that may hold up to N
/// distinct L-bit patterns, as `count_streamed` counts it. (Until pass 65 a whole chunk's activations, as
/// `count_streamed` held them until then: 17 GB for N = 2,048 points through L = 10^6 units in d = 2, whose trial
/// holds 1 GB.)
pub fn trial_bytes(cfg: &SimConfig) -> f64 {
    let (d, l) = (cfg.d as f64, cfg.l as f64);
    8.0 * (d + 1.0) * l
        + stream_worker_bytes(cfg.n, cfg.d, &[(cfg.d, cfg.l)], std::mem::size_of::<f64>())
        + table_bytes(cfg.n, cfg.l)
}

/// Run trials `first .. first + count` in parallel (results in trial order).
///
/// ```
/// use _core::counting::regions;
/// use _core::simulation::{simulate, Init, PointDist, SimConfig};
/// let cfg = SimConfig { d: 2, n: 300, l: 6, dist: PointDist::Uniform, init: Init::Uniform, seed: 7 };
/// let trials = simulate(&cfg, 0, 4)?;
/// for t in &trials {
///     // 6 lines cut the plane into at most 1 + 6 + 15 regions; the histogram counts every point once
///     assert!(t.n_regions >= 1 && regions(6, 2)? >= t.n_regions.into());
///     assert_eq!(t.occupancy_hist.iter().sum::<u64>(), t.n_regions);
///     assert_eq!(t.occupancy_hist.iter().enumerate().map(|(k, &c)| k as u64 * c).sum::<u64>(), 300);
///     assert!(t.majority_accuracy >= 0.5 && t.majority_accuracy <= 1.0);
/// }
/// // trial t is a function of (seed, t) alone
/// assert_eq!(simulate(&cfg, 2, 1)?[0], trials[2]);
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn simulate(cfg: &SimConfig, first: u64, count: u64) -> CoreResult<Vec<TrialResult>> {
    if cfg.d == 0 || cfg.n == 0 || cfg.l == 0 {
        return invalid("d, N and L must all be >= 1");
    }
    if first.checked_add(count).is_none() {
        return invalid(format!("trials first + count must be below 2^64, got {first} + {count}"));
    }
    check_trials(cfg, count)?;
    let cancel = Cancel::current();
    (first..first + count)
        .into_par_iter()
        .map(|t| {
            cancel.check()?;
            // Install the token on this worker so the trial's own loops see it.
            cancel.run(|| run_trial(cfg, t))
        })
        .collect()
}

/// Trial results reduced to what callers keep: per-trial counts and
/// accuracies, the occupancy histogram summed over trials (`hist[k]` =
/// regions holding `k` points; `O(N)` memory whatever the trial count) and,
/// per trial, the capped sum `sum over regions of min(points, cap)`.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialsSummary {
    pub regions: Vec<u64>,
    pub accuracy: Vec<f64>,
    pub hist: Vec<u64>,
    pub capped: Vec<u64>,
}

/// The `cap` of [`summarize`]'s capped sum when the caller gives none, in `d` dimensions: `d + 1`, the parameters
/// of an affine function on `R^d`, so the most points of one region whose labels a network affine on that region
/// can fit whatever they are (`d + 1` points in general position, any labelling); a region's further points add
/// nothing the network can use (`simulate_partition`'s `capped_occupancy`, the Monte Carlo estimator's input).
pub fn default_cap(d: usize) -> u64 {
    d as u64 + 1
}

/// Reduce `res` (see [`TrialsSummary`]); `cap` is usually [`default_cap`].
pub fn summarize(res: &[TrialResult], cap: u64) -> TrialsSummary {
    let width = res.iter().map(|r| r.occupancy_hist.len()).max().unwrap_or(1);
    let mut hist = vec![0u64; width];
    for r in res {
        for (k, &c) in r.occupancy_hist.iter().enumerate() {
            hist[k] += c;
        }
    }
    TrialsSummary {
        regions: res.iter().map(|r| r.n_regions).collect(),
        accuracy: res.iter().map(|r| r.majority_accuracy).collect(),
        hist,
        capped: res
            .iter()
            .map(|r| r.occupancy_hist.iter().enumerate().map(|(k, &c)| c * (k as u64).min(cap)).sum())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counting::regions;

    #[test]
    fn summary_matches_hand_sums() {
        let t = |n_regions, hist: Vec<u64>| TrialResult { n_regions, majority_accuracy: 0.75, occupancy_hist: hist };
        // Trial 0: 2 regions of 1 point, 1 of 3 points (5 points); trial 1: 1 region of 5 points.
        let res = vec![t(3, vec![0, 2, 0, 1]), t(1, vec![0, 0, 0, 0, 0, 1])];
        let s = summarize(&res, 2);
        assert_eq!(s.regions, vec![3, 1]);
        assert_eq!(s.hist, vec![0, 2, 0, 1, 0, 1]);
        // min(1,2)+min(1,2)+min(3,2) = 4; min(5,2) = 2.
        assert_eq!(s.capped, vec![4, 2]);
        assert_eq!(summarize(&[], 3).hist, vec![0]);
    }
    use num_traits::ToPrimitive;

    fn cfg(d: usize, n: usize, l: usize) -> SimConfig {
        SimConfig { d, n, l, dist: PointDist::Uniform, init: Init::Uniform, seed: 3 }
    }

    #[test]
    fn a_trial_counts_one_block_of_a_wide_layer_not_a_chunk() {
        // N = 2,048 points through L = 10^6 units in d = 2: count_streamed passes blocks of 2^30 / ((2 + 16) 10^6) =
        // 59 rows (2,048 = 34 x 59 + 42: no block of one row), so a trial holds the layer (3 x 10^6 f64), the chunk's
        // points and labels (2,048 x (2 x 8 + 1) bytes), 59 rows of 10^6 f64 outputs and 15,625 key words, and the
        // table (2,048 x (16 x 15,625 + 64) bytes): 1.0 GB. check_trials counted 2,048 rows of outputs until pass
        // 65, 17 GB, and refused a trial that fits a 2 GB budget (fails on the old code: its per-trial term).
        let (d, n, l, words) = (2.0, 2048.0, 1e6, 15_625.0);
        let truth = 8.0 * (d + 1.0) * l + n * (8.0 * d + 1.0) + 59.0 * 8.0 * (l + words) + n * (16.0 * words + 64.0);
        assert_eq!(trial_bytes(&cfg(2, 2048, 1_000_000)), truth);
        assert!(truth < 1.1e9);
        // a narrow layer takes its chunk whole: 300 points through 40 units hold 300 rows of outputs and 1 key word
        let (d, n, l) = (3.0, 300.0, 40.0);
        let truth = 8.0 * (d + 1.0) * l + n * (8.0 * d + 1.0) + n * 8.0 * (l + 1.0) + n * (16.0 + 64.0);
        assert_eq!(trial_bytes(&cfg(3, 300, 40)), truth);
    }

    #[test]
    fn same_seed_same_numbers_any_thread_count() {
        let c = cfg(3, 5000, 20);
        let a = simulate(&c, 0, 6).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| simulate(&c, 0, 6)).unwrap();
        assert_eq!(a, b);
        // Running the trials in two batches gives the same numbers too.
        let mut c2 = simulate(&c, 0, 2).unwrap();
        c2.extend(simulate(&c, 2, 4).unwrap());
        assert_eq!(a, c2);
    }

    #[test]
    fn occupied_regions_never_exceed_min_n_and_arrangement() {
        for &(d, n, l) in &[(1usize, 3000usize, 10usize), (2, 200, 30), (3, 4000, 12)] {
            let bound = regions(l as u64, d as u64).unwrap().to_u64().unwrap().min(n as u64);
            for r in simulate(&cfg(d, n, l), 0, 4).unwrap() {
                assert!(r.n_regions <= bound, "{d} {n} {l}: {} > {bound}", r.n_regions);
                assert_eq!(r.occupancy_hist.iter().enumerate().map(|(k, &c)| k as u64 * c).sum::<u64>(), n as u64);
                assert!(r.majority_accuracy >= 0.5 && r.majority_accuracy <= 1.0);
            }
        }
    }

    #[test]
    fn trials_are_checked_against_the_work_limit() {
        // An audit's call: 10^8 trials of 10^6 points through 1000 units (about 4 s each on two cores): refused
        // before the first, naming trials and max_work (the default limit is 1e13 steps, 7-25 minutes of one core).
        let e = simulate(&cfg(1, 1_000_000, 1000), 0, 100_000_000).unwrap_err().to_string();
        assert!(e.contains("trials=100000000") && e.contains("(max_work)"), "{e}");
        // The cost model, whatever its constants: at least the layer's multiply-adds N L d, finite, and strictly
        // more with each of d, N and L.
        for &(d, n, l) in &[(1usize, 1usize, 1usize), (1, 1_000_000, 1000), (10, 1000, 50), (200, 5000, 512)] {
            let w = trial_work(&cfg(d, n, l));
            assert!(w.is_finite() && w >= (n * l * d) as f64, "{d} {n} {l}: {w}");
            for more in [cfg(d + 1, n, l), cfg(d, n + 1, l), cfg(d, n, l + 1)] {
                assert!(trial_work(&more) > w, "{more:?}");
            }
        }
        // The documented runs and the estimator's default 200 trials of a large first layer pass (on a pool of two
        // threads, so that the memory of the trials running at once does not depend on the machine's cores).
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for (c, trials) in [(cfg(10, 1000, 50), 200), (cfg(2, 1000, 16), 200), (cfg(100, 100_000, 1000), 200)] {
            assert!(pool.install(|| check_trials(&c, trials)).is_ok(), "{c:?}");
        }
        // Far beyond: refused on the count alone, at any size.
        assert!(check_trials(&cfg(1, 1, 1), 1 << 62).is_err());
        // A layer of (d + 1) L parameters just above the default max_params (2^28; no test changes it) is refused
        // for them, before its memory or work is looked at.
        let d = 1usize << 14;
        let e = check_trials(&cfg(d, 1, d + 1), 1).unwrap_err().to_string();
        assert!(e.contains("max_params") && (d + 1) * (d + 1) > limits::DEFAULT_MAX_PARAMS as usize, "{e}");
        // The biases count: d L = 2^28 weights alone are at the limit, the L biases put the layer above it.
        let e = check_trials(&cfg(d, 1, d), 1).unwrap_err().to_string();
        assert!(e.contains("max_params") && d * d == limits::DEFAULT_MAX_PARAMS as usize, "{e}");
    }

    /// Mean, mean square and largest magnitude of `v`.
    fn moments<'a>(v: impl Iterator<Item = &'a f64>) -> (f64, f64, f64, usize) {
        let (mut s, mut s2, mut top, mut n) = (0.0, 0.0, 0.0f64, 0usize);
        for &x in v {
            (s, s2, top, n) = (s + x, s2 + x * x, top.max(x.abs()), n + 1);
        }
        (s / n as f64, s2 / n as f64, top, n)
    }

    #[test]
    fn layers_are_drawn_from_the_documented_distributions() {
        // Init::Uniform: U(-1/sqrt(d), 1/sqrt(d)) for W and b (PyTorch's nn.Linear): mean 0 (variance s^2 / 3),
        // mean square s^2 / 3 (variance 4 s^4 / 45), inside (-s, s) and reaching near both ends. Init::Gaussian:
        // N(0, 1/d): mean 0, mean square s^2 (variance 2 s^4), past s in about a third of the draws. Five standard
        // errors each, on 16 x 4096 weights and 4096 biases.
        let (d, l) = (16usize, 4096usize);
        let s = 1.0 / (d as f64).sqrt();
        for init in [Init::Uniform, Init::Gaussian] {
            let c = SimConfig { d, n: 1, l, dist: PointDist::Uniform, init, seed: 11 };
            let (w, b) = draw_layer(&c, 5).unwrap();
            assert_eq!((w.dim(), b.len()), ((d, l), l));
            for (what, (mean, ms, top, n)) in [("W", moments(w.iter())), ("b", moments(b.iter()))] {
                let k = (n as f64).sqrt();
                let (want_ms, sd_mean, sd_ms) = match init {
                    Init::Uniform => (s * s / 3.0, s / 3f64.sqrt(), s * s * (4.0f64 / 45.0).sqrt()),
                    Init::Gaussian => (s * s, s, s * s * 2f64.sqrt()),
                };
                assert!(mean.abs() < 5.0 * sd_mean / k, "{init:?} {what}: mean {mean}");
                assert!((ms - want_ms).abs() < 5.0 * sd_ms / k, "{init:?} {what}: mean square {ms} vs {want_ms}");
                match init {
                    Init::Uniform => assert!(top < s && top > 0.99 * s, "{what}: largest |v| {top} vs {s}"),
                    Init::Gaussian => assert!(top > 3.0 * s, "{what}: largest |v| {top} vs {s}"),
                }
            }
        }
    }

    #[test]
    fn points_and_labels_are_drawn_from_the_documented_distributions() {
        // Points uniform in [-1, 1)^d (mean square 1/3, variance 4/45) or standard normal (mean square 1,
        // variance 2), labels a fair coin; the last chunk fills its own rows. Five standard errors each.
        let (d, n) = (3usize, CHUNK_ROWS + 1000);
        for dist in [PointDist::Uniform, PointDist::Gaussian] {
            let c = SimConfig { d, n, l: 1, dist, init: Init::Uniform, seed: 4 };
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for chunk in 0..2 {
                let mut x = Array2::from_elem((CHUNK_ROWS, d), f64::NAN);
                let mut y = vec![7u8; CHUNK_ROWS];
                fill_points(&c, 2, chunk, &mut x, &mut y);
                let rows = if chunk == 0 { CHUNK_ROWS } else { 1000 };
                // (and only its own: the rows past them are not drawn)
                assert!(
                    x.slice(ndarray::s![rows.., ..]).iter().all(|v| v.is_nan()) && y[rows..].iter().all(|&v| v == 7)
                );
                xs.extend(x.slice(ndarray::s![..rows, ..]).iter().copied());
                ys.extend(y[..rows].iter().map(|&v| v as f64));
            }
            let (mean, ms, top, count) = moments(xs.iter());
            assert_eq!(count, n * d);
            let k = (count as f64).sqrt();
            let (want_ms, sd_mean, sd_ms) = match dist {
                PointDist::Uniform => (1.0 / 3.0, (1.0f64 / 3.0).sqrt(), (4.0f64 / 45.0).sqrt()),
                PointDist::Gaussian => (1.0, 1.0, 2f64.sqrt()),
            };
            assert!(mean.abs() < 5.0 * sd_mean / k, "{dist:?}: mean {mean}");
            assert!((ms - want_ms).abs() < 5.0 * sd_ms / k, "{dist:?}: mean square {ms} vs {want_ms}");
            match dist {
                PointDist::Uniform => assert!(top <= 1.0 && top > 0.99, "largest |x| {top}"),
                PointDist::Gaussian => assert!(top > 3.0, "largest |x| {top}"),
            }
            let (ones, _, _, _) = moments(ys.iter());
            assert!(ys.iter().all(|&v| v == 0.0 || v == 1.0), "{dist:?}: labels not 0/1");
            assert!((ones - 0.5).abs() < 5.0 * 0.5 / (n as f64).sqrt(), "{dist:?}: fraction of ones {ones}");
        }
    }

    #[test]
    fn an_empty_size_is_refused_alone() {
        // d = 0, N = 0 or L = 0, each with the other two positive, is refused (not a trial of nothing).
        for (d, n, l) in [(0usize, 10usize, 5usize), (2, 0, 5), (2, 10, 0)] {
            let e = simulate(&cfg(d, n, l), 0, 1).unwrap_err().to_string();
            assert!(e.contains("d, N and L must all be >= 1"), "{d} {n} {l}: {e}");
        }
        let e = simulate(&cfg(2, 10, 5), u64::MAX, 1).unwrap_err().to_string();
        assert!(e.contains("below 2^64"), "{e}");
    }

    #[test]
    fn one_point_per_region_is_perfect() {
        // Many units on few points in high dimension: every point gets its own region.
        let r = simulate(&cfg(50, 20, 200), 0, 3).unwrap();
        for t in r {
            assert_eq!(t.n_regions, 20);
            assert_eq!(t.majority_accuracy, 1.0);
        }
    }

    #[test]
    fn a_trial_counts_every_number_it_draws() {
        // The draws' share of a trial's work is DRAW_STEPS a number drawn: the entries of the layer draw_layer
        // returns and of the points and labels fill_points writes (counted here from the arrays: all but NaN and 7).
        for &(d, n, l) in &[(1usize, 1usize, 1usize), (3, 10, 7), (5, CHUNK_ROWS + 3, 2)] {
            let c = cfg(d, n, l);
            let (w, b) = draw_layer(&c, 0).unwrap();
            let mut drawn = w.len() + b.len();
            for chunk in 0..n.div_ceil(CHUNK_ROWS) {
                let mut x = Array2::from_elem((CHUNK_ROWS, d), f64::NAN);
                let mut y = vec![7u8; CHUNK_ROWS];
                fill_points(&c, 0, chunk, &mut x, &mut y);
                drawn += x.iter().filter(|v| !v.is_nan()).count() + y.iter().filter(|&&v| v != 7).count();
            }
            let rest = trial_work(&c) - (n * l) as f64 * (d as f64 + TRIAL_UNIT_STEPS) - TRIAL_STEPS;
            assert!((rest - DRAW_STEPS * drawn as f64).abs() < 1e-6 * rest, "{d} {n} {l}: {rest} vs {drawn} draws");
        }
    }
}
