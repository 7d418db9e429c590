"""Every pooling node of a model, captured while it runs and recomputed by the engine.

A pooling node is ``MaxPool``, ``AveragePool``, ``LpPool``, a ``Global...Pool``, or
``ReduceMean``/``ReduceMax`` over the two spatial axes (what PyTorch's exporter writes for
``AdaptiveAvgPool2d((1, 1))`` and ``x.mean((2, 3))``). The model runs once with each such
node's input and output added to its outputs; the engine then pools the captured input with
the node's attributes (read by :func:`poolviz.model.onnx_pool.onnx_pooling`) and the two
results are compared: max pooling bit for bit, the averaging kinds within float32 rounding.
A mismatch beyond that means poolviz read the node wrong, and is an error naming the node.

Summation order, measured against onnxruntime 1.32 on x86-64 (CPU, one thread):
``GlobalAveragePool`` adds each plane in four interleaved float32 partial sums (cells k,
k+4, ...: one SSE register, Eigen's reduction), combines them as (s0 + s2) + (s1 + s3), adds
the cells left over in order and divides by H * W; that reproduced its every value, on planes
from 1x3 to 112x112. Its ``ReduceMean`` and ``AveragePool`` (MLAS kernels) sum in other,
vectorised orders that a plain row-major sum matches on a fraction of values only. The engine
sums as PyTorch does: a global plane row-major (``global_pool2d``), each window in PyTorch's
order (``avg_pool_nhwc``). Sums of n float32 terms in two orders differ by at most about
n units in the last place of the largest term: the tolerance used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.engine.geometry import Axis, avg_divisors
from poolviz.engine.pooling import avg_pool_nhwc, global_pool2d, max_pool_nhwc
from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.features.graph import Graph, Node
from poolviz.model.onnx_pool import GLOBAL_OPS, WINDOWED_OPS, OnnxPooling, onnx_pooling

REDUCE_OPS = {"ReduceMean": "GlobalAveragePool", "ReduceMax": "GlobalMaxPool"}
"""Reductions that pool when they run over the spatial axes, and the global pool each is."""
SPATIAL_AXES = ({2, 3}, {-2, -1})


@dataclass(frozen=True)
class PoolNode:
    """A pooling node and the pooling it does."""

    node: Node
    pooling: OnnxPooling
    """Its attributes read with the operator spec's defaults; a reduction as a global pool."""
    depth: int
    """1 for the first pooling node in the file's order, 2 for the next..."""

    @property
    def name(self) -> str:
        return self.node.name

    def describe(self) -> str:
        """The node in words, e.g. ``MaxPool 2x2 stride 2`` or ``ReduceMean over H, W``."""
        if self.node.op_type in REDUCE_OPS:
            return f"{self.node.op_type} over H, W"
        return self.pooling.describe()


def pooling_nodes(graph: Graph) -> tuple[PoolNode, ...]:
    """The pooling nodes of ``graph`` in its order; PoolvizRuntimeError listing the op types
    when there is none."""
    found: list[PoolNode] = []
    for node in graph.nodes:
        try:
            pooling = _pooling(node, graph.initializers)
        except PoolvizError as err:  # the file's attributes, not the command line, are wrong
            raise PoolvizRuntimeError(f"{graph.name}, node {node.name}: {err.message}") from err
        if pooling is not None:
            found.append(PoolNode(node, pooling, len(found) + 1))
    if not found:
        raise PoolvizRuntimeError(
            f"{graph.name} has no pooling node (its ops: {', '.join(graph.op_types())}); "
            f"poolviz features shows {', '.join([*WINDOWED_OPS, *GLOBAL_OPS, *REDUCE_OPS])}"
        )
    return tuple(found)


def _pooling(node: Node, initializers: Mapping[str, np.ndarray]) -> OnnxPooling | None:
    if node.op_type in WINDOWED_OPS or node.op_type in GLOBAL_OPS:
        return onnx_pooling(node.op_type, node.attributes)
    if node.op_type not in REDUCE_OPS or not node.attributes.get("keepdims", 1):
        return None
    axes: Any = node.attributes.get("axes")
    if axes is None and len(node.inputs) > 1:  # opset 18: the axes are an input
        axes = initializers.get(node.inputs[1])
    if axes is None or {int(a) for a in np.asarray(axes).ravel()} not in SPATIAL_AXES:
        return None
    return onnx_pooling(REDUCE_OPS[node.op_type], {})


