"""``poolviz trace model.onnx``: graphs built with onnx.helper, read with exact shapes,
parameters, MACs and receptive fields, every shape checked against onnxruntime run on zeros;
and every bad file as one error line, exit 1, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnx", reason="onnx (poolviz[onnx]) is not installed")

import numpy as np  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

from poolviz.model import load_model  # noqa: E402
from poolviz.model.onnx_read import load_onnx  # noqa: E402
from poolviz.model.trace import counterfactual, report, trace  # noqa: E402
from tests import cli  # noqa: E402
from tests.onnx_graphs import GraphBuilder, ort_shapes, resnet_style  # noqa: E402


def rows_of(path: Path, shape: tuple[int, int, int] | None = None) -> dict[str, object]:
    return {r.name: r for r in trace(load_onnx(path, shape)).rows}


def check_against_onnxruntime(g: GraphBuilder, tmp_path: Path, nchw: list[int]) -> None:
    """Every row's output shape equals onnxruntime's for that node."""
    pytest.importorskip("onnxruntime", reason="onnxruntime (poolviz[run]) is not installed")
    path = g.save(tmp_path / "m.onnx")
    expected = ort_shapes(g.model(), nchw)
    rows = trace(load_onnx(path, (nchw[2], nchw[3], nchw[1]))).rows
    assert {r.name: r.output_shape for r in rows} == expected


def test_a_resnet_style_graph(tmp_path: Path) -> None:
    g = resnet_style(blocks=1)
    path = g.save(tmp_path / "res.onnx")
    model = load_onnx(path)
    assert model.name == "res.onnx" and model.input_shape == (16, 16, 3)
    rows = {r.name: r for r in trace(model).rows}
    assert rows["/conv1/Conv"].output_shape == (16, 16, 8)
    assert rows["/conv1/Conv"].params == 3 * 3 * 3 * 8 + 8 == 224
    assert rows["/conv1/Conv"].macs == 16 * 16 * 224
    assert rows["/maxpool/MaxPool"].output_shape == (8, 8, 8)
    assert rows["/maxpool/MaxPool"].config == "MaxPool 3x3 stride 2 pad 1"
    add = rows["/layer1/layer1.0/Add"]
    assert add.kind == "add" and add.inputs == ("/layer1/layer1.0/conv2/Conv", "/maxpool/MaxPool")
    # stem 3 -> pool 5 (jump 2) -> two 3x3 convs at jump 2: 5 + 4 + 4 = 13; the union with
    # the shortcut's 5x5 is 13x13
    assert rows["/layer1/layer1.0/conv2/Conv"].receptive_field == (13, 13)
    assert add.receptive_field == (13, 13)
    assert rows["/avgpool/GlobalAveragePool"].output_shape == (1, 1, 8)
    assert rows["/avgpool/GlobalAveragePool"].kept == 1 / 64
    assert rows["/fc/Gemm"].params == 90 and rows["/fc/Gemm"].macs == 90
    assert trace(model).totals is not None
    check_against_onnxruntime(g, tmp_path, [1, 3, 16, 16])


def test_every_pooling_attribute_and_concat_against_onnxruntime(tmp_path: Path) -> None:
    g = GraphBuilder(2, (13, 11))
    a = g.add("MaxPool", "asym", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 2, 2, 1])
    b = g.add(
        "AveragePool",
        "same_lower",
        ["x"],
        kernel_shape=[2, 3],
        strides=[2, 2],
        auto_pad="SAME_LOWER",
    )
    c = g.add(
        "MaxPool", "same_upper", ["x"], kernel_shape=[3, 2], strides=[2, 2], auto_pad="SAME_UPPER"
    )
    d = g.add(
        "AveragePool",
        "ceil",
        ["x"],
        kernel_shape=[2, 2],
        strides=[2, 2],
        pads=[1, 1, 1, 1],
        ceil_mode=1,
        count_include_pad=1,
    )
    g.add("LpPool", "lp", ["x"], kernel_shape=[2, 2], strides=[2, 2], p=3)
    g.add("MaxPool", "dilated", ["x"], kernel_shape=[2, 2], dilations=[2, 2], strides=[3, 3])
    g.add("Concat", "cat", [a, b, c], axis=1)
    g.weights.append(numpy_helper.from_array(np.array([-2, -1], np.int64), "axes"))
    g.add("ReduceMean", "reduce", [d, "axes"], keepdims=0)
    g.add("GlobalMaxPool", "gmp", ["x"])
    rows = rows_of(g.save(tmp_path / "p.onnx"))
    assert rows["asym"].output_shape == (7, 6, 2)  # type: ignore[attr-defined]
    assert rows["same_lower"].output_shape == (7, 6, 2)  # type: ignore[attr-defined]
    assert rows["cat"].output_shape == (7, 6, 6)  # type: ignore[attr-defined]
    assert rows["ceil"].output_shape == (7, 6, 2)  # type: ignore[attr-defined]
    assert rows["reduce"].output_shape == (2,)  # type: ignore[attr-defined]
    assert rows["reduce"].config == "ReduceMean over H, W"  # type: ignore[attr-defined]
    assert rows["lp"].config == "LpPool 2x2 stride 2 p=3"  # type: ignore[attr-defined]
    assert rows["same_lower"].config == "AveragePool 2x3 stride 2 same_lower"  # type: ignore[attr-defined]
    assert rows["asym"].config == "MaxPool 3x3 stride 2 pads 1,2,2,1"  # type: ignore[attr-defined]
    check_against_onnxruntime(g, tmp_path, [1, 2, 13, 11])


def test_an_unknown_operator_is_a_plain_row_with_onnx_s_shape(tmp_path: Path) -> None:
    g = GraphBuilder(3, (8, 8))
    x = g.conv("conv", "x", 3, 4, 3)
    g.weights.append(numpy_helper.from_array(np.array([1, 1, 1.5, 1.5], np.float32), "scales"))
    scales = "scales"
    x = g.add("Resize", "up", [x, "", scales], mode="nearest")
    x = g.add("Softmax", "soft", [x], axis=1)
    rows = rows_of(g.save(tmp_path / "u.onnx"))
    up = rows["up"]
    assert (up.kind, up.config, up.output_shape, up.params) == ("op", "Resize", (9, 9, 4), 4)  # type: ignore[attr-defined]
    assert rows["soft"].output_shape == (9, 9, 4)  # type: ignore[attr-defined]
    check_against_onnxruntime(g, tmp_path, [1, 3, 8, 8])


def test_drop_and_strided_on_a_graph(tmp_path: Path) -> None:
    model = load_onnx(resnet_style(2).save(tmp_path / "r.onnx"))
    drop = counterfactual(model, "drop")
    assert drop.notes == {"/maxpool/MaxPool": "removed"}
    assert drop.problem is None
    rows = {r.name: r for r in drop.rows}
    assert rows["/layer1/layer1.0/Add"].inputs == ("/layer1/layer1.0/conv2/Conv", "/relu/Relu")
    assert rows["/layer1/layer1.1/Add"].output_shape == (16, 16, 8)
    strided = counterfactual(model, "strided")
    assert strided.notes == {
        "/conv1/Conv": "stride 2 (was 1)",
        "/maxpool/MaxPool": "folded into /conv1/Conv",
    }
    assert strided.problem is None
    assert {r.name: r for r in strided.rows}["/conv1/Conv"].output_shape == (8, 8, 8)


def test_a_symbolic_input_needs_input(tmp_path: Path) -> None:
    path = resnet_style(1, size=None).save(tmp_path / "s.onnx")
    code, out, err = cli.run("trace", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == (
        f"error: input 'x' of {path} has no fixed size (N, 3, height, width); give its "
        "height, width and channels with --input HxWxC"
    )
    assert trace(load_model(str(path), (32, 32, 3))).rows[0].output_shape == (32, 32, 8)


def test_input_over_a_fixed_size_says_so(tmp_path: Path) -> None:
    path = resnet_style(1).save(tmp_path / "r.onnx")  # fixed at 16x16x3
    said = f"{path} fixes its input at 16x16x3; traced at 32x32x3, as --input asks"
    assert any(n.startswith(said) for n in load_onnx(path, (32, 32, 3)).notes)
    assert not any("fixes its input" in n for n in load_onnx(path, (16, 16, 3)).notes)
    assert not any("fixes its input" in n for n in load_onnx(path).notes)
    code, out, _ = cli.run("trace", str(path), "--input", "32x32x3")
    assert code == 0 and said in " ".join(out.split())


def test_the_cli_traces_onnx_as_json(tmp_path: Path) -> None:
    path = resnet_style(1).save(tmp_path / "r.onnx")
    body = cli.json_of("trace", str(path))
    layers = {layer["name"]: layer for layer in body["layers"]}
    assert layers["/layer1/layer1.0/Add"]["inputs"] == [
        "/layer1/layer1.0/conv2/Conv",
        "/maxpool/MaxPool",
    ]
    assert layers["/conv1/Conv"]["inputs"] == ["input"]
    assert body["notes"] == [
        "Parameters are the file's stored weights: an exporter that folded BatchNorm into the "
        "convolutions (torch.onnx.export does in eval mode) stores fewer than the framework counts."
    ]


def _truncated(tmp: Path) -> Path:
    data = resnet_style(1).model().SerializeToString()
    (tmp / "bad.onnx").write_bytes(data[: len(data) // 2])
    return tmp / "bad.onnx"


def _cycle(tmp: Path) -> Path:
    g = GraphBuilder(1, (4, 4))
    g.nodes.append(helper.make_node("Add", ["x", "b:0"], ["a:0"], name="a"))
    g.nodes.append(helper.make_node("Relu", ["a:0"], ["b:0"], name="b"))
    return g.save(tmp / "bad.onnx", "b:0")


def _opset(tmp: Path) -> Path:
    model = resnet_style(1).model()
    model.opset_import[0].version = 999
    (tmp / "bad.onnx").write_bytes(model.SerializeToString())
    return tmp / "bad.onnx"


def _external(tmp: Path) -> Path:
    import onnx

    model = resnet_style(1).model()
    onnx.save(
        model, str(tmp / "bad.onnx"), save_as_external_data=True, location="w.bin", size_threshold=0
    )
    (tmp / "w.bin").unlink()
    return tmp / "bad.onnx"


def _no_shape(tmp: Path) -> Path:
    g = resnet_style(1)
    g.input.type.tensor_type.ClearField("shape")
    return g.save(tmp / "bad.onnx")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda t: (t / "bad.onnx").write_bytes(b"") and t / "bad.onnx" or t / "bad.onnx",
            "the file is empty; give an ONNX model file, such as torch.onnx.export writes",
        ),
        (
            lambda t: (t / "bad.onnx").write_text("not a model at all\n") and t / "bad.onnx",
            "not an ONNX model",
        ),
        (_truncated, "not an ONNX model (its protobuf does not parse"),
        (_cycle, "the graph has a cycle through node 'a'; ONNX graphs are acyclic"),
        (_opset, "uses ONNX opset 999; the onnx package here"),
        (
            _external,
            "its weights '/conv1/Conv.weight' are in 'w.bin', which is not beside it; keep the model's external data files in its folder",
        ),
        (
            _no_shape,
            "input 'x' has shape (); poolviz traces an image input (batch, channels, height, width)",
        ),
    ],
)
def test_bad_files_are_one_error_line(tmp_path: Path, make: object, message: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    out_png = tmp_path / "out.png"
    code, out, err = cli.run("trace", str(path), "-o", str(out_png))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"error: {path}: ") and message in lines[0], lines
    assert len(lines) <= 2 and "Traceback" not in err
    assert not out_png.exists()


def test_report_of_a_graph_renders_at_80_columns(tmp_path: Path) -> None:
    path = resnet_style(2).save(tmp_path / "r.onnx")
    code, out, err = cli.run("trace", str(path))
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert report(load_onnx(path)).original.totals is not None


def test_without_onnx_one_line_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = resnet_style(1).save(tmp_path / "r.onnx")
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    code, out, err = cli.run("trace", str(path))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: reading .onnx files needs the onnx package; pip install 'poolviz[onnx]'"
    ]
