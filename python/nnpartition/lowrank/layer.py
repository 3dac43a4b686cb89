"""Trained softmax layers against the SVD solution (seed 4): :func:`train_softmax_layer`,
:func:`compare_layer` (principal angles with the spectral gap next to them), :func:`locality_sweep`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np

from .. import _progress
from .. import _validate as chk
from .._progress import progress_bar
from .._random import SeedLike, resolve_seed
from .._repr import short_repr
from ..limits import _check_bytes, _check_work, _checked_svd, _svd_work
from .matrices import (_TRANSPOSED_WEIGHTS, Locality, _joint, _marginals, _svd, _entropy_terms, bayes_matrix,
                       local_family, locality, optimal_low_rank, softmax_log_loss)

__all__ = ["train_softmax_layer", "SoftmaxLayer", "compare_layer", "LayerComparison", "principal_angles",
           "locality_sweep", "LocalitySweep"]

#: The most features ``k`` and Adam steps of :func:`train_softmax_layer` and :func:`locality_sweep`, and the most
#: values of ``x`` and of ``y`` and sampled pairs of :func:`locality_sweep` (``nnpartition lowrank-demo``'s ``-k``,
#: ``--steps``, ``--nx``, ``--ny`` and ``--samples``).
MAX_FEATURES, MAX_STEPS, MAX_VALUES, MAX_SAMPLES = 2**16, 10**7, 2**20, 2**40
#: The largest ``init_scale`` of :func:`train_softmax_layer`: its initial logits (entries about ``init_scale^2 k``)
#: stay finite.
MAX_INIT_SCALE = 1e100


# --------------------------------------------------------------------------- trained layers


@dataclass(eq=False)
class SoftmaxLayer:
    """What :func:`train_softmax_layer` returns: logits ``features[x] @ weights + bias``.

    Attributes:
        features: learned ``f(x)``, shape ``(|X|, k)`` (the first layer's weights on one-hot inputs).
        weights: softmax weights, shape ``(k, |Y|)``.
        bias: softmax bias, shape ``(|Y|,)``.
        loss_history: training log-loss every 100 steps and at the end.
        seed: the integer seed actually used (what ``seed=`` resolved to); passing it as ``seed=`` repeats the run.
    """

    __repr__ = short_repr

    features: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    loss_history: np.ndarray
    seed: int = 0

    def logits(self) -> np.ndarray:
        """Logits, shape ``(|X|, |Y|)``."""
        return np.asarray(self.features @ self.weights + self.bias)


#: Steps (about a nanosecond each, as ``max_work`` counts them) of one training step's numpy calls beyond their
#: arithmetic: some thirty calls of about a microsecond (34 us a step measured on a 4 x 3 joint in the sixty-third
#: pass on issue 11).
_STEP_CALLS = 3e4
#: Steps of one locality-sweep run beyond its training: drawing the joint and its samples, and compare_layer's SVDs,
#: angles and losses, about a millisecond of numpy calls on a small joint (1.1 ms measured on a 4 x 3 joint).
_RUN_CALLS = 1e6


def _softmax_layer_work(nx: int, ny: int, k: int, steps: int) -> float:
    """Steps of :func:`train_softmax_layer`: per step the logits, their softmax and three gradient products, about
    ``3 k + 12`` steps an entry of the joint, and the step's numpy calls (:data:`_STEP_CALLS`)."""
    return float(steps) * (nx * ny * (3 * k + 12) + _STEP_CALLS)


#: :func:`train_softmax_layer`'s default ``lr`` and ``init_scale``, which :func:`locality_sweep` trains with.
_LR, _INIT_SCALE = 0.05, 0.01


def train_softmax_layer(
    P_xy: Any, k: int, *, steps: int = 3000, lr: float = _LR, init_scale: float = _INIT_SCALE, seed: SeedLike = 0,
    normalize: bool = False, progress: Optional[bool] = None,
) -> SoftmaxLayer:
    """Fit ``one-hot x -> k linear features -> softmax over y`` to a joint (or empirical counts).

    Full-batch Adam (``beta = (0.9, 0.999)``, step ``lr`` cosine-annealed to
    ``lr / 100``) on the expected log-loss under ``P_xy``: with counts of ``n``
    samples this is exactly full-batch training on those samples. Written in
    numpy: the project's Rust trainer has a single logit output.

    Args:
        P_xy: joint ``(|X|, |Y|)`` or integer counts (e.g. of sampled pairs).
        k: feature dimension.
        steps, lr: Adam steps and initial step size.
        init_scale: standard deviation of the initial features and weights, 0 to 1e100.
        seed: seed of the initialization (the layer's ``seed`` is the integer used).
        normalize: accept float arrays that do not sum to 1.
        progress: a bar over the steps, the package's policy (``None``: on a terminal or in a notebook, past a
            second; ``True``: always; ``False``: never).

    Returns:
        A :class:`SoftmaxLayer`.

    Example:
        In the local regime the trained layer matches the SVD solution:

        >>> P = local_family(6, 4, 0.02, seed=0)
        >>> layer = train_softmax_layer(P, 2, steps=1500)
        >>> c = compare_layer(P, layer.features, layer.weights, layer.bias)
        >>> bool(c.angles_features.max() < 3), bool(abs(c.observed_loss - c.svd_loss) < 1e-6)
        (True, True)
    """
    return _train_softmax_layer(P_xy, k, steps=steps, lr=lr, init_scale=init_scale, seed=seed, normalize=normalize,
                                progress=_progress._check(progress))


def _train_softmax_layer(
    P_xy: Any, k: int, *, steps: int, lr: float, init_scale: float, seed: SeedLike, normalize: bool,
    progress: Optional[bool], bar: Any = None,
) -> SoftmaxLayer:
    """:func:`train_softmax_layer`, its steps counted on ``bar`` (:func:`locality_sweep`'s), or on a bar of its own
    (``progress=``) if ``None``."""
    P = _joint(P_xy, normalize=normalize)
    k = chk.count("k", k, minimum=1, maximum=MAX_FEATURES)
    steps = chk.count("steps", steps, minimum=1, maximum=MAX_STEPS)
    lr = chk.real("lr", lr, minimum=0.0, maximum=10.0, open_min=True)
    # at most 1e100, where the initial logits F @ W (entries about init_scale^2 k) stay finite: 1e308 overflowed
    init_scale = chk.real("init_scale", init_scale, minimum=0.0, maximum=MAX_INIT_SCALE)
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    nx, ny = P.shape
    _check_work(f"training a softmax layer on a {nx} x {ny} joint with k = {k} for {steps} steps",
                _softmax_layer_work(nx, ny, k, steps), "use fewer steps or a smaller joint")
    # F and W, their two Adam moments, their gradients and the update's temporaries (8 copies of (nx + ny) k floats),
    # and the logits, their softmax, the loss's and the gradient's temporaries (6 of nx x ny); an upper bound of
    # tracemalloc's peak (tested). An audit: k = 2^16 on a 4000 x 2 joint took 4 GB before a MemoryError.
    _check_bytes(f"training a softmax layer on a {nx} x {ny} joint with k = {k}",
                 8.0 * (8.0 * (nx + ny) * k + 6.0 * nx * ny), "use a smaller k or joint")
    px, py = _marginals(P)
    F = rng.standard_normal((nx, k)) * init_scale
    W = rng.standard_normal((k, ny)) * init_scale
    with np.errstate(divide="ignore"):
        b = np.where(py > 0, np.log(np.maximum(py, 1e-300)), -30.0)
    params = [F, W, b]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    hist: List[float] = []
    own = bar is None
    if own:
        bar = progress_bar(steps, desc=f"softmax layer {nx} x {ny} k={k}", progress=progress, unit="step")
    try:
        _adam(P, px, params, m1, m2, hist, steps, lr, bar)
    finally:
        if own:
            bar.close()
    F, W, b = params
    return SoftmaxLayer(features=F, weights=W, bias=b, loss_history=np.array(hist), seed=seed)


def _adam(P: np.ndarray, px: np.ndarray, params: List[np.ndarray], m1: List[np.ndarray], m2: List[np.ndarray],
          hist: List[float], steps: int, lr: float, bar: Any) -> None:
    """:func:`train_softmax_layer`'s ``steps`` Adam steps on ``params = [F, W, b]`` in place, a hundred at a time
    counted on ``bar``."""
    F, W, b = params
    b1, b2, eps = 0.9, 0.999, 1e-12
    # Stays numpy: |X| x |Y| is small (a few hundred entries), so each step is a few tiny
    # matrix products and the Python loop is not the bottleneck.
    done = 0
    for t in range(1, steps + 1):
        Z = F @ W + b
        Z -= Z.max(axis=1, keepdims=True)
        S = np.exp(Z)
        S /= S.sum(axis=1, keepdims=True)
        if t % 100 == 1 or t == steps:
            hist.append(-float(np.where(P > 0, P * np.log(np.maximum(S, 1e-300)), 0.0).sum()))
        G = px[:, None] * S - P  # d loss / d logits
        grads = [G @ W.T, F.T @ G, G.sum(axis=0)]
        a = lr * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * (t - 1) / max(steps - 1, 1))))
        for p, g, u, w2 in zip(params, grads, m1, m2):
            u *= b1
            u += (1 - b1) * g
            w2 *= b2
            w2 += (1 - b2) * g * g
            p -= a * (u / (1 - b1**t)) / (np.sqrt(w2 / (1 - b2**t)) + eps)
        if not (np.all(np.isfinite(F)) and np.all(np.isfinite(W))):
            raise ValueError(f"training diverged at step {t} (non-finite weights): lower lr (got {lr})")
        if t % 100 == 0 or t == steps:
            bar.update(t - done)
            done = t


