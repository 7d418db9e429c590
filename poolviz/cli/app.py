"""The ``poolviz`` command group and the one place errors become messages and exit codes."""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click

from poolviz import __version__
from poolviz.cli.values import OptionError
from poolviz.errors import PoolvizError

INTERRUPTED = 130
"""Exit code after Ctrl-C, as shells report a process ended by SIGINT (128 + 2)."""


class PoolvizGroup(click.Group):
    """The command group whose ``main`` keeps the error contract: every problem is printed as
    ``error: ...`` plus at most one hint line on stderr, and never as a traceback.

    Exit codes: 0 success, 2 a bad request (a :class:`PoolvizError`, or any click usage
    error), 1 a failure while running, 130 Ctrl-C. The contract holds for the shell and for
    click's ``CliRunner`` alike, as both call ``main`` in standalone mode.
    """

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        """Commands imported only when run or listed in help: name -> ``module:attribute``.
        The terminal path then loads one command's module, not all of them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module, attribute = self.lazy_commands[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        known = self.list_commands(ctx)
        if name and not name.startswith("-") and name not in known:
            import difflib  # only for a mistyped command: start-up need not pay for it

            close = difflib.get_close_matches(name, known, n=1)
            ctx.fail(
                f"No such command {name!r}." + (f" Did you mean {close[0]!r}?" if close else "")
            )
        return super().resolve_command(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            returned = super().main(*args, **kwargs)
        except PoolvizError as err:
            _exit(err.message, err.hint, err.exit_code)
        except click.UsageError as err:
            _exit(_click_message(err), self._help_hint(err, kwargs), err.exit_code)
        except click.ClickException as err:
            _exit(_click_message(err), None, err.exit_code)
        except click.exceptions.Abort as err:
            if isinstance(err.__cause__, KeyboardInterrupt):
                _exit("interrupted", None, INTERRUPTED)
            _exit("aborted", None, 1)
        except KeyboardInterrupt:
            _exit("interrupted", None, INTERRUPTED)
        except Exception as err:  # a bug: still one line, with where it happened
            _exit(_internal_error(err), None, 1)
        # Without standalone mode click returns ctx.exit(n)'s n (--help, --version), or the
        # command's own return value, which poolviz commands leave as None.
        sys.exit(returned if type(returned) is int else 0)

    def _help_hint(self, err: click.UsageError, kwargs: dict[str, Any]) -> str:
        """``try: poolviz CMD --help`` for the command the error is about; click leaves out
        the context of some parse errors (a missing option value), so then from the words."""
        if err.ctx is not None:
            return f"try: {err.ctx.command_path} --help"
        argv = kwargs.get("args")
        words = list(sys.argv[1:] if argv is None else argv)
        command = next((word for word in words if word in self.commands), None)
        path = " ".join(filter(None, (kwargs.get("prog_name") or self.name, command)))
        return f"try: {path} --help"


def _click_message(err: click.ClickException) -> str:
    """Click's message in poolviz's form: one line, lower-case start, no closing full stop."""
    message = " ".join(err.format_message().split())
    if isinstance(err, OptionError):
        return message
    return (message[:1].lower() + message[1:]).removesuffix(".")


def _internal_error(err: Exception) -> str:
    import traceback  # only for a bug: start-up need not pay for it

    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    # one line whatever the exception says: some (a parser's) span several with a caret
    said = " ".join(str(err).split())
    return f"internal error{where}: {type(err).__name__}: {said}; please report it"


def _exit(message: str, hint: str | None, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(hint, err=True)
    sys.exit(code)


@click.group(
    name="poolviz",
    cls=PoolvizGroup,
    lazy_commands={
        "pool": "poolviz.cli.pool:pool",
        "grad": "poolviz.cli.grad:grad",
        "trace": "poolviz.cli.trace:trace",
        "shift": "poolviz.cli.demos:shift",
        "compare": "poolviz.cli.demos:compare_command",
        "size": "poolviz.cli.demos:size",
        "animate": "poolviz.cli.animate:animate",
        "explore": "poolviz.cli.explore:explore",
        "features": "poolviz.cli.features:features_command",
    },
    invoke_without_command=True,
    subcommand_metavar="COMMAND [ARGS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
)
@click.version_option(__version__, "--version", prog_name="poolviz")
@click.pass_context
def main(ctx: click.Context) -> None:
    """See what pooling does inside a convolutional network.

    Every command run with no input shows a worked example.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


YOUNG_OBJECTS = 10_000
"""New objects between two young garbage collections in a poolviz process (see :func:`run`)."""


def run(argv: list[str] | None = None) -> None:
    """Run the command line and exit (see :class:`PoolvizGroup` for the codes and messages).

    What is loaded by now (numpy, click, the command group) lives until the process exits,
    so it is frozen out of the garbage collector's reach: the collections a run triggers,
    and the one at exit, no longer walk it. Only the process's entry point does this (tests
    that start ``python -m poolviz`` run it); click's test runner calls :func:`main` in a
    long-lived process and never freezes what it would later collect.

    A young collection waits for :data:`YOUNG_OBJECTS` new objects, not Python's 700: a
    figure's matplotlib import and artists make hundreds of thousands, nearly all kept, and
    walking them cost ``grad -o`` 20 ms of CPU, ``compare -o`` 45 and ``trace vgg16 -o`` 55
    (medians of 10, 0.65 -> 0.63 s, 0.68 -> 0.63, 0.84 -> 0.79). ``explore``, which runs on,
    still collects: every 10,000 new objects, and all of them every million."""
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, 10, 10)
    main.main(args=argv, prog_name="poolviz")
