"""A vectorised numpy mirror of the analytic estimator in ``rust/src/estimate.rs``, for fitting constants.

The shipped estimator is the Rust one; ``benchmarks/calibrate_protocols.py`` checks that this mirror and
the Rust core agree (to 1e-9) on every measured configuration before it reports anything.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np
from scipy.special import ndtr

#: Expected maximum of R independent standard normals, R = 0..8 (best of R restarts).
BEST_OF = np.array([0.0, 0.0, 0.5641895835, 0.8462843753, 1.0293753730, 1.1629644736, 1.2672063606,
                    1.3521783756, 1.4236003060])

REF_SUMMED_LR = 0.0002 * 4000 + (0.02 - 0.0002) * 4001 / 2


def summed_lr(lr: Any, steps: Any, cosine: Any) -> Any:
    lr_min = lr / 100
    return np.where(cosine, steps * lr_min + (lr - lr_min) * (steps + 1) / 2, lr * steps)


def _batch(N: Any, batch: Any) -> Any:
    return np.where(batch <= 0, N, np.minimum(batch, N)).astype(float)


def budget_ratio(P: Dict[str, float], N: Any, lr: Any, steps: Any, batch: Any, cosine: Any, sgd: Any) -> Any:
    """Drift of the hyperplanes relative to the reference protocol.

    The summed learning rate; an SGD (momentum 0.9) step travels ``g_sgd`` times an Adam step of the
    same rate; with Adam minibatches the second-moment estimate is dominated by the minibatch noise, so
    the drift per step shrinks by ``sqrt(b / N)``.
    """
    s = summed_lr(lr, steps, cosine)
    s = np.where(sgd, s * P["g_sgd"] * (_batch(N, batch) / N) ** P["psi_s"],
                 s * (_batch(N, batch) / N) ** P["psi"])
    return s / REF_SUMMED_LR


def temperature(N: Any, lr: Any, batch: Any, sgd: Any) -> Any:
    """Adam's minibatch jitter: steps of size ``lr`` in directions that are ``sqrt(N / b - 1)`` parts noise."""
    return np.where(sgd, 0.0, lr * np.sqrt(N / _batch(N, batch) - 1))


#: Smallest effective dimension (``K_MIN`` in ``rust/src/estimate.rs``): jitter far outside the validated range can
#: underflow ``K`` to 0, and ``N / K`` must stay finite for every accepted ``N``.
K_MIN = 1e-290


def estimate(P: Dict[str, float], d: Any, N: Any, widths: Sequence[Any], gauss: Any, lr: Any, steps: Any,
             batch: Any, cosine: Any, sgd: Any, restarts: Any, k_mult: Any = 1.0) -> Any:
    """The estimate (see :func:`estimate_band`)."""
    return estimate_band(P, d, N, widths, gauss, lr, steps, batch, cosine, sgd, restarts, band=False,
                         k_mult=k_mult)[0]


