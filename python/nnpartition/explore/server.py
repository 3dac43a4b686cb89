"""The explorer's web server: routes, the request handler and :class:`ExploreServer`.

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

The rest of the explorer is in the package's other modules: the settings and their checks
(:mod:`.settings`), the frames and exports (:mod:`.frames`) and the training session (:mod:`.session`);
their public names stay importable from here.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from .frames import network_npz
from .session import Run, Session
from .settings import _COLORS, _OPTIMIZERS, DATA_KINDS, LIMITS, BadRequest, Settings, json_int
# the module's other names of before the split (it held the whole explorer)
from .frames import Network as Network, decode_b64 as decode_b64, empty_frame as empty_frame, frame_of as frame_of
from .frames import network_dict as network_dict, network_from_dict as network_from_dict
from .frames import region_bound as region_bound, window_of as window_of
from .session import Stopped as Stopped
from .settings import make_data as make_data, parse_csv as parse_csv, parse_settings as parse_settings

__all__ = ["LIMITS", "DATA_KINDS", "Settings", "parse_settings", "make_data", "Session", "ExploreServer",
           "is_loopback", "frame_of", "empty_frame", "decode_b64"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Host names are read as HTTP reads them: in any case, with or without a final dot; ``*.localhost`` names are
    loopback (RFC 6761), and so is an IPv4 loopback address mapped into IPv6.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, True, False)
        >>> is_loopback("LocalHost."), is_loopback("app.localhost"), is_loopback("::ffff:127.0.0.1")
        (True, True, True)
    """
    name = _host_name(host)
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _host_name(name: str) -> str:
    """A host name as HTTP compares it: in lower case, without a final dot (``LocalHost.`` is ``localhost``)."""
    return name.lower().rstrip(".")


def _name_and_port(value: str) -> Tuple[str, Optional[int]]:
    """A ``Host`` header's (or an address's) name, lower case without a final dot, and its port (None: none or not a
    number). ``[::1]:8050`` is ``('::1', 8050)``."""
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[1:end if end > 0 else len(value)], value[end + 1:] if end > 0 else ""
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, port = value.split(":")
    else:
        name, port = value, ""
    return _host_name(name), int(port) if port.isdigit() and port.isascii() else None



#: The routes that take POST, and those that take GET (and HEAD; ``/static/...`` too): the wrong method is a 405.
_POST_PATHS = ("/api/start", "/api/reset", "/api/pause", "/api/resume", "/api/step")
_GET_PATHS = ("/", "/index.html", "/api/config", "/api/events", "/api/status", "/api/frame", "/api/export/run.json",
              "/api/export/network.npz")

#: Most bytes of a refused request's unread body read (and dropped) before its connection closes (see ``_drain``).
_DRAIN_BYTES = 64_000_000

_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def _static(name: str) -> Optional[bytes]:
    if "/" in name or "\\" in name or name.startswith(".") or not any(name.endswith(e) for e in _STATIC_TYPES):
        return None
    res = resources.files("nnpartition.explore").joinpath("static").joinpath(name)
    if not res.is_file():
        return None
    return res.read_bytes()



