"""ONNX files read as a poolviz graph, through the ``onnx`` package (the ``poolviz[onnx]``
extra), imported only here and only when a ``.onnx`` file is traced.

The graph is taken as it is (as Netron reads it): nodes in topological order, each named by
its node name (its first output's where the file leaves it unnamed), reading the nodes that
produce its inputs. Nodes whose inputs are all constants (``Constant``, ``Shape`` and what is
computed from them, weights) are not rows. Shapes are NCHW in the file and per sample
``(h, w, c)`` here; a rank-4 tensor is always read as NCHW.

A node with several outputs (``Split``) gives each its own shape, and each reader reads the
output it names.

Poolviz models the layers whose numbers it explains itself: ``Conv`` (its padding per side),
``Gemm``/``MatMul`` with stored weights (dense, with a fixed input width), ``BatchNormalization``,
activations, every pooling operator (see :mod:`poolviz.model.onnx_pool`), ``ReduceMean`` and
``ReduceMax`` over both spatial axes (PyTorch's export of ``AdaptiveAvgPool2d((1, 1))``),
``Flatten``, ``Add``, ``Mul``, ``Mean``, ``Sum``, ``Concat``. Any other operator is a plain row
named by its type, its parameters the stored weights it reads and its shape from ONNX's own
shape logic for that one node (``onnx.shape_inference.infer_node_outputs``), run on poolviz's
shapes, so a counterfactual's changed shapes reach it too.
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.loaders.files import check_file, read_bytes
from poolviz.model.graph import INPUT, Edge, Model, Node
from poolviz.model.layers import Activation, BatchNorm, Conv, Dense, Dropout, Flatten, Layer, Shape
from poolviz.model.merge import Add, Average, Concat, Merge, Multiply, Op
from poolviz.model.onnx_pool import (
    GLOBAL_OPS,
    WINDOWED_OPS,
    OnnxPooling,
    node_attributes,
    onnx_pooling,
    onnx_windows,
)
from poolviz.model.pooling import (
    AvgPool,
    GlobalAvgPool,
    GlobalLpPool,
    GlobalMaxPool,
    GlobalPool,
    LpPool,
    MaxPool,
    Pool,
)

if TYPE_CHECKING:
    import onnx

FILE_HINT = "give an ONNX model file, such as torch.onnx.export writes"
LARGEST = 2**31
"""Protobuf's own limit on one message: larger files are refused unread."""

ACTIVATIONS: dict[str, str] = {
    "Relu": "relu",
    "LeakyRelu": "leaky_relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Elu": "elu",
    "Selu": "selu",
    "Celu": "celu",
    "Softplus": "softplus",
    "Softsign": "softsign",
    "HardSigmoid": "hard_sigmoid",
    "HardSwish": "hard_swish",
    "Gelu": "gelu",
    "Mish": "mish",
    "Clip": "clip",
    "Identity": "identity",
}
"""Elementwise operators without weights, as activation rows (the ``strided``
counterfactual looks across them)."""
MERGES: dict[str, type[Add] | type[Multiply] | type[Average]] = {
    "Add": Add,
    "Sum": Add,
    "Mul": Multiply,
    "Mean": Average,
}
"""Elementwise operators that merge branches of equal shape."""
INT64 = 7
"""``TensorProto.INT64``: the type of shapes, axes and sizes, never of weights."""
CHANNELS_LAST = {1: -1, 2: 0, 3: 1}
"""An NCHW axis -> the same axis of a per-sample (h, w, c) shape."""


def _onnx() -> Any:
    """The ``onnx`` module, or one ``error:`` line naming the extra."""
    try:
        import onnx
    except ImportError:
        raise PoolvizRuntimeError(
            "reading .onnx files needs the onnx package; pip install 'poolviz[onnx]'"
        ) from None
    return onnx


