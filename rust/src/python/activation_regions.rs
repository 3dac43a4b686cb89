//! Bindings for activation-pattern counting of real networks on real points.

use super::run_interruptible;
use crate::activation_regions::{count_patterns, Layer, PatternTable, Real};
use numpy::{Element, IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

type Counted<'py> = (u64, Bound<'py, PyArray1<u64>>, u64, u64);

fn run<'py, T: Real + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, T>,
    layers: Vec<(PyReadonlyArray2<'py, T>, PyReadonlyArray1<'py, T>)>,
    y: Option<PyReadonlyArray1<'py, u8>>,
) -> PyResult<Counted<'py>> {
    let xv = x.as_array();
    let views: Vec<Layer<T>> = layers.iter().map(|(w, b)| Layer { w: w.as_array(), b: b.as_array() }).collect();
    let yv = y.as_ref().map(|y| y.as_array());
    let table: PatternTable = run_interruptible(py, None, || count_patterns(xv, &views, yv))?;
    let s = table.summary();
    Ok((s.n_regions, s.occupancy.into_pyarray(py), s.majority_correct_x2, s.n_points))
}

/// `(n_regions, occupancy (largest first), 2 x majority-correct, n_points)` for float64 data.
#[pyfunction]
#[pyo3(signature = (x, layers, y=None))]
fn count_patterns_f64<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    layers: Vec<(PyReadonlyArray2<'py, f64>, PyReadonlyArray1<'py, f64>)>,
    y: Option<PyReadonlyArray1<'py, u8>>,
) -> PyResult<Counted<'py>> {
    run(py, x, layers, y)
}

/// As [`count_patterns_f64`] for float32 data.
#[pyfunction]
#[pyo3(signature = (x, layers, y=None))]
fn count_patterns_f32<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f32>,
    layers: Vec<(PyReadonlyArray2<'py, f32>, PyReadonlyArray1<'py, f32>)>,
    y: Option<PyReadonlyArray1<'py, u8>>,
) -> PyResult<Counted<'py>> {
    run(py, x, layers, y)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(count_patterns_f64, m)?)?;
    m.add_function(wrap_pyfunction!(count_patterns_f32, m)?)?;
    Ok(())
}
