"""The terminal picture's character ramp (the path NO_COLOR and --ascii take)."""

from __future__ import annotations

import numpy as np

from poolviz.render.terminal.grid import picture


def test_ramp_spans_the_planes_finite_range_and_marks_the_rest() -> None:
    plane = np.array([[0, 1, 2, np.nan], [3, 4, 5, np.inf]], dtype=float)
    # row means 1.5, 2.5, 3.5 on 0..5 -> levels 3, 5, 6 of " .:-=+*#%@"; NaN/inf cells '?'
    assert picture(plane, 80, colour=False, ascii_only=True).plain == "-+*?"


def test_a_plane_far_taller_than_wide_is_shrunk_to_max_width_rows() -> None:
    plane = np.repeat(np.arange(20_000, dtype=float)[:, None], 3, axis=1)
    lines = picture(plane, 80, colour=False, ascii_only=True).plain.split("\n")
    assert len(lines) == 80  # blocks of 125 rows, two blocks a line
    assert (lines[0], lines[-1]) == (" ", "@")
    assert (
        len(picture(np.zeros((320, 2)), 80, colour=True, ascii_only=False).plain.split("\n")) == 80
    )


def test_ramp_of_a_flat_or_empty_range() -> None:
    assert picture(np.full((2, 3), 7.0), 80, colour=False, ascii_only=True).plain == "   "
    assert picture(np.full((2, 3), np.nan), 80, colour=False, ascii_only=True).plain == "???"
