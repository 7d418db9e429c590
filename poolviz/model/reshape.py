"""Layers that move values without windows: depthwise and separable convolutions (per-channel
windows, counted as Keras counts them), upsampling, rescaling, reshaping and permuting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from poolviz.errors import PoolvizError
from poolviz.model.field import Field, Pair
from poolviz.model.layers import Conv, Layer, Shape, shape_text


@dataclass
class DepthwiseConv(Conv, kind="depthwiseconv"):
    """Keras's ``DepthwiseConv2D``: ``multiplier`` filters per input channel, each seeing
    its own channel (groups = channels); ``filters`` is worked out from the input."""

    multiplier: int = 1

    def describe(self) -> str:
        return f"depthwise {self.size[0]}x{self.size[1]} x{self.multiplier}"

    def for_input(self, shape: Shape) -> Conv:
        """The plain grouped convolution this is on ``shape``."""
        c = self._spatial(shape)[2]
        return Conv(
            self.name,
            c * self.multiplier,
            self.size,
            self.stride,
            self.padding,
            self.dilation,
            c,
            self.bias,
            act=self.act,
            onnx=self.onnx,
        )

    def output_shape(self, shape: Shape) -> Shape:
        return self.for_input(shape).output_shape(shape)

    def params(self, shape: Shape) -> int:
        return self.for_input(shape).params(shape)

    def macs(self, shape: Shape, out: Shape) -> int:
        return out[0] * out[1] * self.params(shape)


@dataclass
class SeparableConv(Conv, kind="separableconv"):
    """Keras's ``SeparableConv2D``: a depthwise convolution (``multiplier`` per channel, no
    bias) then a 1x1 convolution to ``filters`` (with the bias)."""

    multiplier: int = 1

    def describe(self) -> str:
        return f"separable {self.filters} {self.size[0]}x{self.size[1]}"

    def output_shape(self, shape: Shape) -> Shape:
        ah, aw = self._axes(shape)
        return ah.out, aw.out, self.filters

    def params(self, shape: Shape) -> int:
        c = shape[-1] * self.multiplier
        depthwise = self.size[0] * self.size[1] * c
        return depthwise + c * self.filters + (self.filters if self.bias else 0)


@dataclass
class UpSample(Layer, kind="upsample"):
    """``UpSampling2D``: each value repeated ``factor`` times per axis; neighbouring outputs
    are ``1 / factor`` input cells apart."""

    factor: Pair = (2, 2)

    def describe(self) -> str:
        return f"upsample {self.factor[0]}x{self.factor[1]}"

    def output_shape(self, shape: Shape) -> Shape:
        h, w, c = self._spatial(shape)
        return h * self.factor[0], w * self.factor[1], c

    def field(self, f: Field, shape: Shape) -> Field:
        out = self.output_shape(shape)
        step = (Fraction(1, self.factor[0]), Fraction(1, self.factor[1]))
        return f.grow((1, 1), step, out=(out[0], out[1]))


@dataclass
class Scale(Layer, kind="scale"):
    """``Rescaling`` (a constant scale and offset) or ``Normalization`` (stored mean and
    variance per channel, and a count: Keras's non-trainable weights)."""

    stats: bool = False
    elementwise: ClassVar[bool] = True

    def describe(self) -> str:
        return "normalization" if self.stats else "rescaling"

    def non_trainable(self, shape: Shape) -> int:
        return 2 * shape[-1] + 1 if self.stats else 0


@dataclass
class Reshape(Layer, kind="reshape"):
    """``Reshape`` to ``target`` (per sample; one ``-1`` is worked out), or ``Permute`` of
    the axes by ``order`` (1-based, as Keras writes it)."""

    target: tuple[int, ...] = ()
    order: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.order:
            return "permute " + ",".join(map(str, self.order))
        return "reshape " + "x".join(map(str, self.target))

    def output_shape(self, shape: Shape) -> Shape:
        if self.order:
            if sorted(self.order) != list(range(1, len(shape) + 1)):
                raise PoolvizError(
                    f"layer {self.name!r} permutes axes {self.order} of {shape_text(shape)}; "
                    "give each axis once, 1-based"
                )
            return tuple(shape[k - 1] for k in self.order)
        known = math.prod(t for t in self.target if t != -1)
        size = math.prod(shape)
        out = tuple(size // known if t == -1 and known else t for t in self.target)
        if math.prod(out) != size:
            raise PoolvizError(
                f"layer {self.name!r} reshapes {shape_text(shape)} ({size} values) to "
                f"{self.target}; the sizes must hold as many values"
            )
        return out

    def field(self, f: Field, shape: Shape) -> Field:
        out = self.output_shape(shape)
        if len(out) == 3 and len(shape) == 3 and out[:2] == shape[:2]:
            return f
        return f.everything() if len(shape) == 3 else f
