"""Subcommands of the ``nnpartition`` command line (one module each)."""
