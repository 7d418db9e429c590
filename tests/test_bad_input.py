"""Bad input across every command: no input crashes poolviz, loses a file, or hangs.

Each bad invocation must exit 2 (a bad request) or 1 (a failure while running) with
``error: ...`` naming the problem on stderr, at most one hint line after it, nothing on
stdout, no ``Traceback`` or ``internal error`` anywhere, and no output or temporary file left
in the folder. The loaders, options and atomic writer have their own tests; this suite runs the
real commands end to end.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner, Result
from PIL import Image

import poolviz
from poolviz.cli import main
from poolviz.cli.app import PoolvizGroup


def invoke(*args: str, stdin: str | bytes | None = None) -> Result:
    """Run ``poolviz ARGS`` in-process, as click's runner does."""
    return CliRunner().invoke(main, list(args), input=stdin)


def refused(result: Result, code: int, *fragments: str) -> str:
    """Assert the project's error contract for ``result`` and return its error line."""
    output = result.output + result.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert result.exit_code == code, (result.exit_code, output)
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 2, lines
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""
    return lines[0]


def leftovers(folder: Path, inputs: set[str]) -> list[str]:
    """Files in ``folder`` other than ``inputs``: an output or a temporary file left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name not in inputs)


# The contract itself


def test_an_internal_error_is_still_one_line() -> None:
    """A bug's message can span lines (a parser's caret under the bad text); the report of it
    stays one line."""
    group = PoolvizGroup(name="poolviz")

    @group.command()
    def bug() -> None:
        raise ValueError("\nbad $x$\n    ^\nParseException: expected a symbol")

    result = CliRunner().invoke(group, ["bug"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: internal error at test_bad_input.py:")
    assert line.endswith(
        "ValueError: bad $x$ ^ ParseException: expected a symbol; please report it"
    )


# Extreme values


def test_pictures_of_the_largest_floats(tmp_path: Path) -> None:
    """Inputs too large for numbers are drawn as pictures of block means; a block of the
    largest floats overflowed (a RuntimeWarning, an internal error under ``-W error``), and
    so did the range of a picture spanning -max to max."""
    top = np.finfo(float).max
    x = np.full((60, 100), top)
    x[:, ::3] = -top
    x[0, :2] = np.inf, -np.inf
    np.save(tmp_path / "wide.npy", x)
    for command in ("pool", "grad", "shift"):
        result = invoke(command, str(tmp_path / "wide.npy"))
        assert result.exit_code == 0, result.output
    assert "values -1.798e+308 … 1.798e+308" in invoke("pool", str(tmp_path / "wide.npy")).stdout


def test_the_largest_floats_are_written_compactly(tmp_path: Path) -> None:
    """Written out in full the largest float64 is 309 digits: figures could not lay that out
    (matplotlib warned and gave up) and animation frames grew thousands of pixels wide."""
    np.save(tmp_path / "big.npy", np.full((4, 4), np.finfo(float).max))
    np.save(tmp_path / "int.npy", np.array([[2**62, -(2**62)], [999_999_999_999_999, 1]]))
    result = invoke("pool", str(tmp_path / "big.npy"))
    assert result.exit_code == 0, result.output
    assert "1.798e+308" in result.stdout and "0" * 20 not in result.stdout
    result = invoke("pool", str(tmp_path / "int.npy"), "-k", "1")
    assert "4.612e+18" in result.stdout and "-4.612e+18" in result.stdout
    assert "999999999999999" in result.stdout
    for command, out in (("pool", "p.png"), ("grad", "g.svg"), ("animate", "a.gif")):
        result = invoke(command, str(tmp_path / "big.npy"), "-o", str(tmp_path / out))
        assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.width < 1000


def test_demos_on_the_largest_floats(tmp_path: Path) -> None:
    """The shift table's range and mean change, compare's rebuild error and its convolution
    overflowed: a RuntimeWarning each (an internal error under ``-W error``), where the
    frameworks give infinity or NaN."""
    top = np.finfo(float).max
    x = np.full((8, 8), top)
    x[::2, ::2] = -top
    np.save(tmp_path / "x.npy", x)
    assert invoke("shift", str(tmp_path / "x.npy"), "--json").exit_code == 0
    result = invoke("compare", "-m", "1.7e308 -1.7e308; -1.7e308 1.7e308", "--json")
    assert result.exit_code == 0, result.output
    errors = [op.get("reconstruction_error") for op in json.loads(result.stdout)["operations"]]
    assert errors[0] == pytest.approx(0.75 * 1.7e308)
    for weights in ("1e308 1e308; 1e308 1e308", "inf -inf; 1 1"):
        result = invoke("compare", "--conv-weights", weights, "--json")
        assert result.exit_code == 0, result.output
    conv = json.loads(result.stdout)["operations"][-1]["output"]
    assert np.isnan(np.array(conv, dtype=float)).all()


def test_figures_of_the_largest_floats(tmp_path: Path) -> None:
    """matplotlib's colour scaling and colour-bar ticks overflowed on a range from -max to
    max (a RuntimeWarning, an internal error under ``-W error``)."""
    top = np.finfo(float).max
    x = np.full((60, 100), top)
    x[:, ::3] = -top
    np.save(tmp_path / "x.npy", x)
    for command in ("pool", "grad", "shift"):
        result = invoke(command, str(tmp_path / "x.npy"), "-o", str(tmp_path / "out.png"))
        assert result.exit_code == 0, result.output
    result = invoke(
        "grad", "-k", "2", "--grad-output", "1.7e308 -1.7e308; 3 4", "-o", str(tmp_path / "g.png")
    )
    assert result.exit_code == 0, result.output


# Option values


def test_a_negative_seed_is_a_usage_error() -> None:
    """NumPy's generator refuses negative seeds; the option let them through to a ValueError."""
    refused(
        invoke("grad", "--grad-output", "random", "--seed", "-5"),
        2,
        "invalid value for '--seed': -5 is not in the range x>=0",
    )
    assert invoke("grad", "--grad-output", "random", "--seed", str(2**70)).exit_code == 0


