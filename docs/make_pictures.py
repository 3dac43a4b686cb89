"""Regenerate the pictures of docs/pictures.md and the README, and print the console transcript the page shows.

Usage (from the repository root, with the [plot] extra installed):

    python docs/make_pictures.py            # 10-20 s on 2 shared cores

Writes docs/img/partition.png (README), docs/img/partition_colors.png,
docs/img/partition_slice.png, docs/img/train.gif and docs/img/train_frame.png
(README), and prints every command with its output. Everything is seeded:
a rerun gives the same pictures and numbers (timings aside).
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
from pathlib import Path

from nnpartition.cli import main

IMG = Path(__file__).resolve().parent / "img"


def run(command: str) -> None:
    """Run ``nnpartition ...`` in-process and print it with its output, as a console block shows it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(shlex.split(command)[1:])
    if status != 0:
        raise SystemExit(f"{command} exited with {status}")
    print(f"$ {command}")
    print(out.getvalue().rstrip())


def colour_modes() -> None:
    """The three colourings of one trained deep network, side by side (docs/img/partition_colors.png)."""
    from matplotlib.figure import Figure

    import nnpartition as npn
    from nnpartition.datasets import toy_dataset

    X, y = toy_dataset("spirals", 300, seed=0)
    net = npn.train(X, y, widths=[32, 32], restarts=2, seed=0).network
    fig = Figure(figsize=(13.5, 4.6))
    for k, color in enumerate(("decision", "region", "output")):
        ax = fig.add_subplot(1, 3, k + 1)
        npn.plot_partition(net, X, y, ax=ax, color=color, hyperplanes=color != "region", box=(-1.05, 1.05),
                           colorbar=color == "output")
        n = npn.region_polygons(net, box=(-1.05, 1.05)).n_regions
        ax.set_title(f'color="{color}"  ({n} regions)', fontsize=10)
    fig.suptitle("2 -> 32 -> 32 -> 1 ReLU network trained on spirals (N = 300)", fontsize=11)
    fig.tight_layout()
    fig.tight_layout()   # (axes of equal aspect with a key below: matplotlib's layout converges in two passes)
    fig.savefig(IMG / "partition_colors.png", dpi=90)


def frame(gif: Path, step_index: int, png: Path) -> None:
    """Save one frame of a GIF as a PNG."""
    from PIL import Image

    with Image.open(gif) as im:
        im.seek(step_index)
        im.convert("RGB").save(png)


def main_() -> int:
    IMG.mkdir(exist_ok=True)
    os.chdir(IMG)  # the commands write plain file names, as docs/pictures.md shows them
    run("nnpartition plot-partition -d 2 -N 300 --widths 64 64 --data spirals --plot partition.png")
    run("nnpartition plot-partition -d 10 -N 200 -L 32 --plot partition_slice.png")
    run("nnpartition movie -d 2 -N 200 -L 16 --data xor --every 25 --steps 1500 --out train.gif --no-progress")
    frame(IMG / "train.gif", 8, IMG / "train_frame.png")
    colour_modes()
    print(f"pictures written to {IMG}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    sys.exit(main_())
