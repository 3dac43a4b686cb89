//! Bindings for the trainer: datasets, the reference protocol and general training.

use super::{run_interruptible, run_interruptible_ticking, steps_done};
use crate::choices::{ActivationKind, LossKind, OptimizerKind, ScheduleKind};
use crate::error::CoreError;
use crate::simulation::PointDist;
use crate::training::{
    best_restart, check_protocol as core_check_protocol, check_snapshots, protocol_accuracy as core_protocol_accuracy,
    protocol_work, reference_accuracy as core_reference_accuracy, restarts_bytes, train_restarts_counting,
    train_run_counting, train_stream, try_random_dataset, Activation, Kernel, Loss, Network, Optimizer, RunResult,
    Schedule, Snapshot, TrainConfig,
};
use ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::atomic::AtomicU64;

type Dataset<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<u8>>);
/// `(accuracy float64 (count,), diverged uint64 (count,))`: per dataset, the best accuracy and the diverged runs.
type Measured<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<usize>>);

/// `(X float64 (n, d), y uint8 (n,))`: dataset `index` of the family `(n, d, dist, seed)`.
#[pyfunction]
#[pyo3(signature = (n, d, dist, seed, index=0))]
fn random_dataset<'py>(
    py: Python<'py>,
    n: usize,
    d: usize,
    dist: &str,
    seed: u64,
    index: u64,
) -> PyResult<Dataset<'py>> {
    let dist: PointDist = dist.parse()?;
    let (x, y) = run_interruptible(py, None, || try_random_dataset(n, d, dist, seed, index))?;
    Ok((x.into_pyarray(py), y.into_pyarray(py)))
}

/// Reference-protocol accuracy of datasets `first .. first + count`, best over `restarts` each.
#[pyfunction]
#[pyo3(signature = (d, n, l, dist, seed, first, count, restarts, threads=None))]
#[allow(clippy::too_many_arguments)]
fn reference_accuracy<'py>(
    py: Python<'py>,
    d: usize,
    n: usize,
    l: usize,
    dist: &str,
    seed: u64,
    first: u64,
    count: usize,
    restarts: usize,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let dist: PointDist = dist.parse()?;
    let acc = run_interruptible(py, threads, || core_reference_accuracy(d, n, l, dist, seed, first, count, restarts))?;
    Ok(acc.into_pyarray(py))
}

/// The fields of an `nnpartition.Protocol` (read as attributes), the one way a protocol crosses the binding.
#[derive(FromPyObject)]
struct ProtocolArg {
    optimizer: String,
    lr: f64,
    steps: usize,
    batch_size: Option<usize>,
    schedule: String,
    restarts: usize,
}

impl ProtocolArg {
    /// The network of hidden `widths` trained as the protocol says.
    fn config(&self, widths: Vec<usize>) -> PyResult<TrainConfig> {
        let (opt, sched) = (self.optimizer.parse()?, self.schedule.parse()?);
        Ok(TrainConfig::protocol(widths, opt, self.lr, self.steps, self.batch_size, sched))
    }
}

/// Accuracy under `protocol` (an `nnpartition.Protocol`) of datasets `first .. first + count` for hidden
/// `widths`, best over its restarts each; and per dataset how many restarts diverged. `progress`, if given, is
/// called with the steps done so far, summed over all the runs, about every 20 ms while they train and once with
/// `count * restarts * steps` at the end (a run adds its steps at each read, and at its end the steps that
/// stopping at 100% or a divergence left).
#[pyfunction]
#[pyo3(signature = (d, n, widths, dist, seed, first, count, protocol, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn protocol_accuracy<'py>(
    py: Python<'py>,
    d: usize,
    n: usize,
    widths: Vec<usize>,
    dist: &str,
    seed: u64,
    first: u64,
    count: usize,
    protocol: ProtocolArg,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Measured<'py>> {
    let dist: PointDist = dist.parse()?;
    let cfg = protocol.config(widths)?;
    let restarts = protocol.restarts;
    let done = AtomicU64::new(0);
    let mut tick = steps_done(progress.as_ref(), &done);
    let m = run_interruptible_ticking(
        py,
        threads,
        || core_protocol_accuracy(d, n, dist, seed, first, count, restarts, &cfg, Some(&done)),
        &mut tick,
    )?;
    tick(py)?;
    Ok((m.accuracy.into_pyarray(py), m.diverged.into_pyarray(py)))
}

/// Check what `protocol_accuracy` would check for `count` datasets (arguments, memory, work), without training.
#[pyfunction]
fn protocol_check(d: usize, n: usize, widths: Vec<usize>, count: usize, protocol: ProtocolArg) -> PyResult<()> {
    core_check_protocol(d, n, count, protocol.restarts, &protocol.config(widths)?)?;
    Ok(())
}

/// The bytes `train_network` counts against `max_bytes` for the protocol's restarts, full runs of its network on
/// `n` points in `d` dimensions (`min(restarts, threads)` runs at a time and every restart's networks and history),
/// besides the data it is given; the parameters are checked as `protocol_check` checks them.
#[pyfunction]
fn train_bytes(d: usize, n: usize, widths: Vec<usize>, protocol: ProtocolArg) -> PyResult<f64> {
    let cfg = protocol.config(widths)?;
    cfg.validate(n, d)?;
    Ok(restarts_bytes(&cfg, n, d, protocol.restarts))
}

