"""The explorer's web server: settings checks, one training session, frames, exports.

Built on the standard library only (:class:`http.server.ThreadingHTTPServer`
and server-sent events): the explorer is a local single-user tool, the page
needs one push stream and a handful of JSON endpoints, and a web framework
would be a dependency for nothing the standard library cannot do here.

Endpoints (all JSON unless noted):

- ``GET /`` and ``GET /static/<file>``: the page (HTML, CSS, JavaScript shipped in the package).
- ``GET /api/config``: defaults, limits and allowed values (for the controls).
- ``POST /api/start``: start a training with the settings in the body; stops the one running.
- ``POST /api/pause``, ``/api/resume``, ``/api/step``, ``/api/reset``: control it.
- ``GET /api/events``: server-sent events ``run``, ``frame`` and ``status``.
- ``GET /api/frame``: the latest frame (what the page draws).
- ``GET /api/export/run.json``, ``GET /api/export/network.npz``: downloads.

Nothing is written to disk: data, snapshots and exports live in memory.
"""

from __future__ import annotations

import base64
import csv
import io
import ipaddress
import json
import math
import re
import socket
import threading
import warnings
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import urlsplit

import numpy as np

from .. import _core
from .. import _validate as v
from ..counting import deep_region_bounds, regions
from ..datasets import toy_dataset
from ..estimate import estimate_accuracy, heldout_errors
from ..network import DeepNet, TwoLayerNet, save_network
from ..teacher import linear_teacher_dataset
from ..training import Protocol, _snapshot_every, train

__all__ = ["LIMITS", "DATA_KINDS", "Settings", "parse_settings", "make_data", "Session", "ExploreServer",
           "is_loopback", "frame_of", "empty_frame", "decode_b64"]

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
DATA_KINDS = ("uniform", "gaussian", "xor", "spirals", "teacher", "csv")
_OPTIMIZERS = _core.CHOICES["optimizer"]   # the trainer's, defined once in the core
_COLORS = ("decision", "region")

Network = Union[TwoLayerNet, DeepNet]


class BadRequest(ValueError):
    """A request the server refuses with 400 and this message."""


@dataclass(frozen=True)
class Settings:
    """One training's settings, checked against :data:`LIMITS`."""

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
        try:
            value = int(value.strip())
        except ValueError:   # more digits than Python converts: its message named no field
            raise BadRequest(f"{name} must be >= {lo} and <= {hi}, got a number of {len(value.strip())} digits") \
                from None
    return v.count(name, value, minimum=lo, maximum=hi)


def _float(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, str):   # ASCII only: float() also reads other scripts' digits ("٣" as 3.0)
        try:
            if not value.isascii():
                raise ValueError(value)
            value = float(value)
        except ValueError:
            raise BadRequest(f"{name} must be a number, got {value!r}") from None
    return v.real(name, value, minimum=lo, maximum=hi, open_min=True)


