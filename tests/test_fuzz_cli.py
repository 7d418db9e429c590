"""Random command lines and random input files through every command (hypothesis, fixed seed).

Argument lists are built from the real option names (read off each click command's
``params``) with random values: numbers, negative, huge, junk, valid-ish sizes (``3x2``,
``same``), the options' own choices. Input files are random bytes, or small valid files with
bytes flipped or cut, under every extension the loaders read. The only outcomes allowed are
exit 0 with output, or exit 1 or 2 with poolviz's ``error: ...`` line (and at most one hint
line); never a traceback, an internal error, or a temporary file left beside an output.

Bounded: a fixed seed (``derandomize``), :data:`EXAMPLES` command lines per command and as
many input files, tiny inputs; 3,200 runs in about 20 s on two cores. ``animate`` without
``-o`` does not play live here: click's runner is not a terminal, so the frames are printed
one after another without waiting.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from poolviz.cli import main

CONTEXT = click.Context(main)
COMMANDS = main.list_commands(CONTEXT)


PARAMS: dict[str, list[click.Parameter]] = {
    name: list(getattr(main.get_command(CONTEXT, name), "params", [])) for name in COMMANDS
}
"""Each command's parameters, resolved once here: commands load lazily, and an import inside
a strategy could touch global state hypothesis watches."""


EXAMPLES = 400
"""Command lines per command (and input files); most run in milliseconds, a figure in a tenth
of a second."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VALUES = [
    # numbers: ordinary, zero, negative, huge, not whole, not finite
    "0",
    "1",
    "2",
    "3",
    "5",
    "16",
    "-1",
    "-7",
    "99999999999999999999",
    "1e308",
    "-1e308",
    "0.5",
    "1.5",
    "nan",
    "inf",
    "-inf",
    str(2**63),
    # sizes and paddings, valid-ish and not
    "3x2",
    "2x2",
    "1x1",
    "1x3",
    "0x3",
    "3x0",
    "2x-1",
    "x3",
    "3x",
    "2x2x2",
    "same",
    "valid",
    "SAME",
    " 2 ",
    # cells and channel lists
    "0,0",
    "1,2",
    "0,1,2",
    "-1,0",
    "1,",
    # matrices
    "1 2; 3 4",
    "1 3 2 1; 5 6 8 4; 2 4 7 3; 1 0 3 2",
    "1 2 | 3 4",
    "1 2; 3",
    ";",
    "nan inf",
    # the options' own words, and some that are not
    "ones",
    "random",
    "all",
    "none",
    "drop",
    "strided",
    "drop,strided",
    "x",
    "y",
    "both",
    "max",
    "avg",
    "nhwc",
    "nchw",
    "edge",
    "seed4x4",
    "seed5x5",
    "rgb8x8",
    "digit",
    "list",
    "viridis",
    "gray",
    "2G",
    "1K",
    "64",
    "mnist",
    "lenet5",
    "conv 8 3, maxpool 2, gap",
    "maxpool 3 stride 2 pad 1",
    "conv 4 3 pad same, avgpool 2, flatten, dense 10",
    # junk
    "",
    " ",
    "-",
    "--",
    "abc",
    "é",
    "$\\frac{$",
    "'",
    "\x7f",
    "🙂",
    "%s",
    "{}",
]
"""Values any option may get; options with choices get their own choices too."""

GOOD = {
    "--size": ["2", "3", "1x2", "3x2", "2x1"],
    "--stride": ["1", "2", "2x1", "3"],
    "--padding": ["0", "1", "1x0", "same", "valid"],
    "--dilation": ["1", "2", "1x2"],
    "--matrix": ["1 3; 5 6", "1 3 2 1; 5 6 8 4; 2 4 7 3; 1 0 3 2", "1 2 3; 4 5 6 | 7 8 9; 1 2 3"],
    "--sample": ["seed4x4", "seed5x5", "edge", "rgb8x8", "digit"],
    "--resize": ["4x4", "3x5", "8x8"],
    "--scale": ["0.5", "0.25", "2"],
    "--max-memory": ["1G", "1K", "100"],
    "--at": ["0,0", "1,1", "0,1"],
    "--channel": ["0", "1", "0,1"],
    "--item": ["0", "1"],
    "--steps": ["0", "3", "all"],
    "--grad-output": ["ones", "random", "1 0; 0 2", "1 2 3; 4 5 6; 7 8 9"],
    "--seed": ["0", "7"],
    "--by": ["1", "2", "5"],
    "--layers": ["1", "2", "4"],
    "--shifts": ["1", "3", "5"],
    "--conv-weights": ["1 0; 0 1", "0.25 0.25; 0.25 0.25", "1 2 3"],
    "--channels": ["1", "3", "64"],
    "--input": ["28x28x1", "32x32x3", "8x8x1", "224x224x3"],
    "--batch": ["1", "32"],
    "--compare": ["drop", "strided", "none", "drop,strided"],
    "--fps": ["1", "5", "30"],
    "--title": ["a title", "$x$", "two\nlines"],
    "--cmap": ["viridis", "gray", "magma"],
}
"""Values each option takes, so that a good share of command lines get past parsing."""

SUFFIXES = [".png", ".jpg", ".gif", ".bmp", ".tif", ".webp", ".npy", ".npz", ".txt", ".csv"]