def estimate_band(P: Dict[str, float], d: Any, N: Any, widths: Sequence[Any], gauss: Any, lr: Any, steps: Any,
                  batch: Any, cosine: Any, sgd: Any, restarts: Any, band: bool = True, internals: bool = False,
                  k_mult: Any = 1.0) -> Any:
    """``(accuracy, low, high)`` arrays, as ``rust/src/estimate.rs`` computes them before the fitted correction
    (``internals``: the load ``N / K`` and the budget ``rho`` instead of the band). ``k_mult`` multiplies the
    effective dimension ``K`` (the fitted correction's warp of the load, :func:`warp`). A batch of ``N`` or more
    points is full batch (:func:`full_batch_at`), without the cap at ``N = b`` of smaller batches (the caller's:
    ``calibrate_protocols.corrected_of``)."""
    d = np.asarray(d, float)
    N = np.asarray(N, float)
    batch = full_batch_at(N, batch)
    rho = budget_ratio(P, N, lr, steps, batch, cosine, sgd)
    m = 1 + (P["m"] - 1) * rho ** P["a_m"]
    fan = d
    first = first_inf = np.zeros_like(d)
    later = np.zeros_like(d)
    later_inf = np.zeros_like(d)
    later_cap = P["xi"] * (d + 1) ** P["eta"]
    for l, w in enumerate(widths):
        w = np.asarray(w, float)
        valid = w > 0
        eff = fan / (fan + P["r"])
        cap = fan + 1 if l == 0 else np.minimum(fan + 1, later_cap)
        decay = P["delta"] ** max(l - 1, 0)
        add = np.where(valid, w * np.minimum(cap, P["q"] * N) * eff * decay, 0.0)
        add_inf = np.where(valid, w * cap * eff * decay, 0.0)
        if l == 0:
            first, first_inf = add, add_inf
        else:
            later = later + add
            later_inf = later_inf + add_inf
        fan = np.where(valid, w, fan)
    boost = np.where(gauss, 1 + P["gauss"], 1.0)
    ln_ksat = np.log(d + 1) + d * np.log(m)
    ksat = np.exp(np.minimum(ln_ksat, 700))
    p = P["p"]

    def smin(a: Any, b: Any) -> Any:
        return (a ** -p + b ** -p) ** (-1 / p)

    # Adam minibatch jitter kills directions in every hidden layer: the damage compounds with depth.
    depth = sum((np.asarray(w) > 0).astype(float) for w in widths)
    damage = np.exp(-(temperature(N, lr, batch, sgd) / P["tau0"]) ** P["zeta"] * (1 + P["dd"] * (depth - 1)))
    k_time = P["A"] * rho ** P["beta"] * ((d + 1) / 11) ** P["omega"]
    if P.get("e0", 0.0) > 0:
        # Sample visits: a run of `steps` steps of `b` points sees `steps b` (point, gradient) pairs, and each
        # direction it fits needs about `1 / e0` of them (binds for runs of few epochs in high d). Rules 28-30 of
        # issue 11 tried it (`visits_probe.py`); none shipped, so the Rust core has no such term and `P` without
        # `e0` (or with 0) is the shipped model.
        k_time = smin(k_time, P["e0"] * np.asarray(steps, float) * _batch(N, batch))
    first_k = np.where(ln_ksat > 700, first * boost, smin(first * boost, ksat))
    first_k_inf = np.where(ln_ksat > 700, first_inf * boost, smin(first_inf * boost, ksat))
    K = np.maximum(smin((1 + first_k + later) * damage, k_time) * k_mult, K_MIN)
    K_size = np.maximum(np.maximum(smin((1 + first_k_inf + later_inf) * damage, k_time), K_MIN)
                        * np.maximum(k_mult, 1.0), K)
    R = np.asarray(restarts, int)
    f0 = P["gamma"] * np.exp(-np.asarray(widths[0], float) * np.log(2))

    def acc_at(k: Any) -> Any:
        alpha = N / k
        with np.errstate(all="ignore"):
            beyond = np.where(alpha <= P["c"], 1.0, ndtr(P["kappa"] / np.sqrt(np.maximum(alpha - P["c"], 1e-300))))
        # the fit-everything transition widens with depth
        fit_all = ndtr((P["c2"] - alpha) * 10.0 * (K_size * (k / K) / 100.0) ** P["e_k"] * P["s"]
                       / (1 + P["s_deep"] * (depth - 1)))
        A = fit_all + (1 - fit_all) * beyond
        A = A + P["nu"] * (BEST_OF[R] - BEST_OF[2]) * np.sqrt(A * (1 - A) / N)
        A = np.clip(A, 0.5, 1.0)
        return (1 - f0) * A + f0 / 2

    acc = acc_at(K)
    if internals:
        return acc, N / K, rho
    if not band:
        return acc, None, None
    reference = (~np.asarray(sgd, bool)) & (np.asarray(lr) == 0.02) & (np.asarray(steps) == 4000) & \
        (np.asarray(batch) <= 0) & np.asarray(cosine, bool) & (np.asarray(restarts) == 2)
    sigma = P["sigma_ln_k"] + P["sigma_rho"] * np.abs(np.log(rho)) + P["sigma_deep"] * (depth - 1) + \
        np.where(reference, 0.0, P.get("sigma_proto", 0.0)) + \
        np.where((depth > 1) & (np.asarray(d) > 50), P.get("sigma_high_d", 0.0), 0.0)
    spread = np.exp(sigma * 1.6448536269514722)
    noise = 1.6448536269514722 * P["noise"] * np.sqrt(acc * (1 - acc) / N)
    low = np.minimum(np.maximum(acc_at(K / spread) - noise, 0.5), acc)
    high = np.maximum(np.minimum(acc_at(K * spread) + noise, 1.0), acc)
    return acc, low, high


