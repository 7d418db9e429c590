"""``poolviz shift``, ``poolviz compare`` and ``poolviz size`` end to end through click's
runner: the default examples' exact numbers in ``--json``, inputs the loaders accept, the
errors (exact line, exit code, no file left behind), ``--help`` and the figure files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from poolviz import output_size
from tests.cli import ascii_terminal_output, imports_matplotlib, json_of, run

# shift


def test_shift_default_cases() -> None:
    body = json_of("shift")
    same, crossing = body["cases"]
    assert same["input"] == [[0, 0, 8, 0], [0, 0, 7, 0], [0, 0, 9, 0], [0, 0, 6, 0]]
    assert same["shifted"] == [[0, 0, 0, 8], [0, 0, 0, 7], [0, 0, 0, 9], [0, 0, 0, 6]]
    assert same["output"] == same["shifted_output"] == [[0, 8], [0, 9]]
    assert same["changed"] == []
    assert crossing["output"] == [[8, 0], [9, 0]]
    assert crossing["shifted_output"] == [[0, 8], [0, 9]]
    assert crossing["changed"] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert body["by"] == 1 and body["axis"] == "x" and body["config"]["size"] == [2, 2]


def test_shift_default_table() -> None:
    body = json_of("shift")
    table = body["table"]
    assert [(r["source"], r["layers"], r["shift"]) for r in table[:5]] == [
        ("edge", 1, 1),
        ("edge", 1, 2),
        ("edge", 1, 3),
        ("edge", 1, 4),
        ("edge", 2, 1),
    ]
    assert len(table) == 2 * 2 * 3 * 4  # sources, max and blur, depths, shifts
    assert [r["mode"] for r in table[::12]] == ["max", "blur", "max", "blur"]
    first = table[0]
    # see tests/test_demos.py: 15 crossing edges change 32 cells, the last one 16, of 32 * 256
    assert first["unchanged_fraction"] == 1 - (15 * 32 + 16) / (32 * 256)
    assert first["identical"] == 16 and first["inputs"] == 32
    assert first["output_shape"] == [16, 16] and first["fits"] is True
    verdicts = [(s["name"], s["mode"], s["verdict"]) for s in body["sources"]]
    assert verdicts == [
        ("edge", "max", "mixed"),
        ("edge", "blur", "fewer"),
        ("texture", "max", "more"),
        ("texture", "blur", "same"),
    ]
    assert body["claim"].startswith(
        "The claim that deeper stacks tolerate shifts better holds for texture, not for edge"
    )


def test_shift_options_and_unfit_depths() -> None:
    body = json_of("shift", "--by", "2", "--layers", "6", "--shifts", "2")
    assert {r["shift"] for r in body["table"]} == {1, 2}
    deepest = [r for r in body["table"] if r["layers"] == 6]
    assert all(r["fits"] is False and r["unchanged_fraction"] is None for r in deepest)
    assert body["cases"][0]["shifted"] == [[0, 0, 0, 0]] * 4
    body = json_of("shift", "--axis", "y")
    assert body["cases"][0]["shifted"] == [[0, 0, 0, 0], [0, 0, 8, 0], [0, 0, 7, 0], [0, 0, 9, 0]]
    assert body["cases"][0]["changed"] == []


def test_shift_on_an_input() -> None:
    body = json_of("shift", "-m", "1 2 3 4; 5 6 7 8", "--layers", "2", "--shifts", "1")
    (case,) = body["cases"]
    assert case["shifted"] == [[0, 1, 2, 3], [0, 5, 6, 7]]
    assert case["output"] == [[6, 8]] and case["shifted_output"] == [[5, 7]]
    assert case["changed"] == [[0, 0], [0, 1]]
    # 2x4 -> 1x2, and a 2x2 window does not fit 1x2
    assert [(r["layers"], r["fits"]) for r in body["table"]] == [(1, True), (2, False)]
    assert body["table"][0]["output_shape"] == [1, 2] and body["table"][1]["output_shape"] is None
    assert body["source"] == {"name": "matrix", "kind": "inline"}


def test_shift_terminal_and_sample() -> None:
    code, out, _ = run("shift")
    assert code == 0
    assert "no output cell changed (0 of 4): the shift is invisible after pooling" in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    code, out, _ = run("shift", "--sample", "digit", "--layers", "2")
    assert code == 0 and "digit.png (sample)" in out and "changed output cells (14x14)" in out


def test_shift_changed_map_is_one_mark_per_output_cell() -> None:
    args = ("shift", "--sample", "digit", "--axis", "both", "--layers", "1", "--mode", "max")
    code, out, _ = run(*args)
    lines = [line.rstrip() for line in out.splitlines()]
    top = lines.index("input 28x28                    changed output cells (14x14)")
    assert [line[31:] for line in lines[top + 1 : top + 15]] == [
        "· · · · · · · · ■ ■ · · · ·",
        "· · ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ · ·",
        "· ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ·",
        "· ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ·",
        "· · ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ■ ·",
        "· · · ■ ■ ■ ■ ■ ■ ■ ■ ■ · ·",
        "· · · · ■ ■ ■ ■ ■ ■ ■ ■ · ·",
        "· · · · ■ ■ ■ ■ · ■ ■ ■ · ·",
        "· · · · · · ■ ■ ■ ■ ■ · · ·",
        "· · · · · ■ ■ ■ ■ ■ · · · ·",
        "· · · · · ■ ■ · ■ ■ · · · ·",
        "· · · · · ■ ■ ■ ■ ■ · · · ·",
        "· · · · · ■ ■ ■ ■ · · · · ·",
        "· · · · · · · ■ · · · · · ·",
    ]
    assert lines[top + 15 : top + 17] == [
        "■ changed  · unchanged",
        "95 of 196 output cells changed (48%)",
    ]
    # the marks are the changed cells of --json, one for one
    marks = [line[31:].split(" ") for line in lines[top + 1 : top + 15]]
    changed = [[i, j] for i, row in enumerate(marks) for j, mark in enumerate(row) if mark == "■"]
    assert changed == json_of(*args)["cases"][0]["changed"]
    text = ascii_terminal_output(*args).decode("ascii")
    assert ". . . . # # # # . # # # . ." in text and "\n# changed  . unchanged\n" in text


def test_shift_changed_map_of_a_wide_output_in_blocks() -> None:
    # one 5 in column 101 of 200: shifted right it leaves window 50 (columns 100-101) for 51
    row = " ".join("5" if k == 101 else "0" for k in range(200))
    code, out, _ = run("shift", "-m", row, "-k", "1x2", "--layers", "1")
    lines = [line.rstrip() for line in out.splitlines()]
    top = lines.index("input 1x200                          changed output cells (1x100)")
    # 100 cells in 34 marks of 3 (the last of 1), to fit the 37 columns beside the input:
    # cells 50 and 51 are in marks 16 (cells 48-50) and 17 (51-53)
    assert lines[top + 1][37:] == "·" * 16 + "■■" + "·" * 16
    assert lines[top + 2] == (
        "■ changed  · unchanged  (a mark per 1x3 output cells, ■ if any changed)"
    )
    assert lines[top + 3] == "2 of 100 output cells changed (2%): (0,50) (0,51)"


# compare


def test_compare_default() -> None:
    body = json_of("compare")
    ops = {op["key"]: op for op in body["operations"]}
    assert [op["name"] for op in body["operations"]] == [
        "max pooling",
        "average pooling",
        "adaptive average pooling",
        "blur pooling",
        "global max pooling",
        "global average pooling",
        "strided convolution",
    ]
    assert ops["max"]["output"] == [[6, 8], [4, 7]]
    assert ops["adaptive_avg"]["output"] == [[3.75, 3.75], [1.75, 3.75]]
    assert ops["blur"]["output"] == [[7.078125, 7.609375], [6.734375, 7.328125]]
    assert ops["avg"]["output"] == [[3.75, 3.75], [1.75, 3.75]]
    assert ops["global_max"]["output"] == [[8]] and ops["global_avg"]["output"] == [[3.25]]
    assert ops["conv"]["output"] == [[3.75, 3.75], [1.75, 3.75]]
    assert [op["output_shape"] for op in body["operations"]] == [
        [1, 2, 2, 1],
        [1, 2, 2, 1],
        [1, 2, 2, 1],
        [1, 2, 2, 1],
        [1, 1, 1, 1],
        [1, 1, 1, 1],
        [1, 2, 2, 1],
    ]
    assert [op["params"] for op in body["operations"]] == [0, 0, 0, 0, 0, 0, 4]
    assert ops["conv"]["conv2d_params"] == 5
    assert [op["kept_fraction"] for op in body["operations"]] == [
        0.25,
        0.25,
        0.25,
        0.25,
        0.0625,
        0.0625,
        0.25,
    ]
    assert ops["max"]["reconstruction_error"] == 27 / 16
    assert ops["avg"]["reconstruction_error"] == 27.5 / 16
    assert "reconstruction_error" not in ops["conv"]
    assert body["conv_weights"] == [[0.25, 0.25], [0.25, 0.25]]
    assert body["conv_equals_average"] is True


def test_compare_one_window_and_weights() -> None:
    body = json_of("compare", "-m", "1 3; 5 6", "--conv-weights", "0 1; 1 0")
    ops = {op["key"]: op for op in body["operations"]}
    assert ops["max"]["output"] == [[6]] and ops["avg"]["output"] == [[3.75]]
    assert ops["conv"]["output"] == [[8]]  # 3 + 5
    assert body["conv_equals_average"] is False


def test_compare_rgb_sample_counts_channels() -> None:
    body = json_of("compare", "--sample", "rgb8x8")
    ops = {op["key"]: op for op in body["operations"]}
    assert ops["global_max"]["output_shape"] == [1, 1, 1, 3]
    assert ops["conv"]["params"] == 2 * 2 * 3 and ops["conv"]["conv2d_params"] == 2 * 2 * 3 * 3 + 3


def test_compare_terminal() -> None:
    code, out, _ = run("compare")
    assert code == 0
    assert " max pooling                (1, 2, 2, 1)        0     25%   1.69 (unpool)" in out
    assert " blur pooling               (1, 2, 2, 1)        0     25%   -" in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


# size


def test_size_default_is_the_texts_26() -> None:
    body = json_of("size")
    assert body["input_shape"] == [26, 26] and body["output_shape"] == [13, 13]
    assert body["channels"] == 32
    for dim in body["dims"]:
        assert (dim["input"], dim["output"], dim["dropped"], dim["padding"]) == (26, 13, [], [0, 0])
        assert dim["formula"] == "out = floor((26 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 13"


@pytest.mark.parametrize(
    ("n", "out", "dropped"), [("26", 13, []), ("13", 6, [12]), ("11", 5, [10])]
)
def test_size_seed_examples(n: str, out: int, dropped: list[int]) -> None:
    (dim,) = json_of("size", n, "-k", "2")["dims"]
    assert (dim["output"], dim["dropped"]) == (out, dropped)


def test_size_against_output_size() -> None:
    configs = [
        ("7", ["-k", "3", "-s", "2", "-p", "same"]),
        ("224x224", ["-k", "3", "-s", "2", "-p", "1"]),
        ("5", ["-k", "2", "-p", "1", "--ceil-mode"]),
        ("10", ["-k", "3", "-s", "2", "-d", "2", "--ceil-mode"]),
        ("13x9", ["-k", "3x2", "-s", "2x3"]),
        ("6", ["-k", "1", "-s", "2", "--ceil-mode"]),
    ]
    for lengths, args in configs:
        body = json_of("size", lengths, *args)
        k = body["config"]["size"]
        s = body["config"]["stride"]
        d = body["config"]["dilation"]
        pad = body["config"]["padding"]
        ks, ss, ds = (v if isinstance(v, list) else [v] for v in (k, s, d))
        for axis_, dim in enumerate(body["dims"]):
            p = pad if isinstance(pad, int | str) else pad[axis_]
            expected = output_size(
                dim["input"], ks[axis_], ss[axis_], p, ds[axis_], body["config"]["ceil_mode"]
            )
            assert dim["output"] == expected, (lengths, args)
    same = json_of("size", "5", "-k", "2", "-p", "same")["dims"][0]
    assert same["padding"] == [0, 1] and same["padding_used"] == [5]


def test_size_terminal() -> None:
    code, out, _ = run("size", "13")
    assert code == 0
    assert "  dropped: cell 12 (1 of 13), read by no window" in out
    assert "      = 5 + 1 = 6" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["size", "4", "-k", "5"],
            "error: a window of 5 does not fit a length of 4 with padding 0; use a smaller "
            "--size or add --padding",
        ),
        (
            ["size", "8", "-k", "2", "-p", "2"],
            "error: padding 2 exceeds half the window (1); use 0-1, valid or same",
        ),
        (
            ["size", "abc"],
            "error: 'abc' is not a size; use a whole number such as 26, or HxW (height first) "
            "such as 28x28",
        ),
        (
            ["size", "8", "-k", "3x2"],
            "error: size 3x2 has two axes but the input has one length; give HxW or one number",
        ),
        (
            ["shift", "--by", "0"],
            "error: invalid value for '--by': 0 is not in the range x>=1",
        ),
        (
            ["compare", "--conv-weights", "1 2; 3"],
            None,
        ),
        (
            ["compare", "-m", "5"],
            "error: a 2x2 window does not fit a 1x1 input with padding 0; use a smaller --size "
            "or add --padding",
        ),
    ],
)
def test_errors(args: list[str], message: str | None) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("error: ") and len(lines) <= 2
    if message is not None:
        assert lines[0] == message


def test_no_file_after_a_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    code, _, _ = run("compare", "-m", "5", "-o", str(target))
    assert code == 2 and not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["shift", "compare", "size"])
def test_help_fits_80_columns_with_examples(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    examples = [line for line in out.splitlines() if line.startswith(f"    poolviz {command}")]
    assert len(examples) == {"shift": 3, "compare": 3, "size": 4}[command]


def test_figures_are_written(tmp_path: Path) -> None:
    for args in (
        ["shift"],
        ["shift", "--sample", "digit", "--layers", "2", "--shifts", "2"],
        ["compare"],
        ["compare", "--sample", "photo"],
        ["size"],
        ["size", "224", "-k", "3", "-s", "2", "-p", "1"],
    ):
        target = tmp_path / f"{'-'.join(args)}.png"
        code, out, err = run(*args, "-o", str(target), "--dpi", "60")
        assert code == 0, err
        assert out == f"wrote {target}\n"
        with Image.open(target) as image:
            assert image.format == "PNG" and image.size[0] > 300 and image.size[1] > 150


def test_svg_output(tmp_path: Path) -> None:
    target = tmp_path / "size.svg"
    code, _, err = run("size", "13", "-o", str(target))
    assert code == 0, err
    assert target.read_text().lstrip().startswith("<?xml")


def test_terminal_path_never_imports_matplotlib() -> None:
    commands = (["shift"], ["compare", "--json"], ["size", "13"], ["shift", "--json"])
    assert not imports_matplotlib(*commands)


def test_an_ascii_terminal_gets_plain_ascii() -> None:
    for args in (["shift"], ["compare"], ["size", "5", "-k", "2", "-p", "1", "--ceil-mode"]):
        assert ascii_terminal_output(*args).isascii()


def test_json_is_strict_with_nan() -> None:
    code, out, err = run("compare", "-m", "nan 1; 2 3", "--json")
    assert code == 0, err
    body = json.loads(out, parse_constant=lambda name: pytest.fail(f"non-strict {name}"))
    ops = {op["key"]: op for op in body["operations"]}
    assert ops["max"]["output"] == [["nan"]] and ops["avg"]["output"] == [["nan"]]
    # unpooling puts the NaN back where it was; the other cells count, 1 + 2 + 3 over 3
    assert ops["max"]["reconstruction_error"] == 2
    assert ops["avg"]["reconstruction_error"] == "nan"


def test_size_says_rows_slash_columns_in_the_plural() -> None:
    """ "each reads 2 row/columns": a square input speaks of both axes at once."""
    code, out, _ = run("size", "13x13")
    assert code == 0
    assert "  windows: 6, starting at 0, 2, 4, 6, 8, 10; each reads 2 rows/columns" in out
    assert "  dropped: row/column 12 (1 of 13), read by no window" in out


def test_shift_blur_mode_and_where_blur_does_not_apply() -> None:
    body = json_of("shift", "--mode", "blur", "--filter-size", "3")
    assert [c["shows_max"] for c in body["cases"]] == [False, False]
    assert body["cases"][1]["blur"]["pooling"] == "max 2x2 stride 1, 3-tap filter stride 2"
    assert {r["mode"] for r in body["table"]} == {"blur"}
    code, _, err = run("shift", "--mode", "blur", "-p", "1")
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "error: blur pooling takes no padding or dilation; drop -p and -d, or use --mode max"
    )
    # with no --mode, padding leaves blur out and says so
    code, out, _ = run("shift", "-p", "1", "-k", "3")
    assert code == 0
    assert "blur pooling left out: blur pooling takes no padding or dilation" in out


def test_shift_header_lines_folded_at_80_columns_keep_an_indent() -> None:
    code, out, _ = run("shift", "-k", "3", "-s", "1", "-p", "1")
    assert code == 0
    assert out.splitlines()[3:5] == [
        "blur pooling left out: blur pooling takes no padding or dilation; drop -p and",
        "  -d, or use --mode max",
    ]


@pytest.mark.parametrize("columns", [60, 77])
def test_compare_rebuilds_as_numbers_below_80_columns(columns: int) -> None:
    # at 77 columns a third of the width (23) was one short of the upsampled grid, which
    # became a two-line picture; numbers wrap onto another row instead
    from click.testing import CliRunner

    from poolviz.cli import main

    out = CliRunner().invoke(main, ["compare"], env={"NO_COLOR": "1", "COLUMNS": str(columns)})
    lines = [line.rstrip() for line in out.stdout.splitlines()]
    rebuilt = lines[lines.index("Rebuilding the input from the output") :]
    assert " 3.75  3.75  3.75  3.75" in " ".join(rebuilt)
    assert any(line.endswith("1.75  1.75  3.75  3.75") for line in rebuilt)
    assert not any("@" in line for line in rebuilt)
    assert max(len(line) for line in lines) <= columns


def test_compare_pictures_keep_the_inputs_scale() -> None:
    # the digit (28x28) is a picture 14 characters wide at 2 pixels a character; its 14x14
    # outputs at the same scale are 7 wide (they were drawn 14 wide, as large as the input)
    code, out, _ = run("compare", "--sample", "digit")
    assert code == 0
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("input 28x28"))
    assert lines[head].split()[:4] == ["input", "28x28", "max", "14x14"]
    picture = lines[head + 1 : head + 8]
    assert max(len(line[16:27].rstrip()) for line in picture) <= 7  # max's: 7 wide
    assert lines[head].index("max 14x14") - lines[head].index("input") == 16
    assert lines[head].index("avg 14x14") - lines[head].index("max 14x14") == 11


@pytest.mark.parametrize(("columns", "left_out"), [
    (80, ""), (72, "params"), (60, "params, kept"),
])  # fmt: skip
def test_compare_table_leaves_out_columns_it_says_so(columns: int, left_out: str) -> None:
    # at 72 columns rich cut the columns to "pa…" and "6.2…"; at 60 they vanished unsaid
    from click.testing import CliRunner

    from poolviz.cli import main

    out = CliRunner().invoke(main, ["compare"], env={"NO_COLOR": "1", "COLUMNS": str(columns)})
    lines = out.stdout.splitlines()
    text = " ".join(" ".join(lines).split())
    header = next(line.split() for line in lines if line.strip().startswith("operation"))
    expected = ["operation", "output", "shape", "params", "kept", "rebuild", "error"]
    assert header == [w for w in expected if w not in left_out.split(", ")]
    assert "…" not in out.stdout
    note = f"Left out to fit the terminal: {left_out} (--json has all)."
    assert (note in text) is bool(left_out)
    assert max(len(line) for line in lines) <= columns
