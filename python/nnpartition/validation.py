"""Estimate versus reality: train (reference protocol) and estimate over a grid.

Two disjoint sets of configurations:

* the **calibration grid** (``d`` in {1,2,3,5,8,10,20,50,100}, ``N`` in
  {100,300,1000,3000}, ``L`` in powers of two up to 256, both input
  distributions), on which the analytic model's constants were fitted
  (``benchmarks/calibrate_estimator.py``, measurements with seed 12345);
* the **held-out grid** (``d`` in {1,4,7,15,30,70}, ``N`` in {150,500,2000},
  ``L`` in {3,6,12,24,48,96,200}), never used to choose a constant.

``grid="small"`` is a quick sample of the held-out grid (16 configurations, 6-12 s on 2 cores, the more for
other jobs beside it), ``grid="full"`` both grids (hours on a laptop; use ``workers=``).

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
"""

from __future__ import annotations

import csv
import itertools
import math
import random
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _core
from . import _validate as v
from ._random import SeedLike
from .estimate.accuracy import (AccuracyEstimate, ExtrapolationWarning, _hidden_params, _outside_range, _range_problems,
                                estimate_accuracy)
from .training import AccuracyMeasurement, Protocol, _not_a_protocol

__all__ = ["calibration_grid", "heldout_grid", "grid_configs", "measure_config", "ValidationReport", "validate",
           "protocols", "protocol_grid", "sample_protocols", "protocol_sample", "reference_sample"]

_DISTS = _core.CHOICES["dist"]


def _cost(d: int, N: int, L: int) -> float:
    return N * (d + 1) * L + 20 * N * L


def calibration_grid() -> List[Dict[str, Any]]:
    """The configurations the model's constants were fitted on.

    Example:
        >>> len(calibration_grid())
        648
    """
    return [dict(dist=dist, d=d, N=N, L=L, part="calibration")
            for dist in _DISTS for d in (1, 2, 3, 5, 8, 10, 20, 50, 100)
            for N in (100, 300, 1000, 3000) for L in (1, 2, 4, 8, 16, 32, 64, 128, 256)]


def heldout_grid(max_cost: float = 4e6, limit: int = 90) -> List[Dict[str, Any]]:
    """Held-out configurations (never used to fit constants), a deterministic sample.

    Example:
        >>> g = heldout_grid(); len(g), g[0]["part"]
        (90, 'heldout')
    """
    max_cost = v.real("max_cost", max_cost, minimum=0.0)
    limit = v.count("limit", limit, minimum=0, maximum=10**6)
    configs = [(dist, d, N, L) for dist in _DISTS for d in (1, 4, 7, 15, 30, 70)
               for N in (150, 500, 2000) for L in (3, 6, 12, 24, 48, 96, 200)]
    random.Random(2024).shuffle(configs)
    configs = [c for c in configs if _cost(*c[1:]) <= max_cost][:limit]
    return [dict(dist=c[0], d=c[1], N=c[2], L=c[3], part="heldout") for c in configs]


PROTOCOL_SEED = 777
_ADAM_LR = (0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
_SGD_LR = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
_STEPS = (250, 500, 1000, 2000, 4000, 8000, 16000, 32000)
_STEP_WEIGHTS = (3, 3, 3, 3, 3, 2, 1, 1)
_BATCHES = (None, None, None, 32, 64, 128, 256)
_D_VALUES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 100)
_L_VALUES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
_WIDTHS = (4, 6, 8, 12, 16, 24, 32, 48, 64)
#: Cost cap (about steps x points per step x parameters x runs) of one protocol-grid configuration.
MAX_PROTOCOL_COST = 1.5e10
REFERENCE_ROW = dict(pid=-1, optimizer="adam", lr=0.02, steps=4000, batch_size=None, schedule="cosine", restarts=2,
                     heldout=False)


