"""Matrices drawn with matplotlib: numbers in cells, window outlines, hatched padding.

Every figure of a small matrix (pool, grad, compare, shift) is drawn with :func:`draw_matrix`;
past :data:`MAX_NUMBERED` cells a side, numbers give way to colour and a colour bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are written to files; never open a window

import numpy as np  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import Colormap, Normalize, to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.markers import TICKRIGHT  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator, ScalarFormatter  # noqa: E402
from matplotlib.transforms import (  # noqa: E402
    ScaledTranslation,
    Transform,
    TransformedPatchPath,
    blended_transform_factory,
)

from poolviz.render.figure.layout import Placed  # noqa: E402
from poolviz.render.figure.look import AXIS_GID, CELL_GID, INDEX_GID  # noqa: E402
from poolviz.render.figure.sheet import Sheet, Surface  # noqa: E402
from poolviz.render.figure.text_width import text_inches  # noqa: E402
from poolviz.render.style import (  # noqa: E402
    format_values,
    outline_colour,
    text_colour_on,
)

CAPTION = {"fontsize": 9, "color": "#333333"}
"""The words of a figure's caption: smaller and greyer than its titles."""

MAX_NUMBERED = 24
"""Largest side (in cells) that still shows numbers."""

DRAWABLE = float(np.finfo(np.float64).max) / 64
"""The largest magnitude drawn as itself (about 2.8e306): matplotlib scales colours by the
difference of a range's ends and places colour-bar ticks at up to 20 times a power of ten
within it, both of which overflow near the largest float; larger values and the infinities
are drawn as this."""

INDEX_COLOUR = "#666666"

INDEX_PAD = 3.5
"""Points between the cells and their index labels (matplotlib's tick label padding)."""

TITLE_GAP = 4.0
"""Points between a matrix's column indices (or its top edge) and its title."""

DIGIT_EM = 0.64
"""Width of a digit in the default font, in ems."""

LINESTYLES = ("solid", (0, (4, 2)), (0, (1, 1.5)), (0, (5, 1.5, 1, 1.5)))
"""Outline styles cycled with colour, so windows differ by more than colour."""


@dataclass(frozen=True)
class Outline:
    """A rectangle around cells ``rows`` x ``cols`` (inclusive index ranges)."""

    rows: tuple[int, int]
    cols: tuple[int, int]
    colour: str
    style: int = 0
    """Index into :data:`LINESTYLES`."""
    inset: float = 0.06
    """How far inside the cell edges it is drawn, so overlapping outlines stay apart."""
    width: float = 2.2


_MARKS: tuple[tuple[float, float, dict[str, Any]], ...] = (
    (0, 1, {"facecolor": "#EEEEEE", "edgecolor": "#999999", "hatch": "///", "linewidth": 0.5}),
    (
        0.04,
        0.92,
        {"facecolor": "white", "edgecolor": "#888888", "linestyle": ":", "linewidth": 1.0},
    ),
    (
        0,
        1,
        {
            "facecolor": "#D9D9D9",
            "edgecolor": "white",
            "hatch": "xx",
            "linewidth": 0.5,
            "alpha": 0.9,
        },
    ),
)
"""How :func:`draw_matrix` marks the cells of its ``hatched``, ``beyond`` and ``greyed``
masks, in that order: each as (inset, side, rectangle style), in cells."""


