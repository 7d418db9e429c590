"""``poolviz pool`` in the terminal: configuration, formula, windows, steps, output, coverage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from poolviz.engine.explain import PoolResult, Window
from poolviz.engine.geometry import Axis
from poolviz.render.order import AXES, Order
from poolviz.render.style import (
    PADDING_COLOUR,
    SHARED_COLOUR,
    config_line,
    decimals_for,
    format_number,
    format_values,
    output_decimals,
    shape_text,
    total,
    window_colour_at,
)
from poolviz.render.terminal.fit import hanging
from poolviz.render.terminal.grid import Cell, background, grid, picture, too_wide
from poolviz.render.terminal.worked import bins_text

DEFAULT_STEPS = 16
STEP_CELLS = 32
"""Cells a row of the step table lists; a larger window's row says how many it left out."""
MAX_GRID_ROWS = 40
"""Taller inputs are shown as pictures, not numbers, whatever the width."""


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class PoolView:
    """What to show of a :class:`PoolResult`, and for which terminal."""

    item: int = 0
    """Batch item shown."""
    channels: tuple[int, ...] | None = None
    """Channels shown in full; None: the first, with one line for each other channel."""
    steps: int | None = DEFAULT_STEPS
    """Rows of the step table; None for every window."""
    at: tuple[int, int] | None = None
    """One output cell to explain in full."""
    width: int = 80
    colour: bool = True
    ascii_only: bool = False
    notes: tuple[str, ...] = field(default=())
    """Lines about the input (where it came from, layout hints)."""
    order: Order = "nhwc"
    """The axis order shapes are printed in."""


def pool_report(result: PoolResult, view: PoolView | None = None) -> RenderableType:
    """Everything ``poolviz pool`` prints about ``result``, top to bottom."""
    view = view or PoolView()
    channels = view.channels if view.channels is not None else (0,)
    parts: list[RenderableType] = [_header(result, view)]
    for c in channels:
        parts.extend(_channel(result, view, c, len(channels) > 1 or result.input.shape[3] > 1))
    if view.channels is None and result.input.shape[3] > 1:
        parts.append(_channel_summaries(result, view, skip=channels))
    parts.append(_facts(result))
    return Group(*parts)


def _header(result: PoolResult, view: PoolView) -> RenderableType:
    # imported here: ``grad`` draws this module's grids and tables but not the code
    from poolviz.render.terminal.code import framework_code

    n, h, w, c = result.input.shape
    lines = Text()
    # folded with an indent: a line the terminal wrapped would go on at column 0
    lines.append(hanging(config_line(result), view.width, "", "  ").rstrip("\n"), style="bold")
    shapes = (
        f"input {shape_text((n, h, w, c), view.order)} → output "
        f"{shape_text(result.output.shape, view.order)}  {AXES[view.order]}"
    )
    lines.append("\n" + hanging(shapes, view.width, "", "  ").rstrip("\n"))
    for note in view.notes:
        lines.append("\n" + hanging(note, view.width, "", "  ").rstrip("\n"), style="dim")
    if result.kind != "uniform":
        lines.append_text(bins_text(result, view.width))
        lines.append_text(
            framework_code(result.spec, result.rows, result.cols, view.width, view.order)
        )
        return lines
    # same padding is Keras's (or ONNX's) rule, padding per side ONNX's: name the rule shown
    spec = result.spec
    rule = (
        "Keras's 'same' rule"
        if spec.padding == "same"
        else "ONNX's SAME_LOWER rule"
        if spec.padding == "same_lower"
        else "ONNX's formula (padding per side)"
        if _per_side(result)
        else "PyTorch's formula"
    )
    lines.append(f"\n\nOutput size, {rule}:\n", style="bold")
    for (name, formula), ax in zip(result.formula.items(), (result.rows, result.cols), strict=True):
        lines.append(_indented(formula, view.width))
        simple = ax.simple_formula(f"out_{name}")
        if simple and formula.split("   (")[0] != simple:
            lines.append(_indented(f"{simple}   (short form)", view.width), style="dim")
    if spec.ceil_mode:
        note = (
            "ceil mode: round up, but the last window must start inside the input or its left "
            "padding"
        )
        lines.append(_indented(note, view.width), style="dim")
    if spec.same:
        side = "bottom/right" if spec.padding == "same" else "top/left"
        note = (
            f"out = ceil(n / stride); the odd padding cell goes at the {side} and padded "
            "cells never count"
        )
        lines.append(_indented(note, view.width), style="dim")
    lines.append_text(framework_code(result.spec, result.rows, result.cols, view.width, view.order))
    return lines


