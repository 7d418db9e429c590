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
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
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
    """A rich ``Table`` of text cells (``str`` or ``Text``) that measures and draws them from
    their text, as rich's Table would.

    Rich measures a column by measuring each of its cells through the renderable protocol,
    and a table that :func:`fitted` tries is measured three times over: twice for its
    natural width, once more to lay it out; it then draws each cell through two nested
    renders (the cell's padding, the text's wrapping). Here each cell's text is read once for
    rich's own measurements (``Table._measure_column``: longest line and longest word, the
    padding, the column's width limits), and where every cell fits its column unwrapped (as
    :func:`fitted` arranges) its lines are justified and rendered directly; rich's layout
    decides the widths, and a table that must wrap or crop a cell, or uses what this does not
    read (other cells, row styles, vertical padding), is measured or drawn by rich. Either
    way the segments are rich's: ``tests/test_fit.py`` draws tables both ways."""

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

    def _render(self, console: Console, options: ConsoleOptions, widths: list[int]) -> RenderResult:
        rows = self._drawn_rows(console, options, widths)
        if rows is None:
            yield from super()._render(console, options, widths)
            return
        box = (
            self.box.substitute(
                options, safe=console.safe_box if self.safe_box is None else self.safe_box
            )
            if self.box
            else None
        )
        box = box.get_plain_headed_box() if box and not self.show_header else box
        border = console.get_style(self.style or "") + console.get_style(self.border_style or "")
        new_line = Segment.line()
        edge = self.show_edge
        if box and edge:
            yield Segment(box.get_top(widths), border)
            yield new_line
        for index, cells in enumerate(rows):
            first, last = index == 0, index == len(rows) - 1
            if box and last and self.show_footer:
                yield Segment(box.get_row(widths, "foot", edge=edge), border)
                yield new_line
            left, right, between = (
                ("", "", "")
                if box is None
                else (box.head_left, box.head_right, box.head_vertical)
                if first
                else (box.foot_left, box.foot_right, box.foot_vertical)
                if last
                else (box.mid_left, box.mid_right, box.mid_vertical)
            )
            for line_no in range(len(cells[0])):
                if box and edge:
                    yield Segment(left, border)
                for k, cell in enumerate(cells):
                    yield from cell[line_no]
                    if box and k < len(cells) - 1:
                        yield Segment(between, border)
                if box and edge:
                    yield Segment(right, border)
                yield new_line
            if box and first and self.show_header:
                yield Segment(box.get_row(widths, "head", edge=edge), border)
                yield new_line
            row = (
                None
                if (first and self.show_header) or (last and self.show_footer)
                else self.rows[index - self.show_header]
            )
            if (
                box
                and row is not None
                and row.end_section
                and not last
                and not (self.show_footer and index >= len(rows) - 2)
            ):
                yield Segment(box.get_row(widths, "row", edge=edge), border)
                yield new_line
        if box and edge:
            yield Segment(box.get_bottom(widths), border)
            yield new_line

    def _drawn_rows(
        self, console: Console, options: ConsoleOptions, widths: list[int]
    ) -> list[list[list[list[Segment]]]] | None:
        """Each row (header and footer included, when shown) as its cells' lines of
        segments, each cell as tall as the row; None unless every cell is text that fits its
        column unwrapped and the table uses no row styles, vertical padding, collapsed
        padding, lines between rows or column styles."""
        top, right, bottom, left = self.padding
        if (
            top
            or bottom
            or self.collapse_padding
            or self.row_styles
            or self.show_lines
            or self.leading
            or any(row.style is not None for row in self.rows)
        ):
            return None
        get_style = console.get_style
        columns = []
        last = len(self.columns) - 1
        for column, width in zip(self.columns, widths, strict=True):
            if column.style or column.vertical != "top":
                return None
            cells: list[tuple[RenderableType, Style]] = [(c, Style.null()) for c in column._cells]
            if self.show_header:
                style = get_style(self.header_style or "") + get_style(column.header_style)
                cells.insert(0, (column.header, style))
            if self.show_footer:
                style = get_style(self.footer_style or "") + get_style(column.footer_style)
                cells.append((column.footer, style))
            pad_left = 0 if column._index == 0 and not self.pad_edge else left
            pad_right = 0 if column._index == last and not self.pad_edge else right
            drawn = []
            for cell, style in cells:
                if isinstance(cell, str):
                    cell = console.render_str(
                        cell, highlight=column.highlight, markup=options.markup
                    )
                if type(cell) is not Text:
                    return None
                justify = cell.justify or column.justify
                lines = _cell_lines(console, cell, width, pad_left, pad_right, justify, style)
                if lines is None:
                    return None
                drawn.append((lines, style))
            columns.append(drawn)
        rows = []
        count = len(columns[0]) if columns else 0
        for index in range(count):
            height = max(len(col[index][0]) for col in columns)
            header = self.show_header and index == 0
            row = []
            for col, width in zip(columns, widths, strict=True):
                lines, style = col[index]
                blank = [[Segment(" " * width, style)]] * (height - len(lines))
                row.append(blank + lines if header else lines + blank)
            rows.append(row)
        return rows

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


def _cell_lines(
    console: Console, cell: Text, width: int, left: int, right: int, justify: str, style: Style
) -> list[list[Segment]] | None:
    """The lines rich's Table draws for ``cell`` in a column ``width`` wide with ``left`` and
    ``right`` padding (Padding, then Text's wrap and justify, then the cell's ``style`` over
    every segment); None where a line would have to be wrapped or cut, holds a tab, or the
    justification is other than left or right."""
    room = width - left - right
    lines = cell.split("\n", allow_blank=True)
    for line in lines:
        if justify == "right":
            line.rstrip()
        length = cell_len(line.plain)
        if length > room or "\t" in line.plain or justify not in ("left", "right"):
            return None
        if justify == "left":
            line.pad_right(room - length)
        else:
            line.pad_left(room - length)
    drawn: list[list[Segment]] = [[]]
    for text, own, _ in Text("\n").join(lines).render(console, end=cell.end):
        segment_style = style + own if style else own
        while text:  # as Segment.split_and_crop_lines splits them
            part, new_line, text = text.partition("\n")
            if part:
                drawn[-1].append(Segment(part, segment_style))
            if new_line:
                drawn.append([])
    if not drawn[-1]:
        drawn.pop()
    before = [Segment(" " * left, style)] if left else []
    after = [Segment(" " * right, style)] if right else []
    return [[*before, *line, *after] for line in drawn]
