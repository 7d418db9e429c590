"""How much shift pooling tolerates: the share of outputs that change under a shift of
1, 2, ... pixels after one, two, ... layers of pooling, on an edge and on a texture."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np

from poolviz.demos.pooling import BlurPooling, Pooling, where_differ
from poolviz.demos.shift import shift_image, shift_offsets
from poolviz.engine.geometry import PoolSpec
from poolviz.errors import PoolvizError
from poolviz.examples import SEED_EDGE

GENERATED_SIDE = 32
"""Side of the inputs the shift table is measured on when none is given: the 4x4 example is
too small for more than two layers of 2x2 pooling."""


TEXTURE_SEED = 0
"""Seed of the random texture, so the table and its figure can be reproduced."""


@dataclass(frozen=True)
class Source:
    """Inputs a row of the table is measured over."""

    name: str
    """Short name in the table: ``edge``, ``texture`` or the input's name."""
    description: str
    """One line saying what the inputs are."""
    inputs: np.ndarray
    """NHWC; each item is one input."""


@dataclass(frozen=True)
class ToleranceRow:
    """How much ``layers`` stacked poolings notice a shift of ``shift`` pixels."""

    source: str
    layers: int
    shift: int
    output_shape: tuple[int, int] | None
    """(oh, ow) after ``layers`` poolings; None when the window no longer fits."""
    unchanged_fraction: float | None
    """Output values (all items, channels, cells) equal with and without the shift."""
    mean_abs_change: float | None
    """Mean absolute change of the output values, divided by the range they span (shifted
    and unshifted together); 0 when that range is 0."""
    identical: int | None
    """Inputs whose whole output is unchanged."""
    inputs: int
    """Inputs measured."""
    mode: str = "max"
    """``max`` or ``blur``: which pooling was stacked."""

    @property
    def fits(self) -> bool:
        return self.output_shape is not None


@dataclass(frozen=True)
class Trend:
    """What one source's table says about the text's claim that deeper stacks of pooling
    tolerate shifts better: unchanged outputs at the first and deepest measured depth."""

    source: str
    deepest: int
    """Deepest number of layers that fits."""
    shifts: tuple[int, ...]
    first: tuple[float, ...]
    """Unchanged fraction with one layer, per shift."""
    last: tuple[float, ...]
    """Unchanged fraction at ``deepest`` layers, per shift."""
    first_identical: tuple[float, ...]
    """Share of inputs with an identical output, one layer, per shift."""
    last_identical: tuple[float, ...]

    TOLERANCE = 0.01
    """Changes in a fraction smaller than this count as no change."""

    @property
    def signs(self) -> tuple[int, ...]:
        """Per shift: 1 if the deepest stack leaves more output values unchanged than one
        layer, -1 if fewer, 0 if within :attr:`TOLERANCE`."""
        return tuple(
            _sign(b - a, self.TOLERANCE) for a, b in zip(self.first, self.last, strict=True)
        )

    @property
    def verdict(self) -> Literal["more", "fewer", "same", "mixed", "shallow"]:
        """``more``: the deepest stack leaves more output values unchanged than one layer at
        some shift and fewer at none; ``fewer`` the reverse; ``same``: no shift differs by
        :attr:`TOLERANCE`; ``mixed``: more at some shifts, fewer at others; ``shallow`` when
        only one depth fits."""
        if self.deepest < 2:
            return "shallow"
        signs = set(self.signs)
        if -1 not in signs and 1 in signs:
            return "more"
        if 1 not in signs and -1 in signs:
            return "fewer"
        if signs == {0}:
            return "same"
        return "mixed"


def _sign(value: float, tolerance: float) -> int:
    return 0 if abs(value) < tolerance else (1 if value > 0 else -1)


@dataclass(frozen=True)
class ToleranceTable:
    """Shift tolerance measured for 1..``layers`` stacked poolings and shifts 1..``shifts``."""

    sources: tuple[Source, ...]
    rows: tuple[ToleranceRow, ...]
    """Per source, per depth, per shift, in that order."""
    layers: int
    shifts: int
    along: str
    spec: PoolSpec
    modes: tuple[str, ...] = ("max",)
    """The poolings measured, in the rows' order: ``max``, ``blur`` or both."""
    blur: BlurPooling | None = None
    """Blur pooling's arguments, when ``blur`` is measured."""

    def of(self, source: str, mode: str | None = None) -> tuple[ToleranceRow, ...]:
        """The rows of one source and pooling (default: the first measured)."""
        mode = mode or self.modes[0]
        return tuple(r for r in self.rows if r.source == source and r.mode == mode)

    def trend(self, source: str, mode: str | None = None) -> Trend:
        """One layer against the deepest that fits, for ``source`` and ``mode``."""
        rows = [r for r in self.of(source, mode) if r.fits]
        deepest = max(r.layers for r in rows)

        def at(layers: int) -> list[ToleranceRow]:
            return [r for r in rows if r.layers == layers]

        first, last = at(1), at(deepest)
        return Trend(
            source,
            deepest,
            tuple(r.shift for r in first),
            tuple(float(r.unchanged_fraction or 0) for r in first),
            tuple(float(r.unchanged_fraction or 0) for r in last),
            tuple((r.identical or 0) / r.inputs for r in first),
            tuple((r.identical or 0) / r.inputs for r in last),
        )


