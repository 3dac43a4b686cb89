"""The files the package reads: a bad network file is one ValueError naming the file and the array, refused before
anything large is allocated."""

from contextlib import closing
import importlib.util
import io
import re
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from nnpartition.cli import main
from nnpartition.limits import override
from nnpartition.network import load_network

W, B, WO = np.ones((2, 3)), np.zeros(3), np.ones(3)
GOOD = dict(W1=W, b1=B, w_out=WO, b_out=np.array(0.0))


@pytest.mark.parametrize("arrays,message", [
    # "W1 contains NaN or infinity", "b2 must be finite, got nan", naming no file (and w2 for the file's w_out)
    (dict(GOOD, W1=np.full((2, 3), np.nan)), "array 'W1' contains NaN or infinity"),
    (dict(GOOD, w_out=np.array([1.0, np.inf, 0.0])), "array 'w_out' contains NaN or infinity"),
    (dict(GOOD, b_out=np.array(np.nan)), "array 'b_out' contains NaN or infinity"),
    # a bias of two entries was cut to its first in silence; an empty one was an IndexError
    (dict(GOOD, b_out=np.array([1.0, 2.0])), r"array 'b_out' must hold one number, got shape \(2,\)"),
    (dict(GOOD, b_out=np.array([])), r"array 'b_out' must hold one number, got shape \(0,\)"),
    # "could not convert string to float"; complex lost its imaginary part (a ComplexWarning); dates read as numbers
    (dict(GOOD, W1=np.full((2, 3), "a")), "array 'W1' must hold real numbers, got dtype <U1"),
    (dict(GOOD, W1=W.astype(complex)), "array 'W1' must hold real numbers, got dtype complex128"),
    (dict(GOOD, b1=B.astype("datetime64[s]")), "array 'b1' must hold real numbers, got dtype datetime64"),
    # "only 0-dimensional arrays can be converted to Python scalars" (a TypeError)
    (dict(GOOD, slope=np.array([0.1, 0.2])), r"array 'slope' must hold one number, got shape \(2,\)"),
    (dict(GOOD, activation=np.array(["relu", "tanh"])), "array 'activation' must be one of relu, leaky_relu"),
    (dict(GOOD, w_out=np.ones((3, 2))), r"array 'w_out' must have shape \(3,\) \(the last hidden width\)"),
    # no hidden layer at all: refused by name, not a KeyError of the W1 it has not (a mutant that counted the layers
    # from 1 went unseen)
    ({"w_out": WO, "b_out": np.array(0.0)}, r"no hidden layer \(arrays W1 and b1\) found"),
    # no output layer, or half of one: refused by name (not a KeyError of the array it has not)
    (dict(W1=W, b1=B), r"a network file holds W1, b1\[, W2, b2, \.\.\.\], w_out and b_out"),
    (dict(W1=W, b1=B, w_out=WO), r"a network file holds W1, b1\[, W2, b2, \.\.\.\], w_out and b_out"),
    (dict(W1=W, b1=B, b_out=np.array(0.0)), r"a network file holds W1, b1\[, W2, b2, \.\.\.\], w_out and b_out"),
    # a layer array of the wrong number of dimensions
    (dict(GOOD, W1=np.ones(6)), r"array 'W1' must be a matrix \(2-D\), got shape \(6,\)"),
    (dict(GOOD, b1=np.zeros((3, 1))), r"array 'b1' must be a vector \(1-D\), got shape \(3, 1\)"),
    # layers that do not chain, a bias of another width, a layer of no unit
    (dict(GOOD, W2=np.ones((4, 2)), b2=np.zeros(2), w_out=np.ones(2)),
     r"array 'W2' must have 3 rows, the width of the layer before, got shape \(4, 2\)"),
    (dict(GOOD, b1=np.zeros(4)), r"arrays 'W1' and 'b1' must have shapes \(fan_in, width\) and \(width,\), neither 0"),
    (dict(GOOD, W1=np.ones((2, 0)), b1=np.zeros(0), w_out=np.ones(0)), r"arrays 'W1' and 'b1' must have shapes"),
    # an output layer of another width, or of the right size in two dimensions (a column (width, 1) is read)
    (dict(GOOD, w_out=np.ones(4)), r"array 'w_out' must have shape \(3,\) \(the last hidden width\), got \(4,\)"),
    (dict(GOOD, W1=np.ones((2, 4)), b1=np.zeros(4), w_out=np.ones((2, 2))),
     r"array 'w_out' must have shape \(4,\) \(the last hidden width\), got \(2, 2\)"),
    # an activation it does not know, named as written
    (dict(GOOD, activation=np.array("gelu")), "array 'activation' must be one of relu, leaky_relu, .*, got 'gelu'$"),
    # a negative leaky slope
    (dict(GOOD, slope=np.array(-0.5)), r"array 'slope' \(the leaky ReLU's negative slope\) must be >= 0, got -0.5"),
])
def test_load_network_names_the_file_and_the_array(tmp_path, arrays, message):
    path = tmp_path / "net.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: ") + message):
        load_network(str(path))


