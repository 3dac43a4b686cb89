"""``python -m nnpartition``: the same command line as the ``nnpartition`` script."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no branch
    sys.exit(main())
