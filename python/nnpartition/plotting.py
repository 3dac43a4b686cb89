"""Figures (matplotlib is the optional extra ``nnpartition[plot]``), and the helpers every plot uses.

The conventions, for every plotting function of the package:

* it takes ``ax=`` (draw into the caller's axes; default: new axes from
  :func:`axes_for`), and returns the axes (or the figure, for a multi-panel
  figure it made itself);
* it never switches the caller's matplotlib backend: nothing here calls
  ``matplotlib.use``. Figures for files (the CLI's ``--plot``) are bare
  :class:`matplotlib.figure.Figure` objects from :func:`file_figure`, which
  need no backend and leave pyplot's state alone.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PLOT_HINT = "plotting needs matplotlib: pip install nnpartition[plot]"


def require_matplotlib() -> Any:
    """``matplotlib.pyplot`` (the caller's backend, untouched), or ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(PLOT_HINT) from None
    return plt


def file_figure(figsize: Optional[Tuple[float, float]] = None, **kwargs: Any) -> "Figure":
    """A bare matplotlib ``Figure`` for writing a file: no pyplot state, no GUI, no backend switch.

    Example:
        >>> fig = file_figure((4, 3))
        >>> ax = fig.add_subplot()
        >>> import matplotlib
        >>> before = matplotlib.get_backend()
        >>> import io; fig.savefig(io.BytesIO(), format="png"); matplotlib.get_backend() == before
        True
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(PLOT_HINT) from None
    return Figure(figsize=figsize, **kwargs)


def axes_for(ax: Optional["Axes"] = None, figsize: Optional[Tuple[float, float]] = None) -> "Axes":
    """``ax`` itself, or new axes on a new pyplot figure (shown by ``plt.show()`` / in notebooks).

    Example:
        >>> ax = file_figure().add_subplot()
        >>> axes_for(ax) is ax
        True
    """
    if ax is not None:
        return ax
    plt = require_matplotlib()
    _, new = plt.subplots(figsize=figsize)
    axes: Axes = new
    return axes


def save_figure(fig: "Figure", path: str, dpi: int = 120) -> None:
    """Write ``fig`` to ``path`` and release it from pyplot if pyplot made it."""
    fig.savefig(path, dpi=dpi)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and getattr(fig, "number", None) in plt.get_fignums():
        plt.close(fig)


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
    dims = sorted({r["d"] for r in rows})
    ncols = min(4, len(dims)) + 1
    nrows = (len(dims) + ncols - 2) // (ncols - 1)
    fig = file_figure((3.2 * ncols, 2.8 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    colours: Dict[Any, Any] = {}
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
    save_figure(fig, path)


def _group(rows: Sequence[Dict[str, Any]]) -> Dict[Any, List[Dict[str, Any]]]:
    out: Dict[Any, List[Dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["N"], r["dist"]), []).append(r)
    return out
