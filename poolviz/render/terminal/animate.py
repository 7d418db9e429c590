"""``poolviz animate`` in the terminal: one rich renderable per frame, the same frames and
captions as the GIF (:mod:`poolviz.render.animation`).

Each frame shows the input with the current window between separator lines and only its
rows and columns numbered (the others' headers blank), its winner as ``[v]``, and the output
with computed cells shown, the current one as ``[v]`` and the rest as ``·``: readable
without colour, at 80 columns.
Inputs too large for numbers show the window's cells alone, and where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from poolviz.engine.explain import PoolResult, Window
from poolviz.render.animation import Frame, Story, decimals, plane_label
from poolviz.render.order import Order
from poolviz.render.style import (
    PADDING_COLOUR,
    config_line,
    format_number,
    to_ascii,
    window_colour_at,
)
from poolviz.render.terminal.fit import hanging
from poolviz.render.terminal.grid import Cell, background, grid, too_wide
from poolviz.render.terminal.pool import MAX_GRID_ROWS, text_width

UNSEEN = "·"
"""An output cell not computed yet."""


@dataclass(frozen=True)
class AnimateView:
    """Which plane to animate, and for which terminal."""

    item: int = 0
    channel: int = 0
    width: int = 80
    height: int | None = None
    """Rows a frame may take (a live display cannot redraw more); None for no limit."""
    colour: bool = True
    ascii_only: bool = False
    order: Order = "nhwc"
    """The axis order of the shapes line."""


def animation_frames(
    told: PoolResult | Sequence[Story], view: AnimateView | None = None
) -> list[RenderableType]:
    """One renderable per frame of each stage's plan (:class:`Story`, at most 64 frames in
    all): the configuration, the grids, and the frame's caption."""
    view = view or AnimateView()
    stages = [Story(told)] if isinstance(told, PoolResult) else told
    return [frame for story in stages for frame in _story_frames(story, view)]


def _story_frames(story: Story, view: AnimateView) -> list[RenderableType]:
    result = story.result
    places = decimals(result, view.item, view.channel)
    frames: list[RenderableType] = []
    for frame in story.plan:
        i, j = divmod(frame.window, result.cols.out)
        window = result.window(i, j, view.item, view.channel)
        line = story.caption(frame, view.item, view.channel, places)
        body = _grids(story, view, frame, window, places)
        if body is None:
            body = _zoom(story, view, frame, window, places)
        # folded with an indent: a line the terminal wrapped would go on at column 0
        header = Text(_folded(story.title or config_line(result), view), style="bold")
        header.append("\n" + _folded(story.shapes(view.order), view))
        plane = plane_label(result, view.item, view.channel).removeprefix(", ")
        if plane:
            header.append(f"\n{plane}", style="dim")
        frames.append(
            Group(
                _plain(header, view),
                Text(""),
                body,
                Text(""),
                _plain(Text(_caption_folded(line, view), style="bold"), view),
            )
        )
    return frames


def _folded(line: str, view: AnimateView) -> str:
    return hanging(line, view.width, "", "  ").rstrip("\n")


def _caption_folded(line: str, view: AnimateView) -> str:
    """The caption folded with an indent, a sum broken after its ``+`` signs, never before
    one (a line that starts with ``+`` reads as a new term)."""
    bound = line.replace(" + ", "\u00a0+ ")  # textwrap breaks at ASCII spaces only
    return _folded(bound, view).replace("\u00a0", " ")


def _plain(text: Text, view: AnimateView) -> Text:
    """``text`` in ASCII when the terminal's encoding needs it."""
    if not view.ascii_only:
        return text
    return Text(to_ascii(text.plain), style=text.style)


def _labels(story: Story, axis: int, indices: range, shown: set[int]) -> list[str]:
    """Index labels of one axis, ``p`` for padding: only the window's (``shown``) are
    written, so that its rows and columns read without colour; the others are blank (a mark
    there would read as one of the grid's marks, such as ``·``). All share one width."""
    texts = [story.index_label(k, axis) if k in shown else "" for k in indices]
    width = max((len(story.index_label(k, axis)) for k in indices), default=1)
    return [t.rjust(width) for t in texts]


