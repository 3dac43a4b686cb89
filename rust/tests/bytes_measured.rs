//! The byte estimators that `max_bytes` refusals rest on, against the memory the calls measurably allocate.
//!
//! This binary counts every allocation (its own `#[global_allocator]`: a wrapper around the system allocator that
//! keeps the bytes held now and their peak). Each measured call runs alone (behind [`LOCK`]) in a rayon pool of its
//! own, and its peak is taken above what was held when it started, its result included: what a refusal must
//! foresee. Each estimate must be at least that peak (else a call the limit accepts can hold more than the limit:
//! an abort under an address-space cap), give or take [`SMALL`] bytes of bookkeeping, and at most [`RATIO`] times
//! it plus [`FIXED`] ([`FIXED_PICTURES`] for `region_polygons`; else calls that fit are refused). Run with
//! `--nocapture` to see the ratios.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use _core::{limits, CoreError, CoreResult};

struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Bytes this thread allocated less those it freed: a single-threaded call's own, which no other thread's
    /// bookkeeping reaches (a pool thread of an earlier case still freeing or allocating moves `HELD`).
    static MINE: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}
fn mine(by: isize) {
    // (`try_with`: nothing to count on a thread being torn down)
    let _ = MINE.try_with(|m| m.set(m.get() + by));
}
fn grew(by: usize) {
    let now = HELD.fetch_add(by, Ordering::SeqCst) + by;
    PEAK.fetch_max(now, Ordering::SeqCst);
    mine(by as isize);
}
fn shrank(by: usize) {
    HELD.fetch_sub(by, Ordering::SeqCst);
    mine(-(by as isize));
}

// SAFETY: every method forwards to `System` with the same arguments; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        shrank(l.size());
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, size) };
        if !q.is_null() {
            if size >= l.size() {
                grew(size - l.size());
            } else {
                shrank(l.size() - size);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One measured call at a time: the counters and the limits are the process's.
static LOCK: Mutex<()> = Mutex::new(());

/// Bytes a call may hold beyond its estimate: bookkeeping no estimator counts (a pool's job queues, an error's
/// message, the vectors of a parallel collect; under 2 KiB measured).
const SMALL: f64 = 4096.0;
/// An estimate may be at most `RATIO` times the peak plus `FIXED`.
const RATIO: f64 = 4.0;
const FIXED: f64 = 16384.0;
/// `region_polygons` counts what it may reserve whatever its size: a chunk of cells a worker and layer below the
/// first, about 0.3 MiB each.
const FIXED_PICTURES: f64 = 1048576.0;

/// `f()` and the most bytes held during it above those held when it started (what it returns included).
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let base = HELD.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, (PEAK.load(Ordering::SeqCst) - base) as f64)
}

/// The pool of `threads` (1 or 2) workers, each of which has made a product with the `gemm` crate: its first
/// product on a thread allocates a scratch buffer the size of the L2 cache (2 MiB here), kept until the thread ends,
/// which no estimator counts: a fixed cost a thread, like its stack and its malloc arena
/// (`limits::THREAD_ADDRESS_SPACE`, which the default `max_bytes` leaves room for). One pool of each size for the
/// whole binary, never dropped: a dropped pool's threads end when they will, and a thread that ended during a later
/// measurement freed its scratch buffer there, which hid that call's own allocations (a CI run measured 544 bytes
/// for a call that holds about 800 KB).
fn pool(threads: usize) -> &'static rayon::ThreadPool {
    static POOLS: [OnceLock<rayon::ThreadPool>; 2] = [OnceLock::new(), OnceLock::new()];
    assert!((1..=2).contains(&threads), "pools of 1 or 2 threads");
    POOLS[threads - 1].get_or_init(|| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.broadcast(|_| {
            let (a, b) = (ndarray::Array2::<f64>::ones((256, 64)), ndarray::Array2::<f64>::ones((64, 4096)));
            let mut c = ndarray::Array2::<f64>::zeros((256, 4096));
            _core::linalg::matmul_into(a.view(), b.view(), c.view_mut(), false);
        });
        pool
    })
}

