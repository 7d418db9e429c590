"""The figure of ``poolviz trace``: the model as a row of blocks sized by their shapes, and
each counterfactual (``drop``, ``strided``) in a row below it, aligned layer by layer, so a
reader sees where the shapes part.

Every shape, count and note comes from the :class:`~poolviz.model.trace.Report`; nothing is
recomputed. A feature map ``h x w x c`` is a slab: its front face ``h`` high and ``log2 c``
wide, its depth ``w``; a flat vector is a thin bar whose height grows with the log of its
length. Heights are linear in ``h`` while the largest map is at most :data:`LINEAR_UP_TO`
times the smallest, else logarithmic, the same scale for every row.

Layers that keep their input's shape and act on each value alone (BatchNorm, activations,
dropout) are drawn with the layer before them, and a residual block is drawn as one block:
a ResNet's sixty-odd rows would not fit a page legibly otherwise. The caption says so.

Layout (columns, cells, scales) is computed apart from drawing, in plain dataclasses
(:mod:`poolviz.render.figure.trace_layout`), and measured in inches: the one axes spans the
figure with one data unit per inch, so text sizes and block sizes add up exactly and no label
overlaps another. Texts are drawn at their natural size and measured at the size
``--font-scale`` will dress them to, so the layout leaves them the room they will take.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from poolviz.errors import PoolvizError
from poolviz.model.trace import Report, Trace
from poolviz.render.figure.look import TINT_GID
from poolviz.render.figure.text_width import text_inches
from poolviz.render.figure.trace_layout import (
    CATEGORIES,
    INPUT,
    ROW_TITLES,
    Block,
    Category,
    Cell,
    Column,
    Scale,
    band_spans,
    caption_text,
    cell,
    columns,
    figure_title,
    totals_text,
    wrap_name,
    wrap_words,
)
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.order import Order, ordered
from poolviz.render.style import OKABE_ITO, feature_text, pale

GAP = 0.2
"""Space between neighbouring columns."""
BAND_WIDTH = 13.0
"""Widest band of blocks before the columns wrap into another band below: a slide's width."""
BAND_GAP = 0.35
"""Space between two bands of blocks."""
NAME_SIZE, CONFIG_SIZE, SHAPE_SIZE, NOTE_SIZE = 8.0, 7.0, 8.0, 7.0
ROW_SIZE, TOTALS_SIZE, TITLE_SIZE, CAPTION_SIZE = 10.0, 8.0, 13.0, 8.0
LINE = 1.3 / 72
"""A line of text, in inches per point of font size."""
GREY, DARK_GREY, CHANGED = "#666666", "#333333", OKABE_ITO[5]
Corners = list[tuple[float, float]]
"""A polygon's corners in inches, in order."""
Dashes = tuple[float, ...]
"""A line's dashes and gaps in points, as many times its width; ``()`` for a solid line."""
PLACED: dict[str, Any] = {"in_layout": False}
"""For the words :func:`_plan` placed within the page (columns' names, shapes and notes, rows'
titles and totals): the page is the one axes' box, which holds them, so saving need not
measure them to find the figure's extent (VGG16's figure has 150 of them). Words placed by
estimate are still measured: the title (a ``--title`` can be wider than the page), the legend
and the caption."""


