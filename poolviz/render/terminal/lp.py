"""``poolviz pool --mode lp`` in the terminal: each window's LP value as PyTorch computes it,
beside the textbook's ``(Σ |x|^p)^(1/p)``, and why they differ where they do."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from poolviz.engine.lp import LPRun
from poolviz.render.lp_text import lp_formula, lp_place, p_name
from poolviz.render.style import format_number
from poolviz.render.terminal.panels import header, matrix_panel, plane_of, side_by_side
from poolviz.render.terminal.view import DemoView

WHY = {
    "overhang": "ceil mode: the window hangs off the edge, so PyTorch takes the mean of its "
    "real cells times kh·kw, not their sum",
    "negative": "PyTorch raises x, not |x|, to the power: negative cells subtract",
}


def lp_report(
    run: LPRun, channel: int = 0, view: DemoView | None = None, limit: int = 16
) -> RenderableType:
    """The input, PyTorch's output and the textbook's, then the first ``limit`` windows where
    they differ with the reason (item 0, ``channel``)."""
    view = view or DemoView()
    kh, kw = run.size
    name = p_name(run.norm_type)
    formula = lp_formula(run)
    h, w = run.input.shape[1:3]
    oh, ow = run.output.shape[1:3]
    panel = max(8, (view.width - 6) // 3)
    parts: list[RenderableType] = [
        header(
            f"LP pooling, p = {name}: {lp_place(run.norm_type)}",
            f"size {kh}x{kw} · stride {run.stride[0]}x{run.stride[1]}; PyTorch computes {formula}",
            view,
        ),
        side_by_side(
            [
                (f"input {h}x{w}", matrix_panel(plane_of(run.input, channel), view, panel)),
                (f"output {oh}x{ow}", matrix_panel(plane_of(run.output, channel), view, panel)),
                (
                    "textbook (Σ|x|^p)^(1/p)",
                    matrix_panel(plane_of(run.textbook, channel), view, panel),
                ),
            ],
            view.width,
        ),
    ]
    departures = run.departures(0, channel)
    if not departures:
        parts.append(Text("\nevery window agrees with the textbook formula", style="bold"))
        return Group(*parts)
    parts.append(
        Text(
            f"\n{len(departures)} of {oh * ow} windows "
            f"{'differs' if len(departures) == 1 else 'differ'} from the textbook formula:",
            style="bold",
        )
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("output", "PyTorch", "textbook", "why"):
        table.add_column(column, justify="left" if column == "why" else "right")
    for i, j, why in departures[:limit]:
        table.add_row(
            f"({i},{j})",
            format_number(float(run.output[0, i, j, channel]), 4),
            format_number(float(run.textbook[0, i, j, channel]), 4),
            why,
        )
    parts.append(table)
    if len(departures) > limit:
        parts.append(Text(f"… and {len(departures) - limit} more", style="dim"))
    reasons = {part for _, _, why in departures for part in why.split(" and ")}
    for key in ("overhang", "negative"):
        if key in reasons:
            parts.append(Text(f"{key}: {WHY[key]}", style="dim"))
    return Group(*parts)
