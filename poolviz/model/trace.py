"""The trace of a model graph, node by node in topological order, and its two
counterfactuals, as plain data.

``drop``: the model with its fixed-window pooling layers (max, average, Lp) removed, their
readers reconnected to what the pooling read; adaptive, fractional and global pooling stay
(adaptive and global fix the classifier's input). ``strided``: each pooling layer folded into
the nearest convolution before it (looking across BatchNorm, activations and dropout that
nothing else reads) as that convolution's stride times the pooling's, padding unchanged, as
modern networks downsample; a pooling layer with no such convolution before it in its block
stays, and says why; adaptive and fractional pooling, whose windows are uneven and have no
stride to fold, stay and say so.

A counterfactual may not fit (a strided convolution that no longer fits its input, an add
whose branches no longer agree, a dense layer whose stored weights no longer fit): its trace
then stops at that layer and says why, and never raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from poolviz.errors import PoolvizError
from poolviz.model.field import Field, Jump, Pair
from poolviz.model.graph import INPUT, Edge, Model, Node
from poolviz.model.layers import Conv, Shape
from poolviz.model.merge import Merge
from poolviz.model.pooling import AvgPool, LpPool, MaxPool, Pool, PoolingLayer

WINDOWED_KINDS = (MaxPool.kind, AvgPool.kind, LpPool.kind)
"""Kinds of fixed-window pooling: what ``drop`` removes."""

ABSURD_PARAMS = 10**9
"""A single layer with this many parameters or more is flagged as absurd."""
BYTES_PER_VALUE = 4
"""float32, for the memory the summary quotes."""
MB = 10**6
"""torchinfo's megabyte, for the sizes its summary quotes."""
COUNTERFACTUALS: tuple[str, ...] = ("drop", "strided")


class InvalidLayer(PoolvizError):
    """A layer whose input it cannot take; ``layer`` names it (a usage error, exit 2)."""

    def __init__(self, layer: str, message: str) -> None:
        super().__init__(message)
        self.layer = layer


@dataclass
class TraceRow:
    """One row of the trace: a node of the graph."""

    name: str
    kind: str
    """The layer kind: ``conv``, ``maxpool``, ... (the spec grammar's words), ``activation``
    for an activation layer, ``add`` or ``concat`` where branches meet, ``op`` for an
    operator of a file that poolviz takes as it comes."""
    config: str
    """The layer's configuration in the spec grammar's words, e.g. ``conv 32 3x3``."""
    activation: str | None
    """An activation applied inside this row's layer."""
    input_shape: Shape
    output_shape: Shape
    """Per sample; renderers put the batch in front."""
    params: int
    non_trainable: int
    macs: int
    """Multiply-accumulates for the whole batch (one sample without ``--batch``)."""
    activations: int
    """Output values for the whole batch."""
    field: Field
    kept: float | None
    """Pooling layers: the share of input values that remain, at most 1."""
    repeated: bool = False
    """Adaptive pooling to a larger map: all values kept, some repeated."""
    block: str | None = None
    """The residual block the row belongs to (its body, shortcut or add)."""
    inputs: tuple[str, ...] = ()
    """The rows it reads (``""``: the model's input); more than one where branches meet."""
    ports: tuple[int, ...] = ()
    """Which output of each row in ``inputs`` it reads, where one has several (empty: the
    first of each)."""
    outputs: tuple[Shape, ...] = ()
    """Every output's shape, where the node has several (an ONNX ``Split``); empty where it
    has one, ``output_shape``."""
    field_note: str | None = None
    """How its receptive field was worked out, where its windows are uneven (adaptive: the
    largest bin; fractional: the mean spacing)."""

    @property
    def receptive_field(self) -> Pair:
        """The receptive field (h, w), in input pixels."""
        return self.field.size

    @property
    def jump(self) -> Jump | None:
        """Input pixels between neighbouring outputs (a fraction after uneven adaptive
        pooling); None once the field is the whole input."""
        return None if self.field.whole else self.field.jump

    @property
    def per_position(self) -> bool:
        """A dense layer on a feature map: it acts at each position, mixing none (Keras's
        ``Dense`` on the last axis)."""
        return self.kind == "dense" and len(self.input_shape) > 1

    @property
    def absurd(self) -> bool:
        """More parameters than any one layer of a sensible model has."""
        return self.params >= ABSURD_PARAMS


