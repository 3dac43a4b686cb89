# Hand-written stub of the native module nnpartition._core (rust/src/python/).
# Keep in step with the #[pyfunction] signatures; tests/test_stub.py checks it.

from typing import List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

# --- counting ---
def regions(l: int, d: int, central: bool) -> int: ...
def bounded_regions(l: int, d: int) -> int: ...
def log_regions(l: int, d: int) -> float: ...
def log_partial_binomial_sum(n: int, m: int) -> float: ...
def cover_count(n: int, dim: int) -> int: ...
def separable_probability(n: int, dim: int) -> float: ...
def deep_region_bounds(
    d: int, widths: List[int]
) -> Tuple[Optional[int], Optional[int], int, int, str, str]: ...

# --- activation patterns ---
def count_patterns_f64(
    x: npt.NDArray[np.float64],
    layers: List[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    y: Optional[npt.NDArray[np.uint8]] = None,
) -> Tuple[int, npt.NDArray[np.uint64], int, int]: ...
def count_patterns_f32(
    x: npt.NDArray[np.float32],
    layers: List[Tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]],
    y: Optional[npt.NDArray[np.uint8]] = None,
) -> Tuple[int, npt.NDArray[np.uint64], int, int]: ...

# --- simulation ---
def simulate_trials(
    d: int,
    n: int,
    l: int,
    dist: str,
    init: str,
    seed: int,
    first: int,
    count: int,
    threads: Optional[int] = None,
) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.uint64]]: ...
