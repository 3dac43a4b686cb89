//! Bindings for expand-and-sparsify codes.

use super::run_interruptible;
use crate::choices::{ProjectionKind, Sparsifier};
use crate::sparse::{calibrate_thresholds, code_check, projection, relu_code, threshold_code, topk_code, Projection};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// The `(d, m)` random projection: `kind` is `"gaussian"` (entries `N(0, 1/d)`)
/// or `"sparse_binary"` (`s` ones per column).
#[pyfunction]
#[pyo3(signature = (d, m, kind, s, seed))]
fn eas_projection<'py>(
    py: Python<'py>,
    d: usize,
    m: usize,
    kind: &str,
    s: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let kind = Projection::new(kind.parse::<ProjectionKind>()?, s);
    let p = run_interruptible(py, None, || projection(d, m, kind, seed))?;
    Ok(p.into_pyarray(py))
}

/// The memory check of a code of `sparsify` for `n` points in `d` dimensions and `m` units (`k` active), before any
/// of it (or its projection) exists.
#[pyfunction]
#[pyo3(signature = (n, d, m, k, sparsify))]
fn eas_code_check(n: usize, d: usize, m: usize, k: usize, sparsify: &str) -> PyResult<()> {
    Ok(code_check(sparsify.parse::<Sparsifier>()?, n, d, m, k)?)
}

/// Top-k code: sorted indices of the `k` largest entries of `x @ theta + bias` per row.
#[pyfunction]
#[pyo3(signature = (x, theta, bias, k))]
fn eas_topk<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    theta: PyReadonlyArray2<'py, f64>,
    bias: PyReadonlyArray1<'py, f64>,
    k: usize,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    let (x, t, b) = (x.as_array(), theta.as_array(), bias.as_array());
    let z = run_interruptible(py, None, || topk_code(x, t, b, k))?;
    Ok(z.into_pyarray(py))
}

/// Per-unit thresholds so that each unit fires for `round(N k / m)` rows of `x`.
#[pyfunction]
#[pyo3(signature = (x, theta, bias, k))]
fn eas_thresholds<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    theta: PyReadonlyArray2<'py, f64>,
    bias: PyReadonlyArray1<'py, f64>,
    k: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (x, t, b) = (x.as_array(), theta.as_array(), bias.as_array());
    let tau = run_interruptible(py, None, || calibrate_thresholds(x, t, b, k))?;
    Ok(tau.into_pyarray(py))
}

type Csr<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u32>>);

/// Threshold code in compressed-row form `(indptr, indices)`.
#[pyfunction]
#[pyo3(signature = (x, theta, bias, tau))]
fn eas_threshold_code<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    theta: PyReadonlyArray2<'py, f64>,
    bias: PyReadonlyArray1<'py, f64>,
    tau: PyReadonlyArray1<'py, f64>,
) -> PyResult<Csr<'py>> {
    let (x, t, b, tau) = (x.as_array(), theta.as_array(), bias.as_array(), tau.as_array());
    let (indptr, idx) = run_interruptible(py, None, || threshold_code(x, t, b, tau))?;
    Ok((indptr.into_pyarray(py), idx.into_pyarray(py)))
}

/// Dense ReLU code `max(x @ theta + bias, 0)`.
#[pyfunction]
#[pyo3(signature = (x, theta, bias))]
fn eas_relu<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    theta: PyReadonlyArray2<'py, f64>,
    bias: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (x, t, b) = (x.as_array(), theta.as_array(), bias.as_array());
    let z = run_interruptible(py, None, || relu_code(x, t, b))?;
    Ok(z.into_pyarray(py))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(eas_projection, m)?)?;
    m.add_function(wrap_pyfunction!(eas_code_check, m)?)?;
    m.add_function(wrap_pyfunction!(eas_topk, m)?)?;
    m.add_function(wrap_pyfunction!(eas_thresholds, m)?)?;
    m.add_function(wrap_pyfunction!(eas_threshold_code, m)?)?;
    m.add_function(wrap_pyfunction!(eas_relu, m)?)?;
    Ok(())
}