def principal_angles(A: Any, B: Any, *, tol: float = 1e-10) -> np.ndarray:
    """Principal angles in degrees (ascending) between the column spans of ``A`` and ``B``.

    Columns are orthonormalized by SVD, dropping directions with singular value
    ``<= tol`` times the largest (``0 <= tol < 1``); there are ``min(rank A, rank B)`` angles.

    Example:
        >>> principal_angles([[1.0], [0.0]], [[1.0], [1.0]]).round(6).tolist()
        [45.0]
    """
    tol = chk.real("tol", tol, minimum=0.0)   # an audit: a negative tol kept null directions, NaN or inf dropped all
    if tol >= 1.0:   # (an audit in the sixty-third pass on issue 11: tol=1e308 overflowed tol * s[0])
        raise ValueError(f"tol must be in [0, 1), a relative tolerance (directions with singular value <= tol times "
                         f"the largest are dropped, so tol >= 1 drops them all), got {tol}")

    def basis(M: Any, name: str) -> np.ndarray:
        Mc = chk.float_matrix(name, M, dtype=np.float64, finite=True)
        # checked against max_work and interruptible (a review after the twenty-eighth pass on issue 11: neither)
        m, n = Mc.shape
        U, s, _ = _checked_svd(Mc, f"the SVD of {name}, a {m} x {n} matrix", f"pass a smaller {name}",
                               full_matrices=False)
        if len(s) == 0 or s[0] == 0:
            return np.asarray(U[:, :0])
        return np.asarray(U[:, s > tol * s[0]])

    Qa, Qb = basis(A, "A"), basis(B, "B")
    if Qa.shape[0] != Qb.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {Qa.shape[0]} and {Qb.shape[0]}")
    if Qa.shape[1] < Qb.shape[1]:
        Qa, Qb = Qb, Qa
    if Qb.shape[1] == 0:
        return np.zeros(0)
    # Cosines lose precision for small angles: take those from the sines (Bjorck & Golub).
    c = np.sort(np.clip(np.linalg.svd(Qa.T @ Qb, compute_uv=False), 0.0, 1.0))[::-1]
    sn = np.sort(np.clip(np.linalg.svd(Qb - Qa @ (Qa.T @ Qb), compute_uv=False), 0.0, 1.0))
    ang = np.where(sn < np.sqrt(0.5), np.arcsin(sn), np.arccos(c))
    return np.asarray(np.degrees(ang))


