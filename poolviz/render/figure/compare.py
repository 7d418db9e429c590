"""``poolviz compare -o``: the input and max, average, global pooling and a strided
convolution side by side, drawn with :func:`draw_matrix` as in ``poolviz pool``'s figure."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from poolviz.demos import (
    Comparison,
)
from poolviz.engine.explain import PoolResult
from poolviz.render.figure.grid import (
    MAX_NUMBERED,
    cell_inches,
    draw_matrix,
    value_norm,
)
from poolviz.render.figure.panels import CAPTION, picture, plane_of, wrap
from poolviz.render.order import Order, ordered
from poolviz.render.style import (
    config_line,
    weights_text,
)


def compare_figure(
    result: Comparison,
    *,
    title: str | None = None,
    cmap: str | None = None,
    order: Order = "nhwc",
) -> Figure:
    """The input and every operation's output side by side on one colour scale and at one
    cell size, titled with its shape, parameters and share of values kept; below, the input
    rebuilt from max and from average with the mean absolute error."""
    x = plane_of(result.input)
    h, w = x.shape
    cell = cell_inches(max(h, w)) or 2.6 / max(h, w)
    shown = [op for op in result.operations if op.output is not None]
    outputs = [_op_plane(op.output) for op in shown if op.output is not None]
    rebuilt = [op for op in result.operations if op.reconstruction is not None]
    every = [
        x,
        *outputs,
        *(plane_of(op.reconstruction) for op in rebuilt if op.reconstruction is not None),
    ]
    norm = value_norm(*every)
    # every panel is a frame of whole cells, at least TITLE_CELLS wide so its title fits
    frames = [w] + [max(p.shape[1], _title_cells(cell)) for p in outputs]
    units = sum(frames)
    rows = 2 if rebuilt else 1
    row_h = h * cell + 1.2
    fig = Figure(
        figsize=(units * cell + 0.4 * len(frames) + 0.8, rows * row_h + 1.3), layout="constrained"
    )
    subs = fig.subfigures(rows, 1, squeeze=False)[:, 0]
    axes = subs[0].subplots(1, len(frames), width_ratios=frames)
    map_name = cmap or "viridis"
    numbers = max(h, w) <= MAX_NUMBERED

    def draw(ax: Axes, values: np.ndarray, title: str, labelled: bool = True) -> None:
        """Numbers for a small input's panels, pictures (same colour scale) otherwise."""
        size = 9 if labelled else 8.5
        if numbers or values.shape[0] == 1:
            draw_matrix(
                ax,
                values,
                cmap=map_name,
                norm=norm,
                index_labels=labelled,
                title=title,
                title_size=size,
            )
        else:
            picture(ax, values, map_name, norm.vmin, norm.vmax)
            ax.set_title(title, fontsize=size)

    draw(axes[0], x, f"input {h}x{w}")
    for ax, op, plane, frame in zip(axes[1:], shown, outputs, frames[1:], strict=True):
        assert op.output is not None
        shape = "x".join(str(v) for v in ordered(op.output.shape[1:], order))
        kept = f"{100 * (op.kept_fraction or 0):.3g}% kept"
        per = ", one per channel" if op.key.startswith("global") and plane.size > 1 else ""
        draw(ax, plane, f"{op.name}\n{shape}{per}\n{op.params} params · {kept}", labelled=False)
        if numbers or not op.key.startswith("global"):
            _centre(ax, plane.shape, (h, frame))
        else:  # one number per channel beside a picture: cells of their own, readable
            _centre(ax, plane.shape, (max(3, plane.shape[1]), max(3, plane.shape[1])))
    if rebuilt:
        spare = max(units - w * (1 + len(rebuilt)), 0.01)
        axes2 = subs[1].subplots(
            1, 2 + len(rebuilt), width_ratios=[w] * (1 + len(rebuilt)) + [spare]
        )
        axes2[-1].axis("off")
        draw(axes2[0], x, "input")
        for ax, op in zip(axes2[1:], rebuilt, strict=False):
            assert op.reconstruction is not None and op.reconstruction_error is not None
            how = "unpooling" if op.key == "max" else "upsampling"
            source = "max" if op.key == "max" else "average"
            error = f"mean |error| {op.reconstruction_error:.3g}"
            draw(ax, plane_of(op.reconstruction), f"from {source} ({how})\n{error}")
        subs[1].suptitle(
            "The input rebuilt from the output", fontsize=10, fontweight="bold", x=0.02, ha="left"
        )
    fig.suptitle(
        title or f"Alternatives to max pooling — {_config(result.pooled)}",
        fontsize=12,
        fontweight="bold",
    )
    fig.supxlabel(_compare_caption(result), x=0.02, ha="left", **CAPTION)
    return fig


def _title_cells(cell: float) -> float:
    """Width, in cells, that a panel title of about 20 characters needs."""
    return 1.45 / cell


def _centre(ax: Axes, shape: tuple[int, ...], frame: tuple[float, float]) -> None:
    """Show a matrix of ``shape`` in the middle of a frame of ``frame`` (rows, columns) cells,
    so that panels of different sizes share one cell size."""
    (h, w), (fh, fw) = shape[:2], frame
    ax.set_xlim(-(fw - w) / 2, w + (fw - w) / 2)
    ax.set_ylim(h + (fh - h) / 2, -(fh - h) / 2)


def _op_plane(values: np.ndarray) -> np.ndarray:
    """Item 0 of an output: channel 0, or for a global pooling one number per channel in a
    row."""
    if values.shape[1] == 1 and values.shape[2] == 1:
        return np.asarray(values[0, 0, :, :], dtype=float).reshape(1, -1)
    return plane_of(values)


def _config(result: PoolResult) -> str:
    return config_line(result).split("  ", 1)[1]


def _compare_caption(result: Comparison) -> str:
    conv = result.operation("conv")
    c = result.input.shape[3]
    kh, kw = result.weights.shape
    weights = weights_text(result.weights)
    lines = [
        f"convolution: fixed weights {weights} ({kh}·{kw} × {c} = {conv.params} parameters); "
        f"a trained network learns them, and a full Conv2D has "
        f"{kh}·{kw}·{c}·{c} + {c} = {conv.learned_params}",
    ]
    if result.conv_equals_average:
        lines.append("with these weights the convolution equals average pooling")
    if result.input.shape[3] > 1:
        lines.append("grids: channel 0 of item 0")
    if result.overlapping:
        lines.append("no rebuilding: the windows overlap")
    return "\n".join(wrap(line, 110) for line in lines)
