"""How wide a line of text is when drawn, in points or inches, without drawing it: a layout
that places hundreds of words (the trace figure's) asks this far more often than it draws."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.path import Path
from matplotlib.textpath import text_to_path

_OUTLINES: dict[str, tuple[np.ndarray, np.ndarray]] = {}
"""Each glyph's outline met so far, by matplotlib's name for it (font and glyph index): a
table of lines repeats its characters, and making an outline took most of a line's time."""
_INK: dict[str, tuple[float, float] | None] = {}
"""Each of those glyphs' ink from left to right, from its origin at matplotlib's size for
outlines; None for a glyph without ink (a space)."""


def text_inches(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` (its longest line) in inches at ``size`` points."""
    widths = [line_points(line, size, bold) for line in text.splitlines() if line.strip()]
    return max(widths, default=0.0) / 72


@lru_cache(maxsize=1024)
def line_points(line: str, size: float, bold: bool) -> float:
    """The drawn width of one line of text in points, as ``TextPath(...).get_extents()``
    measures it: from the leftmost ink to the rightmost, the glyphs placed as matplotlib
    lays them out, each glyph's ink found once (VGG16's figure measures 79 lines made of
    48 glyphs: 58 ms as whole TextPaths, 21 now)."""
    font = get_font(findfont(FontProperties(weight="bold" if bold else "normal")))
    font.set_size(text_to_path.FONT_SCALE, text_to_path.DPI)
    placed, new, _ = text_to_path.get_glyphs_with_font(
        font, line, glyph_map=_OUTLINES, return_new_glyphs_only=True
    )
    for name, (vertices, codes) in new.items():
        _OUTLINES[name] = (vertices, codes)
        _INK[name] = ink_extent(np.asarray(vertices)[:, 0], np.asarray(codes))
    spans = [(x + ink[0], x + ink[1]) for name, x, _, _ in placed if (ink := _INK[name])]
    if not spans:
        return 0.0
    left, right = min(lo for lo, _ in spans), max(hi for _, hi in spans)
    return (right - left) * size / text_to_path.FONT_SCALE


def ink_extent(x: np.ndarray, codes: np.ndarray) -> tuple[float, float] | None:
    """The least and greatest x of a glyph outline (None when it has no points), as
    ``Path.get_extents`` finds them: over the points on the outline and each curve's
    turning point; for an outline of lines and quadratic curves (a TrueType font's) without
    a Python loop over its curves (that loop was 5 ms a line of VGG16's figure)."""
    if x.size == 0:
        return None
    if (codes == Path.CURVE4).any():
        box = Path(np.column_stack((x, np.zeros_like(x))), codes).get_extents()
        return float(box.x0), float(box.x1)
    curve = codes == Path.CURVE3
    on = np.isin(codes, (Path.MOVETO, Path.LINETO))
    # a curve is a (control, end) pair after the point it starts from: in a run of CURVE3
    # codes the even places are controls, the odd ones ends (which lie on the outline)
    start = curve & ~np.r_[False, curve[:-1]]
    place = np.arange(codes.size) - np.maximum.accumulate(np.where(start, np.arange(codes.size), 0))
    control = np.flatnonzero(curve & (place % 2 == 0))
    on |= curve & (place % 2 == 1)
    x0, x1, x2 = x[control - 1], x[control], x[control + 1]
    bend = x0 - 2 * x1 + x2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x0 - x1) / bend
    inside = (bend != 0) & (t > 0) & (t < 1)
    t, x0, x1, x2 = t[inside], x0[inside], x1[inside], x2[inside]
    turns = (1 - t) ** 2 * x0 + 2 * t * (1 - t) * x1 + t**2 * x2
    points = np.concatenate((x[on], turns))
    return (float(points.min()), float(points.max())) if points.size else None
