"""Reading ``.npz`` files with one clear sentence for every way they can be wrong, and writing an output file whole
or not at all (:func:`replacing`)."""

from __future__ import annotations

import contextlib
import errno
import inspect
import os
import secrets
import stat
import struct
import zipfile
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Union

import numpy as np
from numpy.typing import NDArray

from .limits import _check_bytes

__all__ = ["check_float64_copies", "hidden_layers", "read_npz", "refuse_unread", "replacing", "stray_layers"]

#: What reading a damaged zip raises: ``RuntimeError`` for an encrypted member, ``NotImplementedError`` for a
#: compression method Python lacks (deflate64, AES), raw tracebacks before.
_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError)

#: The longest ``.npy`` header numpy reads from a file it is not told to trust (its ``max_header_size``).
_MAX_HEADER = int(inspect.signature(np.lib.format.read_array_header_1_0).parameters["max_header_size"].default)

#: The ``.npy`` format versions numpy reads (``numpy.lib.format``'s ``_check_version``, since numpy 1.17).
_VERSIONS = ((1, 0), (2, 0), (3, 0))


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


@contextlib.contextmanager
def replacing(path: Union[str, "os.PathLike[str]"]) -> Iterator[str]:
    """Write ``path`` whole or not at all: yields the name of a new, empty file in the same folder with the same
    suffix (what matplotlib and Pillow read the format from) for the caller to write; when the block ends normally it
    replaces ``path`` (through a symbolic link, the file the link points to; an existing file's permission bits are
    kept; a device or a pipe such as ``/dev/stdout`` is written in place, and so is a file in a folder that takes no
    new file), and when it raises, Ctrl-C's ``KeyboardInterrupt`` included, it is removed and ``path`` is left as it
    was. (A process killed by a signal Python does not handle, such as ``kill`` or ``kill -9``, leaves the hidden part
    file behind; a replaced file gets this process's owner and loses its hard links.)

    Written in place, a figure or a movie interrupted while it was written stayed behind cut short under its name (a
    truncated PNG, a GIF of the frames made so far), over the file it replaced. The file is created on entry: a
    folder where no file can be made, or a name too long, fails there (an ``OSError`` naming ``path``), before the
    caller's work.

    Example:
        >>> import tempfile
        >>> out = os.path.join(tempfile.mkdtemp(), "fig.png")
        >>> with replacing(out) as tmp:
        ...     _ = Path(tmp).write_text("whole")
        >>> Path(out).read_text(), os.listdir(os.path.dirname(out))
        ('whole', ['fig.png'])
        >>> with replacing(out) as tmp:
        ...     _ = Path(tmp).write_text("half")
        ...     raise OSError(28, "No space left on device")
        Traceback (most recent call last):
        ...
        OSError: [Errno 28] No space left on device
        >>> Path(out).read_text(), os.listdir(os.path.dirname(out))
        ('whole', ['fig.png'])
    """
    target = os.path.realpath(path)
    try:
        # the path as given, followed: /dev/stdout onto a pipe is a FIFO (its real path, /proc/PID/fd/pipe:[N], names
        # nothing, and read as "no file yet" it was refused, after all the work: a review in the forty-eighth pass on
        # issue 11)
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:   # none there yet
        special = False
    if special:   # a device or a pipe (/dev/stdout, /dev/null): written in place, never replaced by a file
        yield os.fspath(path)
        return
    folder, base = os.path.split(target)
    stem, suffix = os.path.splitext(base)
    # the name itself can be made (too long a name, a folder such as /proc that refuses new files), without
    # changing a file there: opened without truncation, and removed again if it was new
    existed = os.path.lexists(target)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666))
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    if not existed:
        with contextlib.suppress(OSError):
            os.unlink(target)
    # hidden, and short enough for any file-name limit: the stem cut to 64 bytes (characters were counted: 60 emoji
    # made a name of 255 bytes from one of 244)
    short = os.fsencode(stem)[:64].decode("utf-8", "ignore")
    tmp = None
    while tmp is None:
        name = os.path.join(folder, f".{short}.{secrets.token_hex(4)}.part{suffix}")
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            tmp = name
        except FileExistsError:   # pragma: no cover - 2**32 names
            continue
        except PermissionError:
            if not existed:
                raise OSError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path)) from None
            break   # a folder that takes no new file, holding a file that can be written: in place, as before
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    if tmp is None:
        yield os.fspath(path)
        return
    try:
        yield tmp
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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


