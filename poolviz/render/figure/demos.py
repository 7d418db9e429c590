"""The demos as figures: ``poolviz shift``, ``poolviz compare`` and ``poolviz size`` with
``-o``.

Matrices are drawn with :func:`draw_matrix` as in ``poolviz pool``'s figure (numbers in cells,
windows in Okabe-Ito colours and line styles, hatched padding, crossed dropped cells); every
number is read off a :mod:`poolviz.demos` result. The words under each panel are the
terminal report's, so both say the same thing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Rectangle

from poolviz.demos import (
    Comparison,
    ShiftCase,
    SizeDim,
    SizeResult,
    ToleranceTable,
    window_owners,
)
from poolviz.engine.explain import PoolResult
from poolviz.render.figure.grid import (
    LINESTYLES,
    MAX_NUMBERED,
    Outline,
    arrow_panel,
    cell_inches,
    draw_matrix,
    drawable,
    value_norm,
)
from poolviz.render.style import (
    OKABE_ITO,
    config_line,
    outline_colour,
    pale,
    weights_text,
    window_colour_at,
)
from poolviz.render.terminal.demos import changed_line, claim_line, trend_line, why_line

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

CAPTION = {"fontsize": 9, "color": "#333333"}


def _plane(values: np.ndarray, channel: int = 0) -> np.ndarray:
    return np.asarray(values[0, :, :, channel], dtype=float)


def _wrap(text: str, width: int = 95) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _window_fills(result: PoolResult) -> np.ndarray:
    """Each input cell on a pale version of its window's colour; white where no window reads."""
    owner_r, owner_c = window_owners(result.rows), window_owners(result.cols)
    fills = np.full((result.rows.n, result.cols.n), "#FFFFFF", dtype=object)
    for r, i in enumerate(owner_r):
        for c, j in enumerate(owner_c):
            if i >= 0 and j >= 0:
                fills[r, c] = pale(window_colour_at(int(i), int(j), result.cols.out))
    return fills


def _window_outlines(result: PoolResult) -> list[Outline]:
    """The windows as outlines in the input (real cells only), when there are few enough to
    read."""
    if result.window_count > 16:
        return []
    outlines = []
    for k in range(result.window_count):
        i, j = divmod(k, result.cols.out)
        rows, cols = result.rows.real_taps(i), result.cols.real_taps(j)
        if rows and cols:
            outlines.append(
                Outline(
                    (rows[0], rows[-1]),
                    (cols[0], cols[-1]),
                    window_colour_at(i, j, result.cols.out),
                    style=k,
                    inset=0.05 + 0.07 * (k % 3),
                )
            )
    return outlines


# shift


def shift_figure(
    cases: Sequence[ShiftCase],
    table: ToleranceTable,
    *,
    title: str | None = None,
    cmap: str | None = None,
) -> Figure:
    """Each case as a row (input, shifted input, both outputs with the changed cells outlined
    dashed in vermillion), then the measured table as line plots, one line per depth."""
    first = cases[0]
    in_w, in_h = _panel_inches(first.input.shape[1:3], SHIFT_NUMBERED_INPUT)
    out_w, out_h = _panel_inches(first.output.shape[1:3], SHIFT_NUMBERED_OUTPUT)
    case_h = max(in_h, out_h) + 1.5
    metrics = _metrics(table)
    plot_h = 2.7 * len(table.sources) + 1.2
    pictures = max(first.output.shape[1:3]) > SHIFT_NUMBERED_OUTPUT
    width = max(2 * in_w + (3 if pictures else 2) * out_w + 3.0, 3.3 * len(metrics) + 1.0)
    fig = Figure(figsize=(width, case_h * len(cases) + plot_h + 0.8), layout="constrained")
    subs = fig.subfigures(
        len(cases) + 1,
        1,
        height_ratios=[case_h] * len(cases) + [plot_h],
        hspace=0.04,
        squeeze=False,
    )[:, 0]
    for k, (case, sub) in enumerate(zip(cases, subs, strict=False), 1):
        _shift_case(sub, case, k, in_w, out_w, cmap)
    _tolerance_plots(subs[-1], table, metrics)
    fig.suptitle(
        title or f"Shifting the input — {config_line(cases[0].before).replace('  ', ': ', 1)}",
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
    changed = np.zeros(case.output.shape[1:3], dtype=bool)
    for i, j in case.changed:
        changed[i, j] = True
    widths = [in_w, in_w, 0.8, out_w, out_w] + ([] if out_numbered else [out_w])
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
                _plane(values),
                fills=_window_fills(before),
                outlines=_window_outlines(before),
                title=label,
            )
        else:
            _picture(ax, _plane(values), shades)
            ax.set_title(label, fontsize=10)
    arrow_panel(axes[2], "max")
    for ax, result, label in ((axes[3], before, "output"), (axes[4], after, "shifted output")):
        plane = _plane(result.output)
        if out_numbered:
            out_fills = np.array(
                [
                    [
                        pale(window_colour_at(i, j, result.cols.out), 0.3)
                        for j in range(result.cols.out)
                    ]
                    for i in range(result.rows.out)
                ],
                dtype=object,
            )
            marks = [
                Outline((i, i), (j, j), CHANGED_FRAME, style=1, inset=0.07, width=3.0)
                for i, j in case.changed
            ]
            draw_matrix(ax, plane, fills=out_fills, outlines=marks, title=label)
        else:
            _picture(ax, plane, shades)
            ax.set_title(label, fontsize=10)
    if not out_numbered:
        _picture(axes[5], changed.astype(float), "Greys", vmin=0.0, vmax=1.0, framed=True)
        axes[5].set_title("changed cells (black)", fontsize=10)
    sub.suptitle(f"{number}. {case.title}", fontsize=11, fontweight="bold", x=0.02, ha="left")
    legend = " (dashed frames)" if case.changed and out_numbered else ""
    sub.supxlabel(_wrap(changed_line(case) + legend) + "\n" + _wrap(why_line(case)), **CAPTION)


