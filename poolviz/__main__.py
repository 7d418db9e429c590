"""``python -m poolviz`` runs the command line, as ``poolviz`` does."""

from poolviz.cli import run

run()
