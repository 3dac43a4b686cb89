//! Bindings for the analytic estimator and the accuracy ceilings.

use crate::ceiling;
use crate::estimate::{analytic, from_dof, Params, PARAMS, PARAM_NAMES};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

type Arrays<'py> = Vec<Bound<'py, PyArray1<f64>>>;

fn pack<'py>(py: Python<'py>, rows: Vec<crate::estimate::Analytic>) -> Arrays<'py> {
    let cols: [fn(&crate::estimate::Analytic) -> f64; 7] =
        [|a| a.accuracy, |a| a.low, |a| a.high, |a| a.p_eff, |a| a.k_sat, |a| a.k_eff, |a| a.alpha];
    cols.iter().map(|f| rows.iter().map(f).collect::<Vec<f64>>().into_pyarray(py)).collect()
}

/// Element-wise analytic estimate for one hidden layer: returns
/// `[accuracy, low, high, p_eff, k_sat, k_eff, alpha]` arrays. `params`
/// overrides the fitted constants (in the order of `estimator_params()`),
/// for calibration scripts.
#[pyfunction]
#[pyo3(signature = (d, n, l, params=None))]
fn estimate_analytic<'py>(
    py: Python<'py>,
    d: PyReadonlyArray1<'py, f64>,
    n: PyReadonlyArray1<'py, f64>,
    l: PyReadonlyArray1<'py, f64>,
    params: Option<Vec<f64>>,
) -> PyResult<Arrays<'py>> {
    let (d, n, l) = (d.as_array(), n.as_array(), l.as_array());
    if d.len() != n.len() || d.len() != l.len() {
        return Err(PyValueError::new_err("d, N and L must have the same length"));
    }
    let prm = match params {
        None => PARAMS,
        Some(v) => Params::from_slice(&v).ok_or_else(|| {
            PyValueError::new_err(format!("params must have {} values, got {}", PARAM_NAMES.len(), v.len()))
        })?,
    };
    let rows: Vec<_> = (0..d.len()).map(|i| analytic(d[i], n[i], &[l[i]], &prm)).collect();
    Ok(pack(py, rows))
}

/// Analytic estimate for one configuration with hidden `widths` (one or more layers):
/// `(accuracy, low, high, p_eff, k_sat, k_eff, alpha)`.
#[pyfunction]
fn estimate_one(d: f64, n: f64, widths: Vec<f64>) -> (f64, f64, f64, f64, f64, f64, f64) {
    let a = analytic(d, n, &widths, &PARAMS);
    (a.accuracy, a.low, a.high, a.p_eff, a.k_sat, a.k_eff, a.alpha)
}

/// Estimates for measured gated-linear degrees of freedom `dof` (one per Monte Carlo trial).
#[pyfunction]
fn estimate_from_dof<'py>(py: Python<'py>, d: f64, n: f64, l: f64, dof: PyReadonlyArray1<'py, f64>) -> Arrays<'py> {
    let full = analytic(d, f64::INFINITY, &[l], &PARAMS).k_eff;
    let rows: Vec<_> = dof.as_array().iter().map(|&k| from_dof(d, n, l, k, full, &PARAMS)).collect();
    pack(py, rows)
}

/// The model constants as `(name, value)` pairs.
#[pyfunction]
fn estimator_params() -> Vec<(&'static str, f64)> {
    PARAM_NAMES.iter().copied().zip(PARAMS.to_vec()).collect()
}

/// Mean and standard error of the exact `d = 1` best accuracy with at most `k` sign changes.
#[pyfunction]
fn d1_ceiling(py: Python<'_>, n: usize, k: usize, labelings: usize, seed: u64) -> (f64, f64) {
    py.detach(|| ceiling::d1_ceiling(n, k, labelings, seed))
}

/// Counting upper bound on the expected best accuracy of a `d -> widths -> 1` ReLU net.
#[pyfunction]
fn counting_ceiling(py: Python<'_>, d: u64, n: u64, widths: Vec<u64>) -> f64 {
    py.detach(|| ceiling::union_ceiling(n, ceiling::ln_dichotomies(d, n, &widths)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(estimate_analytic, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_one, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_from_dof, m)?)?;
    m.add_function(wrap_pyfunction!(estimator_params, m)?)?;
    m.add_function(wrap_pyfunction!(d1_ceiling, m)?)?;
    m.add_function(wrap_pyfunction!(counting_ceiling, m)?)?;
    Ok(())
}
