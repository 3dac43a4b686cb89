"""Every docstring example of the installed package runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import nnpartition

MODULES = sorted(m.name for m in pkgutil.walk_packages(nnpartition.__path__, "nnpartition."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
