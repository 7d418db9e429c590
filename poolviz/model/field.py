"""The receptive field of one output position, and how each kind of window changes it.

The field follows Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional
Neural Networks" (Distill, 2019): a window spanning ``k`` cells with stride ``s`` grows the
field by ``(k - 1) * jump`` and multiplies the jump (the input pixels between neighbouring
outputs) by ``s``. Padding moves the field but never changes its size, and the field may grow
past the input's edges (it counts padded pixels too). The first output's field starts
``padding * jump`` further left at each layer (their ``u``), which tells when every output's
field covers the whole input.

Adaptive pooling has bins, not a stride: ``o`` outputs over ``n`` cells are ``n / o`` cells
apart on average, so the jump is a fraction after adaptive pooling whose ``o`` does not divide
``n`` (below 1 cell when it enlarges the map, repeating values); the field then grows by its
largest bin, and later layers' fields are rounded up.

Where branches of a graph meet (an add, a concatenation), the field is the union of the
inputs' fields: the pixels any of them sees, which is the largest of them when they are
centred alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

Pair = tuple[int, int]
Jump = tuple[Fraction, Fraction]
"""Input pixels per axis: whole numbers, except after adaptive pooling with uneven bins."""


def jump_text(jump: Jump) -> str:
    """A jump as ``4x4``; a fractional one to three significant digits, ``4.57x4.57``."""
    return "x".join(
        str(j.numerator) if j.denominator == 1 else f"{float(j):.3g}" for j in map(Fraction, jump)
    )


@dataclass
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
    """Every output sees the whole input: a layer that mixes every position (dense on a
    vector, global pooling), or one whose every output's field covers the input."""
    offset: Jump = (Fraction(0), Fraction(0))
    """Where the first output's field starts, per axis (negative: in the padding)."""
    mixed: bool = False
    """A layer mixed every position into each value (dense on a vector, global
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
