"""Inside a two-layer ReLU network: constructive 1-D solutions, knots, linear pieces.

A two-layer ReLU network ``f(x) = sum_i c_i relu(w_i . x + b_i) + c_0`` is a
continuous piecewise-linear function. For one input dimension it is
*completely* described by its knots ``t_i = -b_i / w_i`` and the slope jumps
``c_i |w_i|`` they cause; conversely every linear spline is such a network
(the constructive solution, see ``docs/construct.md``):

    f(x) = y_0 + s_1 relu(x - x_0) + sum_{i=1}^{n-1} (s_{i+1} - s_i) relu(x - x_i)

For ``d > 1``, :func:`region_map` gives every point's linear region (its
activation pattern) and the affine map the network computes there.

Networks are :class:`nnpartition.network.TwoLayerNet` objects (``W1`` of
shape ``(d, L)``, ``b1``, ``w2``, ``b2``), e.g. from ``TwoLayerNet.from_sklearn``.

Four parts: networks built from data (:mod:`.build`: :func:`interpolant_1d`, :func:`approximate_1d`,
:func:`classifier_1d`), a 1-D network read exactly (:mod:`.pieces`: :func:`knots`, :func:`linear_pieces`,
:func:`ramp_pairs`), a trained 1-D network read against its data (:mod:`.explain`: :func:`explain_1d`) and the
regions of any input dimension (:mod:`.regions`: :func:`region_map`); what they share is in ``_common.py``.
"""

from .build import Approximation, approximate_1d, classifier_1d, interpolant_1d
from .explain import Explanation, explain_1d
from .pieces import Knots, Pieces, RampPair, knots, linear_pieces, ramp_pairs
from .regions import RegionMap, region_map
# the module's helpers of before the split that callers import from nnpartition.construct
from ._common import _nearest as _nearest

__all__ = [
    "Approximation",
    "Explanation",
    "Knots",
    "Pieces",
    "RegionMap",
    "RampPair",
    "approximate_1d",
    "classifier_1d",
    "explain_1d",
    "interpolant_1d",
    "knots",
    "linear_pieces",
    "ramp_pairs",
    "region_map",
]
