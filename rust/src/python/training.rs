//! Bindings for the trainer: datasets, the reference protocol and general training.

use super::to_py;
use crate::simulation::PointDist;
use crate::training::{
    random_dataset as core_random_dataset, reference_accuracy as core_reference_accuracy, train_restarts,
    train_restarts_observed, train_run_observed, train_stream, Activation, Kernel, Loss, Network, Optimizer, RunResult,
    Schedule, Snapshot, TrainConfig,
};
use crate::error::CoreError;
use ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

fn parse_dist(dist: &str) -> PyResult<PointDist> {
    match dist {
        "uniform" => Ok(PointDist::Uniform),
        "gaussian" | "gauss" => Ok(PointDist::Gaussian),
        other => Err(PyValueError::new_err(format!("dist must be 'uniform' or 'gaussian', got {other:?}"))),
    }
}

/// Run `f` on a pool of `threads` workers (`None`: rayon's global pool), GIL released.
fn run_detached<T: Send>(py: Python<'_>, threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(py.detach(f)),
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| PyValueError::new_err(format!("threads: cannot start a pool of {t}: {e}")))?;
            Ok(py.detach(|| pool.install(f)))
        }
    }
}

type Dataset<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<u8>>);

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
    let dist = parse_dist(dist)?;
    if n == 0 || d == 0 {
        return Err(PyValueError::new_err(format!("N and d must be >= 1, got N={n}, d={d}")));
    }
    let (x, y) = py.detach(|| core_random_dataset(n, d, dist, seed, index));
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
    let dist = parse_dist(dist)?;
    let acc = run_detached(py, threads, || core_reference_accuracy(d, n, l, dist, seed, first, count, restarts))?
        .map_err(to_py)?;
    Ok(acc.into_pyarray(py))
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
/// networks of the best restart and the per-restart histories.
#[pyfunction]
#[pyo3(signature = (x, y, hidden, activation, slope, loss, optimizer, lr, lr_min, momentum, beta1, beta2, eps,
                    steps, schedule, batch_size, restarts, seed, fixed_output, record_every, threads=None,
                    snapshot_every=0, callback=None))]
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
) -> PyResult<Bound<'py, PyDict>> {
    let activation = match activation {
        "relu" => Activation::Relu,
        "leaky_relu" => Activation::LeakyRelu(slope as f32),
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        other => {
            return Err(PyValueError::new_err(format!(
                "activation must be one of 'relu', 'leaky_relu', 'sigmoid', 'tanh', got {other:?}"
            )))
        }
    };
    let loss = match loss {
        "bce" => Loss::Bce,
        "hinge" => Loss::Hinge,
        other => return Err(PyValueError::new_err(format!("loss must be 'bce' or 'hinge', got {other:?}"))),
    };
    let optimizer = match optimizer {
        "adam" => Optimizer::Adam { beta1, beta2, eps },
        "sgd" => Optimizer::Sgd { momentum },
        other => return Err(PyValueError::new_err(format!("optimizer must be 'adam' or 'sgd', got {other:?}"))),
    };
    let schedule = match schedule {
        "cosine" => Schedule::Cosine { lr_min },
        "constant" => Schedule::Constant,
        other => {
            return Err(PyValueError::new_err(format!("schedule must be 'cosine' or 'constant', got {other:?}")))
        }
    };
    let cfg = TrainConfig {
        hidden,
        activation,
        loss,
        optimizer,
        lr,
        schedule,
        steps,
        batch_size,
        fixed_output: fixed_output.map(|v| v as f32),
        record_every,
        stop_at_perfect: false,
        kernel: Kernel::Auto,
    };
    let xv = x.as_array();
    let ys = y.as_slice().map_err(|_| PyValueError::new_err("y must be contiguous"))?;
    if ys.len() != xv.nrows() {
        return Err(PyValueError::new_err(format!(
            "y must have one label per row of X ({}), got {}",
            xv.nrows(),
            ys.len()
        )));
    }
    let mut snaps: Vec<Vec<Snapshot>> = Vec::new();
    let runs: Vec<RunResult> = if let Some(cb) = callback {
        // One run on this thread; the GIL is taken back for the callback at each snapshot.
        if restarts != 1 {
            return Err(PyValueError::new_err(format!("callback needs restarts=1, got {restarts}")));
        }
        if snapshot_every == 0 {
            return Err(PyValueError::new_err("callback needs snapshot_every >= 1"));
        }
        let cb = cb.unbind();
        let mut raised: Option<PyErr> = None;
        let mut kept = Vec::new();
        let res = run_detached(py, threads, || {
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
            train_run_observed(xv, ys, &cfg, &mut train_stream(seed, 0, 0), snapshot_every, &mut observe)
        })?;
        if let Some(e) = raised {
            return Err(e);
        }
        snaps.push(kept);
        vec![res.map_err(to_py)?]
    } else if snapshot_every > 0 {
        let out = run_detached(py, threads, || train_restarts_observed(xv, ys, &cfg, seed, 0, restarts, snapshot_every))?
            .map_err(to_py)?;
        let (runs, s): (Vec<_>, Vec<_>) = out.into_iter().unzip();
        snaps = s;
        runs
    } else {
        run_detached(py, threads, || train_restarts(xv, ys, &cfg, seed, 0, restarts))?.map_err(to_py)?
    };
    let mut best = 0;
    for (r, run) in runs.iter().enumerate() {
        if run.best_accuracy > runs[best].best_accuracy {
            best = r;
        }
    }
    let t = runs[0].history_steps.len();
    let mut loss_h = Array2::<f64>::zeros((runs.len(), t));
    let mut acc_h = Array2::<f64>::zeros((runs.len(), t));
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
    out.set_item("history_steps", runs[0].history_steps.iter().map(|&s| s as u64).collect::<Vec<_>>().into_pyarray(py))?;
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
    m.add_function(wrap_pyfunction!(train_network, m)?)?;
    Ok(())
}
