//! Bindings for the linear-teacher trainer.

use super::run_interruptible;
use crate::teacher::{teacher_sgd as core_teacher_sgd, TeacherConfig};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// SGD on the logistic loss of a bias-free Leaky-ReLU network with output
/// weights frozen at `+v` (first `n_pos` units) and `-v`; `y` in `{-1, +1}`,
/// `w0` of shape `(L, d)`. Returns the recorded steps, weights `(T, L, d)`,
/// training loss and error, and the cumulative count of hard steps.
#[pyfunction]
#[pyo3(signature = (x, y, w0, n_pos, v, alpha, lr, steps, batch_size, record_at, seed, loss_eps))]
#[allow(clippy::too_many_arguments)]
fn teacher_sgd<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    w0: PyReadonlyArray2<'py, f64>,
    n_pos: usize,
    v: f64,
    alpha: f64,
    lr: f64,
    steps: usize,
    batch_size: usize,
    record_at: Vec<u64>,
    seed: u64,
    loss_eps: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, w0) = (x.as_array(), w0.as_array());
    let y = y.as_array().to_vec();
    let cfg = TeacherConfig { n_pos, v, alpha, lr, steps, batch: batch_size, record_at, seed, loss_eps };
    let rec = run_interruptible(py, None, || core_teacher_sgd(x, &y, w0, &cfg))?;
    let out = PyDict::new(py);
    out.set_item("steps", rec.steps.into_pyarray(py))?;
    out.set_item("weights", rec.weights.into_pyarray(py))?;
    out.set_item("loss", rec.loss.into_pyarray(py))?;
    out.set_item("error", rec.error.into_pyarray(py))?;
    out.set_item("hard_steps", rec.hard_steps.into_pyarray(py))?;
    Ok(out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(teacher_sgd, m)?)?;
    Ok(())
}
