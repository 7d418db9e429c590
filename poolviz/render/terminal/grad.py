"""``poolviz grad`` in the terminal: forward, upstream gradient, routing, unpooling.

Built from a :class:`GradResult`; the forward grids and step table are ``poolviz pool``'s own
(:mod:`poolviz.render.terminal.pool`), so the two commands show a window the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from poolviz.engine.gradient import Cell as At
from poolviz.engine.gradient import GradResult
from poolviz.render.style import (
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
from poolviz.render.terminal.grid import Cell, background, grid, too_wide
from poolviz.render.terminal.pool import (
    MAX_GRID_ROWS,
    PoolView,
    cell_in_full,
    number_grids,
    picture_pair,
    pictures,
    step_table,
    text_width,
)
from poolviz.render.terminal.worked import bins_text

MAX_TIES = 3
"""Ties explained one by one; the rest are counted."""

MAX_STACKED_ROWS = 12
"""A grid that does not fit beside its partner is shown alone up to this many rows."""


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class GradView:
    """What to show of a :class:`GradResult`, and for which terminal."""

    pool: PoolView = field(default_factory=lambda: PoolView(steps=8))
    """Item, channel, width, colour and notes, as ``poolviz pool`` takes them."""
    upstream: str = "ones"
    """Where the upstream gradient came from, for the headings: ``ones``, ``random (seed
    0)``, ``given``."""
    unpool: bool = True
    """Show the max-unpooling section."""
    routes: int = 12
    """Input cells listed with the output cells that feed them; the rest are counted."""


def grad_report(result: GradResult, view: GradView | None = None) -> RenderableType:
    """Everything ``poolviz grad`` prints about ``result``, top to bottom."""
    view = view or GradView()
    pv = view.pool
    channels = pv.channels or (0,)
    forward = result.forward
    parts: list[RenderableType] = [_header(result, view)]
    for channel in channels:
        if forward.input.shape[3] > 1:
            parts.append(Text(f"\nChannel {channel}", style="bold"))
        parts += _forward(result, view, channel)
        parts += _upstream(result, view, channel)
        parts += routing_parts(result, view, channel)
        if result.mode == "avg":
            parts += _compare(result, view, channel)
        elif view.unpool:
            parts += unpooling_parts(result, view, channel)
    if forward.input.shape[3] > len(channels):
        parts.append(_other_channels(result, view, channels))
    parts.append(_totals(result, pv.item))
    return Group(*parts)


def _header(result: GradResult, view: GradView) -> Text:
    forward, width = result.forward, view.pool.width
    # folded with an indent: a line the terminal wrapped would go on at column 0
    text = Text(hanging(config_line(forward), width, "", "  ").rstrip("\n"), style="bold")
    shapes = (
        f"input {shape_text(forward.input.shape, view.pool.order)} → output "
        f"{shape_text(forward.output.shape, view.pool.order)}"
        f" · upstream gradient: {view.upstream}"
    )
    text.append("\n" + hanging(shapes, width, "", "  ").rstrip("\n"))
    for note in view.pool.notes:
        text.append("\n" + hanging(note, width, "", "  ").rstrip("\n"), style="dim")
    text.append_text(bins_text(forward, view.pool.width))
    return text


def _section(number: int | None, title: str, subtitle: str = "") -> Text:
    """A report section's heading; ``number`` None where the section stands alone (explore)."""
    text = Text(f"\n{title}" if number is None else f"\n{number}. {title}", style="bold")
    if subtitle:
        text.append(f" {subtitle}", style="dim")
    return text


