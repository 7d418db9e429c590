"""The ``poolviz`` command group and the one place errors become messages and exit codes."""

from __future__ import annotations

import sys

import click

from poolviz import __version__
from poolviz.errors import PoolvizError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80})
@click.version_option(__version__, "--version", prog_name="poolviz")
def main() -> None:
    """See what pooling does inside a convolutional network.

    Every command run with no input shows a worked example.
    """


def run(argv: list[str] | None = None) -> None:
    """Run the command line and exit: 0 on success, 2 for a bad request, 1 for a failure while
    running. The message is ``error: ...`` on stderr, at most one hint line after it."""
    try:
        main.main(args=argv, prog_name="poolviz", standalone_mode=False)
    except PoolvizError as err:
        _fail(err.message, err.hint, err.exit_code)
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        _fail(err.format_message(), None, err.exit_code)
    sys.exit(0)


def _fail(message: str, hint: str | None, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(hint, err=True)
    sys.exit(code)
