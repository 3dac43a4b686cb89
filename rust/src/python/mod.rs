//! The PyO3 layer: type conversion, validation, GIL release and error
//! mapping only. Each domain registers its own functions.
//!
//! Errors flow with `?`: every [`CoreError`] becomes a Python exception through
//! `impl From<CoreError> for PyErr` below. Long calls go through
//! [`run_interruptible`], which releases the GIL, runs the work on a worker
//! thread (in a pool of `threads` workers if asked), and stops it cleanly with
//! `KeyboardInterrupt` when the user presses Ctrl-C.

use crate::choices;
use crate::error::CoreError;
use crate::limits::{self, Cancel};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

mod activation_regions;
mod construct;
mod counting;
mod estimate;
mod pictures;
mod simulation;
mod sparse;
mod teacher;
mod training;
mod window;

impl From<CoreError> for PyErr {
    fn from(e: CoreError) -> PyErr {
        match e {
            CoreError::InvalidArgument(m) | CoreError::TooLarge(m) | CoreError::Numerical(m) => {
                PyValueError::new_err(m)
            }
            CoreError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        }
    }
}

/// How often the calling thread looks for Ctrl-C while a long call runs.
const POLL: Duration = Duration::from_millis(20);

/// A rayon pool of `threads` workers (the one place pools are built).
pub(crate) fn thread_pool(threads: usize) -> PyResult<rayon::ThreadPool> {
    let most = limits::max_threads();
    if threads == 0 || threads > most {
        return Err(PyValueError::new_err(format!(
            "threads must be >= 1 and <= {most} (four a core, at least 64; or None for all cores), got {threads}"
        )));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PyValueError::new_err(format!("threads: cannot start a pool of {threads}: {e}")))
}

