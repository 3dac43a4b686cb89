"""One configuration as it is trained and estimated: its protocol, its checked fields, and the estimate of a
measurement (what :func:`nnpartition.validation.measure_config` puts side by side)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from .. import _validate as v
from ..datasets import _DIST_ALIASES
from ..estimate.accuracy import AccuracyEstimate, _outside_range, estimate_accuracy
from ..training import MAX_WIDTH, AccuracyMeasurement, Protocol
from .grids import _DISTS

#: The largest ``datasets`` and ``restarts`` a validation takes (for each configuration).
MAX_DATASETS, MAX_RESTARTS = 1000, 1000


def protocol_of(config: Dict[str, Any]) -> Protocol:
    """The :class:`~nnpartition.Protocol` a configuration dict names (the reference protocol when it names none)."""
    keys = ("optimizer", "lr", "steps", "batch_size", "schedule", "restarts")
    return Protocol(**{k: config[k] for k in keys if k in config and config[k] is not None
                       and not (k == "batch_size" and config[k] == 0)})


def _checked_config(config: Any, datasets: Any, restarts: Any
                    ) -> Tuple[int, int, List[int], str, Protocol, int]:
    """``(d, N, widths, dist, protocol, datasets)`` of a configuration as :func:`measure_config` trains it, each
    checked (a ``TypeError`` / ``ValueError`` naming the field)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    d = v.count("config['d']", config.get("d"), minimum=1, maximum=10**6)
    N = v.count("config['N']", config.get("N"), minimum=1, maximum=10**7)
    # the aliases every other dist= takes ("gauss", "normal"), as estimate_accuracy and real_accuracy read them
    dist = v.choice("config['dist']", config.get("dist", "uniform"), _DISTS, _DIST_ALIASES)
    ws: List[int]
    if "widths" in config:
        # read as estimate_accuracy(widths=) and train(widths=) read theirs; L beside it is its first width, as
        # every row writes it (a row fed back), or refused: it was read as nothing
        ws = list(v.widths(config["widths"], maximum=MAX_WIDTH, name="config['widths']"))
        if config.get("L") is not None and v.count("config['L']", config["L"], minimum=1, maximum=MAX_WIDTH) != ws[0]:
            raise ValueError(f"config['L'] = {config['L']!r} and config['widths'] = {config['widths']!r} disagree: "
                             "give widths alone (L, where given, must be its first width, as a row writes it)")
    else:
        ws = [v.count("config['L']", config.get("L"), minimum=1, maximum=MAX_WIDTH)]
    datasets = v.count("datasets", datasets, minimum=1, maximum=MAX_DATASETS)
    proto = protocol_of(config)
    if restarts is not None:
        proto = replace(proto, restarts=v.count("restarts", restarts, minimum=1, maximum=MAX_RESTARTS))
    return d, N, ws, dist, proto, datasets


class _ConfigSeed:
    """The default ``seed=`` of :func:`~nnpartition.validation.measure_config` and ``validate``: the
    configuration's own ``"seed"`` field, else ``0``. Not ``0`` itself (an explicit ``seed=0`` beside a field 5 was
    read as the default and the field used) nor ``None`` (fresh entropy, as every ``seed=`` of the package)."""

    def __repr__(self) -> str:
        return "<the configuration's 'seed' field, else 0>"

    def __reduce__(self) -> str:   # the one instance in every process (the default is told apart by `is`)
        return "CONFIG_SEED"


#: The default of ``seed=`` (see :class:`_ConfigSeed`).
CONFIG_SEED = _ConfigSeed()


def _seed_of(config: Dict[str, Any], seed: Any) -> Optional[int]:
    """A configuration's own seed, its ``"seed"`` field (as ``sweep.product(seed=...)`` puts it), or ``None`` when it
    has none (``seed`` is not resolved here: a Generator is not advanced). The field beside an explicit ``seed``
    (anything but :data:`CONFIG_SEED`, ``0`` included) is a ``ValueError`` unless both are the same integer: the
    field was read as a label, every row of a sweep over it measured with seed 0 and recorded as such."""
    if not isinstance(config, dict) or "seed" not in config:
        return None
    own = v.seed(config["seed"], "config['seed']") if v.is_integer(config["seed"]) else None
    if seed is not CONFIG_SEED and not (own is not None and v.is_integer(seed) and seed == own):
        # (named as given: a None field resolved first read as the fresh number it drew)
        raise ValueError(f"config['seed'] = {config['seed']!r} and seed={seed!r} both give the seed: pass one of them")
    return v.seed(config["seed"], "config['seed']") if own is None else own


def _given_seed(seed: Any) -> int:
    """``seed=`` of ``measure_config`` and ``validate`` as an integer: ``0`` for the default, :data:`CONFIG_SEED`
    (a configuration's own field is read by :func:`_seed_of`)."""
    return 0 if seed is CONFIG_SEED else v.seed(seed)


def _estimate_of(m: AccuracyMeasurement) -> Tuple[AccuracyEstimate[float], str]:
    """The estimate of the training an :class:`~nnpartition.training.AccuracyMeasurement` measured (the same
    ``d``, ``N``, widths, input law and protocol) and the parameters of it outside the validated range (``""``:
    inside). The range warning is not shown: the caller says it (a row's ``outside_range``, ``train``'s line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = estimate_accuracy(m.d, m.N, widths=list(m.widths), dist=m.dist, protocol=m.protocol)
    return e, _outside_range(m.d, m.N, m.widths, m.protocol)
