"""Windows of their own starts and lengths (adaptive and fractional pooling) as arrays, and the
max, argmax and max-gradient kernels over them, PyTorch's numbers bit for bit (the
average's sums are :mod:`poolviz.engine.bin_average`'s).

Why it is shaped so (measured against PyTorch's 1-thread CPU kernels, ``bench/kernels.py``):

- A window's taps are read one tap of every window at a time: tap ``a`` of the windows along
  an axis is one gather of whole rows (or columns) at ``start + min(a, length - 1)``; a
  shorter window reads its last cell again, which changes no max. Max is separable, so it
  takes ``kh + kw`` gathers. The max values of shared windows gather no rows: a run of
  windows of one length whose starts rise by one step (:meth:`Bins.runs`, a few per axis)
  reads each tap as a strided view of whole input rows. Its columns are gathered into one
  reused buffer, so every pass runs over whole contiguous arrays: NumPy's loops over a
  strided view of pixels restart every pixel (0.5 ns a number, 4x a contiguous pass).
  A ResNet stem to 38x38 went from 15 ms to 6.5 ms, a photo to 361x641 from 19 to 8.5 ms.
- Gathering one tap of every window at once, rather than one strided view per window, is
  what made adaptive max on a ResNet stem go from 17x PyTorch's time to about 2x.
- Windows of their own per plane (fractional) are gathered one number at a time, whatever
  the layout. Their max values take a running max over the window's neighbours first
  (whole contiguous passes), then one gather per axis that every row of an item shares
  (:func:`_plane_max_values`); their indices, and the backward, gather each tap.
- The work is cut into tiles of about :data:`~poolviz.engine.windows.TILE_BYTES` of
  intermediate (a few items, or bands of output rows of one item), so the passes over a tile
  run in cache and extra memory stays near the tile's size; the tap loop costs a few
  microseconds of Python per tile.
- Masked copies (``np.copyto(where=...)``) cost about 15 ns a number: the winner rides along
  as an offset code updated by ``maximum`` (offsets rise, so a later winner's code is larger),
  and values by ``maximum``; NaN, which needs the masked path, is looked for only where a
  tile's maxima hold one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.engine.geometry import Axis
from poolviz.engine.windows import TILE_BYTES, code_dtype, spans

WHOLE_PIXEL = 64
"""Pixels of fewer bytes than this are pooled a plane at a time where each plane has its own
windows (per-plane gathers cost about 5 ns a number, whatever its size)."""


@dataclass(frozen=True)
class Bins:
    """The windows along one axis as arrays: each window's first cell and length, shared by
    every plane (shape (o,), adaptive) or one set per plane (shape (N, C, o), fractional)."""

    start: np.ndarray
    length: np.ndarray
    """Broadcasts against ``start``; at least 1."""
    longest: int

    @classmethod
    def of_axis(cls, ax: Axis) -> Bins:
        """The windows of an uneven :class:`Axis`, shared by every plane."""
        spans = ax.windows or ()
        return cls(
            np.array([s.start for s in spans], dtype=np.intp),
            np.array([s.taps for s in spans], dtype=np.intp),
            max((s.taps for s in spans), default=1),
        )

    @classmethod
    def per_plane(cls, starts: np.ndarray, size: int) -> Bins:
        """Windows of ``size`` cells from per-plane ``starts`` (N, C, o)."""
        return cls(starts.astype(np.intp, copy=False), np.array(size, dtype=np.intp), size)

    @property
    def shared(self) -> bool:
        return self.start.ndim == 1

    @property
    def out(self) -> int:
        return int(self.start.shape[-1])

    @property
    def distinct(self) -> bool:
        """Whether one tap of different windows always reads different cells (starts and
        ends both rise: no more windows than cells)."""
        if not self.shared or self.start.size < 2:
            return True
        end = self.start + self.length
        return bool((np.diff(self.start) > 0).all() and (np.diff(end) > 0).all())

    def part(self, items: slice, lo: int = 0, hi: int | None = None) -> Bins:
        """The windows ``lo .. hi-1`` of batch ``items``."""
        window = slice(lo, hi)
        start = self.start[window] if self.shared else self.start[items, :, window]
        length = self.length[window] if self.length.ndim else self.length
        return Bins(start, length, self.longest)

    def plane(self, item: int, channel: int) -> Bins:
        """The windows of one plane, as windows every plane shares."""
        if self.shared:
            return self
        return Bins(self.start[item, channel], self.length, self.longest)

    def reach(self) -> tuple[int, int]:
        """The cells ``[first, end)`` the windows read, together."""
        if self.start.size == 0:
            return 0, 0
        return int(self.start.min()), int((self.start + self.length).max())

    def reaches(
        self, blocks: list[tuple[slice, int, int]]
    ) -> list[tuple[slice, int, int, int, int]]:
        """Each block (items, first window, end window) with the cells ``[first, end)`` its
        windows read (:meth:`reach` of its :meth:`part`; for shared windows from two lists,
        about 0.5 us a block rather than 6: a ResNet stem's adaptive average has 96)."""
        if not self.shared:
            return [(items, lo, hi, *self.part(items, lo, hi).reach()) for items, lo, hi in blocks]
        starts, ends = self.start.tolist(), (self.start + self.length).tolist()
        return [
            (items, lo, hi, min(starts[lo:hi], default=0), max(ends[lo:hi], default=0))
            for items, lo, hi in blocks
        ]

    def runs(self) -> list[tuple[int, int, int, int, int]]:
        """The windows (shared) cut into runs of equal length whose starts rise by one step:
        (first window, end window, first cell, step, length) each."""
        start, length = self.start.tolist(), self.length.tolist()
        out = []
        i, o = 0, len(start)
        while i < o:
            j, step = i + 1, 1
            if j < o and length[j] == length[i]:
                step = start[j] - start[i]
                while j < o and length[j] == length[i] and start[j] - start[j - 1] == step:
                    j += 1
            out.append((i, j, start[i], step, length[i]))
            i = j
        return out

    def shifted(self, cells: int) -> Bins:
        """The same windows over an axis whose first ``cells`` cells were cut off."""
        return Bins(self.start - cells, self.length, self.longest)

    def tap(self, a: int) -> np.ndarray:
        """The cell tap ``a`` of every window reads: a shorter window's last cell again."""
        result: np.ndarray = self.start + np.minimum(a, self.length - 1)
        return result

    def short(self, a: int) -> np.ndarray | None:
        """Which windows have no tap ``a`` (None when all have it)."""
        missing = np.broadcast_to(self.length <= a, self.start.shape)
        return missing if missing.any() else None


def gathered_row(x4: np.ndarray, cols: Bins, itemsize: int) -> int:
    """Bytes of a gathered input row and an output row of ``itemsize``-byte cells: the
    intermediate per output row of a kernel that reads one row tap at a time."""
    _, _, w, c = x4.shape
    return int((w + cols.out) * c * itemsize)


def most_rows(n: int, blocks: list[tuple[slice, int, int]]) -> int:
    """The most rows (items times rows) any of ``blocks`` (items of ``n``, first row, end
    row) spans: the size, in rows, of a buffer every block's rows fit."""
    return max((len(range(n)[items]) * (end - first) for items, first, end in blocks), default=0)


def take(src: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    """``src`` (N, A, B, C) at ``index`` along ``axis`` (1 or 2): a shared index (o,) picks
    whole rows or columns; a per-plane index (N, C, o) picks per item and channel.
    ``np.take`` gathers a ResNet stem tile's 38 columns in 7 us where indexing takes 11,
    but copies a ``src`` that is not contiguous first: indexing gathers from that."""
    if index.ndim == 1 and src.flags.c_contiguous:
        return np.take(src, index, axis=axis)
    if index.ndim == 1:
        return src[:, index] if axis == 1 else src[:, :, index]
    return np.take_along_axis(src, along(index, axis), axis=axis)


def along(per_window: np.ndarray, axis: int) -> np.ndarray:
    """A per-window array, (o,) or (N, C, o), shaped to broadcast along ``axis`` of NHWC."""
    if per_window.ndim == 1:
        return per_window[:, None, None] if axis == 1 else per_window[None, :, None]
    planes = np.moveaxis(per_window, 1, -1)  # (N, o, C)
    return planes[:, :, None, :] if axis == 1 else planes[:, None, :, :]


def max_values(x4: np.ndarray, rows: Bins, cols: Bins) -> np.ndarray:
    """The max over each window (NaN wins), as :func:`maxima` without indices. Windows every
    plane shares: rows first (:func:`_fold_rows`), then columns (:func:`_fold_columns`),
    tile by tile. Only the sign of a zero maximum can differ from the row-major order; where
    it could (a ``-0.0`` in the input), :func:`argmax` decides. Windows of their own per
    plane: :func:`_plane_max_values`."""
    if not rows.shared:
        return _plane_max_values(x4, rows, cols)
    n, _, w, c = x4.shape
    out = np.empty((n, rows.out, cols.out, c), dtype=x4.dtype)
    zero = False
    # a tile holds the row pass's band and one column tap: within a sixth of the output
    # (issue 28's budget), or TILE_BYTES if smaller; but each tile costs tens of us of
    # Python, so a tile is at least a sixteenth of TILE_BYTES (2000x32x32x3 to 1x1: 400
    # tiles, 79 ms; with the floor, 4.4 ms)
    per_row = gathered_row(x4, cols, x4.itemsize)
    budget = min(TILE_BYTES, max(out.nbytes // 6, TILE_BYTES // 16))
    blocks = spans(n, rows.out, per_row, budget)
    largest = most_rows(n, blocks)
    band_buffer = np.empty(largest * w * c, dtype=x4.dtype)
    tap_buffer = np.empty(largest * cols.out * c, dtype=x4.dtype)
    for items, lo, hi in blocks:
        tile = out[items, lo:hi]
        band = band_buffer[: tile.shape[0] * (hi - lo) * w * c].reshape(*tile.shape[:2], w, c)
        _fold_rows(x4[items], rows.part(items, lo, hi), band)
        _fold_columns(band, cols, tile, tap_buffer[: tile.size].reshape(tile.shape))
        zero = zero or (x4.dtype.kind == "f" and bool((tile == 0).any()))
    if zero and _negative_zero(x4):
        return maxima(x4, rows, cols, None)
    return out


PLANE_TILE_BYTES = 2 << 20
"""Scratch of one tile of :func:`_plane_max_values` (about 15 output rows of a ResNet stem
image; each tile costs about 30 us of Python)."""


def _plane_max_values(x4: np.ndarray, rows: Bins, cols: Bins) -> np.ndarray:
    """The max over each window of fixed-size windows with starts of their own per plane
    (fractional; ``rows``, ``cols`` per plane), values only, tile by tile: columns first,
    a running max over ``kw`` neighbours (:func:`_slide`) of which every plane's window
    starts are gathered, then the same over ``kh`` rows.

    A per-plane gather moves one number at a time; it runs as one ``np.take`` an item over
    whole rows of (columns x channels) with one index the rows share, and the rows pass
    runs on the tile turned so that its rows lie along that axis (then turned back): a
    transposing copy costs a fifth of a gather's number, an index per number three times
    one. The running maxima pass over whole contiguous arrays (the flattened pixels);
    their windows crossing a row's end are never gathered. A ResNet stem to 78x78 took
    ~270 ms gathering each tap (``np.take_along_axis``), ~20 ms so.

    Ties keep the earlier value in both passes (``maximum(later, earlier)``), so a zero's
    sign is the first maximum's in row-major order, as PyTorch's; a tile whose maxima hold
    a NaN (PyTorch's is the last NaN in the window) is taken again by :func:`maxima`."""
    n, h, w, c = x4.shape
    kh, kw, oh, ow = rows.longest, cols.longest, rows.out, cols.out
    out = np.empty((n, oh, ow, c), dtype=x4.dtype)
    if out.size == 0:
        return out
    # offsets of each plane's windows along a row of (columns, channels): (n, o * c)
    col_at = (np.moveaxis(cols.start, 1, 2) * c + np.arange(c)).reshape(n, ow * c)
    row_at = np.moveaxis(rows.start, 1, 2) * c + np.arange(c)  # (n, oh, c)
    per_row = -(-h // oh) * (w + 2 * ow) * c * x4.itemsize
    blocks = rows.reaches(spans(n, oh, per_row, PLANE_TILE_BYTES))
    largest = most_rows(n, [(items, first, end) for items, _, _, first, end in blocks])
    wide_buffer = np.empty(largest * w * c, dtype=x4.dtype)
    grid_buffer = np.empty(largest * ow * c, dtype=x4.dtype)
    turned_buffer = np.empty(largest * ow * c, dtype=x4.dtype)
    for items, lo, hi, first, end in blocks:
        tile = out[items, lo:hi]
        count, height = tile.shape[0], end - first
        block = x4[items, first:end].reshape(-1, c)
        wide = _slide(block, kw, wide_buffer[: block.size].reshape(block.shape))
        wide = wide.reshape(count, height, w * c)
        grid = grid_buffer[: count * height * ow * c].reshape(count, height, ow, c)
        for k, item in enumerate(range(n)[items]):
            np.take(wide[k], col_at[item], 1, grid[k].reshape(height, ow * c), "clip")
        turned = turned_buffer[: grid.size].reshape(count, ow, height, c)
        np.copyto(turned, grid.transpose(0, 2, 1, 3))
        flat = turned.reshape(-1, c)
        tall = _slide(flat, kh, wide_buffer[: flat.size].reshape(flat.shape))
        tall = tall.reshape(count, ow, height * c)
        result = grid_buffer[: tile.size].reshape(count, ow, hi - lo, c)
        for k, item in enumerate(range(n)[items]):
            at = (row_at[item, lo:hi] - first * c).reshape(-1)
            np.take(tall[k], at, 1, result[k].reshape(ow, -1), "clip")
        np.copyto(tile, result.transpose(0, 2, 1, 3))
        if tile.dtype.kind == "f" and np.isnan(tile.max()):
            tile[...] = maxima(x4[items], rows.part(items, lo, hi), cols.part(items), None)
    return out


def _slide(src: np.ndarray, k: int, buffer: np.ndarray) -> np.ndarray:
    """Row ``p`` of the result is the max of ``src`` rows ``p .. p+k-1`` (the first maximum
    on ties), for every ``p`` with ``k`` rows left; the last ``k - 1`` rows of ``buffer``
    (the result, of ``src``'s shape) are left as they were. ``src`` itself when ``k`` is 1."""
    if k == 1:
        return src
    last = len(src) - k + 1
    np.maximum(src[1 : last + 1], src[:last], out=buffer[:last])
    for a in range(2, k):
        np.maximum(src[a : last + a], buffer[:last], out=buffer[:last])
    return buffer


def _negative_zero(x4: np.ndarray) -> bool:
    """Whether ``x4`` holds a ``-0.0``, an item at a time (no input-sized temporary)."""
    return any(bool(np.signbit(item[item == 0]).any()) for item in x4)


def _fold_rows(src: np.ndarray, bins: Bins, out: np.ndarray) -> None:
    """The max of ``src`` (N, H, W, C) over each of ``bins`` (shared) along the rows into
    ``out`` (NaN wins), run by run (:meth:`Bins.runs`): tap ``a`` of a run's windows is a
    strided view of whole input rows, so nothing is gathered, and the first two taps take
    one pass. Gathering each tap's rows (a copy, then a pass) took twice as long on a
    ResNet stem."""
    for i0, i1, cell, step, length in bins.runs():
        dest = out[:, i0:i1]
        taps = [strided(src, 1, cell + a, step, i1 - i0) for a in range(length)]
        if length == 1:
            np.copyto(dest, taps[0])
            continue
        np.maximum(taps[0], taps[1], out=dest)
        for tap in taps[2:]:
            np.maximum(dest, tap, out=dest)


def _fold_columns(src: np.ndarray, bins: Bins, out: np.ndarray, buffer: np.ndarray) -> None:
    """The max of ``src`` (N, H, W, C) over each of ``bins`` (shared) along the columns into
    the contiguous ``out`` (NaN wins): each tap of every window gathered into ``buffer`` (of
    ``out``'s shape), then one pass over whole arrays. Strided views of a few pixels a run
    took two and a half times as long: NumPy's loops then restart every pixel."""
    np.take(src, bins.tap(0), 2, out, "clip")
    for a in range(1, bins.longest):
        np.take(src, bins.tap(a), 2, buffer, "clip")
        np.maximum(out, buffer, out=out)


def strided(src: np.ndarray, axis: int, start: int, step: int, count: int) -> np.ndarray:
    """``count`` slices of ``src`` along ``axis``, the first at ``start``, each ``step`` after
    the last (0: the same slice again, as bins repeat cells when outnumbering them): a view."""
    at = (slice(None),) * axis
    if step:
        return src[(*at, slice(start, start + (count - 1) * step + 1, step))]
    one = src[(*at, slice(start, start + 1))]
    return np.broadcast_to(one, (*src.shape[:axis], count, *src.shape[axis + 1 :]))


def argmax(x4: np.ndarray, rows: Bins, cols: Bins) -> tuple[np.ndarray, np.ndarray]:
    """Max and its plane index ``h * W + w`` over each window (see :func:`maxima`)."""
    index = np.empty((x4.shape[0], rows.out, cols.out, x4.shape[3]), dtype=np.int64)
    return maxima(x4, rows, cols, index), index


def maxima(x4: np.ndarray, rows: Bins, cols: Bins, index: np.ndarray | None) -> np.ndarray:
    """Max over each window (:func:`argmax_tiles`); with ``index`` (the output's shape, int64)
    the winner's plane index ``h * W + w`` written there. Without ``index`` no int64 array
    the output's size is made (values alone)."""
    value = np.empty((x4.shape[0], rows.out, cols.out, x4.shape[3]), dtype=x4.dtype)
    for where, v, at in argmax_tiles(x4, rows, cols, index is not None):
        value[where] = v
        if index is not None and at is not None:
            index[where] = at
    return value


Where = tuple[slice, slice, slice, slice]
"""A block of the output: items, rows, all columns, channels."""


def argmax_tiles(
    x4: np.ndarray, rows: Bins, cols: Bins, indices: bool = True
) -> Iterator[tuple[Where, np.ndarray, np.ndarray | None]]:
    """Max and its plane index ``h * W + w`` over each window, as PyTorch's loop over the
    window in row-major order (a cell wins when greater than the best so far, or NaN: the
    first maximum, the last NaN), tile by tile: each output block, its values and (with
    ``indices``) its indices, in output row order within each plane, so that no more than a
    tile of indices need exist at once. Separable: columns first, keeping each input row's
    winning column, then rows: the first row holding the maximum, at its first column (the
    last NaN's row, at its last NaN)."""
    n, _, w, c = x4.shape
    if not rows.shared and c * x4.itemsize < WHOLE_PIXEL:
        # few channels: a per-plane gather would move one number at a time; a plane at a
        # time, its windows are shared and a gather moves whole rows (fractional on a photo)
        for i in range(n):
            for j in range(c):
                plane = x4[i : i + 1, :, :, j : j + 1]
                found = argmax_tiles(plane, rows.plane(i, j), cols.plane(i, j), indices)
                for where, v, at in found:
                    yield (slice(i, i + 1), where[1], where[2], slice(j, j + 1)), v, at
        return
    kw = cols.longest
    dtype = code_dtype(rows.longest * kw)
    per_row = gathered_row(x4, cols, x4.itemsize + dtype.itemsize + 1)
    for items, lo, hi in spans(n, rows.out, per_row, TILE_BYTES):
        r, k = rows.part(items, lo, hi), cols.part(items)
        first, end = r.reach()  # the input rows this band reads
        for nan in (False, True):
            best, code = _fold_arg(x4[items, first:end], None, k, 2, nan, 1, dtype)
            v, code = _fold_arg(best, code, r.shifted(first), 1, nan, kw, dtype)
            if nan or x4.dtype.kind != "f" or v.size == 0 or not np.isnan(v.max()):
                break
        where = (items, slice(lo, hi), slice(None), slice(None))
        if not indices:
            yield where, v, None
            continue
        row, col = np.divmod(code, dtype.type(kw))
        at = np.add(along(r.start, 1), row, dtype=np.int64)
        at *= w
        at += along(k.start, 2)
        at += col
        yield where, v, at


def _fold_arg(
    src: np.ndarray,
    src_code: np.ndarray | None,
    bins: Bins,
    axis: int,
    nan: bool,
    scale: int,
    dtype: np.dtype[Any],
) -> tuple[np.ndarray, np.ndarray]:
    """The max of ``src`` over each of ``bins`` along ``axis`` and the winner's code: the
    tap's offset times ``scale``, plus ``src_code`` at the winner when given."""
    best = take(src, bins.tap(0), axis)
    code = np.zeros(best.shape, dtype) if src_code is None else take(src_code, bins.tap(0), axis)
    won = np.empty(best.shape, dtype=dtype)
    for a in range(1, bins.longest):
        value = take(src, bins.tap(a), axis)
        wins = value > best
        if nan:
            wins |= np.isnan(value)
            if (short := bins.short(a)) is not None:  # a repeated last cell's NaN
                wins &= ~along(short, axis)
        if src_code is None:
            np.multiply(wins, dtype.type(a * scale), out=won)
        else:
            np.add(take(src_code, bins.tap(a), axis), dtype.type(a * scale), out=won)
            won *= wins
        np.maximum(code, won, out=code)
        if nan:
            np.copyto(best, value, where=wins)
        else:  # ties keep the earlier value: maximum returns its second argument when equal
            np.maximum(value, best, out=best)
    return best, code


def route(x4: np.ndarray, g4: np.ndarray, rows: Bins, cols: Bins) -> np.ndarray:
    """Each gradient of ``g4`` added at its window's winner (:func:`argmax_tiles`), one at a
    time in output row-major order within each plane (``np.add.at``, a tile at a time), as
    PyTorch's max backward: the indices exist a tile at a time, not for the whole output."""
    n, h, w, c = x4.shape
    grad = np.zeros((n, h * w, c), dtype=g4.dtype)
    flat_grad = grad.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        for where, _, at in argmax_tiles(x4, rows, cols):
            assert at is not None
            items, chans = where[0], where[3]
            item = np.arange(n, dtype=np.int64)[items] * (h * w * c)
            chan = np.arange(c, dtype=np.int64)[chans]
            at *= c
            at += item[:, None, None, None]
            at += chan
            np.add.at(flat_grad, at.ravel(), g4[where].ravel())
    return grad.reshape(n, h, w, c)
