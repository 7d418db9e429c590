"""The sentence every blur renderer (terminal, figure) shares: one output worked out as its
weighted window of the padded max map."""

from __future__ import annotations

import numpy as np

from poolviz.engine.blur import BlurRun, binomial_row
from poolviz.render.style import format_number


def weighted_sum(
    run: BlurRun, at: tuple[int, int], channel: int = 0, item: int = 0, places: int = 4
) -> str:
    """``(1·8 + 3·6 + …) / 64 = 7.0781``: output ``at`` from the integer filter weights and
    its window's cells, the output with ``places`` decimals."""
    weights = filter_weights(run)
    _, _, cells = run.window(*at, item, channel)
    terms = " + ".join(
        f"{int(w)}·{_compact(float(c))}"
        for w, c in zip(weights.ravel(), cells.ravel(), strict=True)
    )
    value = float(run.output[item, at[0], at[1], channel])
    return f"({terms}) / {int(weights.sum())} = {format_number(value, places)}"


def filter_weights(run: BlurRun) -> np.ndarray:
    """The (f, f) filter as whole numbers (the binomial row's outer product), whose sum
    divides them."""
    row = binomial_row(run.filter_size)
    return np.outer(row, row)


def _compact(value: float) -> str:
    """``value`` with up to 2 decimals and no trailing zeros: ``8``, ``7.5``, ``0.33``."""
    text = format_number(value, 2)
    return text.rstrip("0").rstrip(".") if "." in text else text
