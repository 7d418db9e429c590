"""``poolviz grad --mode lp|blur -o``: the input, the upstream gradient on the output and the
gradient reaching the input, in one row; gradients on one diverging scale centred on 0."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from poolviz.engine.blur import BlurRun
from poolviz.engine.lp import LPRun
from poolviz.render.figure.grid import arrow_panel, draw_matrix, value_norm
from poolviz.render.figure.lp import panel_row
from poolviz.render.figure.panels import CAPTION, plane_of, wrap


def lp_blur_grad_figure(
    run: LPRun | BlurRun,
    upstream: np.ndarray,
    grad: np.ndarray,
    upstream_label: str,
    *,
    channel: int = 0,
    title: str | None = None,
    cmap: str | None = None,
) -> Figure:
    """Input (``cmap``), then the upstream gradient and the input gradient (NHWC, item 0,
    ``channel``) on one red-blue scale; the caption gives the totals sent and received."""
    planes = [plane_of(a, channel) for a in (run.input, upstream, grad)]
    fig, axes, across = panel_row(planes, (1.3, 1.3))
    reach = max(float(np.nanmax(np.abs(np.concatenate([p.ravel() for p in planes[1:]])))), 1e-12)
    diverging = Normalize(-reach, reach)
    lp = isinstance(run, LPRun)
    what = f"LP p = {run.norm_type:g}" if isinstance(run, LPRun) else "blur"  # for mypy
    draw_matrix(
        axes[0], planes[0], cmap=cmap or "viridis", norm=value_norm(planes[0]), title="input"
    )
    arrow_panel(axes[1], f"{what}\nforward")
    draw_matrix(
        axes[2], planes[1], cmap="RdBu_r", norm=diverging, title=f"upstream ({upstream_label})"
    )
    arrow_panel(axes[3], "backward")
    draw_matrix(axes[4], planes[2], cmap="RdBu_r", norm=diverging, title="gradient at the input")
    sent, received = float(upstream.sum()), float(grad.sum())
    how = (
        "each window sends its gradient to every cell by that cell's share of x^p, "
        "none where the window's sum is 0"
        if lp
        else "the filter spreads each gradient over its window of the max map, and each max "
        "window passes its share to its winner"
    )
    caption = (
        f"{how}. gradient in {sent:.6g}, gradient out {received:.6g} (all channels and items)."
    )
    fig.supxlabel(wrap(caption, max(60, int(across * 11))), **CAPTION)
    fig.suptitle(title or f"{what} pooling · backward", fontsize=12, fontweight="bold")
    return fig
