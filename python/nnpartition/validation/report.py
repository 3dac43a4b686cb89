"""The rows of a validation and their error summaries (:class:`ValidationReport`)."""

from __future__ import annotations

import csv
import itertools
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .._files import file_path, replacing
from .. import _display
from .. import _validate as v
from ..training import Protocol
from .grids import _DISTS
from .measure import protocol_of


def _sizes(r: Dict[str, Any]) -> Tuple[int, ...]:
    """A row's hidden widths: its ``widths``, else its ``L`` alone (a row may hold either, :meth:`_check_columns`).

    Example:
        >>> _sizes({"L": 3}), _sizes({"widths": [8, 4]})
        ((3,), (8, 4))
    """
    return tuple(r["widths"]) if "widths" in r else (r["L"],)


def _group_of(r: Dict[str, Any]) -> str:
    """``deep`` for two or more hidden layers, else ``reference`` or ``protocols`` by the row's protocol."""
    if len(r.get("widths", [0])) > 1:
        return "deep"
    return "reference" if protocol_of(r) == Protocol() else "protocols"


def _summary(rows: Sequence[Dict[str, Any]]) -> Dict[str, float]:
    if not rows:
        return {"n": 0}
    err = np.array([r["error"] for r in rows], dtype=float)
    cov = np.array([r["in_band"] for r in rows], dtype=float)
    return {"n": len(rows), "mae": float(np.abs(err).mean()), "max_error": float(np.abs(err).max()),
            "bias": float(err.mean()), "coverage": float(cov.mean())}


#: The columns the parity panel reads, the names of its points' labels, and the whole figure's
#: (:func:`nnpartition.plotting.validation_figure`; ``L`` or, for a deep row, ``widths``).
_PARITY_COLUMNS = ("d", "estimate", "low", "high", "real")
_LABEL_COLUMNS = _PARITY_COLUMNS + ("dist", "N", "L")
_FIGURE_COLUMNS = _LABEL_COLUMNS
#: The columns every row needs for :meth:`ValidationReport.summary` (and ``to_dict``, ``summary_text``).
_SUMMARY_COLUMNS = ("real", "estimate", "error", "in_band")


