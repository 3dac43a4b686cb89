"""Checks every command shares, run by :func:`nnpartition.cli.main` before any work starts.

A command only names its options; ``main`` then refuses, with exit status 2
and one line, before the command runs:

* input files (``--weights``, ``--input``) that are missing, directories or unreadable;
* output files (``--plot``, ``--csv``, ``--out``, ``--save-weights``, ``--save-regions``, and ``--store``'s
  database) whose folder is missing (no command makes a folder: :func:`check_output_folder`) or not writable,
  that cannot be created there (a name too long, a folder such as ``/proc``; the check creates the file and
  removes it again, an existing file is left as it was), ``--plot`` files whose
  extension matplotlib cannot write, and ``--plot`` and ``--out`` (movie's GIF) without matplotlib;
* ``--workers`` below 1 or above the sweep's ``MAX_WORKERS``, ``--threads`` below 1 or above the core's
  ``MAX_THREADS``, a ``--seed`` outside ``[0, 2**64)``, and
  ``--resume`` / ``--retry-failed`` without ``--store``;
* a ``--store`` that cannot work (a directory, read-only, in a read-only or missing folder);
* a malformed ``NNPARTITION_MAX_PARAMS``, ``NNPARTITION_MAX_BYTES`` or ``NNPARTITION_MAX_WORK``, the environment
  variables through which a shell raises (or lowers) the limits of ``nnpartition.limits`` for one command
  (:func:`environment_limits`; a refusal then names the variable, :func:`cli_limit_hint`).

Commands that read layers from an ``.npz`` use :func:`nnpartition._cli.layers.load_layers`, which turns every way
such a file can be wrong into one sentence.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from .. import _core
from .._files import readable_file
from .._json import json_ready
from .._random import _SEED_LIMIT
from ..pictures import MAX_DPI, MIN_DPI
from ..plotting import PLOT_INSTALL

__all__ = ["LIMIT_VARIABLES", "NEEDS_PLOT", "THREADS_HELP", "UsageError", "check_args", "check_input_file",
           "check_output_file", "choices", "cli_limit_hint", "dumps", "environment_limits", "file_message", "integer",
           "integer_list", "progress_of", "ratios_word", "short_numbers", "widths_word", "write_error", "writing",
           "WidthsAction"]

#: What the help of an option that draws a figure (:data:`DRAWN_OPTIONS`) says it needs: one wording in every command,
#: the install command a user pastes.
NEEDS_PLOT = f"needs matplotlib: {PLOT_INSTALL}"

#: The help of ``--threads`` (``simulate``, ``train``): the core's cap (``_core.MAX_THREADS``, checked by
#: :func:`check_args`) on this machine, and the default.
THREADS_HELP = (f"worker threads, 1 to {_core.MAX_THREADS} (the larger of 64 and four a core; default: all cores, "
                "one thread each)")

#: Options that name a file the command reads.
INPUT_OPTIONS = ("weights", "input")
#: Options that name a file the command writes.
OUTPUT_OPTIONS = ("plot", "csv", "out", "output", "save_weights", "save_regions")
#: Output options whose file matplotlib draws (a figure, movie's GIF).
DRAWN_OPTIONS = ("plot", "out")
#: Formats a ``--plot`` may have when matplotlib is not installed (its Agg/PDF/SVG/PS back ends write these).
_PLOT_FORMATS = ("png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp", "pgf", "raw", "rgba")


def choices(option: str) -> List[str]:
    """The values a core option accepts (canonical names, then aliases), for ``argparse``'s ``choices=``.

    The names are defined once, in the Rust core (``_core.CHOICES`` / ``_core.ALIASES``).

    Example:
        >>> choices("dist")
        ['uniform', 'gaussian', 'gauss', 'normal']
    """
    return list(_core.CHOICES[option]) + sorted(_core.ALIASES[option])


def bound(n: int) -> str:
    """``n`` as a help text writes a bound: ``2^k`` from ``2^10`` up, ``10^k`` from ``10^4`` up, ``2^k - 1`` from
    ``2^32 - 1`` up (the largest seed), else its digits; so that a help states the range its check takes from the
    constant the check uses, not retyped.

    Example:
        >>> bound(2**20), bound(10**7), bound(300), bound(1000), bound(2**31), bound(2**64 - 1), bound(1023)
        ('2^20', '10^7', '300', '1000', '2^31', '2^64 - 1', '1023')
    """
    for base, least in ((2, 10), (10, 4)):
        k = n.bit_length() - 1 if base == 2 else len(str(n)) - 1
        if k >= least and base**k == n:
            return f"{base}^{k}"
    if n >= 2**32 - 1 and (n + 1) & n == 0:
        return f"2^{n.bit_length()} - 1"
    return str(n)


def span(lo: int, hi: int) -> str:
    """``lo to hi`` in :func:`bound`'s words: a help text's range.

    Example:
        >>> span(1, 2**20)
        '1 to 2^20'
    """
    return f"{bound(lo)} to {bound(hi)}"


#: Every ``--seed``'s range, the shared check's (:func:`nnpartition._random.resolve_seed`): "0 to 2^64 - 1".
SEED_RANGE = span(0, _SEED_LIMIT - 1)


def integer(text: str) -> int:
    """``argparse``'s type for every integer option: an integer, also written as a whole number in float notation
    (``1e3``, ``2000.0``, ``1.5e3``), read exactly (as a decimal, not through a float), as the Python API takes a
    whole float for a size. A fraction, ``nan``, ``inf`` or text is refused on one line that says to write a whole
    number; the option's own range is checked where the value is used.

    Example:
        >>> integer("1e3"), integer("2000.0"), integer("-4"), integer("1.5e3")
        (1000, 2000, -4, 1500)
        >>> integer("2.5")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: invalid integer '2.5': write a whole number (such as 1000 or 1e3)
    """
    try:
        return int(text)
    except ValueError:
        pass
    try:
        x: Optional[Decimal] = Decimal(text.strip())
    except InvalidOperation:
        x = None
    # adjusted(): the exponent of the leading digit; past Python's 4300 digits, as int() refuses them too
    if x is not None and x.is_finite() and x == x.to_integral_value() and x.adjusted() < 4300:
        return int(x)
    raise argparse.ArgumentTypeError(f"invalid integer {text!r}: write a whole number (such as 1000 or 1e3)")


def integer_list(text: str) -> List[int]:
    """Comma-separated whole numbers, each read as :func:`integer` reads one (``1e3`` too), an empty item refused
    (``"10,,20"`` and ``"10,"`` are not ``10,20`` and ``10``): the one reading of ``--widths`` (:func:`widths_word`)
    and of eas-capacity's ``-N``, whose callers say what the numbers are in their own refusal and check their own
    range.

    Example:
        >>> integer_list("8, 16,1e2")
        [8, 16, 100]
        >>> integer_list("10,,20")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: invalid integer '': write a whole number (such as 1000 or 1e3)
    """
    return [integer(item) for item in text.split(",")]   # integer refuses an empty item


def widths_word(text: str) -> List[int]:
    """``argparse``'s type for one word of ``--widths``: a width as :func:`integer` reads it, or several separated
    by commas, as the explorer's widths field takes them (``--widths 64,64`` is ``--widths 64 64``;
    :class:`WidthsAction` joins the words): :func:`integer_list`, as eas-capacity's ``-N`` reads its list, refused in
    the same form (``... must be ... whole numbers ..., got '64,'``). Unlike ``-N``'s, the range of a width is not
    checked here: it is the command's (the trainer's limit is below the estimator's), and the library refuses a
    width outside it naming ``widths``.

    Example:
        >>> widths_word("64"), widths_word("64,32,1e1")
        ([64], [64, 32, 10])
        >>> widths_word("64,")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: widths must be whole numbers separated by spaces or commas (e.g. --widths 64 32 ...
    """
    try:
        return integer_list(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"widths must be whole numbers separated by spaces or commas (e.g. --widths "
                                         f"64 32 or --widths 64,32), got {text!r}") from None


def ratios_word(text: str) -> List[float]:
    """``argparse``'s type for one word of ``--shape``: a real number, or several separated by commas, read as
    :func:`widths_word` reads widths (``--shape 1,0.5`` is ``--shape 1 0.5``; :class:`WidthsAction` joins the
    words) and refused in the same form; their range is checked where they are used
    (:func:`nnpartition.required_width`).

    Example:
        >>> ratios_word("1,0.5,2.5e-1")
        [1.0, 0.5, 0.25]
        >>> ratios_word("1,half")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: shape must be numbers separated by spaces or commas (e.g. --shape 1 0.5 or ...
    """
    try:
        return [float(item) for item in text.split(",")]   # float refuses an empty item
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape must be numbers separated by spaces or commas (e.g. --shape 1 0.5 "
                                         f"or --shape 1,0.5), got {text!r}") from None


class WidthsAction(argparse.Action):
    """``--widths``'s (and ``--shape``'s) action (``nargs="+"``, ``type=widths_word`` or ``ratios_word``): the
    items of all its words, in order, one list.

    Example:
        >>> p = argparse.ArgumentParser()
        >>> _ = p.add_argument("--widths", type=widths_word, nargs="+", action=WidthsAction)
        >>> p.parse_args(["--widths", "16,8", "4"]).widths
        [16, 8, 4]
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        setattr(namespace, self.dest, [w for word in values for w in word])


#: Longest run of digits an error line echoes exactly (2**64 - 1, the largest seed, has 20).
MAX_ECHOED_DIGITS = 20

#: A run of more digits than that, with its sign, that is not part of a word, path or decimal fraction.
_LONG_DIGITS = re.compile(r"(?<![\w./\\-])(-?)(\d{%d,})(?![\w./\\])" % (MAX_ECHOED_DIGITS + 1))


def _scientific(match: "re.Match[str]") -> str:
    sign, digits = match.group(1), match.group(2)
    mantissa, exponent = f"{Decimal(digits):.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{sign}{mantissa}e{exponent} ({len(digits)} digits)"


def short_numbers(message: str) -> str:
    """``message`` with each integer of more than :data:`MAX_ECHOED_DIGITS` digits in scientific notation (4
    significant digits and the digit count): ``-L 1e400`` is read exactly, and its one-line refusal echoed all 401
    digits. Digits inside words, paths and decimal fractions are left alone.

    Example:
        >>> short_numbers("-L must be >= 2 and <= 1048576, got 1" + "0" * 400)
        '-L must be >= 2 and <= 1048576, got 1e+400 (401 digits)'
        >>> short_numbers("got -123456789012345678901, seed 18446744073709551615")
        'got -1.235e+20 (21 digits), seed 18446744073709551615'
    """
    return _LONG_DIGITS.sub(_scientific, message)


class UsageError(ValueError):
    """A command-line mistake: ``main`` prints the message on one line and exits with status 2."""


#: The environment variable that sets each limit of :mod:`nnpartition.limits` for one command (docs/limits.md).
LIMIT_VARIABLES = {"max_params": "NNPARTITION_MAX_PARAMS", "max_bytes": "NNPARTITION_MAX_BYTES",
                   "max_work": "NNPARTITION_MAX_WORK"}
_LIMIT_UNITS = {"max_params": "parameters", "max_bytes": "bytes", "max_work": "steps"}
_LIMIT_EXAMPLES = {"max_params": "1e9", "max_bytes": "16e9", "max_work": "1e14"}


def environment_limits(environ: Optional[Mapping[str, str]] = None) -> Dict[str, int]:
    """The limits the environment variables of :data:`LIMIT_VARIABLES` ask for, as keyword arguments of
    ``nnpartition.limits.override`` (unset or empty variables left out), or a :class:`UsageError` naming the variable.

    A value is a whole number from 1 to 2^64 - 1, written with digits (underscores allowed) or in scientific
    notation (``1e14``).

    Example:
        >>> environment_limits({"NNPARTITION_MAX_WORK": "1e14", "NNPARTITION_MAX_BYTES": "17_179_869_184"})
        {'max_bytes': 17179869184, 'max_work': 100000000000000}
        >>> environment_limits({"NNPARTITION_MAX_PARAMS": "lots"})
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: NNPARTITION_MAX_PARAMS must be a whole number of parameters from 1 to
        2**64 - 1 (such as 1e9), got 'lots'
    """
    env = os.environ if environ is None else environ
    out: Dict[str, int] = {}
    for name, var in LIMIT_VARIABLES.items():
        text = str(env.get(var, "")).strip()
        if not text:
            continue
        value: Optional[int] = None
        try:
            value = int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                f = float("nan")
            if f == f and f not in (float("inf"), float("-inf")) and f == int(f):
                value = int(f)
        if value is None or not 1 <= value <= 2**64 - 1:
            raise UsageError(f"{var} must be a whole number of {_LIMIT_UNITS[name]} from 1 to 2**64 - 1 "
                             f"(such as {_LIMIT_EXAMPLES[name]}), got {text!r}")
        out[name] = value
    return out


_SET_LIMITS = re.compile(r"(?:nnpartition\.limits\.)?set_limits\((max_params|max_bytes|max_work)=\.\.\.\)"
                         r"(?: \(or pass max_work= where the function takes it\))?")


def cli_limit_hint(message: str, command: str) -> str:
    """``message`` with each pointer to ``nnpartition.limits.set_limits``, a call a shell user cannot make, replaced
    by the environment variable that does the same for a command (:data:`LIMIT_VARIABLES`).

    Example:
        >>> cli_limit_hint("x takes about 4e13 steps, above the limit of 1e13 (max_work); reduce the sizes, or "
        ...                "raise the limit with nnpartition.limits.set_limits(max_work=...)", "train")
        'x takes about 4e13 steps, above the limit of 1e13 (max_work); reduce the sizes, or raise the limit with the
        environment variable NNPARTITION_MAX_WORK (e.g. NNPARTITION_MAX_WORK=1e14 nnpartition train ...)'
    """
    def variable(m: "re.Match[str]") -> str:
        var = LIMIT_VARIABLES[m.group(1)]
        return f"the environment variable {var} (e.g. {var}={_LIMIT_EXAMPLES[m.group(1)]} nnpartition {command} ...)"

    return _SET_LIMITS.sub(variable, message)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


#: A Python argument's name opening an error message ("every must be >= 1, got 0"), with the index of one of its
#: values ("widths[1] must be >= 1, got 0"); "may" too ("widths may name at most 64 hidden layers" kept Python's name),
#: and "contains" ("box contains NaN or infinity" for movie --box nan 1).
_OPENING_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?=(?:\[\d+\])? (?:must|may|is|has|cannot|contains) )")
#: A setting the estimator's range warning opens with, led by its optimizer where the range is the optimizer's
#: ("adam lr=0.9 is outside ...", "batch_size=inf is outside ...").
_OPENING_SETTING = re.compile(r"(?:(adam|sgd) )?([A-Za-z_][A-Za-z0-9_]*)=(\S+)(?= is outside)")


