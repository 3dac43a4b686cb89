//! Bindings for the Monte Carlo partition simulation.

use super::to_py;
use crate::simulation::{simulate, Init, PointDist, SimConfig};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

type SimOut<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u64>>);

/// Run trials `first .. first + count`; returns per-trial region counts,
/// majority accuracies, and the occupancy histogram summed over the trials
/// (`hist[k]` = regions holding `k` points), which stays `O(N)` in memory,
/// and per trial `sum_regions min(points, cap)` (`cap = d + 1` by default).
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
    let cap = cap.unwrap_or(d as u64 + 1);
    let dist = match dist {
        "uniform" => PointDist::Uniform,
        "gaussian" => PointDist::Gaussian,
        other => return Err(PyValueError::new_err(format!("dist must be 'uniform' or 'gaussian', got {other:?}"))),
    };
    let init = match init {
        "uniform" => Init::Uniform,
        "gaussian" => Init::Gaussian,
        other => return Err(PyValueError::new_err(format!("init must be 'uniform' or 'gaussian', got {other:?}"))),
    };
    let cfg = SimConfig { d, n, l, dist, init, seed };
    let res = match threads {
        None => py.detach(|| simulate(&cfg, first, count)),
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| PyValueError::new_err(format!("threads: cannot start a pool of {t}: {e}")))?;
            py.detach(|| pool.install(|| simulate(&cfg, first, count)))
        }
    }
    .map_err(to_py)?;
    let width = res.iter().map(|r| r.occupancy_hist.len()).max().unwrap_or(1);
    let mut hist = vec![0u64; width];
    for r in &res {
        for (k, &c) in r.occupancy_hist.iter().enumerate() {
            hist[k] += c;
        }
    }
    let regions: Vec<u64> = res.iter().map(|r| r.n_regions).collect();
    let acc: Vec<f64> = res.iter().map(|r| r.majority_accuracy).collect();
    let capped: Vec<u64> = res
        .iter()
        .map(|r| r.occupancy_hist.iter().enumerate().map(|(k, &c)| c * (k as u64).min(cap)).sum())
        .collect();
    Ok((regions.into_pyarray(py), acc.into_pyarray(py), hist.into_pyarray(py), capped.into_pyarray(py)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simulate_trials, m)?)?;
    Ok(())
}