def hidden_layers(keys: Iterable[str], where: str) -> int:
    """The hidden layers a network file's arrays name, ``W1, b1, W2, b2, ...`` without a gap (0: no ``W1, b1``);
    a layer array past them (:func:`stray_layers`) is a ``ValueError`` that starts with ``where``: it would have
    been left out of the network without a word (the regions of the first layer alone were counted).

    Example:
        >>> hidden_layers(["W1", "b1", "W2", "b2", "w_out", "b_out"], "net.npz")
        2
        >>> hidden_layers(["W1", "b1", "W3", "b3"], "net.npz")
        Traceback (most recent call last):
        ...
        ValueError: net.npz: W3, b3 would be ignored: hidden layers are read as W1, b1, W2, b2, ... without a gap, \
each W with its b, and this file's stop after layer 1; found ['W1', 'W3', 'b1', 'b3']
    """
    keys = sorted(keys)
    n = 0
    while f"W{n + 1}" in keys and f"b{n + 1}" in keys:
        n += 1
    stray = stray_layers(keys, n)
    if stray:
        raise ValueError(f"{where}: {', '.join(stray)} would be ignored: hidden layers are read as W1, b1, W2, b2, "
                         f"... without a gap, each W with its b, and this file's stop after layer {n}; found {keys}")
    return n


def stray_layers(keys: Iterable[str], n: int) -> List[str]:
    """The layer arrays (``W3``, ``b2``, ...) among a file's ``keys`` that the ``n`` hidden layers read, ``W1, b1`` to
    ``Wn, bn``, do not reach: a ``W3`` after a missing ``W2``, a ``W2`` without its ``b2``, which were silently left
    out of the network. The ``b2`` of the two-layer names ``W1, b1, w2, b2`` is that network's output bias.

    Example:
        >>> stray_layers(["W1", "b1", "W3", "b3", "w_out", "b_out"], 1), stray_layers(["W1", "b1", "w2", "b2"], 1)
        (['W3', 'b3'], [])
    """
    keys = set(keys)
    read = {f"{c}{i}" for i in range(1, n + 1) for c in "Wb"} | ({"b2"} if n == 1 and "w2" in keys else set())
    return sorted(k for k in keys - read if len(k) > 1 and k[0] in "Wb" and k[1:].isdigit())


def refuse_unread(keys: Iterable[str], read: Iterable[str], where: str, holds: str) -> None:
    """Refuse a file whose arrays ``keys`` hold one that the reader does not read (``read``: every name it reads or
    may read), a ``ValueError`` starting with ``where`` (the file) that names up to eight of them and says what such
    a file ``holds``. Ignored, an input scaling another tool keeps beside its layers, or a misspelt ``w2`` for ``W2``,
    changed what the file was read as without a word.

    Example:
        >>> refuse_unread(["W1", "b1", "mean"], ["W1", "b1"], "net.npz", "a network file holds W1, b1")
        Traceback (most recent call last):
        ...
        ValueError: net.npz: array 'mean' would be ignored: a network file holds W1, b1
    """
    unknown = sorted(set(keys) - set(read))
    if unknown:
        shown = ", ".join(repr(k) for k in unknown[:8]) + (f" and {len(unknown) - 8} more" if len(unknown) > 8 else "")
        raise ValueError(f"{where}: array{'s' if len(unknown) > 1 else ''} {shown} would be ignored: {holds}")


def check_float64_copies(arrays: Iterable[NDArray[np.generic]], what: str) -> None:
    """Refuse (a ``ValueError`` naming ``what``), before they are made, the float64 copies of the ``arrays`` stored
    narrower (int8, float16: up to 8 times the bytes :func:`read_npz` checked) when together they pass ``max_bytes``;
    arrays already float64 are used as they are and count nothing.

    Example:
        >>> check_float64_copies([np.ones(3, np.int8), np.ones(2)], "network file n.npz")
    """
    copies = sum(8 * a.size for a in arrays if a.dtype != np.float64)
    _check_bytes(f"{what} (its arrays as float64)", copies, "store the arrays as float64 or read a smaller file")


