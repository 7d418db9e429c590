"""The figure of a pooling run: input with its windows, output in matching colours, formula."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis
from poolviz.render.figure.grid import (
    MAX_NUMBERED,
    Outline,
    cell_inches,
    draw_arrow,
    draw_matrix,
    drawable,
    value_norm,
)
from poolviz.render.style import format_values, outline_colour, pale, window_colour_at


def pool_figure(
    result: PoolResult,
    *,
    item: int = 0,
    channel: int | None = None,
    at: tuple[int, int] | None = None,
    title: str | None = None,
    cmap: str | None = None,
) -> Figure:
    """Input and output side by side: for small inputs the numbers with every window outlined
    in its own colour and line style, winners ringed, padding hatched and dropped cells
    crossed; for large ones the two pictures at the same displayed size."""
    padded_side = max(padded_shape(result))
    heading = title or _title(result)
    if padded_side <= MAX_NUMBERED:
        return _numbers(result, item, channel or 0, at, heading)
    return _pictures(result, item, channel, at, cmap or _default_cmap(result), heading)


def _title(result: PoolResult) -> str:
    from poolviz.render.style import config_line

    return config_line(result).replace("  ", ": ", 1)


def _default_cmap(result: PoolResult) -> str:
    return "gray" if result.input.shape[3] in (1, 3, 4) else "viridis"


OVERHANG_NOTE = "dotted: past the input, where ceil mode's last window hangs over (never read)"
"""The caption line for the cells :func:`frame_masks` calls beyond."""

_MARGIN = 0.45
"""Inches left of the input and right of the output: room for row indices."""

_GAP = 1.4
"""Inches between the input and the output grids, for the arrow."""


def padded_shape(result: PoolResult) -> tuple[int, int]:
    """Rows and columns of the input with its padding ring and, in ceil mode, the cells past
    it that the last window hangs over, as :func:`draw_windows` draws it."""
    rows, cols = result.rows, result.cols
    return (
        rows.pad_before + rows.n + rows.pad_after + rows.overhang,
        cols.pad_before + cols.n + cols.pad_after + cols.overhang,
    )


def frame_masks(rows: Axis, cols: Axis) -> tuple[np.ndarray, np.ndarray]:
    """Over the grid of :func:`padded_shape`: the padding cells (hatched) and the cells past
    the input and its padding that a ceil-mode window hangs over (dotted, never read)."""
    h = rows.pad_before + rows.n + rows.pad_after
    w = cols.pad_before + cols.n + cols.pad_after
    beyond = np.ones((h + rows.overhang, w + cols.overhang), dtype=bool)
    beyond[:h, :w] = False
    hatched = ~beyond
    hatched[
        rows.pad_before : rows.pad_before + rows.n, cols.pad_before : cols.pad_before + cols.n
    ] = False
    return hatched, beyond


def draw_windows(
    ax: Axes,
    result: PoolResult,
    item: int,
    channel: int,
    at: tuple[int, int] | None = None,
    title: str | None = None,
) -> None:
    """The padded input plane with its numbers, each window outlined in its colour and line
    style, winners ringed (max), padding hatched, dropped cells crossed; with ``at``, only
    that window stands out."""
    rows, cols = result.rows, result.cols
    top, left = rows.pad_before, cols.pad_before
    ph, pw = padded_shape(result)
    values = np.zeros((ph, pw))
    values[top : top + rows.n, left : left + cols.n] = result.input[item, :, :, channel]
    hatched, beyond = frame_masks(rows, cols)
    coverage = np.zeros((ph, pw), dtype=int)
    coverage[top : top + rows.n, left : left + cols.n] = result.coverage
    winners = np.zeros((ph, pw), dtype=bool)
    fills = np.full((ph, pw), "#FFFFFF", dtype=object)
    outlines = []
    crowded = _crowded(result)
    for k in range(result.window_count):
        i, j = divmod(k, cols.out)
        colour = window_colour_at(i, j, cols.out)
        # many overlapping outlines are unreadable: then only the first 2x2 windows (which
        # show the stride) and --at's are drawn, and the others show by their fill
        dimmed = at is not None and (i, j) != at
        outlined = not crowded or (i, j) == at or (at is None and max(i, j) <= 1)
        taps_r, taps_c = rows.taps(i), cols.taps(j)
        if outlined:
            outlines.append(
                Outline(
                    (taps_r[0] + top, taps_r[-1] + top),
                    (taps_c[0] + left, taps_c[-1] + left),
                    "#CCCCCC" if dimmed else colour,
                    style=k,
                    inset=0.05 + 0.07 * (k % 3),
                    width=1.0 if dimmed else 2.4,
                )
            )
        if dimmed:
            continue
        for r in rows.real_taps(i):
            for c in cols.real_taps(j):
                if fills[r + top, c + left] == "#FFFFFF":
                    fills[r + top, c + left] = pale(colour)
        win = result.argmax(i, j, item, channel)
        if win is not None:
            winners[win[0] + top, win[1] + left] = True
    draw_matrix(
        ax,
        values,
        fills=fills,
        labels=_labels(values, hatched, result.mode if max(ph, pw) <= 10 else "", beyond),
        hatched=hatched,
        beyond=beyond,
        greyed=~hatched & ~beyond & (coverage == 0),
        bold=winners if result.mode == "max" else None,
        outlines=outlines,
        origin=(-top, -left),
        title=title,
    )


def _crowded(result: PoolResult) -> bool:
    """Whether windows are too many and overlap too much to outline them all."""
    return result.window_count > 16 and int(result.coverage.max()) > 1


def window_fills(oh: int, ow: int) -> np.ndarray:
    """Each output cell in its window's colour, pale enough for black numbers."""
    return np.array(
        [[pale(window_colour_at(i, j, ow), 0.3) for j in range(ow)] for i in range(oh)],
        dtype=object,
    )


