"""``poolviz pool`` end to end through click's runner: exact numbers, positions and files."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np

from poolviz import explain, pool2d
from poolviz.loaders import load_sample
from tests.cli import ascii_terminal_output, imports_matplotlib, json_of, run


def as_json(*args: str) -> dict[str, Any]:
    return json_of("pool", *args)


def test_default_is_the_seeds_4x4() -> None:
    code, out, _ = run("pool")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "MaxPool2D  size 2x2 · stride 2x2 · padding 0"
    assert "  out_h = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2" in lines
    assert "  PyTorch: nn.MaxPool2d(kernel_size=2, stride=2, padding=0)" in lines
    assert '  Keras:   keras.layers.MaxPooling2D(pool_size=2, strides=2, padding="valid")' in lines
    # the input grid with the winners bracketed, and the output beside it
    assert any(line.startswith("1  5 [6]│[8] 4") for line in lines)
    assert any(line.startswith("0  1  3 │ 2  1    →   0  6  8") for line in lines)
    steps = [
        line.split() for line in lines if line.strip().startswith(("0,0", "0,1", "1,0", "1,1"))
    ]
    assert steps == [
        ["0,0", "0..1", "0..1", "1", "3", "/", "5", "6", "6", "1,1"],
        ["0,1", "0..1", "2..3", "2", "1", "/", "8", "4", "8", "1,2"],
        ["1,0", "2..3", "0..1", "2", "4", "/", "1", "0", "4", "2,1"],
        ["1,1", "2..3", "2..3", "7", "3", "/", "3", "2", "7", "2,2"],
    ]
    assert "4 of 16 values kept (25%) per channel; channels never mix" in lines
    assert max(len(line) for line in lines) <= 80


def test_json_round_trips_to_the_engine() -> None:
    body = as_json()
    assert body["output"] == [[6, 8], [4, 7]]
    assert body["indices"] == [[5, 6], [9, 10]]
    assert body["input_shape"] == [1, 4, 4, 1] and body["output_shape"] == [1, 2, 2, 1]
    assert body["config"] == {
        "mode": "max",
        "size": [2, 2],
        "stride": [2, 2],
        "padding": 0,
        "padding_resolved": [0, 0, 0, 0],
        "dilation": [1, 1],
        "ceil_mode": False,
        "count_include_pad": True,
    }
    assert body["formula"]["h"] == "out_h = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2"
    assert body["windows"][1] == {
        "out": [0, 1],
        "rows": [0, 1],
        "cols": [2, 3],
        "value": 8,
        "argmax": [1, 2],
    }
    assert (body["item"], body["channel"]) == (0, 0)


def test_seed_5x5_overlapping() -> None:
    body = as_json("--sample", "seed5x5", "-k", "3", "-s", "2")
    assert body["output"] == [[8, 8], [7, 7]]
    assert body["indices"] == [[7, 7], [12, 12]]
    code, out, _ = run("pool", "--sample", "seed5x5", "-k", "3", "-s", "2")
    assert "0 = dropped, 2+ = windows overlap" in out
    assert " 1  1  2  1  1" in out  # the coverage map's first row: column 2 read twice


def test_average() -> None:
    body = as_json("-m", "1 3; 5 6", "--mode", "avg")
    assert body["output"] == [[3.75]] and "indices" not in body
    assert body["windows"][0]["divisor"] == 4
    _, out, _ = run("pool", "-m", "1 3; 5 6", "--mode", "avg")
    assert "15 / 4 = 3.75" in out


def test_13x13_drops_the_last_row_and_column() -> None:
    matrix = "; ".join(" ".join(str((r * 13 + c) % 10) for c in range(13)) for r in range(13))
    body = as_json("-m", matrix)
    assert np.array(body["output"]).shape == (6, 6)
    _, out, _ = run("pool", "-m", matrix)
    assert "dropped: 1 row (12) and 1 column (12) read by no window" in out
    assert "(v) read by no window: dropped" in out


def test_same_and_ceil_mode() -> None:
    body = as_json("-m", "1 2 3; 4 5 6; 7 8 9", "-k", "3", "-s", "1", "-p", "same")
    assert body["output"] == [[5, 6, 6], [8, 9, 9], [8, 9, 9]]
    assert body["config"]["padding"] == "same"
    assert body["config"]["padding_resolved"] == [1, 1, 1, 1]
    assert body["formula"]["h"].startswith("out_h = ceil(3 / 1) = 3")
    ceil = as_json("-m", "; ".join(["1 2 3 4 5"] * 5), "--ceil-mode")
    assert ceil["output"] == [[2, 4, 5]] * 3
    assert ceil["formula"]["w"] == "out_w = ceil((5 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 3"
    _, out, _ = run("pool", "-m", "1 2 3; 4 5 6; 7 8 9", "-k", "3", "-s", "2", "-p", "same")
    assert "F.pad(x, (1, 1, 1, 1), value=float('-inf'))" not in out  # symmetric: plain padding
    assert "nn.MaxPool2d(kernel_size=3, stride=2, padding=1)" in out


def test_long_formula_lines_fold_with_an_indent_at_80_columns() -> None:
    _, out, _ = run(
        "pool", "-m", "; ".join(["1 2 3 4 5"] * 5), "-k", "3", "-s", "2", "-p", "1", "--ceil-mode"
    )
    assert out.splitlines()[7:9] == [
        "  ceil mode: round up, but the last window must start inside the input or its",
        "    left padding",
    ]


def test_same_padding_is_headed_as_keras_rule_not_pytorchs_formula() -> None:
    code, out, _ = run("pool", "-k", "3", "-s", "2", "-p", "same")
    assert code == 0
    assert out.splitlines()[3:8] == [
        "Output size, Keras's 'same' rule:",
        "  out_h = ceil(4 / 2) = 2   (same: pad 1 = 0 top + 1 bottom)",
        "  out_w = ceil(4 / 2) = 2   (same: pad 1 = 0 left + 1 right)",
        "  out = ceil(n / stride); the odd padding cell goes at the bottom/right and",
        "    padded cells never count",
    ]
    assert "PyTorch's formula" not in out
    assert run("pool", "-p", "1", "-k", "3")[1].splitlines()[3] == "Output size, PyTorch's formula:"


def test_a_three_channel_image_from_the_samples() -> None:
    image = load_sample("rgb8x8").array
    assert image.shape == (8, 8, 3)
    body = as_json("--sample", "rgb8x8")
    expected = pool2d(image, 2)
    assert np.array_equal(np.array(body["output"]), expected)
    _, indices = pool2d(image, 2, return_indices=True)
    assert np.array_equal(np.array(body["indices"]), indices)
    _, out, _ = run("pool", "--sample", "rgb8x8")
    assert "Other channels (--channel picks which to show in full):" in out
    assert "  channel 1: output values" in out and "  channel 2: output values" in out
    _, out, _ = run("pool", "--sample", "rgb8x8", "--channel", "2")
    assert "Channel 2" in out


def test_at_explains_one_cell() -> None:
    _, out, _ = run("pool", "--at", "1,0")
    assert "Output cell 1,0 in full" in out
    assert "  max(2, 4, 1, 0) = 4 at row 2, column 1" in out
    code, _, err = run("pool", "--at", "2,0")
    assert code == 2
    assert err == "error: --at 2,0 is outside the 2x2 output; use rows 0-1 and columns 0-1\n"


def test_one_window_left_out_is_one_window() -> None:
    args = ["pool", "-m", "1 2 3; 4 5 6; 7 8 9", "-k", "2", "-s", "1"]
    _, out, _ = run(*args, "--steps", "3")
    assert "… and 1 more window (--steps all lists every one; --at ROW,COL explains one)" in out
    _, out, _ = run(*args, "--steps", "2")
    assert "… and 2 more windows (" in out


def test_steps_limit_and_all() -> None:
    _, out, _ = run("pool", "--sample", "digit")
    assert "… and 180 more windows (--steps all lists every one; --at ROW,COL explains one)" in out
    body = as_json("--sample", "digit", "--steps", "all")
    assert len(body["windows"]) == 196
    body = as_json("--sample", "digit", "--steps", "3")
    assert len(body["windows"]) == 3 and np.array(body["output"]).shape == (14, 14)


def test_large_input_shows_pictures_not_numbers() -> None:
    _, out, _ = run("pool", "--sample", "photo")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("Input 240x320") for line in lines)
    assert len(lines) < 120


def test_figure_is_written(tmp_path: Path) -> None:
    target = tmp_path / "pool.png"
    code, out, err = run("pool", "-o", str(target))
    assert code == 0, err
    assert out == f"wrote {target}\n"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pool.png"]


def test_channel_out_of_range() -> None:
    code, _, err = run("pool", "--channel", "1")
    assert code == 2
    assert err == "error: --channel 1 is out of range; the input has only channel 0\n"


def test_terminal_path_never_imports_matplotlib() -> None:
    assert not imports_matplotlib(["pool"], ["pool", "--json"])


def test_explain_matches_the_cli() -> None:
    body = as_json("--sample", "seed4x4", "-k", "3", "-s", "1", "-p", "1")
    result = explain(load_sample("seed4x4").array, 3, 1, 1)
    assert body["output"] == result.output_like_input().tolist()


def test_plain_ascii_when_the_terminal_is_not_utf8() -> None:
    text = ascii_terminal_output("pool").decode("ascii")  # fails on any non-ASCII byte
    assert "out_h = floor((4 + 2*0 - 1*(2-1) - 1) / 2) + 1 = 2" in text


def test_padding_per_side_works_the_formula_out_per_side() -> None:
    code, out, _ = run("pool", "-p", "0,1,1,0")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "MaxPool2D  size 2x2 · stride 2x2 · padding 0,1,1,0"
    assert "Output size, ONNX's formula (padding per side):" in lines
    assert (
        "  out_h = floor((4 + 0 + 1 − 1·(2−1) − 1) / 2) + 1 = 2   (pad 0 top + 1 bottom)" in lines
    )
    assert (
        "  out_w = floor((4 + 1 + 0 − 1·(2−1) − 1) / 2) + 1 = 2   (pad 1 left + 0 right)" in lines
    )
    assert "  PyTorch: F.pad(x, (1, 0, 0, 1), value=float('-inf'))  # the pads, then" in lines
    config = as_json("-p", "0,1,1,0")["config"]
    assert config["padding"] == [0, 1, 1, 0] and config["padding_resolved"] == [0, 1, 1, 0]
    assert (
        as_json("-p", "0,1,1,0")["output"]
        == pool2d(load_sample("seed4x4").array, 2, 2, (0, 1, 1, 0)).tolist()
    )


def test_same_lower_names_onnx_s_rule() -> None:
    code, out, _ = run("pool", "-k", "3", "-s", "2", "-p", "same_lower")
    assert code == 0
    assert "Output size, ONNX's SAME_LOWER rule:" in out.splitlines()
    assert "  out_h = ceil(4 / 2) = 2   (same: pad 1 = 1 top + 0 bottom)" in out.splitlines()


def test_steps_0_lists_no_windows_and_says_so() -> None:
    """--steps 0 printed a step table with a header and no rows."""
    code, out, _ = run("pool", "--steps", "0")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    start = lines.index("Steps: 4 windows, none listed (--steps N or all lists them; --at ROW,COL")
    assert lines[start + 1 : start + 3] == ["explains one)", ""]
    assert "out   rows   cols" not in out


def test_large_counts_have_thousands_separators() -> None:
    """76784 more windows, 74150 of 76800: counts read as 76,784 everywhere."""
    code, out, _ = run("pool", "--sample", "photo", "-k", "1")
    assert code == 0
    assert "… and 76,784 more windows (--steps all lists every one;" in out
    assert "76,800 of 76,800 values kept (100%) per channel" in out


def test_a_framework_note_folds_under_its_label() -> None:
    """PyTorch's 'cannot express this' note wrapped back to column 0 at 80 columns."""
    code, out, _ = run(
        "pool", "-m", "1 2 3; 4 5 6; 7 8 9", "-k", "2", "-p", "same", "--mode", "avg"
    )
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("  PyTorch:"))
    assert lines[start : start + 2] == [
        "  PyTorch: PyTorch cannot express this: its average counts F.pad cells in the",
        "           divisor, and its padding never counts",
    ]