def test_a_layer_array_the_layers_do_not_reach_is_refused(tmp_path):
    # a layer the loop did not reach was dropped: W3 after a missing W2, W2 without b2 ("w2 must have length 3")
    for arrays, message in ((dict(GOOD, W3=np.ones((3, 3)), b3=B), "W3, b3 would be ignored"),
                            (dict(GOOD, W2=np.ones((3, 2)), w_out=np.ones(2)), "W2 would be ignored")):
        np.savez(tmp_path / "net.npz", **arrays)
        with pytest.raises(ValueError, match="^" + re.escape(f"network file {tmp_path / 'net.npz'}: {message}")):
            load_network(str(tmp_path / "net.npz"))
    # while the b2 of W1, b1, w2, b2 is the output bias, and w_out may be a column: the network read is the one
    # written, its output relu(X W1 + b1) w + b computed here (the test checked b2 and the column's shape alone)
    rng = np.random.default_rng(1)
    W1, b1, X = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(6, 2))
    w = np.array([1.5, -0.75, 0.25])   # unequal, of both signs
    np.savez(tmp_path / "old.npz", W1=W1, b1=b1, w2=w, b2=np.array(0.5))
    np.savez(tmp_path / "column.npz", W1=W1, b1=b1, w_out=w[:, None], b_out=np.array(-0.25))
    for name, bias in (("old.npz", 0.5), ("column.npz", -0.25)):
        net = load_network(str(tmp_path / name))
        assert net.b2 == bias and np.array_equal(net.W1, W1) and np.array_equal(net.b1, b1)
        assert np.array_equal(net.w2, w), name
        np.testing.assert_allclose(net.decision_function(X), np.maximum(X @ W1 + b1, 0) @ w + bias, rtol=1e-12)


def _crafted(path, shape):
    """A network file whose W1.npy header declares ``shape`` and holds 64 bytes."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False, "shape": shape})
    _with_w1(path, head.getvalue() + bytes(64))


def _with_w1(path, raw):
    """A network file whose W1.npy member is the bytes ``raw``."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("W1.npy", raw)
        for key, a in dict(b1=B, w_out=WO, b_out=np.array(0.0)).items():
            buf = io.BytesIO()
            np.save(buf, a)
            z.writestr(f"{key}.npy", buf.getvalue())


@pytest.mark.parametrize("shape", [(10**12, 3), (10**6, 3)])
def test_a_header_declaring_more_than_the_file_holds_is_refused_unallocated(tmp_path, shape):
    # numpy allocates the declared shape before reading: 10^12 entries were a raw MemoryError, 3 * 10^6 a 24 MB
    # allocation before "EOF: reading array data"
    path = tmp_path / "crafted.npz"
    _crafted(path, shape)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=re.escape(f"network file {path}: a damaged file: array 'W1' is declared "
                                                       f"of shape {shape}")):
            load_network(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak


@pytest.mark.parametrize("version,length,held", [((1, 0), 20000, 20000), ((2, 0), 2**32 - 1, 64)])
def test_a_header_longer_than_numpy_reads_is_refused_as_such(tmp_path, version, length, held):
    # numpy refuses a header over its max_header_size (10,000 bytes), and one declared longer than the member
    # holds: both were called "damaged or truncated", the first a sound file numpy would read when trusted
    path = tmp_path / "long.npz"
    header = repr({"descr": "<f8", "fortran_order": False, "shape": (2, 3)}).encode().ljust(held - 1) + b"\n"
    form = "<H" if version == (1, 0) else "<I"
    _with_w1(path, np.lib.format.magic(*version) + struct.pack(form, length) + header + bytes(48))
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: array 'W1' has a .npy header of "
                                                         f"{length} bytes, longer than the 10000 bytes numpy reads")):
        load_network(str(path))


