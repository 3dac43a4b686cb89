"""Results that show themselves at the end of a notebook cell (IPython's display protocol, ``_display.py``).

The HTML is read back with the standard library's parser and every number it shows is checked against the object's
fields, read independently (``dataclasses.asdict``), to the four decimals shown; texts must come back verbatim from
the parsed HTML, whatever they hold (a hostile string is escaped); the picture of a partition must decode as a PNG
of the stated size whose colours are the regions' predicted classes; a movie's bundle must be its GIF's bytes. A
rich display that fails must return ``None`` (IPython then shows the text repr), never raise. IPython is not
installed in the test environment: the methods are called directly, as IPython's formatters call them.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import io
import math
from html.parser import HTMLParser
from typing import Any, Dict, List

import numpy as np
import pytest

import nnpartition as nn
from nnpartition import _display
from nnpartition.pictures import MovieResult
from nnpartition.pictures import drawing
from nnpartition.validation import ValidationReport

HOSTILE = '<script>alert("x")</script> & <b>bold</b> \'q\''


class Tables(HTMLParser):
    """The tables of an HTML text: each a caption and rows of cell texts (``th`` and ``td`` alike); the texts of
    ``p`` elements; every start tag seen."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: List[Dict[str, Any]] = []
        self.notes: List[str] = []
        self.tags: List[str] = []
        self._text: List[str] = []
        self._row: List[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr":
            self._row = []
        self._text = []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text)
        if tag in ("th", "td"):
            self._row.append(text)
        elif tag == "tr":
            self.tables[-1]["rows"].append(self._row)
        elif tag == "caption":
            self.tables[-1]["caption"] = text
        elif tag == "p":
            self.notes.append(text)

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def fields_of(html_text: str) -> Dict[str, str]:
    """The name -> value rows of every two-column table (the section headings, one cell, left out)."""
    return {r[0]: r[1] for t in Tables(html_text).tables for r in t["rows"] if len(r) == 2}


def close(shown: str, value: Any) -> bool:
    """``shown`` is ``value`` written with four decimals (half a unit of the last decimal), or nan for nan."""
    value = float(value)
    return shown == "nan" if math.isnan(value) else abs(float(shown) - value) <= 0.5e-4 + 1e-12


# ---------------------------------------------------------------------------------------------------------- estimate

@pytest.mark.parametrize("kwargs", [{}, {"method": "monte_carlo", "seed": 3, "trials": 2, "ceiling": False},
                                    {"widths": [16, 8], "dist": "gaussian"}])
def test_a_scalar_estimate_shows_its_question_and_answer(kwargs):
    e = nn.estimate_accuracy(10, 1000, 20 if "widths" not in kwargs else None, **kwargs)
    f = dataclasses.asdict(e)
    shown = fields_of(e._repr_html_())
    for name, key in [("accuracy", "accuracy"), ("90% band: low", "low"), ("90% band: high", "high")]:
        assert close(shown[name], f[key]), (name, shown[name], f[key])
    if math.isnan(f["ceiling"]):
        assert shown["ceiling"] == "not computed"
    else:
        assert close(shown["ceiling"], f["ceiling"])
    assert int(shown["d"]) == f["d"] and int(shown["N"]) == f["N"]
    assert [int(w) for w in shown["widths"].split("-")] == list(f["widths"])
    assert shown["dist"] == f["dist"]
    assert "steps" in shown["protocol"] and str(f["protocol"]["steps"]) in shown["protocol"]
    caption = Tables(e._repr_html_()).tables[0]["caption"]
    assert f["method"] in caption and (f["seed"] is None or str(f["seed"]) in caption)


