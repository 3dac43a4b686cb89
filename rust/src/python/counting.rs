//! Bindings for exact and log-domain counting.

use super::run_interruptible;
use crate::counting;
use num_bigint::BigUint;
use pyo3::prelude::*;

/// Regions of `l` hyperplanes in general position in `R^d`: affine, `sum_{i<=min(l,d)} C(l, i)`, or central
/// (`central`: through the origin), `2 sum_{i<d} C(l-1, i)`; exact.
#[pyfunction]
fn regions(py: Python<'_>, l: u64, d: u64, central: bool) -> PyResult<BigUint> {
    run_interruptible(py, None, || if central { counting::central_regions(l, d) } else { counting::regions(l, d) })
}

/// Bounded regions of `l` affine hyperplanes in general position in `R^d`: `C(l - 1, d)`; exact.
#[pyfunction]
fn bounded_regions(py: Python<'_>, l: u64, d: u64) -> PyResult<BigUint> {
    run_interruptible(py, None, || counting::bounded_regions(l, d))
}

/// `ln` of the regions of `l` affine hyperplanes in general position in `R^d`.
#[pyfunction]
fn log_regions(l: u64, d: u64) -> f64 {
    counting::ln_regions(l, d)
}

/// `ln sum_{k=0}^{min(m,n)} C(n, k)`.
#[pyfunction]
fn log_partial_binomial_sum(n: u64, m: u64) -> f64 {
    counting::ln_partial_sum(n, m)
}

/// Cover's count: dichotomies of `n` points in general position in `R^dim` separable by a hyperplane through
/// the origin, `2 sum_{k<dim} C(n-1, k)`; exact.
#[pyfunction]
fn cover_count(py: Python<'_>, n: u64, dim: u64) -> PyResult<BigUint> {
    run_interruptible(py, None, || counting::cover_count(n, dim))
}

/// Probability that fair-coin labels of `n` points in general position in `R^dim` are separable by a hyperplane
/// through the origin: `cover_count(n, dim) / 2^n`.
#[pyfunction]
fn separable_probability(py: Python<'_>, n: u64, dim: u64) -> PyResult<f64> {
    run_interruptible(py, None, || Ok(counting::separable_probability(n, dim)))
}

/// Returns (montufar2014_lower, serra2018_lower, montufar2017_upper,
/// serra2018_upper, montufar2014_reason, serra2018_reason).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn deep_region_bounds(
    py: Python<'_>,
    d: u64,
    widths: Vec<u64>,
) -> PyResult<(Option<BigUint>, Option<BigUint>, BigUint, BigUint, String, String)> {
    let b = run_interruptible(py, None, || counting::deep_region_bounds(d, &widths))?;
    Ok((
        b.montufar2014_lower,
        b.serra2018_lower,
        b.montufar2017_upper,
        b.serra2018_upper,
        b.montufar2014_reason,
        b.serra2018_reason,
    ))
}

/// Refuse `layers` hidden layers for `deep_region_bounds` by their count alone, in its words: past
/// `DEEP_BOUNDS_MAX_LAYERS`, any widths would cost more than its work limit.
#[pyfunction]
fn deep_bounds_check_layers(layers: usize) -> PyResult<()> {
    Ok(counting::check_deep_layers(layers)?)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(regions, m)?)?;
    m.add_function(wrap_pyfunction!(bounded_regions, m)?)?;
    m.add_function(wrap_pyfunction!(log_regions, m)?)?;
    m.add_function(wrap_pyfunction!(log_partial_binomial_sum, m)?)?;
    m.add_function(wrap_pyfunction!(cover_count, m)?)?;
    m.add_function(wrap_pyfunction!(separable_probability, m)?)?;
    m.add_function(wrap_pyfunction!(deep_region_bounds, m)?)?;
    m.add_function(wrap_pyfunction!(deep_bounds_check_layers, m)?)?;
    m.add("DEEP_BOUNDS_MAX_LAYERS", counting::DEEP_BOUNDS_MAX_LAYERS)?;
    Ok(())
}