def protocols() -> List[Dict[str, Any]]:
    """The 40 protocols of the protocol grid; ``heldout`` marks every fourth one (fixed before any fit).

    Example:
        >>> ps = protocols(); len(ps), sum(p["heldout"] for p in ps), ps[3]["heldout"]
        (40, 10, True)
    """
    rng = random.Random(PROTOCOL_SEED)
    out = []
    for i in range(40):
        opt = "adam" if rng.random() < 0.6 else "sgd"
        lr = rng.choice(_ADAM_LR if opt == "adam" else _SGD_LR)
        steps = rng.choices(_STEPS, _STEP_WEIGHTS)[0]
        batch = rng.choice(_BATCHES)
        schedule = "cosine" if rng.random() < 0.8 else "constant"
        restarts = rng.choice((1, 2, 2, 3, 4))
        out.append(dict(pid=i, optimizer=opt, lr=lr, steps=steps, batch_size=batch, schedule=schedule,
                        restarts=restarts, heldout=(i % 4 == 3)))
    return out


def protocol_cost(c: Dict[str, Any]) -> float:
    """About steps x points per step x parameters x runs of a protocol-grid configuration."""
    params, fan = _hidden_params(c["d"], c["widths"])
    N, b = c["N"], c["batch_size"]
    per_step = (b or N) + (N / 20 if b else 0)
    return float(c["steps"] * min(per_step, N * 1.05) * (params + fan) * c["restarts"] * 3)


def _two_layer(p: Dict[str, Any], rng: random.Random, n: int) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    tries = 0
    while len(out) < n and tries < 10000:
        tries += 1
        d, L = rng.choice(_D_VALUES), rng.choice(_L_VALUES)
        P = L * (d + 2) + 1
        N = int(round(P * 2 ** rng.uniform(-1.6, 3.0)))
        if d == 1:
            N = rng.choice((60, 100, 200, 400, 800))
        N = min(max(N, 50), 3000)
        cfg = dict(dist=rng.choice(("uniform", "gaussian")), d=d, N=N, widths=[L])
        if protocol_cost(dict(cfg, **p)) <= MAX_PROTOCOL_COST and cfg not in [{k: c[k] for k in cfg} for c in out]:
            out.append(cfg)
    return out


def _deep(p: Dict[str, Any], rng: random.Random, n: int) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    tries = 0
    while len(out) < n and tries < 10000:
        tries += 1
        depth = rng.choice((2, 2, 3, 4))
        widths = [rng.choice(_WIDTHS) for _ in range(depth)]
        d = rng.choice((1, 2, 3, 5, 8, 12, 20, 30))
        P = 1 + _hidden_params(d, widths)[0]
        N = min(max(int(round(P * 2 ** rng.uniform(-1.0, 2.5))), 50), 3000)
        if protocol_cost(dict(p, d=d, N=N, widths=widths)) <= MAX_PROTOCOL_COST:
            out.append(dict(dist=rng.choice(("uniform", "gaussian")), d=d, N=N, widths=widths))
    return out


def protocol_grid() -> List[Dict[str, Any]]:
    """Every configuration of the protocol grid, in measurement order (shuffled, so a partial run is a sample).

    Each is a dict with the protocol fields (``optimizer, lr, steps, batch_size, schedule, restarts``), ``pid``
    (-1 for the reference protocol), ``dist, d, N, widths``, and ``part``: ``"heldout"`` for a held-out protocol
    or a held-out deep configuration, else ``"calibration"``.

    Example:
        >>> g = protocol_grid(); len(g), sum(c["part"] == "heldout" for c in g)
        (1212, 342)
    """
    rng = random.Random(PROTOCOL_SEED + 1)
    jobs: List[Dict[str, Any]] = []
    prots = protocols()
    for p in prots:
        for c in _two_layer(p, rng, 24):
            jobs.append(dict(c, **p, deep_heldout=False))
    k = 0
    for p in [REFERENCE_ROW, REFERENCE_ROW, prots[0], prots[1], prots[3], prots[7]]:
        for c in _deep(p, rng, 14):
            jobs.append(dict(c, **p, deep_heldout=(k % 3 == 2)))
            k += 1
    rng.shuffle(jobs)
    extra: List[Dict[str, Any]] = []  # second batch, added before any fit: more deep networks
    for p in [REFERENCE_ROW, REFERENCE_ROW, prots[5], prots[9], prots[17], prots[22]]:
        for c in _deep(p, rng, 14):
            extra.append(dict(c, **p, deep_heldout=(k % 3 == 2)))
            k += 1
    rng.shuffle(extra)
    third: List[Dict[str, Any]] = []  # third batch, also before any final fit: deep networks, other protocols
    for p in [REFERENCE_ROW, REFERENCE_ROW, prots[2], prots[13], prots[24], prots[28]]:
        for c in _deep(p, rng, 14):
            third.append(dict(c, **p, deep_heldout=(k % 3 == 2)))
            k += 1
    rng.shuffle(third)
    extra += third
    for c in jobs + extra:
        c["part"] = "heldout" if (c["heldout"] or c["deep_heldout"]) else "calibration"
    return jobs + extra


