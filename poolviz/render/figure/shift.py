"""``poolviz shift -o``: each shifted case as numbers or pictures, the changed output
cells framed, and the tolerance table as line plots across depths."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from poolviz.demos import (
    ShiftCase,
    ShiftOutputs,
    ToleranceTable,
)
from poolviz.errors import PoolvizError
from poolviz.render import shift_text
from poolviz.render.figure.choices import NATURAL, FigureChoices
from poolviz.render.figure.grid import (
    CAPTION,
    LINESTYLES,
    Outline,
    arrow_panel,
    cell_inches,
    draw_matrix,
)
from poolviz.render.figure.layout import is_wide
from poolviz.render.figure.panels import (
    picture,
    plane_of,
    window_fills,
    window_outlines,
    wrap,
)
from poolviz.render.figure.pool import drawn_windows, outlined_note, output_fills
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.style import (
    OKABE_ITO,
    config_line,
)

SHIFT_NUMBERED_INPUT = 12
"""Largest input side the shift figure shows as numbers; larger inputs are pictures."""


SHIFT_NUMBERED_OUTPUT = 10
"""Largest output side the shift figure shows as numbers (two outputs sit side by side)."""


CHANGED_FRAME = "#000000"
"""The dashed frame around an output cell a shift changed (the fill stays the window's)."""


LINE_COLOURS = (*(c for c in OKABE_ITO if c != "#F0E442"), "#000000")
"""Okabe-Ito without its yellow, too faint as a line on white, and black instead."""


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""One marker per depth, with the colour and line style, so lines differ without colour."""


def shift_figure(
    cases: Sequence[ShiftCase],
    table: ToleranceTable,
    choices: FigureChoices = NATURAL,
) -> Figure:
    """Each case as a row (input, shifted input, both outputs with the changed cells outlined
    dashed in vermillion), then the measured table as line plots, one line per depth: a grid
    of plots per source (``choices.aspect`` ``tall``) or every plot in one row (``wide``, for
    a 16:9 slide; ``auto`` picks it when the grid would make the page taller than wide).
    ``choices.panel`` draws one row alone: a case's number (``1``, ``2``) or ``measured``."""
    panel = choices.panel
    if panel is not None and panel != "measured" and not 1 <= int(panel) <= len(cases):
        raise PoolvizError(
            f"--panel {panel}: this figure has {len(cases)} case{'s' if len(cases) > 1 else ''}; "
            f"use {' '.join(str(k) for k in range(1, len(cases) + 1))} or measured"
        )
    first = cases[0]
    in_w, in_h = _panel_inches(first.input.shape[1:3], SHIFT_NUMBERED_INPUT)
    out_w, out_h = _panel_inches(first.output.shape[1:3], SHIFT_NUMBERED_OUTPUT)
    case_h = max(in_h, out_h) + 1.5
    metrics = _metrics(table)
    plots = len(table.sources) * len(metrics)
    grid_h = 2.7 * len(table.sources) + 1.2
    pictures = max(first.output.shape[1:3]) > SHIFT_NUMBERED_OUTPUT
    outputs = len(first.shown)
    cases_w = 2 * in_w + outputs * ((3 if pictures else 2) * out_w + 1.0) + 2.0
    tall_w = max(cases_w, 3.3 * len(metrics) + 1.0)
    wide = is_wide(choices.aspect, (tall_w, case_h * len(cases) + grid_h + 0.8))
    plot_h = 4.4 if wide else grid_h
    width = max(cases_w, 3.0 * plots + 2.2) if wide else tall_w
    numbered = list(enumerate(cases, 1))
    if panel is not None:
        numbered = [] if panel == "measured" else [numbered[int(panel) - 1]]
    measured = panel in (None, "measured")
    heights = [case_h] * len(numbered) + ([plot_h] if measured else [])
    # room between a case's title and its panels' titles (the default 3 points let them touch)
    fig = UnhintedFigure(
        figsize=(width, sum(heights) + 0.8), layout=ConstrainedLayoutEngine(h_pad=0.08)
    )
    subs = fig.subfigures(len(heights), 1, height_ratios=heights, hspace=0.04, squeeze=False)[:, 0]
    for (k, case), sub in zip(numbered, subs, strict=False):
        _shift_case(sub, case, k, in_w, out_w, choices.cmap)
    if measured:
        _tolerance_plots(subs[-1], table, metrics, wide)
    config = config_line(first.before).replace("  ", ": ", 1)
    if first.blur is not None:
        config = f"{config}; {first.blur.label}" if first.show_max else first.blur.label
    fig.suptitle(
        choices.title or f"Shifting the input — {config}",
        fontsize=12,
        fontweight="bold",
    )
    return fig


def _shift_case(
    sub: SubFigure, case: ShiftCase, number: int, in_w: float, out_w: float, cmap: str | None
) -> None:
    before, after = case.before, case.after
    numbered = max(case.input.shape[1:3]) <= SHIFT_NUMBERED_INPUT
    out_numbered = max(case.output.shape[1:3]) <= SHIFT_NUMBERED_OUTPUT
    per_output = [0.8, out_w, out_w] + ([] if out_numbered else [out_w])
    widths = [in_w, in_w] + per_output * len(case.shown)
    axes = sub.subplots(1, len(widths), width_ratios=widths)
    way = {(0, 1): "right", (1, 0): "down", (1, 1): "right and down"}
    dy, dx = case.offsets
    direction = way[(int(dy > 0), int(dx > 0))]
    shades = cmap or "gray"
    channel = " (channel 0)" if case.input.shape[3] > 1 else ""
    for ax, values, label in (
        (axes[0], case.input, f"input{channel}"),
        (axes[1], case.shifted, f"shifted {max(dy, dx)} {direction}"),
    ):
        if numbered:
            draw_matrix(
                ax,
                plane_of(values),
                fills=window_fills(before) if case.show_max else None,
                outlines=window_outlines(before) if case.show_max else (),
                title=label,
            )
        else:
            picture(ax, plane_of(values), shades)
            ax.set_title(label, fontsize=10)
    step = len(per_output)
    # one scale for every pooling's change map, so that darker means more change across them
    largest = max(float(o.abs_change[0, :, :, 0].max()) for o in case.shown) or 1.0
    for k, outputs in enumerate(case.shown):
        fills = [output_fills(before), output_fills(after)] if outputs.label == "max" else None
        _outputs(
            axes[2 + k * step : 2 + (k + 1) * step], outputs, fills, out_numbered, shades, largest
        )
    sub.suptitle(f"{number}. {case.title}", fontsize=11, fontweight="bold", x=0.02, ha="left")
    legend = " (dashed frames)" if out_numbered else ""
    lines = []
    if case.show_max:
        line = shift_text.changed_line(case) + (legend if case.changed else "")
        if case.blur is not None:
            line += f"; mean |change| {case.max_outputs.mean_abs_change:.3g}"
        lines += [line, shift_text.why_line(case)]
        chosen = drawn_windows(before)
        if numbered and len(chosen) < before.window_count:
            lines.append(outlined_note(before, chosen))
    if case.blur is not None:
        lines.append(shift_text.outputs_line(case.blur) + (legend if case.blur.changed else ""))
        if (compared := shift_text.blur_line(case)) is not None:
            lines.append(compared)
    sub.supxlabel("\n".join(wrap(line) for line in lines), **CAPTION)


def _outputs(
    axes: Sequence[Axes],
    outputs: ShiftOutputs,
    fills: list[np.ndarray] | None,
    numbered: bool,
    shades: str,
    largest: float,
) -> None:
    """One pooling's arrow, its two outputs (changed cells framed) and, for pictures, how
    much each output value changed, white (none) to black (``largest``)."""
    name = outputs.label.split(":")[0]
    arrow_panel(axes[0], name)
    changed = np.zeros(outputs.output.shape[1:3], dtype=bool)
    for i, j in outputs.changed:
        changed[i, j] = True
    prefix = "" if name == "max" else "blur "
    pairs = ((outputs.output, "output"), (outputs.shifted_output, "shifted output"))
    for k, (values, label) in enumerate(pairs):
        ax, plane = axes[1 + k], plane_of(values)
        if numbered:
            marks = [
                Outline((i, i), (j, j), CHANGED_FRAME, style=1, inset=0.07, width=3.0)
                for i, j in outputs.changed
            ]
            # blur's outputs on white: a colour map would hide how little they change
            cell_fills = (
                np.full(plane.shape, "#FFFFFF", dtype=object) if fills is None else fills[k]
            )
            draw_matrix(ax, plane, fills=cell_fills, outlines=marks, title=prefix + label)
        else:
            picture(ax, plane, shades)
            ax.set_title(prefix + label, fontsize=10)
    if not numbered:
        change = plane_of(outputs.abs_change)
        picture(axes[3], change, "Greys", vmin=0.0, vmax=largest, framed=True)
        axes[3].set_title(f"{prefix}|change| (white: none)", fontsize=10)


def _panel_inches(shape: tuple[int, ...], numbered: int) -> tuple[float, float]:
    """(width, height) of a matrix panel: cells of :func:`cell_inches` when it shows numbers
    (at most ``numbered`` cells a side), else a picture 2.4 inches across."""
    h, w = shape[0], shape[1]
    if max(h, w) <= numbered:
        cell = cell_inches(max(h, w))
        return max(1.2, w * cell), h * cell
    scale = 2.4 / max(h, w)
    return w * scale, h * scale


def _metrics(table: ToleranceTable) -> list[tuple[str, str]]:
    """The table's measures to plot, as (row attribute, axis label)."""
    metrics = [
        ("unchanged_fraction", "output values unchanged"),
        ("mean_abs_change", "mean change / output range"),
    ]
    if any(s.inputs.shape[0] > 1 for s in table.sources):
        metrics.append(("identical", "inputs with an identical output"))
    return metrics


def _tolerance_plots(
    sub: SubFigure, table: ToleranceTable, metrics: list[tuple[str, str]], wide: bool
) -> None:
    """A plot per source and measure: a row per source, or all in one row (``wide``; a
    measure that does not apply to a source is then left out, not left empty)."""
    if wide:
        kept = [
            (r, c)
            for r, source in enumerate(table.sources)
            for c, (attr, _) in enumerate(metrics)
            if attr != "identical" or source.inputs.shape[0] > 1
        ]
        flat = sub.subplots(1, len(kept), squeeze=False)[0]
        axes = np.full((len(table.sources), len(metrics)), None, dtype=object)
        for ax, (r, c) in zip(flat, kept, strict=True):
            axes[r, c] = ax
    else:
        axes = sub.subplots(len(table.sources), len(metrics), squeeze=False)
    shifts = list(range(1, table.shifts + 1))
    shown: list[str] = []
    several = len(table.modes) > 1
    for r, source in enumerate(table.sources):
        count = source.inputs.shape[0]
        for c, (attr, label) in enumerate(metrics):
            ax = axes[r, c]
            if ax is None:  # left out of the one row
                continue
            if attr == "identical" and count == 1:
                ax.axis("off")
                continue
            missing = []
            for mode in table.modes:
                rows = table.of(source.name, mode)
                for depth in range(1, table.layers + 1):
                    at = [row for row in rows if row.layers == depth]
                    name = f"{mode}, {depth}" if several else str(depth)
                    if not at[0].fits:
                        missing.append(name)
                        continue
                    values = [
                        float(getattr(row, attr) or 0) / (count if attr == "identical" else 1)
                        for row in at
                    ]
                    shape = at[0].output_shape or (0, 0)
                    k = depth - 1
                    style = LINESTYLES[k % len(LINESTYLES)]
                    if several:
                        style = "-" if mode == "max" else "--"
                    ax.plot(
                        shifts,
                        [100 * v for v in values],
                        color=LINE_COLOURS[k % len(LINE_COLOURS)],
                        linestyle=style,
                        marker=MARKERS[k % len(MARKERS)],
                        markerfacecolor="white" if mode == "blur" and several else None,
                        linewidth=2,
                        markersize=6,
                        label=f"{name} layer{'s' if depth > 1 else ''} ({shape[0]}x{shape[1]})",
                    )
            top = 104.0
            if attr == "mean_abs_change":  # small changes: the axis follows the largest
                highest = max((100 * (row.mean_abs_change or 0)) for row in table.rows)
                top = min(104.0, max(5.0, highest * 1.2))
            ax.set_ylim(-top / 26, top)
            ax.set_xticks(shifts)
            ax.set_xlabel("shift (pixels)", fontsize=9)
            ax.set_ylabel("%", fontsize=9)
            ax.set_title(f"{source.name}: {label}", fontsize=10)
            ax.grid(True, color="#DDDDDD", linewidth=0.6)
            ax.tick_params(labelsize=8)
            if c == 0:
                handles, labels = ax.get_legend_handles_labels()
                for name in missing:
                    handles.append(ax.plot([], [], color="none")[0])
                    labels.append(f"{name} layers: does not fit")
        # a legend beside the plots (or in the row's empty panel), off the lines; a row whose
        # lines read as the row above's shares its legend
        if labels == shown:
            continue
        shown = labels
        spare = [a for a in axes[r] if a is not None and not a.axison]
        beside = [a for a in axes[r] if a is not None][-1]
        if wide and r < len(table.sources) - 1:  # the next source's plots follow: the
            # legend goes at the row's end (sources with other shapes get theirs inside)
            beside = [a for a in axes.ravel() if a is not None][-1]
        if spare:
            spare[0].legend(handles, labels, fontsize=8, loc="center", title="stacked poolings")
        elif wide and r:
            beside.legend(handles, labels, fontsize=7, loc="best", title="stacked poolings")
        else:
            beside.legend(
                handles,
                labels,
                fontsize=8,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                title="stacked poolings",
            )
    chars = 190 if wide else 110  # a line of the caption, in characters
    lines = []
    for s in table.sources:
        for mode in table.modes:
            head = f"{s.name}, {mode}" if several else s.name
            lines.append(
                wrap(f"{head}: {shift_text.trend_line(table.trend(s.name, mode), table)}", chars)
            )
        if (gap := shift_text.mode_gap_line(table, s.name)) is not None:
            lines.append(wrap(f"{s.name}: {gap}", chars))
    if "max" in table.modes:
        lines.append(shift_text.claim_line(table))
    sub.supxlabel("\n".join(lines), **CAPTION)
    way = {"x": "right", "y": "down", "both": "right and down"}[table.along]
    sub.suptitle(
        f"Measured: 1-{table.layers} stacked poolings, shifts of 1-{table.shifts} px {way}"
        + ("  (solid: max, dashed: blur)" if several else ""),
        fontsize=11,
        fontweight="bold",
        x=0.02,
        ha="left",
    )
