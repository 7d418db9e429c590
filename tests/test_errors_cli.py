"""The error contract end to end: ``error: ...`` plus at most one hint line on stderr, exit 2
for a bad request, 1 for a failure while running, 130 for Ctrl-C, never a traceback, and no
output file left half-written.

A throwaway ``pool`` command on a fresh group wires the shared options, the loaders, the engine
and the atomic writer, so the contract is pinned apart from the real commands.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from click.testing import CliRunner

from poolviz.cli import options
from poolviz.cli.app import PoolvizGroup, main
from poolviz.engine import pool2d
from poolviz.errors import PoolvizRuntimeError
from poolviz.render.output import atomic_output

SEED = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]], float)
HINT = "try: poolviz pool --help"


def make_cli() -> PoolvizGroup:
    """A fresh group with a throwaway ``pool`` and commands that fail on purpose."""
    group = PoolvizGroup(name="poolviz")

    @group.command()
    @options.input_options
    @options.pooling_options
    @options.output_option()
    @options.json_option()
    @click.option("--fail-while-writing", is_flag=True)
    def pool(fail_while_writing: bool, **kwargs: Any) -> None:
        loaded = options.load_input_from(kwargs)
        x = SEED if loaded is None else loaded.array
        out = pool2d(x, **options.pooling_from(kwargs))
        if kwargs["output"] is None:
            click.echo(out.tolist())
            return
        with atomic_output(kwargs["output"]) as temporary:
            temporary.write_text("half a figure")
            if fail_while_writing:
                raise PoolvizRuntimeError("the renderer gave up")

    @group.command()
    def interrupt() -> None:
        raise KeyboardInterrupt

    @group.command()
    def bug() -> None:
        raise ZeroDivisionError("division by zero")

    return group


def invoke(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run the throwaway CLI: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(make_cli(), list(argv), input=stdin)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def fails(argv: list[str], code: int, message: str, hint: str | None = HINT) -> None:
    """The command fails with exactly ``error: message`` and ``hint`` on stderr."""
    exit_code, stdout, stderr = invoke(*argv)
    expected = [f"error: {message}"] + ([hint] if hint else [])
    assert (exit_code, stderr.splitlines()) == (code, expected)
    assert stdout == ""
    assert "Traceback" not in stderr


def test_success() -> None:
    assert invoke("pool") == (0, "[[6.0, 8.0], [4.0, 7.0]]\n", "")


def test_inline_matrix_from_the_command_line() -> None:
    assert invoke("pool", "-m", "1 3; 5 6")[:2] == (0, "[[6.0]]\n")


def test_stdin() -> None:
    assert invoke("pool", "-", stdin="1 3\n5 6\n")[:2] == (0, "[[6.0]]\n")


# Bad requests: exit 2


SIZES = "a whole number such as 2, or HxW (height first) such as 3x2"
JSON_AND_OUTPUT = (
    "--json and -o/--output cannot be combined; give --json to print JSON, or -o to write a file"
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-k", "0"], f"--size 0 must be at least 1; use {SIZES}"),
        (["-k", "-3"], f"--size -3 must be at least 1; use {SIZES}"),
        (["-k", "big"], f"--size 'big' is not a size; use {SIZES}"),
        (["-s", "0"], f"--stride 0 must be at least 1; use {SIZES}"),
        (["--stride=-1"], f"--stride -1 must be at least 1; use {SIZES}"),
        (["-s", "fast"], f"--stride 'fast' is not a size; use {SIZES}"),
        (["-d", "0"], f"--dilation 0 must be at least 1; use {SIZES}"),
        (["-d", "-2"], f"--dilation -2 must be at least 1; use {SIZES}"),
        (["-d", "wide"], f"--dilation 'wide' is not a size; use {SIZES}"),
        (
            ["-p", "-1"],
            "--padding -1 must be 0 or more; use a whole number such as 1, HxW (height first) "
            "such as 1x0, valid or same",
        ),
        (
            ["-m", "1 3 2 1; 5 6 8"],
            "row 2 has 3 values but row 1 has 4 (every row needs the same number of values)",
        ),
        (["-m", "1 3 x 1"], "'x' at row 1, column 3 is not a number"),
        (["-m", " "], 'the matrix is empty; give rows of numbers such as "1 3; 5 6"'),
        (
            ["-o", "out.jpg"],
            "--output out.jpg has an unknown extension .jpg; use .png, .svg or .pdf",
        ),
        (
            ["-o", "missing/out.png"],
            "--output missing/out.png: the folder missing does not exist; create it first",
        ),
        (["--scale", "0"], "--scale '0' is not a scale factor; use a number above 0 such as 0.5"),
        (
            ["--sample", "cat"],
            "--sample 'cat' is not a sample; use one of digit, edge, photo, rgb8x8, seed4x4, "
            "seed5x5 or list",
        ),
        (["--layout", "hwc"], "invalid value for '--layout': 'hwc' is not one of 'nhwc', 'nchw'"),
        (["x.png", "-m", "1"], "give one input, not INPUT and -m/--matrix"),
        (["--gray"], "--gray needs an input; give INPUT or --sample"),
        (["--bogus"], "no such option '--bogus'"),
        (["-k"], "option '-k' requires an argument"),
        (["a.png", "b.png"], "got unexpected extra argument (b.png)"),
        (["--json", "-o", "out.png"], JSON_AND_OUTPUT),
        (["-o", "out.png", "--json"], JSON_AND_OUTPUT),
        (["--output=out.svg", "-m", "1 3; 5 6", "--json"], JSON_AND_OUTPUT),
    ],
)
def test_bad_command_lines_exit_2(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a file named on the line is written nowhere that matters
    fails(["pool", *argv], 2, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["pool", "grad", "trace", "shift", "compare", "size"])
def test_every_command_refuses_json_with_an_output_file(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in ([command, "--json", "-o", "x.png"], [command, "-o", "x.png", "--json"]):
        result = CliRunner().invoke(main, argv)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.splitlines() == [
            f"error: {JSON_AND_OUTPUT}",
            f"try: poolviz {command} --help",
        ]
    assert list(tmp_path.iterdir()) == []


def test_window_that_does_not_fit() -> None:
    fails(
        ["pool", "-m", "1 2; 3 4", "-k", "3"],
        2,
        "a 3x3 window does not fit a 2x2 input with padding 0; use a smaller --size or add "
        "--padding",
        None,
    )


def test_padding_more_than_half_the_window() -> None:
    fails(
        ["pool", "-k", "2", "-p", "2"],
        2,
        "padding 2 exceeds half the window (1); use 0-1, valid or same",
        None,
    )


def test_missing_file(tmp_path: Path) -> None:
    fails(["pool", str(tmp_path / "no.png")], 2, f"{tmp_path / 'no.png'}: no such file", None)


def test_folder(tmp_path: Path) -> None:
    fails(["pool", str(tmp_path)], 2, f"{tmp_path}: is a folder; give a file inside it", None)


def test_unknown_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("photo.heic").write_bytes(b"\x00")
    fails(
        ["pool", "photo.heic"],
        2,
        "photo.heic: not an image format poolviz reads "
        "(png, jpg, bmp, gif, tiff, webp, npy, npz, txt, csv)",
        None,
    )


def test_no_such_command() -> None:
    fails(["paol"], 2, "no such command 'paol'. Did you mean 'pool'?", "try: poolviz --help")


# Files that exist but cannot be used: exit 1


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.png").write_bytes(b"")
    fails(["pool", str(tmp_path / "e.png")], 1, f"{tmp_path / 'e.png'}: the file is empty", None)


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_text("hello")
    fails(
        ["pool", str(tmp_path / "x.jpg")],
        1,
        f"{tmp_path / 'x.jpg'}: not an image, though its name ends in .jpg",
        None,
    )


def test_pickled_npy(tmp_path: Path) -> None:
    np.save(tmp_path / "o.npy", np.array([None], dtype=object), allow_pickle=True)
    fails(
        ["pool", str(tmp_path / "o.npy")],
        1,
        f"{tmp_path / 'o.npy'}: holds pickled Python objects, which poolviz never loads; "
        "save a numeric array with numpy.save",
        None,
    )


def test_five_dimensional_array(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((1, 1, 2, 2, 1)))
    fails(
        ["pool", str(tmp_path / "a.npy")],
        1,
        f"{tmp_path / 'a.npy'}: a 5-D array (1x1x2x2x1); poolviz reads (H, W), (H, W, C) or "
        "(N, H, W, C)",
        None,
    )


def test_bad_text_file(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text("1 2\n3 four\n")
    fails(
        ["pool", str(tmp_path / "m.txt")],
        1,
        f"{tmp_path / 'm.txt'}: 'four' at line 2, column 2 is not a number",
        None,
    )


# Interrupts and bugs


def test_ctrl_c_exits_130() -> None:
    assert invoke("interrupt") == (130, "", "\nerror: interrupted\n")


def test_a_bug_is_one_line_not_a_traceback() -> None:
    code, _, stderr = invoke("bug")
    assert code == 1
    assert re.fullmatch(
        r"error: internal error at test_errors_cli\.py:\d+: ZeroDivisionError: division by zero;"
        r" please report it\n",
        stderr,
    )


# Output files: complete or absent


def test_output_written(tmp_path: Path) -> None:
    assert invoke("pool", "-o", str(tmp_path / "out.png"))[0] == 0
    assert (tmp_path / "out.png").read_text() == "half a figure"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_failure_while_writing_leaves_no_file(tmp_path: Path) -> None:
    code, _, stderr = invoke("pool", "-o", str(tmp_path / "out.png"), "--fail-while-writing")
    assert (code, stderr) == (1, "error: the renderer gave up\n")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_keeps_the_old_file(tmp_path: Path) -> None:
    (tmp_path / "out.png").write_text("old")
    invoke("pool", "-o", str(tmp_path / "out.png"), "--fail-while-writing")
    assert (tmp_path / "out.png").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_bad_input_leaves_no_output(tmp_path: Path) -> None:
    code = invoke("pool", "-m", "1 2; 3 4", "-k", "3", "-o", str(tmp_path / "out.png"))[0]
    assert code == 2
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_keeps_the_extension_and_folder(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "fig.svg") as temporary:
        assert temporary.parent == tmp_path
        assert temporary.suffix == ".svg"
        assert not (tmp_path / "fig.svg").exists()
        temporary.write_text("<svg/>")
    assert (tmp_path / "fig.svg").read_text() == "<svg/>"
    assert not temporary.exists()


def test_atomic_output_on_ctrl_c(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_output(tmp_path / "fig.png") as temporary:
        temporary.write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_os_error_is_a_runtime_error(tmp_path: Path) -> None:
    with pytest.raises(PoolvizRuntimeError) as err, atomic_output(tmp_path / "o.png") as temp:
        temp.write_text("half")
        raise OSError(28, "No space left on device")
    assert err.value.exit_code == 1
    assert err.value.message == f"cannot write {tmp_path / 'o.png'}: no space left on device"
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_finds_the_os_error_a_cleanup_error_hides(tmp_path: Path) -> None:
    # matplotlib's PDF writer, closing its streams after the disk filled, raises its own
    # AttributeError: the full disk is still what the user is told
    with pytest.raises(PoolvizRuntimeError) as err, atomic_output(tmp_path / "o.pdf") as temp:
        temp.write_text("half")
        try:
            raise OSError(28, "No space left on device")
        finally:
            raise AttributeError("'Stream' object has no attribute 'pos'")  # noqa: B012
    assert err.value.message == f"cannot write {tmp_path / 'o.pdf'}: no space left on device"
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_passes_other_errors_on(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a write"), atomic_output(tmp_path / "o.png"):
        raise ValueError("not a write")
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "o.png"
    with pytest.raises(PoolvizRuntimeError) as err, atomic_output(target):
        raise AssertionError("the block ran")
    assert err.value.message == f"cannot write {target}: no such file or directory"


# The real group


def test_no_arguments_print_help() -> None:
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: poolviz [OPTIONS] COMMAND [ARGS]...\n")


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert (result.exit_code, result.stdout) == (0, "poolviz, version 0.1.0\n")


def test_python_m_poolviz_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "poolviz", "nosuch"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "error: no such command 'nosuch'\ntry: poolviz --help\n",
    )
