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


@dataclasses.dataclass(frozen=True, eq=False)
class _S(ValueResult):
    value: object
    seconds: float = dataclasses.field(default=0.0, compare=False)


def _same(x, y):
    """The rule for a field of any kind, written out: arrays by dtype, shape and the scalar rule; dicts by their
    keys and each key's value (in any order); lists and tuples by their kind and entries; a NaN equals a NaN; any
    other value by ``==``."""
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.dtype == y.dtype
                and _same_value(x, y))
    if isinstance(x, dict) or isinstance(y, dict):
        return isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys() and all(
            _same(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)) or isinstance(y, (list, tuple)):
        return type(x) is type(y) and len(x) == len(y) and all(_same(a, b) for a, b in zip(x, y))
    if isinstance(x, float) and isinstance(y, float) and x != x and y != y:
        return True
    return bool(x == y)


_LEAVES = st.one_of(st.sampled_from([0, 1, 2, 0.0, -0.0, 1.0, 5e-324, float("nan"), -float("nan"), "a", "b", None]),
                    st.builds(lambda v: np.array(v, dtype=np.float64),
                              st.lists(st.sampled_from([0.0, -0.0, 5e-324, 1.0, np.nan]), max_size=2)))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.sampled_from("xyz"), inner, max_size=3)), max_leaves=6)


def _variant(data, x):
    """``x`` rebuilt with, at coin tosses, a NaN's sign flipped, a zero's sign flipped, a value drawn anew, and a
    dict's keys in another order: pairs that are equal and unequal in the ways the rule tells apart."""
    if data.draw(st.integers(0, 9)) == 0:
        return data.draw(_VALUES)
    if isinstance(x, np.ndarray):
        return -x if data.draw(st.booleans()) else x.copy()
    if isinstance(x, dict):
        keys = data.draw(st.permutations(list(x)))
        return {k: _variant(data, x[k]) for k in keys}
    if isinstance(x, (list, tuple)):
        return type(x)(_variant(data, v) for v in x)
    if isinstance(x, float) and (x != x or x == 0) and data.draw(st.booleans()):
        return -x
    return x


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.data())
def test_fields_of_every_kind_follow_the_rule_and_equal_results_hash_equal(x, data):
    """Fields that are not arrays (ints, floats, strings, None, lists, tuples, dicts, nested, with arrays inside):
    two results are equal exactly when :func:`_same` (the rule written out independently) says their fields are,
    whatever a field declared ``compare=False`` holds, and equal results hash equal. (An audit in session 64,
    py_mutants: with arrays alone tested here, a dict, list, tuple or plain field compared as always equal, and a
    NaN field as an ordinary float, survived this file.)"""
    y = _variant(data, x)
    a, b = _S(x, seconds=1.0), _S(y, seconds=2.0)
    assert (a == b) is _same(x, y) and (a != b) is not _same(x, y), (x, y)
    if a == b:
        assert hash(a) == hash(b) and len({a, b}) == 1
    assert a == _S(x) and hash(a) == hash(_S(x))   # a result equals itself rebuilt, whatever its seconds


def test_a_result_is_not_equal_to_another_type_holding_the_same_values():
    """``==`` with an object of another type is ``False`` (Python's fallback once ``__eq__`` declines), not a
    value comparison: a tuple of the fields, a plain dataclass and another ``ValueResult`` class holding the same
    fields are not the result."""

    @dataclasses.dataclass(frozen=True, eq=False)
    class _Other(ValueResult):
        value: object
        seconds: float = dataclasses.field(default=0.0, compare=False)

    r = _S(3)
    for other in (_Other(3), (3,), (3, 0.0), 3, None):
        assert (r == other) is False and (other == r) is False and (r != other) is True, other
    assert (r == _S(3.0)) is True   # 3 == 3.0, as in a plain field
    # a NaN field equals a NaN (any sign), and nothing else: not None, not the string "nan", not a tuple
    nan = float("nan")
    assert _S(nan) == _S(-nan) == _S(np.float32("nan")) and hash(_S(nan)) == hash(_S(-nan))
    for other in (None, "nan", ("nan",), 0.0, [nan]):
        assert _S(nan) != _S(other) and _S([nan]) != _S([other]), other


def test_a_tiny_float_in_an_array_is_not_zero():
    """The scalar rule keeps every value but the sign of zero and a NaN's bits: the smallest subnormal is not 0.0,
    nor is 1e-17 (both would be lost by any shift before the comparison, 1 + 1e-17 == 1)."""
    for tiny in (5e-324, 1e-17, -1e-17):
        assert _R("r", np.array([tiny])) != _R("r", np.array([0.0]))
        assert _R("r", np.array([1.0 + 2**-52])) != _R("r", np.array([1.0]))
