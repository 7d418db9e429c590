"""``poolviz features`` on the command line: the bundled example, JSON, figures and every
error as one line."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli import imports_matplotlib, json_of, run


def test_no_arguments_shows_the_bundled_model_on_the_bundled_digit() -> None:
    code, out, err = run("features", "--channel", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("features  digits.onnx · run by ")
    assert lines[1] == "  digit.png (sample)"
    assert lines[2] == "output: class 7 (score 16.2; next class 3 at 10.9)"
    assert lines[5].split() == [
        "1",
        "/pool1/MaxPool",
        "MaxPool",
        "2x2",
        "stride",
        "2",
        "26x26x8",
        "13x13x8",
        "equal",
    ]
    assert lines[6].split() == [
        "2",
        "/pool2/MaxPool",
        "MaxPool",
        "2x2",
        "stride",
        "2",
        "11x11x16",
        "5x5x16",
        "equal",
    ]
    assert "/pool1/MaxPool: 1 of 8 channels, 26x26 before pooling, 13x13 after" in out
    assert "channel 5: the winners carry 36.8% of the positive mass; 59 flat windows" in out
    assert all(len(line) <= 80 for line in lines)


def test_layer_list_and_json_carry_the_verdict() -> None:
    body = json_of("features", "--layer", "list")
    assert body["output"]["class"] == 7
    assert [
        (n["name"], n["input_shape"], n["output_shape"], n["check"]["verdict"])
        for n in body["layers"]
    ] == [
        ("/pool1/MaxPool", [26, 26, 8], [13, 13, 8], "equal"),
        ("/pool2/MaxPool", [11, 11, 16], [5, 5, 16], "equal"),
    ]
    body = json_of("features", "--layer", "/pool2/MaxPool", "--top", "3")
    assert body["layer"] == "/pool2/MaxPool"
    assert len(body["channels"]) == 3
    first = body["channels"][0]
    assert np.array(first["before"]).shape == (11, 11) and np.array(first["after"]).shape == (5, 5)
    assert np.max(first["before"]) == np.max(first["after"])


def test_figure_is_written(tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    code, _, err = run("features", "--top", "4", "-o", str(out))
    assert code == 0, err
    with Image.open(out) as image:
        assert image.width > 800 and image.height > 300


def test_terminal_does_not_import_matplotlib() -> None:
    assert not imports_matplotlib(["features", "--top", "1"])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--layer", "pool3"], 2, "error: --layer 'pool3' is not a pooling node of digits.onnx; use one of /pool1/MaxPool, /pool2/MaxPool (--layer list shows them)"),
        (["--channel", "8"], 2, "error: --channel 8 does not exist: /pool1/MaxPool has 8 channels; use 0-7"),
        (["--resize", "32x32"], 2, "error: digits.onnx takes 28x28 images; --resize 32x32 does not fit it (leave --resize out: the image is resized to 28x28)"),
        (["--mean", "0,0"], 2, "error: --mean has 2 values and the model takes 1 channel; give one value"),
        (["--std", "a"], 2, "error: --std 'a' is not a number or a list of numbers; give one value, or one per channel such as 0.485,0.456,0.406"),
        (["--max-memory", "1K"], 1, "error: digits.onnx: checking its pooling nodes would need about 142.1 KiB, over the memory budget of 1.0 KiB; raise --max-memory"),
        (["nothere.onnx"], 2, "error: nothere.onnx: no such file; give an ONNX model (.onnx)"),
    ],
)  # fmt: skip
def test_errors_are_one_line(args: list[str], code: int, message: str) -> None:
    got, out, err = run("features", *args)
    assert (got, out) == (code, "")
    assert err.splitlines()[0] == message
    assert len(err.splitlines()) <= 2


@pytest.mark.parametrize("name", ["seed4x4.txt", "seed4x4.npy"])
def test_an_image_that_is_a_matrix_is_named_as_not_an_image(tmp_path: Path, name: str) -> None:
    # the model asks for its 28x28 size: the matrix was refused for a --resize nobody gave
    pytest.importorskip("onnxruntime", reason="onnxruntime (the run extra) is not installed")
    import poolviz

    model = Path(poolviz.__file__).parent / "models" / "digits.onnx"
    matrix = tmp_path / name
    if name.endswith(".npy"):
        np.save(matrix, np.zeros((4, 4)))
    else:
        matrix.write_text("1 2\n3 4\n")
    got, out, err = run("features", str(model), str(matrix))
    assert (got, out) == (2, "")
    assert err.splitlines() == [
        f"error: {matrix} is not an image; give a png, jpg, bmp, gif, tiff or webp file"
    ]


def test_a_file_that_is_not_onnx(tmp_path: Path) -> None:
    pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00not a protobuf at all\xff" * 3)
    code, _, err = run("features", str(bad))
    assert code == 1
    assert err.startswith(f"error: {bad} is not an ONNX model (")


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    model = tmp_path / "m.onnx"
    model.write_bytes(b"")
    code, _, err = run("features", str(model))
    assert (code, err) == (
        2,
        "error: running an ONNX model needs onnx, which is not installed; pip install 'poolviz[run]'\n",
    )
    # the bundled model still runs, through NumPy
    code, out, err = run("features", "--top", "1")
    assert code == 0, err
    assert out.startswith("features  digits.onnx · run by NumPy (onnx is not installed)")


def test_channels_that_do_not_fit(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    from onnx import TensorProto, helper

    def model(channels: int) -> Path:
        graph = helper.make_graph(
            [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
            "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, 28, 28])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        )
        path = tmp_path / f"c{channels}.onnx"
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
        return path

    code, out, err = run("features", str(model(2)))
    assert (code, err) == (
        1,
        "error: the image has 1 channel and the model takes 2; give an image with 2 channels\n",
    )
    code, out, err = run("features", str(model(3)), "--top", "1")
    assert code == 0, err
    assert "  photo.jpg (sample)\n" in out  # a colour model without an image: the photo
    code, out, err = run(
        "features",
        str(model(1)),
        str(Path(__file__).parent.parent / "poolviz/samples/photo.jpg"),
        "--top",
        "1",
    )
    assert code == 0, err
    assert "resized from 240x320 to 28x28 with Pillow" in out
    assert "converted to grey with ITU-R 601-2 luma: the model takes 1 channel" in out


def test_shifts_measure_every_pooling_layer_and_the_output(tmp_path: Path) -> None:
    body = json_of("features", "--shifts", "3", "--axis", "y", "--by", "2")
    table = body["shifts"]
    assert (table["axis"], table["shifts"]) == ("y", [2, 4, 6])
    assert [row["name"] for row in table["rows"]] == ["/pool1/MaxPool", "/pool2/MaxPool", "output"]
    assert [row["depth"] for row in table["rows"]] == [1, 2, 3]
    for row in table["rows"]:
        assert len(row["unchanged"]) == len(row["relative_change"]) == 3
        assert all(0 <= u <= 1 for u in row["unchanged"])
    assert table["rows"][2]["unchanged"] == [0, 0, 0]  # every score moves a little
    assert table["top_class"] == 7 and len(table["top_class_kept"]) == 3
    code, out, err = run("features", "--shifts", "2")
    assert code == 0, err
    assert "1  /pool1/MaxPool  46.4% (0.23)  36.8% (0.46)" in out
    assert "   top class 7             kept          kept" in out
    assert "The top class stayed 7 for 2 of 2 shifts." in out
    figure = tmp_path / "shifts.png"
    code, _, err = run("features", "--shifts", "4", "-o", str(figure))
    assert code == 0, err
    with Image.open(figure) as image:
        assert image.width > 1000
    code, _, err = run("features", "--shifts", "30")
    assert (code, err.splitlines()[0]) == (
        2,
        "error: --shifts 30 --by 1 moves the image 30 pixels, past its 28-pixel side; use at most 27 shifts of 1",
    )


def test_an_image_too_large_for_the_budget_is_refused_unread() -> None:
    photo = str(Path(__file__).parent.parent / "poolviz/samples/photo.jpg")
    code, out, err = run("features", photo, "--max-memory", "1K")
    assert (code, out) == (1, "")
    # the bundled model takes 28x28: the photo is measured at that size, 3 channels, before
    # it is read (float64, and the model's input)
    assert err.splitlines() == [
        f"error: {photo}: running a model on it would need about 36.8 KiB, over the memory budget of 1.0 KiB; raise --max-memory",
        "try: --gray, reading one grey channel, would need about 12.2 KiB",
    ]


def test_the_budget_names_resize_only_where_the_model_takes_it(tmp_path: Path) -> None:
    """A model with an open input size takes --resize (features has no --scale); one with a
    fixed size resizes the image itself, so raising the budget is the only way."""
    pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    from tests.onnx_graphs import GraphBuilder

    builder = GraphBuilder(channels=3, size=None)
    builder.add("MaxPool", "pool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
    model = str(builder.save(tmp_path / "open.onnx"))
    photo = str(Path(__file__).parent.parent / "poolviz/samples/photo.jpg")
    code, out, err = run("features", model, photo, "--max-memory", "64K")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        f"error: {photo}: running a model on it would need about 3.5 MiB, over the memory "
        "budget of 64.0 KiB; raise --max-memory or shrink it (--resize)"
    )


def test_a_model_that_does_not_take_float_images(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.INT64, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    path = tmp_path / "ints.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    code, out, err = run("features", str(path))
    assert (code, out) == (1, "")
    assert err == f"error: {path} takes int64 input (x); poolviz features feeds images as float32\n"


def test_window_lines_of_a_padded_pooling_fall_between_its_windows(tmp_path: Path) -> None:
    # pad 1, 2x2 stride 2 on 6 columns: the windows read columns 0, 1-2, 3-4, 5, so the
    # lines stand before columns 1, 3 and 5 of the unpadded map, one winner per box
    onnx = pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    from onnx import TensorProto, helper

    pool = helper.make_node(
        "MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1]
    )
    graph = helper.make_graph(
        [pool],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = tmp_path / "pad.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(model))
    image = tmp_path / "ramp.png"
    Image.fromarray((np.arange(36).reshape(6, 6) * 7).astype(np.uint8)).save(image)
    code, out, err = run("features", str(model), str(image))
    assert code == 0, err
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("channel 0:")) + 1
    assert [line[:45] for line in lines[start : start + 4]] == [
        " 0.000 │ 0.027  0.055 │ 0.082 [0.110]│ 0.137 ",
        "───────┼──────────────┼──────────────┼───────",
        " 0.165 │ 0.192  0.220 │ 0.247  0.275 │ 0.302 ",
        "[0.329]│ 0.357 [0.384]│ 0.412 [0.439]│[0.467]",
    ]


def test_node_names_are_printed_as_written(tmp_path: Path) -> None:
    """Node names reach the tables as text: rich must not read ``[/]`` (a closing tag with
    nothing to close: MarkupError) or ``[bold]x[/bold]`` as markup."""
    onnx = pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    pytest.importorskip("onnxruntime", reason="onnxruntime (the run extra) is not installed")
    from onnx import TensorProto, helper

    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    graph = helper.make_graph(
        [
            helper.make_node("MaxPool", ["x"], ["p"], name="[bold]x[/bold]", **pool),
            helper.make_node("MaxPool", ["p"], ["y"], name="[/]", **pool),
        ],
        "[red]g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    nodes = [
        "1  [bold]x[/bold]  MaxPool 2x2 stride 2  28x28x1     14x14x1  equal",
        "2  [/]             MaxPool 2x2 stride 2  14x14x1     7x7x1    equal",
    ]
    code, out, err = run("features", str(path), "--layer", "list")
    assert (code, err) == (0, "")
    assert out.splitlines()[5:] == nodes
    code, out, err = run("features", str(path), "--layer", "[/]", "--top", "1")
    assert (code, err) == (0, "")
    assert out.splitlines()[5:9] == [
        *nodes,
        "",
        "[/]: 1 of 1 channels, 14x14 before pooling, 7x7 after",
    ]
    code, out, err = run("features", str(path), "--shifts", "1")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    shifts = lines.index("Shifts")
    assert [line.split("  ")[:2] for line in lines[shifts + 2 : shifts + 4]] == [
        ["1", "[bold]x[/bold]"],
        ["2", "[/]"],
    ]
