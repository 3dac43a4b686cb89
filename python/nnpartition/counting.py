"""Exact region counts of hyperplane arrangements, Cover's theorem and
region bounds for deep ReLU networks.

Counts are exact Python ``int`` at any size (big integers computed in Rust);
``log_regions`` works in the log domain for sizes up to 1e9 and beyond.

The functions that return an exact ``int`` take Python or numpy integers only (a whole float, ``1e12``, is refused
naming the int to give); those that return a float (``log_regions``, ``separable_probability``) also take a
float of whole value up to ``2**53``, as the estimator does.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from . import _validate as v
from ._frozen import ValueResult

__all__ = [
    "regions",
    "bounded_regions",
    "log_regions",
    "cover_count",
    "separable_probability",
    "deep_region_bounds",
    "DeepRegionBounds",
]

_U64 = 2**64 - 1
#: What the float-returning functions take for a size: an integer, or a float of whole value up to ``2**53``
#: (:func:`_validate.size`; the estimator's ``ScalarSize``).
_Size = Union[int, float, np.integer[Any], np.floating[Any]]
#: Most hidden layers ``deep_region_bounds`` takes, the core's: more cost more than its work limit whatever the widths
#: (``counting::DEEP_BOUNDS_MAX_LAYERS``). A longer list is refused by its count, in the core's words, before its
#: widths are read (checking each width of 10^7 layers took 14 s), and a generator is read no further.
MAX_LAYERS: int = _core.DEEP_BOUNDS_MAX_LAYERS


class _TooLarge(ValueError):
    """An exact count refused as too large to compute: ``question`` (the call as the user made it), ``reason`` (the
    core's refusal, which names the sum ``S(n, m)`` or binomial ``C(n, k)`` it would compute, not the user's
    arguments) and ``hint`` (how to get that count's own logarithm). Private: the command line catches it from
    :func:`_regions` and :func:`_bounded_regions` to word its own question and hint around ``reason``; the public
    functions raise a plain ``ValueError`` with its message (:func:`_plain`; users saw the type ``_TooLarge``)."""

    def __init__(self, question: str, reason: str, hint: str) -> None:
        super().__init__(f"{question}: {reason}; {hint}")
        self.reason = reason


def _plain(exc: _TooLarge) -> ValueError:
    """The refusal ``exc`` as a public function raises it: a ``ValueError`` with its message."""
    return ValueError(str(exc))


def _count(name: str, value: Any, *, minimum: int = 0) -> int:
    """``value`` as an ``int`` in ``[minimum, 2^64 - 1]`` for the exact counting functions, which take Python or numpy
    integers only (:func:`_validate.count`): an exact count computed from a float would be the count of whatever
    integer the float holds. The ``TypeError`` of a whole float says how to write the integer (an audit: users of
    sizes this large type ``1e12``, and the message said only "must be an integer, got float").

    Example:
        >>> _count("L", 10**12)
        1000000000000
        >>> _count("L", 1e12)
        Traceback (most recent call last):
        ...
        TypeError: L must be an integer, got float 1000000000000.0 (give it as the int 1000000000000: the exact ...)
    """
    try:
        return v.count(name, value, minimum=minimum, maximum=_U64)
    except TypeError as exc:
        if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == np.floor(value):
            raise TypeError(f"{exc} (give it as the int {int(value)}: the exact count takes Python or numpy integers)"
                            ) from None
        raise


def _exact(call: Callable[[], Any], question: str, hint: str) -> int:
    """``int(call())``, or the core's refusal of a count too large (the arguments are checked before, so a
    ``ValueError`` of the core is one) as a :class:`_TooLarge`."""
    try:
        return int(call())
    except ValueError as exc:
        raise _TooLarge(question, str(exc), hint) from None


def regions(L: int, d: int, *, central: bool = False) -> int:
    """Number of regions that ``L`` hyperplanes in general position cut ``R^d`` into.

    Affine hyperplanes (the default): ``sum_{i<=d} C(L, i)``.
    Central hyperplanes (all through the origin, ``central=True``):
    ``2 * sum_{i<d} C(L-1, i)``, which is also Cover's count ``cover_count(L, d)`` for ``d >= 1`` (in ``d = 0``
    the space is one point, one region, where Cover's count of dichotomies is 0).

    Args:
        L: number of hyperplanes (hidden neurons), ``>= 0``.
        d: dimension of the space, ``>= 0``.
        central: count a central arrangement instead of an affine one.

    Returns:
        The exact count as a Python ``int``.

    Raises:
        ValueError: when the exact count would take more than a few seconds
            of big-integer work (``log_regions`` then gives its logarithm).

    Example:
        >>> regions(4, 2)
        11
        >>> regions(4, 2, central=True)
        8
        >>> regions(64, 20)
        34033913325232549
    """
    try:
        return _regions(L, d, central)
    except _TooLarge as exc:
        raise _plain(exc) from None


def _regions(L: Any, d: Any, central: Any) -> int:
    """:func:`regions`, refusing a count too large as a :class:`_TooLarge` (the command line reads its reason)."""
    L = _count("L", L)
    d = _count("d", d)
    central = v.flag("central", central)
    if central:   # 2 * sum_{i<d} C(L-1, i) = 2 * regions(L - 1, d - 1)
        return _exact(lambda: _core.regions(L, d, True), f"regions(L={L}, d={d}, central=True)",
                      "its logarithm is log(2) + log_regions(L - 1, d - 1)")
    return _exact(lambda: _core.regions(L, d, False), f"regions(L={L}, d={d})", "log_regions(L, d) gives its logarithm")


def bounded_regions(L: int, d: int) -> int:
    """Number of bounded regions of ``L`` affine hyperplanes in general position in ``R^d``: ``C(L-1, d)``.

    Raises:
        ValueError: when the exact count would take more than a few seconds of big-integer work (the message gives
            its logarithm in ``math.lgamma`` terms).

    Example:
        >>> bounded_regions(30, 2)
        406
        >>> bounded_regions(3, 3)
        0
    """
    try:
        return _bounded_regions(L, d)
    except _TooLarge as exc:
        raise _plain(exc) from None


def _bounded_regions(L: Any, d: Any) -> int:
    """:func:`bounded_regions`, refusing a count too large as a :class:`_TooLarge`."""
    L = _count("L", L)
    d = _count("d", d)
    return _exact(lambda: _core.bounded_regions(L, d), f"bounded_regions(L={L}, d={d})",
                  "its logarithm is math.lgamma(L) - math.lgamma(d + 1) - math.lgamma(L - d)")


def log_regions(L: _Size, d: _Size) -> float:
    """Natural log of ``regions(L, d)``, without big integers.

    Relative accuracy about 1e-12 at every size (Stirling series with
    ``log1p``, no cancellation). ``L`` and ``d`` are integers up to ``2^64 - 1``, or floats of whole value up to
    ``2**53`` (``1e12``; a fractional float is a ``TypeError``, a larger one a ``ValueError`` naming it).

    Example:
        >>> import math
        >>> round(log_regions(100, 10), 6) == round(math.log(19415908147836), 6)
        True
        >>> log_regions(10**9, 10**8) > 0
        True
        >>> log_regions(1e12, 3) == log_regions(10**12, 3)
        True
    """
    L = v.size("L", L, maximum=_U64)
    d = v.size("d", d, maximum=_U64)
    return float(_core.log_regions(L, d))


def cover_count(N: int, D: int) -> int:
    """Cover's function-counting theorem: how many of the ``2^N`` labellings of
    ``N`` points in general position in ``R^D`` a hyperplane through the
    origin separates, ``2 * sum_{k<D} C(N-1, k)``.

    With a bias term in ``R^d`` use ``D = d + 1``.

    Example:
        >>> cover_count(21, 10)
        863820
        >>> cover_count(200, 100) == 2**199
        True
    """
    N = _count("N", N)
    D = _count("D", D)
    try:
        return _exact(lambda: _core.cover_count(N, D), f"cover_count(N={N}, D={D})",
                      "its logarithm is log(2) + log_regions(N - 1, D - 1)")
    except _TooLarge as exc:
        raise _plain(exc) from None


def separable_probability(N: _Size, D: _Size) -> float:
    """Probability that ``N`` fair-coin labels on ``N`` points in general
    position in ``R^D`` are separable by a hyperplane through the origin:
    ``cover_count(N, D) / 2**N``.

    The exact rational is rounded to a float (no overflow, also for
    ``N = 1e6``) whenever the exact sum costs under a few seconds; beyond
    that a log-domain evaluation (Stirling series with ``log1p``) is
    returned: relative accuracy within 5e-12 at every size up to ``2^64 - 1``
    (``docs/counting.md``). As it returns a float, ``N`` and ``D`` may also be floats of whole value up to ``2**53``
    (``21.0``, ``1e6``), as for :func:`log_regions`.

    Example:
        >>> separable_probability(20, 10)
        0.5
        >>> round(separable_probability(21, 10), 9)
        0.411901474
    """
    N = v.size("N", N, maximum=_U64)
    D = v.size("D", D, maximum=_U64)
    return float(_core.separable_probability(N, D))


#: A bound of more bits than this is shown in :class:`DeepRegionBounds`'s repr by its leading digits (about 3,000
#: decimal digits: Python refuses to turn an integer of more than 4,300 into a string by default).
_REPR_BITS = 10_000


def _scientific(value: int) -> Tuple[str, int]:
    """A positive integer's first ten digits in scientific notation (truncated, not rounded) and how many digits it
    has, both exact, in integer arithmetic (no decimal string of the whole number, which Python builds in quadratic
    time and refuses past 4,300 digits by default).

    Example:
        >>> _scientific(2 ** (2**21))
        ('4.544297019e+631305', 631306)
        >>> _scientific(10**400000 - 1)
        ('9.999999999e+399999', 400000)
        >>> _scientific(12345678901234)
        ('1.234567890e+13', 14)
    """
    exp = int(value.bit_length() * math.log10(2))   # within one of floor(log10(value)); made exact below
    power = 10**exp                                 # one big power; its neighbours by one multiplication
    while power > value:
        exp, power = exp - 1, power // 10
    while power * 10 <= value:
        exp, power = exp + 1, power * 10
    lead = value * 10**9 // power if exp < 9 else value // (power // 10**9)   # the first ten digits
    return f"{lead // 10**9}.{lead % 10**9:09d}e+{exp}", exp + 1


@dataclass(frozen=True, eq=False)
class DeepRegionBounds(ValueResult):
    """Bounds on the number of linear regions of a deep ReLU network.

    Attributes:
        d: input dimension ``n0``.
        widths: hidden widths ``n_1 .. n_L``.
        montufar2014_lower: Montúfar et al. (2014) lower bound, or ``None`` when
            its precondition ``n_l >= n0`` fails.
        serra2018_lower: Serra et al. (2018) lower bound, or ``None`` when its
            precondition ``n_l >= 3 n0`` fails.
        montufar2017_upper: Montúfar (2017) upper bound.
        serra2018_upper: Serra et al. (2018) upper bound (exact for ``n0 = 1``).
        reasons: why a lower bound is ``None``, keyed by field name.

    Frozen, hashable and compared by value.
    """

    d: int
    widths: Tuple[int, ...]
    montufar2014_lower: Optional[int]
    serra2018_lower: Optional[int]
    montufar2017_upper: int
    serra2018_upper: int
    reasons: Dict[str, str]

    def __repr__(self) -> str:
        """The dataclass's repr, but a bound past ``_REPR_BITS`` bits by its leading digits (an audit: the default repr
        raised Python's integer-string limit, so a huge result could not be shown in a notebook)."""
        def show(x: Any) -> str:
            if isinstance(x, int) and x.bit_length() > _REPR_BITS:
                approx, digits = _scientific(x)
                return f"<{digits}-digit int {approx}>"
            return repr(x)

        fields = ", ".join(f"{f.name}={show(getattr(self, f.name))}" for f in dataclasses.fields(self))
        return f"DeepRegionBounds({fields})"

    @property
    def upper(self) -> int:
        """The tightest upper bound (also capped by ``2 ** sum(widths)``, built only when it is the smaller)."""
        best = min(self.montufar2017_upper, self.serra2018_upper)
        patterns = sum(self.widths)   # 2 ** patterns > best exactly when patterns >= best's bit length
        return best if patterns >= best.bit_length() else 1 << patterns


