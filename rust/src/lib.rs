//! nnpartition core: space-partitioning analysis of ReLU networks.
//!
//! Everything in this crate except the `python` module is plain Rust and is
//! exercised by `cargo test` without a Python interpreter. The `python`
//! module (behind the `python` cargo feature, which maturin enables) only
//! converts types, validates, releases the GIL and maps errors.

pub mod activation_regions;
pub mod ceiling;
pub mod choices;
pub mod construct;
pub mod counting;
pub mod error;
pub mod estimate;
pub mod limits;
pub mod linalg;
pub mod pictures;
pub mod rng;
pub mod simulation;
pub mod sparse;
pub mod teacher;
pub mod training;
pub mod window;

#[cfg(feature = "python")]
mod python;

pub use error::{CoreError, CoreResult};
