"""What an animation frame is painted with, in Pillow: its colours and fonts, and grids of
cells with numbers, hatching and ringed winners."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from poolviz.render.style import (
    ASCII,
    text_colour_on,
)

INK = "#222222"


GRID_LINE = "#C8C8C8"


MUTED = "#555555"


BLANK = "#FFFFFF"


HATCH = "#999999"


PAD_FILL = "#EEEEEE"


DROPPED_FILL = "#DDDDDD"


EMPTY = "#DEDEDE"
"""The darker squares of the checkerboard that stands for output still to come."""


WINDOW_TINT = 0.5
"""How much of its colour a window's cells take (over white)."""


DONE_TINT = 0.45
"""How much of its window's colour a computed output cell takes."""


FIGURE_FONTS = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
"""The figures' font (matplotlib's default, DejaVu Sans), regular and bold, as files in
matplotlib's data folder: found there without importing matplotlib."""


@lru_cache(maxsize=2)
def _font_file(bold: bool) -> str | None:
    """The path of the figures' font, or None when matplotlib is not installed."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / FIGURE_FONTS[bold]
    return str(path) if path.is_file() else None


@lru_cache(maxsize=64)
def font_of(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The figures' font (DejaVu Sans) at ``size`` pixels, so frames read as the figures
    do; Pillow's bundled font where matplotlib's is missing."""
    file = _font_file(bold)
    if file is None:
        return ImageFont.load_default(size=max(6, size))
    return ImageFont.truetype(file, max(6, size))


@lru_cache(maxsize=1)
def _missing_glyphs() -> dict[str, str]:
    """The glyphs poolviz uses that the bundled font lacks (drawn as boxes), with the plain
    spellings :data:`poolviz.render.style.ASCII` gives them."""

    def ink(glyph: str) -> bytes:
        image = Image.new("L", (40, 40))
        ImageDraw.Draw(image).text((4, 4), glyph, font=font_of(20), fill=255)
        return image.tobytes()

    notdef = ink("\uffff")
    return {glyph: plain for glyph, plain in ASCII.items() if ink(glyph) == notdef}


def drawable(text: str) -> str:
    """``text`` with the glyphs the bundled font cannot draw spelled plainly (−∞ as -inf)."""
    for glyph, plain in _missing_glyphs().items():
        text = text.replace(glyph, plain)
    return text


def to_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def text_width(text: str, size: int, bold: bool = False) -> int:
    return int(np.ceil(font_of(size, bold).getlength(text)))


def fit_font(texts: Iterable[str], width: float, height: float) -> int:
    """The largest font size (pixels) at which every text fits ``width`` x ``height``."""
    longest = max(texts, key=lambda t: font_of(20).getlength(t), default="0")
    size = max(6, int(height))
    while size > 6 and font_of(size).getlength(longest) > width:
        size -= 1
    return size


@dataclass(frozen=True)
class Cell:
    """One drawn cell."""

    text: str = ""
    fill: str = BLANK
    hatch: str | None = None
    """``pad`` (diagonal hatching), ``dropped`` (crossed), or None."""
    ringed: bool = False
    note: str = ""
    """Small words under the number (LP's x^p, blur's weight)."""


def draw_band(draw: ImageDraw.ImageDraw, box: Sequence[float], colour: str, width: int) -> None:
    """A thick outline in ``colour`` between thin dark lines, with a white line outside: it
    shows on light and dark fills alike, and its thickness marks the window without colour."""
    x0, y0, x1, y1 = box
    draw.rectangle((x0 - 1, y0 - 1, x1 + 1, y1 + 1), outline=BLANK, width=1)
    draw.rectangle((x0, y0, x1, y1), outline=INK, width=width + 2)
    draw.rectangle((x0 + 1, y0 + 1, x1 - 1, y1 - 1), outline=colour, width=width)
    edge = width + 1
    draw.rectangle((x0 + edge, y0 + edge, x1 - edge, y1 - edge), outline=INK, width=1)


