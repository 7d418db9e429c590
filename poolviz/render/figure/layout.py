"""Panels placed in inches, side by side (wide, for a 16:9 slide) or stacked (tall), with the
arrows of the steps between them, and colour bars beside them: the layout of ``pool``'s,
``grad``'s, ``compare``'s and the LP and blur figures, computed apart from drawing.

Sizes are known before anything is drawn (cells of a known size, pictures of a chosen size),
so placing them by hand is exact, and faster than a layout engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace

ASPECTS = ("auto", "wide", "tall")


@dataclass(frozen=True)
class Room:
    """Inches left for words around the panels, for words at their natural size; at
    ``--font-scale`` F the words grow F times (:func:`poolviz.render.figure.look.dress`), and
    this room with them (:meth:`scaled`), while the panels keep their size."""

    margin: float = 0.45
    """Left and right of a panel: room for its row indices."""
    arrow_gap: float = 1.4
    """Between two panels joined by an arrow, side by side."""
    plain_gap: float = 0.75
    """Between two panels side by side without an arrow (the next one's row indices)."""
    above: float = 0.6
    """Above a stacked panel: its title and column indices."""
    title: float = 0.4
    """For the figure's title."""
    down_gap: float = 0.75
    """Between two stacked panels joined by an arrow."""
    arrow_clear: float = 0.45
    """Between an arrow's head and the row indices of the panel it points at."""
    bare_gap: float = 0.35
    """Between two panels side by side, the second without row indices."""
    bar_gap: float = 0.25
    """Between a line's panels and its colour bar."""
    bar: float = 0.15
    """A colour bar's width."""
    bar_words: float = 0.8
    """Right of a colour bar: its tick labels and its label."""
    bar_least: float = 1.2
    """A colour bar's least height, for its tick labels and its label: a row of short panels
    with a bar grows downwards to hold it, the bar's top level with theirs."""
    column_least: float = 2.0
    """A column's least width beside other columns: a title of about 25 characters at 10
    points ("gradient at the input 4x2") over a narrow panel."""
    arrow_words: float = 0.85
    """Right of a down arrow's middle: its label ("backward" at 10 points, 6 points off the
    shaft); a stacked line's colour bar stands clear of it."""

    def scaled(self, font_scale: float) -> Room:
        """This room for words ``font_scale`` times their natural size: the room above a
        panel, the figure's title (which may wrap to two lines) and a colour bar's words and
        least height are for words and grow as they do; margins and gaps are half padding
        and grow half as much (grown in full they left a slide at ``--font-scale 1.5`` a
        fifth emptier, its panels smaller)."""
        half = 1 + (font_scale - 1) / 2
        grown = Room(*(v * half for v in astuple(self)))
        return replace(
            grown,
            above=self.above * font_scale,
            title=self.title * font_scale,
            bar_words=self.bar_words * font_scale,
            bar_least=self.bar_least * font_scale,
            arrow_words=self.arrow_words * font_scale,
            column_least=self.column_least * font_scale,
        )


INDEX_ROOM = 0.25
"""Inches of a panel's room above (:attr:`Room.above`) that its column indices take: a
picture, which has none, needs that much less."""

PICTURE_ABOVE = Room.above - INDEX_ROOM
"""Inches above a picture for its title (0.35): the room above a grid of numbers, less
its column indices'."""


@dataclass(frozen=True)
class Panel:
    """One part of a figure: its name, its size in inches, and the label of the arrow that
    leads into it from the panel before (None: no arrow)."""

    name: str
    width: float
    height: float
    arrow: str | None = None
    above: float | None = None
    """Inches above it for its title and column indices, for words at their natural size
    (None: :attr:`Room.above`); a title of three lines needs more."""
    indexed: bool = True
    """Whether row indices stand at its left: side by side, the gap before it leaves room
    for them (:attr:`Room.plain_gap`), else only :attr:`Room.bare_gap`."""


@dataclass(frozen=True)
class Arrow:
    """A step between two panels, in figure fractions."""

    label: str
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True)
class Placed:
    """Where everything goes: the page in inches, each panel's box (left, bottom, width,
    height) and the arrows in figure fractions, the top of the caption, and the top of each
    line's room (:func:`place_lines`), in figure fractions."""

    size: tuple[float, float]
    boxes: dict[str, tuple[float, float, float, float]]
    arrows: tuple[Arrow, ...]
    caption_top: float
    tops: tuple[float, ...] = ()


def caption_room(caption: str) -> float:
    """Inches under the panels for ``caption`` in 9-point lines: :attr:`Placed.caption_top`
    stands 0.3 inch above the page's foot, and each line takes 0.17."""
    return 0.3 + 0.17 * (caption.count("\n") + 1)