/// Assert that `estimate` covers `peak` (up to [`SMALL`]) and is not far above it; print the ratio.
fn assert_covers(what: &str, estimate: f64, peak: f64, fixed: f64) {
    println!("{what}: estimate {estimate}, peak {peak}, ratio {:.3}", estimate / peak);
    assert!(peak <= estimate + SMALL, "{what}: {peak} bytes allocated, {estimate} estimated");
    assert!(estimate <= RATIO * peak + fixed, "{what}: {estimate} bytes estimated, {peak} allocated");
}

/// The smallest `max_bytes` under which `call` is not refused for memory (a `TooLarge` naming max_bytes), by
/// bisection between 0 and `hi`, to 0.05%: the bytes the call's checks count, as a caller meets them. `hi` must be
/// accepted.
fn least_accepted<T>(hi: f64, mut call: impl FnMut() -> CoreResult<T>) -> f64 {
    let before = limits::get();
    let mut refused = |lim: u64| {
        limits::set(None, Some(lim), None).unwrap();
        matches!(call(), Err(CoreError::TooLarge(m)) if m.contains("max_bytes"))
    };
    let (mut lo, mut hi) = (0u64, hi as u64);
    let refused_at_hi = refused(hi);
    if !refused_at_hi {
        while hi - lo > 1 + hi / 2000 {
            let mid = lo + (hi - lo) / 2;
            if refused(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }
    limits::set(None, Some(before.max_bytes), None).unwrap();
    assert!(!refused_at_hi, "refused under max_bytes = {hi}");
    hi as f64
}

/// A measured call's peak, then the least `max_bytes` it is accepted under (searched up to what
/// [`assert_covers`] allows), checked against each other.
fn check_call<T>(what: &str, fixed: f64, mut call: impl FnMut() -> CoreResult<T>) {
    let (out, peak) = peak_of(&mut call);
    drop(out.unwrap());
    assert_covers(what, least_accepted(RATIO * peak + fixed, call), peak, fixed);
}

mod training {
    use super::*;
    use _core::simulation::PointDist;
    use _core::training::{
        random_dataset, restarts_bytes, train_restarts, train_restarts_observed, Kernel, TrainConfig,
    };
    use ndarray::Array2;

    fn data(n: usize, d: usize) -> (Array2<f32>, Vec<u8>) {
        let (x, y) = random_dataset(n, d, PointDist::Uniform, 7, 0);
        (x.mapv(|v| v as f32), y)
    }

    /// `train_restarts` (`restarts_bytes`) and `train_restarts_observed` (with `snapshot_bytes`) of 1 and 3
    /// restarts on 1 and 2 threads: full batches and minibatches, one and two hidden layers, both kernels, and
    /// batches of one row through a wide layer (where the parameters' copies dominate).
    #[test]
    fn the_trainer_holds_what_it_counts() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        for (n, d, hidden, batch, kernel, steps, record_every) in [
            (2000usize, 5usize, vec![64usize], None, Kernel::Gemm, 12usize, 5usize),
            (2000, 5, vec![64], Some(100usize), Kernel::Auto, 12, 5),
            (2000, 2, vec![64], None, Kernel::Auto, 12, 5),
            (20000, 2, vec![64], None, Kernel::Auto, 12, 5),
            (2000, 2, vec![64], Some(30), Kernel::Fused, 12, 5),
            (100, 1, vec![8192], None, Kernel::Auto, 12, 5),
            (500, 3, vec![32, 16], Some(50), Kernel::Gemm, 12, 5),
            (4000, 50, vec![8], Some(2000), Kernel::Auto, 12, 5),
            (50, 20, vec![20000], Some(1), Kernel::Gemm, 12, 5),
            // a tiny network read every step: its history is most of what it holds
            (10, 1, vec![2], None, Kernel::Auto, 16400, 1),
        ] {
            let (x, y) = data(n, d);
            let cfg = TrainConfig {
                hidden: hidden.clone(),
                steps,
                record_every,
                batch_size: batch,
                kernel,
                ..TrainConfig::reference(1)
            };
            for threads in [1, 2] {
                pool(threads).install(|| {
                    for restarts in [1, 3] {
                        let what = format!(
                            "N={n} d={d} {hidden:?} batch {batch:?} {kernel:?}, {steps} steps read every {record_every}, \
                             {restarts} restarts on {threads} threads"
                        );
                        let estimate = restarts_bytes(&cfg, n, d, restarts);
                        let (runs, peak) = peak_of(|| train_restarts(x.view(), &y, &cfg, 1, 0, restarts).unwrap());
                        drop(runs);
                        assert_covers(&what, estimate, peak, FIXED);
                        for every in [1, 4] {
                            let estimate = cfg.snapshot_bytes(d, every, restarts) + estimate;
                            let (runs, peak) = peak_of(|| {
                                train_restarts_observed(x.view(), &y, &cfg, 1, 0, restarts, every).unwrap()
                            });
                            drop(runs);
                            assert_covers(&format!("{what}, a snapshot every {every}"), estimate, peak, FIXED);
                        }
                    }
                });
            }
        }
    }
}

mod sparse {
    use super::*;
    use _core::sparse::{calibrate_thresholds, projection, relu_code, threshold_code, topk_code, Projection};
    use ndarray::Array1;

    /// Each code, and the thresholds' calibration, on 1 and 2 threads: the least `max_bytes` the call is accepted
    /// under against its peak. One point in many units (a row's indices outweigh the block), many points in many
    /// units (a block is a few rows), and many points in few units (the block is 1,024 rows); two points in many
    /// units, half of them firing (3,125 calibration blocks: their vectors count), half the units firing (the
    /// threshold code's indices outweigh its block), and many points in two units (its row counts and pointers
    /// outweigh the rest).
    #[test]
    fn the_codes_hold_what_they_count() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        for (n, d, m, k) in [
            (1usize, 3usize, 200_000usize, 10usize),
            (1500, 3, 100_000, 10),
            (100, 3, 1000, 10),
            (3000, 10, 2000, 20),
            (5000, 2, 300, 30),
            (2, 1, 200_000, 100_000),
            (5000, 2, 300, 150),
            (200_000, 1, 2, 1),
        ] {
            let x = projection(n, d, Projection::Gaussian, 3).unwrap();
            let theta = projection(d, m, Projection::Gaussian, 5).unwrap();
            let bias = Array1::<f64>::zeros(m);
            let (x, theta, bias) = (x.view(), theta.view(), bias.view());
            for threads in [1, 2] {
                pool(threads).install(|| {
                    let what = format!("N={n} d={d} m={m} k={k} on {threads} threads");
                    check_call(&format!("top-k code, {what}"), FIXED, || topk_code(x, theta, bias, k));
                    if m * n > 10_000_000 {
                        return; // (the others take seconds there)
                    }
                    check_call(&format!("calibration, {what}"), FIXED, || calibrate_thresholds(x, theta, bias, k));
                    let tau = calibrate_thresholds(x, theta, bias, k).unwrap();
                    check_call(&format!("threshold code, {what}"), FIXED, || {
                        threshold_code(x, theta, bias, tau.view())
                    });
                    check_call(&format!("ReLU code, {what}"), FIXED, || relu_code(x, theta, bias));
                });
            }
        }
    }
}