@dataclass(eq=False)
class LayerComparison:
    """What :func:`compare_layer` returns.

    Attributes:
        k: feature dimension of the layer; k_ref: rank of the SVD solution compared (``min(k, rank B)``).
        angles_features: principal angles (degrees) between ``span(Phi)`` of the layer and the top-``k_ref``
            left singular vectors of ``B``.
        angles_weights: the same for ``span(Psi)`` and the right singular vectors.
        singular_values: all singular values of ``B``, descending.
        spectral_gap: ``s_k - s_{k+1}`` for ``k = k_ref`` (``s_{k+1} = 0`` past the end): the
            angles between a learned rank-``k`` subspace and the top-``k`` singular subspace are
            only well defined, and stable, when this gap is large compared with the perturbation
            (Wedin); a small gap makes large angles cheap in loss. NaN when ``k_ref = 0`` (``B`` has no
            singular value above ``tol``: an independent joint, e.g. ``rho = 0``, or one sampled too sparsely).
        relative_error: ``||Phi Psi^T - B_k||_F / ||B_k||_F``.
        observed_loss: exact expected log-loss of the layer under ``P_xy``.
        predicted_loss: the local prediction ``H(Y|X) + 1/2 ||B - Phi Psi^T||_F^2`` for the layer.
        optimal_predicted_loss: ``H(Y|X) + 1/2 sum_{i > k} s_i^2`` (the SVD optimum, local prediction).
        svd_loss: exact expected log-loss of the SVD solution's layer.
        locality: :class:`Locality` of ``P_xy``.
    """

    __repr__ = short_repr

    k: int
    k_ref: int
    angles_features: np.ndarray
    angles_weights: np.ndarray
    relative_error: float
    observed_loss: float
    predicted_loss: float
    optimal_predicted_loss: float
    svd_loss: float
    locality: Locality
    singular_values: Any = None
    spectral_gap: float = float("nan")

    def summary(self) -> str:
        """A one-line human-readable summary."""
        af = self.angles_features.max() if len(self.angles_features) else float("nan")
        aw = self.angles_weights.max() if len(self.angles_weights) else float("nan")
        return (f"eps {self.locality.epsilon:.3g}: max principal angle {af:.3g} deg (features), "
                f"{aw:.3g} deg (weights), "
                f"spectral gap s_k - s_k+1 = {self.spectral_gap:.3g}; "
                f"relative error {self.relative_error:.3g}; loss observed {self.observed_loss:.6f} vs "
                f"predicted {self.predicted_loss:.6f}")


