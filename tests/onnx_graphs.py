"""Small ONNX graphs built with ``onnx.helper`` for the ONNX tests and the benchmark, and the
shapes onnxruntime gives every tensor of one run on zeros."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 19


class GraphBuilder:
    """Nodes added one by one (each named, its output named after it), weights as zeros."""

    def __init__(self, channels: int = 3, size: tuple[int, int] | None = (16, 16)) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []
        h, w = size if size is not None else ("height", "width")
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", channels, h, w])

    def weight(self, name: str, *dims: int) -> str:
        self.weights.append(numpy_helper.from_array(np.zeros(dims, np.float32), name))
        return name

    def add(self, op: str, name: str, inputs: Sequence[str], **attrs: Any) -> str:
        """Add a node ``name`` of ``op`` reading ``inputs``; its output's name."""
        self.nodes.append(helper.make_node(op, list(inputs), [name + ":0"], name=name, **attrs))
        return name + ":0"

    def conv(self, name: str, source: str, cin: int, cout: int, k: int, **attrs: Any) -> str:
        w = self.weight(name + ".weight", cout, cin // attrs.get("group", 1), k, k)
        b = self.weight(name + ".bias", cout)
        return self.add("Conv", name, [source, w, b], **attrs)

    def model(self, output: str | None = None) -> onnx.ModelProto:
        out = output or self.nodes[-1].output[0]
        graph = helper.make_graph(
            self.nodes,
            "g",
            [self.input],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
            self.weights,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 9
        return model

    def save(self, path: Path, output: str | None = None) -> Path:
        onnx.save(self.model(output), str(path))
        return path


def ort_shapes(model: onnx.ModelProto, nchw: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Node name -> the per-sample shape (h, w, c or features) of its first output, as
    onnxruntime computes it on zeros of ``nchw``."""
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    for node in probe.graph.node:
        probe.graph.output.append(
            helper.make_tensor_value_info(node.output[0], TensorProto.FLOAT, None)
        )
    options = ort.SessionOptions()
    options.log_severity_level = 4
    session = ort.InferenceSession(probe.SerializeToString(), options, ["CPUExecutionProvider"])
    values = session.run(None, {"x": np.zeros(nchw, np.float32)})
    out = {}
    for node, value in zip(probe.graph.node, values, strict=True):
        dims = value.shape
        out[node.name] = (dims[2], dims[3], dims[1]) if len(dims) == 4 else tuple(dims[1:])
    return out


def resnet_style(blocks: int = 1, size: tuple[int, int] | None = (16, 16)) -> GraphBuilder:
    """A stem (conv, relu, 3/2 max pool with padding 1) and ``blocks`` residual blocks of
    two convolutions and an add, then global average pooling and a Gemm: named as
    ``torch.onnx.export`` names nodes (``/layer1/layer1.0/conv1/Conv``)."""
    g = GraphBuilder(3, size)
    x = g.conv("/conv1/Conv", "x", 3, 8, 3, pads=[1, 1, 1, 1])
    x = g.add("Relu", "/relu/Relu", [x])
    x = g.add(
        "MaxPool", "/maxpool/MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
    )
    for i in range(blocks):
        at = f"/layer1/layer1.{i}"
        y = g.conv(f"{at}/conv1/Conv", x, 8, 8, 3, pads=[1, 1, 1, 1])
        y = g.add("Relu", f"{at}/relu/Relu", [y])
        y = g.conv(f"{at}/conv2/Conv", y, 8, 8, 3, pads=[1, 1, 1, 1])
        y = g.add("Add", f"{at}/Add", [y, x])
        x = g.add("Relu", f"{at}/relu_1/Relu", [y])
    x = g.add("GlobalAveragePool", "/avgpool/GlobalAveragePool", [x])
    x = g.add("Flatten", "/Flatten", [x])
    w = g.weight("fc.weight", 10, 8)
    b = g.weight("fc.bias", 10)
    g.add("Gemm", "/fc/Gemm", [x, w, b], transB=1)
    return g
