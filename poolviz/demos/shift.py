"""What a shift of the input does to a pooled output: the input moved by a few pixels,
the output before and after, and where the edge's windows went."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from poolviz.demos.pooling import BlurPooling, Pooling, where_differ
from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis
from poolviz.engine.windows import as_nhwc, like_input
from poolviz.errors import PoolvizError
from poolviz.examples import SEED_EDGE

ShiftAxis = Literal["x", "y", "both"]
SHIFT_AXES: tuple[str, ...] = ("x", "y", "both")


def shift_offsets(by: int, along: str) -> tuple[int, int]:
    """(rows down, columns right) for a shift of ``by`` pixels along ``x``, ``y`` or ``both``."""
    if along not in SHIFT_AXES:
        raise PoolvizError(f"unknown shift axis {along!r}; use x, y or both")
    if by < 1:
        raise PoolvizError(f"a shift must be at least 1 pixel, got {by}")
    return (by if along in ("y", "both") else 0, by if along in ("x", "both") else 0)


def shift_direction(along: str) -> str:
    """How a title says a shift along ``along`` goes: ``right``, ``down`` or ``right and down``."""
    return {"x": "right", "y": "down", "both": "right and down"}[along]


def shift_image(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """NHWC ``x`` with its content moved ``dy`` rows down and ``dx`` columns right: zeros move
    in at the top and left, and what moves past the bottom or right edge is gone (nothing wraps
    around, as when an object moves in a camera's field of view).

    >>> shift_image(np.arange(4.0).reshape(1, 2, 2, 1), 0, 1)[0, :, :, 0].tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """
    _, h, w, _ = x.shape
    out = np.zeros_like(x)
    if dy < h and dx < w:
        out[:, dy:, dx:] = x[:, : h - dy, : w - dx]
    return out


@dataclass(frozen=True)
class Span:
    """One window along an axis: its output index and the input cells it covers."""

    index: int
    """Output row or column."""
    first: int
    """First real input cell it reads."""
    last: int
    """Last real input cell it reads."""


@dataclass(frozen=True)
class EdgeMove:
    """Where a one-column feature goes under a sideways shift, and the windows reading it
    before and after: the same windows mean the pooled output cannot tell."""

    before: int
    """Input column before the shift."""
    after: int
    """Input column after; ``>= width`` when the feature moved out of the input."""
    windows_before: tuple[Span, ...]
    """Column windows reading ``before``."""
    windows_after: tuple[Span, ...]
    """Column windows reading ``after`` (none when it left the input or is dropped)."""
    width: int
    """Input columns: ``after >= width`` is off the input; below it, with no windows, the
    column is there but read by none (dropped)."""

    @property
    def same_windows(self) -> bool:
        """Whether exactly the same windows read the feature before and after."""
        return self.windows_before == self.windows_after


def _spans(ax: Axis, cell: int) -> tuple[Span, ...]:
    """The windows of ``ax`` reading input cell ``cell``, in order."""
    spans = []
    for i in range(ax.out):
        taps = ax.real_taps(i)
        if cell in taps:
            spans.append(Span(i, taps[0], taps[-1]))
    return tuple(spans)


@dataclass(frozen=True)
class ShiftOutputs:
    """One pooling's output of an input and of its shifted copy, and how they differ."""

    label: str
    """What pooled them: ``max`` or :attr:`BlurPooling.label`."""
    output: np.ndarray
    shifted_output: np.ndarray

    @cached_property
    def changed(self) -> tuple[tuple[int, int], ...]:
        """Output cells (i, j) that differ in any item or channel, row-major; for blur any
        difference counts, however small."""
        mask = where_differ(self.output, self.shifted_output).any(axis=(0, 3))
        return tuple((int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True))

    @property
    def cell_count(self) -> int:
        """Output cells per plane."""
        return int(self.output.shape[1] * self.output.shape[2])

    @cached_property
    def abs_change(self) -> np.ndarray:
        """|output − shifted output| per value, NHWC float64; 0 where either is not finite
        (NaN and inf pairs have no difference to show)."""
        with np.errstate(invalid="ignore", over="ignore"):
            change = np.abs(self.output.astype(np.float64) - self.shifted_output)
        return np.where(np.isfinite(change), change, 0.0)

    @cached_property
    def mean_abs_change(self) -> float:
        """Mean |output − shifted output| over every value (NaN and inf pairs that differ
        count as no number: left out)."""
        with np.errstate(invalid="ignore", over="ignore"):
            change = np.abs(self.output.astype(np.float64) - self.shifted_output)
        finite = change[np.isfinite(change)]
        if not finite.size or (scale := float(finite.max())) == 0:
            return 0.0
        return float((finite / scale).mean() * scale)  # scaled: a sum of huge values overflows


@dataclass(frozen=True)
class ShiftCase:
    """One input and the same input shifted, each max-pooled (:func:`explain`, so renderers
    can show the windows and winners)."""

    title: str
    before: PoolResult
    """The input as given, pooled."""
    after: PoolResult
    """The shifted input, pooled with the same windows."""
    offsets: tuple[int, int]
    """(rows down, columns right)."""
    edge: EdgeMove | None = None
    """For the text's edge shifted sideways: where it goes and which windows read it."""
    blur: ShiftOutputs | None = None
    """The same two inputs blur-pooled, when blur is compared."""
    show_max: bool = True
    """Whether the max outputs are shown (False for ``--mode blur``: ``before``/``after``
    still give the windows' geometry)."""

    @property
    def shown(self) -> tuple[ShiftOutputs, ...]:
        """The outputs a report shows, max first."""
        outputs = (self.max_outputs,) if self.show_max else ()
        return outputs + (() if self.blur is None else (self.blur,))

    @cached_property
    def max_outputs(self) -> ShiftOutputs:
        """The max-pooled outputs as :class:`ShiftOutputs`."""
        return ShiftOutputs("max", self.output, self.shifted_output)

    @property
    def input(self) -> np.ndarray:
        return self.before.input

    @property
    def shifted(self) -> np.ndarray:
        return self.after.input

    @property
    def output(self) -> np.ndarray:
        return self.before.output

    @property
    def shifted_output(self) -> np.ndarray:
        return self.after.output

    @property
    def changed(self) -> tuple[tuple[int, int], ...]:
        """Max-pooled output cells (i, j) that differ in any item or channel, row-major."""
        return self.max_outputs.changed

    @property
    def cell_count(self) -> int:
        """Max-pooled output cells per plane."""
        return self.max_outputs.cell_count


def shift_case(
    x: np.ndarray,
    by: int,
    along: str,
    pooling: Pooling,
    title: str,
    edge_column: int | None = None,
    blur: BlurPooling | None = None,
    show_max: bool = True,
) -> ShiftCase:
    """``x`` and ``x`` shifted by ``by`` along ``along``, both max-pooled (and blur-pooled
    with ``blur``); with ``edge_column`` (a one-column feature, moved sideways only) also
    where the feature goes."""
    x4 = as_nhwc(np.asarray(x, dtype=float))
    dy, dx = shift_offsets(by, along)
    moved = like_input(shift_image(x4, dy, dx), np.ndim(x))
    before = pooling.explain(x, "max")
    after = pooling.explain(moved, "max")
    edge = None
    if edge_column is not None and dy == 0:
        cols = before.cols
        after_column = edge_column + dx
        edge = EdgeMove(
            edge_column,
            after_column,
            _spans(cols, edge_column),
            _spans(cols, after_column) if after_column < cols.n else (),
            cols.n,
        )
    blurred = None
    if blur is not None:
        blurred = ShiftOutputs(
            blur.label, as_nhwc(blur.apply(x4)), as_nhwc(blur.apply(as_nhwc(moved)))
        )
    return ShiftCase(title, before, after, (dy, dx), edge, blurred, show_max)


def seed_shift_cases(
    by: int,
    along: str,
    pooling: Pooling,
    blur: BlurPooling | None = None,
    show_max: bool = True,
) -> tuple[ShiftCase, ShiftCase]:
    """The text's edge (column 2) and the same edge one column left (column 1), each shifted.

    With 2x2 windows and a 1-pixel shift right, column 2 -> 3 stays inside one window (the
    output stays ``0 8 / 0 9``), while column 1 -> 2 crosses into the next (``8 0 / 9 0``
    becomes ``0 8 / 0 9``).
    """
    left = np.roll(SEED_EDGE, -1, axis=1)  # the column of zeros it wraps is zeros: no loss
    way = shift_direction(along)
    return (
        shift_case(
            SEED_EDGE, by, along, pooling, f"the edge in column 2, {by} {way}", 2, blur, show_max
        ),
        shift_case(
            left, by, along, pooling, f"the same edge in column 1, {by} {way}", 1, blur, show_max
        ),
    )
