"""A minimal progress bar on stderr: shown only on a terminal and only for
work that lasts longer than a second."""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


class Progress:
    """Progress over ``total`` units; ``update(n)`` after each batch, ``close()`` at the end.

    Prints nothing unless ``enabled`` and the stream is a terminal, and
    nothing before ``delay`` seconds have passed.
    """

    def __init__(self, total: int, desc: str = "", enabled: Optional[bool] = True,
                 stream: Optional[TextIO] = None, delay: float = 1.0) -> None:
        self.total = max(int(total), 1)
        self.desc = desc
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.enabled = bool(enabled) and isatty()
        self.delay = delay
        self.start = time.monotonic()
        self.done = 0
        self._shown = False

    def update(self, n: int = 1) -> None:
        """Record ``n`` more finished units and redraw."""
        self.done += n
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        if elapsed < self.delay and self.done < self.total:
            return
        frac = min(self.done / self.total, 1.0)
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        self.stream.write(f"\r{self.desc} [{bar}] {self.done}/{self.total} {elapsed:.1f}s eta {eta:.1f}s")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Finish the line if anything was drawn."""
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
