"""Local low-rank analysis of features and weights (seed 4).

For discrete ``X`` and ``Y`` with joint ``P_xy`` (shape ``(|X|, |Y|)``, rows
indexed by ``x``), a softmax-regression layer ``P(y | x) = softmax(f(x)^T v(y) + b(y))``
on ``k``-dimensional features ``f`` has, in the *local* regime where ``X`` and
``Y`` are nearly independent, expected log-loss

    ``H(Y|X) + 1/2 || B - Phi Psi^T ||_F^2 + o(eps^2)``,

with the centred matrix ``B[x, y] = (P_xy - P_x P_y) / sqrt(P_x P_y)`` and
the information matrices ``Phi[x] = sqrt(P_x) (f(x) - E f)``,
``Psi[y] = sqrt(P_y) (v(y) - E_{P_Y} v)``. The best rank-``k`` features and
weights are therefore the truncated SVD of ``B`` (Eckart-Young). This follows
Huang, Xu, Zheng & Wornell (``docs/lowrank.md``); the seed paper's own
statements are a reconstruction.

* :func:`bayes_matrix`, :func:`conditional_mean_matrix` build the targets;
* :func:`optimal_low_rank` gives the rank-``k`` optimum and its predicted loss;
* :func:`locality` says how local (close to independence) a distribution is;
* :func:`train_softmax_layer` fits a ``one-hot -> k linear features -> softmax``
  layer by full-batch Adam in numpy (the project's Rust trainer has a single
  logit output, so it cannot train a softmax layer);
* :func:`compare_layer` measures a trained layer against the SVD solution.

Matrices here are ``x``-major: ``B`` has the shape of ``P_xy`` and ``B ~ Phi Psi^T``.
Losses are in nats.
"""

from __future__ import annotations

from .matrices import *  # noqa: F401,F403
from .matrices import __all__ as _a1
from .fixed_side import *  # noqa: F401,F403
from .fixed_side import __all__ as _a1b
from .layer import *  # noqa: F401,F403
from .layer import __all__ as _a2
from .hidden import *  # noqa: F401,F403
from .hidden import __all__ as _a3

__all__ = list(_a1) + list(_a1b) + list(_a2) + list(_a3)
