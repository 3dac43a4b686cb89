"""Training accuracy from ``(d, N, L)`` and a training :class:`~nnpartition.Protocol`, without training.

The target is what :func:`nnpartition.real_accuracy` measures with the same
``Protocol``: inputs uniform in ``[-1, 1]^d`` or Gaussian, fair-coin labels, a
``d -> L -> 1`` (or deeper) ReLU network, the best accuracy read every 20
steps, best of the protocol's restarts, mean over datasets. See
``docs/estimate.md`` for a user's guide (questions, protocols, range, how far
to trust an answer) and ``docs/theory.md`` for the model, its constants and
its validation against real training.

Three parts: the estimate (:mod:`.accuracy`, with its result types in :mod:`.results`, its validated range and
warnings in :mod:`.validity` and its argument checks in :mod:`.arguments`), the sizing questions it answers
(:mod:`.sizing`: :func:`required_width`, :func:`max_samples`) and how far it was off on held-out questions like one
given (:mod:`.heldout`: :func:`heldout_errors`).
"""

from .accuracy import (AccuracyEstimate, EstimateDetails, ExtrapolationWarning, accuracy_ceiling, estimate_accuracy,
                       model_constants, validated_range)
# the module's other names of before the split (constants a caller may read, the size type of the signatures)
from .accuracy import MAX_SIZE as MAX_SIZE, MC_SEED as MC_SEED, MC_TRIALS as MC_TRIALS, ScalarSize as ScalarSize
from .heldout import HeldOutErrors, heldout_errors
from .heldout import HELDOUT_DEEP_D as HELDOUT_DEEP_D, LARGE_STEP as LARGE_STEP, NARROW_LATER as NARROW_LATER
from .heldout import NEAR_CAPACITY as NEAR_CAPACITY
from .sizing import SamplesAnswer, WidthAnswer, max_samples, required_width

__all__ = ["AccuracyEstimate", "EstimateDetails", "estimate_accuracy", "accuracy_ceiling", "model_constants",
           "validated_range", "required_width", "max_samples", "WidthAnswer", "SamplesAnswer", "heldout_errors",
           "HeldOutErrors", "ExtrapolationWarning"]
