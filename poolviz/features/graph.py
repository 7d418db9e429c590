"""A model as the features path needs it: nodes with their attributes, the input, the output.

Two sources give the same :class:`Graph`: an ONNX file (through the ``onnx`` package, the
``poolviz[run]`` extra) and the bundled model's ``digits.npz``, which holds the very graph of
``digits.onnx`` (its nodes as JSON and its initializers, written by
``tools/train_bundled_model.py`` from the exported file) so that the bundled model runs where
onnx is not installed. A test checks the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.model.onnx_pool import node_attributes

BUNDLED_NAME = "digits.onnx"
"""The bundled model's file name inside ``poolviz/models``, as the output shows it."""


@dataclass(frozen=True)
class Node:
    """One node of the graph, its attributes as plain Python values (ints, floats, lists)."""

    name: str
    """The node's name, or its first output's where the file leaves it unnamed."""
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Graph:
    """The nodes in the file's order (ONNX requires it topological), the one image input and
    the first output."""

    name: str
    """What to call the model: its file name."""
    nodes: tuple[Node, ...]
    input: str
    input_shape: tuple[int | None, ...]
    """The input's shape as the file states it, None for a symbolic dimension (NCHW)."""
    output: str
    initializers: Mapping[str, np.ndarray] = field(default_factory=dict)
    """Constants by name: the bundled graph's weights; of a file, its small integer ones
    (onnxruntime reads the weights itself)."""
    path: Path | None = None
    """The ONNX file, for onnxruntime."""
    bundled: bool = False
    """The bundled model, whose weights are here: it runs without onnxruntime too."""

    def op_types(self) -> list[str]:
        """The distinct op types, in order of first use."""
        return list(dict.fromkeys(node.op_type for node in self.nodes))


def bundled_file(name: str) -> Path:
    """A file of the bundled model (``digits.onnx`` or ``digits.npz``) as a path."""
    return Path(str(resources.files("poolviz") / "models" / name))


def read_bundled() -> Graph:
    """The bundled digit model from ``digits.npz``: no onnx needed."""
    with np.load(bundled_file("digits.npz"), allow_pickle=False) as archive:
        spec = json.loads(str(archive["__graph__"]))
        weights = {key: archive[key] for key in archive.files if key != "__graph__"}
    nodes = tuple(
        Node(n["name"], n["op_type"], tuple(n["inputs"]), tuple(n["outputs"]), n["attributes"])
        for n in spec["nodes"]
    )
    return Graph(
        BUNDLED_NAME,
        nodes,
        spec["input"],
        tuple(spec["input_shape"]),
        spec["output"],
        weights,
        bundled_file(BUNDLED_NAME),
        bundled=True,
    )


def read_onnx(path: Path, shown: str) -> Graph:
    """An ONNX file's graph (needs ``onnx``, the ``poolviz[run]`` extra): the first graph input
    that no initializer feeds is the image; the first output is the answer."""
    onnx = require("onnx")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as err:  # the protobuf parser's many ways to fail
        raise PoolvizRuntimeError(f"{shown} is not an ONNX model ({_reason(err)})") from err
    graph = model.graph
    if not graph.node:
        raise PoolvizRuntimeError(f"{shown} has no nodes; give an ONNX model with a graph")
    weights = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in weights]
    if len(inputs) != 1:
        raise PoolvizRuntimeError(
            f"{shown} has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
            "poolviz features runs models with one image input"
        )
    kind = inputs[0].type.tensor_type.elem_type
    if kind != onnx.TensorProto.FLOAT:
        name = onnx.TensorProto.DataType.Name(kind).lower() if kind else "no tensor"
        raise PoolvizRuntimeError(
            f"{shown} takes {name} input ({inputs[0].name}); poolviz features feeds images "
            "as float32"
        )
    dims = inputs[0].type.tensor_type.shape.dim
    shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    nodes = tuple(
        Node(
            node.name or node.output[0],
            node.op_type,
            tuple(node.input),
            tuple(node.output),
            node_attributes(node),
        )
        for node in graph.node
    )
    # small integer constants only (a reduction's axes, from opset 18 an input), not weights
    constants = {
        t.name: onnx.numpy_helper.to_array(t)
        for t in graph.initializer
        if t.data_type == onnx.TensorProto.INT64 and int(np.prod(t.dims)) <= 8
    }
    return Graph(path.name, nodes, inputs[0].name, shape, graph.output[0].name, constants, path)


def require(module: str) -> Any:
    """Import ``onnx`` or ``onnxruntime``, or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise PoolvizError(
            f"running an ONNX model needs {module}, which is not installed; "
            "pip install 'poolviz[run]'"
        ) from err


def _reason(err: BaseException) -> str:
    return " ".join(str(err).split())[:120] or type(err).__name__
