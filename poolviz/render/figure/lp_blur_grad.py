"""``poolviz grad --mode lp|blur -o``: the input, the upstream gradient on the output and the
gradient reaching the input, in a line (side by side or stacked, ``--aspect``; one part with
``--panel forward|gradient``); gradients on one diverging scale centred on 0."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from poolviz.engine.blur import BlurRun
from poolviz.engine.lp import LPRun
from poolviz.render.figure.choices import NATURAL, FigureChoices
from poolviz.render.figure.grid import draw_matrix, value_norm
from poolviz.render.figure.panels import plane_of
from poolviz.render.figure.strip import Step, strip_figure

GRAD_PARTS = {"forward": (0, 1), "gradient": (1, 2)}
"""``--panel``: the input and the upstream gradient on its output; that gradient and the one
reaching the input."""


def lp_blur_grad_figure(
    run: LPRun | BlurRun,
    upstream: np.ndarray,
    grad: np.ndarray,
    upstream_label: str,
    *,
    channel: int = 0,
    choices: FigureChoices = NATURAL,
) -> Figure:
    """Input (``cmap``), then the upstream gradient and the input gradient (NHWC, item 0,
    ``channel``) on one red-blue scale; the caption gives the totals sent and received.
    ``choices.panel`` is a key of :data:`GRAD_PARTS`."""
    planes = [plane_of(a, channel) for a in (run.input, upstream, grad)]
    reach = max(float(np.nanmax(np.abs(np.concatenate([p.ravel() for p in planes[1:]])))), 1e-12)
    diverging = Normalize(-reach, reach)
    lp = isinstance(run, LPRun)
    what = f"LP p = {run.norm_type:g}" if isinstance(run, LPRun) else "blur"  # for mypy
    shapes = [(p.shape[0], p.shape[1]) for p in planes]
    steps = [
        Step(
            shapes[0],
            "input",
            lambda ax, t: draw_matrix(
                ax,
                planes[0],
                cmap=choices.cmap or "viridis",
                norm=value_norm(planes[0]),
                title=t,
            ),
        ),
        Step(
            shapes[1],
            f"upstream ({upstream_label})",
            lambda ax, t: draw_matrix(ax, planes[1], cmap="RdBu_r", norm=diverging, title=t),
            f"{what}\nforward",
        ),
        Step(
            shapes[2],
            "gradient at the input",
            lambda ax, t: draw_matrix(ax, planes[2], cmap="RdBu_r", norm=diverging, title=t),
            "backward",
        ),
    ]
    sent, received = float(upstream.sum()), float(grad.sum())
    how = (
        "each window sends its gradient to every cell by that cell's share of x^p, "
        "none where the window's sum is 0"
        if lp
        else "the filter spreads each gradient over its window of the max map, and each max "
        "window passes its share to its winner"
    )
    return strip_figure(
        steps,
        title=choices.title or f"{what} pooling · backward",
        caption=f"{how}. gradient in {sent:.6g}, gradient out {received:.6g} (all channels "
        "and items).",
        aspect=choices.aspect,
        parts=GRAD_PARTS,
        panel=choices.panel,
        what=f"grad --mode {'lp' if lp else 'blur'}",
        font_scale=choices.font_scale,
    )
