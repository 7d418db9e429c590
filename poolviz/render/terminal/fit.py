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
from typing import TypeVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

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


class TextTable(Table):
    """A rich ``Table`` of text cells (``str`` or ``Text``) that measures its columns from
    their text, read once.

    Rich measures a column by measuring each of its cells through the renderable protocol,
    and a table that :func:`fitted` tries is measured three times over: twice for its
    natural width, once more to lay it out. The measurements here are rich's own
    (``Table._measure_column``: each cell's longest line and longest word, its padding, the
    column's width limits); layout and drawing stay rich's, so the output is the same. A
    table with other cells, fixed-width columns or collapsed padding is measured by rich."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._sizes: dict[tuple[int, int, bool | None], list[tuple[int, int]] | None] = {}

    def _measure_column(
        self, console: Console, options: ConsoleOptions, column: Column
    ) -> Measurement:
        width = options.max_width
        if width < 1 or column.width is not None or self.collapse_padding:
            return super()._measure_column(console, options, column)
        sizes = self._text_sizes(console, options, column)
        if sizes is None:
            return super()._measure_column(console, options, column)
        extra = self._get_padding_width(column._index)
        if any(self.padding) and width - extra < 1:
            cells = [(width, width)] * len(sizes)
        else:
            room = width - extra
            cells = [(min(word, room) + extra, min(line, room) + extra) for word, line in sizes]
        low = max((low for low, _ in cells), default=1)
        high = max((high for _, high in cells), default=width)
        measurement = Measurement(low, high).with_maximum(width)
        return measurement.clamp(
            None if column.min_width is None else column.min_width + extra,
            None if column.max_width is None else column.max_width + extra,
        )

    def _text_sizes(
        self, console: Console, options: ConsoleOptions, column: Column
    ) -> list[tuple[int, int]] | None:
        """:func:`_text_sizes` of ``column``'s cells, header and footer included when shown;
        read once per column and number of rows."""
        key = (column._index, len(column._cells), options.markup)
        if key not in self._sizes:
            cells = [
                *([column.header] if self.show_header else []),
                *column._cells,
                *([column.footer] if self.show_footer else []),
            ]
            self._sizes[key] = _text_sizes(console, options, cells)
        return self._sizes[key]


def _text_sizes(
    console: Console, options: ConsoleOptions, cells: list[RenderableType]
) -> list[tuple[int, int]] | None:
    """Each cell's longest word and longest line, in cells (``Text.__rich_measure__``; a
    ``str`` read as rich reads it, markup and all); None if a cell is not text."""
    sizes = []
    for cell in cells:
        if isinstance(cell, str):
            cell = console.render_str(cell, markup=options.markup, highlight=False)
        if type(cell) is not Text:
            return None
        text = cell.plain
        line = max(map(cell_len, text.splitlines()), default=0)
        sizes.append((max(map(cell_len, text.split()), default=line), line))
    return sizes
