"""Seed 3 (linear teachers): the measurements behind docs/teacher.md, and its claims table.

    nice python benchmarks/claims_teacher.py            # about 10-15 s on 2 cores

Trains the bias-free Leaky-ReLU network of the setting (alpha = 0.3, lr = 0.5, batch 1,
W_0 rows of norm about 0.5) on linear-teacher data and prints markdown tables: linearity
against its baselines, angles to the teacher and to the max-margin direction against N,
the count of hard steps against the hinge-loss bound, and whether clustering needs the
agreement condition; after the first table, the share of probes the certified slab covers, and the share the
reconstruction's Lipschitz slab (1/alpha times wider) would cover.
"""

from __future__ import annotations

import argparse

import numpy as np

from nnpartition.teacher import (
    boundary_linearity,
    linear_teacher_dataset,
    linearity_baselines,
    log_schedule,
    train_teacher,
)
from nnpartition.teacher import _into_ball, _sample


def row(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def probes(n, w, dist, seed):
    return _into_ball(_sample(np.random.default_rng([seed, 0x9B0B]), n, len(w), dist, w / np.linalg.norm(w)))


def run(N, d, L, dist, epochs=200, seed=0, batch=1, lr=0.5, init=0.5):
    X, y, w = linear_teacher_dataset(N, d, margin=0.1, dist=dist, seed=seed)
    bs = N if batch is None else batch
    steps = epochs * (-(-N // bs))
    r = train_teacher(X, y, L, lr=lr, steps=steps, batch_size=bs, init_scale=init, record_at=log_schedule(steps, 100),
                      w_star=w, seed=seed)
    return r, w


def main() -> None:
    d, N, L = 20, 500, 50
    print(f"## Linearity against its baselines (d = {d}, N = {N}, L = {L}, 4000 probes, 10 random networks)\n")
    print(row(["data", "agreement with best linear rule: initial", "random net, same width", "trained",
               "centre rule: initial / trained", "angle to w*", "angle to max-margin", "hard steps (loss >= 0.01)",
               "hinge-loss bound M", "agreement reached", "aligned units (cos > 0.9)"]))
    print(row(["---"] * 11))
    res, w_stars = {}, {}
    for dist in ("gaussian", "two_balls"):
        r, w = run(N, d, L, dist)
        b = linearity_baselines(r, probes(4000, w, dist, 1), n_random=10, seed=3)
        m = r.metrics()
        res[dist], w_stars[dist] = (r, b, m), w
        t_ag = r.agreement_step(m)
        print(row([dist, f"{b.initial.agreement_fitted:.3f}", f"{b.random_fitted:.3f} +- {b.random_fitted_std:.3f}",
                   f"{b.final.agreement_fitted:.4f}",
                   f"{b.initial.agreement_centres:.3f} / {b.final.agreement_centres:.4f}",
                   f"{b.final.angle_to_teacher:.1f} deg", f"{b.final.angle_to_max_margin:.1f} deg",
                   int(r.hard_steps[-1]), f"{r.update_bound():.3g}",
                   f"step {t_ag}" if t_ag is not None else "never", f"{np.asarray(m.aligned_fraction)[-1]:.2f}"]))
    _, bg, _ = res["gaussian"]
    P = probes(4000, w_stars["gaussian"], "gaussian", 1)
    Z = P if len(bg.final.w_lin) == d else np.hstack([P, np.ones((len(P), 1))])
    rule, norm = np.abs(Z @ bg.final.w_lin), np.linalg.norm(Z, axis=1)
    print(f"\ngaussian, the certified slab |<w+ - w-, x>| > 2 delta |x|: {bg.final.certified_fraction:.3f} "
          "of the probes "
          f"(recomputed: {np.mean(rule > 2 * bg.final.delta * norm):.3f}); with the reconstruction's Lipschitz slab, "
          f"1/alpha = {1 / 0.3:.2f} times wider: {np.mean(rule > 2 * bg.final.delta * norm / 0.3):.3f}")

    print(f"\n## Is the final angle the finite sample? (gaussian, d = {d}, L = {L}, 100,000 SGD steps, 3 seeds)\n")
    print(row(["N", "angle to w*", "angle to max-margin", "max-margin to w*"]))
    print(row(["---"] * 4))
    Ns = (125, 250, 500, 1000, 2000)
    ang_t, ang_m = [], []
    for n in Ns:
        a_t, a_m, mm_t = [], [], []
        for seed in range(3):
            X, y, w = linear_teacher_dataset(n, d, margin=0.1, dist="gaussian", seed=seed)
            r = train_teacher(X, y, L, steps=100_000, record_every=100_000, w_star=w, seed=seed)
            mm = r.max_margin().direction
            rep = boundary_linearity(r.network(), probes(1000, w, "gaussian", 1), w_star=w, max_margin=mm)
            a_t.append(rep.angle_to_teacher)
            a_m.append(rep.angle_to_max_margin)
            mm_t.append(np.degrees(np.arccos(np.clip(mm @ w / np.linalg.norm(w), -1, 1))))
        ang_t.append(np.mean(a_t))
        ang_m.append(np.mean(a_m))
        print(row([n, f"{np.mean(a_t):.2f} deg", f"{np.mean(a_m):.2f} deg", f"{np.mean(mm_t):.2f} deg"]))
    slope = np.polyfit(np.log(Ns), np.log(ang_t), 1)[0]

    print("\n## Does clustering need the agreement condition? (gaussian, full batch, lr 2, 2000 steps, 3 seeds)\n")
    print(row(["seed", "agreement at the end", "agreement reached", "aligned units", "stable rank",
               "linear agreement"]))
    print(row(["---"] * 6))
    never_but_cluster = 0
    for seed in range(3):
        r, w = run(N, d, L, "gaussian", epochs=2000, seed=seed, batch=None, lr=2.0)
        m = r.metrics()
        t_ag = r.agreement_step(m)
        al = float(np.asarray(m.aligned_fraction)[-1])
        lin = boundary_linearity(r.network(), probes(4000, w, "gaussian", 1)).agreement_centres
        never_but_cluster += int(t_ag is None and al == 1.0)
        print(row([seed, f"{np.asarray(m.agreement)[-1]:.3f}", "never" if t_ag is None else f"step {t_ag}", f"{al:.2f}",
                   f"{np.asarray(m.stable_rank)[-1]:.3f}", f"{lin:.4f}"]))

    g, tb = res["gaussian"], res["two_balls"]
    print("\n## Claims\n")
    print(row(["paper's claim", "function", "measured here", "verdict"]))
    print(row(["---"] * 4))
    err0 = int(g[0].steps[np.argmax(g[0].error == 0)]) if np.any(g[0].error == 0) else None
    print(row(["SGD drives the training error to zero on linearly separable data", "`train_teacher`",
               f"zero training error from step {err0} (gaussian); hard steps {int(g[0].hard_steps[-1])} "
               "vs the hinge-loss "
               f"bound M = {g[0].update_bound():.3g}",
               "holds; " + ("the hard-step count is below M" if g[0].hard_steps[-1] <= g[0].update_bound() else
                            "the hard-step count exceeds M, which bounds hinge-loss updates, not logistic steps with "
                            "loss >= 0.01")]))
    print(row(["the units converge to two clusters", "`clustering_metrics`",
               f"aligned units {np.asarray(g[2].aligned_fraction)[-1]:.2f}, "
               f"stable rank {np.asarray(g[2].stable_rank)[-1]:.3f}",
               "holds (the clusters sit at +-w*, so W is nearly rank 1)"]))
    bg = g[1]
    print(row(["two clusters make the boundary (approximately) linear", "`linearity_baselines`",
               f"best linear rule agrees on {bg.final.agreement_fitted:.4f} of probes, "
               f"up from {bg.initial.agreement_fitted:.3f} "
               f"at initialisation and {bg.random_fitted:.3f} for random networks of the same width; certified-slab "
               f"violations {bg.final.certified_violations}",
               f"holds, but the rise starts from {bg.initial.agreement_fitted:.2f}: random networks of this width are "
               "already nearly linear on these probes"
               if bg.final.agreement_fitted > bg.random_fitted + 2 * bg.random_fitted_std
               else "not above the random baseline"]))
    bt = tb[1]
    print(row(["the network's direction is the teacher's", "`boundary_linearity(max_margin=...)`",
               f"two_balls: {bt.final.angle_to_teacher:.1f} deg to w*, {bt.final.angle_to_max_margin:.1f} deg to the "
               f"max-margin direction; gaussian: {bg.final.angle_to_teacher:.1f} / "
               f"{bg.final.angle_to_max_margin:.1f} deg",
               "; ".join(f"{name}: closer to " + ("w*" if b_.final.angle_to_teacher < b_.final.angle_to_max_margin
                                                  else "the max-margin direction")
                         for name, b_ in (("two_balls", bt), ("gaussian", bg)))]))
    print(row(["the remaining angle to w* is the finite sample", "N sweep above",
               f"angle to w* {ang_t[0]:.2f} -> {ang_t[-1]:.2f} deg from N = {Ns[0]} to {Ns[-1]} "
               f"(log-log slope {slope:.2f})",
               "supported: the angle shrinks with N" if slope < -0.25
               else "not supported: the angle does not shrink with N"]))
    print(row(["the agreement condition leads to clustering", "`TeacherRun.agreement_step`",
               f"{never_but_cluster} of 3 full-batch runs never reach 100% agreement yet have every unit aligned",
               "sufficient, not necessary" if never_but_cluster else "no counterexample in these runs"]))


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
