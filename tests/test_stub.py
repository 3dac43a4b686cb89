"""The hand-written _core.pyi must match the native module."""

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import nnpartition
from nnpartition import _core

STUB = Path(nnpartition.__file__).parent / "_core.pyi"


def stub_functions():
    tree = ast.parse((Path(nnpartition.__file__).parent / "_core.pyi").read_text())
    return {n.name: [a.arg for a in n.args.args + n.args.kwonlyargs] for n in tree.body
            if isinstance(n, ast.FunctionDef)}


def test_stub_is_shipped_with_py_typed():
    root = Path(nnpartition.__file__).parent
    assert (root / "py.typed").exists() and (root / "_core.pyi").exists()


def test_stub_matches_native_functions_and_parameters():
    stubs = stub_functions()
    native = {n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n))}
    assert set(stubs) == native
    for name, params in stubs.items():
        sig = inspect.signature(getattr(_core, name))
        assert list(sig.parameters) == params, name


def test_stub_all_matches_the_native_module():
    tree = ast.parse((Path(nnpartition.__file__).parent / "_core.pyi").read_text())
    stub_all = next(ast.literal_eval(n.value) for n in tree.body
                    if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets))
    assert sorted(stub_all) == sorted(_core.__all__)


def test_every_native_function_has_a_docstring():
    """``help(_core.f)`` is where a contributor reads what a binding returns at run time (the Rust ``///`` comment
    above each ``#[pyfunction]``; the stub's docstrings, checked below, are what an editor shows). The six counting
    bindings had none."""
    native = [n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n))]
    assert len(native) >= 40, native
    undocumented = [n for n in native if not (getattr(_core, n).__doc__ or "").strip()]
    assert not undocumented, f"{undocumented}: add a /// comment above the #[pyfunction] in rust/src/python/"


def _undocumented(source: str) -> List[str]:
    """The stub's top-level functions and classes without a docstring, and the constants of its ``__all__`` (annotated
    names) without a ``#:`` comment on the line above."""
    tree = ast.parse(source)
    lines = source.splitlines()
    listed = next(ast.literal_eval(n.value) for n in tree.body
                  if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets))
    bare = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not ast.get_docstring(n)]
    silent = [n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
              and n.target.id in listed and not lines[n.lineno - 2].startswith("#:")]
    return bare + silent


def test_every_function_class_and_constant_of_the_stub_is_documented():
    """What an editor shows of ``_core.f`` is the stub's docstring (pydantic-core's hand-written stub is the model):
    each function and class says what it returns and what it refuses, each constant has a ``#:`` line. Read from the
    stub alone (``ast``), not from the native module. Until the seventieth pass on issue 11 none had a docstring."""
    source = STUB.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert len([n for n in tree.body if isinstance(n, ast.FunctionDef)]) >= 45
    assert not _undocumented(source)
    # the check can fail: a function, a class and a constant without their words
    stub = '__all__ = ["K", "f"]\n#: documented\nJ: int\nK: int\ndef f() -> int: ...\nclass C:\n    x: int\n'
    assert _undocumented(stub) == ["f", "C", "K"]
    assert _undocumented('__all__ = ["K"]\n#: K\nK: int\ndef f() -> int:\n    """f."""\n') == []


#: ``Wrapped by :func:`nnpartition.a` and :func:`nnpartition.b```: the public functions a docstring says call the
#: binding (up to the first word that is not a reference or "and").
WRAPPED = re.compile(r"Wrapped by\s+((?::\w+:`[\w.]+`(?:,?\s+and\s+|,\s+)?)+)")
#: Any reference to the package in a docstring of the stub (``Called by :func:`nnpartition.validation.validate```).
REFERENCE = re.compile(r":\w+:`(nnpartition(?:\.\w+)+)`")
#: A reference to another binding of the stub (``as :func:`eas_topk``` ...).
LOCAL = re.compile(r":\w+:`(\w+)`")


def _resolve(dotted: str) -> Any:
    """The object ``nnpartition.a.b.c`` names: attributes, or submodules not imported yet."""
    obj: Any = nnpartition
    for part in dotted.split(".")[1:]:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(f"{obj.__name__}.{part}")   # a module's submodule, or AttributeError
    return obj


