//! Bindings for the analytic estimator and the accuracy ceilings.

use crate::ceiling;
use crate::choices::{OptimizerKind, ScheduleKind};
use crate::error::CoreError;
use crate::estimate::{
    check_config, check_shape, from_partition, reported, reported_many, shape_widths, Analytic, Budget, Params,
    CALIBRATED_DEEP_D, MAX_LAYERS, MAX_SHAPE_RATIO, PARAMS, PARAM_NAMES, VALIDATED_RANGE,
};
use crate::simulation::PointDist;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::run_interruptible;

type Arrays<'py> = Vec<Bound<'py, PyArray1<f64>>>;
/// `(accuracy, low, high, p_eff, k_sat, k_eff, alpha, budget, m, k_time, uncorrected, correction)`.
type Row = (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64);
/// A [`Row`] as reported (accuracy and band capped at the ceiling) and the ceiling (NaN when not computed).
type ReportedRow = (Row, f64);
/// A protocol as Python passes it: `(optimizer, lr, steps, batch_size, schedule, restarts)`.
type ProtocolArgs = (String, f64, f64, Option<f64>, String, f64);

const COLS: [fn(&Analytic) -> f64; 12] = [
    |a| a.accuracy,
    |a| a.low,
    |a| a.high,
    |a| a.p_eff,
    |a| a.k_sat,
    |a| a.k_eff,
    |a| a.alpha,
    |a| a.budget,
    |a| a.m,
    |a| a.k_time,
    |a| a.uncorrected,
    |a| a.correction,
];

fn pack<'py>(py: Python<'py>, rows: &[Analytic]) -> Arrays<'py> {
    COLS.iter().map(|f| rows.iter().map(f).collect::<Vec<f64>>().into_pyarray(py)).collect()
}

fn row(a: &Analytic) -> Row {
    (
        a.accuracy,
        a.low,
        a.high,
        a.p_eff,
        a.k_sat,
        a.k_eff,
        a.alpha,
        a.budget,
        a.m,
        a.k_time,
        a.uncorrected,
        a.correction,
    )
}

fn parse_dist(dist: &str) -> PyResult<PointDist> {
    Ok(dist.parse::<PointDist>()?)
}

fn budget(p: ProtocolArgs) -> PyResult<Budget> {
    let (optimizer, lr, steps, batch, schedule, restarts) = p;
    let sgd = optimizer.parse::<OptimizerKind>()? == OptimizerKind::Sgd;
    let cosine = schedule.parse::<ScheduleKind>()? == ScheduleKind::Cosine;
    Ok(Budget { sgd, lr, steps, batch, cosine, restarts })
}

fn constants(v: Option<Vec<f64>>) -> PyResult<Params> {
    match v {
        None => Ok(PARAMS),
        Some(v) => Params::from_slice(&v).ok_or_else(|| {
            CoreError::InvalidArgument(format!("params must have {} values, got {}", PARAM_NAMES.len(), v.len())).into()
        }),
    }
}

/// Element-wise analytic estimate for one hidden layer, as reported: the arrays
/// `[accuracy, low, high, p_eff, k_sat, k_eff, alpha, budget, m, k_time, uncorrected, correction, ceiling]`,
/// the first three capped at the accuracy ceiling when `ceiling` (else the last is NaN). `params` overrides
/// the fitted constants (in the order of `estimator_params()`). Interruptible (exact `d = 1` ceilings cost
/// milliseconds each).
#[pyfunction]
#[pyo3(signature = (d, n, l, dist, protocol, params=None, ceiling=true))]
#[allow(clippy::too_many_arguments)]
fn estimate_analytic<'py>(
    py: Python<'py>,
    d: PyReadonlyArray1<'py, f64>,
    n: PyReadonlyArray1<'py, f64>,
    l: PyReadonlyArray1<'py, f64>,
    dist: &str,
    protocol: ProtocolArgs,
    params: Option<Vec<f64>>,
    ceiling: bool,
) -> PyResult<Arrays<'py>> {
    let (dist, b, prm) = (parse_dist(dist)?, budget(protocol)?, constants(params)?);
    crate::estimate::check_many(d.as_array().len())?; // before the copies below
    let (d, n, l) = (d.as_array().to_vec(), n.as_array().to_vec(), l.as_array().to_vec());
    if d.len() != n.len() || d.len() != l.len() {
        return Err(PyValueError::new_err(format!(
            "d, N and L must have one entry each a configuration, got {}, {} and {}",
            d.len(),
            n.len(),
            l.len()
        )));
    }
    for ((&di, &ni), &li) in d.iter().zip(&n).zip(&l) {
        check_config(di, ni, &[li])?;
    }
    let rows = run_interruptible(py, None, || reported_many(&d, &n, &l, dist, &b, &prm, ceiling))?;
    let (rows, ceilings): (Vec<Analytic>, Vec<f64>) = rows.into_iter().unzip();
    let mut out = pack(py, &rows);
    out.push(ceilings.into_pyarray(py));
    Ok(out)
}

