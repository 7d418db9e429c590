"""How a finished figure is dressed for where it goes (a slide, a projector, a dark deck):
its page size, the size of its words and its theme, applied in one place for every figure.

Figures are drawn once, in the light theme at their natural size; :func:`dress` then changes
colours and text sizes, and :func:`page_box` the part of the page saved, so no figure module
needs to know about slides.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

CELL_GID = "cell"
"""The gid of the numbers written inside a matrix's cells: fitted to their cells and coloured
against their fill, so :func:`dress` leaves them as they are."""

THEMES = ("light", "dark")

DARK_BACKGROUND = "#1E1E1E"
DARK_TEXT = "#E8E8E8"
DARK_QUIET = "#B0B0B0"
"""Dark theme: the page, the words, and the quieter words (index labels, captions)."""

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
    the page, the words, axis lines and arrows turn light-on-dark; cells, pictures and window
    colours (the colour-blind-safe palette) are kept."""
    if look.font_scale == 1.0 and look.theme != "dark":
        return
    fig.draw_without_rendering()  # makes the ticks and colour-bar labels there are to dress
    axes = [a for a in fig.findobj(Axes) if isinstance(a, Axes)]
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
    if look.font_scale != 1.0:
        _make_room(fig, axes)
    if look.theme != "dark":
        return
    fig.set_facecolor(DARK_BACKGROUND)
    for text in texts:
        text.set_color(_on_dark(text.get_color()))
    for artist in fig.findobj(FancyArrowPatch):
        assert isinstance(artist, FancyArrowPatch)
        artist.set_color(DARK_TEXT)
    for ax in axes:
        ax.set_facecolor(DARK_BACKGROUND)
        for spine in ax.spines.values():
            spine.set_edgecolor(DARK_QUIET)
        ax.tick_params(which="both", colors=DARK_QUIET)


def _make_room(fig: Figure, axes: list[Axes]) -> None:
    """After words grew: a panel title much wider than its panel goes on two lines (it would
    reach over its neighbours), and the figure's title rises above whatever grew under it."""
    fig.draw_without_rendering()
    for ax in axes:
        title = ax.title
        words = title.get_text().split(" ")
        if len(words) > 1 and title.get_window_extent().width > 1.5 * ax.bbox.width:
            half = len(words) // 2
            title.set_text(" ".join(words[:half]) + "\n" + " ".join(words[half:]))
    heading: Text | None = getattr(fig, "_suptitle", None)  # matplotlib has no public handle
    if heading is None or fig.get_layout_engine() is not None:
        return  # a layout engine makes room for the title itself
    fig.draw_without_rendering()
    bottom = heading.get_window_extent().y0
    tops = [t.get_window_extent().y1 for t in fig.findobj(Text) if _drawn(t) and t is not heading]
    tallest = max((top for top in tops if top < heading.get_window_extent().y1), default=bottom)
    if tallest + 4 > bottom:
        x, y = heading.get_position()
        heading.set_position((x, y + (tallest + 4 - bottom) / fig.bbox.height))


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
