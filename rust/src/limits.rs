//! The resource policy of every public call, stated once: how many network
//! parameters a call may hold, how much memory it may reserve, and how much
//! work it may do before the caller must ask for more with `max_work=`; plus
//! the cancellation flag that makes long calls interruptible (Ctrl-C).
//!
//! Each public function checks its arguments against these limits *before*
//! allocating, and a refusal is a [`CoreError::TooLarge`] (a Python
//! `ValueError`) whose message names the limit and how to raise it. The limits
//! are process-wide and can be changed at run time (`nnpartition.limits` in
//! Python); the defaults suit a workstation.
//!
//! Cancellation: the binding layer runs a long call on a worker thread with a
//! fresh [`Cancel`] token installed ([`Cancel::run`]); core loops take
//! [`Cancel::current`] once on their entry thread, move the handle into their
//! rayon closures and call [`Cancel::check`] every few milliseconds of work, so
//! a Ctrl-C stops every worker and the call returns [`CoreError::Interrupted`].
//! Outside such a call (e.g. in `cargo test`) the token never fires.

use crate::error::{CoreError, CoreResult};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Default largest number of trainable parameters of one network (2^28, about
/// 1 GiB of `f32` per copy; trainers keep about four copies).
pub const DEFAULT_MAX_PARAMS: u64 = 1 << 28;
/// Largest default memory one call may reserve (8 GiB); the default in force
/// is lower on a machine with less than twice that (see [`default_max_bytes`]).
pub const DEFAULT_MAX_BYTES: u64 = 8 << 30;
/// Default largest work (elementary multiply-adds or comparable steps) a call
/// does without an explicit `max_work=` or a raised limit: 1e13, minutes to
/// hours of one core by the kind of step (`docs/limits.md`); beyond it a call
/// is almost surely a typo (`steps=10**12`).
pub const DEFAULT_MAX_WORK: u64 = 10_000_000_000_000;

/// Multiply-adds of the largest unit of work between two checks for Ctrl-C where splitting the work
/// costs something (a product split in pieces repacks an operand each piece): 2^30, about 0.05-0.1 s
/// of one core, well inside the half second a Ctrl-C may take, and large enough that the pieces cost
/// under 2% more than one product (measured against the undivided products of the previous build).
pub const UNIT_WORK: usize = 1 << 30;

/// Multiply-adds between two checks for Ctrl-C in a loop that need not be split to check (a check
/// is one atomic load): 2^22, about a millisecond.
pub const CHECK_WORK: usize = 1 << 22;

/// What one entry of an array that a pass writes or reads costs, counted in multiply-adds, where a unit of
/// work is sized: a product with a short inner dimension (`d = 1`: one multiply-add an entry) is bound by
/// the memory it moves and by the passes over its result (a bias added, a ReLU, a sign read), not by its
/// multiply-adds. Counted by multiply-adds alone, `X @ W` of 300 points through 10^6 units was one unit of
/// 1.2 GB written, and Ctrl-C took up to 2.9 s (training, an audit found), 3-3.5 s in `region_map`,
/// `count_regions` and `expand_sparsify` (a later audit).
pub const ENTRY_WORK: usize = 16;

/// A count or amount of work as messages print it: a whole number below 10^4 ("36", not "3.600e1"), and four
/// significant digits in scientific notation above ("4.043e9").
pub fn amount(x: f64) -> String {
    if x.is_finite() && x.abs() < 1e4 {
        format!("{}", x.round())
    } else {
        format!("{x:.3e}")
    }
}

/// How many items of `cost` multiply-adds each make about `work` (at least 1): the items of a unit
/// of [`UNIT_WORK`], or between two checks of [`CHECK_WORK`].
pub fn items_per(work: usize, cost: usize) -> usize {
    (work / cost.max(1)).max(1)
}

static MAX_PARAMS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_PARAMS);
/// 0 until first read, then [`default_max_bytes`] (or what `set` stored).
static MAX_BYTES: AtomicU64 = AtomicU64::new(0);

