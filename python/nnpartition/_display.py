"""What a result shows at the end of a notebook cell: IPython's display protocol for the results where a table or a
picture says more than the one-line repr.

Jupyter (IPython) asks an object for ``_repr_html_``, ``_repr_png_`` or ``_repr_mimebundle_`` and shows the richest
it gets, the text repr otherwise. These are plain methods returning ``str``, ``bytes`` or a ``dict``: IPython is not
needed to call them, and nothing here imports it. A method that returns ``None`` asks for the text repr; one that
raised would show a traceback in place of the object, so every such method is wrapped in :func:`never_raises`.

The helpers here are the shared parts: :func:`html_table` (a result's fields as a two-column table, in sections),
:func:`html_grid` (rows of a table, at most :data:`MAX_ROWS` of them), :func:`cell` (how a number or a text is
written, escaped) and :func:`gif_bundle` (a GIF file as an inline image). The result types compose their rows
themselves; :meth:`nnpartition.RegionPolygons._repr_png_` draws with :func:`nnpartition.plot_partition`'s own
drawing (``pictures/drawing.py``).
"""

from __future__ import annotations

import base64
import functools
import html
import math
import os
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, TypeVar, cast

import numpy as np

__all__ = ["MAX_ROWS", "MAX_GIF_BYTES", "never_raises", "cell", "html_table", "html_grid", "wanted", "gif_bundle"]

#: The most rows :func:`html_grid` shows (an array estimate's configurations, a validation's rows); a line under the
#: table says how many more there are.
MAX_ROWS = 20

#: The largest GIF a movie's result shows inline (it is stored in the notebook, base64: a third larger); past it the
#: text repr, and ``IPython.display.Image(r.path)`` still shows it.
MAX_GIF_BYTES = 8 * 2**20

#: Decimals a float is written with (as ``print`` of an estimate or a measurement writes it).
DIGITS = 4

F = TypeVar("F", bound=Callable[..., Any])


def never_raises(method: F) -> F:
    """Wrap a ``_repr_*_`` method so that an exception returns ``None`` (IPython then shows the text repr) instead of
    a traceback where the object should be. ``KeyboardInterrupt`` still interrupts.

    Example:
        >>> class A:
        ...     @never_raises
        ...     def _repr_html_(self):
        ...         return 1 / 0
        >>> A()._repr_html_() is None
        True
    """
    @functools.wraps(method)
    def safe(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception:   # a rich display is optional: the text repr is always there
            return None

    return cast(F, safe)


def cell(x: Any) -> str:
    """A value as a table cell's escaped text: an integer as it is, a float with :data:`DIGITS` decimals (``nan``
    as ``nan``), a sequence of integers joined by ``-`` (hidden widths), anything else by ``str``.

    Example:
        >>> cell(0.78140629), cell(np.int64(3)), cell((64, 32)), cell(float("nan")), cell("<b>")
        ('0.7814', '3', '64-32', 'nan', '&lt;b&gt;')
    """
    if isinstance(x, np.ndarray) and x.ndim == 0 or isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool) or x is None:
        text = str(x)
    elif isinstance(x, int):
        text = str(x)
    elif isinstance(x, float):
        text = "nan" if math.isnan(x) else f"{x:.{DIGITS}f}"
    elif isinstance(x, (tuple, list)) and x and all(isinstance(w, (int, np.integer)) for w in x):
        text = "-".join(str(int(w)) for w in x)
    else:
        text = str(x)
    return html.escape(text)


def _row(cells: Sequence[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def html_table(caption: str, sections: Sequence[Tuple[str, Sequence[Tuple[str, Any]]]], note: str = "") -> str:
    """A two-column table (name, value) under ``caption``, in sections each headed by its name (an empty name: no
    heading); every text is escaped, every value written by :func:`cell`; ``note`` is a line under the table.

    Example:
        >>> html_table("R", [("answer", [("L", 60)])])
        '<table><caption>R</caption><tr><th colspan="2">answer</th></tr><tr><th>L</th><td>60</td></tr></table>'
    """
    rows = []
    for name, fields in sections:
        if name:
            rows.append(f'<tr><th colspan="2">{html.escape(name)}</th></tr>')
        rows += [f"<tr><th>{html.escape(k)}</th><td>{cell(x)}</td></tr>" for k, x in fields]
    return _table(caption, rows, note)


def html_grid(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]], total: Optional[int] = None,
              note: str = "") -> str:
    """A table of ``rows`` (each a sequence of values, written by :func:`cell`) under ``header``: the first
    :data:`MAX_ROWS` rows, and a line saying how many of ``total`` (default ``len(rows)``) are shown when not all.

    Example:
        >>> html_grid("T", ["d", "N"], [[1, 2]])
        '<table><caption>T</caption><tr><th>d</th><th>N</th></tr><tr><td>1</td><td>2</td></tr></table>'
    """
    total = len(rows) if total is None else total
    body = [_row([html.escape(h) for h in header], "th")]
    body += [_row([cell(x) for x in r]) for r in rows[:MAX_ROWS]]
    shown = min(len(rows), MAX_ROWS)
    if shown < total:
        note = f"the first {shown} of {total} rows" + (f"; {note}" if note else "")
    return _table(caption, body, note)


def _table(caption: str, rows: Sequence[str], note: str) -> str:
    head = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    out = f"<table>{head}{''.join(rows)}</table>"
    return out + (f"<p>{html.escape(note)}</p>" if note else "")


def wanted(mime: str, include: Any = None, exclude: Any = None) -> bool:
    """Whether a ``_repr_mimebundle_`` called with IPython's ``include`` and ``exclude`` (collections of MIME types,
    ``None`` or empty for no restriction) should compute ``mime``: as IPython filters the bundle afterwards, an
    excluded type wins over an included one. A method that returns ``None`` for an unwanted type leaves the text repr
    to IPython and reads nothing (a movie's GIF is up to 8 MiB).

    Example:
        >>> wanted("image/gif"), wanted("image/gif", include={"text/plain"}), wanted("image/gif", exclude=["image/gif"])
        (True, False, False)
    """
    return (not include or mime in include) and not (exclude and mime in exclude)


def gif_bundle(path: str, text: str) -> Optional[Dict[str, str]]:
    """The MIME bundle of the GIF at ``path`` (base64, as ``IPython.display.Image`` gives it) with ``text`` as its
    plain text; ``None`` when the file is missing, is no GIF, or is larger than :data:`MAX_GIF_BYTES` (read no
    further than that).

    Example:
        >>> gif_bundle("no-such-file.gif", "r") is None
        True
    """
    if not os.path.isfile(path) or os.path.getsize(path) > MAX_GIF_BYTES:
        return None
    with open(path, "rb") as f:
        data = f.read(MAX_GIF_BYTES + 1)
    if len(data) > MAX_GIF_BYTES or not data.startswith((b"GIF87a", b"GIF89a")):
        return None
    return {"image/gif": base64.b64encode(data).decode("ascii"), "text/plain": text}