@dataclass
class Totals:
    """Sums over a trace's rows, and the receptive field of its last feature map."""

    params: int
    """Trainable parameters: PyTorch's parameters (torchinfo's total)."""
    non_trainable: int
    """BatchNorm's moving mean and variance: buffers to PyTorch, non-trainable parameters
    to Keras."""
    macs: int
    activations: int
    """Values every layer outputs, for the whole batch."""
    input_values: int
    """Values of the input, for the whole batch."""
    param_outputs: int
    """Values the layers with parameters output, for the whole batch: what torchinfo's
    forward/backward pass size counts (twice: the values and their gradients)."""
    receptive_field: Pair
    """Of the last feature map: the last row before a layer that mixes every position
    (dense on a vector, global pooling)."""
    jump: Jump
    whole: bool = False
    """Every value of that feature map sees the whole input."""

    @property
    def activation_bytes(self) -> int:
        """Memory the activations take as float32."""
        return self.activations * BYTES_PER_VALUE

    @property
    def param_bytes(self) -> int:
        """Memory the parameters take as float32 (torchinfo's params size: no buffers)."""
        return self.params * BYTES_PER_VALUE

    @property
    def input_bytes(self) -> int:
        """Memory the input takes as float32 (torchinfo's input size)."""
        return self.input_values * BYTES_PER_VALUE

    @property
    def forward_backward_bytes(self) -> int:
        """torchinfo's forward/backward pass size: each layer with parameters keeps its
        output and its gradient, as float32."""
        return 2 * self.param_outputs * BYTES_PER_VALUE

    @property
    def total_bytes(self) -> int:
        """torchinfo's estimated total size: input, forward/backward pass and parameters."""
        return self.input_bytes + self.forward_backward_bytes + self.param_bytes


@dataclass
class Problem:
    """Why a counterfactual stops: the layer that no longer fits, and the message."""

    layer: str
    message: str


@dataclass
class Counterpart:
    """What a counterfactual made of one row of the original."""

    row: TraceRow | None
    """Its row, if the layer is there and was reached."""
    state: Literal["present", "gone", "invalid", "unreached"]
    note: str | None
    """What the counterfactual did (``removed``, ``stride 2 (was 1)``), or the problem."""


@dataclass
class Trace:
    """A model traced on its input: one row per layer, in order."""

    label: str
    """``original``, ``drop`` or ``strided``."""
    model: Model
    batch: int | None
    rows: tuple[TraceRow, ...]
    problem: Problem | None = None
    notes: Mapping[str, str] = field(default_factory=dict)
    """Layer name -> what the counterfactual did to it."""

    @property
    def totals(self) -> Totals | None:
        """Sums over the rows; None when the trace stopped at an invalid layer."""
        if self.problem is not None:
            return None
        spatial = [r.field for r in self.rows if not r.field.mixed]
        h, w, _ = self.model.input_shape
        last = spatial[-1] if spatial else Field.start((h, w))
        return Totals(
            params=sum(r.params for r in self.rows),
            non_trainable=sum(r.non_trainable for r in self.rows),
            macs=sum(r.macs for r in self.rows),
            activations=sum(r.activations for r in self.rows),
            input_values=math.prod(self.model.input_shape) * (self.batch or 1),
            param_outputs=sum(r.activations for r in self.rows if r.params),
            receptive_field=last.size,
            jump=last.jump,
            whole=last.whole,
        )

    @property
    def absurd(self) -> list[TraceRow]:
        """Rows with an absurd number of parameters."""
        return [r for r in self.rows if r.absurd]

    @property
    def windowed_pooling(self) -> list[TraceRow]:
        """Rows of fixed-window pooling (max and average): what ``drop`` removes."""
        return [r for r in self.rows if r.kind in WINDOWED_KINDS]

    @property
    def held_pooling(self) -> list[TraceRow]:
        """Rows of global and adaptive pooling: what both counterfactuals keep."""
        return [r for r in self.rows if r.kept is not None and r.kind not in WINDOWED_KINDS]

    @cached_property
    def by_name(self) -> Mapping[str, TraceRow]:
        """The rows by layer name: the renderers ask for a counterpart per cell (VGG16's
        figure: 268 times over 40 rows), each found in one look-up, not a scan."""
        return {row.name: row for row in self.rows}

    def counterpart(self, name: str) -> Counterpart:
        """This trace's version of the original's row ``name``."""
        note = self.notes.get(name)
        row = self.by_name.get(name)
        if row is not None:
            return Counterpart(row, "present", note)
        if self.problem is not None and self.problem.layer == name:
            return Counterpart(None, "invalid", self.problem.message)
        if note is not None:
            return Counterpart(None, "gone", note)
        return Counterpart(None, "unreached", None)


