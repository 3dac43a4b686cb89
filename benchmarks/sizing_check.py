"""Do the sizing answers hold? Train the widths that ``required_width`` names.

    python benchmarks/sizing_check.py            # about 5 minutes on 2 cores
    python benchmarks/sizing_check.py --samples  # max_samples's questions only (about 3 minutes)

For a few sizing questions ("how wide must a two-layer network be to reach ``target`` training accuracy on
``N`` random points in ``d`` dimensions, under the reference protocol?") it prints ``required_width``'s three
answers (``L``: the estimate reaches the target; ``L_safe``: the band's lower edge does; ``L_optimistic``: its
upper edge does) and the accuracy real training reaches at ``L`` and at ``L_safe`` (``real_accuracy``, 3
datasets, seed 0). A sizing answer is right when the real accuracy at ``L_safe`` reaches the target, and the
estimate is calibrated when the real accuracy at ``L`` is near it (``docs/theory.md``, "Sizing").

Then the same for ``max_samples`` ("how many points can a network of width ``L`` fit to ``target``?"): the real
accuracy at its ``N`` and at its ``N_safe`` (fifteenth pass on issue 11; until then ``N_safe`` was always 0).
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

from nnpartition import estimate_accuracy, max_samples, real_accuracy, required_width

QUESTIONS = [(3, 500, 0.9), (5, 2000, 0.95), (10, 1000, 0.99), (10, 5000, 0.99), (20, 3000, 0.99), (50, 5000, 0.99)]
#: ``(d, L, target)`` for ``max_samples``.
SAMPLE_QUESTIONS = [(3, 16, 0.8), (5, 32, 0.95), (10, 64, 0.99), (20, 40, 0.999), (10, 128, 0.99)]


def _row(question: tuple, answers: tuple, config: Callable[[int], tuple]) -> None:
    """One table row: the question, the three answers, the estimate (band) at the first answer and real training at
    the first two (``config(x)``: the ``(d, N, L)`` an answer ``x`` stands for)."""
    t = time.perf_counter()
    cells = " | ".join(map(str, question))
    first, safe = answers[0], answers[1]
    if not first:
        print(f"| {cells} | none within the range searched | | | |")
        return
    e = estimate_accuracy(*config(first))
    real = real_accuracy(*config(first)).mean
    real_safe = real_accuracy(*config(safe)).mean if safe else float("nan")
    print(f"| {cells} | {' / '.join(map(str, answers))} | {e.accuracy:.3f} ({e.low:.3f}-{e.high:.3f}) | {real:.3f} | "
          f"{real_safe:.3f} |  <!-- {time.perf_counter() - t:.0f} s -->", flush=True)


def _table(size: str, answer: str, questions: list, ask: Callable[..., tuple], config: Callable[..., tuple]) -> None:
    """One table: ``ask(*question)`` gives the three answers, ``config(question, x)`` the ``(d, N, L)`` of answer ``x``;
    ``size`` names the question's size (``N`` or ``L``) and ``answer`` what is answered."""
    print(f"| d | {size} | target | {answer} / {answer}_safe / {answer}_optimistic | estimate at {answer} (band) | "
          f"real at {answer} | real at {answer}_safe |")
    print("|---|---|---|---|---|---|---|")
    for q in questions:
        _row(q, ask(*q), lambda x: config(q, x))


def widths() -> None:
    def ask(d: int, n: int, target: float) -> tuple:
        a = required_width(d, n, target)
        return a.L, a.L_safe, a.L_optimistic

    _table("N", "L", QUESTIONS, ask, lambda q, L: (q[0], q[1], L))


def samples() -> None:
    def ask(d: int, L: int, target: float) -> tuple:
        a = max_samples(d, L, target)
        return a.N, a.N_safe, a.N_optimistic

    _table("L", "N", SAMPLE_QUESTIONS, ask, lambda q, n: (q[0], n, q[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", action="store_true", help="only max_samples's questions")
    if not ap.parse_args().samples:
        widths()
        print()
    samples()


if __name__ == "__main__":
    main()
