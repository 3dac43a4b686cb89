# Hand-written stub of the native module nnpartition._core (rust/src/python/).
# Keep in step with the #[pyfunction] signatures: tests/test_stub.py and, in .ci/run,
# `python -m mypy.stubtest nnpartition._core --allowlist stubtest-allowlist.txt` check it.

from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Tuple, TypedDict

import numpy as np
import numpy.typing as npt

# Every name the native module exports, one per line (mypy.stubtest checks it against the module).
__all__ = [
    "ALIASES",
    "CALIBRATED_DEEP_D",
    "CHOICES",
    "DEEP_BOUNDS_MAX_LAYERS",
    "DEFAULT_LIMITS",
    "MAX_ACTIVATIONS",
    "MAX_LAYERS",
    "MAX_SHAPE_RATIO",
    "MAX_THREADS",
    "PIECEWISE_LINEAR",
    "TEACHER_MAX_RECORDED",
    "WINDOW_MAX_DIM",
    "WINDOW_MIN_WIDTH_ULPS",
    "__version__",
    "accuracy_ceiling",
    "bounded_regions",
    "check_estimate_size",
    "count_patterns_f32",
    "count_patterns_f64",
    "cover_count",
    "d1_ceiling",
    "d1_max_sign_changes",
    "deep_bounds_check_layers",
    "deep_region_bounds",
    "eas_code_check",
    "eas_projection",
    "eas_relu",
    "eas_threshold_code",
    "eas_thresholds",
    "eas_topk",
    "estimate_analytic",
    "estimate_from_partition",
    "estimate_one",
    "estimator_params",
    "estimator_range",
    "get_limits",
    "interruptible_sleep",
    "log_partial_binomial_sum",
    "log_regions",
    "max_samples",
    "protocol_accuracy",
    "protocol_check",
    "random_dataset",
    "reference_accuracy",
    "region_map_f64",
    "region_polygons",
    "regions",
    "required_width",
    "separable_probability",
    "set_limits",
    "shape_widths",
    "simulate_check",
    "simulate_trials",
    "summed_lr",
    "teacher_check",
    "teacher_sgd",
    "train_bytes",
    "train_network",
    "train_work",
    "window_box_fault",
    "window_network_region_counts",
    "window_region_counts",
    "window_work",
]

__version__: str

# --- choices (rust/src/choices.rs): option -> canonical names, option -> {alias: name} ---
CHOICES: Dict[str, Tuple[str, ...]]
ALIASES: Dict[str, Dict[str, str]]
# the activations with linear regions (relu, leaky_relu), a subset of CHOICES["activation"]
PIECEWISE_LINEAR: Tuple[str, ...]

# --- limits (rust/src/limits.rs): (max_params, max_bytes, max_work) ---
DEFAULT_LIMITS: Tuple[int, int, int]
MAX_ACTIVATIONS: int
MAX_THREADS: int
def get_limits() -> Tuple[int, int, int]: ...
def set_limits(
    max_params: Optional[int] = None, max_bytes: Optional[int] = None, max_work: Optional[int] = None
) -> Tuple[int, int, int]: ...
def interruptible_sleep(seconds: float, threads: Optional[int] = None) -> float: ...

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
# most hidden layers deep_region_bounds takes: more cost more than its work limit whatever the widths (counting.rs)
DEEP_BOUNDS_MAX_LAYERS: int
def deep_bounds_check_layers(layers: int) -> None: ...

# --- estimator ---
_ProtocolArgs = Tuple[str, float, float, Optional[float], str, float]
_EstimateRow = Tuple[float, float, float, float, float, float, float, float, float, float, float, float]

def estimate_analytic(
    d: npt.NDArray[np.float64],
    n: npt.NDArray[np.float64],
    l: npt.NDArray[np.float64],
    dist: str,
    protocol: _ProtocolArgs,
    params: Optional[List[float]] = None,
    ceiling: bool = True,
) -> List[npt.NDArray[np.float64]]: ...
def check_estimate_size(n: int) -> None: ...