def _stored_bytes(data: "np.lib.npyio.NpzFile", where: str, fix: str) -> int:
    """The bytes the arrays of an open ``.npz`` hold once read, from the zip's sizes and the ``.npy`` headers alone,
    for a check against ``max_bytes`` before any is read (a compressed file of zeros expands a thousandfold).
    ``zipfile`` reads no more of a member than it declares; a header that declares more data than its member holds
    is refused here, since numpy allocates the declared shape before reading it (a crafted header of 10^12 entries
    was a raw ``MemoryError``, one of 10^9 an allocation of 24 GB). A header longer than numpy reads
    (:data:`_MAX_HEADER`, in characters as numpy counts them: fewer than bytes in the UTF-8 of version 3.0) is
    refused as such, before numpy reads it whole (it was called a damaged file), and so is a ``.npy`` format version
    numpy does not read (it was called a damaged file, or a header too long, by the length it does not have)."""
    fmt, zf = np.lib.format, data.zip
    if zf is None:   # pragma: no cover - closed: numpy reads nothing either
        return 0
    total = 0
    for info in zf.infolist():
        total += info.file_size
        with zf.open(info.filename) as fh:
            if fh.read(len(fmt.MAGIC_PREFIX)) != fmt.MAGIC_PREFIX:
                continue   # numpy returns such a member's bytes as they are: counted by its size
        with zf.open(info.filename) as fh:
            version = fmt.read_magic(fh)
            if version not in _VERSIONS:   # numpy's read refuses it: "we only support format version (1,0), ..."
                raise _Refused(f"{where}: array {_array_name(info.filename)!r} is stored in .npy format version "
                               f"{version[0]}.{version[1]}, which numpy {np.__version__} does not read (it reads "
                               f"versions 1.0, 2.0 and 3.0, as numpy.save writes them); write it again{fix}")
            # the length numpy reads the header by (2 bytes in version 1.0, 4 after), in bytes, where numpy compares
            # the decoded characters: as many for the latin-1 of 1.0 and 2.0, fewer for the UTF-8 of 3.0 (field names)
            form = "<H" if version == (1, 0) else "<I"
            width = struct.calcsize(form)
            raw = fh.read(width)   # (a short read: numpy's own EOFError, below)
            length = struct.unpack(form, raw)[0] if len(raw) == width else 0
            chars = length
            if version == (3, 0) and _MAX_HEADER < length <= 4 * _MAX_HEADER:
                # a UTF-8 character is at most 4 bytes: longer headers hold more characters than numpy reads
                # (a short read or bad UTF-8: numpy's own EOFError or UnicodeDecodeError, here or below)
                chars = len(fh.read(length).decode("utf-8"))
            if chars > _MAX_HEADER:
                size, unit = ((f"{length} bytes", "bytes") if chars == length else
                              (f"{chars} characters ({length} bytes of UTF-8)", "characters"))
                raise _Refused(f"{where}: array {_array_name(info.filename)!r} has a .npy header of {size}, "
                               f"longer than the {_MAX_HEADER} {unit} numpy reads from a file it is not told to trust "
                               f"(max_header_size; an array of numbers has a header of about 128 bytes); write it "
                               f"again{fix}")
            fh.seek(len(fmt.MAGIC_PREFIX) + 2)
            # version 3.0 is 2.0 with UTF-8 field names: the shape and item size read the same from latin-1, whose
            # characters are the header's bytes (as many as checked above: of a 3.0 header, at most 4 x the limit)
            read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read_header(fh, max_header_size=max(length, _MAX_HEADER))
            held = info.file_size - fh.tell()
        declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if not dtype.hasobject and declared > held:
            raise _Refused(f"{where}: a damaged file: array {_array_name(info.filename)!r} is declared of shape "
                           f"{tuple(shape)} and dtype {dtype} ({declared} bytes), but the file holds {held} bytes of "
                           f"it; write it again{fix}")
    return total


def _array_name(member: str) -> str:
    """The name numpy gives the array of a zip member (``W1`` for ``W1.npy``)."""
    return member[:-4] if member.endswith(".npy") else member


class _Refused(ValueError):
    """A file refused (damaged, a header too long, a format version numpy does not read), in words naming it."""


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
                nbytes = _stored_bytes(data, f"{what} {path}", fix)
            except _Refused as exc:
                raise ValueError(str(exc)) from None
            except _ERRORS as exc:
                raise ValueError(f"{what} {path}: the file is damaged or truncated ({type(exc).__name__}: {exc}); "
                                 f"write it again{fix}") from None
            _check_bytes(f"{what} {path} (its arrays, read in full)", nbytes, "read a smaller file")
            try:
                return {k: np.asarray(data[k]) for k in data.keys()}
            except _ERRORS as exc:
                if "allow_pickle" in str(exc):   # a sound file: numpy will not unpickle an object array
                    raise ValueError(f"{what} {path}: holds an array of Python objects (dtype=object), which is "
                                     f"not read, since loading it would run pickled code; convert it to numbers "
                                     f"first (np.asarray(W, dtype=float)){fix}") from None
                raise ValueError(f"{what} {path}: the file is damaged or truncated ({type(exc).__name__}: {exc}); "
                                 f"write it again{fix}") from None