/// The most worker threads one call may ask for (`threads=`): four a core, and at least 64. More only
/// costs start-up time (about 1 ms a thread, while Ctrl-C cannot be seen: 4,096 took 16 s in a review)
/// and cannot change a result (every result is the same at any thread count).
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).saturating_mul(4).max(64)
}

/// Address space a worker thread maps when it starts: its 2 MiB stack and the 64 MiB malloc arena
/// glibc reserves for each new thread (on 64-bit Linux), which count against `ulimit -v` unused.
pub const THREAD_ADDRESS_SPACE: u64 = 66 << 20;

/// The default memory limit: 8 GiB, but at most half the physical memory and
/// half of what the process's address-space limit (`ulimit -v`) leaves above
/// what it already maps (the interpreter and its libraries, 160-300 MB) and
/// what its worker threads will map ([`THREAD_ADDRESS_SPACE`] each: the rayon
/// pool, `RAYON_NUM_THREADS` or one a core, and two more for the call itself),
/// where Linux reports them, so that an allowed request does not abort on
/// allocation failure. Computed once, at the first use of the limits (the
/// module's import in Python), and the same value ever after: what the process
/// maps grows, and `DEFAULT_LIMITS` must be the limit a process starts with.
pub fn default_max_bytes() -> u64 {
    static DEFAULT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *DEFAULT.get_or_init(measure_default_max_bytes)
}

fn measure_default_max_bytes() -> u64 {
    let mem_kb = proc_number("/proc/meminfo", "MemTotal:", 1);
    let cap = proc_number("/proc/self/limits", "Max address space", 3).map(|soft| {
        let held = proc_number("/proc/self/status", "VmSize:", 1).unwrap_or(0).saturating_mul(1024);
        (soft, held, pool_threads(std::env::var("RAYON_NUM_THREADS").ok().as_deref()))
    });
    max_bytes_for(mem_kb, cap)
}

/// The rayon pool's size: `RAYON_NUM_THREADS` (`env`) if a whole number above 0, else one a core.
fn pool_threads(env: Option<&str>) -> u64 {
    env.and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&t| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
}

/// [`default_max_bytes`] of a machine with `mem_kb` KiB of memory (if known) and, under an address-space
/// cap, `(cap bytes, bytes the process maps, rayon pool threads)`; at least 1 MiB.
fn max_bytes_for(mem_kb: Option<u64>, cap: Option<(u64, u64, u64)>) -> u64 {
    let mut lim = DEFAULT_MAX_BYTES;
    if let Some(kb) = mem_kb {
        lim = lim.min(kb.saturating_mul(1024) / 2);
    }
    if let Some((soft, held, pool)) = cap {
        let threads = pool.saturating_add(2).saturating_mul(THREAD_ADDRESS_SPACE);
        lim = lim.min(soft.saturating_sub(held).saturating_sub(threads) / 2);
    }
    lim.max(1 << 20)
}

/// The number in whitespace-separated field `field` of the first line of `path` that starts with
/// `key` (`None` if the file, the line or a number is missing, e.g. `unlimited`).
fn proc_number(path: &str, key: &str, field: usize) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(field)?.parse().ok()
}

fn max_bytes() -> u64 {
    match MAX_BYTES.load(Ordering::Relaxed) {
        0 => {
            let d = default_max_bytes();
            // Another thread may have set a limit meanwhile: keep theirs.
            let _ = MAX_BYTES.compare_exchange(0, d, Ordering::Relaxed, Ordering::Relaxed);
            MAX_BYTES.load(Ordering::Relaxed)
        }
        v => v,
    }
}
static MAX_WORK: AtomicU64 = AtomicU64::new(DEFAULT_MAX_WORK);

/// The limits in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_params: u64,
    pub max_bytes: u64,
    pub max_work: u64,
}

/// The limits in force now.
pub fn get() -> Limits {
    Limits {
        max_params: MAX_PARAMS.load(Ordering::Relaxed),
        max_bytes: max_bytes(),
        max_work: MAX_WORK.load(Ordering::Relaxed),
    }
}

