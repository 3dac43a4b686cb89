"""Limits and Ctrl-C, measured: the table of docs/limits.md.

1. Every hostile call of issue 12 that used to abort, panic or hang, with its outcome
   and wall time now (each in a child process with a 6 GiB address-space cap, or the one in ``CAPS``).
2. For every long native call, the time from SIGINT to the KeyboardInterrupt
   (three repeats; median and worst).

Run: ``python benchmarks/bench_limits.py`` (about three minutes on two cores, a minute of it ``approximate_1d``'s
accepted call); with arguments, only those calls of the
first table (``python benchmarks/bench_limits.py "npn.regions(2**40, 2**40)"``). The second table alone, for the
long calls whose names contain the words given: ``python benchmarks/bench_limits.py --interrupts [--under-load]
[WORD ...]``; ``--under-load`` runs it beside two processes that copy 200 MB arrays for as long as it runs (a
shared machine busy with memory traffic, where a wide layer's product is slowest).
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_fuzz import LONG_CALLS, PREAMBLE, SIGINT_AFTER  # noqa: E402

HOSTILE = [
    "npn.regions(2**40, 2**40)",
    "npn.regions(2**40, 2**40, central=True)",
    "npn.cover_count(10**12, 10**12)",
    "npn.regions(10**12, 1)",
    "npn.bounded_regions(2**64 - 1, 1)",
    "npn.deep_region_bounds(10**12, [2])",
    "npn.deep_region_bounds(2**63, [8, 8])",
    "npn.deep_region_bounds(2**64 - 1, [8])",
    "npn.log_regions(2**64 - 1, 2**63)",
    "npn.separable_probability(2**64 - 1, 2**63)",
    "(npn.separable_probability(1, 0), npn.cover_count(1, 0))",
    "npn.real_accuracy(2**20, 1, 2**20)",
    "npn.train(X, y, widths=[2**20, 2**20])",
    "npn.train(X, y, 4, steps=10**12)",
    "teacher.train_teacher(X, ypm, 4, steps=10**12)",
    "npn.real_accuracy(2, 20, 3, datasets=2**20)",
    "npn.count_regions(X[:10], np.ones((2, 10**6)), np.zeros(10**6))",
    "sparse.expand_sparsify(X, 10**6)",
    "sparse.expand_sparsify(X[:10], 2**28)",
    "sparse.expand_sparsify(np.full((20, 3), 1.7e308), 50)",
    "sparse.expand_sparsify(np.full((20, 3), 1.7e308), 50, sparsify='threshold')",
    "npn.simulate_partition(10**7, 10, 100)",
    "npn.random_dataset(2**31, 1)",
    "npn.estimate_accuracy(np.full((10**4, 1), 5), np.arange(100, 100 + 10**4)[None, :], 8)",
    # found by the twenty-fourth pass's review: they aborted or took seconds uninterruptibly
    "sparse.expand_sparsify(np.random.default_rng(0).normal(size=(100000, 1)), 20000, k=20000, sparsify='threshold')",
    "npn.regions_in_box(np.ones((1, 5 * 10**7)), -np.linspace(-0.99, 0.99, 5 * 10**7), [-1.0], [1.0])",
    "npn._core.d1_ceiling(10**11, 1, 2, 0)",
    "npn.regions(10**10, 10**10)",
    "npn._core.accuracy_ceiling(2**64 - 1, 10, [1])",
    # twenty-fifth pass: the work check ignored the bits the counts gather over many layers (minutes, accepted)
    "npn.deep_region_bounds(64, [64] * 16000)",
    "npn.deep_region_bounds(150000, [150000])",
    "npn.deep_region_bounds(10**7, [1] * 1000 + [10**7]).serra2018_upper",
    "npn.log_regions(2**63, 10)",
    "npn.deep_region_bounds(200, [400] * 400).serra2018_upper.bit_length()",
    # twenty-sixth pass, a review: sized to 0.9 and 0.5 of max_bytes they aborted under an address-space cap (the
    # checks counted too few bytes); a pool of 4096 threads took 16 s to start, Ctrl-C unseen; explain_1d built
    # (points x units) tables of gigabytes; overflowing pre-activations were counted as negative
    "npn.real_accuracy(1000, int(0.9 * limits.get_limits().max_bytes / 4001), 1, datasets=1, "
    "protocol=npn.Protocol(steps=1, restarts=1))",
    "sparse.expand_sparsify(np.zeros((3, 1)), int(0.5 * limits.get_limits().max_bytes / 16), k=1).m",
    "npn.train(X, y, 4, steps=5, threads=4096)",
    "construct.explain_1d(npn.TwoLayerNet(np.random.default_rng(0).normal(size=(1, 20000)), "
    "np.random.default_rng(1).uniform(-1, 1, 20000), np.random.default_rng(2).normal(size=20000), 0.0), "
    "[[-1.0], [1.0]], [0, 1]).n_pieces",
    "npn.count_regions(X * 1e160, np.ones((2, 5)) * 1e160, np.zeros(5))",
    # an audit after the twenty-sixth pass: a MemoryError, silent overflow, minutes of rejection sampling, and data
    # drawn before the sizes were checked
    "npn.Plane.standard(50000).d",
    "npn.Plane.standard(10**12)",
    "npn.TwoLayerNet([[1.0, 1.0]], [0.0, 0.0], [1.7e308, -1.7e308], 0.0).decision_function([[2.0]])",
    "teacher.linear_teacher_dataset(10000, 1000)[0].shape",
    "teacher.linear_teacher_dataset(10, 400, margin=0.5)",
    "cli.main(['teacher', '-d', '1000', '-N', '1000', '-L', '1000', '--epochs', '1000000000'])",
    "cli.main(['plot-partition', '--plot', '/tmp/p.png', '-d', '2', '-N', '75000000', '-L', '3', '--steps', '1'])",
    # an audit after issue 12: memory bounded only by max_regions and a 2 GiB pattern table (it aborted under a 4 GB
    # address-space cap: 1650 lines through the box, about 1.1 million regions of 1650 pattern bytes)
    "npn.region_polygons((lambda r: (lambda W: npn.TwoLayerNet(W, "
    "r.uniform(-.5, .5, 1650) * np.linalg.norm(W, axis=0), "
    "np.ones(1650), 0.0))(r.normal(size=(2, 1650))))(np.random.default_rng(0)))",
    # the same audit: snapshots counted only against 2^27 values, not max_bytes (it aborted under its cap, CAPS)
    "npn.train(X, y, 1000, steps=30000, snapshot_every=1)",
    # and trials without a work limit (about 13 years)
    "npn.simulate_partition(1, 10**6, 1000, trials=10**8)",
    # twenty-eighth pass: toy_dataset's numpy kinds were checked against 2^31 values, not max_bytes
    "npn.datasets.toy_dataset('xor', 2**28, 2).shape",
    # an audit after the twenty-eighth pass: numpy allocations sized by arguments before any check, and Python loops
    # without a work limit (each a MemoryError after seconds at gigabytes, or hours of work)
    "__import__('nnpartition.pictures').pictures.movie(X[:20], y[:20], 2, path='/tmp/m.gif', steps=200, every=1, "
    "dpi=1000, size=10)",
    "construct.approximate_1d(np.sin, 0, 1, 10**7, points_per_unit=10)",
    "construct.approximate_1d(np.sin, 0, 1, 10**4, points_per_unit=100).sup_error",
    "__import__('nnpartition.separability').separability.separable(np.zeros((2, 12000)), [0, 1]).separable",
    "sparse.teacher_task('nonlinear', 10**8, 1)",
    "sparse.explicit_readout(lambda P: P[:, 0], 2, 10**4, 1, n_train=10**5)",
    "sparse.generalisation('linear', 2, 2000, 2000, trials=10**4, trained=False)",
    "sparse.readout_accuracy(np.zeros((5000, 500)), np.arange(5000) % 2, method='perceptron', epochs=10**7)",
    # sixty-seventh pass on issue 11: its least squares (both methods fit it first) was unpriced, hours at this size
    "sparse.readout_accuracy(np.zeros((15000, 15000)), np.arange(15000) % 2)",
    "sparse.pattern_overlap(X[:10], sparse.expand_sparsify(X[:10], 1000, k=1), pairs=10**7)",
    "teacher.linear_teacher_dataset(1, 2**19, margin=0.0)",
    "teacher.clustering_metrics(np.ones((1, 10**5)), X=np.ones((10**5, 1)))",
    "lowrank.train_softmax_layer(np.full((4000, 2), 1 / 8000), 2**16, steps=1)",
    "len(construct.ramp_pairs(npn.TwoLayerNet(np.ones((1, 20000)), -np.linspace(-0.9, 0.9, 20000), "
    "np.tile([1.0, -1.0], 10000), 0.0)))",
    "npn.count_regions(np.broadcast_to(0.0, (10**10, 2)), np.ones((2, 3)), np.zeros(3))",
    "npn.count_regions(np.zeros((10**9, 2), dtype=np.int8), np.ones((2, 3)), np.zeros(3))",
    "__import__('nnpartition.separability').separability.max_margin(np.ones((10, 20000)), np.arange(10) % 2)",
    # forty-seventh pass, an audit of the core: one run's work and 8 bytes a parameter of each result were counted
    "npn.train(X[:4], y[:4], 2, steps=4000, restarts=2**20)",
]

CHILD = textwrap.dedent("""
    import json, sys, time
    {preamble}
    for expr in json.loads(sys.argv[1]):
        t = time.perf_counter()
        try:
            r = eval(expr)
            out = "returns " + repr(r)[:60]
        except BaseException as e:
            out = type(e).__name__ + ": " + str(e)[:90]
        print(json.dumps([expr, out, time.perf_counter() - t]), flush=True)
