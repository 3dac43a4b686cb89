//! Bindings for the Monte Carlo partition simulation.

use super::run_interruptible;
use crate::error::CoreError;
use crate::simulation::{check_trials, default_cap, simulate, summarize, Init, PointDist, SimConfig};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

type SimOut<'py> =
    (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u64>>);

/// Run trials `first .. first + count`; returns per-trial region counts,
/// majority accuracies, and the occupancy histogram summed over the trials
/// (`hist[k]` = regions holding `k` points), which stays `O(N)` in memory,
/// and per trial `sum_regions min(points, cap)` (by default the core's `default_cap(d)`, `d + 1`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (d, n, l, dist, init, seed, first, count, threads=None, cap=None))]
fn simulate_trials<'py>(
    py: Python<'py>,
    d: usize,
    n: usize,
    l: usize,
    dist: &str,
    init: &str,
    seed: u64,
    first: u64,
    count: u64,
    threads: Option<usize>,
    cap: Option<u64>,
) -> PyResult<SimOut<'py>> {
    let cap = cap.unwrap_or_else(|| default_cap(d));
    let dist: PointDist = dist.parse()?;
    let init: Init = init.parse()?;
    let cfg = SimConfig { d, n, l, dist, init, seed };
    let res = run_interruptible(py, threads, || simulate(&cfg, first, count))?;
    let s = summarize(&res, cap);
    let (regions, acc, hist, capped) = (s.regions, s.accuracy, s.hist, s.capped);
    Ok((regions.into_pyarray(py), acc.into_pyarray(py), hist.into_pyarray(py), capped.into_pyarray(py)))
}

/// Check `trials` trials of `(d, n, l)` against the work and memory limits before the first runs
/// (`simulate_partition` runs them in batches, one `simulate_trials` call each).
#[pyfunction]
fn simulate_check(d: usize, n: usize, l: usize, trials: u64) -> PyResult<()> {
    if d == 0 || n == 0 || l == 0 {
        return Err(CoreError::InvalidArgument("d, N and L must all be >= 1".into()).into());
    }
    let cfg = SimConfig { d, n, l, dist: PointDist::Uniform, init: Init::Uniform, seed: 0 };
    Ok(check_trials(&cfg, trials)?)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simulate_trials, m)?)?;
    m.add_function(wrap_pyfunction!(simulate_check, m)?)?;
    Ok(())
}
