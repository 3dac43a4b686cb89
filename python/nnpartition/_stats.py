"""Confidence intervals of a mean: Student's t quantiles without scipy.

Two-sided 95% intervals use the 0.975 quantile of Student's t with
``n - 1`` degrees of freedom. For 1 to 29 degrees of freedom the quantile
comes from a table (the standard values to 16 digits); from 30 on, from
the Cornish-Fisher expansion of t around the normal quantile to order
``1/df**5``, whose relative error there is below ``1e-9`` (``tests/test_stats.py``
checks both against ``scipy.stats.t`` and against the closed forms for 1
and 2 degrees of freedom).

Also the package's one home for exact rescalings by powers of two (exact in binary floating point), which keep sums,
products and squares of values near either end of the float range from overflowing or underflowing:
``binary_exponent(s)`` and ``binary_unit(s)`` (the power of two at or below a largest magnitude, and its exponent),
``times_pow2`` (``v * 2**e`` without an intermediate ``2**e`` leaving the float range) and ``scaled_norm`` (a
Euclidean norm that neither overflows nor underflows in its squares). ``tests/test_stats.py`` checks them against
exact rational arithmetic.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

__all__ = ["T975", "binary_exponent", "binary_exponents", "binary_unit", "binary_units", "scaled_norm",
           "t_quantile_975", "times_pow2"]

#: Normal 0.975 quantile.
Z975 = 1.959963984540054

#: ``T975[k - 1]`` = 0.975 quantile of Student's t with ``k`` degrees of freedom, ``k = 1 .. 29``.
T975 = (
    12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934, 2.5705818356363146,
    2.4469118511449786, 2.364624251592784, 2.306004135204166, 2.262157162798205, 2.228138851986274,
    2.200985160091639, 2.1788128296672284, 2.1603686564627913, 2.144786687917804, 2.131449545559776,
    2.1199052992212546, 2.1098155778333156, 2.1009220402410382, 2.0930240544083087, 2.085963447265864,
    2.0796138447276795, 2.0738730679040254, 2.0686576104190486, 2.0638985616280245, 2.0595385527532972,
    2.0555294386428735, 2.0518305164802846, 2.0484071417952454, 2.045229642132703,
)


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df >= 1`` degrees of freedom.

    Example:
        >>> round(t_quantile_975(4), 4), round(t_quantile_975(10**9), 4)
        (2.7764, 1.96)
    """
    if df < 1:
        raise ValueError(f"df must be >= 1, got {df}")
    if df <= len(T975):
        return T975[df - 1]
    z, n = Z975, float(df)
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    g5 = (((((27 * z2 + 339) * z2 + 930) * z2 - 1782) * z2 - 765) * z2 + 17955) * z / 368640
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4 + g5 / n**5


def mean_ci95(n: int, mean: float, std: float) -> "tuple[float, float]":
    """The two-sided 95% t interval of a mean of ``n`` values with sample std ``std`` (ddof=1).

    With one value the interval is the single point (no spread can be estimated).

    Example:
        >>> lo, hi = mean_ci95(5, 2.0, 1.0)
        >>> round(hi - 2.0, 4)   # t_4 * 1 / sqrt(5)
        1.2417
    """
    if n < 2:
        return mean, mean
    half = t_quantile_975(n - 1) * std / math.sqrt(n)
    return mean - half, mean + half


def binary_exponent(largest: float) -> int:
    """The ``k`` with ``2**k <= largest < 2**(k+1)``: the exponent of :func:`binary_unit` (0 for a ``largest`` that
    is 0, negative, NaN or infinite, which have no power of two below them worth dividing by). Subnormals have one
    too (``binary_exponent(5e-324) == -1074``), so every such ``2**k`` is a float, from ``2**-1074`` to ``2**1023``.

    Example:
        >>> binary_exponent(3.0), binary_exponent(1.0), binary_exponent(0.75), binary_exponent(0.0)
        (1, 0, -1, 0)
        >>> binary_exponent(1e308), binary_exponent(5e-324), binary_exponent(float("inf"))
        (1023, -1074, 0)
    """
    return math.frexp(largest)[1] - 1 if 0.0 < largest < math.inf else 0


