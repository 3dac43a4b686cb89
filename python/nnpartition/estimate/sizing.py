"""Sizing questions answered with the estimate: how wide a network must be for a target training accuracy
(:func:`required_width`), and how many points a network fits to it (:func:`max_samples`). Both are searches over the
estimate of :mod:`.accuracy`, run in the Rust core; docs/theory.md, "Sizing"."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .. import _core, _display
from .. import _validate as v
from ..training import Protocol
from ..training.protocol import _settings_go_in_protocol
from .arguments import _ALIASES, _DISTS, MAX_SIZE, ScalarSize, _protocol, _widths
from .validity import _in_range, _protocol_info, _range, _warn_answer, _warn_range

__all__ = ["required_width", "max_samples", "WidthAnswer", "SamplesAnswer"]


@dataclass(frozen=True)
class WidthAnswer:
    """What :func:`required_width` returns (``None``: not reached with up to ``max_width`` units, the search's limit,
    which the answer carries).

    Attributes:
        L: the smallest first-layer width whose estimate reaches the target (the hidden widths are ``shape``
            scaled to it, :attr:`widths`: ``L`` units in each of ``layers`` equal layers, the default).
            ``L_safe`` and ``L_optimistic`` are first-layer widths too (:meth:`widths_at` scales the shape to each).
        L_safe: the smallest width whose band's lower edge reaches it (a conservative choice). ``None`` whenever
            ``N <= 1 / (1 - target)`` (a target above 1/2; precisely, whenever ``1 - 1/N`` in floating point is at
            most the target): the lower edge is at least one point (``1/N``) below the estimate, which is below 1
            (the all-off dead zone never vanishes), so it stays below ``1 - 1/N`` at any width.
        L_optimistic: the smallest width whose band's upper edge reaches it.
        d, N, target, dist, protocol: the question.
        max_width: the search's limit (an argument of :func:`required_width`): an answer ``None`` means "not reached
            with up to ``max_width`` units", which says "no width reaches it" only as far as the limit goes (read a
            ``None`` under a small ``max_width`` against it, as :class:`SamplesAnswer`'s ``N`` against ``max_n``).
        shape: the hidden widths as multiples of the first (``(1.0,)``: a two-layer network; ``(1.0, 1.0)`` for
            ``layers=2``; ``(1.0, 0.5)``: a second layer half as wide, rounded up), as :func:`required_width` took
            it. :attr:`layers` is its length.

    Example:
        >>> a = required_width(10, 5000, 0.99)
        >>> a.L_optimistic, a.L, a.L_safe                 # the band's upper edge reaches it first
        (193, 234, 261)
        >>> required_width(5, 50, 0.99).L_safe is None    # N <= 1 / (1 - target): the lower edge never reaches it
        True
        >>> a.to_dict()["protocol"]["optimizer"]
        'adam'
        >>> b = required_width(10, 5000, 0.99, max_width=200)   # the search's limit: L = 234 is past it
        >>> b.L, b.L_optimistic, b.max_width
        (None, 193, 200)
        >>> c = required_width(10, 5000, 0.99, layers=2)   # two hidden layers of L units each
        >>> c.widths, c.to_dict()["widths"], c.to_dict()["layers"], c.shape
        ((44, 44), [44, 44], 2, (1.0, 1.0))
        >>> e = required_width(10, 5000, 0.99, shape=(1, 0.5))  # a second layer half as wide as the first
        >>> e.L, e.widths, e.widths_at(e.L_safe), e.to_dict()["shape"]
        (60, (60, 30), (79, 40), [1.0, 0.5])
    """

    L: Optional[int]
    L_safe: Optional[int]
    L_optimistic: Optional[int]
    d: int
    N: int
    target: float
    dist: str
    protocol: Protocol
    max_width: int
    shape: Tuple[float, ...] = (1.0,)

    @property
    def layers(self) -> int:
        """The number of hidden layers (``len(shape)``; 1: a two-layer network)."""
        return len(self.shape)

    @property
    def widths(self) -> Optional[Tuple[int, ...]]:
        """The hidden widths of the answer ``L`` (``None`` when ``L`` is): :meth:`widths_at` of it, ``(L,) * layers``
        for equal layers; what :func:`estimate_accuracy` takes as ``widths=`` and :class:`SamplesAnswer` carries."""
        return self.widths_at(self.L)

    def widths_at(self, L: Optional[int]) -> Optional[Tuple[int, ...]]:
        """The hidden widths of :attr:`shape` at a first layer of ``L`` units (``None`` for ``None``): each entry
        ``r`` gives ``ceil(r * L)`` units, at least one, as the search scaled it (the core's one definition, which
        reads a ratio as written: ``0.1 * 30`` is 3 units, not the 4 that floating point's ``3.0000000000000004``
        would round up to). For ``L_safe``, ``L_optimistic`` or any other first-layer width, 1 to 2^50.

        Example:
            >>> required_width(3, 100, 0.9, shape=(1, 0.5)).widths_at(10)
            (10, 5)
        """
        if L is None:
            return None
        # checked as a size (an int, or a float of whole value): float(L) made 10**400 an OverflowError and '3' a width
        L = v.size("L", L, minimum=1, maximum=2**50)   # (the core's largest scaled width)
        return tuple(_core.shape_widths(list(self.shape), float(L)))

    @_display.never_raises
    def _repr_html_(self) -> str:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): the three widths and
        their hidden widths, then the question (a width not reached up to ``max_width`` is ``none``).

        Example:
            >>> "<td>234</td>" in required_width(10, 5000, 0.99)._repr_html_()
            True
        """
        def width(L: Optional[int]) -> Any:
            return "none" if L is None else L

        def widths(L: Optional[int]) -> Any:
            return "none" if L is None else self.widths_at(L)

        shape = [] if self.shape == (1.0,) else [("shape", ", ".join(f"{r:g}" for r in self.shape))]
        return _display.html_table("WidthAnswer (required_width)", [
            ("answer: the first hidden layer's width", [
                ("L (the estimate)", width(self.L)), ("L_safe (the band's lower edge)", width(self.L_safe)),
                ("L_optimistic (the band's upper edge)", width(self.L_optimistic)), ("widths", widths(self.L)),
                ("widths_safe", widths(self.L_safe)), ("widths_optimistic", widths(self.L_optimistic))]),
            ("question", [("d", self.d), ("N", self.N), ("target", repr(self.target)), ("layers", self.layers), *shape,
                          ("dist", self.dist), ("protocol", self.protocol.describe()),
                          ("max_width (the search's limit)", self.max_width)])])

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (``widths``: :attr:`widths`, ``[L] * layers`` for equal layers, or ``null`` with
        ``L``; ``widths_safe`` and ``widths_optimistic`` those of ``L_safe`` and ``L_optimistic``, :meth:`widths_at`;
        ``shape`` as a list)."""
        def listed(L: Optional[int]) -> Optional[List[int]]:
            ws = self.widths_at(L)
            return None if ws is None else list(ws)

        return {"L": self.L, "L_safe": self.L_safe, "L_optimistic": self.L_optimistic, "widths": listed(self.L),
                "widths_safe": listed(self.L_safe), "widths_optimistic": listed(self.L_optimistic),
                "layers": self.layers, "shape": list(self.shape),
                "d": self.d, "N": self.N, "target": self.target, "dist": self.dist,
                "protocol": self.protocol.to_dict(), "max_width": self.max_width}


@dataclass(frozen=True)
class SamplesAnswer:
    """What :func:`max_samples` returns (0: not even one point reaches the target).

    Attributes:
        N: the largest number of points whose estimate reaches the target.
        N_safe: the largest ``N`` up to which the band's lower edge reaches it, from the first ``N`` where it
            does (a conservative choice). The lower edge is at least one point (``1/N``) below an estimate below 1,
            so at ``1 / (1 - target)`` points and fewer it cannot reach a target above 1/2; fewer points are easier
            all the same.
        N_optimistic: the largest ``N`` up to which the band's upper edge reaches it (the band's noise term
            shrinks with ``N``, so an edge can come back above the target further on; that is not counted).
            An answer outside the validated ``N`` range warns (an :class:`ExtrapolationWarning`), as an answer ``L``
            of :func:`required_width` outside its ``L`` range does.
        d, widths, target, dist, protocol: the question.
        max_n: the search's limit (an argument of :func:`max_samples`): an answer equal to it means "at least
            ``max_n``" (no warning says so: the answer itself does).

    Example:
        >>> a = max_samples(10, 64, 0.99)
        >>> a.N_safe, a.N, a.N_optimistic, a.widths
        (1298, 1507, 1824, (64,))
        >>> b = max_samples(10, 64, 0.99, max_n=1000)        # the search's limit: "at least 1000"
        >>> b.N, b.max_n
        (1000, 1000)
        >>> max_samples(10, widths=[16, 16], target=0.9).to_dict()["widths"]
        [16, 16]
    """

    N: int
    N_safe: int
    N_optimistic: int
    d: int
    widths: Tuple[int, ...]
    target: float
    dist: str
    protocol: Protocol
    max_n: int

    @_display.never_raises
    def _repr_html_(self) -> str:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): the three ``N``, then the
        question (an answer equal to ``max_n`` reads "at least").

        Example:
            >>> "<td>1507</td>" in max_samples(10, 64, 0.99)._repr_html_()
            True
        """
        at_limit = any(n >= self.max_n for n in (self.N, self.N_safe, self.N_optimistic))
        return _display.html_table("SamplesAnswer (max_samples)", [
            ("answer: the number of points", [
                ("N (the estimate)", self.N), ("N_safe (the band's lower edge)", self.N_safe),
                ("N_optimistic (the band's upper edge)", self.N_optimistic)]),
            ("question", [("d", self.d), ("widths", self.widths), ("target", repr(self.target)), ("dist", self.dist),
                          ("protocol", self.protocol.describe()), ("max_n (the search's limit)", self.max_n)])],
            note=f"an answer of max_n = {self.max_n} means at least {self.max_n}" if at_limit else "")

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict."""
        return {"N": self.N, "N_safe": self.N_safe, "N_optimistic": self.N_optimistic, "d": self.d,
                "widths": list(self.widths), "target": self.target, "dist": self.dist,
                "protocol": self.protocol.to_dict(), "max_n": self.max_n}


def _target(target: Any) -> float:
    """The sizing functions' ``target``: from 1/2 up to, not including, 1. The estimate is an expected accuracy,
    below 1 on two points or more (the all-off dead zone never vanishes), so a target of 1 was reached only where
    that term rounds away in floating point (``required_width(10, 1000, 1.0)`` answered 85, where training fits every
    point of 3 datasets at ``L = 42``): refused, with what to ask instead."""
    t = v.real("target", target)
    if not 0.5 <= t <= 1.0:   # said "must be <= 1.0" above 1, and then 1 itself was refused: the limits as they are
        raise ValueError(f"target must be >= 0.5 and below 1 (a training accuracy), got {t}")
    if t == 1.0:
        raise ValueError("target must be below 1, got 1: the estimate is an expected accuracy, which reaches 1 only "
                         "by floating-point rounding; to fit every one of N points ask for 1 - 1/(2N) (0.9995 for "
                         "N = 1000)")
    return t


#: Largest entry of :func:`required_width`'s ``shape``: a hidden layer at most this many times as wide as the first
#: (the core's ``estimate::MAX_SHAPE_RATIO``).
MAX_SHAPE_RATIO: float = _core.MAX_SHAPE_RATIO


def _shape(value: Any) -> Tuple[float, ...]:
    """:func:`required_width`'s ``shape``: an ordered iterable of 1 to ``MAX_LAYERS`` real numbers, the first 1,
    each finite, above 0 and at most :data:`MAX_SHAPE_RATIO`. The kind of each entry and their count are checked
    here (before the core's conversion, which names no argument, and before an endless generator is read to its
    end); the values by the core's ``check_shape``, in its words, the ones :meth:`WidthAnswer.widths_at` gives, with
    the fix of a first entry that is not 1 added.

    Example:
        >>> _shape([1, 0.5]), _shape(range(1, 2))
        ((1.0, 0.5), (1.0,))
        >>> _shape((2, 1))
        Traceback (most recent call last):
        ...
        ValueError: shape[0] must be 1 (the first hidden layer, whose width L is the answer; the others are \
multiples of it), got 2: divide by it, shape=(1.0, 0.5)
    """
    v.sequence("shape", value, "ratios of each hidden layer's width to the first's")
    rs = list(itertools.islice(value, v.MAX_LAYERS + 1))   # a generator that never ends is not read to its end
    if not rs or len(rs) > v.MAX_LAYERS:
        # (of an iterable without a length, only what was read is known: an endless one is "more than" the limit)
        got = len(value) if hasattr(value, "__len__") else len(rs) if not rs else f"more than {v.MAX_LAYERS}"
        raise ValueError(f"shape must have 1 to {v.MAX_LAYERS} entries (one a hidden layer), got {got}")
    out = tuple(_ratio(f"shape[{i}]", r) for i, r in enumerate(rs))
    try:
        _core.shape_widths(list(out), 1.0)   # the core's check_shape: one rule, one message
    except ValueError as e:
        if not str(e).startswith("shape[0] must be 1"):
            raise
        raise ValueError(f"{e}: divide by it, shape={tuple(r / out[0] for r in out)}") from None
    return out


def _ratio(name: str, r: Any) -> float:
    """An entry of a ``shape`` as a float: a ``TypeError`` naming it if it is no real number (``v.real``'s); a
    non-finite one is returned for the core's check to refuse with the rest of its rule."""
    try:
        return v.real(name, r)
    except ValueError:   # not finite
        try:
            return float(r)
        except OverflowError:   # an integer too large for a float
            return math.inf


@_settings_go_in_protocol
def required_width(d: ScalarSize, N: ScalarSize, target: float, *, layers: Optional[ScalarSize] = None,
                   shape: Optional[Iterable[float]] = None, dist: str = "uniform", protocol: Optional[Protocol] = None,
                   max_width: ScalarSize = 1 << 20) -> WidthAnswer:
    """The smallest first-layer width ``L`` of a network of hidden widths ``shape`` scaled to ``L`` (by default
    ``layers`` hidden layers of ``L`` units each; the default, one: a two-layer network) whose estimated training
    accuracy reaches ``target``.

    Also the width at which the band's lower edge reaches it (``L_safe``, what
    to choose when falling short is costly) and its upper edge (``L_optimistic``).
    About 60 model evaluations in Rust: 0.1-0.4 ms (``python benchmarks/bench_estimate.py --sizing`` on 2 shared
    cores: 0.09-0.18 ms under the reference protocol, 0.28-0.37 ms under SGD with minibatches, 0.36-0.40 ms for
    four hidden layers under SGD). ``None`` when even
    ``max_width`` units (the search's limit, default 2^20) do not reach the target under this protocol (in
    ``d = 1`` and ``d = 2`` the training budget, not the width, limits the accuracy); the answer carries
    ``max_width``, and a ``None`` under a limit below the default says only that no width up to it reaches the
    target (as an answer of :func:`max_samples` equal to ``max_n`` says "at least"). No warning: a small limit
    is a question of its own ("do 64 units do?").
    Each answer's estimate, capped at the accuracy ceiling as :func:`estimate_accuracy`
    reports it, reaches the target (in ``d = 1``, where the ceiling can bind, this takes
    a few exact ceilings, read from a table in the core).
    ``layers`` (1 to 64, as many as ``widths=`` may name) asks for the deep network's widths, ``[L] * layers``
    (:attr:`WidthAnswer.widths`): the estimate of ``estimate_accuracy(d, N, widths=[L] * layers)``, whose error is
    that of the deep estimate (docs/theory.md, "At a glance"); a depth outside the validated range (above 4) warns
    as ``estimate_accuracy`` does. The search is a bisection, which assumes the estimate grows with ``L``: the tests
    check it against a scan for one to four layers (the exception, the band's upper edge dipping just below 1:
    docs/theory.md, "Sizing").
    ``shape`` sizes a network of unequal widths (``d -> L -> L/2 -> 1``: ``shape=(1, 0.5)``) by a scale of a fixed
    shape: the hidden widths are ``ceil(r * L)`` for each entry ``r`` (:meth:`WidthAnswer.widths_at`), at least one
    unit, each non-decreasing in ``L``, so the bisection still holds (the tests check it against a scan for narrowing,
    widening and decimal shapes). The first entry must be 1 (``L`` is the first layer's width), each at most
    :data:`MAX_SHAPE_RATIO` (1000), 1 to 64 entries. ``layers=K`` is ``shape=(1,) * K``; both at once must agree.

    Example:
        >>> from nnpartition import estimate_accuracy
        >>> a = required_width(10, 5000, 0.99)
        >>> a.L_optimistic <= a.L <= a.L_safe
        True
        >>> estimate_accuracy(10, 5000, a.L, ceiling=False).accuracy >= 0.99
        True
        >>> estimate_accuracy(10, 5000, a.L - 1, ceiling=False).accuracy < 0.99
        True
        >>> b = required_width(10, 5000, 0.99, layers=3)
        >>> estimate_accuracy(10, 5000, widths=b.widths).accuracy >= 0.99
        True
        >>> estimate_accuracy(10, 5000, widths=[b.L - 1] * 3).accuracy < 0.99
        True
        >>> c = required_width(10, 5000, 0.99, shape=(1, 0.5))   # d -> L -> L/2 -> 1
        >>> estimate_accuracy(10, 5000, widths=c.widths).accuracy >= 0.99
        True
        >>> estimate_accuracy(10, 5000, widths=c.widths_at(c.L - 1)).accuracy < 0.99
        True
    """
    d = v.size("d", d, minimum=1, maximum=MAX_SIZE)
    N = v.size("N", N, minimum=1, maximum=MAX_SIZE)
    t = _target(target)
    k = None if layers is None else v.size("layers", layers, minimum=1, maximum=v.MAX_LAYERS)
    s = (1.0,) * (k or 1) if shape is None else _shape(shape)
    if k is not None and shape is not None and s != (1.0,) * k:
        raise ValueError(f"layers={k} and shape={s} disagree: layers=K is K hidden layers of L units each, "
                         f"shape=(1,) * K; for unequal widths give shape alone")
    dist = v.choice("dist", dist, _DISTS, _ALIASES)
    proto = _protocol(protocol)
    max_width = v.size("max_width", max_width, minimum=1, maximum=MAX_SIZE)
    # the question's depth, named as given (the answer's widths are checked below)
    if not _in_range(d, N, (1,) * len(s), proto):
        _warn_range(d, N, (1,) * len(s), proto, stacklevel=4, depth_name="layers" if shape is None else "shape")
    out = _core.required_width(float(d), float(N), t, list(s), dist, _protocol_info(proto)[0], float(max_width))
    L, lo, hi = (int(x) or None for x in out)
    a = WidthAnswer(L, lo, hi, d, N, t, dist, proto, max_width, s)
    # the answer's widest layer: L itself unless the shape widens
    widest = [None if x is None else max(a.widths_at(x) or ()) for x in (L, lo, hi)]
    # stacklevel 4: the caller of the decorated required_width (_settings_go_in_protocol's wrapper is a frame)
    _warn_answer("L" if max(s) <= 1.0 else "widest layer", widest, *_range()["L"], stacklevel=4)
    return a


@_settings_go_in_protocol
def max_samples(d: ScalarSize, L: Optional[ScalarSize] = None, target: float = 0.99, *,
                widths: Optional[Iterable[int]] = None, dist: str = "uniform", protocol: Optional[Protocol] = None,
                max_n: ScalarSize = 10**9) -> SamplesAnswer:
    """The largest number of points ``N`` on which a network's estimated training accuracy still reaches ``target``.

    Also the ``N`` up to which the band's lower edge (``N_safe``) and upper edge
    (``N_optimistic``) reach it (see :class:`SamplesAnswer`), each capped at the accuracy ceiling as
    :func:`estimate_accuracy` reports it. 0.3-1 ms (bisection and steps of 2-5% in Rust; ``python
    benchmarks/bench_estimate.py --sizing`` on 2 shared cores: 0.29-0.39 ms for ``max_samples(10, 64, 0.99)``, up
    to 0.96 ms for four hidden layers under SGD; in ``d = 1``, where the ceiling can bind, a few exact ceilings,
    read from a table in the core: 0.2 ms).

    Example:
        >>> from nnpartition import estimate_accuracy
        >>> a = max_samples(10, 64, 0.99)
        >>> 0 < a.N_safe <= a.N <= a.N_optimistic
        True
        >>> at = lambda n: estimate_accuracy(10, n, 64, ceiling=False).accuracy
        >>> at(a.N) >= 0.99 > at(a.N + 1)
        True
    """
    d = v.size("d", d, minimum=1, maximum=MAX_SIZE)
    ws = _widths(L, widths)
    t = _target(target)
    dist = v.choice("dist", dist, _DISTS, _ALIASES)
    proto = _protocol(protocol)
    max_n = v.size("max_n", max_n, minimum=1, maximum=MAX_SIZE)
    if not _in_range(d, None, ws, proto):
        _warn_range(d, None, ws, proto, stacklevel=4)   # the caller of the decorated max_samples
    out = _core.max_samples(float(d), [float(w) for w in ws], t, dist, _protocol_info(proto)[0], float(max_n))
    n, lo, hi = (int(x) for x in out)
    # N <= d + 1 is never outside the range (any labelling fits); an answer of max_n is the search limit
    _warn_answer("N", [x for x in (n, lo, hi) if x > d + 1], *_range()["N"], stacklevel=4)
    return SamplesAnswer(n, lo, hi, d, ws, t, dist, proto, max_n)
