"""The command line: click commands that parse options, call a loader, the engine and a
renderer, and map errors to exit codes. Each command family lives in its own module."""

from poolviz.cli.app import main, run

__all__ = ["main", "run"]
