"""The layout of the ``poolviz trace`` figure, apart from drawing: which of the trace's rows
make each block (a layer with the shape-keeping layers that read it, a residual block, or a
group of layers of a long graph), what each trace has there, how large each block is, and
the words of the title, the totals and the caption.

Plain dataclasses measured in inches; :mod:`poolviz.render.figure.trace` draws them.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from poolviz.model.layers import Activation, BatchNorm, Conv, Dense, Dropout, Shape
from poolviz.model.merge import Add, Average, Concat, Multiply
from poolviz.model.outline import auto_depth, outline, reads
from poolviz.model.pooling import (
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    AvgPool,
    FractionalMaxPool,
    GlobalAvgPool,
    GlobalLpPool,
    GlobalMaxPool,
    LpPool,
    MaxPool,
)
from poolviz.model.trace import Report, Trace
from poolviz.render.order import Order, ordered
from poolviz.render.style import OKABE_ITO, count, feature_text, ratio, si

# Kinds of block, each in its own colour, the ones that matter most also hatched, so that
# colour is never the only sign of a kind (each block's configuration is written above it too).


@dataclass(frozen=True)
class Category:
    """How one kind of block looks, and what the legend calls it."""

    label: str
    colour: str
    hatch: str | None = None


INPUT = Category("input", "#FFFFFF")
CONV = Category("convolution", OKABE_ITO[4])
RESIDUAL = Category("residual block", OKABE_ITO[1], "//")
GROUP = Category("group of layers", OKABE_ITO[1], "\\\\")
POOLING = Category("pooling", OKABE_ITO[0], "xx")
DENSE = Category("dense", OKABE_ITO[2])
MERGE = Category("merge (add, concat)", OKABE_ITO[6], "..")
OTHER = Category("other (flatten, padding)", "#BBBBBB")
CATEGORIES = (INPUT, CONV, RESIDUAL, GROUP, POOLING, MERGE, DENSE, OTHER)
BLOCKS = (RESIDUAL, GROUP)
"""Categories of a column that stands for several layers of their own kinds."""
MOST_COLUMNS = 40
"""More columns than this and the layers are grouped by the paths in their names."""
"""In legend order."""

POOLING_KINDS = frozenset(
    k.kind
    for k in (
        MaxPool,
        AvgPool,
        LpPool,
        AdaptiveAvgPool,
        AdaptiveMaxPool,
        FractionalMaxPool,
        GlobalAvgPool,
        GlobalMaxPool,
        GlobalLpPool,
    )
)
SHAPE_KEEPING_KINDS = frozenset(k.kind for k in (BatchNorm, Activation, Dropout))
"""Elementwise layers: drawn with the layer before them."""
MERGE_KINDS = frozenset(k.kind for k in (Add, Concat, Multiply, Average))
_BY_KIND = {
    Conv.kind: CONV,
    Dense.kind: DENSE,
    **{k: POOLING for k in POOLING_KINDS},
    **{k: MERGE for k in MERGE_KINDS},
}

ROW_TITLES = {
    "original": ("original", "as built"),
    "drop": ("drop", "pooling removed"),
    "strided": ("strided", "pooling folded into\nconvolution strides"),
}
"""Each trace's label at the left of its row: a bold word, then what it is."""

# Sizes in inches (one data unit) and points.
TALLEST = 1.7
"""Height of the largest feature map's front face."""
SHORTEST = 0.14
"""The least height of a block, so the smallest stays visible."""
LINEAR_UP_TO = 8.0
"""Largest/smallest height ratio still drawn to a linear scale."""
DEPTH = 0.18
"""A slab's depth offset, as a fraction of what its width would be as a height."""
THICK_BASE, THICK_PER_DOUBLING = 0.05, 0.05
"""A slab's thickness: the base, plus this per doubling of its channels."""
BAR = 0.09
"""The thickness of a flat vector's bar."""

# Layout: which rows make a block, and what each trace has there.


@dataclass(frozen=True)
class Column:
    """One block of the figure: a layer of the original with the shape-keeping layers after
    it, a whole residual block, or the input."""

    names: tuple[str, ...]
    """The original's rows drawn here; empty for the input."""
    label: str
    config: str
    """What the layer is, in the spec grammar's words: ``conv 32 3x3``, ``residual block``;
    in a graph, then what it reads where that is not the column before it (``<- a, b``)."""
    category: Category


def columns(original: Trace) -> list[Column]:
    """The original's rows grouped into blocks, left to right, the input first; past
    :data:`MOST_COLUMNS`, grouped by the paths in their names as ``--depth`` groups the
    table, identical groups in a row folded into one column."""
    out = _columns(original)
    depth = auto_depth(original.rows, MOST_COLUMNS) if len(out) > MOST_COLUMNS else None
    if depth is None:
        return out
    grouped = [out[0]]
    for entry in outline(original.rows, depth):
        if entry.single:
            row = entry.last
            grouped.append(Column((row.name,), row.name, row.config, _BY_KIND.get(row.kind, OTHER)))
            continue
        each = len(entry.rows) // entry.count
        what = f"{entry.count} x {each} layers" if entry.count > 1 else f"{each} layers"
        label = entry.name + (f" (x{entry.count})" if entry.count > 1 else "")
        grouped.append(Column(tuple(r.name for r in entry.rows), label, what, GROUP))
    return grouped