mod pictures {
    use super::*;
    use _core::pictures::{region_polygons, Layer, Options, PwlNet, Window};
    use _core::sparse::{projection, Projection};
    use ndarray::{Array1, Array2};

    /// `region_polygons` of one and two hidden layers in 2, 3 and 5 dimensions, with and without the decision
    /// boundary, on 1 and 2 threads: the least `max_bytes` it is accepted under (its regions counted as they are
    /// made, then `arrays_bytes`) against its peak.
    #[test]
    fn region_polygons_holds_what_it_counts() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        for (d, widths) in
            [(2usize, vec![20usize]), (2, vec![200]), (3, vec![60]), (2, vec![12, 12]), (5, vec![30, 20])]
        {
            let mut fan = d;
            let mut layers: Vec<(Array2<f64>, Array1<f64>)> = Vec::new();
            for (i, &w) in widths.iter().enumerate() {
                let wm = projection(fan, w, Projection::Gaussian, 10 + i as u64).unwrap();
                let b = projection(1, w, Projection::Gaussian, 20 + i as u64).unwrap().row(0).to_owned() * 0.5;
                layers.push((wm, b));
                fan = w;
            }
            let wo = projection(1, fan, Projection::Gaussian, 30).unwrap().row(0).to_owned();
            let net = PwlNet {
                layers: layers.iter().map(|(w, b)| Layer { w: w.view(), b: b.view() }).collect(),
                w_out: wo.view(),
                b_out: 0.1,
                slope: 0.0,
            };
            let (mut u, mut v) = (vec![0.0; d], vec![0.0; d]);
            (u[0], v[1]) = (1.0, 1.0);
            let win = Window { origin: vec![0.1; d], u, v, lo: [-2.0, -2.0], hi: [2.0, 2.0] };
            for split in [false, true] {
                let opts = Options { split_decision: split, ..Options::default() };
                for threads in [1, 2] {
                    pool(threads).install(|| {
                        let what = format!("d={d} {widths:?} split_decision={split} on {threads} threads");
                        check_call(&what, FIXED_PICTURES, || region_polygons(&net, &win, opts, &|| false));
                    });
                }
            }
        }
    }
}

