"""Panels placed in inches, side by side (wide, for a 16:9 slide) or stacked (tall), with the
arrows of the steps between them: the layout of ``pool``'s figure, computed apart from drawing.

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

    def scaled(self, font_scale: float) -> Room:
        """This room for words ``font_scale`` times their natural size: the room above a
        panel and the figure's title are words (a title may wrap to two lines) and grow as
        they do; margins and gaps are half padding and grow half as much (grown in full they
        left a slide at ``--font-scale 1.5`` a fifth emptier, its panels smaller)."""
        half = 1 + (font_scale - 1) / 2
        grown = Room(*(v * half for v in astuple(self)))
        return replace(grown, above=self.above * font_scale, title=self.title * font_scale)


@dataclass(frozen=True)
class Panel:
    """One part of a figure: its name, its size in inches, and the label of the arrow that
    leads into it from the panel before (None: no arrow)."""

    name: str
    width: float
    height: float
    arrow: str | None = None


@dataclass(frozen=True)
class Arrow:
    """A step between two panels, in figure fractions."""

    label: str
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True)
class Placed:
    """Where everything goes: the page in inches, each panel's box (left, bottom, width,
    height) and the arrows in figure fractions, and the top of the caption."""

    size: tuple[float, float]
    boxes: dict[str, tuple[float, float, float, float]]
    arrows: tuple[Arrow, ...]
    caption_top: float


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
    room = Room().scaled(font_scale)
    below, least_width = below * font_scale, least_width * font_scale
    if wide:
        return _side_by_side(panels, below, least_width, room)
    return _stacked(panels, below, least_width, room)


def stacked_size(
    panels: Sequence[Panel], below: float, least_width: float = 0.0, font_scale: float = 1.0
) -> tuple[float, float]:
    """The page of the stacked layout, width first (for :func:`is_wide`)."""
    return place(
        panels, wide=False, below=below, least_width=least_width, font_scale=font_scale
    ).size


def _side_by_side(panels: Sequence[Panel], below: float, least_width: float, room: Room) -> Placed:
    lefts, x = [], room.margin
    for k, p in enumerate(panels):
        if k:
            x += room.arrow_gap if p.arrow else room.plain_gap
        lefts.append(x)
        x += p.width
    content = x + room.margin
    width = max(content, least_width)
    shift = (width - content) / 2
    tallest = max(p.height for p in panels)
    height = below + tallest + room.above + room.title
    middle = below + tallest / 2
    boxes = {
        p.name: (
            (left + shift) / width,
            (middle - p.height / 2) / height,
            p.width / width,
            p.height / height,
        )
        for p, left in zip(panels, lefts, strict=True)
    }
    arrows = tuple(
        Arrow(
            p.arrow,
            ((lefts[k - 1] + panels[k - 1].width + shift + 0.2) / width, middle / height),
            ((lefts[k] + shift - room.arrow_clear) / width, middle / height),
        )
        for k, p in enumerate(panels)
        if k and p.arrow
    )
    return Placed((width, height), boxes, arrows, (below - 0.3) / height)


def _stacked(panels: Sequence[Panel], below: float, least_width: float, room: Room) -> Placed:
    width = max(max(p.width for p in panels) + 2 * room.margin, least_width)
    height = room.title + below
    for k, p in enumerate(panels):
        height += room.above + p.height + ((room.down_gap if p.arrow else 0.15) if k else 0.0)
    boxes, arrows, y = {}, [], height - room.title
    for k, p in enumerate(panels):
        if k:
            gap = room.down_gap if p.arrow else 0.15
            if p.arrow:  # down the middle, to the room above the next panel's title
                top, end = (y - 0.05) / height, (y - gap + 0.05) / height
                arrows.append(Arrow(p.arrow, (0.5, top), (0.5, end)))
            y -= gap
        y -= room.above
        boxes[p.name] = (
            (width - p.width) / 2 / width,
            (y - p.height) / height,
            p.width / width,
            p.height / height,
        )
        y -= p.height
    return Placed((width, height), boxes, tuple(arrows), (below - 0.3) / height)
