"""``poolviz explore``'s panes as rich renderables: one output cell of a :class:`PoolResult`
and the window behind it, drawn for a pane of a given width.

Built from ``poolviz pool``'s and ``poolviz grad``'s own pieces (grids, pictures, the step
table's columns, the coverage map, the routing and unpooling sections), so a window looks the
same in every command; nothing here computes a number the engine did not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Span, Text

from poolviz.engine.explain import PoolResult, Window
from poolviz.engine.geometry import Axis
from poolviz.engine.gradient import GradResult
from poolviz.render.style import (
    PADDING_COLOUR,
    config_line,
    decimals_for,
    format_values,
    output_decimals,
    window_colour_at,
)
from poolviz.render.terminal.explore_kinds import (
    Kind,
    filter_pane,
    kind_config,
    kind_formula,
    kind_input_title,
    kind_legend,
    kind_step,
    kind_view_pane,
)
from poolviz.render.terminal.fit import hanging
from poolviz.render.terminal.grad import GradView, number_matrix, routing_parts, unpooling_parts
from poolviz.render.terminal.grid import Cell, background, picture, too_wide
from poolviz.render.terminal.pool import (
    MAX_GRID_ROWS,
    PoolView,
    cells_text,
    coverage_grids,
    mean_decimals,
    result_text,
    taps_text,
    text_width,
    value_range,
    winner_text,
)

WIDE = 120
"""Columns from which the panes sit in two columns rather than one under the other."""


@dataclass(frozen=True)
class Focus:
    """What the panes show of a result: one output cell of one plane, on one terminal."""

    at: tuple[int, int]
    """The current output cell (i, j); its window is outlined in the input."""
    item: int = 0
    channel: int = 0
    width: int = 80
    """Columns a pane may take."""
    colour: bool = True
    """Whether to paint window colours (without it: reverse video and marks only)."""
    kind: Kind | None = None
    """LP or blur pooling, whose windows the result holds (see :mod:`.explore_kinds`)."""

    def pool_view(self) -> PoolView:
        """The same choice as ``poolviz pool``'s view of one channel at this width."""
        return PoolView(
            item=self.item, channels=(self.channel,), width=self.width, colour=self.colour
        )


def _highlight(focus: Focus, result: PoolResult) -> Style:
    """The style of the current window's cells and its output cell."""
    if not focus.colour:
        return Style(reverse=True, bold=True)
    return background(window_colour_at(*focus.at, result.cols.out), bold=True)


def _span(taps: tuple[int, ...], before: int) -> tuple[int, int]:
    """The first and one-past-last positions of ``taps`` in the padded grid."""
    return taps[0] + before, taps[-1] + before + 1


def input_pane(result: PoolResult, focus: Focus) -> RenderableType:
    """The input with the current window outlined and its winner marked ``[v]``, or, when
    the numbers do not fit, a picture with the window's cells highlighted and its winner
    drawn ``◆``."""
    numbers = input_numbers(result, focus)
    return numbers if numbers is not None else input_picture(result, focus)


def _input_title(result: PoolResult, focus: Focus) -> Text:
    rows, cols = result.rows, result.cols
    title = f"Input {rows.n}x{cols.n}" if focus.kind is None else kind_input_title(focus.kind)
    return Text(title + _channel_label(result, focus), style="bold")


def input_numbers(result: PoolResult, focus: Focus) -> RenderableType | None:
    """The input's numbers with the current window outlined, or None if they do not fit."""
    rows, cols = result.rows, result.cols
    padded_h = rows.n + rows.pad_before + rows.pad_after + rows.overhang
    padded_w = cols.n + cols.pad_before + cols.pad_after + cols.overhang
    if padded_h > MAX_GRID_ROWS or too_wide(padded_w, focus.width):
        return None
    body = _input_grid(result, focus, result.window(*focus.at, focus.item, focus.channel))
    if text_width(body) > focus.width:
        return None
    return Group(_input_title(result, focus), body)


def input_picture(result: PoolResult, focus: Focus) -> RenderableType:
    """The input as a picture, the current window's cells highlighted and its winner ◆."""
    window = result.window(*focus.at, focus.item, focus.channel)
    shown = _marked_picture(
        result.input,
        (window.rows[0], window.rows[-1] + 1),
        (window.cols[0], window.cols[-1] + 1),
        window.argmax,
        focus,
        _highlight(focus, result),
    )
    return Group(_input_title(result, focus), shown)