mod construct {
    use super::*;
    use _core::construct::{region_map, region_map_bytes};
    use _core::sparse::{projection, Projection};
    use ndarray::{Array1, Array2};

    /// `region_map` (`region_map_bytes`) on 1 and 2 threads: few regions through many units (the chunks of
    /// pre-activations dominate), random points in 3 and 20 dimensions, and every row its own region (the keys,
    /// hash table and per-region arrays at their worst: row `r` of `X` is the bits of `r` as signs, `W1` the
    /// identity), at sizes just past a power of two and just past a hash table's growth (7/8 of one). The estimate
    /// foresees one region a row, so where the rows share a few it is only checked to cover the peak.
    #[test]
    fn region_map_holds_what_it_counts() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut cases: Vec<(String, Array2<f64>, Array2<f64>)> = Vec::new();
        for (n, d, l) in [(5000usize, 1usize, 300usize), (5000, 3, 12), (20000, 20, 20), (100, 2, 5000)] {
            let x = projection(n, d, Projection::Gaussian, 3).unwrap();
            let w1 = projection(d, l, Projection::Gaussian, 5).unwrap();
            cases.push((format!("N={n} d={d} L={l} random"), x, w1));
        }
        for (n, l) in [(1025usize, 11usize), (2049, 12), (3585, 12), (7169, 13), (14337, 14), (131073, 18)] {
            let x = Array2::from_shape_fn((n, l), |(r, j)| if r >> j & 1 == 1 { 1.0 } else { -1.0 });
            cases.push((format!("N={n} d=L={l}, a region a row"), x, Array2::eye(l)));
        }
        // Wide: 2051 points through 30,000 units, the first 12 the identity (a region a row), computed a block of
        // about 259 columns at a time; counted through all the units until the fifty-eighth pass (5.4 times the peak on
        // one thread).
        let x = Array2::from_shape_fn((2051, 12), |(r, j)| if r >> j & 1 == 1 { 1.0 } else { -1.0 });
        let rest = projection(12, 30_000 - 12, Projection::Gaussian, 7).unwrap();
        let w1 = ndarray::concatenate![ndarray::Axis(1), Array2::eye(12), rest];
        cases.push(("N=2051 d=12 L=30000, a region a row".to_string(), x, w1));
        for (what, x, w1) in &cases {
            let ((n, d), l) = (x.dim(), w1.ncols());
            let b1 = Array1::from_shape_fn(l, |i| 0.01 * (i % 7) as f64 - 0.03);
            let b1 = if what.contains("a region a row") { Array1::zeros(l) } else { b1 };
            let w2 = Array1::from_shape_fn(l, |i| 1.0 - 0.1 * (i % 5) as f64);
            for threads in [1, 2] {
                pool(threads).install(|| {
                    let (rm, peak) = peak_of(|| region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.5).unwrap());
                    let regions = rm.patterns.nrows();
                    assert!(regions == n || !what.contains("a region a row"), "{what}: {regions} regions");
                    drop(rm);
                    let estimate = region_map_bytes(n, d, l, threads);
                    let what = format!("region_map {what} on {threads} threads, {regions} regions");
                    if regions == n && (threads == 1 || n > 2048) {
                        assert_covers(&what, estimate, peak, FIXED);
                    } else {
                        // one region a row foreseen, and a chunk a worker: above RATIO times the peak where the rows
                        // share a few regions, or fit in one chunk on two threads
                        println!("{what}: estimate {estimate}, peak {peak}, ratio {:.3}", estimate / peak);
                        assert!(peak <= estimate + SMALL, "{what}: {peak} bytes allocated, {estimate} estimated");
                    }
                    // the refusal counts this estimate (at the pool's thread count), as a caller meets it
                    let call = || region_map(x.view(), w1.view(), b1.view(), w2.view(), 0.5);
                    let accepted = least_accepted(2.0 * estimate, call);
                    assert!((accepted - estimate).abs() <= 1.0 + estimate / 1000.0, "{what}: {accepted} {estimate}");
                });
            }
        }
    }
}

