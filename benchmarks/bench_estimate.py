"""Cost of one estimate against the alternative a user has: training the networks.

    python benchmarks/bench_estimate.py [--calls]

Prints the median time of one `estimate_accuracy` call from Python (scalar,
with a non-reference Protocol, and a 10,000-element array call), of one Monte
Carlo estimate, of `required_width`, of the first (uncached) d = 1 call and of a d = 1 sweep over N, of the
counting ceiling computed and cached, and of
the measurement `real_accuracy` on the same configuration, with the ratios;
then a scalar call in each form a user's code may hand over (`FORMS`: whole
floats, numpy integer and float scalars, 0-d arrays, `widths` as a numpy array,
four hidden layers under SGD with minibatches, a `Protocol` built in each call).
The issue's target: a scalar call costs <= 10 us. Then the sizing questions (`SIZING`: `required_width` and
`max_samples` under the reference protocol and SGD, one and four hidden layers), median microseconds a call.

``--calls`` prints only the estimator's own lines (the scalar call under the reference protocol, with two hidden
layers of ``L`` units each (``widths=[L, L]``: a deep network, whose correction walks more trees than one hidden
layer's) and under SGD with minibatches, ``required_width``, the array call and ``heldout_errors``) as one line, ranges
over the three configurations, then the scalar forms on a second line, in a few seconds and without training: run it
under two builds in turn, several times, to compare them on a noisy machine (as ``docs/theory.md``, "Cost of a call",
does).

``--sizing`` prints only the sizing questions (a few seconds, no training), after the cost of the process's first
sizing call and of a first ``d = 1`` one: the figures the README, ``docs/*.md``, the docstrings of
``required_width`` and ``max_samples`` and ``nnpartition size --help`` quote.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from nnpartition import (ExtrapolationWarning, Protocol, accuracy_ceiling, estimate_accuracy, heldout_errors,
                         max_samples, real_accuracy, required_width)


def median_time(fn, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


CONFIGS = [(2, 1000, 16), (10, 1000, 32), (50, 3000, 16)]
SGD = Protocol(optimizer="sgd", lr=0.1, steps=2000, batch_size=64)


# A scalar call in the forms numpy code hands over (d = 10, N = 1000, L = 32 or four layers): each is answered by the
# scalar path, floats out. name -> call
FORMS = {
    "ints": lambda: estimate_accuracy(10, 1000, 32),
    "whole floats": lambda: estimate_accuracy(10.0, 1000.0, 32.0),
    "numpy ints": lambda: estimate_accuracy(np.int64(10), np.int64(1000), np.int64(32)),
    "numpy floats": lambda: estimate_accuracy(np.float64(10), np.float64(1000), np.float64(32)),
    "0-d arrays": lambda: estimate_accuracy(np.array(10), np.array(1000), np.array(32)),
    "widths array": lambda: estimate_accuracy(10, 1000, widths=WIDTHS),
    "4 layers, SGD minibatches": lambda: estimate_accuracy(10, 1000, widths=[64, 32, 32, 16], protocol=SGD),
    "Protocol(steps=2000) each call": lambda: estimate_accuracy(10, 1000, 32, protocol=Protocol(steps=2000)),
    "SGD Protocol each call": lambda: estimate_accuracy(
        10, 1000, 32, protocol=Protocol(optimizer="sgd", lr=0.1, steps=2000, batch_size=64)),
}
WIDTHS = np.array([64, 32])

# Representative sizing questions, all inside the validated range (no warnings), d > 1 (d = 1 reads exact ceilings:
# the first call costs milliseconds, see main). name -> call
SIZING = {
    "required_width(10, 5000, 0.99)": lambda: required_width(10, 5000, 0.99),
    "required_width(10, 1000, 0.95)": lambda: required_width(10, 1000, 0.95),
    "required_width(50, 3000, 0.95)": lambda: required_width(50, 3000, 0.95),
    "required_width(10, 1000, 0.95, SGD minibatches)": lambda: required_width(10, 1000, 0.95, protocol=SGD),
    "required_width(10, 5000, 0.99, layers=4, SGD minibatches)": lambda: required_width(
        10, 5000, 0.99, layers=4, protocol=SGD),
    "max_samples(10, 64, 0.99)": lambda: max_samples(10, 64, 0.99),
    "max_samples(50, 16, 0.9)": lambda: max_samples(50, 16, 0.9),
    "max_samples(10, widths=[16, 16], 0.9, SGD)": lambda: max_samples(
        10, widths=[16, 16], target=0.9, protocol=Protocol(optimizer="sgd", lr=0.1)),
    "max_samples(10, widths=[64, 32, 32, 16], 0.9, SGD minibatches)": lambda: max_samples(
        10, widths=[64, 32, 32, 16], target=0.9, protocol=SGD),
}


def call_times(calls: dict, repeats: int) -> dict:
    """Median microseconds of one call of each of ``calls`` over ``repeats`` (after one call: caches warm)."""
    out = {}
    for name, call in calls.items():
        call()
        out[name] = median_time(call, repeats) * 1e6
    return out


def print_sizing() -> None:
    times = call_times(SIZING, 301)
    print("sizing questions, median of 301 calls:")
    for name, t in times.items():
        print(f"  {name:64s} {t:7.1f} us")
    print(f"  range: {min(times.values()) / 1e3:.2f}-{max(times.values()) / 1e3:.2f} ms a question", flush=True)
    # The alternative a user has: train at candidate widths. One training measurement alone, at the width the
    # question answers (the reference protocol, one dataset, its 2 restarts), against the question, in this run.
    name = "required_width(10, 1000, 0.95)"
    L = required_width(10, 1000, 0.95).L
    t = time.perf_counter()
    real_accuracy(10, 1000, L, datasets=1, progress=False)   # timed: no bar between the lines
    t_train = time.perf_counter() - t
    print(f"  {name} answers L = {L}; one real_accuracy(10, 1000, {L}, datasets=1) took {t_train:.2f} s: "
          f"{t_train / (times[name] * 1e-6):,.0f}x the question (a width scan trains several)", flush=True)


def array_call_time() -> float:
    d = np.random.default_rng(0).integers(1, 100, 10_000)
    N = np.random.default_rng(1).integers(100, 3000, 10_000)
    L = np.random.default_rng(2).integers(1, 256, 10_000)
    return median_time(lambda: estimate_accuracy(d, N, L, ceiling=False), 21)


def calls() -> None:
    """The ``--calls`` line."""
    import nnpartition

    ref, deep, sgd, size, held = [], [], [], [], []
    for d, N, L in CONFIGS:
        estimate_accuracy(d, N, L)
        estimate_accuracy(d, N, widths=[L, L])
        estimate_accuracy(d, N, L, protocol=SGD)
        ref.append(median_time(lambda: estimate_accuracy(d, N, L), 2001) * 1e6)
        deep.append(median_time(lambda: estimate_accuracy(d, N, widths=[L, L]), 2001) * 1e6)
        sgd.append(median_time(lambda: estimate_accuracy(d, N, L, protocol=SGD), 2001) * 1e6)
        size.append(median_time(lambda: required_width(d, N, 0.95), 501) * 1e6)
        held.append(median_time(lambda: heldout_errors(d, N, L, protocol=SGD), 2001) * 1e6)

    def span(xs: list) -> str:
        return f"{min(xs):.1f}-{max(xs):.1f}"

    print(f"{nnpartition.__file__}: reference {span(ref)} us, two hidden layers {span(deep)} us, SGD minibatches "
          f"{span(sgd)} us, required_width {span(size)} us, array of 10,000 {array_call_time() * 1e3:.1f} ms, "
          f"heldout_errors {span(held)} us",
          flush=True)
    print("  scalar forms: " + ", ".join(f"{name} {t:.1f}" for name, t in call_times(FORMS, 2001).items()) + " us",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", action="store_true", help="only the estimator's calls, on one line (no training)")
    ap.add_argument("--sizing", action="store_true", help="only the sizing questions (no training)")
    args = ap.parse_args()
    if args.calls:
        calls()
        return
    if args.sizing:
        # the process's first sizing call also fills the Python side's caches (validated range, protocol)
        t = time.perf_counter()
        required_width(10, 5000, 0.99)
        print(f"first sizing call in this process, required_width(10, 5000, 0.99): "
              f"{(time.perf_counter() - t) * 1e3:.2f} ms")
        t = time.perf_counter()
        with warnings.catch_warnings():   # its answer lies past the validated N (it warns so); timed, not shown
            warnings.simplefilter("ignore", ExtrapolationWarning)
            max_samples(1, 16, 0.8)
        print(f"first d=1 sizing call, max_samples(1, 16, 0.8) (exact ceilings): "
              f"{(time.perf_counter() - t) * 1e3:.2f} ms")
        print_sizing()
        return
    for d, N, L in CONFIGS:
        estimate_accuracy(d, N, L)  # warm the ceiling cache, as any repeated use does
        t_scalar = median_time(lambda: estimate_accuracy(d, N, L), 2001)
        t_nocache = median_time(lambda: estimate_accuracy(d, N, L, ceiling=False), 2001)
        estimate_accuracy(d, N, L, protocol=SGD)
        t_proto = median_time(lambda: estimate_accuracy(d, N, L, protocol=SGD), 2001)
        t_size = median_time(lambda: required_width(d, N, 0.95), 501)
        t_mc = median_time(lambda: estimate_accuracy(d, N, L, method="monte_carlo", trials=100), 3)
        t_train = median_time(lambda: real_accuracy(d, N, L, progress=False), 1)
        print(f"d={d} N={N} L={L}")
        print(f"  analytic estimate (one call)      {t_scalar * 1e6:9.1f} us")
        print(f"  analytic, no ceiling              {t_nocache * 1e6:9.1f} us")
        print(f"  analytic, SGD minibatch protocol  {t_proto * 1e6:9.1f} us")
        print(f"  required_width(d, N, 0.95)        {t_size * 1e6:9.1f} us")
        print(f"  monte carlo (100 trials)          {t_mc * 1e3:9.1f} ms")
        print(f"  real_accuracy (3 datasets x 2)    {t_train:9.2f} s")
        print(f"  training / analytic estimate      {t_train / t_scalar:9.0f} x")
    # d = 1: the exact ceiling is read from a table (thirtieth pass; until then a dynamic programme ran at each new
    # size, 2-30 ms); a sweep over N asks a new size every call
    for N, L in [(100, 256), (1000, 64)]:
        t = time.perf_counter()
        estimate_accuracy(1, N, L + 1)  # a size not cached yet
        print(f"first d=1 call, N={N} L={L + 1}: {(time.perf_counter() - t) * 1e6:.1f} us")
    sweep = iter(range(600, 10**6))
    t_sweep = median_time(lambda: estimate_accuracy(1, next(sweep), 16), 401)
    print(f"d=1 sweep over N (a new size each call, L=16): {t_sweep * 1e6:.1f} us a call")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # far outside the validated range: the counting bound's cost
        t = time.perf_counter()
        estimate_accuracy(1, 10**6, 1001)
        print(f"first d=1 call, N=1000000 L=1001 (the counting bound): {(time.perf_counter() - t) * 1e3:.2f} ms")
    # d = 1 sizing, where the exact ceiling binds: later calls read the core's cache of whole answers' ceilings
    t = time.perf_counter()
    max_samples(1, 16, 0.8)
    t_first = time.perf_counter() - t
    t_again = median_time(lambda: max_samples(1, 16, 0.8), 21)
    print(f"max_samples(1, 16, 0.8): first {t_first * 1e3:.2f} ms, again {t_again * 1e3:.3f} ms "
          f"(cache: {t_first / t_again:.0f} x)")
    # the counting ceiling (d > 1), computed and read from the core's cache (seventeenth pass); until the thirtieth
    # pass its computation evaluated all 400 steps of its minimum, 40-70 us, several times the 10 us budget of a
    # scalar estimate at a new size; now a bisection and a short walk (ceiling::union_ceiling)
    sizes = iter(range(1001, 1001 + 401))
    t_computed = median_time(lambda: accuracy_ceiling(2, next(sizes), 16), 401)
    sweep2 = iter(range(1001, 1001 + 401))
    t_sweep2 = median_time(lambda: estimate_accuracy(2, next(sweep2), 16), 401)
    print(f"d=2 sweep over N (a new size each call, L=16): {t_sweep2 * 1e6:.1f} us a call")
    t_cached = median_time(lambda: accuracy_ceiling(2, 1000, 16), 2001)
    print(f"accuracy_ceiling(2, N, 16): computed {t_computed * 1e6:.1f} us, cached {t_cached * 1e6:.2f} us "
          f"({t_computed / t_cached:.0f} x)")
    t_vec = array_call_time()
    print(f"array of 10,000 configurations (no ceiling): {t_vec * 1e3:.2f} ms ({t_vec / 1e4 * 1e9:.0f} ns each)")
    print("a scalar call, d=10 N=1000 L=32 (or four layers), by the form of its arguments:")
    for name, t in call_times(FORMS, 2001).items():
        print(f"  {name:32s} {t:9.1f} us")
    print_sizing()


if __name__ == "__main__":
    main()