#: Seed of the second, continuous protocol draw (:func:`protocol_sample`), fixed before any fit on it.
SAMPLE_SEED = 2026


def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def sample_protocols(n: int = 144, draw: int = 1) -> List[Dict[str, Any]]:
    """A second draw of ``n`` protocols, continuous over the supported range (every fourth held out).

    Unlike :func:`protocols` (values from short lists), learning rates, steps and batch sizes are drawn
    log-uniformly: Adam lr 0.002-0.1, SGD lr 0.01-0.5, 250-32,000 steps, full batch (40%) or minibatches
    of 32-1024, cosine (75%) or constant schedule, best of 1-4 restarts. ``pid`` counts on from ``100 draw``
    (draw 2 is a further independent draw, seeded ``SAMPLE_SEED + 10``). With more than 100 protocols a draw's
    ``pid`` values run into the next draw's, so a protocol is named by ``(draw, pid)``; the measured draws'
    sweep stores key their configurations by ``pid``, which is why it stays as it is.

    Example:
        >>> ps = sample_protocols(); len(ps), sum(p["heldout"] for p in ps), ps[0]["pid"]
        (144, 36, 100)
    """
    n = v.count("n", n, minimum=1, maximum=10**4)
    draw = v.count("draw", draw, minimum=1, maximum=10**6)
    rng = random.Random(SAMPLE_SEED + 10 * (draw - 1))
    out = []
    for i in range(n):
        opt = "adam" if rng.random() < 0.55 else "sgd"
        lr = round(_log_uniform(rng, 0.002, 0.1) if opt == "adam" else _log_uniform(rng, 0.01, 0.5), 5)
        steps = int(round(_log_uniform(rng, 250, 32000)))
        batch = None if rng.random() < 0.4 else int(round(_log_uniform(rng, 32, 1024)))
        schedule = "cosine" if rng.random() < 0.75 else "constant"
        restarts = rng.randint(1, 4)
        out.append(dict(pid=100 * draw + i, optimizer=opt, lr=lr, steps=steps, batch_size=batch, schedule=schedule,
                        restarts=restarts, heldout=(i % 4 == 3)))
    return out


def protocol_sample(n: int = 144, two_layer: int = 12, deep: int = 4, max_cost: float = 8e9,
                    draw: int = 1, reference_deep: int = 0) -> List[Dict[str, Any]]:
    """Configurations for :func:`sample_protocols`: per protocol ``two_layer`` two-layer networks and ``deep``
    deep ones (2-4 hidden layers of 4-128 units), ``d``, ``L`` and ``N`` drawn log-uniformly over the
    validated range (``d`` 1-200, ``L`` 1-512, ``N`` 50-5000, mostly near capacity) within ``max_cost``
    (see :func:`protocol_cost`).
    ``part`` is ``"heldout"`` for every configuration of a held-out protocol, else ``"calibration"``.
    ``reference_deep`` adds that many deep networks under the reference protocol (every fourth held out).

    Example:
        >>> g = protocol_sample(); len(g) > 2000, g[0]["part"] in ("heldout", "calibration")
        (True, True)
    """
    two_layer = v.count("two_layer", two_layer, minimum=0, maximum=1000)
    deep = v.count("deep", deep, minimum=0, maximum=1000)
    reference_deep = v.count("reference_deep", reference_deep, minimum=0, maximum=10**5)
    max_cost = v.real("max_cost", max_cost, minimum=0.0)
    rng = random.Random(SAMPLE_SEED + 1 + 10 * (draw - 1))
    jobs: List[Dict[str, Any]] = []
    ref = dict(REFERENCE_ROW, pid=-1)
    for p in sample_protocols(n, draw) + ([ref] if reference_deep else []):
        n_two, n_deep = (0, reference_deep) if p is ref else (two_layer, deep)
        got = _draw_networks(rng, p, n_two, n_deep, max_cost)
        if p is ref:
            jobs += [dict(c, **p, deep_heldout=(i % 4 == 3), part="heldout" if i % 4 == 3 else "calibration")
                     for i, c in enumerate(got)]
        else:
            jobs += [dict(c, **p, deep_heldout=False, part="heldout" if p["heldout"] else "calibration")
                     for c in got]
    rng.shuffle(jobs)
    return jobs