def parse_settings(body: Dict[str, Any]) -> Settings:
    """Check a start request's settings; raise :class:`BadRequest` naming the bad field and its limit.

    Example:
        >>> parse_settings({"data": "xor", "N": 100, "widths": [8]}).widths
        (8,)
        >>> parse_settings({"N": 50_000})
        Traceback (most recent call last):
        ...
        nnpartition.explore.server.BadRequest: N must be >= 2 and <= 20000, got 50000
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
        fps = 0.0 if fps in (0, "0", "") and not isinstance(fps, bool) else _float("fps", fps, 0.0, 1000.0)
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


def parse_csv(text: str) -> Tuple[np.ndarray, np.ndarray]:
    """Points and labels from CSV text: rows ``x,y,label`` with label 0 or 1; one header row is allowed.

    Example:
        >>> X, y = parse_csv("x,y,label\\n0.5,-1,1\\n0,0.25,0\\n")
        >>> X.tolist(), y.tolist()
        ([[0.5, -1.0], [0.0, 0.25]], [1, 0])
    """
    rows: List[Tuple[float, float, int]] = []
    reader = csv.reader(io.StringIO(text))
    for i, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not cells or all(c == "" for c in cells):
            continue
        if len(cells) != 3:
            raise BadRequest(f"CSV row {i}: expected 3 columns x,y,label, got {len(cells)}")
        try:
            x0, x1 = _csv_number(cells[0]), _csv_number(cells[1])
        except ValueError:
            if i == 1 and not rows and not all(_float_reads(c) for c in cells[:2]):
                continue  # a header row (not one of numbers float() reads but a CSV cell does not, such as "٣")
            raise BadRequest(f"CSV row {i}: x and y must be numbers, got {cells[0]!r}, {cells[1]!r}") from None
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


def window_of(X: np.ndarray) -> Tuple[Tuple[float, float], Tuple[float, float]]:
    """The plotted window: the points' bounding box, squared and padded by 10% (at least ``[-1, 1]^2``)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    c = (lo + hi) / 2
    half = max(1.0, float(np.max(hi - lo)) / 2 * 1.1)
    return ((float(c[0] - half), float(c[1] - half)), (float(c[0] + half), float(c[1] + half)))


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def network_dict(net: Network) -> Dict[str, Any]:
    """A network as plain lists (exact floats): ``layers`` of ``{W, b}``, ``w_out``, ``b_out``."""
    if isinstance(net, TwoLayerNet):
        layers, w_out, b_out = [(net.W1, net.b1)], net.w2, net.b2
    else:
        layers, w_out, b_out = net.layers, net.w_out, net.b_out
    return {"layers": [{"W": np.asarray(W).tolist(), "b": np.asarray(b).tolist()} for W, b in layers],
            "w_out": np.asarray(w_out).tolist(), "b_out": float(b_out), "activation": net.activation}


def network_from_dict(d: Dict[str, Any]) -> Network:
    """The inverse of :func:`network_dict`."""
    layers = [(np.array(layer["W"], dtype=np.float64), np.array(layer["b"], dtype=np.float64))
              for layer in d["layers"]]
    w_out = np.array(d["w_out"], dtype=np.float64)
    if len(layers) == 1:
        return TwoLayerNet(layers[0][0], layers[0][1], w_out, float(d["b_out"]), d.get("activation", "relu"))
    return DeepNet(layers, w_out, float(d["b_out"]), d.get("activation", "relu"))


def region_bound(widths: Tuple[int, ...]) -> int:
    """Most regions the network can cut the plane into: ``regions(L, 2)`` for one layer, else the
    tightest upper bound of :func:`nnpartition.deep_region_bounds`.

    Example:
        >>> region_bound((8,)), region_bound((8, 8))
        (37, 1369)
    """
    if len(widths) == 1:
        return regions(widths[0], 2)
    return deep_region_bounds(2, list(widths)).upper


def frame_of(net: Network, box: Tuple[Tuple[float, float], Tuple[float, float]]) -> Dict[str, Any]:
    """The drawable picture of ``net`` in ``box``.

    The polygons are the exact linear regions, also cut along the decision boundary
    (``region_polygons(..., split_decision=True)``) so that every polygon has one decision; ``region``
    maps each polygon to its linear region (pieces of one region share its activation pattern, and a
    pattern's region is convex), and ``n_regions`` counts the linear regions, the number
    ``region_polygons(net, box=box).n_regions`` gives. Also: the logit at each polygon's centroid (the
    shade), the decision boundary and the first layer (``first_layer``: its ``W`` and ``b``, whose lines
    ``x @ W + b = 0`` the page clips to the window itself, since a frame past the region limit has no polygons).

    Example:
        >>> net = TwoLayerNet(np.eye(2), np.zeros(2), np.array([1.0, -1.0]), 0.25)   # relu(x) - relu(y) + 1/4
        >>> f = frame_of(net, ((-1.0, -1.0), (1.0, 1.0)))
        >>> f["n_regions"], f["n_polygons"]   # four quadrants; the boundary cuts two: y = x + 1/4, y = 1/4
        (4, 6)
    """
    from ..pictures import region_polygons

    rp = region_polygons(net, box=box, split_decision=True, max_regions=LIMITS["regions"])
    region, n_regions = _group_rows(rp.patterns)
    W1, b1 = (net.W1, net.b1) if isinstance(net, TwoLayerNet) else net.layers[0]
    return {
        "n_regions": n_regions,
        "n_polygons": int(rp.n_regions),
        "offsets": _b64(rp.offsets, "<i4"),
        "xy": _b64(rp.vertices, "<f4"),
        "region": _b64(region, "<i4"),
        "decision": _b64(rp.decision, "u1"),
        "output": _b64(rp.logits(), "<f4"),
        "boundary": _b64(rp.boundary, "<f4"),
        "first_layer": {"W": np.asarray(W1).tolist(), "b": np.asarray(b1).tolist()},
    }


