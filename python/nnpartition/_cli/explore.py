"""``nnpartition explore``: the in-browser explorer (a local web app)."""

from __future__ import annotations

import argparse
import errno
import socket

from ..explore import _serve_on, make_server
from .common import UsageError, integer


def bind_error(host: str, port: int, exc: OSError) -> UsageError:
    """The one-line error for a failed bind, naming ``--host`` or ``--port`` as the cause.

    Example:
        >>> print(bind_error("127.0.0.1", 8050, OSError(errno.EADDRINUSE, "Address already in use")))
        --port 8050: cannot listen on 127.0.0.1 port 8050 (Address already in use); pick another port
        (--port 0 picks a free one)
        >>> print(bind_error("not a host", 8050, socket.gaierror(-2, "Name or service not known")))
        --host 'not a host': not an address of this machine (Name or service not known); use --host 127.0.0.1
        (this machine only) or one of its addresses
    """
    why = exc.strerror or str(exc)
    if isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return UsageError(f"--host {host!r}: not an address of this machine ({why}); use --host 127.0.0.1 "
                          "(this machine only) or one of its addresses")
    if exc.errno in (errno.EADDRINUSE, errno.EACCES):
        return UsageError(f"--port {port}: cannot listen on {host} port {port} ({why}); pick another port "
                          "(--port 0 picks a free one)")
    return UsageError(f"--host {host} --port {port}: cannot listen there ({why})")


def _explore(args: argparse.Namespace) -> int:
    try:
        srv = make_server(args.host, args.port, verbose=args.verbose, allow_hosts=args.allow_host or ())
    except OSError as exc:   # a name that does not resolve, a port in use or reserved
        raise bind_error(args.host, args.port, exc) from None
    _serve_on(srv, args.host, open_browser=not args.no_browser, as_json=args.json, stream=None)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``explore`` subcommand."""
    p = sub.add_parser(
        "explore", help="live in-browser view of a network cutting the plane while it trains",
        description="Start a local web app that trains a 2-D ReLU network with the Rust trainer and shows, live, "
                    "its exact linear regions, the region count next to its bound, and the training accuracy next "
                    "to the estimate and its band. Ctrl-C stops it. Nothing is written to disk unless you export.")
    p.add_argument("--port", type=integer, default=8050, help="port (default 8050; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1, this machine only; any other prints a warning)")
    p.add_argument("--allow-host", action="append", metavar="NAME",
                   help="a name a proxy or tunnel reaches the explorer under (its Host, its page's Origin), "
                        "besides this machine's loopback names; repeatable")
    p.add_argument("--no-browser", action="store_true", help="do not open the page in the default browser")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.add_argument("--json", action="store_true", help="print the address as one JSON object")
    p.set_defaults(func=_explore)