def _forward(result: GradResult, view: GradView, channel: int) -> list[RenderableType]:
    """The forward pass as ``poolviz pool`` shows it, and every tie with who won and why."""
    forward, pv = result.forward, view.pool
    what = "each window keeps its largest value" if result.mode == "max" else "window means"
    parts: list[RenderableType] = [_section(1, "Forward:", what)]
    grids = number_grids(forward, pv, channel)
    parts.append(grids if grids is not None else pictures(forward, pv, channel))
    parts.append(step_table(forward, pv, channel))
    if pv.at is not None:
        parts += [cell_in_full(forward, pv, channel), _at_route(result, pv, channel, pv.at)]
    ties = result.ties(pv.item, channel)
    d = decimals_for(forward.input[pv.item, :, :, channel])
    for tie in ties[:MAX_TIES]:
        names = [f"{r},{c}" for r, c in tie.cells]
        where = ", ".join(names[:-1]) + " and " + names[-1]
        if len(ties) > MAX_TIES:
            parts.append(
                Text(
                    f"{len(ties)} windows hold a tie: in each the first cell in row-major order "
                    "wins (as PyTorch) and alone gets the gradient; e.g. window "
                    f"{tie.out[0]},{tie.out[1]}: {format_number(tie.value, d)} at {where} → "
                    f"{names[0]}",
                    style="dim",
                )
            )
            break
        parts.append(
            Text(
                f"tie in window {tie.out[0]},{tie.out[1]}: {format_number(tie.value, d)} at "
                f"{where}; the first in row-major order, {names[0]}, wins (as PyTorch) and "
                "alone gets the gradient",
                style="dim",
            )
        )
    return parts


def _at_route(result: GradResult, pv: PoolView, channel: int, at: At) -> Text:
    """Where output cell ``at``'s gradient goes (``--at``)."""
    i, j = at
    g = result.grad_output[pv.item, i, j, channel]
    share = format_number(float(g), decimals_for(np.array([g])))
    if result.mode == "max":
        win = result.forward.argmax(i, j, pv.item, channel)
        where = "nowhere (a window over padding alone)" if win is None else f"{win[0]},{win[1]}"
        return Text(f"  backward: its gradient {share} goes whole to {where}")
    divisors = result.forward.divisors
    assert divisors is not None
    return Text(
        f"  backward: its gradient {share} / {divisors[i, j]} goes to each of its real cells"
    )


def _upstream(result: GradResult, view: GradView, channel: int) -> list[RenderableType]:
    """The output next to the gradient arriving at each output cell."""
    forward, pv = result.forward, view.pool
    out = forward.output[pv.item, :, :, channel]
    g = result.grad_output[pv.item, :, :, channel]
    oh, ow = out.shape
    colours = _window_styles(oh, ow, pv.colour)
    plane = forward.input[pv.item, :, :, channel]
    left = number_matrix(
        out, view, styles=colours, decimals=output_decimals(result.mode, plane, out)
    )
    right = number_matrix(g, view, styles=colours)
    parts: list[RenderableType] = [
        _section(2, "Upstream gradient:", "one number per output cell, from the layer above")
    ]
    title = f"Upstream gradient ({view.upstream})"
    side_by_side = _side_by_side(f"Output {oh}x{ow}", left, title, right, pv.width)
    if side_by_side is not None:
        parts.append(side_by_side)
    elif np.all(g == g.flat[0]):
        parts.append(Text(f"{title}: {oh}x{ow}, every cell {_total(g.flat[:1])}"))
    elif right is not None and oh <= MAX_STACKED_ROWS:
        parts += [Text(""), Text(title, style="bold"), right]
    else:
        parts.append(picture_pair(out, "output", g, "upstream gradient", pv, pv.width))
    return parts


def routing_parts(
    result: GradResult, view: GradView, channel: int, number: int | None = 3
) -> list[RenderableType]:
    """The gradient at the input, how many windows feed each cell, and which ones, under
    section ``number`` of the report (None: an unnumbered heading)."""
    forward, pv = result.forward, view.pool
    h, w = forward.rows.n, forward.cols.n
    grad = result.grad_input[pv.item, :, :, channel]
    routes = result.receivers(pv.item, channel)
    counts = result.routed_counts(pv.item, channel)
    how = (
        "each window sends its gradient whole to its winner"
        if result.mode == "max"
        else "each window sends gradient / divisor to each of its cells"
    )
    parts: list[RenderableType] = [_section(number, "Backward:", how)]
    left = right = None
    if _may_fit(h, w, view):  # styles for a million cells only to draw a picture took seconds
        styles = _sender_styles(routes, forward.cols.out, pv.colour)
        marks = [["[" if len(routes[r][c]) > 1 else " " for c in range(w)] for r in range(h)]
        left = number_matrix(grad, view, styles=styles, marks=marks)
        count_styles = [[Style(dim=True) if v == 0 else None for v in row] for row in counts]
        right = number_matrix(counts, view, styles=count_styles)
    if left is None or right is None:
        parts.append(
            picture_pair(
                forward.input[pv.item, :, :, channel], "input", grad, "gradient", pv, pv.width
            )
        )
    else:
        parts.append(
            _pair(
                f"Gradient at the input {h}x{w}", left, "Windows feeding each cell", right, pv.width
            )
        )
    parts.append(_route_lines(result, view, channel, left is not None))
    silent = result.silent_count(pv.item, channel)
    shared = len(result.shared(pv.item, channel))
    legend = []
    if shared:
        where = "[v] " if left is not None else ""
        legend.append(
            f"{where}fed by 2+ windows ({shared} cell{'s' if shared > 1 else ''}): "
            "their gradients add up"
        )
    if silent:
        legend.append(f"{silent:,} of {h * w:,} cells get no gradient from this example")
    else:
        legend.append(f"every one of the {h * w:,} cells gets some gradient")
    parts.append(Text("\n".join(legend), style="dim"))
    return parts


