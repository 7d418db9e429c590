"""How wide a line of text is when drawn, in points or inches, without drawing it: a layout
that places hundreds of words (the trace figure's) asks this far more often than it draws."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath


def text_inches(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` (its longest line) in inches at ``size`` points."""
    widths = [line_points(line, size, bold) for line in text.splitlines() if line.strip()]
    return max(widths, default=0.0) / 72


@lru_cache(maxsize=1024)
def line_points(line: str, size: float, bold: bool) -> float:
    """The drawn width of one line of text in points, remembered: a table repeats its words
    (VGG16's figure measures 79 lines 168 times), and measuring one took half of the
    figure's time."""
    font = FontProperties(weight="bold" if bold else "normal")
    path = TextPath((0, 0), line, size=size, prop=font)
    if path.codes is None or (path.codes == Path.CURVE4).any():
        return float(path.get_extents().width)
    return ink_width(path.vertices[:, 0], path.codes)


def ink_width(x: np.ndarray, codes: np.ndarray) -> float:
    """The width of a glyph outline of lines and quadratic curves (a TrueType font's): as
    ``Path.get_extents().width`` computes it, over the points on the outline and each curve's
    turning point, without a Python loop over its curves (that loop was 5 ms a line of VGG16's
    figure, a third of its time)."""
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
    return float(points.max() - points.min()) if points.size else 0.0
