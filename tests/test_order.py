"""``--order nchw|nhwc`` and ``POOLVIZ_ORDER``: shapes printed in PyTorch's order on request;
JSON follows only the flag, and always says which order it uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from poolviz.cli import main
from poolviz.render.order import ordered
from tests.cli import run


def invoke(*args: str, order: str | None = None) -> tuple[int, str, str]:
    env = {"NO_COLOR": "1", "COLUMNS": "80", "POOLVIZ_ORDER": order or ""}
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_ordered() -> None:
    assert ordered((8, 26, 26, 32), "nchw") == (8, 32, 26, 26)
    assert ordered((26, 26, 32), "nchw") == (32, 26, 26)  # per sample, as trace has them
    assert ordered((None, 1600), "nchw") == (None, 1600)  # a vector has no channel axis
    assert ordered((8, 26, 26, 32), "nhwc") == (8, 26, 26, 32)


@pytest.mark.parametrize(
    ("args", "order"), [(["pool", "--order", "nchw"], None), (["pool"], "nchw")]
)
def test_pool_prints_pytorchs_order_from_the_flag_or_the_variable(
    args: list[str], order: str | None
) -> None:
    code, out, _ = invoke(*args, order=order)
    assert code == 0
    assert (
        out.splitlines()[1]
        == "input (1, 1, 4, 4) → output (1, 1, 2, 2)  (batch, channels, height, width)"
    )


def test_the_flag_wins_over_the_variable_and_nhwc_is_the_default() -> None:
    assert invoke("pool", "--order", "nhwc", order="nchw")[1].splitlines()[1] == (
        "input (1, 4, 4, 1) → output (1, 2, 2, 1)  (batch, height, width, channels)"
    )
    assert invoke("pool")[1].splitlines()[1].startswith("input (1, 4, 4, 1)")


def test_grad_size_compare_and_trace_follow_the_order() -> None:
    assert (
        invoke("grad", "--order", "nchw")[1]
        .splitlines()[1]
        .startswith("input (1, 1, 5, 5) → output (1, 1, 2, 2)")
    )
    assert "(batch, 32, 26, 26) → (batch, 32, 13, 13)" in invoke("size", "--order", "nchw")[1]
    assert " max pooling                (1, 1, 2, 2)" in invoke("compare", order="nchw")[1]
    code, out, _ = invoke("trace", "--order", "nchw", "--input", "28x28x1")  # --input: HxWxC
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "mnist, input (batch, 1, 28, 28)"
    assert lines[3] == "conv2d +relu    (batch, 32, 26, 26)    320  216k  21.6k   3x3 1x1"
    assert "conv2d            32x26x26   32x26x26      320   32x13x13     320" in lines


def test_json_follows_the_flag_only_and_always_says_its_order() -> None:
    code, out, _ = invoke("pool", "--json", "--order", "nchw")
    body = json.loads(out)
    assert (code, body["order"], body["input_shape"], body["output_shape"]) == (
        0,
        "nchw",
        [1, 1, 4, 4],
        [1, 1, 2, 2],
    )
    body = json.loads(invoke("pool", "--json", order="nchw")[1])  # scripts never break silently
    assert (body["order"], body["input_shape"]) == ("nhwc", [1, 4, 4, 1])
    trace = json.loads(invoke("trace", "--json", "--order", "nchw")[1])
    assert trace["input_shape"] == [None, 1, 28, 28]
    assert [r["output_shape"] for r in trace["layers"][:5]] == [
        [None, 32, 26, 26],
        [None, 32, 13, 13],
        [None, 64, 11, 11],
        [None, 64, 5, 5],
        [None, 1600],
    ]
    assert trace["compare"]["drop"]["layers"][1]["output_shape"] == [None, 64, 24, 24]


@pytest.mark.parametrize("command", ["pool", "grad", "compare", "shift", "size", "trace"])
def test_every_json_object_has_an_order(command: str) -> None:
    code, out, err = run(command, "--json")
    assert code == 0, err
    assert json.loads(out)["order"] == "nhwc"


def test_a_bad_variable_is_refused_in_one_line() -> None:
    code, out, err = invoke("pool", order="nhcw")
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == (
        "error: POOLVIZ_ORDER='nhcw' is not an axis order; use nhwc or nchw (or unset it)"
    )


def test_help_keeps_order_apart_from_layout() -> None:
    _, out, _ = run("pool", "--help")
    words = " ".join(out.split())
    assert (
        "--order [nhwc|nchw] Axis order of the shapes printed: nhwc (Keras's, the default) or nchw (PyTorch's); $POOLVIZ_ORDER sets it for the terminal and figures. Not how an input is stored (that is --layout)."
        in words
    )
    assert "--layout" in words


@pytest.mark.parametrize("command", ["size", "trace", "features"])
def test_help_of_a_command_without_layout_does_not_name_it(command: str) -> None:
    _, out, _ = run(command, "--help")
    words = " ".join(out.split())
    assert "$POOLVIZ_ORDER sets it for the terminal and figures. " in words + " "
    assert "--layout" not in words


def test_features_follows_the_order_in_its_table_and_json() -> None:
    code, out, _ = invoke("features", "--layer", "list", order="nchw")
    assert code == 0
    lines = out.splitlines()
    assert lines[-3:] == [
        "#  node            pooling               in (CxHxW)  out      check",
        "1  /pool1/MaxPool  MaxPool 2x2 stride 2  8x26x26     8x13x13  equal",
        "2  /pool2/MaxPool  MaxPool 2x2 stride 2  16x11x11    16x5x5   equal",
    ]
    assert "in (HxWxC)" in invoke("features", "--layer", "list")[1]
    as_given = json.loads(invoke("features", "--layer", "list", "--json", "--order", "nchw")[1])
    assert as_given["order"] == "nchw"
    assert as_given["layers"][0]["input_shape"] == [8, 26, 26]
    assert as_given["layers"][1]["output_shape"] == [16, 5, 5]
    unmoved = json.loads(invoke("features", "--layer", "list", "--json", order="nchw")[1])
    assert unmoved["order"] == "nhwc" and unmoved["layers"][0]["input_shape"] == [26, 26, 8]


def test_code_lines_follow_the_order() -> None:
    """Under nchw Keras's layers read channels first; PyTorch's take that order already."""
    code, out, _ = run("pool", "-p", "1", "--order", "nchw")
    assert code == 0
    lines = out[out.index("The same layer as code:") :].splitlines()
    assert lines[1] == "  PyTorch: nn.MaxPool2d(kernel_size=2, stride=2, padding=1)"
    assert lines[2:4] == [
        "  Keras:   keras.layers.ZeroPadding2D(padding=1,",
        '             data_format="channels_first"),',
    ]
    assert 'data_format="channels_first")' in lines[5]
    _, plain, _ = run("pool", "-p", "1")
    assert "data_format" not in plain


def test_features_figure_follows_the_order(tmp_path: Path) -> None:
    """The figure's caption (kept as a comment beside each drawn text in the SVG)."""
    for order, shapes in (("nchw", "8x26x26 → 8x13x13"), ("nhwc", "26x26x8 → 13x13x8")):
        out = tmp_path / f"{order}.svg"
        code, _, _ = invoke("features", "-o", str(out), "--order", order)
        assert code == 0
        assert f"MaxPool 2x2 stride 2: {shapes}" in out.read_text(encoding="utf-8")