def test_the_shift_table_stops_where_the_input_is_gone() -> None:
    """The table measured every shift up to --shifts (by default --by): a --by of 10**20 never
    finished, and shifts past the input's edge only repeat the empty row."""
    result = invoke("shift", "--by", str(10**20), "--json")
    assert result.exit_code == 0, result.output
    assert max(row["shift"] for row in json.loads(result.stdout)["table"]) == 32
    refused(
        invoke("shift", "--shifts", "1000"),
        2,
        "--shifts 1000 is past the input: a shift of 32 columns already moves all of it out "
        "of view; use 1 to 32",
    )
    refused(
        invoke("shift", "-m", "1 2 3; 4 5 6", "--axis", "both", "--shifts", "3"), 2, "use 1 to 2"
    )
    result = invoke("shift", "-m", "1 2 3; 4 5 6", "-k", "1", "--axis", "y", "--json")
    assert {row["shift"] for row in json.loads(result.stdout)["table"]} == {1, 2}


def test_a_scale_past_any_image_size(tmp_path: Path) -> None:
    """A scale whose product with a side is infinite reached round() (an OverflowError)."""
    Image.fromarray(np.zeros((4, 6), np.uint8)).save(tmp_path / "a.png")
    for scale in ("1e308", "1e12"):
        for source in (["--sample", "photo"], [str(tmp_path / "a.png")]):
            refused(
                invoke("pool", *source, "--scale", scale),
                2,
                f"--scale {float(scale):g} would make the image more than 2,147,483,647 pixels "
                "a side, larger than an image can be; use a smaller --scale",
            )
    assert leftovers(tmp_path, {"a.png"}) == []


