# Hand-written stub of the native module nnpartition._core (rust/src/python/).
# Keep in step with the #[pyfunction] signatures: tests/test_stub.py and, in .ci/run,
# `python -m mypy.stubtest nnpartition._core --allowlist stubtest-allowlist.txt` check it.
#
# The docstrings below say what each binding returns and what it refuses; the Rust `///` comment above each
# #[pyfunction] (what `help(_core.f)` prints) is the longer account. What every binding shares, said once here:
# a refusal of the core (an argument out of range, a request past a limit) is a ValueError whose message names the
# argument or the limit (max_params, max_bytes, max_work: nnpartition.limits); a negative integer where the core
# takes an unsigned one is an OverflowError, a float there a TypeError; an array of another dtype or number of
# dimensions than the stub's is a TypeError ("type mismatch", "dimensionality mismatch"); a long call releases the
# GIL and raises KeyboardInterrupt on Ctrl-C. "Wrapped by" names the public function that validates the user's
# arguments and calls the binding; a binding without one is for tests, benchmarks or the command line.

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

#: The core's version (the Rust crate's), which ``nnpartition.__version__`` re-exports.
__version__: str

# --- choices (rust/src/choices.rs): option -> canonical names, option -> {alias: name} ---
#: Per option (``"dist"``, ``"init"``, ``"activation"``, ``"loss"``, ``"optimizer"``, ...) its canonical names.
CHOICES: Dict[str, Tuple[str, ...]]
#: Per option of :data:`CHOICES` its aliases, ``{alias: canonical name}`` (``"gauss"`` and ``"normal"`` for ``dist``).
ALIASES: Dict[str, Dict[str, str]]
#: The activations with linear regions (relu, leaky_relu), a subset of ``CHOICES["activation"]``.
PIECEWISE_LINEAR: Tuple[str, ...]

# --- limits (rust/src/limits.rs): (max_params, max_bytes, max_work) ---
#: The limits a fresh process starts with, ``(max_params, max_bytes, max_work)``: 2^28 parameters, 8 GiB (less on a
#: machine with less memory or under ``ulimit -v``), 1e13 steps. Read by ``nnpartition.limits.DEFAULT_LIMITS``.
DEFAULT_LIMITS: Tuple[int, int, int]
#: Largest ``rows x width`` activation matrix (float32 entries, 2^30) one training run allocates: past it a
#: ValueError that says to use ``batch_size``. Read by ``nnpartition.training.MAX_ACTIVATIONS``.
MAX_ACTIVATIONS: int
#: Most worker threads a ``threads=`` argument takes: four a core, at least 64.
MAX_THREADS: int
def get_limits() -> Tuple[int, int, int]:
    """The limits in force, ``(max_params, max_bytes, max_work)``. Wrapped by :func:`nnpartition.limits.get_limits`."""
def set_limits(
    max_params: Optional[int] = None, max_bytes: Optional[int] = None, max_work: Optional[int] = None
) -> Tuple[int, int, int]:
    """Set the limits given (``None`` keeps one); returns the previous ``(max_params, max_bytes, max_work)``.

    ValueError for a limit of 0 (before any is changed). Wrapped by :func:`nnpartition.limits.set_limits`.
    """
def interruptible_sleep(seconds: float, threads: Optional[int] = None) -> float:
    """Sleep ``seconds`` in a core loop that checks for Ctrl-C every millisecond; returns the seconds slept.

    ValueError for ``seconds`` outside ``[0, 3600]`` or ``threads`` outside ``1..MAX_THREADS``. For the Ctrl-C tests.
    """

# --- counting ---
def regions(l: int, d: int, central: bool) -> int:
    """Exact regions of ``l`` hyperplanes in general position in ``R^d``: ``sum_{i<=min(l,d)} C(l, i)``, or with
    ``central`` (through the origin) ``2 sum_{i<d} C(l-1, i)``. ValueError when the count passes 2^26 bits, the
    memory limit or 3e9 big-integer operations. Wrapped by :func:`nnpartition.regions`."""
