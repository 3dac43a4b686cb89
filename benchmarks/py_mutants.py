"""Mutation testing of the package's Python modules, one mutant at a time (no third-party tool).

Usage (from the repository's root, with the package's venv active)::

    python benchmarks/py_mutants.py python/nnpartition/_validate.py --list
    python benchmarks/py_mutants.py python/nnpartition/_validate.py \
        --tests tests/test_bad_input.py "tests/test_docstrings.py::test_docstring_examples[nnpartition._validate]" \
        --out /tmp/validate.jsonl

The module is parsed with :mod:`ast`; every site of the operators below is one mutant. For each, a copy of
``python/`` (made once, in a temporary folder, with the compiled core) gets the module rewritten with that one
change (``ast.unparse``: comments are dropped, so a baseline run of the unmutated, unparsed module comes first and
must pass), and ``pytest -x`` runs the given tests on it (``PYTHONPATH`` pointing at the copy) under a timeout.
A mutant is *killed* when the tests fail, *timeout* when they run past the timeout (a kill too: no run finishes on
it), *survived* when they pass; every survivor is for a person to judge: equivalent (no input tells it apart), or a
gap in the tests. pytest runs in a session of its own, killed whole at the timeout (with the servers and scripts the
tests started).

Whole test files are slow for the command-line modules (``tests/test_cli.py`` takes 100-140 s on the 2 shared cores, and
so does each survivor). ``--by-line`` runs each mutant only on the tests that execute its lines: one pytest run of
``--tests`` on the original module, with the plugin ``benchmarks/_py_mutants_linemap.py``, records per test the module's
lines it executes, in its own process and in the console scripts and ``python -m nnpartition`` it runs; the map is kept
beside ``--out`` (``OUT.linemap.json``) and reused while the module, ``--tests``, ``-k`` and the test files are the
same. A mutant's tests run quickest first. A mutant at import (module and class statements, defaults, decorators) runs
every test of ``--tests``: a test that reads a module constant executes none of its lines (the module was imported while
the tests were collected). ``--also`` names tests run on every mutant as well: those whose subprocesses the map cannot
see (killed by a signal, started with ``python -I`` or an environment of their own). Nor does the map see code that the
compiled core calls back from a thread of its own: ``train(callback=...)`` calls its callback on a thread the Rust
trainer started (``threading.current_thread()`` is a ``Dummy``), which ``threading.settrace`` never reaches, so every
line of explore's ``Run._callback`` (and, by the same call, of ``pictures.movie``'s and ``_cli/pictures.py``'s progress
callbacks; not checked one by one) was mapped to no test (the fifty-third pass on issue 11: all 31 mutants of
explore's ``Run._callback`` ran on ``--also`` alone, 28 of them "not covered"); run such functions without ``--by-line``
(``--functions _callback``). A mutant no test executes is *not covered* (not run; or run on ``--also`` alone, and
survived). The baseline runs the union of the chosen mutants' tests. Name every test file that drives the module (grep
the tests for its commands and names): a survivor of ``tests/test_cli.py`` alone may die in another file (on
``_cli/estimate.py``, two survivors and two mutants not covered, of 16 rerun, did in ``tests/test_validation.py``). The
command-line audit, e.g. of ``_cli/estimate.py``::

    python benchmarks/py_mutants.py python/nnpartition/_cli/estimate.py --by-line --workers 2 --out /tmp/est.jsonl \
        --tests tests/test_cli.py tests/test_validation.py tests/test_repr.py tests/test_fuzz.py \
        tests/test_estimate.py::test_cli_estimate_json \
        "tests/test_docstrings.py::test_docstring_examples[nnpartition._cli.estimate]"

``--out`` is resumable: a mutant already in it is not run again (delete its line to rerun it); an ``--out`` of another
version of the module (a record whose index now names another mutant) is refused. ``--workers N`` runs N mutants at
once, each on its own copy of ``python/``.

Operators: a comparison's operator (``<`` to ``<=`` and ``>=``, ``==`` to ``!=``, ``in`` to ``not in``, ``is`` to
``is not``, and back); ``and`` and ``or`` swapped; a ``not`` dropped; an integer constant plus one; ``True`` and
``False`` swapped; ``+``/``-`` and ``*``/``/`` swapped; a ``raise`` replaced by ``pass``; a ``return x`` by
``return None``; a call made as a statement (a check such as ``_check_bytes(...)``) replaced by ``pass``.
Docstrings, annotations, f-strings (messages) and lines marked ``pragma: no cover`` are not mutated.

Each result is one JSON line: ``{"id", "line", "what", "function", "outcome", "seconds"}``, with ``"by"`` (the first
failing test's summary line) when killed, and with ``--by-line`` ``"tests"`` (how many ran) and ``"mapped"`` (how many
of them the map chose); the summary counts them.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent

_CMP = {ast.Lt: [ast.LtE, ast.GtE], ast.LtE: [ast.Lt, ast.Gt], ast.Gt: [ast.GtE, ast.LtE],
        ast.GtE: [ast.Gt, ast.Lt], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.In: [ast.NotIn],
        ast.NotIn: [ast.In], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is]}
_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult}
_SYM = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
        ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
        ast.Div: "/", ast.FloorDiv: "//"}


def _skipped(tree: ast.AST, lines: List[str]) -> set:
    """Ids of nodes never mutated: docstrings, annotations, f-strings and ``pragma: no cover`` lines, with all
    that is inside them."""
    out: set = set()

    def drop(node: Optional[ast.AST]) -> None:
        if node is not None:
            out.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            drop(node.body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            drop(node.returns)
        if isinstance(node, ast.arg):
            drop(node.annotation)
        if isinstance(node, ast.AnnAssign):
            drop(node.annotation)
        if isinstance(node, ast.JoinedStr):
            drop(node)
        if isinstance(node, ast.stmt) and "pragma: no cover" in lines[node.lineno - 1]:
            drop(node)
    return out


def _functions(tree: ast.AST) -> dict:
    """Each node's innermost enclosing function (``Class.method``), by id."""
    where: dict = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = name
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{name}.{child.name}" if name else child.name
            where[id(child)] = inner
            visit(child, inner)

    visit(tree, "")
    return where


