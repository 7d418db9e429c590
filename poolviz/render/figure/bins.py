"""Uneven windows in a figure: each axis's windows as brackets beside the input grid (rows at
the right, columns below), stacked in lanes where they overlap, and the caption lines that
say which cells they read. Drawn only where the geometry lists its windows (adaptive and
fractional pooling); uniform windows show by their outlines alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.axes import Axes

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis
from poolviz.engine.worked import worked_windows

LANE = 0.45
"""Cells between two lanes of brackets."""
GAP = 0.25
"""Cells between the grid and the first lane."""
MAX_LANES = 4
"""More overlapping windows than this are left to the coverage map."""
MAX_BRACKETS = 24
"""An axis with more windows than this is left to the caption."""


def lanes(ax: Axis) -> list[int]:
    """For each window, the lane its bracket goes in: the first lane whose last bracket ends
    before the window starts, so overlapping windows never share a lane."""
    ends: list[int] = []
    lane_of = []
    for i in range(ax.out):
        start = ax.start(i)
        lane = next((k for k, end in enumerate(ends) if end < start), len(ends))
        if lane == len(ends):
            ends.append(-1)
        ends[lane] = start + ax.taps_of(i) - 1
        lane_of.append(lane)
    return lane_of


def _shown(ax: Axis) -> bool:
    return (
        ax.windows is not None
        and 0 < ax.out <= MAX_BRACKETS
        and max(lanes(ax), default=0) < MAX_LANES
    )


def bin_margin(result: PoolResult) -> tuple[float, float]:
    """Cells to leave right of the grid (row brackets) and below it (column brackets)."""

    def need(ax: Axis) -> float:
        return GAP + LANE * (max(lanes(ax)) + 1) + 0.35 if _shown(ax) else 0.0

    return need(result.rows), need(result.cols)


def draw_bins(ax: Axes, result: PoolResult, draw_grid: Callable[[], None]) -> None:
    """The input grid (``draw_grid`` draws it on ``ax``, with its padding ring), then a
    bracket for each listed window beside it, the axes' limits widened by
    :func:`bin_margin` and the grid's title kept over the grid."""
    draw_grid()
    top, left = result.rows.pad_before, result.cols.pad_before
    right, below = bin_margin(result)
    if (right, below) == (0.0, 0.0):
        return
    x0, x1 = ax.get_xlim()
    y1, y0 = ax.get_ylim()
    ax.set_xlim(x0, x1 + right)
    ax.set_ylim(y1 + below, y0)
    ax.title.set_x((x1 - x0) / 2 / (x1 + right - x0))
    style: dict[str, Any] = {
        "color": "#444444",
        "linewidth": 1.6,
        "clip_on": False,
        "solid_capstyle": "butt",
    }
    label: dict[str, Any] = {"fontsize": 8, "color": "#444444", "clip_on": False}
    if _shown(result.rows):
        for i, lane in enumerate(lanes(result.rows)):
            x = x1 + GAP + LANE * lane
            a = result.rows.start(i) + top + 0.12
            b = result.rows.start(i) + top + result.rows.taps_of(i) - 0.12
            ax.plot([x, x], [a, b], **style)
            ax.plot([x - 0.08, x, x, x - 0.08], [a, a, b, b], **style)
            ax.text(x + 0.06, (a + b) / 2, str(i), ha="left", va="center", **label)
    if _shown(result.cols):
        for j, lane in enumerate(lanes(result.cols)):
            y = y1 + GAP + LANE * lane
            a = result.cols.start(j) + left + 0.12
            b = result.cols.start(j) + left + result.cols.taps_of(j) - 0.12
            ax.plot([a, a, b, b], [y - 0.08, y, y, y - 0.08], **style)
            ax.text((a + b) / 2, y + 0.04, str(j), ha="center", va="top", **label)


def bins_caption(result: PoolResult) -> list[str]:
    """One line per axis (or one for both when alike): its windows' cells and what they add
    up to, e.g. ``rows and columns 5 → 3: 0..1, 1..3, 3..4; lengths 2 and 3; ...``."""
    lines = []
    for name, worked in worked_windows(result):
        ax = result.cols if name == "columns" else result.rows
        spans = ", ".join(
            f"{ax.start(i)}..{ax.start(i) + ax.taps_of(i) - 1}" for i in range(min(ax.out, 8))
        )
        more = f", … ({ax.out} in all)" if ax.out > 8 else ""
        sample = "" if ax.sample is None else f" (u = {ax.sample:.4f})"
        lines.append(f"{name} {ax.n} → {ax.out}{sample}: {spans}{more}; {worked.summary}")
    if lines and (bin_margin(result) != (0.0, 0.0)):
        lines.append("brackets: each window's rows (right) and columns (below), by number")
    return lines
