"""Expand-and-sparsify random codes (seed 2): a random projection to ``m > d``
dimensions followed by sparsification (:mod:`nnpartition.sparse.code`), what
the code is (:mod:`nnpartition.sparse.stats`), what a linear readout can do
with it (:mod:`nnpartition.sparse.capacity`), and the experiments the paper's
claims rest on (:mod:`nnpartition.sparse.experiments`, its subset experiment in
:mod:`nnpartition.sparse.subsets`). Everything public is imported here, each name from the one module that
defines it.
"""

from .code import *  # noqa: F401,F403
from .code import __all__ as _code_all
from .stats import *  # noqa: F401,F403
from .stats import __all__ as _stats_all
from .capacity import *  # noqa: F401,F403
from .capacity import __all__ as _capacity_all
from .experiments import *  # noqa: F401,F403
from .experiments import __all__ as _exp_all
from .subsets import *  # noqa: F401,F403
from .subsets import __all__ as _subsets_all

__all__ = list(_code_all) + list(_stats_all) + list(_capacity_all) + list(_exp_all) + list(_subsets_all)
