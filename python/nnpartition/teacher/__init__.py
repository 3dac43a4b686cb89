"""Linear teachers: how SGD clusters the weights of a Leaky-ReLU network (seed 3).

The setting (Sarussi, Brutzkus & Globerson, ICML 2021, as reconstructed in
``docs/teacher.md``): linearly separable data labelled by a teacher
``w_star``; a two-layer network ``N(x) = sum_i s_i v sigma(<w_i, x>)`` without
biases, Leaky-ReLU ``sigma(z) = max(z, alpha z)``, output weights frozen at
``+v`` for the first ``ceil(L/2)`` units (``s_i = +1``) and ``-v`` for the
rest; logistic loss; SGD with a constant step and batch size 1 (or full
batch). Training drives the units of each group towards one direction (two
weight clusters), and two clusters ``w_+``, ``w_-`` make the decision
boundary the hyperplane ``<w_+ - w_-, x> = 0``.

* :func:`linear_teacher_dataset` draws the data;
* :func:`train_teacher` trains the network and records ``W_t`` every
  ``record_every`` steps (a dedicated f64 SGD loop in Rust: the project's
  general trainer :func:`nnpartition.training.train` has a bias in the first
  layer, runs in float32 and does not record weights);
* :func:`clustering_metrics` measures teacher alignment, cluster dispersion,
  spectral collapse and the agreement condition, for one ``W`` or a series;
* :func:`boundary_linearity` compares a network with the best linear rules.

Weight matrices here have **one row per hidden unit**, shape ``(L, d)``
(the paper's convention); :class:`~nnpartition.network.TwoLayerNet` stores
their transpose as ``W1``. Labels are ``0/1`` (class 1 where ``<w_star, x> > 0``)
or ``-1/+1``; both are accepted everywhere.
"""

from __future__ import annotations

from .data import *  # noqa: F401,F403
from .data import __all__ as _a1
from .data import _into_ball, _sample  # noqa: F401
from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _a2
from .linearity import *  # noqa: F401,F403
from .linearity import __all__ as _a2b
from .training import *  # noqa: F401,F403
from .training import __all__ as _a3

__all__ = list(_a1) + list(_a2) + list(_a2b) + list(_a3)
