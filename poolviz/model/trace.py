"""The trace of a model, layer by layer, and its two counterfactuals, as plain data.

``drop``: the model with its fixed-window pooling layers (max and average) removed; adaptive
and global pooling stay, since they fix the classifier's input. ``strided``: each pooling layer
folded into the nearest convolution before it (looking across BatchNorm, activations and
dropout) as that convolution's stride times the pooling's, padding unchanged, as modern
networks downsample; a pooling layer with no convolution before it in its block stays.

A counterfactual may not fit (a strided convolution that no longer fits its input): its trace
then stops at that layer and says why, and never raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from poolviz.errors import PoolvizError
from poolviz.model.layers import (
    AvgPool,
    Conv,
    Field,
    Jump,
    Layer,
    MaxPool,
    Model,
    Pair,
    Pool,
    Residual,
    Shape,
)

ABSURD_PARAMS = 10**9
"""A single layer with this many parameters or more is flagged as absurd."""
BYTES_PER_VALUE = 4
"""float32, for the memory the summary quotes."""
COUNTERFACTUALS: tuple[str, ...] = ("drop", "strided")


class InvalidLayer(PoolvizError):
    """A layer whose input it cannot take; ``layer`` names it (a usage error, exit 2)."""

    def __init__(self, layer: str, message: str) -> None:
        super().__init__(message)
        self.layer = layer


@dataclass(frozen=True)
class TraceRow:
    """One row of the trace: a layer, or the add that ends a residual block."""

    name: str
    kind: str
    """The layer kind: ``conv``, ``maxpool``, ... (the spec grammar's words), ``activation``
    for an activation layer, ``add`` for the end of a residual block."""
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
    def absurd(self) -> bool:
        """More parameters than any one layer of a sensible model has."""
        return self.params >= ABSURD_PARAMS


@dataclass(frozen=True)
class Totals:
    """Sums over a trace's rows, and the receptive field of its last feature map."""

    params: int
    non_trainable: int
    macs: int
    activations: int
    receptive_field: Pair
    """Of the last feature map: the last row before a layer that mixes every position
    (flatten, dense on a vector, global pooling)."""
    jump: Jump
    whole: bool = False
    """Every value of that feature map sees the whole input."""

    @property
    def activation_bytes(self) -> int:
        """Memory the activations take as float32."""
        return self.activations * BYTES_PER_VALUE

    @property
    def param_bytes(self) -> int:
        """Memory the parameters (trainable and not) take as float32."""
        return (self.params + self.non_trainable) * BYTES_PER_VALUE


@dataclass(frozen=True)
class Problem:
    """Why a counterfactual stops: the layer that no longer fits, and the message."""

    layer: str
    message: str


@dataclass(frozen=True)
class Counterpart:
    """What a counterfactual made of one row of the original."""

    row: TraceRow | None
    """Its row, if the layer is there and was reached."""
    state: Literal["present", "gone", "invalid", "unreached"]
    note: str | None
    """What the counterfactual did (``removed``, ``stride 2 (was 1)``), or the problem."""


@dataclass(frozen=True)
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
        return [r for r in self.rows if r.kind in (MaxPool.kind, AvgPool.kind)]

    @property
    def held_pooling(self) -> list[TraceRow]:
        """Rows of global and adaptive pooling: what both counterfactuals keep."""
        return [
            r
            for r in self.rows
            if r.kept is not None and r.kind not in (MaxPool.kind, AvgPool.kind)
        ]

    def counterpart(self, name: str) -> Counterpart:
        """This trace's version of the original's row ``name``."""
        note = self.notes.get(name)
        for row in self.rows:
            if row.name == name:
                return Counterpart(row, "present", note)
        if self.problem is not None and self.problem.layer == name:
            return Counterpart(None, "invalid", self.problem.message)
        if note is not None:
            return Counterpart(None, "gone", note)
        return Counterpart(None, "unreached", None)


Total = Literal["params", "macs", "activations"]


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    """``model`` traced layer by layer; InvalidLayer (a PoolvizError naming the layer and
    the shapes) where a layer cannot take its input."""
    rows: list[TraceRow] = []
    h, w, _ = model.input_shape
    _walk(model.layers, model.input_shape, Field.start((h, w)), rows, batch or 1)
    return Trace("original", model, batch, tuple(rows))


def _walk(
    layers: tuple[Layer, ...],
    shape: Shape,
    f: Field,
    rows: list[TraceRow],
    scale: int,
    block: str | None = None,
) -> tuple[Shape, Field]:
    """Append a row per layer to ``rows``; return the last shape and field."""
    for layer in layers:
        if isinstance(layer, Residual):
            body, body_field = _walk(layer.body, shape, f, rows, scale, layer.name)
            short, short_field = _walk(layer.shortcut, shape, f, rows, scale, layer.name)
            try:
                out = layer.join(body, short)
            except PoolvizError as err:
                raise InvalidLayer(f"{layer.name}.add", err.message) from None
            new = body_field.union(short_field)
            rows.append(_row(layer, f"{layer.name}.add", body, out, new, scale, layer.name))
        else:
            try:
                out = layer.output_shape(shape)
                new = layer.field(f, shape)
            except PoolvizError as err:
                raise InvalidLayer(layer.name, err.message) from None
            rows.append(_row(layer, layer.name, shape, out, new, scale, block))
        shape, f = out, new
    return shape, f


def _row(
    layer: Layer, name: str, shape: Shape, out: Shape, f: Field, scale: int, block: str | None
) -> TraceRow:
    return TraceRow(
        name=name,
        kind=layer.kind,
        config=layer.describe(),
        activation=layer.activation,
        input_shape=shape,
        output_shape=out,
        params=layer.params(shape),
        non_trainable=layer.non_trainable(shape),
        macs=layer.macs(shape, out) * scale,
        activations=math.prod(out) * scale,
        field=f,
        kept=layer.kept(shape, out),
        repeated=layer.repeats(shape),
        block=block,
    )


Rewrite = Callable[[tuple[Layer, ...], dict[str, str]], tuple[Layer, ...]]


def _drop(layers: tuple[Layer, ...], notes: dict[str, str]) -> tuple[Layer, ...]:
    """Without fixed-window pooling, inside residual blocks too."""
    out: list[Layer] = []
    for layer in layers:
        if isinstance(layer, Pool):
            notes[layer.name] = "removed"
        elif isinstance(layer, Residual):
            out.append(
                Residual(
                    layer.name, _drop(layer.body, notes), _drop(layer.shortcut, notes), layer.act
                )
            )
        else:
            out.append(layer)
    return tuple(out)


def _strided(layers: tuple[Layer, ...], notes: dict[str, str]) -> tuple[Layer, ...]:
    """Each pooling folded into the convolution before it in its block, as its stride."""
    strides: dict[str, Pair] = {}  # each folded convolution's stride before any folding

    def fold(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
        out: list[Layer] = []
        for layer in layers:
            if isinstance(layer, Residual):
                out.append(Residual(layer.name, fold(layer.body), fold(layer.shortcut), layer.act))
                continue
            if not isinstance(layer, Pool):
                out.append(layer)
                continue
            at = _conv_before(out)
            if at is None:
                notes[layer.name] = "stays: no convolution before it in its block"
                out.append(layer)
                continue
            conv = out[at]
            assert isinstance(conv, Conv)
            strides.setdefault(conv.name, conv.stride)
            folded = conv.restride(layer.stride)
            out[at] = folded
            notes[conv.name] = (
                f"stride {_stride_text(folded.stride)} (was {_stride_text(strides[conv.name])})"
            )
            notes[layer.name] = f"folded into {conv.name}"
        return tuple(out)

    return fold(layers)


def _conv_before(layers: list[Layer]) -> int | None:
    """Index of the last convolution, looking back across elementwise layers only."""
    for i in range(len(layers) - 1, -1, -1):
        if isinstance(layers[i], Conv):
            return i
        if not layers[i].elementwise:
            return None
    return None


def _stride_text(stride: Pair) -> str:
    return str(stride[0]) if stride[0] == stride[1] else f"{stride[0]}x{stride[1]}"


REWRITES: dict[str, Rewrite] = {"drop": _drop, "strided": _strided}


def counterfactual(model: Model, label: str, batch: int | None = None) -> Trace:
    """``model`` rewritten as the ``drop`` or ``strided`` counterfactual and traced; a layer
    that no longer fits ends the trace with a :class:`Problem` instead of raising."""
    notes: dict[str, str] = {}
    variant = model.replace_layers(REWRITES[label](model.layers, notes))
    rows: list[TraceRow] = []
    h, w, _ = model.input_shape
    problem = None
    try:
        _walk(variant.layers, variant.input_shape, Field.start((h, w)), rows, batch or 1)
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
