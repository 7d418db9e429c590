"""``poolviz features`` in the terminal: the pooling nodes with the engine's check, then one
layer's channels before and after pooling, the winners marked.

A map is drawn as numbers where it fits (winners as ``[v]``, lines between windows that tile
it), else shaded two characters per cell so it keeps its shape (winners as ``[]``), else,
wider than the terminal, as a downsampled picture without marks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from poolviz.features.capture import Capture
from poolviz.features.channels import ChannelView
from poolviz.features.run import Features
from poolviz.features.shifts import ShiftTable
from poolviz.render.order import ordered
from poolviz.render.style import feature_text, percent
from poolviz.render.terminal.grid import RAMP, Cell, number_cells, picture, too_wide
from poolviz.render.terminal.panels import tiled_grid
from poolviz.render.terminal.pool import text_width
from poolviz.render.terminal.view import DemoView

WINNERS_NOTE = (
    "[ ] a winner, the cell its window passed on (marked from a tenth of the map's\n"
    "largest value; a flat window, all one value, passes on its first cell: unmarked)"
)
DROPPED_NOTE = "( ) a cell no window reads (shown where the map is drawn as numbers)"
MAX_NUMBER_ROWS = 12
"""Tallest map shown as numbers; taller ones are shaded."""
WINNER_STYLE = Style(color="#D55E00", bold=True)


def node_table(result: Features, view: DemoView) -> Table:
    """One row per pooling node: depth, name, what it does, shapes, the engine's check."""
    table = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False, header_style="bold")
    words = [word for c in result.captures for word in c.pool.describe().split()]
    axes = "CxHxW" if view.order == "nchw" else "HxWxC"
    for name in ("#", "node", "pooling", f"in ({axes})", "out", "check"):
        # the pooling's description wraps first (between words): a node's name is what
        # --layer takes, and shapes are read whole
        wraps = name == "pooling"
        table.add_column(name, no_wrap=not wraps, min_width=max(map(len, words)) if wraps else None)
    for c in result.captures:
        table.add_row(
            str(c.pool.depth),
            Text(c.pool.name),
            c.pool.describe(),
            feature_text(ordered(c.before.shape, view.order)),
            feature_text(ordered(c.after.shape, view.order)),
            check_text(c),
        )
    return table


def check_text(capture: Capture) -> str:
    """The engine against the model: ``equal`` (bit for bit), or ``within 1e-07`` (the largest
    difference, within float32 rounding); a mismatch never reaches a report."""
    if capture.check.exact:
        return "equal"
    return f"within {capture.check.max_error:.1g}"


def header(result: Features, view: DemoView) -> Text:
    out = Text()
    out.append("features", style="bold")
    out.append(f"  {result.graph.name} · run by {result.runner}\n")
    for note in view.notes:
        out.append(f"  {note}\n", style="dim")
    out.append(output_line(result.output))
    return out


def output_line(scores: np.ndarray) -> str:
    """The model's answer: the top class of a classifier's scores, or the output's size."""
    if scores.size < 2:
        return f"output: {scores.size} value(s)"
    order = np.argsort(-scores, kind="stable")
    first, second = int(order[0]), int(order[1])
    return (
        f"output: class {first} (score {scores[first]:.3g}; "
        f"next class {second} at {scores[second]:.3g})"
    )


def layer_list(result: Features, view: DemoView) -> RenderableType:
    """``--layer list``: the header and the nodes."""
    return Group(header(result, view), Text(""), node_table(result, view))


def features_report(
    result: Features, capture: Capture, channels: Sequence[ChannelView], view: DemoView
) -> RenderableType:
    """The whole report for one layer and its chosen channels."""
    total = capture.before.shape[2]
    parts: list[RenderableType] = [header(result, view), Text(""), node_table(result, view)]
    title = Text(f"\n{capture.pool.name}", style="bold")
    title.append(
        f": {len(channels)} of {total} channels, {feature_text(capture.before.shape[:2])} "
        f"before pooling, {feature_text(capture.after.shape[:2])} after"
    )
    parts.append(title)
    if capture.indices is not None:
        parts.append(Text(WINNERS_NOTE, style="dim"))
    if capture.rows.used < capture.rows.n or capture.cols.used < capture.cols.n:
        parts.append(Text(DROPPED_NOTE, style="dim"))
    for view_ in channels:
        parts.append(Text(""))
        parts.append(Text(channel_line(view_)))
        parts.append(_pair(capture, view_, view))
    return Group(*parts)


def channel_line(channel: ChannelView) -> str:
    """``channel 3: the winners carry 64% of the positive mass; 12 flat windows``."""
    line = f"channel {channel.channel}"
    if channel.winners is None:
        return line + f": positive mass {channel.mass:.3g}"
    if channel.share is None:
        return line + ": no positive value, so no winner carries anything"
    line += f": the winners carry {percent(channel.share)} of the positive mass"
    if channel.flat:
        line += f"; {channel.flat} flat windows"
    return line


def _pair(capture: Capture, channel: ChannelView, view: DemoView) -> RenderableType:
    lo = float(min(np.nanmin(channel.before), np.nanmin(channel.after)))
    hi = float(max(np.nanmax(channel.before), np.nanmax(channel.after)))
    before = _map(channel.before, channel.winners, capture, lo, hi, view, view.width)
    after = _map(channel.after, None, None, lo, hi, view, view.width)
    if text_width(before) + 2 + text_width(after) > view.width:
        return Group(before, Text(""), after)
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_row(before, after)
    return table