def compare_layer(P_xy: Any, features: Any, weights: Any, bias: Any = None, *, normalize: bool = False,
                  tol: float = 1e-10) -> LayerComparison:
    """Compare a trained softmax-regression layer with the SVD solution of ``B``.

    The layer computes ``logits[x] = features[x] @ weights + bias`` (e.g. a
    :class:`SoftmaxLayer`, or the last hidden layer's outputs on each input
    symbol and the output layer of any network).

    Args:
        P_xy: the joint the comparison is made under (e.g. the empirical joint of the training samples).
        features: ``f(x)``, shape ``(|X|, k)``.
        weights: shape ``(k, |Y|)``.
        bias: shape ``(|Y|,)``; default ``log P_y - weights^T E f`` (the local optimum).
        normalize: accept float arrays that do not sum to 1.
        tol: rank tolerance for the singular values of ``B`` (at most 1), ``0 <= tol < 1``.

    Returns:
        A :class:`LayerComparison`.

    Example:
        The SVD solution itself has zero angles and error:

        >>> P = local_family(5, 4, 0.1, seed=2)
        >>> sol = optimal_low_rank(P, 2)
        >>> c = compare_layer(P, sol.features, sol.weights.T, sol.bias)
        >>> c.angles_features.round(6).tolist(), round(c.relative_error, 12), c.observed_loss == sol.loss()
        ([0.0, 0.0], 0.0, True)
    """
    P = _joint(P_xy, normalize=normalize)
    # an audit: NaN, inf or True compared no angles, and -1 was refused only after the SVDs
    tol = chk.real("tol", tol, minimum=0.0)
    # (an audit in the sixty-third pass on issue 11: tol=1e308 left no reference direction and a NaN spectral gap)
    if tol >= 1.0:
        raise ValueError(f"tol must be in [0, 1): the singular values of B are at most 1, so tol >= 1 counts them "
                         f"all as zero, got {tol}")
    nx, ny = P.shape
    F = chk.float_matrix("features", features, dtype=np.float64, finite=True)
    if F.shape[0] != nx:
        raise ValueError(f"features must have one row per x ({nx}), got shape {F.shape}")
    k = F.shape[1]
    W = chk.float_matrix("weights", weights, dtype=np.float64, finite=True)
    if W.shape != (k, ny):
        hint = _TRANSPOSED_WEIGHTS if W.shape == (ny, k) else ""
        raise ValueError(f"weights must have shape (k, |Y|) = ({k}, {ny}), got {W.shape}{hint}")
    px, py = _marginals(P)
    ef = px @ F
    if bias is None:
        with np.errstate(divide="ignore"):
            b = np.where(py > 0, np.log(np.maximum(py, 1e-300)), -30.0) - W.T @ ef
    else:
        b = chk.float_vector("bias", bias, length=ny)
    Phi = np.sqrt(px)[:, None] * (F - ef)
    Psi = np.sqrt(py)[:, None] * (W.T - py @ W.T)
    B = bayes_matrix(P)
    U, s, V = _svd(B)
    rank = int(np.sum(s > tol))
    k_ref = min(k, rank)
    Bk = (U[:, :k_ref] * s[:k_ref]) @ V[:, :k_ref].T
    prod = Phi @ Psi.T
    nb = np.linalg.norm(Bk)
    rel = float(np.linalg.norm(prod - Bk) / nb) if nb > 0 else float(np.linalg.norm(prod))
    h, _ = _entropy_terms(P)
    if k_ref > 0:
        ang_f = principal_angles(Phi, U[:, :k_ref], tol=tol)
        ang_w = principal_angles(Psi, V[:, :k_ref], tol=tol)
    else:
        ang_f = ang_w = np.zeros(0)
    ref = optimal_low_rank(P, k_ref, tol=tol) if k_ref > 0 else None
    return LayerComparison(
        k=k, k_ref=k_ref, angles_features=ang_f, angles_weights=ang_w, relative_error=rel,
        observed_loss=softmax_log_loss(P, F @ W + b), predicted_loss=h + 0.5 * float(np.sum((B - prod) ** 2)),
        optimal_predicted_loss=h + 0.5 * float(np.sum(s[k_ref:] ** 2)),
        svd_loss=(ref.loss() if ref is not None
                  else softmax_log_loss(P, np.tile(np.log(np.maximum(py, 1e-300)), (nx, 1)))),
        locality=locality(P), singular_values=s,
        spectral_gap=float(s[k_ref - 1] - (s[k_ref] if k_ref < len(s) else 0.0)) if k_ref > 0 else float("nan"))


