//! The one error type of the core. The Python layer maps every variant to a
//! `ValueError` whose message names the offending argument.

use std::fmt;

/// An error raised by the core for input it cannot (or refuses to) handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// An argument is outside its accepted range; the message names it.
    InvalidArgument(String),
    /// The request is well formed but would exceed the work or memory limit.
    TooLarge(String),
    /// A numerical failure detected at run time (e.g. a diverging loss).
    Numerical(String),
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::InvalidArgument(m) | CoreError::TooLarge(m) | CoreError::Numerical(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for CoreError {}

/// Result alias used across the core.
pub type CoreResult<T> = Result<T, CoreError>;

/// Shorthand for an `InvalidArgument` error.
pub fn invalid<T>(msg: impl Into<String>) -> CoreResult<T> {
    Err(CoreError::InvalidArgument(msg.into()))
}
