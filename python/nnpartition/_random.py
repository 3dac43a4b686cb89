"""Seeds, the numpy way: one place that turns every accepted seed into the integer the Rust core uses.

Every public ``seed=`` argument accepts what :func:`numpy.random.default_rng`
accepts for reproducible work:

* ``None``: fresh entropy from the operating system. The integer actually
  used is returned, and the result objects below record it.
* an ``int`` in ``[0, 2**64)``: used as it is.
* a :class:`numpy.random.SeedSequence`: its first 64-bit word of state
  (the same sequence always gives the same seed; spawn children for
  independent runs).
* a :class:`numpy.random.Generator` (or a bare ``BitGenerator``): one 64-bit
  draw from it, so the generator advances as it would when numpy code
  draws from it.

The core then derives every random stream from that one integer, so the
result does not depend on the thread count.

These results record that integer as ``.seed``, so passing it back as
``seed=`` repeats a fresh-entropy (or Generator) run: :func:`~nnpartition.train`,
:func:`~nnpartition.real_accuracy`, :func:`~nnpartition.simulate_partition`,
:func:`~nnpartition.estimate_accuracy` with ``method="monte_carlo"`` (``None``
for the analytic method, which draws nothing), :func:`~nnpartition.pictures.movie`;
in :mod:`nnpartition.sparse` :func:`expand_sparsify`, :func:`capacity_curve`,
:func:`pattern_overlap`, :func:`explicit_readout`, :func:`generalisation`,
:func:`subset_curve` and :func:`sparsity_curve`; in :mod:`nnpartition.teacher`
:func:`train_teacher` and :func:`linearity_baselines`; in
:mod:`nnpartition.lowrank` :func:`train_softmax_layer` and :func:`locality_sweep`.
The row of :func:`nnpartition.validation.measure_config` (and so each row of
``validate``) has it under the key ``"seed"``.

The functions that return plain arrays cannot record it:
:func:`~nnpartition.random_dataset`, :func:`~nnpartition.datasets.toy_dataset`,
``sparse.teacher_task``, ``teacher.linear_teacher_dataset`` and
``lowrank.local_family``. To repeat one of those with fresh entropy, draw the
integer first and pass it, e.g.
``seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])``.
"""

from __future__ import annotations

import numbers
from typing import Union

import numpy as np

__all__ = ["SeedLike", "resolve_seed", "trial_seed"]

#: Anything a ``seed=`` argument accepts.
SeedLike = Union[None, int, np.integer, np.random.Generator, np.random.BitGenerator, np.random.SeedSequence]

_SEED_LIMIT = 2**64


def resolve_seed(seed: SeedLike, name: str = "seed") -> int:
    """The integer seed in ``[0, 2**64)`` that ``seed`` stands for.

    Args:
        seed: ``None`` (fresh entropy), an ``int`` in ``[0, 2**64)``, a
            ``numpy.random.SeedSequence``, or a ``numpy.random.Generator`` /
            ``BitGenerator`` (one 64-bit draw is taken from it).
        name: the argument's name, used in error messages.

    Returns:
        The seed as a Python ``int``; pass it on, and record it in results.

    Raises:
        TypeError: ``seed`` is of another type (``bool``, ``float``, ``str``, ...).
        ValueError: an integer outside ``[0, 2**64)``.

    Example:
        >>> import numpy as np
        >>> resolve_seed(7)
        7
        >>> resolve_seed(np.random.SeedSequence(7)) == resolve_seed(np.random.SeedSequence(7))
        True
        >>> g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
        >>> resolve_seed(g1) == resolve_seed(g2) != resolve_seed(g1)   # a Generator advances
        True
        >>> 0 <= resolve_seed(None) < 2**64                           # fresh entropy
        True
    """
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"{name} must be None, an int, a numpy Generator or a SeedSequence, got bool {seed!r}")
    if isinstance(seed, np.timedelta64):   # numpy makes it an integer subclass; a duration is no seed
        raise TypeError(f"{name} must be None, an int, a numpy Generator or a SeedSequence, got timedelta64 {seed!r}")
    if isinstance(seed, (numbers.Integral, np.integer)):
        value = int(seed)
        if not 0 <= value < _SEED_LIMIT:
            raise ValueError(f"{name} must be >= 0 and < 2**64, got {value}")
        return value
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0])
    if isinstance(seed, np.random.BitGenerator):
        seed = np.random.Generator(seed)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, _SEED_LIMIT, dtype=np.uint64))
    raise TypeError(f"{name} must be None, an int, a numpy Generator or a SeedSequence, "
                    f"got {type(seed).__name__} {seed!r}")


def trial_seed(seed: int, t: int, stride: int = 1000) -> int:
    """The seed of trial ``t`` (``0 <= t < stride``) of a run seeded ``seed``: ``seed * stride + t`` while that
    is below ``2**64`` (so the results of those seeds are what they always were), else a 64-bit hash of
    ``(seed, t, stride)`` (numpy's ``SeedSequence``).

    A fresh-entropy seed is a random 64-bit integer, for which ``seed * stride + t`` is past the limit the core
    takes. Reducing it modulo ``2**64`` would give seeds ``2**61`` apart the same trial seeds (``1000 * 2**61``
    is a multiple of ``2**64``); the hash gives distinct seeds distinct trial seeds but for chance (``2**-64``).

    Example:
        >>> trial_seed(7, 2)
        7002
        >>> trial_seed(2**64 - 1, 0) != trial_seed(2**64 - 1 - 2**61, 0)
        True
    """
    value = seed * stride + t
    if value < _SEED_LIMIT:
        return value
    return int(np.random.SeedSequence([seed, t, stride]).generate_state(1, np.uint64)[0])
