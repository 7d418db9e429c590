"""``poolviz pool --mode lp -o``: LP pooling in one row, input (one window framed) → PyTorch's
output → the textbook's ``(Σ |x|^p)^(1/p)``, the windows where the two part marked."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from poolviz.engine.lp import LPRun
from poolviz.render.figure.grid import Outline, arrow_panel, draw_matrix, plane_cells, value_norm
from poolviz.render.figure.panels import CAPTION, plane_of, wrap
from poolviz.render.lp_text import lp_formula, p_name
from poolviz.render.style import format_number

FRAME = "#D55E00"
"""The chosen output's window and the output cell itself (Okabe-Ito vermillion)."""


def panel_row(
    planes: list[np.ndarray], gaps: tuple[float, ...]
) -> tuple[Figure, list[Axes], float]:
    """A figure with ``planes`` in one row at one cell size, ``gaps`` inches between
    neighbours (for arrows and words): the figure, its axes (planes and gaps alternating) and
    its width in inches, with room below for a caption."""
    cells = plane_cells(planes)
    ratios = [planes[0].shape[1] * cells[0]]
    for gap, plane, cell in zip(gaps, planes[1:], cells[1:], strict=True):
        ratios += [gap, plane.shape[1] * cell]
    height = max(p.shape[0] * cell for p, cell in zip(planes, cells, strict=True)) + 2.0
    fig = Figure(figsize=(sum(ratios) + 0.6, height), layout="constrained")
    axes = list(fig.subplots(1, len(ratios), width_ratios=ratios))
    return fig, axes, sum(ratios)


def lp_figure(
    run: LPRun,
    *,
    at: tuple[int, int] = (0, 0),
    channel: int = 0,
    title: str | None = None,
    cmap: str | None = None,
) -> Figure:
    """Input, PyTorch's output and the textbook's on one colour scale, output ``at``'s window
    framed on the input; output cells whose value departs from the textbook's are drawn in
    bold with a ring, and the caption says why (:meth:`LPRun.departures`)."""
    (kh, kw), (sh, sw) = run.size, run.stride
    planes = [plane_of(a, channel) for a in (run.input, run.output, run.textbook)]
    fig, axes, across = panel_row(planes, (1.3, 0.9))
    norm = value_norm(*planes)
    colours = cmap or "viridis"
    i, j = at
    r0, c0 = i * sh, j * sw
    h, w = planes[0].shape
    frame = Outline((r0, min(r0 + kh, h) - 1), (c0, min(c0 + kw, w) - 1), FRAME, width=3.0)
    draw_matrix(axes[0], planes[0], cmap=colours, norm=norm, outlines=[frame], title="input")
    p = run.norm_type
    name = p_name(p)
    arrow_panel(axes[1], f"max |x|\n{kh}x{kw}" if np.isinf(p) else f"LP, p = {name}\n{kh}x{kw}")
    departures = run.departures(0, channel)
    parted = np.zeros(planes[1].shape, dtype=bool)
    for a, b, _ in departures:
        parted[a, b] = True
    cell_frame = Outline((i, i), (j, j), FRAME, width=3.0)
    axes[3].set_axis_off()
    axes[3].text(0.5, 0.5, "vs", ha="center", va="center", fontsize=12, transform=axes[3].transAxes)
    for ax, plane, heading in (
        (axes[2], planes[1], "output (PyTorch)"),
        (axes[4], planes[2], "textbook (Σ|x|^p)^(1/p)"),
    ):
        draw_matrix(
            ax, plane, cmap=colours, norm=norm, bold=parted, outlines=[cell_frame], title=heading
        )
    torch_value = format_number(float(planes[1][i, j]), 4)
    book_value = format_number(float(planes[2][i, j]), 4)
    how = lp_formula(run)
    parts = [
        f"PyTorch computes {how}; output ({i},{j}) is {torch_value}, the textbook's {book_value}.",
    ]
    if departures:
        reasons = sorted({part for _, _, why in departures for part in why.split(" and ")})
        parts.append(
            f"{len(departures)} of {parted.size} windows part from the textbook (ringed): "
            + "; ".join(reasons)
            + "."
        )
    else:
        parts.append("Every window agrees with the textbook formula.")
    parts.append("p = 1 sums the window, p = inf takes its largest |x|.")
    fig.supxlabel(wrap(" ".join(parts), max(60, int(across * 11))), **CAPTION)
    fig.suptitle(
        title or f"LP pooling, p = {name}: size {kh}x{kw}, stride {sh}x{sw}",
        fontsize=12,
        fontweight="bold",
    )
    return fig
