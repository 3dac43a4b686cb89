"""``nnpartition explore``: a live, in-browser view of a network cutting the plane while it trains.

A small local web app (standard-library HTTP server, self-contained page) that
trains a ``2 -> widths -> 1`` ReLU network with the Rust trainer in a
background thread and streams, every ``every`` steps, the exact linear regions
(:func:`nnpartition.pictures.region_polygons`), the region count next to its
bound, the training accuracy and loss next to :func:`nnpartition.estimate_accuracy`'s
prediction and band. See ``docs/explore.md``.

Example:
    >>> srv = make_server("127.0.0.1", 0)
    >>> srv.url.startswith("http://127.0.0.1:")
    True
    >>> srv.server_close()
"""

from __future__ import annotations

import json
import sys
import threading
import webbrowser
from typing import Optional, Sequence, TextIO

from .._validate import flag
from .server import LIMITS, ExploreServer, is_loopback

__all__ = ["serve", "make_server", "ExploreServer", "LIMITS"]


def make_server(host: str = "127.0.0.1", port: int = 8050, *, verbose: bool = False,
                allow_hosts: Sequence[str] = ()) -> ExploreServer:
    """Bind the explorer's server (``port=0`` picks a free port; read it from ``.url``).

    A host that does not resolve, or a port in use, raises the ``OSError`` of the bind. ``allow_hosts``: names a
    proxy or tunnel reaches the explorer under (``Host``, and its page's ``Origin``), besides the loopback names;
    other sites' requests are refused (docs/explore.md, "Safety").

    Example:
        >>> srv = make_server("127.0.0.1", 0)
        >>> srv.url.startswith("http://127.0.0.1:"), srv.server_address[1] > 0
        (True, True)
        >>> srv.server_close()
    """
    if not isinstance(host, str) or not host:
        raise TypeError(f"host must be a non-empty string, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer in [0, 65535], got {port!r}")
    if isinstance(allow_hosts, str) or not all(isinstance(h, str) and h for h in allow_hosts):
        raise TypeError(f"allow_hosts must be a list of host names, got {allow_hosts!r}")
    return ExploreServer((host, port), verbose=flag("verbose", verbose), allowed_hosts=tuple(allow_hosts))


def serve(host: str = "127.0.0.1", port: int = 8050, *, open_browser: bool = True, verbose: bool = False,
          as_json: bool = False, stream: Optional[TextIO] = None, allow_hosts: Sequence[str] = ()) -> None:
    """Run the explorer until Ctrl-C: bind, print the address, open the browser, serve.

    A host that is not a loopback address makes the explorer reachable from
    other machines (it has no authentication): that needs an explicit ``host``
    and prints a warning to stderr. Ctrl-C stops the training and the server
    and returns normally. ``allow_hosts``: as :func:`make_server`'s.

    Example (it serves until Ctrl-C, so it is not run here; ``make_server`` shows the bind):
        >>> serve("127.0.0.1", 0, open_browser=False)   # doctest: +SKIP
        nnpartition explore: serving on http://127.0.0.1:39211/  (Ctrl-C to stop)
        nnpartition explore: stopped
    """
    open_browser, as_json = flag("open_browser", open_browser), flag("as_json", as_json)
    _serve_on(make_server(host, port, verbose=verbose, allow_hosts=allow_hosts), host, open_browser=open_browser,
              as_json=as_json, stream=stream)


def _serve_on(srv: ExploreServer, host: str, *, open_browser: bool, as_json: bool, stream: Optional[TextIO]) -> None:
    """:func:`serve` after the bind (the command line binds first, to word a failed bind as its own error)."""
    out = sys.stdout if stream is None else stream
    try:
        if not is_loopback(host):
            print(f"warning: nnpartition explore is listening on {host}, reachable from other machines; "
                  "it has no authentication. Use --host 127.0.0.1 to keep it local.", file=sys.stderr, flush=True)
        if as_json:
            print(json.dumps({"url": srv.url, "host": host, "port": srv.server_address[1]}), file=out, flush=True)
        else:
            print(f"nnpartition explore: serving on {srv.url}  (Ctrl-C to stop)", file=out, flush=True)
        if open_browser:
            threading.Timer(0.3, webbrowser.open, args=(srv.url,)).start()
        srv.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        if not as_json:
            print("nnpartition explore: stopped", file=out, flush=True)
    finally:
        srv.server_close()