#: The fitted correction's features, in the order of ``CORRECTION_FEATURES`` in ``rust/src/estimate.rs``.
CORRECTION_FEATURES = ["ln d", "ln N", "ln L1", "ln L_last", "depth", "ln(N/P)", "ln lr", "ln steps", "ln(b/N)", "sgd",
                       "cosine", "restarts", "gaussian", "ln summed lr", "ln load", "ln budget", "ln L_min",
                       "ln L_min later", "ln batch"]
#: Monotone constraints of the correction (+1 non-decreasing, -1 non-increasing, 0 free), per feature.
MONOTONE = [0, -1, 1, 1, 0, -1, 0, 1, 1, 0, 0, 1, 0, 1, -1, 1, 1, 1, 0]
#: Number of features.
NF = len(CORRECTION_FEATURES)
#: The batch size feature ``ln batch`` gives a full-batch protocol (``FULL_BATCH`` in ``rust/src/estimate.rs``).
FULL_BATCH = 1e6


def full_batch_at(N: Any, batch: Any) -> Any:
    """``batch`` (0 = full batch) with every batch of ``N`` or more points written as full batch, as the trainer
    runs it and ``analytic`` in ``rust/src/estimate.rs`` reads it (rule 27 of issue 11)."""
    batch = np.asarray(batch)
    return np.where(batch >= np.asarray(N), 0, batch)


def correction_features(P: Dict[str, float], d: Any, N: Any, widths: Sequence[Any], gauss: Any, lr: Any, steps: Any,
                        batch: Any, cosine: Any, sgd: Any, restarts: Any, batch_as_given: bool = False) -> Any:
    """The correction's features as an ``(n, 19)`` array (``widths`` as in :func:`estimate`, 0 = no layer); the
    17th and 18th are the narrowest hidden layer and the narrowest after the first (the first where there is one
    layer), both non-decreasing in every width; the last the batch size as given (``FULL_BATCH`` for full batch,
    and for a batch of ``N`` or more points, :func:`full_batch_at`; a smaller batch is not capped at ``N``, so that
    it does not change with ``N``). ``batch_as_given``: a batch of ``N`` or more points read as given, as the
    shipped correction's trees were grown (rule 22; rule 27 reads it as full batch in the estimate only)."""
    if not batch_as_given:
        batch = full_batch_at(N, batch)
    _, load, rho = estimate_band(P, d, N, widths, gauss, lr, steps, batch, cosine, sgd, restarts, internals=True)
    d = np.asarray(d, float)
    N = np.asarray(N, float)
    ws = [np.asarray(w, float) for w in widths]
    P = np.ones_like(d)
    fan = d
    depth = np.zeros_like(d)
    last = ws[0]
    for w in ws:
        valid = w > 0
        P = P + np.where(valid, w * (fan + 1), 0.0)
        fan = np.where(valid, w, fan)
        last = np.where(valid, w, last)
        depth = depth + valid
    b = _batch(N, np.asarray(batch))
    later = np.minimum.reduce([np.where(w > 0, w, np.inf) for w in ws[1:]], initial=np.inf) * np.ones_like(d)
    later = np.where(np.isfinite(later), later, ws[0])   # one layer: the first
    narrowest = np.minimum(ws[0], later)
    raw_batch = np.where(np.asarray(batch) > 0, np.minimum(batch, FULL_BATCH), FULL_BATCH)
    return np.stack([np.log(d), np.log(N), np.log(ws[0]), np.log(last), depth, np.log(N / P), np.log(lr),
                     np.log(steps), np.log(b / N), np.asarray(sgd, float), np.asarray(cosine, float),
                     np.asarray(restarts, float), np.asarray(gauss, float),
                     np.log(summed_lr(np.asarray(lr, float), np.asarray(steps, float), cosine)), np.log(load),
                     np.log(rho), np.log(narrowest), np.log(later), np.log(raw_batch) * np.ones_like(d)], 1)


