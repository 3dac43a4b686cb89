"""The configurations: the factorial grids, the protocol grid, the continuous draws and the named grids.

Every draw is seeded (``PROTOCOL_SEED``, ``SAMPLE_SEED``, ``REFERENCE_SAMPLE_SEED``, ``heldout_grid``'s 2024)
and fixed before any fit: the measured stores and ``docs/data`` are keyed to the configurations they give.
"""

from __future__ import annotations

import math
import random
from typing import Any, Dict, List, Tuple

from .. import _core
from .. import _validate as v
from ..estimate.accuracy import _hidden_params

_DISTS = _core.CHOICES["dist"]
# The seeded draws pick from this literal, deliberately not from the core's _DISTS: a point distribution added to the
# core would lengthen the tuple rng.choice draws from and so move every draw after it, and the measured stores and
# docs/data are keyed to the configurations drawn (tests/test_limits.py's scan of restated choice sets allows it).
_DRAWN_DISTS = ("uniform", "gaussian")


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
        cfg = dict(dist=rng.choice(_DRAWN_DISTS), d=d, N=N, widths=[L])
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
            out.append(dict(dist=rng.choice(_DRAWN_DISTS), d=d, N=N, widths=widths))
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
                    draw: int = 1, reference_deep: int = 0,
                    deep_d: Tuple[int, int] = (1, 50)) -> List[Dict[str, Any]]:
    """Configurations for :func:`sample_protocols`: per protocol ``two_layer`` two-layer networks and ``deep``
    deep ones (2-4 hidden layers of 4-128 units), ``d``, ``L`` and ``N`` drawn log-uniformly over the
    validated range (``d`` 1-200, ``L`` 1-512, ``N`` 50-5000, mostly near capacity) within ``max_cost``
    (see :func:`protocol_cost`).
    ``part`` is ``"heldout"`` for every configuration of a held-out protocol, else ``"calibration"``.
    ``reference_deep`` adds that many deep networks under the reference protocol (every fourth held out).
    ``draw`` (``1 .. 10^6``) is :func:`sample_protocols`'s. ``deep_d`` is the range a deep network's ``d`` is
    drawn log-uniformly in (two-layer networks: 1-200); its default, 1-50, is the one every measured draw used, and
    a range inside 1-200 other than that (draw 35: 51-200) moves only the deep networks' ``d``.

    Example:
        >>> g = protocol_sample(); len(g) > 2000, g[0]["part"] in ("heldout", "calibration")
        (True, True)
        >>> g = protocol_sample(8, 0, 2, deep_d=(51, 200)); min(c["d"] for c in g) >= 51, len(g[0]["widths"]) > 1
        (True, True)
    """
    two_layer = v.count("two_layer", two_layer, minimum=0, maximum=1000)
    deep = v.count("deep", deep, minimum=0, maximum=1000)
    reference_deep = v.count("reference_deep", reference_deep, minimum=0, maximum=10**5)
    max_cost = v.real("max_cost", max_cost, minimum=0.0)
    # checked (a Python int) before its seed is computed, as sample_protocols checks it (an audit in the sixty-third
    # pass on issue 11: np.uint64(2**64 - 1) overflowed 10 * (draw - 1), a RuntimeWarning)
    draw = v.count("draw", draw, minimum=1, maximum=10**6)
    deep_d = _d_range("deep_d", deep_d)
    rng = random.Random(SAMPLE_SEED + 1 + 10 * (draw - 1))
    jobs: List[Dict[str, Any]] = []
    ref = dict(REFERENCE_ROW, pid=-1)
    for p in sample_protocols(n, draw) + ([ref] if reference_deep else []):
        n_two, n_deep = (0, reference_deep) if p is ref else (two_layer, deep)
        got = _draw_networks(rng, p, n_two, n_deep, max_cost, deep_d)
        if p is ref:
            jobs += [dict(c, **p, deep_heldout=(i % 4 == 3), part="heldout" if i % 4 == 3 else "calibration")
                     for i, c in enumerate(got)]
        else:
            jobs += [dict(c, **p, deep_heldout=False, part="heldout" if p["heldout"] else "calibration")
                     for c in got]
    rng.shuffle(jobs)
    return jobs


def _d_range(name: str, value: Any) -> Tuple[int, int]:
    """A range ``(lo, hi)`` of ``d`` to draw in: whole numbers, ``1 <= lo <= hi <= 200`` (the validated range)."""
    v.sequence(name, value, "whole numbers (lo, hi)")
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi) with 1 <= lo <= hi <= 200, got {len(value)} entries")
    lo = v.count(f"{name}[0]", value[0], minimum=1, maximum=200)
    hi = v.count(f"{name}[1]", value[1], minimum=lo, maximum=200)
    return lo, hi


def _draw_networks(rng: random.Random, p: Dict[str, Any], n_two: int, n_deep: int,
                   max_cost: float, deep_d: Tuple[int, int] = (1, 50)) -> List[Dict[str, Any]]:
    """``n_two`` two-layer then ``n_deep`` deep configurations under protocol ``p`` (see :func:`protocol_sample`);
    a deep network's ``d`` log-uniform in ``deep_d`` (checked by the caller)."""
    got: List[Dict[str, Any]] = []
    # The cost grows with d, N and every width: a phase whose cheapest configuration (d = 1, N = 50, the narrowest
    # widths) exceeds max_cost draws nothing, and says so at once; its 20,000 rejected tries took 1.4 s of CPU per
    # 20 protocols (the fuzz's protocol_sample(20, 2, 1, 0.0, 1)). A draw that can fit is untouched (the measured
    # draws' max_cost fit every protocol).
    if n_two and protocol_cost(dict(p, d=1, N=50, widths=[1])) > max_cost:
        return got   # (no two-layer network: the deep ones, drawn after them, were never reached)
    if n_deep and protocol_cost(dict(p, d=1, N=50, widths=[4, 4])) > max_cost:
        n_deep = 0
    seen = set()   # the drawn configurations' keys (a list lookup made large draws quadratic)
    tries = 0
    while len(got) < n_two + n_deep and tries < 20000:
        tries += 1
        if len(got) < n_two:
            d = int(round(_log_uniform(rng, 1, 200)))
            widths = [int(round(_log_uniform(rng, 1, 512)))]
            lo, hi = -1.6, 3.0
        else:
            d = min(max(int(round(_log_uniform(rng, *deep_d))), deep_d[0]), deep_d[1])
            widths = [int(round(_log_uniform(rng, 4, 128))) for _ in range(rng.choice((2, 2, 3, 4)))]
            lo, hi = -1.0, 2.5
        P = 1 + _hidden_params(d, widths)[0]
        N = min(max(int(round(P * 2 ** rng.uniform(lo, hi))), 50), 5000)
        cfg = dict(dist=rng.choice(_DRAWN_DISTS), d=d, N=N, widths=widths)
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