def _darker(colour: str, amount: float) -> str:
    """``colour`` mixed with black: the shaded side and the edges of a slab."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(v * (1 - amount)) for v in (r, g, b)))


def _lines(text: str) -> int:
    return len(text.splitlines()) if text else 0


# Drawing.


def trace_figure(
    report: Report,
    *,
    title: str | None = None,
    aspect: str = "auto",
    panel: str | None = None,
    order: Order = "nhwc",
    font_scale: float = 1.0,
) -> Figure:
    """The original model in one row of blocks and each counterfactual in a row below,
    aligned by layer; per row its totals at the right; a legend and a caption. A deep model
    wraps into bands of blocks :data:`BAND_WIDTH` wide (``aspect`` ``tall``) or stays in one
    band (``wide``; ``auto`` picks it when the bands would be taller than wide). ``panel``
    ``original`` draws the model alone, ``drop`` or ``strided`` the model and that
    counterfactual. Shapes are written in ``order`` (``nchw``: C x H x W). The layout
    leaves room for words ``font_scale`` times their size, as ``--font-scale`` dresses them."""
    traces = (report.original, *report.compare)
    if panel is not None:
        chosen = [t for t in report.compare if t.label == panel]
        if panel != "original" and not chosen:
            have = " ".join(["original", *(t.label for t in report.compare)])
            raise PoolvizError(f"--panel {panel} is not among this trace's rows; use {have}")
        traces = (report.original, *chosen)
    if aspect == "auto":  # decided with words at their natural size: larger words keep it
        plan = _plan(report, traces, title, BAND_WIDTH, order, 1.0)
        aspect = "wide" if plan.height > plan.width else "tall"
        if aspect == "tall" and font_scale == 1.0:
            return _draw(plan)
    if aspect == "wide":
        return _draw(_plan(report, traces, title, math.inf, order, font_scale))
    return _draw(_plan(report, traces, title, BAND_WIDTH * font_scale, order, font_scale))


@dataclass(frozen=True)
class _Band:
    """Where one band of blocks goes, in inches from the top of the page (y = 0, down is
    negative)."""

    lo: int
    hi: int
    """Its columns are ``[lo, hi)``."""
    centres: dict[int, float]
    """Each column's centre across."""
    top: float
    """Its top, where the columns' stripes start."""
    names: float
    """The foot of the columns' names."""
    rows: tuple[float, ...]
    """The top of each trace's row."""
    end: float
    """Its foot."""


@dataclass(frozen=True)
class _Plan:
    """A trace figure laid out before anything is drawn: what :func:`_draw` draws, where,
    and its page, ``width`` x ``height`` inches (``trace_figure`` picks a shape by it)."""

    traces: tuple[Trace, ...]
    title: str
    order: Order
    f: float
    """Room is left for words ``f`` times their size."""
    cols: list[Column]
    cells: list[list[Cell]]
    scale: Scale
    heads: list[tuple[str, str]]
    notes: list[list[str]]
    widths: list[float]
    row_titles: list[tuple[str, str]]
    totals: list[str]
    left: float
    """Where the blocks start: right of the row titles."""
    above: float
    """Room above a row's middle for its blocks' faces and tops."""
    below: float
    """Room below a row's middle for its blocks' faces."""
    legend: float
    """The top of the legend."""
    bands: tuple[_Band, ...]
    caption: str
    caption_top: float
    width: float
    height: float


def _plan(
    report: Report,
    traces: tuple[Trace, ...],
    title: str | None,
    band_width: float,
    order: Order,
    f: float,
) -> _Plan:
    """:func:`trace_figure`'s layout for ``traces``, in bands at most ``band_width`` inches
    wide, with room for words ``f`` times their size."""
    cols = columns(report.original)
    cells = [[cell(t, c, report.original) for c in cols] for t in traces]
    scale = Scale.of([c.shape for row in cells for c in row if c.shape is not None])
    heads = [(wrap_name(c.label), wrap_words(c.config)) for c in cols]
    notes = [
        [wrap_words(c.note) if c.note and c.state != "invalid" else "" for c in row]
        for row in cells
    ]
    blocks = [scale.block(c.shape) for row in cells for c in row if c.shape is not None]
    widths = column_widths(heads, cells, notes, scale, order, f)
    row_titles = [ROW_TITLES.get(t.label, (t.label, "")) for t in traces]
    left = (
        max(
            max(text_inches(a, ROW_SIZE * f, True), text_inches(b, (NOTE_SIZE + 1) * f))
            for a, b in row_titles
        )
        + 0.3
    )
    totals = [totals_text(report, t) for t in traces]
    spans = band_spans(widths, band_width)
    band_width = max(sum(widths[lo:hi]) for lo, hi in spans)
    width = left + band_width + max(text_inches(t, TOTALS_SIZE * f) for t in totals) + 0.3
    # every block's face is centred on its row's middle: room above for the highest top
    # face, below for the lowest front face
    above = max(b.height / 2 + b.depth for b in blocks)
    below = max(b.height / 2 for b in blocks)

    # Top to bottom from y = 0 downwards; the height is known at the end.
    legend = -(TITLE_SIZE * f * LINE + 0.1)
    y = legend - 0.16 * max(f, 1.0) - 0.25
    bands = []
    for lo, hi in spans:
        if lo:
            y -= BAND_GAP
        top = y
        names, y = _header_lines(heads[lo:hi], y, f)
        y -= 0.15
        rows = []
        for i in range(len(traces)):
            rows.append(y)
            middle = y - 0.05 - above
            bottom = middle - below
            label_lines = 1 + max((_lines(notes[i][j]) for j in range(lo, hi)), default=0)
            y = bottom - 0.05 - label_lines * SHAPE_SIZE * f * LINE - 0.25
        centres = {j: left + sum(widths[lo:j]) + widths[j] / 2 for j in range(lo, hi)}
        bands.append(_Band(lo, hi, centres, top, names, tuple(rows), y))
    caption = "\n".join(
        textwrap.fill(
            line, max(40, int(width * 72 / (CAPTION_SIZE * f * 0.6))), subsequent_indent="  "
        )
        for line in caption_text(report, cols, scale, order).splitlines()
    )
    height = -y + _lines(caption) * CAPTION_SIZE * f * LINE * 1.05 + 0.1
    return _Plan(
        traces=traces,
        title=title or figure_title(report, order),
        order=order,
        f=f,
        cols=cols,
        cells=cells,
        scale=scale,
        heads=heads,
        notes=notes,
        widths=widths,
        row_titles=row_titles,
        totals=totals,
        left=left,
        above=above,
        below=below,
        legend=legend,
        bands=tuple(bands),
        caption=caption,
        caption_top=y,
        width=width,
        height=height,
    )


