"""Do the sizing answers hold? Train the widths that ``required_width`` names.

    python benchmarks/sizing_check.py            # about 3 minutes on 2 idle cores (2 min 40 s, sixty-fourth pass)
    python benchmarks/sizing_check.py --samples  # max_samples's questions only (about 20 s)
    python benchmarks/sizing_check.py --deep     # the same for deep networks (DEEP_QUESTIONS, DEEP_SAMPLE_QUESTIONS)

For a few sizing questions ("how wide must a two-layer network be to reach ``target`` training accuracy on
``N`` random points in ``d`` dimensions, under the reference protocol?") it prints ``required_width``'s three
answers (``L``: the estimate reaches the target; ``L_safe``: the band's lower edge does; ``L_optimistic``: its
upper edge does) and the accuracy real training reaches at ``L`` and at ``L_safe`` (``real_accuracy``, 3
datasets, seed 0). A sizing answer is right when the real accuracy at ``L_safe`` reaches the target, and the
estimate is calibrated when the real accuracy at ``L`` is near it (``docs/theory.md``, "Sizing").

Then the same for ``max_samples`` ("how many points can a network of width ``L`` fit to ``target``?"): the real
accuracy at its ``N`` and at its ``N_safe`` (fifteenth pass on issue 11; until then ``N_safe`` was always 0).

``--deep`` asks the same of deep networks: ``required_width(..., layers=K)`` and ``required_width(..., shape=...)``
(hidden widths ``ceil(r * L)`` for each ratio ``r``; the table's ``shape`` column), each answer's widths trained
(``real_accuracy(d, N, widths=...)``), then ``max_samples(d, widths=[...], target)`` (``--deep --samples``: those
only).

    python benchmarks/sizing_check.py --plot docs/img/sizing.png   # about 3 minutes on 2 cores

draws, for three of the width questions, the estimate and its band against the width with real training at nine
widths around the answers (``docs/data/sizing_curves.csv``, rewritten by each run; ``--replot`` draws from it
without training).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np

from nnpartition import WidthAnswer, estimate_accuracy, max_samples, real_accuracy, required_width

CURVES = Path(__file__).resolve().parent.parent / "docs" / "data" / "sizing_curves.csv"
#: The width questions drawn by ``--plot``: one that holds at ``L``, and the two where real training's transition
#: has been wider than the estimate's; since rule 14 (seventeenth pass) ``(10, 5000)`` holds at ``L_safe`` and
#: ``(5, 2000)`` falls short there (``docs/theory.md``, "Sizing").
PLOTTED = [(20, 3000, 0.99), (5, 2000, 0.95), (10, 5000, 0.99)]

QUESTIONS = [(3, 500, 0.9), (5, 2000, 0.95), (10, 1000, 0.99), (10, 5000, 0.99), (20, 3000, 0.99), (50, 5000, 0.99)]
#: ``(d, L, target)`` for ``max_samples``.
SAMPLE_QUESTIONS = [(3, 16, 0.8), (5, 32, 0.95), (10, 64, 0.99), (20, 40, 0.999), (10, 128, 0.99)]
#: ``(d, N, target, shape)`` for ``required_width(..., shape=shape)`` under ``--deep`` (``(1.0,) * K`` is
#: ``layers=K``). ``d = 2, N = 300`` is the issue's low-``d`` case: one hidden layer is held there by the training
#: budget (``required_width(2, 300, 0.9)`` is ``None``), a second and a third layer escape it.
DEEP_QUESTIONS = [(2, 300, 0.9, (1.0, 1.0)), (2, 300, 0.9, (1.0, 1.0, 1.0)), (3, 500, 0.9, (1.0, 0.5)),
                  (5, 2000, 0.95, (1.0, 1.0)), (10, 2000, 0.99, (1.0, 0.5)), (10, 3000, 0.99, (1.0, 1.0, 1.0)),
                  (20, 3000, 0.99, (1.0, 0.5, 0.25))]
#: ``(d, widths, target)`` for ``max_samples`` under ``--deep``.
DEEP_SAMPLE_QUESTIONS = [(2, (32, 32, 32), 0.9), (5, (16, 16), 0.95), (10, (32, 16), 0.99)]


def _row(question: tuple, answers: tuple, config: Callable[[int], tuple]) -> None:
    """One table row: the question, the three answers, the estimate (band) at the first answer and real training at
    the first two (``config(x)``: the ``(d, N, widths)`` an answer ``x`` stands for; ``widths = (L,)`` for a
    two-layer network)."""
    t = time.perf_counter()
    cells = " | ".join(map(str, question))
    first, safe = answers[0], answers[1]
    if not first:
        print(f"| {cells} | none within the range searched | | | |")
        return

    def trained(x: int) -> float:
        d, n, ws = config(x)
        return real_accuracy(d, n, widths=ws, progress=False).mean

    d, n, ws = config(first)
    e = estimate_accuracy(d, n, widths=ws)
    real = trained(first)
    real_safe = trained(safe) if safe else float("nan")
    print(f"| {cells} | {' / '.join(map(str, answers))} | {e.accuracy:.3f} ({e.low:.3f}-{e.high:.3f}) | {real:.3f} | "
          f"{real_safe:.3f} |  <!-- {time.perf_counter() - t:.0f} s -->", flush=True)


def _table(size: str, answer: str, questions: list, ask: Callable[..., tuple], config: Callable[..., tuple],
           cells: Callable[[tuple], tuple] = lambda q: q) -> None:
    """One table: ``ask(*question)`` gives the three answers, ``config(question, x)`` the ``(d, N, widths)`` of answer
    ``x``; ``size`` names the question's columns after ``d`` (``N | target``, ``L | target`` or more) and ``answer``
    what is answered; ``cells(question)`` the question's cells as printed."""
    print(f"| d | {size} | {answer} / {answer}_safe / {answer}_optimistic | estimate at {answer} (band) | "
          f"real at {answer} | real at {answer}_safe |")
    print("|---" * (6 + size.count("|")) + "|")
    for q in questions:
        _row(cells(q), ask(*q), lambda x: config(q, x))