def is_wide(aspect: str, tall_size: tuple[float, float]) -> bool:
    """Whether ``aspect`` means side by side: ``wide``, or ``auto`` when the stacked
    layout (``tall_size``, width first) would be taller than wide."""
    return aspect == "wide" or (aspect == "auto" and tall_size[1] > tall_size[0])


def place(
    panels: Sequence[Panel],
    *,
    wide: bool,
    below: float,
    least_width: float = 0.0,
    font_scale: float = 1.0,
) -> Placed:
    """Place ``panels`` in order, left to right (``wide``) or top to bottom, with ``below``
    inches under them for a caption and the page at least ``least_width`` wide (both for
    words at their natural size); the panels are centred across the page. Every room for
    words (these two too) is ``font_scale`` times as large, for words dressed that large."""
    return place_lines(
        [panels], rows=wide, below=below, least_width=least_width, font_scale=font_scale
    )


def place_lines(
    lines: Sequence[Sequence[Panel]],
    *,
    rows: bool,
    below: float,
    least_width: float = 0.0,
    font_scale: float = 1.0,
    bars: Sequence[str | None] = (),
    centred: bool = True,
) -> Placed:
    """Place ``lines`` of panels: with ``rows`` each line's panels side by side (vertically
    centred on its tallest) and the lines stacked, left-aligned; else each line's panels
    stacked (centred on its widest) and the lines side by side, top-aligned. A line's
    arrows join its panels; ``bars[k]`` names the colour bar right of line k (None: none),
    clear of its arrows' labels; stacked beside another, a line is at least
    :attr:`Room.column_least` wide. On a page widened to ``least_width`` the panels are
    centred, or with ``centred`` False start at its left margin, where a caption of prose
    starts (compare's). ``below``, ``least_width`` and ``font_scale`` are as for
    :func:`place`, which is this with one line (and computes its page as it always has,
    to the last bit: a box edge on a whole pixel moved by a rounding would move a pixel)."""
    room = Room().scaled(font_scale)
    below, least_width = below * font_scale, least_width * font_scale
    named = list(bars) + [None] * (len(lines) - len(bars))
    page = _Page(room, font_scale, centred)
    if rows:
        return page.rows(lines, named, below, least_width)
    return page.columns(lines, named, below, least_width)


def stacked_size(
    panels: Sequence[Panel], below: float, least_width: float = 0.0, font_scale: float = 1.0
) -> tuple[float, float]:
    """The page of the stacked layout, width first (for :func:`is_wide`)."""
    return place(
        panels, wide=False, below=below, least_width=least_width, font_scale=font_scale
    ).size


