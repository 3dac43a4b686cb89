"""Subcommands of the ``nnpartition`` command line (one module each; what they share: ``common``, ``layers``)."""

# common first, whichever module a caller imports: it re-exports the names of layers, which imports common's (an
# import of nnpartition._cli.layers before common failed on the cycle); every command module imports common anyway
from . import common as common  # noqa: F401
