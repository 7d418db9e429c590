"""What the demos' figures share: a plane of an NHWC result, wrapped captions, and each input
cell on a pale version of its window's colour, with the windows outlined.

Every number is read off a :mod:`poolviz.demos` result; the words under each panel are the
terminal report's (:mod:`poolviz.render.shift_text`), so both say the same thing."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes

from poolviz.demos import (
    window_owners,
)
from poolviz.engine.explain import PoolResult
from poolviz.render.figure.grid import (
    Outline,
    drawable,
)
from poolviz.render.style import (
    pale,
    window_colour_at,
)

CAPTION = {"fontsize": 9, "color": "#333333"}


def plane_of(values: np.ndarray, channel: int = 0) -> np.ndarray:
    return np.asarray(values[0, :, :, channel], dtype=float)


def wrap(text: str, width: int = 95) -> str:
    return "\n".join(textwrap.wrap(text, width))


def window_fills(result: PoolResult) -> np.ndarray:
    """Each input cell on a pale version of its window's colour; white where no window reads."""
    owner_r, owner_c = window_owners(result.rows), window_owners(result.cols)
    fills = np.full((result.rows.n, result.cols.n), "#FFFFFF", dtype=object)
    for r, i in enumerate(owner_r):
        for c, j in enumerate(owner_c):
            if i >= 0 and j >= 0:
                fills[r, c] = pale(window_colour_at(int(i), int(j), result.cols.out))
    return fills


def window_outlines(result: PoolResult) -> list[Outline]:
    """The windows as outlines in the input (real cells only), when there are few enough to
    read."""
    if result.window_count > 16:
        return []
    outlines = []
    for k in range(result.window_count):
        i, j = divmod(k, result.cols.out)
        rows, cols = result.rows.real_taps(i), result.cols.real_taps(j)
        if rows and cols:
            outlines.append(
                Outline(
                    (rows[0], rows[-1]),
                    (cols[0], cols[-1]),
                    window_colour_at(i, j, result.cols.out),
                    style=k,
                    inset=0.05 + 0.07 * (k % 3),
                )
            )
    return outlines


def picture(
    ax: Axes,
    plane: np.ndarray,
    cmap: str,
    vmin: float | None = None,
    vmax: float | None = None,
    framed: bool = False,
) -> None:
    """``plane`` as an image without numbers, one square per cell; ``framed`` draws a thin
    box around it (for a map whose background is white)."""
    h, w = plane.shape
    ax.imshow(
        drawable(plane),
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
        extent=(0, w, h, 0),
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(framed)
