"""Expand-and-sparsify random codes (seed 2): a random projection to ``m > d``
dimensions followed by sparsification (:mod:`nnpartition.sparse.code`), what
the code is (:mod:`nnpartition.sparse.stats`), what a linear readout can do
with it (:mod:`nnpartition.sparse.capacity`), and the experiments the paper's
claims rest on (:mod:`nnpartition.sparse.experiments`, its subset experiment in
:mod:`nnpartition.sparse.subsets`). Everything is re-exported here (the first
three's names from :mod:`nnpartition.sparse.code` too, the subsets' from
:mod:`nnpartition.sparse.experiments`).
"""

from .code import *  # noqa: F401,F403
from .code import __all__ as _code_all
from .experiments import *  # noqa: F401,F403
from .experiments import __all__ as _exp_all

__all__ = list(_code_all) + list(_exp_all)