def _columns(original: Trace) -> list[Column]:
    """Each layer a column, with the shape-keeping layers that read it; a residual block
    one column."""
    out = [Column((), "input", "", INPUT)]
    names: list[str] = []
    before = ""  # the last row of the column before
    for i, row in enumerate(original.rows):
        names.append(row.name)
        after = original.rows[i + 1] if i + 1 < len(original.rows) else None
        if after is not None and (
            (row.block is not None and after.block == row.block)
            or (
                after.block is None
                and after.kind in SHAPE_KEEPING_KINDS
                and after.inputs == (row.name,)
            )
        ):
            continue  # the next row joins this block
        first = original.rows[i - len(names) + 1]
        if row.block is not None:
            out.append(Column(tuple(names), row.block, "residual block", RESIDUAL))
        else:
            arrow = reads(first, before)
            config = first.config + ("" if arrow is None else f"\n{arrow}")
            out.append(Column(tuple(names), first.name, config, _BY_KIND.get(first.kind, OTHER)))
        names, before = [], row.name
    return out


def band_spans(widths: Sequence[float], most: float) -> list[tuple[int, int]]:
    """The columns ``[lo, hi)`` of each band of blocks: one band when they fit in ``most``
    inches, else as few bands as fit, of about equal width (a deep model drawn in one band
    was too wide for a slide: VGG-16's 25 inches)."""
    total = sum(widths)
    count = max(1, math.ceil(total / most))
    spans, lo, filled = [], 0, 0.0
    for k in range(1, count):
        hi = lo
        while hi < len(widths) - 1 and filled + widths[hi] <= total * k / count:
            filled += widths[hi]
            hi += 1
        if hi > lo:
            spans.append((lo, hi))
            lo = hi
    spans.append((lo, len(widths)))
    return spans


State = Literal["present", "gone", "invalid", "unreached"]


@dataclass(frozen=True)
class Cell:
    """What one trace has in one column."""

    state: State
    shape: Shape | None
    """The output shape of the column's last row in this trace, when it is there."""
    note: str | None
    """What the counterfactual did here: ``removed``, ``stride 2 (was 1)``; or the problem."""
    changed: bool = False
    """The shape differs from the original's in this column."""


def cell(t: Trace, column: Column, original: Trace) -> Cell:
    """Trace ``t``'s version of ``column``, from its rows and notes."""
    if not column.names:
        return Cell("present", t.model.input_shape, None)
    parts = [t.counterpart(name) for name in column.names]
    note = next((p.note for p in parts if p.note), None)
    if any(p.state == "invalid" for p in parts):
        return Cell("invalid", None, note)
    present = [p.row for p in parts if p.row is not None]
    if not present or (column.category not in BLOCKS and parts[0].row is None):
        # a layer gone with the shape-keeping layers after it still there: gone all the same
        return Cell(parts[0].state, None, note)
    shape = present[-1].output_shape
    base = original.counterpart(column.names[-1]).row
    return Cell("present", shape, note, base is not None and base.output_shape != shape)


@dataclass(frozen=True)
class Scale:
    """Inches for the sides of feature maps and the lengths of vectors, shared by all rows."""

    largest_side: int
    log: bool
    """Sides on a log scale (1 at :data:`SHORTEST`), else linear."""
    longest_vector: int

    @classmethod
    def of(cls, shapes: Sequence[Shape]) -> Scale:
        """The scale that fits every one of ``shapes``."""
        sides = [s for shape in shapes if len(shape) == 3 for s in shape[:2]] or [1]
        vectors = [shape[0] for shape in shapes if len(shape) == 1] or [1]
        return cls(max(sides), max(sides) > LINEAR_UP_TO * min(sides), max(vectors))

    def side(self, n: int) -> float:
        """The drawn length of a side of ``n`` cells."""
        if self.log:
            return _log_height(n, self.largest_side)
        return max(SHORTEST, TALLEST * n / self.largest_side)

    def vector(self, n: int) -> float:
        """The height of a vector of ``n`` values."""
        return _log_height(n, max(self.longest_vector, 10))

    def block(self, shape: Shape) -> Block:
        """The slab of a feature map, or the bar of a vector."""
        if len(shape) == 3:
            h, w, c = shape
            depth = DEPTH * self.side(w)
            return Block(
                THICK_BASE + THICK_PER_DOUBLING * math.log2(max(c, 1)), self.side(h), depth
            )
        return Block(BAR, self.vector(math.prod(shape)), 0.0)