def deep_region_bounds(d: int, widths: Sequence[int]) -> DeepRegionBounds:
    """Lower and upper bounds on the linear regions of a ReLU network with
    input dimension ``d`` and hidden layer widths ``widths``.

    Example:
        >>> b = deep_region_bounds(2, [8, 8])
        >>> (b.montufar2014_lower, b.serra2018_lower, b.montufar2017_upper, b.serra2018_upper)
        (592, 925, 1369, 1369)
        >>> deep_region_bounds(3, [3, 3]).serra2018_lower is None
        True
    """
    d = _count("d", d, minimum=1)
    # a set (no order: the bounds depend on it) or a mapping passed as widths, a 0-d array was "len() of unsized object"
    v.sequence("widths", widths, "positive integers")
    # too many layers, by the core's rule and in its words (its work limit, which no widths of more layers pass)
    if hasattr(widths, "__len__"):
        _core.deep_bounds_check_layers(len(widths))
    ws = tuple(_count(f"widths[{i}]", w, minimum=1)
               for i, w in enumerate(itertools.islice(widths, MAX_LAYERS + 1)))   # an endless generator stops
    _core.deep_bounds_check_layers(len(ws))
    if not ws:
        raise ValueError("widths must name at least one hidden layer")
    m14, s18, m17, s18u, r14, r18 = _core.deep_region_bounds(d, list(ws))
    reasons = {k: r for k, r in (("montufar2014_lower", r14), ("serra2018_lower", r18)) if r}
    return DeepRegionBounds(d, ws, None if m14 is None else int(m14), None if s18 is None else int(s18),
                            int(m17), int(s18u), reasons)