mod patterns {
    use super::*;
    use _core::activation_regions::{count_patterns, Layer};
    use _core::simulation::{simulate, Init, PointDist, SimConfig};
    use _core::sparse::{projection, Projection};
    use ndarray::{Array1, Array2};

    /// `count_patterns` (what `count_streamed` counts) on 1 and 2 threads, a region a row (the rows are the sign
    /// vectors of 0 .. N in d = 13 bits, the first 13 units the identity), through one and two layers: the least
    /// `max_bytes` it is accepted under against its peak.
    #[test]
    fn pattern_tables_hold_what_they_count() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // (and 16 x (4096 + 256) rows in d = 17: each of the 16 shards holds about 4,352 +- 66 patterns, every one
        // just past a doubling of its key arena, its cells and its hash index, the table's worst point)
        // (and 2051 points through 30,000 units in d = 12, a block of 1,278 rows at a time and a last chunk of 3: its
        // outputs held for a whole chunk of 2,048 rows until pass 65, 1.6 times what a block needs)
        for (d, n, widths) in [
            (13, 6000usize, vec![40usize]),
            (13, 8000, vec![200, 30]),
            (13, 5000, vec![14]),
            (17, 69632, vec![40]),
            (12, 2051, vec![30_000]),
        ] {
            let x = Array2::from_shape_fn((n, d), |(r, j)| if r >> j & 1 == 1 { 1.0 } else { -1.0 });
            let mut owned = Vec::new();
            let mut fan = d;
            for (i, &l) in widths.iter().enumerate() {
                let w = if i == 0 {
                    let rest = projection(d, l - d, Projection::Gaussian, 7).unwrap();
                    ndarray::concatenate![ndarray::Axis(1), Array2::eye(d), rest]
                } else {
                    projection(fan, l, Projection::Gaussian, 8 + i as u64).unwrap()
                };
                owned.push((w, Array1::<f64>::zeros(l)));
                fan = l;
            }
            let layers: Vec<Layer<f64>> = owned.iter().map(|(w, b)| Layer { w: w.view(), b: b.view() }).collect();
            for threads in [1, 2] {
                pool(threads).install(|| {
                    let what = format!("count_patterns N={n} d={d} {widths:?} on {threads} threads");
                    check_call(&what, FIXED, || count_patterns(x.view(), &layers, None));
                });
            }
        }
    }

    /// `simulate` (what `check_trials` counts) on 1 and 2 threads, with more units than make points share regions.
    #[test]
    fn simulations_hold_what_they_count() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // (and 2,100 points through 50,000 units in d = 2: blocks of 1,193 rows, which check_trials counted as whole
        // chunks of 2,048 until the sixty-fifth pass)
        for (d, n, l, trials) in
            [(3usize, 5000usize, 300usize, 2u64), (5, 3000, 100, 3), (2, 300, 2000, 2), (2, 2100, 50_000, 1)]
        {
            let cfg = SimConfig { d, n, l, dist: PointDist::Gaussian, init: Init::Gaussian, seed: 5 };
            for threads in [1, 2] {
                pool(threads).install(|| {
                    let what = format!("simulate d={d} N={n} L={l}, {trials} trials on {threads} threads");
                    check_call(&what, FIXED, || simulate(&cfg, 0, trials));
                });
            }
        }
    }
}

mod window {
    use super::*;
    use _core::sparse::{projection, Projection};
    use _core::window::{ball_program, ball_program_bytes, network_regions_in_box_counting, NetworkOptions};
    use ndarray::{Array1, Array2};
    use std::sync::atomic::AtomicU64;

    /// The bytes a refusal names ("needs about 1.234 MiB").
    fn named_bytes(m: &str) -> f64 {
        let mut it = m.split("needs about ").nth(1).unwrap_or("").split_whitespace();
        let v: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        let unit = it.next().and_then(|u| ["B", "KiB", "MiB", "GiB", "TiB"].iter().position(|&k| k == u));
        unit.map_or(f64::NAN, |k| v * 1024f64.powi(k as i32))
    }

