//! nnpartition core: space-partitioning analysis of ReLU networks.
//!
//! Everything in this crate except the `python` module is plain Rust and is
//! exercised by `cargo test` without a Python interpreter. The `python`
//! module (behind the `python` cargo feature, which maturin enables) only
//! converts types, validates, releases the GIL and maps errors.

pub mod error;
pub mod exact;
pub mod logcount;
pub mod patterns;
pub mod rng;
pub mod simulate;
pub mod train;

#[cfg(feature = "python")]
mod python;

pub use error::{CoreError, CoreResult};
