"""The exact-order sums of adaptive average pooling over windows every plane shares
(:class:`~poolviz.engine.bins.Bins`), forward and backward, PyTorch's numbers bit for bit.

Why it is shaped so (measured against PyTorch's 1-thread CPU kernels, ``bench/kernels.py``):
the exact-order sum is not separable: PyTorch adds a window's cells into one accumulator
from 0, row by row, left to right. Per tile, one ``np.take`` gathers every column tap of the
tile's input rows (``kw * ow`` pixels a row, tap-major), and one ``np.add.reduce`` per run
of alike row windows (:meth:`Bins.runs`: a few per axis for adaptive bins) adds them over a
strided view (items, windows, rows, taps, ow, c). NumPy reduces over outer axes one slice at
a time, in order (its pairwise summation is only along the innermost axis, here ``ow * c``
numbers long), so every sum is PyTorch's, and the additions run over whole output rows in
cache. A gather and an addition per tap (about five passes over output-sized arrays a tap)
was 3.5-4.0x PyTorch's time on a ResNet stem (16x112x112x64 to 38x38) and 4.0x on a photo
(to 361x641); this is 2.5x and 0.8x. Where the stem's 9.5 ms go (PyTorch: 3.7 ms, adding
while it streams the input once): reading the tile's input rows in order first
(:func:`warm`, about 2 ms for 51 MB: a gather straight from memory stalls pixel by pixel, 7
ms rather than 2), the gather from cache (2 ms, 10 ns a 256-byte pixel), the 16 additions
per output number (2 ms), the two divisions (1 ms) and about 10 us of Python for each of its 96
tiles (~1 ms). Larger tiles would be faster but hold more than a fifth of the output's
bytes. Adding straight from strided views of the input, with no gather, runs NumPy's inner
loop over one pixel's channels (about 9 ns a call): 18-20 ms on the stem; gathering with
strided copies per run rather than ``np.take``, 13 ms.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from poolviz.engine.bins import Bins, along, most_rows, strided
from poolviz.engine.windows import TILE_BYTES, pixel_type, spans

CACHE_LINE = 64
"""Bytes the processor reads from memory at once."""


def sum_divided(x4: np.ndarray, rows: Bins, cols: Bins, acc: np.dtype[Any]) -> np.ndarray:
    """Each window's cells (windows every plane shares) added in ``acc`` from 0 in row-major
    order, divided by its height, then by its width, as ATen's adaptive average, tile by
    tile: one gather of every column tap of the tile's input rows, then one ordered reduction
    per run of alike row windows (:meth:`Bins.runs`). A shorter window's missing column taps
    are +0.0, which leaves a sum that started from +0 unchanged."""
    n, h, _, c = x4.shape
    ow, kw = cols.out, cols.longest
    out = np.empty((n, rows.out, ow, c), dtype=acc)
    if out.size == 0:
        return out
    cells = np.concatenate([cols.tap(b) for b in range(kw)])  # tap-major: (kw * ow,)
    missing = [(b, short) for b in range(kw) if (short := cols.short(b)) is not None]
    pixel = pixel_type(x4)
    # a tile holds its input rows' column taps: about h / oh rows of kw * ow pixels per
    # output row; tiles of a seventh of the output (a band reads a row beyond its share)
    # keep the extra memory within a fifth of it. Each tile costs about 15 us of Python,
    # so a tile is at least a quarter of TILE_BYTES (an MNIST batch 64x26x26x32 to 9x9:
    # 4.7 ms in tiles of 95 KB, 1.5 ms in tiles of 256 KB, 0.8 ms in tiles of 1 MiB)
    per_row = -(-h // rows.out) * kw * ow * c * x4.itemsize
    budget = min(TILE_BYTES, max(out.nbytes // 7, TILE_BYTES // 4))
    runs = rows.runs()
    # divisors as long as an output row: a division's inner loop then runs over the row
    heights = along(rows.length.astype(acc), 1)
    widths = np.repeat(cols.length.astype(acc), c).reshape(ow, c)
    blocks = rows.reaches(spans(n, rows.out, per_row, budget))
    # one buffer, the largest tile's size: growing it would hold two at once
    size = most_rows(n, [(items, first, end) for items, _, _, first, end in blocks])
    buffer = np.empty(size * kw * ow * c, dtype=x4.dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # as PyTorch: inf, or NaN
        for items, lo, hi, first, end in blocks:
            src = x4[items, first:end]
            taps = buffer[: src.shape[0] * (end - first) * kw * ow * c]
            taps = taps.reshape(src.shape[0], end - first, kw * ow, c)
            warm(src)
            if pixel is None:
                np.take(src, cells, axis=2, out=taps, mode="clip")
            else:  # whole pixels: NumPy's take moves one item per index
                np.take(src.view(pixel)[..., 0], cells, 2, taps.view(pixel)[..., 0], "clip")
            grid = taps.reshape(taps.shape[0], end - first, kw, ow, c)
            for b, short in missing:
                grid[:, :, b, short] = 0
            for i0, i1, cell, step, length in runs:
                lo_i, hi_i = max(i0, lo), min(i1, hi)
                if lo_i >= hi_i:
                    continue
                start = cell + (lo_i - i0) * step - first
                windows = _row_windows(grid, start, step, hi_i - lo_i, length)
                _add_windows(windows, out[items, lo_i:hi_i], acc)
            block = out[items, lo:hi]
            block /= heights[lo:hi]
            block /= widths
    return out


def warm(src: np.ndarray) -> None:
    """Read ``src`` once in order, when it is contiguous and its pixels fill cache lines, so
    that a gather of its pixels then finds them in cache: ``np.take`` stalls on memory one
    pixel at a time. On a ResNet stem's column taps (51 MB of 256-byte pixels) the gather
    ran 4 ms after this read rather than 7 without; a photo's 12-byte pixels share lines,
    and reading them first cost 5%."""
    if src.flags.c_contiguous and src.shape[-1] * src.itemsize >= CACHE_LINE:
        octets = src.reshape(-1).view(np.uint8)
        np.bitwise_or.reduce(octets[: octets.size // 8 * 8].view(np.uint64))


def _row_windows(grid: np.ndarray, start: int, step: int, count: int, length: int) -> np.ndarray:
    """``count`` windows of ``length`` rows of ``grid`` (items, rows, kw, ow, c), the first at
    row ``start``, each ``step`` rows after the last: a view (items, count, length, kw, ow,
    c)."""
    s = grid.strides
    return np.ndarray(
        (grid.shape[0], count, length, *grid.shape[2:]),
        grid.dtype,
        grid,
        start * s[1],
        (s[0], step * s[1], s[1], *s[2:]),
    )


def _add_windows(windows: np.ndarray, out: np.ndarray, acc: np.dtype[Any]) -> None:
    """``out`` (items, m, ow, c) = the cells of ``windows`` (items, m, rows, cols, ow, c)
    added in ``acc`` from +0, row by row, each row left to right. NumPy reduces along an
    outer axis one slice at a time, in order; its pairwise summation applies only along
    the innermost axis, which is that of ``ow * c`` unless that is one number."""
    if windows.shape[4] * windows.shape[5] > 1:
        np.add.reduce(windows, axis=(2, 3), dtype=acc, out=out, initial=0)
        return
    # one number per window row: running sums are in order, and + 0 turns the sum of
    # -0.0s a running sum keeps into the +0.0 a sum from +0 gives
    line = windows.reshape(*windows.shape[:2], -1)
    total = np.add.accumulate(line, axis=2, dtype=acc)[..., -1]
    np.add(total, acc.type(0), out=out[..., 0, 0])


SPREAD_ITEM_BYTES = 16 << 20
"""Gradient bytes of the items :func:`spread` adds into at a time (4 ResNet stem items)."""

CHANNEL_MAJOR_PIXEL = 16
"""Pixels of at most this many bytes are spread a channel at a time along each row (NumPy
iterating channel-major), not a pixel at a time: a photo's 3 float32 channels made inner
loops of 3 numbers (55 ms for a 1080x1920 photo to 361x641; 21 ms so). From 8 float32
channels on, a number per 32 or more bytes of the row is no faster, and from 16, slower."""


def spread(x4: np.ndarray, share: np.ndarray, rows: Bins, cols: Bins) -> np.ndarray:
    """Each window's ``share`` (windows every plane shares) added to every cell of the window
    in PyTorch's order: windows in row-major order. Tap by tap in falling row-major order
    does that when no two windows along an axis start together: of two windows sharing a
    cell, the later one reaches it at a smaller offset, and one tap of different windows
    reads different cells. One tap of a run of alike windows (:meth:`Bins.runs`) is then a
    strided view of the gradient, added to in place: no gather, no scatter (a ResNet stem's
    46 ms with a fancy-indexed gather and scatter per tap, 35 ms so). A shorter window has
    no tap past its end: nothing is added there, as +0.0 would change no sum from +0."""
    if not (rows.distinct and cols.distinct):
        return _spread_in_order(x4, share, rows, cols)
    grad = np.zeros(x4.shape, dtype=share.dtype)
    row_runs, col_runs = rows.runs(), cols.runs()
    step = max(1, SPREAD_ITEM_BYTES // max(1, grad[:1].nbytes))
    # NCHW views iterated in C order put a row's windows in the inner loop, NHWC a pixel's channels
    channel_major = x4.shape[3] * grad.itemsize <= CHANNEL_MAJOR_PIXEL
    order: Literal["C", "K"] = "C" if channel_major else "K"
    planes, shares = (
        (grad.transpose(0, 3, 1, 2), share.transpose(0, 3, 1, 2))
        if channel_major
        else (grad, share)
    )
    axis = 2 if channel_major else 1  # of rows
    with np.errstate(over="ignore", invalid="ignore"):
        for first in range(0, x4.shape[0], step):
            items = slice(first, first + step)
            lead = (items, slice(None)) if channel_major else (items,)
            for a in reversed(range(rows.longest)):
                for b in reversed(range(cols.longest)):
                    for i0, i1, r_cell, r_step, r_length in row_runs:
                        if a >= r_length:
                            continue
                        band = strided(planes[lead], axis, r_cell + a, r_step, i1 - i0)
                        for j0, j1, c_cell, c_step, c_length in col_runs:
                            if b < c_length:
                                cells = strided(band, axis + 1, c_cell + b, c_step, j1 - j0)
                                part = shares[(*lead, slice(i0, i1), slice(j0, j1))]
                                np.add(cells, part, out=cells, order=order)
    return grad


def _spread_in_order(x4: np.ndarray, share: np.ndarray, rows: Bins, cols: Bins) -> np.ndarray:
    """:func:`spread` where windows outnumber cells: every (window, tap) pair at once, in
    row-major window order, through ``np.add.at`` (which adds repeated cells in order)."""
    n, h, w, c = x4.shape
    r_taps = np.stack([rows.tap(a) for a in range(rows.longest)], axis=-1)  # (oh, kh)
    c_taps = np.stack([cols.tap(b) for b in range(cols.longest)], axis=-1)  # (ow, kw)
    r_real = np.arange(rows.longest) < rows.length[:, None]
    c_real = np.arange(cols.longest) < cols.length[:, None]
    cell = r_taps[:, None, :, None] * w + c_taps[None, :, None, :]  # (oh, ow, kh, kw)
    real = r_real[:, None, :, None] & c_real[None, :, None, :]
    part = np.where(real[None, ..., None], share[:, :, :, None, None, :], 0)
    grad = np.zeros((n, h * w, c), dtype=share.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        at = (slice(None), cell)  # every item, the cells of each (window, tap)
        np.add.at(grad, at, part.astype(share.dtype, copy=False))  # type: ignore[arg-type]
    return grad.reshape(x4.shape)