/// Change some limits (each `>= 1`); returns the previous ones.
pub fn set(max_params: Option<u64>, max_bytes: Option<u64>, max_work: Option<u64>) -> CoreResult<Limits> {
    for (name, v) in [("max_params", max_params), ("max_bytes", max_bytes), ("max_work", max_work)] {
        if v == Some(0) {
            return Err(CoreError::InvalidArgument(format!("{name} must be >= 1, got 0")));
        }
    }
    let old = get();
    if let Some(v) = max_params {
        MAX_PARAMS.store(v, Ordering::Relaxed);
    }
    if let Some(v) = max_bytes {
        MAX_BYTES.store(v, Ordering::Relaxed);
    }
    if let Some(v) = max_work {
        MAX_WORK.store(v, Ordering::Relaxed);
    }
    Ok(old)
}

/// `b` bytes for a message: `"1.500 KiB"`, `"8 GiB"`.
pub fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", UNITS[i])
    } else {
        format!("{v:.3} {}", UNITS[i]).replace(".000 ", " ")
    }
}

/// Refuse a network of `params` parameters (an `f64` so products of huge
/// sizes cannot overflow) above `max_params`; `what` says what is built.
///
/// ```
/// use _core::limits::{check_params, get};
/// use _core::CoreError;
/// let max = get().max_params as f64;
/// assert!(check_params("a network", max).is_ok());
/// // one parameter over the limit is refused before anything is built, naming the limit
/// match check_params("a network", max + 1.0) {
///     Err(CoreError::TooLarge(msg)) => assert!(msg.contains("max_params"), "{msg}"),
///     other => panic!("expected TooLarge, got {other:?}"),
/// }
/// ```
pub fn check_params(what: &str, params: f64) -> CoreResult<()> {
    let lim = MAX_PARAMS.load(Ordering::Relaxed);
    if params.is_nan() || params > lim as f64 {
        return Err(CoreError::TooLarge(format!(
            "{what} has {params:.4e} parameters, above the limit of {lim} (max_params); use a smaller network, \
             or raise the limit with nnpartition.limits.set_limits(max_params=...)"
        )));
    }
    Ok(())
}

/// Refuse to reserve `bytes` (an `f64` so products cannot overflow) above `max_bytes`.
pub fn check_bytes(what: &str, bytes: f64) -> CoreResult<()> {
    check_bytes_under(what, bytes, max_bytes())
}

/// [`check_bytes`] against the limit `lim` (the `max_bytes` a call read when it started).
pub fn check_bytes_under(what: &str, bytes: f64, lim: u64) -> CoreResult<()> {
    if bytes.is_nan() || bytes > lim as f64 {
        return Err(CoreError::TooLarge(format!(
            "{what} needs about {} of memory, above the limit of {} (max_bytes); reduce the sizes, \
             or raise the limit with nnpartition.limits.set_limits(max_bytes=...) if the machine has the memory",
            human_bytes(bytes),
            human_bytes(lim as f64)
        )));
    }
    Ok(())
}

