"""Layer kinds: one small dataclass each, knowing its own output shape, parameters,
multiply-accumulates and receptive-field update, so no caller branches on the kind.

Shapes are per sample and channels last, without the batch: ``(h, w, c)`` for feature maps,
``(features,)`` after flatten or global pooling.

Every window (convolution or pooling) goes through the engine's one formula,
:func:`poolviz.engine.geometry.axis` (PyTorch's, plus Keras ``same``); convolutions pass
``pooling=False``, which lifts PyTorch's pooling-only "padding at most half the window" limit.

Multiply-accumulates follow torchinfo's Mult-Adds: a convolution counts its parameters
(weights and bias) once per output position, a dense layer once per input row, BatchNorm its
scale and shift once per sample; pooling, activations and residual adds count 0.

Receptive fields are :class:`poolviz.model.field.Field`; pooling layers live in
:mod:`poolviz.model.pooling`, layers that read several inputs in :mod:`poolviz.model.merge`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from poolviz.engine.geometry import Axis, axis
from poolviz.errors import PoolvizError
from poolviz.model.field import Field, Pair

if TYPE_CHECKING:
    from poolviz.model.onnx_pool import OnnxPooling

Shape = tuple[int, ...]
"""Per-sample shape, channels last: ``(h, w, c)`` or ``(features,)``."""
Padding = Pair | str
"""Symmetric padding per axis ``(ph, pw)``, or ``"same"`` (Keras/TensorFlow's)."""


def shape_text(shape: Shape, batch: int | None = None) -> str:
    """``shape`` as Keras prints it, batch first: ``(batch, 26, 26, 32)`` or ``(8, 1600)``."""
    first = "batch" if batch is None else str(batch)
    return "(" + ", ".join([first, *map(str, shape)]) + ")"


def pair_text(p: Pair) -> str:
    """``(3, 3)`` as ``3x3``."""
    return f"{p[0]}x{p[1]}"


def padding_text(padding: Padding) -> str:
    """Padding as the spec grammar writes it: ``0``, ``1``, ``1x2`` or ``same``."""
    if isinstance(padding, str):
        return padding
    return str(padding[0]) if padding[0] == padding[1] else pair_text(padding)


@dataclass
class Layer:
    """A layer that keeps its input's shape and costs nothing; kinds override what differs.

    A kind names itself in its class line, ``class Flatten(Layer, kind="flatten")``; one
    that adds no fields needs no ``@dataclass`` of its own (``repr`` and ``==`` go by the
    instance's class), and Python creates it faster without."""

    name: str
    act: str | None = field(default=None, kw_only=True)
    """An activation applied inside the layer (Keras's ``activation="relu"``; ReLU after a
    residual add), if any."""
    kind: ClassVar[str] = "layer"
    """The JSON ``kind``: the spec grammar's word for the kind, where it has one."""
    elementwise: ClassVar[bool] = False
    """Acts on each value alone (BatchNorm, activations, dropout): the ``strided``
    counterfactual looks across it for the convolution before a pooling layer."""

    def __init_subclass__(cls, kind: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind is not None:
            cls.kind = kind

    @property
    def activation(self) -> str | None:
        """The activation this row applies: ``act``, or the layer's own function."""
        return self.act

    def describe(self) -> str:
        """The layer's configuration in the spec grammar's words, e.g. ``conv 32 3x3``."""
        return self.kind

    def output_shape(self, shape: Shape) -> Shape:
        """The per-sample output shape for input ``shape``; PoolvizError, naming the layer
        and the shapes, where the layer cannot take that input."""
        return shape

    def params(self, shape: Shape) -> int:
        """Trainable parameters (weights, biases, BatchNorm's scale and shift)."""
        return 0

    def non_trainable(self, shape: Shape) -> int:
        """Parameters that are not trained (BatchNorm's moving mean and variance)."""
        return 0

    def macs(self, shape: Shape, out: Shape) -> int:
        """Multiply-accumulates for one sample, as torchinfo counts them."""
        return 0

    def field(self, f: Field, shape: Shape) -> Field:
        """The receptive field after this layer, given the field ``f`` of its input."""
        return f

    def field_note(self, shape: Shape) -> str | None:
        """A sentence on how this layer's receptive field was worked out, where the usual
        window rule needed a choice (uneven windows); else None."""
        return None

    def kept(self, shape: Shape, out: Shape) -> float | None:
        """For pooling layers, the fraction of input values that remain (at most 1); else
        None."""
        return None

    def repeats(self, shape: Shape) -> bool:
        """Some outputs copy values other outputs hold too: adaptive pooling to a larger
        map, where each input cell is repeated (and all are kept)."""
        return False

    def _spatial(self, shape: Shape) -> tuple[int, int, int]:
        """``shape`` as (h, w, c), or PoolvizError naming the layer."""
        if len(shape) != 3:
            raise PoolvizError(
                f"layer {self.name!r} ({self.describe()}) needs an (h, w, c) feature map, "
                f"got {shape_text(shape)}; put it before flatten or global pooling"
            )
        return shape[0], shape[1], shape[2]


def windows(
    layer: Layer,
    shape: Shape,
    size: Pair,
    stride: Pair,
    padding: Padding,
    dilation: Pair = (1, 1),
    ceil_mode: bool = False,
    *,
    pooling: bool,
    onnx: OnnxPooling | None = None,
) -> tuple[Axis, Axis]:
    """The windows along height and width, through the engine's one formula, or ``onnx``'s
    where an ONNX node gives them (padding per side); errors are reworded to name the layer
    and the input shape."""
    h, w, _ = layer._spatial(shape)
    if onnx is not None:
        return fitting(layer, shape, lambda: onnx.axes(h, w))
    pads: tuple[int | str, int | str] = (padding, padding) if isinstance(padding, str) else padding

    def along(k: int, n: int, name: str) -> Axis:
        return axis(
            n, size[k], stride[k], pads[k], dilation[k], ceil_mode, name=name, pooling=pooling
        )

    return fitting(layer, shape, lambda: (along(0, h, "height"), along(1, w, "width")))


def fitting(
    layer: Layer, shape: Shape, place: Callable[[], tuple[Axis, Axis]]
) -> tuple[Axis, Axis]:
    """The windows ``place`` gives, its PoolvizError reworded to name the layer and its
    input shape."""
    try:
        return place()
    except PoolvizError as err:
        raise PoolvizError(
            f"layer {layer.name!r} ({layer.describe()}) does not fit its input "
            f"{shape_text(shape)}: {err.message}"
        ) from None


def window_field(f: Field, axes: tuple[Axis, Axis], stride: Pair) -> Field:
    """The field after windows placed along ``axes`` moving by ``stride`` (convolution and
    fixed-window pooling alike)."""
    ah, aw = axes
    return f.grow((ah.span, aw.span), stride, (ah.pad_before, aw.pad_before), (ah.out, aw.out))


def window_text(size: Pair, stride: Pair, padding: Padding, default_stride: Pair) -> str:
    """``3x3``, then ``stride 2`` and ``pad 1`` where they differ from the defaults."""
    text = pair_text(size)
    if stride != default_stride:
        text += f" stride {stride[0] if stride[0] == stride[1] else pair_text(stride)}"
    if padding != (0, 0):
        text += f" pad {padding_text(padding)}"
    return text


@dataclass
class Conv(Layer, kind="conv"):
    """A 2-D convolution (Keras ``Conv2D``, PyTorch ``Conv2d``)."""

    filters: int = 1
    size: Pair = (1, 1)
    stride: Pair = (1, 1)
    padding: Padding = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    onnx: OnnxPooling | None = None
    """An ONNX node's windows (padding per side, ``SAME_LOWER``), which then place them."""

    def describe(self) -> str:
        text = f"conv {self.filters} {window_text(self.size, self.stride, self.padding, (1, 1))}"
        if self.onnx is not None and self.onnx.pad_text():
            text += " " + self.onnx.pad_text()
        if self.dilation != (1, 1):
            text += f" dilation {pair_text(self.dilation)}"
        return text

    def _axes(self, shape: Shape) -> tuple[Axis, Axis]:
        return windows(
            self,
            shape,
            self.size,
            self.stride,
            self.padding,
            self.dilation,
            pooling=False,
            onnx=self.onnx,
        )

    def output_shape(self, shape: Shape) -> Shape:
        ah, aw = self._axes(shape)
        c = shape[2]
        if c % self.groups or self.filters % self.groups:
            raise PoolvizError(
                f"layer {self.name!r}: {self.groups} groups must divide its {c} input "
                f"channels and its {self.filters} filters"
            )
        return ah.out, aw.out, self.filters

    def params(self, shape: Shape) -> int:
        per_filter = self.size[0] * self.size[1] * (shape[-1] // self.groups)
        return self.filters * per_filter + (self.filters if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return out[0] * out[1] * self.params(shape)

    def field(self, f: Field, shape: Shape) -> Field:
        return window_field(f, self._axes(shape), self.stride)

    def restride(self, factor: Pair) -> Conv:
        """The same convolution with its stride multiplied by ``factor`` (padding unchanged)."""
        stride = (self.stride[0] * factor[0], self.stride[1] * factor[1])
        onnx = None if self.onnx is None else replace(self.onnx, stride=stride)
        return replace(self, stride=stride, onnx=onnx)


class Flatten(Layer, kind="flatten"):
    """Every value of a sample in one row. It moves values and mixes no positions, so each
    keeps its receptive field: the field is its input's (the next dense layer mixes them)."""

    def output_shape(self, shape: Shape) -> Shape:
        return (math.prod(shape),)


@dataclass
class Dense(Layer, kind="dense"):
    """A fully connected layer on the last axis (Keras ``Dense``, PyTorch ``Linear``); on a
    feature map it acts at each position, like a 1x1 convolution, as both frameworks do."""

    units: int = 1
    bias: bool = True
    fixed_inputs: int | None = None
    """The input width its stored weights were made for (an ONNX ``Gemm`` or ``MatMul``);
    None where the layer is built for whatever it gets (a spec, Keras's config)."""

    def describe(self) -> str:
        return f"dense {self.units}"

    def output_shape(self, shape: Shape) -> Shape:
        if self.fixed_inputs is not None and shape[-1] != self.fixed_inputs:
            raise PoolvizError(
                f"layer {self.name!r} has stored weights for {self.fixed_inputs} inputs but "
                f"gets {shape[-1]:,}, from {shape_text(shape)}; the file's weights cannot take "
                f"it (a new {self.name} for {shape[-1]:,} inputs would have to be trained)"
            )
        return (*shape[:-1], self.units)

    def params(self, shape: Shape) -> int:
        return shape[-1] * self.units + (self.units if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return math.prod(shape[:-1]) * self.params(shape)

    def field(self, f: Field, shape: Shape) -> Field:
        return f.everything() if len(shape) == 1 else f


@dataclass
class Dropout(Layer, kind="dropout"):
    """Dropout: an identity when the model runs for inference."""

    rate: float = 0.5
    elementwise: ClassVar[bool] = True

    def describe(self) -> str:
        return f"dropout {self.rate:g}"


@dataclass
class BatchNorm(Layer, kind="bn"):
    """Batch normalisation over the channels: trainable scale and shift (Keras ``scale`` and
    ``center``), and a moving mean and variance that are not trained."""

    scale: bool = True
    center: bool = True
    elementwise: ClassVar[bool] = True

    def params(self, shape: Shape) -> int:
        return shape[-1] * (int(self.scale) + int(self.center))

    def non_trainable(self, shape: Shape) -> int:
        return 2 * shape[-1]

    def macs(self, shape: Shape, out: Shape) -> int:
        """Its parameters once, as torchinfo counts every layer that is not a convolution."""
        return self.params(shape)


@dataclass
class Activation(Layer, kind="activation"):
    """An activation listed as its own layer (``relu``, Keras ``Activation`` and ``ReLU``)."""

    function: str = "relu"
    elementwise: ClassVar[bool] = True

    @property
    def activation(self) -> str | None:
        return self.function

    def describe(self) -> str:
        return self.function


@dataclass
class ZeroPad(Layer, kind="zeropad"):
    """Zeros around each feature map (``ZeroPadding2D``): ``(top, bottom, left, right)``."""

    padding: tuple[int, int, int, int] = (1, 1, 1, 1)

    def describe(self) -> str:
        t, b, left, r = self.padding
        if t == b == left == r:
            return f"zeropad {t}"
        return f"zeropad {t} {b} {left} {r}"

    def output_shape(self, shape: Shape) -> Shape:
        h, w, c = self._spatial(shape)
        t, b, left, r = self.padding
        return h + t + b, w + left + r, c

    def field(self, f: Field, shape: Shape) -> Field:
        h, w, _ = self.output_shape(shape)
        return f.shift((self.padding[0], self.padding[2]), (h, w))


ACTIVATIONS: tuple[str, ...] = (
    "relu",
    "tanh",
    "sigmoid",
    "softmax",
    "gelu",
    "silu",
    "swish",
    "elu",
    "selu",
    "leaky_relu",
    "relu6",
    "mish",
    "hard_sigmoid",
    "softplus",
    "softsign",
)
"""Activation names the spec grammar accepts, as Keras spells them."""