def generated_sources(along: str, side: int = GENERATED_SIDE) -> tuple[Source, Source]:
    """The inputs the table uses when none is given: the text's edge (its column ``8 7 9 6``
    repeated down ``side`` rows) at every column, turned to a row at every row for shifts
    along y so the shift always crosses it; and a uniform random texture (seed
    :data:`TEXTURE_SEED`)."""
    column = np.resize(SEED_EDGE[:, 2], side)
    edges = np.zeros((side, side, side, 1))
    for k in range(side):
        edges[k, :, k, 0] = column
    line = "column"
    if along == "y":
        edges = edges.transpose(0, 2, 1, 3).copy()
        line = "row"
    texture = np.random.default_rng(TEXTURE_SEED).random((1, side, side, 1))
    return (
        Source(
            "edge",
            f"a vertical edge (8 7 9 6 repeated) in each {line} of a {side}x{side} map, "
            f"{side} inputs",
            edges,
        ),
        Source(
            "texture",
            f"a random {side}x{side} texture, uniform 0-1, seed {TEXTURE_SEED}",
            texture,
        ),
    )


def emptying_shift(sources: Sequence[Source], along: str) -> int:
    """The shift along ``along`` that moves all of every source out of view (its width for
    ``x``, its height for ``y``, the smaller of the two for ``both``): a table of larger
    shifts would only repeat that row."""
    sides = [
        {"x": int(w), "y": int(h), "both": int(min(h, w))}[along]
        for h, w in (s.inputs.shape[1:3] for s in sources)
    ]
    return max(sides)


def tolerance_table(
    sources: Sequence[Source],
    pooling: Pooling,
    layers: int,
    shifts: int,
    along: str,
    blur: BlurPooling | None = None,
    modes: tuple[str, ...] = ("max",),
) -> ToleranceTable:
    """Measure, for 1..``layers`` stacked poolings and shifts of 1..``shifts`` pixels along
    ``along``, how much of the output changes: for each of ``modes``, ``max`` (each layer
    with ``pooling``'s arguments) and ``blur`` (each layer with ``blur``'s).

    A depth whose window no longer fits the previous output is reported with None values
    rather than refused; a configuration that does not fit even once raises PoolvizError.
    """
    if layers < 1 or shifts < 1:
        raise PoolvizError("layers and shifts must be at least 1")
    spec = pooling.spec()
    appliers: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "max": partial(pooling.apply, mode="max")
    }
    if blur is not None:
        appliers["blur"] = blur.apply
    rows: list[ToleranceRow] = []
    for source in sources:
        count = source.inputs.shape[0]
        for mode in modes:
            apply = appliers[mode]
            apply(source.inputs[:1])  # raise if it never fits
            for shift in range(1, shifts + 1):
                dy, dx = shift_offsets(shift, along)
                a, b = source.inputs, shift_image(source.inputs, dy, dx)
                for depth in range(1, layers + 1):
                    pooled = _pooled(apply, a, b)
                    if pooled is None:
                        rows.append(
                            ToleranceRow(
                                source.name, depth, shift, None, None, None, None, count, mode
                            )
                        )
                        a = b = a[:, :0]  # nothing deeper fits either
                        continue
                    a, b = pooled
                    rows.append(_measure(source.name, depth, shift, a, b, count, mode))
    order = {s.name: k for k, s in enumerate(sources)}
    rows.sort(key=lambda r: (order[r.source], modes.index(r.mode), r.layers, r.shift))
    return ToleranceTable(
        tuple(sources), tuple(rows), layers, shifts, along, spec, tuple(modes), blur
    )


def _pooled(
    apply: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """``apply`` to both, or None where it no longer fits (or an earlier depth did not)."""
    if a.shape[1] == 0:
        return None
    try:
        return apply(a), apply(b)
    except PoolvizError:
        return None


def _measure(
    source: str, layers: int, shift: int, a: np.ndarray, b: np.ndarray, count: int, mode: str
) -> ToleranceRow:
    """One row: how ``b`` (pooled shifted inputs) differs from ``a`` (pooled inputs)."""
    differs = where_differ(a, b)
    both = np.concatenate([a.ravel(), b.ravel()])
    finite = both[np.isfinite(both)]
    # The measure does not depend on the values' scale; dividing by the largest magnitude
    # first keeps the range and the changes of the largest floats from overflowing.
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    if scale > 0:
        a, b, finite = a / scale, b / scale, finite / scale
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    with np.errstate(invalid="ignore"):
        change = np.abs(a - b)
    change = np.where(differs & np.isfinite(change), change, 0.0)
    mean = float(change.mean() / span) if span > 0 else 0.0
    identical = int((~differs.reshape(count, -1)).all(axis=1).sum())
    return ToleranceRow(
        source,
        layers,
        shift,
        (int(a.shape[1]), int(a.shape[2])),
        float((~differs).mean()),
        mean,
        identical,
        count,
        mode,
    )