@dataclass
class ValidationReport:
    """Per-configuration results and their error summaries.

    Attributes:
        rows: one dict per configuration, as :func:`nnpartition.validation.measure_config` returns it (the rows
            :meth:`to_csv` writes). The repr gives their number and the error summary of all of them
            (:meth:`table` and :meth:`summary_text` print them whole).
    """

    rows: List[Dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        """The number of rows and, for rows with the columns, the summary of all of them: the dataclass repr
        printed every row (about 10,000 characters for the 32 rows of ``validate("protocols")``).

        Example:
            >>> ValidationReport([{"error": 0.02, "in_band": True}, {"error": -0.04, "in_band": False}])
            ValidationReport(2 rows; all: mae=0.0300, max_error=0.0400, bias=-0.0100, coverage=50.0%)
        """
        text = f"ValidationReport({len(self.rows)} row{'' if len(self.rows) == 1 else 's'}"
        if self.rows and all("error" in r and "in_band" in r for r in self.rows):
            s = _summary(self.rows)
            text += (f"; all: mae={s['mae']:.4f}, max_error={s['max_error']:.4f}, bias={s['bias']:+.4f}, "
                     f"coverage={s['coverage']:.1%}")
        return text + ")"

    @_display.never_raises
    def _repr_html_(self) -> str:
        """What a notebook shows at the end of a cell (docs/training.md, "In a notebook"): the rows as :meth:`table`
        gives them (the first 20), under the repr's summary; the text repr for rows without those columns.

        Example:
            >>> rows = [{"dist": "uniform", "d": 2, "N": 9, "L": 3, "real": 0.9, "estimate": 0.92, "low": 0.85,
            ...          "high": 0.97, "ceiling": 1.0, "error": 0.02, "in_band": True}]
            >>> "<td>0.9200</td>" in ValidationReport(rows)._repr_html_()
            True
        """
        header = ["dist", "d", "N", "L / widths", "protocol", "real", "estimate", "low", "high", "ceiling", "error"]
        rows = [[r["dist"], r["d"], r["N"], _sizes(r), protocol_of(r).describe(), r["real"],
                 r["estimate"], r["low"], r["high"], r["ceiling"], r["error"]] for r in self.rows[:_display.MAX_ROWS]]
        return _display.html_grid(repr(self), header, rows, total=len(self.rows))

    def summary(self) -> Dict[str, Dict[str, float]]:
        """Error summaries: all rows, the non-trivial ones (real or estimate below 0.999), by group and part.

        Groups: ``reference`` (two layers, reference protocol), ``protocols`` (two
        layers, other protocols), ``deep`` (two or more hidden layers); parts:
        ``calibration`` and ``heldout``. Regions of the held-out part: ``small d``
        (d <= 2), ``large L`` (L >= 64), ``near capacity`` (N between 1 and 4
        times the parameter count ``L (d + 2) + 1``).
        """
        # a hand-made row (or one read back from another tool's CSV) without them gave a bare KeyError
        self._check_columns(_SUMMARY_COLUMNS, "summary")

        def nontrivial(r: Dict[str, Any]) -> bool:
            return bool(r["real"] < 0.999 or r["estimate"] < 0.999)

        out: Dict[str, Dict[str, float]] = {"all": _summary(self.rows),
                                            "non-trivial": _summary([r for r in self.rows if nontrivial(r)])}
        for group, part in itertools.product(("reference", "protocols", "deep"), ("calibration", "heldout")):
            sel = [r for r in self.rows if _group_of(r) == group and r.get("part") == part]
            if sel:
                out[f"{group}/{part}"] = _summary(sel)
                out[f"{group}/{part}, non-trivial"] = _summary([r for r in sel if nontrivial(r)])
        for part, dist in itertools.product(("calibration", "heldout"), _DISTS):
            sel = [r for r in self.rows if r.get("part") == part and r["dist"] == dist]
            if sel:
                out[f"{part}/{dist}"] = _summary(sel)
        regions: Dict[str, Callable[[Dict[str, Any]], bool]] = {
            "small d (d<=2)": lambda r: r["d"] <= 2,
            "large L (L>=64)": lambda r: _sizes(r)[0] >= 64,
            "near capacity (1<N/P<4)": lambda r: 1 < r["N"] / (_sizes(r)[0] * (r["d"] + 2) + 1) < 4,
        }
        for name, pred in regions.items():
            sel = [r for r in self.rows if r.get("part") == "heldout" and pred(r)]
            if sel:
                out[f"heldout: {name}"] = _summary(sel)
        return out

    def table(self) -> str:
        """A plain-text table of every configuration."""
        sizes = ["-".join(str(w) for w in _sizes(r)) for r in self.rows]
        protocols = [protocol_of(r).describe() for r in self.rows]
        # columns as wide as their widest entry (a protocol's description runs to 60 characters)
        ws, wp = max([11, *map(len, sizes)]), max([8, *map(len, protocols)])
        head = (f"{'dist':8s} {'d':>4s} {'N':>5s} {'L / widths':>{ws}s} {'protocol':{wp}s} {'real':>7s} "
                f"{'estimate':>8s} {'band':>15s} {'ceiling':>7s} {'error':>7s}")
        lines = [head, "-" * len(head)]
        for r, size, proto in zip(self.rows, sizes, protocols):
            band = f"[{r['low']:.3f},{r['high']:.3f}]"
            lines.append(f"{r['dist']:8s} {r['d']:4d} {r['N']:5d} {size:>{ws}s} {proto:{wp}s} "
                         f"{r['real']:7.4f} {r['estimate']:8.4f} {band:>15s} {r['ceiling']:7.4f} {r['error']:+7.4f}")
        return "\n".join(lines)

    def summary_text(self) -> str:
        """The error summary as text."""
        lines = [f"{'subset':44s} {'n':>4s} {'MAE':>7s} {'max':>7s} {'bias':>7s} {'in band':>7s}"]
        for k, s in self.summary().items():
            if s.get("n"):
                lines.append(f"{k:44s} {s['n']:4d} {s['mae']:7.4f} {s['max_error']:7.4f} {s['bias']:+7.4f} "
                             f"{s['coverage']:7.1%}")
        if len(lines) > 1:   # the words of the subsets and columns, which the command line's user had nowhere to read
            legend = ("(non-trivial: real or estimate below 0.999; bias: the mean of estimate - real; in band: the "
                      "share of real accuracies inside the 90% band")
            if any("N/P" in line for line in lines):
                legend += "; P = L (d + 2) + 1, the parameters of a two-layer network"
            lines += textwrap.wrap(legend + ")", 116, break_on_hyphens=False, subsequent_indent=" ")
        lines += [text for text in (self.diverged_text(), self.range_text()) if text]
        return "\n".join(lines)

    def to_dict(self, datasets: Optional[int] = None) -> Dict[str, Any]:
        """A JSON-ready dict, what ``validate --json`` prints: the ``rows``, their ``summary`` and
        ``real_standard_error`` (``datasets`` as :meth:`real_standard_error` takes it), strict JSON: a non-finite
        number (the NaN ``real_std`` of a row of one dataset) is ``None``, as the other results' ``to_dict()``.

        Example:
            >>> import json
            >>> rows = [{"d": 2, "N": 9, "L": 3, "dist": "uniform", "real": 0.9, "real_std": float("nan"),
            ...          "datasets": 1, "estimate": 0.92, "error": 0.02, "in_band": True}]
            >>> out = ValidationReport(rows).to_dict()
            >>> out["rows"][0]["real_std"], out["summary"]["all"]["mae"], out["real_standard_error"]
            (None, 0.02, None)
            >>> json.dumps(out, allow_nan=False)[:30]
            '{"rows": [{"d": 2, "N": 9, "L"'
        """
        from .._json import json_ready

        out: Dict[str, Any] = json_ready({"rows": self.rows, "summary": self.summary(),
                                          "real_standard_error": self.real_standard_error(datasets)})
        return out

    def real_standard_error(self, datasets: Optional[int] = None) -> Optional[float]:
        """How uncertain the real column is: the mean over the rows of their means' standard error, each row's
        standard deviation over its datasets over the square root of their number (the rows' ``real_std`` and
        ``datasets`` columns; ``datasets`` for rows stored before that column, which otherwise count for nothing).
        Every error of :meth:`summary` includes it: the estimator's targets are judged on 9 datasets, a row of 3
        small datasets is itself off by a few points. ``None`` where no row has two or more datasets.

        Example:
            >>> rows = [{"real_std": 0.02, "datasets": 4}, {"real_std": 0.06, "datasets": 4}, {"real_std": 0.5}]
            >>> ValidationReport(rows).real_standard_error()   # 0.01 and 0.03; the third row has no count
            0.02
            >>> ValidationReport(rows).real_standard_error(datasets=25)   # and 0.1 for the third
            0.04666666666666667
        """
        if datasets is not None:
            datasets = v.count("datasets", datasets, minimum=1)
        ses = []
        for r in self.rows:
            n = r.get("datasets", datasets)
            std = r.get("real_std")
            if n is not None and int(n) >= 2 and std is not None and math.isfinite(float(std)):
                ses.append(float(std) / math.sqrt(int(n)))
        return float(sum(ses)) / len(ses) if ses else None

    def range_text(self) -> str:
        """How many rows lie outside the estimator's validated range, and in which parameters (the rows'
        ``outside_range`` column), as a line of text; ``""`` when none do (rows stored before the column have none).

        Example:
            >>> ValidationReport([{"outside_range": "steps"}, {"outside_range": ""}, {}]).range_text()[:56]
            '1 of 3 rows lie outside the validated range (in steps): '
        """
        outside = [r["outside_range"] for r in self.rows if r.get("outside_range")]
        if not outside:
            return ""
        names = ", ".join(dict.fromkeys(n for o in outside for n in str(o).split(", ")))
        return (f"{len(outside)} of {len(self.rows)} rows lie outside the validated range (in {names}): their "
                f"estimates are extrapolations (the 'outside_range' column; nnpartition.validated_range())")

    def diverged_text(self) -> str:
        """How many training runs diverged, and in how many rows (the rows' ``diverged`` column), as a line of
        text; ``""`` when none did (rows stored before the count have no such column and count as none).

        Example:
            >>> ValidationReport([{"diverged": 3}, {"diverged": 0}, {}]).diverged_text()[:40]
            '3 training runs diverged, in 1 of 3 rows'
        """
        unstable = [r for r in self.rows if r.get("diverged")]
        if not unstable:
            return ""
        return (f"{sum(int(r['diverged']) for r in unstable)} training runs diverged, in {len(unstable)} of "
                f"{len(self.rows)} rows (the 'diverged' column; counted with their reads before it, as PyTorch's; "
                f"the estimate does not model unstable training)")

    def to_csv(self, path: str) -> None:
        """Write every row to ``path``."""
        target = file_path(path)
        if not self.rows:
            raise ValueError("the report has no rows to write")
        keys = list(dict.fromkeys(k for row in self.rows for k in row))   # every row's keys, in order of appearance
        with replacing(target) as part, open(part, "w", newline="") as fh:   # whole or not at all
            w = csv.DictWriter(fh, fieldnames=keys)
            w.writeheader()
            w.writerows(self.rows)

    def _check_columns(self, columns: Sequence[str], what: str) -> None:
        """A ``ValueError`` naming the first row without one of ``columns`` (a hand-made row gave ``KeyError:
        'dist'`` from inside matplotlib's drawing)."""
        for i, row in enumerate(self.rows):
            missing = [c for c in columns if c not in row and not (c == "L" and "widths" in row)]
            if missing:
                raise ValueError(f"rows[{i}] has no {', '.join(repr(c) for c in missing)}: {what} needs the columns "
                                 f"{', '.join(columns)} (rows as nnpartition.validation.measure_config returns them)")

    def plot(self, path: Optional[str] = None, *, ax: Any = None) -> Any:
        """The figure: estimate and real accuracy against ``L`` for each ``d``, and a parity panel.

        Written to ``path`` when given; with ``ax=`` (and no ``path``) only the parity panel is drawn there (returns
        the axes).
        """
        from ..plotting import validation_figure

        self._check_columns(_FIGURE_COLUMNS if ax is None else _PARITY_COLUMNS, "plot")
        return validation_figure(self.rows, path, ax=ax)

    def plot_parity(self, path: Optional[str] = None, *, ax: Any = None, labels: bool = True) -> Any:
        """One readable panel: estimate with its band against real accuracy, every point named.

        Written to ``path`` when given (a new figure), else drawn into ``ax`` (or new axes), not both; returns the
        axes.
        """
        from ..plotting import file_figure, plot_parity, save_figure

        if path is not None and ax is not None:   # the path was silently left unwritten
            raise ValueError("give path (a new figure, written there) or ax (drawn into), not both")
        self._check_columns(_LABEL_COLUMNS if labels else _PARITY_COLUMNS, "plot_parity")
        if path is not None:
            fig = file_figure((6.5, 6))
            out = plot_parity(self.rows, ax=fig.add_subplot(), labels=labels)
            fig.tight_layout()
            save_figure(fig, path)
            return out
        return plot_parity(self.rows, ax=ax, labels=labels)
