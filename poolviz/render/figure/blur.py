"""``poolviz pool --mode blur -o``: blur pooling's two stages in one row, input → stride-1
max map → reflect-padded map (one output's window framed) ⊙ filter → output."""

from __future__ import annotations

from functools import partial

import numpy as np
from matplotlib.figure import Figure

from poolviz.engine.blur import BlurRun, binomial_row
from poolviz.render.blur_text import weighted_sum
from poolviz.render.figure.grid import Outline, arrow_panel, draw_matrix, plane_cells, value_norm
from poolviz.render.figure.panels import CAPTION, plane_of, wrap

FRAME = "#D55E00"
"""The chosen output's window and the output cell itself (Okabe-Ito vermillion)."""


def blur_figure(
    run: BlurRun,
    *,
    at: tuple[int, int] = (0, 0),
    channel: int = 0,
    title: str | None = None,
    cmap: str | None = None,
) -> Figure:
    """Both stages side by side on one colour scale (the filter on its own): the max map at
    stride 1, the padded map with reflected cells hatched and output ``at``'s window framed,
    the filter's integer weights, and the output with ``at`` framed; the caption works the
    output out."""
    f, (kh, kw), (sh, sw) = run.filter_size, run.size, run.stride
    before, after = run.pad
    row = binomial_row(f)
    total = sum(row) ** 2
    planes = [plane_of(a, channel) for a in (run.input, run.max_map, run.padded, run.output)]
    shown = [*planes[:3], np.ones((f, f)), planes[3]]  # the filter between map and output
    inches = plane_cells(shown)
    widths = [p.shape[1] * cell for p, cell in zip(shown, inches, strict=True)]
    arrows = [1.0, 1.0, 0.5, 1.0]
    ratios = [widths[0], arrows[0], widths[1], arrows[1], widths[2], arrows[2], widths[3]]
    ratios += [arrows[3], widths[4]]
    height = max(p.shape[0] * cell for p, cell in zip(shown, inches, strict=True)) + 1.9
    fig = Figure(figsize=(sum(ratios) + 0.6, height), layout="constrained")
    axes = fig.subplots(1, len(ratios), width_ratios=ratios)
    # the four maps share one colour scale; the filter's weights are not on it
    on_scale = partial(draw_matrix, cmap=cmap or "viridis", norm=value_norm(*planes))
    top, left, cells = run.window(*at, channel=channel)
    ph, pw = planes[2].shape
    reflected = np.ones((ph, pw), dtype=bool)
    reflected[before : ph - after, before : pw - after] = False
    on_scale(axes[0], planes[0], title="input")
    arrow_panel(axes[1], f"max {kh}x{kw}\nstride 1")
    on_scale(axes[2], planes[1], title="max map (stride 1)")
    arrow_panel(axes[3], f"reflect\npad {before}, {after}")
    on_scale(
        axes[4],
        planes[2],
        hatched=reflected,
        origin=(-before, -before),  # the max map's own indices; reflected cells say p
        outlines=[Outline((top, top + f - 1), (left, left + f - 1), FRAME, width=3.0)],
        title="padded (reflected cells hatched)",
    )
    axes[5].set_axis_off()
    axes[5].text(0.5, 0.5, "⊙", ha="center", va="center", fontsize=18, transform=axes[5].transAxes)
    weights = np.outer(row, row).astype(float)
    draw_matrix(
        axes[6],
        weights,
        fills=np.full(weights.shape, "#FFFFFF", dtype=object),
        title=f"filter × {total}",
    )
    step = str(sh) if sh == sw else f"{sh}x{sw}"
    arrow_panel(axes[7], f"Σ / {total}\nstride {step}")
    on_scale(
        axes[8],
        planes[3],
        outlines=[Outline((at[0], at[0]), (at[1], at[1]), FRAME, width=3.0)],
        title="output",
    )
    caption = (
        f"output ({at[0]},{at[1]}) = its framed {f}x{f} window, weighted: "
        f"{weighted_sum(run, at, channel)}.  Max pooling with stride {step} "
        "would keep one value per window; blur pooling keeps the stride-1 maxima and "
        "averages neighbours in before subsampling, so a small shift moves the output a "
        "little instead of swapping values."
    )
    fig.supxlabel(wrap(caption, max(60, int(sum(ratios) * 11))), **CAPTION)
    fig.suptitle(
        title
        or f"Blur pooling: max {kh}x{kw} at stride 1, then a {f}-tap binomial filter at "
        f"stride {step} (antialiased-cnns)",
        fontsize=12,
        fontweight="bold",
    )
    return fig