def _log_height(n: int, largest: int) -> float:
    """``n`` on a log scale from 1 (:data:`SHORTEST`) to ``largest`` (:data:`TALLEST`)."""
    if largest <= 1:
        return TALLEST
    return SHORTEST + (TALLEST - SHORTEST) * math.log(max(n, 1)) / math.log(largest)


@dataclass(frozen=True)
class Block:
    """A block's size in inches: its front face, and the offset of its back face."""

    width: float
    height: float
    depth: float

    @property
    def footprint(self) -> float:
        """Width with the depth offset: what the block takes across its column."""
        return self.width + self.depth


# Words.

NAME_WIDTH, NOTE_WIDTH = 16, 14
"""Characters per line before a name or a note is wrapped."""


def wrap_name(name: str, width: int = NAME_WIDTH) -> str:
    """``name`` broken after ``_``, ``.``, ``/`` or a space into lines of at most ``width``
    characters where it can be: ``global_average_`` / ``pooling2d_1``."""
    lines = [""]
    for token in re.findall(r"[^_./ ]+[_./ ]*|[_./ ]+", name):
        if lines[-1] and len(lines[-1].rstrip()) + len(token.rstrip()) > width:
            lines.append("")
        lines[-1] += token
    return "\n".join(line.rstrip() for line in lines)


def wrap_words(text: str, width: int = NOTE_WIDTH) -> str:
    """``text`` broken between words into lines of at most ``width`` characters where it
    can be, never inside parentheses: ``stride 2`` / ``(was 1)``; its own line breaks stay."""
    # textwrap breaks only at ASCII whitespace, so a no-break space holds a group together
    held = re.sub(r"\([^)]*\)", lambda m: m[0].replace(" ", "\u00a0"), text)
    lines = [
        w for part in held.split("\n") for w in textwrap.wrap(part, width, break_long_words=False)
    ]
    return "\n".join(lines).replace("\u00a0", " ") or text


def figure_title(report: Report, order: Order) -> str:
    """The trace figure's title: the model, its input, and whether it is compared."""
    model = report.original.model
    text = f"{model.name}, input {feature_text(ordered(model.input_shape, order))}"
    return text + (": with and without pooling" if report.compare else "")


def totals_text(report: Report, t: Trace) -> str:
    """``34,826 params`` and ``2.47M MACs``, for counterfactuals with their ratio to the
    original's; ``does not fit`` when the trace stopped."""
    totals = t.totals
    if totals is None:
        return "does not fit"
    versus = report.versus(t) if t is not report.original else None
    if versus is None:
        return f"{count(totals.params)} params\n{si(totals.macs)} MACs"
    return (
        f"{count(totals.params)} params ({ratio(versus.ratio('params'))})\n"
        f"{si(totals.macs)} MACs ({ratio(versus.ratio('macs'))})"
    )


def caption_text(report: Report, cols: Sequence[Column], scale: Scale, order: Order) -> str:
    """What the sizes mean, what was merged, and why a counterfactual stops."""
    side = "log scale" if scale.log else "linear"
    lines = [
        f"Feature maps {'C x H x W' if order == 'nchw' else 'H x W x C'}: height ~ H ({side}), "
        "depth ~ W, width ~ log2 C. "
        "Bars: flat vectors, height ~ log of their length.",
    ]
    merged = [n for c in cols if c.category not in BLOCKS for n in c.names[1:]]
    if merged:
        lines.append(
            "BatchNorm, activation and dropout layers keep the shape: each is "
            "drawn with the layer before it."
        )
    if any("\n<- " in c.config for c in cols):
        lines.append(
            "<-: what a layer reads, where not the block before it; where branches meet, "
            "the receptive field is the union of theirs."
        )
    if any(c.category is GROUP for c in cols):
        lines.append(
            "Each group of layers (sharing the first parts of their names, as trace --depth "
            "groups them) is drawn as one block, with the shape it outputs; (xN): N "
            "identical groups in a row."
        )
    if any(c.category is RESIDUAL for c in cols):
        lines.append(
            "Each residual block (its convolutions, BatchNorm, shortcut and add) "
            "is drawn as one block, with the shape it outputs."
        )
    if report.compare:
        lines.append(
            "Shapes per sample, in bold where a counterfactual's differs from the "
            "original's. Dashed outline: a pooling layer it removed or folded away."
        )
    else:
        lines.append("Shapes per sample.")
    for row in report.original.rows:
        if row.repeated:
            lines.append(
                f"{row.name} enlarges its input, {feature_text(ordered(row.input_shape, order))} "
                f"to {feature_text(ordered(row.output_shape, order))}: adaptive pooling keeps "
                "every value "
                "and repeats some."
            )
    batch = report.original.batch
    if batch is not None:
        lines.append(f"MACs for a batch of {batch}.")
    for t in report.compare:
        if t.problem is not None:
            lines.append(f"{t.label}: {t.problem.message}")
    return "\n".join(lines)