def binary_exponents(largest: Any) -> np.ndarray:
    """:func:`binary_exponent` of each entry of ``largest``, without a Python loop (an integer array).

    Example:
        >>> binary_exponents(np.array([3.0, 0.0, 1e308, 5e-324, np.inf])).tolist()
        [1, 0, 1023, -1074, 0]
    """
    largest = np.asarray(largest, dtype=np.float64)
    return np.where((largest > 0) & (largest < np.inf), np.frexp(largest)[1].astype(np.int64) - 1, 0)


def binary_unit(largest: float) -> float:
    """The power of two in ``(largest / 2, largest]`` (1 for 0, and for NaN or infinity): values divided by it keep
    every bit (an exact rescaling, up to subnormals) and their sums and squares stay far from overflow; ``summarize``
    and ``max_margin`` compute in it. Always a finite float: ``2**binary_exponent(largest)``.

    Example:
        >>> binary_unit(1e308) == 2.0 ** 1023, binary_unit(3.0), binary_unit(0.0), binary_unit(float("inf"))
        (True, 2.0, 1.0, 1.0)
    """
    return math.ldexp(1.0, binary_exponent(largest))


def binary_units(largest: Any) -> np.ndarray:
    """:func:`binary_unit` of each entry of ``largest``, without a Python loop.

    Example:
        >>> binary_units(np.array([3.0, 0.0, 1e308])).tolist() == [2.0, 1.0, 2.0 ** 1023]
        True
    """
    return np.asarray(np.ldexp(1.0, binary_exponents(largest)))


def times_pow2(v: Any, e: Any) -> np.ndarray:
    """``v * 2**e`` (broadcast, as float64), exact whenever the answer is a normal float, with no intermediate
    leaving the float range: ``v * 2.0**e`` fails for ``e >= 1024`` or ``e < -1074`` whatever ``v`` (``2.0**e``
    alone is an OverflowError or 0), this does not. An answer beyond the largest float is infinite (with numpy's
    overflow warning, as any overflow); one below the normal range is the exact ``v * 2**e`` rounded once to a
    subnormal. 0, infinities and NaN come back as they are.

    Example:
        >>> times_pow2(3.0, 2).tolist(), times_pow2(np.array([2.0 ** 600, 1.0]), -1100).tolist() == [2.0 ** -500, 0.0]
        (12.0, True)
        >>> float(times_pow2(2.0 ** -1000, 1900)) == 2.0 ** 900   # 2.0 ** 1900 alone is an OverflowError
        True
    """
    return np.asarray(np.ldexp(np.asarray(v, dtype=np.float64), np.asarray(e, dtype=np.int64)))


def scaled_norm(a: Any, axis: Optional[int] = None) -> Any:
    """``np.linalg.norm(a, axis=axis)`` of a finite array without overflow: each norm is taken of the entries divided
    by their largest ``|a_i|``, then multiplied back (``np.linalg.norm`` squares the entries, so a vector of entries
    near 1e155 and above had an infinite norm: a teacher ``w_star`` or weights that large gave a cosine of 0, an
    angle of 90 degrees and an infinite update bound; in ``pictures.Plane.through`` points 1e180 apart were "too far
    apart" and 1e-180 apart "collinear"). Infinite only when the norm itself passes the largest float; below about
    1e-154 it keeps every digit too (the squares would underflow).

    Example:
        >>> float(scaled_norm(np.array([3e300, 4e300]))), float(scaled_norm(np.array([3e-300, 4e-300])))
        (5e+300, 5e-300)
        >>> scaled_norm(np.array([[3.0, 4.0], [0.0, 0.0]]), axis=1).tolist()
        [5.0, 0.0]
        >>> scaled_norm(np.array([[np.inf, 1.0], [1.5e308, 1.5e308]]), axis=1).tolist()   # as np.linalg.norm, not NaN
        [inf, inf]
    """
    a = np.asarray(a, dtype=np.float64)
    peak = np.abs(a).max(axis=axis, initial=0.0)
    safe = np.where((peak > 0) & np.isfinite(peak), peak, 1.0)   # an infinite entry: an infinite norm, not NaN
    with np.errstate(over="ignore"):   # a norm above the largest float is infinite, as it should be
        return safe * np.linalg.norm(a / (safe if axis is None else np.expand_dims(safe, axis)), axis=axis)