/// The steps `protocol_check` counts against `max_work` for `count` datasets under the protocol (all its restarts),
/// so that a caller training several configurations can check their sum before the first; the parameters are
/// checked as `protocol_check` checks them.
#[pyfunction]
fn train_work(d: usize, n: usize, widths: Vec<usize>, count: usize, protocol: ProtocolArg) -> PyResult<f64> {
    let cfg = protocol.config(widths)?;
    cfg.validate(n, d)?;
    Ok(protocol_work(d, n, count, protocol.restarts, &cfg))
}

fn network_to_py<'py>(py: Python<'py>, net: Network) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let layers = PyList::empty(py);
    for (w, b) in net.layers {
        layers.append((w.into_pyarray(py), b.into_pyarray(py)))?;
    }
    out.set_item("layers", layers)?;
    out.set_item("w_out", net.w_out.into_pyarray(py))?;
    out.set_item("b_out", net.b_out as f64)?;
    Ok(out)
}

/// Train `restarts` networks on `(x, y)`; returns a dict with the best and last
/// networks of the best restart and the per-restart histories. `progress`, if given, is called with the steps
/// done so far, summed over the restarts, about every 20 ms while they train and once with `steps * restarts` at
/// the end (the runs add their steps at each read, every `record_every` steps).
#[pyfunction]
#[pyo3(signature = (x, y, hidden, activation, slope, loss, optimizer, lr, lr_min, momentum, beta1, beta2, eps,
                    steps, schedule, batch_size, restarts, seed, fixed_output, record_every, threads=None,
                    snapshot_every=0, callback=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn train_network<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f32>,
    y: PyReadonlyArray1<'py, u8>,
    hidden: Vec<usize>,
    activation: &str,
    slope: f64,
    loss: &str,
    optimizer: &str,
    lr: f64,
    lr_min: f64,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    steps: usize,
    schedule: &str,
    batch_size: Option<usize>,
    restarts: usize,
    seed: u64,
    fixed_output: Option<f64>,
    record_every: usize,
    threads: Option<usize>,
    snapshot_every: usize,
    callback: Option<Bound<'py, PyAny>>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let activation = Activation::new(activation.parse::<ActivationKind>()?, slope);
    let loss = Loss::from(loss.parse::<LossKind>()?);
    let optimizer = Optimizer::new(optimizer.parse::<OptimizerKind>()?, momentum, beta1, beta2, eps);
    let schedule = Schedule::new(schedule.parse::<ScheduleKind>()?, lr_min);
    let cfg = TrainConfig {
        hidden,
        activation,
        loss,
        optimizer,
        lr,
        schedule,
        steps,
        batch_size,
        fixed_output: fixed_output.map(|v| crate::training::float32("output_scale", v)).transpose()?,
        record_every,
        stop_at_perfect: false,
        kernel: Kernel::Auto,
    };
    let xv = x.as_array();
    let ys = y.as_array().to_vec();
    let ys = &ys[..];
    let mut snaps: Vec<Vec<Snapshot>> = Vec::new();
    let done = AtomicU64::new(0);
    let mut tick = steps_done(progress.as_ref(), &done);
    let runs: Vec<RunResult> = if let Some(cb) = callback {
        // One run on a worker thread; the GIL is taken back for the callback at each snapshot.
        if restarts != 1 {
            return Err(PyValueError::new_err(format!("callback needs restarts=1, got {restarts}")));
        }
        if snapshot_every == 0 {
            return Err(PyValueError::new_err("callback needs snapshot_every >= 1"));
        }
        // Every snapshot is kept (and returned) as in train_restarts_observed: checked before the run.
        cfg.validate(xv.nrows(), xv.ncols())?;
        check_snapshots(&cfg, xv.nrows(), xv.ncols(), snapshot_every, 1)?;
        let cb = cb.unbind();
        let mut raised: Option<PyErr> = None;
        let mut kept = Vec::new();
        let res = run_interruptible_ticking(
            py,
            threads,
            || {
                let mut observe = |s: Snapshot| -> Result<(), CoreError> {
                    let call = Python::attach(|py| -> PyResult<()> {
                        let net = network_to_py(py, s.network.clone())?;
                        cb.bind(py).call1((s.step, net, s.accuracy, s.loss))?;
                        Ok(())
                    });
                    kept.push(s);
                    call.map_err(|e| {
                        raised = Some(e);
                        CoreError::Numerical("training stopped by the callback".into())
                    })
                };
                // The run's own error is inspected below, after the callback's.
                let mut rng = train_stream(seed, 0, 0);
                Ok(train_run_counting(xv, ys, &cfg, &mut rng, snapshot_every, &mut observe, &done))
            },
            &mut tick,
        )?;
        if let Some(e) = raised {
            return Err(e);
        }
        snaps.push(kept);
        vec![res?]
    } else {
        let out = run_interruptible_ticking(
            py,
            threads,
            || train_restarts_counting(xv, ys, &cfg, seed, 0, restarts, snapshot_every, &done),
            &mut tick,
        )?;
        let (runs, s): (Vec<_>, Vec<_>) = out.into_iter().unzip();
        if snapshot_every > 0 {
            snaps = s;
        }
        runs
    };
    tick(py)?;
    let best = best_restart(&runs).expect("train_restarts refuses restarts=0");
    // A diverged run's reads stop early (a prefix of the others' steps): its later entries are NaN.
    let longest = runs.iter().max_by_key(|r| r.history_steps.len()).expect("at least one restart");
    let steps_read = longest.history_steps.iter().map(|&s| s as u64).collect::<Vec<_>>();
    let t = steps_read.len();
    let mut loss_h = Array2::<f64>::from_elem((runs.len(), t), f64::NAN);
    let mut acc_h = Array2::<f64>::from_elem((runs.len(), t), f64::NAN);
    for (r, run) in runs.iter().enumerate() {
        for (j, (&l, &a)) in run.loss_history.iter().zip(&run.accuracy_history).enumerate() {
            loss_h[[r, j]] = l;
            acc_h[[r, j]] = a;
        }
    }
    let out = PyDict::new(py);
    out.set_item("best_restart", best)?;
    out.set_item("restart_best_accuracy", runs.iter().map(|r| r.best_accuracy).collect::<Vec<_>>().into_pyarray(py))?;
    out.set_item("restart_final_accuracy", runs.iter().map(|r| r.final_accuracy).collect::<Vec<_>>().into_pyarray(py))?;
    out.set_item("restart_best_step", runs.iter().map(|r| r.best_step as u64).collect::<Vec<_>>().into_pyarray(py))?;
    out.set_item("history_steps", steps_read.into_pyarray(py))?;
    // -1: the restart did not diverge
    out.set_item(
        "restart_diverged_at",
        runs.iter().map(|r| r.diverged_at.map_or(-1, |t| t as i64)).collect::<Vec<_>>().into_pyarray(py),
    )?;
    out.set_item(
        "restart_protocol_accuracy",
        runs.iter().map(|r| r.protocol_accuracy()).collect::<Vec<_>>().into_pyarray(py),
    )?;
    out.set_item("loss_history", loss_h.into_pyarray(py))?;
    out.set_item("accuracy_history", acc_h.into_pyarray(py))?;
    if !snaps.is_empty() {
        snapshots_to_py(py, &out, std::mem::take(&mut snaps[best]))?;
    }
    let chosen = runs.into_iter().nth(best).expect("at least one restart");
    out.set_item("best", network_to_py(py, chosen.best)?)?;
    out.set_item("last", network_to_py(py, chosen.last)?)?;
    Ok(out)
}

