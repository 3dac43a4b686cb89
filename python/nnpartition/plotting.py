"""Figures (matplotlib is the optional extra ``nnpartition[plot]``)."""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Sequence

PLOT_HINT = "plotting needs matplotlib: pip install nnpartition[plot]"


def require_matplotlib() -> Any:
    """Import ``matplotlib.pyplot`` with a non-interactive backend, or explain how to install it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(PLOT_HINT) from None
    return plt


def save_or_explain(draw: Callable[[str], None], path: str, command: str, quiet: bool = False) -> int:
    """Run ``draw(path)`` for a CLI command; on a missing matplotlib print how to get it and return 2."""
    try:
        draw(path)
    except ImportError as exc:
        print(f"nnpartition {command}: {exc}", file=sys.stderr)
        return 2
    if not quiet:
        print(f"figure written to {path}")
    return 0


def validation_figure(rows: Sequence[Dict[str, Any]], path: str) -> None:
    """Estimate (line, band) and real accuracy (points) against L for each d, plus a parity plot."""
    plt = require_matplotlib()
    dims = sorted({r["d"] for r in rows})
    ncols = min(4, len(dims)) + 1
    nrows = (len(dims) + ncols - 2) // (ncols - 1)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.8 * nrows), squeeze=False)
    colours = {}
    for i, d in enumerate(dims):
        ax = axes[i // (ncols - 1)][i % (ncols - 1)]
        sel = [r for r in rows if r["d"] == d]
        for (N, dist), grp in sorted(_group(sel).items()):
            grp.sort(key=lambda r: r["L"])
            L = [r["L"] for r in grp]
            key = (N, dist)
            line, = ax.plot(L, [r["estimate"] for r in grp], "-", lw=1, color=colours.get(key))
            colours[key] = line.get_color()
            ax.fill_between(L, [r["low"] for r in grp], [r["high"] for r in grp], color=line.get_color(), alpha=0.12)
            ax.plot(L, [r["real"] for r in grp], "o" if dist == "uniform" else "s", ms=3.5, color=line.get_color(),
                    label=f"N={N} {dist[:5]}")
        ax.set_xscale("log", base=2)
        ax.set_ylim(0.48, 1.02)
        ax.set_title(f"d = {d}", fontsize=9)
        ax.set_xlabel("L", fontsize=8)
        ax.tick_params(labelsize=7)
        if len(_group(sel)) <= 6:
            ax.legend(fontsize=6)
    for j in range(len(dims), nrows * (ncols - 1)):
        axes[j // (ncols - 1)][j % (ncols - 1)].axis("off")
    par = axes[0][ncols - 1]
    for part, marker in (("calibration", "."), ("heldout", "x")):
        sel = [r for r in rows if r.get("part", "heldout") == part]
        if sel:
            par.plot([r["real"] for r in sel], [r["estimate"] for r in sel], marker, ms=4, ls="", label=part)
    par.plot([0.5, 1], [0.5, 1], "k-", lw=0.8)
    par.set_xlabel("real (trained)", fontsize=8)
    par.set_ylabel("estimate", fontsize=8)
    par.set_title("parity", fontsize=9)
    par.legend(fontsize=7)
    for r in range(1, nrows):
        axes[r][ncols - 1].axis("off")
    fig.suptitle("estimate (line, 90% band) vs real training accuracy (points)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _group(rows: Sequence[Dict[str, Any]]) -> Dict[Any, list]:
    out: Dict[Any, list] = {}
    for r in rows:
        out.setdefault((r["N"], r["dist"]), []).append(r)
    return out