/// Refuse `work` (estimated elementary steps) above `max_work`: the call's own
/// `max_work=` argument if given, else the process-wide limit. `arg` is how the
/// caller can raise it (e.g. `"max_work="` of the function).
pub fn check_work(what: &str, work: f64, max_work: Option<u64>) -> CoreResult<()> {
    let (lim, how) = match max_work {
        Some(m) => (m, "pass a larger max_work="),
        None => (
            MAX_WORK.load(Ordering::Relaxed),
            "raise the limit with nnpartition.limits.set_limits(max_work=...) (or pass max_work= where the function \
             takes it)",
        ),
    };
    if work.is_nan() || work > lim as f64 {
        return Err(CoreError::TooLarge(format!(
            "{what} would take about {} steps, above the limit of {} (max_work); reduce the sizes, or {how}",
            amount(work),
            amount(lim as f64)
        )));
    }
    Ok(())
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// A cancellation token shared by the calling thread and every worker of one call.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

impl Cancel {
    /// A fresh token that fires when [`Cancel::cancel`] is called.
    pub fn new() -> Self {
        Cancel(Some(Arc::new(AtomicBool::new(false))))
    }

    /// The token installed on this thread by [`Cancel::run`], or one that never fires.
    /// Take it on the entry thread of a call and move it into rayon closures:
    /// worker threads do not see the calling thread's token.
    pub fn current() -> Self {
        Cancel(CURRENT.with(|c| c.borrow().clone()))
    }

    /// Ask every holder of this token to stop.
    pub fn cancel(&self) {
        if let Some(f) = &self.0 {
            f.store(true, Ordering::Relaxed);
        }
    }

    /// Has the call been cancelled?
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// `Err(Interrupted)` once the call has been cancelled.
    #[inline]
    pub fn check(&self) -> CoreResult<()> {
        if self.is_cancelled() {
            Err(CoreError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Run `f` with this token installed as [`Cancel::current`] on this thread.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let _installed = self.install();
        f()
    }

    /// Install this token as [`Cancel::current`] on this thread until the returned guard is dropped
    /// (then the previous one is back).
    pub fn install(&self) -> Installed {
        Installed(CURRENT.with(|c| c.replace(self.0.clone())))
    }
}

/// What [`Cancel::install`] replaced, put back on drop.
pub struct Installed(Option<Arc<AtomicBool>>);

impl Drop for Installed {
    fn drop(&mut self) {
        let prev = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// `Cancel::current().check()`: for loops on the entry thread of a call.
#[inline]
pub fn check() -> CoreResult<()> {
    Cancel::current().check()
}

/// What [`cancelled_a_quarter_in`] saw: the call's result without a token and with one, how long the call took
/// whole, how long the cancelled run took, and how long it ran on after the token fired.
#[cfg(test)]
pub(crate) struct QuarterIn<T> {
    pub uncancelled: T,
    pub result: T,
    pub whole: std::time::Duration,
    pub elapsed: std::time::Duration,
    pub late: std::time::Duration,
}

/// Test support for Ctrl-C: `call` timed once without a token, then run again under a token that another thread
/// fires a quarter of that time in. Timed first, the token lands inside the call at any machine's speed.
#[cfg(test)]
pub(crate) fn cancelled_a_quarter_in<T>(call: impl Fn() -> T) -> QuarterIn<T> {
    use std::time::Instant;
    let start = Instant::now();
    let uncancelled = call();
    let whole = start.elapsed();
    let token = Cancel::new();
    let remote = token.clone();
    let firer = std::thread::spawn(move || {
        std::thread::sleep(whole / 4);
        remote.cancel();
        Instant::now()
    });
    let start = Instant::now();
    let result = token.run(&call);
    let end = Instant::now();
    let fired = firer.join().expect("the firing thread does not panic");
    QuarterIn { uncancelled, result, whole, elapsed: end - start, late: end.saturating_duration_since(fired) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn messages_name_the_limit_and_how_to_raise_it() {
        let CoreError::TooLarge(m) = check_bytes("a test", 1e18).unwrap_err() else { panic!() };
        assert!(m.contains("max_bytes") && m.contains("set_limits(max_bytes="), "{m}");
        assert!(m.contains(&human_bytes(default_max_bytes() as f64)), "{m}");
        let CoreError::TooLarge(m) = check_params("a net", 1e12).unwrap_err() else { panic!() };
        assert!(m.contains("max_params") && m.contains(&DEFAULT_MAX_PARAMS.to_string()), "{m}");
        let CoreError::TooLarge(m) = check_work("a loop", 1e9, Some(1000)).unwrap_err() else { panic!() };
        assert!(m.contains("max_work") && m.contains("larger max_work="), "{m}");
        assert!(check_bytes("nan", f64::NAN).is_err());
        assert!(check_bytes("ok", 1024.0).is_ok() && check_work("ok", 10.0, None).is_ok());
        assert_eq!(human_bytes(1536.0), "1.500 KiB");
    }

    #[test]
    fn a_limit_is_the_most_allowed() {
        // What is above a limit is refused and the limit itself allowed (so `max_work=` the estimate runs).
        assert!(check_work("at", 1000.0, Some(1000)).is_ok() && check_work("over", 1000.5, Some(1000)).is_err());
        assert!(check_bytes_under("at", 4096.0, 4096).is_ok() && check_bytes_under("over", 4097.0, 4096).is_err());
        // no test changes the process-wide max_params
        let p = DEFAULT_MAX_PARAMS as f64;
        assert!(check_params("at", p).is_ok() && check_params("over", p + 1.0).is_err());
    }

    /// The documented values (docs/limits.md and the doc comments), written out rather than read from the constants.
    #[test]
    fn the_defaults_are_the_documented_ones() {
        assert_eq!(DEFAULT_MAX_PARAMS, 268_435_456); // 2^28
        assert_eq!(DEFAULT_MAX_BYTES, 8 * 1024 * 1024 * 1024); // 8 GiB
        assert_eq!(DEFAULT_MAX_WORK, 10_000_000_000_000); // 1e13
        assert_eq!(UNIT_WORK, 1_073_741_824); // 2^30
        assert_eq!(CHECK_WORK, 4_194_304); // 2^22
        assert_eq!(THREAD_ADDRESS_SPACE, 66 * 1024 * 1024); // 66 MiB
        assert_eq!(ENTRY_WORK, 16);
        // a network of 2^28 parameters is allowed, one more is not (no test changes max_params)
        assert!(check_params("at", 268_435_456.0).is_ok() && check_params("over", 268_435_457.0).is_err());
        // four a core, at least 64
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let t = max_threads();
        assert!(t >= 64 && t >= 4 * cores && (t == 64 || t == 4 * cores), "{t} threads for {cores} cores");
    }

    #[test]
    fn the_default_memory_limit_follows_the_machine_and_the_address_space_cap() {
        const GIB: u64 = 1 << 30;
        // no information: 8 GiB; half the memory below 16 GiB of it
        assert_eq!(max_bytes_for(None, None), 8 * GIB);
        assert_eq!(max_bytes_for(Some(32 << 20), None), 8 * GIB);
        assert_eq!(max_bytes_for(Some(4 << 20), None), 2 * GIB);
        // 3 KiB of memory: the 1 MiB floor
        assert_eq!(max_bytes_for(Some(3), None), 1 << 20);
        // docs/limits.md's case, `ulimit -v 1000000` on 2 cores with 16,500 KiB mapped: half of
        // 1,024,000,000 - 16,896,000 - 4 x 69,206,016 = 730,279,936 ("about 366 MB")
        let cap = (1_024_000_000, 16_896_000, 2);
        assert_eq!(max_bytes_for(Some(24_683_792), Some(cap)), 365_139_968);
        // 1 GiB of memory: its half is above the cap's; 512 MiB of memory: its half
        assert_eq!(max_bytes_for(Some(1 << 20), Some(cap)), 365_139_968);
        assert_eq!(max_bytes_for(Some(512 << 10), Some(cap)), 256 << 20);
        // a cap below what is mapped and the threads: the floor, not 0 (and no underflow)
        assert_eq!(max_bytes_for(None, Some((200_000_000, 16_896_000, 2))), 1 << 20);
        assert_eq!(max_bytes_for(None, Some((u64::MAX, 0, u64::MAX))), 1 << 20);
        // the pool: RAYON_NUM_THREADS if a whole number above 0, else one a core
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
        assert_eq!(pool_threads(Some(" 3 ")), 3);
        assert_eq!(pool_threads(Some("1")), 1);
        for bad in [None, Some("0"), Some("-2"), Some("x"), Some("")] {
            assert_eq!(pool_threads(bad), cores, "{bad:?}");
        }
        // the process's own default lies between the floor and 8 GiB, and below half the memory
        let d = default_max_bytes();
        assert!((1 << 20..=8 * GIB).contains(&d), "{d}");
        if let Some(kb) = proc_number("/proc/meminfo", "MemTotal:", 1) {
            assert!(d <= kb * 512, "{d} > half of {kb} KiB");
        }
    }

    #[test]
    fn proc_numbers_are_read_from_the_first_line_with_the_key() {
        let path = std::env::temp_dir().join(format!("nnpartition-limits-test-{}", std::process::id()));
        std::fs::write(
            &path,
            "Name: x\nVmPeak:  99 kB\nVmSize:\t  12512 kB\nVmSize: 7 kB\nMax address space  unlimited  x\n",
        )
        .unwrap();
        let p = path.to_str().unwrap();
        assert_eq!(proc_number(p, "VmSize:", 1), Some(12512));
        assert_eq!(proc_number(p, "VmPeak:", 1), Some(99));
        assert_eq!(proc_number(p, "Max address space", 3), None); // "unlimited"
        assert_eq!(proc_number(p, "VmSize:", 5), None); // no such field
        assert_eq!(proc_number(p, "VmRSS:", 1), None); // no such line
        std::fs::remove_file(&path).unwrap();
        assert_eq!(proc_number(p, "VmSize:", 1), None); // no such file
    }

    #[test]
    fn amounts_items_and_bytes_read_as_documented() {
        // a whole number below 10^4, four significant digits in scientific notation above
        assert_eq!(amount(36.0), "36");
        assert_eq!(amount(-36.4), "-36");
        assert_eq!(amount(9999.4), "9999");
        assert_eq!(amount(1e4), "1.000e4");
        assert_eq!(amount(4.0434e9), "4.043e9");
        assert_eq!(amount(-2.5e5), "-2.500e5");
        assert_eq!(amount(f64::INFINITY), "inf");
        // floor(work / cost), at least 1, a cost of 0 taken as 1
        assert_eq!(items_per(1 << 30, 1000), 1_073_741);
        assert_eq!(items_per(1 << 22, 16), 262_144);
        assert_eq!(items_per(10, 100), 1);
        assert_eq!(items_per(100, 0), 100);
        // bytes in the largest unit of 1024 below them, up to PiB
        assert_eq!(human_bytes(0.0), "0 B");
        assert_eq!(human_bytes(1023.0), "1023 B");
        assert_eq!(human_bytes(1024.0), "1 KiB");
        assert_eq!(human_bytes(1536.0), "1.500 KiB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0 / 2.0), "1.500 MiB");
        assert_eq!(human_bytes(8.0 * (1u64 << 30) as f64), "8 GiB");
        assert_eq!(human_bytes(2f64.powi(50) * 1.25), "1.250 PiB");
        assert_eq!(human_bytes(2f64.powi(60)), "1024 PiB");
        // the refusals read their numbers so
        let CoreError::TooLarge(m) = check_work("a loop", 4.0434e9, Some(1000)).unwrap_err() else { panic!() };
        assert!(m.contains("about 4.043e9 steps, above the limit of 1000 (max_work)"), "{m}");
        let CoreError::TooLarge(m) = check_bytes_under("a table", 1536.0, 1024).unwrap_err() else { panic!() };
        assert!(m.contains("about 1.500 KiB of memory, above the limit of 1 KiB (max_bytes)"), "{m}");
    }

    #[test]
    fn nan_sizes_are_refused_and_zero_limits_too() {
        assert!(check_params("nan", f64::NAN).is_err());
        assert!(check_work("nan", f64::NAN, None).is_err() && check_work("nan", f64::NAN, Some(u64::MAX)).is_err());
        assert!(check_bytes_under("nan", f64::NAN, u64::MAX).is_err());
        // set refuses a 0 by name and changes nothing; nothing asked, nothing changed
        let before = get();
        let Err(CoreError::InvalidArgument(m)) = set(None, None, Some(0)) else { panic!() };
        assert_eq!(m, "max_work must be >= 1, got 0");
        assert_eq!(set(None, None, None), Ok(before));
        assert_eq!(get(), before);
    }

    #[test]
    fn token_is_seen_by_the_thread_that_runs_and_by_captured_workers_only() {
        assert!(!Cancel::current().is_cancelled());
        let t = Cancel::new();
        t.cancel();
        let seen = t.run(|| {
            let c = Cancel::current();
            (0..64).into_par_iter().map(|_| c.check()).collect::<CoreResult<Vec<_>>>()
        });
        assert_eq!(seen, Err(CoreError::Interrupted));
        // Restored afterwards.
        assert!(check().is_ok());
    }
}
