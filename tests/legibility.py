"""What a reader of a saved figure can read, measured on the drawn figure: every visible
text's size in points and extent in pixels (the renderer's ``get_window_extent``)."""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


@dataclass(frozen=True)
class Word:
    """One drawn text."""

    text: str
    points: float
    box: Bbox


def _inside(box: Bbox, within: Bbox) -> bool:
    """Whether ``box`` lies within ``within``, give or take a pixel."""
    return bool(
        within.x0 - 1 <= box.x0
        and box.x1 <= within.x1 + 1
        and within.y0 - 1 <= box.y0
        and box.y1 <= within.y1 + 1
    )


def words(fig: Figure) -> list[tuple[Word, Text]]:
    """Every visible, non-empty text of ``fig`` as drawn (the figure is drawn first)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    found = []
    hidden = _undrawn_tick_labels(fig)
    for text in fig.findobj(Text):
        assert isinstance(text, Text)
        if not text.get_visible() or not text.get_text().strip() or not _shown(text):
            continue
        if id(text) in hidden:
            continue
        box = text.get_window_extent(renderer)
        found.append((Word(text.get_text(), float(text.get_fontsize()), box), text))
    return found


def _undrawn_tick_labels(fig: Figure) -> set[int]:
    """The ids of tick labels matplotlib keeps but does not draw: ticks the locator placed
    outside the axes' view (a 120 above a 0-104 axis)."""
    undrawn = set()
    for ax in fig.findobj(Axes):
        assert isinstance(ax, Axes)
        for axis in (ax.xaxis, ax.yaxis):
            shown = axis.get_visible() and ax.axison
            ticks = axis._update_ticks() if shown else []  # (it makes ticks: not for hidden)
            drawn = {id(t) for tick in ticks for t in (tick.label1, tick.label2)}
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                undrawn |= {id(t) for t in (tick.label1, tick.label2) if id(t) not in drawn}
    return undrawn


def _shown(text: Text) -> bool:
    """Whether ``text`` and every artist holding it are visible."""
    artist = text
    while artist is not None:
        if not artist.get_visible():
            return False
        artist = getattr(artist, "axes", None) if artist is text else None
    return True


def problems(fig: Figure, page: Bbox | None = None, *, smallest: float = 7.0) -> list[str]:
    """What keeps ``fig`` from being legible: a text under ``smallest`` points, a text cut
    off (by its axes' clip box, or reaching outside ``page``, the part of the page saved, in
    inches), and two texts that overlap (by more than a pixel each way)."""
    found = words(fig)
    out = []
    saved = None if page is None else page.transformed(fig.dpi_scale_trans)
    for word, text in found:
        if word.points < smallest:
            out.append(f"{word.text!r} is {word.points:.1f} pt")
        clip = text.get_clip_box() if text.get_clip_on() else None
        for box in (clip, saved):
            if box is not None and not _inside(word.box, box):
                out.append(f"{word.text!r} is cut off")
    boxes = [w for w, _ in found]
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :]:
            overlap_x = min(a.box.x1, b.box.x1) - max(a.box.x0, b.box.x0)
            overlap_y = min(a.box.y1, b.box.y1) - max(a.box.y0, b.box.y0)
            if overlap_x > 1 and overlap_y > 1:
                out.append(f"{a.text!r} overlaps {b.text!r}")
    return out
