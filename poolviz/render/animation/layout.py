"""Where everything goes in an animation's frames: font sizes, the grids' or pictures' boxes,
the arrow, the caption's and legend's lines, and the frame size that holds them; the same for
every frame of a run, worked out once before any is drawn (:mod:`.frames` draws them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.engine.explain import PoolResult, Window
from poolviz.engine.geometry import Axis
from poolviz.errors import PoolvizError
from poolviz.render.animation.paint import drawable, fit_font, fit_picture, text_width
from poolviz.render.animation.story import Frame, Story, decimals, plane_label
from poolviz.render.order import Order
from poolviz.render.style import format_number

MAX_NUMBERED = 24
"""Largest padded side (in cells) drawn as numbers; larger inputs are drawn as pictures (the
pool figure's limit, so both show the same inputs the same way)."""


MAX_ZOOM = 8
"""Pictures show the current window's numbers beside them when it is at most this many
cells a side."""


MAX_SIDE = 4000
"""Largest frame side in pixels: 64 frames of that size already take hundreds of MB."""


BASE_DPI = 150
"""The resolution the sizes below are given for; ``--dpi`` scales every length."""


def reach(ax: Axis) -> tuple[int, int]:
    """Cells drawn before and after the input along ``ax``: its padding, or as far as the
    windows reach when that is further (ceil mode lets the last window hang over)."""
    last = max(ax.taps(i)[-1] + 1 for i in range(ax.out))  # uneven windows end each their own
    return max(ax.pad_before, -ax.start(0)), max(ax.pad_after, last - ax.n)


@dataclass(frozen=True)
class Box:
    """A rectangle in frame pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


class FrameLayout:
    """The layout of the frames of one plane of a pooling run at ``dpi`` (150 is the base:
    300 doubles every length): numbers for inputs up to :data:`MAX_NUMBERED` cells a side
    (with padding), pictures beyond. ``still``: the legend is for a still of the last frame
    (a PNG), so it leaves out how the output fills in, which that one picture does not show."""

    def __init__(
        self,
        run: PoolResult | Story,
        *,
        item: int = 0,
        channel: int = 0,
        dpi: int = BASE_DPI,
        title: str | None = None,
        cmap: str | None = None,
        order: Order = "nhwc",
        still: bool = False,
    ) -> None:
        self.story = story = run if isinstance(run, Story) else Story(run)
        self.still = still
        self.result = result = story.result
        self.item = item
        self.channel = channel
        self.scale = dpi / BASE_DPI
        self.title = drawable(title if title is not None else story.heading())
        self.shapes = drawable(story.shapes(order))
        self.cmap = cmap
        self.plan = story.plan
        rows, cols = result.rows, result.cols
        (self.top, self.bottom), (self.left, self.right) = reach(rows), reach(cols)
        self.ph = rows.n + self.top + self.bottom
        self.pw = cols.n + self.left + self.right
        self.numbered = max(self.ph, self.pw) <= MAX_NUMBERED
        self.plane = result.input[item, :, :, channel]
        self.out_plane = result.output[item, :, :, channel]
        self.places = decimals(result, item, channel)
        self.captions = [self._caption(f) for f in self.plan]
        self.reflected = story.reflected()
        self.pad_text = drawable(story.pad_text)
        self.legend = drawable(self._legend())
        self.in_heading = drawable(
            f"{story.input_name} {rows.n}x{cols.n}"
            + (" (padded)" if any(result.padding_resolved) else "")
            + plane_label(result, item, channel)
        )
        if self.numbered:
            self._layout_numbers()
        else:
            self._layout_pictures()
        w, h = self.size
        if max(w, h) > MAX_SIDE:
            most = int(dpi * MAX_SIDE / max(w, h))
            raise PoolvizError(
                f"--dpi {dpi} makes frames {w}x{h} pixels, more than {MAX_SIDE} a side; "
                f"use --dpi {most} or less"
            )

    def _px(self, base: float) -> int:
        """A length given at :data:`BASE_DPI`, at this animation's resolution."""
        return max(1, round(base * self.scale))

    # Layout

    def _text_sizes(self) -> None:
        self.title_size = self._px(17)
        self.heading_size = self._px(13)
        self.caption_size = self._px(15)
        self.legend_size = self._px(12)
        self.margin = self._px(18)

    def _layout_numbers(self) -> None:
        self._text_sizes()
        rows, cols = self.result.rows, self.result.cols
        side = max(self.ph, self.pw)
        base = 56 if side <= 8 else 44 if side <= 14 else 32
        self.cell = self._px(base)
        pad_text = self.pad_text
        out_texts = [self._number(float(v), output=True) for v in self.out_plane.ravel()]
        texts = [self._number(float(v)) for v in self.plane.ravel()] + out_texts + [pad_text]
        self._number_sizes(texts)
        self.index_size = max(self._px(9), round(self.cell * 0.28))
        labels = [str(k) for k in range(max(rows.n, cols.n))] + ["p"]
        gutter = max(text_width(t, self.index_size) for t in labels) + self._px(6)
        self.gutter = gutter
        head_h = round(self.heading_size * 1.5)
        top = self._under_title() + head_h + round(self.index_size * 1.5)
        self.grid_in = Box(self.margin + gutter, top, self.pw * self.cell, self.ph * self.cell)
        # room for the arrow, and for the input's heading when it is wider than its grid
        room = self.margin + self._heading_width(self.in_heading) + self._px(20)
        arrow = max(self._arrow_length(), room - self.grid_in.right)
        self.grid_out = Box(
            self.grid_in.right + arrow + gutter,
            top,
            cols.out * self.cell,
            rows.out * self.cell,
        )
        self.arrow = (self.grid_in.right, self.grid_out.x - gutter)
        self._finish(max(self.grid_in.bottom, self.grid_out.bottom), self.grid_out.right)

    def _layout_pictures(self) -> None:
        self._text_sizes()
        rows, cols = self.result.rows, self.result.cols
        box = self._px(340)
        head_h = round(self.heading_size * 1.5)
        top = self._under_title() + head_h
        self.pic_in = Box(self.margin, top, *fit_picture(self.pw, self.ph, box))
        kh, kw = len(rows.taps(0)), len(cols.taps(0))
        self.zoomed = max(kh, kw) <= MAX_ZOOM
        room = self.margin + self._heading_width(self.in_heading) + self._px(20)
        x = max(self.pic_in.right + self._px(30), room)
        if self.zoomed:
            self.cell = self._px(56 if self.story.note_legend else 36)
            # the widest numbers are at the ends of the range (the zoom shows input values)
            finite = self.plane[np.isfinite(self.plane)]
            ends = (finite.min(), finite.max()) if finite.size else ()
            texts = [self._number(float(v)) for v in ends]
            self._number_sizes([*texts, self.pad_text])
            self.zoom = Box(x, top, kw * self.cell, kh * self.cell)
            x = self.zoom.right
        arrow = self._arrow_length()
        self.arrow = (x, x + arrow)
        self.pic_out = Box(x + arrow, top, *fit_picture(cols.out, rows.out, box))
        bottom = max(self.pic_in.bottom, self.pic_out.bottom)
        if self.zoomed:
            bottom = max(bottom, self.zoom.bottom)
        self._finish(bottom, self.pic_out.right)

    def _number_sizes(self, texts: list[str]) -> None:
        """Font sizes of the cells' numbers and of the notes under them: notes take the
        lower third of a cell, so numbers are smaller when there are any."""
        notes = [
            drawable(text)
            for frame in self.plan
            for row in self.story.notes(self._window(frame), self.item, self.channel) or []
            for text in row
        ]
        self.note_size = fit_font(notes, self.cell * 0.84, self.cell * 0.24) if notes else 0
        height = 0.32 if notes else 0.4
        self.number_size = fit_font(texts, self.cell * 0.64, self.cell * height)

    def _window(self, frame: Frame) -> Window:
        return self.result.window(
            *divmod(frame.window, self.result.cols.out), self.item, self.channel
        )

    def _under_title(self) -> int:
        """Where what is under the title and the shapes line starts."""
        return self.margin + round(self.title_size * 1.5) + round(self.legend_size * 2)

    def _arrow_length(self) -> int:
        """The arrow's length: long enough for the operation written over it."""
        return max(self._px(90), self._heading_width(drawable(self.story.arrow)) + self._px(40))

    def _heading_width(self, text: str) -> int:
        return text_width(text, self.heading_size)

    def _finish(self, grids_bottom: int, grids_right: int) -> None:
        """The caption and legend under the grids, and the frame size that holds it all: as
        wide as the grids, title and shapes; a caption or legend longer than that goes on as
        many lines as it needs (blur's sixteen weighted cells would double a frame's width)."""
        widths = [grids_right + self.margin]
        widths.append(2 * self.margin + text_width(self.title, self.title_size, bold=True))
        widths.append(2 * self.margin + text_width(self.shapes, self.legend_size))
        width = max(widths)
        self.caption_width = width - 2 * self.margin
        lines = max((len(self._wrapped(c)) for c in self.captions), default=1)
        self.line_height = round(self.caption_size * 1.3)
        self.caption_y = grids_bottom + self._px(22)
        self.legend_y = self.caption_y + (lines - 1) * self.line_height
        self.legend_y += round(self.caption_size * 1.6)
        self.legend_lines = self._wrapped(self.legend, self.legend_size)
        self.legend_height = round(self.legend_size * 1.3)
        height = self.legend_y + len(self.legend_lines) * self.legend_height + self.margin
        self.size = (width, height + round(self.legend_size * 0.1))

    def _wrapped(self, text: str, size: int | None = None) -> list[str]:
        """``text`` (at ``size``, the caption's if None) broken at spaces into lines of
        :attr:`caption_width` pixels at most (a word longer than that stays whole); further
        lines indented."""
        size = size or self.caption_size
        lines: list[str] = []
        for word in text.split(" "):
            if lines and text_width(f"{lines[-1]} {word}", size) <= self.caption_width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word if not lines else f"    {word}")
        return lines

    def _legend(self) -> str:
        """Which marks mean what, for the marks this run has: no mark relies on colour."""
        result, story = self.result, self.story
        parts = ["thick outline: the window"]
        if story.ringed:
            parts.append("ringed: its max")
        if story.note_legend:
            parts.append(story.note_legend)
        padded = any(result.padding_resolved)
        beyond = (self.top, self.bottom, self.left, self.right) != result.padding_resolved
        pad = f"padding ({story.pad_text})" if story.pad_text else "padding (no gradient)"
        hatched = [pad] if padded else []
        if beyond:  # the ceil-mode overhang: PyTorch ignores it, in a max and an average
            hatched.append(story.overhang)
        if self.reflected is not None and self.numbered:  # a picture leaves copies unmarked
            hatched.append("reflect padding (copies of the cells across the edge)")
        if hatched:
            parts.append("hatched: " + " and ".join(hatched))
        if self.numbered and int(result.coverage.min()) == 0:
            parts.append("crossed: read by no window")
        if self.still:  # every output computed: nothing fills in, none is to come
            return " · ".join(parts)
        if self.numbered:
            parts.append("output: filled as computed")
        else:
            parts.append("checked: output still to come")
        return " · ".join(parts)

    def _caption(self, frame: Frame) -> str:
        return drawable(self.story.caption(frame, self.item, self.channel, self.places))

    def _number(self, value: float, output: bool = False) -> str:
        """An input value (or an output value) as the grids write it."""
        return drawable(format_number(value, self.places[1 if output else 0]))
