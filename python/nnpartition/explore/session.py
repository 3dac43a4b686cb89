"""The explorer's one training session: a :class:`Run` trains in a background thread of the server, recording a
frame at every snapshot and honouring pause / step / stop; :class:`Session` holds the current run and tells the
event streams what changed."""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any, Dict, List, Optional

import numpy as np

from .. import _core
from ..datasets import _toy_dist
from ..estimate import estimate_accuracy, heldout_errors
from ..training import Protocol, _snapshot_every, train
from .frames import Network, empty_frame, frame_of, network_dict, region_bound, window_of
from .settings import BadRequest, Settings, data_note, make_data, parse_settings


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
                        restarts=1, progress=False)
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
        """Settings, data, window, estimate and bound (the ``run`` event), and ``data_note``: what the page says of
        points far from zero relative to their spread (:func:`~nnpartition.explore.settings.data_note`), or None."""
        return {"run": self.id, "settings": self.settings.to_dict(), "N": int(self.X.shape[0]),
                "X": self.X.tolist(), "y": self.y.tolist(), "box": self.box, "bound": self.bound,
                "estimate": self.estimate, "data_note": data_note(self.X)}

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
    dist = _toy_dist(s.data)   # the point law the estimator takes for the page's data
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
            "method": e.method, "random_labels": s.data in _core.CHOICES["dist"],
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
            # started before the lock is let go: a start or reset of another client waiting on it stops this run, and
            # joining a thread not yet started raised RuntimeError (a 500, and this run was left stopped as the current)
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