@dataclass(frozen=True)
class _Page:
    """The arithmetic of a page of lines, in the order :func:`place` has always done it."""

    room: Room
    font_scale: float
    centred: bool = True
    """Whether the panels are centred across a page wider than they are."""

    def above(self, panel: Panel) -> float:
        """The room above ``panel`` for its title and column indices."""
        return self.room.above if panel.above is None else panel.above * self.font_scale

    def gap(self, panel: Panel) -> float:
        """The room left of ``panel`` beside the one before it."""
        room = self.room
        return room.arrow_gap if panel.arrow else room.plain_gap if panel.indexed else room.bare_gap

    def lefts(self, line: Sequence[Panel]) -> tuple[list[float], float]:
        """The left edge of each panel of a row, from the page's left edge, and the row's
        right end."""
        lefts, x = [], self.room.margin
        for k, p in enumerate(line):
            if k:
                x += self.gap(p)
            lefts.append(x)
            x += p.width
        return lefts, x

    def drop(self, panel: Panel) -> float:
        """The room above ``panel``'s own room, below the one before it."""
        return self.room.down_gap if panel.arrow else 0.15

    def bar_length(self, line: Sequence[Panel]) -> float:
        """The height of a colour bar beside a row of ``line``: 4/5 of its tallest panel's,
        and at least :attr:`Room.bar_least`."""
        return max(0.8 * max(p.height for p in line), self.room.bar_least)

    def tallest(self, line: Sequence[Panel], bar: str | None) -> float:
        """The height a row of ``line`` spans: its tallest panel's, or with a colour ``bar``
        the bar's if that is taller."""
        tallest = max(p.height for p in line)
        return max(tallest, self.bar_length(line)) if bar else tallest

    def bar_room(self) -> float:
        """The width a colour bar and its words add to a line."""
        return self.room.bar_gap + self.room.bar + self.room.bar_words

    def rows(
        self,
        lines: Sequence[Sequence[Panel]],
        bars: Sequence[str | None],
        below: float,
        least_width: float,
    ) -> Placed:
        room = self.room
        rights = [  # each row's right end, from the page's left edge
            self.lefts(line)[1] + (self.bar_room() if bar else 0.0)
            for line, bar in zip(lines, bars, strict=True)
        ]
        content = max(rights) + room.margin
        width = max(content, least_width)
        shift = (width - content) / 2 if self.centred else 0.0
        bases, height = [], below  # each row's bottom, bottom row first
        for k, (line, bar) in enumerate(zip(reversed(lines), reversed(bars), strict=True)):
            height += 0.15 if k else 0.0
            bases.append(height)
            height += self.tallest(line, bar)
            height += max(self.above(p) for p in line)
        height += room.title
        boxes: dict[str, tuple[float, float, float, float]] = {}
        arrows, tops = [], []
        for line, bar, base in zip(lines, bars, reversed(bases), strict=True):
            lefts, x = self.lefts(line)
            tallest = self.tallest(line, bar)
            panels = max(p.height for p in line)
            # the panels hang from the row's top: a bar taller than they are reaches down,
            # not up beside their titles
            middle = base + tallest - panels / 2
            for p, left in zip(line, lefts, strict=True):
                boxes[p.name] = (
                    (left + shift) / width,
                    (middle - p.height / 2) / height,
                    p.width / width,
                    p.height / height,
                )
            arrows += [
                Arrow(
                    p.arrow,
                    ((lefts[k - 1] + line[k - 1].width + shift + 0.2) / width, middle / height),
                    ((lefts[k] + shift - room.arrow_clear) / width, middle / height),
                )
                for k, p in enumerate(line)
                if k and p.arrow
            ]
            if bar:
                length = self.bar_length(line)
                top = middle + min(length, panels) / 2  # no higher than the panels' top
                boxes[bar] = (
                    (x + shift + room.bar_gap) / width,
                    (top - length) / height,
                    room.bar / width,
                    length / height,
                )
            tops.append((base + tallest + max(self.above(p) for p in line)) / height)
        return Placed((width, height), boxes, tuple(arrows), (below - 0.3) / height, tuple(tops))

    def columns(
        self,
        lines: Sequence[Sequence[Panel]],
        bars: Sequence[str | None],
        below: float,
        least_width: float,
    ) -> Placed:
        room = self.room
        least = room.column_least if len(lines) > 1 else 0.0
        widest = [max(least, *(p.width for p in line)) for line in lines]
        # right of a column's panels, before its colour bar: its arrows' labels where they
        # reach past the panels
        reach = [
            max(0.0, room.arrow_words - across / 2) if bar and any(p.arrow for p in line) else 0.0
            for line, bar, across in zip(lines, bars, widest, strict=True)
        ]
        starts, inner = [], 0.0  # each column's left, from the first one's
        for k, (line, bar) in enumerate(zip(lines, bars, strict=True)):
            inner += (room.plain_gap if line[0].indexed else room.bare_gap) if k else 0.0
            starts.append(inner)
            inner += widest[k] + (reach[k] + self.bar_room() if bar else 0.0)
        width = max(inner + 2 * room.margin, least_width)
        offset = (width - inner) / 2 if self.centred else room.margin  # of the first column
        height = 0.0
        for line in lines:
            tall = room.title + below
            for k, p in enumerate(line):
                tall += self.above(p) + p.height + (self.drop(p) if k else 0)
            height = max(height, tall)
        boxes: dict[str, tuple[float, float, float, float]] = {}
        arrows = []
        for line, bar, start, across, extra in zip(lines, bars, starts, widest, reach, strict=True):
            twice = 2 * (offset + start) + across  # twice the column's middle
            middle = twice / 2 / width
            y = height - room.title
            for k, p in enumerate(line):
                if k:
                    gap = self.drop(p)
                    if p.arrow:  # down the middle, to the room above the next panel's title
                        top, end = (y - 0.05) / height, (y - gap + 0.05) / height
                        arrows.append(Arrow(p.arrow, (middle, top), (middle, end)))
                    y -= gap
                y -= self.above(p)
                boxes[p.name] = (
                    (twice - p.width) / 2 / width,
                    (y - p.height) / height,
                    p.width / width,
                    p.height / height,
                )
                y -= p.height
            if bar:
                span = height - room.title - self.above(line[0]) - y
                boxes[bar] = (
                    ((twice + across) / 2 + extra + room.bar_gap) / width,
                    (y + 0.1 * span) / height,
                    room.bar / width,
                    0.8 * span / height,
                )
        tops = tuple((height - room.title) / height for _ in lines)
        return Placed((width, height), boxes, tuple(arrows), (below - 0.3) / height, tops)
