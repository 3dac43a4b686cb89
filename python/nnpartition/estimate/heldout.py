"""How far the estimate was off on held-out measurements, for questions like one given (:func:`heldout_errors`): a
lookup of the measured table ``nnpartition._heldout_errors`` by region; docs/theory.md, "How far to trust one
estimate"."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from .. import _core, _heldout_errors
from .. import _validate as v
from ..training import Protocol
from ..training.protocol import _settings_go_in_protocol
from .arguments import (_ALIASES, _DISTS, _REFERENCE, ScalarSize, _hidden_params, _plain_question, _protocol,
                        _scalar_size, _widths)
from .validity import _in_range, _range_problems

__all__ = ["heldout_errors", "HeldOutErrors", "LARGE_STEP", "NARROW_LATER", "NEAR_CAPACITY", "HELDOUT_DEEP_D"]


#: The regions of :func:`heldout_errors` (forty-first pass on issue 11): their factors are the mechanisms "Where it
#: fails, and why" in docs/theory.md names, from earlier breakdowns of the same held-out and fresh rows by each factor
#: alone; the 14 cells they cross into were fixed before their table was computed, once. A learning rate at or above
#: these is a large step (Adam, SGD with momentum 0.9; the bounds of the deep misses' classes, ``MISS_CLASSES`` in
#: benchmarks/calibrate_protocols.py), ...
LARGE_STEP = {"adam": 0.04, "sgd": 0.15}
#: ... a hidden layer after the first of at most this many units is a narrow later layer, ...
NARROW_LATER = 9
#: ... and ``N / P`` strictly between these is near capacity (``P``: the hidden layers' weights and biases and the
#: output bias, as the correction's feature ``ln(N/P)`` counts them).
NEAR_CAPACITY = (1.0, 4.0)
#: The protocol grids held out no deep network with ``d`` above this (every grid drew a deep network's ``d`` in
#: 1-50; the core's ``CALIBRATED_DEEP_D``, where the band's step ``sigma_high_d`` starts): a deep question above it
#: gets the figures of draw 37 instead, 601 deep networks at ``d`` 51-200 that no fit has read, measured apart on 3
#: datasets (seventieth pass on issue 11), in two halves, ``d`` 51-99 and 100-200.
HELDOUT_DEEP_D = int(_core.CALIBRATED_DEEP_D)
_GROUPS = {"reference": "reference protocol, two layers", "protocols": "other protocols, two layers",
           "deep": "deep networks"}


@dataclass(frozen=True)
class HeldOutErrors:
    """How far the estimate was off on the held-out measurements of the region a question lies in (what
    :func:`heldout_errors` returns).

    The errors are the shipped estimate's against the mean of 9 datasets of real training (each row under its own
    protocol), on the 6,528 held-out configurations, which no constant or tree of the estimator was fitted on;
    ``python benchmarks/heldout_regions.py`` recomputes them from ``docs/data``. The grids held out no deep network
    with ``d`` above 50 (:data:`HELDOUT_DEEP_D`): a deep question there gets the figures of the 601 deep networks at
    ``d`` 51-200 measured apart (draw 37; no fit read them), against the mean of 3 datasets, for its half of that
    range (``d`` 51-99 or 100-200; the flags below then describe the question, the figures do not depend on them),
    and ``truth_datasets`` is 3.

    Attributes:
        region: the region's name, e.g. ``"deep networks, large steps, narrow later layer"``.
        group: ``"reference"`` (two layers, the reference protocol), ``"protocols"`` (two layers, any other
            protocol) or ``"deep"`` (two or more hidden layers), as the issue's targets group them.
        large_steps: Adam with ``lr >= 0.04`` or SGD with ``lr >= 0.15`` (:data:`LARGE_STEP`).
        narrow_later_layer: a hidden layer after the first has at most 9 units (:data:`NARROW_LATER`).
        near_capacity: ``1 < N / P < 4`` (:data:`NEAR_CAPACITY`).
        rows: held-out configurations measured in the region (configurations no fit has read).
        mae: their mean absolute error.
        largest: their largest error.
        share_off: the share of them off by more than 0.06 (the max target of other protocols and deep networks).
        in_band: the share whose real accuracy lies inside the estimate's 90% band.
        nontrivial_rows, nontrivial_mae: the same on the non-trivial rows (real or estimate below 0.999).
        inside_range: whether the question lies inside :func:`validated_range`; outside it these figures describe
            the region's measured part, not the question.
        truth_datasets: the datasets of real training each row's truth is the mean of: 9 for the held-out rows, 3
            for a deep question above ``d`` = 50 (draw 37).

    Example:
        >>> e = heldout_errors(2, 300, widths=[64, 8, 64], protocol=Protocol(lr=0.05))
        >>> e.region
        'deep networks, large steps, narrow later layer'
        >>> e.share_off > heldout_errors(2, 300, widths=[64, 64, 64]).share_off   # large steps, narrow layer: worse
        True
        >>> high = heldout_errors(150, 5000, widths=[16, 16])   # deep above d = 50: draw 37's figures
        >>> high.region, high.truth_datasets
        ('deep networks, d 100-200', 3)
    """

    region: str
    group: str
    large_steps: bool
    narrow_later_layer: bool
    near_capacity: bool
    rows: int
    mae: float
    largest: float
    share_off: float
    in_band: float
    nontrivial_rows: int
    nontrivial_mae: float
    inside_range: bool
    truth_datasets: int = 9

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def describe(self) -> str:
        """One line for people: the region and its figures.

        Example:
            >>> print(heldout_errors(10, 1000, 32).describe())   # doctest: +ELLIPSIS
            reference protocol, two layers, near capacity: MAE 0.0... on ... held-out configurations, none of them ...
        """
        off = round(self.share_off * self.rows)
        what = ("held-out configurations" if self.truth_datasets == 9 else
                f"configurations measured apart, no fit read them (the grids held out no deep row above d "
                f"{HELDOUT_DEEP_D}; {self.truth_datasets} datasets each)")
        text = (f"{self.region}: MAE {self.mae:.4f} on {self.rows} {what}, "
                f"{'none' if off == 0 else off} of them off by more than 0.06 (largest {self.largest:.3f}), "
                f"{self.in_band:.0%} inside the 90% band")
        if not self.inside_range:
            text += "; this question lies outside the validated range, where nothing was measured"
        return text


def _heldout_region(d: int, N: int, ws: Sequence[int], proto: Protocol) -> Tuple[str, bool, bool, bool]:
    """``(group, large steps, narrow later layer, near capacity)`` of a question (:class:`HeldOutErrors`)."""
    deep = len(ws) > 1
    if proto.batch_size is not None and proto.batch_size >= N:   # trained full batch, and estimated so
        proto = dataclasses.replace(proto, batch_size=None)
    group = "deep" if deep else ("reference" if proto == _REFERENCE else "protocols")
    large = group != "reference" and proto.lr >= LARGE_STEP[proto.optimizer]
    narrow = deep and min(ws[1:]) <= NARROW_LATER
    near = NEAR_CAPACITY[0] < N / (1 + _hidden_params(d, ws)[0]) < NEAR_CAPACITY[1]
    return group, large, narrow, near


def _region_name(key: Tuple[str, bool, bool, bool]) -> str:
    group, large, narrow, near = key
    flags = [name for name, on in (("large steps", large), ("narrow later layer", narrow), ("near capacity", near))
             if on]
    return ", ".join([_GROUPS[group]] + flags)


@_settings_go_in_protocol
def heldout_errors(d: ScalarSize, N: ScalarSize, L: Optional[ScalarSize] = None, *,
                   widths: Optional[Iterable[int]] = None, dist: str = "uniform",
                   protocol: Optional[Protocol] = None) -> HeldOutErrors:
    """How far the estimate was off, on held-out measurements, for questions like this one.

    The band of :func:`estimate_accuracy` holds the real accuracy for about 96% of the held-out configurations of
    each group, but the errors are not spread evenly: none of the held-out two-layer networks under the reference
    protocol was off by more than 0.06 (against the 9-dataset truth), and about one in ten deep networks trained
    with large steps and a narrow later layer was. This puts one question in one of 14 regions: its group (the
    issue's targets': the reference protocol, other protocols, deep networks) and whether it trains with large
    steps, has a narrow layer after the first and lies near capacity (:class:`HeldOutErrors`), and returns that
    region's measured errors; the regions order the errors of a blind test draw, measured after they were fixed,
    nearly as they order the held-out ones (docs/theory.md, "A blind test"). A table lookup, about 5 µs (``python
    benchmarks/bench_estimate.py --calls``, its last figure, on 2 shared cores). ``dist`` is checked but does not
    enter (the regions pool both input laws); a batch of ``N`` points or more is a full batch, as for the estimate.
    docs/theory.md, "How far to trust one estimate", has the table; ``nnpartition estimate`` and ``nnpartition
    size`` print the line of :meth:`HeldOutErrors.describe`.

    Example:
        >>> e = heldout_errors(20, 3000, widths=[64, 32], protocol=Protocol(optimizer="sgd", lr=0.2, batch_size=64))
        >>> e.group, e.large_steps, e.narrow_later_layer, e.near_capacity
        ('deep', True, False, False)
        >>> print(e.describe())   # doctest: +ELLIPSIS
        deep networks, large steps: MAE 0.0... on ... held-out configurations, ... of them off by more than 0.06 ...
    """
    # plainly valid sizes take the scalar estimate's fast test; anything else the checks that name the argument
    plain = _plain_question(d, N, L, widths)
    if plain is None:
        why = "(heldout_errors answers one question; call it for each)"
        d, N = _scalar_size("d", d, why=why), _scalar_size("N", N, why=why)
        ws = ((_scalar_size("L", L, why=why, hint=v.widths_hint),) if L is not None and widths is None
              else _widths(L, widths))
    else:
        d, N, ws = plain
    if dist not in _DISTS:
        v.choice("dist", dist, _DISTS, _ALIASES)
    proto = _protocol(protocol)
    key = _heldout_region(d, N, ws, proto)
    inside = _in_range(d, N, ws, proto) or not _range_problems(d, N, ws, proto)   # the cheap test first
    if key[0] == "deep" and d > HELDOUT_DEEP_D:
        high = d >= 100
        rows, mae, largest, share, band, nt_rows, nt_mae = _heldout_errors.DEEP_ABOVE_50[high]
        return HeldOutErrors(f"deep networks, d {'100-200' if high else '51-99'}", *key, rows, mae, largest, share,
                             band, nt_rows, nt_mae, inside, 3)
    rows, mae, largest, share, band, nt_rows, nt_mae = _heldout_errors.TABLE[key]
    return HeldOutErrors(_region_name(key), *key, rows, mae, largest, share, band, nt_rows, nt_mae, inside)