def draw_output(
    ax: Axes,
    result: PoolResult,
    item: int,
    channel: int,
    at: tuple[int, int] | None = None,
    title: str | None = None,
) -> None:
    """The output plane, each cell in its window's colour (only ``at``'s when given)."""
    rows, cols = result.rows, result.cols
    fills = window_fills(rows.out, cols.out)
    if at is not None:
        chosen = fills[at]
        fills[:] = "#F2F2F2"
        fills[at] = chosen
    draw_matrix(ax, result.output[item, :, :, channel], fills=fills, title=title)
    if at is not None:
        colour = window_colour_at(at[0], at[1], cols.out)
        ax.add_artist(Rectangle((at[1], at[0]), 1, 1, fill=False, linewidth=2.4, edgecolor=colour))


def _numbers(
    result: PoolResult, item: int, channel: int, at: tuple[int, int] | None, title: str
) -> Figure:
    """Input and output grids side by side, an arrow between them, the formula below.

    The panels are placed in inches rather than by a layout engine: their sizes are known,
    and constrained layout took a fifth of the time of writing this figure.
    """
    rows, cols = result.rows, result.cols
    ph, pw = padded_shape(result)
    cell = cell_inches(max(ph, pw))
    in_w, in_h = pw * cell, ph * cell
    out_w, out_h = cols.out * max(cell, 0.45), rows.out * max(cell, 0.45)
    caption = _caption(result)
    if _crowded(result) and at is None:
        caption += "\noutlined: the first 2x2 windows (--at ROW,COL outlines another)"
    if rows.overhang or cols.overhang:
        caption += "\n" + OVERHANG_NOTE
    grid_h = max(in_h, out_h)
    below = 0.3 + 0.17 * (caption.count("\n") + 1)  # the caption, in 9-point lines
    above = 0.85  # indices, panel titles and the figure's title
    width = _MARGIN + in_w + _GAP + out_w + _MARGIN
    height = below + grid_h + above
    fig = Figure(figsize=(width, height))
    middle = below + grid_h / 2

    def panel(left: float, w: float, h: float) -> Axes:
        return fig.add_axes((left / width, (middle - h / 2) / height, w / width, h / height))

    out_left = _MARGIN + in_w + _GAP
    ax_in = panel(_MARGIN, in_w, in_h)
    ax_out = panel(out_left, out_w, out_h)
    draw_windows(ax_in, result, item, channel, at, title=f"input {rows.n}x{cols.n}")
    draw_output(ax_out, result, item, channel, at, title=f"output {rows.out}x{cols.out}")
    draw_arrow(
        fig,
        result.mode,
        ((_MARGIN + in_w + 0.2) / width, middle / height),
        ((out_left - 0.45) / width, middle / height),  # clear of the output's row indices
        fig.transFigure,  # not inches: saving a part of the page moves the figure, not them
    )
    fig.supxlabel(
        caption,
        y=(below - 0.3) / height,
        va="top",
        fontsize=9,
        family="monospace",
        color="#333333",
    )
    fig.suptitle(title, y=1 - 0.12 / height, va="top", fontsize=12, fontweight="bold")
    return fig


def _labels(values: np.ndarray, hatched: np.ndarray, mode: str, beyond: np.ndarray) -> list[str]:
    """Each cell's number; padding shows what it counts as (``-∞`` for max, ``0`` for
    average), and a cell past the padding nothing."""
    texts = format_values(np.where(hatched, 0.0, values))
    pad = {"max": "−∞", "avg": "0"}.get(mode, "")
    cells = zip(texts, hatched.ravel(), beyond.ravel(), strict=True)
    return ["" if past else pad if padding else t for t, padding, past in cells]


