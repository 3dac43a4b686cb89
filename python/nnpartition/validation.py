"""Estimate versus reality: train (reference protocol) and estimate over a grid.

Two disjoint sets of configurations:

* the **calibration grid** (``d`` in {1,2,3,5,8,10,20,50,100}, ``N`` in
  {100,300,1000,3000}, ``L`` in powers of two up to 256, both input
  distributions), on which the analytic model's constants were fitted
  (``benchmarks/calibrate_estimator.py``, measurements with seed 12345);
* the **held-out grid** (``d`` in {1,4,7,15,30,70}, ``N`` in {150,500,2000},
  ``L`` in {3,6,12,24,48,96,200}), never used to choose a constant.

``grid="small"`` is a quick sample of the held-out grid (about a minute),
``grid="full"`` both grids (hours on a laptop; use ``workers=``).
"""

from __future__ import annotations

import csv
import itertools
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from . import _core
from . import _validate as v
from .estimate import estimate_accuracy

__all__ = ["calibration_grid", "heldout_grid", "grid_configs", "measure_config", "ValidationReport", "validate"]

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
    configs = [(dist, d, N, L) for dist in _DISTS for d in (1, 4, 7, 15, 30, 70)
               for N in (150, 500, 2000) for L in (3, 6, 12, 24, 48, 96, 200)]
    random.Random(2024).shuffle(configs)
    configs = [c for c in configs if _cost(*c[1:]) <= max_cost][:limit]
    return [dict(dist=c[0], d=c[1], N=c[2], L=c[3], part="heldout") for c in configs]


def grid_configs(grid: str) -> List[Dict[str, Any]]:
    """The configurations of a named grid: ``"small"`` or ``"full"``.

    Example:
        >>> len(grid_configs("small"))
        16
    """
    grid = v.choice("grid", grid, ("small", "full"))
    if grid == "small":
        held = [c for c in heldout_grid() if _cost(c["d"], c["N"], c["L"]) <= 6e5]
        return held[:16]
    return calibration_grid() + heldout_grid()


def measure_config(config: Dict[str, Any], datasets: int = 3, restarts: int = 2, seed: int = 0) -> Dict[str, Any]:
    """Train (reference protocol) and estimate one configuration; a flat dict of results.

    Top-level and picklable, so sweeps can run it in worker processes.

    Example:
        >>> r = measure_config(dict(dist="uniform", d=50, N=40, L=4), datasets=1, restarts=1)
        >>> r["real"], r["estimate"] > 0.99, r["in_band"]
        (1.0, True, True)
    """
    from .training import real_accuracy

    d, N, L, dist = int(config["d"]), int(config["N"]), int(config["L"]), str(config["dist"])
    m = real_accuracy(d, N, L, dist=dist, datasets=datasets, restarts=restarts, seed=seed)
    e = estimate_accuracy(d, N, L, dist=dist)
    return dict(config, real=m.mean, real_std=m.std, estimate=e.accuracy, low=e.low, high=e.high,
                ceiling=e.ceiling, error=e.accuracy - m.mean, in_band=bool(e.low <= m.mean <= e.high))


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
        """Error summaries by grid part and distribution, and by region of the grid.

        Regions: ``small d`` (d <= 2), ``large L`` (L >= 64), ``near capacity``
        (N between 1 and 4 times the parameter count ``L (d + 2) + 1``).
        """
        out: Dict[str, Dict[str, float]] = {"all": _summary(self.rows)}
        for part, dist in itertools.product(("calibration", "heldout"), _DISTS):
            sel = [r for r in self.rows if r.get("part") == part and r["dist"] == dist]
            if sel:
                out[f"{part}/{dist}"] = _summary(sel)
        regions = {
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
        head = f"{'dist':8s} {'d':>4s} {'N':>5s} {'L':>4s} {'real':>7s} {'estimate':>8s} {'band':>15s} {'ceiling':>7s} {'error':>7s}"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            band = f"[{r['low']:.3f},{r['high']:.3f}]"
            lines.append(f"{r['dist']:8s} {r['d']:4d} {r['N']:5d} {r['L']:4d} {r['real']:7.4f} {r['estimate']:8.4f} "
                         f"{band:>15s} {r['ceiling']:7.4f} {r['error']:+7.4f}")
        return "\n".join(lines)

    def summary_text(self) -> str:
        """The error summary as text."""
        lines = [f"{'subset':36s} {'n':>4s} {'MAE':>7s} {'max':>7s} {'bias':>7s} {'in band':>7s}"]
        for k, s in self.summary().items():
            if s.get("n"):
                lines.append(f"{k:36s} {s['n']:4d} {s['mae']:7.4f} {s['max_error']:7.4f} {s['bias']:+7.4f} {s['coverage']:7.1%}")
        return "\n".join(lines)

    def to_csv(self, path: str) -> None:
        """Write every row to ``path``."""
        if not self.rows:
            raise ValueError("the report has no rows to write")
        keys = list(self.rows[0])
        with open(path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=keys)
            w.writeheader()
            w.writerows(self.rows)

    def plot(self, path: str) -> None:
        """Save the figure: estimate and real accuracy against ``L`` for each ``d``, and a parity plot."""
        from .plotting import validation_figure

        validation_figure(self.rows, path)


def validate(grid: str = "small", *, datasets: int = 3, restarts: int = 2, seed: int = 0,
             configs: Optional[List[Dict[str, Any]]] = None, progress: bool = True,
             runner: Optional[Callable[..., List[Dict[str, Any]]]] = None) -> ValidationReport:
    """Train (reference protocol) and estimate every configuration of a grid.

    Args:
        grid: ``"small"`` (16 held-out configurations, about a minute) or ``"full"``.
        datasets, restarts, seed: the reference protocol's settings.
        configs: explicit configurations (dicts with ``dist, d, N, L``) instead of a named grid.
        progress: progress bar on stderr.
        runner: how to run the jobs, ``runner(configs, job) -> rows`` (e.g. a
            sweep on a process pool or a Dask cluster); default: in this process.

    Example:
        >>> rep = validate(configs=[dict(dist="uniform", d=20, N=100, L=8, part="heldout")], progress=False)
        >>> rep.rows[0]["real"], round(rep.rows[0]["estimate"], 2), rep.rows[0]["in_band"]
        (1.0, 1.0, True)
    """
    datasets = v.count("datasets", datasets, minimum=1, maximum=1000)
    restarts = v.count("restarts", restarts, minimum=1, maximum=1000)
    seed = v.seed(seed)
    todo = configs if configs is not None else grid_configs(grid)
    job = _Job(datasets, restarts, seed)
    if runner is not None:
        return ValidationReport(list(runner(todo, job)))
    from ._progress import Progress

    rows = []
    with Progress(len(todo), desc="validate", enabled=progress) as bar:
        for c in todo:
            rows.append(job(c))
            bar.update(1)
    return ValidationReport(rows)


class _Job:
    """A picklable job with the protocol settings bound."""

    def __init__(self, datasets: int, restarts: int, seed: int) -> None:
        self.datasets, self.restarts, self.seed = datasets, restarts, seed

    def __call__(self, config: Dict[str, Any]) -> Dict[str, Any]:
        return measure_config(config, self.datasets, self.restarts, self.seed)
