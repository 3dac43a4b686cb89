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

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The command that installs the optional extra of the figures (matplotlib), as a user pastes it.
PLOT_INSTALL = "pip install 'nnpartition[plot]'"
PLOT_HINT = f"plotting needs matplotlib: {PLOT_INSTALL}"


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
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):   # an AttributeError of the first drawing call named nothing
            raise TypeError(f"ax must be matplotlib axes (or None for new ones), got {type(ax).__name__}")
        return ax
    plt = require_matplotlib()
    _, new = plt.subplots(figsize=figsize)
    axes: Axes = new
    return axes


def save_figure(fig: "Figure", path: str, dpi: int = 120) -> None:
    """Write ``fig`` to ``path`` (whole or not at all: :func:`~nnpartition._files.replacing`) and release it from
    pyplot if pyplot made it."""
    from ._files import replacing

    if not os.path.splitext(os.fspath(path))[1]:
        # matplotlib adds its default format's suffix to a name without one ("out" -> "out.png"); the part file's own
        # suffix, ".part", would be read as the format
        import matplotlib

        path = f"{os.fspath(path)}.{matplotlib.rcParams['savefig.format']}"
    with replacing(path) as part:
        fig.savefig(part, dpi=dpi)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and getattr(fig, "number", None) in plt.get_fignums():
        plt.close(fig)