def _map(
    plane: np.ndarray,
    winners: np.ndarray | None,
    capture: Capture | None,
    lo: float,
    hi: float,
    view: DemoView,
    width: int,
) -> Text:
    h, w = plane.shape
    if h <= MAX_NUMBER_ROWS and not too_wide(w, width):
        text = _numbers(plane, winners, capture, view)
        if text_width(text) <= width:
            return text
    if 2 * w <= width:
        return shaded(plane, winners, lo, hi, view)
    return picture(plane, width, colour=view.colour, ascii_only=view.ascii_only)


def _numbers(
    plane: np.ndarray, winners: np.ndarray | None, capture: Capture | None, view: DemoView
) -> Text:
    """``plane`` as numbers: winners ``[v]``, cells no window reads ``(v)``, lines between
    windows that tile the map."""
    used_h = capture.rows.used if capture else plane.shape[0]
    used_w = capture.cols.used if capture else plane.shape[1]
    cells = []
    for i, row in enumerate(number_cells(plane)):
        line = []
        for j, cell in enumerate(row):
            if winners is not None and winners[i, j]:
                cell = Cell(cell.text, WINNER_STYLE if view.colour else None, "[")
            elif i >= used_h or j >= used_w:
                cell = Cell(cell.text, Style(dim=True) if view.colour else None, "(")
            line.append(cell)
        cells.append(line)
    return tiled_grid(cells, view, (capture.rows, capture.cols) if capture else None)


def shaded(
    plane: np.ndarray, winners: np.ndarray | None, lo: float, hi: float, view: DemoView
) -> Text:
    """``plane`` two characters per cell on a shared scale ``lo..hi``: grey backgrounds in
    colour, the ramp ``RAMP`` without; winners as ``[]``."""
    span = hi - lo or 1.0
    unit = np.clip((np.nan_to_num(plane, nan=lo) - lo) / span, 0, 1)
    out = Text(no_wrap=True, overflow="crop")
    for i in range(plane.shape[0]):
        for j in range(plane.shape[1]):
            u = float(unit[i, j])
            win = winners is not None and bool(winners[i, j])
            if view.colour:
                level = int(round(40 + 215 * u))
                shade = f"#{level:02x}{level:02x}{level:02x}"
                style = Style(bgcolor=shade, color="#D55E00" if win else None, bold=win)
                out.append("[]" if win else "  ", style=style)
            else:
                out.append("[]" if win else RAMP[int(u * (len(RAMP) - 1) + 0.5)] * 2)
        if i + 1 < plane.shape[0]:
            out.append("\n")
    return out


def shift_table(table: ShiftTable) -> Table:
    """Rows by depth, one column per shift: the share of values unchanged, and the mean
    relative change in brackets."""
    out = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False, header_style="bold")
    out.add_column("#", no_wrap=True)
    out.add_column("node", overflow="fold")
    for amount in table.shifts:
        out.add_column(f"{amount} px", justify="right", no_wrap=True)
    for row in table.rows:
        out.add_row(
            str(row.depth),
            Text(row.name),
            *(
                f"{percent(u)} ({_change(c)})"
                for u, c in zip(row.unchanged, row.change, strict=True)
            ),
        )
    if table.top_class is not None:
        out.add_row(
            "",
            f"top class {table.top_class}",
            *("kept" if kept else "lost" for kept in table.top_kept),
        )
    return out


def _change(value: float) -> str:
    return "inf" if value == float("inf") else f"{value:.2f}"


def shift_lines(table: ShiftTable) -> str:
    """What the table measured, in words, whichever way it came out."""
    rows = table.pooling_rows
    first, last = float(np.mean(rows[0].unchanged)), float(np.mean(rows[-1].unchanged))
    direction = {"x": "right", "y": "down", "both": "right and down"}[table.along]
    lines = [
        f"Each cell: the share of the layer's values exactly as before, cell for cell, after "
        f"the image moved {direction} (zeros that stay zero count); in brackets the mean "
        "relative change, sum |after - before| / sum |before|."
    ]
    if len(rows) > 1:
        moved_first = float(np.mean(rows[0].change))
        moved_last = float(np.mean(rows[-1].change))
        kept = {
            "more": "more unchanged than",
            "fewer": "less unchanged than",
            "same": "about as much unchanged as",
        }[table.trend()]
        lines.append(
            f"On average over the shifts the deepest pooling layer kept {kept} "
            f"the first ({percent(last)} against {percent(first)}), and changed "
            f"{'more' if moved_last > moved_first else 'less'} ({_change(moved_last)} against "
            f"{_change(moved_first)}): " + _verdict(table.trend(), moved_last > moved_first)
        )
    if table.top_class is not None:
        stayed = sum(table.top_kept)
        lines.append(
            f"The top class stayed {table.top_class} for {stayed} of {len(table.shifts)} shifts."
        )
    return "\n".join(lines)


def _verdict(trend: str, changed_more: bool) -> str:
    """The text's claim ("deeper stacks compound tolerance") against the two measures."""
    if trend == "more" and not changed_more:
        return "here depth did add tolerance, as the text claims."
    if trend != "more" and changed_more:
        return "here depth did not add tolerance, against the text's claim."
    return "the two measures disagree; depth added no clear tolerance here."


def shifts_report(result: Features, table: ShiftTable, view: DemoView) -> RenderableType:
    """``--shifts``: the header, the nodes, the shift table and what it says."""
    return Group(
        header(result, view),
        Text(""),
        node_table(result, view),
        Text(""),
        Text("Shifts", style="bold"),
        shift_table(table),
        Text(""),
        Text(shift_lines(table)),
    )