# most hidden layers a widths argument (or required_width's shape) may name (rust/src/estimate.rs)
MAX_LAYERS: int
# largest entry of required_width's shape: a layer's width as a multiple of the first's (rust/src/estimate.rs)
MAX_SHAPE_RATIO: float
CALIBRATED_DEEP_D: float

def estimate_one(
    d: float, n: float, widths: Sequence[float], dist: str, protocol: _ProtocolArgs, ceiling: bool = True
) -> Tuple[_EstimateRow, float]: ...
def estimate_from_partition(
    d: float,
    n: float,
    l: float,
    capped_occupancy: npt.NDArray[np.float64],
    dist: str,
    protocol: _ProtocolArgs,
) -> List[npt.NDArray[np.float64]]: ...
def estimator_params() -> List[Tuple[str, float]]: ...
def estimator_range() -> List[Tuple[str, float, float]]: ...
def summed_lr(lr: float, steps: float, schedule: str) -> float: ...
def required_width(
    d: float, n: float, target: float, shape: Sequence[float], dist: str, protocol: _ProtocolArgs, max_l: float
) -> List[float]: ...
def shape_widths(shape: Sequence[float], l: float) -> List[int]: ...
def max_samples(
    d: float, widths: List[float], target: float, dist: str, protocol: _ProtocolArgs, max_n: float
) -> List[float]: ...
def d1_ceiling(n: int, k: int, labelings: int, seed: int) -> Tuple[float, float]: ...
def d1_max_sign_changes(l: int) -> int: ...
def accuracy_ceiling(d: int, n: int, widths: List[int]) -> float: ...

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
    cap: Optional[int] = None,
) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.uint64], npt.NDArray[np.uint64]]: ...
def simulate_check(d: int, n: int, l: int, trials: int) -> None: ...

# --- inside ---
def eas_code_check(n: int, d: int, m: int, k: int, sparsify: str) -> None: ...
def eas_projection(d: int, m: int, kind: str, s: int, seed: int) -> npt.NDArray[np.float64]: ...
def eas_topk(
    x: npt.NDArray[np.float64], theta: npt.NDArray[np.float64], bias: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.uint32]: ...
def eas_thresholds(
    x: npt.NDArray[np.float64], theta: npt.NDArray[np.float64], bias: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.float64]: ...
def eas_threshold_code(
    x: npt.NDArray[np.float64],
    theta: npt.NDArray[np.float64],
    bias: npt.NDArray[np.float64],
    tau: npt.NDArray[np.float64],
) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]: ...
def eas_relu(
    x: npt.NDArray[np.float64], theta: npt.NDArray[np.float64], bias: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]: ...
def region_map_f64(
    x: npt.NDArray[np.float64],
    w1: npt.NDArray[np.float64],
    b1: npt.NDArray[np.float64],
    w2: npt.NDArray[np.float64],
    b2: float,
) -> Tuple[
    npt.NDArray[np.uint64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.uint64],
]: ...

# --- window ---
WINDOW_MAX_DIM: int
WINDOW_MIN_WIDTH_ULPS: float
def window_region_counts(
    w: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    tol: float,
    max_work: int,
) -> Tuple[int, npt.NDArray[np.uint64]]: ...
def window_work(n: int, d: int) -> float: ...
def window_box_fault(lo: float, hi: float) -> Optional[str]: ...
def window_network_region_counts(
    ws: Sequence[npt.NDArray[np.float64]],
    bs: Sequence[npt.NDArray[np.float64]],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    tol: float,
    max_regions: int,
    slope: float,
    list: bool,
    readout: Optional[Tuple[npt.NDArray[np.float64], float]] = None,
    progress: Optional[Callable[[int], object]] = None,
) -> Tuple[
    npt.NDArray[np.uint64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.float64],
]: ...

# --- trainer ---

