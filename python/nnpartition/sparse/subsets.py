"""The lottery-ticket analogue of the expand-and-sparsify claims (seed 2): :func:`subset_curve`, the readout on random
or selected subsets of the expanded units. Its names stay importable from :mod:`.experiments`
(:mod:`nnpartition._moved`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from .. import _validate as v
from .._random import SeedLike, resolve_seed
from .code import SparseCode, expand_sparsify  # noqa: F401 - expand_sparsify: the docstring example's
from .._progress import progress_bar
from .experiments import _acc, _check_progress, _check_readouts, _fit_work, _predict, _ridge
from .experiments import teacher_task  # noqa: F401 - the docstring example's
from .._repr import short_repr

__all__ = ["SubsetCurve", "subset_curve"]


@dataclass(frozen=True)
class SubsetCurve:
    """Test accuracy of a readout on ``s`` of the ``m`` code units (see :func:`subset_curve`).

    Attributes:
        sizes: subset sizes ``s``.
        random: mean test accuracy over random subsets of size ``s``.
        selected: test accuracy of the ``s`` units with the largest readout weights
            ``|w_j| * std(z_j)`` of the full readout, refitted on the subset.
        full: test accuracy with all ``m`` units.
        ranking: the units ordered by that importance (the selected subset of size ``s`` is ``ranking[:s]``).
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    sizes: np.ndarray
    random: np.ndarray
    selected: np.ndarray
    full: float
    ranking: np.ndarray
    seed: int = 0


def subset_curve(code: SparseCode, y: Any, X_test: Any, y_test: Any, sizes: Sequence[int], *, repeats: int = 5,
                 ridge: float = 1e-3, seed: SeedLike = 0, progress: Optional[bool] = None) -> SubsetCurve:
    """Lottery-ticket analogue: the readout refitted on ``s`` of the ``m``
    expanded units, chosen at random or selected by the size of their weight in
    the full readout; test accuracy on ``(X_test, y_test)``. ``progress``: a bar over the fits (the full readout,
    then each size's ``repeats`` random subsets and its selected one), the package's policy (``None``: on a terminal
    or in a notebook, past a second; ``True``: always; ``False``: never).

    Example:
        >>> X, y, label = teacher_task("nonlinear", 1500, 4, seed=2)
        >>> code = expand_sparsify(X[:1000], 400, sparsify="relu", seed=3)
        >>> c = subset_curve(code, y[:1000], X[1000:], y[1000:], [20], seed=0)
        >>> bool(c.selected[0] > c.random[0])
        True
    """
    if not isinstance(code, SparseCode):
        raise TypeError(f"code must be a SparseCode from expand_sparsify, got {type(code).__name__}")
    n, m = code.n_points, code.m
    yb = v.binary_labels("y", y, n)
    # (code.encode's own check would name X)
    Xte = v.float_matrix("X_test", X_test, dtype=np.float64, cols=code.projection.shape[0], finite=True)
    yte = v.binary_labels("y_test", y_test, Xte.shape[0])
    v.sequence("sizes", sizes, "subset sizes")
    S = [v.count(f"sizes[{i}]", s, minimum=1, maximum=m) for i, s in enumerate(sizes)]
    repeats = v.count("repeats", repeats, minimum=1, maximum=10**4)
    ridge = v.real("ridge", ridge, minimum=0.0)
    progress = _check_progress(progress)
    # the full fit, then each size's repeats and its selected subset, fits of s units (a review: counted as fits of
    # all m units, a code of 2000 units refused sizes of 10-200 with 50 repeats, a call of 2.8 s)
    work = _fit_work(n, m, ridge) + sum((repeats + 1.0) * _fit_work(n, s, ridge) for s in S)
    _check_readouts(f"subset_curve of {len(S)} sizes x {repeats} repeats on a code of {m} units", n, Xte.shape[0], m,
                    work, codes=2)
    Z = code.toarray()
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    Zte = code.encode(Xte).toarray()
    t = 2.0 * yb - 1.0
    with progress_bar(1 + len(S) * (repeats + 1), desc=f"subset_curve m={m}", progress=progress, unit="fit") as bar:
        wf = _ridge(Z, t, ridge)
        full = _acc(_predict(Zte, wf), yte)
        bar.update(1)
        importance = np.abs(wf[:-1]) * Z.std(axis=0)
        order = np.argsort(-importance, kind="stable")
        rnd, sel = [], []
        for s in S:
            accs = []
            for _ in range(repeats):
                idx = rng.choice(m, s, replace=False)
                accs.append(_acc(_predict(Zte[:, idx], _ridge(Z[:, idx], t, ridge)), yte))
                bar.update(1)
            rnd.append(float(np.mean(accs)))
            idx = order[:s]
            sel.append(_acc(_predict(Zte[:, idx], _ridge(Z[:, idx], t, ridge)), yte))
            bar.update(1)
    return SubsetCurve(sizes=np.array(S), random=np.array(rnd), selected=np.array(sel), full=full, ranking=order,
                       seed=seed)