def bounded_regions(l: int, d: int) -> int:
    """Exact bounded regions of ``l`` affine hyperplanes in general position in ``R^d``, ``C(l - 1, d)`` (1 for
    ``d = 0``); refused as :func:`regions` is. Wrapped by :func:`nnpartition.bounded_regions`."""
def log_regions(l: int, d: int) -> float:
    """``ln`` of :func:`regions` (affine) in floating point, for any sizes (never refused).

    Wrapped by :func:`nnpartition.log_regions`.
    """
def log_partial_binomial_sum(n: int, m: int) -> float:
    """``ln sum_{k=0}^{min(m,n)} C(n, k)`` in floating point, for any sizes (no Python caller: for tests)."""
def cover_count(n: int, dim: int) -> int:
    """Cover's count, exact: dichotomies of ``n`` points in general position in ``R^dim`` separable through the
    origin, ``2 sum_{k<dim} C(n-1, k)``; refused as :func:`regions` is. Wrapped by :func:`nnpartition.cover_count`."""
def separable_probability(n: int, dim: int) -> float:
    """``cover_count(n, dim) / 2^n``: exact ratio rounded when affordable, log-domain otherwise (never refused).

    Wrapped by :func:`nnpartition.separable_probability`.
    """
def deep_region_bounds(
    d: int, widths: List[int]
) -> Tuple[Optional[int], Optional[int], int, int, str, str]:
    """``(montufar2014_lower, serra2018_lower, montufar2017_upper, serra2018_upper, montufar2014_reason,
    serra2018_reason)`` for a ReLU network ``d -> widths``: a lower bound is ``None`` when its precondition fails,
    and its reason says which. ValueError for ``d = 0``, no widths, a width of 0, or past the work or memory limit.
    Wrapped by :func:`nnpartition.deep_region_bounds`."""
#: Most hidden layers :func:`deep_region_bounds` takes: more cost more than its work limit whatever the widths
#: (counting.rs). Read by ``nnpartition.counting.MAX_LAYERS``.
DEEP_BOUNDS_MAX_LAYERS: int
def deep_bounds_check_layers(layers: int) -> None:
    """ValueError, in :func:`deep_region_bounds`'s words, when ``layers > DEEP_BOUNDS_MAX_LAYERS``: a refusal before
    the widths are read. Called by :func:`nnpartition.deep_region_bounds`."""

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
) -> List[npt.NDArray[np.float64]]:
    """The analytic estimate of one hidden layer, element-wise: 13 float64 arrays, ``[accuracy, low, high, p_eff,
    k_sat, k_eff, alpha, budget, m, k_time, uncorrected, correction, ceiling]``, the first three capped at the
    ceiling (NaN without ``ceiling``). ValueError for unequal lengths, a ``d``, ``N`` or ``L`` not finite and >= 1,
    an unknown name, ``params`` not of ``estimator_params()``'s length, or past ``max_bytes``.
    Wrapped by :func:`nnpartition.estimate_accuracy`."""
def check_estimate_size(n: int) -> None:
    """ValueError naming ``max_bytes`` when an array estimate over ``n`` configurations does not fit the memory
    limit (before the arguments are broadcast). Called by :func:`nnpartition.estimate_accuracy`."""

#: Most hidden layers a widths argument (or required_width's shape) may name (rust/src/estimate.rs).
MAX_LAYERS: int
#: Largest entry of required_width's shape: a layer's width as a multiple of the first's (rust/src/estimate.rs).
MAX_SHAPE_RATIO: float
#: Largest ``d`` of a deep network among the protocol grids' rows (50): above it a deep network's band is wider
#: (since rule 39 the correction's last deep trees also read draws 35-36 at ``d`` 51-200). Read by
#: ``nnpartition.estimate.heldout.HELDOUT_DEEP_D``.
CALIBRATED_DEEP_D: float