def draw_matrix(
    ax: Surface,
    values: np.ndarray,
    *,
    cmap: str | Colormap = "viridis",
    fills: np.ndarray | None = None,
    norm: Normalize | None = None,
    labels: Sequence[str] | None = None,
    hatched: np.ndarray | None = None,
    beyond: np.ndarray | None = None,
    greyed: np.ndarray | None = None,
    bold: np.ndarray | None = None,
    outlines: Sequence[Outline] = (),
    origin: tuple[int, int] = (0, 0),
    index_labels: bool = True,
    fontsize: float | None = None,
    title: str | None = None,
    title_size: float = 10,
) -> bool:
    """Draw ``values`` (2-D) into ``ax`` as a grid of cells; returns whether numbers were
    written (False past :data:`MAX_NUMBERED` cells, where a colour bar should explain colour).

    ``fills`` gives each cell's background as hex strings (overrides the colour map);
    ``hatched`` marks padding, ``beyond`` cells past it that no window reads (a ceil-mode
    overhang: blank, dotted), ``greyed`` dropped cells, ``bold`` winners (ringed).
    ``origin`` is the input index of the top-left cell, for the index labels; ``title`` is
    set above them.
    """
    h, w = values.shape
    finite = drawable(np.where(np.isfinite(values), values, np.nan))
    numbered = bool(max(h, w) <= MAX_NUMBERED)
    if fills is None:
        norm = norm or value_norm(finite)
        colours = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
        rgba = colours(norm(np.nan_to_num(finite, nan=norm.vmin or 0.0)))
        fills = np.array([[to_hex(rgba[i, j]) for j in range(w)] for i in range(h)])
    if numbered:
        ax.add_collection(cells(fills), autolim=False)  # the limits are set below
    else:
        assert isinstance(ax, Axes), "a picture is drawn in an Axes"
        ax.imshow(finite, cmap=cmap, norm=norm, extent=(0, w, h, 0), interpolation="nearest")
    for mask, (inset, side, style) in zip((hatched, beyond, greyed), _MARKS, strict=True):
        if mask is not None:
            for i, j in zip(*np.nonzero(mask), strict=True):
                ax.add_artist(Rectangle((j + inset, i + inset), side, side, **style))
    # ax.text gives each text its own clip path, the axes' patch made into a new transform
    # each time; texts are not clipped (clip_on is False), so one path serves them all (a
    # sheet's texts have none)
    unclipped: dict[str, Any] = (
        {"clip_path": TransformedPatchPath(ax.patch)} if isinstance(ax, Axes) else {}
    )
    if numbered:
        texts = list(labels) if labels is not None else format_values(values)
        size = fontsize or _fontsize(max(len(t) for t in texts), max(h, w))
        for k, text in enumerate(texts):
            i, j = divmod(k, w)
            plain = (hatched is not None and hatched[i, j]) or (greyed is not None and greyed[i, j])
            colour = "#555555" if plain else text_colour_on(fills[i, j])
            heavy = bold is not None and bold[i, j]
            ax.text(
                j + 0.5,
                i + 0.5,
                text,
                ha="center",
                va="center",
                fontsize=size,
                color=colour,
                fontweight="bold" if heavy else "normal",
                gid=CELL_GID,
                **unclipped,
            )
            if heavy:
                ax.add_artist(
                    Rectangle(
                        (j + 0.14, i + 0.14),
                        0.72,
                        0.72,
                        fill=False,
                        edgecolor="#000000",
                        linewidth=1.6,
                    )
                )
    for outline in outlines:
        (r0, r1), (c0, c1) = outline.rows, outline.cols
        d = outline.inset
        ax.add_artist(
            Rectangle(
                (c0 + d, r0 + d),
                c1 - c0 + 1 - 2 * d,
                r1 - r0 + 1 - 2 * d,
                fill=False,
                edgecolor=outline_colour(outline.colour),
                linewidth=outline.width,
                linestyle=LINESTYLES[outline.style % len(LINESTYLES)],
            )
        )
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    if isinstance(ax, Axes):
        ax.set_aspect("equal")
        ax.set_axis_off()
        # hidden too, or the title's placement and the tight bounding box measure their ticks
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)
    if index_labels and numbered:
        band = _draw_indices(ax, h, w, origin, hatched, beyond, unclipped)
    else:
        band = 0.0
    if title is not None:
        # at the axes' top (y=1), where matplotlib would place it after measuring the axes'
        # top tick labels at every draw: these axes have none
        ax.set_title(title, fontsize=title_size, pad=band + TITLE_GAP, y=1.0)
    return numbered


CELL_CORNERS = np.array([(0, 0), (1, 0), (1, 1), (0, 1)])
"""A cell's corners, from its top-left, in cells."""


