"""The demos in the terminal: ``poolviz shift``, ``poolviz compare`` and ``poolviz size``.

Each report draws a finished result from :mod:`poolviz.demos`; every number shown is read off
it, never recomputed. Small matrices are shown as numbers, larger ones as pictures; panels sit
side by side as far as the terminal's width allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from poolviz.demos import (
    Comparison,
    EdgeMove,
    Operation,
    ShiftCase,
    SizeDim,
    SizeResult,
    Span,
    ToleranceRow,
    ToleranceTable,
    Trend,
    window_owners,
)
from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis
from poolviz.render.style import (
    OKABE_ITO,
    config_line,
    format_number,
    shape_text,
    weights_text,
    window_colour_at,
)
from poolviz.render.terminal.grid import (
    Cell,
    background,
    grid,
    number_cells,
    picture,
    too_wide,
)
from poolviz.render.terminal.pool import framework_code, text_width, tiling_breaks

CHANGED_COLOUR = OKABE_ITO[5]
"""Vermillion behind an output cell a shift changed (also marked ``[v]``)."""

SHORT_NAMES = {
    "max": "max",
    "avg": "avg",
    "global_max": "global max",
    "global_avg": "global avg",
    "conv": "conv",
}
"""Panel titles of the operations, short enough for five panels in 80 columns."""

MAX_GRID_ROWS = 16
"""Tallest matrix shown as numbers; taller ones are pictures."""


@dataclass(frozen=True)
class DemoView:
    """The terminal a demo report is drawn for."""

    width: int = 80
    colour: bool = True
    ascii_only: bool = False
    notes: tuple[str, ...] = ()
    """Lines about the input (where it came from)."""


def _plane(values: np.ndarray, channel: int = 0) -> np.ndarray:
    """Item 0, one channel of an NHWC array."""
    return np.asarray(values[0, :, :, channel])


def _panels(panels: Sequence[tuple[str, Text]], width: int, gap: int = 3) -> RenderableType:
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


def _fits_as_numbers(plane: np.ndarray, width: int) -> bool:
    """Whether ``plane`` as a grid of numbers is at most ``width`` columns wide."""
    if plane.shape[0] > MAX_GRID_ROWS or too_wide(plane.shape[1], width):
        return False
    return text_width(grid(number_cells(plane), ascii_only=True)) <= width


def _matrix(
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
    if not _fits_as_numbers(plane, width):
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
    if result is None:
        return grid(out, ascii_only=view.ascii_only)
    return grid(
        out,
        row_breaks=_edges(result.rows),
        col_breaks=_edges(result.cols),
        ascii_only=view.ascii_only,
    )


def _edges(ax: Axis) -> list[int]:
    """Input indices before which one window ends and the next begins, where windows tile
    the input (as ``poolviz pool`` draws them, less the padding)."""
    return [b - ax.pad_before for b in tiling_breaks(ax) if 0 < b - ax.pad_before < ax.n]


def _window_fills(result: PoolResult) -> np.ndarray:
    """For each input cell, the colour of the window reading it (as ``poolviz pool``), or an
    empty string where no window does."""
    owner_r, owner_c = window_owners(result.rows), window_owners(result.cols)
    fills = np.full((result.rows.n, result.cols.n), "", dtype=object)
    for r, i in enumerate(owner_r):
        for c, j in enumerate(owner_c):
            if i >= 0 and j >= 0:
                fills[r, c] = window_colour_at(int(i), int(j), result.cols.out)
    return fills


def _output_fills(result: PoolResult) -> np.ndarray:
    ow = result.cols.out
    return np.array(
        [[window_colour_at(i, j, ow) for j in range(ow)] for i in range(result.rows.out)],
        dtype=object,
    )


def _percent(value: float, decimals: int = 1) -> str:
    return f"{100 * value:.{decimals}f}%"


def _header(title: str, line: str, view: DemoView) -> Text:
    text = Text()
    text.append(title, style="bold")
    text.append(f"\n{line}")
    for note in view.notes:
        text.append(f"\n{note}", style="dim")
    return text


# shift


def shift_report(
    cases: Sequence[ShiftCase], table: ToleranceTable, view: DemoView | None = None
) -> RenderableType:
    """``poolviz shift``: each input beside its shifted copy, both outputs with the changed
    cells marked and why; then the measured tolerance table and what it says about the
    text's claim."""
    view = view or DemoView()
    parts: list[RenderableType] = [
        _header("Shift the input: does max pooling notice?", config_line(cases[0].before), view)
    ]
    for k, case in enumerate(cases, 1):
        parts.extend(_case(case, k, view))
    parts.append(_tolerance(table, view))
    return Group(*parts)