def estimate_one(
    d: float, n: float, widths: Sequence[float], dist: str, protocol: _ProtocolArgs, ceiling: bool = True
) -> Tuple[_EstimateRow, float]:
    """The analytic estimate of one configuration of one or more hidden layers: ``((accuracy, low, high, p_eff, k_sat,
    k_eff, alpha, budget, m, k_time, uncorrected, correction), ceiling)``, the first three capped at the ceiling (NaN
    without ``ceiling``). ValueError for ``d``, ``N`` or a width not finite and >= 1, no widths or more than
    ``MAX_LAYERS``, or an unknown name. Wrapped by :func:`nnpartition.estimate_accuracy`."""
def estimate_from_partition(
    d: float,
    n: float,
    l: float,
    capped_occupancy: npt.NDArray[np.float64],
    dist: str,
    protocol: _ProtocolArgs,
) -> List[npt.NDArray[np.float64]]:
    """The Monte Carlo estimate of one hidden layer of ``l`` units: the 12 float64 arrays of
    :func:`estimate_analytic` without the ceiling, one entry per sampled partition's ``capped_occupancy``. ValueError
    as :func:`estimate_one`. Wrapped by :func:`nnpartition.estimate_accuracy` (``method="monte_carlo"``)."""
def estimator_params() -> List[Tuple[str, float]]:
    """The estimator's fitted constants as ``(name, value)`` pairs. Wrapped by :func:`nnpartition.model_constants`."""
def estimator_range() -> List[Tuple[str, float, float]]:
    """The range the estimator was validated on, as ``(name, low, high)`` triples (``d``, ``N``, ``L``, ``depth``,
    learning rates, ``steps``, ``batch_size``, ``restarts``). Wrapped by :func:`nnpartition.validated_range`."""
def summed_lr(lr: float, steps: float, schedule: str) -> float:
    """Sum of the learning rates of ``steps`` steps from ``lr``: constant, or cosine-annealed to ``lr / 100``.

    ValueError for a ``schedule`` other than ``"cosine"`` or ``"constant"``. Wrapped by
    :attr:`nnpartition.Protocol.summed_lr`.
    """
def required_width(
    d: float, n: float, target: float, shape: Sequence[float], dist: str, protocol: _ProtocolArgs, max_l: float
) -> List[float]:
    """``[L, L_low, L_high]``: the smallest first-layer width whose estimate, band's lower and upper edge (capped at
    the ceiling) reach ``target`` with hidden widths ``shape_widths(shape, L)`` (0: none up to ``max_l``).
    ValueError for a ``shape`` outside ``MAX_LAYERS`` or ``MAX_SHAPE_RATIO`` or not starting at 1, a bad ``d`` or
    ``N``, or an unknown name. Wrapped by :func:`nnpartition.required_width`."""
def shape_widths(shape: Sequence[float], l: float) -> List[int]:
    """The hidden widths of ``shape`` at a first layer of ``l`` units, ``ceil(r l)`` for each entry ``r``, as
    :func:`required_width` sizes them. ValueError for a ``shape`` it refuses or an ``l`` not a whole number from 1 to
    2^50. Wrapped by :func:`nnpartition.WidthAnswer.widths_at`."""
def max_samples(
    d: float, widths: List[float], target: float, dist: str, protocol: _ProtocolArgs, max_n: float
) -> List[float]:
    """``[N, N_low, N_high]``: the largest number of points whose estimate, band's lower and upper edge (capped at the
    ceiling) reach ``target`` for hidden ``widths`` (0: not even one point). ValueError for ``d`` or a width not
    finite and >= 1, no widths or more than ``MAX_LAYERS``, or an unknown name. Wrapped by
    :func:`nnpartition.max_samples`."""
def d1_ceiling(n: int, k: int, labelings: int, seed: int) -> Tuple[float, float]:
    """Mean and standard error, over ``labelings`` random labelings of ``n`` points on a line, of the best accuracy
    with at most ``k`` sign changes. ValueError for ``n`` or ``labelings`` of 0, or past ``max_bytes`` or
    ``max_work``. No Python caller: for tests and benchmarks/bench_limits.py."""
def d1_max_sign_changes(l: int) -> int:
    """The most sign changes the output of ``l`` ReLU units can make along a line: ``l + 1``, or ``l`` for
    ``l <= 2``. Called by :func:`nnpartition.construct.explain_1d`."""
