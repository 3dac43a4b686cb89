"""Small sweep jobs used by the tests, the benchmark and the docs of :mod:`nnpartition.sweep`.

They live in the package (not in test files) because a job must be
importable by the worker processes, which on a Dask cluster are separate
processes, possibly on other machines.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any, Dict

__all__ = ["empty", "limits", "partition", "real", "real_or_toy", "toy", "train"]


def toy(config: Dict[str, Any]) -> Dict[str, Any]:
    """``{"square": x * x}``; ignores SIGTERM when ``config["ignore_term"]`` (as a job with its own handler may),
    makes a hidden progress bar when ``config["bar"]`` (as the package's training does), sleeps ``config["sleep"]``
    seconds first, raises ``ValueError`` when ``config["fail"]``, kills its own process when ``config["crash"]``,
    calls ``sys.exit(config["exit"])`` when ``config`` has ``"exit"``.

    Example:
        >>> toy({"x": 4})
        {'square': 16}
    """
    if config.get("ignore_term"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if config.get("bar"):
        from ._progress import progress_bar

        progress_bar(1, progress=False).close()
    if config.get("sleep"):
        time.sleep(float(config["sleep"]))
    if config.get("crash"):
        os._exit(13)
    if "exit" in config:
        sys.exit(config["exit"])
    if config.get("fail"):
        raise ValueError(f"configured to fail (x={config.get('x')})")
    x = config.get("x", 0)
    return {"square": x * x}


def limits(config: Dict[str, Any]) -> Dict[str, Any]:
    """The limits of :mod:`nnpartition.limits` in force where the job runs (a worker must use the driver's).

    Example:
        >>> from nnpartition.limits import override
        >>> with override(max_work=12345):
        ...     limits({})["max_work"]
        12345
    """
    from .limits import get_limits

    now = get_limits()
    return {"max_params": now.max_params, "max_bytes": now.max_bytes, "max_work": now.max_work}


def empty(config: Dict[str, Any]) -> Dict[str, Any]:
    """Does nothing (measures the sweep's own overhead per job).

    Example:
        >>> empty({"i": 1})
        {}
    """
    return {}


def partition(config: Dict[str, Any]) -> Dict[str, Any]:
    """Monte Carlo partition (:func:`nnpartition.simulate_partition`) of one
    ``{"d", "N", "L"[, "trials", "dist", "seed"]}`` configuration, one thread.

    Example:
        >>> r = partition({"d": 2, "N": 50, "L": 4, "trials": 5, "seed": 1})
        >>> sorted(r)
        ['accuracy_mean', 'regions_mean', 'singleton_fraction']
    """
    from .simulation import simulate_partition

    sim = simulate_partition(config["d"], config["N"], config["L"], trials=config.get("trials", 20),
                             dist=config.get("dist", "uniform"), seed=config.get("seed", 0), threads=1,
                             progress=False)
    return {"regions_mean": sim.regions.mean, "accuracy_mean": sim.accuracy.mean,
            "singleton_fraction": sim.singleton_fraction}


def train(config: Dict[str, Any]) -> Dict[str, Any]:
    """Real training accuracy (:func:`nnpartition.training.real_accuracy`) of one
    ``{"d", "N", "L"[, "datasets", "restarts", "dist", "seed"]}`` configuration, one thread.

    Example:
        >>> train({"d": 5, "N": 20, "L": 8, "datasets": 1, "restarts": 1})
        {'mean': 1.0, 'std': nan}
    """
    from .training import real_accuracy

    m = real_accuracy(config["d"], config["N"], config["L"], dist=config.get("dist", "uniform"),
                      datasets=config.get("datasets", 1), restarts=config.get("restarts", 1),
                      seed=config.get("seed", 0), threads=1, progress=False)   # a sweep's job: its own bar
    return {"mean": m.mean, "std": m.std}


def real(config: Dict[str, Any]) -> Dict[str, Any]:
    """:func:`partition` for configurations with ``"trials"``, :func:`train` for the others.

    Example:
        >>> sorted(real({"d": 2, "N": 30, "L": 4, "trials": 3}))
        ['accuracy_mean', 'regions_mean', 'singleton_fraction']
    """
    return partition(config) if "trials" in config else train(config)


def real_or_toy(config: Dict[str, Any]) -> Dict[str, Any]:
    """:func:`toy` for configurations with ``"x"``, :func:`real` for the others.

    Example:
        >>> real_or_toy({"x": 3})
        {'square': 9}
    """
    return toy(config) if "x" in config else real(config)
