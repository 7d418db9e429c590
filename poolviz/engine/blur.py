"""Anti-aliased (blur) max pooling, forward and backward: Zhang, "Making Convolutional Networks
Shift-Invariant Again" (ICML 2019), as the antialiased-cnns networks build it.

Max pooling with stride ``s`` is split into its two halves: the max with stride 1 (which does
not alias), then a low-pass filter that subsamples by ``s``. The filter is the normalised
binomial of ``filter_size`` taps (1..7: ``[1]``, ``[1, 1]``, ``[1, 2, 1]``, ``[1, 3, 3, 1]``, …,
the outer product of the row with itself divided by its sum), applied to each channel alone
after reflect padding of ``(f − 1)//2`` cells before and ``ceil((f − 1)/2)`` after on both
axes; antialiased-cnns' ``MaxPool2d(k, stride=1)`` then ``BlurPool(filt_size=4, stride=2)``.
One filter tap subsamples the max map (``x[::s, ::s]``, no padding), as their ``BlurPool`` does.

This is not Kornia's ``MaxBlurPool2D`` (a 3-tap filter by default, its own padding); poolviz
follows antialiased-cnns. The output is ``ceil(h'/s)`` by ``ceil(w'/s)`` for the max map's
``h' x w'``. The max stage is :func:`pool2d`, PyTorch's to the bit; the filter is summed tap by
tap in row-major order, which PyTorch's ``conv2d`` may round differently in the last bits.
Integer inputs give a float64 result (the max stage keeps the integers).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from poolviz.engine.backward import max_backward_into
from poolviz.engine.geometry import IntPair, as_pair
from poolviz.engine.pooling import pool2d, prepare
from poolviz.engine.windows import TILE_BYTES, as_nhwc, like_input
from poolviz.errors import PoolvizError

FILTER_SIZES = range(1, 8)
"""The binomial filters antialiased-cnns defines: 1 to 7 taps."""

BAND_BYTES = TILE_BYTES
"""Max map blurred at a time by :func:`blur_pool2d`: several small items, or a band of rows
of a large one."""


def binomial_row(filter_size: int) -> tuple[int, ...]:
    """Row ``filter_size − 1`` of Pascal's triangle: the unnormalised 1-D blur filter.

    >>> binomial_row(4)
    (1, 3, 3, 1)
    """
    _check_filter(filter_size)
    return tuple(math.comb(filter_size - 1, i) for i in range(filter_size))


def blur_filter(filter_size: int, dtype: np.dtype | type = np.float32) -> np.ndarray:
    """The (f, f) blur weights: the binomial row's outer product divided by its sum, rounded
    once in ``dtype`` (as antialiased-cnns divides its float32 filter by its sum).

    >>> blur_filter(2)
    array([[0.25, 0.25],
           [0.25, 0.25]], dtype=float32)
    """
    row = np.array(binomial_row(filter_size), dtype=np.int64)
    outer = np.outer(row, row)
    kind = np.dtype(dtype)
    result: np.ndarray = outer.astype(kind) / kind.type(outer.sum())
    return result


def blur_padding(filter_size: int) -> tuple[int, int]:
    """Reflect padding (before, after) on each axis: ``(f − 1)//2`` and ``ceil((f − 1)/2)``.

    >>> blur_padding(4), blur_padding(3), blur_padding(1)
    ((1, 2), (1, 1), (0, 0))
    """
    _check_filter(filter_size)
    return (filter_size - 1) // 2, filter_size // 2


def blur_pool2d(
    x: np.ndarray, size: IntPair = 2, stride: IntPair = 2, filter_size: int = 4
) -> np.ndarray:
    """Blur pooling of ``x`` (NHWC, or (H, W) / (H, W, C)): ``max_pool2d(x, size, stride=1)``,
    then :func:`blur_stage` with ``stride`` and ``filter_size``.

    A few items, or a band of output rows, at a time (about :data:`BAND_BYTES` of max map):
    the max map of those rows is blurred while it is still in cache, and the whole map (as
    large as the input) is never made.

    >>> x = np.array([[0.0, 0.0, 8.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    >>> blur_pool2d(x, 1, 2, 2)
    array([[0., 2.]])
    """
    x4 = as_nhwc(x)
    h, w = _max_map_shape(x4, size)
    n, c = x4.shape[0], x4.shape[3]
    (sh, sw), kh = as_pair(stride, "stride"), as_pair(size, "size")[0]
    out = _blurred(x4.dtype, (n, h, w, c), (sh, sw), filter_size)
    padded_rows, padded_cols = _reflected(h, w, filter_size)
    oh = out.shape[1]
    item_bytes = max(h * w * c * x4.itemsize, 1)
    step = max(1, BAND_BYTES // item_bytes)
    band = oh if item_bytes <= BAND_BYTES else max(1, oh * BAND_BYTES // item_bytes)
    for i in range(0, n, step):
        for r in range(0, oh, band):
            # the map rows the band's padded rows hold, and the input rows they pool
            rows = padded_rows[r * sh : (min(oh, r + band) - 1) * sh + filter_size]
            lo, hi = int(rows.min()), int(rows.max()) + 1
            m = pool2d(x4[i : i + step, lo : hi + kh - 1], size, 1)
            _blur_into(m, out[i : i + step, r : r + band], (sh, sw), rows - lo, padded_cols)
    return like_input(out, np.ndim(x))


def blur_stage(max_map: np.ndarray, stride: IntPair = 2, filter_size: int = 4) -> np.ndarray:
    """The second half of :func:`blur_pool2d`: ``max_map`` reflect-padded, filtered with
    :func:`blur_filter` per channel and sampled every ``stride`` cells; float dtypes kept,
    integers as float64."""
    m = as_nhwc(max_map)
    strides = as_pair(stride, "stride")
    out = _blurred(m.dtype, m.shape, strides, filter_size)
    _blur_into(m, out, strides, *_reflected(m.shape[1], m.shape[2], filter_size))
    return like_input(out, np.ndim(max_map))


def _blurred(
    dtype: np.dtype, shape: tuple[int, ...], stride: tuple[int, int], filter_size: int
) -> np.ndarray:
    """The empty output of blurring a max map of ``shape`` (NHWC) and ``dtype``: float kept,
    integers as float64 (PoolvizError where the map is too small to reflect)."""
    n, h, w, c = shape
    _reflected(h, w, filter_size)
    (sh, sw), kind = stride, dtype if dtype.kind == "f" else np.dtype(np.float64)
    return np.empty((n, (h - 1) // sh + 1, (w - 1) // sw + 1, c), dtype=kind)


def _blur_into(
    m: np.ndarray, out: np.ndarray, stride: tuple[int, int], rows: np.ndarray, cols: np.ndarray
) -> None:
    """Blur the NHWC max map ``m`` into ``out`` (:func:`_blurred`) with ``stride``: ``rows``
    and ``cols`` are the map's row (column) held by each row (column) of the padded map, from
    the one ``out``'s first row (column) starts at; the filter has ``len(cols) - w + 1`` taps.

    The filter is separable: the binomial row over the map's rows, then over the columns,
    each divided by the row's sum (a power of two, so every weight is exact, as the outer
    product's are). ``kh + kw`` passes instead of ``kh * kw``; the sum differs from
    ``conv2d``'s in its rounding only (it adds in its own order too). The reflected padding
    is gathered, of the rows before the first pass and, split by phase, of the columns
    before the second, whose taps then read contiguous runs."""
    oh, ow = out.shape[1:3]
    sh, sw = stride
    filter_size = len(cols) - m.shape[2] + 1
    row = np.array(binomial_row(filter_size), dtype=np.int64)
    weights = (row / row.sum()).astype(out.dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # as PyTorch: inf, and inf − inf NaN
        padded = np.take(m, rows, axis=1).astype(out.dtype, copy=False)
        down = _weighted_sum(
            [padded[:, a : a + (oh - 1) * sh + 1 : sh] for a in range(filter_size)], weights
        )
        phases = [np.take(down, cols[p::sw], axis=2) for p in range(min(sw, filter_size))]
        taps = [phases[b % sw][:, :, b // sw : b // sw + ow] for b in range(filter_size)]
        _weighted_sum(taps, weights, out)


def _weighted_sum(
    terms: list[np.ndarray], weights: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """``sum(weights[k] * terms[k])``, added from the first term (into ``out`` if given)."""
    total: np.ndarray = np.multiply(terms[0], weights[0], out=out)
    part = np.empty_like(total)
    for term, weight in zip(terms[1:], weights[1:], strict=True):
        np.multiply(term, weight, out=part)
        total += part
    return total


def blur_pool2d_backward(
    x: np.ndarray,
    grad_output: np.ndarray,
    size: IntPair = 2,
    stride: IntPair = 2,
    filter_size: int = 4,
) -> np.ndarray:
    """The gradient with respect to ``x`` given ``grad_output``, the gradient with respect to
    ``blur_pool2d(x, size, stride, filter_size)``: each output's gradient spread over its
    window of the padded max map by the filter's weights, the padding's share folded back onto
    the cells it reflects, then routed to each stride-1 window's argmax as max pooling does.
    Float inputs keep their dtype; integers give float64."""
    x4 = as_nhwc(x)
    sh, sw = as_pair(stride, "stride")
    n, h, w, c = x4.shape[0], *_max_map_shape(x4, size), x4.shape[3]
    dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
    oh, ow = (h - 1) // sh + 1, (w - 1) // sw + 1
    g = np.asarray(grad_output)
    expected = like_input(np.broadcast_to(0, (n, oh, ow, c)), np.ndim(x)).shape
    if g.shape != expected:
        raise PoolvizError(
            f"grad_output has shape {g.shape} but the blurred output has {expected}; "
            "pass one gradient per output cell"
        )
    g4 = as_nhwc(g).astype(dtype, copy=False)
    weights = blur_filter(filter_size, dtype)
    before, after = blur_padding(filter_size)
    # one spare cell past the end, as pool2d_backward's (no stride-1 window is over padding)
    cells = np.zeros(x4.size + 1, dtype=dtype)
    band = max(1, TILE_BYTES // max((w + before + after) * c * dtype.itemsize, 1))
    kh = x4.shape[1] - h + 1
    held, _ = _reflected(h, w, filter_size)
    with np.errstate(over="ignore", invalid="ignore"):
        for i, r0 in itertools.product(range(n), range(0, h, band)):
            # the band's map rows' gradient, routed to the argmax of their windows, adding
            # into the input's gradient in window order as one pass over the whole map does
            r1 = min(h, r0 + band)
            g_map = _map_grad(g4[i : i + 1], weights, (sh, sw), held, w, (r0, r1))
            x_band = x4[i : i + 1, r0 : r1 + kh - 1]
            _, _, rows, cols = prepare(x_band, size, 1, 0, {})
            first = (i * x4.shape[1] + r0) * x4.shape[2] * c
            max_backward_into(x_band, g_map, rows, cols, cells[first : first + x_band.size + 1])
    return like_input(cells[:-1].reshape(x4.shape), np.ndim(x))


def _map_grad(
    g4: np.ndarray,
    weights: np.ndarray,
    stride: tuple[int, int],
    held: np.ndarray,
    w: int,
    band: tuple[int, int],
) -> np.ndarray:
    """Rows ``band`` (r0, r1) of the gradient of the max map ``w`` wide whose reflect-padded
    rows hold its rows ``held`` (:func:`_reflected`), given ``g4``, the blurred output's: each
    output's gradient spread over its window of the padded map by ``weights``, then the
    padding's share folded back onto the cells it reflects. Only the padded rows these rows
    receive from are made; each cell's sum is added in the same order as over the whole map."""
    (r0, r1), (sh, sw) = band, stride
    f = weights.shape[0]
    before, after = blur_padding(f)
    h = len(held) - f + 1
    oh, ow = g4.shape[1:3]
    sources = np.flatnonzero((held >= r0) & (held < r1))
    p0, p1 = int(sources[0]), int(sources[-1]) + 1
    g_pad = np.zeros((g4.shape[0], p1 - p0, w + f - 1, g4.shape[3]), dtype=g4.dtype)
    for (a, b), weight in np.ndenumerate(weights):
        i0, i1 = max(0, -((a - p0) // sh)), min(oh, (p1 - 1 - a) // sh + 1)
        if i1 > i0:
            at = slice(a + i0 * sh - p0, a + (i1 - 1) * sh - p0 + 1, sh)
            g_pad[:, at, b : b + (ow - 1) * sw + 1 : sw] += weight * g4[:, i0:i1]
    core = g_pad[:, r0 + before - p0 : r1 + before - p0]
    # the padding's rows folded back in :func:`_unreflect`'s order: before the map, nearest
    # first; after it, in order
    for p in [*range(before - 1, -1, -1), *range(before + h, before + h + after)]:
        if r0 <= held[p] < r1:
            core[:, held[p] - r0] += g_pad[:, p - p0]
    return _unreflect(core, 2, w, before, after)


def _max_map_shape(x4: np.ndarray, size: IntPair) -> tuple[int, int]:
    """The stride-1 max map's height and width (PoolvizError where pooling would refuse)."""
    _, _, rows, cols = prepare(x4, size, 1, 0, {})
    return rows.out, cols.out


def _reflect(m: np.ndarray, filter_size: int) -> np.ndarray:
    """``m`` (NHWC) reflect-padded for a ``filter_size`` filter, as ``F.pad(mode='reflect')``:
    the edge cell is not repeated, so each side needs more cells than its padding."""
    padded_rows, padded_cols = _reflected(m.shape[1], m.shape[2], filter_size)
    padded: np.ndarray = m[:, padded_rows[:, None], padded_cols[None, :]]
    return padded


def _reflected(h: int, w: int, filter_size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row and each column of an ``h`` x ``w`` map reflect-padded for a
    ``filter_size`` filter, the map's row (column) it holds (PoolvizError where a side is too
    short to reflect)."""
    before, after = blur_padding(filter_size)
    if after and min(h, w) <= after:
        raise PoolvizError(
            f"a {filter_size}-tap filter reflects {after} cells past the edge of a {h}x{w} max "
            f"map, which needs at least {after + 1} per side; use a smaller filter or a larger "
            "input"
        )
    pads = (before, after)
    return np.pad(np.arange(h), pads, mode="reflect"), np.pad(np.arange(w), pads, mode="reflect")


def _unreflect(g: np.ndarray, axis: int, n: int, before: int, after: int) -> np.ndarray:
    """The gradient on a reflect-padded axis folded back onto its ``n`` real cells: padded
    cell ``before − 1 − i`` mirrors real cell ``i + 1``, padded cell ``n + i`` (after the real
    ones) mirrors real cell ``n − 2 − i``."""
    core = _along(g, axis, before, before + n)  # a view: the padding is read, not written
    for i in range(before):
        _along(core, axis, i + 1)[...] += _along(g, axis, before - 1 - i)
    for i in range(after):
        _along(core, axis, n - 2 - i)[...] += _along(g, axis, before + n + i)
    return core


def _along(a: np.ndarray, axis: int, index: int, end: int | None = None) -> np.ndarray:
    """The slice of ``a`` at ``index`` (to ``end``) along ``axis``, as a view that keeps the
    axis."""
    key: list[slice] = [slice(None)] * a.ndim
    key[axis] = slice(index, index + 1 if end is None else end)
    view: np.ndarray = a[tuple(key)]
    return view


def _check_filter(filter_size: int) -> None:
    """Refuse a filter antialiased-cnns does not define."""
    if not isinstance(filter_size, int | np.integer) or filter_size not in FILTER_SIZES:
        raise PoolvizError(
            f"filter_size {filter_size!r} has no binomial filter; "
            "use 1-7 taps (as antialiased-cnns)"
        )


@dataclass(frozen=True)
class BlurRun:
    """One blur pooling with both stages kept, for a report or figure to show: the stride-1
    max map, the same map reflect-padded, the filter and the output (all NHWC)."""

    input: np.ndarray
    max_map: np.ndarray
    """``max_pool2d(x, size, stride=1)``."""
    padded: np.ndarray
    """The max map reflect-padded by :attr:`pad` (before, after) on both axes, as float."""
    weights: np.ndarray
    """The (f, f) filter, :func:`blur_filter` in the padded map's dtype."""
    output: np.ndarray
    size: tuple[int, int]
    stride: tuple[int, int]
    filter_size: int
    pad: tuple[int, int]

    input_ndim: int = 4
    """Rank of the array the user passed (2, 3 or 4), for results in the same layout."""

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """:func:`blur_pool2d_backward` of this run (NHWC ``grad_output``; NHWC result)."""
        return blur_pool2d_backward(
            self.input, grad_output, self.size, self.stride, self.filter_size
        )

    def output_like_input(self) -> np.ndarray:
        """The output in the layout the user passed."""
        return like_input(self.output, self.input_ndim)

    def window(
        self, i: int, j: int, item: int = 0, channel: int = 0
    ) -> tuple[int, int, np.ndarray]:
        """Output (i, j)'s window over the padded map: its top row, left column and the
        (f, f) cells the weights multiply (output = ``(cells * weights).sum()``)."""
        oh, ow = self.output.shape[1:3]
        if not (0 <= i < oh and 0 <= j < ow):
            raise PoolvizError(
                f"output cell {i},{j} is outside the {oh}x{ow} output; "
                f"use rows 0-{oh - 1} and columns 0-{ow - 1}"
            )
        top, left, f = i * self.stride[0], j * self.stride[1], self.filter_size
        return top, left, self.padded[item, top : top + f, left : left + f, channel]


def explain_blur(
    x: np.ndarray, size: IntPair = 2, stride: IntPair = 2, filter_size: int = 4
) -> BlurRun:
    """:func:`blur_pool2d` of ``x`` keeping both stages (see :class:`BlurRun`).

    >>> run = explain_blur(np.arange(16.0).reshape(4, 4), 2, 2, 2)
    >>> run.max_map[0, :, :, 0].tolist(), run.window(0, 1)[:2]
    ([[5.0, 6.0, 7.0], [9.0, 10.0, 11.0], [13.0, 14.0, 15.0]], (0, 2))
    """
    max_map = as_nhwc(pool2d(x, size, 1))
    stride_pair = as_pair(stride, "stride")
    output = as_nhwc(blur_stage(max_map, stride_pair, filter_size))
    dtype = output.dtype
    return BlurRun(
        as_nhwc(x),
        max_map,
        _reflect(max_map.astype(dtype, copy=False), filter_size),
        blur_filter(filter_size, dtype),
        output,
        as_pair(size, "size"),
        stride_pair,
        filter_size,
        blur_padding(filter_size),
        np.ndim(x),
    )