def _panel_inches(shape: tuple[int, ...], numbered: int) -> tuple[float, float]:
    """(width, height) of a matrix panel: cells of :func:`cell_inches` when it shows numbers
    (at most ``numbered`` cells a side), else a picture 2.4 inches across."""
    h, w = shape[0], shape[1]
    if max(h, w) <= numbered:
        cell = cell_inches(max(h, w))
        return max(1.2, w * cell), h * cell
    scale = 2.4 / max(h, w)
    return w * scale, h * scale


def _picture(
    ax: Axes,
    plane: np.ndarray,
    cmap: str,
    vmin: float | None = None,
    vmax: float | None = None,
    framed: bool = False,
) -> None:
    """``plane`` as an image without numbers, one square per cell; ``framed`` draws a thin
    box around it (for a map whose background is white)."""
    h, w = plane.shape
    ax.imshow(
        drawable(plane),
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
        extent=(0, w, h, 0),
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(framed)


def _metrics(table: ToleranceTable) -> list[tuple[str, str]]:
    """The table's measures to plot, as (row attribute, axis label)."""
    metrics = [
        ("unchanged_fraction", "output values unchanged"),
        ("mean_abs_change", "mean change / output range"),
    ]
    if any(s.inputs.shape[0] > 1 for s in table.sources):
        metrics.append(("identical", "inputs with an identical output"))
    return metrics


def _tolerance_plots(sub: SubFigure, table: ToleranceTable, metrics: list[tuple[str, str]]) -> None:
    axes = sub.subplots(len(table.sources), len(metrics), squeeze=False)
    shifts = list(range(1, table.shifts + 1))
    shown: list[str] = []
    for r, source in enumerate(table.sources):
        rows = table.of(source.name)
        count = source.inputs.shape[0]
        for c, (attr, label) in enumerate(metrics):
            ax = axes[r, c]
            if attr == "identical" and count == 1:
                ax.axis("off")
                continue
            missing = []
            for depth in range(1, table.layers + 1):
                at = [row for row in rows if row.layers == depth]
                if not at[0].fits:
                    missing.append(depth)
                    continue
                values = [
                    float(getattr(row, attr) or 0) / (count if attr == "identical" else 1)
                    for row in at
                ]
                shape = at[0].output_shape or (0, 0)
                k = depth - 1
                ax.plot(
                    shifts,
                    [100 * v for v in values],
                    color=LINE_COLOURS[k % len(LINE_COLOURS)],
                    linestyle=LINESTYLES[k % len(LINESTYLES)],
                    marker=MARKERS[k % len(MARKERS)],
                    linewidth=2,
                    markersize=6,
                    label=f"{depth} layer{'s' if depth > 1 else ''} ({shape[0]}x{shape[1]})",
                )
            ax.set_ylim(-4, 104)
            ax.set_xticks(shifts)
            ax.set_xlabel("shift (pixels)", fontsize=9)
            ax.set_ylabel("%", fontsize=9)
            ax.set_title(f"{source.name}: {label}", fontsize=10)
            ax.grid(True, color="#DDDDDD", linewidth=0.6)
            ax.tick_params(labelsize=8)
            if c == 0:
                handles, labels = ax.get_legend_handles_labels()
                for depth in missing:
                    handles.append(ax.plot([], [], color="none")[0])
                    labels.append(f"{depth} layers: does not fit")
        # a legend beside the plots (or in the row's empty panel), off the lines; a row whose
        # lines read as the row above's shares its legend
        if labels == shown:
            continue
        shown = labels
        spare = [a for a in axes[r] if not a.axison]
        if spare:
            spare[0].legend(handles, labels, fontsize=8, loc="center", title="stacked poolings")
        else:
            axes[r, -1].legend(
                handles,
                labels,
                fontsize=8,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                title="stacked poolings",
            )
    lines = [trend_line(table.trend(s.name), table) for s in table.sources]
    text = "\n".join(
        _wrap(f"{s.name}: {line}", 110) for s, line in zip(table.sources, lines, strict=True)
    )
    sub.supxlabel(text + "\n" + claim_line(table), **CAPTION)
    way = {"x": "right", "y": "down", "both": "right and down"}[table.along]
    sub.suptitle(
        f"Measured: 1-{table.layers} stacked poolings, shifts of 1-{table.shifts} px {way}",
        fontsize=11,
        fontweight="bold",
        x=0.02,
        ha="left",
    )


# compare


def compare_figure(
    result: Comparison, *, title: str | None = None, cmap: str | None = None
) -> Figure:
    """The input and every operation's output side by side on one colour scale and at one
    cell size, titled with its shape, parameters and share of values kept; below, the input
    rebuilt from max and from average with the mean absolute error."""
    x = _plane(result.input)
    h, w = x.shape
    cell = cell_inches(max(h, w)) or 2.6 / max(h, w)
    shown = [op for op in result.operations if op.output is not None]
    outputs = [_op_plane(op.output) for op in shown if op.output is not None]
    rebuilt = [op for op in result.operations if op.reconstruction is not None]
    every = [
        x,
        *outputs,
        *(_plane(op.reconstruction) for op in rebuilt if op.reconstruction is not None),
    ]
    norm = value_norm(*every)
    # every panel is a frame of whole cells, at least TITLE_CELLS wide so its title fits
    frames = [w] + [max(p.shape[1], _title_cells(cell)) for p in outputs]
    units = sum(frames)
    rows = 2 if rebuilt else 1
    row_h = h * cell + 1.2
    fig = Figure(
        figsize=(units * cell + 0.4 * len(frames) + 0.8, rows * row_h + 1.3), layout="constrained"
    )
    subs = fig.subfigures(rows, 1, squeeze=False)[:, 0]
    axes = subs[0].subplots(1, len(frames), width_ratios=frames)
    map_name = cmap or "viridis"
    numbers = max(h, w) <= MAX_NUMBERED

    def draw(ax: Axes, values: np.ndarray, title: str, labelled: bool = True) -> None:
        """Numbers for a small input's panels, pictures (same colour scale) otherwise."""
        size = 9 if labelled else 8.5
        if numbers or values.shape[0] == 1:
            draw_matrix(
                ax,
                values,
                cmap=map_name,
                norm=norm,
                index_labels=labelled,
                title=title,
                title_size=size,
            )
        else:
            _picture(ax, values, map_name, norm.vmin, norm.vmax)
            ax.set_title(title, fontsize=size)

    draw(axes[0], x, f"input {h}x{w}")
    for ax, op, plane, frame in zip(axes[1:], shown, outputs, frames[1:], strict=True):
        assert op.output is not None
        shape = "x".join(str(v) for v in op.output.shape[1:])
        kept = f"{100 * (op.kept_fraction or 0):.3g}% kept"
        per = ", one per channel" if op.key.startswith("global") and plane.size > 1 else ""
        draw(ax, plane, f"{op.name}\n{shape}{per}\n{op.params} params · {kept}", labelled=False)
        if numbers or not op.key.startswith("global"):
            _centre(ax, plane.shape, (h, frame))
        else:  # one number per channel beside a picture: cells of their own, readable
            _centre(ax, plane.shape, (max(3, plane.shape[1]), max(3, plane.shape[1])))
    if rebuilt:
        spare = max(units - w * (1 + len(rebuilt)), 0.01)
        axes2 = subs[1].subplots(
            1, 2 + len(rebuilt), width_ratios=[w] * (1 + len(rebuilt)) + [spare]
        )
        axes2[-1].axis("off")
        draw(axes2[0], x, "input")
        for ax, op in zip(axes2[1:], rebuilt, strict=False):
            assert op.reconstruction is not None and op.reconstruction_error is not None
            how = "unpooling" if op.key == "max" else "upsampling"
            source = "max" if op.key == "max" else "average"
            error = f"mean |error| {op.reconstruction_error:.3g}"
            draw(ax, _plane(op.reconstruction), f"from {source} ({how})\n{error}")
        subs[1].suptitle(
            "The input rebuilt from the output", fontsize=10, fontweight="bold", x=0.02, ha="left"
        )
    fig.suptitle(
        title or f"Alternatives to max pooling — {_config(result.pooled)}",
        fontsize=12,
        fontweight="bold",
    )
    fig.supxlabel(_compare_caption(result), x=0.02, ha="left", **CAPTION)
    return fig


def _title_cells(cell: float) -> float:
    """Width, in cells, that a panel title of about 20 characters needs."""
    return 1.45 / cell


def _centre(ax: Axes, shape: tuple[int, ...], frame: tuple[float, float]) -> None:
    """Show a matrix of ``shape`` in the middle of a frame of ``frame`` (rows, columns) cells,
    so that panels of different sizes share one cell size."""
    (h, w), (fh, fw) = shape[:2], frame
    ax.set_xlim(-(fw - w) / 2, w + (fw - w) / 2)
    ax.set_ylim(h + (fh - h) / 2, -(fh - h) / 2)


def _op_plane(values: np.ndarray) -> np.ndarray:
    """Item 0 of an output: channel 0, or for a global pooling one number per channel in a
    row."""
    if values.shape[1] == 1 and values.shape[2] == 1:
        return np.asarray(values[0, 0, :, :], dtype=float).reshape(1, -1)
    return _plane(values)


def _config(result: PoolResult) -> str:
    return config_line(result).split("  ", 1)[1]


def _compare_caption(result: Comparison) -> str:
    conv = result.operation("conv")
    c = result.input.shape[3]
    kh, kw = result.weights.shape
    weights = weights_text(result.weights)
    lines = [
        f"convolution: fixed weights {weights} ({kh}·{kw} × {c} = {conv.params} parameters); "
        f"a trained network learns them, and a full Conv2D has "
        f"{kh}·{kw}·{c}·{c} + {c} = {conv.learned_params}",
    ]
    if result.conv_equals_average:
        lines.append("with these weights the convolution equals average pooling")
    if result.input.shape[3] > 1:
        lines.append("grids: channel 0 of item 0")
    if result.overlapping:
        lines.append("no rebuilding: the windows overlap")
    return "\n".join(_wrap(line, 110) for line in lines)


# size


def size_figure(result: SizeResult, *, title: str | None = None) -> Figure:
    """Each axis as a strip of cells (padding hatched, dropped cells crossed, ceil-mode
    overhang dotted) with every window as a bar below it, and the formula worked out."""
    dims = list(result.dims)
    if len(dims) == 2 and dims[0].axis == dims[1].axis:
        dims = dims[:1]
        names = ["height and width"]
    else:
        names = [d.name for d in dims]
    layouts = [_strip_layout(d) for d in dims]
    cells = max(len(layout) for layout in layouts)
    cell = min(0.42, 10.5 / cells)
    # the strip's height in data units (see _strip), then the caption's lines
    heights = [(1.55 + 0.55 * _lanes(d)) * cell + 0.55 + 0.165 * (len(d.steps) + 1) for d in dims]
    width = max(6.8, cells * cell + 0.6)
    fig = Figure(figsize=(width, sum(heights) + 0.5), layout="constrained")
    subs = fig.subfigures(len(dims), 1, height_ratios=heights, squeeze=False)[:, 0]
    for sub, dim, name, layout in zip(subs, dims, names, layouts, strict=True):
        _strip(sub, dim, name, layout)
    spec = result.spec
    if title is None:
        one = len(result.dims) == 1
        size = spec.size[0] if one else f"{spec.size[0]}x{spec.size[1]}"
        stride = spec.stride[0] if one else f"{spec.stride[0]}x{spec.stride[1]}"
        title = f"Output size: size {size}, stride {stride}, padding {spec.padding_label}"
        if spec.dilation != (1, 1):
            title += f", dilation {spec.dilation[0]}"
        if spec.ceil_mode:
            title += ", ceil mode"
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


STRIP_LIMIT = 48
"""Longest strip drawn in full; longer ones show their two ends around a gap."""


def _strip_layout(dim: SizeDim) -> list[int | None]:
    """The cell indices drawn left to right (None for the gap in a long strip): the padding,
    the input and any ceil-mode overhang."""
    ax = dim.axis
    last = max([ax.n + ax.pad_after - 1, *dim.overhang])
    cells: list[int | None] = list(range(-ax.pad_before, last + 1))
    if len(cells) <= STRIP_LIMIT:
        return cells
    keep = STRIP_LIMIT // 2 - 1
    return cells[:keep] + [None] + cells[-keep:]


def _lanes(dim: SizeDim) -> int:
    """Rows of window bars needed so that overlapping windows never share one."""
    ax = dim.axis
    return max(1, min(ax.out, -(-ax.span // ax.stride)))


def _strip(sub: SubFigure, dim: SizeDim, name: str, layout: list[int | None]) -> None:
    ax_ = dim.axis
    lanes = _lanes(dim)
    where = {k: pos for pos, k in enumerate(layout) if k is not None}
    ax = sub.subplots(1, 1)
    dropped = set(dim.dropped)
    overhang = set(dim.overhang)
    small = len(layout) <= 32
    for pos, k in enumerate(layout):
        if k is None:
            ax.text(pos + 0.5, 0.5, "…", ha="center", va="center", fontsize=12)
            continue
        if k < 0 or ax_.n <= k < ax_.n + ax_.pad_after:
            used = k in dim.padding_used
            ax.add_patch(
                Rectangle(
                    (pos, 0),
                    1,
                    1,
                    facecolor="#EEEEEE",
                    edgecolor="#777777" if used else "#BBBBBB",
                    hatch="///",
                    linewidth=0.8,
                )
            )
            label = "p"
        elif k in overhang:
            ax.add_patch(
                Rectangle(
                    (pos, 0), 1, 1, fill=False, edgecolor="#777777", linestyle=":", linewidth=1.2
                )
            )
            label = "·"
        elif k in dropped:
            ax.add_patch(
                Rectangle(
                    (pos, 0),
                    1,
                    1,
                    facecolor="#D9D9D9",
                    edgecolor="white",
                    hatch="xx",
                    linewidth=0.8,
                )
            )
            label = str(k)
        else:
            ax.add_patch(
                Rectangle((pos, 0), 1, 1, facecolor="#F4F4F4", edgecolor="#999999", linewidth=0.8)
            )
            label = str(k)
        if small or k % 5 == 0 or k in dropped:
            inside = len(label) <= 3  # longer indices go above the strip, clear of the cells
            ax.text(
                pos + 0.5,
                0.5 if inside else -0.08,
                label,
                ha="center",
                va="center" if inside else "bottom",
                fontsize=8 if len(label) < 3 else 6.5,
                color="#222222",
            )
    for i in range(ax_.out):
        taps = ax_.taps(i)
        if any(t not in where for t in taps):
            continue
        lane = i % lanes
        y = 1.35 + 0.55 * lane
        colour = outline_colour(window_colour_at(0, i, ax_.out))
        style = LINESTYLES[i % len(LINESTYLES)]
        x0, x1 = where[taps[0]] + 0.12, where[taps[-1]] + 0.88
        ax.plot(
            [x0, x1], [y, y], color=colour, linestyle=style, linewidth=2.4, solid_capstyle="butt"
        )
        for t in taps:
            ax.plot([where[t] + 0.5], [y], marker="|", color=colour, markersize=9)
        if small or ax_.out <= 16:
            ax.text(
                (x0 + x1) / 2,
                y + 0.1,
                str(i),
                ha="center",
                va="top",
                fontsize=7,
                color="#222222",
            )
    ax.set_xlim(-0.2, len(layout) + 0.2)
    ax.set_ylim(1.35 + 0.55 * lanes + 0.2, -0.15 if ax_.n + ax_.pad_after < 1000 else -0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    parts = [f"{name}: {dim.input} → {dim.output}"]
    sub.suptitle(parts[0], fontsize=11, fontweight="bold", x=0.02, ha="left")
    notes = list(dim.steps)
    shown = ", ".join(str(k) for k in dim.dropped[:12]) + (" …" if len(dim.dropped) > 12 else "")
    legend = [f"dropped (crossed): {shown}" if dim.dropped else "dropped: none"]
    legend.append("bars: windows, ticks: the cells each reads")
    if dim.padding != (0, 0):
        legend.append("p: padding (pale if unread)")
    if dim.overhang:
        legend.append("dotted: past the padding (ceil mode)")
    notes.append("   ·   ".join(legend))
    sub.supxlabel(
        "\n".join(notes), x=0.02, ha="left", fontsize=9, family="monospace", color="#333333"
    )
