"""The hand-written _core.pyi must match the native module."""

import ast
import inspect
from pathlib import Path

import nnpartition
from nnpartition import _core


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
    """``help(_core.f)`` is where a contributor reads what a binding returns (the stub's functions carry no docstrings:
    the Rust ``///`` comment above each ``#[pyfunction]`` is the one copy). The six counting bindings had none."""
    native = [n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n))]
    assert len(native) >= 40, native
    undocumented = [n for n in native if not (getattr(_core, n).__doc__ or "").strip()]
    assert not undocumented, f"{undocumented}: add a /// comment above the #[pyfunction] in rust/src/python/"