def _route_lines(result: GradResult, view: GradView, channel: int, as_numbers: bool) -> Text:
    """One line per receiving input cell: its senders, their shares, the sum; up to
    ``view.routes`` lines where the gradient is shown as numbers (``as_numbers``), else 4."""
    forward, pv = result.forward, view.pool
    item = pv.item
    routes = result.receivers(item, channel)
    plane = forward.input[item, :, :, channel]
    g = result.grad_output[item, :, :, channel]
    grad = result.grad_input[item, :, :, channel]
    dv, dg, ds = decimals_for(plane), decimals_for(g), decimals_for(grad)
    divisors = forward.divisors
    receiving = [(r, c) for r, row in enumerate(routes) for c, s in enumerate(row) if s]
    # cells fed by several windows first: they show the adding up
    receiving.sort(key=lambda cell: len(routes[cell[0]][cell[1]]) < 2)
    text = Text()
    limit = view.routes if as_numbers else 4
    if result.mode == "avg":  # every cell of a window receives: a few lines show the pattern
        limit = min(limit, 6)
    for r, c in receiving[:limit]:
        senders = routes[r][c]
        amounts = [
            format_number(float(g[i, j]), dg) + ("" if divisors is None else f"/{divisors[i, j]}")
            for i, j in senders
        ]
        names = [f"{i},{j}" for i, j in senders]
        if len(senders) > 2 and len(set(amounts)) == 1:  # 4 × 1/9 from 0,0, 0,1, 1,0, 1,1
            sent = f"{len(senders)} × {amounts[0]} from {', '.join(names)}"
        else:
            sent = " + ".join(f"{a} from {name}" for a, name in zip(amounts, names, strict=True))
        line = f"{r},{c} (holds {format_number(float(plane[r, c]), dv)}) gets {sent}"
        if len(senders) > 1 or divisors is not None:
            line += f" = {format_number(float(grad[r, c]), ds)}"
        text.append(hanging(line, view.pool.width))
    more = len(receiving) - limit
    if more > 0:
        cells = "cell" if more == 1 else "cells"
        text.append(
            f"  … and {more:,} more receiving {cells} (--json lists every one)\n", style="dim"
        )
    text.rstrip()
    return text


def _compare(result: GradResult, view: GradView, channel: int) -> list[RenderableType]:
    """Average pooling's gradient next to the one max pooling would send."""
    assert result.max_grad_input is not None
    pv = view.pool
    avg = result.grad_input[pv.item, :, :, channel]
    mx = result.max_grad_input[pv.item, :, :, channel]
    parts: list[RenderableType] = [
        _section(4, "Compared:", "the same windows and upstream gradient, max pooling")
    ]
    left = number_matrix(avg, view, styles=_dim_zeros(avg))
    right = number_matrix(mx, view, styles=_dim_zeros(mx))
    if left is None or right is None:
        parts.append(
            picture_pair(avg, "average's gradient", mx, "max pooling's gradient", pv, pv.width)
        )
    else:
        parts.append(_pair("Average pooling", left, "Max pooling", right, pv.width))
    reached = int(np.count_nonzero(avg)), int(np.count_nonzero(mx))
    parts.append(
        Text(
            f"average reaches {reached[0]:,} of {avg.size:,} cells, max only {reached[1]:,} (the "
            "winners)",
            style="dim",
        )
    )
    return parts


