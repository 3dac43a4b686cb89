//! Bindings for exact region counts inside a box.

use super::{run_interruptible, run_interruptible_ticking};
use crate::window::{
    box_fault, network_regions_in_box_counting, regions_in_box, work_estimate, NetworkOptions, WindowOptions, MAX_DIM,
    MIN_WIDTH_ULPS,
};
use ndarray::Array2;
use numpy::PyArray2;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// `(per_layer, points, radii, patterns, affine)` of `window_network_region_counts`.
type NetworkRegionsOut<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<bool>>,
    Bound<'py, PyArray2<f64>>,
);

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
/// `d`-D (what its `max_work` is compared with), for `d` up to `MAX_DIM` (the estimate's loop is quadratic in
/// `d`: an audit found `window_work(10**5, 10**5)` running for minutes, deaf to Ctrl-C).
#[pyfunction]
fn window_work(n: u64, d: u64) -> PyResult<f64> {
    if d > MAX_DIM as u64 {
        return Err(PyValueError::new_err(format!(
            "d must be <= {MAX_DIM} (the window counts' largest dimension), got {d}"
        )));
    }
    Ok(work_estimate(n, d))
}

/// `per_layer`: the linear regions of hidden layers `0..=l` of a network inside the open box
/// `lo < x < hi` (pieces whose largest inscribed ball has a radius above `tol` in box units).
/// `progress`, if given, is called with the number of pieces found so far while the count runs.
/// Returns `(per_layer, points, radii, patterns, affine)`; with `list` false the last four are
/// empty (`points` of shape `(n, d)` and `patterns` of shape `(n, units)` otherwise). `affine`
/// is empty unless `readout = (w_out, b_out)` is given and `list` is true: then it has shape
/// `(n, d + 1)`, the output's affine map `a . x + c` on each region as the row `(a, c)`.
#[pyfunction]
#[pyo3(signature = (ws, bs, lo, hi, tol, max_regions, slope, list, readout=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn window_network_region_counts<'py>(
    py: Python<'py>,
    ws: Vec<PyReadonlyArray2<'py, f64>>,
    bs: Vec<PyReadonlyArray1<'py, f64>>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
    tol: f64,
    max_regions: u64,
    slope: f64,
    list: bool,
    readout: Option<(PyReadonlyArray1<'py, f64>, f64)>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<NetworkRegionsOut<'py>> {
    if ws.len() != bs.len() {
        return Err(PyValueError::new_err(format!(
            "ws and bs must have one entry a layer, got {} weight matrices and {} bias vectors",
            ws.len(),
            bs.len()
        )));
    }
    let layers: Vec<_> = ws.iter().zip(&bs).map(|(w, b)| (w.as_array(), b.as_array())).collect();
    let (lov, hiv) = (lo.as_array(), hi.as_array());
    let out = readout.as_ref().map(|(w, b)| (w.as_array(), *b));
    let opts = NetworkOptions { tol, max_regions, slope, list };
    let found = AtomicU64::new(0);
    let c = run_interruptible_ticking(
        py,
        None,
        || network_regions_in_box_counting(&layers, out, lov, hiv, &opts, &found),
        |_| match &progress {
            Some(cb) => cb.call1((found.load(Ordering::Relaxed),)).map(|_| ()),
            None => Ok(()),
        },
    )?;
    if let Some(cb) = &progress {
        cb.call1((found.load(Ordering::Relaxed),))?;
    }
    let n = c.radii.len();
    let (d, units) = (lov.len(), layers.iter().map(|(w, _)| w.ncols()).sum::<usize>());
    let points = Array2::from_shape_vec((n, d), c.points).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let patterns = Array2::from_shape_vec((n, units), c.patterns).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let rows = if c.affine.is_empty() { 0 } else { n };
    let affine = Array2::from_shape_vec((rows, d + 1), c.affine).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((
        c.per_layer.into_pyarray(py),
        points.into_pyarray(py),
        c.radii.into_pyarray(py),
        patterns.into_pyarray(py),
        affine.into_pyarray(py),
    ))
}

/// Which rule of a network's box and a picture's window the bounds `lo < x < hi` of one coordinate break, in the
/// order they are checked: `"not finite"`, `"empty"` (not `lo < hi`), `"halves to 0"` (half the width rounds to 0),
/// `"narrow"` (under `WINDOW_MIN_WIDTH_ULPS` roundings of the largest coordinate wide); `None` when none.
#[pyfunction]
fn window_box_fault(lo: f64, hi: f64) -> Option<&'static str> {
    box_fault(lo, hi).map(|f| f.name())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(window_region_counts, m)?)?;
    m.add_function(wrap_pyfunction!(window_work, m)?)?;
    m.add_function(wrap_pyfunction!(window_box_fault, m)?)?;
    m.add_function(wrap_pyfunction!(window_network_region_counts, m)?)?;
    m.add("WINDOW_MAX_DIM", MAX_DIM)?;
    m.add("WINDOW_MIN_WIDTH_ULPS", MIN_WIDTH_ULPS)?;
    Ok(())
}
