"""The backward pass of pooling, and max-unpooling: where gradients and values go back to.

As PyTorch's ``max_pool2d``/``avg_pool2d`` backward and ``max_unpool2d``:

- max: each upstream gradient goes to its window's argmax (first occurrence on ties), summed
  where windows share a winner; a window over padding alone sends nothing.
- average: each upstream gradient, divided by the forward's divisor, goes to every real cell
  of its window.
- unpool: zeros of the target size with each value at its index; a cell chosen by several
  windows gets the value once (not summed); index -1 is skipped.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np

from poolviz.engine.geometry import (
    SAME_PADDINGS,
    Axis,
    IntPair,
    PaddingArg,
    PoolOptions,
    as_pair,
)
from poolviz.engine.pooling import IndexMap, prepare
from poolviz.engine.windows import (
    Scratch,
    accumulate,
    as_nhwc,
    empty_indices,
    in_band_order,
    like_input,
    max_windows,
    pixel_type,
    tiles,
    window_taps,
)
from poolviz.errors import PoolvizError


def pool2d_backward(
    x: np.ndarray,
    grad_output: np.ndarray,
    size: IntPair,
    stride: IntPair | None = None,
    padding: PaddingArg = 0,
    **options: Unpack[PoolOptions],
) -> np.ndarray:
    """The gradient of the pooling loss with respect to ``x``, shaped like ``x``, given the
    gradient ``grad_output`` with respect to ``pool2d(x, ...)`` (same arguments).

    Float inputs keep their dtype; integer inputs give float64.

    >>> x = np.array([[1.0, 3.0], [5.0, 6.0]])
    >>> pool2d_backward(x, np.ones((1, 1)), 2)
    array([[0., 0.],
           [0., 1.]])
    """
    x4, spec, rows, cols = prepare(x, size, stride, padding, options)
    n, h, w, c = x4.shape
    dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
    expected = like_input(np.broadcast_to(0, (n, rows.out, cols.out, c)), np.ndim(x)).shape
    g = np.asarray(grad_output)
    if g.shape != expected:
        raise PoolvizError(
            f"grad_output has shape {g.shape} but the pooled output has {expected}; "
            "pass one gradient per output cell"
        )
    # one spare cell past the end: a max window over padding alone sends its gradient there
    cells = np.zeros(n * h * w * c + 1, dtype=dtype)
    grad = cells[:-1].reshape(n, h, w, c)
    # as PyTorch, silently: gradients summed past the largest float are inf, inf + -inf NaN
    with np.errstate(over="ignore", invalid="ignore"):
        g4 = as_nhwc(g).astype(dtype, copy=False)
        if spec.mode == "max":
            max_backward_into(x4, g4, rows, cols, cells)
        else:
            divisor = spec.divisors(rows, cols).astype(dtype)
            share = g4 / divisor[None, :, :, None]
            # offsets in falling order add each cell's shares in the order PyTorch does:
            # windows in rising row-major order
            pixel, scratch = pixel_type(grad), Scratch()
            for rt in reversed(window_taps(rows)):
                for ct in reversed(window_taps(cols)):
                    view = grad[:, rt.inp, ct.inp]
                    accumulate(view, share[:, rt.out, ct.out], pixel, scratch)
    return like_input(grad, np.ndim(x))


def max_backward_into(
    x: np.ndarray, g: np.ndarray, rows: Axis, cols: Axis, cells: np.ndarray
) -> None:
    """Add each window's gradient ``g`` into the flat NHWC gradient ``cells`` at its argmax,
    tile by tile: the forward's offset codes (:func:`~poolviz.engine.windows.max_windows`)
    become flat indices, and ``np.add.at`` adds one gradient at a time in the order given,
    windows in rising row-major order, which is PyTorch's: the sums are its to the bit. A
    window over padding alone adds into the spare cell at the end of ``cells``.

    Masking the gradients per window offset and adding each offset's share into strided views
    of the gradient took five passes over the output per offset, twice as long."""
    n, _, w, c = x.shape
    scratch = Scratch()
    index_map = IndexMap(rows, cols, w, c, whole=True)
    dtype = index_map.dtype
    spare = cells.size - 1
    empty_cols = list(empty_indices(cols))
    # per output row: the forward's, then each output cell's value and flat index
    row_bytes = index_map.row_bytes(x) + cols.out * c * (x.itemsize + 8)
    for tile in in_band_order(tiles(n, rows, row_bytes)):
        g_tile = g[tile.items, tile.rows]
        code = scratch.get("code", g_tile.shape, dtype)
        best = scratch.get("best", g_tile.shape, x.dtype)
        max_windows(x, tile, cols, best, code, scratch, index_map.steps)
        flat = scratch.get("flat", g_tile.shape, np.int64)
        index_map.put(code, tile, flat)
        for i in tile.empty_rows:
            flat[:, i] = spare
        for j in empty_cols:
            flat[:, :, j] = spare
        np.add.at(cells, flat.ravel(), g_tile.ravel())


def _unpool_into(target: np.ndarray, indices: np.ndarray, values: np.ndarray) -> None:
    """Put ``values`` (N, oh, ow, C) into ``target`` (N, H, W, C) at the flat plane
    ``indices``; where indices repeat the last write wins (for pool2d's own output the
    values agree: the windows share their argmax). Index -1 is skipped."""
    n, h, w, c = target.shape
    cells = indices.shape[1] * indices.shape[2]  # spelled out: an empty batch has no -1
    plane = target.reshape(n, h * w, c)  # a view: target is a fresh C-contiguous array
    flat_idx = indices.reshape(n, cells, c)
    flat_val = values.reshape(n, cells, c)
    keep = flat_idx >= 0
    item, _, chan = np.nonzero(keep)
    plane[item, flat_idx[keep], chan] = flat_val[keep]


def default_unpool_size(size: int, stride: int, padding: int | str, out: int) -> int:
    """PyTorch's ``max_unpool2d`` output length: ``(out - 1) * stride - 2 * padding + size``."""
    pad = 0 if padding == "valid" else padding
    if isinstance(pad, str):
        raise PoolvizError("max_unpool2d needs explicit padding; pass output_size for 'same'")
    return (out - 1) * stride - 2 * pad + size