def _indented(line: str, width: int) -> str:
    """``line`` indented two spaces, folded at spaces to ``width`` with the rest indented
    four (a line the terminal wrapped would start at its left edge)."""
    return hanging(line, width)


def _channel(
    result: PoolResult, view: PoolView, channel: int, labelled: bool
) -> list[RenderableType]:
    title = Text(f"\nChannel {channel}" if labelled else "", style="bold")
    parts: list[RenderableType] = [title] if labelled else []
    grids = number_grids(result, view, channel)
    parts.append(grids if grids is not None else pictures(result, view, channel))
    dropped = _dropped_note(result)
    if dropped:
        parts.append(Text(dropped, style="dim"))
    if view.at is not None:
        parts.append(cell_in_full(result, view, channel))
    parts.append(step_table(result, view, channel))
    if grids is not None:
        parts.append(coverage_grids(result, view))
    return parts


def window_fills(result: PoolResult) -> np.ndarray:
    """For each input cell the colour ``poolviz pool`` gives it: its window's (the first to
    read it), grey where several windows read it (:data:`SHARED_COLOUR`: no one window's
    colour is its own), or an empty string where none does (a dropped cell)."""
    first_row, first_col = result.rows.first_readers(), result.cols.first_readers()
    fills = np.full(result.coverage.shape, "", dtype=object)
    for (r, c), readers in np.ndenumerate(result.coverage):
        if readers > 1:
            fills[r, c] = SHARED_COLOUR
        elif readers == 1:
            fills[r, c] = window_colour_at(int(first_row[r]), int(first_col[c]), result.cols.out)
    return fills


def tiling_breaks(ax: Axis) -> list[int]:
    """Separator positions (in the padded grid) where windows tile the axis exactly."""
    if ax.stride != ax.span or ax.dilation != 1:
        return []
    return [i * ax.stride for i in range(1, ax.out)]


def number_grids(result: PoolResult, view: PoolView, channel: int) -> RenderableType | None:
    """Input (with padding) and output as number grids side by side; None when they would
    not fit the terminal (then pictures are shown instead)."""
    if result.rows.n + result.rows.pad_before + result.rows.pad_after > MAX_GRID_ROWS:
        return None
    padded_width = result.cols.n + result.cols.pad_before + result.cols.pad_after
    if too_wide(padded_width + result.cols.out, view.width):
        return None
    plane = result.input[view.item, :, :, channel]
    rows, cols = result.rows, result.cols
    fills = window_fills(result)
    winners = set()
    if result.indices is not None:
        flat = result.indices[view.item, :, :, channel].ravel()
        winners = {divmod(int(v), cols.n) for v in flat if v >= 0}
    pad_text = "-∞" if result.mode == "max" else "0"
    texts = format_values(plane)
    cells: list[list[Cell]] = []
    padded_rows = range(-rows.pad_before, rows.n + rows.pad_after)
    padded_cols = range(-cols.pad_before, cols.n + cols.pad_after)
    for r in padded_rows:
        row: list[Cell] = []
        for c in padded_cols:
            if not (0 <= r < rows.n and 0 <= c < cols.n):
                row.append(Cell(pad_text, Style(color=PADDING_COLOUR, dim=True)))
                continue
            text = texts[r * cols.n + c]
            if not fills[r, c]:  # read by no window
                row.append(Cell(text, Style(dim=True), "("))
                continue
            style = background(fills[r, c]) if view.colour else None
            row.append(Cell(text, style, "[" if (r, c) in winners else " "))
        cells.append(row)
    input_grid = grid(
        cells,
        row_labels=[_index(r, rows.n) for r in padded_rows],
        col_labels=[_index(c, cols.n) for c in padded_cols],
        row_breaks=[b for b in tiling_breaks(rows)],
        col_breaks=[b for b in tiling_breaks(cols)],
        ascii_only=view.ascii_only,
    )
    out_plane = result.output[view.item, :, :, channel]
    out_texts = format_values(out_plane, output_decimals(result.mode, plane, out_plane))
    out_cells = [
        [
            Cell(
                out_texts[i * cols.out + j],
                background(window_colour_at(i, j, cols.out)) if view.colour else None,
            )
            for j in range(cols.out)
        ]
        for i in range(rows.out)
    ]
    output_grid = grid(
        out_cells,
        row_labels=[str(i) for i in range(rows.out)],
        col_labels=[str(j) for j in range(cols.out)],
        ascii_only=view.ascii_only,
    )
    if text_width(input_grid) + 3 + 1 + 3 + text_width(output_grid) > view.width:
        return None
    table = Table.grid(padding=(0, 3))
    in_title = f"Input {rows.n}x{cols.n}" + (" (padded)" if _has_padding(result) else "")
    table.add_row(
        Text(in_title, style="bold"),
        Text("", style="bold"),
        Text(f"Output {rows.out}x{cols.out}", style="bold"),
    )
    table.add_row(input_grid, Text("\n→", style="bold"), output_grid)
    legend = ["[v] the window's max"] if result.mode == "max" else []
    if any(c.mark == "(" for row in cells for c in row):
        legend.append("(v) read by no window: dropped")
    if _has_padding(result):
        legend.append(f"{pad_text} padding")
    if view.colour:
        overlap = bool((result.coverage > 1).any())
        legend.append("colours: one per window" + (", grey where they overlap" if overlap else ""))
    return Group(Text(""), table, *([Text("  ".join(legend), style="dim")] if legend else []))


