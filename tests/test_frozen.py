"""Frozen results' equality and hash by value (nnpartition/_frozen.py), against the scalar rule read element by
element (a NaN equals a NaN, ``-0.0`` equals ``0.0``), and the hash kept in the instance against a fresh equal
result's hash, here and in a process whose string hashes are salted differently."""

import copy
import dataclasses
import os
import pickle
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import nnpartition
from nnpartition._frozen import ValueResult


@dataclasses.dataclass(frozen=True, eq=False)
class _R(ValueResult):
    name: str
    a: np.ndarray
    seconds: float = dataclasses.field(default=0.0, compare=False)


#: NaNs other than numpy's own, by their bits: sign, quiet payloads and a signalling one, for each float width.
_NANS = {2: (0xFE00, 0x7E01, 0x7C01), 4: (0xFFC00000, 0x7FC00001, 0x7F800001),
         8: (0xFFF8000000000000, 0x7FF8000000000001, 0x7FF0000000000001)}
_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _same_value(x, y):
    """The scalar rule, element by element: equal floats (so -0.0 == 0.0), or both NaN."""
    return x.shape == y.shape and bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([np.float16, np.float32, np.float64]), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_float_arrays_follow_the_scalar_rule_and_equal_results_hash_equal(dtype, size, seed):
    """An array result holding ``[nan]`` and its copy holding ``[-nan]`` (or a NaN of another payload), or ``[0.0]``
    and ``[-0.0]``, compared by their bytes, so unequal, where a float field holding those values is equal. Each pair
    here is equal exactly when the scalar rule says so, and equal results hash equal."""
    rng = np.random.default_rng(seed)
    width = np.dtype(dtype).itemsize
    pool = np.array([0.0, -0.0, 1.0, -2.5, np.nan, np.inf], dtype=dtype)
    a = pool[rng.integers(0, len(pool), size)]
    b = a.copy()
    for i in range(size):   # rewrite each NaN with another NaN's bits and flip a zero's sign, each at a coin toss
        if np.isnan(b[i]) and rng.random() < 0.7:
            b[i:i + 1] = np.array([rng.choice(_NANS[width])], dtype=_UINT[width]).view(dtype)
        elif b[i] == 0 and rng.random() < 0.5:
            b[i] = -b[i]
        elif rng.random() < 0.2:
            b[i] = pool[rng.integers(0, len(pool))]
    ra, rb = _R("r", a), _R("r", b)
    assert (ra == rb) is _same_value(a, b), (a.view(_UINT[width]), b.view(_UINT[width]))
    if ra == rb:
        assert hash(ra) == hash(rb) and len({ra, rb}) == 1
    assert _R("r", a.astype(np.float64)) != _R("r", a.astype(np.float32))   # the dtype still counts


def test_nan_and_signed_zero_arrays_of_any_shape_equal_their_other_bits():
    """The explicit cases: ``[nan]`` vs ``[-nan]`` and a payload NaN, ``[0.0]`` vs ``[-0.0]``, a 0-d array, a
    2-D Fortran-ordered array (its bytes in C order either way); an integer array is unchanged by the rule."""
    neg_nan = np.array([_NANS[8][0]], dtype=np.uint64).view(np.float64)
    payload = np.array([_NANS[8][1]], dtype=np.uint64).view(np.float64)
    for x, y in ((np.array([np.nan]), neg_nan), (np.array([np.nan]), payload), (np.array([0.0]), np.array([-0.0])),
                 (np.array(-0.0), np.array(0.0)), (np.asfortranarray([[0.0, np.nan], [1.0, 2.0]]),
                                                   np.array([[-0.0, -np.nan], [1.0, 2.0]]))):
        assert x.tobytes() != y.tobytes() or x.flags.f_contiguous != y.flags.f_contiguous
        assert _R("r", x) == _R("r", y) and hash(_R("r", x)) == hash(_R("r", y)), (x, y)
    assert _R("r", np.array([0.0])) != _R("r", np.array([np.nan]))
    assert _R("r", np.arange(3)) == _R("r", np.arange(3)) != _R("r", np.arange(1, 4))


def test_the_hash_is_computed_once_and_not_pickled(monkeypatch):
    """Hashing a result holding 10**7 floats took about 0.2 s on every call: the hash is kept in the instance (its
    arrays are read-only), computed on the first call only (counted: the value of each field is read once). The kept
    hash is no field: repr, fields, asdict and replace() are as before; pickle and copy do not carry it, so a result
    unpickled where strings hash otherwise (another PYTHONHASHSEED) hashes as a fresh equal result does there."""
    from nnpartition import _frozen

    r = _R("name", np.array([1.0, -0.0]))
    before = (repr(r), dataclasses.fields(r), list(dataclasses.asdict(r)))
    reads = []
    value = _frozen._value
    monkeypatch.setattr(_frozen, "_value", lambda x: reads.append(1) or value(x))
    h = hash(r)
    assert hash(r) == h and len(reads) == 2   # two compared fields, read on the first hash only
    assert (repr(r), dataclasses.fields(r), list(dataclasses.asdict(r))) == before
    assert r.a.flags.writeable is False
    other = dataclasses.replace(r, name="other")
    assert hash(other) == hash(_R("other", np.array([1.0, 0.0])))
    for twin in (copy.copy(r), copy.deepcopy(r), pickle.loads(pickle.dumps(r))):
        assert twin == r and "_value_hash" not in vars(twin)
    monkeypatch.undo()
    code = ("import pickle, sys, numpy as np\nfrom test_frozen import _R\nr = pickle.loads(sys.stdin.buffer.read())\n"
            "print(hash(r) == hash(_R('name', np.array([1.0, 0.0]))), hash('name'))")
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join([os.path.dirname(os.path.dirname(nnpartition.__file__)),
                                          os.path.dirname(__file__)])}
    p = subprocess.run([sys.executable, "-W", "error", "-c", code], input=pickle.dumps(r), capture_output=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    same, their_str_hash = p.stdout.decode().split()
    assert their_str_hash != str(hash("name")) and same == "True"   # salted otherwise there, and still consistent
