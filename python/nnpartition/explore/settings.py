"""The explorer's settings: their limits and checks, and the training points they ask for (CSV included).

A request the server refuses raises :class:`BadRequest`, whose message the page shows.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from .. import _core
from .. import _validate as v
from ..datasets import toy_dataset
from ..teacher import linear_teacher_dataset


#: Largest values a request may ask for; anything above gets a 400 with a message.
LIMITS: Dict[str, int] = {
    "N": 20_000,          # training points
    "width": 1_024,       # units per hidden layer
    "layers": 3,          # hidden layers
    "steps": 100_000,     # optimiser steps
    "snapshots": 2_000,   # frames per run (steps / every)
    "csv_bytes": 2_000_000,
    "body_bytes": 4_000_000,
    "regions": 250_000,   # polygons drawn per frame; beyond it the run goes on without the picture
}
#: Data the page offers; ``csv`` takes the points from the request body.
DATA_KINDS = _core.CHOICES["dist"] + ("xor", "spirals", "teacher", "csv")   # the core's point distributions first
_OPTIMIZERS = _core.CHOICES["optimizer"]   # the trainer's, defined once in the core
_COLORS = ("decision", "region")


class BadRequest(ValueError):
    """A request the server refuses with 400 and this message."""


@dataclass(frozen=True)
class Settings:
    """One training's settings, checked against :data:`LIMITS`.

    Attributes:
        data: the points, one of :data:`DATA_KINDS`; N: how many (not read for ``data="csv"``: the CSV's rows).
        widths, optimizer, lr, steps, batch_size, seed: the training, as :func:`nnpartition.train` takes them.
        every: steps between two snapshots (frames); fps: at most this many frames a second (0: as fast as
            the trainer goes).
        csv: the CSV text of ``data="csv"`` (rows ``x,y,label``), else ``None``.
    """

    data: str = "xor"
    N: int = 200
    widths: Tuple[int, ...] = (8,)
    optimizer: str = "adam"
    lr: float = 0.02
    steps: int = 2000
    batch_size: Optional[int] = None
    seed: int = 0
    every: int = 20
    fps: float = 25.0
    csv: Optional[str] = field(default=None, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (without the CSV text)."""
        out = asdict(self)
        out["widths"] = list(self.widths)
        out.pop("csv")
        return out


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` (a JSON number, or a string of ASCII digits with an optional minus sign) as an integer in
    ``[lo, hi]``, or a ``ValueError`` naming the field ``name``. Other strings go to the check, which refuses
    them as it refuses ``"abc"``: ``str.isdigit`` and ``int`` also take other scripts' digits (``"٣"``, ``"３"``,
    read as 3) and superscripts (``"²"``, whose refusal spoke of "a number of 1 digits")."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        digits = len(value.strip().lstrip("-"))
        if digits > MAX_DIGITS:   # counted, not converted: see MAX_DIGITS
            raise BadRequest(f"{name} must be >= {lo} and <= {hi}, got a number of {digits} digits")
        value = int(value.strip())
    return v.count(name, value, minimum=lo, maximum=hi)


#: Most digits an integer of a request may have (no setting takes more than 19, seed's 2^63 - 1). Longer ones are
#: refused by their length: converting n digits to an int, and back for the message, takes time quadratic in n with
#: the GIL held (``nnpartition explore`` lifts Python's 4300-digit limit, as every command does: a 1 MB number in a
#: request stalled the whole server for 26 s, a 4 MB one for minutes).
MAX_DIGITS = 100


def json_int(text: str) -> int:
    """``json.loads``'s ``parse_int``: an integer of at most :data:`MAX_DIGITS` digits, else :class:`BadRequest`."""
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise BadRequest(f"the request body holds an integer of {digits} digits; no setting takes more than 19")
    return int(text)


def _float(name: str, value: Any, lo: float, hi: float, open_min: bool = True) -> float:
    """``value`` (a JSON number, or a string of ASCII characters ``float`` reads) as a float in ``(lo, hi]`` (``[lo,
    hi]`` if not ``open_min``), or a ``ValueError`` naming the field ``name``."""
    if isinstance(value, str):   # ASCII only: float() also reads other scripts' digits ("٣" as 3.0)
        try:
            if not value.isascii():
                raise ValueError(value)
            value = float(value)
        except ValueError:
            raise BadRequest(f"{name} must be a number, got {value!r}") from None
    return v.real(name, value, minimum=lo, maximum=hi, open_min=open_min)


def parse_settings(body: Dict[str, Any]) -> Settings:
    """Check a start request's settings; raise :class:`BadRequest` naming the bad field and its limit.

    Example:
        >>> parse_settings({"data": "xor", "N": 100, "widths": [8]}).widths
        (8,)
        >>> parse_settings({"N": 50_000})
        Traceback (most recent call last):
        ...
        nnpartition.explore.settings.BadRequest: N must be >= 2 and <= 20000, got 50000
    """
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object of settings")
    known = set(Settings.__dataclass_fields__) | {"paused"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(f"unknown setting(s) {unknown}; known: {sorted(known)}")
    d = Settings()
    try:
        data = v.choice("data", body.get("data", d.data), DATA_KINDS)
        N = _int("N", body.get("N", d.N), 2, LIMITS["N"])
        raw = body.get("widths", list(d.widths))
        if isinstance(raw, (int, str)):
            raw = [w for w in str(raw).replace(",", " ").split()] if isinstance(raw, str) else [raw]
        if not isinstance(raw, list) or not 1 <= len(raw) <= LIMITS["layers"]:
            raise BadRequest(f"widths must list 1 to {LIMITS['layers']} hidden layer widths, got {raw!r}")
        widths = tuple(_int(f"widths[{i}]", w, 1, LIMITS["width"]) for i, w in enumerate(raw))
        optimizer = v.choice("optimizer", body.get("optimizer", d.optimizer), _OPTIMIZERS)
        lr = _float("lr", body.get("lr", d.lr), 0.0, 10.0)
        steps = _int("steps", body.get("steps", d.steps), 1, LIMITS["steps"])
        bs = body.get("batch_size", None)
        # (false == 0 in Python: a bool goes to the checks, which refuse it, not read as "full batch" / "no pacing")
        full = bs in (None, "", 0, "0") and not isinstance(bs, bool)
        batch_size = None if full else _int("batch_size", bs, 1, LIMITS["N"])
        seed = _int("seed", body.get("seed", d.seed), 0, 2**63 - 1)
        every = _int("every", body.get("every", d.every), 1, LIMITS["steps"])
        fps = body.get("fps", d.fps)
        # 0 (in any spelling: "0.0" and "00" were refused as "fps must be > 0.0, got 0.0"), or empty: no pacing
        fps = 0.0 if fps == "" else _float("fps", fps, 0.0, 1000.0, open_min=False) + 0.0   # (+ 0.0: -0 is 0)
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    if every > steps:
        raise BadRequest(f"every must be between 1 and steps = {steps}, got {every}")
    if steps / every > LIMITS["snapshots"]:
        raise BadRequest(f"steps / every = {steps / every:.0f} snapshots exceeds the limit of "
                         f"{LIMITS['snapshots']}: raise every to at least {math.ceil(steps / LIMITS['snapshots'])}")
    text = body.get("csv")
    if data == "csv":
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("data 'csv' needs the CSV text in the field csv (rows x,y,label)")
        try:
            size = len(text.encode())
        except UnicodeEncodeError:   # a lone surrogate (JSON's "\\ud800"): a 500 before
            raise BadRequest("the CSV text is not valid Unicode (it holds a lone surrogate such as \\ud800)") from None
        if size > LIMITS["csv_bytes"]:
            raise BadRequest(f"the CSV has {size} bytes, over the limit of {LIMITS['csv_bytes']}")
    elif text is not None:
        raise BadRequest("csv is only used with data 'csv'")
    return Settings(data, N, widths, optimizer, lr, steps, batch_size, seed, every, fps,
                    text if data == "csv" else None)


#: The largest coordinate the trainer can hold (it trains in float32).
_FLOAT32_MAX = float(np.finfo(np.float32).max)


#: A number as a CSV cell writes it: ASCII digits, an optional sign, point and exponent (``float`` alone also reads
#: other scripts' digits, "٣" as 3.0, and underscores, "1_0" as 10.0). ``inf`` and ``nan`` pass here and are refused
#: as not finite.
_CSV_NUMBER = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)", re.IGNORECASE)


def _csv_number(cell: str) -> float:
    if not _CSV_NUMBER.fullmatch(cell):
        raise ValueError(cell)
    return float(cell)


def _float_reads(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_rows(reader: Any) -> Iterator[List[str]]:
    """The reader's rows; its own refusals (a field over its size limit, a quote in an unquoted field under some
    dialects) as a :class:`BadRequest` naming the line (a ``csv.Error`` was a 500)."""
    try:
        yield from reader
    except csv.Error as exc:
        raise BadRequest(f"the CSV cannot be read at line {reader.line_num}: {exc}") from None


def parse_csv(text: str) -> Tuple[np.ndarray, np.ndarray]:
    """Points and labels from CSV text: rows ``x,y,label`` with label 0 or 1; one header row is allowed.

    Cells are read with spaces stripped; a byte order mark opening the text is dropped; blank lines and rows of
    empty cells are skipped. x and y are decimals in ASCII digits, ``[+-]`` digits, point, exponent
    (``-1.5e-3``, ``1e5``); ``nan`` and ``inf`` read as numbers and are refused as not finite. The first row that
    is not blank is a header, and skipped, when none of its three cells is a number even to Python's ``float``
    (which also reads ``"1_0"``, ``"٣"``, ``"nan"``, ``"Infinity"``): a row with a number in it is data, so
    ``1_0,2,yes`` and ``x,0.5,1`` are refused, not dropped as a header.

    Example:
        >>> X, y = parse_csv("x,y,label\\n0.5,-1,1\\n0,0.25,0\\n")
        >>> X.tolist(), y.tolist()
        ([[0.5, -1.0], [0.0, 0.25]], [1, 0])
    """
    rows: List[Tuple[float, float, int]] = []
    # a byte order mark (Excel's "CSV UTF-8") is no part of the first cell: "\ufeff0.5" read as a header dropped a point
    text = text[1:] if text.startswith("\ufeff") else text
    # newline="": the reader splits the lines itself, at "\r" too (rows ended by "\r" alone were a csv.Error, a 500)
    reader = csv.reader(io.StringIO(text, newline=""))
    first = True
    for i, row in enumerate(_csv_rows(reader), start=1):
        cells = [c.strip() for c in row]
        if not cells or all(c == "" for c in cells):
            continue
        if len(cells) != 3:
            raise BadRequest(f"CSV row {i}: expected 3 columns x,y,label, got {len(cells)}")
        opening, first = first, False
        if opening and not any(_float_reads(c) for c in cells):
            continue   # the first row that is not blank, holding no number: column names
        try:
            x0, x1 = _csv_number(cells[0]), _csv_number(cells[1])
        except ValueError:
            hint = " (a header row holds no number)" if opening else ""
            raise BadRequest(f"CSV row {i}: x and y must be numbers, got {cells[0]!r}, {cells[1]!r}{hint}") from None
        if not (math.isfinite(x0) and math.isfinite(x1)):
            raise BadRequest(f"CSV row {i}: x and y must be finite")
        if max(abs(x0), abs(x1)) > _FLOAT32_MAX:   # the trainer works in float32
            raise BadRequest(f"CSV row {i}: x and y must be at most {_FLOAT32_MAX:.4g} in size (float32, which the "
                             f"trainer uses), got {cells[0]!r}, {cells[1]!r}")
        if cells[2] not in ("0", "1", "0.0", "1.0"):
            raise BadRequest(f"CSV row {i}: label must be 0 or 1, got {cells[2]!r}")
        rows.append((x0, x1, int(float(cells[2]))))
        if len(rows) > LIMITS["N"]:
            raise BadRequest(f"the CSV has more than {LIMITS['N']} points (the limit of N)")
    if len(rows) < 2:
        raise BadRequest(f"the CSV needs at least 2 points, got {len(rows)}")
    arr = np.array(rows, dtype=np.float64)
    return arr[:, :2].copy(), arr[:, 2].astype(np.int64)


def make_data(s: Settings) -> Tuple[np.ndarray, np.ndarray]:
    """The training points ``(X, y)`` of these settings: :func:`nnpartition.datasets.toy_dataset` (uniform,
    gaussian, xor, spirals), :func:`nnpartition.teacher.linear_teacher_dataset` (teacher: a random line
    with a margin of 0.05, points uniform in the unit disc), or the CSV as given.

    Example:
        >>> X, y = make_data(Settings(data="xor", N=6, seed=1))
        >>> X.shape, bool(np.all(y == (X[:, 0] * X[:, 1] > 0)))
        ((6, 2), True)
    """
    if s.data == "csv":
        assert s.csv is not None
        return parse_csv(s.csv)
    if s.data == "teacher":
        X, y, _ = linear_teacher_dataset(s.N, 2, margin=0.05, dist="ball", seed=s.seed)
        return X, y
    return toy_dataset(s.data, s.N, 2, seed=s.seed)


# Points whose coordinates' centres (means) lie at most CENTRE_MAX spreads from zero, the spread the largest of the
# coordinates' standard deviations, and whose spread lies in [SPREAD_MIN, SPREAD_MAX], train as the built-in data
# do; beyond them the page says so (data_note).
CENTRE_MAX, SPREAD_MIN, SPREAD_MAX, NOTE_MIN_POINTS = 3.0, 0.1, 100.0, 10


def data_note(X: np.ndarray) -> Optional[str]:
    """What the page says of training points far from zero relative to their spread, or of a spread far from 1
    (``None`` for points like the built-in data's): the trainer does not normalise its inputs (as PyTorch does not),
    and a network initialised for inputs of about unit size trains slowly on such points or not at all (xor points
    about (10^6, 0) +- 1: accuracy below 0.8 after 2,000 steps of adam at lr 0.02, where the same points about
    (0, 0) pass 0.95; tests/test_explore.py checks it).

    The points are flagged where a coordinate's mean lies more than :data:`CENTRE_MAX` spreads from zero, the spread
    the largest of the coordinates' standard deviations, or where that spread is below :data:`SPREAD_MIN` or above
    :data:`SPREAD_MAX` (the built-in data's spreads are about 0.4 to 1, their centres within 3 of them from zero).
    Fewer than :data:`NOTE_MIN_POINTS` points are not judged: two or three of the built-in data's can lie that close.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> data_note(rng.uniform(-1, 1, (100, 2))) is None
        True
        >>> print(data_note(np.array([1e6, -31416]) + rng.uniform(-1, 1, (100, 2))))
        inputs centred near (1e+06, -3.1e+04) with spread (0.58, 0.57): the trainer does not normalise its inputs \
(as PyTorch does not), so training is slow or stalls; centre and scale them, (x - mean) / std
    """
    if X.shape[0] < NOTE_MIN_POINTS:
        return None
    centre, spread = X.mean(axis=0), X.std(axis=0)
    scale = float(spread.max())
    if not (np.any(np.abs(centre) > CENTRE_MAX * scale) or scale < SPREAD_MIN or scale > SPREAD_MAX):
        return None

    def pair(a: np.ndarray) -> str:
        return "(" + ", ".join(f"{float(x):.2g}" for x in a) + ")"

    return (f"inputs centred near {pair(centre)} with spread {pair(spread)}: the trainer does not normalise its "
            f"inputs (as PyTorch does not), so training is slow or stalls; centre and scale them, (x - mean) / std")
