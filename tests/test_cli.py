"""The nnpartition command line, run as users run it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path


from nnpartition.cli import main


def script():
    """The console script installed beside this interpreter (or on PATH)."""
    here = Path(sys.executable).parent / ("nnpartition.exe" if sys.platform == "win32" else "nnpartition")
    return str(here) if here.exists() else shutil.which("nnpartition")


def run(*args):
    return subprocess.run([script(), *args], capture_output=True, text=True)


def test_console_script_is_installed():
    assert script() is not None


def test_regions_json():
    out = run("regions", "-L", "50", "-d", "10", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["regions"] == 13432735556 and data["bounded_regions"] == 8217822536


def test_regions_text_and_central():
    out = run("regions", "-L", "4", "-d", "2", "--central")
    assert out.returncode == 0 and "8 regions" in out.stdout


def test_simulate_json_is_reproducible():
    a = run("simulate", "-d", "3", "-N", "300", "-L", "8", "--trials", "10", "--json")
    b = run("simulate", "-d", "3", "-N", "300", "-L", "8", "--trials", "10", "--json")
    assert a.returncode == 0, a.stderr
    assert json.loads(a.stdout) == json.loads(b.stdout)
    assert 0.5 <= json.loads(a.stdout)["majority_accuracy"]["mean"] <= 1.0


def test_bad_arguments_give_a_message_not_a_traceback(capsys):
    assert main(["simulate", "-d", "0", "-N", "10", "-L", "3"]) == 2
    err = capsys.readouterr().err
    assert "d must be >= 1" in err and "Traceback" not in err


def test_help_explains_every_option():
    out = run("simulate", "--help")
    for opt in ("--trials", "--dist", "--init", "--seed", "--threads", "--json"):
        assert opt in out.stdout
    assert run("--help").returncode == 0
