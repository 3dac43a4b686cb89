//! Bindings for per-point linear regions of a two-layer network.

use super::run_interruptible;
use crate::construct::region_map;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

type Mapped<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray2<bool>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<u64>>,
);

/// `(ids, patterns, slopes, offsets, counts)` of the regions the rows of `x` fall in.
#[pyfunction]
#[pyo3(signature = (x, w1, b1, w2, b2))]
fn region_map_f64<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    w1: PyReadonlyArray2<'py, f64>,
    b1: PyReadonlyArray1<'py, f64>,
    w2: PyReadonlyArray1<'py, f64>,
    b2: f64,
) -> PyResult<Mapped<'py>> {
    let (x, w1, b1, w2) = (x.as_array(), w1.as_array(), b1.as_array(), w2.as_array());
    let r = run_interruptible(py, None, || region_map(x, w1, b1, w2, b2))?;
    Ok((
        r.ids.into_pyarray(py),
        r.patterns.into_pyarray(py),
        r.slopes.into_pyarray(py),
        r.offsets.into_pyarray(py),
        r.counts.into_pyarray(py),
    ))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(region_map_f64, m)?)?;
    Ok(())
}
