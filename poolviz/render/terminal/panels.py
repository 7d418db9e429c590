"""What the demos' terminal reports share: matrices shown as numbers or pictures, panels
side by side as far as the terminal's width allows, headers.

Each report draws a finished result from :mod:`poolviz.demos`; every number shown is read off
it, never recomputed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis
from poolviz.render.style import (
    OKABE_ITO,
    window_colour_at,
)
from poolviz.render.terminal.fit import hanging
from poolviz.render.terminal.grid import (
    Cell,
    background,
    grid,
    number_cells,
    picture,
    too_wide,
)
from poolviz.render.terminal.pool import text_width, tiling_breaks
from poolviz.render.terminal.view import DemoView

CHANGED_COLOUR = OKABE_ITO[5]
"""Vermillion behind an output cell a shift changed (also marked ``[v]``)."""


SHORT_NAMES = {
    "max": "max",
    "avg": "avg",
    "adaptive_avg": "adaptive avg",
    "blur": "blur",
    "global_max": "global max",
    "global_avg": "global avg",
    "conv": "conv",
}
"""Panel titles of the operations, short enough for five panels in 80 columns (more wrap
onto a second row)."""


MAX_GRID_ROWS = 16
"""Tallest matrix shown as numbers; taller ones are pictures."""


def plane_of(values: np.ndarray, channel: int = 0) -> np.ndarray:
    """Item 0, one channel of an NHWC array."""
    return np.asarray(values[0, :, :, channel])


def side_by_side(panels: Sequence[tuple[str, Text]], width: int, gap: int = 3) -> RenderableType:
    """Titled panels side by side, wrapped onto more rows where the terminal is too narrow."""
    rows: list[list[tuple[str, Text]]] = [[]]
    used = 0
    for title, body in panels:
        need = max(text_width(body), cell_len(title))
        if rows[-1] and used + gap + need > width:
            rows.append([])
            used = 0
        used += need + (gap if rows[-1] else 0)
        rows[-1].append((title, body))
    out: list[RenderableType] = []
    for row in rows:
        table = Table.grid(padding=(0, gap))
        for _ in row:
            table.add_column(no_wrap=True)
        table.add_row(*(Text(title, style="bold") for title, _ in row))
        table.add_row(*(body for _, body in row))
        out.append(table)
    return Group(*out)


def fits_as_numbers(plane: np.ndarray, width: int) -> bool:
    """Whether ``plane`` as a grid of numbers is at most ``width`` columns wide."""
    if plane.shape[0] > MAX_GRID_ROWS or too_wide(plane.shape[1], width):
        return False
    return text_width(grid(number_cells(plane), ascii_only=True)) <= width


def matrix_panel(
    plane: np.ndarray,
    view: DemoView,
    width: int,
    *,
    fills: np.ndarray | None = None,
    marked: np.ndarray | None = None,
    mark_colour: str = CHANGED_COLOUR,
    result: PoolResult | None = None,
) -> Text:
    """``plane`` as numbers (cells on ``fills`` colours, ``marked`` cells as ``[v]`` on
    ``mark_colour``, lines between the windows of ``result`` where they tile the input), or
    as a picture at most ``width`` wide when numbers would not fit."""
    if not fits_as_numbers(plane, width):
        return picture(plane, width, colour=view.colour, ascii_only=view.ascii_only)
    cells = number_cells(plane)
    out: list[list[Cell]] = []
    for i, row in enumerate(cells):
        line = []
        for j, cell in enumerate(row):
            mark = marked is not None and bool(marked[i, j])
            colour = mark_colour if mark else (fills[i, j] if fills is not None else None)
            style = background(colour) if colour and view.colour else None
            line.append(Cell(cell.text, style, "[" if mark else " "))
        out.append(line)
    return tiled_grid(out, view, (result.rows, result.cols) if result else None)


def tiled_grid(
    cells: Sequence[Sequence[Cell]], view: DemoView, axes: tuple[Axis, Axis] | None
) -> Text:
    """``cells`` (a map as it is input to pooling, without padding) as a grid, with lines
    between the windows of ``axes`` (rows, columns) where they tile the map."""
    if axes is None:
        return grid(cells, ascii_only=view.ascii_only)
    rows, cols = axes
    return grid(cells, row_breaks=edges(rows), col_breaks=edges(cols), ascii_only=view.ascii_only)


def edges(ax: Axis) -> list[int]:
    """Input indices before which one window ends and the next begins, where windows tile
    the input (as ``poolviz pool`` draws them, less the padding)."""
    return [b - ax.pad_before for b in tiling_breaks(ax) if 0 < b - ax.pad_before < ax.n]


def output_fills(result: PoolResult) -> np.ndarray:
    ow = result.cols.out
    return np.array(
        [[window_colour_at(i, j, ow) for j in range(ow)] for i in range(result.rows.out)],
        dtype=object,
    )


def header(title: str, line: str, view: DemoView) -> Text:
    """A demo report's first lines: the title, the configuration (one line or several) and
    the notes about the input, each folded at spaces to the terminal with its further lines
    indented two spaces (a line the terminal wrapped would start at its left edge and read
    as the next one)."""
    text = Text()
    text.append(_folded(title, view.width), style="bold")
    for part in line.split("\n"):
        text.append("\n" + _folded(part, view.width))
    for note in view.notes:
        text.append("\n" + _folded(note, view.width), style="dim")
    return text


def _folded(line: str, width: int) -> str:
    return hanging(line, width, first="", rest="  ").rstrip("\n") if line else line
