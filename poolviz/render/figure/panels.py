"""What the demos' figures share: a plane of an NHWC result, wrapped captions, and each input
cell on a pale version of its window's colour, with the windows outlined.

Every number is read off a :mod:`poolviz.demos` result; the words under each panel are the
terminal report's (:mod:`poolviz.render.shift_text`), so both say the same thing."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes

from poolviz.engine.explain import PoolResult
from poolviz.render.figure.grid import (
    Outline,
    drawable,
)
from poolviz.render.figure.pool import drawn_windows
from poolviz.render.style import pale


def plane_of(values: np.ndarray, channel: int = 0) -> np.ndarray:
    return np.asarray(values[0, :, :, channel], dtype=float)


def wrap(text: str, width: int = 95) -> str:
    return "\n".join(textwrap.wrap(text, width))


def window_fills(result: PoolResult) -> np.ndarray:
    """Each input cell on a pale version of its drawn window's colour (:func:`drawn_windows`;
    where windows overlap, the first one's, as ``poolviz pool`` fills them); white where no
    drawn window reads."""
    fills = np.full((result.rows.n, result.cols.n), "#FFFFFF", dtype=object)
    for (i, j), colour in drawn_windows(result).items():
        for r in result.rows.real_taps(i):
            for c in result.cols.real_taps(j):
                if fills[r, c] == "#FFFFFF":
                    fills[r, c] = pale(colour)
    return fills


def window_outlines(result: PoolResult) -> list[Outline]:
    """The drawn windows (:func:`drawn_windows`: all, or a chosen few when crowded) as
    outlines in the input (real cells only), each in its own colour and line style."""
    outlines = []
    for n, ((i, j), colour) in enumerate(drawn_windows(result).items()):
        rows, cols = result.rows.real_taps(i), result.cols.real_taps(j)
        if rows and cols:
            outlines.append(
                Outline(
                    (rows[0], rows[-1]),
                    (cols[0], cols[-1]),
                    colour,
                    style=n,
                    inset=0.05 + 0.07 * (n % 3),
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