def empty_frame(net: Network, note: str) -> Dict[str, Any]:
    """A frame without polygons (``n_regions`` None): the lines, the points and ``note`` saying why."""
    W1, b1 = (net.W1, net.b1) if isinstance(net, TwoLayerNet) else net.layers[0]
    none = ""
    return {"n_regions": None, "n_polygons": 0, "offsets": _b64(np.zeros(1), "<i4"), "xy": none, "region": none,
            "decision": none, "output": none, "boundary": none, "note": note,
            "first_layer": {"W": np.asarray(W1).tolist(), "b": np.asarray(b1).tolist()}}


def _group_rows(patterns: np.ndarray) -> Tuple[np.ndarray, int]:
    """Number the distinct rows of a boolean matrix in order of first appearance: ``(ids, count)``.

    Exact (a lexicographic sort of the rows packed into 64-bit words); about 10x faster than
    ``np.unique(..., axis=0)``.

    Example:
        >>> _group_rows(np.array([[1, 0], [0, 1], [1, 0], [0, 0]], dtype=bool))
        (array([0, 1, 0, 2]), 3)
    """
    n = patterns.shape[0]
    if n == 0:
        return np.zeros(0, np.int64), 0
    packed = np.packbits(patterns, axis=1)
    width = -(-packed.shape[1] // 8) * 8
    words = np.zeros((n, width), np.uint8)
    words[:, :packed.shape[1]] = packed
    u = words.view(np.uint64)
    order = np.lexsort(u.T[::-1])
    us = u[order]
    new = np.ones(n, bool)
    new[1:] = (us[1:] != us[:-1]).any(axis=1)
    ids = np.empty(n, np.int64)
    ids[order] = np.cumsum(new) - 1
    count = int(new.sum())
    first = np.full(count, n, np.int64)
    np.minimum.at(first, ids, np.arange(n))
    rank = np.empty(count, np.int64)
    rank[np.argsort(first)] = np.arange(count)
    return rank[ids], count


def _b64(a: Any, dtype: str) -> str:
    """A flat array as base64 of little-endian bytes (the page reads it as a typed array): a frame of
    thousands of polygons encodes and parses in a millisecond or two, where JSON lists of floats take tens."""
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def decode_b64(text: str, dtype: str) -> np.ndarray:
    """The inverse of the frame's base64 arrays (flat).

    Example:
        >>> decode_b64(_b64(np.array([[1.5, -2.0]]), "<f4"), "<f4").tolist()
        [1.5, -2.0]
    """
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


class Stopped(Exception):
    """Raised inside the training callback to end a run that was stopped or replaced."""


class Run:
    """One training: a background thread around :func:`nnpartition.train` whose callback
    records snapshots and honours pause / step / stop."""

    def __init__(self, run_id: int, settings: Settings, X: np.ndarray, y: np.ndarray, session: "Session",
                 paused: bool = False) -> None:
        self.id = run_id
        self.settings = settings
        self.X, self.y = X, y
        self.box = window_of(X)
        self.session = session
        self.bound = region_bound(settings.widths)
        self.estimate = _estimate(settings, X.shape[0])
        self.history: List[Dict[str, Any]] = []  # step, accuracy, loss, n_regions
        self.network: Optional[Network] = None    # the latest snapshot
        self.frame: Optional[Dict[str, Any]] = None
        self.state = "paused" if paused else "running"
        self.error: Optional[str] = None
        self.started = time.time()
        self._stop = threading.Event()
        self._last_frame = 0.0
        self.too_many: Optional[str] = None  # why frames have no polygons (too many regions), once it happened
        self._go = threading.Condition()
        self._paused = paused
        self._budget = 1 if paused else 0
        self.thread = threading.Thread(target=self._main, name=f"explore-run-{run_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    # -- control (called from request threads) --------------------------------------------------
    def pause(self) -> None:
        """Park at the next snapshot (``state`` turns ``paused`` once it is parked there)."""
        with self._go:
            self._paused = True

    def resume(self) -> None:
        with self._go:
            self._paused = False
            self._go.notify_all()
            if self.state == "paused":
                self._set_state("running")

    def step(self) -> None:
        """Pause (if running) and advance by one snapshot (``every`` optimiser steps)."""
        with self._go:
            self._paused = True
            self._budget += 1
            self._go.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self._go:
            self._go.notify_all()
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    # -- training thread ------------------------------------------------------------------------
    def _set_state(self, state: str, error: Optional[str] = None) -> None:
        self.state, self.error = state, error
        self.session.publish("status")

    def _callback(self, step: int, net: Network, accuracy: float, loss: float) -> None:
        if self._stop.is_set():
            raise Stopped()
        if self.too_many is None:
            try:
                frame = frame_of(net, self.box)
            except (ValueError, MemoryError) as exc:  # too many regions to draw: train on without the picture
                self.too_many = (f"{exc}. The rest of this run is shown without its regions; "
                                 "use smaller widths or fewer layers to see them.")
        if self.too_many is not None:
            frame = empty_frame(net, self.too_many)
        frame.update(step=int(step), accuracy=float(accuracy), loss=float(loss), run=self.id,
                     pred=net.predict(self.X).tolist())
        self.history.append({"step": int(step), "accuracy": float(accuracy), "loss": float(loss),
                             "n_regions": frame["n_regions"]})
        self.network, self.frame = net, frame
        self.session.publish("frame")
        if self.settings.fps > 0:  # pace the run so that it can be watched (the trainer alone is much faster)
            wait = self._last_frame + 1.0 / self.settings.fps - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)
            self._last_frame = time.monotonic()
        with self._go:
            if self._paused and self._budget > 0:
                self._budget -= 1
            while self._paused and self._budget == 0 and not self._stop.is_set():
                if self.state != "paused":
                    self._set_state("paused")
                self._go.wait(0.5)
            if self._stop.is_set():
                raise Stopped()
            if self.state != "running":
                self._set_state("running")

    def _main(self) -> None:
        s = self.settings
        try:
            res = train(self.X, self.y, widths=list(s.widths), optimizer=s.optimizer, lr=s.lr, steps=s.steps,
                        batch_size=s.batch_size, seed=s.seed, snapshot_every=s.every, callback=self._callback,
                        restarts=1)
        except Stopped:
            self._set_state("stopped")
        except Exception as exc:  # shown on the page; the server keeps running
            self._set_state("error", f"{type(exc).__name__}: {exc}")
        else:
            if res.diverged_at is not None:   # train() returns a diverged run (with a warning): said on the page
                self._set_state("error", f"training diverged at step {res.diverged_at}: the loss is not finite "
                                         f"(try a smaller lr); the frames before it are kept")
            else:
                self._set_state("done")

    # -- views ----------------------------------------------------------------------------------
    def summary(self) -> Dict[str, Any]:
        """Settings, data, window, estimate and bound (the ``run`` event)."""
        return {"run": self.id, "settings": self.settings.to_dict(), "N": int(self.X.shape[0]),
                "X": self.X.tolist(), "y": self.y.tolist(), "box": self.box, "bound": self.bound,
                "estimate": self.estimate}

    def status(self) -> Dict[str, Any]:
        return {"run": self.id, "state": self.state, "error": self.error,
                "step": self.history[-1]["step"] if self.history else None}

    def export(self) -> Dict[str, Any]:
        """The run as JSON: settings, data, history, the latest snapshot's network and region count."""
        out = self.summary()
        out.update(status=self.status(), history=list(self.history),
                   snapshot=None if self.network is None else {
                       "step": self.history[-1]["step"], "n_regions": self.history[-1]["n_regions"],
                       "network": network_dict(self.network)})
        return out


def _estimate(s: Settings, N: int) -> Optional[Dict[str, Any]]:
    """The estimator's prediction for random labels of this size, trained with this run's protocol (one
    restart); None if it cannot estimate it. Its warnings (outside the validated range) become ``note``."""
    dist = "gaussian" if s.data == "gaussian" else "uniform"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            protocol = Protocol(optimizer=s.optimizer, lr=s.lr, steps=s.steps, batch_size=s.batch_size,
                                restarts=1)
            e = estimate_accuracy(2, N, widths=list(s.widths), dist=dist, protocol=protocol)
            held = heldout_errors(2, N, widths=list(s.widths), protocol=protocol)
        except (ValueError, TypeError, MemoryError):
            return None
    return {"accuracy": float(e.accuracy), "low": float(e.low), "high": float(e.high), "ceiling": float(e.ceiling),
            "method": e.method, "random_labels": s.data in ("uniform", "gaussian"),
            "note": "; ".join(str(w.message) for w in caught) or None, "heldout": held.describe(),
            "heldout_errors": held.to_dict()}


def _check_training(s: Settings, n: int) -> None:
    """The trainer's own checks of this run (its work against ``max_work``, its memory, the snapshots it keeps), as a
    :class:`BadRequest`: a run over them was started (200, the running one stopped) and failed in its thread."""
    try:
        protocol = Protocol(optimizer=s.optimizer, lr=s.lr, steps=s.steps, batch_size=s.batch_size, restarts=1)
        _core.protocol_check(2, n, list(s.widths), 1, protocol)
        _snapshot_every(s.every, None, 1, s.steps, 2, list(s.widths))
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc).replace("snapshot_every", "every")) from None   # the page's field is every


