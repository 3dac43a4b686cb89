"""Run the results that show themselves (``_display.py``) in a real Jupyter kernel and print what it showed.

docs/training.md ("In a notebook", "Results that show themselves") cites this script. It writes a notebook whose
cells end with each result type, runs it headlessly with ``nbclient`` in an IPython kernel (``%matplotlib inline``,
pyplot imported, as a user's notebook has it) and prints, per type: the MIME types of the cell's result; how many
other outputs the cell had (a figure shown a second time would be one, a traceback IPython printed for a raising
formatter another); what IPython's formatter gives when ``include``/``exclude`` (passed on to
``_repr_mimebundle_``) leave only the text; and what a terminal IPython shows. It checks besides that the text
shown is ``repr(x)`` and ``print(x)`` prints ``str(x)``, that ``display(x)`` shows the same, that a result past its
limit or whose rich display fails shows its text repr and nothing else, and that the executed notebook is valid
nbformat. It exits non-zero if any check fails; about 5 s (a kernel start, a 40-step movie).

Needs packages the project does not depend on: install them in a scratch virtual environment, not the project's::

    python -m venv /tmp/nb-venv
    /tmp/nb-venv/bin/pip install ipykernel nbclient nbformat ipython matplotlib pillow numpy tqdm filelock
    PYTHONPATH=$PWD/python /tmp/nb-venv/bin/python benchmarks/notebook_display.py   # the checkout's package

(or ``pip install`` the package into that environment and drop ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from importlib.metadata import version
from typing import Any, Dict, List

SETUP = r"""
%matplotlib inline
import json, os, dataclasses
import numpy as np
import matplotlib.pyplot as plt
import nnpartition as nn
from nnpartition.validation import validate
from nnpartition.pictures import movie

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, (20, 2))
y = rng.integers(0, 2, 20)
results = {
    "AccuracyEstimate": nn.estimate_accuracy(10, 1000, 20),
    "AccuracyEstimate (array)": nn.estimate_accuracy(10, [[100, 1000, 5000]], [[20], [40]]),
    "WidthAnswer": nn.required_width(10, 5000, 0.99),
    "SamplesAnswer": nn.max_samples(10, 64, 0.99),
    "AccuracyMeasurement": nn.real_accuracy(3, 40, 4, protocol=nn.Protocol(steps=30, restarts=1), datasets=3,
                                            seed=2, progress=False),
    "ValidationReport": validate(configs=[dict(dist="uniform", d=2, N=20, L=4)], datasets=1,
                                 protocol=nn.Protocol(steps=250, restarts=1), progress=False),
    "RegionPolygons": nn.region_polygons(nn.train(X, y, 6, steps=40, progress=False).network),
    "MovieResult": movie(X, y, 4, path=os.path.join(TMP, "m.gif"), steps=40, every=20, progress=False),
}
"""

CHECK = r"""
ip = get_ipython()
checks = {}
for name, x in results.items():
    full, _ = ip.display_formatter.format(x)
    only_text, _ = ip.display_formatter.format(x, include={"text/plain"})
    no_rich, _ = ip.display_formatter.format(x, exclude=set(full) - {"text/plain"})
    checks[name] = {"format": sorted(full), "include text/plain": sorted(only_text),
                    "exclude the rich type": sorted(no_rich), "plain is repr": full.get("text/plain") == repr(x),
                    "repr": repr(x), "str": str(x)}
print(json.dumps(checks))
"""

FALLBACKS = r"""
from nnpartition.pictures import drawing
drawing.PICTURE_MAX_REGIONS = 3   # the regions' picture past its limit
broken = dict(results)
broken["AccuracyEstimate"] = dataclasses.replace(results["AccuracyEstimate"], protocol=None)   # describe() fails
broken["SamplesAnswer"] = dataclasses.replace(results["SamplesAnswer"], protocol=None)
broken["WidthAnswer"] = dataclasses.replace(results["WidthAnswer"], shape=("x",))
broken["MovieResult"] = dataclasses.replace(results["MovieResult"], path=os.path.join(TMP, "gone.gif"))
for name in ("AccuracyEstimate", "SamplesAnswer", "WidthAnswer", "RegionPolygons", "MovieResult"):
    display(broken[name])
"""

TERMINAL = r"""
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.formatters import DisplayFormatter
terminal = DisplayFormatter(parent=InteractiveShell.instance())
terminal.active_types = ["text/plain"]   # what a terminal IPython computes: the text repr only
print(json.dumps({name: [sorted(terminal.format(x)[0]), terminal.format(x)[0]["text/plain"] == repr(x)]
                  for name, x in results.items()}))