def widths() -> None:
    def ask(d: int, n: int, target: float) -> tuple:
        a = required_width(d, n, target)
        return a.L, a.L_safe, a.L_optimistic

    _table("N | target", "L", QUESTIONS, ask, lambda q, L: (q[0], q[1], (L,)))


def samples() -> None:
    def ask(d: int, L: int, target: float) -> tuple:
        a = max_samples(d, L, target)
        return a.N, a.N_safe, a.N_optimistic

    _table("L | target", "N", SAMPLE_QUESTIONS, ask, lambda q, n: (q[0], n, (q[1],)))


def _shape_cell(shape: Tuple[float, ...]) -> str:
    """``layers=K`` for ``K`` equal layers, else ``shape=(1, 0.5)``."""
    if set(shape) == {1.0}:
        return f"layers={len(shape)}"
    return "shape=(" + ", ".join(f"{r:g}" for r in shape) + ")"


def deep_widths() -> None:
    """:func:`widths` for :data:`DEEP_QUESTIONS`: each answer's hidden widths (``WidthAnswer.widths_at``) trained."""
    answers: Dict[tuple, WidthAnswer] = {}

    def ask(d: int, n: int, target: float, shape: Tuple[float, ...]) -> tuple:
        a = answers[d, n, target, shape] = required_width(d, n, target, shape=shape)
        return a.L, a.L_safe, a.L_optimistic

    _table("N | target | shape", "L", DEEP_QUESTIONS, ask,
           lambda q, L: (q[0], q[1], answers[q].widths_at(L)), lambda q: (*q[:3], _shape_cell(q[3])))


def deep_samples() -> None:
    """:func:`samples` for :data:`DEEP_SAMPLE_QUESTIONS` (``max_samples(d, widths=[...], target)``)."""
    def ask(d: int, ws: Tuple[int, ...], target: float) -> tuple:
        a = max_samples(d, widths=ws, target=target)
        return a.N, a.N_safe, a.N_optimistic

    _table("widths | target", "N", DEEP_SAMPLE_QUESTIONS, ask, lambda q, n: (q[0], n, q[1]),
           lambda q: (q[0], "(" + ", ".join(map(str, q[1])) + ")", q[2]))


