"""Pooling layers: fixed windows (max, average, Lp), adaptive bins and global pooling,
each knowing its shape, receptive field and the share of values it keeps.

Fixed windows go through the engine's geometry: :func:`poolviz.engine.geometry.axis`
(PyTorch's formula, plus Keras ``same``) for spec, built-in and Keras layers, and
:func:`poolviz.model.onnx_pool.onnx_pooling` for ONNX nodes, whose padding may differ before
and after (``pads``, ``SAME_LOWER``) and whose last ceil-mode window follows onnxruntime.

The engine's blur and uneven-window modules are imported by the layers that use them, so a
model without blur, adaptive or fractional pooling does not load them (``poolviz trace
mnist`` starts faster).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from poolviz.engine.geometry import Axis
from poolviz.errors import PoolvizError
from poolviz.model.field import Field, Pair
from poolviz.model.layers import (
    Layer,
    Padding,
    Shape,
    fitting,
    pair_text,
    shape_text,
    window_field,
    window_text,
    windows,
)

if TYPE_CHECKING:
    from poolviz.model.onnx_pool import OnnxPooling


class PoolingLayer(Layer):
    """A pooling layer of any kind (fixed windows, adaptive bins, global): it keeps a
    fraction of its input's values (adaptive pooling to a larger map keeps them all, and
    repeats them)."""

    stays: ClassVar[str | None] = None
    """The ``strided`` counterfactual's note on this layer, which it leaves as it is since
    it has no stride to fold (uneven windows); None where it folds or is global pooling."""

    def kept(self, shape: Shape, out: Shape) -> float | None:
        return math.prod(out) / math.prod(shape)


@dataclass
class Pool(PoolingLayer):
    """A fixed-window pooling layer; :class:`MaxPool` and :class:`AvgPool` name the mode.
    ``stride`` defaults to the window, as in Keras and PyTorch."""

    size: Pair = (2, 2)
    stride: Pair = (2, 2)
    padding: Padding = (0, 0)
    ceil_mode: bool = False
    onnx: OnnxPooling | None = None
    """An ONNX node's own geometry (padding per side, ONNX's ceil mode), which then places
    the windows; ``size`` and ``stride`` repeat its ``kernel_shape`` and ``strides``."""

    def describe(self) -> str:
        if self.onnx is not None:
            return self.onnx.describe()
        text = f"{self.kind} {window_text(self.size, self.stride, self.padding, self.size)}"
        return text + (" ceil" if self.ceil_mode else "")

    def _axes(self, shape: Shape) -> tuple[Axis, Axis]:
        return windows(
            self,
            shape,
            self.size,
            self.stride,
            self.padding,
            ceil_mode=self.ceil_mode,
            pooling=True,
            onnx=self.onnx,
        )

    def output_shape(self, shape: Shape) -> Shape:
        ah, aw = self._axes(shape)
        return ah.out, aw.out, shape[2]

    def field(self, f: Field, shape: Shape) -> Field:
        return window_field(f, self._axes(shape), self.stride)


class MaxPool(Pool, kind="maxpool"):
    """Max pooling over a fixed window (``MaxPooling2D``, ``MaxPool2d``)."""


class AvgPool(Pool, kind="avgpool"):
    """Average pooling over a fixed window (``AveragePooling2D``, ``AvgPool2d``)."""


class LpPool(Pool, kind="lppool"):
    """ONNX's ``LpPool``: ``(sum |x|^p)^(1/p)`` over each window. ONNX takes the absolute
    value; PyTorch's ``LPPool2d`` does not (a negative sum with odd ``p`` gives NaN there)."""