@pytest.mark.parametrize("version,length", [((4, 0), 2**32 - 1), ((1, 1), 0), ((0, 0), 0)])
def test_a_npy_format_version_numpy_does_not_read_is_refused_as_such(tmp_path, version, length):
    # numpy reads versions 1.0, 2.0 and 3.0 ("we only support format version (1,0), (2,0), and (3,0), not (4, 0)"):
    # the header length of another was read as 2.0's and refused as too long, or the file called damaged
    path = tmp_path / "v.npz"
    header = repr({"descr": "<f8", "fortran_order": False, "shape": (2, 3)}).encode() + b"\n"
    _with_w1(path, np.lib.format.magic(*version) + struct.pack("<I", length or len(header)) + header + bytes(48))
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: array 'W1' is stored in .npy format "
                                                         f"version {version[0]}.{version[1]}, which numpy "
                                                         f"{np.__version__} does not read (it reads versions 1.0, "
                                                         f"2.0 and 3.0")):
        load_network(str(path))
    with pytest.raises(ValueError, match=re.escape("we only support format version")):
        np.load(path)["W1"]   # numpy's own refusal


def _utf8_header(fields):
    """A version 3.0 ``.npy`` member of one zero record of ``fields`` float fields named in UTF-8 (3 characters of
    2, 3 and 3 bytes, then 4 digits), and the length of its header in characters and in bytes."""
    dtype = np.dtype([(f"\u00c5\u540d\u540d{i:04d}", "<f8") for i in range(fields)])
    text = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (1,)}) + "\n"
    header = text.encode("utf-8")
    return np.lib.format.magic(3, 0) + struct.pack("<I", len(header)) + header + bytes(dtype.itemsize), \
        len(text), len(header)


def test_a_utf8_header_is_priced_in_characters_as_numpy_does(tmp_path, capsys):
    # numpy's max_header_size counts the decoded header: a version 3.0 header of 11,301 bytes and 9,051 characters
    # is read by numpy, and was refused here as too long by its bytes
    raw, chars, length = _utf8_header(450)
    assert chars < 10000 < length
    path = tmp_path / "fields.npz"
    _with_w1(path, raw)
    assert np.load(path)["W1"].dtype.names[0] == "\u00c5\u540d\u540d0000"   # numpy reads it
    # a structured W1 is refused as what it is, after the pricing ...
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: array 'W1' must hold real numbers, "
                                                         f"got dtype [('\u00c5\u540d\u540d0000', '<f8'), ")):
        load_network(str(path))
    # ... and an array of another name beside a network is read: load_network and the CLI's reader refuse it by
    # name as an array they would ignore (not its header as too long)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("fields.npy", raw)
        for key, a in GOOD.items():
            buf = io.BytesIO()
            np.save(buf, a)
            z.writestr(f"{key}.npy", buf.getvalue())
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: array 'fields' would be ignored")):
        load_network(str(path))
    assert main(["regions", "--weights", str(path), "--box", "-1", "1"]) == 2
    assert f"--weights {path}: array 'fields' would be ignored" in capsys.readouterr().err
    # past the limit in characters it is refused as numpy would refuse it, counted as numpy counts
    raw, chars, length = _utf8_header(500)
    assert 10000 < chars < length
    _with_w1(path, raw)
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: array 'W1' has a .npy header of "
                                                         f"{chars} characters ({length} bytes of UTF-8), longer than "
                                                         f"the 10000 characters numpy reads")):
        load_network(str(path))
    with pytest.raises(ValueError, match=re.escape(f"Header info length ({chars}) is large")):
        np.load(path)["W1"]


