"""Layer kinds: one small frozen dataclass each, knowing its own output shape, parameters,
multiply-accumulates and receptive-field update, so no caller branches on the kind.

Shapes are per sample and channels last, without the batch: ``(h, w, c)`` for feature maps,
``(features,)`` after flatten or global pooling.

Every window (convolution or pooling) goes through the engine's one formula,
:func:`poolviz.engine.geometry.axis` (PyTorch's, plus Keras ``same``); convolutions pass
``pooling=False``, which lifts PyTorch's pooling-only "padding at most half the window" limit.

Multiply-accumulates follow torchinfo's Mult-Adds: a convolution counts its parameters
(weights and bias) once per output position, a dense layer once per input row; pooling,
BatchNorm, activations and residual adds count 0.

The receptive field follows Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks" (Distill, 2019): a window spanning ``k`` cells with stride ``s``
grows the field by ``(k - 1) * jump`` and multiplies the jump (the input pixels between
neighbouring outputs) by ``s``. Padding moves the field but never changes its size, and the
field may grow past the input's edges (it counts padded pixels too). The first output's field
starts ``padding * jump`` further left at each layer (their ``u``), which tells when every
output's field covers the whole input.

Adaptive pooling has bins, not a stride: ``o`` outputs over ``n`` cells are ``n / o`` cells
apart on average, so the jump is a fraction after adaptive pooling whose ``o`` does not divide
``n`` (below 1 cell when it enlarges the map, repeating values); the field then grows by its
largest bin, and later layers' fields are rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import ClassVar

from poolviz.engine.geometry import Axis, axis
from poolviz.errors import PoolvizError

Shape = tuple[int, ...]
"""Per-sample shape, channels last: ``(h, w, c)`` or ``(features,)``."""
Pair = tuple[int, int]
Padding = Pair | str
"""Symmetric padding per axis ``(ph, pw)``, or ``"same"`` (Keras/TensorFlow's)."""
Jump = tuple[Fraction, Fraction]
"""Input pixels per axis: whole numbers, except after adaptive pooling with uneven bins."""


def shape_text(shape: Shape, batch: int | None = None) -> str:
    """``shape`` as Keras prints it, batch first: ``(batch, 26, 26, 32)`` or ``(8, 1600)``."""
    first = "batch" if batch is None else str(batch)
    return "(" + ", ".join([first, *map(str, shape)]) + ")"


def pair_text(p: Pair) -> str:
    """``(3, 3)`` as ``3x3``."""
    return f"{p[0]}x{p[1]}"


def jump_text(jump: Jump) -> str:
    """A jump as ``4x4``; a fractional one to three significant digits, ``4.57x4.57``."""
    return "x".join(
        str(j.numerator) if j.denominator == 1 else f"{float(j):.3g}" for j in map(Fraction, jump)
    )


def padding_text(padding: Padding) -> str:
    """Padding as the spec grammar writes it: ``0``, ``1``, ``1x2`` or ``same``."""
    if isinstance(padding, str):
        return padding
    return str(padding[0]) if padding[0] == padding[1] else pair_text(padding)


@dataclass(frozen=True)
class Field:
    """The receptive field of one output position, in input pixels."""

    size: Pair
    """Input pixels one output value depends on, per axis (may exceed the input: padding);
    once the field is the whole input, at least the input's size, so it never shrinks."""
    jump: Jump
    """Input pixels between neighbouring output positions, per axis."""
    image: Pair
    """The model input's (h, w): the field of a layer that sees all of it."""
    whole: bool = False
    """Every output sees the whole input: a layer that mixes every position (flatten, dense,
    global pooling), or one whose every output's field covers the input."""
    offset: Jump = (Fraction(0), Fraction(0))
    """Where the first output's field starts, per axis (negative: in the padding)."""
    mixed: bool = False
    """A layer mixed every position into each value (flatten, dense on a vector, global
    pooling): there are no feature maps from here on, and the field stays as it is."""

    @classmethod
    def start(cls, image: Pair) -> Field:
        """The input itself: each value sees one pixel."""
        return cls((1, 1), (Fraction(1), Fraction(1)), image)

    def grow(
        self,
        span: Pair,
        stride: tuple[Fraction | int, Fraction | int],
        pad: Pair = (0, 0),
        out: Pair | None = None,
    ) -> Field:
        """After a window of ``span`` cells (dilation included) moving by ``stride``, with
        ``pad`` cells of padding before the input, giving ``out`` outputs per axis (without
        ``out``, the field is never taken to cover the input)."""
        if self.mixed:
            return self
        size = (
            self.size[0] + math.ceil((span[0] - 1) * self.jump[0]),
            self.size[1] + math.ceil((span[1] - 1) * self.jump[1]),
        )
        start = (self.offset[0] - pad[0] * self.jump[0], self.offset[1] - pad[1] * self.jump[1])
        jump = (Fraction(self.jump[0] * stride[0]), Fraction(self.jump[1] * stride[1]))
        return Field(size, jump, self.image, offset=start).covering(out)

    def shift(self, before: Pair, out: Pair) -> Field:
        """After ``before`` cells of zeros above and left of the map (``out`` per axis)."""
        if self.mixed:
            return self
        start = (
            self.offset[0] - before[0] * self.jump[0],
            self.offset[1] - before[1] * self.jump[1],
        )
        return replace(self, offset=start, whole=False).covering(out)

    def covering(self, out: Pair | None) -> Field:
        """This field, ``whole`` when each of ``out`` outputs per axis sees every pixel: the
        last output's field starts at or before the first pixel, and the first output's
        ends at or after the last. The size is then at least the input's."""
        if out is None:
            return self
        for k in (0, 1):
            last_start = self.offset[k] + (out[k] - 1) * self.jump[k]
            if last_start > 0 or self.offset[k] + self.size[k] < self.image[k]:
                return self
        return replace(self, size=self._at_least_image(), whole=True)

    def _at_least_image(self) -> Pair:
        return (max(self.size[0], self.image[0]), max(self.size[1], self.image[1]))

    def everything(self) -> Field:
        """After a layer that mixes every position: the whole input (a size of at least the
        input's: a field that grew past it through padding is not made smaller)."""
        return replace(self, size=self._at_least_image(), whole=True, mixed=True)

    def union(self, other: Field) -> Field:
        """The field of a sum of two branches of one input (a residual add): the pixels
        either branch's first output sees."""
        if self.mixed or other.mixed:
            return self.everything()
        start = (min(self.offset[0], other.offset[0]), min(self.offset[1], other.offset[1]))
        end = (
            max(self.offset[0] + self.size[0], other.offset[0] + other.size[0]),
            max(self.offset[1] + self.size[1], other.offset[1] + other.size[1]),
        )
        size = (math.ceil(end[0] - start[0]), math.ceil(end[1] - start[1]))
        jump = (max(self.jump[0], other.jump[0]), max(self.jump[1], other.jump[1]))
        return Field(size, jump, self.image, self.whole or other.whole, start)


@dataclass(frozen=True)
class Layer:
    """A layer that keeps its input's shape and costs nothing; kinds override what differs."""

    name: str
    kind: ClassVar[str] = "layer"
    """The JSON ``kind``: the spec grammar's word for the kind, where it has one."""
    elementwise: ClassVar[bool] = False
    """Acts on each value alone (BatchNorm, activations, dropout): the ``strided``
    counterfactual looks across it for the convolution before a pooling layer."""

    @property
    def activation(self) -> str | None:
        """An activation applied inside this layer (Keras's ``activation="relu"``)."""
        return None

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


def _windows(
    layer: Layer,
    shape: Shape,
    size: Pair,
    stride: Pair,
    padding: Padding,
    dilation: Pair = (1, 1),
    ceil_mode: bool = False,
    *,
    pooling: bool,
) -> tuple[Axis, Axis]:
    """The windows along height and width, through the engine's one formula; its errors
    are reworded to name the layer and the input shape."""
    h, w, _ = layer._spatial(shape)
    pads: tuple[int | str, int | str] = (padding, padding) if isinstance(padding, str) else padding
    try:
        return (
            axis(
                h,
                size[0],
                stride[0],
                pads[0],
                dilation[0],
                ceil_mode,
                name="height",
                pooling=pooling,
            ),
            axis(
                w,
                size[1],
                stride[1],
                pads[1],
                dilation[1],
                ceil_mode,
                name="width",
                pooling=pooling,
            ),
        )
    except PoolvizError as err:
        raise PoolvizError(
            f"layer {layer.name!r} ({layer.describe()}) does not fit its input "
            f"{shape_text(shape)}: {err.message}"
        ) from None


def _window_text(size: Pair, stride: Pair, padding: Padding, default_stride: Pair) -> str:
    """``3x3``, then ``stride 2`` and ``pad 1`` where they differ from the defaults."""
    text = pair_text(size)
    if stride != default_stride:
        text += f" stride {stride[0] if stride[0] == stride[1] else pair_text(stride)}"
    if padding != (0, 0):
        text += f" pad {padding_text(padding)}"
    return text


@dataclass(frozen=True)
class Conv(Layer):
    """A 2-D convolution (Keras ``Conv2D``, PyTorch ``Conv2d``)."""

    filters: int = 1
    size: Pair = (1, 1)
    stride: Pair = (1, 1)
    padding: Padding = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    act: str | None = None
    """The activation applied inside the layer, if any."""
    kind: ClassVar[str] = "conv"

    @property
    def activation(self) -> str | None:
        return self.act

    def describe(self) -> str:
        text = f"conv {self.filters} {_window_text(self.size, self.stride, self.padding, (1, 1))}"
        if self.dilation != (1, 1):
            text += f" dilation {pair_text(self.dilation)}"
        return text

    def _axes(self, shape: Shape) -> tuple[Axis, Axis]:
        return _windows(
            self, shape, self.size, self.stride, self.padding, self.dilation, pooling=False
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
        ah, aw = self._axes(shape)
        return f.grow(
            (ah.span, aw.span), self.stride, (ah.pad_before, aw.pad_before), (ah.out, aw.out)
        )

    def restride(self, factor: Pair) -> Conv:
        """The same convolution with its stride multiplied by ``factor`` (padding unchanged)."""
        return replace(self, stride=(self.stride[0] * factor[0], self.stride[1] * factor[1]))


@dataclass(frozen=True)
class PoolingLayer(Layer):
    """A pooling layer of any kind (fixed windows, adaptive bins, global): it keeps a
    fraction of its input's values (adaptive pooling to a larger map keeps them all, and
    repeats them)."""

    def kept(self, shape: Shape, out: Shape) -> float | None:
        return math.prod(out) / math.prod(shape)


@dataclass(frozen=True)
class Pool(PoolingLayer):
    """A fixed-window pooling layer; :class:`MaxPool` and :class:`AvgPool` name the mode.
    ``stride`` defaults to the window, as in Keras and PyTorch."""

    size: Pair = (2, 2)
    stride: Pair = (2, 2)
    padding: Padding = (0, 0)
    ceil_mode: bool = False

    def describe(self) -> str:
        text = f"{self.kind} {_window_text(self.size, self.stride, self.padding, self.size)}"
        return text + (" ceil" if self.ceil_mode else "")

    def _axes(self, shape: Shape) -> tuple[Axis, Axis]:
        return _windows(
            self,
            shape,
            self.size,
            self.stride,
            self.padding,
            ceil_mode=self.ceil_mode,
            pooling=True,
        )

    def output_shape(self, shape: Shape) -> Shape:
        ah, aw = self._axes(shape)
        return ah.out, aw.out, shape[2]

    def field(self, f: Field, shape: Shape) -> Field:
        ah, aw = self._axes(shape)
        return f.grow(
            (ah.span, aw.span), self.stride, (ah.pad_before, aw.pad_before), (ah.out, aw.out)
        )


@dataclass(frozen=True)
class MaxPool(Pool):
    """Max pooling over a fixed window (``MaxPooling2D``, ``MaxPool2d``)."""

    kind: ClassVar[str] = "maxpool"


@dataclass(frozen=True)
class AvgPool(Pool):
    """Average pooling over a fixed window (``AveragePooling2D``, ``AvgPool2d``)."""

    kind: ClassVar[str] = "avgpool"


@dataclass(frozen=True)
class AdaptiveAvgPool(PoolingLayer):
    """PyTorch's ``AdaptiveAvgPool2d``: an output size, not a window. Bin ``i`` of ``o`` over
    ``n`` cells covers ``[floor(i n / o), ceil((i + 1) n / o))``, so bins may differ in size."""

    out: Pair = (1, 1)
    kind: ClassVar[str] = "adaptiveavgpool"

    def describe(self) -> str:
        return f"adaptiveavgpool {pair_text(self.out)}"

    def output_shape(self, shape: Shape) -> Shape:
        return self.out[0], self.out[1], self._spatial(shape)[2]

    def field(self, f: Field, shape: Shape) -> Field:
        h, w, _ = self._spatial(shape)
        if self.out == (1, 1):
            return f.everything()
        # o outputs over n cells: n / o cells apart on average (exact when o divides n;
        # below 1 when o > n, where neighbouring outputs repeat a cell)
        step = (Fraction(h, self.out[0]), Fraction(w, self.out[1]))
        return f.grow((_span(h, self.out[0]), _span(w, self.out[1])), step, out=self.out)

    def kept(self, shape: Shape, out: Shape) -> float | None:
        h, w, _ = self._spatial(shape)
        return min(self.out[0], h) / h * min(self.out[1], w) / w

    def repeats(self, shape: Shape) -> bool:
        h, w, _ = self._spatial(shape)
        return self.out[0] > h or self.out[1] > w


def _span(n: int, o: int) -> int:
    """The largest bin of adaptive pooling of ``n`` cells to ``o``: bin ``i`` covers
    ``[floor(i n / o), ceil((i + 1) n / o))``, as PyTorch's ``adaptive_avg_pool2d``."""
    return max(-(-(i + 1) * n // o) - i * n // o for i in range(o))


@dataclass(frozen=True)
class GlobalPool(PoolingLayer):
    """Global pooling: each channel to one value, ``(h, w, c) -> (c,)`` as Keras gives it,
    or ``(1, 1, c)`` with Keras's ``keepdims``."""

    keepdims: bool = False

    def output_shape(self, shape: Shape) -> Shape:
        c = self._spatial(shape)[2]
        return (1, 1, c) if self.keepdims else (c,)

    def field(self, f: Field, shape: Shape) -> Field:
        return f.everything()


@dataclass(frozen=True)
class GlobalAvgPool(GlobalPool):
    """``GlobalAveragePooling2D``."""

    kind: ClassVar[str] = "gap"


@dataclass(frozen=True)
class GlobalMaxPool(GlobalPool):
    """``GlobalMaxPooling2D``."""

    kind: ClassVar[str] = "gmp"


@dataclass(frozen=True)
class Flatten(Layer):
    """Every value of a sample in one row; the field becomes the whole input."""

    kind: ClassVar[str] = "flatten"

    def output_shape(self, shape: Shape) -> Shape:
        return (math.prod(shape),)

    def field(self, f: Field, shape: Shape) -> Field:
        return f.everything() if len(shape) > 1 else f


@dataclass(frozen=True)
class Dense(Layer):
    """A fully connected layer on the last axis (Keras ``Dense``, PyTorch ``Linear``); on a
    feature map it acts at each position, like a 1x1 convolution, as both frameworks do."""

    units: int = 1
    bias: bool = True
    act: str | None = None
    """The activation applied inside the layer, if any."""
    kind: ClassVar[str] = "dense"

    @property
    def activation(self) -> str | None:
        return self.act

    def describe(self) -> str:
        return f"dense {self.units}"

    def output_shape(self, shape: Shape) -> Shape:
        return (*shape[:-1], self.units)

    def params(self, shape: Shape) -> int:
        return shape[-1] * self.units + (self.units if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return math.prod(shape[:-1]) * self.params(shape)

    def field(self, f: Field, shape: Shape) -> Field:
        return f.everything() if len(shape) == 1 else f


@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout: an identity when the model runs for inference."""

    rate: float = 0.5
    kind: ClassVar[str] = "dropout"
    elementwise: ClassVar[bool] = True

    def describe(self) -> str:
        return f"dropout {self.rate:g}"


@dataclass(frozen=True)
class BatchNorm(Layer):
    """Batch normalisation over the channels: trainable scale and shift (Keras ``scale`` and
    ``center``), and a moving mean and variance that are not trained."""

    scale: bool = True
    center: bool = True
    act: str | None = None
    """An activation right after it (torchvision's ResNet: ``bn1`` then ``relu``)."""
    kind: ClassVar[str] = "bn"
    elementwise: ClassVar[bool] = True

    @property
    def activation(self) -> str | None:
        return self.act

    def params(self, shape: Shape) -> int:
        return shape[-1] * (int(self.scale) + int(self.center))

    def non_trainable(self, shape: Shape) -> int:
        return 2 * shape[-1]


@dataclass(frozen=True)
class Activation(Layer):
    """An activation listed as its own layer (``relu``, Keras ``Activation`` and ``ReLU``)."""

    function: str = "relu"
    kind: ClassVar[str] = "activation"
    elementwise: ClassVar[bool] = True

    @property
    def activation(self) -> str | None:
        return self.function

    def describe(self) -> str:
        return self.function


@dataclass(frozen=True)
class ZeroPad(Layer):
    """Zeros around each feature map (``ZeroPadding2D``): ``(top, bottom, left, right)``."""

    padding: tuple[int, int, int, int] = (1, 1, 1, 1)
    kind: ClassVar[str] = "zeropad"

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


@dataclass(frozen=True)
class Residual(Layer):
    """A residual block: ``body`` and ``shortcut`` (empty: the identity) both read the
    block's input, and their outputs are added, then ``act`` (torchvision's BasicBlock).

    The trace shows the body's and the shortcut's layers as rows, then one ``add`` row.
    """

    body: tuple[Layer, ...] = ()
    shortcut: tuple[Layer, ...] = ()
    act: str | None = None
    """The activation after the add."""
    kind: ClassVar[str] = "add"

    @property
    def activation(self) -> str | None:
        return self.act

    def describe(self) -> str:
        return "residual add"

    def join(self, body: Shape, shortcut: Shape) -> Shape:
        """The added shape; PoolvizError when the two branches disagree."""
        if body != shortcut:
            raise PoolvizError(
                f"residual add {self.name!r}: the body gives {shape_text(body)} but the "
                f"shortcut gives {shape_text(shortcut)}; both must match"
            )
        return body


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


@dataclass(frozen=True)
class Model:
    """A linear stack of layers on an ``(h, w, c)`` input; residual blocks nest their own."""

    name: str
    input_shape: Shape
    """Per-sample input, ``(h, w, c)``."""
    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        if len(self.input_shape) != 3 or min(self.input_shape, default=0) < 1:
            raise PoolvizError(
                f"the input {shape_text(self.input_shape)} is not an image; poolviz traces "
                "models on an HxWxC input (e.g. --input 28x28x1)"
            )
        seen: set[str] = set()
        for layer in _every(self.layers):
            if layer.name in seen:
                raise PoolvizError(f"two layers are named {layer.name!r}; names must be unique")
            seen.add(layer.name)

    def replace_layers(self, layers: tuple[Layer, ...]) -> Model:
        """The same model and input with other layers (a counterfactual)."""
        return replace(self, layers=layers)


def _every(layers: tuple[Layer, ...]) -> list[Layer]:
    """Every layer, those inside residual blocks included."""
    out: list[Layer] = []
    for layer in layers:
        out.append(layer)
        if isinstance(layer, Residual):
            out += _every(layer.body) + _every(layer.shortcut)
    return out
