"""Experiments as data: what a shift does to a pooled output, max vs average vs global vs
strided convolution on one input, and an output size worked out step by step.

These are the claims of the text poolviz explains, computed instead of asserted. Every pooled
number comes from the engine (:func:`pool2d`, :func:`global_pool2d`, :func:`max_unpool2d`,
the window geometry of :class:`Axis`); nothing here pools a second time. Results are frozen
dataclasses of NHWC arrays and plain numbers, for the terminal, figure and JSON renderers to
draw as they are. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np

from poolviz.engine.backward import max_unpool2d
from poolviz.engine.explain import PoolResult, explain
from poolviz.engine.geometry import Axis, IntPair, PaddingArg, PoolSpec, axis
from poolviz.engine.pooling import global_pool2d, pool2d
from poolviz.engine.windows import as_nhwc, like_input
from poolviz.errors import PoolvizError
from poolviz.examples import SEED_EDGE

GENERATED_SIDE = 32
"""Side of the inputs the shift table is measured on when none is given: the 4x4 example is
too small for more than two layers of 2x2 pooling."""

TEXTURE_SEED = 0
"""Seed of the random texture, so the table and its figure can be reproduced."""

ShiftAxis = Literal["x", "y", "both"]
SHIFT_AXES: tuple[str, ...] = ("x", "y", "both")


@dataclass(frozen=True)
class Pooling:
    """Pooling arguments as the engine takes them (all of :func:`pool2d`'s but ``x``)."""

    size: IntPair = 2
    stride: IntPair | None = None
    padding: PaddingArg = 0
    dilation: IntPair = 1
    ceil_mode: bool = False
    count_include_pad: bool = True
    mode: str = "max"

    def _arguments(self, mode: str | None = None) -> dict[str, Any]:
        """Every field, as keyword arguments of :func:`pool2d`, :func:`explain` and
        :meth:`PoolSpec.make` (``mode`` overrides)."""
        return {**asdict(self), "mode": mode or self.mode}

    def spec(self) -> PoolSpec:
        """The validated configuration; raises PoolvizError where PyTorch would refuse it."""
        return PoolSpec.make(**self._arguments())

    def explain(self, x: np.ndarray, mode: str | None = None) -> PoolResult:
        """:func:`explain` of ``x`` with these arguments (``mode`` overrides)."""
        return explain(x, **self._arguments(mode))

    def apply(self, x: np.ndarray, mode: str | None = None) -> np.ndarray:
        """``pool2d`` of NHWC ``x`` with these arguments (``mode`` overrides)."""
        # return_indices=False: the overload that returns the output alone
        return pool2d(x, return_indices=False, **self._arguments(mode))


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where ``a`` and ``b`` differ, NaN matching NaN."""
    same: np.ndarray = (a == b) | (np.isnan(a) & np.isnan(b))
    return ~same


# Shifts


def shift_offsets(by: int, along: str) -> tuple[int, int]:
    """(rows down, columns right) for a shift of ``by`` pixels along ``x``, ``y`` or ``both``."""
    if along not in SHIFT_AXES:
        raise PoolvizError(f"unknown shift axis {along!r}; use x, y or both")
    if by < 1:
        raise PoolvizError(f"a shift must be at least 1 pixel, got {by}")
    return (by if along in ("y", "both") else 0, by if along in ("x", "both") else 0)


def shift_direction(along: str) -> str:
    """How a title says a shift along ``along`` goes: ``right``, ``down`` or ``right and down``."""
    return {"x": "right", "y": "down", "both": "right and down"}[along]


def shift_image(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """NHWC ``x`` with its content moved ``dy`` rows down and ``dx`` columns right: zeros move
    in at the top and left, and what moves past the bottom or right edge is gone (nothing wraps
    around, as when an object moves in a camera's field of view).

    >>> shift_image(np.arange(4.0).reshape(1, 2, 2, 1), 0, 1)[0, :, :, 0].tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """
    _, h, w, _ = x.shape
    out = np.zeros_like(x)
    if dy < h and dx < w:
        out[:, dy:, dx:] = x[:, : h - dy, : w - dx]
    return out


@dataclass(frozen=True)
class Span:
    """One window along an axis: its output index and the input cells it covers."""

    index: int
    """Output row or column."""
    first: int
    """First real input cell it reads."""
    last: int
    """Last real input cell it reads."""


@dataclass(frozen=True)
class EdgeMove:
    """Where a one-column feature goes under a sideways shift, and the windows reading it
    before and after: the same windows mean the pooled output cannot tell."""

    before: int
    """Input column before the shift."""
    after: int
    """Input column after; ``>= width`` when the feature moved out of the input."""
    windows_before: tuple[Span, ...]
    """Column windows reading ``before``."""
    windows_after: tuple[Span, ...]
    """Column windows reading ``after`` (none when it left the input or is dropped)."""
    width: int
    """Input columns: ``after >= width`` is off the input; below it, with no windows, the
    column is there but read by none (dropped)."""

    @property
    def same_windows(self) -> bool:
        """Whether exactly the same windows read the feature before and after."""
        return self.windows_before == self.windows_after


def _spans(ax: Axis, cell: int) -> tuple[Span, ...]:
    """The windows of ``ax`` reading input cell ``cell``, in order."""
    spans = []
    for i in range(ax.out):
        taps = ax.real_taps(i)
        if cell in taps:
            spans.append(Span(i, taps[0], taps[-1]))
    return tuple(spans)


@dataclass(frozen=True)
class ShiftCase:
    """One input and the same input shifted, each max-pooled (:func:`explain`, so renderers
    can show the windows and winners)."""

    title: str
    before: PoolResult
    """The input as given, pooled."""
    after: PoolResult
    """The shifted input, pooled with the same windows."""
    offsets: tuple[int, int]
    """(rows down, columns right)."""
    edge: EdgeMove | None = None
    """For the text's edge shifted sideways: where it goes and which windows read it."""

    @property
    def input(self) -> np.ndarray:
        return self.before.input

    @property
    def shifted(self) -> np.ndarray:
        return self.after.input

    @property
    def output(self) -> np.ndarray:
        return self.before.output

    @property
    def shifted_output(self) -> np.ndarray:
        return self.after.output

    @cached_property
    def changed(self) -> tuple[tuple[int, int], ...]:
        """Output cells (i, j) that differ in any item or channel, row-major."""
        mask = _differs(self.output, self.shifted_output).any(axis=(0, 3))
        return tuple((int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True))

    @property
    def cell_count(self) -> int:
        """Output cells per plane."""
        return int(self.output.shape[1] * self.output.shape[2])


def shift_case(
    x: np.ndarray, by: int, along: str, pooling: Pooling, title: str, edge_column: int | None = None
) -> ShiftCase:
    """``x`` and ``x`` shifted by ``by`` along ``along``, both max-pooled; with ``edge_column``
    (a one-column feature, moved sideways only) also where the feature goes."""
    x4 = as_nhwc(np.asarray(x, dtype=float))
    dy, dx = shift_offsets(by, along)
    moved = like_input(shift_image(x4, dy, dx), np.ndim(x))
    before = pooling.explain(x, "max")
    after = pooling.explain(moved, "max")
    edge = None
    if edge_column is not None and dy == 0:
        cols = before.cols
        after_column = edge_column + dx
        edge = EdgeMove(
            edge_column,
            after_column,
            _spans(cols, edge_column),
            _spans(cols, after_column) if after_column < cols.n else (),
            cols.n,
        )
    return ShiftCase(title, before, after, (dy, dx), edge)


def seed_shift_cases(by: int, along: str, pooling: Pooling) -> tuple[ShiftCase, ShiftCase]:
    """The text's edge (column 2) and the same edge one column left (column 1), each shifted.

    With 2x2 windows and a 1-pixel shift right, column 2 -> 3 stays inside one window (the
    output stays ``0 8 / 0 9``), while column 1 -> 2 crosses into the next (``8 0 / 9 0``
    becomes ``0 8 / 0 9``).
    """
    left = np.roll(SEED_EDGE, -1, axis=1)  # the column of zeros it wraps is zeros: no loss
    way = shift_direction(along)
    return (
        shift_case(SEED_EDGE, by, along, pooling, f"the edge in column 2, {by} {way}", 2),
        shift_case(left, by, along, pooling, f"the same edge in column 1, {by} {way}", 1),
    )


@dataclass(frozen=True)
class Source:
    """Inputs a row of the table is measured over."""

    name: str
    """Short name in the table: ``edge``, ``texture`` or the input's name."""
    description: str
    """One line saying what the inputs are."""
    inputs: np.ndarray
    """NHWC; each item is one input."""


@dataclass(frozen=True)
class ToleranceRow:
    """How much ``layers`` stacked poolings notice a shift of ``shift`` pixels."""

    source: str
    layers: int
    shift: int
    output_shape: tuple[int, int] | None
    """(oh, ow) after ``layers`` poolings; None when the window no longer fits."""
    unchanged_fraction: float | None
    """Output values (all items, channels, cells) equal with and without the shift."""
    mean_abs_change: float | None
    """Mean absolute change of the output values, divided by the range they span (shifted
    and unshifted together); 0 when that range is 0."""
    identical: int | None
    """Inputs whose whole output is unchanged."""
    inputs: int
    """Inputs measured."""

    @property
    def fits(self) -> bool:
        return self.output_shape is not None


@dataclass(frozen=True)
class Trend:
    """What one source's table says about the text's claim that deeper stacks of pooling
    tolerate shifts better: unchanged outputs at the first and deepest measured depth."""

    source: str
    deepest: int
    """Deepest number of layers that fits."""
    shifts: tuple[int, ...]
    first: tuple[float, ...]
    """Unchanged fraction with one layer, per shift."""
    last: tuple[float, ...]
    """Unchanged fraction at ``deepest`` layers, per shift."""
    first_identical: tuple[float, ...]
    """Share of inputs with an identical output, one layer, per shift."""
    last_identical: tuple[float, ...]

    TOLERANCE = 0.01
    """Changes in a fraction smaller than this count as no change."""

    @property
    def signs(self) -> tuple[int, ...]:
        """Per shift: 1 if the deepest stack leaves more output values unchanged than one
        layer, -1 if fewer, 0 if within :attr:`TOLERANCE`."""
        return tuple(
            _sign(b - a, self.TOLERANCE) for a, b in zip(self.first, self.last, strict=True)
        )

    @property
    def verdict(self) -> Literal["more", "fewer", "same", "mixed", "shallow"]:
        """``more``: the deepest stack leaves more output values unchanged than one layer at
        some shift and fewer at none; ``fewer`` the reverse; ``same``: no shift differs by
        :attr:`TOLERANCE`; ``mixed``: more at some shifts, fewer at others; ``shallow`` when
        only one depth fits."""
        if self.deepest < 2:
            return "shallow"
        signs = set(self.signs)
        if -1 not in signs and 1 in signs:
            return "more"
        if 1 not in signs and -1 in signs:
            return "fewer"
        if signs == {0}:
            return "same"
        return "mixed"


def _sign(value: float, tolerance: float) -> int:
    return 0 if abs(value) < tolerance else (1 if value > 0 else -1)


@dataclass(frozen=True)
class ToleranceTable:
    """Shift tolerance measured for 1..``layers`` stacked poolings and shifts 1..``shifts``."""

    sources: tuple[Source, ...]
    rows: tuple[ToleranceRow, ...]
    """Per source, per depth, per shift, in that order."""
    layers: int
    shifts: int
    along: str
    spec: PoolSpec

    def of(self, source: str) -> tuple[ToleranceRow, ...]:
        """The rows of one source."""
        return tuple(r for r in self.rows if r.source == source)

    def trend(self, source: str) -> Trend:
        """One layer against the deepest that fits, for ``source``."""
        rows = [r for r in self.of(source) if r.fits]
        deepest = max(r.layers for r in rows)

        def at(layers: int) -> list[ToleranceRow]:
            return [r for r in rows if r.layers == layers]

        first, last = at(1), at(deepest)
        return Trend(
            source,
            deepest,
            tuple(r.shift for r in first),
            tuple(float(r.unchanged_fraction or 0) for r in first),
            tuple(float(r.unchanged_fraction or 0) for r in last),
            tuple((r.identical or 0) / r.inputs for r in first),
            tuple((r.identical or 0) / r.inputs for r in last),
        )


def generated_sources(along: str, side: int = GENERATED_SIDE) -> tuple[Source, Source]:
    """The inputs the table uses when none is given: the text's edge (its column ``8 7 9 6``
    repeated down ``side`` rows) at every column, turned to a row at every row for shifts
    along y so the shift always crosses it; and a uniform random texture (seed
    :data:`TEXTURE_SEED`)."""
    column = np.resize(SEED_EDGE[:, 2], side)
    edges = np.zeros((side, side, side, 1))
    for k in range(side):
        edges[k, :, k, 0] = column
    line = "column"
    if along == "y":
        edges = edges.transpose(0, 2, 1, 3).copy()
        line = "row"
    texture = np.random.default_rng(TEXTURE_SEED).random((1, side, side, 1))
    return (
        Source(
            "edge",
            f"a vertical edge (8 7 9 6 repeated) in each {line} of a {side}x{side} map, "
            f"{side} inputs",
            edges,
        ),
        Source(
            "texture",
            f"a random {side}x{side} texture, uniform 0-1, seed {TEXTURE_SEED}",
            texture,
        ),
    )


def emptying_shift(sources: Sequence[Source], along: str) -> int:
    """The shift along ``along`` that moves all of every source out of view (its width for
    ``x``, its height for ``y``, the smaller of the two for ``both``): a table of larger
    shifts would only repeat that row."""
    sides = [
        {"x": int(w), "y": int(h), "both": int(min(h, w))}[along]
        for h, w in (s.inputs.shape[1:3] for s in sources)
    ]
    return max(sides)


def tolerance_table(
    sources: Sequence[Source], pooling: Pooling, layers: int, shifts: int, along: str
) -> ToleranceTable:
    """Measure, for 1..``layers`` stacked max poolings (each with ``pooling``'s arguments) and
    shifts of 1..``shifts`` pixels along ``along``, how much of the output changes.

    A depth whose window no longer fits the previous output is reported with None values
    rather than refused; a configuration that does not fit even once raises PoolvizError.
    """
    if layers < 1 or shifts < 1:
        raise PoolvizError("layers and shifts must be at least 1")
    spec = pooling.spec()
    rows: list[ToleranceRow] = []
    for source in sources:
        count = source.inputs.shape[0]
        spec.axes(source.inputs.shape[1], source.inputs.shape[2])  # raise if it never fits
        for shift in range(1, shifts + 1):
            dy, dx = shift_offsets(shift, along)
            a, b = source.inputs, shift_image(source.inputs, dy, dx)
            fits = True
            for depth in range(1, layers + 1):
                fits = fits and _fits(spec, a.shape)
                if not fits:
                    rows.append(
                        ToleranceRow(source.name, depth, shift, None, None, None, None, count)
                    )
                    continue
                a, b = pooling.apply(a, "max"), pooling.apply(b, "max")
                rows.append(_measure(source.name, depth, shift, a, b, count))
    order = {s.name: k for k, s in enumerate(sources)}
    rows.sort(key=lambda r: (order[r.source], r.layers, r.shift))
    return ToleranceTable(tuple(sources), tuple(rows), layers, shifts, along, spec)


def _fits(spec: PoolSpec, shape: tuple[int, ...]) -> bool:
    try:
        spec.axes(shape[1], shape[2])
    except PoolvizError:
        return False
    return True


def _measure(
    source: str, layers: int, shift: int, a: np.ndarray, b: np.ndarray, count: int
) -> ToleranceRow:
    """One row: how ``b`` (pooled shifted inputs) differs from ``a`` (pooled inputs)."""
    differs = _differs(a, b)
    both = np.concatenate([a.ravel(), b.ravel()])
    finite = both[np.isfinite(both)]
    # The measure does not depend on the values' scale; dividing by the largest magnitude
    # first keeps the range and the changes of the largest floats from overflowing.
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    if scale > 0:
        a, b, finite = a / scale, b / scale, finite / scale
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    with np.errstate(invalid="ignore"):
        change = np.abs(a - b)
    change = np.where(differs & np.isfinite(change), change, 0.0)
    mean = float(change.mean() / span) if span > 0 else 0.0
    identical = int((~differs.reshape(count, -1)).all(axis=1).sum())
    return ToleranceRow(
        source,
        layers,
        shift,
        (int(a.shape[1]), int(a.shape[2])),
        float((~differs).mean()),
        mean,
        identical,
        count,
    )


# Max vs average vs global vs strided


@dataclass(frozen=True)
class Operation:
    """One way to shrink the input, and what it costs and keeps."""

    key: str
    """``max``, ``avg``, ``global_max``, ``global_avg`` or ``conv``."""
    name: str
    output: np.ndarray | None
    """NHWC; None when the configuration does not allow this operation (see ``note``)."""
    params: int
    """Parameters of the operation as run here: 0 for pooling; for the convolution its
    k·k weights per channel (a depthwise convolution, no bias)."""
    kept_fraction: float | None
    """Output values per input value, per channel."""
    reconstruction: np.ndarray | None = None
    """The input rebuilt from the output (max-unpooling or nearest-neighbour upsampling),
    NHWC; None where not defined."""
    reconstruction_error: float | None = None
    """Mean absolute difference between the input and ``reconstruction``."""
    rebuilt_by: str | None = None
    """How ``reconstruction`` was made."""
    learned_params: int | None = None
    """For the convolution: parameters of the full ``Conv2D(C, k, strides=s)`` a network
    would learn, k·k·C·C + C."""
    note: str | None = None
    """Why the operation or its reconstruction is missing."""


@dataclass(frozen=True)
class Comparison:
    """The text's alternatives to max pooling, all run on one input."""

    pooled: PoolResult
    """The max pooling run: the input (NHWC), the configuration and the window geometry."""
    weights: np.ndarray
    """The convolution's fixed (kh, kw) weights."""
    operations: tuple[Operation, ...]
    overlapping: bool
    """Whether windows overlap (stride below the window's span), so no reconstruction."""

    @property
    def input(self) -> np.ndarray:
        return self.pooled.input

    @property
    def spec(self) -> PoolSpec:
        return self.pooled.spec

    def operation(self, key: str) -> Operation:
        """The operation called ``key``."""
        (found,) = [op for op in self.operations if op.key == key]
        return found

    @property
    def conv_equals_average(self) -> bool:
        """Whether the convolution's output is exactly average pooling's (the averaging
        kernel over windows without padding)."""
        conv, avg = self.operation("conv").output, self.operation("avg").output
        return (
            conv is not None
            and avg is not None
            and conv.shape == avg.shape
            and bool(np.allclose(conv, avg, rtol=1e-12, atol=1e-12, equal_nan=True))
        )


def averaging_kernel(size: IntPair) -> np.ndarray:
    """The (kh, kw) kernel of equal weights summing to 1: a convolution that averages."""
    kh, kw = (size, size) if isinstance(size, int) else size
    return np.full((kh, kw), 1.0 / (kh * kw))


CONV_WORK = 2**31
"""The most multiply-adds :func:`depthwise_conv2d` runs (some seconds): compare's kernel is
the window, and ``-k 100000`` would need 10**10 weights before a single one was used."""


def conv_axes(
    shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: IntPair,
    padding: PaddingArg = 0,
    dilation: IntPair = 1,
) -> tuple[Axis, Axis]:
    """The windows of a (kh, kw) ``kernel`` over an NHWC input of ``shape``; raises
    PoolvizError where the kernel does not fit, or where the convolution would take more
    than :data:`CONV_WORK` multiply-adds."""
    n, h, wd, c = shape
    kh, kw = kernel
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    ph, pw = (padding, padding) if isinstance(padding, str | int) else padding
    rows = axis(h, kh, sh, ph, dh, name="height", pooling=False)
    cols = axis(wd, kw, sw, pw, dw, name="width", pooling=False)
    work = kh * kw * rows.out * cols.out * n * c
    if work > CONV_WORK:
        raise PoolvizError(
            f"a {kh}x{kw} convolution over this input would take {work:,} multiply-adds, "
            f"more than poolviz runs ({CONV_WORK:,}); use a smaller --size or a larger --stride"
        )
    return rows, cols


def depthwise_conv2d(
    x: np.ndarray,
    weights: np.ndarray,
    stride: IntPair,
    padding: PaddingArg = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Each channel of NHWC ``x`` convolved with the same (kh, kw) ``weights``, zero padding,
    no bias: PyTorch's ``conv2d(..., groups=C)`` with that kernel per channel, or Keras's
    ``DepthwiseConv2D`` (``same`` is Keras's, more padding at the bottom/right).

    As deep learning frameworks do, this is cross-correlation (the kernel is not flipped):
    ``out[i, j] = sum over a, b of w[a, b] * x[i*s + a*d - p, j*s + b*d - p]``.

    >>> depthwise_conv2d(np.arange(16.0).reshape(1, 4, 4, 1), np.full((2, 2), 0.25), 2)[..., 0]
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.size == 0:
        raise PoolvizError(
            f"convolution weights must be one 2-D matrix, got shape {w.shape}; "
            'use e.g. "0.25 0.25; 0.25 0.25"'
        )
    x4 = as_nhwc(x)
    n, h, wd, c = x4.shape
    rows, cols = conv_axes(x4.shape, w.shape, stride, padding, dilation)
    sh, sw, dh, dw = rows.stride, cols.stride, rows.dilation, cols.dilation
    tall = max(rows.pad_before + h, (rows.out - 1) * sh + rows.span)
    wide = max(cols.pad_before + wd, (cols.out - 1) * sw + cols.span)
    padded = np.zeros((n, tall, wide, c), dtype=np.result_type(x4.dtype, np.float64))
    padded[:, rows.pad_before : rows.pad_before + h, cols.pad_before : cols.pad_before + wd] = x4
    out = np.zeros((n, rows.out, cols.out, c), dtype=padded.dtype)
    # IEEE arithmetic as the frameworks do it: a sum past the largest float is infinite, and
    # infinities of both signs (or times a zero weight) give NaN, without a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        if w.size > max(64, rows.out * cols.out):
            # a large kernel over few outputs: one Python step per output cell, not per weight
            for i in range(rows.out):
                for j in range(cols.out):
                    patch = padded[
                        :, i * sh : i * sh + rows.span : dh, j * sw : j * sw + cols.span : dw
                    ]
                    out[:, i, j] = np.einsum("nabc,ab->nc", patch, w)
            return out
        for a in range(w.shape[0]):
            for b in range(w.shape[1]):
                r0, c0 = a * dh, b * dw
                tap = padded[
                    :,
                    r0 : r0 + (rows.out - 1) * sh + 1 : sh,
                    c0 : c0 + (cols.out - 1) * sw + 1 : sw,
                ]
                out += w[a, b] * tap
    return out


def nearest_upsample(values: np.ndarray, rows: Axis, cols: Axis) -> np.ndarray:
    """Each window's value put on every real input cell it covers (NHWC, the input's size);
    cells no window covers get 0. For windows that tile the input this is nearest-neighbour
    upsampling (Keras's ``UpSampling2D``). Assumes windows do not overlap."""
    owner_r = window_owners(rows)
    owner_c = window_owners(cols)
    picked = values[:, np.maximum(owner_r, 0)][:, :, np.maximum(owner_c, 0)]
    covered = (owner_r >= 0)[:, None] & (owner_c >= 0)[None, :]
    return np.where(covered[None, :, :, None], picked, 0.0)


def window_owners(ax: Axis) -> np.ndarray:
    """For each input cell along ``ax``, the window reading it (the last one), or -1."""
    owner = np.full(ax.n, -1)
    for i in range(ax.out):
        owner[ax.real_taps(i)] = i
    return owner


def _overlapping(ax: Axis) -> bool:
    return ax.stride < ax.span


def compare(x: np.ndarray, pooling: Pooling, weights: np.ndarray | None = None) -> Comparison:
    """Max, average, global max and global average pooling and a strided convolution (fixed
    ``weights``, default :func:`averaging_kernel` of the window size) of ``x``; for windows
    that do not overlap also the input rebuilt from max (unpooling) and from average
    (nearest-neighbour upsampling) with its mean absolute error."""
    pooled = pooling.explain(np.asarray(x, dtype=float), "max")
    x4, spec, rows, cols = pooled.input, pooled.spec, pooled.rows, pooled.cols
    _, h, w, c = x4.shape
    if weights is None:  # refuse a kernel too large before making it
        conv_axes(x4.shape, spec.size, spec.stride, spec.padding, spec.dilation)
    kernel = averaging_kernel(spec.size) if weights is None else np.asarray(weights, dtype=float)
    overlapping = _overlapping(rows) or _overlapping(cols)
    cells = h * w

    def kept(out: np.ndarray) -> float:
        return float(out.shape[1] * out.shape[2] / cells)

    def error(rebuilt: np.ndarray) -> float:
        """Mean |input - rebuilt| over the cells where both are finite (NaN if none); each
        term is divided by their count before the sum, so only a mean that is itself past
        the largest float is infinite."""
        known = np.isfinite(x4) & np.isfinite(rebuilt)
        if not known.any():
            return float("nan")
        with np.errstate(over="ignore"):
            diff = np.abs(x4[known] - rebuilt[known])
            return float(np.sum(diff / diff.size))

    def with_rebuild(op: Operation, rebuilt: np.ndarray, by: str) -> Operation:
        """``op`` with the input rebuilt from its output by ``by``, and that rebuild's error."""
        return replace(
            op, reconstruction=rebuilt, reconstruction_error=error(rebuilt), rebuilt_by=by
        )

    no_rebuild = "windows overlap: a cell belongs to several windows" if overlapping else None
    values, indices = pooled.output, pooled.indices
    assert indices is not None  # max pooling records them
    max_op = Operation("max", "max pooling", values, 0, kept(values), note=no_rebuild)
    if not overlapping:
        unpooled = max_unpool2d(values, indices, spec.size, spec.stride, output_size=(h, w))
        max_op = with_rebuild(max_op, unpooled, "max-unpooling")
    try:
        averaged = pooling.apply(x4, "avg")
    except PoolvizError as err:
        avg_op = Operation("avg", "average pooling", None, 0, None, note=err.message)
    else:
        avg_op = Operation("avg", "average pooling", averaged, 0, kept(averaged), note=no_rebuild)
        if not overlapping:
            upsampled = nearest_upsample(averaged, rows, cols)
            avg_op = with_rebuild(avg_op, upsampled, "nearest-neighbour upsampling")
    conv = depthwise_conv2d(x4, kernel, spec.stride, spec.padding, spec.dilation)
    kh, kw = kernel.shape
    conv_note = "convolutions have no ceil mode: computed without it" if spec.ceil_mode else None
    operations = (
        max_op,
        avg_op,
        Operation("global_max", "global max pooling", global_pool2d(x4, "max"), 0, 1 / cells),
        Operation("global_avg", "global average pooling", global_pool2d(x4, "avg"), 0, 1 / cells),
        Operation(
            "conv",
            "strided convolution",
            conv,
            kh * kw * c,
            kept(conv),
            learned_params=kh * kw * c * c + c,
            note=conv_note,
        ),
    )
    return Comparison(pooled, kernel, operations, overlapping)


# Output size


@dataclass(frozen=True)
class SizeDim:
    """The output size along one axis, worked out, and which cells the windows use."""

    name: str
    """``height``, ``width`` or ``length``."""
    axis: Axis
    steps: tuple[str, ...]
    """The formula with this axis's numbers, one line per step (see :func:`size_steps`)."""
    dropped: tuple[int, ...]
    """Input cells no window reads."""
    padding_used: tuple[int, ...]
    """Padding cells some window reads: negative before the input, ``>= n`` after it."""
    overhang: tuple[int, ...]
    """Cells past the input and its padding that a ceil-mode window reaches; they are never
    counted (not in a max, not in an average's divisor)."""

    @property
    def input(self) -> int:
        return self.axis.n

    @property
    def output(self) -> int:
        return self.axis.out

    @property
    def padding(self) -> tuple[int, int]:
        """Padding cells (before, after)."""
        return self.axis.pad_before, self.axis.pad_after


@dataclass(frozen=True)
class SizeResult:
    """The output-size calculator's answer for every axis."""

    dims: tuple[SizeDim, ...]
    """One per axis: (length,) or (height, width)."""
    spec: PoolSpec
    channels: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(d.input for d in self.dims)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(d.output for d in self.dims)

    @property
    def kept_fraction(self) -> float:
        """Output values per input value."""
        return float(np.prod(self.output_shape) / np.prod(self.input_shape))


MAX_LENGTH = 1_000_000
"""Longest axis the calculator lists cell by cell."""


def size_steps(ax: Axis, name: str = "out") -> tuple[str, ...]:
    """The output size of ``ax`` worked out one step per line.

    PyTorch: ``floor((n + 2p − d·(k−1) − 1) / s) + 1``; with ``ceil_mode`` a ceiling, and the
    last window dropped again if it would start at or past the input's end (it must start
    inside the input or its left padding: ``(out−1)·s − p < n``, PyTorch's
    ``pooling_output_shape``). Keras/TensorFlow ``same``: ``ceil(n / s)``, total padding
    ``max((out−1)·s + d·(k−1) + 1 − n, 0)``, the odd cell at the bottom/right.

    >>> for line in size_steps(axis(13, 2)): print(line)
    out = floor((n + 2p − d·(k−1) − 1) / s) + 1
        = floor((13 + 2·0 − 1·(2−1) − 1) / 2) + 1
        = floor(11 / 2) + 1
        = 5 + 1 = 6
    """
    n, k, s, d = ax.n, ax.size, ax.stride, ax.dilation
    pad = " " * len(name)
    if ax.same:
        total = ax.pad_before + ax.pad_after
        raw = (ax.out - 1) * s + d * (k - 1) + 1 - n
        split = (
            "no padding"
            if total == 0
            else f"split: {ax.pad_before} before (top/left), {ax.pad_after} after (bottom/right)"
            + ("; the odd cell goes after" if total % 2 else "")
        )
        return (
            f"{name} = ceil(n / s) = ceil({n} / {s}) = {ax.out}",
            "padding = max((out−1)·s + d·(k−1) + 1 − n, 0)",
            f"        = max(({ax.out}−1)·{s} + {d}·({k}−1) + 1 − {n}, 0) = max({raw}, 0) = {total}",
            split,
        )
    p = ax.pad_before
    numer = n + 2 * p - d * (k - 1) - 1
    rounding = "ceil" if ax.ceil_mode else "floor"
    rounded = -(-numer // s) if ax.ceil_mode else numer // s
    lines = [
        f"{name} = {rounding}((n + 2p − d·(k−1) − 1) / s) + 1",
        f"{pad} = {rounding}(({n} + 2·{p} − {d}·({k}−1) − 1) / {s}) + 1",
        f"{pad} = {rounding}({numer} / {s}) + 1",
        f"{pad} = {rounded} + 1 = {rounded + 1}",
    ]
    if ax.ceil_mode:
        start = rounded * s - p
        lines.append("ceil mode: the last window must start inside the input or its left padding")
        verdict = (
            f"≥ {n} (past the input): drop it, {name} = {ax.out}"
            if rounded + 1 != ax.out
            else f"< {n} (inside the input): keep it"
        )
        lines.append(f"{pad}   its start = ({rounded + 1}−1)·{s} − {p} = {start} {verdict}")
    return tuple(lines)


def _padding_cells(ax: Axis) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(padding cells read, overhang cells read) along ``ax``."""
    reached: set[int] = set()
    for i in range(ax.out):
        if ax.start(i) >= 0 and ax.start(i) + ax.span <= ax.n:
            continue
        reached.update(t for t in ax.taps(i) if not 0 <= t < ax.n)
    limit = ax.n + ax.pad_after
    used = tuple(sorted(t for t in reached if -ax.pad_before <= t < limit))
    overhang = tuple(sorted(t for t in reached if t >= limit))
    return used, overhang


def output_sizes(lengths: Sequence[int], pooling: Pooling, channels: int = 1) -> SizeResult:
    """The output size of each axis of ``lengths`` ((n,) or (h, w)) under ``pooling``, with
    the worked formula, dropped cells and used padding; raises PoolvizError where PyTorch (or
    Keras, for ``same``) would refuse the configuration."""
    if len(lengths) not in (1, 2):
        raise PoolvizError(f"give one length or height and width, got {len(lengths)} values")
    if channels < 1:
        raise PoolvizError(f"channels must be at least 1, got {channels}")
    for n in lengths:
        if not 1 <= n <= MAX_LENGTH:
            raise PoolvizError(
                f"length {n} is out of range; use 1 to {MAX_LENGTH:,}".replace(",", " ")
            )
    spec = pooling.spec()
    if len(lengths) == 1:
        pairs = {"size": spec.size, "stride": spec.stride, "dilation": spec.dilation}
        if not isinstance(spec.padding, str):
            pairs["padding"] = spec.padding
        for option, pair in pairs.items():
            if pair[0] != pair[1]:
                raise PoolvizError(
                    f"{option} {pair[0]}x{pair[1]} has two axes but the input has one length; "
                    "give HxW or one number"
                )
        h = w = lengths[0]
        names: tuple[str, ...] = ("length",)
    else:
        h, w = lengths
        names = ("height", "width")
    try:
        rows, cols = spec.axes(h, w)
    except PoolvizError as err:
        if len(lengths) == 1 and "does not fit" in err.message:
            raise PoolvizError(
                f"a window of {spec.size[0]} does not fit a length of {h} with padding "
                f"{spec.padding_label}; use a smaller --size or add --padding"
            ) from None
        raise
    dims = []
    for ax, name in zip((rows, cols), names, strict=False):
        dropped = tuple(k for k, count in enumerate(ax.reads()) if count == 0)
        used, overhang = _padding_cells(ax)
        dims.append(SizeDim(name, ax, size_steps(ax), dropped, used, overhang))
    return SizeResult(tuple(dims), spec, channels)