def save_or_explain(draw: Callable[[str], None], path: str, command: str, quiet: bool = False) -> int:
    """Run ``draw(path)`` for a CLI command's ``--plot``; on a missing matplotlib print how to get it and return 2.

    A file that cannot be written (a full disk, a folder removed meanwhile) is a ``ValueError`` naming ``--plot``
    and the path, which the command line prints as one line.

    Example:
        >>> def draw(path):
        ...     raise OSError(28, "No space left on device")
        >>> save_or_explain(draw, "fig.png", "demo")
        Traceback (most recent call last):
        ...
        ValueError: --plot fig.png: cannot be written (No space left on device)
    """
    try:
        draw(path)
    except ImportError as exc:
        print(f"nnpartition {command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        raise ValueError(f"--plot {path}: cannot be written ({exc.strerror or exc})") from None
    if not quiet:
        print(f"figure written to {path}")
    return 0


def write_figure(path: str, command: str, figsize: Tuple[float, float], paint: Callable[["Figure"], Any], *,
                 quiet: bool = False, dpi: int = 120) -> int:
    """A CLI command's figure: ``paint(fig)`` draws into a bare ``Figure`` of ``figsize``, written to ``path``.

    Returns the command's exit status: 0, or 2 after saying how to install matplotlib when it is missing.

    Example:
        >>> import os, tempfile
        >>> out = os.path.join(tempfile.mkdtemp(), "f.png")
        >>> (write_figure(out, "demo", (3, 2), lambda fig: fig.add_subplot().plot([0, 1]), quiet=True),
        ...  os.path.getsize(out) > 0)
        (0, True)
    """
    def draw(target: str) -> None:
        fig = file_figure(figsize)
        paint(fig)
        fig.tight_layout()
        save_figure(fig, target, dpi=dpi)

    return save_or_explain(draw, path, command, quiet=quiet)


def _label(r: Dict[str, Any]) -> str:
    size = "widths " + "-".join(str(w) for w in r["widths"]) if len(r.get("widths", [0])) > 1 else f"L={r['L']}"
    return f"{r['dist']} d={r['d']} N={r['N']} {size}"


def plot_parity(rows: Sequence[Dict[str, Any]], *, ax: Optional["Axes"] = None,
                labels: bool = False) -> "Axes":
    """Estimate (with its 90% band as an error bar) against real training accuracy, one marker per row.

    Colours tell the calibration from the held-out part, a diagonal marks perfect agreement; with
    ``labels=True`` every point is named (``dist d N L``), which suits a handful of rows (``nnpartition demo``).
    Returns the axes.

    Example:
        >>> from nnpartition.plotting import file_figure
        >>> rows = [dict(dist="uniform", d=2, N=100, L=4, real=0.61, estimate=0.6, low=0.55, high=0.65)]
        >>> ax = file_figure().add_subplot()
        >>> plot_parity(rows, ax=ax, labels=True) is ax
        True
    """
    from ._validate import flag

    labels = flag("labels", labels)
    ax = axes_for(ax, figsize=(5, 5))
    colours = {"calibration": "tab:blue", "heldout": "tab:orange"}
    for part in ("calibration", "heldout"):
        sel = [r for r in rows if r.get("part", "heldout") == part]
        if not sel:
            continue
        real = [r["real"] for r in sel]
        est = [r["estimate"] for r in sel]
        err = [[r["estimate"] - r["low"] for r in sel], [r["high"] - r["estimate"] for r in sel]]
        ax.errorbar(real, est, yerr=err, fmt="o", ms=4, lw=0.8, capsize=2, color=colours[part],
                    label=f"{part.replace('heldout', 'held out')} ({len(sel)}): estimate with 90% band")
        if labels:
            for r in sel:
                ax.annotate(_label(r), (r["real"], r["estimate"]), fontsize=7, xytext=(4, -3),
                            textcoords="offset points")
    ax.plot([0.5, 1.0], [0.5, 1.0], "k-", lw=0.8, label="estimate = real")
    ax.set_xlim(0.48, 1.02)
    ax.set_ylim(0.48, 1.02)
    ax.set_xlabel("real training accuracy")
    ax.set_ylabel("estimated training accuracy")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def validation_figure(rows: Sequence[Dict[str, Any]], path: Optional[str] = None, *,
                      ax: Optional["Axes"] = None) -> Any:
    """Estimate (line, 90% band) and real accuracy (points) against ``L`` for each ``d``, plus a parity panel.

    With ``ax=`` only the parity panel (:func:`plot_parity`) is drawn into it and the axes are returned (``path``
    must then be None); otherwise a multi-panel figure is made (written to ``path`` when given) and returned; no
    rows is a ``ValueError``. Each ``(N, dist)``
    has its own colour (the same in every panel) and a legend entry that names it in full; a line joins the rows
    of one training protocol and the same later layers only (a protocol grid's rows of one ``(d, N, dist)`` are
    several lines); a configuration measured at a single ``L`` shows its estimate as a bar with the band as an
    error bar.

    Example:
        >>> rows = [dict(d=2, N=100, L=L, dist="uniform", estimate=0.6, low=0.55, high=0.65, real=0.61)
        ...         for L in (2, 4)]
        >>> fig = validation_figure(rows)
        >>> len(fig.axes)
        2
    """
    if ax is not None:
        if path is not None:   # the path was silently left unwritten
            raise ValueError("give path (a new figure, written there) or ax (the parity panel, drawn into it), "
                             "not both")
        return plot_parity(rows, ax=ax)
    if not rows:   # a ZeroDivisionError laying out the panels
        raise ValueError("no rows to draw: the report is empty")
    dims = sorted({r["d"] for r in rows})
    ncols = min(4, len(dims)) + 1
    nrows = (len(dims) + ncols - 2) // (ncols - 1)
    fig = file_figure((3.4 * ncols, 3.0 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    keys = sorted(_group(rows))
    try:
        from matplotlib import colormaps
        cmap = colormaps["tab10" if len(keys) <= 10 else "tab20"]
    except ImportError:  # pragma: no cover
        raise ImportError(PLOT_HINT) from None
    colours = {k: cmap(i % cmap.N) for i, k in enumerate(keys)}
    for i, d in enumerate(dims):
        pa = axes[i // (ncols - 1)][i % (ncols - 1)]
        sel = [r for r in rows if r["d"] == d]
        for (N, dist), grp in sorted(_group(sel).items()):
            c = colours[(N, dist)]
            marker = "o" if dist == "uniform" else "s"
            # one line per training and later layers: the protocol grid's rows at one (d, N, dist) were joined
            # into one line across different protocols and depths, a curve in L that no training follows
            runs: Dict[Any, List[Dict[str, Any]]] = {}
            for r in grp:
                runs.setdefault(_run_key(r), []).append(r)
            for k, run in enumerate(sorted(runs.values(), key=lambda run: min(r["L"] for r in run))):
                run.sort(key=lambda r: r["L"])
                L = [r["L"] for r in run]
                if len(run) == 1:
                    r = run[0]
                    pa.errorbar(L, [r["estimate"]], yerr=[[r["estimate"] - r["low"]], [r["high"] - r["estimate"]]],
                                fmt="_", ms=12, mew=1.5, lw=1, capsize=3, color=c)
                else:
                    pa.plot(L, [r["estimate"] for r in run], "-", lw=1.2, color=c)
                    pa.fill_between(L, [r["low"] for r in run], [r["high"] for r in run], color=c, alpha=0.12)
                pa.plot(L, [r["real"] for r in run], marker, ms=4, color=c,
                        label=f"N={N}, {dist} inputs" if k == 0 else None)
        pa.set_xscale("log", base=2)
        pa.set_ylim(0.48, 1.02)
        pa.set_title(f"d = {d}", fontsize=9)
        pa.set_xlabel("hidden units L", fontsize=8)
        pa.set_ylabel("training accuracy", fontsize=8)
        pa.tick_params(labelsize=7)
        pa.legend(fontsize=6, loc="lower right")
    for j in range(len(dims), nrows * (ncols - 1)):
        axes[j // (ncols - 1)][j % (ncols - 1)].axis("off")
    plot_parity(rows, ax=axes[0][ncols - 1])
    axes[0][ncols - 1].set_title("parity", fontsize=9)
    axes[0][ncols - 1].legend(fontsize=6, loc="upper left")
    for row in range(1, nrows):
        axes[row][ncols - 1].axis("off")
    fig.suptitle("estimate (line or bar, 90% band) vs real training accuracy (points; circles uniform, "
                 "squares Gaussian inputs)", fontsize=10)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def _run_key(r: Dict[str, Any]) -> Tuple[Any, ...]:
    """What must match for two rows to lie on one curve in ``L``: the training (the protocol the row names, the
    reference one for a row stored before the small and full grids' rows named theirs) and the layers after the
    first."""
    from .training import Protocol

    widths = r.get("widths")
    later = tuple(widths[1:]) if isinstance(widths, (list, tuple)) else ()
    return tuple(repr(r.get(f, x)) for f, x in Protocol().to_dict().items()) + (later,)


def _group(rows: Sequence[Dict[str, Any]]) -> Dict[Any, List[Dict[str, Any]]]:
    out: Dict[Any, List[Dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["N"], r["dist"]), []).append(r)
    return out