def test_header_lines_folded_at_60_columns_keep_an_indent() -> None:
    from click.testing import CliRunner

    from poolviz.cli import main

    env = {"NO_COLOR": "1", "COLUMNS": "60"}
    pool_lines = CliRunner().invoke(main, ["pool"], env=env).stdout.splitlines()
    assert pool_lines[1:3] == [
        "input (1, 4, 4, 1) → output (1, 2, 2, 1)  (batch, height,",
        "  width, channels)",
    ]
    grad_lines = CliRunner().invoke(main, ["grad"], env=env).stdout.splitlines()
    assert grad_lines[1:3] == [
        "input (1, 5, 5, 1) → output (1, 2, 2, 1) · upstream",
        "  gradient: ones",
    ]


def test_max_outputs_are_written_as_their_input_cells() -> None:
    # the max 0.4 is an input cell, written 0.40 in the input (beside -1.50): the output grid
    # and the step table write it so too, not with the 3 places a lone 0.4 would get
    code, out, _ = run("pool", "-m", "-1.5 0.2; 0.3 0.4", "-k", "2")
    assert code == 0
    lines = out.splitlines()
    assert "0  -1.50   0.20    →   0  0.40" in [line.rstrip() for line in lines]
    step = next(line.split() for line in lines if line.strip().startswith("0,0"))
    assert step == ["0,0", "0..1", "0..1", "-1.50", "0.20", "/", "0.30", "0.40", "0.40", "1,1"]
    assert not any("0.400" in line for line in lines)


