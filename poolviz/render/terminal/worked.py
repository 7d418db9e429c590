"""The uneven windows' rule in a terminal report: adaptive pooling's bins and fractional
pooling's starts worked out with the user's numbers (:mod:`poolviz.engine.worked`), for
``pool``, ``grad`` and ``animate``."""

from __future__ import annotations

from rich.text import Text

from poolviz.engine.explain import PoolResult
from poolviz.render.terminal.fit import hanging

MAX_BIN_LINES = 12
"""Windows worked out per axis; a longer axis shows its first and last few."""

RULES = {
    "adaptive": ("PyTorch's adaptive bins (ATen's start_index, end_index)", ""),
    "fractional": (
        "fractional max pooling (ATen's generate_intervals)",
        "window i starts at int((i + u)·alpha) − int(u·alpha), the last at n − k; "
        "alpha = (n − k) / (o − 1), u the axis's sample",
    ),
}
"""Each uneven kind's title and general rule (where the axes' lines do not state it)."""


def bins_text(result: PoolResult, width: int) -> Text:
    """The output size and every window's first and last cell, axis by axis, folded to
    ``width``; empty for uniform pooling."""
    text = Text()
    if result.kind == "uniform":
        return text
    # imported here: ``grad``'s report asks for every kind, and uniform pooling needs none of it
    from poolviz.engine.worked import worked_windows

    worked = worked_windows(result)
    title, rule = RULES[result.kind]
    text.append(f"\n\nWindows, {title}:\n", style="bold")
    if rule:  # adaptive's rule is each axis's own line, with its numbers
        text.append(hanging(rule, width), style="dim")
    if result.output_ratio is not None:
        for name, ax, ratio in (
            ("out_h", result.rows, result.output_ratio[0]),
            ("out_w", result.cols, result.output_ratio[1]),
        ):
            text.append(hanging(f"{name} = int({ax.n} · {ratio:g}) = {ax.out}", width))
    for name, axis in worked:
        ax = result.rows if name != "columns" else result.cols
        text.append(hanging(f"{name} ({ax.n} → {ax.out}): {axis.rule}", width))
        steps = list(axis.steps)
        if len(steps) > MAX_BIN_LINES:
            half = MAX_BIN_LINES // 2
            skipped = len(steps) - 2 * half
            steps = [*steps[:half], f"… {skipped:,} more", *steps[-half:]]
        for line in steps:
            text.append(hanging(line, width, "    ", "      "))
        text.append(hanging(axis.summary, width, "    ", "      "), style="dim")
    return text
