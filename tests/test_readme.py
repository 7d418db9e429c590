"""The README's examples run as shown, and every image it shows is one they regenerate; every
example in every command's ``--help`` runs too (with stand-ins for the files it names)."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))

from make_gallery import ENV, Example, examples  # noqa: E402

from poolviz.cli import main  # noqa: E402

README = (ROOT / "README.md").read_text()
EXAMPLES = examples(README)


def test_the_two_commands_come_first() -> None:
    head = "\n".join(README.splitlines()[:60])
    blocks = re.findall(r"```bash\n(.*?)\n```", head)
    assert blocks[:2] == ["pip install . && poolviz pool", 'pip install ".[test]" && pytest -n 2']


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_example_runs_as_shown(
    example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if _interactive(example.args):
        pytest.skip(f"interactive: {example.command}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    _make_stand_ins(example.args, tmp_path)
    result = CliRunner().invoke(main, example.args, env=ENV)
    assert result.exit_code == 0, (
        f"README: `{example.command}` exits {result.exit_code}: {result.stderr.strip()}"
    )
    assert result.stdout == example.shown, (
        f"README: `{example.command}` prints something else than its console block shows; "
        "run python docs/make_gallery.py to refresh README.md (then look at the diff)"
    )
    if example.figure:
        assert (tmp_path / example.figure).stat().st_size > 1000


def test_every_image_shown_is_regenerated() -> None:
    shown = set(re.findall(r"!\[[^\]]*\]\((docs/[^)]+)\)", README))
    made = {e.figure for e in EXAMPLES if e.figure} | {
        e.screenshot for e in EXAMPLES if e.screenshot
    }
    assert shown and shown <= made
    for image in shown:
        assert (ROOT / image).is_file(), image


# --- Help and README that never lie -----------------------------------------------------------
# Every example line of every command's --help epilog, and every console block of the README,
# runs here. Input files they name (photo.jpg, my_model.json...) get small stand-ins made by
# their extension; outputs (-o, --output) must be written. Left out, and only these: commands
# that wait for a person (INTERACTIVE). A failure names the line and says what to fix.

INTERACTIVE_COMMANDS = {"explore"}
"""Commands that open a full-screen app and wait for keys."""
INTERACTIVE_FLAGS = {"--html"}
"""Options that open a browser and wait for it."""
OUTPUT_FLAGS = {"-o", "--output"}


def _image(path: Path) -> None:
    """A 24x32 RGB gradient in the format the extension names."""
    y, x = np.mgrid[0:24, 0:32]
    rgb = np.stack([x * 8, y * 10, (x + y) * 4], axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(path)


def _keras_json(path: Path) -> None:
    shutil.copy(ROOT / "poolviz" / "samples" / "keras_mnist.json", path)


def _onnx(path: Path) -> None:
    shutil.copy(ROOT / "poolviz" / "models" / "digits.onnx", path)


STAND_INS: dict[str, Callable[[Path], None]] = {
    **{ext: _image for ext in (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")},
    ".npy": lambda p: np.save(p, np.arange(36, dtype=np.float32).reshape(6, 6)),
    ".npz": lambda p: np.savez(p, x=np.arange(36, dtype=np.float32).reshape(6, 6)),
    ".txt": lambda p: p.write_text("1 3 2 1\n5 6 8 4\n2 4 7 3\n1 0 3 2\n"),
    ".csv": lambda p: p.write_text("1,3,2,1\n5,6,8,4\n2,4,7,3\n1,0,3,2\n"),
    ".json": _keras_json,
    ".onnx": _onnx,
}
"""A small input for each kind of file an example may name. An example naming a new kind of
file fails until a stand-in is added here."""


def _inputs(args: list[str]) -> list[str]:
    """The arguments that name input files: a file name with an extension, not an output."""
    return [
        arg
        for i, arg in enumerate(args)
        if Path(arg).suffix
        and re.fullmatch(r"[\w./-]+\.\w+", arg)
        and not (i and args[i - 1] in OUTPUT_FLAGS)
        and not arg.replace(".", "", 1).isdigit()  # --scale 0.25
    ]


def _make_stand_ins(args: list[str], folder: Path) -> None:
    for name in _inputs(args):
        path = folder / name
        if path.exists():
            continue
        make = STAND_INS.get(path.suffix.lower())
        assert make is not None, (
            f"an example reads {name}, and tests/test_readme.py has no stand-in for "
            f"{path.suffix} files: add one to STAND_INS"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)


def _outputs(args: list[str]) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg in OUTPUT_FLAGS]


def _interactive(args: list[str]) -> bool:
    return bool(args) and (args[0] in INTERACTIVE_COMMANDS or bool(INTERACTIVE_FLAGS & set(args)))


def _help_examples() -> list[tuple[str, str]]:
    """(command, example line) for every ``poolviz ...`` line under a command's Examples."""
    context = click.Context(main)
    found = []
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        lines = (command.epilog or "").splitlines()
        for line in lines:
            line = line.strip()
            if line.startswith("poolviz "):
                # the example, then (after two spaces or more) what it shows
                found.append((name, re.split(r"\s{2,}", line)[0]))
    return found


HELP_EXAMPLES = _help_examples()


def _run_line(line: str, folder: Path) -> tuple[int, str, str]:
    """Run one example line (``poolviz ...``) in ``folder`` with stand-ins for its inputs;
    an ``< file`` redirection becomes standard input."""
    args = shlex.split(line)[1:]
    stdin = None
    if "<" in args:
        at = args.index("<")
        _make_stand_ins([args[at + 1]], folder)
        stdin = (folder / args[at + 1]).read_bytes()
        del args[at : at + 2]
    _make_stand_ins(args, folder)
    result = CliRunner().invoke(main, args, env=ENV, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help_examples() -> None:
    commands = {name for name, _ in HELP_EXAMPLES}
    listed = set(main.list_commands(click.Context(main)))
    assert listed - INTERACTIVE_COMMANDS <= commands, "a command's --help has no Examples"


@pytest.mark.parametrize(("command", "line"), HELP_EXAMPLES, ids=[e[1] for e in HELP_EXAMPLES])
def test_help_example_runs(
    command: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each example in ``poolviz COMMAND --help`` exits 0 and writes what it says."""
    if _interactive(shlex.split(line)[1:]):
        pytest.skip(f"interactive: {line}")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run_line(line, tmp_path)
    assert code == 0, (
        f"`{line}` (in `poolviz {command} --help`) exits {code}: {err.strip()}\n"
        f"fix the example in the command's EPILOG, or the command"
    )
    for output in _outputs(shlex.split(line)):
        assert (tmp_path / output).stat().st_size > 0, f"`{line}` did not write {output}"


def test_every_console_block_is_a_runnable_example() -> None:
    """A console block that does not start with ``$ poolviz`` would be skipped silently."""
    blocks = re.findall(r"```console\n([^\n]*)", README)
    assert len(blocks) == len(EXAMPLES), [
        b for b in blocks if not b.startswith("$ poolviz ")
    ]  # each console block is one `$ poolviz ...` line and exactly the output it prints
