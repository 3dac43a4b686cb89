"""Names that moved to a sibling module when a module was split, still importable from where they were defined.

A split module keeps a module-level ``__getattr__`` (PEP 562) that imports the moved name from its new module on
first use, so ``from nnpartition.sparse.code import capacity_curve`` keeps working while the new module imports from
the old one without an import cycle. The moved names are not in the old module's ``__all__``: a star import, and the
package's ``__init__``, take them from the module that defines them.
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping


def moved(module: str, names: Mapping[str, str], name: str) -> Any:
    """``name`` of ``module``, which moved to the sibling module ``names[name]`` (a relative name, ``".stats"``).

    Example:
        >>> moved("nnpartition.sparse.code", {"code_stats": ".stats"}, "code_stats").__module__
        'nnpartition.sparse.stats'
        >>> moved("nnpartition.sparse.code", {"code_stats": ".stats"}, "nothing")
        Traceback (most recent call last):
        ...
        AttributeError: module 'nnpartition.sparse.code' has no attribute 'nothing'
    """
    target = names.get(name)
    if target is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return getattr(importlib.import_module(target, module.rpartition(".")[0]), name)
