"""The documentation works in a clean checkout: its code runs, its commands parse and run, its links resolve.

What runs, for ``README.md`` and every ``docs/*.md``:

* ```` ```python ```` blocks. A block written as a session (``>>>`` prompts) is a
  doctest: the printed output must match (``...`` matches anything, whitespace
  is normalised). Any other python block is executed as a script. The blocks of
  one page share one namespace, in page order, like a notebook; each page runs
  in its own temporary working directory.
* ```` ```console ```` blocks. Every ``$ nnpartition ...`` line runs in-process
  and must exit with status 0.
* Every ``nnpartition ...`` command in any block (also ```` ```bash ```` and
  plain ```` ``` ```` blocks, which are not run) must parse: its subcommand and
  options exist.
* Every relative link (``[text](path#anchor)``) points to a file of the
  repository and, with an anchor, to a heading of that file; nothing refers
  to files outside the repository.

Marking a block. Put an HTML comment (invisible on GitHub) on the line
right before the opening fence:

* ``<!-- docs-test: skip (why) -->`` - not run (illustration with undefined
  names, or too slow for the test suite: say so in the reason);
* ``<!-- docs-test: skip-command NAME (why) -->`` before a console block -
  its ``nnpartition NAME ...`` lines are parsed but not run (slow commands
  that other tests cover);
* ``<!-- docs-test: setup -->`` before a hidden python block is not needed:
  put setup in a visible block instead, readers need it too.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from nnpartition.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "docs" / "data" / "README.md"])
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\b(?!-)(.*?)-->")
SKIP_COMMAND = re.compile(r"<!--\s*docs-test:\s*skip-command\s+([\w-]+)(.*?)-->")
FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)\s*$")


@dataclass
class Block:
    page: Path
    line: int       # 1-based line of the opening fence
    lang: str
    text: str
    skip: bool
    skip_commands: Tuple[str, ...] = ()


def blocks(page: Path) -> List[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    out: List[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2).lower()
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        out.append(Block(page, i + 1, lang, "\n".join(lines[i + 1:j]) + "\n", bool(SKIP.search(prev)),
                         tuple(m.group(1) for m in SKIP_COMMAND.finditer(prev))))
        i = j + 1
    return out


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# ------------------------------------------------------------------ python blocks

def _run_python(block: Block, namespace: Dict[str, object]) -> None:
    where = f"{_id(block.page)}:{block.line}"
    if block.text.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(block.text, namespace, where, str(block.page), block.line)
        out = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=out.write, clear_globs=False)
        namespace.update(test.globs)  # DocTest works on a copy; later blocks see these names
        assert runner.failures == 0, f"{where}: a doctest example failed\n{out.getvalue()}"
    else:
        code = compile(block.text, where, "exec")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, namespace)  # noqa: S102 - the documentation's own code


def _pages(pages):
    return [pytest.param(p, id=_id(p)) for p in pages]


@pytest.mark.parametrize("page", _pages([p for p in PAGES if any(b.lang == "python" for b in blocks(p))]))
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: Dict[str, object] = {"__name__": "__main__"}   # as a script runs it: `if __name__ == "__main__":` too
    ran = 0
    for block in blocks(page):
        if block.lang == "python" and not block.skip:
            _run_python(block, namespace)
            ran += 1
    if ran == 0:
        pytest.skip(f"every python block of {_id(page)} is marked skip")


# ------------------------------------------------------------------ commands

def _commands(text: str) -> List[str]:
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:].strip()
        if line.startswith("nnpartition ") or line == "nnpartition":
            out.append(line)
    return out


def _argv(command: str) -> List[str]:
    words = shlex.split(command, comments=True)
    assert words[0] == "nnpartition"
    return words[1:]


ALL_COMMANDS = [(b, c) for p in PAGES for b in blocks(p) for c in _commands(b.text)]


@pytest.mark.parametrize("block,command", ALL_COMMANDS,
                         ids=[f"{_id(b.page)}:{b.line}:{c[:40]}" for b, c in ALL_COMMANDS])
def test_every_documented_command_parses(block, command):
    parser = build_parser()
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(_argv(command))
    except SystemExit as exc:
        assert exc.code == 0, f"{_id(block.page)}:{block.line}: `{command}` does not parse: {stderr.getvalue()}"


def _sessions(text: str) -> List[Tuple[str, List[str]]]:
    """``(command, expected output lines)`` for every ``$ nnpartition ...`` line of a console block."""
    out: List[Tuple[str, List[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            out.append((line[2:].strip(), []))
        elif out and line:
            out[-1][1].append(line)
    return [(c, lines) for c, lines in out if c.startswith("nnpartition ")]


#: In expected output, ``...`` matches anything and a timing (``0.6s``, ``5us``, ``12.3 ms``) any timing.
TOKENS = re.compile(r"(?P<any>\.\.\.)|(?P<time>\d+(?:\.\d+)?\s*(?:s|ms|us)\b)|(?P<space>\s+)")


def _pattern(expected: str) -> "re.Pattern[str]":
    parts, pos = [], 0
    for m in TOKENS.finditer(expected):
        parts.append(re.escape(expected[pos:m.start()]))
        parts.append(".*" if m.group("any") else r"[0-9.]+\s*(?:s|ms|us)" if m.group("time") else r"\s+")
        pos = m.end()
    parts.append(re.escape(expected[pos:]))
    return re.compile("".join(parts))


CONSOLE = [(b, c, expected) for p in PAGES for b in blocks(p) if b.lang == "console" and not b.skip
           for c, expected in _sessions(b.text) if _argv(c)[0] not in b.skip_commands]


@pytest.mark.parametrize("block,command,expected", CONSOLE,
                         ids=[f"{_id(b.page)}:{b.line}:{c[:40]}" for b, c, _ in CONSOLE])
def test_console_commands_run_and_print_what_the_page_shows(block, command, expected, tmp_path, monkeypatch,
                                                            capsys):
    monkeypatch.chdir(tmp_path)
    status = main(_argv(command))
    out, err = capsys.readouterr()
    where = f"{_id(block.page)}:{block.line}: `{command}`"
    assert status == 0, f"{where} exited with {status}: {err}"
    got = [" ".join(line.split()) for line in out.splitlines() if line.strip()]
    for line in expected:
        assert any(_pattern(line).fullmatch(g) for g in got), f"{where} does not print {line!r}; it prints {got}"


# ------------------------------------------------------------------ links

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def _anchors(page: Path) -> set:
    out = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            out.add(_slug(line.lstrip("#")))
    return out


@pytest.mark.parametrize("page", PAGES + sorted(ROOT.glob("tests/data/*.md")), ids=_id)
def test_links_resolve_inside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    bad = []
    for m in LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not str(dest).startswith(str(ROOT)):
            bad.append(f"{target}: outside the repository")
        elif not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            bad.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not bad, f"{_id(page)}: broken links: {bad}"


OUTSIDE = re.compile(r"\.\./shared|notes/theory\.md|/work/")


@pytest.mark.parametrize("page", _pages(PAGES))
def test_no_references_outside_the_repository(page):
    hits = [f"line {i}: {line.strip()}" for i, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
            if OUTSIDE.search(line)]
    assert not hits, f"{_id(page)} refers to files outside the repository: {hits}"


#: What a user reads besides the pages: the package's docstrings (``help()``), the benchmark scripts' ``--help``, the
#: native core's doc comments and stub, the data folders' READMEs.
SOURCES = sorted([*(ROOT / "python" / "nnpartition").rglob("*.py"), ROOT / "python" / "nnpartition" / "_core.pyi",
                  *(ROOT / "benchmarks").glob("*.py"), ROOT / "docs" / "make_pictures.py",
                  *(ROOT / "rust" / "src").rglob("*.rs"), *(ROOT / "tests" / "data").glob("*.md")])
#: A file of the repository named in a source: ``docs/training.md``, ``benchmarks/bench_window.py``.
REPO_FILE = re.compile(r"(?<![\w/.])((?:docs|benchmarks|tests)/[\w/.-]*\w\.(?:md|py))\b")


def _outside_or_missing(text: str) -> List[str]:
    bad = [f"line {i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    return bad + sorted({f"{m.group(1)}: no such file" for m in REPO_FILE.finditer(text)
                         if not (ROOT / m.group(1)).exists()})


def test_sources_refer_only_to_files_of_the_repository():
    """The docstrings, ``--help`` texts and doc comments a user reads outside the pages name files of the repository
    only: three package docstrings (``help(nnpartition.teacher)``, ``.lowrank``, ``.construct``) and
    rust/src/teacher.rs sent the reader to ``notes/theory.md`` sections, ``benchmarks/family_draw.py --help`` to the
    reference files "in ``../shared/data``" (they are in ``tests/data``), and rust/src/training.rs to
    ``docs/ground_truth.md`` (the page is docs/training.md)."""
    assert len(SOURCES) >= 150, len(SOURCES)
    bad = {str(path.relative_to(ROOT)): found for path in SOURCES
           if (found := _outside_or_missing(path.read_text(encoding="utf-8")))}
    assert not bad, f"sources refer to files outside the repository or missing from it: {bad}"
    # the check can fail: each kind of reference it refuses
    assert _outside_or_missing("see notes/theory.md §12") and _outside_or_missing("in ``../shared/data``")
    assert _outside_or_missing("the protocol of `docs/ground_truth.md`:")
    assert not _outside_or_missing("the protocol of `docs/training.md`; python benchmarks/family_draw.py")


#: A work session named by its number ("session 54", "until session\n55", "the forty-eighth session"): the user docs
#: name the pass on issue 11 instead ("the fifty-fourth pass on issue 11"), or nothing where the date adds nothing.
_ORDINAL = r"(?:\d+(?:st|nd|rd|th)|(?:\w+-)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|" \
           r"eleventh|twelfth|\w+teenth|\w+tieth))"
SESSION_N = re.compile(rf"\bsessions?(?:\s|#)+\d|\b{_ORDINAL}\s+sessions?\b", re.IGNORECASE)
#: What a user reads: the pages, the package's docstrings (and comments, read with them), its stub, the benchmark
#: scripts (their ``--help`` and output) and the pictures' script; and what a contributor reads, the Rust core's doc
#: comments and comments (``cargo doc``; 59 "session N" there until the sixty-fourth pass on issue 11).
USER_TEXTS = sorted({*PAGES, *(ROOT / "python" / "nnpartition").rglob("*.py"), ROOT / "python" / "nnpartition" /
                     "_core.pyi", *(ROOT / "benchmarks").glob("*.py"), ROOT / "docs" / "make_pictures.py",
                     *(ROOT / "rust" / "src").rglob("*.rs")})


def _session_numbers(text: str) -> List[int]:
    """The 1-based lines where ``text`` names a session by number (a match across a line break counts at its start)."""
    return [text.count("\n", 0, m.start()) + 1 for m in SESSION_N.finditer(text)]


def test_user_texts_name_the_pass_on_issue_11_not_a_session():
    """README.md, docs/*.md and the sources under python/ and benchmarks/ say "the Nth pass on issue 11", never
    "session N" (a number the user cannot place): 60 such mentions had stayed after the rule was written, most in
    docs/pictures.md, docs/window.md and docs/limits.md."""
    assert len(USER_TEXTS) >= 100, len(USER_TEXTS)
    bad = [f"{path.relative_to(ROOT)}:{line}" for path in USER_TEXTS
           for line in _session_numbers(path.read_text(encoding="utf-8"))]
    assert not bad, f"name the pass on issue 11, not a session: {bad}"
    # the check can fail, also across a line break and in a comment; a session without a number is not one
    assert _session_numbers("a\nuntil Session 54 it") == [2] and _session_numbers("found (session\n55)") == [1]
    assert _session_numbers("    # (an audit in session\n    # 63)") == [1]
    assert _session_numbers("in the forty-eighth session and") == [1] == _session_numbers("the 61st sessions")
    assert not _session_numbers("an interactive session, one training per session; the forty-eighth pass on issue 11")


def test_the_checker_finds_what_it_should(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("text\n<!-- docs-test: skip (slow) -->\n```python\nx = 1\n```\n\n```console\n"
                    "$ nnpartition regions -L 2 -d 1\n2 affine\n```\n", encoding="utf-8")
    found = blocks(page)
    assert [(b.lang, b.skip, b.line) for b in found] == [("python", True, 3), ("console", False, 7)]
    page.write_text("<!-- docs-test: skip-command validate (slow) -->\n```console\n$ nnpartition validate\n```\n",
                    encoding="utf-8")
    (only,) = blocks(page)
    assert (only.skip, only.skip_commands) == (False, ("validate",))
    assert _commands(found[1].text) == ["nnpartition regions -L 2 -d 1"]
    assert os.fspath(ROOT / "README.md") in map(os.fspath, PAGES)


def test_expected_output_patterns():
    p = _pattern("training accuracy: 1.0000 +- 0.0000  (per dataset: 1.0000, 1.0000)  0.6s")
    assert p.fullmatch("training accuracy: 1.0000 +- 0.0000 (per dataset: 1.0000, 1.0000) 12.25s")
    assert not p.fullmatch("training accuracy: 0.9990 +- 0.0000 (per dataset: 1.0000, 1.0000) 0.6s")
    assert _pattern('{"mean": 0.71, ...}').fullmatch('{"mean": 0.71, "std": 0.03}')
    assert not _pattern('{"mean": 0.71, ...}').fullmatch('{"mean": 0.72, "std": 0.03}')
    assert _sessions("$ nnpartition a\none\n\n$ ls\nx\n$ nnpartition b\n") == [("nnpartition a", ["one"]),
                                                                             ("nnpartition b", [])]


def test_the_concern_map_names_files_that_exist():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines()
            if line.startswith("| ") and "`" in line and not line.startswith("| concern")]
    # columns: concern | core | binding | Python | CLI | tests | docs
    folders = [None, ROOT / "rust/src", ROOT / "rust/src/python", ROOT / "python/nnpartition",
               ROOT / "python/nnpartition/_cli", ROOT / "tests", ROOT / "docs"]
    checked, missing = 0, []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) != len(folders):
            continue
        for folder, cell in zip(folders, cells):
            if folder is None:
                continue
            for name in re.findall(r"`([\w./]+\.(?:rs|py|md)|[\w]+/)`", cell.split("(")[0]):
                checked += 1
                if not (folder / name).exists():
                    missing.append(f"{folder.relative_to(ROOT)}/{name}")
    assert checked >= 40 and not missing, f"architecture.md names missing files: {missing}"


def _outside_parentheses(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += ch == "("
        if depth == 0:
            out.append(ch)
        depth -= ch == ")" and depth > 0
    return "".join(out)


def test_the_concern_map_covers_every_python_module():
    """Every module of ``python/nnpartition`` is named in architecture.md: a top-level module in the Python column
    of its concern (outside the parentheses, which name a folder's modules) or in "Shared infrastructure", a module of
    a subpackage by the subpackage's folder (``construct/``), a command-line module in the CLI column or as
    ``_cli/<name>.py``. ``_json.py`` and ``_sweep_jobs.py`` were named nowhere."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = re.compile(r"`([\w/]+\.pyi?|\w+/)`")
    python, cli = set(), set()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and not line.startswith(("| concern", "|---")):
            python |= set(names.findall(_outside_parentheses(cells[3])))
            cli |= set(names.findall(cells[4]))
    shared = set(names.findall(text.split("Shared infrastructure.", 1)[1].split("\n## ", 1)[0]))
    package = ROOT / "python" / "nnpartition"
    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if len(rel.parts) == 1:
            if rel.name in ("__init__.py", "__main__.py"):
                continue
            ok = rel.name in python | shared
        elif rel.parts[0] == "_cli":
            ok = rel.name == "__init__.py" or rel.name in cli or f"_cli/{rel.name}" in shared
        else:
            ok = f"{rel.parts[0]}/" in python
        if not ok:
            missing.append(str(rel))
    assert len(python) >= 15 and len(cli) >= 10, (python, cli)   # the table was read
    assert not missing, f"docs/architecture.md names no concern or folder for {missing}"


def _map_cells(text: str) -> list:
    """The concern map's rows of docs/architecture.md, each as its seven cells."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and line.startswith("| ") and not line.startswith(("| concern", "|---")):
            rows.append(cells)
    return rows


def test_the_concern_map_covers_every_rust_file_and_test_file():
    """A contributor who adds ``rust/src/<c>.rs``, ``rust/src/python/<c>.rs`` or ``tests/test_<c>.py`` without a row
    (or a line in "Shared infrastructure" or the paragraph on tests) in docs/architecture.md is told so: the core in
    the core column or the shared part, the binding in the binding column, a test file in the tests column or named
    anywhere on the page."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = _map_cells(text)
    names = re.compile(r"`([\w/]+\.(?:rs|py))`")
    core = {n for cells in rows for n in names.findall(_outside_parentheses(cells[1]))}
    binding = {n for cells in rows for n in names.findall(cells[2].split("(")[0])}
    tests = {n for cells in rows for n in names.findall(cells[5])}
    shared = set(names.findall(text.split("Shared infrastructure.", 1)[1].split("\n## ", 1)[0]))
    anywhere = {Path(n).name for n in names.findall(text)}
    assert len(rows) >= 10 and len(core) >= 10 and len(binding) >= 10 and len(tests) >= 10, (rows, core, binding)
    missing = [f"rust/src/{p.name}" for p in sorted((ROOT / "rust" / "src").glob("*.rs"))
               if p.name not in core | shared]
    missing += [f"rust/src/python/{p.name}" for p in sorted((ROOT / "rust" / "src" / "python").glob("*.rs"))
                if p.name not in binding]
    missing += [f"tests/{p.name}" for p in sorted((ROOT / "tests").glob("test_*.py")) if p.name not in anywhere]
    assert not missing, f"docs/architecture.md names no concern (or shared role) for {missing}"


def test_every_rust_file_is_compiled_and_every_binding_registered():
    """rustc compiles only the files a ``mod`` line names: a new ``rust/src/<c>.rs`` without ``pub mod <c>;`` in
    lib.rs, or ``rust/src/python/<c>.rs`` without ``mod <c>;`` and ``<c>::register(m)?;`` in python/mod.rs, is
    silently left out, its tests and functions with it."""
    src = ROOT / "rust" / "src"
    lib = (src / "lib.rs").read_text(encoding="utf-8")
    binding = (src / "python" / "mod.rs").read_text(encoding="utf-8")
    core_mods = set(re.findall(r"^(?:pub )?mod (\w+);", lib, re.MULTILINE))
    core_mods |= {m for p in src.glob("*.rs") for m in re.findall(r'#\[path = "(\w+)\.rs"\]', p.read_text("utf-8"))}
    binding_mods = set(re.findall(r"^mod (\w+);", binding, re.MULTILINE))
    registered = set(re.findall(r"^\s*(\w+)::register\(m\)\?;", binding, re.MULTILINE))
    files = {p.stem for p in src.glob("*.rs")} - {"lib"}
    binding_files = {p.stem for p in (src / "python").glob("*.rs")} - {"mod"}
    assert len(files) >= 10 and len(binding_files) >= 10, (files, binding_files)
    assert files <= core_mods, f"rust/src files lib.rs does not declare: {sorted(files - core_mods)}"
    assert binding_files <= binding_mods, f"python/mod.rs does not declare: {binding_files - binding_mods}"
    assert binding_files <= registered, f"python/mod.rs does not register: {binding_files - registered}"


def test_quoted_test_names_exist():
    """A page that names a test (``tests/test_docs.py::test_...``, as architecture.md's checklist does) names one that
    exists, so that a renamed test does not leave the checklist pointing nowhere."""
    quoted = {m for page in PAGES for m in re.findall(r"(tests/test_\w+\.py)::(test_\w+)", page.read_text("utf-8"))}
    assert len(quoted) >= 5, quoted
    missing = [f"{f}::{t}" for f, t in sorted(quoted)
               if not (ROOT / f).exists() or f"def {t}(" not in (ROOT / f).read_text(encoding="utf-8")]
    assert not missing, f"the docs name tests that do not exist: {missing}"


def test_every_concern_page_links_its_row_of_the_concern_map():
    """From a concern's page, a contributor reaches its files in one step: ``docs/<c>.md`` links the concern map."""
    rows = _map_cells((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert len(rows) >= 10, rows
    unlinked = [cells[0] for cells in rows
                if "](architecture.md#the-concern-map)" not in (ROOT / "docs" / f"{cells[0]}.md").read_text("utf-8")]
    assert not unlinked, f"concern pages that do not link architecture.md#the-concern-map: {unlinked}"


def test_the_readme_links_every_docs_page():
    """The README's Documentation table is where a reader looks for a page: a new ``docs/<c>.md`` must be linked
    there (and every concern's page from the concern map, which the test above reads)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    linked = set(re.findall(r"\]\((docs/[\w/]+\.md)\)", table))
    pages = {str(p.relative_to(ROOT)) for p in PAGES if p.parent != ROOT}
    assert len(linked) >= 10, linked
    assert not pages - linked, f"README.md's Documentation table does not link {sorted(pages - linked)}"
    mapped = {d for cells in _map_cells((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
              for d in re.findall(r"\]\(([\w]+\.md)\)", cells[6])}
    unlinked = {f"{cells[0]}.md" for cells in _map_cells((ROOT / "docs" / "architecture.md").read_text())} - mapped
    assert not unlinked, f"concern map rows whose docs cell does not link their page: {unlinked}"


def test_the_readme_development_commands_are_what_ci_runs():
    """The README's Development block is the contributor's copy of ``.ci/run``: each check it lists (mypy, stubtest,
    ruff, cargo fmt/clippy/test, the pinned maturin and ruff) is the command CI runs, so the two cannot drift."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Development\n", 1)[1].split("\n## ", 1)[0]
    block = next(b for b in blocks(ROOT / "README.md") if b.lang == "bash" and b.text in section)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace('"$root/', '"').replace('"stubtest', "stubtest")
    ci = ci.replace('allowlist.txt"', "allowlist.txt")
    checked, missing = 0, []
    for line in block.text.splitlines():
        for command in (c.strip() for c in line.split("#")[0].split("&&")):
            if command.startswith("pip install "):
                wanted = shlex.split(command)[2:]   # the pinned requirement, as CI pins it
                wanted = [f'"{w}"' for w in wanted]
            elif command.startswith("cargo test "):
                wanted = [command.rsplit(" ", 1)[0]]   # less the one concern's filter
            elif command.startswith(("cargo ", "python -m mypy", "ruff ")):
                wanted = [command]
            else:
                continue
            checked += 1
            missing += [w for w in wanted if w not in ci]
    assert checked >= 7 and not missing, f"README.md's Development commands that .ci/run does not run: {missing}"


SCRIPT = re.compile(r"python3? ((?:benchmarks|docs|examples|tests)/[\w./-]+\.py)")


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_documented_scripts_exist(page):
    text = page.read_text(encoding="utf-8")
    missing = sorted({m.group(1) for m in SCRIPT.finditer(text) if not (ROOT / m.group(1)).exists()})
    assert not missing, f"{_id(page)} runs scripts that are not in the repository: {missing}"


def test_every_benchmark_script_prints_its_help_and_runs_nothing():
    """``python benchmarks/X.py --help`` prints the script's usage (its docstring) and exits 0 without running:
    bench_limits.py read ``--help`` as an expression to evaluate, and seven scripts ignored it and started their
    full runs (minutes); docs/make_pictures.py rewrote docs/img. Each call imports numpy and the package only,
    about a second; they run four at a time.

    "Runs nothing" without a clock: every limit of the package is 1 (in the script's process, through
    ``limits.set_limits``, which is what the scripts use, and for any ``nnpartition`` command it starts, through
    the ``NNPARTITION_MAX_*`` variables), so any work of the package before the arguments are read (a network, a
    dataset, a count, an array of estimates ...) is refused and fails the exit status."""
    import ast
    import os
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    # (a module whose name starts with "_" is a part the scripts share, not a script)
    scripts = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))
    scripts.append(ROOT / "docs" / "make_pictures.py")
    assert len(scripts) >= 30
    # the script run as `python script --help` runs it (its folder first on sys.path), after the limits are set
    run_helped = ("import os, runpy, sys\n"
                  "from nnpartition import limits\n"
                  "limits.set_limits(max_params=1, max_bytes=1, max_work=1)\n"
                  "script = sys.argv[1]\n"
                  "sys.argv = [script, '--help']\n"
                  "sys.path[0] = os.path.dirname(script)\n"
                  "runpy.run_path(script, run_name='__main__')\n")
    env = {**os.environ, "NNPARTITION_MAX_PARAMS": "1", "NNPARTITION_MAX_BYTES": "1", "NNPARTITION_MAX_WORK": "1"}

    def helped(script: Path):
        try:
            r = subprocess.run([sys.executable, "-c", run_helped, str(script)], capture_output=True, text=True,
                               timeout=60, cwd=ROOT, env=env)
        except subprocess.TimeoutExpired:   # a hang guard: a script that ignores --help and runs, without the package
            return script, None, "", "timed out after 60 s"
        return script, r.returncode, r.stdout, r.stderr

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(helped, scripts))
    for script, code, out, err in results:
        name = script.name
        assert code == 0, f"{name} --help: exit status {code} (work before reading its arguments?): {err[-500:]}"
        assert out.startswith(f"usage: {name}"), f"{name} --help printed {out[:200]!r}"
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
        assert doc and doc.splitlines()[0] in out, f"{name} --help does not print its docstring"


def test_the_concern_map_lists_every_command_where_it_lives():
    import argparse
    import importlib

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and not line.startswith("| concern"):
            for module, names in re.findall(r"`(\w+)\.py` \(([^)]*)\)", cells[4]):
                documented.setdefault(module, set()).update(re.findall(r"`([\w-]+)`", names))
    registered = {}
    from nnpartition.cli import COMMAND_MODULES

    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"nnpartition._cli.{module}").register(sub)
        registered[module] = set(sub.choices)
    assert documented == registered


def test_sizing_speed_claims_state_the_measured_figure():
    """Every claim about how fast ``required_width`` and ``max_samples`` answer states a figure in ms that
    ``python benchmarks/bench_estimate.py --sizing`` measures (they said "microseconds"; an audit measured
    0.16-0.36 ms): the README, docs/estimate.md (which said "well under a millisecond" until session 49: up to
    0.96 ms measured), the two docstrings and ``nnpartition size --help``."""
    import subprocess
    import sys

    from nnpartition import max_samples, required_width
    from nnpartition.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    claims = {
        # the estimator's own "in microseconds" (a scalar call: 5-10 us) stays; the sizing clause follows it
        "README.md": next(p for p in (ROOT / "README.md").read_text(encoding="utf-8").split("\n- ")
                          if "sizes networks" in p).split("sizes networks", 1)[1],
        "docs/estimate.md": (ROOT / "docs" / "estimate.md").read_text(encoding="utf-8").split("## Sizing", 1)[1]
                            .split("\n## ", 1)[0],
        "required_width": required_width.__doc__ or "",
        "max_samples": max_samples.__doc__ or "",
        "size --help": " ".join(sub.choices["size"].format_help().split()),
    }
    for where, text in claims.items():
        flat = " ".join(text.split())
        assert "microsecond" not in flat.lower() and "under a millisecond" not in flat, where
        assert re.search(r"\d\.\d+-\d(\.\d+)? ms", flat), f"{where} states no figure in ms"
        assert "bench_estimate.py --sizing" in flat, f"{where} does not name the measurement"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_estimate.py"), "--help"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0 and "--sizing" in r.stdout


def test_protocol_grid_time_claims_state_the_measured_range():
    """Every claim about how long ``validate --grid protocols`` (``--protocol-grid``) takes states a range in seconds
    and names ``benchmarks/bench_validate.py``, which measures it (the help and docs/theory.md said "about 2 seconds",
    measured by nothing: 2.4-4.2 s over 9 runs on 2 shared cores, load 0.5-2.4): both options' help, docs/theory.md
    (its command-line paragraph and its list of commands) and docs/estimate.md. The script's own --help runs."""
    import subprocess
    import sys

    from nnpartition.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = {a.option_strings[0]: " ".join((a.help or "").split()) for a in sub.choices["validate"]._actions
             if a.option_strings}
    theory = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")
    estimate = (ROOT / "docs" / "estimate.md").read_text(encoding="utf-8")
    claims = {
        "validate --grid": helps["--grid"].split("or protocols", 1)[1],
        "validate --protocol-grid": helps["--protocol-grid"],
        "theory.md, command line": theory.split("`nnpartition validate --protocol-grid` (", 1)[1].split(") or", 1)[0],
        # (its line, and the next, which runs the measurement)
        "theory.md, commands": theory.split("\nnnpartition validate --protocol-grid ", 1)[1].split("\n", 2)[:2],
        "estimate.md": estimate.split("`nnpartition validate --protocol-grid`", 1)[1].split(".\n", 1)[0],
    }
    for where, text in claims.items():
        flat = " ".join(" ".join(text).split() if isinstance(text, list) else text.split())
        assert "about 2 seconds" not in flat and "~2 s" not in flat and "few seconds" not in flat, where
        assert re.search(r"\d\.\d-\d\.\d s\b", flat), f"{where} states no range in s: {flat}"
        assert "bench_validate.py" in flat, f"{where} does not name the measurement: {flat}"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_validate.py"), "--help"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0 and "--grid" in r.stdout and "--runs" in r.stdout, r.stderr


def test_the_readme_names_every_extra():
    """Every extra of ``pyproject.toml`` (``[project.optional-dependencies]``) is named in the README as
    ``nnpartition[name]``: ``bench`` (scikit-learn and scipy for the benchmarks) was not."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    extras = re.findall(r"^([\w-]+)\s*=", section, re.MULTILINE)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(extras) >= 4, extras
    assert not [e for e in extras if f"nnpartition[{e}]" not in readme], (extras, "named in the README's Extras line")


#: A signature quoted in prose: `` `name(params, *, params)` `` (the ``*`` tells it from a call), possibly ending in
#: ``, ...`` (the parameters after those are not quoted).
SIGNATURE = re.compile(r"`([A-Za-z_]\w*)\(([^`()]*(?:\([^`()]*\)[^`()]*)*, \*, [^`]*?)\)`")


def test_quoted_signatures_match_the_code():
    """Every signature a page quotes (``real_accuracy(d, N, L=None, *, ...)``) has the parameters of the function of
    that name in ``nnpartition``, in order, of the same kind, with the same defaults; one that ends in ``...`` is a
    prefix. training.md quoted ``train(X, y, L, *, ...)`` and ``real_accuracy(d, N, L, *, ...)``, where ``L`` is
    optional (``widths=`` instead)."""
    import ast
    import inspect

    import nnpartition

    quoted = [(page, m.group(1), " ".join(m.group(2).split())) for page in PAGES
              for m in SIGNATURE.finditer(page.read_text(encoding="utf-8"))]
    assert len(quoted) >= 4, quoted
    wrong = []
    for page, name, params in quoted:
        partial = params.endswith(", ...")
        args = ast.parse(f"def f({params[:-5] if partial else params}): pass").body[0].args
        positional, keyword = args.posonlyargs + args.args, args.kwonlyargs
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults) + list(args.kw_defaults)
        doc = [(a.arg, kind, "(required)" if d is None else ast.literal_eval(d))
               for (a, kind), d in zip([(a, "positional") for a in positional] + [(a, "keyword") for a in keyword],
                                       defaults)]
        code = [(p.name, "keyword" if p.kind is p.KEYWORD_ONLY else "positional",
                 "(required)" if p.default is p.empty else p.default)
                for p in inspect.signature(getattr(nnpartition, name)).parameters.values()]
        if (code[:len(doc)] if partial else code) != doc:
            wrong.append(f"{_id(page)}: `{name}({params})`: the code has {code}")
    assert not wrong, "\n".join(wrong)


def _run_cli(argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def test_outputs_quoted_in_prose_are_what_the_commands_print():
    """Outputs a page quotes in its prose rather than in a console block, from commands that answer in under a
    second (an audit ran them by hand: nothing checked them). construct.md's figure: the live knots of
    ``explain-1d -L 12 -N 300 --steps 3000 --seed 0`` and the sign changes it uses; limits.md: the refusal of
    ``nnpartition train -d 50 -N 20000 -L 512``, word for word."""
    construct = " ".join((ROOT / "docs" / "construct.md").read_text(encoding="utf-8").split())
    status, out, _ = _run_cli(["explain-1d", "-L", "12", "-N", "300", "--steps", "3000", "--seed", "0"])
    assert status == 0
    knots = re.search(r"the live knots are at (.*?), so it has (\d+) linear pieces", construct)
    assert knots, "construct.md no longer quotes the figure's live knots"
    assert f"live knots: {knots.group(1)}" in out, out
    assert f"{knots.group(2)} linear pieces" in out, out
    used = re.search(r"uses \*\*(\d+) sign changes of the (\d+)\*\*", construct)
    assert used and f"sign changes used: {used.group(1)} of at most {used.group(2)}" in out, out

    limits = " ".join((ROOT / "docs" / "limits.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"`nnpartition train -d 50 -N 20000 -L 512` is refused with \"(.*?)\", and runs as", limits)
    assert quoted, "limits.md no longer quotes the refusal"
    status, _, err = _run_cli(["train", "-d", "50", "-N", "20000", "-L", "512"])
    assert status == 2
    assert quoted.group(1) in " ".join(err.split()), err


def test_the_data_index_names_every_measurement_file_and_only_files_that_exist():
    """docs/data/README.md says what each file of docs/data holds, its role (calibration, held out, decision,
    fresh) and the command that measured it: a file added without a line there, or a line left for a file that was
    removed or renamed, fails here."""
    data = ROOT / "docs" / "data"
    named = set(re.findall(r"`([\w.-]+\.(?:csv|sqlite|json))`", (data / "README.md").read_text(encoding="utf-8")))
    files = {p.name for p in data.iterdir() if p.name != "README.md"}
    assert not files - named, f"docs/data/README.md does not name {sorted(files - named)}"
    assert not named - files, f"docs/data/README.md names files that are not in docs/data: {sorted(named - files)}"


def _pyproject_list(key):
    """The strings of a one-level list ``key = [...]`` of ``pyproject.toml`` (read as text: no tomllib on 3.9-3.10)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    body = re.search(rf"^{re.escape(key)} = \[(.*?)\]", pyproject, re.MULTILINE | re.DOTALL)
    assert body, f"pyproject.toml has no {key} list"
    return re.findall(r'"([^"]*)"', body.group(1))


def test_the_license_file_ships():
    """``pyproject.toml`` declares the MIT license and a ``license-files`` list, and each file it names is in the
    repository (maturin puts them in the sdist and the wheel's ``.dist-info/licenses``). There was no LICENSE at all:
    the wheel and the sdist declared "MIT" but shipped no license text, which the MIT license itself requires."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.MULTILINE), "an SPDX license expression (PEP 639)"
    files = _pyproject_list("license-files")
    assert files, "license-files names no file"
    for name in files:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text, name
    assert not re.search(r"License :: ", pyproject), "license classifiers are deprecated beside a license expression"


def test_one_oldest_python_everywhere():
    """The oldest Python is one number everywhere it is stated: ``requires-python``, the abi3 floor of the native
    module (PyO3's ``abi3-py3X``), ruff's target, the version classifiers (from the oldest up, no gaps) and the
    README's install line. The classifiers named no Python version at all."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    oldest = re.search(r'^requires-python = ">=3\.(\d+)"$', pyproject, re.MULTILINE)
    assert oldest, "requires-python is not of the form >=3.X"
    minor = int(oldest.group(1))
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    assert re.findall(r'"abi3-py3(\d+)"', cargo) == [str(minor)], "Cargo.toml's pyo3 abi3 feature"
    assert f'target-version = "py3{minor}"' in pyproject, "ruff's target-version"
    versions = [int(c.rsplit(".", 1)[1]) for c in _pyproject_list("classifiers")
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions and versions == list(range(minor, minor + len(versions))), versions
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python >= 3.{minor}" in readme


def test_the_readme_states_the_oldest_rust_the_build_takes():
    """``pip install .`` builds the core with the machine's Rust, and Cargo.toml's ``rust-version`` refuses an older
    one; the README's install line said "a Rust toolchain" (a distribution's packaged rustc can be years older)."""
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    oldest = re.search(r'^rust-version = "(\d+\.\d+)"$', cargo, re.MULTILINE)
    assert oldest, "Cargo.toml states no rust-version"
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"a Rust toolchain, {oldest.group(1)} or newer" in readme


def test_the_package_parses_as_the_oldest_python():
    """Every module of the package (and the native module's stub) parses with the grammar of the oldest Python it
    supports (``ast.parse(feature_version=...)``: ``match``, ``except*``, ``type`` statements and the like are
    refused). What a parser cannot see, such as ``X | Y`` evaluated at run time or a function new in 3.10, is not
    checked here: only running on the oldest Python finds it."""
    import ast

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    minor = int(re.search(r'^requires-python = ">=3\.(\d+)"$', pyproject, re.MULTILINE).group(1))
    files = sorted((ROOT / "python" / "nnpartition").rglob("*.py")) + [ROOT / "python" / "nnpartition" / "_core.pyi"]
    assert len(files) >= 80, len(files)
    refused = []
    for path in files:
        try:
            ast.parse(path.read_text(encoding="utf-8"), str(path), feature_version=(3, minor))
        except SyntaxError as exc:
            refused.append(f"{path.relative_to(ROOT)}:{exc.lineno}: {exc.msg}")
    assert not refused, refused
    # the check can refuse: a match statement is not Python 3.9
    with pytest.raises(SyntaxError):
        ast.parse("match x:\n    case 1:\n        pass\n", feature_version=(3, 9))
