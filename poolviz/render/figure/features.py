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
from poolviz.render.style import OKABE_ITO, feature_text, percent
from poolviz.render.terminal.features import output_line

PER_ROW = 4
"""Channels per row of the figure (each a before and an after panel)."""
WINNER_COLOUR = OKABE_ITO[5]
MARKS = (
    "\nwinners: the share of the map's positive mass they carry;"
    "\nmarked from a tenth of the largest value (flat windows, all one value, unmarked)"
)
MARKED_SIDE = 64
"""Largest map side whose winners are marked one by one; larger maps would be all dots."""


def channels_figure(
    result: Features,
    capture: Capture,
    channels: Sequence[ChannelView],
    title: str | None = None,
    cmap: str = "magma",
) -> Figure:
    """The input and ``channels`` of ``capture``, before and after pooling, under ``title``."""
    rows = 1 + -(-len(channels) // PER_ROW)
    cols = 2 * min(PER_ROW, len(channels))
    fig = Figure(figsize=(1.6 * cols, 1.9 * rows))
    if title:
        fig.suptitle(title)
    grid = fig.add_gridspec(rows, cols, hspace=0.45, wspace=0.15)
    ax = fig.add_subplot(grid[0, 0:2])
    _input(ax, result)
    ax = fig.add_subplot(grid[0, 2:])
    ax.axis("off")
    ax.text(
        0.0,
        0.5,
        f"{result.graph.name}, node {capture.pool.name}\n{capture.pool.describe()}: "
        f"{feature_text(capture.before.shape)} → {feature_text(capture.after.shape)}\n"
        f"{output_line(result.output)}\nengine vs model: {capture.check.verdict()}"
        + (MARKS if capture.indices is not None else ""),
        va="center",
        fontsize=8,
    )
    for k, view in enumerate(channels):
        r, c = 1 + k // PER_ROW, 2 * (k % PER_ROW)
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
    hi = float(max(np.nanmax(view.before), np.nanmax(view.after)))
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
