"""``poolviz grad --mode lp|blur`` in the terminal: the upstream gradient, where it arrives in
the input, and how much of it arrives."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from poolviz.engine.blur import BlurRun
from poolviz.engine.lp import LPRun
from poolviz.render.style import format_number
from poolviz.render.terminal.panels import header, matrix_panel, plane_of, side_by_side
from poolviz.render.terminal.view import DemoView


def lp_blur_grad_report(
    run: LPRun | BlurRun,
    upstream: np.ndarray,
    grad: np.ndarray,
    upstream_label: str,
    channel: int = 0,
    view: DemoView | None = None,
) -> RenderableType:
    """Input, upstream gradient and the gradient reaching the input (item 0, ``channel``),
    with the totals sent and received."""
    view = view or DemoView()
    panel = max(8, (view.width - 6) // 3)
    if isinstance(run, BlurRun):
        title = "Blur pooling's backward pass: through the filter, then to each max window's winner"
        line = (
            f"max {run.size[0]}x{run.size[1]} stride 1, {run.filter_size}-tap filter stride "
            f"{run.stride[0]}x{run.stride[1]}; each output's gradient is spread over its "
            "window of the padded max map by the filter's weights, the reflected cells' share "
            "is folded back, and each max-map cell's share goes to its window's largest input"
        )
    else:
        title = f"LP pooling's backward pass, p = {run.norm_type:g}"
        line = (
            "each cell gets its window's gradient times (x / out)^(p−1) (PyTorch's autograd; "
            "0 where a window's sum is 0)"
        )
    h, w = run.input.shape[1:3]
    oh, ow = upstream.shape[1:3]
    sent, received = float(upstream[0, :, :, channel].sum()), float(grad[0, :, :, channel].sum())
    return Group(
        header(title, line, view),
        side_by_side(
            [
                (f"input {h}x{w}", matrix_panel(plane_of(run.input, channel), view, panel)),
                (
                    f"upstream {oh}x{ow} ({upstream_label})",
                    matrix_panel(plane_of(upstream, channel), view, panel),
                ),
            ],
            view.width,
        ),
        side_by_side(
            [
                (
                    "gradient to the input",
                    matrix_panel(plane_of(grad, channel), view, view.width - 2),
                )
            ],
            view.width,
        ),
        Text(
            f"sent back: {format_number(sent, 4)}; reaching the input: "
            f"{format_number(received, 4)}"
            + (
                " (all of it: the filter's weights sum to 1 and every max window has a winner)"
                if isinstance(run, BlurRun)
                else ""
            )
        ),
    )
