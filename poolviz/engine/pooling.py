"""Max and average pooling forward, with PyTorch's argmax indices.

Every function takes NHWC (N, H, W, C), or (H, W) and (H, W, C), and returns results of the
input's rank. Channels never mix. The numbers are PyTorch's (``torch.nn.functional.max_pool2d``
and ``avg_pool2d``):

- max: the first maximum in row-major window order wins ties; a window holding NaN gives NaN,
  and its index is the last NaN in that order (NaN beats everything, a later NaN an earlier one).
- indices are ``h * W + w`` in the unpadded (n, c) plane, int64; a window over padding alone
  gives -inf (the dtype's minimum for integers) and index -1.
- average: the window's sum over its real cells, divided by the divisor of
  :meth:`Axis.avg_divisor` (explicit padding counts when ``count_include_pad``; ``same``
  padding and the ceil-mode overhang never do).
- dtypes: floats keep their dtype; integer max keeps its dtype; integer average is the exact
  mean as float64.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal, Unpack, overload

import numpy as np

from poolviz.engine.geometry import Axis, IntPair, PaddingArg, PoolOptions, PoolSpec
from poolviz.engine.windows import (
    Scratch,
    Tile,
    as_nhwc,
    code_dtype,
    empty_indices,
    in_band_order,
    like_input,
    max_windows,
    pixel_type,
    spare_phase,
    sum_windows,
    tiles,
    window_taps,
)
from poolviz.errors import PoolvizError


def prepare(
    x: np.ndarray, size: IntPair, stride: IntPair | None, padding: PaddingArg, options: PoolOptions
) -> tuple[np.ndarray, PoolSpec, Axis, Axis]:
    """The checks every pooling call makes: ``x`` as NHWC, the validated spec, and the windows
    along height and width (PoolvizError where PyTorch would refuse)."""
    spec = PoolSpec.make(size, stride, padding, **options)
    x4 = as_nhwc(x)
    rows, cols = spec.axes(x4.shape[1], x4.shape[2])
    return x4, spec, rows, cols


@overload
def pool2d(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = ...,
    padding: PaddingArg = ...,
    *,
    return_indices: Literal[False] = ...,
    **options: Unpack[PoolOptions],
) -> np.ndarray: ...


@overload
def pool2d(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = ...,
    padding: PaddingArg = ...,
    *,
    return_indices: Literal[True],
    **options: Unpack[PoolOptions],
) -> tuple[np.ndarray, np.ndarray]: ...


def pool2d(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = None,
    padding: PaddingArg = 0,
    *,
    return_indices: bool = False,
    **options: Unpack[PoolOptions],
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Pool ``x`` with windows of ``size`` (an int or (h, w)), as PyTorch's ``max_pool2d`` /
    ``avg_pool2d`` do; ``stride`` None means the size; ``padding`` an int, a pair, ``'valid'``
    or ``'same'`` (Keras); ``options`` are ``mode`` ('max' or 'avg'), ``dilation``,
    ``ceil_mode``, ``count_include_pad`` and ``divisor_override`` (:class:`PoolOptions`).
    Returns the pooled array, and with ``return_indices`` (max only) the int64 argmax indices
    of the same shape.

    >>> x = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]])
    >>> pool2d(x, 2)
    array([[6, 8],
           [4, 7]])
    >>> pool2d(x, 2, return_indices=True)[1]
    array([[ 5,  6],
           [ 9, 10]])
    """
    x4, spec, rows, cols = prepare(x, size, stride, padding, options)
    if return_indices and spec.mode != "max":
        raise PoolvizError(
            "indices exist for max pooling only; use mode 'max' or drop return_indices"
        )
    if spec.mode == "avg":
        output = avg_pool_nhwc(x4, rows, cols, spec.count_include_pad, spec.divisor_override)
        return like_input(output, np.ndim(x))
    values, indices = max_pool_nhwc(x4, rows, cols, return_indices)
    if indices is None:
        return like_input(values, np.ndim(x))
    return like_input(values, np.ndim(x)), like_input(indices, np.ndim(x))