def test_an_array_estimate_shows_one_row_a_configuration_and_says_how_many_more():
    e = nn.estimate_accuracy(10, [[100, 1000, 5000]], [[20], [40]])   # shape (2, 3)
    f = dataclasses.asdict(e)
    grid = Tables(e._repr_html_()).tables[0]["rows"]
    head, rows = grid[0], grid[1:]
    assert head == ["index", "d", "N", "width 1", "accuracy", "low", "high", "ceiling"]
    assert len(rows) == 6
    for row in rows:
        ix = tuple(int(j) for j in row[0].strip("()").split(","))
        assert int(row[1]) == f["d"][ix] and int(row[2]) == f["N"][ix] and int(row[3]) == f["widths"][0][ix]
        for k, col in zip(("accuracy", "low", "high", "ceiling"), row[4:]):
            assert close(col, f[k][ix]), (k, ix)
    assert sorted(tuple(int(j) for j in r[0].strip("()").split(",")) for r in rows) == \
        [(i, j) for i in range(2) for j in range(3)]
    big = nn.estimate_accuracy(10, np.arange(100, 100 + 3 * _display.MAX_ROWS), 20)
    parsed = Tables(big._repr_html_())
    body = parsed.tables[0]["rows"][1:]
    assert len(body) == _display.MAX_ROWS
    assert [int(r[2]) for r in body] == list(range(100, 100 + _display.MAX_ROWS))
    assert parsed.notes == [f"the first {_display.MAX_ROWS} of {3 * _display.MAX_ROWS} rows"]


# ---------------------------------------------------------------------------------------------------------- sizing

def test_a_width_answer_shows_the_three_widths_and_the_question():
    for a in (nn.required_width(10, 5000, 0.99), nn.required_width(10, 5000, 0.99, max_width=200),
              nn.required_width(10, 5000, 0.99, shape=(1, 0.5))):
        f = dataclasses.asdict(a)
        shown = fields_of(a._repr_html_())
        for name, key in [("L (the estimate)", "L"), ("L_safe (the band's lower edge)", "L_safe"),
                          ("L_optimistic (the band's upper edge)", "L_optimistic")]:
            assert shown[name] == ("none" if f[key] is None else str(f[key])), name
        for name, key in [("widths", "L"), ("widths_safe", "L_safe"), ("widths_optimistic", "L_optimistic")]:
            expect = "none" if f[key] is None else "-".join(str(math.ceil(r * f[key])) for r in f["shape"])
            assert shown[name] == expect, name
        assert int(shown["d"]) == f["d"] and int(shown["N"]) == f["N"] and float(shown["target"]) == f["target"]
        assert int(shown["max_width (the search's limit)"]) == f["max_width"]
        assert ("shape" in shown) == (f["shape"] != (1.0,))


def test_a_samples_answer_shows_the_three_counts_and_says_at_least_at_the_limit():
    a = nn.max_samples(10, 64, 0.99)
    f = dataclasses.asdict(a)
    shown = fields_of(a._repr_html_())
    assert [int(shown[f"{k} (the estimate)" if k == "N" else k + suffix]) for k, suffix in
            [("N", ""), ("N_safe", " (the band's lower edge)"), ("N_optimistic", " (the band's upper edge)")]] == \
        [f["N"], f["N_safe"], f["N_optimistic"]]
    assert shown["widths"] == "64" and float(shown["target"]) == 0.99 and Tables(a._repr_html_()).notes == []
    b = nn.max_samples(10, 64, 0.99, max_n=1000)
    assert Tables(b._repr_html_()).notes == ["an answer of max_n = 1000 means at least 1000"]


# ------------------------------------------------------------------------------------------------ measurement, report

