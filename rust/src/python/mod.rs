//! The PyO3 layer: type conversion, validation, GIL release and error
//! mapping only. Each domain registers its own functions.

use crate::error::CoreError;
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

mod counting;
mod estimate;
mod patterns;
mod pictures;
mod regionmap;
mod simulate;
mod sparse;
mod teacher;
mod train;
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
    counting::register(m)?;
    estimate::register(m)?;
    patterns::register(m)?;
    pictures::register(m)?;
    regionmap::register(m)?;
    simulate::register(m)?;
    sparse::register(m)?;
    teacher::register(m)?;
    train::register(m)?;
    window::register(m)?;
    Ok(())
}