def _channel_label(result: PoolResult, focus: Focus) -> str:
    c = result.input.shape[3]
    return f" · channel {focus.channel} of 0-{c - 1}" if c > 1 else ""


def _input_grid(result: PoolResult, focus: Focus, window: Window) -> Text:
    rows, cols = result.rows, result.cols
    plane = result.input[focus.item, :, :, focus.channel]
    texts = format_values(plane)
    pad_text = "-∞" if result.mode == "max" else "0"
    taps = {(r, c) for r in window.rows for c in window.cols}
    reads = rows.reads(), cols.reads()
    on = _highlight(focus, result)
    cells: list[list[Cell]] = []
    # past the padding: where ceil mode's last window hangs over the edge, read by nothing
    padded_rows = range(-rows.pad_before, rows.n + rows.pad_after + rows.overhang)
    padded_cols = range(-cols.pad_before, cols.n + cols.pad_after + cols.overhang)
    for r in padded_rows:
        row: list[Cell] = []
        for c in padded_cols:
            if r >= rows.n + rows.pad_after or c >= cols.n + cols.pad_after:
                row.append(Cell("·", Style(dim=True)))
                continue
            inside = 0 <= r < rows.n and 0 <= c < cols.n
            if not inside:
                style = on if (r, c) in taps else Style(color=PADDING_COLOUR, dim=True)
                row.append(Cell(pad_text, style if focus.colour or (r, c) in taps else None))
                continue
            text = texts[r * cols.n + c]
            if (r, c) in taps:
                row.append(Cell(text, on, "[" if window.argmax == (r, c) else " "))
            elif reads[0][r] == 0 or reads[1][c] == 0:
                row.append(Cell(text, Style(dim=True), "("))
            else:
                row.append(Cell(text))
        cells.append(row)
    top, bottom = _span(window.rows, rows.pad_before)
    left, right = _span(window.cols, cols.pad_before)
    frame = Style(bold=True, color=on.bgcolor) if focus.colour else Style(bold=True)
    return outlined_grid(
        cells,
        [_index(r, rows) for r in padded_rows],
        [_index(c, cols) for c in padded_cols],
        (top, bottom, left, right),
        frame,
    )


def outlined_grid(
    cells: list[list[Cell]],
    row_labels: list[str],
    col_labels: list[str],
    box: tuple[int, int, int, int],
    frame: Style,
) -> Text:
    """A labelled matrix of cells (each ``[v]``, ``(v)`` or ``␣v␣``, as :func:`grid` draws
    them) with a box drawn around rows ``box[0]:box[1]`` and columns ``box[2]:box[3]``: the
    current window. The box's top and bottom are lines of their own, so the matrix is always
    two lines taller than its rows."""
    top, bottom, left, right = box
    width = max(len(cell.text) for row in cells for cell in row)
    step = width + 3  # a gutter, the mark, the text, the closing mark
    lead = " " * (max(len(label) for label in row_labels) + 1)
    out = Text(no_wrap=True, overflow="crop")
    out.append(lead + "".join(" " + label.rjust(width + 1) + " " for label in col_labels), "dim")

    def rule(first: str, last: str) -> None:
        out.append("\n" + lead + " " * (step * left))
        out.append(first + "─" * (step * (right - left) - 1) + last, frame)

    for i, row in enumerate(cells):
        if i == top:
            rule("┌", "┐")
        out.append("\n" + row_labels[i].rjust(len(lead) - 1) + " ", "dim")
        inside = top <= i < bottom
        for j, cell in enumerate(row):
            out.append("│" if inside and j in (left, right) else " ", frame)
            close = {"[": "]", "(": ")"}.get(cell.mark, " ")
            out.append(f"{cell.mark}{cell.text.rjust(width)}{close}", cell.style or "")
        out.append("│" if inside and right == len(row) else "", frame)
        if i == bottom - 1:
            rule("└", "┘")
    return out