"""


NAMES = ["AccuracyEstimate", "AccuracyEstimate (array)", "WidthAnswer", "SamplesAnswer", "AccuracyMeasurement",
         "ValidationReport", "RegionPolygons", "MovieResult"]


def run() -> List[Any]:
    import nbformat   # not dependencies of the package: imported here so that --help needs none of them
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="nb-display-") as tmp:   # the kernel's folder and the movie's GIF
        nb = nbformat.v4.new_notebook()
        cells = [f"TMP = {tmp!r}\n" + SETUP]
        for name in NAMES:
            cells.append(f"x = results[{name!r}]\nprint(x)\nx")
        cells += [CHECK, TERMINAL, "plt.get_fignums()", "for x in results.values():\n    display(x)", FALLBACKS]
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}).execute()
    nbformat.validate(nb)   # the outputs are valid nbformat, and survive a write and a read
    assert nbformat.reads(nbformat.writes(nb), as_version=4) == nb
    return list(nb.cells)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()
    cells = run()
    failures: List[str] = []
    print(f"ipykernel {version('ipykernel')}, IPython {version('ipython')}, nbclient {version('nbclient')}, "
          f"nbformat {version('nbformat')}, matplotlib {version('matplotlib')}, Python {sys.version.split()[0]}")
    setup = cells[0]
    if setup.outputs:
        failures.append(f"setup cell printed {[o.get('name', o.output_type) for o in setup.outputs]}")
    names = NAMES
    check = json.loads("".join(o.text for o in cells[len(names) + 1].outputs if o.output_type == "stream"))
    terminal = json.loads("".join(o.text for o in cells[len(names) + 2].outputs if o.output_type == "stream"))
    print("| result | the cell's result | other outputs | include text/plain | exclude the rich type | terminal |")
    print("|---|---|---|---|---|---|")
    for name, cell in zip(names, cells[1:]):
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        others = [o for o in cell.outputs if o.output_type != "execute_result"
                  and not (o.output_type == "stream" and o.name == "stdout")]
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        mimes: Dict[str, Any] = results[0]["data"] if len(results) == 1 else {}
        c = check[name]
        computed = "" if terminal[name][0] == ["text/plain"] else f" (computes {', '.join(terminal[name][0])})"
        shows = "text/plain" if terminal[name][1] else "not repr"
        print(f"| {name} | {', '.join(sorted(mimes))} | {len(others)} | {', '.join(c['include text/plain'])} | "
              f"{', '.join(c['exclude the rich type'])} | {shows}{computed} |")
        if len(results) != 1 or "text/plain" not in mimes or len(mimes) < 2:
            failures.append(f"{name}: the cell's result is {sorted(mimes)}, no rich type")
        if others:
            failures.append(f"{name}: other outputs {[(o.output_type, o.get('name')) for o in others]}")
        if printed != c["str"] + "\n":
            failures.append(f"{name}: print(x) is not str(x)")
        if not c["plain is repr"] or mimes.get("text/plain") != c["repr"]:
            failures.append(f"{name}: the text/plain shown is not repr(x)")
        if c["include text/plain"] != ["text/plain"] or c["exclude the rich type"] != ["text/plain"]:
            failures.append(f"{name}: include/exclude not honoured: {c}")
        if sorted(c["format"]) != sorted(mimes):
            failures.append(f"{name}: the formatter gives {c['format']}, the cell showed {sorted(mimes)}")
        if not terminal[name][1]:
            failures.append(f"{name}: a terminal would not show repr(x)")
    shown = [sorted(o["data"]) for o in cells[len(names) + 4].outputs if o.output_type == "display_data"]
    if shown != [sorted(check[name]["format"]) for name in names] or len(cells[len(names) + 4].outputs) != len(names):
        failures.append(f"display(x) shows {shown}")
    fallback = cells[len(names) + 5].outputs
    print("past a limit or failing (display(x)):", [sorted(o.get("data", {o.output_type: 0})) for o in fallback])
    if [sorted(o.get("data", {})) for o in fallback] != [["text/plain"]] * 5:
        failures.append(f"fallbacks show {[(o.output_type, sorted(o.get('data', {}))) for o in fallback]}")
    figs = [o for o in cells[len(names) + 3].outputs if o.output_type == "execute_result"]
    if not figs or figs[0]["data"]["text/plain"] != "[]":
        failures.append(f"pyplot figures left open: {figs and figs[0]['data']['text/plain']}")
    for f in failures:
        print("FAIL:", f)
    print("all checks pass" if not failures else f"{len(failures)} checks fail")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")   # the kernel's debugger warning on frozen modules
    sys.exit(main())