def sites(tree: ast.AST, lines: List[str]) -> Iterator[Tuple[ast.AST, int, str]]:
    """Every ``(node, variant, description)`` mutation site of ``tree``, in a fixed order."""
    skip = _skipped(tree, lines)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                for j, new in enumerate(_CMP.get(type(op), [])):
                    yield node, i * 4 + j, f"{_SYM[type(op)]} -> {_SYM[new]}"
        elif isinstance(node, ast.BoolOp):
            yield node, 0, "and -> or" if isinstance(node.op, ast.And) else "or -> and"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, 0, "drop not"
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, 0, f"{node.value} -> {node.value + 1}"
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, 0, f"{node.value} -> {not node.value}"
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            yield node, 0, f"{_SYM[type(node.op)]} -> {_SYM[_BIN[type(node.op)]]}"
        elif isinstance(node, ast.Raise):
            yield node, 0, "raise -> pass"
        elif isinstance(node, ast.Return) and node.value is not None \
                and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield node, 0, "return x -> return None"
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield node, 0, "call statement -> pass"


class _Apply(ast.NodeTransformer):
    def __init__(self, target: ast.AST, variant: int) -> None:
        self.target, self.variant = target, variant

    def generic_visit(self, node: ast.AST) -> ast.AST:
        return super().generic_visit(node)

    def visit(self, node: ast.AST):  # type: ignore[no-untyped-def]
        if node is not self.target:
            return self.generic_visit(node)
        if isinstance(node, ast.Compare):
            i, j = divmod(self.variant, 4)
            node.ops[i] = _CMP[type(node.ops[i])][j]()
        elif isinstance(node, ast.BoolOp):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        elif isinstance(node, ast.UnaryOp):
            return node.operand
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            node.value += 1
        elif isinstance(node, ast.Constant):
            node.value = not node.value
        elif isinstance(node, ast.BinOp):
            node.op = _BIN[type(node.op)]()
        elif isinstance(node, (ast.Raise, ast.Expr)):
            return ast.copy_location(ast.Pass(), node)
        elif isinstance(node, ast.Return):
            node.value = ast.Constant(None)
        return node


def mutants(source: str) -> List[Tuple[int, str, str]]:
    """``(line, description, function)`` of every mutant of ``source``, by index."""
    tree = ast.parse(source)
    where = _functions(tree)
    return [(n.lineno, what, where.get(id(n), "")) for n, _, what in sites(tree, source.splitlines())]


