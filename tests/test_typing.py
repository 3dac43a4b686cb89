"""Users' type checkers trust the surface: typical user code passes ``mypy --strict``, and misuse fails it."""

import textwrap

import pytest

api = pytest.importorskip("mypy.api")

USER_CODE = """
import numpy as np
import nnpartition as npn
from nnpartition import sweep

acc: float = npn.estimate_accuracy(10, 1000, 32).accuracy
acc_whole: float = npn.estimate_accuracy(10.0, 1e3, np.int64(32)).accuracy   # one number each: floats out
sim = npn.simulate_partition(2, 100, 4, trials=5, seed=np.random.default_rng(0), progress=None)
mean: float = sim.accuracy.mean
seed_used: int = sim.seed
r: int = npn.regions(3, 2)
X = np.zeros((4, 2)); W = np.ones((2, 3)); b = np.zeros(3)
n: int = npn.count_regions(X, W, b).n_regions
box: int = npn.regions_in_box(W, b, -1.0, 1.0)
net = npn.TwoLayerNet(W, b, np.ones(3), 0.0)
labels = net.predict(X)
grid = sweep.product(d=[1, 2])
bounds: int = npn.deep_region_bounds(2, [8, 8]).upper
# the sizing functions and heldout_errors take what estimate_accuracy takes: whole floats and numpy scalars for the
# sizes ("every size ... may also be a float of whole value"), any ordered iterable for widths
width = npn.required_width(np.int64(10), 1e3, 0.99, max_width=np.int64(4096)).L
most: int = npn.max_samples(10.0, widths=range(8, 10), target=0.9, max_n=1e6).N
held: float = npn.heldout_errors(np.int64(10), 1e3, widths=(w for w in [16, 16])).mae
top: float = npn.accuracy_ceiling(np.int32(10), 1e3, np.int64(32))
"""

MISUSE = """
import nnpartition as npn
r: str = npn.regions(3, 2)
s = npn.simulate_partition(2, 100, 4, trials="5")
m = npn.pictures.movie([[0.0, 0.0]], [0], 2, path="m.gif", seed="1")
e = npn.estimate_accuracy(10, 1000, 32, lr=0.1)
w = npn.required_width(10, 1000, 0.9, steps=100)
"""


def _mypy(tmp_path, code):
    path = tmp_path / "user.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    out, err, status = api.run(["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".cache"),
                                str(path)])
    return status, out + err


def test_typical_user_code_passes_mypy_strict(tmp_path):
    status, text = _mypy(tmp_path, USER_CODE)
    assert status == 0, text


def test_misuse_is_caught(tmp_path):
    status, text = _mypy(tmp_path, MISUSE)
    assert status == 1, text
    assert 'Incompatible types in assignment (expression has type "int", variable has type "str")' in text
    assert 'Argument "trials" to "simulate_partition" has incompatible type "str"' in text
    # movie took any seed (Any) while train, which it hands the seed to, took a SeedLike
    assert 'Argument "seed" to "movie" has incompatible type "str"' in text
    # a protocol's setting given as a keyword is refused at run time with advice, and still by the type checker: the
    # **settings estimate_accuracy's implementation takes to refuse them is not in its overloads
    assert 'No overload variant of "estimate_accuracy" matches argument types' in text
    assert 'Unexpected keyword argument "steps" for "required_width"' in text
