"""Result types that hold input-sized arrays print one short line: their scalars and each array's shape.

The dataclass default printed every array in full up to numpy's 1000-element summary threshold (a TeacherRun
of teacher.md's run was about 10,000 characters, a SparseCode 2,700).
"""

import re

import numpy as np
import pytest

from nnpartition import construct, estimate_accuracy, separability
from nnpartition.lowrank import local_family, optimal_low_rank, train_softmax_layer
from nnpartition.network import DeepNet, TwoLayerNet
from nnpartition.pictures import Plane, region_polygons
from nnpartition.sparse import code_stats, expand_sparsify, pattern_overlap
from nnpartition.teacher import boundary_linearity, clustering_metrics, linear_teacher_dataset, train_teacher
from nnpartition.validation import ValidationReport

LIMIT = 600   # characters: bounded whatever the sizes (Explanation, the longest, lists 19 fields)

_rng = np.random.default_rng(0)
_X = _rng.normal(size=(400, 10))
_y = (_X[:, 0] > 0).astype(int)
_X1 = np.sort(_rng.uniform(-1, 1, 300))


def _teacher():
    X, y, w = linear_teacher_dataset(200, 20, seed=1)
    return train_teacher(X, y, 40, epochs=2, record_every=20, w_star=w, seed=1)


def _report():
    # 32 rows as validate("protocols") returns them: the dataclass repr printed every one (about 10,000 characters)
    row = {"dist": "uniform", "d": 10, "N": 175, "widths": [4], "pid": -1, "optimizer": "adam", "lr": 0.02,
           "steps": 4000, "batch_size": None, "schedule": "cosine", "restarts": 2, "heldout": True,
           "deep_heldout": False, "part": "heldout", "L": 4, "real": 0.8209523809523809, "real_std": 0.0324928,
           "estimate": 0.8038840828498179, "low": 0.7519027433381842, "high": 0.8620631173778989, "ceiling": 1.0,
           "error": -0.01706829810256294, "in_band": True, "seed": 0, "datasets": 3, "diverged": 0,
           "outside_range": ""}
    return ValidationReport([dict(row) for _ in range(32)])


def _net():
    return TwoLayerNet(_rng.normal(size=(10, 99)), np.zeros(99), np.ones(99), 0.0)