def legend(result: PoolResult, focus: Focus) -> Text:
    """What the grids' marks mean, those that are on show."""
    window = result.window(*focus.at, focus.item, focus.channel)
    parts = [f"window {window.out[0]},{window.out[1]} outlined"]
    if window.argmax is not None:
        parts.append("[v] its max")
    if any(0 in ax.reads() for ax in (result.rows, result.cols)):
        parts.append("(v) dropped")
    if any(result.padding_resolved):
        parts.append(("-∞" if result.mode == "max" else "0") + " padding")
    if result.rows.overhang or result.cols.overhang:
        parts.append("· past the input (ceil mode): read by nothing")
    if focus.kind is not None:
        parts += kind_legend(focus.kind)
    return Text("  ".join(parts), style="dim")


def _index(k: int, ax: Axis) -> str:
    """A row or column label: its index, ``p`` for padding, blank past the padding."""
    if k >= ax.n + ax.pad_after:
        return ""
    return "p" if not 0 <= k < ax.n else str(k)


def output_pane(result: PoolResult, focus: Focus) -> RenderableType:
    """The output with the current cell highlighted; a picture when it does not fit."""
    oh, ow = result.rows.out, result.cols.out
    plane = result.output[focus.item, :, :, focus.channel]
    title = f"Output {oh}x{ow}"
    i, j = focus.at
    on = _highlight(focus, result)
    if oh <= MAX_GRID_ROWS and not too_wide(ow, focus.width):
        here = [[(r, c) == (i, j) for c in range(ow)] for r in range(oh)]
        mode = result.mode if focus.kind is None else "avg"  # LP and blur compute new values
        inputs = result.input[focus.item, :, :, focus.channel]
        body = number_matrix(
            plane,
            GradView(pool=focus.pool_view()),
            styles=[[on if cell else None for cell in row] for row in here],
            marks=[["[" if cell else " " for cell in row] for row in here],
            decimals=output_decimals(mode, inputs, plane),
        )
        if body is not None:
            return Group(Text(title, style="bold"), body)
    shown = _marked_picture(result.output, (i, i + 1), (j, j + 1), None, focus, on)
    return Group(Text(title, style="bold"), shown)


