"""``poolviz pool --mode lp -o``: LP pooling in a line, input (one window framed) → PyTorch's
output vs the textbook's ``(Σ |x|^p)^(1/p)``, the windows where the two part marked; side by
side or stacked (``--aspect``), or one part alone (``--panel input|output``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from poolviz.engine.lp import LPRun
from poolviz.render.figure.choices import NATURAL, FigureChoices
from poolviz.render.figure.grid import Outline, draw_matrix, value_norm
from poolviz.render.figure.panels import plane_of
from poolviz.render.figure.strip import Step, strip_figure
from poolviz.render.lp_text import lp_formula, p_name
from poolviz.render.style import format_number

FRAME = "#D55E00"
"""The chosen output's window and the output cell itself (Okabe-Ito vermillion)."""

LP_PARTS = {"input": (0,), "output": (1, 2)}
"""``--panel``: the input with the window framed; PyTorch's output beside the textbook's."""


def lp_figure(
    run: LPRun,
    *,
    at: tuple[int, int] = (0, 0),
    channel: int = 0,
    choices: FigureChoices = NATURAL,
) -> Figure:
    """Input, PyTorch's output and the textbook's on one colour scale, output ``at``'s window
    framed on the input; output cells whose value departs from the textbook's are drawn in
    bold with a ring, and the caption says why (:meth:`LPRun.departures`).
    ``choices.panel`` is a key of :data:`LP_PARTS`."""
    (kh, kw), (sh, sw) = run.size, run.stride
    planes = [plane_of(a, channel) for a in (run.input, run.output, run.textbook)]
    norm = value_norm(*planes)
    colours = choices.cmap or "viridis"
    i, j = at
    r0, c0 = i * sh, j * sw
    h, w = planes[0].shape
    frame = Outline((r0, min(r0 + kh, h) - 1), (c0, min(c0 + kw, w) - 1), FRAME, width=3.0)
    p = run.norm_type
    name = p_name(p)
    departures = run.departures(0, channel)
    parted = np.zeros(planes[1].shape, dtype=bool)
    for a, b, _ in departures:
        parted[a, b] = True
    cell_frame = Outline((i, i), (j, j), FRAME, width=3.0)

    def output(plane: np.ndarray, heading: str) -> Step:
        return Step(
            (plane.shape[0], plane.shape[1]),
            heading,
            lambda ax, t: draw_matrix(
                ax,
                plane,
                cmap=colours,
                norm=norm,
                bold=parted,
                outlines=[cell_frame],
                title=t,
            ),
        )

    steps = [
        Step(
            (h, w),
            "input",
            lambda ax, t: draw_matrix(
                ax, planes[0], cmap=colours, norm=norm, outlines=[frame], title=t
            ),
        ),
        output(planes[1], "output (PyTorch)"),
        output(planes[2], "textbook (Σ|x|^p)^(1/p)"),
    ]
    arrow = f"max |x|\n{kh}x{kw}" if np.isinf(p) else f"LP, p = {name}\n{kh}x{kw}"
    steps[1] = replace(steps[1], link=arrow)
    steps[2] = replace(steps[2], link="vs", sign=True)
    torch_value = format_number(float(planes[1][i, j]), 4)
    book_value = format_number(float(planes[2][i, j]), 4)
    parts = [
        f"PyTorch computes {lp_formula(run)}; output ({i},{j}) is {torch_value}, the "
        f"textbook's {book_value}.",
    ]
    if departures:
        reasons = sorted({part for _, _, why in departures for part in why.split(" and ")})
        parts.append(
            f"{len(departures)} of {parted.size} windows "
            f"{'parts' if len(departures) == 1 else 'part'} from the textbook (ringed): "
            + "; ".join(reasons)
            + "."
        )
    else:
        parts.append("Every window agrees with the textbook formula.")
    parts.append("p = 1 sums the window, p = inf takes its largest |x|.")
    # the input alone: only the framed window, not the outputs it is compared with
    framed = (
        f"Framed: the {kh}x{kw} window of output ({i},{j}) (--at i,j). "
        "p = 1 sums it, p = inf takes its largest |x|."
    )
    return strip_figure(
        steps,
        title=choices.title or f"LP pooling, p = {name}: size {kh}x{kw}, stride {sh}x{sw}",
        caption=" ".join(parts),
        aspect=choices.aspect,
        parts=LP_PARTS,
        panel=choices.panel,
        what="pool --mode lp",
        captions={"input": framed},
        font_scale=choices.font_scale,
    )