def _grids(
    story: Story,
    view: AnimateView,
    frame: Frame,
    window: Window,
    places: tuple[int, int],
) -> RenderableType | None:
    """Input (with padding) and output as numbers side by side; None when they would not fit
    the terminal. Copies of cells (blur's reflect padding) are dim, as padding is."""
    result = story.result
    reflected = story.reflected()
    rows, cols = result.rows, result.cols
    padded_rows = range(-rows.pad_before, rows.n + rows.pad_after)
    padded_cols = range(-cols.pad_before, cols.n + cols.pad_after)
    # a frame is the grid's rows and about a dozen lines around them
    limit = MAX_GRID_ROWS if view.height is None else min(MAX_GRID_ROWS, view.height - 12)
    if len(padded_rows) > limit or too_wide(len(padded_cols), view.width):
        return None
    plane = story.plane(frame, view.item, view.channel)
    coverage = result.coverage
    taps_r, taps_c = set(window.rows), set(window.cols)
    lit = background(window_colour_at(*window.out, cols.out)) if view.colour else None
    pad_style = Style(color=PADDING_COLOUR, dim=True) if view.colour else None
    cells: list[list[Cell]] = []
    for r in padded_rows:
        row: list[Cell] = []
        for c in padded_cols:
            inside = r in taps_r and c in taps_c
            if not (0 <= r < rows.n and 0 <= c < cols.n):
                row.append(Cell(story.pad_text, lit if inside else pad_style))
                continue
            text = format_number(float(plane[r, c]), places[0])
            if reflected is not None and reflected[r, c]:
                row.append(Cell(text, lit if inside else pad_style))
                continue
            if coverage[r, c] == 0:
                row.append(Cell(text, Style(dim=True) if view.colour else None, "("))
                continue
            winner = window.argmax == (r, c)
            row.append(Cell(text, lit if inside else None, "[" if winner else " "))
        cells.append(row)
    # lines before the window's first row and column and after its last: the window is the
    # block between them
    span_r = (window.rows[0] + rows.pad_before, window.rows[-1] + rows.pad_before + 1)
    span_c = (window.cols[0] + cols.pad_before, window.cols[-1] + cols.pad_before + 1)
    breaks_r = [b for b in span_r if 0 < b < len(padded_rows)]
    breaks_c = [b for b in span_c if 0 < b < len(padded_cols)]
    input_grid = grid(
        cells,
        row_labels=_labels(story, 0, padded_rows, taps_r),
        col_labels=_labels(story, 1, padded_cols, taps_c),
        row_breaks=breaks_r,
        col_breaks=breaks_c,
        ascii_only=view.ascii_only,
    )
    output_grid = _output_grid(result, view, frame, places)
    if text_width(input_grid) + 9 + text_width(output_grid) > view.width:
        return None
    table = Table.grid(padding=(0, 3))
    padded = len(padded_rows) != rows.n or len(padded_cols) != cols.n
    table.add_row(
        Text(_name(story.input_name, rows.n, cols.n) + (" (padded)" if padded else ""), "bold"),
        Text(""),
        Text(_name(story.output_name, rows.out, cols.out), style="bold"),
    )
    arrow = (
        ("<-" if view.ascii_only else "←") if story.backward else "->" if view.ascii_only else "→"
    )
    table.add_row(input_grid, Text(f"\n{story.arrow}\n{arrow}", justify="center"), output_grid)
    pending = frame.window + 1 < result.window_count
    return Group(table, _legend(story, view, padded, int(coverage.min()) == 0, pending))


def _name(name: str, h: int, w: int) -> str:
    """A grid's heading: ``Input 4x4``."""
    return f"{name[:1].upper()}{name[1:]} {h}x{w}"