/// The tick of a call whose runs add the steps they complete to `done`: `progress(steps done so far)`, if given.
/// [`run_interruptible_ticking`] calls it while they train (about every 20 ms); the caller calls it once more at
/// the end, so that `progress` sees the final count.
pub(crate) fn steps_done<'a>(
    progress: Option<&'a Bound<'_, PyAny>>,
    done: &'a AtomicU64,
) -> impl FnMut(Python<'_>) -> PyResult<()> + 'a {
    move |_| match progress {
        Some(cb) => cb.call1((done.load(Ordering::Relaxed),)).map(|_| ()),
        None => Ok(()),
    }
}

/// Run the core call `f` with the GIL released and Ctrl-C honoured.
///
/// `f` runs on a scoped worker thread (inside a pool of `threads` rayon
/// workers when `threads` is given, else on rayon's global pool) with a fresh
/// [`Cancel`] token installed; core loops check it. Meanwhile the calling
/// thread waits in steps of 20 ms and, between steps, takes the GIL to run
/// Python's signal handlers. When one raises (Ctrl-C: `KeyboardInterrupt`),
/// the token is cancelled, the worker is joined (it stops within one check
/// interval) and that exception is returned. Use it for every call that can
/// run longer than a fraction of a second.
pub(crate) fn run_interruptible<T, F>(py: Python<'_>, threads: Option<usize>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, CoreError> + Send,
{
    run_interruptible_ticking(py, threads, f, |_| Ok(()))
}

/// [`run_interruptible`], calling `tick` with the GIL between the waiting steps (a progress bar reads a counter
/// the worker updates); an error it returns cancels the call as a signal does.
pub(crate) fn run_interruptible_ticking<T, F>(
    py: Python<'_>,
    threads: Option<usize>,
    f: F,
    mut tick: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, CoreError> + Send,
{
    let pool = threads.map(thread_pool).transpose()?;
    let token = Cancel::new();
    // A call made from inside another (a Python callback of a long call, e.g. `train(callback=...)`)
    // runs on that call's worker thread, where Python delivers no signals: it stops when the outer
    // call is cancelled.
    let outer = Cancel::current();
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Result<T, CoreError>>(1);
        let tok = token.clone();
        let pool = pool.as_ref();
        let worker = s.spawn(move || {
            let out = match pool {
                Some(p) => p.install(|| tok.run(f)),
                None => tok.run(f),
            };
            let _ = tx.send(out);
        });
        let mut rx = Some(rx);
        loop {
            let r = rx.take().expect("receiver");
            let (r, got) = py.detach(move || {
                let got = r.recv_timeout(POLL);
                (r, got)
            });
            rx = Some(r);
            match got {
                Ok(out) => {
                    let _ = py.detach(|| worker.join());
                    return out.map_err(PyErr::from);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let signal = if outer.is_cancelled() {
                        Err(CoreError::Interrupted.into())
                    } else {
                        py.check_signals().and_then(|()| tick(py))
                    };
                    if let Err(e) = signal {
                        token.cancel();
                        let joined = py.detach(|| worker.join());
                        if let Err(p) = joined {
                            std::panic::resume_unwind(p);
                        }
                        return Err(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let joined = py.detach(|| worker.join());
                    match joined {
                        Err(p) => std::panic::resume_unwind(p),
                        Ok(()) => {
                            return Err(PyValueError::new_err("internal error: the worker ended without a result"))
                        }
                    }
                }
            }
        }
    })
}

/// The limits in force: `(max_params, max_bytes, max_work)`.
#[pyfunction]
fn get_limits() -> (u64, u64, u64) {
    let l = limits::get();
    (l.max_params, l.max_bytes, l.max_work)
}

/// Change some limits; returns the previous `(max_params, max_bytes, max_work)`.
#[pyfunction]
#[pyo3(signature = (max_params=None, max_bytes=None, max_work=None))]
fn set_limits(max_params: Option<u64>, max_bytes: Option<u64>, max_work: Option<u64>) -> PyResult<(u64, u64, u64)> {
    let l = limits::set(max_params, max_bytes, max_work)?;
    Ok((l.max_params, l.max_bytes, l.max_work))
}

/// Sleep `seconds` in an interruptible core loop that checks the cancel token
/// every millisecond (for the Ctrl-C tests of the helper itself).
#[pyfunction]
#[pyo3(signature = (seconds, threads=None))]
fn interruptible_sleep(py: Python<'_>, seconds: f64, threads: Option<usize>) -> PyResult<f64> {
    if !(seconds.is_finite() && (0.0..=3600.0).contains(&seconds)) {
        return Err(PyValueError::new_err(format!("seconds must be in [0, 3600], got {seconds}")));
    }
    run_interruptible(py, threads, || {
        let c = Cancel::current();
        let start = std::time::Instant::now();
        while start.elapsed().as_secs_f64() < seconds {
            c.check()?;
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(start.elapsed().as_secs_f64())
    })
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let names = PyDict::new(py);
    let aliases = PyDict::new(py);
    for (key, canon, al) in choices::table() {
        names.set_item(key, pyo3::types::PyTuple::new(py, canon.iter().copied())?)?;
        let d = PyDict::new(py);
        for (a, t) in al {
            d.set_item(*a, *t)?;
        }
        aliases.set_item(key, d)?;
    }
    m.add("CHOICES", names)?;
    m.add("ALIASES", aliases)?;
    m.add(
        "PIECEWISE_LINEAR",
        pyo3::types::PyTuple::new(py, choices::ActivationKind::PIECEWISE_LINEAR.iter().copied())?,
    )?;
    m.add("DEFAULT_LIMITS", (limits::DEFAULT_MAX_PARAMS, limits::default_max_bytes(), limits::DEFAULT_MAX_WORK))?;
    m.add("MAX_ACTIVATIONS", crate::training::MAX_ACTIVATIONS)?;
    m.add("MAX_THREADS", limits::max_threads())?;
    m.add_function(wrap_pyfunction!(get_limits, m)?)?;
    m.add_function(wrap_pyfunction!(set_limits, m)?)?;
    m.add_function(wrap_pyfunction!(interruptible_sleep, m)?)?;
    activation_regions::register(m)?;
    construct::register(m)?;
    counting::register(m)?;
    estimate::register(m)?;
    pictures::register(m)?;
    simulation::register(m)?;
    sparse::register(m)?;
    teacher::register(m)?;
    training::register(m)?;
    window::register(m)?;
    Ok(())
}