def _valid(suffix: str) -> bytes:
    """A small valid file of the kind ``suffix`` names."""
    buffer = io.BytesIO()
    values = (np.arange(24) * 7 % 11).astype(np.uint8).reshape(4, 6)
    if suffix == ".npy":
        np.save(buffer, values.astype(float))
    elif suffix == ".npz":
        np.savez(buffer, a=values)
    elif suffix in (".txt", ".csv"):
        buffer.write(b"1 3 2 1\n5 6 8 4\n2 4 7 3\n1 0 3 2\n")
    else:
        kind = {".jpg": "JPEG", ".tif": "TIFF"}.get(suffix, suffix[1:].upper())
        Image.fromarray(values).save(buffer, kind)
    return buffer.getvalue()


@st.composite
def input_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A name and content: random bytes, or a valid file cut short or with bytes flipped."""
    suffix = draw(st.sampled_from(SUFFIXES))
    how = draw(st.sampled_from(["random", "cut", "flipped", "valid"]))
    if how == "random":
        return f"in{suffix}", draw(st.binary(max_size=96))
    data = bytearray(_valid(suffix))
    if how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "flipped":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return f"in{suffix}", bytes(data)


def _takes_value(param: click.Option) -> bool:
    return not param.is_flag and not param.count


def _options(command: str) -> list[tuple[str, click.Option]]:
    """Every option name of ``command`` (``--no-...`` spellings too), with its parameter."""
    return [
        (name, param)
        for param in PARAMS[command]
        if isinstance(param, click.Option)
        for name in [*param.opts, *param.secondary_opts]
        if name not in ("-h", "--help")
    ]


@st.composite
def command_lines(draw: st.DrawFn, command: str) -> tuple[list[str], tuple[str, bytes] | None]:
    """``command`` with up to five random options, maybe a positional argument (often an
    input file, written as ``@FILE``), and ``{out}`` for the folder outputs go to."""
    argv = [command]
    file = None
    if any(isinstance(p, click.Argument) for p in PARAMS[command]):
        kind = draw(st.sampled_from(["none", "file", "file", "value", "stdin", "missing"]))
        if kind == "file":
            file = draw(input_files())
            argv.append("@FILE")
        elif kind == "value":
            argv.append(draw(st.sampled_from(VALUES)))
        elif kind == "stdin":
            argv.append("-")
        elif kind == "missing":
            argv.append("{out}/missing.png")
    for name, param in draw(st.lists(st.sampled_from(_options(command)), max_size=4)):
        argv.append(name)
        if not _takes_value(param):
            continue
        if name in ("-o", "--output"):
            argv.append(
                draw(
                    st.sampled_from(
                        [
                            "{out}/f.png",
                            "{out}/f.svg",
                            "{out}/f.gif",
                            "{out}/f.pdf",
                            "{out}/f.txt",
                            "{out}/f",
                            "{out}",
                            "{out}/no/f.png",
                        ]
                    )
                )
            )
        elif name == "--dpi":  # a large dpi is valid and slow, not interesting
            argv.append(draw(st.sampled_from(["20", "40", "0", "-1", "abc", "1e308"])))
        elif isinstance(param.type, click.Choice) and draw(st.booleans()):
            argv.append(draw(st.sampled_from([str(c) for c in param.type.choices])))
        elif max(param.opts, key=len) in GOOD and draw(st.booleans()):
            argv.append(draw(st.sampled_from(GOOD[max(param.opts, key=len)])))
        else:
            argv.append(draw(st.sampled_from(VALUES)))
    return argv, file


def check(argv: list[str], file: tuple[str, bytes] | None, stdin: bytes, root: Path) -> None:
    """Run one command line in fresh folders and check that the outcome is allowed."""
    inputs, out = root / "in", root / "out"
    for folder in (inputs, out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    if file is not None:
        (inputs / file[0]).write_bytes(file[1])
    args = [
        str(inputs / file[0]) if a == "@FILE" and file is not None else a.replace("{out}", str(out))
        for a in argv
    ]
    result = CliRunner().invoke(main, args, input=stdin)
    everything = result.output + result.stderr
    shown = f"poolviz {args!r} -> {result.exit_code}\n{everything[-2000:]}"
    assert "Traceback" not in everything, shown
    assert "internal error" not in everything, shown
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), shown
    written = sorted(p.name for p in out.iterdir())
    assert not [name for name in written if ".tmp" in name], shown
    assert sorted(p.name for p in inputs.iterdir()) == ([file[0]] if file else []), shown
    if result.exit_code == 0:
        assert result.stdout.strip() or written, shown
        assert result.stderr == "", shown
        return
    assert result.exit_code in (1, 2), shown
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith("error: "), shown
    assert not lines[-1].startswith("error: ") or len(lines) == 1, shown
    assert result.stdout == "", shown
    assert written == [], shown


@pytest.mark.parametrize("command", COMMANDS)
def test_random_command_lines(command: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="poolviz-fuzz-"))

    @FUZZ
    @given(command_lines(command), st.binary(max_size=48) | st.sampled_from([b"1 2\n3 4\n"]))
    def run(line: tuple[list[str], tuple[str, bytes] | None], stdin: bytes) -> None:
        check(line[0], line[1], stdin, root)

    try:
        run()
    finally:
        shutil.rmtree(root)


@FUZZ
@given(input_files(), st.sampled_from(["pool", "grad", "shift", "compare", "animate"]))
def test_random_input_files(file: tuple[str, bytes], command: str) -> None:
    """Every loader, on files broken in random ways, through each command that reads one."""
    root = Path(tempfile.mkdtemp(prefix="poolviz-fuzz-"))
    try:
        argv = [command, "@FILE"] + (["-o", "{out}/a.gif"] if command == "animate" else [])
        check(argv, file, b"", root)
    finally:
        shutil.rmtree(root)
