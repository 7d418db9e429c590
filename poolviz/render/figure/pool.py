"""The figure of a pooling run: input with its windows, output in matching colours, formula."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis
from poolviz.render.figure.bins import bin_margin, bins_caption, draw_bins
from poolviz.render.figure.grid import (
    MAX_NUMBERED,
    Outline,
    cell_inches,
    draw_arrow,
    draw_matrix,
    draw_page_words,
    drawable,
    fit_numbers,
    settle_numbers,
    value_norm,
)
from poolviz.render.figure.layout import Panel, caption_room, is_wide, place, stacked_size
from poolviz.render.figure.sheet import Surface
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.style import (
    OKABE_ITO,
    format_values,
    outline_colour,
    output_decimals,
    pale,
    window_colour_at,
)


def pool_figure(
    result: PoolResult,
    *,
    item: int = 0,
    channel: int | None = None,
    at: tuple[int, int] | None = None,
    title: str | None = None,
    cmap: str | None = None,
    aspect: str = "auto",
    panel: str | None = None,
    windows: tuple[tuple[int, int], ...] | None = None,
    font_scale: float = 1.0,
) -> Figure:
    """Input and output side by side (``aspect`` ``wide``) or stacked (``tall``; ``auto``
    is wide when stacking would be taller than wide): for small inputs the numbers with every
    window outlined in its own colour and line style, winners ringed, padding hatched and
    dropped cells crossed (past :func:`crowded`, only a few chosen windows, ``windows`` or
    the first 2x2, and a coverage map); for large ones the two pictures, the output to scale.
    ``panel`` (one of :data:`PANELS`) draws that part alone. The room for words is laid out
    for words ``font_scale`` times their size, as ``--font-scale`` will dress them."""
    padded_side = max(padded_shape(result))
    heading = title or _title(result)
    if padded_side <= MAX_NUMBERED:
        return _numbers(result, item, channel or 0, at, heading, aspect, panel, windows, font_scale)
    shades = cmap or _default_cmap(result)
    return _pictures(result, item, channel, at, shades, heading, aspect, panel, font_scale)


PANELS = ("input", "output", "coverage")
"""The parts of the figure ``--panel`` can draw alone."""


def _title(result: PoolResult) -> str:
    from poolviz.render.style import config_line

    return config_line(result).replace("  ", ": ", 1)


def _default_cmap(result: PoolResult) -> str:
    return "gray" if result.input.shape[3] in (1, 3, 4) else "viridis"


OVERHANG_NOTE = "dotted: past the input, where ceil mode's last window hangs over (never read)"
"""The caption line for the cells :func:`frame_masks` calls beyond."""


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


UNCHOSEN = "#BBBBBB"
"""The thin outline of a window left out of the chosen few, where windows tile the input."""


def drawn_windows(
    result: PoolResult,
    at: tuple[int, int] | None = None,
    windows: tuple[tuple[int, int], ...] | None = None,
) -> dict[tuple[int, int], str]:
    """The windows outlined, each with its colour: every window in :func:`window_colour_at`'s
    colours; or, when ``windows`` are chosen or the windows are :func:`crowded`, only the
    chosen ones (``windows``, else ``at``, else the first 2x2, which show the stride), each in
    a palette colour of its own, so that a colour names one window."""
    if windows is None and not crowded(result):
        return {
            divmod(k, result.cols.out): window_colour_at(
                *divmod(k, result.cols.out), result.cols.out
            )
            for k in range(result.window_count)
        }
    if windows is None:
        first = [
            (i, j) for i in range(min(2, result.rows.out)) for j in range(min(2, result.cols.out))
        ]
        windows = (at,) if at is not None else tuple(first)
    return {w: OKABE_ITO[k % len(OKABE_ITO)] for k, w in enumerate(windows)}


@dataclass(frozen=True)
class Shown:
    """What of a result a picture shows: one plane (``item``, ``channel``), the window ``at``
    that stands out (None: all alike), and the windows chosen for outlines (None: as
    :func:`drawn_windows` chooses)."""

    item: int = 0
    channel: int = 0
    at: tuple[int, int] | None = None
    windows: tuple[tuple[int, int], ...] | None = None


def draw_windows(ax: Surface, result: PoolResult, shown: Shown, title: str | None = None) -> None:
    """The padded input plane with its numbers, the windows of :func:`drawn_windows`
    outlined in their colours and line styles, winners ringed (max), padding hatched, dropped
    cells crossed; with ``at``, only that window stands out."""
    item, channel, at = shown.item, shown.channel, shown.at
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
    colours = drawn_windows(result, at, shown.windows)
    # windows that tile the input keep thin grey outlines when only some have colours
    tiled = len(colours) < result.window_count and int(result.coverage.max()) <= 1
    for k in range(result.window_count):
        i, j = divmod(k, cols.out)
        dimmed = at is not None and (i, j) != at
        taps_r, taps_c = rows.taps(i), cols.taps(j)
        box = (taps_r[0] + top, taps_r[-1] + top), (taps_c[0] + left, taps_c[-1] + left)
        if (i, j) not in colours and tiled:
            outlines.append(Outline(*box, UNCHOSEN, inset=0.05, width=1.0))
        if (i, j) in colours:
            colour = colours[(i, j)]
            n = k if len(colours) == result.window_count else list(colours).index((i, j))
            outlines.append(
                Outline(
                    *box,
                    "#CCCCCC" if dimmed else colour,
                    style=n,
                    inset=0.05 + 0.07 * (n % 3),
                    width=1.0 if dimmed else 2.4,
                )
            )
            if not dimmed:
                for r in rows.real_taps(i):
                    for c in cols.real_taps(j):
                        if fills[r + top, c + left] == "#FFFFFF":
                            fills[r + top, c + left] = pale(colour)
        if dimmed:
            continue
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


def crowded(result: PoolResult) -> bool:
    """Whether the windows are more than the palette's colours: outlining them all would
    repeat colours, so that a colour no longer names one window (and, where they overlap,
    the outlines would collide); so a few are chosen, each in a colour of its own, and a
    coverage map shows the rest."""
    return result.window_count > len(OKABE_ITO)


def output_fills(
    result: PoolResult,
    at: tuple[int, int] | None = None,
    windows: tuple[tuple[int, int], ...] | None = None,
) -> np.ndarray:
    """Each output cell of a drawn window (:func:`drawn_windows`) in its colour, pale enough
    for black numbers (with ``at``, only ``at``'s); the others light grey, so that a colour
    in the output names the same window as in the input."""
    fills = np.full((result.rows.out, result.cols.out), "#F2F2F2", dtype=object)
    for (i, j), colour in drawn_windows(result, at, windows).items():
        if at is None or (i, j) == at:
            fills[i, j] = pale(colour, 0.3)
    return fills


def outlined_note(
    result: PoolResult, chosen: dict[tuple[int, int], str], hint: bool = False
) -> str:
    """The caption line naming the windows outlined when only some are (:func:`drawn_windows`);
    ``hint`` adds how to choose others (commands with ``--windows``)."""
    names = " ".join(f"{i},{j}" for i, j in chosen)
    note = f"outlined: windows {names} of {result.window_count:,}"
    note += " (--windows 'i,j;…' chooses others)" if hint else ""
    return note + ("; the others in grey" if int(result.coverage.max()) <= 1 else "")


def draw_output(ax: Surface, result: PoolResult, shown: Shown, title: str | None = None) -> None:
    """The output plane, each cell of a drawn window (:func:`drawn_windows`) in its colour;
    with ``at``, only ``at``'s."""
    at = shown.at
    fills = output_fills(result, at, shown.windows)
    out = result.output[shown.item, :, :, shown.channel]
    places = output_decimals(result.mode, result.input[shown.item, :, :, shown.channel], out)
    draw_matrix(ax, out, fills=fills, labels=format_values(out, places), title=title)
    if at is not None:
        colours = drawn_windows(result, at, shown.windows)
        colour = colours.get(at, window_colour_at(at[0], at[1], result.cols.out))
        ax.add_artist(Rectangle((at[1], at[0]), 1, 1, fill=False, linewidth=2.4, edgecolor=colour))


def draw_coverage(ax: Axes, result: PoolResult, title: str | None = None) -> None:
    """How many windows read each input cell, drawn in the input's frame (padding hatched):
    the numbers on a grey scale, 0 crossed out (no window reads it)."""
    rows, cols = result.rows, result.cols
    top, left = rows.pad_before, cols.pad_before
    hatched, beyond = frame_masks(rows, cols)
    counts = np.zeros(hatched.shape)
    inner = (slice(top, top + rows.n), slice(left, left + cols.n))
    counts[inner] = result.coverage
    most = max(1, int(result.coverage.max()))
    shades = colormaps["Greys"](np.clip(counts / (1.6 * most), 0, 1))
    fills = np.array([[to_hex(c) for c in row] for row in shades], dtype=object)
    labels = np.full(hatched.shape, "", dtype=object)
    labels[inner] = result.coverage.astype(int).astype(str)
    real = np.zeros(hatched.shape, dtype=bool)
    real[inner] = True
    draw_matrix(
        ax,
        counts,
        fills=fills,
        labels=[str(t) for t in labels.ravel()],
        hatched=hatched,
        beyond=beyond,
        greyed=real & (counts == 0),
        origin=(-top, -left),
        title=title,
    )


def _numbers(
    result: PoolResult,
    item: int,
    channel: int,
    at: tuple[int, int] | None,
    title: str,
    aspect: str,
    panel: str | None,
    windows: tuple[tuple[int, int], ...] | None,
    font_scale: float,
) -> Figure:
    """Input and output grids (and, when windows are crowded, the coverage map), an arrow
    between them, the formula below; or ``panel`` alone."""
    rows, cols = result.rows, result.cols
    ph, pw = padded_shape(result)
    cell = cell_inches(max(ph, pw))
    out_cell = max(cell, 0.45)
    chosen = drawn_windows(result, at, windows)
    some = len(chosen) < result.window_count
    # where windows tile the input, their grey outlines show the rest: no coverage map
    mapped = some and int(result.coverage.max()) > 1
    caption = _caption(result)
    if some and panel != "coverage":
        caption += "\n" + outlined_note(result, chosen, hint=not windows)
    if panel == "coverage" or (mapped and panel is None):
        caption += "\ncoverage: how many windows read each cell (0: dropped)"
    if rows.overhang or cols.overhang:
        caption += "\n" + OVERHANG_NOTE
    right, below_grid = bin_margin(result)
    parts = [
        Panel("input", (pw + right) * cell, (ph + below_grid) * cell),
        Panel("output", cols.out * out_cell, rows.out * out_cell, result.mode),
    ]
    if mapped or panel == "coverage":
        parts.append(Panel("coverage", pw * cell, ph * cell))
    if panel is not None:
        parts = [replace(p, arrow=None) for p in parts if p.name == panel]
    below = caption_room(caption)
    words = max(len(line) for line in caption.splitlines()) * 0.075 + 0.3
    words = max(words, len(title) * 0.11)
    wide = is_wide(aspect, stacked_size(parts, below, words))  # auto: as at natural size
    placed = place(parts, wide=wide, below=below, least_width=words, font_scale=font_scale)
    fig = UnhintedFigure(figsize=placed.size)
    shown = Shown(item, channel, at, windows)
    drawers = {
        "input": lambda ax: draw_bins(
            ax,
            result,
            lambda: draw_windows(ax, result, shown, f"input {rows.n}x{cols.n}"),
        ),
        "output": lambda ax: draw_output(ax, result, shown, f"output {rows.out}x{cols.out}"),
        "coverage": lambda ax: draw_coverage(ax, result, "coverage"),
    }
    sides = {"input": cell, "output": out_cell, "coverage": cell}
    for name, box in placed.boxes.items():
        ax = fig.add_axes(box)
        drawers[name](ax)
        fit_numbers(ax, sides[name])
        settle_numbers(ax, sides[name])
    for arrow in placed.arrows:
        # figure fractions, not inches: saving a part of the page moves the figure, not them
        draw_arrow(fig, arrow.label, arrow.start, arrow.end, fig.transFigure)
    draw_page_words(fig, placed, title, caption)
    return fig


def _labels(values: np.ndarray, hatched: np.ndarray, mode: str, beyond: np.ndarray) -> list[str]:
    """Each cell's number; padding shows what it counts as (``-∞`` for max, ``0`` for
    average), and a cell past the padding nothing."""
    texts = format_values(np.where(hatched, 0.0, values))
    pad = {"max": "−∞", "avg": "0"}.get(mode, "")
    cells = zip(texts, hatched.ravel(), beyond.ravel(), strict=True)
    return ["" if past else pad if padding else t for t, padding, past in cells]


def _caption(result: PoolResult) -> str:
    lines = bins_caption(result) or list(result.formula.values())
    kept = result.window_count
    total = result.rows.n * result.cols.n
    lines.append(f"{kept:,} of {total:,} values kept ({100 * kept / total:.0f}%) · 0 parameters")
    return "\n".join(lines)


PICTURE = 3.6
"""Inches across the input's picture (its longer side)."""


def _pictures(
    result: PoolResult,
    item: int,
    channel: int | None,
    at: tuple[int, int] | None,
    cmap: str,
    title: str,
    aspect: str,
    panel: str | None,
    font_scale: float,
) -> Figure:
    """Large inputs: the input and output pictures, per channel or as RGB, the output to
    scale (its cells as large as the input's) when that is neither tiny nor huge, and a zoomed
    inset of numbers around ``at`` (default: the centre); or ``panel`` alone."""
    x = result.input[item]
    y = result.output[item]
    rgb = x.shape[2] == 3 and channel is None
    channel = channel or 0
    h, w = x.shape[0], x.shape[1]
    oh, ow = y.shape[0], y.shape[1]
    inch = PICTURE / max(h, w)
    out_inch = inch
    caption = _caption(result)
    factor = max(h, w) / max(oh, ow)
    if 0.8 <= max(oh, ow) * inch <= 1.5 * PICTURE:
        how = f"1/{factor:.3g} of" if factor > 1 else f"{1 / factor:.3g} times"
        scale = (
            f"output drawn to scale: pixels as large as the input's, its sides {how} the input's"
        )
    else:
        out_inch = 1.8 / max(oh, ow)
        why = "too small to see" if out_inch > inch else "too large to fit"
        scale = f"output drawn {out_inch / inch:.3g}x its scale (to scale it would be {why})"
    if panel in (None, "output"):
        caption += "\n" + scale
    bar = 0.0 if rgb else 1.0  # the colour bar beside the output, and its ticks
    parts = [
        Panel("input", w * inch, h * inch),
        Panel("output", ow * out_inch + bar, oh * out_inch, result.mode),
        Panel("zoom", 3.0, 3.0),
        Panel("coverage", w * inch + 1.0, h * inch),
    ]
    parts = [p for p in parts if p.name == panel] if panel else parts[:3]
    parts = [replace(p, arrow=None) for p in parts] if panel else parts
    below = caption_room(caption)
    words = max(len(line) for line in caption.splitlines()) * 0.075 + 0.3
    wide = is_wide(aspect, stacked_size(parts, below, words))  # auto: as at natural size
    placed = place(parts, wide=wide, below=below, least_width=words, font_scale=font_scale)
    width = placed.size[0]
    fig = UnhintedFigure(figsize=placed.size)
    shown_in = rgb_bytes(display_copy(x)) if rgb else display_copy(drawable(x[:, :, channel]))
    shown_out = rgb_bytes(display_copy(y)) if rgb else display_copy(drawable(y[:, :, channel]))
    kwargs: dict[str, Any] = {} if rgb else {"cmap": cmap}
    if not rgb:
        finite = x[:, :, channel][np.isfinite(x[:, :, channel])]
        if finite.size:
            kwargs.update(norm=value_norm(finite))
    label = "RGB" if rgb else f"channel {channel}"
    axes: dict[str, Axes] = {}
    for name, (left, bottom, across, tall) in placed.boxes.items():
        if name in ("output", "coverage"):  # the picture, then its colour bar at the right
            drawn = 0.0 if name == "output" and rgb else 1.0
            picture_w = across - drawn / width
            axes[name] = fig.add_axes((left, bottom, picture_w, tall))
            if drawn:
                axes[name + " bar"] = fig.add_axes(
                    (left + picture_w + 0.12 / width, bottom, 0.14 / width, tall)
                )
        else:
            axes[name] = fig.add_axes((left, bottom, across, tall))
    centre = at or (result.rows.out // 2, result.cols.out // 2)
    zoomed = _zoom_rows_cols(result, centre)
    zoomed_out = (
        _outputs_within(result.rows, zoomed[0], centre[0]),
        _outputs_within(result.cols, zoomed[1], centre[1]),
    )
    colour = outline_colour(window_colour_at(centre[0], centre[1], result.cols.out))
    for name, shown, heading in (
        ("input", shown_in, f"input {h}x{w} ({label})"),
        ("output", shown_out, f"output {oh}x{ow} ({label})"),
    ):
        if name not in axes:
            continue
        ax = axes[name]
        image = ax.imshow(shown, extent=(0, 1, 1, 0), interpolation="nearest", **kwargs)
        ax.set_title(heading, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("auto")
        if panel is None:  # where the zoom is: its input cells, the outputs read from them
            (r0, r1), (c0, c1) = zoomed if name == "input" else zoomed_out
            tall, wide = (h, w) if name == "input" else (oh, ow)
            box = (c0 / wide, r0 / tall), (c1 - c0) / wide, (r1 - r0) / tall
            ax.add_patch(Rectangle(*box, fill=False, edgecolor=colour, linewidth=2.0))
        if name + " bar" in axes:
            fig.colorbar(image, cax=axes[name + " bar"], label="value")
    if "zoom" in axes:
        _inset(axes["zoom"], result, item, channel, centre, cmap)
    if "coverage" in axes:
        counts = result.coverage
        most = max(1, int(counts.max()))
        image = axes["coverage"].imshow(
            display_copy(counts),
            cmap="Greys",
            vmin=0,
            vmax=1.6 * most,
            extent=(0, 1, 1, 0),
            interpolation="nearest",
        )
        axes["coverage"].set_aspect("auto")
        axes["coverage"].set_xticks([])
        axes["coverage"].set_yticks([])
        axes["coverage"].set_title("coverage: windows reading each pixel", fontsize=10)
        fig.colorbar(image, cax=axes["coverage bar"], label="windows", ticks=range(most + 1))
    for arrow in placed.arrows:
        draw_arrow(fig, arrow.label, arrow.start, arrow.end, fig.transFigure)
    draw_page_words(fig, placed, title, caption)
    return fig


def _zoom_rows_cols(
    result: PoolResult, centre: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The input rows and columns, ``[start, stop)``, the zoom around output cell ``centre``
    shows: up to 8x8, from 2 before its window."""
    rows, cols = result.rows, result.cols
    r_taps, c_taps = rows.real_taps(centre[0]), cols.real_taps(centre[1])
    r0 = max(0, (r_taps[0] if r_taps else 0) - 2)
    c0 = max(0, (c_taps[0] if c_taps else 0) - 2)
    return (r0, min(rows.n, r0 + 8)), (c0, min(cols.n, c0 + 8))


def _outputs_within(axis: Axis, shown: tuple[int, int], centre: int) -> tuple[int, int]:
    """The outputs, ``[start, stop)`` along ``axis``, whose windows' real cells all lie in the
    input's ``shown`` ``[start, stop)`` (at least ``centre``, the zoom's own output): where
    the zoom is, drawn on the output picture."""
    inside = [centre] + [
        i
        for i in range(axis.out)
        if (taps := axis.real_taps(i)) and shown[0] <= taps[0] and taps[-1] < shown[1]
    ]
    return min(inside), max(inside) + 1


def _inset(
    ax: object, result: PoolResult, item: int, channel: int, centre: tuple[int, int], cmap: str
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Numbers of the input around output cell ``centre``'s window, with that window, in the
    pictures' colour map (``--cmap``, or grey); returns the input rows and columns shown,
    ``[start, stop)``."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    rows, cols = result.rows, result.cols
    (r0, r1), (c0, c1) = _zoom_rows_cols(result, centre)
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


def rgb_bytes(picture: np.ndarray) -> np.ndarray:
    """An RGB picture of values 0-255 as the bytes matplotlib draws (NaN as 0): given floats,
    matplotlib divides them into 0-1 and multiplies them back, a float pass per pixel (~20 ms for
    each of the photo's two pictures); the same pixels, truncated as it truncates them (but
    a value within a rounding error of a whole number, which may land one level apart)."""
    return np.asarray(np.clip(np.nan_to_num(picture), 0, 255), dtype=np.uint8)


def display_copy(image: np.ndarray, limit: int = 1200) -> np.ndarray:
    """A copy small enough to draw quickly: every k-th pixel past ``limit`` (display only)."""
    step = max(1, -(-max(image.shape[:2]) // limit))
    return image[::step, ::step]