@dataclass
class BlurPool(PoolingLayer, kind="blurpool"):
    """Anti-aliased max pooling as antialiased-cnns builds it (Zhang, 2019): max pooling of
    ``size`` at stride 1, then a ``filter_size``-tap binomial filter, reflect-padded by
    ``(f − 1)//2`` before and ``ceil((f − 1)/2)`` after, that subsamples by ``stride``; the
    output is ``ceil((n − k + 1) / s)`` per axis (see :func:`poolviz.blur_pool2d`)."""

    size: Pair = (2, 2)
    stride: Pair = (2, 2)
    filter_size: int = 4

    def describe(self) -> str:
        text = f"blurpool {window_text(self.size, self.stride, (0, 0), (2, 2))}"
        return text + f" filter {self.filter_size}"

    def _max_axes(self, shape: Shape) -> tuple[Axis, Axis]:
        """The max stage's windows (stride 1), refusing a map too small to reflect."""
        from poolviz.engine.blur import blur_padding

        axes = windows(self, shape, self.size, (1, 1), (0, 0), pooling=True)
        after = blur_padding(self.filter_size)[1]
        if after and min(axes[0].out, axes[1].out) <= after:
            fitting(self, shape, lambda: blur_stage_too_small(self.filter_size, axes))
        return axes

    def output_shape(self, shape: Shape) -> Shape:
        ah, aw = self._max_axes(shape)
        sh, sw = self.stride
        return -(-ah.out // sh), -(-aw.out // sw), shape[2]

    def field(self, f: Field, shape: Shape) -> Field:
        from poolviz.engine.blur import blur_padding

        ah, aw = self._max_axes(shape)
        out = self.output_shape(shape)
        before = blur_padding(self.filter_size)[0]
        after_max = window_field(f, (ah, aw), (1, 1))
        taps = (self.filter_size, self.filter_size)
        return after_max.grow(taps, self.stride, (before, before), (out[0], out[1]))


def blur_stage_too_small(filter_size: int, axes: tuple[Axis, Axis]) -> tuple[Axis, Axis]:
    """Raise the engine's message for a max map too small to reflect-pad (as PyTorch
    refuses it)."""
    from poolviz.engine.blur import blur_stage

    blur_stage(np.zeros((axes[0].out, axes[1].out)), 1, filter_size)
    return axes


@dataclass
class AdaptiveAvgPool(PoolingLayer, kind="adaptiveavgpool"):
    """PyTorch's ``AdaptiveAvgPool2d``: an output size, not a window. Bin ``i`` of ``o`` over
    ``n`` cells covers ``[floor(i n / o), ceil((i + 1) n / o))`` (the engine's
    :func:`~poolviz.engine.uneven.adaptive_axis`), so bins may differ in length and overlap.

    Its receptive field grows by the largest bin, and its jump is the bins' mean spacing
    ``n / o`` (exact when ``o`` divides ``n``; below 1 when ``o > n``, where neighbouring
    outputs repeat a cell)."""

    out: Pair = (1, 1)
    stays: ClassVar[str | None] = "stays: no stride"

    def describe(self) -> str:
        return f"{self.kind} {pair_text(self.out)}"

    def _axes(self, shape: Shape) -> tuple[Axis, Axis]:
        from poolviz.engine.uneven import adaptive_axis

        h, w, _ = self._spatial(shape)
        return adaptive_axis(h, self.out[0]), adaptive_axis(w, self.out[1])

    def output_shape(self, shape: Shape) -> Shape:
        if min(self.out) < 1:
            raise PoolvizError(
                f"layer {self.name!r} ({self.describe()}) has an empty output; give an output "
                "size of at least 1x1"
            )
        return self.out[0], self.out[1], self._spatial(shape)[2]

    def field(self, f: Field, shape: Shape) -> Field:
        if self.out == (1, 1):
            return f.everything()
        ah, aw = self._axes(shape)
        return f.grow((ah.size, aw.size), self._steps(ah, aw), out=self.out)

    @staticmethod
    def _steps(ah: Axis, aw: Axis) -> tuple[Fraction, Fraction]:
        """The bins' mean spacing per axis, ``n / o``."""
        return Fraction(ah.n, ah.out), Fraction(aw.n, aw.out)

    def field_note(self, shape: Shape) -> str | None:
        """Where some ``o`` does not divide its ``n`` (bins of two lengths, or repeating
        cells); else the bins are windows of ``n / o`` at that stride, and need no note."""
        ah, aw = self._axes(shape)
        if ah.n % ah.out == 0 and aw.n % aw.out == 0:
            return None
        return (
            f"{self.name}: its adaptive bins span {_lengths(ah, 'row')} by "
            f"{_lengths(aw, 'column')}; the receptive field grows by the largest "
            f"({ah.size}x{aw.size}), the jump is their mean spacing, "
            f"{_spacing((f'{ah.n}/{ah.out}', f'{aw.n}/{aw.out}'), self._steps(ah, aw))}."
        )

    def kept(self, shape: Shape, out: Shape) -> float | None:
        h, w, _ = self._spatial(shape)
        return min(self.out[0], h) / h * min(self.out[1], w) / w

    def repeats(self, shape: Shape) -> bool:
        h, w, _ = self._spatial(shape)
        return self.out[0] > h or self.out[1] > w


class AdaptiveMaxPool(AdaptiveAvgPool, kind="adaptivemaxpool"):
    """Adaptive max pooling (``AdaptiveMaxPool2d``, Keras's ``AdaptiveMaxPooling2D``): the
    same bins, the largest value of each."""


def _lengths(ax: Axis, unit: str) -> str:
    """The bin lengths that occur along ``ax``: ``1 row``, ``3 rows`` or ``2/3 rows``."""
    lengths = sorted({ax.taps_of(i) for i in range(ax.out)})
    return "/".join(map(str, lengths)) + f" {unit}" + ("" if lengths == [1] else "s")


@dataclass
class FractionalMaxPool(PoolingLayer, kind="fractionalmaxpool"):
    """PyTorch's ``FractionalMaxPool2d`` (Graham, 2014): windows of ``size`` whose starts
    rise by ``floor`` or ``ceil`` of ``alpha = (n - k) / (o - 1)`` from 0 to ``n - k``, at
    places drawn afresh for every run (see :func:`poolviz.fractional_max_pool2d`); the output
    size comes from ``output`` or ``ratio`` (``int(n * ratio)``).

    Its receptive field grows by the window, and its jump is the windows' mean spacing
    ``alpha``, exact from the first start (0) to the last (``n - k``)."""

    size: Pair = (2, 2)
    output: Pair | None = None
    ratio: tuple[float, float] | None = None
    stays: ClassVar[str | None] = "stays: no stride"

    def describe(self) -> str:
        if self.ratio is not None:
            r = self.ratio
            return f"{self.kind} {pair_text(self.size)} ratio " + (
                f"{r[0]:g}" if r[0] == r[1] else f"{r[0]:g}x{r[1]:g}"
            )
        return f"{self.kind} {pair_text(self.size)} output {pair_text(self.output or (1, 1))}"

    def output_shape(self, shape: Shape) -> Shape:
        oh, ow = self._out(shape)
        return oh, ow, shape[2]

    def _out(self, shape: Shape) -> Pair:
        """The output (h, w), or PoolvizError naming the layer where the windows cannot fit."""
        from poolviz.engine.uneven import fractional_output

        h, w, _ = self._spatial(shape)
        try:
            return fractional_output(h, w, self.size, self.output, self.ratio)
        except PoolvizError as err:
            raise PoolvizError(
                f"layer {self.name!r} ({self.describe()}) does not fit its input "
                f"{shape_text(shape)}: {err.message}"
            ) from None

    def _steps(self, shape: Shape) -> tuple[Fraction, Fraction]:
        """The windows' mean spacing per axis, ``(n - k) / (o - 1)`` (1 for one window)."""
        out = self._out(shape)
        return (
            Fraction(shape[0] - self.size[0], max(out[0] - 1, 1)),
            Fraction(shape[1] - self.size[1], max(out[1] - 1, 1)),
        )

    def field(self, f: Field, shape: Shape) -> Field:
        out = self._out(shape)
        return f.grow(self.size, self._steps(shape), out=out)

    def field_note(self, shape: Shape) -> str | None:
        oh, ow = self._out(shape)
        kh, kw = self.size
        spacing = (f"({shape[0]}−{kh})/({oh}−1)", f"({shape[1]}−{kw})/({ow}−1)")
        return (
            f"{self.name}: its fractional windows of {kh}x{kw} start at random places; the "
            f"receptive field grows by the window, the jump is their mean spacing, "
            f"{_spacing(spacing, self._steps(shape))}."
        )


def _spacing(words: tuple[str, str], steps: tuple[Fraction, Fraction]) -> str:
    """``9/4 = 2.25`` per axis, once where both axes agree: ``9/4 = 2.25 x 7/2 = 3.5``."""
    parts = [f"{w} = {float(v):.3g}" for w, v in zip(words, steps, strict=True)]
    return parts[0] if parts[0] == parts[1] else " x ".join(parts)


@dataclass
class GlobalPool(PoolingLayer):
    """Global pooling: each channel to one value, ``(h, w, c) -> (c,)`` as Keras gives it,
    or ``(1, 1, c)`` with Keras's ``keepdims``."""

    keepdims: bool = False
    op: str | None = None
    """The ONNX operator it was read from (``GlobalAveragePool``, ``ReduceMean over H, W``):
    the row names it, so a reader sees which it is."""

    def describe(self) -> str:
        return self.op or self.kind

    def output_shape(self, shape: Shape) -> Shape:
        c = self._spatial(shape)[2]
        return (1, 1, c) if self.keepdims else (c,)

    def field(self, f: Field, shape: Shape) -> Field:
        return f.everything()


class GlobalAvgPool(GlobalPool, kind="gap"):
    """``GlobalAveragePooling2D``."""


class GlobalMaxPool(GlobalPool, kind="gmp"):
    """``GlobalMaxPooling2D``."""


class GlobalLpPool(GlobalPool, kind="globallppool"):
    """ONNX's ``GlobalLpPool``: ``(sum |x|^p)^(1/p)`` over each whole map."""
