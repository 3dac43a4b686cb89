"""The estimate's result types: :class:`AccuracyEstimate` and the model's intermediate quantities behind it,
:class:`EstimateDetails` (:func:`~nnpartition.estimate.estimate_accuracy` returns them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Generic, List, Optional, Tuple, TypeVar, Union

import numpy as np
from numpy.typing import NDArray

from .. import _display
from .._frozen import ValueResult
from .._json import json_ready
from .._repr import short_repr
from ..training import Protocol

__all__ = ["AccuracyEstimate", "EstimateDetails"]

T = TypeVar("T", float, NDArray[np.float64])


@dataclass(frozen=True, eq=False)
class EstimateDetails(ValueResult, Generic[T]):
    """The model's intermediate quantities behind an :class:`AccuracyEstimate` (see ``docs/theory.md``).

    Attributes:
        p_eff: gated-linear directions of all layers before the budget limits them.
        k_sat: directions the training budget lets the first layer resolve, ``(d + 1) m^d``.
        k_eff: the analytic model's effective dimension ``K``.
        load: its load ``N / K`` (the fitted correction warps this load, then reads the model's curve there).
        budget: the protocol's training budget relative to the reference protocol (``rho``).
        m: cells per input axis this budget resolves.
        k_time: directions this budget can fit at all (``A rho^beta ((d + 1) / 11)^omega``, ``omega = 3/2``).
        uncorrected: the analytic model's accuracy before the fitted correction (and before the ceiling).
        correction: what the fitted correction added (``docs/theory.md``, item 12 "a warp of the load"),
            including the floor where ``N <= d + 1`` and, for a minibatch ``b < N``, the cap at the full-batch
            estimate at ``N = b`` (rule 27); ``k_eff``, ``load`` and ``budget`` stay those of ``N`` points.
        dist, protocol: the input law and the training protocol.
        widths: hidden widths of a deeper network (``None`` for one layer).
        trials, ci95, dof_measured, occupied_regions, majority_accuracy: Monte Carlo only
            (``None`` otherwise): trials, 95% interval of the mean (``(nan, nan)`` for one trial, which has no
            spread; ``[null, null]`` in JSON), ``p_eff`` with the first layer's directions
            counted on the sampled partitions (the mean over trials of ``1 + min(sum over cells of min(points,
            d + 1), L min(d + 1, q N)) d / (d + r)``, the count times ``1 + gauss`` for Gaussian inputs: never
            above the analytic ``p_eff``, whose count is the second term of that minimum), occupied cells and
            majority-vote accuracy of the sampled partitions.

    ``details["k_eff"]`` reads a field by name; ``"trials" in details`` says whether it is set.

    Example:
        >>> from nnpartition import estimate_accuracy
        >>> details = estimate_accuracy(10, 1000, 20).details
        >>> round(details["k_eff"], 1), round(details.load, 2)   # K, and the load N / K
        (167.6, 5.97)
        >>> "trials" in details, details.get("trials", "analytic: no trials")   # Monte Carlo fields unset
        (False, 'analytic: no trials')
        >>> details.to_dict()["protocol"]["steps"]                # JSON-ready, the protocol a dict
        4000
    """

    p_eff: T
    k_sat: T
    k_eff: T
    load: T
    budget: T
    m: T
    k_time: T
    uncorrected: T
    correction: T
    dist: str
    protocol: Protocol
    widths: Optional[List[int]] = None
    trials: Optional[int] = None
    ci95: Optional[Tuple[float, float]] = None
    dof_measured: Optional[float] = None
    occupied_regions: Optional[float] = None
    majority_accuracy: Optional[float] = None

    __repr__ = short_repr

    def __getitem__(self, key: str) -> Any:
        if key not in self:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.__dataclass_fields__ and getattr(self, key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` when it is not set."""
        return self[key] if key in self else default

    def to_dict(self) -> Dict[str, Any]:
        """The set fields as a JSON-ready dict (arrays become lists, the protocol a dict, a non-finite number, such
        as an infinite ``k_sat`` in high ``d``, ``None``)."""
        out: Dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            x = getattr(self, k)
            if x is None:
                continue
            out[k] = x.to_dict() if isinstance(x, Protocol) else json_ready(x)
        return out


@dataclass(frozen=True, eq=False)
class AccuracyEstimate(ValueResult, Generic[T]):
    """An estimate of the training accuracy a network reaches on random labels.

    Attributes:
        accuracy: the estimate (a float for a scalar call, an array when the inputs were arrays).
        low, high: a band meant to contain the real accuracy for at least 90% of
            configurations (checked on held-out configurations and protocols, see ``docs/theory.md``).
        ceiling: the best accuracy any network of this size could reach on such
            data (expected over random labels): exact for ``d = 1`` up to a size,
            a counting upper bound otherwise; ``nan`` when not computed (``ceiling=False``).
        method: ``"analytic"`` or ``"monte_carlo"``.
        details: the model's intermediate quantities (effective dimension, load, budget, ...).
        seed: the integer seed ``"monte_carlo"`` actually used (what ``seed=`` resolved to); passing it as
            ``seed=`` repeats the run. ``None`` for ``"analytic"``, which draws nothing.
        d, N, widths, dist, protocol: the question, named and read as :class:`~nnpartition.AccuracyMeasurement`
            names its own (so an estimate and a measurement of the same question agree on all five): ``d`` and
            ``N`` ints, ``widths`` the hidden widths as a tuple (``(L,)`` for a two-layer network; ``L`` reads its
            first), ``dist`` the input law's name (``"gaussian"`` for ``"normal"``), ``protocol`` the training
            :class:`~nnpartition.Protocol` (the reference protocol when none was given). An array call gives ``d``
            and ``N`` as int64 arrays broadcast to the shape of ``accuracy`` (entry ``i`` is the question of
            ``accuracy[i]``) and ``widths`` as ``(L,)`` with ``L`` such an array. Not shown by ``repr``: the
            protocol (``print(e.protocol)``).

    Example:
        >>> from nnpartition import estimate_accuracy
        >>> e = estimate_accuracy(10, 1000, 20)
        >>> e.low <= e.accuracy <= e.high <= e.ceiling, e.method, e.seed
        (True, 'analytic', None)
        >>> round(e.accuracy, 2), e.to_dict()["ceiling"]
        (0.78, 1.0)
        >>> estimate_accuracy(10, 1000, 20, ceiling=False).to_dict()["ceiling"] is None   # nan: JSON null
        True
        >>> e.d, e.N, e.widths, e.L, e.dist, e.protocol.steps    # the question it answers
        (10, 1000, (20,), 20, 'uniform', 4000)
        >>> a = estimate_accuracy(10, [100, 1000], 20)           # an array call: the question broadcast
        >>> a.d, a.N, a.L
        (array([10, 10]), array([ 100, 1000]), array([20, 20]))
    """

    accuracy: T
    low: T
    high: T
    ceiling: T
    method: str
    details: EstimateDetails[T] = field(repr=False)
    seed: Optional[int] = field(default=None, repr=False)
    # the question (after the fields above, with defaults: positional construction still works), as
    # AccuracyMeasurement names it; ints for a scalar call, int64 arrays shaped as ``accuracy`` for an array call
    d: Union[int, NDArray[np.int64]] = 0
    N: Union[int, NDArray[np.int64]] = 0
    widths: Tuple[Union[int, NDArray[np.int64]], ...] = ()
    dist: str = "uniform"
    protocol: Protocol = field(default_factory=Protocol, repr=False)   # its repr alone is 100 characters

    # a scalar estimate prints as the dataclass would; an array one lists its arrays by shape (an array of 1000
    # configurations printed 44,000 characters), up to 8 entries in full
    __repr__ = short_repr

    def __str__(self) -> str:
        """What ``print`` shows: a scalar estimate as one line in the command line's words, an array one as its
        ``repr``.

        Example:
            >>> from nnpartition import estimate_accuracy
            >>> print(estimate_accuracy(10, 1000, 20))
            estimated training accuracy 0.7814 (90% band 0.7520 .. 0.8135), ceiling 1.0000, analytic
        """
        if np.ndim(self.accuracy) != 0:
            return repr(self)
        ceiling = "not computed" if np.isnan(self.ceiling) else f"{float(self.ceiling):.4f}"
        seed = "" if self.seed is None else f" (seed {self.seed})"
        return (f"estimated training accuracy {float(self.accuracy):.4f} "
                f"(90% band {float(self.low):.4f} .. {float(self.high):.4f}), "
                f"ceiling {ceiling}, {self.method}{seed}")

    @_display.never_raises
    def _repr_html_(self) -> str:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): a scalar estimate as a table
        of its question and its answer (the estimate, its 90% band, the ceiling); an array one as a table of its
        configurations, one a row (the first 20), under the input law and the protocol they share.

        Example:
            >>> from nnpartition import estimate_accuracy
            >>> "<td>0.7814</td>" in estimate_accuracy(10, 1000, 20)._repr_html_()
            True
        """
        caption = f"AccuracyEstimate ({self.method}{'' if self.seed is None else f', seed {self.seed}'})"
        shared: List[Tuple[str, Any]] = [("dist", self.dist), ("protocol", self.protocol.describe())]
        if np.ndim(self.accuracy) == 0:
            ceiling = "not computed" if np.isnan(self.ceiling) else self.ceiling
            return _display.html_table(caption, [
                ("question", [("d", self.d), ("N", self.N), ("widths", self.widths), *shared]),
                ("answer", [("accuracy", self.accuracy), ("90% band: low", self.low), ("90% band: high", self.high),
                            ("ceiling", ceiling)])])
        shape = np.shape(self.accuracy)
        columns: Dict[str, Any] = {"d": self.d, "N": self.N, **{f"width {i + 1}": w for i, w in enumerate(self.widths)},
                   "accuracy": self.accuracy, "low": self.low, "high": self.high, "ceiling": self.ceiling}
        flat: List[NDArray[Any]] = [np.broadcast_to(np.asarray(x), shape).ravel() for x in columns.values()]
        n = int(np.prod(shape))
        rows: List[List[Any]] = []
        for i in range(min(n, _display.MAX_ROWS)):
            ix = tuple(int(j) for j in np.unravel_index(i, shape))
            rows.append([str(ix[0] if len(ix) == 1 else ix)] + [x[i] for x in flat])
        grid = _display.html_grid(caption, ["index", *columns], rows, total=n)
        return grid + _display.html_table("", [("", shared)])

    @property
    def L(self) -> Union[int, NDArray[np.int64]]:
        """Width of the first hidden layer (an array for an array call; ``0`` when no question was given)."""
        return self.widths[0] if self.widths else 0

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dictionary (arrays become lists; a non-finite number, such as the ``nan`` ceiling of
        ``ceiling=False``, ``None``): the question first (``d``, ``N``, ``L`` for one hidden layer, ``widths``,
        ``dist``, ``protocol`` as a dict), as ``nnpartition estimate --json`` writes it and
        ``AccuracyMeasurement.to_dict()`` names its own, then the answer, with ``seed`` for a Monte Carlo
        estimate."""
        # L beside widths for one hidden layer, as a measurement's to_dict and every command's JSON give it
        size = {"L": json_ready(self.L)} if len(self.widths) == 1 else {}
        return {"d": json_ready(self.d), "N": json_ready(self.N), **size, "widths": json_ready(self.widths),
                "dist": self.dist, "protocol": self.protocol.to_dict(),
                "accuracy": json_ready(self.accuracy), "low": json_ready(self.low), "high": json_ready(self.high),
                "ceiling": json_ready(self.ceiling), "method": self.method, "details": self.details.to_dict(),
                **({} if self.seed is None else {"seed": self.seed})}