def _marked_picture(
    values: np.ndarray,
    rows: tuple[int, int],
    cols: tuple[int, int],
    winner: tuple[int, int] | None,
    focus: Focus,
    on: Style,
) -> RenderableType:
    """The focused plane of the NHWC ``values`` as ``poolviz pool``'s picture within the
    pane, the cells ``rows`` x ``cols`` (half-open, clipped to the plane) highlighted and the
    ``winner`` drawn ``◆``; a note says by how much the picture was shrunk."""
    index = (focus.item, slice(None), slice(None), focus.channel)
    plane = values[index]
    h, w = plane.shape
    width = max(8, focus.width)
    shown = _picture(values, (focus.item, focus.channel), width, focus.colour)
    step = max(1, -(-w // width))
    lines = shown.plain.split("\n")
    starts = np.cumsum([0] + [len(line) + 1 for line in lines])
    r0, r1 = max(rows[0], 0), min(rows[1], h)
    c0, c1 = max(cols[0], 0), min(cols[1], w)
    if r0 < r1 and c0 < c1:
        top, bottom = r0 // step, (r1 - 1) // step  # rows of the shrunk picture
        for line in range(top // 2, bottom // 2 + 1):
            begin = int(starts[line])
            # a text row holds two picture rows, the upper as the half block's colour and
            # the lower as its background: paint only the halves inside the window
            halves = [top <= 2 * line + k <= bottom for k in (0, 1)]
            if focus.colour and not all(halves):
                half = Style(color=on.bgcolor) if halves[0] else Style(bgcolor=on.bgcolor)
            elif focus.colour:
                half = Style(color=on.bgcolor, bgcolor=on.bgcolor)
            else:
                half = on
            shown.stylize(half, begin + c0 // step, begin + (c1 - 1) // step + 1)
    if winner is not None:  # ◆ takes one cell, as the half block it replaces
        at = int(starts[winner[0] // step // 2]) + winner[1] // step
        plain = shown.plain
        spans = [*shown.spans, Span(at, at + 1, on)]
        shown = Text(plain[:at] + "◆" + plain[at + 1 :], spans=spans, no_wrap=True)
    notes = [value_range(plane)]
    if step > 1:
        notes.append(f"shown at 1/{step} scale")
    if winner is not None:
        notes.append("◆ the window's max")
    said = " · ".join(notes)
    if len(said) > len(lines[0]):  # one note a line rather than widen the pane
        said = "\n".join(notes)
    return Group(shown, Text(said, style="dim"))


_PICTURES: dict[tuple[object, ...], tuple[np.ndarray, Text]] = {}
"""The last pictures drawn, by the memory they show, plane, width and colour: a key that only
moves the window redraws the same picture, which takes most of a repaint to make. Each
entry holds its array, so that no other array can take over its memory while it is kept."""


def _picture(values: np.ndarray, plane: tuple[int, int], width: int, colour: bool) -> Text:
    """``poolviz pool``'s picture of the (item, channel) ``plane`` of the NHWC ``values``, or
    of ``values`` itself when 2-D (a copy, free to restyle), made once per array, plane,
    width and colour."""
    memory = values.__array_interface__["data"][0], values.shape, values.strides
    key = (*memory, plane, width, colour)
    kept = _PICTURES.get(key)
    if kept is None:
        if len(_PICTURES) > 16:
            _PICTURES.clear()
        shown = values if values.ndim == 2 else values[plane[0], :, :, plane[1]]
        kept = _PICTURES[key] = (values, picture(shown, width, colour=colour, ascii_only=False))
    return kept[1].copy()


def formula_pane(result: PoolResult, kind: Kind | None = None, width: int = 80) -> Text:
    """The output size worked out with the current numbers, height then width (LP's and
    blur's as :func:`.kind_formula` works them), each folded to ``width`` with its further
    lines indented."""
    if kind is not None:
        return kind_formula(kind, result, width)
    rule = "Keras's 'same' rule" if result.spec.padding == "same" else "PyTorch's formula"
    text = Text(f"Output size, {rule}:\n", style="bold")
    text.append(folded(result.formula["h"], width) + "\n")
    text.append(folded(result.formula["w"], width))
    return text


def folded(line: str, width: int) -> str:
    """``line`` folded at spaces to ``width``, its further lines indented two spaces."""
    return hanging(line, width, first="", rest="  ").rstrip("\n")


def step_pane(result: PoolResult, focus: Focus) -> RenderableType:
    """The step table's row for the current window, with ``poolviz pool``'s columns."""
    window = result.window(*focus.at, focus.item, focus.channel)
    decimals = decimals_for(result.input[focus.item, :, :, focus.channel])
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False, show_edge=False)
    # only the cells fold when the pane is narrow: the other columns are short
    table.add_column("out", justify="right", no_wrap=True)
    table.add_column("rows", no_wrap=True)
    table.add_column("cols", no_wrap=True)
    table.add_column("cells (row by row)", overflow="fold")
    result_head = "max" if result.mode == "max" else "sum / divisor = mean"
    value = result_text(
        window, result.mode, decimals, mean_decimals(result, focus.item, focus.channel)
    )
    if focus.kind is not None:
        result_head, value = kind_step(focus.kind, window, decimals, focus.item, focus.channel)
    table.add_column(result_head, justify="right", no_wrap=True)
    row: list[RenderableType] = [
        Text(f"{window.out[0]},{window.out[1]}", style=_highlight(focus, result)),
        taps_text(window.rows),
        taps_text(window.cols),
        cells_text(window, result.mode if focus.kind is None else "avg", decimals),
        value,
    ]
    if window.argmax is not None or (result.mode == "max" and focus.kind is None):
        table.add_column("winner at", no_wrap=True)
        row.append(winner_text(window))
    table.add_row(*row)
    k = focus.at[0] * result.cols.out + focus.at[1] + 1
    return Group(Text(f"Step {k} of {result.window_count}", style="bold"), table)


def coverage_pane(result: PoolResult, focus: Focus) -> RenderableType:
    """How many windows read each input cell (and an average's divisors), as ``poolviz
    pool`` shows them; a picture with its range when the numbers do not fit."""
    coverage = result.coverage
    if coverage.shape[0] <= MAX_GRID_ROWS and not too_wide(coverage.shape[1], focus.width):
        shown = coverage_grids(result, focus.pool_view())
        return shown
    return Group(
        Text("Coverage: windows reading each cell", style="bold"),
        _picture(coverage, (0, 0), focus.width, focus.colour),
        Text(f"{value_range(coverage)} windows; 0 = dropped", style="dim"),
    )


def gradient_pane(grad: GradResult, focus: Focus) -> RenderableType:
    """``poolviz grad``'s backward section: the gradient at the input, the windows feeding
    each cell and where each cell's share comes from."""
    return Group(*routing_parts(grad, GradView(pool=focus.pool_view()), focus.channel, None))


def unpool_pane(grad: GradResult, focus: Focus) -> RenderableType:
    """``poolviz grad``'s max-unpooling section; average pooling records no winners."""
    if grad.unpooled is None:
        return Text(
            "Max-unpooling needs the winners max pooling records; average pooling keeps none "
            "(m switches the mode)",
            style="dim",
        )
    return Group(*unpooling_parts(grad, GradView(pool=focus.pool_view()), focus.channel, None))


def status_text(
    result: PoolResult,
    focus: Focus,
    axes: str,
    view: str,
    error: str | None,
    padding: str | None = None,
) -> Text:
    """The status line: the configuration shown (``padding`` as the keys set it: ``valid``
    stays a word), the cell, which axes the keys change (when not both), the view (when not
    the pooling) and the last refusal (``error: ...``, the command line's own words) if
    any."""
    config = config_line(result, padding)
    if focus.kind is not None:
        config = kind_config(focus.kind, result.spec.ceil_mode)
    text = Text(config, style="bold")
    text.append(f" · cell {focus.at[0]},{focus.at[1]}")
    if axes != "both":
        text.append(f" · keys: {axes} only", style="bold")
    if view != "pool":
        text.append(f" · {view} view")
    if error is not None:
        text.append("\n")
        text.append(f"error: {error}", style="bold red" if focus.colour else "bold reverse")
    return text


def grids_pane(result: PoolResult, focus: Focus) -> RenderableType:
    """The input and the output side by side when both fit the pane, else one above the
    other (each a picture if its numbers do not fit), and what their marks mean."""
    gap = 3
    left = input_numbers(result, focus)
    shown = [legend(result, focus)] if left is not None else []
    if left is None:  # a picture as wide as the pane: half of it, beside the output's
        left = input_picture(result, replace(focus, width=max(8, (focus.width - gap) // 2)))
    right = output_pane(result, replace(focus, width=max(8, focus.width - gap - _width(left))))
    if _width(left) + gap + _width(right) <= focus.width:
        table = Table.grid(padding=(0, gap))
        table.add_row(left, right)
        return Group(table, *shown)
    return Group(left, Text(""), output_pane(result, focus), *shown)


def _width(renderable: RenderableType) -> int:
    """Columns ``renderable`` takes, measured as rich lays it out."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000)
    return Measurement.get(console, console.options, renderable).maximum


def lower_pane(
    result: PoolResult, focus: Focus, view: str, grad: GradResult | None
) -> RenderableType:
    """The pane under the formula: the coverage map (``view`` pool), the gradient's routing
    (``gradient``) or unpooling (``unpooling``), which need ``grad``."""
    kind = focus.kind
    if view == "pool" and kind is not None and kind.blur:
        return Group(filter_pane(kind), Text(""), coverage_pane(result, focus))
    if view != "pool" and kind is not None:
        return kind_view_pane(kind, view, focus.width, focus.colour, focus.item, focus.channel)
    if view == "pool" or grad is None:
        return coverage_pane(result, focus)
    if view == "gradient":
        return gradient_pane(grad, focus)
    return unpool_pane(grad, focus)


def panes(
    result: PoolResult, focus: Focus, view: str, grad: GradResult | None
) -> list[RenderableType]:
    """Every pane top to bottom, as the app shows them in one column: the grids, the step,
    the formula and :func:`lower_pane`."""
    return [
        grids_pane(result, focus),
        step_pane(result, focus),
        formula_pane(result, focus.kind, focus.width),
        lower_pane(result, focus, view, grad),
    ]
