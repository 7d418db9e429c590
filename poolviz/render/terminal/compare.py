"""``poolviz compare`` in the terminal: max, average, global pooling and a strided
convolution side by side, with what each keeps of the input."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from poolviz.demos import (
    Comparison,
    Operation,
)
from poolviz.render.style import (
    config_line,
    format_number,
    shape_text,
    weights_text,
)
from poolviz.render.terminal.panels import (
    SHORT_NAMES,
    fits_as_numbers,
    header,
    matrix_panel,
    plane_of,
    side_by_side,
)
from poolviz.render.terminal.view import DemoView


def compare_report(result: Comparison, view: DemoView | None = None) -> RenderableType:
    """``poolviz compare``: the input and every operation's output side by side, a table of
    shapes, parameters, kept values and reconstruction errors, and what they mean."""
    view = view or DemoView()
    pooled = result.pooled
    parts: list[RenderableType] = [
        header("Alternatives to max pooling, on one input", config_line(pooled), view)
    ]
    c = result.input.shape[3]
    parts.append(_outputs(result, view))
    if c > 1:
        parts.append(Text("grids: channel 0 of item 0; --json has every channel", style="dim"))
    parts.append(_compare_table(result, view))
    rebuilt = [op for op in result.operations if op.reconstruction is not None]
    if rebuilt:
        parts.append(_rebuilt(result, rebuilt, view))
    parts.append(_compare_notes(result))
    return Group(*parts)


def _outputs(result: Comparison, view: DemoView) -> RenderableType:
    x = plane_of(result.input)
    panel = (view.width - 6) // 3
    h, w = x.shape
    panels: list[tuple[str, Text]] = [(f"input {h}x{w}", matrix_panel(x, view, panel))]
    # an input drawn as a picture sets the scale, pixels a character, the outputs' pictures
    # keep, so that they show how much smaller pooling made them
    step = None if fits_as_numbers(x, panel) else -(-w // panel)
    for op in result.operations:
        if op.output is None:
            continue
        label = SHORT_NAMES[op.key]
        if op.key.startswith("global"):
            panels.append((label, _per_channel(op.output)))
            continue
        out = plane_of(op.output)
        width = max(panel, 12) if step is None else max(1, -(-out.shape[1] // step))
        panels.append((f"{label} {out.shape[0]}x{out.shape[1]}", matrix_panel(out, view, width)))
    return Group(Text(""), side_by_side(panels, view.width, gap=2))


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


LEFT_OUT_FIRST = ("params", "kept")
"""The table's columns a narrow terminal goes without, in this order: the notes below say
the parameters, and the shapes the kept share."""


def _compare_table(result: Comparison, view: DemoView) -> RenderableType:
    columns = {
        "operation": [op.name for op in result.operations],
        "output shape": [
            "-" if op.output is None else shape_text(op.output.shape, view.order)
            for op in result.operations
        ],
        "params": [str(op.params) for op in result.operations],
        "kept": [
            "-" if op.kept_fraction is None else f"{100 * op.kept_fraction:.3g}%"
            for op in result.operations
        ],
        "rebuild error": [_rebuilt_text(op) for op in result.operations],
    }
    left_out: list[str] = []
    for name in (None, *LEFT_OUT_FIRST):
        if name is not None:
            left_out.append(name)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
        shown = [k for k in columns if k not in left_out]
        for key in shown:
            right = key in LEFT_OUT_FIRST  # the numbers
            table.add_column(key, no_wrap=True, justify="right" if right else "left")
        for row in zip(*(columns[k] for k in shown), strict=True):
            table.add_row(*row)
        if Console(width=10**4).measure(table).maximum <= view.width:
            break
    note = "rebuild error: mean |input − rebuilt input|"
    if left_out:
        note += f". Left out to fit the terminal: {', '.join(left_out)} (--json has all)."
    return Group(Text(""), table, Text(note, style="dim"))


def _rebuilt_text(op: Operation) -> str:
    if op.reconstruction_error is None:
        return "-"
    how = {"max-unpooling": "unpool", "nearest-neighbour upsampling": "upsample"}
    d = _decimals(np.array([op.reconstruction_error]))
    return (
        f"{format_number(op.reconstruction_error, max(d, 2))} ({how.get(op.rebuilt_by or '', '')})"
    )


def _rebuilt(result: Comparison, ops: Sequence[Operation], view: DemoView) -> RenderableType:
    planes = [("input", plane_of(result.input))]
    for op in ops:
        assert op.reconstruction is not None
        label = "from max (unpooling)" if op.key == "max" else "from average (upsampled)"
        planes.append((label, plane_of(op.reconstruction)))
    # numbers wherever each grid fits the terminal (side_by_side wraps them), else pictures
    # a third of it wide, side by side
    numbers = all(fits_as_numbers(plane, view.width) for _, plane in planes)
    panel = view.width if numbers else (view.width - 6) // 3
    panels = [(label, matrix_panel(plane, view, panel)) for label, plane in planes]
    return Group(
        Text("\nRebuilding the input from the output", style="bold"),
        side_by_side(panels, view.width),
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