def accuracy_ceiling(d: int, n: int, widths: List[int]) -> float:
    """The accuracy ceiling of a ``d -> widths -> 1`` ReLU network on ``n`` random labels: exact in ``d = 1`` with one
    hidden layer, a counting bound otherwise. ValueError for ``d``, ``n`` or a width of 0, or no widths or more than
    ``MAX_LAYERS``. Wrapped by :func:`nnpartition.accuracy_ceiling`."""

# --- activation patterns ---
def count_patterns_f64(
    x: npt.NDArray[np.float64],
    layers: List[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    y: Optional[npt.NDArray[np.uint8]] = None,
) -> Tuple[int, npt.NDArray[np.uint64], int, int]:
    """``(n_regions, occupancy (largest first), 2 x majority-correct, n_points)`` of the activation patterns of the
    rows of ``x`` through the ReLU stack ``layers`` (``W`` of shape ``(fan_in, width)``). ValueError for mismatched
    shapes, NaN or infinity, ``y`` not of 0s and 1s, or past ``max_bytes`` or ``max_work``.
    Wrapped by :func:`nnpartition.count_regions` and :func:`nnpartition.count_regions_deep`."""
def count_patterns_f32(
    x: npt.NDArray[np.float32],
    layers: List[Tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]],
    y: Optional[npt.NDArray[np.uint8]] = None,
) -> Tuple[int, npt.NDArray[np.uint64], int, int]:
    """:func:`count_patterns_f64` for float32 data (computed in float32).

    Wrapped by :func:`nnpartition.count_regions` and :func:`nnpartition.count_regions_deep`.
    """

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
) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Trials ``first .. first + count`` of ``n`` random points through a random layer of ``l`` units in ``R^d``:
    per trial the region count and majority accuracy, the occupancy histogram summed over trials, and per trial
    ``sum over regions of min(points, cap)`` (``cap`` default ``d + 1``). ValueError for a size of 0, an unknown
    name, or past a limit. Wrapped by :func:`nnpartition.simulate_partition`."""
def simulate_check(d: int, n: int, l: int, trials: int) -> None:
    """ValueError when ``trials`` trials of ``(d, n, l)`` pass ``max_params``, ``max_bytes`` or ``max_work`` (or a
    size is 0), before the first runs. Called by :func:`nnpartition.simulate_partition`."""

# --- inside ---
def eas_code_check(n: int, d: int, m: int, k: int, sparsify: str) -> None:
    """ValueError when the code ``sparsify`` of ``n`` points in ``d`` dimensions and ``m`` units (``k`` active) would
    pass ``max_bytes`` (or ``m`` is 0), before it or its projection exists.
    Called by :func:`nnpartition.sparse.expand_sparsify`."""
def eas_projection(d: int, m: int, kind: str, s: int, seed: int) -> npt.NDArray[np.float64]:
    """The ``(d, m)`` random projection: ``"gaussian"`` (entries ``N(0, 1/d)``) or ``"sparse_binary"`` (``s`` ones per
    column). ValueError for ``d`` or ``m`` of 0, ``s`` outside ``1..=d`` (sparse), over 2^30 entries, ``max_bytes``.
    Called by :func:`nnpartition.sparse.expand_sparsify`."""
def eas_topk(
    x: npt.NDArray[np.float64], theta: npt.NDArray[np.float64], bias: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.uint32]:
    """Top-k code, ``(N, k)``: per row the sorted indices of the ``k`` largest entries of ``x @ theta + bias``.

    ValueError for mismatched shapes, NaN or infinity (or an overflowing product), ``k`` outside ``1..=m``, or past
    ``max_bytes``. Wrapped by :func:`nnpartition.sparse.expand_sparsify`.
    """
def eas_thresholds(
    x: npt.NDArray[np.float64], theta: npt.NDArray[np.float64], bias: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.float64]:
    """Per-unit thresholds ``(m,)`` so that each unit fires for ``round(N k / m)`` rows of ``x`` (``+inf``: never).

    ValueError as :func:`eas_topk`, or for an ``x`` without rows. Wrapped by :func:`nnpartition.sparse.expand_sparsify`.
    """
def eas_threshold_code(
    x: npt.NDArray[np.float64],
    theta: npt.NDArray[np.float64],
    bias: npt.NDArray[np.float64],
    tau: npt.NDArray[np.float64],
) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
    """Threshold code in compressed-row form ``(indptr, indices)``: row ``i``'s units with ``x @ theta + bias >= tau``.

    ValueError as :func:`eas_topk`, or for ``tau`` of another length or with NaN.
    Wrapped by :func:`nnpartition.sparse.expand_sparsify`.
    """
def eas_relu(
    x: npt.NDArray[np.float64], theta: npt.NDArray[np.float64], bias: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Dense ReLU code ``max(x @ theta + bias, 0)``, ``(N, m)``.

    ValueError as :func:`eas_topk`, or over 2^30 entries. Wrapped by :func:`nnpartition.sparse.expand_sparsify`.
    """
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
]:
    """``(ids, patterns, slopes, offsets, counts)``: each row's region of the network ``relu(x @ w1 + b1) @ w2 + b2``
    (by first appearance), and per region its pattern ``(R, L)``, the output's slope ``(R, d)`` and offset, and its
    points. ValueError for mismatched shapes, NaN or infinity, or past a limit. Wrapped by
    :func:`nnpartition.construct.region_map`."""