def cells(fills: np.ndarray) -> PolyCollection:
    """The cells of a grid filled with ``fills`` (hex strings, one a cell, rows top down) as
    one collection, in data coordinates (a cell a unit, the top-left cell's corner at 0, 0),
    with white edges between them: drawn in one call, where a Rectangle a cell took one
    call each and its own transforms (grad's figure has 87 cells)."""
    h, w = fills.shape
    rows, cols = np.mgrid[0:h, 0:w]
    corners = np.stack([cols.ravel(), rows.ravel()], axis=-1)[:, None, :] + CELL_CORNERS
    # mitred corners, as a Rectangle's (a collection's joins are round by default)
    return PolyCollection(
        corners,
        facecolors=list(fills.ravel()),
        edgecolors="white",
        linewidths=1.0,
        joinstyle="miter",
    )


NUMBER_EM = 1.0
"""An upper bound of a number's width per character, in ems: its widest glyphs (``−``, ``∞``)
are 0.84 em, its digits 0.64."""


def settle_numbers(ax: Surface, cell: float) -> None:
    """Leave out of the layout the numbers :func:`draw_matrix` wrote in ``ax``'s cells, laid
    out ``cell`` inches a side, that fit their cells (at :data:`NUMBER_EM` a character, 1.2 em
    a line): a number within its cell lies within the axes, so neither a layout engine nor
    the saved box needs to measure it (grad's figure measured its numbers three times before
    drawing them once). A number that may not fit is still measured."""
    for text in ax.texts:
        if text.get_gid() == CELL_GID:
            em = float(text.get_fontsize()) / 72
            lines = text.get_text().split("\n")
            wide = NUMBER_EM * em * max(len(line) for line in lines)
            if wide <= cell and 1.2 * em * len(lines) <= cell:
                text.set_in_layout(False)


def fit_numbers(ax: Surface, cell: float) -> None:
    """Shrink the numbers :func:`draw_matrix` wrote in ``ax``'s cells until the longest fits
    a cell ``cell`` inches wide, with a margin (to 5 points at the least)."""
    texts = [t for t in ax.texts if t.get_gid() == CELL_GID]
    chars = max((len(t.get_text()) for t in texts), default=0)
    if not chars:
        return
    fit = 0.8 * cell * 72 / (DIGIT_EM * chars)
    for text in texts:
        text.set_fontsize(max(5.0, min(float(text.get_fontsize()), fit)))


def draw_arrow(
    parent: Axes | Figure,
    label: str,
    start: tuple[float, float],
    end: tuple[float, float],
    transform: Transform,
    *,
    dashed: bool = False,
) -> None:
    """A labelled arrow from ``start`` to ``end`` (in ``transform``'s coordinates): the step
    from one panel to the next; dashed for a backward step."""
    parent.add_artist(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=22,
            color="#444444",
            linestyle=(0, (4, 2)) if dashed else "solid",
            transform=transform,
        )
    )
    if start[0] == end[0]:  # an arrow down or up: the label right of its middle
        beside = _shifted(transform, parent, 6, 0)
        middle = (start[1] + end[1]) / 2
        parent.text(start[0], middle, label, transform=beside, ha="left", va="center", fontsize=10)
        return
    raised = _shifted(transform, parent, 0, 6)
    middle = (start[0] + end[0]) / 2
    parent.text(middle, start[1], label, transform=raised, ha="center", va="bottom", fontsize=10)


def draw_page_words(
    fig: Figure, placed: Placed, title: str, caption: str, *, left: float | None = None
) -> None:
    """The bold title at the top of a hand-placed page and the caption at
    ``placed.caption_top``: centred in monospace (lines of numbers that line up), or, given
    ``left`` (a figure fraction), prose from there."""
    fig.suptitle(title, y=1 - 0.12 / placed.size[1], va="top", fontsize=12, fontweight="bold")
    where: dict[str, Any] = {"family": "monospace"} if left is None else {"x": left, "ha": "left"}
    fig.supxlabel(caption, y=placed.caption_top, va="top", **CAPTION, **where)


BAR_TICK = 3.5
"""Points of a colour bar's tick, and from its end to its label (matplotlib's)."""

BAR_LABEL_PAD = 4.0
"""Points between a colour bar's widest tick label and its label (matplotlib's)."""

BAR_WORDS = 10.0
"""Points of a colour bar's tick labels and label (matplotlib's "medium")."""


