//! Bindings for the linear-teacher trainer.

use super::{run_interruptible_ticking, steps_done};
use crate::teacher::{teacher_check as core_teacher_check, teacher_sgd_counting, TeacherConfig, MAX_RECORDED};
use numpy::{IntoPyArray, PyArray1, PyArray3, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use std::sync::atomic::AtomicU64;

/// `(steps, weights, loss, error, hard_steps)` of a recorded run.
type Recorded<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray3<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<u64>>,
);

/// SGD on the logistic loss of a bias-free Leaky-ReLU network with output
/// weights frozen at `+v` (first `n_pos` units) and `-v`; `y` in `{-1, +1}`,
/// `w0` of shape `(L, d)`. Returns the tuple `(steps, weights (T, L, d),
/// loss, error, hard_steps)`: recorded steps, weights, training loss and
/// error, and the cumulative count of hard steps. `progress`, if given, is called with the SGD steps done so far,
/// about every 20 ms while the run trains and once with `steps` at the end.
#[pyfunction]
#[pyo3(signature = (x, y, w0, n_pos, v, alpha, lr, steps, batch_size, record_at, seed, loss_eps, progress=None))]
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
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Recorded<'py>> {
    let (x, w0) = (x.as_array(), w0.as_array());
    let y = y.as_array().to_vec();
    let cfg = TeacherConfig { n_pos, v, alpha, lr, steps, batch: batch_size, record_at, seed, loss_eps };
    let done = AtomicU64::new(0);
    let mut tick = steps_done(progress.as_ref(), &done);
    let rec = run_interruptible_ticking(py, None, || teacher_sgd_counting(x, &y, w0, &cfg, &done), &mut tick)?;
    tick(py)?;
    Ok((
        rec.steps.into_pyarray(py),
        rec.weights.into_pyarray(py),
        rec.loss.into_pyarray(py),
        rec.error.into_pyarray(py),
        rec.hard_steps.into_pyarray(py),
    ))
}

/// The checks `teacher_sgd` makes before it runs (network, work plus `extra_work`, recorded values), for
/// callers that check a run before drawing its data.
#[pyfunction]
#[pyo3(signature = (n, d, l, steps, batch_size, records, extra_work=0.0))]
fn teacher_check(
    n: usize,
    d: usize,
    l: usize,
    steps: usize,
    batch_size: usize,
    records: usize,
    extra_work: f64,
) -> PyResult<()> {
    Ok(core_teacher_check(n, d, l, steps, batch_size, records, extra_work)?)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(teacher_sgd, m)?)?;
    m.add_function(wrap_pyfunction!(teacher_check, m)?)?;
    m.add("TEACHER_MAX_RECORDED", MAX_RECORDED)?;
    Ok(())
}