def unpooling_parts(
    result: GradResult, view: GradView, channel: int, number: int | None = 4
) -> list[RenderableType]:
    """The output put back at the winners, next to the input, with what was lost, under
    section ``number`` of the report (None: an unnumbered heading)."""
    assert result.unpooled is not None
    forward, pv = result.forward, view.pool
    h, w = forward.rows.n, forward.cols.n
    plane = forward.input[pv.item, :, :, channel]
    unpooled = result.unpooled[pv.item, :, :, channel]
    parts: list[RenderableType] = [
        _section(
            number, "Max-unpooling:", "each output value back at its recorded winner, 0 elsewhere"
        )
    ]
    left = right = None
    if _may_fit(h, w, view):
        winners = set(result.winners(pv.item, channel))
        marks = [["[" if (r, c) in winners else " " for c in range(w)] for r in range(h)]
        left = number_matrix(plane, view, marks=marks)
        routes = result.receivers(pv.item, channel)
        right = number_matrix(  # input values and zeros: written as the input is
            unpooled,
            view,
            marks=marks,
            styles=_sender_styles(routes, forward.cols.out, pv.colour),
            decimals=decimals_for(plane),
        )
    if left is None or right is None:
        parts.append(picture_pair(plane, "input", unpooled, "unpooled", pv, pv.width))
    else:
        parts.append(_pair(f"Input {h}x{w}", left, f"Unpooled {h}x{w}", right, pv.width))
    notes = []
    if left is not None:
        notes.append("[v] a winner: the only positions unpooling knows")
    lost = result.lost_count(pv.item, channel)
    notes.append(
        f"{lost:,} value{'' if lost == 1 else 's'} and every non-winning position are gone; "
        f"{h * w - lost:,} of {h * w:,} " + ("comes back" if h * w - lost == 1 else "come back")
    )
    d = decimals_for(plane)
    dg = decimals_for(result.grad_input[pv.item, :, :, channel])
    for (r, c), senders in result.shared(pv.item, channel)[:3]:
        value = format_number(float(unpooled[r, c]), d)
        summed = format_number(float(result.grad_input[pv.item, r, c, channel]), dg)
        notes.append(
            f"{r},{c} won {len(senders)} windows: gradients add up to {summed}; unpooling "
            f"puts {value} there once"
        )
    default = result.default_unpool_shape
    if default is None and result.forward.kind != "uniform":
        notes.append(
            f"output_size is the input's {h}x{w}; PyTorch's max_unpool2d has no default for "
            f"{result.forward.kind} windows, so pass it"
        )
    elif default is None:
        notes.append(f"output_size is the input's {h}x{w}; with same padding PyTorch needs it")
    elif default != (h, w):
        notes.append(
            f"output_size is the input's {h}x{w}; PyTorch's default {default[0]}x{default[1]} "
            "misplaces these indices"
        )
    if result.pytorch_takes_input_size is False and default is not None:
        notes.append(
            f"PyTorch's max_unpool2d refuses {h}x{w} here (only within a stride of "
            f"{default[0]}x{default[1]})"
        )
    parts.append(Text("\n".join(notes), style="dim"))
    return parts


def _other_channels(result: GradResult, view: GradView, shown: tuple[int, ...]) -> Text:
    """One line per channel not shown in full."""
    pv = view.pool
    h, w = result.forward.rows.n, result.forward.cols.n
    text = Text("\nOther channels (--channel picks which to show in full):\n", style="bold")
    for c in range(result.forward.input.shape[3]):
        if c in shown:
            continue
        reached = h * w - result.silent_count(pv.item, c)
        line = f"channel {c}: gradient reaches {reached:,} of {h * w:,} cells, total "
        line += _total(result.grad_input[pv.item, :, :, c])
        if result.mode == "max":
            line += f"; unpooling keeps {h * w - result.lost_count(pv.item, c):,} values"
        text.append(hanging(line, pv.width))
    text.rstrip()
    return text


