"""``nnpartition explore``: the in-browser explorer (a local web app)."""

from __future__ import annotations

import argparse

from ..explore import serve


def _explore(args: argparse.Namespace) -> int:
    serve(args.host, args.port, open_browser=not args.no_browser, verbose=args.verbose, as_json=args.json)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``explore`` subcommand."""
    p = sub.add_parser(
        "explore", help="live in-browser view of a network cutting the plane while it trains",
        description="Start a local web app that trains a 2-D ReLU network with the Rust trainer and shows, live, "
                    "its exact linear regions, the region count next to its bound, and the training accuracy next "
                    "to the estimate and its band. Ctrl-C stops it. Nothing is written to disk unless you export.")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1, this machine only; any other prints a warning)")
    p.add_argument("--no-browser", action="store_true", help="do not open the page in the default browser")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.add_argument("--json", action="store_true", help="print the address as one JSON object")
    p.set_defaults(func=_explore)