def test_average_outputs_keep_the_places_their_means_need() -> None:
    code, out, _ = run("pool", "-m", "-1.5 0.2; 0.3 0.4", "-k", "2", "--mode", "avg")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert "0  -1.50   0.20    →   0  -0.150" in lines
    step = next(line.split() for line in lines if line.strip().startswith("0,0"))
    assert step[-5:] == ["-0.60", "/", "4", "=", "-0.150"]


def test_colour_greys_the_cells_several_windows_read() -> None:
    # seed5x5 with 3x3 windows at stride 2: column 2 and row 2 are read by two or four
    # windows; no one window's colour is theirs, so they are grey, the rest their window's
    from rich.console import Console

    from poolviz.render.style import SHARED_COLOUR, window_colour_at
    from poolviz.render.terminal.pool import PoolView, number_grids

    result = explain(load_sample("seed5x5").array, 3, 2)
    console = Console(width=80, record=True, color_system="truecolor", file=io.StringIO())
    console.print(number_grids(result, PoolView(colour=True), 0))
    text = console.export_text(styles=True)
    rgb = {
        name: ";".join(str(int(hex_[k : k + 2], 16)) for k in (1, 3, 5))
        for name, hex_ in (
            ("grey", SHARED_COLOUR),
            ("0,0", window_colour_at(0, 0, 2)),
            ("0,1", window_colour_at(0, 1, 2)),
            ("1,0", window_colour_at(1, 0, 2)),
            ("1,1", window_colour_at(1, 1, 2)),
        )
    }
    name_of = {v: k for k, v in rgb.items()}
    backgrounds = [  # each input cell's background, row by row (the output's are after)
        [name_of[m] for m in re.findall(r"48;2;(\d+;\d+;\d+)m", line)][:5]
        for line in text.splitlines()[3:8]
    ]
    assert backgrounds == [
        ["0,0", "0,0", "grey", "0,1", "0,1"],
        ["0,0", "0,0", "grey", "0,1", "0,1"],
        ["grey"] * 5,
        ["1,0", "1,0", "grey", "1,1", "1,1"],
        ["1,0", "1,0", "grey", "1,1", "1,1"],
    ]
    assert "colours: one per window, grey where they overlap" in text


def test_tiny_values_keep_two_significant_digits() -> None:
    # below 0.01 a grid takes the places its largest value needs for two significant digits
    # (a gradient or an input of 1e-5 was written 0.000, as if it were nothing)
    code, out, _ = run("pool", "-m", "0.00001 0.00002; 0.00003 -0.00004", "-k", "2")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert "0   0.000010   0.000020    →   0  0.000030" in lines
    assert "1 [ 0.000030] -0.000040" in lines
    code, out, _ = run(
        "pool", "-m", "0.00001 0.00002; 0.00003 -0.00004", "-k", "2", "--mode", "avg"
    )
    assert "0   0.000010   0.000020    →   0  0.0000050" in [
        line.rstrip() for line in out.splitlines()
    ]


def test_values_too_small_for_ten_places_are_written_as_zeros_of_three() -> None:
    from poolviz.render.style import decimals_for, format_number

    assert decimals_for(np.array([1e-12, 0.0])) == 3
    assert decimals_for(np.array([1.5e-9])) == 10
    assert format_number(-1e-12, 3) == "0"  # a negative zero of any places is 0
    assert format_number(-0.000001, 4) == "0"