Total = Literal["params", "macs", "activations"]


@dataclass
class Versus:
    """A counterfactual's totals against the original's."""

    original: Totals
    variant: Totals

    def ratio(self, what: Total) -> float:
        """Variant over original: above 1, pooling saved that factor."""
        a, b = getattr(self.variant, what), getattr(self.original, what)
        if b == 0:
            return 1.0 if a == 0 else math.inf
        return float(a / b)

    def saved(self, what: Total) -> int:
        """Variant minus original: what pooling saved (negative: what it cost)."""
        return int(getattr(self.variant, what) - getattr(self.original, what))

    @property
    def saved_bytes(self) -> int:
        """Activation memory pooling saved, as float32."""
        return self.variant.activation_bytes - self.original.activation_bytes


@dataclass
class Report:
    """The original trace and the counterfactuals asked for."""

    original: Trace
    compare: tuple[Trace, ...]

    def versus(self, variant: Trace) -> Versus | None:
        """``variant``'s totals against the original's; None when ``variant`` is invalid."""
        base, other = self.original.totals, variant.totals
        if base is None or other is None:
            return None
        return Versus(base, other)


def trace(model: Model, batch: int | None = None) -> Trace:
    """``model`` traced node by node; InvalidLayer (a PoolvizError naming the layer and the
    shapes) where a layer cannot take its input."""
    rows: list[TraceRow] = []
    _walk(model, rows, batch or 1)
    return Trace("original", model, batch, tuple(rows))


def _walk(model: Model, rows: list[TraceRow], scale: int) -> None:
    """Append a row per node to ``rows``, in order; InvalidLayer at a node that cannot
    take its inputs."""
    h, w, _ = model.input_shape
    shapes: dict[str, tuple[Shape, ...]] = {INPUT: (model.input_shape,)}
    fields: dict[str, Field] = {INPUT: Field.start((h, w))}
    for node in model.nodes:
        layer = node.layer
        # a layer poolviz models has one output; an extra one it has in a file (MaxPool's
        # indices, Dropout's mask) has the first output's shape
        ins = tuple(shapes[i][p if p < len(shapes[i]) else 0] for i, p in node.edges())
        try:
            if isinstance(layer, Merge):
                outs = layer.join_all(ins)
                new = layer.join_field(tuple(fields[i] for i in node.inputs), ins, outs[0])
            else:
                outs = (layer.output_shape(ins[0]),)
                new = layer.field(fields[node.inputs[0]], ins[0])
        except PoolvizError as err:
            raise InvalidLayer(node.name, err.message) from None
        rows.append(_row(node, ins[0], outs, new, scale))
        shapes[node.name], fields[node.name] = outs, new


def _row(node: Node, shape: Shape, outs: tuple[Shape, ...], f: Field, scale: int) -> TraceRow:
    layer, out = node.layer, outs[0]
    return TraceRow(
        name=node.name,
        kind=layer.kind,
        config=layer.describe(),
        activation=layer.activation,
        input_shape=shape,
        output_shape=out,
        params=layer.params(shape),
        non_trainable=layer.non_trainable(shape),
        macs=layer.macs(shape, out) * scale,
        activations=sum(math.prod(o) for o in outs) * scale,
        field=f,
        kept=layer.kept(shape, out),
        repeated=layer.repeats(shape),
        block=node.block,
        inputs=node.inputs,
        ports=node.ports,
        outputs=outs if len(outs) > 1 else (),
        field_note=layer.field_note(shape),
    )