class Session:
    """The server's one training session: at most one :class:`Run` trains at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.version = {"run": 0, "frame": 0, "status": 0}
        self.run: Optional[Run] = None
        self._next_id = 1
        self.closing = False

    def publish(self, what: str) -> None:
        with self.changed:
            self.version[what] += 1
            self.changed.notify_all()

    def start(self, body: Dict[str, Any]) -> Run:
        settings = parse_settings(body)
        X, y = make_data(settings)
        if settings.batch_size is not None and settings.batch_size > X.shape[0]:
            raise BadRequest(f"batch_size must be <= N = {X.shape[0]} (the number of points), "
                             f"got {settings.batch_size}")
        paused = body.get("paused", False)
        if not isinstance(paused, bool):   # bool("false") is True
            raise BadRequest(f"paused must be true or false, got {paused!r}")
        _check_training(settings, X.shape[0])
        with self.lock:
            old = self.run
            if old is not None:
                old.stop()
            run = Run(self._next_id, settings, X, y, self, paused=paused)
            self._next_id += 1
            self.run = run
        self.publish("run")
        self.publish("status")
        run.start()
        return run

    def reset(self) -> None:
        with self.lock:
            old, self.run = self.run, None
        if old is not None:
            old.stop()
        self.publish("run")
        self.publish("status")

    def close(self) -> None:
        self.closing = True
        with self.lock:
            run = self.run
        if run is not None:
            run.stop(timeout=2.0)
        self.publish("status")


#: The routes that take POST, and those that take GET (and HEAD; ``/static/...`` too): the wrong method is a 405.
_POST_PATHS = ("/api/start", "/api/reset", "/api/pause", "/api/resume", "/api/step")
_GET_PATHS = ("/", "/index.html", "/api/config", "/api/events", "/api/status", "/api/frame", "/api/export/run.json",
              "/api/export/network.npz")

_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def _static(name: str) -> Optional[bytes]:
    if "/" in name or "\\" in name or name.startswith(".") or not any(name.endswith(e) for e in _STATIC_TYPES):
        return None
    res = resources.files("nnpartition.explore").joinpath("static").joinpath(name)
    if not res.is_file():
        return None
    return res.read_bytes()


def network_npz(net: Network) -> bytes:
    """The network as ``.npz`` bytes (:func:`nnpartition.network.save_network`'s format, which
    ``nnpartition plot-partition --weights`` reads), made in memory."""
    buf = io.BytesIO()
    save_network(net, buf)  # type: ignore[arg-type]  # np.savez takes a file object as well as a path
    return buf.getvalue()


class _Handler(BaseHTTPRequestHandler):
    server: "ExploreServer"
    protocol_version = "HTTP/1.1"
    #: Seconds a connection may sit idle mid-request (a body shorter than its Content-Length held a thread forever).
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet unless asked
        if self.server.verbose:
            super().log_message(format, *args)

    # -- helpers --------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str, extra: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, val in (extra or {}).items():
            self.send_header(k, val)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, extra: Optional[Dict[str, str]] = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", extra)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message}, {"Connection": "close"} if self.close_connection else None)

    def _body(self) -> Dict[str, Any]:
        if self.headers.get("Transfer-Encoding"):
            # not read here: its bytes would stay on the connection and be read as the next request
            self.close_connection = True
            raise BadRequest("send the request body with a Content-Length, not a Transfer-Encoding")
        n = self.headers.get("Content-Length")
        if n is None:
            return {}
        # ASCII digits only (RFC 9110's 1*DIGIT): int() also took "1_0" as 10, " +5" and other scripts' digits
        if not re.fullmatch(r"[0-9]+", n.strip()):
            raise BadRequest(f"bad Content-Length {n!r}: a number of bytes, in ASCII digits")
        length = int(n.strip())
        if length > LIMITS["body_bytes"]:
            raise BadRequest(f"the request body has {length} bytes, over the limit of {LIMITS['body_bytes']}")
        raw = self.rfile.read(length)
        if not raw.strip():
            return {}
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None
        except RecursionError:   # [[[[... a few hundred kB deep: a 500 before
            raise BadRequest("the request body is nested too deeply: send a JSON object of settings") from None
        if not isinstance(obj, dict):
            raise BadRequest("the request body must be a JSON object")
        return obj

    # -- GET ------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._guard(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._guard(self._post)

    def do_HEAD(self) -> None:  # noqa: N802 - a GET's headers (_send writes no body for HEAD)
        if urlsplit(self.path).path == "/api/events":
            return self._error(405, "the event stream has no HEAD: GET it")
        self._guard(self._get)

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """http.server's own refusals (a method it has no handler for, a malformed request line, headers too long)
        as JSON like the others; a method other than GET, HEAD and POST is a 405 (it was a 501 HTML page)."""
        self.close_connection = True   # the request (and any body) is left unread
        extra = {"Connection": "close"}
        if code == 501:
            code, message = 405, f"method {self.command} is not allowed: the explorer answers GET, HEAD and POST"
            extra["Allow"] = "GET, HEAD, POST"
        try:
            self._json(code, {"error": message or self.responses.get(code, ("error",))[0]}, extra)
        except OSError:
            pass

    def _wrong_method(self, path: str, allowed: str) -> None:
        self.close_connection = True   # a body may be unread
        self._json(405, {"error": f"{path} takes {allowed}, not {self.command}"}, {"Allow": allowed,
                                                                                    "Connection": "close"})

    def _guard(self, handler: Any) -> None:
        """Run a handler; an unexpected error becomes a 500 with its message (the server keeps running)."""
        try:
            handler()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a bug: say so instead of dropping the connection
            self.close_connection = True
            try:
                self._error(500, f"internal error: {type(exc).__name__}: {exc}")
            except OSError:
                pass

    def _get(self) -> None:
        path = urlsplit(self.path).path
        session = self.server.session
        if path in ("/", "/index.html"):
            path = "/static/index.html"
        if path.startswith("/static/"):
            data = _static(path[len("/static/"):])
            if data is None:
                return self._error(404, f"no such file {path}")
            ext = path[path.rfind("."):]
            return self._send(200, data, _STATIC_TYPES[ext])
        if path == "/api/config":
            return self._json(200, {"defaults": Settings().to_dict(), "limits": LIMITS, "data": list(DATA_KINDS),
                                    "optimizers": list(_OPTIMIZERS), "colors": list(_COLORS)})
        if path == "/api/events":
            return self._events()
        run = session.run
        if path == "/api/status":
            return self._json(200, run.status() if run else {"run": None, "state": "idle"})
        if path == "/api/frame":
            if run is None or run.frame is None:
                return self._error(404, "no frame yet: start a training first")
            return self._json(200, run.frame)
        if path in ("/api/export/run.json", "/api/export/network.npz"):
            if run is None:
                return self._error(404, "nothing to export: start a training first")
            if path.endswith(".json"):
                return self._json(200, run.export(),
                                  {"Content-Disposition": f'attachment; filename="nnpartition-run{run.id}.json"'})
            if run.network is None:
                return self._error(404, "no snapshot yet: wait for the first frame")
            return self._send(200, network_npz(run.network), "application/octet-stream",
                              {"Content-Disposition": f'attachment; filename="nnpartition-run{run.id}.npz"'})
        if path in _POST_PATHS:
            return self._wrong_method(path, "POST")
        return self._error(404, f"no such path {path}")

    def _events(self) -> None:
        """Server-sent events: ``run`` (new training), ``frame`` (latest snapshot), ``status``."""
        session = self.server.session
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = {"run": -1, "frame": -1, "status": -1}
        sent_history = 0  # history entries of the current run already sent to this client
        try:
            while not session.closing and not self.server.stopping:
                with session.changed:
                    if seen == session.version:
                        session.changed.wait(1.0)
                    now = dict(session.version)
                if now == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                run = session.run
                msgs: List[Tuple[str, Any]] = []
                if now["run"] != seen["run"]:
                    msgs.append(("run", run.summary() if run else None))
                    sent_history = 0
                if now["frame"] != seen["frame"] and run is not None and run.frame is not None:
                    # frames are coalesced (a slow client gets the latest), the history is sent whole
                    frame, n = run.frame, len(run.history)
                    msgs.append(("frame", dict(frame, history=run.history[sent_history:n])))
                    sent_history = n
                if now["status"] != seen["status"] or now["run"] != seen["run"]:
                    msgs.append(("status", run.status() if run else {"run": None, "state": "idle"}))
                seen = now
                for event, data in msgs:
                    self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- POST -----------------------------------------------------------------------------------
    def _post(self) -> None:
        path = urlsplit(self.path).path
        session = self.server.session
        if path not in _POST_PATHS:   # refused before the body is read (it stays unread: the connection closes)
            if path in _GET_PATHS or path.startswith("/static/"):
                return self._wrong_method(path, "GET, HEAD")
            self.close_connection = True
            return self._error(404, f"no such path {path}")
        try:
            body = self._body()
            if path == "/api/start":
                return self._json(200, session.start(body).status())
            if path == "/api/reset":
                session.reset()
                return self._json(200, {"run": None, "state": "idle"})
            if path in ("/api/pause", "/api/resume", "/api/step"):
                run: Optional[Run] = session.run
                if run is None:
                    raise BadRequest(f"{path[5:]}: no training to control; start one first")
                getattr(run, path[5:])()
                return self._json(200, run.status())
        except BadRequest as exc:
            self.close_connection = True  # the body may be unread: do not parse it as the next request
            return self._error(400, str(exc))


class ExploreServer(ThreadingHTTPServer):
    """The explorer's HTTP server with its :class:`Session`.

    Example:
        >>> srv = ExploreServer(("127.0.0.1", 0))
        >>> srv.url.startswith("http://127.0.0.1:")
        True
        >>> srv.server_close()
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: Tuple[str, int], verbose: bool = False) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        # set before binding: a failed bind calls server_close() from the base class's __init__
        self.session = Session()
        self.verbose = verbose
        self.stopping = False
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def server_close(self) -> None:
        self.stopping = True
        self.session.close()
        super().server_close()
