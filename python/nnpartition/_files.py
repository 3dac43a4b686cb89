"""Reading ``.npz`` files with one clear sentence for every way they can be wrong."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Dict, Union

import numpy as np
from numpy.typing import NDArray

__all__ = ["read_npz"]

_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile)


def file_path(path: object, name: str = "path", also: str = "") -> Union[str, "os.PathLike[str]"]:
    """``path`` if it is a file path (a ``str`` or an ``os.PathLike``), else a ``TypeError`` naming the argument
    ``name`` (``also``: what else the caller takes, " or a binary file object"). ``open()`` takes an int as a file
    descriptor (``save_network(net, True)`` wrote to stdout and closed it) and ``bytes`` as a path that ``pathlib``
    refuses, so every function that writes or reads a named file takes the same two.

    Example:
        >>> file_path("net.npz")
        'net.npz'
        >>> file_path(3, "store")
        Traceback (most recent call last):
        ...
        TypeError: store must be a file path (str or os.PathLike), got int 3
    """
    if isinstance(path, (str, os.PathLike)):
        return path
    shown = repr(path) if len(repr(path)) <= 40 else repr(path)[:37] + "..."
    raise TypeError(f"{name} must be a file path (str or os.PathLike){also}, got {type(path).__name__} {shown}")


def readable_file(path: Union[str, "os.PathLike[str]"], what: str) -> Path:
    """``path`` as an existing, readable regular file, or a one-sentence ``ValueError`` starting with ``what``.

    Example:
        >>> readable_file("/no/such/file.npz", "--weights")
        Traceback (most recent call last):
        ...
        ValueError: --weights /no/such/file.npz: no such file
    """
    p = Path(path)
    if not p.exists():
        raise ValueError(f"{what} {path}: no such file")
    if p.is_dir():
        raise ValueError(f"{what} {path}: is a directory, not a file")
    if not os.access(p, os.R_OK):
        raise ValueError(f"{what} {path}: not readable (permission denied)")
    return p


def read_npz(path: Union[str, "os.PathLike[str]"], what: str = "file", how: str = "") -> Dict[str, NDArray[np.generic]]:
    """Every array of the ``.npz`` at ``path``, read in full; ``ValueError`` naming the file otherwise.

    Args:
        path: the file.
        what: how messages name it (e.g. ``"--weights model.npz"``).
        how: how to write a good file, appended to messages (e.g. ``"save it with numpy.savez(...)"``).

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
        >>> np.savez(path, W=np.eye(2))
        >>> sorted(read_npz(path))
        ['W']
        >>> read_npz(os.path.join(os.path.dirname(path), "missing.npz"), "net")
        Traceback (most recent call last):
        ...
        ValueError: net .../missing.npz: no such file
    """
    fix = f": {how}" if how else ""
    p = readable_file(path, what)
    with open(p, "rb") as fh:  # ours to close, also when numpy fails half-way
        magic = fh.read(6)
        fh.seek(0)
        if magic.startswith(b"\x93NUMPY"):
            raise ValueError(f"{what} {path}: holds one array (a .npy file), not a set of named arrays (.npz){fix}")
        if not magic.startswith(b"PK"):
            kind = "an empty file" if not magic else "text or another format"
            raise ValueError(f"{what} {path}: not a numpy .npz file ({kind}){fix}")
        try:
            data = np.load(fh, allow_pickle=False)
        except _ERRORS as exc:
            raise ValueError(f"{what} {path}: a damaged or truncated .npz file ({type(exc).__name__}: {exc}); "
                             f"write it again{fix}") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError(f"{what} {path}: holds one array (a .npy file), not a set of named arrays (.npz){fix}")
        with data:
            try:
                return {k: np.asarray(data[k]) for k in data.keys()}
            except _ERRORS as exc:
                if "allow_pickle" in str(exc):   # a sound file: numpy will not unpickle an object array
                    raise ValueError(f"{what} {path}: holds an array of Python objects (dtype=object), which is "
                                     f"not read, since loading it would run pickled code; convert it to numbers "
                                     f"first (np.asarray(W, dtype=float)){fix}") from None
                raise ValueError(f"{what} {path}: the file is damaged or truncated ({type(exc).__name__}: {exc}); "
                                 f"write it again{fix}") from None
