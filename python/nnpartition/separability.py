"""Exact linear separability with certificates, and the hard-margin (max-margin) direction.

* :func:`separable` decides by linear programming whether labels are linearly
  separable on a set of points (or a code), and returns a certificate either
  way: a separating ``(w, b)`` with ``t_i (z_i . w + b) >= 1`` on every point,
  or non-negative weights ``lam`` (summing to 1) with
  ``sum_i lam_i t_i z_i = 0`` (and ``sum_i lam_i t_i = 0`` with an intercept),
  which no hyperplane can survive (Gordan's alternative). Both certificates are
  checked in numpy after the solve.
* :func:`max_margin` is the hard-margin SVM direction: the separating
  hyperplane of largest geometric margin.

The solver is HiGHS through ``scipy.optimize`` (``pip install 'nnpartition[lp]'``):
a maintained, exact simplex / interior-point LP solver whose infeasibility
verdict we turn into an explicit dual certificate, so no answer rests on the
solver's tolerance alone. Labels are ``0/1`` or ``-1/+1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from . import _validate as v
from .limits import _check_bytes, _check_work, _interruptible
from ._repr import short_repr
from ._stats import binary_exponents, binary_unit, times_pow2

__all__ = ["Separability", "MaxMargin", "separable", "max_margin"]


def _scipy_optimize() -> Any:
    try:
        from scipy import optimize
    except ImportError as exc:  # pragma: no cover - exercised only without scipy
        raise ImportError("exact separability needs scipy (HiGHS): pip install 'nnpartition[lp]'") from exc
    return optimize


def _points(Z: Any, name: str = "Z") -> np.ndarray:
    """The points as a finite float64 matrix (a sparse matrix or code made dense), or an error naming ``name``
    (``max_margin``'s ``X``: its NaN was "Z contains NaN or infinity", naming another function's argument)."""
    if hasattr(Z, "toarray") and not isinstance(Z, np.ndarray):
        Z = Z.toarray()
    Z = v.float_matrix(name, Z, dtype=np.float64, finite=True)
    if Z.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row")
    if Z.shape[1] < 1:   # an audit (s48): numpy's "zero-size array to reduction operation maximum", naming nothing
        raise ValueError(f"{name} must have at least one column (a coordinate of each point), got shape {Z.shape}")
    return np.asarray(Z)


def _pm(y: Any, n: int) -> np.ndarray:
    a = np.asarray(y)
    if a.ndim == 1 and a.shape[0] == n and a.size and np.isin(a, (-1, 1)).all() and (a == -1).any():
        return a.astype(np.float64)
    return 2.0 * v.binary_labels("y", y, n) - 1.0


@dataclass(frozen=True)
class Separability:
    """Result of :func:`separable`.

    Attributes:
        separable: whether some hyperplane (through the origin unless ``fit_intercept``)
            puts every point strictly on its label's side.
        w, b: the separating hyperplane when separable (``t_i (z_i . w + b) >= 1`` for all ``i``;
            ``b = 0`` without intercept), else ``None`` / ``0``.
        dual: when not separable, weights ``lam >= 0`` summing to 1 with ``sum_i lam_i t_i z_i = 0``
            (and ``sum_i lam_i t_i = 0`` with an intercept); else ``None``.
        residual: the certificate's check in numpy: ``1 - min_i t_i (z_i . w + b)`` (<= 0 up to rounding)
            when separable, ``max |sum_i lam_i t_i [z_i, 1]|`` (0 up to rounding) when not.
        fit_intercept: whether an intercept was allowed.
    """

    __repr__ = short_repr

    separable: bool
    w: Optional[np.ndarray]
    b: float
    dual: Optional[np.ndarray]
    residual: float
    fit_intercept: bool

    def __bool__(self) -> bool:
        return self.separable


def _lp_work(n: int, D: int) -> float:
    """Steps (``max_work``'s, about a nanosecond each) of one of :func:`separable`'s linear programmes on ``n``
    points in ``D`` dimensions: ``10 n D min(n, D)`` for the factorisations and ``0.1 n D^2`` for the simplex's
    pricing over up to ``D`` bounded columns (the 10 since the fortieth pass: ``bench_lp_price.py`` timed square and
    tall shapes at 6-11 ns a step of ``n D min(n, D)``, 1000 x 1000 at 12 s where the price said 1.1 s). Measured
    (an audit after the thirty-seventh pass on issue 11, scipy's HiGHS on a loaded core): 10 points in 10^5
    dimensions took 11 s, where ``n D min(n, D)`` alone said 0.01 s, so the call ran unchecked and on the main
    thread, deaf to Ctrl-C; 10 x 30000 took 1.8 s, 100 x 10^4 1.4 s, 1000 x 1000 5.9 s.
    ``benchmarks/bench_lp_price.py`` regenerates such timings against this price (``docs/sparse.md``)."""
    return 10.0 * float(n) * D * min(n, D) + 0.1 * float(n) * D * D


def separable(Z: Any, y: Any, *, fit_intercept: bool = False) -> Separability:
    """Exact linear separability of labels ``y`` on the rows of ``Z`` (an ``(N, m)``
    matrix or a :class:`~nnpartition.sparse.SparseCode`), by linear programming
    (HiGHS), with a checked certificate either way.

    Without intercept the hyperplane passes through the origin (Cover's setting:
    ``N`` points in general position in ``R^m``). An all-zero row can then
    never be separated, whatever its label.

    Example:
        >>> Z = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
        >>> r = separable(Z, [1, 1, 0])
        >>> r.separable, bool(np.all((2 * np.array([1, 1, 0]) - 1) * (Z @ r.w) >= 1 - 1e-9))
        (True, True)
        >>> r = separable(Z, [1, 0, 1])                  # x and -x with the same label: impossible
        >>> r.separable, r.dual.round(3).tolist()
        (False, [0.5, 0.0, 0.5])
    """
    Z = _points(Z)
    n, m = Z.shape
    t = _pm(y, n)
    fit_intercept = v.flag("fit_intercept", fit_intercept)
    D = m + 1 if fit_intercept else m
    # Both programmes, checked before the first is built (a review: the check stood before the second only, and a
    # refusal came after 46 s of the first): the primal's design and constraint copies and the dual's sparse
    # constraints with scipy's conversions of them, about 120 bytes an entry of n x D at tracemalloc's peak (tested),
    # and HiGHS's own copies, which tracemalloc does not see (a review measured the process growing by 2.3 times the
    # tracemalloc figure): 320 bytes an entry
    _check_bytes(f"the linear programmes of {n} points in {D} dimensions", 320.0 * n * D + 512.0 * D,
                 "use fewer points or dimensions")
    _check_work(f"the linear programmes of {n} points in {D} dimensions", 2.0 * _lp_work(n, D),
                "use fewer points or dimensions")
    A = np.hstack([Z, np.ones((n, 1))]) if fit_intercept else Z
    opt = _scipy_optimize()
    TA = t[:, None] * A
    # The programmes see A equilibrated: columns, then rows, scaled by positive powers of two to a largest entry of 1,
    # which changes no answer (w_j absorbs a column's scale; a row's sign is kept) and keeps every number of O(1).
    # An audit (s48): the tests below compared a margin and a residual of O(1) with 1e-9 and 1e-7 times A's largest
    # entry, so points scaled by 1e9 or more were "undecided" (a RuntimeError), by 1e20 HiGHS refused the model, and
    # by 1e-10 with an intercept (the column of ones keeps the scale 1) a separable set was reported not separable.
    col_top = np.abs(A).max(axis=0)
    col = _power_of_two_scale(col_top)
    As = A * col
    row_top = np.abs(As).max(axis=1)
    row = _power_of_two_scale(row_top)
    TAs = (t * row)[:, None] * As
    _check_equilibrated(A, col_top * col, row_top * row)   # powers of two: the scaled maxima exactly
    # primal, always feasible and bounded: max s subject to t_i (A_i . u) >= s, |u|_inf <= 1, s <= 1
    c = np.zeros(D + 1)
    c[-1] = -1.0
    # HiGHS cannot be stopped: Ctrl-C returns at once and leaves it to finish in the background (limits.py)
    work = _lp_work(n, D)
    res = _interruptible(work, opt.linprog, c, A_ub=np.hstack([-TAs, np.ones((n, 1))]), b_ub=np.zeros(n),
                         bounds=[(-1.0, 1.0)] * D + [(None, 1.0)], method="highs")
    if res.status == 0 and -res.fun > 1e-9:
        u = np.asarray(res.x[:-1], dtype=np.float64) * col   # the direction for A itself
        margins = TA @ u
        if margins.min() > 0:
            with np.errstate(over="ignore"):
                u = u / margins.min()   # the certificate holds exactly at margin 1, despite solver tolerance
            _check_certificate("Z", u, lambda: max(float(Z.max()), -float(Z.min())))
            w, b = (u[:-1], float(u[-1])) if fit_intercept else (u, 0.0)
            return Separability(True, w, b, None, float(1.0 - (TA @ u).min()), fit_intercept)
    # dual (Gordan), always feasible and bounded: min |sum_i lam_i t_i A_i|_1 over the simplex;
    # the optimum is 0 exactly when no hyperplane separates strictly
    # (its constraints as a sparse matrix: two identity blocks of D x D made it 2 D (n + D) dense floats, and an
    # audit after the twenty-eighth pass on issue 11 found 2 points in 12,000 dimensions asking for 2.15 GiB; HiGHS
    # reads a sparse matrix in any case, the same one, so the answer is the same)
    from scipy import sparse

    nv = n + D
    c2 = np.concatenate([np.zeros(n), np.ones(D)])
    eye = sparse.identity(D, format="csr")
    A_ub = sparse.vstack([sparse.hstack([sparse.csr_matrix(TAs.T), -eye]),
                          sparse.hstack([sparse.csr_matrix(-TAs.T), -eye])], format="csc")
    A_eq = np.concatenate([np.ones(n), np.zeros(D)])[None, :]
    dres = _interruptible(work, opt.linprog, c2, A_ub=A_ub, b_ub=np.zeros(2 * D), A_eq=A_eq, b_eq=[1.0],
                          bounds=[(0, None)] * nv, method="highs")
    if dres.status != 0:
        raise RuntimeError(f"HiGHS could not solve the dual LP: {dres.message}")
    lam_s = np.maximum(np.asarray(dres.x[:n], dtype=np.float64), 0.0)
    lam_s /= lam_s.sum()
    resid_s = float(np.abs(lam_s @ TAs).max())   # decided on the equilibrated rows, whose entries are at most 1
    if resid_s > 1e-7:
        raise RuntimeError(f"separability undecided at double precision (primal margin {-res.fun:.3g}, "
                           f"dual residual {resid_s:.3g}): the points are degenerate at this scale")
    lam = lam_s * row   # sum_i lam_s_i t_i row_i A_i col = 0, so lam = lam_s * row (normalised) certifies A itself
    lam /= lam.sum()
    resid = float(np.abs(lam @ TA).max())
    return Separability(False, None, 0.0, lam, resid, fit_intercept)


def _power_of_two_scale(largest: np.ndarray) -> np.ndarray:
    """For each largest absolute entry, the power of two that brings it into ``[0.5, 1)`` (1 for a zero): an exact
    scaling of a row or column (no rounding; a subnormal one is brought up by at most ``2^1023``).

    Example:
        >>> _power_of_two_scale(np.array([3.0, 0.25, 0.0, 1e300])).tolist()[:3]
        [0.25, 2.0, 1.0]
    """
    # 2^-k / 2 for the unit 2^k of _stats.binary_units, capped: a subnormal's 2^1074 would overflow
    return np.where(largest > 0, times_pow2(1.0, np.minimum(-1 - binary_exponents(largest), 1023)), 1.0)


@dataclass(frozen=True)
class MaxMargin:
    """Result of :func:`max_margin`: the hard-margin SVM hyperplane ``w . x + b = 0``.

    Attributes:
        w, b: the canonical solution, ``t_i (x_i . w + b) >= 1`` with equality on the support vectors.
        direction: ``w / |w|``.
        margin: the geometric margin ``1 / |w|`` (distance from the hyperplane to the closest point).
        support: indices of the support vectors.
    """

    __repr__ = short_repr

    w: np.ndarray
    b: float
    direction: np.ndarray
    margin: float
    support: np.ndarray


def _check_max_margin(n: int, d: int, *, fit_intercept: bool = False) -> None:
    """Refuse (a ``ValueError`` naming ``max_bytes`` or ``max_work``) a :func:`max_margin` of ``n`` points in ``d``
    dimensions that would pass the limits, before anything is built: what a caller that computes it after other
    work (the ``teacher`` command) checks first.

    scipy's SLSQP keeps dense workspaces of about ``8.6 D^2 + 4 n D`` numbers for ``D`` variables (``d``, plus one
    with an intercept; tracemalloc's peak, ``tests/test_separability.py``; counted as ``9 D^2 + 4 n D``), and each
    of its iterations solves a least-squares problem of ``D^2 (D + n)`` multiply-adds, counted ten times (a typical
    run's iterations). The linear programme of :func:`separable` it starts from is checked by that function.

    Example:
        >>> _check_max_margin(100, 50)
        >>> try:
        ...     _check_max_margin(50, 20000)
        ... except ValueError as e:
        ...     print(str(e).split(" needs")[0], "(max_bytes)" in str(e))
        max_margin's quadratic programme (scipy's SLSQP) of 20000 variables and 50 constraints True
    """
    n = v.count("n", n, minimum=1)
    d = v.count("d", d, minimum=1)
    D = d + 1 if v.flag("fit_intercept", fit_intercept) else d
    what = f"max_margin's quadratic programme (scipy's SLSQP) of {D} variables and {n} constraints"
    _check_bytes(what, 8.0 * (9.0 * D * D + 4.0 * n * D) + 1e6, "use fewer dimensions")
    _check_work(what, 10.0 * D * D * (D + n), "use fewer dimensions")


def max_margin(X: Any, y: Any, *, fit_intercept: bool = False, tol: float = 1e-7) -> MaxMargin:
    """The hard-margin SVM: among the hyperplanes that separate ``y`` on the rows of
    ``X``, the one farthest from the closest point (through the origin unless
    ``fit_intercept``). Raises ``ValueError`` when the labels are not separable
    (or, with ``fit_intercept``, hold one class only: no largest margin then).

    Solved as the quadratic programme ``min |w|^2 / 2`` subject to
    ``t_i (x_i . w + b) >= 1`` (scipy's SLSQP from the LP certificate of
    :func:`separable`), then polished: the minimum-norm ``(w, b)`` with
    ``t_i (x_i . w + b) = 1`` on the support vectors is solved exactly.

    Example:
        >>> X = np.array([[2.0, 1.0], [3.0, -1.0], [-1.0, 0.5]])
        >>> mm = max_margin(X, [1, 1, 0], fit_intercept=True)   # closest pair: (2, 1) and (-1, 0.5)
        >>> mm.direction.round(4).tolist(), round(mm.margin, 4)
        ([0.9864, 0.1644], 1.5207)
    """
    X = _points(X, "X")
    n, d = X.shape
    t = _pm(y, n)
    tol = v.real("tol", tol, minimum=0.0, maximum=1.0)
    _check_max_margin(n, d, fit_intercept=fit_intercept)
    if fit_intercept and np.all(t == t[0]):
        # an audit (s48): w = 0, b = +-1 meets every constraint, so there is no largest margin; the solver's w of
        # about 1e-20 came back as a margin of 7e19 and an arbitrary direction
        raise ValueError("y holds one class only: with fit_intercept the margin is unbounded (w = 0 and b alone "
                         "separate it), so there is no max-margin direction")
    # Solved on X in units of a power of two near its largest |entry|, an exact similarity (w scales by it, b, the
    # direction and the support do not): an audit (s48) found the programme's answer scale-dependent with an
    # intercept, since w scales and b does not (SLSQP's absolute tolerances on |w|^2 and _polish's fixed weight on
    # b): X * 1e6 of the docstring's example gave margin 1.118e6 (direction (0.89, -0.45)) where it is 1.5207e6.
    unit = binary_unit(float(np.abs(X).max()))
    X = X / unit
    sep = separable(X, t, fit_intercept=fit_intercept)
    if not sep.separable:
        raise ValueError("y is not linearly separable on X (see separable() for the certificate)")
    assert sep.w is not None
    A = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    TA = t[:, None] * A
    D = A.shape[1]
    P = np.ones(D)
    if fit_intercept:
        P[-1] = 0.0
    u0 = np.append(sep.w, sep.b) if fit_intercept else sep.w.copy()
    opt = _scipy_optimize()
    res = opt.minimize(lambda u: 0.5 * float(np.sum(P * u * u)), u0, jac=lambda u: P * u, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": lambda u: TA @ u - 1.0, "jac": lambda u: TA}],
                       options={"maxiter": 1000, "ftol": 1e-15})
    u = np.asarray(res.x, dtype=np.float64)
    if not np.all(TA @ u >= 1.0 - 1e-6):
        u = u0
    u = _polish(TA, u, P, tol)
    w, b = (u[:-1], float(u[-1])) if fit_intercept else (u, 0.0)
    nw = float(np.linalg.norm(w))
    support = np.flatnonzero(TA @ u <= 1.0 + max(tol, 1e-9) * 10)
    with np.errstate(over="ignore"):
        w_x = w / unit
    _check_certificate("X", w_x, lambda: max(float(X.max()), -float(X.min())) * unit)
    return MaxMargin(w=w_x, b=b, direction=w / nw, margin=unit / nw, support=support)


def _check_equilibrated(A: np.ndarray, col_top: np.ndarray, row_top: np.ndarray) -> None:
    """Refuse points whose columns or rows :func:`separable` cannot bring to a largest entry of at least 1/2: one
    of float64's subnormal numbers, 2^-1023 times below the next, cannot be scaled up by one power of two that
    float64 holds. The programmes' margins and residuals are compared with ``1e-9`` and ``1e-7`` of entries of
    ``O(1)``, so such a row or column read as nothing: a review (fifty-ninth pass) found ``Z = [[1, 0], [1e-320, 0]]``
    with labels ``[1, 1]`` (separable by ``w = (1, 0)``) reported not separable, its dual ``[0, 1]`` off by
    ``1e-320``, and ``[[1, 1e-320], [1, -1e-320]]`` with ``[1, 0]`` the same way. A hyperplane at margin 1 would need
    weights beyond float64 in either case (of order ``1e320``). ``col_top`` and ``row_top`` are the largest
    ``|entry|`` of each column and row as the programmes see them, after their scalings."""
    fix = {"column": "multiply that column by a power of two (separability does not change)",
           "row": "the point is too close to the origin to weigh against the others at double precision (without "
                  "an intercept, multiplying its row by a power of two changes no separability)"}
    for axis, what, top in ((0, "column", col_top), (1, "row", row_top)):
        bad = np.flatnonzero((top > 0) & (top < 0.5))
        if bad.size:
            i = int(bad[0])
            own = float(np.abs(A[:, i] if axis == 0 else A[i]).max())
            raise ValueError(f"Z's {what} {i} is too small to decide on in float64: its largest |entry| ({own:.3g}), "
                             f"scaled as the programmes need it, would take a factor beyond float64's largest power "
                             f"of two (2^1023); {fix[what]}")


def _check_certificate(name: str, w: np.ndarray, largest: Callable[[], float]) -> None:
    """Refuse a hyperplane whose weights at margin 1 (``t_i (a_i . w) >= 1``) are beyond float64: points that close
    to the origin (entries near float64's smallest normal, 2.2e-308) need weights of about ``1 / (margin |a|)``. A
    review (fifty-ninth pass) found ``separable`` and ``max_margin`` returning ``w`` with infinite entries (and a NaN
    residual) there, with only numpy's RuntimeWarning to say so."""
    if not np.all(np.isfinite(w)):
        top = largest()
        raise ValueError(f"{name}'s points are too close to the origin for a hyperplane at margin 1 in float64: its "
                         f"weights would exceed float64's largest value (the largest |entry| of {name} is {top:.3g}); "
                         f"multiply {name} by a power of two, which changes neither the separability nor the direction")


def _polish(TA: np.ndarray, u: np.ndarray, P: np.ndarray, tol: float) -> np.ndarray:
    """Minimum-norm solution of the equalities on the (numerically) active constraints,
    kept only when it stays feasible and does not increase the norm."""
    act = TA @ u <= 1.0 + 1e-5
    if not act.any():
        return u
    S = TA[act]
    free = P > 0
    # w part: min |w| s.t. S_w w + S_b b = 1; with an intercept, eliminate b by least squares on the stacked system
    if free.all():
        cand = np.linalg.lstsq(S, np.ones(S.shape[0]), rcond=None)[0]
    else:
        Sw, sb = S[:, free], S[:, ~free][:, 0]
        # b is free: project it out. With Q = I - sb sb^T / |sb|^2 (sb holds the labels, so |sb|^2 > 0) the
        # equalities are Q Sw w = Q 1 and b = sb . (1 - Sw w) / |sb|^2, and the minimum-norm w of the first is the
        # answer. (Until an audit in s48, b's column was weighted by 1e3 in one least-squares solve, which still
        # charged b a little: the direction was off by about 1e-7.)
        ones = np.ones(S.shape[0])
        q = sb / float(sb @ sb)
        Q = np.eye(S.shape[0]) - np.outer(sb, q)
        w_act = np.linalg.lstsq(Q @ Sw, Q @ ones, rcond=None)[0]
        cand = np.empty_like(u)
        cand[free] = w_act
        cand[~free] = float(q @ (ones - Sw @ w_act))
    ok = np.all(TA @ cand >= 1.0 - 1e-9) and np.sum(P * cand * cand) <= np.sum(P * u * u) * (1 + 1e-9)
    return cand if ok else u

