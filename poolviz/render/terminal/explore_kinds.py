"""LP and blur pooling in ``poolviz explore``'s window view: what its panes say differently
for them.

The panes draw a :class:`~poolviz.engine.explain.PoolResult` of the windows that make each
output (LP: the windows over the input; blur: the filter's windows over the reflect-padded
max map) holding the kind's own output; a :class:`Kind` beside it carries the engine's run,
for the words, the formula and the views that differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from poolviz.engine.blur import BlurRun, binomial_row
from poolviz.engine.explain import PoolResult, Window
from poolviz.engine.lp import LPRun
from poolviz.render.style import format_number
from poolviz.render.terminal.grid import Cell, grid


@dataclass(frozen=True)
class Kind:
    """LP or blur pooling as explore shows it."""

    run: LPRun | BlurRun
    max_formula: tuple[str, str] = ("", "")
    """Blur: the max stage's output size worked out (height, width)."""
    gradient: np.ndarray | None = None
    """The gradient reaching the input from ones upstream, once the gradient view asks."""

    @property
    def blur(self) -> bool:
        return isinstance(self.run, BlurRun)


def _pair(pair: tuple[int, int]) -> str:
    return f"{pair[0]}x{pair[1]}"


def _power(p: float) -> str:
    return {np.inf: "inf", -np.inf: "-inf"}.get(p, f"{p:g}")


def _filter(run: BlurRun) -> str:
    row = " ".join(map(str, binomial_row(run.filter_size)))
    return f"[{row}]ᵀ[{row}] / {sum(binomial_row(run.filter_size)) ** 2}"


def kind_config(kind: Kind, ceil_mode: bool) -> str:
    """The status line's configuration: ``LPPool2D  p 2 · size 2x2 · stride 2x2`` or
    ``BlurPool  max 2x2 stride 1 · filter 4 taps stride 2x2``."""
    run = kind.run
    if isinstance(run, BlurRun):
        return (
            f"BlurPool  max {_pair(run.size)} stride 1 · {run.filter_size} taps stride "
            f"{_pair(run.stride)}"
        )
    line = (
        f"LPPool2D  p {_power(run.norm_type)} · size {_pair(run.size)} · stride {_pair(run.stride)}"
    )
    return line + (" · ceil mode" if ceil_mode else "")


def kind_input_title(kind: Kind) -> str:
    """What the left grid is: the input (LP), or the max map, padded (blur)."""
    run = kind.run
    if not isinstance(run, BlurRun):
        h, w = run.input.shape[1:3]
        return f"Input {h}x{w}"
    mh, mw = run.max_map.shape[1:3]
    ph, pw = run.padded.shape[1:3]
    return f"Max map {mh}x{mw}, padded to {ph}x{pw}"


def kind_legend(kind: Kind) -> list[str]:
    """Blur: which rows and columns of the grid are reflected (the max map's own start and
    end at ``before`` and ``-after``); the filter has a pane of its own."""
    run = kind.run
    if not isinstance(run, BlurRun):
        return []
    before, after = run.pad
    mh, mw = run.max_map.shape[1:3]
    if not before and not after:
        return ["no padding (1 tap)"]
    return [f"rows {_span(before, mh, after)}, cols {_span(before, mw, after)} reflected"]


def _span(before: int, n: int, after: int) -> str:
    """The padded positions outside ``before .. before + n - 1``: ``0, 4-5``."""
    parts = []
    if before:
        parts.append("0" if before == 1 else f"0-{before - 1}")
    if after:
        first = before + n
        parts.append(str(first) if after == 1 else f"{first}-{first + after - 1}")
    return ", ".join(parts)


def kind_step(
    kind: Kind, window: Window, decimals: int, item: int, channel: int
) -> tuple[str, str]:
    """The step table's last column: its head and this window's value as the kind gets it
    (LP: PyTorch's number, and the textbook's where they part; blur: the weighted sum)."""
    run = kind.run
    i, j = window.out
    value = format_number(window.value, max(decimals, 2))
    if isinstance(run, BlurRun):
        return f"Σ w·v / {sum(binomial_row(run.filter_size)) ** 2}", value
    head = f"(Σ|x|^{_power(run.norm_type)})^(1/{_power(run.norm_type)})"
    why = {(a, b): reason for a, b, reason in run.departures(item, channel)}.get((i, j))
    if why is not None:
        book = format_number(float(run.textbook[item, i, j, channel]), max(decimals, 2))
        value += f" (textbook {book}: {why})"
    return head, value


def kind_formula(kind: Kind, result: PoolResult, width: int = 80) -> Text:
    """The output size worked out: LP's is max pooling's with no padding; blur's is the max
    stage's at stride 1, then the filter's over the padded map."""
    from poolviz.render.terminal.fit import hanging

    h, w = (hanging(f, width, first="", rest="  ").rstrip() for f in result.formula.values())
    run = kind.run
    if not isinstance(run, BlurRun):
        text = Text("Output size, PyTorch's formula (no padding):\n", style="bold")
        text.append(h + "\n" + w)
        return text
    before, after = run.pad
    text = Text("Max map size, stride 1:\n", style="bold")
    text.append("\n".join(kind.max_formula))
    text.append(
        f"\nOutput size, the filter over the map padded {before} + {after}:\n", style="bold"
    )
    text.append(h + "\n" + w)
    return text


def filter_pane(kind: Kind) -> RenderableType:
    """Blur: the filter's weights (times their sum, whole numbers) beside the note that the
    grids above are the max map's."""
    run = kind.run
    assert isinstance(run, BlurRun)
    row = binomial_row(run.filter_size)
    cells = [[Cell(str(a * b)) for b in row] for a in row]
    return Group(
        Text(f"Filter × {sum(row) ** 2}", style="bold"),
        grid(cells),
        Text(
            f"each output: its {run.filter_size}x{run.filter_size} window of the padded max "
            "map, weighted; the max map is max pooling at stride 1 of the input",
            style="dim",
        ),
    )


def kind_view_pane(
    kind: Kind, view: str, width: int, colour: bool, item: int, channel: int
) -> RenderableType:
    """The gradient view, as ``poolviz grad --mode lp|blur`` works it (ones upstream): the
    gradient reaching the input and how much of it arrives; for unpooling, why there is
    none."""
    run = kind.run
    name = "blur" if isinstance(run, BlurRun) else "LP"
    if view != "gradient" or kind.gradient is None:
        return Text(
            f"Max-unpooling needs the winners max pooling records; {name} pooling keeps none "
            "(m switches the mode)",
            style="dim",
        )
    from poolviz.render.terminal.panels import matrix_panel
    from poolviz.render.terminal.view import DemoView

    grad = kind.gradient[item, :, :, channel]
    h, w = grad.shape
    how = (
        "through the filter's weights, then to each max window's winner"
        if isinstance(run, BlurRun)
        else "each cell gets its window's gradient times (x / out)^(p−1)"
    )
    sent = run.output.shape[1] * run.output.shape[2]
    return Group(
        Text(f"Gradient at the input {h}x{w}, ones upstream", style="bold"),
        matrix_panel(grad, DemoView(width, colour), width),
        Text(
            f"{name[0].upper()}{name[1:]} pooling's backward pass: {how}; sent back "
            f"{sent:,}, reaching the input {format_number(float(grad.sum()), 4)} "
            f"(poolviz grad --mode {name.lower()} shows it in full)",
            style="dim",
        ),
    )
