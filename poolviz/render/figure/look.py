"""How a finished figure is dressed for where it goes (a slide, a projector, a dark deck):
its page size, the size of its words and its theme, applied in one place for every figure.

Figures are drawn once, in the light theme at their natural size; :func:`dress` then changes
colours and text sizes, and :func:`page_box` the part of the page saved, so no figure module
needs to know about slides.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from poolviz.render.figure.sheet import Sheet, Surface

CELL_GID = "cell"
"""The gid of the numbers written inside a matrix's cells: fitted to their cells and coloured
against their fill, so :func:`dress` leaves them as they are."""

INDEX_GID = "index"
"""The gid of a matrix's row and column index labels: words that grow with the others, but
never past their cells (:func:`dress` keeps each within its row's or column's pitch)."""

TINT_GID = "tint"
"""The gid of a page's faint bands (the trace's column stripes): on a dark page they turn
:data:`DARK_TINT`, a shade lighter than the page, so the words on them stay light-on-dark."""

AXIS_GID = "axis"
"""The gid of an axis drawn by hand (a colour bar's frame, ticks and tick labels): on a dark
page :data:`DARK_QUIET`, as :func:`dress` paints an Axes' spines and ticks."""

THEMES = ("light", "dark")

DARK_BACKGROUND = "#1E1E1E"
DARK_TEXT = "#E8E8E8"
DARK_QUIET = "#B0B0B0"
DARK_TINT = "#2C2C2C"
"""Dark theme: the page, the words, the quieter words (index labels, captions) and the
faint bands (:data:`TINT_GID`)."""

PAD_INCHES = 0.1
"""The margin around a figure's drawn content (savefig's ``pad_inches``)."""


@dataclass(frozen=True)
class Look:
    """How to dress a figure: ``figsize`` (width, height) in inches or None for its natural
    size, ``font_scale`` times every word's size but the cells' numbers, and a theme."""

    figsize: tuple[float, float] | None = None
    font_scale: float = 1.0
    theme: str = "light"


def dress(fig: Figure, look: Look) -> None:
    """Scale ``fig``'s words by ``look.font_scale`` and paint it in ``look.theme``: on dark,
    the page, the words, axis lines and arrows turn light-on-dark, faint bands a shade
    lighter than the page; cells, pictures and window colours (the colour-blind-safe
    palette) are kept."""
    if look.font_scale == 1.0 and look.theme != "dark":
        return
    if fig.axes:  # a page of sheets alone has no ticks to make
        fig.draw_without_rendering()  # makes the ticks and colour-bar labels there are to dress
    axes = [a for a in fig.findobj(Axes) if isinstance(a, Axes)]
    sheets = [s for s in fig.findobj(Sheet) if isinstance(s, Sheet)]
    natural = _room(fig, axes)
    tick_sizes = [_tick_size(ax) for ax in axes]
    texts = [t for t in fig.findobj(Text) if isinstance(t, Text) and t.get_gid() != CELL_GID]
    for text in texts:
        text.set_fontsize(float(text.get_fontsize()) * look.font_scale)
    for ax, size in zip(axes, tick_sizes, strict=True):
        # ticks made at the next layout copy these settings, not the texts changed above
        ax.tick_params(which="both", labelsize=size * look.font_scale)
        # a title sits its pad above the axes, clearing index labels that have grown too
        pad = 72 * ax.titleOffsetTrans._t[1]  # type: ignore[attr-defined]
        ax._set_title_offset_trans(pad * look.font_scale)  # type: ignore[attr-defined]
    for sheet in sheets:
        sheet.set_title_pad(sheet.title_pad * look.font_scale)
    if look.font_scale != 1.0:
        # a layout engine places the axes around their words: lay them out again after the
        # words grew and after the indices shrank; a page placed by hand keeps its axes
        # where the layout above put them, and a text's extent is measured as it now is,
        # so it needs no more layouts (each took as long as drawing the figure: grad
        # --font-scale 1.5 was laid out four times before it was drawn)
        engine = fig.get_layout_engine() is not None
        if engine:
            _quietly_lay_out(fig)
        _fit_indices([*axes, *sheets], look.font_scale)
        if engine:
            _quietly_lay_out(fig)
        _make_room(fig, [*axes, *sheets])
        if engine:
            _grow_page(fig, natural, look.font_scale)
    if look.theme != "dark":
        return
    fig.set_facecolor(DARK_BACKGROUND)
    for band in fig.findobj(lambda artist: artist.get_gid() == TINT_GID):
        band.set_facecolor(DARK_TINT)  # type: ignore[attr-defined]
    for text in texts:
        text.set_color(_on_dark(text.get_color()))
    for line in fig.findobj(lambda artist: artist.get_gid() == AXIS_GID):
        line.set_color(DARK_QUIET)  # type: ignore[attr-defined]
    for artist in fig.findobj(FancyArrowPatch):
        assert isinstance(artist, FancyArrowPatch)
        artist.set_color(DARK_TEXT)
    for ax in axes:
        ax.set_facecolor(DARK_BACKGROUND)
        for spine in ax.spines.values():
            spine.set_edgecolor(DARK_QUIET)
        ax.tick_params(which="both", colors=DARK_QUIET)
    for legend in fig.findobj(Legend):  # its light words were on a white box
        assert isinstance(legend, Legend)
        legend.get_frame().set_facecolor(DARK_BACKGROUND)
        legend.get_frame().set_edgecolor(DARK_QUIET)


def _make_room(fig: Figure, axes: list[Surface]) -> None:
    """After words grew (``fig`` laid out since, if a layout engine places it): a panel title
    much wider than its panel goes on two lines (it would reach over its neighbours), and
    the figure's title rises above whatever grew under it."""
    for ax in axes:
        title = ax.title
        if title.get_window_extent().width > 1.5 * ax.bbox.width:
            title.set_text(_two_lines(title.get_text()))
    heading: Text | None = getattr(fig, "_suptitle", None)  # matplotlib has no public handle
    if heading is None or fig.get_layout_engine() is not None:
        return  # a layout engine makes room for the title itself
    bottom = heading.get_window_extent().y0
    tops = [t.get_window_extent().y1 for t in fig.findobj(Text) if _drawn(t) and t is not heading]
    tallest = max((top for top in tops if top < heading.get_window_extent().y1), default=bottom)
    if tallest + 4 > bottom:
        x, y = heading.get_position()
        heading.set_position((x, y + (tallest + 4 - bottom) / fig.bbox.height))


def _fit_indices(axes: list[Surface], font_scale: float) -> None:
    """Shrink grown index labels that no longer fit their cells (two-digit column numbers
    ran together over a zoomed grid's narrow cells), down to their natural size at most;
    ``axes`` laid out where they will be drawn."""
    for ax in axes:
        labels = [t for t in ax.texts if t.get_gid() == INDEX_GID and _drawn(t)]
        if not labels:
            continue
        origin, step = ax.transData.transform([(0, 0), (1, 1)])
        pitch = abs(step - origin)  # one cell across and down, in pixels
        need = max(  # a column's label across its cell, a row's down its cell
            t.get_window_extent().width / pitch[0]
            if t.get_verticalalignment() == "bottom"
            else t.get_window_extent().height / pitch[1]
            for t in labels
        )
        if need > 0.9:
            shrink = max(0.9 / need, 1 / font_scale)
            for t in labels:
                t.set_fontsize(float(t.get_fontsize()) * shrink)


def _two_lines(title: str) -> str:
    """``title`` with its longest line broken in two: at its `` · `` when it has one (between
    the two facts it joins), else at the space nearest its middle."""
    lines = title.split("\n")
    k = max(range(len(lines)), key=lambda n: len(lines[n]))
    line = lines[k]
    if " · " in line:
        lines[k] = line.replace(" · ", "\n", 1)
    elif " " in line:
        middle = len(line) / 2
        cut = min((n for n, c in enumerate(line) if c == " "), key=lambda n: abs(n - middle))
        lines[k] = line[:cut] + "\n" + line[cut + 1 :]
    return "\n".join(lines)


def _quietly_lay_out(fig: Figure) -> bool:
    """Lay ``fig`` out; whether its layout engine gave up (words left its axes no room:
    matplotlib warns "axes sizes collapsed to zero" and places nothing)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.draw_without_rendering()
    collapsed = [w for w in caught if "collapsed to zero" in str(w.message)]
    for other in caught:
        if other not in collapsed:
            warnings.warn(other.message, stacklevel=2)
    return bool(collapsed)


GROW_ROUNDS = 10
"""Most times :func:`_grow_page` lays a figure out again."""


def _room(fig: Figure, axes: list[Axes]) -> list[tuple[float, float]]:
    """Each axes' room in inches (width, height), as its layout gave it (before an equal
    aspect trimmed it)."""
    rooms = []
    for ax in axes:
        place = ax.figure.transSubfigure if ax.figure is not None else fig.transFigure
        box = ax.get_position(original=True).transformed(place)
        rooms.append((box.width / fig.dpi, box.height / fig.dpi))
    return rooms


def _grow_page(fig: Figure, natural: list[tuple[float, float]], most: float) -> None:
    """Enlarge the page of a figure its layout engine places, at most ``most`` times each
    way, until every axes has the room it had before the words grew (the engine gave their
    room to the words: cells shrank under their numbers, plots collapsed) and no two words
    overlap (the engine ignores a title's width: wide titles met their neighbours').

    Each round adds what is missing (aiming 2% over: the engine's answer moves a little from
    one layout to the next), in inches, divided by how fast the last round's
    growth closed it (the engine shares a larger page among several axes): a secant step.
    """
    start = fig.get_size_inches()
    axes = [a for a in fig.findobj(Axes) if isinstance(a, Axes)]
    before: tuple[np.ndarray, np.ndarray] | None = None
    for _ in range(GROW_ROUNDS):
        size = fig.get_size_inches()
        if _quietly_lay_out(fig):
            short = start * 0.25
        else:
            now = _room(fig, axes)
            short = np.array(
                [
                    max(
                        [1.02 * was[k] - is_[k] for was, is_ in zip(natural, now, strict=True)]
                        + [0.0]
                    )
                    for k in (0, 1)
                ]
            )
            short = np.maximum(short, _overlaps(fig) / fig.dpi)
        rate = np.ones(2)
        if before is not None:
            grew = size - before[0]
            closed = before[1] - short
            rate = np.where(grew > 0, np.clip(closed / np.maximum(grew, 1e-9), 0.05, 1.0), 1.0)
        step = np.where(short > 0.01, short / rate + 0.02, 0.0)
        grown = np.minimum(size + step, start * most)
        if np.allclose(grown, size, atol=0.005):
            return
        before = (size, short)
        fig.set_size_inches(*grown)


def _overlaps(fig: Figure) -> np.ndarray:
    """How far, in pixels, two of ``fig``'s words (all but cells' numbers) overlap at most:
    across, among words side by side, and down, among words one above the other."""
    boxes = np.array(
        [
            t.get_window_extent().extents
            for t in fig.findobj(Text)
            if _drawn(t) and isinstance(t, Text) and t.get_gid() != CELL_GID
        ]
    ).reshape(-1, 4)
    x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
    wide = np.minimum.outer(x1, x1) - np.maximum.outer(x0, x0)
    high = np.minimum.outer(y1, y1) - np.maximum.outer(y0, y0)
    clash = np.triu((wide > 1) & (high > 1), 1)
    # centres further apart across than down: the words sit side by side
    apart = np.abs(np.subtract.outer(x0 + x1, x0 + x1)) > np.abs(
        np.subtract.outer(y0 + y1, y0 + y1)
    )
    across = wide[clash & apart]
    down = high[clash & ~apart]
    return np.array([across.max(initial=0.0), down.max(initial=0.0)])


def _drawn(text: object) -> bool:
    """Whether ``text`` is a visible, non-empty text."""
    return isinstance(text, Text) and text.get_visible() and bool(text.get_text().strip())


def _tick_size(ax: Axes) -> float:
    """The points of ``ax``'s tick labels (matplotlib's default when it has none)."""
    for axis in (ax.xaxis, ax.yaxis):
        ticks = axis.get_major_ticks()
        if ticks:
            return float(ticks[0].label1.get_fontsize())
    return float(Text().get_fontsize())


def _on_dark(colour: object) -> str:
    """A word's colour on the dark page: dark greys and black become light (the quieter the
    word, the quieter its light), other colours are kept."""
    r, g, b = to_rgb(colour)  # type: ignore[arg-type]
    if max(r, g, b) - min(r, g, b) > 0.1:  # a hue: a window's or a warning's colour
        return to_hex((r, g, b)).upper()
    return DARK_TEXT if max(r, g, b) < 0.3 else DARK_QUIET


def page_box(fig: Figure, figsize: tuple[float, float], dpi: float) -> tuple[Bbox, float]:
    """The part of ``fig``'s page to save, and the dpi to save it at, so that the file has
    ``figsize``'s shape with the drawn content centred in it, scaled to fit: a PNG of
    round(W·dpi) x round(H·dpi) pixels."""
    fig.draw_without_rendering()  # lays the figure out, as savefig does before measuring
    tight = fig.get_tightbbox().padded(PAD_INCHES)
    # half a pixel more than the whole pixels wanted: the size in pixels is truncated
    width, height = ((round(side * dpi) + 0.5) / dpi for side in figsize)
    scale = max(tight.width / width, tight.height / height)  # saved inches per page inch
    cx, cy = (tight.x0 + tight.x1) / 2, (tight.y0 + tight.y1) / 2
    half_w, half_h = width * scale / 2, height * scale / 2
    return Bbox.from_extents(cx - half_w, cy - half_h, cx + half_w, cy + half_h), dpi / scale
