"""The uneven windows' rule worked out window by window with the user's numbers: adaptive
pooling's bins and fractional max pooling's starts, as lines a report or figure prints.

Every number here is the engine's own (:func:`~poolviz.engine.uneven.adaptive_axis`,
:func:`~poolviz.engine.uneven.fractional_starts`): the lines only spell out how each window's
first and last cell follow from the formula, and which windows share cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis


@dataclass(frozen=True)
class WorkedAxis:
    """One axis's windows worked out: the rule, a line per window, and what they add up to."""

    rule: str
    """The formula with this axis's numbers (fractional: alpha and the sample)."""
    steps: tuple[str, ...]
    """One line per window: its first and last cell from the formula, its length, and the
    cells it shares with the window before."""
    summary: str
    """The lengths that occur and where windows share cells, in one line."""


def worked_windows(result: PoolResult) -> list[tuple[str, WorkedAxis]]:
    """The uneven windows of ``result`` worked out per axis, named ``rows`` and ``columns``,
    or once as ``rows and columns`` when both axes have the same windows; empty for uniform
    pooling (its formula is :attr:`PoolResult.formula`)."""
    rows, cols = result.rows, result.cols
    if result.kind == "uniform":
        return []
    dtype = result.samples.dtype if result.samples is not None else np.float64
    if (rows.n, rows.out, rows.windows, rows.sample) == (
        cols.n,
        cols.out,
        cols.windows,
        cols.sample,
    ):
        return [("rows and columns", worked_axis(rows, "row", dtype))]
    return [
        ("rows", worked_axis(rows, "row", dtype)),
        ("columns", worked_axis(cols, "column", dtype)),
    ]


def worked_axis(ax: Axis, noun: str, dtype: Any = np.float64) -> WorkedAxis:
    """``ax``'s windows worked out (``noun`` is ``row`` or ``column``); ``dtype`` is the
    floating type fractional starts are computed in (the input's).

    >>> from poolviz.engine.uneven import adaptive_axis
    >>> w = worked_axis(adaptive_axis(5, 3), "row")
    >>> w.steps[1]
    'bin 1: floor(1·5/3) = 1 .. ceil(2·5/3) − 1 = 3  3 rows, row 1 also in bin 0'
    >>> w.summary
    'lengths 2 and 3; neighbouring bins share rows 1 and 3 (3 does not divide 5)'
    """
    if ax.kind == "fractional":
        return _fractional(ax, noun, dtype)
    return _adaptive(ax, noun)


def _cells(noun: str, first: int, last: int) -> str:
    """``rows 1..3`` or ``row 2``."""
    return f"{noun} {first}" if first == last else f"{noun}s {first}..{last}"


def _shared(ax: Axis, i: int, noun: str, word: str) -> str:
    """``, row 1 also in bin 0`` (the cells window ``i`` has in common with ``i - 1``)."""
    if i == 0:
        return ""
    before = set(ax.taps(i - 1))
    common = [t for t in ax.taps(i) if t in before]
    if not common:
        return ""
    if common == ax.taps(i) == ax.taps(i - 1):
        return f", the same as {word} {i - 1}"
    return f", {_cells(noun, common[0], common[-1])} also in {word} {i - 1}"


def _lengths(ax: Axis) -> str:
    lengths = sorted({ax.taps_of(i) for i in range(ax.out)})
    return ("lengths " if len(lengths) > 1 else "length ") + " and ".join(str(v) for v in lengths)


def _overlaps(ax: Axis) -> list[int]:
    """Cells read by more than one window."""
    return [t for t, count in enumerate(ax.reads()) if count > 1]


def _list(values: list[int]) -> str:
    if len(values) <= 1:
        return "".join(str(v) for v in values)
    return ", ".join(str(v) for v in values[:-1]) + f" and {values[-1]}"


def _adaptive(ax: Axis, noun: str) -> WorkedAxis:
    n, o = ax.n, ax.out
    steps = []
    for i in range(o):
        first, length = ax.start(i), ax.taps_of(i)
        steps.append(
            f"bin {i}: floor({i}·{n}/{o}) = {first} .. ceil({i + 1}·{n}/{o}) − 1 = "
            f"{first + length - 1}  {length} {noun}{'s' if length > 1 else ''}"
            f"{_shared(ax, i, noun, 'bin')}"
        )
    shared = _overlaps(ax)
    if not o:
        summary = "no bins"
    elif not shared:
        summary = f"{_lengths(ax)}; the bins tile the {n} {noun}s ({o} divides {n})"
    elif o > n:
        summary = f"{_lengths(ax)}; {o} bins over {n} {noun}s repeat {noun}s"
    else:
        many = "s" if len(shared) > 1 else ""
        summary = (
            f"{_lengths(ax)}; neighbouring bins share {noun}{many} {_list(shared)} "
            f"({o} does not divide {n})"
        )
    return WorkedAxis(
        f"bin i reads floor(i·{n}/{o}) .. ceil((i+1)·{n}/{o}) − 1", tuple(steps), summary
    )


def _fractional(ax: Axis, noun: str, dtype: Any) -> WorkedAxis:
    n, k, o = ax.n, ax.size, ax.out
    t = np.dtype(dtype).type
    u = t(ax.sample if ax.sample is not None else 0.0)
    steps = []
    if o > 1:
        alpha = t(n - k) / t(o - 1)
        base = int(u * alpha)
        rule = (
            f"alpha = ({n} − {k}) / ({o} − 1) = {float(alpha):.4f}, u = {float(u):.4f}, "
            f"int(u·alpha) = int({float(u * alpha):.4f}) = {base}"
        )
    else:
        alpha, base = t(0), 0
        rule = f"one window, at {n} − {k}"
    for i in range(o):
        first = ax.start(i)
        if i < o - 1:
            product = float((t(i) + u) * alpha)
            how = (
                f"int(({i} + {float(u):.4f})·{float(alpha):.4f}) − {base} = "
                f"int({product:.4f}) − {base} = {first}"
            )
        else:
            how = f"last: {n} − {k} = {first}"
        steps.append(
            f"window {i}: {how}  {_cells(noun, first, first + k - 1)}"
            f"{_shared(ax, i, noun, 'window')}"
        )
    gaps = sorted({ax.start(i + 1) - ax.start(i) for i in range(o - 1)})
    shared = _overlaps(ax)
    dropped = [t_ for t_, count in enumerate(ax.reads()) if count == 0]
    parts = [f"starts step by {_list(gaps).replace(' and ', ' or ')}" if gaps else "one window"]
    if shared:
        parts.append(f"{noun}{'s' if len(shared) > 1 else ''} {_list(shared)} read twice")
    if dropped:
        parts.append(f"{noun}{'s' if len(dropped) > 1 else ''} {_list(dropped)} read by none")
    return WorkedAxis(rule, tuple(steps), "; ".join(parts))
