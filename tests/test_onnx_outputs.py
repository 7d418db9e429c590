"""ONNX nodes with several outputs: a ``Split`` built with onnx.helper gives each output its
own shape, each reader reads the output it names (also after ``drop`` reconnects it), and
the terminal, ``--json`` and onnxruntime agree."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnx", reason="onnx (poolviz[onnx]) is not installed")

import numpy as np  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

from poolviz.model.onnx_read import load_onnx  # noqa: E402
from poolviz.model.trace import counterfactual, trace  # noqa: E402
from tests import cli  # noqa: E402
from tests.onnx_graphs import GraphBuilder, ort_shapes  # noqa: E402


def split_graph() -> GraphBuilder:
    """conv 3 -> 8 on 16x16, split into 2 and 6 channels, the 2 max-pooled by 2, the 6
    average-pooled by 2, concatenated again."""
    g = GraphBuilder(3, (16, 16))
    x = g.conv("conv", "x", 3, 8, 3, pads=[1, 1, 1, 1])
    g.weights.append(numpy_helper.from_array(np.array([2, 6], np.int64), "parts"))
    g.nodes.append(helper.make_node("Split", [x, "parts"], ["a", "b"], name="split", axis=1))
    a = g.add("MaxPool", "pool_a", ["a"], kernel_shape=[2, 2], strides=[2, 2])
    b = g.add("AveragePool", "pool_b", ["b"], kernel_shape=[2, 2], strides=[2, 2])
    g.add("Concat", "cat", [a, b], axis=1)
    return g


def test_each_output_has_its_own_shape(tmp_path: Path) -> None:
    rows = {r.name: r for r in trace(load_onnx(split_graph().save(tmp_path / "s.onnx"))).rows}
    split = rows["split"]
    assert (split.kind, split.config, split.output_shape) == ("op", "Split", (16, 16, 2))
    assert split.outputs == ((16, 16, 2), (16, 16, 6))
    assert split.activations == 16 * 16 * 8
    assert (rows["pool_a"].inputs, rows["pool_a"].ports) == (("split",), ())
    assert (rows["pool_b"].inputs, rows["pool_b"].ports) == (("split",), (1,))
    assert rows["pool_a"].output_shape == (8, 8, 2)
    assert rows["pool_b"].output_shape == (8, 8, 6)
    assert rows["cat"].output_shape == (8, 8, 8)


def test_drop_keeps_which_output_a_reader_reads(tmp_path: Path) -> None:
    dropped = counterfactual(load_onnx(split_graph().save(tmp_path / "s.onnx")), "drop")
    assert dropped.problem is None
    cat = {r.name: r for r in dropped.rows}["cat"]
    assert (cat.inputs, cat.ports, cat.output_shape) == (("split", "split"), (0, 1), (16, 16, 8))


def test_shapes_equal_onnxruntime(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime (poolviz[run]) is not installed")
    g = split_graph()
    expected = ort_shapes(g.model(), [1, 3, 16, 16])
    rows = trace(load_onnx(g.save(tmp_path / "s.onnx"))).rows
    assert {r.name: r.output_shape for r in rows} == expected
    # ort_shapes reads first outputs; the second output read by pool_b is (8, 8, 6) above


def test_terminal_and_json(tmp_path: Path) -> None:
    path = str(split_graph().save(tmp_path / "s.onnx"))
    code, out, err = cli.run("trace", path, "--compare", "none")
    assert (code, err) == (0, "")
    text = " ".join(line.rstrip() for line in out.splitlines())
    assert (
        "split: 2 outputs, (batch, 16, 16, 2) and (batch, 16, 16, 6); the table shows the first."
    ) in text
    assert "<- split (output 1)" in out
    layers = {layer["name"]: layer for layer in cli.json_of("trace", path)["layers"]}
    assert layers["split"]["output_shapes"] == [[None, 16, 16, 2], [None, 16, 16, 6]]
    assert (layers["pool_b"]["inputs"], layers["pool_b"]["input_ports"]) == (["split"], [1])
    assert (layers["cat"]["inputs"], layers["cat"]["input_ports"]) == (["pool_a", "pool_b"], [0, 0])


def test_the_arrow_legend_comes_with_arrows_only(tmp_path: Path) -> None:
    path = str(split_graph().save(tmp_path / "s.onnx"))
    code, out, _ = cli.run("trace", path, "--compare", "none")
    assert code == 0 and "<- split (output 1)" in out
    assert "<-: the rows a row reads, where not the one above" in out
    # resnet18's branches meet inside residual blocks, whose rows draw no arrows
    code, out, _ = cli.run("trace", "resnet18", "--compare", "none", "--depth", "9")
    assert code == 0 and "\n  <- " not in out
    assert "<-:" not in out