def colour_bar(bar: Sheet, norm: Normalize, cmap: str, label: str, font_scale: float = 1.0) -> None:
    """A vertical colour bar of ``cmap`` over ``norm`` filling ``bar``, drawn as
    ``Figure.colorbar`` draws one: the map in 256 bands, framed, ticks where matplotlib's
    locator puts them for a bar this long and labelled by its formatter on the right,
    ``label`` beyond them; laid out for words ``font_scale`` times their size, as
    :func:`~poolviz.render.figure.look.dress` will make them. Without the Axes and the two
    axes a colour bar makes, it took a third of the time grad's figure took to build and
    measure."""
    lo, hi = float(norm.vmin), float(norm.vmax)  # type: ignore[arg-type]
    bar.set_xlim(0, 1)
    bar.set_ylim(lo, hi)
    colours = matplotlib.colormaps[cmap]
    edges = np.linspace(lo, hi, colours.N + 1)
    bands = [[(0, a), (1, a), (1, b), (0, b)] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    bands_drawn = PolyCollection(
        bands, facecolors=colours(np.arange(colours.N)), edgecolors="none", antialiased=False
    )
    bands_drawn.set_rasterized(True)  # one image in an SVG or PDF, as matplotlib's colour bar
    bar.add_collection(bands_drawn)
    figure = bar.figure  # a figure or a subfigure, both with the page's dpi
    assert figure is not None
    size = BAR_WORDS * font_scale
    length = bar.bbox.height / figure.dpi * 72  # points
    # matplotlib's AutoLocator: as many ticks as labels two sizes apart fit, 9 at most
    locator = MaxNLocator(nbins=max(1, min(int(length // (2 * size)), 9)), steps=[1, 2, 2.5, 5, 10])
    slack = 1e-10 * (hi - lo)
    ticks = [float(v) for v in locator.tick_values(lo, hi) if lo - slack <= v <= hi + slack]
    formatter = ScalarFormatter()
    formatter.create_dummy_axis()
    formatter.axis.set_view_interval(lo, hi)  # type: ignore[union-attr]
    names = formatter.format_ticks(ticks)
    side = blended_transform_factory(bar.transAxes, bar.transData)
    axis: dict[str, Any] = {"color": "#000000", "gid": AXIS_GID}
    frame = Rectangle((0, 0), 1, 1, transform=bar.transAxes, fill=False, linewidth=0.8)
    marks = Line2D([1] * len(ticks), ticks, linestyle="none", transform=side)
    marks.set(marker=TICKRIGHT, markersize=BAR_TICK, markeredgewidth=0.8)
    for line in (frame, marks):
        line.set(**axis)
        bar.add_artist(line, clip=False)
    words: dict[str, Any] = {"fontsize": BAR_WORDS, "ha": "left", **axis}
    beside = _shifted(side, bar, 2 * BAR_TICK, 0)
    for tick, name in zip(ticks, names, strict=True):
        bar.text(1, tick, name, transform=beside, va="center_baseline", **words)
    offset = formatter.get_offset()
    if offset:  # over the bar, right-aligned, as matplotlib puts an axis' offset
        lifted = _shifted(bar.transAxes, bar, 0, 3)
        bar.text(1, 1, offset, transform=lifted, **{**words, "ha": "right"})
    widest = max((text_inches(name, size) for name in names), default=0.0) * 72
    out = _shifted(bar.transAxes, bar, 2 * BAR_TICK + widest + BAR_LABEL_PAD, 0)
    turned: dict[str, Any] = {"rotation": 90, "rotation_mode": "anchor", "va": "top"}
    bar.text(1, 0.5, label, transform=out, ha="center", fontsize=BAR_WORDS, **turned)


def _shifted(transform: Transform, on: Artist, right: float, up: float) -> Transform:
    """``transform`` moved ``right`` and ``up`` points on the page of ``on`` (an axes or a
    figure), whatever the data scale."""
    page = on if isinstance(on, Figure) else on.figure
    assert page is not None
    return transform + ScaledTranslation(right / 72, up / 72, page.dpi_scale_trans)


def arrow_panel(ax: Axes, label: str, *, down: bool = False) -> None:
    """Turn ``ax``, a panel between two others, into a labelled arrow across its middle:
    rightwards (downwards with ``down``, for panels stacked in a column)."""
    ax.set_axis_off()
    start, end = ((0.45, 0.9), (0.45, 0.1)) if down else ((0.1, 0.5), (0.9, 0.5))
    draw_arrow(ax, label, start, end, ax.transAxes)


def _draw_indices(
    ax: Surface,
    h: int,
    w: int,
    origin: tuple[int, int],
    hatched: np.ndarray | None,
    beyond: np.ndarray | None,
    unclipped: dict[str, Any],
) -> float:
    """Write the input index of every column above and of every row left of the cells, and
    return the height of the column labels' band in points.

    They are texts, not tick labels: matplotlib's ticks are five artists each, and drawing
    them took longer than drawing every cell of a small figure. ``unclipped`` gives the
    clip path they share in an Axes (:func:`draw_matrix`'s).
    """
    size = max(6.0, min(10.0, 120 / max(h, w)))
    columns = [_index(origin[1] + j, hatched, beyond, None, j) for j in range(w)]
    rows = [_index(origin[0] + i, hatched, beyond, i, None) for i in range(h)]
    upright = max(len(t) for t in columns) <= 2  # longer indices (a zoomed inset) collide
    above = _shifted(ax.transData, ax, 0, INDEX_PAD)
    left = _shifted(ax.transData, ax, -INDEX_PAD, 0)
    label: dict[str, Any] = {"fontsize": size, "color": INDEX_COLOUR, "gid": INDEX_GID, **unclipped}
    for j, text in enumerate(columns):
        ax.text(
            j + 0.5,
            0,
            text,
            transform=above,
            ha="center",
            va="bottom",
            **label,
            rotation=0 if upright else 90,
        )
    for i, text in enumerate(rows):
        ax.text(0, i + 0.5, text, transform=left, ha="right", va="center", **label)
    tallest = size if upright else DIGIT_EM * size * max(len(t) for t in columns)
    return INDEX_PAD + tallest


def _index(
    k: int,
    hatched: np.ndarray | None,
    beyond: np.ndarray | None,
    row: int | None,
    col: int | None,
) -> str:
    """An index label: the input index, ``p`` for a row or column of padding alone, nothing
    for one past the padding."""
    for mask, label in ((beyond, ""), (hatched, "p")):
        if mask is not None:
            line = mask[row, :] if row is not None else mask[:, col]
            if line.all():
                return label
    return str(k)


def drawable(values: np.ndarray) -> np.ndarray:
    """``values`` as floats within ±:data:`DRAWABLE`, for drawing; NaN stays NaN."""
    return np.clip(np.asarray(values, dtype=np.float64), -DRAWABLE, DRAWABLE)


def value_norm(*planes: np.ndarray) -> Normalize:
    """One colour scale over the finite values of ``planes`` (0 to 1 when there are none),
    within ±:data:`DRAWABLE`."""
    finite = np.concatenate([drawable(p[np.isfinite(p)]).ravel() for p in planes])
    if finite.size == 0:
        return Normalize(0, 1)
    lo, hi = float(finite.min()), float(finite.max())
    return Normalize(lo, hi if hi > lo else lo + 1)


def _fontsize(chars: int, side: int) -> float:
    """Points that fit ``chars`` characters in a cell of a grid ``side`` cells wide, as drawn
    by the figures here (cells of about 0.5 inch)."""
    cell_points = 36 if side <= 8 else 30 if side <= 14 else 22
    return float(max(5.0, min(14.0, cell_points / max(1, chars) * 1.6)))


def cell_inches(side: int) -> float:
    """Displayed size of one cell for a grid ``side`` cells across."""
    return 0.5 if side <= 8 else 0.42 if side <= 14 else 0.3 if side <= MAX_NUMBERED else 0.0


def plane_cells(shapes: Sequence[tuple[int, int]]) -> list[float]:
    """Each plane's cell size in inches, for planes of ``shapes`` drawn in one row: one size
    for all while every plane shows numbers; else the others keep the size their own numbers
    need, and a plane too large for numbers is a picture as large as the largest of them (at
    least 3.2 inches across, as grad draws one)."""
    sides = [max(shape) for shape in shapes]
    if cell_inches(max(sides)):
        return [cell_inches(max(sides))] * len(shapes)
    picture = max([3.2] + [side * cell_inches(side) for side in sides])
    return [cell_inches(side) or picture / side for side in sides]