# --- window ---
#: Largest input dimension :func:`window_region_counts` counts in (12; the command line's ``MAX_EXACT_DIM``).
WINDOW_MAX_DIM: int
#: Fewest roundings of its largest coordinate a box or window must be wide in every coordinate (64).
WINDOW_MIN_WIDTH_ULPS: float
def window_region_counts(
    w: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    tol: float,
    max_work: int,
) -> Tuple[int, npt.NDArray[np.uint64]]:
    """``(regions, increments)``: exact regions of the hyperplanes of ``x @ w + b`` inside the open box ``lo < x < hi``
    and the regions each one adds. ValueError for malformed input (shapes, NaN, ``lo >= hi``, ``tol`` outside
    ``(0, 0.01]``, a zero column) or a worst-case work above ``max_work``.
    Wrapped by :func:`nnpartition.regions_in_box` and :func:`nnpartition.region_count_curve`."""
def window_work(n: int, d: int) -> float:
    """Worst-case steps of :func:`window_region_counts` for ``n`` hyperplanes in ``d``-D (what ``max_work`` is compared
    with). ValueError for ``d > WINDOW_MAX_DIM``. No Python caller: for tests and benchmarks/bench_window.py."""
def window_box_fault(lo: float, hi: float) -> Optional[str]:
    """The first rule the bounds ``lo < x < hi`` of one coordinate break: ``"not finite"``, ``"empty"``, ``"halves
    to 0"`` or ``"narrow"`` (under ``WINDOW_MIN_WIDTH_ULPS``); ``None`` when none. For the command line's ``--box``."""
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
]:
    """``(per_layer, points, radii, patterns, affine)``: the linear regions of hidden layers ``0..=l`` in the open box
    ``lo < x < hi`` (the last four empty unless ``list``; ``affine`` also needs ``readout``). ValueError for malformed
    input (shapes, NaN, a box under ``WINDOW_MIN_WIDTH_ULPS``, ``tol`` outside ``[1e-9, 1e-2]``), past
    ``max_regions``, or a failed linear program. Wrapped by :func:`nnpartition.network_regions` and
    :func:`nnpartition.network_region_count_curve` (and so :func:`nnpartition.network_regions_in_box`)."""

# --- trainer ---