class _Handler(BaseHTTPRequestHandler):
    server: "ExploreServer"
    protocol_version = "HTTP/1.1"
    #: Seconds a connection may sit idle mid-request (a body shorter than its Content-Length held a thread forever).
    timeout = 30
    #: Whether this request's body was read (a POST's; see ``_drain``).
    _body_read = False

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
        if self.close_connection and "Connection" not in (extra or {}):
            self.send_header("Connection", "close")
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
        self._body_read = True   # (or given up on: a body that does not come is not waited for again)
        try:
            raw = self.rfile.read(length)
        except TimeoutError:   # a 500 "internal error: TimeoutError" before
            self.close_connection = True
            raise BadRequest(f"the request body did not come: fewer than its Content-Length of {length} bytes "
                             f"arrived in {self.timeout} s") from None
        if len(raw) < length:   # the client stopped sending: its JSON was refused as cut short ("Expecting ...")
            raise BadRequest(f"the request body has {len(raw)} bytes, fewer than its Content-Length of {length}")
        if not raw.strip():
            return {}
        try:
            obj = json.loads(raw, parse_int=json_int)
        except BadRequest:
            raise
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None
        except RecursionError:   # [[[[... a few hundred kB deep: a 500 before
            raise BadRequest("the request body is nested too deeply: send a JSON object of settings") from None
        if not isinstance(obj, dict):
            raise BadRequest("the request body must be a JSON object")
        return obj

    # -- GET ------------------------------------------------------------------------------------
    def _skip_body(self) -> None:
        """A GET's or HEAD's body (none is expected) is read and dropped, or the connection closes after the answer:
        left on the connection, it was read as the next request (a GET whose body was "POST /api/reset ..." reset)."""
        n = (self.headers.get("Content-Length") or "0").strip()
        if self.headers.get("Transfer-Encoding") or not re.fullmatch(r"[0-9]+", n) or int(n) > LIMITS["body_bytes"]:
            self.close_connection = True
        elif int(n) > 0:
            self.rfile.read(int(n))

    def _foreign(self) -> bool:
        """Refuse (403) a request another web site makes through the user's browser, and say so. A POST whose
        ``Origin`` is not this server's is one (any page could start trainings on the user's machine with a plain
        form-like fetch: a text/plain body needs no CORS preflight); so is, on a loopback address, a ``Host`` that
        is not a loopback name (a DNS-rebinding page would read the runs, the user's CSV points included)."""
        host = self.headers.get("Host", "")
        name, port = _name_and_port(host)
        origin = self.headers.get("Origin")
        allowed = self.server.allowed_hosts
        if host and self.server.local and not is_loopback(name) and name not in allowed:
            why = (f"Host {host!r} is not a loopback name and this explorer only serves this machine (reached "
                   f"through a proxy or tunnel under that name? start it with --allow-host {name})")
        elif self.command == "POST" and origin is not None and not self._own_origin(origin, name, port):
            try:
                seen = urlsplit(origin).hostname if origin != "null" else None
            except ValueError:   # "http://[::1": a traceback and a dropped connection
                seen = None
            hint = f" (a page served under that name? start the explorer with --allow-host {seen})" if seen else ""
            why = f"a request from {origin!r}, another site than this explorer's ({host or 'no Host header'!s}){hint}"
        else:
            return False
        self.close_connection = True
        self._error(403, f"refused: {why}")
        return True

    def _own_origin(self, origin: str, name: str, port: Optional[int]) -> bool:
        """Whether ``origin`` is this explorer's page: the ``Host``'s name and port, by any scheme (a proxy may
        serve the page over https), a missing port being the scheme's default; or a name allowed by
        ``--allow-host``. ``null`` (a sandboxed frame, a ``file://`` page) never is."""
        try:
            o = urlsplit(origin)
            o_name, o_port = _host_name(o.hostname or ""), o.port
        except ValueError:   # a port that is no number
            return False
        if not o_name:
            return False
        if o_name in self.server.allowed_hosts:
            return True
        default = {"http": 80, "https": 443}.get(o.scheme)
        return o_name == name and (o_port or default) == (port or default)

    def _bad_target(self) -> bool:
        """Refuse (400) a request target that ``urlsplit`` cannot read, and say so: an absolute-form target such as
        ``http://[::1/api/status`` was a 500 "internal error: ValueError: Invalid IPv6 URL" (for HEAD, a traceback
        and a dropped connection)."""
        try:
            urlsplit(self.path)
        except ValueError as exc:
            self.close_connection = True
            self._error(400, f"malformed request target {self.path[:200]!r}: {exc}")
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._skip_body()
        if not self._bad_target() and not self._foreign():
            self._guard(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._body_read = False
        if not self._bad_target() and not self._foreign():
            self._guard(self._post)
        self._drain()

    def _drain(self) -> None:
        """After a refusal that left the body unread (over the limit, a wrong path or method), read and drop up to
        :data:`_DRAIN_BYTES` of it (2 s at most) before the connection closes: closed while the client still sent it,
        the connection was reset and a client that sends its whole body before reading (Python's urllib, requests)
        got "Broken pipe" instead of the 400."""
        n = (self.headers.get("Content-Length") or "").strip()
        if self._body_read or self.headers.get("Transfer-Encoding") or not re.fullmatch(r"[0-9]+", n):
            return
        left = min(int(n), _DRAIN_BYTES)
        try:
            self.wfile.flush()
            self.connection.settimeout(2.0)
            end = time.monotonic() + 2.0
            while left > 0 and time.monotonic() < end:
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def do_HEAD(self) -> None:  # noqa: N802 - a GET's headers (_send writes no body for HEAD)
        self._skip_body()
        if self._bad_target() or self._foreign():
            return
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

    def __init__(self, address: Tuple[str, int], verbose: bool = False, allowed_hosts: Sequence[str] = ()) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        # set before binding: a failed bind calls server_close() from the base class's __init__
        self.session = Session()
        self.verbose = verbose
        self.stopping = False
        #: Bound to a loopback address: requests naming another Host are refused (see ``_Handler._foreign``).
        self.local = is_loopback(address[0])
        #: Names a proxy or tunnel reaches the explorer under, accepted as its ``Host`` and as its page's ``Origin``.
        self.allowed_hosts = tuple(_host_name(h) for h in allowed_hosts)
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
