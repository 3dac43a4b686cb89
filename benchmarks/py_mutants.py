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
A mutant is *killed* when the tests fail (or time out), *survived* when they pass; every survivor is for a person to
judge: equivalent (no input tells it apart), or a gap in the tests.

Operators: a comparison's operator (``<`` to ``<=`` and ``>=``, ``==`` to ``!=``, ``in`` to ``not in``, ``is`` to
``is not``, and back); ``and`` and ``or`` swapped; a ``not`` dropped; an integer constant plus one; ``True`` and
``False`` swapped; ``+``/``-`` and ``*``/``/`` swapped; a ``raise`` replaced by ``pass``; a ``return x`` by
``return None``; a call made as a statement (a check such as ``_check_bytes(...)``) replaced by ``pass``.
Docstrings, annotations, f-strings (messages) and lines marked ``pragma: no cover`` are not mutated.

Each result is one JSON line: ``{"id", "line", "what", "function", "outcome", "seconds"}``; the summary counts them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

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


def run_tests(python_dir: Path, tests: List[str], k: Optional[str], timeout: float) -> Tuple[str, float]:
    """``killed``, ``survived`` or ``timeout`` of the tests on the package at ``python_dir``, and the seconds."""
    shutil.rmtree(python_dir / "nnpartition" / "__pycache__", ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(python_dir), PYTHONDONTWRITEBYTECODE="1")
    cmd = ["nice", "-n", "10", sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "-p", "no:randomly", *tests] + (["-k", k] if k else [])
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    outcome = "survived" if proc.returncode == 0 else "killed"
    if proc.returncode not in (0, 1):   # collection error, internal error, no tests: killed, but say so
        outcome = f"killed (pytest exit {proc.returncode})"
    return outcome, time.monotonic() - start


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("module", help="the module's file, e.g. python/nnpartition/_validate.py")
    ap.add_argument("--tests", nargs="+", default=[], help="pytest paths or node ids to run on each mutant")
    ap.add_argument("-k", help="pytest -k expression")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a mutant's tests may take")
    ap.add_argument("--functions", help="comma-separated names: only mutants in these functions (or methods)")
    ap.add_argument("--only", help="comma-separated mutant indices to run")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--show", type=int, help="print the mutated module of this index and stop")
    ap.add_argument("--out", help="append one JSON line a mutant to this file")
    args = ap.parse_args(argv)

    module = Path(args.module).resolve()
    source = module.read_text()
    every = mutants(source)
    chosen = list(range(len(every)))
    if args.functions:
        names = set(args.functions.split(","))
        chosen = [i for i in chosen if set(every[i][2].split(".")) & names]
    if args.only:
        chosen = [int(i) for i in args.only.split(",")]
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
    package = ROOT / "python"
    rel = module.relative_to(package)
    with tempfile.TemporaryDirectory(prefix="py_mutants_") as tmp:
        copy_dir = Path(tmp) / "python"
        shutil.copytree(package, copy_dir, ignore=shutil.ignore_patterns("__pycache__"))
        target = copy_dir / rel
        target.write_text(mutated(source, -1))
        outcome, secs = run_tests(copy_dir, args.tests, args.k, args.timeout)
        print(f"baseline (unparsed, unmutated): {outcome} in {secs:.1f} s", flush=True)
        if outcome != "survived":
            print("the tests fail on the unmutated module: fix that first", file=sys.stderr)
            return 2
        counts: dict = {}
        for i in chosen:
            line, what, fn = every[i]
            target.write_text(mutated(source, i))
            outcome, secs = run_tests(copy_dir, args.tests, args.k, args.timeout)
            counts[outcome.split()[0]] = counts.get(outcome.split()[0], 0) + 1
            record = {"id": i, "line": line, "what": what, "function": fn, "outcome": outcome,
                      "seconds": round(secs, 1)}
            print(json.dumps(record), flush=True)
            if args.out:
                with open(args.out, "a") as fh:
                    fh.write(json.dumps(record) + "\n")
        target.write_text(source)
    print(f"{rel}: {len(chosen)} mutants: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
