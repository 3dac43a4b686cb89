//! nnpartition core: space-partitioning analysis of ReLU networks.
//!
//! Everything in this crate except the `python` module is plain Rust and is
//! exercised by `cargo test` without a Python interpreter. The `python`
//! module (behind the `python` cargo feature, which maturin enables) only
//! converts types, validates, releases the GIL and maps errors. The library is
//! named `_core` (the name of the native Python module).
//!
//! # Modules
//!
//! - [`counting`]: exact region counts of hyperplane arrangements (big integers), Cover's theorem, deep-network
//!   region bounds, and their logarithms for huge sizes.
//! - [`window`]: exact region counts inside a box, of one layer's hyperplanes or of a deep network.
//! - [`pictures`]: the exact linear regions of a network inside a 2-D window, as polygons.
//! - [`activation_regions`]: the distinct activation patterns (and majority labels) of sample points.
//! - [`construct`]: the region of every point under a two-layer network and the affine map on it.
//! - [`simulation`]: Monte Carlo partitions of random labelled points by random hidden layers.
//! - [`estimate`]: the analytic estimate of the training accuracy on random labels, and sizing questions.
//! - [`ceiling`]: upper bounds on the accuracy any network of a given size can reach on random labels.
//! - [`training`]: random two-class datasets and the reference trainer (full-batch Adam, PyTorch semantics).
//! - [`teacher`]: SGD on a Leaky-ReLU network with frozen output weights (the linear-teacher setting).
//! - [`sparse`]: expand-and-sparsify random codes (top-k, threshold, ReLU).
//! - [`limits`]: the process-wide limits on parameters, memory and work, and cancellation.
//! - [`choices`]: the allowed string values of every option, parsed into enums.
//! - [`linalg`]: the dense matrix products of the hot loops.
//! - [`rng`]: seedable random streams, one per unit of work, independent of the thread count.
//! - [`error`]: the one error type, [`CoreError`].
//!
//! # Example
//!
//! Count the regions `L` affine hyperplanes in general position cut `R^d` into, check the count against the
//! closed form `sum_{i <= d} C(L, i)`, then estimate the accuracy a `d -> L -> 1` ReLU network reaches on `N`
//! random labels under the reference training protocol:
//!
//! ```
//! use _core::counting::regions;
//! use _core::estimate::{reported, Budget, PARAMS};
//! use _core::simulation::PointDist;
//!
//! let (l, d) = (12u64, 3u64);
//! let count = regions(l, d)?; // a num_bigint::BigUint
//! // the closed form, term by term: C(L, i + 1) = C(L, i) (L - i) / (i + 1)
//! let (mut term, mut sum) = (1u64, 1u64);
//! for i in 0..d {
//!     term = term * (l - i) / (i + 1);
//!     sum += term;
//! }
//! assert_eq!(count, sum.into()); // 1 + 12 + 66 + 220 = 299
//!
//! // Accuracy of a 2 -> 8 -> 1 network trained on 200 uniform points with fair-coin labels, capped by the
//! // counting ceiling (`true`): an estimate with a band, never below the 1/2 of a constant output.
//! let (est, ceiling) = reported(2.0, 200.0, &[8.0], PointDist::Uniform, &Budget::REFERENCE, &PARAMS, true);
//! assert!(0.5 <= est.low && est.low <= est.accuracy && est.accuracy <= est.high && est.high <= ceiling);
//! assert!(ceiling <= 1.0);
//! // On a line, 19 units change sign up to 20 times: any labelling of 20 points is realised, so the ceiling is 1.
//! let (_, ceiling) = reported(1.0, 20.0, &[19.0], PointDist::Uniform, &Budget::REFERENCE, &PARAMS, true);
//! assert_eq!(ceiling, 1.0);
//! # Ok::<(), _core::CoreError>(())
//! ```

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
