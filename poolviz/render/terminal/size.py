"""``poolviz size`` in the terminal: the output size worked out step by step, per axis."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from poolviz.demos import (
    SizeDim,
    SizeResult,
)
from poolviz.render.order import Order
from poolviz.render.style import (
    percent_fixed,
    shape_text,
)
from poolviz.render.terminal.code import framework_code
from poolviz.render.terminal.view import DemoView


def size_report(result: SizeResult, view: DemoView | None = None) -> RenderableType:
    """``poolviz size``: the output size worked out per axis, which cells no window reads,
    which padding is used, the shapes and value counts, and the layer as code."""
    view = view or DemoView()
    spec = result.spec
    text = Text()
    text.append("Output size of a pooling layer\n", style="bold")
    one = len(result.dims) == 1

    def pair(value: tuple[int, int]) -> str:
        return str(value[0]) if one else f"{value[0]}x{value[1]}"

    if spec is None:
        assert result.bins is not None
        parts = [f"adaptive pooling to {pair(result.bins)}: bins fitted to the output size"]
    else:
        parts = [f"size {pair(spec.size)}", f"stride {pair(spec.stride)}"]
        parts.append(f"padding {spec.padding_label}")
        if spec.dilation != (1, 1):
            parts.append(f"dilation {pair(spec.dilation)}")
        if spec.ceil_mode:
            parts.append("ceil mode")
    text.append(" · ".join(parts))
    for note in view.notes:
        text.append(f"\n{note}", style="dim")
    text.append("\n" + _shape_line(result, view.order))
    out: list[RenderableType] = [text]
    dims = result.dims
    if len(dims) == 2 and _same_axis(dims[0], dims[1]):
        out.append(_dim(dims[0], "height and width", view))
    else:
        for dim in dims:
            out.append(_dim(dim, dim.name, view))
    if spec is not None:
        out.append(framework_code(spec, dims[0].axis, dims[-1].axis, view.width, view.order))
    elif result.bins is not None:
        out.append(_adaptive_code(pair(result.bins)))
    return Group(*out)


def _adaptive_code(size: str) -> Text:
    """Adaptive pooling as PyTorch and Keras code (Keras 3 writes ``output_size`` and picks
    the same bins)."""
    value = size if "x" not in size else "(" + size.replace("x", ", ") + ")"
    text = Text()
    text.append("\nThe same layer as code (average or max: the same bins):\n", style="bold")
    text.append(f"  PyTorch: nn.AdaptiveAvgPool2d({value}), nn.AdaptiveMaxPool2d({value})\n")
    text.append(f"  Keras:   keras.layers.AdaptiveAveragePooling2D({value}),\n")
    text.append(f"           keras.layers.AdaptiveMaxPooling2D({value})")
    return text


def _same_axis(a: SizeDim, b: SizeDim) -> bool:
    return a.axis == b.axis


def _shape_line(result: SizeResult, order: Order) -> str:
    c = result.channels
    if len(result.dims) == 1:
        n, o = result.dims[0].input, result.dims[0].output
        return f"length {n} → {o} ({percent_fixed(o / n, 0)} of the values kept); 0 parameters"
    (h, w), (oh, ow) = result.input_shape, result.output_shape
    before, after = h * w * c, oh * ow * c
    return (
        f"{_batch(shape_text((0, h, w, c), order))} → "
        f"{_batch(shape_text((0, oh, ow, c), order))}\n"
        f"values per item: {before:,} → {after:,} ({percent_fixed(result.kept_fraction, 0)} kept); "
        "0 parameters"
    )


def _batch(text: str) -> str:
    """``(0, 26, 26, 32)`` as ``(batch, 26, 26, 32)``."""
    return text.replace("(0,", "(batch,", 1)


def _cells_text(cells: Sequence[int], limit: int = 12) -> str:
    """Indices as runs: ``12``, ``24-25``, ``2, 5, 8, … (40 cells)``."""
    runs: list[tuple[int, int]] = []
    for k in cells:
        if runs and k == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], k)
        else:
            runs.append((k, k))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in runs]
    if len(parts) > limit:
        parts = parts[: limit - 2] + ["…", parts[-1]]
    return ", ".join(parts)


def _plural(unit: str, n: int) -> str:
    """``row``, ``rows``; ``row/column``, ``rows/columns``: the unit for ``n`` of them."""
    return unit if n == 1 else "/".join(f"{u}s" for u in unit.split("/"))


def _dim(dim: SizeDim, name: str, view: DemoView) -> RenderableType:
    ax = dim.axis
    unit = {"height": "row", "width": "column"}.get(dim.name, "cell")
    if name == "height and width":
        unit = "row/column"
    text = Text()
    text.append(f"\n{name.capitalize()}: {dim.input} → {dim.output}\n", style="bold")
    for line in dim.steps:
        text.append(f"  {line}\n")
    simple = ax.simple_formula("out")
    if simple is not None:
        text.append(f"  as often written: {simple.removeprefix('out = ')}\n", style="dim")
    starts = [ax.start(i) for i in range(ax.out)]
    shown = (
        ", ".join(str(v) for v in starts)
        if len(starts) <= 6
        else f"{starts[0]}, {starts[1]}, {starts[2]}, …, {starts[-1]}"
    )
    lengths = sorted({ax.taps_of(i) for i in range(ax.out)})
    reads = (
        f"{' or '.join(f'{k:,}' for k in lengths)} {_plural(unit, lengths[-1] if lengths else 0)}"
    )
    if ax.dilation != 1:
        reads += f", {ax.dilation} apart"
    what = "windows" if ax.windows is None else "bins"
    text.append(f"  {what}: {ax.out:,}, starting at {shown}; each reads {reads}\n")
    if dim.dropped:
        count = len(dim.dropped)
        text.append(
            f"  dropped: {_plural(unit, count)} {_cells_text(dim.dropped)} ({count:,} of "
            f"{dim.input:,}), read "
            "by no window\n"
        )
    else:
        text.append(f"  dropped: none; every {unit} is read\n")
    before, after = dim.padding
    if before or after:
        used_before = [k for k in dim.padding_used if k < 0]
        used_after = [k for k in dim.padding_used if k >= dim.input]
        text.append(
            f"  padding: {before} before ({_used(used_before)}), "
            f"{after} after ({_used(used_after)})\n"
        )
    if dim.overhang:
        text.append(
            f"  overhang: the last window reaches {unit} {_cells_text(dim.overhang)}, past "
            "the input and its padding; such cells never count\n"
        )
    text.rstrip()
    return text


def _used(cells: Sequence[int]) -> str:
    return f"read: {_cells_text(cells)}" if cells else "not read"
