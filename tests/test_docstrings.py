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


@pytest.mark.parametrize("qualname", ["nnpartition.network.load_network", "nnpartition.pictures.movie",
                                      "nnpartition.explore.serve", "nnpartition.explore.make_server",
                                      "nnpartition.training.TrainResult", "nnpartition.training.AccuracyMeasurement"])
def test_these_functions_have_examples(qualname):
    # they had none; the doctest run above executes them (serve's is skipped: it serves until Ctrl-C)
    module, name = qualname.rsplit(".", 1)
    doc = getattr(importlib.import_module(module), name).__doc__
    assert ">>> " in doc, qualname


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
    missing = [f"{cls.__name__}.{f.name}" for cls in classes for f in dataclasses.fields(cls)
               if not f.name.startswith("_") and not re.search(rf"\b{re.escape(f.name)}\b", cls.__doc__ or "")]
    assert len(classes) >= 40 and not missing, missing
