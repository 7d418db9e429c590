"""The bundled model's forward pass in NumPy, so ``poolviz features`` runs without onnxruntime.

Only the bundled model's layer kinds, as the ONNX operator spec defines them: ``Conv`` (one
group), ``Relu``, ``MaxPool`` (no dilation), ``Flatten`` and ``Gemm``. The convolution is
an im2col matrix product in float32, so its sums are added in BLAS's order, not
onnxruntime's: the results agree within float32 rounding, not bit for bit (a test checks).
The pooling here is written apart from the engine (a strided view and a max), so that the
engine's recomputation of a captured pooling node is still a check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from poolviz.errors import PoolvizError
from poolviz.features.graph import Graph, Node

Op = Callable[[list[np.ndarray], Mapping[str, Any]], np.ndarray]


def run(graph: Graph, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every value of ``graph`` on the float32 NCHW ``image``, by name (the input included)."""
    values: dict[str, np.ndarray] = {graph.input: image, **graph.initializers}
    for node in graph.nodes:
        op = OPS.get(node.op_type)
        if op is None:
            raise PoolvizError(
                f"the NumPy forward pass runs the bundled model's layers only, not "
                f"{node.op_type} (node {node.name}); pip install 'poolviz[run]'"
            )
        values[node.outputs[0]] = op([values[name] for name in node.inputs], node.attributes)
    return values


def _pads(attributes: Mapping[str, Any]) -> list[tuple[int, int]]:
    """ONNX ``pads`` [top, left, bottom, right] as NumPy's pad widths for N, C, H, W."""
    p = list(attributes.get("pads", [0, 0, 0, 0]))
    return [(0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])]


def _windows(x: np.ndarray, kernel: list[int], strides: list[int]) -> np.ndarray:
    """(N, C, OH, OW, KH, KW): every window of NCHW ``x``, a view."""
    view = sliding_window_view(x, tuple(kernel), axis=(2, 3))
    return view[:, :, :: strides[0], :: strides[1]]


def conv(inputs: list[np.ndarray], attributes: Mapping[str, Any]) -> np.ndarray:
    """ONNX Conv with ``group`` 1 and ``dilations`` 1: im2col, then one matrix product."""
    x, w = inputs[0], inputs[1]
    if attributes.get("group", 1) != 1 or set(attributes.get("dilations", [1, 1])) != {1}:
        raise PoolvizError("the NumPy forward pass takes Conv with group 1 and no dilation")
    m, _, kh, kw = w.shape
    x = np.pad(x, _pads(attributes))
    cols = _windows(x, [kh, kw], list(attributes.get("strides", [1, 1])))
    n, c, oh, ow = cols.shape[:4]
    patches = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    out = patches @ w.reshape(m, -1).T
    if len(inputs) > 2:
        out += inputs[2]
    return np.ascontiguousarray(out.reshape(n, oh, ow, m).transpose(0, 3, 1, 2))


def max_pool(inputs: list[np.ndarray], attributes: Mapping[str, Any]) -> np.ndarray:
    """ONNX MaxPool without dilation or ceil mode: padding is -inf, never a winner."""
    if attributes.get("ceil_mode", 0) or set(attributes.get("dilations", [1, 1])) != {1}:
        raise PoolvizError("the NumPy forward pass takes MaxPool without ceil_mode or dilation")
    kernel = list(attributes["kernel_shape"])
    x = np.pad(inputs[0], _pads(attributes), constant_values=-np.inf)
    windows = _windows(x, kernel, list(attributes.get("strides", [1, 1])))
    out: np.ndarray = windows.max(axis=(4, 5))
    return out


def relu(inputs: list[np.ndarray], attributes: Mapping[str, Any]) -> np.ndarray:
    out: np.ndarray = np.maximum(inputs[0], np.float32(0))
    return out


def flatten(inputs: list[np.ndarray], attributes: Mapping[str, Any]) -> np.ndarray:
    x = inputs[0]
    axis = int(attributes.get("axis", 1))
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def gemm(inputs: list[np.ndarray], attributes: Mapping[str, Any]) -> np.ndarray:
    """ONNX Gemm: alpha * A' B' + beta * C, with ``transA``/``transB``."""
    a, b = inputs[0], inputs[1]
    a = a.T if attributes.get("transA", 0) else a
    b = b.T if attributes.get("transB", 0) else b
    out = np.float32(attributes.get("alpha", 1.0)) * (a @ b)
    if len(inputs) > 2:
        out += np.float32(attributes.get("beta", 1.0)) * inputs[2]
    result: np.ndarray = out
    return result


OPS: dict[str, Op] = {
    "Conv": conv,
    "Relu": relu,
    "MaxPool": max_pool,
    "Flatten": flatten,
    "Gemm": gemm,
}
"""The layer kinds the NumPy forward pass runs."""


def runs(nodes: tuple[Node, ...]) -> bool:
    """Whether every node is of a kind :func:`run` runs."""
    return all(node.op_type in OPS for node in nodes)
