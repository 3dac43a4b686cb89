"""Every docstring example of the installed package runs and prints what it says."""

import doctest
import importlib
import inspect
import pkgutil
import re

import pytest

import nnpartition

MODULES = sorted(m.name for m in pkgutil.walk_packages(nnpartition.__path__, "nnpartition."))


#: An example's first line in a module's source (``>>> `` at the start of a line), but not one marked to be skipped.
EXAMPLE = re.compile(r"^[ \t]*>>>(?: |$)(?!.*doctest:.*\+SKIP)", re.MULTILINE)


def test_the_modules_are_found():
    assert len(MODULES) >= 30 and {"nnpartition.estimate", "nnpartition.explore.server", "nnpartition._cli.common",
                                   "nnpartition.sweep.store"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    # and every example the module's source shows was run: doctest silently passes over a docstring it cannot see
    # (an f-string is no docstring; an object whose __module__ names another module is not searched)
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):   # the compiled core: no Python source
        source = ""
    shown = len(EXAMPLE.findall(source))
    assert result.attempted == shown, f"{name}: its source shows {shown} examples, doctest ran {result.attempted}"


def test_every_name_a_module_exports_exists():
    # _cli/common's __all__ kept load_layer and load_layers after they moved to _cli/layers: a star import raised
    # AttributeError
    missing = [f"{name}.{n}" for name in MODULES for n in getattr(importlib.import_module(name), "__all__", [])
               if not hasattr(importlib.import_module(name), n)]
    assert not missing, missing


def test_names_moved_by_a_split_are_still_importable_from_where_they_were():
    # the splits of sparse/code, sparse/experiments, lowrank/matrices and teacher/metrics kept their old names through
    # imports at the modules' ends (an import cycle); they are now read through a PEP 562 __getattr__
    split = {name: importlib.import_module(name) for name in MODULES}
    split = {name: m for name, m in split.items() if hasattr(m, "_MOVED")}
    assert {"nnpartition.sparse.code", "nnpartition.sparse.experiments", "nnpartition.lowrank.matrices",
            "nnpartition.teacher.metrics"} <= set(split)
    for name, module in split.items():
        for moved, target in module._MOVED.items():
            home = importlib.import_module(target, name.rpartition(".")[0])
            assert getattr(module, moved) is getattr(home, moved), (name, moved)
            assert moved in home.__all__ or moved.isupper(), (name, moved)   # public where it lives now
            assert moved not in getattr(module, "__all__", []), (name, moved)
        with pytest.raises(AttributeError, match=f"module '{name}' has no attribute 'no_such_name'"):
            getattr(module, "no_such_name")   # the attribute access is the test: the module's __getattr__ raises

@pytest.mark.parametrize("qualname", ["nnpartition.network.load_network", "nnpartition.pictures.movie",
                                      "nnpartition.explore.serve", "nnpartition.explore.make_server",
                                      "nnpartition.training.TrainResult", "nnpartition.training.AccuracyMeasurement"])
def test_these_functions_have_examples(qualname):
    # they had none; the doctest run above executes them (serve's is skipped: it serves until Ctrl-C)
    module, name = qualname.rsplit(".", 1)
    doc = getattr(importlib.import_module(module), name).__doc__
    assert ">>> " in doc, qualname


def test_every_public_function_has_an_example():
    """docs/architecture.md asks every user-facing function for "a docstring with a runnable example": each function
    a public module (no ``_`` in its dotted path) exports in ``__all__`` has one, which the doctest run above executes
    (``explore.frames.empty_frame`` had none)."""
    seen, missing = set(), []
    for name in MODULES:
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        for export in getattr(module, "__all__", []):
            obj = getattr(module, export)
            if inspect.isfunction(obj) and obj not in seen:
                seen.add(obj)
                if ">>> " not in (inspect.getdoc(obj) or ""):
                    missing.append(f"{obj.__module__}.{obj.__qualname__}")
    assert len(seen) >= 100 and not missing, (len(seen), missing)


def test_the_estimate_modules_public_classes_have_examples():
    # AccuracyEstimate, EstimateDetails, WidthAnswer and SamplesAnswer had none; the doctest run above executes them
    from nnpartition import estimate
    classes = [getattr(estimate, n) for n in estimate.__all__ if inspect.isclass(getattr(estimate, n))]
    assert len(classes) >= 4
    missing = [c.__name__ for c in classes if ">>> " not in (c.__doc__ or "")]
    assert not missing, missing


def test_every_public_result_type_names_each_of_its_fields_in_its_docstring():
    # An audit: TrainResult's activation and slope, CapacityCurve's k and projection, GeneralisationResult's n_train
    # and n_test, Limits' three limits, ValidationReport's rows and Explanation's extra were named nowhere in them
    import dataclasses

    public = [getattr(module, name) for module in map(importlib.import_module, ["nnpartition"] + MODULES)
              for name in getattr(module, "__all__", [])]
    classes = {c for c in public if inspect.isclass(c) and dataclasses.is_dataclass(c)}
    # a short name (d, N, u, lr) is found as a word in almost any docstring: it must open an entry ("d, m, k: ...",
    # "...; N: how many"); a longer one may be named anywhere
    sep = r"(?:,\s*|\s+and\s+|\s*/\s*|[;.]\s+)"

    def named(field: str, doc: str) -> bool:
        if len(field) > 2:
            return re.search(rf"\b{re.escape(field)}\b", doc) is not None
        entry = rf"(?:^\s*|[;.]\s+)(?:[\w`*]+{sep})*`*{re.escape(field)}`*(?:\s*\([^)]*\))?(?:{sep}[\w`*]+)*\s*:"
        return re.search(entry, doc, re.M) is not None

    missing = [f"{cls.__name__}.{f.name}" for cls in classes for f in dataclasses.fields(cls)
               if not f.name.startswith("_") and not named(f.name, cls.__doc__ or "")]
    assert len(classes) >= 40 and not missing, missing
