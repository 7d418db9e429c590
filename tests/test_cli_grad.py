"""``poolviz grad`` end to end through click's runner: exact gradients, unpooled arrays and
routes for the seed's examples, ties, padding, dilation, ceil mode and average pooling; the
errors; the figure file. The numbers are PyTorch's (``max_pool2d``/``avg_pool2d`` backward and
``max_unpool2d``, torch 2.x), written out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from poolviz import pool2d_backward
from tests.cli import ascii_terminal_output, imports_matplotlib, json_of, run

SEED5 = "1 3 2 1 4; 5 6 8 4 2; 2 4 7 3 1; 1 0 3 2 5; 3 2 1 4 0"
SEED4 = "1 3 2 1; 5 6 8 4; 2 4 7 3; 1 0 3 2"


def as_json(*args: str) -> dict[str, Any]:
    return json_of("grad", *args)


def zeros(h: int, w: int, **cells: float) -> list[list[float]]:
    """An h x w list of zeros with ``r1c2=8``-style cells set."""
    grid = [[0.0] * w for _ in range(h)]
    for name, value in cells.items():
        r, c = name[1:].split("c")
        grid[int(r)][int(c)] = value
    return grid


def test_default_is_the_seeds_overlapping_5x5() -> None:
    body = as_json()
    assert body["config"]["size"] == [3, 3] and body["config"]["stride"] == [2, 2]
    assert body["output"] == [[8, 8], [7, 7]]
    assert body["indices"] == [[7, 7], [12, 12]]
    assert body["grad_output"] == [[1, 1], [1, 1]]
    # the 8 and the 7 each won two windows: their gradients add up
    assert body["grad_input"] == zeros(5, 5, r1c2=2, r2c2=2)
    # ... but unpooling puts each value back once
    assert body["unpooled"] == zeros(5, 5, r1c2=8, r2c2=7)
    routes = {tuple(e["cell"]): e["outputs"] for e in body["receivers"]}
    assert len(routes) == 25
    assert routes[(1, 2)] == [[0, 0], [0, 1]] and routes[(2, 2)] == [[1, 0], [1, 1]]
    assert sum(1 for v in routes.values() if not v) == 23
    assert body["grad_output_from"] == {"kind": "ones"}


def test_default_report() -> None:
    code, out, _ = run("grad")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "MaxPool2D  size 3x3 · stride 2x2 · padding 0"
    assert "  1,2 (holds 8) gets 1 from 0,0 + 1 from 0,1 = 2" in lines
    assert "  2,2 (holds 7) gets 1 from 1,0 + 1 from 1,1 = 2" in lines
    assert "23 of 25 cells get no gradient from this example" in lines
    assert "23 values and every non-winning position are gone; 2 of 25 come back" in lines
    assert "1,2 won 2 windows: gradients add up to 2; unpooling puts 8 there once" in lines
    assert "\x1b[" not in out
    assert max(len(line) for line in lines) <= 80


def test_the_example_note_says_only_what_the_settings_make_true() -> None:
    def note(*args: str) -> tuple[str, str]:
        code, out, err = run("grad", *args)
        assert code == 0, err
        lines = out.splitlines()
        return lines[0], lines[2]

    assert note() == (
        "MaxPool2D  size 3x3 · stride 2x2 · padding 0",
        "no input: an overlapping 5x5, size 3, stride 2 (windows share winners)",
    )
    assert note("-s", "1") == (
        "MaxPool2D  size 3x3 · stride 1x1 · padding 0",
        "no input: an overlapping 5x5",
    )
    assert note("--mode", "avg") == (
        "AvgPool2D  size 3x3 · stride 2x2 · padding 0",
        "no input: an overlapping 5x5",
    )
    assert note("-k", "2") == (
        "MaxPool2D  size 2x2 · stride 2x2 · padding 0",
        "no input: an overlapping 5x5",
    )
    # size 3 and stride 2 given, but dilated windows share no winner
    assert note("-k", "3", "-s", "2", "-d", "2") == (
        "MaxPool2D  size 3x3 · stride 2x2 · padding 0 · dilation 2x2",
        "no input: an overlapping 5x5",
    )


def test_an_input_takes_the_usual_defaults() -> None:
    body = as_json("-m", "1 3; 5 6")
    assert body["config"]["size"] == [2, 2] and body["config"]["stride"] == [2, 2]
    assert body["output"] == [[6]] and body["indices"] == [[3]]
    assert body["grad_input"] == [[0, 0], [0, 1]]
    assert body["unpooled"] == [[0, 0], [0, 6]]
    assert body["receivers"][3] == {"cell": [1, 1], "outputs": [[0, 0]]}
    code, out, _ = run("grad", "-m", "1 3; 5 6")
    assert "3 of 4 cells get no gradient from this example" in out.splitlines()


def test_the_built_in_example_with_an_explicit_size() -> None:
    body = as_json("-k", "2")
    assert body["config"]["stride"] == [2, 2] and body["output"] == [[6, 8], [4, 7]]
    body = as_json("-s", "1")
    assert body["config"]["size"] == [3, 3] and len(body["output"]) == 3


def test_seed_4x4() -> None:
    body = as_json("-m", SEED4)
    assert body["grad_input"] == zeros(4, 4, r1c1=1, r1c2=1, r2c1=1, r2c2=1)
    assert body["unpooled"] == zeros(4, 4, r1c1=6, r1c2=8, r2c1=4, r2c2=7)
    code, out, _ = run("grad", "-m", SEED4)
    assert "12 of 16 cells get no gradient from this example" in out.splitlines()
    assert "12 values and every non-winning position are gone; 4 of 16 come back" in out


def test_given_upstream_gradient() -> None:
    body = as_json("--grad-output", "1 -2; 0.5 3")
    assert body["grad_input"] == zeros(5, 5, r1c2=-1, r2c2=3.5)
    assert body["grad_output_from"] == {"kind": "matrix"}
    code, out, _ = run("grad", "--grad-output", "1 -2; 0.5 3")
    assert "  1,2 (holds 8) gets 1.00 from 0,0 + -2.00 from 0,1 = -1.00" in out.splitlines()


def test_random_upstream_gradient_is_reproducible() -> None:
    first = as_json("--grad-output", "random")
    assert first == as_json("--grad-output", "random", "--seed", "0")
    other = as_json("--grad-output", "random", "--seed", "1")
    assert other["grad_output"] != first["grad_output"]
    assert first["grad_output_from"] == {"kind": "random", "seed": 0}
    g = np.array(first["grad_output"])
    assert np.array_equal(g, np.round(g, 1))
    expected = zeros(5, 5, r1c2=g[0, 0] + g[0, 1], r2c2=g[1, 0] + g[1, 1])
    assert np.allclose(first["grad_input"], expected, rtol=0, atol=1e-12)


def test_tie_goes_to_the_first_in_row_major_order() -> None:
    body = as_json("-m", "5 1 2 2; 5 3 2 0; 2 4 7 3; 1 0 3 2")
    assert body["indices"] == [[0, 2], [9, 10]]
    assert body["grad_input"] == zeros(4, 4, r0c0=1, r0c2=1, r2c1=1, r2c2=1)
    assert body["unpooled"] == zeros(4, 4, r0c0=5, r0c2=2, r2c1=4, r2c2=7)
    code, out, _ = run("grad", "-m", "5 1 2 2; 5 3 2 0; 2 4 7 3; 1 0 3 2")
    assert "tie in window 0,0: 5 at 0,0 and 1,0; the first in row-major order, 0,0, wins (as" in out


def test_padding() -> None:
    body = as_json("-m", SEED4, "-p", "1")
    assert body["output"] == [[1, 3, 1], [5, 8, 4], [1, 3, 2]]
    assert body["grad_input"] == [[1, 1, 0, 1], [1, 0, 1, 1], [0, 0, 0, 0], [1, 0, 1, 1]]
    assert body["unpooled"] == [[1, 3, 0, 1], [5, 0, 8, 4], [0, 0, 0, 0], [1, 0, 3, 2]]
    assert body["config"]["padding"] == 1


def test_dilation() -> None:
    body = as_json("-m", SEED5, "-k", "2", "-s", "1", "-d", "2")
    assert body["indices"] == [[12, 11, 12], [7, 6, 7], [12, 11, 12]]
    assert body["grad_input"] == zeros(5, 5, r1c1=1, r1c2=2, r2c1=2, r2c2=4)
    assert body["unpooled"] == zeros(5, 5, r1c1=6, r1c2=8, r2c1=4, r2c2=7)
    code, out, _ = run("grad", "-m", SEED5, "-k", "2", "-s", "1", "-d", "2")
    assert "PyTorch's max_unpool2d refuses 5x5 here (only within a stride of 4x4)" in out


def test_ceil_mode() -> None:
    body = as_json("-m", SEED5, "--ceil-mode")
    assert body["output"] == [[6, 8, 4], [4, 7, 5], [3, 4, 0]]
    assert body["grad_input"] == [
        [0, 0, 0, 0, 1],
        [0, 1, 1, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 0, 1],
        [1, 0, 0, 1, 1],
    ]
    assert body["unpooled"] == [
        [0, 0, 0, 0, 4],
        [0, 6, 8, 0, 0],
        [0, 4, 7, 0, 0],
        [0, 0, 0, 0, 5],
        [3, 0, 0, 4, 0],
    ]


def test_odd_size_unpools_to_the_input() -> None:
    body = as_json("-m", SEED5)
    assert body["unpooled"] == zeros(5, 5, r1c1=6, r1c2=8, r2c1=4, r2c2=7)
    code, out, _ = run("grad", "-m", SEED5)
    assert "output_size is the input's 5x5; PyTorch's default 4x4 misplaces these indices" in out


def test_average_mode() -> None:
    body = as_json("-m", SEED4, "--mode", "avg")
    assert body["output"] == [[3.75, 3.75], [1.75, 3.75]]
    assert body["grad_input"] == [[0.25] * 4] * 4
    assert body["indices"] is None and body["unpooled"] is None
    assert body["receivers"][5] == {"cell": [1, 1], "outputs": [[0, 0]]}
    code, out, _ = run("grad", "-m", SEED4, "--mode", "avg")
    assert "  0,0 (holds 1) gets 1/4 from 0,0 = 0.250" in out.splitlines()
    assert "average reaches 16 of 16 cells, max only 4 (the winners)" in out


def test_average_divisor_follows_count_include_pad() -> None:
    ones = "1 1 1; 1 1 1; 1 1 1"
    body = as_json("-m", ones, "-p", "1", "--mode", "avg")
    assert body["grad_input"] == [[0.25] * 3] * 3  # every window divides by 4
    body = as_json("-m", ones, "-p", "1", "--mode", "avg", "--no-count-include-pad")
    assert body["grad_input"] == [[1, 0.5, 0.5], [0.5, 0.25, 0.25], [0.5, 0.25, 0.25]]
    # overlapping windows, padding counted: each window divides by 9
    body = as_json("-m", SEED5, "-k", "3", "-s", "2", "-p", "1", "--mode", "avg")
    x = np.array([[float(v) for v in row.split()] for row in SEED5.split(";")])
    expected = pool2d_backward(x, np.ones((3, 3)), 3, 2, 1, mode="avg")
    assert body["grad_input"] == expected.tolist()
    assert body["grad_input"][1][1] == 4 / 9


def test_wrong_shaped_grad_output_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "g.png"
    code, stdout, err = run("grad", "--grad-output", "1 2 3; 4 5 6; 7 8 9", "-o", str(out))
    assert code == 2 and stdout == ""
    assert err.splitlines()[0] == (
        "error: --grad-output is 3x3 but the output is 2x2; give one gradient per output cell"
    )
    assert len(err.splitlines()) <= 2
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unparseable_grad_output() -> None:
    code, _, err = run("grad", "--grad-output", "1 x; 0 1")
    assert code == 2
    assert err.startswith("error: ") and "row 1" in err and "Traceback" not in err


def test_channels_and_items() -> None:
    matrix = "1 3; 5 6 | 2 0; 0 1"
    body = as_json("-m", matrix)
    assert np.array(body["grad_input"]).tolist() == [[[0, 1], [0, 0]], [[0, 0], [1, 0]]]
    code, out, _ = run("grad", "-m", matrix)
    assert code == 0
    assert "  channel 1: gradient reaches 1 of 4 cells, total 1; unpooling keeps 1 values" in out
    code, out, _ = run("grad", "-m", matrix, "--channel", "1")
    assert "  0,0 (holds 2) gets 1 from 0,0" in out.splitlines()
    code, _, err = run("grad", "-m", matrix, "--channel", "2")
    assert code == 2 and err.splitlines()[0].startswith("error: --channel 2 is out of range")


def test_no_unpool() -> None:
    code, out, _ = run("grad", "--no-unpool")
    assert code == 0 and "Max-unpooling" not in out


def test_large_input_does_not_flood_the_terminal() -> None:
    code, out, _ = run("grad", "--sample", "digit")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) < 110
    assert "588 of 784 cells get no gradient from this example" in lines


def test_figure(tmp_path: Path) -> None:
    out = tmp_path / "grad.png"
    code, stdout, err = run("grad", "-o", str(out), "--dpi", "80")
    assert code == 0, err
    assert stdout == f"wrote {out}\n"
    with Image.open(out) as image:
        width, height = image.size
        assert image.format == "PNG"
    assert (width, height) == (842, 546)  # three columns: wider than tall
    assert [p.name for p in tmp_path.iterdir()] == ["grad.png"]


def test_help_fits_80_columns_with_examples() -> None:
    code, out, _ = run("grad", "--help")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "  poolviz grad                 " in out
    assert "--grad-output G" in out and "--no-unpool" in out


def test_terminal_path_never_imports_matplotlib() -> None:
    assert not imports_matplotlib(["grad"], ["grad", "--json"], ["grad", "--mode", "avg"])


def test_an_ascii_terminal_gets_plain_ascii() -> None:
    for args in (["grad"], ["grad", "--mode", "avg", "-k", "3", "-s", "2", "-p", "1"]):
        out = ascii_terminal_output(*args)
        assert out.isascii() and b" gets " in out


def test_long_route_lines_fold_with_an_indent() -> None:
    """A routing line's `` = total`` wrapped back to column 0 at 80 columns."""
    args = ["grad", "--sample", "seed5x5", "-k", "3", "-s", "1", "--mode", "avg"]
    code, out, _ = run(*args, "--grad-output", "random")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    start = lines.index(
        "  1,1 (holds 6) gets 0.10/9 from 0,0 + -0.10/9 from 0,1 + 0.10/9 from 1,0 +"
    )
    assert lines[start + 1] == "    -0.50/9 from 1,1 = -0.044"
    assert max(len(line) for line in lines) <= 80


def test_other_channel_lines_fold_with_an_indent_and_separators() -> None:
    code, out, _ = run("grad", "--sample", "photo", "-k", "1")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    start = lines.index(
        "  channel 1: gradient reaches 76,800 of 76,800 cells, total 76800; unpooling"
    )
    assert lines[start + 1] == "    keeps 76,800 values"
    assert "every one of the 76,800 cells gets some gradient" in lines


def test_one_lost_value_is_one_value() -> None:
    code, out, _ = run("grad", "-m", "1 2", "-k", "1x2")
    assert code == 0
    assert "1 value and every non-winning position are gone; 1 of 2 comes back" in out


def test_upstream_and_unpooled_grids_write_the_max_as_the_input_does() -> None:
    code, out, _ = run("grad", "-m", "-1.5 0.2; 0.3 0.4", "-k", "2")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    upstream = lines.index("Output 1x1    Upstream gradient (ones)")
    assert lines[upstream + 2] == "0  0.40       0  1"
    assert not any("0.400" in line for line in lines)
    unpooled = lines.index("Input 2x2           Unpooled 2x2")
    assert lines[unpooled + 3] == "1   0.30 [ 0.40]    1  0.00 [0.40]"
