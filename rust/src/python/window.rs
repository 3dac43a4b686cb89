//! Bindings for exact region counts inside a box.

use super::run_interruptible;
use crate::window::{regions_in_box, work_estimate, WindowOptions};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// `(regions, increments)`: exact regions of the hyperplanes of `x @ w + b`
/// inside the open box `lo < x < hi`, and the regions each neuron adds.
#[pyfunction]
#[pyo3(signature = (w, b, lo, hi, tol, max_work))]
fn window_region_counts<'py>(
    py: Python<'py>,
    w: PyReadonlyArray2<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    tol: f64,
    max_work: u64,
) -> PyResult<(u64, Bound<'py, PyArray1<u64>>)> {
    let (wv, bv, lov, hiv) = (w.as_array(), b.as_array(), lo.as_array(), hi.as_array());
    let opts = WindowOptions { tol, max_work };
    let c = run_interruptible(py, None, || regions_in_box(wv, bv, lov, hiv, &opts))?;
    Ok((c.regions, c.increments.into_pyarray(py)))
}

/// Worst-case steps of work of `window_region_counts` for `n` hyperplanes meeting the box in
/// `d`-D (what its `max_work` is compared with).
#[pyfunction]
fn window_work(n: u64, d: u64) -> f64 {
    work_estimate(n, d)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(window_region_counts, m)?)?;
    m.add_function(wrap_pyfunction!(window_work, m)?)?;
    Ok(())
}