def mutated(source: str, index: int) -> str:
    """``source`` with mutant ``index`` applied, unparsed (-1: none)."""
    tree = ast.parse(source)
    if index >= 0:
        node, variant, _ = list(sites(tree, source.splitlines()))[index]
        tree = _Apply(node, variant).visit(tree)
        ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


def spans(source: str) -> List[Tuple[int, int, bool]]:
    """``(first line, last line, at import)`` of every mutant of ``source``, by index: the lines its node spans,
    and whether it runs when the module is imported (outside every function's and lambda's body: module and class
    statements, defaults, decorators) rather than when a function is called."""
    tree = ast.parse(source)
    called: set = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for stmt in node.body:
                called.update(id(n) for n in ast.walk(stmt))
        elif isinstance(node, ast.Lambda):
            called.update(id(n) for n in ast.walk(node.body))
    return [(n.lineno, getattr(n, "end_lineno", None) or n.lineno, id(n) not in called)
            for n, _, _ in sites(tree, source.splitlines())]


_LIVE: set = set()   # the pytest sessions running, killed whole if this script is interrupted
_STOP = threading.Event()   # set when interrupted: what runs then records nothing (its pytest was killed)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _pytest(python_dir: Path, args: List[str], timeout: float, env: Optional[dict] = None,
            path_before: Tuple[str, ...] = ()) -> Tuple[Optional[int], str, float]:
    """pytest's exit code (None: timed out), its output and the seconds, on the package at ``python_dir``. pytest
    runs in a session of its own, killed whole at the timeout (servers and scripts the tests started with it)."""
    shutil.rmtree(python_dir / "nnpartition" / "__pycache__", ignore_errors=True)
    env = dict(os.environ, **(env or {}), PYTHONPATH=os.pathsep.join([*path_before, str(python_dir)]),
               PYTHONDONTWRITEBYTECODE="1")
    cmd = ["nice", "-n", "10", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           *args]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", start_new_session=True)
    _LIVE.add(proc)
    if _STOP.is_set():   # (started as it was interrupted)
        _kill(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, _ = proc.communicate()
        return None, out, time.monotonic() - start
    finally:
        _LIVE.discard(proc)
    return proc.returncode, out, time.monotonic() - start


def run_tests(python_dir: Path, tests: List[str], k: Optional[str], timeout: float) -> Tuple[str, float, str]:
    """``killed``, ``survived`` or ``timeout`` of the tests (``pytest -x``) on the package at ``python_dir``, the
    seconds, and the first failing test's summary line (empty if none)."""
    code, out, secs = _pytest(python_dir, ["-x", *tests] + (["-k", k] if k else []), timeout)
    if code is None:
        return "timeout", secs, ""
    outcome = "survived" if code == 0 else "killed"
    if code not in (0, 1):   # collection error, internal error, no tests: killed, but say so
        outcome = f"killed (pytest exit {code})"
    failed = [line for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return outcome, secs, failed[0][:200] if failed else ""


def line_map(copy_dir: Path, rel: Path, source: str, tests: List[str], k: Optional[str], path: Path,
             timeout: float) -> dict:
    """``{"lines": {test node id: [lines of the module it executes]}, "seconds": {test node id: seconds}}``: read
    from ``path`` if that was made for this module's source, these tests and the test files' contents as they are,
    else made by one pytest run (with ``_py_mutants_linemap``) of the original module (whose line numbers the mutants
    carry) and written there."""
    files = sorted({f for t in tests for f in ([ROOT / t.split("::")[0]] if (ROOT / t.split("::")[0]).is_file()
                                                else (ROOT / t.split("::")[0]).rglob("*.py"))})
    tested = hashlib.sha256(b"".join(str(f).encode() + f.read_bytes() for f in files)).hexdigest()
    key = {"module": str(rel), "sha256": hashlib.sha256(source.encode()).hexdigest(), "tests": tests, "k": k,
           "tests_sha256": tested}
    if path.exists():
        stored = json.loads(path.read_text())
        if {name: stored.get(name) for name in key} == key:
            print(f"line map: {path} ({len(stored['lines'])} tests)", flush=True)
            return stored
    target = copy_dir / rel
    target.write_text(source)
    with tempfile.TemporaryDirectory(prefix="py_mutants_map_") as tmp:
        site, children, out = Path(tmp) / "site", Path(tmp) / "children", Path(tmp) / "map.json"
        site.mkdir()
        children.mkdir()
        (site / "sitecustomize.py").write_text(   # (in a test's child, not in pytest: -p imports it there)
            "import os\nif os.environ.get('LINEMAP_TEST'):\n"
            "    import _py_mutants_linemap\n    _py_mutants_linemap.start_child()\n")
        env = {"LINEMAP_FILE": str(target), "LINEMAP_OUT": str(out), "LINEMAP_CHILDREN": str(children)}
        code, output, secs = _pytest(copy_dir, ["-p", "_py_mutants_linemap", *tests] + (["-k", k] if k else []),
                                     timeout, env, (str(site), str(ROOT / "benchmarks")))
        if code != 0 or not out.exists():
            sys.stderr.write(output[-3000:])
            raise SystemExit(f"line map: the tests did not pass on the module (pytest exit {code}): fix that first")
        made = dict(key, **json.loads(out.read_text()))
    lines = made["lines"]
    print(f"line map: {len(lines)} tests, {sum(1 for v in lines.values() if v)} run the module, {secs:.0f} s; "
          f"written to {path}", flush=True)
    path.write_text(json.dumps(made))
    return made


def chosen_tests(span: Tuple[int, int, bool], lines: Dict[str, List[int]], seconds: Dict[str, float],
                 also: List[str]) -> Tuple[List[str], int]:
    """The tests a mutant at ``span`` runs with ``--by-line``, and how many of them the map chose: those that
    execute one of its lines (a mutant at import: every test of the map), quickest first (so that ``pytest -x``
    stops early), then ``also``."""
    first, last, at_import = span
    mine = set(range(first, last + 1))
    mapped = [t for t, ran in lines.items() if at_import or mine & set(ran)]
    mapped.sort(key=lambda t: seconds.get(t, 0.0))
    return mapped + [t for t in also if t not in mapped], len(mapped)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("module", help="the module's file, e.g. python/nnpartition/_validate.py")
    ap.add_argument("--tests", nargs="+", default=[], help="pytest paths or node ids to run on each mutant")
    ap.add_argument("-k", help="pytest -k expression")
    ap.add_argument("--by-line", action="store_true",
                    help="run each mutant only on the tests that execute its line (a line map of --tests, made "
                         "once and kept beside --out as OUT.linemap.json), and on --also")
    ap.add_argument("--also", nargs="+", default=[],
                    help="with --by-line: node ids run on every mutant (tests whose subprocesses the map cannot see)")
    ap.add_argument("--workers", type=int, default=1, help="mutants run at once, each on its own copy")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a mutant's tests may take")
    ap.add_argument("--functions", help="comma-separated names: only mutants in these functions (or methods)")
    ap.add_argument("--only", help="comma-separated mutant indices or ranges to run (3,7,10-12)")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--show", type=int, help="print the mutated module of this index and stop")
    ap.add_argument("--out", help="append one JSON line a mutant to this file; mutants already in it are not rerun")
    args = ap.parse_args(argv)
    if args.also and not args.by_line:
        ap.error("--also is for --by-line (without it, every mutant runs every test of --tests)")
    if args.workers < 1:
        ap.error("--workers: at least 1")

    module = Path(args.module).resolve()
    source = module.read_text()
    every = mutants(source)
    chosen = list(range(len(every)))
    if args.functions:
        names = set(args.functions.split(","))
        chosen = [i for i in chosen if set(every[i][2].split(".")) & names]
    if args.only:
        chosen = []
        for part in args.only.split(","):   # (a range "103-142" crashed with int()'s traceback)
            first, sep, last = part.strip().partition("-")
            if not (first.isdigit() and (last.isdigit() if sep else True)):
                ap.error(f"--only: {part!r} is neither an index nor a range such as 103-142")
            chosen.extend(range(int(first), int(last if sep else first) + 1))
        bad = [i for i in chosen if not 0 <= i < len(every)]
        if bad:   # (an index past the end crashed the run after every mutant before it had run)
            ap.error(f"--only: no mutant {bad[0]} (the module has {len(every)}, 0 to {len(every) - 1})")
    if args.list:
        for i in chosen:
            line, what, fn = every[i]
            print(f"{i:4d}  line {line:4d}  {fn:40s} {what}")
        print(f"{len(chosen)} of {len(every)} mutants")
        return 0
    if args.show is not None:
        sys.stdout.write(mutated(source, args.show))
        return 0
    if args.out and Path(args.out).exists():
        records = [json.loads(line) for line in Path(args.out).read_text().splitlines() if line.strip()]
        for r in records:   # (an index names another mutant once the module changes: it was skipped as done)
            if not (0 <= r["id"] < len(every) and (r.get("line"), r.get("what"), r.get("function")) == every[r["id"]]):
                ap.error(f"--out: {args.out} holds mutant {r['id']} as line {r['line']} {r['what']!r}, which is not "
                         f"this module's mutant {r['id']}: it was recorded on another version; use a new --out")
        done = {r["id"] for r in records}
        print(f"{len(set(chosen) & done)} of the {len(chosen)} mutants are in {args.out} already", flush=True)
        chosen = [i for i in chosen if i not in done]
    package = ROOT / "python"
    rel = module.relative_to(package)
    where = spans(source)
    with tempfile.TemporaryDirectory(prefix="py_mutants_") as tmp:
        copies = [Path(tmp) / f"python{n}" for n in range(args.workers)]
        for copy_dir in copies:
            shutil.copytree(package, copy_dir, ignore=shutil.ignore_patterns("__pycache__"))
        plan: Dict[int, Tuple[List[str], int]] = {i: (args.tests, -1) for i in chosen}
        k = args.k
        if args.by_line:
            map_path = Path(args.out + ".linemap.json") if args.out else Path(tmp) / "linemap.json"
            made = line_map(copies[0], rel, source, args.tests, args.k, map_path, max(args.timeout, 1800.0))
            lines = made["lines"]
            plan = {i: chosen_tests(where[i], lines, made.get("seconds", {}), args.also) for i in chosen}
            order = list(lines) + [t for t in args.also if t not in lines]
            union = {t for tests, _ in plan.values() for t in tests}
            baseline = [t for t in order if t in union]
            k = None   # (the map has applied it: node ids from here on)
        else:
            baseline = args.tests
        for copy_dir in copies:
            (copy_dir / rel).write_text(mutated(source, -1))
        if baseline:
            outcome, secs, by = run_tests(copies[0], baseline, k, max(args.timeout, 1800.0))
            print(f"baseline (unparsed, unmutated, {len(baseline)} test args): {outcome} in {secs:.1f} s", flush=True)
            if outcome != "survived":
                print(f"the tests fail on the unmutated module: fix that first ({by})", file=sys.stderr)
                return 2
        counts: dict = {}
        free = list(copies)
        lock = threading.Lock()

        def one(i: int) -> None:
            if _STOP.is_set():
                return
            line, what, fn = every[i]
            tests, mapped = plan[i]
            record: dict = {"id": i, "line": line, "what": what, "function": fn}
            if args.by_line:
                record.update(tests=len(tests), mapped=mapped)
            if not tests:
                outcome, secs, by = "not covered", 0.0, ""
            else:
                with lock:
                    copy_dir = free.pop()
                try:
                    (copy_dir / rel).write_text(mutated(source, i))
                    outcome, secs, by = run_tests(copy_dir, tests, k, args.timeout)
                finally:
                    with lock:
                        free.append(copy_dir)
                if outcome == "survived" and mapped == 0:   # only --also ran it, and none of them failed
                    outcome = "not covered"
            if _STOP.is_set():
                return
            record.update(outcome=outcome, seconds=round(secs, 1))
            if by:
                record["by"] = by
            with lock:
                kind = outcome.split(" (")[0]   # ("killed (pytest exit 2)" is killed; "not covered" said "not")
                counts[kind] = counts.get(kind, 0) + 1
                print(json.dumps(record), flush=True)
                if args.out:
                    with open(args.out, "a") as fh:
                        fh.write(json.dumps(record) + "\n")

        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            for _ in pool.map(one, chosen):
                pass
    print(f"{rel}: {len(chosen)} mutants: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return 0


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: kill the pytest sessions (they run in sessions of their own, and would go on), record
    nothing more, stop."""
    _STOP.set()
    for proc in list(_LIVE):
        _kill(proc)
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    sys.exit(main())
