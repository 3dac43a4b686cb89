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
from . import limits
from .datasets import random_dataset
from .estimate import (
    AccuracyEstimate,
    EstimateDetails,
    ExtrapolationWarning,
    HeldOutErrors,
    SamplesAnswer,
    WidthAnswer,
    accuracy_ceiling,
    estimate_accuracy,
    heldout_errors,
    max_samples,
    model_constants,
    required_width,
    validated_range,
)
from .network import DeepNet, TwoLayerNet
from .pictures import Plane, RegionPolygons, plot_partition, region_polygons
from .simulation import PartitionSim, Summary, simulate_partition
from .training import AccuracyMeasurement, Protocol, TrainResult, real_accuracy, train
from .window import (NetworkRegions, network_region_count_curve, network_regions, network_regions_in_box,
                     region_count_curve, regions_in_box)

__all__ = [
    "__version__",
    "limits",
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
    "Plane",
    "RegionPolygons",
    "plot_partition",
    "region_polygons",
    "PartitionSim",
    "Summary",
    "simulate_partition",
    "random_dataset",
    "AccuracyEstimate",
    "EstimateDetails",
    "ExtrapolationWarning",
    "accuracy_ceiling",
    "estimate_accuracy",
    "heldout_errors",
    "HeldOutErrors",
    "max_samples",
    "model_constants",
    "required_width",
    "validated_range",
    "SamplesAnswer",
    "WidthAnswer",
    "DeepNet",
    "TwoLayerNet",
    "AccuracyMeasurement",
    "Protocol",
    "TrainResult",
    "real_accuracy",
    "train",
    "region_count_curve",
    "regions_in_box",
    "network_regions_in_box",
    "network_region_count_curve",
    "network_regions",
    "NetworkRegions",
]