def _draw_networks(rng: random.Random, p: Dict[str, Any], n_two: int, n_deep: int,
                   max_cost: float) -> List[Dict[str, Any]]:
    """``n_two`` two-layer then ``n_deep`` deep configurations under protocol ``p`` (see :func:`protocol_sample`)."""
    got: List[Dict[str, Any]] = []
    seen = set()   # the drawn configurations' keys (a list lookup made large draws quadratic)
    tries = 0
    while len(got) < n_two + n_deep and tries < 20000:
        tries += 1
        if len(got) < n_two:
            d = int(round(_log_uniform(rng, 1, 200)))
            widths = [int(round(_log_uniform(rng, 1, 512)))]
            lo, hi = -1.6, 3.0
        else:
            d = int(round(_log_uniform(rng, 1, 50)))
            widths = [int(round(_log_uniform(rng, 4, 128))) for _ in range(rng.choice((2, 2, 3, 4)))]
            lo, hi = -1.0, 2.5
        P = 1 + _hidden_params(d, widths)[0]
        N = min(max(int(round(P * 2 ** rng.uniform(lo, hi))), 50), 5000)
        cfg = dict(dist=rng.choice(("uniform", "gaussian")), d=d, N=N, widths=widths)
        key = (cfg["dist"], d, N, tuple(widths))
        if protocol_cost(dict(cfg, **p)) <= max_cost and key not in seen:
            seen.add(key)
            got.append(cfg)
    return got


#: Seed of the reference-protocol draw (:func:`reference_sample`), fixed before it was measured.
REFERENCE_SAMPLE_SEED = 2027


def reference_sample(two_layer: int = 960, deep: int = 320, max_cost: float = 8e9) -> List[Dict[str, Any]]:
    """Off-grid configurations under the reference protocol: ``two_layer`` two-layer and ``deep`` deep networks
    drawn as :func:`protocol_sample` draws them (``d``, ``L`` log-uniform over the validated range, ``N`` mostly
    near capacity, within ``max_cost``). Every fourth configuration is held out (``part``; ``heldout`` for the
    two-layer ones, ``deep_heldout`` for the deep ones); ``pid`` is -1.

    The first reference grid (:func:`calibration_grid`) is a factorial grid whose ``d``, ``L`` and ``N`` take
    nine, nine and four values; this draw fills the near-capacity region between them, where the off-grid
    errors were.

    Example:
        >>> g = reference_sample(); len(g), sum(c["part"] == "heldout" for c in g)
        (1280, 320)
    """
    two_layer = v.count("two_layer", two_layer, minimum=0, maximum=10**5)
    deep = v.count("deep", deep, minimum=0, maximum=10**5)
    max_cost = v.real("max_cost", max_cost, minimum=0.0)
    rng = random.Random(REFERENCE_SAMPLE_SEED)
    got = _draw_networks(rng, REFERENCE_ROW, two_layer, deep, max_cost)
    jobs = []
    for i, c in enumerate(got):
        held = i % 4 == 3
        two = len(c["widths"]) == 1
        jobs.append({**c, **REFERENCE_ROW, "heldout": held and two, "deep_heldout": held and not two,
                     "part": "heldout" if held else "calibration"})
    rng.shuffle(jobs)
    return jobs


def protocol_of(config: Dict[str, Any]) -> Protocol:
    """The :class:`~nnpartition.Protocol` a configuration dict names (the reference protocol when it names none)."""
    keys = ("optimizer", "lr", "steps", "batch_size", "schedule", "restarts")
    return Protocol(**{k: config[k] for k in keys if k in config and config[k] is not None
                       and not (k == "batch_size" and config[k] == 0)})