def random_dataset(
    n: int, d: int, dist: str, seed: int, index: int = 0
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
    """``(X float64 (n, d), y uint8 (n,))``: dataset ``index`` of the family ``(n, d, dist, seed)``, fair-coin labels.

    ValueError for ``n`` or ``d`` of 0, an unknown ``dist``, or past ``max_bytes``.
    Wrapped by :func:`nnpartition.random_dataset`.
    """
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
) -> npt.NDArray[np.float64]:
    """Per dataset ``first .. first + count``, the best over ``restarts`` of the reference protocol's accuracy (``l``
    ReLU units, Adam 0.02 cosine, 4000 full-batch steps). ValueError as :func:`protocol_check`.
    No Python caller: :func:`nnpartition.real_accuracy` trains through :func:`protocol_accuracy`."""
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
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.uintp]]:
    """Per dataset ``first .. first + count``, the best accuracy over the protocol's restarts for hidden ``widths``,
    and how many restarts diverged; ``progress`` gets the steps done. ValueError as :func:`protocol_check`, or for an
    unknown ``dist``. Wrapped by :func:`nnpartition.real_accuracy`."""
def protocol_check(d: int, n: int, widths: List[int], count: int, protocol: _Protocol) -> None:
    """The checks :func:`protocol_accuracy` makes for ``count`` datasets, without training: ValueError for a bad size,
    width or protocol field, or past ``max_params``, ``max_bytes`` or ``max_work``.
    Called by :func:`nnpartition.real_accuracy`."""
def train_bytes(d: int, n: int, widths: List[int], protocol: _Protocol) -> float:
    """The bytes :func:`train_network` counts against ``max_bytes`` for the protocol's restarts on ``n`` points in
    ``d`` dimensions, besides the data. ValueError as one run's checks refuse. For the command line's pictures."""
def train_work(d: int, n: int, widths: List[int], count: int, protocol: _Protocol) -> float:
    """The steps :func:`protocol_check` counts against ``max_work`` for ``count`` datasets (all restarts), to sum over
    configurations. ValueError as one run's checks refuse. Summed by ``nnpartition.training._check_total_work``
    for :func:`nnpartition.validation.validate` and the command line's demo."""
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
) -> _TrainOutput:
    """Train ``restarts`` networks on ``(x, y)``: the best and last networks of the best restart and every restart's
    history (:class:`_TrainOutput`). ValueError for an unknown name, a setting out of range, ``callback`` without
    ``restarts=1`` and ``snapshot_every >= 1``, or past a limit; what ``callback`` raises is raised.
    Wrapped by :func:`nnpartition.train`."""

class _NetworkDict(TypedDict):
    """A trained network of :func:`train_network`: ``layers`` ``[(W (fan_in, width), b (width,)), ...]``, float32."""

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
    # the snapshots are stacked as float64 (training.rs's snapshots_to_py), the networks of best and last float32
    snapshot_layers: List[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]
    snapshot_w_out: npt.NDArray[np.float64]
    snapshot_b_out: npt.NDArray[np.float64]

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
           npt.NDArray[np.uint64]]:
    """SGD on the logistic loss of a bias-free Leaky-ReLU network, output weights frozen at ``+v`` (first ``n_pos``
    units) and ``-v``: ``(steps, weights (T, L, d), loss, error, hard_steps)`` at the ``record_at`` steps. ValueError
    for ``y`` not in ``{-1, +1}``, mismatched shapes, out-of-range settings, or past a limit.
    Wrapped by :func:`nnpartition.teacher.train_teacher`."""
def teacher_check(
    n: int, d: int, l: int, steps: int, batch_size: int, records: int, extra_work: float = 0.0
) -> None:
    """The checks :func:`teacher_sgd` makes before it runs: ValueError past ``max_params``, ``max_work`` (plus
    ``extra_work``) or ``TEACHER_MAX_RECORDED``. Called by :func:`nnpartition.teacher.train_teacher`."""

#: Most recorded weight values (``T * L * d``, 2^27) :func:`teacher_sgd` keeps.
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
) -> Dict[str, npt.NDArray[Any]]:
    """The exact regions of the network in the window ``origin + s u + t v``, ``lo <= (s, t) <= hi``, as flat arrays
    (``offsets``, ``vertices``, ``patterns``, affine maps, ``decision``, ``boundary``, ``lines``, ...). ValueError for
    no hidden layer, malformed input, ``tol`` outside ``(0, 0.01]``, or past ``max_regions`` or ``max_bytes``.
    Wrapped by :func:`nnpartition.region_polygons` (which :func:`nnpartition.plot_partition` draws with)."""
