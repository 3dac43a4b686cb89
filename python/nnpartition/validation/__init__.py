"""Estimate versus reality: train (reference protocol) and estimate over a grid.

Two disjoint sets of configurations:

* the **calibration grid** (``d`` in {1,2,3,5,8,10,20,50,100}, ``N`` in
  {100,300,1000,3000}, ``L`` in powers of two up to 256, both input
  distributions), on which the analytic model's constants were fitted
  (``benchmarks/calibrate_estimator.py``, measurements with seed 12345);
* the **held-out grid** (``d`` in {1,4,7,15,30,70}, ``N`` in {150,500,2000},
  ``L`` in {3,6,12,24,48,96,200}), never used to choose a constant.

``grid="small"`` is a quick sample of the held-out grid (16 configurations, 4.5-15 s on 2 shared cores, the more
for other jobs beside it: ``python benchmarks/bench_validate.py --grid small``), ``grid="full"`` both grids (hours
on a laptop; use ``workers=``).

The **protocol grid** (:func:`protocols`, :func:`protocol_grid`): 40 training
protocols drawn once, before any fit, over the supported range (every fourth
one held out as a whole protocol), each with two-layer configurations mostly
near capacity, and deep networks (2-4 hidden layers, unequal widths; every
third held out). ``grid="protocols"`` is a quick sample of its held-out part, with held-out two-layer
networks under the reference protocol (:func:`reference_sample`) beside them, so that its summary reports each
group (reference protocol, other protocols, deep networks) on all its rows and on the non-trivial ones.

The **continuous draws** (:func:`sample_protocols`, :func:`protocol_sample`): seven further draws (1-4 and
6-8, draw 8 of deep networks only and held out whole; draw 5 is :func:`reference_sample`) of 144 protocols
each with learning rates, steps and batch sizes drawn log-uniformly over the supported range, and two-layer
and deep networks over the whole validated range; every fourth protocol is held out whole. They calibrate
and test the estimator's fitted correction (``docs/theory.md``).

The package's parts: the configurations (:mod:`.grids`: the grids and the seeded draws, :func:`grid_configs`),
one configuration's protocol, checks and estimate (:mod:`.measure`), and the report (:mod:`.report`:
:class:`ValidationReport`). :func:`measure_config`, :func:`validate` and its job stay here: a sweep store names
its job by module and name (``nnpartition.validation:measure_config``), and a store filled before the split must
still be continued.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, List, Optional, Union

from .. import _core
from .. import _validate as v
from .._random import SeedLike
from ..estimate.accuracy import ExtrapolationWarning, _range_problems
from ..training import Protocol, _not_a_protocol
from ..training.protocol import _both_given, _settings_go_in_protocol
from .grids import (calibration_grid, grid_configs, heldout_grid, protocol_grid, protocol_sample, protocols,
                    reference_sample, sample_protocols)
# the module's other names of before the split (benchmarks and the CLI import several of them)
from ..estimate.accuracy import (AccuracyEstimate as AccuracyEstimate, _hidden_params as _hidden_params,
                                 _outside_range as _outside_range, estimate_accuracy as estimate_accuracy)
from ..training import AccuracyMeasurement as AccuracyMeasurement
from .grids import (MAX_PROTOCOL_COST as MAX_PROTOCOL_COST, PROTOCOL_SEED as PROTOCOL_SEED,
                    REFERENCE_ROW as REFERENCE_ROW, REFERENCE_SAMPLE_SEED as REFERENCE_SAMPLE_SEED,
                    SAMPLE_SEED as SAMPLE_SEED, _ADAM_LR as _ADAM_LR, _BATCHES as _BATCHES, _D_VALUES as _D_VALUES,
                    _DISTS as _DISTS, _L_VALUES as _L_VALUES, _SGD_LR as _SGD_LR, _STEP_WEIGHTS as _STEP_WEIGHTS,
                    _STEPS as _STEPS, _WIDTHS as _WIDTHS, _cost as _cost, _deep as _deep,
                    _draw_networks as _draw_networks, _log_uniform as _log_uniform, _two_layer as _two_layer,
                    protocol_cost as protocol_cost)
from .measure import _checked_config as _checked_config, _estimate_of as _estimate_of, protocol_of as protocol_of
from .measure import CONFIG_SEED as CONFIG_SEED, _ConfigSeed as _ConfigSeed, _given_seed, _seed_of as _seed_of
from .measure import MAX_DATASETS as MAX_DATASETS, MAX_RESTARTS as MAX_RESTARTS
from .report import ValidationReport
from .report import _group_of as _group_of, _summary as _summary

__all__ = ["calibration_grid", "heldout_grid", "grid_configs", "measure_config", "ValidationReport", "validate",
           "protocols", "protocol_grid", "sample_protocols", "protocol_sample", "reference_sample"]


def measure_config(config: Dict[str, Any], datasets: int = 3, restarts: Optional[int] = None,
                   seed: Union[SeedLike, _ConfigSeed] = CONFIG_SEED) -> Dict[str, Any]:
    """Train and estimate one configuration under the same :class:`~nnpartition.Protocol`; a flat dict of results.

    ``config`` names ``dist, d, N`` and ``L`` or ``widths``, optionally the
    protocol fields (``optimizer, lr, steps, batch_size, schedule, restarts``;
    the reference protocol's values otherwise). ``restarts`` overrides the
    protocol's. Top-level and picklable, so sweeps can run it in worker processes. ``seed`` left out is a
    ``"seed"`` field of ``config`` (as ``sweep.product(seed=range(5), ...)`` puts it), else ``0``; any ``seed``
    given (``0`` and ``None``, fresh entropy, included) beside a field that is not the same integer is a
    ``ValueError``. The dict's ``seed`` is the integer seed actually used. The dict holds the protocol fields for
    every configuration, those it names as it names them and the others as trained (rows of a sweep store kept
    before then lack those it did not name: they were trained under the reference protocol).

    Example:
        >>> r = measure_config(dict(dist="uniform", d=50, N=40, L=4), datasets=1, restarts=1)
        >>> r["real"], r["estimate"] > 0.98, r["in_band"]
        (1.0, True, True)
    """
    from ..training import real_accuracy

    d, N, ws, dist, proto, datasets = _checked_config(config, datasets, restarts)
    own = _seed_of(config, seed)
    seed = _given_seed(seed) if own is None else own
    # validate's job, under validate's bar
    m = real_accuracy(d, N, widths=ws, dist=dist, protocol=proto, datasets=datasets, seed=seed, progress=False)
    e, outside = _estimate_of(m)
    out = dict(config, d=d, N=N, dist=dist, L=ws[0], real=m.mean, real_std=m.std, estimate=e.accuracy, low=e.low,
               high=e.high, ceiling=e.ceiling, error=e.accuracy - m.mean, in_band=bool(e.low <= m.mean <= e.high),
               seed=m.seed, datasets=datasets, diverged=m.diverged, outside_range=outside, widths=ws)
    if restarts is not None:   # the row says what was trained, not what the configuration named
        out["restarts"] = proto.restarts
    for k, x in proto.to_dict().items():   # a configuration naming no protocol (the small and full grids'): its row
        out.setdefault(k, x)   # names the one trained, as the protocol grid's rows do (added keys, none renamed)
    return out


@_settings_go_in_protocol
def validate(grid: str = "small", *, datasets: int = 3, restarts: Optional[int] = None,
             seed: Union[SeedLike, _ConfigSeed] = CONFIG_SEED,
             configs: Optional[List[Dict[str, Any]]] = None, progress: Optional[bool] = None,
             runner: Optional[Callable[..., List[Dict[str, Any]]]] = None,
             protocol: Optional[Protocol] = None) -> ValidationReport:
    """Train and estimate every configuration of a grid, each under its protocol (the reference one where it names
    none) or under ``protocol``.

    Args:
        grid: ``"small"`` (16 held-out configurations, 4.5-15 s on 2 shared cores, the more for other jobs beside
            it), ``"full"`` or ``"protocols"`` (32 held-out configurations: the reference protocol, other protocols
            and deep networks; 2.4-4.2 s, see :func:`grid_configs`; both times measured by
            ``benchmarks/bench_validate.py``).
        datasets, seed: datasets per configuration and the seed (left out: a configuration's own ``"seed"``
            field, else ``0``; a ``seed`` given, ``0`` included, beside a field that is not the same integer is a
            ``ValueError``, raised before any training).
        restarts: overrides each configuration's protocol restarts when given; not beside ``protocol``, which sets
            them (a ``ValueError`` in :func:`~nnpartition.train`'s words: change them in the protocol,
            ``dataclasses.replace(protocol, restarts=...)``).
        protocol: train and estimate every configuration under this :class:`~nnpartition.Protocol`. Not with
            ``grid="protocols"``, whose rows each name their own.
        configs: explicit configurations (dicts with ``dist, d, N, L``, or ``widths=[L1, L2, ...]`` in place of
            ``L`` for a deep network) instead of a named grid.
        progress: progress bar on stderr (None: only on a terminal, for work over a second).
        runner: how to run the jobs, ``runner(configs, job) -> rows`` (e.g. a
            sweep on a process pool or a Dask cluster); default: in this process.

    Every configuration is checked (its fields, and its training against ``max_bytes`` and ``max_work``, each
    configuration alone, and without a ``runner`` all of them together against ``max_work``) before the first one
    trains.

    Example:
        >>> rep = validate(configs=[dict(dist="uniform", d=20, N=100, L=8, part="heldout")], progress=False)
        >>> rep.rows[0]["real"], round(rep.rows[0]["estimate"], 2), rep.rows[0]["in_band"]
        (1.0, 1.0, True)
    """
    datasets = v.count("datasets", datasets, minimum=1, maximum=MAX_DATASETS)
    if restarts is not None:
        restarts = v.count("restarts", restarts, minimum=1, maximum=MAX_RESTARTS)
    given, seed = seed, _given_seed(seed)
    todo = configs if configs is not None else grid_configs(grid)
    if protocol is not None:
        if not isinstance(protocol, Protocol):
            raise _not_a_protocol(protocol)
        if restarts is not None:   # as train and real_accuracy refuse it: two values of one setting
            raise _both_given(protocol, ["restarts"])
        if configs is None and grid == "protocols":
            raise ValueError("protocol cannot be given with grid='protocols': each of its rows names its own "
                             "protocol")
        todo = [dict(c, **protocol.to_dict()) for c in todo]
        # once, here, for the whole grid (each row says it too, in "outside_range")
        for _, message in _range_problems(1.0, None, (1.0,), protocol):
            warnings.warn(message, ExtrapolationWarning, stacklevel=3)   # the caller of the decorated validate
    # every configuration checked (its fields, and its training against max_bytes and max_work) before the first
    # trains: an audit's --steps 16e6 trained 14 configurations of the small grid, hours, before the 15th was refused
    runs = []
    for c in todo:
        d, N, ws, _, proto, count = _checked_config(c, datasets, restarts)
        _seed_of(c, given)
        _core.protocol_check(d, N, ws, count, proto)
        runs.append((d, N, ws, count, proto))
    if runner is None:   # in this process, one after the other: all of them together too (a runner's sweep may
        # resume a store half done, and checks each job alone)
        from ..training import _check_total_work

        _check_total_work(f"validating {len(runs)} configurations", runs,
                          "train fewer configurations, steps or datasets at once, run them on a sweep runner "
                          "(runner=; on the command line --store or --workers, docs/sweep.md), which checks each "
                          "configuration alone and can resume")
    # the grid and the protocol override are bound into the job too: a store of one grid's sweep is not continued
    # with another's (an audit: the store held 48 rows of two experiments after --grid protocols, then --grid small)
    job = _Job(datasets, restarts, seed, grid=None if configs is not None else grid,
               protocol=None if protocol is None else protocol.to_dict())
    if runner is not None:
        return ValidationReport(list(runner(todo, job)))
    from .._progress import progress_bar

    rows = []
    with progress_bar(len(todo), desc="validate", progress=progress) as bar:
        for c in todo:
            rows.append(job(c))
            bar.update(1)
    return ValidationReport(rows)


class _Job:
    """A picklable job with the protocol settings bound, and (for its identity in a sweep store, which reads a
    callable object's attributes) the grid it runs and the protocol that overrides the grid's."""

    def __init__(self, datasets: int, restarts: Optional[int], seed: int, grid: Optional[str] = None,
                 protocol: Optional[Dict[str, Any]] = None) -> None:
        self.datasets, self.restarts, self.seed = datasets, restarts, seed
        self.grid, self.protocol = grid, protocol

    def __call__(self, config: Dict[str, Any]) -> Dict[str, Any]:
        # a configuration's own seed (validate checked every one against its seed= first): self.seed is 0 both for
        # seed=0 and for seed left out, as a sweep store's job identity had it before the two were told apart
        if isinstance(config, dict) and "seed" in config:
            return measure_config(config, self.datasets, self.restarts)
        return measure_config(config, self.datasets, self.restarts, self.seed)