/// Refuses (`ValueError` naming `max_bytes`) an array estimate over `n` configurations that the memory limit does
/// not allow: called before the arguments are broadcast and copied.
#[pyfunction]
fn check_estimate_size(n: usize) -> PyResult<()> {
    Ok(crate::estimate::check_many(n)?)
}

/// Analytic estimate for one configuration with hidden `widths` (one or more layers), as reported:
/// `((accuracy, low, high, p_eff, k_sat, k_eff, alpha, budget, m, k_time, uncorrected, correction), ceiling)`,
/// the first three capped at the accuracy ceiling when `ceiling` (else `ceiling` is NaN).
#[pyfunction]
#[pyo3(signature = (d, n, widths, dist, protocol, ceiling=true))]
fn estimate_one(
    d: f64,
    n: f64,
    widths: Vec<f64>,
    dist: &str,
    protocol: ProtocolArgs,
    ceiling: bool,
) -> PyResult<ReportedRow> {
    check_config(d, n, &widths)?;
    let (a, c) = reported(d, n, &widths, parse_dist(dist)?, &budget(protocol)?, &PARAMS, ceiling);
    Ok((row(&a), c))
}

/// Estimates from the capped occupancy `sum over cells of min(points, d + 1)` of
/// sampled partitions (one per Monte Carlo trial), one hidden layer of `l` units.
#[pyfunction]
fn estimate_from_partition<'py>(
    py: Python<'py>,
    d: f64,
    n: f64,
    l: f64,
    capped_occupancy: PyReadonlyArray1<'py, f64>,
    dist: &str,
    protocol: ProtocolArgs,
) -> PyResult<Arrays<'py>> {
    let (dist, b) = (parse_dist(dist)?, budget(protocol)?);
    check_config(d, n, &[l])?;
    let rows: Vec<_> =
        capped_occupancy.as_array().iter().map(|&k| from_partition(d, n, l, k, dist, &b, &PARAMS)).collect();
    Ok(pack(py, &rows))
}

/// `[L, L_low, L_high]`: the smallest first-layer width `L` of a network of hidden widths `shape_widths(shape, L)`
/// whose estimate, band's lower edge, band's upper edge (capped at the ceiling) reach `target` (0: not within
/// `max_l`). A `shape` the core refuses is a `ValueError` naming it.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn required_width(
    py: Python<'_>,
    d: f64,
    n: f64,
    target: f64,
    shape: Vec<f64>,
    dist: &str,
    protocol: ProtocolArgs,
    max_l: f64,
) -> PyResult<[f64; 3]> {
    let (dist, b) = (parse_dist(dist)?, budget(protocol)?);
    check_config(d, n, &[1.0])?;
    Ok(py.detach(|| crate::estimate::required_width(d, n, target, &shape, dist, &b, &PARAMS, max_l))?)
}

/// Largest first-layer width [`shape_widths`] scales: 2^50, where a width times [`MAX_SHAPE_RATIO`] is still a
/// whole number in an `f64` and a `u64`.
const MAX_SCALED: f64 = (1u64 << 50) as f64;

/// The hidden widths of `shape` at a first layer of `l` units, as [`required_width`] sizes them (`ceil(r l)` for
/// each entry `r`): the one definition, which Python's `WidthAnswer.widths` reads. A `shape` the core refuses, or
/// an `l` that is not a whole number from 1 to 2^50, is a `ValueError` naming it.
#[pyfunction(name = "shape_widths")]
fn shape_widths_py(shape: Vec<f64>, l: f64) -> PyResult<Vec<u64>> {
    check_shape(&shape)?;
    if !(l.is_finite() && l.fract() == 0.0 && (1.0..=MAX_SCALED).contains(&l)) {
        return Err(PyValueError::new_err(format!("l must be a whole number from 1 to 2^50, got {l}")));
    }
    Ok(shape_widths(&shape, l).into_iter().map(|w| w as u64).collect())
}

