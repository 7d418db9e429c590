"""``poolviz size -o``: each axis as a strip of cells, the windows over it in lanes,
padding and the cells no window reads marked."""

from __future__ import annotations

from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Rectangle

from poolviz.demos import (
    SizeDim,
    SizeResult,
)
from poolviz.render.figure.grid import (
    LINESTYLES,
)
from poolviz.render.figure.look import CELL_GID
from poolviz.render.figure.unhinted import UnhintedFigure
from poolviz.render.style import (
    outline_colour,
    window_colour_at,
)


def size_figure(result: SizeResult, *, title: str | None = None) -> Figure:
    """Each axis as a strip of cells (padding hatched, dropped cells crossed, ceil-mode
    overhang dotted) with every window as a bar below it, and the formula worked out."""
    dims = list(result.dims)
    if len(dims) == 2 and dims[0].axis == dims[1].axis:
        dims = dims[:1]
        names = ["height and width"]
    else:
        names = [d.name for d in dims]
    layouts = [_strip_layout(d) for d in dims]
    cells = max(len(layout) for layout in layouts)
    cell = min(0.42, 10.5 / cells)
    # the strip's height in data units (see _strip), then the caption's lines
    heights = [(1.55 + 0.55 * _lanes(d)) * cell + 0.55 + 0.165 * (len(d.steps) + 1) for d in dims]
    width = max(6.8, cells * cell + 0.6)
    fig = UnhintedFigure(figsize=(width, sum(heights) + 0.5), layout="constrained")
    subs = fig.subfigures(len(dims), 1, height_ratios=heights, squeeze=False)[:, 0]
    for sub, dim, name, layout in zip(subs, dims, names, layouts, strict=True):
        _strip(sub, dim, name, layout)
    fig.suptitle(title or _title(result), fontsize=12, fontweight="bold")
    return fig


def _title(result: SizeResult) -> str:
    """``Output size: size 2, stride 2, padding 0`` (and dilation, ceil mode), or the
    adaptive output size."""
    spec = result.spec
    one = len(result.dims) == 1
    if spec is None:
        assert result.bins is not None  # a result is a window's or adaptive bins'
        bins = result.bins[0] if one else f"{result.bins[0]}x{result.bins[1]}"
        return f"Output size: adaptive pooling to {bins} (bins, not a window)"
    size = spec.size[0] if one else f"{spec.size[0]}x{spec.size[1]}"
    stride = spec.stride[0] if one else f"{spec.stride[0]}x{spec.stride[1]}"
    title = f"Output size: size {size}, stride {stride}, padding {spec.padding_label}"
    if spec.dilation != (1, 1):
        title += f", dilation {spec.dilation[0]}"
    if spec.ceil_mode:
        title += ", ceil mode"
    return title


STRIP_LIMIT = 48
"""Longest strip drawn in full; longer ones show their two ends around a gap."""


def _strip_layout(dim: SizeDim) -> list[int | None]:
    """The cell indices drawn left to right (None for the gap in a long strip): the padding,
    the input and any ceil-mode overhang."""
    ax = dim.axis
    last = max([ax.n + ax.pad_after - 1, *dim.overhang])
    cells: list[int | None] = list(range(-ax.pad_before, last + 1))
    if len(cells) <= STRIP_LIMIT:
        return cells
    keep = STRIP_LIMIT // 2 - 1
    return cells[:keep] + [None] + cells[-keep:]


