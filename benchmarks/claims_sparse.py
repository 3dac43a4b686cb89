"""Seed 2 (expand-and-sparsify): the measurements behind docs/sparse.md, and its claims table.

    nice python benchmarks/claims_sparse.py            # about 2 minutes on 2 cores

Prints (markdown) the exact-capacity table, the explicit readout, generalisation,
subset and matched-sparsity tables, then "paper's claim | function | measured here |
verdict", then the cost of ``code_stats``' interruptible rank against numpy's ``matrix_rank``. Every number is
computed in this run from fixed seeds.
"""

from __future__ import annotations

import argparse

import numpy as np

from nnpartition.sparse import (
    capacity_curve,
    expand_sparsify,
    explicit_readout,
    generalisation,
    pattern_overlap,
    sparsity_curve,
    subset_curve,
    teacher_task,
)


def row(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def main() -> None:
    m, d, trials = 50, 10, 20
    Ns = [25, 50, 63, 75, 88, 100, 112, 125, 150]
    print(f"## Capacity: d = {d}, m = {m}, {trials} trials, Gaussian points, random labels\n")
    print(row(["N / m"] + [f"{n / m:.2f}" for n in Ns]))
    print(row(["---"] * (len(Ns) + 1)))
    cap = {}
    for sp, k in (("relu", None), ("topk", 10), ("threshold", 10), ("topk", 2), ("threshold", 2)):
        c = capacity_curve(d, Ns, m, k, sparsify=sp, trials=trials, seed=0)
        name = sp if k is None else f"{sp}, k = {k}"
        cap[name] = c
        print(row([f"{name}: exactly separable (LP)"] + [f"{x:.2f}" for x in c.separable_fraction]))
        print(row([f"{name}: Cover for rank r"] + [f"{x:.3f}" for x in c.cover_rank]))
        print(row([f"{name}: rank r / dead units / zero rows / distinct codes"] +
                  [f"{r:.1f} / {du:.1f} / {z:.1f} / {di:.1f}" for r, du, z, di in
                   zip(c.mean_rank, c.mean_dead_units, c.mean_zero_rows, c.mean_distinct_rows)]))
    print(row(["Cover for D = m"] + [f"{x:.3f}" for x in cap["relu"].cover]))
    h = capacity_curve(d, Ns, m, sparsify="relu", trials=trials, seed=0, method="perceptron", epochs=2000)
    print(row(["relu: perceptron fits (2000 epochs, heuristic)"] + [f"{x:.2f}" for x in h.separable_fraction]))
    print(row(["relu: least-squares training accuracy"] + [f"{x:.3f}" for x in cap["relu"].mean_accuracy]))

    f = lambda X: np.sin(2 * X[:, 0]) * X[:, 1] + X[:, 2] ** 2  # noqa: E731
    print("\n## Explicit readout on the sphere, d = 3, f = sin(2 x1) x2 + x3^2 (test RMSE, 5000 training points)\n")
    print(row(["m, k", "explicit f(theta_j)/k, unit theta_j", "least squares", "std of f"]))
    print(row(["---"] * 4))
    expl = {}
    for mm, kk in ((100, 5), (1000, 10), (5000, 20)):
        r = explicit_readout(f, 3, mm, kk, seed=0)
        expl[mm] = r
        print(row([f"{mm}, {kk}", f"{r.rmse_explicit:.3f}", f"{r.rmse_lstsq:.3f}", f"{r.target_std:.3f}"]))

    print("\n## Generalisation: d = 10, width m = 200, 1000 training points, 2000 test points, 3 trials\n")
    print(row(["task", "topk code (k = 10)", "threshold code", "ReLU code", "raw input", "trained 10 -> 200 -> 1 net"]))
    print(row(["---"] * 6))
    gen = {}
    for task in ("linear", "nonlinear"):
        g = generalisation(task, 10, 200, 1000, trials=3, seed=0)
        gen[task] = g
        assert g.trained is not None
        print(row([task]
                  + [f"{g.code[s][0]:.3f} (train {g.train_code[s][0]:.3f})" for s in ("topk", "threshold", "relu")]
                  + [f"{g.raw[0]:.3f}", f"{g.trained[0]:.3f}"]))

    X, y, _ = teacher_task("nonlinear", 3000, 10, seed=5)
    code = expand_sparsify(X[:1000], 400, sparsify="relu", seed=1)
    sizes = [10, 25, 50, 100, 200, 400]
    sc = subset_curve(code, y[:1000], X[1000:], y[1000:], sizes, seed=0)
    print("\n## Subsets of a 400-unit ReLU code (nonlinear teacher, d = 10, 1000 training points; test accuracy)\n")
    print(row(["units kept"] + sizes))
    print(row(["---"] * (len(sizes) + 1)))
    print(row(["random subset (mean of 5)"] + [f"{a:.3f}" for a in sc.random]))
    print(row(["selected (largest readout weights, refitted)"] + [f"{a:.3f}" for a in sc.selected]))

    rhos = [0.02, 0.05, 0.1, 0.2, 0.4]
    sp = sparsity_curve("nonlinear", 10, 400, 1000, rhos, trials=3, seed=0)
    print("\n## Matched sparsity (nonlinear teacher, d = 10, m = 400, 1000 training points; test accuracy)\n")
    print(row(["active fraction"] + rhos))
    print(row(["---"] * (len(rhos) + 1)))
    names = {"topk": "WTA (top-k)", "threshold": "threshold (binary)", "relu": "ReLU, calibrated bias",
             "mask": "dense ReLU, random mask"}
    for s in ("topk", "threshold", "relu", "mask"):
        print(row([names[s]] + [f"{a:.3f}" for a in sp.accuracy[s]]))

    ov = pattern_overlap(X[:1000], expand_sparsify(X[:1000], 400, k=20, seed=2), pairs=2000)

    relu = cap["relu"]
    i15, i175 = Ns.index(75), Ns.index(88)

    def follows(c) -> bool:   # within 3 binomial standard deviations (+ one trial) of Cover for the rank
        sd = np.sqrt(c.cover_rank * (1 - c.cover_rank) / trials)
        return bool(np.all(np.abs(c.separable_fraction - c.cover_rank) <= 3 * sd + 1 / trials))

    ok = [n for n, c in cap.items() if follows(c)]
    bad = [n for n, c in cap.items() if not follows(c)]
    why = "; ".join(f"{n}: separable {cap[n].separable_fraction[1]:.2f} at N = m vs Cover {cap[n].cover_rank[1]:.3f}, "
                    f"{cap[n].mean_distinct_rows[1]:.0f} distinct codes of {m}, "
                    f"{cap[n].mean_zero_rows[1]:.1f} zero rows"
                    for n in bad)
    print("\n## Claims\n")
    print(row(["paper's claim", "function", "measured here", "verdict"]))
    print(row(["---"] * 4))
    print(row(["a random expansion gives a code of capacity m (Cover's count)", "`capacity_curve(method='exact')`",
               f"ReLU: separable {relu.separable_fraction[i15]:.2f} / {relu.separable_fraction[i175]:.2f} "
               f"at N = 1.5m / 1.76m (Cover {relu.cover_rank[i15]:.3f} / {relu.cover_rank[i175]:.3f}). "
               + (why or "all codes follow Cover"),
               f"holds for {', '.join(ok)}"
               + (f"; fails for {', '.join(bad)} (duplicate and zero rows)" if bad else "")]))
    refuted = bool(np.any(h.separable_fraction < relu.separable_fraction - 0.2))
    print(row(["the perceptron measures that capacity (this project's earlier table)",
               "`readout_accuracy('perceptron')`",
               f"{h.separable_fraction[i15]:.2f} / {h.separable_fraction[i175]:.2f} at 1.5m / 1.76m vs exact "
               f"{relu.separable_fraction[i15]:.2f} / {relu.separable_fraction[i175]:.2f}",
               "refuted: only a lower bound" if refuted else "agrees with the exact test here"]))
    falls = expl[5000].rmse_explicit < expl[1000].rmse_explicit < expl[100].rmse_explicit
    # explicit RMSE over least squares at each m: above 1, the trained readout is the more accurate
    ratios = "; ".join(f"m = {mm}: " + (f"least squares {r.rmse_explicit / r.rmse_lstsq:.1f}x more accurate"
                                        if r.rmse_explicit > r.rmse_lstsq else
                                        f"explicit {r.rmse_lstsq / r.rmse_explicit:.1f}x more accurate")
                       for mm, r in sorted(expl.items()))
    print(row(["an explicit, untrained readout approximates f for large m (Tosh & Dasgupta)", "`explicit_readout`",
               f"RMSE {expl[100].rmse_explicit:.3f} / {expl[1000].rmse_explicit:.3f} / {expl[5000].rmse_explicit:.3f} "
               f"at m = 100 / 1000 / 5000 (least squares {expl[100].rmse_lstsq:.3f} / {expl[1000].rmse_lstsq:.3f} / "
               f"{expl[5000].rmse_lstsq:.3f}, on 5000 training points)",
               ("error falls with m" if falls else "error does not fall steadily with m") + f"; {ratios}"]))
    gn, gl = gen["nonlinear"], gen["linear"]
    assert gn.trained is not None and gl.trained is not None
    best_code = max(gn.code, key=lambda s: gn.code[s][0])
    v1 = "beats" if gn.code[best_code][0] > gn.raw[0] else "does not beat"
    v2 = "beats" if gn.code[best_code][0] > gn.trained[0] else "loses to"
    v3 = "beats" if gl.code[best_code][0] > gl.raw[0] else "loses to"
    print(row(["untrained random networks perform well", "`generalisation`",
               f"nonlinear teacher: {best_code} code {gn.code[best_code][0]:.3f}, raw input {gn.raw[0]:.3f}, "
               "trained net "
               f"{gn.trained[0]:.3f}; linear teacher: code {gl.code[best_code][0]:.3f}, raw {gl.raw[0]:.3f}",
               f"partly: the best code {v1} the raw input on a nonlinear task, {v2} a trained net of the same width, "
               f"{v3} the raw input on a linear task"]))
    best = int(np.argmax(sc.selected))
    small_sel = sc.selected[0] - sc.random[0]
    print(row(["lottery tickets: a small sub-network already suffices", "`subset_curve`",
               f"{sizes[best]} selected units: {sc.selected[best]:.3f}; all 400: {sc.full:.3f}; "
               f"random {sizes[best]}: {sc.random[best]:.3f}; 10 units: selected {sc.selected[0]:.3f} vs random "
               f"{sc.random[0]:.3f}",
               ("holds" if sc.selected[best] >= sc.full else "fails") +
               f": selection adds {small_sel:+.3f} at 10 units, "
               f"{sc.selected[best] - sc.random[best]:+.3f} at {sizes[best]}"]))
    worst = all(sp.accuracy["mask"][i] <= min(sp.accuracy[s][i] for s in ("topk", "threshold", "relu"))
                for i in range(len(rhos)))
    print(row(["dropout works as sparsification", "`sparsity_curve` (`mask`)",
               f"random mask vs WTA at 5% active: {sp.accuracy['mask'][1]:.3f} vs {sp.accuracy['topk'][1]:.3f}; "
               f"at 40%: {sp.accuracy['mask'][-1]:.3f} vs {sp.accuracy['relu'][-1]:.3f} (ReLU)",
               "not supported: random masking is the worst sparsifier at every sparsity" if worst
               else "partly: random masking is not always the worst sparsifier"]))
    winners = [max(("topk", "threshold", "relu"), key=lambda s: sp.accuracy[s][i]) for i in range(len(rhos))]
    print(row(["WTA, threshold and ReLU are interchangeable sparsifiers", "`sparsity_curve`",
               "at 2% / 40% active: " + ", ".join(f"{s} {sp.accuracy[s][0]:.3f} / {sp.accuracy[s][-1]:.3f}"
                                               for s in ("topk", "threshold", "relu")),
               "no: best per sparsity " + ", ".join(f"{r:g}: {w}" for r, w in zip(rhos, winners))
               if len(set(winners)) > 1 else f"{winners[0]} is best at every sparsity"]))
    print(row(["the sparse code preserves locality", "`pattern_overlap`",
               f"correlation of Jaccard overlap with distance {ov.correlation:.2f} (d = 10, m = 400, k = 20)",
               "holds" if ov.correlation < -0.3 else "weak"]))


_RANK_COST = """
import statistics, sys, time
import numpy as np
from nnpartition.sparse.stats import _rank
Z = np.maximum(np.random.default_rng(0).standard_normal((6000, 2000)), 0.0)
out = []
for fn in (lambda: _rank(Z), lambda: int(np.linalg.matrix_rank(Z))):
    ts = []
    for _ in range(int(sys.argv[1])):
        t = time.process_time()
        r = fn()
        ts.append(time.process_time() - t)
    out.append((r, statistics.median(ts)))
print(out[0][0], out[0][1], out[1][0], out[1][1])
"""


def rank_cost(repeats: int = 3) -> None:
    """``code_stats``' rank (a blockwise QR, stoppable between blocks) against numpy's ``matrix_rank`` (one SVD that
    Ctrl-C cannot stop) on a 6000 x 2000 code: the same rank, and the CPU time of each (median), with BLAS on one
    thread (in a child process: BLAS threads spinning on a shared machine inflate the CPU time of both)."""
    import os
    import subprocess
    import sys

    one = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    res = subprocess.run([sys.executable, "-c", _RANK_COST, str(repeats)], env={**os.environ, **one},
                         capture_output=True, text=True, check=True).stdout.split()
    ours, t_ours, theirs, t_np = int(res[0]), float(res[1]), int(res[2]), float(res[3])
    print(f"\n## The rank's cost: blockwise QR against one SVD (6000 x 2000, CPU time, BLAS on one thread, median of "
          f"{repeats})\n")
    print(row(["code_stats' rank", "numpy matrix_rank", "ratio", "ranks"]))
    print(row(["---"] * 4))
    print(row([f"{t_ours:.2f} s", f"{t_np:.2f} s", f"{t_ours / t_np:.2f}", f"{ours} / {theirs}"]))


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
    rank_cost()
