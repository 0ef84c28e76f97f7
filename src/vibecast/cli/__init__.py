"""The ``vibecast`` console script."""

from vibecast.cli.main import cli, main

__all__ = ["cli", "main"]
