"""``poolviz shift`` in the terminal: each shifted case's outputs and what changed, then
the tolerance table across depths and shifts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from poolviz.demos import (
    ShiftCase,
    ShiftOutputs,
    ToleranceRow,
    ToleranceTable,
)
from poolviz.render import shift_text
from poolviz.render.style import (
    config_line,
    percent_fixed,
)
from poolviz.render.terminal.panels import (
    CHANGED_COLOUR,
    fits_as_numbers,
    header,
    matrix_panel,
    output_fills,
    plane_of,
    side_by_side,
)
from poolviz.render.terminal.pool import window_fills
from poolviz.render.terminal.view import DemoView


def shift_report(
    cases: Sequence[ShiftCase], table: ToleranceTable, view: DemoView | None = None
) -> RenderableType:
    """``poolviz shift``: each input beside its shifted copy, both outputs with the changed
    cells marked and why; then the measured tolerance table and what it says about the
    text's claim."""
    view = view or DemoView()
    first = cases[0]
    title = "Shift the input: does max pooling notice?"
    line = config_line(first.before)
    if first.blur is not None:
        title = (
            "Shift the input: does max or blur pooling notice?"
            if first.show_max
            else "Shift the input: does blur pooling notice?"
        )
        line = first.blur.label if not first.show_max else f"{line}\n{first.blur.label}"
    parts: list[RenderableType] = [header(title, line, view)]
    for k, case in enumerate(cases, 1):
        parts.extend(_case(case, k, view))
    parts.append(_tolerance(table, view))
    return Group(*parts)


def _case(case: ShiftCase, number: int, view: DemoView) -> list[RenderableType]:
    before, after = case.before, case.after
    h, w = case.input.shape[1:3]
    small = fits_as_numbers(plane_of(case.input), (view.width - 8) // 4)
    panel = (view.width - 8) // 4 if small else (view.width - 6) // 2
    # the max windows frame the input only where max pooling is shown
    fills = window_fills(before) if case.show_max else None
    framing = before if case.show_max else None
    inputs: list[tuple[str, Text]] = [
        (
            f"input {h}x{w}",
            matrix_panel(plane_of(case.input), view, panel, fills=fills, result=framing),
        ),
    ]
    rows: list[list[tuple[str, Text]]] = [inputs]
    keys: list[Text] = []
    for outputs in case.shown:
        is_max = outputs is case.max_outputs
        changed = _changed_mask(outputs)
        oh, ow = outputs.output.shape[1:3]
        name = "" if is_max and case.blur is None else ("max " if is_max else "blur ")
        if small:
            if len(rows[0]) == 1:
                rows[0].append(
                    (
                        "shifted",
                        matrix_panel(
                            plane_of(case.shifted),
                            view,
                            panel,
                            fills=fills,
                            result=after if case.show_max else None,
                        ),
                    )
                )
            pair = [
                (
                    label,
                    matrix_panel(
                        plane_of(plane),
                        view,
                        panel,
                        fills=output_fills(result) if is_max else None,
                        marked=changed,
                    ),
                )
                for label, plane, result in (
                    (f"{name}output {oh}x{ow}", outputs.output, before),
                    (f"{name}shifted output", outputs.shifted_output, after),
                )
            ]
        else:
            shown, key = changed_map(changed, panel, view)
            pair = [(f"{name}changed output cells ({oh}x{ow})", shown)]
            keys.append(key)
        if len(rows[-1]) + len(pair) <= (4 if small else 2):
            rows[-1].extend(pair)
        else:
            rows.append(pair)
    if small:
        legend = []
        if any(o.changed for o in case.shown):
            legend.append("[v] changed by the shift")
        if view.colour and case.show_max:
            legend.append("colours: one per max window")
        keys = [Text("  ".join(legend), style="dim")]
    title = Text(f"\n{number}. {case.title}", style="bold")
    parts: list[RenderableType] = [title]
    parts.extend(side_by_side(row, view.width) for row in rows)
    parts.extend(keys[:1])
    if case.show_max:
        summary = shift_text.changed_line(case)
        if case.blur is not None:
            summary += f"; mean |change| {case.max_outputs.mean_abs_change:.3g}"
        parts.append(Text(summary))
        parts.append(Text(shift_text.why_line(case), style="dim"))
    if case.blur is not None:
        parts.append(Text(shift_text.outputs_line(case.blur)))
        if (line := shift_text.blur_line(case)) is not None:
            parts.append(Text(line, style="bold"))
    return parts


def _changed_mask(outputs: ShiftOutputs) -> np.ndarray:
    """(oh, ow) True where the shift changed the output."""
    changed = np.zeros(outputs.output.shape[1:3], dtype=bool)
    for i, j in outputs.changed:
        changed[i, j] = True
    return changed


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
        for mode in table.modes:
            if len(table.modes) > 1 or mode == "blur":
                label = "max" if mode == "max" or table.blur is None else table.blur.label
                parts.append(Text(label, style="italic"))
            rows = table.of(source.name, mode)
            parts.append(_tolerance_rows(rows, source.inputs.shape[0] > 1))
            parts.append(
                Text(shift_text.trend_line(table.trend(source.name, mode), table), style="")
            )
        if (gap := shift_text.mode_gap_line(table, source.name)) is not None:
            parts.append(Text(gap, style="bold"))
    if "max" in table.modes:
        parts.append(Text("\n" + shift_text.claim_line(table), style="bold"))
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
            percent_fixed(row.unchanged_fraction),
            percent_fixed(row.mean_abs_change or 0.0),
        ]
        if several:
            cells.append(f"{row.identical:,} of {row.inputs:,}")
        table.add_row(*cells)
    return table
