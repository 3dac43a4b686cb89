"""``benchmarks/py_mutants.py``, the mutation tool of the Python modules, on a throwaway project in ``tmp_path``.

A mutation tool that reports "killed" for every mutant, or "not covered" for one a test runs, is worse than none:
these tests check its outcomes against a small module and tests whose every mutant was judged by hand. The project
(``python/tiny.py``, ``tests/test_tiny.py``, an empty ``pytest.ini`` as the repository's ``pyproject.toml``) stands in
for the repository: the script's ``ROOT`` points at it, and the line-map plugin is copied beside it, as
``benchmarks/_py_mutants_linemap.py`` lies beside the script. Each mutant is one pytest run of the tiny tests (about
a fifth of a second, with pytest's plugins not loaded).
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest

from conftest import benchmark_script

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

#: The module, with every rule of what is not mutated on a line of its own: a docstring (line 2), an f-string's
#: expression (line 7: ``x + 1`` and its 1), a ``pragma: no cover`` line (8: the raise, its call, the 2).
TINY = '''def double(x):
    """2 + 2 is not a mutant."""
    return x * 2
def positive(x):
    return x > 0 and not False
def unused(x):
    print(f"{x + 1}")
    raise ValueError(x * 2)  # pragma: no cover
LIMIT = 3
'''

#: Every mutant of TINY, counted by hand: ``(line, what)``.
TINY_MUTANTS = sorted([
    (3, "return x -> return None"), (3, "* -> /"), (3, "2 -> 3"),
    (5, "return x -> return None"), (5, "and -> or"), (5, "> -> >="), (5, "> -> <="), (5, "0 -> 1"),
    (5, "drop not"), (5, "False -> True"),
    (7, "call statement -> pass"),
    (9, "3 -> 4"),
])

#: What the tests below make of them: ``double(3) == 6`` tells every mutant of line 3 apart (None, 1.5, 9);
#: ``positive(1)`` is true under ``or``, ``>=`` (1 >= 0), and false under ``<=``, ``0 -> 1`` (1 > 1), the ``not``
#: dropped (``and False``) and ``not True``; nothing reads LIMIT (imported, so run by every test: survives), and no
#: test calls ``unused`` (not covered).
TINY_TESTS = '''from tiny import double, positive


def test_double():
    assert double(3) == 6


def test_positive():
    assert positive(1)
'''
EXPECTED = {(3, "return x -> return None"): "killed", (3, "* -> /"): "killed", (3, "2 -> 3"): "killed",
            (5, "return x -> return None"): "killed", (5, "and -> or"): "survived", (5, "> -> >="): "survived",
            (5, "> -> <="): "killed", (5, "0 -> 1"): "killed", (5, "drop not"): "killed",
            (5, "False -> True"): "killed", (7, "call statement -> pass"): "not covered", (9, "3 -> 4"): "survived"}


@functools.lru_cache(maxsize=None)
def _script():
    return benchmark_script("py_mutants")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The throwaway repository, the script's ROOT while the test runs: returns the script."""
    (tmp_path / "python").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "python" / "tiny.py").write_text(TINY)
    (tmp_path / "tests" / "test_tiny.py").write_text(TINY_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    shutil.copy(_BENCH / "_py_mutants_linemap.py", tmp_path / "benchmarks")
    script = _script()
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")   # (the children's pytest: 0.2 s a run, not 1 s)
    return script


def _ids(script) -> dict:
    """``(line, what)`` -> the mutant's index."""
    return {(line, what): i for i, (line, what, _) in enumerate(script.mutants(TINY))}


def _records(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_mutants_of_a_small_module_are_those_counted_by_hand():
    script = _script()
    every = script.mutants(TINY)
    assert sorted((line, what) for line, what, _ in every) == TINY_MUTANTS
    assert {fn for line, _, fn in every if line == 5} == {"positive"} and [fn for line, _, fn in every
                                                                           if line == 9] == [""]
    # each index is one mutant, applied alone: the mutated module differs from the unparsed one on one line
    plain = script.mutated(TINY, -1).splitlines()
    for i, (_, what, _) in enumerate(every):
        changed = [n for n, (a, b) in enumerate(zip(plain, script.mutated(TINY, i).splitlines())) if a != b]
        assert len(changed) == 1, (i, what, changed)
    # the spans: only LIMIT's constant runs at import
    assert [at for _, _, at in script.spans(TINY)] == [line == 9 for line, _, _ in every]


def test_by_line_outcomes_killed_survived_and_not_covered(project, tmp_path, capsys):
    """Every mutant of the tiny module with ``--by-line``: each outcome is the one judged by hand (EXPECTED), each
    mutant runs only the tests that execute its line (line 3: test_double alone), LIMIT's every test; the summary
    line counts them (it said "1 not" for one not covered)."""
    out = tmp_path / "tiny.jsonl"
    code = project.main(["python/tiny.py", "--by-line", "--tests", "tests/test_tiny.py", "--out", str(out),
                         "--timeout", "120"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] \
        == "tiny.py: 12 mutants: 8 killed, 1 not covered, 3 survived"
    records = _records(out)
    got = {(r["line"], r["what"]): r["outcome"] for r in records}
    assert got == EXPECTED
    ids = _ids(project)
    assert all(r["id"] == ids[(r["line"], r["what"])] for r in records)
    tests = {(r["line"], r["what"]): (r["tests"], r["mapped"]) for r in records}
    assert tests[(3, "* -> /")] == (1, 1) and tests[(5, "and -> or")] == (1, 1)
    assert tests[(9, "3 -> 4")] == (2, 2) and tests[(7, "call statement -> pass")] == (0, 0)
    assert {r["by"].split(" - ")[0] for r in records if (r["line"], r["outcome"]) == (3, "killed")} \
        == {"FAILED tests/test_tiny.py::test_double"}
    # the map beside --out: which test executes which line, by hand
    lines = json.loads((tmp_path / "tiny.jsonl.linemap.json").read_text())["lines"]
    double, positive = (set(lines[f"tests/test_tiny.py::test_{name}"]) for name in ("double", "positive"))
    assert 3 in double - positive and 5 in positive - double and not (double | positive) & {7, 9}


def test_a_mutant_that_only_also_runs_is_not_covered_and_whole_file_mode_runs_it(project, tmp_path):
    """``--also`` tests run on every mutant; a mutant only they run, and survive, is still "not covered". Without
    ``--by-line`` every mutant runs every test: the uncovered call survives."""
    call = _ids(project)[(7, "call statement -> pass")]
    out = tmp_path / "also.jsonl"
    assert project.main(["python/tiny.py", "--by-line", "--tests", "tests/test_tiny.py::test_double",
                         "--also", "tests/test_tiny.py::test_positive", "--only", str(call),
                         "--out", str(out)]) == 0
    [record] = _records(out)
    assert (record["outcome"], record["tests"], record["mapped"]) == ("not covered", 1, 0)
    out = tmp_path / "whole.jsonl"
    assert project.main(["python/tiny.py", "--tests", "tests/test_tiny.py", "--only", str(call),
                         "--out", str(out)]) == 0
    [record] = _records(out)
    assert record["outcome"] == "survived" and "tests" not in record


def test_out_resumes_without_rerunning_what_it_holds(project, tmp_path, capsys):
    """A mutant already in ``--out`` is not run again: a record planted there for a mutant that would be killed
    stays the only one of its id, and only the missing mutant is run and appended."""
    ids = _ids(project)
    planted, missing = ids[(3, "* -> /")], ids[(5, "and -> or")]
    out = tmp_path / "resume.jsonl"
    line = json.dumps({"id": planted, "line": 3, "what": "* -> /", "function": "double", "outcome": "planted",
                       "seconds": 0.0})
    out.write_text(line + "\n")
    assert project.main(["python/tiny.py", "--tests", "tests/test_tiny.py", "--only", f"{planted},{missing}",
                         "--out", str(out)]) == 0
    assert "1 of the 2 mutants are in" in capsys.readouterr().out
    records = _records(out)
    assert [(r["id"], r["outcome"]) for r in records] == [(planted, "planted"), (missing, "survived")]
    # and a third run has nothing to do
    assert project.main(["python/tiny.py", "--tests", "tests/test_tiny.py", "--only", f"{planted},{missing}",
                         "--out", str(out)]) == 0
    assert len(_records(out)) == 2


def test_the_baseline_aborts_when_the_tests_fail_on_the_unparsed_module(project, tmp_path, capsys):
    """The mutants run on ``ast.unparse``'s text, which has no comments: a test that reads one passes on the module
    as written and fails on every mutant. The baseline (the unparsed module, unmutated) catches it: exit 2, nothing
    recorded, rather than every mutant "killed"."""
    (tmp_path / "tests" / "test_tiny.py").write_text(TINY_TESTS + '''

def test_the_comment_is_there():
    import tiny
    assert "pragma: no cover" in open(tiny.__file__).read()
''')
    out = tmp_path / "base.jsonl"
    assert project.main(["python/tiny.py", "--tests", "tests/test_tiny.py", "--only", "0", "--out", str(out)]) == 2
    assert "the tests fail on the unmutated module" in capsys.readouterr().err
    assert not out.exists()


def test_the_line_map_aborts_when_the_tests_fail_on_the_module(project, tmp_path):
    """With ``--by-line`` the map's run comes first, on the module as written: a failing test stops it there."""
    (tmp_path / "tests" / "test_tiny.py").write_text(TINY_TESTS + "\n\ndef test_fails():\n    assert False\n")
    out = tmp_path / "map.jsonl"
    with pytest.raises(SystemExit, match="the tests did not pass on the module"):
        project.main(["python/tiny.py", "--by-line", "--tests", "tests/test_tiny.py", "--only", "0",
                      "--out", str(out)])
    assert not out.exists()


def test_out_of_another_version_of_the_module_is_refused(project, tmp_path):
    """A record is a mutant by its index; once the module changes, the index names another mutant (or none), and
    resuming skipped it as done: the record's line, operator and function must be the mutant's of that index."""
    ids = _ids(project)
    out = tmp_path / "old.jsonl"
    shifted = {"id": ids[(3, "* -> /")], "line": 4, "what": "* -> /", "function": "double", "outcome": "killed",
               "seconds": 0.0}   # (the module had one more line above it when this was recorded)
    out.write_text(json.dumps(shifted) + "\n")
    with pytest.raises(SystemExit) as stop:
        project.main(["python/tiny.py", "--tests", "tests/test_tiny.py", "--out", str(out)])
    assert stop.value.code == 2
    assert _records(out) == [shifted]
    out.write_text(json.dumps(dict(shifted, id=len(TINY_MUTANTS), line=3)) + "\n")
    with pytest.raises(SystemExit):
        project.main(["python/tiny.py", "--tests", "tests/test_tiny.py", "--out", str(out)])


def test_only_takes_indices_and_ranges_and_refuses_anything_else(project, capsys):
    """``--only 1-3,5`` is mutants 1, 2, 3 and 5 (each listed by ``--list`` with its index first); a range written
    otherwise, or past the module's mutants, is a usage error (exit 2), not a traceback."""
    assert project.main(["python/tiny.py", "--list", "--only", "1-3,5"]) == 0
    *listed, total = capsys.readouterr().out.splitlines()
    assert [int(line.split()[0]) for line in listed] == [1, 2, 3, 5] and total == f"4 of {len(TINY_MUTANTS)} mutants"
    for bad in ("1-x", "3..5", "-2", f"0-{len(TINY_MUTANTS)}"):
        with pytest.raises(SystemExit) as stop:
            project.main(["python/tiny.py", "--list", "--only", bad])
        assert stop.value.code == 2
        assert "--only" in capsys.readouterr().err