@dataclass(eq=False)
class LocalitySweep:
    """What :func:`locality_sweep` returns; one entry per mixing weight ``rho``.

    Attributes:
        rho: mixing weights towards the dependent joint (``rho -> 0`` is independence).
        comparisons: the :class:`LayerComparison` of the trained layer at each ``rho``.
        n_x, n_y, k, samples, steps, seed: the settings (``samples = 0``: trained on the exact joint).
    """

    __repr__ = short_repr

    rho: np.ndarray
    comparisons: List[LayerComparison]
    n_x: int
    n_y: int
    k: int
    samples: int
    steps: int
    seed: int

    @property
    def epsilon(self) -> np.ndarray:
        """Locality ``epsilon`` of the joint each layer was compared under."""
        return np.array([c.locality.epsilon for c in self.comparisons])

    @property
    def max_angle_features(self) -> np.ndarray:
        """Largest principal angle (degrees) between learned and SVD features, per ``rho``; NaN where there are no
        angles (no reference feature above ``tol``, e.g. ``samples=0`` or ``rho=0``)."""
        return np.array([c.angles_features.max() if c.angles_features.size else np.nan for c in self.comparisons])

    @property
    def max_angle_weights(self) -> np.ndarray:
        """Largest principal angle (degrees) between learned and SVD weights, per ``rho``; NaN where there are no
        angles (no reference feature above ``tol``, e.g. ``samples=0`` or ``rho=0``)."""
        return np.array([c.angles_weights.max() if c.angles_weights.size else np.nan for c in self.comparisons])

    @property
    def relative_error(self) -> np.ndarray:
        """``||Phi Psi^T - B_k||_F / ||B_k||_F`` per ``rho``."""
        return np.array([c.relative_error for c in self.comparisons])

    @property
    def spectral_gap(self) -> np.ndarray:
        """``s_k - s_{k+1}`` of ``B`` per ``rho`` (next to every principal angle); NaN where there are no angles
        (``B`` has no singular value above ``tol``, e.g. ``rho=0`` with ``samples=0``)."""
        return np.array([c.spectral_gap for c in self.comparisons])

    @property
    def loss_gap(self) -> np.ndarray:
        """``|observed - predicted|`` log-loss of the trained layer per ``rho``."""
        return np.array([abs(c.observed_loss - c.predicted_loss) for c in self.comparisons])