def test_a_compressed_file_is_checked_against_max_bytes_before_it_is_read(tmp_path):
    # 50 MB of zeros compress to 50 kB: read in full before any check (the network's own check came after)
    path = tmp_path / "zeros.npz"
    n = 2**21
    np.savez_compressed(path, W1=np.zeros((3, n)), b1=np.zeros(n), w_out=np.zeros(n), b_out=np.array(0.0))
    tracemalloc.start()
    try:
        with override(max_bytes=2**22), pytest.raises(ValueError, match=re.escape(f"network file {path} (its arrays, "
                                                                                  "read in full) needs about")):
            load_network(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**22, peak


def test_a_narrow_dtype_file_is_checked_against_max_bytes_as_the_float64_network_it_becomes(tmp_path):
    """Arrays stored as int8 pass ``max_bytes`` as read (1 byte an entry) and become float64 in the network, 8 bytes
    an entry: sized before the copies are made (the mutation audit of session 50 found them made first, 8 times the
    limit's checked bytes), by name; the same file loads under a limit the copies fit in, with its values."""
    path = tmp_path / "int8.npz"
    rows, width = 500, 1000
    np.savez(path, W1=np.ones((rows, width), np.int8), b1=np.zeros(width, np.int8), w_out=np.ones(width, np.int8),
             b_out=np.array(0))
    copies = 8 * (rows * width + 2 * width)   # float64 copies of W1, b1 and w_out
    stored = rows * width + 2 * width + 8
    assert stored < 2 * 10**6 < copies
    tracemalloc.start()
    try:
        with override(max_bytes=2 * 10**6), pytest.raises(ValueError, match=re.escape(
                f"network file {path} (its arrays as float64) needs about")):
            load_network(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 10**6, peak
    with override(max_bytes=copies):
        net = load_network(str(path))
    assert net.W1.dtype == np.float64 and net.W1.sum() == rows * width and net.w2.sum() == width


def _patched(path, method=None, flag=None):
    """A sound network file whose members say they use compression ``method`` or carry the zip ``flag`` bits."""
    np.savez(path, **GOOD)
    raw = bytearray(path.read_bytes())
    for sig, at_flag, at_method in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        i = raw.find(sig)
        while i >= 0:
            if method is not None:
                raw[i + at_method:i + at_method + 2] = struct.pack("<H", method)
            if flag is not None:
                raw[i + at_flag:i + at_flag + 2] = struct.pack("<H", flag)
            i = raw.find(sig, i + 4)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("kind,detail", [({"method": 9}, "compression method is not supported"),
                                         ({"flag": 1}, "is encrypted")])
def test_a_zip_python_cannot_read_is_one_value_error(tmp_path, kind, detail):
    # deflate64 (method 9, as some zip tools write) was a raw NotImplementedError, an encrypted member a RuntimeError
    path = tmp_path / "other.npz"
    _patched(path, **kind)
    with pytest.raises(ValueError, match=re.escape(f"network file {path}: ") + ".*" + detail):
        load_network(str(path))


def test_regions_refuses_a_layer_file_with_a_gap(tmp_path, capsys):
    # W1, b1, W3, b3: the regions of W1 alone were counted, W3 ignored without a word
    path = tmp_path / "gap.npz"
    np.savez(path, W1=W, b1=B, W3=np.ones((3, 3)), b3=B)
    assert main(["regions", "--weights", str(path), "--box", "-1", "1"]) == 2
    err = capsys.readouterr().err
    assert f"--weights {path}: W3, b3 would be ignored" in err and "Traceback" not in err


def test_save_regions_names_the_option_for_a_bad_output_layer(tmp_path, capsys):
    # an empty b_out was an IndexError traceback from --save-regions and plot-partition --weights
    path = tmp_path / "net.npz"
    np.savez(path, **dict(GOOD, b_out=np.array([])))
    calls = [["regions", "--weights", str(path), "--box", "-1", "1", "--save-regions", str(tmp_path / "r.npz")]]
    if importlib.util.find_spec("matplotlib") is not None:   # plot-partition needs it first
        calls.append(["plot-partition", "--weights", str(path), "--plot", str(tmp_path / "p.png")])
    for argv in calls:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"error: --weights {path}: array 'b_out' must hold one number" in err and "Traceback" not in err
        assert err.count(str(path)) == 1, err


def test_an_output_path_under_a_file_says_so(tmp_path, capsys):
    # --save-weights afile/w.npz said "the folder afile does not exist", where afile is a file
    (tmp_path / "afile").write_text("")
    out = tmp_path / "afile" / "r.npz"
    np.savez(tmp_path / "w.npz", W=W, b=B)
    assert main(["regions", "--weights", str(tmp_path / "w.npz"), "--box", "-1", "1", "--save-regions", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--save-regions {out}: {tmp_path / 'afile'} is a file, not a folder" in err, err


def test_sweep_load_of_an_empty_file_refuses_it_and_leaves_it_empty(tmp_path):
    # load() is a read: it returned [] for an empty file and wrote a new store's tables into it (20 kB)
    from nnpartition.sweep import StoreError, load

    path = tmp_path / "grid.sqlite"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match=re.escape(f"store {str(path)!r} is empty")):
        load(str(path))
    assert path.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["grid.sqlite"]


def test_sweep_load_of_another_sqlite_database_leaves_it_as_it_was(tmp_path):
    # A review: load() of an SQLite file that is no store put it in WAL mode for good before refusing it, and one
    # with only a 'meta' table got the store's 'results' table and index.
    import sqlite3

    from nnpartition.sweep import StoreError, load

    for tables in (["x"], ["meta"]):
        path = tmp_path / f"{'-'.join(tables)}.sqlite"
        with closing(sqlite3.connect(path)) as db:
            for t in tables:
                db.execute(f"CREATE TABLE {t}(key TEXT, value TEXT)")
            db.commit()
        with pytest.raises(StoreError, match="not an nnpartition sweep store"):
            load(str(path))
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert sorted(n for (n,) in db.execute("SELECT name FROM sqlite_master")) == sorted(tables)


def test_replacing_writes_a_file_whole_or_leaves_it_as_it_was(tmp_path):
    """The pictures' output files (movie's GIF, plot-partition's --plot) are written through ``replacing``: an
    interrupted write leaves the file named as it was, a finished one replaces it through a symbolic link with its
    permission bits, and a device is written in place (a temporary file renamed over /dev/null would replace it)."""
    import os
    import stat
    from pathlib import Path

    from nnpartition._files import replacing

    real = tmp_path / "real.png"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.png"
    link.symlink_to(real)
    with pytest.raises(KeyboardInterrupt):
        with replacing(link) as part:
            assert Path(part).parent == tmp_path and part.endswith(".png") and Path(part).read_text() == ""
            Path(part).write_text("half")
            raise KeyboardInterrupt
    assert real.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["link.png", "real.png"]
    with replacing(link) as part:
        Path(part).write_text("new")
    assert link.is_symlink() and real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.png", "real.png"]
    if os.path.exists(os.devnull) and not stat.S_ISREG(os.stat(os.devnull).st_mode):
        with replacing(os.devnull) as part:
            assert part == os.devnull
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    # a name the system refuses is an OSError naming the path, before the block runs
    with pytest.raises(OSError, match="a{300}"):
        with replacing(tmp_path / ("a" * 300 + ".png")):
            raise AssertionError("ran the block")


def _write_half_then_interrupt(target, *args, **kwargs):
    """A stand-in for a writer: writes half of its output to the file object or path it is given, then Ctrl-C."""
    if hasattr(target, "write"):
        target.write(b"half" if "b" in getattr(target, "mode", "b") else "half")
    else:
        with open(target, "w") as fh:
            fh.write("half")
    raise KeyboardInterrupt


@pytest.mark.parametrize("writer", ["save_network", "to_csv", "save_figure"])
def test_output_files_interrupted_while_written_are_left_as_they_were(writer, tmp_path, monkeypatch):
    """Every output file is written whole or not at all: a network (``save_network``, ``--save-weights``), a
    report's rows (``to_csv``, ``--csv``) and a figure (``save_figure``, ``validate --plot``), interrupted halfway
    through their write, leave the file there as it was and no part file beside it (they were written in place: a
    cut-short file under the name)."""
    import csv

    import numpy as np

    from nnpartition import TwoLayerNet, network, plotting
    from nnpartition.validation.report import ValidationReport

    target = tmp_path / f"out.{ {'save_network': 'npz', 'to_csv': 'csv', 'save_figure': 'png'}[writer] }"
    target.write_text("old")
    half = _write_half_then_interrupt
    if writer == "save_network":
        monkeypatch.setattr(network, "_savez", half)
        call = lambda: network.save_network(TwoLayerNet(np.eye(2), np.zeros(2), np.ones(2), 0.0), str(target))  # noqa: E731
    elif writer == "to_csv":
        def header_then_interrupt(self, rows):   # the header is written; Ctrl-C in the rows
            raise KeyboardInterrupt
        monkeypatch.setattr(csv.DictWriter, "writerows", header_then_interrupt)
        call = lambda: ValidationReport([{"d": 1, "N": 2}]).to_csv(str(target))  # noqa: E731
    else:
        class Fig:
            savefig = staticmethod(half)
        call = lambda: plotting.save_figure(Fig(), str(target))  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        call()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]



def test_replacing_writes_a_pipe_in_place_and_keeps_temporary_names_short(tmp_path, monkeypatch):
    """``/dev/stdout`` onto a pipe (``validate --csv /dev/stdout | cat``) is written in place: its real path names
    nothing, and it was refused after all the work; a name of 244 bytes in 60 characters gets a temporary name
    within the 255-byte limit; a folder that takes no new file, holding a writable file, gets it written in place."""
    import os
    from pathlib import Path

    from nnpartition import _files
    from nnpartition._files import replacing

    r, w = os.pipe()
    try:
        pipe = f"/proc/self/fd/{w}"
        if not os.path.exists(pipe):
            pytest.skip("no /proc/self/fd here")
        with replacing(pipe) as part:
            assert part == pipe
            with open(part, "w") as fh:
                fh.write("rows\n")
        assert os.read(r, 100) == b"rows\n"
    finally:
        os.close(r)
        os.close(w)
    long = tmp_path / ("\U0001F600" * 60 + ".csv")     # 244 bytes
    with replacing(long) as part:
        assert len(os.fsencode(os.path.basename(part))) <= 255
        Path(part).write_text("whole")
    assert long.read_text() == "whole"
    # (as root no folder refuses a file: the refusal stands in)
    real_open = os.open

    def refusing(name, flags, *args):
        if ".part" in os.fspath(name):
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args)

    monkeypatch.setattr(_files.os, "open", refusing)
    with replacing(long) as part:
        assert part == os.fspath(long)
        Path(part).write_text("in place")
    assert long.read_text() == "in place"
    with pytest.raises(OSError, match="new.csv"):
        with replacing(tmp_path / "new.csv"):
            raise AssertionError("ran the block")


def test_replacing_in_a_folder_that_takes_no_new_file(tmp_path, unprivileged):
    """Real permissions (a subprocess that, under root, drops the capabilities that pass them: the ``unprivileged``
    fixture) for the branch the test above reaches only through a stand-in refusal: in a read-only folder a
    writable file is written in place (no temporary file can be made beside it), a new name is an ``OSError``
    (EACCES) naming it, and nothing else appears in the folder."""
    run = unprivileged("""
import errno, os, sys
from pathlib import Path
from nnpartition._files import replacing

folder = Path(sys.argv[1]) / "shut"
folder.mkdir()
old = folder / "old.csv"
old.write_text("old")
folder.chmod(0o555)
try:
    with replacing(old) as part:
        assert part == os.fspath(old), part
        Path(part).write_text("in place")
    assert old.read_text() == "in place"
    try:
        with replacing(folder / "new.csv"):
            raise AssertionError("ran the block")
    except OSError as e:
        assert e.errno == errno.EACCES and e.filename == os.fspath(folder / "new.csv"), e
    assert os.listdir(folder) == ["old.csv"]
finally:
    folder.chmod(0o755)
print("ok")
""", tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_replacing_a_new_file_that_fails_leaves_no_file_behind(tmp_path):
    """``replacing`` makes the file on entry (to fail before the work on a name the system refuses) and removes it
    again when it was new: a write that then fails leaves the folder as it was, with no empty file under the name
    (no test wrote to a new name and failed; removing the probe could be dropped unseen)."""
    import os

    from nnpartition._files import replacing

    with pytest.raises(OSError, match="No space"):
        with replacing(tmp_path / "new.png") as part:
            assert os.path.exists(part)
            raise OSError(28, "No space left on device")
    assert os.listdir(tmp_path) == []


def test_max_bytes_counts_the_arrays_of_a_file_as_numpy_holds_them(tmp_path):
    """A file whose arrays need exactly ``max_bytes`` once read is read, one byte less refuses it: the sizes counted
    are the zip members' (``zipfile``'s own reading of the file), not one byte more or less."""
    import zipfile

    from nnpartition._files import read_npz

    path = tmp_path / "net.npz"
    np.savez(path, **GOOD)
    with zipfile.ZipFile(path) as zf:
        held = sum(info.file_size for info in zf.infolist())
    with override(max_bytes=held):
        assert sorted(read_npz(path)) == sorted(GOOD)
    with override(max_bytes=held - 1), pytest.raises(ValueError, match="max_bytes"):
        read_npz(path)


def test_a_header_declaring_a_little_more_than_the_file_holds_is_refused_with_both_sizes(tmp_path):
    """A header declaring 3 x 3 float64 (72 bytes) over a member that holds 64: refused by its own sentence with the
    two sizes (computed here), before numpy reads. The huge shapes above pass any rough count; this one needs the
    declared bytes and the held bytes counted exactly (a mutant that divided by the item size, or added the header's
    length to what is held, went unseen)."""
    path = tmp_path / "crafted.npz"
    _crafted(path, (3, 3))
    with pytest.raises(ValueError, match=re.escape(f"network file {path}: a damaged file: array 'W1' is declared "
                                                   f"of shape (3, 3) and dtype float64 ({3 * 3 * 8} bytes), but the "
                                                   f"file holds 64 bytes of it")):
        load_network(str(path))


def test_a_header_of_exactly_the_length_numpy_reads_is_read(tmp_path):
    """numpy reads a header of up to ``max_header_size`` (10,000) bytes, that many included: such a file is read as
    numpy itself reads it (only longer ones are refused as too long)."""
    path = tmp_path / "edge.npz"
    header = repr({"descr": "<f8", "fortran_order": False, "shape": (2, 3)}).encode().ljust(9999) + b"\n"
    assert len(header) == 10000
    _with_w1(path, np.lib.format.magic(1, 0) + struct.pack("<H", len(header)) + header + bytes(48))
    assert np.load(path)["W1"].tolist() == [[0.0] * 3] * 2   # numpy's own reading
    assert load_network(str(path)).W1.tolist() == [[0.0] * 3] * 2


def test_a_bias_array_without_its_layer_is_refused(tmp_path):
    # a b2 with no W2 (and no w2, whose output bias it would be) was a stray that stray_layers let pass once the
    # two-layer names' exception was read as "n == 1 or w2": the file's b2 would have been ignored
    np.savez(tmp_path / "net.npz", **dict(GOOD, b2=B))
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {tmp_path / 'net.npz'}: b2 would be ignored")):
        load_network(str(tmp_path / "net.npz"))


@pytest.mark.parametrize("extra, named", [
    # an input scaling a file of another tool keeps beside its layers: the network read without it computes
    # another function
    (dict(mean=np.zeros(2), std=np.ones(2)), "arrays 'mean', 'std' would be ignored"),
    # two output layers: w_out, b_out were read and the TwoLayerNet names' w2, b2 dropped
    (dict(w2=WO, b2=np.array(1.0)), "arrays 'b2', 'w2' would be ignored"),
    # a one-layer file's names (regions --weights reads W, b) beside a network's
    (dict(W=W, b=B), "arrays 'W', 'b' would be ignored"),
    (dict(Activation=np.array("tanh")), "array 'Activation' would be ignored"),
    ({f"x{i:02d}": np.zeros(1) for i in range(11)}, "arrays 'x00', 'x01', .*, 'x07' and 3 more would be ignored"),
])
def test_an_array_the_network_does_not_read_is_refused(tmp_path, extra, named):
    """load_network reads W1, b1, ..., the output layer, activation and slope; any other array was ignored without
    a word, so a file of another kind was read as a network that is not the one it holds."""
    path = tmp_path / "net.npz"
    np.savez(path, **GOOD, **extra)
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: ") + named + ": a network file holds"):
        load_network(str(path))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
@pytest.mark.parametrize("widths", [[3], [3, 4, 2]])
def test_every_array_save_network_writes_is_one_load_network_reads(tmp_path, activation, widths):
    # the refusal of unread arrays refuses none of save_network's; the logit computed here from the arrays the file
    # holds (read by numpy) is the truth for the network read back
    from nnpartition import DeepNet
    from nnpartition.network import save_network

    rng = np.random.default_rng(len(widths))
    dims = [2, *widths]
    layers = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(dims, dims[1:])]
    save_network(DeepNet(layers, rng.normal(size=widths[-1]), 0.5, activation=activation, slope=0.2),
                 str(tmp_path / "net.npz"))
    data = dict(np.load(tmp_path / "net.npz"))
    h = X = rng.normal(size=(7, 2))
    act = {"relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z), "tanh": np.tanh}
    for i in range(1, len(widths) + 1):
        h = act[activation](h @ data[f"W{i}"] + data[f"b{i}"])
    want = h @ data["w_out"] + data["b_out"]
    np.testing.assert_allclose(load_network(str(tmp_path / "net.npz")).decision_function(X), want, rtol=1e-12)


def test_replacing_names_the_path_when_its_part_file_cannot_be_made(tmp_path, monkeypatch):
    """A part file the system refuses for another reason than permissions (a read-only file system) is an OSError
    naming the path the caller gave, at once: the refusal was never made, and dropping it retried (this test refuses
    only once, so a retry would go on and write)."""
    import errno
    import os

    from nnpartition import _files
    from nnpartition._files import replacing

    real_open, refused = os.open, []

    def read_only_once(name, flags, *args):
        if ".part" in os.fspath(name) and not refused:
            refused.append(name)
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(name, flags, *args)

    monkeypatch.setattr(_files.os, "open", read_only_once)
    with pytest.raises(OSError, match="out.png") as info:
        with replacing(tmp_path / "out.png"):
            raise AssertionError("ran the block")
    assert info.value.errno == errno.EROFS and refused and os.listdir(tmp_path) == []


def test_a_new_file_written_through_replacing_has_the_mode_open_gives(tmp_path):
    """A new output file gets the permission bits a plain ``open(path, "w")`` gives a new file in the same folder
    (0o666 less the umask): the part file's mode was not checked (a mode with an execute bit went unseen)."""
    import os
    import stat

    from nnpartition._files import replacing

    with open(tmp_path / "plain.txt", "w") as fh:
        fh.write("x")
    with replacing(tmp_path / "new.txt") as part:
        with open(part, "w") as fh:
            fh.write("x")
    modes = [stat.S_IMODE(os.stat(tmp_path / name).st_mode) for name in ("plain.txt", "new.txt")]
    assert modes[0] == modes[1], [oct(m) for m in modes]


def test_a_npy_file_and_a_member_damaged_past_its_header_are_named_as_such(tmp_path):
    """A ``.npy`` file (one array) is named as one, not as "text or another format" (the command line's test found
    ".npy" in the file's own name either way); a member whose data, past the header checked before reading, is
    damaged (zipfile's CRC check fails as it is read) is a damaged file, not a raw BadZipFile or a missing result."""
    npy = tmp_path / "W1.npy"
    np.save(npy, W)
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {npy}: holds one array (a .npy file), not a "
                                                         "set of named arrays (.npz)")):
        load_network(str(npy))
    # W1 of 48 kB, damaged near its end: past what the header check reads (zipfile reads 4 kB at a time, and checks
    # the CRC at the member's end), so the damage shows only as the arrays are read
    path = tmp_path / "net.npz"
    data = np.arange(6000.0).reshape(2, 3000)
    np.savez(path, **dict(GOOD, W1=data))
    raw = bytearray(path.read_bytes())
    at = raw.find(data.tobytes())   # W1's data, stored uncompressed
    assert at > 0
    raw[at + data.nbytes - 8] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        np.load(path)["W1"]   # numpy's own reading
    with pytest.raises(ValueError, match="^" + re.escape(f"network file {path}: the file is damaged or truncated "
                                                         "(BadZipFile: ")):
        load_network(str(path))