/// `[N, N_low, N_high]`: the largest number of points whose estimate, band's lower
/// edge, band's upper edge (capped at the ceiling) reach `target` for hidden `widths` (0: not even one point).
#[pyfunction]
fn max_samples(
    py: Python<'_>,
    d: f64,
    widths: Vec<f64>,
    target: f64,
    dist: &str,
    protocol: ProtocolArgs,
    max_n: f64,
) -> PyResult<[f64; 3]> {
    let (dist, b) = (parse_dist(dist)?, budget(protocol)?);
    check_config(d, 1.0, &widths)?;
    Ok(py.detach(|| crate::estimate::max_samples(d, &widths, target, dist, &b, &PARAMS, max_n)))
}

/// Sum of the learning rates of a run (`schedule` is `"cosine"` or `"constant"`).
#[pyfunction]
fn summed_lr(lr: f64, steps: f64, schedule: &str) -> PyResult<f64> {
    let cosine = schedule.parse::<ScheduleKind>()? == ScheduleKind::Cosine;
    Ok(crate::estimate::summed_lr(lr, steps, cosine))
}

/// The model constants as `(name, value)` pairs.
#[pyfunction]
fn estimator_params() -> Vec<(&'static str, f64)> {
    PARAM_NAMES.iter().copied().zip(PARAMS.to_vec()).collect()
}

/// The validated range as `(name, low, high)` triples.
#[pyfunction]
fn estimator_range() -> Vec<(&'static str, f64, f64)> {
    VALIDATED_RANGE.to_vec()
}

/// Mean and standard error of the exact `d = 1` best accuracy with at most `k` sign changes.
#[pyfunction]
fn d1_ceiling(py: Python<'_>, n: usize, k: usize, labelings: usize, seed: u64) -> PyResult<(f64, f64)> {
    run_interruptible(py, None, || ceiling::d1_ceiling(n, k, labelings, seed))
}

/// The most sign changes the output of `l` ReLU units can make along a line (`l + 1`, or `l`
/// for `l <= 2`): see [`ceiling::d1_max_sign_changes`].
#[pyfunction]
fn d1_max_sign_changes(l: u64) -> u64 {
    ceiling::d1_max_sign_changes(l)
}

/// The accuracy ceiling of a `d -> widths -> 1` ReLU network on `n` random labels: see
/// [`ceiling::ceiling`] (exact in `d = 1` with one hidden layer, a counting bound otherwise).
#[pyfunction]
fn accuracy_ceiling(py: Python<'_>, d: u64, n: u64, widths: Vec<u64>) -> PyResult<f64> {
    check_config(d as f64, n as f64, &widths.iter().map(|&w| w as f64).collect::<Vec<_>>())?;
    Ok(py.detach(|| ceiling::ceiling(d, n, &widths)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(estimate_analytic, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_one, m)?)?;
    m.add_function(wrap_pyfunction!(check_estimate_size, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_from_partition, m)?)?;
    m.add_function(wrap_pyfunction!(estimator_params, m)?)?;
    m.add_function(wrap_pyfunction!(estimator_range, m)?)?;
    m.add_function(wrap_pyfunction!(summed_lr, m)?)?;
    m.add_function(wrap_pyfunction!(required_width, m)?)?;
    m.add_function(wrap_pyfunction!(shape_widths_py, m)?)?;
    m.add_function(wrap_pyfunction!(max_samples, m)?)?;
    m.add_function(wrap_pyfunction!(d1_ceiling, m)?)?;
    m.add_function(wrap_pyfunction!(d1_max_sign_changes, m)?)?;
    m.add_function(wrap_pyfunction!(accuracy_ceiling, m)?)?;
    m.add("MAX_LAYERS", MAX_LAYERS)?;
    m.add("MAX_SHAPE_RATIO", MAX_SHAPE_RATIO)?;
    m.add("CALIBRATED_DEEP_D", CALIBRATED_DEEP_D)?;
    Ok(())
}