Rewrite = Callable[[Model, dict[str, str]], Model]


def _drop(model: Model, notes: dict[str, str]) -> Model:
    """Without fixed-window pooling: each reader of a pooling node reads what it read."""
    alias: dict[str, Edge] = {}
    nodes: list[Node] = []
    for node in model.nodes:
        edges = tuple(alias.get(i, (i, p)) for i, p in node.edges())
        if isinstance(node.layer, Pool):
            notes[node.name] = "removed"
            alias[node.name] = edges[0]
        else:
            nodes.append(node.reading(edges))
    return model.with_nodes(nodes)


def _strided(model: Model, notes: dict[str, str]) -> Model:
    """Each pooling folded into the convolution before it in its block, as its stride."""
    nodes = {n.name: n for n in model.nodes}
    readers = model.consumers()
    original: dict[str, Pair] = {}  # each folded convolution's stride before any folding
    alias: dict[str, Edge] = {}
    for node in model.nodes:
        if isinstance(node.layer, PoolingLayer) and node.layer.stays is not None:
            notes[node.name] = node.layer.stays
        if not isinstance(node.layer, Pool):
            continue
        source = alias.get(node.inputs[0], node.edges()[0])
        conv, why = _conv_before(node.reading((source,)), nodes, readers)
        if conv is None:
            notes[node.name] = f"stays: {why}"
            continue
        layer = nodes[conv].layer
        assert isinstance(layer, Conv)
        original.setdefault(conv, layer.stride)
        folded = layer.restride(node.layer.stride)
        nodes[conv] = replace(nodes[conv], layer=folded)
        notes[conv] = f"stride {_stride_text(folded.stride)} (was {_stride_text(original[conv])})"
        notes[node.name] = f"folded into {conv}"
        alias[node.name] = source
        readers[source[0]] = [r for r in readers[source[0]] if r != node.name] + readers[node.name]
        del nodes[node.name]
    return model.with_nodes(
        n.reading(alias.get(i, (i, p)) for i, p in n.edges()) for n in nodes.values()
    )


def _conv_before(
    pool: Node, nodes: dict[str, Node], readers: dict[str, list[str]]
) -> tuple[str | None, str]:
    """The convolution a pooling node can fold into: the nearest one before it in its
    block, across elementwise layers that nothing else reads; else None and why not."""
    at, reader = pool.inputs[0], pool.name
    while at != INPUT and nodes[at].block == pool.block:
        if isinstance(nodes[at].layer, Merge):
            return None, f"it reads {at}, where branches meet"
        if len(readers[at]) > 1:
            others = [r for r in readers[at] if r != reader]
            return None, f"{at} also feeds {', '.join(others)}"
        if isinstance(nodes[at].layer, Conv):
            return at, ""
        if not nodes[at].layer.elementwise:
            break
        at, reader = nodes[at].inputs[0], at
    return None, "no convolution before it in its block"


def _stride_text(stride: Pair) -> str:
    return str(stride[0]) if stride[0] == stride[1] else f"{stride[0]}x{stride[1]}"


REWRITES: dict[str, Rewrite] = {"drop": _drop, "strided": _strided}


def counterfactual(model: Model, label: str, batch: int | None = None) -> Trace:
    """``model`` rewritten as the ``drop`` or ``strided`` counterfactual and traced; a layer
    that no longer fits ends the trace with a :class:`Problem` instead of raising."""
    notes: dict[str, str] = {}
    variant = REWRITES[label](model, notes)
    rows: list[TraceRow] = []
    problem = None
    try:
        _walk(variant, rows, batch or 1)
    except InvalidLayer as err:
        problem = Problem(err.layer, err.message)
    return Trace(label, variant, batch, tuple(rows), problem, notes)


def report(
    model: Model, compare: tuple[str, ...] = COUNTERFACTUALS, batch: int | None = None
) -> Report:
    """The trace of ``model`` and of each counterfactual in ``compare``; InvalidLayer when
    ``model`` itself does not fit its input."""
    original = trace(model, batch)
    return Report(original, tuple(counterfactual(model, c, batch) for c in compare))
