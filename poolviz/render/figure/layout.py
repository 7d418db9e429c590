"""Panels placed in inches, side by side (wide, for a 16:9 slide) or stacked (tall), with the
arrows of the steps between them: the layout of ``pool``'s figure, computed apart from drawing.

Sizes are known before anything is drawn (cells of a known size, pictures of a chosen size),
so placing them by hand is exact, and faster than a layout engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ASPECTS = ("auto", "wide", "tall")

MARGIN = 0.45
"""Inches left and right of a panel: room for its row indices."""

ARROW_GAP = 1.4
"""Inches between two panels joined by an arrow, side by side."""

PLAIN_GAP = 0.75
"""Inches between two panels side by side without an arrow (the next one's row indices)."""

ABOVE = 0.6
"""Inches above a stacked panel: its title and column indices."""

TITLE = 0.4
"""Inches for the figure's title."""

DOWN_GAP = 0.75
"""Inches between two stacked panels joined by an arrow."""


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


def place(panels: Sequence[Panel], *, wide: bool, below: float, least_width: float = 0.0) -> Placed:
    """Place ``panels`` in order, left to right (``wide``) or top to bottom, with ``below``
    inches under them for a caption and the page at least ``least_width`` wide; the panels
    are centred across the page."""
    if wide:
        return _side_by_side(panels, below, least_width)
    return _stacked(panels, below, least_width)


def stacked_size(
    panels: Sequence[Panel], below: float, least_width: float = 0.0
) -> tuple[float, float]:
    """The page of the stacked layout, width first (for :func:`is_wide`)."""
    return _stacked(panels, below, least_width).size


def _side_by_side(panels: Sequence[Panel], below: float, least_width: float) -> Placed:
    lefts, x = [], MARGIN
    for k, p in enumerate(panels):
        if k:
            x += ARROW_GAP if p.arrow else PLAIN_GAP
        lefts.append(x)
        x += p.width
    content = x + MARGIN
    width = max(content, least_width)
    shift = (width - content) / 2
    tallest = max(p.height for p in panels)
    height = below + tallest + ABOVE + TITLE
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
            ((lefts[k] + shift - 0.45) / width, middle / height),  # clear of row indices
        )
        for k, p in enumerate(panels)
        if k and p.arrow
    )
    return Placed((width, height), boxes, arrows, (below - 0.3) / height)


def _stacked(panels: Sequence[Panel], below: float, least_width: float) -> Placed:
    width = max(max(p.width for p in panels) + 2 * MARGIN, least_width)
    height = TITLE + below
    for k, p in enumerate(panels):
        height += ABOVE + p.height + ((DOWN_GAP if p.arrow else 0.15) if k else 0.0)
    boxes, arrows, y = {}, [], height - TITLE
    for k, p in enumerate(panels):
        if k:
            gap = DOWN_GAP if p.arrow else 0.15
            if p.arrow:  # down the middle, into the room above the next panel's title
                top, end = (y - 0.05) / height, (y - gap - 0.2) / height
                arrows.append(Arrow(p.arrow, (0.5, top), (0.5, end)))
            y -= gap
        y -= ABOVE
        boxes[p.name] = (
            (width - p.width) / 2 / width,
            (y - p.height) / height,
            p.width / width,
            p.height / height,
        )
        y -= p.height
    return Placed((width, height), boxes, tuple(arrows), (below - 0.3) / height)
