"""Monte Carlo simulation of how random hidden neurons partition random labelled points.

Each trial draws ``N`` points (uniform in ``[-1, 1]^d`` or standard normal),
fair-coin labels, and ``L`` random hidden neurons drawn as the reference
training protocol initialises them, then records how many regions the
points occupy, how many points each region holds, and the accuracy of
labelling each region by its majority. Trial ``t`` uses its own random
streams derived from ``(seed, t)``: the same seed gives the same numbers
whatever the thread count or batching.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Dict, NamedTuple, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from . import _validate as v
from ._frozen import ValueResult
from ._progress import progress_bar
from ._random import SeedLike
from ._stats import binary_unit, mean_ci95

__all__ = ["PartitionSim", "Summary", "simulate_partition", "summarize"]

_DISTS = _core.CHOICES["dist"]
_DIST_ALIASES = _core.ALIASES["dist"]
#: Work (points x neurons summed over trials) of one Rust call of a simulation.
_BATCH_WORK = 2 * 10**7
#: The largest ``d``, ``N``, ``L`` and ``trials`` :func:`simulate_partition` takes.
MAX_DIMENSION, MAX_POINTS, MAX_UNITS, MAX_TRIALS = 10**7, 10**10, 10**7, 10**8


class Summary(NamedTuple):
    """Mean, sample standard deviation and two-sided 95% Student-t confidence interval of the mean (NaN where one
    value cannot give them; see :func:`summarize`)."""

    mean: float
    std: float
    ci_low: float
    ci_high: float


def summarize(values: ArrayLike, *, bounds: Optional[Tuple[float, float]] = None,
              one_value_nan: bool = True) -> Summary:
    """Mean, std (ddof=1) and 95% confidence interval of the mean of ``values``.

    The interval is Student's t with ``n - 1`` degrees of freedom (at 30 and
    more values it is within 4% of the normal interval), clipped to ``bounds``
    (the range the values can take, e.g. ``(0, 1)`` for fractions) when given:
    the mean of values in a range lies in it, so the clipped interval covers it
    at least as often. One value has no spread to estimate: its std and
    interval are NaN (as :class:`PartitionSim`'s summaries and
    ``real_accuracy``'s std give them); ``one_value_nan=False`` makes them 0
    and the single point instead (``estimate_accuracy``'s one-trial Monte
    Carlo band, whose width comes from the analytic band). ``values`` must be
    a non-empty 1-D sequence of finite numbers, inside ``bounds`` when given
    (a ``ValueError`` otherwise: a NaN made every field NaN).

    Example:
        >>> s = summarize(np.array([1.0, 2.0, 3.0]))
        >>> s.mean, round(s.ci_high, 4)   # 2 + t_2 * 1 / sqrt(3)
        (2.0, 4.4841)
        >>> summarize([0.9, 1.0, 1.0], bounds=(0.0, 1.0)).ci_high   # not 1.12...
        1.0
        >>> summarize([45.0])
        Summary(mean=45.0, std=nan, ci_low=nan, ci_high=nan)
        >>> summarize([45.0], one_value_nan=False)
        Summary(mean=45.0, std=0.0, ci_low=45.0, ci_high=45.0)
    """
    # NaN values (or None, read as NaN) gave a NaN summary, a string numpy's words, bounds not a pair an unpacking error
    x = v.float_vector("values", values)
    one_value_nan = v.flag("one_value_nan", one_value_nan)
    if x.size == 0:
        raise ValueError("values must not be empty")
    b_lo, b_hi = -math.inf, math.inf
    if bounds is not None:
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2) or v.bools_inside(bounds) \
                or not all(isinstance(b, numbers.Real) for b in bounds):
            raise TypeError(f"bounds must be a (low, high) pair of real numbers, got {bounds!r}")
        b_lo, b_hi = (float(b) for b in bounds)
        if not b_lo <= b_hi:   # NaN fails too
            raise ValueError(f"bounds must be (low, high) with low <= high, got {tuple(bounds)}")
        outside = (x < b_lo) | (x > b_hi)
        if np.any(outside):   # the clipped interval would not hold the mean (low above high, even)
            raise ValueError(f"values must lie within bounds {tuple(bounds)}, got {float(x[outside][0])}")
    # in units of a power of two near the largest |value| (exact): the sum and the squares of finite values near the
    # top of the float range overflowed, so summarize([1e308, 1e308]) had mean inf and numpy's overflow warning
    # (an audit, s48)
    unit = binary_unit(float(np.abs(x).max()))
    xs = x / unit
    mean = float(xs.mean()) * unit
    if x.size == 1 and one_value_nan:
        return Summary(mean, math.nan, math.nan, math.nan)
    std = float(xs.std(ddof=1)) * unit if x.size > 1 else 0.0
    lo, hi = mean_ci95(int(x.size), mean, std)
    return Summary(mean, std, max(lo, b_lo), min(hi, b_hi))


@dataclass(frozen=True, eq=False)
class PartitionSim(ValueResult):
    """Result of :func:`simulate_partition`.

    Attributes:
        d, N, L, trials, dist, init, seed: the settings.
        n_regions: occupied regions in each trial (``int64``, length ``trials``).
        majority_accuracy: majority-vote accuracy in each trial (``float64``).
        occupancy_hist: ``occupancy_hist[k]`` = mean number of regions per
            trial holding exactly ``k`` points.
        capped_occupancy: per trial, ``sum over regions of min(points, d + 1)``:
            how many independent directions a network that is affine on each
            region can use on these points (the Monte Carlo estimator's input).

    Frozen, hashable and compared by value (its arrays are read-only).
    """

    d: int
    N: int
    L: int
    trials: int
    dist: str
    init: str
    seed: int
    n_regions: NDArray[np.int64]
    majority_accuracy: NDArray[np.float64]
    occupancy_hist: NDArray[np.float64] = field(repr=False)
    capped_occupancy: NDArray[np.int64] = field(repr=False)

    @property
    def max_regions(self) -> int:
        """The most regions a trial can occupy: ``min(N, regions(L, d))`` (each holds a point; ``L`` neurons cut
        ``R^d`` into at most ``regions(L, d)``)."""
        if _core.log_regions(self.L, self.d) >= math.log(self.N):   # the exact count is at least N: not computed
            return self.N
        return min(self.N, int(_core.regions(self.L, self.d, False)))

    @property
    def regions(self) -> Summary:
        """Summary of the occupied-region counts: NaN std and interval for one trial, the interval clipped to
        ``[1, max_regions]``."""
        return summarize(self.n_regions, bounds=(1.0, float(self.max_regions)), one_value_nan=True)

    @property
    def accuracy(self) -> Summary:
        """Summary of the majority-vote accuracies: NaN std and interval for one trial, the interval clipped to
        ``[0.5, 1]`` (a region's majority holds at least half its points)."""
        return summarize(self.majority_accuracy, bounds=(0.5, 1.0), one_value_nan=True)

    @property
    def singleton_fraction(self) -> float:
        """Mean fraction of points alone in their region."""
        h = self.occupancy_hist
        return float(h[1] / self.N) if h.size > 1 else 0.0

    def __repr__(self) -> str:
        """The settings and the two summaries; not the per-trial arrays (two numbers a trial printed thousands).

        Example:
            >>> simulate_partition(2, 10, 3, trials=5000, seed=1)     # doctest: +ELLIPSIS
            PartitionSim(d=2, N=10, L=3, trials=5000, dist='uniform', init='uniform', seed=1, regions: mean ...,
            accuracy: mean ...; per trial: n_regions, majority_accuracy, capped_occupancy)
        """
        return (f"PartitionSim(d={self.d}, N={self.N}, L={self.L}, trials={self.trials}, dist={self.dist!r}, "
                f"init={self.init!r}, seed={self.seed}, regions: mean {self.regions.mean:.6g}, accuracy: mean "
                f"{self.accuracy.mean:.6g}; per trial: n_regions, majority_accuracy, capped_occupancy)")

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready summary: strict JSON, a non-finite number (the NaN ``std`` and interval of one trial) is
        ``None``, as :meth:`nnpartition.AccuracyMeasurement.to_dict` writes it.

        Example:
            >>> import json
            >>> json.dumps(simulate_partition(2, 10, 3, trials=1, progress=False).to_dict()["n_regions"]["std"])
            'null'
        """
        from ._json import json_ready

        out: Dict[str, Any] = json_ready({
            "d": self.d, "N": self.N, "L": self.L, "widths": [self.L], "trials": self.trials, "dist": self.dist,
            "init": self.init, "seed": self.seed,
            "n_regions": self.regions._asdict(), "majority_accuracy": self.accuracy._asdict(),
            "singleton_fraction": self.singleton_fraction,
        })
        return out


def simulate_partition(d: int, N: int, L: int, *, trials: int = 100, dist: str = "uniform",
                       init: str = "uniform", seed: SeedLike = 0, threads: Optional[int] = None,
                       progress: Optional[bool] = None) -> PartitionSim:
    """Monte Carlo partition of ``N`` random labelled points by ``L`` random hidden neurons in ``R^d``.

    Args:
        d: input dimension (``>= 1``).
        N: points per trial (``>= 1``).
        L: hidden neurons (``>= 1``).
        trials: independent trials (``>= 1``).
        dist: ``"uniform"`` (in ``[-1, 1]^d``) or ``"gaussian"`` (standard normal; alias ``"gauss"``).
        init: ``"uniform"``: weights and biases ``U(-1/sqrt(d), 1/sqrt(d))`` as
            the reference protocol (PyTorch's default) initialises them;
            ``"gaussian"``: ``N(0, 1/d)``.
        seed: seed of every random stream: an ``int``, ``None`` (fresh
            entropy), a numpy ``Generator`` or ``SeedSequence``; the result's
            ``seed`` is the integer actually used.
        threads: worker threads (default: all cores, or ``RAYON_NUM_THREADS``).
            Results do not depend on it.
        progress: progress bar: ``None`` shows it when the run takes over a
            second (on a terminal or in a notebook), ``True`` always, ``False`` never.

    Example:
        >>> sim = simulate_partition(2, 200, 8, trials=20, seed=1, progress=False)
        >>> bool(sim.n_regions.max() <= 37)   # r(8, 2) = 37 regions at most
        True
        >>> 0.5 <= sim.accuracy.mean <= 1.0
        True
    """
    d = v.count("d", d, minimum=1, maximum=MAX_DIMENSION)
    N = v.count("N", N, minimum=1, maximum=MAX_POINTS)
    L = v.count("L", L, minimum=1, maximum=MAX_UNITS)
    trials = v.count("trials", trials, minimum=1, maximum=MAX_TRIALS)
    dist = v.choice("dist", dist, _DISTS, _DIST_ALIASES)
    init = v.choice("init", init, _core.CHOICES["init"], _core.ALIASES["init"])
    seed = v.seed(seed)
    if threads is not None:
        threads = v.count("threads", threads, minimum=1, maximum=_core.MAX_THREADS)
    _core.simulate_check(d, N, L, trials)   # the whole run against max_work and max_bytes, before the first batch
    # Batches of at most ~1/50 of the run and ~2e7 point-neuron products: the bar moves,
    # and Ctrl-C lands between two short Rust calls (results do not depend on batching).
    batch = max(1, min(trials // 50, max(8, _BATCH_WORK // (N * L))))
    regions, accs, capped = [], [], []
    # The occupancy histogram is summed as the batches come (each can have up to N + 1 entries: keeping them all
    # until the end held trials / batch of them, gigabytes at N = 10^8), in the same order as before.
    hist = np.zeros(0)
    with progress_bar(trials, desc=f"simulate d={d} N={N} L={L}", progress=progress, unit="trial") as bar:
        for first in range(0, trials, batch):
            count = min(batch, trials - first)
            r, a, h, c = _core.simulate_trials(d, N, L, dist, init, seed, first, count, threads)
            regions.append(r)
            capped.append(c)
            accs.append(a)
            if h.size > hist.size:
                hist = np.concatenate([hist, np.zeros(h.size - hist.size)])
            hist[: h.size] += h
            bar.update(count)
    return PartitionSim(d, N, L, trials, dist, init, seed, np.concatenate(regions).astype(np.int64),
                        np.concatenate(accs), hist / trials, np.concatenate(capped).astype(np.int64))