""")


#: Calls run under a tighter address-space cap than 6 GiB (bytes): the cap under which an audit found them aborting
#: (under 6 GiB the default max_bytes accepts them, and they run).
CAPS = {"npn.train(X, y, 1000, steps=30000, snapshot_every=1)": 1_500_000 * 1024}


def hostile_table() -> None:
    code = CHILD.format(preamble=PREAMBLE)
    print("| call | outcome | time (s) |\n|---|---|---|")
    for expr in HOSTILE:  # one child per call: an abort would end only its own row
        cap = CAPS.get(expr, 6 * 2**30)
        p = subprocess.run([sys.executable, "-c", code, json.dumps([expr])], capture_output=True, text=True,
                           preexec_fn=functools.partial(resource.setrlimit, resource.RLIMIT_AS, (cap, cap)),
                           timeout=300)
        note = "" if expr not in CAPS else f" (under a {cap / 1e9:.2f} GB cap)"
        if p.returncode != 0 or not p.stdout.strip():
            print(f"| `{expr}`{note} | process died (rc {p.returncode}) | |")
            continue
        _, out, secs = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"| `{expr}`{note} | {out.replace('|', '/')} | {secs:.3f} |")


SIGINT_CHILD = textwrap.dedent("""
    import os, signal, time
    # a child of a shell that ignores SIGINT (a background job, nohup) inherits SIG_IGN, and Python then installs no
    # KeyboardInterrupt handler: every row would read "no KeyboardInterrupt" after a minute each
    signal.signal(signal.SIGINT, signal.default_int_handler)
    {preamble}
    {setup}
    print("ready", flush=True)
    try:
        {call}
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", repr(time.time()), flush=True)
        # an abandoned LAPACK or HiGHS call (limits._interruptible) finishes in the background and the interpreter
        # waits for it at exit, by design; on a loaded machine that took over a minute (tests/test_fuzz.py's child
        # leaves the same way)
        os._exit(0)