def text_width(text: Text) -> int:
    """Columns the widest line of ``text`` takes."""
    return max(map(cell_len, text.plain.split("\n")))


def _per_side(result: PoolResult) -> bool:
    """Whether the padding differs between the two ends of an axis (given per side)."""
    return not result.spec.same and (
        result.rows.pad_before != result.rows.pad_after
        or result.cols.pad_before != result.cols.pad_after
    )


def _has_padding(result: PoolResult) -> bool:
    return any(result.padding_resolved)


def _index(k: int, n: int) -> str:
    return "p" if not 0 <= k < n else str(k)


def pictures(result: PoolResult, view: PoolView, channel: int) -> RenderableType:
    """Input and output as pictures, for inputs too large for numbers."""
    plane = result.input[view.item, :, :, channel]
    out_plane = result.output[view.item, :, :, channel]
    # three columns to spare, as the demos' picture pairs leave
    return picture_pair(plane, "input", out_plane, "output", view, view.width - 3)


def picture_pair(
    left: np.ndarray, left_name: str, right: np.ndarray, right_name: str, view: PoolView, width: int
) -> Group:
    """Two planes too large for numbers, as titled pictures side by side within ``width``
    columns, with their ranges."""
    half = max(8, (width - 3) // 2)
    colour = view.colour and not view.ascii_only
    table = Table.grid(padding=(0, 3))
    table.add_row(
        Text(f"{left_name.capitalize()} {left.shape[0]}x{left.shape[1]}", style="bold"),
        Text(f"{right_name.capitalize()} {right.shape[0]}x{right.shape[1]}", style="bold"),
    )
    table.add_row(
        picture(left, half, colour=colour, ascii_only=view.ascii_only),
        picture(right, half, colour=colour, ascii_only=view.ascii_only),
    )
    table.add_row(Text(value_range(left), style="dim"), Text(value_range(right), style="dim"))
    return Group(Text(""), table)


def value_range(values: np.ndarray) -> str:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "no finite values"
    d = decimals_for(finite)
    return (
        f"values {format_number(float(finite.min()), d)} … {format_number(float(finite.max()), d)}"
    )


def _dropped_note(result: PoolResult) -> str | None:
    """How many input rows and columns no window reads, if any."""
    parts = []
    for ax, name in ((result.rows, "row"), (result.cols, "column")):
        dropped = [k for k, count in enumerate(ax.reads()) if count == 0]
        if dropped:
            which = ", ".join(str(k) for k in dropped)
            parts.append(f"{len(dropped)} {name}{'s' if len(dropped) > 1 else ''} ({which})")
    if not parts:
        return None
    return "dropped: " + " and ".join(parts) + " read by no window"


def taps_text(taps: Iterable[int]) -> str:
    """A window's rows or columns as the step table writes them: ``0..2``, ``0..8 step 2``
    or ``0,2``."""
    t = list(taps)
    if len(t) > 1 and all(b - a == 1 for a, b in zip(t, t[1:], strict=False)):
        return f"{t[0]}..{t[-1]}"
    if len(t) > 4:  # dilated taps are evenly spaced
        return f"{t[0]}..{t[-1]} step {t[1] - t[0]}"
    return ",".join(str(v) for v in t)


def cells_text(window: Window, mode: str, decimals: int) -> str:
    """The window's cells row by row, the first :data:`STEP_CELLS` of them."""
    pad = "-∞" if mode == "max" else "0"
    kh, kw = window.cells.shape
    rows = []
    for r in range(min(kh, -(-STEP_CELLS // kw))):
        rows.append(
            " ".join(
                pad if window.padded[r, c] else format_number(float(window.cells[r, c]), decimals)
                for c in range(min(kw, STEP_CELLS))
            )
        )
    text = " / ".join(rows)
    if kh * kw > STEP_CELLS:
        text += f" … ({kh * kw:,} cells)"
    return text


def result_text(window: Window, mode: str, decimals: int, out_decimals: int) -> str:
    """A window's value as the step table writes it: the max, as its input cell reads, or
    ``sum / divisor = mean`` with the mean in at least the output grid's decimals
    (``out_decimals``, see :func:`mean_decimals`)."""
    if mode == "max":
        return format_number(window.value, decimals)
    if window.divisor is None:
        return format_number(window.value, mean_places(window.value, out_decimals))
    real = window.cells[~window.padded]
    mean = format_number(window.value, mean_places(window.value, out_decimals))
    return f"{format_number(total(real), decimals)} / {window.divisor} = {mean}"


def mean_decimals(result: PoolResult, item: int, channel: int) -> int:
    """The decimals a plane's means are written with at least: the output grid's, so that a
    step's mean reads as the cell it fills (``6 / 4 = 1.50`` beside ``24 / 6 = 4.00``)."""
    return decimals_for(result.output[item, :, :, channel])


def mean_places(value: float, out_decimals: int) -> int:
    """The decimals one mean is written with: the grid's, or more where it needs them (a
    grid of ``1.50`` writes ``0.001`` as ``0.00``; the step that works it out says 0.001)."""
    return max(out_decimals, decimals_for(np.array([value])))


def step_table(result: PoolResult, view: PoolView, channel: int) -> RenderableType:
    if view.steps == 0:  # no table with a header and no rows: say what was left out
        return Text.assemble(
            ("\nSteps: ", "bold"),
            (
                f"{result.window_count:,} windows, none listed (--steps N or all lists "
                "them; --at ROW,COL explains one)",
                "dim",
            ),
        )
    shown = result.windows(view.item, channel, view.steps)
    decimals = decimals_for(result.input[view.item, :, :, channel])
    out_decimals = mean_decimals(result, view.item, channel)
    table = Table(title=None, box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("out", justify="right")
    table.add_column("rows")
    table.add_column("cols")
    table.add_column("cells (row by row)", overflow="fold")
    table.add_column("max" if result.mode == "max" else "sum / divisor = mean", justify="right")
    if result.mode == "max":
        table.add_column("winner at")
    for window in shown:
        colour = window_colour_at(*window.out, result.cols.out)
        row: list[RenderableType] = [
            Text(
                f"{window.out[0]},{window.out[1]}", style=background(colour) if view.colour else ""
            ),
            taps_text(window.rows),
            taps_text(window.cols),
            cells_text(window, result.mode, decimals),
            result_text(window, result.mode, decimals, out_decimals),
        ]
        if result.mode == "max":
            row.append(winner_text(window))
        table.add_row(*row)
    more = result.window_count - len(shown)
    parts: list[RenderableType] = [Text("\nSteps: one row per window", style="bold"), table]
    if result.mode == "max" and any(tie_note(w) for w in shown):
        parts.append(
            Text(
                "tie: the max occurs more than once; the first in row-major order "
                "wins, as in PyTorch",
                style="dim",
            )
        )
    if more > 0:
        parts.append(
            Text(
                f"… and {more:,} more window{'s' if more > 1 else ''} (--steps all lists "
                "every one; --at ROW,COL explains one)",
                style="dim",
            )
        )
    return Group(*parts)


def winner_text(window: Window) -> str:
    """The step table's "winner at" cell: the winner's ``row,col``, `` (tie)`` after it when
    the max occurs more than once, or ``-`` for a window of padding alone."""
    if window.argmax is None:
        return "-"
    return f"{window.argmax[0]},{window.argmax[1]}" + tie_note(window)


def tie_note(window: Window) -> str:
    """`` (tie: first wins)`` when the max occurs more than once in the window."""
    real = window.cells[~window.padded]
    if np.isnan(window.value) or np.count_nonzero(real == window.value) < 2:
        return ""
    return " (tie)"


def cell_in_full(result: PoolResult, view: PoolView, channel: int) -> RenderableType:
    i, j = view.at  # type: ignore[misc]
    window = result.window(i, j, view.item, channel)
    decimals = decimals_for(result.input[view.item, :, :, channel])
    text = Text(f"\nOutput cell {i},{j} in full\n", style="bold")
    text.append(f"  reads rows {taps_text(window.rows)} and columns {taps_text(window.cols)}\n")
    kh, kw = min(len(window.rows), MAX_GRID_ROWS), min(len(window.cols), MAX_GRID_ROWS)
    if (kh, kw) != window.cells.shape:
        text.append(
            f"  its first {kh} rows and {kw} columns of {len(window.rows)}x{len(window.cols)}:\n",
            style="dim",
        )
    cells = [
        [
            Cell("-∞" if result.mode == "max" else "0", Style(dim=True))
            if window.padded[r, c]
            else Cell(
                format_number(float(window.cells[r, c]), decimals),
                None,
                "[" if window.argmax == (window.rows[r], window.cols[c]) else " ",
            )
            for c in range(kw)
        ]
        for r in range(kh)
    ]
    body = grid(
        cells,
        row_labels=[str(r) for r in window.rows[:kh]],
        col_labels=[str(c) for c in window.cols[:kw]],
        ascii_only=view.ascii_only,
    )
    result_line = Text()
    real = window.cells[~window.padded]
    more = f", … {real.size - STEP_CELLS:,} more" if real.size > STEP_CELLS else ""
    if result.mode == "max":
        values = ", ".join(format_number(float(v), decimals) for v in real[:STEP_CELLS]) + more
        where = (
            "no real cell"
            if window.argmax is None
            else (f"at row {window.argmax[0]}, column {window.argmax[1]}{tie_note(window)}")
        )
        result_line.append(f"  max({values}) = {format_number(window.value, decimals)} {where}")
    else:
        terms = " + ".join(format_number(float(v), decimals) for v in real[:STEP_CELLS])
        terms += more.replace(",", " +", 1)
        places = mean_places(window.value, mean_decimals(result, view.item, channel))
        result_line.append(
            f"  ({terms}) / {window.divisor} = {format_number(window.value, places)}"
        )
        if window.divisor != real.size:
            result_line.append(
                f"\n  the divisor {window.divisor} counts {window.divisor - real.size} padding "
                "cell(s) (count_include_pad)",
                style="dim",
            )
    return Group(text, body, result_line)


def coverage_grids(result: PoolResult, view: PoolView) -> RenderableType:
    """How many windows read each input cell (and an average's divisors), with a note."""
    coverage = result.coverage
    cells = [[Cell(str(v), Style(dim=True) if v == 0 else None) for v in row] for row in coverage]
    table = Table.grid(padding=(0, 3))
    heads = [Text("Coverage: windows reading each cell", style="bold")]
    bodies: list[RenderableType] = [grid(cells, ascii_only=view.ascii_only)]
    if result.divisors is not None:
        heads.append(Text("Divisor of each window", style="bold"))
        bodies.append(
            grid(
                [[Cell(str(v)) for v in row] for row in result.divisors], ascii_only=view.ascii_only
            )
        )
    table.add_row(*heads)
    table.add_row(*bodies)
    note = (
        "0 = dropped, 2+ = windows overlap"
        if coverage.max() > 1 or coverage.min() == 0
        else ("every cell is read by exactly one window")
    )
    return Group(Text(""), table, Text(note, style="dim"))


def _facts(result: PoolResult) -> RenderableType:
    n_in = result.rows.n * result.cols.n
    kept = result.window_count
    lines = Text("\n")
    lines.append("0 parameters", style="bold")
    lines.append(" · pooling has nothing to learn\n")
    lines.append(f"{kept:,} of {n_in:,} values kept ({100 * kept / n_in:.0f}%)", style="bold")
    lines.append(" per channel; channels never mix\n")
    if result.mode == "max":
        lines.append(
            "each output keeps its window's largest value; where in the window it was is lost"
        )
    else:
        lines.append(
            "each output is its window's mean; every value contributes, none survives as it was"
        )
    return lines


def _channel_summaries(result: PoolResult, view: PoolView, skip: tuple[int, ...]) -> RenderableType:
    text = Text("\nOther channels (--channel picks which to show in full):\n", style="bold")
    for c in range(result.input.shape[3]):
        if c in skip:
            continue
        out = result.output[view.item, :, :, c]
        text.append(f"  channel {c}: output {value_range(out)}\n")
    text.rstrip()
    return text
