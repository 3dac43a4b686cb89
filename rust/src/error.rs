//! The one error type of the core. The Python layer (`impl From<CoreError>
//! for PyErr` in `python/mod.rs`) maps `InvalidArgument`, `TooLarge` and
//! `Numerical` to a `ValueError` whose message names the offending argument
//! or limit, and `Interrupted` to `KeyboardInterrupt`.

use std::fmt;

/// An error raised by the core for input it cannot (or refuses to) handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// An argument is outside its accepted range; the message names it.
    InvalidArgument(String),
    /// The request is well formed but would exceed a limit of `crate::limits`;
    /// the message names the limit and how to raise it.
    TooLarge(String),
    /// A numerical failure caused by the arguments, detected at run time
    /// (e.g. a loss that diverges for a learning rate that is too large).
    Numerical(String),
    /// The call was cancelled (Ctrl-C) through `crate::limits::Cancel`.
    Interrupted,
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::InvalidArgument(m) | CoreError::TooLarge(m) | CoreError::Numerical(m) => f.write_str(m),
            CoreError::Interrupted => f.write_str("interrupted"),
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
