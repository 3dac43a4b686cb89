//! The PyO3 layer: type conversion, validation, GIL release and error
//! mapping only. Each domain registers its own functions.

use crate::error::CoreError;
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

mod activation_regions;
mod construct;
mod counting;
mod estimate;
mod pictures;
mod simulation;
mod sparse;
mod teacher;
mod training;
mod window;

/// Map a core error to the Python exception users see.
pub(crate) fn to_py(e: CoreError) -> PyErr {
    match e {
        CoreError::InvalidArgument(m) => PyValueError::new_err(m),
        CoreError::TooLarge(m) => PyMemoryError::new_err(m),
        CoreError::Numerical(m) => PyRuntimeError::new_err(m),
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    activation_regions::register(m)?;
    construct::register(m)?;
    counting::register(m)?;
    estimate::register(m)?;
    pictures::register(m)?;
    simulation::register(m)?;
    sparse::register(m)?;
    teacher::register(m)?;
    training::register(m)?;
    window::register(m)?;
    Ok(())
}