def _case(case: ShiftCase, number: int, view: DemoView) -> list[RenderableType]:
    before, after = case.before, case.after
    changed = np.zeros(case.output.shape[1:3], dtype=bool)
    for i, j in case.changed:
        changed[i, j] = True
    h, w = case.input.shape[1:3]
    oh, ow = case.output.shape[1:3]
    small = _fits_as_numbers(_plane(case.input), (view.width - 8) // 4)
    panel = (view.width - 8) // 4 if small else (view.width - 6) // 2
    fills = _window_fills(before)
    panels: list[tuple[str, Text]] = [
        (f"input {h}x{w}", _matrix(_plane(case.input), view, panel, fills=fills, result=before)),
    ]
    if small:
        panels += [
            ("shifted", _matrix(_plane(case.shifted), view, panel, fills=fills, result=after)),
            (
                f"output {oh}x{ow}",
                _matrix(
                    _plane(case.output), view, panel, fills=_output_fills(before), marked=changed
                ),
            ),
            (
                "shifted output",
                _matrix(
                    _plane(after.output), view, panel, fills=_output_fills(after), marked=changed
                ),
            ),
        ]
        legend = []
        if case.changed:
            legend.append("[v] changed by the shift")
        if view.colour:
            legend.append("colours: one per window")
        key = Text("  ".join(legend), style="dim")
    else:
        shown, key = changed_map(changed, panel, view)
        panels.append((f"changed output cells ({oh}x{ow})", shown))
    title = Text(f"\n{number}. {case.title}", style="bold")
    summary = Text(changed_line(case))
    why = Text(why_line(case), style="dim")
    return [title, _panels(panels, view.width), key, summary, why]


def changed_map(changed: np.ndarray, width: int, view: DemoView) -> tuple[Text, Text]:
    """The (oh, ow) yes/no map ``changed`` at most ``width`` columns wide, one mark per output
    cell (``■`` changed, ``·`` not; ``#`` and ``.`` in ASCII), and its legend. The marks are a
    space apart where that fits, so that the map looks about as tall as it is wide; where even
    one column per cell is too wide, each mark stands for a block of output cells, twice as
    many rows as columns (a character is about twice as tall as wide) and fewer at the edges,
    ``■`` where any of them changed."""
    on, off = ("#", ".") if view.ascii_only else ("■", "·")
    oh, ow = changed.shape
    gap = " " if 2 * ow - 1 <= width else ""
    step = max(1, -(-ow // max(1, width)))
    rows = 2 * step if step > 1 else 1
    if step > 1:
        # any changed cell in each block, without padding the map to whole blocks
        changed = np.logical_or.reduceat(changed, np.arange(0, oh, rows), axis=0)
        changed = np.logical_or.reduceat(changed, np.arange(0, ow, step), axis=1)
    on_style = f"bold {CHANGED_COLOUR}" if view.colour else None
    off_style = "dim" if view.colour else None
    out = Text(no_wrap=True, overflow="crop")
    for i, row in enumerate(changed):
        if i:
            out.append("\n")
        for j, mark in enumerate(row):
            if j:
                out.append(gap)
            out.append(on if mark else off, style=on_style if mark else off_style)
    legend = Text(style="dim")
    legend.append(on, style=on_style)
    legend.append(" changed  ")
    legend.append(off, style=off_style)
    legend.append(" unchanged")
    if step > 1:
        legend.append(f"  (a mark per {min(rows, oh)}x{step} output cells, {on} if any changed)")
    return out, legend


def changed_line(case: ShiftCase) -> str:
    count, total = len(case.changed), case.cell_count
    if count == 0:
        return f"no output cell changed (0 of {total}): the shift is invisible after pooling"
    cells = ""
    if count <= 6:
        cells = ": " + " ".join(f"({i},{j})" for i, j in case.changed)
    return f"{count} of {total} output cells changed ({_percent(count / total, 0)}){cells}"


def _and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _windows_text(spans: Sequence[Span], noun: str = "window") -> str:
    """``the window over columns 0-1``, ``the windows over columns 1-2 and 2-3``, ``the window
    over column 2`` (a one-column window); ``noun`` is ``one`` after a first mention."""
    many = len(spans) > 1
    ranges = [str(s.first) if s.first == s.last else f"{s.first}-{s.last}" for s in spans]
    single = not many and spans[0].first == spans[0].last
    return f"the {noun}{'s' if many else ''} over column{'' if single else 's'} {_and(ranges)}"


def why_line(case: ShiftCase) -> str:
    """One line saying why the output changed or not."""
    if case.edge is not None:
        return "why: " + _edge_why(case.edge, len(case.changed) > 0)
    if not case.changed:
        return "why: every window still holds the same largest value"
    return (
        "why: a window's output changes where its largest value moves out of it or a larger "
        "one moves in; shifts within a window are invisible"
    )


def _edge_why(edge: EdgeMove, changed: bool) -> str:
    b, a = edge.before, edge.after
    wb, wa = edge.windows_before, edge.windows_after
    # a column no window reads is there (dropped), one at or past the width is not
    fate = "off the input" if a >= edge.width else "read by no window (dropped)"
    outputs = f"output column{'s' if len(wa) > 1 else ''} " + (
        _and([str(s.index) for s in wa]) if wa else ""
    )
    if not wb:
        if wa:
            return (
                f"column {b} → {a}: column {b} is read by no window (dropped) but column {a} "
                f"is read by {_windows_text(wa)}, so the edge appears in {outputs}"
            )
        if a >= edge.width:
            return (
                f"column {b} → {a}: column {b} is read by no window (dropped) and column {a} "
                "is off the input, so the edge never shows"
            )
        return f"column {b} → {a}: both are read by no window (dropped), so the edge never shows"
    where = _windows_text(wb)
    if not wa:
        return (
            f"column {b} → {a}: column {a} is {fate}, so the edge leaves {where} and its "
            "maxima vanish"
        )
    if edge.same_windows:
        return f"column {b} → {a} stays inside {where}, so every window keeps its maximum"
    return (
        f"column {b} → {a} crosses from {where} into {_windows_text(wa, 'one')}, so the "
        f"maxima move to {outputs}" + ("" if changed else " (which held the same values)")
    )


def _tolerance(table: ToleranceTable, view: DemoView) -> RenderableType:
    way = {"x": "right", "y": "down", "both": "right and down"}[table.along]
    depth = "1 layer" if table.layers == 1 else f"1-{table.layers} layers"
    shifts = "1 pixel" if table.shifts == 1 else f"1-{table.shifts} pixels"
    parts: list[RenderableType] = [
        Text(f"\nMeasured: {depth} of this pooling, shifts of {shifts} {way}", style="bold"),
        Text(
            "unchanged = output values equal with and without the shift; change = mean "
            "|difference| / the outputs' range",
            style="dim",
        ),
    ]
    for source in table.sources:
        parts.append(Text(f"\n{source.name}: {source.description}", style="bold"))
        parts.append(_tolerance_rows(table.of(source.name), source.inputs.shape[0] > 1))
        parts.append(Text(trend_line(table.trend(source.name), table), style=""))
    parts.append(Text("\n" + claim_line(table), style="bold"))
    return Group(*parts)


def _tolerance_rows(rows: Sequence[ToleranceRow], several: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    for name in ("layers", "output", "shift", "unchanged", "change"):
        table.add_column(name, justify="right")
    if several:
        table.add_column("identical outputs", justify="right")
    shown_depth = 0
    for row in rows:
        if not row.fits:
            if row.layers != shown_depth:
                shown_depth = row.layers
                table.add_row(str(row.layers), "-", "any", "does not fit", "")
            continue
        first = row.layers != shown_depth
        shown_depth = row.layers
        assert row.output_shape is not None and row.unchanged_fraction is not None
        cells = [
            str(row.layers) if first else "",
            f"{row.output_shape[0]}x{row.output_shape[1]}" if first else "",
            str(row.shift),
            _percent(row.unchanged_fraction),
            _percent(row.mean_abs_change or 0.0),
        ]
        if several:
            cells.append(f"{row.identical} of {row.inputs}")
        table.add_row(*cells)
    return table


def trend_line(trend: Trend, table: ToleranceTable) -> str:
    """What one source shows: unchanged values with one layer against the deepest."""
    if trend.verdict == "shallow":
        return "only one layer fits this input: nothing to compare across depths"
    pairs = ", ".join(
        f"{_percent(a, 0)} → {_percent(b, 0)} at shift {s}"
        for s, a, b in zip(trend.shifts, trend.first, trend.last, strict=True)
    )
    groups = []
    for sign, word in ((1, "more"), (0, "about as many"), (-1, "fewer")):
        shifts = [str(s) for s, g in zip(trend.shifts, trend.signs, strict=True) if g == sign]
        if shifts:
            groups.append(f"{word} at shift{'s' if len(shifts) > 1 else ''} {', '.join(shifts)}")
    line = f"values unchanged with {trend.deepest} layers against 1: {'; '.join(groups)} ({pairs})"
    source = [s for s in table.sources if s.name == trend.source][0]
    count = source.inputs.shape[0]
    if count > 1:
        ident = ", ".join(
            f"{round(a * count)} → {round(b * count)}"
            for a, b in zip(trend.first_identical, trend.last_identical, strict=True)
        )
        line += f"; inputs with an identical output, of {count}: {ident}"
    return line


def claim_line(table: ToleranceTable) -> str:
    """The claim that deeper stacks of pooling compound shift tolerance: does the table
    bear it out?"""
    claim = "The claim that deeper stacks tolerate shifts better"
    verdicts = {s.name: table.trend(s.name).verdict for s in table.sources}
    if all(v == "shallow" for v in verdicts.values()):
        return f"{claim} cannot be tested here."
    support = [n for n, v in verdicts.items() if v == "more"]
    against = [n for n, v in verdicts.items() if v in ("fewer", "same", "mixed")]
    if support and not against:
        return f"{claim} holds here: they left more of the output unchanged."
    if against and not support:
        return f"{claim} does not show here: they did not leave more of the output unchanged."
    return (
        f"{claim} holds for {', '.join(support)}, not for {', '.join(against)}: "
        "deeper stacks are not always more tolerant."
    )


# compare


def compare_report(result: Comparison, view: DemoView | None = None) -> RenderableType:
    """``poolviz compare``: the input and every operation's output side by side, a table of
    shapes, parameters, kept values and reconstruction errors, and what they mean."""
    view = view or DemoView()
    pooled = result.pooled
    parts: list[RenderableType] = [
        _header("Alternatives to max pooling, on one input", config_line(pooled), view)
    ]
    c = result.input.shape[3]
    parts.append(_outputs(result, view))
    if c > 1:
        parts.append(Text("grids: channel 0 of item 0; --json has every channel", style="dim"))
    parts.append(_compare_table(result))
    rebuilt = [op for op in result.operations if op.reconstruction is not None]
    if rebuilt:
        parts.append(_rebuilt(result, rebuilt, view))
    parts.append(_compare_notes(result))
    return Group(*parts)


def _outputs(result: Comparison, view: DemoView) -> RenderableType:
    x = _plane(result.input)
    panel = (view.width - 6) // 3
    h, w = x.shape
    panels: list[tuple[str, Text]] = [(f"input {h}x{w}", _matrix(x, view, panel))]
    for op in result.operations:
        if op.output is None:
            continue
        label = SHORT_NAMES[op.key]
        if op.key.startswith("global"):
            panels.append((label, _per_channel(op.output)))
            continue
        out = _plane(op.output)
        panels.append(
            (f"{label} {out.shape[0]}x{out.shape[1]}", _matrix(out, view, max(panel, 12)))
        )
    return Group(Text(""), _panels(panels, view.width, gap=2))


def _per_channel(values: np.ndarray, limit: int = 6) -> Text:
    """One number per channel (item 0), one per line."""
    row = values[0, 0, 0]
    texts = [format_number(float(v), _decimals(row)) for v in row[:limit]]
    lines = [f"c{k}: {t}" if row.size > 1 else t for k, t in enumerate(texts)]
    if row.size > limit:
        lines.append(f"… {row.size - limit} more")
    return Text("\n".join(lines))


def _decimals(values: np.ndarray) -> int:
    from poolviz.render.style import decimals_for

    return decimals_for(np.asarray(values, dtype=float))


def _compare_table(result: Comparison) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("operation", no_wrap=True)
    table.add_column("output shape", no_wrap=True)
    table.add_column("params", justify="right")
    table.add_column("kept", justify="right")
    table.add_column("rebuild error", no_wrap=True)
    for op in result.operations:
        table.add_row(
            op.name,
            "-" if op.output is None else shape_text(op.output.shape),
            str(op.params),
            "-" if op.kept_fraction is None else f"{100 * op.kept_fraction:.3g}%",
            _rebuilt_text(op),
        )
    return Group(Text(""), table, Text("rebuild error: mean |input − rebuilt input|", style="dim"))


def _rebuilt_text(op: Operation) -> str:
    if op.reconstruction_error is None:
        return "-"
    how = {"max-unpooling": "unpool", "nearest-neighbour upsampling": "upsample"}
    d = _decimals(np.array([op.reconstruction_error]))
    return (
        f"{format_number(op.reconstruction_error, max(d, 2))} ({how.get(op.rebuilt_by or '', '')})"
    )


def _rebuilt(result: Comparison, ops: Sequence[Operation], view: DemoView) -> RenderableType:
    x = _plane(result.input)
    panel = (view.width - 6) // 3
    panels = [("input", _matrix(x, view, panel))]
    for op in ops:
        assert op.reconstruction is not None
        label = "from max (unpooling)" if op.key == "max" else "from average (upsampled)"
        panels.append((label, _matrix(_plane(op.reconstruction), view, panel)))
    return Group(
        Text("\nRebuilding the input from the output", style="bold"), _panels(panels, view.width)
    )


def _compare_notes(result: Comparison) -> Text:
    conv = result.operation("conv")
    c = result.input.shape[3]
    kh, kw = result.weights.shape
    weights = weights_text(result.weights)
    s = result.spec.stride
    stride = str(s[0]) if s[0] == s[1] else f"({s[0]}, {s[1]})"
    kernel = str(kh) if kh == kw else f"({kh}, {kw})"
    channels = "channel" if c == 1 else "channels"
    text = Text("\n")
    text.append("parameters: ", style="bold")
    text.append("pooling has none; global pooling keeps one number per channel.\n")
    text.append("convolution: ", style="bold")
    text.append(f"fixed weights {weights}: {kh}·{kw} × {c} {channels} = {conv.params}.\n")
    text.append(
        f"A trained network learns them: Conv2D({c}, {kernel}, strides={stride}) has "
        f"{kh}·{kw}·{c}·{c} + {c} = {conv.learned_params}.\n"
    )
    if result.conv_equals_average:
        text.append("With these weights the convolution equals average pooling.\n", style="dim")
    if conv.note:
        text.append(conv.note + "\n", style="dim")
    if result.overlapping:
        text.append(
            "No rebuilding: the windows overlap, so a cell would come from several windows.\n",
            style="dim",
        )
    else:
        text.append(
            "Rebuilding: unpooling puts each maximum back where it was, 0 elsewhere; "
            "upsampling spreads each average over its window.\n",
            style="dim",
        )
    for op in result.operations:
        if op.output is None and op.note:
            text.append(f"{op.name}: {op.note}\n", style="dim")
    text.rstrip()
    return text


# size


def size_report(result: SizeResult, view: DemoView | None = None) -> RenderableType:
    """``poolviz size``: the output size worked out per axis, which cells no window reads,
    which padding is used, the shapes and value counts, and the layer as code."""
    view = view or DemoView()
    spec = result.spec
    text = Text()
    text.append("Output size of a pooling layer\n", style="bold")
    one = len(result.dims) == 1

    def pair(value: tuple[int, int]) -> str:
        return str(value[0]) if one else f"{value[0]}x{value[1]}"

    parts = [f"size {pair(spec.size)}", f"stride {pair(spec.stride)}"]
    parts.append(f"padding {spec.padding_label}")
    if spec.dilation != (1, 1):
        parts.append(f"dilation {pair(spec.dilation)}")
    if spec.ceil_mode:
        parts.append("ceil mode")
    text.append(" · ".join(parts))
    for note in view.notes:
        text.append(f"\n{note}", style="dim")
    text.append("\n" + _shape_line(result))
    out: list[RenderableType] = [text]
    dims = result.dims
    if len(dims) == 2 and _same_axis(dims[0], dims[1]):
        out.append(_dim(dims[0], "height and width", view))
    else:
        for dim in dims:
            out.append(_dim(dim, dim.name, view))
    out.append(framework_code(spec, dims[0].axis, dims[-1].axis, view.width))
    return Group(*out)


def _same_axis(a: SizeDim, b: SizeDim) -> bool:
    return a.axis == b.axis


def _shape_line(result: SizeResult) -> str:
    c = result.channels
    if len(result.dims) == 1:
        n, o = result.dims[0].input, result.dims[0].output
        return f"length {n} → {o} ({_percent(o / n, 0)} of the values kept); 0 parameters"
    (h, w), (oh, ow) = result.input_shape, result.output_shape
    before, after = h * w * c, oh * ow * c
    return (
        f"(batch, {h}, {w}, {c}) → (batch, {oh}, {ow}, {c})\n"
        f"values per item: {before:,} → {after:,} ({_percent(result.kept_fraction, 0)} kept); "
        "0 parameters"
    )


def _cells_text(cells: Sequence[int], limit: int = 12) -> str:
    """Indices as runs: ``12``, ``24-25``, ``2, 5, 8, … (40 cells)``."""
    runs: list[tuple[int, int]] = []
    for k in cells:
        if runs and k == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], k)
        else:
            runs.append((k, k))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in runs]
    if len(parts) > limit:
        parts = parts[: limit - 2] + ["…", parts[-1]]
    return ", ".join(parts)


def _dim(dim: SizeDim, name: str, view: DemoView) -> RenderableType:
    ax = dim.axis
    unit = {"height": "row", "width": "column"}.get(dim.name, "cell")
    if name == "height and width":
        unit = "row/column"
    text = Text()
    text.append(f"\n{name.capitalize()}: {dim.input} → {dim.output}\n", style="bold")
    for line in dim.steps:
        text.append(f"  {line}\n")
    simple = ax.simple_formula("out")
    if simple is not None:
        text.append(f"  as often written: {simple.removeprefix('out = ')}\n", style="dim")
    starts = [ax.start(i) for i in range(ax.out)]
    shown = (
        ", ".join(str(v) for v in starts)
        if len(starts) <= 6
        else f"{starts[0]}, {starts[1]}, {starts[2]}, …, {starts[-1]}"
    )
    reads = (
        f"{ax.size} {unit}s" if ax.dilation == 1 else (f"{ax.size} {unit}s, {ax.dilation} apart")
    )
    text.append(f"  windows: {ax.out}, starting at {shown}; each reads {reads}\n")
    if dim.dropped:
        count = len(dim.dropped)
        units = unit if count == 1 else ("rows/columns" if "/" in unit else f"{unit}s")
        text.append(
            f"  dropped: {units} {_cells_text(dim.dropped)} ({count} of {dim.input}), read "
            "by no window\n"
        )
    else:
        text.append(f"  dropped: none; every {unit} is read\n")
    before, after = dim.padding
    if before or after:
        used_before = [k for k in dim.padding_used if k < 0]
        used_after = [k for k in dim.padding_used if k >= dim.input]
        text.append(
            f"  padding: {before} before ({_used(used_before)}), "
            f"{after} after ({_used(used_after)})\n"
        )
    if dim.overhang:
        text.append(
            f"  overhang: the last window reaches {unit} {_cells_text(dim.overhang)}, past "
            "the input and its padding; such cells never count\n"
        )
    text.rstrip()
    return text


def _used(cells: Sequence[int]) -> str:
    return f"read: {_cells_text(cells)}" if cells else "not read"