def test_load_network_reads_a_slope_of_zero_and_a_column_output_layer(tmp_path):
    # the bounds of what is read: slope 0 (>= 0) and w_out of shape (width, 1); the logit computed here
    path = tmp_path / "net.npz"
    rng = np.random.default_rng(3)
    W1, b1, w, X = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(5, 2))
    np.savez(path, W1=W1, b1=b1, w_out=w[:, None], b_out=np.array(0.25), activation=np.array("leaky_relu"),
             slope=np.array(0.0))
    net = load_network(str(path))
    assert net.slope == 0.0 and net.activation == "leaky_relu"
    np.savez(path, W1=W1, b1=b1, w_out=w, b_out=np.array(0.25), activation=np.array(b"tanh"))   # bytes: dtype S4
    tanh = load_network(str(path))
    assert (tanh.activation, tanh.slope) == ("tanh", 0.01)   # the default slope when the file records none
    assert np.allclose(net.decision_function(X), np.maximum(X @ W1 + b1, 0.0) @ w + 0.25, rtol=1e-12, atol=0)


def test_save_network_writes_a_binary_file_object_and_refuses_what_is_not_a_network(tmp_path):
    from nnpartition.network import DeepNet, save_network

    net = DeepNet([(np.eye(2), np.zeros(2)), (np.ones((2, 3)), np.arange(3.0))], np.array([1.0, -1.0, 2.0]), 0.5,
                  activation="tanh")
    buf = io.BytesIO()
    save_network(net, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:   # the archive numpy.savez writes, read by zipfile
        assert sorted(zf.namelist()) == sorted(f"{k}.npy" for k in ("W1", "b1", "W2", "b2", "w_out", "b_out",
                                                                    "activation", "slope"))
    data = np.load(io.BytesIO(buf.getvalue()))
    assert data["W2"].tolist() == [[1.0] * 3] * 2 and data["b2"].tolist() == [0.0, 1.0, 2.0]
    assert float(data["b_out"]) == 0.5 and str(data["activation"]) == "tanh"
    target = tmp_path / "net.npz"
    with pytest.raises(TypeError, match="net must be a TwoLayerNet or DeepNet, got dict"):
        save_network({"W1": np.eye(2)}, str(target))   # type: ignore[arg-type]
    assert not target.exists()
