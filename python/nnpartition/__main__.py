"""``python -m nnpartition``: the same command line as the ``nnpartition`` script."""

from .cli import run

if __name__ == "__main__":  # pragma: no branch
    run()