@dataclass(frozen=True)
class Check:
    """The engine's recomputation of a node against the model's own output."""

    exact: bool
    """Bit for bit equal (NaN matching NaN)."""
    max_error: float
    """The largest absolute difference."""
    tolerance: float
    """The largest difference float32 rounding explains (0 for max pooling)."""

    @property
    def ok(self) -> bool:
        return self.exact or self.max_error <= self.tolerance

    def verdict(self) -> str:
        """``equal``, ``within rounding`` or ``mismatch``."""
        return "equal" if self.exact else "within rounding" if self.ok else "mismatch"


@dataclass(frozen=True)
class Capture:
    """One pooling node on one image: its input and output as the model computed them, and
    the engine's recomputation. Arrays are NHWC float32, the batch's first item only."""

    pool: PoolNode
    before: np.ndarray
    """The node's input, (H, W, C)."""
    after: np.ndarray
    """The node's output as the model computed it, (OH, OW, C)."""
    recomputed: np.ndarray
    """The engine's output from ``before`` and the node's attributes, (OH, OW, C)."""
    indices: np.ndarray | None
    """Max pooling: each output's winner as ``h * W + w`` in its channel, (OH, OW, C), -1
    for a window over padding alone; None for the averaging kinds."""
    rows: Axis
    cols: Axis
    check: Check


def recompute(
    pooling: OnnxPooling, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, Axis, Axis]:
    """The engine's pooling of NHWC ``x`` as ``pooling`` says: values, max indices, windows."""
    rows, cols = pooling.axes(x.shape[1], x.shape[2])
    if pooling.mode == "max":
        if pooling.is_global:  # one reduction; its indices from the windowed pass
            _, indices = max_pool_nhwc(x, rows, cols, True)
            return global_pool2d(x, "max"), indices, rows, cols
        values, indices = max_pool_nhwc(x, rows, cols, True)
        return values, indices, rows, cols
    if pooling.mode == "avg":
        if pooling.is_global:
            return global_pool2d(x, "avg"), None, rows, cols
        return avg_pool_nhwc(x, rows, cols, pooling.count_include_pad), None, rows, cols
    # LpPool: (sum over the window's real cells of |x|^p)^(1/p); padding adds zeros
    powered = np.abs(x) ** pooling.p
    sums = avg_pool_nhwc(powered, rows, cols, False)
    sums = sums * avg_divisors(rows, cols, False)[None, :, :, None].astype(x.dtype)
    return (sums ** (1.0 / pooling.p)).astype(x.dtype), None, rows, cols


def check(
    pooling: OnnxPooling, rows: Axis, cols: Axis, x: np.ndarray, model: np.ndarray, ours: np.ndarray
) -> Check:
    """``ours`` against the model's ``model`` output: max exactly, averages within the
    rounding of sums over a window of ``rows.size * cols.size`` cells."""
    same = (ours == model) | (np.isnan(ours) & np.isnan(model))
    exact = bool(same.all()) and ours.shape == model.shape
    if ours.shape != model.shape:
        return Check(False, float("inf"), 0.0)
    with np.errstate(invalid="ignore"):
        error = float(np.nanmax(np.abs(ours.astype(np.float64) - model), initial=0.0))
    if pooling.mode == "max":
        return Check(exact, error, 0.0)
    largest = float(np.nanmax(np.abs(x), initial=0.0))
    if pooling.mode == "lp":
        largest = float(np.nanmax(np.abs(model), initial=0.0))
    cells = rows.size * cols.size
    return Check(exact, error, cells * float(np.spacing(np.float32(largest))))


def capture(pool: PoolNode, before: np.ndarray, after: np.ndarray) -> Capture:
    """Recompute ``pool`` from its captured NCHW input ``before`` and check it against its
    NCHW output ``after``; PoolvizRuntimeError naming the node on a mismatch."""
    x = np.ascontiguousarray(before[:1].transpose(0, 2, 3, 1))
    model = np.ascontiguousarray(after[:1].transpose(0, 2, 3, 1))
    ours, indices, rows, cols = recompute(pool.pooling, x)
    result = check(pool.pooling, rows, cols, x, model, ours)
    if not result.ok:
        raise PoolvizRuntimeError(
            f"poolviz's {pool.describe()} differs from the model's node {pool.name} by up to "
            f"{result.max_error:.3g} (shapes {ours.shape[1:]} and {model.shape[1:]}); "
            "poolviz read its attributes wrong: please report it"
        )
    return Capture(
        pool,
        x[0],
        model[0],
        ours[0],
        None if indices is None else indices[0],
        rows,
        cols,
        result,
    )
