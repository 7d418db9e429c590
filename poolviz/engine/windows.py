"""The windows of an NHWC input as strided views: the one home of the indexing tricks.

Why it is shaped so (measured, see ``bench/engine.py``):

- Pooling is separable. A 2-D window reduces as a pass over the window's columns (one strided
  view per column offset, each covering every output column at once) followed by a pass over
  its rows. That is ``kh + kw`` array operations instead of ``kh * kw``, and a global window
  costs ``H + W`` operations, not ``H * W``.
- Windows that hang over the edge are clipped, never padded: for each offset, the outputs whose
  tap is a real cell form one contiguous range (:func:`axis_taps`), so there is no padded copy
  of the input.
- The work is cut into tiles of about half a MiB of intermediate (:func:`tiles`), so the
  column pass's result stays in cache for the row pass and extra memory stays near the size of
  the output.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from poolviz.engine.geometry import Axis
from poolviz.errors import PoolvizError

TILE_BYTES = 1 << 19
"""Target size of one tile's intermediate array."""


@dataclass(frozen=True)
class Tap:
    """One window offset along an axis: output cells ``out`` read input cells ``inp``."""

    offset: int
    """Position of the tap inside the window, 0 .. size-1."""
    out: slice
    """Output indices (relative to the tile) whose tap at ``offset`` is a real cell."""
    inp: slice
    """The input indices they read, in the same order (relative to the tile's input block)."""


def axis_taps(ax: Axis, lo: int = 0, hi: int | None = None, base: int = 0) -> list[Tap]:
    """The taps of windows ``lo .. hi-1`` of ``ax``, offsets in rising order; input slices are
    relative to input index ``base``. Offsets whose tap is padding for every window are left
    out."""
    hi = ax.out if hi is None else hi
    s, d, pb = ax.stride, ax.dilation, ax.pad_before
    taps = []
    for j in range(ax.size):
        shift = j * d - pb  # input index of window i's tap j is i*s + shift
        first = max(lo, -(shift // s))  # smallest i with i*s + shift >= 0: ceil(-shift / s)
        last = min(hi - 1, (ax.n - 1 - shift) // s)  # largest i with i*s + shift <= n-1
        if first > last:
            continue
        start = first * s + shift - base
        taps.append(
            Tap(
                j, slice(first - lo, last + 1 - lo), slice(start, start + (last - first) * s + 1, s)
            )
        )
    return taps


def empty_windows(ax: Axis) -> np.ndarray:
    """Boolean mask over ``ax``'s windows: True where the window holds no real cell (possible
    with dilation and padding)."""
    empty = np.ones(ax.out, dtype=bool)
    for tap in axis_taps(ax):
        empty[tap.out] = False
    return empty


def input_rows(ax: Axis, lo: int, hi: int) -> tuple[int, int]:
    """The input range ``[start, stop)`` that windows ``lo .. hi-1`` read (clipped)."""
    start = lo * ax.stride - ax.pad_before
    stop = (hi - 1) * ax.stride - ax.pad_before + ax.span
    return max(0, start), min(ax.n, stop)


@dataclass(frozen=True)
class Tile:
    """A block of the output: batch items ``items`` and output rows ``rows``."""

    items: slice
    rows: slice


def tiles(n: int, rows: Axis, row_bytes: int) -> Iterator[Tile]:
    """Cut an output of ``n`` items by ``rows.out`` rows into tiles whose intermediate (about
    ``row_bytes`` per output row) is near :data:`TILE_BYTES`: whole items where one fits,
    otherwise bands of rows within one item."""
    per_item = row_bytes * rows.out
    if per_item <= TILE_BYTES:
        step = max(1, TILE_BYTES // max(per_item, 1))
        for i in range(0, n, step):
            yield Tile(slice(i, min(n, i + step)), slice(0, rows.out))
        return
    band = max(1, TILE_BYTES // max(row_bytes, 1))
    for i in range(n):
        for r in range(0, rows.out, band):
            yield Tile(slice(i, i + 1), slice(r, min(rows.out, r + band)))


def as_nhwc(x: object) -> np.ndarray:
    """``x`` as a 4-D NHWC array (a view where possible; never modified). (H, W) and (H, W, C)
    gain unit batch and channel axes."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise PoolvizError(
            f"cannot pool an array of dtype {arr.dtype}; use real numbers (float, int or bool)"
        )
    if arr.ndim == 2:
        arr = arr[None, :, :, None]
    elif arr.ndim == 3:
        arr = arr[None]
    elif arr.ndim != 4:
        raise PoolvizError(
            f"input has {arr.ndim} dimensions; use (H, W), (H, W, C) or (N, H, W, C)"
        )
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise PoolvizError(
            f"input has height {arr.shape[1]} and width {arr.shape[2]}; both must be at least 1"
        )
    return arr


def like_input(result: np.ndarray, ndim: int) -> np.ndarray:
    """A 4-D NHWC result back in the rank of the input it came from."""
    view: np.ndarray = result
    if ndim == 2:
        view = result[0, :, :, 0]
    elif ndim == 3:
        view = result[0]
    return view