def tree_predict(baseline: float, nodes: np.ndarray, trees: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The tree ensemble at the rows of ``X``: ``nodes`` rows ``(feature, threshold or leaf value, left, right)``
    with ``left``/``right`` relative to the tree's first node and feature 255 for a leaf; ``trees`` the first
    nodes. ``x[feature] <= threshold`` goes left."""
    out = np.full(len(X), float(baseline))
    rows = np.arange(len(X))
    for start in trees:
        i = np.full(len(X), int(start))
        while True:
            f = nodes[i, 0].astype(int)
            leaf = f == 255
            if leaf.all():
                break
            fx = np.where(leaf, 0, f)
            go_left = X[rows, fx] <= nodes[i, 1]
            step = np.where(go_left, nodes[i, 2], nodes[i, 3]).astype(int)
            i = np.where(leaf, i, int(start) + step)
        out += nodes[i, 1]
    return out


#: The correction's stretch reads only these features (``ln d``, depth, ``ln lr``, optimizer, schedule, restarts,
#: input law, batch size): none changes with ``N``, a width or the number of steps, so the stretch cannot break
#: the estimate's monotonicity in them.
STRETCH_FEATURES = [0, 4, 6, 9, 10, 11, 12, 18]
#: The stretch is clipped to ``[-STRETCH_CLIP, STRETCH_CLIP]`` (a factor ``e^2`` either way).
STRETCH_CLIP = 2.0
#: Fewest points of any calibration measurement: below it the correction's lowering part fades in from ``d + 1``.
MIN_N = 50.0


#: Monotone constraints of the two stretches over ``STRETCH_FEATURES`` (fifteenth pass on issue 11): above the
#: transition's centre the stretch scales a positive distance, so it must not grow with the restarts; below it, a
#: negative one, so it must not fall. With the shift non-increasing in restarts, the estimate cannot fall with them.
STRETCH_UP_MONOTONE = [-1 if f == 11 else 0 for f in STRETCH_FEATURES]
STRETCH_DOWN_MONOTONE = [1 if f == 11 else 0 for f in STRETCH_FEATURES]


def side_stretch(P: Dict[str, float], ln_load: Any, stretch: np.ndarray) -> Any:
    """The stretch a row uses: ``stretch[:, 0]`` above the transition's centre (``ln load > ln c2``),
    ``stretch[:, 1]`` at or below it."""
    return np.where(np.asarray(ln_load, float) > np.log(P["c2"]), stretch[:, 0], stretch[:, 1])


def warp(P: Dict[str, float], d: Any, N: Any, ln_load: Any, stretch: Any, shift: Any) -> Any:
    """The correction's change ``Delta`` of the log-load: ``ln(N/K) -> ln(N/K) + Delta`` with
    ``Delta = (ln(N/K) - ln c2) (exp(a) - 1) + b`` for the stretch ``a`` (clipped; one for each side of ``ln c2``,
    :func:`side_stretch`) and the shift ``b``; below ``MIN_N`` points its positive (lowering) part fades in linearly
    from ``N = d + 1``."""
    a = np.clip(side_stretch(P, ln_load, stretch), -STRETCH_CLIP, STRETCH_CLIP)
    delta = (ln_load - np.log(P["c2"])) * np.expm1(a) + shift
    w = np.clip((np.asarray(N, float) - np.asarray(d, float) - 1.0) / np.maximum(MIN_N - np.asarray(d, float) - 1.0,
                                                                              1.0), 0.0, 1.0)
    return np.maximum(delta, 0.0) * w + np.minimum(delta, 0.0)


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="A module with nothing to run on its own: calibrate_protocols.py, visits_probe.py and the other "
               "scripts that fit the estimator's constants import it.").parse_args()
    print("estimator_model.py is a module: python benchmarks/calibrate_protocols.py imports it and checks it "
          "against the Rust core")
