"""Every command's --help fits 80 columns and shows real examples; --version works."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from poolviz import __version__
from poolviz.cli import main

COMMANDS = main.list_commands(click.Context(main))


def test_every_command_is_there() -> None:
    assert COMMANDS == [
        "animate", "compare", "explore", "features", "grad", "pool", "shift", "size", "trace",
    ]  # fmt: skip


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_fits_80_columns(command: str) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    if command:
        examples = [line for line in lines if line.strip().startswith(f"poolviz {command}")]
        assert len(examples) >= 2, "two or three real examples in the epilog"


@pytest.mark.parametrize("command", COMMANDS)
def test_the_help_examples_run(command: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The first example of each epilog is the command's worked example: it runs."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [command], env={"NO_COLOR": "1", "COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.stdout == f"poolviz, version {__version__}\n"


def options_of(command: str) -> set[str]:
    cmd = main.get_command(click.Context(main), command)
    assert cmd is not None
    return {name for param in cmd.params for name in (*param.opts, *param.secondary_opts)}


def test_a_command_offers_only_the_options_it_uses() -> None:
    averaging = {"pool", "grad", "compare", "animate", "explore"}
    for command in COMMANDS:
        has = options_of(command)
        assert ("--count-include-pad" in has) == (command in averaging), command
        assert ("--cmap" in has) == (command not in {"size", "trace", "explore"}), command
    result = CliRunner().invoke(main, ["size", "--help"], env={"COLUMNS": "80"})
    assert "Dots per inch of a PNG; 300 doubles" in result.stdout
    result = CliRunner().invoke(main, ["animate", "--help"], env={"COLUMNS": "80"})
    assert "Dots per inch of a GIF, APNG, MP4 or PNG;" in result.stdout
