"""What the parts of :mod:`nnpartition.construct` share: a network's checked parameters, its 1-D evaluation,
an interval argument's check and nearest distances."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from .. import _validate as v
from ..limits import _block_rows


def _params(net: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(W1, b1, w2, b2)`` of a two-layer network as float64 arrays, checked."""
    try:
        W1, b1, w2, b2 = net.W1, net.b1, net.w2, net.b2
    except AttributeError:
        raise TypeError(f"net must be a TwoLayerNet (with W1, b1, w2, b2), got {type(net).__name__}") from None
    act = getattr(net, "activation", "relu")
    if act != "relu":
        # (a leaky_relu network is piecewise linear too, but its units are not the constructive spline's: the
        # message said it had no exact piecewise-linear reading)
        raise ValueError(f"net must use ReLU hidden units (activation 'relu'): nnpartition.construct reads a network "
                         f"as a sum of relu units, got activation {act!r}")
    source = np.asarray(W1)
    W1 = v.quiet_cast(source)   # (a long double beyond float64: refused below, by name)
    if W1.ndim != 2 or W1.shape[1] < 1:
        raise ValueError(f"net.W1 must have shape (d, L) with L >= 1, got {W1.shape}")
    L = W1.shape[1]
    b1 = v.float_vector("net.b1", b1, length=L)
    w2 = v.float_vector("net.w2", np.ravel(w2), length=L)
    b2a = np.asarray(b2, dtype=np.float64).ravel()
    if b2a.size != 1:
        raise ValueError(f"net.b2 must be a scalar, got shape {np.shape(b2)}")
    b2 = v.real("net.b2", float(b2a[0]))
    v.all_finite("net.W1", W1, source)
    # A region's slope sums w2_i W1[:, i] and its offset w2_i b1_i over its active units: bounded by the sums of
    # their sizes, whose being finite makes every product finite too (the slopes overflowed to infinity silently
    # before the fifty-eighth pass: region_map, linear_pieces)
    with np.errstate(over="ignore", invalid="ignore"):
        ok = np.all(np.isfinite(np.abs(W1 * w2).sum(axis=1))) and np.isfinite(np.abs(b1 * w2).sum())
    if not ok:
        raise ValueError("net's weights are too large to read exactly: products w2_i * W1[:, i] or w2_i * b1_i (or "
                         "their sums over the units, a region's slope and offset at most) overflow float64 (about "
                         "1.8e308); rescale the network (ReLU is positively homogeneous: divide W1, b1 by s and "
                         "multiply w2 by s)")
    return W1, b1, w2, b2


def _params_1d(net: Any, what: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    W1, b1, w2, b2 = _params(net)
    if W1.shape[0] != 1:
        raise ValueError(f"{what} needs a network with 1-D input (W1 of shape (1, L)), got W1 of shape "
                         f"{W1.shape}; use region_map for d > 1")
    return W1[0], b1, w2, b2


def _nearest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``min_j |a_i - b_j|`` for every ``a_i`` (``b`` not empty), from a sort of ``b``: no ``len(a) x len(b)`` table
    (a network of 8,000 oscillating units built one of 980 MiB).

    Example:
        >>> _nearest(np.array([0.0, 2.6, 9.0]), np.array([3.0, 1.0, 2.0])).tolist()
        [1.0, 0.3999999999999999, 6.0]
    """
    bs = np.sort(b)
    i = np.searchsorted(bs, a)
    left = np.abs(a - bs[np.clip(i - 1, 0, bs.size - 1)])
    right = np.abs(bs[np.clip(i, 0, bs.size - 1)] - a)
    out: np.ndarray = np.minimum(left, right)
    return out


def _eval(w: np.ndarray, b: np.ndarray, c: np.ndarray, c0: float, x: np.ndarray) -> np.ndarray:
    """The 1-D network ``sum_j c_j relu(w_j x + b_j) + c0`` at the points ``x``, in blocks of rows
    (``limits._block_rows``; the whole table of a 10^5-unit network on explain_1d's 4001-point grid was 47 GiB)."""
    rows = _block_rows(w.size)
    out = np.empty(x.shape[0])
    for i in range(0, x.shape[0], rows):
        out[i:i + rows] = np.maximum(np.multiply.outer(x[i:i + rows], w) + b, 0.0) @ c + c0
    return out


def _interval(name: str, interval: Any) -> Optional[Tuple[float, float]]:
    if interval is None:
        return None
    try:
        lo, hi = interval
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (lo, hi) or None, got {interval!r}") from None
    lo, hi = v.real(f"{name}[0]", lo), v.real(f"{name}[1]", hi)
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got ({lo}, {hi})")
    return lo, hi