CASES = {
    "SparseCode topk": (lambda: expand_sparsify(_X, 300, k=10, seed=1), ["m=300", "k=10", "seed=1", "(10, 300)"]),
    "SparseCode threshold": (lambda: expand_sparsify(_X, 300, k=10, sparsify="threshold"), ["thresholds (300,)"]),
    "SparseCode relu": (lambda: expand_sparsify(_X, 300, sparsify="relu"), ["dense (400, 300)"]),
    "TeacherRun": (_teacher, ["alpha=0.3", "seed=1", "X (200, 20)", "w_star (20,)"]),
    "ClusteringMetrics": (lambda: clustering_metrics(_teacher().weights, None, np.repeat([1, -1], 20)), []),
    "LinearityReport": (lambda: boundary_linearity(_teacher().network(), _rng.normal(size=(300, 20))),
                        ["n_probe=300", "w_lin (20,)"]),
    "TwoLayerNet": (_net, ["W1 (10, 99)", "activation='relu'"]),
    # 8 units: b1 and w2 printed in full, on the line (numpy wrapped them at 75 characters: a repr of 4 lines)
    "TwoLayerNet small": (lambda: TwoLayerNet(_rng.normal(size=(2, 8)), _rng.normal(size=8), _rng.normal(size=8), 0.0),
                          ["b1=array([", "w2=array(["]),
    "DeepNet": (lambda: DeepNet([(np.ones((10, 99)), np.zeros(99)), (np.ones((99, 99)), np.zeros(99))],
                                np.ones(99), 0.0), ["w_out (99,)"]),
    "MaxMargin": (lambda: separability.max_margin(_X, _y), ["support ("]),
    "Separability": (lambda: separability.separable(_X, _y), ["separable=True", "w (10,)"]),
    "CodeStats": (lambda: code_stats(expand_sparsify(_X, 300, sparsify="relu", bias=-2.0)),
                  ["n_points=400", "dead_units ("]),
    "PatternOverlap": (lambda: pattern_overlap(_X, expand_sparsify(_X, 300)), ["distance (1000,)"]),
    "RegionMap": (lambda: construct.region_map(_net(), _X), ["ids (400,)"]),
    "Knots": (lambda: construct.knots(construct.interpolant_1d(_X1, np.sin(9 * _X1))), ["position (299,)"]),
    "Pieces": (lambda: construct.linear_pieces(construct.interpolant_1d(_X1, np.sin(9 * _X1))), ["edges ("]),
    "Explanation": (lambda: construct.explain_1d(construct.classifier_1d(_X1, _X1 > 0.1), _X1, _X1 > 0.1), []),
    "Approximation": (lambda: construct.approximate_1d(np.sin, 0.0, 3.0, 300), ["values ("]),
    "LowRankSolution": (lambda: optimal_low_rank(local_family(60, 40, 0.5), 3), ["k=3", "P_xy (60, 40)"]),
    "SoftmaxLayer": (lambda: train_softmax_layer(local_family(60, 40, 0.5), 3, steps=5), ["features (60, 3)"]),
    "Plane": (lambda: Plane.standard(2000), ["origin (2000,)"]),
    "AccuracyEstimate": (lambda: estimate_accuracy(10, np.arange(100, 1100), 32), ["accuracy (1000,)"]),
    "EstimateDetails": (lambda: estimate_accuracy(10, np.arange(100, 1100), 32).details, ["k_eff (1000,)"]),
    "ValidationReport": (_report, ["32 rows", "mae=0.0171", "coverage=100.0%"]),
    "RegionPolygons": (lambda: region_polygons(TwoLayerNet(_rng.normal(size=(2, 30)), _rng.normal(size=30),
                                                            np.ones(30), 0.0)), ["n_regions="]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_is_one_short_line_with_shapes(name):
    make, parts = CASES[name]
    text = repr(make())
    assert "\n" not in text and len(text) < LIMIT, (len(text), text[:200])
    assert text.startswith(name.split()[0] + "(")
    for p in parts:
        assert p in text, (p, text)


def test_small_arrays_print_in_full_and_a_scalar_estimate_as_its_fields():
    # The README's tour shows both: a measurement's per-dataset accuracies, and an estimate's four floats (with
    # Python's float repr, as the dataclass default printed them); an array estimate of 2 configurations in full.
    e = estimate_accuracy(10, 1000, 32)
    # the question after them, as a measurement shows its own (its protocol, 100 characters, not shown)
    assert repr(e) == (f"AccuracyEstimate(accuracy={e.accuracy!r}, low={e.low!r}, high={e.high!r}, "
                       f"ceiling={e.ceiling!r}, method='analytic', d=10, N=1000, widths=(32,), dist='uniform')")
    e2 = estimate_accuracy(10, [1000, 2000], 32)
    # the widths tuple of one array (L broadcast) by its shape, the rest in full
    assert f"accuracy={np.array_repr(e2.accuracy)}" in repr(e2) and repr(e2).endswith("; arrays: widths [(2,)])")
    assert "N=array([1000, 2000])" in repr(e2)


def test_a_scalar_estimate_prints_as_one_line_of_the_command_lines_figures(capsys):
    # print(estimate) showed the dataclass repr, 16 digits a field; the command line prints 4 (its two lines below)
    from nnpartition.cli import main

    assert main(["estimate", "-d", "10", "-N", "1000", "-L", "20"]) == 0
    out = capsys.readouterr().out
    acc, low, high = re.search(r"estimated training accuracy: (\S+)\s+\(90% band (\S+) \.\. (\S+)\)", out).groups()
    ceiling = re.search(r"ceiling \(best any such network can reach\): (\S+)", out).group(1)
    assert str(estimate_accuracy(10, 1000, 20)) == (f"estimated training accuracy {acc} (90% band {low} .. {high}), "
                                                    f"ceiling {ceiling}, analytic")
    assert str(estimate_accuracy(10, 1000, 20, ceiling=False)).endswith("ceiling not computed, analytic")
    mc = estimate_accuracy(10, 1000, 20, method="monte_carlo", seed=3)
    assert str(mc).endswith(f"monte_carlo (seed {mc.seed})") and mc.seed == 3
    arrays = estimate_accuracy(10, np.array([100, 1000]), 20)
    assert str(arrays) == repr(arrays)


def test_a_measurement_prints_as_one_line_of_the_command_lines_figures(capsys):
    # print(real_accuracy(...)) showed the dataclass repr; `nnpartition train` prints the same run's figures
    from nnpartition import Protocol, real_accuracy
    from nnpartition.cli import main

    argv = ["train", "-d", "3", "-N", "60", "-L", "8", "--steps", "100", "--restarts", "1", "--datasets", "3",
            "--seed", "4", "--dist", "gaussian"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    figures = re.search(r"training accuracy: (\S+ \+- \S+)\s+\(per dataset: ([^)]*)\)", out).groups()
    protocol = re.search(r"protocol: (.*)", out).group(1)
    m = real_accuracy(3, 60, 8, dist="gaussian", protocol=Protocol(steps=100, restarts=1), datasets=3, seed=4)
    assert str(m) == (f"training accuracy {figures[0]} (per dataset: {figures[1]}); d=3 N=60 L=8 dist=gaussian "
                      f"seed=4; {protocol}")
    one = real_accuracy(3, 60, widths=[8, 4], protocol=Protocol(steps=40, restarts=1), datasets=1, seed=4)
    assert str(one).startswith(f"training accuracy {one.mean:.4f} (per dataset: {one.mean:.4f}); d=3 N=60 "
                               f"widths=[8, 4] ")   # one dataset has no spread: no "+- nan"
