"""Matrices and pictures as rich Text: the building blocks every terminal view uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from rich.text import Span, Text

from poolviz.render.style import format_values, text_colour_on

RAMP = " .:-=+*#%@"
"""Characters from dark to light, for pictures without colour."""


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class Cell:
    """One cell of a grid: its text, its style, and a mark drawn around it."""

    text: str
    style: Style | None = None
    mark: str = " "
    """``[`` for a winner (drawn ``[v]``), ``(`` for a dropped cell (``(v)``), or a space."""


def background(colour: str, bold: bool = False) -> Style:
    """A cell style with ``colour`` behind text that contrasts with it."""
    return Style(bgcolor=colour, color=text_colour_on(colour), bold=bold)


def grid(
    cells: Sequence[Sequence[Cell]],
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    row_breaks: Sequence[int] = (),
    col_breaks: Sequence[int] = (),
    ascii_only: bool = False,
) -> Text:
    """A matrix of cells, right-aligned to one width, each cell as ``[v]``, ``(v)`` or ``␣v␣``.

    ``row_breaks``/``col_breaks`` are indices before which a separator line is drawn (the
    edges of windows that tile the input). Labels are small indices along the top and left.
    """
    width = max((len(c.text) for row in cells for c in row), default=1)
    label_w = max((len(s) for s in row_labels), default=0) if row_labels else 0
    vbar, hbar, cross = ("|", "-", "+") if ascii_only else ("│", "─", "┼")
    out = Text(no_wrap=True, overflow="crop")
    cell_w = width + 2
    ncols = len(cells[0]) if cells else 0

    def rule() -> None:
        out.append(" " * (label_w + 1 if label_w else 0))
        for j in range(ncols):
            if j in col_breaks:
                out.append(cross, style="dim")
            out.append(hbar * cell_w, style="dim")
        out.append("\n")

    if col_labels is not None:
        out.append(" " * (label_w + 1 if label_w else 0))
        for j, label in enumerate(col_labels):
            if j in col_breaks:
                out.append(" ")
            out.append(label.rjust(width + 1) + " ", style="dim")
        out.append("\n")
    for i, row in enumerate(cells):
        if i in row_breaks:
            rule()
        if row_labels is not None:
            out.append(row_labels[i].rjust(label_w) + " ", style="dim")
        for j, cell in enumerate(row):
            if j in col_breaks:
                out.append(vbar, style="dim")
            close = {"[": "]", "(": ")"}.get(cell.mark, " ")
            out.append(f"{cell.mark}{cell.text.rjust(width)}{close}", style=cell.style or "")
        out.append("\n")
    out.rstrip()
    return out


def too_wide(columns: int, width: int) -> bool:
    """Whether a grid of ``columns`` cells is surely wider than ``width``, as each cell takes
    at least three columns (``[v]``): a caller can give up on numbers before formatting a
    1x1000000 row of them."""
    return 3 * columns > width


def number_cells(values: np.ndarray) -> list[list[Cell]]:
    """A 2-D array as plain cells, formatted alike."""
    texts = format_values(values)
    w = values.shape[1]
    return [[Cell(texts[i * w + j]) for j in range(w)] for i in range(values.shape[0])]


def picture(plane: np.ndarray, max_width: int, *, colour: bool, ascii_only: bool) -> Text:
    """A 2-D array (or (H, W, 3) RGB on 0-255) as a picture at most ``max_width`` characters
    wide (and, for a plane far taller than wide, at most ``max_width`` rows): half-block
    characters in colour (two pixels per character cell), or a character
    ramp without colour. Only the displayed copy is downsampled, by block averages."""
    rgb = plane.ndim == 3
    h, w = plane.shape[:2]
    # a plane far taller than wide is shrunk too, to at most max_width text rows
    step = max(1, -(-w // max_width), -(-h // (2 * max_width)))
    small = _block_mean(plane, step)
    if not colour or ascii_only:
        # characters are about twice as tall as wide: one text row per two pixel rows
        grey = small.mean(axis=2) if rgb else small
        rows = _block_mean(grey, 1, 2)
        return Text(_ramp(rows, grey))
    if rgb:
        shown = np.clip(np.nan_to_num(small, nan=0.0), 0, 255)
    else:
        finite = small[np.isfinite(small)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        scaled = _unit(np.nan_to_num(small, nan=lo, posinf=hi, neginf=lo), lo, hi)
        shown = np.repeat(scaled[..., None] * 255.0, 3, axis=2)
    if shown.shape[0] % 2:
        shown = np.concatenate([shown, np.zeros_like(shown[:1])])
    # one span a cell, its style made once per colour pair: a repaint of explore draws
    # pictures of thousands of cells, and a Style and an append each took most of it
    codes = np.rint(shown).astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    hexes = {int(v): f"#{int(v):06x}" for v in np.unique(codes)}
    styles: dict[tuple[int, int], Style] = {}
    spans: list[Span] = []
    lines: list[str] = []
    for r in range(0, shown.shape[0], 2):
        start = len(lines) * (shown.shape[1] + 1)
        for k, pair in enumerate(zip(codes[r].tolist(), codes[r + 1].tolist(), strict=True)):
            style = styles.get(pair)
            if style is None:
                style = styles[pair] = Style(color=hexes[pair[0]], bgcolor=hexes[pair[1]])
            spans.append(Span(start + k, start + k + 1, style))
        lines.append("▀" * shown.shape[1])
    return Text("\n".join(lines), no_wrap=True, overflow="crop", spans=spans)


def _ramp(values: np.ndarray, plane: np.ndarray) -> str:
    """Rows of characters, one per value, from the ramp's lightest to darkest over
    ``plane``'s finite range ('?' for a value that is not finite)."""
    finite = plane[np.isfinite(plane)]
    shown = np.isfinite(values)
    levels = np.zeros(values.shape, dtype=np.int64)
    if finite.size and finite.min() != finite.max():
        lo, hi = float(finite.min()), float(finite.max())
        levels[shown] = np.floor(_unit(values[shown], lo, hi) * (len(RAMP) - 1) + 0.5)
    chars = np.where(shown, np.array(list(RAMP))[levels], "?")
    return "\n".join("".join(row) for row in chars.tolist())


def _unit(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``values`` from ``[lo, hi]`` mapped to ``[0, 1]`` (0 when ``hi == lo``); halved first,
    so that the range of the largest floats, ``hi - lo``, cannot overflow to infinity."""
    span = hi / 2 - lo / 2
    return (values / 2 - lo / 2) / (span or 1)


def _block_mean(plane: np.ndarray, step: int, vstep: int | None = None) -> np.ndarray:
    """Means over ``vstep`` x ``step`` blocks (``vstep`` defaults to ``step``), for display.

    Each value is divided by the block's size before the sum, so that a block of the largest
    floats does not overflow (or only by rounding, to infinity, shown as the largest); a
    block holding both infinities is NaN, as its mean would be."""
    h, w = plane.shape[:2]
    # a block never spans more than the plane: a 1x1000000 row in blocks of 27028 would
    # otherwise be padded to 27028 rows (200 GB) first
    vstep = min(step if vstep is None else vstep, h)
    step = min(step, w)
    if step == 1 and vstep == 1:
        return plane.astype(float)
    hh, ww = -(-h // vstep) * vstep, -(-w // step) * step
    pad = [(0, hh - h), (0, ww - w)] + [(0, 0)] * (plane.ndim - 2)
    padded = np.pad(plane.astype(float), pad, mode="edge") / (vstep * step)
    shape = (hh // vstep, vstep, ww // step, step) + plane.shape[2:]
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(padded.reshape(shape).sum(axis=(1, 3)))
