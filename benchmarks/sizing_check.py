"""Do the sizing answers hold? Train the widths that ``required_width`` names.

    python benchmarks/sizing_check.py            # about 5 minutes on 2 cores

For a few sizing questions ("how wide must a two-layer network be to reach ``target`` training accuracy on
``N`` random points in ``d`` dimensions, under the reference protocol?") it prints ``required_width``'s three
answers (``L``: the estimate reaches the target; ``L_safe``: the band's lower edge does; ``L_optimistic``: its
upper edge does) and the accuracy real training reaches at ``L`` and at ``L_safe`` (``real_accuracy``, 3
datasets, seed 0). A sizing answer is right when the real accuracy at ``L_safe`` reaches the target, and the
estimate is calibrated when the real accuracy at ``L`` is near it (``docs/theory.md``, "Sizing").
"""

from __future__ import annotations

import time

from nnpartition import estimate_accuracy, real_accuracy, required_width

QUESTIONS = [(3, 500, 0.9), (5, 2000, 0.95), (10, 1000, 0.99), (10, 5000, 0.99), (20, 3000, 0.99), (50, 5000, 0.99)]


def main() -> None:
    print("| d | N | target | L / L_safe / L_optimistic | estimate at L (band) | real at L | real at L_safe |")
    print("|---|---|---|---|---|---|---|")
    for d, n, target in QUESTIONS:
        t = time.perf_counter()
        a = required_width(d, n, target)
        if a.L is None:
            print(f"| {d} | {n} | {target} | none within the widths searched | | | |")
            continue
        e = estimate_accuracy(d, n, a.L)
        real = real_accuracy(d, n, a.L).mean
        safe = real_accuracy(d, n, a.L_safe).mean if a.L_safe is not None else float("nan")
        print(f"| {d} | {n} | {target} | {a.L} / {a.L_safe} / {a.L_optimistic} | {e.accuracy:.3f} "
              f"({e.low:.3f}-{e.high:.3f}) | {real:.3f} | {safe:.3f} |  <!-- {time.perf_counter() - t:.0f} s -->",
              flush=True)


if __name__ == "__main__":
    main()
