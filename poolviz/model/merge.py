"""Layers that read any number of inputs: where branches meet (add, multiply, average,
concatenate), and operators of a model file that poolviz takes as they come.

A merge's receptive field is the union of its inputs' fields (the largest of them, where
they are centred alike): a value after an add depends on every pixel any branch saw.
Merges have no parameters and count no multiply-accumulates, as torchinfo counts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from poolviz.errors import PoolvizError
from poolviz.model.field import Field
from poolviz.model.layers import Layer, Shape, shape_text


class Merge(Layer, kind="merge"):
    """Elementwise: every input has the same shape, and so has the output (Keras's ``Add``;
    a residual block's add). Subclasses name the operation."""

    def join(self, shapes: tuple[Shape, ...]) -> Shape:
        """The output shape for inputs of ``shapes``; PoolvizError naming the layer and the
        shapes where they cannot be merged."""
        if any(s != shapes[0] for s in shapes):
            raise PoolvizError(
                f"{self.kind} {self.name!r} gets "
                f"{' and '.join(shape_text(s) for s in shapes)}; "
                "the inputs' shapes must match"
            )
        return shapes[0]

    def join_all(self, shapes: tuple[Shape, ...]) -> tuple[Shape, ...]:
        """The shape of each of its outputs (one, except for an operator such as ONNX's
        ``Split``)."""
        return (self.join(shapes),)

    def join_field(self, fields: tuple[Field, ...], shapes: tuple[Shape, ...], out: Shape) -> Field:
        """The receptive field after the merge: the union of the inputs' fields."""
        merged = fields[0]
        for other in fields[1:]:
            merged = merged.union(other)
        return merged


class Add(Merge, kind="add"):
    """A sum of its inputs (``Add``, a residual block's add)."""


class Multiply(Merge, kind="multiply"):
    """An elementwise product of its inputs (``Multiply``, squeeze-and-excitation)."""


class Average(Merge, kind="average"):
    """The elementwise mean of its inputs (Keras's ``Average``)."""


@dataclass
class Concat(Merge, kind="concat"):
    """Inputs side by side along one axis of the per-sample shape (channels: ``-1``), the
    other axes equal (``Concatenate``, an Inception block)."""

    axis: int = -1

    def describe(self) -> str:
        return "concat" if self.axis == -1 else f"concat axis {self.axis}"

    def join(self, shapes: tuple[Shape, ...]) -> Shape:
        rank = len(shapes[0])
        k = self.axis % rank if -rank <= self.axis < rank else None
        if k is None or any(
            len(s) != rank or s[:k] + s[k + 1 :] != shapes[0][:k] + shapes[0][k + 1 :]
            for s in shapes
        ):
            raise PoolvizError(
                f"concat {self.name!r} gets {' and '.join(shape_text(s) for s in shapes)}; "
                f"all but axis {self.axis} must match"
            )
        return (*shapes[0][:k], sum(s[k] for s in shapes), *shapes[0][k + 1 :])


Infer = Callable[[tuple[Shape, ...]], tuple[Shape, ...]]
"""Each output's shape from the input shapes, for an operator poolviz does not model
itself."""


@dataclass
class Op(Merge, kind="op"):
    """An operator of a model file that poolviz does not model (``Resize``, ``Softmax``,
    ``Transpose``, ``Split``...): a plain row, named by its operator, with its parameters
    counted from the weights it reads and the shape of each of its outputs from ``infer``
    (the format's own shape logic).

    Its receptive field: unchanged where the map keeps its height and width; the whole
    input where the output is no map; otherwise stretched by the change in size, as
    resizing does."""

    op: str = "Op"
    weights: int = 0
    """Stored parameters it reads."""
    infer: Infer | None = None
    """None: one output, of the first input's shape."""

    def describe(self) -> str:
        return self.op

    def params(self, shape: Shape) -> int:
        return self.weights

    def join(self, shapes: tuple[Shape, ...]) -> Shape:
        return self.join_all(shapes)[0]

    def join_all(self, shapes: tuple[Shape, ...]) -> tuple[Shape, ...]:
        return (shapes[0],) if self.infer is None else self.infer(shapes)

    def join_field(self, fields: tuple[Field, ...], shapes: tuple[Shape, ...], out: Shape) -> Field:
        f = super().join_field(fields, shapes, out)
        first = shapes[0]
        if len(out) != 3:
            return f.everything() if len(first) == 3 else f
        if len(first) != 3 or first[:2] == out[:2]:
            return f
        step = (Fraction(first[0], out[0]), Fraction(first[1], out[1]))
        return f.grow((1, 1), step, out=(out[0], out[1]))


def prod(shape: Shape) -> int:
    """Values in a per-sample shape."""
    return math.prod(shape)