def global_pool2d(x: np.ndarray, mode: str) -> np.ndarray:
    """One value per channel: ``pool2d(x, (H, W), mode=mode)``, shape (N, 1, 1, C) for NHWC.

    A reduction over the whole plane, not the window passes (whose cost grows with the
    window's side: a 1x1000000 row took seconds). The numbers are PyTorch's: the max is the
    first maximum in row-major order (which decides only the sign of a zero), and the sum is
    added one cell at a time in row-major order in the accumulation dtype, as its kernel
    does, then divided by H * W.
    """
    if mode not in ("max", "avg"):
        raise PoolvizError(f"unknown global pooling mode {mode!r}; use 'max' or 'avg'")
    x4 = as_nhwc(x)
    n, h, w, c = x4.shape
    cells = x4.reshape(n, h * w, c)
    if mode == "max":
        out = cells.max(axis=1)
        if out.dtype.kind == "f" and (zero := out == 0).any():
            first = (cells == 0).argmax(axis=1)[:, None, :]
            out = np.where(zero, np.take_along_axis(cells, first, axis=1)[:, 0], out)
    else:
        acc = (
            np.dtype(np.float64) if x4.dtype.kind in "biu" else np.result_type(x4.dtype, np.float32)
        )
        with np.errstate(over="ignore", invalid="ignore"):  # as PyTorch: inf, or NaN
            total = _row_major_sum(cells, acc)
            out = (total / acc.type(h * w)).astype(
                np.float64 if x4.dtype.kind in "biu" else x4.dtype, copy=False
            )
    return like_input(out[:, None, None, :], np.ndim(x))


_SUM_CHUNK = 1 << 16
"""Cells per step of a single-channel running sum."""


