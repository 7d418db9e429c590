"""The frame plan and the captions of an animation, shared with the terminal frames
(:mod:`poolviz.render.terminal.animate`), so that the GIF and the terminal tell the same story:
which windows get a frame, and the formula each frame's caption shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.engine.explain import PoolResult, Window
from poolviz.render.order import AXES, Order
from poolviz.render.style import (
    decimals_for,
    format_number,
    output_decimals,
    shape_text,
)

WINDOW_FRAMES = 64
"""Most frames of a run: past this many windows, the first half go one by one (the window
sliding) and the rest are spread evenly over the other windows, ending at the last."""


MAX_TERMS = 9
"""Captions list the values of windows up to this many cells, and count them past it."""


@dataclass(frozen=True)
class Story:
    """One stage of an animation: the windows of ``result`` moving over its input, and the
    words of its frames. Max, average, adaptive and fractional pooling are one stage worded
    by :func:`formula`; LP and blur pooling (:mod:`.stages`) reword it, or add a stage.

    ``result`` holds the windows' geometry and the input and output planes, every number
    the engine's: nothing is pooled again to draw a frame."""

    result: PoolResult
    title: str = ""
    """The frames' title line; empty for :func:`title_line` of ``result``."""
    operation: str = ""
    """The word over the arrow from input to output; empty for the result's mode."""
    input_name: str = "input"
    output_name: str = "output"
    limit: int = WINDOW_FRAMES
    """Most frames of this stage (:func:`frame_plan`)."""

    @property
    def plan(self) -> list[Frame]:
        """The frames of this stage."""
        return frame_plan(self.result.window_count, self.limit)

    @property
    def arrow(self) -> str:
        return self.operation or self.result.mode

    @property
    def ringed(self) -> bool:
        """Whether a window's winner is ringed (max pooling's argmax)."""
        return self.result.indices is not None

    @property
    def pad_text(self) -> str:
        """What a padding cell holds: −∞ for a max, 0 for an average."""
        return "−∞" if self.result.mode == "max" else "0"

    @property
    def overhang(self) -> str:
        """What the ceil-mode overhang past the padding stands for, in the legend."""
        return "past the edge (−∞)" if self.result.mode == "max" else "past the edge (not counted)"

    @property
    def backward(self) -> bool:
        """Whether the frames show a gradient flowing back (the arrow points to the input)."""
        return False

    def plane(self, frame: Frame, item: int, channel: int) -> np.ndarray:
        """The input plane a frame shows: the input itself here; what has flowed back so far
        for a gradient (:class:`poolviz.render.animation.stages.GradStory`)."""
        plane: np.ndarray = self.result.input[item, :, :, channel]
        return plane

    @property
    def note_legend(self) -> str:
        """What the small words under the numbers are (:meth:`notes`), for the legend."""
        return ""

    def heading(self) -> str:
        """The frames' title: :attr:`title`, or the configuration as the pool figure has it."""
        return self.title or title_line(self.result)

    def worked(self, window: Window, item: int, channel: int, places: tuple[int, int]) -> str:
        """The window's output worked out, for the caption (:func:`formula` here)."""
        return formula(window, self.result.mode, places)

    def notes(self, window: Window, item: int, channel: int) -> list[list[str]] | None:
        """Small words under the numbers of the window's cells (as ``window.cells``), or
        None: LP's ``x^p``, blur's filter weights."""
        return None

    def reflected(self) -> np.ndarray | None:
        """(H, W) bool over the input: cells that are a copy of others (blur's reflect
        padding), hatched but numbered; None when there are none."""
        return None

    def shapes(self, order: Order = "nhwc") -> str:
        """``input (1, 4, 4, 1) → output (1, 2, 2, 1)  (batch, height, width, channels)``:
        this stage's shapes in ``order`` (Keras's or PyTorch's), with what its axes are."""
        r = self.result
        return (
            f"{self.input_name} {shape_text(r.input.shape, order)} → {self.output_name} "
            f"{shape_text(r.output.shape, order)}  {AXES[order]}"
        )

    def index_label(self, k: int, axis: int) -> str:
        """The label of input row (``axis`` 0) or column (1) ``k``: its index, or ``p`` for
        padding."""
        n = (self.result.rows.n, self.result.cols.n)[axis]
        return str(k) if 0 <= k < n else "p"

    def caption(
        self, frame: Frame, item: int = 0, channel: int = 0, places: tuple[int, int] | None = None
    ) -> str:
        """:func:`caption` of one frame, worked out by :meth:`worked`."""
        result = self.result
        window = result.window(*divmod(frame.window, result.cols.out), item, channel)
        worked = self.worked(window, item, channel, places or decimals(result, item, channel))
        jump = f" ({frame.skipped:,} skipped)" if frame.skipped else ""
        return f"window {frame.window + 1:,} of {result.window_count:,}{jump}: {worked}"