def curve_widths(answers: tuple) -> List[int]:
    """Nine widths to train for one question: the three answers and six more, evenly spaced in ``ln L`` from 0.8
    of the optimistic answer to 1.25 of the safe one."""
    lo, hi = 0.8 * min(answers), 1.25 * max(answers)
    extra = np.exp(np.linspace(np.log(lo), np.log(hi), 6)).round().astype(int)
    return sorted(set(int(x) for x in extra) | set(answers))


def measure_curves() -> None:
    """Train ``curve_widths`` of every ``PLOTTED`` question (3 datasets, seed 0) and write :data:`CURVES`."""
    with CURVES.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["d", "N", "target", "L", "accuracy_mean", "accuracy_std"])
        for d, n, target in PLOTTED:
            a = required_width(d, n, target)
            for L in curve_widths((a.L, a.L_safe, a.L_optimistic)):
                t = time.perf_counter()
                r = real_accuracy(d, n, L, progress=False)
                w.writerow([d, n, target, L, round(r.mean, 6), round(r.std, 6)])
                f.flush()
                print(f"d={d} N={n} L={L}: {r.mean:.3f} ({time.perf_counter() - t:.0f} s)", flush=True)


def plot(path: str) -> None:
    """Estimate and band against the width for each ``PLOTTED`` question, real training from :data:`CURVES`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    real: Dict[tuple, List[tuple]] = {}
    with CURVES.open() as f:
        for r in csv.DictReader(f):
            key = (int(r["d"]), int(r["N"]), float(r["target"]))
            real.setdefault(key, []).append((int(r["L"]), float(r["accuracy_mean"]), float(r["accuracy_std"])))
    fig, axes = plt.subplots(1, len(PLOTTED), figsize=(4.2 * len(PLOTTED), 3.6), constrained_layout=True)
    for ax, (d, n, target) in zip(axes, PLOTTED):
        a = required_width(d, n, target)
        Ls = np.arange(max(1, int(0.7 * a.L_optimistic)), int(1.35 * a.L_safe) + 1)
        e = estimate_accuracy(d, n, Ls)
        ax.fill_between(Ls, e.low, e.high, color="tab:blue", alpha=0.2, label="band")
        ax.plot(Ls, e.accuracy, color="tab:blue", label="estimate")
        pts = sorted(real.get((d, n, target), []))
        if pts:
            x, m, sd = (np.array(v) for v in zip(*pts))
            ax.errorbar(x, m, yerr=sd / np.sqrt(3), fmt="o", color="black", ms=4, capsize=2,
                        label="real training (3 datasets)")
        ax.axhline(target, color="tab:red", lw=0.8, ls="--", label=f"target {target}")
        bottom = max(0.5, target - 0.15)
        for L, name in ((a.L_optimistic, "L_optimistic"), (a.L, "L"), (a.L_safe, "L_safe")):
            ax.axvline(L, color="gray", lw=0.6, ls=":")
            ax.text(L, bottom + 0.003, f"{name} = {L} ", rotation=90, va="bottom", ha="right", fontsize=7,
                    color="dimgray")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(ScalarFormatter())
        ax.tick_params(axis="x", which="minor", labelsize=7)
        ax.set_ylim(bottom, 1.005)
        ax.set_title(f"d={d}, N={n}: required_width(..., {target})", fontsize=9)
        ax.set_xlabel("hidden units L")
    axes[0].set_ylabel("training accuracy (reference protocol)")
    axes[0].legend(fontsize=7, loc="center right")
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", action="store_true", help="only max_samples's questions")
    ap.add_argument("--deep", action="store_true", help="deep networks' questions (layers=K, shape=...) instead")
    ap.add_argument("--plot", metavar="PNG", help="train the curves of PLOTTED (docs/data/sizing_curves.csv) and draw")
    ap.add_argument("--replot", metavar="PNG", help="draw from docs/data/sizing_curves.csv without training")
    args = ap.parse_args()
    if args.plot or args.replot:
        if args.plot:
            measure_curves()
        plot(args.plot or args.replot)
        return
    if not args.samples:
        (deep_widths if args.deep else widths)()
        print()
    (deep_samples if args.deep else samples)()


if __name__ == "__main__":
    main()
