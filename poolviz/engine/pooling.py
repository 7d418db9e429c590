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

from typing import Any, Literal, overload

import numpy as np

from poolviz.engine.geometry import Axis, PaddingArg, PoolSpec, avg_divisors
from poolviz.engine.windows import (
    Tap,
    Tile,
    as_nhwc,
    axis_taps,
    empty_windows,
    input_rows,
    like_input,
    tiles,
)
from poolviz.errors import PoolvizError

IntPair = int | tuple[int, int]


@overload
def pool2d(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = ...,
    padding: PaddingArg = ...,
    *,
    mode: str = ...,
    dilation: IntPair = ...,
    ceil_mode: bool = ...,
    count_include_pad: bool = ...,
    return_indices: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def pool2d(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = ...,
    padding: PaddingArg = ...,
    *,
    mode: str = ...,
    dilation: IntPair = ...,
    ceil_mode: bool = ...,
    count_include_pad: bool = ...,
    return_indices: Literal[True],
) -> tuple[np.ndarray, np.ndarray]: ...


def pool2d(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = None,
    padding: PaddingArg = 0,
    *,
    mode: str = "max",
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    return_indices: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Pool ``x`` with windows of ``size`` (an int or (h, w)), as PyTorch's ``max_pool2d`` /
    ``avg_pool2d`` do; ``stride`` None means the size; ``padding`` an int, a pair, ``'valid'``
    or ``'same'`` (Keras). Returns the pooled array, and with ``return_indices`` (max only)
    the int64 argmax indices of the same shape.

    >>> x = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]])
    >>> pool2d(x, 2)
    array([[6, 8],
           [4, 7]])
    >>> pool2d(x, 2, return_indices=True)[1]
    array([[ 5,  6],
           [ 9, 10]])
    """
    spec = PoolSpec.make(
        size,
        stride,
        padding,
        mode=mode,
        dilation=dilation,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )
    if return_indices and spec.mode != "max":
        raise PoolvizError(
            "indices exist for max pooling only; use mode 'max' or drop return_indices"
        )
    x4 = as_nhwc(x)
    rows, cols = spec.axes(x4.shape[1], x4.shape[2])
    if spec.mode == "avg":
        return like_input(_avg_pool(x4, rows, cols, spec.count_include_pad), np.ndim(x))
    values, indices = max_pool_nhwc(x4, rows, cols, return_indices)
    if indices is None:
        return like_input(values, np.ndim(x))
    return like_input(values, np.ndim(x)), like_input(indices, np.ndim(x))


def global_pool2d(x: np.ndarray, mode: str) -> np.ndarray:
    """One value per channel: ``pool2d(x, (H, W), mode=mode)``, shape (N, 1, 1, C) for NHWC."""
    if mode not in ("max", "avg"):
        raise PoolvizError(f"unknown global pooling mode {mode!r}; use 'max' or 'avg'")
    x4 = as_nhwc(x)
    return pool2d(x, (x4.shape[1], x4.shape[2]), mode=mode)


def _fill_value(dtype: np.dtype[Any]) -> float | int | bool:
    """The identity of max for ``dtype``: what a window over padding alone holds."""
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return int(np.iinfo(dtype.type).min)


def _code_dtype(count: int) -> type[np.unsignedinteger]:
    """The smallest unsigned type that holds window offset codes 0..count."""
    for dt in (np.uint8, np.uint16, np.uint32):
        if count <= np.iinfo(dt).max:
            return dt
    return np.uint64


def max_pool_nhwc(
    x: np.ndarray, rows: Axis, cols: Axis, return_indices: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Max pooling of a 4-D NHWC array over the windows ``rows`` x ``cols``.

    The running argmax is kept as an offset code: 0 for "no real cell yet", else
    ``1 + window offset``. Offsets are visited in rising order, so "take this offset where it
    is strictly greater, or NaN, or the first real cell" is ``maximum(code, take * new)``.
    """
    n, _, w, c = x.shape
    fill = _fill_value(x.dtype)
    floating = x.dtype.kind == "f"
    out = np.empty((n, rows.out, cols.out, c), dtype=x.dtype)
    codes = (
        np.zeros(out.shape, dtype=_code_dtype(rows.size * cols.size)) if return_indices else None
    )
    col_taps = axis_taps(cols)
    row_bytes = rows.stride * cols.out * c * x.itemsize * (2 if return_indices else 1)
    for tile in tiles(n, rows, row_bytes):
        _max_tile(x, rows, cols, col_taps, fill, floating, tile, out, codes)
    if codes is None:
        return out, None
    return out, _codes_to_indices(codes, rows, cols, w)