def _docstrings() -> Dict[str, str]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {n.name: ast.get_docstring(n) or "" for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def _wrappers() -> List[Tuple[str, str]]:
    """``(binding, wrapper)`` for every "Wrapped by" of the stub's docstrings."""
    return [(name, ref) for name, doc in _docstrings().items() for m in WRAPPED.finditer(doc)
            for ref in REFERENCE.findall(m.group(1))]


def test_the_stub_names_only_objects_that_exist():
    """Every ``nnpartition.X`` a docstring of the stub names exists (a rename of the wrapper must change the stub),
    and every other binding it names (``as :func:`eas_topk```) is one of the stub's."""
    docs = _docstrings()
    refs = sorted({r for doc in docs.values() for r in REFERENCE.findall(doc)})
    assert len(refs) >= 25, refs
    missing = []
    for ref in refs:
        try:
            _resolve(ref)
        except (AttributeError, ImportError):
            missing.append(ref)
    assert not missing, missing
    local = {r for doc in docs.values() for r in LOCAL.findall(doc)}
    assert local and not local - set(docs), local - set(docs)
    with pytest.raises((AttributeError, ImportError)):   # the check can fail
        _resolve("nnpartition.no_such_function")


def _module_source(obj: Any) -> str:
    target = obj.fget if isinstance(obj, property) else obj
    return inspect.getsource(sys.modules[target.__module__])


@pytest.mark.parametrize("binding, wrapper", _wrappers())
def test_a_wrapper_the_stub_names_is_in_a_module_that_calls_the_binding(binding, wrapper):
    """"Wrapped by :func:`nnpartition.X`" is true of the source: ``X``'s module calls ``_core.<binding>``."""
    assert re.search(rf"\b_core\.{binding}\b", _module_source(_resolve(wrapper))), f"{wrapper} calls no _core.{binding}"


def test_the_wrappers_are_found():
    pairs = _wrappers()
    assert len(pairs) >= 35 and ("count_patterns_f32", "nnpartition.count_regions_deep") in pairs, pairs
    assert len({b for b, _ in pairs}) >= 30
    # the check can fail: the counting module calls no trainer
    assert not re.search(r"\b_core\.train_network\b", _module_source(_resolve("nnpartition.regions")))


def _dtypes(annotation: ast.expr) -> List[str]:
    """The numpy dtypes an annotation of the stub names, in order: ``List[Tuple[npt.NDArray[np.float64], ...]]``
    gives ``["float64", ...]``; ``int`` or ``float`` gives ``[]``."""
    return [n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "np"]


def test_the_train_output_typed_dicts_name_the_dtypes_train_network_returns():
    """``_TrainOutput`` and ``_NetworkDict`` say the dtypes ``train_network`` returns (stubtest does not look inside a
    TypedDict). The stub said float32 for ``snapshot_layers``, ``snapshot_w_out`` and ``snapshot_b_out``, which the
    binding stacks as float64 (``TrainResult`` types them float64) until the seventieth pass on issue 11."""
    import numpy as np

    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    fields = {c.name: {f.target.id: _dtypes(f.annotation) for f in c.body if isinstance(f, ast.AnnAssign)}
              for c in tree.body if isinstance(c, ast.ClassDef) and c.name in ("_TrainOutput", "_NetworkDict")}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.uint8)
    out = _core.train_network(x, y, [3, 2], "relu", 0.0, "bce", "adam", 0.01, 1e-4, 0.9, 0.9, 0.999, 1e-8, 6,
                              "cosine", None, 1, 0, None, 3, None, 3)
    assert set(out) == set(fields["_TrainOutput"])   # every key, the snapshots' too (snapshot_every=3)

    def arrays(value: Any) -> List[str]:
        """The dtypes of ``value`` in the order :func:`_dtypes` reads them (a list: its first item, as List[...])."""
        if isinstance(value, np.ndarray):
            return [value.dtype.name]
        if isinstance(value, list):
            return arrays(value[0]) if value else []
        if isinstance(value, tuple):
            return [t for v in value for t in arrays(v)]
        return []

    for key, value in out.items():
        if isinstance(value, dict):
            assert {k: arrays(v) for k, v in value.items()} == fields["_NetworkDict"], key
        else:
            assert arrays(value) == fields["_TrainOutput"][key], key
