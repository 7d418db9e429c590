"""``poolviz pool --mode blur`` in the terminal: blur pooling's two stages, the stride-1 max
map and then the filter over its reflect-padded copy, with one output's weighted window."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from poolviz.engine.blur import BlurRun, binomial_row
from poolviz.render.blur_text import weighted_sum
from poolviz.render.terminal.panels import header, matrix_panel, plane_of, side_by_side
from poolviz.render.terminal.view import DemoView


def blur_report(
    run: BlurRun, at: tuple[int, int] = (0, 0), channel: int = 0, view: DemoView | None = None
) -> RenderableType:
    """The input and its stride-1 max map, the padded map beside the filter, the output, and
    output ``at`` worked out as its weighted window (item 0, ``channel``)."""
    view = view or DemoView()
    (kh, kw), (sh, sw), f = run.size, run.stride, run.filter_size
    before, after = run.pad
    row = binomial_row(f)
    total = sum(row) ** 2
    h, w = run.input.shape[1:3]
    mh, mw = run.max_map.shape[1:3]
    ph, pw = run.padded.shape[1:3]
    oh, ow = run.output.shape[1:3]
    panel = max(8, (view.width - 6) // 2)
    parts: list[RenderableType] = [
        header(
            "Blur pooling: max at stride 1, then a low-pass filter that subsamples",
            f"max {kh}x{kw} stride 1, then a {f}-tap binomial filter stride "
            f"{sh if sh == sw else f'{sh}x{sw}'} (antialiased-cnns' BlurPool; Zhang, 2019)",
            view,
        ),
        Text("\n1. max pooling with stride 1: every window, none skipped", style="bold"),
        side_by_side(
            [
                (f"input {h}x{w}", matrix_panel(plane_of(run.input, channel), view, panel)),
                (f"max map {mh}x{mw}", matrix_panel(plane_of(run.max_map, channel), view, panel)),
            ],
            view.width,
        ),
        Text(
            f"\n2. reflect padding: {before} before and {after} after each axis (the edge "
            f"cell is not repeated), {mh}x{mw} → {ph}x{pw}; the filter is "
            f"[{' '.join(map(str, row))}]ᵀ[{' '.join(map(str, row))}] / {total}",
            style="bold",
        ),
    ]
    weights = np.outer(row, row).astype(float)
    top, left, cells = run.window(*at, channel=channel)
    marked = np.zeros((ph, pw), dtype=bool)
    marked[top : top + f, left : left + f] = True
    parts.append(
        side_by_side(
            [
                (
                    f"padded map {ph}x{pw}",
                    matrix_panel(plane_of(run.padded, channel), view, panel, marked=marked),
                ),
                (f"filter × {total}", matrix_panel(weights, view, panel)),
                (f"output {oh}x{ow}", matrix_panel(plane_of(run.output, channel), view, panel)),
            ],
            view.width,
        )
    )
    parts.append(
        Text(
            f"\n3. output ({at[0]},{at[1]}) = its {f}x{f} window of the padded map "
            f"(rows {top}-{top + f - 1}, columns {left}-{left + f - 1}, in brackets), weighted:",
            style="bold",
        )
    )
    parts.append(Text(weighted_sum(run, at, channel)))
    parts.append(
        Text(
            f"each output steps {sh if sh == sw else f'{sh}x{sw}'} cells over the padded map; "
            "where max pooling with that stride would keep one value per window, blur "
            "pooling averages its neighbours in, so a small shift moves the output a little "
            "instead of swapping values",
            style="dim",
        )
    )
    return Group(*parts)