def test_a_measurement_shows_its_mean_spread_and_datasets():
    m = nn.real_accuracy(3, 40, 4, protocol=nn.Protocol(steps=30, restarts=1), datasets=3, seed=2)
    f = dataclasses.asdict(m)
    shown = fields_of(m._repr_html_())
    assert close(shown["mean over datasets"], f["mean"]) and close(shown["std over datasets"], f["std"])
    assert [float(shown[f"dataset {i}"]) for i in range(3)] == pytest.approx(list(f["per_dataset"]), abs=0.5e-4)
    assert "dataset 3" not in shown
    assert (int(shown["d"]), int(shown["N"]), shown["widths"], int(shown["seed"])) == (3, 40, "4", 2)
    many = dataclasses.replace(m, per_dataset=np.linspace(0, 1, _display.MAX_ROWS + 5))
    assert f"dataset {_display.MAX_ROWS - 1}" in fields_of(many._repr_html_())
    assert f"dataset {_display.MAX_ROWS}" not in fields_of(many._repr_html_())
    assert Tables(many._repr_html_()).notes == [f"the first {_display.MAX_ROWS} of {_display.MAX_ROWS + 5} datasets"]


def _row(i: int) -> Dict[str, Any]:
    return {"dist": "uniform", "d": 2 + i, "N": 10 * (i + 1), "L": 3 + i, "real": 0.9 - i / 100, "estimate": 0.91,
            "low": 0.85, "high": 0.97, "ceiling": 1.0, "error": 0.01 + i / 100, "in_band": True}


def test_a_validation_report_shows_its_rows_and_summary():
    rows = [_row(i) for i in range(_display.MAX_ROWS + 2)] + [dict(_row(0), widths=[8, 4])]
    parsed = Tables(ValidationReport(rows)._repr_html_())
    table = parsed.tables[0]
    assert table["caption"] == repr(ValidationReport(rows))
    head, body = table["rows"][0], table["rows"][1:]
    assert len(body) == _display.MAX_ROWS and parsed.notes == [f"the first {_display.MAX_ROWS} of {len(rows)} rows"]
    for r, cells in zip(rows, body):
        got = dict(zip(head, cells))
        assert (int(got["d"]), int(got["N"]), got["L / widths"]) == (r["d"], r["N"], str(r["L"]))
        assert all(close(got[k], r[k]) for k in ("real", "estimate", "low", "high", "ceiling", "error"))
    deep = Tables(ValidationReport(rows[-1:])._repr_html_()).tables[0]["rows"][1]
    assert deep[3] == "8-4"


# ---------------------------------------------------------------------------------------------------------- escaping

def test_texts_are_escaped_and_come_back_verbatim():
    e = dataclasses.replace(nn.estimate_accuracy(10, 1000, 20), dist=HOSTILE)
    a = dataclasses.replace(nn.required_width(10, 5000, 0.99), dist=HOSTILE)
    s = dataclasses.replace(nn.max_samples(10, 64, 0.99), dist=HOSTILE)
    m = nn.AccuracyMeasurement(0.5, 0.1, np.array([0.4, 0.6]), d=2, N=9, widths=(3,), dist=HOSTILE)
    for obj in (e, a, s, m):
        text = obj._repr_html_()
        assert "<script" not in text and "<b>" not in text
        parsed = Tables(text)
        assert "script" not in parsed.tags and "b" not in parsed.tags
        assert fields_of(text)["dist"] == HOSTILE
    arr = dataclasses.replace(nn.estimate_accuracy(10, [100, 1000], 20), dist=HOSTILE)
    assert fields_of(arr._repr_html_())["dist"] == HOSTILE and "<script" not in arr._repr_html_()
    report = ValidationReport([dict(_row(0), dist=HOSTILE)])
    assert "<script" not in report._repr_html_()
    assert Tables(report._repr_html_()).tables[0]["rows"][1][0] == HOSTILE
    grid = Tables(_display.html_grid(HOSTILE, [HOSTILE], [[HOSTILE]] * 30))
    assert grid.notes == ["the first 20 of 30 rows"] and grid.tables[0]["caption"] == HOSTILE
    assert grid.tables[0]["rows"] == [[HOSTILE]] * 21   # the header and the first 20 rows
    assert Tables(_display.html_table("", [], note=HOSTILE)).notes == [HOSTILE]


