//! Bindings for the exact region polygons of a network in a 2-D window.

use super::run_interruptible;
use crate::limits::Cancel;
use crate::pictures::{region_polygons as core_region_polygons, Layer, Options, PwlNet, Window};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The regions of the network `(layers, w_out, b_out, slope)` in the window
/// `origin + s u + t v`, `lo <= (s, t) <= hi`, as a dict of flat arrays; `region_bytes`: what a region
/// will cost the caller besides (a drawing), counted against the memory limit too.
#[pyfunction]
#[pyo3(
    signature = (layers, w_out, b_out, slope, origin, u, v, lo, hi, tol, max_regions, split_decision, region_bytes=0.0)
)]
#[allow(clippy::too_many_arguments)]
fn region_polygons<'py>(
    py: Python<'py>,
    layers: Vec<(PyReadonlyArray2<'py, f64>, PyReadonlyArray1<'py, f64>)>,
    w_out: PyReadonlyArray1<'py, f64>,
    b_out: f64,
    slope: f64,
    origin: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
    lo: (f64, f64),
    hi: (f64, f64),
    tol: f64,
    max_regions: usize,
    split_decision: bool,
    region_bytes: f64,
) -> PyResult<Bound<'py, PyDict>> {
    if layers.is_empty() {
        return Err(PyValueError::new_err("the network needs at least one hidden layer"));
    }
    let net = PwlNet {
        layers: layers.iter().map(|(w, b)| Layer { w: w.as_array(), b: b.as_array() }).collect(),
        w_out: w_out.as_array(),
        b_out,
        slope,
    };
    let win = Window { origin, u, v, lo: [lo.0, lo.1], hi: [hi.0, hi.1] };
    let opts = Options { tol, max_regions, split_decision, region_bytes };
    let res = run_interruptible(py, None, || {
        let cancel = Cancel::current();
        core_region_polygons(&net, &win, opts, &|| cancel.is_cancelled())
    })?;
    let out = PyDict::new(py);
    out.set_item("offsets", res.offsets.into_pyarray(py))?;
    out.set_item("vertices", res.vertices.into_pyarray(py))?;
    out.set_item("patterns", res.patterns.into_pyarray(py))?;
    out.set_item("window_affine", res.window_affine.into_pyarray(py))?;
    out.set_item("affine_weight", res.affine_weight.into_pyarray(py))?;
    out.set_item("affine_bias", res.affine_bias.into_pyarray(py))?;
    out.set_item("decision", res.decision.into_pyarray(py))?;
    out.set_item("boundary", res.boundary.into_pyarray(py))?;
    out.set_item("lines", res.lines.into_pyarray(py))?;
    out.set_item("line_units", res.line_units.into_pyarray(py))?;
    Ok(out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(region_polygons, m)?)?;
    Ok(())
}