def unpool_size_range(size: int, stride: int, padding: int | str, out: int) -> tuple[int, int]:
    """The unpooled lengths ``max_unpool2d`` accepts along one axis, inclusive: PyTorch's
    rule, strictly between ``default - stride`` and ``default + stride``; for ``'same'`` and
    ``'same_lower'`` padding, the lengths that pool to ``out``: ``(out-1)*stride < n <=
    out*stride``."""
    if padding in SAME_PADDINGS:
        return (out - 1) * stride + 1, out * stride
    default = default_unpool_size(size, stride, padding, out)
    return max(1, default - stride + 1), default + stride - 1


def max_unpool2d(
    values: np.ndarray,
    indices: np.ndarray,
    size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair | str = 0,
    output_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Put pooled ``values`` back at their argmax ``indices`` in a zero array of
    ``output_size`` (h, w) (default PyTorch's ``(out - 1) * stride - 2 * padding + size`` per
    axis); keeps the values' dtype and rank.

    >>> max_unpool2d(np.array([[6.0]]), np.array([[3]]), 2)
    array([[0., 0.],
           [0., 6.]])
    """
    v4 = as_nhwc(values)
    k = as_pair(size, "size")
    s = k if stride is None else as_pair(stride, "stride")
    pads: tuple[int | str, int | str] = (
        (padding, padding) if isinstance(padding, str) else as_pair(padding, "padding", 0)
    )
    pooled = v4.shape[1:3]
    if output_size is None:
        return unpool_to(
            values,
            indices,
            (
                default_unpool_size(k[0], s[0], pads[0], pooled[0]),
                default_unpool_size(k[1], s[1], pads[1], pooled[1]),
            ),
        )
    target = as_pair(list(output_size), "output_size")
    for axis_, unit in enumerate(("rows", "columns")):
        low, high = unpool_size_range(k[axis_], s[axis_], pads[axis_], pooled[axis_])
        if not low <= target[axis_] <= high:
            raise PoolvizError(
                f"output_size {('height', 'width')[axis_]} {target[axis_]} cannot come from "
                f"{pooled[axis_]} pooled {unit} with size {k[axis_]} and stride {s[axis_]}; "
                f"use {low}-{high}"
            )
    return unpool_to(values, indices, target)


def unpool_to(values: np.ndarray, indices: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    """Zeros of ``target`` (h, w) per plane with each of ``values`` at its flat ``indices``
    (-1 skipped), in the values' dtype and rank: :func:`max_unpool2d` without PyTorch's rule
    on the size, for the gradient view, which unpools to the input's own size (a dilated or
    ceil-mode window can put that outside the rule)."""
    v = np.asarray(values)
    idx = np.asarray(indices)
    if idx.shape != v.shape:
        raise PoolvizError(
            f"indices have shape {idx.shape} but values have {v.shape}; pass the indices "
            "pool2d returned with these values"
        )
    if idx.dtype.kind not in "iu":
        raise PoolvizError(f"indices must be integers, got dtype {idx.dtype}")
    v4 = as_nhwc(v)
    if target[0] < 1 or target[1] < 1:
        raise PoolvizError(f"unpooled size {target[0]}x{target[1]} is empty; pass output_size")
    plane = target[0] * target[1]
    bad = (idx < -1) | (idx >= plane)
    if bad.any():
        first = int(idx[bad].flat[0])
        raise PoolvizError(
            f"index {first} is outside the {target[0]}x{target[1]} target; "
            f"indices must be -1 or 0-{plane - 1}"
        )
    out = np.zeros((v4.shape[0], target[0], target[1], v4.shape[3]), dtype=v4.dtype)
    _unpool_into(out, as_nhwc(idx).astype(np.int64, copy=False), v4)
    return like_input(out, v.ndim)
