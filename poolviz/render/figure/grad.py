"""The figure of a backward pass: forward, gradient routing and max-unpooling in three rows
(or, for a slide, three columns).

Left column input-sized, right column output-sized, arrows between them: the forward pass runs
left to right, the gradient and the unpooled values come back right to left. Gradients use a
diverging colour map centred on 0 with one colour bar; windows keep ``poolviz pool``'s colours
and line styles; black frames (a shape, not a colour) mark cells fed by more than one window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure

from poolviz.engine.geometry import Axis
from poolviz.engine.gradient import GradResult
from poolviz.errors import PoolvizError
from poolviz.render.figure.grid import (
    DRAWABLE,
    MAX_NUMBERED,
    Outline,
    cell_inches,
    colour_bar,
    draw_arrow,
    draw_matrix,
    draw_page_words,
    drawable,
    fit_numbers,
    settle_numbers,
    value_norm,
)
from poolviz.render.figure.layout import (
    PICTURE_ABOVE,
    Panel,
    caption_room,
    is_wide,
    place_lines,
)
from poolviz.render.figure.pool import (
    OVERHANG_NOTE,
    Shown,
    display_copy,
    draw_output,
    draw_windows,
    drawn_windows,
    frame_masks,
    outlined_note,
    output_fills,
    padded_shape,
)
from poolviz.render.figure.sheet import Sheet, Surface
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.style import config_line, decimals_for, format_values, pale, total

GRADIENT_CMAP = "RdBu_r"
"""Blue below 0, white at 0, red above: a diverging map read by colour-blind readers too."""


def grad_figure(
    result: GradResult,
    *,
    item: int = 0,
    channel: int = 0,
    title: str | None = None,
    cmap: str | None = None,
    unpool: bool = True,
    aspect: str = "auto",
    panel: str | None = None,
    font_scale: float = 1.0,
) -> Figure:
    """Forward (input with windows and winners → output), backward (gradient at the input ←
    upstream gradient) and max-unpooling (unpooled ← indices) for one item and channel;
    for average pooling the third row is max pooling's gradient, for comparison. ``cmap``
    colours pictures of values (inputs past :data:`MAX_NUMBERED` cells a side; default
    gray); gradients always use the diverging :data:`GRADIENT_CMAP`, centred on 0.

    ``aspect`` ``tall`` puts the three steps in rows (input-sized left, output-sized right),
    ``wide`` in columns (input-sized above, output-sized below) for a 16:9 slide; ``auto``
    is tall unless that would be taller than wide. ``panel`` (one of :data:`GRAD_PANELS`)
    draws that step alone. Panels are placed by hand (:func:`place_lines`), their sizes
    known before drawing, with the room for words laid out for words ``font_scale`` times
    their size, as ``--font-scale`` will dress them."""
    forward = result.forward
    rows, cols = forward.rows, forward.cols
    ph, pw = padded_shape(forward)
    numbered = max(ph, pw) <= MAX_NUMBERED
    third = result.mode == "avg" or (unpool and result.unpooled is not None)
    cell = cell_inches(max(ph, pw)) if numbered else 3.2 / max(ph, pw)
    out_cell = max(cell, 0.45) if numbered else cell * rows.n / max(1, rows.out) * 0.6
    steps = list(GRAD_PANELS[: 3 if third else 2])
    if panel is not None:
        if panel not in steps:
            raise PoolvizError(f"--panel {panel}: this figure has no third step; drop --no-unpool")
        steps = [panel]
    compare = None if result.max_grad_input is None else result.max_grad_input[item, :, :, channel]
    arrows = {"forward": result.mode, "gradient": "backward", "unpool": "unpool"}
    above = None if numbered else PICTURE_ABOVE
    lines = [
        [
            Panel(f"{step} in", pw * cell, ph * cell, above=above, indexed=numbered),
            Panel(
                f"{step} out",
                cols.out * out_cell,
                rows.out * out_cell,
                arrows[step],
                above=above,
                indexed=numbered,
            ),
        ][: 1 if step == "unpool" and compare is not None else 2]
        for step in steps
    ]
    coloured = ("gradient", "unpool" if compare is not None else "gradient")
    bars = [f"{step} bar" if step in coloured else None for step in steps]
    caption = _caption(result, item, channel, numbered, max_panel="unpool" in steps)
    heading = title or _title(result)
    below = caption_room(caption)
    words = max(max(len(line) for line in caption.splitlines()) * 0.075 + 0.3, len(heading) * 0.11)
    tall = place_lines(lines, rows=True, below=below, least_width=words, bars=bars)
    wide = is_wide(aspect, tall.size)  # auto: as at natural size
    placed = place_lines(
        lines, rows=not wide, below=below, least_width=words, font_scale=font_scale, bars=bars
    )
    fig = UnhintedFigure(placed.size)
    # a grid of numbers and a colour bar are drawn on sheets; a picture in an Axes
    axes: dict[str, Surface] = {
        name: Sheet(fig, box) if numbered or name.endswith(" bar") else fig.add_axes(box)
        for name, box in placed.boxes.items()
    }
    g_in = result.grad_input[item, :, :, channel]
    g_out = result.grad_output[item, :, :, channel]
    norm = _centred(g_in, g_out)
    values_map = cmap or "gray"
    frame = PaddedFrame(rows, cols)
    shared = np.zeros((rows.n, cols.n), dtype=bool)
    if result.mode == "max":  # in average pooling sharing is the rule: framing it says nothing
        for (r, c), _ in result.shared(item, channel):
            shared[r, c] = True
    if "forward" in steps:
        _forward_row(result, axes, item, channel, numbered, values_map)
    if "gradient" in steps:
        _gradient_row(result, axes, g_in, g_out, norm, shared, numbered, frame, font_scale)
    if "unpool" in steps and compare is not None:
        # its own scale: max sends the whole gradient to one cell, average spreads it, and
        # on one scale average's small shares faded to white
        own = _centred(compare)
        _gradient(
            axes["unpool in"],
            "max pooling's gradient, same windows",
            compare,
            own,
            None,
            numbered,
            frame,
        )
        _colour_bar(axes["unpool bar"], own, "max's gradient", font_scale)
    elif "unpool" in steps:
        _unpool_row(result, axes, item, channel, numbered, shared, frame, values_map)
    if numbered:
        for name, ax in axes.items():
            if not name.endswith(" bar"):
                side = cell if name.endswith(" in") else out_cell
                fit_numbers(ax, side)
                settle_numbers(ax, side)
    for arrow in placed.arrows:
        back = arrow.label in ("backward", "unpool")  # the way back: right to left, dashed
        start, end = (arrow.end, arrow.start) if back else (arrow.start, arrow.end)
        draw_arrow(fig, arrow.label, start, end, fig.transFigure, dashed=back)
    draw_page_words(fig, placed, heading, caption)
    return fig


def _colour_bar(bar: Surface, norm: Normalize, label: str, font_scale: float) -> None:
    """A colour bar of :data:`GRADIENT_CMAP` over ``norm`` on ``bar``, for words
    ``font_scale`` times their size."""
    assert isinstance(bar, Sheet)
    colour_bar(bar, norm, GRADIENT_CMAP, label, font_scale)


def _centred(*planes: np.ndarray) -> Normalize:
    """A colour scale centred on 0 that holds every value of ``planes``."""
    limit = max(float(np.abs(p).max()) for p in planes)
    limit = min(limit, DRAWABLE) or 1.0
    return Normalize(-limit, limit)


GRAD_PANELS = ("forward", "gradient", "unpool")
"""The steps of the figure ``--panel`` can draw alone (for average pooling ``unpool`` is
max pooling's gradient, for comparison)."""


def _gradient_row(
    result: GradResult,
    axes: dict[str, Surface],
    g_in: np.ndarray,
    g_out: np.ndarray,
    norm: Normalize,
    shared: np.ndarray,
    numbered: bool,
    frame: PaddedFrame,
    font_scale: float,
) -> None:
    """The gradient at the input, framed where windows share a winner, and the upstream
    gradient, with one colour bar."""
    rows, cols = result.forward.rows, result.forward.cols
    _gradient(
        axes["gradient in"],
        f"gradient at the input {rows.n}x{cols.n}",
        g_in,
        norm,
        shared,
        numbered,
        frame,
    )
    _gradient(axes["gradient out"], "upstream gradient", g_out, norm, None, numbered)
    _colour_bar(axes["gradient bar"], norm, "gradient", font_scale)


def _zero_plain(values: np.ndarray, decimals: int | None = None) -> list[str]:
    """Values formatted alike (with ``decimals`` places, or as many as show them well), but
    an exact 0 as ``0``: nothing arrived there, and a grid of ``0.00`` would hide the cells
    that did receive something."""
    texts = format_values(values, decimals)
    return ["0" if v == 0 else t for v, t in zip(values.ravel(), texts, strict=True)]


def _title(result: GradResult) -> str:
    return config_line(result.forward).replace("  ", ": ", 1) + " · backward"


def _forward_row(
    result: GradResult,
    axes: dict[str, Surface],
    item: int,
    channel: int,
    numbered: bool,
    cmap: str,
) -> None:
    """The input with every window outlined in its colour and line style and the winners
    ringed; the output in its windows' colours."""
    forward = result.forward
    rows, cols = forward.rows, forward.cols
    plane = forward.input[item, :, :, channel]
    out = forward.output[item, :, :, channel]
    ax_in, ax_out = axes["forward in"], axes["forward out"]
    layers = f", channel {channel}" if forward.input.shape[3] > 1 else ""
    in_title = f"input {rows.n}x{cols.n}{layers}"
    out_title = f"output {rows.out}x{cols.out}"
    if not numbered:
        grey = _value_norm(plane)
        _picture(ax_in, in_title, plane, cmap, grey)
        _picture(ax_out, out_title, out, cmap, grey)
        return
    draw_windows(ax_in, forward, Shown(item, channel), in_title)
    draw_output(ax_out, forward, Shown(item, channel), out_title)


def _gradient(
    ax: Surface,
    title: str,
    values: np.ndarray,
    norm: Normalize,
    framed: np.ndarray | None,
    numbered: bool,
    frame: PaddedFrame | None = None,
) -> None:
    """A gradient on the diverging map, 0 white; ``framed`` cells get a black frame.
    Input-sized planes are drawn in ``frame`` so their cells line up with the input's."""
    if not numbered:
        _picture(ax, title, values, GRADIENT_CMAP, norm)
        return
    fills = np.array(
        [[to_hex(v) for v in row] for row in colormaps[GRADIENT_CMAP](norm(values))], dtype=object
    )
    if frame is None:
        draw_matrix(
            ax,
            values,
            fills=fills,
            labels=_zero_plain(values),
            outlines=_frames(framed),
            title=title,
        )
    else:
        frame.draw(ax, title, values, fills, framed)


@dataclass(frozen=True)
class PaddedFrame:
    """The grid the input is drawn in (:func:`padded_shape`): input-sized planes drawn in it
    keep the input's cell size and position, with the padding hatched and empty, and the
    cells a ceil-mode window hangs over past it dotted."""

    rows: Axis
    cols: Axis

    def draw(
        self,
        ax: Surface,
        title: str,
        values: np.ndarray,
        fills: np.ndarray,
        framed: np.ndarray | None,
        decimals: int | None = None,
    ) -> None:
        h, w = values.shape
        hatched, beyond = frame_masks(self.rows, self.cols)
        top, left = self.rows.pad_before, self.cols.pad_before
        inner = (slice(top, top + h), slice(left, left + w))
        padded = np.zeros(hatched.shape)
        padded[inner] = values
        all_fills = np.full(hatched.shape, "#FFFFFF", dtype=object)
        all_fills[inner] = fills
        marked = np.zeros(hatched.shape, dtype=bool)
        if framed is not None:
            marked[inner] = framed
        labels = np.full(hatched.shape, "", dtype=object)
        labels[inner] = np.array(_zero_plain(values, decimals), dtype=object).reshape(h, w)
        draw_matrix(
            ax,
            padded,
            fills=all_fills,
            labels=[str(t) for t in labels.ravel()],
            hatched=hatched if hatched.any() else None,
            beyond=beyond if beyond.any() else None,
            outlines=_frames(marked),
            origin=(-top, -left),
            title=title,
        )


def _unpool_row(
    result: GradResult,
    axes: dict[str, Surface],
    item: int,
    channel: int,
    numbered: bool,
    shared: np.ndarray,
    frame: PaddedFrame,
    cmap: str,
) -> None:
    """The unpooled array (values back at the winners, coloured as their windows) and the
    flat indices it was placed by."""
    forward = result.forward
    assert result.unpooled is not None and forward.indices is not None
    rows, cols = forward.rows, forward.cols
    unpooled = result.unpooled[item, :, :, channel]
    indices = forward.indices[item, :, :, channel]
    ax_un, ax_idx = axes["unpool in"], axes["unpool out"]
    un_title = f"unpooled {rows.n}x{cols.n} (max_unpool2d)"
    if not numbered:
        # too many windows to read indices: show the values being put back instead
        grey = _value_norm(forward.input[item, :, :, channel])
        _picture(ax_un, un_title, unpooled, cmap, grey)
        put_back = f"output {rows.out}x{cols.out}, put back"
        _picture(ax_idx, put_back, forward.output[item, :, :, channel], cmap, grey)
        return
    fills = np.full((rows.n, cols.n), "#F7F7F7", dtype=object)
    colours = drawn_windows(forward)  # the forward row's: a colour names one window
    for row in result.receivers(item, channel):
        for senders in row:
            drawn = [s for s in senders if s in colours]
            if drawn:
                win = forward.argmax(*drawn[0], item, channel)
                assert win is not None
                fills[win] = pale(colours[drawn[0]], 0.3)
    # input values put back: written as the input writes them
    places = decimals_for(forward.input[item, :, :, channel])
    frame.draw(ax_un, un_title, unpooled, fills, shared, places)
    draw_matrix(
        ax_idx,
        indices,
        fills=output_fills(forward),
        labels=[str(int(v)) for v in indices.ravel()],
        title="indices (flat r·W + c)",
    )


def _frames(cells: np.ndarray | None) -> list[Outline]:
    """A black frame on the edge of each marked cell: seen against light and dark fills."""
    if cells is None:
        return []
    return [
        Outline((int(r), int(r)), (int(c), int(c)), "#000000", inset=0.03, width=3.0)
        for r, c in zip(*np.nonzero(cells), strict=True)
    ]


def _value_norm(plane: np.ndarray) -> Normalize:
    """One grey scale for the input and everything made of its values, so shades compare."""
    return value_norm(plane)


def _picture(
    ax: Surface, title: str, values: np.ndarray, cmap: str, norm: Normalize | None
) -> None:
    """A plane too large for numbers, as an image (display copy only)."""
    assert isinstance(ax, Axes), "a picture is drawn in an Axes"
    ax.imshow(display_copy(drawable(values)), cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)


def _caption(result: GradResult, item: int, channel: int, numbered: bool, max_panel: bool) -> str:
    """The facts under the figure: who got gradient, what unpooling lost, the totals; when
    only some windows are outlined (``numbered`` grids), which; and with ``max_panel`` (an
    average's third step drawn), what max pooling's gradient beside it leaves out."""
    forward = result.forward
    n = forward.rows.n * forward.cols.n
    silent = result.silent_count(item, channel)
    lines = [
        f"{silent:,} of {n:,} input cells get no gradient from this example"
        if silent
        else f"every one of the {n:,} input cells gets some gradient"
    ]
    shared = result.shared(item, channel)
    if shared and result.mode == "max":
        lines.append(
            f"framed: {len(shared)} cell{'s' if len(shared) > 1 else ''} won 2+ windows "
            "(their gradients add up; unpooling places the value once)"
        )
    elif shared:
        lines.append(
            f"{len(shared)} cells are read by 2+ windows: each adds gradient / divisor to them"
        )
    silent_max = result.max_silent_count(item, channel)
    if max_panel and silent_max is not None:  # what that panel shows: its zeros
        lines.append(
            f"max pooling's gradient over the same windows: {silent_max:,} of {n:,} cells get none"
        )
    ties = result.ties(item, channel)
    if ties:
        lines.append(
            f"{len(ties)} window{'s' if len(ties) > 1 else ''} tied: the first cell in "
            "row-major order won (as PyTorch) and alone gets the gradient"
        )
    if result.mode == "max":
        lost = result.lost_count(item, channel)
        values = f"{lost} value{'' if lost == 1 else 's'}"
        lines.append(f"{values} and every non-winning position are gone after unpooling")
    if forward.rows.overhang or forward.cols.overhang:
        lines.append(OVERHANG_NOTE)
    chosen = drawn_windows(forward)
    if numbered and len(chosen) < forward.window_count:
        lines.append(outlined_note(forward, chosen))
    up, down = total(result.grad_output[item]), total(result.grad_input[item])
    lines.append(f"gradient in {up:.4g}, gradient out {down:.4g}")
    return "\n".join(lines)