def grid_configs(grid: str) -> List[Dict[str, Any]]:
    """The configurations of a named grid: ``"small"``, ``"full"`` or ``"protocols"``.

    ``"protocols"``: cheap held-out configurations of each group of :meth:`ValidationReport.summary`: 8 two-layer
    networks under the reference protocol (the held-out part of :func:`reference_sample`), 16 under whole
    held-out protocols and 8 held-out deep networks of the protocol grid; a few seconds (2-3 s on 2 cores).

    Example:
        >>> len(grid_configs("small")), len(grid_configs("protocols"))
        (16, 32)
    """
    grid = v.choice("grid", grid, ("small", "full", "protocols"))
    if grid == "protocols":
        ref = [c for c in reference_sample() if c["part"] == "heldout" and len(c["widths"]) == 1
               and protocol_cost(c) <= 3e8][:8]
        held = [c for c in protocol_grid() if c["part"] == "heldout" and protocol_cost(c) <= 3e8]
        two = [c for c in held if len(c["widths"]) == 1][:16]
        deep = [c for c in held if len(c["widths"]) > 1][:8]
        return ref + two + deep
    if grid == "small":
        held = [c for c in heldout_grid() if _cost(c["d"], c["N"], c["L"]) <= 6e5]
        return held[:16]
    return calibration_grid() + heldout_grid()