def test_stdin_drops_a_byte_order_mark() -> None:
    """As a text file does: Windows editors write one."""
    result = invoke("pool", "-", "--json", stdin=b"\xef\xbb\xbf1 2\n3 4\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == [[4.0]]


def test_stdin_takes_an_image_as_its_file_does() -> None:
    """``poolviz pool - < photo.png`` said ``'\\udc89PNG' at line 1 ... is not a number``."""
    photo = (Path(poolviz.__file__).parent / "samples" / "rgb8x8.png").read_bytes()
    piped = invoke("pool", "-", "--json", stdin=photo)
    named = invoke("pool", "--sample", "rgb8x8", "--json")
    assert piped.exit_code == named.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["output"] == json.loads(named.stdout)["output"]
    assert json.loads(piped.stdout)["input_shape"] == [1, 8, 8, 3]


def test_an_output_name_too_long_for_the_file_system(tmp_path: Path) -> None:
    """Checking the path raised ENAMETOOLONG from inside the option's conversion."""
    for command, ext in (("pool", "png"), ("animate", "gif"), ("size", "svg")):
        name = tmp_path / f"{'a' * 300}.{ext}"
        refused(invoke(command, "-o", str(name)), 2, f"--output {name}: file name too long")
    assert leftovers(tmp_path, set()) == []


def test_a_memory_budget_past_any_machine_is_no_limit() -> None:
    """Its float product overflowed (an OverflowError converting infinity to int)."""
    result = invoke("pool", "--sample", "seed4x4", "--max-memory", "1" + "0" * 400, "--json")
    assert result.exit_code == 0, result.output


def test_an_output_name_near_the_longest_is_written(tmp_path: Path) -> None:
    """The temporary name added 22 characters to the target's, so a name of 234 to 255 bytes
    could not be written at all."""
    for name in ("b" * 251 + ".png", "é" * 125 + ".svg"):
        result = invoke("pool", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).is_file()
    assert len(leftovers(tmp_path, set())) == 2


# Text drawn into figures


@pytest.mark.parametrize("command", ["pool", "grad", "shift", "compare", "size", "trace"])
def test_titles_are_drawn_as_typed(command: str, tmp_path: Path) -> None:
    """A title went to matplotlib as mathtext: a lone ``$\\frac{$`` failed its parser, a NUL
    had no glyph (a warning), a lone surrogate (an undecodable byte on the command line)
    could not be encoded into a PDF."""
    for title, ext in ((r"$\frac{$", "png"), ("a\x00b", "svg"), ("\udcff", "pdf")):
        out = tmp_path / f"t.{ext}"
        result = invoke(command, "-o", str(out), "--title", title)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert len(leftovers(tmp_path, set())) == 3


def test_file_names_in_figure_titles_are_drawn_as_typed(tmp_path: Path) -> None:
    """``shift`` puts the input's name in a figure title."""
    name = tmp_path / "a $\\frac{ b $.npy"
    np.save(name, np.arange(16.0).reshape(4, 4))
    result = invoke("shift", str(name), "-o", str(tmp_path / "s.pdf"))
    assert result.exit_code == 0, result.output


# Absurd sizes: quick, or refused clearly


def test_a_window_too_large_to_lay_out_is_refused(tmp_path: Path) -> None:
    """PyTorch takes a 100000x100000 window with padding 50000 over a 4x4 input, and so does
    the engine (one output cell); laying that window out cell by cell for the report needed
    75 GB (a MemoryError after half a minute)."""
    big = ["-k", "100000", "-p", "50000"]
    message = (
        "a 100000x100000 window has 10,000,000,000 cells, too many to show one by one "
        "(at most 1,048,576); use a smaller --size"
    )
    for command in (["pool"], ["grad"], ["animate", "-o", str(tmp_path / "a.gif")]):
        refused(invoke(*command, *big), 2, message)
    assert leftovers(tmp_path, set()) == []
    result = invoke("pool", *big, "--json")
    assert result.exit_code == 0, result.output
    (window,) = json.loads(result.stdout)["windows"]
    assert window["rows"][0] == -50000 and len(window["rows"]) == 100000
    assert window["value"] == 8.0 and window["argmax"] == [1, 2]


def test_large_windows_are_listed_in_part() -> None:
    """A 1000x1000 window printed all its million cells in the step table (10 MB of text,
    10 s) and drew them all for --at."""
    result = invoke("pool", "-k", "1000", "-p", "500")
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 10_000
    assert "… (1,000,000 cells)" in result.stdout
    result = invoke("pool", "-k", "1000", "-p", "500", "--at", "0,0")
    assert result.exit_code == 0, result.output
    assert "its first 40 rows and 40 columns of 1000x1000:" in result.stdout
    assert "max(1, 3, 2, 1, 5, 6, 8, 4, 2, 4, 7, 3, 1, 0, 3, 2) = 8" in result.stdout
    assert len(result.stdout) < 20_000
    result = invoke("pool", "--sample", "digit", "-k", "7", "--mode", "avg", "--at", "0,0")
    assert "+ 0 + … 17 more) / 49 = 11.20" in result.stdout
    result = invoke("pool", "--sample", "digit", "-k", "5", "-d", "2", "-s", "1", "--steps", "1")
    assert " 0..8 step 2 " in result.stdout


def test_compare_refuses_a_convolution_too_large_to_run() -> None:
    """compare's convolution takes the window as its kernel: -k 100000 made 10**10 weights
    (75 GB) before a single one was used, and -k 1000 printed all million of them."""
    refused(
        invoke("compare", "-k", "100000", "-p", "50000"),
        2,
        "a 100000x100000 convolution over this input would take 10,000,000,000 multiply-adds, "
        "more than poolviz runs (2,147,483,648); use a smaller --size or a larger --stride",
    )
    result = invoke("compare", "-k", "1000", "-p", "500")
    assert result.exit_code == 0, result.output
    assert "fixed weights 1e-06 1e-06" in result.stdout
    assert "… (1,000,000 weights)" in result.stdout
    assert len(result.stdout) < 10_000


# Resource limits


@pytest.mark.parametrize(
    ("args", "task", "needed"),
    [
        (["pool", "--json"], "poolviz pool --json on it", "1.8 MiB"),
        (["pool", "-o", "{out}/p.png"], "poolviz pool -o on it", "2.3 MiB"),
        (["grad"], "poolviz grad on it", "5.5 MiB"),
        (["grad", "--json"], "poolviz grad --json on it", "13.7 MiB"),
        (["grad", "-o", "{out}/g.png"], "poolviz grad -o on it", "3.7 MiB"),
        (["shift"], "poolviz shift on it", "1.6 MiB"),
        (["shift", "-o", "{out}/s.svg"], "poolviz shift -o on it", "2.7 MiB"),
        (["compare", "--json"], "poolviz compare --json on it", "9.2 MiB"),
        (["animate", "-o", "{out}/a.gif"], "poolviz animate -o on it", "1.4 MiB"),
        (["animate"], "poolviz animate on it", "2.3 MiB"),
    ],
)
def test_every_command_budgets_its_own_memory(
    args: list[str], task: str, needed: str, tmp_path: Path
) -> None:
    """The budget assumed every command needed what pooling does (three times the input);
    grad needs about 22 times, its --json 57, shift's and compare's --json 35 (tracemalloc,
    600x600x3): a budget that pooling fits must refuse them."""
    np.save(tmp_path / "x.npy", np.zeros((100, 100, 3)))
    argv = [a.format(out=tmp_path) for a in args]
    pooling = invoke("pool", str(tmp_path / "x.npy"), "--max-memory", "1.2M", "--steps", "0")
    assert pooling.exit_code == 0, pooling.output  # 3 x 240 kB fits
    line = refused(invoke(*argv, str(tmp_path / "x.npy"), "--max-memory", "1.2M"), 1)
    assert line == (
        f"error: {tmp_path / 'x.npy'}: {task} would need about {needed}, over the memory "
        "budget of 1.2 MiB; raise --max-memory or shrink it (--scale, --resize)"
    )
    assert leftovers(tmp_path, {"x.npy"}) == []


def test_a_compressed_npz_is_budgeted_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """93 kB of savez_compressed unpacked to 96 MB before the budget looked at it: the
    header of the array an .npz holds tells its size, as a .npy's does."""
    np.savez_compressed(tmp_path / "bomb.npz", a=np.zeros((2000, 2000, 3)))
    np.savez(tmp_path / "two.npz", a=np.zeros((3, 4)), b=np.zeros((2000, 2000)))

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the array was loaded")

    monkeypatch.setattr("poolviz.loaders.paths.load_file", never)
    for given, size in (("bomb.npz", "274.7 MiB"), ("two.npz:b", "91.6 MiB")):
        path = str(tmp_path / given)
        line = refused(invoke("pool", path, "--max-memory", "64M"), 1)
        assert line.startswith(f"error: {path}: pooling it would need about {size} ")


def test_trace_refuses_a_huge_model_file_unread(tmp_path: Path) -> None:
    """trace read a Keras JSON whole, whatever its size (a parse needs several times it)."""
    path = tmp_path / "model.json"
    with path.open("wb") as f:
        f.truncate((64 << 20) + 1)  # sparse: no disk used, and never read
    refused(
        invoke("trace", str(path)),
        1,
        f"{path}: 67,108,865 bytes, more than the 67,108,864 poolviz reads as text; give a "
        "Keras model saved with model.to_json()",
    )


def test_sums_shown_of_infinities_and_the_largest_floats(tmp_path: Path) -> None:
    """The reports add up a window (average) and the gradient in and out; with infinities of
    both signs or the largest floats NumPy warned (an internal error under ``-W error``)."""
    result = invoke("pool", "-m", "inf -inf; nan 1", "--mode", "avg")
    assert result.exit_code == 0, result.output
    assert "inf -inf / nan 1            nan / 4 = nan" in result.stdout
    huge = "; ".join([" ".join(["1.7e308"] * 5)] * 5)
    for extra in ([], ["-o", str(tmp_path / "g.png")], ["--json"]):
        result = invoke("grad", "-k", "1", "--grad-output", huge, *extra)
        assert result.exit_code == 0, result.output
    assert (
        "gradient in inf, gradient out inf"
        in invoke("grad", "-k", "1", "--grad-output", huge).stdout
    )


# Overflow at the largest floats: inf and NaN, silently, as PyTorch


def test_average_pooling_of_the_largest_floats() -> None:
    huge = "1.7e308 1.7e308; 1.7e308 1.7e308"
    result = invoke("pool", "-m", huge, "--mode", "avg", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == [["inf"]]
    assert invoke("pool", "-m", "inf -inf", "-k", "1x2", "--mode", "avg").exit_code == 0
    assert invoke("compare", "-m", huge).exit_code == 0


def test_gradients_adding_up_past_the_largest_float() -> None:
    result = invoke(
        "grad", "-k", "3", "-s", "2", "--grad-output", "1.7e308 1.7e308; 1.7e308 1.7e308"
    )
    assert result.exit_code == 0, result.output


def test_animation_pictures_of_the_largest_floats(tmp_path: Path) -> None:
    top = np.finfo(float).max
    x = np.full((60, 100), top)
    x[:, ::3] = -top
    np.save(tmp_path / "x.npy", x)
    result = invoke("animate", str(tmp_path / "x.npy"), "-o", str(tmp_path / "a.gif"))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def one_row(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1x1000000 matrix (values 0-6)."""
    path = tmp_path_factory.mktemp("row") / "row.npy"
    np.save(path, (np.arange(1_000_000.0) % 7).reshape(1, -1))
    return path


def test_a_one_by_a_million_row_in_the_terminal(one_row: Path) -> None:
    """Grids of numbers were built for the whole row before their width was compared with
    the terminal's (pool: minutes), and the picture's blocks of 27028 columns padded the one
    row to 27028 rows first (shift, compare: a MemoryError for 200 GB)."""
    refused(
        invoke("pool", str(one_row)),
        2,
        "a 2x2 window does not fit a 1x1000000 input with padding 0; use a smaller --size",
    )
    for command in ("pool", "shift"):
        result = invoke(command, str(one_row), "-k", "1x2")
        assert result.exit_code == 0, result.output
        assert len(result.stdout) < 5_000


def test_grad_of_a_one_by_a_million_row(one_row: Path) -> None:
    """Ties were sought one window object at a time, and the routes built four times over,
    with a style for each of the million cells before they were drawn as a picture: minutes;
    now array passes, and the routes once."""
    result = invoke("grad", str(one_row), "-k", "1x2")
    assert result.exit_code == 0, result.output
    assert "500,000 of 1,000,000 cells get no gradient" in result.stdout


# The table: bad invocations of every command


def _png(size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.arange(size[0] * size[1], dtype=np.uint8).reshape(size)).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


BAD_FILES: dict[str, Callable[[], bytes]] = {
    "empty.png": lambda: b"",
    "cut.png": lambda: _png()[: len(_png()) * 2 // 3],
    "cut.jpg": lambda: _jpeg()[: len(_jpeg()) // 2],
    "text.png": lambda: b"this is not an image\n",
    "text.webp": lambda: b"RIFF\x00\x00\x00\x00WEBPjunk",
    "pickle.npy": lambda: pickle.dumps([[1, 2], [3, 4]]),
    "object.npy": lambda: _npy(np.array([[1, None], [2, 3]], dtype=object), allow_pickle=True),
    "complex.npy": lambda: _npy(np.ones((3, 3), complex)),
    "string.npy": lambda: _npy(np.array([["a", "b"], ["c", "d"]])),
    "five.npy": lambda: _npy(np.zeros((1, 1, 2, 2, 1))),
    "one.npy": lambda: _npy(np.zeros(4)),
    "zero.npy": lambda: _npy(np.zeros((0, 3))),
    "cut.npy": lambda: _npy(np.zeros((4, 4)))[:100],
    "header.npy": lambda: b"\x93NUMPY\x01\x00junk",
    "ragged.txt": lambda: b"1 2 3\n4 5\n",
    "words.txt": lambda: b"1 a\n2 3\n",
    "rows.txt": lambda: b"1 2; 3 4\n",
    "blank.csv": lambda: b"\n\n# only a comment\n",
    "latin1.txt": lambda: "1 2\n3 é\n".encode("latin-1"),
    "huge.txt": lambda: b"1e999 1\n2 3\n",
    "two.npz": lambda: _npz(a=np.ones((2, 2)), b=np.ones((3, 3))),
    "none.npz": lambda: _npz(),
    "junk.npz": lambda: b"PK\x03\x04 not really a zip",
    "model.json": lambda: b"{not json",
    "list.json": lambda: b"[1, 2]",
    "conv.json": lambda: (
        b'{"class_name": "Sequential", "config": {"layers": '
        b'[{"class_name": "Conv2D", "config": {}}]}}'
    ),
    "empty.json": lambda: b"",
    "notes.txt": lambda: b"a regular file, used as if it were a folder\n",
    "ok.npy": lambda: _npy(np.arange(16.0).reshape(4, 4)),
}
"""Inputs every kind of loader reads, broken in every way they can be; written once."""


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    for name, content in BAD_FILES.items():
        (folder / name).write_bytes(content())
    return folder


# (argv, exit code, a fragment of the error line). In argv, @name is a file of BAD_FILES,
# {out} the test's own empty folder for outputs, {in} the folder of inputs.
CASES: list[tuple[list[str], int, str]] = [
    # pool: files of every kind
    (["pool", "@empty.png"], 1, "empty.png: the file is empty"),
    (["pool", "@cut.png"], 1, "cut.png: the image data is truncated or corrupt"),
    (["pool", "@cut.jpg"], 1, "cut.jpg: the image data is truncated or corrupt"),
    (["pool", "@text.png"], 1, "text.png: not an image, though its name ends in .png"),
    (["pool", "@text.webp"], 1, "text.webp: not an image, though its name ends in .webp"),
    (["pool", "@pickle.npy"], 1, "pickle.npy: holds pickled Python objects"),
    (["pool", "@object.npy"], 1, "object.npy: holds pickled Python objects"),
    (["pool", "@complex.npy"], 1, "complex.npy: holds complex values (complex128)"),
    (["pool", "@string.npy"], 1, "string.npy: holds string values (<U1)"),
    (["pool", "@five.npy"], 1, "five.npy: a 5-D array (1x1x2x2x1); poolviz reads (H, W)"),
    (["pool", "@one.npy"], 1, "one.npy: a 1-D array (4)"),
    (["pool", "@zero.npy"], 1, "zero.npy: shape 0x3 has an axis of length 0"),
    (["pool", "@cut.npy"], 1, "cut.npy: the .npy file is truncated or corrupt"),
    (["pool", "@header.npy"], 1, "header.npy: the .npy file is truncated or corrupt"),
    (["pool", "@ragged.txt"], 1, "ragged.txt: line 2 has 2 values but line 1 has 3"),
    (["pool", "@words.txt"], 1, "words.txt: 'a' at line 1, column 2 is not a number"),
    (
        ["pool", "@rows.txt"],
        1,
        "rows.txt: '2;' at line 1, column 2 is not a number; each row "
        "goes on a line of its own (-m takes '1 2; 3 4')",
    ),
    (["pool", "@blank.csv"], 1, "blank.csv: no numbers found"),
    (["pool", "@latin1.txt"], 1, "latin1.txt: not a text file (not UTF-8)"),
    (["pool", "@huge.txt"], 1, "'1e999' at line 1, column 1 is too large for a float64"),
    (["pool", "@two.npz"], 2, "two.npz: holds 2 arrays (a, b); pick one as two.npz:NAME"),
    (["pool", "@two.npz:c"], 2, "two.npz:c: no array named 'c'; it holds a, b"),
    (["pool", "@none.npz"], 1, "none.npz: the archive holds no arrays"),
    (["pool", "@junk.npz"], 1, "junk.npz: the .npz file is truncated or corrupt"),
    (["pool", "@model.json"], 2, "model.json: not an image format poolviz reads"),
    (
        ["pool", "--mode", "lp", "--norm-type", "0"],
        2,
        "--norm-type 0 has no 1/p; use a nonzero number such as 2, or inf",
    ),
    (
        ["grad", "--mode", "lp", "--norm-type", "nan"],
        2,
        "--norm-type nan has no 1/p; use a nonzero number such as 2, or inf",
    ),
    (["pool", "@missing.png"], 2, "missing.png: no such file"),
    (["pool", "{in}"], 2, ": is a folder; give a file inside it"),
    (["pool", "-", "--gray"], 2, "--gray applies to images, not stdin"),
    # pool: matrices and options
    (["pool", "-m", "1 2; 3"], 2, "row 2 has 1 value but row 1 has 2"),
    (["pool", "-m", "1 x; 2 3"], 2, "'x' at row 1, column 2 is not a number"),
    (["pool", "-m", ""], 2, "the matrix is empty"),
    (["pool", "-m", "1 2 | 3"], 2, "channel 2 is 1x1 but channel 1 is 1x2"),
    (["pool", "-k", "0"], 2, "--size 0 must be at least 1"),
    (["pool", "-k", "-3"], 2, "--size -3 must be at least 1"),
    (["pool", "-k", "three"], 2, "--size 'three' is not a size"),
    (["pool", "-k", "3x2x1"], 2, "--size '3x2x1' is not a size"),
    (["pool", "-s", "0"], 2, "--stride 0 must be at least 1"),
    (["pool", "-d", "0"], 2, "--dilation 0 must be at least 1"),
    (["pool", "-d", "1.5"], 2, "--dilation '1.5' is not a size"),
    (["pool", "-p", "-1"], 2, "--padding -1 must be 0 or more"),
    (["pool", "-p", "half"], 2, "--padding 'half' is not a padding"),
    (["pool", "-k", "2", "-p", "2"], 2, "padding 2 exceeds half the window (1); use 0-1"),
    (["pool", "-k", "3", "-p", "1x2"], 2, "padding 2 exceeds half the window (1)"),
    (["pool", "--mode", "avg", "-d", "2"], 2, "average pooling takes no dilation"),
    (["pool", "--mode", "median"], 2, "'median' is not one of 'max', 'avg'"),
    (["pool", "--ceil-mode", "-p", "same"], 2, "ceil_mode does not apply to padding 'same'"),
    (["pool", "-m", "1 2; 3 4", "--sample", "edge"], 2, "give one input, not -m/--matrix and"),
    (["pool", "@ok.npy", "-m", "1 2"], 2, "give one input, not INPUT and -m/--matrix"),
    (["pool", "@ok.npy", "--gray"], 2, "--gray applies to images, not"),
    (["pool", "@ok.npy", "--resize", "2x2"], 2, "--resize applies to images, not"),
    (["pool", "--resize", "0x4", "--sample", "photo"], 2, "--resize 0x4 must be at least 1"),
    (["pool", "--scale", "-1", "--sample", "photo"], 2, "--scale '-1' is not a scale factor"),
    (["pool", "--sample", "photo", "--resize", "4x4", "--scale", "2"], 2, "give one of them"),
    (["pool", "--sample", "seed4x4", "--layout", "nchw"], 2, "--layout nchw applies to .npy"),
    (["pool", "--layout", "hwcn"], 2, "'hwcn' is not one of 'nhwc', 'nchw'"),
    (["pool", "--sample", "cat"], 2, "--sample 'cat' is not a sample"),
    (["pool", "--at", "5,5"], 2, "--at 5,5 is outside the 2x2 output; use rows 0-1"),
    (["pool", "--at", "1"], 2, "--at '1' is not a cell"),
    (["pool", "--at", "-1,0"], 2, "--at -1,0: rows and columns count from 0"),
    (["pool", "--channel", "3"], 2, "--channel 3 is out of range; the input has only channel 0"),
    (["pool", "--channel", "0,0"], 2, "--channel 0,0 names channel 0 twice"),
    (["pool", "--item", "1"], 2, "--item 1 is out of range; the input has items 0-0"),
    (["pool", "--item", "-1"], 2, "'--item': -1 is not in the range x>=0"),
    (["pool", "--steps", "some"], 2, "--steps 'some' is not a number of steps"),
    (["pool", "--max-memory", "lots"], 2, "--max-memory 'lots' is not a memory size"),
    (["pool", "--dpi", "5", "-o", "{out}/p.png"], 2, "'--dpi': 5 is not in the range"),
    (["pool", "--cmap", "rainbowish", "-o", "{out}/p.png"], 2, "is not a matplotlib colour map"),
    (["pool", "--no-such-option"], 2, "no such option '--no-such-option'"),
    # pool: outputs that cannot be written
    (["pool", "-o", "{out}/missing/p.png"], 2, "/missing does not exist; create it first"),
    (
        ["pool", "-o", "{out}/p.bmp"],
        2,
        "has an unknown extension .bmp; use .png, .svg, .pdf or .html",
    ),
    (["pool", "-o", "{out}/p"], 2, "has no extension; use .png, .svg, .pdf or .html"),
    (
        ["pool", "-o", "{out}"],
        2,
        "is a folder; give a file name ending in .png, .svg, .pdf or .html",
    ),
    (["pool", "-o", "@notes.txt/p.png"], 2, "notes.txt is not a folder"),
    # pool: absurd sizes
    (["pool", "-k", "100000"], 2, "a 100000x100000 window does not fit a 4x4 input"),
    (["pool", "-k", "99999999999999999999"], 2, "is not a size"),
    (["pool", "-k", "100000", "-p", "50000"], 2, "too many to show one by one"),
    (["pool", "--sample", "photo", "--resize", "100000x100000"], 2, "over Pillow's limit"),
    (["pool", "--sample", "photo", "--scale", "1e300"], 2, "larger than an image can be"),
    # grad
    (["grad", "@cut.png"], 1, "cut.png: the image data is truncated or corrupt"),
    (["grad", "@pickle.npy"], 1, "holds pickled Python objects"),
    (["grad", "--grad-output", "1 2 3"], 2, "--grad-output is 1x3 but the output is 2x2"),
    (["grad", "--grad-output", "1 2 | 3 4"], 2, "--grad-output has shape (1, 2, 2)"),
    (["grad", "--grad-output", "gradual"], 2, "'gradual' at row 1, column 1 is not a number"),
    (["grad", "--seed", "-1", "--grad-output", "random"], 2, "'--seed': -1 is not in the range"),
    (["grad", "-k", "3", "-p", "2"], 2, "padding 2 exceeds half the window (1)"),
    (["grad", "--mode", "avg", "-d", "2"], 2, "average pooling takes no dilation"),
    (["grad", "--at", "9,9"], 2, "--at 9,9 is outside the 2x2 output"),
    (["grad", "--channel", "1"], 2, "--channel 1 is out of range"),
    (["grad", "-o", "{out}/g.gif"], 2, "has an unknown extension .gif"),
    (["grad", "-k", "100000", "-p", "50000"], 2, "too many to show one by one"),
    # trace
    # features: the bundled model on a bad image, a bad model, bad options
    (["features", "@empty.png"], 1, "empty.png: the file is empty"),
    (["features", "@cut.png"], 1, "cut.png: the image data is truncated or corrupt"),
    (["features", "@missing.png"], 2, "missing.png: no such file"),
    (["features", "@model.json"], 1, "model.json is not an ONNX model"),
    (["features", "{in}"], 2, "is a folder; give an ONNX model (.onnx)"),
    (["features", "--layer", "nope"], 2, "--layer 'nope' is not a pooling node of digits.onnx"),
    (["features", "--channel", "99"], 2, "--channel 99 does not exist"),
    (["features", "--top", "0"], 2, "'--top': 0 is not in the range x>=1"),
    (["features", "--shifts", "40"], 2, "moves the image 40 pixels, past its 28-pixel side"),
    (["features", "--std", "0"], 2, "--std must not be 0"),
    (["features", "--resize", "3x3"], 2, "digits.onnx takes 28x28 images"),
    (["features", "--max-memory", "1K"], 1, "over the memory budget"),
    (["features", "-o", "@notes.txt/a.png"], 2, "notes.txt is not a folder"),
    (["trace", "conv 32"], 2, "conv at position 1 in the spec needs SIZE"),
    (["trace", "conv 32 3, pool 2"], 2, "unknown layer 'pool' at position 2 in the spec"),
    (["trace", ""], 2, "the spec is empty"),
    (["trace", "conv 32 3 stride 0"], 2, "bad stride '0' in conv at position 1"),
    (["trace", "maxpool 2 pad 5"], 2, "padding 5 exceeds half the window (1)"),
    (["trace", "maxpool 2", "--input", "1x1x1"], 2, "does not fit its input (batch, 1, 1, 1)"),
    (["trace", "flatten, conv 8 3"], 2, "needs an (h, w, c) feature map, got (batch, 784)"),
    (["trace", "vgg16", "--input", "16x16x3"], 2, "does not fit its input"),
    (["trace", "--input", "28x28"], 2, "--input '28x28' is not HxWxC"),
    (["trace", "--input", "0x28x1"], 2, "--input 0x28x1 has a size below 1"),
    (["trace", "--batch", "0"], 2, "'--batch': 0 is not in the range x>=1"),
    (["trace", "--compare", "all"], 2, "--compare 'all' is not a counterfactual"),
    (["trace", "@missing.json"], 2, "missing.json: no such file"),
    (["trace", "@model.json"], 1, "is not JSON (line 1, column 2"),
    (["trace", "@list.json"], 1, "not a Keras model"),
    (["trace", "@conv.json"], 1, "layer '?' (Conv2D) has an unreadable config ('filters')"),
    (["trace", "@empty.json"], 1, "empty.json: the file is empty"),
    (["trace", "-o", "{out}/t.gif"], 2, "has an unknown extension .gif"),
    (["trace", "-o", "@notes.txt/t.png"], 2, "notes.txt is not a folder"),
    # shift
    (["shift", "--by", "0"], 2, "'--by': 0 is not in the range x>=1"),
    (["shift", "--by", "one"], 2, "'one' is not a valid integer range"),
    (["shift", "--axis", "z"], 2, "'z' is not one of 'x', 'y', 'both'"),
    (["shift", "--layers", "0"], 2, "'--layers': 0 is not in the range 1<=x<=16"),
    (["shift", "--layers", "17"], 2, "'--layers': 17 is not in the range 1<=x<=16"),
    (["shift", "--shifts", "0"], 2, "'--shifts': 0 is not in the range x>=1"),
    (["shift", "--shifts", "33"], 2, "--shifts 33 is past the input"),
    (["shift", "-k", "5"], 2, "a 5x5 window does not fit a 4x4 input"),
    (["shift", "@ragged.txt"], 1, "line 2 has 2 values but line 1 has 3"),
    (["shift", "@text.png", "-o", "{out}/s.png"], 1, "not an image"),
    # compare
    (["compare", "--conv-weights", ""], 2, "the matrix is empty"),
    (["compare", "--conv-weights", "1 x"], 2, "'x' at row 1, column 2 is not a number"),
    (["compare", "--conv-weights", "1 2 | 3 4"], 2, "convolution weights must be one 2-D matrix"),
    (["compare", "--conv-weights", "1 2 3 4 5"], 2, "a window of 5 (span 5) does not fit"),
    (["compare", "-k", "5"], 2, "a 5x5 window does not fit a 4x4 input"),
    (["compare", "-k", "100000", "-p", "50000"], 2, "would take 10,000,000,000 multiply-adds"),
    (["compare", "@empty.png"], 1, "the file is empty"),
    (["compare", "@two.npz"], 2, "holds 2 arrays (a, b)"),
    (["compare", "-o", "{out}/missing/c.png"], 2, "does not exist; create it first"),
    # size
    (["size", "0"], 2, "size 0 must be at least 1"),
    (["size", "thirteen"], 2, "'thirteen' is not a size"),
    (["size", "3x3x3"], 2, "'3x3x3' is not a size"),
    (["size", "-1"], 2, "no such option '-1'"),
    (["size", "99999999999999999999"], 2, "length 99999999999999999999 is out of range"),
    (["size", "5", "-k", "10"], 2, "a window of 10 does not fit a length of 5"),
    (["size", "5", "-k", "2", "-p", "3"], 2, "padding 3 exceeds half the window (1)"),
    (["size", "5", "--ceil-mode", "-p", "same"], 2, "ceil_mode does not apply to padding 'same'"),
    (["size", "13", "--channels", "0"], 2, "'--channels': 0 is not in the range x>=1"),
    (["size", "-o", "{out}/s.gif"], 2, "has an unknown extension .gif"),
    # animate
    (["animate", "--fps", "0", "-o", "{out}/a.gif"], 2, "--fps 0 must be between 1 and 30"),
    (["animate", "--fps", "fast", "-o", "{out}/a.gif"], 2, "--fps 'fast' is not a number"),
    (["animate", "--item", "1", "-o", "{out}/a.gif"], 2, "--item 1 is out of range"),
    (["animate", "--channel", "1", "-o", "{out}/a.gif"], 2, "--channel 1 is out of range"),
    (["animate", "-o", "{out}/a.pdf"], 2, "unknown extension .pdf; use .gif, .apng, .mp4 or .png"),
    (["animate", "--mode", "avg", "-d", "2", "-o", "{out}/a.gif"], 2, "takes no dilation"),
    (["animate", "-k", "0", "-o", "{out}/a.gif"], 2, "--size 0 must be at least 1"),
    (["animate", "@cut.jpg", "-o", "{out}/a.gif"], 1, "truncated or corrupt"),
    (["animate", "@object.npy", "-o", "{out}/a.png"], 1, "holds pickled Python objects"),
    (["animate", "-o", "@notes.txt/a.gif"], 2, "notes.txt is not a folder"),
    (["explore", "-k", "0"], 2, "--size 0 must be at least 1"),
    (["explore", "-k", "2", "-p", "3"], 2, "padding 3 exceeds half the window (1)"),
    (["explore", "-k", "5"], 2, "a 5x5 window does not fit a 4x4 input"),
    (["explore", "--mode", "avg", "-d", "2"], 2, "takes no dilation"),
    (["explore", "--item", "1"], 2, "--item 1 is out of range"),
    (["explore", "-m", "1 2; 3"], 2, "row 2"),
    (["explore", "--sample", "nope"], 2, "--sample 'nope' is not a sample"),
    (["explore", "@cut.jpg"], 1, "truncated or corrupt"),
    (["explore", "-p", "same", "--ceil-mode"], 2, "ceil_mode does not apply to padding 'same'"),
    (
        ["animate", "--sample", "digit", "-k", "1", "--dpi", "1200", "-o", "{out}/a.gif"],
        2,
        "more than 4000 a side; use --dpi",
    ),
]


@pytest.mark.parametrize(
    ("argv", "code", "fragment"), CASES, ids=[" ".join(argv) for argv, _, _ in CASES]
)
def test_bad_invocation(
    argv: list[str], code: int, fragment: str, bad_files: Path, tmp_path: Path
) -> None:
    args = [
        str(bad_files / a[1:]) if a.startswith("@") else a.format(out=tmp_path, **{"in": bad_files})
        for a in argv
    ]
    line = refused(invoke(*args, stdin=""), code, fragment)
    assert len(line) < 400
    assert leftovers(tmp_path, set()) == []
    assert leftovers(bad_files, set(BAD_FILES)) == []


def test_the_table_covers_every_command() -> None:
    counts = Counter(argv[0] for argv, _, _ in CASES)
    assert set(counts) == set(main.list_commands(click.Context(main)))
    assert len(CASES) >= 60 and min(counts.values()) >= 8


# Outputs: atomic, or not at all


def _fail_midway(error: BaseException) -> Callable[..., None]:
    """A stand-in for a writer that gets half a file out, then fails with ``error``."""

    def write(self: object, target: object, *args: object, **kwargs: object) -> None:
        with open(target, "wb") as f:  # type: ignore[call-overload]
            f.write(b"half a file")
        raise error

    return write


FIGURE_RUNS = [
    ["pool", "-o", "{out}/fig.png"],
    ["grad", "-o", "{out}/fig.svg"],
    ["shift", "-o", "{out}/fig.pdf"],
    ["compare", "-o", "{out}/fig.png"],
    ["size", "-o", "{out}/fig.png"],
    ["trace", "-o", "{out}/fig.png"],
]


@pytest.mark.parametrize("argv", FIGURE_RUNS, ids=lambda argv: argv[0])
def test_a_disk_full_while_saving_keeps_the_old_file(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    target = tmp_path / Path(argv[-1]).name
    target.write_bytes(b"the old figure")
    monkeypatch.setattr(Figure, "savefig", _fail_midway(OSError(28, "No space left on device")))
    args = [a.format(out=tmp_path) for a in argv]
    refused(invoke(*args), 1, f"error: cannot write {target}: no space left on device")
    assert target.read_bytes() == b"the old figure"
    assert leftovers(tmp_path, {target.name}) == []


@pytest.mark.parametrize("argv", FIGURE_RUNS, ids=lambda argv: argv[0])
def test_ctrl_c_while_saving_leaves_no_file(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", _fail_midway(KeyboardInterrupt()))
    result = invoke(*[a.format(out=tmp_path) for a in argv])
    # the blank line first is click's: it ends the line where the terminal echoed ^C
    assert (result.exit_code, result.stderr, result.stdout) == (130, "\nerror: interrupted\n", "")
    assert leftovers(tmp_path, set()) == []


def test_ctrl_c_while_writing_a_gif_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.gif"
    target.write_bytes(b"the old animation")

    def interrupted(self: object, fp: object, *args: object, **kwargs: object) -> None:
        fp.write(b"GIF89a half")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", interrupted)
    result = invoke("animate", "-o", str(target))
    assert (result.exit_code, result.stderr) == (130, "\nerror: interrupted\n")
    assert target.read_bytes() == b"the old animation"
    assert leftovers(tmp_path, {"a.gif"}) == []


def test_a_folder_that_refuses_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, where chmod stops nothing: the refusal is injected where the
    temporary file is created."""
    import poolviz.render.output as output

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.os, "open", refuse)
    for argv in (["pool", "-o", "p.png"], ["animate", "-o", "a.gif"], ["size", "-o", "s.svg"]):
        target = tmp_path / argv[-1]
        result = invoke(*argv[:-1], str(target))
        refused(result, 1, f"error: cannot write {target}: permission denied")
    assert leftovers(tmp_path, set()) == []


def test_an_image_over_pillows_pixel_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the limit (and over twice it, where Pillow itself refuses), before any pixel is
    decoded; the limit is lowered so that the images stay small."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    Image.fromarray(np.zeros((12, 12), np.uint8)).save(tmp_path / "over.png")
    Image.fromarray(np.zeros((30, 30), np.uint8)).save(tmp_path / "far.png")

    def never(self: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", never)
    for name, pixels in (("over.png", "144"), ("far.png", "900")):
        for command in ("pool", "grad", "animate"):
            refused(
                invoke(command, str(tmp_path / name), "-o", str(tmp_path / "x.png")),
                1,
                f"{name}: {pixels} pixels is over Pillow's limit of 100 pixels (MAX_IMAGE_PIXELS)",
            )
    assert leftovers(tmp_path, {"over.png", "far.png"}) == []


# Real processes


def run_poolviz(*args: str | bytes, code: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m poolviz ARGS`` (or ``python -c CODE ARGS``) in a fresh process, warnings
    as errors as in the test suite."""
    head = ["-c", code] if code is not None else ["-m", "poolviz"]
    return subprocess.run(
        [sys.executable, "-W", "error", *head, *args], capture_output=True, timeout=120
    )


def test_real_processes_keep_the_contract(tmp_path: Path) -> None:
    (tmp_path / "bad.npy").write_bytes(pickle.dumps({"not": "an array"}))
    done = run_poolviz("pool", str(tmp_path / "bad.npy"))
    assert done.returncode == 1
    assert done.stderr.decode() == (
        f"error: {tmp_path / 'bad.npy'}: holds pickled Python objects, which poolviz never "
        "loads; save a numeric array with numpy.save\n"
    )
    done = run_poolviz("size", "13", "-k", "0")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "error: --size 0 must be at least 1; use a whole number such as 2, or HxW (height "
        "first) such as 3x2",
        "try: poolviz size --help",
    ]
    # undecodable bytes on the command line reach the figure as U+FFFD, not a TypeError
    done = run_poolviz("pool", "-o", os.fsencode(tmp_path) + b"/\xff.pdf", "--title", b"\xff")
    assert (done.returncode, done.stderr) == (0, b"")
    assert leftovers(tmp_path, {"bad.npy"}) == [os.fsdecode(b"\xff.pdf")]


def test_a_real_ctrl_c_while_saving_leaves_no_file(tmp_path: Path) -> None:
    """SIGINT delivered to the process itself once half the figure is written."""
    code = """if True:
        import os, signal, sys
        from matplotlib.figure import Figure
        def interrupted(self, target, *args, **kwargs):
            with open(target, "wb") as f:
                f.write(b"half a figure")
            os.kill(os.getpid(), signal.SIGINT)
        Figure.savefig = interrupted
        from poolviz.cli import run
        run(sys.argv[1:])
    """
    done = run_poolviz("pool", "-o", str(tmp_path / "fig.png"), code=code)
    assert (done.returncode, done.stdout) == (130, b"")
    assert done.stderr.decode().strip() == "error: interrupted"
    assert leftovers(tmp_path, set()) == []


def test_pillow_warnings_about_a_file_are_not_printed(tmp_path: Path) -> None:
    """Found by tests/test_fuzz_cli.py: an 8-byte TIFF made Pillow warn 'Corrupt EXIF data'
    twice before the error (four more lines on stderr), and under -W error the warning
    escaped the memory budget's header probe as an internal error."""
    path = tmp_path / "cut.tif"
    path.write_bytes(b"II*\x00\x08\x00\x00\x00")
    message = f"{path}: not an image, though its name ends in .tif"
    refused(invoke("pool", str(path)), 1, message)
    done = subprocess.run(
        [sys.executable, "-m", "poolviz", "grad", str(path)], capture_output=True, timeout=60
    )
    assert (done.returncode, done.stderr.decode()) == (1, f"error: {message}\n")


def test_damaged_array_headers_and_archives(tmp_path: Path) -> None:
    """Found by tests/test_fuzz_cli.py: a .npy header with one quote flipped made NumPy's
    header parser raise tokenize.TokenError, which escaped the loader and the budget's header
    probe; a .npz member with an unknown compression method raises NotImplementedError."""
    good = _npy(np.arange(24.0).reshape(4, 6))
    (tmp_path / "quote.npy").write_bytes(good.replace(b"'<f8',", b"'<f8'[", 1))
    archive = bytearray(_npz(a=np.ones((2, 2))))
    archive[archive.find(b"PK\x01\x02") + 10] = 99  # the member's compression method
    (tmp_path / "method.npz").write_bytes(bytes(archive))
    for name, kind in (("quote.npy", ".npy"), ("method.npz", ".npz")):
        for command in ("pool", "compare"):
            refused(
                invoke(command, str(tmp_path / name)),
                1,
                f"{name}: the {kind} file is truncated or corrupt",
            )


def test_animate_in_the_terminal_gives_up_on_numbers_before_laying_them_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import poolviz.render.terminal.animate as terminal_animate

    laid_out = terminal_animate.grid

    def checked(cells: list[list[object]], **kwargs: object) -> object:
        assert 3 * len(cells[0]) <= 80, f"a grid of {len(cells[0])} columns for 80"
        return laid_out(cells, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(terminal_animate, "grid", checked)
    np.save(tmp_path / "row.npy", np.arange(1000.0).reshape(1, -1))
    result = invoke("animate", str(tmp_path / "row.npy"), "-k", "1x2")
    assert result.exit_code == 0, result.output
