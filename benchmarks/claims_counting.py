"""The accuracy docs/counting.md states for ``separable_probability``'s log-domain path, measured.

Usage:
    python benchmarks/claims_counting.py    # about 10 s; pip install scipy

Beyond the sizes whose exact sum is affordable, ``separable_probability(N, D)`` (Cover's probability that ``N``
random points with random labels are linearly separable in ``D`` dimensions: ``P(Bin(N - 1, 1/2) <= D - 1)``) is
the exponential of a log-domain sum. This script draws ``D`` from seven standard deviations below ``N / 2`` to two
above and prints the largest relative error against two independent references:

* ``N`` from 10^6 to 10^10 (60 draws): 40-digit decimal arithmetic (``ln C(m, k) - m ln 2`` by Stirling's series,
  then the terms summed downward by their exact ratios), as ``tests/test_counting.py`` does;
* ``N`` from 10^14 to 2^64 - 1 (2,000 draws): the binomial's Edgeworth expansion with continuity correction,
  ``Phi(x) + phi(x) (x^3 - 3x) / (12 m)``, ``x = (2k + 1 - m) / sqrt(m)``, whose own error is below 1e-12 there.
"""

from __future__ import annotations

import argparse
import math
import random
from decimal import Decimal, localcontext

from nnpartition import separable_probability


def cdf_decimal(m: int, k: int) -> float:
    """``P(Bin(m, 1/2) <= k)`` for ``k`` below ``m / 2``, in 40-digit decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 40
        pi = Decimal("3.141592653589793238462643383279502884197")

        def ln_fact(x: int) -> Decimal:
            y = Decimal(x)
            return (y * y.ln() - y + (2 * pi * y).ln() / 2 + 1 / (12 * y) - 1 / (360 * y**3) + 1 / (1260 * y**5)
                    - 1 / (1680 * y**7))

        term = (ln_fact(m) - ln_fact(k) - ln_fact(m - k) - m * Decimal(2).ln()).exp()
        total, i = Decimal(0), k
        while i >= 0 and term >= total * Decimal("1e-30"):
            total += term
            term = term * i / (m - i + 1)
            i -= 1
        return float(total)


def cdf_edgeworth(m: int, k: int) -> float:
    """``P(Bin(m, 1/2) <= k)`` by the Edgeworth expansion (``2k + 1 - m`` exact in integers)."""
    from scipy.special import ndtr

    x = (2 * k + 1 - m) / math.sqrt(m)
    return float(ndtr(x) + math.exp(-x * x / 2) / math.sqrt(2 * math.pi) * (x**3 - 3 * x) / (12 * m))


def worst(sizes: list, draws: int, z: tuple, reference: object, seed: int) -> float:
    rng = random.Random(seed)
    out = 0.0
    for _ in range(draws):
        N = rng.choice(sizes)
        m = N - 1
        k = (m + int(rng.uniform(*z) * math.isqrt(m))) // 2
        ref = reference(m, k)  # type: ignore[operator]
        out = max(out, abs(separable_probability(N, k + 1) / ref - 1))
    return out


def main() -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    mid = worst([10**6, 10**7, 10**8, 10**9, 10**10], 60, (-7.0, -0.5), cdf_decimal, 3)
    huge = worst([10**14, 10**16, 10**18, 2**62, 2**63, 2**64 - 1], 2000, (-7.0, 2.0), cdf_edgeworth, 1)
    print("| N | draws | reference | largest relative error |")
    print("|---|---|---|---|")
    print(f"| 10^6 - 10^10 | 60 | 40-digit decimal sum | {mid:.1e} |")
    print(f"| 10^14 - 2^64 - 1 | 2,000 | Edgeworth expansion | {huge:.1e} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