    /// A piece's solved program as `count_network` holds it (a `microlp::Solution` of the inscribed ball in `d`
    /// dimensions: `d + 1` variables, the box's `2 d` rows and `m` half-spaces) against what the estimate counts for
    /// it, `12 (d + 2) + 60` floats a row and 512 floats (4 KiB): 1.1-2.5 times what it holds (7-44 times its rows'
    /// `d + 2` entries in floats, most at few rows in 2-D; 8 times was counted until session 60).
    #[test]
    fn a_ball_programs_solution_holds_what_it_is_counted_at() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        for d in [2usize, 3, 4, 6, 8, 12] {
            for m in [0usize, 10, 20, 40, 80] {
                // m half-spaces `a . u <= c`, |a| = 1, that leave a ball: rows (a, c) as `count_network` passes them
                let mut cons = Vec::with_capacity(m * (d + 1));
                for i in 0..m {
                    let a: Vec<f64> = (0..d).map(|k| ((i * 31 + k * 17) % 13) as f64 - 6.0).collect();
                    let norm = a.iter().map(|x| x * x).sum::<f64>().sqrt().max(1.0);
                    cons.extend(a.iter().map(|x| x / norm));
                    cons.push(0.3 + 0.01 * i as f64);
                }
                // this thread's own bytes (the program is built and solved here): the global counter also sees a
                // pool thread of an earlier case freeing or allocating its bookkeeping (a CI run read 7,836 bytes
                // there for the 5,586 this holds, and the case allowed SMALL more until session 61)
                let base = MINE.with(|m| m.get());
                let solution = ball_program(d, &cons).0.solve().unwrap().into_solution().unwrap();
                let held = (MINE.with(|m| m.get()) - base) as f64;
                let counted = ball_program_bytes(d, m + 2 * d);
                let what = format!("d={d}, {m} half-spaces");
                println!("{what}: held {held}, counted {counted}, ratio {:.3}", counted / held);
                assert!(held <= counted, "{what}: {held} bytes held, {counted} counted");
                drop(solution);
            }
        }
    }

    /// Hidden layers of `widths` units in `d` dimensions (Gaussian weights, biases in [-0.5, 0.5]) and output
    /// weights.
    #[allow(clippy::type_complexity)]
    fn network(d: usize, widths: &[usize]) -> (Vec<(Array2<f64>, Array1<f64>)>, Array1<f64>) {
        let mut fan = d;
        let mut layers: Vec<(Array2<f64>, Array1<f64>)> = Vec::new();
        for (i, &w) in widths.iter().enumerate() {
            let wm = projection(fan, w, Projection::Gaussian, 10 + i as u64).unwrap();
            let b = Array1::from_shape_fn(w, |j| 0.1 * ((j * 7 + i) % 11) as f64 - 0.5);
            layers.push((wm, b));
            fan = w;
        }
        (layers, Array1::from_shape_fn(fan, |j| 1.0 - 0.1 * (j % 5) as f64))
    }

    /// [`check_layers`] of `widths` units in `d` dimensions (Gaussian weights, biases in [-0.5, 0.5]).
    fn check_network_count(d: usize, widths: &[usize]) -> u64 {
        let (layers, w_out) = network(d, widths);
        check_layers(&format!("d={d} {widths:?}"), &layers, &w_out)
    }

    /// `network_regions_in_box` of `layers` on the box [-2, 2]^d, counted, and listed (without and with the output's
    /// maps, `w_out`) under `max_regions` equal to the count, on 1 and 2 threads: refused under `max_bytes` just below
    /// its measured peak, and estimated at most 16 times it; and the bytes listing adds to the peak (over the count's)
    /// at most what it adds to the estimate (the pieces' slack must not be what covers the list). Returns the regions.
    #[allow(clippy::type_complexity)]
    fn check_layers(name: &str, layers: &[(Array2<f64>, Array1<f64>)], w_out: &Array1<f64>) -> u64 {
        let d = layers[0].0.nrows();
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (lo, hi) = (Array1::from_elem(d, -2.0), Array1::from_elem(d, 2.0));
        let mut count = 0;
        // the count's peak and estimate on 1 and 2 threads, which the listing adds to
        let mut counted = [(0.0, 0.0); 2];
        for (list, readout) in [(false, None), (true, None), (true, Some((w_out.view(), 0.2)))] {
            for threads in [1, 2] {
                pool(threads).install(|| {
                    let opts = NetworkOptions { list, max_regions: count.max(1), ..NetworkOptions::default() };
                    let opts = if list { opts } else { NetworkOptions::default() };
                    let call = || {
                        let found = AtomicU64::new(0);
                        network_regions_in_box_counting(&views, readout, lo.view(), hi.view(), &opts, &found)
                    };
                    let (out, peak) = peak_of(call);
                    let regions = *out.unwrap().per_layer.last().unwrap();
                    count = if list { count } else { regions };
                    assert_eq!(regions, count);
                    let maps = readout.is_some();
                    let what = format!("{name}, {regions} regions, list={list} maps={maps} on {threads} threads");
                    let before = limits::get();
                    limits::set(None, Some((peak - SMALL) as u64), None).unwrap();
                    let refused = matches!(call(), Err(CoreError::TooLarge(m)) if m.contains("max_bytes"));
                    // the estimate, to 4 digits, as the refusal under 1 byte names it
                    limits::set(None, Some(1), None).unwrap();
                    let estimate = match call() {
                        Err(CoreError::TooLarge(m)) => named_bytes(&m),
                        _ => f64::NAN,
                    };
                    limits::set(None, Some(before.max_bytes), None).unwrap();
                    println!("{what}: estimate {estimate}, peak {peak}, ratio {:.3}", estimate / peak);
                    assert!(refused, "{what}: {peak} bytes allocated, accepted under max_bytes {}", peak - SMALL);
                    assert!(estimate <= 16.0 * peak, "{what}: {estimate} bytes estimated, {peak} allocated");
                    // what listing adds to the peak is what it adds to the estimate, at most (not the count's slack)
                    let (count_peak, count_estimate) = counted[threads - 1];
                    if list {
                        let (more, counted_more) = (peak - count_peak, estimate - count_estimate);
                        println!("{what}: the list adds {more} bytes to the peak, {counted_more} to the estimate");
                        assert!(more <= counted_more + SMALL, "{what}: the list {more} bytes, counted {counted_more}");
                    } else {
                        counted[threads - 1] = (peak, estimate);
                    }
                });
            }
        }
        count
    }

    /// [`check_network_count`] in 2 to 12 dimensions, wide and deep: 2.9-6.7 times the peak measured in 2 and 3
    /// dimensions (8.3-12.5 for four layers of 12 units in 2-D, whose peak the 16 programs a stack may keep outweigh),
    /// 1.8-3.4 from 5 to 12 (session 61; 1.7-8.8 before, when
    /// every piece was priced at all the units' half-spaces and held its solved program: in 2-D and 3-D the 256-510
    /// pieces of the breadth-first start were most of the peak, in 5 and 6 the program was counted at 8 times
    /// `rows (d + 2)` floats until session 60 and fell to 0.69-0.84 of the peak). Those pieces now hold no program
    /// and the estimate counts none for them: were they to hold theirs again, the 2-D count of 40 units would fail
    /// here (3.3 MB held, accepted under 1.8 MB). In 12 dimensions 12 units cut the box into 4,096 regions.
    #[test]
    fn network_regions_in_box_holds_what_it_counts() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        for (d, widths) in [
            (2usize, vec![40usize]),
            (2, vec![100]),
            (2, vec![12, 12, 12, 12]),
            (3, vec![16, 16]),
            (5, vec![20]),
            (6, vec![14]),
            (12, vec![12]),
        ] {
            check_network_count(d, &widths);
        }
    }

    /// [`check_layers`] where the depth-first stack is deep: 40 units in general position (the breadth-first start's
    /// 256 pieces and more), then a fan of 200 lines through one point at increasing angles. The piece holding the
    /// point is cut by every line of the fan, each cut's first half waiting while the second (the wedge the next
    /// line cuts again) goes on: a stack about 200 halves deep, of programs of up to 2 d + 240 rows. Only
    /// `KEEP_WAITING` (16) of them keep their program: were every half to keep it (a count's usual stack is 4-21
    /// deep, session 61), this count would hold several times its estimate.
    #[test]
    fn a_deep_stack_holds_what_it_counts() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let (general, fan) = (24usize, 160usize);
        let (mut layers, _) = network(2, &[general]);
        let (w, b) = &layers[0];
        let (p0, p1) = (0.3, 0.2);
        let w = Array2::from_shape_fn((2, general + fan), |(k, j)| {
            if j < general {
                w[[k, j]]
            } else {
                let angle = std::f64::consts::PI * ((j - general) as f64 + 0.5) / fan as f64;
                if k == 0 {
                    angle.cos()
                } else {
                    angle.sin()
                }
            }
        });
        let b =
            Array1::from_shape_fn(
                general + fan,
                |j| if j < general { b[j] } else { -(w[[0, j]] * p0 + w[[1, j]] * p1) },
            );
        layers[0] = (w, b);
        let w_out = Array1::from_shape_fn(general + fan, |j| 1.0 - 0.1 * (j % 5) as f64);
        check_layers(&format!("d=2, {general} units and a fan of {fan}"), &layers, &w_out);
    }

    /// [`check_network_count`] where the list is most of what a count holds: 18 units in 18 dimensions cut the box
    /// into its 2^18 = 262,144 orthants, listed in 44.6 MB (85.5 MB with the maps) against a count's peak of 17 MB.
    /// Each piece's list grows by doubling, and so does the merged list while the pieces' are held: listing added 49.5
    /// MB to the peak (110.7 MB with the maps), 1.1-1.3 times the list counted until session 60, which only the
    /// pieces' slack covered. About ten minutes on two busy cores.
    #[test]
    #[ignore = "about ten minutes (2^18 regions in 18-D, six counts); run with --ignored"]
    fn a_long_list_holds_what_it_counts() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        assert_eq!(check_network_count(18, &[18]), 1 << 18);
    }

    /// What `count_network` estimated for a count (not listed) until session 61: every piece of the depth-first
    /// stacks (`2 (T + 2)` a thread) and of the breadth-first start (`2 FRONTIER`, 512) at all `T` units'
    /// half-spaces, the widest layer's rows and a program of `T + 2 d` rows.
    fn old_estimate(d: usize, total: usize, widest: usize, threads: usize) -> f64 {
        let (tf, wf, df) = (total as f64, widest as f64, d as f64);
        let piece = 8.0 * ((tf + 2.0) * (df + 1.0) + wf * (df + 2.0)) + ball_program_bytes(d, total + 2 * d);
        piece * (tf + 2.0) * threads as f64 * 2.0 + piece * 512.0
    }

    /// A count that the estimate until session 61 refused runs under `max_bytes` just above today's estimate (1 %
    /// above the figure its refusal names), and gives the count it gives without a limit.
    #[test]
    fn a_count_the_old_estimate_refused_runs_under_max_bytes_just_above_the_new() {
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        for (d, widths) in [(2usize, vec![40usize]), (3, vec![16, 16])] {
            let (layers, _) = network(d, &widths);
            let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
            let (lo, hi) = (Array1::from_elem(d, -2.0), Array1::from_elem(d, 2.0));
            let call = || {
                let found = AtomicU64::new(0);
                network_regions_in_box_counting(&views, None, lo.view(), hi.view(), &NetworkOptions::default(), &found)
            };
            for threads in [1, 2] {
                pool(threads).install(|| {
                    let free = call().unwrap().per_layer;
                    let before = limits::get();
                    limits::set(None, Some(1), None).unwrap();
                    let estimate = match call() {
                        Err(CoreError::TooLarge(m)) => named_bytes(&m),
                        _ => f64::NAN,
                    };
                    let lim = (1.01 * estimate) as u64;
                    let total = widths.iter().sum();
                    let old = old_estimate(d, total, *widths.iter().max().unwrap(), threads);
                    limits::set(None, Some(lim), None).unwrap();
                    let out = call();
                    limits::set(None, Some(before.max_bytes), None).unwrap();
                    let what = format!("d={d} {widths:?} on {threads} threads");
                    println!("{what}: estimate {estimate}, until session 61 {old}, {:.2} times", old / estimate);
                    assert!(old > lim as f64, "{what}: {old} bytes estimated until session 61, max_bytes {lim}");
                    assert_eq!(out.unwrap().per_layer, free, "{what}: under max_bytes {lim}");
                });
            }
        }
    }
}