def draw_hatch(draw: ImageDraw.ImageDraw, box: Sequence[float], step: int, crossed: bool) -> None:
    """Diagonal lines over ``box`` (both ways when ``crossed``)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = x1 - x0, y1 - y0
    for k in range(-h, w, max(3, step)):
        # clip the line y = x - k (from the box's corner) to the box
        a = (x0 + max(k, 0), y0 + max(-k, 0))
        b = (x0 + min(w, k + h), y0 + min(h, w - k))
        draw.line((a, b), fill=HATCH, width=1)
        if crossed:
            draw.line(((a[0], y1 - (a[1] - y0)), (b[0], y1 - (b[1] - y0))), fill=HATCH, width=1)


def draw_cells(
    draw: ImageDraw.ImageDraw,
    origin: tuple[int, int],
    cell: int,
    cells: Sequence[Sequence[Cell]],
    font_size: int,
    note_size: int = 0,
) -> None:
    """A grid of cells from ``origin`` (top-left, pixels), each ``cell`` pixels square:
    fills, hatching, centred numbers in a contrasting colour, winners ringed, and a cell's
    note (at ``note_size``) under its number, which then moves up."""
    x0, y0 = origin
    font = font_of(font_size)
    small = font_of(note_size) if note_size else font
    ring = max(2, round(cell * 0.05))
    for i, row in enumerate(cells):
        for j, c in enumerate(row):
            box = (x0 + j * cell, y0 + i * cell, x0 + (j + 1) * cell, y0 + (i + 1) * cell)
            draw.rectangle(box, fill=c.fill, outline=GRID_LINE, width=1)
            if c.hatch is not None:
                draw_hatch(draw, box, cell // 5, crossed=c.hatch == "dropped")
            if not c.text:
                continue
            cx, cy = box[0] + cell / 2, box[1] + cell / 2
            if c.note:
                at = (cx, box[1] + cell * 0.93)
                if c.hatch:
                    left, top, right, bottom = draw.textbbox(at, c.note, font=small, anchor="md")
                    draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=c.fill)
                shade = MUTED if c.hatch else text_colour_on(c.fill)
                draw.text(at, c.note, font=small, fill=shade, anchor="md")
                cy -= cell * 0.12
            colour = MUTED if c.hatch else text_colour_on(c.fill)
            if c.hatch:  # a clear patch behind the number, so hatching never crosses it
                left, top, right, bottom = draw.textbbox((cx, cy), c.text, font=font, anchor="mm")
                draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=c.fill)
            if c.ringed:
                # a square around the number, as the figures ring a winner; wider for long
                # numbers, inside the cell
                half = font.getlength(c.text) / 2
                rx = min(cell * 0.47, max(cell * 0.36, half + cell * 0.1))
                ry = cell * 0.36
                draw.rectangle((cx - rx, cy - ry, cx + rx, cy + ry), outline=INK, width=ring)
            draw.text((cx, cy), c.text, font=font, fill=colour, anchor="mm")


def fit_picture(w: int, h: int, box: int) -> tuple[int, int]:
    """Display size of a ``w`` x ``h`` picture in a ``box``-pixel square: a whole number
    of pixels per cell when it is enlarged (crisp cells), the long side ``box`` when it
    is reduced."""
    if max(w, h) <= box:
        k = box // max(w, h)
        return w * k, h * k
    f = box / max(w, h)
    return max(1, round(w * f)), max(1, round(h * f))


def shade(
    plane: np.ndarray, size: tuple[int, int], value_range: tuple[float, float], cmap: str | None
) -> Image.Image:
    """``plane`` as an RGB picture of ``size``, ``value_range`` (low, high) spanning black to
    white: block averages when reduced, cells as squares when enlarged; grey, or through
    ``cmap`` (matplotlib only then)."""
    lo, hi = value_range
    values = np.nan_to_num(plane, nan=lo, posinf=hi, neginf=lo)
    # levels in [0, 1] before resizing (box averages commute with this linear map);
    # halves, because hi - lo overflows for a range from -max to max
    span = hi / 2 - lo / 2
    level = np.clip((values / 2 - lo / 2) / (span or 1.0), 0.0, 1.0)
    image = Image.fromarray(level.astype(np.float32), mode="F")
    h, w = plane.shape
    method = Image.Resampling.BOX if size[0] < w or size[1] < h else Image.Resampling.NEAREST
    level = np.clip(np.asarray(image.resize(size, method), dtype=np.float64), 0.0, 1.0)
    if cmap is None:
        grey = (level * 255).round().astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    import matplotlib

    lut = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3]
    rgb = (lut[(level * 255).round().astype(int)] * 255).round().astype(np.uint8)
    return Image.fromarray(rgb, mode="RGB")