class _Shapes:
    """Polygons gathered to be drawn as one collection per hatch and line style (VGG16's
    trace has 189: as an artist each, they took 14 ms more to make and 6 to draw). Hatched
    ones are drawn first, so a block's hatched front face is still drawn before its top and
    side, as when each was an artist; blocks do not overlap one another."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, Dashes], list[tuple[Corners, str, str, float]]] = {}
        """By hatch (``""``: none) and dashes (``()``: a solid line): each polygon's corners,
        face and edge colours, and edge width."""

    def add(
        self,
        corners: Corners,
        face: str,
        edge: str,
        width: float = 0.7,
        hatch: str | None = None,
        dashes: Dashes = (),
    ) -> None:
        """One polygon, drawn after those added before it with its hatch and dashes."""
        self.groups.setdefault((hatch or "", dashes), []).append((corners, face, edge, width))

    def draw(self, ax: Axes, zorder: float = 1.0, gid: str | None = None) -> None:
        """Every polygon gathered, as collections of ``ax`` at ``zorder`` (with ``gid``); the
        data limits are left alone (they would grow with each polygon's extent)."""
        for hatch, dashes in sorted(self.groups, key=lambda key: key[0] == ""):
            corners, faces, edges, widths = zip(*self.groups[hatch, dashes], strict=True)
            ax.add_collection(
                PolyCollection(
                    corners,
                    facecolors=faces,
                    edgecolors=edges,
                    linewidths=widths,
                    linestyle=(0, dashes) if dashes else "solid",
                    hatch=hatch or None,
                    zorder=zorder,
                    joinstyle="miter",  # as a Rectangle's or Polygon's corners
                    gid=gid,
                ),
                autolim=False,
            )


def _rectangle(x: float, y: float, width: float, height: float) -> Corners:
    """The corners of a rectangle from its lower left ``(x, y)``, as a Rectangle's path."""
    return [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]


def _draw(p: _Plan) -> Figure:
    """The figure :func:`_plan` laid out."""
    fig = UnhintedFigure()
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.text(0.0, 0.0, p.title, fontsize=TITLE_SIZE, fontweight="bold", va="top", ha="left")
    used = {c.category for c in p.cols}
    shapes, stripes = _Shapes(), _Shapes()
    _legend(ax, shapes, [c for c in CATEGORIES if c in used], p.left, p.legend, p.f)
    for band in p.bands:
        lo, hi, centres = band.lo, band.hi, band.centres
        _header(ax, p.heads[lo:hi], list(centres.values()), band.names)
        for i, (t, y) in enumerate(zip(p.traces, band.rows, strict=True)):
            if i:
                ax.plot([0.0, p.width - 0.1], [y + 0.1, y + 0.1], color="#DDDDDD", linewidth=0.8)
            middle = y - 0.05 - p.above
            bottom = middle - p.below
            for j, x in centres.items():
                _draw_cell(
                    ax,
                    shapes,
                    p.cells[i][j],
                    p.cols[j],
                    p.scale,
                    x,
                    middle,
                    bottom,
                    p.notes[i][j],
                    p.cells[0][j],
                    p.order,
                    p.f,
                )
            heading, what = p.row_titles[i]
            ax.text(
                0.0,
                middle + 0.02,
                heading,
                fontsize=ROW_SIZE,
                fontweight="bold",
                ha="left",
                va="bottom",
                **PLACED,
            )
            ax.text(
                0.0,
                middle - 0.02,
                what,
                fontsize=NOTE_SIZE + 1,
                color=GREY,
                ha="left",
                va="top",
                linespacing=1.15,
                **PLACED,
            )
            if hi == len(p.cols):  # the totals once, after the model's last layer
                ax.text(
                    p.left + sum(p.widths[lo:hi]) + 0.15,
                    middle,
                    p.totals[i],
                    fontsize=TOTALS_SIZE,
                    ha="left",
                    va="center",
                    linespacing=1.4,
                    color=CHANGED if t.problem is not None else "#000000",
                    **PLACED,
                )
        stripe_top, y = band.top + 0.08, band.end
        for j in range(lo + 1 - lo % 2, hi, 2):  # faint stripes carry the eye down each column
            corners = _rectangle(
                centres[j] - p.widths[j] / 2, y + 0.15, p.widths[j], stripe_top - y - 0.15
            )
            stripes.add(corners, "#F4F4F4", "none", width=1.0)
    stripes.draw(ax, zorder=-1, gid=TINT_GID)
    shapes.draw(ax)
    ax.text(
        0.0,
        p.caption_top,
        p.caption,
        fontsize=CAPTION_SIZE,
        color=DARK_GREY,
        ha="left",
        va="top",
        linespacing=1.35,
    )
    fig.set_size_inches(p.width, p.height)
    ax.set_xlim(0.0, p.width)
    ax.set_ylim(-p.height, 0.0)
    return fig


def column_widths(
    heads: Sequence[tuple[str, str]],
    cells: Sequence[Sequence[Cell]],
    notes: Sequence[Sequence[str]],
    scale: Scale,
    order: Order = "nhwc",
    f: float = 1.0,
) -> list[float]:
    """Each column's width in inches: its widest block or label (words ``f`` times their
    size), bold where it may be bold, plus :data:`GAP`, so that no two labels can meet."""
    widths = []
    for j, (name, config) in enumerate(heads):
        sizes = [text_inches(name, NAME_SIZE * f, bold=True), text_inches(config, CONFIG_SIZE * f)]
        for row, row_notes in zip(cells, notes, strict=True):
            shape = row[j].shape
            if shape is not None:
                sizes.append(scale.block(shape).footprint)
            sizes += [
                text_inches(_shape_label(row[j], order), SHAPE_SIZE * f, bold=True),
                text_inches(row_notes[j], NOTE_SIZE * f),
            ]
        widths.append(max(sizes) + GAP)
    return widths


def _header_lines(heads: Sequence[tuple[str, str]], y: float, f: float) -> tuple[float, float]:
    """Where a band's column names end (their foot) and the y below their configurations,
    for a header from ``y`` down (words ``f`` times their size): names sit on one line
    across the columns, longer ones growing upwards; each configuration hangs below its
    name."""
    y -= max(_lines(n) for n, _ in heads) * NAME_SIZE * f * LINE
    return y, y - 0.03 - max(_lines(c) for _, c in heads) * CONFIG_SIZE * f * LINE


def _header(ax: Axes, heads: Sequence[tuple[str, str]], centres: Sequence[float], y: float) -> None:
    """Each column's name, its foot at ``y``, and its configuration below it."""
    for x, (name, config) in zip(centres, heads, strict=True):
        ax.text(
            x,
            y,
            name,
            fontsize=NAME_SIZE,
            fontweight="bold",
            ha="center",
            va="bottom",
            linespacing=1.15,
            **PLACED,
        )
        ax.text(
            x,
            y - 0.03,
            config,
            fontsize=CONFIG_SIZE,
            color=GREY,
            ha="center",
            va="top",
            linespacing=1.15,
            **PLACED,
        )


def _shape_label(c: Cell, order: Order) -> str:
    """The text under a block: its shape per sample, or what became of the layer."""
    if c.state == "invalid":
        return "does not fit"
    if c.shape is None:
        return "not reached" if c.state == "unreached" else ""
    return feature_text(ordered(c.shape, order))


def _draw_cell(
    ax: Axes,
    shapes: _Shapes,
    c: Cell,
    col: Column,
    scale: Scale,
    x: float,
    middle: float,
    bottom: float,
    note: str,
    original: Cell,
    order: Order,
    f: float,
) -> None:
    """One trace's block in one column (into ``shapes``), centred at ``x``, its face centred
    on ``middle``, with its shape and note below ``bottom`` (words ``f`` times their size)."""
    if c.shape is not None:
        _slab(shapes, scale.block(c.shape), col.category, x, middle)
    elif c.state == "gone" and original.shape is not None:
        _ghost(shapes, scale.block(original.shape), x, middle)
    label = _shape_label(c, order)
    bold = c.changed or c.state == "invalid"
    colour = CHANGED if bold else ("#000000" if c.shape is not None else GREY)
    ax.text(
        x,
        bottom - 0.05,
        label,
        fontsize=SHAPE_SIZE,
        ha="center",
        va="top",
        fontweight="bold" if bold else "normal",
        color=colour,
        fontstyle="normal" if c.shape is not None or bold else "italic",
        **PLACED,
    )
    if note:
        ax.text(
            x,
            bottom - 0.05 - SHAPE_SIZE * f * LINE,
            note,
            fontsize=NOTE_SIZE,
            ha="center",
            va="top",
            color=GREY,
            fontstyle="italic",
            linespacing=1.15,
            **PLACED,
        )


def _slab(shapes: _Shapes, b: Block, category: Category, x: float, middle: float) -> None:
    """A block: its front face (hatched for its category) and, when it has depth, a lit top
    and a shaded side, as a slab seen from above right."""
    x0 = x - b.footprint / 2
    y0 = middle - b.height / 2
    edge = _darker(category.colour, 0.45) if category is not INPUT else DARK_GREY
    shapes.add(_rectangle(x0, y0, b.width, b.height), category.colour, edge, hatch=category.hatch)
    if b.depth:
        d, x1, y1 = b.depth, x0 + b.width, y0 + b.height
        top = [(x0, y1), (x0 + d, y1 + d), (x1 + d, y1 + d), (x1, y1)]
        shapes.add(top, pale(category.colour, 0.35), edge)
        side = [(x1, y0), (x1 + d, y0 + d), (x1 + d, y1 + d), (x1, y1)]
        shapes.add(
            side, _darker(category.colour, 0.25) if category is not INPUT else "#DDDDDD", edge
        )


def _ghost(shapes: _Shapes, b: Block, x: float, middle: float) -> None:
    """The dashed outline of a block the counterfactual removed or folded away."""
    corners = _rectangle(x - b.footprint / 2, middle - b.height / 2, b.width, b.height)
    shapes.add(corners, "none", "#999999", width=0.9, dashes=(3, 2))


def _legend(
    ax: Axes, shapes: _Shapes, used: Sequence[Category], left: float, y: float, f: float
) -> None:
    """A swatch (into ``shapes``) and a name per category, in one line from ``left``, its top
    at ``y`` (names ``f`` times their size; :func:`_plan` leaves it 0.16 inches, more for
    larger words)."""
    x, middle = left, y - 0.08 * max(f, 1.0)
    for category in used:
        edge = DARK_GREY if category is INPUT else _darker(category.colour, 0.45)
        shapes.add(
            _rectangle(x, middle - 0.08, 0.26, 0.16), category.colour, edge, hatch=category.hatch
        )
        ax.text(x + 0.33, middle, category.label, fontsize=NOTE_SIZE + 1, va="center", ha="left")
        x += 0.33 + text_inches(category.label, (NOTE_SIZE + 1) * f) + 0.3