def _totals(result: GradResult, item: int) -> Text:
    """Upstream and input gradient totals for the shown item: where the gradient went."""
    g = result.grad_output[item]
    grad = result.grad_input[item]
    up, down = (_total(values) for values in (g, grad))
    text = Text("\n")
    text.append(f"gradient in {up}, gradient out {down}", style="bold")
    if up == down:
        text.append(
            " · all of it passes on, "
            + ("to the winners alone" if result.mode == "max" else "spread over the windows")
        )
    elif result.mode == "avg":
        text.append(" · the padding's share is lost")
    else:
        text.append(" · windows over padding alone send nothing")
    return text


def _total(values: np.ndarray) -> str:
    """The sum of ``values``, with the decimals it needs."""
    summed = total(values)
    return format_number(summed, decimals_for(np.array([summed])))


def _may_fit(h: int, w: int, view: GradView) -> bool:
    """Whether an ``h`` x ``w`` grid of numbers can fit the terminal (see :func:`number_matrix`)."""
    return h <= MAX_GRID_ROWS and not too_wide(w, view.pool.width)


def number_matrix(
    values: np.ndarray,
    view: GradView,
    *,
    styles: list[list[Style | None]] | None = None,
    marks: list[list[str]] | None = None,
    decimals: int | None = None,
) -> Text | None:
    """A labelled grid of ``values`` (with ``decimals`` places, or as many as show them well),
    or None when it would be taller or wider than the terminal (the caller shows a picture
    instead)."""
    h, w = values.shape
    if not _may_fit(h, w, view):
        return None
    texts = format_values(values, decimals)
    cells = [
        [
            Cell(
                texts[r * w + c],
                styles[r][c] if styles else None,
                marks[r][c] if marks else " ",
            )
            for c in range(w)
        ]
        for r in range(h)
    ]
    text = grid(
        cells,
        row_labels=[str(r) for r in range(h)],
        col_labels=[str(c) for c in range(w)],
        ascii_only=view.pool.ascii_only,
    )
    return text if text_width(text) <= view.pool.width else None


def _side_by_side(
    left_title: str, left: Text | None, right_title: str, right: Text | None, width: int
) -> Group | None:
    """Two titled grids side by side, or None when either is missing or they do not fit."""
    if left is None or right is None:
        return None
    gap = 4
    lw = max(text_width(left), cell_len(left_title))
    rw = max(text_width(right), cell_len(right_title))
    if lw + gap + rw > width:
        return None
    table = Table.grid(padding=(0, gap))
    table.add_row(Text(left_title, style="bold"), Text(right_title, style="bold"))
    table.add_row(left, right)
    return Group(Text(""), table)


def _pair(left_title: str, left: Text, right_title: str, right: Text, width: int) -> Group:
    """Two titled grids side by side when they fit in ``width``, else one under the other."""
    return _side_by_side(left_title, left, right_title, right, width) or Group(
        Text(""),
        Text(left_title, style="bold"),
        left,
        Text(""),
        Text(right_title, style="bold"),
        right,
    )


def _window_styles(oh: int, ow: int, colour: bool) -> list[list[Style | None]] | None:
    """Each output cell in its window's colour, as the forward grids draw it."""
    if not colour:
        return None
    return [[background(window_colour_at(i, j, ow)) for j in range(ow)] for i in range(oh)]


def _sender_styles(routes: list[list[list[At]]], ow: int, colour: bool) -> list[list[Style | None]]:
    """Receiving cells in the colour of the first window feeding them (with colour), or
    bold; cells that receive nothing dim."""
    styles: list[list[Style | None]] = []
    for row in routes:
        line: list[Style | None] = []
        for senders in row:
            if not senders:
                line.append(Style(dim=True))
            elif colour:
                line.append(background(window_colour_at(*senders[0], ow), bold=True))
            else:
                line.append(Style(bold=True))
        styles.append(line)
    return styles


def _dim_zeros(values: np.ndarray, keep: set[At] | None = None) -> list[list[Style | None]]:
    """Zeros dim (they carry nothing), except at cells in ``keep``."""
    h, w = values.shape
    return [
        [
            Style(dim=True) if values[r, c] == 0 and (keep is None or (r, c) not in keep) else None
            for c in range(w)
        ]
        for r in range(h)
    ]