#: A Python argument and its number in a message ("trials=100000000 simulated trials of N=100000 points"): a
#: price's refusal names the sizes it priced. Only at the start or after a space, and only a plain number ended by a
#: space, ",", ";", ")" or the end: a path the user typed ("runs/seed=1/w.npz") is left as it is.
_NAME_VALUE = re.compile(r"(?:^|(?<= ))([A-Za-z_][A-Za-z0-9_]*)=([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)(?=[ ,;)]|$)")
#: What a message quotes, where Python's names stay: a quoted string, or a call ("toy_dataset('xor', N=100, d=2)").
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_.]*\([^()]*\)")


def command_options(parser: Optional[argparse.ArgumentParser],
                    python_names: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """A command's options as :func:`option_names` takes them: each option's argparse ``dest`` -> how the command
    line spells it (its first long name, else its first short one), and each Python name of ``python_names`` (a
    Python name -> the option's ``dest`` where they differ: ``movie``'s ``path`` is its ``--out``) -> its option.
    ``parser`` None: none.

    Example:
        >>> p = argparse.ArgumentParser(add_help=False)
        >>> _ = p.add_argument("-o", "--out"), p.add_argument("-L", type=int), p.add_argument("--batch-size")
        >>> command_options(p, {"path": "out"})
        {'out': '--out', 'L': '-L', 'batch_size': '--batch-size', 'path': '--out'}
    """
    out: Dict[str, str] = {}
    for action in parser._actions if parser is not None else []:   # argparse's list of the command's options
        if action.option_strings:
            long = [o for o in action.option_strings if o.startswith("--")]
            out.setdefault(action.dest, (long or action.option_strings)[0])
    for name, dest in (python_names or {}).items():
        if dest in out:
            out[name] = out[dest]
    return out


def option_names(message: str, options: Mapping[str, str], everywhere: bool = True) -> str:
    """``message`` (a library function's refusal or warning) with the Python arguments it names named by the
    command's ``options`` instead (a Python name -> its option; a name not among them is left as it is):

    * the one it opens with: ``every must be >= 1`` is ``--every must be >= 1`` for ``movie``, ``widths has 5
      hidden layers, outside ...`` is ``--widths has 5 hidden layers, outside ...``;
    * the setting a range warning opens with, its optimizer after the value (it is no part of it): ``adam lr=0.9 is
      outside ...`` is ``--lr 0.9 (adam) is outside ...``;
    * where ``everywhere``, each ``name=number`` after a space, outside quotes and Python calls: ``trials=100000000
      simulated trials of N=100000 points`` is ``--trials 100000000 simulated trials of -N 100000 points`` for
      ``simulate`` (a refusal's sizes are the user's). Not for a warning, whose later numbers are the library's
      (``size``: ``the answer N=39 is outside ...`` is no ``-N`` the user gave).

    ``options`` is :func:`command_options` for a refusal (every option of the command), the options the user gave
    for a warning (``validate``'s ``N=40 is outside`` is a grid row's ``N``, no option).

    Example:
        >>> p = argparse.ArgumentParser()
        >>> _ = p.add_argument("--every"), p.add_argument("--out"), p.add_argument("-L", type=int)
        >>> o = command_options(p, {"path": "out"})
        >>> option_names("every must be >= 1, got 0", o), option_names("L must be >= 1", o)
        ('--every must be >= 1, got 0', '-L must be >= 1')
        >>> option_names("path must name a .gif file", o), option_names("N must be >= 1", o)
        ('--out must name a .gif file', 'N must be >= 1')
        >>> _ = p.add_argument("--widths", type=int, nargs="+")
        >>> o = command_options(p)
        >>> option_names("widths[1] must be >= 1, got 0", o)   # one of its values: the index kept
        '--widths[1] must be >= 1, got 0'
        >>> option_names("every=5 frames of L=3 units and N=7 points cost too much (X=1e14 ...)", o)
        '--every 5 frames of -L 3 units and N=7 points cost too much (X=1e14 ...)'
        >>> option_names("runs/every=5/a.npz is not a file; L=3 ...", o)   # a path, not a size
        'runs/every=5/a.npz is not a file; -L 3 ...'
        >>> option_names("every=5 needs toy_dataset('xor', L=3) ('L=3')", o)   # what it quotes: Python's words
        "--every 5 needs toy_dataset('xor', L=3) ('L=3')"
        >>> option_names("adam lr=0.9 is outside the range", {"lr": "--lr"}, everywhere=False)
        '--lr 0.9 (adam) is outside the range'
        >>> option_names("the answer L=5 is outside the range", {"L": "-L"}, everywhere=False)   # the library's L
        'the answer L=5 is outside the range'
    """
    m = _OPENING_NAME.match(message)
    s = _OPENING_SETTING.match(message)
    if m is not None and m.group(1) in options:
        message = options[m.group(1)] + message[m.end():]
    elif s is not None and s.group(2) in options:
        optimizer = f" ({s.group(1)})" if s.group(1) else ""
        message = f"{options[s.group(2)]} {s.group(3)}{optimizer}{message[s.end():]}"
    if not everywhere:
        return message

    def rename(v: "re.Match[str]") -> str:
        o = options.get(v.group(1))
        return f"{o} {v.group(2)}" if o else v.group(0)
    # each name=number of an option, outside what the message quotes (strings, Python calls)
    out, start = [], 0
    for q in _QUOTED.finditer(message):
        out += [_NAME_VALUE.sub(rename, message[start:q.start()]), q.group(0)]
        start = q.end()
    return "".join(out) + _NAME_VALUE.sub(rename, message[start:])


def file_message(message: str, path: str, option: str = "--weights") -> str:
    """A file-reading error of the Python API (``network file PATH: ...``, ``network file PATH (its arrays ...)
    needs ...``, ``PATH: ...``) in the option's words, the file named once.

    Example:
        >>> file_message("network file n.npz (its arrays as float64) needs about 1 GiB", "n.npz")
        '--weights n.npz (its arrays as float64) needs about 1 GiB'
        >>> file_message("n.npz: is a directory", "n.npz"), file_message("bad", "n.npz")
        ('--weights n.npz: is a directory', '--weights n.npz: bad')
    """
    for named in (f"network file {path}", f"{path}"):
        rest = message[len(named):]
        if message.startswith(named) and rest[:1] in (":", " "):
            return f"{option} {path}{rest}"
    return f"{option} {path}: {message}"


def check_input_file(path: str, option: str) -> Path:
    """``path`` as a readable regular file, or :class:`UsageError` naming ``option``.

    Example:
        >>> check_input_file("/no/such/file.npz", "--weights")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --weights /no/such/file.npz: no such file
    """
    try:
        return readable_file(path, option)
    except ValueError as e:
        raise UsageError(str(e)) from None


def check_output_file(path: str, option: str, *, formats: Optional[Sequence[str]] = None) -> Path:
    """``path`` as a file that can be written (folder exists and is writable), or :class:`UsageError`.

    ``formats`` (lower-case extensions) restricts the file type, e.g. for a figure.

    Example:
        >>> check_output_file("/no/such/folder/fig.png", "--plot")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --plot /no/such/folder/fig.png: the folder /no/such/folder does not exist; \
create it first
    """
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{option} {path}: is a directory; give a file name")
    folder = check_output_folder(path, option)
    if not os.access(folder, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"{option} {path}: cannot be written (permission denied)")
    if formats is not None:
        ext = p.suffix.lower().lstrip(".")
        if ext not in formats:
            known = f".{', .'.join(sorted(formats))}"
            if not p.suffix:   # it said "unknown figure format '(none)'"
                raise UsageError(f"{option} {path}: no file extension to tell the figure's format; end the name in "
                                 f"one of {known}")
            raise UsageError(f"{option} {path}: unknown figure format {p.suffix!r}; use one of {known}")
    _try_create(p, option)
    return p


def check_output_folder(path: str, option: str) -> Path:
    """The folder of an output ``path`` (a file the command writes, a ``--store`` included), or :class:`UsageError`
    naming ``option`` and the folder if it is missing: no command makes the folder of a file it writes (the folder
    is the user's; a typo would leave a new one behind), one policy for every output option.

    Example:
        >>> check_output_folder("/no/such/folder/grid.sqlite", "--store")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --store /no/such/folder/grid.sqlite: the folder /no/such/folder does not \
exist; create it first
    """
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():   # a file there was "the folder ... does not exist"
        raise UsageError(f"{option} {path}: {folder} is a file, not a folder" if folder.exists()
                         else f"{option} {path}: the folder {folder} does not exist; create it first")
    return folder


def _try_create(p: Path, option: str) -> None:
    """Open ``p`` for writing as the command will (a name too long, a folder such as ``/proc`` that refuses new
    files), without changing it: an existing file is opened without truncation, a new one removed again (through a
    symbolic link, the file it points to: the link stays)."""
    target = Path(os.path.realpath(p))
    existed = target.exists()
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    except OSError as exc:
        raise UsageError(f"{option} {p}: cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    if not existed:
        try:
            os.unlink(target)
        except OSError:   # pragma: no cover - created but not removable: the command overwrites it anyway
            pass


@contextlib.contextmanager
def writing(option: str, path: str) -> Iterator[None]:
    """Write a command's output file inside this block: an ``OSError`` (a full disk, a folder removed meanwhile)
    becomes a :class:`UsageError` naming ``option`` and ``path``.

    Example:
        >>> with writing("--csv", "rows.csv"):
        ...     raise OSError(28, "No space left on device")
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --csv rows.csv: cannot be written (No space left on device)
    """
    try:
        yield
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot be written ({exc.strerror or exc})") from None


def write_error(args: argparse.Namespace, exc: OSError) -> str:
    """The one-line message for an ``OSError`` met while a command ran: the option and path it concerns when the
    error names one of the command's files (a disk that filled up, a folder removed meanwhile), else the error.

    Example:
        >>> args = argparse.Namespace(csv="rows.csv")
        >>> write_error(args, OSError(28, "No space left on device", "rows.csv"))
        '--csv rows.csv: cannot be written (No space left on device)'
        >>> write_error(args, OSError(5, "Input/output error"))
        'Input/output error'
    """
    why = exc.strerror or str(exc)
    name = exc.filename
    if name is not None:
        for options, verb in ((OUTPUT_OPTIONS, "written"), (INPUT_OPTIONS, "read")):
            for opt in options:
                value = getattr(args, opt, None)
                if isinstance(value, str) and os.path.abspath(value) == os.path.abspath(os.fsdecode(name)):
                    return f"{_option(opt)} {value}: cannot be {verb} ({why})"
        return f"{os.fsdecode(name)}: {why}"
    return why


def _plot_formats() -> Sequence[str]:
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        return _PLOT_FORMATS
    return tuple(FigureCanvasBase.get_supported_filetypes())


#: The widest picture a command writes (``--dpi`` times ``--size``; the resolutions are the library's).
MAX_PIXELS = 16_384
#: The smallest ``--size`` (inches): below it matplotlib's layout gave up on the title, axis labels and ticks
#: ("Tight layout not applied" on stderr, the title cut off; 0.5 was the limit until an audit in the forty-eighth
#: pass on issue 11).
MIN_SIZE = 2.0


def check_args(args: argparse.Namespace) -> None:
    """Every shared check of a parsed command line (see the module docstring); raises :class:`UsageError`.

    Example:
        >>> check_args(argparse.Namespace(workers=0))
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --workers must be >= 1 and <= 4096, got 0
        >>> check_args(argparse.Namespace(seed=-1))
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --seed must be >= 0 and < 2**64, got -1
        >>> check_args(argparse.Namespace(resume=True, store=None))
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --resume needs --store PATH (the store to continue)
    """
    workers = getattr(args, "workers", None)
    if workers is not None:   # the sweep's own bound, here before any work (validate printed its warnings first)
        from ..sweep.executor import MAX_WORKERS

        if not 1 <= workers <= MAX_WORKERS:
            raise UsageError(f"--workers must be >= 1 and <= {MAX_WORKERS}, got {workers}")
    threads = getattr(args, "threads", None)
    if threads is not None and not 1 <= threads <= _core.MAX_THREADS:   # the core's cap, as THREADS_HELP says
        raise UsageError(f"--threads must be >= 1 and <= {_core.MAX_THREADS} (the larger of 64 and four a core: "
                         f"more threads cannot change a result), "
                         f"got {threads}")
    dpi, size = getattr(args, "dpi", None), getattr(args, "size", None)
    if dpi is not None and not MIN_DPI <= dpi <= MAX_DPI:   # the figure is rasterised: 1e5 dpi asks for terabytes
        raise UsageError(f"--dpi must be between {MIN_DPI} and {MAX_DPI}, got {dpi}")
    if isinstance(size, float) and not MIN_SIZE <= size <= 100:
        raise UsageError(f"--size must be between {MIN_SIZE:g} and 100 inches (a smaller figure has no room for its "
                         f"title, axis labels and ticks), got {size:g}")
    if dpi is not None and isinstance(size, float) and dpi * size > MAX_PIXELS:
        raise UsageError(f"--dpi {dpi} x --size {size:g} makes a {dpi * size:.0f}-pixel-wide picture, above "
                         f"{MAX_PIXELS}; lower either")
    seed = getattr(args, "seed", None)
    if seed is not None:   # before a command prints anything (demo printed its table's header first)
        from .._random import resolve_seed

        try:
            resolve_seed(seed, "--seed")
        except (TypeError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    scheduler = getattr(args, "scheduler", None)
    if scheduler is not None:   # '' ran the grid on this machine and said nothing
        from ..sweep.executor import check_scheduler_address

        try:
            check_scheduler_address(scheduler, "--scheduler")
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    store = getattr(args, "store", None)
    for flag in ("resume", "retry_failed"):
        if getattr(args, flag, False) and store is None:
            raise UsageError(f"{_option(flag)} needs --store PATH (the store to continue)")
    if store is not None:
        from ..sweep.store import StoreError, check_path

        try:
            check_path(str(store), create=True)
        except StoreError as exc:
            raise UsageError(f"--store: {exc}") from None
        # the store is a file (an SQLite database): its folder must exist, as every output file's (sweep.run in
        # Python makes it; the command line made it too, where --plot refused a missing folder)
        check_output_folder(str(store), "--store")
    for name in INPUT_OPTIONS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            check_input_file(value, _option(name))
    for name in OUTPUT_OPTIONS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            if name in DRAWN_OPTIONS:   # it was said after the work (validate --grid full: hours)
                _check_matplotlib(value, _option(name))
            check_output_file(value, _option(name), formats=_plot_formats() if name == "plot" else None)


def box_option(box: Optional[Sequence[float]]) -> Optional[Tuple[float, float]]:
    """``--box LO HI`` (the square ``[LO, HI]^2``, or cube, of ``regions``, ``plot-partition`` and ``movie``) as
    ``(LO, HI)``, or ``None`` when it was not given; refused naming ``--box`` unless both are finite, ``LO < HI``
    and half of ``HI - LO`` is not rounded to 0, as the core refuses it for a network's regions (``plot-partition``
    and ``movie`` refuse it too, where a drawing would show one region of a box no plot can resolve; the commands
    worded it three ways, two of them in Python's names: "box contains NaN", "lo[0] = 1.0"; the narrow box as the
    core's ``lo[0]=0e0``), and unless it is at least ``WINDOW_MIN_WIDTH_ULPS`` (64) roundings of its largest
    coordinate wide, as the core refuses a network's box and a picture's window (``regions`` of one layer, whose count
    is exact on any box, refuses it with them). The rules are read from the core (``_core.window_box_fault``, the
    checks of ``network_regions_in_box`` and ``region_polygons``), defined there once; only the words are here.

    Example:
        >>> box_option([-2.0, 2.0]), box_option(None)
        ((-2.0, 2.0), None)
        >>> box_option([1.0, -1.0])
        Traceback (most recent call last):
        ...
        nnpartition._cli.common.UsageError: --box LO HI must have LO < HI, got 1 -1
    """
    if box is None:
        return None
    lo, hi = (float(x) for x in box)
    # the rules are the core's (window_box_fault: which one the box breaks, in the order the core checks them); the
    # words are the option's ("lo[0]=0e0" was the core's name and float format)
    fault = _core.window_box_fault(lo, hi)
    if fault == "not finite":
        raise UsageError(f"--box LO HI must be finite numbers, got {lo:g} {hi:g}")
    if fault == "empty":
        raise UsageError(f"--box LO HI must have LO < HI, got {lo:g} {hi:g}")
    if fault == "halves to 0":
        raise UsageError(f"--box LO HI must be wider: half of HI - LO rounds to 0 (widths below {3 * 5e-324!r} can), "
                         f"got {lo!r} {hi!r}")   # shortest digits: ':g' reads subnormals to six
    if fault == "narrow":
        ulps = _core.WINDOW_MIN_WIDTH_ULPS
        raise UsageError(f"--box LO HI must be at least {ulps:g} roundings of its largest coordinate wide "
                         f"({ulps:g} * 2^-52 * max(|LO|, |HI|); no number lies strictly inside a box one rounding "
                         f"wide), got {lo!r} {hi!r}")
    if fault is not None:   # a rule of a later core that this module does not word
        raise UsageError(f"--box LO HI: the box is refused ({fault}), got {lo!r} {hi!r}")
    return lo, hi


def _check_matplotlib(path: str, option: str) -> None:
    """A :class:`UsageError` saying how to install matplotlib when it is missing and ``option`` asks for a drawing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from ..plotting import PLOT_HINT

        raise UsageError(f"{option} {path}: {PLOT_HINT}") from None


def progress_of(args: argparse.Namespace) -> Optional[bool]:
    """A command's ``progress=``: none with ``--no-progress`` or ``--json``, else the package's default (a bar on a
    terminal once the work takes a second; none into a log file or a pipe)."""
    return False if args.no_progress or args.json else None


def dumps(obj: Any) -> str:
    """What ``--json`` prints: strict JSON (RFC 8259), a non-finite number (an infinite ``k_sat`` in high ``d``, a
    ``nan`` ceiling when none was asked for) written ``null``."""
    return json.dumps(json_ready(obj), allow_nan=False)
