"""Exact number of regions one hidden layer cuts a box (the data domain) into.

For the hyperplanes ``H_i = {x : x @ W[:, i] + b[i] = 0}`` of a layer and an
open box ``lo < x < hi``, the regions inside the box number

    ``#{broken-circuit-free sets of hyperplanes whose common intersection meets the box}``

(Zaslavsky's theorem restricted to the box, with Whitney's count of the Moebius
function; see ``docs/window.md``); for hyperplanes in general position relative to
the box every set is broken-circuit free, and this is
``sum_{k=0}^{d} #{k-subsets whose common intersection meets the box}``. Each
term is an exact geometric test on small determinants, run in Rust in parallel
with the GIL released. Degenerate arrangements (coincident hyperplanes, several
through one flat or one point, intersections on the box's boundary) are counted
exactly: every such coincidence is decided in exact rational arithmetic on the
numbers given. A zero column of ``W`` raises a ``ValueError``.
"""

from __future__ import annotations

from typing import Any, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from . import _validate as v

__all__ = ["regions_in_box", "region_count_curve", "regions_in_square_numpy", "DEFAULT_MAX_WORK", "DEFAULT_TOL"]

#: A box bound: one number for every coordinate, or one number per coordinate.
BoundLike = Union[float, Sequence[float], NDArray[np.floating]]

#: Default limit on the worst-case steps of work (about one multiply-add each; ``docs/window.md``).
DEFAULT_MAX_WORK = 10**11
#: Default margin of the floating-point filter, relative to the box mapped onto ``[-1, 1]^d`` (decisions inside it
#: are taken again in exact arithmetic).
DEFAULT_TOL = 1e-9


def _prepare(W: ArrayLike, b: ArrayLike, lo: BoundLike, hi: BoundLike, tol: Any,
             max_work: Any) -> Tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                                     float, int]:
    W = v.float_matrix("W", W, dtype=np.float64)
    if not np.all(np.isfinite(W)):
        raise ValueError("W contains NaN or infinity")
    d, L = W.shape
    b = v.float_vector("b", b)
    if b.shape[0] != L:
        # PyTorch's nn.Linear holds weight as (L, d): its W with its own bias has b as long as W's first dimension.
        hint = (f"; b's length is W's first dimension: this looks like PyTorch's (L, d) layout: transpose it "
                f"(pass W.T)") if b.shape[0] == d else ""
        raise ValueError(f"b must have length {L} (one bias per column of W, which has shape (d, L) = {W.shape}), "
                         f"got {b.shape[0]}{hint}")
    bounds = []
    for name, val in (("lo", lo), ("hi", hi)):
        if isinstance(val, (list, tuple)) and v.bools_inside(val):
            raise TypeError(f"{name} must be a real number or a sequence of d={d} real numbers, got {val!r} "
                            f"(True/False are not coordinates)")
        arr = np.asarray(val)
        if not v.real_dtype(arr.dtype) or arr.dtype == np.bool_:
            raise TypeError(f"{name} must be a real number or a sequence of d={d} real numbers, got {val!r}")
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != d):
            raise ValueError(f"{name} must be a number or have length d={d} (rows of W), got shape {arr.shape}")
        arr = np.ascontiguousarray(np.broadcast_to(arr, (d,)))
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity")
        bounds.append(arr)
    lo_a, hi_a = bounds
    if np.any(lo_a >= hi_a):
        k = int(np.argmax(lo_a >= hi_a))
        raise ValueError(f"the box needs lo < hi in every coordinate, got lo[{k}]={lo_a[k]} >= hi[{k}]={hi_a[k]}")
    tol = v.real("tol", tol, minimum=0.0, open_min=True, maximum=1e-2)
    max_work = v.count("max_work", max_work, minimum=1, maximum=2**64 - 1)
    return W, b, lo_a, hi_a, tol, max_work