def _row_major_sum(cells: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """The sum over axis 1 of (N, cells, C), one addition at a time in order. NumPy reduces
    an outer axis so; a single channel leaves only the inner axis, which NumPy sums pairwise,
    so it is accumulated in chunks instead, carrying the running total."""
    n, count, c = cells.shape
    if c > 1:
        summed: np.ndarray = np.add.reduce(cells, axis=1, dtype=dtype)
        return summed
    total = np.zeros((n, 1), dtype=dtype)
    for start in range(0, count, _SUM_CHUNK):
        part = cells[:, start : start + _SUM_CHUNK, 0].astype(dtype)
        part[:, :1] += total
        np.add.accumulate(part, axis=1, out=part)
        total = part[:, -1:]
    return total


INDEX_BAND_BYTES = 9 << 18
"""Scratch of one band of max pooling with indices (:meth:`IndexMap.row_bytes`): half a ResNet
stem image (28 rows), whose extra memory then stays within a fifth of the values' size: a band
costs about 50 us of Python and NumPy calls whatever its size, so fewer bands run faster."""


def max_pool_nhwc(
    x: np.ndarray, rows: Axis, cols: Axis, return_indices: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Max pooling of a 4-D NHWC array over the windows ``rows`` x ``cols``, tile by tile
    (:func:`~poolviz.engine.windows.max_windows`); with ``return_indices`` also the int64 flat
    indices, converted from each tile's offset codes while they are in cache."""
    n, _, w, c = x.shape
    out = np.empty((n, rows.out, cols.out, c), dtype=x.dtype)
    scratch = Scratch()
    if not return_indices:
        if (taps := _direct_taps(rows, cols)) is not None:
            # on a tie maximum returns its second argument: the earlier tap
            first = x[:, taps[0][0], taps[0][1]]
            if len(taps) == 1:
                np.copyto(out, first)
            else:  # the first two taps in one pass, not a copy and then a pass
                np.maximum(x[:, taps[1][0], taps[1][1]], first, out=out)
            for r, k in taps[2:]:
                np.maximum(x[:, r, k], out, out=out)
            return out, None
        # per output row: a whole input row of maxima over rows, two gathered output rows
        row_bytes = (w + 2 * cols.out) * c * x.itemsize
        for tile in tiles(n, rows, row_bytes):
            max_windows(x, tile, cols, out[tile.items, tile.rows], None, scratch)
        return out, None
    index_map = IndexMap(rows, cols, w, c)
    indices = np.empty(out.shape, dtype=np.int64)
    row_bytes = index_map.row_bytes(x)
    for tile in in_band_order(tiles(n, rows, row_bytes, INDEX_BAND_BYTES, whole=0)):
        dest = out[tile.items, tile.rows]
        code = scratch.get("code", dest.shape, index_map.dtype)
        max_windows(x, tile, cols, dest, code, scratch, index_map.steps)
        index_map.put(code, tile, indices[tile.items, tile.rows])
    if empty_rows := list(empty_indices(rows)):
        indices[:, empty_rows] = -1
    if empty_cols := list(empty_indices(cols)):
        indices[:, :, empty_cols] = -1
    return out, indices


def _direct_taps(rows: Axis, cols: Axis) -> list[tuple[slice, slice]] | None:
    """The (rows, columns) input slices of every window tap in row-major order, where each
    tap is real for every window and there are no more taps than a separable pass takes
    (``kh·kw <= kh + kw``: 2x2, or one row or column): the max (or the sum) is then a pass
    per tap straight into the output, in the first maximum's (PyTorch's summing) order, with
    no intermediate at all (on an MNIST batch, twice as fast as the tiled passes). Otherwise
    None."""
    if rows.size * cols.size > rows.size + cols.size:
        return None
    by_axis = [window_taps(ax) for ax in (rows, cols)]
    for ax, taps in zip((rows, cols), by_axis, strict=True):
        if len(taps) != ax.size or any(t.out != slice(0, ax.out) for t in taps):
            return None
    return [(a.inp, b.inp) for a in by_axis[0] for b in by_axis[1]]


class IndexMap:
    """Offset codes to flat ``h * W + w`` indices. The code of window (i, j)'s tap (a, b) is
    ``a * dh * W + b * dw`` (:attr:`steps`), the tap's distance from the window's first cell
    in the flattened plane, so the index is ``start_h(i) * W + start_w(j)`` plus the code.
    With ``whole``, the indices are into the whole flattened NHWC array instead,
    ``((n * H + h) * W + w) * C + c``: where the backward pass adds each gradient."""

    def __init__(self, rows: Axis, cols: Axis, w: int, c: int, whole: bool = False) -> None:
        self.rows, self.cols, self.w, self.c = rows, cols, w, c
        self.unit = c if whole else 1
        """Index steps per pixel."""
        self.item = rows.n * w * c if whole else 0
        """Index steps per item of the batch (0: each plane counts from 0)."""
        self.steps = (rows.dilation * w * self.unit, cols.dilation * self.unit)
        """A code's step per row offset and per column offset of the window."""
        last = (rows.size - 1) * self.steps[0] + (cols.size - 1) * self.steps[1]
        self.dtype = code_dtype(last + 1)
        """The codes' type: the smallest that holds the largest."""
        lowest = -(rows.pad_before * w + cols.pad_before) * self.unit
        self.start_dtype = next(
            np.dtype(dt)
            for dt in (np.int16, np.int32, np.int64)
            if np.iinfo(dt).min <= lowest and rows.n * w * self.unit <= np.iinfo(dt).max
        )
        """The window starts' type: the smallest signed one (from int16) that holds every
        start and every index of a plane, so that a code plus its start fits the type the two
        promote to."""
        self.band = (slice(0, 0), np.empty((0, cols.out, 1), dtype=self.start_dtype))
        """The rows of the last :meth:`starts` and their starts."""

    def row_bytes(self, x: np.ndarray) -> int:
        """Scratch bytes per output row of max pooling of ``x`` with codes
        (:func:`max_windows`) and their indices: the columns-first intermediate (value, unless
        it is folded into a phase, :func:`spare_phase`; code and two temporaries of its type
        per cell, over stride rows), the input's rows split by phase, and the window starts
        (:meth:`starts`)."""
        ow, code = self.cols.out, self.dtype.itemsize
        phases = pixel_type(x, None) is not None  # as max_windows splits them
        in_place = phases and spare_phase(self.cols) is not None
        value = 0 if in_place else x.itemsize
        per_pixel = self.rows.stride * (ow * (value + 3 * code) + self.w * x.itemsize)
        starts = ow * self.start_dtype.itemsize * (self.c if self.item else 1)
        return per_pixel * self.c + starts

    def starts(self, rows: slice) -> np.ndarray:
        """(rows, ow, 1): the first cell in the plane of every window of output rows
        ``rows``, ``start_h(i) * W + start_w(j)``, in index steps; with ``whole`` (rows, ow,
        C), plus the channel. Kept for the last rows asked (callers go band by band)."""
        if self.band[0] != rows:
            i = np.arange(rows.start, rows.stop, dtype=np.int64) * self.rows.stride
            i = (i - self.rows.pad_before) * self.w
            j = np.arange(self.cols.out, dtype=np.int64) * self.cols.stride - self.cols.pad_before
            channels = np.arange(self.c, dtype=np.int64) if self.item else 0
            pixels = (i[:, None] + j[None, :])[:, :, None] * self.unit + channels
            self.band = (rows, pixels.astype(self.start_dtype))
        return self.band[1]

    def put(self, code: np.ndarray, tile: Tile, dest: np.ndarray) -> None:
        """Write the indices of ``tile`` (offset codes ``code``) into ``dest``: one add of
        small integers, cast to int64 as it is written (cheaper than adding in int64); the
        starts broadcast over the channels to keep the scratch small."""
        np.add(code, self.starts(tile.rows), out=dest, casting="unsafe")
        if self.item:
            items = np.arange(tile.items.start, tile.items.start + code.shape[0], dtype=np.int64)
            dest += (items * self.item)[:, None, None, None]


DIRECT_AVG_PIXEL = 64
"""Average pooling adds the taps straight into the output (no tiles, no scratch) where every
window has every tap and pixels have at least this many bytes: an MNIST batch's 32 float32
channels took 0.45 ms so against 0.79 ms in tiles (whose phases' scratch exceeded a fifth of
the output); a photo's 3 channels at a column stride took 10.2 ms against 6.7 ms in tiles."""


def avg_pool_nhwc(
    x: np.ndarray,
    rows: Axis,
    cols: Axis,
    count_include_pad: bool,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Average pooling of a 4-D NHWC array: window sums over real cells / the divisor (or
    ``divisor_override``), tile by tile; a tile whose windows share one divisor (the usual
    case) divides by a scalar. Where every window has every tap and pixels are long
    (:data:`DIRECT_AVG_PIXEL`), the taps are added straight into the output instead."""
    n, _, _, c = x.shape
    acc_dtype = (
        np.dtype(np.float64) if x.dtype.kind in "biu" else np.result_type(x.dtype, np.float32)
    )
    out_dtype = np.dtype(np.float64) if x.dtype.kind in "biu" else x.dtype
    div_h = np.array(_divisors(rows, count_include_pad), dtype=np.int64)
    div_w = np.array(_divisors(cols, count_include_pad), dtype=np.int64)
    if divisor_override is not None:  # PyTorch divides every window by it
        div_h, div_w = np.full(rows.out, divisor_override), np.ones(cols.out, dtype=np.int64)
    same_w = bool(div_w.min() == div_w.max())
    out = np.empty((n, rows.out, cols.out, c), dtype=out_dtype)
    long_pixels = c * x.itemsize >= DIRECT_AVG_PIXEL
    if long_pixels and acc_dtype == out_dtype and (taps := _direct_taps(rows, cols)) is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            # from 0, as PyTorch's sum: 0 + x turns a -0.0 into 0.0
            np.add(x[:, taps[0][0], taps[0][1]], acc_dtype.type(0), out=out, casting="unsafe")
            for r, k in taps[1:]:
                np.add(out, x[:, r, k], out=out, casting="unsafe")
            np.divide(out, acc_dtype.type(div_h[0] * div_w[0]), out=out)
        return out
    scratch = Scratch()
    row_bytes = (x.shape[2] + 2 * cols.out) * c * acc_dtype.itemsize  # as for the max
    # as PyTorch, silently: a sum past the largest float is inf, and inf + -inf is NaN
    with np.errstate(over="ignore", invalid="ignore"):
        for tile in tiles(n, rows, row_bytes):
            dest = out[tile.items, tile.rows]
            total = dest if acc_dtype == out_dtype else scratch.get("total", dest.shape, acc_dtype)
            sum_windows(x, tile, cols, total, scratch)
            dh = div_h[tile.rows]
            divisor: Any = acc_dtype.type(dh[0] * div_w[0])
            if not same_w or dh.min() != dh.max():
                divisor = np.multiply.outer(dh, div_w).astype(acc_dtype)[None, :, :, None]
            np.divide(total, divisor, out=dest, casting="unsafe")
    return out


@lru_cache(maxsize=256)
def _divisors(ax: Axis, count_include_pad: bool) -> tuple[int, ...]:
    """:meth:`Axis.avg_divisor` of each window of ``ax``; PyTorch's divisor of window (i, j)
    is the product of the two axes' (as :func:`avg_divisors`)."""
    return tuple(ax.avg_divisor(i, count_include_pad) for i in range(ax.out))
