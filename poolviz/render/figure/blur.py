"""``poolviz pool --mode blur -o``: blur pooling's two stages in a line, input → stride-1
max map → reflect-padded map (one output's window framed) ⊙ filter → output; side by side or
stacked (``--aspect``), or one stage alone (``--panel input|output``)."""

from __future__ import annotations

from functools import partial

import numpy as np
from matplotlib.figure import Figure

from poolviz.engine.blur import BlurRun, binomial_row
from poolviz.render.blur_text import weighted_sum
from poolviz.render.figure.choices import NATURAL, FigureChoices
from poolviz.render.figure.grid import Outline, draw_matrix, value_norm
from poolviz.render.figure.panels import plane_of
from poolviz.render.figure.strip import Step, strip_figure

FRAME = "#D55E00"
"""The chosen output's window and the output cell itself (Okabe-Ito vermillion)."""

BLUR_PARTS = {"input": (0, 1), "output": (2, 3, 4)}
"""``--panel``: the first stage (input → stride-1 max map), the second (padded map ⊙ filter
→ output)."""


def blur_figure(
    run: BlurRun,
    *,
    at: tuple[int, int] = (0, 0),
    channel: int = 0,
    choices: FigureChoices = NATURAL,
) -> Figure:
    """Both stages in a line on one colour scale (the filter on its own): the max map at
    stride 1, the padded map with reflected cells hatched and output ``at``'s window framed,
    the filter's integer weights, and the output with ``at`` framed; the caption works the
    output out. ``choices.panel`` is a key of :data:`BLUR_PARTS`."""
    f, (kh, kw), (sh, sw) = run.filter_size, run.size, run.stride
    before, after = run.pad
    row = binomial_row(f)
    total = sum(row) ** 2
    planes = [plane_of(a, channel) for a in (run.input, run.max_map, run.padded, run.output)]
    # the four maps share one colour scale; the filter's weights are not on it
    on_scale = partial(draw_matrix, cmap=choices.cmap or "viridis", norm=value_norm(*planes))
    top, left, _ = run.window(*at, channel=channel)
    ph, pw = planes[2].shape
    reflected = np.ones((ph, pw), dtype=bool)
    reflected[before : ph - after, before : pw - after] = False
    weights = np.outer(row, row).astype(float)
    step = str(sh) if sh == sw else f"{sh}x{sw}"

    def shape(plane: np.ndarray) -> tuple[int, int]:
        return plane.shape[0], plane.shape[1]

    steps = [
        Step(shape(planes[0]), "input", lambda ax, t: on_scale(ax, planes[0], title=t)),
        Step(
            shape(planes[1]),
            "max map (stride 1)",
            lambda ax, t: on_scale(ax, planes[1], title=t),
            f"max {kh}x{kw}\nstride 1",
        ),
        Step(
            shape(planes[2]),
            "padded (reflected cells hatched)",
            lambda ax, t: on_scale(
                ax,
                planes[2],
                hatched=reflected,
                origin=(-before, -before),  # the max map's own indices; reflected cells say p
                outlines=[Outline((top, top + f - 1), (left, left + f - 1), FRAME, width=3.0)],
                title=t,
            ),
            f"reflect\npad {before}, {after}",
        ),
        Step(
            (f, f),
            f"filter × {total}",
            lambda ax, t: draw_matrix(
                ax,
                weights,
                fills=np.full(weights.shape, "#FFFFFF", dtype=object),
                title=t,
            ),
            "⊙",
            sign=True,
        ),
        Step(
            shape(planes[3]),
            "output",
            lambda ax, t: on_scale(
                ax,
                planes[3],
                outlines=[Outline((at[0], at[0]), (at[1], at[1]), FRAME, width=3.0)],
                title=t,
            ),
            f"Σ / {total}\nstride {step}",
        ),
    ]
    caption = (
        f"output ({at[0]},{at[1]}) = its framed {f}x{f} window, weighted: "
        f"{weighted_sum(run, at, channel)}.  Max pooling with stride {step} "
        "would keep one value per window; blur pooling keeps the stride-1 maxima and "
        "averages neighbours in before subsampling, so a small shift moves the output a "
        "little instead of swapping values."
    )
    # the first stage alone: no output, no filter, so none of the words about them
    first = (
        f"Stage 1 of 2: each max-map cell is the largest of a {kh}x{kw} window of the input "
        f"at stride 1. Stage 2 (--panel output) filters the max map at stride {step}."
    )
    return strip_figure(
        steps,
        title=choices.title
        or f"Blur pooling: max {kh}x{kw} at stride 1, then a {f}-tap binomial filter at "
        f"stride {step} (antialiased-cnns)",
        caption=caption,
        aspect=choices.aspect,
        parts=BLUR_PARTS,
        panel=choices.panel,
        what="pool --mode blur",
        captions={"input": first},
        font_scale=choices.font_scale,
    )