def regions_in_box(W: ArrayLike, b: ArrayLike, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_TOL,
                   max_work: int = DEFAULT_MAX_WORK) -> int:
    """Exact number of regions that one hidden layer cuts the open box ``lo < x < hi`` into.

    Args:
        W: hidden weights, shape ``(d, L)`` (the ``X @ W + b`` convention).
        b: hidden biases, shape ``(L,)``.
        lo, hi: the box, each a number (same for every coordinate) or ``d`` numbers.
        tol: margin of the floating-point filter, relative to the box mapped onto ``[-1, 1]^d`` (raised to a
            multiple of the rounding bound in high ``d``): a decision closer than this (an intersection near the
            box's boundary, nearly coincident hyperplanes or points) is taken again in exact rational arithmetic
            on the numbers given, so the count does not depend on it; a larger ``tol`` only costs time.
        max_work: refuse up front when the steps of work (about one
            multiply-add each; 0.6-2 ns each on a shared two-core machine,
            ``benchmarks/bench_window.py --calibrate``) of the worst case exceed this: every one of the ``sum_{k<=d} C(L', k)`` subsets of
            the ``L'`` hyperplanes meeting the box tested, a ``k``-subset costing
            ``C(d, k - 1)`` determinants of size ``k - 1`` (``docs/window.md``).
            ``d = 2, L = 1000`` is 8.5e6 steps and takes milliseconds;
            ``d = 5, L = 60`` is 1.1e9; ``d = 10, L = 30`` is 3.2e12, refused by the
            default of 1e11.

    Returns:
        The exact count as a Python ``int``.

    Any arrangement is counted, exactly: coincident hyperplanes count once, and hyperplanes through a common
    flat or point (``k`` sharing a flat of dimension above ``d - k``) cut it as they do (three lines through one
    point make six sectors, not seven regions). A hyperplane or intersection *on* the boundary is outside the
    open box.

    Raises:
        ValueError: malformed input or a zero column of ``W``.
        ValueError: the work estimate exceeds ``max_work``; use
            :func:`nnpartition.count_regions` on sample points to estimate instead.

    Example:
        >>> import numpy as np
        >>> W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])  # x = 0, y = 0, x + y = 1
        >>> b = np.array([0.0, 0.0, -1.0])
        >>> regions_in_box(W, b, -2, 2)
        7
        >>> regions_in_box(W, b, -0.4, 0.4)  # x + y = 1 misses this box
        4
        >>> regions_in_box(W, b, 0, 1)       # x = 0 and y = 0 are its edges: only the diagonal enters
        2
        >>> regions_in_box([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]], [0.0, 0.0, 0.0], -1, 1)  # three lines through 0
        6
    """
    args = _prepare(W, b, lo, hi, tol, max_work)
    total, _ = _core.window_region_counts(*args)
    return int(total)


def region_count_curve(W: ArrayLike, b: ArrayLike, lo: BoundLike, hi: BoundLike, *, tol: float = DEFAULT_TOL,
                       max_work: int = DEFAULT_MAX_WORK) -> NDArray[np.int64]:
    """Exact regions inside the box as the neurons (columns of ``W``) are added one by one.

    ``curve[m]`` is the number of regions of the first ``m`` neurons, so
    ``curve[0] == 1`` and ``curve[-1] == regions_in_box(W, b, lo, hi)``. Neuron
    ``m`` adds as many regions as the pieces the earlier hyperplanes cut its
    own hyperplane into inside the box (none when it misses the box or repeats
    an earlier hyperplane). Costs the same as one :func:`regions_in_box` call;
    arguments as there.

    Returns:
        ``int64`` array of length ``L + 1``.

    Example:
        >>> import numpy as np
        >>> W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
        >>> region_count_curve(W, [0.0, 0.0, -1.0], -2, 2).tolist()
        [1, 2, 4, 7]
        >>> region_count_curve(W, [0.0, 0.0, 0.0], -2, 2).tolist()  # x + y = 0 through the crossing: 2, not 3
        [1, 2, 4, 6]
    """
    args = _prepare(W, b, lo, hi, tol, max_work)
    _, inc = _core.window_region_counts(*args)
    curve = np.empty(inc.shape[0] + 1, dtype=np.int64)
    curve[0] = 1
    np.cumsum(inc.astype(np.int64), out=curve[1:])
    curve[1:] += 1
    return curve


def regions_in_square_numpy(W: ArrayLike, b: ArrayLike, lo: float, hi: float) -> int:
    """The 2-D count in plain vectorised numpy: ``1 + (lines meeting the open square)
    + (pairwise intersection points inside it)``, for lines in general position.

    Degenerate lines are miscounted (three through one point count 7, not 6; coincident ones twice): it is the
    baseline ``benchmarks/bench_window.py`` measures :func:`regions_in_box` against, and an independent
    implementation for tests.

    Example:
        >>> import numpy as np
        >>> W = np.array([[1.0, 0.0], [0.0, 1.0]]); b = np.array([0.0, 0.0])   # the two axes
        >>> regions_in_square_numpy(W, b, -1.0, 1.0)
        4
    """
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    if W.ndim != 2 or W.shape[0] != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W must have shape (2, L) and b shape (L,), got {W.shape} and {b.shape}")
    corners = np.array([[lo, lo], [lo, hi], [hi, lo], [hi, hi]])
    vals = corners @ W + b
    lines = int(np.sum((vals.max(0) > 0) & (vals.min(0) < 0)))
    i, j = np.triu_indices(W.shape[1], 1)
    det = W[0, i] * W[1, j] - W[1, i] * W[0, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (-b[i] * W[1, j] + b[j] * W[1, i]) / det
        y = (-W[0, i] * b[j] + W[0, j] * b[i]) / det
    return 1 + lines + int(np.sum((x > lo) & (x < hi) & (y > lo) & (y < hi)))
