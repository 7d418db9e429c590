"""How much of a real network's pooled layers a shift of the image changes.

The text claims pooling makes a network tolerate small shifts, and that "deeper stacks of
conv + pool layers compound this tolerance"; Zhang (ICML 2019) found real networks far less
shift-invariant than that. This measures it on the user's network and image: the image moves
``by``, ``2 by``, ... pixels (zeros move in, as ``poolviz shift`` fills the edge; before the
mean and std are applied), the model runs on each, and for every pooling node and the final
output it counts the values that stayed exactly the same, cell for cell, and the mean
relative change ``sum |shifted - original| / sum |original|``; for a classifier, whether the
top class stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.demos import shift_image, shift_offsets
from poolviz.errors import PoolvizError
from poolviz.features.capture import PoolNode
from poolviz.loaders.wording import plural

OUTPUT_NAME = "output"


@dataclass(frozen=True)
class ShiftRow:
    """One pooling node (or the output) across the shifts."""

    name: str
    depth: int
    """1 for the first pooling node; the output is one deeper than the last."""
    unchanged: tuple[float, ...]
    """Per shift: the fraction of values exactly as before, cell for cell."""
    change: tuple[float, ...]
    """Per shift: ``sum |shifted - original| / sum |original|`` (inf where the original
    layer is all zeros and the shifted one is not; 0 where both are)."""


@dataclass(frozen=True)
class ShiftTable:
    """The measurement: rows by depth, the output last."""

    shifts: tuple[int, ...]
    """Pixels moved, one per column."""
    along: str
    rows: tuple[ShiftRow, ...]
    top_class: int | None
    """The unshifted image's top class; None when the output is a single value."""
    top_kept: tuple[bool, ...]
    """Per shift, whether the top class stayed (empty without a top class)."""

    @property
    def pooling_rows(self) -> tuple[ShiftRow, ...]:
        return tuple(row for row in self.rows if row.name != OUTPUT_NAME)

    def trend(self) -> str:
        """``more``, ``fewer`` or ``same``: whether the deepest pooling layer kept more of its
        values unchanged than the first (on average over the shifts; 1 point is the same)."""
        rows = self.pooling_rows
        first, last = float(np.mean(rows[0].unchanged)), float(np.mean(rows[-1].unchanged))
        if len(rows) < 2 or abs(last - first) < 0.01:
            return "same"
        return "more" if last > first else "fewer"


def check_shifts(count: int, by: int, along: str, height: int, width: int) -> None:
    """Refuse shifts that move the whole image out of view."""
    dy, dx = shift_offsets(count * by, along)
    if dy >= height or dx >= width:
        side = height if dy >= height else width
        raise PoolvizError(
            f"--shifts {count} --by {by} moves the image {count * by} pixels, past its "
            f"{side}-pixel side; use at most {plural((side - 1) // by, 'shift')} of {by}"
        )


def measure(
    run: Callable[[np.ndarray], dict[str, np.ndarray]],
    scaled: np.ndarray,
    pools: Sequence[PoolNode],
    output: str,
    shifts: int,
    by: int,
    along: str,
) -> ShiftTable:
    """Shift ``scaled`` ((H, W, C) before normalising) by ``by``..``shifts * by`` pixels
    along ``along``, run each through ``run`` (which normalises and runs the model), and
    compare each pooling node's output and the model's ``output`` with the unshifted run."""
    check_shifts(shifts, by, along, scaled.shape[0], scaled.shape[1])
    names = [p.node.outputs[0] for p in pools] + [output]
    base = run(scaled)
    unchanged: list[list[float]] = [[] for _ in names]
    change: list[list[float]] = [[] for _ in names]
    top = int(np.argmax(base[output][0])) if base[output][0].size > 1 else None
    kept: list[bool] = []
    amounts = tuple(by * k for k in range(1, shifts + 1))
    for amount in amounts:
        dy, dx = shift_offsets(amount, along)
        values = run(shift_image(scaled[None], dy, dx)[0])
        for k, name in enumerate(names):
            a, b = base[name][0], values[name][0]
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            unchanged[k].append(float(same.mean()))
            change[k].append(_relative(a, b))
        if top is not None:
            kept.append(int(np.argmax(values[output][0])) == top)
    rows = [
        ShiftRow(p.name, p.depth, tuple(unchanged[k]), tuple(change[k]))
        for k, p in enumerate(pools)
    ]
    rows.append(ShiftRow(OUTPUT_NAME, len(pools) + 1, tuple(unchanged[-1]), tuple(change[-1])))
    return ShiftTable(amounts, along, tuple(rows), top, tuple(kept))


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    total = float(np.abs(a.astype(np.float64)).sum())
    moved = float(np.abs(b.astype(np.float64) - a).sum())
    if total == 0:
        return 0.0 if moved == 0 else float("inf")
    return moved / total