def test_a_rich_display_that_fails_returns_none_instead_of_raising():
    e = nn.estimate_accuracy(10, 1000, 20)
    assert dataclasses.replace(e, protocol=None)._repr_html_() is None        # no describe()
    assert dataclasses.replace(nn.max_samples(10, 64, 0.99), protocol=None)._repr_html_() is None
    assert dataclasses.replace(nn.required_width(10, 5000, 0.99), shape=("x",))._repr_html_() is None
    assert ValidationReport([{"error": 0.1, "in_band": True}])._repr_html_() is None   # a hand-made row
    rp = nn.region_polygons(nn.TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), -0.5))
    object.__setattr__(rp, "box", None)
    assert rp._repr_png_() is None

    class Interrupted:
        @_display.never_raises
        def _repr_html_(self) -> str:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):   # Interrupt kernel still interrupts
        Interrupted()._repr_html_()


# ---------------------------------------------------------------------------------------------------------- picture

def _png(data: bytes) -> np.ndarray:
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB")).astype(int)


def _one_class(cls: int) -> nn.TwoLayerNet:
    """A network whose logit is positive (class 1) or negative (class 0) everywhere in [-1, 1]^2: four regions."""
    return nn.TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 10.0 if cls else -10.0)


def test_the_picture_of_a_partition_is_a_png_of_its_size_in_its_classes_colours():
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    dpi, inches = drawing.PICTURE_DPI, drawing.PICTURE_INCHES
    left, right, bottom, top = drawing.PICTURE_MARGINS
    for cls in (0, 1):
        rp = nn.region_polygons(_one_class(cls))
        assert rp.n_regions == 4 and bool(np.all(rp.decision == bool(cls)))
        px = _png(rp._repr_png_())
        assert px.shape[:2] == (round((inches + bottom + top) * dpi), round((inches + left + right) * dpi))
        # the middle of each quadrant (the axes' middle at its centre) is the class's colour mixed with white
        h, w = px.shape[:2]
        cx, cy = round((left + inches / 2) * dpi), h - round((bottom + inches / 2) * dpi)
        q = round(inches / 4 * dpi)
        for dx, dy in ((-q, -q), (-q, q), (q, -q), (q, q)):
            r, g, b = px[cy + dy, cx + dx]
            assert (b > r + 30) if cls else (r > b + 30), (cls, (r, g, b))
    wide = nn.region_polygons(_one_class(1), box=((-3, -1), (3, 1)))
    hw = _png(wide._repr_png_()).shape[:2]
    assert hw[1] == round((inches + left + right) * dpi)
    assert hw[0] == round((inches / 3 + bottom + top) * dpi)


def test_the_picture_falls_back_to_text_past_its_limit_or_without_matplotlib(monkeypatch):
    pytest.importorskip("matplotlib")
    rp = nn.region_polygons(_one_class(1))
    monkeypatch.setattr(drawing, "PICTURE_MAX_REGIONS", 4)
    assert rp._repr_png_() is not None
    monkeypatch.setattr(drawing, "PICTURE_MAX_REGIONS", 3)
    assert rp._repr_png_() is None
    monkeypatch.setattr(drawing, "PICTURE_MAX_REGIONS", 10_000)
    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else find(name, *a))
    assert rp._repr_png_() is None


def test_the_picture_leaves_no_pyplot_figure_behind():
    plt = pytest.importorskip("matplotlib.pyplot")
    before = plt.get_fignums()
    nn.region_polygons(_one_class(0))._repr_png_()
    assert plt.get_fignums() == before   # a pyplot figure would be shown again at the end of the cell


# ---------------------------------------------------------------------------------------------------------- movie

def _movie(path: str) -> MovieResult:
    z = np.zeros(2)
    return MovieResult(path, 2, np.array([0, 1]), z, np.array([1, 2]), 4, math.nan, 0.5, 0.1)