/// Stack the snapshots of one run: `snapshot_steps (S,)`, `snapshot_accuracy`, `snapshot_loss`,
/// `snapshot_layers` `[(W (S, fan_in, width), b (S, width)), ...]`, `snapshot_w_out (S, width)`, `snapshot_b_out (S,)`.
fn snapshots_to_py<'py>(py: Python<'py>, out: &Bound<'py, PyDict>, snaps: Vec<Snapshot>) -> PyResult<()> {
    let n = snaps.len();
    out.set_item("snapshot_steps", snaps.iter().map(|s| s.step as u64).collect::<Vec<_>>().into_pyarray(py))?;
    out.set_item("snapshot_accuracy", snaps.iter().map(|s| s.accuracy).collect::<Vec<_>>().into_pyarray(py))?;
    out.set_item("snapshot_loss", snaps.iter().map(|s| s.loss).collect::<Vec<_>>().into_pyarray(py))?;
    let layers = PyList::empty(py);
    if let Some(first) = snaps.first() {
        for (l, (w0, b0)) in first.network.layers.iter().enumerate() {
            let (r, c) = w0.dim();
            let w = Array3::from_shape_fn((n, r, c), |(k, i, j)| snaps[k].network.layers[l].0[[i, j]] as f64);
            let b = Array2::from_shape_fn((n, b0.len()), |(k, j)| snaps[k].network.layers[l].1[j] as f64);
            layers.append((w.into_pyarray(py), b.into_pyarray(py)))?;
        }
        let wo = Array2::from_shape_fn((n, first.network.w_out.len()), |(k, j)| snaps[k].network.w_out[j] as f64);
        out.set_item("snapshot_w_out", wo.into_pyarray(py))?;
    }
    out.set_item("snapshot_layers", layers)?;
    out.set_item("snapshot_b_out", snaps.iter().map(|s| s.network.b_out as f64).collect::<Vec<_>>().into_pyarray(py))?;
    Ok(())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(random_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(reference_accuracy, m)?)?;
    m.add_function(wrap_pyfunction!(protocol_accuracy, m)?)?;
    m.add_function(wrap_pyfunction!(protocol_check, m)?)?;
    m.add_function(wrap_pyfunction!(train_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(train_work, m)?)?;
    m.add_function(wrap_pyfunction!(train_network, m)?)?;
    Ok(())
}
