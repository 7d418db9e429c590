"""A figure of steps in a line, the matrices at one cell size with an arrow (or a sign such as
``vs``) between neighbours: side by side (``--aspect wide``, for a 16:9 slide) or stacked
(``tall``), and ``--panel`` drawing one part alone. The LP, blur and their gradients' figures
are such lines; each says what its steps and parts are, this module places and links them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from poolviz.errors import PoolvizError
from poolviz.render.figure.grid import CAPTION, arrow_panel, plane_cells
from poolviz.render.figure.layout import is_wide
from poolviz.render.figure.panels import wrap

LINK_INCHES = 1.0
"""Room for a link (an arrow and its label, or a sign), across or down."""


@dataclass(frozen=True)
class Step:
    """One matrix of the line: its shape (rows, columns), how it is drawn into its axes, and
    the link from the step before it: an arrow's label, or with ``sign`` a word between the
    two (``vs``, ``⊙``), in ``room`` inches."""

    shape: tuple[int, int]
    draw: Callable[[Axes], object]
    link: str = ""
    sign: bool = False
    room: float = LINK_INCHES


def strip_figure(
    steps: Sequence[Step],
    *,
    title: str,
    caption: str,
    aspect: str = "auto",
    parts: Mapping[str, tuple[int, ...]] | None = None,
    panel: str | None = None,
    what: str = "this figure",
    captions: Mapping[str, str] | None = None,
) -> Figure:
    """``steps`` in a row (``aspect`` ``wide``) or a column (``tall``; ``auto``: a row unless
    the column would be wider than tall), at one cell size, each linked to the one before;
    ``title`` above and ``caption`` below. ``panel``, a key of ``parts`` (each the indices of
    the steps it holds), draws those steps alone (cells of one size while every step shows
    numbers; past that, as :func:`plane_cells` sizes them); another name is refused naming ``what``
    draws and the parts there are. ``captions`` holds a part's own caption, for a part alone
    (the whole figure's words would talk about steps it does not show)."""
    if panel is not None:
        parts = parts or {}
        if panel not in parts:
            raise PoolvizError(
                f"--panel {panel}: {what} has no such part; use {' or '.join(parts)}"
            )
        steps = [steps[k] for k in parts[panel]]
        caption = (captions or {}).get(panel, caption)
    # one cell size while all show numbers; a plane too large for them a picture as large
    cells = plane_cells([s.shape for s in steps])
    widths = [s.shape[1] * cell for s, cell in zip(steps, cells, strict=True)]
    heights = [s.shape[0] * cell for s, cell in zip(steps, cells, strict=True)]
    # a column: each matrix with its title and indices, the links between
    rooms = sum(s.room for s in steps[1:])
    tall_size = (max(widths) + 1.2, sum(heights) + 0.9 * len(steps) + rooms + 1.6)
    wide = is_wide(aspect, tall_size)
    sizes: list[float] = []
    for k, step in enumerate(steps):
        if k:
            sizes.append(step.room)
        sizes.append(widths[k] if wide else heights[k])
    if wide:
        size = (sum(sizes) + 0.6, max(heights) + 2.0)
        fig = Figure(figsize=size, layout="constrained")
        axes = list(fig.subplots(1, len(sizes), width_ratios=sizes, squeeze=False)[0])
    else:
        size = tall_size
        fig = Figure(figsize=size, layout="constrained")
        axes = list(fig.subplots(len(sizes), 1, height_ratios=sizes, squeeze=False)[:, 0])
    for k, step in enumerate(steps):
        if k:
            _link(axes[2 * k - 1], step, down=not wide)
        step.draw(axes[2 * k])
    fig.supxlabel(wrap(caption, max(60, int(size[0] * 11))), **CAPTION)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


def _link(ax: Axes, step: Step, *, down: bool) -> None:
    """The arrow (or the sign) leading into ``step``."""
    if not step.sign:
        arrow_panel(ax, step.link, down=down)
        return
    ax.set_axis_off()
    size = 18 if len(step.link) == 1 else 12
    ax.text(0.5, 0.5, step.link, ha="center", va="center", fontsize=size, transform=ax.transAxes)