def _output_grid(
    result: PoolResult, view: AnimateView, frame: Frame, places: tuple[int, int]
) -> Text:
    """The output: computed cells, the current one as ``[v]``, the rest as ``·`` (all one
    width, so the grid keeps its size from frame to frame)."""
    rows, cols = result.rows, result.cols
    out = result.output[view.item, :, :, view.channel]
    texts = [format_number(float(v), places[1]) for v in out.ravel()]
    width = max(len(t) for t in texts)
    unseen = "." if view.ascii_only else UNSEEN
    cells = []
    for i in range(rows.out):
        row = []
        for j in range(cols.out):
            k = i * cols.out + j
            colour = window_colour_at(i, j, cols.out)
            if k == frame.window:
                style = background(colour, bold=True) if view.colour else None
                row.append(Cell(texts[k].rjust(width), style, "["))
            elif k < frame.window:
                row.append(Cell(texts[k].rjust(width), background(colour) if view.colour else None))
            else:
                row.append(Cell(unseen.rjust(width), Style(dim=True) if view.colour else None))
        cells.append(row)
    return grid(
        cells,
        row_labels=[str(i) for i in range(rows.out)],
        col_labels=[str(j) for j in range(cols.out)],
        ascii_only=view.ascii_only,
    )


def _legend(story: Story, view: AnimateView, padded: bool, dropped: bool, pending: bool) -> Text:
    """What the marks mean, for the marks this frame has (``pending``: output cells not
    computed yet)."""
    parts = ["between the lines: the window"]
    if story.ringed:
        parts.append("[v] its max")
    if padded:
        parts.append(f"{story.pad_text} padding")
    if dropped:
        parts.append("(v) read by no window")
    if pending:
        parts.append(f"{'.' if view.ascii_only else UNSEEN} not computed yet")
    return _plain(Text("  ".join(parts), style="dim"), view)


def _zoom(
    story: Story,
    view: AnimateView,
    frame: Frame,
    window: Window,
    places: tuple[int, int],
) -> RenderableType:
    """For inputs too large for numbers: the window's cells (winner ``[v]``, padding as
    ``-∞`` or ``0``) and where it sits, beside the output filling in when that fits, or else
    how much of the output is computed."""
    result = story.result
    rows, cols = result.rows, result.cols
    h, w = result.input.shape[1:3]
    done = frame.window + 1
    limit = MAX_GRID_ROWS if view.height is None else view.height - 12
    output = None
    if rows.out <= limit and not too_wide(cols.out, view.width):
        output_grid = _output_grid(result, view, frame, places)
        output = output_grid if text_width(output_grid) <= view.width else None
    progress = Text(
        f"output {rows.out}x{cols.out}: {done:,} of {result.window_count:,} cells computed",
        style="dim",
    )
    where = Text(_name(story.input_name, h, w), style="bold")
    where.append(
        f": the window at rows {window.rows[0]}-{window.rows[-1]}, "
        f"columns {window.cols[0]}-{window.cols[-1]}"
    )
    too_many = Text(f"{window.cells.size} cells, too many to list at this width", style="dim")
    body = (
        too_many
        if too_wide(len(window.cols), view.width)
        else (
            _window_grid(story, window, story.plane(frame, view.item, view.channel), places, view)
        )
    )
    if text_width(body) > view.width:
        body = too_many
    if output is None:
        return Group(where, body, progress)
    title = Text(_name(story.output_name, rows.out, cols.out), style="bold")
    if text_width(body) + 3 + text_width(output) > view.width:
        return Group(where, body, title, output)
    table = Table.grid(padding=(0, 3))
    table.add_row(Text(""), title)
    table.add_row(body, output)
    return Group(where, table)


def _window_grid(
    story: Story, window: Window, plane: np.ndarray, places: tuple[int, int], view: AnimateView
) -> Text:
    """The window's cells of ``plane`` with their input indices (``p`` for padding), winner
    ``[v]``."""
    cells = [
        [
            Cell(story.pad_text)
            if window.padded[a, b]
            else Cell(
                format_number(float(plane[window.rows[a], window.cols[b]]), places[0]),
                None,
                "[" if window.argmax == (window.rows[a], window.cols[b]) else " ",
            )
            for b in range(len(window.cols))
        ]
        for a in range(len(window.rows))
    ]
    return grid(
        cells,
        row_labels=[story.index_label(r, 0) for r in window.rows],
        col_labels=[story.index_label(k, 1) for k in window.cols],
        ascii_only=view.ascii_only,
    )