""")


HOG = textwrap.dedent("""
    import numpy as np
    a = np.ones(50_000_000, np.float32)
    b = np.empty_like(a)
    while True:
        np.copyto(b, a)
""")


def interrupt_table(repeats: int = 3, words: Sequence[str] = (), under_load: bool = False) -> None:
    print("\n| long call | Ctrl-C to KeyboardInterrupt: median (ms) | worst (ms) |\n|---|---|---|")
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(2 if under_load else 0)]
    try:
        for name, setup, call in LONG_CALLS:
            if not words or any(w in name for w in words):
                _interrupt_row(name, setup, call, repeats)
    finally:
        for h in hogs:
            h.kill()


def _interrupt_row(name: str, setup: str, call: str, repeats: int) -> None:
    """One row of the second table: the median and worst of `repeats` interrupts of one long call."""
    lat = []
    for _ in range(repeats):
        code = SIGINT_CHILD.format(preamble=PREAMBLE, setup=setup, call=call)
        p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        assert p.stdout is not None
        p.stdout.readline()
        time.sleep(max(1.0, 2.0 * SIGINT_AFTER.get(name, 0.0)))   # past a first step that only allocates
        sent = time.time()
        p.send_signal(signal.SIGINT)
        try:
            out, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:   # no KeyboardInterrupt within a minute: the row says so
            p.kill()
            out, _ = p.communicate()
        if out.startswith("interrupted"):
            lat.append(1000 * (float(out.split()[1]) - sent))
    if lat:
        print(f"| {name} | {statistics.median(lat):.0f} | {max(lat):.0f} |")
    else:
        print(f"| {name} | no KeyboardInterrupt | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interrupts", action="store_true",
                    help="only the second table (SIGINT to KeyboardInterrupt); ARG are words of the calls' names")
    ap.add_argument("--under-load", action="store_true",
                    help="with --interrupts: beside two processes that copy 200 MB arrays")
    ap.add_argument("args", nargs="*", metavar="ARG",
                    help="without --interrupts: only these calls of the first table (Python expressions, such as "
                         "'npn.regions(2**40, 2**40)'); with it: words the long calls' names must contain")
    args = ap.parse_args()
    if args.under_load and not args.interrupts:
        ap.error("--under-load goes with --interrupts")
    if args.interrupts:
        interrupt_table(words=args.args, under_load=args.under_load)
    elif args.args:   # only these rows of the first table: python benchmarks/bench_limits.py "EXPR" ...
        HOSTILE[:] = args.args
        hostile_table()
    else:
        hostile_table()
        interrupt_table()


if __name__ == "__main__":
    main()