def _checked_config(config: Any, datasets: Any, restarts: Any
                    ) -> Tuple[int, int, List[int], str, Protocol, int]:
    """``(d, N, widths, dist, protocol, datasets)`` of a configuration as :func:`measure_config` trains it, each
    checked (a ``TypeError`` / ``ValueError`` naming the field)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    d = v.count("config['d']", config.get("d"), minimum=1, maximum=10**6)
    N = v.count("config['N']", config.get("N"), minimum=1, maximum=10**7)
    dist = v.choice("config['dist']", config.get("dist", "uniform"), _DISTS, {"gauss": "gaussian"})
    if "widths" in config and len(config["widths"]) > 1:
        ws: List[int] = [v.count(f"config['widths'][{i}]", w, minimum=1, maximum=2**20)
                         for i, w in enumerate(config["widths"])]
    else:
        L = config["widths"][0] if "widths" in config else config.get("L")
        ws = [v.count("config['L']", L, minimum=1, maximum=2**20)]
    datasets = v.count("datasets", datasets, minimum=1, maximum=1000)
    proto = protocol_of(config)
    if restarts is not None:
        proto = replace(proto, restarts=v.count("restarts", restarts, minimum=1, maximum=1000))
    return d, N, ws, dist, proto, datasets


def _estimate_of(m: AccuracyMeasurement) -> Tuple[AccuracyEstimate[float], str]:
    """The estimate of the training an :class:`~nnpartition.training.AccuracyMeasurement` measured (the same
    ``d``, ``N``, widths, input law and protocol) and the parameters of it outside the validated range (``""``:
    inside). The range warning is not shown: the caller says it (a row's ``outside_range``, ``train``'s line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = estimate_accuracy(m.d, m.N, widths=list(m.widths), dist=m.dist, protocol=m.protocol)
    return e, _outside_range(m.d, m.N, m.widths, m.protocol)


def measure_config(config: Dict[str, Any], datasets: int = 3, restarts: Optional[int] = None,
                   seed: SeedLike = 0) -> Dict[str, Any]:
    """Train and estimate one configuration under the same :class:`~nnpartition.Protocol`; a flat dict of results.

    ``config`` names ``dist, d, N`` and ``L`` or ``widths``, optionally the
    protocol fields (``optimizer, lr, steps, batch_size, schedule, restarts``;
    the reference protocol's values otherwise). ``restarts`` overrides the
    protocol's. Top-level and picklable, so sweeps can run it in worker processes. The dict's ``seed`` is
    the integer seed actually used (what ``seed=`` resolved to).

    Example:
        >>> r = measure_config(dict(dist="uniform", d=50, N=40, L=4), datasets=1, restarts=1)
        >>> r["real"], r["estimate"] > 0.98, r["in_band"]
        (1.0, True, True)
    """
    from .training import real_accuracy

    d, N, ws, dist, proto, datasets = _checked_config(config, datasets, restarts)
    seed = v.seed(seed)
    m = real_accuracy(d, N, widths=ws, dist=dist, protocol=proto, datasets=datasets, seed=seed)
    e, outside = _estimate_of(m)
    out = dict(config, d=d, N=N, dist=dist, L=ws[0], real=m.mean, real_std=m.std, estimate=e.accuracy, low=e.low,
               high=e.high, ceiling=e.ceiling, error=e.accuracy - m.mean, in_band=bool(e.low <= m.mean <= e.high),
               seed=m.seed, datasets=datasets, diverged=m.diverged, outside_range=outside)
    if len(ws) > 1:
        out["widths"] = ws
    if restarts is not None:   # the row says what was trained, not what the configuration named
        out["restarts"] = proto.restarts
    return out


def _group_of(r: Dict[str, Any]) -> str:
    """``deep`` for two or more hidden layers, else ``reference`` or ``protocols`` by the row's protocol."""
    if len(r.get("widths", [0])) > 1:
        return "deep"
    return "reference" if protocol_of(r) == Protocol() else "protocols"


def _summary(rows: Sequence[Dict[str, Any]]) -> Dict[str, float]:
    if not rows:
        return {"n": 0}
    err = np.array([r["error"] for r in rows], dtype=float)
    cov = np.array([r["in_band"] for r in rows], dtype=float)
    return {"n": len(rows), "mae": float(np.abs(err).mean()), "max_error": float(np.abs(err).max()),
            "bias": float(err.mean()), "coverage": float(cov.mean())}


@dataclass
class ValidationReport:
    """Per-configuration results and their error summaries."""

    rows: List[Dict[str, Any]] = field(default_factory=list)

    def summary(self) -> Dict[str, Dict[str, float]]:
        """Error summaries: all rows, the non-trivial ones (real or estimate below 0.999), by group and part.

        Groups: ``reference`` (two layers, reference protocol), ``protocols`` (two
        layers, other protocols), ``deep`` (two or more hidden layers); parts:
        ``calibration`` and ``heldout``. Regions of the held-out part: ``small d``
        (d <= 2), ``large L`` (L >= 64), ``near capacity`` (N between 1 and 4
        times the parameter count ``L (d + 2) + 1``).
        """
        def nontrivial(r: Dict[str, Any]) -> bool:
            return bool(r["real"] < 0.999 or r["estimate"] < 0.999)

        out: Dict[str, Dict[str, float]] = {"all": _summary(self.rows),
                                            "non-trivial": _summary([r for r in self.rows if nontrivial(r)])}
        for group, part in itertools.product(("reference", "protocols", "deep"), ("calibration", "heldout")):
            sel = [r for r in self.rows if _group_of(r) == group and r.get("part") == part]
            if sel:
                out[f"{group}/{part}"] = _summary(sel)
                out[f"{group}/{part}, non-trivial"] = _summary([r for r in sel if nontrivial(r)])
        for part, dist in itertools.product(("calibration", "heldout"), _DISTS):
            sel = [r for r in self.rows if r.get("part") == part and r["dist"] == dist]
            if sel:
                out[f"{part}/{dist}"] = _summary(sel)
        regions: Dict[str, Callable[[Dict[str, Any]], bool]] = {
            "small d (d<=2)": lambda r: r["d"] <= 2,
            "large L (L>=64)": lambda r: r["L"] >= 64,
            "near capacity (1<N/P<4)": lambda r: 1 < r["N"] / (r["L"] * (r["d"] + 2) + 1) < 4,
        }
        for name, pred in regions.items():
            sel = [r for r in self.rows if r.get("part") == "heldout" and pred(r)]
            if sel:
                out[f"heldout: {name}"] = _summary(sel)
        return out

    def table(self) -> str:
        """A plain-text table of every configuration."""
        sizes = ["-".join(str(w) for w in r.get("widths", [r["L"]])) for r in self.rows]
        protocols = [protocol_of(r).describe() for r in self.rows]
        # columns as wide as their widest entry (a protocol's description runs to 60 characters)
        ws, wp = max([11, *map(len, sizes)]), max([8, *map(len, protocols)])
        head = (f"{'dist':8s} {'d':>4s} {'N':>5s} {'L / widths':>{ws}s} {'protocol':{wp}s} {'real':>7s} "
                f"{'estimate':>8s} {'band':>15s} {'ceiling':>7s} {'error':>7s}")
        lines = [head, "-" * len(head)]
        for r, size, proto in zip(self.rows, sizes, protocols):
            band = f"[{r['low']:.3f},{r['high']:.3f}]"
            lines.append(f"{r['dist']:8s} {r['d']:4d} {r['N']:5d} {size:>{ws}s} {proto:{wp}s} "
                         f"{r['real']:7.4f} {r['estimate']:8.4f} {band:>15s} {r['ceiling']:7.4f} {r['error']:+7.4f}")
        return "\n".join(lines)

    def summary_text(self) -> str:
        """The error summary as text."""
        lines = [f"{'subset':44s} {'n':>4s} {'MAE':>7s} {'max':>7s} {'bias':>7s} {'in band':>7s}"]
        for k, s in self.summary().items():
            if s.get("n"):
                lines.append(f"{k:44s} {s['n']:4d} {s['mae']:7.4f} {s['max_error']:7.4f} {s['bias']:+7.4f} {s['coverage']:7.1%}")
        lines += [text for text in (self.diverged_text(), self.range_text()) if text]
        return "\n".join(lines)

    def real_standard_error(self) -> Optional[float]:
        """How uncertain the real column is: the mean over the rows of their means' standard error, each row's
        standard deviation over its datasets over the square root of their number (the rows' ``real_std`` and
        ``datasets`` columns). Every error of :meth:`summary` includes it: the estimator's targets are judged on
        9 datasets, a row of 3 small datasets is itself off by a few points. ``None`` where no row has two or more
        datasets (rows stored before the ``datasets`` column have none).

        Example:
            >>> rows = [{"real_std": 0.02, "datasets": 4}, {"real_std": 0.06, "datasets": 4}, {"real_std": 0.5}]
            >>> ValidationReport(rows).real_standard_error()   # 0.01 and 0.03; the third row has no count
            0.02
        """
        ses = [float(r["real_std"]) / math.sqrt(int(r["datasets"])) for r in self.rows
               if r.get("datasets") is not None and int(r["datasets"]) >= 2 and r.get("real_std") is not None
               and math.isfinite(float(r["real_std"]))]
        return float(sum(ses)) / len(ses) if ses else None

    def range_text(self) -> str:
        """How many rows lie outside the estimator's validated range, and in which parameters (the rows'
        ``outside_range`` column), as a line of text; ``""`` when none do (rows stored before the column have none).

        Example:
            >>> ValidationReport([{"outside_range": "steps"}, {"outside_range": ""}, {}]).range_text()[:56]
            '1 of 3 rows lie outside the validated range (in steps): '
        """
        outside = [r["outside_range"] for r in self.rows if r.get("outside_range")]
        if not outside:
            return ""
        names = ", ".join(dict.fromkeys(n for o in outside for n in str(o).split(", ")))
        return (f"{len(outside)} of {len(self.rows)} rows lie outside the validated range (in {names}): their "
                f"estimates are extrapolations (the 'outside_range' column; nnpartition.validated_range())")

    def diverged_text(self) -> str:
        """How many training runs diverged, and in how many rows (the rows' ``diverged`` column), as a line of
        text; ``""`` when none did (rows stored before the count have no such column and count as none).

        Example:
            >>> ValidationReport([{"diverged": 3}, {"diverged": 0}, {}]).diverged_text()[:40]
            '3 training runs diverged, in 1 of 3 rows'
        """
        unstable = [r for r in self.rows if r.get("diverged")]
        if not unstable:
            return ""
        return (f"{sum(int(r['diverged']) for r in unstable)} training runs diverged, in {len(unstable)} of "
                f"{len(self.rows)} rows (the 'diverged' column; counted with their reads before it, as PyTorch's; "
                f"the estimate does not model unstable training)")

    def to_csv(self, path: str) -> None:
        """Write every row to ``path``."""
        if not self.rows:
            raise ValueError("the report has no rows to write")
        keys = list(dict.fromkeys(k for row in self.rows for k in row))   # every row's keys, in order of appearance
        with open(path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=keys)
            w.writeheader()
            w.writerows(self.rows)

    def plot(self, path: Optional[str] = None, *, ax: Any = None) -> Any:
        """The figure: estimate and real accuracy against ``L`` for each ``d``, and a parity panel.

        Written to ``path`` when given; with ``ax=`` (and no ``path``) only the parity panel is drawn there (returns
        the axes).
        """
        from .plotting import validation_figure

        return validation_figure(self.rows, path, ax=ax)

    def plot_parity(self, path: Optional[str] = None, *, ax: Any = None, labels: bool = True) -> Any:
        """One readable panel: estimate with its band against real accuracy, every point named.

        Written to ``path`` when given (a new figure), else drawn into ``ax`` (or new axes), not both; returns the
        axes.
        """
        from .plotting import file_figure, plot_parity, save_figure

        if path is not None and ax is not None:   # the path was silently left unwritten
            raise ValueError("give path (a new figure, written there) or ax (drawn into), not both")
        if path is not None:
            fig = file_figure((6.5, 6))
            out = plot_parity(self.rows, ax=fig.add_subplot(), labels=labels)
            fig.tight_layout()
            save_figure(fig, path)
            return out
        return plot_parity(self.rows, ax=ax, labels=labels)


def validate(grid: str = "small", *, datasets: int = 3, restarts: Optional[int] = None, seed: SeedLike = 0,
             configs: Optional[List[Dict[str, Any]]] = None, progress: Optional[bool] = None,
             runner: Optional[Callable[..., List[Dict[str, Any]]]] = None,
             protocol: Optional[Protocol] = None) -> ValidationReport:
    """Train and estimate every configuration of a grid, each under its protocol (the reference one where it names
    none) or under ``protocol``.

    Args:
        grid: ``"small"`` (16 held-out configurations, 6-12 s on 2 cores, the more for other jobs beside it), ``"full"``
            or ``"protocols"`` (32 held-out configurations: the reference protocol, other protocols and deep
            networks; a few seconds, see :func:`grid_configs`).
        datasets, seed: datasets per configuration and the seed.
        restarts: overrides each configuration's protocol restarts when given.
        protocol: train and estimate every configuration under this :class:`~nnpartition.Protocol` (its restarts
            overridden by ``restarts`` when given). Not with ``grid="protocols"``, whose rows each name their own.
        configs: explicit configurations (dicts with ``dist, d, N, L``) instead of a named grid.
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
    datasets = v.count("datasets", datasets, minimum=1, maximum=1000)
    if restarts is not None:
        restarts = v.count("restarts", restarts, minimum=1, maximum=1000)
    seed = v.seed(seed)
    todo = configs if configs is not None else grid_configs(grid)
    if protocol is not None:
        if not isinstance(protocol, Protocol):
            raise _not_a_protocol(protocol)
        if configs is None and grid == "protocols":
            raise ValueError("protocol cannot be given with grid='protocols': each of its rows names its own "
                             "protocol")
        todo = [dict(c, **protocol.to_dict()) for c in todo]
        # once, here, for the whole grid (each row says it too, in "outside_range")
        checked = protocol if restarts is None else replace(protocol, restarts=restarts)
        for _, message in _range_problems(1.0, None, (1.0,), checked):
            warnings.warn(message, ExtrapolationWarning, stacklevel=2)
    # every configuration checked (its fields, and its training against max_bytes and max_work) before the first
    # trains: an audit's --steps 16e6 trained 14 configurations of the small grid, hours, before the 15th was refused
    runs = []
    for c in todo:
        d, N, ws, _, proto, count = _checked_config(c, datasets, restarts)
        _core.protocol_check(d, N, ws, count, proto)
        runs.append((d, N, ws, count, proto))
    if runner is None:   # in this process, one after the other: all of them together too (a runner's sweep may
        # resume a store half done, and checks each job alone)
        from .training import _check_total_work

        _check_total_work(f"validating {len(runs)} configurations", runs)
    # the grid and the protocol override are bound into the job too: a store of one grid's sweep is not continued
    # with another's (an audit: the store held 48 rows of two experiments after --grid protocols, then --grid small)
    job = _Job(datasets, restarts, seed, grid=None if configs is not None else grid,
               protocol=None if protocol is None else protocol.to_dict())
    if runner is not None:
        return ValidationReport(list(runner(todo, job)))
    from ._progress import progress_bar

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
        return measure_config(config, self.datasets, self.restarts, self.seed)