def load_onnx(path: str | os.PathLike[str], input_shape: Shape | None = None) -> Model:
    """The graph in the ONNX file ``path``; ``input_shape`` (h, w, c) replaces the input's
    size, and is needed where the file leaves it symbolic. A missing file or a folder is a
    PoolvizError (exit 2); a file poolviz cannot read as an ONNX model a PoolvizRuntimeError
    (exit 1), one line naming the file and the problem."""
    onnx = _onnx()
    from google.protobuf.message import DecodeError

    file, shown = Path(path), str(path)
    check_file(file, shown, FILE_HINT)
    size = file.stat().st_size
    if size == 0:
        raise PoolvizRuntimeError(f"{shown}: the file is empty; {FILE_HINT}")
    if size >= LARGEST:
        raise PoolvizRuntimeError(f"{shown}: {size:,} bytes, over protobuf's 2 GiB; {FILE_HINT}")
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(read_bytes(file, shown))
    except (DecodeError, RuntimeError, ValueError) as err:
        raise PoolvizRuntimeError(
            f"{shown}: not an ONNX model (its protobuf does not parse: {str(err) or 'truncated'}); "
            f"{FILE_HINT}"
        ) from None
    if not proto.HasField("graph") or not proto.graph.node:
        raise PoolvizRuntimeError(f"{shown}: not an ONNX model (no graph nodes); {FILE_HINT}")
    _check_opset(onnx, proto, shown)
    _check_external(proto, file, shown)
    return _Reader(onnx, proto, file.name, shown).model(input_shape)


