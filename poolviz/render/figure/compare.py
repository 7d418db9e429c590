"""``poolviz compare -o``: the input and max, average, adaptive average, blur and global
pooling and a strided convolution side by side, drawn with :func:`draw_matrix` as in
``poolviz pool``'s figure."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from poolviz.demos import (
    Comparison,
)
from poolviz.engine.explain import PoolResult
from poolviz.errors import PoolvizError
from poolviz.render.figure.grid import (
    MAX_NUMBERED,
    cell_inches,
    draw_matrix,
    draw_page_words,
    fit_numbers,
    settle_numbers,
    value_norm,
)
from poolviz.render.figure.layout import (
    INDEX_ROOM,
    PICTURE_ABOVE,
    Panel,
    caption_room,
    is_wide,
    place_lines,
)
from poolviz.render.figure.panels import picture, plane_of, wrap
from poolviz.render.figure.pool import rgb_bytes
from poolviz.render.figure.sheet import Sheet, Surface
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.order import Order, ordered
from poolviz.render.style import (
    config_line,
    weights_text,
)


def compare_figure(
    result: Comparison,
    *,
    title: str | None = None,
    cmap: str | None = None,
    order: Order = "nhwc",
    aspect: str = "auto",
    panel: str | None = None,
    font_scale: float = 1.0,
) -> Figure:
    """The input and every operation's output side by side on one colour scale and at one
    cell size (an RGB picture as RGB), titled with its shape, parameters and share of values
    kept; below, the input rebuilt from max and from average with the mean absolute error.
    ``aspect`` ``wide`` puts every output in one row, ``tall`` at most :data:`PER_ROW` a row
    (``auto``: wide when tall would be taller than wide); ``panel`` (an operation's key)
    draws the input, that output and its rebuild alone. Panels are placed by hand
    (:func:`place_lines`), with the room for words laid out for words ``font_scale`` times
    their size, as ``--font-scale`` will dress them."""
    x = plane_of(result.input)
    h, w = x.shape
    cell = cell_inches(max(h, w)) or 2.6 / max(h, w)
    shown = [op for op in result.operations if op.output is not None]
    rebuilt = [op for op in result.operations if op.reconstruction is not None]
    if panel is not None:
        keys = [op.key for op in shown]
        if panel not in keys:
            raise PoolvizError(
                f"--panel {panel}: {result.operation(panel).note or 'not drawn'}; "
                f"use {', '.join(keys)}"
            )
        shown = [op for op in shown if op.key == panel]
        rebuilt = [op for op in rebuilt if op.key == panel]
    outputs = [_op_plane(op.output) for op in shown if op.output is not None]
    every = [
        x,
        *outputs,
        *(plane_of(op.reconstruction) for op in rebuilt if op.reconstruction is not None),
    ]
    norm = value_norm(*every)
    numbers = max(h, w) <= MAX_NUMBERED
    rgb = result.input.shape[3] == 3 and not numbers
    frames = [_frame(p.shape[1], cell, OUTPUT_TITLE * font_scale) for p in outputs]
    rebuilt_frame = _frame(w, cell, REBUILT_TITLE * font_scale)
    # a picture has no row or column indices: no room for them
    above = None if numbers else PICTURE_ABOVE
    rebuilt_above = REBUILT_ABOVE if numbers else REBUILT_ABOVE - INDEX_ROOM

    def lines(per_row: int, scale: float) -> list[list[Panel]]:
        """The panels by row, at most ``per_row`` outputs a row, each output's frame and each
        rebuilt input's wide enough for its title at ``scale`` times its size; the rebuilt
        row last, the input again leading it, under a heading of its own."""
        parts = [Panel("input", w * cell, h * cell, above=above, indexed=numbers)] + [
            Panel(
                op.key,
                _frame(p.shape[1], cell, OUTPUT_TITLE * scale) * cell,
                h * cell,
                indexed=False,
            )
            for op, p in zip(shown, outputs, strict=True)
        ]
        rows = [[parts[k] for k in row] for row in _rows(len(frames), per_row)]
        again = [Panel("input again", w * cell, h * cell, above=rebuilt_above, indexed=numbers)] + [
            Panel(
                f"from {op.key}",
                _frame(w, cell, REBUILT_TITLE * scale) * cell,
                h * cell,
                above=rebuilt_above,
                indexed=numbers,
            )
            for op in rebuilt
        ]
        return rows + [again] if rebuilt else rows

    heading = title or f"Alternatives to max pooling — {_config(result.pooled)}"
    caption = _compare_caption(result, rgb, panel)
    below = caption_room(caption)
    words = max(max(map(len, caption.splitlines()), default=0) * 0.07, len(heading) * 0.11)
    tall = place_lines(lines(PER_ROW, 1.0), rows=True, below=below, least_width=words).size
    wide = panel is not None or is_wide(aspect, tall)  # auto: as at natural size
    placed = place_lines(
        lines(len(frames) if wide else PER_ROW, font_scale),
        rows=True,
        below=below,
        least_width=words,
        font_scale=font_scale,
        centred=False,  # from the left margin, with the caption
    )
    fig = UnhintedFigure(placed.size)
    # grids of numbers are drawn on sheets; pictures in Axes
    axes: dict[str, Surface] = {
        name: Sheet(fig, box) if numbers else fig.add_axes(box)
        for name, box in placed.boxes.items()
    }
    map_name = cmap or "viridis"

    def draw(ax: Surface, values: np.ndarray, title: str, labelled: bool = True) -> None:
        """Numbers for a small input's panels, pictures (same colour scale) otherwise."""
        size = 9 if labelled else 8.5
        if numbers or values.shape[0] == 1:
            draw_matrix(
                ax,
                values,
                cmap=map_name,
                norm=norm,
                index_labels=labelled,
                title=title,
                title_size=size,
            )
            if numbers:  # every panel's cells are then ``cell`` inches
                fit_numbers(ax, cell)
                settle_numbers(ax, cell)
        else:
            assert isinstance(ax, Axes)
            picture(ax, values, map_name, norm.vmin, norm.vmax)
            ax.set_title(title, fontsize=size)

    def draw_rgb(ax: Surface, values: np.ndarray, title: str) -> None:
        """An RGB picture as its colours (values 0-255), as ``pool`` draws it."""
        assert isinstance(ax, Axes)
        h_, w_ = values.shape[1:3]
        shown_rgb = rgb_bytes(values[0, :, :, :3])
        ax.imshow(shown_rgb, interpolation="nearest", extent=(0, w_, h_, 0))
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(title, fontsize=9)

    if rgb:
        draw_rgb(axes["input"], result.input, f"input {h}x{w} (RGB)")
    else:
        draw(axes["input"], x, f"input {h}x{w}")
    for op, plane, frame in zip(shown, outputs, frames, strict=True):
        assert op.output is not None
        ax = axes[op.key]
        shape = "x".join(str(v) for v in ordered(op.output.shape[1:], order))
        kept = f"{100 * (op.kept_fraction or 0):.3g}% kept"
        per = ", one per channel" if op.key.startswith("global") and plane.size > 1 else ""
        named = f"{op.name}\n{shape}{per}\n{op.params} params · {kept}"
        if rgb and not op.key.startswith("global"):
            draw_rgb(ax, op.output, named)
        else:
            draw(ax, plane, named, labelled=False)
        if numbers or not op.key.startswith("global"):
            _centre(ax, plane.shape, (h, frame))
        else:  # one number per channel beside a picture: cells of their own, readable
            across = max(3, plane.shape[1])
            _centre(ax, plane.shape, (across, across))
            side = min(frame, h) * cell / across  # the square frame fits the panel's box
            fit_numbers(ax, side)
            settle_numbers(ax, side)
    if rebuilt:
        if rgb:
            draw_rgb(axes["input again"], result.input, "input (RGB)")
        else:
            draw(axes["input again"], x, "input")
        for op in rebuilt:
            assert op.reconstruction is not None and op.reconstruction_error is not None
            how = "unpooling" if op.key == "max" else "upsampling"
            source = "max" if op.key == "max" else "average"
            error = f"mean |error| {op.reconstruction_error:.3g}"
            ax = axes[f"from {op.key}"]
            if rgb:
                draw_rgb(ax, op.reconstruction, f"from {source} ({how})\n{error}")
            else:
                draw(ax, plane_of(op.reconstruction), f"from {source} ({how})\n{error}")
            _centre(ax, (h, w), (h, rebuilt_frame))
        fig.text(
            placed.boxes["input again"][0],
            placed.tops[-1] - HEADING_DROP * font_scale / placed.size[1],
            "The input rebuilt from the output",
            va="top",
            fontsize=10,
            fontweight="bold",
        )
    # the caption's prose starts where the panels do
    draw_page_words(fig, placed, heading, caption, left=placed.boxes["input"][0])
    return fig


REBUILT_ABOVE = 0.95
"""Inches above the rebuilt row's panels: their two-line titles and column indices, and
the row's heading above them, :data:`HEADING_DROP` below the row before."""

HEADING_DROP = 0.1
"""Inches between the top of the rebuilt row's room and its heading."""


PER_ROW = 3
"""Outputs in a row of the tall layout."""


def _rows(outputs: int, per_row: int) -> list[list[int]]:
    """Panels by row: 0 the input, k the k-th of ``outputs``; the input leads the first row,
    then at most ``per_row`` outputs a row."""
    ks = list(range(1, outputs + 1))
    rows = [ks[i : i + per_row] for i in range(0, len(ks), per_row)] or [[]]
    rows[0] = [0, *rows[0]]
    return rows


OUTPUT_TITLE = 1.45
"""Inches an output's title needs at its natural size (about 20 characters at 8.5 points:
"0 params · 6.25% kept")."""

REBUILT_TITLE = 1.85
"""Inches a rebuilt input's title needs at its natural size ("from average (upsampling)",
25 characters at 9 points): grown with ``--font-scale`` over a panel narrower than that,
neighbouring titles met."""


def _frame(side: int, cell: float, title: float) -> float:
    """The width, in cells ``cell`` inches across, of the frame a plane ``side`` cells wide
    is drawn in: its own, or its title's (``title`` inches), whichever is wider."""
    return max(side, title / cell)


def _centre(ax: Surface, shape: tuple[int, ...], frame: tuple[float, float]) -> None:
    """Show a matrix of ``shape`` in the middle of a frame of ``frame`` (rows, columns) cells,
    so that panels of different sizes share one cell size."""
    (h, w), (fh, fw) = shape[:2], frame
    ax.set_xlim(-(fw - w) / 2, w + (fw - w) / 2)
    ax.set_ylim(h + (fh - h) / 2, -(fh - h) / 2)


def _op_plane(values: np.ndarray) -> np.ndarray:
    """Item 0 of an output: channel 0, or for a global pooling one number per channel in a
    row."""
    if values.shape[1] == 1 and values.shape[2] == 1:
        return np.asarray(values[0, 0, :, :], dtype=float).reshape(1, -1)
    return plane_of(values)


def _config(result: PoolResult) -> str:
    return config_line(result).split("  ", 1)[1]


def _compare_caption(result: Comparison, rgb: bool = False, panel: str | None = None) -> str:
    """The notes under the figure; for one ``panel``, only those about it."""
    conv = result.operation("conv")
    c = result.input.shape[3]
    kh, kw = result.weights.shape
    weights = weights_text(result.weights)
    lines = []
    if panel in (None, "conv"):
        lines.append(
            f"convolution: fixed weights {weights} ({kh}·{kw} × {c} = {conv.params} "
            f"parameters); a trained network learns them, and a full Conv2D has "
            f"{kh}·{kw}·{c}·{c} + {c} = {conv.learned_params}"
        )
    if result.conv_equals_average and panel in (None, "conv", "avg"):
        lines.append("with these weights the convolution equals average pooling")
    if result.input.shape[3] > 1 and not rgb:
        lines.append("grids: channel 0 of item 0")
    elif rgb:
        lines.append("pictures: item 0 in its colours; global pooling: one number per channel")
    for op in result.operations:
        if op.output is None and op.note and panel is None:
            lines.append(f"{op.name}: {op.note}")
    if result.overlapping and panel in (None, "max", "avg"):
        lines.append("no rebuilding: the windows overlap")
    return "\n".join(wrap(line, 110) for line in lines)