@dataclass(frozen=True)
class Frame:
    """One frame of the animation."""

    window: int
    """Row-major index of the window shown; the output cells before it (a row-major prefix)
    are computed."""
    skipped: int = 0
    """Windows passed over since the frame before (0 while they go one by one)."""


def frame_plan(window_count: int, limit: int = WINDOW_FRAMES) -> list[Frame]:
    """One frame per window; past ``limit`` windows, the first ``limit // 2`` one by one,
    then ``limit - limit // 2`` spread evenly over the rest, the last window among them, so
    that a large input is swept from end to end rather than along its first row.

    >>> [f.window for f in frame_plan(4)]
    [0, 1, 2, 3]
    >>> plan = frame_plan(100)
    >>> len(plan), [(f.window, f.skipped) for f in plan[31:34]], plan[-1].window
    (64, [(31, 0), (32, 0), (34, 1)], 99)
    """
    if window_count <= limit:
        return [Frame(k) for k in range(window_count)]
    head = limit // 2
    spread = limit - head
    last = window_count - 1
    frames = [Frame(k) for k in range(head)]
    before = head - 1
    for t in range(spread):
        k = head + round((last - head) * t / (spread - 1))
        frames.append(Frame(k, k - before - 1))
        before = k
    return frames


def decimals(result: PoolResult, item: int = 0, channel: int = 0) -> tuple[int, int]:
    """Decimal places for one plane's input values and for its output values, each formatted
    alike (:func:`~poolviz.render.style.output_decimals`)."""
    inputs = result.input[item, :, :, channel]
    return decimals_for(inputs), output_decimals(
        result.mode, inputs, result.output[item, :, :, channel]
    )


def caption(
    result: PoolResult,
    frame: Frame,
    item: int = 0,
    channel: int = 0,
    places: tuple[int, int] | None = None,
) -> str:
    """What a frame shows, in one line: ``window 2 of 4: max(2, 1, 8, 4) = 8 at (1, 2)``, an
    average as ``(2 + 1 + 8 + 4) / 4 = 3.75`` (zeros for the padding its divisor counts),
    after a jump ``window 361 of 361 (36 skipped): …`` (windows count from 1, cells from 0).
    ``places`` is :func:`decimals` of the plane, worked out once by callers drawing many
    frames."""
    return Story(result).caption(frame, item, channel, places)


def formula(window: Window, mode: str, places: tuple[int, int]) -> str:
    """The window's output worked out: ``max(2, 1, 8, 4) = 8 at (1, 2)`` (padding as −∞,
    which never wins) or ``(2 + 1 + 8 + 4) / 4 = 3.75``; windows of more than
    :data:`MAX_TERMS` cells give a count instead of the terms. ``places``: decimal places of
    the input values and of the output value."""
    given, result = places
    value = format_number(window.value, result)
    real = window.cells[~window.padded]
    if mode == "max":
        where = "" if window.argmax is None else f" at ({window.argmax[0]}, {window.argmax[1]})"
        if window.cells.size > MAX_TERMS:
            return f"max of {window.cells.size} cells = {value}{where}"
        terms = [
            "−∞" if pad else format_number(float(v), given)
            for v, pad in zip(window.cells.ravel(), window.padded.ravel(), strict=True)
        ]
        return f"max({', '.join(terms)}) = {value}{where}"
    divisor = window.divisor if window.divisor is not None else real.size
    counted_padding = divisor - real.size
    if window.cells.size > MAX_TERMS:
        total = format_number(float(real.sum()), given)
        counted = f" ({counted_padding} padding zeros counted)" if counted_padding else ""
        return f"sum of {real.size} cells = {total}; {total} / {divisor} = {value}{counted}"
    terms = []
    for v, pad in zip(window.cells.ravel(), window.padded.ravel(), strict=True):
        if not pad:
            terms.append(format_number(float(v), given))
        elif counted_padding > 0:
            terms.append("0")
            counted_padding -= 1
    return f"({' + '.join(terms)}) / {divisor} = {value}"


def plane_label(result: PoolResult, item: int, channel: int) -> str:
    """``, channel 2 of 3`` (and the item, for a batch) when the input has more than one
    plane, so a frame says which one it shows; empty otherwise."""
    n, _, _, c = result.input.shape
    label = f", item {item} of {n}" if n > 1 else ""
    return label + (f", channel {channel} of {c}" if c > 1 else "")


def title_line(result: PoolResult) -> str:
    """The default title: the configuration, as the pool figure writes it."""
    from poolviz.render.style import config_line

    return config_line(result).replace("  ", ": ", 1)