def _max_tile(
    x: np.ndarray,
    rows: Axis,
    cols: Axis,
    col_taps: list[Tap],
    fill: float | int | bool,
    floating: bool,
    tile: Tile,
    out: np.ndarray,
    codes: np.ndarray | None,
) -> None:
    """Max of one tile: a pass over the window's columns, then one over its rows."""
    r0, r1 = input_rows(rows, tile.rows.start, tile.rows.stop)
    block = x[tile.items, r0:r1]
    ncols = out.shape[2]
    colmax = np.full((block.shape[0], r1 - r0, ncols, block.shape[3]), fill, dtype=x.dtype)
    colcode = None if codes is None else np.zeros(colmax.shape, dtype=codes.dtype)
    for tap in col_taps:
        _take_max(
            colmax[:, :, tap.out],
            colcode,
            (slice(None), slice(None), tap.out),
            block[:, :, tap.inp],
            tap.offset + 1,
            floating,
        )
    dest = out[tile.items, tile.rows]
    dest[...] = fill
    dest_code = None if codes is None else codes[tile.items, tile.rows]
    for tap in axis_taps(rows, tile.rows.start, tile.rows.stop, base=r0):
        new = colmax[:, tap.inp]
        if dest_code is None or colcode is None:
            np.maximum(dest[:, tap.out], new, out=dest[:, tap.out])
            continue
        # codes of row offset a are a*kw + (column code): larger than any earlier row's code
        row_code = colcode[:, tap.inp].astype(dest_code.dtype) + tap.offset * cols.size
        _take_max(
            dest[:, tap.out],
            dest_code,
            (slice(None), tap.out),
            new,
            row_code,
            floating,
            valid=colcode[:, tap.inp] > 0,
        )


def _take_max(
    best: np.ndarray,
    code: np.ndarray | None,
    where: tuple[slice, ...],
    new: np.ndarray,
    new_code: int | np.ndarray,
    floating: bool,
    valid: np.ndarray | None = None,
) -> None:
    """Fold ``new`` into the running max ``best`` (a view), and its code into ``code[where]``."""
    if code is None:
        np.maximum(best, new, out=best)
        return
    current = code[where]
    take = new > best
    if floating:
        take |= np.isnan(new)
    take |= current == 0
    if valid is not None:
        take &= valid
    np.maximum(current, take * new_code, out=current, casting="unsafe")
    np.maximum(best, new, out=best)


def _codes_to_indices(codes: np.ndarray, rows: Axis, cols: Axis, w: int) -> np.ndarray:
    """Flat ``h * W + w`` indices from offset codes; -1 for windows over padding alone."""
    kw = cols.size
    offset = codes.astype(np.int64) - 1
    a, b = np.divmod(offset, kw)
    starts_h = np.arange(rows.out, dtype=np.int64) * rows.stride - rows.pad_before
    starts_w = np.arange(cols.out, dtype=np.int64) * cols.stride - cols.pad_before
    h = starts_h[None, :, None, None] + a * rows.dilation
    col = starts_w[None, None, :, None] + b * cols.dilation
    indices: np.ndarray = h * w + col
    empty = empty_windows(rows)[:, None] | empty_windows(cols)[None, :]
    indices[:, empty] = -1
    return indices


def _avg_pool(x: np.ndarray, rows: Axis, cols: Axis, count_include_pad: bool) -> np.ndarray:
    """Average pooling of a 4-D NHWC array: window sums over real cells / the divisor."""
    n, _, _, c = x.shape
    acc_dtype = (
        np.dtype(np.float64) if x.dtype.kind in "biu" else np.result_type(x.dtype, np.float32)
    )
    out_dtype = np.dtype(np.float64) if x.dtype.kind in "biu" else x.dtype
    divisor = avg_divisors(rows, cols, count_include_pad).astype(acc_dtype)[None, :, :, None]
    out = np.empty((n, rows.out, cols.out, c), dtype=out_dtype)
    col_taps = axis_taps(cols)
    row_bytes = rows.stride * cols.out * c * acc_dtype.itemsize
    for tile in tiles(n, rows, row_bytes):
        r0, r1 = input_rows(rows, tile.rows.start, tile.rows.stop)
        block = x[tile.items, r0:r1]
        colsum = np.zeros((block.shape[0], r1 - r0, cols.out, c), dtype=acc_dtype)
        for tap in col_taps:
            np.add(
                colsum[:, :, tap.out],
                block[:, :, tap.inp],
                out=colsum[:, :, tap.out],
                casting="unsafe",
            )
        total = np.zeros(
            (block.shape[0], tile.rows.stop - tile.rows.start, cols.out, c), dtype=acc_dtype
        )
        for tap in axis_taps(rows, tile.rows.start, tile.rows.stop, base=r0):
            total[:, tap.out] += colsum[:, tap.inp]
        np.divide(total, divisor[:, tile.rows], out=out[tile.items, tile.rows], casting="unsafe")
    return out