def _caption(result: PoolResult) -> str:
    lines = list(result.formula.values())
    kept = result.window_count
    total = result.rows.n * result.cols.n
    lines.append(f"{kept:,} of {total:,} values kept ({100 * kept / total:.0f}%) · 0 parameters")
    return "\n".join(lines)


def _pictures(
    result: PoolResult,
    item: int,
    channel: int | None,
    at: tuple[int, int] | None,
    cmap: str,
    title: str,
) -> Figure:
    """Large inputs: the input and output pictures at one displayed size, per channel or as
    RGB, and a zoomed inset of numbers around ``at`` (default: the centre)."""
    x = result.input[item]
    y = result.output[item]
    rgb = x.shape[2] == 3 and channel is None
    channel = channel or 0
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[1, 1, 0.8])
    shown_in = display_copy(np.clip(x, 0, 255) / 255 if rgb else drawable(x[:, :, channel]))
    shown_out = display_copy(np.clip(y, 0, 255) / 255 if rgb else drawable(y[:, :, channel]))
    kwargs: dict[str, object] = {} if rgb else {"cmap": cmap}
    if not rgb:
        finite = x[:, :, channel][np.isfinite(x[:, :, channel])]
        if finite.size:
            kwargs.update(norm=value_norm(finite))
    axes[0].imshow(shown_in, extent=(0, 1, 1, 0), interpolation="nearest", **kwargs)
    image = axes[1].imshow(shown_out, extent=(0, 1, 1, 0), interpolation="nearest", **kwargs)
    label = "RGB" if rgb else f"channel {channel}"
    axes[0].set_title(f"input {x.shape[0]}x{x.shape[1]} ({label})", fontsize=10)
    axes[1].set_title(f"output {y.shape[0]}x{y.shape[1]} ({label})", fontsize=10)
    for ax in axes[:2]:
        ax.set_xticks([])
        ax.set_yticks([])
    if not rgb:
        fig.colorbar(image, ax=axes[:2], shrink=0.8, label="value")
    centre = at or (result.rows.out // 2, result.cols.out // 2)
    (r0, r1), (c0, c1) = _inset(axes[2], result, item, channel, centre, cmap)
    # where the zoom is, on both pictures (they share their coordinates, 0 to 1)
    colour = outline_colour(window_colour_at(centre[0], centre[1], result.cols.out))
    h, w = x.shape[0], x.shape[1]
    for ax in axes[:2]:
        ax.add_patch(
            Rectangle(
                (c0 / w, r0 / h),
                (c1 - c0) / w,
                (r1 - r0) / h,
                fill=False,
                edgecolor=colour,
                linewidth=2.0,
            )
        )
    for ax in axes[:2]:
        ax.set_aspect(x.shape[0] / x.shape[1])
    fig.suptitle(title, fontsize=12, fontweight="bold")
    fig.supxlabel(_caption(result), fontsize=9, family="monospace", color="#333333")
    return fig


def _inset(
    ax: object, result: PoolResult, item: int, channel: int, centre: tuple[int, int], cmap: str
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Numbers of the input around output cell ``centre``'s window, with that window, in the
    pictures' colour map (``--cmap``, or grey); returns the input rows and columns shown,
    ``[start, stop)``."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    rows, cols = result.rows, result.cols
    r_taps, c_taps = rows.real_taps(centre[0]), cols.real_taps(centre[1])
    r0 = max(0, (r_taps[0] if r_taps else 0) - 2)
    c0 = max(0, (c_taps[0] if c_taps else 0) - 2)
    r1, c1 = min(rows.n, r0 + 8), min(cols.n, c0 + 8)
    patch = result.input[item, r0:r1, c0:c1, channel]
    outline = Outline(
        (rows.taps(centre[0])[0] - r0, rows.taps(centre[0])[-1] - r0),
        (cols.taps(centre[1])[0] - c0, cols.taps(centre[1])[-1] - c0),
        window_colour_at(centre[0], centre[1], cols.out),
    )
    value = result.output[item, centre[0], centre[1], channel]
    layer = f", channel {channel}" if result.input.shape[3] > 1 else ""
    bold = np.zeros(patch.shape, dtype=bool)
    win = result.argmax(centre[0], centre[1], item, channel)
    if win is not None and r0 <= win[0] < r1 and c0 <= win[1] < c1:
        bold[win[0] - r0, win[1] - c0] = True
    draw_matrix(
        ax,
        patch,
        cmap=cmap,
        outlines=[outline],
        bold=bold,
        origin=(r0, c0),
        fontsize=7,
        title=f"zoom{layer}: output {centre[0]},{centre[1]} = {value:.4g}",
        title_size=9,
    )
    return (r0, r1), (c0, c1)


def display_copy(image: np.ndarray, limit: int = 1200) -> np.ndarray:
    """A copy small enough to draw quickly: every k-th pixel past ``limit`` (display only)."""
    step = max(1, -(-max(image.shape[:2]) // limit))
    return image[::step, ::step]