def random_dataset(
    n: int, d: int, dist: str, seed: int, index: int = 0
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...
def reference_accuracy(
    d: int,
    n: int,
    l: int,
    dist: str,
    seed: int,
    first: int,
    count: int,
    restarts: int,
    threads: Optional[int] = None,
) -> npt.NDArray[np.float64]: ...
class _Protocol(Protocol):
    """What the binding reads of an ``nnpartition.Protocol`` (its six fields, as attributes)."""

    @property
    def optimizer(self) -> str: ...
    @property
    def lr(self) -> float: ...
    @property
    def steps(self) -> int: ...
    @property
    def batch_size(self) -> Optional[int]: ...
    @property
    def schedule(self) -> str: ...
    @property
    def restarts(self) -> int: ...

def protocol_accuracy(
    d: int,
    n: int,
    widths: List[int],
    dist: str,
    seed: int,
    first: int,
    count: int,
    protocol: _Protocol,
    threads: Optional[int] = None,
    progress: Optional[Callable[[int], object]] = None,
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.uintp]]: ...
def protocol_check(d: int, n: int, widths: List[int], count: int, protocol: _Protocol) -> None: ...
def train_bytes(d: int, n: int, widths: List[int], protocol: _Protocol) -> float: ...
def train_work(d: int, n: int, widths: List[int], count: int, protocol: _Protocol) -> float: ...
def train_network(
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.uint8],
    hidden: List[int],
    activation: str,
    slope: float,
    loss: str,
    optimizer: str,
    lr: float,
    lr_min: float,
    momentum: float,
    beta1: float,
    beta2: float,
    eps: float,
    steps: int,
    schedule: str,
    batch_size: Optional[int],
    restarts: int,
    seed: int,
    fixed_output: Optional[float],
    record_every: int,
    threads: Optional[int] = None,
    snapshot_every: int = 0,
    callback: Optional[Callable[[int, Dict[str, Any], float, float], Any]] = None,
    progress: Optional[Callable[[int], object]] = None,
) -> _TrainOutput: ...

class _NetworkDict(TypedDict):
    layers: List[Tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]
    w_out: npt.NDArray[np.float32]
    b_out: float

class _TrainOutput(TypedDict, total=False):
    """What ``train_network`` returns (``snapshot_*`` only with ``snapshot_every``)."""

    best_restart: int
    restart_best_accuracy: npt.NDArray[np.float64]
    restart_final_accuracy: npt.NDArray[np.float64]
    restart_best_step: npt.NDArray[np.uint64]
    history_steps: npt.NDArray[np.uint64]
    loss_history: npt.NDArray[np.float64]
    accuracy_history: npt.NDArray[np.float64]
    restart_diverged_at: npt.NDArray[np.int64]
    restart_protocol_accuracy: npt.NDArray[np.float64]
    best: _NetworkDict
    last: _NetworkDict
    snapshot_steps: npt.NDArray[np.uint64]
    snapshot_accuracy: npt.NDArray[np.float64]
    snapshot_loss: npt.NDArray[np.float64]
    snapshot_layers: List[Tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]
    snapshot_w_out: npt.NDArray[np.float32]
    snapshot_b_out: npt.NDArray[np.float32]

# --- teacher ---
def teacher_sgd(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w0: npt.NDArray[np.float64],
    n_pos: int,
    v: float,
    alpha: float,
    lr: float,
    steps: int,
    batch_size: int,
    record_at: List[int],
    seed: int,
    loss_eps: float,
    progress: Optional[Callable[[int], object]] = None,
) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64],
           npt.NDArray[np.uint64]]: ...
def teacher_check(
    n: int, d: int, l: int, steps: int, batch_size: int, records: int, extra_work: float = 0.0
) -> None: ...

TEACHER_MAX_RECORDED: int

# --- pictures ---
def region_polygons(
    layers: List[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    w_out: npt.NDArray[np.float64],
    b_out: float,
    slope: float,
    origin: List[float],
    u: List[float],
    v: List[float],
    lo: Tuple[float, float],
    hi: Tuple[float, float],
    tol: float,
    max_regions: int,
    split_decision: bool,
    region_bytes: float = ...,
) -> Dict[str, npt.NDArray[Any]]: ...
