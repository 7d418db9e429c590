"""Fitting text and tables to the terminal's width: lines folded with a hanging indent (a
line the terminal wrapped would start at its left edge), names shortened in the middle, with
an ellipsis, rather than split mid-word or squeezed to two characters.

A table that lays itself out with :func:`fitted` tries its layouts from the fullest to the
plainest (say, with every column, then without the least important ones) and keeps the first
whose natural width fits; names give way first down to :data:`NAME_FLOOR` characters, then
columns go, then names shrink further, never below :data:`NAME_MIN`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.text import Text

if TYPE_CHECKING:  # the type alone: ``size`` folds lines here and draws no table
    from rich.table import Table

NAME_FLOOR = 16
"""Names are not shortened below this many characters while a column can go instead."""
NAME_MIN = 6
"""Names are never shortened below this many characters."""

L = TypeVar("L")


def hanging(line: str, width: int, first: str = "  ", rest: str = "    ") -> str:
    """``line`` after ``first``, folded at spaces to ``width`` with each further line after
    ``rest``; ends with a newline."""
    return (
        textwrap.fill(
            line, width - 1, initial_indent=first, subsequent_indent=rest, break_long_words=False
        )
        + "\n"
    )


def shorten(name: str, width: int, ascii_only: bool = False) -> str:
    """``name`` in at most ``width`` characters: its middle replaced by an ellipsis, so its
    start and its distinguishing end both stay (``max_po…2d_1``); leading spaces (an
    indent) are kept."""
    if len(name) <= width:
        return name
    indent = name[: len(name) - len(name.lstrip(" "))]
    body = name[len(indent) :]
    mark = "..." if ascii_only else "…"
    keep = max(width - len(indent) - len(mark), 2)
    head = (keep + 1) // 2
    return indent + body[:head] + mark + body[len(body) - (keep - head) :]


def natural_width(console: Console, options: ConsoleOptions, renderable: RenderableType) -> int:
    """The width ``renderable`` takes with room to spare."""
    return Measurement.get(console, options.update(width=10**4), renderable).maximum


def fitted(
    console: Console,
    options: ConsoleOptions,
    layouts: Sequence[L],
    build: Callable[[L, int | None], RenderableType],
    longest: int,
    last_floor: int = NAME_MIN,
) -> tuple[L, RenderableType]:
    """The first of ``layouts`` that fits ``options.max_width``, and its renderable.

    ``build(layout, name_width)`` draws a layout with names cut to ``name_width`` (None: in
    full); ``longest`` is the longest name. Each layout is tried with names in full, then
    cut to no less than :data:`NAME_FLOOR`; the last is cut down to ``last_floor`` (a last
    layout that wraps its other columns can keep names longer)."""
    width = options.max_width
    for i, layout in enumerate(layouts):
        full = build(layout, None)
        over = natural_width(console, options, full) - width
        if over <= 0:
            return layout, full
        floor = min(last_floor if i == len(layouts) - 1 else NAME_FLOOR, longest)
        if longest - over >= floor:
            return layout, build(layout, longest - over)
        if i == len(layouts) - 1:
            return layout, build(layout, floor)
    raise ValueError("no layouts")


def text_widths(table: Table) -> Table:
    """``table`` with the width of each no-wrap column that holds text alone set to its
    longest line (header and footer included where shown): the width rich would measure,
    given once, so that rich lays the table out without measuring every cell again each
    time (twice for :func:`natural_width`, once more to draw it).

    A column rich would measure otherwise is left to rich: one that may wrap, has a minimum
    or maximum width or no cells, or holds a renderable other than text, or a string that
    markup or a tab could change."""
    for column in table.columns:
        if not column.no_wrap or column.width is not None:
            continue
        if column.min_width is not None or column.max_width is not None:
            continue
        cells = [
            *([column.header] if table.show_header else []),
            *column.cells,
            *([column.footer] if table.show_footer else []),
        ]
        widths = [w for w in map(_text_width, cells) if w is not None]
        if cells and len(widths) == len(cells):
            column.width = max(widths)
    return table


def _text_width(cell: RenderableType) -> int | None:
    """Columns the longest line of a text cell takes, as rich measures it; None for a cell
    rich could show otherwise (not text, or a string with markup or a tab)."""
    if isinstance(cell, Text):
        text = cell.plain
    elif isinstance(cell, str) and "[" not in cell:
        text = cell
    else:
        return None
    if "\t" in text:
        return None
    return max((cell_len(line) for line in text.splitlines()), default=0)
