"""A figure of steps in a line, the matrices at one cell size with an arrow (or a sign such as
``vs``) between neighbours: side by side (``--aspect wide``, for a 16:9 slide) or stacked
(``tall``), and ``--panel`` drawing one part alone. The LP, blur and their gradients' figures
are such lines; each says what its steps and parts are, this module places and links them,
by hand (:func:`~poolviz.render.figure.layout.place`), as ``pool``'s figure is placed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from poolviz.errors import PoolvizError
from poolviz.render.figure.grid import draw_arrow, draw_page_words, fit_numbers, plane_cells
from poolviz.render.figure.layout import Panel, Room, caption_room, is_wide, place, stacked_size
from poolviz.render.figure.panels import wrap
from poolviz.render.figure.text_width import text_inches
from poolviz.render.figure.unhinted import UnhintedFigure

TITLE_SIZE = 10.0
"""Points of a step's title (:func:`~poolviz.render.figure.grid.draw_matrix`'s)."""

STACKED_BELOW = 1.0
"""Inches under a column's panels for its caption, in choosing between a row and a column."""

LEAST_WIDTH = 4.0
"""The narrowest page, in inches at natural size: room for a caption of some 44 characters a
line beneath a part drawn alone."""


@dataclass(frozen=True)
class Step:
    """One matrix of the line: its shape (rows, columns), its title, how it is drawn into its
    axes with that title, and the link from the step before it: an arrow's label, or with
    ``sign`` a word between the two (``vs``, ``⊙``), drawn where the arrow would be."""

    shape: tuple[int, int]
    title: str
    draw: Callable[[Axes, str], object]
    link: str = ""
    sign: bool = False


def strip_figure(
    steps: Sequence[Step],
    *,
    title: str,
    caption: str,
    aspect: str = "auto",
    parts: Mapping[str, tuple[int, ...]] | None = None,
    panel: str | None = None,
    what: str = "this figure",
    captions: Mapping[str, str] | None = None,
    font_scale: float = 1.0,
) -> Figure:
    """``steps`` in a row (``aspect`` ``wide``) or a column (``tall``; ``auto``: a row unless
    the column would be taller than wide), at one cell size, each linked to the one before;
    ``title`` above and ``caption`` below, with room for words ``font_scale`` times their
    natural size. ``panel``, a key of ``parts`` (each the indices of the steps it holds),
    draws those steps alone (cells of one size while every step shows numbers; past that, as
    :func:`plane_cells` sizes them); another name is refused naming ``what`` draws and the
    parts there are. ``captions`` holds a part's own caption, for a part alone (the whole
    figure's words would talk about steps it does not show)."""
    if panel is not None:
        parts = parts or {}
        if panel not in parts:
            raise PoolvizError(
                f"--panel {panel}: {what} has no such part; use {' or '.join(parts)}"
            )
        steps = [steps[k] for k in parts[panel]]
        caption = (captions or {}).get(panel, caption)
    # one cell size while all show numbers; a plane too large for them a picture as large
    cells = plane_cells([s.shape for s in steps])
    line = [
        Panel(f"step {k}", s.shape[1] * cell, s.shape[0] * cell, s.link if k else None)
        for k, (s, cell) in enumerate(zip(steps, cells, strict=True))
    ]
    # a step's title wider than its panel reaches past it, and the figure's title spans the
    # page: the page is wide enough for both (a wider page costs nothing, the PNG is cropped)
    overhang = max(
        text_inches(s.title, TITLE_SIZE) - p.width for s, p in zip(steps, line, strict=True)
    )
    heading = text_inches(title, 12, bold=True) + 2 * Room().margin
    words = max(LEAST_WIDTH, heading)
    wide = is_wide(aspect, stacked_size(line, STACKED_BELOW))  # auto: on the panels alone
    content = place(line, wide=wide, below=0.0, least_width=words).size[0]
    words = max(words, content + max(overhang, 0.0))
    # the caption is prose across the page within its margins: some 13 characters an inch
    margin = Room().scaled(font_scale).margin
    across = place(line, wide=wide, below=0.0, least_width=words, font_scale=font_scale).size[0]
    wrapped = wrap(caption, int((across - 2 * margin) * 13 / font_scale))
    below = caption_room(wrapped)
    placed = place(line, wide=wide, below=below, least_width=words, font_scale=font_scale)
    fig = UnhintedFigure(figsize=placed.size)
    for step, p, cell in zip(steps, line, cells, strict=True):
        ax = fig.add_axes(placed.boxes[p.name])
        step.draw(ax, step.title)
        fit_numbers(ax, cell)  # with a margin: 7.08 filled its half-inch cell edge to edge
    linked = [s for k, s in enumerate(steps) if k and s.link]
    for step, arrow in zip(linked, placed.arrows, strict=True):
        if step.sign:  # a word where the arrow would be, in its middle
            x, y = (arrow.start[0] + arrow.end[0]) / 2, (arrow.start[1] + arrow.end[1]) / 2
            size = 18 if len(step.link) == 1 else 12
            fig.text(x, y, step.link, ha="center", va="center", fontsize=size)
        else:
            draw_arrow(fig, step.link, arrow.start, arrow.end, fig.transFigure)
    draw_page_words(fig, placed, title, wrapped, left=margin / across)
    return fig
