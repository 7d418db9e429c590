"""The trace figure measures its text from glyph outlines without matplotlib's per-curve loop
(``render/figure/text_width.line_points``); the widths must be exactly matplotlib's own."""

from __future__ import annotations

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from poolviz.render.figure.text_width import line_points

LINES = [
    "conv2d_1  (None, 26, 26, 32)  320",
    "MaxPooling2D 2x2 · stride 2 → 13x13x32",
    "block5_pool (None, 7, 7, 512)",
    "receptive field 212x212 · jump 32",
    "Ωµ×÷±≤≥∞ — “quoted” (batch, channels, height, width)",
    "iiiii lllll WWWWW @@@@@ %%%%% 0123456789",
    "x",
]
"""Lines the built-ins' figures print, and glyphs with other curves (blank lines are never
measured: the figure skips them, as matplotlib cannot make an outline of nothing)."""


@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("line", LINES)
def test_line_width_is_matplotlibs_extent_width(line: str, bold: bool) -> None:
    font = FontProperties(weight="bold" if bold else "normal")
    expected = TextPath((0, 0), line, size=9.5, prop=font).get_extents().width
    assert line_points(line, 9.5, bold) == pytest.approx(expected, rel=0, abs=1e-9)