def _lanes(dim: SizeDim) -> int:
    """Rows of window bars needed so that overlapping windows never share one: for uneven
    windows (adaptive bins), the most that read one cell (their starts and ends rise, so
    windows that many apart never meet)."""
    ax = dim.axis
    if ax.windows is not None:
        return max(1, *ax.reads())
    return max(1, min(ax.out, -(-ax.span // ax.stride)))


def _strip(sub: SubFigure, dim: SizeDim, name: str, layout: list[int | None]) -> None:
    ax_ = dim.axis
    lanes = _lanes(dim)
    where = {k: pos for pos, k in enumerate(layout) if k is not None}
    ax = sub.subplots(1, 1)
    dropped = set(dim.dropped)
    overhang = set(dim.overhang)
    small = len(layout) <= 32
    for pos, k in enumerate(layout):
        if k is None:
            ax.text(pos + 0.5, 0.5, "…", ha="center", va="center", fontsize=12)
            continue
        if k < 0 or ax_.n <= k < ax_.n + ax_.pad_after:
            used = k in dim.padding_used
            ax.add_patch(
                Rectangle(
                    (pos, 0),
                    1,
                    1,
                    facecolor="#EEEEEE",
                    edgecolor="#777777" if used else "#BBBBBB",
                    hatch="///",
                    linewidth=0.8,
                )
            )
            label = "p"
        elif k in overhang:
            ax.add_patch(
                Rectangle(
                    (pos, 0), 1, 1, fill=False, edgecolor="#777777", linestyle=":", linewidth=1.2
                )
            )
            label = "·"
        elif k in dropped:
            ax.add_patch(
                Rectangle(
                    (pos, 0),
                    1,
                    1,
                    facecolor="#D9D9D9",
                    edgecolor="white",
                    hatch="xx",
                    linewidth=0.8,
                )
            )
            label = str(k)
        else:
            ax.add_patch(
                Rectangle((pos, 0), 1, 1, facecolor="#F4F4F4", edgecolor="#999999", linewidth=0.8)
            )
            label = str(k)
        if small or k % 5 == 0 or k in dropped:
            inside = len(label) <= 3  # longer indices go above the strip, clear of the cells
            ax.text(
                pos + 0.5,
                0.5 if inside else -0.08,
                label,
                ha="center",
                va="center" if inside else "bottom",
                fontsize=8 if len(label) < 3 else 6.5,
                color="#222222",
                gid=CELL_GID if inside else None,  # a cell's: dark on its light fill, any theme
            )
    for i in range(ax_.out):
        taps = ax_.taps(i)
        if any(t not in where for t in taps):
            continue
        lane = i % lanes
        y = 1.35 + 0.55 * lane
        colour = outline_colour(window_colour_at(0, i, ax_.out))
        style = LINESTYLES[i % len(LINESTYLES)]
        x0, x1 = where[taps[0]] + 0.12, where[taps[-1]] + 0.88
        ax.plot(
            [x0, x1], [y, y], color=colour, linestyle=style, linewidth=2.4, solid_capstyle="butt"
        )
        for t in taps:
            ax.plot([where[t] + 0.5], [y], marker="|", color=colour, markersize=9)
        if small or ax_.out <= 16:
            ax.text(
                (x0 + x1) / 2,
                y + 0.1,
                str(i),
                ha="center",
                va="top",
                fontsize=7,
                color="#222222",
            )
    ax.set_xlim(-0.2, len(layout) + 0.2)
    ax.set_ylim(1.35 + 0.55 * lanes + 0.2, -0.15 if ax_.n + ax_.pad_after < 1000 else -0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    parts = [f"{name}: {dim.input} → {dim.output}"]
    sub.suptitle(parts[0], fontsize=11, fontweight="bold", x=0.02, ha="left")
    notes = list(dim.steps)
    shown = ", ".join(str(k) for k in dim.dropped[:12]) + (" …" if len(dim.dropped) > 12 else "")
    legend = [f"dropped (crossed): {shown}" if dim.dropped else "dropped: none"]
    legend.append(
        f"bars: {'windows' if ax_.windows is None else 'bins'}, ticks: the cells each reads"
    )
    if dim.padding != (0, 0):
        legend.append("p: padding (pale if unread)")
    if dim.overhang:
        legend.append("dotted: past the padding (ceil mode)")
    notes.append("   ·   ".join(legend))
    sub.supxlabel(
        "\n".join(notes), x=0.02, ha="left", fontsize=9, family="monospace", color="#333333"
    )
