"""nnpartition: how two-layer (and deeper) ReLU networks cut input space.

Exact region counts of hyperplane arrangements, activation-region counts of
real networks on real points, Monte Carlo partition simulation, and (see the
other modules) a fast trainer and training-accuracy estimates. The heavy
lifting is done in Rust (``nnpartition._core``).
"""

from ._core import __version__
from .activation_regions import RegionStats, count_regions, count_regions_deep
from .counting import (
    DeepRegionBounds,
    bounded_regions,
    cover_count,
    deep_region_bounds,
    log_regions,
    regions,
    separable_probability,
)
from .simulation import PartitionSim, Summary, simulate_partition

__all__ = [
    "__version__",
    "RegionStats",
    "count_regions",
    "count_regions_deep",
    "DeepRegionBounds",
    "bounded_regions",
    "cover_count",
    "deep_region_bounds",
    "log_regions",
    "regions",
    "separable_probability",
    "PartitionSim",
    "Summary",
    "simulate_partition",
]
