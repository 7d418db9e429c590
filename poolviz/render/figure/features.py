"""``poolviz features -o``: the input, then each chosen channel before pooling (winners
marked) and after, on one colour scale per channel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from poolviz.features.capture import Capture
from poolviz.features.channels import ChannelView
from poolviz.features.run import Features
from poolviz.features.shifts import OUTPUT_NAME, ShiftTable
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.order import Order, ordered
from poolviz.render.style import OKABE_ITO, feature_text, percent
from poolviz.render.terminal.features import output_line

PER_ROW = 4
"""Channels per row of the figure (each a before and an after panel)."""
WINNER_COLOUR = OKABE_ITO[5]
CLIPPED = "\ncolours up to the 99th percentile of each map's positive values (brighter clipped)"
MARKS = (
    "\nwinners: the share of the map's positive mass they carry;"
    "\nmarked from a tenth of the largest value (flat windows, all one value, unmarked)"
)
MARKED_SIDE = 64
LARGE = 4096
"""Maps of more cells than this are drawn two channels a row, and coloured up to the
:data:`TOP_PERCENTILE` of their positive values (brighter cells clipped), so that their
weaker structure shows beside a few strong edges."""
TOP_PERCENTILE = 99
"""Largest map side whose winners are marked one by one; larger maps would be all dots."""


def channels_figure(
    result: Features,
    capture: Capture,
    channels: Sequence[ChannelView],
    title: str | None = None,
    cmap: str = "magma",
    order: Order = "nhwc",
) -> Figure:
    """The input and ``channels`` of ``capture``, before and after pooling, under ``title``;
    its shapes in ``order``."""
    h, w = capture.before.shape[:2]
    per_row = PER_ROW if h * w <= LARGE else 2
    rows = 1 + -(-len(channels) // per_row)
    cols = 2 * min(per_row, len(channels))
    side = 1.6 if h * w <= LARGE else 3.2
    fig = UnhintedFigure(figsize=(side * cols, side * min(1.0, h / w) * rows + 0.3 * rows))
    if title:
        fig.suptitle(title)
    grid = fig.add_gridspec(rows, cols, hspace=0.45, wspace=0.15)
    ax = fig.add_subplot(grid[0, 0:2])
    _input(ax, result)
    marked = max(capture.before.shape[:2]) <= MARKED_SIDE
    ax = fig.add_subplot(grid[0, 2:])
    ax.axis("off")
    ax.text(
        0.0,
        0.5,
        f"{result.graph.name}, node {capture.pool.name}\n{capture.pool.describe()}: "
        f"{feature_text(ordered(capture.before.shape, order))} → "
        f"{feature_text(ordered(capture.after.shape, order))}\n"
        f"{output_line(result.output)}\nengine vs model: {capture.check.verdict()}"
        + (MARKS if capture.indices is not None and marked else "")
        + ("" if capture.before.shape[0] * capture.before.shape[1] <= LARGE else CLIPPED),
        va="center",
        fontsize=8,
    )
    for k, view in enumerate(channels):
        r, c = 1 + k // per_row, 2 * (k % per_row)
        _channel(fig.add_subplot(grid[r, c]), fig.add_subplot(grid[r, c + 1]), view, cmap)
    return fig


def _input(ax: Axes, result: Features) -> None:
    image = result.image[0]
    if image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):  # NCHW
        image = image.transpose(1, 2, 0)
    lo, hi = float(image.min()), float(image.max())
    shown = (image - lo) / (hi - lo or 1.0)
    ax.imshow(shown[:, :, 0] if shown.shape[2] == 1 else shown, cmap="gray")
    ax.set_title("input", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def _channel(before: Axes, after: Axes, view: ChannelView, cmap: str) -> None:
    lo = float(min(np.nanmin(view.before), np.nanmin(view.after)))
    # a few strong cells (the sun's rim in a photo) would leave the rest of a large map black
    positive = view.before[view.before > 0]
    large = view.before.size > LARGE and positive.size > 0
    hi = float(np.percentile(positive, TOP_PERCENTILE)) if large else 0.0
    hi = hi if hi > lo else float(max(np.nanmax(view.before), np.nanmax(view.after)))
    before.imshow(view.before, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    after.imshow(view.after, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    if view.winners is not None and max(view.before.shape) <= MARKED_SIDE:
        ys, xs = np.nonzero(view.winners)
        before.scatter(xs, ys, s=4, c=WINNER_COLOUR, marker="s", linewidths=0)
    title = f"channel {view.channel}"
    if view.share is not None:
        title += f": winners {percent(view.share)}"
    before.set_title(title, fontsize=7, loc="left")
    after.set_title("pooled", fontsize=7)
    for ax in (before, after):
        ax.set_xticks([])
        ax.set_yticks([])


def shifts_figure(result: Features, table: ShiftTable, title: str | None = None) -> Figure:
    """Per pooling depth and the output: the share of values unchanged and the mean relative
    change against the shift, the top class's fate marked along the bottom."""
    fig = UnhintedFigure(figsize=(9.5, 3.8))
    unchanged, change = fig.subplots(1, 2)
    for k, row in enumerate(table.rows):
        colour = "#555555" if row.name == OUTPUT_NAME else OKABE_ITO[k % len(OKABE_ITO)]
        label = f"{row.depth}: {row.name}"
        style = {"color": colour, "marker": "o", "label": label}
        unchanged.plot(table.shifts, [100 * u for u in row.unchanged], **style)
        change.plot(table.shifts, row.change, **style)
    unchanged.set_ylim(-3, 103)
    unchanged.set_ylabel("values exactly unchanged (%)")
    change.set_ylabel("mean relative change")
    change.set_ylim(bottom=0)
    for ax in (unchanged, change):
        ax.set_xlabel(f"shift (pixels, {table.along})")
        ax.set_xticks(table.shifts)
        ax.grid(alpha=0.3)
    if table.top_class is not None:  # each shift's tick says whether the top class stayed
        ticks = [
            f"{amount}\n{'kept' if kept else 'lost'}"
            for amount, kept in zip(table.shifts, table.top_kept, strict=True)
        ]
        for ax in (unchanged, change):
            ax.set_xticklabels(ticks)
            ax.set_xlabel(f"shift (pixels, {table.along}) and the top class kept or lost")
            for label, kept in zip(ax.get_xticklabels(), table.top_kept, strict=True):
                label.set_color("#000000" if kept else "#D55E00")
    unchanged.legend(fontsize=7, loc="upper right")
    name = result.graph.name
    head = title or f"{name}: what a shift changes, by depth"
    if table.top_class is not None:
        head += f" (top class {table.top_class}: {sum(table.top_kept)} of {len(table.shifts)} kept)"
    fig.suptitle(head, fontsize=10)
    fig.tight_layout()
    return fig