def test_a_movie_shows_its_gif(tmp_path, monkeypatch):
    Image = pytest.importorskip("PIL.Image")
    path = tmp_path / "m.gif"
    frames = [Image.new("RGB", (8, 6), c) for c in ("red", "blue")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    r = _movie(str(path))
    bundle = r._repr_mimebundle_()
    assert set(bundle) == {"image/gif", "text/plain"} and bundle["text/plain"] == repr(r)
    assert base64.b64decode(bundle["image/gif"]) == path.read_bytes()
    assert _movie(str(tmp_path / "gone.gif"))._repr_mimebundle_() is None
    (tmp_path / "x.gif").write_bytes(b"PNG not a gif")
    assert _movie(str(tmp_path / "x.gif"))._repr_mimebundle_() is None
    monkeypatch.setattr(_display, "MAX_GIF_BYTES", path.stat().st_size - 1)
    assert r._repr_mimebundle_() is None


def test_a_movie_reads_no_gif_when_ipython_leaves_it_out(tmp_path, monkeypatch):
    # IPython calls _repr_mimebundle_(include=..., exclude=...) and filters the bundle afterwards: a GIF it leaves out
    # was read and base64-encoded for nothing (up to 8 MiB); fails on the first pass's method, which ignored both
    Image = pytest.importorskip("PIL.Image")
    path = tmp_path / "m.gif"
    Image.new("RGB", (8, 6), "red").save(path)
    r = _movie(str(path))
    calls: List[str] = []
    read = _display.gif_bundle
    monkeypatch.setattr(_display, "gif_bundle", lambda p, text: calls.append(p) or read(p, text))
    assert r._repr_mimebundle_(include={"text/plain"}) is None
    assert r._repr_mimebundle_(exclude={"image/gif"}) is None
    assert r._repr_mimebundle_(include=["image/gif", "text/plain"], exclude=("image/gif",)) is None
    assert calls == []
    for include, exclude in ((None, None), (["image/gif", "text/plain"], None), (None, {"text/html"}), (set(), set())):
        bundle = r._repr_mimebundle_(include=include, exclude=exclude)
        assert base64.b64decode(bundle["image/gif"]) == path.read_bytes() and bundle["text/plain"] == repr(r)
    assert calls == [str(path)] * 4


def test_ipython_formats_each_result_as_the_notebook_shows_it(tmp_path, capsys):
    # IPython's own formatter (the one a kernel's display hook calls), where IPython is installed (no test extra:
    # benchmarks/notebook_display.py runs the same in a real kernel); IPython prints a raising formatter's traceback
    formatters = pytest.importorskip("IPython.core.formatters")
    pytest.importorskip("matplotlib")
    Image = pytest.importorskip("PIL.Image")
    Image.new("RGB", (8, 6), "red").save(tmp_path / "m.gif")
    e = nn.estimate_accuracy(10, 1000, 20)
    shows = {"text/html": [e, nn.estimate_accuracy(10, [100, 1000], 20), nn.required_width(10, 5000, 0.99),
                           nn.max_samples(10, 64, 0.99), ValidationReport([_row(0)]),
                           nn.AccuracyMeasurement(0.5, 0.1, np.array([0.4, 0.6]), d=2, N=9, widths=(3,))],
             "image/png": [nn.region_polygons(_one_class(1))], "image/gif": [_movie(str(tmp_path / "m.gif"))],
             "": [dataclasses.replace(e, protocol=None), _movie(str(tmp_path / "gone.gif")),
                  ValidationReport([{"error": 0.1, "in_band": True}])]}
    f = formatters.DisplayFormatter()
    for mime, objs in shows.items():
        for x in objs:
            data, _ = f.format(x)
            assert sorted(data) == sorted({"text/plain", mime} - {""}), (type(x).__name__, sorted(data))
            assert data["text/plain"] == repr(x)
            assert f.format(x, include={"text/plain"})[0] == {"text/plain": repr(x)}
            assert sorted(f.format(x, exclude={mime})[0]) == ["text/plain"]
    assert capsys.readouterr().err == ""