def _check_opset(onnx: Any, proto: onnx.ModelProto, shown: str) -> None:
    """The file's ONNX opset must be one the installed onnx package knows."""
    versions = [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")]
    if not versions:
        raise PoolvizRuntimeError(f"{shown}: declares no ONNX opset (opset_import); {FILE_HINT}")
    newest = onnx.defs.onnx_opset_version()
    if versions[0] > newest or versions[0] < 1:
        raise PoolvizRuntimeError(
            f"{shown}: uses ONNX opset {versions[0]}; the onnx package here "
            f"({onnx.__version__}) reads opsets 1-{newest}: upgrade it (pip install -U onnx)"
        )


def _check_external(proto: onnx.ModelProto, file: Path, shown: str) -> None:
    """Weights kept in files beside the model must be there (their values are never read:
    only their sizes count)."""
    for tensor in proto.graph.initializer:
        if tensor.data_location != 1:  # TensorProto.EXTERNAL
            continue
        where = {e.key: e.value for e in tensor.external_data}.get("location", "")
        if not (file.parent / where).is_file():
            raise PoolvizRuntimeError(
                f"{shown}: its weights {tensor.name!r} are in {where!r}, which is not beside "
                f"it; keep the model's external data files in its folder"
            )


def per_sample(dims: list[int]) -> Shape:
    """An ONNX shape without its batch: NCHW as (h, w, c), any other rank as it is."""
    if len(dims) == 4:
        return dims[2], dims[3], dims[1]
    return tuple(dims[1:])


def batched(shape: Shape) -> list[int]:
    """A per-sample shape as ONNX's, batch 1: (h, w, c) as NCHW."""
    if len(shape) == 3:
        return [1, shape[2], shape[0], shape[1]]
    return [1, *shape]


class _Reader:
    """One file's graph, read once."""

    def __init__(self, onnx: Any, proto: onnx.ModelProto, name: str, shown: str) -> None:
        self.onnx = onnx
        self.proto = proto
        self.graph = proto.graph
        self.name = name
        self.shown = shown
        self.constants: dict[str, onnx.TensorProto] = {t.name: t for t in self.graph.initializer}
        self.known: set[str] = set(self.constants)
        """Tensors whose values do not depend on the input (weights, Constant, Shape...)."""
        self.opset = [o for o in proto.opset_import if o.domain in ("", "ai.onnx")][0].version
        self.resized: str | None = None
        """What ``--input`` changed of a size the file fixes, said in the notes."""

    def fail(self, message: str) -> PoolvizRuntimeError:
        return PoolvizRuntimeError(f"{self.shown}: {message}")

    def model(self, input_shape: Shape | None) -> Model:
        source, shape = self._input(input_shape)
        made: dict[str, Edge] = {source: (INPUT, 0)}  # tensor -> the node and its output
        nodes: list[Node] = []
        names: set[str] = set()
        for node in self._ordered():
            ins = [i for i in node.input if i]
            if node.op_type in ("Constant", "Shape", "Size") or all(i in self.known for i in ins):
                if node.op_type == "Constant":
                    value = node_attributes(node).get("value")
                    if value is not None:
                        self.constants[node.output[0]] = value
                self.known.update(node.output)
                continue
            name = node.name or node.output[0]
            while name in names or not name:
                name += "#"
            names.add(name)
            sources = tuple(dict.fromkeys(made[i] for i in ins if i in made))
            layer = self._layer(node, name, len(sources))
            nodes.append(Node(layer, (INPUT,)).reading(sources))
            made.update({out: (name, k) for k, out in enumerate(node.output) if out})
        notes = self._notes()
        return Model(self.name, shape, tuple(nodes), notes)

    def _input(self, given: Shape | None) -> tuple[str, Shape]:
        """The one image input: its tensor's name and its (h, w, c)."""
        inputs = [i for i in self.graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            listed = ", ".join(repr(i.name) for i in inputs) or "none"
            raise self.fail(
                f"the graph has {len(inputs)} inputs ({listed}); poolviz traces a model with "
                "one image input"
            )
        value = inputs[0]
        dims = value.type.tensor_type.shape.dim
        sizes = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        text = (
            "("
            + ", ".join(
                str(s) if s else (d.dim_param or "?") for s, d in zip(sizes, dims, strict=True)
            )
            + ")"
        )
        if len(dims) != 4:
            raise self.fail(
                f"input {value.name!r} has shape {text}; poolviz traces an image input "
                "(batch, channels, height, width)"
            )
        fixed = (sizes[2] or 0, sizes[3] or 0, sizes[1] or 0) if all(sizes[1:]) else None
        if given is not None:
            if fixed is not None and fixed != given:
                self.resized = (
                    f"{self.shown} fixes its input at {'x'.join(map(str, fixed))}; traced at "
                    f"{'x'.join(map(str, given))}, as --input asks (a runtime would refuse it)."
                )
            return value.name, given
        if fixed is None:
            raise PoolvizError(
                f"input {value.name!r} of {self.shown} has no fixed size {text}; give its "
                "height, width and channels with --input HxWxC"
            )
        return value.name, fixed

    def _ordered(self) -> list[onnx.NodeProto]:
        """The nodes in topological order (the file's order where it allows: ONNX asks for
        it, but not every writer keeps it); a runtime error for a cycle or a tensor that
        nothing gives."""
        nodes = list(self.graph.node)
        given = {i.name for i in self.graph.input} | set(self.constants) | {""}
        producer = {out: k for k, n in enumerate(nodes) for out in n.output}
        waiting = [0] * len(nodes)
        readers: list[list[int]] = [[] for _ in nodes]
        for k, node in enumerate(nodes):
            for tensor in node.input:
                if tensor in producer:
                    waiting[k] += 1
                    readers[producer[tensor]].append(k)
                elif tensor not in given:
                    raise self.fail(
                        f"node {node.name or node.output[0]!r} reads {tensor!r}, which no "
                        "node, weight or input gives"
                    )
        ready = [k for k, n in enumerate(waiting) if n == 0]
        heapq.heapify(ready)
        order: list[onnx.NodeProto] = []
        while ready:
            k = heapq.heappop(ready)
            order.append(nodes[k])
            for r in readers[k]:
                waiting[r] -= 1
                if waiting[r] == 0:
                    heapq.heappush(ready, r)
        if len(order) < len(nodes):
            stuck = next(n for k, n in enumerate(nodes) if waiting[k] > 0)
            raise self.fail(
                f"the graph has a cycle through node {stuck.name or stuck.output[0]!r}; "
                "ONNX graphs are acyclic"
            )
        return order

    def _dims(self, tensor: str) -> list[int] | None:
        """A stored tensor's dimensions."""
        value = self.constants.get(tensor)
        return None if value is None else list(value.dims)

    def _weights(self, node: onnx.NodeProto) -> int:
        """Values of the stored tensors ``node`` reads, but for int64 ones: ONNX gives
        shapes, axes, split sizes and pads as int64 tensors, which are no parameters
        (quantized weights are int8/uint8 and biases int32, and count)."""
        return sum(
            math.prod(self.constants[i].dims)
            for i in node.input
            if i in self.constants and self.constants[i].data_type != INT64
        )

    def _layer(self, node: onnx.NodeProto, name: str, sources: int) -> Layer:
        """The poolviz layer for ``node``, which reads ``sources`` nodes' outputs."""
        op = node.op_type
        attributes = node_attributes(node)
        if node.domain not in ("", "ai.onnx"):
            return self._op(node, name)
        try:
            if op in WINDOWED_OPS or op in GLOBAL_OPS:
                return _pooling(name, onnx_pooling(op, attributes))
            reader = READERS.get(op)
            layer = None if reader is None else reader(self, node, name, attributes, sources)
            if sources > 1 and not isinstance(layer, Merge):
                layer = None  # a layer reading several activations (weights computed): a plain row
        except PoolvizError as err:
            raise self.fail(f"node {name!r} ({op}): {err.message}") from None
        return self._op(node, name) if layer is None else layer

    def _op(self, node: onnx.NodeProto, name: str) -> Op:
        """A plain row for an operator poolviz does not model."""
        return Op(name, op=node.op_type, weights=self._weights(node), infer=self._infer(node))

    def _infer(self, node: onnx.NodeProto) -> Callable[[tuple[Shape, ...]], tuple[Shape, ...]]:
        """ONNX's own shape logic for ``node`` on poolviz's shapes, one shape per output;
        where it cannot tell, the shape the file records, else the first input's."""
        onnx = self.onnx
        try:
            schema = onnx.defs.get_schema(node.op_type, self.opset, node.domain)
        except Exception:  # onnx.defs.SchemaError: an operator of another domain
            schema = None
        outputs = [out for out in node.output if out]
        recorded = [self._recorded(out) for out in outputs]
        constants = {i: self.constants[i] for i in node.input if i in self.constants}
        opsets = list(self.proto.opset_import)

        def inferred(shapes: tuple[Shape, ...]) -> dict[str, Shape]:
            """Each output's shape ONNX gives, where it gives a whole one."""
            if schema is None:
                return {}
            types: dict[str, Any] = {}
            queue = list(shapes)
            for tensor in node.input:
                if tensor in constants:
                    value = constants[tensor]
                    types[tensor] = onnx.helper.make_tensor_type_proto(value.data_type, value.dims)
                elif tensor and tensor not in self.known and queue:
                    types[tensor] = onnx.helper.make_tensor_type_proto(1, batched(queue.pop(0)))
            try:
                found = onnx.shape_inference.infer_node_outputs(
                    schema, node, types, constants, opset_imports=opsets
                )
            except Exception:  # onnx's InferenceError, or a node it cannot type
                return {}
            out: dict[str, Shape] = {}
            for tensor, value in found.items():
                dims = [
                    d.dim_value if d.HasField("dim_value") else 0
                    for d in value.tensor_type.shape.dim
                ]
                if value.tensor_type.HasField("shape") and all(d > 0 for d in dims):
                    out[tensor] = per_sample(dims)
            return out

        def infer(shapes: tuple[Shape, ...]) -> tuple[Shape, ...]:
            found = inferred(shapes)
            return tuple(
                found.get(tensor) or known or shapes[0]
                for tensor, known in zip(outputs, recorded, strict=True)
            )

        return infer

    def _recorded(self, tensor: str) -> Shape | None:
        """The shape the file records for ``tensor`` (value_info or an output), if whole."""
        for value in (*self.graph.value_info, *self.graph.output):
            if value.name == tensor:
                dims = value.type.tensor_type.shape.dim
                sizes = [d.dim_value for d in dims]
                if dims and all(s > 0 for s in sizes[1:]):
                    return per_sample(sizes)
        return None

    def _notes(self) -> tuple[str, ...]:
        ops = {n.op_type for n in self.graph.node}
        notes = [] if self.resized is None else [self.resized]
        if "Conv" in ops and "BatchNormalization" not in ops:
            notes.append(
                "Parameters are the file's stored weights: an exporter that folded BatchNorm "
                "into the convolutions (torch.onnx.export does in eval mode) stores fewer than "
                "the framework counts."
            )
        if ops & {"LpPool", "GlobalLpPool"}:
            notes.append("ONNX's LpPool takes |x| before the power; PyTorch's LPPool2d does not.")
        return tuple(notes)


def _pooling(name: str, pooling: OnnxPooling) -> Pool | GlobalPool:
    """The pooling layer for an ONNX pooling node."""
    if pooling.is_global:
        kind = {"avg": GlobalAvgPool, "max": GlobalMaxPool, "lp": GlobalLpPool}[pooling.mode]
        return kind(name, True, op=pooling.op_type)
    cls = {"max": MaxPool, "avg": AvgPool, "lp": LpPool}[pooling.mode]
    return cls(name, pooling.size, pooling.stride, onnx=pooling)


Reader = Callable[[_Reader, Any, str, dict[str, Any], int], Layer | None]


def _conv(
    r: _Reader, node: Any, name: str, attributes: dict[str, Any], sources: int
) -> Layer | None:
    weights = r._dims(node.input[1]) if len(node.input) > 1 else None
    if weights is None or len(weights) != 4:
        return None
    kh, kw = weights[2], weights[3]
    geometry = onnx_windows("Conv", {**attributes, "kernel_shape": [kh, kw]})
    top, left, bottom, right = geometry.pads
    symmetric = geometry.auto_pad == "NOTSET" and (top, left) == (bottom, right)
    padding: tuple[int, int] | str = (top, left) if symmetric else (0, 0)
    if geometry.auto_pad == "SAME_UPPER":
        padding = "same"
    return Conv(
        name,
        weights[0],
        (kh, kw),
        geometry.stride,
        padding,
        geometry.dilation,
        int(attributes.get("group", 1)),
        len(node.input) > 2 and bool(node.input[2]),
        onnx=None if symmetric or padding == "same" else geometry,
    )


def _gemm(
    r: _Reader, node: Any, name: str, attributes: dict[str, Any], sources: int
) -> Layer | None:
    weights = r._dims(node.input[1]) if len(node.input) > 1 else None
    if weights is None or len(weights) != 2 or attributes.get("transA", 0):
        return None
    k, n = reversed(weights) if attributes.get("transB", 0) else weights
    bias = len(node.input) > 2 and bool(node.input[2])
    return Dense(name, n, bias, fixed_inputs=k)


def _matmul(
    r: _Reader, node: Any, name: str, attributes: dict[str, Any], sources: int
) -> Layer | None:
    weights = r._dims(node.input[1])
    if weights is None or len(weights) != 2:
        return None
    return Dense(name, weights[1], False, fixed_inputs=weights[0])


def _reduce(
    r: _Reader, node: Any, name: str, attributes: dict[str, Any], sources: int
) -> Layer | None:
    axes = attributes.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1] in r.constants:
        axes = list(r.onnx.numpy_helper.to_array(r.constants[node.input[1]]).tolist())
    if sorted(a % 4 for a in axes or []) != [2, 3]:
        return None
    kind = GlobalAvgPool if node.op_type == "ReduceMean" else GlobalMaxPool
    return kind(name, bool(attributes.get("keepdims", 1)), op=f"{node.op_type} over H, W")


def _merge(
    r: _Reader, node: Any, name: str, attributes: dict[str, Any], sources: int
) -> Layer | None:
    if sources < 2 or any(i in r.constants or i in r.known for i in node.input):
        return None
    return MERGES[node.op_type](name)


def _concat(
    r: _Reader, node: Any, name: str, attributes: dict[str, Any], sources: int
) -> Layer | None:
    axis = int(attributes.get("axis", 1)) % 4
    if sources < 2 or axis not in CHANNELS_LAST or any(i in r.known for i in node.input):
        return None
    return Concat(name, axis=CHANNELS_LAST[axis])


READERS: dict[str, Reader] = {
    "Conv": _conv,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "ReduceMean": _reduce,
    "ReduceMax": _reduce,
    "Concat": _concat,
    **{op: _merge for op in MERGES},
    "BatchNormalization": lambda r, node, name, a, s: BatchNorm(name),
    "Flatten": lambda r, node, name, a, s: Flatten(name) if a.get("axis", 1) == 1 else None,
    "Dropout": lambda r, node, name, a, s: Dropout(name, float(a.get("ratio", 0.5))),
    **{
        op: lambda r, node, name, a, s: Activation(name, ACTIVATIONS[node.op_type])
        for op in ACTIVATIONS
    },
}
"""ONNX operator -> the poolviz layer it is (None where this node's form is not one poolviz
models, e.g. a ``MatMul`` of two activations: it is then a plain row)."""