def locality_sweep(
    rhos: Any, *, n_x: int = 8, n_y: int = 6, k: int = 2, samples: int = 100_000, steps: int = 3000,
    seed: SeedLike = 0, progress: Optional[bool] = None,
) -> LocalitySweep:
    """Train a softmax layer on joints of growing locality and compare it with the SVD solution.

    For each ``rho``: the joint ``local_family(n_x, n_y, rho, seed=seed)``;
    ``samples`` pairs drawn from it (their counts are the empirical joint;
    ``samples = 0`` uses the exact joint); a layer trained on that joint by
    :func:`train_softmax_layer`; and :func:`compare_layer` under the same joint.
    ``progress``: one bar over the steps of all the runs, the package's policy (``None``: on a terminal or in a
    notebook, past a second; ``True``: always; ``False``: never).

    Raises:
        TypeError: ``rhos`` not real numbers (strings, bools), before any training.
        ValueError: ``rhos`` empty or with a value outside ``[0, 1]``; ``n_x`` or ``n_y`` below 2, or ``k`` outside
            ``1 .. min(n_x, n_y) - 1`` (the largest rank ``B`` can have, as :func:`optimal_low_rank` refuses a ``k``
            above the rank), before any training; ``samples`` in ``1 .. k`` (``s`` pairs give an empirical ``B`` of
            rank at most ``s - 1``); ``steps`` outside ``1 .. 10^7``, or all the runs together above ``max_work``
            (each run's price, its numpy calls' overhead included, times ``len(rhos)``), before any training.

    Example:
        >>> sw = locality_sweep([0.5, 0.05], n_x=5, n_y=4, k=1, samples=0, steps=800)
        >>> bool(sw.max_angle_features[1] < sw.max_angle_features[0]), bool(sw.epsilon[1] < sw.epsilon[0])
        (True, True)
    """
    # all of rhos up front (an audit: "abc" raised numpy's conversion error, [True] ran as 1.0, and [0.5, 2.0] was
    # refused as "rho" after training at 0.5)
    arr = chk._real_array("rhos", rhos)
    if arr.dtype == np.bool_ or chk.bools_inside(rhos):
        raise TypeError("rhos must hold mixing weights (real numbers in [0, 1]), got a bool")
    r = np.atleast_1d(arr.astype(np.float64))
    if r.ndim != 1 or len(r) == 0:
        raise ValueError(f"rhos must be a non-empty list of mixing weights in [0, 1], got shape {arr.shape}")
    bad = np.flatnonzero(~((r >= 0.0) & (r <= 1.0)))   # NaN too
    if bad.size:
        raise ValueError(f"rhos must hold mixing weights in [0, 1], got rhos[{bad[0]}] = {r[bad[0]]}")
    samples = chk.count("samples", samples, minimum=0, maximum=MAX_SAMPLES)
    # one value of x or of y: the centred Bayes matrix is 0, no feature to compare (checked before any training)
    n_x = chk.count("n_x", n_x, minimum=2, maximum=MAX_VALUES)
    n_y = chk.count("n_y", n_y, minimum=2, maximum=MAX_VALUES)
    k = chk.count("k", k, minimum=1, maximum=MAX_FEATURES)
    max_rank = min(n_x, n_y) - 1   # B sqrt(P_y) = 0 and sqrt(P_x)^T B = 0
    if k > max_rank:   # as optimal_low_rank: no top-k subspace, no gap s_k - s_k+1 to compare with (before training)
        raise ValueError(f"k = {k} exceeds the rank of the centred matrix B, at most min(n_x, n_y) - 1 = {max_rank} "
                         f"(n_x = {n_x}, n_y = {n_y}); use k <= {max_rank} or a larger n_x and n_y")
    # (an audit in the sixty-third pass on issue 11: samples=1 compared no angles and gave a NaN spectral gap)
    if 0 < samples <= k:
        raise ValueError(f"samples = {samples} is too few for k = {k}: {samples} sampled pairs fill at most {samples} "
                         f"cells of the joint, so the empirical B has rank at most {samples - 1}, below k (no top-k "
                         f"subspace to compare the layer with); use samples >= k + 1 = {k + 1} (many more for a "
                         "stable comparison), or samples=0 for the exact joint")
    steps = chk.count("steps", steps, minimum=1, maximum=MAX_STEPS)
    progress = _progress._check(progress)
    # all the runs at once (an audit: each run was checked alone, so a long rhos list ran unchecked): the training
    # (train_softmax_layer's price), the comparison's SVDs (optimal_low_rank's, 4 m n min(m, n)) and the sampling
    # and each run's numpy calls (an audit in the sixty-third pass on issue 11: 10^6 values of rho were priced at 5e9
    # steps, 5 s, and ran for about half an hour)
    per_rho = _softmax_layer_work(n_x, n_y, k, steps) + _svd_work(n_x, n_y) + 10.0 * n_x * n_y + _RUN_CALLS
    _check_work(f"a locality sweep over {len(r)} values of rho ({n_x} x {n_y} joints, k = {k}, {steps} steps each)",
                len(r) * per_rho, "pass fewer rhos, fewer steps or a smaller joint")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    comps = []
    with progress_bar(len(r) * steps, desc=f"locality sweep {n_x} x {n_y} k={k}", progress=progress,
                      unit="step") as bar:
        for rho in r:
            P = local_family(n_x, n_y, float(rho), seed=seed)
            if samples:
                P = rng.multinomial(samples, P.ravel()).reshape(P.shape)
            layer = _train_softmax_layer(P, k, steps=steps, lr=_LR, init_scale=_INIT_SCALE, seed=seed,
                                         normalize=False,
                                         progress=progress, bar=bar)
            comps.append(compare_layer(P, layer.features, layer.weights, layer.bias))
    return LocalitySweep(r, comps, n_x, n_y, k, samples, steps, seed)
